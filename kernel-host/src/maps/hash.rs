//! [`HashMap`]: `hash`, `percpu_hash`, `lru_hash`, `lru_percpu_hash` and `hash_of_maps`.
//!
//! Semantics (efw-facts §3.5, the same on Linux unless noted):
//! - update flags: `BPF_ANY` inserts or replaces, `BPF_NOEXIST` fails on an existing key
//!   (`OBJECT_ALREADY_EXISTS` / `EEXIST`), `BPF_EXIST` fails on a missing one (`KEY_NOT_FOUND` /
//!   `ENOENT`); anything else is `INVALID_ARGUMENT` / `EINVAL`;
//! - an update installs a new value allocation and retires the old one through the epoch, so a
//!   value pointer a program holds stays valid (it sees the old value) until its guard drops;
//! - a per-CPU update from a program writes only the current CPU's slice, in place, inserting
//!   a zeroed value first if the key is missing;
//! - `max_entries` is enforced: a new key in a full map fails with `OUT_OF_SPACE` (Windows) or
//!   `E2BIG` (Linux). **This is stricter than eBPF for Windows today**, whose hash, per-CPU
//!   hash and hash-of-maps treat `max_entries` as a bucket-count hint only (PR #3348; #5520 and
//!   PR #5543 would restore the bound). LRU maps evict instead (see [`super::lru`]).
//! - lookup-and-delete is atomic: the entry is unlinked and its value is still readable.

use alloc::sync::Arc;
use core::ptr::NonNull;

use super::lru::Lru;
use super::table::{Entry, Table, Words};
use super::{check_flags, values};
use crate::epoch::{Epoch, Guard};
use crate::error::{errno, Failure, MapErrorKind};

/// A hash map (plain, per-CPU, LRU, or of map ids).
#[derive(Debug)]
pub(crate) struct HashMap {
    table: Table,
    value_size: usize,
    per_cpu: bool,
    cpus: usize,
    /// Bytes of one CPU's slice (per-CPU), or the value size.
    slice: usize,
    /// Words per entry.
    words: usize,
    max_entries: u32,
    lru: Option<Lru>,
}

impl HashMap {
    pub(crate) fn new(
        epoch: Arc<Epoch>,
        value_size: u32,
        max_entries: u32,
        per_cpu: bool,
        lru: bool,
        seed: u64,
    ) -> Result<Self, Failure> {
        let cpus = epoch.cpu_count();
        let value_size = value_size as usize;
        let slice = if per_cpu {
            values::words_for(value_size) * 8
        } else {
            value_size
        };
        let words = if per_cpu {
            slice / 8 * cpus
        } else {
            values::words_for(value_size)
        };
        Ok(HashMap {
            table: Table::new(epoch, max_entries, seed)?,
            value_size,
            per_cpu,
            cpus,
            slice,
            words,
            max_entries,
            lru: lru.then(Lru::new),
        })
    }

    /// The number of entries.
    pub(crate) fn len(&self) -> usize {
        self.table.len()
    }

    fn user_value_size(&self) -> usize {
        if self.per_cpu {
            self.slice * self.cpus
        } else {
            self.value_size
        }
    }

    fn check_value(&self, len: usize, expected: usize) -> Result<(), Failure> {
        if len != expected {
            return Err(Failure::invalid(MapErrorKind::ValueSize {
                expected,
                got: len,
            }));
        }
        Ok(())
    }

    fn new_entry(
        &self,
        key: &[u8],
        value: &[u8],
        cpu: Option<usize>,
    ) -> Result<Arc<Entry>, Failure> {
        let words = Words::zeroed(self.words)?;
        match cpu {
            Some(cpu) => values::write(&words, cpu * self.slice, value),
            None => values::write(&words, 0, value),
        }
        let stamp = self.lru.as_ref().map_or(0, Lru::next_stamp);
        Ok(Entry::new(key, words, stamp))
    }

    fn insert(&self, entry: Arc<Entry>, flags: u64, guard: &Guard<'_>) -> Result<(), Failure> {
        let result = match &self.lru {
            Some(lru) => lru.insert(&self.table, entry, flags, guard),
            None => self.table.insert(entry, flags, true, guard).map(|_| ()),
        };
        result.map_err(|e| e.failure(self.max_entries, errno::E2BIG))
    }

    fn remove<'g>(&'g self, key: &[u8], guard: &'g Guard<'_>) -> Option<&'g Arc<Entry>> {
        match &self.lru {
            Some(lru) => lru.remove(&self.table, key, guard),
            None => self.table.remove(key, None, guard),
        }
    }

    /// Copies the value of `key` (all CPUs' slices for per-CPU maps) into `out`.
    pub(crate) fn lookup(
        &self,
        guard: &Guard<'_>,
        key: &[u8],
        out: &mut [u8],
    ) -> Result<(), Failure> {
        self.check_value(out.len(), self.user_value_size())?;
        let entry = self
            .table
            .get(key, guard)
            .ok_or_else(Failure::key_not_found)?;
        values::read(&entry.value, 0, out);
        Ok(())
    }

    /// Inserts or replaces from the user side (all CPUs' slices for per-CPU maps).
    pub(crate) fn update(
        &self,
        guard: &Guard<'_>,
        key: &[u8],
        value: &[u8],
        flags: u64,
    ) -> Result<(), Failure> {
        check_flags(flags)?;
        self.check_value(value.len(), self.user_value_size())?;
        let entry = self.new_entry(key, value, None)?;
        self.insert(entry, flags, guard)
    }

    pub(crate) fn delete(&self, guard: &Guard<'_>, key: &[u8]) -> Result<(), Failure> {
        self.remove(key, guard)
            .map(|_| ())
            .ok_or_else(Failure::key_not_found)
    }

    pub(crate) fn lookup_and_delete(
        &self,
        guard: &Guard<'_>,
        key: &[u8],
        out: &mut [u8],
    ) -> Result<(), Failure> {
        self.check_value(out.len(), self.user_value_size())?;
        let entry = self.remove(key, guard).ok_or_else(Failure::key_not_found)?;
        values::read(&entry.value, 0, out);
        Ok(())
    }

    pub(crate) fn next_key(
        &self,
        guard: &Guard<'_>,
        key: Option<&[u8]>,
        out: &mut [u8],
    ) -> Result<(), Failure> {
        let next = self
            .table
            .next(key, guard)
            .ok_or_else(Failure::no_more_keys)?;
        out.copy_from_slice(&next.key);
        Ok(())
    }

    fn cpu_offset(&self, guard: &Guard<'_>) -> Result<usize, Failure> {
        if !self.per_cpu {
            return Ok(0);
        }
        let cpu = guard.cpu().ok_or(Failure::invalid(MapErrorKind::NoCpu))?;
        Ok(cpu * self.slice)
    }

    /// A pointer to the value of `key` (this CPU's slice for per-CPU maps), valid until `guard`
    /// drops; refreshes the LRU stamp.
    pub(crate) fn prog_lookup(
        &self,
        guard: &Guard<'_>,
        key: &[u8],
    ) -> Result<NonNull<u8>, Failure> {
        let offset = self.cpu_offset(guard)?;
        let entry = self
            .table
            .get(key, guard)
            .ok_or_else(Failure::key_not_found)?;
        if let Some(lru) = &self.lru {
            lru.touch(entry);
        }
        Ok(values::ptr(&entry.value, offset))
    }

    /// A program-side update: `value` is `value_size` bytes; per-CPU maps write this CPU's
    /// slice in place (inserting zeroed slices for the other CPUs if the key is new).
    pub(crate) fn prog_update(
        &self,
        guard: &Guard<'_>,
        key: &[u8],
        value: &[u8],
        flags: u64,
    ) -> Result<(), Failure> {
        check_flags(flags)?;
        self.check_value(value.len(), self.value_size)?;
        if !self.per_cpu {
            let entry = self.new_entry(key, value, None)?;
            return self.insert(entry, flags, guard);
        }
        let cpu = guard.cpu().ok_or(Failure::invalid(MapErrorKind::NoCpu))?;
        if let Some(entry) = self.table.get(key, guard) {
            if flags == super::update::NOEXIST {
                return Err(Failure::already_exists());
            }
            if let Some(lru) = &self.lru {
                lru.touch(entry);
            }
            values::write(&entry.value, cpu * self.slice, value);
            return Ok(());
        }
        let entry = self.new_entry(key, value, Some(cpu))?;
        self.insert(entry, flags, guard)
    }

    /// Unlinks `key` and returns a pointer to its value (this CPU's slice for per-CPU maps),
    /// valid until `guard` drops.
    pub(crate) fn prog_lookup_and_delete(
        &self,
        guard: &Guard<'_>,
        key: &[u8],
    ) -> Result<NonNull<u8>, Failure> {
        let offset = self.cpu_offset(guard)?;
        let entry = self.remove(key, guard).ok_or_else(Failure::key_not_found)?;
        Ok(values::ptr(&entry.value, offset))
    }

    /// The 4-byte id stored under `key` (maps of maps).
    pub(crate) fn id(&self, guard: &Guard<'_>, key: &[u8]) -> Option<u32> {
        let entry = self.table.get(key, guard)?;
        let mut id = [0u8; 4];
        values::read(&entry.value, 0, &mut id);
        Some(u32::from_ne_bytes(id))
    }

    /// Calls `f` with every key and its user-side value.
    pub(crate) fn for_each(&self, guard: &Guard<'_>, mut f: impl FnMut(&[u8], &[u8])) {
        let mut buf = alloc::vec![0u8; self.user_value_size()];
        self.table.for_each(guard, |e| {
            values::read(&e.value, 0, &mut buf);
            f(&e.key, &buf);
        });
    }
}
