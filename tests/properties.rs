//! Property tests over generated specs: derived permissions name only resources of the app
//! graph, use only actions of the access table, never `*` outside the allow-list; and the
//! same spec written in another key order compiles to identical lint findings, policies and
//! templates.

use std::collections::BTreeSet;

use proptest::prelude::*;
use updraft::access::aws::{Arn, table};
use updraft::model::Access;

const TABLES: [&str; 2] = ["orders", "users"];
const BUCKETS: [&str; 2] = ["uploads", "reports"];
const QUEUES: [&str; 2] = ["jobs", "failed"];
const TOPICS: [&str; 1] = ["events"];

#[derive(Clone, Debug)]
struct Func {
    uses: Vec<(String, &'static str, Option<&'static str>)>,
    event: u8,
    tracing: bool,
    dead_letter: bool,
}

fn uses() -> impl Strategy<Value = (String, &'static str, Option<&'static str>)> {
    prop_oneof![
        (
            prop::sample::select(&TABLES[..]),
            prop::sample::select(&["read", "write", "read_write"][..])
        )
            .prop_map(|(n, a)| (n.to_string(), a, None)),
        (
            prop::sample::select(&BUCKETS[..]),
            prop::sample::select(&["read", "write", "read_write", "delete"][..]),
            prop::option::of(prop::sample::select(&["in/", "out/"][..]))
        )
            .prop_map(|(n, a, p)| (n.to_string(), a, p)),
        (
            prop::sample::select(&QUEUES[..]),
            prop::sample::select(&["send", "consume"][..])
        )
            .prop_map(|(n, a)| (n.to_string(), a, None)),
        prop::sample::select(&TOPICS[..]).prop_map(|n| (n.to_string(), "publish", None)),
    ]
}

fn func() -> impl Strategy<Value = Func> {
    (
        prop::collection::vec(uses(), 0..5),
        0u8..6,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(mut uses, event, tracing, dead_letter)| {
            let mut seen = BTreeSet::new();
            uses.retain(|(n, _, _)| seen.insert(n.clone()));
            Func {
                uses,
                event,
                tracing,
                dead_letter,
            }
        })
}

/// The spec as YAML; `reverse` writes every mapping in the opposite order.
fn render(funcs: &[Func], reverse: bool) -> String {
    let order = |mut v: Vec<String>| {
        if reverse {
            v.reverse();
        }
        v
    };
    let mut sections = Vec::new();
    sections.push("app: prop\n".to_string());
    sections.push("defaults: { runtime: nodejs24.x, log_retention: 14d }\n".to_string());
    sections.push("gateways: { api: {} }\n".to_string());
    sections.push(format!(
        "tables:\n{}",
        order(
            TABLES
                .iter()
                .map(|t| format!(
                    "  {t}: {{ partition_key: {{ name: id, type: string }}, stream: new_image }}\n"
                ))
                .collect()
        )
        .concat()
    ));
    sections.push(format!(
        "buckets:\n{}",
        order(BUCKETS.iter().map(|b| format!("  {b}: {{}}\n")).collect()).concat()
    ));
    sections.push(format!(
        "queues:\n{}",
        order(
            QUEUES
                .iter()
                .map(|q| format!("  {q}: {{ visibility_timeout: 1m }}\n"))
                .collect()
        )
        .concat()
    ));
    sections.push(format!(
        "topics:\n{}",
        order(TOPICS.iter().map(|t| format!("  {t}: {{}}\n")).collect()).concat()
    ));
    let mut functions = Vec::new();
    for (i, f) in funcs.iter().enumerate() {
        let uses = order(
            f.uses
                .iter()
                .map(|(n, a, p)| match p {
                    Some(p) => format!("{n}: {{ access: {a}, prefix: {p} }}"),
                    None => format!("{n}: {a}"),
                })
                .collect(),
        )
        .join(", ");
        let event = match f.event {
            0 => format!("{{ http: {{ route: \"GET /f{i}\" }} }}"),
            1 => "{ queue: { name: jobs } }".into(),
            2 => "{ schedule: \"rate(1 hour)\" }".into(),
            // One prefix per function: S3 refuses overlapping notifications (UD2013).
            3 => format!("{{ bucket: {{ name: uploads, on: created, prefix: in/f{i}/ }} }}"),
            4 => "{ table: { name: orders } }".into(),
            _ => "{ topic: { name: events } }".into(),
        };
        let mut keys = vec![
            "handler: src/f.handler".to_string(),
            format!("uses: {{ {uses} }}"),
            format!("events: [ {event} ]"),
            format!("tracing: {}", f.tracing),
        ];
        if f.dead_letter {
            keys.push("dead_letter: failed".into());
        }
        functions.push(format!("  f{i}: {{ {} }}\n", order(keys).join(", ")));
    }
    sections.push(format!("functions:\n{}", order(functions).concat()));
    order(sections).concat()
}

fn load(text: &str) -> updraft::Compilation {
    let file = updraft::source::SourceFile::new("prop.yaml", text.to_string());
    updraft::Compilation::new(&file, &updraft::Options::default())
        .unwrap_or_else(|d| panic!("{text}\n{d:?}"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn permissions_stay_inside_the_app_and_the_table(funcs in prop::collection::vec(func(), 1..8)) {
        let compilation = load(&render(&funcs, false));
        let (model, graph) = (compilation.model(), compilation.graph());
        let table = table();
        let allowed: BTreeSet<&str> = table.all_actions().collect();
        for policy in compilation.policies() {
            for s in &policy.statements {
                prop_assert!(!s.causes.is_empty(), "a statement without a cause");
                for action in &s.actions {
                    prop_assert!(!action.contains('*'), "wildcard action {action}");
                    prop_assert!(allowed.contains(action.as_str()), "{action} is not in the access table");
                }
                for arn in &s.resources {
                    match arn {
                        Arn::Any => {
                            for action in &s.actions {
                                prop_assert!(table.wildcard_only.contains_key(action), "{action} on * is not allow-listed");
                            }
                            prop_assert!(s.wildcard_reason.is_some());
                        }
                        Arn::Scoped { target, scope, .. } => {
                            prop_assert!(graph.covers(*scope, target), "{target} is not a node of the graph");
                        }
                    }
                }
            }
        }
        // Access levels that read never grant a write action, and the reverse.
        for f in &model.functions {
            for u in f.uses.iter().filter(|u| u.access == Access::Read) {
                let policy = updraft::access::aws::policy(model, f);
                for s in policy.statements.iter().filter(|s| s.causes.iter().any(|c| c.span == u.span)) {
                    for a in &s.actions {
                        let level = updraft::access::catalogue::get().action(a).unwrap().level;
                        prop_assert!(level == "Read" || level == "List", "read access grants {a} ({level})");
                    }
                }
            }
        }
    }

    #[test]
    fn key_order_does_not_change_any_output(funcs in prop::collection::vec(func(), 1..8)) {
        let outputs = |text: &str| {
            let compilation = load(text);
            let report = compilation.lint(updraft::rules::Platform::Aws);
            let mut lint: Vec<String> = report.findings.iter().map(|f| format!("{} {}", f.diagnostic.code, f.diagnostic.message)).collect();
            lint.sort();
            let docs: Vec<String> = compilation.policies()
                .iter()
                .map(|p| serde_json::to_string(&updraft::targets::aws::policy_document(compilation.model(), p, "aws", "*", "*")).unwrap())
                .collect();
            let template = compilation.compile(&updraft::targets::cloudformation::CloudFormation::default()).unwrap().artifacts[0].bytes.clone();
            (lint, docs, template)
        };
        let forward = outputs(&render(&funcs, false));
        let backward = outputs(&render(&funcs, true));
        prop_assert_eq!(&forward.0, &backward.0, "lint findings differ");
        prop_assert_eq!(&forward.1, &backward.1, "policies differ");
        prop_assert!(forward.2 == backward.2, "templates differ");
    }
}
