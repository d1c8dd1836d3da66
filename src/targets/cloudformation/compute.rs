//! Functions and what each owns: its role (the derived least-privilege policy), its log
//! group, a version and alias for provisioned concurrency, and its async invoke config.

use serde_json::{Value, json};

use super::template::{self, Parameter, Resource, get_att, logical_id, reference};
use super::{Builder, tags};
use crate::access::aws::Policy;
use crate::model::{Architecture, CodeSource, Function, Kind};
use crate::targets::aws;

pub(super) fn lower(b: &mut Builder<'_>) {
    for (f, policy) in b.model.functions.iter().zip(b.input.policies) {
        debug_assert_eq!(f.name, policy.function);
        function(b, f, policy);
    }
}

/// The role's policy document, with ARNs as `Fn::Sub` (no dependency on the resources).
pub(crate) fn policy_document(b: &Builder<'_>, policy: &Policy) -> Value {
    aws::policy_document_with(policy, |arn| template::arn(&aws::arn_parts(b.model, arn)))
}

/// A short, stable hash of a value, for logical ids that must change with content.
fn content_hash(value: &Value) -> String {
    let text = serde_json::to_string(value).unwrap_or_default();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{:08x}", hash >> 32)
}

fn function(b: &mut Builder<'_>, f: &Function, policy: &Policy) {
    b.owner = super::split::Owner::Function(f.name.clone());
    let fid = logical_id(&f.name, "Function");
    let role = logical_id(&f.name, "Role");
    let logs = logical_id(&f.name, "LogGroup");
    let physical = b.name(Kind::Function, &f.name);

    b.add(
        role.clone(),
        Resource::new(
            "AWS::IAM::Role",
            json!({
                "Description": format!("Least-privilege role of function {physical}, derived by updraft"),
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [ {
                        "Effect": "Allow",
                        "Principal": { "Service": "lambda.amazonaws.com" },
                        "Action": "sts:AssumeRole",
                        "Condition": { "StringEquals": { "aws:SourceAccount": { "Ref": "AWS::AccountId" } } },
                    } ],
                },
                "Policies": [ { "PolicyName": "least-privilege", "PolicyDocument": policy_document(b, policy) } ],
                "Tags": tags(b.model),
            }),
        ),
    );

    let mut log_props = json!({ "LogGroupName": aws::log_group(b.model, &f.name) });
    if let Some(days) = &f.log_retention {
        log_props["RetentionInDays"] = json!(days.value);
    }
    b.add(
        logs.clone(),
        Resource::new("AWS::Logs::LogGroup", log_props),
    );

    let mut props = json!({
        "FunctionName": physical,
        "Role": get_att(&role, "Arn"),
        "MemorySize": f.memory.value,
        "Timeout": f.timeout.value,
        "Architectures": [ match f.architecture.value { Architecture::X86_64 => "x86_64", Architecture::Arm64 => "arm64" } ],
        "EphemeralStorage": { "Size": f.ephemeral_storage.value },
        "TracingConfig": { "Mode": if f.tracing.value { "Active" } else { "PassThrough" } },
        "LoggingConfig": { "LogGroup": reference(&logs), "LogFormat": "JSON" },
        "Tags": tags(b.model),
    });
    match &f.code {
        CodeSource::Handler {
            handler,
            runtime,
            path,
            package,
        } => {
            props["Runtime"] = json!(runtime.value);
            props["Handler"] = json!(handler);
            let key = aws::code_key(path.as_ref().map(|p| p.value.as_str()), package.as_deref());
            props["Code"] = json!({
                "S3Bucket": reference("ArtifactBucket"),
                "S3Key": template::sub(format!("${{ArtifactPrefix}}/{}", template::sub_literal(&key))),
            });
        }
        CodeSource::Image { image } => {
            props["PackageType"] = json!("Image");
            let uri = if aws::is_ecr(image) {
                json!(image)
            } else {
                let param = logical_id(&f.name, "ImageUri");
                b.template.parameters.insert(
                    param.clone(),
                    Parameter {
                        kind: "String",
                        description: format!(
                            "Amazon ECR URI of the image of function `{}` (the spec names {image}; Lambda pulls only from ECR)",
                            f.name
                        ),
                        default: None,
                    },
                );
                reference(&param)
            };
            props["Code"] = json!({ "ImageUri": uri });
        }
    }
    if let Some(d) = &f.description {
        props["Description"] = json!(d);
    }
    if !f.env.is_empty() {
        let vars: serde_json::Map<String, Value> =
            f.env.iter().map(|(k, v)| (k.clone(), b.env(v))).collect();
        props["Environment"] = json!({ "Variables": vars });
    }
    if let Some(r) = &f.reserved_concurrency {
        props["ReservedConcurrentExecutions"] = json!(r.value);
    }
    let version_hash = content_hash(&props);
    b.add(fid.clone(), Resource::new("AWS::Lambda::Function", props));

    if let Some(p) = &f.provisioned_concurrency {
        // A version is immutable: its logical id carries a hash of the function's settings,
        // so a change publishes a new version and moves the alias to it.
        let version = logical_id(&f.name, "Version") + &version_hash;
        b.add(
            version.clone(),
            Resource::new(
                "AWS::Lambda::Version",
                json!({ "FunctionName": reference(&fid) }),
            ),
        );
        b.add(
            logical_id(&f.name, "Alias"),
            Resource::new(
                "AWS::Lambda::Alias",
                json!({
                    "Name": "live",
                    "FunctionName": reference(&fid),
                    "FunctionVersion": get_att(&version, "Version"),
                    "ProvisionedConcurrencyConfig": { "ProvisionedConcurrentExecutions": p.value },
                }),
            ),
        );
    }

    let async_trigger = f.async_events().next().is_some();
    if f.retries.is_some() || f.dead_letter.is_some() || async_trigger {
        let mut config = json!({
            "FunctionName": reference(&fid),
            "Qualifier": "$LATEST",
            "MaximumRetryAttempts": f.retries.as_ref().map_or(2, |r| r.value),
        });
        if f.provisioned_concurrency.is_some() {
            config["Qualifier"] = json!("live");
        }
        if let Some(dl) = &f.dead_letter {
            config["DestinationConfig"] =
                json!({ "OnFailure": { "Destination": b.arn_of(dl.value.kind, &dl.value.name) } });
        }
        let mut resource = Resource::new("AWS::Lambda::EventInvokeConfig", config);
        if f.provisioned_concurrency.is_some() {
            resource = resource.depends_on([logical_id(&f.name, "Alias")]);
        }
        b.add(logical_id(&f.name, "InvokeConfig"), resource);
    }
}
