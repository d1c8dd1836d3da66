//! Drawing the graph as Graphviz DOT or a Mermaid flowchart.

use std::fmt::Write;

use petgraph::visit::EdgeRef;

use super::{Edge, Graph, Node};
use crate::model::Kind;

fn id(node: &Node, index: usize) -> String {
    match node {
        Node::Resource(r) => format!("{}_{}", r.kind.noun(), r.name.replace('-', "_")),
        Node::Schedule { .. } => format!("schedule_{index}"),
        Node::Iot { .. } => format!("iot_{index}"),
        Node::Alarm(name) => format!("alarm_{}", name.replace('-', "_")),
    }
}

fn label(node: &Node) -> String {
    match node {
        Node::Resource(r) => format!("{}\n{}", r.name, r.kind.noun()),
        Node::Schedule { expression, .. } => format!("{expression}\nschedule"),
        Node::Iot { sql, .. } => format!("{sql}\niot rule"),
        Node::Alarm(name) => format!("{name}\nalarm"),
    }
}

fn edge_label(edge: &Edge) -> String {
    match edge {
        Edge::Uses { access, prefix } => match prefix {
            Some(p) => format!("{access} {p}"),
            None => access.to_string(),
        },
        Edge::Triggers { kind, detail } => match detail {
            Some(d) => format!("{kind}: {d}"),
            None => (*kind).to_string(),
        },
        Edge::DeadLetter => "dead letter".into(),
        Edge::Redrive { max_receives } => format!("redrive after {max_receives}"),
        Edge::References { attr } => format!("env {attr}"),
        Edge::Authorizes => "auth".into(),
        Edge::Watches => "watches".into(),
        Edge::Notifies => "notifies".into(),
    }
}

fn dot_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Graphviz DOT: functions are rounded boxes, data stores cylinders, triggers dashed.
#[must_use]
pub fn dot(graph: &Graph, app: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph \"{}\" {{", dot_escape(app));
    out.push_str("  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=11];\n  edge [fontname=\"Helvetica\", fontsize=9];\n");
    for i in graph.graph.node_indices() {
        let node = &graph.graph[i];
        let shape = match node {
            Node::Resource(r) => match r.kind {
                Kind::Function => "shape=box, style=\"rounded,filled\", fillcolor=\"#e8f0fe\"",
                Kind::Table | Kind::Bucket => "shape=cylinder",
                Kind::Queue | Kind::Topic => "shape=cds",
                Kind::Gateway => "shape=hexagon",
                Kind::Auth | Kind::Secret => "shape=note",
            },
            Node::Schedule { .. } | Node::Iot { .. } => "shape=ellipse, style=dashed",
            Node::Alarm(_) => "shape=octagon",
        };
        let _ = writeln!(
            out,
            "  {} [label=\"{}\", {shape}];",
            id(node, i.index()),
            dot_escape(&label(node))
        );
    }
    for e in graph.graph.edge_references() {
        let style = match e.weight().edge {
            Edge::Triggers { .. } => ", style=dashed",
            Edge::DeadLetter | Edge::Redrive { .. } => ", color=\"#c5221f\"",
            Edge::References { .. } => ", style=dotted",
            _ => "",
        };
        let (a, b) = (e.source(), e.target());
        let _ = writeln!(
            out,
            "  {} -> {} [label=\"{}\"{style}];",
            id(&graph.graph[a], a.index()),
            id(&graph.graph[b], b.index()),
            dot_escape(&edge_label(&e.weight().edge))
        );
    }
    out.push_str("}\n");
    out
}

fn mermaid_escape(text: &str) -> String {
    text.replace('"', "#quot;").replace('\n', "<br/>")
}

/// A Mermaid flowchart, for Markdown viewers.
#[must_use]
pub fn mermaid(graph: &Graph) -> String {
    let mut out = String::from("flowchart LR\n");
    for i in graph.graph.node_indices() {
        let node = &graph.graph[i];
        let text = mermaid_escape(&label(node));
        let shaped = match node {
            Node::Resource(r) => match r.kind {
                Kind::Function => format!("(\"{text}\")"),
                Kind::Table | Kind::Bucket => format!("[(\"{text}\")]"),
                Kind::Queue | Kind::Topic => format!("[/\"{text}\"/]"),
                Kind::Gateway => format!("{{{{\"{text}\"}}}}"),
                Kind::Auth | Kind::Secret => format!("[\"{text}\"]"),
            },
            Node::Schedule { .. } | Node::Iot { .. } => format!("([\"{text}\"])"),
            Node::Alarm(_) => format!("[[\"{text}\"]]"),
        };
        let _ = writeln!(out, "  {}{shaped}", id(node, i.index()));
    }
    for e in graph.graph.edge_references() {
        let arrow = match e.weight().edge {
            Edge::Triggers { .. } | Edge::References { .. } => "-.",
            _ => "--",
        };
        let tail = if arrow == "-." { ".->" } else { "-->" };
        let (a, b) = (e.source(), e.target());
        let _ = writeln!(
            out,
            "  {} {arrow} \"{}\" {tail} {}",
            id(&graph.graph[a], a.index()),
            mermaid_escape(&edge_label(&e.weight().edge)),
            id(&graph.graph[b], b.index())
        );
    }
    out
}
