//! Lint fixtures, one per rule: `tests/fixtures/lint/<CODE>.yaml`. Resources named `bad-*`
//! must get at least one finding of that rule, and resources named `ok-*` none. The rendered
//! findings of the rule are snapshotted.

mod common;

use updraft::diag::{Code, Severity, render};
use updraft::rules::Platform;

#[test]
fn every_rule_fires_on_bad_and_not_on_ok() {
    let fixtures = common::fixtures("tests/fixtures/lint");
    let mut failures = Vec::new();
    let mut covered = Vec::new();
    for fixture in &fixtures {
        let code = Code::parse(&fixture.name)
            .unwrap_or_else(|| panic!("{} is not named by a code", fixture.name));
        covered.push(code);
        let options = updraft::Options {
            stage: fixture.header("stage"),
            ..updraft::Options::default()
        };
        let compilation = match updraft::Compilation::new(&fixture.file, &options) {
            Ok(c) => c,
            Err(d) => panic!(
                "{} is not a valid spec:\n{}",
                fixture.name,
                render::human(Some(&fixture.file), &d, false)
            ),
        };
        let platform = match fixture.header("target").as_deref() {
            Some(name) => {
                updraft::targets::registry::find(name)
                    .unwrap_or_else(|| panic!("{}: no target `{name}`", fixture.name))
                    .platform
            }
            None => Platform::Aws,
        };
        let report = compilation.lint(platform);
        let mine: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.diagnostic.code == code)
            .collect();
        let bad: Vec<String> = compilation
            .model()
            .resources()
            .into_iter()
            .map(|(r, _)| r.name)
            .filter(|n| n.starts_with("bad"))
            .collect();
        assert!(!bad.is_empty(), "{}: no `bad-*` resource", fixture.name);
        // The resources a finding is about: its own, and for one finding that groups the
        // functions sharing a setting, every one of them.
        let about = |f: &updraft::rules::Finding| -> Vec<String> {
            let mut names = vec![f.resource.name.clone()];
            if f.inherited.is_some() {
                names.extend(f.related.iter().map(|r| r.name.clone()));
            }
            names
        };
        for name in &bad {
            if !mine.iter().any(|f| about(f).contains(name)) {
                failures.push(format!("{}: `{name}` must fire and does not", fixture.name));
            }
        }
        for f in &mine {
            for name in about(f).iter().filter(|n| n.starts_with("ok")) {
                failures.push(format!(
                    "{}: `{name}` must not fire: {}",
                    fixture.name, f.diagnostic.message
                ));
            }
        }
        let diagnostics: Vec<_> = mine.iter().map(|f| f.diagnostic.clone()).collect();
        common::snapshot(
            "rules",
            &fixture.name,
            &render::human(Some(&fixture.file), &diagnostics, false),
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for code in Code::ALL.iter().filter(|c| c.is_lint()) {
        assert!(
            covered.contains(code),
            "rule {code} has no fixture in tests/fixtures/lint/"
        );
    }
}

/// A stream handler writing its own table is UD4111, a warning (idempotent, conditional
/// writes end the loop); a bucket loop stays UD4106, an error; each code's severity is the
/// one `explain --list` shows, and `lint: { deny: [...] }` still wins.
#[test]
fn table_stream_loops_warn_and_bucket_loops_fail() {
    let fixture = common::load(&common::root().join("tests/fixtures/lint/UD4111.yaml"));
    let report = common::compilation(&fixture.file, None).lint(Platform::Aws);
    let stream = report
        .findings
        .iter()
        .find(|f| {
            f.resource.name == "bad-stream-writer"
                && f.diagnostic.code.is_lint()
                && f.diagnostic.code.as_str().starts_with("UD41")
        })
        .expect("a finding on bad-stream-writer");
    assert_eq!(stream.diagnostic.code, Code::StreamWriteLoop);
    assert_eq!(stream.diagnostic.severity, Severity::Warning);
    assert_eq!(Code::StreamWriteLoop.default_severity(), Severity::Warning);
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.diagnostic.code == Code::RecursionLoop)
    );
    let buckets = common::load(&common::root().join("tests/fixtures/lint/UD4106.yaml"));
    let report = common::compilation(&buckets.file, None).lint(Platform::Aws);
    let bucket = report
        .findings
        .iter()
        .find(|f| f.resource.name == "bad-thumbnail" && f.diagnostic.code == Code::RecursionLoop)
        .expect("a finding on bad-thumbnail");
    assert_eq!(bucket.diagnostic.code, Code::RecursionLoop);
    assert_eq!(bucket.diagnostic.severity, Severity::Error);
    let denied = updraft::source::SourceFile::new(
        "denied.yaml",
        format!(
            "{}lint: {{ deny: [stream-write-loop] }}\n",
            fixture.file.text()
        ),
    );
    let report = common::compilation(&denied, None).lint(Platform::Aws);
    assert!(
        report
            .findings
            .iter()
            .filter(|f| f.diagnostic.code == Code::StreamWriteLoop)
            .all(|f| f.diagnostic.severity == Severity::Error)
    );
}
