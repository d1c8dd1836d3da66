//! The model: the spec checked, with defaults and the chosen stage applied and every name
//! resolved. Later stages read only this. It is not serializable on purpose: the spec is
//! the public format, the targets' outputs are the other; this is free to change.
//!
//! **Invariant:** a `Model` exists only for a spec with no errors; every name in it refers
//! to a declared resource of the right kind.

mod check;
mod flow;
pub use flow::{Hop, Loop};

pub use check::slug;
pub mod env;
mod schedule;

use std::collections::BTreeMap;

pub use env::{EnvPart, EnvValue};
pub use schedule::Schedule;

use crate::diag::{Code, Diagnostic};
use crate::source::Span;
pub use crate::spec::{
    Access, AlarmMetric, Architecture, AuthKind, Billing, BucketChange, Effect, KeyType, ParamType,
    ParamValue, Projection, SecretStore, StartingPosition, StreamView,
};

/// How often Lambda retries a failed asynchronous invocation when the spec does not say
/// (Lambda's own default).
pub const DEFAULT_RETRIES: u32 = 2;

/// The stage name `${app.stage}` resolves to when no `--stage` is applied.
pub const DEFAULT_STAGE: &str = "default";

/// The kinds of resource a spec declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Function,
    Gateway,
    Table,
    Queue,
    Topic,
    Bucket,
    Auth,
    Secret,
}

impl Kind {
    /// Every kind, in the order help texts and sections list them.
    pub const ALL: [Kind; 8] = [
        Kind::Function,
        Kind::Gateway,
        Kind::Table,
        Kind::Queue,
        Kind::Topic,
        Kind::Bucket,
        Kind::Auth,
        Kind::Secret,
    ];

    /// The singular noun used in messages: "table `orders`".
    #[must_use]
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Function => "function",
            Kind::Gateway => "gateway",
            Kind::Table => "table",
            Kind::Queue => "queue",
            Kind::Topic => "topic",
            Kind::Bucket => "bucket",
            Kind::Auth => "auth",
            Kind::Secret => "secret",
        }
    }

    /// The kind a spec section (or reference prefix) declares: `tables` → table.
    #[must_use]
    pub fn from_section(section: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.section() == section)
    }

    /// The spec section (and reference prefix): `tables`, `queues`, ...
    #[must_use]
    pub fn section(self) -> &'static str {
        match self {
            Kind::Function => "functions",
            Kind::Gateway => "gateways",
            Kind::Table => "tables",
            Kind::Queue => "queues",
            Kind::Topic => "topics",
            Kind::Bucket => "buckets",
            Kind::Auth => "auth",
            Kind::Secret => "secrets",
        }
    }

    /// The access levels `uses` may give on this kind.
    #[must_use]
    pub fn access_levels(self) -> &'static [Access] {
        match self {
            Kind::Table => &[
                Access::Read,
                Access::Write,
                Access::ReadWrite,
                Access::Put,
                Access::Update,
                Access::Delete,
            ],
            Kind::Bucket => &[
                Access::Read,
                Access::ReadVersions,
                Access::Write,
                Access::ReadWrite,
                Access::Delete,
            ],
            Kind::Queue => &[Access::Send, Access::Consume],
            Kind::Topic => &[Access::Publish],
            Kind::Function => &[Access::Invoke],
            Kind::Secret => &[Access::Read],
            Kind::Gateway | Kind::Auth => &[],
        }
    }
}

/// A resource named by kind and name, ordered by kind then name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ref {
    pub kind: Kind,
    pub name: String,
}

impl Ref {
    pub fn new(kind: Kind, name: impl Into<String>) -> Self {
        Self {
            kind,
            name: name.into(),
        }
    }
}

impl std::fmt::Display for Ref {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} `{}`", self.kind.noun(), self.name)
    }
}

/// A validated app. Every collection is sorted by name.
#[derive(Clone, Debug)]
pub struct Model {
    pub app: String,
    /// Where lint reports a setting that `defaults` could give every function: the start
    /// of `defaults`, or the app's name when the spec has no `defaults`.
    pub defaults_span: Span,
    pub stage: Option<String>,
    pub functions: Vec<Function>,
    pub gateways: Vec<Gateway>,
    pub tables: Vec<Table>,
    pub queues: Vec<Queue>,
    pub topics: Vec<Topic>,
    pub buckets: Vec<Bucket>,
    pub auths: Vec<Auth>,
    pub secrets: Vec<Secret>,
    pub alarms: Vec<Alarm>,
    /// Deploy-time inputs, sorted by name.
    pub params: Vec<Param>,
    pub lint: LintSettings,
}

impl Model {
    #[must_use]
    pub fn function(&self, name: &str) -> Option<&Function> {
        find(&self.functions, name, |f| &f.name)
    }
    #[must_use]
    pub fn gateway(&self, name: &str) -> Option<&Gateway> {
        find(&self.gateways, name, |g| &g.name)
    }
    #[must_use]
    pub fn table(&self, name: &str) -> Option<&Table> {
        find(&self.tables, name, |t| &t.name)
    }
    #[must_use]
    pub fn queue(&self, name: &str) -> Option<&Queue> {
        find(&self.queues, name, |q| &q.name)
    }
    #[must_use]
    pub fn topic(&self, name: &str) -> Option<&Topic> {
        find(&self.topics, name, |t| &t.name)
    }
    #[must_use]
    pub fn bucket(&self, name: &str) -> Option<&Bucket> {
        find(&self.buckets, name, |b| &b.name)
    }
    #[must_use]
    pub fn auth(&self, name: &str) -> Option<&Auth> {
        find(&self.auths, name, |a| &a.name)
    }
    #[must_use]
    pub fn secret(&self, name: &str) -> Option<&Secret> {
        find(&self.secrets, name, |s| &s.name)
    }
    #[must_use]
    pub fn param(&self, name: &str) -> Option<&Param> {
        find(&self.params, name, |p| &p.name)
    }

    /// The applied stage's name, or [`DEFAULT_STAGE`].
    #[must_use]
    pub fn stage_name(&self) -> &str {
        self.stage.as_deref().unwrap_or(DEFAULT_STAGE)
    }

    /// How long gateway access logs are kept: as long as the longest function log retention,
    /// else 30 days.
    #[must_use]
    pub fn access_log_days(&self) -> u32 {
        self.functions
            .iter()
            .filter_map(|f| f.log_retention.as_ref().map(|r| r.value))
            .max()
            .unwrap_or(30)
    }

    /// The auths that guard at least one route of a gateway, sorted.
    #[must_use]
    pub fn route_auths(&self, gateway: &str) -> Vec<&str> {
        let mut used: Vec<&str> = self
            .functions
            .iter()
            .flat_map(|f| &f.events)
            .filter_map(|e| match &e.trigger {
                Trigger::Http {
                    gateway: g,
                    auth: Some(auth),
                    ..
                } if g == gateway => Some(auth.as_str()),
                _ => None,
            })
            .collect();
        used.sort_unstable();
        used.dedup();
        used
    }

    /// Every bucket trigger on a bucket: (function, index of the event, change, prefix, suffix).
    #[must_use]
    pub fn bucket_triggers(&self, bucket: &str) -> Vec<BucketTrigger<'_>> {
        let mut out = Vec::new();
        for f in &self.functions {
            for (index, event) in f.events.iter().enumerate() {
                if let Trigger::Bucket {
                    bucket: b,
                    on,
                    prefix,
                    suffix,
                } = &event.trigger
                    && b == bucket
                {
                    out.push(BucketTrigger {
                        function: f,
                        index,
                        on: *on,
                        prefix: prefix.as_deref(),
                        suffix: suffix.as_deref(),
                    });
                }
            }
        }
        out
    }

    /// Every declared resource with the span of its name, sorted by kind then name.
    #[must_use]
    pub fn resources(&self) -> Vec<(Ref, Span)> {
        let mut out = Vec::new();
        let mut add = |kind, name: &str, span| out.push((Ref::new(kind, name), span));
        self.functions
            .iter()
            .for_each(|r| add(Kind::Function, &r.name, r.span));
        self.gateways
            .iter()
            .for_each(|r| add(Kind::Gateway, &r.name, r.span));
        self.tables
            .iter()
            .for_each(|r| add(Kind::Table, &r.name, r.span));
        self.queues
            .iter()
            .for_each(|r| add(Kind::Queue, &r.name, r.span));
        self.topics
            .iter()
            .for_each(|r| add(Kind::Topic, &r.name, r.span));
        self.buckets
            .iter()
            .for_each(|r| add(Kind::Bucket, &r.name, r.span));
        self.auths
            .iter()
            .for_each(|r| add(Kind::Auth, &r.name, r.span));
        self.secrets
            .iter()
            .for_each(|r| add(Kind::Secret, &r.name, r.span));
        out
    }
}

fn find<'a, T>(items: &'a [T], name: &str, key: impl Fn(&T) -> &String) -> Option<&'a T> {
    items
        .binary_search_by(|item| key(item).as_str().cmp(name))
        .ok()
        .map(|i| &items[i])
}

/// A setting's value and the span it came from (the function's own line, a stage's, or
/// the defaults'); `span` is empty for a built-in default.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Setting<T> {
    pub fn new(value: T, span: Span) -> Self {
        Self { value, span }
    }
}

#[derive(Clone, Debug)]
pub enum CodeSource {
    /// A handler in a runtime, with the code's path.
    Handler {
        handler: String,
        runtime: Setting<String>,
        /// `code:` as written (a folder or a zip, relative to the spec), with its span.
        path: Option<Setting<String>>,
        /// The code package's path under `--out` (`packages/<name>-<hash>.zip`), set by
        /// `package::attach` once the code has been read; `None` when nothing was packaged.
        package: Option<String>,
    },
    /// A container image.
    Image { image: String },
}

#[derive(Clone, Debug)]
pub struct Function {
    pub name: String,
    /// The span of the function's name in the spec.
    pub span: Span,
    pub description: Option<String>,
    pub code: CodeSource,
    /// The span of `handler:` or `image:`.
    pub code_span: Span,
    pub memory: Setting<u32>,
    pub timeout: Setting<u64>,
    pub architecture: Setting<Architecture>,
    pub ephemeral_storage: Setting<u32>,
    pub tracing: Setting<bool>,
    /// Days; `None` keeps logs forever.
    pub log_retention: Option<Setting<u32>>,
    pub env: BTreeMap<String, EnvValue>,
    pub uses: Vec<Use>,
    pub events: Vec<Event>,
    /// Lambda layer version ARNs, in order (zip functions only).
    pub layers: Vec<Setting<String>>,
    pub retries: Option<Setting<u32>>,
    pub dead_letter: Option<Setting<Ref>>,
    pub reserved_concurrency: Option<Setting<u32>>,
    pub provisioned_concurrency: Option<Setting<u32>>,
    pub permissions: Vec<Statement>,
    pub suppress: Vec<Suppression>,
}

impl Function {
    /// The queue that catches what the function's asynchronous sources fail to deliver: its
    /// dead letter target when that is a queue (EventBridge and SNS redrive only to SQS).
    #[must_use]
    pub fn delivery_dead_letter(&self) -> Option<&str> {
        self.dead_letter
            .as_ref()
            .filter(|d| d.value.kind == Kind::Queue)
            .map(|d| d.value.name.as_str())
    }

    /// How often a failed asynchronous invocation is retried: the spec's `retries`, else
    /// [`DEFAULT_RETRIES`].
    #[must_use]
    pub fn retry_attempts(&self) -> u32 {
        self.retries.as_ref().map_or(DEFAULT_RETRIES, |r| r.value)
    }

    /// Whether the function needs an asynchronous invoke config: it sets retries or a dead
    /// letter target, or an asynchronous source invokes it.
    #[must_use]
    pub fn needs_invoke_config(&self) -> bool {
        self.retries.is_some() || self.dead_letter.is_some() || self.async_events().next().is_some()
    }

    /// Whether the function is triggered asynchronously (events that are not request-response
    /// and not polled): bucket, topic, schedule, iot.
    pub fn async_events(&self) -> impl Iterator<Item = &Event> {
        self.events.iter().filter(|e| {
            matches!(
                e.trigger,
                Trigger::Bucket { .. }
                    | Trigger::Topic { .. }
                    | Trigger::Schedule(_)
                    | Trigger::Iot { .. }
            )
        })
    }
}

/// A function triggered by a bucket (see [`Model::bucket_triggers`]).
pub struct BucketTrigger<'a> {
    pub function: &'a Function,
    /// The event's index among the function's events.
    pub index: usize,
    pub on: BucketChange,
    pub prefix: Option<&'a str>,
    pub suffix: Option<&'a str>,
}

/// A `uses` entry, resolved.
#[derive(Clone, Debug)]
pub struct Use {
    pub resource: Ref,
    pub access: Access,
    /// Bucket key prefix, for example `thumbs/`.
    pub prefix: Option<String>,
    /// The span of the whole entry (name and access).
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Event {
    pub trigger: Trigger,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum Trigger {
    Http {
        gateway: String,
        method: Method,
        path: String,
        /// `None`: public.
        auth: Option<String>,
    },
    Schedule(Schedule),
    Queue {
        queue: String,
        batch_size: u32,
        window: Option<u64>,
        maximum_concurrency: Option<u32>,
    },
    Topic {
        topic: String,
        filter: BTreeMap<String, Vec<String>>,
    },
    Bucket {
        bucket: String,
        on: BucketChange,
        prefix: Option<String>,
        suffix: Option<String>,
    },
    Table {
        table: String,
        starting_position: StartingPosition,
        batch_size: u32,
        window: Option<u64>,
    },
    Iot {
        sql: String,
    },
}

/// The gateway's catch-all route, for requests that no other route matches. The model
/// keeps it as method `ANY` and this path; [`route_key`] and [`route_arn_part`] write it.
pub const DEFAULT_ROUTE: &str = "$default";

/// An HTTP API route's method; `ANY` matches every method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    Any,
    Delete,
    Get,
    Head,
    Options,
    Patch,
    Post,
    Put,
}

impl Method {
    pub const ALL: [Method; 8] = [
        Method::Any,
        Method::Delete,
        Method::Get,
        Method::Head,
        Method::Options,
        Method::Patch,
        Method::Post,
        Method::Put,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Any => "ANY",
            Method::Delete => "DELETE",
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Options => "OPTIONS",
            Method::Patch => "PATCH",
            Method::Post => "POST",
            Method::Put => "PUT",
        }
    }

    /// The method spelled exactly as HTTP APIs take it (upper case).
    #[must_use]
    pub fn parse(text: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.as_str() == text)
    }

    /// Whether the method only reads (GET, HEAD, OPTIONS).
    #[must_use]
    pub fn is_safe(self) -> bool {
        matches!(self, Method::Get | Method::Head | Method::Options)
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A route as API Gateway keys it: `METHOD /path`, or `$default`.
#[must_use]
pub fn route_key(method: Method, path: &str) -> String {
    if path == DEFAULT_ROUTE {
        path.to_string()
    } else {
        format!("{method} {path}")
    }
}

/// The route's part of the execute-api ARN a permission names (after `<api>/<stage>/`):
/// `GET/path`, `*/path` for `ANY`, or `$default`.
#[must_use]
pub fn route_arn_part(method: Method, path: &str) -> String {
    if path == DEFAULT_ROUTE {
        path.to_string()
    } else if method == Method::Any {
        format!("*{path}")
    } else {
        format!("{method}{path}")
    }
}

impl Trigger {
    /// The resource the event comes from, if it is one the app declares.
    #[must_use]
    pub fn source(&self) -> Option<Ref> {
        match self {
            Trigger::Http { gateway, .. } => Some(Ref::new(Kind::Gateway, gateway)),
            Trigger::Queue { queue, .. } => Some(Ref::new(Kind::Queue, queue)),
            Trigger::Topic { topic, .. } => Some(Ref::new(Kind::Topic, topic)),
            Trigger::Bucket { bucket, .. } => Some(Ref::new(Kind::Bucket, bucket)),
            Trigger::Table { table, .. } => Some(Ref::new(Kind::Table, table)),
            Trigger::Schedule(_) | Trigger::Iot { .. } => None,
        }
    }

    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Trigger::Http { .. } => "http",
            Trigger::Schedule(_) => "schedule",
            Trigger::Queue { .. } => "queue",
            Trigger::Topic { .. } => "topic",
            Trigger::Bucket { .. } => "bucket",
            Trigger::Table { .. } => "table",
            Trigger::Iot { .. } => "iot",
        }
    }
}

/// A deploy-time input (`params:`), with the chosen stage's value as its default.
#[derive(Clone, Debug)]
pub struct Param {
    pub name: String,
    pub kind: ParamType,
    pub description: Option<String>,
    /// The stage's value, else the param's own `default`; `None`: required at deploy.
    pub default: Option<ParamValue>,
    pub allowed: Vec<ParamValue>,
    /// The param's name in the spec.
    pub span: Span,
}

/// A raw IAM statement from `permissions:`, kept as written for lint and emitted as is.
#[derive(Clone, Debug)]
pub struct Statement {
    pub effect: Effect,
    pub actions: Vec<Setting<String>>,
    pub not_actions: Vec<Setting<String>>,
    pub resources: Vec<Setting<String>>,
    pub not_resources: Vec<Setting<String>>,
    pub condition: Option<serde_json::Value>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Suppression {
    pub code: Code,
    pub reason: String,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Gateway {
    pub name: String,
    pub span: Span,
    pub cors: Option<Cors>,
    pub default_auth: Option<String>,
    pub throttle: Option<(f64, u32)>,
    pub domain: Option<(String, String)>,
    pub suppress: Vec<Suppression>,
}

#[derive(Clone, Debug, Default)]
pub struct Cors {
    pub origins: Vec<String>,
    pub methods: Vec<String>,
    pub headers: Vec<String>,
    pub max_age: Option<u64>,
    pub credentials: bool,
}

#[derive(Clone, Debug)]
pub struct Key {
    pub name: String,
    pub kind: KeyType,
}

#[derive(Clone, Debug)]
pub struct Index {
    pub name: String,
    pub partition_key: Key,
    pub sort_key: Option<Key>,
    pub projection: Projection,
}

#[derive(Clone, Debug)]
pub struct Table {
    pub name: String,
    pub span: Span,
    pub partition_key: Key,
    pub sort_key: Option<Key>,
    pub indexes: Vec<Index>,
    pub stream: Option<StreamView>,
    pub ttl: Option<String>,
    pub billing: Billing,
    /// (read, write) units with provisioned billing.
    pub capacity: Option<(u32, u32)>,
    pub point_in_time_recovery: Setting<bool>,
    pub suppress: Vec<Suppression>,
}

#[derive(Clone, Debug)]
pub struct Queue {
    pub name: String,
    pub span: Span,
    pub fifo: bool,
    pub visibility_timeout: Setting<u64>,
    pub retention: u64,
    pub delay: u64,
    pub dead_letter: Option<QueueDeadLetter>,
    pub suppress: Vec<Suppression>,
}

#[derive(Clone, Debug)]
pub struct QueueDeadLetter {
    pub queue: String,
    pub max_receives: u32,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Topic {
    pub name: String,
    pub span: Span,
    pub fifo: bool,
    pub display_name: Option<String>,
    pub suppress: Vec<Suppression>,
}

#[derive(Clone, Debug)]
pub struct Bucket {
    pub name: String,
    pub span: Span,
    pub versioning: bool,
    pub public: Setting<bool>,
    /// (prefix, expire after days)
    pub lifecycle: Vec<(Option<String>, u64)>,
    pub cors: Option<Cors>,
    pub suppress: Vec<Suppression>,
}

#[derive(Clone, Debug)]
pub struct Auth {
    pub name: String,
    pub span: Span,
    pub kind: AuthKind,
    pub issuer: Option<String>,
    pub audience: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Secret {
    pub name: String,
    pub span: Span,
    pub store: SecretStore,
    /// The secret's name in its store.
    pub external_name: String,
    pub key: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Alarm {
    pub name: String,
    pub span: Span,
    pub metric: AlarmMetric,
    /// The watched function or queue.
    pub target: Ref,
    pub threshold: f64,
    pub period: u64,
    pub evaluation_periods: u32,
    pub notify: Option<String>,
}

/// The spec's `lint:` section, resolved to codes.
#[derive(Clone, Debug, Default)]
pub struct LintSettings {
    pub deny: Vec<Code>,
    pub warn: Vec<Code>,
    pub allow: Vec<Code>,
}

/// Options that shape the model: which stage to apply, and what reading found.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub stage: Option<String>,
    /// Top-level keys that are misspellings of a section (`tabels:`), already reported as
    /// unknown keys: names declared under them are not reported again as undeclared.
    pub misspelt: Vec<Misspelt>,
}

/// A top-level key close to a section's name, and the names declared under it.
#[derive(Clone, Debug)]
pub struct Misspelt {
    pub kind: Kind,
    pub key: String,
    pub names: Vec<String>,
}

/// The top-level keys of a spec that misspell a section of resources: `tabels:` for
/// `tables:`, with the names under them.
#[must_use]
pub fn misspelt_sections(node: &crate::syntax::Node) -> Vec<Misspelt> {
    use crate::syntax::NodeKind;
    let NodeKind::Map(entries) = &node.kind else {
        return Vec::new();
    };
    let known = <crate::spec::Spec as crate::spec::read::Fields>::keys();
    let mut out = Vec::new();
    for (key, value) in entries {
        let NodeKind::Str(text) = &key.kind else {
            continue;
        };
        if known.contains(&text.as_str()) {
            continue;
        }
        let sections = Kind::ALL.iter().map(|k| k.section());
        let Some(close) = crate::diag::suggest(text, sections) else {
            continue;
        };
        let Some(kind) = Kind::from_section(close) else {
            continue;
        };
        let names = match &value.kind {
            NodeKind::Map(inner) => inner
                .iter()
                .filter_map(|(k, _)| match &k.kind {
                    NodeKind::Str(n) => Some(n.clone()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        out.push(Misspelt {
            kind,
            key: text.clone(),
            names,
        });
    }
    out
}

/// Checks a spec and builds its model, reporting every problem.
///
/// # Errors
/// All diagnostics, when the spec has any error.
pub fn build(spec: &crate::spec::Spec, options: &Options) -> Result<Model, Vec<Diagnostic>> {
    check::build(spec, options)
}
