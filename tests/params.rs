//! Deploy-time params (`tests/fixtures/params/`) through every target: CloudFormation
//! parameters (typed, `NoEcho`, `AllowedValues`, the stage's default) referenced by `Ref` and
//! `Fn::Sub`, also across nested stacks; Terraform variables (`sensitive`, `validation`)
//! referenced as `var.NAME`; a Knative ConfigMap read through `configMapKeyRef`. Each output
//! goes through its validator when installed.

mod common;

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

fn spec() -> String {
    common::root()
        .join("tests/fixtures/params/updraft.yaml")
        .display()
        .to_string()
}

/// `compile` through the CLI into a fresh folder; the folder.
fn compile(name: &str, args: &[&str]) -> PathBuf {
    compile_at(&spec(), name, args).0
}

/// `compile` of a spec through the CLI into a fresh folder; the folder, and what the
/// command printed.
fn compile_at(spec: &str, name: &str, args: &[&str]) -> (PathBuf, String) {
    let out = std::env::temp_dir().join(format!("updraft-params-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let out_text = out.display().to_string();
    let mut argv = vec!["compile", spec, "--out", out_text.as_str()];
    argv.extend_from_slice(args);
    let (status, said, err) = common::updraft(&argv);
    assert_eq!(status, updraft::cli::ExitStatus::Success, "{args:?}: {err}");
    (out, format!("{said}{err}"))
}

fn json_file(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn validate(checker: &str, files: &[PathBuf]) {
    if let Some(bin) = common::checker(checker) {
        let (ok, report) = common::run_checker(&bin, files);
        assert!(ok, "{checker}:\n{report}");
    }
}

#[test]
fn cloudformation_parameters_are_typed_hidden_and_referenced() {
    let out = compile("cfn", &["--target", "cloudformation", "--stage", "prod"]);
    let t = json_file(&out.join("template.json"));
    let p = &t["Parameters"];
    assert_eq!(
        p["Greeting"]["Default"], "bonjour",
        "the stage's value is the default"
    );
    assert_eq!(
        p["Limit"],
        json!({ "Type": "Number", "Description": "Param `Limit` of app shop", "Default": "5" })
    );
    assert_eq!(p["Origins"]["Type"], "CommaDelimitedList");
    assert_eq!(p["Origins"]["Default"], "a,b");
    assert_eq!(p["ApiKey"]["NoEcho"], true);
    assert!(
        p["ApiKey"].get("Default").is_none(),
        "a secret without default is required"
    );
    assert_eq!(p["Tier"]["AllowedValues"], json!(["small", "large"]));
    let env = &t["Resources"]["ApiFunction"]["Properties"]["Environment"]["Variables"];
    assert_eq!(env["KEY"], json!({ "Ref": "ApiKey" }));
    assert_eq!(
        env["ORIGINS"],
        json!({ "Fn::Join": [",", { "Ref": "Origins" }] })
    );
    assert_eq!(
        env["GREETING"],
        json!({ "Fn::Join": ["", [{ "Ref": "Greeting" }, "!"]] })
    );
    let policy =
        t["Resources"]["ApiRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
            .as_array()
            .unwrap()
            .clone();
    let resources: Vec<&Value> = policy
        .iter()
        .flat_map(|s| s["Resource"].as_array().unwrap())
        .collect();
    assert!(
        resources.contains(&&json!({ "Fn::Sub": "arn:${AWS::Partition}:s3:::${ExtBucket}/*" }))
    );
    assert!(resources.contains(&&json!({
        "Fn::Sub": "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/shop-prod-orders/index/*"
    })));
    validate("cfn-check", &[out.join("template.json")]);
}

#[test]
fn nested_stacks_receive_the_params_they_use() {
    let out = compile(
        "split",
        &["--target", "cloudformation", "--split", "always"],
    );
    let parent = json_file(&out.join("template.json"));
    let (_, stack) = parent["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, r)| r["Properties"]["Parameters"].get("ApiKey").is_some())
        .expect("a child takes the params");
    let given = &stack["Properties"]["Parameters"];
    assert_eq!(given["ApiKey"], json!({ "Ref": "ApiKey" }));
    // A stack's parameters are strings: the list goes down joined.
    assert_eq!(
        given["Origins"],
        json!({ "Fn::Join": [",", { "Ref": "Origins" }] })
    );
    let mut files = vec![out.join("template.json")];
    for entry in std::fs::read_dir(out.join("stacks")).unwrap() {
        let path = entry.unwrap().path();
        let child = json_file(&path);
        if child["Parameters"].get("ApiKey").is_some() {
            assert_eq!(child["Parameters"]["ApiKey"]["NoEcho"], true);
            assert_eq!(child["Parameters"]["Origins"]["Type"], "CommaDelimitedList");
        }
        files.push(path);
    }
    validate("cfn-check", &files);
}

#[test]
fn terraform_variables_are_typed_sensitive_and_validated() {
    let out = compile("tf", &["--target", "terraform", "--stage", "prod"]);
    let vars = std::fs::read_to_string(out.join("variables.tf")).unwrap();
    for want in [
        "variable \"ApiKey\" {",
        "sensitive   = true",
        "type        = number",
        "type        = list(string)",
        "default     = [\"a\", \"b\"]",
        "default     = \"bonjour\"",
        "condition     = contains([\"small\", \"large\"], var.Tier)",
    ] {
        assert!(vars.contains(want), "variables.tf lacks {want}:\n{vars}");
    }
    let main = std::fs::read_to_string(out.join("main.tf")).unwrap();
    for want in [
        "KEY      = var.ApiKey",
        "ORIGINS  = join(\",\", var.Origins)",
        "GREETING = \"${var.Greeting}!\"",
        "\"arn:${data.aws_partition.current.partition}:s3:::${var.ExtBucket}/*\"",
    ] {
        assert!(main.contains(want), "main.tf lacks {want}");
    }
    validate("terraform-check", &[out]);
}

#[test]
fn knative_reads_params_from_a_config_map() {
    // Raw permissions have no Knative form (UD5001): the same spec without them.
    let text = std::fs::read_to_string(spec()).unwrap();
    let cut = text.find("    permissions:").unwrap();
    let dir = std::env::temp_dir().join(format!("updraft-params-{}-kn-spec", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("updraft.yaml");
    std::fs::write(&path, &text[..cut]).unwrap();
    let out = std::env::temp_dir().join(format!("updraft-params-{}-kn", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let (status, _, err) = common::updraft(&[
        "compile",
        &path.display().to_string(),
        "--target",
        "knative",
        "--out",
        &out.display().to_string(),
    ]);
    assert_eq!(status, updraft::cli::ExitStatus::Success, "{err}");
    let config = std::fs::read_to_string(out.join("params.yaml")).unwrap();
    assert!(config.contains("kind: ConfigMap") && config.contains("name: shop-params"));
    assert!(
        config.contains("Limit: \"5\"") && !config.contains("ApiKey"),
        "{config}"
    );
    let services = std::fs::read_to_string(out.join("services.yaml")).unwrap();
    assert!(services.contains("configMapKeyRef:"), "{services}");
    assert!(
        services.contains("value: \"$(UPDRAFT_PARAM_GREETING)!\""),
        "{services}"
    );
    assert!(
        services
            .contains("secretKeyRef:\n              name: shop-params\n              key: ApiKey"),
        "{services}"
    );
    let files: Vec<PathBuf> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    validate("knative-check", &files);
}

#[test]
fn a_written_out_own_arn_under_a_stage_is_one_finding() {
    // Under `--stage prod` the table is `shop-prod-orders`: the written-out `shop-orders` is
    // the app's own table named for no stage (UD4009), not an outside one (UD4008).
    let file = updraft::source::SourceFile::new(
        "updraft.yaml",
        "app: shop\nstages: { prod: {} }\ntables: { orders: { partition_key: { name: id, type: string } } }\n\
         functions:\n  api:\n    image: ghcr.io/acme/api:1\n    uses: { orders: read }\n    permissions:\n\
         \x20     - { actions: [dynamodb:PartiQLSelect], resources: [\"arn:aws:dynamodb:eu-west-1:123456789012:table/shop-orders\"] }\n",
    );
    for stage in [None, Some("prod")] {
        let report = common::compilation(&file, stage).lint(updraft::rules::Platform::Aws);
        let codes: Vec<&str> = report
            .findings
            .iter()
            .map(|f| f.diagnostic.code.as_str())
            .collect();
        assert!(codes.contains(&"UD4009"), "{stage:?}: {codes:?}");
        assert!(!codes.contains(&"UD4008"), "{stage:?}: {codes:?}");
    }
}

#[test]
fn the_deploy_command_names_the_params_without_a_value() {
    // Code packages (a handler, not an image) make `compile` print the deploy command.
    let dir = std::env::temp_dir().join(format!("updraft-params-{}-hint", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(spec()).unwrap().replace(
        "image: ghcr.io/acme/api:1",
        "handler: h.handler\n    runtime: python3.12",
    );
    std::fs::write(dir.join("updraft.yaml"), text).unwrap();
    std::fs::write(
        dir.join("h.py"),
        "def handler(event, context):\n    return {}\n",
    )
    .unwrap();
    let spec = dir.join("updraft.yaml").display().to_string();
    let (_, said) = compile_at(&spec, "hint-cfn", &["--target", "cloudformation"]);
    assert!(
        said.contains("--parameter-overrides ArtifactBucket=BUCKET ApiKey=VALUE\n"),
        "{said}"
    );
    let (_, said) = compile_at(&spec, "hint-tf", &["--target", "terraform"]);
    assert!(said.contains("apply -var ApiKey=VALUE\n"), "{said}");
}
