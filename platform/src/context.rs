//! The context a program receives in `r1`: [`ContextLayout`] (size, named [`Field`]s, the
//! packet pointer fields, the readable and writable [`FieldRange`]s) and, for layouts whose
//! pointer fields are narrower than a pointer, the [`HostContext`] a host really passes.

use crate::SockKind;

/// A byte range `[start, end)` of the context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldRange {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

/// Shorthand for a [`FieldRange`].
pub const fn field(start: u32, end: u32) -> FieldRange {
    FieldRange { start, end }
}

/// One named field of a context structure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    /// The C member name (for an array, without the brackets: `cb` for `cb[5]`).
    pub name: &'static str,
    /// Byte offset.
    pub offset: u32,
    /// Size in bytes (of the whole array for an array member).
    pub size: u32,
    /// For a pointer to a kernel socket (`__sk_buff.sk`, `bpf_sock_ops.sk`): the view a
    /// program has of it. An exact 8-byte load gives a socket pointer of this kind, or null,
    /// holding no reference (the context's socket is not the program's to release); any other
    /// access to the field is refused. A host without kernel sockets stores 0 there.
    pub socket: Option<SockKind>,
}

/// Shorthand for a [`Field`] holding a number (or a packet pointer, see
/// [`ContextLayout::data`]).
pub const fn named(name: &'static str, offset: u32, size: u32) -> Field {
    Field {
        name,
        offset,
        size,
        socket: None,
    }
}

/// Shorthand for an 8-byte [`Field`] holding a pointer to a kernel socket seen as `kind`, or
/// null (see [`Field::socket`]).
pub const fn socket_field(name: &'static str, offset: u32, kind: SockKind) -> Field {
    Field {
        name,
        offset,
        size: 8,
        socket: Some(kind),
    }
}

/// The context a host really passes for a layout whose packet pointer fields are 32-bit (the
/// Linux `xdp_md` and `__sk_buff`): the program's structure, then one 8-byte slot for each
/// packet pointer holding the real 64-bit address. The verifier rewrites every load of a
/// 32-bit pointer field into an 8-byte load of its slot, as Linux's `convert_ctx_access`
/// rewrites them into loads of the kernel's own pointers, so a program built for Linux runs
/// unchanged.
///
/// The first [`ContextLayout::size`] bytes are the structure as the program sees it (its
/// number fields; what the 32-bit pointer fields hold does not matter, the rewritten program
/// never reads them). Slots are 8-byte aligned and little endian.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostContext {
    /// Size in bytes of the whole host context.
    pub size: u32,
    /// Offset of the 64-bit packet start pointer.
    pub data: u32,
    /// Offset of the 64-bit packet end pointer.
    pub data_end: u32,
    /// Offset of the 64-bit metadata pointer (a host whose hook has no metadata stores the
    /// packet start there: the program cannot read it, see [`ContextLayout::data_meta`]).
    pub data_meta: u32,
}

impl HostContext {
    /// The host context of a structure of `size` bytes (a multiple of 8): the structure,
    /// then `data`, `data_end` and `data_meta` as 8-byte slots.
    pub const fn after(size: u32) -> HostContext {
        HostContext {
            size: size + 24,
            data: size,
            data_end: size + 8,
            data_meta: size + 16,
        }
    }
}

/// The context structure a program receives in `r1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContextLayout {
    /// The C structure's name (`xdp_md`, `bind_md_t`).
    pub name: &'static str,
    /// Size in bytes.
    pub size: u32,
    /// The structure's members, by offset (overlapping for unions; empty where the layout
    /// depends on the attach target, as for tracepoints).
    pub fields: &'static [Field],
    /// Offset of the field holding the packet start pointer, if any.
    pub data: Option<u32>,
    /// Offset of the field holding the packet end pointer, if any.
    pub data_end: Option<u32>,
    /// Offset of the field holding the packet metadata pointer (metadata sits right before the
    /// packet data), if the program may use it.
    pub data_meta: Option<u32>,
    /// Size of the `data`/`data_end` fields (4 on Linux's `xdp_md` and `__sk_buff`, where the
    /// loads are rewritten, see [`host`](Self::host); 8 on Windows and the other Linux
    /// structures).
    pub pointer_size: u8,
    /// Where the host keeps the real pointers when the pointer fields are narrower than 8
    /// bytes; `None` when the program reads the pointers from the structure itself (8-byte
    /// fields, or no packet).
    pub host: Option<HostContext>,
    /// Byte ranges that may be read.
    pub readable: &'static [FieldRange],
    /// Byte ranges that may be written.
    pub writable: &'static [FieldRange],
    /// Whether the real size depends on the attach target (a tracepoint's record, a raw
    /// tracepoint's or traced function's arguments): `size` is then only the most any target
    /// has, and a host checks at attach that the target's context holds what the program
    /// reads (the verifier's `Verified::max_context_offset`, Linux's `max_ctx_offset`).
    pub sized_by_target: bool,
}

impl ContextLayout {
    /// Whether `[start, end)` lies inside one of `ranges`.
    pub fn covers(ranges: &[FieldRange], start: i64, end: i64) -> bool {
        ranges
            .iter()
            .any(|r| i64::from(r.start) <= start && end <= i64::from(r.end))
    }

    /// Size in bytes of the context a host passes to a verified program: the
    /// [`HostContext`]'s when the layout has one, else the structure's.
    pub fn host_size(&self) -> u32 {
        self.host.map_or(self.size, |h| h.size)
    }

    /// The host slot of the pointer field at `offset` (`data`, `data_end` or `data_meta`):
    /// where a rewritten load of that field reads its 8 bytes. `None` when the layout has no
    /// [`HostContext`] or no pointer field at `offset`.
    pub fn host_offset(&self, offset: u32) -> Option<u32> {
        let host = self.host?;
        [
            (self.data, host.data),
            (self.data_end, host.data_end),
            (self.data_meta, host.data_meta),
        ]
        .into_iter()
        .find(|(field, _)| *field == Some(offset))
        .map(|(_, slot)| slot)
    }

    /// The field named `name`.
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The socket pointer field ([`Field::socket`]) whose bytes overlap `[start, end)`, if any.
    pub fn socket_field_in(&self, start: i64, end: i64) -> Option<&'static Field> {
        self.fields.iter().find(|f| {
            f.socket.is_some()
                && start < i64::from(f.offset) + i64::from(f.size)
                && i64::from(f.offset) < end
        })
    }

    /// The field that holds the byte at `offset` (the first listed, for a union).
    pub fn field_at(&self, offset: u32) -> Option<&'static Field> {
        self.fields
            .iter()
            .find(|f| f.offset <= offset && offset < f.offset + f.size)
    }
}
