//! Data flow between functions: who writes what triggers whom. Recursion lint reads it.

use std::collections::BTreeMap;

use petgraph::graph::{DiGraph, NodeIndex};

use super::{Access, BucketChange, Event, Function, Kind, Model, Ref, Trigger};
use crate::source::Span;

impl Model {
    /// Recursion loops: cycles of functions that trigger themselves through resources they
    /// write. A write under a bucket prefix that the trigger's prefix rules out is no edge.
    #[must_use]
    pub fn loops(&self) -> Vec<Loop> {
        // function → function, when the first writes what triggers the second.
        let mut flow: DiGraph<String, Hop> = DiGraph::new();
        let nodes: BTreeMap<&str, NodeIndex> = self
            .functions
            .iter()
            .map(|f| (f.name.as_str(), flow.add_node(f.name.clone())))
            .collect();
        // Who each resource triggers, indexed once: (reader, event).
        let mut triggered_by: BTreeMap<Ref, Vec<(&Function, &Event)>> = BTreeMap::new();
        for reader in &self.functions {
            for event in &reader.events {
                if let Some(source) = event.trigger.source() {
                    triggered_by
                        .entry(source)
                        .or_default()
                        .push((reader, event));
                }
            }
        }
        for writer in &self.functions {
            for u in &writer.uses {
                // What the access can cause: for a bucket, which object event it produces.
                let (writes, bucket_change) = match u.resource.kind {
                    Kind::Bucket => match u.access {
                        Access::Write | Access::ReadWrite => (true, Some(BucketChange::Created)),
                        Access::Delete => (true, Some(BucketChange::Removed)),
                        _ => (false, None),
                    },
                    Kind::Table => (
                        matches!(
                            u.access,
                            Access::Write
                                | Access::ReadWrite
                                | Access::Put
                                | Access::Update
                                | Access::Delete
                        ),
                        None,
                    ),
                    Kind::Queue => (u.access == Access::Send, None),
                    Kind::Topic => (u.access == Access::Publish, None),
                    Kind::Function => (u.access == Access::Invoke, None),
                    _ => (false, None),
                };
                if !writes {
                    continue;
                }
                if u.resource.kind == Kind::Function {
                    // Invoking a function is a direct edge.
                    flow.add_edge(
                        nodes[writer.name.as_str()],
                        nodes[u.resource.name.as_str()],
                        Hop {
                            resource: u.resource.clone(),
                            write: u.span,
                            trigger: u.span,
                        },
                    );
                    continue;
                }
                for &(reader, event) in triggered_by.get(&u.resource).map_or(&[][..], Vec::as_slice)
                {
                    {
                        let triggered = match (&event.trigger, u.resource.kind) {
                            (
                                Trigger::Bucket {
                                    bucket, prefix, on, ..
                                },
                                Kind::Bucket,
                            ) => {
                                *bucket == u.resource.name
                                    && Some(*on) == bucket_change
                                    && overlaps(u.prefix.as_deref(), prefix.as_deref())
                            }
                            (Trigger::Queue { queue, .. }, Kind::Queue) => {
                                *queue == u.resource.name
                            }
                            (Trigger::Topic { topic, .. }, Kind::Topic) => {
                                *topic == u.resource.name
                            }
                            (Trigger::Table { table, .. }, Kind::Table) => {
                                *table == u.resource.name
                            }
                            _ => false,
                        };
                        if triggered {
                            flow.add_edge(
                                nodes[writer.name.as_str()],
                                nodes[reader.name.as_str()],
                                Hop {
                                    resource: u.resource.clone(),
                                    write: u.span,
                                    trigger: event.span,
                                },
                            );
                        }
                    }
                }
            }
        }
        let mut loops = Vec::new();
        for scc in petgraph::algo::tarjan_scc(&flow) {
            let self_loop = scc.len() == 1 && flow.find_edge(scc[0], scc[0]).is_some();
            if scc.len() < 2 && !self_loop {
                continue;
            }
            let mut members: Vec<NodeIndex> = scc;
            members.sort_by(|a, b| flow[*a].cmp(&flow[*b]));
            let inside: std::collections::BTreeSet<NodeIndex> = members.iter().copied().collect();
            let hops = members
                .iter()
                .flat_map(|&a| {
                    let members = &inside;
                    let flow = &flow;
                    flow.edges(a)
                        .filter(move |e| members.contains(&petgraph::visit::EdgeRef::target(e)))
                        .map(move |e| {
                            let (from, to) = (
                                flow[a].clone(),
                                flow[petgraph::visit::EdgeRef::target(&e)].clone(),
                            );
                            (from, to, e.weight().clone())
                        })
                })
                .collect::<Vec<(String, String, Hop)>>();
            // Source order must not matter: hops are listed by writer, target, resource.
            let mut hops = hops;
            hops.sort_by(|a, b| (&a.0, &a.1, &a.2.resource).cmp(&(&b.0, &b.1, &b.2.resource)));
            loops.push(Loop {
                functions: members.iter().map(|&i| flow[i].clone()).collect(),
                hops,
            });
        }
        loops.sort_by(|a, b| a.functions.cmp(&b.functions));
        loops
    }
}

/// One step of a loop: a function writes `resource`, which triggers the next function.
#[derive(Clone, Debug)]
pub struct Hop {
    pub resource: Ref,
    /// The `uses` entry that writes.
    pub write: Span,
    /// The event that triggers.
    pub trigger: Span,
}

#[derive(Clone, Debug)]
pub struct Loop {
    /// The functions in the loop, sorted by name.
    pub functions: Vec<String>,
    /// (writer, triggered, hop) for every edge inside the loop.
    pub hops: Vec<(String, String, Hop)>,
}

/// Whether keys written under `write` can match a trigger filtered on `trigger`.
fn overlaps(write: Option<&str>, trigger: Option<&str>) -> bool {
    match (write, trigger) {
        (Some(w), Some(t)) => w.starts_with(t) || t.starts_with(w),
        _ => true,
    }
}
