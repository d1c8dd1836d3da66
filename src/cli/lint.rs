//! `updraft lint`: permissions and serverless best practices, for people and for CI.

use std::io;

use clap::ValueEnum;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};

use super::{ExitStatus, Output, SpecArgs};
use crate::diag::{Diagnostic, Severity, render};
use crate::rules::Platform;
use crate::source::SourceFile;
use crate::targets::registry::{self, TARGETS};

/// Lint a spec: IAM (wildcards, escalation, unknown actions, policy size), reliability
/// (dead letters, timeouts, recursion, auth) and hygiene (log retention, public buckets,
/// backups, unused resources). Configure rules with the spec's `lint:` section; accept a
/// finding on one resource with `suppress: [{ rule, reason }]`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  updraft lint
  updraft lint examples/chatbot/updraft.yaml --stage prod --deny warning
  updraft lint --format sarif > updraft.sarif        # GitHub code scanning
  updraft lint --format github                       # annotations in a workflow log

Exit status: 0 no finding at or above --deny, 1 findings at or above it, 2 invalid spec or usage.")]
pub struct Args {
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// The lowest severity that fails the run (exit 1).
    #[arg(long, value_enum, default_value_t = DenyLevel::Error)]
    pub deny: DenyLevel,
    /// Lint for this target's limits (Knative allows 600 s timeouts, Lambda 900 s).
    #[arg(long, value_parser = platform_parser(), default_value = "aws")]
    pub target: Platform,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// rustc-style text on stderr.
    Human,
    /// One JSON document on stdout.
    Json,
    /// SARIF 2.1.0 on stdout, for code scanning.
    Sarif,
    /// GitHub Actions workflow annotations on stdout.
    Github,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DenyLevel {
    Note,
    Warning,
    Error,
}

/// `--target`'s values: `aws` (both AWS engines) and every target in the registry, each
/// mapped to the platform whose limits apply.
fn platform_parser() -> impl TypedValueParser<Value = Platform> {
    let values = std::iter::once(
        PossibleValue::new(AWS).help("CloudFormation and Terraform (AWS Lambda limits)"),
    )
    .chain(
        TARGETS
            .iter()
            .map(|t| PossibleValue::new(t.name).help(t.about)),
    );
    PossibleValuesParser::new(values)
        .map(|name| registry::find(&name).map_or(Platform::Aws, |t| t.platform))
}

/// The `--target` value for the AWS engines together.
const AWS: &str = "aws";

fn print(
    out: &mut Output<'_>,
    format: Format,
    file: Option<&SourceFile>,
    diagnostics: &[Diagnostic],
) -> io::Result<()> {
    match format {
        Format::Human => {
            if !diagnostics.is_empty() {
                write!(
                    out.stderr,
                    "{}",
                    render::human(file, diagnostics, out.color)
                )?;
            }
            Ok(())
        }
        Format::Json => write!(out.stdout, "{}", render::json(file, diagnostics)),
        Format::Sarif => write!(
            out.stdout,
            "{}",
            render::sarif(file, diagnostics, env!("CARGO_PKG_VERSION"))
        ),
        Format::Github => write!(out.stdout, "{}", render::github(file, diagnostics)),
    }
}

pub fn run(args: &Args, out: &mut Output<'_>) -> io::Result<ExitStatus> {
    let (file, compilation) = match args.spec.load() {
        Ok(loaded) => loaded,
        Err((file, diagnostics)) => {
            print(out, args.format, file.as_ref(), &diagnostics)?;
            if args.format == Format::Human {
                writeln!(out.stderr, "{}", render::summary(&diagnostics))?;
            }
            return Ok(ExitStatus::Error);
        }
    };
    let report = compilation.lint(args.target);
    let diagnostics = report.diagnostics();
    if args.format == Format::Human {
        // Grouped by rule, most severe first, then one line per rule and the totals.
        print(
            out,
            args.format,
            Some(&file),
            &render::by_rule(&diagnostics),
        )?;
        if !diagnostics.is_empty() {
            write!(out.stderr, "{}", render::rule_summary(&diagnostics))?;
        }
    } else {
        print(out, args.format, Some(&file), &diagnostics)?;
    }
    if args.format == Format::Human {
        let suppressed = match report.suppressed {
            0 => String::new(),
            n => format!(" ({n} suppressed)"),
        };
        writeln!(
            out.stderr,
            "{}: {}{suppressed}",
            file.name(),
            render::summary(&diagnostics)
        )?;
    }
    let deny = match args.deny {
        DenyLevel::Note => Severity::Note,
        DenyLevel::Warning => Severity::Warning,
        DenyLevel::Error => Severity::Error,
    };
    Ok(if diagnostics.iter().any(|d| d.severity >= deny) {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}
