//! Spin locks (Linux's `bpf_spin_lock`, `bpf_spin_unlock`): at most one lock is held at a
//! time; it is released by an unlock of the same lock before the program (or any function)
//! exits; while it is held, the program calls no helper but the unlock and no local function,
//! and makes no legacy packet load (which may exit).
//!
//! Without BTF the verifier does not know where a map value's `struct bpf_spin_lock` is: a
//! lock is a 4-byte word at a constant offset (a multiple of 4) of a value of one known hash
//! table or array that programs may write, and a lock is named by its map and offset
//! ([`VarId::LOCK_AT`]), so two elements of one map are not told apart (Linux tells them
//! apart by the pointer's identity). Whether a lock is held is [`VarId::LOCK_HELD`]: 0, 1, or
//! both after paths that differ (which the rules treat as "may be held" and "may not be").
//!
//! The lock word is touched only by the lock helpers: the checking pass records the locks
//! ([`LockUses`]) and every load, store or helper access of map value bytes, and
//! [`lock_word_accesses`] refuses those that may overlap a lock word of their map.

use alloc::collections::BTreeSet;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use ebpf_isa::Reg;

use super::Cx;
use crate::domain::{Interval, RegType, VarId};
use crate::error::{VerifyError, VerifyErrorKind};
use crate::platform::{HelperProto, MapKind};
use crate::state::State;

/// What the checking pass saw of spin locks: the lock words (map index, offset) and the map
/// value bytes accessed otherwise (pc, map index or [`RegType::MANY_MAPS`], byte range).
#[derive(Default)]
pub(crate) struct LockUses {
    words: BTreeSet<(u32, i64)>,
    accesses: Vec<(usize, u32, i128, i128)>,
}

/// Records an access of `size` bytes at `base + off`, a map value pointer.
pub(super) fn note_access(cx: &mut Cx<'_, '_>, s: &State, base: Reg, off: i64, size: i64) {
    let RegType::MapValue { alloc: 0, map, .. } = s.ty(base) else {
        return;
    };
    let itv = s.interval(base);
    let (lo, hi) = (
        itv.lo().saturating_add(off.into()),
        itv.hi().saturating_add((off + size).into()),
    );
    let pc = cx.pc;
    if let Some(f) = cx.findings.as_deref_mut() {
        f.locks.accesses.push((pc, map, lo, hi));
    }
}

/// The accesses that may overlap a lock word of their map (Linux: "bpf_spin_lock cannot be
/// accessed directly by load/store", nor by a helper).
pub(crate) fn lock_word_accesses(uses: &LockUses) -> Vec<VerifyError> {
    let mut out: Vec<VerifyError> = Vec::new();
    for &(pc, map, lo, hi) in &uses.accesses {
        let hit = uses.words.iter().find(|&&(m, o)| {
            (m == map || map == RegType::MANY_MAPS) && lo < i128::from(o) + 4 && i128::from(o) < hi
        });
        if let Some(&(m, o)) = hit {
            if out.iter().any(|e| e.pc() == pc) {
                continue;
            }
            out.push(VerifyError::new(
                pc,
                VerifyErrorKind::SpinLock {
                    detail: format!(
                        "map value bytes [{lo}, {hi}) may overlap the lock at offset {o} of map {m}, which only bpf_spin_lock and bpf_spin_unlock may touch"
                    ),
                },
            ));
        }
    }
    out
}

const LOCK: &str = "bpf_spin_lock";
const UNLOCK: &str = "bpf_spin_unlock";

/// Whether a lock may be held in `s`.
fn may_hold(s: &State) -> bool {
    s.num.interval(VarId::LOCK_HELD).hi() > 0
}

fn fail(cx: &mut Cx<'_, '_>, detail: String) {
    cx.fail(VerifyErrorKind::SpinLock { detail });
}

/// Before a helper call: with a lock held only the unlock may be called.
pub(super) fn before_helper(cx: &mut Cx<'_, '_>, s: &State, h: &HelperProto) {
    // A second lock has its own message (see `apply`).
    if h.name != UNLOCK && h.name != LOCK && may_hold(s) {
        fail(
            cx,
            format!(
                "{} is called while a spin lock may be held (only {UNLOCK} may be)",
                h.name
            ),
        );
    }
}

/// Before a local call, an exit or a legacy packet load (`what`): no lock may be held.
pub(super) fn before(cx: &mut Cx<'_, '_>, s: &State, what: &str) {
    if may_hold(s) {
        fail(cx, format!("{what} while a spin lock may be held"));
    }
}

/// Checks the lock argument `r` of `h` and names the lock: its map's index times 2^16 plus
/// its offset. `None` (after reporting) when it is not a valid lock.
pub(super) fn arg(cx: &mut Cx<'_, '_>, s: &mut State, h: &HelperProto, r: Reg) -> Option<i64> {
    if !cx.require_init(s, r) {
        return None;
    }
    let bad = |cx: &mut Cx<'_, '_>, detail: String| {
        cx.fail(VerifyErrorKind::HelperArgument {
            helper: h.name,
            arg: r.num(),
            detail,
        });
        None
    };
    let RegType::MapValue {
        size,
        alloc: 0,
        deny,
        map,
    } = s.ty(r)
    else {
        return bad(
            cx,
            format!(
                "must point to a lock in a map value (null-checked) but is {}",
                s.ty(r)
            ),
        );
    };
    let Some(info) = cx.env.maps.get(map as usize) else {
        return bad(
            cx,
            String::from("the lock's map must be known (it may be one of several maps)"),
        );
    };
    if !matches!(info.kind, MapKind::Hash | MapKind::Array) {
        return bad(
            cx,
            format!(
                "a lock must be in a hash table's or an array's value, not a {:?}'s",
                info.kind
            ),
        );
    }
    if deny & RegType::DENY_WRITE != 0 {
        return bad(cx, String::from("the lock's map is read-only for programs"));
    }
    let off = s.interval(r);
    let Some(o) = off.singleton() else {
        return bad(
            cx,
            format!("the lock's offset must be a constant but is {off}"),
        );
    };
    if o < 0 || o % 4 != 0 || o + 4 > i64::from(size) || o >= 1 << 16 {
        return bad(
            cx,
            format!(
                "the lock (4 bytes at offset {o}) must lie at a multiple of 4 inside the {size}-byte value"
            ),
        );
    }
    if let Some(f) = cx.findings.as_deref_mut() {
        f.locks.words.insert((map, o));
    }
    Some(i64::from(map) * (1 << 16) + o)
}

/// The effect of the lock helper `h` on lock `id` (from [`arg`]).
pub(super) fn apply(cx: &mut Cx<'_, '_>, s: &mut State, h: &HelperProto, id: Option<i64>) {
    if h.name == LOCK {
        if may_hold(s) {
            fail(
                cx,
                String::from(
                    "a second lock is taken while one may be held (at most one at a time)",
                ),
            );
        }
        s.num
            .assign_interval(VarId::LOCK_HELD, Interval::constant(1));
        match id {
            Some(id) => s
                .num
                .assign_interval(VarId::LOCK_AT, Interval::constant(id)),
            None => s.num.forget(VarId::LOCK_AT),
        }
    } else if h.name == UNLOCK {
        let held = s.num.interval(VarId::LOCK_HELD);
        if held.lo() < 1 {
            fail(
                cx,
                String::from("an unlock where no lock may be held (lock before unlocking)"),
            );
        } else if let Some(id) = id {
            let at = s.num.interval(VarId::LOCK_AT);
            if at.singleton() != Some(id) {
                fail(
                    cx,
                    format!(
                        "the unlock releases the lock at offset {} of map {}, which may not be the one held",
                        id % (1 << 16),
                        id >> 16
                    ),
                );
            }
        }
        s.num
            .assign_interval(VarId::LOCK_HELD, Interval::constant(0));
        s.num.forget(VarId::LOCK_AT);
    }
}
