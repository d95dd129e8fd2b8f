//! Ring buffers (record headers byte for byte, wrap-around, full, reserve/submit/discard,
//! consumer) and perf event arrays.

mod common;

use std::time::Duration;

use common::*;
use ebpf_kernel_host::error::errno::*;
use ebpf_kernel_host::maps::ringbuf::{query, BUSY_BIT, DISCARD_BIT};
use ebpf_kernel_host::maps::{Map, MapDef, MapType, Semantics, CURRENT_CPU};
use ebpf_kernel_host::os::StdOs;
use ebpf_kernel_host::{EbpfResult, MapErrorKind};

use Semantics::{Linux, Windows};

fn ring(size: u32, sem: Semantics) -> Map {
    map_on(&epoch(2), MapDef::new(MapType::RingBuf, 0, 0, size), sem)
}

fn hdr(len: u32, pg_off: u32) -> [u8; 8] {
    let mut h = [0u8; 8];
    h[..4].copy_from_slice(&len.to_ne_bytes());
    h[4..].copy_from_slice(&pg_off.to_ne_bytes());
    h
}

fn drain(m: &Map) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    m.as_ringbuf().unwrap().consume(|r| out.push(r.to_vec()));
    out
}

#[test]
fn ringbuf_creation_rules() {
    let e = epoch(1);
    for (def, sem) in [
        (MapDef::new(MapType::RingBuf, 0, 0, 3 * 4096), Windows),
        (MapDef::new(MapType::RingBuf, 0, 0, 2048), Windows),
        (MapDef::new(MapType::RingBuf, 4, 0, 4096), Windows),
        (MapDef::new(MapType::RingBuf, 0, 8, 4096), Linux),
        (MapDef::new(MapType::RingBuf, 0, 0, 0), Linux),
    ] {
        let err = Map::new(def.clone(), sem, e.clone(), 0).unwrap_err();
        assert!(
            matches!(err.kind(), MapErrorKind::InvalidDefinition { .. }),
            "{def:?}: {err}"
        );
    }
    assert!(
        Map::new(MapDef::new(MapType::RingBuf, 0, 8, 4096), Windows, e, 0).is_ok(),
        "Windows ignores value_size"
    );
}

#[test]
fn ringbuf_records_byte_for_byte() {
    let m = ring(4096, Linux);
    let g = m.epoch().enter(0);
    m.ringbuf_output(&g, &[1, 2, 3], 0).unwrap();
    m.ringbuf_output(&g, &[9; 8], 0).unwrap();
    let r = m.ringbuf_reserve(&g, 5, 0).unwrap();
    let rb = m.as_ringbuf().unwrap();
    let data = rb.data_area();
    assert_eq!(
        data[0..8],
        hdr(3, 3),
        "length 3, page offset 3 (after Linux's three header pages)"
    );
    assert_eq!(data[8..16], [1, 2, 3, 0, 0, 0, 0, 0]);
    assert_eq!(data[16..24], hdr(8, 3));
    assert_eq!(data[24..32], [9; 8]);
    assert_eq!(data[32..40], hdr(5 | BUSY_BIT, 3), "reserved: BUSY set");
    assert_eq!(r.as_ptr() as usize % 8, 0);
    assert_eq!(rb.query(query::PROD_POS), 48);
    assert_eq!(rb.query(query::AVAIL_DATA), 48);
    assert_eq!(rb.query(query::RING_SIZE), 4096);
    // The consumer stops at the busy record.
    assert_eq!(drain(&m), vec![vec![1, 2, 3], vec![9; 8]]);
    assert_eq!(rb.query(query::CONS_POS), 32);
    // SAFETY: the reservation's 5 bytes are writable until it is committed.
    unsafe { r.as_ptr().copy_from([7u8, 7, 7, 7, 7].as_ptr(), 5) };
    m.ringbuf_commit(&g, r, true).unwrap();
    assert_eq!(
        rb.data_area()[32..40],
        hdr(5 | DISCARD_BIT, 3),
        "discarded: DISCARD set, BUSY clear"
    );
    assert!(drain(&m).is_empty(), "discarded records are skipped");
    assert_eq!(rb.consumer_pos(), 48);
    expect_err(
        m.ringbuf_commit(&g, r, false),
        EbpfResult::InvalidArgument,
        EINVAL,
        MapErrorKind::NotAReservation,
    );
    let r = m.ringbuf_reserve(&g, 16, 0).unwrap();
    // SAFETY: the reservation's 16 bytes are writable until it is committed.
    unsafe { r.as_ptr().copy_from([5u8; 16].as_ptr(), 16) };
    m.ringbuf_commit(&g, r, false).unwrap();
    assert_eq!(rb.data_area()[48..56], hdr(16, 3));
    assert_eq!(drain(&m), vec![vec![5u8; 16]]);
}

#[test]
fn ringbuf_page_offset_and_wrap_around() {
    let m = ring(16384, Windows);
    let g = m.epoch().enter(0);
    let rb = m.as_ringbuf().unwrap();
    // Fill to offset 8192 + 8 and check the page offset of a header in the third data page.
    for _ in 0..8 {
        m.ringbuf_output(&g, &[0xaa; 1016], 0).unwrap();
    }
    m.ringbuf_output(&g, &[0xbb; 1], 0).unwrap();
    assert_eq!(rb.data_area()[8192..8200], hdr(1, 5));
    assert_eq!(drain(&m).len(), 9);
    // Advance to 16384 - 1024, then write a record of 2000 bytes: it wraps.
    while rb.producer_pos() < 16384 - 1024 {
        m.ringbuf_output(&g, &[0xcc; 1016], 0).unwrap();
        drain(&m);
    }
    let start = rb.producer_pos() as usize % 16384;
    assert!(start + 8 + 2000 > 16384, "the next record wraps");
    let payload: Vec<u8> = (0..2000).map(|i| (i % 251) as u8).collect();
    m.ringbuf_output(&g, &payload, 0).unwrap();
    let data = rb.data_area();
    let first = 16384 - start - 8;
    assert_eq!(data[start..start + 8], hdr(2000, 3 + 3));
    assert_eq!(data[start + 8..], payload[..first]);
    assert_eq!(
        data[..2000 - first],
        payload[first..],
        "the tail continues at the ring's start"
    );
    assert_eq!(drain(&m), vec![payload]);
    // A reservation that wraps is contiguous for the program.
    let r = m.ringbuf_reserve(&g, 1500, 0).unwrap();
    // SAFETY: the reservation's 1500 bytes are writable until it is committed.
    unsafe { std::ptr::write_bytes(r.as_ptr(), 0x5a, 1500) };
    m.ringbuf_commit(&g, r, false).unwrap();
    assert_eq!(drain(&m), vec![vec![0x5a; 1500]]);
}

#[test]
fn ringbuf_full_and_sizes() {
    for (sem, full_code) in [(Windows, -12), (Linux, -(EAGAIN as i64))] {
        let m = ring(4096, sem);
        let g = m.epoch().enter(0);
        // The producer may get at most size - 1 bytes ahead: 4088 bytes of record fit, 4096 not.
        let err = m.ringbuf_output(&g, &[1; 4088], 0).unwrap_err();
        assert_eq!(err.kind(), &MapErrorKind::RingFull);
        m.ringbuf_output(&g, &[1; 4080], 0).unwrap();
        let full = m.ringbuf_output(&g, &[2; 1], 0);
        assert_eq!(full.as_ref().unwrap_err().kind(), &MapErrorKind::RingFull);
        expect_code(full, sem, full_code);
        assert_eq!(drain(&m).len(), 1);
        m.ringbuf_output(&g, &[2; 1], 0).unwrap();
        let big = m.ringbuf_output(&g, &[0; 5000], 0).unwrap_err();
        assert_eq!(
            big.kind(),
            &MapErrorKind::RecordSize {
                size: 5000,
                capacity: 4096
            }
        );
        let zero = m.ringbuf_output(&g, &[], 0);
        match sem {
            Windows => expect_code(zero, sem, -6),
            Linux => zero.unwrap(),
        }
        // Flags: Windows ignores them; Linux accepts only the wakeup flags.
        let flagged = m.ringbuf_output(&g, &[3], 4);
        match sem {
            Windows => flagged.unwrap(),
            Linux => {
                expect_code(flagged, sem, -(EINVAL as i64));
                m.ringbuf_output(&g, &[3], 2).unwrap();
                assert!(
                    m.ringbuf_reserve(&g, 8, 1).is_err(),
                    "reserve takes no flags on Linux"
                );
            }
        }
        // Key/value operations are not ring operations.
        let mut v = [0u8; 4];
        assert!(m.lookup(&[], &mut v).is_err());
    }
}

#[test]
fn ringbuf_poll_and_cross_thread_consumer() {
    let m = std::sync::Arc::new(ring(4096, Windows));
    let os = StdOs::new();
    assert_eq!(
        m.as_ringbuf()
            .unwrap()
            .poll(&os, Some(Duration::ZERO), |_| ()),
        0
    );
    let producer = {
        let m = m.clone();
        std::thread::spawn(move || {
            for i in 0..200u32 {
                loop {
                    let g = m.epoch().enter(1);
                    if m.ringbuf_output(&g, &i.to_ne_bytes(), 0).is_ok() {
                        break;
                    }
                    drop(g);
                    std::thread::yield_now();
                }
            }
        })
    };
    let mut got = Vec::new();
    while got.len() < 200 {
        m.as_ringbuf()
            .unwrap()
            .poll(&os, Some(Duration::from_secs(10)), |r| {
                got.push(u32::from_ne_bytes(r.try_into().unwrap()))
            });
    }
    producer.join().unwrap();
    assert_eq!(
        got,
        (0..200).collect::<Vec<_>>(),
        "records arrive in order, each once"
    );
}

#[test]
fn perf_event_array_per_cpu_rings() {
    let e = epoch(2);
    let m = map_on(
        &e,
        MapDef::new(MapType::PerfEventArray, 0, 0, 4096),
        Windows,
    );
    let g = e.try_enter_cpu(1).unwrap();
    m.perf_event_output(&g, CURRENT_CPU, &[b"ab", b"cde"])
        .unwrap();
    m.perf_event_output(&g, 1, &[b"x"]).unwrap();
    let wrong = m.perf_event_output(&g, 0, &[b"x"]);
    assert_eq!(
        wrong.as_ref().unwrap_err().kind(),
        &MapErrorKind::WrongCpu {
            requested: 0,
            current: 1
        }
    );
    expect_code(wrong, Windows, -6);
    let big = vec![0u8; 4000];
    m.perf_event_output(&g, CURRENT_CPU, &[&big]).unwrap();
    expect_code(m.perf_event_output(&g, CURRENT_CPU, &[&big]), Windows, -12);
    let perf = m.as_perf_event_array().unwrap();
    assert_eq!(perf.lost(1), 1);
    assert_eq!(perf.lost(0), 0);
    let mut records = Vec::new();
    assert_eq!(
        perf.read_all(|cpu, r| records.push((cpu, r.len(), r.first().copied()))),
        3
    );
    assert_eq!(
        records,
        [(1, 5, Some(b'a')), (1, 1, Some(b'x')), (1, 4000, Some(0))]
    );
    drop(g);
    // Linux: key and value 4 bytes, max_entries CPU slots.
    assert!(Map::new(
        MapDef::new(MapType::PerfEventArray, 0, 0, 4096),
        Linux,
        e.clone(),
        0
    )
    .is_err());
    let l = map_on(&e, MapDef::new(MapType::PerfEventArray, 4, 4, 2), Linux);
    let g = e.enter(0);
    let cpu = g.cpu().unwrap();
    let other = 1 - cpu as u32;
    expect_code(l.perf_event_output(&g, 5, &[b"x"]), Linux, -(E2BIG as i64));
    // No reader has opened a slot yet: -ENOENT, for this CPU's slot and for another's.
    let perf = l.as_perf_event_array().unwrap();
    assert!(!perf.is_open(cpu));
    let closed = l.perf_event_output(&g, CURRENT_CPU, &[b"x"]);
    assert_eq!(
        closed.as_ref().unwrap_err().kind(),
        &MapErrorKind::SlotNotOpen { slot: cpu as u32 }
    );
    expect_code(closed, Linux, -(ENOENT as i64));
    expect_code(
        l.perf_event_output(&g, cpu as u32, &[b"x"]),
        Linux,
        -(ENOENT as i64),
    );
    expect_code(
        l.perf_event_output(&g, other, &[b"x"]),
        Linux,
        -(ENOENT as i64),
    );
    // The reader opens both slots: output to this CPU's works, to the other's is refused.
    assert!(perf.open(0) && perf.open(1));
    assert!(!perf.open(2), "no third CPU slot");
    expect_code(
        l.perf_event_output(&g, other, &[b"x"]),
        Linux,
        -(EOPNOTSUPP as i64),
    );
    l.perf_event_output(&g, CURRENT_CPU, &[b"linux"]).unwrap();
    l.perf_event_output(&g, cpu as u32, &[b"cpu"]).unwrap();
    let mut records = Vec::new();
    perf.read_all(|c, r| records.push((c, r.to_vec())));
    assert_eq!(records, [(cpu, b"linux".to_vec()), (cpu, b"cpu".to_vec())]);
    // Closing drops unread records and makes output fail again.
    l.perf_event_output(&g, CURRENT_CPU, &[b"unread"]).unwrap();
    perf.close(cpu);
    expect_code(
        l.perf_event_output(&g, CURRENT_CPU, &[b"x"]),
        Linux,
        -(ENOENT as i64),
    );
    assert_eq!(perf.read_all(|_, _| ()), 0);
    // A map with one slot: a CPU past it gets -E2BIG even with BPF_F_CURRENT_CPU.
    let one = map_on(&e, MapDef::new(MapType::PerfEventArray, 4, 4, 1), Linux);
    one.as_perf_event_array().unwrap().open_all();
    drop(g);
    let g1 = e.try_enter_cpu(1).expect("CPU 1 is free");
    expect_code(
        one.perf_event_output(&g1, CURRENT_CPU, &[b"x"]),
        Linux,
        -(E2BIG as i64),
    );
    drop(g1);
    // Windows: every ring is always open.
    let w = map_on(
        &e,
        MapDef::new(MapType::PerfEventArray, 0, 0, 4096),
        Windows,
    );
    let wp = w.as_perf_event_array().unwrap();
    assert!(wp.is_open(0) && wp.is_open(1));
    wp.close(0);
    assert!(wp.is_open(0));
}
