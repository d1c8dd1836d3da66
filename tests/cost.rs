//! `updraft cost`: a small app computed by hand (tests/fixtures/cost/traffic.yaml shows the
//! arithmetic) matches to the cent, with and without the free tier; the starter traffic file
//! of every example is accepted as written; mistakes in a traffic file are located.

mod common;

use updraft::cli::ExitStatus;

use common::updraft;

fn path(rel: &str) -> String {
    common::root().join(rel).display().to_string()
}

fn total(spec: &str, traffic: &str) -> f64 {
    let (status, out, err) = updraft(&["cost", spec, "--traffic", traffic, "--format", "json"]);
    assert_eq!(status, ExitStatus::Success, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v["total_usd_per_month"].as_f64().unwrap()
}

#[test]
fn a_hand_computed_app_matches_to_the_cent() {
    let spec = path("tests/fixtures/cost/updraft.yaml");
    let traffic = path("tests/fixtures/cost/traffic.yaml");
    assert!((total(&spec, &traffic) - 19.50).abs() < 0.005);
    let dir = std::env::temp_dir().join(format!("updraft-cost-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let free = dir.join("traffic.yaml");
    let text = std::fs::read_to_string(&traffic).unwrap();
    std::fs::write(&free, text.replace("free_tier: false", "free_tier: true")).unwrap();
    assert!((total(&spec, &free.display().to_string()) - 10.40).abs() < 0.005);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn every_example_s_starter_traffic_file_is_accepted_as_written() {
    let dir = std::env::temp_dir().join(format!("updraft-cost-init-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for e in common::examples() {
        let spec = e.path.display().to_string();
        let (status, starter, err) = updraft(&["cost", &spec, "--init"]);
        assert_eq!(status, ExitStatus::Success, "{}: {err}", e.name);
        let file = dir.join(format!("{}.yaml", e.name));
        std::fs::write(&file, &starter).unwrap();
        // All zero: nothing costs anything but provisioned capacity and concurrency.
        let usd = total(&spec, &file.display().to_string());
        assert!(usd >= 0.0, "{}", e.name);
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn mistakes_in_a_traffic_file_are_located_with_help() {
    let dir = std::env::temp_dir().join(format!("updraft-cost-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("traffic.yaml");
    std::fs::write(
        &file,
        "functions:\n  apii: { invocations: 5 }\ntables:\n  items: { reads: -1, writs: 2 }\nqueue: {}\n",
    )
    .unwrap();
    let (status, out, err) = updraft(&[
        "cost",
        &path("tests/fixtures/cost/updraft.yaml"),
        "--traffic",
        &file.display().to_string(),
    ]);
    assert_eq!(status, ExitStatus::Error);
    assert!(out.is_empty());
    for expected in [
        "the spec declares no function `apii`",
        "did you mean `api`?",
        "traffic.yaml:2:3",
        "`reads` cannot be negative",
        "unknown key `writs`",
        "did you mean `writes`?",
        "unknown key `queue` in the traffic file",
        "did you mean `queues`?",
        "4 errors",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
