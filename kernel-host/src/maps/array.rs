//! Arrays: [`Array`] (`array`, `percpu_array`) and [`IdArray`] (`prog_array`,
//! `array_of_maps`, whose values are u32 object ids).
//!
//! Storage is preallocated and zeroed; keys are u32 indexes. Values are updated in place, as in
//! both eBPF for Windows and Linux, so a value pointer stays valid for the map's lifetime.
//! Where the two differ (efw-facts §3.5):
//!
//! | operation | Windows | Linux |
//! |---|---|---|
//! | lookup, index ≥ max | `OBJECT_NOT_FOUND` | `ENOENT` |
//! | update, index ≥ max | `INVALID_ARGUMENT` | `E2BIG` |
//! | update with `BPF_NOEXIST` | `INVALID_ARGUMENT` | `EEXIST` |
//! | delete | zeroes the slot (index ≥ max: `INVALID_ARGUMENT`) | `EINVAL` |
//! | next key after the last | `NO_MORE_KEYS` | `ENOENT` |
//! | next key of an index ≥ max | `NO_MORE_KEYS` | 0 (restart) |
//! | lookup and delete | `INVALID_ARGUMENT` | `ENOTSUPP` |
//!
//! Program arrays and arrays of maps: update flags other than `BPF_ANY` fail
//! (`INVALID_ARGUMENT` / `EINVAL`); id 0 (an invalid handle) clears the slot; delete clears it
//! (Linux: `ENOENT` when already empty); lookup returns the id (`ENOENT`-class when empty).

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use super::{check_flags, update, values, Semantics};
use crate::epoch::Guard;
use crate::error::{errno, EbpfResult, Failure, MapErrorKind};

fn index_of(key: &[u8]) -> u32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&key[..4]);
    u32::from_ne_bytes(b)
}

fn out_of_range(index: u32, max_entries: u32, result: EbpfResult, linux: i32) -> Failure {
    Failure::new(
        MapErrorKind::IndexOutOfRange { index, max_entries },
        result,
        linux,
    )
}

/// The next index after `key` under `semantics`.
fn next_index(key: Option<&[u8]>, max: u32, semantics: Semantics) -> Result<u32, Failure> {
    let Some(key) = key else { return Ok(0) };
    let i = index_of(key);
    if i >= max && semantics == Semantics::Linux {
        return Ok(0);
    }
    match i.checked_add(1) {
        Some(n) if n < max => Ok(n),
        _ => Err(Failure::no_more_keys()),
    }
}

/// `array` and `percpu_array`.
#[derive(Debug)]
pub(crate) struct Array {
    data: Box<[AtomicU64]>,
    value_size: usize,
    /// Bytes of one CPU's slice (per-CPU) or of the padded value.
    slice: usize,
    /// Bytes per element.
    stride: usize,
    per_cpu: bool,
    max_entries: u32,
    semantics: Semantics,
}

impl Array {
    pub(crate) fn new(
        value_size: u32,
        max_entries: u32,
        per_cpu: bool,
        cpus: usize,
        semantics: Semantics,
    ) -> Result<Self, Failure> {
        let value_size = value_size as usize;
        let slice = values::words_for(value_size) * 8;
        let stride = if per_cpu { slice * cpus } else { slice };
        let total = stride
            .checked_mul(max_entries as usize)
            .ok_or_else(Failure::no_memory)?;
        Ok(Array {
            data: values::zeroed_words(total / 8)?,
            value_size,
            slice,
            stride,
            per_cpu,
            max_entries,
            semantics,
        })
    }

    fn user_value_size(&self) -> usize {
        if self.per_cpu {
            self.stride
        } else {
            self.value_size
        }
    }

    fn check_value(len: usize, expected: usize) -> Result<(), Failure> {
        if len != expected {
            return Err(Failure::invalid(MapErrorKind::ValueSize {
                expected,
                got: len,
            }));
        }
        Ok(())
    }

    fn lookup_index(&self, key: &[u8]) -> Result<usize, Failure> {
        let i = index_of(key);
        if i >= self.max_entries {
            return Err(out_of_range(
                i,
                self.max_entries,
                EbpfResult::ObjectNotFound,
                errno::ENOENT,
            ));
        }
        Ok(i as usize)
    }

    fn update_index(&self, key: &[u8], flags: u64) -> Result<usize, Failure> {
        check_flags(flags)?;
        let i = index_of(key);
        if i >= self.max_entries {
            return Err(out_of_range(
                i,
                self.max_entries,
                EbpfResult::InvalidArgument,
                errno::E2BIG,
            ));
        }
        if flags == update::NOEXIST {
            return Err(Failure::new(
                MapErrorKind::AlreadyExists,
                EbpfResult::InvalidArgument,
                errno::EEXIST,
            ));
        }
        Ok(i as usize)
    }

    pub(crate) fn lookup(&self, key: &[u8], out: &mut [u8]) -> Result<(), Failure> {
        Self::check_value(out.len(), self.user_value_size())?;
        let i = self.lookup_index(key)?;
        values::read(&self.data, i * self.stride, out);
        Ok(())
    }

    pub(crate) fn update(&self, key: &[u8], value: &[u8], flags: u64) -> Result<(), Failure> {
        Self::check_value(value.len(), self.user_value_size())?;
        let i = self.update_index(key, flags)?;
        values::write(&self.data, i * self.stride, value);
        Ok(())
    }

    pub(crate) fn delete(&self, key: &[u8]) -> Result<(), Failure> {
        if self.semantics == Semantics::Linux {
            return Err(Failure::not_supported(errno::EINVAL));
        }
        let i = index_of(key);
        if i >= self.max_entries {
            return Err(out_of_range(
                i,
                self.max_entries,
                EbpfResult::InvalidArgument,
                errno::EINVAL,
            ));
        }
        values::zero(&self.data, i as usize * self.stride, self.stride);
        Ok(())
    }

    pub(crate) fn next_key(&self, key: Option<&[u8]>, out: &mut [u8]) -> Result<(), Failure> {
        let n = next_index(key, self.max_entries, self.semantics)?;
        out.copy_from_slice(&n.to_ne_bytes());
        Ok(())
    }

    fn cpu_offset(&self, guard: &Guard<'_>) -> Result<usize, Failure> {
        if !self.per_cpu {
            return Ok(0);
        }
        let cpu = guard.cpu().ok_or(Failure::invalid(MapErrorKind::NoCpu))?;
        Ok(cpu * self.slice)
    }

    /// A pointer to element `key` (this CPU's slice for per-CPU arrays).
    pub(crate) fn prog_lookup(
        &self,
        guard: &Guard<'_>,
        key: &[u8],
    ) -> Result<NonNull<u8>, Failure> {
        let offset = self.cpu_offset(guard)?;
        let i = self.lookup_index(key)?;
        Ok(values::ptr(&self.data, i * self.stride + offset))
    }

    /// Writes `value_size` bytes in place (this CPU's slice for per-CPU arrays).
    pub(crate) fn prog_update(
        &self,
        guard: &Guard<'_>,
        key: &[u8],
        value: &[u8],
        flags: u64,
    ) -> Result<(), Failure> {
        Self::check_value(value.len(), self.value_size)?;
        let offset = self.cpu_offset(guard)?;
        let i = self.update_index(key, flags)?;
        values::write(&self.data, i * self.stride + offset, value);
        Ok(())
    }

    /// Calls `f` with every index and its user-side value.
    pub(crate) fn for_each(&self, mut f: impl FnMut(&[u8], &[u8])) {
        let mut buf = alloc::vec![0u8; self.user_value_size()];
        for i in 0..self.max_entries {
            values::read(&self.data, i as usize * self.stride, &mut buf);
            f(&i.to_ne_bytes(), &buf);
        }
    }
}

/// `prog_array` and `array_of_maps`: u32 ids, 0 for an empty slot.
#[derive(Debug)]
pub(crate) struct IdArray {
    ids: Box<[AtomicU32]>,
    max_entries: u32,
    semantics: Semantics,
}

impl IdArray {
    pub(crate) fn new(max_entries: u32, semantics: Semantics) -> Result<Self, Failure> {
        let mut ids = Vec::new();
        ids.try_reserve_exact(max_entries as usize)
            .map_err(|_| Failure::no_memory())?;
        ids.extend((0..max_entries).map(|_| AtomicU32::new(0)));
        Ok(IdArray {
            ids: ids.into_boxed_slice(),
            max_entries,
            semantics,
        })
    }

    fn slot(&self, key: &[u8], result: EbpfResult, linux: i32) -> Result<&AtomicU32, Failure> {
        let i = index_of(key);
        self.ids
            .get(i as usize)
            .ok_or_else(|| out_of_range(i, self.max_entries, result, linux))
    }

    /// The id at `index`, if the slot is set.
    pub(crate) fn get(&self, index: u32) -> Option<u32> {
        let id = self.ids.get(index as usize)?.load(Ordering::Acquire);
        (id != 0).then_some(id)
    }

    pub(crate) fn lookup(&self, key: &[u8]) -> Result<u32, Failure> {
        let slot = self.slot(key, EbpfResult::ObjectNotFound, errno::ENOENT)?;
        match slot.load(Ordering::Acquire) {
            0 => Err(Failure::key_not_found()),
            id => Ok(id),
        }
    }

    /// Stores `id` (0 clears the slot).
    pub(crate) fn update(&self, key: &[u8], id: u32, flags: u64) -> Result<(), Failure> {
        if flags != update::ANY {
            return Err(Failure::invalid_flags(flags));
        }
        let slot = self.slot(key, EbpfResult::InvalidArgument, errno::E2BIG)?;
        slot.store(id, Ordering::Release);
        Ok(())
    }

    pub(crate) fn delete(&self, key: &[u8]) -> Result<(), Failure> {
        let slot = self.slot(key, EbpfResult::InvalidArgument, errno::E2BIG)?;
        let old = slot.swap(0, Ordering::AcqRel);
        if old == 0 && self.semantics == Semantics::Linux {
            return Err(Failure::key_not_found());
        }
        Ok(())
    }

    pub(crate) fn next_key(&self, key: Option<&[u8]>, out: &mut [u8]) -> Result<(), Failure> {
        let n = next_index(key, self.max_entries, self.semantics)?;
        out.copy_from_slice(&n.to_ne_bytes());
        Ok(())
    }

    /// A pointer to the id in slot `key`.
    pub(crate) fn ptr(&self, key: &[u8]) -> Result<NonNull<u8>, Failure> {
        let slot = self.slot(key, EbpfResult::ObjectNotFound, errno::ENOENT)?;
        Ok(NonNull::from(slot).cast::<u8>())
    }

    /// Calls `f` with every set index and its id.
    pub(crate) fn for_each(&self, mut f: impl FnMut(&[u8], &[u8])) {
        for (i, slot) in self.ids.iter().enumerate() {
            let id = slot.load(Ordering::Acquire);
            if id != 0 {
                f(&(i as u32).to_ne_bytes(), &id.to_ne_bytes());
            }
        }
    }
}
