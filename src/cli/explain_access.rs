//! `updraft explain-access`: every permission of one function, and why it exists.

use std::io;

use clap::ValueEnum;
use serde_json::json;

use super::{ExitStatus, MessageFormat, Output, SpecArgs};
use crate::access::aws::{Condition, Policy};
use crate::source::SourceFile;
use crate::targets::aws;

/// Explain a function's permissions: each action, the exact resource, and the spec line that
/// caused it. `--format iam` prints the role's policy document as AWS IAM JSON for other
/// auditors (region and account default to `*`).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  updraft explain-access make-thumbnail examples/photo-share/updraft.yaml
  updraft explain-access worker --format json | jq '.statements[].why'
  updraft explain-access worker --format iam --region eu-west-1 --account 123456789012 > worker.json")]
pub struct Args {
    /// The function.
    #[arg(value_name = "FUNCTION")]
    pub function: String,
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Region in ARNs (`--format iam` and human output).
    #[arg(long, default_value = "*")]
    pub region: String,
    /// Account id in ARNs (`--format iam` and human output).
    #[arg(long, default_value = "*")]
    pub account: String,
    /// Whose permissions: the AWS role (CloudFormation, Terraform), or what the function may
    /// reach on Knative (Secrets, Broker event types and the EventPolicies that admit them).
    #[arg(long, value_enum, default_value_t = AccessTarget::Aws)]
    pub target: AccessTarget,
    /// Knative: the namespace [default: the app's name].
    #[arg(long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AccessTarget {
    Aws,
    Knative,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    /// The IAM policy document.
    Iam,
}

pub fn run(args: &Args, out: &mut Output<'_>) -> io::Result<ExitStatus> {
    let (file, compilation) = match args.spec.load() {
        Ok(loaded) => loaded,
        Err((file, diagnostics)) => {
            out.diagnostics(file.as_ref(), &diagnostics, MessageFormat::Human)?;
            return Ok(ExitStatus::Error);
        }
    };
    let model = compilation.model();
    let Some(function) = model.function(&args.function) else {
        let names: Vec<&str> = model.functions.iter().map(|f| f.name.as_str()).collect();
        let hint = crate::diag::suggest(&args.function, names.iter().copied()).map_or_else(
            || format!("functions: {}", crate::spec::read::list(&names)),
            |c| format!("did you mean `{c}`?"),
        );
        writeln!(
            out.stderr,
            "error: no function `{}` in {}\nhelp: {hint}",
            args.function,
            file.name()
        )?;
        return Ok(ExitStatus::Error);
    };
    if args.target == AccessTarget::Knative {
        return knative(args, out, &file, model, &function.name);
    }
    let policy = crate::access::aws::policy(model, function);
    let arn =
        |a: &crate::access::aws::Arn| aws::arn_text(model, a, "aws", &args.region, &args.account);
    match args.format {
        Format::Iam => {
            let doc = aws::policy_document(model, &policy, "aws", &args.region, &args.account);
            writeln!(
                out.stdout,
                "{}",
                serde_json::to_string_pretty(&doc).expect("JSON")
            )?;
        }
        Format::Json => {
            let value = json!({
                "function": function.name,
                "role": aws::physical_name(model, &crate::model::Ref::new(crate::model::Kind::Function, &function.name)),
                "statements": policy.statements.iter().map(|s| json!({
                    "sid": s.sid,
                    "actions": s.actions,
                    "resources": s.resources.iter().map(arn).collect::<Vec<_>>(),
                    "condition": condition(s.condition.as_ref()),
                    "wildcard_reason": s.wildcard_reason,
                    "why": s.causes.iter().map(|c| why(&file, c)).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
                "raw": policy.raw.iter().map(|r| {
                    let mut v = aws::raw_statement(r);
                    v["why"] = why(&file, &crate::access::Cause { span: r.span, why: "raw `permissions` statement".into() });
                    v
                }).collect::<Vec<_>>(),
            });
            writeln!(
                out.stdout,
                "{}",
                serde_json::to_string_pretty(&value).expect("JSON")
            )?;
        }
        Format::Human => human(out, &file, model, &policy, &arn)?,
    }
    Ok(ExitStatus::Success)
}

fn condition(c: Option<&Condition>) -> serde_json::Value {
    match c {
        Some(Condition::S3Prefix(p)) => json!({ "StringLike": { "s3:prefix": [format!("{p}*")] } }),
        None => serde_json::Value::Null,
    }
}

fn why(file: &SourceFile, cause: &crate::access::Cause) -> serde_json::Value {
    let at = file.line_col(cause.span.start);
    json!({ "file": file.name(), "line": at.line, "column": at.column, "because": cause.why })
}

fn human(
    out: &mut Output<'_>,
    file: &SourceFile,
    model: &crate::model::Model,
    policy: &Policy,
    arn: &dyn Fn(&crate::access::aws::Arn) -> String,
) -> io::Result<()> {
    let role = aws::physical_name(
        model,
        &crate::model::Ref::new(crate::model::Kind::Function, &policy.function),
    );
    writeln!(
        out.stdout,
        "function `{}` (`{role}`): {} in its own role",
        policy.function,
        crate::diag::render::plural(policy.statements.len() + policy.raw.len(), "statement")
    )?;
    for s in &policy.statements {
        writeln!(out.stdout)?;
        writeln!(out.stdout, "  {}", s.actions.join(", "))?;
        for r in &s.resources {
            writeln!(out.stdout, "    on   {}", arn(r))?;
        }
        if let Some(Condition::S3Prefix(p)) = &s.condition {
            writeln!(out.stdout, "    when s3:prefix is like `{p}*`")?;
        }
        for c in &s.causes {
            let at = file.line_col(c.span.start);
            writeln!(
                out.stdout,
                "    why  {}:{}:{}: {}",
                file.name(),
                at.line,
                at.column,
                c.why
            )?;
        }
        if let Some(reason) = &s.wildcard_reason {
            writeln!(out.stdout, "    *    {reason}")?;
        }
    }
    for r in &policy.raw {
        let at = file.line_col(r.span.start);
        writeln!(out.stdout)?;
        writeln!(
            out.stdout,
            "  {}",
            serde_json::to_string(&aws::raw_statement(r)).expect("JSON")
        )?;
        writeln!(
            out.stdout,
            "    why  {}:{}:{}: raw `permissions` statement",
            file.name(),
            at.line,
            at.column
        )?;
    }
    Ok(())
}

/// `--target knative`: the function's grants on Knative, each with its cause.
fn knative(
    args: &Args,
    out: &mut Output<'_>,
    file: &SourceFile,
    model: &crate::model::Model,
    function: &str,
) -> io::Result<ExitStatus> {
    if args.format == Format::Iam {
        writeln!(
            out.stderr,
            "error: `--format iam` is an AWS policy document; a Knative function has no IAM role\nhelp: use `--format human` or `--format json`"
        )?;
        return Ok(ExitStatus::Error);
    }
    let grants = crate::targets::knative::grants(model, args.namespace.as_deref())
        .into_iter()
        .find(|(f, _)| f == function)
        .map(|(_, g)| g)
        .unwrap_or_default();
    if args.format == Format::Json {
        let value = json!({
            "function": function,
            "service_account": function,
            "grants": grants.iter().map(|(grant, cause)| json!({ "grant": grant, "why": why(file, cause) })).collect::<Vec<_>>(),
        });
        writeln!(
            out.stdout,
            "{}",
            serde_json::to_string_pretty(&value).expect("JSON")
        )?;
        return Ok(ExitStatus::Success);
    }
    writeln!(
        out.stdout,
        "function `{function}` (ServiceAccount `{function}` on Knative): {} grants",
        grants.len()
    )?;
    for (grant, cause) in &grants {
        let at = file.line_col(cause.span.start);
        writeln!(out.stdout)?;
        writeln!(out.stdout, "  {grant}")?;
        writeln!(
            out.stdout,
            "    why  {}:{}:{}: {}",
            file.name(),
            at.line,
            at.column,
            cause.why
        )?;
    }
    Ok(ExitStatus::Success)
}
