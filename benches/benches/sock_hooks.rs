//! Invoke cost of the socket hooks: eBPF for Windows' `bind` hook (`bind_policy`, a hash
//! lookup keyed on the process id) and `cgroup/connect4` hook (`connect_redirect`: five helper
//! calls, a hash lookup and, for a redirected destination, the rewrite and a redirect context)
//! from `tests/host/windows_sock.o`, on the JIT and the interpreter:
//!
//! - `run`: [`BindHook::run`] / [`SockAddrHook::run`] with a reused context inside one batch
//!   (what a socket layer handling a stream of events pays per event);
//! - `process`: [`BindHook::process`] / [`SockAddrHook::process`], a fresh context and epoch
//!   entry per event.
//!
//! Each case's outcome is checked before timing.
//!
//! `cargo bench -p ebpf-benches --bench sock_hooks -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use ebpf_kernel_host::hooks::bind::{BindEvent, BindHook, BindVerdict};
use ebpf_kernel_host::hooks::sock::SockAddrEvent;
use ebpf_kernel_host::hooks::sock_addr::{SockAddrHook, SockAddrVerdict};
use ebpf_kernel_host::hooks::WILDCARD;
use ebpf_kernel_host::os::StdOs;
use ebpf_kernel_host::{Engine, Host, Link, LoadOptions, Loaded};
use ebpf_loader::{LoadOptions as ReadOptions, Object};
use ebpf_platform::WINDOWS;

const ENGINES: [(Engine, &str); 2] = [(Engine::Jit, "jit"), (Engine::Interpreter, "interp")];

/// A Windows host with `windows_sock.o` loaded on `engine`, `bind_policy` and
/// `connect_redirect` attached, and their maps filled: process 42 may not bind ports
/// 8000-8099; 192.168.1.9:80 goes to 10.9.9.9:8080.
fn setup(engine: Engine) -> (Host, Loaded, Vec<Arc<Link>>) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/host/windows_sock.o");
    let bytes = std::fs::read(path).expect("tests/host/windows_sock.o");
    let object = Object::parse(&bytes, &ReadOptions::new(&WINDOWS)).expect("parses");
    let host = Host::new(Arc::new(StdOs::new()), &WINDOWS);
    let options = LoadOptions {
        engine,
        ..LoadOptions::default()
    };
    let loaded = host.load(&object, &options).expect("loads");
    let mut range = 8000u16.to_ne_bytes().to_vec();
    range.extend(8099u16.to_ne_bytes());
    let denied = loaded.map("denied_ports").unwrap();
    denied
        .map()
        .update(&42u64.to_ne_bytes(), &range, 0)
        .unwrap();
    let endpoint = |ip: [u8; 4], port: u16| {
        let mut b = ip.to_vec();
        b.extend(port.to_be_bytes());
        b.extend([0, 0]);
        b
    };
    let redirects = loaded.map("redirects").unwrap();
    let (from, to) = (
        endpoint([192, 168, 1, 9], 80),
        endpoint([10, 9, 9, 9], 8080),
    );
    redirects.map().update(&from, &to, 0).unwrap();
    let links = [
        ("bind_policy", "bind"),
        ("connect_redirect", "cgroup_inet4_connect"),
    ]
    .iter()
    .map(|(p, at)| {
        let at = WINDOWS.attach_type(at).unwrap();
        host.attach(loaded.program(p).unwrap(), at, WILDCARD)
            .unwrap()
    })
    .collect();
    (host, loaded, links)
}

fn bind(c: &mut Criterion) {
    let mut g = c.benchmark_group("sock_hooks/bind");
    for (engine, name) in ENGINES {
        let (host, _loaded, _links) = setup(engine);
        let hook = BindHook::new(&host).unwrap();
        let deny = BindEvent::new(42, "0.0.0.0:8050".parse().unwrap());
        let permit = BindEvent::new(43, "0.0.0.0:8050".parse().unwrap());
        assert_eq!(hook.process(&deny).unwrap().verdict, BindVerdict::Deny);
        assert_eq!(
            hook.process(&permit).unwrap().verdict,
            BindVerdict::PermitSoft
        );
        let mut ctx = hook.new_context().unwrap();
        let mut batch = hook.hook().batch();
        g.bench_function(format!("run_deny/{name}"), |b| {
            b.iter(|| hook.run(&mut batch, &mut ctx, black_box(&deny)).unwrap())
        });
        g.bench_function(format!("run_permit/{name}"), |b| {
            b.iter(|| hook.run(&mut batch, &mut ctx, black_box(&permit)).unwrap())
        });
        drop(batch);
        g.bench_function(format!("process/{name}"), |b| {
            b.iter(|| hook.process(black_box(&deny)).unwrap())
        });
    }
    g.finish();
}

fn connect(c: &mut Criterion) {
    let mut g = c.benchmark_group("sock_hooks/connect");
    for (engine, name) in ENGINES {
        let (host, _loaded, _links) = setup(engine);
        let hook = SockAddrHook::new(&host, "cgroup_inet4_connect").unwrap();
        let local = "10.0.0.1:50000".parse().unwrap();
        let redirected = SockAddrEvent::new(local, "192.168.1.9:80".parse().unwrap());
        let plain = SockAddrEvent::new(local, "192.168.1.9:443".parse().unwrap());
        let out = hook.process(&redirected).unwrap();
        assert_eq!(out.redirect, Some("10.9.9.9:8080".parse().unwrap()));
        let out = hook.process(&plain).unwrap();
        assert_eq!(
            (out.verdict, out.redirect),
            (SockAddrVerdict::ProceedSoft, None)
        );
        let mut ctx = hook.new_context().unwrap();
        let mut batch = hook.hook().batch();
        g.bench_function(format!("run_redirect/{name}"), |b| {
            b.iter(|| {
                hook.run(&mut batch, &mut ctx, black_box(&redirected))
                    .unwrap()
            })
        });
        g.bench_function(format!("run_plain/{name}"), |b| {
            b.iter(|| hook.run(&mut batch, &mut ctx, black_box(&plain)).unwrap())
        });
        drop(batch);
        g.bench_function(format!("process/{name}"), |b| {
            b.iter(|| hook.process(black_box(&plain)).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, bind, connect);
criterion_main!(benches);
