//! Attaching checks the attach type a program was verified for where its program type's
//! context depends on it (Linux's `expected_attach_type`): `tests/host/linux_sock.c`'s
//! `cgroup/connect6` program reads `user_ip6`, which a connect4 context lacks, and is refused
//! there; `tests/host/attach_types.c`'s program, verified for no attach type, attaches at every
//! socket-address hook.

mod common;

use common::*;
use std::sync::Arc;

use ebpf_kernel_host::hooks::sock::SockAddrEvent;
use ebpf_kernel_host::hooks::sock_addr::CgroupSockAddrHook;
use ebpf_kernel_host::hooks::WILDCARD;
use ebpf_kernel_host::{Host, Link, LoadOptions, ObjectError, ObjectErrorKind, Program};
use ebpf_platform::LINUX;

/// Attaches `p` at `attach_type` (detached when the link returned is dropped).
fn attach(host: &Host, p: &Arc<Program>, attach_type: &str) -> Result<Arc<Link>, ObjectError> {
    let at = host.platform().attach_type(attach_type).unwrap();
    host.attach(p, at, WILDCARD)
}

fn assert_wrong_attach_type(e: ObjectError, hook: &str, verified: &str) {
    let message = e.to_string();
    assert!(
        matches!(e.kind(), ObjectErrorKind::WrongAttachType { attach_type, verified_for }
            if *attach_type == hook && *verified_for == verified),
        "{message}"
    );
    assert!(
        message.contains(hook) && message.contains(verified),
        "{message}"
    );
}

#[test]
fn a_program_attaches_only_at_the_attach_type_it_was_verified_for() {
    for engine in ENGINES {
        let (host, _) = host(&LINUX);
        let loaded = load(&host, "linux_sock.o", engine);
        let connect6 = loaded.program("linux_connect6").unwrap();
        assert_eq!(connect6.attach_type(), Some("cgroup_inet6_connect"));
        let e = attach(&host, connect6, "cgroup_inet4_connect").unwrap_err();
        assert_wrong_attach_type(e, "cgroup_inet4_connect", "cgroup_inet6_connect");
        // Another IPv6 hook with the same context is still another attach type (as on Linux).
        let e = attach(&host, connect6, "cgroup_inet6_bind").unwrap_err();
        assert_wrong_attach_type(e, "cgroup_inet6_bind", "cgroup_inet6_connect");
        attach(&host, connect6, "cgroup_inet6_connect").unwrap();
        // Nothing was attached by the refusals.
        let hook = CgroupSockAddrHook::new(&host, "cgroup_inet4_connect").unwrap();
        let e = SockAddrEvent::new("0.0.0.0:0".parse().unwrap(), "10.0.0.1:80".parse().unwrap());
        assert_eq!(hook.process(WILDCARD, &e).unwrap().programs_run, 0);
    }
}

#[test]
fn replacing_a_links_program_checks_the_attach_type_too() {
    let (host, _) = host(&LINUX);
    let loaded = load(&host, "linux_sock.o", ENGINES[0]);
    let bump = loaded.program("linux_connect4_bump").unwrap();
    let at = LINUX.attach_type("cgroup_inet4_connect").unwrap();
    let link = host.attach(bump, at, WILDCARD).unwrap();
    let e = link
        .replace(loaded.program("linux_connect6").unwrap())
        .unwrap_err();
    assert_wrong_attach_type(e, "cgroup_inet4_connect", "cgroup_inet6_connect");
    // A program of the same attach type replaces it.
    link.replace(loaded.program("linux_connect4").unwrap())
        .unwrap();
}

#[test]
fn a_program_verified_for_no_attach_type_attaches_at_every_hook_of_its_type() {
    for engine in ENGINES {
        let (host, _) = host(&LINUX);
        let object = object("attach_types.o", &LINUX);
        let options = LoadOptions {
            engine,
            program_type: Some("cgroup_sock_addr"),
            ..LoadOptions::default()
        };
        let loaded = host.load(&object, &options).unwrap();
        let any = loaded.program("any_refuse_port_25").unwrap();
        assert_eq!(any.attach_type(), None);
        for (hook, to) in [
            ("cgroup_inet4_connect", "10.0.0.1"),
            ("cgroup_inet6_connect", "[2001:db8::1]"),
            ("cgroup_inet4_bind", "10.0.0.1"),
            ("cgroup_inet6_bind", "[2001:db8::1]"),
        ] {
            let _link = attach(&host, any, hook).unwrap_or_else(|e| panic!("{hook}: {e}"));
            let h = CgroupSockAddrHook::new(&host, hook).unwrap();
            // The port on both sides: bind hooks see the local address, connect the remote.
            let event = |port: u16| {
                let a = format!("{to}:{port}").parse().unwrap();
                SockAddrEvent::new(a, a)
            };
            let out = h.process(WILDCARD, &event(25)).unwrap();
            assert_eq!(
                (out.allowed, out.programs_run),
                (false, 1),
                "{hook} {engine:?}"
            );
            assert!(h.process(WILDCARD, &event(80)).unwrap().allowed, "{hook}");
        }
    }
}
