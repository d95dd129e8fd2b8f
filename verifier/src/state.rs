//! [`State`]: the product domain at one program point — register kinds, the numeric zone over
//! values and offsets, the stack, and the callee-saved registers of callers.

use alloc::collections::BTreeSet;
use alloc::vec::Vec;
use core::fmt;

use ebpf_isa::Reg;

use crate::domain::{Interval, RegType, Stack, VarId, Zone, FRAME_SIZE};
use crate::lattice::Lattice;

/// Most metadata bytes before the packet data.
pub const MAX_PACKET_META: i64 = 255;

/// The abstract state before an instruction.
#[derive(Clone, PartialEq, Eq)]
pub struct State {
    pub(crate) bottom: bool,
    pub(crate) regs: [RegType; 11],
    pub(crate) num: Zone,
    pub(crate) stack: Stack,
    /// Kinds of r6-r9 saved by each caller frame (index = caller depth).
    pub(crate) saved: Vec<[RegType; 4]>,
    /// Helper allocations (ring buffer reservations) that may still be outstanding, by id.
    pub(crate) allocs: BTreeSet<u32>,
    /// Per register, a power of two (its log2, up to 64) that the register's value (numbers)
    /// or offset (pointers) is known to be a multiple of, beyond what its interval says (see
    /// [`State::alignment`]): kept through joins of differently aligned constants, for the
    /// alignment of atomics.
    pub(crate) align: [u8; 11],
}

impl State {
    /// The state at program entry: `r1` the context, `r10` the frame pointer (no packet
    /// metadata, packets of up to 65,535 bytes).
    pub fn entry() -> State {
        State::entry_for(false, 0xffff)
    }

    /// [`State::entry`] for a program whose packet may carry metadata before its data and
    /// holds up to `max_packet` bytes ([`ProgramType::max_packet_size`]).
    ///
    /// [`ProgramType::max_packet_size`]: crate::platform::ProgramType::max_packet_size
    pub fn entry_for(meta: bool, max_packet: u32) -> State {
        let mut s = State {
            bottom: false,
            regs: [RegType::Uninit; 11],
            num: Zone::top(),
            stack: Stack::empty(),
            saved: Vec::new(),
            allocs: BTreeSet::new(),
            align: [0; 11],
        };
        s.reset_packet_size(max_packet);
        s.reset_meta(meta);
        s.num
            .assign_interval(VarId::LOCK_HELD, Interval::constant(0));
        s.set(Reg::R1, RegType::Ctx, Interval::constant(0));
        s.set(Reg::R10, RegType::Stack, Interval::constant(0));
        s
    }

    /// Forgets the packet size: anything up to `max_packet` bytes (at entry, and when a helper
    /// moves the packet).
    pub(crate) fn reset_packet_size(&mut self, max_packet: u32) {
        self.num
            .assign_interval(VarId::PACKET_SIZE, Interval::new(0, max_packet.into()));
    }

    /// Forgets the packet metadata size (at entry, and when a helper moves the packet).
    pub(crate) fn reset_meta(&mut self, meta: bool) {
        let lo = if meta { -MAX_PACKET_META } else { 0 };
        self.num
            .assign_interval(VarId::PACKET_META, Interval::new(lo.into(), 0));
    }

    /// An estimate of the heap this state takes, in bytes (its zone's constraints in two
    /// ordered maps, its stack cells, and the fixed part).
    pub(crate) fn approx_bytes(&self) -> usize {
        if self.bottom {
            return core::mem::size_of::<State>();
        }
        core::mem::size_of::<State>() + 64 * self.num.size() + 32 * self.stack.cell_count()
    }

    /// The size of the state, the unit of the analysis' work: its zone's constraints and its
    /// stack's cells (copying, joining or comparing a state costs about this much).
    pub(crate) fn size(&self) -> usize {
        if self.bottom {
            return 0;
        }
        self.num.size() + self.stack.cell_count()
    }

    /// The work of the changes that made `self` from `from` (taken from the zone, see
    /// [`Zone::take_work`]), plus the stack's cells when its maps were copied.
    pub(crate) fn take_work(&mut self, from: &State) -> u64 {
        if self.bottom {
            return 0;
        }
        let stack = if !from.bottom && self.stack.shares(&from.stack) {
            0
        } else {
            self.stack.cell_count() as u64
        };
        self.num.take_work() + stack
    }

    /// Call depth (0 in the entry function).
    pub fn depth(&self) -> usize {
        self.saved.len()
    }

    /// Offset of the current frame's top from the top of frame 0.
    pub fn frame_top(&self) -> i32 {
        -FRAME_SIZE * self.depth() as i32
    }

    /// The kind of `r`.
    pub fn ty(&self, r: Reg) -> RegType {
        self.regs[r.index()]
    }

    /// The value (numbers) or offset (pointers) of `r`.
    pub fn interval(&self, r: Reg) -> Interval {
        self.num.interval(var(r))
    }

    /// The log2 of the largest power of two (up to 64) that the value (numbers) or offset
    /// (pointers) of `r` is known to be a multiple of: from its interval when that is one
    /// value, or from how it was computed (kept in [`State::align`]); 0 when nothing is known
    /// or `r` has no value.
    pub fn alignment(&self, r: Reg) -> u8 {
        if !self.ty(r).has_var() {
            return 0;
        }
        let exact = self
            .interval(r)
            .singleton()
            .map_or(0, |v| v.trailing_zeros().min(64) as u8);
        self.align[r.index()].max(exact)
    }

    /// Sets `r` to kind `ty` with value/offset in `itv`.
    pub fn set(&mut self, r: Reg, ty: RegType, itv: Interval) {
        self.regs[r.index()] = ty;
        if ty.has_var() {
            self.num.assign_interval(var(r), itv);
        } else {
            self.num.forget(var(r));
        }
        self.check_bottom();
    }

    /// Makes `r` unreadable.
    pub fn clobber(&mut self, r: Reg) {
        self.regs[r.index()] = RegType::Uninit;
        self.num.forget(var(r));
    }

    /// `dst := src` (kind and value).
    pub fn copy(&mut self, dst: Reg, src: Reg) {
        if dst == src {
            return;
        }
        let ty = self.ty(src);
        self.regs[dst.index()] = ty;
        if ty.has_var() {
            self.num.assign_var(var(dst), var(src), 0);
        } else {
            self.num.forget(var(dst));
        }
    }

    pub(crate) fn check_bottom(&mut self) {
        if self.num.is_bottom() {
            self.set_bottom();
        }
    }

    pub(crate) fn set_bottom(&mut self) {
        *self = State::bottom();
    }

    /// Replaces every register and stack cell kind for which `f` returns a new one (the
    /// value/offset variable is dropped when the new kind has none).
    pub fn retype_all(&mut self, f: impl Fn(RegType) -> Option<RegType>) {
        for i in 0..11u8 {
            if let Some(t) = f(self.regs[i as usize]) {
                self.regs[i as usize] = t;
                if !t.has_var() {
                    self.num.forget(VarId::reg(i));
                }
            }
        }
        for (d, saved) in self.saved.iter_mut().enumerate() {
            for (i, t0) in saved.iter_mut().enumerate() {
                if let Some(t) = f(*t0) {
                    *t0 = t;
                    if !t.has_var() {
                        self.num.forget(VarId::saved(d as u8, i as u8));
                    }
                }
            }
        }
        self.stack.retype(&f);
        self.normalize();
    }

    /// Drops constraints on variables that mean nothing (kinds without a value, stack cells
    /// that no longer exist), and invalid pointer cells.
    pub(crate) fn normalize(&mut self) {
        if self.bottom {
            return;
        }
        use crate::domain::VarKind;
        let mut dead: Vec<VarId> = Vec::new();
        let mut seen = hashbrown::HashSet::new();
        for (a, b, _) in self.num.constraints() {
            for v in [a, b] {
                if !seen.insert(v) {
                    continue;
                }
                let live = match v.kind() {
                    VarKind::Zero | VarKind::PacketSize | VarKind::Loop(_) => true,
                    VarKind::Reg(r) => self.regs[r as usize].has_var(),
                    VarKind::Saved(d, i) => self
                        .saved
                        .get(d as usize)
                        .is_some_and(|s| s[i as usize].has_var()),
                    VarKind::Stack(off, size) => {
                        self.stack.cell(off, size).is_some_and(|c| c.ty.has_var())
                    }
                };
                if !live {
                    dead.push(v);
                }
            }
        }
        for v in dead {
            self.num.forget(v);
        }
    }
}

/// The zone variable of register `r`.
pub(crate) fn var(r: Reg) -> VarId {
    VarId::reg(r.num())
}

impl Lattice for State {
    fn bottom() -> Self {
        State {
            bottom: true,
            regs: [RegType::Bottom; 11],
            num: Zone::bottom(),
            stack: Stack::bottom(),
            saved: Vec::new(),
            allocs: BTreeSet::new(),
            align: [0; 11],
        }
    }

    fn top() -> Self {
        State {
            bottom: false,
            regs: [RegType::Uninit; 11],
            num: Zone::top(),
            stack: Stack::top(),
            saved: Vec::new(),
            allocs: BTreeSet::new(),
            align: [0; 11],
        }
    }

    fn is_bottom(&self) -> bool {
        self.bottom
    }

    fn leq(&self, other: &Self) -> bool {
        if self.bottom {
            return true;
        }
        if other.bottom {
            return false;
        }
        let lifts = self.null_lifts(other);
        if !lifts.is_empty() {
            let mut lifted = self.clone();
            lifted.lift(&lifts);
            return lifted.leq_same_kinds(other);
        }
        self.leq_same_kinds(other)
    }

    fn join(&mut self, other: &Self) -> bool {
        self.combine(other, None, &mut 0)
    }

    fn widen(&mut self, newer: &Self) -> bool {
        self.combine(newer, Some(&[]), &mut 0)
    }
}

/// The kind a null pointer (the number 0) takes where, on another path, the same register or
/// stack cell holds `other`: a map value pointer "or null" of the same map, so that the join
/// keeps a pointer that a later null check restores. Helper allocations are left out (their
/// release tracking is per path).
pub(crate) fn null_of(other: RegType) -> Option<RegType> {
    match other {
        RegType::MapValue {
            size,
            alloc: 0,
            deny,
            map,
        } => Some(RegType::MapValueOrNull {
            size,
            id: 0,
            alloc: 0,
            deny,
            map,
        }),
        RegType::MapValueOrNull { alloc: 0, .. } | RegType::MapPtrOrNull { .. } => {
            Some(other.without_null_id())
        }
        _ => None,
    }
}

/// The kind a value of kind `ty` takes at a join with `other` when it is the number 0 (`zero`,
/// asked only when it matters): see [`null_of`].
fn lifted(ty: RegType, other: RegType, zero: impl FnOnce() -> bool) -> Option<RegType> {
    if ty != RegType::Num {
        return None;
    }
    let t = null_of(other)?;
    zero().then_some(t)
}

/// Whether a value of kind `a` on one path and of kind `b` on another keep a kind when the
/// paths join, rather than becoming "a value of different kinds"; `a_zero` and `b_zero` tell
/// whether each is the number 0 (asked only when it matters).
pub(crate) fn kinds_join(
    a: RegType,
    b: RegType,
    a_zero: impl FnOnce() -> bool,
    b_zero: impl FnOnce() -> bool,
) -> bool {
    let mut j = a;
    j.join(&b);
    j != RegType::Mixed || lifted(a, b, a_zero).is_some() || lifted(b, a, b_zero).is_some()
}

/// A place holding a value with a kind.
#[derive(Clone, Copy)]
enum Place {
    Reg(u8),
    /// Callee-saved register `r6 + i` of caller depth `d`.
    Saved(u8, u8),
    /// The 8-byte stack cell at an offset.
    Cell(i32),
}

impl State {
    /// The places where `self` holds the number 0 and `other` a kind of [`null_of`], with the
    /// kind they take at the join.
    fn null_lifts(&self, other: &State) -> Vec<(Place, RegType)> {
        let zero = |v: VarId| move || self.num.interval(v).singleton() == Some(0);
        let mut out = Vec::new();
        for i in 0..11u8 {
            let (t, o) = (self.regs[i as usize], other.regs[i as usize]);
            if let Some(k) = lifted(t, o, zero(VarId::reg(i))) {
                out.push((Place::Reg(i), k));
            }
        }
        for (d, (a, b)) in self.saved.iter().zip(&other.saved).enumerate() {
            for i in 0..4u8 {
                let v = VarId::saved(d as u8, i);
                if let Some(k) = lifted(a[i as usize], b[i as usize], zero(v)) {
                    out.push((Place::Saved(d as u8, i), k));
                }
            }
        }
        for (off, c) in self.stack.cells() {
            let Some(o) = other.stack.cell(off, 8).filter(|_| c.size == 8) else {
                continue;
            };
            if let Some(k) = lifted(c.ty, o.ty, zero(VarId::stack(off, 8))) {
                out.push((Place::Cell(off), k));
            }
        }
        out
    }

    /// Gives the places of [`State::null_lifts`] their kind at the join (their variable, 0,
    /// is the offset 0).
    fn lift(&mut self, lifts: &[(Place, RegType)]) {
        for &(place, k) in lifts {
            match place {
                Place::Reg(i) => self.regs[i as usize] = k,
                Place::Saved(d, i) => self.saved[d as usize][i as usize] = k,
                Place::Cell(off) => self.stack.set_kind(off, k),
            }
        }
    }

    fn leq_same_kinds(&self, other: &State) -> bool {
        self.saved.len() == other.saved.len()
            && self.regs.iter().zip(&other.regs).all(|(a, b)| a.leq(b))
            && self
                .saved
                .iter()
                .zip(&other.saved)
                .all(|(a, b)| a.iter().zip(b).all(|(x, y)| x.leq(y)))
            && self.allocs.is_subset(&other.allocs)
            // An alignment `other` knows only from its interval holds for `self` too when
            // the zone says `self` is within it: only tracked alignments need a check.
            && (0..11u8).all(|i| {
                let r = Reg::new(i).expect("register");
                other.align[i as usize] == 0 || self.alignment(r) >= other.alignment(r)
            })
            && self.num.leq(&other.num)
            && self.stack.leq(&other.stack)
    }
}

impl State {
    /// Widening with thresholds for one-variable bounds (see [`Zone::widen_with`]).
    pub fn widen_with(&mut self, newer: &State, thresholds: &[i128]) -> bool {
        self.combine(newer, Some(thresholds), &mut 0)
    }

    /// [`Lattice::join`], adding its work to `work` (see [`State::size`]).
    pub(crate) fn join_metered(&mut self, other: &State, work: &mut u64) -> bool {
        self.combine(other, None, work)
    }

    /// [`State::widen_with`], adding its work to `work`.
    pub(crate) fn widen_metered(
        &mut self,
        newer: &State,
        thresholds: &[i128],
        work: &mut u64,
    ) -> bool {
        self.combine(newer, Some(thresholds), work)
    }

    /// Joins (`widen` `None`) or widens with thresholds; adds to `work` the sizes of the two
    /// states and the constraints the zone examined.
    fn combine(&mut self, other: &State, widen: Option<&[i128]>, work: &mut u64) -> bool {
        if other.bottom {
            return false;
        }
        if self.bottom {
            *self = other.clone();
            return true;
        }
        // States at one node always have the same call depth.
        debug_assert_eq!(self.saved.len(), other.saved.len());
        let mut changed = false;
        let (mine, theirs) = (self.null_lifts(other), other.null_lifts(self));
        if !mine.is_empty() {
            self.lift(&mine);
            changed = true;
        }
        let lifted;
        let other = if theirs.is_empty() {
            other
        } else {
            let mut o = other.clone();
            o.lift(&theirs);
            lifted = o;
            &lifted
        };
        for (a, b) in self.regs.iter_mut().zip(&other.regs) {
            changed |= a.join(b);
        }
        for (a, b) in self.saved.iter_mut().zip(&other.saved) {
            for (x, y) in a.iter_mut().zip(b) {
                changed |= x.join(y);
            }
        }
        for i in 0..11u8 {
            let r = Reg::new(i).expect("register");
            let a = self.alignment(r).min(other.alignment(r));
            changed |= a != self.align[i as usize];
            self.align[i as usize] = a;
        }
        changed |= self.stack.join(&other.stack);
        let allocs = self.allocs.len();
        self.allocs.extend(other.allocs.iter().copied());
        changed |= self.allocs.len() != allocs;
        // Kinds that joined to a kind with a variable (Packet and PacketEnd, map values of
        // different sizes) measure their offsets from the same base; other variables are
        // dropped by `normalize`.
        *work += (self.stack.cell_count() + other.stack.cell_count()) as u64;
        changed |= if let Some(t) = widen {
            self.num.widen_metered(&other.num, t, work)
        } else {
            self.num.join_metered(&other.num, work)
        };
        *work += self.num.size() as u64 + self.num.take_work();
        let size = self.num.size();
        self.normalize();
        changed || self.num.size() != size
    }
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.bottom {
            return f.write_str("unreachable");
        }
        for (i, t) in self.regs.iter().enumerate() {
            if *t == RegType::Uninit {
                continue;
            }
            write!(f, "r{i}: {t}")?;
            if t.has_var() {
                let what = if *t == RegType::Num { "" } else { " offset" };
                write!(f, "{what} {}", self.num.interval(VarId::reg(i as u8)))?;
            }
            f.write_str("; ")?;
        }
        write!(
            f,
            "packet_size {}; depth {}; zone {:?}; stack {:?}",
            self.num.interval(VarId::PACKET_SIZE),
            self.depth(),
            self.num,
            self.stack
        )
    }
}
