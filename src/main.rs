use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = updraft::cli::Cli::parse();
    let status = updraft::cli::run(
        &cli,
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    ExitCode::from(status.code())
}
