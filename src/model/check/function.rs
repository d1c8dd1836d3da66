//! The `functions` section: code (a handler in a runtime, or an image), settings resolved
//! through `defaults`, the stage and the stage's overrides, and what the function uses.

use super::{Checker, Layers, Routes, Sections, duration_out_of_range, out_of_range};
use crate::diag::{Code, Diagnostic, suggest};
use crate::limits::{self, thousands};
use crate::model::{CodeSource, Function, Kind, Ref, Setting};
use crate::source::Span;
use crate::spec::read::Spanned;
use crate::spec::{self, Architecture};

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

/// Runtimes AWS deprecated recently: (runtime, deprecated on, successor that every AWS
/// target accepts, newer successor that only some do). The Terraform target pins the 5.x
/// provider, whose runtime list stops at `nodejs22.x` and `python3.13`
/// (`targets::terraform::PROVIDER_RUNTIMES`); a test keeps this table in step with it.
const DEPRECATED_RUNTIMES: &[(&str, &str, Option<&str>, &str)] = &[
    ("dotnet8", "2026-11-10", None, "dotnet10"),
    ("dotnet9", "2026-11-10", None, "dotnet10"),
    ("nodejs18.x", "2025-09-01", Some("nodejs22.x"), "nodejs24.x"),
    ("nodejs20.x", "2026-04-30", Some("nodejs22.x"), "nodejs24.x"),
    (
        "provided.al2",
        "2026-07-31",
        Some("provided.al2023"),
        "provided.al2023",
    ),
    ("python3.10", "2026-10-31", Some("python3.13"), "python3.14"),
    ("python3.9", "2025-12-15", Some("python3.13"), "python3.14"),
    ("ruby3.2", "2026-03-31", Some("ruby3.4"), "ruby4.0"),
];

/// Seconds in a day: log retention is whole days.
const DAY: u64 = 86_400;

/// What to say about a runtime that is not supported: its successor, or the closest name.
fn runtime_help(runtime: &str) -> String {
    if let Some((_, date, portable, newest)) = DEPRECATED_RUNTIMES
        .iter()
        .find(|(n, _, _, _)| *n == runtime)
    {
        return match portable {
            Some(p) if p == newest => {
                format!("AWS deprecated `{runtime}` on {date}: use `{p}`")
            }
            Some(p) => format!(
                "AWS deprecated `{runtime}` on {date}: use `{p}`, which every target accepts (`{newest}` is newer: the Terraform target takes it with `--provider 6`)"
            ),
            None => format!(
                "AWS deprecated `{runtime}` on {date}: use `{newest}` (the Terraform target takes it with `--provider 6`)"
            ),
        };
    }
    suggest(runtime, RUNTIMES.iter().copied()).map_or_else(
        || format!("supported runtimes: {}", crate::spec::read::list(RUNTIMES)),
        |c| format!("did you mean `{c}`?"),
    )
}

/// Memory outside what Lambda takes, as a whole diagnostic, wherever the value is written.
pub(super) fn memory_out_of_range(value: &Spanned<u32>) -> Option<Diagnostic> {
    let limit = limits::LAMBDA_MEMORY_MB;
    out_of_range(value, limit, "memory", Code::MemoryOutOfRange).map(|d| {
        d.with_help(format!(
            "Lambda functions take {} to {} MB, in steps of 1 MB",
            thousands(limit.min),
            thousands(limit.max)
        ))
    })
}

/// A timeout outside what Lambda runs, as a whole diagnostic; else its seconds.
pub(super) fn timeout_out_of_range(value: &Spanned<spec::Duration>) -> Result<u64, Diagnostic> {
    let limit = limits::LAMBDA_TIMEOUT_SECONDS;
    duration_out_of_range(value, limit, "timeout", Code::TimeoutOutOfRange).map_err(|d| {
        d.with_help(format!(
            "a function runs at most {} minutes; move longer work to a queue-driven worker or a step function",
            limit.max / 60
        ))
    })
}

impl Checker {
    pub(super) fn function(
        &mut self,
        name: &Spanned<String>,
        layers: &Layers<'_>,
        sections: &Sections<'_>,
        routes: &mut Routes,
    ) -> Option<Function> {
        let f = layers.function;
        let errors_before = self.diagnostics.len();
        let (code, code_span) = self.code_source(name, layers);
        let memory = self.memory(layers);
        let timeout = self.timeout(layers);
        let architecture = layers
            .pick(
                |f| f.architecture.as_ref(),
                |s| s.architecture.as_ref(),
                |d| d.architecture.as_ref(),
            )
            .unwrap_or(Setting::new(Architecture::X86_64, Span::default()));
        let ephemeral_storage = self.ephemeral_storage(layers);
        let tracing = layers
            .pick(
                |f| f.tracing.as_ref(),
                |s| s.tracing.as_ref(),
                |d| d.tracing.as_ref(),
            )
            .unwrap_or(Setting::new(false, Span::default()));
        let log_retention = self.function_log_retention(layers);
        let env = self.function_env(layers);
        let uses = f
            .uses
            .iter()
            .flat_map(|(target, u)| self.use_entries(target, u))
            .collect();
        let events = f
            .events
            .iter()
            .filter_map(|e| self.event(e, sections, routes))
            .collect();
        let retries = f.retries.as_ref().map(|r| {
            self.range(r, limits::LAMBDA_RETRIES, "retries", Code::OutOfRange);
            Setting::new(r.value, r.span)
        });
        let dead_letter =
            (f.dead_letter.as_ref()).and_then(|d| self.function_dead_letter(d, sections.spec));
        let (reserved_concurrency, provisioned_concurrency) = self.concurrency(layers);
        let permissions = f
            .permissions
            .iter()
            .filter_map(|s| self.statement(s))
            .collect();
        let suppress = self.suppressions(&f.suppress);
        let function_layers = self.function_layers(name, f);

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
            layers: function_layers,
            retries,
            dead_letter,
            reserved_concurrency,
            provisioned_concurrency,
            permissions,
            suppress,
        })
    }

    /// The function's code and the span of `handler:` or `image:`.
    fn code_source(
        &mut self,
        name: &Spanned<String>,
        layers: &Layers<'_>,
    ) -> (Option<CodeSource>, Span) {
        let f = layers.function;
        match (&f.handler, &f.image) {
            (Some(handler), None) => (self.handler_code(name, handler, layers), handler.span),
            (None, Some(image)) => (self.image_code(f, image), image.span),
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
        }
    }

    fn handler_code(
        &mut self,
        name: &Spanned<String>,
        handler: &Spanned<String>,
        layers: &Layers<'_>,
    ) -> Option<CodeSource> {
        let runtime = layers.pick(
            |f| f.runtime.as_ref(),
            |s| s.runtime.as_ref(),
            |d| d.runtime.as_ref(),
        );
        let runtime = match runtime {
            Some(r) if RUNTIMES.contains(&r.value.as_str()) => Some(r),
            Some(r) => {
                self.error(
                    Diagnostic::new(
                        Code::InvalidValue,
                        format!("`{}` is not a supported runtime", r.value),
                    )
                    .with_label(r.span, "unknown or retired runtime")
                    .with_help(runtime_help(&r.value)),
                );
                None
            }
            None => {
                self.error(
                    Diagnostic::new(
                        Code::MissingKey,
                        format!("function `{}` has a handler but no runtime", name.value),
                    )
                    .with_label(handler.span, "which runtime runs this handler?")
                    .with_help(
                        "set `runtime:` on the function or in `defaults`, for example `nodejs24.x`",
                    ),
                );
                None
            }
        };
        let length = limits::LAMBDA_HANDLER_LENGTH;
        if handler.value.trim().is_empty() || handler.value.len() > length.max {
            self.error(
                Diagnostic::new(
                    Code::InvalidValue,
                    format!(
                        "a handler must be {} to {} characters",
                        length.min, length.max
                    ),
                )
                .with_label(handler.span, "invalid handler")
                .with_help("write the module and function, for example `src/api.handler`"),
            );
        }
        runtime.map(|runtime| CodeSource::Handler {
            handler: handler.value.clone(),
            runtime,
            path: layers
                .function
                .code
                .as_ref()
                .map(|c| Setting::new(c.value.clone(), c.span)),
            package: None,
        })
    }

    fn image_code(&mut self, f: &spec::Function, image: &Spanned<String>) -> Option<CodeSource> {
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
        valid.then(|| CodeSource::Image {
            image: image.value.clone(),
        })
    }

    /// Memory: the stage override, else the most specific layer, else Lambda's default.
    fn memory(&mut self, layers: &Layers<'_>) -> Setting<u32> {
        let memory = layers
            .overrides
            .and_then(|o| o.memory.as_ref())
            .map(|m| Setting::new(m.value, m.span))
            .or_else(|| {
                layers.pick(
                    |f| f.memory.as_ref(),
                    |s| s.memory.as_ref(),
                    |d| d.memory.as_ref(),
                )
            })
            .unwrap_or(Setting::new(
                limits::LAMBDA_DEFAULT_MEMORY_MB,
                Span::default(),
            ));
        if let Some(d) = memory_out_of_range(&Spanned::new(memory.value, memory.span)) {
            self.error(d);
        }
        memory
    }

    /// Timeout in seconds: the stage override, else the most specific layer, else Lambda's
    /// default.
    fn timeout(&mut self, layers: &Layers<'_>) -> Setting<u64> {
        let setting = layers
            .overrides
            .and_then(|o| o.timeout.as_ref())
            .map(|t| Setting::new(t.value, t.span))
            .or_else(|| {
                layers.pick(
                    |f| f.timeout.as_ref(),
                    |s| s.timeout.as_ref(),
                    |d| d.timeout.as_ref(),
                )
            });
        let default = limits::LAMBDA_DEFAULT_TIMEOUT_SECONDS;
        let Some(t) = setting else {
            return Setting::new(default, Span::default());
        };
        match timeout_out_of_range(&Spanned::new(t.value, t.span)) {
            Ok(seconds) => Setting::new(seconds, t.span),
            Err(d) => {
                self.error(d);
                Setting::new(default, t.span)
            }
        }
    }

    fn ephemeral_storage(&mut self, layers: &Layers<'_>) -> Setting<u32> {
        let storage = layers
            .pick(
                |f| f.ephemeral_storage.as_ref(),
                |s| s.ephemeral_storage.as_ref(),
                |d| d.ephemeral_storage.as_ref(),
            )
            .unwrap_or(Setting::new(
                limits::LAMBDA_DEFAULT_EPHEMERAL_STORAGE_MB,
                Span::default(),
            ));
        self.range(
            &Spanned::new(storage.value, storage.span),
            limits::LAMBDA_EPHEMERAL_STORAGE_MB,
            "ephemeral storage",
            Code::OutOfRange,
        );
        storage
    }

    fn function_log_retention(&mut self, layers: &Layers<'_>) -> Option<Setting<u32>> {
        layers
            .pick(
                |f| f.log_retention.as_ref(),
                |s| s.log_retention.as_ref(),
                |d| d.log_retention.as_ref(),
            )
            .and_then(|r| self.log_retention(&r))
    }

    /// Environment variables of every layer: defaults, stage, function, stage override.
    fn function_env(
        &mut self,
        layers: &Layers<'_>,
    ) -> std::collections::BTreeMap<String, crate::model::env::EnvValue> {
        let mut env_layers = Vec::new();
        if let Some(d) = layers.defaults {
            env_layers.push(&d.env);
        }
        if let Some(s) = layers.stage {
            env_layers.push(&s.env);
        }
        env_layers.push(&layers.function.env);
        if let Some(o) = layers.overrides {
            env_layers.push(&o.env);
        }
        self.env(&env_layers)
    }

    /// Where failed asynchronous events go: a standard queue or a topic.
    fn function_dead_letter(
        &mut self,
        d: &Spanned<String>,
        spec: &spec::Spec,
    ) -> Option<Setting<Ref>> {
        let fifo = |name: &str| {
            spec.queues
                .get(name)
                .and_then(|q| q.fifo.as_ref())
                .is_some_and(|f| f.value)
        };
        if self.colliding.contains(&d.value) || self.under_misspelt(&d.value, None) {
            return None;
        }
        match self.lookup(&d.value) {
            Some((Kind::Queue, _)) if fifo(&d.value) => {
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
                let candidates = self.names_of(|k| matches!(k, Kind::Queue | Kind::Topic));
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
        }
    }

    /// Reserved and provisioned concurrency, the stage override first.
    fn concurrency(&mut self, layers: &Layers<'_>) -> (Option<Setting<u32>>, Option<Setting<u32>>) {
        let (f, o) = (layers.function, layers.overrides);
        let pick = |own: Option<&Spanned<u32>>, over: Option<&Spanned<u32>>| {
            over.or(own).map(|c| Setting::new(c.value, c.span))
        };
        let reserved = pick(
            f.reserved_concurrency.as_ref(),
            o.and_then(|o| o.reserved_concurrency.as_ref()),
        );
        let provisioned = pick(
            f.provisioned_concurrency.as_ref(),
            o.and_then(|o| o.provisioned_concurrency.as_ref()),
        );
        if let Some(p) = &provisioned {
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
            if let Some(r) = &reserved
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
        (reserved, provisioned)
    }

    /// Log retention in days, if CloudWatch Logs offers it.
    pub(super) fn log_retention(&mut self, r: &Setting<spec::Duration>) -> Option<Setting<u32>> {
        let s = r.value.seconds();
        let days = s / DAY;
        if s.is_multiple_of(DAY) && limits::LOG_RETENTION_DAYS.contains(&days) {
            return u32::try_from(days).ok().map(|d| Setting::new(d, r.span));
        }
        let nearest = limits::LOG_RETENTION_DAYS
            .iter()
            .min_by_key(|d| (**d * DAY).abs_diff(s))
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
                limits::LOG_RETENTION_DAYS
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        );
        None
    }
}

#[cfg(test)]
mod tests {
    use super::{DEPRECATED_RUNTIMES, RUNTIMES, runtime_help};
    use crate::targets::terraform::PROVIDER_RUNTIMES;

    /// The successor that help suggests first works on every AWS target: Lambda supports
    /// it and the Terraform target's provider knows it (issue 13: the help once suggested
    /// `nodejs24.x`, which the Terraform target then refused).
    #[test]
    fn deprecated_runtimes_suggest_what_every_target_accepts() {
        for (old, _, portable, newest) in DEPRECATED_RUNTIMES {
            assert!(!RUNTIMES.contains(old), "{old} is deprecated and supported");
            assert!(RUNTIMES.contains(newest), "{newest}");
            match portable {
                Some(p) => {
                    assert!(RUNTIMES.contains(p) && PROVIDER_RUNTIMES.contains(p), "{p}");
                    assert!(runtime_help(old).contains(&format!("use `{p}`")));
                }
                None => assert!(
                    !RUNTIMES
                        .iter()
                        .any(|r| PROVIDER_RUNTIMES.contains(r) && r.starts_with(&newest[..4])),
                    "{old}: a runtime of its family works on every target"
                ),
            }
        }
    }

    /// With `--provider 6`, the Terraform target takes every runtime updraft supports but
    /// `ruby4.0`, which no provider release is known to accept yet (review this list when
    /// the constraint moves).
    #[test]
    fn provider_6_accepts_every_supported_runtime_it_knows() {
        use crate::targets::terraform::Provider;
        let refused: Vec<&str> = RUNTIMES
            .iter()
            .copied()
            .filter(|r| !Provider::V6.accepts_runtime(r))
            .collect();
        assert_eq!(refused, ["ruby4.0"]);
    }
}
