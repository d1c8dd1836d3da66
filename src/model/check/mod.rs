//! Spec to model: applies defaults and the stage, resolves every name, and checks every
//! value. Problems are collected, never returned early, so one run shows all of them.
//!
//! One file per spec section (`function`, `event`, `route`, `environment`, `uses`,
//! `gateway`, `auth`, `table`, `queue`, `topic`, `bucket`, `secret`, `alarm`, `statement`,
//! `lint`)
//! and one for names (declaring and resolving them). The numbers they check against are in
//! [`crate::limits`].
//!
//! **Invariant:** a diagnostic is built whole, help included, before it is recorded; nothing
//! edits a diagnostic already recorded (it may be another value's, or a skipped duplicate's).

mod alarm;
mod auth;
mod bucket;
mod environment;
mod event;
mod function;
mod function_layers;
mod gateway;
mod lint;
mod names;
mod params;
mod queue;
mod route;
mod secret;
mod statement;
mod table;
mod topic;
mod uses;

use std::collections::{BTreeMap, BTreeSet};

pub use names::slug;

use super::{
    Alarm, Auth, Bucket, Function, Gateway, Kind, Model, Options, Queue, Secret, Setting, Table,
    Topic,
};
use crate::diag::{Code, Diagnostic, suggest};
use crate::limits::{self, Limit};
use crate::source::Span;
use crate::spec::read::Spanned;
use crate::spec::{self, AuthKind, Spec};

/// The routes declared so far, by (gateway, method, path shape), with where each was declared.
type Routes = BTreeMap<(String, crate::model::Method, String), Span>;

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
    /// Misspelt sections (`tabels:`), already reported as unknown keys.
    misspelt: Vec<super::Misspelt>,
    /// Names declared twice (reported once, UD2008): references to them are not reported.
    colliding: BTreeSet<String>,
    /// Every bucket event declared so far, to refuse overlapping ones.
    bucket_events: Vec<event::BucketEventSeen>,
    /// Every declared param's type (`None`: its settings could not be read).
    params: BTreeMap<String, Option<spec::ParamType>>,
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
        misspelt: options.misspelt.clone(),
        colliding: BTreeSet::new(),
        bucket_events: Vec::new(),
        params: BTreeMap::new(),
    };
    cx.declare_all(spec);
    let stage = cx.chosen_stage(spec, options);
    cx.shared_layers(spec);
    let params = cx.params(spec, stage);
    let lint = cx.lint_settings(spec.lint.as_ref());
    let auths = sorted(spec.auth.iter().filter_map(|(n, a)| cx.auth(n, a)));
    let gateways = sorted(spec.gateways.iter().filter_map(|(n, g)| cx.gateway(n, g)));
    let tables = sorted(spec.tables.iter().filter_map(|(n, t)| cx.table(n, t)));
    let queues = sorted(spec.queues.iter().filter_map(|(n, q)| cx.queue(n, q)));
    let topics = sorted(spec.topics.iter().map(|(n, t)| cx.topic(n, t)));
    let buckets = sorted(spec.buckets.iter().filter_map(|(n, b)| cx.bucket(n, b)));
    let secrets = sorted(spec.secrets.iter().filter_map(|(n, s)| cx.secret(n, s)));
    let functions = sorted(cx.functions(spec, stage, &tables, &queues));
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
            // Where a setting that no function sets belongs: the start of `defaults`, or
            // the app's name when there is no `defaults`.
            defaults_span: spec.defaults.as_ref().map_or(spec.app.span, |d| Span {
                start: d.span.start,
                end: d.span.start,
            }),
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
            params,
            lint,
        })
    } else {
        Err(cx.diagnostics)
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

/// The span of `part`, a slice of `text`, inside the scalar at `span` that holds `text`:
/// exact for a plain scalar or a quoted one without escapes, else the whole scalar (a label
/// then still points at the right value).
fn part_span(text: &str, span: Span, part: &str) -> Span {
    let offset = (part.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
    if offset
        .checked_add(part.len())
        .is_none_or(|end| end > text.len())
    {
        return span;
    }
    let width = span.end.saturating_sub(span.start) as usize;
    let lead = if width == text.len() {
        0
    } else if width == text.len() + 2 {
        1
    } else {
        return span;
    };
    let (Ok(start), Ok(len)) = (u32::try_from(lead + offset), u32::try_from(part.len())) else {
        return span;
    };
    Span {
        start: span.start + start,
        end: span.start + start + len,
    }
}

/// A number outside its limit, as a whole diagnostic with the generic help; `None` when
/// the number is within it. Callers with a more specific help replace it before recording.
fn out_of_range(
    value: &Spanned<u32>,
    limit: Limit<u32>,
    what: &str,
    code: Code,
) -> Option<Diagnostic> {
    if limit.contains(value.value) {
        return None;
    }
    let (lo, hi) = limit.pair();
    Some(
        Diagnostic::new(code, format!("{what} {} is out of range", value.value))
            .with_label(value.span, format!("must be {lo} to {hi}"))
            .with_help(format!("set {what} to a value from {lo} to {hi}")),
    )
}

/// A duration outside its limit (in seconds), as a whole diagnostic; else its seconds.
fn duration_out_of_range(
    value: &Spanned<spec::Duration>,
    limit: Limit<u64>,
    what: &str,
    code: Code,
) -> Result<u64, Diagnostic> {
    let s = value.value.seconds();
    if limit.contains(s) {
        return Ok(s);
    }
    let show = |n: u64| spec::Duration(n).to_string();
    let (lo, hi) = (show(limit.min), show(limit.max));
    Err(
        Diagnostic::new(code, format!("{what} {} is out of range", value.value))
            .with_label(value.span, format!("must be {lo} to {hi}"))
            .with_help(format!("set {what} to a duration from `{lo}` to `{hi}`")),
    )
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

    /// Checks a number against its limit; false (and reported) when outside it.
    fn range(&mut self, value: &Spanned<u32>, limit: Limit<u32>, what: &str, code: Code) -> bool {
        match out_of_range(value, limit, what, code) {
            Some(d) => {
                self.error(d);
                false
            }
            None => true,
        }
    }

    /// Checks a duration against its limit in seconds; its seconds, or `None` (reported).
    fn seconds(
        &mut self,
        value: &Spanned<spec::Duration>,
        limit: Limit<u64>,
        what: &str,
        code: Code,
    ) -> Option<u64> {
        duration_out_of_range(value, limit, what, code)
            .map_err(|d| self.error(d))
            .ok()
    }

    /// The stage chosen with `--stage`, or an unknown-stage diagnostic.
    fn chosen_stage<'s>(&mut self, spec: &'s Spec, options: &Options) -> Option<&'s spec::Stage> {
        let wanted = options.stage.as_ref()?;
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
            self.diagnostics.push(
                Diagnostic::new(Code::UnknownStage, format!("unknown stage `{wanted}`"))
                    .with_help(help),
            );
        }
        found.map(|(_, s)| s)
    }

    /// Checks settings that `defaults` and stages give every function, even when no
    /// function inherits them yet (or the stage is not the one chosen).
    fn shared_layers(&mut self, spec: &Spec) {
        if let Some(d) = &spec.defaults {
            self.env_names(&d.env);
            self.shared_settings(
                d.memory.as_ref(),
                d.timeout.as_ref(),
                d.ephemeral_storage.as_ref(),
                d.log_retention.as_ref(),
            );
        }
        for (_, s) in spec.stages.iter() {
            self.env_names(&s.env);
            for (_, o) in s.functions.iter() {
                self.env_names(&o.env);
            }
            self.shared_settings(
                s.memory.as_ref(),
                s.timeout.as_ref(),
                s.ephemeral_storage.as_ref(),
                s.log_retention.as_ref(),
            );
        }
    }

    fn shared_settings(
        &mut self,
        memory: Option<&Spanned<u32>>,
        timeout: Option<&Spanned<spec::Duration>>,
        storage: Option<&Spanned<u32>>,
        retention: Option<&Spanned<spec::Duration>>,
    ) {
        if let Some(d) = memory.and_then(function::memory_out_of_range) {
            self.error(d);
        }
        if let Some(Err(d)) = timeout.map(function::timeout_out_of_range) {
            self.error(d);
        }
        if let Some(e) = storage {
            self.range(
                e,
                limits::LAMBDA_EPHEMERAL_STORAGE_MB,
                "ephemeral storage",
                Code::OutOfRange,
            );
        }
        if let Some(r) = retention {
            self.log_retention(&Setting::new(r.value, r.span));
        }
    }

    /// Every function of the spec with its layers, and overrides of undeclared functions.
    fn functions(
        &mut self,
        spec: &Spec,
        stage: Option<&spec::Stage>,
        tables: &[Table],
        queues: &[Queue],
    ) -> Vec<Function> {
        let mut functions = Vec::new();
        let mut routes = Routes::new();
        let sections = Sections {
            spec,
            tables,
            queues,
        };
        for (name, function) in spec.functions.iter() {
            let layers = Layers {
                defaults: spec.defaults.as_ref().map(|d| &d.value),
                stage,
                function,
                overrides: stage.and_then(|s| s.functions.get(&name.value)),
            };
            if let Some(f) = self.function(name, &layers, &sections, &mut routes) {
                functions.push(f);
            }
        }
        if let Some(stage) = stage {
            for (name, _) in stage.functions.iter() {
                if spec.functions.get(&name.value).is_none() {
                    self.unknown(name, "function", Code::UnknownResource, Kind::Function);
                }
            }
        }
        functions
    }
}

/// What a function's checks read besides its own settings: the spec and the sections
/// already modelled.
struct Sections<'a> {
    spec: &'a Spec,
    tables: &'a [Table],
    queues: &'a [Queue],
}
