//! Maps: the platform's [`MapType`]s (number, name, [`MapKind`]), the legacy `maps` section
//! record ([`MapRecord`]), and what a verifier or host knows about one map of a program
//! ([`MapInfo`], with the [`InnerMap`] template of a map of maps). [`MapReq`] is what a helper
//! argument accepts.

/// Kinds of maps, as far as a program's use of them differs.
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

    /// One kind per bit, in bit order ([`MapKind::Other`] stands for every other kind).
    pub const ALL: [MapKind; 8] = [
        MapKind::Hash,
        MapKind::Array,
        MapKind::ProgArray,
        MapKind::PerfEventArray,
        MapKind::RingBuf,
        MapKind::Other(0),
        MapKind::ArrayOfMaps,
        MapKind::HashOfMaps,
    ];

    /// The kind's name in messages (`"program array"`).
    pub fn name(self) -> &'static str {
        match self {
            MapKind::Hash => "hash",
            MapKind::Array => "array",
            MapKind::ProgArray => "program array",
            MapKind::PerfEventArray => "perf event array",
            MapKind::RingBuf => "ring buffer",
            MapKind::Other(_) => "other",
            MapKind::ArrayOfMaps => "array of maps",
            MapKind::HashOfMaps => "hash of maps",
        }
    }

    /// Whether the map's values are maps.
    pub fn is_map_of_maps(self) -> bool {
        matches!(self, MapKind::ArrayOfMaps | MapKind::HashOfMaps)
    }
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

/// A map type of a platform.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MapType {
    /// The platform's `BPF_MAP_TYPE_*` number.
    pub number: u32,
    /// The lowercase name without the `BPF_MAP_TYPE_` prefix (`hash`, `prog_array`).
    pub name: &'static str,
    /// How programs use it.
    pub kind: MapKind,
}

/// Shorthand for map type tables: `number`, `name`, `kind` (`None`: a map with keys and
/// values that programs use like any other, [`MapKind::Other`] with the number).
pub(crate) const fn map_type(number: u32, name: &'static str, kind: Option<MapKind>) -> MapType {
    let kind = match kind {
        Some(k) => k,
        None => MapKind::Other(number),
    };
    MapType { number, name, kind }
}

/// One layout of the legacy `maps` section record: byte offsets of its `u32` fields (`None`
/// when the layout has no such field). Every record holds the type, key size, value size and
/// most entries in its first 16 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MapRecord {
    /// The C structure's name.
    pub name: &'static str,
    /// The smallest record size (bytes per map: the section's size over its map symbols) that
    /// has this layout.
    pub min_size: u32,
    /// Map flags.
    pub flags: Option<u32>,
    /// Index (among the object's legacy maps) of the inner map template of a map of maps.
    pub inner_map_idx: Option<u32>,
    /// Pinning mode.
    pub pinning: Option<u32>,
    /// The map's own id, by which another map's `inner_id` names it.
    pub id: Option<u32>,
    /// The id of the inner map template of a map of maps (0: none).
    pub inner_id: Option<u32>,
}

impl MapRecord {
    /// Byte offset of the map type number, in every layout.
    pub const TYPE: u32 = 0;
    /// Byte offset of the key size, in every layout.
    pub const KEY_SIZE: u32 = 4;
    /// Byte offset of the value size, in every layout.
    pub const VALUE_SIZE: u32 = 8;
    /// Byte offset of the most entries, in every layout.
    pub const MAX_ENTRIES: u32 = 12;
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
