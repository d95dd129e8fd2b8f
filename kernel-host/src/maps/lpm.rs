//! [`Lpm`]: `lpm_trie`, a longest-prefix-match table.
//!
//! Keys are `{ u32 prefix_len (host order); u8 data[key_size - 4] }`. Entries are stored under
//! their prefix with the bits past `prefix_len` cleared, in one RCU [`Table`], with a bitmap of
//! the prefix lengths present (eBPF for Windows' design: a hash table plus the set of inserted
//! lengths). A lookup (program or user side) tries each present length from the query's down
//! to 0 and returns the first hit, so the longest matching prefix wins and `/0` matches
//! everything. Readers take no lock.
//!
//! Rules: a prefix length above `(key_size - 4) * 8` is `INVALID_ARGUMENT` / `EINVAL` on update
//! and delete; on lookup it is `INVALID_ARGUMENT` on Windows and a miss on Linux. `max_entries`
//! is enforced (`OUT_OF_SPACE` / `ENOSPC`; stricter than eBPF for Windows, whose LPM map is
//! unbounded like its hash). Lookup-and-delete is not supported. Next-key walks the table's
//! order (Linux walks its trie's; programs and tools should not rely on the order).

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicU64, Ordering};

use super::def::MAX_LPM_DATA;
use super::table::{Entry, Table, Words};
use super::{check_flags, values, Semantics};
use crate::epoch::{Epoch, Guard};
use crate::error::{errno, Failure, MapErrorKind};
use crate::sys::lock::SpinLock;

/// The longest key: the prefix length and 256 data bytes.
const MAX_KEY: usize = 4 + MAX_LPM_DATA as usize;

/// A key with the bits past its prefix cleared, on the stack.
struct Masked {
    buf: [u8; MAX_KEY],
    len: usize,
}

impl Masked {
    fn new(key: &[u8], prefix_len: u32) -> Self {
        let mut buf = [0u8; MAX_KEY];
        buf[..4].copy_from_slice(&prefix_len.to_ne_bytes());
        let data = &key[4..];
        let full = (prefix_len / 8) as usize;
        buf[4..4 + full].copy_from_slice(&data[..full]);
        let rest = prefix_len % 8;
        if rest != 0 {
            buf[4 + full] = data[full] & (0xffu8 << (8 - rest));
        }
        Masked {
            buf,
            len: key.len(),
        }
    }

    fn key(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// A longest-prefix-match map.
#[derive(Debug)]
pub(crate) struct Lpm {
    table: Table,
    value_size: usize,
    max_prefix: u32,
    max_entries: u32,
    semantics: Semantics,
    /// Entries per prefix length; writers only.
    counts: SpinLock<Vec<u32>>,
    /// Bit `l` set while some entry has prefix length `l`.
    present: Box<[AtomicU64]>,
}

impl Lpm {
    pub(crate) fn new(
        epoch: Arc<Epoch>,
        key_size: u32,
        value_size: u32,
        max_entries: u32,
        semantics: Semantics,
        seed: u64,
    ) -> Result<Self, Failure> {
        let max_prefix = (key_size - 4) * 8;
        let lengths = max_prefix as usize + 1;
        Ok(Lpm {
            table: Table::new(epoch, max_entries, seed)?,
            value_size: value_size as usize,
            max_prefix,
            max_entries,
            semantics,
            counts: SpinLock::new(alloc::vec![0; lengths]),
            present: (0..lengths.div_ceil(64))
                .map(|_| AtomicU64::new(0))
                .collect(),
        })
    }

    pub(crate) fn table(&self) -> &Table {
        &self.table
    }

    fn prefix_len(key: &[u8]) -> u32 {
        let mut b = [0u8; 4];
        b.copy_from_slice(&key[..4]);
        u32::from_ne_bytes(b)
    }

    fn checked_prefix(&self, key: &[u8]) -> Result<u32, Failure> {
        let prefix_len = Self::prefix_len(key);
        if prefix_len > self.max_prefix {
            return Err(Failure::invalid(MapErrorKind::PrefixTooLong {
                prefix_len,
                max: self.max_prefix,
            }));
        }
        Ok(prefix_len)
    }

    fn check_value(&self, len: usize) -> Result<(), Failure> {
        if len != self.value_size {
            return Err(Failure::invalid(MapErrorKind::ValueSize {
                expected: self.value_size,
                got: len,
            }));
        }
        Ok(())
    }

    /// The entry with the longest prefix matching `key`.
    pub(crate) fn find<'g>(
        &'g self,
        guard: &'g Guard<'_>,
        key: &[u8],
    ) -> Result<&'g Arc<Entry>, Failure> {
        let mut prefix_len = Self::prefix_len(key);
        if prefix_len > self.max_prefix {
            match self.semantics {
                Semantics::Windows => {
                    return Err(Failure::invalid(MapErrorKind::PrefixTooLong {
                        prefix_len,
                        max: self.max_prefix,
                    }))
                }
                Semantics::Linux => return Err(Failure::key_not_found()),
            }
        }
        let mut word = (prefix_len / 64) as usize;
        loop {
            let below = prefix_len % 64;
            let mask = if below == 63 {
                u64::MAX
            } else {
                (1u64 << (below + 1)) - 1
            };
            let mut bits = self.present[word].load(Ordering::Acquire) & mask;
            while bits != 0 {
                let bit = 63 - bits.leading_zeros();
                let len = word as u32 * 64 + bit;
                let masked = Masked::new(key, len);
                if let Some(entry) = self.table.get(masked.key(), guard) {
                    return Ok(entry);
                }
                bits &= !(1u64 << bit);
            }
            if word == 0 {
                return Err(Failure::key_not_found());
            }
            word -= 1;
            prefix_len = word as u32 * 64 + 63;
        }
    }

    pub(crate) fn lookup(
        &self,
        guard: &Guard<'_>,
        key: &[u8],
        out: &mut [u8],
    ) -> Result<(), Failure> {
        self.check_value(out.len())?;
        let entry = self.find(guard, key)?;
        values::read(&entry.value, 0, out);
        Ok(())
    }

    pub(crate) fn prog_lookup(
        &self,
        guard: &Guard<'_>,
        key: &[u8],
    ) -> Result<NonNull<u8>, Failure> {
        let entry = self.find(guard, key)?;
        Ok(values::ptr(&entry.value, 0))
    }

    pub(crate) fn update(
        &self,
        guard: &Guard<'_>,
        key: &[u8],
        value: &[u8],
        flags: u64,
    ) -> Result<(), Failure> {
        check_flags(flags)?;
        self.check_value(value.len())?;
        let prefix_len = self.checked_prefix(key)?;
        let masked = Masked::new(key, prefix_len);
        let words = Words::zeroed(values::words_for(self.value_size))?;
        values::write(&words, 0, value);
        let entry = Entry::new(masked.key(), words, 0);
        let mut counts = self.counts.lock();
        let replaced = self
            .table
            .insert(entry, flags, true, guard)
            .map_err(|e| e.failure(self.max_entries, errno::ENOSPC))?;
        if replaced.is_none() {
            let l = prefix_len as usize;
            counts[l] += 1;
            if counts[l] == 1 {
                self.present[l / 64].fetch_or(1 << (l % 64), Ordering::Release);
            }
        }
        Ok(())
    }

    pub(crate) fn delete(&self, guard: &Guard<'_>, key: &[u8]) -> Result<(), Failure> {
        let prefix_len = self.checked_prefix(key)?;
        let masked = Masked::new(key, prefix_len);
        let mut counts = self.counts.lock();
        self.table
            .remove(masked.key(), None, guard)
            .ok_or_else(Failure::key_not_found)?;
        let l = prefix_len as usize;
        counts[l] -= 1;
        if counts[l] == 0 {
            self.present[l / 64].fetch_and(!(1 << (l % 64)), Ordering::Release);
        }
        Ok(())
    }

    pub(crate) fn next_key(
        &self,
        guard: &Guard<'_>,
        key: Option<&[u8]>,
        out: &mut [u8],
    ) -> Result<(), Failure> {
        let masked = match key {
            Some(key) if Self::prefix_len(key) <= self.max_prefix => {
                Some(Masked::new(key, Self::prefix_len(key)))
            }
            _ => None,
        };
        let next = self
            .table
            .next(masked.as_ref().map(Masked::key), guard)
            .ok_or_else(Failure::no_more_keys)?;
        out.copy_from_slice(&next.key);
        Ok(())
    }

    /// Calls `f` with every stored (masked) key and its value.
    pub(crate) fn for_each(&self, guard: &Guard<'_>, mut f: impl FnMut(&[u8], &[u8])) {
        let mut buf = alloc::vec![0u8; self.value_size];
        self.table.for_each(guard, |e| {
            values::read(&e.value, 0, &mut buf);
            f(&e.key, &buf);
        });
    }
}
