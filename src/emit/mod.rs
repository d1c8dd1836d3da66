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

/// Pretty JSON (two-space indent) with a final newline.
#[must_use]
pub fn json<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(value).expect("output models always serialize");
    out.push(b'\n');
    out
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
