//! Liveness of the argument registers r1 to r5 after helper calls (bit `i` for `ri`).
//!
//! The interpreter leaves r1-r5 unchanged across a helper call, so the JIT must too; but a
//! native helper clobbers the x86 registers that hold them. Saving all five around every call
//! is what costs most in a helper-heavy loop, so [`args_live_after`] computes, with a backward
//! data-flow analysis over the program's control-flow graph, which of r1-r5 may still be read
//! after each instruction; call sites save only those.
//!
//! The analysis is conservative where it cannot see: a helper call reads all of r1-r5 (the JIT
//! does not know how many arguments a helper takes), and when the program has local calls, a
//! local call and every `exit` count as reading all of them (a callee's `exit` continues in its
//! caller, whose needs are not tracked per call site), and so does every legacy packet load,
//! which returns from its function when it falls outside the packet.

use ebpf_isa::{Insn, Program, RegSet};

/// What an instruction reads and writes among r1-r5 ([`Insn::regs`]). Calls and legacy packet
/// loads leave r1-r5 as they were in every engine here, so what they clobber stays live.
fn use_def(insn: &Insn, all_on_exit: bool) -> (u8, u8) {
    let regs = insn.regs();
    // A legacy packet load outside the packet is an `exit` too (it returns 0 from its
    // function).
    let exits = matches!(insn, Insn::Exit | Insn::LdAbs { .. } | Insn::LdInd { .. });
    let uses = if all_on_exit && exits {
        RegSet::ARGS
    } else {
        regs.uses
    };
    let only_args = |s: RegSet| s.intersect(RegSet::ARGS).bits() as u8;
    (only_args(uses), only_args(regs.defs))
}

/// The registers among r1-r5 that some instruction of the program writes. The others keep
/// their initial values for the whole run, so a call site can reload them from the run context
/// instead of saving them.
pub(super) fn args_written(insns: &[Insn]) -> u8 {
    insns.iter().fold(0, |acc, i| acc | use_def(i, false).1)
}

/// For each slot, the registers among r1-r5 that may be read after the instruction there
/// (bit `i` for `ri`).
pub(super) fn args_live_after(program: &Program) -> Vec<u8> {
    let slots = program.slot_count();
    let has_local_calls = program.functions().len() > 1;
    // (slot, use, def, successors) of each instruction, in program order.
    let mut nodes = Vec::with_capacity(program.insns().len());
    for (pc, insn) in program.iter() {
        let (uses, defs) = use_def(insn, has_local_calls);
        let next = pc + insn.slots();
        let fall = (next < slots).then_some(next);
        // In range: the program is validated.
        let target = insn.branch_target(pc).map(|t| t as usize);
        let succ = match insn {
            Insn::Exit => [None, None],
            Insn::Ja { .. } | Insn::Ja32 { .. } => [target, None],
            _ => [fall, target],
        };
        nodes.push((pc, uses, defs, succ));
    }
    let mut live_in = vec![0u8; slots];
    let mut live_out = vec![0u8; slots];
    let mut changed = true;
    while changed {
        changed = false;
        for &(pc, uses, defs, succ) in nodes.iter().rev() {
            let out = succ.iter().flatten().fold(0, |acc, &s| acc | live_in[s]);
            let inn = uses | (out & !defs);
            if out != live_out[pc] || inn != live_in[pc] {
                live_out[pc] = out;
                live_in[pc] = inn;
                changed = true;
            }
        }
    }
    live_out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ebpf_isa::asm::assemble;

    /// Bit `i` stands for register `ri`; only r1-r5 are tracked.
    const ARGS: u8 = RegSet::ARGS.bits() as u8;

    fn live(src: &str) -> Vec<u8> {
        args_live_after(&Program::from_insns(assemble(src).unwrap()).unwrap())
    }

    #[test]
    fn overwritten_arguments_are_dead_after_a_call() {
        // After the call, r1 is read, r2 is overwritten first, r3-r5 are never read again.
        let l = live("mov %r1, 1\ncall 1\nmov %r2, 0\nadd %r0, %r1\nexit");
        assert_eq!(l[1], 0b10);
    }

    #[test]
    fn loops_carry_liveness_backwards() {
        // In the loop the call reads r1-r5 again, so all stay live across it.
        let l = live("loop:\ncall 1\njlt %r0, 10, loop\nexit");
        assert_eq!(l[0], ARGS);
        // Overwriting r1 and r2 at the loop head kills them across the call.
        let l = live("loop:\nmov %r1, 0\nmov %r2, 0\ncall 1\njlt %r0, 10, loop\nexit");
        assert_eq!(l[2], ARGS & !0b110);
    }

    #[test]
    fn written_arguments() {
        let insns = assemble("mov %r1, 0\nldxw %r3, [%r1]\nlock fetch add [%r10-8], %r5\nexit");
        assert_eq!(args_written(&insns.unwrap()), 0b10_1010);
    }

    #[test]
    fn local_calls_make_exits_read_everything() {
        let l = live("call 1\ncall local f\nexit\nf:\nexit");
        assert_eq!(l[0], ARGS);
    }

    #[test]
    fn legacy_loads_in_programs_with_local_calls_read_everything() {
        // f's helper call: r1 is overwritten after the load, but a failed load returns to
        // main, which reads it.
        let l = live(
            "mov %r1, 1\ncall local f\nadd %r0, %r1\nexit\nf:\ncall 1\nldabsb 0\nmov %r1, 0\nexit",
        );
        assert_eq!(l[4], ARGS);
    }
}
