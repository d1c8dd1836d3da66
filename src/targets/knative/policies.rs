//! Least privilege on the eventing side: `EventPolicy` objects (eventing.knative.dev/v1alpha1)
//! so that, with Knative's `authentication-oidc` feature on, the app's Broker admits each event
//! type only from the ServiceAccounts of the functions the spec grants `send`, `publish` or
//! `invoke` on it, and schedule and AWS events only from the app's own sources. Once a policy
//! names the Broker, a sender no policy names is refused. Producers get an OIDC token of their
//! ServiceAccount for the Broker's audience (a projected volume, see `serving`).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{Builder, EVENTING_API, INTEGRATION_API, SOURCES_API};
use crate::model::{Access, Kind};

/// The API of EventPolicies.
pub const POLICY_API: &str = "eventing.knative.dev/v1alpha1";

/// The audience of the app's Broker's OIDC tokens.
pub(super) fn broker_audience(b: &Builder<'_>) -> String {
    format!("eventing.knative.dev/broker/{}/{}", b.namespace, b.broker())
}

/// The EventPolicy that admits events of a queue, topic or function (asynchronous
/// invocation) to the Broker.
pub(super) fn policy_name(b: &Builder<'_>, kind: Kind, name: &str) -> String {
    super::short_name(&format!("{}-{}-{name}", b.model.app, kind.noun()))
}

/// Where a producer's token for the Broker is mounted.
pub const TOKEN_DIR: &str = "/var/run/secrets/updraft/broker";

pub(super) fn lower(b: &mut Builder<'_>) {
    // Event type → the functions that may post it, and the grant's reason.
    let mut senders: BTreeMap<(Kind, String), Vec<String>> = BTreeMap::new();
    for f in &b.model.functions {
        for u in &f.uses {
            if matches!(u.access, Access::Send | Access::Publish | Access::Invoke) {
                senders
                    .entry((u.resource.kind, u.resource.name.clone()))
                    .or_default()
                    .push(f.name.clone());
            }
        }
    }
    let mut policies = Vec::new();
    for ((kind, name), functions) in &senders {
        let event_type = b.event_type(*kind, name);
        let from: Vec<Value> = functions
            .iter()
            .map(|f| json!({ "sub": format!("system:serviceaccount:{}:{f}", b.namespace) }))
            .collect();
        let policy_name = policy_name(b, *kind, name);
        let about = format!(
            "only functions granted {} may post events of type `{event_type}` to Broker `{}`",
            match kind {
                Kind::Queue => "`send` on the queue",
                Kind::Topic => "`publish` on the topic",
                _ => "`invoke` on the function",
            },
            b.broker()
        );
        policies.push(policy(b, &policy_name, &about, from, Some(&event_type)));
    }
    let sources = |list: &[Value], api: &str, kind: &str| -> Vec<Value> {
        list.iter()
            .map(|s| json!({ "ref": { "apiVersion": api, "kind": kind, "name": s["metadata"]["name"] } }))
            .collect()
    };
    let pings = sources(&b.ping_sources, SOURCES_API, "PingSource");
    if !pings.is_empty() {
        let name = super::short_name(&format!("{}-schedules", b.model.app));
        let about = "the app's PingSources may post their schedule events".to_string();
        policies.push(policy(b, &name, &about, pings, None));
    }
    let aws = sources(&b.integration_sources, INTEGRATION_API, "IntegrationSource");
    if !aws.is_empty() {
        let name = super::short_name(&format!("{}-aws-sources", b.model.app));
        let about = "the app's IntegrationSources may post the AWS events they read".to_string();
        policies.push(policy(b, &name, &about, aws, None));
    }
    b.policies = policies;
}

fn policy(
    b: &Builder<'_>,
    name: &str,
    about: &str,
    from: Vec<Value>,
    event_type: Option<&str>,
) -> Value {
    let mut metadata = b.metadata(name, b.broker());
    metadata["annotations"] = json!({ "kubernetes.io/description": about });
    let mut spec = json!({
        "to": [ { "ref": { "apiVersion": EVENTING_API, "kind": "Broker", "name": b.broker() } } ],
        "from": Value::Array(from),
    });
    if let Some(t) = event_type {
        spec["filters"] = json!([ { "exact": { "type": t } } ]);
    }
    json!({ "apiVersion": POLICY_API, "kind": "EventPolicy", "metadata": metadata, "spec": spec })
}
