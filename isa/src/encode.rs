//! Typed instructions back to bytes.

use crate::insn::{
    AluOp, AtomicOp, ByteOrder, CallTarget, EndBits, Insn, LddwSrc, MovsxBits, Operand, Reg, Size,
    Width,
};
use crate::opcode::*;
use crate::raw::RawInsn;

fn size_bits(size: Size) -> u8 {
    match size {
        Size::B => SIZE_B,
        Size::H => SIZE_H,
        Size::W => SIZE_W,
        Size::DW => SIZE_DW,
    }
}

fn alu_class(width: Width) -> u8 {
    match width {
        Width::W32 => CLASS_ALU,
        Width::W64 => CLASS_ALU64,
    }
}

fn jmp_class(width: Width) -> u8 {
    match width {
        Width::W32 => CLASS_JMP32,
        Width::W64 => CLASS_JMP,
    }
}

/// `(opcode source bit, src field, imm)` for a second operand.
fn operand(src: Operand) -> (u8, u8, i32) {
    match src {
        Operand::Reg(r) => (SRC_X, r.num(), 0),
        Operand::Imm(imm) => (SRC_K, 0, imm),
    }
}

fn raw(opcode: u8, dst: Reg, src: u8, off: i16, imm: i32) -> RawInsn {
    RawInsn::new(opcode, dst.num(), src, off, imm)
}

impl Insn {
    /// The instruction as slots: the second is `Some` only for `LDDW`.
    pub fn to_raw(&self) -> (RawInsn, Option<RawInsn>) {
        let r0 = Reg::R0;
        let one = match *self {
            Insn::Alu {
                width,
                op,
                dst,
                src,
            } => {
                let (code, off) = match op {
                    AluOp::Add => (ALU_ADD, 0),
                    AluOp::Sub => (ALU_SUB, 0),
                    AluOp::Mul => (ALU_MUL, 0),
                    AluOp::Div => (ALU_DIV, 0),
                    AluOp::SDiv => (ALU_DIV, 1),
                    AluOp::Or => (ALU_OR, 0),
                    AluOp::And => (ALU_AND, 0),
                    AluOp::Lsh => (ALU_LSH, 0),
                    AluOp::Rsh => (ALU_RSH, 0),
                    AluOp::Mod => (ALU_MOD, 0),
                    AluOp::SMod => (ALU_MOD, 1),
                    AluOp::Xor => (ALU_XOR, 0),
                    AluOp::Mov => (ALU_MOV, 0),
                    AluOp::Arsh => (ALU_ARSH, 0),
                };
                let (x, s, imm) = operand(src);
                raw(alu_class(width) | code | x, dst, s, off, imm)
            }
            Insn::Neg { width, dst } => raw(alu_class(width) | ALU_NEG, dst, 0, 0, 0),
            Insn::Movsx {
                width,
                bits,
                dst,
                src,
            } => {
                let off = match bits {
                    MovsxBits::B8 => 8,
                    MovsxBits::B16 => 16,
                    MovsxBits::B32 => 32,
                };
                raw(alu_class(width) | ALU_MOV | SRC_X, dst, src.num(), off, 0)
            }
            Insn::End { order, bits, dst } => {
                let opcode = match order {
                    ByteOrder::Le => CLASS_ALU | ALU_END,
                    ByteOrder::Be => CLASS_ALU | ALU_END | SRC_X,
                    ByteOrder::Swap => CLASS_ALU64 | ALU_END,
                };
                let imm = match bits {
                    EndBits::B16 => 16,
                    EndBits::B32 => 32,
                    EndBits::B64 => 64,
                };
                raw(opcode, dst, 0, 0, imm)
            }
            Insn::Ja { off } => raw(CLASS_JMP | JMP_JA, r0, 0, off, 0),
            Insn::Ja32 { imm } => raw(CLASS_JMP32 | JMP_JA, r0, 0, 0, imm),
            Insn::MayGoto { off } => raw(CLASS_JMP | JMP_JCOND, r0, JCOND_MAY_GOTO, off, 0),
            Insn::Jmp {
                width,
                cond,
                dst,
                src,
                off,
            } => {
                use crate::insn::JmpCond::*;
                let code = match cond {
                    Eq => JMP_JEQ,
                    Gt => JMP_JGT,
                    Ge => JMP_JGE,
                    Set => JMP_JSET,
                    Ne => JMP_JNE,
                    Sgt => JMP_JSGT,
                    Sge => JMP_JSGE,
                    Lt => JMP_JLT,
                    Le => JMP_JLE,
                    Slt => JMP_JSLT,
                    Sle => JMP_JSLE,
                };
                let (x, s, imm) = operand(src);
                raw(jmp_class(width) | code | x, dst, s, off, imm)
            }
            Insn::Call(target) => {
                let (src, imm) = match target {
                    CallTarget::Helper(id) => (0, id),
                    CallTarget::Local(off) => (1, off),
                    CallTarget::Btf(id) => (2, id),
                };
                raw(CLASS_JMP | JMP_CALL, r0, src, 0, imm)
            }
            Insn::Callx { reg } => raw(CLASS_JMP | JMP_CALL | SRC_X, reg, 0, 0, 0),
            Insn::Exit => raw(CLASS_JMP | JMP_EXIT, r0, 0, 0, 0),
            Insn::Lddw {
                dst,
                src,
                imm,
                next_imm,
            } => {
                let first = raw(LDDW, dst, LddwSrc::code(src), 0, imm);
                return (first, Some(RawInsn::new(0, 0, 0, 0, next_imm)));
            }
            Insn::Ldx {
                size,
                dst,
                src,
                off,
            } => raw(
                CLASS_LDX | MODE_MEM | size_bits(size),
                dst,
                src.num(),
                off,
                0,
            ),
            Insn::Ldxs {
                size,
                dst,
                src,
                off,
            } => raw(
                CLASS_LDX | MODE_MEMSX | size_bits(size),
                dst,
                src.num(),
                off,
                0,
            ),
            Insn::St {
                size,
                dst,
                off,
                imm,
            } => raw(CLASS_ST | MODE_MEM | size_bits(size), dst, 0, off, imm),
            Insn::Stx {
                size,
                dst,
                src,
                off,
            } => raw(
                CLASS_STX | MODE_MEM | size_bits(size),
                dst,
                src.num(),
                off,
                0,
            ),
            Insn::Atomic {
                size,
                op,
                fetch,
                dst,
                src,
                off,
            } => {
                let code = match op {
                    AtomicOp::Add => ATOMIC_ADD,
                    AtomicOp::Or => ATOMIC_OR,
                    AtomicOp::And => ATOMIC_AND,
                    AtomicOp::Xor => ATOMIC_XOR,
                    AtomicOp::Xchg => ATOMIC_XCHG,
                    AtomicOp::CmpXchg => ATOMIC_CMPXCHG,
                };
                let imm = code | if fetch { ATOMIC_FETCH } else { 0 };
                raw(
                    CLASS_STX | MODE_ATOMIC | size_bits(size),
                    dst,
                    src.num(),
                    off,
                    imm,
                )
            }
            Insn::LdAbs { size, imm } => raw(CLASS_LD | MODE_ABS | size_bits(size), r0, 0, 0, imm),
            Insn::LdInd { size, src, imm } => {
                raw(CLASS_LD | MODE_IND | size_bits(size), r0, src.num(), 0, imm)
            }
        };
        (one, None)
    }

    /// Writes the instruction's slots into `out` and returns the bytes written (8 or 16), or
    /// `None` when `out` is too short.
    pub fn write_to(&self, out: &mut [u8]) -> Option<usize> {
        let (first, second) = self.to_raw();
        let len = 8 * self.slots();
        let out = out.get_mut(..len)?;
        out[..8].copy_from_slice(&first.to_bytes());
        if let Some(second) = second {
            out[8..].copy_from_slice(&second.to_bytes());
        }
        Some(len)
    }
}

/// Encodes a program (the inverse of [`crate::decode`]).
#[cfg(feature = "alloc")]
pub fn encode(insns: &[Insn]) -> alloc::vec::Vec<u8> {
    let mut out = alloc::vec::Vec::with_capacity(insns.len() * 8);
    for insn in insns {
        let (first, second) = insn.to_raw();
        out.extend_from_slice(&first.to_bytes());
        if let Some(second) = second {
            out.extend_from_slice(&second.to_bytes());
        }
    }
    out
}
