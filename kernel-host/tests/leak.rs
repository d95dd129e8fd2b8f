//! A counting global allocator returns to its starting level once maps are dropped and the
//! epoch has reclaimed everything retired: no leak. One test in this binary, so no other test
//! allocates while it counts.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::Arc;
use std::thread;

use ebpf_kernel_host::maps::{flags, update, Map, MapDef, MapType, Semantics};
use ebpf_kernel_host::Epoch;

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts the bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::SeqCst);
        // SAFETY: the caller's contract for `alloc` is passed on unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::SeqCst);
        // SAFETY: `ptr` was allocated by `System` with `layout` (see `alloc`).
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn exercise(epoch: &Arc<Epoch>) {
    let defs = [
        MapDef::new(MapType::Hash, 4, 8, 16),
        MapDef::new(MapType::PercpuHash, 4, 8, 16),
        MapDef::new(MapType::LruHash, 4, 8, 8),
        MapDef::new(MapType::LruPercpuHash, 4, 8, 8),
        MapDef::new(MapType::Array, 4, 8, 16),
        MapDef::new(MapType::PercpuArray, 4, 8, 16),
        MapDef::new(MapType::LpmTrie, 8, 8, 16).with_flags(flags::NO_PREALLOC),
        MapDef::new(MapType::Queue, 0, 8, 8),
        MapDef::new(MapType::Stack, 0, 8, 8),
        MapDef::new(MapType::ProgArray, 4, 4, 8),
        MapDef::new(MapType::RingBuf, 0, 0, 4096),
        MapDef::new(MapType::PerfEventArray, 4, 4, 2),
        MapDef::new(MapType::HashOfMaps, 4, 4, 8).with_inner(MapDef::new(MapType::Array, 4, 8, 1)),
    ];
    let maps: Vec<Arc<Map>> = defs
        .into_iter()
        .map(|d| Arc::new(Map::new(d, Semantics::Linux, epoch.clone(), 7).unwrap()))
        .collect();
    for m in &maps {
        if let Some(perf) = m.as_perf_event_array() {
            perf.open_all();
        }
    }
    let workers: Vec<_> = (0..3)
        .map(|t| {
            let (maps, epoch) = (maps.clone(), epoch.clone());
            thread::spawn(move || {
                for i in 0..2_000u32 {
                    let k = (i * 7 + t) % 24;
                    for m in &maps {
                        let value = vec![(i % 251) as u8; m.user_value_size()];
                        let guard = epoch.enter(t as usize);
                        match m.map_type() {
                            MapType::LpmTrie => {
                                let key = [24u32.to_ne_bytes(), k.to_ne_bytes()].concat();
                                let _ = m.update(&key, &value, update::ANY);
                                let _ = m.prog_lookup(&guard, &key);
                                if i % 3 == 0 {
                                    let _ = m.delete(&key);
                                }
                            }
                            MapType::Queue | MapType::Stack => {
                                let _ = m.push(&value, update::EXIST);
                                let _ = m.pop(&mut [0u8; 8]);
                            }
                            MapType::RingBuf => {
                                let _ = m.ringbuf_output(&guard, &value[..0], 0);
                                let _ = m.ringbuf_output(&guard, &[1, 2, 3], 0);
                                m.as_ringbuf().unwrap().consume(|_| ());
                            }
                            MapType::PerfEventArray => {
                                let _ = m.perf_event_output(&guard, u32::MAX, &[b"record"]);
                                m.as_perf_event_array().unwrap().read_all(|_, _| ());
                            }
                            MapType::HashOfMaps => {
                                let inner = MapDef::new(MapType::Array, 4, 8, 1);
                                let _ = m.update_inner(&k.to_ne_bytes(), i, &inner, update::ANY);
                                let _ = m.delete(&((k + 1) % 24).to_ne_bytes());
                            }
                            _ => {
                                let key = k.to_ne_bytes();
                                let _ = m.update(&key, &value, update::ANY);
                                let _ = m.prog_lookup(&guard, &key);
                                let _ = m.prog_update(
                                    &guard,
                                    &key,
                                    &value[..m.def().value_size as usize],
                                    update::ANY,
                                );
                                if i % 5 == 0 {
                                    let _ = m.delete(&key);
                                    let _ = m.prog_lookup_and_delete(
                                        &guard,
                                        &((k + 3) % 24).to_ne_bytes(),
                                    );
                                }
                            }
                        }
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
}

#[test]
fn maps_and_epochs_do_not_leak() {
    // Warm up whatever the runtime allocates once (thread bookkeeping, stdout).
    exercise(&Arc::new(Epoch::with_slots(4, 8, thread::yield_now)));
    let start = LIVE.load(Ordering::SeqCst);
    let epoch = Arc::new(Epoch::with_slots(4, 8, thread::yield_now));
    exercise(&epoch);
    epoch.synchronize();
    assert_eq!(
        epoch.pending(),
        0,
        "synchronize reclaimed every retired object"
    );
    assert!(
        LIVE.load(Ordering::SeqCst) > start,
        "the epoch itself is still allocated"
    );
    drop(epoch);
    assert_eq!(
        LIVE.load(Ordering::SeqCst),
        start,
        "bytes still allocated after everything was dropped"
    );
}
