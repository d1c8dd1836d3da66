//! Environment variables: names Lambda accepts, and values with `${kind.name.attribute}`
//! references resolved.

use std::collections::BTreeMap;

use super::Checker;
use crate::diag::{Code, Diagnostic, suggest};
use crate::limits;
use crate::model::env::{self, Attr, EnvPart, EnvValue, RawPart};
use crate::model::{Kind, Ref};
use crate::source::Span;
use crate::spec::read::{Map, Spanned};
use crate::spec::{self, AuthKind};

/// Why `key` cannot name an environment variable, as a whole diagnostic: Lambda's pattern
/// ([`limits::LAMBDA_ENV_NAME_PATTERN`]) and its reserved names.
fn invalid_env_name(key: &Spanned<String>) -> Option<Diagnostic> {
    let k = key.value.as_str();
    if limits::LAMBDA_RESERVED_ENV.contains(&k) {
        return Some(
            Diagnostic::new(
                Code::InvalidName,
                format!("`{k}` is set by the runtime and cannot be configured"),
            )
            .with_label(key.span, "reserved name")
            .with_help("choose another name; the runtime provides this variable itself"),
        );
    }
    if limits::is_lambda_env_name(k) {
        return None;
    }
    let (label, help) = env_name_problem(k);
    Some(
        Diagnostic::new(
            Code::InvalidName,
            format!("`{k}` is not an environment variable name"),
        )
        .with_label(key.span, label)
        .with_help(help),
    )
}

/// What is wrong with a name that does not match Lambda's pattern (label), and a fix (help).
fn env_name_problem(k: &str) -> (&'static str, String) {
    let unprefixed = k.trim_start_matches('_');
    let underscored = k.replace('-', "_");
    if k.starts_with('_') {
        (
            "starts with `_`; Lambda takes names that start with a letter",
            if limits::is_lambda_env_name(unprefixed) {
                format!("try `{unprefixed}`")
            } else {
                "start the name with a letter, for example `TABLE_NAME`".to_string()
            },
        )
    } else if k.len() == 1 && limits::is_lambda_env_name(&format!("{k}_")) {
        (
            "one character; Lambda takes names of at least two",
            "use a longer name, for example `TABLE_NAME`".to_string(),
        )
    } else if limits::is_lambda_env_name(&underscored) {
        (
            "letters, digits and `_`, not starting with a digit",
            format!("try `{underscored}`"),
        )
    } else {
        (
            "letters, digits and `_`, not starting with a digit",
            "use a name such as `TABLE_NAME`".to_string(),
        )
    }
}

impl Checker {
    /// Checks the names of an `env` mapping that may not reach any function (a stage not
    /// chosen, an override of an undeclared function): every name is checked where written.
    pub(super) fn env_names(&mut self, env: &Map<Spanned<spec::EnvValue>>) {
        for (key, _) in env.iter() {
            if let Some(d) = invalid_env_name(key) {
                self.error(d);
            }
        }
    }

    /// The variables of every layer, later layers replacing earlier ones.
    pub(super) fn env(
        &mut self,
        layers: &[&Map<Spanned<spec::EnvValue>>],
    ) -> BTreeMap<String, EnvValue> {
        let mut out = BTreeMap::new();
        for layer in layers {
            for (key, value) in layer.iter() {
                if let Some(d) = invalid_env_name(key) {
                    self.error(d);
                    continue;
                }
                if let Some(v) = self.env_value(value) {
                    out.insert(key.value.clone(), v);
                }
            }
        }
        out
    }

    fn env_value(&mut self, value: &Spanned<spec::EnvValue>) -> Option<EnvValue> {
        let parts = match env::split(&value.value.0) {
            Ok(parts) => parts,
            Err(tail) => {
                self.error(
                    Diagnostic::new(
                        Code::InvalidReference,
                        format!("unterminated reference `{tail}`"),
                    )
                    .with_label(value.span, "`${` without a closing `}`")
                    .with_help("close the reference with `}`, or write `$${` for a literal `${`"),
                );
                return None;
            }
        };
        let mut out = Vec::new();
        let mut ok = true;
        for part in parts {
            match part {
                RawPart::Literal(s) => out.push(EnvPart::Literal(s)),
                RawPart::Reference(text) => match self.reference(text, reference_span(value, text))
                {
                    Some(p) => out.push(p),
                    None => ok = false,
                },
            }
        }
        ok.then_some(EnvValue {
            parts: out,
            span: value.span,
        })
    }

    fn reference(&mut self, text: &str, span: Span) -> Option<EnvPart> {
        let pieces: Vec<&str> = text.split('.').collect();
        match pieces.as_slice() {
            ["app", "name"] => return Some(EnvPart::AppName),
            ["app", "stage"] => return Some(EnvPart::Stage),
            ["params", name] => {
                self.param_ref(name, span)?;
                return Some(EnvPart::Param((*name).to_string()));
            }
            _ => {}
        }
        let [section, name, attr] = pieces.as_slice() else {
            self.error(
                Diagnostic::new(Code::InvalidReference, format!("`${{{text}}}` is not a reference"))
                    .with_label(span, "expected `${kind.name.attribute}`")
                    .with_help("for example `${tables.orders.name}` or `${queues.jobs.url}`; write `$${` for a literal `${`"),
            );
            return None;
        };
        let kind = self.reference_kind(text, section, span)?;
        let spanned = Spanned::new((*name).to_string(), span);
        let name = self.resolve(&spanned, kind, Code::UnknownEnvReference)?;
        let attr = self.reference_attr(kind, &name, attr, span)?;
        Some(EnvPart::Ref {
            target: Ref::new(kind, name),
            attr,
        })
    }

    /// The kind a reference's first part names.
    fn reference_kind(&mut self, text: &str, section: &str, span: Span) -> Option<Kind> {
        if let Some(kind) = Kind::from_section(section) {
            return Some(kind);
        }
        let names: Vec<&str> = Kind::ALL.iter().map(|k| k.section()).collect();
        let help = suggest(section, names.iter().copied()).map_or_else(
            || format!("the kinds are {}", crate::spec::read::list(&names)),
            |c| format!("did you mean `{c}`?"),
        );
        self.error(
            Diagnostic::new(
                Code::InvalidReference,
                format!("`{section}` in `${{{text}}}` is not a kind of resource"),
            )
            .with_label(span, "unknown kind")
            .with_help(help),
        );
        None
    }

    /// The attribute a reference's last part names, of the resource it resolved to.
    fn reference_attr(&mut self, kind: Kind, name: &str, attr: &str, span: Span) -> Option<Attr> {
        let attrs: &[Attr] = match (kind, self.auth_kinds.get(name)) {
            // A `jwt` auth is someone else's issuer: there is no user pool to name.
            (Kind::Auth, Some(AuthKind::Jwt)) => &[Attr::Issuer],
            _ => Attr::of(kind),
        };
        if let Some(found) = attrs.iter().copied().find(|a| a.as_str() == attr) {
            return Some(found);
        }
        let names: Vec<&str> = attrs.iter().map(|a| a.as_str()).collect();
        let help = match suggest(attr, names.iter().copied()) {
            Some(close) => format!("did you mean `{close}`?"),
            None if kind == Kind::Auth && attrs.len() == 1 => {
                "a `jwt` auth names an outside issuer: it has only `issuer`; user pool ids belong to `cognito` auths".to_string()
            }
            None => format!(
                "{} attributes: {}",
                kind.noun(),
                crate::spec::read::list(&names)
            ),
        };
        self.error(
            Diagnostic::new(
                Code::InvalidReference,
                format!("{} `{name}` has no attribute `{attr}`", kind.noun()),
            )
            .with_label(span, "unknown attribute")
            .with_help(help),
        );
        None
    }
}

/// The span of one `${...}` reference inside an env value (the text between the braces is a
/// slice of the value): labels underline the reference, not the whole value.
fn reference_span(value: &Spanned<spec::EnvValue>, inner: &str) -> Span {
    let text = value.value.0.as_str();
    let start = (inner.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
    // `${` before the text and `}` after it.
    match (
        start.checked_sub(2),
        text.get(start.saturating_sub(2)..start + inner.len() + 1),
    ) {
        (Some(from), Some(_)) => {
            super::part_span(text, value.span, &text[from..=start + inner.len()])
        }
        _ => value.span,
    }
}
