//! What updraft offers CI, shells and editors around the spec: the GitHub Action and the
//! README's workflow pass GitHub's schemas (check-jsonschema's vendored ones), every
//! pre-commit hook runs clean on every example, completion scripts and the man page are
//! generated for every shell, and `check -` reads standard input.

mod common;

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use updraft::cli::ExitStatus;

use common::updraft;

/// check-jsonschema from the conformance kit's virtualenv, or `None` with a SKIP (a failure
/// with UPDRAFT_REQUIRE_CONFORMANCE, as in CI).
fn check_jsonschema() -> Option<PathBuf> {
    let tools = std::env::var_os("UPDRAFT_TOOLS")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/updraft-conformance"))
        })?;
    let bin = tools.join("venv/bin/check-jsonschema");
    if bin.is_file() {
        return Some(bin);
    }
    assert!(
        std::env::var_os("UPDRAFT_REQUIRE_CONFORMANCE").is_none(),
        "conformance required but {} is missing",
        bin.display()
    );
    eprintln!("SKIP: check-jsonschema is not installed: run ../shared/conformance/setup.sh");
    None
}

#[test]
fn the_action_and_the_readme_workflow_pass_github_s_schemas() {
    let root = common::root();
    let workflow = std::fs::read_to_string(root.join("docs/ci/updraft.yml")).unwrap();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(
        readme.contains(&format!("```yaml\n{workflow}```")),
        "README's workflow example differs from docs/ci/updraft.yml"
    );
    let Some(bin) = check_jsonschema() else {
        return;
    };
    for (schema, file) in [
        ("vendor.github-actions", "action.yml"),
        ("vendor.github-workflows", "docs/ci/updraft.yml"),
    ] {
        let out = Command::new(&bin)
            .args(["--builtin-schema", schema])
            .arg(root.join(file))
            .output()
            .expect("run check-jsonschema");
        assert!(
            out.status.success(),
            "{file}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[derive(serde::Deserialize)]
struct Hook {
    id: String,
    entry: String,
    pass_filenames: bool,
}

#[test]
fn every_pre_commit_hook_runs_clean_on_every_example() {
    let text = std::fs::read_to_string(common::root().join(".pre-commit-hooks.yaml")).unwrap();
    let hooks: Vec<Hook> = serde_saphyr::from_str(&text).unwrap();
    let ids: Vec<&str> = hooks.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(
        ids,
        ["updraft-check", "updraft-lint", "updraft-compile-check"]
    );
    let dir = std::env::temp_dir().join(format!("updraft-hooks-{}", std::process::id()));
    for e in common::examples() {
        let spec = e.path.display().to_string();
        let out = dir.join(&e.name).display().to_string();
        let (status, _, err) = updraft(&["compile", &spec, "--target", "terraform", "--out", &out]);
        assert_eq!(status, ExitStatus::Success, "{}: {err}", e.name);
        for hook in &hooks {
            assert!(!hook.pass_filenames, "{}: updraft takes one spec", hook.id);
            let mut argv: Vec<&str> = hook.entry.split_whitespace().skip(1).collect();
            argv.push(&spec);
            if hook.id == "updraft-compile-check" {
                argv.extend(["--target", "terraform", "--out", &out]);
            }
            let (status, _, err) = updraft(&argv);
            assert_eq!(
                status,
                ExitStatus::Success,
                "{} on {}: {err}",
                hook.id,
                e.name
            );
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn completions_for_every_shell_and_the_man_page_are_generated() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let (status, script, err) = updraft(&["completions", shell]);
        assert_eq!(status, ExitStatus::Success, "{shell}: {err}");
        assert!(script.contains("diff-access"), "{shell}: no subcommands");
        if shell == "bash" {
            let mut child = Command::new("bash")
                .args(["-n", "/dev/stdin"])
                .stdin(Stdio::piped())
                .spawn()
                .expect("bash");
            child
                .stdin
                .take()
                .unwrap()
                .write_all(script.as_bytes())
                .unwrap();
            assert!(
                child.wait().unwrap().success(),
                "bash -n rejected the script"
            );
        }
    }
    let (status, man, _) = updraft(&["man"]);
    assert_eq!(status, ExitStatus::Success);
    assert!(man.starts_with(".ie") && man.contains(".TH updraft 1"));
    assert!(man.contains(".SH \"UPDRAFT DIFF-ACCESS\""));
    match Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(mut child) => {
            child
                .stdin
                .take()
                .unwrap()
                .write_all(man.as_bytes())
                .unwrap();
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success());
            assert!(
                out.stderr.is_empty(),
                "groff warnings: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Err(_) => eprintln!("SKIP: groff is not installed: the man page is not rendered"),
    }
}

#[test]
fn check_reads_the_spec_from_standard_input() {
    let spec = std::fs::read(common::root().join("examples/crud-api/updraft.yaml")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_updraft"))
        .args(["check", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("updraft");
    child.stdin.take().unwrap().write_all(&spec).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("<stdin>: app `crud-api` is valid"));
}
