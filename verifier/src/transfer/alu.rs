//! Arithmetic: numbers through the interval and zone domains, pointer offsets for
//! `pointer ± number` and `pointer - pointer` in one region.

use ebpf_isa::{AluOp, ByteOrder, EndBits, MovsxBits, Operand, Reg, Width};

use super::Cx;
use crate::domain::{Interval, RegType};
use crate::error::VerifyErrorKind;
use crate::state::{var, State};

const U32_MAX: i128 = u32::MAX as i128;

fn result_top(s: &mut State, dst: Reg, width: Width) {
    let itv = match width {
        Width::W32 => Interval::unsigned_bits(32),
        Width::W64 => Interval::TOP,
    };
    s.set(dst, RegType::Num, itv);
}

fn pointer_error(cx: &mut Cx<'_, '_>, s: &mut State, dst: Reg, reg: Reg, detail: &'static str) {
    cx.fail(VerifyErrorKind::PointerArithmetic { reg, detail });
    result_top(s, dst, Width::W64);
}

/// `dst = dst op src`.
pub(super) fn alu(
    cx: &mut Cx<'_, '_>,
    s: &mut State,
    width: Width,
    op: AluOp,
    dst: Reg,
    src: Operand,
) {
    if op != AluOp::Mov {
        cx.require_init(s, dst);
    }
    let ts = match src {
        Operand::Reg(r) => {
            cx.require_init(s, r);
            s.ty(r)
        }
        Operand::Imm(_) => RegType::Num,
    };
    let td = if op == AluOp::Mov {
        RegType::Num
    } else {
        s.ty(dst)
    };

    if op == AluOp::Mov && width == Width::W64 {
        match src {
            Operand::Reg(r) => s.copy(dst, r),
            Operand::Imm(k) => s.set(dst, RegType::Num, Interval::constant(k.into())),
        }
        return;
    }
    for (t, r) in [(td, dst), (ts, operand_reg(src).unwrap_or(dst))] {
        if t == RegType::Mixed {
            cx.fail(VerifyErrorKind::TypeMismatch {
                reg: r,
                expected: "a number or a pointer of one kind",
                found: t.describe(),
            });
            result_top(s, dst, width);
            return;
        }
    }
    if width == Width::W32 {
        if td.is_pointer() || ts.is_pointer() {
            let r = if td.is_pointer() {
                dst
            } else {
                operand_reg(src).unwrap_or(dst)
            };
            pointer_error(
                cx,
                s,
                dst,
                r,
                "32-bit arithmetic would truncate the pointer",
            );
            result_top(s, dst, Width::W32);
            return;
        }
        alu32(s, op, dst, src);
        return;
    }
    if td == RegType::Num && ts == RegType::Num {
        alu64(s, op, dst, src);
        return;
    }
    pointer_alu(cx, s, op, dst, src, td, ts);
}

fn operand_reg(src: Operand) -> Option<Reg> {
    match src {
        Operand::Reg(r) => Some(r),
        Operand::Imm(_) => None,
    }
}

fn operand_interval(s: &State, src: Operand, width: Width) -> Interval {
    match (src, width) {
        (Operand::Imm(k), Width::W64) => Interval::constant(k.into()),
        (Operand::Imm(k), Width::W32) => Interval::constant((k as u32).into()),
        (Operand::Reg(r), Width::W64) => s.interval(r),
        (Operand::Reg(r), Width::W32) => s.interval(r).trunc(32),
    }
}

fn alu64(s: &mut State, op: AluOp, dst: Reg, src: Operand) {
    let a = s.interval(dst);
    let b = operand_interval(s, src, Width::W64);
    let x = var(dst);
    let same = operand_reg(src) == Some(dst);
    let r = match op {
        AluOp::Add if !same => {
            match src {
                Operand::Imm(k) => s.num.shift(x, k.into()),
                Operand::Reg(_) => s.num.assign_var_plus_interval(x, x, b),
            }
            return;
        }
        AluOp::Sub if same => Interval::constant(0),
        AluOp::Sub => {
            match src {
                Operand::Imm(k) => s.num.shift(x, -i128::from(k)),
                Operand::Reg(_) => s.num.assign_var_plus_interval(x, x, b.negate()),
            }
            return;
        }
        _ => Interval::alu(op, Width::W64, a, b),
    };
    s.set(dst, RegType::Num, r);
}

fn alu32(s: &mut State, op: AluOp, dst: Reg, src: Operand) {
    let full = if op == AluOp::Mov {
        Interval::TOP
    } else {
        s.interval(dst)
    };
    let x = var(dst);
    // Relational cases: the value already fits in 32 bits and the result too.
    match (op, src) {
        (AluOp::Mov, Operand::Reg(r)) if s.interval(r).within(0, U32_MAX) => {
            s.copy(dst, r);
            return;
        }
        (AluOp::Add | AluOp::Sub, Operand::Imm(k)) if full.within(0, U32_MAX) => {
            // The immediate is sign-extended, then the sum taken modulo 2^32: when the exact
            // sum stays in [0, 2^32) it is the result.
            let k = if op == AluOp::Add {
                i128::from(k)
            } else {
                -i128::from(k)
            };
            if full.plus(Interval::clamped(k, k)).within(0, U32_MAX) {
                s.num.shift(x, k);
                return;
            }
        }
        _ => {}
    }
    let b64 = match src {
        Operand::Imm(k) => Interval::constant(k.into()),
        Operand::Reg(r) => s.interval(r),
    };
    let r = Interval::alu(op, Width::W32, full, b64);
    s.set(dst, RegType::Num, r);
}

fn pointer_alu(
    cx: &mut Cx<'_, '_>,
    s: &mut State,
    op: AluOp,
    dst: Reg,
    src: Operand,
    td: RegType,
    ts: RegType,
) {
    let src_reg = operand_reg(src);
    let bad_base = |t: RegType| -> Option<&'static str> {
        match t {
            RegType::MapPtr { .. } => Some("arithmetic on a map pointer is not allowed"),
            RegType::MapValueOrNull { .. } => {
                Some("arithmetic on a pointer that may be null: compare it with 0 first")
            }
            _ => None,
        }
    };
    // Normalise the packet end pointer to a packet pointer: same base, same offset.
    let norm = |t: RegType| {
        if t == RegType::PacketEnd {
            RegType::Packet
        } else {
            t
        }
    };
    match (op, td.is_pointer(), ts.is_pointer()) {
        (AluOp::Add | AluOp::Sub, true, false) => {
            if let Some(d) = bad_base(td) {
                return pointer_error(cx, s, dst, dst, d);
            }
            let b = operand_interval(s, src, ebpf_isa::Width::W64);
            let b = if op == AluOp::Sub { b.negate() } else { b };
            s.regs[dst.index()] = norm(td);
            match src {
                Operand::Imm(k) => {
                    let k = i128::from(k);
                    s.num.shift(var(dst), if op == AluOp::Sub { -k } else { k })
                }
                Operand::Reg(_) => s.num.assign_var_plus_interval(var(dst), var(dst), b),
            }
        }
        (AluOp::Add, false, true) => {
            let r = src_reg.expect("pointer operand is a register");
            if let Some(d) = bad_base(ts) {
                return pointer_error(cx, s, dst, r, d);
            }
            let a = s.interval(dst);
            s.regs[dst.index()] = norm(ts);
            s.num.assign_var_plus_interval(var(dst), var(r), a);
        }
        (AluOp::Sub, true, true) => {
            let r = src_reg.expect("pointer operand is a register");
            let same_region = matches!(
                (norm(td), norm(ts)),
                (RegType::Packet, RegType::Packet) | (RegType::Stack, RegType::Stack)
            );
            if !same_region {
                return pointer_error(
                    cx,
                    s,
                    dst,
                    dst,
                    "only pointers into the packet or the stack may be subtracted",
                );
            }
            let d = s.num.diff_interval(var(dst), var(r));
            s.set(dst, RegType::Num, d);
        }
        _ => {
            let r = if td.is_pointer() {
                dst
            } else {
                src_reg.unwrap_or(dst)
            };
            pointer_error(
                cx,
                s,
                dst,
                r,
                "pointers allow only the addition or subtraction of a number",
            );
        }
    }
    s.check_bottom();
}

fn require_num_operand(cx: &mut Cx<'_, '_>, s: &mut State, r: Reg) -> bool {
    if !cx.require_init(s, r) {
        return true;
    }
    let t = s.ty(r);
    if t.is_pointer() {
        cx.fail(VerifyErrorKind::PointerArithmetic {
            reg: r,
            detail: "only addition and subtraction apply to pointers",
        });
        return false;
    }
    if t == RegType::Mixed {
        cx.fail(VerifyErrorKind::TypeMismatch {
            reg: r,
            expected: "a number",
            found: t.describe(),
        });
        return false;
    }
    true
}

/// `dst = -dst`.
pub(super) fn neg(cx: &mut Cx<'_, '_>, s: &mut State, width: Width, dst: Reg) {
    if !require_num_operand(cx, s, dst) {
        return result_top(s, dst, width);
    }
    let a = s.interval(dst);
    let r = match width {
        Width::W64 => a.negate(),
        Width::W32 => a.trunc(32).negate().trunc(32),
    };
    s.set(dst, RegType::Num, r);
}

/// `dst = (signed bits) src`.
pub(super) fn movsx(
    cx: &mut Cx<'_, '_>,
    s: &mut State,
    width: Width,
    bits: MovsxBits,
    dst: Reg,
    src: Reg,
) {
    if !require_num_operand(cx, s, src) {
        return result_top(s, dst, width);
    }
    let a = s.interval(src).sext(bits.bits());
    let r = match width {
        Width::W64 => a,
        Width::W32 => a.trunc(32),
    };
    s.set(dst, RegType::Num, r);
}

/// Byte swaps and truncations.
pub(super) fn end(cx: &mut Cx<'_, '_>, s: &mut State, order: ByteOrder, bits: EndBits, dst: Reg) {
    if !require_num_operand(cx, s, dst) {
        return result_top(s, dst, Width::W64);
    }
    let n = bits.bits();
    let a = s.interval(dst);
    let r = match order {
        // The interpreter runs on little-endian hosts: `le` only truncates.
        ByteOrder::Le => a.trunc(n),
        ByteOrder::Be | ByteOrder::Swap => match a.singleton() {
            Some(v) => {
                let v = v as u64;
                let swapped = match bits {
                    EndBits::B16 => u64::from((v as u16).swap_bytes()),
                    EndBits::B32 => u64::from((v as u32).swap_bytes()),
                    EndBits::B64 => v.swap_bytes(),
                };
                Interval::constant(swapped as i64)
            }
            None => Interval::unsigned_bits(n),
        },
    };
    s.set(dst, RegType::Num, r);
}
