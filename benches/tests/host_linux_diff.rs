//! The execution context against Linux: the Linux-built test objects (`tests/host/*.o`) run
//! with `BPF_PROG_TEST_RUN` in this machine's kernel and in `ebpf-kernel-host` (on both
//! engines) on the same packets after the same map updates; return values, output packets and
//! the maps' contents must agree. Skipped, with a `skipped:` line, where `bpf()` is refused.
//!
//! Left out of the comparison, with why: per-CPU maps and `xdp_percpu` (the kernel's CPU is not
//! the host's), LRU contents (Linux evicts by its own approximation), ring buffers and perf
//! event arrays (read through mmap and perf events on Linux; a perf slot without an open event
//! fails there), program arrays and maps of maps (their values are fds and ids), device maps.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use ebpf_benches::kernel::{self, Maps, Prepared};
use ebpf_benches::linux::{self, Fd};
use ebpf_kernel_host::os::StdOs;
use ebpf_kernel_host::{Engine, Host, LoadOptions, TestRun};
use ebpf_loader::{MapInitTarget, Object};
use ebpf_platform::LINUX;

/// A map update made before the packets: map name, key, value.
type Update = (&'static str, Vec<u8>, Vec<u8>);

/// One comparison: a program of an object, map updates, then packets.
struct Case {
    object: &'static str,
    function: &'static str,
    updates: Vec<Update>,
    packets: Vec<Vec<u8>>,
}

/// What a side saw: per packet the return value and packet out, then the compared maps.
type Seen = (Vec<(u32, Vec<u8>)>, Vec<(String, Vec<(Vec<u8>, Vec<u8>)>)>);

/// Maps whose contents are compared.
fn compared(def: &ebpf_loader::MapDef) -> bool {
    matches!(
        def.type_name(),
        "hash" | "array" | "lpm_trie" | "queue" | "stack"
    )
}

fn object(name: &str) -> Object {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/host")
        .join(name);
    let bytes = std::fs::read(path).expect("test object");
    Object::parse(&bytes, &ebpf_loader::LoadOptions::default()).expect("parses")
}

fn u32b(v: u32) -> Vec<u8> {
    v.to_ne_bytes().to_vec()
}

/// A 14-byte packet (Linux's test runs take no shorter XDP packet) starting with `v`.
fn keyed(v: u32) -> Vec<u8> {
    let mut p = u32b(v);
    p.resize(14, 0);
    p
}

/// An Ethernet/IPv4 frame from `src` (UDP to port 53 when `udp`), `len` bytes.
fn frame(src: [u8; 4], udp: bool, len: usize) -> Vec<u8> {
    let mut f: Vec<u8> = (0..len).map(|i| i as u8).collect();
    f[12..14].copy_from_slice(&[0x08, 0x00]);
    f[14] = 0x45;
    f[23] = if udp { 17 } else { 6 };
    f[26..30].copy_from_slice(&src);
    f[36..38].copy_from_slice(&53u16.to_be_bytes());
    f
}

fn cases() -> Vec<Case> {
    let mut lpm = u32b(16);
    lpm.extend([10, 1, 0, 0]);
    let mut blocked = u32b(8);
    blocked.extend([10, 0, 0, 0]);
    vec![
        Case {
            object: "xdp_firewall.o",
            function: "xdp_firewall",
            updates: vec![("blocked", blocked, u32b(1))],
            packets: vec![
                frame([192, 168, 1, 1], true, 60),
                frame([192, 168, 1, 1], true, 60),
                frame([10, 1, 2, 3], true, 60),
                frame([192, 168, 1, 2], false, 80),
                vec![0; 14],
            ],
        },
        Case {
            object: "maps.o",
            function: "xdp_hash",
            updates: vec![],
            packets: [1, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(keyed).into(),
        },
        Case {
            object: "maps.o",
            function: "xdp_array",
            updates: vec![],
            packets: [5, 21, 3].map(keyed).into(),
        },
        Case {
            object: "maps.o",
            function: "xdp_lru",
            updates: vec![],
            packets: [1, 2, 3].map(keyed).into(),
        },
        Case {
            object: "maps.o",
            function: "xdp_lpm",
            updates: vec![("lpm", lpm, u32b(16))],
            packets: vec![
                [10, 1, 2, 3].into_iter().chain([0; 10]).collect(),
                [10, 2, 0, 0].into_iter().chain([0; 10]).collect(),
            ],
        },
        Case {
            object: "maps.o",
            function: "xdp_queue_stack",
            updates: vec![],
            packets: [1, 2, 3, 4, 5].map(keyed).into(),
        },
        Case {
            object: "maps.o",
            function: "xdp_map_in_map",
            updates: vec![],
            packets: [3, 4].map(keyed).into(),
        },
        Case {
            object: "maps.o",
            function: "xdp_ringbuf",
            updates: vec![],
            packets: [9].map(keyed).into(),
        },
        Case {
            object: "helpers.o",
            function: "xdp_adjust",
            updates: vec![],
            packets: vec![(0..60).collect(), vec![0; 15]],
        },
        Case {
            object: "helpers.o",
            function: "xdp_csum",
            updates: vec![],
            packets: vec![frame([1, 2, 3, 4], true, 60)],
        },
        Case {
            object: "helpers.o",
            function: "xdp_clocks",
            updates: vec![],
            packets: vec![vec![0; 14]],
        },
        Case {
            object: "helpers.o",
            function: "xdp_printk",
            updates: vec![],
            packets: vec![vec![0; 60]],
        },
        Case {
            object: "helpers.o",
            function: "xdp_redirect",
            updates: vec![],
            packets: vec![vec![0; 14], vec![1; 14]],
        },
        Case {
            object: "bench.o",
            function: "xdp_parse",
            updates: vec![],
            packets: vec![
                frame([1, 2, 3, 4], true, 1024),
                frame([1, 2, 3, 4], false, 1024),
            ],
        },
        Case {
            object: "bench.o",
            function: "xdp_byte_sum",
            updates: vec![],
            packets: vec![frame([1, 2, 3, 4], true, 1024)],
        },
        Case {
            object: "bench.o",
            function: "xdp_hash64",
            updates: (0..64)
                .step_by(3)
                .map(|k| ("table", u32b(k), vec![0; 8]))
                .collect(),
            packets: vec![vec![0; 64]],
        },
        Case {
            object: "bench.o",
            function: "xdp_arith",
            updates: vec![],
            packets: vec![vec![0; 100]],
        },
        Case {
            object: "tail_calls.o",
            function: "chain",
            updates: vec![],
            packets: vec![vec![0; 14], vec![0; 14]],
        },
        Case {
            object: "tail_calls.o",
            function: "tail_miss",
            updates: vec![],
            packets: vec![vec![0; 14]],
        },
    ]
}

/// The case on Linux.
fn on_linux(case: &Case) -> Result<Seen, String> {
    let object = object(case.object);
    let maps = Maps::create(&object);
    let mut progs: HashMap<String, Fd> = HashMap::new();
    for p in object.programs() {
        let fd = Prepared::new(&object, p, &maps, None)?.load_fd()?;
        progs.insert(p.function.clone(), fd);
    }
    let map_fd = |i: usize| maps.fd(i).ok_or(format!("map {i} was not created"));
    for (i, def) in object.maps().iter().enumerate() {
        for init in &def.initial_values {
            let value = match &init.target {
                MapInitTarget::Map(j) => map_fd(*j)?.raw() as u32,
                MapInitTarget::Program(name) => progs[name].raw() as u32,
                _ => continue,
            };
            linux::map_update(map_fd(i)?, &u32b(init.index), &u32b(value))
                .map_err(|e| format!("{}: initial value: {e}", def.name))?;
        }
    }
    for (name, k, v) in &case.updates {
        let i = object.maps().iter().position(|m| m.name == *name).unwrap();
        linux::map_update(map_fd(i)?, k, v).map_err(|e| format!("{name}: {e}"))?;
    }
    let prog = &progs[case.function];
    let mut runs = Vec::new();
    for packet in &case.packets {
        let out = linux::test_run(prog, packet, None, 1).map_err(|e| e.to_string())?;
        runs.push((out.retval, out.data_out));
    }
    let mut dumps = Vec::new();
    for (i, def) in object
        .maps()
        .iter()
        .enumerate()
        .filter(|(_, d)| compared(d))
    {
        let fd = map_fd(i)?;
        let mut entries = Vec::new();
        if matches!(def.type_name(), "queue" | "stack") {
            // What remains, popped in order (lookup-and-delete).
            while let Ok(v) = pop(fd, def.value_size as usize) {
                entries.push((Vec::new(), v));
            }
        } else {
            let ks = def.key_size as usize;
            let mut key = linux::map_next_key(fd, None, ks).map_err(|e| e.to_string())?;
            while let Some(k) = key {
                if let Ok(v) = linux::map_lookup(fd, &k, def.value_size as usize) {
                    entries.push((k.clone(), v));
                }
                key = linux::map_next_key(fd, Some(&k), ks).map_err(|e| e.to_string())?;
            }
        }
        entries.sort();
        dumps.push((def.name.clone(), entries));
    }
    Ok((runs, dumps))
}

/// Linux's `BPF_MAP_LOOKUP_AND_DELETE_ELEM` of a queue or stack (a pop).
fn pop(fd: &Fd, value_size: usize) -> Result<Vec<u8>, String> {
    ebpf_benches::linux::map_pop(fd, value_size).map_err(|e| e.to_string())
}

/// The case in the execution context.
fn on_host(case: &Case, engine: Engine) -> Result<Seen, String> {
    let object = object(case.object);
    let host = Host::new(Arc::new(StdOs::new()), &LINUX);
    let options = LoadOptions {
        engine,
        ..LoadOptions::default()
    };
    let loaded = host.load(&object, &options).map_err(|e| e.to_string())?;
    for (name, k, v) in &case.updates {
        let map = loaded.map(name).unwrap();
        map.map().update(k, v, 0).map_err(|e| e.to_string())?;
    }
    let prog = loaded.program(case.function).unwrap();
    let mut runs = Vec::new();
    for packet in &case.packets {
        let out = prog
            .test_run(&TestRun {
                data: packet,
                ..TestRun::default()
            })
            .map_err(|e| e.to_string())?;
        runs.push((out.retval as u32, out.data_out));
    }
    let mut dumps = Vec::new();
    for (def, map) in object
        .maps()
        .iter()
        .zip(loaded.maps())
        .filter(|(d, _)| compared(d))
    {
        let mut entries = Vec::new();
        if matches!(def.type_name(), "queue" | "stack") {
            let mut v = vec![0u8; def.value_size as usize];
            while map.map().pop(&mut v).is_ok() {
                entries.push((Vec::new(), v.clone()));
            }
        } else {
            map.for_each(|k, v| entries.push((k.to_vec(), v.to_vec())));
        }
        entries.sort();
        dumps.push((def.name.clone(), entries));
    }
    Ok((runs, dumps))
}

#[test]
fn host_objects_agree_with_linux() {
    if let Err(e) = kernel::available() {
        let line = format!(
            "skipped: benches/host_linux_diff/host_objects_agree_with_linux: this machine \
             refuses bpf(BPF_PROG_LOAD): {e} (run as root on Linux with BPF enabled)\n"
        );
        let _ = std::io::stderr().write_all(line.as_bytes());
        return;
    }
    let mut failures = Vec::new();
    for case in cases() {
        let name = format!("{}/{}", case.object, case.function);
        let linux = match on_linux(&case) {
            Ok(seen) => seen,
            Err(e) => {
                failures.push(format!("{name}: Linux: {e}"));
                continue;
            }
        };
        for engine in [Engine::Interpreter, Engine::Jit] {
            match on_host(&case, engine) {
                Ok(mut host) => {
                    if case.function == "xdp_lru" {
                        // Linux evicts by its own approximation: compare results only.
                        host.1.retain(|(n, _)| n != "lru");
                    }
                    let mut linux = linux.clone();
                    linux.1.retain(|(n, _)| host.1.iter().any(|(h, _)| h == n));
                    if host != linux {
                        failures.push(format!(
                            "{name} on {engine:?}:\n  host:  {:?}\n  linux: {:?}",
                            host, linux
                        ));
                    }
                }
                Err(e) => failures.push(format!("{name} on {engine:?}: {e}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Socket filters and tc classifiers (`tests/host/hooks_skb.o`) run through the host's hooks
/// and through `BPF_PROG_TEST_RUN` on the same frames: return values, output packets and the
/// `__sk_buff` fields the programs write (`mark`, `priority`, `cb[0]`) must agree. Linux runs
/// them on the loopback device (ifindex 1), so the host's hooks get interface 1. A socket
/// filter's packet starts at the network header on both sides; Linux's output puts 14 zero
/// bytes back in front of it, which the host's side adds for the comparison.
#[test]
fn socket_filters_and_tc_agree_with_linux() {
    use ebpf_kernel_host::hooks::skb::{SkbHook, SkbMeta};
    use ebpf_kernel_host::hooks::WILDCARD;
    if let Err(e) = kernel::available() {
        let line = format!(
            "skipped: benches/host_linux_diff/socket_filters_and_tc_agree_with_linux: this \
             machine refuses bpf(BPF_PROG_LOAD): {e} (run as root on Linux with BPF enabled)\n"
        );
        let _ = std::io::stderr().write_all(line.as_bytes());
        return;
    }
    let mut tos = frame([192, 168, 1, 1], false, 90);
    tos[15] = 0x2e;
    let frames = [
        frame([192, 168, 1, 1], true, 60),
        frame([192, 168, 1, 1], false, 80),
        frame([10, 1, 2, 3], true, 60),
        tos,
        {
            let mut echo = frame([192, 168, 1, 1], true, 60);
            echo[36..38].copy_from_slice(&7u16.to_be_bytes());
            echo
        },
        {
            let mut arp = frame([192, 168, 1, 1], true, 60);
            arp[12..14].copy_from_slice(&[0x08, 0x06]);
            arp
        },
    ];
    // (function, tc?)
    let programs = [
        ("udp_filter", false),
        ("fields_filter", false),
        ("classify", true),
        ("next", true),
    ];
    let object = object("hooks_skb.o");
    let maps = Maps::create(&object);
    let mut failures = Vec::new();
    for (function, tc) in programs {
        let p = object
            .programs()
            .iter()
            .find(|p| p.function == function)
            .unwrap();
        let fd = match Prepared::new(&object, p, &maps, None).and_then(|p| p.load_fd()) {
            Ok(fd) => fd,
            Err(e) => {
                failures.push(format!("{function}: Linux refused it: {e}"));
                continue;
            }
        };
        for engine in [Engine::Interpreter, Engine::Jit] {
            let host = Host::new(Arc::new(StdOs::new()), &LINUX);
            let options = LoadOptions {
                engine,
                functions: Some(&[function]),
                ..LoadOptions::default()
            };
            let loaded = host.load(&object, &options).expect("the host loads it");
            let prog = loaded.program(function).unwrap();
            let hook = if tc {
                SkbHook::tc(&host, true).unwrap()
            } else {
                SkbHook::socket_filter(&host).unwrap()
            };
            let _link = host
                .attach(prog, hook.hook().attach_type(), WILDCARD)
                .unwrap();
            let mut ctx = hook.new_context().unwrap();
            for (i, f) in frames.iter().enumerate() {
                let linux = linux::test_run(&fd, f, Some(&[0u8; 192]), 1).expect("test run");
                let word =
                    |b: &[u8], at: usize| u32::from_ne_bytes(b[at..at + 4].try_into().unwrap());
                let linux_fields = [8, 32, 48].map(|at| word(&linux.ctx_out, at));
                let mut batch = hook.hook().batch();
                let meta = SkbMeta::default();
                let (retval, mut data) = if tc {
                    let out = hook.classify(&mut batch, 1, f, &meta, &mut ctx).unwrap();
                    (out.retval as u32, Vec::new())
                } else {
                    let out = hook.filter(&mut batch, 1, 1, f, &meta, &mut ctx).unwrap();
                    (out.retval as u32, vec![0u8; 14])
                };
                drop(batch);
                data.extend_from_slice(ctx.packet().unwrap().data());
                let fields = ["mark", "priority", "cb"].map(|n| ctx.field_u32(n));
                let host_seen = (retval, data, fields);
                let linux_seen = (linux.retval, linux.data_out, linux_fields);
                if host_seen != linux_seen {
                    failures.push(format!(
                        "{function} on {engine:?}, frame {i}:\n  host:  {host_seen:?}\n  linux: {linux_seen:?}"
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A `u32` field of a context (the first word of an array such as `cb`).
trait FieldU32 {
    fn field_u32(&self, name: &'static str) -> u32;
}

impl FieldU32 for ebpf_kernel_host::Context {
    fn field_u32(&self, name: &'static str) -> u32 {
        let at = self
            .program_type()
            .context
            .unwrap()
            .field(name)
            .unwrap()
            .offset as usize;
        let fields = self.fields();
        u32::from_ne_bytes(fields[at..at + 4].try_into().unwrap())
    }
}
