//! Validated programs: [`Program`] (decoded once, checked statically, lowered to a slot-indexed
//! table) and [`ProgramError`].

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;

use ebpf_isa::{DecodeError, Decoder, Insn};

use crate::op::{lower, Op, T};

/// A program ready to run: every jump and local-call target is the start of an instruction.
///
/// Construction allocates; running does not.
#[derive(Clone, Debug)]
pub struct Program {
    insns: Box<[Insn]>,
    /// One entry per slot; the second slot of an `LDDW` holds [`Op::LddwFiller`].
    ops: Box<[Op]>,
}

/// Why a program was rejected, and at which slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProgramError {
    pc: usize,
    kind: ProgramErrorKind,
}

/// What is wrong with a program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProgramErrorKind {
    /// The bytes (or an instruction given to [`Program::from_insns`]) do not decode.
    Decode(DecodeError),
    /// An instruction given to [`Program::from_insns`] is not what its own encoding decodes to
    /// (fields outside what the ISA can express, e.g. a 1-byte atomic).
    NotEncodable,
    /// No instructions.
    Empty,
    /// A jump or local call goes before the first or past the last slot.
    JumpOutOfRange {
        /// The target slot.
        target: i64,
    },
    /// A jump or local call lands on the second slot of an `LDDW`.
    JumpIntoLddw {
        /// The target slot.
        target: usize,
    },
    /// More slots than the interpreter can address (`u32::MAX`).
    TooLong {
        /// The slot count.
        slots: usize,
    },
}

impl ProgramError {
    const fn new(pc: usize, kind: ProgramErrorKind) -> Self {
        ProgramError { pc, kind }
    }

    /// Slot of the offending instruction (0 for [`ProgramErrorKind::Empty`]).
    pub const fn pc(&self) -> usize {
        self.pc
    }

    /// What is wrong.
    pub const fn kind(&self) -> ProgramErrorKind {
        self.kind
    }
}

impl fmt::Display for ProgramError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            // A decode error names its own pc.
            ProgramErrorKind::Decode(e) => write!(f, "{e}"),
            ProgramErrorKind::NotEncodable => write!(
                f,
                "pc {}: instruction has fields its encoding cannot express",
                self.pc
            ),
            ProgramErrorKind::Empty => write!(f, "program has no instructions"),
            ProgramErrorKind::JumpOutOfRange { target } => {
                write!(
                    f,
                    "pc {}: jump target {target} is outside the program",
                    self.pc
                )
            }
            ProgramErrorKind::JumpIntoLddw { target } => write!(
                f,
                "pc {}: jump target {target} is the second slot of an lddw",
                self.pc
            ),
            ProgramErrorKind::TooLong { slots } => {
                write!(f, "program has {slots} slots, more than {}", u32::MAX)
            }
        }
    }
}

impl core::error::Error for ProgramError {}

impl Program {
    /// Decodes and validates a program in the wire format (little-endian 8-byte slots).
    pub fn from_bytes(bytes: &[u8]) -> Result<Program, ProgramError> {
        let insns = Decoder::new(bytes)
            .map(|r| r.map(|(_, insn)| insn))
            .collect::<Result<Vec<Insn>, DecodeError>>()
            .map_err(|e| ProgramError::new(e.index(), ProgramErrorKind::Decode(e)))?;
        Self::build(insns.into_boxed_slice())
    }

    /// Validates instructions as [`ebpf_isa::decode`] returns them (an `LDDW` is one element).
    ///
    /// Each instruction must be one the decoder could have produced.
    pub fn from_insns(insns: &[Insn]) -> Result<Program, ProgramError> {
        let mut pc = 0usize;
        for insn in insns {
            let (first, second) = insn.to_raw();
            match Insn::from_raw(pc, first, second) {
                Ok(back) if back == *insn => {}
                Ok(_) => return Err(ProgramError::new(pc, ProgramErrorKind::NotEncodable)),
                Err(e) => return Err(ProgramError::new(pc, ProgramErrorKind::Decode(e))),
            }
            pc += insn.slots();
        }
        Self::build(insns.into())
    }

    fn build(insns: Box<[Insn]>) -> Result<Program, ProgramError> {
        if insns.is_empty() {
            return Err(ProgramError::new(0, ProgramErrorKind::Empty));
        }
        let slots: usize = insns.iter().map(Insn::slots).sum();
        if slots > u32::MAX as usize {
            return Err(ProgramError::new(0, ProgramErrorKind::TooLong { slots }));
        }
        // Which slots are the second half of an LDDW.
        let mut filler = alloc::vec![false; slots];
        let mut pc = 0;
        for insn in insns.iter() {
            if insn.slots() == 2 {
                filler[pc + 1] = true;
            }
            pc += insn.slots();
        }
        let mut ops = Vec::with_capacity(slots);
        for insn in insns.iter() {
            let pc = ops.len();
            let target = match insn.branch_target(pc) {
                None => 0,
                Some(t) if t < 0 || t >= slots as i64 => {
                    let kind = ProgramErrorKind::JumpOutOfRange { target: t };
                    return Err(ProgramError::new(pc, kind));
                }
                Some(t) if filler[t as usize] => {
                    let kind = ProgramErrorKind::JumpIntoLddw { target: t as usize };
                    return Err(ProgramError::new(pc, kind));
                }
                Some(t) => t as T,
            };
            ops.push(lower(insn, target));
            if insn.slots() == 2 {
                ops.push(Op::LddwFiller);
            }
        }
        Ok(Program {
            insns,
            ops: ops.into_boxed_slice(),
        })
    }

    /// The instructions, an `LDDW` once.
    pub fn insns(&self) -> &[Insn] {
        &self.insns
    }

    /// Number of 8-byte slots (an `LDDW` counts 2).
    pub fn slot_count(&self) -> usize {
        self.ops.len()
    }

    pub(crate) fn ops(&self) -> &[Op] {
        &self.ops
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ebpf_isa::{encode, CallTarget, Insn, LddwSrc, Reg, Size};

    fn lddw() -> Insn {
        Insn::Lddw {
            dst: Reg::R0,
            src: LddwSrc::Imm,
            imm: 1,
            next_imm: 2,
        }
    }

    #[test]
    fn empty_is_rejected() {
        assert_eq!(
            Program::from_bytes(&[]).unwrap_err().kind(),
            ProgramErrorKind::Empty
        );
        assert_eq!(
            Program::from_insns(&[]).unwrap_err().kind(),
            ProgramErrorKind::Empty
        );
    }

    #[test]
    fn decode_errors_keep_their_pc() {
        let mut bytes = encode(&[Insn::Exit, Insn::Exit]);
        bytes[8] = 0xff; // unknown opcode in slot 1
        let e = Program::from_bytes(&bytes).unwrap_err();
        assert_eq!(e.pc(), 1);
        assert!(matches!(e.kind(), ProgramErrorKind::Decode(_)));
    }

    #[test]
    fn jumps_are_relative_to_the_next_slot_and_checked() {
        let ok = [Insn::Ja { off: 2 }, lddw(), Insn::Exit];
        let p = Program::from_insns(&ok).unwrap();
        assert_eq!(p.slot_count(), 4);
        assert_eq!(p.insns().len(), 3);

        let out = [Insn::Ja { off: 1 }, Insn::Exit];
        let e = Program::from_insns(&out).unwrap_err();
        assert_eq!(
            (e.pc(), e.kind()),
            (0, ProgramErrorKind::JumpOutOfRange { target: 2 })
        );

        let back = [Insn::Exit, Insn::Ja32 { imm: -3 }];
        let e = Program::from_insns(&back).unwrap_err();
        assert_eq!(
            (e.pc(), e.kind()),
            (1, ProgramErrorKind::JumpOutOfRange { target: -1 })
        );

        let into = [Insn::Ja { off: 1 }, lddw(), Insn::Exit];
        let e = Program::from_insns(&into).unwrap_err();
        assert_eq!(
            (e.pc(), e.kind()),
            (0, ProgramErrorKind::JumpIntoLddw { target: 2 })
        );

        let call = [Insn::Call(CallTarget::Local(5)), Insn::Exit];
        let e = Program::from_insns(&call).unwrap_err();
        assert_eq!(e.kind(), ProgramErrorKind::JumpOutOfRange { target: 6 });
    }

    #[test]
    fn from_insns_rejects_what_the_decoder_cannot_produce() {
        let bad = Insn::Atomic {
            size: Size::B,
            op: ebpf_isa::AtomicOp::Add,
            fetch: false,
            dst: Reg::R1,
            src: Reg::R2,
            off: 0,
        };
        let e = Program::from_insns(&[bad, Insn::Exit]).unwrap_err();
        assert_eq!(e.pc(), 0);
        assert!(matches!(
            e.kind(),
            ProgramErrorKind::Decode(_) | ProgramErrorKind::NotEncodable
        ));
    }

    #[test]
    fn bytes_and_insns_agree() {
        let insns = [lddw(), Insn::Ja { off: -3 }, Insn::Exit];
        let a = Program::from_insns(&insns).unwrap();
        let b = Program::from_bytes(&encode(&insns)).unwrap();
        assert_eq!(a.ops(), b.ops());
        assert_eq!(a.ops()[1], Op::LddwFiller);
    }
}
