//! Helpers that call back into the program: Linux's `bpf_loop(nr_loops, callback, ctx, 0)`
//! (`callback(index, ctx)` up to `nr_loops` times) and `bpf_for_each_map_elem(map, callback,
//! ctx, 0)` (`callback(map, key, value, ctx)` for each element).
//!
//! The control-flow graph makes the call a loop around the callback (see [`crate::cfg`]):
//! [`entry`] is the callback's first state (a new frame with the arguments the helper gives
//! it), [`again`] the state when the helper calls it once more (the same arguments, from the
//! caller's state after the previous call returned), [`exit`] the return from the callback,
//! whose `r0` must be 0 (go on) or 1 (stop), to the caller, where `r0` is the helper's
//! result. The caller's state after the helper joins "never called" (the call's own
//! fall-through) with "returned from a call" (every call's exit): what the callback wrote
//! through `ctx` into the caller's stack is in the latter. [`iterations`] bounds the calls,
//! for the bound on executed instructions.

use alloc::format;

use ebpf_isa::Reg;

use super::call::{enter, ARGS};
use super::Cx;
use crate::domain::{Interval, RegType};
use crate::error::VerifyErrorKind;
use crate::lattice::Lattice;
use crate::platform::{ArgKind, HelperProto, MapKind, RetKind, BPF_F_RDONLY_PROG};
use crate::state::State;

/// Most iterations of `bpf_loop` (Linux's `BPF_MAX_LOOPS`).
pub(crate) const MAX_LOOPS: i128 = 1 << 23;

/// What a callback-taking helper gives its callback.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `callback(u64 index, void *ctx)`: `r1` the count, `r3` the context.
    Loop,
    /// `callback(map, key, value, ctx)`: `r1` the map, `r3` the context.
    ForEach,
}

fn shape(h: &HelperProto) -> Option<Shape> {
    if !h.args.contains(&ArgKind::Callback) || matches!(h.ret, RetKind::NotModelled(_)) {
        return None;
    }
    match h.args[0] {
        ArgKind::Scalar => Some(Shape::Loop),
        ArgKind::Map(_) => Some(Shape::ForEach),
        _ => None,
    }
}

/// Whether `h` calls back into the program in a way the verifier models.
pub(crate) fn calls_back(h: &HelperProto) -> bool {
    shape(h).is_some()
}

/// Checks the callback argument `r` of `h`: a function address.
pub(super) fn check_arg(cx: &mut Cx<'_, '_>, s: &mut State, h: &HelperProto, r: Reg) {
    if !cx.require_init(s, r) {
        return;
    }
    if !matches!(s.ty(r), RegType::Func { .. }) {
        cx.fail(VerifyErrorKind::HelperArgument {
            helper: h.name,
            arg: r.num(),
            detail: format!(
                "must be the address of one of the program's functions (lddw with src 4) but may be {}",
                s.ty(r)
            ),
        });
    }
}

/// Checks what the callback-taking helper `h` needs beyond its prototype (the flags are 0;
/// `bpf_loop`'s count is at most [`MAX_LOOPS`]) and returns the callback's slot and first
/// state, from the state `pre` before the call.
pub(super) fn entry(cx: &mut Cx<'_, '_>, pre: &State, h: &HelperProto) -> Option<(u32, State)> {
    let shape = shape(h)?;
    let cb = ARGS[h.args.iter().position(|a| *a == ArgKind::Callback)?];
    let flags = Reg::R4;
    if pre.ty(flags) == RegType::Num && pre.interval(flags).singleton() != Some(0) {
        cx.fail(VerifyErrorKind::HelperArgument {
            helper: h.name,
            arg: 4,
            detail: format!("flags must be 0 but are {}", pre.interval(flags)),
        });
    }
    if shape == Shape::Loop && pre.ty(Reg::R1) == RegType::Num {
        let n = pre.interval(Reg::R1);
        if !n.within(0, MAX_LOOPS) {
            cx.fail(VerifyErrorKind::HelperArgument {
                helper: h.name,
                arg: 1,
                detail: format!(
                    "the number of iterations {n} is not proved within [0, {MAX_LOOPS}]"
                ),
            });
        }
    }
    let RegType::Func { pc } = pre.ty(cb) else {
        return None;
    };
    if cx.env.recursive_callbacks.contains(&(cx.node, pc as usize)) {
        cx.fail(VerifyErrorKind::Recursion {
            function: pc as usize,
        });
        return None;
    }
    let mut s = pre.clone();
    let args = match shape {
        Shape::Loop => {
            let n = pre.interval(Reg::R1);
            let last = n.hi().clamp(1, MAX_LOOPS) - 1;
            [
                (RegType::Num, Interval::new(0, last)),
                (s.ty(Reg::R3), s.interval(Reg::R3)),
                (RegType::Uninit, Interval::TOP),
                (RegType::Uninit, Interval::TOP),
                (RegType::Uninit, Interval::TOP),
            ]
        }
        Shape::ForEach => {
            let RegType::MapPtr {
                map,
                key_max,
                value_min,
                kinds,
                deny,
                ..
            } = s.ty(Reg::R1)
            else {
                return None;
            };
            if kinds & !(MapKind::Hash.bit() | MapKind::Array.bit()) != 0 {
                return None;
            }
            // A frozen read-only map's known contents are its first value's, not this one's.
            let read_only = cx
                .env
                .maps
                .get(map as usize)
                .is_none_or(|m| m.flags & BPF_F_RDONLY_PROG != 0);
            let which = if read_only { RegType::MANY_MAPS } else { map };
            let key = RegType::MapValue {
                size: key_max,
                alloc: 0,
                deny: RegType::DENY_WRITE,
                map: RegType::MANY_MAPS,
            };
            let value = RegType::MapValue {
                size: value_min,
                alloc: 0,
                deny,
                map: which,
            };
            [
                (s.ty(Reg::R1), Interval::TOP),
                (key, Interval::constant(0)),
                (value, Interval::constant(0)),
                (s.ty(Reg::R3), s.interval(Reg::R3)),
                (RegType::Uninit, Interval::TOP),
            ]
        }
    };
    let ctx_reg = if shape == Shape::Loop {
        Reg::R2
    } else {
        Reg::R4
    };
    let ctx_align = s.align[Reg::R3.index()];
    // The context keeps its relations (a copy); the others are set from their kinds.
    s.copy(ctx_reg, Reg::R3);
    enter(&mut s);
    set_args(&mut s, &args, Some(ctx_reg));
    s.align[ctx_reg.index()] = ctx_align;
    s.clobber(Reg::R0);
    Some((pc, s))
}

/// Sets `r1`-`r5` from `args`, but `keep` (already set).
fn set_args(s: &mut State, args: &[(RegType, Interval); 5], keep: Option<Reg>) {
    for (i, &(ty, itv)) in args.iter().enumerate() {
        let r = ARGS[i];
        if Some(r) == keep {
            continue;
        }
        s.align[r.index()] = 0;
        if ty == RegType::Uninit {
            s.clobber(r);
        } else if ty.has_var() {
            s.set(r, ty, itv);
        } else {
            s.set(r, ty, Interval::TOP);
        }
    }
}

/// The callback's state when the helper calls it again: `after` is the caller's state after
/// the previous call returned, `firsts` the callback's first states (from the helper call's
/// states), whose arguments it gets again (their kinds and bounds).
pub(crate) fn again<'p>(after: &State, firsts: impl Iterator<Item = &'p State>) -> State {
    let mut args = [(RegType::Bottom, Interval::TOP); 5];
    let mut align = [64u8; 5];
    let mut any = false;
    for first in firsts.filter(|f| !f.is_bottom()) {
        for (i, r) in ARGS.into_iter().enumerate() {
            let (ty, itv) = (first.ty(r), first.interval(r));
            let (t0, i0) = &mut args[i];
            if *t0 == RegType::Bottom {
                (*t0, *i0) = (ty, itv);
            } else {
                t0.join(&ty);
                *i0 = Interval::new(i0.lo().min(itv.lo()), i0.hi().max(itv.hi()));
            }
            align[i] = align[i].min(first.align[r.index()]);
        }
        any = true;
    }
    if !any || after.is_bottom() {
        return State::bottom();
    }
    let mut s = after.clone();
    enter(&mut s);
    set_args(&mut s, &args, None);
    for (i, r) in ARGS.into_iter().enumerate() {
        if s.ty(r).has_var() {
            s.align[r.index()] = align[i];
        }
    }
    s.clobber(Reg::R0);
    s.check_bottom();
    s
}

/// `exit` of a callback: `r0` must be 0 or 1; back in the caller, `r0` is the helper's
/// result (a number).
pub(super) fn exit(cx: &mut Cx<'_, '_>, mut s: State) -> State {
    match s.ty(Reg::R0) {
        RegType::Num => {
            let v = s.interval(Reg::R0);
            if !v.within(0, 1) {
                cx.fail(VerifyErrorKind::Callback {
                    detail: format!("the callback returns r0 in {v}; it must return 0 or 1"),
                });
            }
        }
        RegType::Uninit => {}
        t => {
            cx.fail(VerifyErrorKind::Callback {
                detail: format!("the callback returns {t} in r0; it must return 0 or 1"),
            });
            s.set(Reg::R0, RegType::Num, Interval::TOP);
        }
    }
    let mut s = super::call::exit(cx, s);
    if !s.is_bottom() {
        s.set(Reg::R0, RegType::Num, Interval::TOP);
    }
    s
}

/// Most calls of the callback per call of the helper, from the state `pre` before it: the
/// count of `bpf_loop`, the most entries of the maps `bpf_for_each_map_elem` may walk.
pub(crate) fn iterations(
    maps: &[crate::platform::MapInfo],
    pre: &State,
    h: &HelperProto,
) -> Option<u128> {
    match shape(h)? {
        Shape::Loop => {
            let n = pre.interval(Reg::R1);
            (pre.ty(Reg::R1) == RegType::Num && n.within(0, MAX_LOOPS)).then(|| n.hi() as u128)
        }
        Shape::ForEach => match pre.ty(Reg::R1) {
            RegType::MapPtr { map, kinds, .. } => {
                if let Some(m) = maps.get(map as usize) {
                    return Some(m.max_entries.into());
                }
                maps.iter()
                    .filter(|m| m.kind.bit() & kinds != 0)
                    .map(|m| u128::from(m.max_entries))
                    .max()
            }
            _ => None,
        },
    }
}
