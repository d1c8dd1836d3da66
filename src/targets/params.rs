//! Deploy-time inputs on AWS, decided once for both AWS targets: each param becomes one
//! input of the deployment (a CloudFormation parameter, a Terraform variable) of the same
//! name, typed, with its default (the chosen stage's value), its allowed values, and, for
//! a secret, hidden from the tool's output (`NoEcho`, `sensitive`).

use crate::model::{Model, ParamType, ParamValue};

/// How a list param's items are joined where one string is needed (an env value), and
/// how they are written at deploy (`a,b`: CloudFormation's `CommaDelimitedList`).
pub const LIST_SEPARATOR: &str = ",";

/// The shape of a deployment input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputType {
    Text,
    Number,
    /// A list of strings.
    List,
}

/// One deployment input.
#[derive(Clone, Debug)]
pub struct ParamPlan<'m> {
    /// The input's name: the param's name, unchanged, so `--parameter-overrides NAME=...`
    /// and `-var NAME=...` use the spec's name.
    pub name: &'m str,
    pub kind: InputType,
    /// Never printed by the deployment tool.
    pub secret: bool,
    pub description: String,
    pub default: Option<&'m ParamValue>,
    /// The values the deployment may give, as text (none: any).
    pub allowed: Vec<String>,
}

/// The inputs of a model's params, in name order.
#[must_use]
pub fn plan(model: &Model) -> Vec<ParamPlan<'_>> {
    model
        .params
        .iter()
        .map(|p| ParamPlan {
            name: &p.name,
            kind: match p.kind {
                ParamType::String | ParamType::Secret => InputType::Text,
                ParamType::Number => InputType::Number,
                ParamType::List => InputType::List,
            },
            secret: p.kind == ParamType::Secret,
            description: p
                .description
                .clone()
                .unwrap_or_else(|| format!("Param `{}` of app {}", p.name, model.app)),
            default: p.default.as_ref(),
            allowed: p.allowed.iter().map(ParamValue::to_text).collect(),
        })
        .collect()
}
