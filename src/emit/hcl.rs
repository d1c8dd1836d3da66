//! HCL, Terraform's native syntax: a small typed tree ([`Body`] of attributes, blocks and
//! comments; [`Expr`] values) and a printer whose output `terraform fmt` leaves unchanged,
//! byte for byte.
//!
//! What `terraform fmt` does (`hclwrite`'s formatter plus Terraform's own rewrites), and so
//! what the printer does:
//! - two spaces per open bracket of nesting; a closing bracket goes back to its opener's level;
//! - one space around `=` and after `,`; none inside `[]` and `()`; spaces inside a one-line
//!   `{ ... }`, none in `{}`; none anywhere inside a quoted template;
//! - in a run of consecutive one-line `name = value` lines (of a body or an object), every
//!   `=` one column after the longest name; a blank line, a comment, a block header, a
//!   closing bracket or a line that opens a multi-line value ends the run. Names are measured
//!   in grapheme clusters: quoted keys escape everything outside ASCII (`\u00E9`), so that
//!   columns, characters and bytes agree;
//! - a quoted template that is one interpolation, `"${x}"`, is written as the bare `x`;
//! - line breaks are the printer's own choice (fmt never adds or removes one): blocks are
//!   separated by a blank line, objects are always multi-line, lists are one-line when short.
//!
//! Strings are escaped so that every value reads back as written: `\\`, `\"`, `\n`, `\r`,
//! `\t`, other control characters as `\uXXXX`; a literal `${` as `$${` and `%{` as `%%{`.
//! HCL has no escape for a `$` right before an interpolation (`$${` would read as an
//! escape), so such a run of `$` is written as an interpolation of its own: `${"$"}`.
//! HCL normalizes every string to Unicode NFC when it reads it; text already in NFC (almost
//! all text) is unaffected.

use std::borrow::Cow;

/// The longest one-line list, in characters; longer lists get one element per line.
const INLINE_LIST_WIDTH: usize = 80;

/// A body: the contents of a file or of a block.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Body {
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// `name = value`; `name` must be an identifier.
    Attribute {
        name: Text,
        value: Expr,
    },
    Block(Block),
    /// A `#` comment line (newlines in the text start new comment lines).
    Comment(String),
}

/// Text that is usually a literal in the code (attribute names, keys, block types).
pub type Text = Cow<'static, str>;

/// `kind "label" "label" { body }`
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub kind: Text,
    pub labels: Vec<String>,
    pub body: Body,
}

/// An expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Null,
    Bool(bool),
    Number(Number),
    /// A quoted string holding its text literally.
    Str(Text),
    /// A quoted template: literal text and interpolations.
    Template(Vec<Part>),
    /// `root.attr.attr`, written with its dots: every segment an identifier.
    Traversal(Text),
    List(Vec<Expr>),
    /// Keys are text: written bare when they are identifiers, else quoted.
    Object(Vec<(Text, Expr)>),
    /// `name(arg, ...)`; only the last argument may be multi-line.
    Call(Text, Vec<Expr>),
}

/// A number, written as HCL reads it (`10`, `0.5`, `-3`, `1e21`).
#[derive(Clone, Debug, PartialEq)]
pub enum Number {
    Int(i64),
    Uint(u64),
    Float(f64),
    /// Already written out (numbers from JSON, kept exactly).
    Text(String),
}

/// A piece of a quoted template.
#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    Lit(String),
    Interp(Expr),
}

impl Body {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `name = value`.
    pub fn attr(&mut self, name: impl Into<Text>, value: impl Into<Expr>) -> &mut Self {
        let name = name.into();
        debug_assert!(is_identifier(&name), "attribute name {name:?}");
        self.items.push(Item::Attribute {
            name,
            value: value.into(),
        });
        self
    }

    /// Adds `name = value` when there is a value.
    pub fn attr_opt(&mut self, name: impl Into<Text>, value: Option<impl Into<Expr>>) -> &mut Self {
        if let Some(v) = value {
            self.attr(name, v);
        }
        self
    }

    pub fn block(&mut self, block: Block) -> &mut Self {
        self.items.push(Item::Block(block));
        self
    }

    /// Adds a nested block built by `build`.
    pub fn nested(&mut self, kind: impl Into<Text>, build: impl FnOnce(&mut Body)) -> &mut Self {
        self.block(Block::new(kind, &[]).with(build))
    }

    pub fn comment(&mut self, text: impl Into<String>) -> &mut Self {
        self.items.push(Item::Comment(text.into()));
        self
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

impl Block {
    #[must_use]
    pub fn new(kind: impl Into<Text>, labels: &[&str]) -> Self {
        let kind = kind.into();
        debug_assert!(is_identifier(&kind), "block type {kind:?}");
        Self {
            kind,
            labels: labels.iter().map(|l| (*l).to_string()).collect(),
            body: Body::new(),
        }
    }

    #[must_use]
    pub fn with(mut self, build: impl FnOnce(&mut Body)) -> Self {
        build(&mut self.body);
        self
    }
}

impl Expr {
    /// A quoted string holding `text` literally.
    pub fn string(text: impl Into<String>) -> Self {
        Expr::Str(Cow::Owned(text.into()))
    }

    /// A traversal from its segments: `["aws_sqs_queue", "jobs", "arn"]`.
    pub fn path<S: AsRef<str>>(segments: &[S]) -> Self {
        let mut dotted = String::new();
        for (i, segment) in segments.iter().enumerate() {
            if i > 0 {
                dotted.push('.');
            }
            debug_assert!(
                is_identifier(segment.as_ref()),
                "traversal segment {:?}",
                segment.as_ref()
            );
            dotted.push_str(segment.as_ref());
        }
        Expr::Traversal(Cow::Owned(dotted))
    }

    /// A traversal written with dots: `aws_sqs_queue.jobs.arn`.
    #[must_use]
    pub fn reference(dotted: &'static str) -> Self {
        debug_assert!(dotted.split('.').all(is_identifier), "traversal {dotted:?}");
        Expr::Traversal(Cow::Borrowed(dotted))
    }

    pub fn list(items: impl IntoIterator<Item = Expr>) -> Self {
        Expr::List(items.into_iter().collect())
    }

    /// A list of strings.
    pub fn strings<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Self {
        Expr::List(
            items
                .into_iter()
                .map(|s| Expr::string(s.as_ref()))
                .collect(),
        )
    }

    pub fn object<K: Into<Text>>(entries: impl IntoIterator<Item = (K, Expr)>) -> Self {
        Expr::Object(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    pub fn call(name: impl Into<Text>, args: impl IntoIterator<Item = Expr>) -> Self {
        let name = name.into();
        debug_assert!(is_identifier(&name), "function {name:?}");
        Expr::Call(name, args.into_iter().collect())
    }

    /// `jsonencode(value)`
    #[must_use]
    pub fn jsonencode(value: Expr) -> Self {
        Expr::Call(Cow::Borrowed("jsonencode"), vec![value])
    }

    /// A number; integers stay integers, non-finite values (never produced) become `null`.
    #[must_use]
    pub fn float(value: f64) -> Self {
        if value.is_finite() {
            Expr::Number(Number::Float(value))
        } else {
            Expr::Null
        }
    }
}

/// A literal in the code: no copy. (Other text: [`Expr::string`].)
impl From<&'static str> for Expr {
    fn from(text: &'static str) -> Self {
        Expr::Str(Cow::Borrowed(text))
    }
}

impl From<String> for Expr {
    fn from(text: String) -> Self {
        Expr::string(text)
    }
}

impl From<&String> for Expr {
    fn from(text: &String) -> Self {
        Expr::string(text.as_str())
    }
}

impl From<bool> for Expr {
    fn from(value: bool) -> Self {
        Expr::Bool(value)
    }
}

impl From<u32> for Expr {
    fn from(value: u32) -> Self {
        Expr::Number(Number::Uint(value.into()))
    }
}

impl From<u64> for Expr {
    fn from(value: u64) -> Self {
        Expr::Number(Number::Uint(value))
    }
}

impl From<i64> for Expr {
    fn from(value: i64) -> Self {
        Expr::Number(Number::Int(value))
    }
}

impl From<f64> for Expr {
    fn from(value: f64) -> Self {
        Expr::float(value)
    }
}

impl From<&serde_json::Value> for Expr {
    fn from(value: &serde_json::Value) -> Self {
        use serde_json::Value;
        match value {
            Value::Null => Expr::Null,
            Value::Bool(b) => Expr::Bool(*b),
            Value::Number(n) => Expr::Number(Number::Text(n.to_string())),
            Value::String(s) => Expr::string(s.as_str()),
            Value::Array(items) => Expr::List(items.iter().map(Expr::from).collect()),
            Value::Object(map) => Expr::Object(
                map.iter()
                    .map(|(k, v)| (Cow::Owned(k.clone()), Expr::from(v)))
                    .collect(),
            ),
        }
    }
}

/// Whether `text` is an HCL identifier: a letter or `_`, then letters, digits, `_` and `-`.
#[must_use]
pub fn is_identifier(text: &str) -> bool {
    let mut bytes = text.bytes();
    bytes
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
        && bytes.all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
}

/// Words an object key cannot be written bare as: `for` starts a `for` expression, the
/// others read as values.
const KEYWORDS: &[&str] = &["for", "in", "if", "null", "true", "false"];

/// A file: the body's items at the top level, ending with a newline.
#[must_use]
pub fn to_string(body: &Body) -> String {
    let mut out = String::with_capacity(4096);
    write_body(&mut out, body, 0);
    out
}

/// Where text goes: the output, or a counter of characters (to measure a one-line list).
trait Sink {
    fn text(&mut self, s: &str);
    fn char(&mut self, c: char);
}

impl Sink for String {
    fn text(&mut self, s: &str) {
        self.push_str(s);
    }
    fn char(&mut self, c: char) {
        self.push(c);
    }
}

/// Counts characters.
struct Width(usize);

impl Sink for Width {
    fn text(&mut self, s: &str) {
        self.0 += s.chars().count();
    }
    fn char(&mut self, _: char) {
        self.0 += 1;
    }
}

fn indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

/// Whether a blank line goes between two neighbouring items of a body.
fn blank_between(before: &Item, after: &Item) -> bool {
    match (before, after) {
        (Item::Comment(_), _) => false,
        (Item::Block(_), _) | (_, Item::Block(_) | Item::Comment(_)) => true,
        (Item::Attribute { .. }, Item::Attribute { .. }) => false,
    }
}

fn write_body(out: &mut String, body: &Body, level: usize) {
    let items = &body.items;
    let mut i = 0;
    while i < items.len() {
        if i > 0 && blank_between(&items[i - 1], &items[i]) {
            out.push('\n');
        }
        match &items[i] {
            Item::Attribute { .. } => {
                // A run of attributes: printed together so one-line ones align.
                let start = i;
                while i < items.len() && matches!(items[i], Item::Attribute { .. }) {
                    i += 1;
                }
                let entries: Vec<(&str, &Expr)> = items[start..i]
                    .iter()
                    .filter_map(|item| match item {
                        Item::Attribute { name, value } => Some((name.as_ref(), value)),
                        _ => None,
                    })
                    .collect();
                write_entries(out, &entries, level);
                continue;
            }
            Item::Block(block) => write_block(out, block, level),
            Item::Comment(text) => {
                for line in text.split('\n') {
                    indent(out, level);
                    let line: String = line
                        .chars()
                        .map(|c| if c.is_control() { ' ' } else { c })
                        .collect();
                    let line = line.trim_end();
                    if line.is_empty() {
                        out.push_str("#\n");
                    } else {
                        out.push_str("# ");
                        out.push_str(line);
                        out.push('\n');
                    }
                }
            }
        }
        i += 1;
    }
}

fn write_block(out: &mut String, block: &Block, level: usize) {
    indent(out, level);
    out.push_str(&block.kind);
    for label in &block.labels {
        out.push_str(" \"");
        escape(out, label, true);
        out.push('"');
    }
    if block.body.is_empty() {
        out.push_str(" {}\n");
        return;
    }
    out.push_str(" {\n");
    write_body(out, &block.body, level + 1);
    indent(out, level);
    out.push_str("}\n");
}

/// `key = value` lines, each ending with a newline; keys are already written (bare or
/// quoted, so ASCII). One-line entries in a row align their `=`.
fn write_entries(out: &mut String, entries: &[(&str, &Expr)], level: usize) {
    let inline: Vec<bool> = entries.iter().map(|(_, v)| is_inline(v)).collect();
    let mut i = 0;
    while i < entries.len() {
        if !inline[i] {
            indent(out, level);
            out.push_str(entries[i].0);
            out.push_str(" = ");
            write_multi(out, entries[i].1, level);
            out.push('\n');
            i += 1;
            continue;
        }
        let start = i;
        while i < entries.len() && inline[i] {
            i += 1;
        }
        let width = entries[start..i]
            .iter()
            .map(|(k, _)| k.len())
            .max()
            .unwrap_or(0);
        for (key, value) in &entries[start..i] {
            indent(out, level);
            out.push_str(key);
            for _ in key.len()..width {
                out.push(' ');
            }
            out.push_str(" = ");
            write_flat(out, value);
            out.push('\n');
        }
    }
}

/// An object key as written: bare when an identifier, else quoted.
fn key(text: &str) -> Cow<'_, str> {
    if is_identifier(text) && !KEYWORDS.contains(&text) {
        Cow::Borrowed(text)
    } else {
        let mut quoted = String::with_capacity(text.len() + 2);
        quoted.push('"');
        escape(&mut quoted, text, true);
        quoted.push('"');
        Cow::Owned(quoted)
    }
}

/// Whether an expression is written on one line: anything but a non-empty object, a list
/// holding one or longer than [`INLINE_LIST_WIDTH`], or a call of a multi-line argument.
fn is_inline(expr: &Expr) -> bool {
    match expr {
        Expr::List(items) => {
            let simple = items
                .iter()
                .all(|e| !matches!(e, Expr::Object(o) if !o.is_empty()) && is_inline(e));
            simple
                && (items.len() < 2 || {
                    let mut width = Width(0);
                    write_flat(&mut width, expr);
                    width.0 <= INLINE_LIST_WIDTH
                })
        }
        Expr::Object(entries) => entries.is_empty(),
        Expr::Call(_, args) => args.iter().all(is_inline),
        _ => true,
    }
}

/// Any expression on one line (used inside interpolations too, where there is no other
/// form).
fn write_flat<S: Sink>(out: &mut S, expr: &Expr) {
    match expr {
        Expr::Null => out.text("null"),
        Expr::Bool(b) => out.text(if *b { "true" } else { "false" }),
        Expr::Number(n) => {
            let text = match n {
                Number::Int(i) => i.to_string(),
                Number::Uint(u) => u.to_string(),
                Number::Float(f) => format!("{f}"),
                Number::Text(t) => t.clone(),
            };
            out.text(&text);
        }
        Expr::Str(text) => {
            out.char('"');
            escape(out, text, false);
            out.char('"');
        }
        Expr::Template(parts) => write_template(out, parts),
        Expr::Traversal(dotted) => out.text(dotted),
        Expr::List(items) => {
            out.char('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.text(", ");
                }
                write_flat(out, item);
            }
            out.char(']');
        }
        Expr::Object(entries) if entries.is_empty() => out.text("{}"),
        Expr::Object(entries) => {
            out.text("{ ");
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.text(", ");
                }
                out.text(&key(k));
                out.text(" = ");
                write_flat(out, v);
            }
            out.text(" }");
        }
        Expr::Call(name, args) => {
            out.text(name);
            out.char('(');
            for (i, arg) in args.iter().enumerate() {
                if i > 0 {
                    out.text(", ");
                }
                write_flat(out, arg);
            }
            out.char(')');
        }
    }
}

/// Writes a value that has no one-line form, from the current column; it ends at its
/// closing bracket (no newline).
fn write_multi(out: &mut String, expr: &Expr, level: usize) {
    match expr {
        Expr::List(items) => {
            out.push_str("[\n");
            for item in items {
                indent(out, level + 1);
                if is_inline(item) {
                    write_flat(out, item);
                } else {
                    write_multi(out, item, level + 1);
                }
                out.push_str(",\n");
            }
            indent(out, level);
            out.push(']');
        }
        Expr::Object(entries) => {
            out.push_str("{\n");
            let keys: Vec<Cow<'_, str>> = entries.iter().map(|(k, _)| key(k)).collect();
            let keyed: Vec<(&str, &Expr)> = keys
                .iter()
                .zip(entries)
                .map(|(k, (_, v))| (k.as_ref(), v))
                .collect();
            write_entries(out, &keyed, level + 1);
            indent(out, level);
            out.push('}');
        }
        Expr::Call(name, args) => {
            out.push_str(name);
            out.push('(');
            for (i, arg) in args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                if is_inline(arg) {
                    write_flat(out, arg);
                } else {
                    write_multi(out, arg, level);
                }
            }
            out.push(')');
        }
        other => write_flat(out, other),
    }
}

/// A quoted template; one interpolation alone is the bare expression, as `terraform fmt`
/// writes it.
fn write_template<S: Sink>(out: &mut S, parts: &[Part]) {
    // Adjacent literals are merged first: escaping looks across their boundary.
    let merge = parts
        .iter()
        .any(|p| matches!(p, Part::Lit(s) if s.is_empty()))
        || parts
            .windows(2)
            .any(|w| matches!(w, [Part::Lit(_), Part::Lit(_)]));
    let merged: Cow<'_, [Part]> = if merge {
        let mut merged: Vec<Part> = Vec::new();
        for part in parts {
            match (merged.last_mut(), part) {
                (_, Part::Lit(s)) if s.is_empty() => {}
                (Some(Part::Lit(prev)), Part::Lit(next)) => prev.push_str(next),
                _ => merged.push(part.clone()),
            }
        }
        Cow::Owned(merged)
    } else {
        Cow::Borrowed(parts)
    };
    if let [Part::Interp(expr)] = merged.as_ref() {
        write_flat(out, expr);
        return;
    }
    out.char('"');
    for (i, part) in merged.iter().enumerate() {
        match part {
            Part::Lit(text) => {
                let before_interp = matches!(merged.get(i + 1), Some(Part::Interp(_)));
                let kept = if before_interp {
                    text.trim_end_matches('$')
                } else {
                    text
                };
                escape(out, kept, false);
                let dollars = text.len() - kept.len();
                if dollars > 0 {
                    out.text("${\"");
                    for _ in 0..dollars {
                        out.char('$');
                    }
                    out.text("\"}");
                }
            }
            Part::Interp(expr) => {
                out.text("${");
                write_flat(out, expr);
                out.char('}');
            }
        }
    }
    out.char('"');
}

/// Writes text escaped for a quoted template; with `ascii_only` (keys and labels), every
/// character outside ASCII as `\uXXXX` (or `\UXXXXXXXX`), so that its width in columns is
/// its length.
fn escape<S: Sink>(out: &mut S, text: &str, ascii_only: bool) {
    let mut rest = text;
    // Runs of plain characters are copied whole.
    while let Some(at) = rest.find(|c: char| {
        matches!(c, '\\' | '"' | '$' | '%') || c.is_control() || (ascii_only && !c.is_ascii())
    }) {
        out.text(&rest[..at]);
        let mut chars = rest[at..].chars();
        let c = chars.next().unwrap_or_default();
        let next = chars.next();
        match c {
            '\\' => out.text("\\\\"),
            '"' => out.text("\\\""),
            '\n' => out.text("\\n"),
            '\r' => out.text("\\r"),
            '\t' => out.text("\\t"),
            '$' | '%' => {
                out.char(c);
                if next == Some('{') {
                    out.char(c);
                }
            }
            c => {
                let code = u32::from(c);
                let mut buf = [0u8; 10];
                let hex = if code > 0xFFFF {
                    format_hex(&mut buf, b'U', code, 8)
                } else {
                    format_hex(&mut buf, b'u', code, 4)
                };
                out.text(hex);
            }
        }
        rest = &rest[at + c.len_utf8()..];
    }
    out.text(rest);
}

/// `\uXXXX` or `\UXXXXXXXX` into a buffer.
fn format_hex(buf: &mut [u8; 10], letter: u8, code: u32, digits: usize) -> &str {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    buf[0] = b'\\';
    buf[1] = letter;
    for i in 0..digits {
        let shift = 4 * (digits - 1 - i);
        buf[2 + i] = HEX[((code >> shift) & 0xF) as usize];
    }
    std::str::from_utf8(&buf[..2 + digits]).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    //! Every expected text here was checked with `terraform fmt -check` (Terraform 1.11):
    //! fmt leaves it unchanged.
    use super::*;

    fn flat(expr: &Expr) -> String {
        let mut out = String::new();
        write_flat(&mut out, expr);
        out
    }

    fn resource(kind: &str, name: &str, build: impl FnOnce(&mut Body)) -> Body {
        let mut file = Body::new();
        file.block(Block::new("resource", &[kind, name]).with(build));
        file
    }

    #[test]
    fn escapes_quotes_backslashes_newlines_and_template_markers() {
        assert_eq!(
            flat(&Expr::string(
                "a \"q\" \\ ${x} %{if} $5 %d\n\r\t\u{1}\u{7f}é"
            )),
            r#""a \"q\" \\ $${x} %%{if} $5 %d\n\r\t\u0001\u007Fé""#
        );
        // `$${` in the value: each `${` is escaped on its own.
        assert_eq!(flat(&Expr::string("$${z}")), r#""$$${z}""#);
        assert_eq!(flat(&Expr::string("")), r#""""#);
    }

    #[test]
    fn templates_interpolate_and_guard_dollars_before_interpolations() {
        let t = Expr::Template(vec![
            Part::Lit("arn:".into()),
            Part::Interp(Expr::reference("data.aws_partition.current.partition")),
            Part::Lit(":s3:::b/${x}/{id}".into()),
        ]);
        assert_eq!(
            flat(&t),
            r#""arn:${data.aws_partition.current.partition}:s3:::b/$${x}/{id}""#
        );
        let t = Expr::Template(vec![
            Part::Lit("cost$$".into()),
            Part::Interp(Expr::reference("var.x")),
            Part::Lit("$".into()),
        ]);
        assert_eq!(flat(&t), r#""cost${"$$"}${var.x}$""#);
        // One interpolation alone is the bare expression.
        let t = Expr::Template(vec![
            Part::Lit(String::new()),
            Part::Interp(Expr::reference("aws_sqs_queue.jobs.url")),
        ]);
        assert_eq!(flat(&t), "aws_sqs_queue.jobs.url");
    }

    #[test]
    fn keys_are_bare_identifiers_or_quoted_ascii() {
        assert_eq!(key("TABLE"), "TABLE");
        assert_eq!(key("_x-y"), "_x-y");
        assert_eq!(key("for"), "\"for\"");
        assert_eq!(key("updraft:app"), "\"updraft:app\"");
        assert_eq!(key("1a"), "\"1a\"");
        assert_eq!(key("é👍"), "\"\\u00E9\\U0001F44D\"");
    }

    #[test]
    fn aligns_runs_of_one_line_attributes() {
        let file = resource("aws_lambda_function", "get_photo", |b| {
            b.attr("function_name", "x")
                .attr("role", Expr::reference("aws_iam_role.get_photo.arn"))
                .attr("tags", Expr::object([("updraft:app", Expr::from("a"))]))
                .attr("memory_size", 256u32)
                .attr("timeout", 10u32);
            b.nested("tracing_config", |t| {
                t.attr("mode", "Active");
            });
            b.attr(
                "depends_on",
                Expr::list([Expr::reference("aws_iam_role_policy.x")]),
            );
        });
        assert_eq!(
            to_string(&file),
            r#"resource "aws_lambda_function" "get_photo" {
  function_name = "x"
  role          = aws_iam_role.get_photo.arn
  tags = {
    "updraft:app" = "a"
  }
  memory_size = 256
  timeout     = 10

  tracing_config {
    mode = "Active"
  }

  depends_on = [aws_iam_role_policy.x]
}
"#
        );
    }

    #[test]
    fn nests_calls_lists_and_objects() {
        let statement = Expr::object([
            ("Sid", Expr::from("Logs")),
            ("Effect", Expr::from("Allow")),
            (
                "Action",
                Expr::strings(["logs:CreateLogStream", "logs:PutLogEvents"]),
            ),
            (
                "Resource",
                Expr::strings([
                    "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/app-fn:log-stream:*",
                ]),
            ),
            (
                "Condition",
                Expr::object([(
                    "StringLike",
                    Expr::object([("s3:prefix", Expr::strings(["a*"]))]),
                )]),
            ),
        ]);
        let file = resource("aws_iam_role_policy", "fn", |b| {
            b.attr("name", "least-privilege")
                .attr("role", Expr::reference("aws_iam_role.fn.id"));
            b.attr(
                "policy",
                Expr::jsonencode(Expr::object([
                    ("Version", Expr::from("2012-10-17")),
                    ("Statement", Expr::list([statement])),
                    ("Empty", Expr::list([])),
                    ("Nothing", Expr::object(Vec::<(String, Expr)>::new())),
                    (
                        "Numbers",
                        Expr::list([Expr::from(1u32), Expr::from(-3i64), Expr::float(0.5)]),
                    ),
                    (
                        "Long",
                        Expr::strings([
                            "dynamodb:BatchGetItem",
                            "dynamodb:ConditionCheckItem",
                            "dynamodb:GetItem",
                            "dynamodb:Query",
                        ]),
                    ),
                ])),
            );
        });
        assert_eq!(
            to_string(&file),
            r#"resource "aws_iam_role_policy" "fn" {
  name = "least-privilege"
  role = aws_iam_role.fn.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "Logs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/app-fn:log-stream:*"]
        Condition = {
          StringLike = {
            "s3:prefix" = ["a*"]
          }
        }
      },
    ]
    Empty   = []
    Nothing = {}
    Numbers = [1, -3, 0.5]
    Long = [
      "dynamodb:BatchGetItem",
      "dynamodb:ConditionCheckItem",
      "dynamodb:GetItem",
      "dynamodb:Query",
    ]
  })
}
"#
        );
    }

    #[test]
    fn blocks_comments_and_labels() {
        let mut file = Body::new();
        file.comment("Function `a`:\nits role");
        file.block(Block::new("data", &["aws_region", "current"]));
        file.block(Block::new("variable", &["x"]).with(|b| {
            b.attr("type", Expr::reference("string"));
            b.comment("no default");
            b.attr("nullable", false);
        }));
        file.block(Block::new("locals", &[]).with(|b| {
            b.attr(
                "tags",
                Expr::object([
                    ("updraft:app", Expr::from("a")),
                    ("é", Expr::from("b")),
                    ("k", Expr::Null),
                ]),
            );
        }));
        assert_eq!(
            to_string(&file),
            r#"# Function `a`:
# its role
data "aws_region" "current" {}

variable "x" {
  type = string

  # no default
  nullable = false
}

locals {
  tags = {
    "updraft:app" = "a"
    "\u00E9"      = "b"
    k             = null
  }
}
"#
        );
    }

    #[test]
    fn json_values_become_expressions() {
        let v = serde_json::json!({ "StringEquals": { "ses:FromAddress": "a@b", "n": 1.5, "t": true, "z": null, "l": [] } });
        assert_eq!(
            flat(&Expr::from(&v)),
            r#"{ StringEquals = { "ses:FromAddress" = "a@b", n = 1.5, t = true, z = null, l = [] } }"#
        );
    }
}
