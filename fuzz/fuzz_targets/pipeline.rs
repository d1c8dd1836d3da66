//! The whole pipeline on arbitrary input: parse, read, check and model a spec; then lint it
//! for both platforms and compile it for every target. Any panic is a finding: bad input
//! must end in diagnostics. Seed corpus: `fuzz/seed-corpus.sh` (examples and fixtures).
#![no_main]

use libfuzzer_sys::fuzz_target;
use updraft::targets::Format;
use updraft::targets::cloudformation::{CloudFormation, SplitMode};
use updraft::targets::knative::Knative;
use updraft::targets::knative::mesh::Mesh;
use updraft::targets::terraform::{Provider, Terraform};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = updraft::source::SourceFile::new("fuzz.yaml", text.to_string());
    // Diagnostics render without panicking, whatever their spans.
    let compilation = match updraft::Compilation::new(&file, &updraft::Options::default()) {
        Ok(c) => c,
        Err(diagnostics) => {
            let _ = updraft::diag::render::human(Some(&file), &diagnostics, false);
            let _ = updraft::diag::render::json(Some(&file), &diagnostics);
            return;
        }
    };
    let _ = compilation.lint(updraft::rules::Platform::Aws);
    let _ = compilation.lint(updraft::rules::Platform::Knative);
    for format in [Format::Json, Format::Yaml] {
        let _ = compilation.compile(&CloudFormation {
            split: SplitMode::Never,
            format,
        });
    }
    for provider in [Provider::V5, Provider::V6] {
        let _ = compilation.compile(&Terraform { provider });
    }
    // Without options, and with every option that changes what is lowered (no code is read:
    // `code_root` stays `None`).
    let _ = compilation.compile(&Knative::default());
    let _ = compilation.compile(&Knative {
        namespace: Some("fuzz".into()),
        registry: Some("registry.example.com/fuzz".into()),
        aws_region: Some("eu-west-1".into()),
        mesh: Some(Mesh::Istio),
        code_root: None,
    });
});
