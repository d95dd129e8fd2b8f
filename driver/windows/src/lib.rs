//! A WDM driver hosting the eBPF execution context of `driver/core`.
//!
//! **This crate has not been built.** It targets the Windows Driver Kit through
//! windows-drivers-rs (`wdk`, `wdk-sys`, `wdk-alloc`, `wdk-panic`), which the Linux machines
//! this repository is developed and tested on do not have. Names of `wdk-sys` bindings (and
//! bindgen's union field paths in `current_stack_location`) are written from the WDK headers
//! and may need adjusting on first build; README.md gives the exact build and test-signing
//! steps. Everything it calls into is the tested core: the same static library the C driver
//! simulation (driver/sim) links and exercises under valgrind.
//!
//! What it does:
//!
//! - `DriverEntry`: builds the OS table from kernel APIs ([`callbacks`]), initializes the
//!   execution context, creates the device `\Device\EbpfRt` with the symbolic link
//!   `\DosDevices\EbpfRt`, and routes create, close and device-control IRPs.
//! - `IRP_MJ_DEVICE_CONTROL` with [`IOCTL_EBPF_PROTOCOL`] (METHOD_BUFFERED): the input buffer
//!   is one protocol request; it is copied out of the system buffer (which the reply then
//!   overwrites), passed to `ebpf_driver_handle`, and the reply's length completes the IRP.
//! - `DriverUnload`: tears the execution context down and deletes the device.
//!
//! Not here: hook providers. Extension drivers (XDP, the WFP bind hook) would reach
//! `ebpf_driver_xdp_invoke` / `ebpf_driver_bind_invoke` through an NMR provider interface,
//! which this thin driver does not register.

#![no_std]

extern crate alloc;
#[cfg(not(test))]
extern crate wdk_panic;

mod callbacks;

use core::ptr::{null_mut, NonNull};
use core::sync::atomic::{AtomicPtr, Ordering};

use ebpf_driver_core::{ebpf_driver_handle, ebpf_driver_init, ebpf_driver_teardown, Driver};
use wdk_alloc::WdkAllocator;
use wdk_sys::ntddk::{
    ExAllocatePool2, ExFreePoolWithTag, IoCreateDevice, IoCreateSymbolicLink, IoDeleteDevice,
    IoDeleteSymbolicLink, IofCompleteRequest,
};
use wdk_sys::{
    _IO_STACK_LOCATION, DEVICE_OBJECT, DRIVER_OBJECT, FILE_DEVICE_NETWORK, FILE_DEVICE_SECURE_OPEN,
    IO_NO_INCREMENT, IRP, IRP_MJ_CLOSE, IRP_MJ_CREATE, IRP_MJ_DEVICE_CONTROL, NTSTATUS,
    PCUNICODE_STRING, PDEVICE_OBJECT, PDRIVER_OBJECT, POOL_FLAG_NON_PAGED, STATUS_BUFFER_TOO_SMALL,
    STATUS_INSUFFICIENT_RESOURCES, STATUS_INVALID_DEVICE_REQUEST, STATUS_INVALID_PARAMETER,
    STATUS_SUCCESS, STATUS_UNSUCCESSFUL, UNICODE_STRING,
};

#[global_allocator]
static GLOBAL_ALLOCATOR: WdkAllocator = WdkAllocator;

/// `CTL_CODE(FILE_DEVICE_NETWORK, 0x900, METHOD_BUFFERED, FILE_ANY_ACCESS)`: one protocol
/// request in, its reply out.
pub const IOCTL_EBPF_PROTOCOL: u32 = (0x12 << 16) | (0x900 << 2);

/// Largest request accepted (the protocol's own limits apply inside).
const MAX_REQUEST: u32 = 16 << 20;

/// The pool tag of request copies (`'Ebpf'`).
const TAG: u32 = u32::from_le_bytes(*b"fpbE");

/// The execution context, created in `DriverEntry` and torn down on unload.
static DRIVER: AtomicPtr<Driver> = AtomicPtr::new(null_mut());

/// An ASCII string as UTF-16 (for the device names).
const fn utf16<const N: usize>(s: &str) -> [u16; N] {
    let bytes = s.as_bytes();
    let mut out = [0u16; N];
    let mut i = 0;
    while i < N {
        out[i] = bytes[i] as u16;
        i += 1;
    }
    out
}

static DEVICE_NAME: [u16; 14] = utf16("\\Device\\EbpfRt");
static LINK_NAME: [u16; 18] = utf16("\\DosDevices\\EbpfRt");

fn unicode(s: &'static [u16]) -> UNICODE_STRING {
    UNICODE_STRING {
        Length: (s.len() * 2) as u16,
        MaximumLength: (s.len() * 2) as u16,
        Buffer: s.as_ptr().cast_mut(),
    }
}

/// The driver's entry point.
///
/// # Safety
///
/// Called by the I/O manager with a valid driver object.
#[export_name = "DriverEntry"]
pub unsafe extern "system" fn driver_entry(
    driver: PDRIVER_OBJECT,
    _registry_path: PCUNICODE_STRING,
) -> NTSTATUS {
    let table = callbacks::table();
    let mut context: *mut Driver = null_mut();
    // SAFETY: the table's callbacks are valid for the driver's lifetime; `context` is writable.
    if unsafe { ebpf_driver_init(&table, &mut context) } != 0 {
        return STATUS_UNSUCCESSFUL;
    }
    DRIVER.store(context, Ordering::Release);

    let mut name = unicode(&DEVICE_NAME);
    let mut link = unicode(&LINK_NAME);
    let mut device: PDEVICE_OBJECT = null_mut();
    // SAFETY: `driver` is valid (the I/O manager's call); the names live for the call.
    let status = unsafe {
        IoCreateDevice(
            driver,
            0,
            &mut name,
            FILE_DEVICE_NETWORK,
            FILE_DEVICE_SECURE_OPEN,
            0,
            &mut device,
        )
    };
    if status != STATUS_SUCCESS {
        teardown_context();
        return status;
    }
    // SAFETY: both names are valid UNICODE_STRINGs.
    let status = unsafe { IoCreateSymbolicLink(&mut link, &mut name) };
    if status != STATUS_SUCCESS {
        // SAFETY: `device` was created above.
        unsafe { IoDeleteDevice(device) };
        teardown_context();
        return status;
    }
    // SAFETY: `driver` is valid and not yet shared.
    unsafe {
        let d = &mut *driver;
        d.MajorFunction[IRP_MJ_CREATE as usize] = Some(dispatch_create_close);
        d.MajorFunction[IRP_MJ_CLOSE as usize] = Some(dispatch_create_close);
        d.MajorFunction[IRP_MJ_DEVICE_CONTROL as usize] = Some(dispatch_device_control);
        d.DriverUnload = Some(driver_unload);
    }
    STATUS_SUCCESS
}

fn teardown_context() {
    let context = DRIVER.swap(null_mut(), Ordering::AcqRel);
    if !context.is_null() {
        // SAFETY: no IRP is in flight at unload or on a failed entry.
        unsafe { ebpf_driver_teardown(context) };
    }
}

unsafe extern "C" fn driver_unload(driver: *mut DRIVER_OBJECT) {
    let mut link = unicode(&LINK_NAME);
    // SAFETY: the link and device were created in `DriverEntry`.
    unsafe {
        IoDeleteSymbolicLink(&mut link);
        IoDeleteDevice((*driver).DeviceObject);
    }
    teardown_context();
}

/// The IRP's current stack location (`IoGetCurrentIrpStackLocation`, an inline function in
/// the WDK headers that bindgen does not bind).
///
/// # Safety
///
/// `irp` must be a valid IRP being dispatched to this driver.
unsafe fn current_stack_location(irp: *mut IRP) -> *mut _IO_STACK_LOCATION {
    // SAFETY: the caller's contract; the field path is bindgen's for `Tail.Overlay.
    // CurrentStackLocation`.
    unsafe {
        (*irp)
            .Tail
            .Overlay
            .__bindgen_anon_2
            .__bindgen_anon_1
            .CurrentStackLocation
    }
}

/// Completes `irp` with `status` and `information` bytes of output.
///
/// # Safety
///
/// `irp` must be a valid IRP owned by this driver.
unsafe fn complete(irp: *mut IRP, status: NTSTATUS, information: u64) -> NTSTATUS {
    // SAFETY: the caller's contract.
    unsafe {
        (*irp).IoStatus.__bindgen_anon_1.Status = status;
        (*irp).IoStatus.Information = information;
        IofCompleteRequest(irp, IO_NO_INCREMENT as _);
    }
    status
}

unsafe extern "C" fn dispatch_create_close(_device: *mut DEVICE_OBJECT, irp: *mut IRP) -> NTSTATUS {
    // SAFETY: the I/O manager's IRP.
    unsafe { complete(irp, STATUS_SUCCESS, 0) }
}

unsafe extern "C" fn dispatch_device_control(
    _device: *mut DEVICE_OBJECT,
    irp: *mut IRP,
) -> NTSTATUS {
    // SAFETY: the I/O manager's IRP; METHOD_BUFFERED gives one system buffer of
    // max(input, output) bytes holding the input.
    unsafe {
        let stack = current_stack_location(irp);
        let params = (*stack).Parameters.DeviceIoControl;
        if params.IoControlCode != IOCTL_EBPF_PROTOCOL {
            return complete(irp, STATUS_INVALID_DEVICE_REQUEST, 0);
        }
        let context = DRIVER.load(Ordering::Acquire);
        let buffer: *mut u8 = (*irp).AssociatedIrp.SystemBuffer.cast();
        let (in_len, out_len) = (params.InputBufferLength, params.OutputBufferLength);
        if context.is_null() || buffer.is_null() || in_len == 0 || in_len > MAX_REQUEST {
            return complete(irp, STATUS_INVALID_PARAMETER, 0);
        }
        // The reply overwrites the system buffer: the request is copied out first.
        let Some(request) =
            NonNull::new(ExAllocatePool2(POOL_FLAG_NON_PAGED, in_len as u64, TAG).cast::<u8>())
        else {
            return complete(irp, STATUS_INSUFFICIENT_RESOURCES, 0);
        };
        core::ptr::copy_nonoverlapping(buffer, request.as_ptr(), in_len as usize);
        let mut reply_len = 0usize;
        let rc = ebpf_driver_handle(
            context,
            request.as_ptr(),
            in_len as usize,
            buffer,
            out_len as usize,
            &mut reply_len,
        );
        ExFreePoolWithTag(request.as_ptr().cast(), TAG);
        // An error reply is a reply: the IOCTL succeeds whenever one was written.
        match (rc, reply_len) {
            (_, 0) => complete(irp, STATUS_BUFFER_TOO_SMALL, 0),
            _ => complete(irp, STATUS_SUCCESS, reply_len as u64),
        }
    }
}
