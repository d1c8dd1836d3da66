//! The spec: the public format of `updraft.yaml`. These types are the source of
//! `schemas/updraft.schema.json`: every doc comment becomes the hover text an editor shows.
//! They hold what the user wrote, with spans; [`crate::model`] checks and completes them.

mod params;
pub mod read;
mod values;

pub use params::{Param, ParamType, ParamValue};
use read::{Map, Spanned, spec_enum, spec_struct};
pub use values::{Duration, EnvValue, Event, Json, Schedule, Use, Uses};

use crate::diag::Diagnostic;
use crate::limits;
use crate::syntax::Node;

/// Makes an `env` mapping's schema accept only the names Lambda accepts: its pattern, and
/// none of the names the runtime reserves.
fn env_names(schema: &mut schemars::Schema) {
    schema.insert(
        "propertyNames".into(),
        serde_json::json!({
            "pattern": limits::LAMBDA_ENV_NAME_PATTERN,
            "not": { "enum": limits::LAMBDA_RESERVED_ENV },
        }),
    );
}

spec_struct! {
    /// An updraft spec: one serverless app. Only `app` is required.
    "the spec"
    pub struct Spec {
        /// The app's name. It prefixes every physical name (`<app>-<stage>-<resource>`).
        /// Lowercase letters, digits and single hyphens, starting with a letter, at most 24 characters.
        pub app: Spanned<String>,
        /// Settings every function starts from; a function's own keys override them.
        pub defaults: Option<Spanned<Defaults>>,
        /// Named overrides chosen with `--stage` (for example `dev`, `prod`).
        pub stages: Map<Stage>,
        /// Values given at deploy (CloudFormation parameters, Terraform variables), by name; `${params.NAME}` references one.
        pub params: Map<Param>,
        /// The app's functions, by name.
        pub functions: Map<Function>,
        /// HTTP APIs, by name. Functions attach routes to them with `http` events.
        pub gateways: Map<Gateway>,
        /// Key-value tables (DynamoDB on AWS), by name.
        pub tables: Map<Table>,
        /// Message queues (SQS on AWS), by name.
        pub queues: Map<Queue>,
        /// Pub/sub topics (SNS on AWS), by name.
        pub topics: Map<Topic>,
        /// Object storage buckets (S3 on AWS), by name. Never public unless `public: true`.
        pub buckets: Map<Bucket>,
        /// Authorizers, by name: `cognito` (updraft creates the user pool) or `jwt` (any OIDC issuer).
        pub auth: Map<Auth>,
        /// References to secrets held elsewhere, by name. A secret's value never appears in the spec.
        pub secrets: Map<Secret>,
        /// Alarms on functions and queues, by name.
        pub alarms: Map<Alarm>,
        /// App-wide lint settings: which rules deny, warn or are allowed.
        pub lint: Option<LintConfig>,
    }
}

spec_struct! {
    /// Function settings shared by every function unless it sets its own.
    "defaults"
    pub struct Defaults {
        /// Language runtime, for example `nodejs24.x`, `python3.12`, `java21`, `provided.al2023`.
        pub runtime: Option<Spanned<String>>,
        /// Memory in MB, 128 to 10240. More memory also gives more CPU.
        #[schemars(range(min = limits::LAMBDA_MEMORY_MB.min, max = limits::LAMBDA_MEMORY_MB.max))]
        pub memory: Option<Spanned<u32>>,
        /// Longest a single invocation may run, for example `10s` or `5m` (at most `15m`).
        pub timeout: Option<Spanned<Duration>>,
        /// Processor architecture.
        pub architecture: Option<Spanned<Architecture>>,
        /// Send traces to the tracing service (AWS X-Ray).
        pub tracing: Option<Spanned<bool>>,
        /// How long logs are kept, in days, for example `14d` (one of the values CloudWatch Logs offers).
        pub log_retention: Option<Spanned<Duration>>,
        /// Temporary disk (`/tmp`) in MB, 512 to 10240.
        #[schemars(range(min = limits::LAMBDA_EPHEMERAL_STORAGE_MB.min, max = limits::LAMBDA_EPHEMERAL_STORAGE_MB.max))]
        pub ephemeral_storage: Option<Spanned<u32>>,
        /// Environment variables given to every function. Values may hold references such as `${tables.orders.name}`.
        #[schemars(transform = env_names)]
        pub env: Map<Spanned<EnvValue>>,
    }
}

spec_struct! {
    /// A stage: overrides applied when compiling with `--stage NAME`.
    "a stage"
    pub struct Stage {
        /// Runtime for every function in this stage.
        pub runtime: Option<Spanned<String>>,
        /// Memory in MB for every function in this stage.
        #[schemars(range(min = limits::LAMBDA_MEMORY_MB.min, max = limits::LAMBDA_MEMORY_MB.max))]
        pub memory: Option<Spanned<u32>>,
        /// Timeout for every function in this stage.
        pub timeout: Option<Spanned<Duration>>,
        /// Architecture for every function in this stage.
        pub architecture: Option<Spanned<Architecture>>,
        /// Tracing for every function in this stage.
        pub tracing: Option<Spanned<bool>>,
        /// Log retention for every function in this stage.
        pub log_retention: Option<Spanned<Duration>>,
        /// Temporary disk in MB for every function in this stage.
        #[schemars(range(min = limits::LAMBDA_EPHEMERAL_STORAGE_MB.min, max = limits::LAMBDA_EPHEMERAL_STORAGE_MB.max))]
        pub ephemeral_storage: Option<Spanned<u32>>,
        /// Environment variables added to (or replacing) the defaults in this stage.
        #[schemars(transform = env_names)]
        pub env: Map<Spanned<EnvValue>>,
        /// Per-function overrides in this stage, by function name.
        pub functions: Map<StageFunction>,
        /// Param defaults in this stage, by param name (replacing the param's own `default`).
        pub params: params::StageParams,
    }
}

spec_struct! {
    /// Settings of one function overridden in a stage.
    "a stage function override"
    pub struct StageFunction {
        /// Memory in MB.
        #[schemars(range(min = limits::LAMBDA_MEMORY_MB.min, max = limits::LAMBDA_MEMORY_MB.max))]
        pub memory: Option<Spanned<u32>>,
        /// Timeout.
        pub timeout: Option<Spanned<Duration>>,
        /// Environment variables added to (or replacing) the function's own.
        #[schemars(transform = env_names)]
        pub env: Map<Spanned<EnvValue>>,
        /// Concurrent executions reserved for (and capped at) this function.
        pub reserved_concurrency: Option<Spanned<u32>>,
        /// Instances kept warm.
        pub provisioned_concurrency: Option<Spanned<u32>>,
    }
}

spec_struct! {
    /// A function: code (a handler in a runtime, or a container image), what it uses, and what triggers it.
    "a function"
    pub struct Function {
        /// Entry point inside the code, for example `src/photos.get`. Give `handler` or `image`, not both.
        pub handler: Option<Spanned<String>>,
        /// Where the code is, relative to the spec: a folder or a zip file. Default: the spec's folder.
        pub code: Option<Spanned<String>>,
        /// Container image, for example `ghcr.io/acme/resize:1.4`. Required on the Knative target.
        pub image: Option<Spanned<String>>,
        /// Lambda layers: up to 5 layer version ARNs (`arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION`), applied in order. Not for container images.
        pub layers: Vec<Spanned<String>>,
        /// What the function does, for people reading the app.
        pub description: Option<Spanned<String>>,
        /// Language runtime; default from `defaults.runtime`.
        pub runtime: Option<Spanned<String>>,
        /// Memory in MB, 128 to 10240.
        #[schemars(range(min = limits::LAMBDA_MEMORY_MB.min, max = limits::LAMBDA_MEMORY_MB.max))]
        pub memory: Option<Spanned<u32>>,
        /// Longest a single invocation may run, for example `30s`; at most `15m`.
        pub timeout: Option<Spanned<Duration>>,
        /// Processor architecture.
        pub architecture: Option<Spanned<Architecture>>,
        /// Temporary disk (`/tmp`) in MB, 512 to 10240.
        #[schemars(range(min = limits::LAMBDA_EPHEMERAL_STORAGE_MB.min, max = limits::LAMBDA_EPHEMERAL_STORAGE_MB.max))]
        pub ephemeral_storage: Option<Spanned<u32>>,
        /// Environment variables. Values may reference resources: `${tables.orders.name}`,
        /// `${queues.jobs.url}`, `${gateways.api.url}`, `${secrets.token.arn}`; write `$${` for a literal `${`.
        #[schemars(transform = env_names)]
        pub env: Map<Spanned<EnvValue>>,
        /// Resources the function reaches, each with an access level: tables `read | write | read_write
        /// | put | update | delete`, buckets `read | read_versions | write | read_write | delete`
        /// (optionally `{ access, prefix }`), queues `send | consume`, topics `publish`, functions
        /// `invoke`, secrets `read`; a list gives several grants on one resource. Each becomes
        /// exactly the permissions it needs, on that resource only.
        pub uses: Map<Spanned<Uses>>,
        /// What triggers the function: `http`, `schedule`, `queue`, `topic`, `bucket`, `table`, `iot`.
        pub events: Vec<Spanned<Event>>,
        /// How many times a failed asynchronous invocation is retried, 0 to 2.
        #[schemars(range(min = limits::LAMBDA_RETRIES.min, max = limits::LAMBDA_RETRIES.max))]
        pub retries: Option<Spanned<u32>>,
        /// A queue or topic that receives events the function failed to process asynchronously.
        pub dead_letter: Option<Spanned<String>>,
        /// Concurrent executions reserved for (and capped at) this function.
        pub reserved_concurrency: Option<Spanned<u32>>,
        /// Instances kept initialised and warm (costs money while idle).
        pub provisioned_concurrency: Option<Spanned<u32>>,
        /// Send traces to the tracing service; default from `defaults.tracing`.
        pub tracing: Option<Spanned<bool>>,
        /// How long logs are kept, for example `14d`; default from `defaults.log_retention`.
        pub log_retention: Option<Spanned<Duration>>,
        /// Extra IAM statements, an escape hatch for what `uses` cannot say. Linted like everything else.
        pub permissions: Vec<Spanned<Statement>>,
        /// Lint findings accepted on this function, each with the reason.
        pub suppress: Vec<Spanned<Suppression>>,
    }
}

spec_enum! {
    /// Processor architecture of a function.
    "architecture"
    pub enum Architecture {
        /// 64-bit x86.
        X86_64 = "x86_64",
        /// 64-bit ARM (AWS Graviton): about 20% cheaper per GB-second on Lambda.
        Arm64 = "arm64",
    }
}

spec_enum! {
    /// An access level in `uses`. Which levels a resource has depends on its kind.
    "access level"
    pub enum Access {
        /// Tables, buckets, secrets: read items or objects.
        Read = "read",
        /// Tables, buckets: create, update and delete items; put objects.
        Write = "write",
        /// Tables, buckets: both `read` and `write`.
        ReadWrite = "read_write",
        /// Tables: create or replace items (PutItem) and nothing else.
        Put = "put",
        /// Tables: change items in place (UpdateItem) and nothing else.
        Update = "update",
        /// Tables: delete items (DeleteItem); buckets: delete objects.
        Delete = "delete",
        /// Buckets: `read`, plus reading and listing older versions of objects.
        ReadVersions = "read_versions",
        /// Queues: send messages.
        Send = "send",
        /// Queues: receive and delete messages.
        Consume = "consume",
        /// Topics: publish messages.
        Publish = "publish",
        /// Functions: invoke another function.
        Invoke = "invoke",
    }
}

spec_struct! {
    /// An extra IAM statement on a function's role.
    "a permission statement"
    pub struct Statement {
        /// `Allow` (default) or `Deny`.
        pub effect: Option<Spanned<Effect>>,
        /// IAM actions, for example `ssm:GetParameter`.
        pub actions: Vec<Spanned<String>>,
        /// Every action except these (discouraged: lint rule UD4006).
        pub not_actions: Vec<Spanned<String>>,
        /// Resource ARNs the actions apply to. `${aws.partition}`, `${aws.region}` and `${aws.account}` are filled in by the target; IAM policy variables such as `${aws:username}` stay as written.
        pub resources: Vec<Spanned<String>>,
        /// Every resource except these (discouraged: lint rule UD4006); placeholders as in `resources`.
        pub not_resources: Vec<Spanned<String>>,
        /// An IAM condition block, as in a policy document.
        pub condition: Option<Spanned<Json>>,
    }
}

spec_enum! {
    /// The effect of a permission statement.
    "effect"
    pub enum Effect {
        /// Grant the actions.
        Allow = "Allow",
        /// Refuse the actions, whatever else grants them.
        Deny = "Deny",
    }
}

spec_struct! {
    /// A lint finding accepted on one resource.
    "a suppression"
    pub struct Suppression {
        /// The rule's code (`UD4101`) or name (`async-without-dead-letter`).
        pub rule: Spanned<String>,
        /// Why the finding is accepted here. Required: reviewers read it.
        pub reason: Spanned<String>,
    }
}

spec_struct! {
    /// An HTTP API.
    "a gateway"
    pub struct Gateway {
        /// Cross-origin resource sharing for browsers.
        pub cors: Option<Cors>,
        /// The auth applied to every route that does not set its own `auth` or `public: true`.
        pub default_auth: Option<Spanned<String>>,
        /// Request rate limits for the whole API.
        pub throttle: Option<Throttle>,
        /// A custom domain name.
        pub domain: Option<Domain>,
        /// Lint findings accepted on this gateway, each with the reason.
        pub suppress: Vec<Spanned<Suppression>>,
    }
}

spec_struct! {
    /// Cross-origin resource sharing settings.
    "cors settings"
    pub struct Cors {
        /// Allowed origins, for example `https://app.example.com`.
        pub origins: Vec<Spanned<String>>,
        /// Allowed methods; default: the methods of the API's routes.
        pub methods: Vec<Spanned<String>>,
        /// Allowed request headers.
        pub headers: Vec<Spanned<String>>,
        /// How long browsers may cache the preflight answer, for example `1h`.
        pub max_age: Option<Spanned<Duration>>,
        /// Allow cookies and credentials.
        pub credentials: Option<Spanned<bool>>,
    }
}

spec_struct! {
    /// Steady-state request rate and burst for a gateway.
    "throttle settings"
    pub struct Throttle {
        /// Requests per second, sustained: above 0, at most 10000.
        #[schemars(range(max = limits::HTTP_API_THROTTLE_RATE_MAX), extend("exclusiveMinimum" = 0))]
        pub rate: Spanned<f64>,
        /// Requests allowed in a burst, 0 to 5000.
        #[schemars(range(min = limits::HTTP_API_THROTTLE_BURST.min, max = limits::HTTP_API_THROTTLE_BURST.max))]
        pub burst: Spanned<u32>,
    }
}

spec_struct! {
    /// A custom domain for a gateway.
    "a domain"
    pub struct Domain {
        /// The domain name, for example `api.example.com`.
        pub name: Spanned<String>,
        /// ARN of the TLS certificate for the domain (AWS Certificate Manager).
        pub certificate: Spanned<String>,
    }
}

spec_struct! {
    /// A key-value table.
    "a table"
    pub struct Table {
        /// The partition (hash) key.
        pub partition_key: Key,
        /// The sort (range) key, if items are ordered within a partition.
        pub sort_key: Option<Key>,
        /// Global secondary indexes, by name.
        pub indexes: Map<Index>,
        /// Publish item changes to a stream (needed for `table` events).
        pub stream: Option<Spanned<StreamView>>,
        /// Attribute that holds each item's expiry time (epoch seconds).
        pub ttl: Option<Spanned<String>>,
        /// How the table is billed; default `on_demand`.
        pub billing: Option<Spanned<Billing>>,
        /// Read and write capacity units, with `billing: provisioned`.
        pub capacity: Option<Capacity>,
        /// Continuous backups for point-in-time restore; default `true`.
        pub point_in_time_recovery: Option<Spanned<bool>>,
        /// Lint findings accepted on this table, each with the reason.
        pub suppress: Vec<Spanned<Suppression>>,
    }
}

spec_struct! {
    /// A key attribute: its name and type.
    "a key"
    pub struct Key {
        /// Attribute name.
        pub name: Spanned<String>,
        /// Attribute type.
        pub r#type: Spanned<KeyType>,
    }
}

spec_enum! {
    /// The type of a key attribute.
    "key type"
    pub enum KeyType {
        /// A string.
        String = "string",
        /// A number.
        Number = "number",
        /// Binary data.
        Binary = "binary",
    }
}

spec_struct! {
    /// A global secondary index.
    "an index"
    pub struct Index {
        /// The index's partition key.
        pub partition_key: Key,
        /// The index's sort key.
        pub sort_key: Option<Key>,
        /// Which attributes the index copies; default `all`.
        pub projection: Option<Spanned<Projection>>,
    }
}

spec_enum! {
    /// Which attributes an index holds.
    "projection"
    pub enum Projection {
        /// Every attribute.
        All = "all",
        /// Only the table's and the index's keys.
        KeysOnly = "keys_only",
    }
}

spec_enum! {
    /// What a table's stream records for each change.
    "stream view"
    pub enum StreamView {
        /// The item after the change.
        NewImage = "new_image",
        /// The item before the change.
        OldImage = "old_image",
        /// The item before and after the change.
        NewAndOldImages = "new_and_old_images",
        /// Only the key attributes.
        KeysOnly = "keys_only",
    }
}

spec_enum! {
    /// How a table is billed.
    "billing mode"
    pub enum Billing {
        /// Pay per request.
        OnDemand = "on_demand",
        /// Pay for provisioned capacity (`capacity`).
        Provisioned = "provisioned",
    }
}

spec_struct! {
    /// Provisioned capacity units.
    "capacity"
    pub struct Capacity {
        /// Read capacity units, 1 to 40000.
        #[schemars(range(min = limits::DYNAMODB_CAPACITY_UNITS.min, max = limits::DYNAMODB_CAPACITY_UNITS.max))]
        pub read: Spanned<u32>,
        /// Write capacity units, 1 to 40000.
        #[schemars(range(min = limits::DYNAMODB_CAPACITY_UNITS.min, max = limits::DYNAMODB_CAPACITY_UNITS.max))]
        pub write: Spanned<u32>,
    }
}

spec_struct! {
    /// A message queue.
    "a queue"
    pub struct Queue {
        /// First-in-first-out with exactly-once processing (the name gets `.fifo`).
        pub fifo: Option<Spanned<bool>>,
        /// How long a received message stays hidden from other consumers; default `30s`.
        /// Must be at least the consuming function's timeout.
        pub visibility_timeout: Option<Spanned<Duration>>,
        /// How long unconsumed messages are kept, `1m` to `14d`; default `4d`.
        pub retention: Option<Spanned<Duration>>,
        /// Delay before a new message can be received, up to `15m`.
        pub delay: Option<Spanned<Duration>>,
        /// Where messages go after failing `max_receives` times.
        pub dead_letter: Option<QueueDeadLetter>,
        /// Lint findings accepted on this queue, each with the reason.
        pub suppress: Vec<Spanned<Suppression>>,
    }
}

spec_struct! {
    /// A queue's redrive policy.
    "a queue dead letter"
    pub struct QueueDeadLetter {
        /// The queue that receives failed messages.
        pub queue: Spanned<String>,
        /// Receives before a message moves to the dead letter queue, 1 to 1000.
        #[schemars(range(min = limits::SQS_MAX_RECEIVES.min, max = limits::SQS_MAX_RECEIVES.max))]
        pub max_receives: Spanned<u32>,
    }
}

spec_struct! {
    /// A pub/sub topic.
    "a topic"
    pub struct Topic {
        /// First-in-first-out topic (the name gets `.fifo`).
        pub fifo: Option<Spanned<bool>>,
        /// A human-readable name shown in notifications.
        pub display_name: Option<Spanned<String>>,
        /// Lint findings accepted on this topic, each with the reason.
        pub suppress: Vec<Spanned<Suppression>>,
    }
}

spec_struct! {
    /// An object storage bucket. Encrypted, and closed to the public unless `public: true`.
    "a bucket"
    pub struct Bucket {
        /// Keep every version of every object.
        pub versioning: Option<Spanned<bool>>,
        /// Let anyone on the internet read objects (lint rule UD4202 flags it).
        pub public: Option<Spanned<bool>>,
        /// Rules that expire objects.
        pub lifecycle: Vec<Spanned<Lifecycle>>,
        /// Cross-origin resource sharing for browsers.
        pub cors: Option<Cors>,
        /// Lint findings accepted on this bucket, each with the reason.
        pub suppress: Vec<Spanned<Suppression>>,
    }
}

spec_struct! {
    /// A lifecycle rule.
    "a lifecycle rule"
    pub struct Lifecycle {
        /// Only objects under this key prefix.
        pub prefix: Option<Spanned<String>>,
        /// Delete objects this long after creation, for example `30d`.
        pub expire_after: Spanned<Duration>,
    }
}

spec_struct! {
    /// An authorizer for HTTP routes.
    "an auth"
    pub struct Auth {
        /// `cognito`: updraft creates a user pool and client. `jwt`: tokens from any OIDC issuer.
        pub kind: Spanned<AuthKind>,
        /// With `jwt`: the token issuer URL, for example `https://acme.eu.auth0.com/`.
        pub issuer: Option<Spanned<String>>,
        /// With `jwt`: accepted audiences (`aud` claim).
        pub audience: Vec<Spanned<String>>,
    }
}

spec_enum! {
    /// The kind of an authorizer.
    "auth kind"
    pub enum AuthKind {
        /// A user pool that updraft creates.
        Cognito = "cognito",
        /// JSON Web Tokens from an OIDC issuer (Auth0, Firebase, Okta, ...).
        Jwt = "jwt",
    }
}

spec_struct! {
    /// A reference to a secret held in a secret store. Never the value.
    "a secret"
    pub struct Secret {
        /// Where the secret is held.
        pub store: Spanned<SecretStore>,
        /// The secret's name in that store, for example `prod/slack-token` or `/chatbot/token`.
        pub name: Spanned<String>,
        /// With `kubernetes`: the key inside the Secret.
        pub key: Option<Spanned<String>>,
    }
}

spec_enum! {
    /// A secret store.
    "secret store"
    pub enum SecretStore {
        /// AWS Secrets Manager.
        SecretsManager = "secrets_manager",
        /// AWS Systems Manager Parameter Store (SecureString).
        Ssm = "ssm",
        /// A Kubernetes Secret (Knative target).
        Kubernetes = "kubernetes",
    }
}

spec_struct! {
    /// An alarm on a function's or a queue's metric.
    "an alarm"
    pub struct Alarm {
        /// What is measured.
        pub metric: Spanned<AlarmMetric>,
        /// The function watched (for `errors`, `throttles`, `duration`).
        pub function: Option<Spanned<String>>,
        /// The queue watched (for `dead_letter_depth`).
        pub queue: Option<Spanned<String>>,
        /// The alarm fires at or above this value (count, or milliseconds for `duration`).
        pub threshold: Spanned<f64>,
        /// Length of one evaluation period, for example `5m`; default `5m`.
        pub period: Option<Spanned<Duration>>,
        /// Periods in a row over the threshold before the alarm fires, 1 to 100; default 1.
        #[schemars(range(min = limits::ALARM_EVALUATION_PERIODS.min, max = limits::ALARM_EVALUATION_PERIODS.max))]
        pub evaluation_periods: Option<Spanned<u32>>,
        /// A topic notified when the alarm fires.
        pub notify: Option<Spanned<String>>,
    }
}

spec_enum! {
    /// The metric an alarm watches.
    "alarm metric"
    pub enum AlarmMetric {
        /// Failed invocations of a function.
        Errors = "errors",
        /// Throttled invocations of a function.
        Throttles = "throttles",
        /// A function's run time (maximum), in milliseconds.
        Duration = "duration",
        /// Messages waiting in a (dead letter) queue.
        DeadLetterDepth = "dead_letter_depth",
    }
}

spec_struct! {
    /// App-wide lint settings. Rules are named by code (`UD4101`) or name (`tracing-off`).
    "lint settings"
    pub struct LintConfig {
        /// Rules reported as errors.
        pub deny: Vec<Spanned<String>>,
        /// Rules reported as warnings.
        pub warn: Vec<Spanned<String>>,
        /// Rules not reported at all.
        pub allow: Vec<Spanned<String>>,
    }
}

spec_struct! {
    /// An `http` event: a route on a gateway.
    "an http event"
    pub struct HttpEvent {
        /// The gateway; may be left out when the app has exactly one.
        pub gateway: Option<Spanned<String>>,
        /// Method and path, for example `GET /jobs/{job-id}`; `ANY` matches every method, and
        /// `$default` every request that no other route matches.
        pub route: Spanned<String>,
        /// The auth for this route; default: the gateway's `default_auth`.
        pub auth: Option<Spanned<String>>,
        /// No auth at all, even when the gateway has a `default_auth`.
        pub public: Option<Spanned<bool>>,
    }
}

spec_struct! {
    /// A `schedule` event written out.
    "a schedule event"
    pub struct ScheduleEvent {
        /// `rate(5 minutes)` or `cron(0 2 * * ? *)`.
        pub expression: Spanned<String>,
        /// IANA time zone for `cron`, for example `Europe/Berlin`; default UTC.
        pub timezone: Option<Spanned<String>>,
        /// `false` deploys the schedule switched off (it never fires until enabled); default `true`.
        pub enabled: Option<Spanned<bool>>,
    }
}

spec_struct! {
    /// A `queue` event: the function consumes the queue's messages in batches.
    "a queue event"
    pub struct QueueEvent {
        /// The queue.
        pub name: Spanned<String>,
        /// Messages per invocation, 1 to 10000; default 10.
        #[schemars(range(min = limits::SQS_BATCH_SIZE.min, max = limits::SQS_BATCH_SIZE.max))]
        pub batch_size: Option<Spanned<u32>>,
        /// How long to gather a batch, up to `5m`.
        pub window: Option<Spanned<Duration>>,
        /// Most concurrent invocations the queue drives, 2 to 1000; default: as many as Lambda scales to.
        #[schemars(range(min = limits::SQS_MAXIMUM_CONCURRENCY.min, max = limits::SQS_MAXIMUM_CONCURRENCY.max))]
        pub maximum_concurrency: Option<Spanned<u32>>,
    }
}

spec_struct! {
    /// A `topic` event: the function subscribes to the topic.
    "a topic event"
    pub struct TopicEvent {
        /// The topic.
        pub name: Spanned<String>,
        /// Message attribute filter: attribute name to accepted values.
        pub filter: Map<Vec<Spanned<String>>>,
    }
}

spec_struct! {
    /// A `bucket` event: objects created in or removed from a bucket.
    "a bucket event"
    pub struct BucketEvent {
        /// The bucket.
        pub name: Spanned<String>,
        /// Which change triggers the function.
        pub on: Spanned<BucketChange>,
        /// Only keys starting with this, for example `uploads/`.
        pub prefix: Option<Spanned<String>>,
        /// Only keys ending with this, for example `.jpg`.
        pub suffix: Option<Spanned<String>>,
    }
}

spec_enum! {
    /// A change to a bucket's objects.
    "bucket change"
    pub enum BucketChange {
        /// An object was created or overwritten.
        Created = "created",
        /// An object was deleted.
        Removed = "removed",
    }
}

spec_struct! {
    /// A `table` event: the function reads the table's stream.
    "a table event"
    pub struct TableEvent {
        /// The table (it needs a `stream`).
        pub name: Spanned<String>,
        /// Where a new consumer starts; default `latest`.
        pub starting_position: Option<Spanned<StartingPosition>>,
        /// Records per invocation, 1 to 10000; default 100.
        #[schemars(range(min = limits::DYNAMODB_STREAM_BATCH_SIZE.min, max = limits::DYNAMODB_STREAM_BATCH_SIZE.max))]
        pub batch_size: Option<Spanned<u32>>,
        /// How long to gather a batch of records, up to `5m`; default: none.
        pub window: Option<Spanned<Duration>>,
    }
}

spec_enum! {
    /// Where a stream consumer starts reading.
    "starting position"
    pub enum StartingPosition {
        /// Only new records.
        Latest = "latest",
        /// The oldest record still in the stream.
        TrimHorizon = "trim_horizon",
    }
}

spec_struct! {
    /// An `iot` event: MQTT messages matching a topic filter or an IoT SQL statement.
    "an iot event"
    pub struct IotEvent {
        /// MQTT topic filter, for example `sensors/+/telemetry`.
        pub topic: Option<Spanned<String>>,
        /// A full IoT SQL statement, for example `SELECT * FROM 'sensors/#' WHERE temp > 40`.
        pub sql: Option<Spanned<String>>,
    }
}

/// Reads a spec from its YAML tree, collecting every problem. The spec comes back whenever
/// its top level could be read, even with errors inside, so later checks can run on the rest.
pub fn read(node: &Node) -> (Option<Spec>, Vec<Diagnostic>) {
    let mut cx = read::Cx::default();
    if !matches!(node.kind, crate::syntax::NodeKind::Map(_)) {
        return (
            None,
            vec![
                Diagnostic::new(
                    crate::diag::Code::DocumentNotMapping,
                    format!(
                        "the spec must be a mapping of top-level keys, found {}",
                        node.kind.describe()
                    ),
                )
                .with_label(node.span, "expected `app:`, `functions:`, ...")
                .with_help(
                    "start the file with `app: my-app`, then `functions:` and the other sections",
                ),
            ],
        );
    }
    let spec = read::FromNode::from_node(node, &mut cx);
    (spec, cx.diagnostics)
}
