//! Installing an image in executable memory and running it: the crate's only `unsafe` module.
//!
//! Memory is mapped read-write, the code is copied in, and the mapping is switched to
//! read-execute before anything can call it; it is never writable and executable at once.
//! The run context ([`RunContext`]) carries the helper dispatcher, so the image itself needs no
//! address of this process.

use std::any::Any;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::ptr::NonNull;

use memmap2::{Mmap, MmapMut};

use crate::abi::*;
use crate::error::{JitError, JitErrorKind, RunError, RunErrorKind};
use crate::helpers::{DirectHelper, HelperError, Helpers};
use crate::image::Compiled;
use ebpf_isa::LddwSrc;

/// The context the generated code receives in `rdi` and keeps in `r12`. The fields up to
/// `direct_helpers` are the fixed ABI of [`abi`](crate::abi); the rest is private to this host.
///
/// It lives in a `Box` owned by the [`Executable`] and is reused by every run, so a run only
/// rewrites the few fields that change.
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
    direct_helpers: [Option<DirectHelper>; MAX_DIRECT_HELPERS],
    resolve_lddw: extern "sysv64" fn(u64, u64, u64, *mut u8) -> u64,
    /// The caller's helpers, set for the duration of one run (`Executable::enter`; its borrow
    /// erased to `'static`, never used outside that call) and `None` otherwise.
    helpers: Option<NonNull<dyn Helpers>>,
    helper_error: Option<RunErrorKind>,
    panic: Option<Box<dyn Any + Send>>,
}

// The generated code relies on these offsets.
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
    assert!(offset_of!(RunContext, helpers) == CTX_FIXED_SIZE);
};

/// The helper dispatcher the generated code calls through `ctx.dispatch`.
///
/// Never unwinds into generated code: a panicking helper is caught, recorded as a fault (the
/// code then unwinds its own frames) and resumed by the run entry point
/// ([`Executable::run_trusted`] or [`Executable::run_verified`]).
extern "sysv64" fn dispatch(a1: u64, a2: u64, a3: u64, a4: u64, a5: u64, ctx: *mut u8) -> u64 {
    // SAFETY: the generated code passes back the pointer `Executable::enter` gave it, which
    // points to the executable's boxed `RunContext`; `enter` holds no reference to it while the
    // code runs, so this is the only live reference.
    let ctx = unsafe { &mut *ctx.cast::<RunContext>() };
    let Ok(id) = u32::try_from(ctx.helper_id) else {
        let value = ctx.helper_id;
        ctx.helper_error = Some(RunErrorKind::BadCallxTarget { value });
        ctx.fault_kind = FAULT_HELPER;
        return 0;
    };
    let Some(mut helpers) = ctx.helpers else {
        ctx.fault_kind = FAULT_HELPER;
        return 0;
    };
    // SAFETY: `helpers` was set by `Executable::enter` from a `&mut dyn Helpers` that outlives
    // the run, and `enter` does not use that borrow while the code runs.
    let helpers = unsafe { helpers.as_mut() };
    match catch_unwind(AssertUnwindSafe(|| helpers.call(id, [a1, a2, a3, a4, a5]))) {
        Ok(Ok(value)) => value,
        Ok(Err(error)) => {
            ctx.helper_error = Some(match error {
                HelperError::Unknown => RunErrorKind::UnknownHelper { id },
                HelperError::Failed { message } => RunErrorKind::HelperFailed { id, message },
                HelperError::Stop { code } => RunErrorKind::Stopped { id, code },
            });
            ctx.fault_kind = FAULT_HELPER;
            0
        }
        Err(payload) => {
            ctx.panic = Some(payload);
            ctx.fault_kind = FAULT_HOST_PANIC;
            0
        }
    }
}

/// The `LDDW` resolver the generated code calls through `ctx.resolve_lddw` (same unwinding
/// rules as [`dispatch`]).
extern "sysv64" fn resolve_lddw(src: u64, imm: u64, next_imm: u64, ctx: *mut u8) -> u64 {
    // SAFETY: as in `dispatch`: the pointer is the executable's boxed context, and no other
    // reference to it is live while the code runs.
    let ctx = unsafe { &mut *ctx.cast::<RunContext>() };
    let (imm, next_imm) = (imm as i32, next_imm as i32);
    let Some(src) = LddwSrc::from_code(src as u8) else {
        ctx.fault_kind = FAULT_HELPER;
        return 0;
    };
    let Some(mut helpers) = ctx.helpers else {
        ctx.fault_kind = FAULT_HELPER;
        return 0;
    };
    // SAFETY: as in `dispatch`: set by `Executable::enter` from a borrow that outlives the run.
    let helpers = unsafe { helpers.as_mut() };
    match catch_unwind(AssertUnwindSafe(|| helpers.lddw(src, imm, next_imm))) {
        Ok(Ok(value)) => value,
        Ok(Err(error)) => {
            let message = match error {
                HelperError::Unknown => "unknown map or object".to_string(),
                HelperError::Failed { message } => message,
                HelperError::Stop { .. } => "an lddw resolver cannot end the run".to_string(),
            };
            ctx.helper_error = Some(RunErrorKind::LddwFailed { src, imm, message });
            ctx.fault_kind = FAULT_HELPER;
            0
        }
        Err(payload) => {
            ctx.panic = Some(payload);
            ctx.fault_kind = FAULT_HOST_PANIC;
            0
        }
    }
}

/// A compiled program installed in this process's executable memory, with its own stack of
/// [`MAX_FRAMES`] frames of [`STACK_SIZE`] bytes.
///
/// Two ways to run it:
///
/// - [`run_trusted`](Self::run_trusted), an `unsafe fn` for programs the caller vouches for
///   (tests, conformance vectors after an interpreter pre-flight);
/// - [`run_verified`](Self::run_verified), for executables built from an
///   [`ebpf_verifier::Verified`] program ([`from_verified`](Self::from_verified)). It is an
///   `unsafe fn`: the verifier proved the program safe *given* its program type's host
///   context (the layout, with the real packet pointers after it where the layout's pointer
///   fields are 32-bit), pointing at live buffers, and helpers that keep their prototypes'
///   promises. Only the host that builds the context and implements the helpers can guarantee
///   that, so the obligation is stated there, precisely, instead of being hidden behind a safe
///   signature. A host crate that owns context construction and the helpers for each program
///   type can wrap it in a safe `run`.
///
/// [`instruction_bound`](Self::instruction_bound) tells a host whether what it runs was verified
/// and how many instructions one run executes at most.
#[derive(Debug)]
pub struct Executable {
    /// Owns the memory `image` points into.
    #[allow(dead_code, reason = "kept for its ownership of the code's memory")]
    code: Mmap,
    image: Placed,
    runner: Runner,
}

/// A compiled image that a host placed in executable memory of its own (a kernel's, an
/// `Os` service's), described for [`Runner::run`]: the entry's address and the image's
/// metadata. [`Executable`] is the same over memory this crate maps itself.
#[derive(Clone, Debug)]
pub struct Placed {
    /// The entry trampoline's address.
    entry: usize,
    /// The helper ids of `call imm` sites with a slot in the direct-helper table.
    helper_ids: Box<[u32]>,
    /// Whether frame 0 must be zeroed before each run ([`Compiled::uses_stack`]).
    uses_stack: bool,
    /// [`Compiled::instruction_bound`]: `Some` only for images of verified programs.
    instruction_bound: Option<u64>,
}

impl Placed {
    /// Describes `compiled` as copied to `code`. Fails for an image of another
    /// [`ABI_VERSION`] or with its entry outside its code.
    ///
    /// # Safety
    ///
    /// `code` is the address of an exact copy of [`Compiled::code`], in memory that is
    /// read-execute (and not writable) from now on and stays mapped, unchanged, for as long as
    /// any [`Runner::run`] of the returned value may execute it.
    pub unsafe fn new(compiled: &Compiled, code: *const u8) -> Result<Placed, JitError> {
        if compiled.abi_version() != ABI_VERSION {
            let found = compiled.abi_version();
            return Err(JitError::new(JitErrorKind::AbiMismatch { found }));
        }
        if compiled.entry_offset() >= compiled.code().len() || code.is_null() {
            return Err(JitError::new(JitErrorKind::Memory {
                message: "the image's entry is outside its code".to_string(),
            }));
        }
        Ok(Placed {
            entry: code as usize + compiled.entry_offset(),
            helper_ids: compiled
                .helper_ids()
                .iter()
                .take(MAX_DIRECT_HELPERS)
                .copied()
                .collect(),
            uses_stack: compiled.uses_stack(),
            instruction_bound: compiled.instruction_bound(),
        })
    }

    /// [`Compiled::instruction_bound`] of the image.
    pub fn instruction_bound(&self) -> Option<u64> {
        self.instruction_bound
    }
}

/// What runs need besides the code: the run context the generated code receives and a stack of
/// [`MAX_FRAMES`] frames of [`STACK_SIZE`] bytes. One per thread (or per CPU) of a host; it runs
/// any [`Placed`] image, one at a time.
pub struct Runner {
    ctx: Box<RunContext>,
    /// The stack as `u64`s so that 8-byte accesses (and atomics) at aligned offsets from r10
    /// are aligned in memory.
    stack: Box<[u64]>,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner").finish_non_exhaustive()
    }
}

impl Default for Runner {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: the only non-`Send`/`Sync` parts are the raw pointer of `ctx.helpers` (set only
// inside `Runner::run`, which takes `&mut self`, and cleared before it returns), a panic
// payload (`Send`, taken before `run` returns) and the stack pointers stored as integers.
unsafe impl Send for Runner {}
// SAFETY: `&Runner` only allows reading the stack; runs need `&mut`.
unsafe impl Sync for Runner {}

impl Runner {
    /// A fresh run context and zeroed stack.
    pub fn new() -> Runner {
        let mut stack = vec![0u64; TOTAL_STACK / 8].into_boxed_slice();
        // The stack never moves (a boxed slice), so its addresses are fixed here once.
        let top = stack.as_mut_ptr() as u64 + TOTAL_STACK as u64;
        let ctx = Box::new(RunContext {
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
            direct_helpers: [None; MAX_DIRECT_HELPERS],
            resolve_lddw,
            helpers: None,
            helper_error: None,
            panic: None,
        });
        Runner { ctx, stack }
    }

    /// The stack after the last run (see [`Executable::stack`]).
    pub fn stack(&self) -> &[u8] {
        let len = self.stack.len() * 8;
        // SAFETY: the pointer comes from a live `Box<[u64]>` of `len / 8` elements, any byte of
        // a `u64` is a valid `u8`, `u8` has alignment 1, and the borrow of `self` keeps the
        // memory alive and unaliased by writers for the lifetime of the slice.
        unsafe { std::slice::from_raw_parts(self.stack.as_ptr().cast::<u8>(), len) }
    }

    /// Runs `image` with r1 = address of `ctx` (0 when it is empty), r2 = its length, r10 = top
    /// of a zeroed frame 0, and `packet` (address, length) as the region of legacy
    /// `LD_ABS`/`LD_IND` loads (bounds-checked at run time). Returns r0, or the error of a
    /// helper or `lddw` the host refused; a helper's panic resumes here.
    ///
    /// # Safety
    ///
    /// The obligations of [`Executable::run_trusted`] for `image`'s program, with `ctx` as its
    /// `mem` and, in addition, `packet` naming readable memory live for the run. A host that
    /// runs only images of verified programs discharges them as
    /// [`Executable::run_verified`]'s contract says, for the context and helpers it builds.
    #[inline]
    pub unsafe fn run(
        &mut self,
        image: &Placed,
        ctx: &mut [u8],
        packet: (u64, u64),
        helpers: &mut dyn Helpers,
    ) -> Result<u64, RunError> {
        // No memory, no pointer: r1 is 0 for an empty `ctx`, as in uBPF and the interpreter, so
        // a program testing r1 against null takes the same path on both.
        let ctx_ptr = if ctx.is_empty() {
            0
        } else {
            ctx.as_mut_ptr() as u64
        };
        // Frame 0 starts zeroed (a program that never names r10 cannot see it, and never
        // dirties it); the code zeroes each callee frame when it is entered.
        if image.uses_stack {
            let frame0 = self.stack.len() - STACK_SIZE / 8;
            self.stack[frame0..].fill(0);
        }
        let run = &mut *self.ctx;
        // Every slot the image may index is refilled for it (the table is shared by images).
        for (slot, &id) in run.direct_helpers.iter_mut().zip(image.helper_ids.iter()) {
            *slot = helpers.direct(id);
        }
        run.fault_kind = 0;
        run.args = [ctx_ptr, ctx.len() as u64, 0, 0, 0];
        (run.packet, run.packet_len) = packet;
        let helpers: NonNull<dyn Helpers + '_> = NonNull::from(helpers);
        // SAFETY: only the lifetime bound of the trait object changes (same layout); the
        // pointer is used by `dispatch` during this call alone and cleared below, before the
        // borrow it came from ends.
        run.helpers = Some(unsafe {
            std::mem::transmute::<NonNull<dyn Helpers + '_>, NonNull<dyn Helpers>>(helpers)
        });
        let run_ptr: *mut RunContext = run;
        // SAFETY: `image.entry` is the entry trampoline of code produced by `codegen::compile`
        // for ABI_VERSION (checked by `Placed::new`), read-execute and live while it runs
        // (`Placed::new`'s contract). Its signature is `extern "sysv64" fn(*mut RunContext) ->
        // u64` (see `abi`). The code indexes the direct-helper table only below the image's
        // helper count (at most MAX_DIRECT_HELPERS), whose slots were all set above to `None`
        // or a function of the `DirectHelper` signature.
        let entry: extern "sysv64" fn(*mut u8) -> u64 =
            unsafe { std::mem::transmute(image.entry as *const u8) };
        // The code only touches memory its program addresses, which this function's contract
        // confines to `ctx`, the stack owned by `self`, the packet and live host memory.
        let r0 = entry(run_ptr.cast::<u8>());
        let run = &mut *self.ctx;
        run.helpers = None;
        if run.fault_kind == 0 {
            return Ok(r0);
        }
        Err(fault(run))
    }
}

impl std::fmt::Debug for RunContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunContext")
            .field("stack_top", &self.stack_top)
            .finish_non_exhaustive()
    }
}

impl Executable {
    /// Copies `compiled` into fresh memory and makes it read-execute.
    pub fn new(compiled: &Compiled) -> Result<Executable, JitError> {
        if compiled.abi_version() != ABI_VERSION {
            let found = compiled.abi_version();
            return Err(JitError::new(JitErrorKind::AbiMismatch { found }));
        }
        let mem_err = |e: std::io::Error| {
            JitError::new(JitErrorKind::Memory {
                message: e.to_string(),
            })
        };
        let code = compiled.code();
        let mut rw = MmapMut::map_anon(code.len().max(1)).map_err(mem_err)?;
        rw[..code.len()].copy_from_slice(code);
        let code_map = rw.make_exec().map_err(mem_err)?;
        // SAFETY: `code_map` holds an exact copy of the code, read-execute, and is owned by the
        // executable next to the `Placed` that points into it, so it outlives every run.
        let image = unsafe { Placed::new(compiled, code_map.as_ptr())? };
        Ok(Executable {
            code: code_map,
            image,
            runner: Runner::new(),
        })
    }

    /// Compiles a verified program's [`runnable`](ebpf_verifier::Verified::runnable) form
    /// ([`compile_verified`](crate::compile_verified)) and installs it. The result's
    /// [`instruction_bound`](Self::instruction_bound) is the proof's; it runs on the program
    /// type's host context ([`run_verified`](Self::run_verified)).
    pub fn from_verified(
        verified: &ebpf_verifier::Verified,
        options: &crate::JitOptions,
    ) -> Result<Executable, JitError> {
        Executable::new(&crate::compile_verified(verified, options)?)
    }

    /// `Some(n)` when this executable was compiled from an [`ebpf_verifier::Verified`] program:
    /// one run executes at most `n` instructions (each `lddw` once, a helper call as one; the
    /// time inside helpers is the host's). `None` for executables of unverified programs,
    /// which only [`run_trusted`](Self::run_trusted) runs.
    pub fn instruction_bound(&self) -> Option<u64> {
        self.image.instruction_bound
    }

    /// The stack after the last run: frame 0 is the last [`STACK_SIZE`] bytes (r10 of the
    /// program points one past the end), frame `k` the `k`-th block before it.
    pub fn stack(&self) -> &[u8] {
        self.runner.stack()
    }

    /// Runs the program with r1 = address of `mem` (0 when it is empty), r2 = its length, r10 = top of a zeroed
    /// stack; `mem` is also the packet of legacy `LD_ABS`/`LD_IND` loads. Returns r0.
    ///
    /// **For trusted and test programs only.** The generated code does not check memory
    /// accesses or bound loops itself: nothing proved this program safe. Programs that are not
    /// trusted go through the verifier and [`run_verified`](Self::run_verified) instead.
    ///
    /// What the JIT still guarantees: each frame of the stack is 512 zeroed bytes, local calls
    /// nest at most [`MAX_FRAMES`] deep (an error, not a crash, past that), running past the
    /// last instruction is [`RunErrorKind::FellOff`], unknown helpers and `callx` targets are
    /// errors, and legacy packet loads are bounds-checked against `mem`.
    ///
    /// # Safety
    ///
    /// The caller vouches for the program, for the whole run:
    ///
    /// 1. **Memory.** Every load, store and atomic the program executes stays inside `mem`,
    ///    the current 512-byte stack frame, or memory a helper or [`Helpers::lddw`] handed it
    ///    that is still live and large enough; in particular it never writes the host's
    ///    memory through a number it made into an address.
    /// 2. **Termination.** The program ends (or the caller accepts that the call may not
    ///    return).
    /// 3. **Helpers.** `helpers` reads and writes only memory the program passed it with a
    ///    length, or memory it owns.
    ///
    /// Checking a program with the reference interpreter first (same input, same helpers)
    /// discharges 1 and 2 for that input, because the interpreter checks every access and
    /// counts instructions: that is how the conformance runner and the tests use it.
    pub unsafe fn run_trusted(
        &mut self,
        mem: &mut [u8],
        helpers: &mut dyn Helpers,
    ) -> Result<u64, RunError> {
        // SAFETY: the caller vouches for the program's accesses, termination and helpers
        // (this function's safety section).
        unsafe { self.enter(mem, helpers) }
    }

    /// Runs a verified program on its context: r1 = address of `ctx`, r2 = its length, r10 =
    /// top of a zeroed stack. Returns r0, or the error of a helper or `lddw` the host refused
    /// (as [`run_trusted`](Self::run_trusted)); [`RunErrorKind::NotVerified`] without running
    /// anything when the executable was not built from a [`Verified`](ebpf_verifier::Verified)
    /// program ([`instruction_bound`](Self::instruction_bound) is `None`).
    ///
    /// What the JIT guarantees: the code is the verified instructions with the reference
    /// interpreter's semantics; each frame of the stack is 512 zeroed bytes and local calls nest
    /// at most [`MAX_FRAMES`] deep (checked at run time too); the run ends within
    /// [`instruction_bound`](Self::instruction_bound) instructions (the proof's, the code counts
    /// nothing).
    ///
    /// # Safety
    ///
    /// The verifier proved every memory access in bounds and every helper call well-typed
    /// *assuming* the program runs on the platform and program type it was verified for
    /// ([`Verified::platform`](ebpf_verifier::Verified::platform) and
    /// [`Verified::program_type`](ebpf_verifier::Verified::program_type), with the `maps` given
    /// to `ebpf_verifier::verify`). The executable cannot check that its host provides them,
    /// so the caller guarantees, for the whole run:
    ///
    /// 1. **Context.** `ctx` is the *host context* of that program type: for a
    ///    [`ContextLayout`](ebpf_verifier::platform::ContextLayout) with a
    ///    [`HostContext`](ebpf_verifier::platform::HostContext) (Linux's `xdp_md` and
    ///    `__sk_buff`, whose pointer fields are 32-bit), the structure followed by the 64-bit
    ///    pointer slots the host context describes; otherwise the structure itself. `ctx.len()`
    ///    is at least [`Verified::context_size`](ebpf_verifier::Verified::context_size) (the
    ///    layout's [`host_size`](ebpf_verifier::platform::ContextLayout::host_size)), and every
    ///    field the program may read holds what the platform says it holds: a socket field
    ///    ([`Field::socket`](ebpf_verifier::platform::Field::socket), Linux's
    ///    `__sk_buff.sk`) holds 0 or the address of a live socket structure of its kind (a
    ///    host without kernel sockets stores 0). Fields the layout
    ///    does not name as pointers are numbers: any value is memory-safe, the 32-bit pointer
    ///    fields of a layout with a host context included (the compiled code is
    ///    [`Verified::runnable`](ebpf_verifier::Verified::runnable), whose loads of them read the
    ///    slots instead).
    /// 2. **Packet pointers.** When the layout has `data` and `data_end` fields, the host
    ///    context's slots for them (or the fields themselves, 8-byte pointers, for a layout
    ///    without a host context: eBPF for Windows `xdp_md_t`, data at 0, data_end at 8) hold,
    ///    little endian in 8 bytes, the start and one-past-the-end addresses of one live
    ///    buffer with `data <= data_end` and `data_end - data <=`
    ///    [`Verified::max_packet_size`](ebpf_verifier::Verified::max_packet_size) (the program
    ///    type's largest packet). With a `data_meta` field,
    ///    its slot (or field) holds an address in the same buffer at most 255 bytes (the
    ///    verifier's `MAX_PACKET_META`) below `data`. The buffer is readable, and writable if
    ///    the type's `packet_writable` is set; no Rust reference to it is used while the
    ///    program runs (the code writes it through the raw address).
    /// 3. **Helpers.** `helpers` keeps the platform's helper prototypes
    ///    ([`HelperProto`](ebpf_verifier::platform::HelperProto)) for every id the program
    ///    calls, through [`Helpers::call`] and [`Helpers::direct`] alike. A helper whose
    ///    prototype returns memory (a map value, a ring-buffer reservation) returns 0 where the
    ///    prototype allows null, or the address of live, writable memory of the size the
    ///    prototype and the map's `MapInfo` state; a helper given a pointer and a size reads or
    ///    writes only those bytes; a helper marked `changes_packet` may move the packet only by
    ///    rewriting the context's pointers (the host context's slots where it has them) so
    ///    that item 2 still holds; no helper frees or
    ///    shrinks memory the program may still point to (map values, reservations before their
    ///    submit, the stack). [`Helpers::lddw`] resolves a map fd or index to a handle its
    ///    helpers accept as that map (as the verifier's `MapInfo` describes it), and a
    ///    map-value `lddw` to the address of a live value of that map's `value_size` bytes plus
    ///    the offset in `next_imm`.
    ///
    /// Legacy packet loads (`LD_ABS`/`LD_IND`) read `ctx` itself as their packet, with a
    /// run-time bounds check, as in [`run_trusted`](Self::run_trusted): memory-safe whatever
    /// the type, though a Linux `socket_filter` sees the context bytes, not the skb's data.
    pub unsafe fn run_verified(
        &mut self,
        ctx: &mut [u8],
        helpers: &mut dyn Helpers,
    ) -> Result<u64, RunError> {
        if self.image.instruction_bound.is_none() {
            return Err(RunError::new(0, RunErrorKind::NotVerified));
        }
        // SAFETY: the program was verified (`instruction_bound` is only `Some` for images of
        // `compile_verified`), and the caller guarantees the verifier's assumptions about
        // `ctx`, the buffers it points to and `helpers` (this function's contract), so every
        // access the code makes is one the verifier proved in bounds.
        unsafe { self.enter(ctx, helpers) }
    }

    /// One run: r1 = address of `mem` (0 when empty), r2 = its length, `mem` as the legacy
    /// packet.
    ///
    /// # Safety
    ///
    /// Every load, store and helper argument of the program stays within `mem`, the stack of
    /// `self`, and memory that stays live and unaliased for the run (buffers `mem` points to,
    /// memory the helpers hand out); the caller of [`run_trusted`](Self::run_trusted) vouches
    /// for that by trust, the caller of [`run_verified`](Self::run_verified) by the verifier's
    /// proof plus its contract.
    unsafe fn enter(&mut self, mem: &mut [u8], helpers: &mut dyn Helpers) -> Result<u64, RunError> {
        let packet = if mem.is_empty() {
            (0, 0)
        } else {
            (mem.as_mut_ptr() as u64, mem.len() as u64)
        };
        // SAFETY: `self.image` points into `self.code`, live and read-execute as long as `self`;
        // the rest is this function's contract, with `mem` as context and packet.
        unsafe { self.runner.run(&self.image, mem, packet, helpers) }
    }
}

/// The error of a run that ended with a fault (resuming a helper's panic).
#[cold]
#[inline(never)]
fn fault(ctx: &mut RunContext) -> RunError {
    if let Some(payload) = ctx.panic.take() {
        resume_unwind(payload);
    }
    let pc = ctx.fault_pc as usize;
    let kind = match ctx.fault_kind {
        FAULT_HELPER => {
            let id = ctx.helper_id as u32;
            ctx.helper_error
                .take()
                .unwrap_or(RunErrorKind::UnknownHelper { id })
        }
        FAULT_CALL_DEPTH => RunErrorKind::CallDepth,
        FAULT_UNSUPPORTED => RunErrorKind::Unsupported {
            what: "kfunc call (helper by BTF id)",
        },
        _ => RunErrorKind::FellOff,
    };
    RunError::new(pc, kind)
}
