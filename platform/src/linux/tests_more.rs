//! The whole helper table against the UAPI (ids 1 to 211), the socket layouts against
//! `struct bpf_sock` and `struct bpf_tcp_sock`, and the program types of the socket helpers.

use super::tests::UAPI;
use crate::{ArgKind, HelperId, RetKind, SockKind, LINUX, SOCK, SOCK_COMMON, TCP_SOCK};

fn uapi_name(id: u32) -> &'static str {
    let i = id as usize;
    UAPI.get(i).copied().expect("an id of the UAPI")
}

#[test]
fn every_uapi_helper_has_a_prototype_or_a_reason() {
    assert_eq!(UAPI.len(), 212);
    for id in 1..=211u32 {
        let h = LINUX
            .helper(HelperId(id))
            .unwrap_or_else(|| panic!("helper {id} is missing"));
        assert_eq!(h.name, std::format!("bpf_{}", uapi_name(id)), "helper {id}");
        assert!(
            LINUX.helpers.iter().filter(|o| o.id == h.id).count() == 1,
            "helper {id} listed twice"
        );
        if let RetKind::NotModelled(why) = h.ret {
            assert!(!why.is_empty(), "helper {id} needs a reason");
            assert!(h.args.iter().all(|a| *a == ArgKind::None));
        }
        assert!(h.groups != 0, "helper {id} has no program type");
    }
}

#[test]
fn btf_dynptr_and_storage_helpers_are_refused_with_a_reason() {
    for name in [
        "bpf_d_path",
        "bpf_kptr_xchg",
        "bpf_dynptr_read",
        "bpf_sk_storage_get",
        "bpf_get_current_task_btf",
        "bpf_sys_bpf",
    ] {
        let h = LINUX.helpers.iter().find(|h| h.name == name).unwrap();
        assert!(
            matches!(h.ret, RetKind::NotModelled(_)),
            "{name} should not be modelled"
        );
    }
    let h = LINUX.helper(HelperId(147)).unwrap();
    assert!(matches!(h.ret, RetKind::NotModelled(w) if w.contains("BTF")));
}

#[test]
fn socket_helpers_have_their_reference_prototypes() {
    let h = |id| LINUX.helper(HelperId(id)).unwrap();
    for id in [84, 85] {
        assert_eq!(h(id).ret, RetKind::SockOrNull(SockKind::Full));
        assert_eq!(h(id).args[0], ArgKind::Ctx);
        assert_eq!(h(id).args[1], ArgKind::ReadMem);
        assert_eq!(h(id).args[2], ArgKind::Size);
    }
    assert_eq!(h(99).ret, RetKind::SockOrNull(SockKind::Common));
    assert_eq!(h(86).args[0], ArgKind::SockRelease);
    assert_eq!(h(95).ret, RetKind::DerivedSockOrNull(SockKind::Full));
    assert_eq!(h(96).ret, RetKind::DerivedSockOrNull(SockKind::Tcp));
    assert_eq!(h(98).ret, RetKind::RelatedSockOrNull(SockKind::Full));
    assert_eq!(h(137).ret, RetKind::DerivedSockOrNull(SockKind::Btf));
    assert_eq!(h(124).args[1], ArgKind::Sock);
    assert_eq!(h(105).args[3], ArgKind::WriteFixed(8));
    assert_eq!(h(106).args[3], ArgKind::WriteFixed(8));
    assert_eq!(h(163).args[2], ArgKind::UpdateFixed(4));
    assert_eq!(h(122).args[0], ArgKind::CtxOrNull);
    assert_eq!(h(165).args[2], ArgKind::ConstStr);
}

#[test]
fn socket_helpers_are_offered_to_their_program_types() {
    let may = |id: u32, prog: &str| {
        let t = LINUX.program_type(prog).unwrap();
        LINUX.helper_for(HelperId(id), t).is_some()
    };
    for prog in [
        "sched_cls",
        "sched_act",
        "xdp",
        "cgroup_sock_addr",
        "sk_skb",
        "cgroup_skb",
    ] {
        assert!(
            may(84, prog) && may(85, prog) && may(86, prog) && may(99, prog),
            "{prog}"
        );
    }
    for prog in ["kprobe", "sock_ops", "lwt_in", "cgroup_sysctl"] {
        assert!(!may(84, prog) && !may(86, prog), "{prog}");
    }
    assert!(may(95, "cgroup_skb") && may(96, "sched_cls") && !may(95, "xdp"));
    assert!(may(124, "sched_cls") && !may(124, "xdp"));
    assert!(may(122, "cgroup_sock_addr") && may(122, "sock_ops") && !may(122, "xdp"));
    assert!(may(105, "cgroup_sysctl") && !may(105, "xdp"));
    assert!(may(152, "sched_cls") && may(155, "sched_cls") && !may(152, "xdp"));
    assert!(may(163, "xdp") && may(163, "sched_cls"));
    assert!(may(74, "lwt_seg6local") && !may(74, "lwt_in"));
    assert!(may(186, "cgroup_sockopt") && !may(186, "xdp"));
}

#[test]
fn socket_layouts_follow_the_uapi() {
    assert_eq!(SOCK.size, 80);
    assert_eq!(TCP_SOCK.size, 112);
    // Word loads of the 32-bit fields; narrow loads of addresses only.
    assert_eq!(SOCK.load(4, 4).unwrap().name, "family");
    assert_eq!(SOCK.load(72, 4).unwrap().name, "state");
    assert_eq!(SOCK.load(76, 4).unwrap().name, "rx_queue_mapping");
    assert!(SOCK.load(4, 2).is_none());
    assert!(SOCK.load(0, 8).is_none());
    assert_eq!(SOCK.load(25, 1).unwrap().name, "src_ip4");
    assert_eq!(SOCK.load(30, 2).unwrap().name, "src_ip6");
    assert_eq!(SOCK.load(68, 4).unwrap().name, "dst_ip6");
    assert!(SOCK.load(29, 2).is_none(), "misaligned");
    // dst_port: 16 bits, narrow loads, and a word load for older programs.
    assert_eq!(SOCK.load(48, 2).unwrap().name, "dst_port");
    assert_eq!(SOCK.load(49, 1).unwrap().name, "dst_port");
    assert_eq!(SOCK.load(48, 4).unwrap().name, "dst_port");
    assert!(SOCK.load(50, 2).is_none() && SOCK.load(50, 1).is_none());
    assert!(SOCK.load(80, 4).is_none() && SOCK.load(-4, 4).is_none());
    // sock_common has no type, protocol, mark or priority.
    for off in [8, 12, 16, 20] {
        assert!(SOCK.load(off, 4).is_some() && SOCK_COMMON.load(off, 4).is_none());
    }
    assert!(SOCK_COMMON.load(72, 4).is_some());
    // bpf_tcp_sock: two u64 byte counters, the rest u32.
    assert_eq!(TCP_SOCK.load(80, 8).unwrap().name, "bytes_received");
    assert_eq!(TCP_SOCK.load(88, 8).unwrap().name, "bytes_acked");
    assert!(TCP_SOCK.load(80, 4).is_none());
    assert_eq!(TCP_SOCK.load(108, 4).unwrap().name, "icsk_retransmits");
    assert!(TCP_SOCK.load(112, 4).is_none() && TCP_SOCK.load(0, 8).is_none());
    assert!(SockKind::Btf.layout().is_none());
    assert_eq!(SockKind::Tcp.layout().unwrap().name, "bpf_tcp_sock");
}

#[test]
fn the_context_socket_fields_are_sockets_where_linux_exposes_them() {
    use crate::ContextLayout;
    // `__sk_buff.sk` (168): a sock_common or null at every `__sk_buff` hook but the flow
    // dissector; `bpf_sock_ops.sk` (184): a full socket or null.
    for (ty, offset, kind) in [
        ("socket_filter", 168, SockKind::Common),
        ("sched_cls", 168, SockKind::Common),
        ("sched_act", 168, SockKind::Common),
        ("cgroup_skb", 168, SockKind::Common),
        ("sk_skb", 168, SockKind::Common),
        ("lwt_in", 168, SockKind::Common),
        ("sock_ops", 184, SockKind::Full),
    ] {
        let ctx = LINUX.program_type(ty).unwrap().context.unwrap();
        let f = ctx.field("sk").unwrap();
        assert_eq!(
            (f.offset, f.size, f.socket),
            (offset, 8, Some(kind)),
            "{ty}"
        );
        let (start, end) = (i64::from(offset), i64::from(offset) + 8);
        assert!(ContextLayout::covers(ctx.readable, start, end), "{ty}");
        assert!(
            !ContextLayout::covers(ctx.writable, start, start + 1),
            "{ty}"
        );
        assert_eq!(ctx.socket_field_in(start + 4, start + 5), Some(f), "{ty}");
        assert_eq!(ctx.socket_field_in(start - 4, start), None, "{ty}");
    }
    // Fields holding numbers are no sockets.
    let tc = LINUX.program_type("sched_cls").unwrap().context.unwrap();
    assert_eq!(tc.field("gso_segs").unwrap().socket, None);
}
