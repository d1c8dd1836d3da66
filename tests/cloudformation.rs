//! The CloudFormation backend on the bundled examples: cfn-lint accepts every template with
//! no error and no warning, the serverless rules report only the findings each example's
//! README documents, no template has a dependency cycle, output is deterministic, and the
//! template budgets are enforced.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;
use updraft::targets::{self, Format, Input};

fn compile(
    fixture: &common::Fixture,
    stage: Option<&str>,
    format: Format,
) -> Result<Vec<u8>, Vec<updraft::diag::Diagnostic>> {
    let options = updraft::Options {
        stage: stage.map(str::to_string),
        ..updraft::Options::default()
    };
    let model = updraft::load(&fixture.file, &options).expect("valid example");
    compile_model(&model, format)
}

fn compile_model(
    model: &updraft::model::Model,
    format: Format,
) -> Result<Vec<u8>, Vec<updraft::diag::Diagnostic>> {
    let graph = updraft::graph::Graph::build(model);
    let policies = updraft::access::aws_policies(model);
    let input = Input {
        model,
        graph: &graph,
        policies: &policies,
        format,
        namespace: None,
    };
    let output = targets::by_name("cloudformation")
        .unwrap()
        .compile(&input)?;
    assert_eq!(output.artifacts.len(), 1);
    Ok(output.artifacts[0].bytes.clone())
}

fn stages(fixture: &common::Fixture) -> Vec<Option<String>> {
    let node = updraft::syntax::parse(&fixture.file, updraft::syntax::Limits::default()).unwrap();
    let spec = updraft::spec::read(&node).0.unwrap();
    std::iter::once(None)
        .chain(spec.stages.iter().map(|(n, _)| Some(n.value.clone())))
        .collect()
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("updraft-cfn-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn every_example_template_passes_cfn_lint() {
    let Some(checker) = common::checker("cfn-check") else {
        return;
    };
    let dir = temp_dir("lint");
    let mut files = Vec::new();
    for e in common::examples() {
        for stage in stages(&e) {
            let bytes = compile(&e, stage.as_deref(), Format::Json).expect("compiles");
            let path = dir.join(format!(
                "{}-{}.json",
                e.name,
                stage.as_deref().unwrap_or("default")
            ));
            std::fs::write(&path, bytes).unwrap();
            files.push(path);
        }
        // The YAML form too, for one stage.
        let yaml = compile(&e, None, Format::Yaml).expect("compiles");
        let path = dir.join(format!("{}.yaml", e.name));
        std::fs::write(&path, yaml).unwrap();
        files.push(path);
    }
    let out = Command::new(&checker)
        .args(&files)
        .output()
        .expect("run cfn-check");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        out.status.success() && report.trim().is_empty(),
        "cfn-lint on {} templates:\n{report}",
        files.len()
    );
}

/// `- `CODE` on `Name`` lines of an example's README.
fn documented(readme: &str, prefix: &[&str]) -> BTreeSet<(String, String)> {
    readme
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- `"))
        .filter_map(|l| {
            let (code, rest) = l.split_once("` on `")?;
            let (name, _) = rest.split_once('`')?;
            prefix
                .iter()
                .any(|p| code.starts_with(p))
                .then(|| (code.to_string(), name.to_string()))
        })
        .collect()
}

#[test]
fn serverless_rules_report_only_what_each_example_documents() {
    let Some(checker) = common::checker("cfn-check") else {
        return;
    };
    let dir = temp_dir("serverless");
    for e in common::examples() {
        let path = dir.join(format!("{}.json", e.name));
        std::fs::write(&path, compile(&e, None, Format::Json).unwrap()).unwrap();
        let out = Command::new(&checker)
            .arg("--serverless-rules")
            .arg(&path)
            .output()
            .expect("run cfn-check");
        let text = String::from_utf8_lossy(&out.stdout);
        // Lines look like: `ES6000 SQS Queue FailedJobsQueue should have ...`.
        let found: BTreeSet<(String, String)> = text
            .lines()
            .filter(|l| {
                l.starts_with("ES")
                    || l.starts_with("WS")
                    || l.starts_with('E')
                    || l.starts_with('W')
            })
            .filter_map(|l| {
                let code = l.split_whitespace().next()?.to_string();
                let name = l
                    .split(" should")
                    .next()?
                    .split_whitespace()
                    .last()?
                    .to_string();
                Some((code, name))
            })
            .collect();
        let readme = std::fs::read_to_string(
            common::root()
                .join("examples")
                .join(&e.name)
                .join("README.md"),
        )
        .unwrap_or_else(|_| panic!("examples/{}/README.md is missing", e.name));
        assert_eq!(
            found,
            documented(&readme, &["ES", "WS", "E", "W"]),
            "{}: serverless findings differ from the README",
            e.name
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn lint_reports_only_what_each_example_documents() {
    for e in common::examples() {
        let model = updraft::load(&e.file, &updraft::Options::default()).unwrap();
        let graph = updraft::graph::Graph::build(&model);
        let policies = updraft::access::aws_policies(&model);
        let report = updraft::rules::run(&updraft::rules::Context {
            model: &model,
            graph: &graph,
            policies: &policies,
            platform: updraft::rules::Platform::Aws,
        });
        let found: BTreeSet<(String, String)> = report
            .findings
            .iter()
            .map(|f| {
                (
                    f.diagnostic.code.as_str().to_string(),
                    f.resource.name.clone(),
                )
            })
            .collect();
        let readme = std::fs::read_to_string(
            common::root()
                .join("examples")
                .join(&e.name)
                .join("README.md"),
        )
        .unwrap();
        assert_eq!(
            found,
            documented(&readme, &["UD"]),
            "{}: lint findings differ from the README",
            e.name
        );
    }
}

/// Every logical id a resource depends on: `Ref`, `Fn::GetAtt`, `${Id}` in `Fn::Sub`, `DependsOn`.
fn dependencies(template: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let resources = template["Resources"].as_object().unwrap();
    let parameters: BTreeSet<&String> = template["Parameters"]
        .as_object()
        .map(|p| p.keys().collect())
        .unwrap_or_default();
    let mut out = BTreeMap::new();
    for (id, resource) in resources {
        let mut refs = Vec::new();
        updraft::targets::cloudformation::template::references(resource, &mut refs);
        if let Some(Value::Array(deps)) = resource.get("DependsOn") {
            refs.extend(deps.iter().filter_map(|d| d.as_str().map(str::to_string)));
        }
        let set: BTreeSet<String> = refs
            .into_iter()
            .filter(|r| !parameters.contains(r))
            .collect();
        for r in &set {
            assert!(
                resources.contains_key(r),
                "{id} refers to `{r}`, which is not in the template"
            );
        }
        out.insert(id.clone(), set);
    }
    out
}

#[test]
fn no_template_has_a_dependency_cycle() {
    for e in common::examples() {
        for stage in stages(&e) {
            let bytes = compile(&e, stage.as_deref(), Format::Json).unwrap();
            let template: Value = serde_json::from_slice(&bytes).unwrap();
            let deps = dependencies(&template);
            let mut graph = petgraph::graph::DiGraph::<&str, ()>::new();
            let nodes: BTreeMap<&str, _> = deps
                .keys()
                .map(|k| (k.as_str(), graph.add_node(k.as_str())))
                .collect();
            for (id, set) in &deps {
                for d in set {
                    graph.add_edge(nodes[id.as_str()], nodes[d.as_str()], ());
                }
            }
            if let Err(cycle) = petgraph::algo::toposort(&graph, None) {
                panic!(
                    "{} (stage {stage:?}): dependency cycle through {}",
                    e.name,
                    graph[cycle.node_id()]
                );
            }
        }
    }
}

#[test]
fn the_bucket_waits_for_its_permissions_not_the_reverse() {
    let e = common::examples()
        .into_iter()
        .find(|e| e.name == "photo-share")
        .unwrap();
    let template: Value =
        serde_json::from_slice(&compile(&e, None, Format::Json).unwrap()).unwrap();
    let deps = dependencies(&template);
    assert!(
        deps["PhotosBucket"].contains("MakeThumbnailEvent1Permission"),
        "{:?}",
        deps["PhotosBucket"]
    );
    // The function, its role and its permission name the bucket by ARN text only.
    for id in [
        "MakeThumbnailFunction",
        "MakeThumbnailRole",
        "MakeThumbnailEvent1Permission",
    ] {
        assert!(
            !deps[id].contains("PhotosBucket"),
            "{id} depends on the bucket: {:?}",
            deps[id]
        );
    }
}

#[test]
fn output_is_deterministic_and_snapshotted() {
    for e in common::examples() {
        let first = compile(&e, None, Format::Yaml).unwrap();
        let second = compile(&e, None, Format::Yaml).unwrap();
        assert_eq!(first, second, "{}: two compilations differ", e.name);
        common::snapshot(
            "cloudformation",
            &e.name,
            &String::from_utf8(first).unwrap(),
        );
    }
}

/// A spec of `n` functions, each with a route, a table read and a log group.
pub fn generated(n: usize) -> String {
    let mut spec = String::from(
        "app: big\ndefaults: { runtime: nodejs24.x, architecture: arm64, tracing: true, log_retention: 14d }\ngateways: { api: {} }\ntables: { items: { partition_key: { name: id, type: string } } }\nfunctions:\n",
    );
    for i in 0..n {
        spec.push_str(&format!("  fn-{i}: {{ handler: src/f.handler, events: [ {{ http: {{ route: \"GET /items/{i}\" }} }} ], uses: {{ items: read }} }}\n"));
    }
    spec
}

#[test]
fn templates_over_the_budgets_are_refused_with_the_counts() {
    let file = updraft::source::SourceFile::new("big.yaml", generated(100));
    let model = updraft::load(&file, &updraft::Options::default()).unwrap();
    let diagnostics = compile_model(&model, Format::Json).unwrap_err();
    let codes: Vec<&str> = diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, vec!["UD5002"], "{diagnostics:?}");
    assert!(
        diagnostics[0].message.contains("604 resources"),
        "{}",
        diagnostics[0].message
    );
    let file = updraft::source::SourceFile::new("ok.yaml", generated(80));
    let model = updraft::load(&file, &updraft::Options::default()).unwrap();
    assert!(compile_model(&model, Format::Json).is_ok());
}
