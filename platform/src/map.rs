//! Maps: the platform's [`MapType`]s (number, name, [`MapKind`]), the legacy `maps` section
//! record ([`MapRecord`]), and what a verifier or host knows about one map of a program
//! ([`MapInfo`], with its [flags](BPF_F_RDONLY_PROG) and the [`InnerMap`] template of a map of
//! maps). [`MapReq`] is what a helper's map argument accepts ([`MapKinds`]) and does to the
//! map; [`Lookup`] is what a lookup gives a program for each kind.

use core::fmt;

/// Map flag (Linux `BPF_F_RDONLY_PROG`): programs may read the map's values but neither write
/// them nor change the map (update, delete, push, pop). The loader sets it on `.rodata` maps;
/// `.kconfig` maps have it too.
pub const BPF_F_RDONLY_PROG: u32 = 1 << 7;

/// Map flag (Linux `BPF_F_WRONLY_PROG`): programs may write the map's values but not read
/// them (neither loads from a value nor helpers that copy values out).
pub const BPF_F_WRONLY_PROG: u32 = 1 << 8;

/// Kinds of maps, as far as a program's use of them differs: which helpers take them and what
/// a lookup gives ([`MapKind::lookup`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapKind {
    /// Hash table (and its per-CPU and LRU variants): a lookup gives the value.
    Hash,
    /// Array (and its per-CPU variant): a lookup gives the value.
    Array,
    /// Longest-prefix-match trie (keys are a 32-bit prefix length and the data): a lookup
    /// gives the value.
    LpmTrie,
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
    /// Stack traces, filled by `bpf_get_stackid` (values are not for programs).
    StackTrace,
    /// Array of cgroups, for `bpf_skb_under_cgroup` and `bpf_current_task_under_cgroup`.
    CgroupArray,
    /// Network devices (array or hash) for `bpf_redirect_map`; a Linux lookup gives the
    /// `struct bpf_devmap_val`, which programs may only read.
    DevMap,
    /// CPUs for `bpf_redirect_map`.
    CpuMap,
    /// AF_XDP sockets for `bpf_redirect_map` (a lookup would give a socket).
    XskMap,
    /// Array of sockets (updates take a socket; a lookup would give one).
    SockMap,
    /// Hash table of sockets (as [`MapKind::SockMap`]).
    SockHash,
    /// Array of sockets for `bpf_sk_select_reuseport`.
    ReuseportSockArray,
    /// First-in first-out queue, without keys: push, pop and peek.
    Queue,
    /// Last-in first-out stack, without keys: push, pop and peek.
    Stack,
    /// Bloom filter, without keys: push adds, peek tests.
    BloomFilter,
    /// A map type the verifier does not model (per-cgroup, socket, inode or task storage,
    /// struct_ops, user ring buffers, arenas, extension-defined maps, unknown numbers): no
    /// helper takes it (platform type number).
    Other(u32),
}

impl MapKind {
    /// One bit per kind, for sets of kinds ([`MapKind::Other`] has one bit for every number).
    pub const fn bit(self) -> u32 {
        1 << match self {
            MapKind::Hash => 0,
            MapKind::Array => 1,
            MapKind::LpmTrie => 2,
            MapKind::ProgArray => 3,
            MapKind::PerfEventArray => 4,
            MapKind::RingBuf => 5,
            MapKind::ArrayOfMaps => 6,
            MapKind::HashOfMaps => 7,
            MapKind::StackTrace => 8,
            MapKind::CgroupArray => 9,
            MapKind::DevMap => 10,
            MapKind::CpuMap => 11,
            MapKind::XskMap => 12,
            MapKind::SockMap => 13,
            MapKind::SockHash => 14,
            MapKind::ReuseportSockArray => 15,
            MapKind::Queue => 16,
            MapKind::Stack => 17,
            MapKind::BloomFilter => 18,
            MapKind::Other(_) => 19,
        }
    }

    /// The bits of the map-of-maps kinds.
    pub const OF_MAPS_BITS: u32 = MapKind::ArrayOfMaps.bit() | MapKind::HashOfMaps.bit();

    /// One kind per bit, in bit order ([`MapKind::Other`] stands for every other kind).
    pub const ALL: [MapKind; 20] = [
        MapKind::Hash,
        MapKind::Array,
        MapKind::LpmTrie,
        MapKind::ProgArray,
        MapKind::PerfEventArray,
        MapKind::RingBuf,
        MapKind::ArrayOfMaps,
        MapKind::HashOfMaps,
        MapKind::StackTrace,
        MapKind::CgroupArray,
        MapKind::DevMap,
        MapKind::CpuMap,
        MapKind::XskMap,
        MapKind::SockMap,
        MapKind::SockHash,
        MapKind::ReuseportSockArray,
        MapKind::Queue,
        MapKind::Stack,
        MapKind::BloomFilter,
        MapKind::Other(0),
    ];

    /// The kind's name in messages (`"program array"`).
    pub fn name(self) -> &'static str {
        match self {
            MapKind::Hash => "hash",
            MapKind::Array => "array",
            MapKind::LpmTrie => "LPM trie",
            MapKind::ProgArray => "program array",
            MapKind::PerfEventArray => "perf event array",
            MapKind::RingBuf => "ring buffer",
            MapKind::ArrayOfMaps => "array of maps",
            MapKind::HashOfMaps => "hash of maps",
            MapKind::StackTrace => "stack trace map",
            MapKind::CgroupArray => "cgroup array",
            MapKind::DevMap => "devmap",
            MapKind::CpuMap => "cpumap",
            MapKind::XskMap => "xskmap",
            MapKind::SockMap => "sockmap",
            MapKind::SockHash => "sockhash",
            MapKind::ReuseportSockArray => "reuseport socket array",
            MapKind::Queue => "queue",
            MapKind::Stack => "stack",
            MapKind::BloomFilter => "bloom filter",
            MapKind::Other(_) => "unmodelled type",
        }
    }

    /// Whether the map's values are maps.
    pub const fn is_map_of_maps(self) -> bool {
        matches!(self, MapKind::ArrayOfMaps | MapKind::HashOfMaps)
    }

    /// What `bpf_map_lookup_elem` gives a program for a map of this kind.
    pub const fn lookup(self) -> Lookup {
        match self {
            MapKind::Hash | MapKind::Array | MapKind::LpmTrie => Lookup::Value,
            MapKind::DevMap => Lookup::ReadOnlyValue,
            MapKind::ArrayOfMaps | MapKind::HashOfMaps => Lookup::InnerMap,
            // Program arrays, perf event arrays, ring buffers, stack traces and cgroup arrays
            // hold nothing a program may read; socket maps and xskmaps hold sockets; queues,
            // stacks and bloom filters have no keys; cpumap values are the host's.
            _ => Lookup::Refused,
        }
    }
}

/// What `bpf_map_lookup_elem` gives a program ([`MapKind::lookup`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// A pointer to the value (the map's value size), or null.
    Value,
    /// A pointer to the value that the program may read but not write, or null.
    ReadOnlyValue,
    /// The inner map (like [`MapInfo::inner`]), or null.
    InnerMap,
    /// Nothing a program may use as memory (a socket, a program, a stack trace): lookups in
    /// such maps are refused.
    Refused,
}

/// A set of [`MapKind`]s (their [`MapKind::bit`]s). Displays as `hash, array or LPM trie`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct MapKinds(pub u32);

impl MapKinds {
    /// Every kind.
    pub const ALL: MapKinds = MapKinds((1 << MapKind::ALL.len()) - 1);

    /// The set of `kinds`.
    pub const fn of(kinds: &[MapKind]) -> MapKinds {
        let mut bits = 0;
        let mut i = 0;
        while i < kinds.len() {
            bits |= kinds[i].bit();
            i += 1;
        }
        MapKinds(bits)
    }

    /// The kinds whose lookups give a program `what`.
    pub const fn by_lookup(what: Lookup) -> MapKinds {
        let mut bits = 0;
        let mut i = 0;
        while i < MapKind::ALL.len() {
            let k = MapKind::ALL[i];
            if k.lookup() as u8 == what as u8 {
                bits |= k.bit();
            }
            i += 1;
        }
        MapKinds(bits)
    }

    /// Both sets' kinds.
    pub const fn union(self, other: MapKinds) -> MapKinds {
        MapKinds(self.0 | other.0)
    }

    /// Whether `kind` is in the set.
    pub const fn contains(self, kind: MapKind) -> bool {
        self.0 & kind.bit() != 0
    }

    /// Whether every kind of `self` is in `other`.
    pub const fn is_subset(self, other: MapKinds) -> bool {
        self.0 & !other.0 == 0
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The kinds, in bit order ([`MapKind::Other`] with number 0 for the unmodelled ones).
    pub fn iter(self) -> impl Iterator<Item = MapKind> {
        MapKind::ALL.into_iter().filter(move |k| self.contains(*k))
    }
}

impl fmt::Display for MapKinds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.iter().count();
        if n == 0 {
            return f.write_str("no map");
        }
        for (i, k) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(if i + 1 == n { " or " } else { ", " })?;
            }
            f.write_str(k.name())?;
        }
        Ok(())
    }
}

/// What a helper's map argument accepts and does: the map kinds it takes, whether it changes
/// the map (refused on maps read-only for programs) and whether it copies values out to the
/// program (refused on maps write-only for programs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MapReq {
    /// The kinds accepted.
    pub kinds: MapKinds,
    /// Whether the helper changes the map (update, delete, push, pop).
    pub changes: bool,
    /// Whether the helper copies a value out of the map into program memory (pop, peek).
    pub reads: bool,
}

impl MapReq {
    /// Maps whose values are plain memory: hash tables, arrays, LPM tries.
    pub const DATA: MapReq = MapReq::of(&[MapKind::Hash, MapKind::Array, MapKind::LpmTrie]);
    /// Maps a program may look up in: those whose lookup is not [`Lookup::Refused`].
    pub const LOOKUP: MapReq = MapReq::new(
        MapKinds::by_lookup(Lookup::Value)
            .union(MapKinds::by_lookup(Lookup::ReadOnlyValue))
            .union(MapKinds::by_lookup(Lookup::InnerMap)),
    );
    /// Program arrays.
    pub const PROG_ARRAY: MapReq = MapReq::of(&[MapKind::ProgArray]);
    /// Perf event arrays.
    pub const PERF_EVENT_ARRAY: MapReq = MapReq::of(&[MapKind::PerfEventArray]);
    /// Ring buffers.
    pub const RING_BUF: MapReq = MapReq::of(&[MapKind::RingBuf]);
    /// Queues and stacks.
    pub const QUEUE_STACK: MapReq = MapReq::of(&[MapKind::Queue, MapKind::Stack]);

    /// Accepts `kinds`, neither changing the map nor reading values out of it.
    pub const fn new(kinds: MapKinds) -> MapReq {
        MapReq {
            kinds,
            changes: false,
            reads: false,
        }
    }

    /// Accepts the maps of `kinds` ([`MapReq::new`]).
    pub const fn of(kinds: &[MapKind]) -> MapReq {
        MapReq::new(MapKinds::of(kinds))
    }

    /// The same, for a helper that changes the map.
    pub const fn changing(self) -> MapReq {
        MapReq {
            changes: true,
            ..self
        }
    }

    /// The same, for a helper that copies a value out of the map.
    pub const fn reading(self) -> MapReq {
        MapReq {
            reads: true,
            ..self
        }
    }

    /// Whether every kind in `bits` (a set of [`MapKind::bit`]s) is accepted.
    pub const fn accepts_all(self, bits: u32) -> bool {
        MapKinds(bits).is_subset(self.kinds)
    }

    /// Whether a map of `kind` is accepted.
    pub const fn accepts(self, kind: MapKind) -> bool {
        self.kinds.contains(kind)
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

/// Shorthand for map type tables: `number`, `name`, `kind` (`None`: a type the verifier does
/// not model, [`MapKind::Other`] with the number).
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

/// The template of the maps a map of maps holds: every inner map has its kind, sizes and
/// flags (the host checks this when it stores a map into the outer one).
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
    /// Map flags, as [`MapInfo::flags`].
    pub flags: u32,
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
    /// Map flags, numbered as Linux's `BPF_F_*` on every platform; the verifier reads
    /// [`BPF_F_RDONLY_PROG`] and [`BPF_F_WRONLY_PROG`].
    pub flags: u32,
    /// For a map of maps, the template of its inner maps, if known: without it, a lookup in
    /// the map is rejected (its result could not be typed).
    pub inner: Option<InnerMap>,
}

impl MapInfo {
    /// A map of `kind` referred to by `fd`, without flags or inner map template.
    pub const fn new(
        fd: i32,
        kind: MapKind,
        key_size: u32,
        value_size: u32,
        max_entries: u32,
    ) -> MapInfo {
        MapInfo {
            fd,
            kind,
            key_size,
            value_size,
            max_entries,
            flags: 0,
            inner: None,
        }
    }
}
