#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = updraft::cli::Cli::parse();
    // Unlocked handles: each write takes the lock, so `updraft lsp`'s writer thread can
    // write to stdout too (holding the lock here for the whole run deadlocked it).
    let status = updraft::cli::run(&cli, &mut std::io::stdout(), &mut std::io::stderr());
    ExitCode::from(status.code())
}
