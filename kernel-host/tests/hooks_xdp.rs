//! The XDP hook through the public API: the firewall attached to a Linux host's hook, links
//! detached, replaced and dropped, the attach rules.

mod common;

use common::*;
use ebpf_kernel_host::hooks::xdp::{XdpAction, XdpHook};
use ebpf_kernel_host::hooks::WILDCARD;
use ebpf_kernel_host::{Engine, ObjectErrorKind, Redirect};
use ebpf_platform::LINUX;

/// A blocked /24 in the firewall's trie.
fn block(loaded: &ebpf_kernel_host::Loaded, prefix: [u8; 4], len: u32) {
    let mut key = len.to_ne_bytes().to_vec();
    key.extend_from_slice(&prefix);
    let trie = loaded.map("blocked").unwrap();
    trie.map().update(&key, &1u32.to_ne_bytes(), 0).unwrap();
}

#[test]
fn the_firewall_runs_through_the_hook_on_both_engines() {
    for engine in ENGINES {
        let (host, _) = host(&LINUX);
        let loaded = load(&host, "xdp_firewall.o", engine);
        block(&loaded, [192, 168, 7, 0], 24);
        let fw = loaded.program("xdp_firewall").unwrap();
        let xdp = XdpHook::new(&host).unwrap();
        // Nothing attached: the packet passes, no program runs.
        let mut pkt = ipv4([192, 168, 7, 1], 17, 53, 64);
        let out = xdp.process(3, &mut pkt).unwrap();
        assert_eq!((out.action, out.programs), (XdpAction::Pass, 0));

        let link = host
            .attach(fw, LINUX.attach_type("xdp").unwrap(), 3)
            .unwrap();
        assert_eq!(xdp.hook().links(), [(link.id(), 3, fw.id())]);
        let cases = [
            ([192, 168, 7, 1], 17, 3, XdpAction::Drop, 1),
            ([192, 168, 8, 1], 17, 3, XdpAction::Pass, 1),
            ([192, 168, 8, 1], 6, 3, XdpAction::Pass, 1),
            // Another interface: the program attached to interface 3 does not run.
            ([192, 168, 7, 1], 17, 4, XdpAction::Pass, 0),
        ];
        for (src, proto, ifindex, action, programs) in cases {
            let mut pkt = ipv4(src, proto, 53, 64);
            let before = pkt.clone();
            let out = xdp.process(ifindex, &mut pkt).unwrap();
            assert_eq!(
                (out.action, out.programs),
                (action, programs),
                "{engine:?} {src:?}"
            );
            assert_eq!(pkt, before, "the firewall writes nothing");
        }
        let verdicts = loaded.map("verdicts").unwrap();
        assert_eq!(u64_at(verdicts, &k32(1)), 1, "one XDP_DROP");
        assert_eq!(u64_at(verdicts, &k32(2)), 2, "two XDP_PASS");
        assert_eq!(
            u64_at(loaded.map("udp_ports").unwrap(), &53u16.to_ne_bytes()),
            1
        );

        // Detached: nothing runs; a second detach is an error naming the link.
        link.detach().unwrap();
        assert!(!link.info().attached);
        let e = link.detach().unwrap_err();
        assert_eq!(e.kind(), &ObjectErrorKind::Detached { link: link.id() });
        let mut pkt = ipv4([192, 168, 7, 1], 17, 53, 64);
        assert_eq!(xdp.process(3, &mut pkt).unwrap().programs, 0);

        // Dropping the last handle detaches too.
        let link = host
            .attach(fw, LINUX.attach_type("xdp").unwrap(), WILDCARD)
            .unwrap();
        let mut pkt = ipv4([192, 168, 7, 1], 17, 53, 64);
        assert_eq!(xdp.process(9, &mut pkt).unwrap().action, XdpAction::Drop);
        drop(link);
        assert!(xdp.hook().links().is_empty());
        assert_eq!(xdp.process(9, &mut pkt).unwrap().programs, 0);
    }
}

#[test]
fn programs_of_another_type_or_attach_type_are_refused() {
    let (host, _) = host(&LINUX);
    let loaded = load(&host, "xdp_firewall.o", Engine::Interpreter);
    let fw = loaded.program("xdp_firewall").unwrap();
    let tc = LINUX.attach_type("tcx_ingress").unwrap();
    let e = host.attach(fw, tc, 1).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the tcx_ingress hook runs sched_cls programs, this one is xdp"
    );
    let sysctl = LINUX.attach_type("cgroup_sysctl").unwrap();
    let e = host.attach(fw, sysctl, 1).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the host has no hook for attach type cgroup_sysctl"
    );
}

/// A 64-byte UDP frame whose tag list (byte 42 on) is empty.
fn frame() -> Vec<u8> {
    let mut f = ipv4([192, 168, 1, 1], 17, 9, 64);
    f[42..].fill(0);
    f
}

/// The tags the programs appended.
fn tags(packet: &[u8]) -> String {
    let n = packet[42] as usize;
    String::from_utf8(packet[43..43 + n].to_vec()).unwrap()
}

struct Setup {
    host: ebpf_kernel_host::Host,
    loaded: ebpf_kernel_host::Loaded,
    xdp: XdpHook,
}

fn setup(engine: Engine) -> Setup {
    let (host, _) = host(&LINUX);
    let loaded = load(&host, "hooks_linux_xdp.o", engine);
    let xdp = XdpHook::new(&host).unwrap();
    Setup { host, loaded, xdp }
}

impl Setup {
    fn attach(&self, name: &str, parameter: u64) -> std::sync::Arc<ebpf_kernel_host::Link> {
        let p = self.loaded.program(name).unwrap();
        let at = self.host.platform().attach_type("xdp").unwrap();
        self.host.attach(p, at, parameter).unwrap()
    }

    fn run(&self, ifindex: u32, packet: &mut Vec<u8>) -> ebpf_kernel_host::hooks::xdp::XdpOutcome {
        self.xdp.process(ifindex, packet).unwrap()
    }
}

#[test]
fn pass_runs_the_next_program_any_other_action_ends_the_run() {
    for engine in ENGINES {
        let s = setup(engine);
        let _a = s.attach("tag_a", WILDCARD);
        let _b = s.attach("tag_b", WILDCARD);
        let mut pkt = frame();
        let out = s.run(1, &mut pkt);
        assert_eq!(
            (out.action, out.programs, out.retval),
            (XdpAction::Pass, 2, 2)
        );
        assert_eq!(
            tags(&pkt),
            "ab",
            "each program sees the previous one's writes"
        );

        let drop = s.attach("drop_all", WILDCARD);
        let _c = s.attach("tag_c", WILDCARD);
        let mut pkt = frame();
        let out = s.run(1, &mut pkt);
        assert_eq!(
            (out.action, out.programs, out.retval),
            (XdpAction::Drop, 3, 1)
        );
        assert_eq!(tags(&pkt), "ab", "tag_c never ran");
        drop.detach().unwrap();
        let mut pkt = frame();
        assert_eq!(s.run(1, &mut pkt).programs, 3);
        assert_eq!(tags(&pkt), "abc");

        // An atomic replace keeps the link's place in the order.
        let d = s.loaded.program("tag_d").unwrap();
        let old = _a.replace(d).unwrap();
        assert_eq!(old.name(), "tag_a");
        assert_eq!(_a.program().name(), "tag_d");
        let mut pkt = frame();
        s.run(1, &mut pkt);
        assert_eq!(tags(&pkt), "dbc");
        // A program of another host, or after a detach, is refused.
        let other = setup(engine);
        let e = _a
            .replace(other.loaded.program("tag_a").unwrap())
            .unwrap_err();
        assert_eq!(e.kind(), &ObjectErrorKind::ForeignObject);
        _b.detach().unwrap();
        assert!(_b.replace(d).is_err());
    }
}

#[test]
fn every_action_and_redirect_is_reported() {
    for engine in ENGINES {
        let s = setup(engine);
        let ports = s.loaded.map("ports").unwrap();
        ports.map().update(&k32(1), &k32(42), 0).unwrap();
        let cases: [(&str, u32, XdpAction, Option<Redirect>); 7] = [
            ("drop_all", 1, XdpAction::Drop, None),
            ("aborts", 1, XdpAction::Aborted, None),
            ("bad_action", 1, XdpAction::Aborted, None),
            (
                "redirect_port",
                5,
                XdpAction::Redirect,
                Some(Redirect::Map {
                    map_id: ports.id(),
                    key: 1,
                    ifindex: 42,
                }),
            ),
            ("redirect_port", 6, XdpAction::Drop, None),
            (
                "redirect_if",
                3,
                XdpAction::Redirect,
                Some(Redirect::Interface { ifindex: 103 }),
            ),
            ("redirect_nowhere", 3, XdpAction::Aborted, None),
        ];
        for (name, ifindex, action, redirect) in cases {
            let link = s.attach(name, WILDCARD);
            let mut pkt = frame();
            let out = s.run(ifindex, &mut pkt);
            assert_eq!(
                (out.action, out.redirect),
                (action, redirect),
                "{name} on {ifindex}"
            );
            link.detach().unwrap();
        }
        let names = [
            XdpAction::Aborted,
            XdpAction::Drop,
            XdpAction::Pass,
            XdpAction::Tx,
            XdpAction::Redirect,
        ]
        .map(XdpAction::name);
        assert_eq!(
            names,
            [
                "XDP_ABORTED",
                "XDP_DROP",
                "XDP_PASS",
                "XDP_TX",
                "XDP_REDIRECT"
            ]
        );
        // XDP_TX with the addresses swapped.
        let _tx = s.attach("tx_swap", WILDCARD);
        let mut pkt = frame();
        let before = pkt.clone();
        let out = s.run(2, &mut pkt);
        assert_eq!(out.action, XdpAction::Tx);
        assert_eq!(&pkt[..6], &before[6..12]);
        assert_eq!(&pkt[6..12], &before[..6]);
        assert_eq!(&pkt[12..], &before[12..]);
    }
}

#[test]
fn interface_programs_run_before_wildcard_ones() {
    let s = setup(Engine::Jit);
    let _a = s.attach("tag_a", WILDCARD);
    let _b = s.attach("tag_b", 5);
    let _c = s.attach("tag_c", WILDCARD);
    let _d = s.attach("tag_d", 6);
    for (ifindex, expected) in [(5, "bac"), (6, "dac"), (7, "ac")] {
        let mut pkt = frame();
        let out = s.run(ifindex, &mut pkt);
        assert_eq!(tags(&pkt), expected, "interface {ifindex}");
        assert_eq!(out.programs, expected.len());
    }
    assert_eq!(
        s.xdp.hook().links().iter().map(|l| l.1).collect::<Vec<_>>(),
        [0, 5, 0, 6]
    );
}

#[test]
fn at_most_sixteen_programs_run_for_one_event() {
    let s = setup(Engine::Interpreter);
    let p = s.loaded.program("count_a").unwrap();
    let xdp = LINUX.attach_type("xdp").unwrap();
    let full = |e: ebpf_kernel_host::ObjectError| {
        assert_eq!(
            e.kind(),
            &ObjectErrorKind::HookFull {
                attach_type: "xdp",
                limit: 16
            }
        );
        assert_eq!(
            e.to_string(),
            "the xdp hook would run more than 16 programs for one event"
        );
    };
    let mut links: Vec<_> = (0..16)
        .map(|_| s.host.attach(p, xdp, WILDCARD).unwrap())
        .collect();
    full(s.host.attach(p, xdp, WILDCARD).unwrap_err());
    full(s.host.attach(p, xdp, 3).unwrap_err());
    let mut pkt = frame();
    assert_eq!(s.run(3, &mut pkt).programs, 16);
    // 10 wildcards leave room for 6 programs per interface.
    links.truncate(10);
    for _ in 0..6 {
        links.push(s.host.attach(p, xdp, 1).unwrap());
    }
    full(s.host.attach(p, xdp, 1).unwrap_err());
    full(s.host.attach(p, xdp, WILDCARD).unwrap_err());
    links.push(s.host.attach(p, xdp, 2).unwrap());
    assert_eq!(s.run(1, &mut pkt).programs, 16);
    assert_eq!(s.run(2, &mut pkt).programs, 11);
    let counts = s.loaded.map("counts").unwrap();
    assert_eq!(u64_at(counts, &k32(0)), 16 + 16 + 11);
}

#[test]
fn encapsulation_moves_the_head_into_the_headroom() {
    for engine in ENGINES {
        let s = setup(engine);
        let _e = s.attach("encap", 4);
        let inner = ipv4([192, 168, 1, 1], 17, 9, 80);
        let mut pkt = inner.clone();
        let out = s.run(4, &mut pkt);
        assert_eq!(out.action, XdpAction::Tx);
        assert_eq!(pkt, encapsulated(&inner), "{engine:?}");
        // The trailer trim after it on another interface.
        let _t = s.attach("trim", 8);
        let mut pkt = inner.clone();
        assert_eq!(s.run(8, &mut pkt).action, XdpAction::Pass);
        assert_eq!(pkt, inner[..inner.len() - 4]);
    }
}
