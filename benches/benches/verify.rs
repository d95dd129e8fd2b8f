//! The verifier on the real corpus (../shared/ebpf-samples or `EBPF_SAMPLES_DIR`): time to verify
//! every program, and the slowest program alone. Before timing, one pass prints per-project
//! counts and times and the peak heap memory of the costliest program (a counting allocator
//! measures it). Goals (issue 5): the whole corpus in at most 10 s, the largest program in at
//! most 1 s and 256 MB.
//!
//! `verify_vs_linux` compares us with this machine's Linux verifier in the same run: every
//! program of tests/programs, tests/verify and the corpus is loaded with `bpf(BPF_PROG_LOAD)`
//! (maps created first, see [`ebpf_benches::kernel`]); the programs the kernel accepts are the
//! comparable set. A pass that alternates our verifier and the kernel load program by program
//! prints per-project totals and their ratio, then criterion times both totals. The kernel's
//! time is the load call's wall time, which includes its JIT; `linux_verifier_clock` sums the
//! verifier's own clock instead (its statistics log, whole microseconds, no JIT). Skipped where
//! `bpf()` is refused.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use ebpf_benches::kernel::{self, Maps, Prepared};
use ebpf_cli::verify::{type_hint_from_path, verify_program};
use ebpf_loader::{LoadOptions, Object};
use ebpf_platform::{ProgramType, LINUX};

/// The system allocator, counting live bytes and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so the
// `GlobalAlloc` contract holds exactly as it does for `System`; the counters are only statistics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged; the caller upholds `alloc`'s contract.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged; `ptr` was allocated by `System` with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn samples_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("EBPF_SAMPLES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/ebpf-samples")
        });
    dir.join("EXPECTED.tsv").is_file().then_some(dir)
}

/// Every loadable object of the corpus, by path relative to its directory.
fn objects_in(dir: &Path) -> Vec<(String, Object)> {
    let tsv = std::fs::read_to_string(dir.join("EXPECTED.tsv")).expect("EXPECTED.tsv");
    let mut files: Vec<String> = tsv
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .map(String::from)
        .collect();
    files.dedup();
    files
        .into_iter()
        .filter_map(|f| {
            let bytes = std::fs::read(dir.join(&f)).ok()?;
            let object = Object::parse(&bytes, &LoadOptions::default()).ok()?;
            Some((f, object))
        })
        .collect()
}

fn verify_all(objects: &[(String, Object)]) -> usize {
    let mut accepted = 0;
    for (file, object) in objects {
        for program in object.programs() {
            let v = verify_program(object, program, type_hint_from_path(file), false);
            accepted += usize::from(v.accepted);
        }
    }
    accepted
}

fn report(objects: &[(String, Object)]) -> (usize, usize) {
    let mut per_project: BTreeMap<&str, (usize, usize, Duration)> = BTreeMap::new();
    let mut worst = (Duration::ZERO, 0usize, String::new(), (0usize, 0usize));
    let mut biggest_peak = (0usize, String::new());
    for (oi, (file, object)) in objects.iter().enumerate() {
        let project = file.split('/').next().unwrap_or(file);
        for (pi, program) in object.programs().iter().enumerate() {
            let base = LIVE.load(Ordering::Relaxed);
            PEAK.store(base, Ordering::Relaxed);
            let start = Instant::now();
            let v = verify_program(object, program, type_hint_from_path(file), false);
            let time = start.elapsed();
            let peak = PEAK.load(Ordering::Relaxed) - base;
            let e = per_project.entry(project).or_default();
            e.0 += 1;
            e.1 += usize::from(v.accepted);
            e.2 += time;
            let id = format!("{file} {}/{}", program.section, program.function);
            if time > worst.0 {
                worst = (time, peak, id.clone(), (oi, pi));
            }
            if peak > biggest_peak.0 {
                biggest_peak = (peak, id);
            }
        }
    }
    println!("\nverifier on ebpf-samples (one pass, Linux platform):");
    println!(
        "  {:<18} {:>8} {:>9} {:>11}",
        "project", "programs", "accepted", "time"
    );
    let mut total = Duration::ZERO;
    for (project, (n, acc, t)) in &per_project {
        println!(
            "  {project:<18} {n:>8} {acc:>9} {:>8.1} ms",
            t.as_secs_f64() * 1e3
        );
        total += *t;
    }
    println!("  total: {:.1} ms", total.as_secs_f64() * 1e3);
    println!(
        "  slowest program: {} in {:.1} ms, peak heap {:.2} MB",
        worst.2,
        worst.0.as_secs_f64() * 1e3,
        worst.1 as f64 / 1e6
    );
    println!(
        "  largest peak heap: {} with {:.2} MB\n",
        biggest_peak.1,
        biggest_peak.0 as f64 / 1e6
    );
    worst.3
}

fn bench(c: &mut Criterion) {
    let Some(dir) = samples_dir() else {
        println!("skipped: ebpf-samples not found (set EBPF_SAMPLES_DIR)");
        return;
    };
    let objects = objects_in(&dir);
    let (oi, pi) = report(&objects);
    let mut group = c.benchmark_group("verify");
    group.sample_size(10);
    group.bench_function("all_samples", |b| b.iter(|| verify_all(&objects)));
    let (file, object) = &objects[oi];
    let program = &object.programs()[pi];
    group.bench_function("slowest_program", |b| {
        b.iter(|| verify_program(object, program, type_hint_from_path(file), false).accepted)
    });
    group.finish();
}

/// Our own C programs (tests/programs, tests/verify), by path relative to the workspace.
fn own_objects() -> Vec<(String, Object)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut paths: Vec<String> = ["tests/programs", "tests/verify"]
        .iter()
        .filter_map(|d| std::fs::read_dir(root.join(d)).ok().map(|r| (d, r)))
        .flat_map(|(d, r)| {
            r.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".o"))
                .map(move |n| format!("{d}/{n}"))
        })
        .collect();
    paths.sort();
    paths
        .into_iter()
        .filter_map(|f| {
            let bytes = std::fs::read(root.join(&f)).ok()?;
            let object = Object::parse(&bytes, &LoadOptions::default()).ok()?;
            Some((f, object))
        })
        .collect()
}

/// The Linux program type of a verifier type hint (Cilium's path convention).
fn hinted_type(hint: Option<&str>) -> Option<&'static ProgramType> {
    LINUX.program_type(hint?)
}

/// Project of an object path: `tests` for ours, the corpus directory for a sample.
fn project_of(file: &str) -> &str {
    if file.starts_with("tests/") {
        "tests"
    } else {
        file.split('/').next().unwrap_or(file)
    }
}

/// A program both verifiers see: the kernel accepted it once when the set was chosen.
struct Comparable<'a> {
    project: &'a str,
    file: &'a str,
    object: &'a Object,
    program: &'a ebpf_loader::Program,
    hint: Option<&'static str>,
    kernel: Prepared,
    verified_insns: Option<u32>,
}

impl Comparable<'_> {
    fn ours(&self) -> (bool, Duration) {
        let start = Instant::now();
        let v = verify_program(self.object, self.program, self.hint, false);
        (v.accepted, start.elapsed())
    }

    fn kernel(&self) -> Duration {
        self.kernel
            .time_load()
            .expect("the kernel accepted this program when the set was chosen")
    }
}

/// Per project: programs tried, not loadable as prepared (no Linux type, a map the kernel
/// refused), rejected by the kernel, comparable (of which loaded as tc classifiers).
#[derive(Default)]
struct Tally {
    programs: usize,
    not_loadable: usize,
    rejected: usize,
    comparable: usize,
    as_tc: usize,
}

/// Loads every program into the kernel once; the ones it accepts, with the maps they use
/// (kept alive for the later loads). Prints the counts and why the others were left out.
fn comparable_set<'a>(
    objects: &'a [(String, Object)],
    maps: &mut Vec<Maps>,
) -> Vec<Comparable<'a>> {
    let mut set = Vec::new();
    let mut tally: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut left_out = Vec::new();
    for (file, object) in objects {
        let project = project_of(file);
        let object_maps = Maps::create(object);
        let hint = type_hint_from_path(file);
        for program in object.programs() {
            let t = tally.entry(project).or_default();
            t.programs += 1;
            let id = format!("{file} {}/{}", program.section, program.function);
            let prepared = match Prepared::new(object, program, &object_maps, hinted_type(hint)) {
                Ok(p) => p,
                Err(e) => {
                    t.not_loadable += 1;
                    left_out.push(format!("not loadable: {id}: {e}"));
                    continue;
                }
            };
            let mut loaded = prepared.load().map(|l| (prepared, l));
            // A section name implying no type: a socket filter first, then (as our Linux
            // platform describes that type, with the tc context) a tc classifier.
            if loaded.is_err() && hint.is_none() && program.program_type.is_none() {
                if let Ok(tc) = Prepared::new(
                    object,
                    program,
                    &object_maps,
                    LINUX.program_type("sched_cls"),
                ) {
                    if let Ok(l) = tc.load() {
                        t.as_tc += 1;
                        loaded = Ok((tc, l));
                    }
                }
            }
            match loaded {
                Ok((prepared, load)) => {
                    t.comparable += 1;
                    set.push(Comparable {
                        project,
                        file,
                        object,
                        program,
                        hint,
                        kernel: prepared,
                        verified_insns: load.verified_insns,
                    });
                }
                Err(e) => {
                    t.rejected += 1;
                    left_out.push(format!("kernel rejects: {id}: {e}"));
                }
            }
        }
        maps.push(object_maps);
    }
    println!(
        "
linux verifier comparison: which programs the kernel accepts"
    );
    for line in &left_out {
        println!("  {line}");
    }
    println!(
        "  {:<18} {:>8} {:>13} {:>15} {:>11} {:>11}",
        "project", "programs", "not loadable", "kernel rejects", "comparable", "of them tc"
    );
    for (project, t) in &tally {
        println!(
            "  {project:<18} {:>8} {:>13} {:>15} {:>11} {:>11}",
            t.programs, t.not_loadable, t.rejected, t.comparable, t.as_tc
        );
    }
    set
}

/// Rounds of the interleaved pass; each program's median round is kept.
const ROUNDS: usize = 3;

fn median(mut times: Vec<Duration>) -> Option<Duration> {
    times.sort();
    times.get(times.len() / 2).copied()
}

/// Times both verifiers program by program, alternating them, and prints per-project totals.
/// Per-project sums of the interleaved pass.
#[derive(Default)]
struct Totals {
    programs: usize,
    we_accept: usize,
    ours: Duration,
    /// Wall time of the loads (verifier and JIT).
    load: Duration,
    /// The verifier's own clock (statistics log), without the JIT.
    verifier: Duration,
    verified_insns: u64,
}

impl Totals {
    fn add(&mut self, other: &Totals) {
        self.programs += other.programs;
        self.we_accept += other.we_accept;
        self.ours += other.ours;
        self.load += other.load;
        self.verifier += other.verifier;
        self.verified_insns += other.verified_insns;
    }

    fn print(&self, name: &str) {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!(
            "  {name:<18} {:>8} {:>9} {:>10.2} {:>10.2} {:>10.2} {:>10.2} {:>10.2} {:>14}",
            self.programs,
            self.we_accept,
            ms(self.ours),
            ms(self.load),
            ms(self.verifier),
            self.ours.as_secs_f64() / self.load.as_secs_f64(),
            self.ours.as_secs_f64() / self.verifier.as_secs_f64(),
            self.verified_insns
        );
    }
}

/// Times both verifiers program by program, alternating them, and prints per-project totals:
/// our time, the kernel load's wall time, and the kernel verifier's own clock.
fn compare_report(set: &[Comparable<'_>]) {
    let mut ours = vec![Vec::new(); set.len()];
    let mut load = vec![Vec::new(); set.len()];
    let mut verifier = vec![Vec::new(); set.len()];
    let mut accepted = vec![false; set.len()];
    let mut no_clock = 0;
    for _ in 0..ROUNDS {
        for (i, p) in set.iter().enumerate() {
            let (ok, t) = p.ours();
            accepted[i] = ok;
            ours[i].push(t);
            load[i].push(p.kernel());
            match p.kernel.verification_time() {
                Some(t) => verifier[i].push(t),
                None => no_clock += 1,
            }
        }
    }
    let mut per_project: BTreeMap<&str, Totals> = BTreeMap::new();
    let mut rows = Vec::new();
    for (i, p) in set.iter().enumerate() {
        let row = Totals {
            programs: 1,
            we_accept: usize::from(accepted[i]),
            ours: median(ours[i].clone()).unwrap_or_default(),
            load: median(load[i].clone()).unwrap_or_default(),
            verifier: median(verifier[i].clone()).unwrap_or_default(),
            verified_insns: u64::from(p.verified_insns.unwrap_or(0)),
        };
        per_project.entry(p.project).or_default().add(&row);
        rows.push((row, i));
    }
    println!(
        "\nour verifier against the Linux verifier, median of {ROUNDS} interleaved rounds \
         (ms; load = BPF_PROG_LOAD wall time, verifier + JIT; verifier = its own clock, \
         statistics log):"
    );
    println!(
        "  {:<18} {:>8} {:>9} {:>10} {:>10} {:>10} {:>10} {:>10} {:>14}",
        "project",
        "programs",
        "we accept",
        "ours",
        "load",
        "verifier",
        "ours/load",
        "ours/verif",
        "verified_insns"
    );
    let mut total = Totals::default();
    for (project, t) in &per_project {
        t.print(project);
        total.add(t);
    }
    total.print("all");
    if no_clock > 0 {
        println!("  ({no_clock} loads had no `verification time` in their log: counted as 0)");
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.0.ours));
    println!("  slowest for us:");
    for (row, i) in rows.iter().take(5) {
        let p = &set[*i];
        println!(
            "    {} {}/{}: ours {:.2} ms, load {:.2} ms, verifier {:.2} ms ({} verified_insns)",
            p.file,
            p.program.section,
            p.program.function,
            row.ours.as_secs_f64() * 1e3,
            row.load.as_secs_f64() * 1e3,
            row.verifier.as_secs_f64() * 1e3,
            row.verified_insns
        );
    }
    println!();
}

fn bench_vs_linux(c: &mut Criterion) {
    if let Err(e) = kernel::available() {
        println!("skipped: verify_vs_linux, this machine refuses bpf(BPF_PROG_LOAD) ({e})");
        return;
    }
    let mut objects = own_objects();
    if let Some(dir) = samples_dir() {
        objects.extend(objects_in(&dir));
    } else {
        println!("verify_vs_linux: ebpf-samples not found, comparing on tests/ only");
    }
    let mut maps = Vec::new();
    let set = comparable_set(&objects, &mut maps);
    if set.is_empty() {
        println!("skipped: verify_vs_linux, the kernel accepted none of the programs");
        return;
    }
    compare_report(&set);
    let mut group = c.benchmark_group("verify_vs_linux");
    group.sample_size(10);
    group.bench_function("ours", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .flat_map(|_| set.iter())
                .map(|p| p.ours().1)
                .sum()
        })
    });
    group.bench_function("linux", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .flat_map(|_| set.iter())
                .map(|p| p.kernel())
                .sum()
        })
    });
    group.bench_function("linux_verifier_clock", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .flat_map(|_| set.iter())
                .map(|p| p.kernel.verification_time().unwrap_or_default())
                .sum()
        })
    });
    group.finish();
}

criterion_group!(benches, bench, bench_vs_linux);
criterion_main!(benches);
