//! The command line: one file per subcommand. `run` takes its writers as arguments so tests
//! run commands in-process; `main.rs` only maps the exit status.

mod check;
mod compile;
mod completions;
mod cost;
mod deployer_policy;
mod diff_access;
mod explain;
mod explain_access;
mod graph;
mod init;
mod lint;
mod lsp;
mod schema;

use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

use crate::diag::{self, Code, Diagnostic};
use crate::source::SourceFile;

/// How a command ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: done, nothing at or above the deny level.
    Success,
    /// 1: findings at or above the deny level, or `--check` found differences.
    Failure,
    /// 2: the input could not be read or is invalid, or a usage error.
    Error,
}

impl ExitStatus {
    #[must_use]
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Error => 2,
        }
    }
}

const AFTER_HELP: &str = "\
Exit status: 0 success, 1 lint findings at or above --deny (or `compile --check` differences),
2 invalid input or usage.

Examples:
  updraft check examples/photo-share/updraft.yaml
  updraft compile examples/photo-share/updraft.yaml --target cloudformation --out build/
  updraft lint --format sarif > updraft.sarif
  updraft explain UD4101";

#[derive(Debug, Parser)]
#[command(
    name = "updraft",
    version,
    about = "Compile one YAML spec of a serverless app into CloudFormation, Terraform or Knative, \
             with a least-privilege role for every function",
    after_help = AFTER_HELP,
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// When to colour human output.
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Check(check::Args),
    Compile(compile::Args),
    Lint(lint::Args),
    Graph(graph::Args),
    ExplainAccess(explain_access::Args),
    DiffAccess(diff_access::Args),
    Cost(cost::Args),
    DeployerPolicy(deployer_policy::Args),
    Schema(schema::Args),
    Explain(explain::Args),
    Init(init::Args),
    Completions(completions::Args),
    Lsp(lsp::Args),
    Man(completions::ManArgs),
}

/// Runs a parsed command line.
pub fn run(cli: &Cli, stdout: &mut dyn Write, stderr: &mut dyn Write) -> ExitStatus {
    let color = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let out = &mut Output {
        stdout,
        stderr,
        color,
    };
    let status = match &cli.command {
        Command::Check(args) => check::run(args, out),
        Command::Compile(args) => compile::run(args, out),
        Command::Lint(args) => lint::run(args, out),
        Command::Graph(args) => graph::run(args, out),
        Command::ExplainAccess(args) => explain_access::run(args, out),
        Command::DiffAccess(args) => diff_access::run(args, out),
        Command::Cost(args) => cost::run(args, out),
        Command::DeployerPolicy(args) => deployer_policy::run(args, out),
        Command::Schema(args) => schema::run(args, out),
        Command::Explain(args) => explain::run(args, out),
        Command::Init(args) => init::run(args, out),
        Command::Completions(args) => completions::run(args, out),
        Command::Lsp(args) => lsp::run(args, out),
        Command::Man(args) => completions::man(args, out),
    };
    match status {
        Ok(status) => status,
        // A reader that stops early (`| head`) is not an error of ours.
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => ExitStatus::Success,
        Err(err) => {
            let _ = writeln!(out.stderr, "error: {err}");
            ExitStatus::Error
        }
    }
}

/// Where a command writes, and whether human output is coloured.
pub struct Output<'a> {
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
    pub color: bool,
}

/// How diagnostics are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MessageFormat {
    /// rustc-style text with the spec's lines, on stderr.
    Human,
    /// One JSON document on stdout: code, severity, message, file, line, column, span, help.
    Json,
}

impl Output<'_> {
    /// Prints diagnostics in the chosen format: human on stderr, JSON on stdout.
    pub fn diagnostics(
        &mut self,
        file: Option<&SourceFile>,
        diagnostics: &[Diagnostic],
        format: MessageFormat,
    ) -> io::Result<()> {
        match format {
            MessageFormat::Human => {
                if !diagnostics.is_empty() {
                    write!(
                        self.stderr,
                        "{}",
                        diag::render::human(file, diagnostics, self.color)
                    )?;
                    writeln!(self.stderr, "{}", diag::render::summary(diagnostics))?;
                }
                Ok(())
            }
            MessageFormat::Json => write!(self.stdout, "{}", diag::render::json(file, diagnostics)),
        }
    }
}

/// The default spec path.
pub const DEFAULT_SPEC: &str = "updraft.yaml";

/// Reads a spec file, refusing what is too large before reading it.
///
/// # Errors
/// A diagnostic when the file is missing, unreadable, too large or not UTF-8.
pub fn read_spec(path: &Path, limits: crate::syntax::Limits) -> Result<SourceFile, Diagnostic> {
    if path == Path::new("-") {
        return read_stdin(limits);
    }
    let name = path.display().to_string();
    let unreadable = |err: &io::Error| {
        let help = match err.kind() {
            io::ErrorKind::NotFound => format!(
                "create it with `updraft init`, or pass the spec's path (default `{DEFAULT_SPEC}`)"
            ),
            _ => "check the path and its permissions".to_string(),
        };
        Diagnostic::new(Code::UnreadableFile, format!("cannot read `{name}`: {err}"))
            .with_help(help)
    };
    let file = std::fs::File::open(path).map_err(|e| unreadable(&e))?;
    let too_large = |size: u64| {
        Diagnostic::new(
            Code::InputOverBudget,
            format!(
                "`{name}` is {size} bytes, over the limit of {} bytes",
                limits.max_bytes
            ),
        )
        .with_help("a spec is a short description of an app; is this the right file?")
    };
    if let Ok(meta) = file.metadata() {
        if meta.is_dir() {
            return Err(
                Diagnostic::new(Code::UnreadableFile, format!("`{name}` is a directory"))
                    .with_help(format!(
                        "pass the spec file, for example `{name}/{DEFAULT_SPEC}`"
                    )),
            );
        }
        if meta.len() > limits.max_bytes as u64 {
            return Err(too_large(meta.len()));
        }
    }
    let mut bytes = Vec::new();
    file.take(limits.max_bytes as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| unreadable(&e))?;
    if bytes.len() > limits.max_bytes {
        return Err(too_large(bytes.len() as u64));
    }
    crate::syntax::decode(&name, bytes)
}

/// Reads a spec from standard input (`-`), under the same size limit as a file.
fn read_stdin(limits: crate::syntax::Limits) -> Result<SourceFile, Diagnostic> {
    let name = "<stdin>";
    let mut bytes = Vec::new();
    io::stdin()
        .lock()
        .take(limits.max_bytes as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| {
            Diagnostic::new(Code::UnreadableFile, format!("cannot read {name}: {err}"))
                .with_help("pipe the spec in, or pass its path")
        })?;
    if bytes.len() > limits.max_bytes {
        return Err(Diagnostic::new(
            Code::InputOverBudget,
            format!("{name} is over the limit of {} bytes", limits.max_bytes),
        )
        .with_help("a spec is a short description of an app; is this the right input?"));
    }
    crate::syntax::decode(name, bytes)
}

/// The spec argument shared by the commands that read one.
#[derive(Debug, clap::Args)]
pub struct SpecArgs {
    /// The spec file (`-`: standard input).
    #[arg(default_value = DEFAULT_SPEC, value_name = "SPEC")]
    pub spec: PathBuf,
    /// Apply the overrides of this stage (declared under `stages:`).
    #[arg(long, value_name = "STAGE")]
    pub stage: Option<String>,
}

impl SpecArgs {
    /// Reads and models the spec; on failure returns the file (if read) and the diagnostics.
    pub fn load(
        &self,
    ) -> Result<(SourceFile, crate::Compilation), (Option<SourceFile>, Vec<Diagnostic>)> {
        let options = crate::Options {
            stage: self.stage.clone(),
            ..crate::Options::default()
        };
        let file = read_spec(&self.spec, options.limits).map_err(|d| (None, vec![d]))?;
        match crate::Compilation::new(&file, &options) {
            Ok(compilation) => Ok((file, compilation)),
            Err(diagnostics) => Err((Some(file), diagnostics)),
        }
    }
}
