//! Functions and what each owns: its role with the derived least-privilege policy, its log
//! group, the alias and provisioned concurrency that keep instances warm, and its async
//! invoke config.

use super::{Builder, name_prefix, tags, trust_policy};
use crate::emit::hcl::{Body, Expr, Part};
use crate::model::Kind;
use crate::targets::aws;
use crate::targets::plan::{Code, FunctionPlan};

pub(super) fn lower(b: &mut Builder<'_>) {
    let plan = b.plan;
    for f in &plan.functions {
        function(b, f);
    }
}

fn function(b: &mut Builder<'_>, f: &FunctionPlan<'_>) {
    let label = b.label(Kind::Function, f.name);
    let physical = f.physical.as_str();
    b.section(format!(
        "Function `{}`: its role and least-privilege policy, log group and function.",
        f.name
    ));

    let mut role = Body::new();
    role.attr("name_prefix", name_prefix(physical))
        .attr("description", f.role_description.clone())
        .attr(
            "assume_role_policy",
            trust_policy(b.arns(), f.role_principal),
        )
        .attr("tags", tags());
    let role = b.resource("aws_iam_role", &label, role);

    let mut body = Body::new();
    body.attr("name", f.role_policy_name)
        .attr("role", Expr::path(&["aws_iam_role", &role, "id"]))
        .attr(
            "policy",
            Expr::jsonencode(aws::policy_document_as(b.model, f.policy, &b.arns())),
        );
    let role_policy = b.resource("aws_iam_role_policy", &label, body);

    let mut logs = Body::new();
    logs.attr("name", f.log_group.clone())
        .attr_opt("retention_in_days", f.log_retention)
        .attr("tags", tags());
    let logs = b.resource("aws_cloudwatch_log_group", &label, logs);

    let mut body = Body::new();
    body.attr("function_name", physical.to_string());
    body.attr_opt("description", f.description.map(str::to_string));
    body.attr("role", Expr::path(&["aws_iam_role", &role, "arn"]));
    match &f.code {
        Code::Package(package) => {
            body.attr("runtime", package.runtime.to_string())
                .attr("handler", package.handler.to_string());
            if let Some(file) = package.file {
                // The package beside the module: `terraform apply` uploads it, and its
                // hash (also in its name) makes a code change update the function.
                let file = Expr::Template(vec![
                    Part::Interp(Expr::reference("path.module")),
                    Part::Lit(format!("/{file}")),
                ]);
                body.attr("filename", file.clone())
                    .attr("source_code_hash", Expr::call("filebase64sha256", [file]));
            } else {
                body.attr("s3_bucket", Expr::reference("var.artifact_bucket"))
                    .attr(
                        "s3_key",
                        Expr::Template(vec![
                            Part::Interp(Expr::reference("var.artifact_prefix")),
                            Part::Lit(format!("/{}", package.key)),
                        ]),
                    );
            }
            if !package.layers.is_empty() {
                body.attr("layers", Expr::strings(&package.layers));
            }
        }
        Code::Image(image) => {
            let uri = if image.ecr {
                Expr::string(image.uri)
            } else {
                let name = b.variable(
                    &format!("{label}_image_uri"),
                    image.input_description.clone(),
                    None,
                );
                Expr::path(&["var", &name])
            };
            body.attr("package_type", image.package_type)
                .attr("image_uri", uri);
        }
    }
    body.attr("memory_size", f.memory)
        .attr("timeout", f.timeout)
        .attr("architectures", Expr::strings([f.architecture]));
    body.attr_opt("reserved_concurrent_executions", f.reserved_concurrency);
    if f.alias.is_some() {
        body.attr("publish", true);
    }
    body.attr("tags", tags());
    body.nested("ephemeral_storage", |e| {
        e.attr("size", f.ephemeral_storage);
    });
    body.nested("tracing_config", |t| {
        t.attr("mode", f.tracing_mode);
    });
    body.nested("logging_config", |l| {
        l.attr("log_format", f.log_format).attr(
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

    if let (Some(planned), Some(alias)) = (&f.alias, b.alias(f.name)) {
        let alias = alias.to_string();
        let mut body = Body::new();
        body.attr("name", planned.name)
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
        .attr("provisioned_concurrent_executions", planned.provisioned);
        b.resource("aws_lambda_provisioned_concurrency_config", &label, body);
    }

    if let Some(invoke) = &f.invoke_config {
        let mut body = Body::new();
        body.attr("function_name", function("function_name"));
        match b.alias(f.name) {
            Some(alias) => body.attr(
                "qualifier",
                Expr::path(&["aws_lambda_alias", alias, "name"]),
            ),
            None => body.attr("qualifier", invoke.unqualified),
        };
        body.attr("maximum_retry_attempts", invoke.retries);
        if let Some(dl) = invoke.on_failure {
            let destination = b.of(dl.kind, &dl.name, "arn");
            body.nested("destination_config", |d| {
                d.nested("on_failure", |o| {
                    o.attr("destination", destination);
                });
            });
        }
        b.resource("aws_lambda_function_event_invoke_config", &label, body);
    }
}
