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

/// The deployed name of a declared resource, in parts: a bucket's name carries the account
/// and region ([`super::global_name`]); every other name is [`physical_name`].
#[must_use]
pub fn name_parts(model: &Model, target: &Ref) -> Vec<ArnPart> {
    match target.kind {
        Kind::Bucket => super::global_name::bucket(model, &target.name),
        _ => vec![ArnPart::Lit(physical_name(model, target))],
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

/// The name of the IoT rule of a function's `index`-th event (0-based): IoT rule names take
/// letters, digits and underscores only.
#[must_use]
pub fn iot_rule_name(model: &Model, function: &str, index: usize) -> String {
    format!("{}_{}_{}", prefix(model), function, index + 1)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// A piece of an ARN: literal text, or a value the deployment fills in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArnPart {
    Lit(String),
    Partition,
    Region,
    Account,
    /// A deploy-time param's value (`${params.NAME}`; only in raw `permissions`).
    Param(String),
}

impl ArnPart {
    /// The part as text, with the given partition, region and account; a param as written
    /// in the spec.
    #[must_use]
    pub fn text(&self, partition: &str, region: &str, account: &str) -> String {
        match self {
            ArnPart::Lit(s) => s.clone(),
            ArnPart::Partition => partition.to_string(),
            ArnPart::Region => region.to_string(),
            ArnPart::Account => account.to_string(),
            ArnPart::Param(name) => format!("${{params.{name}}}"),
        }
    }
}

/// The `${aws.*}` placeholders a raw `permissions` resource may hold, each filled in by the
/// target (`${AWS::Region}` in CloudFormation, `data.aws_region.current.name` in Terraform).
/// Raw resources may also hold `${params.NAME}`, `${app.name}`, `${app.stage}` and the ARN
/// or name of a declared resource (`${tables.orders.arn}`, `${buckets.photos.name}`).
pub const PLACEHOLDERS: &[(&str, ArnPart)] = &[
    ("${aws.partition}", ArnPart::Partition),
    ("${aws.region}", ArnPart::Region),
    ("${aws.account_id}", ArnPart::Account),
    ("${aws.account}", ArnPart::Account),
];

/// The attributes of a declared resource that a raw `permissions` value may reference.
pub const RAW_ATTRS: &[&str] = &["arn", "name"];

/// The kinds of resource a raw `permissions` value may reference.
pub const RAW_KINDS: &[Kind] = &[
    Kind::Table,
    Kind::Bucket,
    Kind::Queue,
    Kind::Topic,
    Kind::Function,
    Kind::Secret,
];

/// A `${aws.name}` in text, or a `${section.name...}` reference as env values write them
/// (`${tables.orders.arn}`, `${params.Domain}`): what a user may expect to be filled in, as
/// opposed to an IAM policy variable (`${aws:username}`, `${*}`), which is kept as written.
/// Returns each one's byte range.
#[must_use]
pub fn placeholder_like(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find("${").map(|i| i + from) {
        let body = &text[at + 2..];
        let len = body
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(body.len());
        let first = body[..len].split('.').next().unwrap_or("");
        let section = first == "aws"
            || first == "app"
            || first == "params"
            || Kind::from_section(first).is_some();
        if section && body[..len].contains('.') && body[len..].starts_with('}') {
            out.push(at..at + 2 + len + 1);
            from = at + 2 + len + 1;
        } else {
            from = at + 2;
        }
    }
    out
}

/// A raw `permissions` value in parts: its placeholders as the values they stand for
/// (pseudo parameters, params, the app's name and stage, a declared resource's ARN or
/// name, built from its physical name like every derived ARN, so no role waits on a
/// resource), the rest literal (IAM policy variables included). The spec check has
/// refused every placeholder this does not know; one left is kept as written.
#[must_use]
pub fn raw_resource_parts(model: &Model, text: &str) -> Vec<ArnPart> {
    let mut parts = Vec::new();
    let mut last = 0;
    for range in placeholder_like(text) {
        let found = &text[range.clone()];
        if range.start > last {
            parts.push(ArnPart::Lit(text[last..range.start].to_string()));
        }
        let body = &found[2..found.len() - 1];
        let pieces: Vec<&str> = body.split('.').collect();
        match (
            PLACEHOLDERS.iter().find(|(p, _)| *p == found),
            pieces.as_slice(),
        ) {
            (Some((_, part)), _) => parts.push(part.clone()),
            (None, ["app", "name"]) => parts.push(ArnPart::Lit(model.app.clone())),
            (None, ["app", "stage"]) => parts.push(ArnPart::Lit(model.stage_name().to_string())),
            (None, ["params", name]) => parts.push(ArnPart::Param((*name).to_string())),
            (None, [section, name, attr]) if Kind::from_section(section).is_some() => {
                let target = Ref::new(Kind::from_section(section).unwrap_or(Kind::Table), *name);
                match *attr {
                    "arn" => parts.extend(resource_arn(model, &target)),
                    "name" => parts.extend(name_parts(model, &target)),
                    _ => parts.push(ArnPart::Lit(found.to_string())),
                }
            }
            _ => parts.push(ArnPart::Lit(found.to_string())),
        }
        last = range.end;
    }
    if last < text.len() || parts.is_empty() {
        parts.push(ArnPart::Lit(text[last..].to_string()));
    }
    merge(parts)
}

/// The ARN of a scope, in parts, so each target writes the partition, region and account
/// its own way (`${AWS::Region}`, `data.aws_region.current.name`, or text).
#[must_use]
pub fn arn_parts(model: &Model, arn: &Arn) -> Vec<ArnPart> {
    use ArnPart::{Account, Lit, Partition, Region};
    let Arn::Scoped {
        scope,
        target,
        prefix,
    } = arn
    else {
        return vec![Lit("*".into())];
    };
    let name = physical_name(model, target);
    let regional = |service: &str, rest: String| {
        vec![
            Lit("arn:".into()),
            Partition,
            Lit(format!(":{service}:")),
            Region,
            Lit(":".into()),
            Account,
            Lit(format!(":{rest}")),
        ]
    };
    match scope {
        Scope::Table => regional("dynamodb", format!("table/{name}")),
        Scope::TableIndexes => regional("dynamodb", format!("table/{name}/index/*")),
        Scope::TableStream => regional("dynamodb", format!("table/{name}/stream/*")),
        Scope::Bucket | Scope::Objects => {
            let mut parts = vec![Lit("arn:".into()), Partition, Lit(":s3:::".into())];
            parts.extend(name_parts(model, target));
            if *scope == Scope::Objects {
                parts.push(Lit(format!("/{}*", prefix.as_deref().unwrap_or(""))));
            }
            merge(parts)
        }
        Scope::Queue => regional("sqs", name),
        Scope::Topic => regional("sns", name),
        Scope::Function => regional("lambda", format!("function:{name}")),
        Scope::Secret => regional("secretsmanager", format!("secret:{name}-??????")),
        Scope::Parameter => regional("ssm", format!("parameter/{}", name.trim_start_matches('/'))),
        Scope::LogStream => regional(
            "logs",
            format!("log-group:{}:log-stream:*", log_group(model, &target.name)),
        ),
        Scope::Any => vec![Lit("*".into())],
    }
}

/// Adjacent literal parts joined into one.
fn merge(parts: Vec<ArnPart>) -> Vec<ArnPart> {
    let mut out: Vec<ArnPart> = Vec::with_capacity(parts.len());
    for part in parts {
        match (out.last_mut(), part) {
            (Some(ArnPart::Lit(last)), ArnPart::Lit(next)) => last.push_str(&next),
            (_, part) => out.push(part),
        }
    }
    out
}

/// An ARN of a declared resource itself (not a scope of it), in parts.
#[must_use]
pub fn resource_arn(model: &Model, target: &Ref) -> Vec<ArnPart> {
    let scope = match target.kind {
        Kind::Table => Scope::Table,
        Kind::Bucket => Scope::Bucket,
        Kind::Queue => Scope::Queue,
        Kind::Topic => Scope::Topic,
        Kind::Function => Scope::Function,
        Kind::Secret => {
            if let Some(crate::model::SecretStore::Ssm) =
                model.secret(&target.name).map(|s| s.store)
            {
                Scope::Parameter
            } else {
                // The partial ARN (no random suffix) is what SDKs accept as a secret id.
                let name = physical_name(model, target);
                return vec![
                    ArnPart::Lit("arn:".into()),
                    ArnPart::Partition,
                    ArnPart::Lit(":secretsmanager:".into()),
                    ArnPart::Region,
                    ArnPart::Lit(":".into()),
                    ArnPart::Account,
                    ArnPart::Lit(format!(":secret:{name}")),
                ];
            }
        }
        Kind::Gateway | Kind::Auth => return vec![ArnPart::Lit("*".into())],
    };
    arn_parts(
        model,
        &Arn::Scoped {
            scope,
            target: target.clone(),
            prefix: None,
        },
    )
}

/// The ARN of a scope as text, with the given partition, region and account (which may be
/// `*`).
#[must_use]
pub fn arn_text(model: &Model, arn: &Arn, partition: &str, region: &str, account: &str) -> String {
    arn_parts(model, arn)
        .into_iter()
        .map(|p| p.text(partition, region, account))
        .collect()
}

/// How a target writes the values of an IAM policy document: JSON for CloudFormation (ARNs
/// as `Fn::Sub`) or text, an HCL expression for Terraform (ARNs as templates). The one
/// renderer, [`policy_document_as`], decides the document; a writer only spells it.
pub trait DocWriter {
    type Value;
    fn text(&self, text: &str) -> Self::Value;
    fn list(&self, items: Vec<Self::Value>) -> Self::Value;
    fn object(&self, fields: Vec<(&'static str, Self::Value)>) -> Self::Value;
    /// A raw statement from the spec, kept as written.
    fn json(&self, value: &serde_json::Value) -> Self::Value;
    /// An ARN from its parts.
    fn arn(&self, parts: Vec<ArnPart>) -> Self::Value;
    /// The account that deploys.
    fn account(&self) -> Self::Value;
    fn number(&self, n: u32) -> Self::Value;
}

/// ARNs as plain text, with the given partition, region and account (which may be `*`).
pub struct TextArns<'a> {
    pub partition: &'a str,
    pub region: &'a str,
    pub account: &'a str,
}

impl DocWriter for TextArns<'_> {
    type Value = serde_json::Value;
    fn text(&self, text: &str) -> serde_json::Value {
        serde_json::Value::String(text.to_string())
    }
    fn list(&self, items: Vec<serde_json::Value>) -> serde_json::Value {
        serde_json::Value::Array(items)
    }
    fn object(&self, fields: Vec<(&'static str, serde_json::Value)>) -> serde_json::Value {
        serde_json::Value::Object(
            fields
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        )
    }
    fn json(&self, value: &serde_json::Value) -> serde_json::Value {
        value.clone()
    }
    fn arn(&self, parts: Vec<ArnPart>) -> serde_json::Value {
        serde_json::Value::String(
            parts
                .into_iter()
                .map(|p| p.text(self.partition, self.region, self.account))
                .collect(),
        )
    }
    fn account(&self) -> serde_json::Value {
        serde_json::Value::String(self.account.to_string())
    }
    fn number(&self, n: u32) -> serde_json::Value {
        serde_json::Value::from(n)
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
    let writer = TextArns {
        partition,
        region,
        account,
    };
    policy_document_as(model, policy, &writer)
}

/// A policy document written by a target's [`DocWriter`]: the derived statements (each ARN
/// from [`arn_parts`], so a role never depends on the resources it may touch), then the
/// spec's raw statements as written.
pub fn policy_document_as<W: DocWriter>(
    model: &Model,
    policy: &crate::access::aws::Policy,
    w: &W,
) -> W::Value {
    let mut statements: Vec<W::Value> = policy
        .statements
        .iter()
        .map(|s| {
            let resources = s
                .resources
                .iter()
                .map(|a| w.arn(arn_parts(model, a)))
                .collect();
            let mut statement = vec![
                ("Sid", w.text(&s.sid)),
                ("Effect", w.text("Allow")),
                (
                    "Action",
                    w.list(s.actions.iter().map(|a| w.text(a)).collect()),
                ),
                ("Resource", w.list(resources)),
            ];
            if let Some(crate::access::aws::Condition::S3Prefix(p)) = &s.condition {
                let prefix = w.list(vec![w.text(&format!("{p}*"))]);
                let like = w.object(vec![("s3:prefix", prefix)]);
                statement.push(("Condition", w.object(vec![("StringLike", like)])));
            }
            w.object(statement)
        })
        .collect();
    statements.extend(policy.raw.iter().map(|s| raw_statement_as(model, s, w)));
    document(w, statements)
}

/// A policy document of some statements.
pub fn document<W: DocWriter>(w: &W, statements: Vec<W::Value>) -> W::Value {
    w.object(vec![
        ("Version", w.text("2012-10-17")),
        ("Statement", w.list(statements)),
    ])
}

/// The trust policy of a role that an AWS service assumes, for this account only.
pub fn trust_policy<W: DocWriter>(w: &W, service: &str) -> W::Value {
    let condition = w.object(vec![(
        "StringEquals",
        w.object(vec![("aws:SourceAccount", w.account())]),
    )]);
    let statement = w.object(vec![
        ("Effect", w.text("Allow")),
        ("Principal", w.object(vec![("Service", w.text(service))])),
        ("Action", w.text("sts:AssumeRole")),
        ("Condition", condition),
    ]);
    document(w, vec![statement])
}

/// A statement letting a service send one source's undeliverable events to a queue.
pub fn delivery_statement<W: DocWriter>(
    w: &W,
    sid: &str,
    service: &str,
    queue: W::Value,
    source: W::Value,
) -> W::Value {
    w.object(vec![
        ("Sid", w.text(sid)),
        ("Effect", w.text("Allow")),
        ("Principal", w.object(vec![("Service", w.text(service))])),
        ("Action", w.text("sqs:SendMessage")),
        ("Resource", queue),
        (
            "Condition",
            w.object(vec![(
                "ArnEquals",
                w.object(vec![("aws:SourceArn", source)]),
            )]),
        ),
    ])
}

/// Where a queue (after `max_receives` receives) or a subscription sends what fails.
pub fn redrive_policy<W: DocWriter>(
    w: &W,
    target: W::Value,
    max_receives: Option<u32>,
) -> W::Value {
    let mut fields = vec![("deadLetterTargetArn", target)];
    if let Some(n) = max_receives {
        fields.push(("maxReceiveCount", w.number(n)));
    }
    w.object(fields)
}

/// A bucket's policy: plain HTTP is refused; a public bucket also lets anyone read objects.
pub fn bucket_policy<W: DocWriter>(
    w: &W,
    bucket: W::Value,
    objects: &W::Value,
    public: bool,
) -> W::Value
where
    W::Value: Clone,
{
    let mut statements = vec![w.object(vec![
        ("Sid", w.text("DenyInsecureTransport")),
        ("Effect", w.text("Deny")),
        ("Principal", w.text("*")),
        ("Action", w.text("s3:*")),
        ("Resource", w.list(vec![bucket, objects.clone()])),
        (
            "Condition",
            w.object(vec![(
                "Bool",
                w.object(vec![("aws:SecureTransport", w.text("false"))]),
            )]),
        ),
    ])];
    if public {
        statements.push(w.object(vec![
            ("Sid", w.text("PublicRead")),
            ("Effect", w.text("Allow")),
            ("Principal", w.text("*")),
            ("Action", w.text("s3:GetObject")),
            ("Resource", objects.clone()),
        ]));
    }
    document(w, statements)
}

/// The policy of an EventBridge Scheduler role: invoke one function (and its alias), and
/// send what cannot be delivered to its dead letter queue.
pub fn scheduler_policy<W: DocWriter>(
    w: &W,
    invoke: Vec<W::Value>,
    dead_letter: Option<W::Value>,
) -> W::Value {
    let mut statements = vec![w.object(vec![
        ("Sid", w.text("InvokeFunction")),
        ("Effect", w.text("Allow")),
        ("Action", w.list(vec![w.text("lambda:InvokeFunction")])),
        ("Resource", w.list(invoke)),
    ])];
    if let Some(queue) = dead_letter {
        statements.push(w.object(vec![
            ("Sid", w.text("DeadLetter")),
            ("Effect", w.text("Allow")),
            ("Action", w.list(vec![w.text("sqs:SendMessage")])),
            ("Resource", w.list(vec![queue])),
        ]));
    }
    document(w, statements)
}

/// A spec's raw statement written by a target: as written, but for the placeholders of its
/// resources ([`raw_resource_parts`]), which the target fills in.
fn raw_statement_as<W: DocWriter>(model: &Model, s: &crate::model::Statement, w: &W) -> W::Value {
    let resolved = |v: &[crate::model::Setting<String>]| {
        w.list(
            v.iter()
                .map(|x| w.arn(raw_resource_parts(model, &x.value)))
                .collect(),
        )
    };
    let texts =
        |v: &[crate::model::Setting<String>]| w.list(v.iter().map(|x| w.text(&x.value)).collect());
    let mut out = vec![("Effect", w.text(s.effect.as_str()))];
    if !s.actions.is_empty() {
        out.push(("Action", texts(&s.actions)));
    }
    if !s.not_actions.is_empty() {
        out.push(("NotAction", texts(&s.not_actions)));
    }
    if !s.resources.is_empty() {
        out.push(("Resource", resolved(&s.resources)));
    }
    if !s.not_resources.is_empty() {
        out.push(("NotResource", resolved(&s.not_resources)));
    }
    if let Some(c) = &s.condition {
        out.push(("Condition", w.json(c)));
    }
    w.object(out)
}

/// A spec's raw statement as IAM JSON, as written.
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

/// Whether an image lives in Amazon ECR, the only registry Lambda pulls from.
#[must_use]
pub fn is_ecr(image: &str) -> bool {
    let host = image.split('/').next().unwrap_or("");
    let parts: Vec<&str> = host.split('.').collect();
    parts.len() >= 6
        && parts[0].len() == 12
        && parts[0].bytes().all(|c| c.is_ascii_digit())
        && parts[1] == "dkr"
        && parts[2] == "ecr"
        && parts[4] == "amazonaws"
}

/// The S3 key of a code package under the artifact prefix: the package `compile` wrote
/// (`packages/<name>-<hash>.zip`, the same path as under `--out`); without one, `code` when
/// it names a zip, else `<code>.zip` (`app.zip` for the spec's own folder).
#[must_use]
pub fn code_key(path: Option<&str>, package: Option<&str>) -> String {
    if let Some(package) = package {
        return package.to_string();
    }
    let path = path
        .unwrap_or(".")
        .trim_start_matches("./")
        .trim_end_matches('/');
    let path = if path.is_empty() || path == "." {
        "app"
    } else {
        path
    };
    if std::path::Path::new(path)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
    {
        path.to_string()
    } else {
        format!("{path}.zip")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_resources_fill_in_references_and_params() {
        let file = crate::source::SourceFile::new(
            "updraft.yaml",
            "app: shop\nparams: { Ext: { default: x } }\ntables: { orders: { partition_key: { name: id, type: string } } }\nbuckets: { photos: {} }\n",
        );
        let model = crate::load(&file, &crate::Options::default()).expect("valid");
        let text = |r: &str| -> String {
            raw_resource_parts(&model, r)
                .iter()
                .map(|p| p.text("aws", "eu-west-1", "123456789012"))
                .collect()
        };
        assert_eq!(
            text("${tables.orders.arn}/index/*"),
            "arn:aws:dynamodb:eu-west-1:123456789012:table/shop-orders/index/*"
        );
        assert_eq!(
            text("arn:${aws.partition}:s3:::${buckets.photos.name}/${aws:username}/*"),
            "arn:aws:s3:::shop-photos-123456789012-eu-west-1/${aws:username}/*"
        );
        assert_eq!(
            raw_resource_parts(&model, "arn:aws:s3:::${params.Ext}/*"),
            vec![
                ArnPart::Lit("arn:aws:s3:::".into()),
                ArnPart::Param("Ext".into()),
                ArnPart::Lit("/*".into()),
            ]
        );
        assert_eq!(
            text("${aws.account_id}:${aws.account}"),
            "123456789012:123456789012"
        );
    }

    #[test]
    fn code_keys_and_ecr_images() {
        assert_eq!(code_key(None, None), "app.zip");
        assert_eq!(code_key(Some("./dist/thumbs.zip"), None), "dist/thumbs.zip");
        assert_eq!(code_key(Some("services/api/"), None), "services/api.zip");
        assert_eq!(
            code_key(Some("services/api/"), Some("packages/api-0123.zip")),
            "packages/api-0123.zip"
        );
        assert!(is_ecr(
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme/api:1"
        ));
        assert!(!is_ecr("ghcr.io/acme/api:1"));
    }
}
