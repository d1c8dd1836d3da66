//! Reading spec types from the spanned YAML tree while collecting every problem.
//!
//! serde stops at the first error, which would show users one mistake per run. Here each
//! value is read on its own: a wrong value is reported and skipped, its siblings are still
//! read, and unknown keys are listed with the closest known key.

use std::collections::BTreeMap;
use std::ops::Deref;

use crate::diag::{Code, Diagnostic, suggest};
use crate::source::Span;
use crate::syntax::{Node, NodeKind};

/// Collects diagnostics while reading.
#[derive(Default)]
pub struct Cx {
    pub diagnostics: Vec<Diagnostic>,
}

impl Cx {
    pub fn error(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    pub fn wrong_type(&mut self, node: &Node, expected: &str) {
        let quoted_scalar = matches!(&node.kind, NodeKind::Str(s) if s.parse::<f64>().is_ok() || s == "true" || s == "false");
        let help = if quoted_scalar {
            "remove the quotes: quoted values are strings".to_string()
        } else if expected.contains("list") {
            "write a list: `[a, b]`, or one `- item` per line".to_string()
        } else if expected.contains("mapping") {
            "write `key: value` pairs here, indented under the key".to_string()
        } else {
            format!("this key takes {expected}; `updraft schema` describes every key")
        };
        self.error(
            Diagnostic::new(
                Code::WrongType,
                format!("expected {expected}, found {}", node.kind.describe()),
            )
            .with_label(node.span, format!("expected {expected}"))
            .with_help(help),
        );
    }

    /// The entries of a mapping, or a wrong-type diagnostic.
    pub fn map<'n>(&mut self, node: &'n Node, expected: &str) -> Option<&'n [(Node, Node)]> {
        if let NodeKind::Map(entries) = &node.kind {
            Some(entries)
        } else {
            self.wrong_type(node, expected);
            None
        }
    }

    pub fn unknown_key(&mut self, key: &Node, name: &str, known: &[&str], what: &str) {
        let mut diagnostic =
            Diagnostic::new(Code::UnknownKey, format!("unknown key `{name}` in {what}"))
                .with_label(key.span, "not a key of this section");
        diagnostic = match suggest(name, known.iter().copied()) {
            Some(close) => diagnostic.with_help(format!("did you mean `{close}`?")),
            None => diagnostic.with_help(format!("expected one of {}", list(known))),
        };
        self.error(diagnostic);
    }

    pub fn missing_key(&mut self, node: &Node, name: &str, what: &str) {
        self.error(
            Diagnostic::new(Code::MissingKey, format!("{what} needs `{name}`"))
                .with_label(node.span, format!("`{name}` missing here"))
                .with_help(format!("add `{name}:` here")),
        );
    }
}

/// Formats names as a readable list: `a`, `b` or `c`.
#[must_use]
pub fn list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => format!("`{one}`"),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(|n| format!("`{n}`")).collect();
            format!("{} or `{last}`", init.join(", "))
        }
    }
}

/// A type that can be read from a spanned YAML node.
pub trait FromNode: Sized {
    /// Reads the value, reporting every problem to `cx`; `None` when it could not be read.
    fn from_node(node: &Node, cx: &mut Cx) -> Option<Self>;

    /// The value when the key is absent: `None` makes the key required.
    fn absent() -> Option<Self> {
        None
    }
}

/// A value with the span of the text it was read from. Derefs to the value.
#[derive(Clone, Debug)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Self { value, span }
    }
}

impl<T> Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: FromNode> FromNode for Spanned<T> {
    fn from_node(node: &Node, cx: &mut Cx) -> Option<Self> {
        T::from_node(node, cx).map(|value| Spanned::new(value, node.span))
    }
    fn absent() -> Option<Self> {
        T::absent().map(|value| Spanned::new(value, Span::default()))
    }
}

impl<T: schemars::JsonSchema> schemars::JsonSchema for Spanned<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

impl<T: FromNode> FromNode for Option<T> {
    fn from_node(node: &Node, cx: &mut Cx) -> Option<Self> {
        match node.kind {
            NodeKind::Null => Some(None),
            _ => T::from_node(node, cx).map(Some),
        }
    }
    fn absent() -> Option<Self> {
        Some(None)
    }
}

impl FromNode for String {
    fn from_node(node: &Node, cx: &mut Cx) -> Option<Self> {
        if let NodeKind::Str(s) = &node.kind {
            Some(s.clone())
        } else {
            cx.wrong_type(node, "a string");
            None
        }
    }
}

impl FromNode for bool {
    fn from_node(node: &Node, cx: &mut Cx) -> Option<Self> {
        if let NodeKind::Bool(b) = node.kind {
            Some(b)
        } else {
            cx.wrong_type(node, "`true` or `false`");
            None
        }
    }
}

impl FromNode for u32 {
    fn from_node(node: &Node, cx: &mut Cx) -> Option<Self> {
        if let NodeKind::Int(n) = node.kind {
            if let Ok(n) = u32::try_from(n) {
                Some(n)
            } else {
                cx.error(
                    Diagnostic::new(Code::OutOfRange, format!("{n} is out of range"))
                        .with_label(node.span, "expected a whole number from 0 to 4294967295")
                        .with_help("use a smaller, non-negative whole number"),
                );
                None
            }
        } else {
            cx.wrong_type(node, "a whole number");
            None
        }
    }
}

impl FromNode for f64 {
    fn from_node(node: &Node, cx: &mut Cx) -> Option<Self> {
        match node.kind {
            NodeKind::Int(n) => Some(n as f64),
            NodeKind::Float(f) if f.is_finite() => Some(f),
            _ => {
                cx.wrong_type(node, "a number");
                None
            }
        }
    }
}

impl<T: FromNode> FromNode for Vec<T> {
    fn from_node(node: &Node, cx: &mut Cx) -> Option<Self> {
        match &node.kind {
            // Items that cannot be read are reported and left out; the rest are still checked.
            NodeKind::Seq(items) => {
                Some(items.iter().filter_map(|i| T::from_node(i, cx)).collect())
            }
            _ => {
                cx.wrong_type(node, "a list");
                None
            }
        }
    }
    fn absent() -> Option<Self> {
        Some(Vec::new())
    }
}

/// A mapping from names to values that keeps each name's span and the source order.
/// Lookups by name go through [`Map::get`].
#[derive(Clone, Debug)]
pub struct Map<T> {
    pub entries: Vec<(Spanned<String>, T)>,
    /// Names whose settings could not be read (already reported). Later checks still know
    /// the names exist, so a typo in one resource does not turn every use of it into an error.
    pub failed: Vec<Spanned<String>>,
}

impl<T> Default for Map<T> {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
            failed: Vec::new(),
        }
    }
}

impl<T> Map<T> {
    pub fn iter(&self) -> impl Iterator<Item = (&Spanned<String>, &T)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&T> {
        self.entries
            .iter()
            .find(|(k, _)| k.value == name)
            .map(|(_, v)| v)
    }
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }
}

impl<T: FromNode> FromNode for Map<T> {
    fn from_node(node: &Node, cx: &mut Cx) -> Option<Self> {
        let entries = match &node.kind {
            NodeKind::Map(entries) => entries,
            NodeKind::Null => return Some(Map::default()),
            _ => {
                cx.wrong_type(node, "a mapping of names to settings");
                return None;
            }
        };
        let mut map = Map {
            entries: Vec::with_capacity(entries.len()),
            failed: Vec::new(),
        };
        for (key, value) in entries {
            let name = match &key.kind {
                NodeKind::Str(s) => s.clone(),
                NodeKind::Int(n) => n.to_string(),
                _ => {
                    cx.wrong_type(key, "a name");
                    continue;
                }
            };
            let name = Spanned::new(name, key.span);
            match T::from_node(value, cx) {
                Some(v) => map.entries.push((name, v)),
                None => map.failed.push(name),
            }
        }
        Some(map)
    }
    fn absent() -> Option<Self> {
        Some(Map::default())
    }
}

impl<T: schemars::JsonSchema> schemars::JsonSchema for Map<T> {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("Map_of_{}", T::schema_name()).into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        BTreeMap::<String, T>::json_schema(generator)
    }
}

/// The keys a spec struct cannot do without, as its reader decides.
pub trait Fields {
    fn required() -> Vec<&'static str>;
    /// Every key the mapping has.
    fn keys() -> Vec<&'static str>;
}

/// Makes a struct's schema require exactly the keys its reader requires (schemars would
/// otherwise require every field that is not an `Option`, such as maps that default to empty).
pub fn required_as_read<T: Fields>(schema: &mut schemars::Schema) {
    let required = T::required();
    if required.is_empty() {
        schema.remove("required");
    } else {
        schema.insert("required".into(), required.into());
    }
}

/// Declares a spec struct: the type (with its JSON Schema) and a reader that reports
/// unknown keys, missing keys and bad values of every field, not only the first.
macro_rules! spec_struct {
    (
        $(#[$meta:meta])*
        $what:literal
        pub struct $name:ident {
            $(
                $(#[$fmeta:meta])*
                pub $field:ident : $ty:ty,
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, schemars::JsonSchema)]
        #[schemars(deny_unknown_fields, transform = $crate::spec::read::required_as_read::<$name>)]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )*
            /// Whether reading this mapping reported a problem (an unknown key or a bad
            /// value): later checks skip "missing" errors that would only repeat it.
            #[schemars(skip)]
            // `allow`, not `expect`: the macro makes many structs, and some read it.
            #[allow(dead_code)]
            pub had_errors: bool,
        }

        impl $crate::spec::read::Fields for $name {
            fn required() -> Vec<&'static str> {
                let mut out = Vec::new();
                $(
                    if <$ty as $crate::spec::read::FromNode>::absent().is_none() {
                        out.push(stringify!($field).trim_start_matches("r#"));
                    }
                )*
                out
            }

            fn keys() -> Vec<&'static str> {
                vec![$(stringify!($field).trim_start_matches("r#")),*]
            }
        }

        impl $crate::spec::read::FromNode for $name {
            fn from_node(
                node: &$crate::syntax::Node,
                cx: &mut $crate::spec::read::Cx,
            ) -> Option<Self> {
                let entries = cx.map(node, concat!("a mapping (", $what, ")"))?;
                let known: &[&str] = &[$(stringify!($field).trim_start_matches("r#")),*];
                let errors_before = cx.diagnostics.len();
                $( let mut $field: Option<Option<$ty>> = None; )*
                for (key, value) in entries {
                    let Some(name) = key.as_str() else {
                        cx.wrong_type(key, "a key name");
                        continue;
                    };
                    match name {
                        $( n if n == stringify!($field).trim_start_matches("r#") => {
                            $field = Some(<$ty as $crate::spec::read::FromNode>::from_node(value, cx));
                        } )*
                        other => cx.unknown_key(key, other, known, $what),
                    }
                }
                $(
                    // A value that could not be read is already reported: an optional field
                    // falls back to absent so the rest of the spec can still be checked.
                    let $field: Option<$ty> = match $field {
                        Some(read) => read.or_else(<$ty as $crate::spec::read::FromNode>::absent),
                        None => {
                            let absent = <$ty as $crate::spec::read::FromNode>::absent();
                            if absent.is_none() {
                                cx.missing_key(node, stringify!($field).trim_start_matches("r#"), $what);
                            }
                            absent
                        }
                    };
                )*
                let had_errors = cx.diagnostics.len() > errors_before;
                Some(Self { $( $field: $field?, )* had_errors })
            }
        }
    };
}

/// Declares a string enum: its JSON Schema and a reader with did-you-mean help.
macro_rules! spec_enum {
    (
        $(#[$meta:meta])*
        $what:literal
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, schemars::JsonSchema)]
        pub enum $name {
            $( $(#[$vmeta])* #[schemars(rename = $text)] $variant, )*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $text, )* }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::spec::read::FromNode for $name {
            fn from_node(
                node: &$crate::syntax::Node,
                cx: &mut $crate::spec::read::Cx,
            ) -> Option<Self> {
                let known: &[&str] = &[$($text),*];
                let Some(text) = node.as_str() else {
                    cx.wrong_type(node, concat!("one of the ", $what, " names"));
                    return None;
                };
                match text {
                    $( $text => Some($name::$variant), )*
                    other => {
                        let help = match $crate::diag::suggest(other, known.iter().copied()) {
                            Some(close) => format!("did you mean `{close}`?"),
                            None => format!("expected {}", $crate::spec::read::list(known)),
                        };
                        cx.error(
                            $crate::diag::Diagnostic::new(
                                $crate::diag::Code::InvalidValue,
                                format!(concat!("`{}` is not a valid ", $what), other),
                            )
                            .with_label(node.span, concat!("not a valid ", $what))
                            .with_help(help),
                        );
                        None
                    }
                }
            }
        }
    };
}

pub(crate) use {spec_enum, spec_struct};
