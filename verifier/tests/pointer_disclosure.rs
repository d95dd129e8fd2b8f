//! The pointer-disclosure policy ([`Platform::refuse_pointer_disclosure`]): on by default, it
//! is what rejects the bit-by-bit copy of `r10`; a host that turns it off gets the program
//! accepted, and the message names the comparison.

mod common;

use ebpf_verifier::{Platform, LINUX};

#[test]
fn the_jset_reconstruction_of_r10_is_refused_only_by_the_policy() {
    let case = common::parse(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/unsafe/pointer_disclosure_jset_r10.s"),
    );
    let errors = common::verify(&case).expect_err("accepted with the policy on");
    let first = errors[0].to_string();
    assert!(
        first.contains("jset r10 (a stack pointer) with r2 (a number)"),
        "{first}"
    );
    static OPEN: Platform = Platform {
        refuse_pointer_disclosure: false,
        ..LINUX
    };
    let program = ebpf_isa::Program::from_insns(case.insns.as_slice()).unwrap();
    ebpf_verifier::verify(&program, &OPEN, "socket_filter", &[])
        .expect("without the policy the program is memory-safe and accepted");
}
