//! [`Dbm`]: the difference-bound matrix of a [`Zone`](super::Zone) over its representative
//! variables, kept closed in the split form.
//!
//! An edge `(i, j) -> c` means `v_j - v_i <= c`; bounds of one variable are edges to and from
//! [`VarId::ZERO`]. A missing edge means no bound. One-variable bounds and differences derived
//! through other differences are explicit, but a difference that only follows from the two
//! variables' bounds (`x - y <= ub(x) - lb(y)`) is not stored; [`Dbm::bound`] adds it on
//! demand. This keeps the matrix as sparse as the program's real relations.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use super::super::var::VarId;
use super::chunks::Chunks;

pub(super) const Z: VarId = VarId::ZERO;
const MAXV: VarId = VarId::MAX;

/// The key range `(x, *)`.
pub(super) fn from(x: VarId) -> core::ops::RangeInclusive<(VarId, VarId)> {
    (x, Z)..=(x, MAXV)
}

/// Edges of one variable: the other end and the bound.
pub(super) type Bounds = Vec<(VarId, i128)>;

/// A closed (split form) set of constraints `v_j - v_i <= c`. The maps are shared between
/// clones chunk by chunk until one of them changes (see [`Chunks`]).
#[derive(Clone, Default)]
pub(super) struct Dbm {
    pub(super) edges: Chunks<(VarId, VarId), i128>,
    /// `(j, i)` for every stored difference `(i, j)` between two variables (not
    /// [`VarId::ZERO`]): the predecessors of `j` without a scan.
    rdiff: Chunks<(VarId, VarId), ()>,
    /// Entries copied (maps shared with a clone) and pairs of the closure examined since the
    /// last [`Dbm::take_work`]: the cost of the changes, for the analysis' work limit. Not part
    /// of the value.
    pub(super) work: u64,
}

impl PartialEq for Dbm {
    fn eq(&self, other: &Dbm) -> bool {
        self.edges == other.edges
    }
}

impl Eq for Dbm {}

impl Dbm {
    /// A matrix of `edges` (closed), indexed.
    pub(super) fn from_edges(edges: BTreeMap<(VarId, VarId), i128>) -> Dbm {
        let rdiff = edges
            .keys()
            .filter(|&&(a, b)| a != Z && b != Z)
            .map(|&(a, b)| ((b, a), ()))
            .collect();
        Dbm {
            edges: edges.into_iter().collect(),
            rdiff,
            work: 0,
        }
    }

    /// Makes `self` share the chunks of its maps equal to `old`'s.
    pub(super) fn share_with(&mut self, old: &Dbm) {
        self.edges.share_with(&old.edges);
        self.rdiff.share_with(&old.rdiff);
    }

    /// The work counted since the last call (see [`Dbm::work`]), and counting from 0.
    pub(super) fn take_work(&mut self) -> u64 {
        core::mem::take(&mut self.work)
    }

    /// Number of stored edges.
    pub(super) fn len(&self) -> usize {
        self.edges.len()
    }

    /// The stored bound on `v_j - v_i`, if any.
    pub(super) fn get(&self, i: VarId, j: VarId) -> Option<i128> {
        if i == j {
            return Some(0);
        }
        self.edges.get(&(i, j)).copied()
    }

    /// The tightest bound on `v_j - v_i`: the stored edge or the one the bounds imply.
    pub(super) fn bound(&self, i: VarId, j: VarId) -> Option<i128> {
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

    /// Whether `x` has a stored difference to another variable.
    pub(super) fn has_diffs_from(&self, x: VarId) -> bool {
        self.edges
            .range(&(x, Z), from(x))
            .any(|(&(_, l), _)| l != Z)
    }

    /// Adds `v_j - v_i <= c` and restores (split) closure; `false` when the constraints
    /// become unsatisfiable (the matrix is then left as it was or partly updated: the caller
    /// makes the zone bottom).
    pub(super) fn add_edge(&mut self, i: VarId, j: VarId, c: i128) -> bool {
        if i == j {
            return c >= 0;
        }
        if self.bound(i, j).is_some_and(|d| d <= c) {
            return true;
        }
        if self.bound(j, i).is_some_and(|d| d + c < 0) {
            return false;
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
            for (&(_, k), _) in self.rdiff.range(&(i, Z), from(i)) {
                preds.push((k, self.edges.get(&(k, i)).copied().unwrap_or(0)));
            }
        }
        if j != Z {
            for (&(_, l), &d) in self.edges.range(&(j, Z), from(j)) {
                succs.push((l, d));
            }
        }
        // A new bound of one variable derives bounds of others, not differences that the
        // bounds already imply.
        let unary = i == Z || j == Z;
        self.work += (preds.len() * succs.len()) as u64;
        for &(k, dk) in &preds {
            for &(l, dl) in &succs {
                let v = dk + c + dl;
                if k == l {
                    if v < 0 {
                        return false;
                    }
                    continue;
                }
                if unary && k != Z && l != Z {
                    continue;
                }
                self.tighten(k, l, v);
            }
        }
        true
    }

    /// Stores `v_l - v_k <= v` unless a tighter edge is stored (no closure).
    fn tighten(&mut self, k: VarId, l: VarId, v: i128) {
        match self.edges.get(&(k, l)) {
            Some(&d) if d <= v => {}
            Some(_) => {
                self.edges.insert((k, l), v, &mut self.work);
            }
            None => {
                self.edges.insert((k, l), v, &mut self.work);
                if k != Z && l != Z {
                    self.rdiff.insert((l, k), (), &mut self.work);
                }
            }
        }
    }

    /// Removes every edge of `x` and returns the ones out of it and into it.
    pub(super) fn take(&mut self, x: VarId) -> (Bounds, Bounds) {
        if x == Z {
            return (Vec::new(), Vec::new());
        }
        let outs: Bounds = self
            .edges
            .range(&(x, Z), from(x))
            .map(|(&(_, l), &d)| (l, d))
            .collect();
        let mut ins: Bounds = self
            .rdiff
            .range(&(x, Z), from(x))
            .map(|(&(_, k), _)| (k, self.edges.get(&(k, x)).copied().unwrap_or(0)))
            .collect();
        if let Some(&d) = self.edges.get(&(Z, x)) {
            ins.push((Z, d));
        }
        let w = &mut self.work;
        for &(l, _) in &outs {
            self.edges.remove(&(x, l), w);
            if l != Z {
                self.rdiff.remove(&(l, x), w);
            }
        }
        for &(k, _) in &ins {
            self.edges.remove(&(k, x), w);
            if k != Z {
                self.rdiff.remove(&(x, k), w);
            }
        }
        (outs, ins)
    }

    /// Removes every constraint on `x`.
    pub(super) fn forget(&mut self, x: VarId) {
        self.take(x);
    }

    /// Moves the constraints of `x` to `m`, which has none, where `v_m = v_x + off`.
    pub(super) fn rename(&mut self, x: VarId, m: VarId, off: i128) {
        let (outs, ins) = self.take(x);
        for (l, d) in outs {
            self.tighten(m, l, d - off);
        }
        for (k, d) in ins {
            self.tighten(k, m, d + off);
        }
    }

    /// The stored edges into `x`, as their source variables (0 included).
    fn sources(&self, x: VarId) -> Vec<VarId> {
        let mut v: Vec<VarId> = self
            .rdiff
            .range(&(x, Z), from(x))
            .map(|(&(_, k), _)| k)
            .collect();
        if self.edges.contains_key(&(Z, x)) {
            v.push(Z);
        }
        v
    }

    /// `x := x + c`.
    pub(super) fn shift(&mut self, x: VarId, c: i128) {
        if self.edges.range(&(x, Z), from(x)).next().is_some() {
            for (_, d) in self.edges.range_mut(&(x, Z), from(x), &mut self.work) {
                *d -= c;
            }
        }
        self.relax_upper(x, c);
    }

    /// Adds `c` to every upper bound of `x` (edges into `x`).
    pub(super) fn relax_upper(&mut self, x: VarId, c: i128) {
        for k in self.sources(x) {
            if let Some(d) = self.edges.get_mut(&(k, x), &mut self.work) {
                *d += c;
            }
        }
    }

    /// The stored differences between two variables.
    pub(super) fn diffs(&self) -> impl Iterator<Item = ((VarId, VarId), i128)> + '_ {
        self.edges
            .iter()
            .filter(|(&(a, b), _)| a != Z && b != Z)
            .map(|(&k, &c)| (k, c))
    }

    /// The variables with a stored one-variable bound.
    pub(super) fn bounded_vars(&self) -> impl Iterator<Item = VarId> + '_ {
        self.edges
            .iter()
            .filter_map(|(&(a, b), _)| match (a == Z, b == Z) {
                (true, false) => Some(b),
                (false, true) => Some(a),
                _ => None,
            })
    }
}
