//! Packet-capture throughput of `ebpf run FILE.o --pcap` (`ebpf_cli::replay`), in packets per
//! second (criterion's elements per second): the XDP firewall (`tests/host/xdp_firewall.o`:
//! an LPM trie of blocked prefixes, a per-source hash, a per-verdict array, a tail call for
//! UDP) over a capture of 1,024 IPv4 frames from 256 sources, half UDP to 8 ports, half TCP,
//! one in 16 from a blocked /24:
//!
//! - `firewall_1k`: 1 KiB frames, on the JIT and on the interpreter;
//! - `firewall_64`: 64-byte frames on the JIT (the goal: 20 M packets per second on one core).
//!
//! A pass is what the command times: for every packet, its bytes copied into the context's
//! buffer, its `ingress_ifindex` set, the program invoked inside one epoch batch and its
//! verdict counted (no `--out`). The capture is parsed once, outside the timing. Timed in this
//! thread's CPU time, as the execution-context benchmark times ours (on a machine shared with
//! other work, wall time would charge the replay for other processes' turns).
//!
//! `cargo bench -p ebpf-benches --bench pcap -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ebpf_benches::linux::thread_cpu_time as cpu_time;
use ebpf_cli::capture::Capture;
use ebpf_cli::engine::Engine;
use ebpf_cli::invoke::LoadedProgram;
use ebpf_cli::replay::{replay, Options};
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};

/// Frames per capture.
const PACKETS: usize = 1024;

/// The blocked prefix: 10.1.0.0/24.
const BLOCKED: [u8; 4] = [10, 1, 0, 0];

/// A pcap capture of [`PACKETS`] IPv4 frames of `len` bytes.
fn capture(len: usize) -> Vec<u8> {
    let mut w = PcapWriter::with_header(Vec::new(), PcapHeader::default()).expect("header");
    for i in 0..PACKETS {
        let mut f = vec![0u8; len];
        f[12..14].copy_from_slice(&[0x08, 0x00]);
        f[14] = 0x45;
        f[23] = if i % 2 == 0 { 17 } else { 6 };
        let source = if i % 16 == 15 {
            [10, 1, 0, (i % 256) as u8]
        } else {
            [10, 0, (i / 256) as u8, (i % 64) as u8]
        };
        f[26..30].copy_from_slice(&source);
        f[36..38].copy_from_slice(&(53 + (i % 8) as u16).to_be_bytes());
        let ts = std::time::Duration::from_micros(i as u64);
        w.write_packet(&PcapPacket::new(ts, len as u32, &f))
            .expect("packet");
    }
    w.into_writer()
}

/// The firewall loaded on `engine`, 10.1.0.0/24 blocked.
fn firewall(engine: Engine) -> LoadedProgram {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/host/xdp_firewall.o");
    let object = ebpf_cli::object::load(&file, &ebpf_platform::LINUX).expect("loads");
    let programs =
        ebpf_cli::object::select(&object, None, Some("xdp_firewall")).expect("the program");
    let source = ebpf_cli::invoke::Source::Object {
        object: &object,
        program: programs[0],
    };
    let ready = match ebpf_cli::invoke::load(&file, &source, engine) {
        Ok(ready) => ready,
        Err(e) => panic!("loads on {engine:?}: {e:?}"),
    };
    let mut key = 24u32.to_ne_bytes().to_vec();
    key.extend_from_slice(&BLOCKED);
    ready
        .loaded
        .map("blocked")
        .expect("blocked")
        .map()
        .update(&key, &1u32.to_ne_bytes(), 0)
        .expect("blocks 10.1.0.0/24");
    ready
}

fn bench(c: &mut Criterion) {
    let options = Options {
        repeat: 1,
        keep: false,
    };
    let cases = [
        ("firewall_1k", 1024, &[Engine::Jit, Engine::Interp][..]),
        ("firewall_64", 64, &[Engine::Jit][..]),
    ];
    let mut group = c.benchmark_group("pcap");
    group.throughput(Throughput::Elements(PACKETS as u64));
    for (name, len, engines) in cases {
        let bytes = capture(len);
        let capture = Capture::parse(&bytes).expect("parses");
        for &engine in engines {
            let ready = firewall(engine);
            // Every packet is run: 1 in 16 dropped by the blocked prefix.
            let first =
                replay(&ready.host, &ready.program, &capture, options, |_| {}).expect("runs");
            let drops = first
                .verdicts
                .iter()
                .find(|(n, _)| n == "XDP_DROP")
                .map_or(0, |(_, n)| *n);
            assert_eq!(
                (first.packets, drops),
                (PACKETS as u64, PACKETS as u64 / 16)
            );
            let engine_name = match engine {
                Engine::Jit => "jit",
                Engine::Interp => "interp",
            };
            group.bench_function(format!("{name}/{engine_name}"), |b| {
                b.iter_custom(|iters| {
                    let start = cpu_time();
                    for _ in 0..iters {
                        let done = replay(
                            &ready.host,
                            &ready.program,
                            black_box(&capture),
                            options,
                            |_| {},
                        );
                        black_box(done.map(|d| d.packets).unwrap_or(0));
                    }
                    cpu_time().saturating_sub(start)
                });
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
