//! Exact semantics of arrays, per-CPU arrays, hash maps, per-CPU hash maps and LRU maps, under
//! both the Windows and the Linux rules.

mod common;

use common::*;
use ebpf_kernel_host::error::errno::*;
use ebpf_kernel_host::maps::{update, MapDef, MapType, Semantics};
use ebpf_kernel_host::{EbpfResult, MapErrorKind};

use Semantics::{Linux, Windows};

#[test]
fn array_creation_rules() {
    let e = epoch(CPUS);
    for sem in [Windows, Linux] {
        for (def, why) in [
            (
                MapDef::new(MapType::Array, 8, 8, 4),
                "array keys must be 4 bytes",
            ),
            (
                MapDef::new(MapType::Array, 4, 8, 0),
                "max_entries must not be 0",
            ),
            (
                MapDef::new(MapType::Array, 4, 0, 4),
                "value_size must not be 0 for this map type",
            ),
            (
                MapDef::new(MapType::Array, 0, 8, 4),
                "key_size must not be 0 for this map type",
            ),
        ] {
            let err = ebpf_kernel_host::maps::Map::new(def, sem, e.clone(), 0).unwrap_err();
            assert_eq!(err.kind(), &MapErrorKind::InvalidDefinition { reason: why });
            assert_eq!(err.ebpf_result(), EbpfResult::InvalidArgument);
            assert!(
                err.to_string()
                    .starts_with("array map: create: invalid definition"),
                "{err}"
            );
        }
    }
    // Windows refuses map flags; Linux accepts its known ones.
    let def =
        MapDef::new(MapType::Array, 4, 8, 4).with_flags(ebpf_kernel_host::maps::flags::MMAPABLE);
    assert!(ebpf_kernel_host::maps::Map::new(def.clone(), Windows, e.clone(), 0).is_err());
    assert!(ebpf_kernel_host::maps::Map::new(def, Linux, e.clone(), 0).is_ok());
    // The 128 GiB allocation bound.
    let huge = MapDef::new(MapType::Array, 4, 1 << 20, 1 << 20);
    let err = ebpf_kernel_host::maps::Map::new(huge, Windows, e, 0).unwrap_err();
    assert_eq!(err.ebpf_result(), EbpfResult::InvalidArgument);
}

#[test]
fn array_update_lookup_and_flags() {
    for sem in [Windows, Linux] {
        let m = map(MapType::Array, 4, 8, 4, sem);
        assert_eq!(get64(&m, &k32(3)).unwrap(), 0, "preallocated and zeroed");
        m.update(&k32(1), &v64(11), update::ANY).unwrap();
        m.update(&k32(1), &v64(12), update::EXIST).unwrap();
        assert_eq!(get64(&m, &k32(1)).unwrap(), 12);
        let noexist = m.update(&k32(1), &v64(13), update::NOEXIST);
        match sem {
            Windows => expect_code(noexist, sem, -6),
            Linux => expect_code(noexist, sem, -(EEXIST as i64)),
        }
        expect_err(
            m.update(&k32(1), &v64(1), 3),
            EbpfResult::InvalidArgument,
            EINVAL,
            MapErrorKind::InvalidFlags { flags: 3 },
        );
        let oob = MapErrorKind::IndexOutOfRange {
            index: 4,
            max_entries: 4,
        };
        expect_err(
            m.update(&k32(4), &v64(1), 0),
            EbpfResult::InvalidArgument,
            E2BIG,
            oob.clone(),
        );
        expect_err(get64(&m, &k32(4)), EbpfResult::ObjectNotFound, ENOENT, oob);
        expect_err(
            m.update(&k32(0), &[0u8; 4], 0),
            EbpfResult::InvalidArgument,
            EINVAL,
            MapErrorKind::ValueSize {
                expected: 8,
                got: 4,
            },
        );
        expect_err(
            m.update(&[0u8; 8], &v64(1), 0),
            EbpfResult::InvalidArgument,
            EINVAL,
            MapErrorKind::KeySize {
                expected: 4,
                got: 8,
            },
        );
        let mut out = [0u8; 8];
        expect_code(
            m.lookup_and_delete(&k32(1), &mut out),
            sem,
            if sem == Windows {
                -6
            } else {
                -(ENOTSUPP as i64)
            },
        );
    }
}

#[test]
fn array_delete_differs() {
    let w = map(MapType::Array, 4, 8, 4, Windows);
    w.update(&k32(2), &v64(5), 0).unwrap();
    w.delete(&k32(2)).unwrap();
    assert_eq!(
        get64(&w, &k32(2)).unwrap(),
        0,
        "Windows delete zeroes the slot"
    );
    expect_code(w.delete(&k32(9)), Windows, -6);
    let l = map(MapType::Array, 4, 8, 4, Linux);
    l.update(&k32(2), &v64(5), 0).unwrap();
    expect_err(
        l.delete(&k32(2)),
        EbpfResult::InvalidArgument,
        EINVAL,
        MapErrorKind::NotSupported,
    );
    assert_eq!(get64(&l, &k32(2)).unwrap(), 5);
}

#[test]
fn array_next_key() {
    let mut next = [0u8; 4];
    for sem in [Windows, Linux] {
        let m = map(MapType::Array, 4, 8, 3, sem);
        m.next_key(None, &mut next).unwrap();
        assert_eq!(next, k32(0));
        m.next_key(Some(&k32(0)), &mut next).unwrap();
        assert_eq!(next, k32(1));
        m.next_key(Some(&k32(1)), &mut next).unwrap();
        assert_eq!(next, k32(2));
        let end = m.next_key(Some(&k32(2)), &mut next);
        match sem {
            Windows => expect_err(
                end,
                EbpfResult::NoMoreKeys,
                ENOENT,
                MapErrorKind::NoMoreKeys,
            ),
            Linux => expect_code(end, sem, -(ENOENT as i64)),
        }
        let past = m.next_key(Some(&k32(7)), &mut next);
        match sem {
            Windows => expect_code(past, sem, -25),
            Linux => {
                past.unwrap();
                assert_eq!(next, k32(0), "Linux restarts from 0 past the end");
            }
        }
    }
}

#[test]
fn array_program_pointer_is_in_place() {
    let m = map(MapType::Array, 4, 12, 2, Windows);
    let g = m.epoch().enter(0);
    let p = m.prog_lookup(&g, &k32(1)).unwrap();
    assert_eq!(p.as_ptr() as usize % 8, 0, "values are 8-byte aligned");
    // SAFETY: the pointer addresses element 1's 12 bytes, valid while the map lives; this CPU
    // is exclusive to the guard.
    unsafe { p.as_ptr().add(4).write(0xab) };
    m.prog_update(&g, &k32(0), &[7u8; 12], update::ANY).unwrap();
    drop(g);
    let mut out = [0u8; 12];
    m.lookup(&k32(1), &mut out).unwrap();
    assert_eq!(out, [0, 0, 0, 0, 0xab, 0, 0, 0, 0, 0, 0, 0]);
    m.lookup(&k32(0), &mut out).unwrap();
    assert_eq!(out, [7u8; 12]);
}

#[test]
fn percpu_array_padding_and_slices() {
    let m = map(MapType::PercpuArray, 4, 4, 2, Windows);
    assert_eq!(m.user_value_size(), 8 * CPUS, "round_up(4, 8) per CPU");
    let mut user = vec![0u8; 8 * CPUS];
    for cpu in 0..CPUS {
        user[cpu * 8..cpu * 8 + 4].copy_from_slice(&(100 + cpu as u32).to_ne_bytes());
    }
    m.update(&k32(1), &user, 0).unwrap();
    let g = m.epoch().enter(2);
    assert_eq!(g.cpu(), Some(2));
    let p = m.prog_lookup(&g, &k32(1)).unwrap();
    // SAFETY: the pointer addresses CPU 2's 4-byte slice of element 1, valid while the map lives.
    let v = unsafe { p.as_ptr().cast::<u32>().read() };
    assert_eq!(v, 102);
    m.prog_update(&g, &k32(1), &7u32.to_ne_bytes(), 0).unwrap();
    drop(g);
    let mut out = vec![0u8; 8 * CPUS];
    m.lookup(&k32(1), &mut out).unwrap();
    let slices: Vec<u32> = (0..CPUS)
        .map(|c| u32::from_ne_bytes(out[c * 8..c * 8 + 4].try_into().unwrap()))
        .collect();
    assert_eq!(
        slices,
        [100, 101, 7, 103],
        "only the current CPU's slice changed"
    );
    assert!(
        out.chunks(8).all(|c| c[4..] == [0, 0, 0, 0]),
        "padding is zero"
    );
    // A user-side guard has no CPU.
    let pin = m.epoch().pin();
    expect_err(
        m.prog_lookup(&pin, &k32(1)),
        EbpfResult::InvalidArgument,
        EINVAL,
        MapErrorKind::NoCpu,
    );
    // A guard of another epoch is refused.
    let other = epoch(CPUS);
    let foreign = other.enter(0);
    expect_err(
        m.prog_lookup(&foreign, &k32(1)),
        EbpfResult::InvalidArgument,
        EINVAL,
        MapErrorKind::ForeignGuard,
    );
}

#[test]
fn hash_flags_and_errors() {
    for sem in [Windows, Linux] {
        let m = map(MapType::Hash, 8, 8, 16, sem);
        let k = v64(42);
        expect_err(
            m.update(&k, &v64(1), update::EXIST),
            EbpfResult::KeyNotFound,
            ENOENT,
            MapErrorKind::KeyNotFound,
        );
        m.update(&k, &v64(1), update::NOEXIST).unwrap();
        expect_err(
            m.update(&k, &v64(2), update::NOEXIST),
            EbpfResult::ObjectAlreadyExists,
            EEXIST,
            MapErrorKind::AlreadyExists,
        );
        m.update(&k, &v64(3), update::EXIST).unwrap();
        assert_eq!(get64(&m, &k).unwrap(), 3);
        m.update(&k, &v64(4), update::ANY).unwrap();
        assert_eq!(get64(&m, &k).unwrap(), 4);
        expect_err(
            m.update(&k, &v64(4), 7),
            EbpfResult::InvalidArgument,
            EINVAL,
            MapErrorKind::InvalidFlags { flags: 7 },
        );
        m.delete(&k).unwrap();
        expect_err(
            m.delete(&k),
            EbpfResult::KeyNotFound,
            ENOENT,
            MapErrorKind::KeyNotFound,
        );
        expect_err(
            get64(&m, &k),
            EbpfResult::KeyNotFound,
            ENOENT,
            MapErrorKind::KeyNotFound,
        );
        // Helper return values: negated ebpf_result on Windows, negated errno on Linux.
        let e = m.delete(&k).unwrap_err();
        assert_eq!(e.helper_return(sem), if sem == Windows { -19 } else { -2 });
        assert_eq!(e.errno(sem), 2);
    }
}

#[test]
fn hash_max_entries_is_enforced() {
    for (sem, code) in [(Windows, -29), (Linux, -(E2BIG as i64))] {
        let m = map(MapType::Hash, 4, 8, 2, sem);
        m.update(&k32(1), &v64(1), 0).unwrap();
        m.update(&k32(2), &v64(2), 0).unwrap();
        let full = m.update(&k32(3), &v64(3), 0);
        let e = full.as_ref().unwrap_err().clone();
        assert_eq!(e.kind(), &MapErrorKind::Full { max_entries: 2 });
        expect_code(full, sem, code);
        m.update(&k32(2), &v64(22), 0).unwrap();
        m.delete(&k32(1)).unwrap();
        m.update(&k32(3), &v64(3), 0).unwrap();
        assert_eq!(m.len(), 2);
    }
}

#[test]
fn hash_next_key_walks_every_key_once() {
    let m = map(MapType::Hash, 4, 8, 64, Windows);
    for k in 0..50u32 {
        m.update(&k32(k * 7), &v64(u64::from(k)), 0).unwrap();
    }
    let mut seen = Vec::new();
    let mut key = [0u8; 4];
    let mut prev: Option<[u8; 4]> = None;
    loop {
        match m.next_key(prev.as_ref().map(|k| &k[..]), &mut key) {
            Ok(()) => {
                seen.push(u32::from_ne_bytes(key));
                prev = Some(key);
            }
            Err(e) => {
                assert_eq!(e.ebpf_result(), EbpfResult::NoMoreKeys);
                break;
            }
        }
    }
    seen.sort();
    assert_eq!(seen, (0..50).map(|k| k * 7).collect::<Vec<_>>());
    // A missing key restarts from the first key.
    let mut first = [0u8; 4];
    m.next_key(None, &mut first).unwrap();
    m.next_key(Some(&k32(1)), &mut key).unwrap();
    assert_eq!(key, first);
}

#[test]
fn hash_program_pointer_survives_delete_and_replace() {
    let m = map(MapType::Hash, 4, 8, 8, Windows);
    m.update(&k32(1), &v64(100), 0).unwrap();
    m.update(&k32(2), &v64(200), 0).unwrap();
    let g = m.epoch().enter(0);
    let p1 = m.prog_lookup(&g, &k32(1)).unwrap();
    let p2 = m.prog_lookup(&g, &k32(2)).unwrap();
    m.delete(&k32(1)).unwrap();
    m.update(&k32(2), &v64(201), 0).unwrap();
    m.epoch().collect();
    // SAFETY: both pointers came from lookups under `g`, which is still alive: the retired
    // entries are not freed before it drops.
    unsafe {
        assert_eq!(p1.as_ptr().cast::<u64>().read(), 100);
        assert_eq!(
            p2.as_ptr().cast::<u64>().read(),
            200,
            "an update does not write through old pointers"
        );
    }
    assert!(m.prog_lookup(&g, &k32(1)).is_err());
    assert!(
        m.epoch().pending() >= 2,
        "the unlinked chains wait for the guard"
    );
    drop(g);
    m.epoch().synchronize();
    assert_eq!(m.epoch().pending(), 0);
    assert_eq!(get64(&m, &k32(2)).unwrap(), 201);
}

#[test]
fn hash_lookup_and_delete() {
    let m = map(MapType::Hash, 4, 8, 8, Windows);
    m.update(&k32(5), &v64(55), 0).unwrap();
    let mut out = [0u8; 8];
    m.lookup_and_delete(&k32(5), &mut out).unwrap();
    assert_eq!(u64::from_ne_bytes(out), 55);
    expect_code(m.lookup_and_delete(&k32(5), &mut out), Windows, -19);
    m.update(&k32(6), &v64(66), 0).unwrap();
    let g = m.epoch().enter(1);
    let p = m.prog_lookup_and_delete(&g, &k32(6)).unwrap();
    // SAFETY: the value was unlinked under `g`, which is alive, so its memory is not yet freed.
    assert_eq!(unsafe { p.as_ptr().cast::<u64>().read() }, 66);
    assert!(m.is_empty());
}

#[test]
fn percpu_hash_program_update_writes_one_slice() {
    let m = map(MapType::PercpuHash, 4, 4, 8, Windows);
    let g = m.epoch().enter(1);
    m.prog_update(&g, &k32(9), &5u32.to_ne_bytes(), update::ANY)
        .unwrap();
    m.prog_update(&g, &k32(9), &6u32.to_ne_bytes(), update::EXIST)
        .unwrap();
    expect_code(
        m.prog_update(&g, &k32(9), &6u32.to_ne_bytes(), update::NOEXIST),
        Windows,
        -8,
    );
    expect_code(
        m.prog_update(&g, &k32(8), &6u32.to_ne_bytes(), update::EXIST),
        Windows,
        -19,
    );
    let p = m.prog_lookup(&g, &k32(9)).unwrap();
    // SAFETY: CPU 1's slice of key 9, under the live guard `g`.
    assert_eq!(unsafe { p.as_ptr().cast::<u32>().read() }, 6);
    drop(g);
    let mut out = vec![0u8; 8 * CPUS];
    m.lookup(&k32(9), &mut out).unwrap();
    let mut expected = vec![0u8; 8 * CPUS];
    expected[8..12].copy_from_slice(&6u32.to_ne_bytes());
    assert_eq!(out, expected, "other CPUs' slices are zero");
}

/// Key `k` with an LRU map's insert and lookup helpers.
fn lru_keys(m: &ebpf_kernel_host::maps::Map) -> Vec<u32> {
    let mut keys = Vec::new();
    m.for_each(|k, _| keys.push(u32::from_ne_bytes(k.try_into().unwrap())));
    keys.sort();
    keys
}

#[test]
fn lru_evicts_least_recently_used() {
    for t in [MapType::LruHash, MapType::LruPercpuHash] {
        let m = map(t, 4, 8, 3, Windows);
        let v = vec![1u8; m.user_value_size()];
        for k in [1, 2, 3] {
            m.update(&k32(k), &v, 0).unwrap();
        }
        // A program touches 1: 2 is now the least recently used.
        let g = m.epoch().enter(0);
        m.prog_lookup(&g, &k32(1)).unwrap();
        drop(g);
        m.update(&k32(4), &v, 0).unwrap();
        assert_eq!(lru_keys(&m), [1, 3, 4], "{t}");
        // 3 was used (inserted) before 1's touch: it goes next.
        m.update(&k32(5), &v, 0).unwrap();
        assert_eq!(lru_keys(&m), [1, 4, 5], "{t}");
        // Replacing counts as a use.
        m.update(&k32(1), &v, update::EXIST).unwrap();
        m.update(&k32(6), &v, 0).unwrap();
        assert_eq!(lru_keys(&m), [1, 5, 6], "{t}");
        // NOEXIST on a present key still fails rather than evicting.
        expect_code(m.update(&k32(5), &v, update::NOEXIST), Windows, -8);
        assert_eq!(m.len(), 3);
    }
}

#[test]
fn lru_user_lookups_do_not_touch() {
    let m = map(MapType::LruHash, 4, 8, 3, Linux);
    for k in [1, 2, 3] {
        m.update(&k32(k), &v64(u64::from(k)), 0).unwrap();
    }
    assert_eq!(get64(&m, &k32(1)).unwrap(), 1);
    m.update(&k32(4), &v64(4), 0).unwrap();
    assert_eq!(lru_keys(&m), [2, 3, 4], "user lookup left 1 the oldest");
    // Deleting frees room without eviction.
    m.delete(&k32(3)).unwrap();
    m.update(&k32(5), &v64(5), 0).unwrap();
    assert_eq!(lru_keys(&m), [2, 4, 5]);
}
