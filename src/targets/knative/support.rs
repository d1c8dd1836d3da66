//! What Knative cannot express, found before anything is lowered: each is an error naming
//! the target (UD5001, UD5005), with the spec text that asks for it. The list is the
//! "diagnostic" column of `targets/knative/README.md`.

use std::collections::BTreeMap;

use super::{Builder, MAX_TIMEOUT_SECONDS};
use crate::diag::{Code, Diagnostic};
use crate::model::{Access, AuthKind, Kind, SecretStore, Trigger};

pub(super) fn check(b: &mut Builder<'_>) {
    auths(b);
    queues_and_topics(b);
    secrets(b);
    for f in &b.model.functions {
        let mut found = Vec::new();
        if f.timeout.value > MAX_TIMEOUT_SECONDS {
            found.push(
                Diagnostic::new(
                    Code::UnsupportedOnTarget,
                    format!(
                        "Knative: function `{}` has a {}s timeout; Knative runs a request for at most {MAX_TIMEOUT_SECONDS}s",
                        f.name, f.timeout.value
                    ),
                )
                .with_label(f.timeout.span, "over Knative's max-revision-timeout-seconds")
                .with_help("lower `timeout` to `10m` or less (a stage can set it for the Knative deployment)"),
            );
        }
        if let Some(r) = f.reserved_concurrency.as_ref().filter(|r| r.value == 0) {
            found.push(
                Diagnostic::new(
                    Code::UnsupportedOnTarget,
                    format!("Knative: function `{}` has reserved concurrency 0", f.name),
                )
                .with_label(r.span, "Knative reads `max-scale: 0` as no limit at all")
                .with_help("remove the function, or reserve at least 1"),
            );
        }
        if let Some(first) = f.layers.first() {
            found.push(
                Diagnostic::new(
                    Code::UnsupportedOnTarget,
                    format!("Knative: function `{}` has Lambda layers", f.name),
                )
                .with_label(first.span, "a Lambda layer, which a Knative image cannot load")
                .with_help("build what the layers hold into the function's image (or its code folder), or compile for CloudFormation or Terraform"),
            );
        }
        for statement in &f.permissions {
            let document = serde_json::json!({
                "Version": "2012-10-17",
                "Statement": [crate::targets::aws::raw_statement(statement)],
            });
            found.push(
                Diagnostic::new(
                    Code::UnsupportedOnTarget,
                    format!("Knative: function `{}` has a raw IAM statement", f.name),
                )
                .with_label(statement.span, "IAM has no meaning on Knative by itself")
                .with_help(format!(
                    "a Knative function has no IAM identity of its own, so the statement can \
                     neither grant nor deny. On EKS, give ServiceAccount `{name}` an IAM role that \
                     holds it (IRSA: annotate the ServiceAccount `eks.amazonaws.com/role-arn: \
                     <role ARN>`, or an EKS Pod Identity association for `{name}`), with this policy \
                     document: {document}; then remove `permissions` from the spec compiled for \
                     Knative. Elsewhere, reach resources through `uses` (tables and buckets \
                     become binding Secrets), or compile this app for CloudFormation or Terraform",
                    name = f.name
                )),
            );
        }
        for event in &f.events {
            let (what, help) = match &event.trigger {
                Trigger::Iot { .. } => (
                    "IoT rules".to_string(),
                    "Knative has no IoT rule engine: bridge the MQTT messages into the app's \
                     Broker (for example with an MQTT source) and trigger on a topic, or compile \
                     for CloudFormation or Terraform",
                ),
                Trigger::Queue {
                    maximum_concurrency: Some(_),
                    ..
                } => (
                    "a queue event with `maximum_concurrency`".to_string(),
                    "a Trigger delivers each event as its own request and has no concurrency \
                     cap of its own: remove `maximum_concurrency` and cap the function with \
                     `reserved_concurrency` (its Knative `max-scale`), or compile for \
                     CloudFormation or Terraform",
                ),
                _ => continue,
            };
            found.push(
                Diagnostic::new(
                    Code::UnsupportedOnTarget,
                    format!(
                        "Knative: function `{}` is triggered by {what}, which Knative cannot express",
                        f.name
                    ),
                )
                .with_label(event.span, format!("`{}` event", event.trigger.kind()))
                .with_help(help),
            );
        }
        for u in &f.uses {
            if u.resource.kind == Kind::Queue
                && u.access == Access::Consume
                && !f.events.iter().any(|e| matches!(&e.trigger, Trigger::Queue { queue, .. } if *queue == u.resource.name))
            {
                found.push(
                    Diagnostic::new(
                        Code::UnsupportedOnTarget,
                        format!(
                            "Knative: function `{}` consumes queue `{}` by polling it",
                            f.name, u.resource.name
                        ),
                    )
                    .with_label(u.span, "a Knative Broker pushes events and cannot be polled")
                    .with_help(format!(
                        "add a `queue` event on `{}` to the function, so a Trigger delivers the \
                         messages, or compile for CloudFormation or Terraform",
                        u.resource.name
                    )),
                );
            }
        }
        // A table or bucket reaches the pod as one binding Secret mounted at
        // `/bindings/<name>`, scoped to one access level and prefix: a second grant on the
        // same resource has no mount of its own.
        for (i, u) in f.uses.iter().enumerate() {
            let binding = matches!(u.resource.kind, Kind::Table | Kind::Bucket);
            if binding && f.uses[..i].iter().any(|o| o.resource == u.resource) {
                found.push(
                    Diagnostic::new(
                        Code::UnsupportedOnTarget,
                        format!(
                            "Knative: function `{}` has several grants on {}, which Knative cannot express",
                            f.name, u.resource
                        ),
                    )
                    .with_label(u.span, "a second grant on the same resource")
                    .with_help(format!(
                        "on Knative a {} reaches a function as one binding Secret mounted at {}/{}, scoped to one access level: give one level that covers both (for example `read_write`), or compile for CloudFormation or Terraform",
                        u.resource.kind.noun(),
                        super::BINDING_ROOT,
                        u.resource.name
                    )),
                );
            }
        }
        b.diagnostics.extend(found);
    }
}

fn auths(b: &mut Builder<'_>) {
    for auth in &b.model.auths {
        if auth.kind == AuthKind::Cognito {
            b.diagnostics.push(
                Diagnostic::new(
                    Code::UnsupportedOnTarget,
                    format!(
                        "Knative: auth `{}` is a Cognito user pool, which Knative cannot create",
                        auth.name
                    ),
                )
                .with_label(auth.span, "`kind: cognito`")
                .with_help(
                    "use `kind: jwt` with the issuer and audience of an OIDC provider (Auth0, \
                     Keycloak, Dex, ...), which the cluster's gateway can check",
                ),
            );
        }
    }
}

fn queues_and_topics(b: &mut Builder<'_>) {
    let mut found = Vec::new();
    for q in &b.model.queues {
        if q.delay > 0 {
            found.push(
                Diagnostic::new(
                    Code::UnsupportedOnTarget,
                    format!(
                        "Knative: queue `{}` delays every message by {}s; a Knative Broker delivers at once",
                        q.name, q.delay
                    ),
                )
                .with_label(q.span, "has `delay`")
                .with_help("remove `delay` (the consumer can wait itself), or compile for CloudFormation or Terraform"),
            );
        }
    }
    // A queue hands each message to one consumer; a Broker gives every Trigger a copy.
    let mut consumers: BTreeMap<&str, Vec<(&str, crate::source::Span)>> = BTreeMap::new();
    for f in &b.model.functions {
        for e in &f.events {
            if let Trigger::Queue { queue, .. } = &e.trigger {
                consumers.entry(queue).or_default().push((&f.name, e.span));
            }
        }
    }
    for (queue, list) in consumers.iter().filter(|(_, l)| l.len() > 1) {
        let names: Vec<String> = list.iter().map(|(f, _)| format!("`{f}`")).collect();
        let mut d = Diagnostic::new(
            Code::UnsupportedOnTarget,
            format!(
                "Knative: queue `{queue}` has {} consumers ({}); a Knative Broker gives each of them every message",
                list.len(),
                names.join(", ")
            ),
        );
        for (f, span) in list {
            d = d.with_label(*span, format!("consumed by `{f}`"));
        }
        found.push(d.with_help(
            "let one function consume the queue, or declare a topic when every consumer \
             should get each message",
        ));
    }
    b.diagnostics.extend(found);
}

fn secrets(b: &mut Builder<'_>) {
    let mut found = Vec::new();
    for s in &b.model.secrets {
        if s.store != SecretStore::Kubernetes {
            continue;
        }
        if !is_secret_name(&s.external_name) {
            found.push(
                Diagnostic::new(
                    Code::UnsupportedOnTarget,
                    format!(
                        "Knative: secret `{}` names `{}`, which is not a Kubernetes Secret name",
                        s.name, s.external_name
                    ),
                )
                .with_label(s.span, "store `kubernetes`")
                .with_help("give the Secret's name: lowercase letters, digits, `-` and `.`, at most 253 characters"),
            );
        }
        if s.key.is_none() {
            found.push(
                Diagnostic::new(
                    Code::UnsupportedOnTarget,
                    format!(
                        "Knative: secret `{}` does not say which key of Secret `{}` to read",
                        s.name, s.external_name
                    ),
                )
                .with_label(s.span, "store `kubernetes`, no `key`")
                .with_help("set `key:` to the key inside the Secret, for example `key: token`"),
            );
        }
    }
    b.diagnostics.extend(found);
}

/// A DNS-1123 subdomain: what Kubernetes accepts as a Secret name.
fn is_secret_name(s: &str) -> bool {
    !s.is_empty() && s.len() <= 253 && s.split('.').all(super::is_dns_label)
}
