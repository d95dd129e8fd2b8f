//! The execution-context benchmark's programs compute what the benchmark expects, once each,
//! on both engines and (where this machine allows `bpf()`) on Linux's `BPF_PROG_TEST_RUN`, on
//! the same frame and map contents: the checks `benches/host.rs` makes before timing, in the
//! normal test run. The ring buffer's record is read back on both sides.

use std::io::Write;

use ebpf_benches::host::{self, KernelObject, OPS, OPS_OBJECT, RING_RECORD, WHOLE, WHOLE_OBJECT};
use ebpf_benches::{kernel, linux};
use ebpf_kernel_host::Engine;

fn skip(why: &str) {
    let line = format!(
        "skipped: benches/host_bench Linux side: this machine refuses bpf(BPF_PROG_LOAD): {why}\n"
    );
    let _ = std::io::stderr().write_all(line.as_bytes());
}

fn programs(object: &str) -> &'static [&'static str] {
    if object == WHOLE_OBJECT {
        &WHOLE
    } else {
        &OPS
    }
}

#[test]
fn every_benchmarked_program_gives_its_result_on_both_engines() {
    let frame = host::udp_frame();
    for object in [WHOLE_OBJECT, OPS_OBJECT] {
        for engine in [Engine::Interpreter, Engine::Jit] {
            let (host, loaded) = host::load_host(object, engine).unwrap();
            for &function in programs(object) {
                let p = loaded.program(function).unwrap();
                let mut ctx = host::frame_context(p).unwrap();
                let want = host::expected(function).unwrap();
                let mut batch = host.batch();
                // Twice: an update of a present key, a ring with a record in it, a second run
                // on the same context give the same result.
                for _ in 0..2 {
                    let got = batch.invoke(p, &mut ctx).unwrap();
                    assert_eq!(got, u64::from(want), "{object} {function} on {engine:?}");
                }
                drop(batch);
                assert_eq!(ctx.packet().unwrap().data(), &frame[..], "{function}");
            }
            let ring = loaded.map("ring").map(|m| m.map().as_ringbuf().unwrap());
            if let Some(ring) = ring {
                let mut records = Vec::new();
                ring.consume(|r| records.push(r.to_vec()));
                let record = 0x0123_4567_89ab_cdefu64
                    .to_ne_bytes()
                    .repeat(RING_RECORD / 8);
                assert_eq!(records, [record.clone(), record], "{engine:?}");
            }
        }
    }
}

#[test]
fn linux_gives_the_same_results() {
    if let Err(e) = kernel::available() {
        skip(&e);
        return;
    }
    let frame = host::udp_frame();
    for object in [WHOLE_OBJECT, OPS_OBJECT] {
        let k = KernelObject::load(object).unwrap();
        for &function in programs(object) {
            let fd = k.program(function).unwrap();
            let out = linux::test_run(fd, &frame, None, 2).unwrap();
            let want = host::expected(function).unwrap();
            assert_eq!(out.retval, want, "{object} {function} on Linux");
            assert_eq!(out.data_out, frame, "{function}");
        }
        if object == OPS_OBJECT {
            let ring = k.ring("ring").unwrap();
            assert_eq!(ring.discard(), 2 * (RING_RECORD as u64 + 8), "two records");
            assert_eq!(ring.discard(), 0);
        }
    }
}
