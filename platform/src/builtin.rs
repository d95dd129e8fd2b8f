//! Builtins: the C library functions clang leaves as calls to undefined symbols (`memcpy`,
//! `memmove`, `memset`, `memcmp`), each a [`HelperProto`] with a reserved id in
//! [`BUILTIN_IDS`], taking its arguments in C order.
//!
//! clang-19 expands `memcpy`, `memmove` and `memset` of a constant size inline (up to its
//! store limit, 128 stores) and refuses larger or variable sizes ("A call to built-in function
//! 'memcpy' is not supported"); they stay calls of the undefined symbol only when the program
//! calls them as ordinary functions (`-fno-builtin`, `-ffreestanding`). `memcmp` is expanded
//! up to the same limit and is otherwise always a call of the undefined `memcmp`, with no flag.
//! The loader rewrites such a call into a call of the builtin's id; the verifier checks it
//! against the prototype here; the host implements the id (on eBPF for Windows by the code of
//! helpers 22 to 25, which do the same with the sizes after each buffer).
//!
//! Why ids of their own rather than a rewrite into eBPF for Windows' helpers 22 to 25: those
//! take `(dst, dst_size, src, src_size)`, so a call of `memcpy(dst, src, n)` would need three
//! moves inserted before it, and the loader never inserts instructions (jump offsets would
//! have to move); Linux has no such helpers at all. The ids are the platform's, so a program may
//! also call them directly (`call 0x7f000000`): the verifier checks every call against the same
//! prototype, wherever it came from.

use crate::helper::{a, proto, HelperProto, RetKind};
use crate::ArgKind::{None as N, ReadMemOf, Scalar, SizeOrZero, WriteMemOf};

/// The helper ids reserved for builtins, on every platform: no helper of Linux (1 to 211) or
/// of eBPF for Windows (1 to 35, and the hooks' from 0x10000) is in this range.
pub const BUILTIN_IDS: core::ops::Range<u32> = 0x7f00_0000..0x7f00_0100;

/// Every program type may call a builtin.
const EVERY_TYPE: u32 = u32::MAX;

const fn builtin(
    index: u32,
    name: &'static str,
    args: [crate::ArgKind; 5],
    ret: RetKind,
) -> HelperProto {
    proto(BUILTIN_IDS.start + index, name, args, ret, EVERY_TYPE)
}

/// `void *memcpy(void *dst, const void *src, size_t n)`: reads `n` initialised bytes at `src`,
/// writes them at `dst`, returns `dst`. Overlapping buffers are undefined in C; the host
/// copies as `memmove` does, so overlap is harmless here (and the verifier does not look for it:
/// memory safety does not depend on it).
pub const MEMCPY: HelperProto = builtin(
    0,
    "memcpy",
    a(WriteMemOf(3), ReadMemOf(3), SizeOrZero, N, N),
    RetKind::FirstArg,
);

/// `void *memmove(void *dst, const void *src, size_t n)`: as [`MEMCPY`], overlap allowed.
pub const MEMMOVE: HelperProto = builtin(
    1,
    "memmove",
    a(WriteMemOf(3), ReadMemOf(3), SizeOrZero, N, N),
    RetKind::FirstArg,
);

/// `void *memset(void *dst, int c, size_t n)`: writes `n` bytes of `c` (its low byte, so a
/// number: a pointer's low byte would disclose address bits) at `dst`, returns `dst`.
pub const MEMSET: HelperProto = builtin(
    2,
    "memset",
    a(WriteMemOf(3), Scalar, SizeOrZero, N, N),
    RetKind::FirstArg,
);

/// `int memcmp(const void *a, const void *b, size_t n)`: compares `n` initialised bytes at
/// each, as unsigned bytes; returns -1, 0 or 1 (C allows any sign; eBPF for Windows' helper 23
/// returns these).
pub const MEMCMP: HelperProto = builtin(
    3,
    "memcmp",
    a(ReadMemOf(3), ReadMemOf(3), SizeOrZero, N, N),
    RetKind::Sign,
);
