//! What a change to the spec does to access: the grants each function's role gains and loses
//! (each with the spec text that causes it, on its own side), and the exposure changes a
//! reviewer must see (a public route, auth removed, a public bucket, a wildcard, a dropped
//! dead letter). `updraft diff-access` prints it; the comparison is of derived policies, so
//! reordering keys or renaming nothing changes nothing.

use std::collections::{BTreeMap, BTreeSet};

use super::Cause;
use super::aws::{Condition, Policy};
use crate::model::{Effect, Model, Trigger};
use crate::source::Span;
use crate::targets::aws::{arn_text, raw_statement};

/// The two sides of a comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Side {
    Old,
    New,
}

/// What changed.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A function (and its role) that only the new spec has.
    FunctionAdded,
    /// A function (and its role) that only the old spec has.
    FunctionRemoved,
    /// An action on a resource that the role gains.
    Granted,
    /// A granted action or resource with a `*`.
    Wildcard,
    /// An action on a resource that the role loses.
    Revoked,
    /// A raw `permissions` statement the role gains.
    StatementAdded,
    /// A raw `permissions` statement the role loses.
    StatementRemoved,
    /// A route anyone may call: new, or that had auth before.
    RoutePublic,
    /// A route that needs auth now and did not before.
    RouteProtected,
    /// A bucket that anyone may read now.
    BucketPublic,
    /// A bucket that is private now and was public.
    BucketPrivate,
    /// A function whose failed events no longer go to a dead letter.
    DeadLetterDropped,
}

impl Kind {
    /// Whether the change grants more than before.
    #[must_use]
    pub fn widens(&self) -> bool {
        matches!(
            self,
            Kind::FunctionAdded
                | Kind::Granted
                | Kind::Wildcard
                | Kind::StatementAdded
                | Kind::RoutePublic
                | Kind::BucketPublic
        )
    }

    /// The snake-case name used in JSON.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Kind::FunctionAdded => "function_added",
            Kind::FunctionRemoved => "function_removed",
            Kind::Granted => "granted",
            Kind::Wildcard => "wildcard",
            Kind::Revoked => "revoked",
            Kind::StatementAdded => "statement_added",
            Kind::StatementRemoved => "statement_removed",
            Kind::RoutePublic => "route_public",
            Kind::RouteProtected => "route_protected",
            Kind::BucketPublic => "bucket_public",
            Kind::BucketPrivate => "bucket_private",
            Kind::DeadLetterDropped => "dead_letter_dropped",
        }
    }
}

/// One change, located in the spec where it comes from (the new spec for what is gained, the
/// old spec for what is lost).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    /// The function whose role changes, or the resource whose exposure changes.
    pub subject: String,
    pub kind: Kind,
    /// `action on resource`, the route, the statement: what a reviewer reads.
    pub what: String,
    pub side: Side,
    /// The spec text that causes it, with why; several when a statement merges causes.
    pub causes: Vec<Cause>,
}

/// ARN placeholders: the diff is of the spec, not of one account.
const REGION: &str = "{region}";
const ACCOUNT: &str = "{account}";

/// One grant: (action, resource, condition) of a function's role, with its causes.
type Grants = BTreeMap<(String, String, String), Vec<Cause>>;

fn grants(model: &Model, policy: &Policy) -> Grants {
    let mut out: Grants = BTreeMap::new();
    for s in &policy.statements {
        let condition = match &s.condition {
            Some(Condition::S3Prefix(p)) => format!(" if s3:prefix like {p}*"),
            None => String::new(),
        };
        for action in &s.actions {
            for arn in &s.resources {
                let resource = arn_text(model, arn, "aws", REGION, ACCOUNT);
                out.entry((action.clone(), resource, condition.clone()))
                    .or_default()
                    .extend(s.causes.iter().cloned());
            }
        }
    }
    out
}

fn wildcard(action: &str, resource: &str) -> bool {
    action.contains('*') || resource == "*"
}

/// Raw statements of a role, as compact JSON (a stable, comparable form), with their spans.
fn raw(policy: &Policy) -> BTreeMap<String, (Effect, Span)> {
    policy
        .raw
        .iter()
        .map(|r| {
            (
                serde_json::to_string(&raw_statement(r)).expect("JSON"),
                (r.effect, r.span),
            )
        })
        .collect()
}

/// Compares two versions of an app. Changes are sorted by subject, kind and what.
#[must_use]
pub fn diff(
    old: &Model,
    old_policies: &[Policy],
    new: &Model,
    new_policies: &[Policy],
) -> Vec<Change> {
    let mut changes = Vec::new();
    let by_name = |ps: &[Policy]| -> BTreeMap<String, Policy> {
        ps.iter().map(|p| (p.function.clone(), p.clone())).collect()
    };
    let (olds, news) = (by_name(old_policies), by_name(new_policies));
    let names: BTreeSet<&String> = olds.keys().chain(news.keys()).collect();
    for name in names {
        let (o, n) = (olds.get(name), news.get(name));
        match (o, n) {
            (None, Some(_)) => changes.push(Change {
                subject: name.clone(),
                kind: Kind::FunctionAdded,
                what: format!("new function `{name}` with its own role"),
                side: Side::New,
                causes: new
                    .function(name)
                    .map(|f| Cause {
                        span: f.span,
                        why: format!("function `{name}` declared"),
                    })
                    .into_iter()
                    .collect(),
            }),
            (Some(_), None) => changes.push(Change {
                subject: name.clone(),
                kind: Kind::FunctionRemoved,
                what: format!("function `{name}` and its role removed"),
                side: Side::Old,
                causes: old
                    .function(name)
                    .map(|f| Cause {
                        span: f.span,
                        why: format!("function `{name}` was declared"),
                    })
                    .into_iter()
                    .collect(),
            }),
            _ => {}
        }
        let og = o.map(|p| grants(old, p)).unwrap_or_default();
        let ng = n.map(|p| grants(new, p)).unwrap_or_default();
        for (key, causes) in &ng {
            if !og.contains_key(key) {
                let (action, resource, condition) = key;
                changes.push(Change {
                    subject: name.clone(),
                    kind: if wildcard(action, resource) {
                        Kind::Wildcard
                    } else {
                        Kind::Granted
                    },
                    what: format!("{action} on {resource}{condition}"),
                    side: Side::New,
                    causes: dedup(causes),
                });
            }
        }
        for (key, causes) in og.iter().filter(|(k, _)| !ng.contains_key(*k)) {
            let (action, resource, condition) = key;
            changes.push(Change {
                subject: name.clone(),
                kind: Kind::Revoked,
                what: format!("{action} on {resource}{condition}"),
                side: Side::Old,
                causes: dedup(causes),
            });
        }
        let (or, nr) = (
            o.map(raw).unwrap_or_default(),
            n.map(raw).unwrap_or_default(),
        );
        for (text, (effect, span)) in &nr {
            if !or.contains_key(text) {
                changes.push(Change {
                    subject: name.clone(),
                    // A new Deny narrows; a new Allow widens, a wildcard most of all.
                    kind: match effect {
                        Effect::Deny => Kind::StatementRemoved,
                        Effect::Allow if text.contains('*') => Kind::Wildcard,
                        Effect::Allow => Kind::StatementAdded,
                    },
                    what: format!("raw statement {text}"),
                    side: Side::New,
                    causes: vec![Cause {
                        span: *span,
                        why: "raw `permissions` statement".into(),
                    }],
                });
            }
        }
        for (text, (effect, span)) in &or {
            if !nr.contains_key(text) {
                changes.push(Change {
                    subject: name.clone(),
                    kind: if *effect == Effect::Deny {
                        Kind::StatementAdded
                    } else {
                        Kind::StatementRemoved
                    },
                    what: format!("raw statement {text} removed"),
                    side: Side::Old,
                    causes: vec![Cause {
                        span: *span,
                        why: "raw `permissions` statement".into(),
                    }],
                });
            }
        }
        let dead_letters = (
            old.function(name).and_then(|f| f.dead_letter.as_ref()),
            new.function(name).map(|f| f.dead_letter.is_some()),
        );
        if let (Some(dl), Some(false)) = dead_letters {
            changes.push(Change {
                subject: name.clone(),
                kind: Kind::DeadLetterDropped,
                what: format!("failed events no longer go to {}", dl.value),
                side: Side::Old,
                causes: vec![Cause {
                    span: dl.span,
                    why: "`dead_letter` was set".into(),
                }],
            });
        }
    }
    routes(old, new, &mut changes);
    buckets(old, new, &mut changes);
    changes.sort();
    changes
}

fn dedup(causes: &[Cause]) -> Vec<Cause> {
    let set: BTreeSet<&Cause> = causes.iter().collect();
    set.into_iter().cloned().collect()
}

/// A route: (gateway, method, path).
type RouteKey = (String, String, String);
/// What serves a route: (function, auth, span of the event).
type RouteTarget = (String, Option<String>, Span);

/// Every route of the app.
fn route_table(model: &Model) -> BTreeMap<RouteKey, RouteTarget> {
    let mut out = BTreeMap::new();
    for f in &model.functions {
        for e in &f.events {
            if let Trigger::Http {
                gateway,
                method,
                path,
                auth,
            } = &e.trigger
            {
                out.insert(
                    (gateway.clone(), method.to_string(), path.clone()),
                    (f.name.clone(), auth.clone(), e.span),
                );
            }
        }
    }
    out
}

fn routes(old: &Model, new: &Model, changes: &mut Vec<Change>) {
    let (or, nr) = (route_table(old), route_table(new));
    for (key, (function, auth, span)) in &nr {
        let (gateway, method, path) = key;
        let before = or.get(key).map(|(_, a, _)| a);
        let route = format!("`{method} {path}` on gateway `{gateway}`");
        match (before, auth) {
            (None | Some(Some(_)), None) => changes.push(Change {
                subject: gateway.clone(),
                kind: Kind::RoutePublic,
                what: match before {
                    None => format!("new public route {route} to `{function}`"),
                    _ => format!("route {route} no longer needs auth"),
                },
                side: Side::New,
                causes: vec![Cause {
                    span: *span,
                    why: "route without `auth` (or with `public: true`)".into(),
                }],
            }),
            (Some(None), Some(a)) => changes.push(Change {
                subject: gateway.clone(),
                kind: Kind::RouteProtected,
                what: format!("route {route} now needs auth `{a}`"),
                side: Side::New,
                causes: vec![Cause {
                    span: *span,
                    why: "route with `auth`".into(),
                }],
            }),
            _ => {}
        }
    }
}

fn buckets(old: &Model, new: &Model, changes: &mut Vec<Change>) {
    for b in &new.buckets {
        let was = old
            .buckets
            .iter()
            .find(|o| o.name == b.name)
            .is_some_and(|o| o.public.value);
        let (kind, what, why) = match (was, b.public.value) {
            (false, true) => (
                Kind::BucketPublic,
                format!("bucket `{}` is readable by anyone", b.name),
                "`public: true`",
            ),
            (true, false) => (
                Kind::BucketPrivate,
                format!("bucket `{}` is private again", b.name),
                if b.public.span.is_empty() {
                    "`public` not set (private by default)"
                } else {
                    "`public: false`"
                },
            ),
            _ => continue,
        };
        let span = if b.public.span.is_empty() {
            b.span
        } else {
            b.public.span
        };
        changes.push(Change {
            subject: b.name.clone(),
            kind,
            what,
            side: Side::New,
            causes: vec![Cause {
                span,
                why: why.into(),
            }],
        });
    }
}
