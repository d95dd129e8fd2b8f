//! The driver's OS services: the C table of callbacks ([`OsTable`]), the [`Os`] built on it
//! ([`TableOs`]), executable memory from it ([`TableCode`]), and the global allocator that
//! forwards every Rust allocation to the table's pool callbacks ([`PoolAllocator`]).
//!
//! The table is copied once, by `ebpf_driver_init`, into one static slot, and stays there
//! until `ebpf_driver_teardown` has freed everything the library allocated: the allocator has
//! no other way to reach it, and a driver has one execution context.

use alloc::boxed::Box;
use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ffi::c_void;
use core::fmt;
use core::sync::atomic::{AtomicU8, Ordering};

use ebpf_kernel_host::os::{ExecMemory, Os, OsError, OsErrorKind};

/// The OS callbacks a driver gives the library (`struct ebpf_os_table` in `ebpf_driver.h`).
/// Every callback gets the table's `context` first.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct OsTable {
    /// `sizeof(struct ebpf_os_table)`: the version check.
    pub size: u32,
    /// The number of CPUs (at least 1).
    pub cpu_count: u32,
    /// Passed back to every callback.
    pub context: *mut c_void,
    /// Allocates `size` bytes aligned to `align` from non-paged pool; NULL when out of memory.
    pub pool_alloc: Option<unsafe extern "C" fn(*mut c_void, usize, usize) -> *mut c_void>,
    /// Frees what `pool_alloc` returned (with the same size and alignment).
    pub pool_free: Option<unsafe extern "C" fn(*mut c_void, *mut c_void, usize, usize)>,
    /// Allocates `size` bytes of writable, non-executable memory for code (optional: NULL
    /// where only the interpreter runs, as under HVCI).
    pub exec_alloc: Option<unsafe extern "C" fn(*mut c_void, usize) -> *mut c_void>,
    /// Makes `[ptr, ptr + size)` read-execute and no longer writable; 0 on success.
    pub exec_protect: Option<unsafe extern "C" fn(*mut c_void, *mut c_void, usize) -> i32>,
    /// Frees what `exec_alloc` returned.
    pub exec_free: Option<unsafe extern "C" fn(*mut c_void, *mut c_void, usize)>,
    /// Nanoseconds of a monotonic clock.
    pub monotonic_ns: Option<unsafe extern "C" fn(*mut c_void) -> u64>,
    /// Nanoseconds since boot including suspend (optional: the monotonic clock).
    pub boot_ns: Option<unsafe extern "C" fn(*mut c_void) -> u64>,
    /// Fills `len` bytes at `buf` with random bytes.
    pub random_bytes: Option<unsafe extern "C" fn(*mut c_void, *mut u8, usize)>,
    /// The current CPU, below `cpu_count` (a hint).
    pub current_cpu: Option<unsafe extern "C" fn(*mut c_void) -> u32>,
    /// Writes one line of trace output of `len` bytes, not NUL-terminated (optional).
    pub trace: Option<unsafe extern "C" fn(*mut c_void, *const u8, usize)>,
    /// Stops the system with a message (a bug check); must not return (optional: the library
    /// spins forever after tracing the message).
    pub fatal: Option<unsafe extern "C" fn(*mut c_void, *const u8, usize)>,
}

/// The size of [`OsTable`] on 64-bit targets; `ebpf_driver.h` asserts the same.
#[cfg(target_pointer_width = "64")]
const _: () = assert!(core::mem::size_of::<OsTable>() == 104);

/// Why a table was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TableError {
    /// `size` is not this library's.
    Size,
    /// A required callback is NULL, `cpu_count` is 0, or the executable-memory callbacks are
    /// given in part.
    Missing,
    /// A table is installed already.
    Busy,
}

impl OsTable {
    fn check(&self) -> Result<(), TableError> {
        if self.size as usize != core::mem::size_of::<OsTable>() {
            return Err(TableError::Size);
        }
        let exec = [
            self.exec_alloc.is_some(),
            self.exec_protect.is_some(),
            self.exec_free.is_some(),
        ];
        let required = self.pool_alloc.is_some()
            && self.pool_free.is_some()
            && self.monotonic_ns.is_some()
            && self.random_bytes.is_some()
            && self.current_cpu.is_some()
            && self.cpu_count > 0
            && (exec == [true; 3] || exec == [false; 3]);
        if required {
            Ok(())
        } else {
            Err(TableError::Missing)
        }
    }
}

/// Nothing installed.
const EMPTY: u8 = 0;
/// `install` or `remove` is writing the slot.
const WRITING: u8 = 1;
/// The slot holds a checked table.
const READY: u8 = 2;

/// The installed table: written only while `STATE` is `WRITING` by the one thread that moved it
/// there, read only while it is `READY`.
struct Slot(UnsafeCell<Option<OsTable>>);

// SAFETY: the cell is written only by the thread that won the `EMPTY -> WRITING` or
// `READY -> WRITING` exchange on `STATE`, and read only after observing `READY` (Acquire),
// which the writer published with Release after its write.
unsafe impl Sync for Slot {}

static SLOT: Slot = Slot(UnsafeCell::new(None));
static STATE: AtomicU8 = AtomicU8::new(EMPTY);

/// Installs `table` for the allocator and the [`TableOs`]; fails if one is installed.
pub(crate) fn install(table: &OsTable) -> Result<(), TableError> {
    table.check()?;
    if STATE
        .compare_exchange(EMPTY, WRITING, Ordering::Acquire, Ordering::Relaxed)
        .is_err()
    {
        return Err(TableError::Busy);
    }
    // SAFETY: this thread won `EMPTY -> WRITING`, so nothing else reads or writes the slot
    // (readers wait for `READY`).
    unsafe { *SLOT.0.get() = Some(*table) };
    STATE.store(READY, Ordering::Release);
    Ok(())
}

/// Removes the table: the allocator fails from now on. The caller has freed everything.
pub(crate) fn remove() {
    if STATE
        .compare_exchange(READY, WRITING, Ordering::Acquire, Ordering::Relaxed)
        .is_ok()
    {
        // SAFETY: this thread won `READY -> WRITING`; no reader starts while it is `WRITING`,
        // and the caller guarantees no allocation is in flight (teardown's contract).
        unsafe { *SLOT.0.get() = None };
        STATE.store(EMPTY, Ordering::Release);
    }
}

/// The installed table, if any.
fn table() -> Option<&'static OsTable> {
    if STATE.load(Ordering::Acquire) != READY {
        return None;
    }
    // SAFETY: `READY` was published after the write (see `Slot`); the slot is only rewritten
    // by `remove`, which teardown calls once nothing of the library runs any more.
    unsafe { (*SLOT.0.get()).as_ref() }
}

/// Traces `line` through the table, if one is installed and has a trace callback.
pub(crate) fn trace(line: &str) {
    if let Some(t) = table() {
        if let Some(f) = t.trace {
            // SAFETY: the table's contract: `trace` reads `len` bytes at the pointer.
            unsafe { f(t.context, line.as_ptr(), line.len()) };
        }
    }
}

/// Stops the system with `message` (the table's `fatal`, else traces it and spins).
#[cfg_attr(not(feature = "runtime"), allow(dead_code))]
pub(crate) fn fatal(message: &str) -> ! {
    if let Some(t) = table() {
        trace(message);
        if let Some(f) = t.fatal {
            // SAFETY: the table's contract: `fatal` reads `len` bytes and does not return.
            unsafe { f(t.context, message.as_ptr(), message.len()) };
        }
    }
    loop {
        core::hint::spin_loop();
    }
}

/// The global allocator: every Rust allocation of the library goes to the table's pool.
#[derive(Debug)]
pub struct PoolAllocator;

// SAFETY: `alloc` returns the pool's block for the layout (or null, which `GlobalAlloc`
// allows); `dealloc` hands back exactly what `alloc` returned with the same layout, which the
// table's contract says `pool_free` accepts.
unsafe impl GlobalAlloc for PoolAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match table() {
            Some(OsTable {
                pool_alloc: Some(f),
                context,
                ..
            }) => {
                // SAFETY: the table's contract for `pool_alloc`.
                unsafe { f(*context, layout.size(), layout.align()).cast() }
            }
            _ => core::ptr::null_mut(),
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if let Some(OsTable {
            pool_free: Some(f),
            context,
            ..
        }) = table()
        {
            // SAFETY: `ptr` came from `pool_alloc` with this layout (GlobalAlloc's contract).
            unsafe { f(*context, ptr.cast(), layout.size(), layout.align()) };
        }
    }
}

/// The [`Os`] on the installed table.
#[derive(Debug)]
pub(crate) struct TableOs {
    table: OsTable,
}

// SAFETY: the table's callbacks may be called from any thread (the header's contract), and its
// `context` pointer is only passed back to them.
unsafe impl Send for TableOs {}
// SAFETY: as for `Send`: the callbacks are thread-safe by contract.
unsafe impl Sync for TableOs {}

impl TableOs {
    /// The services of `table` (already checked by [`install`]).
    pub(crate) fn new(table: OsTable) -> TableOs {
        TableOs { table }
    }
}

impl Os for TableOs {
    fn alloc_exec(&self, len: usize) -> Result<Box<dyn ExecMemory>, OsError> {
        let (Some(alloc), Some(protect), Some(free)) = (
            self.table.exec_alloc,
            self.table.exec_protect,
            self.table.exec_free,
        ) else {
            return Err(OsError::new(OsErrorKind::Unsupported {
                what: "executable memory",
            }));
        };
        // SAFETY: the table's contract for `exec_alloc`.
        let ptr = unsafe { alloc(self.table.context, len) };
        if ptr.is_null() {
            return Err(OsError::new(OsErrorKind::OutOfMemory { len, errno: None }));
        }
        Ok(Box::new(TableCode {
            ptr: ptr.cast(),
            len,
            executable: false,
            context: self.table.context,
            protect,
            free,
        }))
    }

    fn monotonic_ns(&self) -> u64 {
        match self.table.monotonic_ns {
            // SAFETY: the table's contract for the clock.
            Some(f) => unsafe { f(self.table.context) },
            None => 0,
        }
    }

    fn boot_ns(&self) -> u64 {
        match self.table.boot_ns {
            // SAFETY: the table's contract for the clock.
            Some(f) => unsafe { f(self.table.context) },
            None => self.monotonic_ns(),
        }
    }

    fn fill_random(&self, buf: &mut [u8]) {
        if let Some(f) = self.table.random_bytes {
            // SAFETY: `buf` is valid for writes of its length for the call.
            unsafe { f(self.table.context, buf.as_mut_ptr(), buf.len()) };
        }
    }

    fn current_cpu(&self) -> usize {
        let cpu = match self.table.current_cpu {
            // SAFETY: the table's contract for `current_cpu`.
            Some(f) => unsafe { f(self.table.context) },
            None => 0,
        };
        (cpu as usize) % self.cpu_count()
    }

    fn cpu_count(&self) -> usize {
        (self.table.cpu_count as usize).max(1)
    }

    fn trace(&self, line: &str) {
        if let Some(f) = self.table.trace {
            // SAFETY: `line` is valid for reads of its length for the call.
            unsafe { f(self.table.context, line.as_ptr(), line.len()) };
        }
    }
}

/// A code region from the table's `exec_alloc`: written by copies while writable, then made
/// read-execute by `exec_protect`, freed by `exec_free` on drop.
pub(crate) struct TableCode {
    ptr: *mut u8,
    len: usize,
    executable: bool,
    context: *mut c_void,
    protect: unsafe extern "C" fn(*mut c_void, *mut c_void, usize) -> i32,
    free: unsafe extern "C" fn(*mut c_void, *mut c_void, usize),
}

// SAFETY: the region is owned by this value alone; the callbacks are thread-safe by contract.
unsafe impl Send for TableCode {}
// SAFETY: shared access only reads the pointer and length.
unsafe impl Sync for TableCode {}

impl fmt::Debug for TableCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TableCode")
            .field("len", &self.len)
            .field("executable", &self.executable)
            .finish()
    }
}

impl ExecMemory for TableCode {
    fn len(&self) -> usize {
        self.len
    }

    fn is_executable(&self) -> bool {
        self.executable
    }

    fn write(&mut self, offset: usize, bytes: &[u8]) -> Result<(), OsError> {
        self.check_write(offset, bytes.len())?;
        // SAFETY: `[offset, offset + len)` lies in the region (checked above), which is
        // writable until `make_executable` and owned by `self` (`&mut`).
        unsafe {
            core::ptr::copy_nonoverlapping(bytes.as_ptr(), self.ptr.add(offset), bytes.len());
        }
        Ok(())
    }

    fn make_executable(&mut self) -> Result<(), OsError> {
        if self.executable {
            return Ok(());
        }
        // SAFETY: the region came from `exec_alloc` with this length.
        let rc = unsafe { (self.protect)(self.context, self.ptr.cast(), self.len) };
        if rc != 0 {
            return Err(OsError::new(OsErrorKind::Protect { errno: Some(rc) }));
        }
        self.executable = true;
        Ok(())
    }

    fn as_ptr(&self) -> *const u8 {
        self.ptr
    }
}

impl Drop for TableCode {
    fn drop(&mut self) {
        // SAFETY: the region came from `exec_alloc` with this length and is freed once.
        unsafe { (self.free)(self.context, self.ptr.cast(), self.len) };
    }
}
