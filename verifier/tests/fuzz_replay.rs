//! Replays the inputs the `verifier_soundness` fuzz target found (`tests/fuzz_inputs/`): each
//! must now pass the soundness check (accepted programs run without fault, or the program is
//! rejected).
//!
//! - `nested-loop-1.5m-insns`: a 4 x 131,081-iteration nested loop the verifier (rightly) proves
//!   terminating; it ran out of the harness's first budget of 1,000,000 instructions. The
//!   verifier now proves a bound on the instructions a run executes and rejects programs above
//!   `Options::max_run_instructions` (1,000,000 by default); this one is rejected, and the
//!   harness's budget is the proved bound.
//! - `nested-loop-67m-insns`: a 1,024 x 65,526-iteration nested loop, accepted before that
//!   limit existed (67 million instructions); now rejected as running too long.
//! - `direct-map-value`: `lddw r1, map_value 1, 0` (a pointer into the array map's value),
//!   which the verifier rightly accepts; the harness's host could not resolve it yet.
//! - `socket-lookup-release`: an XDP program that looks a TCP socket up, reads its state and
//!   releases it (not a finding: a seed for the harness's Linux pass, whose socket model
//!   checks that the run releases what it acquired).
//! - `printk-negative-size`: `bpf_trace_printk` with a negative format size; the verifier read
//!   the format before checking the size and panicked on the reversed stack range. The format
//!   reader now gives up on a size that is not positive (the size check rejects the call).
//! - `callee-r10-plus-0`: a local function wrote 8 bytes at its own `r10 + 0`, which the
//!   verifier took for the caller's bottom bytes and the interpreter (whose frames are apart)
//!   refused. Accesses through a frame's own `r10` must now lie below it.

mod fuzz_harness;

#[test]
fn fuzz_inputs_pass_the_soundness_check() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_inputs");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        if let Err(why) = fuzz_harness::check_all(&data) {
            panic!("{}: {why}", path.display());
        }
        n += 1;
    }
    assert!(n >= 1, "no inputs in {}", dir.display());
}
