//! [`MapType`]: the map types this host implements, with their eBPF for Windows and Linux
//! numbers (efw-facts §3.1). Kept in one module so it can move to the platform description.

use core::fmt;

/// A map type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum MapType {
    /// Hash table.
    Hash,
    /// Array indexed by a u32.
    Array,
    /// Array of program ids, for tail calls.
    ProgArray,
    /// Hash table with one value per CPU.
    PercpuHash,
    /// Array with one value per CPU.
    PercpuArray,
    /// Hash table of map ids.
    HashOfMaps,
    /// Array of map ids.
    ArrayOfMaps,
    /// Hash table that evicts the least recently used entry when full.
    LruHash,
    /// Longest-prefix-match table; keys are a u32 prefix length then the data.
    LpmTrie,
    /// First in, first out.
    Queue,
    /// Per-CPU LRU hash.
    LruPercpuHash,
    /// Last in, first out.
    Stack,
    /// Multi-producer ring buffer of records with Linux's 8-byte header.
    RingBuf,
    /// Per-CPU record rings drained by a user-side reader.
    PerfEventArray,
}

impl MapType {
    /// Every type, in eBPF for Windows' numbering order.
    pub const ALL: [MapType; 14] = [
        MapType::Hash,
        MapType::Array,
        MapType::ProgArray,
        MapType::PercpuHash,
        MapType::PercpuArray,
        MapType::HashOfMaps,
        MapType::ArrayOfMaps,
        MapType::LruHash,
        MapType::LpmTrie,
        MapType::Queue,
        MapType::LruPercpuHash,
        MapType::Stack,
        MapType::RingBuf,
        MapType::PerfEventArray,
    ];

    /// eBPF for Windows' `bpf_map_type` value.
    pub fn windows_id(self) -> u32 {
        match self {
            MapType::Hash => 1,
            MapType::Array => 2,
            MapType::ProgArray => 3,
            MapType::PercpuHash => 4,
            MapType::PercpuArray => 5,
            MapType::HashOfMaps => 6,
            MapType::ArrayOfMaps => 7,
            MapType::LruHash => 8,
            MapType::LpmTrie => 9,
            MapType::Queue => 10,
            MapType::LruPercpuHash => 11,
            MapType::Stack => 12,
            MapType::RingBuf => 13,
            MapType::PerfEventArray => 14,
        }
    }

    /// Linux's `bpf_map_type` value.
    pub fn linux_id(self) -> u32 {
        match self {
            MapType::Hash => 1,
            MapType::Array => 2,
            MapType::ProgArray => 3,
            MapType::PerfEventArray => 4,
            MapType::PercpuHash => 5,
            MapType::PercpuArray => 6,
            MapType::LruHash => 9,
            MapType::LruPercpuHash => 10,
            MapType::LpmTrie => 11,
            MapType::ArrayOfMaps => 12,
            MapType::HashOfMaps => 13,
            MapType::Queue => 22,
            MapType::Stack => 23,
            MapType::RingBuf => 27,
        }
    }

    /// The type with eBPF for Windows' number `id`.
    pub fn from_windows_id(id: u32) -> Option<MapType> {
        MapType::ALL.into_iter().find(|t| t.windows_id() == id)
    }

    /// The type with Linux's number `id`.
    pub fn from_linux_id(id: u32) -> Option<MapType> {
        MapType::ALL.into_iter().find(|t| t.linux_id() == id)
    }

    /// The display name (`hash`, `lru_percpu_hash`, ...), as eBPF for Windows and bpftool print it.
    pub fn name(self) -> &'static str {
        match self {
            MapType::Hash => "hash",
            MapType::Array => "array",
            MapType::ProgArray => "prog_array",
            MapType::PercpuHash => "percpu_hash",
            MapType::PercpuArray => "percpu_array",
            MapType::HashOfMaps => "hash_of_maps",
            MapType::ArrayOfMaps => "array_of_maps",
            MapType::LruHash => "lru_hash",
            MapType::LpmTrie => "lpm_trie",
            MapType::Queue => "queue",
            MapType::LruPercpuHash => "lru_percpu_hash",
            MapType::Stack => "stack",
            MapType::RingBuf => "ringbuf",
            MapType::PerfEventArray => "perf_event_array",
        }
    }

    /// Whether values are per CPU (user-side values are `round_up(value_size, 8) * cpus` bytes).
    pub fn is_per_cpu(self) -> bool {
        matches!(
            self,
            MapType::PercpuHash | MapType::PercpuArray | MapType::LruPercpuHash
        )
    }

    /// Whether keys are u32 indexes below `max_entries`.
    pub fn is_array(self) -> bool {
        matches!(
            self,
            MapType::Array | MapType::PercpuArray | MapType::ProgArray | MapType::ArrayOfMaps
        )
    }

    /// Whether values are ids of inner maps.
    pub fn is_map_of_maps(self) -> bool {
        matches!(self, MapType::ArrayOfMaps | MapType::HashOfMaps)
    }

    /// Whether the map has no keys (queue, stack, ring buffer, perf event array).
    pub fn is_keyless(self) -> bool {
        matches!(
            self,
            MapType::Queue | MapType::Stack | MapType::RingBuf | MapType::PerfEventArray
        )
    }
}

impl fmt::Display for MapType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
