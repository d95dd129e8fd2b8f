//! The interpreter's execution form: [`Op`], one flat enum per slot, lowered once from
//! [`Insn`] so that running an instruction is a single dispatch.
//!
//! Width, operand kind and operation are folded into the variant; immediates are pre-extended
//! (sign-extended for 64-bit operations and comparisons, the low 32 bits for 32-bit ones) and
//! jump targets are absolute slot indexes.

use ebpf_isa::{
    AluOp, AtomicOp, ByteOrder, CallTarget, EndBits, Insn, JmpCond, LddwSrc, MovsxBits, Operand,
    Reg, Size, Width,
};

/// A register number (0 to 10).
pub(crate) type R = u8;
/// An absolute slot index, checked at construction to be an instruction start.
pub(crate) type T = u32;

/// One executable slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    Add64I(R, u64),
    Add64R(R, R),
    Sub64I(R, u64),
    Sub64R(R, R),
    Mul64I(R, u64),
    Mul64R(R, R),
    Div64I(R, u64),
    Div64R(R, R),
    SDiv64I(R, u64),
    SDiv64R(R, R),
    Mod64I(R, u64),
    Mod64R(R, R),
    SMod64I(R, u64),
    SMod64R(R, R),
    Or64I(R, u64),
    Or64R(R, R),
    And64I(R, u64),
    And64R(R, R),
    Xor64I(R, u64),
    Xor64R(R, R),
    Lsh64I(R, u64),
    Lsh64R(R, R),
    Rsh64I(R, u64),
    Rsh64R(R, R),
    Arsh64I(R, u64),
    Arsh64R(R, R),
    Mov64I(R, u64),
    Mov64R(R, R),

    Add32I(R, u64),
    Add32R(R, R),
    Sub32I(R, u64),
    Sub32R(R, R),
    Mul32I(R, u64),
    Mul32R(R, R),
    Div32I(R, u64),
    Div32R(R, R),
    SDiv32I(R, u64),
    SDiv32R(R, R),
    Mod32I(R, u64),
    Mod32R(R, R),
    SMod32I(R, u64),
    SMod32R(R, R),
    Or32I(R, u64),
    Or32R(R, R),
    And32I(R, u64),
    And32R(R, R),
    Xor32I(R, u64),
    Xor32R(R, R),
    Lsh32I(R, u64),
    Lsh32R(R, R),
    Rsh32I(R, u64),
    Rsh32R(R, R),
    Arsh32I(R, u64),
    Arsh32R(R, R),
    Mov32I(R, u64),
    Mov32R(R, R),

    Neg64(R),
    Neg32(R),
    /// `movsx` to 64 bits from the low 8, 16 or 32 bits.
    Movsx64(R, R, u8),
    /// `movsx` to 32 bits (zero-extended) from the low 8 or 16 bits.
    Movsx32(R, R, u8),
    End(R, ByteOrder, EndBits),

    Ja(T),
    /// `may_goto`: jumps when the current frame's loop budget is spent, else takes one unit.
    MayGoto(T),
    Jeq64I(R, u64, T),
    Jeq64R(R, R, T),
    Jne64I(R, u64, T),
    Jne64R(R, R, T),
    Jgt64I(R, u64, T),
    Jgt64R(R, R, T),
    Jge64I(R, u64, T),
    Jge64R(R, R, T),
    Jlt64I(R, u64, T),
    Jlt64R(R, R, T),
    Jle64I(R, u64, T),
    Jle64R(R, R, T),
    Jsgt64I(R, u64, T),
    Jsgt64R(R, R, T),
    Jsge64I(R, u64, T),
    Jsge64R(R, R, T),
    Jslt64I(R, u64, T),
    Jslt64R(R, R, T),
    Jsle64I(R, u64, T),
    Jsle64R(R, R, T),
    Jset64I(R, u64, T),
    Jset64R(R, R, T),

    Jeq32I(R, u32, T),
    Jeq32R(R, R, T),
    Jne32I(R, u32, T),
    Jne32R(R, R, T),
    Jgt32I(R, u32, T),
    Jgt32R(R, R, T),
    Jge32I(R, u32, T),
    Jge32R(R, R, T),
    Jlt32I(R, u32, T),
    Jlt32R(R, R, T),
    Jle32I(R, u32, T),
    Jle32R(R, R, T),
    Jsgt32I(R, u32, T),
    Jsgt32R(R, R, T),
    Jsge32I(R, u32, T),
    Jsge32R(R, R, T),
    Jslt32I(R, u32, T),
    Jslt32R(R, R, T),
    Jsle32I(R, u32, T),
    Jsle32R(R, R, T),
    Jset32I(R, u32, T),
    Jset32R(R, R, T),

    /// `dst = *(u8 *)(src + off)`; likewise H, W, DW.
    LdxB(R, R, i16),
    LdxH(R, R, i16),
    LdxW(R, R, i16),
    LdxDW(R, R, i16),
    /// Sign-extending loads.
    LdxsB(R, R, i16),
    LdxsH(R, R, i16),
    LdxsW(R, R, i16),
    /// `*(u8 *)(dst + off) = imm`.
    StB(R, i16, i32),
    StH(R, i16, i32),
    StW(R, i16, i32),
    StDW(R, i16, i32),
    /// `*(u8 *)(dst + off) = src`.
    StxB(R, R, i16),
    StxH(R, R, i16),
    StxW(R, R, i16),
    StxDW(R, R, i16),
    /// 32-bit atomic: operation, fetch, dst (base), src, offset.
    Atomic32(AtomicOp, bool, R, R, i16),
    /// 64-bit atomic.
    Atomic64(AtomicOp, bool, R, R, i16),
    /// Legacy packet loads: size, base register (`None` for `LdAbs`), immediate.
    LdPacket(Size, Option<R>, i32),

    /// `LDDW` of an immediate.
    Lddw(R, u64),
    /// `LDDW` resolved by the host.
    LddwHost(R, LddwSrc, i32, i32),
    /// The second slot of an `LDDW`: never executed (no jump may land on it).
    LddwFiller,

    Call(u32),
    CallLocal(T),
    CallBtf(i32),
    Callx(R),
    Exit,
}

fn r(reg: Reg) -> R {
    reg.num()
}

/// Lowers `insn`. `target` is the checked absolute target of a jump or local call.
pub(crate) fn lower(insn: &Insn, target: T) -> Op {
    match *insn {
        Insn::Alu {
            width,
            op,
            dst,
            src,
        } => alu(width, op, r(dst), src),
        Insn::Neg {
            width: Width::W64,
            dst,
        } => Op::Neg64(r(dst)),
        Insn::Neg {
            width: Width::W32,
            dst,
        } => Op::Neg32(r(dst)),
        Insn::Movsx {
            width,
            bits,
            dst,
            src,
        } => {
            let b = bits.bits() as u8;
            match (width, bits) {
                (Width::W64, _) | (Width::W32, MovsxBits::B32) => Op::Movsx64(r(dst), r(src), b),
                (Width::W32, _) => Op::Movsx32(r(dst), r(src), b),
            }
        }
        Insn::End { order, bits, dst } => Op::End(r(dst), order, bits),
        Insn::Ja { .. } | Insn::Ja32 { .. } => Op::Ja(target),
        Insn::MayGoto { .. } => Op::MayGoto(target),
        Insn::Jmp {
            width: Width::W64,
            cond,
            dst,
            src: Operand::Imm(i),
            ..
        } => jmp64_imm(cond, r(dst), i as i64 as u64, target),
        Insn::Jmp {
            width: Width::W64,
            cond,
            dst,
            src: Operand::Reg(s),
            ..
        } => jmp64_reg(cond, r(dst), r(s), target),
        Insn::Jmp {
            width: Width::W32,
            cond,
            dst,
            src: Operand::Imm(i),
            ..
        } => jmp32_imm(cond, r(dst), i as u32, target),
        Insn::Jmp {
            width: Width::W32,
            cond,
            dst,
            src: Operand::Reg(s),
            ..
        } => jmp32_reg(cond, r(dst), r(s), target),
        Insn::Call(CallTarget::Helper(id)) => Op::Call(id as u32),
        Insn::Call(CallTarget::Local(_)) => Op::CallLocal(target),
        Insn::Call(CallTarget::Btf(id)) => Op::CallBtf(id),
        Insn::Callx { reg } => Op::Callx(r(reg)),
        Insn::Exit => Op::Exit,
        Insn::Lddw {
            dst,
            src: LddwSrc::Imm,
            imm,
            next_imm,
        } => Op::Lddw(r(dst), Insn::lddw_value(imm, next_imm)),
        Insn::Lddw {
            dst,
            src,
            imm,
            next_imm,
        } => Op::LddwHost(r(dst), src, imm, next_imm),
        Insn::Ldx {
            size,
            dst,
            src,
            off,
        } => {
            let (d, s) = (r(dst), r(src));
            match size {
                Size::B => Op::LdxB(d, s, off),
                Size::H => Op::LdxH(d, s, off),
                Size::W => Op::LdxW(d, s, off),
                Size::DW => Op::LdxDW(d, s, off),
            }
        }
        Insn::Ldxs {
            size,
            dst,
            src,
            off,
        } => {
            let (d, s) = (r(dst), r(src));
            match size {
                Size::B => Op::LdxsB(d, s, off),
                Size::H => Op::LdxsH(d, s, off),
                // The decoder never produces DW; a 64-bit load needs no extension anyway.
                Size::W => Op::LdxsW(d, s, off),
                Size::DW => Op::LdxDW(d, s, off),
            }
        }
        Insn::St {
            size,
            dst,
            off,
            imm,
        } => {
            let d = r(dst);
            match size {
                Size::B => Op::StB(d, off, imm),
                Size::H => Op::StH(d, off, imm),
                Size::W => Op::StW(d, off, imm),
                Size::DW => Op::StDW(d, off, imm),
            }
        }
        Insn::Stx {
            size,
            dst,
            src,
            off,
        } => {
            let (d, s) = (r(dst), r(src));
            match size {
                Size::B => Op::StxB(d, s, off),
                Size::H => Op::StxH(d, s, off),
                Size::W => Op::StxW(d, s, off),
                Size::DW => Op::StxDW(d, s, off),
            }
        }
        Insn::Atomic {
            size: Size::DW,
            op,
            fetch,
            dst,
            src,
            off,
        } => Op::Atomic64(op, fetch, r(dst), r(src), off),
        // The decoder only produces W and DW; construction rejects anything else.
        Insn::Atomic {
            op,
            fetch,
            dst,
            src,
            off,
            ..
        } => Op::Atomic32(op, fetch, r(dst), r(src), off),
        Insn::LdAbs { size, imm } => Op::LdPacket(size, None, imm),
        Insn::LdInd { size, src, imm } => Op::LdPacket(size, Some(r(src)), imm),
    }
}

fn alu(width: Width, op: AluOp, d: R, src: Operand) -> Op {
    match (width, src) {
        (Width::W64, Operand::Imm(i)) => alu64_imm(op, d, i as i64 as u64),
        (Width::W64, Operand::Reg(s)) => alu64_reg(op, d, r(s)),
        (Width::W32, Operand::Imm(i)) => alu32_imm(op, d, u64::from(i as u32)),
        (Width::W32, Operand::Reg(s)) => alu32_reg(op, d, r(s)),
    }
}

fn alu64_imm(op: AluOp, d: R, i: u64) -> Op {
    match op {
        AluOp::Add => Op::Add64I(d, i),
        AluOp::Sub => Op::Sub64I(d, i),
        AluOp::Mul => Op::Mul64I(d, i),
        AluOp::Div => Op::Div64I(d, i),
        AluOp::SDiv => Op::SDiv64I(d, i),
        AluOp::Or => Op::Or64I(d, i),
        AluOp::And => Op::And64I(d, i),
        AluOp::Lsh => Op::Lsh64I(d, i),
        AluOp::Rsh => Op::Rsh64I(d, i),
        AluOp::Mod => Op::Mod64I(d, i),
        AluOp::SMod => Op::SMod64I(d, i),
        AluOp::Xor => Op::Xor64I(d, i),
        AluOp::Mov => Op::Mov64I(d, i),
        AluOp::Arsh => Op::Arsh64I(d, i),
    }
}

fn alu64_reg(op: AluOp, d: R, s: R) -> Op {
    match op {
        AluOp::Add => Op::Add64R(d, s),
        AluOp::Sub => Op::Sub64R(d, s),
        AluOp::Mul => Op::Mul64R(d, s),
        AluOp::Div => Op::Div64R(d, s),
        AluOp::SDiv => Op::SDiv64R(d, s),
        AluOp::Or => Op::Or64R(d, s),
        AluOp::And => Op::And64R(d, s),
        AluOp::Lsh => Op::Lsh64R(d, s),
        AluOp::Rsh => Op::Rsh64R(d, s),
        AluOp::Mod => Op::Mod64R(d, s),
        AluOp::SMod => Op::SMod64R(d, s),
        AluOp::Xor => Op::Xor64R(d, s),
        AluOp::Mov => Op::Mov64R(d, s),
        AluOp::Arsh => Op::Arsh64R(d, s),
    }
}

fn alu32_imm(op: AluOp, d: R, i: u64) -> Op {
    match op {
        AluOp::Add => Op::Add32I(d, i),
        AluOp::Sub => Op::Sub32I(d, i),
        AluOp::Mul => Op::Mul32I(d, i),
        AluOp::Div => Op::Div32I(d, i),
        AluOp::SDiv => Op::SDiv32I(d, i),
        AluOp::Or => Op::Or32I(d, i),
        AluOp::And => Op::And32I(d, i),
        AluOp::Lsh => Op::Lsh32I(d, i),
        AluOp::Rsh => Op::Rsh32I(d, i),
        AluOp::Mod => Op::Mod32I(d, i),
        AluOp::SMod => Op::SMod32I(d, i),
        AluOp::Xor => Op::Xor32I(d, i),
        AluOp::Mov => Op::Mov32I(d, i),
        AluOp::Arsh => Op::Arsh32I(d, i),
    }
}

fn alu32_reg(op: AluOp, d: R, s: R) -> Op {
    match op {
        AluOp::Add => Op::Add32R(d, s),
        AluOp::Sub => Op::Sub32R(d, s),
        AluOp::Mul => Op::Mul32R(d, s),
        AluOp::Div => Op::Div32R(d, s),
        AluOp::SDiv => Op::SDiv32R(d, s),
        AluOp::Or => Op::Or32R(d, s),
        AluOp::And => Op::And32R(d, s),
        AluOp::Lsh => Op::Lsh32R(d, s),
        AluOp::Rsh => Op::Rsh32R(d, s),
        AluOp::Mod => Op::Mod32R(d, s),
        AluOp::SMod => Op::SMod32R(d, s),
        AluOp::Xor => Op::Xor32R(d, s),
        AluOp::Mov => Op::Mov32R(d, s),
        AluOp::Arsh => Op::Arsh32R(d, s),
    }
}

fn jmp64_imm(c: JmpCond, d: R, i: u64, t: T) -> Op {
    match c {
        JmpCond::Eq => Op::Jeq64I(d, i, t),
        JmpCond::Ne => Op::Jne64I(d, i, t),
        JmpCond::Gt => Op::Jgt64I(d, i, t),
        JmpCond::Ge => Op::Jge64I(d, i, t),
        JmpCond::Lt => Op::Jlt64I(d, i, t),
        JmpCond::Le => Op::Jle64I(d, i, t),
        JmpCond::Sgt => Op::Jsgt64I(d, i, t),
        JmpCond::Sge => Op::Jsge64I(d, i, t),
        JmpCond::Slt => Op::Jslt64I(d, i, t),
        JmpCond::Sle => Op::Jsle64I(d, i, t),
        JmpCond::Set => Op::Jset64I(d, i, t),
    }
}

fn jmp64_reg(c: JmpCond, d: R, s: R, t: T) -> Op {
    match c {
        JmpCond::Eq => Op::Jeq64R(d, s, t),
        JmpCond::Ne => Op::Jne64R(d, s, t),
        JmpCond::Gt => Op::Jgt64R(d, s, t),
        JmpCond::Ge => Op::Jge64R(d, s, t),
        JmpCond::Lt => Op::Jlt64R(d, s, t),
        JmpCond::Le => Op::Jle64R(d, s, t),
        JmpCond::Sgt => Op::Jsgt64R(d, s, t),
        JmpCond::Sge => Op::Jsge64R(d, s, t),
        JmpCond::Slt => Op::Jslt64R(d, s, t),
        JmpCond::Sle => Op::Jsle64R(d, s, t),
        JmpCond::Set => Op::Jset64R(d, s, t),
    }
}

fn jmp32_imm(c: JmpCond, d: R, i: u32, t: T) -> Op {
    match c {
        JmpCond::Eq => Op::Jeq32I(d, i, t),
        JmpCond::Ne => Op::Jne32I(d, i, t),
        JmpCond::Gt => Op::Jgt32I(d, i, t),
        JmpCond::Ge => Op::Jge32I(d, i, t),
        JmpCond::Lt => Op::Jlt32I(d, i, t),
        JmpCond::Le => Op::Jle32I(d, i, t),
        JmpCond::Sgt => Op::Jsgt32I(d, i, t),
        JmpCond::Sge => Op::Jsge32I(d, i, t),
        JmpCond::Slt => Op::Jslt32I(d, i, t),
        JmpCond::Sle => Op::Jsle32I(d, i, t),
        JmpCond::Set => Op::Jset32I(d, i, t),
    }
}

fn jmp32_reg(c: JmpCond, d: R, s: R, t: T) -> Op {
    match c {
        JmpCond::Eq => Op::Jeq32R(d, s, t),
        JmpCond::Ne => Op::Jne32R(d, s, t),
        JmpCond::Gt => Op::Jgt32R(d, s, t),
        JmpCond::Ge => Op::Jge32R(d, s, t),
        JmpCond::Lt => Op::Jlt32R(d, s, t),
        JmpCond::Le => Op::Jle32R(d, s, t),
        JmpCond::Sgt => Op::Jsgt32R(d, s, t),
        JmpCond::Sge => Op::Jsge32R(d, s, t),
        JmpCond::Slt => Op::Jslt32R(d, s, t),
        JmpCond::Sle => Op::Jsle32R(d, s, t),
        JmpCond::Set => Op::Jset32R(d, s, t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn op_is_small() {
        assert!(core::mem::size_of::<Op>() <= 16);
    }

    #[test]
    fn immediates_are_pre_extended() {
        let dst = Reg::R1;
        let neg = Operand::Imm(-1);
        let add64 = Insn::Alu {
            width: Width::W64,
            op: AluOp::Add,
            dst,
            src: neg,
        };
        assert_eq!(lower(&add64, 0), Op::Add64I(1, u64::MAX));
        let add32 = Insn::Alu {
            width: Width::W32,
            op: AluOp::Add,
            dst,
            src: neg,
        };
        assert_eq!(lower(&add32, 0), Op::Add32I(1, 0xffff_ffff));
        let j = Insn::Jmp {
            width: Width::W64,
            cond: JmpCond::Eq,
            dst,
            src: neg,
            off: 3,
        };
        assert_eq!(lower(&j, 9), Op::Jeq64I(1, u64::MAX, 9));
        let j = Insn::Jmp {
            width: Width::W32,
            cond: JmpCond::Sle,
            dst,
            src: neg,
            off: 3,
        };
        assert_eq!(lower(&j, 9), Op::Jsle32I(1, u32::MAX, 9));
        let ld = Insn::Lddw {
            dst,
            src: LddwSrc::Imm,
            imm: -1,
            next_imm: 2,
        };
        assert_eq!(lower(&ld, 0), Op::Lddw(1, 0x2_ffff_ffff));
    }
}
