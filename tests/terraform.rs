//! The Terraform target: every example compiles in every stage and its folder passes
//! `terraform-check` (real `terraform init` + `validate` + `fmt -check` against provider
//! 5.100.0); each example's configuration is a reviewed snapshot; hostile strings come back
//! exactly as written; labels stay unique when names clash once sanitised; constructs AWS
//! cannot express are errors naming the target; the same spec gives the same bytes.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use updraft::diag::{Code, Diagnostic, render};
use updraft::source::SourceFile;
use updraft::targets::Output;
use updraft::targets::terraform::Terraform;

/// Examples that use a runtime no 5.x provider accepts: (example, runtime, stand-in). The
/// example must fail with that UD5001, then compiles with the stand-in so that everything
/// else in it is still validated and snapshotted. Remove an entry once the example or the
/// provider constraint changes.
const RUNTIME_GAPS: &[(&str, &str, &str)] = &[];

fn stages(file: &SourceFile) -> Vec<Option<String>> {
    let node = updraft::syntax::parse(file, updraft::syntax::Limits::default()).expect("parses");
    let (spec, _) = updraft::spec::read(&node);
    let spec = spec.expect("reads");
    std::iter::once(None)
        .chain(spec.stages.iter().map(|(n, _)| Some(n.value.clone())))
        .collect()
}

fn compile(file: &SourceFile, stage: Option<&str>) -> Result<Output, Vec<Diagnostic>> {
    let mut compilation = common::compilation(file, stage);
    // Examples carry their code: package it as `compile` does, so the configuration names
    // the packages and `terraform validate` finds them beside it.
    let packages = if file.name().starts_with("examples/") {
        compilation.package(&common::root().join(file.name()), None)?
    } else {
        Vec::new()
    };
    let mut output = compilation.compile(&Terraform::default())?;
    output
        .artifacts
        .extend(packages.into_iter().map(|p| updraft::targets::Artifact {
            path: p.path.into(),
            bytes: p.bytes,
        }));
    Ok(output)
}

fn compiled(file: &SourceFile, stage: Option<&str>) -> Output {
    compile(file, stage).unwrap_or_else(|d| {
        panic!(
            "{} (stage {stage:?}) does not compile for Terraform:\n{}",
            file.name(),
            render::human(Some(file), &d, false)
        )
    })
}

fn file_text<'a>(output: &'a Output, name: &str) -> &'a str {
    let artifact = output
        .artifacts
        .iter()
        .find(|a| a.path == Path::new(name))
        .unwrap_or_else(|| panic!("no {name}"));
    std::str::from_utf8(&artifact.bytes).expect("UTF-8")
}

/// Writes the files into a fresh folder under the system's temporary folder.
fn write(name: &str, output: &Output) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "updraft-terraform-test-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the output folder");
    for a in &output.artifacts {
        let path = dir.join(&a.path);
        std::fs::create_dir_all(path.parent().expect("inside the folder")).expect("create");
        std::fs::write(path, &a.bytes).expect("write");
    }
    dir
}

/// Runs `terraform-check` on each folder (a few at a time: each runs `terraform init`), and
/// fails listing every folder it refused. Skips, saying so, where the kit is missing.
fn terraform_check(dirs: &[(String, PathBuf)]) {
    let Some(checker) = common::checker("terraform-check") else {
        return;
    };
    let mut failures = Vec::new();
    for chunk in dirs.chunks(4) {
        let results: Vec<(String, std::process::Output)> = std::thread::scope(|s| {
            let handles: Vec<_> = chunk
                .iter()
                .map(|(name, dir)| {
                    let checker = &checker;
                    s.spawn(move || {
                        let out = Command::new(checker)
                            .arg(dir)
                            .output()
                            .expect("run terraform-check");
                        (name.clone(), out)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("thread"))
                .collect()
        });
        for (name, out) in results {
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            eprintln!("terraform-check {name}: {}", text.trim());
            if !out.status.success() || !text.contains("The configuration is valid") {
                failures.push(format!("{name}:\n{text}"));
            }
        }
    }
    for (_, dir) in dirs {
        let _ = std::fs::remove_dir_all(dir);
    }
    assert!(
        failures.is_empty(),
        "terraform-check failed:\n{}",
        failures.join("\n")
    );
}

/// An example's spec, with a runtime gap's stand-in applied (and the gap checked).
fn example_source(e: &common::Fixture) -> SourceFile {
    let Some((_, runtime, stand_in)) = RUNTIME_GAPS.iter().find(|(n, _, _)| *n == e.name) else {
        return e.file.clone();
    };
    let errors = compile(&e.file, None).expect_err("the runtime gap is reported");
    assert!(
        errors.iter().all(|d| d.code == Code::UnsupportedOnTarget
            && d.message.starts_with("Terraform")
            && d.message.contains(runtime)),
        "{}: {errors:?}",
        e.name
    );
    SourceFile::new(
        e.file.name(),
        e.file.text().replace(
            &format!("runtime: {runtime}"),
            &format!("runtime: {stand_in}"),
        ),
    )
}

#[test]
fn every_example_in_every_stage_passes_terraform_check() {
    let mut dirs = Vec::new();
    for e in common::examples() {
        let file = example_source(&e);
        for stage in stages(&file) {
            let output = compiled(&file, stage.as_deref());
            let mut names: Vec<String> = output
                .artifacts
                .iter()
                .map(|a| a.path.display().to_string())
                .filter(|p| !p.starts_with("packages/"))
                .collect();
            names.sort();
            assert_eq!(
                names,
                ["main.tf", "outputs.tf", "variables.tf", "versions.tf"],
                "{}",
                e.name
            );
            let name = format!("{}-{}", e.name, stage.as_deref().unwrap_or("default"));
            dirs.push((name.clone(), write(&name, &output)));
        }
    }
    terraform_check(&dirs);
}

#[test]
fn configuration_of_each_example() {
    for e in common::examples() {
        let file = example_source(&e);
        let output = compiled(&file, None);
        let mut text = String::new();
        if let Some((_, runtime, stand_in)) = RUNTIME_GAPS.iter().find(|(n, _, _)| *n == e.name) {
            text.push_str(&format!(
                "## compiled with runtime {stand_in} in place of {runtime} (unknown to provider 5.x)\n"
            ));
        }
        for name in ["versions.tf", "variables.tf", "main.tf", "outputs.tf"] {
            text.push_str(&format!("## {name}\n{}\n", file_text(&output, name)));
        }
        common::snapshot("terraform", &e.name, &text);
    }
}

#[test]
fn same_spec_same_bytes() {
    let mut files: Vec<SourceFile> = common::examples().iter().map(example_source).collect();
    files.push(hostile().file);
    for file in &files {
        for stage in stages(file) {
            let a = compiled(file, stage.as_deref());
            let b = compiled(file, stage.as_deref());
            assert_eq!(a.artifacts, b.artifacts, "{} {stage:?}", file.name());
        }
    }
}

fn hostile() -> common::Fixture {
    common::load(&common::root().join("tests/fixtures/hostile-strings/updraft.yaml"))
}

/// Reads a quoted HCL string that holds no interpolation back to its value, the way HCL's
/// scanner does (written independently of the printer under test): `\` escapes, and `$${`
/// / `%%{` for a literal `${` / `%{`, matched from the left.
fn read_quoted(text: &str) -> String {
    let inner = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or_else(|| panic!("not a quoted string: {text}"));
    let chars: Vec<char> = inner.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                i += 1;
                let hex = |n: usize| {
                    let digits: String = chars[i + 1..i + 1 + n].iter().collect();
                    char::from_u32(u32::from_str_radix(&digits, 16).expect("hex")).expect("char")
                };
                match chars[i] {
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    '"' => out.push('"'),
                    '\\' => out.push('\\'),
                    'u' => {
                        out.push(hex(4));
                        i += 4;
                    }
                    'U' => {
                        out.push(hex(8));
                        i += 8;
                    }
                    other => panic!("unknown escape \\{other} in {text}"),
                }
            }
            '$' | '%' if chars.get(i + 1) == Some(&c) && chars.get(i + 2) == Some(&'{') => {
                out.push(c);
                out.push('{');
                i += 2;
            }
            '$' | '%' if chars.get(i + 1) == Some(&'{') => {
                panic!("a template sequence in what should be a literal: {text}")
            }
            '"' => panic!("an unescaped quote in {text}"),
            c => out.push(c),
        }
        i += 1;
    }
    out
}

/// The value of the first `name = "..."` line after the line `after` (both trimmed).
fn attribute<'a>(text: &'a str, after: &str, name: &str) -> &'a str {
    let start = text
        .find(after)
        .unwrap_or_else(|| panic!("no `{after}` in the output"));
    text[start..]
        .lines()
        .find_map(|line| {
            let (key, value) = line.trim().split_once(" = ")?;
            (key.trim_end() == name || key.trim_end() == format!("\"{name}\"")).then_some(value)
        })
        .unwrap_or_else(|| panic!("no `{name}` after `{after}`"))
}

#[test]
fn hostile_strings_validate_and_keep_their_values() {
    let fixture = hostile();
    let compilation = common::compilation(&fixture.file, None);
    let model = compilation.model();
    let output = compiled(&fixture.file, None);
    let main = file_text(&output, "main.tf");

    // Every literal env value reads back as the model holds it.
    let f = &model.functions[0];
    let env_block = "  environment {";
    let mut checked = 0;
    for (key, value) in &f.env {
        let Some(expected) = value.as_literal() else {
            continue;
        };
        assert_eq!(
            read_quoted(attribute(main, env_block, key)),
            expected,
            "env {key}"
        );
        checked += 1;
    }
    assert!(checked >= 10, "{checked} literal env values");
    // Other free strings: descriptions, handler, key names, display names, filters, SQL.
    let function = "resource \"aws_lambda_function\"";
    for (after, name, expected) in [
        (
            function,
            "description",
            f.description.clone().expect("described"),
        ),
        (function, "handler", "index.handler\"${x}".to_string()),
        (
            "resource \"aws_dynamodb_table\"",
            "hash_key",
            "pk\"} ${x} %{y}".into(),
        ),
        ("  ttl {", "attribute_name", "ttl\\${z}".into()),
        (
            "resource \"aws_sns_topic\"",
            "display_name",
            "say \"hi\" ${oops} %{if x} ${AWS::Region}".into(),
        ),
        (
            "resource \"aws_iot_topic_rule\"",
            "sql",
            "SELECT * FROM 'a/${b}' WHERE c = \"%{d}\\\" AND r = '${AWS::Region}'".into(),
        ),
        (
            "  lambda_function {",
            "filter_prefix",
            "in/${p}/${AWS::Region}/".into(),
        ),
        ("  lambda_function {", "filter_suffix", "%{s}\"".into()),
        (
            "    filter {",
            "prefix",
            "logs/${date}/${AWS::AccountId}/".into(),
        ),
    ] {
        assert_eq!(
            read_quoted(attribute(main, after, name)),
            expected,
            "{name}"
        );
    }
    // The printer's escaped forms, as Terraform reads them (checked with `terraform apply`
    // of these lines as outputs when the printer was written).
    for line in [
        r#"      TEMPLATE        = "$${var.secret}""#,
        r#"      DIRECTIVE       = "%%{for x in y}$${x}%%{endfor}""#,
        r#"      DOLLARS         = "$ $$ $$${x} %% %%%%{y} $5 100%""#,
        r#"      BACKSLASH_BRACE = "\\$${x} \\%%{y}""#,
        r#"      CONTROL         = "bell\u0007 escape\u001B nul-free\u007F""#,
        r#"      NEWLINES        = "line1\nline2\r\n\ttabbed""#,
        // A reference in the middle of text, and an escaped one beside it.
        r#"      REF_AND_TEXT    = "table=${aws_dynamodb_table.t.name};literal=$${tables.t.name}""#,
        // Raw statements keep IAM policy variables literal.
        r#"        Resource = ["arn:aws:s3:::hostile-bucket/$${aws:username}/*"]"#,
        r#"            "s3:prefix" = ["$${aws:username}/\"%%{x}\\", "$${AWS::Region}"]"#,
        // Placeholders filled in, an IAM policy variable kept.
        r#"        Resource = ["arn:${data.aws_partition.current.partition}:ssm:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:parameter/$${aws:username}/p"]"#,
        // A `uses` prefix inside a derived ARN.
        r#"        Resource = ["arn:${data.aws_partition.current.partition}:s3:::hostile-strings-b-${data.aws_caller_identity.current.account_id}-${data.aws_region.current.name}/data/$${q}/$${AWS::Region}/*"]"#,
        // A topic filter's key and value.
        r#"    "k\"$${x}" = ["v%%{y}\\", "$${AWS::Region}"]"#,
    ] {
        assert!(
            main.lines().any(|l| l == line),
            "missing line: {line}\n{main}"
        );
    }
    let dir = write("hostile-strings", &output);
    terraform_check(&[("hostile-strings".into(), dir)]);
}

#[test]
fn labels_stay_unique_when_sanitised_names_clash() {
    // `api-access-logs` (a function's log group) meets gateway `api`'s access logs, and
    // (function `a-b`, gateway `c`) meets (function `a`, gateway `b-c`) as integrations.
    let text = r#"app: clash
defaults: { runtime: python3.12, log_retention: 7d }
gateways: { api: {}, c: {}, b-c: {} }
functions:
  api-access-logs: { handler: a.h, events: [ { http: { gateway: api, route: "GET /a", public: true } } ] }
  a-b: { handler: a.h, events: [ { http: { gateway: c, route: "GET /b", public: true } } ] }
  a: { handler: a.h, events: [ { http: { gateway: b-c, route: "GET /c", public: true } } ] }
"#;
    let file = SourceFile::new("clash.yaml", text);
    let output = compiled(&file, None);
    let main = file_text(&output, "main.tf");
    for header in [
        r#"resource "aws_cloudwatch_log_group" "api_access_logs" {"#,
        r#"resource "aws_cloudwatch_log_group" "api_access_logs_2" {"#,
        r#"resource "aws_apigatewayv2_integration" "a_b_c" {"#,
        r#"resource "aws_apigatewayv2_integration" "a_b_c_2" {"#,
    ] {
        assert!(main.contains(header), "missing {header}\n{main}");
    }
    let dir = write("clash", &output);
    terraform_check(&[("clash".into(), dir)]);
}

#[test]
fn what_aws_cannot_express_is_an_error_naming_terraform() {
    let text = r#"app: unsupported
defaults: { runtime: python3.12 }
secrets:
  token: { store: kubernetes, name: api-token }
functions:
  f:
    handler: a.h
    uses: { token: read }
    env: { TOKEN: "${secrets.token.name}" }
"#;
    let file = SourceFile::new("unsupported.yaml", text);
    let errors = compile(&file, None).expect_err("refused");
    let messages: Vec<&str> = errors.iter().map(|d| d.message.as_str()).collect();
    assert!(
        errors
            .iter()
            .all(|d| d.code == Code::UnsupportedOnTarget && d.message.starts_with("Terraform")),
        "{messages:?}"
    );
    assert_eq!(
        messages
            .iter()
            .filter(|m| m.contains("secret `token`") && m.contains("Kubernetes"))
            .count(),
        2,
        "the use and the env reference: {messages:?}"
    );
    // (A `jwt` auth's `user_pool_id` is refused by the model for every target:
    // tests/fixtures/invalid/err_aws_constraints.yaml.)
    assert!(
        errors
            .iter()
            .all(|d| !d.labels.is_empty() && d.help.is_some())
    );
}

/// `--provider 6` (issue 19): the runtimes only 6.x knows compile, the region comes from
/// `region` (`name` is deprecated in 6), the constraint names the first 6.x release that
/// knows every runtime, and nothing else in the configuration changes. Provider 5 refuses
/// such a runtime with help that names `--provider 6`.
#[test]
fn provider_6_takes_the_newer_runtimes_and_nothing_else_changes() {
    use updraft::targets::terraform::Provider;
    let path = common::root().join("examples/photo-share/updraft.yaml");
    let text = std::fs::read_to_string(&path).expect("photo-share");
    assert!(
        text.contains("runtime: nodejs22.x"),
        "the example's runtime moved"
    );
    let newer = SourceFile::new("photo-share.yaml", text.replace("nodejs22.x", "nodejs24.x"));
    let older = SourceFile::new("photo-share.yaml", text);
    let build = |file: &SourceFile, provider: Provider| {
        common::compilation(file, None).compile(&Terraform { provider })
    };

    let refused = build(&newer, Provider::V5).expect_err("5.x does not know nodejs24.x");
    assert!(refused.iter().any(|d| {
        d.code == Code::UnsupportedOnTarget
            && d.message.contains("nodejs24.x")
            && d.help
                .as_deref()
                .is_some_and(|h| h.contains("--provider 6"))
    }));

    let six = build(&newer, Provider::V6).expect("6.x knows nodejs24.x");
    let five = build(&older, Provider::V5).expect("photo-share compiles");
    assert!(file_text(&six, "versions.tf").contains(r#"version = "~> 6.27""#));
    assert!(file_text(&five, "versions.tf").contains(r#"version = "~> 5.0""#));
    let main6 = file_text(&six, "main.tf");
    let main5 = file_text(&five, "main.tf");
    assert!(main5.contains("data.aws_region.current.name"));
    assert!(!main6.contains("data.aws_region.current.name"));
    // The same configuration but for the runtime and the region attribute.
    let normalised = main6
        .replace(
            "data.aws_region.current.region",
            "data.aws_region.current.name",
        )
        .replace("nodejs24.x", "nodejs22.x");
    assert_eq!(normalised, main5);

    // Validating needs a 6.x provider in the mirror; this machine's has 5.100.0 only.
    let mirror = Path::new("/opt/tf-plugins/registry.terraform.io/hashicorp/aws");
    let has_six = std::fs::read_dir(mirror).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("6."))
    });
    if has_six {
        terraform_check(&[("photo-share@provider6".into(), write("provider6", &six))]);
    } else {
        eprintln!(
            "SKIP: terraform validate of --provider 6 output: no hashicorp/aws 6.x in {} \
             (the 5.x output is validated by every_example_in_every_stage_passes_terraform_check)",
            mirror.display()
        );
    }
}

/// Function options as the provider names them: a switched-off rule and schedule, a queue's
/// `scaling_config`, a stream's batching window and layers; `terraform validate` accepts them.
#[test]
fn function_options_become_their_arguments() {
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
                \x20     - queue: { name: q, maximum_concurrency: 5 }\n\
                \x20     - table: { name: t, window: 2m }\n";
    let file = SourceFile::new("opts.yaml", spec);
    let output = compiled(&file, None);
    let main = file_text(&output, "main.tf");
    assert_eq!(main.matches("\"DISABLED\"").count(), 2, "{main}");
    assert!(!main.contains("\"ENABLED\""), "{main}");
    assert!(
        main.contains("scaling_config {\n    maximum_concurrency = 5\n  }"),
        "{main}"
    );
    assert!(
        main.contains("maximum_batching_window_in_seconds = 120"),
        "{main}"
    );
    let layers = main
        .lines()
        .find(|l| l.trim_start().starts_with("layers "))
        .expect("a layers argument");
    assert!(
        layers.ends_with("= [\"arn:aws:lambda:eu-west-1:123456789012:layer:libs:4\"]"),
        "{layers}"
    );
    terraform_check(&[(
        "function-options".into(),
        write("function-options", &output),
    )]);
}
