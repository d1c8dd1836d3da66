//! The CloudFormation backend on the bundled examples: cfn-lint accepts every template with
//! no error and no warning, the serverless rules report only the findings each example's
//! README documents, no template has a dependency cycle, output is deterministic, and the
//! template budgets are enforced.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;
use updraft::targets::Format;

use updraft::targets::cloudformation::{CloudFormation, SplitMode};

fn compile(
    fixture: &common::Fixture,
    stage: Option<&str>,
    format: Format,
) -> Result<Vec<u8>, Vec<updraft::diag::Diagnostic>> {
    let mut compilation = common::compilation(&fixture.file, stage);
    // Package the example's code as `compile` does: the template names each package.
    compilation.package(&fixture.path, None)?;
    compile_one(&compilation, format)
}

/// One template: the budget checks must speak, not the splitter.
fn compile_one(
    compilation: &updraft::Compilation,
    format: Format,
) -> Result<Vec<u8>, Vec<updraft::diag::Diagnostic>> {
    let output = compilation.compile(&CloudFormation {
        split: SplitMode::Never,
        format,
    })?;
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
    let (passed, report) = common::run_checker(&checker, &files);
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        passed && report.trim().is_empty(),
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
        let report = common::compilation(&e.file, None).lint(updraft::rules::Platform::Aws);
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
    let diagnostics = compile_one(&common::compilation(&file, None), Format::Json).unwrap_err();
    let codes: Vec<&str> = diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, vec!["UD5002"], "{diagnostics:?}");
    assert!(
        diagnostics[0].message.contains("604 resources"),
        "{}",
        diagnostics[0].message
    );
    let file = updraft::source::SourceFile::new("ok.yaml", generated(80));
    assert!(compile_one(&common::compilation(&file, None), Format::Json).is_ok());
}

fn compile_split(
    spec: &str,
    mode: updraft::targets::cloudformation::SplitMode,
) -> Vec<updraft::targets::Artifact> {
    let file = updraft::source::SourceFile::new("gen.yaml", spec.to_string());
    common::compilation(&file, None)
        .compile(&CloudFormation {
            split: mode,
            format: Format::Json,
        })
        .expect("compiles")
        .artifacts
}

/// A richer generated app: routes, table reads, queues and schedules, bucket triggers.
fn generated_mixed(n: usize, skip: Option<usize>, rename: Option<usize>) -> String {
    let mut spec = String::from(
        "app: big\ndefaults: { runtime: nodejs24.x, architecture: arm64, tracing: true, log_retention: 14d }\n\
         gateways: { api: {} }\ntables: { items: { partition_key: { name: id, type: string }, stream: new_image } }\n\
         buckets: { uploads: {} }\nqueues: { jobs: { visibility_timeout: 1m }, failed: {} }\nfunctions:\n",
    );
    for i in 0..n {
        if Some(i) == skip {
            continue;
        }
        let name = if Some(i) == rename {
            format!("renamed-{i}")
        } else {
            format!("fn-{i}")
        };
        let event = match i % 5 {
            0 => "{ queue: { name: jobs } }".to_string(),
            1 => "{ schedule: \"rate(1 hour)\" }".to_string(),
            2 if i % 50 == 2 => {
                format!("{{ bucket: {{ name: uploads, on: created, prefix: p{i}/ }} }}")
            }
            3 if i % 40 == 3 => "{ table: { name: items } }".to_string(),
            _ => format!("{{ http: {{ route: \"GET /items/{i}\" }} }}"),
        };
        spec.push_str(&format!(
            "  {name}: {{ handler: src/f.handler, events: [ {event} ], uses: {{ items: read, jobs: send }}, dead_letter: failed }}\n"
        ));
    }
    spec
}

/// Logical id → stack key, over every child template.
fn placement(artifacts: &[updraft::targets::Artifact]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for a in artifacts.iter().filter(|a| a.path.starts_with("stacks")) {
        let key = a.path.file_stem().unwrap().to_string_lossy().into_owned();
        let t: Value = serde_json::from_slice(&a.bytes).unwrap();
        for id in t["Resources"].as_object().unwrap().keys() {
            assert!(
                out.insert(id.clone(), key.clone()).is_none(),
                "{id} is in two stacks"
            );
        }
    }
    out
}

#[test]
fn nested_stacks_are_stable_as_the_app_grows_shrinks_and_renames() {
    use updraft::targets::cloudformation::SplitMode;
    let n = 300;
    let base = placement(&compile_split(
        &generated_mixed(n, None, None),
        SplitMode::Auto,
    ));
    let grown = placement(&compile_split(
        &generated_mixed(n + 1, None, None),
        SplitMode::Auto,
    ));
    let shrunk = placement(&compile_split(
        &generated_mixed(n, Some(17), None),
        SplitMode::Auto,
    ));
    let renamed = placement(&compile_split(
        &generated_mixed(n, None, Some(42)),
        SplitMode::Auto,
    ));
    let owned_by = |id: &str, f: &str| {
        let prefix = updraft::targets::cloudformation::template::logical_id(f, "");
        id.starts_with(&prefix) && id[prefix.len()..].starts_with(|c: char| c.is_ascii_uppercase())
    };
    for (variant, other, changed) in [
        ("grown", &grown, format!("fn-{n}")),
        ("shrunk", &shrunk, "fn-17".into()),
        ("renamed", &renamed, "fn-42".into()),
    ] {
        for (id, stack) in &base {
            if owned_by(id, &changed) {
                continue;
            }
            // Shared statements (one queue policy) may gain or lose a statement, never move.
            assert_eq!(
                other.get(id),
                Some(stack),
                "{variant}: `{id}` moved from {stack}"
            );
        }
    }
    for stateful in ["ItemsTable", "JobsQueue", "FailedQueue", "UploadsBucket"] {
        assert!(
            base[stateful].starts_with("Base") || base[stateful] == "Storage",
            "{stateful} in {}",
            base[stateful]
        );
    }
}

#[test]
fn nested_stacks_are_consistent_and_within_budgets() {
    use updraft::targets::cloudformation::SplitMode;
    for n in [1000, 5000] {
        let artifacts = compile_split(&generated_mixed(n, None, None), SplitMode::Auto);
        let parent: Value = serde_json::from_slice(&artifacts[0].bytes).unwrap();
        let children: BTreeMap<String, Value> = artifacts[1..]
            .iter()
            .map(|a| {
                (
                    a.path.file_stem().unwrap().to_string_lossy().into_owned(),
                    serde_json::from_slice(&a.bytes).unwrap(),
                )
            })
            .collect();
        let resources = parent["Resources"].as_object().unwrap();
        assert_eq!(
            resources.len(),
            children.len(),
            "one stack resource per child"
        );
        for (key, child) in &children {
            let stack = &resources[&format!("{key}Stack")];
            assert_eq!(
                stack["Properties"]["TemplateURL"],
                format!("stacks/{key}.json")
            );
            let passed = stack["Properties"]["Parameters"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            let wanted = child["Parameters"].as_object().cloned().unwrap_or_default();
            assert_eq!(
                passed.keys().collect::<BTreeSet<_>>(),
                wanted.keys().collect::<BTreeSet<_>>(),
                "{key}: parameters"
            );
            for value in passed.values() {
                if let Some(args) = value.get("Fn::GetAtt") {
                    let source = args[0].as_str().unwrap().trim_end_matches("Stack");
                    let output = args[1].as_str().unwrap().trim_start_matches("Outputs.");
                    assert!(
                        children[source]["Outputs"].get(output).is_some(),
                        "{key} needs {source}.{output}"
                    );
                }
            }
            assert!(
                child["Resources"].as_object().unwrap().len() <= 500,
                "{key} is over 500 resources"
            );
            assert!(
                wanted.len() <= 200
                    && child["Outputs"].as_object().map_or(0, serde_json::Map::len) <= 200
            );
        }
        let largest = artifacts.iter().map(|a| a.bytes.len()).max().unwrap();
        assert!(largest < 1_000_000, "a template of {largest} bytes");
    }
}

#[test]
fn nested_stacks_pass_cfn_lint_at_1000_and_5000_functions() {
    if std::env::var_os("UPDRAFT_LARGE_TESTS").is_none() {
        eprintln!(
            "SKIP: set UPDRAFT_LARGE_TESTS=1 to run cfn-lint on 1,000- and 5,000-function apps (a few minutes; .ci/run does)"
        );
        return;
    }
    let Some(checker) = common::checker("cfn-check") else {
        return;
    };
    for n in [1000, 5000] {
        let dir = temp_dir(&format!("nested-{n}"));
        let mut files = Vec::new();
        for a in compile_split(
            &generated_mixed(n, None, None),
            updraft::targets::cloudformation::SplitMode::Auto,
        ) {
            let path = dir.join(&a.path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &a.bytes).unwrap();
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
            "cfn-lint at N={n} on {} templates:\n{}",
            files.len(),
            &report[..report.len().min(4000)]
        );
    }
}

fn hostile() -> common::Fixture {
    common::load(&common::root().join("tests/fixtures/hostile-strings/updraft.yaml"))
}

/// The value CloudFormation deploys for a property written as a plain string or as
/// `{"Fn::Join": ["", [strings]]}`; written independently of the renderer under test.
fn deployed(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Object(map) if map.len() == 1 => {
            let args = map
                .get("Fn::Join")
                .and_then(Value::as_array)
                .unwrap_or_else(|| panic!("not a literal: {value}"));
            assert_eq!(args[0], "", "{value}");
            args[1]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    p.as_str()
                        .unwrap_or_else(|| panic!("not a literal: {value}"))
                })
                .collect()
        }
        other => panic!("not a literal: {other}"),
    }
}

fn resource_of<'a>(template: &'a Value, kind: &str) -> &'a Value {
    template["Resources"]
        .as_object()
        .unwrap()
        .values()
        .find(|r| r["Type"] == kind)
        .unwrap_or_else(|| panic!("no {kind}"))
}

#[test]
fn hostile_strings_pass_cfn_lint_and_keep_their_values() {
    let fixture = hostile();
    let compilation = common::compilation(&fixture.file, None);
    let model = compilation.model();
    let mut files = Vec::new();
    let dir = temp_dir("hostile");
    for format in [Format::Json, Format::Yaml] {
        let bytes = compile_one(&compilation, format).expect("compiles");
        let path = dir.join(format!(
            "hostile.{}",
            if format == Format::Json {
                "json"
            } else {
                "yaml"
            }
        ));
        std::fs::write(&path, &bytes).unwrap();
        files.push(path);
    }
    let template: Value =
        serde_json::from_slice(&compile_one(&compilation, Format::Json).unwrap()).unwrap();
    if let Some(dump) = std::env::var_os("UPDRAFT_DUMP") {
        std::fs::write(dump, serde_json::to_string_pretty(&template).unwrap()).unwrap();
    }

    // Every literal env value deploys as the model holds it.
    let f = &model.functions[0];
    let function = resource_of(&template, "AWS::Lambda::Function");
    let env = &function["Properties"]["Environment"]["Variables"];
    let mut checked = 0;
    for (key, value) in &f.env {
        let Some(expected) = value.as_literal() else {
            continue;
        };
        assert_eq!(deployed(&env[key.as_str()]), expected, "env {key}");
        checked += 1;
    }
    assert!(checked >= 10, "{checked} literal env values");
    let props = |kind: &str| resource_of(&template, kind)["Properties"].clone();
    let table = props("AWS::DynamoDB::Table");
    let topic = props("AWS::SNS::Topic");
    let rule = props("AWS::IoT::TopicRule");
    let bucket = props("AWS::S3::Bucket");
    let subscription = props("AWS::SNS::Subscription");
    let authorizer = props("AWS::ApiGatewayV2::Authorizer");
    for (name, value, expected) in [
        (
            "description",
            &function["Properties"]["Description"],
            f.description.clone().expect("described"),
        ),
        (
            "handler",
            &function["Properties"]["Handler"],
            "index.handler\"${x}".to_string(),
        ),
        (
            "key",
            &table["KeySchema"][0]["AttributeName"],
            "pk\"} ${x} %{y}".into(),
        ),
        (
            "ttl",
            &table["TimeToLiveSpecification"]["AttributeName"],
            "ttl\\${z}".into(),
        ),
        (
            "display name",
            &topic["DisplayName"],
            "say \"hi\" ${oops} %{if x} ${AWS::Region}".into(),
        ),
        (
            "sql",
            &rule["TopicRulePayload"]["Sql"],
            "SELECT * FROM 'a/${b}' WHERE c = \"%{d}\\\" AND r = '${AWS::Region}'".into(),
        ),
        (
            "lifecycle prefix",
            &bucket["LifecycleConfiguration"]["Rules"][0]["Prefix"],
            "logs/${date}/${AWS::AccountId}/".into(),
        ),
        (
            "filter value",
            &subscription["FilterPolicy"]["k\"${x}"][0],
            "v%{y}\\".into(),
        ),
        (
            "filter pseudo parameter",
            &subscription["FilterPolicy"]["k\"${x}"][1],
            "${AWS::Region}".into(),
        ),
        (
            "issuer",
            &authorizer["JwtConfiguration"]["Issuer"],
            "https://issuer.example/${AWS::Region}/".into(),
        ),
        (
            "audience",
            &authorizer["JwtConfiguration"]["Audience"][0],
            "aud-${ApiHttpApi}".into(),
        ),
    ] {
        assert_eq!(deployed(value), expected, "{name}");
    }

    // Raw `permissions` placeholders are filled in; an IAM policy variable is kept.
    let role = resource_of(&template, "AWS::IAM::Role");
    let statements = role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        .as_array()
        .unwrap();
    assert_eq!(
        statements.last().unwrap()["Resource"],
        serde_json::json!([{ "Fn::Sub":
            "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/${!aws:username}/p"
        }])
    );

    let Some(checker) = common::checker("cfn-check") else {
        return;
    };
    let (passed, report) = common::run_checker(&checker, &files);
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        passed && report.trim().is_empty(),
        "cfn-lint on the hostile strings:\n{report}"
    );
}

/// Function options lowered once in the plan: a schedule switched off (the EventBridge rule
/// and the Scheduler schedule), a queue's maximum concurrency, a stream's batching window and
/// layers, each as the property CloudFormation names; cfn-lint accepts the template.
#[test]
fn function_options_become_their_properties() {
    let spec = "app: opts\n\
                defaults: { runtime: python3.12 }\n\
                tables: { t: { partition_key: { name: id, type: string }, stream: new_image } }\n\
                queues: { q: {} }\n\
                functions:\n\
                \x20 f:\n\
                \x20   handler: src/f.handler\n\
                \x20   layers: [ \"arn:aws:lambda:eu-west-1:123456789012:layer:libs:4\" ]\n\
                \x20   events:\n\
                \x20     - schedule: { expression: \"rate(1 day)\", enabled: false }\n\
                \x20     - schedule: { expression: \"cron(0 6 1 * ? *)\", timezone: Europe/Berlin, enabled: false }\n\
                \x20     - schedule: \"rate(1 hour)\"\n\
                \x20     - queue: { name: q, maximum_concurrency: 5 }\n\
                \x20     - table: { name: t, window: 2m }\n";
    let file = updraft::source::SourceFile::new("opts.yaml", spec);
    let compilation = common::compilation(&file, None);
    let bytes = compile_one(&compilation, Format::Json).expect("compiles");
    let template: Value = serde_json::from_slice(&bytes).unwrap();
    let resources = template["Resources"].as_object().unwrap();
    let of_type = |t: &str| -> Vec<&Value> {
        resources
            .values()
            .filter(|r| r["Type"] == t)
            .map(|r| &r["Properties"])
            .collect()
    };
    let mut rules: Vec<&str> = of_type("AWS::Events::Rule")
        .iter()
        .map(|p| p["State"].as_str().unwrap())
        .collect();
    rules.sort_unstable();
    assert_eq!(rules, ["DISABLED", "ENABLED"]);
    assert_eq!(of_type("AWS::Scheduler::Schedule")[0]["State"], "DISABLED");
    let mappings = of_type("AWS::Lambda::EventSourceMapping");
    let queue = mappings
        .iter()
        .find(|p| p.get("StartingPosition").is_none())
        .unwrap();
    assert_eq!(queue["ScalingConfig"]["MaximumConcurrency"], 5);
    let stream = mappings
        .iter()
        .find(|p| p.get("StartingPosition").is_some())
        .unwrap();
    assert_eq!(stream["MaximumBatchingWindowInSeconds"], 120);
    assert!(stream.get("ScalingConfig").is_none());
    assert_eq!(
        of_type("AWS::Lambda::Function")[0]["Layers"],
        serde_json::json!(["arn:aws:lambda:eu-west-1:123456789012:layer:libs:4"])
    );
    let Some(checker) = common::checker("cfn-check") else {
        return;
    };
    let dir = temp_dir("function-options");
    let path = dir.join("template.json");
    std::fs::write(&path, &bytes).unwrap();
    let (passed, report) = common::run_checker(&checker, &[path]);
    assert!(passed, "{report}");
}
