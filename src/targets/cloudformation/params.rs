//! Deploy-time inputs as template parameters: the plan's inputs ([`crate::targets::params`]),
//! each a parameter of the same name, referenced with `Ref` (and `${Name}` in `Fn::Sub`).

use serde_json::{Value, json};

use super::Builder;
use super::template::{Parameter, reference};
use crate::diag::{Code, Diagnostic};
use crate::targets::params::{InputType, LIST_SEPARATOR};

/// A param that would take a logical id already used by a resource or another parameter.
pub(super) fn clash(id: &str) -> Diagnostic {
    Diagnostic::new(
        Code::UnsupportedOnTarget,
        format!("CloudFormation: param `{id}` and a resource of the app would share the logical id `{id}`"),
    )
    .with_help("rename the param: template parameters and resources share one namespace")
}

impl Builder<'_> {
    /// One parameter per planned input.
    pub(super) fn params(&mut self) {
        for p in &self.plan.params {
            if self.template.parameters.contains_key(p.name) {
                self.diagnostics.push(clash(p.name));
                continue;
            }
            let kind = match p.kind {
                InputType::Text => "String",
                InputType::Number => "Number",
                InputType::List => "CommaDelimitedList",
            };
            self.template.parameters.insert(
                p.name.to_string(),
                Parameter {
                    kind,
                    description: p.description.clone(),
                    default: p.default.map(crate::model::ParamValue::to_text),
                    no_echo: p.secret,
                    allowed: p.allowed.clone(),
                },
            );
        }
    }

    /// A param's value where one string is needed: its `Ref`, a list's items joined.
    pub(super) fn param_value(&self, name: &str) -> Value {
        let list = self
            .plan
            .params
            .iter()
            .any(|p| p.name == name && p.kind == InputType::List);
        if list {
            json!({ "Fn::Join": [LIST_SEPARATOR, reference(name)] })
        } else {
            reference(name)
        }
    }
}
