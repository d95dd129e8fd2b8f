//! The socket hooks with clang-built programs (`tests/host/windows_sock.c`,
//! `tests/host/linux_sock.c`) on both engines: eBPF for Windows' bind, sock_addr and sockops
//! hooks and Linux's cgroup connect and bind hooks, verdicts, redirects and map contents
//! checked exactly.

mod common;

use std::net::{SocketAddr, SocketAddrV4};

use common::*;
use std::sync::Arc;

use ebpf_kernel_host::hooks::bind::{BindEvent, BindHook, BindOperation, BindVerdict};
use ebpf_kernel_host::hooks::sock::{NetworkContext, SockAddrEvent, SockHookErrorKind};
use ebpf_kernel_host::hooks::sock_addr::{CgroupSockAddrHook, SockAddrHook, SockAddrVerdict};
use ebpf_kernel_host::hooks::sock_ops::{SockOp, SockOpsEvent, SockOpsHook};
use ebpf_kernel_host::hooks::WILDCARD;
use ebpf_kernel_host::{Engine, Host, Link, Loaded, MapObject, ObjectErrorKind, Program};
use ebpf_platform::{LINUX, WINDOWS};

/// The Windows programs, each tagged program returning PROCEED_SOFT until told otherwise.
fn windows(engine: Engine) -> (Host, Loaded) {
    let (host, _) = host(&WINDOWS);
    let loaded = load(&host, "windows_sock.o", engine);
    for tag in 1..8 {
        set_verdict(&loaded, tag, 1);
    }
    (host, loaded)
}

fn prog<'a>(loaded: &'a Loaded, name: &str) -> &'a Arc<Program> {
    loaded.program(name).unwrap_or_else(|| panic!("{name}"))
}

/// Attaches program `name` of `loaded` to `attach_type` with `parameter`.
fn attach(
    host: &Host,
    loaded: &Loaded,
    name: &str,
    attach_type: &str,
    parameter: u64,
) -> Arc<Link> {
    let at = host.platform().attach_type(attach_type).unwrap();
    host.attach(prog(loaded, name), at, parameter)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
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
        let denied = loaded.map("denied_ports").unwrap();
        let mut range = 8000u16.to_ne_bytes().to_vec();
        range.extend(8099u16.to_ne_bytes());
        denied
            .map()
            .update(&42u64.to_ne_bytes(), &range, 0)
            .unwrap();
        let hook = BindHook::new(&host).unwrap();
        // No program: permitted, nothing ran.
        let out = hook
            .process(&BindEvent::new(42, v4("0.0.0.0:8050")))
            .unwrap();
        assert_eq!(
            (out.verdict, out.programs_run),
            (BindVerdict::PermitSoft, 0)
        );
        let _link = attach(&host, &loaded, "bind_policy", "bind", WILDCARD);
        // Single attach.
        let second = host.attach(
            prog(&loaded, "bind_policy"),
            WINDOWS.attach_type("bind").unwrap(),
            WILDCARD,
        );
        assert!(matches!(
            second.unwrap_err().kind(),
            ObjectErrorKind::SingleAttach { .. }
        ));
        let mut ctx = hook.new_context().unwrap();
        let mut run = |e: &BindEvent| hook.run(&mut host.batch(), &mut ctx, e).unwrap();
        let out = run(&BindEvent::new(42, v4("0.0.0.0:8050")));
        assert_eq!(
            (out.verdict, out.programs_run),
            (BindVerdict::Deny, 1),
            "{engine:?}"
        );
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
        // Verdict counts, index = the value returned (666's 9 is past the array; the
        // unbind's deny is counted).
        let verdicts = loaded.map("bind_verdicts").unwrap();
        assert_eq!(counts(verdicts, 8), [3, 3, 1, 1, 0, 0, 0, 0], "{engine:?}");
    }
    // Not a Linux hook.
    let (linux, _) = host(&LINUX);
    assert!(matches!(
        BindHook::new(&linux).unwrap_err().kind(),
        ObjectErrorKind::NoHook { .. }
    ));
}

/// The `redirects` map's key or value: address and port in network order.
fn endpoint(a: &str) -> Vec<u8> {
    let a = v4(a);
    let mut b = a.ip().octets().to_vec();
    b.extend(a.port().to_be_bytes());
    b.extend([0, 0]);
    b
}

#[test]
fn connect_redirect_reports_the_new_address_and_the_helpers_see_the_event() {
    for engine in ENGINES {
        let (host, loaded) = windows(engine);
        let _link = attach(
            &host,
            &loaded,
            "connect_redirect",
            "cgroup_inet4_connect",
            WILDCARD,
        );
        let redirects = loaded.map("redirects").unwrap();
        redirects
            .map()
            .update(&endpoint("192.168.1.9:80"), &endpoint("10.9.9.9:8080"), 0)
            .unwrap();
        let hook = SockAddrHook::new(&host, "cgroup_inet4_connect").unwrap();
        let mut e =
            SockAddrEvent::new(sa("10.0.0.1:50000"), sa("192.168.1.9:80")).from_process(4321, 17);
        e.compartment_id = 3;
        e.logon_id = 0xabcd;
        e.is_admin = true;
        e.socket_cookie = 0x5151;
        e.network_context = Some(NetworkContext {
            interface_type: 71,
            tunnel_type: u32::MAX,
            next_hop_interface_luid: 9,
            sub_interface_index: 4,
        });
        let out = hook.process(&e).unwrap();
        assert_eq!(out.verdict, SockAddrVerdict::ProceedSoft, "{engine:?}");
        assert_eq!(out.redirect, Some(sa("10.9.9.9:8080")));
        assert_eq!(out.redirect_context.as_deref(), Some(&b"proxy-1\0"[..]));
        assert_eq!(out.programs_run, 1);
        let seen = loaded.map("last_connect").unwrap();
        let mut v = [0u8; 56];
        seen.map().lookup(&0u32.to_ne_bytes(), &mut v).unwrap();
        let u64_at = |v: &[u8], o: usize| u64::from_ne_bytes(v[o..o + 8].try_into().unwrap());
        let u32_at = |v: &[u8], o: usize| u32::from_ne_bytes(v[o..o + 4].try_into().unwrap());
        assert_eq!(u64_at(&v, 0), (4321 << 32) | 17, "pid_tgid");
        assert_eq!(u64_at(&v, 8), 0xabcd, "logon id");
        assert_eq!(u64_at(&v, 16), 0x5151, "cookie");
        assert_eq!(u64_at(&v, 24), 0, "network context found");
        assert_eq!((u32_at(&v, 32), u32_at(&v, 36)), (71, 4));
        assert_eq!(
            (u32_at(&v, 40), u32_at(&v, 44)),
            (3, 1),
            "compartment, admin"
        );
        assert_eq!(
            &v[48..52],
            &[10, 0, 0, 1],
            "msg_src is the local end at connect"
        );
        assert_eq!(u32_at(&v, 52), u32::from(50000u16.to_be()));
        // Not in the map: no redirect, no context; without a network context the helper
        // fails. The context is reused.
        let mut ctx = hook.new_context().unwrap();
        let mut batch = hook.hook().batch();
        e.remote = sa("192.168.1.9:443");
        e.network_context = None;
        e.is_admin = false;
        let out = hook.run(&mut batch, &mut ctx, &e).unwrap();
        assert_eq!((out.redirect, out.redirect_context), (None, None));
        seen.map().lookup(&0u32.to_ne_bytes(), &mut v).unwrap();
        assert_eq!(u64_at(&v, 24) as i64, -1);
        assert_eq!(u32_at(&v, 44), 0, "not admin");
        // Port 25 is rejected, before any redirect.
        e.remote = sa("192.168.1.9:25");
        let out = hook.run(&mut batch, &mut ctx, &e).unwrap();
        assert_eq!((out.verdict, out.redirect), (SockAddrVerdict::Reject, None));
        assert!(!out.permitted());
        // An IPv6 event at an IPv4 hook is refused, naming it.
        e.remote = sa("[::1]:80");
        let err = hook.run(&mut batch, &mut ctx, &e).unwrap_err();
        assert!(matches!(err.kind(), SockHookErrorKind::WrongFamily { .. }));
        assert_eq!(
            err.to_string(),
            "cgroup/connect4 hook: the remote address [::1]:80 is not IPv4, as the hook's are"
        );
    }
}

#[test]
fn connect6_redirects_and_proceeds_hard() {
    for engine in ENGINES {
        let (host, loaded) = windows(engine);
        let _link = attach(
            &host,
            &loaded,
            "connect6_redirect",
            "cgroup_inet6_connect",
            WILDCARD,
        );
        let hook = SockAddrHook::new(&host, "cgroup_inet6_connect").unwrap();
        let run = |remote: &str| {
            let e = SockAddrEvent::new(sa("[2001:db8::100]:40000"), sa(remote));
            hook.process(&e).unwrap()
        };
        let out = run("[2001:db8::1]:80");
        assert_eq!(out.verdict, SockAddrVerdict::ProceedHard);
        assert_eq!(out.redirect, Some(sa("[2001:db8::2]:8080")), "{engine:?}");
        let out = run("[2001:db8::1]:81");
        assert_eq!(
            (out.verdict, out.redirect),
            (SockAddrVerdict::ProceedHard, None)
        );
    }
}

#[test]
fn recv_accept_filters_peers() {
    for engine in ENGINES {
        let (host, loaded) = windows(engine);
        let _link = attach(
            &host,
            &loaded,
            "accept_filter",
            "cgroup_inet4_recv_accept",
            WILDCARD,
        );
        // One program per parameter.
        let again = host.attach(
            prog(&loaded, "accept_filter"),
            WINDOWS.attach_type("cgroup_inet4_recv_accept").unwrap(),
            WILDCARD,
        );
        assert!(matches!(
            again.unwrap_err().kind(),
            ObjectErrorKind::SingleAttach { .. }
        ));
        let blocked = loaded.map("blocked_peers").unwrap();
        blocked
            .map()
            .update(&[203, 0, 113, 7], &1u32.to_ne_bytes(), 0)
            .unwrap();
        let hook = SockAddrHook::new(&host, "cgroup_inet4_recv_accept").unwrap();
        let run = |local: &str, remote: &str| {
            hook.process(&SockAddrEvent::new(sa(local), sa(remote)))
                .unwrap()
                .verdict
        };
        use SockAddrVerdict::*;
        assert_eq!(run("10.0.0.1:80", "203.0.113.7:5000"), Reject, "{engine:?}");
        assert_eq!(run("10.0.0.1:22", "203.0.113.7:5000"), Reject);
        assert_eq!(run("10.0.0.1:22", "203.0.113.8:5000"), ProceedHard);
        assert_eq!(run("10.0.0.1:80", "203.0.113.8:5000"), ProceedSoft);
        assert_eq!(
            counts(loaded.map("accept_verdicts").unwrap(), 3),
            [2, 1, 1],
            "index = verdict"
        );
    }
}

/// The tags pushed to `order`, oldest first (emptying it).
fn drain_order(loaded: &Loaded) -> Vec<u32> {
    let order = loaded.map("order").unwrap();
    let mut out = Vec::new();
    let mut v = [0u8; 4];
    while order.map().pop(&mut v).is_ok() {
        out.push(u32::from_ne_bytes(v));
    }
    out
}

fn set_verdict(loaded: &Loaded, tag: u32, v: u32) {
    let m = loaded.map("verdict_of").unwrap();
    m.map()
        .update(&tag.to_ne_bytes(), &v.to_ne_bytes(), 0)
        .unwrap();
}

#[test]
fn several_programs_most_restrictive_wins() {
    for engine in ENGINES {
        let (host, loaded) = windows(engine);
        let links: Vec<Arc<Link>> = ["tag1", "tag2", "tag3"]
            .iter()
            .map(|n| attach(&host, &loaded, n, "cgroup_inet4_connect", WILDCARD))
            .collect();
        let hook = SockAddrHook::new(&host, "cgroup_inet4_connect").unwrap();
        let e = SockAddrEvent::new(sa("10.0.0.1:1000"), sa("10.0.0.2:80"));
        use SockAddrVerdict::*;
        // soft, hard, soft: hard.
        set_verdict(&loaded, 2, 2);
        let out = hook.process(&e).unwrap();
        assert_eq!(
            (out.verdict, out.programs_run),
            (ProceedHard, 3),
            "{engine:?}"
        );
        assert_eq!(drain_order(&loaded), [1, 2, 3]);
        // A reject stops the chain.
        set_verdict(&loaded, 2, 0);
        let out = hook.process(&e).unwrap();
        assert_eq!((out.verdict, out.programs_run), (Reject, 2));
        assert_eq!(drain_order(&loaded), [1, 2]);
        // Any other value rejects.
        set_verdict(&loaded, 2, 7);
        assert_eq!(hook.process(&e).unwrap().verdict, Reject);
        drain_order(&loaded);
        // A rewrite at connect is a redirect and stops the chain, with its program's
        // verdict: tag4 replaces tag2 in place.
        set_verdict(&loaded, 4, 2);
        links[1].replace(prog(&loaded, "tag4_rewrites")).unwrap();
        let out = hook.process(&e).unwrap();
        assert_eq!(out.redirect, Some(sa("10.0.0.2:9999")));
        assert_eq!((out.verdict, out.programs_run), (ProceedHard, 2));
        assert_eq!(drain_order(&loaded), [1, 4]);
        let runs = loaded.map("runs").unwrap();
        assert_eq!(counts(runs, 5), [0, 4, 3, 1, 1]);
    }
}

#[test]
fn compartment_programs_run_before_wildcard_ones() {
    let (host, loaded) = windows(Engine::Interpreter);
    let _wild = attach(&host, &loaded, "tag1", "cgroup_inet4_connect", WILDCARD);
    let _five = attach(&host, &loaded, "tag2", "cgroup_inet4_connect", 5);
    let _six = attach(&host, &loaded, "tag3", "cgroup_inet4_connect", 6);
    let hook = SockAddrHook::new(&host, "cgroup_inet4_connect").unwrap();
    let mut e = SockAddrEvent::new(sa("10.0.0.1:1000"), sa("10.0.0.2:80"));
    for (compartment, order) in [(5, vec![2, 1]), (6, vec![3, 1]), (7, vec![1])] {
        e.compartment_id = compartment;
        let out = hook.process(&e).unwrap();
        assert_eq!(out.programs_run, order.len());
        assert_eq!(drain_order(&loaded), order, "compartment {compartment}");
    }
    // sockops: one program per compartment and one wildcard.
    let ops = WINDOWS.attach_type("cgroup_sock_ops").unwrap();
    let counter = prog(&loaded, "flow_counter");
    let _c5 = host.attach(counter, ops, 5).unwrap();
    let refused = host.attach(counter, ops, 5).unwrap_err();
    assert!(matches!(
        refused.kind(),
        ObjectErrorKind::SingleAttach { .. }
    ));
    let ops_hook = SockOpsHook::new(&host).unwrap();
    let mut flow = SockOpsEvent::new(
        SockOp::ActiveEstablished,
        1,
        sa("10.0.0.1:1"),
        sa("10.0.0.2:2"),
    );
    flow.flow.compartment_id = 5;
    assert_eq!(ops_hook.process(&flow).unwrap().programs_run, 1);
    flow.flow.compartment_id = 6;
    assert_eq!(
        ops_hook.process(&flow).unwrap().programs_run,
        0,
        "no wildcard program"
    );
}

#[test]
fn connect_authorization_undoes_writes() {
    for engine in ENGINES {
        let (host, loaded) = windows(engine);
        let _a = attach(
            &host,
            &loaded,
            "auth_rewrites",
            "cgroup_inet4_connect_authorization",
            WILDCARD,
        );
        let _b = attach(
            &host,
            &loaded,
            "auth_tag6",
            "cgroup_inet4_connect_authorization",
            WILDCARD,
        );
        let hook = SockAddrHook::new(&host, "cgroup_inet4_connect_authorization").unwrap();
        let e = SockAddrEvent::new(sa("10.0.0.1:1000"), sa("10.0.0.2:80"));
        let out = hook.process(&e).unwrap();
        assert_eq!(
            (out.verdict, out.redirect, out.programs_run),
            (SockAddrVerdict::ProceedSoft, None, 2)
        );
        assert_eq!(drain_order(&loaded), [5, 6], "{engine:?}");
        let seen = loaded.map("port_seen").unwrap();
        assert_eq!(
            u32_at(seen, &6u32.to_ne_bytes()),
            u32::from(80u16.to_be()),
            "the next program sees the original port"
        );
    }
}

#[test]
fn sockops_counts_flows() {
    for engine in ENGINES {
        let (host, loaded) = windows(engine);
        let _link = attach(&host, &loaded, "flow_counter", "cgroup_sock_ops", WILDCARD);
        let hook = SockOpsHook::new(&host).unwrap();
        let mut ctx = hook.new_context().unwrap();
        let mut batch = hook.hook().batch();
        let mut flows = Vec::new();
        for (i, (op, remote)) in [
            (SockOp::ActiveEstablished, "10.0.0.2:80"),
            (SockOp::ActiveEstablished, "10.0.0.3:443"),
            (SockOp::PassiveEstablished, "10.0.0.4:50000"),
            (SockOp::ActiveEstablished, "10.0.0.5:6666"),
        ]
        .into_iter()
        .enumerate()
        {
            let mut e = SockOpsEvent::new(op, 100 + i as u64, sa("10.0.0.1:1234"), sa(remote));
            e.flow = e.flow.from_process(77, i as u32);
            let out = hook.run(&mut batch, &mut ctx, &e).unwrap();
            assert_eq!(
                out.permitted,
                !remote.ends_with(":6666"),
                "{engine:?} {remote}"
            );
            assert_eq!(out.programs_run, 1);
            flows.push(e);
        }
        let flow_map = loaded.map("flows").unwrap();
        assert_eq!(entries(flow_map).len(), 4);
        let mut v = [0u8; 16];
        flow_map
            .map()
            .lookup(&102u64.to_ne_bytes(), &mut v)
            .unwrap();
        assert_eq!(&v[0..4], &[0x04, 0xd2, 0, 0], "local port in network order");
        assert_eq!(&v[4..8], &[0xc3, 0x50, 0, 0]);
        assert_eq!(
            u64::from_ne_bytes(v[8..16].try_into().unwrap()),
            (77 << 32) | 2
        );
        for e in &flows[..3] {
            let mut gone = e.clone();
            gone.op = SockOp::Deleted;
            assert!(hook.run(&mut batch, &mut ctx, &gone).unwrap().permitted);
        }
        drop(batch);
        assert_eq!(counts(loaded.map("flow_events").unwrap(), 3), [3, 1, 3]);
        let left: Vec<Vec<u8>> = entries(flow_map).into_iter().map(|(k, _)| k).collect();
        assert_eq!(left, [103u64.to_ne_bytes().to_vec()]);
    }
}

#[test]
fn linux_cgroup_connect_and_bind() {
    for engine in ENGINES {
        let (host, _) = host(&LINUX);
        let loaded = load(&host, "linux_sock.o", engine);
        const CGROUP: u64 = 9;
        let _c = attach(
            &host,
            &loaded,
            "linux_connect4",
            "cgroup_inet4_connect",
            CGROUP,
        );
        let _d = attach(
            &host,
            &loaded,
            "linux_connect4_bump",
            "cgroup_inet4_connect",
            WILDCARD,
        );
        let _e = attach(
            &host,
            &loaded,
            "linux_connect6",
            "cgroup_inet6_connect",
            WILDCARD,
        );
        let _f = attach(&host, &loaded, "linux_bind4", "cgroup_inet4_bind", WILDCARD);
        let _g = attach(&host, &loaded, "linux_bind6", "cgroup_inet6_bind", WILDCARD);
        let map = loaded.map("connect_map").unwrap();
        let ep = |a: &str| {
            let a = v4(a);
            let mut b = a.ip().octets().to_vec();
            b.extend(u32::from(a.port().to_be()).to_ne_bytes());
            b
        };
        map.map()
            .update(&ep("10.0.0.1:80"), &ep("10.0.0.2:8080"), 0)
            .unwrap();
        let mut e = SockAddrEvent::new(sa("0.0.0.0:0"), sa("10.0.0.1:80")).from_process(500, 501);
        e.user_id = 1000;
        e.group_id = 100;
        e.socket_cookie = 77;
        let hook = |name: &str| CgroupSockAddrHook::new(&host, name).unwrap();
        let connect4 = hook("cgroup_inet4_connect");
        let out = connect4.process(CGROUP, &e).unwrap();
        assert!(out.allowed, "{engine:?}");
        assert_eq!(
            out.address,
            Some(sa("10.0.0.2:8081")),
            "the second program saw the first's rewrite"
        );
        assert_eq!(out.programs_run, 2);
        let callers = loaded.map("callers").unwrap();
        assert_eq!(
            counts(callers, 3),
            [(500 << 32) | 501, (100 << 32) | 1000, 77]
        );
        // Another cgroup: only the wildcard program.
        let out = connect4.process(CGROUP + 1, &e).unwrap();
        assert_eq!(
            (out.allowed, out.address, out.programs_run),
            (true, None, 1)
        );
        e.remote = sa("10.0.0.1:25");
        let out = connect4.process(CGROUP, &e).unwrap();
        assert_eq!(
            (out.allowed, out.address, out.programs_run),
            (false, None, 2),
            "all programs run"
        );
        e.remote = sa("[2001:db8::1]:80");
        let out = hook("cgroup_inet6_connect").process(CGROUP, &e).unwrap();
        assert_eq!(
            (out.allowed, out.address),
            (true, Some(sa("[2001:db8::1]:8443")))
        );
        let bind4 = hook("cgroup_inet4_bind");
        e.local = sa("0.0.0.0:80");
        assert!(!bind4.process(CGROUP, &e).unwrap().allowed);
        e.user_id = 0;
        assert!(bind4.process(CGROUP, &e).unwrap().allowed);
        e.local = sa("0.0.0.0:5000");
        let out = bind4.process(CGROUP, &e).unwrap();
        assert_eq!(
            (out.allowed, out.address),
            (true, Some(sa("127.0.0.1:5000")))
        );
        let bind6 = hook("cgroup_inet6_bind");
        e.local = sa("[::]:5000");
        assert!(bind6.process(CGROUP, &e).unwrap().allowed);
        e.sock_type = 2;
        assert!(!bind6.process(CGROUP, &e).unwrap().allowed);
        // eBPF for Windows' wrapper refuses a Linux host's hook.
        let err = SockAddrHook::new(&host, "cgroup_inet4_connect").unwrap_err();
        assert_eq!(
            err.to_string(),
            "the host has no hook for attach type cgroup_inet4_connect"
        );
    }
}

#[test]
fn writes_are_ignored_at_bind_listen_and_recv_accept() {
    for engine in ENGINES {
        let (host, loaded) = windows(engine);
        let e = SockAddrEvent::new(sa("10.0.0.1:1000"), sa("10.0.0.2:80"));
        for (attach_type, tag) in [
            ("cgroup_inet4_bind", 4),
            ("cgroup_inet4_listen", 4),
            ("cgroup_inet4_recv_accept", 4),
        ] {
            let _link = attach(&host, &loaded, "tag4_rewrites", attach_type, WILDCARD);
            set_verdict(&loaded, tag, 2);
            let out = SockAddrHook::new(&host, attach_type)
                .unwrap()
                .process(&e)
                .unwrap();
            assert_eq!(
                (
                    out.verdict,
                    out.redirect,
                    out.redirect_context,
                    out.programs_run
                ),
                (SockAddrVerdict::ProceedHard, None, None, 1),
                "{engine:?} {attach_type}"
            );
            // `user` is the local end at these layers.
            let seen = loaded.map("port_seen").unwrap();
            assert_eq!(
                u32_at(seen, &4u32.to_ne_bytes()),
                u32::from(1000u16.to_be())
            );
        }
        // IPv6 at recv_accept: family 23, user = local; the rewrite is no redirect.
        let _link = attach(
            &host,
            &loaded,
            "connect6_redirect",
            "cgroup_inet6_recv_accept",
            WILDCARD,
        );
        let hook = SockAddrHook::new(&host, "cgroup_inet6_recv_accept").unwrap();
        let e6 = SockAddrEvent::new(sa("[2001:db8::1]:80"), sa("[2001:db8::9]:5000"));
        let out = hook.process(&e6).unwrap();
        assert_eq!(
            (out.verdict, out.redirect),
            (SockAddrVerdict::ProceedHard, None)
        );
    }
}
