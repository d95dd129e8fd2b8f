//! Attach, detach and replace racing 8 invoking threads: every invocation runs the hook's old
//! program list or its new one, never a torn one, and no program is lost or run twice: the
//! counters of the replaced link's old and new programs sum to the invocations, and the
//! programs each run reported sum to all the counters.

mod common;

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Barrier;

use common::*;
use ebpf_kernel_host::hooks::xdp::{XdpAction, XdpHook};
use ebpf_kernel_host::hooks::WILDCARD;
use ebpf_kernel_host::Engine;
use ebpf_platform::LINUX;

const THREADS: usize = 8;
/// Runs each invoking thread may be ahead of the writer, per write.
const STRIDE: u64 = 128;

fn race(engine: Engine, writes: u64) {
    let (host, _) = host_with_cpus(&LINUX, THREADS);
    let loaded = load(&host, "hooks_linux_xdp.o", engine);
    let xdp = XdpHook::new(&host).unwrap();
    let at = LINUX.attach_type("xdp").unwrap();
    let prog = |n: &str| loaded.program(n).unwrap().clone();
    let (a, b, c) = (prog("count_a"), prog("count_b"), prog("count_c"));
    let replaced = host.attach(&a, at, WILDCARD).unwrap();
    let done = AtomicBool::new(false);
    let finished = AtomicUsize::new(0);
    let progress = AtomicU64::new(0);
    let written = AtomicU64::new(0);
    let start = Barrier::new(THREADS + 1);
    let (invocations, ran, writes) = std::thread::scope(|s| {
        let invokers: Vec<_> = (0..THREADS)
            .map(|t| {
                let (xdp, start, done) = (&xdp, &start, &done);
                let (finished, progress, written) = (&finished, &progress, &written);
                s.spawn(move || {
                    let mut ctx = xdp.new_context().unwrap();
                    let packet = ipv4([10, 1, 1, t as u8], 17, 9, 64);
                    start.wait();
                    let (mut programs, mut invocations) = (0, 0u64);
                    let mut batch = Some(xdp.hook().batch());
                    // Until the writer is done, at most STRIDE runs per write ahead of it (so
                    // that the writer is not starved on a small machine).
                    loop {
                        if done.load(Ordering::Acquire) {
                            break;
                        }
                        if invocations >= (written.load(Ordering::Acquire) + 1) * STRIDE {
                            std::thread::yield_now();
                            continue;
                        }
                        if invocations % 256 == 0 {
                            // Short batches, as a hook keeps them (the old one ends first:
                            // a thread holds one virtual CPU at a time).
                            drop(batch.take());
                            batch = Some(xdp.hook().batch());
                        }
                        ctx.set_packet(&packet).unwrap();
                        let out = xdp
                            .run(batch.as_mut().unwrap(), 1 + t as u32, &mut ctx)
                            .unwrap();
                        assert_eq!(out.action, XdpAction::Pass);
                        assert!((1..=2).contains(&out.programs), "{}", out.programs);
                        programs += out.programs as u64;
                        invocations += 1;
                        if invocations % 16 == 0 {
                            progress.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    finished.fetch_add(1, Ordering::Release);
                    (invocations, programs)
                })
            })
            .collect();
        let writer = s.spawn(|| {
            start.wait();
            let mut toggled = None;
            let mut w = 0;
            let mut seen = 0;
            while w < writes && finished.load(Ordering::Acquire) < THREADS {
                // One write per stretch of invocations, so that runs see many lists.
                let now = progress.load(Ordering::Relaxed);
                if now == seen {
                    std::hint::spin_loop();
                    continue;
                }
                seen = now;
                let next = if w % 2 == 0 { &b } else { &a };
                replaced.replace(next).unwrap();
                toggled = match toggled.take() {
                    None => Some(host.attach(&c, at, WILDCARD).unwrap()),
                    Some(link) => {
                        drop(link);
                        None
                    }
                };
                w += 1;
                written.store(w, Ordering::Release);
            }
            drop(toggled);
            done.store(true, Ordering::Release);
            w
        });
        let writes = writer.join().unwrap();
        let per_thread: Vec<(u64, u64)> = invokers.into_iter().map(|h| h.join().unwrap()).collect();
        let invocations = per_thread.iter().map(|r| r.0).sum::<u64>();
        (
            invocations,
            per_thread.iter().map(|r| r.1).sum::<u64>(),
            writes,
        )
    });
    let counts = loaded.map("counts").unwrap();
    let (na, nb, nc) = (
        u64_at(counts, &k32(0)),
        u64_at(counts, &k32(1)),
        u64_at(counts, &k32(2)),
    );
    assert_eq!(
        na + nb,
        invocations,
        "old and new programs of the replaced link"
    );
    assert_eq!(na + nb + nc, ran, "every program reported ran exactly once");
    assert!(na > 0 && nb > 0, "both programs of the replaced link ran");
    assert!(writes > 0, "the writer raced");
    eprintln!("{engine:?}: {invocations} invocations, {writes} replaces, a {na} b {nb} c {nc}");
    drop(replaced);
    host.synchronize();
    assert_eq!(host.epoch().pending(), 0, "everything retired was freed");
}

#[test]
fn attach_detach_and_replace_race_eight_invoking_threads_jit() {
    race(Engine::Jit, 1_500);
}

#[test]
fn attach_detach_and_replace_race_eight_invoking_threads_interpreter() {
    race(Engine::Interpreter, 300);
}
