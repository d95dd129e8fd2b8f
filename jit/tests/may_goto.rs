//! `may_goto` on the JIT against the interpreter: loops that end only when the budget (Linux's
//! `BPF_MAX_LOOPS`, 8 Mi fall-throughs per function call) is spent, budgets shared by
//! consecutive loops of one call, callers' budgets kept across calls, helper calls and
//! legacy packet loads inside budget loops, and random loop shapes. Each program runs on the
//! interpreter (with an instruction budget large enough for the whole budget) and on the JIT,
//! with and without blinding; r0 and frame 0 of the stack must agree, and r0 is checked
//! against the count the budget implies.

mod common;

use common::{initial_mem, InterpHelpers, JitHelpers};
use ebpf_isa::asm::assemble;
use ebpf_isa::{Insn, MAY_GOTO_BUDGET};
use proptest::prelude::*;

const B: u64 = MAY_GOTO_BUDGET;

/// r0 and frame 0's stack on the interpreter.
fn interp(insns: &[Insn]) -> (u64, Vec<u8>) {
    let program = ebpf_interp::Program::from_insns(insns).unwrap();
    let mut vm = ebpf_interp::Vm::new(ebpf_interp::Config { budget: 1 << 32 });
    let mut mem = initial_mem();
    let out = vm
        .run(&program, &mut mem, &mut InterpHelpers)
        .unwrap_or_else(|f| panic!("interpreter: {f}"));
    (out.r0, vm.stack().to_vec())
}

/// r0 and frame 0's stack on the JIT.
fn jit(insns: &[Insn], blind: bool) -> (u64, Vec<u8>) {
    let program = ebpf_isa::Program::from_insns(insns).unwrap();
    let options = ebpf_jit::JitOptions::new().with_blinding(blind);
    let image = ebpf_jit::compile(&program, &options).unwrap();
    let mut exe = ebpf_jit::Executable::new(&image).unwrap();
    let mut mem = initial_mem();
    let mut helpers = JitHelpers { direct: blind };
    // SAFETY: every program here ran to its end on the checked interpreter first (`agree`),
    // which faults on any access outside the stack and the input memory.
    let r0 =
        unsafe { exe.run_trusted(&mut mem, &mut helpers) }.unwrap_or_else(|e| panic!("jit: {e}"));
    let stack = exe.stack();
    (r0, stack[stack.len() - 512..].to_vec())
}

/// Both engines' r0, which must agree, and the stacks too.
fn agree(src: &str) -> u64 {
    let insns = assemble(src).unwrap_or_else(|e| panic!("{e}\n{src}"));
    let want = interp(&insns);
    for blind in [false, true] {
        let got = jit(&insns, blind);
        assert_eq!(got.0, want.0, "r0, blinding {blind}\n{src}");
        assert!(got.1 == want.1, "frame 0 differs, blinding {blind}\n{src}");
    }
    want.0
}

#[test]
fn an_endless_loop_runs_exactly_the_budget() {
    let src = "mov %r0, 0\nloop:\nmay_goto done\nadd %r0, 1\nja loop\ndone:\nexit\n";
    assert_eq!(agree(src), B);
}

#[test]
fn consecutive_loops_share_the_budget_of_their_call() {
    // The first loop stops itself after 1000 rounds; the second gets what is left.
    let src = "
        mov %r0, 0
        mov %r1, 0
    first:
        jge %r1, 1000, second
        may_goto second
        add %r1, 1
        ja first
    second:
        may_goto done
        add %r0, 1
        ja second
    done:
        add %r0, %r1
        exit";
    assert_eq!(agree(src), B);
}

#[test]
fn a_call_keeps_the_callers_budget_and_has_its_own() {
    // Main spends 5, the callee spins its whole budget (and stores on its own frame), main
    // goes on with B - 5; nested callees likewise.
    let src = "
        mov %r6, 0
        mov %r7, 0
    warm:
        jge %r7, 5, call
        may_goto call
        add %r7, 1
        ja warm
    call:
        call local f
        mov %r6, %r0
    rest:
        may_goto done
        add %r7, 1
        ja rest
    done:
        mov %r0, %r6
        add %r0, %r7
        exit
    f:
        stdw [%r10-8], 7
        call local g
        mov %r1, %r0
    fl:
        may_goto fdone
        add %r1, 1
        ja fl
    fdone:
        ldxdw %r0, [%r10-8]
        add %r0, %r1
        exit
    g:
        mov %r0, 0
    gl:
        may_goto gdone
        add %r0, 1
        ja gl
    gdone:
        exit";
    // g: B; f: B more, + 7; main: B in all.
    assert_eq!(agree(src), 3 * B + 7);
}

#[test]
fn helper_calls_and_legacy_loads_inside_budget_loops() {
    // Helper 2 echoes r1; a local function's legacy load past the packet returns 0 from it
    // (through the JIT's shared `r0 = 0; ret`, with the budget slot on the native stack).
    let src = "
        mov %r6, %r1
        mov %r7, 0
    loop:
        may_goto done
        mov %r1, 1
        call 2
        add %r7, %r0
        jge %r7, 100, done
        call local probe
        add %r7, %r0
        ja loop
    done:
        mov %r0, %r7
        exit
    probe:
        may_goto +0
        ldabsb 100000
        mov %r0, 1000
        exit";
    assert_eq!(agree(src), 100);
}

#[test]
fn may_goto_as_a_forward_branch() {
    // Never spent here: always falls through.
    let src = "mov %r0, 1\nmay_goto +1\nmov %r0, 2\nmay_goto +0\nexit\n";
    assert_eq!(agree(src), 2);
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 12,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// A loop of `rounds` rounds (when it gets that far) with an ALU body, whose exit is a
    /// `may_goto` placed at the top or at the bottom, run after `spent` rounds of a first loop:
    /// both engines agree, and the rounds are min(rounds, B - spent).
    #[test]
    fn random_budget_loops_agree(
        spent in prop_oneof![Just(0u32), 1u32..50, Just(u32::try_from(B).unwrap() - 3)],
        rounds in prop_oneof![1u32..100, Just(u32::MAX)],
        at_top in any::<bool>(),
        k in any::<i32>(),
    ) {
        let (top, bottom) = if at_top { ("may_goto done", "") } else { ("", "may_goto done") };
        let src = format!("
            mov %r0, 0
            mov %r2, {k}
            mov %r1, 0
        warm:
            jge %r1, {spent}, go
            may_goto go
            add %r1, 1
            ja warm
        go:
            mov %r1, 0
        loop:
            {top}
            jge %r1, {rounds}, done
            xor %r2, %r1
            mul %r2, 3
            add %r1, 1
            {bottom}
            ja loop
        done:
            lsh %r1, 32
            mov32 %r0, %r2
            or %r0, %r1
            exit");
        let r0 = agree(&src);
        let left = B - u64::from(spent);
        // At the bottom, the first round runs before any may_goto.
        let most = if at_top { left } else { left + 1 };
        prop_assert_eq!(r0 >> 32, u64::from(rounds).min(most));
    }
}
