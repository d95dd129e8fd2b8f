//! [`Limits`]: what one context lets requests cost, and [`map_bytes`], the memory estimate of a
//! map that the map limits are checked against.

use crate::maps::{MapDef, MapType};

/// The limits of one [`ExecutionContext`](super::ExecutionContext).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Longest request, header included (16 MiB: room for large ELF objects).
    pub max_message: usize,
    /// Most handles open at once (4096).
    pub max_handles: usize,
    /// Most runs of one test run (1,048,576).
    pub max_repeat: u32,
    /// Most estimated bytes of one map ([`map_bytes`]; 256 MiB).
    pub max_map_bytes: u64,
    /// Most estimated bytes of every live map of the host together (1 GiB).
    pub max_total_map_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message: 16 << 20,
            max_handles: 4096,
            max_repeat: 1 << 20,
            max_map_bytes: 256 << 20,
            max_total_map_bytes: 1 << 30,
        }
    }
}

/// An upper estimate of the memory a map of `def` takes with `cpus` CPUs: its preallocated
/// storage, or its entries at `max_entries` with their per-entry overhead for hash-based maps.
pub fn map_bytes(def: &MapDef, cpus: usize) -> u64 {
    // In u128: every product below fits (at most 2^32 entries of 2^35-byte values on up to
    // 2^64 CPUs would not, so the CPU count is capped far above any machine's).
    let cpus = cpus.clamp(1, 1 << 16) as u128;
    let round8 = |n: u32| u128::from(n).div_ceil(8) * 8;
    let max = u128::from(def.max_entries);
    let value = if def.map_type.is_per_cpu() {
        round8(def.value_size) * cpus
    } else {
        round8(def.value_size)
    };
    let bytes = match def.map_type {
        MapType::Array | MapType::PercpuArray => max * value,
        MapType::ProgArray | MapType::ArrayOfMaps => max * 16,
        MapType::Hash
        | MapType::PercpuHash
        | MapType::LruHash
        | MapType::LruPercpuHash
        | MapType::HashOfMaps
        | MapType::LpmTrie => {
            let buckets = max.max(1).next_power_of_two().min(1 << 20);
            buckets * 16 + max * (round8(def.key_size) + value + 64)
        }
        MapType::Queue | MapType::Stack => max * (value + 8),
        MapType::RingBuf => 2 * max,
        // Windows: one ring of max_entries bytes per CPU; Linux: 64 KiB rings.
        MapType::PerfEventArray => 2 * cpus * max.max(u128::from(crate::maps::LINUX_RING_SIZE)),
    };
    u64::try_from(bytes).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_estimate_saturates_instead_of_overflowing() {
        let widest = MapDef::new(MapType::PercpuHash, u32::MAX, u32::MAX, u32::MAX);
        assert_eq!(map_bytes(&widest, 4096), u64::MAX);
        let array = MapDef::new(MapType::Array, 4, 8, 1000);
        assert_eq!(map_bytes(&array, 2), 8000);
    }
}
