//! Lint: rules over the model, the graph and the derived policies. Rules only report; they
//! never change what is compiled. Each rule is a function with its code in the one table
//! (`diag::codes`) and its doc page in `docs/codes/`; the registry below lists them all.

mod hygiene;
mod iam;
mod references;
mod reliability;

use crate::access::aws::Policy;
use crate::diag::{Code, Diagnostic, Severity};
use crate::graph::Graph;
use crate::model::{Kind, Model, Ref};
use crate::source::Span;

/// Which target's limits apply (Knative runs requests for at most 600 s, Lambda 900 s).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Platform {
    #[default]
    Aws,
    Knative,
}

/// What the rules read.
pub struct Context<'a> {
    pub model: &'a Model,
    pub graph: &'a Graph,
    pub policies: &'a [Policy],
    pub platform: Platform,
}

/// A rule's finding, with the resource it is about. A `suppress` entry on that resource, or
/// on a related one (the gateway of a route, the consumer of a queue), accepts it.
pub struct Finding {
    pub diagnostic: Diagnostic,
    pub resource: Ref,
    pub related: Vec<Ref>,
    /// Set when the finding is about a function setting that one layer (`defaults`, a
    /// stage) could fix for every function: [`run`] reports such findings once per rule and
    /// source, naming the functions.
    pub inherited: Option<Inherited>,
}

/// A function setting that the finding is about, and where it comes from.
#[derive(Clone, Debug)]
pub struct Inherited {
    /// Where the value is written (a stage's or `defaults`' key); empty when no layer sets it.
    pub span: Span,
    /// The key, for example `log_retention`.
    pub key: &'static str,
    /// The value to suggest, for example `14d`.
    pub suggestion: &'static str,
    /// What the functions share, after "N functions": for example "keep their logs forever".
    pub summary: &'static str,
}

impl Finding {
    pub fn new(resource: Ref, diagnostic: Diagnostic) -> Self {
        Self {
            diagnostic,
            resource,
            related: Vec::new(),
            inherited: None,
        }
    }

    #[must_use]
    pub fn inherited(mut self, inherited: Inherited) -> Self {
        self.inherited = Some(inherited);
        self
    }

    #[must_use]
    pub fn related(mut self, resource: Ref) -> Self {
        self.related.push(resource);
        self
    }

    #[must_use]
    pub fn related_all(mut self, resources: impl IntoIterator<Item = Ref>) -> Self {
        self.related.extend(resources);
        self
    }
}

type RuleFn = fn(&Context<'_>, &mut Vec<Finding>);

/// Every rule, by code. A test checks that every lint code has exactly one entry.
pub const RULES: &[(Code, RuleFn)] = &[
    (Code::WildcardAction, iam::wildcard_action),
    (Code::WildcardResource, iam::wildcard_resource),
    (Code::PrivilegeEscalation, iam::privilege_escalation),
    (Code::UnknownAction, iam::unknown_action),
    (Code::UnknownService, iam::unknown_service),
    (Code::NotActionOrResource, iam::not_action_or_resource),
    (Code::PolicyTooLarge, iam::policy_too_large),
    (
        Code::UndeclaredResourceGrant,
        iam::undeclared_resource_grant,
    ),
    (Code::HardcodedOwnArn, references::hardcoded_own_arn),
    (
        Code::AsyncWithoutDeadLetter,
        reliability::async_without_dead_letter,
    ),
    (
        Code::VisibilityBelowTimeout,
        reliability::visibility_below_timeout,
    ),
    (
        Code::HttpTimeoutOverGateway,
        reliability::http_timeout_over_gateway,
    ),
    (
        Code::TimeoutOverTargetLimit,
        reliability::timeout_over_target_limit,
    ),
    (
        Code::ReservedConcurrencyZero,
        reliability::reserved_concurrency_zero,
    ),
    (Code::RecursionLoop, reliability::recursion_loop),
    (
        Code::WriteRouteWithoutAuth,
        reliability::write_route_without_auth,
    ),
    (
        Code::DeadLetterFifoMismatch,
        reliability::dead_letter_fifo_mismatch,
    ),
    (Code::TracingOff, reliability::tracing_off),
    (Code::StreamWriteLoop, reliability::stream_write_loop),
    (
        Code::GatewayWithoutThrottling,
        reliability::gateway_without_throttling,
    ),
    (Code::LogRetentionMissing, hygiene::log_retention_missing),
    (Code::PublicBucket, hygiene::public_bucket),
    (Code::TableWithoutPitr, hygiene::table_without_pitr),
    (Code::UnusedResource, hygiene::unused_resource),
    (Code::X86Architecture, hygiene::x86_architecture),
    (Code::DeadLetterUnwatched, hygiene::dead_letter_unwatched),
    (Code::UnusedSuppression, unused_suppression),
];

/// Rules about AWS services only (CloudWatch Logs retention, X-Ray tracing, the HTTP API's
/// 30 s integration limit and throttling, Lambda's arm64 price): `lint --target knative` skips them.
pub const AWS_ONLY: &[Code] = &[
    Code::LogRetentionMissing,
    Code::TracingOff,
    Code::HttpTimeoutOverGateway,
    Code::X86Architecture,
    Code::GatewayWithoutThrottling,
];

/// Whether a rule applies on a platform.
#[must_use]
pub fn applies(code: Code, platform: Platform) -> bool {
    platform == Platform::Aws || !AWS_ONLY.contains(&code)
}

/// `UD4207`: reported by [`run`] itself, once every other rule has run; this entry only
/// registers the code.
fn unused_suppression(_: &Context<'_>, _: &mut Vec<Finding>) {}

/// The result of linting: findings to report (sorted by position) and how many were
/// suppressed.
pub struct Report {
    pub findings: Vec<Finding>,
    pub suppressed: usize,
}

impl Report {
    /// The findings' diagnostics, in order.
    #[must_use]
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        self.findings.iter().map(|f| f.diagnostic.clone()).collect()
    }
}

/// Runs every rule not allowed by the spec's `lint:` section, applies its severities and the
/// per-resource suppressions, and sorts the findings.
#[must_use]
pub fn run(cx: &Context<'_>) -> Report {
    let settings = &cx.model.lint;
    let mut kept = Vec::new();
    let mut suppressed = 0;
    let mut matched: Vec<(Ref, Code)> = Vec::new();
    for (code, rule) in RULES {
        if settings.allow.contains(code) || !applies(*code, cx.platform) {
            continue;
        }
        let severity = if settings.deny.contains(code) {
            Severity::Error
        } else if settings.warn.contains(code) {
            Severity::Warning
        } else {
            code.default_severity()
        };
        let mut findings = Vec::new();
        rule(cx, &mut findings);
        for finding in findings {
            debug_assert_eq!(
                finding.diagnostic.code, *code,
                "a rule reports only its own code"
            );
            let by = std::iter::once(&finding.resource)
                .chain(&finding.related)
                .find(|r| is_suppressed(cx.model, r, *code));
            if let Some(r) = by {
                matched.push((r.clone(), *code));
                suppressed += 1;
                continue;
            }
            kept.push(Finding {
                diagnostic: finding.diagnostic.with_severity(severity),
                ..finding
            });
        }
    }
    // A suppression that silenced nothing is stale (the finding was fixed) or misplaced.
    if !settings.allow.contains(&Code::UnusedSuppression) {
        for (resource, list) in suppressions(cx.model) {
            for s in list {
                if settings.allow.contains(&s.code)
                    || matched.iter().any(|(r, c)| *r == resource && *c == s.code)
                {
                    continue;
                }
                kept.push(Finding::new(
                    resource.clone(),
                    Diagnostic::new(Code::UnusedSuppression, format!("the suppression of `{}` on {resource} silences nothing", s.code.name()))
                        .with_label(s.span, "no such finding here")
                        .with_help("remove it; if the finding belongs to another resource, move the suppression there")
                        .with_severity(if settings.deny.contains(&Code::UnusedSuppression) { Severity::Error } else { Code::UnusedSuppression.default_severity() }),
                ));
            }
        }
    }
    let mut kept = group_inherited(cx.model, kept);
    let key = |f: &Finding| {
        let d = &f.diagnostic;
        let span = d
            .primary_span()
            .map_or((u32::MAX, u32::MAX), |s| (s.start, s.end));
        (span, d.code, d.message.clone())
    };
    kept.sort_by_key(key);
    Report {
        findings: kept,
        suppressed,
    }
}

/// Findings of one rule about a setting from one source (the same stage key, or no layer
/// at all), for two functions or more, become one finding at that source (or at
/// `defaults`) naming the functions: one fix, one report.
fn group_inherited(model: &Model, findings: Vec<Finding>) -> Vec<Finding> {
    let mut groups: std::collections::BTreeMap<(Code, Span), Vec<Finding>> =
        std::collections::BTreeMap::new();
    let mut out = Vec::new();
    for f in findings {
        match &f.inherited {
            Some(i) => groups
                .entry((f.diagnostic.code, i.span))
                .or_default()
                .push(f),
            None => out.push(f),
        }
    }
    for ((code, span), mut group) in groups {
        if group.len() < 2 {
            out.append(&mut group);
            continue;
        }
        let first = &group[0];
        let Some(i) = first.inherited.clone() else {
            continue;
        };
        let severity = first.diagnostic.severity;
        let mut names: Vec<String> = group.iter().map(|f| f.resource.name.clone()).collect();
        names.sort();
        let message = format!(
            "{} functions {}: {}",
            names.len(),
            i.summary,
            name_list(&names)
        );
        let (label_span, label, help) = if span.is_empty() {
            (
                model.defaults_span,
                format!("no `{}` in `defaults`", i.key),
                format!(
                    "set `{}: {}` in `defaults` for all of them; a function can still set its own",
                    i.key, i.suggestion
                ),
            )
        } else {
            (
                span,
                "all of them inherit this".to_string(),
                format!(
                    "set `{}: {}` here, or on each function that needs another value",
                    i.key, i.suggestion
                ),
            )
        };
        let diagnostic = Diagnostic::new(code, message)
            .with_label(label_span, label)
            .with_help(help)
            .with_severity(severity);
        let mut grouped = Finding::new(Ref::new(Kind::Function, &names[0]), diagnostic)
            .related_all(names[1..].iter().map(|n| Ref::new(Kind::Function, n)));
        grouped.inherited = Some(i);
        out.push(grouped);
    }
    out
}

/// `a`, `b` and `c`; after eight names, "and N more".
fn name_list(names: &[String]) -> String {
    const SHOWN: usize = 8;
    let quoted: Vec<String> = names.iter().take(SHOWN).map(|n| format!("`{n}`")).collect();
    let rest = names.len().saturating_sub(SHOWN);
    match (quoted.as_slice(), rest) {
        ([one], 0) => one.clone(),
        ([init @ .., last], 0) => format!("{} and {last}", init.join(", ")),
        (shown, rest) => format!("{} and {rest} more", shown.join(", ")),
    }
}

/// Every resource's suppressions.
fn suppressions(model: &Model) -> Vec<(Ref, &[crate::model::Suppression])> {
    use crate::model::Kind;
    let mut out: Vec<(Ref, &[crate::model::Suppression])> = Vec::new();
    out.extend(
        model
            .functions
            .iter()
            .map(|r| (Ref::new(Kind::Function, &r.name), r.suppress.as_slice())),
    );
    out.extend(
        model
            .gateways
            .iter()
            .map(|r| (Ref::new(Kind::Gateway, &r.name), r.suppress.as_slice())),
    );
    out.extend(
        model
            .tables
            .iter()
            .map(|r| (Ref::new(Kind::Table, &r.name), r.suppress.as_slice())),
    );
    out.extend(
        model
            .queues
            .iter()
            .map(|r| (Ref::new(Kind::Queue, &r.name), r.suppress.as_slice())),
    );
    out.extend(
        model
            .topics
            .iter()
            .map(|r| (Ref::new(Kind::Topic, &r.name), r.suppress.as_slice())),
    );
    out.extend(
        model
            .buckets
            .iter()
            .map(|r| (Ref::new(Kind::Bucket, &r.name), r.suppress.as_slice())),
    );
    out
}

fn is_suppressed(model: &Model, resource: &Ref, code: Code) -> bool {
    use crate::model::Kind;
    let list = match resource.kind {
        Kind::Function => model.function(&resource.name).map(|r| &r.suppress),
        Kind::Gateway => model.gateway(&resource.name).map(|r| &r.suppress),
        Kind::Table => model.table(&resource.name).map(|r| &r.suppress),
        Kind::Queue => model.queue(&resource.name).map(|r| &r.suppress),
        Kind::Topic => model.topic(&resource.name).map(|r| &r.suppress),
        Kind::Bucket => model.bucket(&resource.name).map(|r| &r.suppress),
        Kind::Auth | Kind::Secret => None,
    };
    list.is_some_and(|l| l.iter().any(|s| s.code == code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_lint_code_has_exactly_one_rule() {
        for code in Code::ALL.iter().filter(|c| c.is_lint()) {
            let n = RULES.iter().filter(|(c, _)| c == code).count();
            assert_eq!(n, 1, "{code} has {n} rules");
        }
        assert!(RULES.len() >= 20);
    }
}
