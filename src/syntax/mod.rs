//! YAML text to a spanned tree. No domain knowledge lives here, and nothing here panics:
//! every problem with the text becomes a diagnostic.
//!
//! serde-saphyr does the parsing (YAML 1.2, anchors and aliases under a budget, duplicate
//! keys refused); this module turns its output into [`Node`]s that remember where each
//! value was written, so later stages can underline the exact text.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Budget, DuplicateKeyPolicy, Options, Spanned};

use crate::diag::{Code, Diagnostic};
use crate::source::{SourceFile, Span};

/// Limits on what one spec may hold. The defaults take a 10,000-function app with room to
/// spare and refuse hostile input (alias bombs, deep nesting, huge files) in milliseconds.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_bytes: usize,
    pub max_nodes: usize,
    pub max_depth: usize,
    pub max_aliases: usize,
    /// Parser events replayed through aliases, in all.
    pub max_alias_events: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: 16 * 1024 * 1024,
            max_nodes: 2_000_000,
            max_depth: 64,
            max_aliases: 10_000,
            max_alias_events: 100_000,
        }
    }
}

/// A YAML value with the span of the text it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub span: Span,
    pub kind: NodeKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Entries in source order; keys are nodes too, so they can be underlined.
    Map(Vec<(Node, Node)>),
}

impl NodeKind {
    /// What a user would call this kind of value, for "expected X, found Y" messages.
    #[must_use]
    pub fn describe(&self) -> &'static str {
        match self {
            NodeKind::Null => "nothing (null)",
            NodeKind::Bool(_) => "a boolean",
            NodeKind::Int(_) => "an integer",
            NodeKind::Float(_) => "a number",
            NodeKind::Str(_) => "a string",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
        }
    }
}

impl Node {
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// Parses one YAML document. On failure the diagnostics say why, at the offending text.
///
/// # Errors
/// One diagnostic for the first problem the parser meets (YAML parsing stops there).
pub fn parse(file: &SourceFile, limits: Limits) -> Result<Node, Diagnostic> {
    let text = file.text();
    if text.len() > limits.max_bytes {
        return Err(Diagnostic::new(
            Code::InputOverBudget,
            format!(
                "the file is {} bytes, over the limit of {} bytes",
                text.len(),
                limits.max_bytes
            ),
        )
        .with_help("a spec is a short description of an app; split generated data out of it"));
    }
    if let Some(pos) = text.find('\0') {
        return Err(
            Diagnostic::new(Code::InvalidEncoding, "the file contains a NUL byte")
                .with_label(Span::new(pos, pos + 1), "NUL byte here")
                .with_help("a spec is text: remove the NUL byte (is this a binary file?)"),
        );
    }
    let mut budget = Budget::default();
    budget.max_reader_input_bytes = Some(limits.max_bytes);
    budget.max_nodes = limits.max_nodes;
    budget.max_events = limits.max_nodes.saturating_mul(2);
    budget.max_depth = limits.max_depth;
    budget.max_aliases = limits.max_aliases;
    budget.max_anchors = limits.max_aliases;
    budget.max_documents = 1;
    let mut options = Options::default();
    options.budget = Some(budget);
    options.duplicate_keys = DuplicateKeyPolicy::Error;
    options.strict_booleans = true;
    // Anchors and aliases are fine for shared settings; replaying more than this many
    // events through aliases is an alias bomb, refused long before it costs memory.
    options.alias_limits.max_total_replayed_events = limits.max_alias_events;
    options.with_snippet = false;
    let node: Option<Node> = serde_saphyr::from_str_with_options(text, options)
        .map_err(|err| syntax_error(file, &err, limits))?;
    match node {
        Some(node) => Ok(node),
        None => Ok(Node {
            span: Span::new(0, 0),
            kind: NodeKind::Null,
        }),
    }
}

/// Reads raw bytes as a spec file: refuses what is not UTF-8 with the offset of the first bad byte.
///
/// # Errors
/// A diagnostic when the bytes are not UTF-8.
pub fn decode(name: &str, bytes: Vec<u8>) -> Result<SourceFile, Diagnostic> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(
            name,
            text.strip_prefix('\u{feff}').unwrap_or(&text),
        )),
        Err(err) => {
            let valid = err.utf8_error().valid_up_to();
            let bytes = err.into_bytes();
            let line = String::from_utf8_lossy(&bytes[..valid])
                .lines()
                .count()
                .max(1);
            Err(Diagnostic::new(
                Code::InvalidEncoding,
                format!("the file is not UTF-8: invalid byte at offset {valid} (line {line})"),
            )
            .with_help("save the file as UTF-8 text"))
        }
    }
}

fn syntax_error(file: &SourceFile, err: &serde_saphyr::Error, limits: Limits) -> Diagnostic {
    let message = err.without_snippet().to_string();
    let location = err.location();
    let span = location.and_then(|loc| {
        let span = loc.span();
        if let (Some(start), Some(len)) = (span.byte_offset(), span.byte_len()) {
            let start = usize::try_from(start).ok()?;
            let len = usize::try_from(len).ok()?;
            return Some(Span::new(start, start + len.max(1)).clamp_to(file.text().len()));
        }
        // Scanner errors carry only a line and a column (in characters).
        let line = usize::try_from(loc.line()).ok()?;
        let column = usize::try_from(loc.column()).ok()?;
        let start = file.offset_of(line, column)?;
        let end = file.text()[start..]
            .chars()
            .next()
            .map_or(start, |c| start + c.len_utf8());
        Some(Span::new(start, end))
    });
    let budget = "updraft refuses input that expands past its limits: write the values out instead of \
                  nesting or aliasing them";
    let (code, rewritten, help): (Code, Option<String>, &str) = match ErrorKind::of(err) {
        ErrorKind::SeveralDocuments => (
            Code::YamlSyntax,
            Some("the file holds more than one YAML document".into()),
            "a spec is one document: remove the second `---` and what follows, or move it to its own file",
        ),
        ErrorKind::TooDeep => (
            Code::InputOverBudget,
            Some(format!(
                "the file nests values deeper than {} levels",
                limits.max_depth
            )),
            budget,
        ),
        ErrorKind::AliasBomb => (
            Code::InputOverBudget,
            Some(format!(
                "the file's aliases expand to more than {} values (an alias bomb?)",
                limits.max_alias_events
            )),
            budget,
        ),
        ErrorKind::TooManyAliases => (
            Code::InputOverBudget,
            Some(format!(
                "the file uses more than {} aliases",
                limits.max_aliases
            )),
            budget,
        ),
        ErrorKind::TooManyAnchors => (
            Code::InputOverBudget,
            Some(format!(
                "the file defines more than {} anchors",
                limits.max_aliases
            )),
            budget,
        ),
        ErrorKind::UnknownAnchor => (
            Code::YamlSyntax,
            Some(match alias_at(file, span) {
                Some(alias) => format!("alias `*{alias}` refers to no anchor"),
                None => "an alias refers to no anchor".into(),
            }),
            "define the anchor (`&name value`) before the alias that uses it, or write the value out",
        ),
        ErrorKind::CyclicAlias => (
            Code::YamlSyntax,
            Some(match alias_at(file, span) {
                Some(alias) => format!("alias `*{alias}` is used inside its own anchor"),
                None => "an alias is used inside its own anchor".into(),
            }),
            "a value cannot contain itself: write the inner value out",
        ),
        ErrorKind::TooManyNodes => (
            Code::InputOverBudget,
            Some(format!(
                "the file holds more than {} values",
                limits.max_nodes
            )),
            budget,
        ),
        ErrorKind::DuplicateKey(key) => (
            Code::DuplicateKey,
            key.map(|k| format!("duplicate key `{k}`")),
            "remove one of the two entries; a YAML mapping holds one value per key",
        ),
        ErrorKind::NotUtf8 => (Code::InvalidEncoding, None, "save the file as UTF-8 text"),
        ErrorKind::Syntax => (
            Code::YamlSyntax,
            None,
            "check indentation and quoting near this point",
        ),
    };
    let message = rewritten.unwrap_or(message);
    let message = first_line(&message);
    let mut diag = Diagnostic::new(code, message);
    if let Some(span) = span {
        diag = diag.with_label(span, "here");
    }
    diag.with_help(help)
}

/// The alias name (without `*`) written at the start of `span`, if one is.
fn alias_at(file: &SourceFile, span: Option<Span>) -> Option<&str> {
    let rest = file.text().get(span?.start as usize..)?.strip_prefix('*')?;
    let end = rest
        .find(|c: char| c.is_whitespace() || matches!(c, ',' | ']' | '}'))
        .unwrap_or(rest.len());
    Some(&rest[..end]).filter(|a| !a.is_empty())
}

/// What went wrong, read from serde-saphyr's error variants (never from its message text).
#[derive(Debug, PartialEq, Eq)]
enum ErrorKind {
    SeveralDocuments,
    TooDeep,
    AliasBomb,
    TooManyAliases,
    TooManyAnchors,
    UnknownAnchor,
    CyclicAlias,
    TooManyNodes,
    DuplicateKey(Option<String>),
    NotUtf8,
    Syntax,
}

impl ErrorKind {
    fn of(err: &serde_saphyr::Error) -> ErrorKind {
        use serde_saphyr::Error as E;
        use serde_saphyr::budget::BudgetBreach as B;
        match err.without_snippet() {
            E::MultipleDocuments { .. }
            | E::Budget {
                breach: B::Documents { .. },
                ..
            } => ErrorKind::SeveralDocuments,
            E::Budget {
                breach: B::Depth { .. } | B::InclusionDepth { .. },
                ..
            }
            | E::AliasReplayStackDepthExceeded { .. } => ErrorKind::TooDeep,
            E::Budget {
                breach: B::Aliases { .. },
                ..
            } => ErrorKind::TooManyAliases,
            E::Budget {
                breach: B::Anchors { .. },
                ..
            } => ErrorKind::TooManyAnchors,
            E::AliasReplayCounterOverflow { .. }
            | E::AliasReplayLimitExceeded { .. }
            | E::AliasExpansionLimitExceeded { .. } => ErrorKind::AliasBomb,
            E::Budget { .. } => ErrorKind::TooManyNodes,
            E::AliasError { error, .. } => ErrorKind::of(error),
            E::ExternalMessage { source, .. } => match source.as_ref() {
                serde_saphyr::ExternalMessageSource::Parser(scan)
                    if *scan.kind()
                        == serde_saphyr::granit_parser::ErrorKind::RecursionLimitExceeded =>
                {
                    ErrorKind::TooDeep
                }
                _ => ErrorKind::Syntax,
            },
            E::UnknownAnchor { .. } => ErrorKind::UnknownAnchor,
            E::RecursiveReferencesRequireWeakTypes { .. } => ErrorKind::CyclicAlias,
            E::DuplicateMappingKey { key, .. } => ErrorKind::DuplicateKey(key.clone()),
            E::InvalidUtf8Input | E::BinaryNotUtf8 { .. } => ErrorKind::NotUtf8,
            _ => ErrorKind::Syntax,
        }
    }
}

fn first_line(message: &str) -> String {
    let line = message.lines().next().unwrap_or(message).trim();
    // serde-saphyr appends " at line X column Y"; the label carries the position.
    let line = line.split(" at line ").next().unwrap_or(line);
    let mut out = line.to_string();
    if let Some(first) = out.get(..1) {
        out.replace_range(..1, &first.to_lowercase());
    }
    out.trim_end_matches('.').to_string()
}

trait ClampTo {
    fn clamp_to(self, len: usize) -> Self;
}

impl ClampTo for Span {
    fn clamp_to(self, len: usize) -> Self {
        let end = (self.end as usize).min(len);
        let start = (self.start as usize).min(end);
        Span::new(start, end)
    }
}

fn saphyr_span(spanned: &serde_saphyr::Location) -> Span {
    let span = spanned.span();
    match (span.byte_offset(), span.byte_len()) {
        (Some(start), Some(len)) => {
            let start = usize::try_from(start).unwrap_or(usize::MAX);
            let len = usize::try_from(len).unwrap_or(0);
            Span::new(start, start.saturating_add(len))
        }
        _ => Span::default(),
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<RawKind>::deserialize(deserializer)?;
        let mut span = saphyr_span(&spanned.referenced);
        // The parser locates a collection at its start only: stretch it to its last child
        // so labels on a whole mapping or list underline it.
        let last = match &spanned.value.0 {
            NodeKind::Map(entries) => entries.last().map(|(_, v)| v.span.end),
            NodeKind::Seq(items) => items.last().map(|i| i.span.end),
            _ => None,
        };
        if let Some(end) = last
            && end > span.end
            && spanned.referenced == spanned.defined
        {
            span.end = end;
        }
        Ok(Node {
            span,
            kind: spanned.value.0,
        })
    }
}

/// The unspanned layer of a node; [`Node::deserialize`] wraps it with its location.
struct RawKind(NodeKind);

impl<'de> Deserialize<'de> for RawKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(KindVisitor).map(RawKind)
    }
}

struct KindVisitor;

impl<'de> Visitor<'de> for KindVisitor {
    type Value = NodeKind;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<NodeKind, E> {
        Ok(NodeKind::Null)
    }
    fn visit_none<E>(self) -> Result<NodeKind, E> {
        Ok(NodeKind::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<NodeKind, D::Error> {
        d.deserialize_any(KindVisitor)
    }
    fn visit_bool<E>(self, v: bool) -> Result<NodeKind, E> {
        Ok(NodeKind::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<NodeKind, E> {
        Ok(NodeKind::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<NodeKind, E> {
        Ok(i64::try_from(v).map_or(NodeKind::Float(v as f64), NodeKind::Int))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<NodeKind, E> {
        Ok(i64::try_from(v).map_or(NodeKind::Float(v as f64), NodeKind::Int))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<NodeKind, E> {
        Ok(i64::try_from(v).map_or(NodeKind::Float(v as f64), NodeKind::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<NodeKind, E> {
        Ok(NodeKind::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<NodeKind, E> {
        Ok(NodeKind::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<NodeKind, E> {
        Ok(NodeKind::Str(v))
    }
    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<NodeKind, E> {
        Err(E::custom("binary values are not part of the spec format"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NodeKind, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(NodeKind::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NodeKind, A::Error> {
        let mut entries = Vec::new();
        while let Some((key, value)) = map.next_entry::<Node, Node>()? {
            entries.push((key, value));
        }
        Ok(NodeKind::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Node, Diagnostic> {
        parse(&SourceFile::new("t.yaml", text), Limits::default())
    }

    #[test]
    fn spans_cover_keys_and_values() {
        let text = "app: shop\nfunctions:\n  api: { memory: 256 }\n";
        let node = parse_str(text).unwrap();
        let NodeKind::Map(entries) = &node.kind else {
            panic!("{node:?}")
        };
        let (key, value) = &entries[0];
        assert_eq!(&text[key.span.range()], "app");
        assert_eq!(&text[value.span.range()], "shop");
        let NodeKind::Map(fns) = &entries[1].1.kind else {
            panic!()
        };
        let NodeKind::Map(api) = &fns[0].1.kind else {
            panic!()
        };
        assert_eq!(api[0].1.kind, NodeKind::Int(256));
        assert_eq!(&text[api[0].1.span.range()], "256");
    }

    #[test]
    fn yaml_11_booleans_stay_strings() {
        let node = parse_str("on: created\nyes: no\n").unwrap();
        let NodeKind::Map(entries) = &node.kind else {
            panic!()
        };
        assert_eq!(entries[0].0.as_str(), Some("on"));
        assert_eq!(entries[1].1.as_str(), Some("no"));
    }

    #[test]
    fn duplicate_keys_are_refused_at_the_second_key() {
        let err = parse_str("app: a\napp: b\n").unwrap_err();
        assert_eq!(err.code, Code::DuplicateKey, "{err:?}");
    }

    #[test]
    fn nul_bytes_and_bad_utf8_are_refused() {
        assert_eq!(
            parse_str("app: a\0").unwrap_err().code,
            Code::InvalidEncoding
        );
        let err = decode("x.yaml", b"app: \xff\n".to_vec()).unwrap_err();
        assert_eq!(err.code, Code::InvalidEncoding);
    }
}
