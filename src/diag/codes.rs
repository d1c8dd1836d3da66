//! The one table of diagnostic codes. A code is never reused or renumbered: retire a code
//! by leaving its row with a doc page that says so.
//!
//! Bands: 0xxx YAML and input, 1xxx spec, 2xxx references and graph, 3xxx permissions,
//! 40xx lint IAM, 41xx lint reliability, 42xx lint hygiene and cost, 5xxx target
//! capability and limits, 9xxx internal. Every row has a doc page in `docs/codes/`.

use super::Severity;

macro_rules! codes {
    ($($variant:ident = $code:literal, $name:literal, $severity:ident, $summary:literal;)*) => {
        /// A stable diagnostic code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $(#[doc = $summary] $variant,)*
        }

        impl Code {
            /// Every code, in table order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as users write it, `UD` and four digits.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// The kebab-case name.
            #[must_use]
            pub const fn name(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            /// The severity used unless the spec's `lint` section says otherwise.
            #[must_use]
            pub const fn default_severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }

            /// One line that says what the code is about.
            #[must_use]
            pub const fn summary(self) -> &'static str {
                match self { $(Code::$variant => $summary,)* }
            }

            /// The doc page (Markdown) that `updraft explain` prints.
            #[must_use]
            pub const fn doc(self) -> &'static str {
                match self {
                    $(Code::$variant => include_str!(concat!("../../docs/codes/", $code, ".md")),)*
                }
            }
        }
    };
}

codes! {
    // 0xxx: reading the file
    YamlSyntax = "UD0001", "yaml-syntax", Error, "the file is not valid YAML";
    InputOverBudget = "UD0002", "input-over-budget", Error, "the input is larger or deeper than updraft reads";
    InvalidEncoding = "UD0003", "invalid-encoding", Error, "the file is not UTF-8 text";
    DuplicateKey = "UD0004", "duplicate-key", Error, "a mapping has the same key twice";
    DocumentNotMapping = "UD0005", "document-not-mapping", Error, "the document is not a mapping of top-level keys";
    UnreadableFile = "UD0006", "unreadable-file", Error, "the spec file cannot be read";
    // 1xxx: the spec's own shape and values
    UnknownKey = "UD1001", "unknown-key", Error, "a key that the spec format does not have";
    WrongType = "UD1002", "wrong-type", Error, "a value of the wrong type";
    MissingKey = "UD1003", "missing-key", Error, "a required key is missing";
    InvalidValue = "UD1004", "invalid-value", Error, "a value that is not one of the allowed choices";
    InvalidName = "UD1005", "invalid-name", Error, "a resource or app name that cannot become a cloud name";
    InvalidDuration = "UD1006", "invalid-duration", Error, "a duration that is not written like `30s`, `15m`, `2h` or `14d`";
    OutOfRange = "UD1007", "out-of-range", Error, "a number outside the range the setting allows";
    MemoryOutOfRange = "UD1008", "memory-out-of-range", Error, "function memory outside 128 to 10,240 MB";
    TimeoutOutOfRange = "UD1009", "timeout-out-of-range", Error, "function timeout outside 1 s to 15 min";
    InvalidSchedule = "UD1010", "invalid-schedule", Error, "a schedule that is not a valid `rate(...)` or `cron(...)` expression";
    UnknownStage = "UD1011", "unknown-stage", Error, "the chosen stage is not declared under `stages`";
    ConflictingKeys = "UD1012", "conflicting-keys", Error, "keys that cannot be used together, or a required choice left out";
    InvalidRoute = "UD1013", "invalid-route", Error, "an HTTP route that is not `METHOD /path`";
    InvalidLogRetention = "UD1014", "invalid-log-retention", Error, "a log retention that CloudWatch Logs does not offer";
    InvalidReference = "UD1015", "invalid-reference", Error, "a `${...}` reference that is not written as `${kind.name.attribute}`";
    InvalidSuppression = "UD1016", "invalid-suppression", Error, "a lint suppression or lint setting that names no rule or gives no reason";
    // 2xxx: names and references
    UnknownResource = "UD2001", "unknown-resource", Error, "a name in `uses` that the spec does not declare";
    AccessNotValid = "UD2002", "access-not-valid", Error, "an access level that this kind of resource does not have";
    UnknownEventSource = "UD2003", "unknown-event-source", Error, "an event that names a resource the spec does not declare";
    UnknownDeadLetter = "UD2004", "unknown-dead-letter", Error, "a dead letter target that is not a declared queue or topic";
    UnknownEnvReference = "UD2005", "unknown-env-reference", Error, "a `${...}` reference to something the spec does not declare";
    UnknownAuth = "UD2006", "unknown-auth", Error, "an auth name that the spec does not declare under `auth`";
    DuplicateRoute = "UD2007", "duplicate-route", Error, "the same method and path twice on one gateway";
    DuplicateName = "UD2008", "duplicate-name", Error, "one name declared for two resources";
    PrefixNotAllowed = "UD2009", "prefix-not-allowed", Error, "a `prefix` on a resource that is not a bucket";
    StreamNotEnabled = "UD2010", "stream-not-enabled", Error, "a table event on a table without a stream";
    UnknownAlarmTarget = "UD2011", "unknown-alarm-target", Error, "an alarm that names an undeclared function, queue or topic";
    MissingCode = "UD2012", "missing-code", Error, "a function's code folder, zip or handler file that is not there";
    OverlappingBucketEvents = "UD2013", "overlapping-bucket-events", Error, "two events for the same change on one bucket whose key filters overlap";
    // 3xxx: permissions
    InvalidStatement = "UD3001", "invalid-statement", Error, "a raw permission statement that is not a valid IAM statement";
    // 40xx: lint, IAM
    WildcardAction = "UD4001", "wildcard-action", Error, "an IAM action with a wildcard";
    WildcardResource = "UD4002", "wildcard-resource", Error, "`Resource: \"*\"` on an action that can be scoped to an ARN";
    PrivilegeEscalation = "UD4003", "privilege-escalation", Error, "an action that lets a function raise its own privileges";
    UnknownAction = "UD4004", "unknown-action", Error, "an IAM action that its service does not have";
    UnknownService = "UD4005", "unknown-service", Error, "an IAM action of a service that does not exist";
    NotActionOrResource = "UD4006", "not-action-or-resource", Error, "a statement with `NotAction` or `NotResource`";
    PolicyTooLarge = "UD4007", "policy-too-large", Error, "a role's inline policies over IAM's 10,240-byte limit";
    UndeclaredResourceGrant = "UD4008", "undeclared-resource-grant", Warning, "a raw statement on a resource that the app does not declare";
    HardcodedOwnArn = "UD4009", "hardcoded-own-arn", Warning, "a raw statement that writes out the ARN of the app's own resource instead of referencing it";
    // 41xx: lint, reliability
    AsyncWithoutDeadLetter = "UD4101", "async-without-dead-letter", Warning, "an asynchronously triggered function with no dead letter target";
    VisibilityBelowTimeout = "UD4102", "visibility-below-timeout", Error, "a queue whose visibility timeout is shorter than its consumer's timeout";
    HttpTimeoutOverGateway = "UD4103", "http-timeout-over-gateway", Warning, "an HTTP function whose timeout exceeds the gateway's 30 s";
    TimeoutOverTargetLimit = "UD4104", "timeout-over-target-limit", Error, "a timeout above what the target runs (Lambda 900 s, Knative 600 s)";
    ReservedConcurrencyZero = "UD4105", "reserved-concurrency-zero", Error, "a function with reserved concurrency 0, which never runs";
    RecursionLoop = "UD4106", "recursion-loop", Error, "a function that writes to the resource that triggers it";
    WriteRouteWithoutAuth = "UD4107", "write-route-without-auth", Warning, "a public route with a method that changes data";
    DeadLetterFifoMismatch = "UD4108", "dead-letter-fifo-mismatch", Error, "a FIFO queue with a standard dead letter queue, or the reverse";
    TracingOff = "UD4109", "tracing-off", Note, "a function without tracing";
    GatewayWithoutThrottling = "UD4110", "gateway-without-throttling", Warning, "a gateway with routes and no throttle, open to the account's whole request quota";
    StreamWriteLoop = "UD4111", "stream-write-loop", Warning, "a function that writes the table whose stream triggers it";
    // 42xx: lint, hygiene and cost
    LogRetentionMissing = "UD4201", "log-retention-missing", Warning, "a function whose logs are kept forever";
    PublicBucket = "UD4202", "public-bucket", Error, "a bucket readable by anyone";
    TableWithoutPitr = "UD4203", "table-without-pitr", Warning, "a table without point-in-time recovery";
    UnusedResource = "UD4204", "unused-resource", Warning, "a declared resource that no function uses or is triggered by";
    X86Architecture = "UD4205", "x86-architecture", Note, "a function on x86_64 where arm64 costs about 20% less";
    DeadLetterUnwatched = "UD4206", "dead-letter-unwatched", Note, "a dead letter queue with no alarm on its depth";
    UnusedSuppression = "UD4207", "unused-suppression", Warning, "a `suppress` entry that silences no finding";
    // 5xxx: targets
    UnsupportedOnTarget = "UD5001", "unsupported-on-target", Error, "a construct that the chosen target cannot express";
    TemplateResourceLimit = "UD5002", "template-resource-limit", Error, "a CloudFormation template over 500 resources";
    TemplateOutputLimit = "UD5003", "template-output-limit", Error, "a CloudFormation template over 200 outputs or parameters";
    TemplateSizeLimit = "UD5004", "template-size-limit", Error, "a CloudFormation template body over 1 MB";
    ImageRequired = "UD5005", "image-required", Error, "a function without a container image on a target that runs only images";
    OutputDiffers = "UD5006", "output-differs", Error, "`compile --check`: the files on disk differ from what would be written";
    CodePackageTooLarge = "UD5007", "code-package-too-large", Error, "a function's code over Lambda's 250 MB unzipped, or over one zip's 65,535 files";
    NotEnforcedOnTarget = "UD5008", "not-enforced-on-target", Warning, "a setting the target does not enforce itself; the output stays safe and says what the platform must add";
    NeedsInput = "UD5009", "needs-input", Warning, "an output that compiles but needs something updraft cannot know (a region, the built code) before it runs as intended";
    // 6xxx: review
    AccessWidens = "UD6001", "access-widens", Warning, "a change to the spec that grants more access than before (`diff-access`)";
    // 9xxx: internal
    WriteFailed = "UD9001", "write-failed", Error, "an output file could not be written";
    Internal = "UD9999", "internal-error", Error, "a bug in updraft";
}

impl Code {
    /// Looks a code up by `UD1234`, by `1234` or by its kebab-case name.
    #[must_use]
    pub fn parse(text: &str) -> Option<Code> {
        let text = text.trim();
        Code::ALL.iter().copied().find(|c| {
            c.as_str().eq_ignore_ascii_case(text) || c.as_str()[2..] == *text || c.name() == text
        })
    }

    /// Whether the code belongs to a lint rule (configurable and suppressible).
    #[must_use]
    pub fn is_lint(self) -> bool {
        self.as_str().starts_with("UD4")
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        let mut codes = BTreeSet::new();
        let mut names = BTreeSet::new();
        for code in Code::ALL {
            let s = code.as_str();
            assert!(s.len() == 6 && s.starts_with("UD"), "{s}");
            assert!(s[2..].bytes().all(|b| b.is_ascii_digit()), "{s}");
            assert!(codes.insert(s), "duplicate code {s}");
            assert!(names.insert(code.name()), "duplicate name {}", code.name());
            assert!(
                code.name()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-' || b.is_ascii_digit()),
                "{} is not kebab-case",
                code.name()
            );
            assert!(
                code.doc().starts_with(&format!("# {s} {}", code.name())),
                "doc page of {s} must start with `# {s} {}`",
                code.name()
            );
        }
    }

    #[test]
    fn parse_accepts_code_number_and_name() {
        assert_eq!(Code::parse("UD4001"), Some(Code::WildcardAction));
        assert_eq!(Code::parse("ud4001"), Some(Code::WildcardAction));
        assert_eq!(Code::parse("4001"), Some(Code::WildcardAction));
        assert_eq!(Code::parse("wildcard-action"), Some(Code::WildcardAction));
        assert_eq!(Code::parse("UD0000"), None);
    }
}
