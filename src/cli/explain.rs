//! `updraft explain`: print the doc page of a diagnostic code or lint rule.

use std::io;

use super::{ExitStatus, Output};
use crate::diag::Code;

/// Explain a diagnostic code or lint rule: what it means, why it matters, an example, and
/// how to fix it. Takes a code (`UD4101`), its number (`4101`) or its name.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  updraft explain UD4101
  updraft explain wildcard-action
  updraft explain --list")]
pub struct Args {
    /// The code or rule name.
    #[arg(required_unless_present = "list", value_name = "CODE")]
    pub code: Option<String>,
    /// List every code with its name, default severity and summary.
    #[arg(long)]
    pub list: bool,
}

pub fn run(args: &Args, out: &mut Output<'_>) -> io::Result<ExitStatus> {
    if args.list {
        for code in Code::ALL {
            writeln!(
                out.stdout,
                "{}  {:<28} {:<8} {}",
                code.as_str(),
                code.name(),
                code.default_severity().as_str(),
                code.summary()
            )?;
        }
        return Ok(ExitStatus::Success);
    }
    let text = args.code.as_deref().unwrap_or_default();
    if let Some(code) = Code::parse(text) {
        write!(out.stdout, "{}", code.doc())?;
        writeln!(
            out.stdout,
            "\nDefault severity: {}.",
            code.default_severity().as_str()
        )?;
        Ok(ExitStatus::Success)
    } else {
        let names = Code::ALL.iter().map(|c| c.name());
        let hint = crate::diag::suggest(text, names)
            .map_or_else(String::new, |c| format!(" (did you mean `{c}`?)"));
        writeln!(
            out.stderr,
            "error: `{text}` is not a diagnostic code or rule name{hint}\nhelp: `updraft explain --list` lists them all"
        )?;
        Ok(ExitStatus::Error)
    }
}
