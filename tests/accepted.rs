//! Specs that AWS accepts, under `tests/fixtures/accepted/`: each passes `check` and
//! compiles for CloudFormation (cfn-lint, no error or warning) and Terraform (`terraform
//! validate` against the pinned provider). These are constructs updraft once refused.

mod common;

use std::path::PathBuf;
use std::process::Command;

use updraft::targets::cloudformation::{CloudFormation, SplitMode};
use updraft::targets::terraform::Terraform;
use updraft::targets::{Format, Output};

fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("updraft-accepted-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a temporary folder");
    dir
}

fn write(dir: &std::path::Path, output: &Output) {
    for a in &output.artifacts {
        std::fs::write(dir.join(&a.path), &a.bytes).expect("write");
    }
}

fn run(checker: &std::path::Path, arg: &std::path::Path) -> (bool, String) {
    let out = Command::new(checker)
        .arg(arg)
        .output()
        .expect("run the checker");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn accepted_specs_compile_and_validate_on_aws_targets() {
    let fixtures = common::fixtures("tests/fixtures/accepted");
    assert!(!fixtures.is_empty());
    let cfn = common::checker("cfn-check");
    let tf = common::checker("terraform-check");
    let mut failures = Vec::new();
    for fixture in &fixtures {
        let compilation = common::compilation(&fixture.file, None);
        let template = compilation
            .compile(&CloudFormation {
                split: SplitMode::Never,
                format: Format::Json,
            })
            .unwrap_or_else(|d| panic!("{}: CloudFormation: {d:?}", fixture.name));
        let terraform = compilation
            .compile(&Terraform::default())
            .unwrap_or_else(|d| panic!("{}: Terraform: {d:?}", fixture.name));
        let dir = folder(&fixture.name);
        if let Some(cfn) = &cfn {
            let cfn_dir = dir.join("cloudformation");
            std::fs::create_dir_all(&cfn_dir).unwrap();
            write(&cfn_dir, &template);
            let path = cfn_dir.join(&template.artifacts[0].path);
            let (ok, text) = run(cfn, &path);
            if !ok || !text.trim().is_empty() {
                failures.push(format!("{}: cfn-lint:\n{text}", fixture.name));
            }
        }
        if let Some(tf) = &tf {
            let tf_dir = dir.join("terraform");
            std::fs::create_dir_all(&tf_dir).unwrap();
            write(&tf_dir, &terraform);
            let (ok, text) = run(tf, &tf_dir);
            if !ok || !text.contains("The configuration is valid") {
                failures.push(format!("{}: terraform:\n{text}", fixture.name));
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
