//! The execution context (`ebpf-kernel-host`) in one run against Linux's `BPF_PROG_TEST_RUN`
//! with `repeat` on the same objects (where this machine allows `bpf()`; a `skipped:` line
//! otherwise), over the same 1 KiB UDP frame and map contents (`ebpf_benches::host`):
//!
//! - `invoke`: the empty program (`bench.o` `xdp_empty`) through `Program::invoke` (entering
//!   the epoch for each run) and `Program::test_run` (one batch, wall time per run);
//! - `ops`: the one-operation programs of `bench_maps.o` (hash lookup and update with 1,024
//!   entries, array and LRU lookups, LPM lookups with 1K and 1M prefixes, a tail call to an
//!   empty program, a 400-byte ring-buffer output) and `op_none`, the same run without the
//!   operation, whose time the others' costs are taken against;
//! - `whole`: the five XDP programs of `bench.o`;
//! - `map_api`: the map operations called directly (`Map::prog_lookup`, `Map::prog_update`
//!   under an epoch guard), without a program: how much of an operation's cost is the map's.
//!
//! Ours run inside one `Batch` (the epoch entered once, as a test run does) on the JIT and on
//! the interpreter, timed in this thread's CPU time; Linux's time is the mean the kernel
//! measures per repeat, which likewise leaves out the time the thread was not running (on a
//! machine shared with other work, wall time would charge ours for other processes' turns). Every program's
//! result is checked on each side before timing (also in `tests/host_bench.rs`). Ring-buffer
//! records are discarded between chunks of runs, untimed, on both sides.
//!
//! `cargo bench -p ebpf-benches --bench host -- --warm-up-time 1 --measurement-time 3`

use std::cell::OnceCell;
use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};
use ebpf_benches::host::{self, KernelObject, KEY, LPM_TARGET, LPM_VALUE, OPS, OPS_OBJECT};
use ebpf_benches::host::{WHOLE, WHOLE_OBJECT};
use ebpf_benches::linux::{self, thread_cpu_time as cpu_time, RingPositions};
use ebpf_kernel_host::maps::RingBuf;
use ebpf_kernel_host::{Context, Engine, Host, Loaded, Program, TestRun};

/// Our engines, with their names in benchmark ids.
const ENGINES: [(Engine, &str); 2] = [(Engine::Jit, "jit"), (Engine::Interpreter, "interp")];

/// Runs between two drains of a ring buffer (a 16 MiB ring holds 41,120 records of 400 bytes).
const CHUNK: u64 = 16_384;

/// One of our hosts with an object loaded.
type Side = (Host, Loaded);

/// Object `object` loaded on `engine`, its maps filled.
fn load_ours(object: &str, engine: Engine) -> Side {
    host::load_host(object, engine).expect("loads")
}

/// The kernel's copy of `object`, or why there is none (printed).
fn kernel(object: &str) -> Option<KernelObject> {
    match ebpf_benches::kernel::available().and_then(|()| KernelObject::load(object)) {
        Ok(k) => Some(k),
        Err(why) => {
            println!("skipped: {object} on Linux BPF_PROG_TEST_RUN: {why}");
            None
        }
    }
}

/// The ring buffer of a loaded object, if it has one.
fn ring(loaded: &Loaded) -> Option<&RingBuf> {
    loaded.map("ring").and_then(|m| m.map().as_ringbuf())
}

/// Checks one run's result.
fn check(what: &str, function: &str, got: u64) {
    let want = host::expected(function).expect("a benchmarked program");
    assert_eq!(got, u64::from(want), "{function} on {what}");
}

/// The CPU time of `iters` runs of `program` in one batch; a ring is drained, untimed, every
/// [`CHUNK`] runs.
fn time_batch(
    host: &Host,
    program: &Program,
    ctx: &mut Context,
    ring: Option<&RingBuf>,
    iters: u64,
) -> Duration {
    let mut total = Duration::ZERO;
    let mut left = iters;
    let mut batch = host.batch();
    while left > 0 {
        let n = match ring {
            Some(_) => left.min(CHUNK),
            None => left,
        };
        let start = cpu_time();
        for _ in 0..n {
            black_box(batch.invoke(program, black_box(&mut *ctx)).ok());
        }
        total += cpu_time() - start;
        left -= n;
        if let Some(ring) = ring {
            ring.consume(|r| {
                black_box(r);
            });
        }
    }
    total
}

/// Linux's time for `iters` runs: the kernel's mean per repeat (which it measures around its
/// run loop and rounds down to whole nanoseconds) times the repeats, over test runs of at most
/// [`CHUNK`] repeats when a ring must be drained between them. (This thread's CPU time across
/// the call would add the call's fixed cost, about 200 µs here: 2 ns a run even at 100,000
/// repeats.)
fn time_linux(fd: &linux::Fd, frame: &[u8], ring: Option<&RingPositions>, iters: u64) -> Duration {
    let mut total = 0u64;
    let mut left = iters;
    while left > 0 {
        let cap = if ring.is_some() {
            CHUNK
        } else {
            u64::from(u32::MAX)
        };
        let n = left.min(cap);
        let out = linux::test_run(fd, frame, None, n as u32).expect("test run");
        total += u64::from(out.duration_ns) * n;
        left -= n;
        if let Some(ring) = ring {
            ring.discard();
        }
    }
    Duration::from_nanos(total)
}

/// One engine's side of a benchmark: the engine, its name, and the host and program set up on
/// first use.
type OurSide = (Engine, &'static str, OnceCell<Side>);

/// Benchmarks `functions` of `object` as `<function>/<engine>` and `<function>/linux`. Each
/// side is set up (loaded, maps filled, result checked) when a benchmark first needs it, so a
/// filtered run sets up only what it times.
fn per_program(group: &mut BenchmarkGroup<'_, WallTime>, object: &str, functions: &[&str]) {
    let frame = host::udp_frame();
    let ours: Vec<OurSide> = ENGINES
        .iter()
        .map(|&(engine, name)| (engine, name, OnceCell::new()))
        .collect();
    let linux_side: OnceCell<Option<KernelObject>> = OnceCell::new();
    for &function in functions {
        for (engine, name, cell) in &ours {
            let mut ctx = None;
            group.bench_function(format!("{function}/{name}"), |b| {
                let (host, loaded) = cell.get_or_init(|| load_ours(object, *engine));
                let p = loaded.program(function).expect("program");
                let ring = ring(loaded);
                let ctx = ctx.get_or_insert_with(|| {
                    let mut ctx = host::frame_context(p).expect("context");
                    check(name, function, p.invoke(&mut ctx).expect("runs"));
                    ctx
                });
                if let Some(ring) = ring {
                    ring.consume(|_| {});
                }
                b.iter_custom(|iters| time_batch(host, p, ctx, ring, iters))
            });
        }
        let mut ring = None;
        group.bench_function(format!("{function}/linux"), |b| {
            let Some(k) = linux_side.get_or_init(|| kernel(object)) else {
                return;
            };
            let fd = k.program(function).expect("program");
            let ring = ring.get_or_insert_with(|| {
                let out = linux::test_run(fd, &frame, None, 1).expect("test run");
                check("linux", function, u64::from(out.retval));
                k.ring("ring").ok()
            });
            if let Some(ring) = ring.as_ref() {
                ring.discard();
            }
            b.iter_custom(|iters| time_linux(fd, &frame, ring.as_ref(), iters))
        });
    }
}

/// The empty program through `Program::invoke` and `Program::test_run`.
fn invoke(c: &mut Criterion) {
    let frame = host::udp_frame();
    let mut group = c.benchmark_group("invoke");
    for (engine, name) in ENGINES {
        let cell = OnceCell::new();
        let setup = || {
            let (host, loaded) = load_ours(WHOLE_OBJECT, engine);
            let p = loaded.program("xdp_empty").expect("program").clone();
            let mut ctx = host::frame_context(&p).expect("context");
            check(name, "xdp_empty", p.invoke(&mut ctx).expect("runs"));
            (host, p, ctx)
        };
        group.bench_function(format!("xdp_empty/{name}_invoke"), |b| {
            let (_, p, ctx) = cell.get_or_init(setup);
            let mut ctx = ctx.clone();
            b.iter_custom(|iters| {
                let start = cpu_time();
                for _ in 0..iters {
                    black_box(p.invoke(black_box(&mut ctx)).ok());
                }
                cpu_time() - start
            })
        });
        group.bench_function(format!("xdp_empty/{name}_test_run"), |b| {
            let (_, p, _) = cell.get_or_init(setup);
            b.iter_custom(|iters| {
                let run = TestRun {
                    data: &frame,
                    ctx: None,
                    repeat: iters.clamp(1, u64::from(u32::MAX)) as u32,
                };
                let start = cpu_time();
                black_box(p.test_run(&run).expect("test run"));
                cpu_time() - start
            })
        });
    }
    group.finish();
}

fn ops(c: &mut Criterion) {
    let mut group = c.benchmark_group("ops");
    per_program(&mut group, OPS_OBJECT, &OPS);
    group.finish();
}

fn whole(c: &mut Criterion) {
    let mut group = c.benchmark_group("whole");
    per_program(&mut group, WHOLE_OBJECT, &WHOLE);
    group.finish();
}

/// The map operations without a program, on a JIT host's maps (the maps do not depend on the
/// engine).
fn map_api(c: &mut Criterion) {
    let cell = OnceCell::new();
    let key = KEY.to_ne_bytes();
    let value = u64::from(KEY).to_ne_bytes();
    let lpm_key = {
        let mut k = [0u8; 8];
        k[..4].copy_from_slice(&32u32.to_ne_bytes());
        k[4..7].copy_from_slice(&LPM_TARGET);
        k[7] = 77;
        k
    };
    let mut group = c.benchmark_group("map_api");
    for (name, map, key, want) in [
        ("hash_lookup", "hash", &key[..], u64::from(KEY)),
        ("hash_update", "hash", &key[..], u64::from(KEY)),
        ("array_lookup", "array", &key[..], u64::from(KEY)),
        ("lru_lookup", "lru", &key[..], u64::from(KEY)),
        (
            "lpm_1k_lookup",
            "lpm_1k",
            &lpm_key[..],
            u64::from(LPM_VALUE),
        ),
        (
            "lpm_1m_lookup",
            "lpm_1m",
            &lpm_key[..],
            u64::from(LPM_VALUE),
        ),
    ] {
        let update = name.ends_with("update");
        group.bench_function(name, |b| {
            let (host, loaded): &Side = cell.get_or_init(|| load_ours(OPS_OBJECT, Engine::Jit));
            let map = loaded.map(map).expect("map").map();
            let mut got = [0u8; 8];
            let len = map.def().value_size as usize;
            map.lookup(key, &mut got[..len]).expect("present");
            assert_eq!(u64::from_ne_bytes(got), want, "{name}");
            assert!(map.prog_lookup(&host.epoch().enter(0), key).is_ok());
            b.iter_custom(|iters| {
                let mut guard = host.epoch().enter(0);
                let start = cpu_time();
                for i in 0..iters {
                    if update {
                        let _ = black_box(map.prog_update(&guard, black_box(key), &value, 0));
                    } else {
                        let _ = black_box(map.prog_lookup(&guard, black_box(key)));
                    }
                    if i % 1024 == 1023 {
                        // As a batch does.
                        guard.refresh();
                        host.epoch().collect();
                    }
                }
                cpu_time() - start
            })
        });
    }
    group.finish();
}

criterion_group!(benches, invoke, ops, whole, map_api);
criterion_main!(benches);
