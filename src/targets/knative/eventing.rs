//! Events: queues and topics become CloudEvent types on one Broker per app; every consumer,
//! subscriber, schedule and asynchronous invocation is a Trigger on it, filtered by type.
//! Schedules are PingSources that post to the Broker, so that their deliveries, like every
//! asynchronous one, get the function's retries and dead letter. Dead letters go to a
//! Broker of their own per dead-letter queue or topic (on the app's Broker they would keep
//! their type and come back to the Trigger that failed them).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use super::{
    BROKER_CLASS, Builder, EVENTING_API, INTEGRATION_API, KAFKA_BROKER_CLASS, SERVING_API,
    SOURCES_API, short_name, shorten,
};
use crate::diag::{Code, Diagnostic};
use crate::model::{Access, BucketChange, Function, Kind, StartingPosition, Trigger};
use crate::targets::aws;

/// The most Triggers one filtered topic event may become (one per combination of values).
const MAX_FILTER_COMBINATIONS: usize = 16;

/// CloudEvent context attributes, which a topic filter cannot use as its attribute names.
const CONTEXT_ATTRIBUTES: &[&str] = &[
    "id",
    "source",
    "specversion",
    "type",
    "datacontenttype",
    "dataschema",
    "subject",
    "time",
];

/// What serving needs to know about events.
pub(super) struct Plan {
    /// Functions that post events to the app's Broker: they send to a queue, publish to a
    /// topic, or invoke a function (asynchronous invocation).
    pub producers: BTreeSet<String>,
    /// Queues and topics that have a dead-letter Broker.
    pub dead_letters: BTreeSet<String>,
}

/// How a Trigger retries, and where it sends what still fails.
#[derive(Clone, Default)]
struct Delivery {
    retry: Option<u32>,
    /// A queue or topic: its dead-letter Broker.
    dead_letter: Option<String>,
}

pub(super) fn lower(b: &mut Builder<'_>) -> Plan {
    let model = b.model;
    let mut producers = BTreeSet::new();
    let mut invoked = BTreeSet::new();
    for f in &model.functions {
        for u in &f.uses {
            if matches!(u.access, Access::Send | Access::Publish | Access::Invoke) {
                producers.insert(f.name.clone());
            }
            if u.access == Access::Invoke {
                invoked.insert(u.resource.name.clone());
            }
        }
    }
    let mut dead_letters = BTreeSet::new();
    let mut first_aws_event = None;
    for f in &model.functions {
        for event in &f.events {
            match &event.trigger {
                Trigger::Queue { queue, .. } => {
                    let delivery = queue_delivery(b, queue);
                    let attributes = type_filter(b.event_type(Kind::Queue, queue));
                    let base = format!("{}-queue-{queue}", f.name);
                    let about = format!("delivers queue `{queue}` to function `{}`", f.name);
                    let ordered = fifo(b, Kind::Queue, queue);
                    trigger(b, f, &base, None, attributes, &delivery, &about, ordered);
                    dead_letters.extend(delivery.dead_letter);
                }
                Trigger::Topic { topic, filter } => {
                    let combinations = match combinations(f, event.span, filter) {
                        Ok(c) => c,
                        Err(d) => {
                            b.error(*d);
                            continue;
                        }
                    };
                    let delivery = async_delivery(f);
                    let ordered = fifo(b, Kind::Topic, topic);
                    for combination in combinations {
                        let mut attributes = type_filter(b.event_type(Kind::Topic, topic));
                        attributes.extend(combination);
                        let base = format!("{}-topic-{topic}", f.name);
                        let about = format!("delivers topic `{topic}` to function `{}`", f.name);
                        trigger(b, f, &base, None, attributes, &delivery, &about, ordered);
                    }
                    dead_letters.extend(delivery.dead_letter);
                }
                Trigger::Schedule(schedule) => {
                    if let Some(delivery) = ping(b, f, event.span, schedule) {
                        dead_letters.extend(delivery.dead_letter);
                    }
                }
                Trigger::Bucket { .. } | Trigger::Table { .. } => {
                    let delivery = async_delivery(f);
                    aws_source(b, f, &event.trigger, &delivery);
                    first_aws_event.get_or_insert(event.span);
                    dead_letters.extend(delivery.dead_letter);
                }
                // HTTP routes are the Services' own; iot events are reported by `support`.
                Trigger::Http { .. } | Trigger::Iot { .. } => {}
            }
        }
        if invoked.contains(&f.name) {
            let delivery = async_delivery(f);
            let attributes = type_filter(b.event_type(Kind::Function, &f.name));
            let about = format!("asynchronous invocations of function `{}`", f.name);
            trigger(
                b,
                f,
                &format!("{}-invoke", f.name),
                None,
                attributes,
                &delivery,
                &about,
                false,
            );
            dead_letters.extend(delivery.dead_letter);
        }
    }
    if let Some(span) = first_aws_event
        && b.aws_region.is_none()
    {
        b.warnings.push(
            Diagnostic::new(
                Code::NeedsInput,
                "Knative: the IntegrationSources that read AWS have no region".to_string(),
            )
            .with_label(span, "read from AWS by an IntegrationSource")
            .with_help(
                "pass `--aws-region` (for example `--aws-region eu-west-1`): the sources' AWS \
                 clients need it, and without it they fail when they start",
            ),
        );
    }
    let dead_letters = dead_letter_brokers(b, dead_letters);
    let app_has_events = !b.triggers.is_empty()
        || !producers.is_empty()
        || !model.queues.is_empty()
        || !model.topics.is_empty();
    if app_has_events {
        let about = format!(
            "the events of app `{}`: its queues, topics, schedules and asynchronous invocations",
            model.app
        );
        let broker = broker(b, b.broker(), &about);
        b.brokers.insert(0, broker);
    }
    b.triggers.sort_by(|x, y| {
        x["metadata"]["name"]
            .as_str()
            .cmp(&y["metadata"]["name"].as_str())
    });
    b.integration_sources.sort_by(|x, y| {
        x["metadata"]["name"]
            .as_str()
            .cmp(&y["metadata"]["name"].as_str())
    });
    b.ping_sources.sort_by(|x, y| {
        x["metadata"]["name"]
            .as_str()
            .cmp(&y["metadata"]["name"].as_str())
    });
    Plan {
        producers,
        dead_letters,
    }
}

/// A Broker per dead-letter queue or topic that receives dead letters, and Triggers from it
/// to that queue's consumers or that topic's subscribers. A consumer's own delivery can
/// name a further dead letter, so this runs until no new Broker is needed.
fn dead_letter_brokers(b: &mut Builder<'_>, initial: BTreeSet<String>) -> BTreeSet<String> {
    let model = b.model;
    let mut done = BTreeSet::new();
    let mut todo: Vec<String> = initial.into_iter().rev().collect();
    let mut brokers = BTreeMap::new();
    while let Some(target) = todo.pop() {
        if !done.insert(target.clone()) {
            continue;
        }
        let name = b.dead_letter_broker(&target);
        let kind = if model.queue(&target).is_some() {
            Kind::Queue
        } else {
            Kind::Topic
        };
        let about = format!("dead letters for {} `{target}`", kind.noun());
        brokers.insert(name.clone(), broker(b, &name, &about));
        for f in &model.functions {
            for event in &f.events {
                let (delivery, filter) = match &event.trigger {
                    Trigger::Queue { queue, .. } if *queue == target => {
                        (queue_delivery(b, queue), None)
                    }
                    Trigger::Topic { topic, filter } if *topic == target => {
                        (async_delivery(f), Some(filter))
                    }
                    _ => continue,
                };
                let base = format!("{}-{}-{target}-dead-letters", f.name, kind.noun());
                let about = format!(
                    "delivers the dead letters for {} `{target}` to function `{}`",
                    kind.noun(),
                    f.name
                );
                let combos = match filter {
                    // A bad filter was reported with the topic's own Trigger.
                    Some(filter) => match combinations(f, event.span, filter) {
                        Ok(c) => c,
                        Err(_) => continue,
                    },
                    None => vec![Map::new()],
                };
                let ordered = fifo(b, kind, &target);
                for attributes in combos {
                    trigger(
                        b,
                        f,
                        &base,
                        Some(&name),
                        attributes,
                        &delivery,
                        &about,
                        ordered,
                    );
                }
                if let Some(next) = &delivery.dead_letter
                    && !done.contains(next)
                {
                    todo.push(next.clone());
                }
            }
        }
    }
    b.brokers.extend(brokers.into_values());
    done
}

/// A schedule: a PingSource that posts to the app's Broker, and the Trigger that delivers
/// its events (filtered on the PingSource's `source`) with the function's retries and dead
/// letter. Returns that delivery, or `None` when the schedule has no Unix cron line.
fn ping(
    b: &mut Builder<'_>,
    f: &Function,
    span: crate::source::Span,
    schedule: &crate::model::Schedule,
) -> Option<Delivery> {
    let cron = match schedule.unix_cron() {
        Ok(cron) => cron,
        Err(why) => {
            b.error(
                Diagnostic::new(
                    Code::UnsupportedOnTarget,
                    format!(
                        "Knative: the schedule `{}` of function `{}` has no Unix cron equivalent: {why}",
                        schedule.expression(),
                        f.name
                    ),
                )
                .with_label(span, "a PingSource takes a five-field Unix cron line")
                .with_help(
                    "use a rate that divides an hour or a day evenly, or a `cron(...)` with `*` \
                     as its year and no `L`, `W` or `#`",
                ),
            );
            return None;
        }
    };
    // A schedule switched off fires nothing: no PingSource (checked above all the same, so
    // switching it on later compiles too).
    if !schedule.enabled {
        return None;
    }
    // EventBridge reads a schedule without a time zone in UTC; so does the PingSource.
    let timezone = schedule.timezone.as_deref().unwrap_or("UTC");
    let name = b.unique_name("PingSource", &format!("{}-schedule", f.name));
    let mut metadata = b.metadata(&name, &f.name);
    metadata["annotations"] = json!({
        "kubernetes.io/description": format!("{} ({timezone}) for function `{}`", schedule.expression(), f.name),
    });
    b.ping_sources.push(json!({
        "apiVersion": SOURCES_API,
        "kind": "PingSource",
        "metadata": metadata,
        "spec": {
            "schedule": cron,
            "timezone": timezone,
            "sink": { "ref": { "apiVersion": EVENTING_API, "kind": "Broker", "name": b.broker() } },
        },
    }));
    let mut attributes = type_filter("dev.knative.sources.ping".into());
    attributes.insert(
        "source".into(),
        json!(format!(
            "/apis/v1/namespaces/{}/pingsources/{name}",
            b.namespace
        )),
    );
    let delivery = async_delivery(f);
    let about = format!(
        "delivers schedule `{}` to function `{}`",
        schedule.expression(),
        f.name
    );
    trigger(b, f, &name, None, attributes, &delivery, &about, false);
    Some(delivery)
}

/// A bucket notification or a table stream, whose data stays on AWS: an `IntegrationSource`
/// reads it with credentials from a Secret and posts it to the app's Broker, marked with the
/// extension attributes `updraftsource` (which Trigger delivers it) and `updraftshape` (how
/// the adapter presents it: `s3` passes the S3 notification, `dynamodb` wraps stream records
/// in `Records`). A bucket's notifications reach the source through an SQS queue that S3
/// posts to, configured with the event's changes, prefix and suffix, so S3 filters as it does
/// for Lambda; a polling S3 source would re-read or delete the objects instead.
fn aws_source(b: &mut Builder<'_>, f: &Function, event: &Trigger, delivery: &Delivery) {
    let (base, aws, shape, setup, what) = match event {
        Trigger::Bucket {
            bucket,
            on,
            prefix,
            suffix,
        } => {
            // The name the AWS targets deploy it under; the account is the platform's.
            let region = b.aws_region.clone().unwrap_or_else(|| "<region>".into());
            let physical: String =
                aws::name_parts(b.model, &crate::model::Ref::new(Kind::Bucket, bucket))
                    .into_iter()
                    .map(|p| p.text("aws", &region, "<account>"))
                    .collect();
            let queue = short_name(&format!(
                "{}-{}-{bucket}-events",
                aws::prefix(b.model),
                f.name
            ));
            let mut filter = String::new();
            if let Some(p) = prefix {
                filter.push_str(&format!(", prefix `{p}`"));
            }
            if let Some(s) = suffix {
                filter.push_str(&format!(", suffix `{s}`"));
            }
            let setup = format!(
                "S3 bucket `{physical}` sends event notifications `{}`{filter} to SQS queue `{queue}`, which the Secret's credentials may receive from and delete from",
                match on {
                    BucketChange::Created => "s3:ObjectCreated:*",
                    BucketChange::Removed => "s3:ObjectRemoved:*",
                }
            );
            let mut sqs = Map::new();
            sqs.insert("arn".into(), json!(queue));
            sqs.insert("deleteAfterRead".into(), json!(true));
            (
                format!("{}-bucket-{bucket}", f.name),
                json!({ "sqs": sqs }),
                "s3",
                setup,
                format!("the notifications of bucket `{bucket}`"),
            )
        }
        Trigger::Table {
            table,
            starting_position,
            ..
        } => {
            let physical = aws::physical_name(b.model, &crate::model::Ref::new(Kind::Table, table));
            let iterator = match starting_position {
                StartingPosition::Latest => "FROM_LATEST",
                StartingPosition::TrimHorizon => "FROM_START",
            };
            let setup = format!(
                "DynamoDB table `{physical}` has its stream enabled, which the Secret's credentials may read"
            );
            (
                format!("{}-table-{table}", f.name),
                json!({ "ddbStreams": { "table": physical, "streamIteratorType": iterator } }),
                "dynamodb",
                setup,
                format!("the stream records of table `{table}`"),
            )
        }
        _ => return,
    };
    let name = b.unique_name("IntegrationSource", &base);
    let mut aws = aws;
    if let Some(region) = &b.aws_region {
        for v in aws.as_object_mut().expect("object").values_mut() {
            v["region"] = json!(region);
        }
    }
    let secret = shorten(&format!("{}-{name}-aws", b.model.app), 253);
    aws["auth"] = json!({ "secret": { "ref": { "name": secret } } });
    let marker = name.clone();
    let mut metadata = b.metadata(&name, &f.name);
    metadata["annotations"] = json!({
        "kubernetes.io/description": format!("reads {what} from AWS for function `{}`", f.name),
        "updraft.dev/aws-setup": format!("{setup}; Secret `{secret}` holds them (keys `aws.accessKey`, `aws.secretKey`)"),
    });
    b.integration_sources.push(json!({
        "apiVersion": INTEGRATION_API,
        "kind": "IntegrationSource",
        "metadata": metadata,
        "spec": {
            "aws": aws,
            "ceOverrides": { "extensions": { "updraftsource": marker, "updraftshape": shape } },
            "sink": { "ref": { "apiVersion": EVENTING_API, "kind": "Broker", "name": b.broker() } },
        },
    }));
    let mut attributes = Map::new();
    attributes.insert("updraftsource".into(), json!(marker));
    let about = format!("delivers {what} to function `{}`", f.name);
    trigger(b, f, &name, None, attributes, delivery, &about, false);
}

fn broker(b: &Builder<'_>, name: &str, about: &str) -> Value {
    let mut metadata = b.metadata(name, name);
    let class = if b.ordered() {
        KAFKA_BROKER_CLASS
    } else {
        BROKER_CLASS
    };
    metadata["annotations"] = json!({
        "eventing.knative.dev/broker.class": class,
        "kubernetes.io/description": about,
    });
    let mut broker = json!({ "apiVersion": EVENTING_API, "kind": "Broker", "metadata": metadata });
    if b.ordered() {
        // The Kafka Broker's default configuration (topic partitions, replication).
        broker["spec"] = json!({ "config": {
            "apiVersion": "v1", "kind": "ConfigMap", "name": "kafka-broker-config", "namespace": "knative-eventing",
        } });
    }
    broker
}

/// Whether events of a queue or topic must be delivered in order (it is FIFO).
fn fifo(b: &Builder<'_>, kind: Kind, name: &str) -> bool {
    match kind {
        Kind::Queue => b.model.queue(name).is_some_and(|q| q.fifo),
        Kind::Topic => b.model.topic(name).is_some_and(|t| t.fifo),
        _ => false,
    }
}

fn type_filter(event_type: String) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("type".into(), Value::String(event_type));
    m
}

/// A queue consumer's delivery: with a redrive policy, `max_receives` deliveries in all,
/// then the dead-letter queue; without one, the Broker's defaults.
fn queue_delivery(b: &Builder<'_>, queue: &str) -> Delivery {
    match b.model.queue(queue).and_then(|q| q.dead_letter.as_ref()) {
        Some(dl) => Delivery {
            retry: Some(dl.max_receives.saturating_sub(1)),
            dead_letter: Some(dl.queue.clone()),
        },
        None => Delivery::default(),
    }
}

/// An asynchronous delivery (topic, schedule, invocation): the function's `retries`
/// (Lambda's default 2), then its dead letter.
fn async_delivery(f: &Function) -> Delivery {
    Delivery {
        retry: Some(f.retry_attempts()),
        dead_letter: f.dead_letter.as_ref().map(|d| d.value.name.clone()),
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "a Trigger is built from this many independent parts; a struct would only rename them"
)]
fn trigger(
    b: &mut Builder<'_>,
    f: &Function,
    base: &str,
    broker: Option<&str>,
    attributes: Map<String, Value>,
    delivery: &Delivery,
    about: &str,
    ordered: bool,
) {
    let name = b.unique_name("Trigger", base);
    let mut metadata = b.metadata(&name, &f.name);
    metadata["annotations"] = json!({ "kubernetes.io/description": about });
    if ordered {
        // One event at a time per partition (the `partitionkey` extension: the message group).
        metadata["annotations"]["kafka.eventing.knative.dev/delivery.order"] = json!("ordered");
    }
    let broker = broker.map_or_else(|| b.broker().to_string(), str::to_string);
    let mut spec = json!({ "broker": broker });
    if !attributes.is_empty() {
        spec["filter"] = json!({ "attributes": Value::Object(attributes) });
    }
    spec["subscriber"] =
        json!({ "ref": { "apiVersion": SERVING_API, "kind": "Service", "name": f.name } });
    let mut d = Map::new();
    if let Some(retry) = delivery.retry {
        d.insert("retry".into(), json!(retry));
    }
    if let Some(target) = &delivery.dead_letter {
        d.insert(
            "deadLetterSink".into(),
            json!({ "ref": { "apiVersion": EVENTING_API, "kind": "Broker", "name": b.dead_letter_broker(target) } }),
        );
    }
    if !d.is_empty() {
        spec["delivery"] = Value::Object(d);
    }
    b.triggers.push(json!({
        "apiVersion": EVENTING_API,
        "kind": "Trigger",
        "metadata": metadata,
        "spec": spec,
    }));
}

/// A topic filter (attribute → accepted values) as Trigger filters. A Trigger matches one
/// exact value per attribute, so a filter with several values becomes one Trigger per
/// combination; an event has one value per attribute, so it matches at most one of them.
fn combinations(
    f: &Function,
    span: crate::source::Span,
    filter: &BTreeMap<String, Vec<String>>,
) -> Result<Vec<Map<String, Value>>, Box<Diagnostic>> {
    let mut out = vec![Map::new()];
    for (attribute, values) in filter {
        let valid = !attribute.is_empty()
            && attribute
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            && !CONTEXT_ATTRIBUTES.contains(&attribute.as_str());
        if !valid {
            return Err(Box::new(
                Diagnostic::new(
                    Code::UnsupportedOnTarget,
                    format!(
                        "Knative: the topic filter of function `{}` matches attribute `{attribute}`, which cannot be a CloudEvent extension attribute",
                        f.name
                    ),
                )
                .with_label(span, "message attributes become CloudEvent extension attributes")
                .with_help(
                    "name filter attributes with lowercase letters and digits only (for example \
                     `kind`), and not `type`, `source`, `subject` or another CloudEvent context attribute",
                ),
            ));
        }
        out = out
            .into_iter()
            .flat_map(|base| {
                values.iter().map(move |v| {
                    let mut m = base.clone();
                    m.insert(attribute.clone(), Value::String(v.clone()));
                    m
                })
            })
            .collect();
        if out.len() > MAX_FILTER_COMBINATIONS {
            return Err(Box::new(
                Diagnostic::new(
                    Code::UnsupportedOnTarget,
                    format!(
                        "Knative: the topic filter of function `{}` has more than {MAX_FILTER_COMBINATIONS} combinations of values",
                        f.name
                    ),
                )
                .with_label(span, "each combination becomes a Trigger")
                .with_help("filter on fewer values, or filter in the function"),
            ));
        }
    }
    Ok(out)
}
