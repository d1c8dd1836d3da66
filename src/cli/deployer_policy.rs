//! `updraft deployer-policy`: the IAM policy a CI principal needs to deploy, update and tear
//! down exactly this app with one engine.

use std::io;

use clap::ValueEnum;
use serde_json::json;

use super::{ExitStatus, MessageFormat, Output, SpecArgs};
use crate::access::deployer::{self, Engine, Options};
use crate::targets::plan::Plan;

/// Print the IAM policy that the principal deploying this app needs (a CI job's role or
/// user): per kind of resource the app creates, the actions to create, read, update, tag and
/// delete it, scoped to the app's names (stage included) and to the stack (CloudFormation)
/// or the state (Terraform with `--state`); `iam:PassRole` only for the app's roles, only to
/// the service that assumes each. Actions AWS grants on nothing narrower than "*" are in
/// statements of their own, each with its reason (`--format json`).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  updraft deployer-policy examples/photo-share/updraft.yaml --target terraform \\
    --region eu-west-1 --account 123456789012 > deployer.json
  updraft deployer-policy --target cloudformation --stage prod --artifact-bucket my-artifacts
  updraft deployer-policy --target terraform --format json | jq '.statements[] | {sid, why}'

The rows (actions per kind of resource, with the reason for each) are in
targets/aws/deployer.yaml. Region and account default to `*`: pin them for production.
Exit status: 0 printed, 2 invalid spec or usage.")]
pub struct Args {
    #[command(flatten)]
    pub spec: SpecArgs,
    /// The engine that deploys.
    #[arg(long, value_enum)]
    pub target: EngineArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Iam)]
    pub format: Format,
    /// Region in ARNs.
    #[arg(long, default_value = "*")]
    pub region: String,
    /// Account id in ARNs.
    #[arg(long, default_value = "*")]
    pub account: String,
    /// Partition in ARNs (`aws-cn`, `aws-us-gov`).
    #[arg(long, default_value = "aws")]
    pub partition: String,
    /// CloudFormation: the stack's name [default: `<app>[-<stage>]`].
    #[arg(long, value_name = "NAME")]
    pub stack_name: Option<String>,
    /// The bucket the code packages are uploaded to: CloudFormation's `ArtifactBucket`
    /// [default: any bucket, under the app's artifact prefix only]; Terraform reads packages
    /// from beside the module unless this names the bucket they are kept in.
    #[arg(long, value_name = "BUCKET")]
    pub artifact_bucket: Option<String>,
    /// Terraform: the S3 backend's state, `s3://BUCKET/KEY`.
    #[arg(long, value_name = "S3_URL")]
    pub state: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EngineArg {
    Cloudformation,
    Terraform,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The IAM policy document (AWS JSON).
    Iam,
    /// The statements, each with the reason it exists, and the document.
    Json,
}

pub fn run(args: &Args, out: &mut Output<'_>) -> io::Result<ExitStatus> {
    let engine = match args.target {
        EngineArg::Cloudformation => Engine::Cloudformation,
        EngineArg::Terraform => Engine::Terraform,
    };
    let state = match &args.state {
        None => None,
        Some(url) => {
            let split = url
                .strip_prefix("s3://")
                .and_then(|rest| rest.split_once('/'))
                .filter(|(b, k)| !b.is_empty() && !k.is_empty());
            match split {
                Some(_) if engine != Engine::Terraform => {
                    writeln!(
                        out.stderr,
                        "error: --state is for --target terraform (a CloudFormation stack keeps its own state)"
                    )?;
                    return Ok(ExitStatus::Error);
                }
                Some((b, k)) => Some((b.to_string(), k.to_string())),
                None => {
                    writeln!(
                        out.stderr,
                        "error: --state `{url}` is not `s3://BUCKET/KEY`\nhelp: the bucket and key of the S3 backend's state, for example s3://my-state/photo-share.tfstate"
                    )?;
                    return Ok(ExitStatus::Error);
                }
            }
        }
    };
    if args.stack_name.is_some() && engine != Engine::Cloudformation {
        writeln!(
            out.stderr,
            "error: --stack-name is for --target cloudformation"
        )?;
        return Ok(ExitStatus::Error);
    }
    let (file, compilation) = match args.spec.load() {
        Ok(loaded) => loaded,
        Err((file, diagnostics)) => {
            out.diagnostics(file.as_ref(), &diagnostics, MessageFormat::Human)?;
            return Ok(ExitStatus::Error);
        }
    };
    let plan = Plan::new(compilation.model(), compilation.policies());
    if !plan.refusals.is_empty() {
        let name = match engine {
            Engine::Cloudformation => "CloudFormation",
            Engine::Terraform => "Terraform",
        };
        let diagnostics: Vec<_> = plan.refusals.iter().map(|r| r.diagnostic(name)).collect();
        out.diagnostics(Some(&file), &diagnostics, MessageFormat::Human)?;
        return Ok(ExitStatus::Error);
    }
    let options = Options {
        engine,
        partition: args.partition.clone(),
        region: args.region.clone(),
        account: args.account.clone(),
        stack: args.stack_name.clone(),
        artifact_bucket: args.artifact_bucket.clone(),
        state,
    };
    let statements = deployer::statements(&plan, &options);
    let document = deployer::document(&statements);
    let value = match args.format {
        Format::Iam => document,
        Format::Json => json!({
            "target": match engine { Engine::Cloudformation => "cloudformation", Engine::Terraform => "terraform" },
            "statements": statements.iter().map(|s| json!({
                "sid": s.sid,
                "why": s.why,
                "actions": s.actions,
                "resources": s.resources,
                "condition": s.condition,
            })).collect::<Vec<_>>(),
            "policy": document,
        }),
    };
    let mut text = serde_json::to_string_pretty(&value).expect("JSON");
    text.push('\n');
    out.stdout.write_all(text.as_bytes())?;
    Ok(ExitStatus::Success)
}
