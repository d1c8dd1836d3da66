//! The only writer of bytes: serializers for every output format and atomic file writes.
//! Every format is deterministic: maps keep the order the output model gives them (sorted
//! or fixed), numbers and strings are written the same way on every machine.

pub mod folder;
pub mod hcl;
mod yaml;

use std::io;
use std::path::Path;

use serde::Serialize;

pub use yaml::to_string as yaml_string;

/// Pretty JSON (two-space indent) with a final newline. Besides what JSON requires, the
/// characters in [`escaped_everywhere`] are written as `\uXXXX`: JSON allows them raw, but
/// cfn-lint (which reads JSON with a YAML reader) refuses a template that holds one.
#[must_use]
pub fn json<T: Serialize>(value: &T) -> Vec<u8> {
    let out = serde_json::to_string_pretty(value).expect("output models always serialize");
    let mut out = if out.chars().any(escaped_everywhere) {
        // serde_json escapes every control below U+0020 already; these can only be inside
        // strings, where `\uXXXX` means the same character.
        let mut escaped = String::with_capacity(out.len() + 16);
        for c in out.chars() {
            if escaped_everywhere(c) {
                let _ =
                    std::fmt::Write::write_fmt(&mut escaped, format_args!("\\u{:04x}", c as u32));
            } else {
                escaped.push(c);
            }
        }
        escaped.into_bytes()
    } else {
        out.into_bytes()
    };
    out.push(b'\n');
    out
}

/// Characters every output writes as an escape: controls (C0, DEL, C1), the Unicode line and
/// paragraph separators, and the noncharacters U+FFFE and U+FFFF, none of which YAML allows
/// raw and some readers (cfn-lint) refuse even in JSON.
#[must_use]
pub fn escaped_everywhere(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{fffe}' | '\u{ffff}')
        && !matches!(c, '\n' | '\t' | '\r')
}

/// YAML in block style, with every string that YAML 1.1 or 1.2 could read as something
/// else quoted.
#[must_use]
pub fn yaml<T: Serialize>(value: &T) -> Vec<u8> {
    let value = serde_json::to_value(value).expect("output models always serialize");
    yaml::to_string(&value).into_bytes()
}

/// Writes one file atomically: a temporary with an unpredictable name beside it (created
/// with `create_new`, so a planted file or link is never written through), synced, then
/// renamed over it. A reader never sees a partial file. (`--out` folders: [`folder`].)
///
/// # Errors
/// Any I/O error; the temporary file is removed on failure.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    folder::write_file(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_what_yaml_readers_refuse_and_keeps_the_value() {
        let value = serde_json::json!({ "d": "a\u{7f}b\u{85}c\u{80}d\u{9f}\u{2028}\u{ffff}é\n" });
        let text = String::from_utf8(json(&value)).unwrap();
        assert_eq!(
            text,
            "{\n  \"d\": \"a\\u007fb\\u0085c\\u0080d\\u009f\\u2028\\uffffé\\n\"\n}\n"
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
        let yaml = String::from_utf8(yaml(&value)).unwrap();
        assert_eq!(
            yaml,
            "d: \"a\\u007fb\\u0085c\\u0080d\\u009f\\u2028\\uffffé\\n\"\n"
        );
    }
}
