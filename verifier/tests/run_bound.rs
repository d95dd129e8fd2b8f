//! The bound on executed instructions ([`Verified::instruction_bound`]): never below what the
//! interpreter executes, exact for counted loops, and over the limit an error.

use ebpf_interp::{Config, Program, Vm};
use ebpf_verifier::{Options, Verified, VerifyErrorKind};

fn verify(text: &str, options: &Options) -> Result<Verified, Vec<ebpf_verifier::VerifyError>> {
    let insns = ebpf_isa::asm::assemble(text).expect("assembles");
    let program = ebpf_isa::Program::from_insns(insns).expect("valid");
    ebpf_verifier::verify_with(
        &program,
        &ebpf_verifier::LINUX,
        "socket_filter",
        &[],
        options,
    )
}

/// Instructions the interpreter executes (the program reads no memory).
fn executed(v: &Verified) -> u64 {
    let prog = Program::new(v.runnable().clone());
    let mut vm = Vm::new(Config {
        budget: v.instruction_bound(),
    });
    vm.run(&prog, &mut [], &mut ebpf_interp::NoHelpers)
        .expect("runs within the proved bound")
        .executed
}

const NESTED: &str = "
    mov %r0, 0
    mov %r1, 0
outer:
    mov %r2, 0
inner:
    add %r0, 1
    add %r2, 1
    jlt %r2, 4, inner
    add %r1, 1
    jlt %r1, 5, outer
    exit
";

#[test]
fn straight_line_bound_is_its_length() {
    let v = verify("mov %r0, 1\nadd %r0, 2\nexit\n", &Options::default()).unwrap();
    assert_eq!((v.platform(), v.program_type()), ("linux", "socket_filter"));
    assert_eq!(v.instruction_bound(), 3);
    assert_eq!(executed(&v), 3);
}

#[test]
fn counted_nested_loops_are_bounded_exactly() {
    let v = verify(NESTED, &Options::default()).unwrap();
    // 2 + 5 * (1 + 4 * 3 + 2) + 1
    assert_eq!(executed(&v), 78);
    assert_eq!(v.instruction_bound(), 78);
}

#[test]
fn a_branch_in_a_loop_counts_both_arms() {
    let text = "
    mov %r0, 0
    mov %r1, 0
head:
    jset %r1, 1, odd
    add %r0, 2
    ja next
odd:
    add %r0, 3
next:
    add %r1, 1
    jlt %r1, 10, head
    exit
";
    let v = verify(text, &Options::default()).unwrap();
    let ran = executed(&v);
    // Even iterations run 5 instructions, odd ones 4.
    assert_eq!(ran, 2 + 5 * 5 + 5 * 4 + 1);
    // Both arms are counted on every iteration: 2 + 10 * 6 + 1.
    assert_eq!(v.instruction_bound(), 63);
}

#[test]
fn local_calls_count_the_callee_per_call_site() {
    let text = "
    mov %r1, 1
    call local add1
    mov %r1, %r0
    call local add1
    exit
add1:
    mov %r0, %r1
    add %r0, 1
    exit
";
    let v = verify(text, &Options::default()).unwrap();
    assert_eq!(executed(&v), 11);
    assert_eq!(v.instruction_bound(), 11);
}

#[test]
fn over_the_limit_is_an_error_naming_the_loops() {
    let options = Options {
        max_run_instructions: 77,
        ..Options::default()
    };
    let errors = verify(NESTED, &options).unwrap_err();
    let e = &errors[0];
    assert!(
        matches!(
            e.kind(),
            VerifyErrorKind::RunTooLong {
                bound: 78,
                limit: 77,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(e.pc(), 3, "reported at the inner loop's head");
    let text = e.to_string();
    assert!(
        text.contains(
            "the loop at pc 2 runs up to 5 times, within it the loop at pc 3 runs up to 4 times"
        ),
        "{text}"
    );
    let options = Options {
        max_run_instructions: 78,
        ..Options::default()
    };
    assert_eq!(verify(NESTED, &options).unwrap().instruction_bound(), 78);
}
