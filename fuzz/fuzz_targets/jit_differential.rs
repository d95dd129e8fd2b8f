//! Fuzz target: raw fuzzer bytes -> a well-formed program (the generator of the JIT's
//! differential property test) -> interpreter and JIT (plain and blinded) must agree on r0 or
//! the fault, the frame-0 stack and the input memory.
//!
//! Run: `cargo +nightly fuzz run jit_differential -- -max_total_time=600`. Crash inputs go to
//! `jit/tests/fuzz_inputs/` and are replayed by `cargo test -p ebpf-jit`.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../jit/tests/common/mod.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let insns = common::generate(data);
    if let Err(why) = common::differential(&insns) {
        panic!("{why}");
    }
});
