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
                MessageFormat::Human => {
                    use crate::diag::render::plural;
                    writeln!(
                        out.stdout,
                        "{}: app `{}` is valid: {}, {}, {}, {}, {}, {}",
                        file.name(),
                        model.app,
                        plural(model.functions.len(), "function"),
                        plural(model.gateways.len(), "gateway"),
                        plural(model.tables.len(), "table"),
                        plural(model.queues.len(), "queue"),
                        plural(model.topics.len(), "topic"),
                        plural(model.buckets.len(), "bucket"),
                    )?;
                }
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
