//! The floor for a whole `updraft compile` process (BENCHMARKS.md, issue 17): what any tool
//! that reads the same spec and writes the same bytes must at least do, timed as a process by
//! `scripts/bench-peers` beside updraft.
//!
//!     floor SPEC REFERENCE OUT
//!
//! 1. reads SPEC and parses it with serde (serde-saphyr into a `serde_json::Value`, no spans,
//!    no checks), then serializes that value to JSON: the spec's serde round trip;
//! 2. reads every file under REFERENCE (updraft's own output for the spec, written before the
//!    timed runs); each `.json` file is parsed into a `serde_json::Value` and serialized back,
//!    the other files (HCL, YAML) are kept as bytes: the output's serde round trip;
//! 3. writes those files under OUT (plain `fs::write`, no temporaries, no manifest, no lock)
//!    and syncs each folder once, as updraft does.
//!
//! Reading REFERENCE is extra work updraft does not do (from the page cache: a few ms at
//! N = 10,000). Without arguments (as under `cargo bench`) it prints this usage and exits.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

fn files(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .expect("the reference folder is readable")
        .map(|e| e.expect("a folder entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files(root, &path, out);
        } else if !path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with(".updraft"))
        {
            out.push(path.strip_prefix(root).expect("under root").to_path_buf());
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [spec, reference, out] = args.as_slice() else {
        eprintln!("usage: floor SPEC REFERENCE OUT (see benches/floor.rs); nothing to do");
        return;
    };
    let start = Instant::now();
    let text = fs::read_to_string(spec).expect("the spec is readable");
    let value: serde_json::Value = serde_saphyr::from_str(&text).expect("the spec is YAML");
    let spec_json = serde_json::to_vec(&value).expect("a value serializes");
    let parsed = start.elapsed();

    let reference = Path::new(reference);
    let mut list = Vec::new();
    files(reference, reference, &mut list);
    let mut outputs = Vec::with_capacity(list.len());
    for rel in list {
        let bytes = fs::read(reference.join(&rel)).expect("a reference file is readable");
        let bytes = if rel.extension().is_some_and(|e| e == "json") {
            let v: serde_json::Value =
                serde_json::from_slice(&bytes).expect("a reference JSON file parses");
            let mut b = serde_json::to_vec_pretty(&v).expect("a value serializes");
            b.push(b'\n');
            b
        } else {
            bytes
        };
        outputs.push((rel, bytes));
    }
    let rendered = start.elapsed();

    let out = Path::new(out);
    let mut folders = std::collections::BTreeSet::new();
    for (rel, bytes) in &outputs {
        let path = out.join(rel);
        let folder = path.parent().expect("a file has a folder").to_path_buf();
        if folders.insert(folder.clone()) {
            fs::create_dir_all(&folder).expect("the output folder can be created");
        }
        fs::write(&path, bytes).expect("an output file can be written");
    }
    for folder in &folders {
        fs::File::open(folder)
            .and_then(|d| d.sync_all())
            .expect("the folder syncs");
    }
    let written = start.elapsed();
    let total: usize = outputs.iter().map(|(_, b)| b.len()).sum();
    println!(
        "{{\"spec_bytes\": {}, \"spec_json_bytes\": {}, \"files\": {}, \"output_bytes\": {total}, \
         \"parse_s\": {:.6}, \"outputs_s\": {:.6}, \"write_s\": {:.6}}}",
        text.len(),
        spec_json.len(),
        outputs.len(),
        parsed.as_secs_f64(),
        rendered.saturating_sub(parsed).as_secs_f64(),
        written.saturating_sub(rendered).as_secs_f64()
    );
}
