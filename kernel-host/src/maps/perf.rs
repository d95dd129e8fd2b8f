//! [`PerfEventArray`]: `perf_event_array`, one record ring per CPU that a user-side reader
//! drains.
//!
//! A program outputs to the ring of the CPU it runs on (`bpf_perf_event_output`); the index
//! part of the flags is that CPU or `BPF_F_CURRENT_CPU` (0xFFFF_FFFF), anything else fails
//! (`INVALID_ARGUMENT` on Windows; `EOPNOTSUPP` on Linux, and `E2BIG` for an index at or past
//! `max_entries`). A full ring counts a lost record and fails (`NO_MEMORY` / `ENOSPC`). The
//! capture-length bits of the flags (context data appended to the record) are the helper's
//! business: it passes the captured bytes as another part.
//!
//! Ring sizes: on Windows `max_entries` is each ring's capacity (a power of two, a multiple of
//! 4096); on Linux `max_entries` is the number of CPU slots and each ring has
//! [`LINUX_RING_SIZE`] bytes (on Linux the reader chooses the size when it opens the buffers).
//! Records are kept with the ring buffer's 8-byte header; the reader gets each record's data.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use super::ringbuf::RingBuf;
use super::Semantics;
use crate::epoch::Guard;
use crate::error::{errno, EbpfResult, Failure, MapErrorKind};

/// `BPF_F_CURRENT_CPU`: the index meaning "this CPU".
pub const CURRENT_CPU: u32 = 0xffff_ffff;

/// The per-CPU ring size under Linux semantics.
pub const LINUX_RING_SIZE: u32 = 64 * 1024;

/// Per-CPU record rings.
#[derive(Debug)]
pub struct PerfEventArray {
    rings: Box<[RingBuf]>,
    lost: Box<[AtomicU64]>,
    max_entries: u32,
    semantics: Semantics,
}

impl PerfEventArray {
    pub(crate) fn new(
        max_entries: u32,
        cpus: usize,
        semantics: Semantics,
    ) -> Result<Self, Failure> {
        let ring_size = match semantics {
            Semantics::Windows => max_entries,
            Semantics::Linux => LINUX_RING_SIZE,
        };
        let mut rings = Vec::new();
        rings
            .try_reserve_exact(cpus)
            .map_err(|_| Failure::no_memory())?;
        for _ in 0..cpus {
            rings.push(RingBuf::new(ring_size, Semantics::Linux)?);
        }
        Ok(PerfEventArray {
            rings: rings.into_boxed_slice(),
            lost: (0..cpus).map(|_| AtomicU64::new(0)).collect(),
            max_entries,
            semantics,
        })
    }

    /// The number of rings (one per CPU).
    pub fn cpu_count(&self) -> usize {
        self.rings.len()
    }

    /// The ring of `cpu`.
    pub fn ring(&self, cpu: usize) -> Option<&RingBuf> {
        self.rings.get(cpu)
    }

    /// Records lost on `cpu` because its ring was full.
    pub fn lost(&self, cpu: usize) -> u64 {
        self.lost.get(cpu).map_or(0, |l| l.load(Ordering::Relaxed))
    }

    /// Outputs the concatenation of `parts` to the ring of the guard's CPU; `index` is that
    /// CPU or [`CURRENT_CPU`].
    pub(crate) fn output(
        &self,
        guard: &Guard<'_>,
        index: u32,
        parts: &[&[u8]],
    ) -> Result<(), Failure> {
        let cpu = guard.cpu().ok_or(Failure::invalid(MapErrorKind::NoCpu))?;
        if index != CURRENT_CPU {
            if self.semantics == Semantics::Linux && index >= self.max_entries {
                return Err(Failure::new(
                    MapErrorKind::IndexOutOfRange {
                        index,
                        max_entries: self.max_entries,
                    },
                    EbpfResult::InvalidArgument,
                    errno::E2BIG,
                ));
            }
            if index as usize != cpu {
                return Err(Failure::new(
                    MapErrorKind::WrongCpu {
                        requested: u64::from(index),
                        current: cpu,
                    },
                    EbpfResult::InvalidArgument,
                    errno::EOPNOTSUPP,
                ));
            }
        }
        let ring = &self.rings[cpu];
        match ring.output_parts(parts, 0) {
            Ok(()) => Ok(()),
            Err(mut failure) => {
                if failure.kind == MapErrorKind::RingFull {
                    self.lost[cpu].fetch_add(1, Ordering::Relaxed);
                    failure.errno = errno::ENOSPC;
                }
                if self.semantics == Semantics::Windows && failure.kind != MapErrorKind::RingFull {
                    failure.result = EbpfResult::InvalidArgument;
                }
                Err(failure)
            }
        }
    }

    /// Drains every ring, calling `f(cpu, record)`; returns the number of records.
    pub fn read_all(&self, mut f: impl FnMut(usize, &[u8])) -> usize {
        self.rings
            .iter()
            .enumerate()
            .map(|(cpu, ring)| ring.consume(|r| f(cpu, r)))
            .sum()
    }
}
