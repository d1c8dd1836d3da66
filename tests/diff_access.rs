//! `updraft diff-access` on fixture pairs (tests/fixtures/diff-access/<case>/{old,new}.yaml):
//! the reviewed report of each case (a snapshot), its exit status, JSON that agrees with it,
//! SARIF that passes the SARIF schema, and `--base` reading the old spec from git.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use updraft::cli::ExitStatus;

use common::updraft;

fn case(name: &str) -> (String, String) {
    let dir = Path::new("tests/fixtures/diff-access").join(name);
    let path = |f: &str| dir.join(f).display().to_string();
    (path("old.yaml"), path("new.yaml"))
}

/// (case, exit status with the default `--fail-on widen`, kinds that must appear)
const CASES: &[(&str, ExitStatus, &[&str])] = &[
    (
        "widen",
        ExitStatus::Failure,
        &[
            "route_public",
            "granted",
            "wildcard",
            "bucket_public",
            "function_added",
            "dead_letter_dropped",
        ],
    ),
    // The exact reverse: everything narrows, but restoring the dead letter grants SendMessage.
    (
        "narrow",
        ExitStatus::Failure,
        &[
            "route_protected",
            "revoked",
            "statement_removed",
            "bucket_private",
            "function_removed",
        ],
    ),
    // A renamed function is a new role: its grants are new principals' grants.
    (
        "rename",
        ExitStatus::Failure,
        &["function_removed", "function_added"],
    ),
    // A grant moved to another function widens that function.
    ("move", ExitStatus::Failure, &["revoked", "granted"]),
    // Finer levels: `write` to `put` revokes UpdateItem, DeleteItem and BatchWriteItem;
    // `read` to `read_versions` grants the object-version reads.
    ("levels", ExitStatus::Failure, &["revoked", "granted"]),
    // Sections and keys in another order: nothing changes.
    ("reorder", ExitStatus::Success, &[]),
];

#[test]
fn each_case_reports_its_changes_with_provenance_and_exit_status() {
    std::env::set_current_dir(common::root()).unwrap();
    for (name, status, kinds) in CASES {
        let (old, new) = case(name);
        let (got, human, err) = updraft(&["diff-access", &old, &new]);
        assert_eq!(got, *status, "{name}: {err}");
        common::snapshot("diff-access", name, &human);
        let (_, json, _) = updraft(&["diff-access", &old, &new, "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let found: Vec<&str> = v["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["kind"].as_str().unwrap())
            .collect();
        for kind in *kinds {
            assert!(found.contains(kind), "{name}: no `{kind}` in {found:?}");
        }
        assert_eq!(found.is_empty(), kinds.is_empty(), "{name}: {found:?}");
        // Every change is located on the side it comes from.
        for c in v["changes"].as_array().unwrap() {
            for b in c["because"].as_array().unwrap() {
                let file = b["file"].as_str().unwrap();
                let side = if c["widens"].as_bool().unwrap() {
                    &new
                } else {
                    &old
                };
                if c["kind"] != "bucket_private" && c["kind"] != "route_protected" {
                    assert_eq!(file, side, "{name}: {c}");
                }
                assert!(b["line"].as_u64().unwrap() > 1, "{name}: {c}");
            }
        }
        assert_eq!(v["widens"], *status == ExitStatus::Failure, "{name}");
        let (never, _, _) = updraft(&["diff-access", &old, &new, "--fail-on", "never"]);
        assert_eq!(never, ExitStatus::Success);
        let (any, _, _) = updraft(&["diff-access", &old, &new, "--fail-on", "any"]);
        assert_eq!(any == ExitStatus::Failure, !found.is_empty(), "{name}");
    }
}

#[test]
fn sarif_marks_each_widening_line_and_passes_the_schema() {
    std::env::set_current_dir(common::root()).unwrap();
    let (old, new) = case("widen");
    let (_, sarif, _) = updraft(&["diff-access", &old, &new, "--format", "sarif"]);
    let v: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert!(results.len() >= 6, "{results:?}");
    assert!(results.iter().all(|r| r["ruleId"] == "UD6001"));
    let Some(checker) = common::checker("sarif-check") else {
        return;
    };
    let path = std::env::temp_dir().join(format!("updraft-diff-{}.sarif", std::process::id()));
    std::fs::write(&path, sarif).unwrap();
    let out = Command::new(checker)
        .arg(&path)
        .output()
        .expect("run sarif-check");
    std::fs::remove_file(&path).ok();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn base_reads_the_old_spec_from_git() {
    if Command::new("git").arg("--version").output().is_err() {
        eprintln!("SKIP: git is not installed");
        return;
    }
    let repo: PathBuf =
        std::env::temp_dir().join(format!("updraft-diff-git-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&repo);
    std::fs::create_dir_all(&repo).unwrap();
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(&repo)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let (old, new) = case("widen");
    git(&["init", "-q"]);
    std::fs::copy(common::root().join(&old), repo.join("updraft.yaml")).unwrap();
    git(&["add", "updraft.yaml"]);
    git(&["commit", "-q", "-m", "base"]);
    std::fs::copy(common::root().join(&new), repo.join("updraft.yaml")).unwrap();
    let spec = repo.join("updraft.yaml").display().to_string();
    let (status, out, err) = updraft(&["diff-access", "--base", "HEAD", &spec, "--format", "json"]);
    assert_eq!(status, ExitStatus::Failure, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["old"], "HEAD:./updraft.yaml");
    let (_, direct, _) = updraft(&["diff-access", &old, &new, "--format", "json"]);
    let direct: serde_json::Value = serde_json::from_str(&direct).unwrap();
    assert_eq!(
        v["changes"].as_array().unwrap().len(),
        direct["changes"].as_array().unwrap().len()
    );
    let (status, _, err) = updraft(&["diff-access", "--base", "no-such-rev", &spec]);
    assert_eq!(status, ExitStatus::Error);
    assert!(
        err.contains("cannot read `no-such-rev:./updraft.yaml` from git"),
        "{err}"
    );
    std::fs::remove_dir_all(&repo).ok();
}
