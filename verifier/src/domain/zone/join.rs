//! The lattice operations of [`Zone`]: inclusion, join and widening, over the classes of
//! equal variables and the matrix of their representatives.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use super::classes::Classes;
use super::dbm::{Dbm, Z};
use super::{is_counter, Zone};
use crate::domain::var::VarId;
use crate::lattice::Lattice;

impl Lattice for Zone {
    fn bottom() -> Self {
        Zone::bottom_zone()
    }

    fn top() -> Self {
        Zone {
            bottom: false,
            dbm: Dbm::default(),
            classes: Classes::default(),
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
        if self.shares(other) {
            return true;
        }
        // A chunk `other` shares with `self` holds nothing `self` lacks.
        let edges = other
            .dbm
            .edges
            .iter_unshared(&self.dbm.edges)
            .all(|(&(a, b), &c)| self.bound(a, b).is_some_and(|d| d <= c));
        edges
            && other
                .classes
                .iter_unshared(&self.classes)
                .all(|(x, (r, c))| {
                    self.bound(r, x).is_some_and(|d| d <= c)
                        && self.bound(x, r).is_some_and(|d| d <= -c)
                })
    }

    fn join(&mut self, other: &Self) -> bool {
        self.join_metered(other, &mut 0)
    }

    fn widen(&mut self, newer: &Self) -> bool {
        self.widen_with(newer, &[])
    }
}

/// Units of work of one pair of variables a join or widening forms (see
/// [`Zone::take_work`]): its bounds are looked up on both sides and in the result.
const PAIR_WORK: u64 = 4;

/// How [`Zone::combine`] combines two zones.
#[derive(Clone, Copy)]
enum Mode<'t> {
    Join,
    /// Widening with these thresholds (sorted).
    Widen(&'t [i128]),
}

impl Zone {
    /// Whether `self` and `other` are the same maps (copies of one state).
    pub(crate) fn shares(&self, other: &Zone) -> bool {
        self.dbm.edges.shares(&other.dbm.edges) && self.classes.shares(&other.classes)
    }

    /// Widening that relaxes a growing one-variable bound to the next of `thresholds`
    /// (sorted) instead of dropping it (a loop counter's is dropped); difference bounds that
    /// grow are dropped, stable ones (stored or implied by the old bounds) are kept, and so
    /// are equalities that hold in both.
    pub fn widen_with(&mut self, newer: &Zone, thresholds: &[i128]) -> bool {
        self.widen_metered(newer, thresholds, &mut 0)
    }

    /// [`Zone::widen_with`], adding to `work` the constraints it examined.
    pub(crate) fn widen_metered(
        &mut self,
        newer: &Zone,
        thresholds: &[i128],
        work: &mut u64,
    ) -> bool {
        if newer.bottom {
            return false;
        }
        if self.bottom {
            *self = newer.clone();
            return true;
        }
        self.combine(newer, Mode::Widen(thresholds), work)
    }

    /// [`Lattice::join`], adding to `work` the constraints it examined.
    pub(crate) fn join_metered(&mut self, other: &Zone, work: &mut u64) -> bool {
        if other.bottom {
            return false;
        }
        if self.bottom {
            *self = other.clone();
            return true;
        }
        if self.shares(other) {
            return false;
        }
        self.combine(other, Mode::Join, work)
    }

    /// The variables of representative `p`'s class (`p` first) that `alias` does not make
    /// members, with their offsets from `p`.
    fn reps_in<'s>(
        &'s self,
        p: VarId,
        alias: &'s BTreeMap<VarId, (VarId, i128)>,
    ) -> impl Iterator<Item = (VarId, i128)> + 's {
        core::iter::once((p, 0))
            .chain(self.members_of(p))
            .filter(move |(x, _)| !alias.contains_key(x))
    }

    /// The classes of variables equal in both `self` and `other` (with the same offset), as
    /// members of the smallest: a refinement of `self`'s classes.
    fn common_classes(&self, other: &Zone) -> BTreeMap<VarId, (VarId, i128)> {
        let mut alias = BTreeMap::new();
        let mut groups: BTreeMap<(VarId, i128), (VarId, i128)> = BTreeMap::new();
        for r in self.classes.reps() {
            groups.clear();
            // The class in increasing order: each group's first variable represents it.
            for (v, av) in core::iter::once((r, 0)).chain(self.members_of(r)) {
                let (br, bv) = other.find(v);
                match groups.get(&(br, bv - av)) {
                    Some(&(g, ag)) => {
                        alias.insert(v, (g, av - ag));
                    }
                    None => {
                        groups.insert((br, bv - av), (v, av));
                    }
                }
            }
        }
        alias
    }

    /// The join or widening of `self` and `other` (neither bottom) into `self`; whether it
    /// changed. One-variable bounds of the representatives of the common classes first, then
    /// the differences between them that those bounds do not imply.
    fn combine(&mut self, other: &Zone, mode: Mode<'_>, work: &mut u64) -> bool {
        *work += (self.size() + other.size()) as u64;
        let alias = self.common_classes(other);
        // One-variable bounds: stored ones of self's representatives, for every variable of
        // their classes that represents a common class.
        let mut unary: BTreeMap<(VarId, VarId), i128> = BTreeMap::new();
        for (&(p, q), &v) in self.dbm.edges.iter() {
            if p != Z && q != Z {
                continue;
            }
            let r = if p == Z { q } else { p };
            for (x, cx) in self.reps_in(r, &alias) {
                let (key, mine) = if p == Z {
                    ((Z, x), v + cx)
                } else {
                    ((x, Z), v - cx)
                };
                let theirs = other.get(key.0, key.1);
                let kept = match (mode, theirs) {
                    (_, None) => None,
                    (Mode::Join, Some(o)) => Some(mine.max(o)),
                    (Mode::Widen(_), Some(o)) if o <= mine => Some(mine),
                    (Mode::Widen(_), Some(_)) if is_counter(x) => None,
                    (Mode::Widen(t), Some(o)) => t.iter().copied().find(|&t| t >= o),
                };
                if let Some(k) = kept {
                    unary.insert(key, k);
                }
            }
        }
        let result = &unary;
        let result_unary = |x: VarId| (result.get(&(x, Z)).copied(), result.get(&(Z, x)).copied());
        // Variables whose bounds moved (between the sides for a join, from self's for a
        // widening): an implied difference between two of them may be lost.
        let unary_of = |z: &Zone, x: VarId| (z.get(x, Z), z.get(Z, x));
        let mut bounded: Vec<VarId> = Vec::new();
        let sides: &[&Zone] = match mode {
            Mode::Join => &[&*self, other],
            Mode::Widen(_) => &[&*self],
        };
        for z in sides {
            for r in z.dbm.bounded_vars() {
                bounded.extend(z.reps_in(r, &alias).map(|(x, _)| x));
            }
        }
        bounded.sort_unstable();
        bounded.dedup();
        let changed: Vec<VarId> = bounded
            .into_iter()
            .filter(|&x| match mode {
                Mode::Join => unary_of(self, x) != unary_of(other, x),
                Mode::Widen(_) => unary_of(self, x) != result_unary(x),
            })
            .collect();
        let diffs = self.collect_diffs(other, &alias, result, &changed, mode, work);
        let mut edges = unary;
        edges.extend(diffs);
        let mut alias = alias;
        if let Mode::Join = mode {
            merge_equal(&mut edges, &mut alias);
        }
        let mut changed = false;
        let mut dbm = Dbm::from_edges(edges);
        if dbm != self.dbm {
            // Unchanged chunks stay shared with the states `self` was copied to.
            dbm.share_with(&self.dbm);
            self.dbm = dbm;
            changed = true;
        }
        let mut classes = Classes::from_map(alias);
        if classes != self.classes {
            classes.share_with(&self.classes);
            self.classes = classes;
            changed = true;
        }
        changed
    }

    /// Difference bounds between representatives of the common classes (`alias`) for the
    /// result, whose one-variable bounds are final: for every stored difference of either
    /// side, every pair of variables a side holds equal that the result does not, and every
    /// pair of `changed` (whose bounds moved, so implied differences may be lost), the two
    /// sides' bounds combined; kept when `result`'s bounds do not imply it. Adds the pairs it
    /// examined to `work`.
    ///
    /// A pair `(x, y)` (for `y - x`) that no side stores has a bound on a side only when that
    /// side bounds `x` below and `y` above, so only such pairs are formed: variables that one
    /// side leaves free cost nothing.
    fn collect_diffs(
        &self,
        other: &Zone,
        alias: &BTreeMap<VarId, (VarId, i128)>,
        result: &BTreeMap<(VarId, VarId), i128>,
        changed: &[VarId],
        mode: Mode<'_>,
        work: &mut u64,
    ) -> Vec<((VarId, VarId), i128)> {
        let lo = |z: &Zone, x: VarId| z.get(x, Z).is_some();
        let hi = |z: &Zone, x: VarId| z.get(Z, x).is_some();
        let mut keys: Vec<(VarId, VarId)> = Vec::new();
        for (z, o) in [(self, other), (other, self)] {
            for ((p, q), _) in z.dbm.diffs() {
                for (x, _) in z.reps_in(p, alias) {
                    keys.extend(z.reps_in(q, alias).map(|(y, _)| (x, y)));
                }
            }
            for r in z.classes.reps() {
                // Equal on this side, so the other side's bound decides: it needs its bounds.
                let reps: Vec<VarId> = z.reps_in(r, alias).map(|(x, _)| x).collect();
                let above: Vec<VarId> = reps.iter().copied().filter(|&y| hi(o, y)).collect();
                for x in reps.into_iter().filter(|&x| lo(o, x)) {
                    keys.extend(above.iter().filter(|&&y| y != x).map(|&y| (x, y)));
                }
            }
        }
        // An implied difference x - y can only be lost when the bounds of both x and y moved:
        // if y's bounds are the same on both sides, the combined bound of x - y is the one the
        // combined bounds of x and y imply.
        let above: Vec<VarId> = changed
            .iter()
            .copied()
            .filter(|&y| hi(self, y) && hi(other, y))
            .collect();
        for &x in changed.iter().filter(|&&x| lo(self, x) && lo(other, x)) {
            keys.extend(above.iter().filter(|&&y| y != x).map(|&y| (x, y)));
        }
        // Each pair costs a few lookups in each side and the result, and its sorting.
        *work += PAIR_WORK * keys.len() as u64;
        keys.sort_unstable();
        keys.dedup();
        // What each side and the result say of each variable, looked up once.
        let mut vars: Vec<VarId> = keys.iter().flat_map(|&(x, y)| [x, y]).collect();
        vars.sort_unstable();
        vars.dedup();
        let facts: Vec<[Facts; 3]> = vars
            .iter()
            .map(|&x| {
                let unary = |i, j| result.get(&(i, j)).copied();
                [self.facts(x), other.facts(x), Facts::of(unary, x, 0, false)]
            })
            .collect();
        let at = |x: VarId| &facts[vars.binary_search(&x).expect("a variable of a pair")];
        let mut out = Vec::new();
        for (x, y) in keys {
            let (fx, fy) = (at(x), at(y));
            let (Some(p), Some(q)) = (
                self.bound_of(&fx[0], &fy[0]),
                other.bound_of(&fx[1], &fy[1]),
            ) else {
                continue;
            };
            let v = match mode {
                Mode::Join => p.max(q),
                Mode::Widen(_) if q <= p => p,
                Mode::Widen(_) => continue,
            };
            if bound_of(None, &fx[2], &fy[2]).is_none_or(|b| b > v) {
                out.push(((x, y), v));
            }
        }
        out
    }

    /// What `self` says of `x` (see [`Facts`]).
    fn facts(&self, x: VarId) -> Facts {
        let (r, c) = self.find(x);
        let diffs = self.dbm.has_diffs_from(r);
        Facts::of(|i, j| self.dbm.get(i, j), r, c, diffs)
    }

    /// [`Zone::bound`] of `y - x` from the [`Facts`] of `x` and `y` (neither 0).
    fn bound_of(&self, fx: &Facts, fy: &Facts) -> Option<i128> {
        let stored = if fx.diffs && fx.rep != fy.rep {
            self.dbm.get(fx.rep, fy.rep)
        } else {
            None
        };
        bound_of(stored, fx, fy)
    }
}

/// What a zone says of one variable `x` (not 0), for the many pairs a join forms: its
/// representative, its offset from it, its stored bounds and whether the representative has
/// stored differences.
#[derive(Clone, Copy)]
struct Facts {
    rep: VarId,
    off: i128,
    /// The bound on `-x` (edge `(x, 0)`).
    lo: Option<i128>,
    /// The bound on `x` (edge `(0, x)`).
    hi: Option<i128>,
    diffs: bool,
}

impl Facts {
    /// The facts of a variable equal to `r + c`, `r` a representative whose stored edges
    /// `get` gives (`diffs`: whether it has differences).
    fn of(get: impl Fn(VarId, VarId) -> Option<i128>, r: VarId, c: i128, diffs: bool) -> Facts {
        Facts {
            rep: r,
            off: c,
            lo: get(r, Z).map(|d| d - c),
            hi: get(Z, r).map(|d| d + c),
            diffs,
        }
    }
}

/// The tightest bound on `y - x` from their [`Facts`]: `stored`, the stored difference of
/// their representatives, or the one their bounds imply.
fn bound_of(stored: Option<i128>, fx: &Facts, fy: &Facts) -> Option<i128> {
    if fx.rep == fy.rep {
        return Some(fy.off - fx.off);
    }
    let stored = stored.map(|d| d + fy.off - fx.off);
    let via = match (fx.lo, fy.hi) {
        (Some(a), Some(b)) => Some(a + b),
        _ => None,
    };
    match (stored, via) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Merges the representatives that a join result `edges` (closed) holds equal up to a
/// constant, both ways stored (variables with different constants on each side that keep
/// their distance, say), into classes of `alias`: the larger becomes a member of the smaller,
/// with its members, and its edges go (the closed matrix gives its representative's as tight).
fn merge_equal(
    edges: &mut BTreeMap<(VarId, VarId), i128>,
    alias: &mut BTreeMap<VarId, (VarId, i128)>,
) {
    // For each variable, the smallest one it equals: its representative (closure puts every
    // pair of a class in the matrix, so the smallest is found directly).
    let mut rep: BTreeMap<VarId, (VarId, i128)> = BTreeMap::new();
    for (&(x, y), &v) in edges.iter() {
        if x == Z || y == Z || x > y || edges.get(&(y, x)) != Some(&-v) {
            continue;
        }
        // y = x + v, x < y.
        let e = rep.entry(y).or_insert((x, v));
        if x < e.0 {
            *e = (x, v);
        }
    }
    if rep.is_empty() {
        return;
    }
    edges.retain(|&(a, b), _| !rep.contains_key(&a) && !rep.contains_key(&b));
    for (r, c) in alias.values_mut() {
        if let Some(&(rr, d)) = rep.get(r) {
            // m = r + c = rr + d + c.
            *r = rr;
            *c += d;
        }
    }
    alias.extend(rep);
}
