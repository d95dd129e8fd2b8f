//! The eBPF execution context as a `#![no_std]` static library with a C ABI: what a kernel
//! driver links (`include/ebpf_driver.h` declares every function here).
//!
//! - `ebpf_driver_init`: takes the driver's table of OS callbacks ([`os::OsTable`]: pool
//!   memory, executable memory, clocks, randomness, CPUs, trace, fatal stop) and builds an
//!   eBPF for Windows execution context on it. Every Rust allocation of the library goes to the
//!   table's pool ([`os::PoolAllocator`] is the `#[global_allocator]`); a panic traces its
//!   message and calls the table's `fatal` (the profile sets `panic = "abort"`: nothing
//!   unwinds).
//! - `ebpf_driver_epoch_enter` / `ebpf_driver_epoch_exit`: a batch of invocations in one epoch
//!   guard on one virtual CPU (a hook provider's receive loop).
//! - `ebpf_driver_xdp_invoke`, `ebpf_driver_bind_invoke`: the hook entry points ([`hook`]).
//! - `ebpf_driver_teardown`: drops every object, waits for the epoch, frees everything, and
//!   removes the table.
//!
//! Only the interpreter runs programs here: the JIT needs `std`. Executable memory from the
//! table serves native images.
//!
//! This crate is outside the main workspace (its own `[workspace]`): `panic = "abort"`, the
//! global allocator and the panic handler would clash with std in the workspace's tests.
//! `check.sh` beside it builds it for `x86_64-unknown-none`, a target without std, so a
//! dependency that used std would fail that build.

#![no_std]

extern crate alloc;

pub mod hook;
mod lock;
pub mod os;

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::net::{Ipv4Addr, SocketAddrV4};
#[cfg(feature = "runtime")]
use core::panic::PanicInfo;

use ebpf_kernel_host::hooks::bind::{BindEvent, BindHook, BindOperation};
use ebpf_kernel_host::hooks::xdp::XdpHook;
use ebpf_kernel_host::maps::MapType;
use ebpf_kernel_host::protocol::ExecutionContext;
use ebpf_kernel_host::{Batch, EbpfResult, Host, ImageLoadOptions, Object, ObjectKind};

#[cfg(feature = "runtime")]
use crate::os::PoolAllocator;
use crate::os::{OsTable, TableError, TableOs};

#[cfg(feature = "runtime")]
#[global_allocator]
static ALLOCATOR: PoolAllocator = PoolAllocator;

#[cfg(feature = "runtime")]
#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    // Formatting may allocate; a panic inside the allocator is not expected (it only calls
    // the table), so the message is formatted into a fixed buffer.
    let mut buf = FixedBuf {
        bytes: [0; 256],
        len: 0,
    };
    let _ = core::fmt::write(&mut buf, format_args!("ebpf-driver: panic: {info}"));
    os::fatal(buf.as_str())
}

/// A fixed buffer for the panic message (no allocation while panicking).
#[cfg(feature = "runtime")]
struct FixedBuf {
    bytes: [u8; 256],
    len: usize,
}

#[cfg(feature = "runtime")]
impl FixedBuf {
    fn as_str(&self) -> &str {
        match core::str::from_utf8(&self.bytes[..self.len]) {
            Ok(s) => s,
            Err(e) => core::str::from_utf8(&self.bytes[..e.valid_up_to()]).unwrap_or(""),
        }
    }
}

#[cfg(feature = "runtime")]
impl core::fmt::Write for FixedBuf {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let room = self.bytes.len() - self.len;
        let n = s.len().min(room);
        self.bytes[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

/// One execution context (`ebpf_driver_t` in C): the protocol's dispatcher (behind a lock:
/// IOCTLs may arrive on several threads), the host it serves, and its hooks (invoked without
/// the lock, concurrently).
#[derive(Debug)]
pub struct Driver {
    protocol: lock::Locked<ExecutionContext>,
    host: Host,
    xdp: XdpHook,
    bind: BindHook,
}

/// A batch of invocations (`ebpf_epoch_t` in C): an epoch guard on one virtual CPU, and the
/// contexts its invocations reuse.
#[derive(Debug)]
pub struct Epoch {
    contexts: hook::Contexts,
    // The driver outlives every batch (the header's contract), so the borrow is made 'static.
    batch: Batch<'static>,
}

fn code(r: EbpfResult) -> u32 {
    r.code()
}

/// Creates the execution context on `table`; writes it to `*out`. Returns
/// `EBPF_ALREADY_INITIALIZED` while another one exists, `EBPF_INVALID_ARGUMENT` for a table of
/// another size or without a required callback.
///
/// # Safety
///
/// `table` must point to a valid table and `out` be writable; the callbacks must be callable
/// from any thread until `ebpf_driver_teardown` returns.
#[no_mangle]
pub unsafe extern "C" fn ebpf_driver_init(table: *const OsTable, out: *mut *mut Driver) -> u32 {
    if table.is_null() || out.is_null() {
        return code(EbpfResult::InvalidArgument);
    }
    // SAFETY: the caller passes a valid table (see the safety section).
    let table = unsafe { *table };
    match os::install(&table) {
        Ok(()) => {}
        Err(TableError::Busy) => return code(EbpfResult::AlreadyInitialized),
        Err(TableError::Size | TableError::Missing) => return code(EbpfResult::InvalidArgument),
    }
    let host = Host::new(Arc::new(TableOs::new(table)), &ebpf_platform::WINDOWS);
    let (Ok(xdp), Ok(bind)) = (XdpHook::new(&host), BindHook::new(&host)) else {
        drop(host);
        os::remove();
        return code(EbpfResult::Failed);
    };
    let driver = Box::into_raw(Box::new(Driver {
        protocol: lock::Locked::new(ExecutionContext::new(host.clone())),
        host,
        xdp,
        bind,
    }));
    // SAFETY: `out` is writable (the caller's contract).
    unsafe { *out = driver };
    code(EbpfResult::Success)
}

/// Drops every object of the context, waits for running invocations, frees everything the
/// library allocated, and removes the table (a new `ebpf_driver_init` may follow).
///
/// # Safety
///
/// `driver` must come from `ebpf_driver_init`; no call into it may be running or follow, and
/// every batch must have exited.
#[no_mangle]
pub unsafe extern "C" fn ebpf_driver_teardown(driver: *mut Driver) -> u32 {
    if driver.is_null() {
        return code(EbpfResult::InvalidArgument);
    }
    // SAFETY: `driver` came from `Box::into_raw` in `ebpf_driver_init` and is not used again.
    // The box is freed here, while the table's pool callbacks are still installed.
    let driver = *unsafe { Box::from_raw(driver) };
    teardown(driver);
    os::remove();
    code(EbpfResult::Success)
}

/// Closes every handle, unpins and drops every object, then lets the epoch free what it held.
fn teardown(driver: Driver) {
    let Driver {
        protocol,
        host,
        xdp,
        bind,
    } = driver;
    drop((protocol, xdp, bind));
    while let Some(path) = host.next_pin(None) {
        if host.unpin(&path).is_err() {
            break;
        }
    }
    break_cycles(&host);
    host.synchronize();
    let epoch = host.epoch().clone();
    drop(host);
    epoch.synchronize();
}

/// Empties every program array and map of maps: a program holds its object's maps, so a
/// program array holding a program of its own object (a tail call to a sibling) keeps both
/// alive after their last handles close. Linux breaks the cycle when a program array's last
/// user reference goes; this host does not, so teardown does it.
fn break_cycles(host: &Host) {
    let mut id = 0;
    while let Some(next) = host.next_id(ObjectKind::Map, id) {
        id = next;
        let Ok(Object::Map(map)) = host.object(id) else {
            continue;
        };
        let def = map.map().def();
        if def.map_type == MapType::ProgArray {
            for slot in 0..def.max_entries {
                let _ = map.set_program(slot, None);
            }
        } else if def.map_type.is_map_of_maps() {
            let mut keys = Vec::new();
            map.for_each(|key, _| keys.push(key.to_vec()));
            for key in keys {
                let _ = map.set_inner(&key, None);
            }
        }
    }
}

/// The protocol entry point (what a driver's IOCTL handler calls): answers the request
/// `request[..request_len]` with a reply (success or error, docs/protocol.md) in
/// `reply[..reply_cap]`, whose length goes to `*reply_len`. Returns `EBPF_SUCCESS` whenever a
/// reply was written (an error reply too: its status is in its header), and
/// `EBPF_INSUFFICIENT_BUFFER` when `reply_cap` is below the 16-byte header (`*reply_len` 0).
/// Loading an ELF object verifies it here, inside the library.
///
/// # Safety
///
/// `driver` must be live; `request` readable for `request_len` bytes, `reply` writable for
/// `reply_cap` bytes (they must not overlap), `reply_len` writable.
#[no_mangle]
pub unsafe extern "C" fn ebpf_driver_handle(
    driver: *const Driver,
    request: *const u8,
    request_len: usize,
    reply: *mut u8,
    reply_cap: usize,
    reply_len: *mut usize,
) -> u32 {
    // SAFETY: the caller's contract.
    let Some(driver) = (unsafe { driver.as_ref() }) else {
        return code(EbpfResult::InvalidArgument);
    };
    if reply_len.is_null() || (request.is_null() && request_len > 0) || reply.is_null() {
        return code(EbpfResult::InvalidArgument);
    }
    // SAFETY: the caller's contract for both ranges.
    let (request, reply) = unsafe {
        (
            slice(request, request_len),
            core::slice::from_raw_parts_mut(reply, reply_cap),
        )
    };
    let n = driver.protocol.with(|ctx| ctx.handle(request, reply));
    // SAFETY: writable (the caller's contract).
    unsafe { *reply_len = n };
    if n == 0 {
        code(EbpfResult::InsufficientBuffer)
    } else {
        code(EbpfResult::Success)
    }
}

/// Sets the ed25519 public keys whose signatures native images (`LoadNativeImage` requests)
/// must carry: `keys[..32 * count]`, 32 bytes each; 0 keys refuses every image. Unsigned
/// images are always refused.
///
/// # Safety
///
/// `driver` must be live; `keys` readable for `32 * count` bytes.
#[no_mangle]
pub unsafe extern "C" fn ebpf_driver_set_image_keys(
    driver: *const Driver,
    keys: *const u8,
    count: usize,
) -> u32 {
    // SAFETY: the caller's contract.
    let Some(driver) = (unsafe { driver.as_ref() }) else {
        return code(EbpfResult::InvalidArgument);
    };
    let Some(len) = count.checked_mul(32) else {
        return code(EbpfResult::InvalidArgument);
    };
    if keys.is_null() && count > 0 {
        return code(EbpfResult::InvalidArgument);
    }
    // SAFETY: the caller's contract.
    let bytes = unsafe { slice(keys, len) };
    let keys: Vec<[u8; 32]> = bytes
        .chunks_exact(32)
        .map(|k| {
            let mut key = [0u8; 32];
            key.copy_from_slice(k);
            key
        })
        .collect();
    driver
        .protocol
        .with(|ctx| ctx.set_image_policy(&keys, ImageLoadOptions::new()));
    code(EbpfResult::Success)
}

/// Enters the epoch for a batch of invocations on this thread; NULL when out of memory.
///
/// # Safety
///
/// `driver` must be live until the batch exits; the batch is used by one thread at a time.
#[no_mangle]
pub unsafe extern "C" fn ebpf_driver_epoch_enter(driver: *const Driver) -> *mut Epoch {
    // SAFETY: `driver` is live (the caller's contract).
    let Some(driver) = (unsafe { driver.as_ref() }) else {
        return core::ptr::null_mut();
    };
    // SAFETY: the batch borrows the host, which the caller keeps alive until the batch exits
    // (`ebpf_driver_epoch_exit` before `ebpf_driver_teardown`).
    let host: &'static Host = unsafe { &*(&driver.host as *const Host) };
    Box::into_raw(Box::new(Epoch {
        contexts: hook::Contexts::default(),
        batch: host.batch(),
    }))
}

/// Exits a batch's epoch: memory retired while it ran may now be freed.
///
/// # Safety
///
/// `epoch` must come from `ebpf_driver_epoch_enter` and not be used again.
#[no_mangle]
pub unsafe extern "C" fn ebpf_driver_epoch_exit(epoch: *mut Epoch) {
    if !epoch.is_null() {
        // SAFETY: `epoch` came from `Box::into_raw` and is not used again.
        drop(unsafe { Box::from_raw(epoch) });
    }
}

/// Runs `f` with the caller's batch, or with one of its own when `epoch` is NULL.
///
/// # Safety
///
/// `driver` must be live; `epoch`, when not NULL, a live batch of this driver used by this
/// thread alone.
unsafe fn with_batch<T>(
    driver: *const Driver,
    epoch: *mut Epoch,
    f: impl FnOnce(&Driver, &mut Batch<'_>, &mut hook::Contexts) -> T,
) -> Option<T> {
    // SAFETY: the caller's contract.
    let driver = unsafe { driver.as_ref() }?;
    // SAFETY: the caller's contract.
    match unsafe { epoch.as_mut() } {
        Some(epoch) => Some(f(driver, &mut epoch.batch, &mut epoch.contexts)),
        None => {
            let mut batch = driver.host.batch();
            let mut contexts = hook::Contexts::default();
            Some(f(driver, &mut batch, &mut contexts))
        }
    }
}

fn hook_code(e: hook::HookError) -> u32 {
    match e {
        hook::HookError::BadEvent => code(EbpfResult::InvalidArgument),
        hook::HookError::Failed => code(EbpfResult::Failed),
        hook::HookError::OutputTooSmall { .. } => code(EbpfResult::InsufficientBuffer),
    }
}

/// The XDP hook: runs the program attached for `ifindex` on the packet `data[..len]`; writes
/// the packet it leaves to `out[..out_cap]`, its length to `*out_len` and the verdict
/// (`XDP_PASS` 1, `XDP_DROP` 2, `XDP_TX` 3) to `*verdict`. No program: the packet passes
/// unchanged. `epoch` may be NULL (the call enters and exits the epoch itself).
///
/// # Safety
///
/// `driver` must be live; `epoch` NULL or a live batch used by this thread alone; `data`
/// readable for `len` bytes, `out` writable for `out_cap` bytes, `out_len` and `verdict`
/// writable.
#[no_mangle]
pub unsafe extern "C" fn ebpf_driver_xdp_invoke(
    driver: *const Driver,
    epoch: *mut Epoch,
    ifindex: u32,
    data: *const u8,
    len: usize,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
    verdict: *mut u32,
) -> u32 {
    if (data.is_null() && len > 0) || (out.is_null() && out_cap > 0) {
        return code(EbpfResult::InvalidArgument);
    }
    if out_len.is_null() || verdict.is_null() {
        return code(EbpfResult::InvalidArgument);
    }
    // SAFETY: the caller's contract for both ranges.
    let (packet, out) = unsafe {
        (
            slice(data, len),
            if out_cap == 0 {
                &mut [][..]
            } else {
                core::slice::from_raw_parts_mut(out, out_cap)
            },
        )
    };
    // SAFETY: the caller's contract for `driver` and `epoch`.
    let result = unsafe {
        with_batch(driver, epoch, |d, batch, contexts| {
            hook::xdp(&d.xdp, batch, contexts, ifindex, packet, out)
        })
    };
    match result {
        None => code(EbpfResult::InvalidArgument),
        Some(Ok((v, n))) => {
            // SAFETY: both are writable (the caller's contract).
            unsafe {
                *verdict = v;
                *out_len = n;
            }
            code(EbpfResult::Success)
        }
        Some(Err(e)) => {
            if let hook::HookError::OutputTooSmall { need } = e {
                // SAFETY: writable (the caller's contract).
                unsafe { *out_len = need };
            }
            hook_code(e)
        }
    }
}

/// A bind request as the hook provider sees it (`struct ebpf_bind_request` in C).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct BindRequest {
    /// The application id's bytes (`app_id_start`), `app_id_len` of them.
    pub app_id: *const u8,
    /// Their length.
    pub app_id_len: usize,
    /// The process.
    pub process_id: u64,
    /// The socket address (`SOCKADDR_INET` bytes).
    pub socket_address: [u8; 16],
    /// Its length.
    pub socket_address_length: u8,
    /// The protocol (`IPPROTO_TCP` 6, `IPPROTO_UDP` 17).
    pub protocol: u8,
    /// Padding, zero.
    pub reserved: [u8; 2],
    /// `BIND_OPERATION_BIND` 0, `POST_BIND` 1, `UNBIND` 2.
    pub operation: u32,
    /// Unused, zero: eBPF for Windows' bind hook takes no attach parameter.
    pub compartment: u32,
    /// Padding, zero.
    pub reserved2: u32,
}

#[cfg(target_pointer_width = "64")]
const _: () = assert!(core::mem::size_of::<BindRequest>() == 56);

/// The bind hook: runs the program attached to the bind hook on the request; writes its
/// `bind_action_t` (`BIND_PERMIT` 0, `BIND_DENY` 1, `BIND_REDIRECT` 2, `BIND_PERMIT_HARD` 3)
/// to `*action`. No program: permit. `epoch` may be NULL.
///
/// # Safety
///
/// `driver` must be live; `epoch` NULL or a live batch used by this thread alone; `request`
/// valid with `app_id` readable for `app_id_len` bytes; `action` writable.
#[no_mangle]
pub unsafe extern "C" fn ebpf_driver_bind_invoke(
    driver: *const Driver,
    epoch: *mut Epoch,
    request: *const BindRequest,
    action: *mut u32,
) -> u32 {
    // SAFETY: the caller's contract.
    let Some(r) = (unsafe { request.as_ref() }) else {
        return code(EbpfResult::InvalidArgument);
    };
    if action.is_null() || (r.app_id.is_null() && r.app_id_len > 0) {
        return code(EbpfResult::InvalidArgument);
    }
    let operation = match r.operation {
        0 => BindOperation::Bind,
        1 => BindOperation::PostBind,
        2 => BindOperation::Unbind,
        _ => return code(EbpfResult::InvalidArgument),
    };
    // SOCKADDR_IN: family (2 bytes), port and address in network order.
    let a = &r.socket_address;
    let address = SocketAddrV4::new(
        Ipv4Addr::new(a[4], a[5], a[6], a[7]),
        u16::from_be_bytes([a[2], a[3]]),
    );
    let mut event = BindEvent::new(r.process_id, address);
    // SAFETY: the caller's contract for the app id.
    event.app_id = unsafe { slice(r.app_id, r.app_id_len) }.to_vec();
    event.operation = operation;
    event.protocol = r.protocol;
    // SAFETY: the caller's contract for `driver` and `epoch`.
    let result = unsafe {
        with_batch(driver, epoch, |d, batch, contexts| {
            hook::bind(&d.bind, batch, contexts, &event)
        })
    };
    match result {
        None => code(EbpfResult::InvalidArgument),
        Some(Ok(a)) => {
            // SAFETY: writable (the caller's contract).
            unsafe { *action = a };
            code(EbpfResult::Success)
        }
        Some(Err(e)) => hook_code(e),
    }
}

/// `len` bytes at `ptr` (an empty slice for NULL with 0).
///
/// # Safety
///
/// `ptr` readable for `len` bytes for `'a`, or `len == 0`.
unsafe fn slice<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if len == 0 {
        &[]
    } else {
        // SAFETY: the caller's contract.
        unsafe { core::slice::from_raw_parts(ptr, len) }
    }
}
