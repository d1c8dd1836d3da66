//! The stage profile: `updraft compile --target cloudformation` on one synthetic app, run
//! in-process stage by stage, with each stage's wall and CPU time (median of several runs) and
//! the heap it needs (a counting allocator: the peak above what was live when the stage
//! began, and what stays live after it).
//!
//!     cargo bench --bench stages                                    # N = 10,000, 5 runs
//!     UPDRAFT_PROFILE_N=1000,10000 cargo bench --bench stages       # and the growth per stage
//!     UPDRAFT_PROFILE_RUNS=9 UPDRAFT_PROFILE_CSV=benchmarks/stages.csv cargo bench --bench stages
//!
//! The app is `scripts/gen-app N` (the same bytes; checked against the script when python3 is
//! installed). The compile's stages, in order, sum to the in-process compile: `parse`, `read`,
//! `model`, `drop/yaml+spec` (what `updraft::load` frees), `graph`, `access`, then what
//! `Target::compile` does in its default `--split auto`: `lower/cloudformation`, `emit/json` (the
//! one template, only when the resource, output and parameter counts are within budget: its
//! size is then the last budget), and when over a budget `split` (the nested stacks) and
//! `emit/stacks` (their bytes), then `drop/template`; last `drop/rest`
//! (what the process frees on exit; writing the files is not timed). Timed on their own,
//! outside the sum: `lint` (`updraft lint`), `emit/one-template` (the unsplit template as JSON,
//! as `--split never` writes it), `emit/yaml` (`--format yaml`),
//! `compile/cloudformation` (the whole `Target::compile`, a cross-check) and
//! `compile/terraform|knative` when they compile the app (Knative on the `--code image
//! --no-alarm` variant), reported as skipped with their message when not. CPU time is the thread's
//! (CLOCK_THREAD_CPUTIME_ID): on a busy machine it is steadier than wall time.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use updraft::targets::cloudformation;

use common::{Code, Prepared};

/// Counts live heap bytes and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grow(by: usize) {
    let now = LIVE.fetch_add(by, Relaxed) + by;
    PEAK.fetch_max(now, Relaxed);
}

// SAFETY: every call is forwarded to the system allocator unchanged; only counters are added.
#[expect(
    unsafe_code,
    reason = "a counting allocator must implement GlobalAlloc, which is unsafe by definition"
)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grow(layout.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grow(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                grow(new_size - layout.size());
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// One stage's measurements over the runs.
#[derive(Default)]
struct Stage {
    name: String,
    note: String,
    times: Vec<Duration>,
    /// Thread CPU time of each run.
    cpu: Vec<Duration>,
    /// Peak heap above the live bytes at the stage's start (first run).
    peak_above: usize,
    /// Live heap after the stage (first run).
    live_after: usize,
}

struct Profile {
    stages: Vec<Stage>,
    run: usize,
}

impl Profile {
    /// Times `f` as stage `name`; returns its result.
    fn stage<T>(&mut self, name: &str, note: &str, f: impl FnOnce() -> T) -> T {
        let base = LIVE.load(Relaxed);
        PEAK.store(base, Relaxed);
        let cpu = thread_cpu();
        let start = Instant::now();
        let out = std::hint::black_box(f());
        let took = start.elapsed();
        let cpu = thread_cpu().saturating_sub(cpu);
        let peak = PEAK.load(Relaxed);
        let live = LIVE.load(Relaxed);
        let i = if let Some(i) = self.stages.iter().position(|s| s.name == name) {
            i
        } else {
            self.stages.push(Stage {
                name: name.to_string(),
                note: note.to_string(),
                ..Stage::default()
            });
            self.stages.len() - 1
        };
        let s = &mut self.stages[i];
        s.times.push(took);
        s.cpu.push(cpu);
        if self.run == 0 {
            s.peak_above = peak.saturating_sub(base);
            s.live_after = live;
        }
        out
    }
}

/// CPU time of this thread: unlike wall time, it does not count the time other processes
/// (on a busy 2-core machine) take the core away.
#[expect(
    unsafe_code,
    reason = "std has no per-thread CPU clock: one libc call, with a Timespec it owns"
)]
fn thread_cpu() -> Duration {
    #[repr(C)]
    struct Timespec {
        sec: i64,
        nsec: i64,
    }
    unsafe extern "C" {
        fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut ts = Timespec { sec: 0, nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec (64-bit Linux layout); the clock id is Linux's.
    if unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &raw mut ts) } != 0 {
        return Duration::ZERO;
    }
    Duration::new(
        u64::try_from(ts.sec).unwrap_or(0),
        u32::try_from(ts.nsec).unwrap_or(0),
    )
}

fn median(times: &[Duration]) -> Duration {
    let mut t = times.to_vec();
    t.sort();
    t[t.len() / 2]
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().map_or(default, |v| {
        v.replace('_', "")
            .parse()
            .unwrap_or_else(|_| panic!("{name}: a number"))
    })
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / 1_048_576.0
}

/// The script's output for a small N must be what `common::spec` gives.
fn check_generator() {
    let root = env!("CARGO_MANIFEST_DIR");
    for (args, code, alarm) in [
        (&[][..], Code::Zip, true),
        (&["--code", "image", "--no-alarm"][..], Code::Image, false),
    ] {
        let dir = std::env::temp_dir().join(format!("updraft-gen-check-{}", std::process::id()));
        let ran = std::process::Command::new("python3")
            .arg(format!("{root}/scripts/gen-app"))
            .arg("137")
            .arg(&dir)
            .args(args)
            .status();
        let Ok(status) = ran else {
            eprintln!("note: python3 did not run; generator parity not checked");
            return;
        };
        assert!(status.success(), "scripts/gen-app failed");
        let text = std::fs::read_to_string(dir.join("updraft.yaml")).unwrap();
        std::fs::remove_dir_all(&dir).ok();
        assert_eq!(
            text,
            common::spec(137, code, alarm, common::ROUTES_PER_API),
            "benches/common/mod.rs and scripts/gen-app {args:?} generate different specs"
        );
    }
}

/// `UD5002 x251, UD5003 x2`: which diagnostics, how many of each.
fn codes(diagnostics: &[updraft::diag::Diagnostic]) -> String {
    let mut count = std::collections::BTreeMap::new();
    for d in diagnostics {
        *count.entry(d.code.as_str()).or_insert(0) += 1;
    }
    count
        .iter()
        .map(|(code, n)| format!("{code} x{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The profile of one app size.
struct Sized {
    n: usize,
    runs: usize,
    profile: Profile,
    input_bytes: usize,
    json_bytes: usize,
    yaml_bytes: usize,
    output_bytes: usize,
    peak_compile: usize,
    notes: Vec<(String, String)>,
}

/// The stages of `updraft compile --target cloudformation`, in order; their sum is the compile.
const COMPILE: [&str; 12] = [
    "parse",
    "read",
    "model",
    "drop/yaml+spec",
    "graph",
    "access",
    "lower/cloudformation",
    "emit/json",
    "split",
    "emit/stacks",
    "drop/template",
    "drop/rest",
];

fn profile(n: usize, runs: usize) -> Sized {
    let limits = updraft::syntax::Limits::default();
    let file = common::file(n);
    let mut p = Profile {
        stages: Vec::new(),
        run: 0,
    };
    let (mut json_bytes, mut yaml_bytes, mut output_bytes, mut peak_compile) = (0, 0, 0, 0);
    let mut notes: Vec<(String, String)> = Vec::new();
    for run in 0..runs {
        p.run = run;
        // The compile, as `updraft compile` runs it: `updraft::load` (which drops the YAML
        // tree and the spec when it returns), the graph and policies, the target's lowering,
        // emit and the template's drop inside `Target::compile`, then the rest at exit.
        let base = LIVE.load(Relaxed);
        let mut peak = 0;
        let mut track = || peak = peak.max(PEAK.load(Relaxed));
        let node = p.stage("parse", "syntax::parse: text to spanned YAML", || {
            updraft::syntax::parse(&file, limits).unwrap()
        });
        track();
        let spec = p.stage("read", "spec::read: spanned YAML to the spec types", || {
            updraft::spec::read(&node).0.unwrap()
        });
        track();
        let model = p.stage("model", "model::build: checks, defaults, stage", || {
            updraft::model::build(&spec, &updraft::model::Options::default()).unwrap()
        });
        track();
        p.stage(
            "drop/yaml+spec",
            "frees the spanned YAML and the spec (end of updraft::load)",
            || {
                drop((node, spec));
            },
        );
        let prepared = Prepared {
            compilation: updraft::Compilation::from_model(model),
        };
        p.stage("graph", "Compilation::graph (graph::Graph::build)", || {
            prepared.compilation.graph();
        });
        track();
        p.stage(
            "access",
            "Compilation::policies (access::aws_policies)",
            || {
                prepared.compilation.policies();
            },
        );
        track();
        // Target::compile in its default `--split auto`: the one template is lowered and
        // serialized (its size is one of the budgets); over a budget, it is split into nested
        // stacks, each serialized in turn.
        let input = prepared.input();
        let (template, owners) = p.stage(
            "lower/cloudformation",
            "cloudformation::lower_owned: model to template model (serde_json values)",
            || cloudformation::lower_owned(&input).unwrap(),
        );
        track();
        // The counts decide most splits without serializing the one template (as compile
        // does); when they do not, its size does.
        let resources = template.resources.len();
        let over_counts = resources > cloudformation::MAX_RESOURCES
            || template.outputs.len() > cloudformation::MAX_OUTPUTS
            || template.parameters.len() > cloudformation::MAX_PARAMETERS;
        let single = if over_counts {
            Vec::new()
        } else {
            let single = p.stage(
                "emit/json",
                "emit::json of the one template (when the counts are within budget)",
                || updraft::emit::json(&template),
            );
            track();
            single
        };
        let over = over_counts || single.len() > cloudformation::MAX_BODY_BYTES;
        let written: Vec<Vec<u8>> = if over {
            let stacks = p.stage(
                "split",
                "split::split: nested stacks along the graph",
                || cloudformation::split::split(prepared.model(), template, &owners, "json"),
            );
            track();
            match stacks {
                Ok(stacks) => {
                    let bytes = p.stage(
                        "emit/stacks",
                        "emit::json of the parent and every nested stack",
                        || {
                            std::iter::once(&stacks.parent)
                                .chain(stacks.children.iter().map(|(_, t)| t))
                                .map(updraft::emit::json)
                                .collect::<Vec<_>>()
                        },
                    );
                    track();
                    if run == 0 {
                        notes.push((
                            "split".into(),
                            format!(
                                "{} resources in one template, over the budgets: a parent and {} nested stacks",
                                resources,
                                stacks.children.len()
                            ),
                        ));
                    }
                    p.stage(
                        "drop/template",
                        "frees the templates, the one template's bytes, the owners",
                        || {
                            drop((stacks, single, owners));
                        },
                    );
                    bytes
                }
                Err(d) => {
                    if run == 0 {
                        notes.push((
                            "split".into(),
                            format!("the nested stacks are over a budget: {}", codes(&d)),
                        ));
                    }
                    p.stage(
                        "drop/template",
                        "frees the template's bytes and the owners",
                        || {
                            drop((single, owners));
                        },
                    );
                    Vec::new()
                }
            }
        } else {
            p.stage(
                "drop/template",
                "frees the template model and the owners",
                || {
                    drop((template, owners));
                },
            );
            vec![single]
        };
        output_bytes = written.iter().map(Vec::len).sum();
        p.stage(
            "drop/rest",
            "frees the written bytes, model, graph, policies (process exit)",
            || {
                drop((written, prepared));
            },
        );
        peak_compile = peak_compile.max(peak.saturating_sub(base));

        // Not part of `updraft compile --target cloudformation` (JSON): timed on their own.
        let prepared = Prepared::new(&file);
        let report = p.stage("lint", "rules::run: every lint rule (updraft lint)", || {
            prepared.compilation.lint(updraft::rules::Platform::Aws)
        });
        drop(report);
        let template = updraft::targets::cloudformation::lower(&prepared.input()).unwrap();
        let json = p.stage(
            "emit/one-template",
            "emit::json of the one unsplit template (--split never)",
            || updraft::emit::json(&template),
        );
        json_bytes = json.len();
        drop(json);
        let yaml = p.stage(
            "emit/yaml",
            "emit::yaml: template model to YAML (--format yaml)",
            || updraft::emit::yaml(&template),
        );
        yaml_bytes = yaml.len();
        drop((yaml, template));
        let compiled = p.stage(
            "compile/cloudformation",
            "Target::compile whole (--split auto), a cross-check of the sum",
            || common::compile("cloudformation", &prepared),
        );
        if run == 0 {
            let note = match &compiled {
                Ok(out) => format!("compiled: {} file(s)", out.artifacts.len()),
                Err(d) => format!("refused: {}", codes(d)),
            };
            notes.push(("compile/cloudformation".into(), note));
        }
        drop((compiled, prepared));
    }
    // The other targets: timed only when they compile this app.
    for target in ["terraform", "knative"] {
        let prepared = Prepared::new(&common::file_for(target, n));
        match common::probe(target, &prepared) {
            Ok(note) => {
                for run in 0..runs {
                    p.run = run;
                    let out = p.stage(
                        &format!("compile/{target}"),
                        "Target::compile whole",
                        || common::compile(target, &prepared),
                    );
                    drop(out);
                }
                notes.push((format!("compile/{target}"), note.to_string()));
            }
            Err(why) => notes.push((format!("compile/{target}"), format!("skipped: {why}"))),
        }
    }
    Sized {
        n,
        runs,
        profile: p,
        input_bytes: file.text().len(),
        json_bytes,
        yaml_bytes,
        output_bytes,
        peak_compile,
        notes,
    }
}

fn report(s: &Sized, out: &mut String, csv: &mut String) {
    let p = &s.profile;
    let find = |name: &str| p.stages.iter().find(|st| st.name == name);
    let sum = |pick: fn(&Stage) -> &Vec<Duration>| -> Duration {
        COMPILE
            .iter()
            .filter_map(|n| find(n))
            .map(|st| median(pick(st)))
            .sum()
    };
    let (wall, cpu) = (sum(|st| &st.times), sum(|st| &st.cpu));
    let _ = writeln!(
        out,
        "Stage profile, N = {} functions ({} runs, medians): input {:.2} MB; the one template {:.1} MB \
         as JSON (YAML {:.1} MB); written {:.1} MB; peak heap of the compile {:.1} MB = {:.1} x what \
         is written\n",
        s.n,
        s.runs,
        mb(s.input_bytes),
        mb(s.json_bytes),
        mb(s.yaml_bytes),
        mb(s.output_bytes),
        mb(s.peak_compile),
        s.peak_compile as f64 / s.output_bytes.max(1) as f64
    );
    let _ = writeln!(
        out,
        "| stage | wall ms | CPU ms | share of compile (CPU) | heap peak above start MB | live after MB | what |"
    );
    let _ = writeln!(out, "| --- | ---: | ---: | ---: | ---: | ---: | --- |");
    let row = |out: &mut String, st: &Stage, share: String| {
        let _ = writeln!(
            out,
            "| {} | {:.1} | {:.1} | {} | {:.1} | {:.1} | {} |",
            st.name,
            median(&st.times).as_secs_f64() * 1e3,
            median(&st.cpu).as_secs_f64() * 1e3,
            share,
            mb(st.peak_above),
            mb(st.live_after),
            st.note
        );
    };
    for name in COMPILE {
        if let Some(st) = find(name) {
            let share = 100.0 * median(&st.cpu).as_secs_f64() / cpu.as_secs_f64();
            row(out, st, format!("{share:.0}%"));
        }
    }
    let _ = writeln!(
        out,
        "| **compile (sum)** | **{:.1}** | **{:.1}** | 100% | | | `updraft compile --target cloudformation`, in-process |",
        wall.as_secs_f64() * 1e3,
        cpu.as_secs_f64() * 1e3
    );
    for st in p
        .stages
        .iter()
        .filter(|st| !COMPILE.contains(&st.name.as_str()))
    {
        row(out, st, "not in the sum".into());
    }
    let _ = writeln!(out);
    for (name, note) in &s.notes {
        let _ = writeln!(out, "- {name}: {note}");
    }
    let _ = writeln!(out);
    for st in &p.stages {
        let _ = writeln!(
            csv,
            "{},{},{:.3},{:.3},{:.3},{:.3},{},{:.2},{:.2}",
            s.n,
            st.name,
            median(&st.times).as_secs_f64() * 1e3,
            st.times.iter().min().unwrap().as_secs_f64() * 1e3,
            st.times.iter().max().unwrap().as_secs_f64() * 1e3,
            median(&st.cpu).as_secs_f64() * 1e3,
            st.times.len(),
            mb(st.peak_above),
            mb(st.live_after)
        );
    }
    let _ = writeln!(
        csv,
        "{},compile (sum),{:.3},,,{:.3},{},{:.2},",
        s.n,
        wall.as_secs_f64() * 1e3,
        cpu.as_secs_f64() * 1e3,
        s.runs,
        mb(s.peak_compile)
    );
}

/// Growth of each stage's CPU time between consecutive sizes (linear: the ratio of the sizes).
fn growth(sizes: &[Sized], out: &mut String) {
    if sizes.len() < 2 {
        return;
    }
    let pairs: Vec<(&Sized, &Sized)> = sizes.windows(2).map(|w| (&w[0], &w[1])).collect();
    let _ = write!(out, "| stage (CPU time ratio) |");
    for (a, b) in &pairs {
        let _ = write!(
            out,
            " {} → {} (×{:.1}) |",
            a.n,
            b.n,
            b.n as f64 / a.n.max(1) as f64
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "| --- |{}", " ---: |".repeat(pairs.len()));
    let names: Vec<String> = sizes[0]
        .profile
        .stages
        .iter()
        .map(|s| s.name.clone())
        .collect();
    let cpu_of = |s: &Sized, name: &str| -> Option<f64> {
        if name == "compile (sum)" {
            return Some(
                COMPILE
                    .iter()
                    .filter_map(|n| s.profile.stages.iter().find(|st| st.name == *n))
                    .map(|st| median(&st.cpu).as_secs_f64())
                    .sum(),
            );
        }
        s.profile
            .stages
            .iter()
            .find(|st| st.name == name)
            .map(|st| median(&st.cpu).as_secs_f64())
    };
    for name in names.iter().map(String::as_str).chain(["compile (sum)"]) {
        let _ = write!(out, "| {name} |");
        for (a, b) in &pairs {
            match (cpu_of(a, name), cpu_of(b, name)) {
                (Some(x), Some(y)) if x > 0.0 => {
                    let _ = write!(out, " {:.1} |", y / x);
                }
                _ => {
                    let _ = write!(out, " - |");
                }
            }
        }
        let _ = writeln!(out);
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` lists; nothing to list here
    }
    let sizes: Vec<usize> = std::env::var("UPDRAFT_PROFILE_N")
        .unwrap_or_else(|_| "10000".into())
        .split(',')
        .map(|v| {
            v.trim()
                .replace('_', "")
                .parse()
                .expect("UPDRAFT_PROFILE_N: numbers")
        })
        .collect();
    let runs = env_usize("UPDRAFT_PROFILE_RUNS", 5).max(1);
    check_generator();
    let mut out = String::new();
    let mut csv = String::from(
        "n,stage,wall_median_ms,wall_min_ms,wall_max_ms,cpu_median_ms,runs,heap_peak_above_mb,live_after_mb\n",
    );
    let profiles: Vec<Sized> = sizes.iter().map(|&n| profile(n, runs)).collect();
    for s in &profiles {
        report(s, &mut out, &mut csv);
    }
    growth(&profiles, &mut out);
    print!("{out}");
    if let Ok(path) = std::env::var("UPDRAFT_PROFILE_CSV") {
        std::fs::write(&path, csv).unwrap_or_else(|e| panic!("{path}: {e}"));
        eprintln!("wrote {path}");
    }
}
