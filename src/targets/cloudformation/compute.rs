//! Functions and what each owns: its role (the derived least-privilege policy), its log
//! group, a version and alias for provisioned concurrency, and its async invoke config.

use serde_json::{Value, json};

use super::template::{self, Parameter, Resource, get_att, logical_id, reference};
use super::{Builder, tags};
use crate::access::aws::Policy;
use crate::targets::aws;
use crate::targets::plan::{Code, FunctionPlan};

pub(super) fn lower(b: &mut Builder<'_>) {
    let plan = b.plan;
    for f in &plan.functions {
        function(b, f);
    }
}

/// The role's policy document, with ARNs as `Fn::Sub` (no dependency on the resources).
pub(crate) fn policy_document(b: &Builder<'_>, policy: &Policy) -> Value {
    aws::policy_document_as(b.model, policy, &template::SubArns)
}

fn function(b: &mut Builder<'_>, f: &FunctionPlan<'_>) {
    b.owner = super::split::Owner::Function(f.name.to_string());
    let fid = logical_id(f.name, "Function");
    let role = logical_id(f.name, "Role");
    let logs = logical_id(f.name, "LogGroup");

    b.add(
        role.clone(),
        Resource::new(
            "AWS::IAM::Role",
            json!({
                "Description": f.role_description,
                "AssumeRolePolicyDocument": aws::trust_policy(&template::SubArns, f.role_principal),
                "Policies": [ { "PolicyName": f.role_policy_name, "PolicyDocument": policy_document(b, f.policy) } ],
                "Tags": tags(b.plan),
            }),
        ),
    );

    let mut log_props = json!({ "LogGroupName": f.log_group });
    if let Some(days) = f.log_retention {
        log_props["RetentionInDays"] = json!(days);
    }
    b.add(
        logs.clone(),
        Resource::new("AWS::Logs::LogGroup", log_props),
    );

    let mut props = json!({
        "FunctionName": f.physical,
        "Role": get_att(&role, "Arn"),
        "MemorySize": f.memory,
        "Timeout": f.timeout,
        "Architectures": [ f.architecture ],
        "EphemeralStorage": { "Size": f.ephemeral_storage },
        "TracingConfig": { "Mode": f.tracing_mode },
        "LoggingConfig": { "LogGroup": reference(&logs), "LogFormat": f.log_format },
        "Tags": tags(b.plan),
    });
    match &f.code {
        Code::Package(package) => {
            props["Runtime"] = json!(package.runtime);
            props["Handler"] = json!(package.handler);
            props["Code"] = json!({
                "S3Bucket": reference("ArtifactBucket"),
                "S3Key": template::sub(format!("${{ArtifactPrefix}}/{}", template::sub_literal(&package.key))),
            });
            if !package.layers.is_empty() {
                props["Layers"] = json!(package.layers);
            }
        }
        Code::Image(image) => {
            props["PackageType"] = json!(image.package_type);
            let uri = if image.ecr {
                json!(image.uri)
            } else {
                let param = logical_id(f.name, "ImageUri");
                b.template.parameters.insert(
                    param.clone(),
                    Parameter::text(image.input_description.clone(), None),
                );
                reference(&param)
            };
            props["Code"] = json!({ "ImageUri": uri });
        }
    }
    if let Some(d) = f.description {
        props["Description"] = json!(d);
    }
    if !f.env.is_empty() {
        let vars: serde_json::Map<String, Value> =
            f.env.iter().map(|(k, v)| (k.clone(), b.env(v))).collect();
        props["Environment"] = json!({ "Variables": vars });
    }
    if let Some(r) = f.reserved_concurrency {
        props["ReservedConcurrentExecutions"] = json!(r);
    }
    let version_hash =
        crate::targets::naming::content_hash(&serde_json::to_string(&props).unwrap_or_default());
    b.add(fid.clone(), Resource::new("AWS::Lambda::Function", props));

    if let Some(alias) = &f.alias {
        // A version is immutable: its logical id carries a hash of the function's settings,
        // so a change publishes a new version and moves the alias to it.
        let version = logical_id(f.name, "Version") + &version_hash;
        b.add(
            version.clone(),
            Resource::new(
                "AWS::Lambda::Version",
                json!({ "FunctionName": reference(&fid) }),
            ),
        );
        b.add(
            logical_id(f.name, "Alias"),
            Resource::new(
                "AWS::Lambda::Alias",
                json!({
                    "Name": alias.name,
                    "FunctionName": reference(&fid),
                    "FunctionVersion": get_att(&version, "Version"),
                    "ProvisionedConcurrencyConfig": { "ProvisionedConcurrentExecutions": alias.provisioned },
                }),
            ),
        );
    }

    if let Some(invoke) = &f.invoke_config {
        let mut config = json!({
            "FunctionName": reference(&fid),
            "Qualifier": invoke.unqualified,
            "MaximumRetryAttempts": invoke.retries,
        });
        if let Some(alias) = &f.alias {
            config["Qualifier"] = json!(alias.name);
        }
        if let Some(dl) = invoke.on_failure {
            config["DestinationConfig"] =
                json!({ "OnFailure": { "Destination": b.arn_of(dl.kind, &dl.name) } });
        }
        let mut resource = Resource::new("AWS::Lambda::EventInvokeConfig", config);
        if f.alias.is_some() {
            resource = resource.depends_on([logical_id(f.name, "Alias")]);
        }
        b.add(logical_id(f.name, "InvokeConfig"), resource);
    }
}
