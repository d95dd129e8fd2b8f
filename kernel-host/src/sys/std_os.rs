//! [`StdOs`]: the user-mode [`Os`]: `mmap`/`mprotect`/`munmap` for code, `clock_gettime`,
//! `getrandom`, `sched_getcpu`, and a trace sink (standard error by default).

use std::boxed::Box;
use std::cell::Cell;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use crate::os::{ExecMemory, Os, OsError, OsErrorKind, Task};

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
    /// This thread's [`Task`], read from the system on first use.
    static TASK: Cell<Option<Task>> = const { Cell::new(None) };
}

/// 100 ns units from 1601-01-01 to 1970-01-01 (the `FILETIME` of the Unix epoch).
const FILETIME_UNIX_EPOCH: i64 = 116_444_736_000_000_000;

/// Field 22 of a `/proc/.../stat` file: when the process or thread started, in clock ticks
/// since boot.
#[cfg(target_os = "linux")]
fn start_ticks(path: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(path).ok()?;
    // Fields 3 on follow the command name's closing parenthesis (the name may hold spaces).
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace()
        .nth(22 - 3)
        .and_then(|f| f.parse().ok())
}

/// This thread's [`Task`] from the system: `getpid`, `gettid`, the audit session id
/// (`/proc/self/sessionid`, 0 when unset) as the logon id, the process start time and pid as
/// the start key, and the thread's start time as a `FILETIME`.
#[cfg(target_os = "linux")]
fn read_task() -> Task {
    let process_id = std::process::id();
    // SAFETY: `gettid` takes no arguments and cannot fail.
    let thread_id = unsafe { libc::gettid() } as u32;
    let logon_id = std::fs::read_to_string("/proc/self/sessionid")
        .ok()
        .and_then(|s| s.trim().parse::<u32>().ok())
        .filter(|&id| id != u32::MAX)
        .map_or(0, u64::from);
    // SAFETY: `sysconf` only reads a system constant.
    let hz = u64::try_from(unsafe { libc::sysconf(libc::_SC_CLK_TCK) })
        .ok()
        .filter(|&hz| hz > 0)
        .unwrap_or(100);
    // Two processes alive at once have different ids, and an id is reused only by a process
    // started later (pid_max is at most 2^22).
    let process_start_key =
        start_ticks("/proc/self/stat").map_or(0, |t| (t << 22) | u64::from(process_id & 0x3f_ffff));
    let thread_create_time = (|| {
        let ticks = start_ticks("/proc/thread-self/stat")?;
        let since_boot = i128::from(ticks) * 1_000_000_000 / i128::from(hz);
        let now = StdOs::clock(libc::CLOCK_REALTIME)?;
        let up = StdOs::clock(libc::CLOCK_BOOTTIME)?;
        let wall_ns = i128::from(now) - i128::from(up) + since_boot;
        i64::try_from(wall_ns / 100)
            .ok()?
            .checked_add(FILETIME_UNIX_EPOCH)
    })()
    .unwrap_or(0);
    Task {
        process_id,
        thread_id,
        logon_id,
        process_start_key,
        thread_create_time,
    }
}

/// Without `/proc`: the process id only.
#[cfg(not(target_os = "linux"))]
fn read_task() -> Task {
    Task {
        process_id: std::process::id(),
        ..Task::NONE
    }
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

    fn current_task(&self) -> Task {
        TASK.with(|t| match t.get() {
            Some(task) => task,
            None => {
                let task = read_task();
                t.set(Some(task));
                task
            }
        })
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
        self.check_write(offset, bytes.len())?;
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
