//! Criterion benches of every pipeline stage on the synthetic app of `scripts/gen-app`
//! (N = 10, 100, 1,000 functions by default; `UPDRAFT_BENCH_N=10,100,1000,10000` for others).
//!
//!     cargo bench --bench pipeline                 # every stage, about two minutes
//!     cargo bench --bench pipeline -- lower/       # one group
//!
//! Groups, each with one entry per N and a throughput in functions per second:
//! `parse` (text to spanned YAML), `read` (spanned YAML to the spec types), `model` (checks,
//! defaults: the spec to the model), `load` (the three together, as `updraft::load`), `graph`,
//! `access` (least-privilege policies), `lint` (every rule), `lower/cloudformation` (the model
//! to the template model), `emit/cloudformation-json|yaml` (the template model to bytes),
//! `split/cloudformation` (nested stacks, for the sizes over CloudFormation's 500 resources), and
//! `compile/TARGET` (a target's whole `compile`: lowering, emit, budget checks and, for
//! CloudFormation past ~80 functions, the nested stacks). A target that cannot compile the app
//! is skipped with its message; one that only refuses it over a budget is timed to the refusal.

mod common;

use std::time::Duration;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use updraft::targets::Format;

use common::Prepared;

fn sizes() -> Vec<usize> {
    std::env::var("UPDRAFT_BENCH_N").ok().map_or_else(
        || vec![10, 100, 1_000],
        |v| {
            v.split(',')
                .map(|n| {
                    n.trim()
                        .replace('_', "")
                        .parse()
                        .expect("UPDRAFT_BENCH_N: numbers")
                })
                .collect()
        },
    )
}

fn stages(c: &mut Criterion) {
    let sizes = sizes();
    let files: Vec<_> = sizes.iter().map(|&n| (n, common::file(n))).collect();
    let limits = updraft::syntax::Limits::default();

    let mut group = c.benchmark_group("parse");
    for (n, file) in &files {
        group.throughput(Throughput::Elements(*n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), file, |b, file| {
            b.iter(|| updraft::syntax::parse(file, limits).unwrap());
        });
    }
    group.finish();

    let mut group = c.benchmark_group("read");
    for (n, file) in &files {
        let node = updraft::syntax::parse(file, limits).unwrap();
        group.throughput(Throughput::Elements(*n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &node, |b, node| {
            b.iter(|| updraft::spec::read(node));
        });
    }
    group.finish();

    let mut group = c.benchmark_group("model");
    for (n, file) in &files {
        let node = updraft::syntax::parse(file, limits).unwrap();
        let spec = updraft::spec::read(&node).0.unwrap();
        let options = updraft::model::Options::default();
        group.throughput(Throughput::Elements(*n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &spec, |b, spec| {
            b.iter(|| updraft::model::build(spec, &options).unwrap());
        });
    }
    group.finish();

    let mut group = c.benchmark_group("load");
    for (n, file) in &files {
        group.throughput(Throughput::Elements(*n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), file, |b, file| {
            b.iter(|| updraft::load(file, &updraft::Options::default()).unwrap());
        });
    }
    group.finish();

    let prepared: Vec<_> = files.iter().map(|(n, f)| (*n, Prepared::new(f))).collect();

    let mut group = c.benchmark_group("graph");
    for (n, p) in &prepared {
        group.throughput(Throughput::Elements(*n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), p, |b, p| {
            b.iter(|| updraft::graph::Graph::build(p.model()));
        });
    }
    group.finish();

    let mut group = c.benchmark_group("access");
    for (n, p) in &prepared {
        group.throughput(Throughput::Elements(*n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), p, |b, p| {
            b.iter(|| updraft::access::aws_policies(p.model()));
        });
    }
    group.finish();

    let mut group = c.benchmark_group("lint");
    for (n, p) in &prepared {
        group.throughput(Throughput::Elements(*n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), p, |b, p| {
            b.iter(|| p.compilation.lint(updraft::rules::Platform::Aws));
        });
    }
    group.finish();

    let mut group = c.benchmark_group("lower/cloudformation");
    for (n, p) in &prepared {
        group.throughput(Throughput::Elements(*n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), p, |b, p| {
            b.iter(|| updraft::targets::cloudformation::lower(&p.input()).unwrap());
        });
    }
    group.finish();

    for (name, format) in [("json", Format::Json), ("yaml", Format::Yaml)] {
        let mut group = c.benchmark_group(format!("emit/cloudformation-{name}"));
        for (n, p) in &prepared {
            let template = updraft::targets::cloudformation::lower(&p.input()).unwrap();
            group.throughput(Throughput::Elements(*n as u64));
            group.bench_with_input(BenchmarkId::from_parameter(n), &template, |b, t| {
                b.iter(|| match format {
                    Format::Json => updraft::emit::json(t),
                    Format::Yaml => updraft::emit::yaml(t),
                });
            });
        }
        group.finish();
    }

    let mut group = c.benchmark_group("split/cloudformation");
    for (n, p) in &prepared {
        let (template, owners) = updraft::targets::cloudformation::lower_owned(&p.input()).unwrap();
        if template.resources.len() <= updraft::targets::cloudformation::MAX_RESOURCES {
            continue; // one template: nothing to split
        }
        group.throughput(Throughput::Elements(*n as u64));
        group.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter_batched(
                || template.clone(),
                |t| updraft::targets::cloudformation::split::split(p.model(), t, &owners, "json"),
                BatchSize::LargeInput,
            );
        });
    }
    group.finish();

    for target in common::TARGETS {
        let mut group = c.benchmark_group(format!("compile/{target}"));
        for &n in &sizes {
            let p = Prepared::new(&common::file_for(target, n));
            match common::probe(target, &p) {
                Ok(note) => {
                    if note != "compiled" {
                        eprintln!("compile/{target}/{n}: {note}");
                    }
                    group.throughput(Throughput::Elements(n as u64));
                    group.bench_function(BenchmarkId::from_parameter(n), |b| {
                        b.iter(|| common::compile(target, &p));
                    });
                }
                Err(why) => eprintln!("compile/{target}/{n}: skipped, it does not compile: {why}"),
            }
        }
        group.finish();
    }
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .configure_from_args()
}

criterion_group! {
    name = benches;
    config = config();
    targets = stages
}
criterion_main!(benches);
