//! Serverless reliability rules (UD41xx).

use super::{Context, Finding, Platform};
use crate::diag::{Code, Diagnostic};
use crate::limits;
use crate::model::{Function, Kind, Ref, Trigger};

fn me(f: &Function) -> Ref {
    Ref::new(Kind::Function, &f.name)
}

/// `UD4101`: events delivered asynchronously are dropped after retries unless a dead
/// letter target catches them.
pub fn async_without_dead_letter(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for f in &cx.model.functions {
        if f.dead_letter.is_some() {
            continue;
        }
        if let Some(event) = f.async_events().next() {
            out.push(Finding::new(
                me(f),
                Diagnostic::new(
                    Code::AsyncWithoutDeadLetter,
                    format!(
                        "function `{}` is triggered asynchronously but has no dead letter target",
                        f.name
                    ),
                )
                .with_label(
                    event.span,
                    match f.retries.as_ref().map(|r| r.value) {
                        Some(0) => {
                            format!("`{}` events that fail are dropped", event.trigger.kind())
                        }
                        _ => format!(
                            "`{}` events that fail are retried, then dropped",
                            event.trigger.kind()
                        ),
                    },
                )
                .with_help("add `dead_letter: <queue or topic>` so failed events are kept"),
            ));
        }
    }
}

/// `UD4102`: a queue hides a received message for its visibility timeout; a consumer that
/// runs longer sees the message delivered twice (and AWS refuses the event source mapping).
pub fn visibility_below_timeout(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for f in &cx.model.functions {
        for event in &f.events {
            let Trigger::Queue { queue, .. } = &event.trigger else {
                continue;
            };
            let Some(q) = cx.model.queue(queue) else {
                continue;
            };
            if q.visibility_timeout.value >= f.timeout.value {
                continue;
            }
            let mut d = Diagnostic::new(
                Code::VisibilityBelowTimeout,
                format!(
                    "queue `{queue}` hides messages for {}s, less than consumer `{}`'s timeout of {}s",
                    q.visibility_timeout.value, f.name, f.timeout.value
                ),
            )
            .with_label(event.span, "consumer runs longer than the message stays hidden");
            if q.visibility_timeout.span.is_empty() {
                d = d.with_label(
                    q.span,
                    format!(
                        "default visibility timeout: {}s",
                        limits::SQS_DEFAULT_VISIBILITY_TIMEOUT_SECONDS
                    ),
                );
            } else {
                d = d.with_label(q.visibility_timeout.span, "visibility timeout set here");
            }
            out.push(Finding::new(
                Ref::new(Kind::Queue, queue),
                d.with_help(format!(
                    "set the queue's `visibility_timeout` to at least `{}s`; AWS recommends six times the function timeout (`{}s`)",
                    f.timeout.value,
                    f.timeout.value * 6
                )),
            )
            .related(me(f)));
        }
    }
}

/// `UD4103`: the HTTP gateway cuts requests off after 30 s
/// ([`limits::HTTP_API_INTEGRATION_TIMEOUT_SECONDS`]).
pub fn http_timeout_over_gateway(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let most = limits::HTTP_API_INTEGRATION_TIMEOUT_SECONDS;
    for f in &cx.model.functions {
        if f.timeout.value <= most {
            continue;
        }
        if let Some(event) = f
            .events
            .iter()
            .find(|e| matches!(e.trigger, Trigger::Http { .. }))
        {
            let mut d = Diagnostic::new(
                Code::HttpTimeoutOverGateway,
                format!(
                    "function `{}` may run {}s, but its HTTP route times out after {most}s",
                    f.name, f.timeout.value
                ),
            );
            if !f.timeout.span.is_empty() {
                d = d.with_label(f.timeout.span, "timeout set here");
            }
            out.push(Finding::new(
                me(f),
                d.with_label(event.span, format!("the gateway answers 503 after {most}s"))
                    .with_help(format!(
                        "keep HTTP handlers under {most}s; hand long work to a queue and answer 202"
                    )),
            ));
        }
    }
}

/// `UD4104`: Knative's default maximum request timeout is 600 s
/// ([`limits::KNATIVE_MAX_TIMEOUT_SECONDS`]).
pub fn timeout_over_target_limit(cx: &Context<'_>, out: &mut Vec<Finding>) {
    if cx.platform != Platform::Knative {
        return;
    }
    let most = limits::KNATIVE_MAX_TIMEOUT_SECONDS;
    for f in cx.model.functions.iter().filter(|f| f.timeout.value > most) {
        let span = if f.timeout.span.is_empty() {
            f.span
        } else {
            f.timeout.span
        };
        out.push(Finding::new(
            me(f),
            Diagnostic::new(
                Code::TimeoutOverTargetLimit,
                format!("function `{}` has a {}s timeout; Knative allows at most {most}s", f.name, f.timeout.value),
            )
            .with_label(span, "over Knative's max-revision-timeout-seconds")
            .with_help(format!(
                "lower the timeout to `{}` or less for the Knative target (a stage can override it)",
                crate::spec::Duration(most)
            )),
        ));
    }
}

/// `UD4105`: reserved concurrency 0 disables the function.
pub fn reserved_concurrency_zero(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for f in &cx.model.functions {
        if let Some(r) = f.reserved_concurrency.as_ref().filter(|r| r.value == 0) {
            out.push(Finding::new(
                me(f),
                Diagnostic::new(
                    Code::ReservedConcurrencyZero,
                    format!(
                        "function `{}` has reserved concurrency 0 and never runs",
                        f.name
                    ),
                )
                .with_label(r.span, "every invocation is throttled")
                .with_help(
                    "remove `reserved_concurrency`, or set it to the copies that may run at once",
                ),
            ));
        }
    }
}

/// `UD4106`: a function that writes what triggers it runs forever (and bills forever).
/// Loops through table streams alone are UD4111's.
pub fn recursion_loop(cx: &Context<'_>, out: &mut Vec<Finding>) {
    loops(cx, out, false);
}

/// `UD4111`: a stream handler that writes the table whose stream triggers it (directly or
/// through others): a common DynamoDB pattern, a loop only when the writes are
/// unconditional, hence a warning where other loops are errors.
pub fn stream_write_loop(cx: &Context<'_>, out: &mut Vec<Finding>) {
    loops(cx, out, true);
}

/// The recursion loops through table streams alone (`tables`), or the others.
fn loops(cx: &Context<'_>, out: &mut Vec<Finding>, tables: bool) {
    // A loop through many functions is named by its first hops, not all of them.
    const SHOWN: usize = 4;
    for l in cx.model.loops() {
        let Some((first, _, hop)) = l.hops.first() else {
            continue;
        };
        let tables_only = l
            .hops
            .iter()
            .all(|(_, _, h)| h.resource.kind == Kind::Table);
        if tables_only != tables {
            continue;
        }
        let mut path: Vec<String> = l
            .hops
            .iter()
            .take(SHOWN)
            .map(|(from, to, hop)| {
                format!("`{from}` writes {} which triggers `{to}`", hop.resource)
            })
            .collect();
        if l.hops.len() > SHOWN {
            path.push(format!(
                "and {} more among {}",
                crate::diag::render::plural(l.hops.len() - SHOWN, "hop"),
                crate::diag::render::plural(l.functions.len(), "function")
            ));
        }
        let Some(f) = cx.model.function(first) else {
            continue;
        };
        let (code, help) = if tables {
            (
                Code::StreamWriteLoop,
                "each write re-triggers the stream: make the writes idempotent and conditional (a `ConditionExpression` that skips items already processed, or a version attribute), or write to another table; suppress with that reason once they are",
            )
        } else {
            (
                Code::RecursionLoop,
                "write under a prefix the trigger does not watch (for example `uses: { photos: { access: write, prefix: thumbs/ } }` with a trigger on `uploads/`), or write to another resource",
            )
        };
        let mut d = Diagnostic::new(code, format!("recursion loop: {}", path.join(", ")))
            .with_label(hop.write, "writes here");
        if hop.trigger != hop.write {
            d = d.with_label(hop.trigger, "and is triggered here");
        }
        out.push(
            Finding::new(me(f), d.with_help(help)).related_all(
                l.functions
                    .iter()
                    .map(|name| Ref::new(Kind::Function, name)),
            ),
        );
    }
}

/// `UD4107`: a public route that changes data.
pub fn write_route_without_auth(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for f in &cx.model.functions {
        for event in &f.events {
            let Trigger::Http {
                gateway,
                method,
                path,
                auth: None,
            } = &event.trigger
            else {
                continue;
            };
            if method.is_safe() {
                continue;
            }
            let explicit = cx
                .model
                .gateway(gateway)
                .is_some_and(|g| g.default_auth.is_some());
            let help = if explicit {
                "remove `public: true` so the gateway's `default_auth` applies; a webhook that checks a signature itself can suppress this with the reason"
            } else {
                "add `auth: <name>` to the route, or `default_auth` to the gateway; a webhook that checks a signature itself can suppress this with the reason"
            };
            out.push(Finding::new(
                me(f),
                Diagnostic::new(
                    Code::WriteRouteWithoutAuth,
                    format!("`{}` on gateway `{gateway}` (function `{}`) changes data and anyone can call it", crate::model::route_key(*method, path), f.name),
                )
                .with_label(event.span, if explicit { "marked `public: true`" } else { "no auth on this route or its gateway" })
                .with_help(help),
            )
            .related(Ref::new(Kind::Gateway, gateway)));
        }
    }
}

/// `UD4108`: SQS refuses a dead letter queue of the other kind (FIFO vs standard).
pub fn dead_letter_fifo_mismatch(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for q in &cx.model.queues {
        let Some(dl) = &q.dead_letter else { continue };
        let Some(target) = cx.model.queue(&dl.queue) else {
            continue;
        };
        if q.fifo == target.fifo {
            continue;
        }
        let kind = |fifo: bool| if fifo { "FIFO" } else { "standard" };
        out.push(Finding::new(
            Ref::new(Kind::Queue, &q.name),
            Diagnostic::new(
                Code::DeadLetterFifoMismatch,
                format!(
                    "{} queue `{}` has {} dead letter queue `{}`",
                    kind(q.fifo),
                    q.name,
                    kind(target.fifo),
                    target.name
                ),
            )
            .with_label(dl.span, format!("must also be {}", kind(q.fifo)))
            .with_help(format!("set `fifo: {}` on queue `{}`", q.fifo, target.name)),
        ));
    }
}

/// `UD4109`: without tracing, a slow or failing call chain cannot be followed.
pub fn tracing_off(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for f in cx.model.functions.iter().filter(|f| !f.tracing.value) {
        let span = if f.tracing.span.is_empty() {
            f.span
        } else {
            f.tracing.span
        };
        out.push(
            Finding::new(
                me(f),
                Diagnostic::new(
                    Code::TracingOff,
                    format!("function `{}` is not traced", f.name),
                )
                .with_label(span, "tracing off")
                .with_help("set `tracing: true` on the function or in `defaults`"),
            )
            .inherited(super::Inherited {
                span: f.tracing.span,
                key: "tracing",
                suggestion: "true",
                summary: "are not traced",
            }),
        );
    }
}

/// `UD4110`: a gateway with routes and no throttle shares the account's request quota with
/// every other API in the region, and one client can spend it (and the bill).
pub fn gateway_without_throttling(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for g in cx.model.gateways.iter().filter(|g| g.throttle.is_none()) {
        let routes = cx
            .model
            .functions
            .iter()
            .flat_map(|f| &f.events)
            .filter(|e| matches!(&e.trigger, Trigger::Http { gateway, .. } if *gateway == g.name))
            .count();
        if routes == 0 {
            continue;
        }
        out.push(Finding::new(
            Ref::new(Kind::Gateway, &g.name),
            Diagnostic::new(
                Code::GatewayWithoutThrottling,
                format!(
                    "gateway `{}` has no throttle: one client can use the account's whole quota of {} requests per second",
                    g.name,
                    limits::thousands(limits::HTTP_API_THROTTLE_RATE_MAX)
                ),
            )
            .with_label(g.span, "no `throttle`")
            .with_help(
                "add `throttle: { rate: 100, burst: 200 }` (requests per second, and the burst above it) sized for the traffic you expect",
            ),
        ));
    }
}
