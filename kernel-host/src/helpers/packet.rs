//! Packet helpers: moving the XDP packet's head, tail and metadata (the host keeps
//! [`HEADROOM`](crate::context::HEADROOM) bytes before the packet and Linux's test-run room
//! after it), redirects (recorded for the caller, [`Redirect`]) and checksum differences.

use ebpf_interp::HelperError;

use super::Call;
use crate::context::{Redirect, XDP_FRAME_SIZE};
use crate::error::{errno, EbpfResult};
use crate::invoke::PacketFrame;

/// Ethernet header length: Linux keeps at least this much packet.
const ETH_HLEN: usize = 14;
/// Linux `XDP_ABORTED`.
const XDP_ABORTED: u64 = 0;
/// Linux `XDP_REDIRECT`.
const XDP_REDIRECT: u64 = 4;
/// Linux `TC_ACT_SHOT`.
const TC_ACT_SHOT: u64 = 2;
/// Linux `TC_ACT_REDIRECT`.
const TC_ACT_REDIRECT: u64 = 7;

fn neg(e: i32) -> u64 {
    (-i64::from(e)) as u64
}

/// Stores the new packet bounds in the frame and in the context's pointer fields.
fn set_packet(c: &mut Call<'_, '_>, p: PacketFrame) -> Result<(), HelperError> {
    let ctx = c.frame.ctx_addr;
    for (slot, offset) in [
        (Some(p.slots.data), p.start),
        (Some(p.slots.data_end), p.end),
        (p.slots.data_meta, p.meta),
    ] {
        if let Some(slot) = slot {
            let addr = p.base + offset as u64;
            c.mem
                .write(ctx + u64::from(slot), 8)?
                .copy_from_slice(&addr.to_le_bytes());
        }
    }
    c.frame.packet = Some(p);
    Ok(())
}

/// Moves the metadata bytes `[meta, start)` by `offset` (to make room for a new head).
fn move_meta(c: &mut Call<'_, '_>, p: &PacketFrame, offset: i64) -> Result<(), HelperError> {
    let len = p.start - p.meta;
    if len == 0 {
        return Ok(());
    }
    let mut buf = [0u8; 256];
    let from = p.base + p.meta as u64;
    buf[..len].copy_from_slice(c.mem.read(from, len)?);
    let to = (p.meta as i64 + offset) as u64 + p.base;
    c.mem.write(to, len)?.copy_from_slice(&buf[..len]);
    Ok(())
}

/// Linux `bpf_xdp_adjust_head(ctx, offset)`: the new start must leave room for the frame
/// header and the metadata before it, and 14 bytes of packet; the metadata moves along.
pub(super) fn xdp_adjust_head(c: &mut Call<'_, '_>, a: [u64; 5]) -> Result<u64, HelperError> {
    let Some(mut p) = c.frame.packet else {
        return Ok(neg(errno::EINVAL));
    };
    let offset = i64::from(a[1] as i32);
    let metalen = (p.start - p.meta) as i64;
    let new = p.start as i64 + offset;
    if new < (XDP_FRAME_SIZE as i64 + metalen) || new > p.end as i64 - ETH_HLEN as i64 {
        return Ok(neg(errno::EINVAL));
    }
    move_meta(c, &p, offset)?;
    p.meta = (p.meta as i64 + offset) as usize;
    p.start = new as usize;
    set_packet(c, p)?;
    Ok(0)
}

/// eBPF for Windows' `bpf_xdp_adjust_head(ctx, delta)` (65536): the new start may go down to
/// the start of the host's buffer and up to the packet's end; the metadata moves along;
/// `-EBPF_INVALID_ARGUMENT` otherwise.
pub(super) fn xdp_adjust_head_windows(
    c: &mut Call<'_, '_>,
    a: [u64; 5],
) -> Result<u64, HelperError> {
    let invalid = neg(EbpfResult::InvalidArgument.code() as i32);
    let Some(mut p) = c.frame.packet else {
        return Ok(invalid);
    };
    let offset = i64::from(a[1] as i32);
    let metalen = (p.start - p.meta) as i64;
    let new = p.start as i64 + offset;
    if new < metalen || new > p.end as i64 {
        return Ok(invalid);
    }
    move_meta(c, &p, offset)?;
    p.meta = (p.meta as i64 + offset) as usize;
    p.start = new as usize;
    set_packet(c, p)?;
    Ok(0)
}

/// Linux `bpf_xdp_adjust_tail(ctx, offset)`: the end may move up to the end of the frame
/// (grown bytes are zeroed) or down to 14 bytes after the start.
pub(super) fn xdp_adjust_tail(c: &mut Call<'_, '_>, a: [u64; 5]) -> Result<u64, HelperError> {
    let Some(mut p) = c.frame.packet else {
        return Ok(neg(errno::EINVAL));
    };
    let offset = i64::from(a[1] as i32);
    let new = p.end as i64 + offset;
    if new > p.buf_len as i64 || new < (p.start + ETH_HLEN) as i64 {
        return Ok(neg(errno::EINVAL));
    }
    if offset > 0 {
        c.mem.write(p.base + p.end as u64, offset as usize)?.fill(0);
    }
    p.end = new as usize;
    set_packet(c, p)?;
    Ok(0)
}

/// Linux `bpf_xdp_adjust_meta(ctx, offset)`: the metadata starts `offset` bytes later (before
/// the packet, after the frame header), at most 32 bytes and a multiple of 4 long.
pub(super) fn xdp_adjust_meta(c: &mut Call<'_, '_>, a: [u64; 5]) -> Result<u64, HelperError> {
    let Some(mut p) = c.frame.packet else {
        return Ok(neg(errno::EINVAL));
    };
    let meta = p.meta as i64 + i64::from(a[1] as i32);
    if meta < XDP_FRAME_SIZE as i64 || meta > p.start as i64 {
        return Ok(neg(errno::EINVAL));
    }
    let metalen = p.start as i64 - meta;
    if metalen % 4 != 0 || metalen > 32 {
        return Ok(neg(errno::EACCES));
    }
    p.meta = meta as usize;
    set_packet(c, p)?;
    Ok(0)
}

/// Linux `bpf_redirect(ifindex, flags)`, recording the interface: `XDP_REDIRECT` from XDP
/// (`XDP_ABORTED` for non-zero flags), `TC_ACT_REDIRECT` from tc (`TC_ACT_SHOT` for flags
/// other than `BPF_F_INGRESS`).
pub(super) fn redirect(c: &mut Call<'_, '_>, a: [u64; 5]) -> Result<u64, HelperError> {
    let xdp = c.program.program_type().name == "xdp";
    // XDP takes no flags; tc takes BPF_F_INGRESS (1) and answers TC_ACT_SHOT to others.
    let (allowed, failed, redirected) = if xdp {
        (0, XDP_ABORTED, XDP_REDIRECT)
    } else {
        (1, TC_ACT_SHOT, TC_ACT_REDIRECT)
    };
    if a[1] & !allowed != 0 {
        return Ok(failed);
    }
    c.frame.redirect = Some(Redirect::Interface {
        ifindex: a[0] as u32,
    });
    Ok(redirected)
}

/// `BPF_F_BROADCAST` and `BPF_F_EXCLUDE_INGRESS`.
const REDIRECT_MAP_FLAGS: u64 = 8 | 16;

/// Linux `bpf_redirect_map(map, key, flags)`: `XDP_REDIRECT` when the device map has an
/// interface at `key` (recorded for the caller), else the action in the low two bits of
/// `flags`; `XDP_ABORTED` for unknown flags.
pub(super) fn redirect_map(c: &mut Call<'_, '_>, a: [u64; 5]) -> Result<u64, HelperError> {
    let flags = a[2];
    if flags & !(3 | REDIRECT_MAP_FLAGS) != 0 {
        return Ok(XDP_ABORTED);
    }
    let map = c.map(a[0])?;
    let key = a[1] as u32;
    let ifindex = if map.is_devmap() {
        super::maps::devmap_slot(&map, &key.to_ne_bytes())
    } else {
        0
    };
    if ifindex == 0 && flags & 8 == 0 {
        return Ok(flags & 3);
    }
    c.frame.redirect = Some(Redirect::Map {
        map_id: map.id(),
        key,
        ifindex,
    });
    Ok(XDP_REDIRECT)
}

/// The bytes of `from` (complemented) and then `to`, as Linux's `bpf_csum_diff` lays them
/// out, at most 512.
fn diff_bytes<'b>(
    c: &Call<'_, '_>,
    a: [u64; 5],
    buf: &'b mut [u8; 512],
) -> Result<Option<&'b [u8]>, HelperError> {
    let (from_size, to_size) = (a[1] as usize, a[3] as usize);
    if (from_size | to_size) & 3 != 0 || from_size.saturating_add(to_size) > buf.len() {
        return Ok(None);
    }
    let from = c.mem.read(a[0], from_size)?;
    for (d, s) in buf.iter_mut().zip(from) {
        *d = !s;
    }
    let to = c.mem.read(a[2], to_size)?;
    buf[from_size..from_size + to_size].copy_from_slice(to);
    Ok(Some(&buf[..from_size + to_size]))
}

/// Ones'-complement sum of `bytes` (a multiple of 4 long) into `seed`, as x86-64 Linux's
/// `csum_partial` computes it: 64-bit words with end-around carry, folded to 32 bits.
fn csum_partial(bytes: &[u8], seed: u32) -> u32 {
    let add = |a: u64, b: u64| {
        let (s, carry) = a.overflowing_add(b);
        s + u64::from(carry)
    };
    let mut sum = u64::from(seed);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        sum = add(sum, u64::from_le_bytes(w));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        sum = add(sum, u64::from_le_bytes(w));
    }
    let fold = |x: u64| (x & 0xffff_ffff) + (x >> 32);
    fold(fold(sum)) as u32
}

/// Linux `bpf_csum_diff(from, from_size, to, to_size, seed)`: the 32-bit checksum of the
/// complemented `from` words and the `to` words, added to `seed`; `-EINVAL` for sizes that are
/// not multiples of 4 or exceed 512 bytes together.
pub(super) fn csum_diff(c: &mut Call<'_, '_>, a: [u64; 5]) -> Result<u64, HelperError> {
    let mut buf = [0u8; 512];
    Ok(match diff_bytes(c, a, &mut buf)? {
        Some(bytes) => u64::from(csum_partial(bytes, a[4] as u32)),
        None => neg(errno::EINVAL),
    })
}

/// eBPF for Windows' `bpf_csum_diff` (10): `seed` plus the 16-bit words of `to` plus the
/// complemented 16-bit words of `from`, not folded, as a 32-bit signed sum; `-EINVAL` for
/// sizes that are not multiples of 4 or a sum that overflows to a negative number.
pub(super) fn csum_diff_windows(c: &mut Call<'_, '_>, a: [u64; 5]) -> Result<u64, HelperError> {
    let (from_size, to_size) = (a[1] as usize, a[3] as usize);
    if from_size % 4 != 0 || to_size % 4 != 0 {
        return Ok(neg(errno::EINVAL));
    }
    let words = |b: &[u8]| -> i32 {
        b.chunks_exact(2).fold(0i32, |s, w| {
            s.wrapping_add(i32::from(u16::from_le_bytes([w[0], w[1]])))
        })
    };
    let to = words(c.mem.read(a[2], to_size)?);
    let from = c.mem.read(a[0], from_size)?;
    let from = from.chunks_exact(2).fold(0i32, |s, w| {
        s.wrapping_add(i32::from(!u16::from_le_bytes([w[0], w[1]])))
    });
    let sum = (a[4] as i32).wrapping_add(to).wrapping_add(from);
    Ok(if sum < 0 {
        neg(errno::EINVAL)
    } else {
        sum as u64
    })
}

#[cfg(test)]
mod tests {
    use super::csum_partial;

    #[test]
    fn csum_partial_folds_with_end_around_carry() {
        // An IPv4 header whose checksum is right sums to 0xffff once folded to 16 bits.
        let header = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8,
            0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
        ];
        let s = csum_partial(&header, 0);
        let s16 = (s & 0xffff) + (s >> 16);
        let s16 = (s16 & 0xffff) + (s16 >> 16);
        assert_eq!(s16, 0xffff);
        assert_eq!(csum_partial(&[0xff; 8], 1), 1);
        assert_eq!(csum_partial(&[], 7), 7);
    }
}
