//! [`StdOs`]: the user-mode [`Os`]: `mmap`/`mprotect`/`munmap` for code, `clock_gettime`,
//! `getrandom`, `sched_getcpu`, and a trace sink (standard error by default).

use std::boxed::Box;
use std::cell::Cell;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use crate::os::{ExecMemory, Os, OsError, OsErrorKind};

/// Where trace lines go.
type TraceSink = Box<dyn Fn(&str) + Send + Sync>;

/// The user-mode operating-system services.
pub struct StdOs {
    cpus: usize,
    start: Instant,
    sink: TraceSink,
}

impl fmt::Debug for StdOs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StdOs")
            .field("cpus", &self.cpus)
            .finish_non_exhaustive()
    }
}

impl Default for StdOs {
    fn default() -> Self {
        Self::new()
    }
}

impl StdOs {
    /// The machine's CPU count (`available_parallelism`), traces to standard error.
    pub fn new() -> Self {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        StdOs {
            cpus,
            start: Instant::now(),
            sink: Box::new(|line| std::eprintln!("{line}")),
        }
    }

    /// The same services with `cpus` virtual CPUs (at least 1).
    pub fn with_cpu_count(mut self, cpus: usize) -> Self {
        self.cpus = cpus.max(1);
        self
    }

    /// The same services with trace lines sent to `sink`.
    pub fn with_trace_sink(mut self, sink: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.sink = Box::new(sink);
        self
    }

    #[cfg(target_os = "linux")]
    fn clock(id: libc::clockid_t) -> Option<u64> {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
        let rc = unsafe { libc::clock_gettime(id, &mut ts) };
        (rc == 0).then(|| (ts.tv_sec as u64) * 1_000_000_000 + ts.tv_nsec as u64)
    }

    fn elapsed_ns(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}

std::thread_local! {
    /// This thread's pseudo-random state (splitmix64), seeded from `getrandom` on first use.
    static RNG: Cell<u64> = const { Cell::new(0) };
    /// This thread's CPU when the system cannot tell: assigned round robin.
    static FALLBACK_CPU: Cell<usize> = const { Cell::new(usize::MAX) };
}

static NEXT_FALLBACK_CPU: AtomicUsize = AtomicUsize::new(0);

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Fills `buf` from the kernel's random source; `false` if it is unavailable.
fn os_random(buf: &mut [u8]) -> bool {
    #[cfg(target_os = "linux")]
    {
        let mut done = 0;
        while done < buf.len() {
            let rest = &mut buf[done..];
            // SAFETY: `rest` is valid for writes of `rest.len()` bytes for the call.
            let n = unsafe { libc::getrandom(rest.as_mut_ptr().cast(), rest.len(), 0) };
            if n <= 0 {
                if std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                    continue;
                }
                return false;
            }
            done += n as usize;
        }
        true
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = buf;
        false
    }
}

impl Os for StdOs {
    fn alloc_exec(&self, len: usize) -> Result<Box<dyn ExecMemory>, OsError> {
        Ok(Box::new(MappedCode::new(len)?))
    }

    fn monotonic_ns(&self) -> u64 {
        #[cfg(target_os = "linux")]
        if let Some(ns) = Self::clock(libc::CLOCK_MONOTONIC) {
            return ns;
        }
        self.elapsed_ns()
    }

    fn boot_ns(&self) -> u64 {
        #[cfg(target_os = "linux")]
        if let Some(ns) = Self::clock(libc::CLOCK_BOOTTIME) {
            return ns;
        }
        self.elapsed_ns()
    }

    fn fill_random(&self, buf: &mut [u8]) {
        if os_random(buf) {
            return;
        }
        for chunk in buf.chunks_mut(4) {
            let r = self.random_u32().to_ne_bytes();
            chunk.copy_from_slice(&r[..chunk.len()]);
        }
    }

    fn random_u32(&self) -> u32 {
        RNG.with(|rng| {
            let mut state = rng.get();
            if state == 0 {
                let mut seed = [0u8; 8];
                if !os_random(&mut seed) {
                    seed = (self.elapsed_ns() ^ (&seed as *const _ as u64)).to_ne_bytes();
                }
                state = u64::from_ne_bytes(seed) | 1;
            }
            let r = splitmix64(&mut state);
            rng.set(state);
            (r >> 32) as u32
        })
    }

    fn current_cpu(&self) -> usize {
        #[cfg(target_os = "linux")]
        {
            // SAFETY: `sched_getcpu` takes no arguments and only reads the thread's state.
            let cpu = unsafe { libc::sched_getcpu() };
            if let Ok(cpu) = usize::try_from(cpu) {
                return cpu % self.cpus;
            }
        }
        FALLBACK_CPU.with(|c| {
            if c.get() == usize::MAX {
                c.set(NEXT_FALLBACK_CPU.fetch_add(1, Ordering::Relaxed));
            }
            c.get() % self.cpus
        })
    }

    fn cpu_count(&self) -> usize {
        self.cpus
    }

    fn trace(&self, line: &str) {
        (self.sink)(line);
    }

    fn relax(&self) {
        std::thread::yield_now();
    }
}

/// An anonymous private mapping: read-write until `make_executable`, then read-execute.
#[derive(Debug)]
struct MappedCode {
    addr: *mut u8,
    len: usize,
    executable: bool,
}

// SAFETY: the mapping is owned by this value alone; moving it between threads moves ownership,
// and `&self` methods only read the address.
unsafe impl Send for MappedCode {}
// SAFETY: shared references only read `addr`, `len` and `executable`; every write to the mapping
// goes through `&mut self`.
unsafe impl Sync for MappedCode {}

#[cfg(unix)]
fn last_errno() -> Option<i32> {
    std::io::Error::last_os_error().raw_os_error()
}

impl MappedCode {
    #[cfg(unix)]
    fn new(len: usize) -> Result<Self, OsError> {
        if len == 0 {
            return Err(OsError::new(OsErrorKind::OutOfMemory { len, errno: None }));
        }
        // SAFETY: an anonymous private mapping at an address the kernel chooses touches no
        // existing memory; the result is checked against MAP_FAILED.
        let addr = unsafe {
            libc::mmap(
                core::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if addr == libc::MAP_FAILED {
            return Err(OsError::new(OsErrorKind::OutOfMemory {
                len,
                errno: last_errno(),
            }));
        }
        Ok(MappedCode {
            addr: addr.cast(),
            len,
            executable: false,
        })
    }

    #[cfg(not(unix))]
    fn new(_len: usize) -> Result<Self, OsError> {
        Err(OsError::new(OsErrorKind::Unsupported {
            what: "executable memory",
        }))
    }
}

impl ExecMemory for MappedCode {
    fn len(&self) -> usize {
        self.len
    }

    fn is_executable(&self) -> bool {
        self.executable
    }

    fn write(&mut self, offset: usize, bytes: &[u8]) -> Result<(), OsError> {
        if self.executable {
            return Err(OsError::new(OsErrorKind::NotWritable));
        }
        let in_bounds = offset
            .checked_add(bytes.len())
            .is_some_and(|end| end <= self.len);
        if !in_bounds {
            return Err(OsError::new(OsErrorKind::OutOfBounds {
                offset,
                len: bytes.len(),
                size: self.len,
            }));
        }
        // SAFETY: the mapping is `len` bytes, read-write (not yet executable, checked above),
        // owned by `self` (`&mut self`: no other access), and `offset + bytes.len() <= len`.
        unsafe {
            core::ptr::copy_nonoverlapping(bytes.as_ptr(), self.addr.add(offset), bytes.len());
        }
        Ok(())
    }

    #[cfg(unix)]
    fn make_executable(&mut self) -> Result<(), OsError> {
        if self.executable {
            return Ok(());
        }
        // SAFETY: `addr..addr+len` is the mapping created in `new` and still owned by `self`.
        let rc = unsafe {
            libc::mprotect(
                self.addr.cast(),
                self.len,
                libc::PROT_READ | libc::PROT_EXEC,
            )
        };
        if rc != 0 {
            return Err(OsError::new(OsErrorKind::Protect {
                errno: last_errno(),
            }));
        }
        self.executable = true;
        Ok(())
    }

    #[cfg(not(unix))]
    fn make_executable(&mut self) -> Result<(), OsError> {
        Err(OsError::new(OsErrorKind::Unsupported {
            what: "executable memory",
        }))
    }

    fn as_ptr(&self) -> *const u8 {
        self.addr
    }
}

impl Drop for MappedCode {
    fn drop(&mut self) {
        #[cfg(unix)]
        // SAFETY: `addr..addr+len` is the mapping created in `new`, owned by `self` and unmapped
        // only here.
        unsafe {
            libc::munmap(self.addr.cast(), self.len);
        }
    }
}
