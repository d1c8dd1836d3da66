//! What the language server knows of a document, read from the spanned YAML tree so that it
//! works while the spec is still invalid: every declared name with the span of its key, and
//! every place a name is used (`uses` keys, event sources, `gateway:`, `auth:`,
//! `dead_letter:`, `${kind.name.attr}` references).

use std::collections::BTreeMap;

use crate::model::Kind;
use crate::source::Span;
use crate::syntax::{Node, NodeKind};

/// A name as written somewhere: its kind (when known) and the span of exactly the name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mention {
    pub kind: Option<Kind>,
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Default)]
pub struct Index {
    /// (kind, name) → span of the declaring key.
    pub declared: BTreeMap<(Kind, String), Span>,
    /// Every use of a name, in document order.
    pub mentions: Vec<Mention>,
}

impl Index {
    /// The index of a parsed document.
    #[must_use]
    pub fn of(root: &Node) -> Index {
        let mut index = Index::default();
        let NodeKind::Map(sections) = &root.kind else {
            return index;
        };
        for (key, value) in sections {
            let Some(kind) = key.as_str().and_then(Kind::from_section) else {
                continue;
            };
            for (name, body) in entries(value) {
                if let Some(n) = name.as_str() {
                    index.declared.insert((kind, n.to_string()), name.span);
                }
                index.walk_declaration(kind, body);
            }
        }
        // `${...}` references anywhere, and names in stages' overrides.
        index.references(root);
        index.mentions.sort_by_key(|m| (m.span.start, m.span.end));
        index.mentions.dedup();
        index
    }

    /// Names of a kind, sorted.
    pub fn names(&self, kind: Kind) -> impl Iterator<Item = &str> {
        self.declared
            .keys()
            .filter(move |(k, _)| *k == kind)
            .map(|(_, n)| n.as_str())
    }

    /// The kind of a declared name (the first kind, in [`Kind::ALL`] order, that declares it).
    #[must_use]
    pub fn kind_of(&self, name: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| self.declared.contains_key(&(*k, name.to_string())))
    }

    /// What is at a byte offset: a declaration or a mention, as (kind, name).
    #[must_use]
    pub fn at(&self, offset: usize) -> Option<(Kind, String)> {
        let inside = |s: &Span| (s.start as usize) <= offset && offset <= (s.end as usize);
        if let Some(((k, n), _)) = self.declared.iter().find(|(_, s)| inside(s)) {
            return Some((*k, n.clone()));
        }
        let m = self.mentions.iter().find(|m| inside(&m.span))?;
        let kind = m.kind.or_else(|| self.kind_of(&m.name))?;
        Some((kind, m.name.clone()))
    }

    /// The declaration and every mention of a name.
    #[must_use]
    pub fn occurrences(&self, kind: Kind, name: &str) -> Vec<Span> {
        let mut spans: Vec<Span> = self
            .declared
            .get(&(kind, name.to_string()))
            .into_iter()
            .copied()
            .collect();
        spans.extend(
            self.mentions
                .iter()
                .filter(|m| m.name == name && m.kind.or_else(|| self.kind_of(name)) == Some(kind))
                .map(|m| m.span),
        );
        spans.sort_by_key(|s| s.start);
        spans.dedup();
        spans
    }

    fn mention(&mut self, kind: Option<Kind>, node: &Node) {
        if let Some(name) = node.as_str() {
            self.mentions.push(Mention {
                kind,
                name: name.to_string(),
                span: node.span,
            });
        }
    }

    /// Mentions inside one declared resource (a function's `uses`, events, dead letter; a
    /// gateway's `default_auth`; a queue's dead letter; an alarm's target).
    fn walk_declaration(&mut self, kind: Kind, body: &Node) {
        for (key, value) in entries(body) {
            match (kind, key.as_str()) {
                (Kind::Function, Some("uses")) => {
                    for (name, _) in entries(value) {
                        self.mention(None, name);
                    }
                }
                (Kind::Function, Some("events")) => self.events(value),
                (Kind::Function | Kind::Queue, Some("dead_letter")) => match &value.kind {
                    NodeKind::Map(_) => {
                        for (k, v) in entries(value) {
                            if k.as_str() == Some("queue") {
                                self.mention(Some(Kind::Queue), v);
                            }
                        }
                    }
                    _ => self.mention(None, value),
                },
                (Kind::Gateway, Some("default_auth")) => self.mention(Some(Kind::Auth), value),
                _ => {}
            }
        }
    }

    fn events(&mut self, list: &Node) {
        let NodeKind::Seq(events) = &list.kind else {
            return;
        };
        for event in events {
            for (source, body) in entries(event) {
                let kind = match source.as_str() {
                    Some("queue") => Kind::Queue,
                    Some("topic") => Kind::Topic,
                    Some("table") => Kind::Table,
                    Some("bucket") => Kind::Bucket,
                    Some("http") => {
                        for (k, v) in entries(body) {
                            match k.as_str() {
                                Some("gateway") => self.mention(Some(Kind::Gateway), v),
                                Some("auth") => self.mention(Some(Kind::Auth), v),
                                _ => {}
                            }
                        }
                        continue;
                    }
                    _ => continue,
                };
                match &body.kind {
                    NodeKind::Str(_) => self.mention(Some(kind), body),
                    _ => {
                        for (k, v) in entries(body) {
                            if k.as_str() == Some("name") {
                                self.mention(Some(kind), v);
                            }
                        }
                    }
                }
            }
        }
    }

    /// `${kind.name.attr}` in every string: the name part.
    fn references(&mut self, node: &Node) {
        match &node.kind {
            NodeKind::Str(text) => {
                let mut from = 0;
                while let Some(open) = text[from..].find("${") {
                    let start = from + open + 2;
                    let Some(close) = text[start..].find('}') else {
                        break;
                    };
                    let inner = &text[start..start + close];
                    let escaped = from + open > 0 && text.as_bytes()[from + open - 1] == b'$';
                    let parts: Vec<&str> = inner.split('.').collect();
                    if let (false, [section, name, ..]) = (escaped, parts.as_slice())
                        && let Some(kind) = Kind::from_section(section)
                    {
                        // Only when the scalar is written as the text holds (plain or quoted
                        // without escapes): then the name's offset in the source is known.
                        let offset = start + section.len() + 1;
                        if let Some(span) = exact(node, offset, name.len()) {
                            self.mentions.push(Mention {
                                kind: Some(kind),
                                name: (*name).to_string(),
                                span,
                            });
                        }
                    }
                    from = start + close;
                }
            }
            NodeKind::Seq(items) => items.iter().for_each(|n| self.references(n)),
            NodeKind::Map(entries) => entries.iter().for_each(|(_, v)| self.references(v)),
            _ => {}
        }
    }
}

/// The source span of `len` bytes at `offset` of a scalar's value, when the scalar is plain
/// or quoted so that value offsets map one to one onto the source.
fn exact(node: &Node, offset: usize, len: usize) -> Option<Span> {
    let NodeKind::Str(text) = &node.kind else {
        return None;
    };
    let source_len = (node.span.end - node.span.start) as usize;
    let quote = match source_len.checked_sub(text.len())? {
        0 => 0,
        2 => 1,
        _ => return None,
    };
    let start = node.span.start as usize + quote + offset;
    Some(Span::new(start, start + len))
}

fn entries(node: &Node) -> &[(Node, Node)] {
    match &node.kind {
        NodeKind::Map(entries) => entries,
        _ => &[],
    }
}
