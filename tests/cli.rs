//! The command line, run in-process: exit statuses, output formats, and `--help` on every
//! command (complete, with an example).

mod common;

use std::process::Command;

use clap::{CommandFactory, Parser};
use updraft::cli::{Cli, ExitStatus};

use common::updraft;

fn example(name: &str) -> String {
    common::root()
        .join("examples")
        .join(name)
        .join("updraft.yaml")
        .display()
        .to_string()
}

fn fixture(name: &str) -> String {
    common::root()
        .join("tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn every_command_has_complete_help_with_an_example() {
    let mut cmd = Cli::command();
    cmd.build();
    let mut names = Vec::new();
    for sub in cmd.get_subcommands_mut().filter(|s| s.get_name() != "help") {
        names.push(sub.get_name().to_string());
        let help = sub.render_long_help().to_string();
        assert!(
            help.contains("Examples:"),
            "`updraft {} --help` has no example:\n{help}",
            sub.get_name()
        );
        assert!(
            sub.get_about().is_some(),
            "`{}` has no description",
            sub.get_name()
        );
        for arg in sub
            .get_arguments()
            .filter(|a| a.get_id() != "help" && a.get_id() != "version")
        {
            assert!(
                arg.get_help().is_some(),
                "`updraft {}`: argument `{}` is undocumented",
                sub.get_name(),
                arg.get_id()
            );
        }
    }
    for want in [
        "check",
        "compile",
        "lint",
        "graph",
        "explain-access",
        "schema",
        "explain",
        "init",
    ] {
        assert!(
            names.iter().any(|n| n == want),
            "no `{want}` command: {names:?}"
        );
    }
}

#[test]
fn check_exits_0_on_valid_and_2_on_invalid_specs() {
    let (status, out, _) = updraft(&["check", &example("photo-share")]);
    assert_eq!(status, ExitStatus::Success);
    assert!(out.contains("is valid"), "{out}");
    let (status, _, err) = updraft(&["check", &fixture("invalid/err_references.yaml")]);
    assert_eq!(status, ExitStatus::Error);
    assert!(
        err.contains("UD2001 unknown-resource") && err.contains("did you mean `orders`?"),
        "{err}"
    );
    let (status, _, err) = updraft(&["check", "/no/such/updraft.yaml"]);
    assert_eq!(status, ExitStatus::Error);
    assert!(err.contains("UD0006"), "{err}");
    // Usage errors are exit 2 as well (clap's own status).
    let e = Cli::try_parse_from(["updraft", "check", "--no-such-flag"]).unwrap_err();
    assert_eq!(e.exit_code(), 2);
}

#[test]
fn check_json_carries_code_position_span_and_help() {
    let (status, out, _) = updraft(&[
        "check",
        &fixture("invalid/err_references.yaml"),
        "--message-format",
        "json",
    ]);
    assert_eq!(status, ExitStatus::Error);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let first = &v["diagnostics"][0];
    for key in [
        "code", "severity", "message", "file", "line", "column", "span", "help",
    ] {
        assert!(!first[key].is_null(), "`{key}` missing in {first}");
    }
    assert_eq!(v["summary"]["errors"], 8);
}

#[test]
fn lint_exit_status_follows_the_deny_level() {
    let spec = example("chatbot");
    assert_eq!(updraft(&["lint", &spec]).0, ExitStatus::Success);
    assert_eq!(
        updraft(&["lint", &spec, "--deny", "note"]).0,
        ExitStatus::Failure
    );
    let bad = fixture("lint/UD4001.yaml");
    assert_eq!(updraft(&["lint", &bad]).0, ExitStatus::Failure);
    assert_eq!(
        updraft(&["lint", &fixture("invalid/err_names.yaml")]).0,
        ExitStatus::Error
    );
}

#[test]
fn lint_github_annotations_point_at_the_spec() {
    let (_, out, _) = updraft(&["lint", &fixture("lint/UD4202.yaml"), "--format", "github"]);
    let line = out
        .lines()
        .find(|l| l.contains("UD4202"))
        .expect("an annotation");
    assert!(
        line.starts_with("::error file=") && line.contains(",line=") && line.contains(",col="),
        "{line}"
    );
}

#[test]
fn lint_sarif_passes_the_sarif_schema() {
    let Some(checker) = common::checker("sarif-check") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("updraft-sarif-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for (name, spec) in [
        ("findings", fixture("lint/UD4106.yaml")),
        ("clean", example("crud-api")),
        ("invalid", fixture("invalid/err_routes.yaml")),
    ] {
        let (_, out, _) = updraft(&["lint", &spec, "--format", "sarif"]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["version"], "2.1.0");
        if name != "clean" {
            let region = &v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
            assert!(region["startLine"].as_u64().unwrap() > 1, "{region}");
        }
        let path = dir.join(format!("{name}.sarif"));
        std::fs::write(&path, out).unwrap();
        files.push(path);
    }
    let out = Command::new(checker)
        .args(&files)
        .output()
        .expect("run sarif-check");
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn explain_access_answers_why() {
    let (status, out, _) = updraft(&["explain-access", "make-thumbnail", &example("photo-share")]);
    assert_eq!(status, ExitStatus::Success);
    assert!(
        out.contains("arn:aws:s3:::photo-share-photos-*-*/uploads/*"),
        "{out}"
    );
    assert!(
        out.contains("uses bucket `photos` with `read` access under `uploads/`"),
        "{out}"
    );
    let (_, json, _) = updraft(&[
        "explain-access",
        "make-thumbnail",
        &example("photo-share"),
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(
        v["statements"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["why"][0]["line"].as_u64().unwrap() > 0)
    );
    let (status, _, err) = updraft(&["explain-access", "make-thumbnial", &example("photo-share")]);
    assert_eq!(status, ExitStatus::Error);
    assert!(err.contains("did you mean `make-thumbnail`?"), "{err}");
}

#[test]
fn explain_prints_the_doc_page() {
    let (status, out, _) = updraft(&["explain", "UD4106"]);
    assert_eq!(status, ExitStatus::Success);
    assert!(out.starts_with("# UD4106 recursion-loop"), "{out}");
    assert_eq!(updraft(&["explain", "UD0000"]).0, ExitStatus::Error);
    let (_, list, _) = updraft(&["explain", "--list"]);
    assert_eq!(list.lines().count(), updraft::diag::Code::ALL.len());
}

#[test]
fn graph_draws_dot_and_mermaid() {
    let (status, dot, _) = updraft(&["graph", &example("photo-share")]);
    assert_eq!(status, ExitStatus::Success);
    assert!(dot.starts_with("digraph \"photo-share\" {"));
    assert!(
        dot.contains("function_make_thumbnail -> bucket_thumbs [label=\"write\"]"),
        "{dot}"
    );
    let (_, mermaid, _) = updraft(&["graph", &example("photo-share"), "--format", "mermaid"]);
    assert!(mermaid.starts_with("flowchart LR\n"));
    common::snapshot("graph", "photo-share-mermaid", &mermaid);
    // Graphviz, when installed, must accept the DOT.
    match Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
    {
        Ok(mut child) => {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(dot.as_bytes())
                .unwrap();
            assert!(child.wait().unwrap().success(), "graphviz rejected the DOT");
        }
        Err(_) => eprintln!("SKIP: graphviz `dot` is not installed"),
    }
}

#[test]
fn compile_writes_atomically_checks_and_refuses_invalid_specs() {
    let dir = std::env::temp_dir().join(format!("updraft-compile-{}", std::process::id()));
    let out = dir.display().to_string();
    let (status, _, err) = updraft(&[
        "compile",
        &example("photo-share"),
        "--target",
        "cloudformation",
        "--out",
        &out,
    ]);
    assert_eq!(status, ExitStatus::Success, "{err}");
    assert!(dir.join("template.json").is_file());
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains("updraft-tmp"))
        .collect();
    assert!(leftovers.is_empty());
    let (status, _, _) = updraft(&[
        "compile",
        &example("photo-share"),
        "--target",
        "cloudformation",
        "--out",
        &out,
        "--check",
    ]);
    assert_eq!(status, ExitStatus::Success);
    std::fs::write(dir.join("template.json"), "{}").unwrap();
    let (status, _, err) = updraft(&[
        "compile",
        &example("photo-share"),
        "--target",
        "cloudformation",
        "--out",
        &out,
        "--check",
    ]);
    assert_eq!(status, ExitStatus::Failure);
    assert!(err.contains("UD5006"), "{err}");
    // An invalid spec writes nothing at all.
    let empty = dir.join("nothing");
    let (status, _, _) = updraft(&[
        "compile",
        &fixture("invalid/err_routes.yaml"),
        "--target",
        "cloudformation",
        "--out",
        &empty.display().to_string(),
    ]);
    assert_eq!(status, ExitStatus::Error);
    assert!(!empty.exists());
    std::fs::remove_dir_all(&dir).ok();
}

/// `init` from an empty folder, as a new user would: every template, with the handlers and
/// the schema beside the spec, checks, compiles for every target (Knative with a registry to
/// build the code into images) and lints without errors; a second `init` refuses.
#[test]
fn init_then_compile_for_every_target_and_lint() {
    for template in ["api", "queue-worker", "bucket-pipeline", "scheduled"] {
        let dir =
            std::env::temp_dir().join(format!("updraft-init-{}-{template}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        std::fs::create_dir_all(&dir).unwrap();
        let d = dir.display().to_string();
        let (status, _, err) = updraft(&["init", &d, "--template", template]);
        assert_eq!(status, ExitStatus::Success, "{template}: {err}");
        assert!(
            err.contains("next:") && err.contains("updraft lint"),
            "{err}"
        );
        let schema = std::fs::read_to_string(dir.join("updraft.schema.json")).unwrap();
        assert_eq!(
            schema,
            updraft::schema::generate(),
            "the schema beside the spec"
        );
        let spec_text = std::fs::read_to_string(dir.join("updraft.yaml")).unwrap();
        assert!(
            spec_text.starts_with("# yaml-language-server: $schema=updraft.schema.json\n"),
            "{spec_text}"
        );
        assert!(dir.join("src/handlers.mjs").is_file());
        let spec = dir.join("updraft.yaml").display().to_string();
        assert_eq!(
            updraft(&["check", &spec]).0,
            ExitStatus::Success,
            "{template}"
        );
        for target in ["cloudformation", "terraform", "knative"] {
            let out = dir.join(format!("build-{target}")).display().to_string();
            let mut args = vec!["compile", "--target", target, "--out", &out, &spec];
            if target == "knative" {
                args.extend([
                    "--registry",
                    "registry.example.com/starter",
                    "--aws-region",
                    "eu-west-1",
                ]);
            }
            let (status, _, err) = updraft(&args);
            assert_eq!(status, ExitStatus::Success, "{template} → {target}: {err}");
        }
        // What a real deployment engine would read: each output passes its validator.
        let build = |target: &str| dir.join(format!("build-{target}"));
        let knative: Vec<_> = std::fs::read_dir(build("knative"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        for (name, files) in [
            (
                "cfn-check",
                vec![build("cloudformation").join("template.json")],
            ),
            ("terraform-check", vec![build("terraform")]),
            ("knative-check", knative),
        ] {
            if let Some(checker) = common::checker(name) {
                let (passed, report) = common::run_checker(&checker, &files);
                assert!(passed, "{template}: {name}:\n{report}");
            }
        }
        let (status, stdout, err) = updraft(&["lint", "--format", "json", &spec]);
        assert_eq!(status, ExitStatus::Success, "{template}: {stdout}{err}");
        assert!(!stdout.contains("\"error\""), "{template}: {stdout}");
        assert_eq!(
            updraft(&["init", &d]).0,
            ExitStatus::Error,
            "must not overwrite"
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}

/// Code packaging: the same folder gives the same bytes wherever it lies; a code change
/// renames the package and so changes the reference in both engines' outputs; the output
/// folder inside the code folder is left out; a missing handler file or code folder is a
/// located UD2012.
#[test]
fn compile_packages_code_deterministically_by_content() {
    let base = std::env::temp_dir().join(format!("updraft-package-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let spec = "app: pkg\ndefaults: { runtime: nodejs22.x }\nfunctions:\n  hello:\n    handler: src/hello.handler\n  thumbs:\n    handler: thumbs.handler\n    runtime: python3.12\n    code: py/\n";
    let make = |dir: &std::path::Path, greeting: &str| {
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::create_dir_all(dir.join("py")).unwrap();
        std::fs::write(dir.join("updraft.yaml"), spec).unwrap();
        std::fs::write(
            dir.join("src/hello.js"),
            format!("exports.handler = async () => \"{greeting}\";\n"),
        )
        .unwrap();
        std::fs::write(
            dir.join("py/thumbs.py"),
            "def handler(e, c):\n    return 1\n",
        )
        .unwrap();
        std::fs::write(dir.join(".env"), "SECRET=1\n").unwrap();
    };
    let compile = |dir: &std::path::Path, target: &str| {
        let spec = dir.join("updraft.yaml").display().to_string();
        let out = dir.join("build").join(target).display().to_string();
        let (status, _, err) = updraft(&["compile", &spec, "--target", target, "--out", &out]);
        assert_eq!(status, ExitStatus::Success, "{err}");
        let mut packages: Vec<(String, Vec<u8>)> =
            std::fs::read_dir(dir.join("build").join(target).join("packages"))
                .unwrap()
                .map(|e| {
                    let e = e.unwrap();
                    (
                        e.file_name().to_string_lossy().into_owned(),
                        std::fs::read(e.path()).unwrap(),
                    )
                })
                .collect();
        packages.sort();
        packages
    };
    let (a, b) = (base.join("a"), base.join("elsewhere/b"));
    make(&a, "hi");
    make(&b, "hi");
    let first = compile(&a, "cloudformation");
    // Compiled again with build/ now inside the code folder: nothing changes.
    assert_eq!(compile(&a, "cloudformation"), first);
    assert_eq!(
        compile(&b, "cloudformation"),
        first,
        "same code, same bytes elsewhere"
    );
    assert_eq!(
        compile(&a, "terraform"),
        first,
        "both engines get the same packages"
    );
    let names: Vec<&str> = first.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        names[0].starts_with("pkg-") && names[1].starts_with("py-"),
        "{names:?}"
    );
    let listing = String::from_utf8_lossy(&first[0].1).into_owned();
    assert!(listing.contains("src/hello.js") && !listing.contains("updraft.yaml"));
    assert!(
        !listing.contains(".env")
            && !listing.contains("build/")
            && !listing.contains(&base.display().to_string())
    );

    // A code change renames the package, and both outputs follow it.
    std::fs::write(
        a.join("src/hello.js"),
        "exports.handler = async () => \"bye\";\n",
    )
    .unwrap();
    let changed = compile(&a, "cloudformation");
    compile(&a, "terraform");
    assert_ne!(changed[0].0, first[0].0);
    assert_eq!(
        changed[1], first[1],
        "the untouched folder keeps its package"
    );
    assert_eq!(changed.len(), 2, "the old package is removed");
    let template = std::fs::read_to_string(a.join("build/cloudformation/template.json")).unwrap();
    assert!(template.contains(&format!("${{ArtifactPrefix}}/packages/{}", changed[0].0)));
    let main = std::fs::read_to_string(a.join("build/terraform/main.tf")).unwrap();
    assert!(main.contains(&format!(
        "filebase64sha256(\"${{path.module}}/packages/{}\")",
        changed[0].0
    )));
    // Without --out, the template alone on stdout.
    let (status, out, _) = updraft(&[
        "compile",
        &a.join("updraft.yaml").display().to_string(),
        "--target",
        "cloudformation",
    ]);
    assert_eq!(status, ExitStatus::Success);
    assert!(out.contains(&changed[0].0));

    // A missing handler file and a missing code folder: located, with help.
    std::fs::remove_file(a.join("src/hello.js")).unwrap();
    std::fs::remove_dir_all(a.join("py")).unwrap();
    let spec = a.join("updraft.yaml").display().to_string();
    let (status, out, _) = updraft(&["check", &spec, "--message-format", "json"]);
    assert_eq!(status, ExitStatus::Error);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let found: Vec<(String, u64, u64)> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [("UD2012".to_string(), 5, 14), ("UD2012".to_string(), 9, 11)],
        "{out}"
    );
    assert!(
        out.contains("src/hello.js") && out.contains("help"),
        "{out}"
    );
    std::fs::remove_dir_all(&base).ok();
}

#[test]
fn targets_come_from_the_registry_and_refuse_options_they_do_not_take() {
    // Every registered target is a `--target` value of compile and of lint.
    for t in &updraft::targets::registry::TARGETS {
        let argv = ["updraft", "compile", "--target", t.name, "x.yaml"];
        assert!(
            Cli::try_parse_from(argv).is_ok(),
            "compile --target {}",
            t.name
        );
        let argv = ["updraft", "lint", "--target", t.name, "x.yaml"];
        assert!(
            Cli::try_parse_from(argv).is_ok(),
            "lint --target {}",
            t.name
        );
    }
    assert!(Cli::try_parse_from(["updraft", "compile", "--target", "pulumi"]).is_err());
    // An option another target owns is an error, not silently ignored.
    let (status, out, err) = updraft(&[
        "compile",
        &example("photo-share"),
        "--target",
        "terraform",
        "--namespace",
        "prod",
    ]);
    assert_eq!(status, ExitStatus::Error, "{err}");
    assert!(out.is_empty());
    assert!(
        err.contains("`--namespace` does not apply to the terraform target")
            && err.contains("applies to: knative"),
        "{err}"
    );
    // Lint on the Knative platform applies Knative's 600 s limit (UD4104).
    let dir = std::env::temp_dir().join(format!("updraft-lint-knative-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("updraft.yaml");
    std::fs::write(
        &spec,
        "app: a\nfunctions:\n  f: { image: r.example/f:1, timeout: 800s }\n",
    )
    .unwrap();
    let spec = spec.display().to_string();
    let (_, _, aws) = updraft(&["lint", &spec, "--target", "terraform"]);
    let (status, _, knative) = updraft(&["lint", &spec, "--target", "knative"]);
    assert!(!aws.contains("UD4104"), "{aws}");
    assert!(knative.contains("UD4104"), "{knative}");
    assert_eq!(status, ExitStatus::Failure);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_diagnostic_on_a_very_long_line_is_printed_with_its_position_not_a_panic() {
    // miette panicked drawing a label past column 65,535 (exit 101 from every command).
    let dir = std::env::temp_dir().join(format!("updraft-long-line-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("updraft.yaml");
    let long = "a".repeat(70_000);
    std::fs::write(
        &spec,
        format!(
            "app: a\nfunctions:\n  f: {{ handler: x.y, description: \"{long}\", runtime: nodejs99.x }}\n"
        ),
    )
    .unwrap();
    let spec = spec.display().to_string();
    let commands: [&[&str]; 5] = [
        &["check", &spec],
        &["lint", &spec],
        &["compile", &spec, "--target", "terraform", "--out", "never"],
        &["graph", &spec],
        &["explain-access", "f", &spec],
    ];
    for args in commands {
        let (status, _, err) = updraft(args);
        assert_eq!(status, ExitStatus::Error, "{args:?}: {err}");
        assert!(
            err.contains("`nodejs99.x` is not a supported runtime")
                && err.contains(&format!("at {spec}:3:70048")),
            "{args:?}: {}",
            &err[..err.len().min(2_000)]
        );
    }
    assert!(!std::path::Path::new("never").exists());
    std::fs::remove_dir_all(&dir).ok();
}

/// Lint output for people (issue 13, item 14): a setting no layer gives is reported once at
/// `defaults` naming the functions; findings are grouped by rule, most severe first, with a
/// count per rule; AWS-only rules stay quiet on Knative; counts agree with their nouns.
#[test]
fn lint_groups_findings_by_rule_and_knative_skips_aws_only_rules() {
    let dir = std::env::temp_dir().join(format!("updraft-lint-groups-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("updraft.yaml");
    std::fs::write(
        &spec,
        "app: a\ndefaults: { memory: 256 }\ngateways: { api: {} }\nfunctions:\n  \
         f1: { image: r.example/f:1, events: [ { http: { route: \"GET /a\" } } ] }\n  \
         f2: { image: r.example/f:1, timeout: 60s, events: [ { http: { route: \"GET /b\" } } ] }\n",
    )
    .unwrap();
    let spec = spec.display().to_string();
    let (_, out, _) = updraft(&["check", &spec]);
    assert!(out.contains("2 functions, 1 gateway, 0 tables"), "{out}");
    let (_, _, aws) = updraft(&["lint", &spec]);
    assert_eq!(
        aws.matches("functions keep their logs forever").count(),
        1,
        "{aws}"
    );
    assert!(
        aws.contains("2 functions keep their logs forever: `f1` and `f2`"),
        "{aws}"
    );
    assert!(aws.contains("no `log_retention` in `defaults`"), "{aws}");
    for line in [
        "    1  UD4103 http-timeout-over-gateway",
        "    1  UD4110 gateway-without-throttling",
        "    1  UD4201 log-retention-missing",
        "    1  UD4109 tracing-off",
    ] {
        assert!(aws.contains(line), "no `{line}` in:\n{aws}");
    }
    // Warnings come before notes, whatever their place in the file.
    let warning = aws.find("UD4201 log-retention-missing\n").unwrap();
    let note = aws.find("UD4109 tracing-off\n").unwrap();
    assert!(warning < note, "{aws}");
    let (_, _, knative) = updraft(&["lint", &spec, "--target", "knative"]);
    for code in ["UD4103", "UD4109", "UD4110", "UD4201", "UD4205"] {
        assert!(!knative.contains(code), "{code} on knative:\n{knative}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
