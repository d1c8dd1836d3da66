//! Knative: Serving and Eventing manifests for any Kubernetes cluster. The feature mapping,
//! with every construct that has no Knative equivalent and its diagnostic, is
//! `targets/knative/README.md`.
//!
//! Output: `serviceaccounts.yaml` (one ServiceAccount per function), `services.yaml` (one
//! `serving.knative.dev/v1` Service per function), `eventing.yaml` (the app's Broker, the
//! dead-letter Brokers, Triggers and PingSources; only when the app has events) and
//! `kustomization.yaml`, which lists them and sets the namespace.
//!
//! **Invariant:** nothing the cluster holds as a secret or a connection detail is written
//! into a manifest: secrets, tables and buckets reach a function only through references to
//! Secrets (`secretKeyRef`, Secret volumes) that the platform provides.
//!
//! **Invariant:** every object name is unique per kind and a valid Kubernetes name; a name
//! that would be longer than Kubernetes allows (63 characters; 253 for Secrets) is shortened
//! with a hash of the full name.

mod eventing;
pub mod images;
pub mod mesh;
mod monitoring;
mod params;
mod policies;
mod routes;
mod serving;
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde_json::{Value, json};

use super::{Artifact, Input, Output, Target};
use crate::diag::{Code, Diagnostic};
use crate::model::{Access, Kind, Model};

/// The Knative target and its options.
#[derive(Default)]
pub struct Knative {
    /// Kubernetes namespace (default: the app's name).
    pub namespace: Option<String>,
    /// The image registry that `handler` functions are built into (`--registry`).
    pub registry: Option<String>,
    /// The AWS region of the buckets and tables whose events IntegrationSources read
    /// (`--aws-region`).
    pub aws_region: Option<String>,
    /// The service mesh that enforces route auth (`--mesh`).
    pub mesh: Option<mesh::Mesh>,
    /// The folder the spec's code paths are relative to (the spec's folder); `None` reads
    /// nothing, and image tags hash the handler and runtime.
    pub code_root: Option<PathBuf>,
}

/// The Knative Serving API of the Services.
pub const SERVING_API: &str = "serving.knative.dev/v1";
/// The Knative Eventing API of Brokers and Triggers.
pub const EVENTING_API: &str = "eventing.knative.dev/v1";
/// The API of PingSources.
pub const SOURCES_API: &str = "sources.knative.dev/v1";
/// The API of IntegrationSources (AWS event sources).
pub const INTEGRATION_API: &str = "sources.knative.dev/v1alpha1";
/// The broker class every Broker pins, so that its address is known at compile time.
pub const BROKER_CLASS: &str = "MTChannelBasedBroker";
/// The broker class of apps with FIFO queues or topics: Knative's Kafka Broker, whose
/// Triggers can deliver in order.
pub const KAFKA_BROKER_CLASS: &str = "Kafka";
/// The longest timeout Knative accepts with its default `max-revision-timeout-seconds`.
pub const MAX_TIMEOUT_SECONDS: u64 = 600;
/// Where binding Secrets are mounted (the servicebinding.io `SERVICE_BINDING_ROOT`).
pub const BINDING_ROOT: &str = "/bindings";

impl Target for Knative {
    fn name(&self) -> &'static str {
        "Knative"
    }

    fn compile(&self, input: &Input<'_>) -> Result<Output, Vec<Diagnostic>> {
        let namespace = namespace(self.namespace.as_deref(), input)?;
        let mut b = Builder::new(input.model, namespace);
        b.aws_region.clone_from(&self.aws_region);
        b.mesh = self.mesh;
        if let Some(registry) = self
            .registry
            .as_deref()
            .filter(|r| !images::valid_registry(r))
        {
            return Err(vec![
                Diagnostic::new(
                    Code::InvalidName,
                    format!("Knative: `{registry}` is not an image registry prefix"),
                )
                .with_help(
                    "pass `--registry` a registry host and optional path in lowercase, without a \
                     tag, for example `registry.example.com/acme` or `localhost:5000`",
                ),
            ]);
        }
        support::check(&mut b);
        b.params_config();
        b.images = images::plan(&mut b, self.registry.as_deref(), self.code_root.as_deref());
        let plan = eventing::lower(&mut b);
        policies::lower(&mut b);
        serving::lower(&mut b, &plan);
        monitoring::lower(&mut b, &plan);
        if self.mesh == Some(mesh::Mesh::Istio) {
            mesh::lower(&mut b);
        }
        routes::lower(&mut b);
        if !b.diagnostics.is_empty() {
            crate::diag::sort(&mut b.diagnostics);
            return Err(b.diagnostics);
        }
        crate::diag::sort(&mut b.warnings);
        Ok(b.finish())
    }
}

/// What each function may reach on Knative (its ServiceAccount's `updraft.dev/access`
/// grants, including the EventPolicy that admits what it posts), with the spec text that
/// caused each: what `explain-access --target knative` prints.
#[must_use]
pub fn grants(
    model: &Model,
    namespace: Option<&str>,
) -> Vec<(String, Vec<(String, crate::access::Cause)>)> {
    let namespace = namespace.unwrap_or(&model.app).to_string();
    let mut b = Builder::new(model, namespace);
    let plan = eventing::lower(&mut b);
    model
        .functions
        .iter()
        .map(|f| (f.name.clone(), serving::grants(&b, f, &plan)))
        .collect()
}

/// The namespace: `--namespace`, or the app's name.
fn namespace(given: Option<&str>, input: &Input<'_>) -> Result<String, Vec<Diagnostic>> {
    let ns = given.unwrap_or(&input.model.app);
    if is_dns_label(ns) {
        return Ok(ns.to_string());
    }
    Err(vec![
        Diagnostic::new(
            Code::InvalidName,
            format!("Knative: `{ns}` is not a valid Kubernetes namespace name"),
        )
        .with_help(
            "pass `--namespace` a name of at most 63 characters of `a-z`, `0-9` and `-`, \
             starting and ending with a letter or digit",
        ),
    ])
}

/// A DNS-1123 label: what Kubernetes accepts as a namespace or a Service name.
fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// Lowering state: the objects so far, the problems found, and the names taken.
pub(crate) struct Builder<'a> {
    pub model: &'a Model,
    pub namespace: String,
    pub diagnostics: Vec<Diagnostic>,
    /// Findings that do not stop the compilation.
    pub warnings: Vec<Diagnostic>,
    pub service_accounts: Vec<Value>,
    /// The ConfigMap of the params.
    pub configs: Vec<Value>,
    pub services: Vec<Value>,
    pub brokers: Vec<Value>,
    pub triggers: Vec<Value>,
    pub ping_sources: Vec<Value>,
    pub integration_sources: Vec<Value>,
    /// Istio RequestAuthentications and AuthorizationPolicies (`--mesh istio`).
    pub mesh_objects: Vec<Value>,
    pub mesh: Option<mesh::Mesh>,
    /// HTTPRoutes of the gateways.
    pub routes: Vec<Value>,
    /// EventPolicies of the app's Broker.
    pub policies: Vec<Value>,
    /// PrometheusRules of the alarms.
    pub monitoring: Vec<Value>,
    pub aws_region: Option<String>,
    /// The images built from source, by function.
    pub images: BTreeMap<String, images::Image>,
    taken: BTreeSet<(&'static str, String)>,
}

impl<'a> Builder<'a> {
    fn new(model: &'a Model, namespace: String) -> Self {
        Self {
            model,
            namespace,
            diagnostics: Vec::new(),
            warnings: Vec::new(),
            service_accounts: Vec::new(),
            configs: Vec::new(),
            services: Vec::new(),
            brokers: Vec::new(),
            triggers: Vec::new(),
            ping_sources: Vec::new(),
            integration_sources: Vec::new(),
            monitoring: Vec::new(),
            policies: Vec::new(),
            routes: Vec::new(),
            mesh_objects: Vec::new(),
            mesh: None,
            aws_region: None,
            images: BTreeMap::new(),
            taken: BTreeSet::new(),
        }
    }

    pub fn error(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// A name of `kind` not yet taken: `base` (shortened to 63 characters), else `base-2`,
    /// `base-3`, ... Calls happen in model order, so the result is deterministic.
    pub fn unique_name(&mut self, kind: &'static str, base: &str) -> String {
        let mut n = 1;
        loop {
            let candidate = if n == 1 {
                short_name(base)
            } else {
                short_name(&format!("{base}-{n}"))
            };
            if self.taken.insert((kind, candidate.clone())) {
                return candidate;
            }
            n += 1;
        }
    }

    /// Standard labels of an object that belongs to `name` (a function, or the broker).
    pub fn labels(&self, name: &str) -> Value {
        json!({
            "app.kubernetes.io/name": name,
            "app.kubernetes.io/part-of": self.model.app,
            "app.kubernetes.io/managed-by": "updraft",
        })
    }

    /// `metadata` with the name, namespace and labels.
    pub fn metadata(&self, name: &str, owner: &str) -> Value {
        json!({
            "name": name,
            "namespace": self.namespace,
            "labels": self.labels(owner),
        })
    }

    /// The app's Broker: one per app, named after it.
    pub fn broker(&self) -> &str {
        &self.model.app
    }

    /// The Broker that holds the dead letters meant for a queue or topic.
    pub fn dead_letter_broker(&self, target: &str) -> String {
        short_name(&format!("{}-{target}", self.model.app))
    }

    /// Whether the app's Brokers are Kafka Brokers: it has a FIFO queue or topic.
    pub fn ordered(&self) -> bool {
        self.model.queues.iter().any(|q| q.fifo) || self.model.topics.iter().any(|t| t.fifo)
    }

    /// The address producers post CloudEvents to: the ingress of the pinned broker class.
    pub fn broker_url(&self) -> String {
        let ingress = if self.ordered() {
            "kafka-broker-ingress"
        } else {
            "broker-ingress"
        };
        format!(
            "http://{ingress}.knative-eventing.svc.cluster.local/{}/{}",
            self.namespace,
            self.broker()
        )
    }

    /// A function's address inside the cluster.
    pub fn function_url(&self, function: &str) -> String {
        format!("http://{function}.{}.svc.cluster.local", self.namespace)
    }

    /// The CloudEvent type of messages on a queue or topic, or of asynchronous invocations
    /// of a function: `<app>.queue.<name>`, `<app>.topic.<name>`, `<app>.function.<name>`.
    pub fn event_type(&self, kind: Kind, name: &str) -> String {
        format!("{}.{}.{name}", self.model.app, kind.noun())
    }

    /// The Secret that binds a function with an access level to an external table or
    /// bucket, for example `crud-api-items-read-binding`. The platform provides it, holding
    /// credentials scoped to that access (and prefix).
    pub fn binding_secret(&self, resource: &str, access: Access, prefix: Option<&str>) -> String {
        let access = access.to_string().replace('_', "-");
        let mut name = format!("{}-{resource}-{access}", self.model.app);
        if let Some(prefix) = prefix {
            name.push('-');
            name.push_str(&prefix_part(prefix));
        }
        name.push_str("-binding");
        shorten(&name, 253)
    }

    fn finish(self) -> Output {
        let mut artifacts = Vec::new();
        let mut summary = Vec::new();
        let mut resources = Vec::new();
        let mut file = |name: &str, docs: Vec<&Value>, what: String| {
            if docs.is_empty() {
                return;
            }
            artifacts.push(Artifact {
                path: name.into(),
                bytes: documents(&docs).into_bytes(),
            });
            summary.push(format!("{name}: {what}"));
            resources.push(name.to_string());
        };
        file(
            "serviceaccounts.yaml",
            self.service_accounts.iter().collect(),
            count(self.service_accounts.len(), "ServiceAccount"),
        );
        file(
            "params.yaml",
            self.configs.iter().collect(),
            count(self.configs.len(), "ConfigMap"),
        );
        file(
            "services.yaml",
            self.services.iter().collect(),
            count(self.services.len(), "Service"),
        );
        let eventing: Vec<&Value> = self
            .brokers
            .iter()
            .chain(&self.triggers)
            .chain(&self.ping_sources)
            .chain(&self.integration_sources)
            .chain(&self.policies)
            .collect();
        file(
            "eventing.yaml",
            eventing,
            [
                count(self.brokers.len(), "Broker"),
                count(self.triggers.len(), "Trigger"),
                count(self.ping_sources.len(), "PingSource"),
                count(self.integration_sources.len(), "IntegrationSource"),
                count(self.policies.len(), "EventPolicy"),
            ]
            .into_iter()
            .filter(|s| !s.starts_with("0 "))
            .collect::<Vec<_>>()
            .join(", "),
        );
        file(
            "routes.yaml",
            self.routes.iter().collect(),
            count(self.routes.len(), "HTTPRoute"),
        );
        let requests = self
            .mesh_objects
            .iter()
            .filter(|o| o["kind"] == "RequestAuthentication")
            .count();
        file(
            "mesh.yaml",
            self.mesh_objects.iter().collect(),
            format!(
                "{}, {}",
                count(requests, "RequestAuthentication"),
                count(self.mesh_objects.len() - requests, "AuthorizationPolicy")
            ),
        );
        file(
            "monitoring.yaml",
            self.monitoring.iter().collect(),
            count(self.monitoring.len(), "PrometheusRule"),
        );
        let builds = images::artifacts(&self.model.app, &self.images);
        if !builds.is_empty() {
            summary.push(format!(
                "build/: {} to build with buildpacks (sh build/build.sh SPEC_DIR)",
                count(self.images.len(), "image")
            ));
        }
        for (path, text) in builds {
            artifacts.push(Artifact {
                path: path.into(),
                bytes: text.into_bytes(),
            });
        }
        let kustomization = json!({
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "namespace": self.namespace,
            "resources": resources,
        });
        artifacts.push(Artifact {
            path: "kustomization.yaml".into(),
            bytes: crate::emit::yaml(&kustomization),
        });
        summary.push(format!("kustomization.yaml: namespace {}", self.namespace));
        Output {
            artifacts,
            summary,
            diagnostics: self.warnings,
        }
    }
}

fn count(n: usize, noun: &str) -> String {
    match (n, noun.strip_suffix('y')) {
        (1, _) => format!("{n} {noun}"),
        (_, Some(stem)) => format!("{n} {stem}ies"),
        (_, None) => format!("{n} {noun}s"),
    }
}

/// A multi-document YAML stream: documents separated by `---`.
fn documents(docs: &[&Value]) -> String {
    docs.iter()
        .map(|d| crate::emit::yaml_string(d))
        .collect::<Vec<_>>()
        .join("---\n")
}

/// A name of at most 63 characters: longer names keep their start and end with a hash of
/// the whole, so two long names never meet.
pub(crate) fn short_name(name: &str) -> String {
    shorten(name, 63)
}

/// `name`, or its first characters and a hash of the whole when it is longer than `max`.
/// Names are ASCII (`a-z0-9-`), so byte indexes are character boundaries.
pub(crate) fn shorten(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_string();
    }
    let hash = fnv(name);
    let head = name[..max - 9].trim_end_matches('-');
    format!("{head}-{hash:08x}")
}

fn fnv(text: &str) -> u32 {
    crate::targets::naming::fnv32(text.as_bytes())
}

/// A bucket prefix as part of a name: `uploads/` → `uploads`; a prefix that does not map
/// onto `a-z0-9-` one to one also gets a hash, so two prefixes never share a Secret.
fn prefix_part(prefix: &str) -> String {
    let trimmed = prefix.trim_matches('/');
    let mut part = String::new();
    for c in trimmed.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            part.push(c);
        } else if !part.ends_with('-') {
            part.push('-');
        }
    }
    let part = part.trim_matches('-').to_string();
    if part == trimmed && !part.is_empty() {
        part
    } else if part.is_empty() {
        format!("{:08x}", fnv(prefix))
    } else {
        format!("{part}-{:08x}", fnv(prefix))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_short_and_distinct() {
        let long = "a".repeat(70);
        let other = format!("{}b", "a".repeat(69));
        assert_eq!(short_name(&long).len(), 63);
        assert_ne!(short_name(&long), short_name(&other));
        assert_eq!(short_name("worker-queue-inbox"), "worker-queue-inbox");
        assert!(is_dns_label("crud-api") && !is_dns_label("Crud") && !is_dns_label("a-"));
    }

    #[test]
    fn prefixes_become_name_parts() {
        assert_eq!(prefix_part("uploads/"), "uploads");
        assert!(prefix_part("daily/2024/").starts_with("daily-2024-"));
        assert_ne!(prefix_part("a/b/"), prefix_part("a-b/"));
        assert!(!prefix_part("//").is_empty());
    }
}
