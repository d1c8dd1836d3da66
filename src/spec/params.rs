//! Deploy-time inputs: `params:` and the values a stage gives them.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use super::read::{Cx, FromNode, Spanned, spec_enum, spec_struct};
use crate::syntax::{Node, NodeKind};

spec_struct! {
    /// A value given when the app is deployed (a CloudFormation parameter, a Terraform
    /// variable), referenced as `${params.NAME}` in env values and raw `permissions`.
    /// Names are letters and digits, starting with a letter, so that one name works on every target.
    "a param"
    pub struct Param {
        /// `string` (default), `number`, `list` (of strings, comma-separated when given at deploy)
        /// or `secret` (a string never echoed by the deployment tool).
        pub r#type: Option<Spanned<ParamType>>,
        /// What the value is for, shown by the deployment tool.
        pub description: Option<Spanned<String>>,
        /// The value when the deployment gives none. Without one (and without a stage value), the value is required at deploy.
        pub default: Option<Spanned<ParamValue>>,
        /// The only values the deployment may give.
        pub allowed: Vec<Spanned<ParamValue>>,
    }
}

spec_enum! {
    /// The type of a deploy-time param.
    "param type"
    pub enum ParamType {
        /// Text.
        String = "string",
        /// A number.
        Number = "number",
        /// A list of strings (comma-separated at deploy; joined with `,` in an env value).
        List = "list",
        /// Text that the deployment tool never prints (CloudFormation `NoEcho`, Terraform `sensitive`).
        Secret = "secret",
    }
}

/// A param's value as written: text, a number, or a list of strings.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamValue {
    Text(String),
    Number(f64),
    List(Vec<String>),
}

impl ParamValue {
    /// What the value is, for messages.
    #[must_use]
    pub fn describe(&self) -> &'static str {
        match self {
            ParamValue::Text(_) => "a string",
            ParamValue::Number(_) => "a number",
            ParamValue::List(_) => "a list",
        }
    }

    /// The value as a deployment tool takes it: a list comma-separated.
    #[must_use]
    pub fn to_text(&self) -> String {
        match self {
            ParamValue::Text(s) => s.clone(),
            ParamValue::Number(n) => n.to_string(),
            ParamValue::List(items) => items.join(","),
        }
    }
}

impl FromNode for ParamValue {
    fn from_node(node: &Node, cx: &mut Cx) -> Option<Self> {
        match &node.kind {
            NodeKind::Str(s) => Some(ParamValue::Text(s.clone())),
            NodeKind::Bool(b) => Some(ParamValue::Text(b.to_string())),
            #[allow(clippy::cast_precision_loss)]
            NodeKind::Int(n) => Some(ParamValue::Number(*n as f64)),
            NodeKind::Float(f) if f.is_finite() => Some(ParamValue::Number(*f)),
            NodeKind::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    match &item.kind {
                        NodeKind::Str(s) => out.push(s.clone()),
                        NodeKind::Int(n) => out.push(n.to_string()),
                        NodeKind::Float(f) => out.push(f.to_string()),
                        NodeKind::Bool(b) => out.push(b.to_string()),
                        _ => cx.wrong_type(item, "a string"),
                    }
                }
                Some(ParamValue::List(out))
            }
            _ => {
                cx.wrong_type(node, "a string, a number or a list of strings");
                None
            }
        }
    }
}

impl JsonSchema for ParamValue {
    fn schema_name() -> Cow<'static, str> {
        "ParamValue".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": ["string", "number", "boolean", "array"],
            "items": { "type": "string" },
            "description": "A param value: text, a number, or a list of strings, matching the param's `type`."
        })
    }
}

/// The param values a stage gives, by name.
pub type StageParams = super::read::Map<Spanned<ParamValue>>;
