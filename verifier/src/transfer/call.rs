//! Calls: helper arguments checked against the platform's prototype and the helper's effects;
//! local calls (entering a callee frame, returning to the caller) and program exit.

use alloc::format;
use alloc::string::String;

use ebpf_isa::Reg;

use super::deny_of;
use super::mem::{check_region, forget_cells, Access, Dir};
use super::{builtin, callback, lock, printf, refs, Cx};
use crate::domain::{Interval, RegType, VarId, FRAME_SIZE};
use crate::error::Region;
use crate::error::VerifyErrorKind;
use crate::lattice::Lattice;
use crate::platform::{
    ArgKind, HelperId, HelperProto, Lookup, MapInfo, MapKind, MapKinds, RetKind, MAX_SIZE,
};
use crate::state::{var, State};

pub(super) const ARGS: [Reg; 5] = [Reg::R1, Reg::R2, Reg::R3, Reg::R4, Reg::R5];

/// What the key and value arguments of a map helper need: the sizes of the possible maps;
/// and what a lookup returns: which map (or [`RegType::MANY_MAPS`]), their kinds and what
/// programs may not do with them.
#[derive(Clone, Copy)]
struct MapSizes {
    map: u32,
    key_max: u32,
    value_min: u32,
    value_max: u32,
    kinds: u32,
    deny: u8,
}

/// Map kinds of a kind set, for messages.
fn describe_kinds(bits: u32) -> String {
    format!("a map of kind {}", MapKinds(bits))
}

/// Why maps of `kinds` may not be what a map argument needs, for messages.
fn not_accepted_hint(kinds: u32) -> &'static str {
    let has = |k: MapKind| kinds & k.bit() != 0;
    if kinds & MapKind::OF_MAPS_BITS != 0 {
        "; a program may only look up in a map of maps"
    } else if has(MapKind::SockMap) || has(MapKind::SockHash) || has(MapKind::XskMap) {
        "; its entries are sockets, which a program reaches only through the socket helpers"
    } else if has(MapKind::Other(0)) {
        "; the verifier does not model this map type"
    } else {
        ""
    }
}

pub(super) fn arg_error(cx: &mut Cx<'_, '_>, h: &HelperProto, i: usize, detail: String) {
    cx.fail(VerifyErrorKind::HelperArgument {
        helper: h.name,
        arg: i as u8 + 1,
        detail,
    });
}

/// `call id`.
pub(super) fn helper(cx: &mut Cx<'_, '_>, s: &mut State, id: HelperId) {
    let env = cx.env;
    let Some(h) = env.platform.helper_for(id, env.prog) else {
        // Rejected by the structural checks.
        s.set_bottom();
        return;
    };
    lock::before_helper(cx, s, h);
    let mut lock_id: Option<i64> = None;
    let mut map: Option<MapSizes> = None;
    let mut alloc_size: i64 = 0;
    let mut released: Option<u32> = None;
    // The socket argument (kind and reference), and the socket reference released.
    let mut sock_in = None;
    let mut sock_released: Option<u32> = None;
    // Printed values the format reads (all when its bytes are unknown).
    let format = h
        .args
        .contains(&ArgKind::Printed)
        .then(|| printf::conversions(env, s, h));
    let mut printed = format.map_or(0, |f| f.unwrap_or(usize::MAX));
    for i in 0..5 {
        let r = ARGS[i];
        let kind = h.args[i];
        match kind {
            ArgKind::Printed => {
                if printed == 0 {
                    continue;
                }
                printed -= 1;
                if format == Some(None) && s.ty(r) == RegType::Uninit {
                    arg_error(
                        cx,
                        h,
                        i,
                        String::from(
                            "is uninitialised, and the helper may print it: the verifier knows the format only when it is stack bytes the program stored as constants, so every value must be an initialised number",
                        ),
                    );
                    s.set(r, RegType::Num, Interval::TOP);
                    continue;
                }
                number_arg(cx, s, h, i);
            }
            ArgKind::None | ArgKind::Size | ArgKind::SizeOrZero => {
                if matches!(kind, ArgKind::Size | ArgKind::SizeOrZero)
                    && (i == 0 || !h.args[i - 1].is_sized_mem())
                    && number_arg(cx, s, h, i)
                {
                    builtin::check_named_size(cx, s, h, i);
                }
            }
            ArgKind::Anything => {
                cx.require_init(s, r);
            }
            ArgKind::Callback => callback::check_arg(cx, s, h, r),
            ArgKind::SpinLock => lock_id = lock::arg(cx, s, h, r),
            ArgKind::Scalar => {
                if number_arg(cx, s, h, i) && i == 1 && h.ret == RetKind::AllocOrNull {
                    alloc_size = s.interval(r).lo().clamp(0, MAX_SIZE.into()) as i64;
                }
            }
            ArgKind::Ctx => {
                if !cx.require_init(s, r) {
                    continue;
                }
                if s.ty(r) != RegType::Ctx || s.interval(r).singleton() != Some(0) {
                    arg_error(
                        cx,
                        h,
                        i,
                        format!(
                            "must be the context pointer at offset 0 but is {} (offset {})",
                            s.ty(r),
                            s.interval(r)
                        ),
                    );
                }
            }
            ArgKind::Map(req) => {
                if !cx.require_init(s, r) {
                    continue;
                }
                match s.ty(r) {
                    RegType::MapPtr {
                        map: m,
                        key_max,
                        value_min,
                        value_max,
                        kinds,
                        deny,
                    } => {
                        if !req.accepts_all(kinds) {
                            arg_error(
                                cx,
                                h,
                                i,
                                format!(
                                    "{} is not accepted ({} needed){}",
                                    describe_kinds(kinds),
                                    req.kinds,
                                    not_accepted_hint(kinds),
                                ),
                            );
                        } else if req.changes && deny & RegType::DENY_WRITE != 0 {
                            cx.fail(VerifyErrorKind::ReadOnly {
                                region: Region::Map,
                                detail: format!(
                                    "{} changes the map in r{}, which programs may only read (BPF_F_RDONLY_PROG, .rodata)",
                                    h.name,
                                    i + 1
                                ),
                            });
                        } else if req.reads && deny & RegType::DENY_READ != 0 {
                            cx.fail(VerifyErrorKind::WriteOnly {
                                region: Region::Map,
                                detail: format!(
                                    "{} copies a value out of the map in r{}, which programs may only write (BPF_F_WRONLY_PROG)",
                                    h.name,
                                    i + 1
                                ),
                            });
                        }
                        map = Some(MapSizes {
                            map: m,
                            key_max,
                            value_min,
                            value_max,
                            kinds,
                            deny,
                        });
                    }
                    t => arg_error(cx, h, i, format!("must be a map but may be {t}")),
                }
            }
            ArgKind::MapKey
            | ArgKind::MapValue
            | ArgKind::MapValueOut
            | ArgKind::MapValueOutOnSuccess => {
                let Some(m) = map else {
                    // The map argument was reported already: sizes are unknown.
                    if !h.args[..i].iter().any(|a| matches!(a, ArgKind::Map(_))) {
                        arg_error(cx, h, i, String::from("no map argument precedes it"));
                    }
                    continue;
                };
                let n = i64::from(if kind == ArgKind::MapKey {
                    m.key_max
                } else {
                    m.value_max
                });
                let mode = match kind {
                    ArgKind::MapValueOut => Use::Write,
                    ArgKind::MapValueOutOnSuccess => Use::Clobber,
                    _ => Use::Read,
                };
                memory_arg(cx, s, h, i, n, n, mode);
            }
            ArgKind::ReadMem | ArgKind::WriteMem | ArgKind::UpdateMem | ArgKind::ClobberMem => {
                if i == 4 || !matches!(h.args[i + 1], ArgKind::Size | ArgKind::SizeOrZero) {
                    arg_error(
                        cx,
                        h,
                        i,
                        String::from(
                            "the prototype gives no size argument after this memory argument",
                        ),
                    );
                    continue;
                }
                let size_reg = ARGS[i + 1];
                let or_zero = h.args[i + 1] == ArgKind::SizeOrZero;
                if !number_arg(cx, s, h, i + 1) {
                    continue;
                }
                let sz = s.interval(size_reg);
                let min = i128::from(!or_zero);
                if sz.lo() < min || sz.hi() > i128::from(MAX_SIZE) {
                    arg_error(
                        cx,
                        h,
                        i + 1,
                        format!(
                            "size {sz} not proved within [{min}, {MAX_SIZE}] (for the memory in r{})",
                            i + 1
                        ),
                    );
                    continue;
                }
                if sz.hi() == 0 {
                    continue;
                }
                memory_arg(
                    cx,
                    s,
                    h,
                    i,
                    sz.lo() as i64,
                    sz.hi() as i64,
                    match kind {
                        ArgKind::WriteMem => Use::Write,
                        ArgKind::UpdateMem => Use::Update,
                        ArgKind::ClobberMem => Use::Clobber,
                        _ => Use::Read,
                    },
                );
            }
            ArgKind::ReadMemOf(_) => builtin::read(cx, s, h, i),
            // Checked once every argument the call reads is.
            ArgKind::WriteMemOf(_) => {}
            ArgKind::CtxOrNull => refs::ctx_or_null_arg(cx, s, h, i),
            ArgKind::Sock => sock_in = refs::sock_arg(cx, s, h, i, false),
            ArgKind::SockRelease => {
                sock_released = refs::sock_arg(cx, s, h, i, true).map(|(_, r)| r);
            }
            ArgKind::ReadFixed(n) => memory_arg(cx, s, h, i, n.into(), n.into(), Use::Read),
            ArgKind::WriteFixed(n) => memory_arg(cx, s, h, i, n.into(), n.into(), Use::Write),
            ArgKind::UpdateFixed(n) => memory_arg(cx, s, h, i, n.into(), n.into(), Use::Update),
            ArgKind::ConstStr => refs::const_str_arg(cx, s, h, i),
            ArgKind::AllocMem => {
                if !cx.require_init(s, r) {
                    continue;
                }
                match s.ty(r) {
                    RegType::MapValue { alloc, .. }
                        if alloc != 0 && s.interval(r).singleton() == Some(0) =>
                    {
                        released = Some(alloc);
                    }
                    t => arg_error(
                        cx,
                        h,
                        i,
                        format!(
                            "must be memory from a reserving helper, null-checked, at offset 0, but is {t} (offset {})",
                            s.interval(r)
                        ),
                    ),
                }
            }
        }
    }

    builtin::writes(cx, s, h);

    // Effects.
    refs::check_tail_call(cx, s, h);
    if let Some(r) = sock_released {
        refs::release(s, r);
    }
    if h.args.contains(&ArgKind::SpinLock) {
        lock::apply(cx, s, h, lock_id);
    }
    if let Some(a) = released {
        s.allocs.remove(&a);
        s.retype_all(|t| match t {
            RegType::MapValue { alloc, .. } | RegType::MapValueOrNull { alloc, .. }
                if alloc == a =>
            {
                Some(RegType::Released)
            }
            _ => None,
        });
    }
    if h.changes_packet {
        s.retype_all(|t| match t {
            RegType::Packet | RegType::PacketEnd => Some(RegType::Mixed),
            _ => None,
        });
        s.reset_packet_size(cx.env.prog.max_packet_size);
        s.reset_meta(cx.env.context.data_meta.is_some());
    }
    if h.ret == RetKind::FirstArg {
        s.copy(Reg::R0, Reg::R1);
    }
    for r in ARGS {
        s.clobber(r);
    }
    let id = cx.node + 1;
    match h.ret {
        RetKind::FirstArg => {}
        RetKind::Sign => s.set(Reg::R0, RegType::Num, Interval::new(-1, 1)),
        RetKind::Scalar => s.set(Reg::R0, RegType::Num, Interval::TOP),
        RetKind::U32 => s.set(Reg::R0, RegType::Num, Interval::unsigned_bits(32)),
        RetKind::Void => s.clobber(Reg::R0),
        RetKind::SockOrNull(kind) => refs::acquire_sock(cx, s, kind),
        RetKind::DerivedSockOrNull(kind) => refs::derive_sock(cx, s, kind, sock_in),
        RetKind::RelatedSockOrNull(kind) => {
            let borrowed = sock_in.map(|(k, r)| (k, r | RegType::BORROWED));
            refs::derive_sock(cx, s, kind, borrowed)
        }
        // Rejected by the structural checks.
        RetKind::NotModelled(_) => s.set_bottom(),
        RetKind::MapValueOrNull | RetKind::AllocOrNull => {
            // Values from an earlier execution of this call no longer share its id.
            s.retype_all(|t| (t.null_id() == id).then(|| t.without_null_id()));
            let of_maps = |m: &MapSizes| m.kinds & MapKind::OF_MAPS_BITS != 0;
            if let Some(m) = map.filter(|m| h.ret == RetKind::MapValueOrNull && of_maps(m)) {
                let ty = match inner_maps(cx.env.maps, m) {
                    Ok(inner) => RegType::MapPtrOrNull {
                        id,
                        key_max: inner.key_max,
                        value_min: inner.value_min,
                        value_max: inner.value_max,
                        kinds: inner.kinds,
                        deny: inner.deny,
                    },
                    Err(detail) => {
                        arg_error(cx, h, 0, detail);
                        RegType::Mixed
                    }
                };
                s.set(Reg::R0, ty, Interval::constant(0));
                return;
            }
            let (size, alloc, deny, which) = if h.ret == RetKind::AllocOrNull {
                refs::check_reacquire(cx, s, id);
                s.allocs.insert(id);
                (alloc_size as u32, id, 0, RegType::MANY_MAPS)
            } else {
                let read_only = MapKinds::by_lookup(Lookup::ReadOnlyValue).0;
                map.map_or((0, 0, 0, RegType::MANY_MAPS), |m| {
                    let forced = if m.kinds & read_only != 0 {
                        RegType::DENY_WRITE
                    } else {
                        0
                    };
                    (m.value_min, 0, m.deny | forced, m.map)
                })
            };
            s.set(
                Reg::R0,
                RegType::MapValueOrNull {
                    size,
                    id,
                    alloc,
                    deny,
                    map: which,
                },
                Interval::constant(0),
            );
        }
    }
}

/// What the inner maps of the maps of maps `m` may be (a lookup's result), or why it is not
/// known. Several possible maps of maps (after joins) are covered by every map of maps of
/// their kinds: a map pointer only ever comes from an `lddw` of one of `maps` (inner maps are
/// never maps of maps themselves).
fn inner_maps(maps: &[MapInfo], m: MapSizes) -> Result<MapSizes, String> {
    if m.kinds & !MapKind::OF_MAPS_BITS != 0 {
        return Err(format!(
            "may be {}: a map of maps or not, so whether the result is an inner map or a value is unknown",
            describe_kinds(m.kinds)
        ));
    }
    let outers: alloc::vec::Vec<&MapInfo> = if m.map == RegType::MANY_MAPS {
        maps.iter()
            .filter(|o| o.kind.is_map_of_maps() && o.kind.bit() & m.kinds != 0)
            .collect()
    } else {
        maps.get(m.map as usize).into_iter().collect()
    };
    let mut sum: Option<MapSizes> = None;
    for outer in outers {
        let Some(inner) = outer.inner else {
            return Err(format!(
                "the map of maps (fd {}) has no inner map template, so the inner map's kind and sizes are unknown",
                outer.fd
            ));
        };
        if inner.kind.is_map_of_maps() {
            return Err(format!(
                "the inner maps of the map of maps (fd {}) are maps of maps themselves, which are not supported",
                outer.fd
            ));
        }
        let one = MapSizes {
            map: RegType::MANY_MAPS,
            key_max: inner.key_size,
            value_min: inner.value_size,
            value_max: inner.value_size,
            kinds: inner.kind.bit(),
            deny: deny_of(inner.flags),
        };
        sum = Some(match sum {
            None => one,
            Some(a) => MapSizes {
                map: RegType::MANY_MAPS,
                key_max: a.key_max.max(one.key_max),
                value_min: a.value_min.min(one.value_min),
                value_max: a.value_max.max(one.value_max),
                kinds: a.kinds | one.kinds,
                deny: a.deny | one.deny,
            },
        });
    }
    sum.ok_or_else(|| String::from("no map of maps of its kind was given to the verifier"))
}

/// Checks a number argument; false (after reporting) when it is not one.
fn number_arg(cx: &mut Cx<'_, '_>, s: &mut State, h: &HelperProto, i: usize) -> bool {
    let r = ARGS[i];
    if !cx.require_init(s, r) {
        return false;
    }
    let t = s.ty(r);
    if t != RegType::Num {
        arg_error(cx, h, i, format!("must be a number but may be {t}"));
        return false;
    }
    true
}

/// How a helper uses a memory argument.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Use {
    Read,
    Write,
    Update,
    /// Any part written, or none.
    Clobber,
}

/// Checks a memory argument of `lo..=hi` bytes; a written stack range becomes initialised
/// with unknown numbers (a clobbered one holds unknown numbers where it was initialised).
#[allow(clippy::too_many_arguments)]
pub(super) fn memory_arg(
    cx: &mut Cx<'_, '_>,
    s: &mut State,
    h: &HelperProto,
    i: usize,
    lo: i64,
    hi: i64,
    mode: Use,
) {
    let dir = match mode {
        Use::Read => Dir::Read,
        Use::Write | Use::Clobber => Dir::Write,
        Use::Update => Dir::ReadWrite,
    };
    let r = ARGS[i];
    if !cx.require_init(s, r) {
        return;
    }
    if s.ty(r) == RegType::Ctx {
        arg_error(
            cx,
            h,
            i,
            String::from("must point to stack, packet or map value memory, not the context"),
        );
        return;
    }
    if let RegType::Sock { .. } | RegType::SockOrNull { .. } = s.ty(r) {
        arg_error(
            cx,
            h,
            i,
            String::from("must point to stack, packet or map value memory, not a socket"),
        );
        return;
    }
    let acc = match check_region(cx, s, r, 0, hi, dir) {
        Ok(a) => a,
        Err(VerifyErrorKind::OutOfBounds { region, condition }) => {
            arg_error(
                cx,
                h,
                i,
                format!("{hi} bytes of {region} memory: {condition}"),
            );
            return;
        }
        Err(e) => {
            cx.fail(e);
            return;
        }
    };
    if let Access::MapValue = acc {
        lock::note_access(cx, s, r, 0, hi);
    }
    let Access::Stack { lo: a, hi: b } = acc else {
        return;
    };
    let (a, end) = (a as i32, (b + hi) as i32);
    if matches!(mode, Use::Write | Use::Clobber) {
        // A clobber may write nothing: no byte becomes initialised, and a pointer cell it may
        // overwrite in part becomes unreadable.
        let definite = if mode == Use::Write && a as i64 == b {
            a + lo as i32
        } else {
            a
        };
        let removed = s.stack.havoc(a, definite, end);
        forget_cells(s, &removed);
        return;
    }
    if let Some(u) = s.stack.first_uninit(a, end) {
        cx.fail(VerifyErrorKind::UninitialisedStack {
            offset: i64::from(u - s.frame_top()),
            detail: format!("{} (argument r{}, {hi} bytes)", h.name, i + 1),
        });
        return;
    }
    if s.stack
        .overlapping(a, end)
        .iter()
        .any(|(_, c)| c.ty.is_pointer())
    {
        cx.fail(VerifyErrorKind::PointerLeak {
            detail: format!(
                "stack memory passed to {} (argument r{}) holds a spilled pointer",
                h.name,
                i + 1
            ),
        });
    }
    if mode == Use::Update {
        // Initialised before, overwritten with numbers: still initialised, values unknown.
        let removed = s.stack.havoc(a, end, end);
        forget_cells(s, &removed);
    }
}

/// `call` of a local function: the callee's frame starts; r6-r9 are saved for the return.
pub(super) fn enter(s: &mut State) {
    let d = s.depth() as u8;
    let mut saved = [RegType::Uninit; 4];
    for (i, slot) in saved.iter_mut().enumerate() {
        let r = Reg::new(6 + i as u8).expect("r6-r9");
        *slot = s.ty(r);
        let sv = VarId::saved(d, i as u8);
        if slot.has_var() {
            s.num.assign_var(sv, var(r), 0);
        } else {
            s.num.forget(sv);
        }
        s.clobber(r);
    }
    s.saved.push(saved);
    let top = s.frame_top();
    s.set(Reg::R10, RegType::Stack, Interval::constant(top.into()));
}

/// `exit`: the program's end (r0 must be a number) or a return to the caller.
pub(super) fn exit(cx: &mut Cx<'_, '_>, mut s: State) -> State {
    if s.depth() == 0 {
        refs::check_exit(cx, &s);
        match s.ty(Reg::R0) {
            RegType::Num => {
                if let Some((lo, hi)) = cx.env.prog.return_range {
                    let v = s.interval(Reg::R0);
                    if !v.within(lo.into(), hi.into()) {
                        cx.fail(VerifyErrorKind::BadReturn {
                            detail: format!("r0 in {v}, not within [{lo}, {hi}]"),
                        });
                    }
                }
            }
            RegType::Uninit => cx.fail(VerifyErrorKind::UninitialisedRegister { reg: Reg::R0 }),
            t => cx.fail(VerifyErrorKind::PointerLeak {
                detail: format!("the program returns {t} in r0; it must return a number"),
            }),
        }
        return State::bottom();
    }
    cx.require_init(&mut s, Reg::R0);
    let callee_top = i128::from(s.frame_top());
    if s.ty(Reg::R0) == RegType::Stack && s.interval(Reg::R0).lo() < callee_top {
        cx.fail(VerifyErrorKind::BadReturn {
            detail: String::from("a function returns a pointer into its own stack frame"),
        });
        s.set(Reg::R0, RegType::Num, Interval::TOP);
    }
    // Back in the caller.
    let saved = s.saved.pop().expect("depth > 0");
    let d = s.depth() as u8;
    for (i, &t) in saved.iter().enumerate() {
        let r = Reg::new(6 + i as u8).expect("r6-r9");
        s.regs[r.index()] = t;
        let sv = VarId::saved(d, i as u8);
        if t.has_var() {
            s.num.assign_var(var(r), sv, 0);
        } else {
            s.num.forget(var(r));
        }
        s.num.forget(sv);
    }
    for r in ARGS {
        s.clobber(r);
    }
    let top = s.frame_top();
    s.set(Reg::R10, RegType::Stack, Interval::constant(top.into()));
    let bottom = top - FRAME_SIZE;
    let removed = s.stack.drop_below(bottom);
    forget_cells(&mut s, &removed);
    // Pointers into the returned frame dangle.
    for i in 0..11u8 {
        let r = Reg::new(i).expect("register");
        if s.ty(r) == RegType::Stack && s.interval(r).lo() < i128::from(bottom) {
            s.regs[r.index()] = RegType::Mixed;
            s.num.forget(var(r));
        }
    }
    let dangling: alloc::vec::Vec<(i32, u8)> = s
        .stack
        .cells()
        .filter(|(o, c)| {
            c.ty == RegType::Stack
                && s.num.interval(VarId::stack(*o, c.size)).lo() < i128::from(bottom)
        })
        .map(|(o, c)| (o, c.size))
        .collect();
    for (o, size) in dangling {
        let removed = s.stack.invalidate(o, o + i32::from(size));
        forget_cells(&mut s, &removed);
    }
    s.normalize();
    s
}
