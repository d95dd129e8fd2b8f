//! Loads, stores and atomics: the region checks (context layout, live stack frames, packet
//! bounds through the zone relation to the packet size, map value size) and their effects on
//! registers and the stack domain.

use alloc::format;
use alloc::string::String;

use ebpf_isa::{AtomicOp, Reg, Size};

use super::{Cx, LoadUse};
use crate::domain::{Cell, Interval, RegType, VarId, FRAME_SIZE};
use crate::error::{Region, VerifyErrorKind};
use crate::lattice::Lattice;
use crate::platform::ContextLayout;
use crate::state::{var, State};

/// A checked access: where it goes.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Access {
    /// Context bytes at this offset.
    Ctx(i64),
    /// Stack bytes starting anywhere in `[lo, hi]` (offsets from the top of frame 0).
    Stack { lo: i64, hi: i64 },
    /// Packet bytes.
    Packet,
    /// Map value bytes.
    MapValue,
    /// A field of a socket structure.
    Sock,
}

/// Whether an access reads, writes, or both (an atomic, a helper that reads then overwrites).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dir {
    Read,
    Write,
    ReadWrite,
}

impl Dir {
    fn writes(self) -> bool {
        self != Dir::Read
    }

    fn reads(self) -> bool {
        self != Dir::Write
    }
}

/// The text `rB + off` for messages.
pub(crate) fn term(base: Reg, off: i64) -> String {
    match off {
        0 => format!("r{}", base.num()),
        o if o > 0 => format!("r{} + {o}", base.num()),
        o => format!("r{} - {}", base.num(), -o),
    }
}

/// Checks that `size` bytes at `base + off` are inside the region `base` points to (for
/// helper memory arguments `size` is the largest size), and that the region allows the
/// access. Pure: reports nothing, changes nothing.
pub(crate) fn check_region(
    cx: &Cx<'_, '_>,
    s: &State,
    base: Reg,
    off: i64,
    size: i64,
    dir: Dir,
) -> Result<Access, VerifyErrorKind> {
    let write = dir.writes();
    let t = s.ty(base);
    let itv = s.interval(base).plus(Interval::constant(off));
    let ctx = cx.env.context;
    match t {
        RegType::Uninit => Err(VerifyErrorKind::UninitialisedRegister { reg: base }),
        RegType::MapValueOrNull { .. }
        | RegType::MapPtrOrNull { .. }
        | RegType::SockOrNull { .. } => Err(VerifyErrorKind::PossiblyNull { reg: base }),
        RegType::Sock { kind, .. } => super::refs::check_access(s, base, off, size, write, kind),
        RegType::Num
        | RegType::Mixed
        | RegType::MapPtr { .. }
        | RegType::Func { .. }
        | RegType::Bottom
        | RegType::Released => Err(VerifyErrorKind::TypeMismatch {
            reg: base,
            expected: "a pointer to memory",
            found: t.describe(),
        }),
        RegType::Ctx => {
            let Some(o) = itv.singleton() else {
                return Err(VerifyErrorKind::OutOfBounds {
                    region: Region::Context,
                    condition: format!(
                        "context accesses need a constant offset: {} in {itv}",
                        term(base, off)
                    ),
                });
            };
            let (o, end) = (o, o + size);
            if write && ContextLayout::covers(ctx.writable, o, end) {
                return Ok(Access::Ctx(o));
            }
            if ContextLayout::covers(ctx.readable, o, end) {
                if write {
                    return Err(VerifyErrorKind::ReadOnly {
                        region: Region::Context,
                        detail: format!(
                            "bytes [{o}, {end}) of the {} context may not be written{}",
                            cx.env.prog.name,
                            attach_note(cx)
                        ),
                    });
                }
                return Ok(Access::Ctx(o));
            }
            Err(VerifyErrorKind::OutOfBounds {
                region: Region::Context,
                condition: format!(
                    "bytes [{o}, {end}) are not a {} field of the {} context ({} bytes){}",
                    if write { "writable" } else { "readable" },
                    cx.env.prog.name,
                    ctx.size,
                    attach_note(cx)
                ),
            })
        }
        RegType::Stack => {
            let bottom = i128::from(s.frame_top() - FRAME_SIZE);
            if itv.is_bottom() || itv.lo() < bottom || itv.hi() + i128::from(size) > 0 {
                let top = i128::from(s.frame_top());
                let rel = itv.minus(Interval::clamped(top, top));
                let at = match rel.singleton() {
                    Some(k) if k < 0 => format!("r10 - {}", -i128::from(k)),
                    Some(k) => format!("r10 + {k}"),
                    None => format!("r10 + {rel}"),
                };
                let upper = if top == 0 {
                    String::from("r10")
                } else {
                    format!("r10 + {}", -top)
                };
                let t = term(base, off);
                let place = if t == at { t } else { format!("{t} = {at}") };
                return Err(VerifyErrorKind::OutOfBounds {
                    region: Region::Stack,
                    condition: format!(
                        "{size} bytes at {place} not within the live frames [r10 - {FRAME_SIZE}, {upper})"
                    ),
                });
            }
            // A frame's stack pointers reach only its 512 bytes: the bytes above its `r10` are
            // the caller's frame, which the interpreter (and Linux) keep apart; only pointers
            // the caller passed may reach them. The model is one flat area, so an access from a
            // base that may be at or below a callee's top to bytes above it is refused.
            let base_lo = s.interval(base).lo();
            let end = itv.hi() + i128::from(size);
            if let Some(b) = crosses_frame_top(s, base_lo, end) {
                return Err(VerifyErrorKind::OutOfBounds {
                    region: Region::Stack,
                    condition: format!(
                        "{size} bytes at {} reach above the r10 of frame {} from a pointer that may be that frame's: a frame's pointers reach only the {FRAME_SIZE} bytes below its r10",
                        term(base, off),
                        -b / FRAME_SIZE
                    ),
                });
            }
            Ok(Access::Stack {
                lo: itv.lo() as i64,
                hi: itv.hi() as i64,
            })
        }
        RegType::Packet | RegType::PacketEnd => {
            if write && !cx.env.prog.packet_writable {
                return Err(VerifyErrorKind::ReadOnly {
                    region: Region::Packet,
                    detail: format!("{} programs may not write the packet", cx.env.prog.name),
                });
            }
            let x = var(base);
            let ps = s.num.interval(VarId::PACKET_SIZE);
            if itv.is_bottom() || !s.num.entails_le(VarId::PACKET_META, x, off.into()) {
                return Err(VerifyErrorKind::OutOfBounds {
                    region: Region::Packet,
                    condition: format!(
                        "{} >= packet start (packet_meta) not proved: r{}.offset in {}, packet_meta in {}",
                        term(base, off),
                        base.num(),
                        s.interval(base),
                        s.num.interval(VarId::PACKET_META)
                    ),
                });
            }
            let need = i128::from(off) + i128::from(size);
            if !s.num.entails_le(x, VarId::PACKET_SIZE, -need) {
                return Err(VerifyErrorKind::OutOfBounds {
                    region: Region::Packet,
                    condition: format!(
                        "{} <= packet_size not proved: r{}.offset in {}, packet_size in {ps}, r{}.offset - packet_size in {}",
                        term(base, off + size),
                        base.num(),
                        s.interval(base),
                        base.num(),
                        s.num.diff_interval(x, VarId::PACKET_SIZE)
                    ),
                });
            }
            Ok(Access::Packet)
        }
        RegType::MapValue { size: vs, deny, .. } => {
            if write && deny & RegType::DENY_WRITE != 0 {
                return Err(VerifyErrorKind::ReadOnly {
                    region: Region::MapValue,
                    detail: format!(
                        "r{} points into a value programs may only read (a map with BPF_F_RDONLY_PROG, such as .rodata, or a devmap's value)",
                        base.num()
                    ),
                });
            }
            if dir.reads() && deny & RegType::DENY_READ != 0 {
                return Err(VerifyErrorKind::WriteOnly {
                    region: Region::MapValue,
                    detail: format!(
                        "r{} points into a value of a map programs may only write (BPF_F_WRONLY_PROG)",
                        base.num()
                    ),
                });
            }
            if itv.is_bottom() || itv.lo() < 0 || itv.hi() + i128::from(size) > i128::from(vs) {
                return Err(VerifyErrorKind::OutOfBounds {
                    region: Region::MapValue,
                    condition: format!(
                        "{} + {size} <= {vs} (the value size) and >= 0 not proved: r{}.offset in {}",
                        term(base, off),
                        base.num(),
                        s.interval(base)
                    ),
                });
            }
            Ok(Access::MapValue)
        }
    }
}

/// The top of a callee's frame (its `r10`, from the top of frame 0) that stack bytes up to
/// `end` (exclusive) reached from a pointer whose offset may be as low as `base_lo` would cross
/// upward, if any: such a pointer may be the callee's own, which must stay below its top.
pub(crate) fn crosses_frame_top(s: &State, base_lo: i128, end: i128) -> Option<i32> {
    (1..=s.depth() as i32)
        .map(|j| -FRAME_SIZE * j)
        .find(|&b| base_lo <= i128::from(b) && end > i128::from(b))
}

/// Where the context's fields depend on the attach type: at which one the program is verified.
fn attach_note(cx: &Cx<'_, '_>) -> String {
    if !cx.env.platform.has_attach_contexts(cx.env.prog.name) {
        return String::new();
    }
    match cx.env.attach {
        Some(a) => format!(" at attach type {a}"),
        None => String::from(" without an attach type (only what every attach type offers)"),
    }
}

/// Checks an access and reports a failure; on failure the access is assumed to stay in
/// bounds where that can be expressed (packet), so later errors are not consequences.
fn access(
    cx: &mut Cx<'_, '_>,
    s: &mut State,
    base: Reg,
    off: i64,
    size: i64,
    dir: Dir,
) -> Option<Access> {
    match check_region(cx, s, base, off, size, dir) {
        Ok(a) => {
            if let Access::Ctx(o) = a {
                cx.note_ctx_end(o + size);
            }
            if let Access::MapValue = a {
                super::lock::note_access(cx, s, base, off, size);
            }
            Some(a)
        }
        Err(e) => {
            cx.fail(e);
            if matches!(s.ty(base), RegType::Packet | RegType::PacketEnd) {
                s.num.assume_le(
                    var(base),
                    VarId::PACKET_SIZE,
                    -(i128::from(off) + i128::from(size)),
                );
                s.check_bottom();
            }
            None
        }
    }
}

/// Values a load of `size` bytes may produce.
fn loaded(size: Size, signed: bool) -> Interval {
    let bits = size.bytes() as u32 * 8;
    if signed {
        Interval::unsigned_bits(bits).sext(bits)
    } else {
        Interval::unsigned_bits(bits)
    }
}

/// `dst = *(size *)(base + off)`.
pub(super) fn load(
    cx: &mut Cx<'_, '_>,
    s: &mut State,
    size: Size,
    dst: Reg,
    base: Reg,
    off: i16,
    signed: bool,
) {
    let n = size.bytes() as i64;
    let off = i64::from(off);
    let range = loaded(size, signed);
    let Some(acc) = access(cx, s, base, off, n, Dir::Read) else {
        return s.set(dst, RegType::Num, range);
    };
    match acc {
        Access::Ctx(o) => {
            let ctx = cx.env.context;
            if let Some(f) = ctx.socket_field_in(o, o + n) {
                return super::refs::ctx_sock_load(cx, s, dst, f, o, n, range);
            }
            let psize = i64::from(ctx.pointer_size);
            let fields = [
                (ctx.data, RegType::Packet, None),
                (ctx.data_end, RegType::PacketEnd, Some(VarId::PACKET_SIZE)),
                (ctx.data_meta, RegType::Packet, Some(VarId::PACKET_META)),
            ];
            for (field, ty, base_var) in fields {
                let Some(f) = field else {
                    continue;
                };
                let f = i64::from(f);
                if o == f && n == psize && !signed {
                    note_pointer_load(cx, f as u32, off);
                    match base_var {
                        None => s.set(dst, ty, Interval::constant(0)),
                        Some(v) => {
                            s.regs[dst.index()] = ty;
                            s.num.assign_var(var(dst), v, 0);
                        }
                    }
                    return;
                }
                if o < f + psize && f < o + n {
                    cx.fail(VerifyErrorKind::PointerLeak {
                        detail: format!(
                            "a load of {n} bytes at context offset {o} reads part of a pointer field"
                        ),
                    });
                }
            }
            cx.note_load(LoadUse::Other("a number field of the context"));
            s.set(dst, RegType::Num, range);
        }
        Access::Stack { lo, hi } => {
            cx.note_load(LoadUse::Other("stack bytes"));
            load_stack(cx, s, dst, lo, hi, n, signed, range)
        }
        Access::Packet => {
            cx.note_load(LoadUse::Other("packet bytes"));
            s.set(dst, RegType::Num, range)
        }
        Access::Sock => {
            cx.note_load(LoadUse::Other("socket fields"));
            s.set(dst, RegType::Num, range)
        }
        Access::MapValue => {
            cx.note_load(LoadUse::Other("map value bytes"));
            let known = frozen_value(cx, s, base, off, n, signed);
            s.set(dst, RegType::Num, known.map_or(range, Interval::constant))
        }
    }
}

/// What a load of `n` bytes at `base + off` reads when `base` points at a known offset of a
/// frozen read-only map's value ([`FrozenValue`](crate::FrozenValue): `.rodata` that the host
/// froze and programs cannot write), as Linux's verifier reads frozen maps
/// (`bpf_map_direct_read`); little-endian, sign-extended for a signed load.
fn frozen_value(
    cx: &Cx<'_, '_>,
    s: &State,
    base: Reg,
    off: i64,
    n: i64,
    signed: bool,
) -> Option<i64> {
    let RegType::MapValue { map, .. } = s.ty(base) else {
        return None;
    };
    let info = cx.env.maps.get(map as usize)?;
    if info.flags & crate::platform::BPF_F_RDONLY_PROG == 0 {
        return None;
    }
    let value = cx.env.frozen.iter().find(|f| f.map == map as usize)?;
    let start = usize::try_from(s.interval(base).singleton()?.checked_add(off)?).ok()?;
    let mut bytes = [0u8; 8];
    for (i, b) in bytes.iter_mut().take(usize::try_from(n).ok()?).enumerate() {
        *b = value.bytes.get(start.checked_add(i)?).copied().unwrap_or(0);
    }
    let raw = u64::from_le_bytes(bytes);
    let shift = 64 - 8 * u32::try_from(n).ok()?.min(8);
    Some(if signed {
        ((raw << shift) as i64) >> shift
    } else {
        raw as i64
    })
}

/// Notes a load of the pointer field at context offset `field` by an instruction with offset
/// `off`: with a [`HostContext`](crate::platform::HostContext), it becomes an 8-byte load
/// of the field's host slot from the same base (the base is the context plus `field - off`,
/// so the new offset is `off` moved by the slot's distance from the field).
fn note_pointer_load(cx: &mut Cx<'_, '_>, field: u32, off: i64) {
    let ctx = cx.env.context;
    let Some(slot) = ctx.host_offset(field) else {
        return;
    };
    let name = ctx.field_at(field).map_or("packet", |f| f.name);
    match i16::try_from(off + i64::from(slot) - i64::from(field)) {
        Ok(off) => cx.note_load(LoadUse::CtxPointer { field: name, off }),
        Err(_) => cx.fail(VerifyErrorKind::Unsupported {
            what: "a context pointer-field load whose rewritten offset does not fit 16 bits",
        }),
    }
}

#[allow(clippy::too_many_arguments)]
fn load_stack(
    cx: &mut Cx<'_, '_>,
    s: &mut State,
    dst: Reg,
    lo: i64,
    hi: i64,
    n: i64,
    signed: bool,
    range: Interval,
) {
    let (lo32, end32) = (lo as i32, (hi + n) as i32);
    if let Some(b) = s.stack.first_uninit(lo32, end32) {
        cx.fail(VerifyErrorKind::UninitialisedStack {
            offset: i64::from(b - s.frame_top()),
            detail: format!("a load of {n} bytes"),
        });
        return s.set(dst, RegType::Num, range);
    }
    if lo == hi {
        if let Some(Cell { ty, .. }) = s.stack.cell(lo32, n as u8) {
            s.regs[dst.index()] = ty;
            if ty.has_var() {
                s.num.assign_var(var(dst), VarId::stack(lo32, n as u8), 0);
                if signed && ty == RegType::Num {
                    let v = s.interval(dst).sext(n as u32 * 8);
                    s.set(dst, RegType::Num, v);
                }
            } else {
                s.num.forget(var(dst));
            }
            return;
        }
    }
    if s.stack
        .overlapping(lo32, end32)
        .iter()
        .any(|(_, c)| c.ty.is_pointer())
    {
        cx.fail(VerifyErrorKind::PointerLeak {
            detail: format!("a load of {n} bytes reads part of a pointer spilled to the stack"),
        });
    }
    s.set(dst, RegType::Num, range);
}

/// The stored operand.
#[derive(Clone, Copy, Debug)]
pub(super) enum Value {
    Imm(i32),
    Reg(Reg),
}

/// `*(size *)(base + off) = value`.
pub(super) fn store(
    cx: &mut Cx<'_, '_>,
    s: &mut State,
    size: Size,
    base: Reg,
    off: i16,
    value: Value,
) {
    let n = size.bytes() as i64;
    let bits = n as u32 * 8;
    let off = i64::from(off);
    let vt = match value {
        Value::Imm(_) => RegType::Num,
        Value::Reg(r) => {
            cx.require_init(s, r);
            s.ty(r)
        }
    };
    if vt == RegType::Mixed {
        if let Value::Reg(r) = value {
            cx.fail(VerifyErrorKind::TypeMismatch {
                reg: r,
                expected: "a number or a pointer of one kind",
                found: vt.describe(),
            });
        }
    }
    let Some(acc) = access(cx, s, base, off, n, Dir::Write) else {
        return;
    };
    let leak = |cx: &mut Cx<'_, '_>, place: &str| {
        if vt.is_pointer() || vt == RegType::Mixed {
            cx.fail(VerifyErrorKind::PointerLeak {
                detail: format!("a pointer ({vt}) is stored {place}"),
            });
        }
    };
    match acc {
        Access::Ctx(_) => leak(cx, "to the context"),
        Access::Packet => leak(cx, "into the packet"),
        Access::MapValue => leak(cx, "into a map value"),
        // Sockets are read only: refused by `check_region`.
        Access::Sock => {}
        Access::Stack { lo, hi } if lo != hi => {
            leak(cx, "at a variable stack offset");
            let removed = s.stack.havoc(lo as i32, lo as i32, (hi + n) as i32);
            forget_cells(s, &removed);
        }
        Access::Stack { lo, .. } => {
            let at = lo as i32;
            if (vt.is_pointer() || vt == RegType::Mixed) && n != 8 {
                cx.fail(VerifyErrorKind::PointerLeak {
                    detail: format!("{n} bytes of a pointer ({vt}) are stored to the stack"),
                });
            }
            let ty = if vt == RegType::Mixed || vt.is_pointer() && n != 8 {
                RegType::Num
            } else {
                vt
            };
            let removed = s.stack.store(at, n as u8, ty);
            forget_cells(s, &removed);
            let cell = VarId::stack(at, n as u8);
            s.num.forget(cell);
            match value {
                Value::Imm(k) => s
                    .num
                    .assign_interval(cell, Interval::constant(k.into()).trunc(bits)),
                Value::Reg(r) if ty.has_var() => {
                    if n == 8 || s.interval(r).within(0, (1i128 << bits) - 1) {
                        s.num.assign_var(cell, var(r), 0);
                    } else {
                        s.num.assign_interval(cell, Interval::unsigned_bits(bits));
                    }
                }
                Value::Reg(_) => {}
            }
        }
    }
}

/// Forgets the variables of removed stack cells.
pub(crate) fn forget_cells(s: &mut State, removed: &[(i32, Cell)]) {
    for &(o, c) in removed {
        s.num.forget(VarId::stack(o, c.size));
    }
}

/// Atomic read-modify-write.
#[allow(clippy::too_many_arguments)]
pub(super) fn atomic(
    cx: &mut Cx<'_, '_>,
    s: &mut State,
    size: Size,
    op: AtomicOp,
    fetch: bool,
    base: Reg,
    src: Reg,
    off: i16,
) {
    let n = size.bytes() as i64;
    let off = i64::from(off);
    cx.require_num(s, src, "a number");
    if op == AtomicOp::CmpXchg {
        cx.require_num(s, Reg::R0, "a number");
    }
    let acc = access(cx, s, base, off, n, Dir::ReadWrite);
    if let Some(acc) = acc {
        aligned(cx, s, acc, base, off, n);
    }
    if let Some(Access::Stack { lo, hi }) = acc {
        {
            let (a, e) = (lo as i32, (hi + n) as i32);
            if let Some(b) = s.stack.first_uninit(a, e) {
                cx.fail(VerifyErrorKind::UninitialisedStack {
                    offset: i64::from(b - s.frame_top()),
                    detail: format!("an atomic operation on {n} bytes"),
                });
            } else if s
                .stack
                .overlapping(a, e)
                .iter()
                .any(|(_, c)| c.ty.is_pointer())
            {
                cx.fail(VerifyErrorKind::PointerLeak {
                    detail: String::from("an atomic operation on a pointer spilled to the stack"),
                });
            }
            let definite = if lo == hi { e } else { a };
            let removed = s.stack.havoc(a, definite, e);
            forget_cells(s, &removed);
        }
    }
    let range = loaded(size, false);
    if op == AtomicOp::CmpXchg {
        s.set(Reg::R0, RegType::Num, range);
    } else if fetch || op == AtomicOp::Xchg {
        s.set(src, RegType::Num, range);
    }
}

/// Checks that an atomic operation of `n` bytes at `base + off` (checked as `acc`) is naturally
/// aligned: its offset is a known multiple of `n` from the start of a region the host aligns
/// (a stack frame, a map value, helper memory, the context). Packet data has no known
/// alignment.
fn aligned(cx: &mut Cx<'_, '_>, s: &State, acc: Access, base: Reg, off: i64, n: i64) {
    let at = s.interval(base).plus(Interval::constant(off));
    // Frames and map values start at multiples of 8; a multiple of n from there is aligned.
    let multiple = u32::from(s.alignment(base)) >= n.trailing_zeros() && off % n == 0;
    let ok = match acc {
        Access::Packet => {
            return cx.fail(VerifyErrorKind::Misaligned {
                detail: format!(
                    "an atomic operation of {n} bytes on packet data at {}, whose alignment is unknown",
                    term(base, off)
                ),
            });
        }
        Access::Ctx(o) => o % n == 0,
        Access::Stack { .. } | Access::MapValue => multiple,
        // Sockets are read only: refused by `check_region`.
        Access::Sock => true,
    };
    if !ok {
        let t = term(base, off);
        let place = match acc {
            Access::Stack { .. } => {
                let top = i128::from(s.frame_top());
                let rel = at.minus(Interval::clamped(top, top));
                match rel.singleton() {
                    Some(k) if t == term(Reg::R10, k) => String::new(),
                    Some(k) => format!(" ({})", term(Reg::R10, k)),
                    None => format!(" (r10 + {rel})"),
                }
            }
            _ => format!(" (offset {at})"),
        };
        cx.fail(VerifyErrorKind::Misaligned {
            detail: format!(
                "an atomic operation of {n} bytes at {t}{place} is not proved to be at a multiple of {n}"
            ),
        });
    }
}

/// `ldabs`/`ldind`: the context must be in `r6`; the load itself cannot fault. Clobbers
/// `r1`-`r5`. Leaves in `s` the state after a load inside the packet and returns the state
/// after one outside it, which Linux rewrites into `r0 = 0; exit`: in the entry function the
/// program ends with 0 (checked as an exit; bottom is returned), in a local function the
/// caller goes on after the call with `r0 = 0`.
pub(super) fn legacy_load(
    cx: &mut Cx<'_, '_>,
    s: &mut State,
    size: Size,
    src: Option<Reg>,
) -> State {
    if s.ty(Reg::R6) != RegType::Ctx {
        cx.fail(VerifyErrorKind::TypeMismatch {
            reg: Reg::R6,
            expected: "the context pointer (legacy packet loads use r6)",
            found: s.ty(Reg::R6).describe(),
        });
    }
    if let Some(r) = src {
        cx.require_num(s, r, "a number");
    }
    for r in [Reg::R1, Reg::R2, Reg::R3, Reg::R4, Reg::R5] {
        s.clobber(r);
    }
    let mut failed = s.clone();
    failed.set(Reg::R0, RegType::Num, Interval::constant(0));
    let failed = super::call::exit(cx, failed);
    s.set(Reg::R0, RegType::Num, loaded(size, false));
    failed
}
