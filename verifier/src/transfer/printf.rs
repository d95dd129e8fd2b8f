//! The format strings of printing helpers: how many values a format reads, when the
//! verifier knows its bytes (constants the program stored on the stack, or a frozen
//! read-only map's value).

use super::call::ARGS;
use super::Env;
use crate::domain::{Cell, RegType, VarId};
use crate::platform::{HelperProto, BPF_F_RDONLY_PROG};
use crate::state::State;

/// How many values the format of a printing helper reads: its `%` conversions (`%%` prints a
/// `%`), when the format (the first memory argument, of the constant size that follows it) is
/// known: stack bytes the program stored as constants, or bytes of a frozen read-only map;
/// `None` otherwise. A stack byte known only to lie in a range (paths that stored different
/// text joined) is enough when the range holds neither `%` nor the terminating 0.
pub(super) fn conversions(env: &Env<'_>, s: &State, h: &HelperProto) -> Option<usize> {
    let at = h.args.iter().position(|a| a.is_sized_mem())?;
    let (fmt, size) = (ARGS[at], *ARGS.get(at + 1)?);
    if s.ty(size) != RegType::Num {
        return None;
    }
    let start = s.interval(fmt).singleton()?;
    let len = s.interval(size).singleton()?;
    if len <= 0 {
        // Refused by the size argument's check, which comes after.
        return None;
    }
    let end = start.checked_add(len)?;
    match s.ty(fmt) {
        RegType::Stack => {
            let (start, end) = (i32::try_from(start).ok()?, i32::try_from(end).ok()?);
            let cells = s.stack.overlapping(start, end);
            count_conversions((start..end).map(|b| stack_byte(s, &cells, b)))
        }
        RegType::MapValue { map, .. } => {
            let info = env.maps.get(map as usize)?;
            if info.flags & BPF_F_RDONLY_PROG == 0 {
                return None;
            }
            let value = env.frozen.iter().find(|f| f.map == map as usize)?;
            let (start, end) = (usize::try_from(start).ok()?, usize::try_from(end).ok()?);
            if end > info.value_size as usize {
                return None;
            }
            let byte = |b: usize| {
                let v = value.bytes.get(b).copied().unwrap_or(0);
                Some((v, v))
            };
            count_conversions((start..end).map(byte))
        }
        _ => None,
    }
}

/// The range of the stack byte at offset `b` from the `cells` that may hold it: known when a
/// number cell covers it and the cell's bytes above it are the same for every value.
fn stack_byte(s: &State, cells: &[(i32, Cell)], b: i32) -> Option<(u8, u8)> {
    let (o, c) = cells
        .iter()
        .find(|(o, c)| *o <= b && b < *o + i32::from(c.size))?;
    if c.ty != RegType::Num {
        return None;
    }
    let v = s.num.interval(VarId::stack(*o, c.size));
    let (lo, hi) = (i64::try_from(v.lo()).ok()?, i64::try_from(v.hi()).ok()?);
    if (lo < 0) != (hi < 0) {
        return None;
    }
    let (lo, hi) = (lo as u64, hi as u64);
    let k = (b - o) as u32;
    let above = 8 * (k + 1);
    if above < 64 && lo >> above != hi >> above {
        return None;
    }
    Some(((lo >> (8 * k)) as u8, (hi >> (8 * k)) as u8))
}

/// The `%` conversions of a format given by the ranges of its bytes, up to its first 0;
/// `None` when an unknown byte may be a `%` or the end.
fn count_conversions(bytes: impl Iterator<Item = Option<(u8, u8)>>) -> Option<usize> {
    let (mut count, mut percent) = (0, false);
    for b in bytes {
        let (lo, hi) = b?;
        let may = |c: u8| lo <= c && c <= hi;
        if (may(0) || may(b'%')) && lo != hi {
            return None;
        }
        match lo {
            0 => break,
            b'%' if !percent => percent = true,
            c if percent => {
                // `%%` is a literal percent sign; anything else starts a conversion.
                count += usize::from(c != b'%');
                percent = false;
            }
            _ => {}
        }
    }
    Some(count + usize::from(percent))
}
