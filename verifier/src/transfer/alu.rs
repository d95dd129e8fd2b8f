//! Arithmetic: numbers through the interval and zone domains, pointer offsets for
//! `pointer ± number` and `pointer - pointer` in one region.

use ebpf_isa::{AluOp, ByteOrder, EndBits, MovsxBits, Operand, Reg, Width};

use super::Cx;
use crate::domain::{Interval, RegType};
use crate::error::VerifyErrorKind;
use crate::lattice::Lattice;
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
        let region = |t: RegType| match t {
            RegType::PacketEnd => RegType::Packet,
            t => t,
        };
        if let (AluOp::Sub, Operand::Reg(r)) = (op, src) {
            if region(td) == region(ts) && matches!(region(td), RegType::Packet | RegType::Stack) {
                // Pointers with one base: the low 32 bits of their difference are those of
                // the difference of their offsets.
                let d = s.num.diff_interval(var(dst), var(r));
                s.set(dst, RegType::Num, d.trunc(32));
                return;
            }
        }
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
                Operand::Reg(r) => add_related(s, dst, r),
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

/// `dst += src` for a number `src` (`dst` a number or a pointer offset): besides the bounds
/// relative to the old `dst`, keeps `dst - src` equal to the old `dst` when nothing wraps, so
/// `data + off` and `data + off + 4` stay related through `off`.
fn add_related(s: &mut State, dst: Reg, src: Reg) {
    let (x, z) = (var(dst), var(src));
    let old = s.interval(dst);
    let dz = s.interval(src);
    let fits = !old.is_bottom() && !dz.is_bottom() && old.plus(dz) != Interval::TOP;
    s.num.assign_var_plus_interval(x, x, dz);
    if fits && dst != src {
        s.num.assume_le(x, z, old.hi());
        s.num.assume_le(z, x, -old.lo());
        s.check_bottom();
    }
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

/// A stack pointer that may be a callee's own (its offset was at or below the callee's top)
/// must not move above that top into the caller's frame, which the callee's pointers do not
/// reach (see `mem::crosses_frame_top`).
fn stack_stays_in_frame(cx: &mut Cx<'_, '_>, s: &mut State, dst: Reg, t: RegType, before: i128) {
    if t != RegType::Stack {
        return;
    }
    let after = s.interval(dst);
    if let Some(b) = super::mem::crosses_frame_top(s, before, after.hi()) {
        pointer_error(
            cx,
            s,
            dst,
            dst,
            if b == s.frame_top() {
                "a stack pointer of this frame may not move above its r10 (into the caller's frame)"
            } else {
                "a stack pointer of a callee's frame may not move above that frame's r10"
            },
        );
    }
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
            RegType::MapPtrOrNull { .. } => Some("arithmetic on a map pointer is not allowed"),
            RegType::Released => Some("arithmetic on a pointer to a released reference"),
            RegType::Sock { .. } | RegType::SockOrNull { .. } => {
                Some("arithmetic on a socket pointer is not allowed (read its fields with the load's offset)")
            }
            RegType::Func { .. } => Some("arithmetic on a function address is not allowed"),
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
            let before = s.interval(dst).lo();
            s.regs[dst.index()] = norm(td);
            match src {
                Operand::Imm(k) => {
                    let k = i128::from(k);
                    s.num.shift(var(dst), if op == AluOp::Sub { -k } else { k })
                }
                Operand::Reg(r) if op == AluOp::Add => add_related(s, dst, r),
                Operand::Reg(_) => s.num.assign_var_plus_interval(var(dst), var(dst), b),
            }
            stack_stays_in_frame(cx, s, dst, td, before);
        }
        (AluOp::Add, false, true) => {
            let r = src_reg.expect("pointer operand is a register");
            if let Some(d) = bad_base(ts) {
                return pointer_error(cx, s, dst, r, d);
            }
            let a = s.interval(dst);
            let before = s.interval(r).lo();
            s.regs[dst.index()] = norm(ts);
            s.num.assign_var_plus_interval(var(dst), var(r), a);
            stack_stays_in_frame(cx, s, dst, ts, before);
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
            if let Some(c) = s.interval(r).singleton() {
                // dst - c keeps dst's relations (data_end - data stays tied to packet_size).
                s.regs[dst.index()] = RegType::Num;
                s.num.shift(var(dst), -i128::from(c));
            } else {
                s.set(dst, RegType::Num, d);
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::LINUX;
    use crate::transfer::Env;
    use alloc::vec;
    use ebpf_interp::{NoHelpers, Program, Vm};
    use ebpf_isa::{Insn, LddwSrc};
    use proptest::prelude::*;

    use crate::domain::strategies::{edgy, interval_with_member as member};

    fn lddw(dst: Reg, v: i64) -> Insn {
        let (imm, next_imm) = Insn::lddw_split(v as u64);
        Insn::Lddw {
            dst,
            src: LddwSrc::Imm,
            imm,
            next_imm,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

        /// The whole ALU transfer (relational paths included) keeps the interpreter's result,
        /// and the relation of the result to an untouched register.
        #[test]
        fn alu_transfer_keeps_the_concrete_result(
            op in prop::sample::select(AluOp::ALL.to_vec()),
            w32 in any::<bool>(),
            imm in any::<bool>(),
            related in any::<bool>(),
            (ia, a) in member(),
            (ib, b) in member(),
            k in edgy().prop_map(|v| v as i32),
        ) {
            let width = if w32 { Width::W32 } else { Width::W64 };
            let prog = LINUX.program_type("xdp").unwrap();
            let context = prog.context.as_ref().unwrap();
            let env = Env { node_pcs: vec![0], in_callback: vec![false], recursive_callbacks: vec![], platform: &LINUX, prog, context, attach: None, maps: &[], frozen: &[] };
            let mut cx = Cx { env: &env, pc: 0, node: 0, findings: None };
            let mut s = State::entry();
            s.set(Reg::R1, RegType::Num, ia);
            // r2 = r1 + 3 (relational) or an independent value.
            let b = if related && a.checked_add(3).is_some() && ia.hi() + 3 <= i128::from(i64::MAX) {
                s.copy(Reg::R2, Reg::R1);
                s.num.shift(var(Reg::R2), 3);
                a + 3
            } else {
                s.set(Reg::R2, RegType::Num, ib);
                b
            };
            let src = if imm { Operand::Imm(k) } else { Operand::Reg(Reg::R2) };
            alu(&mut cx, &mut s, width, op, Reg::R1, src);
            let insns = [
                lddw(Reg::R1, a),
                lddw(Reg::R2, b),
                Insn::Alu { width, op, dst: Reg::R1, src },
                Insn::Alu { width: Width::W64, op: AluOp::Mov, dst: Reg::R0, src: Operand::Reg(Reg::R1) },
                Insn::Exit,
            ];
            let p = Program::from_insns(&insns).unwrap();
            let r = Vm::default().run(&p, &mut [], &mut NoHelpers).unwrap().r0 as i64;
            prop_assert!(!s.bottom);
            prop_assert!(s.interval(Reg::R1).contains(r.into()), "{op:?} {width:?} {a}, {b}, imm {k}: {r} not in {:?}", s.interval(Reg::R1));
            prop_assert!(s.interval(Reg::R2).contains(b.into()));
            let d = i128::from(r) - i128::from(b);
            let di = s.num.diff_interval(var(Reg::R1), var(Reg::R2));
            if i64::try_from(d).is_ok() {
                prop_assert!(di.contains(d), "{op:?} {width:?}: r1 - r2 = {d} not in {di:?}");
            }
        }
    }
}
