//! A function's `events`: one check per trigger (`http`, `schedule`, `queue`, `topic`,
//! `bucket`, `table`, `iot`).

use super::{Checker, Routes, Sections};
use crate::diag::{Code, Diagnostic};
use crate::limits;
use crate::model::{Event, Kind, Trigger};
use crate::source::Span;
use crate::spec;
use crate::spec::read::Spanned;

impl Checker {
    pub(super) fn event(
        &mut self,
        event: &Spanned<spec::Event>,
        sections: &Sections<'_>,
        routes: &mut Routes,
    ) -> Option<Event> {
        let trigger = match &event.value {
            spec::Event::Http(http) => self.http_event(http, event.span, sections.spec, routes)?,
            spec::Event::Schedule(s) => self.schedule_event(s)?,
            spec::Event::Queue(q) => self.queue_event(q, sections)?,
            spec::Event::Topic(t) => self.topic_event(t, sections.spec)?,
            spec::Event::Bucket(b) => self.bucket_event(b, event.span)?,
            spec::Event::Table(t) => self.table_event(t, sections)?,
            spec::Event::Iot(iot) => self.iot_event(iot, event.span)?,
        };
        Some(Event {
            trigger,
            span: event.span,
        })
    }

    /// The gateway a route is on: the one named, or the spec's only one.
    fn route_gateway(
        &mut self,
        http: &spec::HttpEvent,
        span: Span,
        spec: &spec::Spec,
    ) -> Option<String> {
        if let Some(g) = &http.gateway {
            return self.resolve(g, Kind::Gateway, Code::UnknownEventSource);
        }
        let gateways: Vec<&String> = spec.gateways.iter().map(|(n, _)| &n.value).collect();
        match gateways.as_slice() {
            [one] => Some((*one).clone()),
            [] => {
                self.error(
                    Diagnostic::new(
                        Code::UnknownEventSource,
                        "an http event needs a gateway, and the spec declares none",
                    )
                    .with_label(span, "no gateway to attach this route to")
                    .with_help(
                        "declare one under `gateways:`, for example `gateways: { api: {} }`",
                    ),
                );
                None
            }
            _ => {
                self.error(
                    Diagnostic::new(
                        Code::MissingKey,
                        "the spec declares several gateways: say which one this route is on",
                    )
                    .with_label(span, "which gateway?")
                    .with_help("add `gateway: <name>`"),
                );
                None
            }
        }
    }

    fn http_event(
        &mut self,
        http: &spec::HttpEvent,
        span: Span,
        spec: &spec::Spec,
        routes: &mut Routes,
    ) -> Option<Trigger> {
        // Each part is checked even when another is wrong: every mistake in one run.
        let gateway = self.route_gateway(http, span, spec);
        let route = self.route(&http.route);
        let (Some(gateway), Some((method, path))) = (gateway, route) else {
            if let Some(a) = &http.auth {
                self.resolve(a, Kind::Auth, Code::UnknownAuth);
            }
            return None;
        };
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
        let key = (gateway.clone(), method, shape);
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
        Some(Trigger::Http {
            gateway,
            method,
            path,
            auth,
        })
    }

    fn schedule_event(&mut self, s: &spec::Schedule) -> Option<Trigger> {
        match crate::model::schedule::parse(
            &s.expression.value,
            s.timezone.as_ref().map(|t| t.value.as_str()),
        ) {
            Ok(mut schedule) => {
                schedule.enabled = s.enabled.as_ref().is_none_or(|e| e.value);
                Some(Trigger::Schedule(schedule))
            }
            Err((message, help, part)) => {
                let span = if message.contains("time zone") {
                    s.timezone.as_ref().map_or(s.expression.span, |t| t.span)
                } else {
                    part.map_or(s.expression.span, |p| {
                        super::part_span(&s.expression.value, s.expression.span, p)
                    })
                };
                let label = if part.is_some() {
                    "this part is wrong"
                } else {
                    "invalid schedule"
                };
                self.error(
                    Diagnostic::new(Code::InvalidSchedule, message)
                        .with_label(span, label)
                        .with_help(help),
                );
                None
            }
        }
    }

    fn queue_event(&mut self, q: &spec::QueueEvent, sections: &Sections<'_>) -> Option<Trigger> {
        // An unknown queue is reported, and the event's other values are still checked.
        let queue = self.resolve(&q.name, Kind::Queue, Code::UnknownEventSource);
        let fifo = queue.as_ref().is_some_and(|queue| {
            crate::model::find(sections.queues, queue, |x| &x.name).is_some_and(|x| x.fifo)
        });
        let batch_sizes = if fifo {
            limits::SQS_FIFO_BATCH_SIZE
        } else {
            limits::SQS_BATCH_SIZE
        };
        let batch_size = q
            .batch_size
            .as_ref()
            .map_or(limits::SQS_DEFAULT_BATCH_SIZE, |b| b.value);
        if let Some(b) = &q.batch_size {
            self.range(b, batch_sizes, "batch size", Code::OutOfRange);
        }
        let window = q.window.as_ref().and_then(|w| {
            self.seconds(
                w,
                limits::BATCHING_WINDOW_SECONDS,
                "batching window",
                Code::OutOfRange,
            )
        });
        if let (true, Some(w), Some(queue)) = (fifo, &q.window, &queue) {
            self.error(
                Diagnostic::new(Code::ConflictingKeys, format!("queue `{queue}` is FIFO, and FIFO queue events take no batching window"))
                    .with_label(w.span, "not supported for FIFO queues")
                    .with_help("remove `window`; a FIFO consumer receives each message group in order as it arrives"),
            );
        }
        let most = limits::SQS_BATCH_WITHOUT_WINDOW;
        // A window given but out of range is reported already; only a missing or zero one is
        // this problem.
        let no_window = q.window.as_ref().is_none_or(|w| w.value.seconds() == 0);
        if batch_size > most && no_window {
            let span = q.batch_size.as_ref().map_or(q.name.span, |b| b.span);
            self.error(
                Diagnostic::new(
                    Code::ConflictingKeys,
                    format!("a queue batch size above {most} needs a batching window"),
                )
                .with_label(span, format!("batches over {most} messages"))
                .with_help(format!(
                    "add `window: 1s` (or longer), or lower `batch_size` to {most}"
                )),
            );
        }
        let maximum_concurrency = q.maximum_concurrency.as_ref().and_then(|m| {
            self.range(
                m,
                limits::SQS_MAXIMUM_CONCURRENCY,
                "maximum concurrency",
                Code::OutOfRange,
            )
            .then_some(m.value)
        });
        Some(Trigger::Queue {
            queue: queue?,
            batch_size,
            window,
            maximum_concurrency,
        })
    }

    fn topic_event(&mut self, t: &spec::TopicEvent, spec: &spec::Spec) -> Option<Trigger> {
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
        Some(Trigger::Topic { topic, filter })
    }

    /// A bucket event, refused when it overlaps one declared before it: S3 takes no two
    /// notifications of one bucket for the same change whose key filters overlap.
    fn bucket_event(&mut self, b: &spec::BucketEvent, span: Span) -> Option<Trigger> {
        let bucket = self.resolve(&b.name, Kind::Bucket, Code::UnknownEventSource)?;
        let seen = BucketEventSeen {
            bucket: bucket.clone(),
            on: b.on.value,
            prefix: b.prefix.as_ref().map(|p| p.value.clone()),
            suffix: b.suffix.as_ref().map(|s| s.value.clone()),
            span,
        };
        if let Some(first) = self.bucket_events.iter().find(|e| e.overlaps(&seen)) {
            let change = b.on.value.as_str();
            let filter = |e: &BucketEventSeen| match (&e.prefix, &e.suffix) {
                (None, None) => "every key".to_string(),
                (Some(p), None) => format!("keys starting `{p}`"),
                (None, Some(s)) => format!("keys ending `{s}`"),
                (Some(p), Some(s)) => format!("keys starting `{p}` and ending `{s}`"),
            };
            let diagnostic = Diagnostic::new(
                Code::OverlappingBucketEvents,
                format!("two `{change}` events on bucket `{bucket}` match overlapping keys"),
            )
            .with_label(span, format!("{}: overlaps the first", filter(&seen)))
            .with_label(first.span, format!("{}: first declared here", filter(first)))
            .with_help(
                "S3 refuses two notifications for the same change when one prefix starts the other and one suffix ends the other (a missing filter matches every key): give them disjoint prefixes or suffixes, or trigger one function",
            );
            self.error(diagnostic);
            return None;
        }
        self.bucket_events.push(seen);
        Some(Trigger::Bucket {
            bucket,
            on: b.on.value,
            prefix: b.prefix.as_ref().map(|p| p.value.clone()),
            suffix: b.suffix.as_ref().map(|s| s.value.clone()),
        })
    }

    fn table_event(&mut self, t: &spec::TableEvent, sections: &Sections<'_>) -> Option<Trigger> {
        let table = self.resolve(&t.name, Kind::Table, Code::UnknownEventSource);
        if let Some(table) = &table
            && crate::model::find(sections.tables, table, |x| &x.name)
                .is_some_and(|x| x.stream.is_none())
        {
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
        let batch_size = t
            .batch_size
            .as_ref()
            .map_or(limits::DYNAMODB_STREAM_DEFAULT_BATCH_SIZE, |b| b.value);
        if let Some(b) = &t.batch_size {
            self.range(
                b,
                limits::DYNAMODB_STREAM_BATCH_SIZE,
                "batch size",
                Code::OutOfRange,
            );
        }
        let window = t.window.as_ref().and_then(|w| {
            self.seconds(
                w,
                limits::BATCHING_WINDOW_SECONDS,
                "batching window",
                Code::OutOfRange,
            )
        });
        Some(Trigger::Table {
            window,
            table: table?,
            starting_position: t
                .starting_position
                .as_ref()
                .map_or(spec::StartingPosition::Latest, |p| p.value),
            batch_size,
        })
    }

    fn iot_event(&mut self, iot: &spec::IotEvent, span: Span) -> Option<Trigger> {
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
                Some(Trigger::Iot {
                    sql: format!("SELECT * FROM '{}'", topic.value),
                })
            }
            (None, Some(sql)) => {
                if !sql
                    .value
                    .trim_start()
                    .to_ascii_uppercase()
                    .starts_with("SELECT ")
                {
                    self.error(
                        Diagnostic::new(
                            Code::InvalidValue,
                            "an IoT rule statement starts with `SELECT`",
                        )
                        .with_label(sql.span, "not an IoT SQL statement")
                        .with_help(
                            "for example `SELECT * FROM 'sensors/#' WHERE temperature > 40`",
                        ),
                    );
                    return None;
                }
                Some(Trigger::Iot {
                    sql: sql.value.clone(),
                })
            }
            _ => {
                self.error(
                    Diagnostic::new(Code::ConflictingKeys, "an iot event needs `topic` or `sql`, one of them")
                        .with_label(span, "give exactly one")
                        .with_help("`topic: sensors/+/telemetry` for every message, or `sql:` to select and filter"),
                );
                None
            }
        }
    }
}

/// A bucket event already declared, to find overlapping ones.
pub(super) struct BucketEventSeen {
    bucket: String,
    on: spec::BucketChange,
    prefix: Option<String>,
    suffix: Option<String>,
    span: Span,
}

impl BucketEventSeen {
    /// Whether S3 would call the two notifications overlapping: same bucket and change,
    /// and some key matches both filters (one prefix starts the other, one suffix ends the
    /// other; a missing filter is the empty one).
    fn overlaps(&self, other: &BucketEventSeen) -> bool {
        let prefixes = |a: &str, b: &str| a.starts_with(b) || b.starts_with(a);
        let suffixes = |a: &str, b: &str| a.ends_with(b) || b.ends_with(a);
        self.bucket == other.bucket
            && self.on == other.on
            && prefixes(
                self.prefix.as_deref().unwrap_or(""),
                other.prefix.as_deref().unwrap_or(""),
            )
            && suffixes(
                self.suffix.as_deref().unwrap_or(""),
                other.suffix.as_deref().unwrap_or(""),
            )
    }
}
