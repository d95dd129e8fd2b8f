//! [`Program`]: an [`ebpf_isa::Program`] lowered to the interpreter's slot-indexed table.

use alloc::boxed::Box;
use alloc::vec::Vec;

use ebpf_isa::{Insn, ProgramError};

use crate::op::{lower, Op, T};

/// A validated program ([`ebpf_isa::Program`]) lowered for the interpreter: one [`Op`] per
/// slot, jump targets absolute. Every check is the validated program's; lowering cannot fail.
///
/// Construction allocates; running does not.
#[derive(Clone, Debug)]
pub struct Program {
    program: ebpf_isa::Program,
    /// One entry per slot; the second slot of an `LDDW` holds [`Op::LddwFiller`].
    ops: Box<[Op]>,
}

impl Program {
    /// Lowers a validated program.
    pub fn new(program: ebpf_isa::Program) -> Program {
        let mut ops = Vec::with_capacity(program.slot_count());
        for (pc, insn) in program.iter() {
            // In range and at an instruction start: `ebpf_isa::Program` checked it.
            let target = insn.branch_target(pc).map_or(0, |t| t as T);
            ops.push(lower(insn, target));
            if insn.slots() == 2 {
                ops.push(Op::LddwFiller);
            }
        }
        Program {
            program,
            ops: ops.into_boxed_slice(),
        }
    }

    /// Decodes, validates ([`ebpf_isa::Program::from_bytes`]) and lowers a program in the wire
    /// format.
    pub fn from_bytes(bytes: &[u8]) -> Result<Program, ProgramError> {
        ebpf_isa::Program::from_bytes(bytes).map(Program::new)
    }

    /// Validates ([`ebpf_isa::Program::from_insns`]) and lowers instructions.
    pub fn from_insns(insns: &[Insn]) -> Result<Program, ProgramError> {
        ebpf_isa::Program::from_insns(insns).map(Program::new)
    }

    /// The validated program.
    pub fn program(&self) -> &ebpf_isa::Program {
        &self.program
    }

    /// The instructions, an `LDDW` once.
    pub fn insns(&self) -> &[Insn] {
        self.program.insns()
    }

    /// Number of 8-byte slots (an `LDDW` counts 2).
    pub fn slot_count(&self) -> usize {
        self.ops.len()
    }

    pub(crate) fn ops(&self) -> &[Op] {
        &self.ops
    }
}

impl From<ebpf_isa::Program> for Program {
    fn from(program: ebpf_isa::Program) -> Program {
        Program::new(program)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ebpf_isa::{encode, LddwSrc, Reg};

    #[test]
    fn lowering_keeps_one_op_per_slot() {
        let lddw = Insn::Lddw {
            dst: Reg::R0,
            src: LddwSrc::Imm,
            imm: 1,
            next_imm: 2,
        };
        let insns = [lddw, Insn::Ja { off: -3 }, Insn::Exit];
        let a = Program::from_insns(&insns).unwrap();
        let b = Program::from_bytes(&encode(&insns)).unwrap();
        assert_eq!(a.ops(), b.ops());
        assert_eq!(a.slot_count(), 4);
        assert_eq!(a.ops()[1], Op::LddwFiller);
        assert_eq!(a.program(), b.program());
    }

    #[test]
    fn validation_is_the_isa_programs() {
        let e = Program::from_insns(&[Insn::Ja { off: 1 }, Insn::Exit]).unwrap_err();
        assert_eq!(
            e.kind(),
            ebpf_isa::ProgramErrorKind::JumpOutOfRange { target: 2 }
        );
    }
}
