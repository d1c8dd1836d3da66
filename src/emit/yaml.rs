//! A small YAML writer for JSON-shaped values. Block style, two-space indent; a string is
//! written plain only when no YAML 1.1 or 1.2 reader could take it for anything else,
//! otherwise double-quoted with JSON escapes (valid YAML).

use std::fmt::Write;

use serde_json::Value;

#[must_use]
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => block_map(&mut out, map, 0),
        Value::Array(items) if !items.is_empty() => block_seq(&mut out, items, 0),
        scalar => {
            out.push_str(&inline(scalar));
            out.push('\n');
        }
    }
    out
}

fn indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn block_map(out: &mut String, map: &serde_json::Map<String, Value>, level: usize) {
    for (i, (key, value)) in map.iter().enumerate() {
        if i > 0 || level > 0 {
            indent(out, level);
        }
        out.push_str(&string(key));
        out.push(':');
        value_after_key(out, value, level);
    }
}

fn value_after_key(out: &mut String, value: &Value, level: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            indent(out, level + 2);
            block_map_first_inline(out, map, level + 2);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            indent(out, level);
            block_seq_first_inline(out, items, level);
        }
        scalar => {
            out.push(' ');
            out.push_str(&inline(scalar));
            out.push('\n');
        }
    }
}

/// A map whose first key is already indented.
fn block_map_first_inline(out: &mut String, map: &serde_json::Map<String, Value>, level: usize) {
    for (i, (key, value)) in map.iter().enumerate() {
        if i > 0 {
            indent(out, level);
        }
        out.push_str(&string(key));
        out.push(':');
        value_after_key(out, value, level);
    }
}

fn block_seq(out: &mut String, items: &[Value], level: usize) {
    block_seq_first_inline(out, items, level);
}

/// A sequence whose first dash is already indented.
fn block_seq_first_inline(out: &mut String, items: &[Value], level: usize) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            indent(out, level);
        }
        out.push_str("- ");
        match item {
            Value::Object(map) if !map.is_empty() => block_map_first_inline(out, map, level + 2),
            Value::Array(inner) if !inner.is_empty() => {
                block_seq_first_inline(out, inner, level + 2);
            }
            scalar => {
                out.push_str(&inline(scalar));
                out.push('\n');
            }
        }
    }
}

fn inline(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string(s),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
    }
}

/// Words that some YAML reader takes for a boolean or null.
const SPECIAL: &[&str] = &[
    "y", "n", "yes", "no", "true", "false", "on", "off", "null", "~",
];

fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == '/')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./-".contains(c))
        && !SPECIAL.contains(&s.to_ascii_lowercase().as_str())
        && s.parse::<f64>().is_err()
}

fn string(s: &str) -> String {
    if plain_ok(s) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if super::escaped_everywhere(c) || c == '\u{85}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn writes_block_yaml_and_quotes_what_is_ambiguous() {
        let value = json!({
            "a": "plain-text",
            "b": ["yes", "1.5", "x: y", "", "line\nbreak", 3, true, null],
            "c": { "d": [ { "e": 1, "f": "Off" } ], "empty": {}, "none": [] },
        });
        let expected = "\
a: plain-text
b:
- \"yes\"
- \"1.5\"
- \"x: y\"
- \"\"
- \"line\\nbreak\"
- 3
- true
- null
c:
  d:
  - e: 1
    f: \"Off\"
  empty: {}
  none: []
";
        assert_eq!(to_string(&value), expected);
    }

    #[test]
    fn round_trips_through_a_yaml_parser() {
        let value = json!({
            "Resources": { "Fn": { "Properties": { "Env": { "X": "${a} %{b} \"q\" \\ \n tab\t", "Y": "#hash", "Z": "- dash" } } } },
            "List": [ [1, 2], { "k": [] } ],
        });
        let text = to_string(&value);
        let back: Value = serde_saphyr::from_str(&text).unwrap();
        assert_eq!(back, value, "{text}");
    }
}
