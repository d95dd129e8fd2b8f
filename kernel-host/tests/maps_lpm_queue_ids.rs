//! Exact semantics of LPM tries, queues and stacks, program arrays and maps of maps.

mod common;

use common::*;
use ebpf_kernel_host::error::errno::*;
use ebpf_kernel_host::maps::{flags, update, Map, MapDef, MapType, Semantics};
use ebpf_kernel_host::{EbpfResult, MapErrorKind};

use Semantics::{Linux, Windows};

/// An IPv4 LPM key.
fn lpm_key(prefix_len: u32, ip: [u8; 4]) -> [u8; 8] {
    let mut k = [0u8; 8];
    k[..4].copy_from_slice(&prefix_len.to_ne_bytes());
    k[4..].copy_from_slice(&ip);
    k
}

fn lpm(sem: Semantics, max: u32) -> Map {
    let def = MapDef::new(MapType::LpmTrie, 8, 8, max);
    let def = if sem == Linux {
        def.with_flags(flags::NO_PREALLOC)
    } else {
        def
    };
    map_on(&epoch(CPUS), def, sem)
}

#[test]
fn lpm_longest_prefix_wins() {
    for sem in [Windows, Linux] {
        let m = lpm(sem, 16);
        m.update(&lpm_key(0, [0, 0, 0, 0]), &v64(0), 0).unwrap();
        m.update(&lpm_key(8, [10, 0, 0, 0]), &v64(8), 0).unwrap();
        m.update(&lpm_key(16, [10, 1, 0, 0]), &v64(16), 0).unwrap();
        m.update(&lpm_key(32, [10, 1, 2, 3]), &v64(32), 0).unwrap();
        m.update(&lpm_key(20, [192, 168, 16, 0]), &v64(20), 0)
            .unwrap();
        let cases = [
            (32, [10, 1, 2, 3], 32),
            (32, [10, 1, 2, 4], 16),
            (32, [10, 2, 0, 0], 8),
            (32, [11, 0, 0, 0], 0),
            (32, [192, 168, 31, 255], 20),
            (32, [192, 168, 32, 0], 0),
            // A shorter query only sees prefixes at most as long.
            (16, [10, 1, 2, 3], 16),
            (12, [10, 1, 2, 3], 8),
            (0, [10, 1, 2, 3], 0),
        ];
        for (len, ip, want) in cases {
            assert_eq!(
                get64(&m, &lpm_key(len, ip)).unwrap(),
                want,
                "{ip:?}/{len} ({sem:?})"
            );
            let g = m.epoch().enter(0);
            let p = m.prog_lookup(&g, &lpm_key(len, ip)).unwrap();
            // SAFETY: the value pointer is valid while `g` lives.
            assert_eq!(unsafe { p.as_ptr().cast::<u64>().read() }, want);
        }
        // Without /0 an unrelated address misses.
        m.delete(&lpm_key(0, [0, 0, 0, 0])).unwrap();
        expect_err(
            get64(&m, &lpm_key(32, [11, 0, 0, 0])),
            EbpfResult::KeyNotFound,
            ENOENT,
            MapErrorKind::KeyNotFound,
        );
        // Delete needs the exact prefix.
        expect_err(
            m.delete(&lpm_key(24, [10, 1, 2, 0])),
            EbpfResult::KeyNotFound,
            ENOENT,
            MapErrorKind::KeyNotFound,
        );
        m.delete(&lpm_key(32, [10, 1, 2, 3])).unwrap();
        assert_eq!(get64(&m, &lpm_key(32, [10, 1, 2, 3])).unwrap(), 16);
    }
}

#[test]
fn lpm_keys_are_stored_masked() {
    let m = lpm(Windows, 4);
    m.update(&lpm_key(8, [10, 9, 9, 9]), &v64(1), 0).unwrap();
    // The same prefix with other host bits is the same entry.
    expect_code(
        m.update(&lpm_key(8, [10, 7, 7, 7]), &v64(2), update::NOEXIST),
        Windows,
        -8,
    );
    m.update(&lpm_key(8, [10, 7, 7, 7]), &v64(2), update::ANY)
        .unwrap();
    assert_eq!(m.len(), 1);
    let mut key = [0u8; 8];
    m.next_key(None, &mut key).unwrap();
    assert_eq!(key, lpm_key(8, [10, 0, 0, 0]));
    // /12 keeps the high nibble of the second byte.
    m.update(&lpm_key(12, [172, 31, 255, 255]), &v64(12), 0)
        .unwrap();
    assert_eq!(get64(&m, &lpm_key(32, [172, 16, 0, 1])).unwrap(), 12);
    assert_eq!(get64(&m, &lpm_key(32, [172, 31, 0, 1])).unwrap(), 12);
    expect_code(get64(&m, &lpm_key(32, [172, 32, 0, 1])), Windows, -19);
}

#[test]
fn lpm_rules() {
    let e = epoch(CPUS);
    // Linux wants BPF_F_NO_PREALLOC and at least one data byte.
    assert!(Map::new(MapDef::new(MapType::LpmTrie, 8, 8, 4), Linux, e.clone(), 0).is_err());
    let four = MapDef::new(MapType::LpmTrie, 4, 8, 4);
    assert!(Map::new(four.clone(), Windows, e.clone(), 0).is_ok());
    assert!(Map::new(four.with_flags(flags::NO_PREALLOC), Linux, e.clone(), 0).is_err());
    assert!(Map::new(MapDef::new(MapType::LpmTrie, 4 + 257, 8, 4), Windows, e, 0).is_err());
    for sem in [Windows, Linux] {
        let m = lpm(sem, 2);
        let long = MapErrorKind::PrefixTooLong {
            prefix_len: 33,
            max: 32,
        };
        expect_err(
            m.update(&lpm_key(33, [1, 2, 3, 4]), &v64(1), 0),
            EbpfResult::InvalidArgument,
            EINVAL,
            long.clone(),
        );
        match sem {
            Windows => expect_err(
                get64(&m, &lpm_key(33, [1, 2, 3, 4])),
                EbpfResult::InvalidArgument,
                EINVAL,
                long,
            ),
            Linux => expect_code(get64(&m, &lpm_key(33, [1, 2, 3, 4])), sem, -(ENOENT as i64)),
        }
        m.update(&lpm_key(32, [1, 1, 1, 1]), &v64(1), 0).unwrap();
        m.update(&lpm_key(24, [1, 1, 1, 0]), &v64(1), 0).unwrap();
        let full = m.update(&lpm_key(16, [1, 1, 0, 0]), &v64(1), 0);
        expect_code(
            full,
            sem,
            if sem == Windows {
                -29
            } else {
                -(ENOSPC as i64)
            },
        );
        let mut out = [0u8; 8];
        expect_code(
            m.lookup_and_delete(&lpm_key(32, [1, 1, 1, 1]), &mut out),
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
fn lpm_longer_keys_cross_bitmap_words() {
    // 16 data bytes: prefix lengths up to 128 span three bitmap words.
    let m = map_on(&epoch(2), MapDef::new(MapType::LpmTrie, 20, 4, 64), Windows);
    let key = |len: u32, fill: u8| {
        let mut k = vec![fill; 20];
        k[..4].copy_from_slice(&len.to_ne_bytes());
        k
    };
    for len in [0u32, 1, 63, 64, 65, 100, 127, 128] {
        m.update(&key(len, 0xff), &len.to_ne_bytes(), 0).unwrap();
    }
    let mut out = [0u8; 4];
    for (query, want) in [
        (128, 128),
        (127, 127),
        (126, 100),
        (99, 65),
        (64, 64),
        (63, 63),
        (62, 1),
        (0, 0),
    ] {
        m.lookup(&key(query, 0xff), &mut out).unwrap();
        assert_eq!(u32::from_ne_bytes(out), want, "query /{query}");
    }
    // A first data bit of 0 only matches /0.
    m.lookup(&key(128, 0x7f), &mut out).unwrap();
    assert_eq!(u32::from_ne_bytes(out), 0);
}

#[test]
fn queue_and_stack_order_full_and_empty() {
    for sem in [Windows, Linux] {
        for (t, after_overwrite) in [(MapType::Queue, [2u64, 3, 4]), (MapType::Stack, [4, 3, 2])] {
            let m = map(t, 0, 8, 3, sem);
            for v in 1..=3u64 {
                m.push(&v64(v), update::ANY).unwrap();
            }
            let full = m.push(&v64(4), update::ANY);
            assert_eq!(
                full.as_ref().unwrap_err().kind(),
                &MapErrorKind::Full { max_entries: 3 }
            );
            expect_code(
                full,
                sem,
                if sem == Windows { -29 } else { -(E2BIG as i64) },
            );
            expect_code(
                m.push(&v64(4), update::NOEXIST),
                sem,
                if sem == Windows { -6 } else { -(EINVAL as i64) },
            );
            // BPF_EXIST drops the oldest element (1) of a full queue or stack.
            m.push(&v64(4), update::EXIST).unwrap();
            let mut out = [0u8; 8];
            m.peek(&mut out).unwrap();
            assert_eq!(
                u64::from_ne_bytes(out),
                after_overwrite[0],
                "peek does not remove"
            );
            for want in after_overwrite {
                m.pop(&mut out).unwrap();
                assert_eq!(u64::from_ne_bytes(out), want, "{t}");
            }
            expect_err(
                m.pop(&mut out),
                EbpfResult::ObjectNotFound,
                ENOENT,
                MapErrorKind::Empty,
            );
            expect_code(m.peek(&mut out), sem, if sem == Windows { -7 } else { -2 });
            // The user-side key/value operations map onto push, peek and pop.
            m.update(&[], &v64(10), 0).unwrap();
            m.update(&[], &v64(11), 0).unwrap();
            m.lookup(&[], &mut out).unwrap();
            assert_eq!(
                u64::from_ne_bytes(out),
                if t == MapType::Queue { 10 } else { 11 }
            );
            m.lookup_and_delete(&[], &mut out).unwrap();
            assert_eq!(
                u64::from_ne_bytes(out),
                if t == MapType::Queue { 10 } else { 11 }
            );
            assert_eq!(m.len(), 1);
            expect_code(m.delete(&[]), sem, if sem == Windows { -6 } else { -22 });
            let g = m.epoch().enter(0);
            m.prog_push(&g, &v64(12), 0).unwrap();
            m.prog_pop(&g, &mut out).unwrap();
            assert_eq!(
                u64::from_ne_bytes(out),
                if t == MapType::Queue { 11 } else { 12 }
            );
        }
    }
    let e = epoch(1);
    assert!(
        Map::new(MapDef::new(MapType::Queue, 4, 8, 3), Windows, e, 0).is_err(),
        "queues have no keys"
    );
}

#[test]
fn prog_array_semantics() {
    for sem in [Windows, Linux] {
        let m = map(MapType::ProgArray, 4, 4, 4, sem);
        m.update(&k32(1), &k32(77), update::ANY).unwrap();
        assert_eq!(m.program_at(1), Some(77));
        assert_eq!(m.program_at(0), None);
        assert_eq!(m.program_at(9), None);
        let mut out = [0u8; 4];
        m.lookup(&k32(1), &mut out).unwrap();
        assert_eq!(
            u32::from_ne_bytes(out),
            77,
            "user lookup gives the program id"
        );
        expect_code(
            m.lookup(&k32(0), &mut out),
            sem,
            if sem == Windows { -19 } else { -2 },
        );
        expect_code(
            m.update(&k32(1), &k32(78), update::NOEXIST),
            sem,
            if sem == Windows { -6 } else { -22 },
        );
        expect_code(
            m.update(&k32(4), &k32(78), update::ANY),
            sem,
            if sem == Windows { -6 } else { -(E2BIG as i64) },
        );
        let g = m.epoch().enter(0);
        expect_code(
            m.prog_lookup(&g, &k32(1)),
            sem,
            if sem == Windows {
                -6
            } else {
                -(EOPNOTSUPP as i64)
            },
        );
        drop(g);
        // Id 0 clears; delete clears (Linux: ENOENT when already empty).
        m.update(&k32(1), &k32(0), 0).unwrap();
        assert_eq!(m.program_at(1), None);
        m.update(&k32(2), &k32(5), 0).unwrap();
        m.delete(&k32(2)).unwrap();
        assert_eq!(m.program_at(2), None);
        match sem {
            Windows => m.delete(&k32(2)).unwrap(),
            Linux => expect_code(m.delete(&k32(2)), sem, -2),
        }
        let mut next = [0u8; 4];
        m.next_key(Some(&k32(2)), &mut next).unwrap();
        assert_eq!(next, k32(3));
    }
    let e = epoch(1);
    assert!(
        Map::new(MapDef::new(MapType::ProgArray, 4, 8, 4), Windows, e, 0).is_err(),
        "values are 4-byte ids"
    );
}

#[test]
fn maps_of_maps_check_the_template() {
    let inner = MapDef::new(MapType::Hash, 4, 8, 16);
    let e = epoch(CPUS);
    for t in [MapType::ArrayOfMaps, MapType::HashOfMaps] {
        let m = map_on(
            &e,
            MapDef::new(t, 4, 4, 8).with_inner(inner.clone()),
            Windows,
        );
        m.update_inner(&k32(1), 41, &inner, 0).unwrap();
        let g = e.enter(0);
        assert_eq!(m.inner_map_id(&g, &k32(1)), Some(41));
        assert_eq!(m.inner_map_id(&g, &k32(2)), None);
        drop(g);
        let mut out = [0u8; 4];
        m.lookup(&k32(1), &mut out).unwrap();
        assert_eq!(u32::from_ne_bytes(out), 41);
        for (other, field, expected, got) in [
            (MapDef::new(MapType::Array, 4, 8, 16), "type", 1, 2),
            (MapDef::new(MapType::Hash, 8, 8, 16), "key_size", 4, 8),
            (MapDef::new(MapType::Hash, 4, 4, 16), "value_size", 8, 4),
            (MapDef::new(MapType::Hash, 4, 8, 17), "max_entries", 16, 17),
        ] {
            let kind = MapErrorKind::InnerMapMismatch {
                field,
                expected,
                got,
            };
            expect_err(
                m.update_inner(&k32(2), 42, &other, 0),
                EbpfResult::InvalidObject,
                EINVAL,
                kind,
            );
        }
        // Ids go through update_inner only.
        expect_code(m.update(&k32(2), &k32(42), 0), Windows, -6);
        let err = m
            .update_inner(&k32(2), 42, &MapDef::new(MapType::Hash, 8, 8, 16), 0)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("{t} map: update: inner map's key_size is 8, the template's is 4")
        );
    }
    assert!(
        Map::new(
            MapDef::new(MapType::HashOfMaps, 4, 4, 8),
            Windows,
            e.clone(),
            0
        )
        .is_err(),
        "template required"
    );
    let nested = MapDef::new(MapType::ArrayOfMaps, 4, 4, 8).with_inner(inner.clone());
    assert!(Map::new(
        MapDef::new(MapType::HashOfMaps, 4, 4, 8).with_inner(nested),
        Windows,
        e.clone(),
        0
    )
    .is_err());
    assert!(
        Map::new(
            MapDef::new(MapType::Hash, 4, 4, 8).with_inner(inner),
            Windows,
            e,
            0
        )
        .is_err(),
        "template only for maps of maps"
    );
}

#[test]
fn map_type_numbers() {
    for t in MapType::ALL {
        assert_eq!(MapType::from_windows_id(t.windows_id()), Some(t));
        assert_eq!(MapType::from_linux_id(t.linux_id()), Some(t));
    }
    assert_eq!(MapType::LruPercpuHash.windows_id(), 11);
    assert_eq!(MapType::LruPercpuHash.linux_id(), 10);
    assert_eq!(MapType::RingBuf.linux_id(), 27);
    assert_eq!(MapType::from_windows_id(15), None);
    assert_eq!(EbpfResult::OperationNotSupported.errno(), 129);
    assert_eq!(EbpfResult::OutOfSpace.errno(), ENOSPC);
    assert_eq!(EbpfResult::NoMoreTailCalls.code(), 27);
}
