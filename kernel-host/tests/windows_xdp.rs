//! eBPF for Windows XDP programs (`tests/host/windows_xdp.c`) on both engines: exact return
//! values, map contents, ring buffer records and trace lines, and the engines agree.

mod common;

use common::*;
use ebpf_kernel_host::{Engine, Host, Loaded, Program, TestRun};
use ebpf_platform::WINDOWS;

const PASS: u64 = 1;
const DROP: u64 = 2;
const UDP: u8 = 17;
const TCP: u8 = 6;

fn run(program: &Program, data: &[u8]) -> u64 {
    let out = program
        .test_run(&TestRun {
            data,
            ..TestRun::default()
        })
        .unwrap_or_else(|e| panic!("{e}"));
    out.retval
}

fn firewall(engine: Engine) -> (Host, Loaded) {
    let (host, _) = host(&WINDOWS);
    let loaded = load(&host, "windows_xdp.o", engine);
    (host, loaded)
}

/// The firewall's maps after a fixed sequence of packets, as (name, entries).
type Dump = Vec<(String, Vec<(Vec<u8>, Vec<u8>)>)>;

fn firewall_run(engine: Engine) -> (Vec<u64>, Dump) {
    let (_host, loaded) = firewall(engine);
    let p = loaded.program("win_firewall").unwrap();
    let blocked = loaded.map("blocked").unwrap();
    let mut key = 8u32.to_ne_bytes().to_vec();
    key.extend([10, 0, 0, 0]);
    blocked.map().update(&key, &1u32.to_ne_bytes(), 0).unwrap();
    let packets = [
        ipv4([192, 168, 1, 1], UDP, 53, 60),
        ipv4([192, 168, 1, 1], UDP, 53, 60),
        ipv4([192, 168, 1, 2], UDP, 8080, 80),
        ipv4([10, 1, 2, 3], UDP, 53, 60),
        ipv4([192, 168, 1, 1], TCP, 0, 60),
        {
            let mut arp = ipv4([0; 4], 0, 0, 60);
            arp[12..14].copy_from_slice(&0x0806u16.to_be_bytes());
            arp
        },
        vec![0; 10],
    ];
    let results = packets.iter().map(|f| run(p, f)).collect();
    let dump = ["per_source", "verdicts", "udp_ports"]
        .iter()
        .map(|n| (n.to_string(), entries(loaded.map(n).unwrap())))
        .collect();
    (results, dump)
}

#[test]
fn the_firewall_filters_counts_and_tail_calls_on_both_engines() {
    let (results, dump) = firewall_run(Engine::Interpreter);
    assert_eq!(results, [PASS, PASS, PASS, DROP, PASS, PASS, DROP]);
    let per_source = &dump[0].1;
    let src = |a: [u8; 4], n: u64| (a.to_vec(), n.to_ne_bytes().to_vec());
    assert_eq!(
        per_source,
        &[
            src([10, 1, 2, 3], 1),
            src([192, 168, 1, 1], 3),
            src([192, 168, 1, 2], 1),
        ]
    );
    let verdict = |i: u32, n: u64| (i.to_ne_bytes().to_vec(), n.to_ne_bytes().to_vec());
    assert_eq!(
        dump[1].1,
        [verdict(0, 0), verdict(1, 5), verdict(2, 2)],
        "the caller of a tail call counts nothing after it"
    );
    let port = |p: u16, n: u64| (p.to_ne_bytes().to_vec(), n.to_ne_bytes().to_vec());
    assert_eq!(
        dump[2].1,
        [port(53, 2), port(8080, 1)],
        "UDP went to win_udp"
    );
    assert_eq!(firewall_run(Engine::Jit), (results, dump), "the JIT agrees");
}

#[test]
fn a_chain_runs_34_programs_and_ends_with_no_more_tail_calls() {
    for engine in ENGINES {
        let (host, loaded) = firewall(engine);
        let chain = loaded.program("win_chain").unwrap();
        let runs = loaded.map("chain_runs").unwrap();
        let r = run(chain, &[0; 14]);
        assert_eq!(r as i32, -27, "{engine:?}: -EBPF_NO_MORE_TAIL_CALLS");
        assert_eq!(u32_at(runs, &0u32.to_ne_bytes()), 34, "{engine:?}");
        let miss = loaded.program("win_tail_miss").unwrap();
        assert_eq!(run(miss, &[0; 14]), 6006, "{engine:?}: -6 for both misses");
        drop(host);
    }
}

#[test]
fn general_helpers_give_ebpf_for_windows_results() {
    let mut seen = Vec::new();
    for engine in ENGINES {
        let (host, trace) = host(&WINDOWS);
        let loaded = load(&host, "windows_xdp.o", engine);
        let p = loaded.program("win_helpers").unwrap();
        let mut frame = ipv4([192, 168, 1, 1], UDP, 53, 60);
        frame[..8].copy_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(run(p, &frame), PASS);
        let results = loaded.map("results").unwrap();
        let mut v = vec![0u8; 88];
        results.map().lookup(&0u32.to_ne_bytes(), &mut v).unwrap();
        let field = |i: usize| i64::from_ne_bytes(v[i * 8..i * 8 + 8].try_into().unwrap());
        let words = |b: &[u8]| -> i64 {
            b.chunks(2)
                .map(|w| i64::from(u16::from_le_bytes([w[0], w[1]])))
                .sum()
        };
        let expect = [
            0,                  // ringbuf_output
            6,                  // printk: "len 60"
            words(&frame[..8]), // csum_diff: the unfolded sum
            0,                  // memcpy_s
            1,                  // memcmp_s: 0xab > 5 at byte 4
            -22,                // memcpy_s 8 into 4: -EINVAL
            0xab,               // memset
            0,                  // push
            0,                  // pop
            60,                 // the popped value
            -7,                 // pop of an empty queue
        ];
        let got: Vec<i64> = (0..11).map(field).collect();
        assert_eq!(got, expect, "{engine:?}");
        let ring = loaded.map("events").unwrap();
        let mut records = Vec::new();
        ring.map()
            .as_ringbuf()
            .unwrap()
            .consume(|r| records.push(r.to_vec()));
        let mut record = vec![1, 2, 3, 4];
        record.extend(60u32.to_ne_bytes());
        assert_eq!(records, [record], "{engine:?}");
        assert_eq!(*trace.lock().unwrap(), ["len 60"], "{engine:?}");
        seen.push(got);
        drop(host);
    }
    assert_eq!(seen[0], seen[1]);
}

#[test]
fn adjust_head_grows_the_packet_into_the_headroom() {
    for engine in ENGINES {
        let (_host, loaded) = firewall(engine);
        let p = loaded.program("win_adjust").unwrap();
        let out = p
            .test_run(&TestRun {
                data: &[7; 20],
                ..TestRun::default()
            })
            .unwrap();
        assert_eq!(out.retval, 24, "{engine:?}");
        let mut want = vec![0xde, 0xad, 0xbe, 0xef];
        want.extend([7; 20]);
        assert_eq!(out.data_out, want, "{engine:?}");
        // Each repeat runs on what the last left: 3 more runs push 12 more bytes.
        let out = p
            .test_run(&TestRun {
                data: &[7; 20],
                repeat: 4,
                ..TestRun::default()
            })
            .unwrap();
        assert_eq!((out.retval, out.data_out.len()), (36, 36), "{engine:?}");
    }
}

#[test]
fn string_helpers_and_overlapping_moves() {
    for engine in ENGINES {
        let (_host, loaded) = firewall(engine);
        let p = loaded.program("win_strings").unwrap();
        assert_eq!(run(p, &[0; 14]), PASS, "{engine:?}");
        let mut v = vec![0u8; 7 * 8 + 32];
        let strings = loaded.map("strings").unwrap();
        strings.map().lookup(&0u32.to_ne_bytes(), &mut v).unwrap();
        let field = |i: usize| i64::from_ne_bytes(v[i * 8..i * 8 + 8].try_into().unwrap());
        let got: Vec<i64> = (0..7).map(field).collect();
        // strnlen "abc"; strncat; strnlen "abcdefgh"; strncpy into 4 bytes: -ERANGE;
        // strncpy; strnlen "defgh"; strncat of 8 more onto 8 in 16 bytes: -ERANGE.
        assert_eq!(got, [3, 0, 8, -34, 0, 5, -34], "{engine:?}");
        assert_eq!(&v[56..64], &[1, 2, 1, 2, 3, 4, 5, 6], "memmove overlaps");
        assert_eq!(&v[64..72], b"defgh\0\0\0");
        assert_eq!(&v[72..88], b"abcdefgh\0\0\0\0\0\0\0\0");
    }
}

#[test]
fn legacy_maps_and_contexts_without_packets() {
    use ebpf_kernel_host::maps::{MapDef, MapType};
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/programs/windows_maps.o");
    let bytes = std::fs::read(path).unwrap();
    let object =
        ebpf_loader::Object::parse(&bytes, &ebpf_loader::LoadOptions::new(&WINDOWS)).unwrap();
    for engine in ENGINES {
        let (host, _) = host(&WINDOWS);
        let options = ebpf_kernel_host::LoadOptions {
            engine,
            ..Default::default()
        };
        let loaded = host.load(&object, &options).unwrap();
        let connect = loaded.program("authorize_connect6").unwrap();
        let mut ctx = [0u8; 64];
        ctx[38..40].copy_from_slice(&8080u16.to_ne_bytes());
        let run_ctx = |p: &Program, ctx: &[u8]| {
            p.test_run(&TestRun {
                ctx: Some(ctx),
                ..TestRun::default()
            })
            .unwrap()
            .retval
        };
        assert_eq!(run_ctx(connect, &ctx), 1, "{engine:?}: no policy: proceed");
        let policy = loaded.map("policy").unwrap();
        policy
            .map()
            .update(&8080u64.to_ne_bytes(), &0u32.to_ne_bytes(), 0)
            .unwrap();
        assert_eq!(run_ctx(connect, &ctx), 0, "{engine:?}: rejected by policy");
        let accept = loaded.program("authorize_recv_accept4").unwrap();
        assert_eq!(run_ctx(accept, &ctx), 0, "{engine:?}: no inner map yet");
        let inner = host
            .create_map("inner", MapDef::new(MapType::Array, 4, 4, 1))
            .unwrap();
        let outer = loaded.map("outer").unwrap();
        outer.set_inner(&0u32.to_ne_bytes(), Some(&inner)).unwrap();
        assert_eq!(run_ctx(accept, &ctx), 1, "{engine:?}");
        let e = accept
            .test_run(&TestRun {
                data: &[1],
                ..TestRun::default()
            })
            .unwrap_err();
        assert!(
            e.to_string().contains("sock_addr programs get no packet"),
            "{e}"
        );
    }
}
