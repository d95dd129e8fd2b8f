//! [`RingBuf`]: `ringbuf`, a multi-producer, single-consumer ring of variable-size records.
//!
//! The layout is Linux's (and eBPF for Windows', #4241): the data area is `max_entries` bytes
//! (a power of two, a multiple of 4096); positions grow without wrapping and index the data
//! modulo its size; each record is an 8-byte header — u32 length with bit 31 BUSY (reserved,
//! not committed) and bit 30 DISCARD, then u32 `pg_off` (the header's page in Linux's
//! `struct bpf_ringbuf`: 3 header pages, then the data) — followed by the data, padded to 8
//! bytes. A record may wrap around the end of the data area; as Linux maps the data twice,
//! this ring keeps a second copy's worth of space after the data so a reservation is
//! contiguous, and copies the wrapped tail to the start of the ring on submit.
//!
//! Producers ([`Map::ringbuf_reserve`](super::Map::ringbuf_reserve), `ringbuf_commit`, `ringbuf_output`) serialise
//! reservations on a spin lock (as Linux does), write data with no lock, and publish by
//! clearing BUSY with a release store. The consumer ([`RingBuf::consume`], [`RingBuf::poll`])
//! reads headers with acquire loads, stops at the first BUSY record, skips discarded ones (not
//! counted) and advances the consumer position. A reservation fails when the producer would get
//! more than `size - 1` bytes ahead of the consumer (Linux's rule).
//!
//! Errors: a size of 0 (Windows), above 2^30 - 1, or that cannot fit the ring:
//! `INVALID_ARGUMENT` / `EAGAIN`-class failure; no room: `NO_MEMORY` (Windows, the helper
//! returns -12) / `EAGAIN` (Linux's `bpf_ringbuf_output`). Windows ignores the output flags;
//! Linux accepts only `BPF_RB_NO_WAKEUP` and `BPF_RB_FORCE_WAKEUP` (there is no wakeup here:
//! consumers poll).

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicU64, Ordering};
use core::time::Duration;

use super::{values, Semantics};
use crate::error::{errno, EbpfResult, Failure, MapErrorKind};
use crate::os::Os;
use crate::sys::lock::SpinLock;

/// Header bit: reserved, not yet submitted or discarded.
pub const BUSY_BIT: u32 = 1 << 31;
/// Header bit: discarded; the consumer skips the record.
pub const DISCARD_BIT: u32 = 1 << 30;
/// The record header's size.
pub const HEADER_SIZE: usize = 8;
/// Pages before the data in Linux's `struct bpf_ringbuf` (and eBPF for Windows' mapping).
pub const HEADER_PAGES: u32 = 3;
/// The largest record (Linux's `RINGBUF_MAX_RECORD_SZ`).
pub const MAX_RECORD: u64 = (1 << 30) - 1;

/// `bpf_ringbuf_output` / `submit` flag: no wakeup.
pub const RB_NO_WAKEUP: u64 = 1;
/// `bpf_ringbuf_output` / `submit` flag: force a wakeup.
pub const RB_FORCE_WAKEUP: u64 = 2;

/// `bpf_ringbuf_query` flags.
pub mod query {
    /// Bytes not yet consumed.
    pub const AVAIL_DATA: u64 = 0;
    /// The data area's size.
    pub const RING_SIZE: u64 = 1;
    /// The consumer position.
    pub const CONS_POS: u64 = 2;
    /// The producer position.
    pub const PROD_POS: u64 = 3;
}

fn header(len: u32, pg_off: u32) -> u64 {
    let mut b = [0u8; 8];
    b[..4].copy_from_slice(&len.to_ne_bytes());
    b[4..].copy_from_slice(&pg_off.to_ne_bytes());
    u64::from_ne_bytes(b)
}

fn split(word: u64) -> (u32, u32) {
    let b = word.to_ne_bytes();
    (
        u32::from_ne_bytes([b[0], b[1], b[2], b[3]]),
        u32::from_ne_bytes([b[4], b[5], b[6], b[7]]),
    )
}

/// A ring buffer of records.
#[derive(Debug)]
pub struct RingBuf {
    size: usize,
    /// The data area and, after it, room for the tail of a wrapping record.
    data: Box<[AtomicU64]>,
    consumer: AtomicU64,
    producer: AtomicU64,
    reserve_lock: SpinLock<()>,
    consumer_lock: SpinLock<Vec<u8>>,
    semantics: Semantics,
}

impl RingBuf {
    /// A ring with `size` data bytes (a power of two, a multiple of 8; checked by the map
    /// definition).
    pub(crate) fn new(size: u32, semantics: Semantics) -> Result<Self, Failure> {
        let size = size as usize;
        Ok(RingBuf {
            size,
            data: values::zeroed_words(size * 2 / 8)?,
            consumer: AtomicU64::new(0),
            producer: AtomicU64::new(0),
            reserve_lock: SpinLock::new(()),
            consumer_lock: SpinLock::new(Vec::new()),
            semantics,
        })
    }

    /// The data area's size in bytes.
    pub fn size(&self) -> usize {
        self.size
    }

    /// The consumer position (bytes consumed since creation).
    pub fn consumer_pos(&self) -> u64 {
        self.consumer.load(Ordering::Acquire)
    }

    /// The producer position (bytes reserved since creation).
    pub fn producer_pos(&self) -> u64 {
        self.producer.load(Ordering::Acquire)
    }

    /// A copy of the data area, byte for byte as a Linux consumer would see it mapped.
    pub fn data_area(&self) -> Vec<u8> {
        let mut out = alloc::vec![0u8; self.size];
        values::read(&self.data, 0, &mut out);
        out
    }

    /// `bpf_ringbuf_query`: see [`query`]; unknown flags give 0.
    pub fn query(&self, flags: u64) -> u64 {
        match flags {
            query::AVAIL_DATA => self.producer_pos() - self.consumer_pos(),
            query::RING_SIZE => self.size as u64,
            query::CONS_POS => self.consumer_pos(),
            query::PROD_POS => self.producer_pos(),
            _ => 0,
        }
    }

    fn size_error(&self, size: u64) -> Failure {
        Failure::new(
            MapErrorKind::RecordSize {
                size,
                capacity: self.size as u64,
            },
            EbpfResult::InvalidArgument,
            errno::EAGAIN,
        )
    }

    /// Reserves a record of `size` bytes and returns a pointer to its data (8-byte aligned,
    /// contiguous even when the record wraps). The record stays BUSY, holding back the
    /// consumer, until [`RingBuf::commit`].
    pub(crate) fn reserve(&self, size: u64, flags: u64) -> Result<NonNull<u8>, Failure> {
        if self.semantics == Semantics::Linux && flags != 0 {
            return Err(Failure::invalid_flags(flags));
        }
        if (size == 0 && self.semantics == Semantics::Windows) || size > MAX_RECORD {
            return Err(self.size_error(size));
        }
        let total = (size as usize + HEADER_SIZE).div_ceil(8) * 8;
        if total > self.size {
            return Err(self.size_error(size));
        }
        let mask = self.size as u64 - 1;
        let offset = {
            let _lock = self.reserve_lock.lock();
            let cons = self.consumer.load(Ordering::Acquire);
            let prod = self.producer.load(Ordering::Relaxed);
            let new = prod + total as u64;
            if new - cons > mask {
                return Err(Failure::new(
                    MapErrorKind::RingFull,
                    EbpfResult::NoMemory,
                    errno::EAGAIN,
                ));
            }
            let offset = (prod & mask) as usize;
            let pg_off = HEADER_PAGES + (offset / 4096) as u32;
            self.data[offset / 8].store(header(size as u32 | BUSY_BIT, pg_off), Ordering::Relaxed);
            self.producer.store(new, Ordering::Release);
            offset
        };
        Ok(values::ptr(&self.data, offset + HEADER_SIZE))
    }

    /// Submits (or, with `discard`, discards) the record whose data `ptr` points to.
    pub(crate) fn commit(&self, ptr: NonNull<u8>, discard: bool) -> Result<(), Failure> {
        let not_ours = || Failure::invalid(MapErrorKind::NotAReservation);
        let base = self.data.as_ptr() as usize;
        let at = (ptr.as_ptr() as usize)
            .checked_sub(base + HEADER_SIZE)
            .ok_or_else(not_ours)?;
        if at >= self.size || at % 8 != 0 {
            return Err(not_ours());
        }
        let slot = &self.data[at / 8];
        let old = slot.load(Ordering::Acquire);
        let (len, pg_off) = split(old);
        if len & BUSY_BIT == 0 {
            return Err(not_ours());
        }
        let data_len = len & !(BUSY_BIT | DISCARD_BIT);
        let end = at + (data_len as usize + HEADER_SIZE).div_ceil(8) * 8;
        if end > self.size {
            // The tail was written past the data area: move it to the ring's start.
            for i in 0..(end - self.size) / 8 {
                let w = self.data[self.size / 8 + i].load(Ordering::Relaxed);
                self.data[i].store(w, Ordering::Relaxed);
            }
        }
        let len = data_len | if discard { DISCARD_BIT } else { 0 };
        slot.compare_exchange(
            old,
            header(len, pg_off),
            Ordering::Release,
            Ordering::Relaxed,
        )
        .map(|_| ())
        .map_err(|_| not_ours())
    }

    /// `bpf_ringbuf_output`: reserves, copies `data`, submits.
    pub(crate) fn output(&self, data: &[u8], flags: u64) -> Result<(), Failure> {
        self.output_parts(&[data], flags)
    }

    /// [`RingBuf::output`] of the concatenation of `parts`.
    pub(crate) fn output_parts(&self, parts: &[&[u8]], flags: u64) -> Result<(), Failure> {
        let flags = match self.semantics {
            Semantics::Windows => 0,
            Semantics::Linux if flags & !(RB_NO_WAKEUP | RB_FORCE_WAKEUP) != 0 => {
                return Err(Failure::invalid_flags(flags));
            }
            Semantics::Linux => 0,
        };
        let size: usize = parts.iter().map(|p| p.len()).sum();
        let ptr = self.reserve(size as u64, flags)?;
        let at = ptr.as_ptr() as usize - self.data.as_ptr() as usize;
        values::write_parts(&self.data, at, parts);
        self.commit(ptr, false)
    }

    /// Calls `f` on each committed record in order and consumes it; stops at the first
    /// record still reserved. Discarded records are consumed but neither passed nor counted.
    /// Returns the number of records passed to `f`.
    pub fn consume(&self, mut f: impl FnMut(&[u8])) -> usize {
        let mut buf = self.consumer_lock.lock();
        let mask = self.size as u64 - 1;
        let mut count = 0;
        loop {
            let cons = self.consumer.load(Ordering::Relaxed);
            let prod = self.producer.load(Ordering::Acquire);
            if cons == prod {
                break;
            }
            let at = (cons & mask) as usize;
            let (len, _) = split(self.data[at / 8].load(Ordering::Acquire));
            if len & BUSY_BIT != 0 {
                break;
            }
            let data_len = (len & !(BUSY_BIT | DISCARD_BIT)) as usize;
            if len & DISCARD_BIT == 0 {
                buf.resize(data_len, 0);
                let start = (at + HEADER_SIZE) % self.size;
                let first = data_len.min(self.size - start);
                values::read(&self.data, start, &mut buf[..first]);
                values::read(&self.data, 0, &mut buf[first..]);
                f(&buf);
                count += 1;
            }
            let total = (data_len + HEADER_SIZE).div_ceil(8) * 8;
            self.consumer.store(cons + total as u64, Ordering::Release);
        }
        count
    }

    /// Waits until a record is available or `timeout` passes (`None`: forever; zero: no wait),
    /// then consumes as [`RingBuf::consume`] does. Returns the number of records passed to `f`.
    pub fn poll(&self, os: &dyn Os, timeout: Option<Duration>, mut f: impl FnMut(&[u8])) -> usize {
        let deadline = timeout.map(|t| {
            os.monotonic_ns()
                .saturating_add(u64::try_from(t.as_nanos()).unwrap_or(u64::MAX))
        });
        loop {
            let n = self.consume(&mut f);
            if n > 0 {
                return n;
            }
            if deadline.is_some_and(|d| os.monotonic_ns() >= d) {
                return 0;
            }
            os.relax();
        }
    }
}
