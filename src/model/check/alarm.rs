//! The `alarms` section: a metric on a function or a queue, a period, and a topic to notify.

use super::Checker;
use crate::diag::{Code, Diagnostic};
use crate::limits;
use crate::model::{Alarm, Kind, Ref};
use crate::spec::read::Spanned;
use crate::spec::{self, AlarmMetric};

/// Whether CloudWatch accepts `s` seconds as an alarm period: 10 s, 30 s, or whole minutes
/// up to a day.
fn valid_period(s: u64) -> bool {
    limits::ALARM_SHORT_PERIODS_SECONDS.contains(&s)
        || (s >= 60 && s.is_multiple_of(60) && s <= limits::ALARM_MAX_PERIOD_SECONDS)
}

impl Checker {
    pub(super) fn alarm(
        &mut self,
        name: &Spanned<String>,
        alarm: &spec::Alarm,
        fifo_topics: &[String],
    ) -> Option<Alarm> {
        self.name(name, "alarm", limits::RESOURCE_NAME_LENGTH);
        let target = self.alarm_target(name, alarm)?;
        let period = match &alarm.period {
            Some(p) => self.alarm_period(p)?,
            None => limits::ALARM_DEFAULT_PERIOD_SECONDS,
        };
        let evaluation_periods = match &alarm.evaluation_periods {
            Some(e) => {
                self.range(
                    e,
                    limits::ALARM_EVALUATION_PERIODS,
                    "evaluation_periods",
                    Code::OutOfRange,
                );
                e.value
            }
            None => 1,
        };
        let notify = match &alarm.notify {
            Some(t) => Some(self.alarm_topic(t, fifo_topics)?),
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

    /// The function or queue the alarm's metric is measured on.
    fn alarm_target(&mut self, name: &Spanned<String>, alarm: &spec::Alarm) -> Option<Ref> {
        let wants_queue = alarm.metric.value == AlarmMetric::DeadLetterDepth;
        match (wants_queue, &alarm.function, &alarm.queue) {
            (false, Some(f), None) => Some(Ref::new(
                Kind::Function,
                self.resolve(f, Kind::Function, Code::UnknownAlarmTarget)?,
            )),
            (true, None, Some(q)) => Some(Ref::new(
                Kind::Queue,
                self.resolve(q, Kind::Queue, Code::UnknownAlarmTarget)?,
            )),
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
                None
            }
        }
    }

    fn alarm_period(&mut self, p: &Spanned<spec::Duration>) -> Option<u64> {
        let s = p.value.seconds();
        if valid_period(s) {
            return Some(s);
        }
        self.error(
            Diagnostic::new(
                Code::OutOfRange,
                format!("alarm period {} is not one CloudWatch accepts", p.value),
            )
            .with_label(p.span, "10s, 30s, or whole minutes up to 1d")
            .with_help("use `10s`, `30s`, or whole minutes such as `1m` or `5m`"),
        );
        None
    }

    /// The topic an alarm notifies: a standard one.
    fn alarm_topic(&mut self, t: &Spanned<String>, fifo_topics: &[String]) -> Option<String> {
        let topic = self.resolve(t, Kind::Topic, Code::UnknownAlarmTarget)?;
        if fifo_topics.contains(&topic) {
            self.error(
                Diagnostic::new(
                    Code::ConflictingKeys,
                    format!("topic `{topic}` is FIFO, and alarms notify only standard topics"),
                )
                .with_label(t.span, "CloudWatch cannot publish to a FIFO topic")
                .with_help("notify a standard topic"),
            );
            return None;
        }
        Some(topic)
    }
}
