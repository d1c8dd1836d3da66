//! What `check` accepts, AWS's validators accept: generated valid specs (every construct,
//! names at their length limits, hostile text in every free-text field) that load without
//! error must compile for CloudFormation and Terraform, and the outputs must pass cfn-lint
//! with no error and no warning and `terraform validate` (with `fmt -check`).
//!
//! The validators are slow, so the specs are generated first and validated in batches: every
//! template in one cfn-lint run, every configuration as a module of one Terraform root. CI
//! runs `UPDRAFT_PROPERTY_CASES` cases (default 200); the seed is fixed (`UPDRAFT_PROPERTY_SEED`
//! changes it), so a failure names a spec that reproduces.

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use updraft::targets::Format;
use updraft::targets::cloudformation::{CloudFormation, SplitMode};
use updraft::targets::terraform::Terraform;

/// Pieces of hostile text: template markers of every target, quotes, escapes, control
/// characters, non-ASCII.
const HOSTILE: &[&str] = &[
    "${AWS::Region}",
    "${AWS::AccountId}",
    "${FFunction}",
    "${F0Function.Arn}",
    "${x}",
    "${!x}",
    "${aws:username}",
    "%{if x}",
    "%{y}",
    "$$",
    "$",
    "\"",
    "'",
    "\\",
    "\\n",
    "\n",
    "\t",
    "\u{7f}",
    "\u{7}",
    "é日本👍",
    "{}",
    "[]",
    ": ",
    "# ",
    "&a *b",
    "plain",
    " ",
];

fn hostile() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(HOSTILE), 1..5).prop_map(|parts| parts.concat())
}

/// A YAML double-quoted scalar holding `text` exactly.
fn quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A name of lowercase letters and digits with single hyphens, `len` long, starting with a
/// letter.
fn name(len: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(&b"abcdefghijklmnopqrstuvwxyz0123456789"[..]),
        len,
    )
    .prop_map(move |bytes| {
        let mut s: Vec<u8> = bytes;
        s[0] = b'a' + s[0] % 26;
        if s.len() > 2 {
            // A hyphen inside, never first, last or doubled.
            let at = 1 + (s[1] as usize) % (s.len() - 2);
            s[at] = b'-';
        }
        if s.len() > 1 && !s[s.len() - 1].is_ascii_alphanumeric() {
            let last = s.len() - 1;
            s[last] = b'z';
        }
        String::from_utf8(s).expect("ASCII")
    })
}

/// A length: often at the limit, else anything from 1.
fn length(max: usize) -> impl Strategy<Value = usize> {
    prop_oneof![Just(max), Just(max - 1), 1..=max]
}

#[derive(Clone, Debug)]
struct Spec {
    app: String,
    stage: Option<String>,
    /// Names of the table, queue, topic, bucket and gateway.
    names: [String; 5],
    fifo: bool,
    texts: Vec<String>,
    functions: Vec<(String, u8)>,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        length(24).prop_flat_map(name),
        prop::option::of(length(10).prop_flat_map(name)),
        prop::array::uniform5(length(40).prop_flat_map(name)),
        any::<bool>(),
        prop::collection::vec(hostile(), 16),
        prop::collection::vec((length(40).prop_flat_map(name), 0u8..8), 1..4),
    )
        .prop_map(|(app, stage, names, fifo, texts, functions)| Spec {
            app,
            stage,
            names,
            fifo,
            texts,
            functions,
        })
}

/// The spec as YAML: every kind of resource and event, hostile text in free-text fields.
fn render(s: &Spec) -> String {
    let [table, queue, topic, bucket, gateway] = &s.names;
    let t = |i: usize| quoted(&s.texts[i % s.texts.len()]);
    // URLs: a fixed scheme and host, hostile text after them.
    let url =
        |host: &str, i: usize| quoted(&format!("https://{host}/{}", s.texts[i % s.texts.len()]));
    // Env values: a literal `${` is written `$${`.
    let env = |i: usize| quoted(&s.texts[i % s.texts.len()].replace("${", "$${"));
    let mut y = String::new();
    let _ = writeln!(y, "app: {}", s.app);
    let _ = writeln!(
        y,
        "defaults: {{ runtime: python3.12, memory: 128, timeout: 10s, log_retention: 7d, tracing: true }}"
    );
    if let Some(stage) = &s.stage {
        let _ = writeln!(y, "stages: {{ {stage}: {{ memory: 256 }} }}");
    }
    let _ = writeln!(
        y,
        "tables:\n  {table}: {{ partition_key: {{ name: {}, type: string }}, ttl: {}, stream: new_and_old_images }}",
        t(0),
        t(1)
    );
    let fifo = if s.fifo { ", fifo: true" } else { "" };
    let _ = writeln!(y, "queues:\n  {queue}: {{ retention: 14d{fifo} }}");
    let _ = writeln!(y, "topics:\n  {topic}: {{ display_name: {} }}", t(2));
    let _ = writeln!(
        y,
        "buckets:\n  {bucket}:\n    lifecycle: [ {{ prefix: {}, expire_after: 30d }} ]\n    cors: {{ origins: [{}], methods: [GET], headers: [{}] }}",
        t(3),
        url("a.example", 4),
        t(5)
    );
    let _ = writeln!(
        y,
        "auth:\n  tokens: {{ kind: jwt, issuer: {}, audience: [{}] }}",
        url("issuer.example", 6),
        t(7)
    );
    let _ = writeln!(
        y,
        "gateways:\n  {gateway}: {{ cors: {{ origins: [{}] }} }}",
        url("b.example", 8)
    );
    let _ = writeln!(y, "functions:");
    for (i, (f, event)) in s.functions.iter().enumerate() {
        // Names must differ: suffix all but the first with their index (within the cap).
        let f = if i == 0 {
            f.clone()
        } else {
            format!("{}{i}", &f[..f.len().min(38)])
        };
        let _ = writeln!(y, "  {f}:");
        let _ = writeln!(y, "    handler: index.handler");
        let _ = writeln!(y, "    description: {}", t(9 + i));
        let _ = writeln!(
            y,
            "    env: {{ V1: {}, V2: {}, TABLE: \"${{tables.{table}.name}}\" }}",
            env(10 + i),
            env(11 + i)
        );
        let ev = match event {
            0 => format!(
                "{{ http: {{ gateway: {gateway}, route: \"GET /f{i}/{{id}}\", public: true }} }}"
            ),
            1 => {
                format!("{{ http: {{ gateway: {gateway}, route: \"POST /f{i}\", auth: tokens }} }}")
            }
            2 => format!("{{ queue: {{ name: {queue}, batch_size: 5 }} }}"),
            3 => format!(
                "{{ topic: {{ name: {topic}, filter: {{ {}: [{}] }} }} }}",
                t(12 + i),
                t(13 + i)
            ),
            4 => format!(
                "{{ bucket: {{ name: {bucket}, on: created, prefix: {}, suffix: {} }} }}",
                t(14 + i),
                t(15 + i)
            ),
            5 => "{ schedule: \"rate(1 hour)\" }".to_string(),
            6 => format!("{{ table: {{ name: {table} }} }}"),
            _ => format!(
                "{{ iot: {{ sql: {} }} }}",
                quoted(&format!(
                    "SELECT * FROM 'a/b' WHERE c = {}",
                    s.texts[(3 + i) % s.texts.len()]
                ))
            ),
        };
        // One bucket event per app: S3 refuses overlapping notification filters.
        let _ = writeln!(y, "    events: [ {ev} ]");
        let _ = writeln!(
            y,
            "    uses: {{ {table}: read_write, {bucket}: {{ access: read, prefix: {} }}, {topic}: publish, {queue}: send }}",
            // Control characters and wildcards are refused in key prefixes.
            quoted(&format!(
                "p{}",
                s.texts[(4 + i) % s.texts.len()].replace(|c: char| c.is_control() || c == '*', "")
            ))
        );
        let _ = writeln!(y, "    permissions:");
        let _ = writeln!(y, "      - actions: [\"ssm:GetParameter\"]");
        let _ = writeln!(
            y,
            "        resources: [\"arn:${{aws.partition}}:ssm:${{aws.region}}:${{aws.account}}:parameter/${{aws:username}}/p\"]"
        );
        let _ = writeln!(
            y,
            "        condition: {{ StringLike: {{ \"ssm:x\": [{}] }} }}",
            t(6 + i)
        );
    }
    y
}

/// Accepted specs (text and stage), and how often each diagnostic code refused one.
type Accepted = (
    Vec<(String, Option<String>)>,
    std::collections::BTreeMap<String, usize>,
);

fn accepted(cases: usize, seed: u64) -> Accepted {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    );
    let strategy = spec();
    let mut out = Vec::new();
    let mut refused = 0;
    let mut codes = std::collections::BTreeMap::new();
    while out.len() < cases {
        let s = strategy.new_tree(&mut runner).expect("generate").current();
        let text = render(&s);
        let file = updraft::source::SourceFile::new("gen.yaml", text.clone());
        let options = updraft::Options {
            stage: s.stage.clone(),
            ..updraft::Options::default()
        };
        match updraft::Compilation::new(&file, &options) {
            Ok(_) => out.push((text, s.stage)),
            Err(d) => {
                if std::env::var_os("UPDRAFT_PROPERTY_VERBOSE").is_some() {
                    eprintln!(
                        "refused:\n{}",
                        updraft::diag::render::human(Some(&file), &d, false)
                    );
                }
                refused += 1;
                for c in d.iter().map(|d| d.code.as_str().to_string()) {
                    *codes.entry(c).or_insert(0) += 1;
                }
            }
        }
        assert!(
            refused <= cases * 4 + 50,
            "the generator makes mostly invalid specs"
        );
    }
    (out, codes)
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The variables of a Terraform configuration that have no default, to pass to its module.
fn required_variables(variables_tf: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<(String, bool)> = None;
    for line in variables_tf.lines() {
        if let Some(rest) = line.strip_prefix("variable \"") {
            current = rest.split('"').next().map(|n| (n.to_string(), false));
        } else if line.trim_start().starts_with("default") {
            if let Some((_, d)) = current.as_mut() {
                *d = true;
            }
        } else if line == "}"
            && let Some((n, d)) = current.take()
            && !d
        {
            out.push(n);
        }
    }
    out
}

fn write_all(dir: &Path, files: &[(PathBuf, Vec<u8>)]) {
    for (path, bytes) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, bytes).expect("write");
    }
}

#[test]
fn what_check_accepts_passes_cfn_lint_and_terraform_validate() {
    let cases = usize::try_from(env_number("UPDRAFT_PROPERTY_CASES", 200)).unwrap_or(200);
    let seed = env_number("UPDRAFT_PROPERTY_SEED", 13);
    let started = std::time::Instant::now();
    let (specs, refused) = accepted(cases, seed);
    let dir = std::env::temp_dir().join(format!("updraft-accepted-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (cfn_dir, tf_dir) = (dir.join("cfn"), dir.join("tf"));
    std::fs::create_dir_all(&cfn_dir).expect("mkdir");
    std::fs::create_dir_all(&tf_dir).expect("mkdir");
    let mut templates = Vec::new();
    let mut root = String::from(
        "terraform {\n  required_providers {\n    aws = {\n      source  = \"hashicorp/aws\"\n      version = \"~> 5.0\"\n    }\n  }\n}\n",
    );
    let mut failures = Vec::new();
    for (i, (text, stage)) in specs.iter().enumerate() {
        let file = updraft::source::SourceFile::new(format!("spec{i}.yaml"), text.clone());
        let options = updraft::Options {
            stage: stage.clone(),
            ..updraft::Options::default()
        };
        let compilation = updraft::Compilation::new(&file, &options).expect("accepted");
        std::fs::write(dir.join(format!("spec{i}.yaml")), text).expect("write");
        match compilation.compile(&CloudFormation {
            split: SplitMode::Never,
            format: Format::Json,
        }) {
            Ok(out) => {
                let path = cfn_dir.join(format!("spec{i}.json"));
                std::fs::write(&path, &out.artifacts[0].bytes).expect("write");
                templates.push(path);
            }
            Err(d) => failures.push(format!("spec{i}: CloudFormation refused it: {d:?}")),
        }
        match compilation.compile(&Terraform::default()) {
            Ok(out) => {
                let files: Vec<(PathBuf, Vec<u8>)> = out
                    .artifacts
                    .iter()
                    .map(|a| (a.path.clone(), a.bytes.clone()))
                    .collect();
                let module = tf_dir.join(format!("spec{i}"));
                write_all(&module, &files);
                let variables =
                    std::fs::read_to_string(module.join("variables.tf")).unwrap_or_default();
                // Aligned as `terraform fmt` aligns them.
                let mut args = vec![("source".to_string(), format!("./spec{i}"))];
                args.extend(
                    required_variables(&variables)
                        .into_iter()
                        .map(|v| (v, "x".to_string())),
                );
                let width = args.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
                let _ = writeln!(root, "\nmodule \"spec{i}\" {{");
                for (k, v) in args {
                    let _ = writeln!(root, "  {k:width$} = \"{v}\"");
                }
                root.push_str("}\n");
            }
            Err(d) => failures.push(format!("spec{i}: Terraform refused it: {d:?}")),
        }
    }
    std::fs::write(tf_dir.join("main.tf"), &root).expect("write");
    eprintln!(
        "{} specs accepted (refused by check, diagnostics by code: {refused:?}) in {:.1?}; specs in {}",
        specs.len(),
        started.elapsed(),
        dir.display()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    if let Some(checker) = common::checker("cfn-check") {
        // Two runs at a time: cfn-lint is single-threaded.
        let outputs: Vec<std::process::Output> = std::thread::scope(|s| {
            let handles: Vec<_> = templates
                .chunks(templates.len().div_ceil(2).max(1))
                .map(|chunk| {
                    let checker = &checker;
                    s.spawn(move || {
                        Command::new(checker)
                            .args(chunk)
                            .output()
                            .expect("run cfn-check")
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("thread"))
                .collect()
        });
        for out in outputs {
            let report = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            if !out.status.success() || !report.trim().is_empty() {
                failures.push(format!("cfn-lint:\n{report}"));
            }
        }
        eprintln!("cfn-lint done at {:.1?}", started.elapsed());
    }
    if let Some(checker) = common::checker("terraform-check") {
        let out = Command::new(&checker)
            .arg(&tf_dir)
            .output()
            .expect("run terraform-check");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if !out.status.success() || !text.contains("The configuration is valid") {
            failures.push(format!("terraform-check:\n{text}"));
        }
        eprintln!("terraform validate done at {:.1?}", started.elapsed());
    }
    assert!(
        failures.is_empty(),
        "specs in {}:\n{}",
        dir.display(),
        failures.join("\n")
    );
    let _ = std::fs::remove_dir_all(&dir);
}
