//! Clocks, randomness, the CPU index, tail calls, and eBPF for Windows' memory and string
//! helpers.

use core::cmp::Ordering;

use ebpf_interp::HelperError;

use super::Call;
use crate::error::{errno, EbpfResult};
use crate::maps::Semantics;

/// Most tail calls in one invocation (`MAX_TAIL_CALL_CNT`, both platforms): 34 programs.
pub const MAX_TAIL_CALLS: u32 = 33;

fn neg(e: i32) -> u64 {
    (-i64::from(e)) as u64
}

fn neg_result(r: EbpfResult) -> u64 {
    (-i64::from(r.code())) as u64
}

/// `bpf_ktime_get_ns` (Linux 5): the monotonic clock.
pub(super) fn ktime_get_ns(c: &mut Call<'_, '_>, _: [u64; 5]) -> Result<u64, HelperError> {
    Ok(c.frame.shared.os.monotonic_ns())
}

/// `bpf_ktime_get_boot_ns` (Linux 125): the boot clock, including suspend.
pub(super) fn ktime_get_boot_ns(c: &mut Call<'_, '_>, _: [u64; 5]) -> Result<u64, HelperError> {
    Ok(c.frame.shared.os.boot_ns())
}

/// eBPF for Windows' `bpf_ktime_get_ns` (9): the monotonic clock in 100 ns steps.
pub(super) fn ktime_get_ns_100(c: &mut Call<'_, '_>, _: [u64; 5]) -> Result<u64, HelperError> {
    Ok(c.frame.shared.os.monotonic_ns() / 100 * 100)
}

/// eBPF for Windows' `bpf_ktime_get_boot_ns` (7): the boot clock in 100 ns steps.
pub(super) fn ktime_get_boot_ns_100(c: &mut Call<'_, '_>, _: [u64; 5]) -> Result<u64, HelperError> {
    Ok(c.frame.shared.os.boot_ns() / 100 * 100)
}

/// eBPF for Windows' `bpf_ktime_get_ms` (31): the monotonic clock in milliseconds.
pub(super) fn ktime_get_ms(c: &mut Call<'_, '_>, _: [u64; 5]) -> Result<u64, HelperError> {
    Ok(c.frame.shared.os.monotonic_ns() / 1_000_000)
}

/// eBPF for Windows' `bpf_ktime_get_boot_ms` (30): the boot clock in milliseconds.
pub(super) fn ktime_get_boot_ms(c: &mut Call<'_, '_>, _: [u64; 5]) -> Result<u64, HelperError> {
    Ok(c.frame.shared.os.boot_ns() / 1_000_000)
}

/// `bpf_get_prandom_u32`.
pub(super) fn get_prandom_u32(c: &mut Call<'_, '_>, _: [u64; 5]) -> Result<u64, HelperError> {
    Ok(u64::from(c.frame.shared.os.random_u32()))
}

/// `bpf_get_smp_processor_id`: the virtual CPU the invocation holds.
pub(super) fn get_smp_processor_id(c: &mut Call<'_, '_>, _: [u64; 5]) -> Result<u64, HelperError> {
    Ok(c.frame.guard.cpu().unwrap_or(0) as u64)
}

/// Linux `bpf_get_numa_node_id`: one node.
pub(super) fn get_numa_node_id(_: &mut Call<'_, '_>, _: [u64; 5]) -> Result<u64, HelperError> {
    Ok(0)
}

/// `bpf_tail_call(ctx, prog_array, index)`.
///
/// On success the host records the program to run next and the caller's run ends there (its
/// result is discarded): eBPF for Windows' helper returns 0 and the caller returns at once
/// (bpf2c returns when it sees 0, the JIT registers the helper as uBPF's unwind function);
/// Linux jumps. The host then runs the next program with the same context, so the last
/// program's result is the invocation's. When the call fails, the program goes on after it
/// with, in `r0`:
///
/// - Windows (5): `-EBPF_NO_MORE_TAIL_CALLS` (-27) once 33 tail calls were made,
///   `-EBPF_INVALID_ARGUMENT` (-6) for an index past the array or an empty slot;
/// - Linux (12): `-E2BIG` (33 tail calls made), `-EINVAL` (index past the array) or
///   `-ENOENT` (empty slot); Linux leaves `r0` as it was, a verified program cannot read it.
pub(super) fn tail_call(c: &mut Call<'_, '_>, a: [u64; 5]) -> Result<u64, HelperError> {
    let map = c.program_map(a[1])?;
    let index = a[2] as u32;
    let windows = c.semantics() == Semantics::Windows;
    if c.frame.tail_calls >= MAX_TAIL_CALLS {
        return Ok(if windows {
            neg_result(EbpfResult::NoMoreTailCalls)
        } else {
            neg(errno::E2BIG)
        });
    }
    if index >= map.map().def().max_entries {
        return Ok(if windows {
            neg_result(EbpfResult::InvalidArgument)
        } else {
            neg(errno::EINVAL)
        });
    }
    let Some(next) = map.program_at(index, c.frame.guard) else {
        return Ok(if windows {
            neg_result(EbpfResult::InvalidArgument)
        } else {
            neg(errno::ENOENT)
        });
    };
    c.frame.next = Some(next);
    c.frame.tail_calls += 1;
    Err(HelperError::stop(0))
}

/// Copies `len` bytes from `src` to `dst` in program memory (overlap allowed), through a
/// bounce buffer.
fn copy(c: &mut Call<'_, '_>, dst: u64, src: u64, len: usize) -> Result<(), HelperError> {
    let mut buf = [0u8; 256];
    let mut done = 0;
    // Copy backwards when the destination is above the source, so overlapping moves work.
    let backwards = dst > src && dst < src.wrapping_add(len as u64);
    while done < len {
        let n = (len - done).min(buf.len());
        let at = if backwards { len - done - n } else { done };
        buf[..n].copy_from_slice(c.mem.read(src.wrapping_add(at as u64), n)?);
        c.mem
            .write(dst.wrapping_add(at as u64), n)?
            .copy_from_slice(&buf[..n]);
        done += n;
    }
    Ok(())
}

/// eBPF for Windows' `bpf_memcpy_s` (22) and `bpf_memmove_s` (25): `(dst, dst_size, src,
/// src_size)` copies `src_size` bytes; `-EINVAL` when they do not fit.
pub(super) fn memcpy_s(c: &mut Call<'_, '_>, a: [u64; 5]) -> Result<u64, HelperError> {
    if a[3] > a[1] {
        return Ok(neg(errno::EINVAL));
    }
    copy(c, a[0], a[2], a[3] as usize)?;
    Ok(0)
}

/// eBPF for Windows' `bpf_memcmp_s` (23): -1, 0 or 1; with equal prefixes the shorter
/// buffer is the smaller.
pub(super) fn memcmp_s(c: &mut Call<'_, '_>, a: [u64; 5]) -> Result<u64, HelperError> {
    let x = c.mem.read(a[0], a[1] as usize)?;
    let y = c.mem.read(a[2], a[3] as usize)?;
    Ok(match x.cmp(y) {
        Ordering::Less => -1i64 as u64,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    })
}

/// eBPF for Windows' `bpf_memset` (24): `(dst, size, value)`; returns `dst`.
pub(super) fn memset(c: &mut Call<'_, '_>, a: [u64; 5]) -> Result<u64, HelperError> {
    c.mem.write(a[0], a[1] as usize)?.fill(a[2] as u8);
    Ok(a[0])
}

/// The length of the NUL-terminated string in `bytes` (all of it without a NUL).
fn strnlen(bytes: &[u8]) -> usize {
    bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len())
}

/// `ERANGE`: a string that does not fit its destination.
const ERANGE: i32 = 34;

/// eBPF for Windows' `bpf_strnlen_s` (29): `(str, size)`; `size` when there is no NUL.
pub(super) fn strnlen_s(c: &mut Call<'_, '_>, a: [u64; 5]) -> Result<u64, HelperError> {
    Ok(strnlen(c.mem.read(a[0], a[1] as usize)?) as u64)
}

/// eBPF for Windows' `bpf_strncpy_s` (27): `(dst, dst_size, src, src_size)` copies the string
/// in `src` (up to its NUL or `src_size` bytes) and a NUL; `-ERANGE` (and an empty `dst`) when
/// that does not fit, `-EINVAL` for an empty `dst`.
pub(super) fn strncpy_s(c: &mut Call<'_, '_>, a: [u64; 5]) -> Result<u64, HelperError> {
    let (dst_size, src_size) = (a[1] as usize, a[3] as usize);
    if dst_size == 0 {
        return Ok(neg(errno::EINVAL));
    }
    let n = strnlen(c.mem.read(a[2], src_size)?);
    if n >= dst_size {
        c.mem.write(a[0], 1)?[0] = 0;
        return Ok(neg(ERANGE));
    }
    copy(c, a[0], a[2], n)?;
    c.mem.write(a[0].wrapping_add(n as u64), 1)?[0] = 0;
    Ok(0)
}

/// eBPF for Windows' `bpf_strncat_s` (28): `(dst, dst_size, src, src_size)` appends the string
/// in `src` to the one in `dst`; `-ERANGE` (`dst` unchanged) when the result does not fit,
/// `-EINVAL` when `dst` holds no NUL.
pub(super) fn strncat_s(c: &mut Call<'_, '_>, a: [u64; 5]) -> Result<u64, HelperError> {
    let (dst_size, src_size) = (a[1] as usize, a[3] as usize);
    let start = strnlen(c.mem.read(a[0], dst_size)?);
    if start == dst_size {
        return Ok(neg(errno::EINVAL));
    }
    let n = strnlen(c.mem.read(a[2], src_size)?);
    if start.saturating_add(n) >= dst_size {
        return Ok(neg(ERANGE));
    }
    copy(c, a[0].wrapping_add(start as u64), a[2], n)?;
    c.mem.write(a[0].wrapping_add((start + n) as u64), 1)?[0] = 0;
    Ok(0)
}

/// eBPF for Windows' `bpf_get_current_pid_tgid` (19): the process id in the high 32 bits,
/// the thread id in the low 32 (0 outside any process).
pub(super) fn get_current_pid_tgid(c: &mut Call<'_, '_>, _: [u64; 5]) -> Result<u64, HelperError> {
    let t = c.frame.shared.os.current_task();
    Ok(u64::from(t.process_id) << 32 | u64::from(t.thread_id))
}

/// eBPF for Windows' `bpf_get_current_logon_id(ctx)` (20): the process's logon session, 0
/// when there is none or it cannot be read (as the core helper at `DISPATCH_LEVEL` or on
/// error).
pub(super) fn get_current_logon_id(c: &mut Call<'_, '_>, _: [u64; 5]) -> Result<u64, HelperError> {
    Ok(c.frame.shared.os.current_task().logon_id)
}

/// eBPF for Windows' `bpf_is_current_admin(ctx)` (21): the core helper answers -1 for every
/// caller (it is not implemented there, issue #1871; only the sock_addr hook's override
/// answers), and so does this host. The `int32_t` -1 is returned sign-extended, so both a
/// 32-bit and a 64-bit comparison with -1 hold in the program.
pub(super) fn is_current_admin(_: &mut Call<'_, '_>, _: [u64; 5]) -> Result<u64, HelperError> {
    Ok(-1i64 as u64)
}

/// eBPF for Windows' `bpf_get_current_process_start_key` (33): a value naming the current
/// process among all processes since boot (Windows' `PsGetProcessStartKey`).
pub(super) fn get_current_process_start_key(
    c: &mut Call<'_, '_>,
    _: [u64; 5],
) -> Result<u64, HelperError> {
    Ok(c.frame.shared.os.current_task().process_start_key)
}

/// eBPF for Windows' `bpf_get_current_thread_create_time` (34): when the current thread was
/// created, in 100 ns units since 1601 (a `FILETIME`).
pub(super) fn get_current_thread_create_time(
    c: &mut Call<'_, '_>,
    _: [u64; 5],
) -> Result<u64, HelperError> {
    Ok(c.frame.shared.os.current_task().thread_create_time as u64)
}
