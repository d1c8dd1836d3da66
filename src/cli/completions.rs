//! `updraft completions` and `updraft man`: shell completion scripts and the man page,
//! generated from the same command definitions as `--help`.

use std::io;

use clap::CommandFactory;
use clap_complete::Shell;

use super::{Cli, ExitStatus, Output};

/// Print a shell completion script.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  updraft completions bash > ~/.local/share/bash-completion/completions/updraft
  updraft completions zsh > ~/.zfunc/_updraft
  updraft completions fish > ~/.config/fish/completions/updraft.fish
  updraft completions powershell >> $PROFILE")]
pub struct Args {
    /// The shell.
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn run(args: &Args, out: &mut Output<'_>) -> io::Result<ExitStatus> {
    let mut command = Cli::command();
    // Into memory first: the generator panics on a write error (a closed pipe).
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "updraft", &mut script);
    out.stdout.write_all(&script)?;
    Ok(ExitStatus::Success)
}

/// Print the man page (roff) of updraft and its commands.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  updraft man > updraft.1 && man ./updraft.1
  updraft man | gzip > /usr/local/share/man/man1/updraft.1.gz")]
pub struct ManArgs {}

pub fn man(_: &ManArgs, out: &mut Output<'_>) -> io::Result<ExitStatus> {
    let command = Cli::command();
    clap_mangen::Man::new(command.clone()).render(out.stdout)?;
    // One section per command, each with its options, as `--help` prints them.
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = sub.get_name();
        if name == "help" {
            continue;
        }
        writeln!(out.stdout, ".SH \"UPDRAFT {}\"", name.to_uppercase())?;
        let help = sub.clone().render_long_help().to_string();
        for line in help.lines() {
            // roff: a line starting with `.` or `'` is a request; escape it, and backslashes.
            let line = line.replace('\\', "\\e");
            if line.starts_with('.') || line.starts_with('\'') {
                writeln!(out.stdout, "\\&{line}")?;
            } else {
                writeln!(out.stdout, "{line}")?;
            }
        }
        writeln!(out.stdout, ".PP")?;
    }
    Ok(ExitStatus::Success)
}
