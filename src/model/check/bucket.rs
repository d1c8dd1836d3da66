//! The `buckets` section: lifecycle rules, CORS and public access.

use super::Checker;
use crate::diag::{Code, Diagnostic};
use crate::model::{Bucket, Setting};
use crate::source::Span;
use crate::spec;
use crate::spec::read::Spanned;

/// Seconds in a day: lifecycle rules count whole days.
const DAY: u64 = 86_400;

impl Checker {
    pub(super) fn bucket(
        &mut self,
        name: &Spanned<String>,
        bucket: &spec::Bucket,
    ) -> Option<Bucket> {
        let lifecycle = bucket
            .lifecycle
            .iter()
            .filter_map(|rule| self.lifecycle_rule(rule))
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

    /// A lifecycle rule as (prefix, days to expiry).
    fn lifecycle_rule(&mut self, rule: &spec::Lifecycle) -> Option<(Option<String>, u64)> {
        let seconds = rule.expire_after.value.seconds();
        if seconds == 0 || !seconds.is_multiple_of(DAY) {
            self.error(
                Diagnostic::new(
                    Code::InvalidDuration,
                    "`expire_after` must be a whole number of days",
                )
                .with_label(rule.expire_after.span, "expected days, for example `30d`")
                .with_help("lifecycle rules count whole days, for example `expire_after: 30d`"),
            );
            return None;
        }
        Some((rule.prefix.as_ref().map(|p| p.value.clone()), seconds / DAY))
    }
}
