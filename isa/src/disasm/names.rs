//! Mnemonic spellings shared by the disassembler and the assembler.

use crate::insn::{AluOp, AtomicOp, EndBits, JmpCond, LddwSrc, MovsxBits, Size, Width};

/// Binary ALU operation names (64-bit form; the 32-bit form appends `32`).
pub(crate) const fn alu(op: AluOp) -> &'static str {
    match op {
        AluOp::Add => "add",
        AluOp::Sub => "sub",
        AluOp::Mul => "mul",
        AluOp::Div => "div",
        AluOp::SDiv => "sdiv",
        AluOp::Or => "or",
        AluOp::And => "and",
        AluOp::Lsh => "lsh",
        AluOp::Rsh => "rsh",
        AluOp::Mod => "mod",
        AluOp::SMod => "smod",
        AluOp::Xor => "xor",
        AluOp::Mov => "mov",
        AluOp::Arsh => "arsh",
    }
}

/// Conditional jump names (JMP class; JMP32 appends `32`).
pub(crate) const fn jmp(cond: JmpCond) -> &'static str {
    match cond {
        JmpCond::Eq => "jeq",
        JmpCond::Gt => "jgt",
        JmpCond::Ge => "jge",
        JmpCond::Set => "jset",
        JmpCond::Ne => "jne",
        JmpCond::Sgt => "jsgt",
        JmpCond::Sge => "jsge",
        JmpCond::Lt => "jlt",
        JmpCond::Le => "jle",
        JmpCond::Slt => "jslt",
        JmpCond::Sle => "jsle",
    }
}

/// Access size suffixes of loads and stores.
pub(crate) const fn size(size: Size) -> &'static str {
    match size {
        Size::B => "b",
        Size::H => "h",
        Size::W => "w",
        Size::DW => "dw",
    }
}

/// Every atomic operation.
pub(crate) const ATOMIC_OPS: [AtomicOp; 6] = [
    AtomicOp::Add,
    AtomicOp::Or,
    AtomicOp::And,
    AtomicOp::Xor,
    AtomicOp::Xchg,
    AtomicOp::CmpXchg,
];

/// Atomic operation names (after `lock` and the optional `fetch`).
pub(crate) const fn atomic(op: AtomicOp) -> &'static str {
    match op {
        AtomicOp::Add => "add",
        AtomicOp::Or => "or",
        AtomicOp::And => "and",
        AtomicOp::Xor => "xor",
        AtomicOp::Xchg => "xchg",
        AtomicOp::CmpXchg => "cmpxchg",
    }
}

/// Whether the operation always fetches, so `fetch` is implied rather than written.
pub(crate) const fn atomic_always_fetches(op: AtomicOp) -> bool {
    matches!(op, AtomicOp::Xchg | AtomicOp::CmpXchg)
}

/// The width suffix of `END` instructions.
pub(crate) const fn end_bits(bits: EndBits) -> &'static str {
    match bits {
        EndBits::B16 => "16",
        EndBits::B32 => "32",
        EndBits::B64 => "64",
    }
}

/// `movsx` names: source bits then destination width (`movsx832`, `movsx3264`).
pub(crate) const fn movsx(bits: MovsxBits, width: Width) -> &'static str {
    match (bits, width) {
        (MovsxBits::B8, Width::W64) => "movsx864",
        (MovsxBits::B16, Width::W64) => "movsx1664",
        (MovsxBits::B32, Width::W64) => "movsx3264",
        (MovsxBits::B8, Width::W32) => "movsx832",
        (MovsxBits::B16, Width::W32) => "movsx1632",
        (MovsxBits::B32, Width::W32) => "movsx3232",
    }
}

/// Every `LDDW` kind.
pub(crate) const LDDW_SRCS: [LddwSrc; 7] = [
    LddwSrc::Imm,
    LddwSrc::MapFd,
    LddwSrc::MapValue,
    LddwSrc::VarAddr,
    LddwSrc::CodeAddr,
    LddwSrc::MapIdx,
    LddwSrc::MapIdxValue,
];

/// The keyword before the immediate of an `LDDW` (empty for a plain 64-bit value).
pub(crate) const fn lddw(src: LddwSrc) -> &'static str {
    match src {
        LddwSrc::Imm => "",
        LddwSrc::MapFd => "map_fd",
        LddwSrc::MapValue => "map_value",
        LddwSrc::VarAddr => "var_addr",
        LddwSrc::CodeAddr => "code_addr",
        LddwSrc::MapIdx => "map_idx",
        LddwSrc::MapIdxValue => "map_idx_value",
    }
}
