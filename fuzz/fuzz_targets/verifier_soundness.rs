//! Fuzz target for the verifier's soundness: raw fuzzer bytes are decoded as a program; if the
//! verifier accepts it, it must run without any fault in the checked interpreter (the check is
//! `verifier/tests/fuzz_harness`, shared with the replay test `verifier/tests/fuzz_replay.rs`).
//! An accepted program that faults is a soundness bug: the target panics with its disassembly.
//! Each input is verified as eBPF for Windows `xdp` and as Linux `xdp`; the Linux run models
//! the reference-tracked socket helpers (a socket released twice, or still held at the end,
//! fails the run).
//! The same bytes also go through the platform check (`fuzz_harness/platform.rs`): Linux
//! program and attach types picked by the first byte, maps of every kind, and the context's
//! fields checked against what Linux allows at the attach type.
//!
//! Seeds: the safe catalogue (`verifier/tests/safe/*.s`) assembled to bytes, so mutations start
//! from accepted programs. Run: `cargo +nightly fuzz run verifier_soundness -- -max_total_time=1800`.
//! Crash inputs go to `verifier/tests/fuzz_inputs/`, which `cargo test -p ebpf-verifier` replays.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../verifier/tests/fuzz_harness/mod.rs"]
mod harness;

fuzz_target!(|data: &[u8]| {
    if let Err(why) = harness::check_all(data) {
        panic!("{why}");
    }
});
