//! `updraft cost`: a monthly estimate from the spec and a traffic file.
//!
//! The spec says what runs (memory, architecture, tracing, log retention, billing mode,
//! FIFO); the traffic file says how much (invocations, durations, requests, items, bytes).
//! Prices come from one reviewable data file, `targets/aws/prices.yaml` (region, date and
//! source per row). Every line of the estimate shows its quantity, unit and price, so a
//! reader can check it by hand.

mod traffic;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

pub use traffic::{Traffic, read as read_traffic, starter};

use crate::model::{Architecture, Billing, Model, Trigger};

const PRICES_YAML: &str = include_str!("../../targets/aws/prices.yaml");

/// One price row.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub usd: f64,
    /// The quantity `usd` is charged for (1, 1,000, 1,000,000).
    pub per: f64,
    pub unit: String,
    pub source: String,
}

/// Monthly always-free allowances.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FreeTier {
    pub lambda_requests: f64,
    pub lambda_gb_seconds: f64,
    pub dynamodb_storage_gb: f64,
    pub sqs_requests: f64,
    pub sns_publishes: f64,
    pub logs_gb: f64,
    pub xray_traces: f64,
}

/// The price table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prices {
    pub region: String,
    pub as_of: String,
    pub prices: BTreeMap<String, Price>,
    pub free_tier: FreeTier,
}

/// The embedded price table, parsed once; malformed data is a build-time bug the tests catch.
pub fn prices() -> &'static Prices {
    static PRICES: OnceLock<Prices> = OnceLock::new();
    PRICES.get_or_init(|| {
        serde_saphyr::from_str(PRICES_YAML)
            .unwrap_or_else(|e| panic!("targets/aws/prices.yaml is malformed: {e}"))
    })
}

impl Prices {
    fn get(&self, key: &str) -> &Price {
        self.prices
            .get(key)
            .unwrap_or_else(|| panic!("targets/aws/prices.yaml has no `{key}`"))
    }
}

/// One line of the estimate.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// `function get-photo`, `table orders`, `free tier`.
    pub resource: String,
    /// The price row's key (`lambda_requests`).
    pub item: String,
    pub quantity: f64,
    pub unit: String,
    pub usd: f64,
}

/// The estimate: lines in spec order, then free-tier credits, and the total.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    pub lines: Vec<Line>,
    pub total_usd: f64,
    /// What the estimate assumes or leaves out.
    pub notes: Vec<String>,
}

const HOURS_PER_MONTH: f64 = 730.0;
const SECONDS_PER_MONTH: f64 = HOURS_PER_MONTH * 3600.0;
/// SQS requests per message: send, receive, delete.
const SQS_REQUESTS_PER_MESSAGE: f64 = 3.0;

struct Builder<'a> {
    prices: &'a Prices,
    lines: Vec<Line>,
}

impl Builder<'_> {
    fn charge(&mut self, resource: &str, key: &str, quantity: f64) {
        if quantity <= 0.0 {
            return;
        }
        let p = self.prices.get(key);
        self.lines.push(Line {
            resource: resource.to_string(),
            item: key.to_string(),
            quantity,
            unit: p.unit.clone(),
            usd: quantity / p.per * p.usd,
        });
    }

    /// A free-tier credit: the allowance (up to what was used) at `key`'s price.
    fn credit(&mut self, key: &str, used: f64, allowance: f64) {
        let free = used.min(allowance);
        if free <= 0.0 {
            return;
        }
        let p = self.prices.get(key);
        self.lines.push(Line {
            resource: "free tier".into(),
            item: key.to_string(),
            quantity: -free,
            unit: p.unit.clone(),
            usd: -free / p.per * p.usd,
        });
    }

    fn used(&self, key: &str) -> f64 {
        self.lines
            .iter()
            .filter(|l| l.item == key)
            .map(|l| l.quantity)
            .sum()
    }
}

/// Estimates a month of the app under `traffic`.
#[must_use]
pub fn estimate(model: &Model, traffic: &Traffic) -> Estimate {
    let prices = prices();
    let mut b = Builder {
        prices,
        lines: Vec::new(),
    };
    let mut notes = vec![format!(
        "list prices of {} as of {} (targets/aws/prices.yaml); data transfer, KMS and taxes are not included",
        prices.region, prices.as_of
    )];
    let route_requests = |function: &str| -> f64 {
        model.function(function).map_or(0.0, |f| {
            f.events
                .iter()
                .filter_map(|e| match &e.trigger {
                    Trigger::Http {
                        gateway,
                        method,
                        path,
                        ..
                    } => traffic.route(gateway, method.as_str(), path),
                    _ => None,
                })
                .sum()
        })
    };
    for f in &model.functions {
        let t = traffic.functions.get(&f.name);
        let invocations = t
            .and_then(|t| t.invocations)
            .unwrap_or_else(|| route_requests(&f.name));
        let duration_ms = t.and_then(|t| t.duration_ms).unwrap_or(100.0);
        let gb = f64::from(f.memory.value) / 1024.0;
        let resource = format!("function {}", f.name);
        let arch = match f.architecture.value {
            Architecture::X86_64 => "x86_64",
            Architecture::Arm64 => "arm64",
        };
        b.charge(&resource, "lambda_requests", invocations);
        b.charge(
            &resource,
            &format!("lambda_gb_second_{arch}"),
            invocations * duration_ms / 1000.0 * gb,
        );
        if let Some(pc) = &f.provisioned_concurrency {
            b.charge(
                &resource,
                &format!("lambda_provisioned_gb_second_{arch}"),
                f64::from(pc.value) * gb * SECONDS_PER_MONTH,
            );
        }
        if f.tracing.value {
            b.charge(&resource, "xray_traces", invocations);
        }
        let log_gb = t.and_then(|t| t.log_gb).unwrap_or(0.0);
        b.charge(&resource, "logs_ingested_gb", log_gb);
        // Stored logs at steady state: a month's ingestion kept for the retention period
        // (forever: as after a year).
        let kept_months = f
            .log_retention
            .as_ref()
            .map_or(12.0, |r| f64::from(r.value) / 30.0);
        b.charge(&resource, "logs_stored_gb_month", log_gb * kept_months);
    }
    for g in &model.gateways {
        let requests = traffic.gateway_requests(&g.name);
        b.charge(
            &format!("gateway {}", g.name),
            "http_api_requests",
            requests,
        );
    }
    for t in &model.tables {
        let resource = format!("table {}", t.name);
        let use_ = traffic.tables.get(&t.name).cloned().unwrap_or_default();
        if let (Billing::Provisioned, Some((read, write))) = (t.billing, t.capacity) {
            b.charge(
                &resource,
                "dynamodb_rcu_hour",
                f64::from(read) * HOURS_PER_MONTH,
            );
            b.charge(
                &resource,
                "dynamodb_wcu_hour",
                f64::from(write) * HOURS_PER_MONTH,
            );
        } else {
            b.charge(&resource, "dynamodb_read_request_units", use_.reads);
            b.charge(&resource, "dynamodb_write_request_units", use_.writes);
        }
        b.charge(&resource, "dynamodb_storage_gb_month", use_.storage_gb);
    }
    for q in &model.queues {
        let messages = traffic.queues.get(&q.name).copied().unwrap_or(0.0);
        let key = if q.fifo {
            "sqs_fifo_requests"
        } else {
            "sqs_standard_requests"
        };
        b.charge(
            &format!("queue {}", q.name),
            key,
            messages * SQS_REQUESTS_PER_MESSAGE,
        );
    }
    for t in &model.topics {
        let publishes = traffic.topics.get(&t.name).copied().unwrap_or(0.0);
        b.charge(&format!("topic {}", t.name), "sns_publishes", publishes);
    }
    for bucket in &model.buckets {
        let use_ = traffic
            .buckets
            .get(&bucket.name)
            .cloned()
            .unwrap_or_default();
        let resource = format!("bucket {}", bucket.name);
        b.charge(&resource, "s3_storage_gb_month", use_.storage_gb);
        b.charge(&resource, "s3_put_requests", use_.puts);
        b.charge(&resource, "s3_get_requests", use_.gets);
    }
    if traffic.free_tier {
        let free = &prices.free_tier;
        b.credit(
            "lambda_requests",
            b.used("lambda_requests"),
            free.lambda_requests,
        );
        // The GB-second allowance is credited at the x86 price first, then arm64.
        let x86 = b.used("lambda_gb_second_x86_64");
        b.credit("lambda_gb_second_x86_64", x86, free.lambda_gb_seconds);
        b.credit(
            "lambda_gb_second_arm64",
            b.used("lambda_gb_second_arm64"),
            (free.lambda_gb_seconds - x86).max(0.0),
        );
        b.credit(
            "dynamodb_storage_gb_month",
            b.used("dynamodb_storage_gb_month"),
            free.dynamodb_storage_gb,
        );
        let sqs_standard = b.used("sqs_standard_requests");
        b.credit("sqs_standard_requests", sqs_standard, free.sqs_requests);
        b.credit(
            "sqs_fifo_requests",
            b.used("sqs_fifo_requests"),
            (free.sqs_requests - sqs_standard).max(0.0),
        );
        b.credit("sns_publishes", b.used("sns_publishes"), free.sns_publishes);
        b.credit("logs_ingested_gb", b.used("logs_ingested_gb"), free.logs_gb);
        b.credit("xray_traces", b.used("xray_traces"), free.xray_traces);
        notes.push("monthly always-free allowances applied once, for the whole account".into());
    } else {
        notes.push("no free tier (set `free_tier: true` in the traffic file to apply it)".into());
    }
    let total_usd = b.lines.iter().map(|l| l.usd).sum::<f64>().max(0.0);
    Estimate {
        lines: b.lines,
        total_usd,
        notes,
    }
}

/// Rounds to whole cents, the way a bill shows it.
#[must_use]
pub fn cents(usd: f64) -> f64 {
    (usd * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_price_table_loads_and_every_row_names_its_source() {
        let p = prices();
        assert_eq!(p.region, "us-east-1");
        for (key, price) in &p.prices {
            assert!(price.usd > 0.0 && price.per >= 1.0, "{key}");
            assert!(price.source.starts_with("https://aws.amazon.com/"), "{key}");
        }
    }
}
