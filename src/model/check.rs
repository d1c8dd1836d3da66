//! Spec to model: applies defaults and the stage, resolves every name, and checks every
//! value. Problems are collected, never returned early, so one run shows all of them.

use std::collections::{BTreeMap, BTreeSet};

use super::env::{self, Attr, EnvPart, EnvValue, RawPart};
use super::{
    Alarm, Auth, Bucket, CodeSource, Cors, Event, Function, Gateway, Index, Key, Kind,
    LintSettings, Model, Options, Queue, QueueDeadLetter, Ref, Secret, Setting, Statement,
    Suppression, Table, Topic, Trigger, Use,
};
use crate::diag::{Code, Diagnostic, suggest};
use crate::source::Span;
use crate::spec::read::{Map, Spanned};
use crate::spec::{self, AlarmMetric, Architecture, AuthKind, Billing, Spec};

/// Lambda runtimes AWS supports and has not deprecated (AWS's runtime lifecycle, as of
/// November 2026).
pub const RUNTIMES: &[&str] = &[
    "dotnet10",
    "java11",
    "java17",
    "java21",
    "java25",
    "java8.al2",
    "nodejs22.x",
    "nodejs24.x",
    "provided.al2023",
    "python3.11",
    "python3.12",
    "python3.13",
    "python3.14",
    "ruby3.3",
    "ruby3.4",
    "ruby4.0",
];

/// Runtimes AWS deprecated recently: (runtime, deprecated on, successor).
const DEPRECATED_RUNTIMES: &[(&str, &str, &str)] = &[
    ("dotnet8", "2026-11-10", "dotnet10"),
    ("dotnet9", "2026-11-10", "dotnet10"),
    ("nodejs18.x", "2025-09-01", "nodejs24.x"),
    ("nodejs20.x", "2026-04-30", "nodejs24.x"),
    ("provided.al2", "2026-07-31", "provided.al2023"),
    ("python3.10", "2026-10-31", "python3.14"),
    ("python3.9", "2025-12-15", "python3.14"),
    ("ruby3.2", "2026-03-31", "ruby4.0"),
];

/// Retention periods, in days, that CloudWatch Logs offers.
pub const LOG_RETENTION_DAYS: &[u64] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// Environment variable names Lambda sets itself and refuses in a function's configuration.
const RESERVED_ENV: &[&str] = &[
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

const HTTP_METHODS: &[&str] = &[
    "ANY", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT",
];

/// Longest names, so that `<app>-<stage>-<name>` fits every provider's name limits.
const MAX_APP: usize = 24;
const MAX_STAGE: usize = 10;
const MAX_NAME: usize = 40;

struct Checker {
    diagnostics: Vec<Diagnostic>,
    /// Every declared resource name, to resolve `uses` and references.
    /// Keyed by namespace: resources that `uses` can name share one (`resources`), so a
    /// table and a queue cannot both be `orders`; gateways and auths have their own.
    names: BTreeMap<(&'static str, String), (Kind, Span)>,
    /// The kind of every auth, for `${auth.name.*}` references.
    auth_kinds: BTreeMap<String, AuthKind>,
    /// (code, primary span) of every problem reported, to report each once.
    reported: BTreeSet<(Code, Span)>,
}

pub(super) fn build(spec: &Spec, options: &Options) -> Result<Model, Vec<Diagnostic>> {
    let mut cx = Checker {
        diagnostics: Vec::new(),
        names: BTreeMap::new(),
        auth_kinds: spec
            .auth
            .iter()
            .map(|(n, a)| (n.value.clone(), a.kind.value))
            .collect(),
        reported: BTreeSet::new(),
    };
    cx.name(&spec.app, "app", MAX_APP);
    cx.declare(&spec.functions, Kind::Function);
    cx.declare(&spec.gateways, Kind::Gateway);
    cx.declare(&spec.tables, Kind::Table);
    cx.declare(&spec.queues, Kind::Queue);
    cx.declare(&spec.topics, Kind::Topic);
    cx.declare(&spec.buckets, Kind::Bucket);
    cx.declare(&spec.auth, Kind::Auth);
    cx.declare(&spec.secrets, Kind::Secret);
    for (name, _) in spec.stages.iter() {
        cx.name(name, "stage", MAX_STAGE);
    }

    let stage = options.stage.as_ref().and_then(|wanted| {
        let found = spec.stages.iter().find(|(n, _)| n.value == *wanted);
        if found.is_none() {
            let names: Vec<&str> = spec.stages.iter().map(|(n, _)| n.value.as_str()).collect();
            let help = match suggest(wanted, names.iter().copied()) {
                Some(close) => format!("did you mean `{close}`?"),
                None if names.is_empty() => {
                    "the spec declares no stages; add `stages:` or leave out `--stage`".into()
                }
                None => format!("declared stages: {}", crate::spec::read::list(&names)),
            };
            cx.diagnostics.push(
                Diagnostic::new(Code::UnknownStage, format!("unknown stage `{wanted}`"))
                    .with_help(help),
            );
        }
        found.map(|(_, s)| s)
    });

    if let Some(d) = &spec.defaults {
        cx.shared_settings(
            d.memory.as_ref(),
            d.timeout.as_ref(),
            d.ephemeral_storage.as_ref(),
            d.log_retention.as_ref(),
        );
    }
    for (_, s) in spec.stages.iter() {
        cx.shared_settings(
            s.memory.as_ref(),
            s.timeout.as_ref(),
            s.ephemeral_storage.as_ref(),
            s.log_retention.as_ref(),
        );
    }
    let lint = cx.lint_settings(spec.lint.as_ref());
    let auths = sorted(spec.auth.iter().filter_map(|(n, a)| cx.auth(n, a)));
    let gateways = sorted(spec.gateways.iter().filter_map(|(n, g)| cx.gateway(n, g)));
    let tables = sorted(spec.tables.iter().filter_map(|(n, t)| cx.table(n, t)));
    let queues = sorted(
        spec.queues
            .iter()
            .filter_map(|(n, q)| cx.queue(n, q, &spec.queues)),
    );
    let topics = sorted(spec.topics.iter().map(|(n, t)| Topic {
        name: n.value.clone(),
        span: n.span,
        fifo: t.fifo.as_ref().is_some_and(|f| f.value),
        display_name: t.display_name.as_ref().map(|d| d.value.clone()),
        suppress: cx.suppressions(&t.suppress),
    }));
    let buckets = sorted(spec.buckets.iter().filter_map(|(n, b)| cx.bucket(n, b)));
    let secrets = sorted(spec.secrets.iter().filter_map(|(n, s)| cx.secret(n, s)));
    let mut functions = Vec::new();
    let mut routes = BTreeMap::new();
    for (name, function) in spec.functions.iter() {
        let overrides = stage.and_then(|s| s.functions.get(&name.value));
        let layers = Layers {
            defaults: spec.defaults.as_ref(),
            stage,
            function,
            overrides,
        };
        if let Some(f) = cx.function(name, &layers, spec, &tables, &queues, &mut routes) {
            functions.push(f);
        }
    }
    if let Some(stage) = stage {
        for (name, _) in stage.functions.iter() {
            if spec.functions.get(&name.value).is_none() {
                cx.unknown(name, "function", Code::UnknownResource, Kind::Function);
            }
        }
    }
    let functions = sorted(functions);
    let fifo_topics: Vec<String> = topics
        .iter()
        .filter(|t| t.fifo)
        .map(|t| t.name.clone())
        .collect();
    let alarms = sorted(
        spec.alarms
            .iter()
            .filter_map(|(n, a)| cx.alarm(n, a, &fifo_topics)),
    );

    if cx.diagnostics.is_empty() {
        Ok(Model {
            app: spec.app.value.clone(),
            stage: options.stage.clone(),
            functions,
            gateways,
            tables,
            queues,
            topics,
            buckets,
            auths,
            secrets,
            alarms,
            lint,
        })
    } else {
        Err(cx.diagnostics)
    }
}

/// A name made of lowercase letters, digits and single hyphens, from any text.
#[must_use]
pub fn slug(text: &str) -> String {
    text.to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// The namespace a kind's names live in.
fn namespace(kind: Kind) -> &'static str {
    match kind {
        Kind::Gateway => "gateways",
        Kind::Auth => "auth",
        _ => "resources",
    }
}

trait Named {
    fn key(&self) -> &str;
}

macro_rules! named {
    ($($t:ty),*) => { $(impl Named for $t { fn key(&self) -> &str { &self.name } })* };
}
named!(
    Function, Gateway, Table, Queue, Topic, Bucket, Auth, Secret, Alarm
);

fn sorted<T: Named>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut items: Vec<T> = items.into_iter().collect();
    items.sort_by(|a, b| a.key().cmp(b.key()));
    items
}

/// The settings that apply to one function, most general first.
struct Layers<'a> {
    defaults: Option<&'a spec::Defaults>,
    stage: Option<&'a spec::Stage>,
    function: &'a spec::Function,
    overrides: Option<&'a spec::StageFunction>,
}

impl Layers<'_> {
    /// The most specific value set: stage override, function, stage, defaults.
    fn pick<T: Clone>(
        &self,
        function: impl Fn(&spec::Function) -> Option<&Spanned<T>>,
        stage: impl Fn(&spec::Stage) -> Option<&Spanned<T>>,
        defaults: impl Fn(&spec::Defaults) -> Option<&Spanned<T>>,
    ) -> Option<Setting<T>> {
        function(self.function)
            .or_else(|| self.stage.and_then(&stage))
            .or_else(|| self.defaults.and_then(&defaults))
            .map(|s| Setting::new(s.value.clone(), s.span))
    }
}

impl Checker {
    /// Records a problem once: a value shared through `defaults` or a stage is checked for
    /// every function that inherits it, but reported at its one location only once.
    fn error(&mut self, diagnostic: Diagnostic) {
        if let Some(span) = diagnostic.primary_span()
            && !self.reported.insert((diagnostic.code, span))
        {
            return;
        }
        self.diagnostics.push(diagnostic);
    }

    /// Checks settings that `defaults` and stages give every function, even when no
    /// function inherits them yet.
    fn shared_settings(
        &mut self,
        memory: Option<&Spanned<u32>>,
        timeout: Option<&Spanned<spec::Duration>>,
        storage: Option<&Spanned<u32>>,
        retention: Option<&Spanned<spec::Duration>>,
    ) {
        if let Some(m) = memory {
            self.range(m, (128, 10_240), "memory", Code::MemoryOutOfRange);
        }
        if let Some(t) = timeout {
            self.seconds(t, (1, 900), "timeout", Code::TimeoutOutOfRange);
        }
        if let Some(e) = storage {
            self.range(e, (512, 10_240), "ephemeral storage", Code::OutOfRange);
        }
        if let Some(r) = retention {
            self.log_retention(&Setting::new(r.value, r.span));
        }
    }

    fn name(&mut self, name: &Spanned<String>, what: &str, max: usize) -> bool {
        let n = name.value.as_str();
        let well_formed = n.starts_with(|c: char| c.is_ascii_lowercase())
            && n.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !n.ends_with('-')
            && !n.contains("--");
        if well_formed && n.len() <= max {
            return true;
        }
        let fixed = slug(n);
        let message = if well_formed {
            format!(
                "{what} name `{n}` is {} characters, over the limit of {max}",
                n.len()
            )
        } else {
            format!("{what} name `{n}` is not a valid name")
        };
        let label = if well_formed {
            format!("over {max} characters")
        } else {
            "lowercase letters, digits and single hyphens, starting with a letter".to_string()
        };
        let mut d = Diagnostic::new(Code::InvalidName, message).with_label(name.span, label);
        if !well_formed && !fixed.is_empty() && fixed.starts_with(|c: char| c.is_ascii_lowercase())
        {
            d = d.with_help(format!(
                "try `{fixed}`; names become parts of cloud resource names"
            ));
        } else {
            d = d.with_help(format!("names become parts of cloud resource names: keep them to {max} characters of `a-z`, `0-9` and `-`"));
        }
        self.error(d);
        false
    }

    fn declare<T>(&mut self, map: &Map<T>, kind: Kind) {
        for name in map.entries.iter().map(|(n, _)| n).chain(&map.failed) {
            self.name(name, kind.noun(), MAX_NAME);
            let key = (namespace(kind), name.value.clone());
            if let Some((other, first)) = self.names.get(&key) {
                let message = format!(
                    "`{}` is declared as a {} and as a {}",
                    name.value,
                    other.noun(),
                    kind.noun()
                );
                let first = *first;
                self.error(
                    Diagnostic::new(Code::DuplicateName, message)
                        .with_label(name.span, "declared again here")
                        .with_label(first, "first declared here")
                        .with_help("give each resource its own name: `uses` and references look resources up by name alone"),
                );
            } else {
                self.names.insert(key, (kind, name.span));
            }
        }
    }

    /// Reports a name that is not declared as `kind`, with the closest declared name.
    fn unknown(&mut self, name: &Spanned<String>, what: &str, code: Code, kind: Kind) {
        let candidates: Vec<&str> = self
            .names
            .iter()
            .filter(|(_, (k, _))| *k == kind)
            .map(|((_, n), _)| n.as_str())
            .collect();
        let help = match suggest(&name.value, candidates.iter().copied()) {
            Some(close) => format!("did you mean `{close}`?"),
            None => match self.lookup(&name.value) {
                Some((other, _)) => format!("`{}` is a {}, not a {what}", name.value, other.noun()),
                None if candidates.is_empty() => format!("declare it under `{}:`", kind.section()),
                None => format!(
                    "declared {}s: {}",
                    kind.noun(),
                    crate::spec::read::list(&candidates)
                ),
            },
        };
        self.error(
            Diagnostic::new(code, format!("unknown {what} `{}`", name.value))
                .with_label(name.span, format!("no {what} has this name"))
                .with_help(help),
        );
    }

    /// A resource that `uses` can name.
    fn lookup(&self, name: &str) -> Option<&(Kind, Span)> {
        self.names.get(&("resources", name.to_string()))
    }

    /// Resolves a name that must be of `kind`.
    fn resolve(&mut self, name: &Spanned<String>, kind: Kind, code: Code) -> Option<String> {
        match self.names.get(&(namespace(kind), name.value.clone())) {
            Some((k, _)) if *k == kind => Some(name.value.clone()),
            _ => {
                self.unknown(name, kind.noun(), code, kind);
                None
            }
        }
    }

    fn range(
        &mut self,
        value: &Spanned<u32>,
        (lo, hi): (u32, u32),
        what: &str,
        code: Code,
    ) -> bool {
        if (lo..=hi).contains(&value.value) {
            return true;
        }
        self.error(
            Diagnostic::new(code, format!("{what} {} is out of range", value.value))
                .with_label(value.span, format!("must be {lo} to {hi}"))
                .with_help(format!("set {what} to a value from {lo} to {hi}")),
        );
        false
    }

    fn seconds(
        &mut self,
        value: &Spanned<spec::Duration>,
        (lo, hi): (u64, u64),
        what: &str,
        code: Code,
    ) -> Option<u64> {
        let s = value.value.seconds();
        if (lo..=hi).contains(&s) {
            return Some(s);
        }
        let show = |n: u64| spec::Duration(n).to_string();
        self.error(
            Diagnostic::new(code, format!("{what} {} is out of range", value.value))
                .with_label(value.span, format!("must be {} to {}", show(lo), show(hi)))
                .with_help(format!(
                    "set {what} to a duration from `{}` to `{}`",
                    show(lo),
                    show(hi)
                )),
        );
        None
    }

    fn lint_settings(&mut self, lint: Option<&spec::LintConfig>) -> LintSettings {
        let Some(lint) = lint else {
            return LintSettings::default();
        };
        let mut resolve = |list: &[Spanned<String>]| {
            list.iter()
                .filter_map(|rule| self.lint_code(rule))
                .collect::<Vec<_>>()
        };
        LintSettings {
            deny: resolve(&lint.deny),
            warn: resolve(&lint.warn),
            allow: resolve(&lint.allow),
        }
    }

    fn lint_code(&mut self, rule: &Spanned<String>) -> Option<Code> {
        match Code::parse(&rule.value) {
            Some(code) if code.is_lint() => Some(code),
            _ => {
                let names = Code::ALL.iter().filter(|c| c.is_lint()).map(|c| c.name());
                let help = match suggest(&rule.value, names) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => "run `updraft explain --list` to see every lint rule".into(),
                };
                self.error(
                    Diagnostic::new(
                        Code::InvalidSuppression,
                        format!("`{}` is not a lint rule", rule.value),
                    )
                    .with_label(
                        rule.span,
                        "expected a rule code such as `UD4101` or a rule name",
                    )
                    .with_help(help),
                );
                None
            }
        }
    }

    fn suppressions(&mut self, list: &[Spanned<spec::Suppression>]) -> Vec<Suppression> {
        let mut out = Vec::new();
        for s in list {
            let code = self.lint_code(&s.rule);
            if s.reason.value.trim().is_empty() {
                self.error(
                    Diagnostic::new(Code::InvalidSuppression, "a suppression needs a reason")
                        .with_label(s.reason.span, "empty reason")
                        .with_help("say why the finding is acceptable here; reviewers read it"),
                );
                continue;
            }
            if let Some(code) = code {
                out.push(Suppression {
                    code,
                    reason: s.reason.value.clone(),
                    span: s.span,
                });
            }
        }
        out
    }

    fn auth(&mut self, name: &Spanned<String>, auth: &spec::Auth) -> Option<Auth> {
        match auth.kind.value {
            AuthKind::Jwt => {
                let mut ok = true;
                match &auth.issuer {
                    None => {
                        self.error(
                            Diagnostic::new(
                                Code::MissingKey,
                                format!("jwt auth `{}` needs `issuer`", name.value),
                            )
                            .with_label(
                                auth.kind.span,
                                "a `jwt` auth checks tokens from one issuer",
                            )
                            .with_help("add `issuer: https://your-tenant.example.com/`"),
                        );
                        ok = false;
                    }
                    Some(issuer) if !issuer.value.starts_with("https://") => {
                        self.error(
                            Diagnostic::new(Code::InvalidValue, "the issuer must be an https URL")
                                .with_label(issuer.span, "expected `https://...`")
                                .with_help("use the issuer URL from your identity provider's OIDC discovery document"),
                        );
                        ok = false;
                    }
                    Some(_) => {}
                }
                if auth.audience.is_empty() {
                    self.error(
                        Diagnostic::new(
                            Code::MissingKey,
                            format!("jwt auth `{}` needs `audience`", name.value),
                        )
                        .with_label(
                            auth.kind.span,
                            "tokens are accepted only for listed audiences",
                        )
                        .with_help("add `audience: [my-api]` (the `aud` claim your tokens carry)"),
                    );
                    ok = false;
                }
                ok.then(|| Auth {
                    name: name.value.clone(),
                    span: name.span,
                    kind: AuthKind::Jwt,
                    issuer: auth.issuer.as_ref().map(|i| i.value.clone()),
                    audience: auth.audience.iter().map(|a| a.value.clone()).collect(),
                })
            }
            AuthKind::Cognito => {
                if let Some(issuer) = &auth.issuer {
                    self.error(
                        Diagnostic::new(
                            Code::ConflictingKeys,
                            "`issuer` is for `jwt` auth; updraft creates the cognito issuer",
                        )
                        .with_label(issuer.span, "not used with `kind: cognito`")
                        .with_help(
                            "remove `issuer`, or use `kind: jwt` for an existing identity provider",
                        ),
                    );
                    return None;
                }
                Some(Auth {
                    name: name.value.clone(),
                    span: name.span,
                    kind: AuthKind::Cognito,
                    issuer: None,
                    audience: auth.audience.iter().map(|a| a.value.clone()).collect(),
                })
            }
        }
    }

    fn cors(&mut self, cors: &spec::Cors) -> Cors {
        for origin in &cors.origins {
            let o = origin.value.as_str();
            if o != "*" && !(o.starts_with("https://") || o.starts_with("http://")) {
                self.error(
                    Diagnostic::new(Code::InvalidValue, format!("`{o}` is not an origin"))
                        .with_label(origin.span, "expected `https://host` or `*`")
                        .with_help(
                            "an origin is a scheme and host, for example `https://app.example.com`",
                        ),
                );
            }
        }
        let methods: Vec<String> = cors
            .methods
            .iter()
            .filter_map(|m| {
                let upper = m.value.to_ascii_uppercase();
                if upper == "*" || HTTP_METHODS.contains(&upper.as_str()) && upper != "ANY" {
                    Some(upper)
                } else {
                    self.error(
                        Diagnostic::new(
                            Code::InvalidValue,
                            format!("`{}` is not an HTTP method", m.value),
                        )
                        .with_label(m.span, "not a method")
                        .with_help("use GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS or `*`"),
                    );
                    None
                }
            })
            .collect();
        let max_age = cors
            .max_age
            .as_ref()
            .and_then(|m| self.seconds(m, (0, 86_400), "cors max_age", Code::OutOfRange));
        Cors {
            origins: cors.origins.iter().map(|o| o.value.clone()).collect(),
            methods,
            headers: cors.headers.iter().map(|h| h.value.clone()).collect(),
            max_age,
            credentials: cors.credentials.as_ref().is_some_and(|c| c.value),
        }
    }

    fn gateway(&mut self, name: &Spanned<String>, gateway: &spec::Gateway) -> Option<Gateway> {
        let default_auth = gateway
            .default_auth
            .as_ref()
            .and_then(|a| self.resolve(a, Kind::Auth, Code::UnknownAuth));
        let throttle = gateway.throttle.as_ref().map(|t| {
            if !(t.rate.value > 0.0 && t.rate.value <= 10_000.0) {
                self.error(
                    Diagnostic::new(
                        Code::OutOfRange,
                        format!("throttle rate {} is out of range", t.rate.value),
                    )
                    .with_label(
                        t.rate.span,
                        "must be above 0 and at most 10000 requests per second",
                    )
                    .with_help("the account-wide default quota is 10,000 requests per second"),
                );
            }
            self.range(&t.burst, (0, 5000), "throttle burst", Code::OutOfRange);
            (t.rate.value, t.burst.value)
        });
        let cors = gateway.cors.as_ref().map(|c| self.cors(c));
        Some(Gateway {
            name: name.value.clone(),
            span: name.span,
            cors,
            default_auth,
            throttle,
            domain: gateway
                .domain
                .as_ref()
                .map(|d| (d.name.value.clone(), d.certificate.value.clone())),
            suppress: self.suppressions(&gateway.suppress),
        })
    }

    fn key(&mut self, key: &spec::Key) -> Key {
        if key.name.value.is_empty() || key.name.value.len() > 255 {
            self.error(
                Diagnostic::new(
                    Code::InvalidName,
                    "a key attribute name must be 1 to 255 characters",
                )
                .with_label(key.name.span, "invalid attribute name")
                .with_help("name the attribute as your code reads it, for example `id` or `pk`"),
            );
        }
        Key {
            name: key.name.value.clone(),
            kind: key.r#type.value,
        }
    }

    fn table(&mut self, name: &Spanned<String>, table: &spec::Table) -> Option<Table> {
        let billing = table
            .billing
            .as_ref()
            .map_or(Billing::OnDemand, |b| b.value);
        let capacity = match (&table.capacity, billing) {
            (Some(c), Billing::Provisioned) => {
                self.range(&c.read, (1, 40_000), "read capacity", Code::OutOfRange);
                self.range(&c.write, (1, 40_000), "write capacity", Code::OutOfRange);
                Some((c.read.value, c.write.value))
            }
            (Some(c), Billing::OnDemand) => {
                self.error(
                    Diagnostic::new(
                        Code::ConflictingKeys,
                        "`capacity` is only used with `billing: provisioned`",
                    )
                    .with_label(c.read.span, "ignored with on-demand billing")
                    .with_help("remove `capacity`, or set `billing: provisioned`"),
                );
                None
            }
            (None, Billing::Provisioned) => {
                let span = table.billing.as_ref().map_or(name.span, |b| b.span);
                self.error(
                    Diagnostic::new(
                        Code::MissingKey,
                        format!(
                            "table `{}` has provisioned billing but no `capacity`",
                            name.value
                        ),
                    )
                    .with_label(span, "needs `capacity: { read, write }`")
                    .with_help(
                        "add `capacity: { read: 5, write: 5 }`, or use `billing: on_demand`",
                    ),
                );
                None
            }
            (None, Billing::OnDemand) => None,
        };
        let indexes = table
            .indexes
            .iter()
            .map(|(n, i)| {
                if !n
                    .value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
                    || n.value.len() < 3
                {
                    self.error(
                        Diagnostic::new(
                            Code::InvalidName,
                            format!("index name `{}` is not valid", n.value),
                        )
                        .with_label(
                            n.span,
                            "3 to 255 characters of a-z, A-Z, 0-9, `_`, `-` and `.`",
                        )
                        .with_help("name the index for its query, for example `by-customer`"),
                    );
                }
                Index {
                    name: n.value.clone(),
                    partition_key: self.key(&i.partition_key),
                    sort_key: i.sort_key.as_ref().map(|k| self.key(k)),
                    projection: i
                        .projection
                        .as_ref()
                        .map_or(spec::Projection::All, |p| p.value),
                }
            })
            .collect();
        Some(Table {
            name: name.value.clone(),
            span: name.span,
            partition_key: self.key(&table.partition_key),
            sort_key: table.sort_key.as_ref().map(|k| self.key(k)),
            indexes,
            stream: table.stream.as_ref().map(|s| s.value),
            ttl: table.ttl.as_ref().map(|t| t.value.clone()),
            billing,
            capacity,
            point_in_time_recovery: table
                .point_in_time_recovery
                .as_ref()
                .map_or(Setting::new(true, Span::default()), |p| {
                    Setting::new(p.value, p.span)
                }),
            suppress: self.suppressions(&table.suppress),
        })
    }

    fn queue(
        &mut self,
        name: &Spanned<String>,
        queue: &spec::Queue,
        all: &Map<spec::Queue>,
    ) -> Option<Queue> {
        let visibility_timeout = match &queue.visibility_timeout {
            Some(v) => Setting::new(
                self.seconds(v, (0, 43_200), "visibility timeout", Code::OutOfRange)?,
                v.span,
            ),
            None => Setting::new(30, Span::default()),
        };
        let retention = match &queue.retention {
            Some(r) => self.seconds(r, (60, 1_209_600), "retention", Code::OutOfRange)?,
            None => 345_600,
        };
        let delay = match &queue.delay {
            Some(d) => self.seconds(d, (0, 900), "delay", Code::OutOfRange)?,
            None => 0,
        };
        let dead_letter = match &queue.dead_letter {
            Some(dl) => {
                let target = self.resolve(&dl.queue, Kind::Queue, Code::UnknownDeadLetter)?;
                if target == name.value {
                    self.error(
                        Diagnostic::new(
                            Code::UnknownDeadLetter,
                            format!("queue `{target}` is its own dead letter queue"),
                        )
                        .with_label(dl.queue.span, "the same queue")
                        .with_help("declare a separate queue for failed messages"),
                    );
                    return None;
                }
                if all
                    .get(&target)
                    .and_then(|q| q.dead_letter.as_ref())
                    .is_some()
                {
                    // Chains are allowed by SQS; nothing to report.
                }
                self.range(
                    &dl.max_receives,
                    (1, 1000),
                    "max_receives",
                    Code::OutOfRange,
                );
                Some(QueueDeadLetter {
                    queue: target,
                    max_receives: dl.max_receives.value,
                    span: dl.queue.span,
                })
            }
            None => None,
        };
        Some(Queue {
            name: name.value.clone(),
            span: name.span,
            fifo: queue.fifo.as_ref().is_some_and(|f| f.value),
            visibility_timeout,
            retention,
            delay,
            dead_letter,
            suppress: self.suppressions(&queue.suppress),
        })
    }

    fn bucket(&mut self, name: &Spanned<String>, bucket: &spec::Bucket) -> Option<Bucket> {
        let lifecycle = bucket
            .lifecycle
            .iter()
            .filter_map(|rule| {
                let days = rule.expire_after.value.seconds();
                if days == 0 || days % 86_400 != 0 {
                    self.error(
                        Diagnostic::new(
                            Code::InvalidDuration,
                            "`expire_after` must be a whole number of days",
                        )
                        .with_label(rule.expire_after.span, "expected days, for example `30d`")
                        .with_help(
                            "lifecycle rules count whole days, for example `expire_after: 30d`",
                        ),
                    );
                    return None;
                }
                Some((rule.prefix.as_ref().map(|p| p.value.clone()), days / 86_400))
            })
            .collect();
        let cors = bucket.cors.as_ref().map(|c| self.cors(c));
        Some(Bucket {
            name: name.value.clone(),
            span: name.span,
            versioning: bucket.versioning.as_ref().is_some_and(|v| v.value),
            public: bucket
                .public
                .as_ref()
                .map_or(Setting::new(false, Span::default()), |p| {
                    Setting::new(p.value, p.span)
                }),
            lifecycle,
            cors,
            suppress: self.suppressions(&bucket.suppress),
        })
    }

    fn secret(&mut self, name: &Spanned<String>, secret: &spec::Secret) -> Option<Secret> {
        let external = secret.name.value.as_str();
        let valid = !external.is_empty()
            && external.len() <= 512
            && external
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c));
        if !valid {
            self.error(
                Diagnostic::new(
                    Code::InvalidName,
                    format!("`{external}` is not a valid secret name"),
                )
                .with_label(secret.name.span, "letters, digits and `/_+=.@-` only")
                .with_help("give the secret's name in its store, never its value"),
            );
            return None;
        }
        Some(Secret {
            name: name.value.clone(),
            span: name.span,
            store: secret.store.value,
            external_name: external.to_string(),
            key: secret.key.as_ref().map(|k| k.value.clone()),
        })
    }

    fn alarm(
        &mut self,
        name: &Spanned<String>,
        alarm: &spec::Alarm,
        fifo_topics: &[String],
    ) -> Option<Alarm> {
        self.name(name, "alarm", MAX_NAME);
        let wants_queue = alarm.metric.value == AlarmMetric::DeadLetterDepth;
        let target = match (wants_queue, &alarm.function, &alarm.queue) {
            (false, Some(f), None) => Ref::new(
                Kind::Function,
                self.resolve(f, Kind::Function, Code::UnknownAlarmTarget)?,
            ),
            (true, None, Some(q)) => Ref::new(
                Kind::Queue,
                self.resolve(q, Kind::Queue, Code::UnknownAlarmTarget)?,
            ),
            _ => {
                let needs = if wants_queue { "`queue`" } else { "`function`" };
                self.error(
                    Diagnostic::new(
                        Code::ConflictingKeys,
                        format!(
                            "alarm `{}` on `{}` needs {needs} and nothing else",
                            name.value, alarm.metric.value
                        ),
                    )
                    .with_label(
                        alarm.metric.span,
                        format!(
                            "this metric is measured on a {}",
                            if wants_queue { "queue" } else { "function" }
                        ),
                    )
                    .with_help(format!("set {needs} to the resource to watch")),
                );
                return None;
            }
        };
        let period = match &alarm.period {
            Some(p) => {
                let s = p.value.seconds();
                if !(s == 10 || s == 30 || (s >= 60 && s % 60 == 0 && s <= 86_400)) {
                    self.error(
                        Diagnostic::new(
                            Code::OutOfRange,
                            format!("alarm period {} is not one CloudWatch accepts", p.value),
                        )
                        .with_label(p.span, "10s, 30s, or whole minutes up to 1d")
                        .with_help("use `10s`, `30s`, or whole minutes such as `1m` or `5m`"),
                    );
                    return None;
                }
                s
            }
            None => 300,
        };
        let evaluation_periods = match &alarm.evaluation_periods {
            Some(e) => {
                self.range(e, (1, 100), "evaluation_periods", Code::OutOfRange);
                e.value
            }
            None => 1,
        };
        let notify = match &alarm.notify {
            Some(t) => {
                let topic = self.resolve(t, Kind::Topic, Code::UnknownAlarmTarget)?;
                if fifo_topics.contains(&topic) {
                    self.error(
                        Diagnostic::new(
                            Code::ConflictingKeys,
                            format!(
                                "topic `{topic}` is FIFO, and alarms notify only standard topics"
                            ),
                        )
                        .with_label(t.span, "CloudWatch cannot publish to a FIFO topic")
                        .with_help("notify a standard topic"),
                    );
                    return None;
                }
                Some(topic)
            }
            None => None,
        };
        Some(Alarm {
            name: name.value.clone(),
            span: name.span,
            metric: alarm.metric.value,
            target,
            threshold: alarm.threshold.value,
            period,
            evaluation_periods,
            notify,
        })
    }

    fn env_value(&mut self, value: &Spanned<spec::EnvValue>) -> Option<EnvValue> {
        let parts = match env::split(&value.value.0) {
            Ok(parts) => parts,
            Err(tail) => {
                self.error(
                    Diagnostic::new(
                        Code::InvalidReference,
                        format!("unterminated reference `{tail}`"),
                    )
                    .with_label(value.span, "`${` without a closing `}`")
                    .with_help("close the reference with `}`, or write `$${` for a literal `${`"),
                );
                return None;
            }
        };
        let mut out = Vec::new();
        let mut ok = true;
        for part in parts {
            match part {
                RawPart::Literal(s) => out.push(EnvPart::Literal(s)),
                RawPart::Reference(text) => match self.reference(text, value.span) {
                    Some(p) => out.push(p),
                    None => ok = false,
                },
            }
        }
        ok.then_some(EnvValue {
            parts: out,
            span: value.span,
        })
    }

    fn reference(&mut self, text: &str, span: Span) -> Option<EnvPart> {
        let pieces: Vec<&str> = text.split('.').collect();
        match pieces.as_slice() {
            ["app", "name"] => return Some(EnvPart::AppName),
            ["app", "stage"] => return Some(EnvPart::Stage),
            _ => {}
        }
        let sections = [
            Kind::Function,
            Kind::Gateway,
            Kind::Table,
            Kind::Queue,
            Kind::Topic,
            Kind::Bucket,
            Kind::Auth,
            Kind::Secret,
        ];
        let [section, name, attr] = pieces.as_slice() else {
            self.error(
                Diagnostic::new(Code::InvalidReference, format!("`${{{text}}}` is not a reference"))
                    .with_label(span, "expected `${kind.name.attribute}`")
                    .with_help("for example `${tables.orders.name}` or `${queues.jobs.url}`; write `$${` for a literal `${`"),
            );
            return None;
        };
        let Some(kind) = sections.iter().copied().find(|k| k.section() == *section) else {
            let names: Vec<&str> = sections.iter().map(|k| k.section()).collect();
            let help = suggest(section, names.iter().copied()).map_or_else(
                || format!("the kinds are {}", crate::spec::read::list(&names)),
                |c| format!("did you mean `{c}`?"),
            );
            self.error(
                Diagnostic::new(
                    Code::InvalidReference,
                    format!("`{section}` in `${{{text}}}` is not a kind of resource"),
                )
                .with_label(span, "unknown kind")
                .with_help(help),
            );
            return None;
        };
        let spanned = Spanned::new((*name).to_string(), span);
        let name = self.resolve(&spanned, kind, Code::UnknownEnvReference)?;
        let attrs: &[Attr] = match (kind, self.auth_kinds.get(&name)) {
            // A `jwt` auth is someone else's issuer: there is no user pool to name.
            (Kind::Auth, Some(AuthKind::Jwt)) => &[Attr::Issuer],
            _ => Attr::of(kind),
        };
        let Some(attr) = attrs.iter().copied().find(|a| a.as_str() == *attr) else {
            let names: Vec<&str> = attrs.iter().map(|a| a.as_str()).collect();
            self.error(
                Diagnostic::new(
                    Code::InvalidReference,
                    format!("{} `{name}` has no attribute `{attr}`", kind.noun()),
                )
                .with_label(span, "unknown attribute")
                .with_help(match suggest(attr, names.iter().copied()) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None if kind == Kind::Auth && attrs.len() == 1 => {
                        "a `jwt` auth names an outside issuer: it has only `issuer`; user pool ids belong to `cognito` auths".to_string()
                    }
                    None => format!(
                        "{} attributes: {}",
                        kind.noun(),
                        crate::spec::read::list(&names)
                    ),
                }),
            );
            return None;
        };
        Some(EnvPart::Ref {
            target: Ref::new(kind, name),
            attr,
        })
    }

    fn env(&mut self, layers: &[&Map<Spanned<spec::EnvValue>>]) -> BTreeMap<String, EnvValue> {
        let mut out = BTreeMap::new();
        for layer in layers {
            for (key, value) in layer.iter() {
                let k = key.value.as_str();
                let valid = k.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                    && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if !valid {
                    self.error(
                        Diagnostic::new(
                            Code::InvalidName,
                            format!("`{k}` is not an environment variable name"),
                        )
                        .with_label(
                            key.span,
                            "letters, digits and `_`, not starting with a digit",
                        )
                        .with_help("use a name such as `TABLE_NAME`"),
                    );
                    continue;
                }
                if RESERVED_ENV.contains(&k) {
                    self.error(
                        Diagnostic::new(
                            Code::InvalidName,
                            format!("`{k}` is set by the runtime and cannot be configured"),
                        )
                        .with_label(key.span, "reserved name")
                        .with_help(
                            "choose another name; the runtime provides this variable itself",
                        ),
                    );
                    continue;
                }
                if let Some(v) = self.env_value(value) {
                    out.insert(k.to_string(), v);
                }
            }
        }
        out
    }

    #[allow(clippy::too_many_lines)]
    fn function(
        &mut self,
        name: &Spanned<String>,
        layers: &Layers<'_>,
        spec: &Spec,
        tables: &[Table],
        queues: &[Queue],
        routes: &mut BTreeMap<(String, String, String), Span>,
    ) -> Option<Function> {
        let f = layers.function;
        let errors_before = self.diagnostics.len();
        let runtime = layers.pick(
            |f| f.runtime.as_ref(),
            |s| s.runtime.as_ref(),
            |d| d.runtime.as_ref(),
        );
        let (code, code_span) = match (&f.handler, &f.image) {
            (Some(handler), None) => {
                let runtime = match runtime {
                    Some(r) if RUNTIMES.contains(&r.value.as_str()) => Some(r),
                    Some(r) => {
                        let retired = DEPRECATED_RUNTIMES
                            .iter()
                            .find(|(name, _, _)| *name == r.value);
                        let help = if let Some((_, date, successor)) = retired {
                            format!("AWS deprecated `{}` on {date}: use `{successor}`", r.value)
                        } else {
                            suggest(&r.value, RUNTIMES.iter().copied()).map_or_else(
                                || {
                                    format!(
                                        "supported runtimes: {}",
                                        crate::spec::read::list(RUNTIMES)
                                    )
                                },
                                |c| format!("did you mean `{c}`?"),
                            )
                        };
                        self.error(
                            Diagnostic::new(
                                Code::InvalidValue,
                                format!("`{}` is not a supported runtime", r.value),
                            )
                            .with_label(r.span, "unknown or retired runtime")
                            .with_help(help),
                        );
                        None
                    }
                    None => {
                        self.error(
                            Diagnostic::new(Code::MissingKey, format!("function `{}` has a handler but no runtime", name.value))
                                .with_label(handler.span, "which runtime runs this handler?")
                                .with_help("set `runtime:` on the function or in `defaults`, for example `nodejs24.x`"),
                        );
                        None
                    }
                };
                if handler.value.trim().is_empty() || handler.value.len() > 128 {
                    self.error(
                        Diagnostic::new(
                            Code::InvalidValue,
                            "a handler must be 1 to 128 characters",
                        )
                        .with_label(handler.span, "invalid handler")
                        .with_help("write the module and function, for example `src/api.handler`"),
                    );
                }
                (
                    runtime.map(|runtime| CodeSource::Handler {
                        handler: handler.value.clone(),
                        runtime,
                        path: f
                            .code
                            .as_ref()
                            .map(|c| Setting::new(c.value.clone(), c.span)),
                        package: None,
                    }),
                    handler.span,
                )
            }
            (None, Some(image)) => {
                if let Some(runtime) = &f.runtime {
                    self.error(
                        Diagnostic::new(
                            Code::ConflictingKeys,
                            "`runtime` is for handler functions; an image brings its own runtime",
                        )
                        .with_label(runtime.span, "not used with `image`")
                        .with_help("remove `runtime` from this function"),
                    );
                }
                if let Some(code) = &f.code {
                    self.error(
                        Diagnostic::new(
                            Code::ConflictingKeys,
                            "`code` is for handler functions; an image holds its own code",
                        )
                        .with_label(code.span, "not used with `image`")
                        .with_help("remove `code`: the image already contains the code"),
                    );
                }
                let valid = !image.value.is_empty() && !image.value.contains(char::is_whitespace);
                if !valid {
                    self.error(
                        Diagnostic::new(
                            Code::InvalidValue,
                            "an image reference cannot be empty or contain spaces",
                        )
                        .with_label(image.span, "invalid image reference")
                        .with_help("for example `ghcr.io/acme/resize:1.4`"),
                    );
                }
                (
                    valid.then(|| CodeSource::Image {
                        image: image.value.clone(),
                    }),
                    image.span,
                )
            }
            (Some(handler), Some(image)) => {
                self.error(
                    Diagnostic::new(
                        Code::ConflictingKeys,
                        format!("function `{}` has both `handler` and `image`", name.value),
                    )
                    .with_label(image.span, "`image` here")
                    .with_label(handler.span, "`handler` here")
                    .with_help(
                        "keep `handler` for code in a runtime, or `image` for a container image",
                    ),
                );
                (None, name.span)
            }
            (None, None) if f.had_errors => (None, name.span),
            (None, None) => {
                self.error(
                    Diagnostic::new(Code::MissingKey, format!("function `{}` needs `handler` or `image`", name.value))
                        .with_label(name.span, "no code for this function")
                        .with_help("add `handler: src/index.handler` (with a runtime) or `image: registry/repo:tag`"),
                );
                (None, name.span)
            }
        };

        let o = layers.overrides;
        let memory = o
            .and_then(|o| o.memory.as_ref())
            .map(|m| Setting::new(m.value, m.span))
            .or_else(|| {
                layers.pick(
                    |f| f.memory.as_ref(),
                    |s| s.memory.as_ref(),
                    |d| d.memory.as_ref(),
                )
            })
            .unwrap_or(Setting::new(128, Span::default()));
        if !self.range(
            &Spanned::new(memory.value, memory.span),
            (128, 10_240),
            "memory",
            Code::MemoryOutOfRange,
        ) && let Some(last) = self.diagnostics.last_mut()
        {
            last.help = Some("Lambda functions take 128 to 10,240 MB, in steps of 1 MB".into());
        }
        let timeout_setting = o
            .and_then(|o| o.timeout.as_ref())
            .map(|t| Setting::new(t.value, t.span))
            .or_else(|| {
                layers.pick(
                    |f| f.timeout.as_ref(),
                    |s| s.timeout.as_ref(),
                    |d| d.timeout.as_ref(),
                )
            });
        let timeout = match timeout_setting {
            Some(t) => {
                let seconds = self.seconds(
                    &Spanned::new(t.value, t.span),
                    (1, 900),
                    "timeout",
                    Code::TimeoutOutOfRange,
                );
                if seconds.is_none()
                    && let Some(last) = self.diagnostics.last_mut()
                {
                    last.help = Some("a function runs at most 15 minutes; move longer work to a queue-driven worker or a step function".into());
                }
                Setting::new(seconds.unwrap_or(3), t.span)
            }
            None => Setting::new(3, Span::default()),
        };
        let architecture = layers
            .pick(
                |f| f.architecture.as_ref(),
                |s| s.architecture.as_ref(),
                |d| d.architecture.as_ref(),
            )
            .unwrap_or(Setting::new(Architecture::X86_64, Span::default()));
        let ephemeral_storage = layers
            .pick(
                |f| f.ephemeral_storage.as_ref(),
                |s| s.ephemeral_storage.as_ref(),
                |d| d.ephemeral_storage.as_ref(),
            )
            .unwrap_or(Setting::new(512, Span::default()));
        self.range(
            &Spanned::new(ephemeral_storage.value, ephemeral_storage.span),
            (512, 10_240),
            "ephemeral storage",
            Code::OutOfRange,
        );
        let tracing = layers
            .pick(
                |f| f.tracing.as_ref(),
                |s| s.tracing.as_ref(),
                |d| d.tracing.as_ref(),
            )
            .unwrap_or(Setting::new(false, Span::default()));
        let log_retention = layers
            .pick(
                |f| f.log_retention.as_ref(),
                |s| s.log_retention.as_ref(),
                |d| d.log_retention.as_ref(),
            )
            .and_then(|r| self.log_retention(&r));

        let mut env_layers = Vec::new();
        if let Some(d) = layers.defaults {
            env_layers.push(&d.env);
        }
        if let Some(s) = layers.stage {
            env_layers.push(&s.env);
        }
        env_layers.push(&f.env);
        if let Some(o) = o {
            env_layers.push(&o.env);
        }
        let env = self.env(&env_layers);

        let uses = f
            .uses
            .iter()
            .filter_map(|(target, u)| self.use_entry(target, u))
            .collect();
        let events = f
            .events
            .iter()
            .filter_map(|e| self.event(&name.value, e, spec, tables, queues, routes))
            .collect();

        let retries = f.retries.as_ref().map(|r| {
            self.range(r, (0, 2), "retries", Code::OutOfRange);
            Setting::new(r.value, r.span)
        });
        let dead_letter = f
            .dead_letter
            .as_ref()
            .and_then(|d| match self.lookup(&d.value) {
                Some((Kind::Queue, _))
                    if spec.queues.get(&d.value).and_then(|q| q.fifo.as_ref()).is_some_and(|f| f.value) =>
                {
                    self.error(
                        Diagnostic::new(Code::ConflictingKeys, format!("queue `{}` is FIFO; failed asynchronous events go only to a standard queue or a topic", d.value))
                            .with_label(d.span, "a FIFO queue cannot be a function's dead letter target")
                            .with_help("use a standard queue (or a topic) as the dead letter target"),
                    );
                    None
                }
                Some((kind @ (Kind::Queue | Kind::Topic), _)) => {
                    Some(Setting::new(Ref::new(*kind, d.value.clone()), d.span))
                }
                _ => {
                    let candidates: Vec<&str> = self
                        .names
                        .iter()
                        .filter(|(_, (k, _))| matches!(k, Kind::Queue | Kind::Topic))
                        .map(|((_, n), _)| n.as_str())
                        .collect();
                    let help = suggest(&d.value, candidates.iter().copied()).map_or_else(
                        || {
                            "a dead letter target is a queue or a topic declared in the spec"
                                .to_string()
                        },
                        |c| format!("did you mean `{c}`?"),
                    );
                    self.error(
                        Diagnostic::new(
                            Code::UnknownDeadLetter,
                            format!("`{}` is not a declared queue or topic", d.value),
                        )
                        .with_label(d.span, "no queue or topic has this name")
                        .with_help(help),
                    );
                    None
                }
            });
        let pick_concurrency = |own: Option<&Spanned<u32>>, over: Option<&Spanned<u32>>| {
            over.or(own).map(|c| Setting::new(c.value, c.span))
        };
        let reserved_concurrency = pick_concurrency(
            f.reserved_concurrency.as_ref(),
            o.and_then(|o| o.reserved_concurrency.as_ref()),
        );
        let provisioned_concurrency = pick_concurrency(
            f.provisioned_concurrency.as_ref(),
            o.and_then(|o| o.provisioned_concurrency.as_ref()),
        );
        if let Some(p) = &provisioned_concurrency {
            if p.value == 0 {
                self.error(
                    Diagnostic::new(
                        Code::OutOfRange,
                        "provisioned concurrency must be at least 1",
                    )
                    .with_label(p.span, "leave it out for none")
                    .with_help("remove `provisioned_concurrency`, or set it to 1 or more"),
                );
            }
            if let Some(r) = &reserved_concurrency
                && p.value > r.value
            {
                self.error(
                    Diagnostic::new(
                        Code::OutOfRange,
                        format!(
                            "provisioned concurrency {} exceeds reserved concurrency {}",
                            p.value, r.value
                        ),
                    )
                    .with_label(p.span, "more warm instances than the function may run")
                    .with_label(r.span, "reserved here")
                    .with_help("raise `reserved_concurrency` or lower `provisioned_concurrency`"),
                );
            }
        }
        let permissions = f
            .permissions
            .iter()
            .filter_map(|s| self.statement(s))
            .collect();
        let suppress = self.suppressions(&f.suppress);

        if self.diagnostics.len() > errors_before {
            return None;
        }
        Some(Function {
            name: name.value.clone(),
            span: name.span,
            description: f.description.as_ref().map(|d| d.value.clone()),
            code: code?,
            code_span,
            memory,
            timeout,
            architecture,
            ephemeral_storage,
            tracing,
            log_retention,
            env,
            uses,
            events,
            retries,
            dead_letter,
            reserved_concurrency,
            provisioned_concurrency,
            permissions,
            suppress,
        })
    }

    fn log_retention(&mut self, r: &Setting<spec::Duration>) -> Option<Setting<u32>> {
        let s = r.value.seconds();
        let days = s / 86_400;
        if s.is_multiple_of(86_400) && LOG_RETENTION_DAYS.contains(&days) {
            return u32::try_from(days).ok().map(|d| Setting::new(d, r.span));
        }
        let nearest = LOG_RETENTION_DAYS
            .iter()
            .min_by_key(|d| (**d * 86_400).abs_diff(s))
            .copied()
            .unwrap_or(14);
        self.error(
            Diagnostic::new(
                Code::InvalidLogRetention,
                format!(
                    "log retention {} is not offered by CloudWatch Logs",
                    r.value
                ),
            )
            .with_label(r.span, "not an allowed retention")
            .with_help(format!(
                "the nearest allowed value is `{nearest}d`; allowed days: {}",
                LOG_RETENTION_DAYS
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        );
        None
    }

    fn use_entry(&mut self, target: &Spanned<String>, entry: &Spanned<spec::Use>) -> Option<Use> {
        let Some((kind, _)) = self.lookup(&target.value).copied() else {
            let all: Vec<&str> = self
                .names
                .keys()
                .filter(|(space, _)| *space == "resources")
                .map(|(_, n)| n.as_str())
                .collect();
            let help = suggest(&target.value, all.iter().copied()).map_or_else(
                || "declare it under `tables:`, `buckets:`, `queues:`, `topics:`, `functions:` or `secrets:`".to_string(),
                |c| format!("did you mean `{c}`?"),
            );
            self.error(
                Diagnostic::new(
                    Code::UnknownResource,
                    format!("uses unknown resource `{}`", target.value),
                )
                .with_label(target.span, "not declared anywhere in the spec")
                .with_help(help),
            );
            return None;
        };
        let access = entry.value.access.value;
        let levels = kind.access_levels();
        if !levels.contains(&access) {
            let help = if levels.is_empty() {
                format!(
                    "a {} cannot be used directly; reference it in `env` instead (for example `${{{}.{}.url}}`)",
                    kind.noun(),
                    kind.section(),
                    target.value
                )
            } else {
                let names: Vec<&str> = levels.iter().map(|l| l.as_str()).collect();
                format!(
                    "a {} takes {}",
                    kind.noun(),
                    crate::spec::read::list(&names)
                )
            };
            self.error(
                Diagnostic::new(
                    Code::AccessNotValid,
                    format!(
                        "`{access}` is not an access level of {} `{}`",
                        kind.noun(),
                        target.value
                    ),
                )
                .with_label(
                    entry.value.access.span,
                    format!("not valid for a {}", kind.noun()),
                )
                .with_help(help),
            );
            return None;
        }
        if let Some(prefix) = &entry.value.prefix {
            if kind != Kind::Bucket {
                self.error(
                    Diagnostic::new(
                        Code::PrefixNotAllowed,
                        format!(
                            "`prefix` applies to buckets; `{}` is a {}",
                            target.value,
                            kind.noun()
                        ),
                    )
                    .with_label(prefix.span, "only bucket keys have prefixes")
                    .with_help("remove `prefix`"),
                );
                return None;
            }
            if prefix.value.is_empty()
                || prefix.value.starts_with('/')
                || prefix.value.contains('*')
            {
                self.error(
                    Diagnostic::new(
                        Code::InvalidValue,
                        format!("`{}` is not a key prefix", prefix.value),
                    )
                    .with_label(prefix.span, "expected a prefix such as `thumbs/`")
                    .with_help(
                        "write the start of the object keys, without a leading `/` or wildcards",
                    ),
                );
                return None;
            }
        }
        let end = entry.span.end.max(target.span.end);
        Some(Use {
            resource: Ref::new(kind, target.value.clone()),
            access,
            prefix: entry.value.prefix.as_ref().map(|p| p.value.clone()),
            span: Span {
                start: target.span.start,
                end,
            },
        })
    }

    fn statement(&mut self, s: &Spanned<spec::Statement>) -> Option<Statement> {
        let st = &s.value;
        let mut ok = true;
        if st.actions.is_empty() == st.not_actions.is_empty() {
            self.error(
                Diagnostic::new(
                    Code::InvalidStatement,
                    "a statement needs `actions` (or `not_actions`), not both or neither",
                )
                .with_label(s.span, "invalid statement")
                .with_help("list the IAM actions, for example `actions: [ssm:GetParameter]`"),
            );
            ok = false;
        }
        if st.resources.is_empty() == st.not_resources.is_empty() {
            self.error(
                Diagnostic::new(
                    Code::InvalidStatement,
                    "a statement needs `resources` (or `not_resources`), not both or neither",
                )
                .with_label(s.span, "invalid statement")
                .with_help("list the ARNs the actions apply to"),
            );
            ok = false;
        }
        for action in st.actions.iter().chain(&st.not_actions) {
            let a = action.value.as_str();
            let valid = a == "*"
                || a.split_once(':').is_some_and(|(svc, name)| {
                    !svc.is_empty()
                        && svc.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                        && !name.is_empty()
                        && name
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '*' || c == '?')
                });
            if !valid {
                self.error(
                    Diagnostic::new(
                        Code::InvalidStatement,
                        format!("`{a}` is not an IAM action"),
                    )
                    .with_label(action.span, "expected `service:Action`")
                    .with_help("for example `ssm:GetParameter`"),
                );
                ok = false;
            }
        }
        for resource in st.resources.iter().chain(&st.not_resources) {
            let r = resource.value.as_str();
            if r != "*" && !r.starts_with("arn:") {
                self.error(
                    Diagnostic::new(Code::InvalidStatement, format!("`{r}` is not an ARN"))
                        .with_label(resource.span, "expected `arn:...` or `*`")
                        .with_help("write the resource's full ARN"),
                );
                ok = false;
            }
        }
        let setting = |v: &Vec<Spanned<String>>| {
            v.iter()
                .map(|x| Setting::new(x.value.clone(), x.span))
                .collect()
        };
        ok.then(|| Statement {
            effect: st.effect.as_ref().map_or(spec::Effect::Allow, |e| e.value),
            actions: setting(&st.actions),
            not_actions: setting(&st.not_actions),
            resources: setting(&st.resources),
            not_resources: setting(&st.not_resources),
            condition: st.condition.as_ref().map(|c| c.value.0.clone()),
            span: s.span,
        })
    }

    #[allow(clippy::too_many_lines)]
    fn event(
        &mut self,
        function: &str,
        event: &Spanned<spec::Event>,
        spec: &Spec,
        tables: &[Table],
        queues: &[Queue],
        routes: &mut BTreeMap<(String, String, String), Span>,
    ) -> Option<Event> {
        let trigger = match &event.value {
            spec::Event::Http(http) => {
                let gateway = match &http.gateway {
                    Some(g) => self.resolve(g, Kind::Gateway, Code::UnknownEventSource)?,
                    None => {
                        let gateways: Vec<&String> =
                            spec.gateways.iter().map(|(n, _)| &n.value).collect();
                        match gateways.as_slice() {
                            [one] => (*one).clone(),
                            [] => {
                                self.error(
                                    Diagnostic::new(Code::UnknownEventSource, "an http event needs a gateway, and the spec declares none")
                                        .with_label(event.span, "no gateway to attach this route to")
                                        .with_help("declare one under `gateways:`, for example `gateways: { api: {} }`"),
                                );
                                return None;
                            }
                            _ => {
                                self.error(
                                    Diagnostic::new(Code::MissingKey, "the spec declares several gateways: say which one this route is on")
                                        .with_label(event.span, "which gateway?")
                                        .with_help("add `gateway: <name>`"),
                                );
                                return None;
                            }
                        }
                    }
                };
                let (method, path) = self.route(&http.route)?;
                let public = http.public.as_ref().is_some_and(|p| p.value);
                let auth = match (&http.auth, public) {
                    (Some(a), true) => {
                        self.error(
                            Diagnostic::new(Code::ConflictingKeys, "a route cannot be both `public` and have `auth`")
                                .with_label(a.span, "auth here")
                                .with_help("remove `auth` for a public route, or `public: true` for an authenticated one"),
                        );
                        return None;
                    }
                    (Some(a), false) => Some(self.resolve(a, Kind::Auth, Code::UnknownAuth)?),
                    (None, true) => None,
                    (None, false) => spec
                        .gateways
                        .get(&gateway)
                        .and_then(|g| g.default_auth.as_ref())
                        .map(|a| a.value.clone()),
                };
                let shape: String = path
                    .split('/')
                    .map(|seg| if seg.starts_with('{') { "{}" } else { seg })
                    .collect::<Vec<_>>()
                    .join("/");
                let key = (gateway.clone(), method.clone(), shape);
                if let Some(first) = routes.get(&key) {
                    let first = *first;
                    self.error(
                        Diagnostic::new(Code::DuplicateRoute, format!("route `{method} {path}` is declared twice on gateway `{gateway}`"))
                            .with_label(http.route.span, "declared again here")
                            .with_label(first, "first declared here")
                            .with_help("each method and path may be routed to one function; path parameters with other names still clash"),
                    );
                    return None;
                }
                routes.insert(key, http.route.span);
                Trigger::Http {
                    gateway,
                    method,
                    path,
                    auth,
                }
            }
            spec::Event::Schedule(s) => {
                match super::schedule::parse(
                    &s.expression.value,
                    s.timezone.as_ref().map(|t| t.value.as_str()),
                ) {
                    Ok(schedule) => Trigger::Schedule(schedule),
                    Err((message, help)) => {
                        let span = if message.contains("time zone") {
                            s.timezone.as_ref().map_or(s.expression.span, |t| t.span)
                        } else {
                            s.expression.span
                        };
                        self.error(
                            Diagnostic::new(Code::InvalidSchedule, message)
                                .with_label(span, "invalid schedule")
                                .with_help(help),
                        );
                        return None;
                    }
                }
            }
            spec::Event::Queue(q) => {
                let queue = self.resolve(&q.name, Kind::Queue, Code::UnknownEventSource)?;
                let fifo = super::find(queues, &queue, |x| &x.name).is_some_and(|x| x.fifo);
                let max = if fifo { 10 } else { 10_000 };
                let batch_size = q.batch_size.as_ref().map_or(10, |b| b.value);
                if let Some(b) = &q.batch_size {
                    self.range(b, (1, max), "batch size", Code::OutOfRange);
                }
                let window = q
                    .window
                    .as_ref()
                    .and_then(|w| self.seconds(w, (0, 300), "batching window", Code::OutOfRange));
                if let (true, Some(w)) = (fifo, &q.window) {
                    self.error(
                        Diagnostic::new(Code::ConflictingKeys, format!("queue `{queue}` is FIFO, and FIFO queue events take no batching window"))
                            .with_label(w.span, "not supported for FIFO queues")
                            .with_help("remove `window`; a FIFO consumer receives each message group in order as it arrives"),
                    );
                }
                if batch_size > 10 && window.unwrap_or(0) == 0 {
                    let span = q.batch_size.as_ref().map_or(q.name.span, |b| b.span);
                    self.error(
                        Diagnostic::new(
                            Code::ConflictingKeys,
                            "a queue batch size above 10 needs a batching window",
                        )
                        .with_label(span, "batches over 10 messages")
                        .with_help("add `window: 1s` (or longer), or lower `batch_size` to 10"),
                    );
                }
                let _ = function;
                Trigger::Queue {
                    queue,
                    batch_size,
                    window,
                }
            }
            spec::Event::Topic(t) => {
                let topic = self.resolve(&t.name, Kind::Topic, Code::UnknownEventSource)?;
                if spec
                    .topics
                    .get(&topic)
                    .and_then(|x| x.fifo.as_ref())
                    .is_some_and(|f| f.value)
                {
                    self.error(
                        Diagnostic::new(Code::ConflictingKeys, format!("topic `{topic}` is FIFO, and functions cannot subscribe to FIFO topics"))
                            .with_label(t.name.span, "a FIFO topic delivers only to queues")
                            .with_help("subscribe a FIFO queue to the topic and trigger the function from the queue, or make the topic standard"),
                    );
                    return None;
                }
                let filter = t
                    .filter
                    .iter()
                    .map(|(k, v)| (k.value.clone(), v.iter().map(|s| s.value.clone()).collect()))
                    .collect();
                Trigger::Topic { topic, filter }
            }
            spec::Event::Bucket(b) => Trigger::Bucket {
                bucket: self.resolve(&b.name, Kind::Bucket, Code::UnknownEventSource)?,
                on: b.on.value,
                prefix: b.prefix.as_ref().map(|p| p.value.clone()),
                suffix: b.suffix.as_ref().map(|s| s.value.clone()),
            },
            spec::Event::Table(t) => {
                let table = self.resolve(&t.name, Kind::Table, Code::UnknownEventSource)?;
                if super::find(tables, &table, |x| &x.name).is_some_and(|x| x.stream.is_none()) {
                    self.error(
                        Diagnostic::new(
                            Code::StreamNotEnabled,
                            format!("table `{table}` has no stream to read"),
                        )
                        .with_label(t.name.span, "this table does not publish changes")
                        .with_help(format!(
                            "add `stream: new_and_old_images` to table `{table}`"
                        )),
                    );
                    return None;
                }
                let batch_size = t.batch_size.as_ref().map_or(100, |b| b.value);
                if let Some(b) = &t.batch_size {
                    self.range(b, (1, 10_000), "batch size", Code::OutOfRange);
                }
                Trigger::Table {
                    table,
                    starting_position: t
                        .starting_position
                        .as_ref()
                        .map_or(spec::StartingPosition::Latest, |p| p.value),
                    batch_size,
                }
            }
            spec::Event::Iot(iot) => {
                match (&iot.topic, &iot.sql) {
                    (Some(topic), None) => {
                        if topic.value.is_empty() || topic.value.contains(['\'', '"']) {
                            self.error(
                                Diagnostic::new(
                                    Code::InvalidValue,
                                    "an MQTT topic filter cannot be empty or contain quotes",
                                )
                                .with_label(topic.span, "invalid topic filter")
                                .with_help("for example `sensors/+/telemetry`"),
                            );
                            return None;
                        }
                        Trigger::Iot {
                            sql: format!("SELECT * FROM '{}'", topic.value),
                        }
                    }
                    (None, Some(sql)) => {
                        if !sql
                            .value
                            .trim_start()
                            .to_ascii_uppercase()
                            .starts_with("SELECT ")
                        {
                            self.error(
                            Diagnostic::new(Code::InvalidValue, "an IoT rule statement starts with `SELECT`")
                                .with_label(sql.span, "not an IoT SQL statement")
                                .with_help("for example `SELECT * FROM 'sensors/#' WHERE temperature > 40`"),
                        );
                            return None;
                        }
                        Trigger::Iot {
                            sql: sql.value.clone(),
                        }
                    }
                    _ => {
                        self.error(
                        Diagnostic::new(Code::ConflictingKeys, "an iot event needs `topic` or `sql`, one of them")
                            .with_label(event.span, "give exactly one")
                            .with_help("`topic: sensors/+/telemetry` for every message, or `sql:` to select and filter"),
                    );
                        return None;
                    }
                }
            }
        };
        Some(Event {
            trigger,
            span: event.span,
        })
    }

    fn route(&mut self, route: &Spanned<String>) -> Option<(String, String)> {
        let text = route.value.trim();
        let bad = |cx: &mut Self, why: &str| {
            cx.error(
                Diagnostic::new(
                    Code::InvalidRoute,
                    format!("`{text}` is not a route: {why}"),
                )
                .with_label(route.span, "expected `METHOD /path`")
                .with_help("for example `GET /photos/{id}` or `ANY /{proxy+}`"),
            );
        };
        let Some((method, path)) = text.split_once(' ') else {
            bad(self, "a method and a path are separated by a space");
            return None;
        };
        let method = method.trim();
        let path = path.trim();
        if !HTTP_METHODS.contains(&method) {
            let help_method = suggest(&method.to_ascii_uppercase(), HTTP_METHODS.iter().copied());
            bad(
                self,
                &match help_method {
                    Some(m) if m != method => {
                        format!("`{method}` is not a method (did you mean `{m}`?)")
                    }
                    _ => format!("`{method}` is not a method"),
                },
            );
            return None;
        }
        if !path.starts_with('/') {
            bad(self, "the path must start with `/`");
            return None;
        }
        let segments: Vec<&str> = path[1..].split('/').collect();
        let mut params = BTreeSet::new();
        for (i, seg) in segments.iter().enumerate() {
            if seg.is_empty() {
                if path == "/" {
                    break;
                }
                bad(self, "empty path segment (`//` or a trailing `/`)");
                return None;
            }
            if let Some(inner) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                let name = inner.strip_suffix('+').unwrap_or(inner);
                let greedy = inner.ends_with('+');
                if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    bad(self, &format!("`{seg}` is not a path parameter"));
                    return None;
                }
                if greedy && i + 1 != segments.len() {
                    bad(
                        self,
                        "a greedy parameter `{name+}` must be the last segment",
                    );
                    return None;
                }
                if !params.insert(name) {
                    bad(self, &format!("parameter `{name}` appears twice"));
                    return None;
                }
            } else if !seg
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._~$@".contains(c))
            {
                bad(
                    self,
                    &format!("`{seg}` has characters a path segment cannot have"),
                );
                return None;
            }
        }
        Some((method.to_string(), path.to_string()))
    }
}
