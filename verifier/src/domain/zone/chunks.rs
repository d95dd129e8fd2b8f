//! [`Chunks`]: an ordered map split by key into chunks that clones share, so that changing a
//! copy copies the chunk it changes, not the whole map.
//!
//! The analysis keeps a state per instruction, most a copy of the one before with a few
//! constraints changed; a matrix of a few hundred edges copied whole at each such change was
//! most of the analysis' time in allocating, copying and freeing.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use core::ops::RangeBounds;

use super::super::var::VarId;

/// Chunks of a map.
const CHUNKS: usize = 16;

/// Which chunk a key belongs to. Keys that a range query returns together must share one.
pub(super) trait Chunked {
    fn chunk(&self) -> usize;
}

impl Chunked for VarId {
    fn chunk(&self) -> usize {
        (self.index().wrapping_mul(0x9E37_79B9) >> 28) as usize % CHUNKS
    }
}

/// An edge `(a, b)` goes with `a`, and a bound `(0, b)` with `b`, so that every edge out of a
/// variable and both its bounds are in one chunk.
impl Chunked for (VarId, VarId) {
    fn chunk(&self) -> usize {
        if self.0 == VarId::ZERO {
            self.1.chunk()
        } else {
            self.0.chunk()
        }
    }
}

type Chunk<K, V> = Option<Arc<BTreeMap<K, V>>>;

/// An ordered map in [`CHUNKS`] chunks by [`Chunked::chunk`]; iteration goes chunk by chunk.
#[derive(Clone)]
pub(super) struct Chunks<K, V> {
    /// `None` when empty (no allocation).
    chunks: Option<Arc<[Chunk<K, V>; CHUNKS]>>,
    len: usize,
}

impl<K, V> Default for Chunks<K, V> {
    fn default() -> Self {
        Chunks {
            chunks: None,
            len: 0,
        }
    }
}

impl<K: Ord + Clone + Chunked, V: Clone + PartialEq> Chunks<K, V> {
    /// Number of entries.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    pub(super) fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn chunk(&self, c: usize) -> Option<&BTreeMap<K, V>> {
        self.chunks.as_ref()?[c].as_deref()
    }

    pub(super) fn get(&self, k: &K) -> Option<&V> {
        self.chunk(k.chunk())?.get(k)
    }

    pub(super) fn contains_key(&self, k: &K) -> bool {
        self.get(k).is_some()
    }

    /// The entries in `range`, which must all be in the chunk of `at`.
    pub(super) fn range<'s, R: RangeBounds<K> + 's>(
        &'s self,
        at: &K,
        range: R,
    ) -> impl Iterator<Item = (&'s K, &'s V)> + 's {
        self.chunk(at.chunk())
            .into_iter()
            .flat_map(move |m| m.range((range.start_bound(), range.end_bound())))
    }

    /// Every entry, chunk by chunk (in key order within a chunk).
    pub(super) fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.chunks
            .iter()
            .flat_map(|c| c.iter().flatten().flat_map(|m| m.iter()))
    }

    /// The chunk `c`, to change: copied first when a clone shares it (its entries and the
    /// chunk table added to `work`).
    fn chunk_mut(&mut self, c: usize, work: &mut u64) -> &mut BTreeMap<K, V> {
        let table = self.chunks.get_or_insert_with(Default::default);
        if Arc::strong_count(table) > 1 {
            *work += CHUNKS as u64;
        }
        let slot = &mut Arc::make_mut(table)[c];
        let chunk = slot.get_or_insert_with(Default::default);
        if Arc::strong_count(chunk) > 1 {
            *work += chunk.len() as u64;
        }
        Arc::make_mut(chunk)
    }

    pub(super) fn insert(&mut self, k: K, v: V, work: &mut u64) -> Option<V> {
        let old = self.chunk_mut(k.chunk(), work).insert(k, v);
        if old.is_none() {
            self.len += 1;
        }
        old
    }

    pub(super) fn remove(&mut self, k: &K, work: &mut u64) -> Option<V> {
        if !self.contains_key(k) {
            return None;
        }
        let old = self.chunk_mut(k.chunk(), work).remove(k);
        if old.is_some() {
            self.len -= 1;
        }
        old
    }

    pub(super) fn get_mut(&mut self, k: &K, work: &mut u64) -> Option<&mut V> {
        if !self.contains_key(k) {
            return None;
        }
        self.chunk_mut(k.chunk(), work).get_mut(k)
    }

    /// The values in `range`, all in the chunk of `at`, to change.
    pub(super) fn range_mut<R: RangeBounds<K>>(
        &mut self,
        at: &K,
        range: R,
        work: &mut u64,
    ) -> impl Iterator<Item = (&K, &mut V)> {
        self.chunk_mut(at.chunk(), work).range_mut(range)
    }

    /// The entries of `self` in the chunks it does not share with `other`.
    pub(super) fn iter_unshared<'s>(
        &'s self,
        other: &'s Self,
    ) -> impl Iterator<Item = (&'s K, &'s V)> + 's {
        let shared = |c: usize| match (self.chunk(c), other.chunk(c)) {
            (Some(a), Some(b)) => core::ptr::eq(a, b),
            (a, _) => a.is_none(),
        };
        let all = self.shares(other);
        (0..CHUNKS)
            .filter(move |&c| !all && !shared(c))
            .flat_map(move |c| self.chunk(c).into_iter().flat_map(|m| m.iter()))
    }

    /// Whether `self` and `other` are one map (copies of each other, unchanged).
    pub(super) fn shares(&self, other: &Self) -> bool {
        match (&self.chunks, &other.chunks) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// Makes `self` share the chunks it has equal to `old`'s (all of them: `old`'s table).
    pub(super) fn share_with(&mut self, old: &Self) {
        let (Some(mine), Some(theirs)) = (&mut self.chunks, &old.chunks) else {
            return;
        };
        let mut all = true;
        let table = Arc::make_mut(mine);
        for (a, b) in table.iter_mut().zip(theirs.iter()) {
            match (a.as_ref(), b) {
                (Some(x), Some(y)) if Arc::ptr_eq(x, y) || x == y => *a = Some(Arc::clone(y)),
                (None, None) => {}
                (Some(x), None) if x.is_empty() => *a = None,
                _ => all = false,
            }
        }
        if all {
            self.chunks = old.chunks.clone();
        }
    }
}

impl<K: Ord + Clone + Chunked, V: Clone + PartialEq> FromIterator<(K, V)> for Chunks<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut parts: [BTreeMap<K, V>; CHUNKS] = Default::default();
        for (k, v) in iter {
            parts[k.chunk()].insert(k, v);
        }
        let len = parts.iter().map(BTreeMap::len).sum();
        if len == 0 {
            return Chunks::default();
        }
        let table = parts.map(|m| (!m.is_empty()).then(|| Arc::new(m)));
        Chunks {
            chunks: Some(Arc::new(table)),
            len,
        }
    }
}

impl<K: Ord + Clone + Chunked, V: Clone + PartialEq> PartialEq for Chunks<K, V> {
    fn eq(&self, other: &Self) -> bool {
        if self.len != other.len {
            return false;
        }
        if self.shares(other) {
            return true;
        }
        (0..CHUNKS).all(|c| match (self.chunk(c), other.chunk(c)) {
            (Some(a), Some(b)) => core::ptr::eq(a, b) || a == b,
            (a, b) => a.is_none_or(BTreeMap::is_empty) && b.is_none_or(BTreeMap::is_empty),
        })
    }
}

impl<K: Ord + Clone + Chunked, V: Clone + PartialEq> Eq for Chunks<K, V> {}

impl<K: Ord + Clone + Chunked + core::fmt::Debug, V: Clone + PartialEq + core::fmt::Debug>
    core::fmt::Debug for Chunks<K, V>
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut entries: alloc::vec::Vec<_> = self.iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        f.debug_map().entries(entries).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(a: u8, b: u8) -> (VarId, VarId) {
        let v = |r: u8| if r == 0 { VarId::ZERO } else { VarId::reg(r) };
        (v(a), v(b))
    }

    #[test]
    fn a_changed_copy_copies_one_chunk() {
        let mut m: Chunks<(VarId, VarId), i128> = (1..=10u8)
            .flat_map(|a| {
                (0..=10u8)
                    .filter(move |&b| b != a)
                    .map(move |b| (key(a, b), 1))
            })
            .collect();
        assert_eq!(m.len(), 100);
        let copy = m.clone();
        let mut work = 0;
        m.insert(key(3, 4), 7, &mut work);
        assert!(work < 100, "one chunk and the table: {work}");
        assert_eq!(m.get(&key(3, 4)), Some(&7));
        assert_eq!(copy.get(&key(3, 4)), Some(&1));
        assert_ne!(m, copy);
        m.insert(key(3, 4), 1, &mut work);
        assert_eq!(m, copy);
        // Every edge out of r3 is in r3's chunk, and so is its upper bound.
        let out: alloc::vec::Vec<_> = m
            .range(&key(3, 0), key(3, 0)..=key(3, 10))
            .map(|(k, _)| k.1)
            .collect();
        assert_eq!(out.len(), 10);
        assert_eq!(key(0, 3).chunk(), key(3, 5).chunk());
    }

    #[test]
    fn equal_chunks_are_shared_again() {
        let a: Chunks<(VarId, VarId), i128> = (1..=10u8).map(|r| (key(0, r), 5)).collect();
        let mut b: Chunks<(VarId, VarId), i128> = a.iter().map(|(&k, &v)| (k, v)).collect();
        assert!(!b.shares(&a));
        b.share_with(&a);
        assert!(b.shares(&a));
        let mut work = 0;
        b.remove(&key(0, 1), &mut work);
        b.remove(&key(0, 1), &mut work);
        assert_eq!(b.len(), 9);
        assert!(b.get(&key(0, 1)).is_none());
        assert_eq!(a.len(), 10);
    }
}
