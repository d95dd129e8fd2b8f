//! The verifier on the real corpus (../shared/ebpf-samples or `EBPF_SAMPLES_DIR`): time to verify
//! every program, and the slowest program alone. Before timing, one pass prints per-project
//! counts and times and the peak heap memory of the costliest program (a counting allocator
//! measures it). Goals (issue 5): the whole corpus in at most 10 s, the largest program in at
//! most 1 s and 256 MB.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use ebpf_cli::verify::{type_hint_from_path, verify_program, PlatformChoice};
use ebpf_loader::{LoadOptions, Object};

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
fn objects(dir: &Path) -> Vec<(String, Object)> {
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
            let v = verify_program(
                object,
                program,
                PlatformChoice::Linux,
                type_hint_from_path(file),
                false,
            );
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
            let v = verify_program(
                object,
                program,
                PlatformChoice::Linux,
                type_hint_from_path(file),
                false,
            );
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
    let objects = objects(&dir);
    let (oi, pi) = report(&objects);
    let mut group = c.benchmark_group("verify");
    group.sample_size(10);
    group.bench_function("all_samples", |b| b.iter(|| verify_all(&objects)));
    let (file, object) = &objects[oi];
    let program = &object.programs()[pi];
    group.bench_function("slowest_program", |b| {
        b.iter(|| {
            verify_program(
                object,
                program,
                PlatformChoice::Linux,
                type_hint_from_path(file),
                false,
            )
            .accepted
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
