//! The Linux-built test objects (`tests/host/*.o`, the same bytes the kernel accepts) on both
//! engines: exact return values, packets, map contents, ring and perf records and trace lines.
//! Their 32-bit `xdp_md` pointer loads run as the verifier rewrote them.

mod common;

use common::*;
use ebpf_kernel_host::{Engine, Host, LoadErrorKind, LoadOptions, Loaded, Program, Redirect};
use ebpf_kernel_host::{TestRun, TestRunOutput};
use ebpf_platform::LINUX;

const ABORTED: u64 = 0;
const DROP: u64 = 1;
const PASS: u64 = 2;
const REDIRECT: u64 = 4;
const UDP: u8 = 17;
const TCP: u8 = 6;

fn out(program: &Program, data: &[u8]) -> TestRunOutput {
    program
        .test_run(&TestRun {
            data,
            ..TestRun::default()
        })
        .unwrap_or_else(|e| panic!("{e}"))
}

fn run(program: &Program, data: &[u8]) -> u64 {
    out(program, data).retval
}

fn key(k: u32) -> Vec<u8> {
    k.to_ne_bytes().to_vec()
}

fn loaded(name: &str, engine: Engine) -> (Host, Loaded) {
    let (host, _) = host(&LINUX);
    let loaded = load(&host, name, engine);
    (host, loaded)
}

type Dump = Vec<Vec<(Vec<u8>, Vec<u8>)>>;

fn firewall(engine: Engine) -> (Vec<u64>, Dump) {
    let (_host, l) = loaded("xdp_firewall.o", engine);
    let p = l.program("xdp_firewall").unwrap();
    let mut prefix = 8u32.to_ne_bytes().to_vec();
    prefix.extend([10, 0, 0, 0]);
    let blocked = l.map("blocked").unwrap();
    blocked.map().update(&prefix, &key(1), 0).unwrap();
    let mut arp = ipv4([0; 4], 0, 0, 60);
    arp[12..14].copy_from_slice(&0x0806u16.to_be_bytes());
    let packets = [
        ipv4([192, 168, 1, 1], UDP, 53, 60),
        ipv4([192, 168, 1, 1], UDP, 53, 60),
        ipv4([192, 168, 1, 2], UDP, 8080, 80),
        ipv4([10, 1, 2, 3], UDP, 53, 60),
        ipv4([192, 168, 1, 1], TCP, 0, 60),
        arp,
        vec![0; 10],
    ];
    let results = packets.iter().map(|f| run(p, f)).collect();
    let dump = ["per_source", "verdicts", "udp_ports"]
        .iter()
        .map(|n| entries(l.map(n).unwrap()))
        .collect();
    (results, dump)
}

#[test]
fn the_firewall_filters_counts_and_tail_calls_on_both_engines() {
    let (results, dump) = firewall(Engine::Interpreter);
    assert_eq!(results, [PASS, PASS, PASS, DROP, PASS, PASS, DROP]);
    let src = |a: [u8; 4], n: u64| (a.to_vec(), n.to_ne_bytes().to_vec());
    assert_eq!(
        dump[0],
        [
            src([10, 1, 2, 3], 1),
            src([192, 168, 1, 1], 3),
            src([192, 168, 1, 2], 1)
        ]
    );
    let n = |i: u32, n: u64| (key(i), n.to_ne_bytes().to_vec());
    assert_eq!(dump[1], [n(0, 0), n(1, 2), n(2, 5), n(3, 0), n(4, 0)]);
    let port = |p: u16, n: u64| (p.to_ne_bytes().to_vec(), n.to_ne_bytes().to_vec());
    assert_eq!(
        dump[2],
        [port(53, 2), port(8080, 1)],
        "xdp_udp ran by tail call"
    );
    assert_eq!(firewall(Engine::Jit), (results, dump), "the JIT agrees");
}

#[test]
fn tail_calls_stop_after_33_and_fall_through_on_failure() {
    for engine in ENGINES {
        let (_host, l) = loaded("tail_calls.o", engine);
        assert_eq!(run(l.program("chain").unwrap(), &[0; 14]), 34, "{engine:?}");
        assert_eq!(u32_at(l.map("runs").unwrap(), &key(0)), 34);
        assert_eq!(
            run(l.program("tail_miss").unwrap(), &[0; 14]),
            7,
            "{engine:?}"
        );
    }
}

#[test]
fn hash_counts_refuses_a_second_insert_and_fills_up() {
    for engine in ENGINES {
        let (_host, l) = loaded("maps.o", engine);
        let p = l.program("xdp_hash").unwrap();
        let keys = [1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1];
        let got: Vec<u64> = keys.iter().map(|&k| run(p, &key(k))).collect();
        assert_eq!(
            got,
            [1, 2, 1, 1, 1, 1, 1, 1, 1, 107, 3],
            "{engine:?}: 9th key: -E2BIG"
        );
        let hash = l.map("hash").unwrap();
        assert_eq!(u64_at(hash, &key(1)), 3);
        assert_eq!(entries(hash).len(), 8);
        assert_eq!(run(p, &[1, 2]), ABORTED, "short frame");
    }
}

#[test]
fn array_slots_update_in_place_and_refuse_past_the_end() {
    for engine in ENGINES {
        let (_host, l) = loaded("maps.o", engine);
        let p = l.program("xdp_array").unwrap();
        assert_eq!(run(p, &key(5)), 5, "{engine:?}");
        assert_eq!(run(p, &key(21)), 26, "{engine:?}");
        assert_eq!(u64_at(l.map("array").unwrap(), &key(5)), 26);
    }
}

#[test]
fn per_cpu_maps_count_on_the_running_cpu() {
    for engine in ENGINES {
        let (host, _) = common::host_with_cpus(&LINUX, 1);
        let l = load(&host, "maps.o", engine);
        let p = l.program("xdp_percpu").unwrap();
        let got: Vec<u64> = [6, 6, 2].iter().map(|&k| run(p, &key(k))).collect();
        assert_eq!(got, [1, 2, 3], "{engine:?}: slot 2 for 6 and 2");
        assert_eq!(u64_at(l.map("percpu_array").unwrap(), &key(2)), 3);
        assert_eq!(u64_at(l.map("percpu_hash").unwrap(), &key(6)), 2);
        assert_eq!(u64_at(l.map("percpu_hash").unwrap(), &key(2)), 1);
    }
    // With two CPUs, each CPU's slice counts its own runs; the slices add up.
    let (_host, l) = loaded("maps.o", Engine::Jit);
    let p = l.program("xdp_percpu").unwrap();
    for _ in 0..10 {
        run(p, &key(1));
    }
    let mut v = [0u8; 16];
    l.map("percpu_array")
        .unwrap()
        .map()
        .lookup(&key(1), &mut v)
        .unwrap();
    let a = u64::from_ne_bytes(v[..8].try_into().unwrap());
    let b = u64::from_ne_bytes(v[8..].try_into().unwrap());
    assert_eq!(a + b, 10);
}

#[test]
fn lru_keeps_the_newest_entries() {
    for engine in ENGINES {
        let (_host, l) = loaded("maps.o", engine);
        let p = l.program("xdp_lru").unwrap();
        let got: Vec<u64> = (1..=6).map(|k| run(p, &key(k))).collect();
        assert_eq!(got, [0, 1, 1, 1, 1, 1], "{engine:?}");
        let lru = entries(l.map("lru").unwrap());
        assert_eq!(lru.len(), 4, "{engine:?}");
        for k in [5u32, 6] {
            assert!(lru.contains(&(key(k), key(k * 2))), "{engine:?}: {k}");
        }
    }
}

#[test]
fn lpm_finds_the_longest_prefix() {
    for engine in ENGINES {
        let (_host, l) = loaded("maps.o", engine);
        let lpm = l.map("lpm").unwrap();
        for (len, addr, v) in [
            (8u32, [10, 0, 0, 0], 8u32),
            (16, [10, 1, 0, 0], 16),
            (24, [10, 1, 2, 0], 24),
        ] {
            let mut k = len.to_ne_bytes().to_vec();
            k.extend(addr);
            lpm.map().update(&k, &v.to_ne_bytes(), 0).unwrap();
        }
        let p = l.program("xdp_lpm").unwrap();
        let got: Vec<u64> = [[10, 1, 2, 3], [10, 1, 9, 9], [10, 9, 9, 9], [11, 0, 0, 0]]
            .iter()
            .map(|a| run(p, a))
            .collect();
        assert_eq!(got, [24, 16, 8, 0], "{engine:?}");
    }
}

#[test]
fn queue_and_stack_push_pop_and_peek() {
    for engine in ENGINES {
        let (_host, l) = loaded("maps.o", engine);
        let p = l.program("xdp_queue_stack").unwrap();
        let got: Vec<u64> = (1..=5).map(|k| run(p, &key(k))).collect();
        assert_eq!(
            got,
            [2, 2, 2, 2, 1004],
            "{engine:?}: full at 5, front 1, top 4"
        );
        let values = |name| -> Vec<Vec<u8>> {
            entries(l.map(name).unwrap())
                .into_iter()
                .map(|e| e.1)
                .collect()
        };
        assert_eq!(values("queue"), [key(2), key(3), key(4)]);
        let mut stack = values("stack");
        stack.sort();
        assert_eq!(stack, [key(1), key(2), key(3)]);
    }
}

#[test]
fn maps_of_maps_reach_their_inner_maps() {
    for engine in ENGINES {
        let (_host, l) = loaded("maps.o", engine);
        let p = l.program("xdp_map_in_map").unwrap();
        let got: Vec<u64> = [3, 4, 7].iter().map(|&k| run(p, &key(k))).collect();
        assert_eq!(got, [3, 3, 7], "{engine:?}");
        assert_eq!(u32_at(l.map("inner0").unwrap(), &key(0)), 4);
        assert_eq!(u32_at(l.map("inner1").unwrap(), &key(0)), 7);
        let outer = l.map("array_of_maps").unwrap();
        assert_eq!(u32_at(outer, &key(1)), l.map("inner1").unwrap().id());
    }
}

#[test]
fn ring_buffer_records_skip_the_discarded_one() {
    for engine in ENGINES {
        let (_host, l) = loaded("maps.o", engine);
        let p = l.program("xdp_ringbuf").unwrap();
        assert_eq!(run(p, &[9, 0, 0, 0, 1, 1]), 1, "{engine:?}");
        let mut records = Vec::new();
        let ring = l.map("ringbuf").unwrap().map().as_ringbuf().unwrap();
        assert_eq!(ring.consume(|r| records.push(r.to_vec())), 2);
        let rec = |k: u32, n: u32| [k.to_ne_bytes(), n.to_ne_bytes()].concat();
        assert_eq!(records, [rec(9, 6), rec(10, 0)], "{engine:?}");
    }
}

#[test]
fn perf_output_goes_to_the_running_cpu() {
    for engine in ENGINES {
        let (_host, l) = loaded("maps.o", engine);
        let p = l.program("xdp_perf").unwrap();
        let perf = l.map("perf").unwrap().map().as_perf_event_array().unwrap();
        // No reader: Linux's -ENOENT (the program returns the negated result).
        assert_eq!(
            run(p, &key(0x1234)),
            2,
            "{engine:?}: -ENOENT without a reader"
        );
        assert_eq!(perf.read_all(|_, _| ()), 0);
        perf.open_all();
        assert_eq!(run(p, &key(0x1234)), 0, "{engine:?}");
        let mut records = Vec::new();
        perf.read_all(|_, r| records.push(r.to_vec()));
        assert_eq!(records, [key(0x1234)], "{engine:?}");
        for cpu in 0..perf.cpu_count() {
            perf.close(cpu);
        }
        assert_eq!(run(p, &key(0x1234)), 2, "{engine:?}: closed again");
    }
}

#[test]
fn xdp_helpers_move_the_packet_checksum_time_and_print() {
    for engine in ENGINES {
        let (host, trace) = host(&LINUX);
        let l = load(&host, "helpers.o", engine);
        let frame: Vec<u8> = (0..60).collect();
        let o = out(l.program("xdp_adjust").unwrap(), &frame);
        assert_eq!(o.retval, 48, "{engine:?}");
        let mut want = vec![0xde, 0xad, 0xbe, 0xef];
        want.extend(&frame[14..58]);
        assert_eq!(o.data_out, want, "{engine:?}");
        assert_eq!(
            run(l.program("xdp_adjust").unwrap(), &[0; 15]),
            1,
            "too short"
        );
        let packet = ipv4([192, 168, 1, 1], UDP, 53, 60);
        assert_eq!(
            run(l.program("xdp_csum").unwrap(), &packet),
            0,
            "{engine:?}"
        );
        // The program sums native (little-endian) words: one more in the checksum's first
        // byte is one more in the sum, whose complement is then 0xfffe.
        let mut bad = packet.clone();
        bad[24] = bad[24].wrapping_add(1);
        assert_eq!(
            run(l.program("xdp_csum").unwrap(), &bad),
            0xfffe,
            "{engine:?}"
        );
        assert_eq!(
            run(l.program("xdp_clocks").unwrap(), &packet),
            7,
            "{engine:?}"
        );
        assert_eq!(
            run(l.program("xdp_printk").unwrap(), &packet),
            1,
            "{engine:?}"
        );
        assert_eq!(*trace.lock().unwrap(), ["len 60"], "{engine:?}");
    }
}

#[test]
fn redirects_are_reported() {
    for engine in ENGINES {
        let (_host, l) = loaded("helpers.o", engine);
        let p = l.program("xdp_redirect").unwrap();
        let o = out(p, &[0, 1]);
        assert_eq!(
            (o.retval, o.redirect),
            (REDIRECT, Some(Redirect::Interface { ifindex: 3 }))
        );
        let o = out(p, &[1, 1]);
        assert_eq!(
            (o.retval, o.redirect),
            (PASS, None),
            "{engine:?}: empty device slot"
        );
        let devices = l.map("devices").unwrap();
        devices.map().update(&key(1), &key(5), 0).unwrap();
        let o = out(p, &[1, 1]);
        let to = Redirect::Map {
            map_id: devices.id(),
            key: 1,
            ifindex: 5,
        };
        assert_eq!((o.retval, o.redirect), (REDIRECT, Some(to)), "{engine:?}");
        assert_eq!(
            entries(devices),
            [(key(1), key(5))],
            "empty slots are not listed"
        );
    }
}

#[test]
fn the_benchmark_programs_compute_their_results() {
    for engine in ENGINES {
        let (_host, l) = loaded("bench.o", engine);
        let frame = ipv4([192, 168, 1, 1], UDP, 53, 1024);
        assert_eq!(run(l.program("xdp_empty").unwrap(), &frame), PASS);
        assert_eq!(run(l.program("xdp_parse").unwrap(), &frame), PASS);
        let other = ipv4([192, 168, 1, 1], UDP, 54, 1024);
        assert_eq!(run(l.program("xdp_parse").unwrap(), &other), DROP);
        let sum: u32 = frame[42..].iter().map(|&b| u32::from(b)).sum();
        assert_eq!(
            run(l.program("xdp_byte_sum").unwrap(), &frame),
            u64::from(sum & 0xffff) + 3
        );
        let table = l.map("table").unwrap();
        for k in (0..64).step_by(2) {
            table.map().update(&key(k), &[0; 8], 0).unwrap();
        }
        assert_eq!(
            run(l.program("xdp_hash64").unwrap(), &frame),
            32,
            "{engine:?}"
        );
        let mut x = frame.len() as u64;
        for _ in 0..4096 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            x ^= x >> 29;
        }
        assert_eq!(
            run(l.program("xdp_arith").unwrap(), &frame),
            x & 0x7fff_ffff
        );
    }
}

#[test]
fn a_helper_without_implementation_fails_the_load_naming_it() {
    let (host, _) = host(&LINUX);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/programs/ringbuf.o");
    let bytes = std::fs::read(path).unwrap();
    let object =
        ebpf_loader::Object::parse(&bytes, &ebpf_loader::LoadOptions::new(&LINUX)).unwrap();
    let e = host.load(&object, &LoadOptions::default()).unwrap_err();
    assert!(
        matches!(
            e.kind(),
            LoadErrorKind::MissingHelper {
                id: 14,
                name: Some("bpf_get_current_pid_tgid"),
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(
        e.to_string(),
        "program tracepoint/syscalls/sys_enter_write/trace_write: pc 8: helper \
         bpf_get_current_pid_tgid (14) has no implementation in this host"
    );
}

#[test]
fn callbacks_are_verified_but_not_run() {
    // bpf_loop's callback is verified (see the verifier), but this host cannot call back into
    // a program: the load fails naming the helper.
    let (host, _) = host(&LINUX);
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/programs/loop_callback.o");
    let bytes = std::fs::read(path).unwrap();
    let object =
        ebpf_loader::Object::parse(&bytes, &ebpf_loader::LoadOptions::new(&LINUX)).unwrap();
    let e = host.load(&object, &LoadOptions::default()).unwrap_err();
    assert!(
        matches!(
            e.kind(),
            LoadErrorKind::MissingHelper {
                id: 181,
                name: Some("bpf_loop"),
                ..
            }
        ),
        "{e}"
    );
    assert!(
        e.to_string()
            .contains("bpf_loop (181) has no implementation"),
        "{e}"
    );
}

#[test]
fn global_data_starts_with_its_initial_contents() {
    for engine in ENGINES {
        let (_host, l) = loaded_programs("global_data.o", engine);
        let p = l.program("tc_count").unwrap();
        let len = |n: u32| {
            p.test_run(&TestRun {
                data: &[0; 14],
                ctx: Some(&n.to_ne_bytes()),
                repeat: 1,
            })
            .unwrap()
            .retval
        };
        assert_eq!((len(100), len(2000), len(1000)), (0, 2, 0), "{engine:?}");
        let data = l
            .maps()
            .iter()
            .find(|m| m.name().ends_with(".data"))
            .unwrap();
        assert_eq!(u64_at(data, &key(0)), 10, "{engine:?}: 7 + 3 packets");
        let bss = l
            .maps()
            .iter()
            .find(|m| m.name().ends_with(".bss"))
            .unwrap();
        let mut v = [0u8; 16];
        bss.map().lookup(&key(0), &mut v).unwrap();
        // clang's layout of .bss: last_len at 0, dropped at 8.
        assert_eq!(
            u32::from_ne_bytes(v[..4].try_into().unwrap()),
            1000,
            "last_len"
        );
        assert_eq!(u64::from_ne_bytes(v[8..].try_into().unwrap()), 1, "dropped");
        let (_host, l) = loaded_programs("rodata_const.o", engine);
        let p = l.program("xdp_rodata").unwrap();
        let got: Vec<u64> = [60usize, 61, 62, 63, 2000]
            .iter()
            .map(|&n| run(p, &vec![0; n]))
            .collect();
        assert_eq!(got, [PASS, DROP, PASS, 3, DROP], "{engine:?}");
    }
}

/// `tests/programs/<name>` loaded on a Linux host.
fn loaded_programs(name: &str, engine: Engine) -> (Host, Loaded) {
    let (host, _) = host(&LINUX);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/programs")
        .join(name);
    let bytes = std::fs::read(path).unwrap();
    let object =
        ebpf_loader::Object::parse(&bytes, &ebpf_loader::LoadOptions::new(&LINUX)).unwrap();
    let options = LoadOptions {
        engine,
        ..LoadOptions::default()
    };
    let loaded = host
        .load(&object, &options)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    (host, loaded)
}

#[test]
fn a_socket_lookup_is_refused_at_load_naming_the_helper() {
    // The XDP program verifies (lookup, null check, release), but this host has no kernel
    // sockets: the load fails at the lookup, naming it.
    let (host, _) = host(&LINUX);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/verify/sk_lookup.o");
    let bytes = std::fs::read(path).unwrap();
    let object =
        ebpf_loader::Object::parse(&bytes, &ebpf_loader::LoadOptions::new(&LINUX)).unwrap();
    let options = LoadOptions {
        functions: Some(&["xdp_lookup_release"]),
        ..LoadOptions::default()
    };
    let e = host.load(&object, &options).unwrap_err();
    assert!(
        matches!(
            e.kind(),
            LoadErrorKind::MissingHelper {
                id: 84,
                name: Some("bpf_sk_lookup_tcp"),
                ..
            }
        ),
        "{e}"
    );
    assert!(
        e.to_string()
            .contains("helper bpf_sk_lookup_tcp (84) has no implementation in this host"),
        "{e}"
    );
}
