//! The AWS plan: every AWS decision, made once, from the model and the derived policies.
//! CloudFormation and Terraform both render this plan; neither reads the model for anything
//! the plan decided (settings, defaults, enum strings, principals, permission sources, what
//! needs an invoke config, which auths need authorizers...). A backend decides only how to
//! write a value (`Fn::Sub` or an HCL traversal, a logical id or a label) and what its engine
//! alone needs (ordering, nested stacks, `name_prefix`).
//!
//! **Invariant:** an AWS decision is made once, here.

use std::collections::BTreeMap;

use crate::access::aws::Policy;
use crate::diag::{Code as DiagCode, Diagnostic};
use crate::limits;
use crate::model::{
    AlarmMetric, Architecture, AuthKind, Billing, BucketChange, CodeSource, Cors, Function, Index,
    KeyType, Kind, Method, Model, Projection, Ref, SecretStore, StartingPosition, StreamView,
    Trigger,
};
use crate::source::Span;
use crate::targets::aws::{self, ArnPart};
use crate::targets::naming::bounded_name;

/// What a function response may report (partial batch failures).
pub const BATCH_RESPONSE_TYPES: &[&str] = &["ReportBatchItemFailures"];
/// Retries of a stream record before it goes to the function's dead letter target.
pub const STREAM_RETRIES: u32 = 5;
/// The fields of an HTTP API access-log line, in order.
pub const ACCESS_LOG_FIELDS: &[(&str, &str)] = &[
    ("requestId", "$context.requestId"),
    ("ip", "$context.identity.sourceIp"),
    ("requestTime", "$context.requestTime"),
    ("routeKey", "$context.routeKey"),
    ("status", "$context.status"),
    ("responseLength", "$context.responseLength"),
    ("integrationError", "$context.integrationErrorMessage"),
];

/// The whole app, planned for AWS.
pub struct Plan<'m> {
    pub model: &'m Model,
    /// The tags every taggable resource carries: the app, and the stage when one is applied.
    pub tags: Vec<(&'static str, &'m str)>,
    /// Whether any function is a code package (the artifact bucket and prefix are inputs of
    /// CloudFormation, which deploys code from S3).
    pub code_packages: bool,
    /// Whether any code package was not written by `compile` (Terraform, which otherwise
    /// reads packages from beside the module, then needs the bucket too).
    pub unwritten_packages: bool,
    /// The default key prefix of the code packages.
    pub artifact_prefix: String,
    /// Functions that use a Kubernetes secret: no AWS form.
    pub refusals: Vec<Refusal>,
    pub tables: Vec<TablePlan<'m>>,
    pub queues: Vec<QueuePlan<'m>>,
    pub topics: Vec<TopicPlan<'m>>,
    pub buckets: Vec<BucketPlan<'m>>,
    pub user_pools: Vec<UserPool<'m>>,
    pub apis: Vec<HttpApi<'m>>,
    pub functions: Vec<FunctionPlan<'m>>,
    /// Per queue (sorted), the services allowed to deliver failed events to it.
    pub deliveries: BTreeMap<String, Vec<Delivery>>,
    pub alarms: Vec<AlarmPlan<'m>>,
    /// Deploy-time inputs ([`super::params`]).
    pub params: Vec<super::params::ParamPlan<'m>>,
}

/// A function that uses a Kubernetes secret (by `uses` or in an env value).
pub struct Refusal {
    pub function: String,
    pub secret: String,
    pub span: Span,
}

impl Refusal {
    /// The error, named for a target (`CloudFormation`, `Terraform`).
    #[must_use]
    pub fn diagnostic(&self, target: &str) -> Diagnostic {
        Diagnostic::new(
            DiagCode::UnsupportedOnTarget,
            format!(
                "{target}: function `{}` uses secret `{}`, which is held in Kubernetes",
                self.function, self.secret
            ),
        )
        .with_label(self.span, "a Kubernetes Secret is out of reach on AWS")
        .with_help("hold the secret in `secrets_manager` or `ssm` for AWS targets, or compile with `--target knative`")
    }
}

pub struct TablePlan<'m> {
    pub name: &'m str,
    pub physical: String,
    /// What the output naming the table says.
    pub output: String,
    /// Every key attribute with its DynamoDB type (`S`, `N`, `B`), sorted by name.
    pub attributes: Vec<(String, &'static str)>,
    pub hash_key: &'m str,
    pub range_key: Option<&'m str>,
    pub billing_mode: &'static str,
    /// (read, write) units with provisioned billing; also each index's.
    pub capacity: Option<(u32, u32)>,
    pub indexes: Vec<IndexPlan<'m>>,
    pub stream_view: Option<&'static str>,
    pub ttl: Option<&'m str>,
    pub point_in_time_recovery: bool,
    pub encrypted: bool,
}

pub struct IndexPlan<'m> {
    pub name: &'m str,
    pub hash_key: &'m str,
    pub range_key: Option<&'m str>,
    pub projection: &'static str,
}

pub struct QueuePlan<'m> {
    pub name: &'m str,
    pub physical: String,
    pub output: String,
    pub fifo: bool,
    pub visibility_timeout: u64,
    pub retention: u64,
    /// Set only when not zero.
    pub delay: Option<u64>,
    /// (dead letter queue, max receives)
    pub redrive: Option<(&'m str, u32)>,
    pub encrypted: bool,
}

pub struct TopicPlan<'m> {
    pub name: &'m str,
    pub physical: String,
    pub output: String,
    pub fifo: bool,
    pub display_name: Option<&'m str>,
}

pub struct BucketPlan<'m> {
    pub name: &'m str,
    /// Globally unique: carries the account and region ([`super::global_name`]).
    pub physical: Vec<ArnPart>,
    /// Its objects' ARN, for the bucket policy.
    pub objects: Vec<ArnPart>,
    pub output: String,
    /// Public buckets let anyone read objects; every bucket refuses plain HTTP.
    pub public: bool,
    /// (block public ACLs, ignore public ACLs, block public policy, restrict public buckets)
    pub access_block: (bool, bool, bool, bool),
    pub versioning: &'static str,
    pub sse_algorithm: &'static str,
    pub ownership: &'static str,
    pub lifecycle: Vec<LifecycleRule<'m>>,
    pub cors: Option<BucketCors<'m>>,
    /// The bucket's function notifications, each waiting for its function's permission.
    pub notifications: Vec<Notification<'m>>,
}

pub struct LifecycleRule<'m> {
    pub id: String,
    pub status: &'static str,
    pub prefix: Option<&'m str>,
    pub days: u64,
}

/// S3 CORS: S3 has no `*`, `OPTIONS` or `PATCH` method; no method given means `GET`.
pub struct BucketCors<'m> {
    pub origins: &'m [String],
    pub methods: Vec<String>,
    pub headers: &'m [String],
    pub max_age: Option<u64>,
}

pub struct Notification<'m> {
    pub function: &'m str,
    /// The event's index among the function's events (its permission's).
    pub index: usize,
    pub event: &'static str,
    pub prefix: Option<&'m str>,
    pub suffix: Option<&'m str>,
}

/// A Cognito user pool and its app client (a `cognito` auth).
pub struct UserPool<'m> {
    pub name: &'m str,
    pub physical: String,
    /// What the outputs naming the pool and its app client say.
    pub pool_output: String,
    pub client_output: String,
    pub username_attributes: &'static [&'static str],
    pub auto_verified_attributes: &'static [&'static str],
    pub password: PasswordPolicy,
    pub generate_secret: bool,
    pub auth_flows: &'static [&'static str],
    pub prevent_user_existence_errors: &'static str,
}

#[expect(
    clippy::struct_excessive_bools,
    reason = "mirrors Cognito's PasswordPolicy fields one to one"
)]
pub struct PasswordPolicy {
    pub minimum_length: u32,
    pub require_lowercase: bool,
    pub require_uppercase: bool,
    pub require_numbers: bool,
    pub require_symbols: bool,
}

pub struct HttpApi<'m> {
    pub name: &'m str,
    pub physical: String,
    pub protocol: &'static str,
    /// What the output giving the base URL says.
    pub output: String,
    pub cors: Option<ApiCors<'m>>,
    /// Whether any route is guarded (it has JWT authorizers).
    pub guarded: bool,
    pub access_log_group: String,
    pub access_log_days: u32,
    pub stage: &'static str,
    pub auto_deploy: bool,
    /// (rate, burst)
    pub throttle: Option<(f64, u32)>,
    pub authorizers: Vec<Authorizer<'m>>,
    pub domain: Option<Domain<'m>>,
}

/// HTTP API CORS; no method given means the methods of the gateway's routes (`ANY` as `*`).
pub struct ApiCors<'m> {
    pub origins: &'m [String],
    pub methods: Vec<String>,
    pub headers: &'m [String],
    pub max_age: Option<u64>,
    pub credentials: bool,
}

/// One JWT authorizer per auth that guards a route of the gateway.
pub struct Authorizer<'m> {
    pub auth: &'m str,
    pub kind: &'static str,
    pub identity_source: &'static str,
    pub issuer: Issuer<'m>,
    pub audience: Audience<'m>,
}

pub enum Issuer<'m> {
    /// A `jwt` auth's issuer URL.
    Url(&'m str),
    /// The user pool of a `cognito` auth.
    UserPool(&'m str),
}

pub enum Audience<'m> {
    List(&'m [String]),
    /// The app client of a `cognito` auth.
    Client(&'m str),
}

pub struct Domain<'m> {
    pub name: &'m str,
    pub certificate: &'m str,
    pub endpoint_type: &'static str,
    pub security_policy: &'static str,
}

pub struct FunctionPlan<'m> {
    pub name: &'m str,
    pub physical: String,
    pub policy: &'m Policy,
    pub role_policy_name: &'static str,
    /// The service that assumes the function's role.
    pub role_principal: &'static str,
    pub role_description: String,
    pub log_group: String,
    pub log_retention: Option<u32>,
    pub log_format: &'static str,
    pub description: Option<&'m str>,
    pub code: Code<'m>,
    pub memory: u32,
    pub timeout: u64,
    pub architecture: &'static str,
    pub ephemeral_storage: u32,
    pub tracing_mode: &'static str,
    pub env: &'m BTreeMap<String, crate::model::EnvValue>,
    pub reserved_concurrency: Option<u32>,
    /// The alias that keeps provisioned instances warm; it then serves all traffic.
    pub alias: Option<Alias>,
    pub invoke_config: Option<InvokeConfig<'m>>,
    pub events: Vec<EventPlan<'m>>,
}

pub enum Code<'m> {
    Package(Package<'m>),
    Image(Image<'m>),
}

/// An image: used as is from ECR, else an input (Lambda pulls only from ECR).
pub struct Image<'m> {
    pub package_type: &'static str,
    pub uri: &'m str,
    pub ecr: bool,
    pub input_description: String,
}

/// A zip: the package `compile` wrote (`file`, relative to `--out`), uploaded to the artifact
/// bucket at `<prefix>/<key>` for CloudFormation and read from beside the module by Terraform;
/// without one (no `--out`), the key the user uploads by hand.
pub struct Package<'m> {
    pub runtime: &'m str,
    pub handler: &'m str,
    pub key: String,
    pub file: Option<&'m str>,
    /// Layer version ARNs, in the spec's order.
    pub layers: Vec<&'m str>,
}

pub struct Alias {
    pub name: &'static str,
    pub provisioned: u32,
}

pub struct InvokeConfig<'m> {
    /// The qualifier without an alias.
    pub unqualified: &'static str,
    pub retries: u32,
    pub on_failure: Option<&'m Ref>,
}

/// One event of a function: the resource that delivers it and the permission it needs.
pub struct EventPlan<'m> {
    /// The event's index among the function's events (from 0).
    pub index: usize,
    pub source: Source<'m>,
    pub permission: Option<Permission<'m>>,
}

pub enum Source<'m> {
    Route(Route<'m>),
    Rule(Rule<'m>),
    Scheduler(Scheduler<'m>),
    Mapping(Mapping<'m>),
    Subscription(Subscription<'m>),
    /// Declared on the bucket ([`BucketPlan::notifications`]).
    Notification,
    IotRule(IotRule<'m>),
}

pub struct Route<'m> {
    pub gateway: &'m str,
    pub route_key: String,
    /// The guarding auth; `None` is public.
    pub auth: Option<&'m str>,
    pub authorization_type: &'static str,
    /// The function's integration on this gateway (one per pair; the first route makes it).
    pub integration: Option<Integration>,
}

pub struct Integration {
    pub kind: &'static str,
    pub method: &'static str,
    pub payload_format: &'static str,
    pub timeout_ms: u64,
}

pub struct Rule<'m> {
    pub state: &'static str,
    pub expression: String,
    pub description: String,
    /// The rule's name (at most 64 characters), so its ARN is known in advance.
    pub name: String,
    pub dead_letter: Option<&'m str>,
}

pub struct Scheduler<'m> {
    pub state: &'static str,
    pub flexible_window: &'static str,
    pub role_policy_name: &'static str,
    pub expression: String,
    pub timezone: &'m str,
    pub description: String,
    /// The service that assumes the schedule's own role.
    pub role_principal: &'static str,
    pub role_description: String,
    pub dead_letter: Option<&'m str>,
}

pub struct Mapping<'m> {
    pub source: MappingSource<'m>,
    pub batch_size: u32,
    /// Set only when above zero.
    pub window: Option<u64>,
    pub starting_position: Option<&'static str>,
    pub bisect_on_error: bool,
    pub response_types: &'static [&'static str],
    /// Queues only: the most concurrent invocations the mapping drives.
    pub maximum_concurrency: Option<u32>,
    /// Where records that keep failing go, after how many retries.
    pub on_failure: Option<(&'m Ref, u32)>,
}

pub enum MappingSource<'m> {
    Queue(&'m str),
    TableStream(&'m str),
}

pub struct Subscription<'m> {
    pub topic: &'m str,
    pub protocol: &'static str,
    pub filter: Option<&'m BTreeMap<String, Vec<String>>>,
    pub filter_scope: &'static str,
    /// The queue that catches what SNS cannot deliver.
    pub redrive: Option<&'m str>,
}

pub struct IotRule<'m> {
    /// Letters, digits and underscores only.
    pub name: String,
    pub sql: &'m str,
    pub sql_version: &'static str,
}

/// A `lambda:InvokeFunction` permission for exactly one source.
pub struct Permission<'m> {
    pub action: &'static str,
    pub principal: &'static str,
    pub source: PermissionSource<'m>,
    pub source_account: bool,
    pub statement_id: String,
}

pub enum PermissionSource<'m> {
    /// `<api execution ARN>/*/<path>`: the exact route.
    Route {
        gateway: &'m str,
        path: String,
    },
    Topic(&'m str),
    Bucket(&'m str),
    /// The event's own rule.
    Rule,
    /// The event's IoT rule, by name.
    IotRule(String),
}

/// A service allowed to send a source's undeliverable events to a queue.
pub struct Delivery {
    pub sid: String,
    pub service: &'static str,
    pub function: String,
    pub index: usize,
    pub source: DeliverySource,
}

pub enum DeliverySource {
    Topic(String),
    /// The EventBridge rule of the function's event.
    Rule {
        name: String,
    },
}

pub struct AlarmPlan<'m> {
    pub name: &'m str,
    pub alarm_name: String,
    pub description: String,
    pub namespace: &'static str,
    pub metric: &'static str,
    pub statistic: &'static str,
    pub dimension: &'static str,
    pub target: &'m Ref,
    pub period: u64,
    pub evaluation_periods: u32,
    pub threshold: f64,
    pub comparison: &'static str,
    pub missing_data: &'static str,
    pub notify: Option<&'m str>,
}

impl<'m> Plan<'m> {
    /// Plans the app. `policies` are the derived ones, one per function, in order.
    #[must_use]
    pub fn new(model: &'m Model, policies: &'m [Policy]) -> Self {
        let mut deliveries: BTreeMap<String, Vec<Delivery>> = BTreeMap::new();
        let functions = model
            .functions
            .iter()
            .zip(policies)
            .map(|(f, policy)| {
                debug_assert_eq!(f.name, policy.function);
                function(model, f, policy, &mut deliveries)
            })
            .collect();
        let mut tags = vec![("updraft:app", model.app.as_str())];
        if let Some(stage) = &model.stage {
            tags.push(("updraft:stage", stage.as_str()));
        }
        Plan {
            model,
            tags,
            code_packages: model
                .functions
                .iter()
                .any(|f| matches!(f.code, CodeSource::Handler { .. })),
            unwritten_packages: model
                .functions
                .iter()
                .any(|f| matches!(f.code, CodeSource::Handler { package: None, .. })),
            artifact_prefix: format!("updraft/{}", aws::prefix(model)),
            refusals: refusals(model),
            tables: model.tables.iter().map(|t| table(model, t)).collect(),
            queues: model.queues.iter().map(|q| queue(model, q)).collect(),
            topics: model
                .topics
                .iter()
                .map(|t| TopicPlan {
                    name: &t.name,
                    physical: physical(model, Kind::Topic, &t.name),
                    output: format!("ARN of topic `{}`", t.name),
                    fifo: t.fifo,
                    display_name: t.display_name.as_deref(),
                })
                .collect(),
            buckets: model.buckets.iter().map(|b| bucket(model, b)).collect(),
            user_pools: model
                .auths
                .iter()
                .filter(|a| a.kind == AuthKind::Cognito)
                .map(|a| user_pool(model, &a.name))
                .collect(),
            apis: {
                // What each gateway's routes say, from one pass over the functions (a scan
                // per gateway would be quadratic in the app's size).
                let routes = GatewayRoutes::of(model);
                let days = model.access_log_days();
                model
                    .gateways
                    .iter()
                    .map(|g| api(model, g, &routes, days))
                    .collect()
            },
            functions,
            deliveries,
            alarms: model.alarms.iter().map(|a| alarm(model, a)).collect(),
            params: super::params::plan(model),
        }
    }

    /// A function's plan by name.
    #[must_use]
    pub fn function(&self, name: &str) -> Option<&FunctionPlan<'m>> {
        self.functions
            .binary_search_by(|f| f.name.cmp(name))
            .ok()
            .map(|i| &self.functions[i])
    }
}

fn physical(model: &Model, kind: Kind, name: &str) -> String {
    aws::physical_name(model, &Ref::new(kind, name))
}

fn refusals(model: &Model) -> Vec<Refusal> {
    let kubernetes = |r: &Ref| {
        r.kind == Kind::Secret
            && model
                .secret(&r.name)
                .is_some_and(|s| s.store == SecretStore::Kubernetes)
    };
    let mut out = Vec::new();
    for f in &model.functions {
        let uses = f
            .uses
            .iter()
            .filter(|u| kubernetes(&u.resource))
            .map(|u| (&u.resource.name, u.span));
        let refs = f.env.values().flat_map(|v| {
            v.refs()
                .filter(|r| kubernetes(r))
                .map(|r| (&r.name, v.span))
        });
        for (secret, span) in uses.chain(refs) {
            out.push(Refusal {
                function: f.name.clone(),
                secret: secret.clone(),
                span,
            });
        }
    }
    out
}

fn key_type(t: KeyType) -> &'static str {
    match t {
        KeyType::String => "S",
        KeyType::Number => "N",
        KeyType::Binary => "B",
    }
}

fn table<'m>(model: &Model, t: &'m crate::model::Table) -> TablePlan<'m> {
    let mut attributes = BTreeMap::new();
    let keys = std::iter::once(&t.partition_key).chain(&t.sort_key).chain(
        t.indexes
            .iter()
            .flat_map(|i| std::iter::once(&i.partition_key).chain(&i.sort_key)),
    );
    for k in keys {
        attributes.insert(k.name.clone(), key_type(k.kind));
    }
    let index = |i: &'m Index| IndexPlan {
        name: &i.name,
        hash_key: &i.partition_key.name,
        range_key: i.sort_key.as_ref().map(|k| k.name.as_str()),
        projection: match i.projection {
            Projection::All => "ALL",
            Projection::KeysOnly => "KEYS_ONLY",
        },
    };
    TablePlan {
        name: &t.name,
        physical: physical(model, Kind::Table, &t.name),
        output: format!("Name of table `{}`", t.name),
        attributes: attributes.into_iter().collect(),
        hash_key: &t.partition_key.name,
        range_key: t.sort_key.as_ref().map(|k| k.name.as_str()),
        billing_mode: match t.billing {
            Billing::OnDemand => "PAY_PER_REQUEST",
            Billing::Provisioned => "PROVISIONED",
        },
        capacity: t.capacity,
        indexes: t.indexes.iter().map(index).collect(),
        stream_view: t.stream.map(|view| match view {
            StreamView::NewImage => "NEW_IMAGE",
            StreamView::OldImage => "OLD_IMAGE",
            StreamView::NewAndOldImages => "NEW_AND_OLD_IMAGES",
            StreamView::KeysOnly => "KEYS_ONLY",
        }),
        ttl: t.ttl.as_deref(),
        point_in_time_recovery: t.point_in_time_recovery.value,
        encrypted: true,
    }
}

fn queue<'m>(model: &Model, q: &'m crate::model::Queue) -> QueuePlan<'m> {
    QueuePlan {
        name: &q.name,
        physical: physical(model, Kind::Queue, &q.name),
        output: format!("URL of queue `{}`", q.name),
        fifo: q.fifo,
        visibility_timeout: q.visibility_timeout.value,
        retention: q.retention,
        delay: (q.delay > 0).then_some(q.delay),
        redrive: q
            .dead_letter
            .as_ref()
            .map(|d| (d.queue.as_str(), d.max_receives)),
        encrypted: true,
    }
}

fn bucket<'m>(model: &'m Model, b: &'m crate::model::Bucket) -> BucketPlan<'m> {
    BucketPlan {
        name: &b.name,
        physical: aws::name_parts(model, &Ref::new(Kind::Bucket, &b.name)),
        objects: aws::arn_parts(
            model,
            &crate::access::aws::Arn::Scoped {
                scope: crate::access::aws::Scope::Objects,
                target: Ref::new(Kind::Bucket, &b.name),
                prefix: None,
            },
        ),
        output: format!("Name of bucket `{}`", b.name),
        public: b.public.value,
        access_block: (true, true, !b.public.value, !b.public.value),
        versioning: if b.versioning { "Enabled" } else { "Suspended" },
        sse_algorithm: "AES256",
        ownership: "BucketOwnerEnforced",
        lifecycle: b
            .lifecycle
            .iter()
            .enumerate()
            .map(|(i, (prefix, days))| LifecycleRule {
                id: format!("expire-{}", i + 1),
                status: "Enabled",
                prefix: prefix.as_deref(),
                days: *days,
            })
            .collect(),
        cors: b.cors.as_ref().map(|c| BucketCors {
            origins: &c.origins,
            methods: if c.methods.is_empty() {
                vec!["GET".to_string()]
            } else {
                c.methods
                    .iter()
                    .filter(|m| *m != "*" && *m != "OPTIONS" && *m != "PATCH")
                    .cloned()
                    .collect()
            },
            headers: &c.headers,
            max_age: c.max_age,
        }),
        notifications: model
            .bucket_triggers(&b.name)
            .into_iter()
            .map(|t| Notification {
                function: &t.function.name,
                index: t.index,
                event: s3_event(t.on),
                prefix: t.prefix,
                suffix: t.suffix,
            })
            .collect(),
    }
}

/// The S3 event a bucket trigger listens to.
fn s3_event(on: BucketChange) -> &'static str {
    match on {
        BucketChange::Created => "s3:ObjectCreated:*",
        BucketChange::Removed => "s3:ObjectRemoved:*",
    }
}

fn user_pool<'m>(model: &Model, name: &'m str) -> UserPool<'m> {
    UserPool {
        name,
        physical: physical(model, Kind::Auth, name),
        pool_output: format!("User pool of auth `{name}`"),
        client_output: format!("App client of auth `{name}`"),
        username_attributes: &["email"],
        auto_verified_attributes: &["email"],
        password: PasswordPolicy {
            minimum_length: 12,
            require_lowercase: true,
            require_uppercase: true,
            require_numbers: true,
            require_symbols: false,
        },
        generate_secret: false,
        auth_flows: &["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        prevent_user_existence_errors: "ENABLED",
    }
}

/// Per gateway: the auths that guard at least one of its routes and the methods of its
/// routes (`ANY` as `*`), each sorted and deduplicated.
#[derive(Default)]
struct GatewayRoutes<'m> {
    auths: BTreeMap<&'m str, Vec<&'m str>>,
    methods: BTreeMap<&'m str, Vec<String>>,
}

impl<'m> GatewayRoutes<'m> {
    fn of(model: &'m Model) -> Self {
        let mut out = Self::default();
        for e in model.functions.iter().flat_map(|f| &f.events) {
            if let Trigger::Http {
                gateway,
                method,
                auth,
                ..
            } = &e.trigger
            {
                out.methods
                    .entry(gateway)
                    .or_default()
                    .push(if *method == Method::Any {
                        "*".to_string()
                    } else {
                        method.to_string()
                    });
                if let Some(auth) = auth {
                    out.auths.entry(gateway).or_default().push(auth);
                }
            }
        }
        for list in out.auths.values_mut() {
            list.sort_unstable();
            list.dedup();
        }
        for list in out.methods.values_mut() {
            list.sort();
            list.dedup();
        }
        out
    }
}

fn api_cors<'m>(routes: &GatewayRoutes<'_>, gateway: &str, cors: &'m Cors) -> ApiCors<'m> {
    let methods = if cors.methods.is_empty() {
        routes.methods.get(gateway).cloned().unwrap_or_default()
    } else {
        cors.methods.clone()
    };
    ApiCors {
        origins: &cors.origins,
        methods,
        headers: &cors.headers,
        max_age: cors.max_age,
        credentials: cors.credentials,
    }
}

fn api<'m>(
    model: &'m Model,
    g: &'m crate::model::Gateway,
    routes: &GatewayRoutes<'m>,
    access_log_days: u32,
) -> HttpApi<'m> {
    let physical = physical(model, Kind::Gateway, &g.name);
    let authorizers = routes
        .auths
        .get(g.name.as_str())
        .into_iter()
        .flatten()
        .map(|&auth| {
            let jwt = model.auth(auth).filter(|a| a.kind == AuthKind::Jwt);
            Authorizer {
                auth,
                kind: "JWT",
                identity_source: "$request.header.Authorization",
                issuer: issuer(model, auth),
                audience: match jwt {
                    Some(a) => Audience::List(&a.audience),
                    None => Audience::Client(auth),
                },
            }
        })
        .collect::<Vec<_>>();
    HttpApi {
        name: &g.name,
        protocol: "HTTP",
        output: format!("Base URL of gateway `{}`", g.name),
        cors: g.cors.as_ref().map(|c| api_cors(routes, &g.name, c)),
        guarded: !authorizers.is_empty(),
        access_log_group: format!("/aws/http-api/{physical}"),
        access_log_days,
        physical,
        stage: "$default",
        auto_deploy: true,
        throttle: g.throttle,
        authorizers,
        domain: g.domain.as_ref().map(|(name, certificate)| Domain {
            name,
            certificate,
            endpoint_type: "REGIONAL",
            security_policy: "TLS_1_2",
        }),
    }
}

/// The token issuer of an auth: a `jwt` auth's URL, or a `cognito` auth's user pool.
#[must_use]
pub fn issuer<'m>(model: &'m Model, auth: &'m str) -> Issuer<'m> {
    match model.auth(auth) {
        Some(a) if a.kind == AuthKind::Jwt => Issuer::Url(a.issuer.as_deref().unwrap_or_default()),
        _ => Issuer::UserPool(auth),
    }
}

fn function<'m>(
    model: &'m Model,
    f: &'m Function,
    policy: &'m Policy,
    deliveries: &mut BTreeMap<String, Vec<Delivery>>,
) -> FunctionPlan<'m> {
    let physical = physical(model, Kind::Function, &f.name);
    let code = match &f.code {
        CodeSource::Handler {
            handler,
            runtime,
            path,
            package,
        } => Code::Package(Package {
            runtime: &runtime.value,
            handler,
            key: aws::code_key(path.as_ref().map(|p| p.value.as_str()), package.as_deref()),
            file: package.as_deref(),
            layers: f.layers.iter().map(|l| l.value.as_str()).collect(),
        }),
        CodeSource::Image { image } => Code::Image(Image {
            package_type: "Image",
            uri: image,
            ecr: aws::is_ecr(image),
            input_description: format!(
                "Amazon ECR URI of the image of function `{}` (the spec names {image}; Lambda pulls only from ECR)",
                f.name
            ),
        }),
    };
    let mut integrations = std::collections::BTreeSet::new();
    let events = f
        .events
        .iter()
        .enumerate()
        .map(|(index, e)| {
            event(
                model,
                f,
                &physical,
                index,
                &e.trigger,
                &mut integrations,
                deliveries,
            )
        })
        .collect();
    FunctionPlan {
        name: &f.name,
        role_principal: "lambda.amazonaws.com",
        role_policy_name: "least-privilege",
        role_description: format!(
            "Least-privilege role of function {physical}, derived by updraft"
        ),
        log_group: aws::log_group(model, &f.name),
        log_retention: f.log_retention.as_ref().map(|d| d.value),
        log_format: "JSON",
        description: f.description.as_deref(),
        code,
        memory: f.memory.value,
        timeout: f.timeout.value,
        architecture: match f.architecture.value {
            Architecture::X86_64 => "x86_64",
            Architecture::Arm64 => "arm64",
        },
        ephemeral_storage: f.ephemeral_storage.value,
        tracing_mode: if f.tracing.value {
            "Active"
        } else {
            "PassThrough"
        },
        env: &f.env,
        reserved_concurrency: f.reserved_concurrency.as_ref().map(|r| r.value),
        alias: f.provisioned_concurrency.as_ref().map(|p| Alias {
            name: "live",
            provisioned: p.value,
        }),
        invoke_config: f.needs_invoke_config().then(|| InvokeConfig {
            unqualified: "$LATEST",
            retries: f.retry_attempts(),
            on_failure: f.dead_letter.as_ref().map(|d| &d.value),
        }),
        events,
        physical,
        policy,
    }
}

fn permission<'m>(
    index: usize,
    principal: &'static str,
    source: PermissionSource<'m>,
    source_account: bool,
) -> Option<Permission<'m>> {
    Some(Permission {
        action: "lambda:InvokeFunction",
        principal,
        source,
        source_account,
        statement_id: format!("updraft-event-{}", index + 1),
    })
}

fn event<'m>(
    model: &'m Model,
    f: &'m Function,
    physical: &str,
    index: usize,
    trigger: &'m Trigger,
    integrations: &mut std::collections::BTreeSet<&'m str>,
    deliveries: &mut BTreeMap<String, Vec<Delivery>>,
) -> EventPlan<'m> {
    let redrive_sid =
        || crate::targets::naming::logical_id(&f.name, &format!("Event{}Redrive", index + 1));
    let (source, permission) = match trigger {
        Trigger::Http {
            gateway,
            method,
            path,
            auth,
        } => {
            let integration = integrations.insert(gateway).then(|| Integration {
                kind: "AWS_PROXY",
                method: "POST",
                payload_format: "2.0",
                timeout_ms: f
                    .timeout
                    .value
                    .min(limits::HTTP_API_INTEGRATION_TIMEOUT_SECONDS)
                    * 1000,
            });
            // The permission names the exact route: `<api>/<stage>/<METHOD>/<path>`.
            let route_path = crate::model::route_arn_part(*method, path);
            (
                Source::Route(Route {
                    gateway,
                    route_key: crate::model::route_key(*method, path),
                    auth: auth.as_deref(),
                    authorization_type: if auth.is_some() { "JWT" } else { "NONE" },
                    integration,
                }),
                permission(
                    index,
                    "apigateway.amazonaws.com",
                    PermissionSource::Route {
                        gateway,
                        path: route_path,
                    },
                    false,
                ),
            )
        }
        Trigger::Schedule(schedule) => {
            let expression = schedule.expression();
            let dead_letter = f.delivery_dead_letter();
            let state = if schedule.enabled {
                "ENABLED"
            } else {
                "DISABLED"
            };
            if let Some(tz) = &schedule.timezone {
                (
                    Source::Scheduler(Scheduler {
                        state,
                        flexible_window: "OFF",
                        role_policy_name: "invoke",
                        description: format!("{expression} ({tz}) for function {}", f.name),
                        expression,
                        timezone: tz,
                        role_principal: "scheduler.amazonaws.com",
                        role_description: format!(
                            "Lets EventBridge Scheduler invoke function {physical}"
                        ),
                        dead_letter,
                    }),
                    None,
                )
            } else {
                let name = bounded_name(
                    format!("{physical}--schedule-{}", index + 1).replace("--", "-"),
                    limits::EVENTBRIDGE_RULE_NAME_LENGTH,
                );
                if let Some(queue) = dead_letter {
                    deliveries
                        .entry(queue.to_string())
                        .or_default()
                        .push(Delivery {
                            sid: redrive_sid(),
                            service: "events.amazonaws.com",
                            function: f.name.clone(),
                            index,
                            source: DeliverySource::Rule { name: name.clone() },
                        });
                }
                (
                    Source::Rule(Rule {
                        state,
                        description: format!("{expression} for function {}", f.name),
                        expression,
                        name,
                        dead_letter,
                    }),
                    permission(index, "events.amazonaws.com", PermissionSource::Rule, false),
                )
            }
        }
        Trigger::Queue {
            queue,
            batch_size,
            window,
            maximum_concurrency,
        } => (
            Source::Mapping(Mapping {
                source: MappingSource::Queue(queue),
                batch_size: *batch_size,
                window: window.filter(|w| *w > 0),
                starting_position: None,
                bisect_on_error: false,
                response_types: BATCH_RESPONSE_TYPES,
                maximum_concurrency: *maximum_concurrency,
                on_failure: None,
            }),
            None,
        ),
        Trigger::Table {
            table,
            starting_position,
            batch_size,
            window,
        } => (
            Source::Mapping(Mapping {
                source: MappingSource::TableStream(table),
                batch_size: *batch_size,
                window: window.filter(|w| *w > 0),
                maximum_concurrency: None,
                starting_position: Some(match starting_position {
                    StartingPosition::Latest => "LATEST",
                    StartingPosition::TrimHorizon => "TRIM_HORIZON",
                }),
                bisect_on_error: true,
                response_types: BATCH_RESPONSE_TYPES,
                // Records that keep failing go to the function's dead letter target.
                on_failure: f.dead_letter.as_ref().map(|d| (&d.value, STREAM_RETRIES)),
            }),
            None,
        ),
        Trigger::Topic { topic, filter } => {
            // Messages SNS cannot deliver to the function go to its dead letter queue.
            let redrive = f.delivery_dead_letter();
            if let Some(queue) = redrive {
                deliveries
                    .entry(queue.to_string())
                    .or_default()
                    .push(Delivery {
                        sid: redrive_sid(),
                        service: "sns.amazonaws.com",
                        function: f.name.clone(),
                        index,
                        source: DeliverySource::Topic(topic.clone()),
                    });
            }
            (
                Source::Subscription(Subscription {
                    topic,
                    protocol: "lambda",
                    filter: (!filter.is_empty()).then_some(filter),
                    filter_scope: "MessageAttributes",
                    redrive,
                }),
                permission(
                    index,
                    "sns.amazonaws.com",
                    PermissionSource::Topic(topic),
                    false,
                ),
            )
        }
        Trigger::Bucket { bucket, .. } => (
            Source::Notification,
            permission(
                index,
                "s3.amazonaws.com",
                PermissionSource::Bucket(bucket),
                true,
            ),
        ),
        Trigger::Iot { sql } => {
            let name = aws::iot_rule_name(model, &f.name, index);
            (
                Source::IotRule(IotRule {
                    name: name.clone(),
                    sql,
                    sql_version: "2016-03-23",
                }),
                permission(
                    index,
                    "iot.amazonaws.com",
                    PermissionSource::IotRule(name),
                    true,
                ),
            )
        }
    };
    EventPlan {
        index,
        source,
        permission,
    }
}

fn alarm<'m>(model: &Model, a: &'m crate::model::Alarm) -> AlarmPlan<'m> {
    let (namespace, metric, statistic, dimension) = alarm_metric(a.metric);
    AlarmPlan {
        name: &a.name,
        alarm_name: format!("{}-{}", aws::prefix(model), a.name),
        description: format!(
            "{} of {} `{}` at or above {}",
            metric,
            a.target.kind.noun(),
            a.target.name,
            a.threshold
        ),
        namespace,
        metric,
        statistic,
        dimension,
        target: &a.target,
        period: a.period,
        evaluation_periods: a.evaluation_periods,
        threshold: a.threshold,
        comparison: "GreaterThanOrEqualToThreshold",
        missing_data: "notBreaching",
        notify: a.notify.as_deref(),
    }
}

/// CloudWatch's name for an alarm metric: (namespace, metric, statistic, dimension).
fn alarm_metric(metric: AlarmMetric) -> (&'static str, &'static str, &'static str, &'static str) {
    match metric {
        AlarmMetric::Errors => ("AWS/Lambda", "Errors", "Sum", "FunctionName"),
        AlarmMetric::Throttles => ("AWS/Lambda", "Throttles", "Sum", "FunctionName"),
        AlarmMetric::Duration => ("AWS/Lambda", "Duration", "Maximum", "FunctionName"),
        AlarmMetric::DeadLetterDepth => (
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            "Maximum",
            "QueueName",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    const SPEC: &str = r"
app: shop
defaults: { runtime: nodejs22.x }
queues:
  jobs: {}
  failed: {}
topics:
  news: {}
buckets:
  photos: {}
functions:
  work:
    handler: src/work.handler
    dead_letter: failed
    events:
      - queue: { name: jobs, batch_size: 5 }
      - topic: { name: news }
      - bucket: { name: photos, on: created }
  plain:
    handler: src/plain.handler
";

    fn with_plan(check: impl Fn(&Plan<'_>)) {
        let file = SourceFile::new("updraft.yaml", SPEC);
        let compilation = crate::Compilation::new(&file, &crate::Options::default())
            .unwrap_or_else(|d| panic!("{d:?}"));
        let plan = Plan::new(compilation.model(), compilation.policies());
        check(&plan);
    }

    #[test]
    fn defaults_and_invoke_configs_are_decided_once() {
        with_plan(|plan| {
            let work = plan.function("work").expect("planned");
            let config = work.invoke_config.as_ref().expect("async events need one");
            assert_eq!(config.retries, crate::model::DEFAULT_RETRIES);
            assert_eq!(config.on_failure.map(|r| r.name.as_str()), Some("failed"));
            let plain = plan.function("plain").expect("planned");
            assert!(plain.invoke_config.is_none());
            assert_eq!(plan.tags, vec![("updraft:app", "shop")]);
        });
    }

    #[test]
    fn events_carry_their_mapping_and_permission() {
        with_plan(|plan| {
            let work = plan.function("work").expect("planned");
            let Source::Mapping(m) = &work.events[0].source else {
                panic!("a queue event is a mapping")
            };
            assert_eq!(m.batch_size, 5);
            assert!(!m.bisect_on_error && m.on_failure.is_none());
            assert!(work.events[0].permission.is_none());
            let topic = work.events[1].permission.as_ref().expect("SNS invokes");
            assert_eq!(topic.principal, "sns.amazonaws.com");
            assert!(!topic.source_account);
            let bucket = work.events[2].permission.as_ref().expect("S3 invokes");
            assert_eq!(
                (bucket.principal, bucket.source_account),
                ("s3.amazonaws.com", true)
            );
            // SNS redrives to the dead letter queue, which lets SNS deliver.
            let grants = &plan.deliveries["failed"];
            assert_eq!(grants.len(), 1);
            assert_eq!(grants[0].service, "sns.amazonaws.com");
            assert_eq!(plan.buckets[0].notifications[0].event, "s3:ObjectCreated:*");
        });
    }
}
