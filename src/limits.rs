//! The limits of the platforms updraft compiles for, in one table: the schema attributes,
//! the checker, the lint rules and their help texts all read them here, so a limit that AWS
//! or Knative changes is changed once.
//!
//! Every entry names its source. "Lambda quotas" is the AWS Lambda Developer Guide page
//! "Lambda quotas"; "CreateFunction", "CreateEventSourceMapping" and the like are the API
//! reference pages of the same names, which give each parameter's valid range.

/// An inclusive range of allowed values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit<T> {
    pub min: T,
    pub max: T,
}

impl<T: PartialOrd + Copy> Limit<T> {
    #[must_use]
    pub const fn new(min: T, max: T) -> Self {
        Self { min, max }
    }

    /// Whether `value` lies within the limit.
    #[must_use]
    pub fn contains(&self, value: T) -> bool {
        self.min <= value && value <= self.max
    }

    /// The limit as the `(min, max)` pair the range checks take.
    #[must_use]
    pub const fn pair(&self) -> (T, T) {
        (self.min, self.max)
    }
}

// ---------------------------------------------------------------------------------------
// Lambda functions
// ---------------------------------------------------------------------------------------

/// Function memory in MB, in 1 MB steps. Source: Lambda quotas ("Function memory
/// allocation: 128 MB to 10,240 MB, in 1-MB increments").
pub const LAMBDA_MEMORY_MB: Limit<u32> = Limit::new(128, 10_240);

/// Memory a function gets when the spec sets none. Source: CreateFunction `MemorySize`.
pub const LAMBDA_DEFAULT_MEMORY_MB: u32 = 128;

/// Function timeout in seconds. Source: Lambda quotas ("Function timeout: 900 seconds
/// (15 minutes)"); CreateFunction `Timeout`, minimum 1.
pub const LAMBDA_TIMEOUT_SECONDS: Limit<u64> = Limit::new(1, 900);

/// Timeout a function gets when the spec sets none. Source: CreateFunction `Timeout`.
pub const LAMBDA_DEFAULT_TIMEOUT_SECONDS: u64 = 3;

/// Ephemeral storage (`/tmp`) in MB. Source: CreateFunction `EphemeralStorage.Size`
/// ("512 MB to 10,240 MB").
pub const LAMBDA_EPHEMERAL_STORAGE_MB: Limit<u32> = Limit::new(512, 10_240);

/// Ephemeral storage a function gets when the spec sets none. Source: CreateFunction.
pub const LAMBDA_DEFAULT_EPHEMERAL_STORAGE_MB: u32 = 512;

/// Retry attempts of an asynchronous invocation. Source: PutFunctionEventInvokeConfig
/// `MaximumRetryAttempts` ("Minimum value of 0. Maximum value of 2").
pub const LAMBDA_RETRIES: Limit<u32> = Limit::new(0, 2);

/// Length of a handler. Source: CreateFunction `Handler` ("Maximum length of 128").
pub const LAMBDA_HANDLER_LENGTH: Limit<usize> = Limit::new(1, 128);

/// Length of a function name. Source: CreateFunction `FunctionName` ("1 to 64 characters").
pub const LAMBDA_FUNCTION_NAME_LENGTH: usize = 64;

/// An environment variable name Lambda accepts: a letter, then at least one letter, digit
/// or `_`. Source: the `Environment.Variables` key pattern in the CreateFunction API
/// reference, `[a-zA-Z]([a-zA-Z0-9_])+`.
pub const LAMBDA_ENV_NAME_PATTERN: &str = "^[a-zA-Z][a-zA-Z0-9_]+$";

/// Whether `name` matches [`LAMBDA_ENV_NAME_PATTERN`].
#[must_use]
pub fn is_lambda_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.len() >= 2
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Environment variable names the Lambda runtime sets itself and refuses in a function's
/// configuration. Source: Lambda Developer Guide, "Defined runtime environment variables"
/// (the variables marked reserved). `AWS_LAMBDA_EXEC_WRAPPER`, `TZ`, `LANG` and other
/// unreserved `AWS_` variables may be set.
pub const LAMBDA_RESERVED_ENV: &[&str] = &[
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_DEFAULT_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_REGION",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "LAMBDA_RUNTIME_DIR",
    "LAMBDA_TASK_ROOT",
];

// ---------------------------------------------------------------------------------------
// Lambda event sources
// ---------------------------------------------------------------------------------------

/// Batch size of an SQS standard queue event source. Source: CreateEventSourceMapping
/// `BatchSize` ("Amazon SQS: default 10; max 10,000").
pub const SQS_BATCH_SIZE: Limit<u32> = Limit::new(1, 10_000);

/// Batch size of an SQS FIFO queue event source. Source: CreateEventSourceMapping
/// `BatchSize` (FIFO queues: at most 10).
pub const SQS_FIFO_BATCH_SIZE: Limit<u32> = Limit::new(1, 10);

/// Batch size of an SQS event source when the spec sets none. Source:
/// CreateEventSourceMapping `BatchSize`.
pub const SQS_DEFAULT_BATCH_SIZE: u32 = 10;

/// Largest SQS batch that needs no batching window. Source: CreateEventSourceMapping
/// `MaximumBatchingWindowInSeconds` ("when you set BatchSize to a value greater than 10,
/// you must set MaximumBatchingWindowInSeconds to at least 1").
pub const SQS_BATCH_WITHOUT_WINDOW: u32 = 10;

/// Maximum concurrency of an SQS event source. Source: CreateEventSourceMapping
/// `ScalingConfig.MaximumConcurrency` ("minimum value of 2, maximum value of 1000").
pub const SQS_MAXIMUM_CONCURRENCY: Limit<u32> = Limit::new(2, 1000);

/// Layers of one function. Source: Lambda quotas ("Function layers: five layers").
pub const LAMBDA_LAYERS: usize = 5;

/// Batching window of an event source, in seconds. Source: CreateEventSourceMapping
/// `MaximumBatchingWindowInSeconds` ("0 to 300").
pub const BATCHING_WINDOW_SECONDS: Limit<u64> = Limit::new(0, 300);

/// Batch size of a DynamoDB stream event source. Source: CreateEventSourceMapping
/// `BatchSize` ("DynamoDB Streams: default 100; max 10,000").
pub const DYNAMODB_STREAM_BATCH_SIZE: Limit<u32> = Limit::new(1, 10_000);

/// Batch size of a DynamoDB stream event source when the spec sets none.
pub const DYNAMODB_STREAM_DEFAULT_BATCH_SIZE: u32 = 100;

// ---------------------------------------------------------------------------------------
// SQS queues
// ---------------------------------------------------------------------------------------

/// Visibility timeout in seconds. Source: SQS CreateQueue `VisibilityTimeout`
/// ("0 to 43,200 (12 hours); default 30").
pub const SQS_VISIBILITY_TIMEOUT_SECONDS: Limit<u64> = Limit::new(0, 43_200);

/// Visibility timeout when the spec sets none. Source: SQS CreateQueue.
pub const SQS_DEFAULT_VISIBILITY_TIMEOUT_SECONDS: u64 = 30;

/// Message retention in seconds. Source: SQS CreateQueue `MessageRetentionPeriod`
/// ("60 (1 minute) to 1,209,600 (14 days); default 345,600 (4 days)").
pub const SQS_RETENTION_SECONDS: Limit<u64> = Limit::new(60, 1_209_600);

/// Message retention when the spec sets none. Source: SQS CreateQueue.
pub const SQS_DEFAULT_RETENTION_SECONDS: u64 = 345_600;

/// Delivery delay in seconds. Source: SQS CreateQueue `DelaySeconds` ("0 to 900").
pub const SQS_DELAY_SECONDS: Limit<u64> = Limit::new(0, 900);

/// Receives before a message moves to the dead letter queue. Source: SQS `RedrivePolicy`
/// `maxReceiveCount` ("1 to 1,000").
pub const SQS_MAX_RECEIVES: Limit<u32> = Limit::new(1, 1000);

/// Length of a queue name, `.fifo` included. Source: SQS CreateQueue `QueueName`
/// ("up to 80 characters").
pub const SQS_QUEUE_NAME_LENGTH: usize = 80;

// ---------------------------------------------------------------------------------------
// HTTP APIs (API Gateway v2)
// ---------------------------------------------------------------------------------------

/// Longest an HTTP API waits for its integration, in seconds. Source: API Gateway quotas,
/// "Maximum integration timeout: 30 seconds" for HTTP APIs.
pub const HTTP_API_INTEGRATION_TIMEOUT_SECONDS: u64 = 30;

/// Steady-state throttling rate, requests per second: above 0, at most the account's
/// default quota. Source: API Gateway quotas ("Throttle quota per account, per Region
/// across HTTP APIs, REST APIs, WebSocket APIs: 10,000 requests per second").
pub const HTTP_API_THROTTLE_RATE_MAX: u32 = 10_000;

/// Throttling burst, requests. Source: API Gateway quotas ("burst 5,000 requests").
pub const HTTP_API_THROTTLE_BURST: Limit<u32> = Limit::new(0, 5000);

/// CORS `max_age`, in seconds. Source: API Gateway v2 `Cors.MaxAge` ("0 to 86,400").
pub const CORS_MAX_AGE_SECONDS: Limit<u64> = Limit::new(0, 86_400);

// ---------------------------------------------------------------------------------------
// DynamoDB
// ---------------------------------------------------------------------------------------

/// Provisioned read or write capacity units. Source: DynamoDB service quotas (40,000 read
/// and 40,000 write capacity units per table, the default quota).
pub const DYNAMODB_CAPACITY_UNITS: Limit<u32> = Limit::new(1, 40_000);

/// Length of a key attribute name. Source: DynamoDB naming rules ("Attribute names: 1 to
/// 255 characters long" for key attributes).
pub const DYNAMODB_ATTRIBUTE_NAME_LENGTH: Limit<usize> = Limit::new(1, 255);

/// Length of an index name. Source: DynamoDB naming rules ("Table names and index names:
/// 3 to 255 characters long").
pub const DYNAMODB_INDEX_NAME_LENGTH: Limit<usize> = Limit::new(3, 255);

/// Length of a table name. Source: DynamoDB naming rules.
pub const DYNAMODB_TABLE_NAME_LENGTH: usize = 255;

// ---------------------------------------------------------------------------------------
// CloudWatch
// ---------------------------------------------------------------------------------------

/// Retention periods, in days, that CloudWatch Logs offers. Source: PutRetentionPolicy
/// `retentionInDays` (the listed values).
pub const LOG_RETENTION_DAYS: &[u64] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// Evaluation periods of an alarm. Source: CloudWatch PutMetricAlarm `EvaluationPeriods`
/// (minimum 1; with a period of a minute or more, at most one day of periods, 100 here as
/// cfn-lint checks).
pub const ALARM_EVALUATION_PERIODS: Limit<u32> = Limit::new(1, 100);

/// Periods, in seconds, an alarm accepts below one minute (high-resolution metrics).
/// Source: CloudWatch PutMetricAlarm `Period` ("10, 30, or any multiple of 60").
pub const ALARM_SHORT_PERIODS_SECONDS: &[u64] = &[10, 30];

/// Longest alarm period, in seconds: one day. Source: CloudWatch PutMetricAlarm `Period`.
pub const ALARM_MAX_PERIOD_SECONDS: u64 = 86_400;

/// Alarm period when the spec sets none.
pub const ALARM_DEFAULT_PERIOD_SECONDS: u64 = 300;

/// Length of an EventBridge rule name. Source: EventBridge PutRule `Name` ("1 to 64").
pub const EVENTBRIDGE_RULE_NAME_LENGTH: usize = 64;

/// Characters IAM and EventBridge append to a `name_prefix` (Terraform's unique suffix).
/// Source: the Terraform AWS provider's `name_prefix` documentation (a 26-character suffix).
pub const NAME_PREFIX_SUFFIX_LENGTH: usize = 26;

/// How far back point-in-time recovery restores, in days. Source: DynamoDB Developer Guide,
/// "Point-in-time recovery" ("any point in time during the last 35 days").
pub const DYNAMODB_PITR_DAYS: u32 = 35;

/// Memory at which a Lambda function has one full vCPU, in MB. Source: Lambda Developer
/// Guide, "Configuring function memory" ("at 1,769 MB, a function has the equivalent of one
/// vCPU").
pub const LAMBDA_MB_PER_VCPU: u64 = 1769;

// ---------------------------------------------------------------------------------------
// CloudFormation
// ---------------------------------------------------------------------------------------

/// Resources in one template. Source: CloudFormation quotas ("Resources: 500").
pub const CLOUDFORMATION_MAX_RESOURCES: usize = 500;

/// Outputs in one template. Source: CloudFormation quotas ("Outputs: 200").
pub const CLOUDFORMATION_MAX_OUTPUTS: usize = 200;

/// Parameters in one template. Source: CloudFormation quotas ("Parameters: 200").
pub const CLOUDFORMATION_MAX_PARAMETERS: usize = 200;

// ---------------------------------------------------------------------------------------
// IAM, S3, SNS, Secrets Manager
// ---------------------------------------------------------------------------------------

/// Characters of all inline policies of one role together, white space excluded. Source:
/// IAM quotas ("Role policy size cannot exceed 10,240 characters").
pub const IAM_ROLE_INLINE_POLICY_CHARS: usize = 10_240;

/// Length of an IAM role name. Source: IAM CreateRole `RoleName` ("1 to 64").
pub const IAM_ROLE_NAME_LENGTH: usize = 64;

/// Length of a bucket name. Source: S3 bucket naming rules ("3 to 63 characters").
pub const S3_BUCKET_NAME_LENGTH: usize = 63;

/// Length of a topic name, `.fifo` included. Source: SNS CreateTopic `Name` ("up to 256").
pub const SNS_TOPIC_NAME_LENGTH: usize = 256;

/// Length of a secret name. Source: Secrets Manager CreateSecret `Name` ("1 to 512"); the
/// same limit holds for SSM parameter names.
pub const SECRET_NAME_LENGTH: Limit<usize> = Limit::new(1, 512);

/// Length of a log group name. Source: CloudWatch Logs CreateLogGroup `logGroupName`
/// ("1 to 512").
pub const LOG_GROUP_NAME_LENGTH: usize = 512;

/// Length of an HTTP API name. Source: API Gateway v2 CreateApi `Name` (128 characters).
pub const HTTP_API_NAME_LENGTH: usize = 128;

/// Length of a user pool name, and of a user pool client name. Source: Cognito
/// CreateUserPool `PoolName` and CreateUserPoolClient `ClientName` ("1 to 128").
pub const COGNITO_NAME_LENGTH: usize = 128;

/// Length of an alarm name. Source: CloudWatch PutMetricAlarm `AlarmName` ("1 to 255").
pub const CLOUDWATCH_ALARM_NAME_LENGTH: usize = 255;

/// Length of an IoT topic rule name. Source: IoT CreateTopicRule `ruleName` ("1 to 128",
/// letters, digits and underscores).
pub const IOT_RULE_NAME_LENGTH: usize = 128;

// ---------------------------------------------------------------------------------------
// Names updraft composes: `<app>-<stage>-<resource>`
// ---------------------------------------------------------------------------------------

/// Longest app name. Each part is capped, and every composed name is checked against its
/// service's limit as a whole (`targets::name_limits`), since the caps alone do not bound the
/// sum (a function name of 76 characters, where Lambda allows 64).
pub const APP_NAME_LENGTH: usize = 24;

/// Longest stage name.
pub const STAGE_NAME_LENGTH: usize = 10;

/// Longest resource name (function, table, queue, alarm...).
pub const RESOURCE_NAME_LENGTH: usize = 40;

// ---------------------------------------------------------------------------------------
// Knative and Kubernetes
// ---------------------------------------------------------------------------------------

/// Longest request timeout Knative Serving allows by default, in seconds. Source: Knative
/// Serving configuration, `config-defaults` `max-revision-timeout-seconds` (default 600).
pub const KNATIVE_MAX_TIMEOUT_SECONDS: u64 = 600;

/// Length of a Kubernetes DNS label (a Service or namespace name). Source: Kubernetes
/// object names, RFC 1123 label names ("at most 63 characters").
pub const KUBERNETES_LABEL_LENGTH: usize = 63;

/// Length of a Kubernetes DNS subdomain (a Secret's name). Source: Kubernetes object
/// names, RFC 1123 subdomain names ("no more than 253 characters").
pub const KUBERNETES_SUBDOMAIN_LENGTH: usize = 253;

/// `13007` → `13,007`: how limits are written in messages (`n` is a whole number).
#[must_use]
pub fn thousands(n: impl std::fmt::Display) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names_follow_the_lambda_pattern() {
        for good in ["TABLE_NAME", "ab", "a1", "Path_2"] {
            assert!(is_lambda_env_name(good), "{good}");
        }
        for bad in ["", "X", "_UNDERSCORE", "1ABC", "A-B", "A B", "É1"] {
            assert!(!is_lambda_env_name(bad), "{bad}");
        }
    }

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(10_240), "10,240");
        assert_eq!(thousands(1_209_600), "1,209,600");
    }

    #[test]
    fn limits_are_ordered() {
        assert!(LAMBDA_MEMORY_MB.contains(LAMBDA_DEFAULT_MEMORY_MB));
        assert!(LAMBDA_TIMEOUT_SECONDS.contains(LAMBDA_DEFAULT_TIMEOUT_SECONDS));
        assert!(LAMBDA_EPHEMERAL_STORAGE_MB.contains(LAMBDA_DEFAULT_EPHEMERAL_STORAGE_MB));
        assert!(SQS_VISIBILITY_TIMEOUT_SECONDS.contains(SQS_DEFAULT_VISIBILITY_TIMEOUT_SECONDS));
        assert!(SQS_RETENTION_SECONDS.contains(SQS_DEFAULT_RETENTION_SECONDS));
        assert!(SQS_FIFO_BATCH_SIZE.contains(SQS_DEFAULT_BATCH_SIZE));
        assert!(DYNAMODB_STREAM_BATCH_SIZE.contains(DYNAMODB_STREAM_DEFAULT_BATCH_SIZE));
        const { assert!(KNATIVE_MAX_TIMEOUT_SECONDS < LAMBDA_TIMEOUT_SECONDS.max) };
        assert!(LOG_RETENTION_DAYS.is_sorted());
    }

    /// Prose that repeats a limit (code summaries, doc pages, schema descriptions) cannot
    /// read the table: this keeps it saying the table's numbers.
    #[test]
    fn prose_states_the_limits_of_the_table() {
        use crate::diag::Code;
        let schema: serde_json::Value =
            serde_json::from_str(&crate::schema::generate()).expect("schema is JSON");
        let description = |def: &str, prop: &str| {
            schema["definitions"][def]["properties"][prop]["description"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        };
        let doc = |code: Code| code.doc().to_string();
        let memory = LAMBDA_MEMORY_MB;
        let storage = LAMBDA_EPHEMERAL_STORAGE_MB;
        let cases: Vec<(String, Vec<String>)> = vec![
            (
                Code::MemoryOutOfRange.summary().into(),
                vec![memory.min.to_string(), thousands(memory.max)],
            ),
            (
                doc(Code::MemoryOutOfRange),
                vec![memory.min.to_string(), thousands(memory.max)],
            ),
            (
                description("Function", "memory"),
                vec![memory.min.to_string(), memory.max.to_string()],
            ),
            (
                description("Defaults", "memory"),
                vec![memory.min.to_string(), memory.max.to_string()],
            ),
            (
                description("Function", "ephemeral_storage"),
                vec![storage.min.to_string(), storage.max.to_string()],
            ),
            (
                description("Function", "retries"),
                vec![
                    LAMBDA_RETRIES.min.to_string(),
                    LAMBDA_RETRIES.max.to_string(),
                ],
            ),
            (
                description("QueueDeadLetter", "max_receives"),
                vec![
                    SQS_MAX_RECEIVES.min.to_string(),
                    SQS_MAX_RECEIVES.max.to_string(),
                ],
            ),
            (
                description("QueueEvent", "batch_size"),
                vec![
                    SQS_BATCH_SIZE.max.to_string(),
                    SQS_DEFAULT_BATCH_SIZE.to_string(),
                ],
            ),
            (
                description("TableEvent", "batch_size"),
                vec![
                    DYNAMODB_STREAM_BATCH_SIZE.max.to_string(),
                    DYNAMODB_STREAM_DEFAULT_BATCH_SIZE.to_string(),
                ],
            ),
            (
                doc(Code::TimeoutOutOfRange),
                vec![LAMBDA_TIMEOUT_SECONDS.max.to_string()],
            ),
            (
                Code::TimeoutOverTargetLimit.summary().into(),
                vec![
                    format!("Lambda {} s", LAMBDA_TIMEOUT_SECONDS.max),
                    format!("Knative {} s", KNATIVE_MAX_TIMEOUT_SECONDS),
                ],
            ),
            (
                description("Throttle", "rate"),
                vec![HTTP_API_THROTTLE_RATE_MAX.to_string()],
            ),
            (
                description("Throttle", "burst"),
                vec![
                    HTTP_API_THROTTLE_BURST.min.to_string(),
                    HTTP_API_THROTTLE_BURST.max.to_string(),
                ],
            ),
            (
                description("Capacity", "read"),
                vec![DYNAMODB_CAPACITY_UNITS.max.to_string()],
            ),
            (
                description("Alarm", "evaluation_periods"),
                vec![ALARM_EVALUATION_PERIODS.max.to_string()],
            ),
            (
                Code::PolicyTooLarge.summary().into(),
                vec![thousands(IAM_ROLE_INLINE_POLICY_CHARS)],
            ),
        ];
        for (text, wanted) in cases {
            for w in wanted {
                assert!(text.contains(&w), "`{text}` does not say {w}");
            }
        }
    }
}
