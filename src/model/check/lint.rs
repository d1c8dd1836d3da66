//! The `lint` section and `suppress` lists: rule codes or names, and a reason per
//! suppression.

use super::Checker;
use crate::diag::{Code, Diagnostic, suggest};
use crate::model::{LintSettings, Suppression};
use crate::spec;
use crate::spec::read::Spanned;

impl Checker {
    pub(super) fn lint_settings(&mut self, lint: Option<&spec::LintConfig>) -> LintSettings {
        let Some(lint) = lint else {
            return LintSettings::default();
        };
        let mut resolve = |list: &[Spanned<String>]| {
            list.iter()
                .filter_map(|rule| self.lint_code(rule))
                .collect::<Vec<_>>()
        };
        LintSettings {
            deny: resolve(&lint.deny),
            warn: resolve(&lint.warn),
            allow: resolve(&lint.allow),
        }
    }

    fn lint_code(&mut self, rule: &Spanned<String>) -> Option<Code> {
        match Code::parse(&rule.value) {
            Some(code) if code.is_lint() => Some(code),
            _ => {
                let names = Code::ALL.iter().filter(|c| c.is_lint()).map(|c| c.name());
                let help = match suggest(&rule.value, names) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => "run `updraft explain --list` to see every lint rule".into(),
                };
                self.error(
                    Diagnostic::new(
                        Code::InvalidSuppression,
                        format!("`{}` is not a lint rule", rule.value),
                    )
                    .with_label(
                        rule.span,
                        "expected a rule code such as `UD4101` or a rule name",
                    )
                    .with_help(help),
                );
                None
            }
        }
    }

    pub(super) fn suppressions(&mut self, list: &[Spanned<spec::Suppression>]) -> Vec<Suppression> {
        let mut out = Vec::new();
        for s in list {
            let code = self.lint_code(&s.rule);
            if s.reason.value.trim().is_empty() {
                self.error(
                    Diagnostic::new(Code::InvalidSuppression, "a suppression needs a reason")
                        .with_label(s.reason.span, "empty reason")
                        .with_help("say why the finding is acceptable here; reviewers read it"),
                );
                continue;
            }
            if let Some(code) = code {
                out.push(Suppression {
                    code,
                    reason: s.reason.value.clone(),
                    span: s.span,
                });
            }
        }
        out
    }
}
