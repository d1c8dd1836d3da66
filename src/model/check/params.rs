//! Deploy-time inputs (`params:`): names every target takes, values of the param's type and
//! among its `allowed` ones, the stage's value applied, and `${params.NAME}` resolved.

use super::Checker;
use crate::diag::{Code, Diagnostic, suggest};
use crate::model::{Param, ParamType, ParamValue};
use crate::source::Span;
use crate::spec::read::{Map, Spanned};
use crate::spec::{self, Spec};

/// CloudFormation's longest parameter name.
const MAX_NAME: usize = 255;

/// Whether `value` is a value of a param of type `kind`. A string param takes a number as
/// its text; a number param takes only a number; a list param only a list.
fn fits(kind: ParamType, value: &ParamValue) -> bool {
    matches!(
        (kind, value),
        (
            ParamType::String | ParamType::Secret,
            ParamValue::Text(_) | ParamValue::Number(_)
        ) | (ParamType::Number, ParamValue::Number(_))
            | (ParamType::List, ParamValue::List(_))
    )
}

/// The same value, as the deployment tool compares it (`8080` and `"8080"` are one value).
fn same(a: &ParamValue, b: &ParamValue) -> bool {
    a.to_text() == b.to_text()
}

impl Checker {
    /// Checks every param and the values every stage gives them; the params with the chosen
    /// stage's value as their default. Also records each param's type, to resolve
    /// `${params.NAME}` afterwards.
    pub(super) fn params(&mut self, spec: &Spec, stage: Option<&spec::Stage>) -> Vec<Param> {
        for name in &spec.params.failed {
            self.params.insert(name.value.clone(), None);
        }
        let mut out = Vec::new();
        for (name, p) in spec.params.iter() {
            let kind = p.r#type.as_ref().map_or(ParamType::String, |t| t.value);
            self.params.insert(name.value.clone(), Some(kind));
            let mut ok = self.param_name(name);
            if kind == ParamType::List
                && let Some(first) = p.allowed.first()
            {
                self.error(
                    Diagnostic::new(
                        Code::ConflictingKeys,
                        format!(
                            "param `{}` is a list: `allowed` applies to one value",
                            name.value
                        ),
                    )
                    .with_label(first.span, "`allowed` on a list param")
                    .with_help("remove `allowed`, or make the param a `string`"),
                );
                ok = false;
            }
            if kind != ParamType::List {
                for a in &p.allowed {
                    ok &= self.param_value(&name.value, kind, a, &[]);
                }
            }
            if let Some(d) = &p.default {
                ok &= self.param_value(&name.value, kind, d, &p.allowed);
            }
            let stage_value = stage.and_then(|s| s.params.get(&name.value));
            if ok {
                out.push(Param {
                    name: name.value.clone(),
                    kind,
                    description: p.description.as_ref().map(|d| d.value.clone()),
                    default: stage_value.or(p.default.as_ref()).map(|v| v.value.clone()),
                    allowed: p.allowed.iter().map(|a| a.value.clone()).collect(),
                    span: name.span,
                });
            }
        }
        for (_, s) in spec.stages.iter() {
            self.stage_params(spec, &s.params);
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    /// The values one stage gives: each for a declared param, of its type, allowed.
    fn stage_params(&mut self, spec: &Spec, values: &Map<Spanned<ParamValue>>) {
        for (name, value) in values.iter() {
            match spec.params.get(&name.value) {
                Some(p) => {
                    let kind = p.r#type.as_ref().map_or(ParamType::String, |t| t.value);
                    self.param_value(&name.value, kind, value, &p.allowed);
                }
                None if self.params.contains_key(&name.value) => {}
                None => {
                    self.unknown_param(&name.value, name.span);
                }
            }
        }
    }

    /// Letters and digits, starting with a letter: CloudFormation's parameter names, and
    /// valid Terraform variable names.
    fn param_name(&mut self, name: &Spanned<String>) -> bool {
        let n = name.value.as_str();
        let ok = n.len() <= MAX_NAME
            && n.starts_with(|c: char| c.is_ascii_alphabetic())
            && n.chars().all(|c| c.is_ascii_alphanumeric());
        if !ok {
            let fixed: String = n.chars().filter(char::is_ascii_alphanumeric).collect();
            let help = if fixed.starts_with(|c: char| c.is_ascii_alphabetic())
                && fixed.len() <= MAX_NAME
            {
                format!("try `{fixed}`")
            } else {
                "use a name such as `DomainName`".to_string()
            };
            self.error(
                Diagnostic::new(Code::InvalidName, format!("`{n}` cannot name a param"))
                    .with_label(
                        name.span,
                        format!("letters and digits, starting with a letter, at most {MAX_NAME}"),
                    )
                    .with_help(help),
            );
        }
        ok
    }

    /// A value of param `name`: of its type, and one of `allowed` when that is given.
    fn param_value(
        &mut self,
        name: &str,
        kind: ParamType,
        value: &Spanned<ParamValue>,
        allowed: &[Spanned<ParamValue>],
    ) -> bool {
        if !fits(kind, &value.value) {
            self.error(
                Diagnostic::new(
                    Code::WrongType,
                    format!(
                        "param `{name}` is a {kind} param; this value is {}",
                        value.value.describe()
                    ),
                )
                .with_label(value.span, format!("expected a {kind} value"))
                .with_help(match kind {
                    ParamType::List => "write a list: `[a, b]`".to_string(),
                    ParamType::Number => {
                        "write a number, for example `5`, or make the param a `string`".to_string()
                    }
                    _ => "write one value, or make the param a `list`".to_string(),
                }),
            );
            return false;
        }
        if allowed.is_empty() || allowed.iter().any(|a| same(&a.value, &value.value)) {
            return true;
        }
        let texts: Vec<String> = allowed.iter().map(|a| a.value.to_text()).collect();
        let names: Vec<&str> = texts.iter().map(String::as_str).collect();
        let given = value.value.to_text();
        let help = match suggest(&given, names.iter().copied()) {
            Some(close) => format!("did you mean `{close}`?"),
            None => format!("allowed: {}", crate::spec::read::list(&names)),
        };
        self.error(
            Diagnostic::new(
                Code::InvalidValue,
                format!("`{given}` is not an allowed value of param `{name}`"),
            )
            .with_label(value.span, "not in `allowed`")
            .with_help(help),
        );
        false
    }

    /// The type of a referenced param, or `None`: reported when no param has that name, not
    /// again for a param whose settings could not be read.
    pub(super) fn param_ref(&mut self, name: &str, span: Span) -> Option<ParamType> {
        if let Some(kind) = self.params.get(name) {
            return *kind;
        }
        self.unknown_param(name, span);
        None
    }

    fn unknown_param(&mut self, name: &str, span: Span) {
        let names: Vec<&str> = self.params.keys().map(String::as_str).collect();
        let help = match suggest(name, names.iter().copied()) {
            Some(close) => format!("did you mean `{close}`?"),
            None if names.is_empty() => format!(
                "declare it under `params:`, for example `params: {{ {name}: {{ type: string }} }}`"
            ),
            None => format!("declared params: {}", crate::spec::read::list(&names)),
        };
        self.error(
            Diagnostic::new(Code::UnknownEnvReference, format!("unknown param `{name}`"))
                .with_label(span, "no param has this name")
                .with_help(help),
        );
    }
}
