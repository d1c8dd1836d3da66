//! `updraft compile`: the spec to a target's files, written atomically under `--out`.

use std::io;
use std::path::{Component, Path, PathBuf};

use clap::ValueEnum;

use super::{ExitStatus, MessageFormat, Output, SpecArgs};
use crate::diag::{Code, Diagnostic};
use crate::targets::{self, Format, Input};

/// Compile a spec for a deployment engine. Files are written only under `--out`, each
/// atomically, and nothing at all is written when the spec or the target has an error.
/// The same spec gives the same bytes on every run and machine.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  updraft compile examples/photo-share/updraft.yaml --target cloudformation --out build/
  updraft compile --target cloudformation --format yaml --stage prod --out build/prod
  updraft compile --target cloudformation --out build/ --check    # CI: fail when build/ is stale

Exit status: 0 written (or up to date with --check), 1 --check found differences,
2 invalid spec, a construct the target cannot express, or usage.")]
pub struct Args {
    #[command(flatten)]
    pub spec: SpecArgs,
    /// The deployment engine.
    #[arg(long, value_enum)]
    pub target: TargetName,
    /// The folder to write into (created if missing). Without it, a single-file output is
    /// printed on stdout.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Serialization of document targets.
    #[arg(long, value_enum, default_value_t = OutputFormat::Json)]
    pub format: OutputFormat,
    /// Write nothing; exit 1 when the files under `--out` differ from what would be written.
    #[arg(long, requires = "out")]
    pub check: bool,
    /// CloudFormation: split into nested stacks when one template would exceed a budget
    /// (`auto`), always, or never.
    #[arg(long, value_enum, default_value_t = Split::Auto)]
    pub split: Split,
    /// Kubernetes namespace for the Knative target (default: the app's name).
    #[arg(long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
    pub message_format: MessageFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TargetName {
    /// AWS CloudFormation (one template).
    Cloudformation,
    /// Terraform for the hashicorp/aws provider (a folder of .tf files).
    Terraform,
    /// Knative Serving and Eventing manifests for any Kubernetes.
    Knative,
}

impl TargetName {
    fn key(self) -> &'static str {
        match self {
            TargetName::Cloudformation => "cloudformation",
            TargetName::Terraform => "terraform",
            TargetName::Knative => "knative",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Split {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Json,
    Yaml,
}

/// Whether a relative artifact path stays inside the output folder.
fn inside(path: &Path) -> bool {
    path.components().all(|c| matches!(c, Component::Normal(_)))
}

pub fn run(args: &Args, out: &mut Output<'_>) -> io::Result<ExitStatus> {
    let (file, mut model) = match args.spec.load() {
        Ok(loaded) => loaded,
        Err((file, diagnostics)) => {
            out.diagnostics(file.as_ref(), &diagnostics, args.message_format)?;
            return Ok(ExitStatus::Error);
        }
    };
    // Lambda runs handler code from a package; Knative runs images only (and says so).
    let packages = if args.target == TargetName::Knative {
        Vec::new()
    } else {
        match crate::package::attach_beside(&mut model, &args.spec.spec, args.out.as_deref()) {
            Ok(packages) => packages,
            Err(diagnostics) => {
                out.diagnostics(Some(&file), &diagnostics, args.message_format)?;
                return Ok(ExitStatus::Error);
            }
        }
    };
    let graph = crate::graph::Graph::build(&model);
    let policies = crate::access::aws_policies(&model);
    let input = Input {
        model: &model,
        graph: &graph,
        policies: &policies,
        format: match args.format {
            OutputFormat::Json => Format::Json,
            OutputFormat::Yaml => Format::Yaml,
        },
        namespace: args.namespace.as_deref(),
    };
    let target: Box<dyn targets::Target> = match args.target {
        TargetName::Cloudformation => Box::new(targets::cloudformation::CloudFormation {
            split: match args.split {
                Split::Auto => targets::cloudformation::SplitMode::Auto,
                Split::Always => targets::cloudformation::SplitMode::Always,
                Split::Never => targets::cloudformation::SplitMode::Never,
            },
        }),
        other => targets::by_name(other.key()).expect("every --target value has a backend"),
    };
    let mut output = match target.compile(&input) {
        Ok(output) => output,
        Err(diagnostics) => {
            out.diagnostics(Some(&file), &diagnostics, args.message_format)?;
            return Ok(ExitStatus::Error);
        }
    };
    // Warnings do not stop the compilation, but the user sees them.
    if !output.diagnostics.is_empty() {
        out.diagnostics(Some(&file), &output.diagnostics, args.message_format)?;
    }
    if let Some(bad) = output.artifacts.iter().find(|a| !inside(&a.path)) {
        let d = Diagnostic::new(
            Code::Internal,
            format!("refusing to write `{}` outside --out", bad.path.display()),
        )
        .with_help("this is a bug in updraft: please report it with the spec");
        out.diagnostics(Some(&file), &[d], args.message_format)?;
        return Ok(ExitStatus::Error);
    }
    let Some(dir) = &args.out else {
        // On stdout, the document alone: the packages need a folder (`--out`).
        if let [only] = output.artifacts.as_slice() {
            out.stdout.write_all(&only.bytes)?;
            return Ok(ExitStatus::Success);
        }
        writeln!(
            out.stderr,
            "error: the {} output is several files: pass --out DIR",
            target.name()
        )?;
        return Ok(ExitStatus::Error);
    };
    let package_count = packages.len();
    output
        .artifacts
        .extend(packages.into_iter().map(|p| targets::Artifact {
            path: p.path.into(),
            bytes: p.bytes,
        }));
    if args.check {
        let stale: Vec<String> = output
            .artifacts
            .iter()
            .filter(|a| {
                std::fs::read(dir.join(&a.path)).ok().as_deref() != Some(a.bytes.as_slice())
            })
            .map(|a| dir.join(&a.path).display().to_string())
            .collect();
        if stale.is_empty() {
            writeln!(out.stderr, "{}: up to date", dir.display())?;
            return Ok(ExitStatus::Success);
        }
        let d = Diagnostic::new(
            Code::OutputDiffers,
            format!(
                "{} file(s) differ from what would be written: {}",
                stale.len(),
                stale.join(", ")
            ),
        )
        .with_help("run the same command without --check and commit the result");
        out.diagnostics(Some(&file), &[d], args.message_format)?;
        return Ok(ExitStatus::Failure);
    }
    for artifact in &output.artifacts {
        let path = dir.join(&artifact.path);
        if let Err(err) = crate::emit::write_atomic(&path, &artifact.bytes) {
            let d = Diagnostic::new(
                Code::WriteFailed,
                format!("cannot write `{}`: {err}", path.display()),
            )
            .with_help("check that the folder is writable; files already written are complete");
            out.diagnostics(Some(&file), &[d], args.message_format)?;
            return Ok(ExitStatus::Error);
        }
    }
    remove_stale_packages(dir, &output.artifacts);
    for line in &output.summary {
        writeln!(
            out.stderr,
            "{} → {}",
            target.name(),
            dir.join(line).display()
        )?;
    }
    if package_count > 0 {
        writeln!(
            out.stderr,
            "{} → {}: {package_count} code package(s)",
            target.name(),
            dir.join(crate::package::FOLDER).display()
        )?;
        writeln!(
            out.stderr,
            "deploy: {}",
            deploy_hint(args, &model, dir, &output.artifacts)
        )?;
    }
    Ok(ExitStatus::Success)
}

/// Removes zips under `packages/` that the output no longer references (older code), so
/// the folder holds exactly what the templates name.
fn remove_stale_packages(dir: &Path, artifacts: &[targets::Artifact]) {
    let folder = dir.join(crate::package::FOLDER);
    let Ok(items) = std::fs::read_dir(&folder) else {
        return;
    };
    for item in items.flatten() {
        let name = Path::new(crate::package::FOLDER).join(item.file_name());
        let is_zip = name.extension().is_some_and(|e| e == "zip");
        if is_zip && !artifacts.iter().any(|a| a.path == name) {
            let _ = std::fs::remove_file(item.path());
        }
    }
}

/// The command that deploys what was just written (README, "Deploy"), with `BUCKET` for
/// the user's artifact bucket.
fn deploy_hint(
    args: &Args,
    model: &crate::model::Model,
    dir: &Path,
    artifacts: &[targets::Artifact],
) -> String {
    let d = dir.display();
    let stack = crate::targets::aws::prefix(model);
    if args.target == TargetName::Terraform {
        return format!("terraform -chdir={d} init && terraform -chdir={d} apply");
    }
    let template = artifacts
        .first()
        .map_or_else(String::new, |a| dir.join(&a.path).display().to_string());
    let sync = format!("aws s3 sync {d}/packages s3://BUCKET/updraft/{stack}/packages");
    if artifacts.iter().any(|a| a.path.starts_with("stacks")) {
        // Nested stacks: `package` uploads the child templates and rewrites their URLs.
        format!(
            "{sync} && \\\n  aws cloudformation package --template-file {template} --s3-bucket BUCKET --output-template-file {d}/packaged.yaml && \\\n  aws cloudformation deploy --template-file {d}/packaged.yaml --stack-name {stack} --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND --parameter-overrides ArtifactBucket=BUCKET"
        )
    } else {
        format!(
            "{sync} && \\\n  aws cloudformation deploy --template-file {template} --stack-name {stack} --capabilities CAPABILITY_IAM --parameter-overrides ArtifactBucket=BUCKET"
        )
    }
}
