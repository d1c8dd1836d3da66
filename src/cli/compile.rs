//! `updraft compile`: the spec to a target's files, written all or nothing under `--out`.

use std::io;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};

use super::{ExitStatus, MessageFormat, Output, SpecArgs};
use crate::diag::{Code, Diagnostic};
use crate::emit::folder;
use crate::targets::Format;
use crate::targets::cloudformation::SplitMode;
use crate::targets::registry::{self, Entry, Settings, TARGETS};

/// Compile a spec for a deployment engine. Files are written only under `--out`, all or
/// nothing: each to a temporary, swapped in only when every one is written. updraft lists
/// what it wrote in `.updraft-manifest` and removes those files when it no longer emits them;
/// nothing else in the folder is touched. Nothing at all is written when the spec or the
/// target has an error. The same spec gives the same bytes on every run and machine.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  updraft compile examples/photo-share/updraft.yaml --target cloudformation --out build/
  updraft compile --target cloudformation --format yaml --stage prod --out build/prod
  updraft compile --target cloudformation --out build/ --check    # CI: fail when build/ is stale
  updraft compile --target terraform --provider 6 --out build/tf  # hashicorp/aws 6.x

Exit status: 0 written (or up to date with --check), 1 --check found differences,
2 invalid spec, a construct the target cannot express, or usage.")]
pub struct Args {
    #[command(flatten)]
    pub spec: SpecArgs,
    /// The deployment engine.
    #[arg(long, value_parser = target_parser())]
    pub target: TargetArg,
    /// The folder to write into (created if missing). Without it, a single-file output is
    /// printed on stdout.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// CloudFormation: serialization of the templates [default: json].
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// Write nothing; exit 1 when the files under `--out` differ from what would be written.
    #[arg(long, requires = "out")]
    pub check: bool,
    /// CloudFormation: split into nested stacks when one template would exceed a budget
    /// (`auto`), always, or never [default: auto].
    #[arg(long, value_enum)]
    pub split: Option<Split>,
    /// Knative: the Kubernetes namespace [default: the app's name].
    #[arg(long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// Knative: the image registry that `handler` functions are built into, as
    /// `REGISTRY/<app>-<function>:<hash of the code>` (for example `ghcr.io/acme`).
    #[arg(long, value_name = "REGISTRY")]
    pub registry: Option<String>,
    /// Knative: the AWS region of the buckets and tables whose events reach the functions
    /// through IntegrationSources (for example `eu-west-1`).
    #[arg(long, value_name = "REGION")]
    pub aws_region: Option<String>,
    /// Knative: the service mesh that enforces JWT auth on routes (Istio
    /// RequestAuthentication and AuthorizationPolicy).
    #[arg(long, value_enum)]
    pub mesh: Option<MeshArg>,
    /// Terraform: the major version of the hashicorp/aws provider to write for: 5 (`~> 5.0`,
    /// validated by this project's tests) or 6 (`~> 6.27`, which knows `nodejs24.x`,
    /// `python3.14`, `java25` and `dotnet10`) [default: 5].
    #[arg(long, value_enum)]
    pub provider: Option<ProviderArg>,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
    pub message_format: MessageFormat,
}

/// A target from the registry, as `--target` names it.
#[derive(Clone, Copy)]
pub struct TargetArg(pub &'static Entry);

impl std::fmt::Debug for TargetArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.name)
    }
}

/// `--target`'s values and their help, from the registry.
fn target_parser() -> impl TypedValueParser<Value = TargetArg> {
    PossibleValuesParser::new(
        TARGETS
            .iter()
            .map(|t| PossibleValue::new(t.name).help(t.about)),
    )
    .map(|name| TargetArg(registry::find(&name).expect("offered by the registry")))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Split {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MeshArg {
    Istio,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ProviderArg {
    #[value(name = "5")]
    V5,
    #[value(name = "6")]
    V6,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Json,
    Yaml,
}

impl Args {
    /// The target options given on the command line.
    fn settings(&self) -> Settings {
        Settings {
            format: self.format.map(|f| match f {
                OutputFormat::Json => Format::Json,
                OutputFormat::Yaml => Format::Yaml,
            }),
            split: self.split.map(|s| match s {
                Split::Auto => SplitMode::Auto,
                Split::Always => SplitMode::Always,
                Split::Never => SplitMode::Never,
            }),
            namespace: self.namespace.clone(),
            registry: self.registry.clone(),
            aws_region: self.aws_region.clone(),
            mesh: self.mesh.map(|m| match m {
                MeshArg::Istio => crate::targets::knative::mesh::Mesh::Istio,
            }),
            provider: self.provider.map(|p| match p {
                ProviderArg::V5 => crate::targets::terraform::Provider::V5,
                ProviderArg::V6 => crate::targets::terraform::Provider::V6,
            }),
            spec_dir: Some(match self.spec.spec.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
                _ => PathBuf::from("."),
            }),
        }
    }
}

pub fn run(args: &Args, out: &mut Output<'_>) -> io::Result<ExitStatus> {
    let (file, mut compilation) = match args.spec.load() {
        Ok(loaded) => loaded,
        Err((file, diagnostics)) => {
            out.diagnostics(file.as_ref(), &diagnostics, args.message_format)?;
            return Ok(ExitStatus::Error);
        }
    };
    // Lambda runs handler code from a package; Knative runs images only (and says so).
    let packages = if args.target.0.platform == crate::rules::Platform::Aws {
        match compilation.package(&args.spec.spec, args.out.as_deref()) {
            Ok(packages) => packages,
            Err(diagnostics) => {
                out.diagnostics(Some(&file), &diagnostics, args.message_format)?;
                return Ok(ExitStatus::Error);
            }
        }
    } else {
        Vec::new()
    };
    let target = match args.target.0.backend(&args.settings()) {
        Ok(target) => target,
        Err(diagnostics) => {
            out.diagnostics(Some(&file), &diagnostics, args.message_format)?;
            return Ok(ExitStatus::Error);
        }
    };
    let mut output = match compilation.compile(target.as_ref()) {
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
    if let Some(bad) = output.artifacts.iter().find(|a| !folder::inside(&a.path)) {
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
        .extend(packages.into_iter().map(|p| crate::targets::Artifact {
            path: p.path.into(),
            bytes: p.bytes,
        }));
    let items: Vec<folder::Item<'_>> = output
        .artifacts
        .iter()
        .map(|a| folder::Item {
            path: &a.path,
            bytes: &a.bytes,
        })
        .collect();
    if args.check {
        let stale = match folder::differences(dir, &items) {
            Ok(stale) => stale,
            Err(err) => {
                let d = Diagnostic::new(Code::WriteFailed, format!("cannot read {err}"))
                    .with_help("check that the folder is readable");
                out.diagnostics(Some(&file), &[d], args.message_format)?;
                return Ok(ExitStatus::Error);
            }
        };
        if stale.is_empty() {
            writeln!(out.stderr, "{}: up to date", dir.display())?;
            return Ok(ExitStatus::Success);
        }
        let names: Vec<String> = stale.iter().map(|p| p.display().to_string()).collect();
        let d = Diagnostic::new(
            Code::OutputDiffers,
            format!(
                "{} file(s) differ from what would be written, or would be removed: {}",
                names.len(),
                names.join(", ")
            ),
        )
        .with_help("run the same command without --check and commit the result");
        out.diagnostics(Some(&file), &[d], args.message_format)?;
        return Ok(ExitStatus::Failure);
    }
    if let Err(err) = folder::write(dir, &items) {
        let d = Diagnostic::new(Code::WriteFailed, format!("cannot write {err}")).with_help(
            "check that the folder is writable; updraft wrote all of its files or none of them",
        );
        out.diagnostics(Some(&file), &[d], args.message_format)?;
        return Ok(ExitStatus::Error);
    }
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
            deploy_hint(args, compilation.model(), dir, &output.artifacts)
        )?;
    }
    Ok(ExitStatus::Success)
}

/// The command that deploys what was just written (README, "Deploy"), with `BUCKET` for
/// the user's artifact bucket.
fn deploy_hint(
    args: &Args,
    model: &crate::model::Model,
    dir: &Path,
    artifacts: &[crate::targets::Artifact],
) -> String {
    let d = dir.display();
    let stack = crate::targets::aws::prefix(model);
    // Params without a value: the deployment needs one.
    let required: Vec<&str> = model
        .params
        .iter()
        .filter(|p| p.default.is_none())
        .map(|p| p.name.as_str())
        .collect();
    if args.target.0.name == "terraform" {
        let vars: Vec<String> = required
            .iter()
            .map(|p| format!(" -var {p}=VALUE"))
            .collect();
        return format!(
            "terraform -chdir={d} init && terraform -chdir={d} apply{}",
            vars.concat()
        );
    }
    let overrides = required
        .iter()
        .map(|p| format!(" {p}=VALUE"))
        .collect::<Vec<_>>()
        .concat();
    let template = artifacts
        .first()
        .map_or_else(String::new, |a| dir.join(&a.path).display().to_string());
    let sync = format!("aws s3 sync {d}/packages s3://BUCKET/updraft/{stack}/packages");
    if artifacts.iter().any(|a| a.path.starts_with("stacks")) {
        // Nested stacks: `package` uploads the child templates and rewrites their URLs.
        format!(
            "{sync} && \\\n  aws cloudformation package --template-file {template} --s3-bucket BUCKET --output-template-file {d}/packaged.yaml && \\\n  aws cloudformation deploy --template-file {d}/packaged.yaml --stack-name {stack} --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND --parameter-overrides ArtifactBucket=BUCKET{overrides}"
        )
    } else {
        format!(
            "{sync} && \\\n  aws cloudformation deploy --template-file {template} --stack-name {stack} --capabilities CAPABILITY_IAM --parameter-overrides ArtifactBucket=BUCKET{overrides}"
        )
    }
}
