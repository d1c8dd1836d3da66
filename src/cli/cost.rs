//! `updraft cost`: a monthly estimate from the spec and a traffic file.

use std::fmt::Write as _;
use std::io;
use std::path::PathBuf;

use clap::ValueEnum;
use serde_json::json;

use super::{ExitStatus, MessageFormat, Output, SpecArgs};
use crate::cost::{self, Estimate, cents};

/// Estimate what the app costs a month on AWS: Lambda requests and GB-seconds (per
/// architecture), provisioned concurrency, HTTP API requests, DynamoDB, SQS, SNS, S3,
/// CloudWatch Logs under the spec's retention, X-Ray. The spec says what runs; the traffic
/// file says how much. `--init` prints a starter traffic file for the spec.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  updraft cost examples/photo-share/updraft.yaml --init > traffic.yaml
  updraft cost examples/photo-share/updraft.yaml --traffic traffic.yaml
  updraft cost --traffic traffic.yaml --stage prod --format json | jq .total_usd_per_month

Prices: targets/aws/prices.yaml (us-east-1 list prices, with the date and source of each row).
Exit status: 0 estimated, 2 invalid spec or traffic file, or usage.")]
pub struct Args {
    #[command(flatten)]
    pub spec: SpecArgs,
    /// The traffic file (YAML): how much each function, route, table, queue, topic and bucket
    /// is used in a month.
    #[arg(long, value_name = "TRAFFIC", required_unless_present = "init")]
    pub traffic: Option<PathBuf>,
    /// Print a commented starter traffic file for this spec instead.
    #[arg(long, conflicts_with = "traffic")]
    pub init: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table on stdout.
    Human,
    /// One JSON document on stdout, with `total_usd_per_month`.
    Json,
}

pub fn run(args: &Args, out: &mut Output<'_>) -> io::Result<ExitStatus> {
    let (_, compilation) = match args.spec.load() {
        Ok(loaded) => loaded,
        Err((file, diagnostics)) => {
            out.diagnostics(file.as_ref(), &diagnostics, MessageFormat::Human)?;
            return Ok(ExitStatus::Error);
        }
    };
    let model = compilation.model();
    if args.init {
        out.stdout.write_all(cost::starter(model).as_bytes())?;
        return Ok(ExitStatus::Success);
    }
    let path = args
        .traffic
        .as_ref()
        .expect("clap requires --traffic without --init");
    let file = match super::read_spec(path, crate::syntax::Limits::default()) {
        Ok(file) => file,
        Err(d) => {
            out.diagnostics(None, &[d], MessageFormat::Human)?;
            return Ok(ExitStatus::Error);
        }
    };
    let traffic = match cost::read_traffic(&file, model) {
        Ok(traffic) => traffic,
        Err(diagnostics) => {
            out.diagnostics(Some(&file), &diagnostics, MessageFormat::Human)?;
            return Ok(ExitStatus::Error);
        }
    };
    let estimate = cost::estimate(model, &traffic);
    let text = match args.format {
        Format::Human => human(&estimate),
        Format::Json => json(&estimate),
    };
    out.stdout.write_all(text.as_bytes())?;
    Ok(ExitStatus::Success)
}

/// A quantity with thousands separators, or with decimals when it has a fraction.
fn quantity(q: f64) -> String {
    if q.fract() == 0.0 && q.abs() < 1e15 {
        #[expect(
            clippy::cast_possible_truncation,
            reason = "a whole number below 1e15, checked just above"
        )]
        let n = q as i64;
        let grouped = crate::limits::thousands(n.unsigned_abs());
        if n < 0 {
            format!("-{grouped}")
        } else {
            grouped
        }
    } else {
        format!("{q:.3}")
    }
}

fn human(e: &Estimate) -> String {
    let mut t = String::new();
    let width = e
        .lines
        .iter()
        .map(|l| l.resource.len())
        .max()
        .unwrap_or(8)
        .max(8);
    let _ = writeln!(
        t,
        "{:width$}  {:<50} {:>16}  {:>10}",
        "resource", "item", "quantity", "USD/month"
    );
    for l in &e.lines {
        let _ = writeln!(
            t,
            "{:width$}  {:<50} {:>16}  {:>10.2}",
            l.resource,
            format!("{} ({})", l.item, l.unit),
            quantity(l.quantity),
            cents(l.usd)
        );
    }
    let _ = writeln!(
        t,
        "{:width$}  {:<50} {:>16}  {:>10.2}",
        "total",
        "",
        "",
        cents(e.total_usd)
    );
    for n in &e.notes {
        let _ = writeln!(t, "note: {n}");
    }
    t
}

fn json(e: &Estimate) -> String {
    let value = json!({
        "total_usd_per_month": cents(e.total_usd),
        "lines": e.lines.iter().map(|l| json!({
            "resource": l.resource,
            "item": l.item,
            "quantity": l.quantity,
            "unit": l.unit,
            "usd": l.usd,
        })).collect::<Vec<_>>(),
        "notes": e.notes,
    });
    let mut text = serde_json::to_string_pretty(&value).expect("JSON");
    text.push('\n');
    text
}
