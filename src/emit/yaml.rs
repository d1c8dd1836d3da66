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
            push_inline(&mut out, scalar);
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
        push_string(out, key);
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
            push_inline(out, scalar);
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
        push_string(out, key);
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
                push_inline(out, scalar);
                out.push('\n');
            }
        }
    }
}

fn push_inline(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => push_string(out, s),
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

/// Words that some YAML reader takes for a boolean or null, and those Rust's float parser
/// reads as a number (a plain scalar starts with a letter, so only these can be one).
const SPECIAL: &[&str] = &[
    "y", "n", "yes", "no", "true", "false", "on", "off", "null", "~", "inf", "infinity", "nan",
];

fn plain_ok(s: &str) -> bool {
    let Some(first) = s.bytes().next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == b'/')
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'/' | b'-'))
        && !SPECIAL.iter().any(|w| w.eq_ignore_ascii_case(s))
}

fn push_string(out: &mut String, s: &str) {
    if plain_ok(s) {
        out.push_str(s);
        return;
    }
    out.reserve(s.len() + 2);
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
    fn words_a_float_parser_reads_are_quoted() {
        let value = json!(["inf", "NaN", "Infinity", "info", "nano"]);
        assert_eq!(
            to_string(&value),
            "- \"inf\"\n- \"NaN\"\n- \"Infinity\"\n- info\n- nano\n"
        );
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
