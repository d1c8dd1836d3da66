//! Invalid specs under `tests/fixtures/invalid/`: each must produce exactly the codes its
//! `# expect:` line lists; the rendered and JSON diagnostics are snapshotted.

mod common;

use updraft::diag::render;

#[test]
fn invalid_fixtures_report_exactly_their_diagnostics() {
    let fixtures = common::fixtures("tests/fixtures/invalid");
    assert!(fixtures.len() >= 15, "fixtures missing: {}", fixtures.len());
    let mut missing_help = Vec::new();
    let mut mismatches = Vec::new();
    for fixture in fixtures {
        let options = updraft::Options {
            stage: fixture.header("stage"),
            ..updraft::Options::default()
        };
        let Err(diagnostics) = updraft::load(&fixture.file, &options) else {
            panic!("{} is valid, but it is an invalid fixture", fixture.name)
        };
        let mut got: Vec<&str> = diagnostics.iter().map(|d| d.code.as_str()).collect();
        got.sort_unstable();
        let mut want: Vec<String> = fixture
            .header("expect")
            .unwrap_or_else(|| panic!("{} has no `# expect:` line", fixture.name))
            .split(',')
            .map(|s| s.trim().to_string())
            .collect();
        want.sort();
        if got != want {
            mismatches.push(format!("{}: got {got:?}, want {want:?}", fixture.name));
        }
        for d in &diagnostics {
            assert!(
                d.primary_span().is_some() || d.code.as_str() == "UD1011",
                "{}: {} has no location",
                fixture.name,
                d.code
            );
            if d.help.is_none() {
                missing_help.push(format!("{}: {} {}", fixture.name, d.code, d.message));
            }
        }
        let text = format!(
            "{}\n{}",
            render::human(Some(&fixture.file), &diagnostics, false),
            render::json(Some(&fixture.file), &diagnostics)
        );
        common::snapshot("diagnostics", &fixture.name, &text);
    }
    assert!(
        mismatches.is_empty(),
        "codes differ:\n{}",
        mismatches.join("\n")
    );
    assert!(
        missing_help.is_empty(),
        "diagnostics without help:\n{}",
        missing_help.join("\n")
    );
}

/// Each diagnostic is built whole: a help text never lands on a diagnostic reported before it
/// (a memory help on a runtime error, when the inherited memory's report was a duplicate).
#[test]
fn inherited_values_keep_each_diagnostic_its_own_help() {
    let fixture =
        common::load(&common::root().join("tests/fixtures/invalid/err_inherited_help.yaml"));
    let Err(diagnostics) = updraft::load(&fixture.file, &updraft::Options::default()) else {
        panic!("the fixture is invalid");
    };
    for d in &diagnostics {
        let help = d.help.as_deref().unwrap_or_default();
        match d.code.as_str() {
            "UD1004" => assert!(
                help.contains("nodejs") && !help.contains("MB"),
                "the runtime error carries another diagnostic's help: {help}"
            ),
            "UD1008" => assert!(help.contains("MB"), "memory help: {help}"),
            other => panic!("unexpected {other}"),
        }
    }
}
