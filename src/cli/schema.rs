//! `updraft schema`: print or write the spec's JSON Schema.

use std::io;
use std::path::PathBuf;

use super::{ExitStatus, Output};

/// Print the JSON Schema (draft-07) of updraft.yaml, the one `schemas/updraft.schema.json`
/// holds. Editors use it for completion and hover docs through the modeline
/// `# yaml-language-server: $schema=<path or URL>`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  updraft schema > updraft.schema.json
  updraft schema --out .vscode/updraft.schema.json")]
pub struct Args {
    /// Write the schema to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub fn run(args: &Args, out: &mut Output<'_>) -> io::Result<ExitStatus> {
    let schema = crate::schema::generate();
    match &args.out {
        Some(path) => {
            crate::emit::write_atomic(path, schema.as_bytes())?;
            writeln!(out.stderr, "wrote {}", path.display())?;
        }
        None => out.stdout.write_all(schema.as_bytes())?,
    }
    Ok(ExitStatus::Success)
}
