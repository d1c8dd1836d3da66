//! Spec values that are not plain structs: durations, `uses` entries, events, schedules,
//! env values and free-form JSON. Each reads from YAML and describes itself in the schema.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use super::read::{Cx, FromNode, Spanned, spec_struct};
use super::{
    Access, BucketEvent, HttpEvent, IotEvent, QueueEvent, ScheduleEvent, TableEvent, TopicEvent,
};
use crate::diag::{Code, Diagnostic, suggest};
use crate::syntax::{Node, NodeKind};

/// A duration, written `30s`, `15m`, `2h` or `14d`. Held in seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Duration(pub u64);

impl Duration {
    #[must_use]
    pub fn seconds(self) -> u64 {
        self.0
    }

    /// Parses `<digits><unit>` with unit `s`, `m`, `h` or `d`.
    #[must_use]
    pub fn parse(text: &str) -> Option<Duration> {
        let unit_at = text.find(|c: char| !c.is_ascii_digit())?;
        let (digits, unit) = text.split_at(unit_at);
        let n: u64 = digits.parse().ok()?;
        let scale = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            _ => return None,
        };
        n.checked_mul(scale).map(Duration)
    }
}

impl std::fmt::Display for Duration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.0;
        match s {
            0 => f.write_str("0s"),
            s if s % 86_400 == 0 => write!(f, "{}d", s / 86_400),
            s if s % 3600 == 0 => write!(f, "{}h", s / 3600),
            s if s % 60 == 0 => write!(f, "{}m", s / 60),
            s => write!(f, "{s}s"),
        }
    }
}

impl FromNode for Duration {
    fn from_node(node: &Node, cx: &mut Cx) -> Option<Self> {
        let parsed = match &node.kind {
            NodeKind::Str(s) => Duration::parse(s),
            _ => None,
        };
        if parsed.is_none() {
            let hint = match node.kind {
                NodeKind::Int(n) => format!("write the unit: `{n}s`"),
                _ => "write a number and a unit: `30s`, `15m`, `2h` or `14d`".to_string(),
            };
            cx.error(
                Diagnostic::new(Code::InvalidDuration, "invalid duration")
                    .with_label(node.span, "expected a duration like `30s`")
                    .with_help(hint),
            );
        }
        parsed
    }
}

impl JsonSchema for Duration {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^[0-9]+[smhd]$",
            "description": "A duration: a whole number and a unit, `s`, `m`, `h` or `d` (for example `30s`, `15m`, `14d`).",
            "examples": ["30s", "15m", "14d"]
        })
    }
}

/// An environment variable's value. Numbers and booleans are taken as their text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvValue(pub String);

impl FromNode for EnvValue {
    fn from_node(node: &Node, cx: &mut Cx) -> Option<Self> {
        match &node.kind {
            NodeKind::Str(s) => Some(EnvValue(s.clone())),
            NodeKind::Int(n) => Some(EnvValue(n.to_string())),
            NodeKind::Float(f) => Some(EnvValue(f.to_string())),
            NodeKind::Bool(b) => Some(EnvValue(b.to_string())),
            _ => {
                cx.wrong_type(node, "a string, number or boolean");
                None
            }
        }
    }
}

impl JsonSchema for EnvValue {
    fn schema_name() -> Cow<'static, str> {
        "EnvValue".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": ["string", "number", "boolean"],
            "description": "The value. `${kind.name.attribute}` references a resource (`${tables.orders.name}`, `${queues.jobs.url}`, `${buckets.photos.name}`, `${topics.alerts.arn}`, `${gateways.api.url}`, `${secrets.token.arn}`, `${functions.worker.name}`); `$${` is a literal `${`."
        })
    }
}

/// Free-form JSON (an IAM condition block).
#[derive(Clone, Debug, PartialEq)]
pub struct Json(pub serde_json::Value);

impl FromNode for Json {
    fn from_node(node: &Node, cx: &mut Cx) -> Option<Self> {
        fn convert(node: &Node, cx: &mut Cx) -> Option<serde_json::Value> {
            Some(match &node.kind {
                NodeKind::Null => serde_json::Value::Null,
                NodeKind::Bool(b) => (*b).into(),
                NodeKind::Int(n) => (*n).into(),
                NodeKind::Float(f) => serde_json::Number::from_f64(*f)?.into(),
                NodeKind::Str(s) => s.clone().into(),
                NodeKind::Seq(items) => items
                    .iter()
                    .map(|i| convert(i, cx))
                    .collect::<Option<Vec<_>>>()?
                    .into(),
                NodeKind::Map(entries) => {
                    let mut map = serde_json::Map::new();
                    for (k, v) in entries {
                        let Some(key) = k.as_str() else {
                            cx.wrong_type(k, "a string key");
                            return None;
                        };
                        map.insert(key.to_string(), convert(v, cx)?);
                    }
                    map.into()
                }
            })
        }
        convert(node, cx).map(Json)
    }
}

impl JsonSchema for Json {
    fn schema_name() -> Cow<'static, str> {
        "Json".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "object" })
    }
}

spec_struct! {
    /// A `uses` entry written out, with a key prefix.
    "a uses entry"
    pub struct UseDetail {
        /// The access level.
        pub access: Spanned<Access>,
        /// Buckets only: limit access to keys under this prefix, for example `thumbs/`.
        pub prefix: Option<Spanned<String>>,
    }
}

/// One `uses` entry: an access level, optionally limited to a bucket key prefix.
#[derive(Clone, Debug)]
pub struct Use {
    pub access: Spanned<Access>,
    pub prefix: Option<Spanned<String>>,
}

impl FromNode for Use {
    fn from_node(node: &Node, cx: &mut Cx) -> Option<Self> {
        match node.kind {
            NodeKind::Map(_) => UseDetail::from_node(node, cx).map(|d| Use {
                access: d.access,
                prefix: d.prefix,
            }),
            _ => Spanned::<Access>::from_node(node, cx).map(|access| Use {
                access,
                prefix: None,
            }),
        }
    }
}

impl JsonSchema for Use {
    fn schema_name() -> Cow<'static, str> {
        "Use".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let access = generator.subschema_for::<Access>();
        let detail = generator.subschema_for::<UseDetail>();
        json_schema!({
            "description": "An access level, or `{ access, prefix }` to limit a bucket's access to keys under a prefix.",
            "anyOf": [access, detail]
        })
    }
}

/// A function's grants on one resource: one `uses` entry, or a list of them (several access
/// levels, or one level under each of several bucket prefixes).
#[derive(Clone, Debug)]
pub struct Uses(pub Vec<Spanned<Use>>);

impl FromNode for Uses {
    fn from_node(node: &Node, cx: &mut Cx) -> Option<Self> {
        match &node.kind {
            // Entries that cannot be read are reported and left out; the rest are still read.
            NodeKind::Seq(items) => Some(Uses(
                items
                    .iter()
                    .filter_map(|i| Spanned::<Use>::from_node(i, cx))
                    .collect(),
            )),
            _ => Spanned::<Use>::from_node(node, cx).map(|u| Uses(vec![u])),
        }
    }
}

impl JsonSchema for Uses {
    fn schema_name() -> Cow<'static, str> {
        "Uses".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let one = generator.subschema_for::<Use>();
        json_schema!({
            "description": "What the function may do on this resource: an access level, `{ access, prefix }`, or a list of them for several grants on one resource (for example `[ { access: read, prefix: uploads/ }, { access: write, prefix: thumbs/ } ]`).",
            "anyOf": [one, { "type": "array", "items": one, "minItems": 1 }]
        })
    }
}

/// A `schedule` event: an expression alone, or `{ expression, timezone }`.
#[derive(Clone, Debug)]
pub struct Schedule {
    pub expression: Spanned<String>,
    pub timezone: Option<Spanned<String>>,
    pub enabled: Option<Spanned<bool>>,
}

impl FromNode for Schedule {
    fn from_node(node: &Node, cx: &mut Cx) -> Option<Self> {
        match node.kind {
            NodeKind::Map(_) => ScheduleEvent::from_node(node, cx).map(|s| Schedule {
                expression: s.expression,
                timezone: s.timezone,
                enabled: s.enabled,
            }),
            _ => Spanned::<String>::from_node(node, cx).map(|expression| Schedule {
                expression,
                timezone: None,
                enabled: None,
            }),
        }
    }
}

impl JsonSchema for Schedule {
    fn schema_name() -> Cow<'static, str> {
        "Schedule".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let detail = generator.subschema_for::<ScheduleEvent>();
        json_schema!({
            "description": "`rate(5 minutes)`, `cron(0 2 * * ? *)`, or `{ expression, timezone }`.",
            "anyOf": [
                { "type": "string", "pattern": "^(rate|cron)\\(.*\\)$" },
                detail
            ]
        })
    }
}

/// What triggers a function. Written as a one-key mapping: `- http: { ... }`.
#[derive(Clone, Debug, JsonSchema)]
#[schemars(rename_all = "snake_case")]
pub enum Event {
    /// An HTTP route on a gateway.
    Http(HttpEvent),
    /// A timer: `rate(...)` or `cron(...)`.
    Schedule(Schedule),
    /// Messages from a queue, in batches.
    Queue(QueueEvent),
    /// Messages published to a topic.
    Topic(TopicEvent),
    /// Objects created in or removed from a bucket.
    Bucket(BucketEvent),
    /// Changes to a table, from its stream.
    Table(TableEvent),
    /// MQTT messages (AWS IoT Core).
    Iot(IotEvent),
}

impl Event {
    pub const KINDS: &'static [&'static str] = &[
        "http", "schedule", "queue", "topic", "bucket", "table", "iot",
    ];

    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Http(_) => "http",
            Event::Schedule(_) => "schedule",
            Event::Queue(_) => "queue",
            Event::Topic(_) => "topic",
            Event::Bucket(_) => "bucket",
            Event::Table(_) => "table",
            Event::Iot(_) => "iot",
        }
    }
}

impl FromNode for Event {
    fn from_node(node: &Node, cx: &mut Cx) -> Option<Self> {
        let entries = cx.map(node, "an event such as `http: { ... }`")?;
        let [(key, value)] = entries else {
            cx.error(
                Diagnostic::new(
                    Code::ConflictingKeys,
                    format!("an event has exactly one kind, found {}", entries.len()),
                )
                .with_label(
                    node.span,
                    "one of `http`, `schedule`, `queue`, ... per list item",
                )
                .with_help("start a new list item (`- `) for each event"),
            );
            return None;
        };
        let Some(kind) = key.as_str() else {
            cx.wrong_type(key, "an event kind");
            return None;
        };
        Some(match kind {
            "http" => Event::Http(FromNode::from_node(value, cx)?),
            "schedule" => Event::Schedule(FromNode::from_node(value, cx)?),
            "queue" => Event::Queue(FromNode::from_node(value, cx)?),
            "topic" => Event::Topic(FromNode::from_node(value, cx)?),
            "bucket" => Event::Bucket(FromNode::from_node(value, cx)?),
            "table" => Event::Table(FromNode::from_node(value, cx)?),
            "iot" => Event::Iot(FromNode::from_node(value, cx)?),
            other => {
                let help = match suggest(other, Event::KINDS.iter().copied()) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!("expected {}", super::read::list(Event::KINDS)),
                };
                cx.error(
                    Diagnostic::new(Code::UnknownKey, format!("unknown event kind `{other}`"))
                        .with_label(key.span, "not an event kind")
                        .with_help(help),
                );
                return None;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units_only() {
        assert_eq!(Duration::parse("30s"), Some(Duration(30)));
        assert_eq!(Duration::parse("15m"), Some(Duration(900)));
        assert_eq!(Duration::parse("2h"), Some(Duration(7200)));
        assert_eq!(Duration::parse("14d"), Some(Duration(14 * 86_400)));
        for bad in [
            "30",
            "s",
            "1.5m",
            "10 s",
            "-1s",
            "3w",
            "99999999999999999999s",
        ] {
            assert_eq!(Duration::parse(bad), None, "{bad}");
        }
        assert_eq!(Duration(1_209_600).to_string(), "14d");
        assert_eq!(Duration(90).to_string(), "90s");
    }
}
