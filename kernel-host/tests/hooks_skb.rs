//! Linux socket filters and tc classifiers over a `__sk_buff` built from a frame: the fields
//! the host fills, legacy packet loads from the network header, direct packet access and
//! writes, ctx writes, redirects, the tcx chaining rule and single-attach refusal.

mod common;

use common::*;
use ebpf_kernel_host::hooks::skb::{SkbHook, SkbMeta, TcAction};
use ebpf_kernel_host::hooks::WILDCARD;
use ebpf_kernel_host::{Host, Loaded, ObjectErrorKind, Redirect};
use ebpf_platform::LINUX;

fn setup(engine: ebpf_kernel_host::Engine) -> (Host, Loaded) {
    let (host, _) = host(&LINUX);
    let loaded = load(&host, "hooks_skb.o", engine);
    (host, loaded)
}

#[test]
fn socket_filters_keep_trim_or_drop_from_the_network_header() {
    for engine in ENGINES {
        let (host, loaded) = setup(engine);
        let hook = SkbHook::socket_filter(&host).unwrap();
        let at = hook.hook().attach_type();
        assert_eq!((at.name, at.number), ("socket_filter", u32::MAX));
        let mut ctx = hook.new_context().unwrap();
        let meta = SkbMeta::default();
        let mut batch = hook.hook().batch();
        // No filter: everything is kept.
        let dns = ipv4([10, 0, 0, 1], 17, 53, 100);
        let out = hook
            .filter(&mut batch, 7, 1, &dns, &meta, &mut ctx)
            .unwrap();
        assert_eq!((out.keep, out.filtered), (86, false));
        drop(batch);

        let udp = loaded.program("udp_filter").unwrap();
        let _l = host.attach(udp, at, 7).unwrap();
        let mut batch = hook.hook().batch();
        let cases = [
            (ipv4([10, 0, 0, 1], 17, 53, 100), 86),
            (ipv4([10, 0, 0, 1], 17, 54, 100), 28),
            (ipv4([10, 0, 0, 1], 6, 53, 100), 0),
        ];
        for (frame, keep) in &cases {
            let out = hook
                .filter(&mut batch, 7, 1, frame, &meta, &mut ctx)
                .unwrap();
            assert_eq!((out.keep, out.filtered), (*keep, true), "{engine:?}");
            // The program saw the frame from its network header.
            assert_eq!(ctx.packet().unwrap().data(), &frame[14..]);
            assert_eq!(ctx.field("len").unwrap(), 86);
            assert_eq!(ctx.field("protocol").unwrap(), u64::from(0x0008u16));
        }
        // An ARP frame is no IPv4: dropped.
        let mut arp = ipv4([10, 0, 0, 1], 17, 53, 60);
        arp[12..14].copy_from_slice(&[0x08, 0x06]);
        let out = hook
            .filter(&mut batch, 7, 1, &arp, &meta, &mut ctx)
            .unwrap();
        assert_eq!(out.keep, 0);
        // Socket 8 has no filter of its own and there is no wildcard one.
        let out = hook
            .filter(&mut batch, 8, 1, &cases[2].0, &meta, &mut ctx)
            .unwrap();
        assert_eq!((out.keep, out.filtered), (86, false));
    }
}

#[test]
fn a_socket_takes_one_filter_and_its_own_runs_instead_of_the_wildcard() {
    let (host, loaded) = setup(ebpf_kernel_host::Engine::Jit);
    let hook = SkbHook::socket_filter(&host).unwrap();
    let at = hook.hook().attach_type();
    let udp = loaded.program("udp_filter").unwrap();
    let fields = loaded.program("fields_filter").unwrap();
    let _own = host.attach(udp, at, 3).unwrap();
    let e = host.attach(fields, at, 3).unwrap_err();
    assert_eq!(
        e.kind(),
        &ObjectErrorKind::SingleAttach {
            attach_type: "socket_filter",
            parameter: 3
        }
    );
    assert_eq!(
        e.to_string(),
        "the socket_filter hook already has its one program for parameter 3"
    );
    let _wild = host.attach(fields, at, WILDCARD).unwrap();
    assert!(
        host.attach(udp, at, WILDCARD).is_err(),
        "one wildcard filter"
    );
    let _other = host.attach(fields, at, 4).unwrap();
    let mut ctx = hook.new_context().unwrap();
    let mut batch = hook.hook().batch();
    let tcp = ipv4([10, 0, 0, 1], 6, 53, 100);
    let meta = SkbMeta::default();
    // Socket 3's own filter drops TCP; the wildcard one (len - 1) would keep 85 bytes.
    assert_eq!(
        hook.filter(&mut batch, 3, 1, &tcp, &meta, &mut ctx)
            .unwrap()
            .keep,
        0
    );
    assert_eq!(
        hook.filter(&mut batch, 9, 1, &tcp, &meta, &mut ctx)
            .unwrap()
            .keep,
        85
    );
    // fields_filter adds 1 for an ifindex above 1000.
    assert_eq!(
        hook.filter(&mut batch, 9, 2000, &tcp, &meta, &mut ctx)
            .unwrap()
            .keep,
        86
    );
}

#[test]
fn tc_classifies_marks_rewrites_and_redirects() {
    for engine in ENGINES {
        let (host, loaded) = setup(engine);
        let hook = SkbHook::tc(&host, true).unwrap();
        let at = LINUX.attach_type("tcx_ingress").unwrap();
        let classify = loaded.program("classify").unwrap();
        let _l = host.attach(classify, at, 5).unwrap();
        let mut ctx = hook.new_context().unwrap();
        let meta = SkbMeta {
            mark: 9,
            priority: 1,
            ..SkbMeta::default()
        };
        let mut batch = hook.hook().batch();

        let mut frame = ipv4([192, 168, 1, 1], 6, 80, 120);
        frame[15] = 0x2e;
        let out = hook
            .classify(&mut batch, 5, &frame, &meta, &mut ctx)
            .unwrap();
        assert_eq!(
            (out.action, out.retval, out.programs),
            (TcAction::Pass, 0, 1)
        );
        let mut expected = frame.clone();
        expected[15] = 0x10;
        assert_eq!(
            ctx.packet().unwrap().data(),
            &expected[..],
            "{engine:?}: TOS rewritten"
        );
        assert_eq!(ctx.field("mark").unwrap(), 120 + 5000);
        assert_eq!(ctx.field("priority").unwrap(), 0x2e);
        assert_eq!(
            (
                ctx.field("ifindex").unwrap(),
                ctx.field("ingress_ifindex").unwrap()
            ),
            (5, 5)
        );

        let out = hook
            .classify(
                &mut batch,
                5,
                &ipv4([10, 1, 1, 1], 6, 80, 60),
                &meta,
                &mut ctx,
            )
            .unwrap();
        assert_eq!(out.action, TcAction::Drop);
        let out = hook
            .classify(
                &mut batch,
                5,
                &ipv4([192, 168, 1, 1], 17, 7, 60),
                &meta,
                &mut ctx,
            )
            .unwrap();
        assert_eq!(
            (out.action, out.retval, out.redirect),
            (
                TcAction::Redirect,
                7,
                Some(Redirect::Interface { ifindex: 6 })
            )
        );
        // Another interface: nothing attached, no program decides.
        let out = hook
            .classify(
                &mut batch,
                6,
                &ipv4([10, 1, 1, 1], 6, 80, 60),
                &meta,
                &mut ctx,
            )
            .unwrap();
        assert_eq!((out.action, out.programs), (TcAction::Next, 0));
        assert_eq!(ctx.field("mark").unwrap(), 9, "the caller's mark");
        // A runt frame is shot.
        let out = hook
            .classify(&mut batch, 5, &[0u8; 10], &meta, &mut ctx)
            .unwrap();
        assert_eq!(out.action, TcAction::Drop);
    }
}

#[test]
fn tcx_next_runs_the_next_program_and_any_verdict_ends_the_chain() {
    let (host, loaded) = setup(ebpf_kernel_host::Engine::Jit);
    let hook = SkbHook::tc(&host, false).unwrap();
    let at = LINUX.attach_type("tcx_egress").unwrap();
    let next = loaded.program("next").unwrap();
    let classify = loaded.program("classify").unwrap();
    let _n1 = host.attach(next, at, WILDCARD).unwrap();
    let _n2 = host.attach(next, at, WILDCARD).unwrap();
    let mut ctx = hook.new_context().unwrap();
    let meta = SkbMeta::default();
    let frame = ipv4([192, 168, 1, 1], 6, 80, 60);
    let mut batch = hook.hook().batch();
    let out = hook
        .classify(&mut batch, 2, &frame, &meta, &mut ctx)
        .unwrap();
    assert_eq!(
        (out.action, out.programs, out.retval as u32),
        (TcAction::Next, 2, u32::MAX)
    );
    assert_eq!(ctx.field("mark").unwrap(), 2, "cb[0] counted both");
    let _c = host.attach(classify, at, WILDCARD).unwrap();
    let _n3 = host.attach(next, at, WILDCARD).unwrap();
    let out = hook
        .classify(&mut batch, 2, &frame, &meta, &mut ctx)
        .unwrap();
    assert_eq!((out.action, out.programs), (TcAction::Pass, 3));
    assert_eq!(
        ctx.field("mark").unwrap(),
        60 + 2000,
        "classify's mark; the last next never ran"
    );
    assert_eq!(
        [
            TcAction::Next,
            TcAction::Pass,
            TcAction::Drop,
            TcAction::Redirect
        ]
        .map(TcAction::name),
        ["TCX_NEXT", "TC_ACT_OK", "TC_ACT_SHOT", "TC_ACT_REDIRECT"]
    );
    assert_eq!(
        TcAction::of(4),
        TcAction::Next,
        "TC_ACT_STOLEN is no tcx verdict"
    );
}
