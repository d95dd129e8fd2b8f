//! Proptest strategies shared by the domain and transfer unit tests and by
//! `tests/domains.rs` (which includes this file with `#[path]`): values biased to the edges
//! of the 8/16/32/64-bit ranges, and intervals with a member. Only `Interval` is needed from
//! the including module's parent.

use super::Interval;
use proptest::prelude::*;
use std::vec;

/// Values biased to the edges of the 8/16/32/64-bit ranges.
pub fn edgy() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => -4i64..=4,
        2 => prop::sample::select(vec![
            i64::MIN, i64::MIN + 1, i64::MAX, i64::MAX - 1,
            i32::MIN as i64, i32::MAX as i64, i32::MAX as i64 + 1, -(1 << 31) - 1,
            u32::MAX as i64, 1 << 32, (1 << 32) + 1,
            255, 256, -128, -129, 65535, 65536, -32768, 63, 64, 31, 32,
        ]),
        2 => any::<i64>(),
        2 => -100_000i64..100_000,
    ]
}

/// An interval and a value inside it.
pub fn interval_with_member() -> impl Strategy<Value = (Interval, i64)> {
    (edgy(), edgy(), any::<u64>()).prop_map(|(x, y, pick)| {
        let (lo, hi) = if x <= y { (x, y) } else { (y, x) };
        let width = (hi as i128 - lo as i128) as u128 + 1;
        let v = (lo as i128 + (pick as u128 % width) as i128) as i64;
        (Interval::new(lo.into(), hi.into()), v)
    })
}
