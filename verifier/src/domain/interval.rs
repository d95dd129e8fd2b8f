//! [`Interval`]: a range of 64-bit values in their signed view, with bounds kept as `i128` so
//! that arithmetic never overflows while it is being checked.
//!
//! Every transfer function is sound for the two's-complement semantics of RFC 9669: when an
//! operation may wrap, or its unsigned meaning differs from the signed view of an operand that
//! may be negative, the result is the full range of the result width.

use core::fmt;

use crate::lattice::Lattice;

/// Smallest signed 64-bit value.
pub(crate) const I64_MIN: i128 = i64::MIN as i128;
/// Largest signed 64-bit value.
pub(crate) const I64_MAX: i128 = i64::MAX as i128;

/// A set `[lo, hi]` of signed 64-bit values (empty when `lo > hi`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Interval {
    lo: i128,
    hi: i128,
}

impl Interval {
    /// Every 64-bit value.
    pub const TOP: Interval = Interval {
        lo: I64_MIN,
        hi: I64_MAX,
    };
    /// No value.
    pub const BOTTOM: Interval = Interval { lo: 1, hi: 0 };

    /// `[lo, hi]`, or [`Interval::TOP`] when a bound leaves the 64-bit signed range, or
    /// [`Interval::BOTTOM`] when `lo > hi`.
    pub fn new(lo: i128, hi: i128) -> Interval {
        if lo > hi {
            Interval::BOTTOM
        } else if lo < I64_MIN || hi > I64_MAX {
            Interval::TOP
        } else {
            Interval { lo, hi }
        }
    }

    /// `[lo, hi]` clamped to the signed 64-bit range (for bounds read from relational
    /// domains, whose missing bounds stand for infinity).
    pub fn clamped(lo: i128, hi: i128) -> Interval {
        Interval::new(lo.max(I64_MIN), hi.min(I64_MAX))
    }

    /// The single value `v`.
    pub fn constant(v: i64) -> Interval {
        Interval {
            lo: v.into(),
            hi: v.into(),
        }
    }

    /// The values of an unsigned `bits`-wide field, `[0, 2^bits - 1]` (`bits` = 64: top).
    pub fn unsigned_bits(bits: u32) -> Interval {
        if bits >= 64 {
            Interval::TOP
        } else {
            Interval::new(0, (1i128 << bits) - 1)
        }
    }

    /// Lower bound (meaningless when bottom).
    pub fn lo(&self) -> i128 {
        self.lo
    }

    /// Upper bound (meaningless when bottom).
    pub fn hi(&self) -> i128 {
        self.hi
    }

    /// The value when the interval holds exactly one.
    pub fn singleton(&self) -> Option<i64> {
        (self.lo == self.hi).then_some(self.lo as i64)
    }

    /// Whether `v` is in the interval.
    pub fn contains(&self, v: i128) -> bool {
        self.lo <= v && v <= self.hi
    }

    /// Whether every value is `>= 0` (so the signed and unsigned views agree).
    pub fn is_nonneg(&self) -> bool {
        !self.is_bottom() && self.lo >= 0
    }

    /// Whether every value is in `[lo, hi]`.
    pub fn within(&self, lo: i128, hi: i128) -> bool {
        self.is_bottom() || (self.lo >= lo && self.hi <= hi)
    }

    /// Intersection.
    pub fn meet(&self, other: &Interval) -> Interval {
        Interval::new(self.lo.max(other.lo), self.hi.min(other.hi))
    }

    fn map2(self, other: Interval, f: impl Fn(Interval, Interval) -> Interval) -> Interval {
        if self.is_bottom() || other.is_bottom() {
            Interval::BOTTOM
        } else {
            f(self, other)
        }
    }

    /// `a + b` (top when it may wrap).
    pub fn plus(self, b: Interval) -> Interval {
        self.map2(b, |a, b| Interval::new(a.lo + b.lo, a.hi + b.hi))
    }

    /// `a - b` (top when it may wrap).
    pub fn minus(self, b: Interval) -> Interval {
        self.map2(b, |a, b| Interval::new(a.lo - b.hi, a.hi - b.lo))
    }

    /// `-a` (top when it may wrap).
    pub fn negate(self) -> Interval {
        if self.is_bottom() {
            return self;
        }
        Interval::new(-self.hi, -self.lo)
    }

    /// `a * b` (top when it may wrap).
    pub fn times(self, b: Interval) -> Interval {
        self.map2(b, |a, b| {
            // |bounds| < 2^63 each, so products fit in i128.
            let c = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi];
            Interval::new(*c.iter().min().unwrap(), *c.iter().max().unwrap())
        })
    }

    /// Unsigned `a / b` with `x / 0 = 0`.
    pub fn udiv(self, b: Interval) -> Interval {
        self.map2(b, |a, b| {
            if !a.is_nonneg() || !b.is_nonneg() {
                return Interval::TOP;
            }
            let mut lo = if b.hi == 0 { 0 } else { a.lo / b.hi };
            let hi = if b.lo == 0 {
                if b.hi == 0 {
                    0
                } else {
                    a.hi
                }
            } else {
                a.hi / b.lo
            };
            if b.lo == 0 {
                lo = 0;
            }
            Interval::new(lo, hi)
        })
    }

    /// Unsigned `a % b` with `x % 0 = x`.
    pub fn umod(self, b: Interval) -> Interval {
        self.map2(b, |a, b| {
            if !a.is_nonneg() || !b.is_nonneg() {
                return Interval::TOP;
            }
            if b.lo >= 1 {
                if a.hi < b.lo {
                    return a;
                }
                Interval::new(0, a.hi.min(b.hi - 1))
            } else {
                Interval::new(0, a.hi)
            }
        })
    }

    /// `a & b`.
    pub fn and(self, b: Interval) -> Interval {
        self.map2(b, |a, b| match (a.is_nonneg(), b.is_nonneg()) {
            (true, true) => Interval::new(0, a.hi.min(b.hi)),
            (true, false) => Interval::new(0, a.hi),
            (false, true) => Interval::new(0, b.hi),
            (false, false) => Interval::TOP,
        })
    }

    /// `a | b`.
    pub fn or(self, b: Interval) -> Interval {
        self.map2(b, |a, b| {
            if a.is_nonneg() && b.is_nonneg() {
                Interval::new(a.lo.max(b.lo), mask_above(a.hi.max(b.hi)))
            } else {
                Interval::TOP
            }
        })
    }

    /// `a ^ b`.
    pub fn xor(self, b: Interval) -> Interval {
        self.map2(b, |a, b| {
            if a.is_nonneg() && b.is_nonneg() {
                Interval::new(0, mask_above(a.hi.max(b.hi)))
            } else {
                Interval::TOP
            }
        })
    }

    /// The shift counts `b & (bits - 1)` as a range, when `b` is small enough to stay
    /// unmasked or is a single value.
    fn shift_counts(b: Interval, bits: u32) -> Option<(u32, u32)> {
        let m = i128::from(bits - 1);
        if let Some(k) = b.singleton() {
            let k = (k as u64 & (bits as u64 - 1)) as u32;
            return Some((k, k));
        }
        if b.lo >= 0 && b.hi <= m {
            return Some((b.lo as u32, b.hi as u32));
        }
        None
    }

    /// `a << (b & (bits-1))` evaluated on a value of `bits` (32 or 64) bits that is already
    /// zero-extended; the caller truncates 32-bit results.
    pub fn shl(self, b: Interval, bits: u32) -> Interval {
        self.map2(b, |a, b| {
            let Some((k0, k1)) = Interval::shift_counts(b, bits) else {
                return Interval::TOP;
            };
            if !a.is_nonneg() {
                return Interval::TOP;
            }
            Interval::new(a.lo << k0, a.hi << k1)
        })
    }

    /// Logical `a >> (b & (bits-1))` (`a` zero-extended from `bits` bits when 32).
    pub fn lshr(self, b: Interval, bits: u32) -> Interval {
        self.map2(b, |a, b| {
            let Some((k0, k1)) = Interval::shift_counts(b, bits) else {
                return if a.is_nonneg() {
                    Interval::new(0, a.hi)
                } else {
                    Interval::TOP
                };
            };
            if a.is_nonneg() {
                Interval::new(a.lo >> k1, a.hi >> k0)
            } else if k0 >= 1 {
                Interval::new(0, (u64::MAX >> k0) as i128)
            } else {
                Interval::TOP
            }
        })
    }

    /// Arithmetic `a >> (b & 63)` on the signed 64-bit view.
    pub fn ashr(self, b: Interval) -> Interval {
        self.map2(b, |a, b| {
            let Some((k0, k1)) = Interval::shift_counts(b, 64) else {
                return Interval::new(a.lo.min(0), a.hi.max(0));
            };
            // For a fixed value, >> k moves towards 0 or -1 monotonically in k.
            let c = [a.lo >> k0, a.lo >> k1, a.hi >> k0, a.hi >> k1];
            Interval::new(*c.iter().min().unwrap(), *c.iter().max().unwrap())
        })
    }

    /// The low `bits` bits, zero-extended (`bits` < 64).
    pub fn trunc(self, bits: u32) -> Interval {
        if self.is_bottom() || bits >= 64 {
            return self;
        }
        if self.within(0, (1i128 << bits) - 1) {
            self
        } else {
            Interval::unsigned_bits(bits)
        }
    }

    /// The low `bits` bits, sign-extended to 64 (`bits` < 64).
    pub fn sext(self, bits: u32) -> Interval {
        if self.is_bottom() || bits >= 64 {
            return self;
        }
        let half = 1i128 << (bits - 1);
        if self.within(-half, half - 1) {
            return self;
        }
        let t = self.trunc(bits);
        if t.hi < half {
            t
        } else if t.lo >= half {
            Interval::new(t.lo - 2 * half, t.hi - 2 * half)
        } else {
            Interval::new(-half, half - 1)
        }
    }
}

impl Interval {
    /// The non-relational transfer of `dst = dst op src` for numbers: `a` and `b` are the
    /// 64-bit values of `dst` and of the source (an immediate sign-extended); 32-bit
    /// operations truncate their operands and zero-extend their result, as RFC 9669 says.
    pub fn alu(op: ebpf_isa::AluOp, width: ebpf_isa::Width, a: Interval, b: Interval) -> Interval {
        use ebpf_isa::AluOp::*;
        if let (Some(x), Some(y)) = (a.singleton(), b.singleton()) {
            return Interval::constant(eval(op, width, x as u64, y as u64) as i64);
        }
        if width == ebpf_isa::Width::W32 {
            let (a, b) = (a.trunc(32), b.trunc(32));
            let small = |i: &Interval| i.within(0, i128::from(i32::MAX));
            let r = match op {
                Add => a.plus(b),
                Sub => a.minus(b),
                Mul => a.times(b),
                Div => a.udiv(b),
                Mod => a.umod(b),
                SDiv if small(&a) && small(&b) => a.udiv(b),
                SMod if small(&a) && small(&b) => a.umod(b),
                SDiv | SMod => Interval::TOP,
                Or => a.or(b),
                And => a.and(b),
                Xor => a.xor(b),
                Lsh => a.shl(b, 32),
                Rsh => a.lshr(b, 32),
                Arsh if small(&a) => a.lshr(b, 32),
                Arsh => Interval::TOP,
                Mov => b,
            };
            return r.trunc(32);
        }
        match op {
            Add => a.plus(b),
            Sub => a.minus(b),
            Mul => a.times(b),
            Div => a.udiv(b),
            Mod => a.umod(b),
            SDiv if a.is_nonneg() && b.is_nonneg() => a.udiv(b),
            SMod if a.is_nonneg() && b.is_nonneg() => a.umod(b),
            SDiv | SMod => Interval::TOP,
            Or => a.or(b),
            And => a.and(b),
            Xor => a.xor(b),
            Lsh => a.shl(b, 64),
            Rsh => a.lshr(b, 64),
            Arsh => a.ashr(b),
            Mov => b,
        }
    }
}

/// `a op b` on known values (RFC 9669), the 32-bit forms zero-extended.
fn eval(op: ebpf_isa::AluOp, width: ebpf_isa::Width, a: u64, b: u64) -> u64 {
    use ebpf_isa::AluOp::*;
    if width == ebpf_isa::Width::W32 {
        let (a, b) = (a as u32, b as u32);
        let r = match op {
            Add => a.wrapping_add(b),
            Sub => a.wrapping_sub(b),
            Mul => a.wrapping_mul(b),
            Div => a.checked_div(b).unwrap_or(0),
            Mod => a.checked_rem(b).unwrap_or(a),
            SDiv if b == 0 => 0,
            SDiv => (a as i32).wrapping_div(b as i32) as u32,
            SMod if b == 0 => a,
            SMod => (a as i32).wrapping_rem(b as i32) as u32,
            Or => a | b,
            And => a & b,
            Xor => a ^ b,
            Lsh => a << (b & 31),
            Rsh => a >> (b & 31),
            Arsh => ((a as i32) >> (b & 31)) as u32,
            Mov => b,
        };
        return u64::from(r);
    }
    match op {
        Add => a.wrapping_add(b),
        Sub => a.wrapping_sub(b),
        Mul => a.wrapping_mul(b),
        Div => a.checked_div(b).unwrap_or(0),
        Mod => a.checked_rem(b).unwrap_or(a),
        SDiv if b == 0 => 0,
        SDiv => (a as i64).wrapping_div(b as i64) as u64,
        SMod if b == 0 => a,
        SMod => (a as i64).wrapping_rem(b as i64) as u64,
        Or => a | b,
        And => a & b,
        Xor => a ^ b,
        Lsh => a << (b & 63),
        Rsh => a >> (b & 63),
        Arsh => ((a as i64) >> (b & 63)) as u64,
        Mov => b,
    }
}

/// The smallest `2^k - 1 >= v` (for `v >= 0`).
fn mask_above(v: i128) -> i128 {
    let mut m: i128 = 0;
    while m < v {
        m = (m << 1) | 1;
    }
    m
}

impl Lattice for Interval {
    fn bottom() -> Self {
        Interval::BOTTOM
    }

    fn top() -> Self {
        Interval::TOP
    }

    fn is_bottom(&self) -> bool {
        self.lo > self.hi
    }

    fn leq(&self, other: &Self) -> bool {
        self.is_bottom() || (!other.is_bottom() && other.lo <= self.lo && self.hi <= other.hi)
    }

    fn join(&mut self, other: &Self) -> bool {
        if other.is_bottom() {
            return false;
        }
        let new = if self.is_bottom() {
            *other
        } else {
            Interval::new(self.lo.min(other.lo), self.hi.max(other.hi))
        };
        let changed = new != *self;
        *self = new;
        changed
    }

    fn widen(&mut self, newer: &Self) -> bool {
        if self.is_bottom() {
            return self.join(newer);
        }
        if newer.is_bottom() {
            return false;
        }
        let lo = if newer.lo < self.lo { I64_MIN } else { self.lo };
        let hi = if newer.hi > self.hi { I64_MAX } else { self.hi };
        let new = Interval::new(lo, hi);
        let changed = new != *self;
        *self = new;
        changed
    }
}

impl fmt::Debug for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_bottom() {
            return f.write_str("bottom");
        }
        if let Some(v) = self.singleton() {
            return write!(f, "{v}");
        }
        let bound = |f: &mut fmt::Formatter<'_>, v: i128| {
            if v == I64_MIN {
                f.write_str("-inf")
            } else if v == I64_MAX {
                f.write_str("+inf")
            } else {
                write!(f, "{v}")
            }
        };
        f.write_str("[")?;
        bound(f, self.lo)?;
        f.write_str(", ")?;
        bound(f, self.hi)?;
        f.write_str("]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn arithmetic_that_may_wrap_is_top() {
        let big = Interval::constant(i64::MAX);
        assert_eq!(big.plus(Interval::constant(1)), Interval::TOP);
        assert_eq!(
            Interval::new(0, 10).plus(Interval::constant(5)),
            Interval::new(5, 15)
        );
        assert_eq!(Interval::constant(i64::MIN).negate(), Interval::TOP);
    }

    #[test]
    fn truncation_and_sign_extension() {
        assert_eq!(Interval::constant(-1).trunc(8), Interval::new(0, 255));
        assert_eq!(Interval::new(200, 255).sext(8), Interval::new(-56, -1));
        assert_eq!(Interval::new(0, 100).sext(8), Interval::new(0, 100));
        assert_eq!(Interval::new(100, 200).sext(8), Interval::new(-128, 127));
    }

    #[test]
    fn display_names_infinities() {
        assert_eq!(Interval::TOP.to_string(), "[-inf, +inf]");
        assert_eq!(Interval::new(0, 14).to_string(), "[0, 14]");
        assert_eq!(Interval::constant(3).to_string(), "3");
    }
}
