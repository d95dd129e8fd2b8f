//! [`Os`]: everything the execution context needs from the system below it.
//!
//! - executable memory ([`ExecMemory`]): allocated writable, filled, then made read-execute;
//!   never writable and executable at once; freed on drop;
//! - a monotonic clock and a boot clock (including suspend), in nanoseconds;
//! - randomness;
//! - the current CPU index (a hint for [`Epoch::enter`](crate::epoch::Epoch::enter)) and the
//!   CPU count;
//! - a trace sink for `bpf_trace_printk`-style output;
//! - a `relax` step for busy waits;
//! - the process and thread a program runs for ([`Task`], eBPF for Windows' helpers 19, 20,
//!   33 and 34).
//!
//! With feature `std`, [`StdOs`] implements it for user mode.

use alloc::boxed::Box;
use core::fmt;

#[cfg(feature = "std")]
pub use crate::sys::std_os::StdOs;

/// The services of the system the execution context runs on.
pub trait Os: Send + Sync + fmt::Debug {
    /// Allocates `len` bytes of writable, non-executable memory for code.
    fn alloc_exec(&self, len: usize) -> Result<Box<dyn ExecMemory>, OsError>;

    /// Nanoseconds of a clock that never goes back and stops while the machine is suspended
    /// (Linux `CLOCK_MONOTONIC`, `bpf_ktime_get_ns`).
    fn monotonic_ns(&self) -> u64;

    /// Nanoseconds since boot, including suspend (Linux `CLOCK_BOOTTIME`,
    /// `bpf_ktime_get_boot_ns`).
    fn boot_ns(&self) -> u64;

    /// Fills `buf` with random bytes.
    fn fill_random(&self, buf: &mut [u8]);

    /// A random `u32` (`bpf_get_prandom_u32`); need not be cryptographic.
    fn random_u32(&self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_random(&mut b);
        u32::from_ne_bytes(b)
    }

    /// The CPU this thread runs on now, below [`Os::cpu_count`]; only a hint.
    fn current_cpu(&self) -> usize;

    /// The number of CPUs (at least 1).
    fn cpu_count(&self) -> usize;

    /// Writes one line of trace output (`bpf_trace_printk`), without its newline.
    fn trace(&self, line: &str);

    /// One step of a busy wait (a pause, or a yield to the scheduler).
    fn relax(&self) {
        core::hint::spin_loop();
    }

    /// The process and thread running now. A system that runs programs outside any process
    /// (an interrupt, a kernel without processes) answers [`Task::NONE`], all zeros: what eBPF
    /// for Windows' helpers give at `DISPATCH_LEVEL`.
    fn current_task(&self) -> Task {
        Task::NONE
    }
}

/// The process and thread a program runs for, as eBPF for Windows' general helpers report
/// them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Task {
    /// The process id (the high half of `bpf_get_current_pid_tgid`, 19).
    pub process_id: u32,
    /// The thread id (its low half).
    pub thread_id: u32,
    /// The logon session the process belongs to (`bpf_get_current_logon_id`, 20); 0 when
    /// unknown.
    pub logon_id: u64,
    /// A value naming this process among all processes since boot
    /// (`bpf_get_current_process_start_key`, 33; Windows' `PsGetProcessStartKey`).
    pub process_start_key: u64,
    /// When the thread was created, in 100 ns units since 1601-01-01 UTC
    /// (`bpf_get_current_thread_create_time`, 34; a Windows `FILETIME`).
    pub thread_create_time: i64,
}

impl Task {
    /// No process or thread: every field 0.
    pub const NONE: Task = Task {
        process_id: 0,
        thread_id: 0,
        logon_id: 0,
        process_start_key: 0,
        thread_create_time: 0,
    };
}

/// A region of memory for machine code. It starts writable; [`ExecMemory::make_executable`]
/// turns it read-execute for good. It is freed when dropped.
pub trait ExecMemory: Send + Sync + fmt::Debug {
    /// The region's length in bytes.
    fn len(&self) -> usize;

    /// Whether the region is empty (never, for regions from [`Os::alloc_exec`] with `len > 0`).
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the region has been made read-execute.
    fn is_executable(&self) -> bool;

    /// Copies `bytes` to `offset`; fails once the region is executable or when out of bounds
    /// (implementations start with [`ExecMemory::check_write`]).
    fn write(&mut self, offset: usize, bytes: &[u8]) -> Result<(), OsError>;

    /// Whether `len` bytes may be written at `offset`: the region is still writable and
    /// `[offset, offset + len)` lies inside it.
    fn check_write(&self, offset: usize, len: usize) -> Result<(), OsError> {
        if self.is_executable() {
            return Err(OsError::new(OsErrorKind::NotWritable));
        }
        let size = self.len();
        if offset.checked_add(len).is_none_or(|end| end > size) {
            return Err(OsError::new(OsErrorKind::OutOfBounds { offset, len, size }));
        }
        Ok(())
    }

    /// Makes the region read-execute (and no longer writable).
    fn make_executable(&mut self) -> Result<(), OsError>;

    /// The region's start address (to call into once executable). A region does not move:
    /// the host reads it once, when it installs code.
    fn as_ptr(&self) -> *const u8;
}

/// Why an OS service failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OsError {
    kind: OsErrorKind,
}

/// What failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OsErrorKind {
    /// This system offers no such service.
    Unsupported {
        /// The service.
        what: &'static str,
    },
    /// The system refused memory.
    OutOfMemory {
        /// The requested length.
        len: usize,
        /// The system's error number, when it gave one.
        errno: Option<i32>,
    },
    /// Changing a region's protection failed.
    Protect {
        /// The system's error number, when it gave one.
        errno: Option<i32>,
    },
    /// A write past the end of a region.
    OutOfBounds {
        /// Where the write started.
        offset: usize,
        /// Its length.
        len: usize,
        /// The region's length.
        size: usize,
    },
    /// A write to a region already made executable.
    NotWritable,
}

impl OsError {
    /// An error of `kind`.
    pub fn new(kind: OsErrorKind) -> Self {
        OsError { kind }
    }

    /// What failed.
    pub fn kind(&self) -> &OsErrorKind {
        &self.kind
    }
}

impl fmt::Display for OsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let errno = |f: &mut fmt::Formatter<'_>, e: &Option<i32>| match e {
            Some(e) => write!(f, " (errno {e})"),
            None => Ok(()),
        };
        match &self.kind {
            OsErrorKind::Unsupported { what } => write!(f, "{what} is not supported here"),
            OsErrorKind::OutOfMemory { len, errno: e } => {
                write!(f, "cannot allocate {len} bytes of code memory")?;
                errno(f, e)
            }
            OsErrorKind::Protect { errno: e } => {
                write!(f, "cannot make code memory read-execute")?;
                errno(f, e)
            }
            OsErrorKind::OutOfBounds { offset, len, size } => write!(
                f,
                "write of {len} bytes at offset {offset} overflows a {size}-byte code region"
            ),
            OsErrorKind::NotWritable => {
                write!(f, "code region is already executable and cannot be written")
            }
        }
    }
}

impl core::error::Error for OsError {}
