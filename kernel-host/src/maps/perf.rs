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
//! Readers: on Linux a program's output reaches a slot only while a reader has a perf event
//! open there (`perf_buffer__new` opens one per CPU and stores it in the CPU's slot); here the
//! reader opens slot `cpu` with [`PerfEventArray::open`] and closes it with
//! [`PerfEventArray::close`] (its unread records are dropped, as the event's buffer is). Output
//! to a slot with no reader fails with `-ENOENT`, as `__bpf_perf_event_output` does, after the
//! `-E2BIG` check of the index and before the `-EOPNOTSUPP` check of the CPU. On Windows every
//! CPU's ring exists from the map's creation: open and close change nothing.
//!
//! Ring sizes: on Windows `max_entries` is each ring's capacity (a power of two, a multiple of
//! 4096); on Linux `max_entries` is the number of CPU slots and each ring has
//! [`LINUX_RING_SIZE`] bytes (on Linux the reader chooses the size when it opens the buffers).
//! Records are kept with the ring buffer's 8-byte header; the reader gets each record's data.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

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
    /// Per CPU slot, whether a reader has it open (Linux semantics only).
    open: Box<[AtomicBool]>,
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
            open: (0..cpus).map(|_| AtomicBool::new(false)).collect(),
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

    /// Opens slot `cpu` for reading: from now on programs running on `cpu` output there.
    /// False when the map has no such slot (`cpu` at or past the CPU count or, on Linux,
    /// `max_entries`). Opening an open slot changes nothing.
    pub fn open(&self, cpu: usize) -> bool {
        let Some(open) = self.open.get(cpu) else {
            return false;
        };
        if self.semantics == Semantics::Linux && cpu >= self.max_entries as usize {
            return false;
        }
        open.store(true, Ordering::Release);
        true
    }

    /// Opens every slot that has a CPU (what `perf_buffer__new` does).
    pub fn open_all(&self) {
        for cpu in 0..self.rings.len() {
            self.open(cpu);
        }
    }

    /// Closes slot `cpu`: programs' output there fails again (on Linux) and its unread records
    /// are dropped. Nothing happens under Windows semantics.
    pub fn close(&self, cpu: usize) {
        if self.semantics == Semantics::Windows {
            return;
        }
        if let Some(open) = self.open.get(cpu) {
            open.store(false, Ordering::Release);
            self.rings[cpu].consume(|_| {});
        }
    }

    /// Whether programs can output to slot `cpu` (always, under Windows semantics, for a
    /// slot that exists).
    pub fn is_open(&self, cpu: usize) -> bool {
        match self.semantics {
            Semantics::Windows => cpu < self.rings.len(),
            Semantics::Linux => self
                .open
                .get(cpu)
                .is_some_and(|o| o.load(Ordering::Acquire)),
        }
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
        let wrong_cpu = |requested: u32| {
            Failure::new(
                MapErrorKind::WrongCpu {
                    requested: u64::from(requested),
                    current: cpu,
                },
                EbpfResult::InvalidArgument,
                errno::EOPNOTSUPP,
            )
        };
        match self.semantics {
            Semantics::Linux => {
                let slot = if index == CURRENT_CPU {
                    cpu as u32
                } else {
                    index
                };
                if slot >= self.max_entries {
                    return Err(Failure::new(
                        MapErrorKind::IndexOutOfRange {
                            index: slot,
                            max_entries: self.max_entries,
                        },
                        EbpfResult::InvalidArgument,
                        errno::E2BIG,
                    ));
                }
                if !self.is_open(slot as usize) {
                    return Err(Failure::new(
                        MapErrorKind::SlotNotOpen { slot },
                        EbpfResult::ObjectNotFound,
                        errno::ENOENT,
                    ));
                }
                if slot as usize != cpu {
                    return Err(wrong_cpu(slot));
                }
            }
            Semantics::Windows => {
                if index != CURRENT_CPU && index as usize != cpu {
                    return Err(wrong_cpu(index));
                }
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
