//! `updraft graph`: draw the app's dependency graph.

use std::io;

use clap::ValueEnum;

use super::{ExitStatus, MessageFormat, Output, SpecArgs};

/// Draw the app graph: functions, data stores, triggers, and the access level on every edge.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  updraft graph | dot -Tsvg > app.svg
  updraft graph examples/photo-share/updraft.yaml --format mermaid >> README.md")]
pub struct Args {
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Graphviz DOT or a Mermaid flowchart.
    #[arg(long, value_enum, default_value_t = Format::Dot)]
    pub format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Dot,
    Mermaid,
}

pub fn run(args: &Args, out: &mut Output<'_>) -> io::Result<ExitStatus> {
    let (_, compilation) = match args.spec.load() {
        Ok(loaded) => loaded,
        Err((file, diagnostics)) => {
            out.diagnostics(file.as_ref(), &diagnostics, MessageFormat::Human)?;
            return Ok(ExitStatus::Error);
        }
    };
    let graph = compilation.graph();
    let text = match args.format {
        Format::Dot => crate::graph::dot(graph, &compilation.model().app),
        Format::Mermaid => crate::graph::mermaid(graph),
    };
    out.stdout.write_all(text.as_bytes())?;
    Ok(ExitStatus::Success)
}
