//! The XDP hook through the public API: the firewall attached to a Linux host's hook, links
//! detached, replaced and dropped, the attach rules.

mod common;

use common::*;
use ebpf_kernel_host::hooks::xdp::{XdpAction, XdpHook};
use ebpf_kernel_host::hooks::WILDCARD;
use ebpf_kernel_host::{Engine, ObjectErrorKind};
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
