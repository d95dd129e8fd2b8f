//! `may_goto` in the verifier: the catalogue's `maygoto_*` cases in detail (which loops the
//! budget bounds, the run bound it reports, the errors), and the encodings it never sees
//! because validation refuses them.

mod common;

use std::path::Path;

use ebpf_isa::{Program, RawInsn, MAY_GOTO_BUDGET};
use ebpf_verifier::{verify, Options, VerifyErrorKind, LINUX};

fn case(dir: &str, name: &str) -> common::Case {
    common::parse(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests")
            .join(dir)
            .join(name),
    )
}

fn bound(name: &str) -> u64 {
    common::verify(&case("safe", name))
        .unwrap_or_else(|e| panic!("{name}: {e:?}"))
        .instruction_bound()
}

#[test]
fn a_budget_bounded_loop_counts_the_budget_in_the_run_bound() {
    let rounds = u64::from(u32::try_from(MAY_GOTO_BUDGET).unwrap()) + 1;
    // mov; then 3 instructions a round (may_goto, add, ja) and the exit.
    assert_eq!(bound("maygoto_endless_loop.s"), 1 + 3 * rounds + 1);
    // A counted inner loop multiplies: 10 rounds of 3 per outer round.
    let b = bound("maygoto_counted_inner_loop.s");
    assert!(b >= rounds * 30 && b < rounds * 40, "{b}");
    // Two calls, each with its own budget.
    let b = bound("maygoto_in_callee.s");
    assert!(b >= 2 * 3 * rounds, "{b}");
}

#[test]
fn a_loop_whose_counter_is_bounded_keeps_its_own_bound() {
    // The index check ends the walk after 64 rounds, far within the budget.
    let b = bound("maygoto_map_value_walk.s");
    assert!(b < 1000, "{b}");
}

#[test]
fn the_limit_applies_to_what_the_budget_does_not_bound() {
    // The run bound is over 25 million, the limit 1 million: accepted all the same.
    let c = case("safe", "maygoto_endless_loop.s");
    let program = Program::from_insns(c.insns.as_slice()).unwrap();
    let options = Options {
        max_run_instructions: 10,
        ..Options::default()
    };
    let report = ebpf_verifier::analyze(&program, &LINUX, "xdp", &[], &options);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(report.instruction_bound > 3 * MAY_GOTO_BUDGET);
    // An inner counted loop of 10 rounds is the program's own: 3 + 30-odd per outer round.
    let c = case("safe", "maygoto_counted_inner_loop.s");
    let program = Program::from_insns(c.insns.as_slice()).unwrap();
    let report = ebpf_verifier::analyze(&program, &LINUX, "xdp", &[], &options);
    assert!(
        matches!(
            report.errors.first().map(|e| e.kind()),
            Some(VerifyErrorKind::RunTooLong { .. })
        ),
        "{:?}",
        report.errors
    );
}

#[test]
fn loops_the_budget_does_not_bound_name_their_head() {
    for (name, head) in [
        ("maygoto_path_around_budget.s", 2),
        ("maygoto_callee_budget_not_callers.s", 0),
    ] {
        let errors = common::verify(&case("unsafe", name)).unwrap_err();
        match errors[0].kind() {
            VerifyErrorKind::UnboundedLoop { head: h, .. } => assert_eq!(*h, head, "{name}"),
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn jcond_other_than_may_goto_is_invalid_with_its_pc() {
    let slots = [
        RawInsn::new(0xb7, 0, 0, 0, 0),
        RawInsn::new(0xe5, 0, 1, 0, 0),
        RawInsn::new(0x95, 0, 0, 0, 0),
    ];
    let bytes: Vec<u8> = slots.iter().flat_map(|r| r.to_bytes()).collect();
    let e = Program::from_bytes(&bytes).unwrap_err();
    assert_eq!(e.pc(), 1);
    assert!(e.to_string().contains("jcond"), "{e}");
    let mut ok = bytes.clone();
    ok[9] = 0; // src 0: may_goto +0
    let program = Program::from_bytes(&ok).unwrap();
    assert!(verify(&program, &LINUX, "xdp", &[]).is_ok());
}
