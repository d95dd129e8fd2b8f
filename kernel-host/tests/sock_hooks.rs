//! The socket hooks with clang-built programs (`tests/host/windows_sock.c`,
//! `tests/host/linux_sock.c`) on both engines: eBPF for Windows' bind, sock_addr and sockops
//! hooks and Linux's cgroup connect and bind hooks, verdicts, redirects and map contents
//! checked exactly.

mod common;

use std::net::{SocketAddr, SocketAddrV4};

use common::*;
use ebpf_kernel_host::hooks::bind::{self, BindEvent, BindOperation, BindVerdict};
use ebpf_kernel_host::hooks::sock::{Family, NetworkContext, SockAddrEvent, SockHookErrorKind};
use ebpf_kernel_host::hooks::sock_addr::{self, SockAddrLayer, SockAddrVerdict};
use ebpf_kernel_host::hooks::sock_ops::{self, SockOp, SockOpsEvent};
use ebpf_kernel_host::{Engine, Host, Loaded, MapObject, Program};
use ebpf_platform::{LINUX, WINDOWS};

fn windows(engine: Engine) -> (Host, Loaded) {
    let (host, _) = host(&WINDOWS);
    let loaded = load(&host, "windows_sock.o", engine);
    (host, loaded)
}

fn prog<'a>(loaded: &'a Loaded, name: &str) -> &'a Program {
    loaded.program(name).unwrap_or_else(|| panic!("{name}"))
}

fn v4(s: &str) -> SocketAddrV4 {
    s.parse().unwrap()
}

fn sa(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn counts(map: &MapObject, n: u32) -> Vec<u64> {
    (0..n).map(|k| u64_at(map, &k.to_ne_bytes())).collect()
}

#[test]
fn bind_policy_keyed_on_process_id() {
    for engine in ENGINES {
        let (host, loaded) = windows(engine);
        let p = prog(&loaded, "bind_policy");
        let denied = loaded.map("denied_ports").unwrap();
        let mut range = 8000u16.to_ne_bytes().to_vec();
        range.extend(8099u16.to_ne_bytes());
        denied
            .map()
            .update(&42u64.to_ne_bytes(), &range, 0)
            .unwrap();
        let run = |e: &BindEvent| bind::run(&mut host.batch(), [p], e).unwrap();
        let out = run(&BindEvent::new(42, v4("0.0.0.0:8050")));
        assert_eq!((out.verdict, out.programs_run), (BindVerdict::Deny, 1));
        assert_eq!(
            run(&BindEvent::new(42, v4("0.0.0.0:8100"))).verdict,
            BindVerdict::PermitSoft
        );
        assert_eq!(
            run(&BindEvent::new(43, v4("0.0.0.0:8050"))).verdict,
            BindVerdict::PermitSoft
        );
        let mut udp = BindEvent::new(43, v4("10.0.0.1:53"));
        udp.protocol = 17;
        assert_eq!(run(&udp).verdict, BindVerdict::PermitHard);
        // The application id is the packet.
        let mut app = BindEvent::new(43, v4("0.0.0.0:80"));
        app.app_id = b"deny-me.exe".to_vec();
        assert_eq!(run(&app).verdict, BindVerdict::Deny);
        app.app_id = b"den".to_vec();
        assert_eq!(run(&app).verdict, BindVerdict::PermitSoft);
        // A value that is no verdict denies.
        assert_eq!(
            run(&BindEvent::new(666, v4("0.0.0.0:80"))).verdict,
            BindVerdict::Deny
        );
        // BIND_REDIRECT reports the rewritten address.
        let out = run(&BindEvent::new(43, v4("10.1.1.1:7777")));
        assert_eq!(out.verdict, BindVerdict::Redirect);
        assert_eq!(out.redirect, Some(v4("10.1.1.1:7778")));
        // Unbind: the program runs, its verdict is ignored.
        let mut unbind = BindEvent::new(42, v4("0.0.0.0:8050"));
        unbind.operation = BindOperation::Unbind;
        let out = run(&unbind);
        assert_eq!(
            (out.verdict, out.programs_run),
            (BindVerdict::PermitSoft, 1)
        );
        // No program: permitted.
        let none: [&Program; 0] = [];
        let out = bind::run(
            &mut host.batch(),
            none,
            &BindEvent::new(42, v4("0.0.0.0:8050")),
        );
        assert_eq!(out.unwrap().programs_run, 0);
        // Verdict counts: index = value returned.
        let verdicts = loaded.map("bind_verdicts").unwrap();
        // 666's 9 is past the array; the unbind's deny is counted.
        assert_eq!(counts(verdicts, 8), [3, 3, 1, 1, 0, 0, 0, 0], "{engine:?}");
    }
}
