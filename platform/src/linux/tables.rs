//! Linux numbers and names: UAPI attach types and map types, libbpf's section-name conventions
//! and the legacy `maps` section records (`struct bpf_map_def` and iproute2's
//! `struct bpf_elf_map`).

use crate::map::map_type;
use crate::program::sec;
use crate::{AttachType, MapKind, MapRecord, MapType, PathConvention, SectionPrefix};

const fn at(name: &'static str, number: u32) -> AttachType {
    AttachType { name, number }
}

/// libbpf's `SEC()` conventions (and older loaders'), by prefix. A prefix ending in `/` takes
/// a target after it.
/// Cilium's object names (`bpf/Makefile`: one object per hook), whose sections are named by
/// tail-call slot: XDP objects and the container-facing tc object (PREVAIL's convention for
/// ebpf-samples).
pub(super) const PATH_CONVENTIONS: &[PathConvention] = &[
    PathConvention {
        file_prefix: "bpf_xdp",
        program_type: "xdp",
    },
    PathConvention {
        file_prefix: "bpf_lxc",
        program_type: "sched_cls",
    },
];

pub(super) const SECTIONS: &[SectionPrefix] = &[
    sec("socket", "socket_filter", None),
    sec("sk_reuseport", "sk_reuseport", None),
    sec("kprobe/", "kprobe", None),
    sec("uprobe/", "kprobe", None),
    sec("ksyscall/", "kprobe", None),
    sec("kretprobe/", "kprobe", None),
    sec("uretprobe/", "kprobe", None),
    sec("kretsyscall/", "kprobe", None),
    sec("tc", "sched_cls", None),
    sec("tcx/ingress", "sched_cls", Some("tcx_ingress")),
    sec("tcx/egress", "sched_cls", Some("tcx_egress")),
    sec("classifier", "sched_cls", None),
    sec("action", "sched_act", None),
    sec("tracepoint/", "tracepoint", None),
    sec("tp/", "tracepoint", None),
    sec("raw_tracepoint/", "raw_tracepoint", None),
    sec("raw_tp/", "raw_tracepoint", None),
    sec("raw_tracepoint.w/", "raw_tracepoint_writable", None),
    sec("raw_tp.w/", "raw_tracepoint_writable", None),
    sec("tp_btf/", "tracing", Some("trace_raw_tp")),
    sec("fentry/", "tracing", Some("trace_fentry")),
    sec("fexit/", "tracing", Some("trace_fexit")),
    sec("fmod_ret/", "tracing", Some("modify_return")),
    sec("iter/", "tracing", Some("trace_iter")),
    sec("freplace/", "ext", None),
    sec("lsm/", "lsm", Some("lsm_mac")),
    sec("struct_ops", "struct_ops", None),
    sec("syscall", "syscall", None),
    sec("xdp", "xdp", Some("xdp")),
    sec("xdp/devmap", "xdp", Some("xdp_devmap")),
    sec("xdp/cpumap", "xdp", Some("xdp_cpumap")),
    sec("xdp.frags/devmap", "xdp", Some("xdp_devmap")),
    sec("xdp.frags/cpumap", "xdp", Some("xdp_cpumap")),
    sec("perf_event", "perf_event", None),
    sec("lwt_in", "lwt_in", None),
    sec("lwt_out", "lwt_out", None),
    sec("lwt_xmit", "lwt_xmit", None),
    sec("lwt_seg6local", "lwt_seg6local", None),
    sec("sockops", "sock_ops", Some("cgroup_sock_ops")),
    sec("sk_skb", "sk_skb", None),
    sec(
        "sk_skb/stream_parser",
        "sk_skb",
        Some("sk_skb_stream_parser"),
    ),
    sec(
        "sk_skb/stream_verdict",
        "sk_skb",
        Some("sk_skb_stream_verdict"),
    ),
    sec("sk_msg", "sk_msg", Some("sk_msg_verdict")),
    sec("lirc_mode2", "lirc_mode2", Some("lirc_mode2")),
    sec("flow_dissector", "flow_dissector", Some("flow_dissector")),
    sec("sk_lookup", "sk_lookup", Some("sk_lookup")),
    sec("netfilter", "netfilter", Some("netfilter")),
    sec(
        "cgroup_skb/ingress",
        "cgroup_skb",
        Some("cgroup_inet_ingress"),
    ),
    sec(
        "cgroup_skb/egress",
        "cgroup_skb",
        Some("cgroup_inet_egress"),
    ),
    sec("cgroup/skb", "cgroup_skb", None),
    sec(
        "cgroup/sock",
        "cgroup_sock",
        Some("cgroup_inet_sock_create"),
    ),
    sec(
        "cgroup/sock_create",
        "cgroup_sock",
        Some("cgroup_inet_sock_create"),
    ),
    sec(
        "cgroup/sock_release",
        "cgroup_sock",
        Some("cgroup_inet_sock_release"),
    ),
    sec(
        "cgroup/post_bind4",
        "cgroup_sock",
        Some("cgroup_inet4_post_bind"),
    ),
    sec(
        "cgroup/post_bind6",
        "cgroup_sock",
        Some("cgroup_inet6_post_bind"),
    ),
    sec("cgroup/dev", "cgroup_device", Some("cgroup_device")),
    sec(
        "cgroup/bind4",
        "cgroup_sock_addr",
        Some("cgroup_inet4_bind"),
    ),
    sec(
        "cgroup/bind6",
        "cgroup_sock_addr",
        Some("cgroup_inet6_bind"),
    ),
    sec(
        "cgroup/connect4",
        "cgroup_sock_addr",
        Some("cgroup_inet4_connect"),
    ),
    sec(
        "cgroup/connect6",
        "cgroup_sock_addr",
        Some("cgroup_inet6_connect"),
    ),
    sec(
        "cgroup/sendmsg4",
        "cgroup_sock_addr",
        Some("cgroup_udp4_sendmsg"),
    ),
    sec(
        "cgroup/sendmsg6",
        "cgroup_sock_addr",
        Some("cgroup_udp6_sendmsg"),
    ),
    sec(
        "cgroup/recvmsg4",
        "cgroup_sock_addr",
        Some("cgroup_udp4_recvmsg"),
    ),
    sec(
        "cgroup/recvmsg6",
        "cgroup_sock_addr",
        Some("cgroup_udp6_recvmsg"),
    ),
    sec(
        "cgroup/getpeername4",
        "cgroup_sock_addr",
        Some("cgroup_inet4_getpeername"),
    ),
    sec(
        "cgroup/getpeername6",
        "cgroup_sock_addr",
        Some("cgroup_inet6_getpeername"),
    ),
    sec(
        "cgroup/getsockname4",
        "cgroup_sock_addr",
        Some("cgroup_inet4_getsockname"),
    ),
    sec(
        "cgroup/getsockname6",
        "cgroup_sock_addr",
        Some("cgroup_inet6_getsockname"),
    ),
    sec("cgroup/sysctl", "cgroup_sysctl", Some("cgroup_sysctl")),
    sec(
        "cgroup/getsockopt",
        "cgroup_sockopt",
        Some("cgroup_getsockopt"),
    ),
    sec(
        "cgroup/setsockopt",
        "cgroup_sockopt",
        Some("cgroup_setsockopt"),
    ),
];

/// The legacy `maps` records, largest first: iproute2's `struct bpf_elf_map` (type, key_size,
/// value_size, max_entries, flags, id, pinning, inner_id, inner_idx), the samples' `struct
/// bpf_map_def` with `inner_map_idx` (and `numa_node`), and libbpf's `struct bpf_map_def`
/// (type, key_size, value_size, max_entries, map_flags).
pub(super) const MAP_RECORDS: &[MapRecord] = &[
    MapRecord {
        name: "bpf_elf_map",
        min_size: 36,
        flags: Some(16),
        inner_map_idx: Some(32),
        pinning: Some(24),
        id: Some(20),
        inner_id: Some(28),
    },
    MapRecord {
        name: "bpf_map_def",
        min_size: 24,
        flags: Some(16),
        inner_map_idx: Some(20),
        pinning: None,
        id: None,
        inner_id: None,
    },
    MapRecord {
        name: "bpf_map_def",
        min_size: 16,
        flags: Some(16),
        inner_map_idx: None,
        pinning: None,
        id: None,
        inner_id: None,
    },
];

/// UAPI `enum bpf_attach_type`, in numeric order from 0.
pub(super) const ATTACH_TYPES: &[AttachType] = &[
    at("cgroup_inet_ingress", 0),
    at("cgroup_inet_egress", 1),
    at("cgroup_inet_sock_create", 2),
    at("cgroup_sock_ops", 3),
    at("sk_skb_stream_parser", 4),
    at("sk_skb_stream_verdict", 5),
    at("cgroup_device", 6),
    at("sk_msg_verdict", 7),
    at("cgroup_inet4_bind", 8),
    at("cgroup_inet6_bind", 9),
    at("cgroup_inet4_connect", 10),
    at("cgroup_inet6_connect", 11),
    at("cgroup_inet4_post_bind", 12),
    at("cgroup_inet6_post_bind", 13),
    at("cgroup_udp4_sendmsg", 14),
    at("cgroup_udp6_sendmsg", 15),
    at("lirc_mode2", 16),
    at("flow_dissector", 17),
    at("cgroup_sysctl", 18),
    at("cgroup_udp4_recvmsg", 19),
    at("cgroup_udp6_recvmsg", 20),
    at("cgroup_getsockopt", 21),
    at("cgroup_setsockopt", 22),
    at("trace_raw_tp", 23),
    at("trace_fentry", 24),
    at("trace_fexit", 25),
    at("modify_return", 26),
    at("lsm_mac", 27),
    at("trace_iter", 28),
    at("cgroup_inet4_getpeername", 29),
    at("cgroup_inet6_getpeername", 30),
    at("cgroup_inet4_getsockname", 31),
    at("cgroup_inet6_getsockname", 32),
    at("xdp_devmap", 33),
    at("cgroup_inet_sock_release", 34),
    at("xdp_cpumap", 35),
    at("sk_lookup", 36),
    at("xdp", 37),
    at("sk_skb_verdict", 38),
    at("sk_reuseport_select", 39),
    at("sk_reuseport_select_or_migrate", 40),
    at("perf_event", 41),
    at("trace_kprobe_multi", 42),
    at("lsm_cgroup", 43),
    at("struct_ops", 44),
    at("netfilter", 45),
    at("tcx_ingress", 46),
    at("tcx_egress", 47),
    at("trace_uprobe_multi", 48),
    at("cgroup_unix_connect", 49),
    at("cgroup_unix_sendmsg", 50),
    at("cgroup_unix_recvmsg", 51),
    at("cgroup_unix_getpeername", 52),
    at("cgroup_unix_getsockname", 53),
    at("netkit_primary", 54),
    at("netkit_peer", 55),
    at("trace_kprobe_session", 56),
    at("trace_uprobe_session", 57),
];

/// UAPI `enum bpf_map_type`, in numeric order from 1, with the kind of each (`None`: a type
/// the verifier does not model, which no helper takes).
pub(super) const MAP_TYPES: &[MapType] = &[
    map_type(1, "hash", Some(MapKind::Hash)),
    map_type(2, "array", Some(MapKind::Array)),
    map_type(3, "prog_array", Some(MapKind::ProgArray)),
    map_type(4, "perf_event_array", Some(MapKind::PerfEventArray)),
    map_type(5, "percpu_hash", Some(MapKind::Hash)),
    map_type(6, "percpu_array", Some(MapKind::Array)),
    map_type(7, "stack_trace", Some(MapKind::StackTrace)),
    map_type(8, "cgroup_array", Some(MapKind::CgroupArray)),
    map_type(9, "lru_hash", Some(MapKind::Hash)),
    map_type(10, "lru_percpu_hash", Some(MapKind::Hash)),
    map_type(11, "lpm_trie", Some(MapKind::LpmTrie)),
    map_type(12, "array_of_maps", Some(MapKind::ArrayOfMaps)),
    map_type(13, "hash_of_maps", Some(MapKind::HashOfMaps)),
    map_type(14, "devmap", Some(MapKind::DevMap)),
    map_type(15, "sockmap", Some(MapKind::SockMap)),
    map_type(16, "cpumap", Some(MapKind::CpuMap)),
    map_type(17, "xskmap", Some(MapKind::XskMap)),
    map_type(18, "sockhash", Some(MapKind::SockHash)),
    // Reached through bpf_get_local_storage, which is not offered.
    map_type(19, "cgroup_storage", None),
    map_type(20, "reuseport_sockarray", Some(MapKind::ReuseportSockArray)),
    map_type(21, "percpu_cgroup_storage", None),
    map_type(22, "queue", Some(MapKind::Queue)),
    map_type(23, "stack", Some(MapKind::Stack)),
    // Reached through the *_storage_get helpers, which are not offered.
    map_type(24, "sk_storage", None),
    map_type(25, "devmap_hash", Some(MapKind::DevMap)),
    map_type(26, "struct_ops", None),
    map_type(27, "ringbuf", Some(MapKind::RingBuf)),
    map_type(28, "inode_storage", None),
    map_type(29, "task_storage", None),
    map_type(30, "bloom_filter", Some(MapKind::BloomFilter)),
    map_type(31, "user_ringbuf", None),
    map_type(32, "cgrp_storage", None),
    map_type(33, "arena", None),
];
