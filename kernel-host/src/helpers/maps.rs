//! Map helpers, for both platforms: element operations, queue and stack operations, ring
//! buffers and perf event output. Errors are returned to the program as the platform says
//! ([`MapError::helper_return`](crate::MapError::helper_return)): negated `ebpf_result_t` on
//! Windows, negated errno on Linux.

use ebpf_interp::HelperError;

use super::{Call, MapRef};
use crate::maps::MapType;
use crate::object::Object;

/// The key length of a map's helper calls (0 for queues, stacks and rings).
fn key_len(map: &MapRef<'_>) -> usize {
    map.map().def().key_size as usize
}

/// The value length a program sees (one CPU's slice for per-CPU maps).
fn value_len(map: &MapRef<'_>) -> usize {
    map.map().def().value_size as usize
}

/// `bpf_map_lookup_elem`: a pointer to the value (the current CPU's slice of a per-CPU map), a
/// handle to the inner map of a map of maps, or 0.
pub(super) fn lookup(c: &mut Call<'_, '_>, a: [u64; 5]) -> Result<u64, HelperError> {
    let map = c.map(a[0])?;
    let guard = c.frame.guard;
    let key = c.mem.read(a[1], key_len(&map))?;
    if map.map().map_type().is_map_of_maps() {
        let Some(id) = map.map().inner_map_id(guard, key).filter(|&id| id != 0) else {
            return Ok(0);
        };
        return match c.frame.shared.registry.get(id) {
            Some(Object::Map(inner)) => Ok(c.inner_handle(inner)),
            _ => Ok(0),
        };
    }
    if map.is_devmap() && devmap_slot(&map, key) == 0 {
        return Ok(0);
    }
    let Ok(ptr) = map.map().prog_lookup(guard, key) else {
        return Ok(0);
    };
    c.mem.expose(ptr, value_len(&map), true, "map value")
}

/// The interface index in a device map's slot `key` (0: empty).
pub(super) fn devmap_slot(map: &MapRef<'_>, key: &[u8]) -> u32 {
    let mut v = [0u8; 8];
    let n = value_len(map).clamp(4, 8);
    match map.map().lookup(key, &mut v[..n]) {
        Ok(()) => u32::from_ne_bytes([v[0], v[1], v[2], v[3]]),
        Err(_) => 0,
    }
}

/// `bpf_map_update_elem`.
pub(super) fn update(c: &mut Call<'_, '_>, a: [u64; 5]) -> Result<u64, HelperError> {
    let map = c.map(a[0])?;
    let guard = c.frame.guard;
    let key = c.mem.read(a[1], key_len(&map))?;
    let value = c.mem.read(a[2], value_len(&map))?;
    Ok(match map.map().prog_update(guard, key, value, a[3]) {
        Ok(()) => 0,
        Err(e) => c.map_error(&e),
    })
}

/// `bpf_map_delete_elem`.
pub(super) fn delete(c: &mut Call<'_, '_>, a: [u64; 5]) -> Result<u64, HelperError> {
    let map = c.map(a[0])?;
    let guard = c.frame.guard;
    let key = c.mem.read(a[1], key_len(&map))?;
    Ok(match map.map().prog_delete(guard, key) {
        Ok(()) => 0,
        Err(e) => c.map_error(&e),
    })
}

/// eBPF for Windows' `bpf_map_lookup_and_delete_elem` (4): unlinks the entry and returns its
/// value, still readable until the invocation ends; 0 when there is none.
pub(super) fn lookup_and_delete(c: &mut Call<'_, '_>, a: [u64; 5]) -> Result<u64, HelperError> {
    let map = c.map(a[0])?;
    let guard = c.frame.guard;
    let key = c.mem.read(a[1], key_len(&map))?;
    match map.map().prog_lookup_and_delete(guard, key) {
        Ok(ptr) => c.mem.expose(ptr, value_len(&map), true, "map value"),
        Err(_) => Ok(0),
    }
}

/// `bpf_map_push_elem`.
pub(super) fn push(c: &mut Call<'_, '_>, a: [u64; 5]) -> Result<u64, HelperError> {
    let map = c.map(a[0])?;
    let guard = c.frame.guard;
    let value = c.mem.read(a[1], value_len(&map))?;
    Ok(match map.map().prog_push(guard, value, a[2]) {
        Ok(()) => 0,
        Err(e) => c.map_error(&e),
    })
}

/// `bpf_map_pop_elem`, or `bpf_map_peek_elem` with `peek`. The value buffer is zeroed when
/// the call fails, so it is initialised after any call (the platform prototypes say so).
fn pop_or_peek(c: &mut Call<'_, '_>, a: [u64; 5], peek: bool) -> Result<u64, HelperError> {
    let map = c.map(a[0])?;
    let guard = c.frame.guard;
    let semantics = c.semantics();
    let out = c.mem.write(a[1], value_len(&map))?;
    let result = if peek {
        map.map().prog_peek(guard, out)
    } else {
        map.map().prog_pop(guard, out)
    };
    Ok(match result {
        Ok(()) => 0,
        Err(e) => {
            out.fill(0);
            e.helper_return(semantics) as u64
        }
    })
}

/// `bpf_map_pop_elem`.
pub(super) fn pop(c: &mut Call<'_, '_>, a: [u64; 5]) -> Result<u64, HelperError> {
    pop_or_peek(c, a, false)
}

/// `bpf_map_peek_elem`.
pub(super) fn peek(c: &mut Call<'_, '_>, a: [u64; 5]) -> Result<u64, HelperError> {
    pop_or_peek(c, a, true)
}

/// `bpf_ringbuf_output(map, data, size, flags)`.
pub(super) fn ringbuf_output(c: &mut Call<'_, '_>, a: [u64; 5]) -> Result<u64, HelperError> {
    let map = c.map(a[0])?;
    let guard = c.frame.guard;
    let len = usize::try_from(a[2]).unwrap_or(usize::MAX);
    let data = c.mem.read(a[1], len)?;
    Ok(match map.map().ringbuf_output(guard, data, a[3]) {
        Ok(()) => 0,
        Err(e) => c.map_error(&e),
    })
}

/// `bpf_ringbuf_reserve(map, size, flags)`: a record to fill, or 0.
pub(super) fn ringbuf_reserve(c: &mut Call<'_, '_>, a: [u64; 5]) -> Result<u64, HelperError> {
    let map = c.map(a[0])?;
    let guard = c.frame.guard;
    match map.map().ringbuf_reserve(guard, a[1], a[2]) {
        // A zero-size record still has its 8-byte slot: one byte keeps it addressable.
        Ok(ptr) => c
            .mem
            .expose(ptr, (a[1] as usize).max(1), true, "ring record"),
        Err(_) => Ok(0),
    }
}

/// Submits or discards the record at `a[0]`, in whichever of the program's rings holds it.
fn commit(c: &mut Call<'_, '_>, a: [u64; 5], discard: bool) -> Result<u64, HelperError> {
    let ptr = c.mem.host_ptr(a[0])?;
    let guard = c.frame.guard;
    for map in c.program.maps() {
        if map.map().map_type() == MapType::RingBuf
            && map.map().ringbuf_commit(guard, ptr, discard).is_ok()
        {
            return Ok(0);
        }
    }
    Err(HelperError::failed(
        0,
        "not a record reserved in this program's ring buffers",
    ))
}

/// `bpf_ringbuf_submit(data, flags)`.
pub(super) fn ringbuf_submit(c: &mut Call<'_, '_>, a: [u64; 5]) -> Result<u64, HelperError> {
    commit(c, a, false)
}

/// `bpf_ringbuf_discard(data, flags)`.
pub(super) fn ringbuf_discard(c: &mut Call<'_, '_>, a: [u64; 5]) -> Result<u64, HelperError> {
    commit(c, a, true)
}

/// `bpf_ringbuf_query(map, flags)`.
pub(super) fn ringbuf_query(c: &mut Call<'_, '_>, a: [u64; 5]) -> Result<u64, HelperError> {
    let map = c.map(a[0])?;
    Ok(map.map().as_ringbuf().map_or(0, |r| r.query(a[1])))
}

/// The flags bits of `bpf_perf_event_output` that ask for packet bytes to be appended
/// (`BPF_F_CTX_LEN_MASK`, eBPF for Windows' `EBPF_MAP_FLAG_CTX_LENGTH_MASK`).
const CTX_LEN_SHIFT: u32 = 32;
const CTX_LEN_MASK: u64 = 0xf_ffff << CTX_LEN_SHIFT;

/// `bpf_perf_event_output(ctx, map, flags, data, size)`: the data, followed by the first
/// `(flags >> 32) & 0xfffff` bytes of the packet, to the current CPU's ring.
pub(super) fn perf_event_output(c: &mut Call<'_, '_>, a: [u64; 5]) -> Result<u64, HelperError> {
    use crate::error::{errno, EbpfResult};
    use crate::maps::Semantics;
    let map = c.map(a[1])?;
    let guard = c.frame.guard;
    let flags = a[2];
    let index = flags as u32;
    let capture = ((flags & CTX_LEN_MASK) >> CTX_LEN_SHIFT) as usize;
    let semantics = c.semantics();
    let fail = |result: EbpfResult, linux: i32| -> u64 {
        match semantics {
            Semantics::Windows => (-i64::from(result.code())) as u64,
            Semantics::Linux => (-i64::from(linux)) as u64,
        }
    };
    if flags & !(CTX_LEN_MASK | 0xffff_ffff) != 0 {
        return Ok(fail(EbpfResult::InvalidArgument, errno::EINVAL));
    }
    let len = usize::try_from(a[4]).unwrap_or(usize::MAX);
    let packet = match (capture, c.frame.packet) {
        (0, _) => None,
        (_, None) => return Ok(fail(EbpfResult::OperationNotSupported, errno::EINVAL)),
        (n, Some(p)) if n > p.end - p.start => {
            return Ok(fail(EbpfResult::InvalidArgument, errno::EFAULT));
        }
        (n, Some(p)) => Some((p.base + p.start as u64, n)),
    };
    let data = c.mem.read(a[3], len)?;
    let captured = match packet {
        Some((addr, n)) => c.mem.read(addr, n)?,
        None => &[],
    };
    Ok(
        match map.map().perf_event_output(guard, index, &[data, captured]) {
            Ok(()) => 0,
            Err(e) => c.map_error(&e),
        },
    )
}
