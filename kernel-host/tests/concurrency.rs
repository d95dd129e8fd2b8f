//! Eight threads run "programs" (program-side lookups and per-CPU counter increments, in
//! batches under one guard) while another thread updates, replaces and deletes entries: no
//! reader ever sees freed or foreign memory, and the per-CPU counters sum exactly.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;

use ebpf_kernel_host::maps::{update, Map, MapDef, MapType, Semantics};
use ebpf_kernel_host::Epoch;

const READERS: usize = 8;
const CPUS: usize = 4;
const BATCHES: u64 = 20_000;
const PER_BATCH: u64 = 8;
const KEYS: u32 = 64;

/// A value that names its key, so a reader can tell a live value from freed memory.
fn value(key: u32, generation: u64) -> [u8; 16] {
    let mut v = [0u8; 16];
    v[..8].copy_from_slice(&(u64::from(key) | 0xfeed_0000_0000_0000).to_ne_bytes());
    v[8..].copy_from_slice(&generation.to_ne_bytes());
    v
}

fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn readers_and_a_writer() {
    let epoch = Arc::new(Epoch::with_slots(CPUS, 16, thread::yield_now));
    let new = |def| Arc::new(Map::new(def, Semantics::Windows, epoch.clone(), 99).unwrap());
    let counters = new(MapDef::new(MapType::PercpuArray, 4, 8, 1));
    let hash_counters = new(MapDef::new(MapType::PercpuHash, 4, 8, 4));
    let table = new(MapDef::new(MapType::Hash, 4, 16, KEYS));
    let lru = new(MapDef::new(MapType::LruHash, 4, 16, KEYS / 2));
    hash_counters
        .update(&0u32.to_ne_bytes(), &[0u8; 8 * CPUS], update::NOEXIST)
        .unwrap();
    for k in 0..KEYS {
        table
            .update(&k.to_ne_bytes(), &value(k, 0), update::ANY)
            .unwrap();
    }
    let stop = Arc::new(AtomicBool::new(false));
    let hits = Arc::new(AtomicU64::new(0));

    let writer = {
        let (table, lru, stop, epoch) = (table.clone(), lru.clone(), stop.clone(), epoch.clone());
        thread::spawn(move || {
            let mut rng = 0x1234_5678_9abc_def0u64;
            let mut generation = 0;
            while !stop.load(Ordering::Relaxed) {
                generation += 1;
                let k = (xorshift(&mut rng) % u64::from(KEYS)) as u32;
                match xorshift(&mut rng) % 4 {
                    0 => {
                        let _ = table.delete(&k.to_ne_bytes());
                    }
                    _ => table
                        .update(&k.to_ne_bytes(), &value(k, generation), update::ANY)
                        .unwrap(),
                }
                // The LRU map is kept full, so inserts evict.
                lru.update(&k.to_ne_bytes(), &value(k, generation), update::ANY)
                    .unwrap();
                if generation % 4096 == 0 {
                    epoch.synchronize();
                }
            }
        })
    };

    let readers: Vec<_> = (0..READERS)
        .map(|t| {
            let (epoch, counters, hash_counters, table, lru, hits) = (
                epoch.clone(),
                counters.clone(),
                hash_counters.clone(),
                table.clone(),
                lru.clone(),
                hits.clone(),
            );
            thread::spawn(move || {
                let mut rng = 0x9e37_79b9_7f4a_7c15u64 ^ (t as u64 + 1);
                for _ in 0..BATCHES {
                    // One batch: enter once, run several invocations, exit.
                    let guard = epoch.enter(t);
                    for _ in 0..PER_BATCH {
                        let k = (xorshift(&mut rng) % u64::from(KEYS)) as u32;
                        for map in [&table, &lru] {
                            if let Ok(p) = map.prog_lookup(&guard, &k.to_ne_bytes()) {
                                // SAFETY: the value pointer is valid until `guard` drops, even
                                // if the writer deletes or replaces the entry meanwhile.
                                let tag = unsafe { p.as_ptr().cast::<u64>().read() };
                                assert_eq!(
                                    tag,
                                    u64::from(k) | 0xfeed_0000_0000_0000,
                                    "value of key {k}"
                                );
                                hits.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        for map in [&counters, &hash_counters] {
                            let p = map.prog_lookup(&guard, &0u32.to_ne_bytes()).unwrap();
                            // SAFETY: this CPU's slice of the counter, valid while the map
                            // lives; the guard owns the CPU, so no other thread touches it.
                            unsafe {
                                let c = p.as_ptr().cast::<u64>();
                                c.write(c.read() + 1);
                            }
                        }
                    }
                }
            })
        })
        .collect();
    for r in readers {
        r.join().unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();

    let expected = READERS as u64 * BATCHES * PER_BATCH;
    for map in [&counters, &hash_counters] {
        let mut all = vec![0u8; 8 * CPUS];
        map.lookup(&0u32.to_ne_bytes(), &mut all).unwrap();
        let sum: u64 = all
            .chunks(8)
            .map(|c| u64::from_ne_bytes(c.try_into().unwrap()))
            .sum();
        assert_eq!(sum, expected, "{} counters", map.map_type());
    }
    assert!(hits.load(Ordering::Relaxed) > 0);
    epoch.synchronize();
    assert_eq!(epoch.pending(), 0);
}
