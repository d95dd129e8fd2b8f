//! What the verifier knows about the host: [`Platform`] (program types with their
//! [`ContextLayout`], helper prototypes [`HelperProto`]) and the maps of a program
//! ([`MapInfo`]). Two platforms ship: [`Linux`] and [`Windows`]; each keeps its facts in one
//! static table.

mod linux;
mod windows;

pub use linux::Linux;
pub use windows::Windows;

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

/// The context structure a program receives in `r1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContextLayout {
    /// Size in bytes.
    pub size: u32,
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
}

/// A program type: its context and what it may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProgramType {
    /// Name, e.g. `"xdp"`.
    pub name: &'static str,
    /// The context layout.
    pub context: ContextLayout,
    /// Whether the program may write packet bytes.
    pub packet_writable: bool,
    /// Whether legacy `ldabs`/`ldind` packet loads are allowed (with the context in `r6`).
    pub legacy_packet_loads: bool,
    /// Helper groups (platform-defined bits) available to the type.
    pub helper_groups: u32,
    /// Range `r0` must be in at exit, if the hook restricts it.
    pub return_range: Option<(i64, i64)>,
}

/// Which maps a map argument accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapReq {
    /// Any map.
    Any,
    /// A map with keys and values (not a program array, perf event array, ring buffer or map
    /// of maps).
    Data,
    /// A map with keys and values, or a map of maps (whose values are maps: a lookup is the
    /// only access a program has to them).
    DataOrMaps,
    /// A program array.
    ProgArray,
    /// A perf event array.
    PerfEventArray,
    /// A ring buffer.
    RingBuf,
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
    /// Pointer to writable memory of the previous map argument's value size.
    MapValueOut,
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
    /// A size in `[1, MAX_SIZE]` for the previous memory argument.
    Size,
    /// A size in `[0, MAX_SIZE]` for the previous memory argument.
    SizeOrZero,
    /// Helper-allocated memory (non-null, offset 0), released by the call.
    AllocMem,
}

impl ArgKind {
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
}

/// A helper's prototype.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HelperProto {
    /// Helper id (the `imm` of `call`).
    pub id: i32,
    /// Name, e.g. `"bpf_map_lookup_elem"`.
    pub name: &'static str,
    /// `r1` to `r5`.
    pub args: [ArgKind; 5],
    /// `r0` afterwards.
    pub ret: RetKind,
    /// Helper groups it belongs to: available when a program type has one of these bits.
    pub groups: u32,
    /// Whether it may move or resize the packet, so every packet pointer becomes invalid.
    pub changes_packet: bool,
}

/// Kinds of maps the verifier distinguishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapKind {
    /// Hash table (and its variants).
    Hash,
    /// Array (and its variants).
    Array,
    /// Program array for tail calls.
    ProgArray,
    /// Perf event array.
    PerfEventArray,
    /// Ring buffer.
    RingBuf,
    /// Array whose values are maps, all like [`MapInfo::inner`].
    ArrayOfMaps,
    /// Hash table whose values are maps, all like [`MapInfo::inner`].
    HashOfMaps,
    /// Another kind with keys and values (platform type number).
    Other(u32),
}

/// The template of the maps a map of maps holds: every inner map has its kind and sizes (the
/// host checks this when it stores a map into the outer one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InnerMap {
    /// Kind.
    pub kind: MapKind,
    /// Key size in bytes.
    pub key_size: u32,
    /// Value size in bytes.
    pub value_size: u32,
    /// Most entries.
    pub max_entries: u32,
}

/// A map the program refers to, by file descriptor (`lddw` with a map fd) or by index (`lddw`
/// with a map index: the position in the slice given to the verifier).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MapInfo {
    /// File descriptor the program's `lddw` uses.
    pub fd: i32,
    /// Kind.
    pub kind: MapKind,
    /// Key size in bytes.
    pub key_size: u32,
    /// Value size in bytes.
    pub value_size: u32,
    /// Most entries.
    pub max_entries: u32,
    /// For a map of maps, the template of its inner maps, if known: without it, a lookup in
    /// the map is rejected (its result could not be typed).
    pub inner: Option<InnerMap>,
}

impl MapKind {
    /// One bit per kind, for sets of kinds.
    pub fn bit(self) -> u8 {
        match self {
            MapKind::Hash => 1,
            MapKind::Array => 2,
            MapKind::ProgArray => 4,
            MapKind::PerfEventArray => 8,
            MapKind::RingBuf => 16,
            MapKind::Other(_) => 32,
            MapKind::ArrayOfMaps => 64,
            MapKind::HashOfMaps => 128,
        }
    }

    /// The bits of the map-of-maps kinds.
    pub const OF_MAPS_BITS: u8 = 64 | 128;

    /// Whether the map's values are maps.
    pub fn is_map_of_maps(self) -> bool {
        matches!(self, MapKind::ArrayOfMaps | MapKind::HashOfMaps)
    }
}

impl MapReq {
    /// Whether every kind in `bits` (a set of [`MapKind::bit`]s) satisfies the requirement.
    pub fn accepts_all(self, bits: u8) -> bool {
        let allowed = match self {
            MapReq::Any => 0xff,
            MapReq::Data => 1 | 2 | 32,
            MapReq::DataOrMaps => 1 | 2 | 32 | MapKind::OF_MAPS_BITS,
            MapReq::ProgArray => 4,
            MapReq::PerfEventArray => 8,
            MapReq::RingBuf => 16,
        };
        bits & !allowed == 0
    }

    /// Whether a map of `kind` satisfies the requirement.
    pub fn accepts(self, kind: MapKind) -> bool {
        match self {
            MapReq::Any => true,
            MapReq::Data => matches!(kind, MapKind::Hash | MapKind::Array | MapKind::Other(_)),
            MapReq::DataOrMaps => MapReq::Data.accepts(kind) || kind.is_map_of_maps(),
            MapReq::ProgArray => kind == MapKind::ProgArray,
            MapReq::PerfEventArray => kind == MapKind::PerfEventArray,
            MapReq::RingBuf => kind == MapKind::RingBuf,
        }
    }
}

/// The host's description of program types and helpers.
pub trait Platform {
    /// Name, e.g. `"linux"`.
    fn name(&self) -> &'static str;
    /// Every program type.
    fn program_types(&self) -> &[ProgramType];
    /// Every helper the platform knows (for any program type).
    fn helpers(&self) -> &[HelperProto];

    /// The program type called `name`.
    fn program_type(&self, name: &str) -> Option<&ProgramType> {
        self.program_types().iter().find(|t| t.name == name)
    }

    /// The helper with `id`, whatever the program type.
    fn helper(&self, id: i32) -> Option<&HelperProto> {
        self.helpers().iter().find(|h| h.id == id)
    }

    /// The helper with `id` if `prog` may call it.
    fn helper_for(&self, id: i32, prog: &ProgramType) -> Option<&HelperProto> {
        self.helpers()
            .iter()
            .find(|h| h.id == id && h.groups & prog.helper_groups != 0)
    }
}

/// Shorthand for helper tables.
pub(crate) const fn proto(
    id: i32,
    name: &'static str,
    args: [ArgKind; 5],
    ret: RetKind,
    groups: u32,
) -> HelperProto {
    HelperProto {
        id,
        name,
        args,
        ret,
        groups,
        changes_packet: false,
    }
}

/// [`proto`] for helpers that move or resize the packet.
pub(crate) const fn proto_pkt(
    id: i32,
    name: &'static str,
    args: [ArgKind; 5],
    ret: RetKind,
    groups: u32,
) -> HelperProto {
    HelperProto {
        id,
        name,
        args,
        ret,
        groups,
        changes_packet: true,
    }
}
