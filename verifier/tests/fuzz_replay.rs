//! Replays the inputs the `verifier_soundness` fuzz target found (`tests/fuzz_inputs/`): each
//! must now pass the soundness check (accepted programs run without fault, or the program is
//! rejected).
//!
//! - `nested-loop-1.5m-insns`: a 4 x 131,081-iteration nested loop the verifier (rightly) proves
//!   terminating; it ran out of the harness's first budget of 1,000,000 instructions. The budget
//!   is now 20,000,000; the verifier does not cap loop lengths yet.
//! - `direct-map-value`: `lddw r1, map_value 1, 0` (a pointer into the array map's value),
//!   which the verifier rightly accepts; the harness's host could not resolve it yet.

mod fuzz_harness;

#[test]
fn fuzz_inputs_pass_the_soundness_check() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_inputs");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        if let Err(why) = fuzz_harness::check(&data) {
            panic!("{}: {why}", path.display());
        }
        n += 1;
    }
    assert!(n >= 1, "no inputs in {}", dir.display());
}
