//! References a program acquires from helpers and must release: ring buffer reservations
//! (`RegType::MapValue` with an `alloc` id) and sockets from lookups (`RegType::Sock`), both
//! tracked in [`State::allocs`] (a may-set: the references some path may still hold).
//!
//! Identity: a reference's id is that of the call node that acquired it, so one instruction
//! acquiring in a loop would give two live references the same id, and releasing one would
//! silently release both. The verifier refuses that instead: a call that acquires while the
//! reference its previous execution acquired may still be held is an error (release it
//! first). So every reference alive at once has its own id, and is released exactly once on
//! every path: releases need a reference still held, and make every pointer to it (or derived
//! from it) unusable; a path that ends, through `exit`, a failed legacy packet load or a tail
//! call, must hold none.
//!
//! Sockets are read through their UAPI structures (`bpf_sock`, `bpf_tcp_sock`: exact fields,
//! read only; see [`SockKind::layout`]); pointers derived from a socket (`sk_fullsock`,
//! `tcp_sock`, the `skc_to_*` casts) carry its reference id and become unusable with it.

use alloc::format;
use alloc::string::String;

use ebpf_isa::Reg;

use super::call::ARGS;
use super::mem::{term, Access};
use super::{Cx, LoadUse};
use crate::domain::{Interval, RegType};
use crate::error::{Region, VerifyErrorKind};
use crate::platform::{Field, HelperProto, SockKind};
use crate::state::State;

fn arg_error(cx: &mut Cx<'_, '_>, h: &HelperProto, i: usize, detail: String) {
    cx.fail(VerifyErrorKind::HelperArgument {
        helper: h.name,
        arg: i as u8 + 1,
        detail,
    });
}

/// What a reference id stands for, for messages.
pub(super) fn describe_ref(cx: &Cx<'_, '_>, id: u32) -> String {
    if id & RegType::SOCK_REF != 0 {
        format!(
            "the socket reference acquired by the helper call at pc {}",
            cx.pc_of_node((id & !RegType::SOCK_REF) - 1)
        )
    } else {
        format!(
            "the memory reserved by the helper call at pc {}",
            cx.pc_of_node(id - 1)
        )
    }
}

/// Refuses an acquisition of reference `id` while the one the same call acquired before may
/// still be held (see the module documentation).
pub(super) fn check_reacquire(cx: &mut Cx<'_, '_>, s: &State, id: u32) {
    if s.allocs.contains(&id) {
        let what = describe_ref(cx, id);
        cx.fail(VerifyErrorKind::ReferenceLeak {
            detail: format!(
                "{what} on an earlier iteration may still be held when pc {} acquires another: release it first (one instruction may hold one reference at a time)",
                cx.pc
            ),
        });
    }
}

/// A tail call does not come back when it succeeds: no reference may be held across it.
pub(super) fn check_tail_call(cx: &mut Cx<'_, '_>, s: &State, h: &HelperProto) {
    if h.name != "bpf_tail_call" {
        return;
    }
    if let Some(&id) = s.allocs.first() {
        let what = describe_ref(cx, id);
        cx.fail(VerifyErrorKind::ReferenceLeak {
            detail: format!(
                "{what} may still be held at the tail call: the called program never returns to release it"
            ),
        });
    }
}

/// The error for references still held where the program ends.
pub(super) fn check_exit(cx: &mut Cx<'_, '_>, s: &State) {
    if let Some(&id) = s.allocs.first() {
        let what = describe_ref(cx, id);
        let how = if id & RegType::SOCK_REF != 0 {
            "may still be held here: some path to this exit does not release it (bpf_sk_release)"
        } else {
            "may be neither submitted nor discarded on some path to this exit"
        };
        cx.fail(VerifyErrorKind::ReferenceLeak {
            detail: format!("{what} {how}"),
        });
    }
}

/// An [`ArgKind::CtxOrNull`](crate::platform::ArgKind::CtxOrNull) argument.
pub(super) fn ctx_or_null_arg(cx: &mut Cx<'_, '_>, s: &mut State, h: &HelperProto, i: usize) {
    let r = ARGS[i];
    if !cx.require_init(s, r) {
        return;
    }
    let (t, v) = (s.ty(r), s.interval(r).singleton());
    if !((t == RegType::Ctx || t == RegType::Num) && v == Some(0)) {
        arg_error(
            cx,
            h,
            i,
            format!(
                "must be the context pointer at offset 0 or null but is {t} ({})",
                s.interval(r)
            ),
        );
    }
}

/// A socket argument ([`ArgKind::Sock`], or [`ArgKind::SockRelease`] when `release`): its
/// kind and reference id when it is one.
///
/// [`ArgKind::Sock`]: crate::platform::ArgKind::Sock
/// [`ArgKind::SockRelease`]: crate::platform::ArgKind::SockRelease
pub(super) fn sock_arg(
    cx: &mut Cx<'_, '_>,
    s: &mut State,
    h: &HelperProto,
    i: usize,
    release: bool,
) -> Option<(SockKind, u32)> {
    let r = ARGS[i];
    if !cx.require_init(s, r) {
        return None;
    }
    match s.ty(r) {
        RegType::Sock { kind, ref_id } if s.interval(r).singleton() == Some(0) => {
            if release && ref_id & RegType::BORROWED != 0 {
                arg_error(
                    cx,
                    h,
                    i,
                    String::from(
                        "is a socket found from another one (bpf_get_listener_sock), which holds no reference of its own: release the socket it was found from",
                    ),
                );
                return None;
            }
            if release && (ref_id == 0 || !s.allocs.contains(&ref_id)) {
                arg_error(
                    cx,
                    h,
                    i,
                    String::from(
                        "must be a socket reference still held, but the socket was not acquired by a lookup or may be released already",
                    ),
                );
                return None;
            }
            Some((kind, ref_id))
        }
        RegType::SockOrNull { .. } => {
            arg_error(
                cx,
                h,
                i,
                String::from("may be null: compare the socket with 0 before passing it"),
            );
            None
        }
        t => {
            let need = if release {
                "a socket reference from a lookup (bpf_sk_lookup_tcp, bpf_sk_lookup_udp, bpf_skc_lookup_tcp), null-checked"
            } else {
                "a socket pointer, null-checked"
            };
            let hint = if t == RegType::Mixed {
                " (for example a socket released on some path)"
            } else {
                ""
            };
            arg_error(cx, h, i, format!("must be {need}, but is {t}{hint}"));
            None
        }
    }
}

/// Releases socket reference `ref_id`: every pointer to the socket, or derived from it,
/// becomes unusable.
pub(super) fn release(s: &mut State, ref_id: u32) {
    s.allocs.remove(&ref_id);
    s.retype_all(|t| match t {
        RegType::Sock { ref_id: r, .. } | RegType::SockOrNull { ref_id: r, .. }
            if r & !RegType::BORROWED == ref_id =>
        {
            Some(RegType::Released)
        }
        _ => None,
    });
}

/// `r0` after a helper returning a new socket reference of `kind`, or null.
pub(super) fn acquire_sock(cx: &mut Cx<'_, '_>, s: &mut State, kind: SockKind) {
    let id = cx.node + 1;
    let ref_id = id | RegType::SOCK_REF;
    check_reacquire(cx, s, ref_id);
    s.retype_all(|t| (t.null_id() == id).then(|| t.without_null_id()));
    s.allocs.insert(ref_id);
    s.set(
        Reg::R0,
        RegType::SockOrNull { kind, id, ref_id },
        Interval::constant(0),
    );
}

/// `r0` after a helper returning a pointer of `kind` to the socket argument `from`, or null.
pub(super) fn derive_sock(
    cx: &mut Cx<'_, '_>,
    s: &mut State,
    kind: SockKind,
    from: Option<(SockKind, u32)>,
) {
    let id = cx.node + 1;
    s.retype_all(|t| (t.null_id() == id).then(|| t.without_null_id()));
    match from {
        Some((_, ref_id)) => s.set(
            Reg::R0,
            RegType::SockOrNull { kind, id, ref_id },
            Interval::constant(0),
        ),
        None => s.set(Reg::R0, RegType::Mixed, Interval::TOP),
    }
}

/// `dst = *(u{n*8} *)(ctx + o)` overlapping the socket pointer field `f` (`__sk_buff.sk`,
/// `bpf_sock_ops.sk`): an exact 8-byte load gives a socket of the field's kind, or null,
/// holding no reference (it may not be released; pointers derived from it need no release
/// either); any other load would read part of a pointer.
pub(super) fn ctx_sock_load(
    cx: &mut Cx<'_, '_>,
    s: &mut State,
    dst: Reg,
    f: &Field,
    o: i64,
    n: i64,
    range: Interval,
) {
    match f.socket {
        Some(kind) if o == i64::from(f.offset) && n == i64::from(f.size) => {
            cx.note_load(LoadUse::Other("a socket pointer field of the context"));
            // A null id of its own, as a helper's result has (earlier copies keep what they
            // were found to be); reference id 0: none held.
            let id = cx.node + 1;
            s.retype_all(|t| (t.null_id() == id).then(|| t.without_null_id()));
            s.set(
                dst,
                RegType::SockOrNull {
                    kind,
                    id,
                    ref_id: 0,
                },
                Interval::constant(0),
            );
        }
        _ => {
            cx.fail(VerifyErrorKind::PointerLeak {
                detail: format!(
                    "a load of {n} bytes at context offset {o} reads part of the socket pointer `{}` (at {}, 8 bytes): only an 8-byte load of the whole field gives the socket",
                    f.name, f.offset
                ),
            });
            s.set(dst, RegType::Num, range);
        }
    }
}

/// A [`ArgKind::ConstStr`](crate::platform::ArgKind::ConstStr) argument: a constant offset
/// into a frozen read-only map value, with a NUL at or after it.
pub(super) fn const_str_arg(cx: &mut Cx<'_, '_>, s: &mut State, h: &HelperProto, i: usize) {
    let r = ARGS[i];
    if !cx.require_init(s, r) {
        return;
    }
    let t = s.ty(r);
    let RegType::MapValue { size, map, .. } = t else {
        return arg_error(
            cx,
            h,
            i,
            format!("must be a constant string in a read-only map (.rodata) but is {t}"),
        );
    };
    let Some(off) = s.interval(r).singleton() else {
        return arg_error(
            cx,
            h,
            i,
            format!(
                "a constant string needs a constant offset: {} in {}",
                term(r, 0),
                s.interval(r)
            ),
        );
    };
    let info = cx.env.maps.get(map as usize);
    let frozen = cx.env.frozen.iter().find(|f| f.map == map as usize);
    let (Some(info), Some(value)) = (info, frozen) else {
        return arg_error(
            cx,
            h,
            i,
            String::from(
                "must point into a frozen read-only map (.rodata) whose contents the verifier was given",
            ),
        );
    };
    if info.flags & crate::platform::BPF_F_RDONLY_PROG == 0 {
        return arg_error(
            cx,
            h,
            i,
            String::from("the map is not read-only for programs (BPF_F_RDONLY_PROG)"),
        );
    }
    let start = off;
    let nul = (0..i64::from(size))
        .skip_while(|&k| k < start)
        .any(|k| value.bytes.get(k as usize).copied().unwrap_or(0) == 0);
    if start < 0 || !nul {
        arg_error(
            cx,
            h,
            i,
            format!("no NUL-terminated string at offset {off} of the {size}-byte value"),
        );
    }
}

/// Checks an access of `size` bytes at `base + off` into a socket of `kind`.
pub(super) fn check_access(
    s: &State,
    base: Reg,
    off: i64,
    size: i64,
    write: bool,
    kind: SockKind,
) -> Result<Access, VerifyErrorKind> {
    if write {
        return Err(VerifyErrorKind::ReadOnly {
            region: Region::Socket,
            detail: format!(
                "r{} points to a socket, which programs may only read",
                base.num()
            ),
        });
    }
    let Some(layout) = kind.layout() else {
        return Err(VerifyErrorKind::OutOfBounds {
            region: Region::Socket,
            condition: format!(
                "r{} is a BTF-typed socket (from a bpf_skc_to_* cast), which cannot be read: the verifier has no kernel BTF",
                base.num()
            ),
        });
    };
    let itv = s.interval(base).plus(Interval::constant(off));
    let Some(o) = itv.singleton() else {
        return Err(VerifyErrorKind::OutOfBounds {
            region: Region::Socket,
            condition: format!(
                "socket accesses need a constant offset: {} in {itv}",
                term(base, off)
            ),
        });
    };
    match u32::try_from(size).ok().and_then(|n| layout.load(o, n)) {
        Some(_) => Ok(Access::Sock),
        None => Err(VerifyErrorKind::OutOfBounds {
            region: Region::Socket,
            condition: format!(
                "a {size}-byte load at offset {o} is not a readable field of {} ({} bytes; loads are naturally aligned, inside one field, of the field's size or narrower where allowed)",
                layout.name, layout.size
            ),
        }),
    }
}

/// Refines a null check of `r`, a socket pointer that may be null: not null, it and its
/// copies are sockets; null, a lookup's reference was never taken.
pub(super) fn null_check(s: &mut State, r: Reg, is_null: bool) {
    let RegType::SockOrNull { kind, id, ref_id } = s.ty(r) else {
        return;
    };
    if s.interval(r).singleton() != Some(0) {
        return;
    }
    if is_null {
        // Copies hold the same null (their variable, the offset, is 0).
        if id != 0 {
            s.retype_all(|t| (t.null_id() == id).then_some(RegType::Num));
            if ref_id == id | RegType::SOCK_REF {
                s.allocs.remove(&ref_id);
            }
        }
        s.set(r, RegType::Num, Interval::constant(0));
        return;
    }
    s.regs[r.index()] = RegType::Sock { kind, ref_id };
    if id != 0 {
        s.retype_all(|t| match t {
            RegType::SockOrNull {
                kind,
                id: i,
                ref_id,
            } if i == id => Some(RegType::Sock { kind, ref_id }),
            _ => None,
        });
    }
}
