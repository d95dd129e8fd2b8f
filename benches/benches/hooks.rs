//! The cost of a hook: one event through the XDP hook (`XdpHook::run`: the program list loaded
//! under the batch's guard, the context's `ingress_ifindex` set, each program invoked, the
//! actions combined) with 1 and with 16 programs attached (`tests/host/hooks_linux_xdp.o`
//! `pass`, which returns `XDP_PASS` so that all of them run), against the same program invoked
//! directly (`Batch::invoke`); and the XDP firewall (`tests/host/xdp_firewall.o`: LPM trie,
//! per-source hash, per-verdict counters, a tail call for UDP) through the hook on 64-byte
//! frames, half of them from a blocked prefix.
//!
//! Every run is inside one batch, on the JIT and on the interpreter, timed in this thread's CPU
//! time (the machine may be shared); the packet is set before each run (as a NIC hands one
//! over), so its copy is part of the cost.
//!
//! `cargo bench -p ebpf-benches --bench hooks -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use ebpf_benches::linux::thread_cpu_time as cpu_time;
use ebpf_kernel_host::hooks::xdp::{XdpAction, XdpHook};
use ebpf_kernel_host::hooks::WILDCARD;
use ebpf_kernel_host::os::StdOs;
use ebpf_kernel_host::{Engine, Host, LoadOptions, Loaded};
use ebpf_loader::{LoadOptions as ReadOptions, Object};
use ebpf_platform::LINUX;

const ENGINES: [(Engine, &str); 2] = [(Engine::Jit, "jit"), (Engine::Interpreter, "interp")];

fn load(name: &str, engine: Engine) -> (Host, Loaded) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/host")
        .join(name);
    let bytes = std::fs::read(path).expect("test object");
    let object = Object::parse(&bytes, &ReadOptions::new(&LINUX)).expect("parses");
    let host = Host::new(Arc::new(StdOs::new()), &LINUX);
    let options = LoadOptions {
        engine,
        ..LoadOptions::default()
    };
    let loaded = host.load(&object, &options).expect("loads");
    (host, loaded)
}

/// A 64-byte Ethernet/IPv4 UDP frame from `src`.
fn frame(src: [u8; 4]) -> Vec<u8> {
    let mut f = vec![0u8; 64];
    f[12..14].copy_from_slice(&[0x08, 0x00]);
    f[14] = 0x45;
    f[23] = 17;
    f[26..30].copy_from_slice(&src);
    f[36..38].copy_from_slice(&53u16.to_be_bytes());
    f
}

fn xdp_hook(c: &mut Criterion) {
    let mut group = c.benchmark_group("hooks");
    for (engine, name) in ENGINES {
        let (host, loaded) = load("hooks_linux_xdp.o", engine);
        let pass = loaded.program("pass").unwrap();
        let xdp = XdpHook::new(&host).unwrap();
        let attach_type = LINUX.attach_type("xdp").unwrap();
        let packet = frame([192, 168, 1, 1]);
        let mut links = Vec::new();
        for programs in [1, 16] {
            while links.len() < programs {
                links.push(host.attach(pass, attach_type, WILDCARD).unwrap());
            }
            let mut ctx = xdp.new_context().unwrap();
            let mut batch = xdp.hook().batch();
            let out = xdp.run(&mut batch, 1, &mut ctx).unwrap();
            assert_eq!((out.action, out.programs), (XdpAction::Pass, programs));
            drop(batch);
            group.bench_function(format!("xdp_{programs}_programs/{name}"), |b| {
                b.iter_custom(|iters| {
                    let mut batch = xdp.hook().batch();
                    let start = cpu_time();
                    for _ in 0..iters {
                        ctx.set_packet(&packet).unwrap();
                        black_box(xdp.run(&mut batch, 1, &mut ctx).unwrap());
                    }
                    cpu_time() - start
                })
            });
        }
        drop(links);
        let mut ctx = pass.new_context().unwrap();
        group.bench_function(format!("direct_invoke/{name}"), |b| {
            b.iter_custom(|iters| {
                let mut batch = host.batch();
                let start = cpu_time();
                for _ in 0..iters {
                    ctx.set_packet(&packet).unwrap();
                    black_box(batch.invoke(pass, &mut ctx).unwrap());
                }
                cpu_time() - start
            })
        });

        let (host, loaded) = load("xdp_firewall.o", engine);
        let mut key = 8u32.to_ne_bytes().to_vec();
        key.extend_from_slice(&[10, 0, 0, 0]);
        let blocked = loaded.map("blocked").unwrap();
        blocked.map().update(&key, &1u32.to_ne_bytes(), 0).unwrap();
        let xdp = XdpHook::new(&host).unwrap();
        let fw = loaded.program("xdp_firewall").unwrap();
        let _link = host.attach(fw, attach_type, WILDCARD).unwrap();
        let frames = [frame([10, 1, 2, 3]), frame([192, 168, 1, 1])];
        let mut ctx = xdp.new_context().unwrap();
        group.bench_function(format!("xdp_firewall_64B/{name}"), |b| {
            b.iter_custom(|iters| {
                let mut batch = xdp.hook().batch();
                let start = cpu_time();
                for i in 0..iters {
                    ctx.set_packet(&frames[(i & 1) as usize]).unwrap();
                    black_box(xdp.run(&mut batch, 1, &mut ctx).unwrap());
                }
                cpu_time() - start
            })
        });
    }
    group.finish();
}

criterion_group!(benches, xdp_hook);
criterion_main!(benches);
