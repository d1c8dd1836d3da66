//! Alarms: one `PrometheusRule` (prometheus-operator's `monitoring.coreos.com/v1`) per app,
//! an alert per alarm over Knative's own metrics, with the spec's threshold and periods.
//!
//! CloudWatch fires when the statistic over `period` is at or above the threshold in
//! `evaluation_periods` consecutive periods; the alert computes the same statistic over a
//! `period` window and must hold for `(evaluation_periods - 1) × period`. The metrics:
//! - `errors`: requests the function's Service answered with a 5xx other than 503 (the
//!   adapter answers 500 when the handler fails; a timeout is a 5xx too), from Knative
//!   Serving's `revision_request_count`;
//! - `throttles`: 503 answers, which Knative gives when a revision at its `max-scale` cannot
//!   take the request;
//! - `duration`: the 99th percentile of `revision_request_latencies` in milliseconds (a
//!   histogram has no maximum, so the nearest statistic to CloudWatch's);
//! - `dead_letter_depth`: dead letters that reached the queue's dead-letter Broker in the
//!   window, from Eventing's broker `event_count` (a Broker has no depth to read); for a
//!   queue that no one dead-letters to, the messages of its type on the app's Broker.

use serde_json::{Value, json};

use super::Builder;
use super::eventing::Plan;
use crate::model::{Alarm, AlarmMetric};

/// prometheus-operator's API of PrometheusRules.
pub const MONITORING_API: &str = "monitoring.coreos.com/v1";

pub(super) fn lower(b: &mut Builder<'_>, plan: &Plan) {
    if b.model.alarms.is_empty() {
        return;
    }
    let rules: Vec<Value> = b.model.alarms.iter().map(|a| rule(b, plan, a)).collect();
    let name = super::short_name(&format!("{}-alarms", b.model.app));
    let mut metadata = b.metadata(&name, &b.model.app);
    metadata["annotations"] = json!({
        "kubernetes.io/description": format!("the alarms of app `{}`, over Knative's metrics", b.model.app),
    });
    b.monitoring.push(json!({
        "apiVersion": MONITORING_API,
        "kind": "PrometheusRule",
        "metadata": metadata,
        "spec": { "groups": [ { "name": b.model.app, "rules": rules } ] },
    }));
}

fn rule(b: &Builder<'_>, plan: &Plan, a: &Alarm) -> Value {
    let ns = &b.namespace;
    let target = &a.target.name;
    let window = format!("{}s", a.period);
    let threshold = number(a.threshold);
    let (expr, what) = match a.metric {
        AlarmMetric::Errors => (
            format!(
                "sum(increase(revision_request_count{{namespace_name=\"{ns}\", service_name=\"{target}\", response_code_class=\"5xx\", response_code!=\"503\"}}[{window}])) >= {threshold}"
            ),
            format!("failed requests of function `{target}`"),
        ),
        AlarmMetric::Throttles => (
            format!(
                "sum(increase(revision_request_count{{namespace_name=\"{ns}\", service_name=\"{target}\", response_code=\"503\"}}[{window}])) >= {threshold}"
            ),
            format!("requests function `{target}` turned away at its scale limit"),
        ),
        AlarmMetric::Duration => (
            format!(
                "histogram_quantile(0.99, sum by (le) (rate(revision_request_latencies_bucket{{namespace_name=\"{ns}\", service_name=\"{target}\"}}[{window}]))) >= {threshold}"
            ),
            format!("the 99th percentile run time of function `{target}` in ms"),
        ),
        // A queue that receives dead letters has its own Broker; any other queue's
        // messages are its event type on the app's Broker.
        AlarmMetric::DeadLetterDepth if plan.dead_letters.contains(target) => (
            format!(
                "sum(increase(event_count{{namespace_name=\"{ns}\", broker_name=\"{}\"}}[{window}])) >= {threshold}",
                b.dead_letter_broker(target)
            ),
            format!("dead letters that reached queue `{target}`"),
        ),
        AlarmMetric::DeadLetterDepth => (
            format!(
                "sum(increase(event_count{{namespace_name=\"{ns}\", broker_name=\"{}\", event_type=\"{}\"}}[{window}])) >= {threshold}",
                b.broker(),
                b.event_type(crate::model::Kind::Queue, target)
            ),
            format!("messages that reached queue `{target}`"),
        ),
    };
    let mut labels = json!({ "app": b.model.app, "updraft_alarm": a.name });
    if let Some(topic) = &a.notify {
        labels["notify"] = json!(topic);
    }
    let mut rule = json!({
        "alert": a.name,
        "expr": expr,
    });
    let hold = a.period * u64::from(a.evaluation_periods.saturating_sub(1));
    if hold > 0 {
        rule["for"] = json!(format!("{hold}s"));
    }
    rule["labels"] = labels;
    rule["annotations"] = json!({
        "summary": format!("{what}: at or above {threshold} over {window}, {} period(s) in a row", a.evaluation_periods),
    });
    rule
}

/// A threshold as PromQL writes it: `1`, `0.5`.
fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        format!("{x}")
    }
}
