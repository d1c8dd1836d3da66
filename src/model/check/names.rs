//! Names: the app's, the stages' and every resource's, checked once where declared, and
//! resolved wherever the spec refers to one.

use super::Checker;
use crate::diag::{Code, Diagnostic, suggest};
use crate::limits;
use crate::model::Kind;
use crate::source::Span;
use crate::spec::Spec;
use crate::spec::read::{Map, Spanned};

/// A name made of lowercase letters, digits and single hyphens, from any text.
#[must_use]
pub fn slug(text: &str) -> String {
    text.to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// The namespace a kind's names live in.
fn namespace(kind: Kind) -> &'static str {
    match kind {
        Kind::Gateway => "gateways",
        Kind::Auth => "auth",
        _ => "resources",
    }
}

/// Lowercase letters, digits and single hyphens, starting with a letter.
fn well_formed(n: &str) -> bool {
    n.starts_with(|c: char| c.is_ascii_lowercase())
        && n.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !n.ends_with('-')
        && !n.contains("--")
}

/// The diagnostic for a name that is malformed or longer than `max`.
fn invalid_name(name: &Spanned<String>, what: &str, max: usize, well_formed: bool) -> Diagnostic {
    let n = name.value.as_str();
    let (message, label) = if well_formed {
        (
            format!(
                "{what} name `{n}` is {} characters, over the limit of {max}",
                n.len()
            ),
            format!("over {max} characters"),
        )
    } else {
        (
            format!("{what} name `{n}` is not a valid name"),
            "lowercase letters, digits and single hyphens, starting with a letter".to_string(),
        )
    };
    let fixed = slug(n);
    let help = if !well_formed
        && !fixed.is_empty()
        && fixed.starts_with(|c: char| c.is_ascii_lowercase())
    {
        format!("try `{fixed}`; names become parts of cloud resource names")
    } else {
        format!(
            "names become parts of cloud resource names: keep them to {max} characters of `a-z`, `0-9` and `-`"
        )
    };
    Diagnostic::new(Code::InvalidName, message)
        .with_label(name.span, label)
        .with_help(help)
}

impl Checker {
    /// Checks and records every name the spec declares: the app, each resource, each stage.
    pub(super) fn declare_all(&mut self, spec: &Spec) {
        self.name(&spec.app, "app", limits::APP_NAME_LENGTH);
        self.declare(&spec.functions, Kind::Function);
        self.declare(&spec.gateways, Kind::Gateway);
        self.declare(&spec.tables, Kind::Table);
        self.declare(&spec.queues, Kind::Queue);
        self.declare(&spec.topics, Kind::Topic);
        self.declare(&spec.buckets, Kind::Bucket);
        self.declare(&spec.auth, Kind::Auth);
        self.declare(&spec.secrets, Kind::Secret);
        for (name, _) in spec.stages.iter() {
            self.name(name, "stage", limits::STAGE_NAME_LENGTH);
        }
    }

    pub(super) fn name(&mut self, name: &Spanned<String>, what: &str, max: usize) -> bool {
        let well_formed = well_formed(&name.value);
        if well_formed && name.value.len() <= max {
            return true;
        }
        self.error(invalid_name(name, what, max, well_formed));
        false
    }

    fn declare<T>(&mut self, map: &Map<T>, kind: Kind) {
        for name in map.entries.iter().map(|(n, _)| n).chain(&map.failed) {
            self.name(name, kind.noun(), limits::RESOURCE_NAME_LENGTH);
            let key = (namespace(kind), name.value.clone());
            if let Some((other, first)) = self.names.get(&key) {
                // In file order: the later declaration is the one "declared again".
                let ((other, first), (kind, again)) = if first.start > name.span.start {
                    ((kind, name.span), (*other, *first))
                } else {
                    ((*other, *first), (kind, name.span))
                };
                let message = if other == kind {
                    format!("{} `{}` is declared twice", kind.noun(), name.value)
                } else {
                    format!(
                        "`{}` is declared as a {} and as a {}",
                        name.value,
                        other.noun(),
                        kind.noun()
                    )
                };
                let help = if other == kind || namespace(kind) != "resources" {
                    format!("rename one of the two {}s", kind.noun())
                } else {
                    format!(
                        "functions, tables, queues, topics, buckets and secrets share one set of names, because `uses` and `dead_letter` name them without their kind: rename one, for example `{}-{}`",
                        name.value,
                        kind.noun()
                    )
                };
                // Every later use of the name is left unresolved without a report of its
                // own: this one message says what is wrong.
                self.colliding.insert(name.value.clone());
                self.error(
                    Diagnostic::new(Code::DuplicateName, message)
                        .with_label(again, "declared again here")
                        .with_label(first, "first declared here")
                        .with_help(help),
                );
            } else {
                self.names.insert(key, (kind, name.span));
            }
        }
    }

    /// The declared names of the kinds `keep` accepts.
    pub(super) fn names_of(&self, keep: impl Fn(Kind) -> bool) -> Vec<&str> {
        self.names
            .iter()
            .filter(|(_, (k, _))| keep(*k))
            .map(|((_, n), _)| n.as_str())
            .collect()
    }

    /// Reports a name that is not declared as `kind`, with the closest declared name; a
    /// name declared twice is already reported (UD2008) and is not reported again.
    pub(super) fn unknown(&mut self, name: &Spanned<String>, what: &str, code: Code, kind: Kind) {
        if self.colliding.contains(&name.value) || self.under_misspelt(&name.value, Some(kind)) {
            return;
        }
        let candidates = self.names_of(|k| k == kind);
        let help = match suggest(&name.value, candidates.iter().copied()) {
            Some(close) => format!("did you mean `{close}`?"),
            None => match self.lookup(&name.value) {
                Some((other, _)) => format!("`{}` is a {}, not a {what}", name.value, other.noun()),
                None if candidates.is_empty() => match self.misspelt_key(kind) {
                    Some(key) => format!(
                        "declare it under `{}:` (the spec has `{key}:`, which is misspelt)",
                        kind.section()
                    ),
                    None => format!("declare it under `{}:`", kind.section()),
                },
                None => format!(
                    "declared {}s: {}",
                    kind.noun(),
                    crate::spec::read::list(&candidates)
                ),
            },
        };
        self.error(
            Diagnostic::new(code, format!("unknown {what} `{}`", name.value))
                .with_label(name.span, format!("no {what} has this name"))
                .with_help(help),
        );
    }

    /// Whether `name` is declared under a misspelt section (of `kind`, or of any kind):
    /// the unknown key is reported, and a report of the name would only repeat it.
    pub(super) fn under_misspelt(&self, name: &str, kind: Option<Kind>) -> bool {
        self.misspelt
            .iter()
            .any(|m| kind.is_none_or(|k| k == m.kind) && m.names.iter().any(|n| n == name))
    }

    /// The misspelt key of a section, if the spec has one.
    fn misspelt_key(&self, kind: Kind) -> Option<&str> {
        self.misspelt
            .iter()
            .find(|m| m.kind == kind)
            .map(|m| m.key.as_str())
    }

    /// A resource that `uses` can name.
    pub(super) fn lookup(&self, name: &str) -> Option<&(Kind, Span)> {
        self.names.get(&("resources", name.to_string()))
    }

    /// Resolves a name that must be of `kind`.
    pub(super) fn resolve(
        &mut self,
        name: &Spanned<String>,
        kind: Kind,
        code: Code,
    ) -> Option<String> {
        match self.names.get(&(namespace(kind), name.value.clone())) {
            Some((k, _)) if *k == kind => Some(name.value.clone()),
            _ => {
                self.unknown(name, kind.noun(), code, kind);
                None
            }
        }
    }
}
