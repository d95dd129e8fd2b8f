//! The OS table of `driver/core` from kernel APIs (not built here: see the crate docs).
//!
//! - pool: `ExAllocatePool2(POOL_FLAG_NON_PAGED)` / `ExFreePoolWithTag` (alignments above the
//!   pool's 16 bytes are served by over-allocating and keeping the block's start before the
//!   aligned address);
//! - executable memory, only when HVCI is off (`ZwQuerySystemInformation
//!   (SystemCodeIntegrityInformation)`): pages from `MmAllocatePagesForMdlEx`, mapped
//!   read-write no-execute to be filled, then turned read-execute with
//!   `MmProtectMdlSystemAddress`. Under HVCI the table has no executable memory: programs run
//!   on the interpreter, and native images are the only compiled code;
//! - clocks: `KeQueryPerformanceCounter` (monotonic), `KeQueryInterruptTimePrecise` (since
//!   boot, including sleep);
//! - randomness: `RtlRandomEx` seeded from the performance counter (not cryptographic: the
//!   context uses it for hash seeds and `bpf_get_prandom_u32`);
//! - CPUs: `KeGetCurrentProcessorNumberEx`, `KeQueryActiveProcessorCountEx`;
//! - trace: `DbgPrint`; fatal: `KeBugCheckEx`.

use core::ffi::c_void;
use core::ptr::null_mut;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use ebpf_driver_core::os::OsTable;
use wdk_sys::ntddk::{
    DbgPrint, ExAllocatePool2, ExFreePool, ExFreePoolWithTag, KeBugCheckEx,
    KeGetCurrentProcessorNumberEx, KeQueryActiveProcessorCountEx, KeQueryInterruptTimePrecise,
    KeQueryPerformanceCounter, MmAllocatePagesForMdlEx, MmFreePagesFromMdl,
    MmMapLockedPagesSpecifyCache, MmProtectMdlSystemAddress, MmUnmapLockedPages, RtlRandomEx,
};
use wdk_sys::{
    _MEMORY_CACHING_TYPE, _MODE, LARGE_INTEGER, MDL, PHYSICAL_ADDRESS, POOL_FLAG_NON_PAGED, ULONG,
};

/// `'Ebpf'` as a pool tag.
const TAG: u32 = u32::from_le_bytes(*b"fpbE");
/// The pool's natural alignment on x64 (`MEMORY_ALLOCATION_ALIGNMENT`).
const POOL_ALIGN: usize = 16;
/// `ALL_PROCESSOR_GROUPS`.
const ALL_PROCESSOR_GROUPS: u16 = 0xffff;
/// `SystemCodeIntegrityInformation`.
const SYSTEM_CODE_INTEGRITY_INFORMATION: u32 = 103;
/// `CODEINTEGRITY_OPTION_HVCI_KMCI_ENABLED`.
const HVCI_KMCI_ENABLED: u32 = 0x400;
/// `PAGE_EXECUTE_READ`.
const PAGE_EXECUTE_READ: u32 = 0x20;
/// `MdlMappingNoExecute` | `NormalPagePriority`.
const MAPPING_NO_EXECUTE_NORMAL: u32 = 0x4000_0000 | 16;
/// `MM_ALLOCATE_FULLY_REQUIRED`.
const MM_ALLOCATE_FULLY_REQUIRED: u32 = 0x4;
/// The bug check code of a library panic (an unassigned, driver-private value).
const BUGCHECK_EBPF_PANIC: u32 = 0xEB9F_0001;

#[repr(C)]
struct SystemCodeIntegrityInformation {
    length: u32,
    code_integrity_options: u32,
}

extern "system" {
    fn ZwQuerySystemInformation(
        class: u32,
        info: *mut c_void,
        len: u32,
        return_len: *mut u32,
    ) -> i32;
}

/// Whether hypervisor-enforced code integrity is on (no executable pool may be made).
fn hvci_enabled() -> bool {
    let mut info = SystemCodeIntegrityInformation {
        length: core::mem::size_of::<SystemCodeIntegrityInformation>() as u32,
        code_integrity_options: 0,
    };
    let mut len = 0u32;
    // SAFETY: `info` is a valid, writable structure of the length given.
    let status = unsafe {
        ZwQuerySystemInformation(
            SYSTEM_CODE_INTEGRITY_INFORMATION,
            (&mut info as *mut SystemCodeIntegrityInformation).cast(),
            info.length,
            &mut len,
        )
    };
    // Unknown: assume HVCI (refuse executable memory).
    status != 0 || info.code_integrity_options & HVCI_KMCI_ENABLED != 0
}

/// The table for `DriverEntry`.
pub(crate) fn table() -> OsTable {
    let exec = !hvci_enabled();
    // SAFETY: KeQueryActiveProcessorCountEx may be called at any IRQL.
    let cpus = unsafe { KeQueryActiveProcessorCountEx(ALL_PROCESSOR_GROUPS) }.max(1);
    OsTable {
        size: core::mem::size_of::<OsTable>() as u32,
        cpu_count: cpus,
        context: null_mut(),
        pool_alloc: Some(pool_alloc),
        pool_free: Some(pool_free),
        exec_alloc: if exec { Some(exec_alloc) } else { None },
        exec_protect: if exec { Some(exec_protect) } else { None },
        exec_free: if exec { Some(exec_free) } else { None },
        monotonic_ns: Some(monotonic_ns),
        boot_ns: Some(boot_ns),
        random_bytes: Some(random_bytes),
        current_cpu: Some(current_cpu),
        trace: Some(trace),
        fatal: Some(fatal),
    }
}

unsafe extern "C" fn pool_alloc(_: *mut c_void, size: usize, align: usize) -> *mut c_void {
    if align <= POOL_ALIGN {
        // SAFETY: a plain non-paged allocation.
        return unsafe { ExAllocatePool2(POOL_FLAG_NON_PAGED, size as u64, TAG) };
    }
    // Over-allocate: room to align, and a word before the aligned address for the start.
    let total = size + align + core::mem::size_of::<usize>();
    // SAFETY: a plain non-paged allocation.
    let base = unsafe { ExAllocatePool2(POOL_FLAG_NON_PAGED, total as u64, TAG) } as usize;
    if base == 0 {
        return null_mut();
    }
    let aligned = (base + core::mem::size_of::<usize>() + align - 1) & !(align - 1);
    // SAFETY: `aligned - 8 >= base` and lies in the block.
    unsafe { *((aligned - core::mem::size_of::<usize>()) as *mut usize) = base };
    aligned as *mut c_void
}

unsafe extern "C" fn pool_free(_: *mut c_void, ptr: *mut c_void, _size: usize, align: usize) {
    let base = if align <= POOL_ALIGN {
        ptr
    } else {
        // SAFETY: `pool_alloc` stored the block's start in the word before `ptr`.
        unsafe { *((ptr as usize - core::mem::size_of::<usize>()) as *const usize) as *mut c_void }
    };
    // SAFETY: `base` came from ExAllocatePool2 with TAG.
    unsafe { ExFreePoolWithTag(base, TAG) };
}

/// The code regions' MDLs, by mapped address (a small fixed table: programs are few).
const REGIONS: usize = 256;
static REGION_LOCK: AtomicBool = AtomicBool::new(false);
static mut REGION_TABLE: [(usize, usize); REGIONS] = [(0, 0); REGIONS];

fn with_regions<T>(f: impl FnOnce(&mut [(usize, usize); REGIONS]) -> T) -> T {
    while REGION_LOCK
        .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
        .is_err()
    {
        core::hint::spin_loop();
    }
    // SAFETY: the spin lock above gives this thread the table alone.
    let out = f(unsafe { &mut *core::ptr::addr_of_mut!(REGION_TABLE) });
    REGION_LOCK.store(false, Ordering::Release);
    out
}

unsafe extern "C" fn exec_alloc(_: *mut c_void, size: usize) -> *mut c_void {
    let low = PHYSICAL_ADDRESS { QuadPart: 0 };
    let high = PHYSICAL_ADDRESS { QuadPart: -1 };
    let skip = PHYSICAL_ADDRESS { QuadPart: 0 };
    // SAFETY: documented arguments; the MDL describes locked physical pages.
    let mdl: *mut MDL = unsafe {
        MmAllocatePagesForMdlEx(
            low,
            high,
            skip,
            size as u64,
            _MEMORY_CACHING_TYPE::MmCached,
            MM_ALLOCATE_FULLY_REQUIRED,
        )
    };
    if mdl.is_null() {
        return null_mut();
    }
    // SAFETY: `mdl` describes locked pages; mapped read-write and no-execute.
    let va = unsafe {
        MmMapLockedPagesSpecifyCache(
            mdl,
            _MODE::KernelMode as _,
            _MEMORY_CACHING_TYPE::MmCached,
            null_mut(),
            0,
            MAPPING_NO_EXECUTE_NORMAL,
        )
    };
    let stored = !va.is_null()
        && with_regions(|t| match t.iter_mut().find(|(a, _)| *a == 0) {
            Some(slot) => {
                *slot = (va as usize, mdl as usize);
                true
            }
            None => false,
        });
    if !stored {
        // SAFETY: undo what succeeded above.
        unsafe {
            if !va.is_null() {
                MmUnmapLockedPages(va, mdl);
            }
            MmFreePagesFromMdl(mdl);
            ExFreePool(mdl.cast());
        }
        return null_mut();
    }
    va
}

fn region_mdl(ptr: *mut c_void) -> Option<*mut MDL> {
    with_regions(|t| {
        t.iter()
            .find(|(a, _)| *a == ptr as usize)
            .map(|&(_, m)| m as *mut MDL)
    })
}

unsafe extern "C" fn exec_protect(_: *mut c_void, ptr: *mut c_void, _size: usize) -> i32 {
    let Some(mdl) = region_mdl(ptr) else {
        return -1;
    };
    // SAFETY: `mdl` is mapped at `ptr` (exec_alloc); read-execute from now on.
    unsafe { MmProtectMdlSystemAddress(mdl, PAGE_EXECUTE_READ as ULONG) }
}

unsafe extern "C" fn exec_free(_: *mut c_void, ptr: *mut c_void, _size: usize) {
    let mdl = with_regions(|t| {
        t.iter_mut().find(|(a, _)| *a == ptr as usize).map(|slot| {
            let m = slot.1 as *mut MDL;
            *slot = (0, 0);
            m
        })
    });
    if let Some(mdl) = mdl {
        // SAFETY: `mdl` was mapped at `ptr` by exec_alloc and is freed once.
        unsafe {
            MmUnmapLockedPages(ptr, mdl);
            MmFreePagesFromMdl(mdl);
            ExFreePool(mdl.cast());
        }
    }
}

unsafe extern "C" fn monotonic_ns(_: *mut c_void) -> u64 {
    let mut freq = LARGE_INTEGER { QuadPart: 0 };
    // SAFETY: `freq` is writable.
    let now = unsafe { KeQueryPerformanceCounter(&mut freq) };
    // SAFETY: both unions hold QuadPart.
    let (ticks, freq) = unsafe { (now.QuadPart as u128, freq.QuadPart.max(1) as u128) };
    (ticks * 1_000_000_000 / freq) as u64
}

unsafe extern "C" fn boot_ns(_: *mut c_void) -> u64 {
    let mut qpc = 0u64;
    // SAFETY: `qpc` is writable; the interrupt time counts 100 ns units since boot.
    unsafe { KeQueryInterruptTimePrecise(&mut qpc) }.saturating_mul(100)
}

static SEED: AtomicU32 = AtomicU32::new(0);

unsafe extern "C" fn random_bytes(ctx: *mut c_void, buf: *mut u8, len: usize) {
    if SEED.load(Ordering::Relaxed) == 0 {
        // SAFETY: the clock callback has no preconditions.
        let t = unsafe { monotonic_ns(ctx) };
        SEED.store((t as u32) | 1, Ordering::Relaxed);
    }
    for i in 0..len {
        let mut seed: ULONG = SEED.fetch_add(0x9e37_79b9, Ordering::Relaxed);
        // SAFETY: `seed` is writable; `buf` has `len` writable bytes (the table's contract).
        unsafe { *buf.add(i) = RtlRandomEx(&mut seed) as u8 };
    }
}

unsafe extern "C" fn current_cpu(_: *mut c_void) -> u32 {
    // SAFETY: a null PROCESSOR_NUMBER asks for the index only.
    unsafe { KeGetCurrentProcessorNumberEx(null_mut()) }
}

unsafe extern "C" fn trace(_: *mut c_void, line: *const u8, len: usize) {
    // SAFETY: `%.*s` reads `len` bytes at `line`, which the table's contract provides.
    unsafe { DbgPrint(c"ebpf: %.*s\n".as_ptr(), len as i32, line) };
}

unsafe extern "C" fn fatal(_: *mut c_void, message: *const u8, len: usize) {
    // SAFETY: stops the system; the message's address and length are in the dump.
    unsafe { KeBugCheckEx(BUGCHECK_EBPF_PANIC, message as u64, len as u64, 0, 0) };
}
