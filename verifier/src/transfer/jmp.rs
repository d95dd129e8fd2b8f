//! Conditional jumps: each branch assumes its condition (numbers through the zone, packet
//! pointers through their offsets, null checks of map values).

use ebpf_isa::{JmpCond, Operand, Reg, Width};

use super::Cx;
use crate::domain::{Interval, RegType, VarId};
use crate::error::VerifyErrorKind;
use crate::lattice::Lattice;
use crate::state::{var, State};

/// One side of a comparison.
#[derive(Clone, Copy)]
enum Side {
    Var(VarId),
    Const(i128),
}

/// Splits `s` into the fall-through and taken states.
pub(super) fn jump(
    cx: &mut Cx<'_, '_>,
    mut s: State,
    width: Width,
    cond: JmpCond,
    dst: Reg,
    src: Operand,
) -> (State, State) {
    cx.require_init(&mut s, dst);
    if let Operand::Reg(r) = src {
        cx.require_init(&mut s, r);
    }
    if cx.env.platform.refuse_pointer_disclosure {
        check_disclosure(cx, &s, width, cond, dst, src);
    }
    let mut taken = s.clone();
    assume(&mut taken, width, cond, dst, src, true);
    assume(&mut s, width, cond, dst, src, false);
    (s, taken)
}

/// Whether a value of kind `t` may hold an address (a pointer, or a pointer on some path).
fn may_be_pointer(t: RegType) -> bool {
    t.is_pointer() || t == RegType::Mixed
}

/// The region a pointer kind points into, for comparisons between pointers: equal regions
/// compare like their offsets, which discloses nothing. `None` for kinds that compare only
/// with 0 (maps, pointers that may be null, values of mixed kinds).
fn region(t: RegType) -> Option<(u8, u32, u32)> {
    match t {
        RegType::Ctx => Some((0, 0, 0)),
        RegType::Stack => Some((1, 0, 0)),
        RegType::Packet | RegType::PacketEnd => Some((2, 0, 0)),
        RegType::MapValue { map, alloc, .. } if map != RegType::MANY_MAPS || alloc != 0 => {
            Some((3, map, alloc))
        }
        _ => None,
    }
}

/// Reports a comparison of a pointer that would tell the program something about its
/// address: with a number other than 0, with a pointer into another region (maps may be
/// tested for equality), `jset` with anything but 0, or any 32-bit comparison but with 0.
fn check_disclosure(
    cx: &mut Cx<'_, '_>,
    s: &State,
    width: Width,
    cond: JmpCond,
    dst: Reg,
    src: Operand,
) {
    let td = s.ty(dst);
    let ts = match src {
        Operand::Reg(r) => s.ty(r),
        Operand::Imm(_) => RegType::Num,
    };
    if !may_be_pointer(td) && !may_be_pointer(ts) {
        return;
    }
    let zero = |t: RegType, x: Operand| match x {
        Operand::Imm(k) => k == 0,
        Operand::Reg(r) => t == RegType::Num && s.interval(r).singleton() == Some(0),
    };
    if zero(ts, src) || zero(td, Operand::Reg(dst)) {
        return;
    }
    let same = region(td).is_some() && region(td) == region(ts);
    if same && width == Width::W64 && cond != JmpCond::Set {
        return;
    }
    // Maps compare for identity (`inner_map == &port_a`): equality of two map addresses
    // says which map, not where it lies.
    let map = |t: RegType| matches!(t, RegType::MapPtr { .. } | RegType::MapPtrOrNull { .. });
    if map(td) && map(ts) && width == Width::W64 && matches!(cond, JmpCond::Eq | JmpCond::Ne) {
        return;
    }
    let what = |x: Operand| match x {
        Operand::Imm(k) => alloc::format!("{k}"),
        Operand::Reg(r) => alloc::format!("r{} ({})", r.num(), s.ty(r).describe()),
    };
    let bits = if width == Width::W64 { "" } else { "32" };
    let reason = if same {
        "the same region, but"
    } else {
        "different regions or a number:"
    };
    let how = if cond == JmpCond::Set {
        "jset tests address bits"
    } else if width == Width::W32 {
        "a 32-bit comparison tests the address's low half"
    } else {
        "the result depends on the address"
    };
    cx.fail(VerifyErrorKind::PointerComparison {
        detail: alloc::format!(
            "j{}{bits} {} with {}: {reason} {how}",
            cond_name(cond),
            what(Operand::Reg(dst)),
            what(src),
        ),
    });
}

fn cond_name(c: JmpCond) -> &'static str {
    use JmpCond::*;
    match c {
        Eq => "eq",
        Ne => "ne",
        Gt => "gt",
        Ge => "ge",
        Lt => "lt",
        Le => "le",
        Sgt => "sgt",
        Sge => "sge",
        Slt => "slt",
        Sle => "sle",
        Set => "set",
    }
}

fn negate(c: JmpCond) -> JmpCond {
    use JmpCond::*;
    match c {
        Eq => Ne,
        Ne => Eq,
        Gt => Le,
        Le => Gt,
        Ge => Lt,
        Lt => Ge,
        Sgt => Sle,
        Sle => Sgt,
        Sge => Slt,
        Slt => Sge,
        Set => Set, // handled by the caller
    }
}

fn assume(s: &mut State, width: Width, cond: JmpCond, dst: Reg, src: Operand, holds: bool) {
    let td = s.ty(dst);
    let ts = match src {
        Operand::Reg(r) => s.ty(r),
        Operand::Imm(_) => RegType::Num,
    };
    if cond == JmpCond::Set {
        if td == RegType::Num && ts == RegType::Num && width == Width::W64 {
            assume_set(s, dst, src, holds);
        }
        return;
    }
    let c = if holds { cond } else { negate(cond) };
    let is_const_zero = match src {
        Operand::Imm(0) => true,
        Operand::Imm(_) => false,
        Operand::Reg(r) => ts == RegType::Num && s.interval(r).singleton() == Some(0),
    };
    if let RegType::MapValueOrNull { .. } | RegType::MapPtrOrNull { .. } = td {
        if width == Width::W64 && is_const_zero && matches!(c, JmpCond::Eq | JmpCond::Ne) {
            null_check(s, dst, c == JmpCond::Eq);
        }
        return;
    }
    if let RegType::SockOrNull { .. } = td {
        if width == Width::W64 && is_const_zero && matches!(c, JmpCond::Eq | JmpCond::Ne) {
            super::refs::null_check(s, dst, c == JmpCond::Eq);
        }
        return;
    }
    let packetish = |t: RegType| matches!(t, RegType::Packet | RegType::PacketEnd);
    if packetish(td) && packetish(ts) {
        // Addresses in one region compare like their offsets while base + offset cannot wrap:
        // offsets within [-64 KiB, 4 GiB] (the metadata sits before the data; no host
        // allocation starts in the first 64 KiB or ends in the last 4 GiB of the address
        // space).
        let Operand::Reg(r) = src else { return };
        let ok = |i: Interval| i.within(-(1 << 16), 1 << 32);
        if width == Width::W64
            && ok(s.interval(dst))
            && ok(s.interval(r))
            && !matches!(c, JmpCond::Sgt | JmpCond::Sge | JmpCond::Slt | JmpCond::Sle)
        {
            // Without wrap-around, the unsigned order of the addresses is the plain order of
            // the offsets, which may be negative (metadata): compare them as signed numbers.
            let c = match c {
                JmpCond::Gt => JmpCond::Sgt,
                JmpCond::Ge => JmpCond::Sge,
                JmpCond::Lt => JmpCond::Slt,
                JmpCond::Le => JmpCond::Sle,
                c => c,
            };
            numeric(s, c, Side::Var(var(dst)), Side::Var(var(r)));
        }
        return;
    }
    if td != RegType::Num || ts != RegType::Num {
        return;
    }
    let a = Side::Var(var(dst));
    match width {
        Width::W64 => {
            let b = match src {
                Operand::Imm(k) => Side::Const(k.into()),
                Operand::Reg(r) => Side::Var(var(r)),
            };
            numeric(s, c, a, b);
        }
        Width::W32 => {
            let (b, ib) = match src {
                Operand::Imm(k) => {
                    let v = i128::from(k as u32);
                    (Side::Const(v), Interval::clamped(v, v))
                }
                Operand::Reg(r) => (Side::Var(var(r)), s.interval(r)),
            };
            let ia = s.interval(dst);
            // Both values known: the comparison is decided.
            if let (Some(x), Some(y)) = (ia.singleton(), ib.singleton()) {
                if !c.eval32(x as u32, y as u32) {
                    s.set_bottom();
                }
                return;
            }
            let signed = matches!(c, JmpCond::Sgt | JmpCond::Sge | JmpCond::Slt | JmpCond::Sle);
            // Values in the sign-extended 32-bit range compare for equality and in the
            // signed order as their low 32 bits do.
            let i32s = (i128::from(i32::MIN), i128::from(i32::MAX));
            if (signed || matches!(c, JmpCond::Eq | JmpCond::Ne)) && ia.within(i32s.0, i32s.1) {
                let b = match src {
                    Operand::Imm(k) => Some(Side::Const(k.into())),
                    Operand::Reg(r) if ib.within(i32s.0, i32s.1) => Some(Side::Var(var(r))),
                    Operand::Reg(_) => None,
                };
                if let Some(b) = b {
                    numeric(s, c, a, b);
                    return;
                }
            }
            let limit = if signed {
                i128::from(i32::MAX)
            } else {
                i128::from(u32::MAX)
            };
            // When both values fit, the 32-bit comparison is the 64-bit one.
            if ia.within(0, limit) && ib.within(0, limit) {
                numeric(s, c, a, b);
            }
        }
    }
}

fn interval_of(s: &State, x: Side) -> Interval {
    match x {
        Side::Var(v) => s.num.interval(v),
        Side::Const(k) => Interval::clamped(k, k),
    }
}

/// Assumes `a - b <= c`.
fn le(s: &mut State, a: Side, b: Side, c: i128) {
    match (a, b) {
        (Side::Var(x), Side::Var(y)) => s.num.assume_le(x, y, c),
        (Side::Var(x), Side::Const(k)) => s.num.assume_le(x, VarId::ZERO, k + c),
        (Side::Const(k), Side::Var(y)) => s.num.assume_le(VarId::ZERO, y, c - k),
        (Side::Const(k1), Side::Const(k2)) => {
            if k1 - k2 > c {
                s.set_bottom();
            }
        }
    }
    s.check_bottom();
}

/// Assumes `a <= b` (unsigned), or `a < b` when `strict`.
fn ule(s: &mut State, a: Side, b: Side, strict: bool) {
    let c = -i128::from(strict);
    let (ia, ib) = (interval_of(s, a), interval_of(s, b));
    if ia.is_nonneg() && ib.is_nonneg() || ia.hi() < 0 && ib.hi() < 0 {
        // Same order in the signed and unsigned views.
        le(s, a, b, c);
    } else if ib.is_nonneg() {
        // a <=u b < 2^63 forces a >= 0.
        le(s, Side::Const(0), a, 0);
        le(s, a, b, c);
    }
}

fn numeric(s: &mut State, c: JmpCond, a: Side, b: Side) {
    use JmpCond::*;
    match c {
        Eq => {
            le(s, a, b, 0);
            le(s, b, a, 0);
        }
        Ne => not_equal(s, a, b),
        Sle => le(s, a, b, 0),
        Slt => le(s, a, b, -1),
        Sge => le(s, b, a, 0),
        Sgt => le(s, b, a, -1),
        Le => ule(s, a, b, false),
        Lt => ule(s, a, b, true),
        Ge => ule(s, b, a, false),
        Gt => ule(s, b, a, true),
        Set => {}
    }
}

fn not_equal(s: &mut State, a: Side, b: Side) {
    let (ia, ib) = (interval_of(s, a), interval_of(s, b));
    match (ia.singleton(), ib.singleton()) {
        (Some(x), Some(y)) if x == y => s.set_bottom(),
        (_, Some(k)) => exclude(s, a, ia, k.into()),
        (Some(k), _) => exclude(s, b, ib, k.into()),
        _ => {}
    }
}

/// Removes `k` from the variable's interval when it is an endpoint.
fn exclude(s: &mut State, x: Side, ix: Interval, k: i128) {
    let Side::Var(v) = x else { return };
    if ix.lo() == k {
        s.num.assume_le(VarId::ZERO, v, -(k + 1));
    } else if ix.hi() == k {
        s.num.assume_le(v, VarId::ZERO, k - 1);
    }
    s.check_bottom();
}

fn assume_set(s: &mut State, dst: Reg, src: Operand, holds: bool) {
    let b = match src {
        Operand::Imm(k) => Interval::constant(k.into()),
        Operand::Reg(r) => s.interval(r),
    };
    let a = s.interval(dst);
    if holds {
        // dst & src != 0 implies dst != 0.
        exclude(s, Side::Var(var(dst)), a, 0);
    } else if b.singleton() == Some(-1) {
        // dst & all-ones == 0 means dst == 0.
        s.num.assume_interval(var(dst), Interval::constant(0));
        s.check_bottom();
    }
}

/// Refines a null check of `r` (a nullable map value or inner map) against 0.
fn null_check(s: &mut State, r: Reg, is_null: bool) {
    if let RegType::MapPtrOrNull { .. } = s.ty(r) {
        return null_check_map(s, r, is_null);
    }
    let RegType::MapValueOrNull {
        size,
        id,
        alloc,
        deny,
        map,
    } = s.ty(r)
    else {
        return;
    };
    // The comparison is with the pointer's address; its offset must be 0 for "address == 0"
    // to mean "null".
    if s.interval(r).singleton() != Some(0) {
        return;
    }
    if is_null {
        s.set(r, RegType::Num, Interval::constant(0));
        // A failed reservation needs no release.
        if alloc != 0 {
            s.allocs.remove(&alloc);
        }
        return;
    }
    let non_null = RegType::MapValue {
        size,
        alloc,
        deny,
        map,
    };
    s.regs[r.index()] = non_null;
    if id != 0 {
        s.retype_all(|t| match t {
            RegType::MapValueOrNull {
                size,
                id: i,
                alloc,
                deny,
                map,
            } if i == id => Some(RegType::MapValue {
                size,
                alloc,
                deny,
                map,
            }),
            _ => None,
        });
    }
    if s.num.is_bottom() {
        s.set_bottom();
    }
}

/// [`null_check`] of an inner map found in a map of maps: not null, it is a map.
fn null_check_map(s: &mut State, r: Reg, is_null: bool) {
    let RegType::MapPtrOrNull { id, .. } = s.ty(r) else {
        return;
    };
    if s.interval(r).singleton() != Some(0) {
        return;
    }
    if is_null {
        s.set(r, RegType::Num, Interval::constant(0));
        return;
    }
    let non_null = |t: RegType| match t {
        RegType::MapPtrOrNull {
            key_max,
            value_min,
            value_max,
            kinds,
            deny,
            ..
        } => Some(RegType::MapPtr {
            map: RegType::MANY_MAPS,
            key_max,
            value_min,
            value_max,
            kinds,
            deny,
        }),
        _ => None,
    };
    let t = non_null(s.ty(r)).expect("a nullable map");
    s.set(r, t, Interval::TOP);
    if id != 0 {
        s.retype_all(|t| match t {
            RegType::MapPtrOrNull { id: i, .. } if i == id => non_null(t),
            _ => None,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    use crate::domain::strategies::{edgy, interval_with_member as member};

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

        /// The branch the concrete values take keeps them: refinement never drops a
        /// concrete state.
        #[test]
        fn branch_refinement_keeps_the_concrete_values(
            cond in prop::sample::select(JmpCond::ALL.to_vec()),
            w32 in any::<bool>(),
            imm in any::<bool>(),
            (ia, a) in member(),
            (ib, b) in member(),
            k in edgy().prop_map(|v| v as i32),
        ) {
            let width = if w32 { Width::W32 } else { Width::W64 };
            let mut s = State::entry();
            s.set(Reg::R1, RegType::Num, ia);
            let (src, b) = if imm {
                (Operand::Imm(k), i64::from(k))
            } else {
                s.set(Reg::R2, RegType::Num, ib);
                (Operand::Reg(Reg::R2), b)
            };
            let holds = if w32 {
                cond.eval32(a as u32, b as u32)
            } else {
                cond.eval64(a as u64, b as u64)
            };
            assume(&mut s, width, cond, Reg::R1, src, holds);
            prop_assert!(!s.bottom, "{cond:?} {width:?} {a} in {ia}, {b}: branch {holds} is empty");
            prop_assert!(s.interval(Reg::R1).contains(a.into()), "r1 = {a} lost: {:?}", s.interval(Reg::R1));
            if !imm {
                prop_assert!(s.interval(Reg::R2).contains(b.into()), "r2 = {b} lost");
                let d = i128::from(a) - i128::from(b);
                let di = s.num.diff_interval(var(Reg::R1), var(Reg::R2));
                if i64::try_from(d).is_ok() {
                    prop_assert!(di.contains(d), "r1 - r2 = {d} not in {di:?}");
                } else {
                    prop_assert_eq!(di, Interval::TOP);
                }
            }
        }
    }
}
