//! The `queues` section: timeouts, retention, delay and the dead letter queue.

use super::Checker;
use crate::diag::{Code, Diagnostic};
use crate::limits;
use crate::model::{Kind, Queue, QueueDeadLetter, Setting};
use crate::source::Span;
use crate::spec;
use crate::spec::read::Spanned;

impl Checker {
    pub(super) fn queue(&mut self, name: &Spanned<String>, queue: &spec::Queue) -> Option<Queue> {
        let visibility_timeout = match &queue.visibility_timeout {
            Some(v) => Setting::new(
                self.seconds(
                    v,
                    limits::SQS_VISIBILITY_TIMEOUT_SECONDS,
                    "visibility timeout",
                    Code::OutOfRange,
                )?,
                v.span,
            ),
            None => Setting::new(
                limits::SQS_DEFAULT_VISIBILITY_TIMEOUT_SECONDS,
                Span::default(),
            ),
        };
        let retention = match &queue.retention {
            Some(r) => self.seconds(
                r,
                limits::SQS_RETENTION_SECONDS,
                "retention",
                Code::OutOfRange,
            )?,
            None => limits::SQS_DEFAULT_RETENTION_SECONDS,
        };
        let delay = match &queue.delay {
            Some(d) => self.seconds(d, limits::SQS_DELAY_SECONDS, "delay", Code::OutOfRange)?,
            None => 0,
        };
        let dead_letter = match &queue.dead_letter {
            Some(dl) => Some(self.queue_dead_letter(name, dl)?),
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

    /// The queue that takes messages received too often. Chains of dead letter queues are
    /// allowed by SQS; a queue cannot be its own.
    fn queue_dead_letter(
        &mut self,
        name: &Spanned<String>,
        dl: &spec::QueueDeadLetter,
    ) -> Option<QueueDeadLetter> {
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
        self.range(
            &dl.max_receives,
            limits::SQS_MAX_RECEIVES,
            "max_receives",
            Code::OutOfRange,
        );
        Some(QueueDeadLetter {
            queue: target,
            max_receives: dl.max_receives.value,
            span: dl.queue.span,
        })
    }
}
