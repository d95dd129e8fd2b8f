//! Installed JIT images and their runs (on x86-64; compiling needs feature `std`, running
//! does not: a `no_std` host runs native images).
//!
//! - [`Image`]: a compiled program copied into executable memory from the [`Os`]
//!   (written while writable, then made read-execute, never both); with `std`, a program this
//!   host compiled is also described to the JIT as an `ebpf_jit::Placed` image.
//! - [`JitFrame`]: what one CPU needs to run images: with `std`, an `ebpf_jit::Runner` (the
//!   JIT's run context and stack), run with the host's dispatcher behind the JIT's `Helpers`,
//!   for the programs compiled here; for native images (and without `std`, where `ebpf-jit`
//!   is not linked) the host's own run context (the fixed part of `ebpf_jit::abi`, restated in
//!   [`crate::abi`], then this host's own fields) and stack.
//! - [`JitMem`]: the [`Mem`] of real addresses.
//!
//! Soundness rests on two crate invariants, kept by `program.rs` and `invoke.rs`:
//! an `Image` is installed only from the code of a program the verifier accepted (with its
//! map references replaced by the host's handles and global-data addresses), or from a native
//! image whose signature by a key the embedder trusts and whose platform hash the host checked
//! (the signer verified and compiled it the same way: the trust is the embedder's, as for
//! eBPF for Windows' signed native drivers), and a run gets a
//! context the host built for that program's verified type, whose packet pointers point into
//! the invocation's live packet buffer. Under those, every address the code and its helper
//! arguments use is one the verifier proved in bounds (the contract of
//! `ebpf_jit::Executable::run_verified`, discharged here by construction).

use alloc::boxed::Box;
use core::ptr::NonNull;
#[cfg(feature = "std")]
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

use ebpf_interp::{HelperError, HelperErrorKind};

use crate::abi::*;

use crate::helpers::{Dispatch, Mem};
use crate::os::{ExecMemory, Os, OsError, OsErrorKind};

/// A program's machine code in executable memory.
#[derive(Debug)]
pub(crate) struct Image {
    /// Owns the memory `entry_addr` points into.
    #[allow(dead_code, reason = "kept for its ownership of the code's memory")]
    code: Box<dyn ExecMemory>,
    /// The entry's address in `code` (read once: a region does not move).
    entry_addr: usize,
    uses_stack: bool,
    /// The code as the JIT's `Runner` runs it: set for programs compiled here.
    #[cfg(feature = "std")]
    placed: Option<ebpf_jit::Placed>,
}

impl Image {
    /// Copies `compiled` into fresh memory from `os` and makes it read-execute. Only
    /// `program.rs` calls this, for verified programs.
    #[cfg(feature = "std")]
    pub(crate) fn install(os: &dyn Os, compiled: &ebpf_jit::Compiled) -> Result<Image, OsError> {
        let unsupported = || {
            OsError::new(OsErrorKind::Unsupported {
                what: "a JIT image of another ABI version",
            })
        };
        if compiled.abi_version() != ABI_VERSION {
            return Err(unsupported());
        }
        let mut image = Image::install_code(
            os,
            compiled.code(),
            compiled.entry_offset(),
            compiled.uses_stack(),
            &[],
        )?;
        // SAFETY: `image.code` holds an exact copy of the compiled code, is read-execute from
        // here on (an `ExecMemory` made executable is never writable again), does not move,
        // and is owned by the `Image` next to the `Placed` pointing into it, so it outlives
        // its runs.
        let placed = unsafe { ebpf_jit::Placed::new(compiled, image.code.as_ptr()) }
            .map_err(|_| unsupported())?;
        image.placed = Some(placed);
        Ok(image)
    }

    /// Copies `code` (of this ABI version) into fresh memory from `os`, writes each
    /// `(offset, value)` of `patches` as 8 little-endian bytes, and makes it read-execute.
    /// Only `program.rs` (verified programs) and `image/load.rs` (images whose signature by a
    /// trusted key and platform hash it checked) call this.
    pub(crate) fn install_code(
        os: &dyn Os,
        code: &[u8],
        entry: usize,
        uses_stack: bool,
        patches: &[(usize, u64)],
    ) -> Result<Image, OsError> {
        let out_of_bounds = || {
            OsError::new(OsErrorKind::Unsupported {
                what: "code whose entry or patches lie outside it",
            })
        };
        if entry >= code.len() {
            return Err(out_of_bounds());
        }
        let mut memory = os.alloc_exec(code.len())?;
        memory.write(0, code)?;
        for &(offset, value) in patches {
            if offset.checked_add(8).is_none_or(|end| end > code.len()) {
                return Err(out_of_bounds());
            }
            memory.write(offset, &value.to_le_bytes())?;
        }
        memory.make_executable()?;
        if !memory.is_executable() || memory.len() < code.len() {
            return Err(OsError::new(OsErrorKind::Protect { errno: None }));
        }
        let entry_addr = memory.as_ptr() as usize + entry;
        Ok(Image {
            code: memory,
            entry_addr,
            uses_stack,
            #[cfg(feature = "std")]
            placed: None,
        })
    }
}

/// The run context: `ebpf_jit::abi`'s fixed part, then this host's fields.
#[repr(C)]
struct RunContext {
    dispatch: extern "sysv64" fn(u64, u64, u64, u64, u64, *mut u8) -> u64,
    helper_id: u64,
    saved_rsp: u64,
    fault_kind: u32,
    fault_pc: u32,
    args: [u64; 5],
    stack_top: u64,
    min_call_fp: u64,
    packet: u64,
    packet_len: u64,
    direct_helpers: [usize; MAX_DIRECT_HELPERS],
    resolve_lddw: extern "sysv64" fn(u64, u64, u64, *mut u8) -> u64,
    /// The run's dispatcher, set for one run only (its borrow erased; never used after).
    host: Option<NonNull<dyn Dispatch>>,
    error: Option<HelperError>,
    /// A helper's panic, resumed after the run (with `std`; without it a panic aborts).
    #[cfg(feature = "std")]
    panic: Option<Box<dyn core::any::Any + Send>>,
}

const _: () = {
    use core::mem::offset_of;
    assert!(offset_of!(RunContext, dispatch) == CTX_DISPATCH as usize);
    assert!(offset_of!(RunContext, helper_id) == CTX_HELPER_ID as usize);
    assert!(offset_of!(RunContext, saved_rsp) == CTX_SAVED_RSP as usize);
    assert!(offset_of!(RunContext, fault_kind) == CTX_FAULT_KIND as usize);
    assert!(offset_of!(RunContext, fault_pc) == CTX_FAULT_PC as usize);
    assert!(offset_of!(RunContext, args) == CTX_ARGS as usize);
    assert!(offset_of!(RunContext, stack_top) == CTX_STACK_TOP as usize);
    assert!(offset_of!(RunContext, min_call_fp) == CTX_MIN_CALL_FP as usize);
    assert!(offset_of!(RunContext, packet) == CTX_PACKET as usize);
    assert!(offset_of!(RunContext, packet_len) == CTX_PACKET_LEN as usize);
    assert!(offset_of!(RunContext, direct_helpers) == CTX_DIRECT_HELPERS as usize);
    assert!(offset_of!(RunContext, resolve_lddw) == CTX_RESOLVE_LDDW as usize);
    assert!(offset_of!(RunContext, host) == CTX_FIXED_SIZE);
};

/// The generated code's helper dispatcher.
extern "sysv64" fn dispatch(a1: u64, a2: u64, a3: u64, a4: u64, a5: u64, ctx: *mut u8) -> u64 {
    // SAFETY: the generated code passes back the pointer `JitFrame::run` gave it: the frame's
    // boxed `RunContext`, to which `run` holds no reference while the code runs.
    let ctx = unsafe { &mut *ctx.cast::<RunContext>() };
    let fail = |ctx: &mut RunContext, error| {
        ctx.error = Some(error);
        ctx.fault_kind = FAULT_HELPER;
        0
    };
    let Ok(id) = u32::try_from(ctx.helper_id) else {
        return fail(
            ctx,
            HelperError::failed(0, "callx target is not a helper id"),
        );
    };
    let Some(mut host) = ctx.host else {
        return fail(ctx, HelperError::unknown(id));
    };
    // SAFETY: `host` was set by `JitFrame::run` from a `&mut dyn Dispatch` that outlives the
    // run, and `run` does not use that borrow while the code runs.
    let host = unsafe { host.as_mut() };
    #[cfg(feature = "std")]
    let result = catch_unwind(AssertUnwindSafe(|| {
        host.call(id, [a1, a2, a3, a4, a5], &mut JitMem)
    }));
    // Without `std` a panic aborts (`panic = "abort"`): it never unwinds into the code.
    #[cfg(not(feature = "std"))]
    let result: Result<_, core::convert::Infallible> =
        Ok(host.call(id, [a1, a2, a3, a4, a5], &mut JitMem));
    match result {
        Ok(Ok(value)) => value,
        Ok(Err(error)) => fail(ctx, error),
        #[cfg(feature = "std")]
        Err(payload) => {
            ctx.panic = Some(payload);
            ctx.fault_kind = FAULT_HOST_PANIC;
            0
        }
    }
}

/// The generated code's `lddw` resolver: never needed, as the host resolves every map
/// reference before compiling.
extern "sysv64" fn resolve_lddw(_src: u64, _imm: u64, _next: u64, ctx: *mut u8) -> u64 {
    // SAFETY: as in `dispatch`.
    let ctx = unsafe { &mut *ctx.cast::<RunContext>() };
    ctx.error = Some(HelperError::unsupported("an unresolved lddw"));
    ctx.fault_kind = FAULT_HELPER;
    0
}

/// The host's dispatcher as the JIT's helpers (the dispatcher's type known, so its `call` is
/// inlined here). The JIT keeps only the kind of a failure; the host's own error is kept here
/// for the fault.
#[cfg(feature = "std")]
struct HostHelpers<'d, D: Dispatch> {
    host: &'d mut D,
    error: Option<HelperError>,
}

#[cfg(feature = "std")]
impl<D: Dispatch> ebpf_jit::Helpers for HostHelpers<'_, D> {
    #[inline]
    fn call(&mut self, id: u32, args: [u64; 5]) -> Result<u64, ebpf_jit::HelperError> {
        match self.host.call(id, args, &mut JitMem) {
            Ok(r0) => Ok(r0),
            Err(e) => {
                let stop = matches!(e.kind(), HelperErrorKind::Stop { .. });
                self.error = Some(e);
                Err(if stop {
                    ebpf_jit::HelperError::Stop { code: 0 }
                } else {
                    ebpf_jit::HelperError::Failed {
                        message: alloc::string::String::new(),
                    }
                })
            }
        }
    }
}

/// Program memory at real addresses. The verifier proved every pointer-and-size argument a
/// helper receives in bounds of live memory (the program's stack, its context and packet, map
/// values), so the host reads and writes them as they are.
pub(crate) struct JitMem;

impl Mem for JitMem {
    fn read(&self, addr: u64, len: usize) -> Result<&[u8], HelperError> {
        if len == 0 {
            return Ok(&[]);
        }
        // SAFETY: `addr` and `len` come from a verified program's helper arguments, which the
        // verifier proved to be `len` readable bytes of live memory (see the module docs); no
        // other code writes them while the helper runs (the program is suspended in the call).
        Ok(unsafe { core::slice::from_raw_parts(addr as *const u8, len) })
    }

    fn write(&mut self, addr: u64, len: usize) -> Result<&mut [u8], HelperError> {
        if len == 0 {
            return Ok(&mut []);
        }
        // SAFETY: as in `read`, for `len` writable bytes.
        Ok(unsafe { core::slice::from_raw_parts_mut(addr as *mut u8, len) })
    }

    fn expose(
        &mut self,
        ptr: NonNull<u8>,
        _len: usize,
        _writable: bool,
        _name: &'static str,
    ) -> Result<u64, HelperError> {
        Ok(ptr.as_ptr() as u64)
    }

    fn host_ptr(&mut self, addr: u64) -> Result<NonNull<u8>, HelperError> {
        NonNull::new(addr as *mut u8).ok_or_else(|| HelperError::failed(0, "null pointer"))
    }
}

/// How a JIT run ended without a result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct JitFault {
    /// The pc of the instruction.
    pub(crate) pc: usize,
    /// A helper's error, or `None` for the code's own faults.
    pub(crate) error: Option<HelperError>,
    /// The code's account of the fault.
    pub(crate) kind: JitFaultKind,
}

/// The code's account of a fault, by the engine that ran it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum JitFaultKind {
    /// The JIT's `Runner` (programs compiled here).
    #[cfg(feature = "std")]
    Runner(ebpf_jit::RunErrorKind),
    /// The host's run context: a fault kind of `ebpf_jit::abi` (`FAULT_*`).
    Code(u32),
}

impl JitFault {
    /// What went wrong, for the invocation's error.
    pub(crate) fn message(&self) -> alloc::string::String {
        use alloc::string::ToString;
        match (&self.error, &self.kind) {
            (Some(e), _) => e.to_string(),
            #[cfg(feature = "std")]
            (None, JitFaultKind::Runner(k)) => k.to_string(),
            (None, JitFaultKind::Code(FAULT_CALL_DEPTH)) => {
                "too many nested local calls".to_string()
            }
            (None, JitFaultKind::Code(FAULT_FELL_OFF)) => {
                "ran past the last instruction".to_string()
            }
            (None, JitFaultKind::Code(k)) => alloc::format!("fault kind {k}"),
        }
    }
}

/// How a JIT run ended without a result: a helper's deliberate stop (a Linux tail call), or a
/// fault (boxed, so a run's result fits two registers).
pub(crate) enum JitStop {
    TailCall,
    Fault(Box<JitFault>),
}

/// One CPU's run context and stack.
pub(crate) struct JitFrame {
    ctx: Box<RunContext>,
    stack: Box<[u64]>,
    #[cfg(feature = "std")]
    runner: ebpf_jit::Runner,
}

// SAFETY: the only non-`Send` parts are the dispatcher pointer, set only inside `run` (which
// takes `&mut self`) and cleared before it returns, and a panic payload, which is `Send`.
unsafe impl Send for JitFrame {}

impl core::fmt::Debug for JitFrame {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("JitFrame").finish_non_exhaustive()
    }
}

impl JitFrame {
    pub(crate) fn new() -> JitFrame {
        let mut stack = alloc::vec![0u64; TOTAL_STACK / 8].into_boxed_slice();
        // The stack never moves (a boxed slice): its addresses are fixed here once.
        let top = stack.as_mut_ptr() as u64 + TOTAL_STACK as u64;
        JitFrame {
            ctx: Box::new(RunContext {
                dispatch,
                helper_id: 0,
                saved_rsp: 0,
                fault_kind: 0,
                fault_pc: 0,
                args: [0; 5],
                stack_top: top,
                min_call_fp: top - (STACK_SIZE * (MAX_FRAMES - 2)) as u64,
                packet: 0,
                packet_len: 0,
                direct_helpers: [0; MAX_DIRECT_HELPERS],
                resolve_lddw,
                host: None,
                error: None,
                #[cfg(feature = "std")]
                panic: None,
            }),
            stack,
            #[cfg(feature = "std")]
            runner: ebpf_jit::Runner::new(),
        }
    }

    /// Runs `image` with `r1` = `ctx` (a context the host built for the image's verified
    /// program, see the module docs) and `packet` as the legacy packet, helpers served by
    /// `host`. A helper's panic resumes here.
    #[inline]
    pub(crate) fn run<D: Dispatch>(
        &mut self,
        image: &Image,
        ctx: &mut [u8],
        packet: (u64, u64),
        host: &mut D,
    ) -> Result<u64, JitStop> {
        #[cfg(feature = "std")]
        if let Some(placed) = &image.placed {
            let mut helpers = HostHelpers { host, error: None };
            // SAFETY: `image` was installed from the code of a program the verifier accepted,
            // and `ctx`, `packet` and the dispatcher's helpers are what the module docs'
            // invariants say: the obligations of `Runner::run` (those of
            // `Executable::run_verified`).
            return match unsafe { self.runner.run(placed, ctx, packet, &mut helpers) } {
                Ok(r0) => Ok(r0),
                Err(e) => Err(runner_fault(&e, helpers.error.take())),
            };
        }
        match self.run_native(image, ctx, packet, host) {
            Ok(r0) => Ok(r0),
            Err(f) => Err(code_fault(f)),
        }
    }

    /// [`JitFrame::run`] on the host's own run context (native images, and every image
    /// without `std`).
    fn run_native(
        &mut self,
        image: &Image,
        ctx: &mut [u8],
        packet: (u64, u64),
        host: &mut dyn Dispatch,
    ) -> Result<u64, JitFault> {
        if image.uses_stack {
            let frame0 = self.stack.len() - STACK_SIZE / 8;
            self.stack[frame0..].fill(0);
        }
        let ctx_addr = ctx.as_mut_ptr() as u64;
        let run = &mut *self.ctx;
        run.fault_kind = 0;
        // A run that stored an error also set `fault_kind`, and the error was taken below.
        debug_assert!(run.error.is_none());
        run.args = [ctx_addr, ctx.len() as u64, 0, 0, 0];
        (run.packet, run.packet_len) = packet;
        let host: NonNull<dyn Dispatch + '_> = NonNull::from(host);
        // SAFETY: only the trait object's lifetime bound changes (same layout); the pointer is
        // used by `dispatch` during this call alone and cleared below, before the borrow it
        // came from ends.
        run.host = Some(unsafe {
            core::mem::transmute::<NonNull<dyn Dispatch + '_>, NonNull<dyn Dispatch>>(host)
        });
        let run_ptr: *mut RunContext = run;
        let entry_addr = image.entry_addr as *const u8;
        // SAFETY: `entry_addr` is the entry of code `ebpf_jit` compiled for ABI_VERSION (checked
        // by `Image::install`, or for images by `image/load.rs` before `Image::install_code`,
        // which checks that the entry lies in the code), in `image.code`, which is read-execute, does not move and lives
        // as long as `image`; its signature is `extern "sysv64" fn(*mut RunContext) -> u64`
        // (`ebpf_jit::abi`).
        let entry: extern "sysv64" fn(*mut u8) -> u64 = unsafe { core::mem::transmute(entry_addr) };
        // The code reads and writes only the context, the packet, its stack and memory its
        // helpers gave it, all live for the run: the module's invariants.
        let r0 = entry(run_ptr.cast::<u8>());
        let run = &mut *self.ctx;
        run.host = None;
        if run.fault_kind == 0 {
            return Ok(r0);
        }
        #[cfg(feature = "std")]
        if let Some(payload) = run.panic.take() {
            resume_unwind(payload);
        }
        Err(JitFault {
            pc: run.fault_pc as usize,
            error: run.error.take(),
            kind: JitFaultKind::Code(run.fault_kind),
        })
    }
}

/// The end of a run on the host's run context that faulted with `fault` (kept out of the
/// run's fast path): a helper's deliberate stop is a Linux tail call.
#[cold]
#[inline(never)]
fn code_fault(fault: JitFault) -> JitStop {
    if matches!(
        fault.error.map(|e| e.kind()),
        Some(HelperErrorKind::Stop { .. })
    ) {
        return JitStop::TailCall;
    }
    JitStop::Fault(Box::new(fault))
}

/// The end of a `Runner` run that stopped with `e` (kept out of the run's fast path).
#[cfg(feature = "std")]
#[cold]
#[inline(never)]
fn runner_fault(e: &ebpf_jit::RunError, error: Option<HelperError>) -> JitStop {
    if matches!(e.kind(), ebpf_jit::RunErrorKind::Stopped { .. }) {
        return JitStop::TailCall;
    }
    JitStop::Fault(Box::new(JitFault {
        pc: e.pc(),
        error,
        kind: JitFaultKind::Runner(e.kind().clone()),
    }))
}
