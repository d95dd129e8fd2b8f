//! [`Table`]: the RCU hash table under the hash, LRU, LPM and hash-of-maps maps.
//!
//! Buckets are immutable [`Chain`]s of shared [`Entry`]s behind [`RcuSlots`]: a reader loads a
//! bucket's chain and scans it with no lock and no write. A writer builds the new entry before
//! taking the bucket's lock, then under the lock builds a new chain (sharing the unchanged
//! entries), publishes it, and retires the old chain through the epoch. An entry's memory (and
//! so a value pointer a program holds) lives until the last chain that holds it is freed, which
//! is after every reader that could have seen it has exited. This is eBPF for Windows' scheme
//! (`ebpf_hash_table.c`: immutable buckets rebuilt under a per-bucket lock, old memory freed
//! through the epoch).
//!
//! Allocations: an update makes one entry (its key and a value of up to
//! [`INLINE_WORDS`] words kept inside it) and one chain (its entry kept inside it when it is
//! the bucket's only one), where a separate key, value and entry list would take five blocks.
//!
//! The hash is a keyed multiply-fold hash with a per-table random seed. The bucket count is
//! `max_entries` rounded up to a power of two, at most 2^20.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ops::Deref;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use super::def::update;
use crate::epoch::{Epoch, Guard};
use crate::error::Failure;
use crate::sys::lock::SpinLock;
use crate::sys::rcu::RcuSlots;

/// The most buckets a table gets.
const MAX_BUCKETS: usize = 1 << 20;

/// Key bytes kept inside their entry.
const INLINE_KEY: usize = 16;
/// Value words kept inside their entry.
pub(crate) const INLINE_WORDS: usize = 2;

/// An entry's key: inside the entry up to [`INLINE_KEY`] bytes, else in a block of its own.
#[derive(Debug)]
pub(crate) enum Key {
    Inline { len: u8, bytes: [u8; INLINE_KEY] },
    Heap(Box<[u8]>),
}

impl Key {
    fn new(key: &[u8]) -> Key {
        if key.len() <= INLINE_KEY {
            let mut bytes = [0u8; INLINE_KEY];
            bytes[..key.len()].copy_from_slice(key);
            Key::Inline {
                len: key.len() as u8,
                bytes,
            }
        } else {
            Key::Heap(key.into())
        }
    }
}

impl Deref for Key {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        match self {
            Key::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Key::Heap(b) => b,
        }
    }
}

/// An entry's value words: inside the entry up to [`INLINE_WORDS`] words, else in a block of
/// their own. Either way they do not move while the entry lives (an entry is never moved out
/// of its `Arc`), so a value pointer stays valid as long as the entry.
#[derive(Debug)]
pub(crate) enum Words {
    Inline {
        len: u8,
        words: [AtomicU64; INLINE_WORDS],
    },
    Heap(Box<[AtomicU64]>),
}

impl Words {
    /// `n` zeroed words, or `NoMemory`.
    pub(crate) fn zeroed(n: usize) -> Result<Words, Failure> {
        if n <= INLINE_WORDS {
            return Ok(Words::Inline {
                len: n as u8,
                words: [const { AtomicU64::new(0) }; INLINE_WORDS],
            });
        }
        super::values::zeroed_words(n).map(Words::Heap)
    }
}

impl Deref for Words {
    type Target = [AtomicU64];
    #[inline]
    fn deref(&self) -> &[AtomicU64] {
        match self {
            Words::Inline { len, words } => &words[..usize::from(*len)],
            Words::Heap(b) => b,
        }
    }
}

/// One key and its value words. Immutable once published, except the value words (which
/// programs write) and the LRU bookkeeping.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) key: Key,
    pub(crate) value: Words,
    /// LRU: the clock value of the last use.
    pub(crate) stamp: AtomicU64,
    /// LRU: the stamp this entry is filed under in the eviction index (written under its lock).
    pub(crate) indexed: AtomicU64,
}

impl Entry {
    pub(crate) fn new(key: &[u8], value: Words, stamp: u64) -> Arc<Entry> {
        Arc::new(Entry {
            key: Key::new(key),
            value,
            stamp: AtomicU64::new(stamp),
            indexed: AtomicU64::new(stamp),
        })
    }
}

/// A bucket's entries; one or two without a list block of their own.
#[derive(Debug)]
pub(crate) enum Chain {
    One([Arc<Entry>; 1]),
    Two([Arc<Entry>; 2]),
    Many(Vec<Arc<Entry>>),
}

impl Chain {
    #[inline]
    fn entries(&self) -> &[Arc<Entry>] {
        match self {
            Chain::One(e) => e,
            Chain::Two(e) => e,
            Chain::Many(v) => v,
        }
    }

    /// The chain of the `len` entries of `entries` (`None` for none).
    fn of(
        len: usize,
        mut entries: impl Iterator<Item = Arc<Entry>>,
    ) -> Result<Option<Chain>, InsertError> {
        let mut next = || entries.next().ok_or(InsertError::NoMemory);
        Ok(Some(match len {
            0 => return Ok(None),
            1 => Chain::One([next()?]),
            2 => Chain::Two([next()?, next()?]),
            _ => {
                let mut v = Vec::new();
                v.try_reserve_exact(len)
                    .map_err(|_| InsertError::NoMemory)?;
                v.extend(entries);
                Chain::Many(v)
            }
        }))
    }
}

/// A concurrent hash table of [`Entry`]s.
#[derive(Debug)]
pub(crate) struct Table {
    seed: u64,
    mask: usize,
    heads: RcuSlots<Chain>,
    locks: Box<[SpinLock<()>]>,
    count: AtomicUsize,
    max_entries: u32,
}

/// What stopped an insertion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum InsertError {
    /// `BPF_NOEXIST` and the key exists.
    Exists,
    /// `BPF_EXIST` and the key is missing.
    Missing,
    /// The table holds `max_entries` entries.
    Full,
    /// Memory could not be allocated.
    NoMemory,
}

impl InsertError {
    /// The failure for this error; `full_errno` is the Linux code of a full map.
    pub(crate) fn failure(self, max_entries: u32, full_errno: i32) -> Failure {
        match self {
            InsertError::Exists => Failure::already_exists(),
            InsertError::Missing => Failure::key_not_found(),
            InsertError::Full => Failure::full(max_entries, full_errno),
            InsertError::NoMemory => Failure::no_memory(),
        }
    }
}

/// Multiplies and folds the 128-bit product.
fn fold(a: u64, b: u64) -> u64 {
    let m = u128::from(a) * u128::from(b);
    (m as u64) ^ ((m >> 64) as u64)
}

/// `bytes` (at most 8) as a little-endian word, zero-padded.
#[inline]
fn le_word(bytes: &[u8]) -> u64 {
    match *bytes {
        [a, b, c, d, e, f, g, h] => u64::from_le_bytes([a, b, c, d, e, f, g, h]),
        [a, b, c, d] => u64::from(u32::from_le_bytes([a, b, c, d])),
        _ => bytes.iter().rev().fold(0, |w, &b| (w << 8) | u64::from(b)),
    }
}

/// The keyed hash of `key`: each 8-byte chunk (the last zero-padded) as a little-endian word,
/// folded in turn.
#[inline]
pub(crate) fn hash(seed: u64, key: &[u8]) -> u64 {
    const K0: u64 = 0x9e37_79b9_7f4a_7c15;
    const K1: u64 = 0x2d35_8dcc_aa6c_78a5;
    let mut h = seed ^ (key.len() as u64).wrapping_mul(K0);
    for chunk in key.chunks(8) {
        h = fold(h ^ le_word(chunk), K1);
    }
    fold(h, K0)
}

/// Whether two keys are equal; the common 4- and 8-byte keys without a call to `memcmp`.
#[inline]
fn same_key(a: &[u8], b: &[u8]) -> bool {
    match (a, b) {
        (&[a0, a1, a2, a3], &[b0, b1, b2, b3]) => {
            u32::from_ne_bytes([a0, a1, a2, a3]) == u32::from_ne_bytes([b0, b1, b2, b3])
        }
        (&[a0, a1, a2, a3, a4, a5, a6, a7], &[b0, b1, b2, b3, b4, b5, b6, b7]) => {
            u64::from_ne_bytes([a0, a1, a2, a3, a4, a5, a6, a7])
                == u64::from_ne_bytes([b0, b1, b2, b3, b4, b5, b6, b7])
        }
        _ => a == b,
    }
}

impl Table {
    /// A table for up to `max_entries` entries (the bucket-count hint) protected by `epoch`.
    pub(crate) fn new(epoch: Arc<Epoch>, max_entries: u32, seed: u64) -> Result<Self, Failure> {
        let buckets = (max_entries as usize)
            .max(1)
            .checked_next_power_of_two()
            .unwrap_or(MAX_BUCKETS)
            .min(MAX_BUCKETS);
        let heads = RcuSlots::new(epoch, buckets).ok_or_else(Failure::no_memory)?;
        let mut locks = Vec::new();
        locks
            .try_reserve_exact(buckets)
            .map_err(|_| Failure::no_memory())?;
        locks.extend((0..buckets).map(|_| SpinLock::new(())));
        Ok(Table {
            seed,
            mask: buckets - 1,
            heads,
            locks: locks.into_boxed_slice(),
            count: AtomicUsize::new(0),
            max_entries,
        })
    }

    /// The number of entries.
    pub(crate) fn len(&self) -> usize {
        self.count.load(Ordering::Relaxed)
    }

    fn bucket(&self, key: &[u8]) -> usize {
        (hash(self.seed, key) as usize) & self.mask
    }

    /// The entry for `key`; lock-free.
    pub(crate) fn get<'g>(&'g self, key: &[u8], guard: &'g Guard<'_>) -> Option<&'g Arc<Entry>> {
        let chain = self.heads.load(self.bucket(key), guard)?;
        chain.entries().iter().find(|e| same_key(&e.key, key))
    }

    /// Inserts or replaces `entry` as `flags` (`BPF_ANY`, `BPF_NOEXIST`, `BPF_EXIST`, already
    /// checked) allow. With `limit`, a new key beyond `max_entries` fails with `Full`. Returns
    /// the replaced entry, still readable while `guard` lives.
    pub(crate) fn insert<'g>(
        &'g self,
        entry: Arc<Entry>,
        flags: u64,
        limit: bool,
        guard: &'g Guard<'_>,
    ) -> Result<Option<&'g Arc<Entry>>, InsertError> {
        let b = self.bucket(&entry.key);
        let _lock = self.locks[b].lock();
        let chain = self.heads.load(b, guard);
        let old = chain.map_or(&[][..], Chain::entries);
        let pos = old.iter().position(|e| same_key(&e.key, &entry.key));
        match (pos, flags) {
            (Some(_), update::NOEXIST) => return Err(InsertError::Exists),
            (None, update::EXIST) => return Err(InsertError::Missing),
            _ => {}
        }
        if pos.is_none() {
            let before = self.count.fetch_add(1, Ordering::Relaxed);
            if limit && before >= self.max_entries as usize {
                self.count.fetch_sub(1, Ordering::Relaxed);
                return Err(InsertError::Full);
            }
        }
        let len = old.len() + usize::from(pos.is_none());
        // The old entries (sharing them), `entry` in place of the replaced one or after them.
        let mut entry = Some(entry);
        let entries = (0..len).filter_map(|i| match pos {
            Some(p) if p == i => entry.take(),
            None if i == old.len() => entry.take(),
            _ => old.get(i).cloned(),
        });
        let chain = match Chain::of(len, entries) {
            Ok(Some(chain)) => chain,
            Ok(None) | Err(_) => {
                if pos.is_none() {
                    self.count.fetch_sub(1, Ordering::Relaxed);
                }
                return Err(InsertError::NoMemory);
            }
        };
        let previous = self.heads.replace(b, Some(Box::new(chain)), guard);
        Ok(pos.and_then(|p| previous.map(|c| &c.entries()[p])))
    }

    /// Removes the entry for `key` (or, with `only`, that exact entry); returns it, still
    /// readable while `guard` lives.
    pub(crate) fn remove<'g>(
        &'g self,
        key: &[u8],
        only: Option<&Arc<Entry>>,
        guard: &'g Guard<'_>,
    ) -> Option<&'g Arc<Entry>> {
        let b = self.bucket(key);
        let _lock = self.locks[b].lock();
        let old = self.heads.load(b, guard)?.entries();
        let pos = old.iter().position(|e| match only {
            Some(only) => Arc::ptr_eq(e, only),
            None => same_key(&e.key, key),
        })?;
        let rest = old
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != pos)
            .map(|(_, e)| e.clone());
        // Without memory for the shorter list the entry stays (a removal cannot report it).
        let new = Chain::of(old.len() - 1, rest).ok()?.map(Box::new);
        let previous = self.heads.replace(b, new, guard)?;
        self.count.fetch_sub(1, Ordering::Relaxed);
        Some(&previous.entries()[pos])
    }

    /// The entry after `key` in iteration order (bucket by bucket); the first entry when `key`
    /// is `None` or absent. `None` at the end.
    pub(crate) fn next<'g>(
        &'g self,
        key: Option<&[u8]>,
        guard: &'g Guard<'_>,
    ) -> Option<&'g Arc<Entry>> {
        let mut start = 0;
        if let Some(key) = key {
            let b = self.bucket(key);
            if let Some(chain) = self.heads.load(b, guard) {
                if let Some(pos) = chain.entries().iter().position(|e| same_key(&e.key, key)) {
                    if let Some(next) = chain.entries().get(pos + 1) {
                        return Some(next);
                    }
                    start = b + 1;
                }
            }
        }
        (start..=self.mask).find_map(|b| self.heads.load(b, guard)?.entries().first())
    }

    /// Calls `f` on every entry (a snapshot per bucket).
    pub(crate) fn for_each<'g>(&'g self, guard: &'g Guard<'_>, mut f: impl FnMut(&'g Arc<Entry>)) {
        for b in 0..=self.mask {
            if let Some(chain) = self.heads.load(b, guard) {
                chain.entries().iter().for_each(&mut f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hash as first written: each chunk copied into a zeroed word.
    fn reference(seed: u64, key: &[u8]) -> u64 {
        let mut h = seed ^ (key.len() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        for chunk in key.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            h = fold(h ^ u64::from_le_bytes(w), 0x2d35_8dcc_aa6c_78a5);
        }
        fold(h, 0x9e37_79b9_7f4a_7c15)
    }

    #[test]
    fn the_hash_reads_every_key_length_as_zero_padded_words() {
        let bytes: Vec<u8> = (1..=40).collect();
        for len in 0..=bytes.len() {
            let key = &bytes[..len];
            assert_eq!(hash(7, key), reference(7, key), "{len}-byte key");
        }
    }

    #[test]
    fn keys_compare_by_every_byte() {
        let a: Vec<u8> = (0..16).collect();
        for len in [0, 1, 4, 5, 8, 9, 16] {
            assert!(same_key(&a[..len], &a[..len]));
            for at in 0..len {
                let mut b = a[..len].to_vec();
                b[at] ^= 0x80;
                assert!(!same_key(&a[..len], &b), "{len} bytes, differing at {at}");
            }
        }
        assert!(!same_key(&a[..4], &a[..8]));
    }
}
