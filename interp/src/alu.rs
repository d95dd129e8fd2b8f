//! Arithmetic semantics of RFC 9669 that need more than one machine operation: division and
//! modulo (by zero, signed overflow), shifts (masked counts), sign extension and byte order.
//!
//! 32-bit functions take and return `u64`: they use the low 32 bits of their operands and
//! zero-extend the result, as every 32-bit ALU operation does.

use ebpf_isa::{ByteOrder, EndBits};

/// Unsigned 64-bit division; by zero gives 0.
#[inline(always)]
pub(crate) fn div64(a: u64, b: u64) -> u64 {
    a.checked_div(b).unwrap_or(0)
}

/// Unsigned 32-bit division; by zero gives 0.
#[inline(always)]
pub(crate) fn div32(a: u64, b: u64) -> u64 {
    u64::from((a as u32).checked_div(b as u32).unwrap_or(0))
}

/// Unsigned 64-bit modulo; by zero leaves `a`.
#[inline(always)]
pub(crate) fn mod64(a: u64, b: u64) -> u64 {
    a.checked_rem(b).unwrap_or(a)
}

/// Unsigned 32-bit modulo; by zero leaves `a`'s low 32 bits (zero-extended).
#[inline(always)]
pub(crate) fn mod32(a: u64, b: u64) -> u64 {
    u64::from((a as u32).checked_rem(b as u32).unwrap_or(a as u32))
}

/// Signed 64-bit division truncating toward zero; by zero gives 0, `MIN / -1` gives `MIN`.
#[inline(always)]
pub(crate) fn sdiv64(a: u64, b: u64) -> u64 {
    if b == 0 {
        0
    } else {
        (a as i64).wrapping_div(b as i64) as u64
    }
}

/// Signed 32-bit division; by zero gives 0, `MIN / -1` gives `MIN`.
#[inline(always)]
pub(crate) fn sdiv32(a: u64, b: u64) -> u64 {
    let (a, b) = (a as u32 as i32, b as u32 as i32);
    if b == 0 {
        0
    } else {
        u64::from(a.wrapping_div(b) as u32)
    }
}

/// Signed 64-bit modulo with the sign of the dividend; by zero leaves `a`, `MIN % -1` is 0.
#[inline(always)]
pub(crate) fn smod64(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        (a as i64).wrapping_rem(b as i64) as u64
    }
}

/// Signed 32-bit modulo; by zero leaves `a`'s low 32 bits, `MIN % -1` is 0.
#[inline(always)]
pub(crate) fn smod32(a: u64, b: u64) -> u64 {
    let (a, b) = (a as u32 as i32, b as u32 as i32);
    if b == 0 {
        u64::from(a as u32)
    } else {
        u64::from(a.wrapping_rem(b) as u32)
    }
}

/// `a << (b & 63)`.
#[inline(always)]
pub(crate) fn lsh64(a: u64, b: u64) -> u64 {
    a << (b & 63)
}

/// `a << (b & 31)` on 32 bits.
#[inline(always)]
pub(crate) fn lsh32(a: u64, b: u64) -> u64 {
    u64::from((a as u32) << (b & 31))
}

/// Logical `a >> (b & 63)`.
#[inline(always)]
pub(crate) fn rsh64(a: u64, b: u64) -> u64 {
    a >> (b & 63)
}

/// Logical `a >> (b & 31)` on 32 bits.
#[inline(always)]
pub(crate) fn rsh32(a: u64, b: u64) -> u64 {
    u64::from((a as u32) >> (b & 31))
}

/// Arithmetic `a >> (b & 63)`.
#[inline(always)]
pub(crate) fn arsh64(a: u64, b: u64) -> u64 {
    ((a as i64) >> (b & 63)) as u64
}

/// Arithmetic `a >> (b & 31)` on 32 bits, zero-extended.
#[inline(always)]
pub(crate) fn arsh32(a: u64, b: u64) -> u64 {
    u64::from(((a as u32 as i32) >> (b & 31)) as u32)
}

/// Sign-extends the low `bits` (8, 16 or 32) bits of `v` to 64 bits.
#[inline(always)]
pub(crate) fn sext(v: u64, bits: u32) -> u64 {
    match bits {
        8 => v as u8 as i8 as i64 as u64,
        16 => v as u16 as i16 as i64 as u64,
        _ => v as u32 as i32 as i64 as u64,
    }
}

/// Byte-order conversion of an `END` instruction: `Le` converts to little-endian (a truncation on
/// a little-endian host), `Be` to big-endian, `Swap` swaps unconditionally; all truncate to
/// `bits` first.
#[inline]
pub(crate) fn end(v: u64, order: ByteOrder, bits: EndBits) -> u64 {
    match (order, bits) {
        (ByteOrder::Le, EndBits::B16) => u64::from((v as u16).to_le()),
        (ByteOrder::Le, EndBits::B32) => u64::from((v as u32).to_le()),
        (ByteOrder::Le, EndBits::B64) => v.to_le(),
        (ByteOrder::Be, EndBits::B16) => u64::from((v as u16).to_be()),
        (ByteOrder::Be, EndBits::B32) => u64::from((v as u32).to_be()),
        (ByteOrder::Be, EndBits::B64) => v.to_be(),
        (ByteOrder::Swap, EndBits::B16) => u64::from((v as u16).swap_bytes()),
        (ByteOrder::Swap, EndBits::B32) => u64::from((v as u32).swap_bytes()),
        (ByteOrder::Swap, EndBits::B64) => v.swap_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN64: u64 = i64::MIN as u64;
    const MIN32: u64 = i32::MIN as u32 as u64;
    const NEG1: u64 = u64::MAX;

    #[test]
    fn division_by_zero_gives_zero() {
        assert_eq!(div64(7, 0), 0);
        assert_eq!(div32(7, 0), 0);
        assert_eq!(sdiv64(7, 0), 0);
        assert_eq!(sdiv32(NEG1, 0), 0);
        // 32-bit division uses only the low 32 bits of the divisor.
        assert_eq!(div32(7, 1 << 32), 0);
        assert_eq!(div32(0xffff_ffff_0000_0008, 0x1_0000_0002), 4);
    }

    #[test]
    fn modulo_by_zero_keeps_dst() {
        assert_eq!(mod64(0xdead_beef_0000_0007, 0), 0xdead_beef_0000_0007);
        assert_eq!(mod32(0xdead_beef_0000_0007, 0), 7);
        assert_eq!(smod64(NEG1, 0), NEG1);
        assert_eq!(smod32(NEG1, 0), 0xffff_ffff);
        assert_eq!(mod32(9, 1 << 32), 9, "divisor's low 32 bits are zero");
    }

    #[test]
    fn signed_overflow_does_not_trap() {
        assert_eq!(sdiv64(MIN64, NEG1), MIN64);
        assert_eq!(smod64(MIN64, NEG1), 0);
        assert_eq!(sdiv32(MIN32, NEG1), MIN32);
        assert_eq!(smod32(MIN32, NEG1), 0);
        assert_eq!(sdiv32(0xffff_ffff_8000_0000, 0xffff_ffff), MIN32);
    }

    #[test]
    fn signed_modulo_takes_the_sign_of_the_dividend() {
        assert_eq!(smod64(-7i64 as u64, 3), -1i64 as u64);
        assert_eq!(smod64(7, -3i64 as u64), 1);
        assert_eq!(smod32(-7i32 as u32 as u64, 3), u64::from(-1i32 as u32));
        assert_eq!(sdiv64(-7i64 as u64, 2), -3i64 as u64);
        assert_eq!(sdiv32(7, -2i32 as u32 as u64), u64::from(-3i32 as u32));
    }

    #[test]
    fn shift_counts_are_masked() {
        assert_eq!(lsh64(1, 65), 2);
        assert_eq!(lsh32(1, 33), 2);
        assert_eq!(lsh32(0x8000_0000, 1), 0, "32-bit shifts drop the carry");
        assert_eq!(rsh64(4, 66), 1);
        assert_eq!(rsh32(0xffff_ffff_0000_0004, 34), 1);
        assert_eq!(arsh64(MIN64, 127), NEG1);
        assert_eq!(arsh32(MIN32, 63), 0xffff_ffff);
        assert_eq!(arsh32(0x1_0000_0000, 0), 0, "high bits ignored");
    }

    #[test]
    fn sign_extension() {
        assert_eq!(sext(0x80, 8), 0xffff_ffff_ffff_ff80);
        assert_eq!(sext(0x17f, 8), 0x7f);
        assert_eq!(sext(0x8000, 16), 0xffff_ffff_ffff_8000);
        assert_eq!(sext(0x8000_0000, 32), 0xffff_ffff_8000_0000);
    }

    #[test]
    fn byte_order() {
        let v = 0x0102_0304_0506_0708u64;
        assert_eq!(end(v, ByteOrder::Swap, EndBits::B16), 0x0807);
        assert_eq!(end(v, ByteOrder::Swap, EndBits::B32), 0x0807_0605);
        assert_eq!(end(v, ByteOrder::Swap, EndBits::B64), 0x0807_0605_0403_0201);
        if cfg!(target_endian = "little") {
            assert_eq!(end(v, ByteOrder::Le, EndBits::B16), 0x0708);
            assert_eq!(end(v, ByteOrder::Le, EndBits::B32), 0x0506_0708);
            assert_eq!(end(v, ByteOrder::Le, EndBits::B64), v);
            assert_eq!(end(v, ByteOrder::Be, EndBits::B16), 0x0807);
            assert_eq!(end(v, ByteOrder::Be, EndBits::B32), 0x0807_0605);
            assert_eq!(end(v, ByteOrder::Be, EndBits::B64), 0x0807_0605_0403_0201);
        }
    }
}
