//! Helper prototypes: [`HelperProto`] (id, name, [`ArgKind`]s, [`RetKind`], the program types
//! that may call it, whether it changes the packet), by [`HelperId`].

use core::fmt;

use crate::map::MapReq;
use crate::socket::SockKind;

/// A helper's id: the `imm` of a `call` to a helper, as an unsigned number (helper ids are
/// never negative; a negative `imm` reads as an id above `i32::MAX`, which no platform has).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HelperId(pub u32);

impl HelperId {
    /// The id a `call` instruction's immediate names.
    pub const fn from_imm(imm: i32) -> HelperId {
        HelperId(imm as u32)
    }

    /// Whether the id is one of the reserved builtin ids ([`crate::BUILTIN_IDS`]).
    pub const fn is_builtin(self) -> bool {
        self.0 >= crate::BUILTIN_IDS.start && self.0 < crate::BUILTIN_IDS.end
    }
}

impl fmt::Display for HelperId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What a helper argument must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgKind {
    /// Not used.
    None,
    /// Any initialised value (numbers and pointers).
    Anything,
    /// A number.
    Scalar,
    /// The context pointer, unmodified.
    Ctx,
    /// A map of the given kind.
    Map(MapReq),
    /// Pointer to initialised memory of the previous map argument's key size.
    MapKey,
    /// Pointer to initialised memory of the previous map argument's value size.
    MapValue,
    /// Pointer to writable memory of the previous map argument's value size, written (so
    /// initialised) by the call whatever its result (Linux's pop and peek, which zero it when
    /// the map is empty).
    MapValueOut,
    /// Pointer to writable memory of the previous map argument's value size, written only when
    /// the call succeeds (eBPF for Windows' pop and peek). The verifier does not tie the
    /// memory to the result, so after the call no byte of it is known to be initialised: bytes
    /// initialised before hold unknown numbers, the others stay uninitialised.
    MapValueOutOnSuccess,
    /// Pointer to initialised memory whose size is the next argument.
    ReadMem,
    /// Pointer to writable memory whose size is the next argument (initialised by the call).
    WriteMem,
    /// Pointer to initialised, writable memory whose size is the next argument: read, then
    /// overwritten by the call.
    UpdateMem,
    /// Pointer to writable memory whose size is the next argument, of which the call may
    /// overwrite any part, or none (a copy that fails when the source is larger, or copies
    /// fewer bytes than the destination holds): written bytes hold unknown numbers, and
    /// nothing becomes initialised.
    ClobberMem,
    /// A size in `[1, MAX_SIZE]` for the previous memory argument (or for the memory
    /// arguments that name it: [`ArgKind::ReadMemOf`], [`ArgKind::WriteMemOf`]).
    Size,
    /// A size in `[0, MAX_SIZE]` for the previous memory argument (or for the memory
    /// arguments that name it).
    SizeOrZero,
    /// Helper-allocated memory (non-null, offset 0), released by the call.
    AllocMem,
    /// A value the helper prints when its format (the first memory argument, a string of the
    /// size that follows it) asks for one: each `%` conversion of the format reads the next
    /// such argument, which must then be an initialised number (printing a pointer would
    /// disclose its address). When the verifier does not know the format's bytes, every such
    /// argument must be one.
    Printed,
    /// Pointer to initialised memory, read by the call, whose size is argument `n` (1 to 5:
    /// `r{n}`, a [`ArgKind::SizeOrZero`] or [`ArgKind::Size`]), which other memory arguments
    /// may share: the C argument order of `memcpy(dst, src, n)`.
    ReadMemOf(u8),
    /// Pointer to writable memory whose size is argument `n` (as [`ArgKind::ReadMemOf`]),
    /// written whole (so initialised with unknown numbers) by the call. The verifier checks
    /// every memory argument the call reads before this one is written, so a read of the same
    /// bytes sees them as they were.
    WriteMemOf(u8),
    /// The context pointer (unmodified), or null (`bpf_get_netns_cookie`).
    CtxOrNull,
    /// A socket pointer of any [`SockKind`], null-checked, at offset 0 (Linux's
    /// `ARG_PTR_TO_SOCK_COMMON` and `ARG_PTR_TO_BTF_ID_SOCK_COMMON`).
    Sock,
    /// A socket reference from a lookup (or a pointer derived from one), null-checked, at
    /// offset 0: released by the call, so it and every pointer derived from it become
    /// unusable.
    SockRelease,
    /// Pointer to this many initialised bytes, read by the call.
    ReadFixed(u32),
    /// Pointer to this many writable bytes, written (so initialised) by the call.
    WriteFixed(u32),
    /// Pointer to this many initialised, writable bytes: read, then overwritten by the call.
    UpdateFixed(u32),
    /// A NUL-terminated string the program cannot change: a constant offset into a frozen
    /// read-only map value (`.rodata`) whose bytes from there hold a NUL.
    ConstStr,
    /// The address of a function of the program (an `lddw` with `src = 4`), which the helper
    /// calls back (Linux's `bpf_loop` and `bpf_for_each_map_elem`): the verifier checks the
    /// callback as a function called any number of times, each time with the arguments the
    /// helper gives it.
    Callback,
    /// A pointer to a lock (Linux's `struct bpf_spin_lock`, 4 bytes) inside a map value: a
    /// non-null map value pointer at a constant offset, a multiple of 4.
    SpinLock,
}

impl ArgKind {
    /// The index (0 to 4) of the size argument of a memory argument that names its size
    /// ([`ArgKind::ReadMemOf`], [`ArgKind::WriteMemOf`]).
    pub const fn size_index(self) -> Option<usize> {
        match self {
            ArgKind::ReadMemOf(n) | ArgKind::WriteMemOf(n) if n >= 1 && n <= 5 => {
                Some(n as usize - 1)
            }
            _ => None,
        }
    }

    /// Whether the argument is memory whose size is the next argument.
    pub const fn is_sized_mem(self) -> bool {
        matches!(
            self,
            ArgKind::ReadMem | ArgKind::WriteMem | ArgKind::UpdateMem | ArgKind::ClobberMem
        )
    }
}

/// Largest size argument accepted for a memory argument.
pub const MAX_SIZE: i64 = 1 << 29;

/// What a helper returns in `r0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetKind {
    /// Any number.
    Scalar,
    /// A number in `[0, 2^32)`.
    U32,
    /// A pointer into a value of the map argument, or null; for a map of maps, its inner map
    /// (or null).
    MapValueOrNull,
    /// Memory of the size given by argument 2 (a constant), or null.
    AllocOrNull,
    /// Nothing: `r0` is unreadable afterwards.
    Void,
    /// The first argument as the program passed it (a pointer stays that pointer): the
    /// destination `memcpy`, `memmove` and `memset` return.
    FirstArg,
    /// `-1`, `0` or `1`: a comparison's result (`memcmp`).
    Sign,
    /// A new reference to a socket of this kind, or null: the program must release it
    /// (`bpf_sk_release`) on every path where it is not null.
    SockOrNull(SockKind),
    /// A pointer of this kind to the socket of the [`ArgKind::Sock`] argument (no new
    /// reference: it is unusable once that socket's reference is released), or null.
    DerivedSockOrNull(SockKind),
    /// A pointer of this kind to another socket found from the [`ArgKind::Sock`] argument
    /// (`bpf_get_listener_sock`'s listener): unusable once the argument's reference is
    /// released, and never released itself (it holds no reference).
    RelatedSockOrNull(SockKind),
    /// The helper exists but is not modelled: every call is rejected with this reason (it
    /// takes or returns BTF-typed kernel objects, dynamic pointers, kernel pointers to
    /// exchange, or maps the verifier does not model).
    NotModelled(&'static str),
}

/// A helper's prototype.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HelperProto {
    /// Helper id (the `imm` of `call`).
    pub id: HelperId,
    /// Name, e.g. `"bpf_map_lookup_elem"`.
    pub name: &'static str,
    /// `r1` to `r5`.
    pub args: [ArgKind; 5],
    /// `r0` afterwards.
    pub ret: RetKind,
    /// Helper groups it belongs to: a program type may call it when its
    /// [`helper_groups`](crate::ProgramType::helper_groups) share one of these bits.
    pub groups: u32,
    /// Whether it may move or resize the packet, so every packet pointer becomes invalid.
    pub changes_packet: bool,
}

/// Shorthand for helper tables.
pub(crate) const fn proto(
    id: u32,
    name: &'static str,
    args: [ArgKind; 5],
    ret: RetKind,
    groups: u32,
) -> HelperProto {
    HelperProto {
        id: HelperId(id),
        name,
        args,
        ret,
        groups,
        changes_packet: false,
    }
}

/// [`proto`] for helpers that move or resize the packet.
pub(crate) const fn proto_pkt(
    id: u32,
    name: &'static str,
    args: [ArgKind; 5],
    ret: RetKind,
    groups: u32,
) -> HelperProto {
    HelperProto {
        changes_packet: true,
        ..proto(id, name, args, ret, groups)
    }
}

/// A helper every call to which is rejected, for `why` ([`RetKind::NotModelled`]).
pub(crate) const fn not_modelled(
    id: u32,
    name: &'static str,
    groups: u32,
    why: &'static str,
) -> HelperProto {
    proto(
        id,
        name,
        [ArgKind::None; 5],
        RetKind::NotModelled(why),
        groups,
    )
}

/// Five arguments, for helper tables.
pub(crate) const fn a(
    a1: ArgKind,
    a2: ArgKind,
    a3: ArgKind,
    a4: ArgKind,
    a5: ArgKind,
) -> [ArgKind; 5] {
    [a1, a2, a3, a4, a5]
}
