//! Hygiene and cost rules (UD42xx).

use super::{Context, Finding, Inherited};
use crate::diag::{Code, Diagnostic};
use crate::graph::Edge;
use crate::model::{AlarmMetric, Architecture, Function, Kind, Ref};
use crate::source::Span;

fn me(f: &Function) -> Ref {
    Ref::new(Kind::Function, &f.name)
}

/// `UD4201`: logs without retention are kept (and billed) forever.
pub fn log_retention_missing(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for f in cx
        .model
        .functions
        .iter()
        .filter(|f| f.log_retention.is_none())
    {
        out.push(
            Finding::new(
                me(f),
                Diagnostic::new(
                    Code::LogRetentionMissing,
                    format!("the logs of function `{}` are kept forever", f.name),
                )
                .with_label(f.span, "no log retention")
                .with_help(
                    "set `log_retention: 14d` (or another period) on the function or in `defaults`",
                ),
            )
            .inherited(Inherited {
                span: Span::default(),
                key: "log_retention",
                suggestion: "14d",
                summary: "keep their logs forever",
            }),
        );
    }
}

/// `UD4202`: a public bucket lets anyone on the internet read its objects.
pub fn public_bucket(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for b in cx.model.buckets.iter().filter(|b| b.public.value) {
        out.push(Finding::new(
            Ref::new(Kind::Bucket, &b.name),
            Diagnostic::new(Code::PublicBucket, format!("bucket `{}` is readable by anyone", b.name))
                .with_label(b.public.span, "public")
                .with_help("serve public files through a CDN with origin access control, or give out pre-signed URLs"),
        ));
    }
}

/// `UD4203`: without point-in-time recovery a bad write or delete cannot be undone.
pub fn table_without_pitr(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for t in cx
        .model
        .tables
        .iter()
        .filter(|t| !t.point_in_time_recovery.value)
    {
        out.push(Finding::new(
            Ref::new(Kind::Table, &t.name),
            Diagnostic::new(Code::TableWithoutPitr, format!("table `{}` has no point-in-time recovery", t.name))
                .with_label(t.point_in_time_recovery.span, "recovery off")
                .with_help(format!(
                    "remove `point_in_time_recovery: false`; restores to any second of the last {} days cost little",
                    crate::limits::DYNAMODB_PITR_DAYS
                )),
        ));
    }
}

/// `UD4204`: a resource nothing uses costs money and confuses readers.
pub fn unused_resource(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let graph = &cx.graph.graph;
    // Used: something reads, writes, triggers from or names the resource, or an alarm
    // notifies the topic. An alarm that only watches is no use, and a queue used only as the
    // dead letter queue of an unused queue is unused too.
    let mut used: std::collections::BTreeSet<petgraph::graph::NodeIndex> = graph
        .edge_references()
        .filter_map(|e| {
            use petgraph::visit::EdgeRef;
            match e.weight().edge {
                Edge::Uses { .. } | Edge::References { .. } | Edge::DeadLetter | Edge::Notifies => {
                    Some(e.target())
                }
                Edge::Triggers { .. } => Some(e.source()),
                _ => None,
            }
        })
        .collect();
    loop {
        let before = used.len();
        for e in graph.edge_references() {
            use petgraph::visit::EdgeRef;
            if matches!(e.weight().edge, Edge::Redrive { .. }) && used.contains(&e.source()) {
                used.insert(e.target());
            }
        }
        if used.len() == before {
            break;
        }
    }
    for (r, span) in cx.model.resources() {
        if !matches!(
            r.kind,
            Kind::Table | Kind::Bucket | Kind::Queue | Kind::Topic | Kind::Secret
        ) {
            continue;
        }
        let Some(node) = cx.graph.node(&r) else {
            continue;
        };
        if used.contains(&node) {
            continue;
        }
        out.push(Finding::new(
            r.clone(),
            Diagnostic::new(
                Code::UnusedResource,
                format!("{r} is declared but nothing uses it"),
            )
            .with_label(span, "unused")
            .with_help("remove it, or give a function access with `uses` or an event"),
        ));
    }
}

/// `UD4205`: arm64 Lambda costs about 20% less per GB-second for most code.
pub fn x86_architecture(cx: &Context<'_>, out: &mut Vec<Finding>) {
    // The price difference is Lambda's; a Kubernetes cluster has its own nodes (the rule is
    // in `AWS_ONLY`).
    for f in cx
        .model
        .functions
        .iter()
        .filter(|f| f.architecture.value == Architecture::X86_64)
    {
        let span = if f.architecture.span.is_empty() {
            f.span
        } else {
            f.architecture.span
        };
        out.push(
            Finding::new(
                me(f),
                Diagnostic::new(
                    Code::X86Architecture,
                    format!("function `{}` runs on x86_64", f.name),
                )
                .with_label(span, "x86_64")
                .with_help("set `architecture: arm64` unless the code or a dependency needs x86"),
            )
            .inherited(Inherited {
                span: f.architecture.span,
                key: "architecture",
                suggestion: "arm64",
                summary: "run on x86_64, where arm64 costs about 20% less",
            }),
        );
    }
}

/// `UD4206`: a dead letter queue that nobody watches fills up unnoticed.
pub fn dead_letter_unwatched(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let graph = &cx.graph.graph;
    for q in &cx.model.queues {
        let r = Ref::new(Kind::Queue, &q.name);
        let Some(node) = cx.graph.node(&r) else {
            continue;
        };
        let is_dead_letter = graph
            .edges_directed(node, petgraph::Direction::Incoming)
            .any(|e| matches!(e.weight().edge, Edge::DeadLetter | Edge::Redrive { .. }));
        let watched = cx
            .model
            .alarms
            .iter()
            .any(|a| a.metric == AlarmMetric::DeadLetterDepth && a.target == r);
        if is_dead_letter && !watched {
            out.push(Finding::new(
                r.clone(),
                Diagnostic::new(
                    Code::DeadLetterUnwatched,
                    format!("dead letter queue `{}` has no alarm on its depth", q.name),
                )
                .with_label(q.span, "failed messages collect here unnoticed")
                .with_help(format!(
                    "add an alarm: `{{ metric: dead_letter_depth, queue: {}, threshold: 1 }}`",
                    q.name
                )),
            ));
        }
    }
}
