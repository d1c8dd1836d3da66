//! A function's `uses`: a declared resource, an access level it has, and for buckets a key
//! prefix.

use super::Checker;
use crate::diag::{Code, Diagnostic, suggest};
use crate::model::{Kind, Ref, Use};
use crate::source::Span;
use crate::spec;
use crate::spec::read::Spanned;

impl Checker {
    /// Every grant of one `uses` key: one entry, or a list of distinct ones.
    pub(super) fn use_entries(
        &mut self,
        target: &Spanned<String>,
        entries: &Spanned<spec::Uses>,
    ) -> Vec<Use> {
        if entries.value.0.is_empty() {
            self.error(
                Diagnostic::new(
                    Code::InvalidValue,
                    format!("no access given on `{}`", target.value),
                )
                .with_label(entries.span, "an empty list grants nothing")
                .with_help("give at least one access level, or remove the entry"),
            );
            return Vec::new();
        }
        let mut out: Vec<Use> = Vec::new();
        for (i, entry) in entries.value.0.iter().enumerate() {
            fn prefix(e: &Spanned<spec::Use>) -> Option<&str> {
                e.value.prefix.as_ref().map(|p| p.value.as_str())
            }
            if let Some(first) = entries.value.0[..i].iter().find(|e| {
                e.value.access.value == entry.value.access.value && prefix(e) == prefix(entry)
            }) {
                self.error(
                    Diagnostic::new(
                        Code::InvalidValue,
                        format!(
                            "`{}` access on `{}` is given twice",
                            entry.value.access.value, target.value
                        ),
                    )
                    .with_label(entry.span, "the same grant again")
                    .with_label(first.span, "first given here")
                    .with_help("remove one of the two entries"),
                );
                continue;
            }
            // A list entry is located on its own line; a lone entry from its resource's name.
            let from = if entry.span == entries.span {
                target.span
            } else {
                entry.span
            };
            if let Some(u) = self.use_entry(target, entry, from) {
                out.push(u);
            }
        }
        out
    }

    fn use_entry(
        &mut self,
        target: &Spanned<String>,
        entry: &Spanned<spec::Use>,
        from: Span,
    ) -> Option<Use> {
        if self.colliding.contains(&target.value) || self.under_misspelt(&target.value, None) {
            return None;
        }
        let Some((kind, _)) = self.lookup(&target.value).copied() else {
            self.unknown_use(target);
            return None;
        };
        let access = entry.value.access.value;
        if !kind.access_levels().contains(&access) {
            self.invalid_access(target, entry, kind);
            return None;
        }
        if let Some(prefix) = &entry.value.prefix {
            self.use_prefix(target, prefix, kind)?;
        }
        let end = entry.span.end.max(from.end);
        Some(Use {
            resource: Ref::new(kind, target.value.clone()),
            access,
            prefix: entry.value.prefix.as_ref().map(|p| p.value.clone()),
            span: Span {
                start: from.start,
                end,
            },
        })
    }

    fn unknown_use(&mut self, target: &Spanned<String>) {
        let all: Vec<&str> = self
            .names
            .keys()
            .filter(|(space, _)| *space == "resources")
            .map(|(_, n)| n.as_str())
            .collect();
        let help = suggest(&target.value, all.iter().copied()).map_or_else(
            || "declare it under `tables:`, `buckets:`, `queues:`, `topics:`, `functions:` or `secrets:`".to_string(),
            |c| format!("did you mean `{c}`?"),
        );
        self.error(
            Diagnostic::new(
                Code::UnknownResource,
                format!("uses unknown resource `{}`", target.value),
            )
            .with_label(target.span, "not declared anywhere in the spec")
            .with_help(help),
        );
    }

    fn invalid_access(&mut self, target: &Spanned<String>, entry: &Spanned<spec::Use>, kind: Kind) {
        let access = entry.value.access.value;
        let levels = kind.access_levels();
        let help = if levels.is_empty() {
            format!(
                "a {} cannot be used directly; reference it in `env` instead (for example `${{{}.{}.url}}`)",
                kind.noun(),
                kind.section(),
                target.value
            )
        } else {
            let names: Vec<&str> = levels.iter().map(|l| l.as_str()).collect();
            format!(
                "a {} takes {}",
                kind.noun(),
                crate::spec::read::list(&names)
            )
        };
        self.error(
            Diagnostic::new(
                Code::AccessNotValid,
                format!(
                    "`{access}` is not an access level of {} `{}`",
                    kind.noun(),
                    target.value
                ),
            )
            .with_label(
                entry.value.access.span,
                format!("not valid for a {}", kind.noun()),
            )
            .with_help(help),
        );
    }

    /// Checks a key prefix: buckets only, no leading `/`, no wildcards, no control characters.
    fn use_prefix(
        &mut self,
        target: &Spanned<String>,
        prefix: &Spanned<String>,
        kind: Kind,
    ) -> Option<()> {
        if kind != Kind::Bucket {
            self.error(
                Diagnostic::new(
                    Code::PrefixNotAllowed,
                    format!(
                        "`prefix` applies to buckets; `{}` is a {}",
                        target.value,
                        kind.noun()
                    ),
                )
                .with_label(prefix.span, "only bucket keys have prefixes")
                .with_help("remove `prefix`"),
            );
            return None;
        }
        // Control characters cannot be written in an IAM resource ARN (nor matched by S3
        // event filters), so a prefix holding one would make an invalid policy.
        if prefix.value.is_empty()
            || prefix.value.starts_with('/')
            || prefix.value.contains('*')
            || prefix.value.chars().any(char::is_control)
        {
            self.error(
                Diagnostic::new(
                    Code::InvalidValue,
                    format!("`{}` is not a key prefix", prefix.value.escape_debug()),
                )
                .with_label(prefix.span, "expected a prefix such as `thumbs/`")
                .with_help(
                    "write the start of the object keys, without a leading `/`, wildcards or control characters",
                ),
            );
            return None;
        }
        Some(())
    }
}
