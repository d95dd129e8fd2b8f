//! [`Queue`]: `queue` (first in, first out) and `stack` (last in, first out).
//!
//! A preallocated circular buffer of `max_entries` values under a spin lock: pushes and pops
//! copy values in and out, so no pointer into the buffer ever escapes and nothing is allocated
//! under the lock. Semantics (efw-facts §3.5; Linux's `queue_stack_maps.c` agrees):
//! - push to a full map fails (`OUT_OF_SPACE` / `E2BIG`) unless the flags are `BPF_EXIST`,
//!   which drops the oldest element first; flags other than 0 and `BPF_EXIST` are invalid;
//! - pop and peek on an empty map fail (`OBJECT_NOT_FOUND` / `ENOENT`);
//! - a queue pops its oldest element, a stack its newest;
//! - on the user side lookup is peek, lookup-and-delete is pop, update is push; delete and
//!   next-key are not supported (`INVALID_ARGUMENT` / `EINVAL`).

use alloc::vec::Vec;

use super::update;
use crate::error::{errno, Failure, MapErrorKind};
use crate::sys::lock::SpinLock;

#[derive(Debug)]
struct Ring {
    /// Index of the oldest element.
    head: usize,
    len: usize,
    data: Vec<u8>,
}

/// A queue or a stack of fixed-size values.
#[derive(Debug)]
pub(crate) struct Queue {
    ring: SpinLock<Ring>,
    value_size: usize,
    capacity: usize,
    lifo: bool,
    max_entries: u32,
}

impl Queue {
    pub(crate) fn new(value_size: u32, max_entries: u32, lifo: bool) -> Result<Self, Failure> {
        let value_size = value_size as usize;
        let capacity = max_entries as usize;
        let bytes = value_size
            .checked_mul(capacity)
            .ok_or_else(Failure::no_memory)?;
        let mut data = Vec::new();
        data.try_reserve_exact(bytes)
            .map_err(|_| Failure::no_memory())?;
        data.resize(bytes, 0);
        Ok(Queue {
            ring: SpinLock::new(Ring {
                head: 0,
                len: 0,
                data,
            }),
            value_size,
            capacity,
            lifo,
            max_entries,
        })
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

    fn at(&self, ring: &Ring, i: usize) -> core::ops::Range<usize> {
        let slot = (ring.head + i) % self.capacity;
        slot * self.value_size..(slot + 1) * self.value_size
    }

    /// Appends `value`; with `BPF_EXIST` a full map drops its oldest element first.
    pub(crate) fn push(&self, value: &[u8], flags: u64) -> Result<(), Failure> {
        self.check_value(value.len())?;
        if flags != update::ANY && flags != update::EXIST {
            return Err(Failure::invalid_flags(flags));
        }
        let mut ring = self.ring.lock();
        if ring.len == self.capacity {
            if flags != update::EXIST {
                return Err(Failure::full(self.max_entries, errno::E2BIG));
            }
            ring.head = (ring.head + 1) % self.capacity;
            ring.len -= 1;
        }
        let range = self.at(&ring, ring.len);
        ring.data[range].copy_from_slice(value);
        ring.len += 1;
        Ok(())
    }

    fn take(&self, out: &mut [u8], remove: bool) -> Result<(), Failure> {
        self.check_value(out.len())?;
        let mut ring = self.ring.lock();
        if ring.len == 0 {
            return Err(Failure::empty());
        }
        let i = if self.lifo { ring.len - 1 } else { 0 };
        let range = self.at(&ring, i);
        out.copy_from_slice(&ring.data[range]);
        if remove {
            if !self.lifo {
                ring.head = (ring.head + 1) % self.capacity;
            }
            ring.len -= 1;
        }
        Ok(())
    }

    /// Removes the next element (oldest for a queue, newest for a stack) into `out`.
    pub(crate) fn pop(&self, out: &mut [u8]) -> Result<(), Failure> {
        self.take(out, true)
    }

    /// Copies the next element into `out` without removing it.
    pub(crate) fn peek(&self, out: &mut [u8]) -> Result<(), Failure> {
        self.take(out, false)
    }

    /// The number of elements.
    pub(crate) fn len(&self) -> usize {
        self.ring.lock().len
    }

    /// Calls `f` with every element, oldest first.
    pub(crate) fn for_each(&self, mut f: impl FnMut(&[u8], &[u8])) {
        let items: Vec<Vec<u8>> = {
            let ring = self.ring.lock();
            (0..ring.len)
                .map(|i| ring.data[self.at(&ring, i)].to_vec())
                .collect()
        };
        for item in &items {
            f(&[], item);
        }
    }
}
