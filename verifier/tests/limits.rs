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

/// `slots` one-byte stack cells stored from one register (a number below 256, so each cell
/// equals it) inside `depth` nested loops of two iterations each: the program of issue 13 that
/// took 169 s at 300 cells and never ended at 200 when every cell's equality with every other
/// was a constraint of its own.
fn nested_stores(slots: usize, depth: usize) -> ebpf_isa::Program {
    let mut text = String::from("call 7\nmov %r9, %r0\nand %r9, 255\n");
    for d in 0..depth {
        text.push_str(&format!("mov %r{}, 0\nhead{d}:\n", d + 1));
    }
    for k in 1..=slots {
        text.push_str(&format!("stxb [%r10-{k}], %r9\n"));
    }
    for d in (0..depth).rev() {
        text.push_str(&format!("add %r{0}, 1\njlt %r{0}, 2, head{d}\n", d + 1));
    }
    text.push_str("mov %r0, 0\nexit\n");
    ebpf_isa::Program::from_insns(ebpf_isa::asm::assemble(&text).expect("assembles"))
        .expect("valid")
}

/// `slots` one-byte stack cells each within 1 above a register (`r0 = r9 + r8`, `r8` in
/// [0, 1]) inside three nested loops: the cells are not equal, so the zone relates every pair,
/// and the states grow with the square of the cells.
fn nested_inequalities(slots: usize) -> ebpf_isa::Program {
    let mut text =
        String::from("call 7\nmov %r9, %r0\nand %r9, 127\nmov %r8, %r0\nrsh %r8, 8\nand %r8, 1\n");
    for d in 0..3 {
        text.push_str(&format!("mov %r{}, 0\nhead{d}:\n", d + 1));
    }
    for k in 1..=slots {
        text.push_str(&format!(
            "mov %r0, %r9\nadd %r0, %r8\nstxb [%r10-{k}], %r0\n"
        ));
    }
    for d in (0..3).rev() {
        text.push_str(&format!("add %r{0}, 1\njlt %r{0}, 2, head{d}\n", d + 1));
    }
    text.push_str("mov %r0, 0\nexit\n");
    ebpf_isa::Program::from_insns(ebpf_isa::asm::assemble(&text).expect("assembles"))
        .expect("valid")
}

fn verdict(
    program: &ebpf_isa::Program,
    options: &Options,
) -> Result<(), ebpf_verifier::VerifyError> {
    ebpf_verifier::verify_with(
        program,
        &ebpf_verifier::LINUX,
        "socket_filter",
        &[],
        options,
    )
    .map(|_| ())
    .map_err(|errors| errors[0].clone())
}

#[test]
fn three_hundred_cells_equal_to_a_register_in_seven_nested_loops_are_accepted() {
    let program = nested_stores(300, 7);
    assert_eq!(program.insns().len(), 326);
    if let Err(e) = verdict(&program, &Options::default()) {
        panic!("{e}");
    }
}

#[test]
fn two_hundred_cells_equal_to_a_register_in_seven_nested_loops_are_accepted() {
    if let Err(e) = verdict(&nested_stores(200, 7), &Options::default()) {
        panic!("{e}");
    }
}

#[test]
fn a_work_limit_ends_the_analysis_of_costly_visits_with_an_error() {
    // Fewer visits than the visit limit, but each one handles hundreds of cells.
    let options = Options {
        max_work: 1_000_000,
        ..Options::default()
    };
    let e = verdict(&nested_stores(300, 7), &options).expect_err("rejected");
    assert!(
        matches!(e.kind(), VerifyErrorKind::TooComplex { .. }),
        "{e}"
    );
    assert!(
        e.to_string().contains("more than 1000000 units of work"),
        "{e}"
    );
}

#[test]
fn states_growing_with_the_square_of_the_cells_are_refused_as_too_complex() {
    let e = verdict(&nested_inequalities(200), &Options::default()).expect_err("rejected");
    assert!(
        matches!(e.kind(), VerifyErrorKind::TooComplex { .. }),
        "{e}"
    );
    assert!(e.to_string().contains("more than"), "names the limit: {e}");
}

#[test]
fn a_few_cells_related_by_inequalities_are_accepted() {
    if let Err(e) = verdict(&nested_inequalities(20), &Options::default()) {
        panic!("{e}");
    }
}
