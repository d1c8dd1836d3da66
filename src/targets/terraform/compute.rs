//! Functions and what each owns: its role with the derived least-privilege policy, its log
//! group, the alias and provisioned concurrency that keep instances warm, and its async
//! invoke config.

use super::{Builder, name_prefix, tags, trust_policy};
use crate::access::aws::{Condition, Policy};
use crate::emit::hcl::{Body, Expr, Part};
use crate::model::{Architecture, CodeSource, Function, Kind};
use crate::targets::aws;

pub(super) fn lower(b: &mut Builder<'_>) {
    let model = b.model;
    let policies = b.input.policies;
    for (f, policy) in model.functions.iter().zip(policies) {
        debug_assert_eq!(f.name, policy.function);
        function(b, f, policy);
    }
}

/// The role's policy document: the derived statements with ARNs as text (no dependency on
/// the resources), then the spec's raw statements as written.
pub(super) fn policy_document(policy: &Policy, b: &Builder<'_>) -> Expr {
    let mut statements: Vec<Expr> = policy
        .statements
        .iter()
        .map(|s| {
            let resources = s
                .resources
                .iter()
                .map(|arn| Builder::arn(aws::arn_parts(b.model, arn)));
            let mut statement = vec![
                ("Sid", Expr::string(s.sid.as_str())),
                ("Effect", Expr::from("Allow")),
                ("Action", Expr::strings(&s.actions)),
                ("Resource", Expr::list(resources)),
            ];
            if let Some(Condition::S3Prefix(p)) = &s.condition {
                statement.push((
                    "Condition",
                    Expr::object([(
                        "StringLike",
                        Expr::object([("s3:prefix", Expr::strings([format!("{p}*")]))]),
                    )]),
                ));
            }
            Expr::object(statement)
        })
        .collect();
    statements.extend(
        policy
            .raw
            .iter()
            .map(|s| Expr::from(&aws::raw_statement(s))),
    );
    Expr::object([
        ("Version", Expr::from("2012-10-17")),
        ("Statement", Expr::List(statements)),
    ])
}

#[allow(clippy::too_many_lines)]
fn function(b: &mut Builder<'_>, f: &Function, policy: &Policy) {
    let label = b.label(Kind::Function, &f.name);
    let physical = b.name(Kind::Function, &f.name);
    b.section(format!(
        "Function `{}`: its role and least-privilege policy, log group and function.",
        f.name
    ));

    let mut role = Body::new();
    role.attr("name_prefix", name_prefix(&physical))
        .attr(
            "description",
            format!("Least-privilege role of function {physical}, derived by updraft"),
        )
        .attr("assume_role_policy", trust_policy("lambda.amazonaws.com"))
        .attr("tags", tags());
    let role = b.resource("aws_iam_role", &label, role);

    let mut body = Body::new();
    body.attr("name", "least-privilege")
        .attr("role", Expr::path(&["aws_iam_role", &role, "id"]))
        .attr("policy", Expr::jsonencode(policy_document(policy, b)));
    let role_policy = b.resource("aws_iam_role_policy", &label, body);

    let mut logs = Body::new();
    logs.attr("name", aws::log_group(b.model, &f.name))
        .attr_opt(
            "retention_in_days",
            f.log_retention.as_ref().map(|d| d.value),
        )
        .attr("tags", tags());
    let logs = b.resource("aws_cloudwatch_log_group", &label, logs);

    let mut body = Body::new();
    body.attr("function_name", physical.clone());
    body.attr_opt("description", f.description.clone());
    body.attr("role", Expr::path(&["aws_iam_role", &role, "arn"]));
    match &f.code {
        CodeSource::Handler {
            handler,
            runtime,
            path,
            package,
        } => {
            body.attr("runtime", runtime.value.clone())
                .attr("handler", handler.clone());
            if let Some(package) = package {
                // The package beside the module: `terraform apply` uploads it, and its
                // hash (also in its name) makes a code change update the function.
                let file = Expr::Template(vec![
                    Part::Interp(Expr::reference("path.module")),
                    Part::Lit(format!("/{package}")),
                ]);
                body.attr("filename", file.clone())
                    .attr("source_code_hash", Expr::call("filebase64sha256", [file]));
            } else {
                let key = aws::code_key(path.as_ref().map(|p| p.value.as_str()), None);
                body.attr("s3_bucket", Expr::reference("var.artifact_bucket"))
                    .attr(
                        "s3_key",
                        Expr::Template(vec![
                            Part::Interp(Expr::reference("var.artifact_prefix")),
                            Part::Lit(format!("/{key}")),
                        ]),
                    );
            }
        }
        CodeSource::Image { image } => {
            let uri = if aws::is_ecr(image) {
                Expr::string(image.as_str())
            } else {
                let name = b.variable(
                    &format!("{label}_image_uri"),
                    format!(
                        "Amazon ECR URI of the image of function `{}` (the spec names {image}; Lambda pulls only from ECR)",
                        f.name
                    ),
                    None,
                );
                Expr::path(&["var", &name])
            };
            body.attr("package_type", "Image").attr("image_uri", uri);
        }
    }
    body.attr("memory_size", f.memory.value)
        .attr("timeout", f.timeout.value)
        .attr(
            "architectures",
            Expr::strings([match f.architecture.value {
                Architecture::X86_64 => "x86_64",
                Architecture::Arm64 => "arm64",
            }]),
        );
    body.attr_opt(
        "reserved_concurrent_executions",
        f.reserved_concurrency.as_ref().map(|r| r.value),
    );
    if f.provisioned_concurrency.is_some() {
        body.attr("publish", true);
    }
    body.attr("tags", tags());
    body.nested("ephemeral_storage", |e| {
        e.attr("size", f.ephemeral_storage.value);
    });
    body.nested("tracing_config", |t| {
        t.attr(
            "mode",
            if f.tracing.value {
                "Active"
            } else {
                "PassThrough"
            },
        );
    });
    body.nested("logging_config", |l| {
        l.attr("log_format", "JSON").attr(
            "log_group",
            Expr::path(&["aws_cloudwatch_log_group", &logs, "name"]),
        );
    });
    if !f.env.is_empty() {
        let variables = Expr::object(f.env.iter().map(|(k, v)| (k.clone(), b.env(v))));
        body.nested("environment", |e| {
            e.attr("variables", variables);
        });
    }
    // Event source mappings check the role's permissions when they are created.
    body.attr(
        "depends_on",
        Expr::list([Expr::path(&["aws_iam_role_policy", &role_policy])]),
    );
    b.add("aws_lambda_function", &label, body);
    let function = |attribute: &str| Expr::path(&["aws_lambda_function", &label, attribute]);

    if let (Some(p), Some(alias)) = (&f.provisioned_concurrency, b.alias(&f.name)) {
        let alias = alias.to_string();
        let mut body = Body::new();
        body.attr("name", "live")
            .attr(
                "description",
                "Serves the traffic; keeps provisioned instances warm",
            )
            .attr("function_name", function("function_name"))
            .attr("function_version", function("version"));
        b.add("aws_lambda_alias", &alias, body);
        let mut body = Body::new();
        body.attr(
            "function_name",
            Expr::path(&["aws_lambda_alias", &alias, "function_name"]),
        )
        .attr(
            "qualifier",
            Expr::path(&["aws_lambda_alias", &alias, "name"]),
        )
        .attr("provisioned_concurrent_executions", p.value);
        b.resource("aws_lambda_provisioned_concurrency_config", &label, body);
    }

    let async_trigger = f.async_events().next().is_some();
    if f.retries.is_some() || f.dead_letter.is_some() || async_trigger {
        let mut body = Body::new();
        body.attr("function_name", function("function_name"));
        match b.alias(&f.name) {
            Some(alias) => body.attr(
                "qualifier",
                Expr::path(&["aws_lambda_alias", alias, "name"]),
            ),
            None => body.attr("qualifier", "$LATEST"),
        };
        body.attr(
            "maximum_retry_attempts",
            f.retries.as_ref().map_or(2, |r| r.value),
        );
        if let Some(dl) = &f.dead_letter {
            let destination = b.of(dl.value.kind, &dl.value.name, "arn");
            body.nested("destination_config", |d| {
                d.nested("on_failure", |o| {
                    o.attr("destination", destination);
                });
            });
        }
        b.resource("aws_lambda_function_event_invoke_config", &label, body);
    }
}
