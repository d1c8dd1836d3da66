//! The committed JSON Schema is the generated one, editors complete from it, and every
//! example validates against it.

mod common;

use std::process::Command;

#[test]
fn committed_schema_is_current() {
    let path = common::root().join("schemas/updraft.schema.json");
    let generated = updraft::schema::generate();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).expect("write schema");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "schemas/updraft.schema.json is stale: run `UPDATE_SCHEMA=1 cargo test --test schema` and commit it"
    );
}

#[test]
fn schema_describes_every_property() {
    fn walk(value: &serde_json::Value, path: &str, missing: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::Object(props)) = map.get("properties") {
                    for (key, prop) in props {
                        if prop.get("description").is_none() {
                            missing.push(format!("{path}.{key}"));
                        }
                    }
                }
                for (key, v) in map {
                    walk(v, &format!("{path}/{key}"), missing);
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, path, missing)),
            _ => {}
        }
    }
    let schema: serde_json::Value = serde_json::from_str(&updraft::schema::generate()).unwrap();
    let mut missing = Vec::new();
    walk(&schema, "", &mut missing);
    assert!(
        missing.is_empty(),
        "properties without a description: {missing:?}"
    );
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    assert_eq!(schema["required"], serde_json::json!(["app"]));
}

fn complete(checker: &std::path::Path, text: &str, line: usize, column: usize) -> String {
    let dir = std::env::temp_dir().join(format!("updraft-complete-{}-{line}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("updraft.yaml");
    let schema = common::root().join("schemas/updraft.schema.json");
    std::fs::write(
        &file,
        format!(
            "# yaml-language-server: $schema={}\n{text}",
            schema.display()
        ),
    )
    .unwrap();
    let out = Command::new(checker)
        .arg(&file)
        .arg(line.to_string())
        .arg(column.to_string())
        .output()
        .expect("run editor-complete");
    std::fs::remove_dir_all(&dir).ok();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "editor-complete failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn labels(output: &str) -> Vec<String> {
    output
        .lines()
        .filter_map(|l| l.trim().strip_prefix('\''))
        .filter_map(|l| l.split('\'').next())
        .map(str::to_string)
        .collect()
}

#[test]
fn a_real_editor_completes_from_the_schema() {
    let Some(checker) = common::checker("editor-complete") else {
        return;
    };
    // Inside a function (0-based line 4 of the file, after the modeline).
    let inside = complete(&checker, "app: shop\nfunctions:\n  api:\n    \n", 4, 4);
    let got = labels(&inside);
    for want in ["handler", "memory", "events", "uses", "timeout", "image"] {
        assert!(
            got.iter().any(|g| g == want),
            "inside a function, `{want}` not offered: {got:?}"
        );
    }
    let top = complete(&checker, "app: shop\n\n", 2, 0);
    let got = labels(&top);
    for want in [
        "functions",
        "tables",
        "queues",
        "buckets",
        "gateways",
        "auth",
    ] {
        assert!(
            got.iter().any(|g| g == want),
            "at the top level, `{want}` not offered: {got:?}"
        );
    }
}

#[test]
fn schema_is_valid_and_examples_conform_to_it() {
    let Some(checker) = common::checker("json-schema-check") else {
        return;
    };
    let schema = common::root().join("schemas/updraft.schema.json");
    let examples: Vec<_> = common::examples().into_iter().map(|e| e.path).collect();
    assert!(!examples.is_empty());
    let out = Command::new(checker)
        .arg(&schema)
        .args(&examples)
        .output()
        .expect("run json-schema-check");
    assert!(
        out.status.success(),
        "json-schema-check: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The schema refuses the environment variable names `check` refuses (issue 13, item 2),
/// and accepts the unreserved `AWS_` names Lambda accepts.
#[test]
fn schema_refuses_environment_variable_names_lambda_refuses() {
    let Some(checker) = common::checker("json-schema-check") else {
        return;
    };
    let schema = common::root().join("schemas/updraft.schema.json");
    let dir = std::env::temp_dir().join(format!("updraft-env-names-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let verdict = |name: &str| {
        let file = dir.join(format!("{}.yaml", name.trim_start_matches('_')));
        let text = format!(
            "app: shop\ndefaults: {{ env: {{ {name}: v }} }}\nfunctions:\n  api: {{ image: a/b:1, env: {{ {name}: v }} }}\n"
        );
        std::fs::write(&file, text).unwrap();
        Command::new(&checker)
            .arg(&schema)
            .arg(&file)
            .output()
            .expect("run json-schema-check")
            .status
            .success()
    };
    for refused in [
        "X",
        "_UNDERSCORE",
        "9LIVES",
        "TABLE-NAME",
        "AWS_REGION",
        "_HANDLER",
    ] {
        assert!(!verdict(refused), "the schema accepts `{refused}`");
    }
    for accepted in ["ab", "TABLE_NAME", "AWS_LAMBDA_EXEC_WRAPPER", "TZ"] {
        assert!(verdict(accepted), "the schema refuses `{accepted}`");
    }
    std::fs::remove_dir_all(&dir).ok();
}
