//! The Knative target. The verdict for each bundled example is read from the mapping table
//! in `targets/knative/README.md`: an example marked supported must compile in every stage
//! and pass `knative-check` (strict Knative CRD schemas); any other must fail with exactly
//! the diagnostics the table lists. Outputs are snapshotted (reviewed), compiled twice for
//! determinism, and compiled into another namespace.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use updraft::diag::{Code, Diagnostic, Severity, render};
use updraft::source::SourceFile;
use updraft::targets::{Output, knative::Knative};

/// The files that hold Knative kinds, which `knative-check` knows; the others hold core
/// Kubernetes kinds (ServiceAccount) or kustomize's, which it reports as NO SCHEMA.
const KNATIVE_FILES: &[&str] = &[
    "params.yaml",
    "services.yaml",
    "eventing.yaml",
    "routes.yaml",
    "mesh.yaml",
    "monitoring.yaml",
];

/// The registry `handler` functions are built into (`--registry`).
const REGISTRY: &str = "registry.example.com/acme";
/// The region of the AWS buckets and tables that IntegrationSources read (`--aws-region`).
const AWS_REGION: &str = "eu-west-1";

/// An app that uses every construct the Knative target maps, in one spec: a public route,
/// a queue with a redrive policy and a consumer of its dead-letter queue, a filtered topic
/// subscription, schedules in UTC and in a time zone, an asynchronous invocation with
/// retries and a dead letter, both kinds of secret store, a table and a bucket binding
/// (with a prefix), and env values that mix references, secrets and characters that YAML
/// or Kubernetes would otherwise read differently.
const SHOP: &str = r#"app: shop
defaults: { memory: 256, timeout: 30s, architecture: arm64, tracing: true, log_retention: 14d, env: { APP: "${app.name}", STAGE: "${app.stage}" } }
stages:
  prod:
    memory: 512
    functions:
      checkout: { reserved_concurrency: 20, provisioned_concurrency: 2 }
auth:
  partners: { kind: jwt, issuer: "https://id.shop.example/", audience: [shop] }
gateways:
  web: {}
tables:
  orders: { partition_key: { name: id, type: string }, stream: new_image }
buckets:
  receipts: {}
queues:
  orders-placed: { dead_letter: { queue: orders-failed, max_receives: 4 } }
  orders-failed: { retention: 14d }
topics:
  shipments: {}
secrets:
  stripe-key: { store: kubernetes, name: stripe, key: api-key }
  mail-token: { store: secrets_manager, name: shop/mail-token }
functions:
  checkout:
    image: registry.example.com/shop/checkout:2.0.1
    description: Takes the order and queues it.
    events: [ { http: { gateway: web, route: "POST /checkout", public: true } } ]
    uses: { orders: write, orders-placed: send, stripe-key: read }
    env:
      ORDERS_TABLE: "${tables.orders.name}"
      QUEUE_URL: "${queues.orders-placed.url}"
      QUEUE_TYPE: "${queues.orders-placed.name}"
      STRIPE: "${secrets.stripe-key.name}"
      DSN: "dynamo://${tables.orders.name}?key=${secrets.stripe-key.arn}&x=$$5"
      PRICE: "$(HOME) costs $5"
      FLAG: "yes"
      ZIP: "0123"
      QUOTE: "say \"hi\": #1"
  fulfil:
    image: registry.example.com/shop/fulfil:2.0.1
    timeout: 2m
    events: [ { queue: { name: orders-placed, batch_size: 1 } } ]
    uses: { orders: read_write, shipments: publish, notify: invoke }
    env: { TOPIC: "${topics.shipments.arn}", NOTIFY: "${functions.notify.name}", ISSUER: "${auth.partners.issuer}" }
  notify:
    image: registry.example.com/shop/notify:2.0.1
    uses: { mail-token: read, receipts: { access: write, prefix: receipts/ } }
    env: { MAIL_TOKEN: "${secrets.mail-token.arn}", RECEIPTS: "${buckets.receipts.name}" }
    retries: 1
    dead_letter: orders-failed
  track:
    image: registry.example.com/shop/track:2.0.1
    events:
      - topic: { name: shipments, filter: { carrier: [dhl, ups], kind: [parcel] } }
    dead_letter: orders-failed
  triage:
    image: registry.example.com/shop/triage:2.0.1
    events: [ { queue: { name: orders-failed } } ]
  archive:
    image: registry.example.com/shop/archive:2.0.1
    events:
      - bucket: { name: receipts, on: created, prefix: receipts/, suffix: .pdf }
      - table: { name: orders, starting_position: trim_horizon }
    dead_letter: orders-failed
  report:
    image: registry.example.com/shop/report:2.0.1
    events:
      - schedule: "rate(15 minutes)"
      - schedule: { expression: "cron(30 5 ? * MON-FRI *)", timezone: Europe/Berlin }
    uses: { orders: read }
    dead_letter: orders-failed
alarms:
  checkout-errors: { metric: errors, function: checkout, threshold: 1, period: 5m, evaluation_periods: 2, notify: shipments }
  checkout-slow: { metric: duration, function: checkout, threshold: 2500.5 }
  fulfil-throttled: { metric: throttles, function: fulfil, threshold: 1 }
  failed-orders: { metric: dead_letter_depth, queue: orders-failed, threshold: 1 }
"#;

/// Constructs that Knative cannot express, one small spec each, with the codes it must give.
const CONSTRUCTS: &[(&str, &str, &[&str])] = &[
    (
        "handler without image",
        "app: a\nfunctions:\n  f: { handler: src/f.handler, runtime: nodejs24.x }\n",
        &["UD5005"],
    ),
    (
        "timeout over 600 s",
        "app: a\nfunctions:\n  f: { image: r.example/f:1, timeout: 15m }\n",
        &["UD5001"],
    ),
    (
        "reserved concurrency 0",
        "app: a\nfunctions:\n  f: { image: r.example/f:1, reserved_concurrency: 0 }\n",
        &["UD5001"],
    ),
    (
        "iot events",
        "app: a\nfunctions:\n  f:\n    image: r.example/f:1\n    events:\n      - iot: { topic: \"sensors/+\" }\n",
        &["UD5001"],
    ),
    (
        "cognito auth",
        "app: a\nauth: { users: { kind: cognito } }\ngateways: { api: { default_auth: users } }\nfunctions:\n  f: { image: r.example/f:1, events: [ { http: { route: \"GET /x\" } } ] }\n",
        &["UD5001"],
    ),
    (
        "raw IAM statement",
        "app: a\nfunctions:\n  f:\n    image: r.example/f:1\n    permissions: [ { actions: [\"ses:SendEmail\"], resources: [\"arn:aws:ses:eu-west-1:123456789012:identity/example.com\"] } ]\n",
        &["UD5001"],
    ),
    (
        "queue delay",
        "app: a\nqueues: { d: { delay: 5s } }\nfunctions:\n  f: { image: r.example/f:1, uses: { d: send } }\n",
        &["UD5001"],
    ),
    (
        "two consumers of one queue",
        "app: a\nqueues: { q: {} }\nfunctions:\n  f: { image: r.example/f:1, events: [ { queue: { name: q } } ] }\n  g: { image: r.example/g:1, events: [ { queue: { name: q } } ] }\n",
        &["UD5001"],
    ),
    (
        "consuming a queue by polling",
        "app: a\nqueues: { q: {} }\nfunctions:\n  f: { image: r.example/f:1, uses: { q: consume } }\n",
        &["UD5001"],
    ),
    (
        "schedule with no unix cron equivalent",
        "app: a\nfunctions:\n  f: { image: r.example/f:1, events: [ { schedule: \"rate(7 minutes)\" }, { schedule: \"cron(0 2 L * ? *)\" } ] }\n",
        &["UD5001", "UD5001"],
    ),
    (
        "topic filter on an attribute CloudEvents cannot carry",
        "app: a\ntopics: { t: {} }\nfunctions:\n  f: { image: r.example/f:1, events: [ { topic: { name: t, filter: { Event_Kind: [a] } } } ] }\n",
        &["UD5001"],
    ),
    (
        "gateway url reference",
        "app: a\ngateways: { api: {} }\nfunctions:\n  f: { image: r.example/f:1, env: { API: \"${gateways.api.url}\" } }\n",
        &["UD5001"],
    ),
    (
        "table referenced but not used",
        "app: a\ntables: { t: { partition_key: { name: id, type: string } } }\nfunctions:\n  f: { image: r.example/f:1, env: { TABLE: \"${tables.t.name}\" } }\n  g: { image: r.example/g:1, uses: { t: read } }\n",
        &["UD5001"],
    ),
    (
        "secret used but referenced nowhere, kubernetes secret without key",
        "app: a\nsecrets: { s: { store: kubernetes, name: creds } }\nfunctions:\n  f: { image: r.example/f:1, uses: { s: read } }\n",
        &["UD5001", "UD5001"],
    ),
    (
        "several grants on one bucket",
        "app: a\nbuckets: { p: {} }\nqueues: { q: {} }\nfunctions:\n  f: { image: r.example/f:1, uses: { p: [ { access: read, prefix: in/ }, { access: write, prefix: out/ } ], q: [ send, consume ] }, events: [ { queue: { name: q } } ] }\n",
        &["UD5001"],
    ),
    (
        "env names that Knative or the target set",
        "app: a\nfunctions:\n  f: { image: r.example/f:1, env: { PORT: \"9000\", K_SINK: x, UPDRAFT_X: y } }\n",
        &["UD5001", "UD5001", "UD5001"],
    ),
];

fn compile(
    file: &SourceFile,
    stage: Option<&str>,
    namespace: Option<&str>,
) -> Result<Output, Vec<Diagnostic>> {
    compile_with(file, stage, namespace, Some(REGISTRY))
}

fn compile_with(
    file: &SourceFile,
    stage: Option<&str>,
    namespace: Option<&str>,
    registry: Option<&str>,
) -> Result<Output, Vec<Diagnostic>> {
    common::compilation(file, stage).compile(&Knative {
        namespace: namespace.map(str::to_string),
        registry: registry.map(str::to_string),
        aws_region: registry.map(|_| AWS_REGION.to_string()),
        mesh: None,
        code_root: Path::new(file.name()).parent().map(Path::to_path_buf),
    })
}

fn stages(file: &SourceFile) -> Vec<Option<String>> {
    let node = updraft::syntax::parse(file, updraft::syntax::Limits::default()).expect("parses");
    let (spec, _) = updraft::spec::read(&node);
    std::iter::once(None)
        .chain(
            spec.expect("reads")
                .stages
                .iter()
                .map(|(n, _)| Some(n.value.clone())),
        )
        .collect()
}

/// The verdicts of the README's "Bundled examples" table: `supported`, or the codes the
/// example fails with, each with its count (`UD5001 ×3`).
fn verdicts() -> BTreeMap<String, Option<Vec<String>>> {
    let readme =
        std::fs::read_to_string(common::root().join("targets/knative/README.md")).expect("README");
    let section = readme
        .split("## Bundled examples")
        .nth(1)
        .expect("the README has a `## Bundled examples` section");
    let mut out = BTreeMap::new();
    for line in section.lines().take_while(|l| !l.starts_with("## ")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let [_, name, verdict, ..] = cells.as_slice() else {
            continue;
        };
        let Some(name) = name.strip_prefix('`').and_then(|n| n.strip_suffix('`')) else {
            continue;
        };
        let verdict = if *verdict == "supported" {
            None
        } else {
            let mut codes = Vec::new();
            for item in verdict.split(',') {
                let (code, n) = item.trim().split_once(" ×").unwrap_or((item.trim(), "1"));
                let code = code.trim_matches('`');
                assert!(
                    Code::parse(code).is_some(),
                    "README: `{code}` is not a code"
                );
                for _ in 0..n.parse::<usize>().expect("count") {
                    codes.push(code.to_string());
                }
            }
            codes.sort();
            Some(codes)
        };
        out.insert(name.to_string(), verdict);
    }
    out
}

fn codes(diagnostics: &[Diagnostic]) -> Vec<String> {
    let mut codes: Vec<String> = diagnostics.iter().map(|d| d.code.to_string()).collect();
    codes.sort();
    codes
}

/// Every file, with its name, as one text (for snapshots).
fn listing(output: &Output) -> String {
    let mut text = String::new();
    for a in &output.artifacts {
        text.push_str(&format!("# ===== {} =====\n", a.path.display()));
        text.push_str(std::str::from_utf8(&a.bytes).expect("UTF-8"));
    }
    text
}

fn file<'a>(output: &'a Output, name: &str) -> Option<&'a str> {
    output
        .artifacts
        .iter()
        .find(|a| a.path == Path::new(name))
        .map(|a| std::str::from_utf8(&a.bytes).expect("UTF-8"))
}

/// The documents of a multi-document YAML file.
fn documents(text: &str) -> Vec<Value> {
    text.split("\n---\n")
        .map(|doc| serde_saphyr::from_str::<Value>(doc).unwrap_or_else(|e| panic!("{e}:\n{doc}")))
        .collect()
}

/// Writes the artifacts into a fresh folder.
fn write(output: &Output, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("updraft-knative-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for a in &output.artifacts {
        let path = dir.join(&a.path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, &a.bytes).expect("write");
    }
    dir
}

/// What must hold of every output: the kustomization lists the other files and sets the
/// namespace; every object has it; Knative kinds pass `knative-check`; ServiceAccounts,
/// which it has no schema for, hold exactly the fields we mean (no token, labels).
fn conforms(output: &Output, name: &str, namespace: &str) {
    let kustomization = documents(file(output, "kustomization.yaml").expect("kustomization.yaml"));
    let k = &kustomization[0];
    assert_eq!(k["apiVersion"], "kustomize.config.k8s.io/v1beta1");
    assert_eq!(k["namespace"], namespace, "{name}");
    let listed: Vec<&str> = k["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let files: Vec<String> = output
        .artifacts
        .iter()
        .map(|a| a.path.display().to_string())
        .filter(|p| p != "kustomization.yaml" && !p.starts_with("build/"))
        .collect();
    assert_eq!(
        listed, files,
        "{name}: the kustomization lists every manifest"
    );
    for f in &files {
        for doc in documents(file(output, f).expect("listed")) {
            let meta = &doc["metadata"];
            assert_eq!(meta["namespace"], namespace, "{name}: {f}: {meta}");
            assert_eq!(
                meta["labels"]["app.kubernetes.io/managed-by"], "updraft",
                "{name}: {f}"
            );
            if doc["kind"] == "ServiceAccount" {
                let keys: Vec<&String> = doc.as_object().expect("object").keys().collect();
                assert_eq!(
                    keys,
                    [
                        "apiVersion",
                        "kind",
                        "metadata",
                        "automountServiceAccountToken"
                    ],
                    "{name}"
                );
                assert_eq!(doc["apiVersion"], "v1");
                assert_eq!(doc["automountServiceAccountToken"], false);
                for key in meta.as_object().expect("metadata").keys() {
                    assert!(
                        ["name", "namespace", "labels", "annotations"].contains(&key.as_str()),
                        "{name}: {key}"
                    );
                }
                let access = meta["annotations"]["updraft.dev/access"]
                    .as_str()
                    .unwrap_or("[]");
                let access: Value =
                    serde_json::from_str(access).expect("the access annotation is JSON");
                assert!(access.is_array());
            } else {
                assert!(
                    f != "serviceaccounts.yaml" && KNATIVE_FILES.contains(&f.as_str()),
                    "{name}: {f}"
                );
            }
        }
    }
    let dir = write(output, name);
    if let Some(check) = common::checker("knative-check") {
        let manifests: Vec<PathBuf> = KNATIVE_FILES
            .iter()
            .map(|f| dir.join(f))
            .filter(|p| p.is_file())
            .collect();
        let run = Command::new(&check)
            .args(&manifests)
            .output()
            .expect("knative-check runs");
        assert!(
            run.status.success(),
            "{name}: knative-check failed:\n{}{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
    }
    // kustomize builds the folder when kubectl is on the machine (not part of the kit).
    if let Ok(run) = Command::new("kubectl").arg("kustomize").arg(&dir).output() {
        assert!(
            run.status.success(),
            "{name}: kubectl kustomize failed:\n{}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_mapping_table_gives_a_verdict_for_every_example() {
    let verdicts = verdicts();
    let examples: Vec<String> = common::examples().into_iter().map(|e| e.name).collect();
    let listed: Vec<String> = verdicts.keys().cloned().collect();
    assert_eq!(
        listed, examples,
        "targets/knative/README.md must list every example"
    );
    assert!(
        verdicts.values().any(Option::is_none),
        "at least one example runs on Knative"
    );
}

#[test]
fn examples_compile_or_fail_as_the_mapping_table_says() {
    let verdicts = verdicts();
    for e in common::examples() {
        let verdict = verdicts
            .get(&e.name)
            .unwrap_or_else(|| panic!("{} has no verdict", e.name));
        let mut text = String::new();
        for stage in stages(&e.file) {
            let label = stage.as_deref().unwrap_or("(none)");
            match (compile(&e.file, stage.as_deref(), None), verdict) {
                (Ok(output), None) => {
                    conforms(&output, &format!("{}-{label}", e.name), &e.name);
                    text.push_str(&format!(
                        "## stage: {label}\n# summary: {}\n# warnings:\n{}{}\n",
                        output.summary.join("; "),
                        render::human(Some(&e.file), &output.diagnostics, false),
                        listing(&output)
                    ));
                }
                (Err(d), Some(want)) => {
                    assert_eq!(&codes(&d), want, "{} (stage {label})", e.name);
                    assert!(
                        d.iter()
                            .all(|d| d.help.is_some() && d.primary_span().is_some()),
                        "{}",
                        e.name
                    );
                    assert!(
                        d.iter().all(|d| d.message.starts_with("Knative: ")),
                        "{}",
                        e.name
                    );
                    text.push_str(&format!(
                        "## stage: {label}\n{}\n",
                        render::human(Some(&e.file), &d, false)
                    ));
                }
                (Ok(_), Some(want)) => panic!(
                    "{} (stage {label}) compiled; the README says it fails with {want:?}",
                    e.name
                ),
                (Err(d), None) => panic!(
                    "{} (stage {label}) is marked supported but fails:\n{}",
                    e.name,
                    render::human(Some(&e.file), &d, false)
                ),
            }
        }
        common::snapshot("knative", &e.name, &text);
    }
}

#[test]
fn every_mapped_construct_compiles_and_validates() {
    let file = SourceFile::new("shop.yaml", SHOP);
    let mut text = String::new();
    for stage in [None, Some("prod")] {
        let output = compile(&file, stage, None)
            .unwrap_or_else(|d| panic!("{}", render::human(Some(&file), &d, false)));
        assert!(output.diagnostics.is_empty(), "{:?}", output.diagnostics);
        conforms(
            &output,
            &format!("shop-{}", stage.unwrap_or("none")),
            "shop",
        );
        if stage == Some("prod") {
            text = listing(&output);
        }
    }
    common::snapshot("knative", "shop-prod", &text);
}

#[test]
fn env_values_survive_yaml_and_kubernetes_expansion() {
    let output = compile(&SourceFile::new("shop.yaml", SHOP), None, None).expect("compiles");
    let services = documents(file(&output, "services.yaml").expect("services"));
    let checkout = services
        .iter()
        .find(|s| s["metadata"]["name"] == "checkout")
        .expect("checkout");
    let env: BTreeMap<String, &Value> =
        checkout["spec"]["template"]["spec"]["containers"][0]["env"]
            .as_array()
            .expect("env")
            .iter()
            .map(|e| (e["name"].as_str().expect("name").to_string(), e))
            .collect();
    let value = |k: &str| {
        env[k]["value"]
            .as_str()
            .unwrap_or_else(|| panic!("{k} has no value"))
    };
    // Kubernetes reads `$$` as `$` and `$(X)` as a reference: literal text is escaped.
    assert_eq!(value("PRICE"), "$$(HOME) costs $$5");
    assert_eq!(value("FLAG"), "yes");
    assert_eq!(value("ZIP"), "0123");
    assert_eq!(value("QUOTE"), "say \"hi\": #1");
    assert_eq!(value("STAGE"), "default");
    assert_eq!(
        value("QUEUE_URL"),
        "http://broker-ingress.knative-eventing.svc.cluster.local/shop/shop"
    );
    assert_eq!(value("QUEUE_TYPE"), "shop.queue.orders-placed");
    assert_eq!(value("K_SINK"), value("QUEUE_URL"));
    assert_eq!(
        value("UPDRAFT_EVENT_TYPE_ORDERS_PLACED"),
        value("QUEUE_TYPE")
    );
    // Secrets and bindings are references, never values.
    assert_eq!(env["STRIPE"]["valueFrom"]["secretKeyRef"]["name"], "stripe");
    assert_eq!(env["STRIPE"]["valueFrom"]["secretKeyRef"]["key"], "api-key");
    assert_eq!(
        env["ORDERS_TABLE"]["valueFrom"]["secretKeyRef"]["name"],
        "shop-orders-write-binding"
    );
    assert_eq!(
        value("DSN"),
        "dynamo://$(UPDRAFT_SECRET_SHOP_ORDERS_WRITE_BINDING_NAME)?key=$(UPDRAFT_SECRET_STRIPE_API_KEY)&x=$$$$5"
    );
    let names: Vec<&String> = env.keys().collect();
    let position = |k: &str| {
        checkout["spec"]["template"]["spec"]["containers"][0]["env"]
            .as_array()
            .expect("env")
            .iter()
            .position(|e| e["name"] == k)
            .unwrap_or_else(|| panic!("{k} missing from {names:?}"))
    };
    assert!(
        position("UPDRAFT_SECRET_STRIPE_API_KEY") < position("DSN"),
        "helpers come before their users"
    );
}

#[test]
fn constructs_knative_cannot_express_fail_with_their_diagnostic() {
    let mut text = String::new();
    let mut mismatches = Vec::new();
    for (what, spec, want) in CONSTRUCTS {
        let file = SourceFile::new(format!("{}.yaml", what.replace(' ', "-")), *spec);
        let Err(diagnostics) = compile_with(&file, None, None, None) else {
            panic!("`{what}` compiled for Knative")
        };
        let mut want: Vec<String> = want.iter().map(|s| (*s).to_string()).collect();
        want.sort();
        if codes(&diagnostics) != want {
            mismatches.push(format!(
                "{what}: got {:?}, want {want:?}",
                codes(&diagnostics)
            ));
        }
        for d in &diagnostics {
            assert_eq!(d.severity, Severity::Error, "{what}");
            assert!(
                d.help.is_some() && d.primary_span().is_some(),
                "{what}: {}",
                d.message
            );
            assert!(d.message.starts_with("Knative: "), "{what}: {}", d.message);
        }
        text.push_str(&format!(
            "## {what}\n{}\n",
            render::human(Some(&file), &diagnostics, false)
        ));
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    common::snapshot("knative", "constructs", &text);
}

#[test]
fn the_same_spec_gives_the_same_bytes() {
    for e in common::examples()
        .iter()
        .map(|e| &e.file)
        .chain([&SourceFile::new("shop.yaml", SHOP)])
    {
        for stage in stages(e) {
            let a = compile(e, stage.as_deref(), None);
            let b = compile(e, stage.as_deref(), None);
            match (a, b) {
                (Ok(a), Ok(b)) => assert_eq!(a.artifacts, b.artifacts, "{}", e.name()),
                (Err(a), Err(b)) => assert_eq!(a, b, "{}", e.name()),
                _ => panic!("{}: one run failed and the other did not", e.name()),
            }
        }
    }
}

#[test]
fn the_namespace_parameter_is_honoured() {
    let file = SourceFile::new("shop.yaml", SHOP);
    let output = compile(&file, Some("prod"), Some("shop-prod")).expect("compiles");
    conforms(&output, "shop-namespace", "shop-prod");
    let all = listing(&output);
    assert!(all.contains("broker-ingress.knative-eventing.svc.cluster.local/shop-prod/shop"));
    assert!(all.contains("/apis/v1/namespaces/shop-prod/pingsources/report-schedule"));
    assert!(all.contains("http://notify.shop-prod.svc.cluster.local"));
    assert!(
        !all.contains("namespace: shop\n"),
        "no object is left in the default namespace"
    );

    for bad in ["Shop", "-shop", "shop_prod", &"a".repeat(64)] {
        let d = compile(&file, None, Some(bad)).expect_err(bad);
        assert_eq!(codes(&d), ["UD1005"], "{bad}");
    }
}

#[test]
fn a_route_is_public_only_when_knative_can_serve_it_as_the_spec_says() {
    let spec = "app: a\nauth: { partners: { kind: jwt, issuer: \"https://id.example/\", audience: [a] } }\ngateways: { api: {} }\nfunctions:\n  open: { image: r.example/open:1, events: [ { http: { route: \"GET /open\" } } ] }\n  guarded: { image: r.example/guarded:1, events: [ { http: { route: \"POST /guarded\", auth: partners } } ] }\n  worker: { image: r.example/worker:1 }\n";
    let source = SourceFile::new("routes.yaml", spec);
    let output = compile(&source, None, None).expect("compiles");
    conforms(&output, "routes", "a");
    let services = documents(file(&output, "services.yaml").expect("services"));
    let visibility = |name: &str| {
        let s = services
            .iter()
            .find(|s| s["metadata"]["name"] == name)
            .expect(name);
        s["metadata"]["labels"]["networking.knative.dev/visibility"].clone()
    };
    assert_eq!(
        visibility("open"),
        Value::Null,
        "a route without auth or gateway settings is public"
    );
    assert_eq!(
        visibility("guarded"),
        "cluster-local",
        "a route with auth waits for the cluster's gateway"
    );
    assert_eq!(
        visibility("worker"),
        "cluster-local",
        "a function without routes is never public"
    );
    // One entry point: the HTTPRoute routes what needs no auth, never the guarded route.
    let routes = documents(file(&output, "routes.yaml").expect("routes.yaml"));
    let [route] = routes.as_slice() else {
        panic!("one HTTPRoute expected: {routes:?}")
    };
    assert_eq!(route["spec"]["parentRefs"][0]["name"], "api");
    let rules = route["spec"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0]["backendRefs"][0]["name"], "open");
    assert_eq!(rules[0]["matches"][0]["path"]["value"], "/open");
    assert_eq!(rules[0]["matches"][0]["method"], "GET");
    let [warning] = output.diagnostics.as_slice() else {
        panic!("one warning expected: {:?}", output.diagnostics);
    };
    assert_eq!(warning.severity, Severity::Warning);
    // `explain --list` shows each code's default severity: the output must agree with it.
    assert_eq!(warning.code.default_severity(), warning.severity);
    assert_eq!(
        warning.message,
        "Knative: gateway `api` has auth, which Knative Serving does not enforce; its functions (`guarded`) are published cluster-local"
    );
}

/// The adapter's own tests, in its languages: each event shape in, what the handler receives
/// and what the caller gets back. Skipped, with a message, where the interpreter is missing.
#[test]
fn the_adapter_passes_its_own_tests_in_python_and_node() {
    let dir = common::root().join("targets/knative/adapter");
    let runs: [(&str, &[&str]); 2] = [
        ("python3", &["-m", "unittest", "discover", "-s", "."]),
        ("node", &["--test", "."]),
    ];
    for (program, args) in runs {
        let run = match Command::new(program).args(args).current_dir(&dir).output() {
            Ok(run) => run,
            Err(e) => {
                eprintln!("SKIP: the {program} adapter tests: `{program}` is not available ({e})");
                continue;
            }
        };
        assert!(
            run.status.success(),
            "{program} adapter tests failed:\n{}{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
    }
}

/// `--registry`: a handler function gets an image named after the app and function, tagged
/// with a hash of its code, and the build files; the tag follows the code.
#[test]
fn handlers_become_images_tagged_by_their_code() {
    let dir = std::env::temp_dir().join(format!("updraft-knative-images-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).expect("mkdir");
    let spec = "app: shop\ngateways: { web: {} }\nfunctions:\n  api: { handler: src/api.handler, runtime: nodejs22.x, events: [ { http: { route: \"GET /x\" } } ] }\n  report: { handler: report.main, runtime: python3.12, code: py }\n";
    let path = dir.join("updraft.yaml");
    std::fs::write(&path, spec).expect("spec");
    std::fs::write(dir.join("src/api.js"), "exports.handler = async () => 1;\n").expect("code");
    let file = SourceFile::new(path.display().to_string(), spec);
    let image = |output: &Output, name: &str| {
        let services = documents(file_of(output, "services.yaml"));
        let s = services
            .iter()
            .find(|s| s["metadata"]["name"] == name)
            .expect(name);
        s["spec"]["template"]["spec"]["containers"][0]["image"]
            .as_str()
            .expect("image")
            .to_string()
    };
    let first = compile(&file, None, None).unwrap_or_else(|d| panic!("{d:?}"));
    conforms(&first, "images", "shop");
    let api = image(&first, "api");
    assert!(
        api.starts_with("registry.example.com/acme/shop-api:"),
        "{api}"
    );
    // `py` does not exist: the tag hashes handler and runtime, and a warning says so.
    let [warning] = first.diagnostics.as_slice() else {
        panic!("{:?}", first.diagnostics);
    };
    assert!(warning.message.contains("`report`") && !warning.message.contains("`api`"));
    let paths: Vec<String> = first
        .artifacts
        .iter()
        .map(|a| a.path.display().to_string())
        .filter(|p| p.starts_with("build/"))
        .collect();
    assert_eq!(
        paths,
        [
            "build/adapter/updraft-adapter.js",
            "build/adapter/updraft_adapter.py",
            "build/api/Procfile",
            "build/api/project.toml",
            "build/build.sh",
            "build/report/Procfile",
            "build/report/project.toml",
        ]
    );
    assert!(
        file_of(&first, "build/build.sh")
            .contains(&format!("build api . updraft-adapter.js {api}\n"))
    );
    assert!(file_of(&first, "build/report/project.toml").contains("BP_CPYTHON_VERSION"));

    // An updraft output folder inside the code is not code.
    std::fs::create_dir_all(dir.join("src/out")).expect("mkdir");
    std::fs::write(dir.join("src/out/.updraft-manifest"), "x\n").expect("manifest");
    std::fs::write(dir.join("src/out/services.yaml"), "x\n").expect("output");
    let again = compile(&file, None, None).expect("compiles");
    assert_eq!(
        image(&again, "api"),
        api,
        "--out inside the code does not change the tag"
    );
    std::fs::write(dir.join("src/api.js"), "exports.handler = async () => 2;\n").expect("code");
    let second = compile(&file, None, None).expect("compiles");
    assert_ne!(image(&second, "api"), api, "a code change changes the tag");
    assert_eq!(image(&second, "report"), image(&first, "report"));

    let refused =
        compile_with(&file, None, None, Some("Registry.Example.com")).expect_err("bad registry");
    assert_eq!(codes(&refused), ["UD1005"]);
    let unserved = "app: a\nfunctions:\n  f: { handler: com.example.Handler, runtime: java21 }\n";
    let refused =
        compile(&SourceFile::new("a.yaml", unserved), None, None).expect_err("no adapter");
    assert_eq!(codes(&refused), ["UD5005"]);
    let _ = std::fs::remove_dir_all(&dir);
}

fn file_of<'a>(output: &'a Output, name: &str) -> &'a str {
    file(output, name).unwrap_or_else(|| panic!("{name} missing"))
}

/// Bucket notifications and table streams stay on AWS: an IntegrationSource per event reads
/// them (S3 through the SQS queue it notifies, keeping the changes, prefix and suffix; the
/// stream from its position), and a Trigger on its marker delivers them. Without
/// `--aws-region` a warning says the sources need it.
#[test]
fn aws_events_become_integration_sources() {
    let spec = "app: a\nbuckets: { b: {} }\ntables: { t: { partition_key: { name: id, type: string }, stream: new_image } }\nfunctions:\n  f:\n    image: r.example/f:1\n    events:\n      - bucket: { name: b, on: removed, prefix: in/ }\n      - table: { name: t, starting_position: latest }\n";
    let file = SourceFile::new("aws.yaml", spec);
    let output = compile(&file, None, None).unwrap_or_else(|d| panic!("{d:?}"));
    assert!(output.diagnostics.is_empty(), "{:?}", output.diagnostics);
    conforms(&output, "aws-sources", "a");
    let docs = documents(file_of(&output, "eventing.yaml"));
    let source = |name: &str| {
        docs.iter()
            .find(|d| d["kind"] == "IntegrationSource" && d["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    let bucket = source("f-bucket-b");
    assert_eq!(bucket["spec"]["aws"]["sqs"]["arn"], "a-f-b-events");
    assert_eq!(bucket["spec"]["aws"]["sqs"]["region"], AWS_REGION);
    let setup = bucket["metadata"]["annotations"]["updraft.dev/aws-setup"]
        .as_str()
        .expect("setup");
    assert!(
        setup.contains("s3:ObjectRemoved:*") && setup.contains("prefix `in/`"),
        "{setup}"
    );
    let table = source("f-table-t");
    assert_eq!(table["spec"]["aws"]["ddbStreams"]["table"], "a-t");
    assert_eq!(
        table["spec"]["aws"]["ddbStreams"]["streamIteratorType"],
        "FROM_LATEST"
    );
    assert!(docs.iter().any(|d| d["kind"] == "Trigger"
        && d["spec"]["filter"]["attributes"]["updraftsource"] == "f-table-t"));

    let no_region = common::compilation(&file, None)
        .compile(&Knative::default())
        .expect("compiles");
    let [warning] = no_region.diagnostics.as_slice() else {
        panic!("{:?}", no_region.diagnostics);
    };
    assert!(warning.message.contains("no region"), "{}", warning.message);
}

/// FIFO queues and topics: the app's Brokers become Kafka Brokers, and the Triggers of FIFO
/// queues deliver in order (functions cannot subscribe to FIFO topics); producers post to the
/// Kafka Broker's ingress.
#[test]
fn fifo_compiles_to_ordered_delivery_on_a_kafka_broker() {
    let spec = "app: a\nqueues: { q: { fifo: true, dead_letter: { queue: dlq, max_receives: 2 } }, dlq: { fifo: true }, plain: {} }\ntopics: { t: { fifo: true } }\nfunctions:\n  p: { image: r.example/p:1, uses: { q: send, t: publish, plain: send } }\n  c: { image: r.example/c:1, events: [ { queue: { name: q } } ] }\n  s: { image: r.example/s:1, events: [ { queue: { name: plain } } ] }\n";
    let output = compile(&SourceFile::new("fifo.yaml", spec), None, None)
        .unwrap_or_else(|d| panic!("{d:?}"));
    conforms(&output, "fifo", "a");
    let docs = documents(file_of(&output, "eventing.yaml"));
    for broker in docs.iter().filter(|d| d["kind"] == "Broker") {
        assert_eq!(
            broker["metadata"]["annotations"]["eventing.knative.dev/broker.class"],
            "Kafka"
        );
    }
    let order = |name: &str| {
        docs.iter()
            .find(|d| d["kind"] == "Trigger" && d["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("{name}"))["metadata"]["annotations"]
            ["kafka.eventing.knative.dev/delivery.order"]
            .clone()
    };
    assert_eq!(order("c-queue-q"), "ordered");
    assert_eq!(order("s-queue-plain"), Value::Null);
    assert!(
        file_of(&output, "services.yaml")
            .contains("http://kafka-broker-ingress.knative-eventing.svc.cluster.local/a/a")
    );
}

/// `--mesh istio`: Istio checks the JWT of authenticated routes at the function's pods, so the
/// HTTPRoute serves them too and the gateway warning goes away.
#[test]
fn with_istio_jwt_routes_are_enforced_by_the_mesh() {
    let spec = "app: a\nauth: { partners: { kind: jwt, issuer: \"https://id.example/\", audience: [a] } }\ngateways: { api: {} }\nfunctions:\n  open: { image: r.example/open:1, events: [ { http: { route: \"GET /open\" } } ] }\n  guarded: { image: r.example/guarded:1, events: [ { http: { route: \"POST /guarded/{id}\", auth: partners } } ] }\n";
    let file = SourceFile::new("mesh.yaml", spec);
    let output = common::compilation(&file, None)
        .compile(&Knative {
            mesh: Some(updraft::targets::knative::mesh::Mesh::Istio),
            ..Knative::default()
        })
        .unwrap_or_else(|d| panic!("{d:?}"));
    assert!(output.diagnostics.is_empty(), "{:?}", output.diagnostics);
    conforms(&output, "mesh", "a");
    let mesh = documents(file_of(&output, "mesh.yaml"));
    let kinds: Vec<&str> = mesh.iter().filter_map(|d| d["kind"].as_str()).collect();
    assert_eq!(kinds, ["RequestAuthentication", "AuthorizationPolicy"]);
    assert_eq!(
        mesh[0]["spec"]["jwtRules"][0]["issuer"],
        "https://id.example/"
    );
    assert_eq!(
        mesh[0]["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"],
        "guarded"
    );
    let rule = &mesh[1]["spec"]["rules"][0];
    assert_eq!(mesh[1]["spec"]["action"], "DENY");
    assert_eq!(rule["to"][0]["operation"]["paths"][0], "/guarded/{*}");
    assert_eq!(
        rule["from"][0]["source"]["notRequestPrincipals"][0],
        "https://id.example//*"
    );
    let routes = documents(file_of(&output, "routes.yaml"));
    let backends: Vec<&Value> = routes[0]["spec"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| &r["backendRefs"][0]["name"])
        .collect();
    assert_eq!(backends, ["guarded", "open"]);
}

/// `explain-access --target knative` lists a function's grants on Knative, the EventPolicy
/// that admits what it posts among them, each with the spec line that caused it.
#[test]
fn explain_access_shows_knative_grants_with_their_provenance() {
    let spec = common::root().join("examples/chatbot/updraft.yaml");
    let run = Command::new(env!("CARGO_BIN_EXE_updraft"))
        .args(["explain-access", "worker"])
        .arg(&spec)
        .args(["--target", "knative", "--format", "json"])
        .output()
        .expect("runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let value: Value = serde_json::from_slice(&run.stdout).expect("JSON");
    let grants = value["grants"].as_array().expect("grants");
    let invoke = grants
        .iter()
        .find(|g| {
            g["grant"]
                .as_str()
                .is_some_and(|t| t.contains("EventPolicy `chatbot-function-reply`"))
        })
        .expect("the EventPolicy grant");
    assert!(invoke["why"]["line"].as_u64().is_some_and(|l| l > 0));
    assert!(
        invoke["why"]["because"]
            .as_str()
            .expect("why")
            .contains("invoke")
    );
}

#[test]
fn a_switched_off_schedule_has_no_ping_source_and_a_table_window_maps() {
    let spec = "app: a\n\
                tables: { t: { partition_key: { name: id, type: string }, stream: new_image } }\n\
                functions:\n\
                \x20 f:\n\
                \x20   image: r.example/f:1\n\
                \x20   events:\n\
                \x20     - schedule: \"rate(1 hour)\"\n\
                \x20     - schedule: { expression: \"cron(0 6 1 * ? *)\", enabled: false }\n\
                \x20     - table: { name: t, window: 30s }\n";
    let source = SourceFile::new("a.yaml", spec);
    let output = compile(&source, None, None)
        .unwrap_or_else(|d| panic!("{}", render::human(Some(&source), &d, false)));
    let eventing = file(&output, "eventing.yaml").expect("eventing.yaml");
    let pings: Vec<Value> = documents(eventing)
        .into_iter()
        .filter(|d| d["kind"] == "PingSource")
        .collect();
    assert_eq!(pings.len(), 1, "{eventing}");
    assert_eq!(pings[0]["spec"]["schedule"], "0 * * * *", "{eventing}");
    assert!(!eventing.contains("0 6 1 * *"), "{eventing}");
    conforms(&output, "switched-off-schedule", "a");
}
