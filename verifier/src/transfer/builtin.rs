//! Memory arguments that name their size argument ([`ArgKind::ReadMemOf`],
//! [`ArgKind::WriteMemOf`]), as the builtins take them in C order: `memcpy(dst, src, n)`,
//! `memmove(dst, src, n)`, `memset(dst, c, n)`, `memcmp(a, b, n)` (see the platform's
//! `builtin` module).
//!
//! The size is checked once, at the size argument: an initialised number in `[0, MAX_SIZE]`
//! (`[1, MAX_SIZE]` for [`ArgKind::Size`]). Each memory argument is then checked for its largest
//! size: readable, initialised and holding no spilled pointer (a copy or a comparison of a
//! pointer's bytes would disclose it) for the reads, writable for the writes. Every read is
//! checked before any write takes effect, so `memcpy(buf, buf, n)` of uninitialised bytes is
//! refused rather than seen as a read of what the write initialised. A write initialises the
//! destination's smallest size with unknown numbers (the rest of its range, when the size varies,
//! may hold them). Overlapping buffers are not looked for: the host copies as `memmove` does,
//! so overlap never breaks memory safety (C leaves `memcpy` of overlapping buffers undefined;
//! here it gives `memmove`'s result).

use alloc::format;

use super::call::{arg_error, memory_arg, Use, ARGS};
use super::Cx;
use crate::domain::RegType;
use crate::platform::{ArgKind, HelperProto, MAX_SIZE};
use crate::state::State;

/// Checks the range of size argument `i` when a memory argument names it (its being a number
/// is checked already): reported once here, whichever buffers share it.
pub(super) fn check_named_size(cx: &mut Cx<'_, '_>, s: &State, h: &HelperProto, i: usize) {
    let mut users = h
        .args
        .iter()
        .enumerate()
        .filter(|(_, a)| a.size_index() == Some(i))
        .map(|(k, _)| format!("r{}", k + 1));
    let Some(first) = users.next() else {
        return;
    };
    let regs = users.fold(first, |acc, r| format!("{acc} and {r}"));
    let sz = s.interval(ARGS[i]);
    let min = i128::from(h.args[i] != ArgKind::SizeOrZero);
    if sz.lo() < min || sz.hi() > i128::from(MAX_SIZE) {
        arg_error(
            cx,
            h,
            i,
            format!("size {sz} not proved within [{min}, {MAX_SIZE}] (for the memory in {regs})"),
        );
    }
}

/// The smallest and largest size of memory argument `kind`, `None` when there is nothing to
/// check: the size is not a number in range (reported at the size argument) or is 0.
fn sizes(s: &State, h: &HelperProto, kind: ArgKind) -> Option<(i64, i64)> {
    let n = kind.size_index()?;
    if s.ty(ARGS[n]) != RegType::Num {
        return None;
    }
    let sz = s.interval(ARGS[n]);
    let min = i128::from(h.args[n] != ArgKind::SizeOrZero);
    if sz.lo() < min || sz.hi() > i128::from(MAX_SIZE) || sz.hi() == 0 {
        return None;
    }
    Some((sz.lo() as i64, sz.hi() as i64))
}

/// Argument `i`, a [`ArgKind::ReadMemOf`]: memory the call reads.
pub(super) fn read(cx: &mut Cx<'_, '_>, s: &mut State, h: &HelperProto, i: usize) {
    if let Some((lo, hi)) = sizes(s, h, h.args[i]) {
        memory_arg(cx, s, h, i, lo, hi, Use::Read);
    }
}

/// Every [`ArgKind::WriteMemOf`] argument, once every argument the call reads is checked.
pub(super) fn writes(cx: &mut Cx<'_, '_>, s: &mut State, h: &HelperProto) {
    for i in 0..ARGS.len() {
        if !matches!(h.args[i], ArgKind::WriteMemOf(_)) {
            continue;
        }
        if let Some((lo, hi)) = sizes(s, h, h.args[i]) {
            memory_arg(cx, s, h, i, lo, hi, Use::Write);
        }
    }
}
