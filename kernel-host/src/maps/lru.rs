//! [`Lru`]: exact least-recently-used eviction for `lru_hash` and `lru_percpu_hash`.
//!
//! Every entry carries the clock value of its last use ([`Entry::stamp`]); a program-side
//! lookup refreshes it with one relaxed store (and one clock increment, skipped when the entry
//! is already the most recent), taking no lock. Writers keep an index of entries ordered by the
//! stamp each was filed under. To evict, a writer pops the smallest; an entry used since it
//! was filed is refiled under its new stamp; the first entry not used since it was filed is the
//! least recently used one and is removed. Inserting or replacing counts as a use; user-side
//! lookups do not (as on both eBPF for Windows, #4893, and Linux's `lookup_elem_sys`).
//!
//! eBPF for Windows approximates the same order with per-CPU partitions and generations; for a
//! single thread both give the order checked here (the entry used longest ago goes first).

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};

use super::table::{Entry, InsertError, Table};
use crate::epoch::Guard;
use crate::sys::lock::SpinLock;

/// LRU state of one map.
#[derive(Debug)]
pub(crate) struct Lru {
    clock: AtomicU64,
    index: SpinLock<BTreeMap<u64, Arc<Entry>>>,
}

impl Lru {
    pub(crate) fn new() -> Self {
        Lru {
            clock: AtomicU64::new(0),
            index: SpinLock::new(BTreeMap::new()),
        }
    }

    /// A fresh stamp for a new entry.
    pub(crate) fn next_stamp(&self) -> u64 {
        self.clock.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Marks `entry` as used now (program-side access).
    pub(crate) fn touch(&self, entry: &Entry) {
        let now = self.clock.load(Ordering::Relaxed);
        if entry.stamp.load(Ordering::Relaxed) != now {
            entry.stamp.store(self.next_stamp(), Ordering::Relaxed);
        }
    }

    /// Inserts `entry` (flags already checked), evicting least recently used entries while the
    /// table is full.
    pub(crate) fn insert(
        &self,
        table: &Table,
        entry: Arc<Entry>,
        flags: u64,
        guard: &Guard<'_>,
    ) -> Result<(), InsertError> {
        let mut index = self.index.lock();
        loop {
            match table.insert(entry.clone(), flags, true, guard) {
                Ok(replaced) => {
                    if let Some(old) = replaced {
                        index.remove(&old.indexed.load(Ordering::Relaxed));
                    }
                    let stamp = entry.stamp.load(Ordering::Relaxed);
                    entry.indexed.store(stamp, Ordering::Relaxed);
                    index.insert(stamp, entry);
                    return Ok(());
                }
                Err(InsertError::Full) => {
                    if !Self::evict_one(&mut index, table, guard) {
                        return Err(InsertError::Full);
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn evict_one(index: &mut BTreeMap<u64, Arc<Entry>>, table: &Table, guard: &Guard<'_>) -> bool {
        while let Some((filed, entry)) = index.pop_first() {
            let stamp = entry.stamp.load(Ordering::Relaxed);
            if stamp != filed {
                entry.indexed.store(stamp, Ordering::Relaxed);
                index.insert(stamp, entry);
                continue;
            }
            table.remove(&entry.key, Some(&entry), guard);
            return true;
        }
        false
    }

    /// Removes the entry for `key` from the table and the index.
    pub(crate) fn remove<'g>(
        &self,
        table: &'g Table,
        key: &[u8],
        guard: &'g Guard<'_>,
    ) -> Option<&'g Arc<Entry>> {
        let mut index = self.index.lock();
        let removed = table.remove(key, None, guard)?;
        index.remove(&removed.indexed.load(Ordering::Relaxed));
        Some(removed)
    }
}
