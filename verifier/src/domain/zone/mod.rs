//! [`Zone`]: a sparse difference-bound matrix over [`VarId`]s, with equal variables kept as
//! classes.
//!
//! Variables known to differ by a constant (a register and the stack cells it was stored to,
//! copies of a register) form a class: one representative, the smallest variable, and members
//! `x = rep + c` ([`Zone::find`]). Only representatives appear in the [`Dbm`], so `n` equal
//! variables cost `n` entries rather than the `n²` differences a closed matrix would store,
//! and assigning a copy costs no closure. The constraints are exactly those of the closed
//! matrix over all variables: a member's bounds are its representative's, shifted.

mod chunks;
mod classes;
mod dbm;
mod join;

use alloc::vec::Vec;
use core::fmt;

use super::interval::{Interval, I64_MAX, I64_MIN};
use super::var::VarId;
use crate::lattice::Lattice;
use classes::Classes;
use dbm::{Dbm, Z};

/// A conjunction of constraints `x - y <= c` and `x <= c`, `-x <= c`.
///
/// The maps are shared between clones until one of them changes (the analysis keeps a state
/// per instruction, and most are copies of their predecessor's).
#[derive(Clone, PartialEq, Eq)]
pub struct Zone {
    bottom: bool,
    /// The constraints between representatives.
    dbm: Dbm,
    /// The members of classes.
    classes: Classes,
}

impl Zone {
    /// The representative of `x` and the offset of `x` from it (`x` itself and 0 for a
    /// representative).
    fn find(&self, x: VarId) -> (VarId, i128) {
        self.classes.find(x)
    }

    /// The members of representative `r`'s class with their offsets, in order.
    fn members_of(&self, r: VarId) -> impl Iterator<Item = (VarId, i128)> + '_ {
        self.classes.members_of(r)
    }

    /// The work of the changes since the last call: entries copied from maps a clone shared
    /// and pairs the closure examined (joins and widenings count theirs separately). The
    /// analysis charges it against its work limit.
    pub(crate) fn take_work(&mut self) -> u64 {
        self.dbm.take_work()
    }

    /// Bound on `v_j - v_i` stored (for a representative) or given by a class, if any.
    pub fn get(&self, i: VarId, j: VarId) -> Option<i128> {
        let ((ri, ci), (rj, cj)) = (self.find(i), self.find(j));
        if ri == rj {
            return Some(cj - ci);
        }
        self.dbm.get(ri, rj).map(|d| d + cj - ci)
    }

    /// The tightest bound on `v_j - v_i`: the stored edge or the one the bounds imply.
    pub fn bound(&self, i: VarId, j: VarId) -> Option<i128> {
        let ((ri, ci), (rj, cj)) = (self.find(i), self.find(j));
        if ri == rj {
            return Some(cj - ci);
        }
        self.dbm.bound(ri, rj).map(|d| d + cj - ci)
    }

    /// The interval of `x`.
    pub fn interval(&self, x: VarId) -> Interval {
        if self.bottom {
            return Interval::BOTTOM;
        }
        let hi = self.get(Z, x).unwrap_or(I64_MAX);
        let lo = self.get(x, Z).map_or(I64_MIN, |c| -c);
        Interval::clamped(lo, hi)
    }

    /// The interval of `x - y` as a 64-bit value: the bounds the constraints give, or
    /// [`Interval::TOP`] when the difference may leave the 64-bit range (it wraps).
    pub fn diff_interval(&self, x: VarId, y: VarId) -> Interval {
        if self.bottom {
            return Interval::BOTTOM;
        }
        let (ix, iy) = (self.interval(x), self.interval(y));
        let hi = self.get(y, x).unwrap_or(i128::MAX).min(ix.hi() - iy.lo());
        let lo = self
            .get(x, y)
            .map_or(i128::MIN, |c| -c)
            .max(ix.lo() - iy.hi());
        Interval::new(lo, hi)
    }

    /// Whether `x - y <= c` holds in every state.
    pub fn entails_le(&self, x: VarId, y: VarId, c: i128) -> bool {
        self.bottom || self.bound(y, x).is_some_and(|d| d <= c)
    }

    /// Number of explicit constraints (for resource limits): edges between representatives
    /// and members of classes.
    pub fn size(&self) -> usize {
        self.dbm.len() + self.classes.len()
    }

    fn set_bottom(&mut self) {
        *self = Zone::bottom_zone();
    }

    fn bottom_zone() -> Zone {
        Zone {
            bottom: true,
            dbm: Dbm::default(),
            classes: Classes::default(),
        }
    }

    /// Adds `v_j - v_i <= c` and restores closure; two representatives that become equal
    /// merge their classes.
    fn add_edge(&mut self, i: VarId, j: VarId, c: i128) {
        if self.bottom {
            return;
        }
        let ((ri, ci), (rj, cj)) = (self.find(i), self.find(j));
        if ri == rj {
            if cj - ci > c {
                self.set_bottom();
            }
            return;
        }
        if !self.dbm.add_edge(ri, rj, c - cj + ci) {
            self.set_bottom();
            return;
        }
        if ri == Z || rj == Z {
            return;
        }
        if let (Some(a), Some(b)) = (self.dbm.get(ri, rj), self.dbm.get(rj, ri)) {
            if a + b == 0 {
                // v_rj = v_ri + a; the larger one joins the smaller one's class.
                if ri < rj {
                    self.absorb(ri, rj, a);
                } else {
                    self.absorb(rj, ri, -a);
                }
            }
        }
    }

    /// Makes representative `s`, equal to representative `r + d` (`r < s`), and its members
    /// members of `r`'s class. The matrix is closed, so `s`'s constraints follow from `r`'s.
    fn absorb(&mut self, r: VarId, s: VarId, d: i128) {
        self.dbm.forget(s);
        let moved: Vec<(VarId, i128)> = self.members_of(s).collect();
        let work = &mut self.dbm.work;
        for (m, cm) in moved {
            self.classes.link(m, r, d + cm, work);
        }
        self.classes.link(s, r, d, work);
    }

    /// Makes the smallest member of representative `x`'s class (which must have one) its
    /// representative, `x` a member of it; returns the new representative.
    fn promote(&mut self, x: VarId) -> VarId {
        let (m, cm) = self.members_of(x).next().expect("a member");
        let rest: Vec<(VarId, i128)> = self.members_of(x).skip(1).collect();
        self.dbm.rename(x, m, cm);
        let work = &mut self.dbm.work;
        self.classes.unlink(m, work);
        for (o, co) in rest {
            self.classes.link(o, m, co - cm, work);
        }
        self.classes.link(x, m, -cm, work);
        m
    }

    /// Takes member `x` out of its class, as a representative of its own with the same
    /// constraints (its relation to the class becomes edges of the matrix).
    fn detach(&mut self, x: VarId) {
        if self.classes.is_member(x) {
            // Already a member.
        } else if self.classes.has_members(x) {
            self.promote(x);
        } else {
            return;
        }
        let (r, c) = self.unlink(x);
        // x = r + c: the closure gives x every relation of r.
        let ok = self.dbm.add_edge(r, x, c) && self.dbm.add_edge(x, r, -c);
        debug_assert!(ok, "an equality is satisfiable");
    }

    /// Removes member `x` from its class; returns its representative and offset.
    fn unlink(&mut self, x: VarId) -> (VarId, i128) {
        self.classes
            .unlink(x, &mut self.dbm.work)
            .expect("a member")
    }

    /// Assumes `x - y <= c` (use [`VarId::ZERO`] for one-variable bounds).
    pub fn assume_le(&mut self, x: VarId, y: VarId, c: i128) {
        self.add_edge(y, x, c);
    }

    /// Assumes `x` is in `itv`.
    pub fn assume_interval(&mut self, x: VarId, itv: Interval) {
        if itv.is_bottom() {
            self.set_bottom();
            return;
        }
        self.assume_le(x, Z, itv.hi());
        self.assume_le(Z, x, -itv.lo());
    }

    /// Removes every constraint on `x`.
    pub fn forget(&mut self, x: VarId) {
        if x == Z || self.bottom {
            return;
        }
        if self.classes.is_member(x) {
            self.unlink(x);
        } else if self.classes.has_members(x) {
            self.promote(x);
            self.unlink(x);
        } else {
            self.dbm.forget(x);
        }
    }

    /// `x := any value of itv`.
    pub fn assign_interval(&mut self, x: VarId, itv: Interval) {
        if self.bottom {
            return;
        }
        self.forget(x);
        if itv.is_bottom() {
            self.set_bottom();
            return;
        }
        if itv.hi() < I64_MAX {
            self.add_edge(Z, x, itv.hi());
        }
        if itv.lo() > I64_MIN {
            self.add_edge(x, Z, -itv.lo());
        }
    }

    /// `x := y + c` (relational; top when it may leave the 64-bit range).
    pub fn assign_var(&mut self, x: VarId, y: VarId, c: i128) {
        if self.bottom {
            return;
        }
        if x == y {
            self.shift(x, c);
            return;
        }
        let result = self.interval(y).plus(Interval::clamped(c, c));
        self.forget(x);
        if result == Interval::TOP && c != 0 {
            return;
        }
        if y == Z {
            self.add_edge(Z, x, c);
            self.add_edge(x, Z, -c);
            return;
        }
        // x joins y's class: x = ry + off.
        let (ry, cy) = self.find(y);
        let off = cy + c;
        if ry < x {
            self.classes.link(x, ry, off, &mut self.dbm.work);
            return;
        }
        // x is the smaller: it represents the class (ry = x - off).
        let moved: Vec<(VarId, i128)> = self.members_of(ry).collect();
        self.dbm.rename(ry, x, off);
        let work = &mut self.dbm.work;
        for (m, cm) in moved {
            self.classes.link(m, x, cm - off, work);
        }
        self.classes.link(ry, x, -off, work);
    }

    /// `x := x + c` (top when it may leave the 64-bit range; a loop counter, a count that
    /// does not wrap, is shifted all the same).
    pub fn shift(&mut self, x: VarId, c: i128) {
        if self.bottom || c == 0 {
            return;
        }
        let itv = self.interval(x);
        if !is_counter(x) && !itv.within(I64_MIN - c.min(0), I64_MAX - c.max(0)) {
            self.forget(x);
            return;
        }
        if self.classes.is_member(x) {
            self.classes.shift(x, c, &mut self.dbm.work);
            return;
        }
        // The members stay where they were: each is `c` less above the new x.
        let moved: Vec<VarId> = self.members_of(x).map(|(m, _)| m).collect();
        for m in moved {
            self.classes.shift(m, -c, &mut self.dbm.work);
        }
        self.dbm.shift(x, c);
    }

    /// `x := y + z` for an interval-valued `z` that is not itself tracked: keeps
    /// `x - y` within `dz` when `y` is a variable.
    pub fn assign_var_plus_interval(&mut self, x: VarId, y: VarId, dz: Interval) {
        if self.bottom {
            return;
        }
        let result = self.interval(y).plus(dz);
        if result == Interval::TOP || dz.is_bottom() {
            self.forget(x);
            if dz.is_bottom() {
                self.set_bottom();
            }
            return;
        }
        if x == y {
            // Shift by the lower bound, then relax the upper bounds by the width.
            let width = dz.hi() - dz.lo();
            self.detach(x);
            self.shift(x, dz.lo());
            self.dbm.relax_upper(x, width);
            // Relaxing can break closure only by loosening; re-derive the interval.
            self.assume_interval(x, result);
            return;
        }
        self.forget(x);
        self.add_edge(y, x, dz.hi());
        self.add_edge(x, y, -dz.lo());
        self.assume_interval(x, result);
    }

    /// The explicit constraints, for display: the matrix's edges, then each member's
    /// equality with its representative as two edges.
    pub fn constraints(&self) -> impl Iterator<Item = (VarId, VarId, i128)> + '_ {
        let edges = self.dbm.edges.iter().map(|(&(a, b), &c)| (a, b, c));
        let equal = self
            .classes
            .iter()
            .flat_map(|(x, (r, c))| [(r, x, c), (x, r, -c)]);
        edges.chain(equal)
    }
}

/// Whether `x` counts the visits of a loop head: such a counter grows by one every round of its
/// loop and is bounded only through its relations with the loop's variables, so widening drops
/// a growing bound of it rather than stepping it through every threshold (one round each).
fn is_counter(x: VarId) -> bool {
    matches!(x.kind(), super::VarKind::Loop(_))
}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.bottom {
            return f.write_str("bottom");
        }
        f.write_str("{")?;
        let mut edges: Vec<_> = self.dbm.edges.iter().collect();
        edges.sort_unstable();
        for (i, (&(a, b), &c)) in edges.into_iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            if a == Z {
                write!(f, "{b} <= {c}")?;
            } else if b == Z {
                write!(f, "{a} >= {}", -c)?;
            } else {
                write!(f, "{b} - {a} <= {c}")?;
            }
        }
        let mut members: Vec<_> = self.classes.iter().collect();
        members.sort_unstable();
        for (i, (x, (r, c))) in members.into_iter().enumerate() {
            if i > 0 || !self.dbm.edges.is_empty() {
                f.write_str(", ")?;
            }
            match c {
                0 => write!(f, "{x} = {r}")?,
                c if c < 0 => write!(f, "{x} = {r} - {}", -c)?,
                c => write!(f, "{x} = {r} + {c}")?,
            }
        }
        f.write_str("}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closure_derives_bounds_through_differences() {
        let (x, y) = (VarId::reg(1), VarId::reg(2));
        let mut z = Zone::top();
        z.assign_interval(y, Interval::new(0, 10));
        z.assign_var(x, y, 4);
        assert_eq!(z.interval(x), Interval::new(4, 14));
        z.assume_le(x, Z, 6);
        assert_eq!(z.interval(y), Interval::new(0, 2));
        z.assume_le(y, x, -5); // y - x <= -5 contradicts x = y + 4
        assert!(z.is_bottom());
    }

    fn cell(k: i32) -> VarId {
        VarId::stack(-k, 1)
    }

    #[test]
    fn equal_variables_cost_one_entry_each() {
        let r = VarId::reg(9);
        let mut z = Zone::top();
        z.assign_interval(r, Interval::new(0, 255));
        for k in 1..=300 {
            z.assign_var(cell(k), r, 0);
        }
        // Two bounds of r9 and a member entry per cell, not 300 * 301 differences.
        assert_eq!(z.size(), 302);
        assert_eq!(z.interval(cell(7)), Interval::new(0, 255));
        assert_eq!(z.diff_interval(cell(7), cell(200)), Interval::constant(0));
        // The register changes: the cells keep their value and their equality.
        z.assign_interval(r, Interval::constant(1));
        assert_eq!(z.interval(cell(300)), Interval::new(0, 255));
        assert_eq!(z.diff_interval(cell(1), cell(300)), Interval::constant(0));
        // The smallest cell represents the others now, with r9's old bounds; r9 has its own.
        assert_eq!(z.find(cell(300)), (cell(1), 0));
        assert_eq!(z.size(), 303);
    }

    #[test]
    fn a_member_moved_on_its_own_keeps_its_relations() {
        let (x, y) = (VarId::reg(1), VarId::reg(2));
        let mut z = Zone::top();
        z.assign_interval(x, Interval::new(0, 10));
        z.assign_var(y, x, 5);
        z.assign_var(cell(1), y, 0);
        z.shift(y, 2);
        assert_eq!(z.diff_interval(y, x), Interval::constant(7));
        assert_eq!(z.diff_interval(cell(1), x), Interval::constant(5));
        z.assign_var_plus_interval(y, y, Interval::new(0, 3));
        assert_eq!(z.diff_interval(y, x), Interval::new(7, 10));
        assert_eq!(z.diff_interval(y, cell(1)), Interval::new(2, 5));
        // Bounds learnt of a member reach the class.
        z.assume_le(cell(1), VarId::ZERO, 8);
        assert_eq!(z.interval(x), Interval::new(0, 3));
    }

    #[test]
    fn variables_found_equal_by_a_test_merge() {
        let (x, y) = (VarId::reg(1), VarId::reg(2));
        let mut z = Zone::top();
        z.assume_le(x, y, 3);
        z.assume_le(y, x, -3);
        assert_eq!(z.find(y), (x, -3));
        assert_eq!(z.diff_interval(x, y), Interval::constant(3));
    }

    #[test]
    fn changing_a_shared_zone_counts_the_copy_and_the_closure() {
        let mut z = Zone::top();
        for k in 1..=50 {
            z.assign_interval(cell(k), Interval::new(0, k.into()));
        }
        z.take_work();
        let mut copy = z.clone();
        copy.assign_interval(cell(1), Interval::constant(0));
        // The chunk table and the chunk of cell 1 were copied, not the 100 bounds.
        let copied = copy.take_work();
        assert!((16..100).contains(&copied), "{copied}");
        copy.assign_interval(cell(1), Interval::constant(1));
        assert!(copy.take_work() < 10, "no longer shared: no copy");
        assert_eq!(copy.take_work(), 0);
        let mut work = 0;
        copy.join_metered(&z, &mut work);
        assert!(work >= (copy.size() + z.size()) as u64);
    }

    #[test]
    fn a_join_keeps_the_classes_both_sides_share() {
        let (x, y, w) = (VarId::reg(1), VarId::reg(2), VarId::reg(3));
        let mut a = Zone::top();
        a.assign_interval(x, Interval::new(0, 10));
        a.assign_var(y, x, 1);
        a.assign_var(w, x, 2);
        let mut b = a.clone();
        b.assign_interval(w, Interval::constant(50));
        a.join(&b);
        assert_eq!(a.find(y), (x, 1));
        assert_eq!(a.find(w), (w, 0));
        assert_eq!(a.interval(w), Interval::new(2, 50));
        assert_eq!(a.diff_interval(y, x), Interval::constant(1));
    }

    #[test]
    fn a_join_merges_variables_that_keep_their_distance() {
        let (x, y) = (VarId::reg(1), VarId::reg(2));
        let mut a = Zone::top();
        a.assign_interval(x, Interval::constant(1));
        a.assign_interval(y, Interval::constant(5));
        let mut b = Zone::top();
        b.assign_interval(x, Interval::constant(2));
        b.assign_interval(y, Interval::constant(6));
        a.join(&b);
        assert_eq!(a.find(y), (x, 4));
        assert_eq!(a.interval(y), Interval::new(5, 6));
    }

    #[test]
    fn join_keeps_common_relations() {
        let (x, y) = (VarId::reg(1), VarId::reg(2));
        let mut a = Zone::top();
        a.assign_interval(y, Interval::constant(1));
        a.assign_var(x, y, 3);
        let mut b = Zone::top();
        b.assign_interval(y, Interval::constant(7));
        b.assign_var(x, y, 3);
        a.join(&b);
        assert_eq!(a.diff_interval(x, y), Interval::constant(3));
        assert_eq!(a.interval(x), Interval::new(4, 10));
    }
}
