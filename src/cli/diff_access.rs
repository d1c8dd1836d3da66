//! `updraft diff-access`: what a change to the spec does to access, for reviewers and CI.

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use serde_json::json;

use super::{ExitStatus, MessageFormat, Output};
use crate::Compilation;
use crate::access::diff::{Change, Side, diff};
use crate::diag::{Code, Diagnostic, render};
use crate::source::SourceFile;

/// Compare the access of two versions of a spec: the permissions each function's role gains
/// and loses (each with the spec line that causes it), routes made public or given auth,
/// buckets made public, wildcards, dropped dead letters. Exit 1 when access widens.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  updraft diff-access old/updraft.yaml updraft.yaml
  updraft diff-access --base origin/main updraft.yaml            # a pull request against its base
  updraft diff-access --base origin/main --format markdown > access.md
  updraft diff-access --base origin/main --format sarif > access.sarif

Exit status: 0 nothing at or above --fail-on, 1 access widens (or any change, with
--fail-on any), 2 invalid spec, git error or usage.")]
pub struct Args {
    /// OLD NEW, or only NEW with `--base`.
    #[arg(value_name = "SPEC", num_args = 1..=2, required = true)]
    pub specs: Vec<PathBuf>,
    /// Read OLD from git at this revision (`git show REV:NEW`).
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
    /// Apply the overrides of this stage to both versions.
    #[arg(long, value_name = "STAGE")]
    pub stage: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Which changes fail the run (exit 1).
    #[arg(long, value_enum, default_value_t = FailOn::Widen)]
    pub fail_on: FailOn,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Text on stdout.
    Human,
    /// One JSON document on stdout.
    Json,
    /// SARIF 2.1.0: a result on each line of the new spec that widens access.
    Sarif,
    /// A Markdown summary for a pull-request comment.
    Markdown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Any change that grants more than before.
    Widen,
    /// Any change at all.
    Any,
    /// Never: report only.
    Never,
}

/// A version of the spec: its text and its compilation.
struct Version {
    file: SourceFile,
    compilation: Compilation,
}

fn options(stage: Option<&String>) -> crate::Options {
    crate::Options {
        stage: stage.cloned(),
        ..crate::Options::default()
    }
}

/// Reads OLD from git: `git show REV:./NAME`, run in NEW's folder.
fn from_git(rev: &str, new: &Path) -> Result<SourceFile, Diagnostic> {
    let folder = match new.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = new.file_name().map_or_else(
        || "updraft.yaml".into(),
        |n| n.to_string_lossy().into_owned(),
    );
    let object = format!("{rev}:./{name}");
    let failed = |why: String| {
        Diagnostic::new(
            Code::UnreadableFile,
            format!("cannot read `{object}` from git: {why}"),
        )
        .with_help("check the revision (`git log`), and that the spec existed there")
    };
    let output = std::process::Command::new("git")
        .arg("show")
        .arg(&object)
        .current_dir(folder)
        .output()
        .map_err(|e| failed(e.to_string()))?;
    if !output.status.success() {
        return Err(failed(
            String::from_utf8_lossy(&output.stderr).trim().to_string(),
        ));
    }
    let limits = crate::syntax::Limits::default();
    if output.stdout.len() > limits.max_bytes {
        return Err(failed(format!(
            "{} bytes, over the limit of {}",
            output.stdout.len(),
            limits.max_bytes
        )));
    }
    crate::syntax::decode(&object, output.stdout)
}

fn load(
    file: Result<SourceFile, Diagnostic>,
    args: &Args,
    out: &mut Output<'_>,
) -> io::Result<Option<Version>> {
    let file = match file {
        Ok(file) => file,
        Err(d) => {
            out.diagnostics(None, &[d], MessageFormat::Human)?;
            return Ok(None);
        }
    };
    match Compilation::new(&file, &options(args.stage.as_ref())) {
        Ok(compilation) => Ok(Some(Version { file, compilation })),
        Err(diagnostics) => {
            out.diagnostics(Some(&file), &diagnostics, MessageFormat::Human)?;
            Ok(None)
        }
    }
}

pub fn run(args: &Args, out: &mut Output<'_>) -> io::Result<ExitStatus> {
    let limits = crate::syntax::Limits::default();
    let (old_file, new_path) = match (&args.base, args.specs.as_slice()) {
        (Some(rev), [new]) => (from_git(rev, new), new),
        (None, [old, new]) => (super::read_spec(old, limits), new),
        (Some(_), _) => {
            writeln!(out.stderr, "error: with --base, give only the new spec")?;
            return Ok(ExitStatus::Error);
        }
        (None, _) => {
            writeln!(
                out.stderr,
                "error: give the old and the new spec, or --base REV and the new spec"
            )?;
            return Ok(ExitStatus::Error);
        }
    };
    let old = load(old_file, args, out)?;
    let new = load(super::read_spec(new_path, limits), args, out)?;
    let (Some(old), Some(new)) = (old, new) else {
        return Ok(ExitStatus::Error);
    };
    let changes = diff(
        old.compilation.model(),
        old.compilation.policies(),
        new.compilation.model(),
        new.compilation.policies(),
    );
    let text = match args.format {
        Format::Human => human(&old, &new, &changes),
        Format::Json => json(&old, &new, &changes),
        Format::Sarif => render::sarif(
            Some(&new.file),
            &widening_diagnostics(&changes),
            env!("CARGO_PKG_VERSION"),
        ),
        Format::Markdown => markdown(&old, &new, &changes),
    };
    out.stdout.write_all(text.as_bytes())?;
    let fails = match args.fail_on {
        FailOn::Widen => changes.iter().any(|c| c.kind.widens()),
        FailOn::Any => !changes.is_empty(),
        FailOn::Never => false,
    };
    Ok(if fails {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

fn file<'a>(old: &'a Version, new: &'a Version, side: Side) -> &'a SourceFile {
    match side {
        Side::Old => &old.file,
        Side::New => &new.file,
    }
}

fn sign(c: &Change) -> char {
    if c.kind.widens() { '+' } else { '-' }
}

fn summary(changes: &[Change]) -> String {
    let widen = changes.iter().filter(|c| c.kind.widens()).count();
    let other = changes.len() - widen;
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    match (widen, other) {
        (0, 0) => "access unchanged".into(),
        (0, n) => format!("access narrows: {n} change{}", plural(n)),
        (w, n) => format!(
            "access widens: {w} change{} widen, {n} other{}",
            plural(w),
            plural(n)
        ),
    }
}

fn human(old: &Version, new: &Version, changes: &[Change]) -> String {
    let mut text = String::new();
    let mut subject = None;
    for c in changes {
        if subject != Some(&c.subject) {
            let _ = writeln!(text, "{}", c.subject);
            subject = Some(&c.subject);
        }
        let _ = writeln!(text, "  {} [{}] {}", sign(c), c.kind.as_str(), c.what);
        let f = file(old, new, c.side);
        for cause in &c.causes {
            let at = f.line_col(cause.span.start);
            let _ = writeln!(
                text,
                "      because {} ({}:{}:{})",
                cause.why,
                f.name(),
                at.line,
                at.column
            );
        }
    }
    let _ = writeln!(text, "{}", summary(changes));
    text
}

fn json(old: &Version, new: &Version, changes: &[Change]) -> String {
    let items: Vec<serde_json::Value> = changes
        .iter()
        .map(|c| {
            let f = file(old, new, c.side);
            json!({
                "subject": c.subject,
                "kind": c.kind.as_str(),
                "widens": c.kind.widens(),
                "what": c.what,
                "because": c.causes.iter().map(|cause| {
                    let at = f.line_col(cause.span.start);
                    json!({ "file": f.name(), "line": at.line, "column": at.column, "why": cause.why })
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    let value = json!({
        "old": old.file.name(),
        "new": new.file.name(),
        "widens": changes.iter().any(|c| c.kind.widens()),
        "summary": summary(changes),
        "changes": items,
    });
    let mut text = serde_json::to_string_pretty(&value).expect("JSON");
    text.push('\n');
    text
}

/// One warning per cause of each widening change, on the new spec's line.
fn widening_diagnostics(changes: &[Change]) -> Vec<Diagnostic> {
    changes
        .iter()
        .filter(|c| c.kind.widens())
        .flat_map(|c| {
            c.causes.iter().map(move |cause| {
                Diagnostic::new(
                    Code::AccessWidens,
                    format!("{}: {} ({})", c.subject, c.what, c.kind.as_str()),
                )
                .with_label(cause.span, cause.why.clone())
                .with_help("review that this access is intended before merging")
            })
        })
        .collect()
}

fn markdown(old: &Version, new: &Version, changes: &[Change]) -> String {
    let mut text = format!("### updraft diff-access: {}\n\n", summary(changes));
    if changes.is_empty() {
        return text;
    }
    text.push_str("| | subject | change | because |\n| --- | --- | --- | --- |\n");
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    for c in changes {
        let f = file(old, new, c.side);
        let because: Vec<String> = c
            .causes
            .iter()
            .map(|cause| {
                let at = f.line_col(cause.span.start);
                format!("{} (`{}:{}`)", cell(&cause.why), cell(f.name()), at.line)
            })
            .collect();
        let _ = writeln!(
            text,
            "| {} {} | `{}` | {} | {} |",
            if c.kind.widens() { "widens" } else { "narrows" },
            c.kind.as_str(),
            cell(&c.subject),
            cell(&c.what),
            because.join("<br>")
        );
    }
    text
}
