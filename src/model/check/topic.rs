//! The `topics` section: nothing to check beyond names and suppressions.

use super::Checker;
use crate::model::Topic;
use crate::spec;
use crate::spec::read::Spanned;

impl Checker {
    pub(super) fn topic(&mut self, name: &Spanned<String>, topic: &spec::Topic) -> Topic {
        Topic {
            name: name.value.clone(),
            span: name.span,
            fifo: topic.fifo.as_ref().is_some_and(|f| f.value),
            display_name: topic.display_name.as_ref().map(|d| d.value.clone()),
            suppress: self.suppressions(&topic.suppress),
        }
    }
}
