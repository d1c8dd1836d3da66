//! The app graph: every resource is a node; `uses`, triggers, dead letters, redrives, env
//! references, auth and alarms are typed edges. Lint and the targets read it; `updraft
//! graph` draws it. Node and edge order is deterministic (kind, then name, then source order).

mod draw;

use std::collections::BTreeMap;

use petgraph::graph::{DiGraph, NodeIndex};

pub use draw::{dot, mermaid};

use crate::access::aws::Scope;
use crate::model::{Access, Kind, Model, Ref, Trigger};
use crate::source::Span;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Node {
    Resource(Ref),
    /// A schedule triggering a function (one per `schedule` event).
    Schedule {
        function: String,
        expression: String,
    },
    /// An IoT rule triggering a function (one per `iot` event).
    Iot {
        function: String,
        sql: String,
    },
    Alarm(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Edge {
    /// function → resource
    Uses {
        access: Access,
        prefix: Option<String>,
    },
    /// source → function
    Triggers {
        kind: &'static str,
        detail: Option<String>,
    },
    /// function → queue or topic
    DeadLetter,
    /// queue → its dead letter queue
    Redrive { max_receives: u32 },
    /// function → resource named in an env value
    References { attr: &'static str },
    /// gateway → auth (default), or auth → function (route auth)
    Authorizes,
    /// alarm → watched resource
    Watches,
    /// alarm → topic
    Notifies,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdgeData {
    pub edge: Edge,
    /// The spec text that created the edge (empty for implied edges).
    pub span: Span,
}

pub struct Graph {
    pub graph: DiGraph<Node, EdgeData>,
    index: BTreeMap<Ref, NodeIndex>,
}

impl Graph {
    /// Builds the graph of a model.
    #[must_use]
    pub fn build(model: &Model) -> Graph {
        let mut graph = DiGraph::new();
        let mut index = BTreeMap::new();
        for (r, _) in model.resources() {
            index.insert(r.clone(), graph.add_node(Node::Resource(r)));
        }
        let mut g = Graph { graph, index };
        for gateway in &model.gateways {
            if let Some(auth) = &gateway.default_auth {
                g.edge(
                    &Ref::new(Kind::Gateway, &gateway.name),
                    &Ref::new(Kind::Auth, auth),
                    Edge::Authorizes,
                    gateway.span,
                );
            }
        }
        for queue in &model.queues {
            if let Some(dl) = &queue.dead_letter {
                g.edge(
                    &Ref::new(Kind::Queue, &queue.name),
                    &Ref::new(Kind::Queue, &dl.queue),
                    Edge::Redrive {
                        max_receives: dl.max_receives,
                    },
                    dl.span,
                );
            }
        }
        for f in &model.functions {
            let me = Ref::new(Kind::Function, &f.name);
            for u in &f.uses {
                g.edge(
                    &me,
                    &u.resource,
                    Edge::Uses {
                        access: u.access,
                        prefix: u.prefix.clone(),
                    },
                    u.span,
                );
            }
            for event in &f.events {
                let kind = event.trigger.kind();
                let from = match &event.trigger {
                    Trigger::Schedule(s) => g.graph.add_node(Node::Schedule {
                        function: f.name.clone(),
                        expression: s.expression(),
                    }),
                    Trigger::Iot { sql } => g.graph.add_node(Node::Iot {
                        function: f.name.clone(),
                        sql: sql.clone(),
                    }),
                    other => {
                        let source = other.source().expect("every other trigger has a source");
                        g.index[&source]
                    }
                };
                let detail = match &event.trigger {
                    Trigger::Http { method, path, .. } => {
                        Some(crate::model::route_key(*method, path))
                    }
                    Trigger::Bucket { on, prefix, .. } => Some(match prefix {
                        Some(p) => format!("{on} {p}"),
                        None => on.to_string(),
                    }),
                    _ => None,
                };
                let to = g.index[&me];
                g.graph.add_edge(
                    from,
                    to,
                    EdgeData {
                        edge: Edge::Triggers { kind, detail },
                        span: event.span,
                    },
                );
                if let Trigger::Http {
                    auth: Some(auth), ..
                } = &event.trigger
                {
                    g.edge(
                        &Ref::new(Kind::Auth, auth),
                        &me,
                        Edge::Authorizes,
                        event.span,
                    );
                }
            }
            if let Some(dl) = &f.dead_letter {
                g.edge(&me, &dl.value, Edge::DeadLetter, dl.span);
            }
            for value in f.env.values() {
                for part in &value.parts {
                    if let crate::model::EnvPart::Ref { target, attr } = part {
                        g.edge(
                            &me,
                            target,
                            Edge::References {
                                attr: attr.as_str(),
                            },
                            value.span,
                        );
                    }
                }
            }
        }
        for alarm in &model.alarms {
            let node = g.graph.add_node(Node::Alarm(alarm.name.clone()));
            let target = g.index[&alarm.target];
            g.graph.add_edge(
                node,
                target,
                EdgeData {
                    edge: Edge::Watches,
                    span: alarm.span,
                },
            );
            if let Some(topic) = &alarm.notify {
                let t = g.index[&Ref::new(Kind::Topic, topic)];
                g.graph.add_edge(
                    node,
                    t,
                    EdgeData {
                        edge: Edge::Notifies,
                        span: alarm.span,
                    },
                );
            }
        }
        g
    }

    fn edge(&mut self, from: &Ref, to: &Ref, edge: Edge, span: Span) {
        let (a, b) = (self.index[from], self.index[to]);
        self.graph.add_edge(a, b, EdgeData { edge, span });
    }

    /// The node of a declared resource.
    #[must_use]
    pub fn node(&self, r: &Ref) -> Option<NodeIndex> {
        self.index.get(r).copied()
    }

    /// Whether a resource is a node of the graph.
    #[must_use]
    pub fn contains(&self, r: &Ref) -> bool {
        self.index.contains_key(r)
    }

    /// Whether an IAM scope of `target` names a node (used by property tests and lint).
    #[must_use]
    pub fn covers(&self, scope: Scope, target: &Ref) -> bool {
        scope == Scope::Any || self.contains(target)
    }
}
