//! The bundled examples: each is valid in every stage, its lint findings are the ones its
//! README documents (snapshotted), and every generated policy passes parliament.

mod common;

use updraft::diag::render;
use updraft::rules::Platform;

const MODELINE: &str = "# yaml-language-server: $schema=../../schemas/updraft.schema.json";

fn stages(fixture: &common::Fixture) -> Vec<Option<String>> {
    let node =
        updraft::syntax::parse(&fixture.file, updraft::syntax::Limits::default()).expect("parses");
    let (spec, _) = updraft::spec::read(&node);
    let spec = spec.expect("reads");
    std::iter::once(None)
        .chain(spec.stages.iter().map(|(n, _)| Some(n.value.clone())))
        .collect()
}

#[test]
fn at_least_five_examples_each_valid_in_every_stage() {
    let examples = common::examples();
    assert!(examples.len() >= 5, "{} examples", examples.len());
    for e in &examples {
        assert_eq!(
            e.file.text().lines().next(),
            Some(MODELINE),
            "{}: first line must be the modeline",
            e.name
        );
        for stage in stages(e) {
            let options = updraft::Options {
                stage: stage.clone(),
                ..updraft::Options::default()
            };
            if let Err(d) = updraft::load(&e.file, &options) {
                panic!(
                    "{} (stage {stage:?}) is invalid:\n{}",
                    e.name,
                    render::human(Some(&e.file), &d, false)
                );
            }
        }
    }
}

#[test]
fn lint_findings_of_each_example() {
    for e in common::examples() {
        let mut text = String::new();
        for stage in stages(&e) {
            let report = common::compilation(&e.file, stage.as_deref()).lint(Platform::Aws);
            let diagnostics = report.diagnostics();
            text.push_str(&format!(
                "## stage: {}\n{}: {} ({} suppressed)\n{}\n",
                stage.as_deref().unwrap_or("(none)"),
                e.name,
                render::summary(&diagnostics),
                report.suppressed,
                render::human(Some(&e.file), &diagnostics, false)
            ));
        }
        common::snapshot("examples", &format!("{}-lint", e.name), &text);
    }
}

#[test]
fn every_generated_policy_passes_parliament() {
    let Some(checker) = common::checker("iam-check") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("updraft-iam-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for e in common::examples() {
        let compilation = common::compilation(&e.file, None);
        for policy in compilation.policies() {
            let doc = updraft::targets::aws::policy_document(
                compilation.model(),
                policy,
                "aws",
                "eu-west-1",
                "123456789012",
            );
            let path = dir.join(format!("{}-{}.json", e.name, policy.function));
            std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
            files.push(path);
        }
    }
    let (passed, report) = common::run_checker(&checker, &files);
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        passed && report.trim().is_empty(),
        "parliament findings on {} policies:\n{report}",
        files.len()
    );
}
