//! The eBPF for Windows XDP hook: xdp_md_t with 8-byte pointers and ingress_ifindex, verdicts
//! PASS 1 / DROP 2 / TX 3 (any other value drops), bpf_xdp_adjust_head (65536) into the
//! headroom, several programs combined by the hook's rule.

mod common;

use common::*;
use ebpf_kernel_host::hooks::xdp::{XdpAction, XdpHook};
use ebpf_kernel_host::hooks::WILDCARD;
use ebpf_platform::WINDOWS;

fn frame() -> Vec<u8> {
    let mut f = ipv4([172, 16, 0, 9], 17, 9, 64);
    f[42..].fill(0);
    f
}

#[test]
fn windows_xdp_verdicts_order_and_encapsulation() {
    for engine in ENGINES {
        let (host, _) = host(&WINDOWS);
        let loaded = load(&host, "hooks_windows_xdp.o", engine);
        let xdp = XdpHook::new(&host).unwrap();
        let at = WINDOWS.attach_type("xdp").unwrap();
        let attach = |name: &str, parameter: u64| {
            host.attach(loaded.program(name).unwrap(), at, parameter)
                .unwrap()
        };
        let counts = loaded.map("counts").unwrap();

        // Verdict values: 1 passes, 2 drops, 3 transmits, anything else drops.
        for (name, action, retval) in [
            ("count_a", XdpAction::Pass, 1),
            ("drop_all", XdpAction::Drop, 2),
            ("tx_back", XdpAction::Tx, 3),
            ("bad_action", XdpAction::Drop, 7),
        ] {
            let link = attach(name, WILDCARD);
            let mut pkt = frame();
            let out = xdp.process(6, &mut pkt).unwrap();
            assert_eq!(
                (out.action, out.retval, out.programs),
                (action, retval, 1),
                "{name}"
            );
            link.detach().unwrap();
        }
        // drop_all counted its ingress_ifindex (6 % 4 = 2 → slot 10).
        assert_eq!(u64_at(counts, &k32(10)), 1);

        // Interface programs first, PASS goes on, DROP ends the run.
        let _a = attach("tag_a", WILDCARD);
        let _b = attach("tag_b", 2);
        let _c = attach("tag_c", WILDCARD);
        let mut pkt = frame();
        let out = xdp.process(2, &mut pkt).unwrap();
        assert_eq!((out.action, out.programs), (XdpAction::Pass, 3));
        assert_eq!(&pkt[42..46], &[3, b'b', b'a', b'c']);
        let _d = attach("drop_all", 2);
        let _never = attach("count_b", WILDCARD);
        let mut pkt = frame();
        let out = xdp.process(2, &mut pkt).unwrap();
        assert_eq!((out.action, out.programs), (XdpAction::Drop, 2));
        assert_eq!(&pkt[42..45], &[1, b'b', 0]);
        assert_eq!(u64_at(counts, &k32(1)), 0, "count_b never ran");
        drop((_a, _b, _c, _d, _never));

        // bpf_xdp_adjust_head(-20) into the headroom, the new bytes written and returned.
        let _e = attach("encap", 1);
        let inner = ipv4([172, 16, 0, 9], 6, 80, 100);
        let mut pkt = inner.clone();
        let out = xdp.process(1, &mut pkt).unwrap();
        assert_eq!(out.action, XdpAction::Tx);
        assert_eq!(pkt, encapsulated(&inner), "{engine:?}");
    }
}
