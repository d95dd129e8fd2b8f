//! The [`Lattice`] trait every abstract domain implements.

/// An abstract domain ordered by precision (`bottom` = no concrete state, `top` = any state).
///
/// Laws checked by property tests for every implementation: `leq` is a partial order with
/// `bottom` least and `top` greatest; after `a.join(b)`, the old `a` and `b` are both `leq` the
/// new `a`; `widen` over-approximates `join` and stabilises any increasing chain.
pub trait Lattice: Clone + Eq + core::fmt::Debug {
    /// The empty set of concrete states.
    fn bottom() -> Self;
    /// Every concrete state.
    fn top() -> Self;
    /// Whether this is the empty set.
    fn is_bottom(&self) -> bool;
    /// Order: `self` describes no more concrete states than `other`.
    fn leq(&self, other: &Self) -> bool;
    /// Least upper bound, in place; returns whether `self` changed.
    fn join(&mut self, other: &Self) -> bool;
    /// An upper bound of `self` and `newer` that ensures termination of increasing chains;
    /// returns whether `self` changed.
    fn widen(&mut self, newer: &Self) -> bool;
}
