//! Raw IAM statements in a function's `permissions`.

use super::Checker;
use crate::diag::{Code, Diagnostic};
use crate::model::{Setting, Statement};
use crate::spec;
use crate::spec::read::Spanned;

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
