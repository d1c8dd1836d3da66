//! `updraft check`: read and validate a spec, report every problem.

use std::io;

use super::{ExitStatus, MessageFormat, Output, SpecArgs};

/// Check a spec: YAML, keys, types, values, names and references, and that each
/// function's code and handler file are there. Reports every problem with its line and
/// column; writes nothing.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  updraft check                                  # ./updraft.yaml
  updraft check examples/chatbot/updraft.yaml --stage prod
  updraft check --message-format json | jq '.diagnostics[].code'

Exit status: 0 valid, 2 invalid (or unreadable).")]
pub struct Args {
    #[command(flatten)]
    pub spec: SpecArgs,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
    pub message_format: MessageFormat,
}

pub fn run(args: &Args, out: &mut Output<'_>) -> io::Result<ExitStatus> {
    let loaded = args.spec.load().and_then(|(file, mut compilation)| {
        // The code each function runs must be there too (`compile` packages it).
        match compilation.package(&args.spec.spec, None) {
            Ok(_) => Ok((file, compilation)),
            Err(diagnostics) => Err((Some(file), diagnostics)),
        }
    });
    match loaded {
        Ok((file, compilation)) => {
            let model = compilation.model();
            match args.message_format {
                MessageFormat::Human => writeln!(
                    out.stdout,
                    "{}: app `{}` is valid: {} functions, {} gateways, {} tables, {} queues, {} topics, {} buckets",
                    file.name(),
                    model.app,
                    model.functions.len(),
                    model.gateways.len(),
                    model.tables.len(),
                    model.queues.len(),
                    model.topics.len(),
                    model.buckets.len(),
                )?,
                MessageFormat::Json => out.diagnostics(Some(&file), &[], MessageFormat::Json)?,
            }
            Ok(ExitStatus::Success)
        }
        Err((file, diagnostics)) => {
            out.diagnostics(file.as_ref(), &diagnostics, args.message_format)?;
            Ok(ExitStatus::Error)
        }
    }
}
