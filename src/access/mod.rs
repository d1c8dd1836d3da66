//! Least privilege: from the model, exactly what each function may do, and why.
//!
//! Derivation has two steps. [`needs`] says, independent of any cloud, what a function
//! needs: an access level on a resource, what its triggers need, its dead letter, its own
//! logs and tracing, each with the spec span that caused it. A target family then maps
//! needs to its own permission language through a reviewable data table: [`aws`] to IAM
//! statements (used by the CloudFormation and Terraform backends alike, never re-derived);
//! Kubernetes RBAC for Knative maps the same needs.
//!
//! **Invariant:** no statement has a wildcard action, and `Resource: "*"` appears only for
//! actions in the table's `wildcard_only` allow-list, each with its reason.

pub mod aws;
pub mod catalogue;
pub mod deployer;
pub mod diff;

use crate::model::{Access, Function, Kind, Model, Ref, Trigger};
use crate::source::Span;

/// Why a permission exists: the spec text that caused it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cause {
    pub span: Span,
    /// A short sentence: "uses: photo-meta read", "queue event on jobs".
    pub why: String,
}

/// What a function needs, before any target's permission language.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Need {
    /// An access level on a resource (`uses`).
    Use {
        resource: Ref,
        access: Access,
        prefix: Option<String>,
    },
    /// What polling an event source needs (queue or table stream).
    Poll { resource: Ref },
    /// Sending failed asynchronous events to a queue or topic.
    DeadLetter { resource: Ref },
    /// Writing its own logs.
    Logs,
    /// Sending traces.
    Tracing,
}

impl Need {
    /// The declared resource the need is on, if any.
    #[must_use]
    pub fn resource(&self) -> Option<&Ref> {
        match self {
            Need::Use { resource, .. }
            | Need::Poll { resource }
            | Need::DeadLetter { resource } => Some(resource),
            Need::Logs | Need::Tracing => None,
        }
    }
}

/// A need with the spec text that caused it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caused {
    pub need: Need,
    pub cause: Cause,
}

/// Everything a function needs, in a stable order: logs, uses (by resource), polled
/// triggers, dead letter, tracing.
#[must_use]
pub fn needs(function: &Function) -> Vec<Caused> {
    let mut out = vec![Caused {
        need: Need::Logs,
        cause: Cause {
            span: function.span,
            why: format!("function `{}` writes its own logs", function.name),
        },
    }];
    let mut uses: Vec<&crate::model::Use> = function.uses.iter().collect();
    uses.sort_by(|a, b| (&a.resource, a.access).cmp(&(&b.resource, b.access)));
    for u in uses {
        let prefix = u
            .prefix
            .as_ref()
            .map_or(String::new(), |p| format!(" under `{p}`"));
        out.push(Caused {
            need: Need::Use {
                resource: u.resource.clone(),
                access: u.access,
                prefix: u.prefix.clone(),
            },
            cause: Cause {
                span: u.span,
                why: format!("uses {} with `{}` access{prefix}", u.resource, u.access),
            },
        });
    }
    for event in &function.events {
        let resource = match &event.trigger {
            Trigger::Queue { queue, .. } => Ref::new(Kind::Queue, queue),
            Trigger::Table { table, .. } => Ref::new(Kind::Table, table),
            _ => continue,
        };
        out.push(Caused {
            cause: Cause {
                span: event.span,
                why: format!("`{}` event polls {resource}", event.trigger.kind()),
            },
            need: Need::Poll { resource },
        });
    }
    if let Some(dl) = &function.dead_letter {
        out.push(Caused {
            need: Need::DeadLetter {
                resource: dl.value.clone(),
            },
            cause: Cause {
                span: dl.span,
                why: format!("failed async events go to dead letter {}", dl.value),
            },
        });
    }
    if function.tracing.value {
        out.push(Caused {
            need: Need::Tracing,
            cause: Cause {
                span: function.tracing.span,
                why: "tracing is on".into(),
            },
        });
    }
    out
}

/// Every function's AWS policy, in function order.
#[must_use]
pub fn aws_policies(model: &Model) -> Vec<aws::Policy> {
    model
        .functions
        .iter()
        .map(|f| aws::policy(model, f))
        .collect()
}
