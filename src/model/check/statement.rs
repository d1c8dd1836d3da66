//! Raw IAM statements in a function's `permissions`.

use super::Checker;
use crate::diag::{Code, Diagnostic, suggest};
use crate::model::{Kind, ParamType, Setting, Statement};
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

/// The placeholders a raw resource may hold, for help texts.
fn known_placeholders() -> String {
    let mut known: Vec<&str> = aws::PLACEHOLDERS.iter().map(|(p, _)| *p).collect();
    known.extend([
        "${app.name}",
        "${app.stage}",
        "${params.NAME}",
        "${tables.NAME.arn}",
        "${buckets.NAME.name}",
    ]);
    crate::spec::read::list(&known)
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
            // A reference first (`${tables.orders.arn}`, `${params.Queue}`) stands for an ARN.
            let referenced = aws::placeholder_like(r)
                .first()
                .is_some_and(|p| p.start == 0);
            if r != "*" && !r.starts_with("arn:") && !referenced {
                self.error(
                    Diagnostic::new(Code::InvalidStatement, format!("`{r}` is not an ARN"))
                        .with_label(resource.span, "expected `arn:...` or `*`")
                        .with_help("write the resource's full ARN, or reference one: `${tables.orders.arn}`"),
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

    /// Placeholders in resources are filled in by the target: `${aws.partition}`,
    /// `${aws.region}`, `${aws.account_id}` (or `${aws.account}`), `${app.name}`,
    /// `${app.stage}`, `${params.NAME}` (a string param) and the ARN or name of a declared
    /// resource (`${tables.orders.arn}`). Any other `${name.name}`, or one outside resources,
    /// would reach AWS as written (an invalid ARN), so it is refused here. IAM policy
    /// variables (`${aws:username}`) are not placeholders and stay as written.
    fn statement_placeholders(&mut self, st: &spec::Statement) -> bool {
        let known = known_placeholders();
        let mut ok = true;
        for resource in st.resources.iter().chain(&st.not_resources) {
            for range in aws::placeholder_like(&resource.value) {
                let found = &resource.value[range];
                let span = super::part_span(&resource.value, resource.span, found);
                ok &= self.raw_placeholder(found, span);
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

    /// Whether one placeholder of a raw resource is one the targets fill in (reported if not).
    fn raw_placeholder(&mut self, found: &str, span: Span) -> bool {
        if aws::PLACEHOLDERS.iter().any(|(p, _)| *p == found) {
            return true;
        }
        let body = &found[2..found.len() - 1];
        let pieces: Vec<&str> = body.split('.').collect();
        match pieces.as_slice() {
            ["app", "name" | "stage"] => true,
            ["params", name] => {
                match self.param_ref(name, span) {
                    Some(ParamType::String) => true,
                    Some(kind) => {
                        let (label, help) = match kind {
                            ParamType::Secret => (
                                "a secret param here would be printed in the role's policy",
                                "name the resource with a `string` param; keep secrets in env values or `secrets`",
                            ),
                            _ => (
                                "an ARN takes a `string` param",
                                "make the param a `string`, or write one statement per value",
                            ),
                        };
                        self.error(
                        Diagnostic::new(
                            Code::InvalidStatement,
                            format!("param `{name}` is a {kind} param, which a permission cannot hold"),
                        )
                        .with_label(span, label)
                        .with_help(help),
                    );
                        false
                    }
                    // An unknown param (reported), or one whose settings could not be read.
                    _ => false,
                }
            }
            [section, name, attr] if Kind::from_section(section).is_some() => {
                let kind = Kind::from_section(section).unwrap_or(Kind::Table);
                self.raw_resource_ref(kind, name, attr, span)
            }
            _ => {
                let close = suggest(found, aws::PLACEHOLDERS.iter().map(|(p, _)| *p));
                self.error(
                    Diagnostic::new(
                        Code::InvalidStatement,
                        format!("`{found}` is not a placeholder updraft fills in"),
                    )
                    .with_label(span, "unknown placeholder")
                    .with_help(match close {
                        Some(close) => format!("did you mean `{close}`?"),
                        None => format!(
                            "resources may hold {}; IAM policy variables are written with a colon, for example `${{aws:username}}`",
                            known_placeholders()
                        ),
                    }),
                );
                false
            }
        }
    }

    /// `${kind.name.arn}` or `${kind.name.name}` of a declared resource in a raw resource.
    fn raw_resource_ref(&mut self, kind: Kind, name: &str, attr: &str, span: Span) -> bool {
        if !aws::RAW_KINDS.contains(&kind) {
            let kinds: Vec<&str> = aws::RAW_KINDS.iter().map(|k| k.section()).collect();
            self.error(
                Diagnostic::new(
                    Code::InvalidStatement,
                    format!("a permission cannot name a {} by reference", kind.noun()),
                )
                .with_label(span, "not a resource a statement grants on")
                .with_help(format!(
                    "resources may reference {}, for example `${{tables.orders.arn}}`",
                    crate::spec::read::list(&kinds)
                )),
            );
            return false;
        }
        let Some(name) = self.resolve(
            &Spanned::new(name.to_string(), span),
            kind,
            Code::UnknownEnvReference,
        ) else {
            return false;
        };
        if aws::RAW_ATTRS.contains(&attr) {
            return true;
        }
        let help = match suggest(attr, aws::RAW_ATTRS.iter().copied()) {
            Some(close) => format!("did you mean `{close}`?"),
            None => format!(
                "a permission may use a resource's {}",
                crate::spec::read::list(aws::RAW_ATTRS)
            ),
        };
        self.error(
            Diagnostic::new(
                Code::InvalidReference,
                format!(
                    "{} `{name}` has no attribute `{attr}` in a permission",
                    kind.noun()
                ),
            )
            .with_label(span, "unknown attribute")
            .with_help(help),
        );
        false
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
