//! [`Zone`]: a sparse difference-bound matrix over [`VarId`]s.
//!
//! An edge `(i, j) -> c` means `v_j - v_i <= c`; bounds of one variable are edges to and from
//! [`VarId::ZERO`]. A missing edge means no bound. Bounds are `i128`; every variable stands for
//! a signed 64-bit quantity.
//!
//! The matrix is kept closed in the split form: one-variable bounds and differences derived
//! through other differences are explicit, but a difference that only follows from the two
//! variables' bounds (`x - y <= ub(x) - lb(y)`) is not stored; [`Zone::bound`] adds it on
//! demand. This keeps the matrix as sparse as the program's real relations.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use super::interval::{Interval, I64_MAX, I64_MIN};
use super::var::VarId;
use crate::lattice::Lattice;

/// A conjunction of constraints `x - y <= c` and `x <= c`, `-x <= c`.
///
/// The maps are shared between clones until one of them changes (the analysis keeps a state
/// per instruction, and most are copies of their predecessor's).
#[derive(Clone, PartialEq, Eq)]
pub struct Zone {
    bottom: bool,
    edges: Arc<BTreeMap<(VarId, VarId), i128>>,
    /// `(j, i)` for every stored difference `(i, j)` between two variables (not
    /// [`VarId::ZERO`]): the predecessors of `j` without a scan.
    rdiff: Arc<BTreeSet<(VarId, VarId)>>,
}

const Z: VarId = VarId::ZERO;
const MAXV: VarId = VarId::MAX;

/// The key range `(x, *)`.
fn from(x: VarId) -> core::ops::RangeInclusive<(VarId, VarId)> {
    (x, Z)..=(x, MAXV)
}

impl Zone {
    /// Bound on `v_j - v_i`, if any.
    pub fn get(&self, i: VarId, j: VarId) -> Option<i128> {
        if i == j {
            return Some(0);
        }
        self.edges.get(&(i, j)).copied()
    }

    /// The tightest bound on `v_j - v_i`: the stored edge or the one the bounds imply.
    pub fn bound(&self, i: VarId, j: VarId) -> Option<i128> {
        let e = self.get(i, j);
        if i == Z || j == Z {
            return e;
        }
        let via = match (self.edges.get(&(i, Z)), self.edges.get(&(Z, j))) {
            (Some(a), Some(b)) => Some(a + b),
            _ => None,
        };
        match (e, via) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
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

    /// Number of explicit constraints (for resource limits).
    pub fn size(&self) -> usize {
        self.edges.len()
    }

    fn set_bottom(&mut self) {
        self.bottom = true;
        Arc::make_mut(&mut self.edges).clear();
        Arc::make_mut(&mut self.rdiff).clear();
    }

    /// Adds `v_j - v_i <= c` and restores (split) closure.
    fn add_edge(&mut self, i: VarId, j: VarId, c: i128) {
        if self.bottom {
            return;
        }
        if i == j {
            if c < 0 {
                self.set_bottom();
            }
            return;
        }
        if self.bound(i, j).is_some_and(|d| d <= c) {
            return;
        }
        if self.bound(j, i).is_some_and(|d| d + c < 0) {
            self.set_bottom();
            return;
        }
        // Every k with an edge k -> i, every l with an edge j -> l. A new upper bound
        // (i = 0) only tightens bounds of j's successors, a new lower bound (j = 0) those of
        // i's predecessors: pairs of two variables through 0 are implied, not stored.
        let mut preds: Vec<(VarId, i128)> = alloc::vec![(i, 0)];
        let mut succs: Vec<(VarId, i128)> = alloc::vec![(j, 0)];
        if i != Z {
            if let Some(&d) = self.edges.get(&(Z, i)) {
                preds.push((Z, d));
            }
            for &(_, k) in self.rdiff.range(from(i)) {
                preds.push((k, self.edges[&(k, i)]));
            }
        }
        if j != Z {
            for (&(_, l), &d) in self.edges.range(from(j)) {
                succs.push((l, d));
            }
        }
        // A new bound of one variable derives bounds of others, not differences that the
        // bounds already imply.
        let unary = i == Z || j == Z;
        for &(k, dk) in &preds {
            for &(l, dl) in &succs {
                let v = dk + c + dl;
                if k == l {
                    if v < 0 {
                        self.set_bottom();
                        return;
                    }
                    continue;
                }
                if unary && k != Z && l != Z {
                    continue;
                }
                match Arc::make_mut(&mut self.edges).entry((k, l)) {
                    alloc::collections::btree_map::Entry::Occupied(mut e) => {
                        if v < *e.get() {
                            *e.get_mut() = v;
                        }
                    }
                    alloc::collections::btree_map::Entry::Vacant(e) => {
                        e.insert(v);
                        if k != Z && l != Z {
                            Arc::make_mut(&mut self.rdiff).insert((l, k));
                        }
                    }
                }
            }
        }
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
        if x == Z {
            return;
        }
        let outs: Vec<VarId> = self.edges.range(from(x)).map(|(&(_, l), _)| l).collect();
        for l in outs {
            Arc::make_mut(&mut self.edges).remove(&(x, l));
            if l != Z {
                Arc::make_mut(&mut self.rdiff).remove(&(l, x));
            }
        }
        let ins: Vec<VarId> = self.rdiff.range(from(x)).map(|&(_, k)| k).collect();
        for k in ins {
            Arc::make_mut(&mut self.edges).remove(&(k, x));
            Arc::make_mut(&mut self.rdiff).remove(&(x, k));
        }
        Arc::make_mut(&mut self.edges).remove(&(Z, x));
    }

    /// The stored edges into `x`, as their source variables (0 included).
    fn sources(&self, x: VarId) -> Vec<VarId> {
        let mut v: Vec<VarId> = self.rdiff.range(from(x)).map(|&(_, k)| k).collect();
        if self.edges.contains_key(&(Z, x)) {
            v.push(Z);
        }
        v
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
        if result == Interval::TOP && c != 0 {
            self.forget(x);
            return;
        }
        self.forget(x);
        self.add_edge(y, x, c);
        self.add_edge(x, y, -c);
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
        for (_, d) in Arc::make_mut(&mut self.edges).range_mut(from(x)) {
            *d -= c;
        }
        for k in self.sources(x) {
            if let Some(d) = Arc::make_mut(&mut self.edges).get_mut(&(k, x)) {
                *d += c;
            }
        }
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
            self.shift(x, dz.lo());
            for k in self.sources(x) {
                if let Some(d) = Arc::make_mut(&mut self.edges).get_mut(&(k, x)) {
                    *d += width;
                }
            }
            // Relaxing can break closure only by loosening; re-derive the interval.
            self.assume_interval(x, result);
            return;
        }
        self.forget(x);
        self.add_edge(y, x, dz.hi());
        self.add_edge(x, y, -dz.lo());
        self.assume_interval(x, result);
    }

    /// Widening that relaxes a growing one-variable bound to the next of `thresholds`
    /// (sorted) instead of dropping it; difference bounds that grow are dropped, stable ones
    /// (stored or implied by the old bounds) are kept.
    pub fn widen_with(&mut self, newer: &Zone, thresholds: &[i128]) -> bool {
        if newer.bottom {
            return false;
        }
        if self.bottom {
            *self = newer.clone();
            return true;
        }
        let mut unary: BTreeMap<(VarId, VarId), i128> = BTreeMap::new();
        for (&(a, b), &v) in self.edges.iter() {
            if a != Z && b != Z {
                continue;
            }
            match newer.get(a, b) {
                Some(o) if o <= v => {
                    unary.insert((a, b), v);
                }
                Some(_) if is_counter(a) || is_counter(b) => {}
                Some(o) => {
                    if let Some(&t) = thresholds.iter().find(|&&t| t >= o) {
                        unary.insert((a, b), t);
                    }
                }
                None => {}
            }
        }
        let widened = Zone {
            bottom: false,
            edges: Arc::new(unary),
            rdiff: Arc::new(BTreeSet::new()),
        };
        let changed: Vec<VarId> = self
            .bounded_vars()
            .into_iter()
            .filter(|&x| self.unary(x) != widened.unary(x))
            .collect();
        let diffs = collect_diffs(self, newer, &widened, &changed, |old, new| {
            (new <= old).then_some(old)
        });
        let mut out = widened.edges;
        Arc::make_mut(&mut out).extend(diffs);
        let changed = out != self.edges;
        self.edges = out;
        self.reindex();
        changed
    }

    /// Rebuilds the predecessor index from the edges.
    fn reindex(&mut self) {
        self.rdiff = Arc::new(
            self.edges
                .keys()
                .filter(|&&(a, b)| a != Z && b != Z)
                .map(|&(a, b)| (b, a))
                .collect(),
        );
    }

    /// The variables with a stored one-variable bound.
    fn bounded_vars(&self) -> Vec<VarId> {
        let mut v: Vec<VarId> = self
            .edges
            .keys()
            .filter_map(|&(a, b)| match (a == Z, b == Z) {
                (true, false) => Some(b),
                (false, true) => Some(a),
                _ => None,
            })
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The stored bounds of `x`: (`-lower`, `upper`) as edges.
    fn unary(&self, x: VarId) -> (Option<i128>, Option<i128>) {
        (self.get(x, Z), self.get(Z, x))
    }

    /// The explicit constraints, for display.
    pub fn constraints(&self) -> impl Iterator<Item = (VarId, VarId, i128)> + '_ {
        self.edges.iter().map(|(&(a, b), &c)| (a, b, c))
    }
}

impl Lattice for Zone {
    fn bottom() -> Self {
        Zone {
            bottom: true,
            edges: Arc::new(BTreeMap::new()),
            rdiff: Arc::new(BTreeSet::new()),
        }
    }

    fn top() -> Self {
        Zone {
            bottom: false,
            edges: Arc::new(BTreeMap::new()),
            rdiff: Arc::new(BTreeSet::new()),
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
        if Arc::ptr_eq(&self.edges, &other.edges) {
            return true;
        }
        other
            .edges
            .iter()
            .all(|(&(a, b), &c)| self.bound(a, b).is_some_and(|d| d <= c))
    }

    fn join(&mut self, other: &Self) -> bool {
        if other.bottom {
            return false;
        }
        if self.bottom {
            *self = other.clone();
            return true;
        }
        if Arc::ptr_eq(&self.edges, &other.edges) {
            return false;
        }
        let mut out: BTreeMap<(VarId, VarId), i128> = BTreeMap::new();
        // Bounds of one variable first: both sides store them explicitly.
        for (&k, &v) in self.edges.iter() {
            if k.0 == Z || k.1 == Z {
                if let Some(&o) = other.edges.get(&k) {
                    out.insert(k, v.max(o));
                }
            }
        }
        let joined = Zone {
            bottom: false,
            edges: Arc::new(out),
            rdiff: Arc::new(BTreeSet::new()),
        };
        // Differences: stored ones, and implied ones whose variables' bounds differ between
        // the sides (where the joined bounds no longer imply them).
        let changed: Vec<VarId> = self
            .bounded_vars()
            .into_iter()
            .chain(other.bounded_vars())
            .filter(|&x| self.unary(x) != other.unary(x))
            .collect();
        let diffs = collect_diffs(self, other, &joined, &changed, |a, b| Some(a.max(b)));
        let mut out = joined.edges;
        Arc::make_mut(&mut out).extend(diffs);
        let changed = out != self.edges;
        self.edges = out;
        self.reindex();
        changed
    }

    fn widen(&mut self, newer: &Self) -> bool {
        self.widen_with(newer, &[])
    }
}

/// Difference bounds of a join or widening of `a` and `b` into `result` (whose one-variable
/// bounds are final): for every stored difference of `a` or `b`, and every pair of variables
/// of `changed` (whose bounds moved, so implied differences may be lost), `combine`
/// the two sides' bounds; keep the result when `result`'s bounds do not imply it.
fn collect_diffs(
    a: &Zone,
    b: &Zone,
    result: &Zone,
    changed: &[VarId],
    combine: impl Fn(i128, i128) -> Option<i128>,
) -> Vec<((VarId, VarId), i128)> {
    let mut keys: Vec<(VarId, VarId)> = a
        .edges
        .keys()
        .chain(b.edges.keys())
        .copied()
        .filter(|&(x, y)| x != Z && y != Z)
        .collect();
    // An implied difference x - y can only be lost when the bounds of both x and y moved: if
    // y's bounds are the same on both sides, the combined bound of x - y is the one the
    // combined bounds of x and y imply.
    for &x in changed {
        for &y in changed {
            if x != y {
                keys.push((x, y));
            }
        }
    }
    keys.sort_unstable();
    keys.dedup();
    let mut out = Vec::new();
    for (x, y) in keys {
        if let (Some(p), Some(q)) = (a.bound(x, y), b.bound(x, y)) {
            if let Some(v) = combine(p, q) {
                if none_or_gt(result.bound(x, y), v) {
                    out.push(((x, y), v));
                }
            }
        }
    }
    out
}

/// Whether `x` counts the visits of a loop head: such a counter grows by one every round of its
/// loop and is bounded only through its relations with the loop's variables, so widening drops
/// a growing bound of it rather than stepping it through every threshold (one round each).
fn is_counter(x: VarId) -> bool {
    matches!(x.kind(), super::VarKind::Loop(_))
}

/// `None` or greater than `v`: a stored bound of `v` would add information.
fn none_or_gt(b: Option<i128>, v: i128) -> bool {
    b.is_none_or(|b| b > v)
}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.bottom {
            return f.write_str("bottom");
        }
        f.write_str("{")?;
        for (i, (a, b, c)) in self.constraints().enumerate() {
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
