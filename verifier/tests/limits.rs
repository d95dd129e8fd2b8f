//! The analysis' resource limits end it with a `too-complex` error that names the limit,
//! never a hang or an abort.

use ebpf_verifier::{Options, VerifyErrorKind};

/// 5,000 instructions of arithmetic over a few registers, then `exit` (the memory estimate is
/// taken every 4,096 visits).
fn long_program() -> ebpf_isa::Program {
    let mut text = String::from("mov %r0, 0\nmov %r2, 1\n");
    for i in 0..2500 {
        text.push_str(&format!("add %r0, {i}\nadd %r2, %r0\n"));
    }
    text.push_str("exit\n");
    ebpf_isa::Program::from_insns(ebpf_isa::asm::assemble(&text).expect("assembles"))
        .expect("valid")
}

fn first_error(options: &Options) -> Option<ebpf_verifier::VerifyError> {
    match ebpf_verifier::verify_with(
        &long_program(),
        &ebpf_verifier::LINUX,
        "socket_filter",
        &[],
        options,
    ) {
        Ok(_) => None,
        Err(errors) => Some(errors[0].clone()),
    }
}

#[test]
fn within_the_default_limits_it_is_accepted() {
    assert!(first_error(&Options::default()).is_none());
}

#[test]
fn a_memory_limit_ends_the_analysis_with_an_error() {
    let options = Options {
        max_memory: 1 << 10,
        ..Options::default()
    };
    let e = first_error(&options).expect("rejected");
    assert!(
        matches!(e.kind(), VerifyErrorKind::TooComplex { .. }),
        "{e}"
    );
    assert!(
        e.to_string().contains("more than the limit of 1 KiB"),
        "{e}"
    );
}

#[test]
fn a_visit_limit_ends_the_analysis_with_an_error() {
    let options = Options {
        max_visits: 100,
        ..Options::default()
    };
    let e = first_error(&options).expect("rejected");
    assert!(
        matches!(e.kind(), VerifyErrorKind::TooComplex { .. }),
        "{e}"
    );
    assert!(e.to_string().contains("more than 100 times"), "{e}");
}
