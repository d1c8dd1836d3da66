//! What the AWS targets (CloudFormation and Terraform) share: physical names and ARN shapes.
//! Both backends build their references from these, so the two can never disagree.

use crate::access::aws::{Arn, Scope};
use crate::model::{Kind, Model, Ref};

/// `<app>` or `<app>-<stage>`: the prefix of every physical name.
#[must_use]
pub fn prefix(model: &Model) -> String {
    match &model.stage {
        Some(stage) => format!("{}-{stage}", model.app),
        None => model.app.clone(),
    }
}

/// The physical name of a declared resource: `<app>[-<stage>]-<name>`, with `.fifo` for
/// FIFO queues and topics; a secret's name is its name in its store.
#[must_use]
pub fn physical_name(model: &Model, target: &Ref) -> String {
    let base = format!("{}-{}", prefix(model), target.name);
    match target.kind {
        Kind::Queue if model.queue(&target.name).is_some_and(|q| q.fifo) => base + ".fifo",
        Kind::Topic if model.topic(&target.name).is_some_and(|t| t.fifo) => base + ".fifo",
        Kind::Secret => model
            .secret(&target.name)
            .map_or(base, |s| s.external_name.clone()),
        _ => base,
    }
}

/// A function's log group name.
#[must_use]
pub fn log_group(model: &Model, function: &str) -> String {
    format!(
        "/aws/lambda/{}",
        physical_name(model, &Ref::new(Kind::Function, function))
    )
}

/// The ARN of a scope as text, with the given partition, region and account (which may be
/// `*` or a template variable such as `${AWS::Region}`).
#[must_use]
pub fn arn_text(model: &Model, arn: &Arn, partition: &str, region: &str, account: &str) -> String {
    let Arn::Scoped {
        scope,
        target,
        prefix,
    } = arn
    else {
        return "*".into();
    };
    let name = physical_name(model, target);
    let regional =
        |service: &str, rest: &str| format!("arn:{partition}:{service}:{region}:{account}:{rest}");
    match scope {
        Scope::Table => regional("dynamodb", &format!("table/{name}")),
        Scope::TableIndexes => regional("dynamodb", &format!("table/{name}/index/*")),
        Scope::TableStream => regional("dynamodb", &format!("table/{name}/stream/*")),
        Scope::Bucket => format!("arn:{partition}:s3:::{name}"),
        Scope::Objects => format!(
            "arn:{partition}:s3:::{name}/{}*",
            prefix.as_deref().unwrap_or("")
        ),
        Scope::Queue => regional("sqs", &name),
        Scope::Topic => regional("sns", &name),
        Scope::Function => regional("lambda", &format!("function:{name}")),
        Scope::Secret => regional("secretsmanager", &format!("secret:{name}-??????")),
        Scope::Parameter => regional(
            "ssm",
            &format!("parameter/{}", name.trim_start_matches('/')),
        ),
        Scope::LogStream => regional(
            "logs",
            &format!("log-group:{}:log-stream:*", log_group(model, &target.name)),
        ),
        Scope::Any => "*".into(),
    }
}

/// A policy as an AWS IAM policy document (JSON value), with ARNs as text. Raw statements
/// from the spec follow the derived ones, as written.
#[must_use]
pub fn policy_document(
    model: &Model,
    policy: &crate::access::aws::Policy,
    partition: &str,
    region: &str,
    account: &str,
) -> serde_json::Value {
    use serde_json::json;
    let mut statements: Vec<serde_json::Value> = policy
        .statements
        .iter()
        .map(|s| {
            let resources: Vec<String> = s
                .resources
                .iter()
                .map(|a| arn_text(model, a, partition, region, account))
                .collect();
            let mut statement = json!({
                "Sid": s.sid,
                "Effect": "Allow",
                "Action": s.actions,
                "Resource": resources,
            });
            if let Some(crate::access::aws::Condition::S3Prefix(p)) = &s.condition {
                statement["Condition"] =
                    json!({ "StringLike": { "s3:prefix": [format!("{p}*")] } });
            }
            statement
        })
        .collect();
    statements.extend(policy.raw.iter().map(raw_statement));
    json!({ "Version": "2012-10-17", "Statement": statements })
}

/// A spec's raw statement as IAM JSON.
#[must_use]
pub fn raw_statement(s: &crate::model::Statement) -> serde_json::Value {
    use serde_json::json;
    let list =
        |v: &[crate::model::Setting<String>]| v.iter().map(|x| x.value.clone()).collect::<Vec<_>>();
    let mut out = serde_json::Map::new();
    out.insert("Effect".into(), json!(s.effect.as_str()));
    if !s.actions.is_empty() {
        out.insert("Action".into(), json!(list(&s.actions)));
    }
    if !s.not_actions.is_empty() {
        out.insert("NotAction".into(), json!(list(&s.not_actions)));
    }
    if !s.resources.is_empty() {
        out.insert("Resource".into(), json!(list(&s.resources)));
    }
    if !s.not_resources.is_empty() {
        out.insert("NotResource".into(), json!(list(&s.not_resources)));
    }
    if let Some(c) = &s.condition {
        out.insert("Condition".into(), c.clone());
    }
    serde_json::Value::Object(out)
}
