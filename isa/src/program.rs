//! Validated programs: [`Program`], an instruction sequence checked once, which the
//! interpreter, the JIT and the verifier all take, and [`ProgramError`].
//!
//! What construction proves, so no consumer checks it again:
//! - every instruction is one the decoder produces (so it has an encoding every engine runs:
//!   no sign-extending 8-byte load, no 1-byte atomic);
//! - every jump and local-call target is inside the program and not the second slot of an
//!   `LDDW`;
//! - no instruction writes `r10`;
//! - the slot of each instruction, the instruction at each slot, and the start of each function
//!   (the entry and every local-call target) are known.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;

use crate::decode::{DecodeError, DecodeErrorKind, Decoder};
use crate::insn::{CallTarget, Insn, Reg};

/// Marks the second slot of an `LDDW` in the slot table.
const FILLER: u32 = u32::MAX;

/// A validated eBPF program (see the module docs for what that guarantees).
///
/// Program counters are slots, as in the wire format: an `LDDW` takes two.
#[derive(Clone, PartialEq, Eq)]
pub struct Program {
    insns: Box<[Insn]>,
    /// Index into `insns` of the instruction at each slot; [`FILLER`] for an `LDDW`'s second.
    at_slot: Box<[u32]>,
    /// Slot of each instruction.
    pc_of: Box<[u32]>,
    /// Slots where functions start, ascending; the entry (0) first.
    functions: Box<[u32]>,
}

/// Why instructions do not make a [`Program`], and at which slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProgramError {
    pc: usize,
    kind: ProgramErrorKind,
}

/// What is wrong with a program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProgramErrorKind {
    /// The bytes do not decode.
    Decode(DecodeError),
    /// An instruction no encoding expresses: built by hand with fields outside what the ISA
    /// defines (a sign-extending 8-byte load, a 1-byte atomic, ...).
    NotEncodable {
        /// The instruction.
        insn: Insn,
        /// Why its encoding does not decode back to it, when it does not decode at all.
        reason: Option<DecodeErrorKind>,
    },
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
    /// An instruction writes the read-only frame pointer `r10`.
    WritesFramePointer,
    /// More slots than a program may have ([`Program::MAX_SLOTS`]).
    TooLong {
        /// The slot count.
        slots: usize,
    },
}

impl ProgramError {
    /// An error at slot `pc`.
    pub const fn new(pc: usize, kind: ProgramErrorKind) -> Self {
        ProgramError { pc, kind }
    }

    /// Slot of the offending instruction (0 for [`ProgramErrorKind::Empty`] and
    /// [`ProgramErrorKind::TooLong`]).
    pub const fn pc(&self) -> usize {
        self.pc
    }

    /// What is wrong.
    pub const fn kind(&self) -> ProgramErrorKind {
        self.kind
    }
}

impl fmt::Display for ProgramErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ProgramErrorKind::Decode(e) => write!(f, "{}", e.kind()),
            ProgramErrorKind::NotEncodable { insn, reason } => {
                write!(
                    f,
                    "`{insn}` is not a valid instruction: no encoding expresses it"
                )?;
                match reason {
                    Some(reason) => write!(f, " ({reason})"),
                    None => Ok(()),
                }
            }
            ProgramErrorKind::Empty => write!(f, "program has no instructions"),
            ProgramErrorKind::JumpOutOfRange { target } => {
                write!(f, "jump target {target} is outside the program")
            }
            ProgramErrorKind::JumpIntoLddw { target } => {
                write!(f, "jump target {target} is the second slot of an lddw")
            }
            ProgramErrorKind::WritesFramePointer => {
                write!(f, "writes the read-only frame pointer r10")
            }
            ProgramErrorKind::TooLong { slots } => write!(
                f,
                "program has {slots} slots, more than {}",
                Program::MAX_SLOTS
            ),
        }
    }
}

impl ProgramErrorKind {
    /// A short class name, stable for tests and tools (e.g. `"jump-out-of-range"`).
    pub fn class(&self) -> &'static str {
        match self {
            ProgramErrorKind::Decode(_) => "decode",
            ProgramErrorKind::NotEncodable { .. } => "not-encodable",
            ProgramErrorKind::Empty => "empty",
            ProgramErrorKind::JumpOutOfRange { .. } => "jump-out-of-range",
            ProgramErrorKind::JumpIntoLddw { .. } => "jump-into-lddw",
            ProgramErrorKind::WritesFramePointer => "writes-r10",
            ProgramErrorKind::TooLong { .. } => "too-long",
        }
    }
}

impl fmt::Display for ProgramError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ProgramErrorKind::Empty | ProgramErrorKind::TooLong { .. } => {
                write!(f, "{}", self.kind)
            }
            _ => write!(f, "pc {}: {}", self.pc, self.kind),
        }
    }
}

impl core::error::Error for ProgramError {}

impl Program {
    /// Most slots a program may have (slot numbers fit a `u32` with one value to spare).
    pub const MAX_SLOTS: usize = (u32::MAX - 1) as usize;

    /// Decodes and validates a program in the wire format (little-endian 8-byte slots).
    pub fn from_bytes(bytes: &[u8]) -> Result<Program, ProgramError> {
        let insns = Decoder::new(bytes)
            .map(|r| r.map(|(_, insn)| insn))
            .collect::<Result<Vec<Insn>, DecodeError>>()
            .map_err(|e| ProgramError::new(e.index(), ProgramErrorKind::Decode(e)))?;
        Self::build(insns.into_boxed_slice())
    }

    /// Validates instructions as [`decode`](crate::decode) returns them (an `LDDW` is one
    /// element). Each must be one the decoder could have produced.
    pub fn from_insns(insns: impl Into<Box<[Insn]>>) -> Result<Program, ProgramError> {
        let insns = insns.into();
        let mut pc = 0usize;
        for &insn in insns.iter() {
            let (first, second) = insn.to_raw();
            let reason = match Insn::from_raw(pc, first, second) {
                Ok(back) if back == insn => None,
                Ok(_) => Some(None),
                Err(e) => Some(Some(e.kind())),
            };
            if let Some(reason) = reason {
                let kind = ProgramErrorKind::NotEncodable { insn, reason };
                return Err(ProgramError::new(pc, kind));
            }
            pc += insn.slots();
        }
        Self::build(insns)
    }

    fn build(insns: Box<[Insn]>) -> Result<Program, ProgramError> {
        if insns.is_empty() {
            return Err(ProgramError::new(0, ProgramErrorKind::Empty));
        }
        let slots: usize = insns.iter().map(Insn::slots).sum();
        if slots > Self::MAX_SLOTS {
            return Err(ProgramError::new(0, ProgramErrorKind::TooLong { slots }));
        }
        let mut at_slot = Vec::with_capacity(slots);
        let mut pc_of = Vec::with_capacity(insns.len());
        for (i, insn) in insns.iter().enumerate() {
            pc_of.push(at_slot.len() as u32);
            at_slot.push(i as u32);
            if insn.slots() == 2 {
                at_slot.push(FILLER);
            }
        }
        let mut functions = alloc::vec![0u32];
        for (insn, &pc) in insns.iter().zip(&pc_of) {
            let pc = pc as usize;
            let err = |kind| Err(ProgramError::new(pc, kind));
            if let Some(target) = insn.branch_target(pc) {
                let Some(&at) = usize::try_from(target).ok().and_then(|t| at_slot.get(t)) else {
                    return err(ProgramErrorKind::JumpOutOfRange { target });
                };
                if at == FILLER {
                    let target = target as usize;
                    return err(ProgramErrorKind::JumpIntoLddw { target });
                }
                if matches!(insn, Insn::Call(CallTarget::Local(_))) {
                    functions.push(target as u32);
                }
            }
            if insn.regs().defs.contains(Reg::R10) {
                return err(ProgramErrorKind::WritesFramePointer);
            }
        }
        functions.sort_unstable();
        functions.dedup();
        Ok(Program {
            insns,
            at_slot: at_slot.into_boxed_slice(),
            pc_of: pc_of.into_boxed_slice(),
            functions: functions.into_boxed_slice(),
        })
    }

    /// The instructions, an `LDDW` once.
    pub fn insns(&self) -> &[Insn] {
        &self.insns
    }

    /// Number of 8-byte slots (an `LDDW` counts 2).
    pub fn slot_count(&self) -> usize {
        self.at_slot.len()
    }

    /// Index into [`insns`](Self::insns) of the instruction starting at slot `pc`; `None` for
    /// the second slot of an `LDDW` or past the end.
    pub fn index_at(&self, pc: usize) -> Option<usize> {
        match self.at_slot.get(pc) {
            Some(&i) if i != FILLER => Some(i as usize),
            _ => None,
        }
    }

    /// The instruction starting at slot `pc` (see [`index_at`](Self::index_at)).
    pub fn insn_at(&self, pc: usize) -> Option<&Insn> {
        self.index_at(pc).map(|i| &self.insns[i])
    }

    /// Slot of instruction `index`.
    ///
    /// # Panics
    /// If `index` is not below `insns().len()`.
    pub fn pc_of(&self, index: usize) -> usize {
        self.pc_of[index] as usize
    }

    /// Each instruction with its slot.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (usize, &Insn)> + '_ {
        self.pc_of
            .iter()
            .zip(self.insns.iter())
            .map(|(&pc, insn)| (pc as usize, insn))
    }

    /// Slots where functions start, ascending: the entry (0), then every local-call target.
    pub fn functions(&self) -> impl ExactSizeIterator<Item = usize> + '_ {
        self.functions.iter().map(|&pc| pc as usize)
    }

    /// Start slot of the function that slot `pc` belongs to (functions are contiguous: each
    /// runs from its start to the next one's).
    pub fn function_of(&self, pc: usize) -> usize {
        let i = self
            .functions
            .partition_point(|&start| start as usize <= pc);
        self.functions[i.saturating_sub(1)] as usize
    }

    /// The program in the wire format.
    pub fn to_bytes(&self) -> Vec<u8> {
        crate::encode(&self.insns)
    }

    /// The instructions, giving up the checks' results.
    pub fn into_insns(self) -> Vec<Insn> {
        self.insns.into_vec()
    }
}

impl fmt::Debug for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Program")
            .field("insns", &self.insns)
            .field("functions", &self.functions)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::insn::{AtomicOp, LddwSrc, Operand, Size, Width};
    use crate::{asm::assemble, encode, AluOp};
    use alloc::string::ToString;

    fn lddw() -> Insn {
        Insn::Lddw {
            dst: Reg::R0,
            src: LddwSrc::Imm,
            imm: 1,
            next_imm: 2,
        }
    }

    fn err(insns: &[Insn]) -> (usize, ProgramErrorKind) {
        let e = Program::from_insns(insns.to_vec()).unwrap_err();
        (e.pc(), e.kind())
    }

    #[test]
    fn empty_is_rejected() {
        assert_eq!(
            Program::from_bytes(&[]).unwrap_err().kind(),
            ProgramErrorKind::Empty
        );
        assert_eq!(err(&[]), (0, ProgramErrorKind::Empty));
    }

    #[test]
    fn decode_errors_keep_their_pc() {
        let mut bytes = encode(&[Insn::Exit, Insn::Exit]);
        bytes[8] = 0xff; // unknown opcode in slot 1
        let e = Program::from_bytes(&bytes).unwrap_err();
        assert_eq!(e.pc(), 1);
        assert!(matches!(e.kind(), ProgramErrorKind::Decode(_)));
        assert_eq!(e.to_string(), "pc 1: unknown opcode 0xff");
    }

    #[test]
    fn jumps_are_relative_to_the_next_slot_and_checked() {
        let p = Program::from_insns([Insn::Ja { off: 2 }, lddw(), Insn::Exit]).unwrap();
        assert_eq!((p.slot_count(), p.insns().len()), (4, 3));
        assert_eq!(p.index_at(1), Some(1));
        assert_eq!(p.index_at(2), None);
        assert_eq!(p.insn_at(3), Some(&Insn::Exit));
        assert_eq!(p.index_at(4), None);
        assert_eq!(p.pc_of(2), 3);
        let pcs: Vec<usize> = p.iter().map(|(pc, _)| pc).collect();
        assert_eq!(pcs, [0, 1, 3]);

        let out = [Insn::Ja { off: 1 }, Insn::Exit];
        assert_eq!(
            err(&out),
            (0, ProgramErrorKind::JumpOutOfRange { target: 2 })
        );
        let back = [Insn::Exit, Insn::Ja32 { imm: -3 }];
        assert_eq!(
            err(&back),
            (1, ProgramErrorKind::JumpOutOfRange { target: -1 })
        );
        let into = [Insn::Ja { off: 1 }, lddw(), Insn::Exit];
        assert_eq!(
            err(&into),
            (0, ProgramErrorKind::JumpIntoLddw { target: 2 })
        );
        let call = [Insn::Call(CallTarget::Local(5)), Insn::Exit];
        assert_eq!(
            err(&call),
            (0, ProgramErrorKind::JumpOutOfRange { target: 6 })
        );
    }

    #[test]
    fn unencodable_instructions_are_located() {
        // A sign-extending 8-byte load and a 1-byte atomic add: the typed enum can hold them,
        // no encoding expresses them.
        let ldxsdw = Insn::Ldxs {
            size: Size::DW,
            dst: Reg::R1,
            src: Reg::R2,
            off: 0,
        };
        let atomic_b = Insn::Atomic {
            size: Size::B,
            op: AtomicOp::Add,
            fetch: false,
            dst: Reg::R1,
            src: Reg::R2,
            off: 0,
        };
        for bad in [ldxsdw, atomic_b] {
            let (pc, kind) = err(&[lddw(), bad, Insn::Exit]);
            assert_eq!(pc, 2, "{bad:?}");
            assert!(
                matches!(kind, ProgramErrorKind::NotEncodable { insn, .. } if insn == bad),
                "{kind:?}"
            );
        }
        let e = Program::from_insns([ldxsdw, Insn::Exit]).unwrap_err();
        assert!(e.to_string().starts_with("pc 0: `"), "{e}");
        assert!(e.to_string().contains("no encoding expresses it"), "{e}");
    }

    #[test]
    fn the_frame_pointer_is_read_only() {
        let write = Insn::Alu {
            width: Width::W64,
            op: AluOp::Add,
            dst: Reg::R10,
            src: Operand::Imm(8),
        };
        assert_eq!(
            err(&[Insn::Exit, write, Insn::Exit]),
            (1, ProgramErrorKind::WritesFramePointer)
        );
        let load = Insn::Ldx {
            size: Size::DW,
            dst: Reg::R10,
            src: Reg::R1,
            off: 0,
        };
        assert_eq!(
            err(&[load, Insn::Exit]).1,
            ProgramErrorKind::WritesFramePointer
        );
        let fetch = Insn::Atomic {
            size: Size::DW,
            op: AtomicOp::Add,
            fetch: true,
            dst: Reg::R1,
            src: Reg::R10,
            off: 0,
        };
        assert_eq!(
            err(&[fetch, Insn::Exit]).1,
            ProgramErrorKind::WritesFramePointer
        );
        // Reading it is fine, and so is a store through it.
        let ok = assemble("mov %r1, %r10\nstdw [%r10-8], 1\nexit").unwrap();
        Program::from_insns(ok).unwrap();
    }

    #[test]
    fn functions_are_the_entry_and_local_call_targets() {
        let src = "call local f\ncall local g\nexit\nf:\ncall local g\nexit\ng:\nmov %r0, 1\nexit";
        let p = Program::from_insns(assemble(src).unwrap()).unwrap();
        assert_eq!(p.functions().collect::<Vec<_>>(), [0, 3, 5]);
        assert_eq!(p.function_of(0), 0);
        assert_eq!(p.function_of(2), 0);
        assert_eq!(p.function_of(4), 3);
        assert_eq!(p.function_of(6), 5);
    }

    #[test]
    fn bytes_and_insns_agree() {
        let insns = [lddw(), Insn::Ja { off: -3 }, Insn::Exit];
        let a = Program::from_insns(insns).unwrap();
        let b = Program::from_bytes(&encode(&insns)).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_bytes(), encode(&insns));
    }
}
