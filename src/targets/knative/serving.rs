//! Functions: a ServiceAccount and a Knative Service each. The ServiceAccount holds no
//! token and no role (no function needs the Kubernetes API); what the function may reach is
//! what its pod references: the Secrets of the secrets it uses, the binding Secrets of the
//! tables and buckets it uses, and the Broker it posts to. Each is listed, with the spec
//! text that caused it, in the ServiceAccount's `updraft.dev/access` annotation.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use serde_json::{Map, Value, json};

use super::eventing::Plan;
use super::{BINDING_ROOT, Builder, SERVING_API};
use crate::access::{self, Need};
use crate::diag::{Code, Diagnostic};
use crate::model::env::Attr;
use crate::model::{
    Access, AuthKind, CodeSource, EnvPart, EnvValue, Function, Kind, Ref, SecretStore, Trigger, Use,
};

/// Env names that Knative sets or refuses, and those this target sets itself.
const RESERVED_ENV: &[&str] = &[
    "PORT",
    "K_SERVICE",
    "K_CONFIGURATION",
    "K_REVISION",
    "K_SINK",
    "SERVICE_BINDING_ROOT",
];

/// The prefix of the variables that hold the secret parts of a composed env value.
const HELPER_PREFIX: &str = "UPDRAFT_";

/// Lambda gives a function one vCPU per 1,769 MB; the CPU request keeps that ratio.
const MB_PER_VCPU: u64 = 1769;

pub(super) fn lower(b: &mut Builder<'_>, plan: &Plan) {
    gateway_warnings(b);
    for f in &b.model.functions {
        let image = match &f.code {
            CodeSource::Image { image } => image.clone(),
            CodeSource::Handler { .. } => match b.images.get(&f.name) {
                Some(built) => built.reference.clone(),
                None => continue, // reported by `images`
            },
        };
        let service = service(b, f, &image, plan);
        let account = service_account(b, f, plan);
        b.services.push(service);
        b.service_accounts.push(account);
    }
}

/// A value of an env var: text, or parts of which some are read from Secrets.
enum Piece {
    Text(String),
    Secret {
        name: String,
        key: String,
    },
    /// A key of a ConfigMap (the params').
    Config {
        name: String,
        key: String,
    },
}

fn service(b: &mut Builder<'_>, f: &Function, image: &str, plan: &Plan) -> Value {
    let uses: BTreeMap<&Ref, &Use> = f.uses.iter().map(|u| (&u.resource, u)).collect();

    // Env: the spec's values with references resolved, and what the target adds.
    let mut helpers: BTreeMap<String, Value> = BTreeMap::new();
    let mut vars = Vec::new();
    let mut referenced_secrets = BTreeSet::new();
    for (name, value) in &f.env {
        if RESERVED_ENV.contains(&name.as_str()) || name.starts_with(HELPER_PREFIX) {
            b.error(
                Diagnostic::new(
                    Code::UnsupportedOnTarget,
                    format!("Knative: env `{name}` of function `{}` is set by Knative or by this target", f.name),
                )
                .with_label(value.span, "reserved on the Knative target")
                .with_help(format!(
                    "choose another name: `PORT` and `K_*` belong to Knative, `SERVICE_BINDING_ROOT`, \
                     `K_SINK` and `{HELPER_PREFIX}*` to updraft's Knative target"
                )),
            );
            continue;
        }
        let pieces = resolve(b, f, &uses, value, &mut referenced_secrets);
        vars.push(env_var(name, pieces, &mut helpers));
    }
    for u in &f.uses {
        if u.resource.kind == Kind::Secret && !referenced_secrets.contains(&u.resource.name) {
            let var = upper_snake(&u.resource.name);
            b.error(
                Diagnostic::new(
                    Code::UnsupportedOnTarget,
                    format!(
                        "Knative: function `{}` uses secret `{}`, but no env value references it",
                        f.name, u.resource.name
                    ),
                )
                .with_label(u.span, "nothing would carry the secret to the function")
                .with_help(format!(
                    "add an env value such as `{var}: \"${{secrets.{}.name}}\"`: on Knative a secret \
                     reaches the function as the value of the variables that reference it",
                    u.resource.name
                )),
            );
        }
    }
    let mut env: Vec<Value> = helpers.into_values().collect();
    if let Some(built) = b.images.get(&f.name) {
        // What the adapter needs to run the Lambda handler.
        env.push(json!({ "name": "UPDRAFT_HANDLER", "value": escape(&built.handler) }));
        env.push(json!({ "name": "UPDRAFT_FUNCTION", "value": f.name }));
        env.push(json!({ "name": "UPDRAFT_MEMORY_MB", "value": f.memory.value.to_string() }));
        env.push(
            json!({ "name": "UPDRAFT_TIMEOUT_SECONDS", "value": f.timeout.value.to_string() }),
        );
    }
    if plan.producers.contains(&f.name) {
        env.push(json!({ "name": "K_SINK", "value": escape(&b.broker_url()) }));
        env.push(json!({
            "name": format!("{HELPER_PREFIX}BROKER_TOKEN_FILE"),
            "value": format!("{}/token", super::policies::TOKEN_DIR),
        }));
        // The type of each event the function may post: to a queue, a topic, or a function
        // it invokes asynchronously.
        let mut produced: Vec<&Ref> = f
            .uses
            .iter()
            .filter(|u| matches!(u.access, Access::Send | Access::Publish | Access::Invoke))
            .map(|u| &u.resource)
            .collect();
        produced.sort();
        for r in produced {
            env.push(json!({
                "name": format!("{HELPER_PREFIX}EVENT_TYPE_{}", upper_snake(&r.name)),
                "value": b.event_type(r.kind, &r.name),
            }));
        }
    }
    let bindings: Vec<&Use> = f
        .uses
        .iter()
        .filter(|u| matches!(u.resource.kind, Kind::Table | Kind::Bucket))
        .collect();
    if !bindings.is_empty() {
        env.push(json!({ "name": "SERVICE_BINDING_ROOT", "value": BINDING_ROOT }));
    }
    env.extend(vars);

    let mut container = Map::new();
    container.insert("image".into(), json!(image));
    if !env.is_empty() {
        container.insert("env".into(), Value::Array(env));
    }
    container.insert("resources".into(), resources(f));
    container.insert(
        "securityContext".into(),
        json!({
            "allowPrivilegeEscalation": false,
            "capabilities": { "drop": ["ALL"] },
            "seccompProfile": { "type": "RuntimeDefault" },
        }),
    );
    let mut volumes = Vec::new();
    let mut mounts: Vec<Value> = Vec::new();
    if plan.producers.contains(&f.name) {
        // An OIDC token of the function's ServiceAccount for the Broker's audience: what the
        // Broker's EventPolicies admit (sent as `Authorization: Bearer`).
        mounts.push(json!({ "name": "broker-token", "mountPath": super::policies::TOKEN_DIR, "readOnly": true }));
        volumes.push(json!({
            "name": "broker-token",
            "projected": { "sources": [ { "serviceAccountToken": {
                "audience": super::policies::broker_audience(b),
                "expirationSeconds": 3600,
                "path": "token",
            } } ] },
        }));
    }
    if !bindings.is_empty() {
        mounts.extend(bindings.iter().map(|u| {
            json!({
                "name": format!("binding-{}", u.resource.name),
                "mountPath": format!("{BINDING_ROOT}/{}", u.resource.name),
                "readOnly": true,
            })
        }));
        for u in &bindings {
            volumes.push(json!({
                "name": format!("binding-{}", u.resource.name),
                "secret": { "secretName": b.binding_secret(&u.resource.name, u.access, u.prefix.as_deref()) },
            }));
        }
    }

    if !mounts.is_empty() {
        container.insert("volumeMounts".into(), Value::Array(mounts));
    }
    let mut pod = json!({
        "serviceAccountName": f.name,
        "automountServiceAccountToken": false,
        "containerConcurrency": 1,
        "timeoutSeconds": f.timeout.value,
        "containers": [ Value::Object(container) ],
    });
    if !volumes.is_empty() {
        pod["volumes"] = Value::Array(volumes);
    }
    let mut template_metadata = json!({ "labels": b.labels(&f.name) });
    let mut scale = Map::new();
    if let Some(p) = &f.provisioned_concurrency {
        scale.insert(
            "autoscaling.knative.dev/min-scale".into(),
            json!(p.value.to_string()),
        );
    }
    if let Some(r) = &f.reserved_concurrency {
        scale.insert(
            "autoscaling.knative.dev/max-scale".into(),
            json!(r.value.to_string()),
        );
    }
    if !scale.is_empty() {
        template_metadata["annotations"] = Value::Object(scale);
    }

    let mut metadata = b.metadata(&f.name, &f.name);
    let (routes, public) = routes(b, f);
    if !public {
        metadata["labels"]["networking.knative.dev/visibility"] = json!("cluster-local");
    }
    let mut annotations = Map::new();
    if let Some(d) = &f.description {
        annotations.insert("kubernetes.io/description".into(), json!(d));
    }
    if !routes.is_empty() {
        let text = serde_json::to_string(&routes).expect("routes serialize");
        annotations.insert("updraft.dev/routes".into(), json!(text));
    }
    if !annotations.is_empty() {
        metadata["annotations"] = Value::Object(annotations);
    }
    json!({
        "apiVersion": SERVING_API,
        "kind": "Service",
        "metadata": metadata,
        "spec": { "template": { "metadata": template_metadata, "spec": pod } },
    })
}

/// Memory as the request and the limit; CPU requested in Lambda's proportion to memory;
/// `/tmp` as ephemeral storage.
fn resources(f: &Function) -> Value {
    let memory = format!("{}Mi", f.memory.value);
    let storage = format!("{}Mi", f.ephemeral_storage.value);
    let cpu = format!(
        "{}m",
        (u64::from(f.memory.value) * 1000).div_ceil(MB_PER_VCPU)
    );
    json!({
        "requests": { "cpu": cpu, "memory": memory, "ephemeral-storage": storage },
        "limits": { "memory": memory, "ephemeral-storage": storage },
    })
}

/// The function's HTTP routes, for the `updraft.dev/routes` annotation, and whether the
/// Service may be public: it has routes, and none asks for anything Knative Serving cannot
/// enforce (auth, CORS, throttling, a custom domain). Otherwise it stays cluster-local.
fn routes(b: &Builder<'_>, f: &Function) -> (Vec<Value>, bool) {
    let mut routes = Vec::new();
    let mut public = true;
    for event in &f.events {
        let Trigger::Http {
            gateway,
            method,
            path,
            auth,
        } = &event.trigger
        else {
            continue;
        };
        routes
            .push(json!({ "gateway": gateway, "route": crate::model::route_key(*method, path), "auth": auth }));
        let policies = b
            .model
            .gateway(gateway)
            .is_some_and(|g| !gateway_policies(g).is_empty());
        if auth.is_some() || policies {
            public = false;
        }
    }
    let public = public && !routes.is_empty();
    (routes, public)
}

fn gateway_policies(g: &crate::model::Gateway) -> Vec<&'static str> {
    let mut out = Vec::new();
    if g.cors.is_some() {
        out.push("CORS");
    }
    if g.throttle.is_some() {
        out.push("throttling");
    }
    if g.domain.is_some() {
        out.push("a custom domain");
    }
    out
}

/// A gateway whose routes need auth, CORS, throttling or a custom domain: Knative Serving
/// enforces none of them, so its functions are published cluster-local (never open to the
/// internet without them) and the platform's gateway must front them. Not an error: the
/// result is safe and complete for the cluster, and the warning says what is left to do.
fn gateway_warnings(b: &mut Builder<'_>) {
    let mut found = Vec::new();
    // One pass over the functions: per gateway, those routed through it and those with an
    // authenticated route on it, each in function order.
    let mut by_gateway: BTreeMap<&str, (Vec<&Function>, Vec<&Function>)> = BTreeMap::new();
    for f in &b.model.functions {
        let mut seen: BTreeMap<&str, bool> = BTreeMap::new();
        for e in &f.events {
            if let Trigger::Http { gateway, auth, .. } = &e.trigger {
                *seen.entry(gateway.as_str()).or_default() |= auth.is_some();
            }
        }
        for (gateway, authed) in seen {
            let entry = by_gateway.entry(gateway).or_default();
            entry.0.push(f);
            if authed {
                entry.1.push(f);
            }
        }
    }
    for g in &b.model.gateways {
        let Some((routed, authed)) = by_gateway.get(g.name.as_str()) else {
            continue;
        };
        let gateway_wide = gateway_policies(g);
        let mut policies = Vec::new();
        // With a mesh, Istio checks the tokens (`mesh`).
        if !authed.is_empty() && b.mesh.is_none() {
            policies.push("auth");
        }
        policies.extend(gateway_wide.iter().copied());
        let Some((last, init)) = policies.split_last() else {
            continue;
        };
        let list = if init.is_empty() {
            (*last).to_string()
        } else {
            format!("{} and {last}", init.join(", "))
        };
        // Gateway-wide settings hold every route back; route auth only the routes that have it.
        let held = if gateway_wide.is_empty() {
            authed
        } else {
            routed
        };
        let names: Vec<String> = held.iter().map(|f| format!("`{}`", f.name)).collect();
        found.push(
            Diagnostic::new(
                Code::NotEnforcedOnTarget,
                format!(
                    "Knative: gateway `{}` has {list}, which Knative Serving does not enforce; its functions ({}) are published cluster-local",
                    g.name,
                    names.join(", ")
                ),
            )
            .with_label(g.span, "needs the cluster's API gateway")
            .with_help(
                "expose them through the cluster's API gateway or ingress, configured to enforce \
                 these settings; each Service lists its routes in its `updraft.dev/routes` \
                 annotation (targets/knative/README.md)",
            ),
        );
    }
    b.warnings.extend(found);
}

/// Resolves an env value's references to what Knative can express.
fn resolve(
    b: &mut Builder<'_>,
    f: &Function,
    uses: &BTreeMap<&Ref, &Use>,
    value: &EnvValue,
    referenced_secrets: &mut BTreeSet<String>,
) -> Vec<Piece> {
    let mut pieces = Vec::new();
    for part in &value.parts {
        let piece = match part {
            EnvPart::Literal(s) => Piece::Text(s.clone()),
            EnvPart::AppName => Piece::Text(b.model.app.clone()),
            EnvPart::Stage => Piece::Text(b.model.stage_name().to_string()),
            EnvPart::Param(name) => {
                let secret = b
                    .model
                    .param(name)
                    .is_some_and(|p| p.kind == crate::model::ParamType::Secret);
                let (object, key) = (b.params_object(), name.clone());
                if secret {
                    Piece::Secret { name: object, key }
                } else {
                    Piece::Config { name: object, key }
                }
            }
            EnvPart::Ref { target, attr } => {
                if target.kind == Kind::Secret {
                    referenced_secrets.insert(target.name.clone());
                }
                match reference(b, f, uses, value, target, *attr) {
                    Some(piece) => piece,
                    None => continue,
                }
            }
        };
        pieces.push(piece);
    }
    pieces
}

fn reference(
    b: &mut Builder<'_>,
    f: &Function,
    uses: &BTreeMap<&Ref, &Use>,
    value: &EnvValue,
    target: &Ref,
    attr: Attr,
) -> Option<Piece> {
    let written = format!(
        "${{{}.{}.{}}}",
        target.kind.section(),
        target.name,
        attr.as_str()
    );
    match target.kind {
        Kind::Function => Some(Piece::Text(b.function_url(&target.name))),
        Kind::Queue if attr == Attr::Url => Some(Piece::Text(b.broker_url())),
        Kind::Queue | Kind::Topic => Some(Piece::Text(b.event_type(target.kind, &target.name))),
        Kind::Auth => {
            let auth = b.model.auth(&target.name)?;
            // Cognito is reported by `support`; a jwt auth's issuer is plain text.
            (auth.kind == AuthKind::Jwt && attr == Attr::Issuer)
                .then(|| Piece::Text(auth.issuer.clone().unwrap_or_default()))
                .or_else(|| {
                    if auth.kind == AuthKind::Jwt {
                        b.error(
                            Diagnostic::new(
                                Code::UnsupportedOnTarget,
                                format!("Knative: `{written}` has no value for a `jwt` auth"),
                            )
                            .with_label(value.span, "only `issuer` is known")
                            .with_help(format!("reference `${{auth.{}.issuer}}`", target.name)),
                        );
                    }
                    None
                })
        }
        Kind::Gateway => {
            b.error(
                Diagnostic::new(
                    Code::UnsupportedOnTarget,
                    format!("Knative: `{written}` has no equivalent; Knative has no API gateway"),
                )
                .with_label(value.span, "each function has its own URL on Knative")
                .with_help(
                    "reference the function that serves the route instead: on Knative \
                     `${functions.<name>.name}` is its URL",
                ),
            );
            None
        }
        Kind::Table | Kind::Bucket | Kind::Secret => {
            let Some(u) = uses.get(target) else {
                b.error(
                    Diagnostic::new(
                        Code::UnsupportedOnTarget,
                        format!("Knative: function `{}` references {target} but does not use it", f.name),
                    )
                    .with_label(value.span, format!("`{written}`"))
                    .with_help(format!(
                        "add `uses: {{ {}: read }}` (or the access it needs), or remove the reference: on Knative a {}'s details \
                         reach only the functions that use it, through a Secret",
                        target.name,
                        target.kind.noun()
                    )),
                );
                return None;
            };
            if target.kind == Kind::Secret {
                let secret = b.model.secret(&target.name)?;
                let (name, key) = match secret.store {
                    SecretStore::Kubernetes => (secret.external_name.clone(), secret.key.clone()?),
                    _ => (
                        format!("{}-{}", b.model.app, secret.name),
                        "value".to_string(),
                    ),
                };
                Some(Piece::Secret { name, key })
            } else {
                Some(Piece::Secret {
                    name: b.binding_secret(&target.name, u.access, u.prefix.as_deref()),
                    key: attr.as_str().to_string(),
                })
            }
        }
    }
}

/// An env var from resolved pieces: a plain `value`, one `secretKeyRef`, or a `value` that
/// composes text with helper variables read from Secrets (Kubernetes expands `$(NAME)` of
/// variables defined earlier; a literal `$` is written `$$`).
fn env_var(name: &str, pieces: Vec<Piece>, helpers: &mut BTreeMap<String, Value>) -> Value {
    if let [Piece::Secret { name: secret, key }] = pieces.as_slice() {
        return json!({ "name": name, "valueFrom": { "secretKeyRef": { "name": secret, "key": key } } });
    }
    if let [Piece::Config { name: config, key }] = pieces.as_slice() {
        return json!({ "name": name, "valueFrom": { "configMapKeyRef": { "name": config, "key": key } } });
    }
    let mut value = String::new();
    for piece in pieces {
        match piece {
            Piece::Text(text) => value.push_str(&escape(&text)),
            Piece::Secret { name: secret, key } => {
                let helper = helper_name(&secret, &key);
                let _ = write!(value, "$({helper})");
                helpers.entry(helper.clone()).or_insert_with(|| {
                    json!({ "name": helper, "valueFrom": { "secretKeyRef": { "name": secret, "key": key } } })
                });
            }
            Piece::Config { name: config, key } => {
                let helper = format!("{HELPER_PREFIX}PARAM_{}", upper_snake(&key));
                let _ = write!(value, "$({helper})");
                helpers.entry(helper.clone()).or_insert_with(|| {
                    json!({ "name": helper, "valueFrom": { "configMapKeyRef": { "name": config, "key": key } } })
                });
            }
        }
    }
    json!({ "name": name, "value": value })
}

fn helper_name(secret: &str, key: &str) -> String {
    format!(
        "{HELPER_PREFIX}SECRET_{}",
        upper_snake(&format!("{secret}_{key}"))
    )
}

/// `orders-placed` → `ORDERS_PLACED`: a name as part of an env var name.
fn upper_snake(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// Kubernetes expands `$(NAME)` in env values; `$$` is a literal `$`.
fn escape(text: &str) -> String {
    text.replace('$', "$$")
}

/// What the function may reach on Knative, each with the spec text that caused it.
pub(super) fn grants(b: &Builder<'_>, f: &Function, plan: &Plan) -> Vec<(String, access::Cause)> {
    let mut grants = Vec::new();
    for caused in access::needs(f) {
        let grant = match &caused.need {
            Need::Use {
                resource,
                access,
                prefix,
            } => match resource.kind {
                Kind::Table | Kind::Bucket => format!(
                    "Secret `{}` mounted at {BINDING_ROOT}/{}",
                    b.binding_secret(&resource.name, *access, prefix.as_deref()),
                    resource.name
                ),
                Kind::Secret => match b.model.secret(&resource.name) {
                    Some(s) if s.store == SecretStore::Kubernetes => format!(
                        "key `{}` of Secret `{}`, by reference",
                        s.key.clone().unwrap_or_default(),
                        s.external_name
                    ),
                    _ => format!(
                        "key `value` of Secret `{}-{}`, by reference",
                        b.model.app, resource.name
                    ),
                },
                Kind::Queue if *access == Access::Consume => continue, // the `queue` event's Trigger
                Kind::Queue | Kind::Topic => format!(
                    "posts events of type `{}` to Broker `{}`, admitted by EventPolicy `{}`",
                    b.event_type(resource.kind, &resource.name),
                    b.broker(),
                    super::policies::policy_name(b, resource.kind, &resource.name)
                ),
                Kind::Function => format!(
                    "calls {}, or posts events of type `{}` to Broker `{}`, admitted by EventPolicy `{}`",
                    b.function_url(&resource.name),
                    b.event_type(Kind::Function, &resource.name),
                    b.broker(),
                    super::policies::policy_name(b, Kind::Function, &resource.name)
                ),
                Kind::Gateway | Kind::Auth => continue,
            },
            Need::Poll { resource } if resource.kind == Kind::Queue => {
                let mut grant = format!(
                    "receives events of type `{}` from Broker `{}` through a Trigger",
                    b.event_type(Kind::Queue, &resource.name),
                    b.broker()
                );
                if plan.dead_letters.contains(&resource.name) {
                    let _ = write!(
                        grant,
                        ", and the queue's dead letters from Broker `{}`",
                        b.dead_letter_broker(&resource.name)
                    );
                }
                grant
            }
            Need::DeadLetter { resource } => {
                format!(
                    "failed deliveries go to Broker `{}`",
                    b.dead_letter_broker(&resource.name)
                )
            }
            Need::Poll { .. } | Need::Logs | Need::Tracing => continue,
        };
        grants.push((grant, caused.cause));
    }
    grants
}

fn service_account(b: &Builder<'_>, f: &Function, plan: &Plan) -> Value {
    let grants: Vec<Value> = grants(b, f, plan)
        .into_iter()
        .map(|(grant, cause)| json!({ "grant": grant, "why": cause.why }))
        .collect();
    let mut metadata = b.metadata(&f.name, &f.name);
    if !grants.is_empty() {
        let text = serde_json::to_string(&grants).expect("grants serialize");
        metadata["annotations"] = json!({ "updraft.dev/access": text });
    }
    json!({
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": metadata,
        "automountServiceAccountToken": false,
    })
}
