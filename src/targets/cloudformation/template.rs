//! The CloudFormation output model: a template of typed parameters, resources and outputs.
//! Resource properties are JSON documents (CloudFormation's own schema is the authority on
//! them; cfn-lint checks every one in CI); intrinsic functions are built by the helpers here.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use crate::targets::aws::ArnPart;
pub use crate::targets::naming::logical_id;

#[derive(Clone, Debug, Serialize)]
pub struct Template {
    #[serde(rename = "AWSTemplateFormatVersion")]
    pub version: &'static str,
    #[serde(rename = "Description")]
    pub description: String,
    #[serde(rename = "Metadata", skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    #[serde(rename = "Parameters", skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, Parameter>,
    #[serde(rename = "Resources")]
    pub resources: BTreeMap<String, Resource>,
    #[serde(rename = "Outputs", skip_serializing_if = "BTreeMap::is_empty")]
    pub outputs: BTreeMap<String, Output>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Parameter {
    #[serde(rename = "Type")]
    pub kind: &'static str,
    #[serde(rename = "Description")]
    pub description: String,
    #[serde(rename = "Default", skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Hidden from the console, the API and events (a secret param).
    #[serde(rename = "NoEcho", skip_serializing_if = "std::ops::Not::not")]
    pub no_echo: bool,
    #[serde(rename = "AllowedValues", skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<String>,
}

impl Parameter {
    /// A string parameter, echoed, taking any value.
    #[must_use]
    pub fn text(description: String, default: Option<String>) -> Self {
        Self {
            kind: "String",
            description,
            default,
            no_echo: false,
            allowed: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Resource {
    #[serde(rename = "Type")]
    pub kind: &'static str,
    #[serde(rename = "DependsOn", skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    #[serde(rename = "DeletionPolicy", skip_serializing_if = "Option::is_none")]
    pub deletion_policy: Option<&'static str>,
    #[serde(
        rename = "UpdateReplacePolicy",
        skip_serializing_if = "Option::is_none"
    )]
    pub update_replace_policy: Option<&'static str>,
    #[serde(rename = "Properties")]
    pub properties: Value,
}

impl Resource {
    pub fn new(kind: &'static str, properties: Value) -> Self {
        Self {
            kind,
            depends_on: Vec::new(),
            deletion_policy: None,
            update_replace_policy: None,
            properties,
        }
    }

    /// Keeps the resource (and its data) when the stack is deleted or the resource replaced.
    #[must_use]
    pub fn retained(mut self) -> Self {
        self.deletion_policy = Some("Retain");
        self.update_replace_policy = Some("Retain");
        self
    }

    #[must_use]
    pub fn depends_on(mut self, ids: impl IntoIterator<Item = String>) -> Self {
        self.depends_on.extend(ids);
        self.depends_on.sort();
        self.depends_on.dedup();
        self
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Output {
    #[serde(rename = "Description")]
    pub description: String,
    #[serde(rename = "Value")]
    pub value: Value,
}

/// `{"Ref": id}`
pub fn reference(id: &str) -> Value {
    json!({ "Ref": id })
}

/// `{"Fn::GetAtt": [id, attribute]}`
pub fn get_att(id: &str, attribute: &str) -> Value {
    json!({ "Fn::GetAtt": [id, attribute] })
}

/// `{"Fn::Sub": text}`; `text` must already have literal `${` written as `${!`.
pub fn sub(text: impl Into<String>) -> Value {
    json!({ "Fn::Sub": text.into() })
}

/// Escapes literal text for `Fn::Sub`: `${` becomes `${!`.
pub fn sub_literal(text: &str) -> String {
    text.replace("${", "${!")
}

/// Whether CloudFormation (and cfn-lint, E1029) would read `text` as naming a variable:
/// `${Name}`, `${Name.Attr}` or `${AWS::Pseudo}`, the form `Fn::Sub` substitutes.
fn names_a_variable(text: &str) -> bool {
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        let after = &rest[at + 2..];
        let len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | ':' | '.')))
            .unwrap_or(after.len());
        if len > 0 && after[len..].starts_with('}') {
            return true;
        }
        rest = after;
    }
    false
}

/// Makes every literal string of a resource's properties safe from substitution. A string
/// whose text reads as a `${Variable}` is written `{"Fn::Join": ["", parts]}`, cut after each
/// `$` that opens a `${`, so that no part reads as a variable: CloudFormation joins the parts
/// back into the text itself, and cfn-lint accepts it (a plain string is E1029; `Fn::Sub` with
/// `${!` escapes and no variable is W1020). The one place free text (descriptions, env
/// values, filters, SQL, prefixes, issuers) is made safe; `Fn::Sub` text is escaped when built
/// ([`sub_literal`]) and left alone here, and object keys are never substituted.
pub fn literals(value: Value) -> Value {
    match value {
        Value::String(text) if names_a_variable(&text) => {
            let mut parts = Vec::new();
            let mut rest = text.as_str();
            while let Some(at) = rest.find("${") {
                parts.push(Value::String(rest[..=at].to_string()));
                rest = &rest[at + 1..];
            }
            parts.push(Value::String(rest.to_string()));
            json!({ "Fn::Join": ["", parts] })
        }
        Value::Array(items) => Value::Array(items.into_iter().map(literals).collect()),
        Value::Object(map) => {
            let intrinsic = map.len() == 1
                && map
                    .keys()
                    .next()
                    .is_some_and(|k| k == "Ref" || k == "Fn::Sub" || k == "Fn::GetAtt");
            if intrinsic {
                return Value::Object(map);
            }
            Value::Object(map.into_iter().map(|(k, v)| (k, literals(v))).collect())
        }
        other => other,
    }
}

/// An ARN built from parts: a plain string when it has no pseudo parameters, else `Fn::Sub`.
pub fn arn(parts: &[ArnPart]) -> Value {
    if let [ArnPart::Lit(text)] = parts {
        return Value::String(text.clone());
    }
    let text: String = parts
        .iter()
        .map(|p| match p {
            ArnPart::Lit(s) => sub_literal(s),
            ArnPart::Partition => "${AWS::Partition}".into(),
            ArnPart::Region => "${AWS::Region}".into(),
            ArnPart::Account => "${AWS::AccountId}".into(),
            // A template parameter of the same name (`targets::params`).
            ArnPart::Param(name) => format!("${{{name}}}"),
        })
        .collect();
    sub(text)
}

/// CloudFormation's way of writing a policy document: JSON, ARNs as `Fn::Sub` ([`arn`]).
pub struct SubArns;

impl crate::targets::aws::DocWriter for SubArns {
    type Value = Value;
    fn text(&self, text: &str) -> Value {
        Value::String(text.to_string())
    }
    fn list(&self, items: Vec<Value>) -> Value {
        Value::Array(items)
    }
    fn object(&self, fields: Vec<(&'static str, Value)>) -> Value {
        Value::Object(
            fields
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        )
    }
    fn json(&self, value: &Value) -> Value {
        value.clone()
    }
    fn arn(&self, parts: Vec<ArnPart>) -> Value {
        arn(&parts)
    }
    fn account(&self) -> Value {
        reference("AWS::AccountId")
    }
    fn number(&self, n: u32) -> Value {
        Value::from(n)
    }
}

/// `{"Fn::Join": ["", parts]}`, or the plain string when every part is one.
pub fn join(parts: Vec<Value>) -> Value {
    if parts.iter().all(Value::is_string) {
        return Value::String(parts.iter().filter_map(Value::as_str).collect());
    }
    json!({ "Fn::Join": ["", Value::Array(parts)] })
}

/// Every logical id a value refers to (`Ref`, `Fn::GetAtt`, `${Id}` / `${Id.Attr}` in
/// `Fn::Sub`), pseudo parameters excluded. Used to prove the template has no cycle.
pub fn references(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(id)) = map.get("Ref")
                && !id.starts_with("AWS::")
            {
                out.push(id.clone());
            }
            if let Some(Value::Array(args)) = map.get("Fn::GetAtt")
                && let Some(Value::String(id)) = args.first()
            {
                out.push(id.clone());
            }
            if let Some(Value::String(text)) = map.get("Fn::Sub") {
                let mut rest = text.as_str();
                while let Some(at) = rest.find("${") {
                    let after = &rest[at + 2..];
                    let Some(end) = after.find('}') else { break };
                    let var = &after[..end];
                    if !var.starts_with('!') && !var.starts_with("AWS::") {
                        out.push(var.split('.').next().unwrap_or(var).to_string());
                    }
                    rest = &after[end + 1..];
                }
            }
            for v in map.values() {
                references(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_text_that_names_a_variable_is_joined_from_safe_parts() {
        let props = json!({
            "Description": "see ${AWS::Region} and ${Fn.Arn}",
            "Plain": "a ${not a var} $ {x} ${",
            "List": ["x-${h}", 1, true],
            "Nested": { "k${AWS::Region}": "${!x} ${AWS::NoValue}" },
            "Arn": { "Fn::Sub": "arn:${AWS::Partition}:s3:::b" },
            "Id": { "Ref": "Thing" },
        });
        assert_eq!(
            literals(props),
            json!({
                "Description": { "Fn::Join": ["", ["see $", "{AWS::Region} and $", "{Fn.Arn}"]] },
                "Plain": "a ${not a var} $ {x} ${",
                "List": [{ "Fn::Join": ["", ["x-$", "{h}"]] }, 1, true],
                "Nested": { "k${AWS::Region}": { "Fn::Join": ["", ["$", "{!x} $", "{AWS::NoValue}"]] } },
                "Arn": { "Fn::Sub": "arn:${AWS::Partition}:s3:::b" },
                "Id": { "Ref": "Thing" },
            })
        );
    }

    #[test]
    fn arns_escape_literal_template_markers() {
        let parts = [
            ArnPart::Lit("arn:".into()),
            ArnPart::Partition,
            ArnPart::Lit(":s3:::b/${x}*".into()),
        ];
        assert_eq!(
            arn(&parts),
            json!({ "Fn::Sub": "arn:${AWS::Partition}:s3:::b/${!x}*" })
        );
        let mut refs = Vec::new();
        references(&arn(&parts), &mut refs);
        assert!(refs.is_empty(), "{refs:?}");
    }
}
