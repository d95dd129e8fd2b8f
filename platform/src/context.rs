//! The context a program receives in `r1`: [`ContextLayout`] (size, named [`Field`]s, the
//! packet pointer fields, the readable and writable [`FieldRange`]s).

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
}

/// Shorthand for a [`Field`].
pub const fn named(name: &'static str, offset: u32, size: u32) -> Field {
    Field { name, offset, size }
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
    /// Size of the `data`/`data_end` fields (4 on Linux, where the kernel rewrites the loads; 8
    /// on Windows).
    pub pointer_size: u8,
    /// Byte ranges that may be read.
    pub readable: &'static [FieldRange],
    /// Byte ranges that may be written.
    pub writable: &'static [FieldRange],
}

impl ContextLayout {
    /// Whether `[start, end)` lies inside one of `ranges`.
    pub fn covers(ranges: &[FieldRange], start: i64, end: i64) -> bool {
        ranges
            .iter()
            .any(|r| i64::from(r.start) <= start && end <= i64::from(r.end))
    }

    /// The field named `name`.
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The field that holds the byte at `offset` (the first listed, for a union).
    pub fn field_at(&self, offset: u32) -> Option<&'static Field> {
        self.fields
            .iter()
            .find(|f| f.offset <= offset && offset < f.offset + f.size)
    }
}
