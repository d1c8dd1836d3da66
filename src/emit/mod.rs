//! The only writer of bytes: serializers for every output format and atomic file writes.
//! Every format is deterministic: maps keep the order the output model gives them (sorted
//! or fixed), numbers and strings are written the same way on every machine.

pub mod hcl;
mod yaml;

use std::io::{self, Write};
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

/// Writes a file atomically: a temporary file in the same folder, then a rename, so a
/// reader never sees a partial file.
///
/// # Errors
/// Any I/O error; the temporary file is removed on failure.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let file_name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path has no file name"))?;
    let tmp = dir.join(format!(".{}.updraft-tmp", file_name.to_string_lossy()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
