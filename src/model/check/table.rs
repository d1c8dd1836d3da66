//! The `tables` section: keys, indexes, billing and capacity.

use super::Checker;
use crate::diag::{Code, Diagnostic};
use crate::limits;
use crate::model::{Index, Key, Setting, Table};
use crate::source::Span;
use crate::spec::read::Spanned;
use crate::spec::{self, Billing};

impl Checker {
    pub(super) fn table(&mut self, name: &Spanned<String>, table: &spec::Table) -> Option<Table> {
        let billing = table
            .billing
            .as_ref()
            .map_or(Billing::OnDemand, |b| b.value);
        let capacity = self.capacity(name, table, billing);
        let indexes = table
            .indexes
            .iter()
            .map(|(n, i)| self.index(n, i))
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

    fn key(&mut self, key: &spec::Key) -> Key {
        if !limits::DYNAMODB_ATTRIBUTE_NAME_LENGTH.contains(key.name.value.len()) {
            let (lo, hi) = limits::DYNAMODB_ATTRIBUTE_NAME_LENGTH.pair();
            self.error(
                Diagnostic::new(
                    Code::InvalidName,
                    format!("a key attribute name must be {lo} to {hi} characters"),
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

    /// Read and write capacity, which only provisioned billing takes (and needs).
    fn capacity(
        &mut self,
        name: &Spanned<String>,
        table: &spec::Table,
        billing: Billing,
    ) -> Option<(u32, u32)> {
        let units = limits::DYNAMODB_CAPACITY_UNITS;
        match (&table.capacity, billing) {
            (Some(c), Billing::Provisioned) => {
                self.range(&c.read, units, "read capacity", Code::OutOfRange);
                self.range(&c.write, units, "write capacity", Code::OutOfRange);
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
        }
    }

    fn index(&mut self, n: &Spanned<String>, i: &spec::Index) -> Index {
        let length = limits::DYNAMODB_INDEX_NAME_LENGTH;
        if !n
            .value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
            || !length.contains(n.value.len())
        {
            self.error(
                Diagnostic::new(
                    Code::InvalidName,
                    format!("index name `{}` is not valid", n.value),
                )
                .with_label(
                    n.span,
                    format!(
                        "{} to {} characters of a-z, A-Z, 0-9, `_`, `-` and `.`",
                        length.min, length.max
                    ),
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
    }
}
