//! `updraft deployer-policy`: the deploying principal's own policy. Its shape on every
//! example (scoped to the app's names, `*` only in reasoned statements, `iam:PassRole` only
//! with `iam:PassedToService`), parliament on every example's policy, and the proof on the
//! local AWS: an IAM user with only this policy applies, refreshes and destroys an example
//! with Terraform, and is denied another example's output (`tests/probe/deployer.py`).

mod common;

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

const TARGETS: &[&str] = &["cloudformation", "terraform"];

fn policy(spec: &str, target: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "deployer-policy",
        spec,
        "--target",
        target,
        "--region",
        "eu-west-1",
        "--account",
        "123456789012",
    ];
    args.extend_from_slice(extra);
    let (status, out, err) = common::updraft(&args);
    assert_eq!(status, updraft::cli::ExitStatus::Success, "{spec}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{spec}: {e}\n{out}"))
}

fn as_list(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a.iter().map(|x| x.as_str().unwrap().to_string()).collect(),
        _ => panic!("{v}"),
    }
}

#[test]
fn every_statement_is_scoped_to_the_app_or_reasoned() {
    for ex in common::examples() {
        let spec = ex.path.to_str().unwrap();
        for target in TARGETS {
            let json = policy(spec, target, &["--format", "json"]);
            let doc = &json["policy"];
            let statements = doc["Statement"].as_array().unwrap();
            assert!(!statements.is_empty());
            for (s, why) in statements
                .iter()
                .zip(json["statements"].as_array().unwrap())
            {
                let sid = s["Sid"].as_str().unwrap();
                assert!(!why["why"].as_str().unwrap().is_empty(), "{spec} {sid}");
                for a in as_list(&s["Action"]) {
                    assert!(!a.contains('*'), "{spec} {sid}: wildcard action {a}");
                    let info = updraft::access::catalogue::get()
                        .action(&a)
                        .unwrap_or_else(|| panic!("{a}"));
                    let any = as_list(&s["Resource"]) == ["*"];
                    assert_eq!(info.wildcard_only(), any, "{spec} {sid}: {a} on * = {any}");
                }
                for r in as_list(&s["Resource"]) {
                    assert!(
                        r == "*"
                            || r.contains("123456789012")
                            || r.contains(":s3:::")
                            || r.contains(":apigateway:eu-west-1::"),
                        "{spec} {sid}: {r} not pinned to the account"
                    );
                }
                if as_list(&s["Action"]).contains(&"iam:PassRole".to_string()) {
                    assert_eq!(as_list(&s["Action"]), ["iam:PassRole"], "{spec}");
                    assert!(
                        s["Condition"]["StringEquals"]["iam:PassedToService"].is_array(),
                        "{spec}: PassRole without iam:PassedToService"
                    );
                }
            }
            let text = doc.to_string();
            assert!(text.contains("iam:PassRole"), "{spec} {target}");
            assert_eq!(
                text.contains("cloudformation:CreateChangeSet"),
                *target == "cloudformation",
                "{spec} {target}: stack statements only for CloudFormation"
            );
        }
    }
}

/// The names the plan gives, stage included: another stage's deployer may not touch this one.
#[test]
fn names_follow_the_stage_and_the_options() {
    let spec = common::root().join("examples/nightly-report/updraft.yaml");
    let spec = spec.to_str().unwrap();
    let dev = policy(spec, "terraform", &[]).to_string();
    let prod = policy(spec, "terraform", &["--stage", "prod"]).to_string();
    assert!(
        dev.contains("function:nightly-report-build-report\""),
        "{dev}"
    );
    assert!(
        prod.contains("function:nightly-report-prod-build-report\""),
        "{prod}"
    );
    assert!(!prod.contains("function:nightly-report-build-report\""));
    assert!(
        prod.contains("role/nightly-report-prod-build-report-*"),
        "{prod}"
    );
    let cfn = policy(
        spec,
        "cloudformation",
        &[
            "--stack-name",
            "reports",
            "--artifact-bucket",
            "ci-artifacts",
        ],
    )
    .to_string();
    assert!(cfn.contains("stack/reports/*"), "{cfn}");
    assert!(cfn.contains("role/reports-*"), "{cfn}");
    assert!(
        cfn.contains("arn:aws:s3:::ci-artifacts/updraft/nightly-report/*"),
        "{cfn}"
    );
    let state = policy(
        spec,
        "terraform",
        &["--state", "s3://tf-state/reports.tfstate"],
    )
    .to_string();
    assert!(
        state.contains("arn:aws:s3:::tf-state/reports.tfstate"),
        "{state}"
    );
    let (status, _, err) = common::updraft(&[
        "deployer-policy",
        spec,
        "--target",
        "terraform",
        "--state",
        "tf-state",
    ]);
    assert_eq!(status, updraft::cli::ExitStatus::Error);
    assert!(err.contains("s3://BUCKET/KEY"), "{err}");
}

/// parliament on every example's policy, for both engines. Its one finding kind on these
/// policies, RESOURCE_POLICY_PRIVILEGE_ESCALATION on the app's own buckets, is inherent: the
/// deployer writes the bucket policy the app declares, so it could write another; any other
/// finding fails.
#[test]
fn parliament_is_clean_on_every_deployer_policy() {
    let Some(checker) = common::checker("iam-check") else {
        return;
    };
    let dir = common::root().join("target/deployer-policies");
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for ex in common::examples() {
        for target in TARGETS {
            let doc = policy(ex.path.to_str().unwrap(), target, &[]);
            let file = dir.join(format!("{}-{target}.json", ex.name));
            std::fs::write(&file, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
            files.push(file);
        }
    }
    let (_, report) = common::run_checker(&checker, &files);
    let unexpected: Vec<&str> = report
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter(|l| {
            !(l.contains("Possible resource policy privilege escalation on arn:aws:s3:::")
                && (l.contains("allow s3:PutBucketPolicy")
                    || l.contains("allow s3:PutLifecycleConfiguration")))
        })
        .collect();
    assert!(
        unexpected.is_empty(),
        "parliament:\n{}",
        unexpected.join("\n")
    );
}

fn required() -> bool {
    std::env::var_os("UPDRAFT_REQUIRE_LOCAL_AWS").is_some_and(|v| v != "0" && !v.is_empty())
}

/// The proof on the local AWS, opt-in like the deployment suite (`UPDRAFT_DEPLOY=1`).
#[test]
fn a_user_with_only_the_policy_deploys_updates_and_destroys_and_nothing_else() {
    if std::env::var_os("UPDRAFT_DEPLOY").is_none() && !required() {
        eprintln!(
            "SKIP: deployer policy on the local AWS: set UPDRAFT_DEPLOY=1 (local AWS started)"
        );
        return;
    }
    let kit = common::root().join("../shared/conformance");
    let tools = std::env::var_os("HOME")
        .map(|h| PathBuf::from(h).join(".cache/updraft-conformance"))
        .unwrap_or_default();
    let python = tools.join("venv/bin/python");
    let up = python.is_file()
        && Command::new("bash")
            .arg(kit.join("bin/local-aws"))
            .arg("status")
            .status()
            .is_ok_and(|s| s.success());
    let terraform = Command::new("terraform")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !up || !terraform {
        assert!(
            !required(),
            "the local AWS and terraform are required but absent"
        );
        eprintln!("SKIP: deployer policy on the local AWS: the local AWS or terraform is absent");
        return;
    }
    // nightly-report: rules, a scheduler schedule and its role, alarms, invoke configs, a
    // bucket kept on delete; photo-share: buckets with notifications, CORS and lifecycle, an
    // HTTP API with JWT auth, a table stream's event-source mapping.
    let cases = [
        ("cloudformation", "nightly-report", "iot-ingest"),
        ("terraform", "nightly-report", "iot-ingest"),
        ("terraform", "photo-share", "nightly-report"),
    ];
    for (i, (engine, example, other)) in cases.into_iter().enumerate() {
        prove(i, engine, example, other, &kit, &tools, &python);
    }
}

/// One engine's proof: `tests/probe/deployer.py` in an account of its own; every expectation
/// it reports must hold. Terraform: apply, refresh, destroy (retained data too) by a user
/// with only the policy, another app denied. CloudFormation: the change set, the stack and
/// its deletion by such a user, another app's stack denied, and what the local AWS does with
/// a stack service role (printed as a GAP: it accepts `RoleARN` and does not use it).
fn prove(
    case: usize,
    engine: &str,
    example: &str,
    other: &str,
    kit: &std::path::Path,
    tools: &std::path::Path,
    python: &std::path::Path,
) {
    let account = format!(
        "72{:09}{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            % 1_000_000_000,
        case
    );
    let work = std::env::temp_dir().join(format!("updraft-deployer-{example}-{engine}-{account}"));
    let port = std::env::var("LOCAL_AWS_PORT").unwrap_or_else(|_| "4566".into());
    let out = Command::new(python)
        .arg(common::root().join("tests/probe/deployer.py"))
        .arg("--example")
        .arg(common::root().join("examples").join(example))
        .arg("--other")
        .arg(common::root().join("examples").join(other))
        .args(["--engine", engine, "--account", &account])
        .arg("--updraft")
        .arg(env!("CARGO_BIN_EXE_updraft"))
        .arg("--work")
        .arg(&work)
        .arg("--kit")
        .arg(kit)
        .arg("--ca")
        .arg(tools.join("local-aws/server.crt"))
        .args(["--endpoint", &format!("https://127.0.0.1:{port}")])
        .output()
        .expect("run deployer.py");
    let log = common::root().join(format!("target/deployer-policy-{example}-{engine}.log"));
    std::fs::write(&log, &out.stderr).ok();
    let _ = std::fs::remove_dir_all(&work);
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no report from deployer.py ({e}); log: {}", log.display()));
    for g in report["gaps"].as_array().into_iter().flatten() {
        println!(
            "{example}/{engine}: GAP (local AWS): {}",
            g.as_str().unwrap_or("")
        );
    }
    for s in report["steps"].as_array().into_iter().flatten() {
        println!(
            "{example}/{engine}: {} ok={} {}s denials={}",
            s["step"], s["ok"], s["seconds"], s["denials"]
        );
    }
    let failed: Vec<String> = report["expect"]
        .as_object()
        .expect("expectations")
        .iter()
        .filter(|(_, ok)| ok.as_bool() != Some(true))
        .map(|(what, _)| what.clone())
        .collect();
    assert!(
        failed.is_empty(),
        "{example}/{engine}: not proven: {failed:?} (log: {})",
        log.display()
    );
}
