//! [`RegType`]: which region a register or spilled stack slot points into, or that it holds a
//! number, ordered as a flat lattice with two tops (`Mixed` below `Uninit`).

use core::fmt;

use crate::lattice::Lattice;
use crate::platform::SockKind;

/// The kind of a value. Pointers carry their offset in the value's [`VarId`](super::VarId):
/// from the start of the context, the top of frame 0 (negative), the start of the packet
/// (both `Packet` and `PacketEnd`), or the start of the map value.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum RegType {
    /// No value (unreachable).
    Bottom,
    /// A number.
    Num,
    /// A pointer into the program's context.
    Ctx,
    /// A pointer into the stack.
    Stack,
    /// A pointer into the packet.
    Packet,
    /// The packet end pointer (a packet pointer whose offset is the packet size).
    PacketEnd,
    /// A map (only usable as a helper argument): one of the program's maps, or one of
    /// several (after paths that loaded different maps joined, or the inner map found in a
    /// map of maps).
    MapPtr {
        /// Index of the map in the verifier's map list, or [`RegType::MANY_MAPS`].
        map: u32,
        /// Largest key size of the possible maps.
        key_max: u32,
        /// Smallest value size of the possible maps.
        value_min: u32,
        /// Largest value size of the possible maps.
        value_max: u32,
        /// The possible maps' kinds, as [`MapKind::bit`](crate::platform::MapKind::bit)s.
        kinds: u32,
        /// What programs may not do with the possible maps ([`RegType::DENY_WRITE`],
        /// [`RegType::DENY_READ`]).
        deny: u8,
    },
    /// A pointer into a map value (or helper-allocated memory) of `size` bytes.
    MapValue {
        /// Bytes accessible from offset 0.
        size: u32,
        /// Non-zero for memory allocated by a helper (e.g. a ring buffer reservation) that a
        /// later helper releases: the id of the allocation.
        alloc: u32,
        /// What the program may not do with the memory ([`RegType::DENY_WRITE`],
        /// [`RegType::DENY_READ`]).
        deny: u8,
        /// Index of the map (in the verifier's map list) whose value it points into, or
        /// [`RegType::MANY_MAPS`] (one of several, an inner map's, or helper memory).
        map: u32,
    },
    /// Like [`RegType::MapValue`], or 0 (null): must be compared with 0 before use.
    MapValueOrNull {
        /// Bytes accessible from offset 0 when not null.
        size: u32,
        /// Registers with the same non-zero id hold the same pointer, so one null check
        /// refines them all; 0 when unknown.
        id: u32,
        /// As in [`RegType::MapValue`].
        alloc: u32,
        /// As in [`RegType::MapValue`].
        deny: u8,
        /// As in [`RegType::MapValue`].
        map: u32,
    },
    /// Like [`RegType::MapPtr`] with [`RegType::MANY_MAPS`] (an inner map of a map of maps),
    /// or 0 (null): must be compared with 0 before use. Its variable holds the offset, 0.
    MapPtrOrNull {
        /// As in [`RegType::MapValueOrNull`].
        id: u32,
        /// Largest key size of the possible maps.
        key_max: u32,
        /// Smallest value size of the possible maps.
        value_min: u32,
        /// Largest value size of the possible maps.
        value_max: u32,
        /// The possible maps' kinds, as [`MapKind::bit`](crate::platform::MapKind::bit)s.
        kinds: u32,
        /// As in [`RegType::MapPtr`].
        deny: u8,
    },
    /// A pointer to a kernel socket, read through the structure of its [`SockKind`]. Its
    /// variable holds the offset (always 0: socket pointers allow no arithmetic).
    Sock {
        /// Which view of the socket.
        kind: SockKind,
        /// The reference it was acquired as or derived from (a lookup's id, with
        /// [`RegType::SOCK_REF`] set): releasing that reference makes it unusable.
        ref_id: u32,
    },
    /// Like [`RegType::Sock`], or 0 (null): must be compared with 0 before use.
    SockOrNull {
        /// As in [`RegType::Sock`].
        kind: SockKind,
        /// As in [`RegType::MapValueOrNull`].
        id: u32,
        /// As in [`RegType::Sock`]. When it is `id | SOCK_REF`, the pointer is the reference
        /// itself (a lookup's result): null means no reference was taken.
        ref_id: u32,
    },
    /// A pointer to a reference the program released (a socket after `bpf_sk_release`, ring
    /// buffer memory after its submit or discard, or a pointer derived from one): unusable
    /// except as a copy.
    Released,
    /// The address of the program's function starting at slot `pc` (an `lddw` with
    /// `src = 4`): only usable as a helper's callback argument.
    Func {
        /// Slot of the function's first instruction.
        pc: u32,
    },
    /// Initialised, but of different kinds on different paths: unusable except as a copy.
    Mixed,
    /// Possibly never written.
    Uninit,
}

impl RegType {
    /// The `map` of a [`RegType::MapPtr`] that may be one of several maps.
    pub const MANY_MAPS: u32 = u32::MAX;

    /// In `deny`: the program may not write the memory (or change the map): a map read-only
    /// for programs (`BPF_F_RDONLY_PROG`, `.rodata`), or a devmap's value.
    pub const DENY_WRITE: u8 = 1;

    /// In `deny`: the program may not read the memory (or copy values out of the map): a map
    /// write-only for programs (`BPF_F_WRONLY_PROG`).
    pub const DENY_READ: u8 = 2;

    /// In a socket's `ref_id`: the bit that tells socket references from ring buffer
    /// reservations in [`State::allocs`](crate::state::State).
    pub const SOCK_REF: u32 = 1 << 31;

    /// In a socket's `ref_id`: the pointer is to another socket found from the reference's
    /// (a listener), which holds no reference of its own and may not be released.
    pub const BORROWED: u32 = 1 << 30;

    /// Whether this is a pointer of some kind (not a number, not unusable).
    pub fn is_pointer(self) -> bool {
        !matches!(
            self,
            RegType::Num | RegType::Bottom | RegType::Mixed | RegType::Uninit
        )
    }

    /// Whether the associated variable means something (a number's value or an offset).
    pub fn has_var(self) -> bool {
        !matches!(
            self,
            RegType::Bottom
                | RegType::Mixed
                | RegType::Uninit
                | RegType::MapPtr { .. }
                | RegType::Released
                | RegType::Func { .. }
        )
    }

    /// The null-check id of a kind "or null" (0 for other kinds).
    pub fn null_id(self) -> u32 {
        match self {
            RegType::MapValueOrNull { id, .. }
            | RegType::MapPtrOrNull { id, .. }
            | RegType::SockOrNull { id, .. } => id,
            _ => 0,
        }
    }

    /// This kind with its null-check id cleared: it no longer shares null checks with other
    /// registers.
    pub fn without_null_id(self) -> RegType {
        match self {
            RegType::MapValueOrNull {
                size,
                alloc,
                deny,
                map,
                ..
            } => RegType::MapValueOrNull {
                size,
                id: 0,
                alloc,
                deny,
                map,
            },
            RegType::MapPtrOrNull {
                key_max,
                value_min,
                value_max,
                kinds,
                deny,
                ..
            } => RegType::MapPtrOrNull {
                id: 0,
                key_max,
                value_min,
                value_max,
                kinds,
                deny,
            },
            RegType::SockOrNull { kind, ref_id, .. } => RegType::SockOrNull {
                kind,
                id: 0,
                ref_id,
            },
            t => t,
        }
    }

    /// A short description for messages.
    pub fn describe(self) -> &'static str {
        match self {
            RegType::Bottom => "unreachable",
            RegType::Num => "a number",
            RegType::Ctx => "a context pointer",
            RegType::Stack => "a stack pointer",
            RegType::Packet => "a packet pointer",
            RegType::PacketEnd => "the packet end pointer",
            RegType::MapPtr { .. } => "a map",
            RegType::MapValue { alloc: 0, .. } => "a map value pointer",
            RegType::MapValue { .. } => "a pointer to helper-allocated memory",
            RegType::MapValueOrNull { .. } => "a map value pointer that may be null",
            RegType::MapPtrOrNull { .. } => "an inner map (from a map of maps) that may be null",
            RegType::Sock { kind, .. } => match kind {
                SockKind::Common => "a socket pointer (sock_common)",
                SockKind::Full => "a socket pointer (bpf_sock)",
                SockKind::Tcp => "a TCP socket pointer (bpf_tcp_sock)",
                SockKind::Btf => "a BTF-typed socket pointer",
            },
            RegType::SockOrNull { .. } => "a socket pointer that may be null",
            RegType::Released => {
                "a pointer to a released reference (a socket or ring buffer memory)"
            }
            RegType::Func { .. } => "a function address",
            RegType::Mixed => "a value of different kinds on different paths",
            RegType::Uninit => "uninitialised",
        }
    }
}

impl fmt::Display for RegType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

impl Lattice for RegType {
    fn bottom() -> Self {
        RegType::Bottom
    }

    fn top() -> Self {
        RegType::Uninit
    }

    fn is_bottom(&self) -> bool {
        *self == RegType::Bottom
    }

    fn leq(&self, other: &Self) -> bool {
        use RegType::*;
        match (*self, *other) {
            (a, b) if a == b => true,
            (Bottom, _) | (_, Uninit) => true,
            (Uninit, _) | (_, Bottom) => false,
            (_, Mixed) => true,
            (Mixed, _) => false,
            (PacketEnd, Packet) => true,
            (
                MapValue {
                    size: s1,
                    alloc: a1,
                    deny: d1,
                    map: m1,
                },
                MapValue {
                    size: s2,
                    alloc: a2,
                    deny: d2,
                    map: m2,
                },
            ) => a1 == a2 && s1 >= s2 && d1 & !d2 == 0 && map_leq(m1, m2),
            (
                MapValue {
                    size: s1,
                    alloc: a1,
                    deny: d1,
                    map: m1,
                },
                MapValueOrNull {
                    size: s2,
                    id: 0,
                    alloc: a2,
                    deny: d2,
                    map: m2,
                },
            ) => a1 == a2 && s1 >= s2 && d1 & !d2 == 0 && map_leq(m1, m2),
            (
                MapValueOrNull {
                    size: s1,
                    id: i1,
                    alloc: a1,
                    deny: d1,
                    map: m1,
                },
                MapValueOrNull {
                    size: s2,
                    id: i2,
                    alloc: a2,
                    deny: d2,
                    map: m2,
                },
            ) => a1 == a2 && s1 >= s2 && (i2 == 0 || i1 == i2) && d1 & !d2 == 0 && map_leq(m1, m2),
            (
                MapPtr {
                    key_max: k1,
                    value_min: n1,
                    value_max: x1,
                    kinds: b1,
                    deny: d1,
                    ..
                },
                MapPtr {
                    map: RegType::MANY_MAPS,
                    key_max: k2,
                    value_min: n2,
                    value_max: x2,
                    kinds: b2,
                    deny: d2,
                },
            ) => k1 <= k2 && n1 >= n2 && x1 <= x2 && b1 & b2 == b1 && d1 & !d2 == 0,
            (
                MapPtrOrNull {
                    id: i1,
                    key_max: k1,
                    value_min: n1,
                    value_max: x1,
                    kinds: b1,
                    deny: d1,
                },
                MapPtrOrNull {
                    id: i2,
                    key_max: k2,
                    value_min: n2,
                    value_max: x2,
                    kinds: b2,
                    deny: d2,
                },
            ) => {
                (i2 == 0 || i1 == i2)
                    && k1 <= k2
                    && n1 >= n2
                    && x1 <= x2
                    && b1 & b2 == b1
                    && d1 & !d2 == 0
            }
            (
                Sock {
                    kind: k1,
                    ref_id: r1,
                },
                SockOrNull {
                    kind: k2,
                    id: 0,
                    ref_id: r2,
                },
            ) => k1 == k2 && r1 == r2,
            (
                SockOrNull {
                    kind: k1,
                    id: i1,
                    ref_id: r1,
                },
                SockOrNull {
                    kind: k2,
                    id: i2,
                    ref_id: r2,
                },
            ) => k1 == k2 && r1 == r2 && (i2 == 0 || i1 == i2),
            _ => false,
        }
    }

    fn join(&mut self, other: &Self) -> bool {
        use RegType::*;
        let new = match (*self, *other) {
            (a, b) if a == b => a,
            (Bottom, b) => b,
            (a, Bottom) => a,
            (Uninit, _) | (_, Uninit) => Uninit,
            (PacketEnd, Packet) | (Packet, PacketEnd) => Packet,
            (
                MapValue {
                    size: s1,
                    alloc: a1,
                    deny: d1,
                    map: m1,
                },
                MapValue {
                    size: s2,
                    alloc: a2,
                    deny: d2,
                    map: m2,
                },
            ) if a1 == a2 => MapValue {
                size: s1.min(s2),
                alloc: a1,
                deny: d1 | d2,
                map: map_join(m1, m2),
            },
            (
                MapValueOrNull {
                    size: s1,
                    id: i1,
                    alloc: a1,
                    deny: d1,
                    map: m1,
                },
                MapValueOrNull {
                    size: s2,
                    id: i2,
                    alloc: a2,
                    deny: d2,
                    map: m2,
                },
            ) if a1 == a2 => MapValueOrNull {
                size: s1.min(s2),
                id: if i1 == i2 { i1 } else { 0 },
                alloc: a1,
                deny: d1 | d2,
                map: map_join(m1, m2),
            },
            (
                MapValue {
                    size: s1,
                    alloc: a1,
                    deny: d1,
                    map: m1,
                },
                MapValueOrNull {
                    size: s2,
                    alloc: a2,
                    deny: d2,
                    map: m2,
                    ..
                },
            )
            | (
                MapValueOrNull {
                    size: s2,
                    alloc: a2,
                    deny: d2,
                    map: m2,
                    ..
                },
                MapValue {
                    size: s1,
                    alloc: a1,
                    deny: d1,
                    map: m1,
                },
            ) if a1 == a2 => MapValueOrNull {
                size: s1.min(s2),
                id: 0,
                alloc: a1,
                deny: d1 | d2,
                map: map_join(m1, m2),
            },
            (
                MapPtr {
                    key_max: k1,
                    value_min: n1,
                    value_max: x1,
                    kinds: b1,
                    deny: d1,
                    ..
                },
                MapPtr {
                    key_max: k2,
                    value_min: n2,
                    value_max: x2,
                    kinds: b2,
                    deny: d2,
                    ..
                },
            ) => MapPtr {
                map: RegType::MANY_MAPS,
                key_max: k1.max(k2),
                value_min: n1.min(n2),
                value_max: x1.max(x2),
                kinds: b1 | b2,
                deny: d1 | d2,
            },
            (
                MapPtrOrNull {
                    id: i1,
                    key_max: k1,
                    value_min: n1,
                    value_max: x1,
                    kinds: b1,
                    deny: d1,
                },
                MapPtrOrNull {
                    id: i2,
                    key_max: k2,
                    value_min: n2,
                    value_max: x2,
                    kinds: b2,
                    deny: d2,
                },
            ) => MapPtrOrNull {
                id: if i1 == i2 { i1 } else { 0 },
                key_max: k1.max(k2),
                value_min: n1.min(n2),
                value_max: x1.max(x2),
                kinds: b1 | b2,
                deny: d1 | d2,
            },
            (
                SockOrNull {
                    kind: k1,
                    id: i1,
                    ref_id: r1,
                },
                SockOrNull {
                    kind: k2,
                    id: i2,
                    ref_id: r2,
                },
            ) if k1 == k2 && r1 == r2 => SockOrNull {
                kind: k1,
                id: if i1 == i2 { i1 } else { 0 },
                ref_id: r1,
            },
            (
                Sock {
                    kind: k1,
                    ref_id: r1,
                },
                SockOrNull {
                    kind: k2,
                    ref_id: r2,
                    ..
                },
            )
            | (
                SockOrNull {
                    kind: k2,
                    ref_id: r2,
                    ..
                },
                Sock {
                    kind: k1,
                    ref_id: r1,
                },
            ) if k1 == k2 && r1 == r2 => SockOrNull {
                kind: k1,
                id: 0,
                ref_id: r1,
            },
            _ => Mixed,
        };
        let changed = new != *self;
        *self = new;
        changed
    }

    fn widen(&mut self, newer: &Self) -> bool {
        // Finite height: join terminates.
        self.join(newer)
    }
}

/// The `map` of two map value pointers joined: the same map, or one of several.
fn map_join(a: u32, b: u32) -> u32 {
    if a == b {
        a
    } else {
        RegType::MANY_MAPS
    }
}

/// Whether map value pointers into map `a` are among those into map `b`.
fn map_leq(a: u32, b: u32) -> bool {
    a == b || b == RegType::MANY_MAPS
}
