//! [`Classes`]: the classes of variables a [`Zone`](super::Zone) knows equal up to a
//! constant, each a representative (its smallest variable) and members `x = rep + c`.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use super::super::var::VarId;
use super::chunks::Chunks;
use super::dbm::{from, Z};

/// Members and their representatives, shared between clones chunk by chunk.
#[derive(Clone, Default, PartialEq, Eq)]
pub(super) struct Classes {
    /// `x -> (rep, c)`: the member `x` equals `rep + c`.
    alias: Chunks<VarId, (VarId, i128)>,
    /// `(rep, x)` for every member `x` of `rep`'s class.
    members: Chunks<(VarId, VarId), ()>,
}

impl Classes {
    /// The classes of `alias` (member to representative and offset).
    pub(super) fn from_map(alias: BTreeMap<VarId, (VarId, i128)>) -> Classes {
        Classes {
            members: alias.iter().map(|(&x, &(r, _))| ((r, x), ())).collect(),
            alias: alias.into_iter().collect(),
        }
    }

    /// Number of members.
    pub(super) fn len(&self) -> usize {
        self.alias.len()
    }

    /// The representative of `x` and the offset of `x` from it (`x` itself and 0 for a
    /// representative).
    pub(super) fn find(&self, x: VarId) -> (VarId, i128) {
        self.alias.get(&x).copied().unwrap_or((x, 0))
    }

    /// Whether `x` is a member (not a representative).
    pub(super) fn is_member(&self, x: VarId) -> bool {
        self.alias.contains_key(&x)
    }

    /// Whether representative `r` has members.
    pub(super) fn has_members(&self, r: VarId) -> bool {
        self.members.range(&(r, Z), from(r)).next().is_some()
    }

    /// The members of representative `r`'s class with their offsets, in order.
    pub(super) fn members_of(&self, r: VarId) -> impl Iterator<Item = (VarId, i128)> + '_ {
        self.members
            .range(&(r, Z), from(r))
            .map(|(&(_, m), _)| (m, self.find(m).1))
    }

    /// The representatives with members, each once.
    pub(super) fn reps(&self) -> Vec<VarId> {
        let mut reps: Vec<VarId> = self.members.iter().map(|(&(r, _), _)| r).collect();
        reps.sort_unstable();
        reps.dedup();
        reps
    }

    /// Every member with its representative and offset.
    pub(super) fn iter(&self) -> impl Iterator<Item = (VarId, (VarId, i128))> + '_ {
        self.alias.iter().map(|(&x, &rc)| (x, rc))
    }

    /// Makes `x` (no member yet) a member of representative `r`: `x = r + c`.
    pub(super) fn link(&mut self, x: VarId, r: VarId, c: i128, work: &mut u64) {
        if let Some((old, _)) = self.alias.insert(x, (r, c), work) {
            self.members.remove(&(old, x), work);
        }
        self.members.insert((r, x), (), work);
    }

    /// Removes member `x` from its class; returns its representative and offset.
    pub(super) fn unlink(&mut self, x: VarId, work: &mut u64) -> Option<(VarId, i128)> {
        let (r, c) = self.alias.remove(&x, work)?;
        self.members.remove(&(r, x), work);
        Some((r, c))
    }

    /// Adds `c` to the offset of member `x`.
    pub(super) fn shift(&mut self, x: VarId, c: i128, work: &mut u64) {
        if let Some((_, cx)) = self.alias.get_mut(&x, work) {
            *cx += c;
        }
    }

    /// The members of `self` in the chunks it does not share with `other`.
    pub(super) fn iter_unshared<'s>(
        &'s self,
        other: &'s Classes,
    ) -> impl Iterator<Item = (VarId, (VarId, i128))> + 's {
        self.alias
            .iter_unshared(&other.alias)
            .map(|(&x, &rc)| (x, rc))
    }

    /// Whether `self` and `other` are the same maps (copies of each other).
    pub(super) fn shares(&self, other: &Classes) -> bool {
        self.alias.shares(&other.alias)
    }

    /// Makes `self` share the chunks of its maps equal to `old`'s.
    pub(super) fn share_with(&mut self, old: &Classes) {
        self.alias.share_with(&old.alias);
        self.members.share_with(&old.members);
    }
}
