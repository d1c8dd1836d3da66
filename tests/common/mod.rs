//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test binary uses its own part of these helpers

use std::path::{Path, PathBuf};

use updraft::source::SourceFile;

pub struct Fixture {
    pub name: String,
    pub path: PathBuf,
    pub file: SourceFile,
}

impl Fixture {
    /// The value of a `# key: value` line at the top of the file.
    pub fn header(&self, key: &str) -> Option<String> {
        let prefix = format!("# {key}:");
        self.file
            .text()
            .lines()
            .take_while(|l| l.starts_with('#'))
            .find_map(|l| l.strip_prefix(&prefix).map(|v| v.trim().to_string()))
    }
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.yaml` file in a folder (relative to the root), sorted by name.
pub fn fixtures(dir: &str) -> Vec<Fixture> {
    let dir = root().join(dir);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    paths.into_iter().map(|p| load(&p)).collect()
}

pub fn load(path: &Path) -> Fixture {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let relative = path
        .strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string();
    Fixture {
        name: path
            .file_stem()
            .expect("file name")
            .to_string_lossy()
            .into_owned(),
        path: path.to_path_buf(),
        file: SourceFile::new(relative, text),
    }
}

/// Every example spec: `examples/<name>/updraft.yaml`, sorted.
pub fn examples() -> Vec<Fixture> {
    let dir = root().join("examples");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("examples/")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.join("updraft.yaml").is_file())
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|d| {
            let mut f = load(&d.join("updraft.yaml"));
            f.name = d.file_name().expect("name").to_string_lossy().into_owned();
            f
        })
        .collect()
}

/// A reviewed snapshot under `snapshots/<group>/`. With `UPDRAFT_SNAPSHOT_LOG` set (as
/// `.ci/run` sets it), its path is appended to that file, so that CI can reject snapshot files
/// no test asserts any more (`scripts/check-snapshots`).
pub fn snapshot(group: &str, name: &str, text: &str) {
    if let Some(log) = std::env::var_os("UPDRAFT_SNAPSHOT_LOG") {
        use std::io::Write as _;
        let line = format!("snapshots/{group}/{name}.snap\n");
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .and_then(|mut f| f.write_all(line.as_bytes()))
            .unwrap_or_else(|e| panic!("UPDRAFT_SNAPSHOT_LOG: {e}"));
    }
    insta::with_settings!({
        snapshot_path => root().join("snapshots").join(group),
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name.to_string(), text);
    });
}

/// A conformance checker from `../shared/conformance/bin`, or `None` with a printed reason
/// (the test then reports a skip, never a silent pass). With `UPDRAFT_REQUIRE_CONFORMANCE`
/// set, as `.ci/run` sets it, a missing checker fails the test instead.
pub fn checker(name: &str) -> Option<PathBuf> {
    let skip = |why: String| {
        assert!(
            std::env::var_os("UPDRAFT_REQUIRE_CONFORMANCE").is_none(),
            "conformance required but unavailable: {why}"
        );
        eprintln!("SKIP: {why}");
        None
    };
    let kit = root().join("../shared/conformance");
    let bin = kit.join("bin").join(name);
    if !bin.is_file() {
        return skip(format!(
            "{} not found (the conformance kit is not beside the project)",
            bin.display()
        ));
    }
    let tools = std::env::var_os("UPDRAFT_TOOLS")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/updraft-conformance"))
        });
    let installed = tools.is_some_and(|t| t.join("venv/bin/cfn-lint").is_file());
    if !installed {
        return skip(
            "conformance validators are not installed: run ../shared/conformance/setup.sh".into(),
        );
    }
    Some(bin)
}

/// A valid spec (in a stage) through the one entry point; panics with the rendered
/// diagnostics when it is invalid.
pub fn compilation(file: &SourceFile, stage: Option<&str>) -> updraft::Compilation {
    let options = updraft::Options {
        stage: stage.map(str::to_string),
        ..updraft::Options::default()
    };
    updraft::Compilation::new(file, &options).unwrap_or_else(|d| {
        panic!(
            "{} (stage {stage:?}) is invalid:\n{}",
            file.name(),
            updraft::diag::render::human(Some(file), &d, false)
        )
    })
}

/// Runs the CLI in-process, as a user types it (with `--color never`): status, stdout, stderr.
pub fn updraft(args: &[&str]) -> (updraft::cli::ExitStatus, String, String) {
    use clap::Parser as _;
    let mut argv = vec!["updraft", "--color", "never"];
    argv.extend_from_slice(args);
    let cli = updraft::cli::Cli::try_parse_from(&argv).unwrap_or_else(|e| panic!("{args:?}: {e}"));
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let status = updraft::cli::run(&cli, &mut out, &mut err);
    (
        status,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

/// Runs a conformance checker on files: whether it passed, and everything it printed.
pub fn run_checker(checker: &Path, files: &[PathBuf]) -> (bool, String) {
    let out = std::process::Command::new(checker)
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", checker.display()));
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), report)
}
