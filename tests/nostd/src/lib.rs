//! A `#![no_std]` static library that links the no_std crates (isa, interp, loader, platform,
//! verifier, kernel-host without `std`), as a kernel driver would. Its exported functions call
//! into each, so their code is really linked.

#![no_std]

extern crate alloc;

use core::alloc::{GlobalAlloc, Layout};
use core::panic::PanicInfo;

/// Runs the eBPF program in `code[..len]` on `mem[..mem_len]`; returns r0, or `u64::MAX` when the
/// program is invalid or faults.
///
/// # Safety
///
/// `code` must be valid for reads of `len` bytes and `mem` for reads and writes of `mem_len`
/// bytes, for the duration of the call.
#[no_mangle]
pub unsafe extern "C" fn nostd_check_run(
    code: *const u8,
    len: usize,
    mem: *mut u8,
    mem_len: usize,
) -> u64 {
    // SAFETY: the caller guarantees both ranges (see the function's safety section).
    let (code, mem) = unsafe {
        (
            core::slice::from_raw_parts(code, len),
            core::slice::from_raw_parts_mut(mem, mem_len),
        )
    };
    let Ok(program) = ebpf_interp::Program::from_bytes(code) else {
        return u64::MAX;
    };
    let mut vm = ebpf_interp::Vm::default();
    vm.run(&program, mem, &mut ebpf_interp::NoHelpers)
        .map_or(u64::MAX, |o| o.r0)
}

/// Loads the ELF object in `bytes[..len]` and verifies its first program as XDP on the Windows
/// platform; returns 1 when accepted, 0 when rejected, `u64::MAX` when the object does not load.
///
/// # Safety
///
/// `bytes` must be valid for reads of `len` bytes for the duration of the call.
#[no_mangle]
pub unsafe extern "C" fn nostd_check_verify(bytes: *const u8, len: usize) -> u64 {
    // SAFETY: the caller guarantees the range (see the function's safety section).
    let bytes = unsafe { core::slice::from_raw_parts(bytes, len) };
    let options = ebpf_loader::LoadOptions::new(&ebpf_platform::WINDOWS);
    let Ok(object) = ebpf_loader::Object::parse(bytes, &options) else {
        return u64::MAX;
    };
    let Some(program) = object.programs().first() else {
        return u64::MAX;
    };
    let Ok(valid) = ebpf_isa::Program::from_insns(program.insns.as_slice()) else {
        return 0;
    };
    let maps = object.map_infos();
    u64::from(ebpf_verifier::verify(&valid, &ebpf_platform::WINDOWS, "xdp", &maps).is_ok())
}

/// The eBPF for Windows program type numbered `number`'s context size, or 0 when there is no
/// such type (the platform description alone, without the loader or verifier).
#[no_mangle]
pub extern "C" fn nostd_check_context_size(number: u32) -> u32 {
    ebpf_platform::WINDOWS
        .program_type_numbered(number)
        .and_then(|t| t.context)
        .map_or(0, |c| c.size)
}

/// Creates a hash map protected by a one-CPU epoch, stores `value` under `key` from the
/// program side and reads it back from the user side; returns the value, or `u64::MAX` when
/// anything fails.
#[no_mangle]
pub extern "C" fn nostd_check_map(key: u32, value: u64) -> u64 {
    use ebpf_kernel_host::maps::{Map, MapDef, MapType, Semantics};
    let epoch = alloc::sync::Arc::new(ebpf_kernel_host::Epoch::new(1));
    let def = MapDef::new(MapType::Hash, 4, 8, 16);
    let Ok(map) = Map::new(def, Semantics::Windows, epoch.clone(), 1) else {
        return u64::MAX;
    };
    let guard = epoch.enter(0);
    if map
        .prog_update(&guard, &key.to_ne_bytes(), &value.to_ne_bytes(), 0)
        .is_err()
    {
        return u64::MAX;
    }
    drop(guard);
    let mut out = [0u8; 8];
    match map.lookup(&key.to_ne_bytes(), &mut out) {
        Ok(()) => u64::from_ne_bytes(out),
        Err(_) => u64::MAX,
    }
}

/// The fewest OS services a driver could give the execution context: no executable memory
/// (the interpreter runs programs), a clock and randomness left at zero, one CPU, no trace.
#[derive(Debug)]
struct DriverOs;

impl ebpf_kernel_host::Os for DriverOs {
    fn alloc_exec(
        &self,
        _: usize,
    ) -> Result<
        alloc::boxed::Box<dyn ebpf_kernel_host::os::ExecMemory>,
        ebpf_kernel_host::os::OsError,
    > {
        Err(ebpf_kernel_host::os::OsError::new(
            ebpf_kernel_host::os::OsErrorKind::Unsupported {
                what: "executable memory",
            },
        ))
    }
    fn monotonic_ns(&self) -> u64 {
        0
    }
    fn boot_ns(&self) -> u64 {
        0
    }
    fn fill_random(&self, buf: &mut [u8]) {
        buf.fill(0);
    }
    fn current_cpu(&self) -> usize {
        0
    }
    fn cpu_count(&self) -> usize {
        1
    }
    fn trace(&self, _: &str) {}
}

/// Loads the eBPF for Windows ELF object in `bytes[..len]` into an execution context and runs
/// its first program once on `data[..data_len]` with the interpreter; returns its result, or
/// `u64::MAX` when the object does not load or the run fails.
///
/// # Safety
///
/// `bytes` must be valid for reads of `len` bytes and `data` of `data_len` bytes, for the
/// duration of the call.
#[no_mangle]
pub unsafe extern "C" fn nostd_check_host(
    bytes: *const u8,
    len: usize,
    data: *const u8,
    data_len: usize,
) -> u64 {
    // SAFETY: the caller guarantees both ranges (see the function's safety section).
    let (bytes, data) = unsafe {
        (
            core::slice::from_raw_parts(bytes, len),
            core::slice::from_raw_parts(data, data_len),
        )
    };
    let options = ebpf_loader::LoadOptions::new(&ebpf_platform::WINDOWS);
    let Ok(object) = ebpf_loader::Object::parse(bytes, &options) else {
        return u64::MAX;
    };
    let host =
        ebpf_kernel_host::Host::new(alloc::sync::Arc::new(DriverOs), &ebpf_platform::WINDOWS);
    let options = ebpf_kernel_host::LoadOptions {
        engine: ebpf_kernel_host::Engine::Interpreter,
        ..Default::default()
    };
    let Ok(loaded) = host.load(&object, &options) else {
        return u64::MAX;
    };
    let Some(program) = loaded.programs().first() else {
        return u64::MAX;
    };
    let run = ebpf_kernel_host::TestRun {
        data,
        ..Default::default()
    };
    program.test_run(&run).map_or(u64::MAX, |o| o.retval)
}

/// Loads the native image in `bytes[..len]` (signed by the ed25519 public key `key`) into a
/// Windows host and runs its first program on `data[..data_len]`; returns r0, or `u64::MAX`
/// when the image is refused or the run faults.
///
/// # Safety
///
/// `bytes` must be valid for reads of `len` bytes, `key` of 32 bytes and `data` of `data_len`
/// bytes, for the duration of the call.
#[no_mangle]
pub unsafe extern "C" fn nostd_check_image(
    bytes: *const u8,
    len: usize,
    key: *const [u8; 32],
    data: *const u8,
    data_len: usize,
) -> u64 {
    // SAFETY: the caller guarantees the three ranges (see the function's safety section).
    let (bytes, key, data) = unsafe {
        (
            core::slice::from_raw_parts(bytes, len),
            *key,
            core::slice::from_raw_parts(data, data_len),
        )
    };
    let host =
        ebpf_kernel_host::Host::new(alloc::sync::Arc::new(DriverOs), &ebpf_platform::WINDOWS);
    let options = ebpf_kernel_host::ImageLoadOptions::new();
    let Ok(loaded) = host.load_image(bytes, &[key], &options) else {
        return u64::MAX;
    };
    let Some(program) = loaded.programs().first() else {
        return u64::MAX;
    };
    let run = ebpf_kernel_host::TestRun {
        data,
        ..Default::default()
    };
    program.test_run(&run).map_or(u64::MAX, |o| o.retval)
}

/// An allocator that always fails: this library only has to link, never to run.
struct NoAlloc;

// SAFETY: `alloc` returns null (allocation failure), which `GlobalAlloc` permits; `dealloc` is
// never given a pointer because no allocation ever succeeds.
unsafe impl GlobalAlloc for NoAlloc {
    unsafe fn alloc(&self, _: Layout) -> *mut u8 {
        core::ptr::null_mut()
    }
    unsafe fn dealloc(&self, _: *mut u8, _: Layout) {}
}

#[global_allocator]
static ALLOCATOR: NoAlloc = NoAlloc;

#[panic_handler]
fn panic(_: &PanicInfo<'_>) -> ! {
    loop {}
}
