//! Raw IAM statements in a function's `permissions`.

use super::Checker;
use crate::diag::{Code, Diagnostic};
use crate::model::{Setting, Statement};
use crate::source::Span;
use crate::spec;
use crate::spec::read::Spanned;
use crate::targets::aws;

/// `*`, or `service:Action` where the action may hold `*` and `?` wildcards.
fn is_action(a: &str) -> bool {
    a == "*"
        || a.split_once(':').is_some_and(|(svc, name)| {
            !svc.is_empty()
                && svc.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '*' || c == '?')
        })
}

/// Whether a condition holds a `${name.name}` placeholder in a key or value.
fn json_has_placeholder(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::String(s) => !aws::placeholder_like(s).is_empty(),
        serde_json::Value::Array(items) => items.iter().any(json_has_placeholder),
        serde_json::Value::Object(map) => map
            .iter()
            .any(|(k, v)| !aws::placeholder_like(k).is_empty() || json_has_placeholder(v)),
        _ => false,
    }
}

impl Checker {
    pub(super) fn statement(&mut self, s: &Spanned<spec::Statement>) -> Option<Statement> {
        let st = &s.value;
        let mut ok = self.statement_shape(s);
        for action in st.actions.iter().chain(&st.not_actions) {
            let a = action.value.as_str();
            if !is_action(a) {
                self.error(
                    Diagnostic::new(
                        Code::InvalidStatement,
                        format!("`{a}` is not an IAM action"),
                    )
                    .with_label(action.span, "expected `service:Action`")
                    .with_help("for example `ssm:GetParameter`"),
                );
                ok = false;
            }
        }
        for resource in st.resources.iter().chain(&st.not_resources) {
            let r = resource.value.as_str();
            if r != "*" && !r.starts_with("arn:") {
                self.error(
                    Diagnostic::new(Code::InvalidStatement, format!("`{r}` is not an ARN"))
                        .with_label(resource.span, "expected `arn:...` or `*`")
                        .with_help("write the resource's full ARN"),
                );
                ok = false;
            }
        }
        ok &= self.statement_placeholders(st);
        let setting = |v: &Vec<Spanned<String>>| {
            v.iter()
                .map(|x| Setting::new(x.value.clone(), x.span))
                .collect()
        };
        ok.then(|| Statement {
            effect: st.effect.as_ref().map_or(spec::Effect::Allow, |e| e.value),
            actions: setting(&st.actions),
            not_actions: setting(&st.not_actions),
            resources: setting(&st.resources),
            not_resources: setting(&st.not_resources),
            condition: st.condition.as_ref().map(|c| c.value.0.clone()),
            span: s.span,
        })
    }

    /// `${aws.region}`, `${aws.account}` and `${aws.partition}` are filled in by the target
    /// in resources; any other `${name.name}`, or one outside resources, would reach AWS as
    /// written (an invalid ARN), so it is refused here. IAM policy variables
    /// (`${aws:username}`) are not placeholders and stay as written.
    fn statement_placeholders(&mut self, st: &spec::Statement) -> bool {
        let known = aws::PLACEHOLDERS
            .iter()
            .map(|(p, _)| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut ok = true;
        for resource in st.resources.iter().chain(&st.not_resources) {
            if let Err(found) = aws::raw_resource_parts(&resource.value) {
                self.error(
                    Diagnostic::new(
                        Code::InvalidStatement,
                        format!("`{found}` is not a placeholder updraft fills in"),
                    )
                    .with_label(resource.span, "unknown placeholder")
                    .with_help(format!(
                        "resources may hold {known}; IAM policy variables are written with a colon, for example `${{aws:username}}`"
                    )),
                );
                ok = false;
            }
        }
        let mut elsewhere: Vec<Span> = (st.actions.iter().chain(&st.not_actions))
            .filter(|a| !aws::placeholder_like(&a.value).is_empty())
            .map(|a| a.span)
            .collect();
        if let Some(c) = &st.condition
            && json_has_placeholder(&c.value.0)
        {
            elsewhere.push(c.span);
        }
        for span in elsewhere {
            self.error(
                Diagnostic::new(
                    Code::InvalidStatement,
                    "placeholders are filled in only in `resources` and `not_resources`",
                )
                .with_label(
                    span,
                    "a `${name.name}` placeholder here would reach AWS as written",
                )
                .with_help(format!(
                    "move the value into `resources` ({known}), or write it out"
                )),
            );
            ok = false;
        }
        ok
    }

    /// Whether a statement has one list of actions and one of resources.
    fn statement_shape(&mut self, s: &Spanned<spec::Statement>) -> bool {
        let st = &s.value;
        let mut ok = true;
        if st.actions.is_empty() == st.not_actions.is_empty() {
            self.error(
                Diagnostic::new(
                    Code::InvalidStatement,
                    "a statement needs `actions` (or `not_actions`), not both or neither",
                )
                .with_label(s.span, "invalid statement")
                .with_help("list the IAM actions, for example `actions: [ssm:GetParameter]`"),
            );
            ok = false;
        }
        if st.resources.is_empty() == st.not_resources.is_empty() {
            self.error(
                Diagnostic::new(
                    Code::InvalidStatement,
                    "a statement needs `resources` (or `not_resources`), not both or neither",
                )
                .with_label(s.span, "invalid statement")
                .with_help("list the ARNs the actions apply to"),
            );
            ok = false;
        }
        ok
    }
}
