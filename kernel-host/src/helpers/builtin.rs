//! The builtins, `memcpy`, `memmove`, `memset` and `memcmp` with their C arguments (ids and
//! prototypes from `ebpf_platform::builtin`), on both platforms by the code of eBPF for
//! Windows' helpers 22 to 25 (`bpf_memcpy_s`, `bpf_memcmp_s`, `bpf_memset`,
//! `bpf_memmove_s`), called with the size after each buffer.
//!
//! The copies go through `misc`'s bounce buffer in the direction that keeps an overlapping
//! source intact, so `memcpy` of overlapping buffers gives `memmove`'s result.

use ebpf_interp::HelperError;
use ebpf_platform::builtin::{MEMCMP, MEMCPY, MEMMOVE, MEMSET};

use super::{entry, misc, Call, Entry};

/// The builtins' table entries, the same on every platform.
pub(super) const ENTRIES: [Entry; 4] = [
    entry(MEMCPY.id.0, memcpy),
    entry(MEMMOVE.id.0, memcpy),
    entry(MEMSET.id.0, memset),
    entry(MEMCMP.id.0, memcmp),
];

/// `memcpy(dst, src, n)` and `memmove(dst, src, n)`: `bpf_memcpy_s(dst, n, src, n)`, which
/// cannot fail with equal sizes; returns `dst`.
fn memcpy(c: &mut Call<'_, '_>, a: [u64; 5]) -> Result<u64, HelperError> {
    let n = a[2];
    misc::memcpy_s(c, [a[0], n, a[1], n, 0])?;
    Ok(a[0])
}

/// `memset(dst, c, n)`: `bpf_memset(dst, n, c)`, which returns `dst`.
fn memset(c: &mut Call<'_, '_>, a: [u64; 5]) -> Result<u64, HelperError> {
    misc::memset(c, [a[0], a[2], a[1], 0, 0])
}

/// `memcmp(a, b, n)`: `bpf_memcmp_s(a, n, b, n)`, -1, 0 or 1 by the first differing byte
/// (unsigned), as C's `memcmp` orders them.
fn memcmp(c: &mut Call<'_, '_>, a: [u64; 5]) -> Result<u64, HelperError> {
    misc::memcmp_s(c, [a[0], a[2], a[1], a[2], 0])
}
