//! The stress test (issue 10, point 9): eight threads invoke `tests/host/stress.o`'s `entry` in
//! batches while one thread updates and deletes the entries of the hash map the programs look
//! up and another keeps replacing the program `entry` tail-calls (slot 0 of a program array:
//! `prog_a`, `prog_b`, now and then nothing). Afterwards:
//!
//! - no invocation failed, and every return value names the program that gave it;
//! - the per-CPU counters, summed over the CPUs from the user side, are exact: `entry` ran once
//!   per invocation (and its atomic adds to one shared value count as many), `prog_a`'s and `prog_b`'s runs and the misses are the return values'
//!   tallies and add up to the invocations, every lookup is counted, and no lookup saw a value
//!   that was not its key's (freed or foreign memory);
//! - a counting global allocator is back at its starting level once the host and everything
//!   it made are dropped and the epoch has reclaimed what was retired: no leak. The JIT's run
//!   synchronizes the epoch before dropping; the interpreter's drops without it, so the
//!   host's last handles must reclaim by themselves (the programs retired from the program
//!   array hold the host whose epoch holds them).
//!
//! The host has fewer virtual CPUs (4) than there are invoking threads, so batches wait for a
//! CPU: a CPU claimed twice would lose counts of the non-atomic per-CPU increments.
//!
//! The JIT runs the 10^7 invocations in a release build (about 7 s on two loaded
//! cores), 10^5 in a debug build, or `STRESS_INVOCATIONS`; the interpreter a tenth of them (at
//! least 10^4). One test in this binary, so no other test allocates while the allocator
//! counts.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use common::object;
use ebpf_kernel_host::maps::update;
use ebpf_kernel_host::os::StdOs;
use ebpf_kernel_host::{Engine, Host, LoadOptions, MapObject};
use ebpf_platform::LINUX;

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts the bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::SeqCst);
        // SAFETY: the caller's contract for `alloc` is passed on unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::SeqCst);
        // SAFETY: as in `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract for `realloc` is passed on unchanged.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            LIVE.fetch_add(new_size as isize - layout.size() as isize, Ordering::SeqCst);
        }
        new
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::SeqCst);
        // SAFETY: `ptr` was allocated by `System` with `layout` (see `alloc`).
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const INVOKERS: usize = 8;
const CPUS: usize = 4;
/// Invocations per batch (one epoch entry).
const BATCH: u64 = 256;
/// The keys `table` holds (its `max_entries`, `KEYS` in stress.c).
const KEYS: u32 = 64;

const DROP: u64 = 1;
const PASS: u64 = 2;
const TX: u64 = 3;

fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// What one stress run measured.
#[derive(Debug)]
struct Report {
    engine: Engine,
    invocations: u64,
    elapsed: Duration,
    /// (prog_a, prog_b, misses).
    runs: (u64, u64, u64),
    /// Lookups that found their key, and that found nothing.
    lookups: (u64, u64),
    replacements: u64,
    writes: u64,
}

/// A per-CPU counter summed over the CPUs, read from the user side.
fn per_cpu_sum(map: &MapObject, index: u32) -> u64 {
    let mut all = vec![0u8; 8 * CPUS];
    map.map()
        .lookup(&index.to_ne_bytes(), &mut all)
        .unwrap_or_else(|e| panic!("{}[{index}]: {e}", map.name()));
    all.chunks(8)
        .map(|c| u64::from_ne_bytes(c.try_into().unwrap()))
        .sum()
}

/// Runs `invocations` invocations of `entry` on `engine` from [`INVOKERS`] threads against a
/// writer and a replacer, checks the counters exactly, and drops everything: after
/// synchronizing the epoch when `synchronize`, else relying on the host's own reclamation
/// when its last handles go.
fn stress(engine: Engine, invocations: u64, synchronize: bool) -> Report {
    let os = StdOs::new().with_cpu_count(CPUS);
    let host = Host::new(Arc::new(os), &LINUX);
    let options = LoadOptions {
        engine,
        ..LoadOptions::default()
    };
    let loaded = host
        .load(&object("stress.o", &LINUX), &options)
        .unwrap_or_else(|e| panic!("stress.o: {e}"));
    let map = |name: &str| loaded.map(name).unwrap().clone();
    let program = |name: &str| loaded.program(name).unwrap().clone();
    let (entry, prog_a, prog_b) = (program("entry"), program("prog_a"), program("prog_b"));
    let (table, next) = (map("table"), map("next"));
    next.set_program(0, Some(&prog_a)).unwrap();
    for k in 0..KEYS {
        let value = u64::from(k) << 32;
        table
            .map()
            .update(&k.to_ne_bytes(), &value.to_ne_bytes(), update::ANY)
            .unwrap();
    }

    let stop = Arc::new(AtomicBool::new(false));
    // The writer and the replacer pass it after their first operation, the invokers before
    // their first batch.
    let start = Arc::new(Barrier::new(INVOKERS + 2));
    // Updates and deletes the entries of `table` while the programs look them up.
    let writer = {
        let (table, stop, start) = (table.clone(), stop.clone(), start.clone());
        thread::spawn(move || {
            let mut rng = 0x1234_5678_9abc_def0u64;
            let mut generation = 0u64;
            loop {
                generation += 1;
                let k = (xorshift(&mut rng) % u64::from(KEYS)) as u32;
                let key = k.to_ne_bytes();
                let value = ((u64::from(k) << 32) | (generation & 0xffff_ffff)).to_ne_bytes();
                match xorshift(&mut rng) % 4 {
                    0 => match table.map().delete(&key) {
                        Ok(()) => {}
                        Err(e) => assert_eq!(e.linux_errno(), 2, "delete: {e}"),
                    },
                    1 => match table.map().update(&key, &value, update::NOEXIST) {
                        Ok(()) => {}
                        Err(e) => assert_eq!(e.linux_errno(), 17, "insert: {e}"),
                    },
                    // Replaces or inserts: never fails, as no more than KEYS keys exist.
                    _ => table.map().update(&key, &value, update::ANY).unwrap(),
                }
                if generation == 1 {
                    start.wait();
                }
                if stop.load(Ordering::Relaxed) {
                    return generation;
                }
            }
        })
    };
    // Replaces the program `entry` tail-calls, clearing the slot one time in sixteen.
    let replacer = {
        let (next, a, b, stop, start) = (
            next.clone(),
            prog_a.clone(),
            prog_b.clone(),
            stop.clone(),
            start.clone(),
        );
        thread::spawn(move || {
            let mut n = 0u64;
            loop {
                let program = match n % 16 {
                    15 => None,
                    k if k % 2 == 0 => Some(&b),
                    _ => Some(&a),
                };
                next.set_program(0, program).unwrap();
                n += 1;
                if n == 1 {
                    start.wait();
                }
                if stop.load(Ordering::Relaxed) {
                    return n;
                }
            }
        })
    };
    let per_thread = invocations / INVOKERS as u64;
    let invokers: Vec<_> = (0..INVOKERS)
        .map(|t| {
            let (host, entry, start) = (host.clone(), entry.clone(), start.clone());
            let mine = per_thread + u64::from((t as u64) < invocations % INVOKERS as u64);
            thread::spawn(move || {
                let mut ctx = entry.new_context().unwrap();
                ctx.set_packet(&[t as u8; 64]).unwrap();
                // Results by value: XDP_DROP, XDP_PASS, XDP_TX; anything else fails below.
                let mut tally = [0u64; 4];
                let mut done = 0;
                start.wait();
                let began = Instant::now();
                while done < mine {
                    let n = BATCH.min(mine - done);
                    let mut batch = host.batch();
                    for _ in 0..n {
                        let r = batch
                            .invoke(&entry, &mut ctx)
                            .unwrap_or_else(|e| panic!("thread {t}: {e}"));
                        assert!(matches!(r, DROP | PASS | TX), "thread {t}: returned {r}");
                        tally[r as usize] += 1;
                    }
                    drop(batch);
                    done += n;
                }
                (tally, began, Instant::now())
            })
        })
        .collect();
    let mut tally = [0u64; 4];
    let mut span: Option<(Instant, Instant)> = None;
    for i in invokers {
        let (t, began, ended) = i.join().expect("an invoking thread failed");
        for (sum, n) in tally.iter_mut().zip(t) {
            *sum += n;
        }
        span = Some(span.map_or((began, ended), |(b, e)| (b.min(began), e.max(ended))));
    }
    let elapsed = span.map_or(Duration::ZERO, |(b, e)| e - b);
    stop.store(true, Ordering::Relaxed);
    let replacements = replacer.join().expect("the replacer failed");
    let writes = writer.join().expect("the writer failed");

    let count = |name: &str| per_cpu_sum(loaded.map(name).unwrap(), 0);
    let (a, b, misses) = (count("a_runs"), count("b_runs"), count("misses"));
    assert_eq!(count("entry_runs"), invocations, "{engine:?}: entry runs");
    let mut shared = [0u8; 8];
    let shared_runs = loaded.map("shared_runs").unwrap().map();
    shared_runs
        .lookup(&0u32.to_ne_bytes(), &mut shared)
        .unwrap();
    assert_eq!(
        u64::from_ne_bytes(shared),
        invocations,
        "{engine:?}: entry runs by atomic add"
    );
    assert_eq!(a, tally[PASS as usize], "{engine:?}: prog_a runs");
    assert_eq!(b, tally[TX as usize], "{engine:?}: prog_b runs");
    assert_eq!(misses, tally[DROP as usize], "{engine:?}: misses");
    assert_eq!(a + b + misses, invocations, "{engine:?}: runs after entry");
    let lookups = loaded.map("lookups").unwrap();
    let (found, absent) = (per_cpu_sum(lookups, 0), per_cpu_sum(lookups, 1));
    assert_eq!(per_cpu_sum(lookups, 2), 0, "{engine:?}: wrong values seen");
    assert_eq!(found + absent, 2 * invocations, "{engine:?}: lookups");

    // The programs in the array hold the array (through their object's maps): clear it.
    next.set_program(0, None).unwrap();
    if synchronize {
        host.synchronize();
        assert_eq!(host.epoch().pending(), 0, "{engine:?}: reclaimed");
    }
    Report {
        engine,
        invocations,
        elapsed,
        runs: (a, b, misses),
        lookups: (found, absent),
        replacements,
        writes,
    }
}

#[test]
fn eight_invokers_a_writer_and_a_replacer() {
    let jit_invocations = std::env::var("STRESS_INVOCATIONS")
        .ok()
        .map(|v| v.parse::<u64>().expect("STRESS_INVOCATIONS is a number"))
        .unwrap_or(if cfg!(debug_assertions) {
            100_000
        } else {
            10_000_000
        });
    let interp_invocations = (jit_invocations / 10).max(10_000);
    // Warm up what the runtime allocates once (thread bookkeeping, lazy statics).
    stress(Engine::Jit, 10_000, true);
    let before = LIVE.load(Ordering::SeqCst);
    let reports = [
        stress(Engine::Jit, jit_invocations, true),
        // Dropped without synchronizing: the last handles reclaim (no leak either).
        stress(Engine::Interpreter, interp_invocations, false),
    ];
    let after = LIVE.load(Ordering::SeqCst);
    assert_eq!(
        after, before,
        "bytes still allocated after the hosts were dropped"
    );
    for r in &reports {
        assert!(r.replacements > 1 && r.writes > 1, "{r:?}");
        let ns = r.elapsed.as_nanos() / u128::from(r.invocations.max(1));
        eprintln!(
            "{}: {} invocations in {:.2?} ({ns} ns each); prog_a {} prog_b {} missed {}; \
             lookups found {} absent {}; {} replacements, {} writes",
            r.engine.name(),
            r.invocations,
            r.elapsed,
            r.runs.0,
            r.runs.1,
            r.runs.2,
            r.lookups.0,
            r.lookups.1,
            r.replacements,
            r.writes
        );
    }
}
