//! [`MapDef`]: a map's creation parameters, and the creation-time rules (efw-facts §3.4, and
//! Linux's `map_alloc_check`s where the semantics differ).

use alloc::boxed::Box;

use super::types::MapType;
use crate::error::{errno, EbpfResult, Failure, MapErrorKind};

/// Whose rules a map follows where eBPF for Windows and Linux differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Semantics {
    /// Linux's: errno codes, array delete rejected, `BPF_F_NO_PREALLOC` on LPM tries, ...
    Linux,
    /// eBPF for Windows': `ebpf_result_t` codes, array delete zeroes, ...
    Windows,
}

/// Linux map flags (`BPF_F_*`) this host accepts under [`Semantics::Linux`].
pub mod flags {
    /// `BPF_F_NO_PREALLOC`: required by LPM tries on Linux; no effect here.
    pub const NO_PREALLOC: u32 = 1;
    /// `BPF_F_NO_COMMON_LRU`.
    pub const NO_COMMON_LRU: u32 = 2;
    /// `BPF_F_NUMA_NODE`.
    pub const NUMA_NODE: u32 = 4;
    /// `BPF_F_RDONLY`.
    pub const RDONLY: u32 = 8;
    /// `BPF_F_WRONLY`.
    pub const WRONLY: u32 = 16;
    /// `BPF_F_ZERO_SEED`.
    pub const ZERO_SEED: u32 = 64;
    /// `BPF_F_RDONLY_PROG`.
    pub const RDONLY_PROG: u32 = 128;
    /// `BPF_F_WRONLY_PROG`.
    pub const WRONLY_PROG: u32 = 256;
    /// `BPF_F_MMAPABLE`.
    pub const MMAPABLE: u32 = 1024;
    /// `BPF_F_PRESERVE_ELEMS`.
    pub const PRESERVE_ELEMS: u32 = 2048;
    /// `BPF_F_INNER_MAP`.
    pub const INNER_MAP: u32 = 4096;
    /// Every flag above.
    pub const ACCEPTED: u32 = NO_PREALLOC
        | NO_COMMON_LRU
        | NUMA_NODE
        | RDONLY
        | WRONLY
        | ZERO_SEED
        | RDONLY_PROG
        | WRONLY_PROG
        | MMAPABLE
        | PRESERVE_ELEMS
        | INNER_MAP;
}

/// Update flags (`BPF_ANY`, `BPF_NOEXIST`, `BPF_EXIST`).
pub mod update {
    /// Insert or replace.
    pub const ANY: u64 = 0;
    /// Insert only; an existing key fails.
    pub const NOEXIST: u64 = 1;
    /// Replace only; a missing key fails (for queues and stacks: overwrite the oldest when full).
    pub const EXIST: u64 = 2;
}

/// The page size ring buffers are measured in.
pub const PAGE_SIZE: u32 = 4096;

/// The longest key this host accepts for hash-based maps (Linux's `MAX_BPF_STACK`).
pub const MAX_HASH_KEY: u32 = 512;

/// The longest LPM data this host accepts (Linux's `LPM_DATA_SIZE_MAX`): keys are at most
/// `4 + 256` bytes.
pub const MAX_LPM_DATA: u32 = 256;

/// The largest array allocation (eBPF for Windows' `EBPF_MAP_MAXIMUM_ALLOCATION`, 2^37 bytes).
pub const MAX_ARRAY_BYTES: u64 = 1 << 37;

/// A map's creation parameters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MapDef {
    /// The type.
    pub map_type: MapType,
    /// Key size in bytes (4 for arrays, 0 for queues, stacks and ring buffers).
    pub key_size: u32,
    /// Value size in bytes (per CPU, before padding, for per-CPU maps).
    pub value_size: u32,
    /// Entry limit; the data capacity in bytes for ring buffers (and perf rings on Windows).
    pub max_entries: u32,
    /// Map flags (`BPF_F_*`; must be 0 under Windows semantics).
    pub flags: u32,
    /// The inner-map template of a map of maps.
    pub inner: Option<Box<MapDef>>,
}

impl MapDef {
    /// A definition with no flags and no inner template.
    pub fn new(map_type: MapType, key_size: u32, value_size: u32, max_entries: u32) -> Self {
        MapDef {
            map_type,
            key_size,
            value_size,
            max_entries,
            flags: 0,
            inner: None,
        }
    }

    /// The same definition with `flags`.
    pub fn with_flags(mut self, flags: u32) -> Self {
        self.flags = flags;
        self
    }

    /// The same definition with an inner-map template.
    pub fn with_inner(mut self, inner: MapDef) -> Self {
        self.inner = Some(Box::new(inner));
        self
    }

    /// Bytes of one CPU's slice of a per-CPU value: the value size rounded up to 8.
    pub fn padded_value_size(&self) -> usize {
        (self.value_size as usize).div_ceil(8) * 8
    }

    /// The length of value buffers on the user side with `cpus` CPUs:
    /// `round_up(value_size, 8) * cpus` for per-CPU maps, `value_size` otherwise (4 for
    /// program and map arrays, whose values are ids).
    pub fn user_value_size(&self, cpus: usize) -> usize {
        if self.map_type.is_per_cpu() {
            self.padded_value_size() * cpus
        } else {
            self.value_size as usize
        }
    }

    /// Checks the creation rules for `semantics` on a machine with `cpus` CPUs.
    pub(crate) fn validate(&self, semantics: Semantics, cpus: usize) -> Result<(), Failure> {
        use MapType::*;
        let t = self.map_type;
        let linux = semantics == Semantics::Linux;
        let fail = |reason| Err(Failure::invalid_def(reason));
        if self.max_entries == 0 {
            return fail("max_entries must not be 0");
        }
        match semantics {
            Semantics::Windows if self.flags != 0 => {
                return fail("map flags are not supported and must be 0");
            }
            Semantics::Linux if self.flags & !flags::ACCEPTED != 0 => {
                return fail("unknown map flags");
            }
            _ => {}
        }
        let keyless = match t {
            Queue | Stack | RingBuf => true,
            PerfEventArray => !linux,
            _ => false,
        };
        if self.key_size == 0 && !keyless {
            return fail("key_size must not be 0 for this map type");
        }
        if keyless && self.key_size != 0 {
            return fail("key_size must be 0 for this map type");
        }
        let valueless = t == RingBuf || (t == PerfEventArray && !linux);
        if self.value_size == 0 && !valueless {
            return fail("value_size must not be 0 for this map type");
        }
        match (&self.inner, t.is_map_of_maps()) {
            (Some(_), false) => return fail("an inner map template is only for maps of maps"),
            (None, true) => return fail("a map of maps needs an inner map template"),
            (Some(inner), true) => {
                if inner.map_type.is_map_of_maps() {
                    return fail("an inner map cannot itself be a map of maps");
                }
                inner.validate(semantics, cpus)?;
            }
            (None, false) => {}
        }
        if t.is_array() && self.key_size != 4 {
            return fail("array keys must be 4 bytes");
        }
        if matches!(t, ProgArray | ArrayOfMaps | HashOfMaps) && self.value_size != 4 {
            return fail("values of program and map arrays are 4-byte ids");
        }
        if matches!(t, Hash | PercpuHash | LruHash | LruPercpuHash | HashOfMaps)
            && self.key_size > MAX_HASH_KEY
        {
            return Err(Failure::new(
                MapErrorKind::InvalidDefinition {
                    reason: "hash keys are at most 512 bytes",
                },
                EbpfResult::InvalidArgument,
                errno::E2BIG,
            ));
        }
        if t == LpmTrie {
            let min = if linux { 5 } else { 4 };
            if self.key_size < min || self.key_size > 4 + MAX_LPM_DATA {
                return fail("LPM keys are a 4-byte prefix length and 1 to 256 data bytes");
            }
            if linux && self.flags & flags::NO_PREALLOC == 0 {
                return fail("LPM tries need BPF_F_NO_PREALLOC on Linux");
            }
        }
        let ring = t == RingBuf || (t == PerfEventArray && !linux);
        if ring {
            if linux && t == RingBuf && self.value_size != 0 {
                return fail("ring buffer value_size must be 0");
            }
            if !self.max_entries.is_power_of_two() || self.max_entries % PAGE_SIZE != 0 {
                return fail("ring size must be a power of two and a multiple of 4096");
            }
        }
        if t == PerfEventArray && linux && (self.key_size != 4 || self.value_size != 4) {
            return fail("perf event array keys and values are 4 bytes on Linux");
        }
        if t.is_per_cpu() {
            let total = (self.padded_value_size() as u64).checked_mul(cpus as u64);
            if linux && self.value_size > 32768 {
                return Err(Failure::new(
                    MapErrorKind::InvalidDefinition {
                        reason: "per-CPU values are at most 32 KiB on Linux",
                    },
                    EbpfResult::InvalidArgument,
                    errno::E2BIG,
                ));
            }
            if !matches!(total, Some(n) if n <= u64::from(u32::MAX)) {
                return Err(Failure::new(
                    MapErrorKind::ArithmeticOverflow,
                    EbpfResult::ArithmeticOverflow,
                    errno::E2BIG,
                ));
            }
        }
        if matches!(t, Array | PercpuArray) {
            let stride = self.user_value_size(cpus).div_ceil(8) as u64 * 8;
            if stride * u64::from(self.max_entries) > MAX_ARRAY_BYTES {
                return Err(Failure::new(
                    MapErrorKind::InvalidDefinition {
                        reason: "array storage exceeds 128 GiB",
                    },
                    EbpfResult::InvalidArgument,
                    errno::E2BIG,
                ));
            }
        }
        Ok(())
    }
}
