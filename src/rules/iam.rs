//! IAM rules (UD40xx). Derived statements are least privilege by construction (the access
//! tests prove it); these rules look hardest at the spec's raw `permissions` statements.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use super::{Context, Finding};
use crate::access::catalogue::{self, ActionInfo};
use crate::diag::{Code, Diagnostic};
use crate::limits::{self, thousands};
use crate::model::{Effect, Function, Kind, Ref, SecretStore, Setting, Statement};
use crate::targets::aws;

/// Actions that let a principal grant itself more than it was given.
const ESCALATION: &[&str] = &[
    "iam:AddUserToGroup",
    "iam:AttachGroupPolicy",
    "iam:AttachRolePolicy",
    "iam:AttachUserPolicy",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:CreatePolicyVersion",
    "iam:DeleteRolePermissionsBoundary",
    "iam:PutGroupPolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:PutUserPolicy",
    "iam:SetDefaultPolicyVersion",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateLoginProfile",
    "lambda:UpdateFunctionCode",
    "lambda:UpdateFunctionConfiguration",
];

/// Escalation only when granted on every resource.
const ESCALATION_ON_ANY: &[&str] = &["iam:PassRole", "sts:AssumeRole"];

fn raw<'a>(cx: &'a Context<'_>) -> impl Iterator<Item = (&'a Function, &'a Statement)> {
    cx.model
        .functions
        .iter()
        .flat_map(|f| f.permissions.iter().map(move |s| (f, s)))
}

fn me(f: &Function) -> Ref {
    Ref::new(Kind::Function, &f.name)
}

fn has_wildcard(action: &str) -> bool {
    action.contains(['*', '?'])
}

/// The catalogue actions an action pattern stands for. A pattern with a wildcard is matched
/// against the whole catalogue (`*` alone is every one of its ~21,000 actions) once per
/// process: the catalogue is fixed, and a spec may repeat a pattern in every statement.
fn expand(action: &str) -> Arc<[ActionInfo]> {
    static EXPANDED: OnceLock<Mutex<HashMap<String, Arc<[ActionInfo]>>>> = OnceLock::new();
    let catalogue = catalogue::get();
    if !has_wildcard(action) {
        return catalogue.action(action).into_iter().collect();
    }
    let cache = EXPANDED.get_or_init(Mutex::default);
    if let Some(found) = cache.lock().ok().and_then(|c| c.get(action).cloned()) {
        return found;
    }
    let found: Arc<[ActionInfo]> = catalogue.matching(action).into();
    if let Ok(mut c) = cache.lock() {
        c.insert(action.to_string(), Arc::clone(&found));
    }
    found
}

fn allows_any(s: &Statement) -> bool {
    s.resources.iter().any(|r| r.value == "*")
}

/// Whether a statement reaches many resources at once: `*` or a wildcard in an ARN
/// (`arn:aws:iam::123456789012:role/*`).
fn allows_many(s: &Statement) -> bool {
    s.resources.iter().any(|r| r.value.contains(['*', '?']))
}

/// `UD4001`: an action with a wildcard grants every present and future action it matches.
pub fn wildcard_action(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for (f, s) in raw(cx) {
        if s.effect != Effect::Allow {
            continue;
        }
        for a in s.actions.iter().filter(|a| has_wildcard(&a.value)) {
            let n = expand(&a.value).len();
            out.push(Finding::new(
                me(f),
                Diagnostic::new(
                    Code::WildcardAction,
                    format!(
                        "function `{}` is granted `{}`, a wildcard action",
                        f.name, a.value
                    ),
                )
                .with_label(
                    a.span,
                    format!("matches {n} actions today, and every action AWS adds later"),
                )
                .with_help(
                    "list the exact actions the function calls, or express the access with `uses`",
                ),
            ));
        }
    }
}

/// `UD4002`: `Resource: "*"` on an action that can be scoped to an ARN.
pub fn wildcard_resource(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for (f, s) in raw(cx) {
        if s.effect != Effect::Allow || !allows_any(s) {
            continue;
        }
        let scopable: Vec<String> = s
            .actions
            .iter()
            .flat_map(|a| {
                expand(&a.value)
                    .iter()
                    .filter(|info| !info.wildcard_only())
                    .take(3)
                    .map(|info| info.name.clone())
                    .collect::<Vec<_>>()
            })
            .take(3)
            .collect();
        if scopable.is_empty() {
            continue;
        }
        let span = s
            .resources
            .iter()
            .find(|r| r.value == "*")
            .map_or(s.span, |r| r.span);
        let shown: Vec<&str> = scopable.iter().take(3).map(String::as_str).collect();
        out.push(Finding::new(
            me(f),
            Diagnostic::new(
                Code::WildcardResource,
                format!(
                    "function `{}` grants `{}` on every resource",
                    f.name,
                    shown.join("`, `")
                ),
            )
            .with_label(span, "`*`: every resource in the account")
            .with_help("these actions take resource ARNs: list the ARNs the function needs"),
        ));
    }
}

/// `UD4003`: actions that let the function give itself more power.
pub fn privilege_escalation(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for (f, s) in raw(cx) {
        if s.effect != Effect::Allow {
            continue;
        }
        for a in &s.actions {
            let risky: Vec<String> = expand(&a.value)
                .iter()
                .map(|i| i.name.as_str())
                .filter(|n| {
                    ESCALATION.contains(n) || ESCALATION_ON_ANY.contains(n) && allows_many(s)
                })
                .map(str::to_string)
                .collect();
            if risky.is_empty() {
                continue;
            }
            out.push(Finding::new(
                me(f),
                Diagnostic::new(Code::PrivilegeEscalation, format!("function `{}` may escalate its privileges with `{}`", f.name, risky.join("`, `")))
                    .with_label(a.span, "lets the function change what it, or another principal, may do")
                    .with_help("remove the action; if the function must manage IAM or code, scope it to exact ARNs and add a permissions boundary"),
            ));
        }
    }
}

/// `UD4004`: an action its service does not have.
pub fn unknown_action(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for (f, s) in raw(cx) {
        // Parsed on first use: a spec without raw statements never pays for it.
        let catalogue = catalogue::get();
        for a in s.actions.iter().chain(&s.not_actions) {
            let Some((service, _)) = a.value.split_once(':') else {
                continue;
            };
            if !catalogue.has_service(service) || !expand(&a.value).is_empty() || a.value == "*" {
                continue;
            }
            let help = catalogue.suggest(&a.value).map_or_else(
                || {
                    format!(
                        "see the actions of `{service}` in the AWS Service Authorization Reference"
                    )
                },
                |s| format!("did you mean `{s}`?"),
            );
            out.push(Finding::new(
                me(f),
                Diagnostic::new(
                    Code::UnknownAction,
                    format!("`{}` is not an action of `{service}`", a.value),
                )
                .with_label(a.span, "unknown action")
                .with_help(help),
            ));
        }
    }
}

/// `UD4005`: an action of a service that does not exist.
pub fn unknown_service(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for (f, s) in raw(cx) {
        let catalogue = catalogue::get();
        for a in s.actions.iter().chain(&s.not_actions) {
            let Some((service, _)) = a.value.split_once(':') else {
                continue;
            };
            if catalogue.has_service(service) {
                continue;
            }
            out.push(Finding::new(
                me(f),
                Diagnostic::new(
                    Code::UnknownService,
                    format!("`{service}` is not an AWS service prefix"),
                )
                .with_label(a.span, "unknown service")
                .with_help("service prefixes are lowercase, for example `s3`, `dynamodb`, `ses`"),
            ));
        }
    }
}

/// `UD4006`: `NotAction` and `NotResource` grant everything not listed.
pub fn not_action_or_resource(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for (f, s) in raw(cx) {
        // A Deny with NotAction is a common, safe guard rail: only Allow grants.
        if s.effect != Effect::Allow {
            continue;
        }
        let first: Option<&Setting<String>> = s.not_actions.first().or(s.not_resources.first());
        if let Some(first) = first {
            let key = if s.not_actions.is_empty() {
                "not_resources"
            } else {
                "not_actions"
            };
            out.push(Finding::new(
                me(f),
                Diagnostic::new(
                    Code::NotActionOrResource,
                    format!("function `{}` has a statement with `{key}`", f.name),
                )
                .with_label(first.span, "grants everything except what is listed")
                .with_help("list what is allowed with `actions` and `resources` instead"),
            ));
        }
    }
}

/// Longest region and account as they will be substituted, to size policies conservatively.
const SIZE_REGION: &str = "ap-southeast-4";
const SIZE_ACCOUNT: &str = "123456789012";

/// The size IAM counts for an inline policy: the JSON without white space.
#[must_use]
pub fn policy_size(cx: &Context<'_>, policy: &crate::access::aws::Policy) -> usize {
    let doc = aws::policy_document(cx.model, policy, "aws-us-gov", SIZE_REGION, SIZE_ACCOUNT);
    serde_json::to_string(&doc).map_or(0, |s| s.len())
}

/// `UD4007`: IAM refuses a role whose inline policies exceed 10,240 characters
/// ([`limits::IAM_ROLE_INLINE_POLICY_CHARS`]).
pub fn policy_too_large(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let most = limits::IAM_ROLE_INLINE_POLICY_CHARS;
    for policy in cx.policies {
        let size = policy_size(cx, policy);
        if size <= most {
            continue;
        }
        let Some(f) = cx.model.function(&policy.function) else {
            continue;
        };
        out.push(Finding::new(
            me(f),
            Diagnostic::new(
                Code::PolicyTooLarge,
                format!(
                    "the role of function `{}` needs a {}-character policy, over IAM's {}",
                    f.name,
                    thousands(size),
                    thousands(most)
                ),
            )
            .with_label(f.span, "too many grants for one role")
            .with_help("split the function, or narrow its `uses` and raw `permissions`"),
        ));
    }
}

/// `UD4008`: a raw statement on a resource the app does not declare.
pub fn undeclared_resource_grant(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let model = cx.model;
    // (service, resource part of the ARN, whether a `-` suffix may follow: Secrets Manager
    // appends six random characters to a secret's name).
    let mut declared: Vec<(&str, String, bool)> = model
        .resources()
        .into_iter()
        .filter_map(|(r, _)| {
            let name = aws::physical_name(model, &r);
            Some(match r.kind {
                Kind::Table => ("dynamodb", format!("table/{name}"), false),
                // A bucket's deployed name goes on with `-<account>-<region>` (targets::global_name).
                Kind::Bucket => ("s3", name, true),
                Kind::Queue => ("sqs", name, false),
                Kind::Topic => ("sns", name, false),
                Kind::Function => ("lambda", format!("function:{name}"), false),
                Kind::Secret => match model.secret(&r.name)?.store {
                    SecretStore::SecretsManager => {
                        ("secretsmanager", format!("secret:{name}"), true)
                    }
                    SecretStore::Ssm => (
                        "ssm",
                        format!("parameter/{}", name.trim_start_matches('/')),
                        false,
                    ),
                    SecretStore::Kubernetes => return None,
                },
                Kind::Gateway | Kind::Auth => return None,
            })
        })
        .collect();
    for f in &model.functions {
        declared.push((
            "logs",
            format!("log-group:{}", aws::log_group(model, &f.name)),
            false,
        ));
    }
    // The app's own resources under their names without the stage: UD4009 reports those.
    declared.extend(super::references::unstaged(model));
    for (f, s) in raw(cx) {
        if s.effect != Effect::Allow {
            continue;
        }
        for r in &s.resources {
            if r.value == "*" {
                continue;
            }
            // References (`${tables.orders.arn}`, `${buckets.files.name}`) filled in first.
            let text: String = aws::raw_resource_parts(model, &r.value)
                .iter()
                .map(|p| p.text("*", "*", "*"))
                .collect();
            let parts: Vec<&str> = text.splitn(6, ':').collect();
            let [_, _, service, _, _, resource] = parts.as_slice() else {
                continue;
            };
            let known = declared.iter().any(|(svc, name, suffix)| {
                svc == service
                    && resource.strip_prefix(name.as_str()).is_some_and(|rest| {
                        rest.is_empty()
                            || rest.starts_with(['/', ':'])
                            || *suffix && rest.starts_with('-')
                    })
            });
            if known {
                continue;
            }
            out.push(Finding::new(
                me(f),
                Diagnostic::new(Code::UndeclaredResourceGrant, format!("function `{}` is granted access to `{}`, which the app does not declare", f.name, r.value))
                    .with_label(r.span, "not a resource of this app")
                    .with_help("declare the resource in the spec and use `uses`, or suppress with the reason this outside resource is needed"),
            ));
        }
    }
}
