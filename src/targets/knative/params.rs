//! Deploy-time inputs on Knative. Plain manifests have no inputs, so a param is a key of
//! one ConfigMap, `<app>-params`, holding its default (the chosen stage's value; a list's
//! items joined with `,`), which the operator edits before (or after) applying; a secret
//! param is a key of the Secret of the same name, which the platform provides (its value is
//! never written into a manifest). Services read each param they reference through
//! `configMapKeyRef` / `secretKeyRef`.

use serde_json::{Value, json};

use super::{Builder, shorten};
use crate::diag::{Code, Diagnostic};
use crate::model::ParamType;

impl Builder<'_> {
    /// The name of the ConfigMap (and Secret) holding the params.
    pub fn params_object(&self) -> String {
        shorten(&format!("{}-params", self.model.app), 253)
    }

    /// The ConfigMap of the non-secret params; a warning for each without a value.
    pub(super) fn params_config(&mut self) {
        let mut data = serde_json::Map::new();
        for p in &self.model.params {
            if p.kind == ParamType::Secret {
                continue;
            }
            match &p.default {
                Some(v) => {
                    data.insert(p.name.clone(), Value::String(v.to_text()));
                }
                None => self.warnings.push(
                    Diagnostic::new(
                        Code::NeedsInput,
                        format!("Knative: param `{}` has no default", p.name),
                    )
                    .with_label(p.span, "no value to write into the ConfigMap")
                    .with_help(format!(
                        "add key `{}` to ConfigMap `{}` before the services start, or give the param a `default`",
                        p.name,
                        self.params_object()
                    )),
                ),
            }
        }
        if self
            .model
            .params
            .iter()
            .any(|p| p.kind != ParamType::Secret)
        {
            self.configs.push(json!({
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": self.metadata(&self.params_object(), "params"),
                "data": data,
            }));
        }
    }
}
