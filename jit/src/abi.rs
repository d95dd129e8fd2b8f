//! The contract between generated code and the host that runs it.
//!
//! A compiled image has one entry point with the System V AMD64 signature
//! `extern "sysv64" fn(ctx: *mut RunContext) -> u64`. Everything the code needs at run time
//! (the helper dispatcher, initial registers, the stack) comes through `ctx`, so the image holds
//! no absolute address. The code keeps `ctx` in `r12` for the whole run.
//!
//! The first fields of the context are fixed by this module (`#[repr(C)]`, offsets below);
//! a host in another language can build the same structure.

/// Version of this contract, recorded in every [`Compiled`](crate::Compiled) image.
pub const ABI_VERSION: u32 = 3;

/// Offset of `dispatch: extern "sysv64" fn(a1, a2, a3, a4, a5, ctx) -> u64`, the helper
/// dispatcher. It reads the helper id from [`CTX_HELPER_ID`] and reports failure by writing a
/// non-zero [`CTX_FAULT_KIND`].
pub const CTX_DISPATCH: i32 = 0;
/// Offset of the `u64` helper id written before each call of the dispatcher.
pub const CTX_HELPER_ID: i32 = 8;
/// Offset of the `u64` saved native stack pointer used to unwind on a fault.
pub const CTX_SAVED_RSP: i32 = 16;
/// Offset of the `u32` fault kind (0: none; see [`FAULT_HELPER`] and the others).
pub const CTX_FAULT_KIND: i32 = 24;
/// Offset of the `u32` pc of the instruction that faulted.
pub const CTX_FAULT_PC: i32 = 28;
/// Offset of the `[u64; 5]` initial values of r1 to r5.
pub const CTX_ARGS: i32 = 32;
/// Offset of the `u64` initial frame pointer (top of frame 0).
pub const CTX_STACK_TOP: i32 = 72;
/// Offset of the `u64` lowest frame pointer that may still make a local call: the top of
/// the last frame allowed plus one frame.
pub const CTX_MIN_CALL_FP: i32 = 80;
/// Offset of the `u64` address of the legacy packet (`LD_ABS`/`LD_IND`).
pub const CTX_PACKET: i32 = 88;
/// Offset of the `u64` length of the legacy packet.
pub const CTX_PACKET_LEN: i32 = 96;
/// Offset of the inline table of [`MAX_DIRECT_HELPERS`] direct helpers
/// (`[Option<DirectHelper>; MAX_DIRECT_HELPERS]`, 0 for none): entry `k` serves the `k`-th
/// distinct helper id of [`Compiled::helper_ids`](crate::Compiled::helper_ids). A call whose
/// entry is 0, or whose id is not among the first [`MAX_DIRECT_HELPERS`], goes through the
/// dispatcher.
pub const CTX_DIRECT_HELPERS: i32 = 104;
/// Entries of the direct-helper table.
pub const MAX_DIRECT_HELPERS: usize = 16;
/// Offset of `resolve_lddw: extern "sysv64" fn(src, imm, next_imm, ctx) -> u64`, which resolves
/// an `LDDW` whose `src` is not 0 (map by fd, map value, variable or code address, ...) at run
/// time; `src` is the `LddwSrc` code, the immediates are sign-extended. It reports failure like
/// the dispatcher, with a non-zero [`CTX_FAULT_KIND`].
pub const CTX_RESOLVE_LDDW: i32 = 104 + 8 * MAX_DIRECT_HELPERS as i32;
/// Size of the fixed part of the context.
pub const CTX_FIXED_SIZE: usize = CTX_RESOLVE_LDDW as usize + 8;

/// Fault kind: a helper returned an error (the dispatcher wrote it).
pub const FAULT_HELPER: u32 = 1;
/// Fault kind: a local call would exceed the frame limit.
pub const FAULT_CALL_DEPTH: u32 = 2;
/// Fault kind: execution ran past the last instruction.
pub const FAULT_FELL_OFF: u32 = 3;
/// Fault kind: the host aborted the call (a helper panicked).
pub const FAULT_HOST_PANIC: u32 = 4;
/// Fault kind: an instruction the JIT compiles to a fault (a call by BTF id).
pub const FAULT_UNSUPPORTED: u32 = 5;

/// Bytes of stack per frame (per bpf-to-bpf call level).
pub const STACK_SIZE: usize = 512;
/// Frames: the program itself plus up to seven nested local calls.
pub const MAX_FRAMES: usize = 8;
/// Total stack bytes a host provides.
pub const TOTAL_STACK: usize = STACK_SIZE * MAX_FRAMES;

/// x86-64 register numbers used for the eBPF registers `r0` to `r10`.
///
/// `r1` to `r5` sit in the System V argument registers so a helper call needs no shuffling;
/// `r6` to `r10` sit in callee-saved registers.
pub(crate) const REG_MAP: [u8; 11] = [
    0,  // r0 -> rax
    7,  // r1 -> rdi
    6,  // r2 -> rsi
    2,  // r3 -> rdx
    1,  // r4 -> rcx
    8,  // r5 -> r8
    3,  // r6 -> rbx
    13, // r7 -> r13
    14, // r8 -> r14
    15, // r9 -> r15
    5,  // r10 -> rbp
];

/// Scratch registers never holding an eBPF register.
pub(crate) const TMP0: u8 = 11;
pub(crate) const TMP1: u8 = 10;
pub(crate) const TMP2: u8 = 9;
pub(crate) const RAX: u8 = 0;
pub(crate) const RCX: u8 = 1;
