//! The `secrets` section: references to secrets held in a store, by their name there.

use super::Checker;
use crate::diag::{Code, Diagnostic};
use crate::limits;
use crate::model::Secret;
use crate::spec;
use crate::spec::read::Spanned;

impl Checker {
    pub(super) fn secret(
        &mut self,
        name: &Spanned<String>,
        secret: &spec::Secret,
    ) -> Option<Secret> {
        let external = secret.name.value.as_str();
        let valid = limits::SECRET_NAME_LENGTH.contains(external.len())
            && external
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c));
        if !valid {
            self.error(
                Diagnostic::new(
                    Code::InvalidName,
                    format!("`{external}` is not a valid secret name"),
                )
                .with_label(secret.name.span, "letters, digits and `/_+=.@-` only")
                .with_help("give the secret's name in its store, never its value"),
            );
            return None;
        }
        Some(Secret {
            name: name.value.clone(),
            span: name.span,
            store: secret.store.value,
            external_name: external.to_string(),
            key: secret.key.as_ref().map(|k| k.value.clone()),
        })
    }
}
