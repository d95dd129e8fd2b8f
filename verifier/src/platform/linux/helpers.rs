//! The Linux helper prototypes by UAPI id: argument and return kinds, the helper groups that
//! may call each, and whether it changes packet data.

use super::{
    BASE, CURRENT, EVENTS, KPROBE, LIRC, LWT, PERF_EVENT, REUSEPORT, SKB, SKB_CGROUP, SKB_SOCK,
    SKB_WRITE, SK_MSG, SK_SKB, SOCK_ADDR, SOCK_OPS, SYSCTL, TC, TRACING, XDP,
};
use crate::platform::ArgKind::{
    self, AllocMem, Anything, Ctx, Map, MapKey, MapValue, ReadMem, Scalar, Size, SizeOrZero,
    UpdateMem, WriteMem,
};
use crate::platform::MapReq;
use crate::platform::RetKind::{self, AllocOrNull, MapValueOrNull, Void, U32};
use crate::platform::{proto, proto_pkt, HelperProto};

const N: ArgKind = ArgKind::None;

const fn a(a1: ArgKind, a2: ArgKind, a3: ArgKind, a4: ArgKind, a5: ArgKind) -> [ArgKind; 5] {
    [a1, a2, a3, a4, a5]
}

const NONE: [ArgKind; 5] = [N; 5];
const DATA: ArgKind = Map(MapReq::Data);
const R: RetKind = RetKind::Scalar;

/// The helper prototypes, by UAPI id.
pub(super) const HELPERS: &[HelperProto] = &[
    proto(
        1,
        "bpf_map_lookup_elem",
        a(Map(MapReq::DataOrMaps), MapKey, N, N, N),
        MapValueOrNull,
        BASE,
    ),
    proto(
        2,
        "bpf_map_update_elem",
        a(DATA, MapKey, MapValue, Scalar, N),
        R,
        BASE,
    ),
    proto(3, "bpf_map_delete_elem", a(DATA, MapKey, N, N, N), R, BASE),
    proto(
        4,
        "bpf_probe_read",
        a(WriteMem, SizeOrZero, Anything, N, N),
        R,
        TRACING,
    ),
    proto(5, "bpf_ktime_get_ns", NONE, R, BASE),
    // As in the kernel, the variadic arguments are not checked (they are printed as numbers).
    proto(6, "bpf_trace_printk", a(ReadMem, Size, N, N, N), R, BASE),
    proto(7, "bpf_get_prandom_u32", NONE, U32, BASE),
    proto(8, "bpf_get_smp_processor_id", NONE, U32, BASE),
    proto_pkt(
        9,
        "bpf_skb_store_bytes",
        a(Ctx, Scalar, ReadMem, Size, Scalar),
        R,
        TC,
    ),
    proto_pkt(
        10,
        "bpf_l3_csum_replace",
        a(Ctx, Scalar, Scalar, Scalar, Scalar),
        R,
        TC,
    ),
    proto_pkt(
        11,
        "bpf_l4_csum_replace",
        a(Ctx, Scalar, Scalar, Scalar, Scalar),
        R,
        TC,
    ),
    proto(
        12,
        "bpf_tail_call",
        a(Ctx, Map(MapReq::ProgArray), Scalar, N, N),
        R,
        BASE,
    ),
    // The kernel lists it among the helpers that change packet data (the clone may unshare the
    // original's data).
    proto_pkt(
        13,
        "bpf_clone_redirect",
        a(Ctx, Scalar, Scalar, N, N),
        R,
        TC,
    ),
    proto(14, "bpf_get_current_pid_tgid", NONE, R, CURRENT),
    proto(15, "bpf_get_current_uid_gid", NONE, R, CURRENT),
    proto(
        16,
        "bpf_get_current_comm",
        a(WriteMem, Size, N, N, N),
        R,
        TRACING,
    ),
    proto(
        17,
        "bpf_get_cgroup_classid",
        a(Ctx, N, N, N, N),
        R,
        TC | LWT,
    ),
    proto_pkt(18, "bpf_skb_vlan_push", a(Ctx, Scalar, Scalar, N, N), R, TC),
    proto_pkt(19, "bpf_skb_vlan_pop", a(Ctx, N, N, N, N), R, TC),
    proto(
        20,
        "bpf_skb_get_tunnel_key",
        a(Ctx, WriteMem, Size, Scalar, N),
        R,
        TC,
    ),
    proto(
        21,
        "bpf_skb_set_tunnel_key",
        a(Ctx, ReadMem, Size, Scalar, N),
        R,
        TC,
    ),
    proto(
        22,
        "bpf_perf_event_read",
        a(Map(MapReq::PerfEventArray), Scalar, N, N, N),
        R,
        TRACING,
    ),
    proto(23, "bpf_redirect", a(Scalar, Scalar, N, N, N), R, TC | XDP),
    proto(24, "bpf_get_route_realm", a(Ctx, N, N, N, N), R, TC | LWT),
    proto(
        25,
        "bpf_perf_event_output",
        a(
            Ctx,
            Map(MapReq::PerfEventArray),
            Scalar,
            ReadMem,
            SizeOrZero,
        ),
        R,
        EVENTS,
    ),
    proto(
        26,
        "bpf_skb_load_bytes",
        a(Ctx, Scalar, WriteMem, Size, N),
        R,
        SKB | REUSEPORT,
    ),
    proto(
        28,
        "bpf_csum_diff",
        a(ReadMem, SizeOrZero, ReadMem, SizeOrZero, Scalar),
        R,
        TC | XDP | LWT,
    ),
    proto(
        27,
        "bpf_get_stackid",
        a(Ctx, Map(MapReq::Any), Scalar, N, N),
        R,
        TRACING,
    ),
    proto(
        29,
        "bpf_skb_get_tunnel_opt",
        a(Ctx, WriteMem, Size, N, N),
        R,
        TC,
    ),
    proto(
        30,
        "bpf_skb_set_tunnel_opt",
        a(Ctx, ReadMem, Size, N, N),
        R,
        TC,
    ),
    proto_pkt(
        31,
        "bpf_skb_change_proto",
        a(Ctx, Scalar, Scalar, N, N),
        R,
        TC,
    ),
    proto_pkt(32, "bpf_skb_change_type", a(Ctx, Scalar, N, N, N), R, TC),
    proto(
        33,
        "bpf_skb_under_cgroup",
        a(Ctx, Map(MapReq::Any), Scalar, N, N),
        R,
        TC | LWT,
    ),
    proto(34, "bpf_get_hash_recalc", a(Ctx, N, N, N, N), R, TC | LWT),
    proto(35, "bpf_get_current_task", NONE, R, TRACING),
    proto(
        36,
        "bpf_probe_write_user",
        a(Anything, ReadMem, Size, N, N),
        R,
        TRACING,
    ),
    proto(
        37,
        "bpf_current_task_under_cgroup",
        a(Map(MapReq::Any), Scalar, N, N, N),
        R,
        TRACING,
    ),
    proto_pkt(
        38,
        "bpf_skb_change_tail",
        a(Ctx, Scalar, Scalar, N, N),
        R,
        SKB_WRITE,
    ),
    proto_pkt(
        39,
        "bpf_skb_pull_data",
        a(Ctx, Scalar, N, N, N),
        R,
        SKB_WRITE | LWT,
    ),
    proto(40, "bpf_csum_update", a(Ctx, Scalar, N, N, N), R, TC),
    proto(41, "bpf_set_hash_invalid", a(Ctx, N, N, N, N), R, TC),
    proto(42, "bpf_get_numa_node_id", NONE, U32, BASE),
    proto_pkt(
        43,
        "bpf_skb_change_head",
        a(Ctx, Scalar, Scalar, N, N),
        R,
        SKB_WRITE,
    ),
    proto_pkt(44, "bpf_xdp_adjust_head", a(Ctx, Scalar, N, N, N), R, XDP),
    proto(
        45,
        "bpf_probe_read_str",
        a(WriteMem, SizeOrZero, Anything, N, N),
        R,
        TRACING,
    ),
    proto(
        51,
        "bpf_redirect_map",
        a(Map(MapReq::Any), Scalar, Scalar, N, N),
        R,
        XDP,
    ),
    proto(
        46,
        "bpf_get_socket_cookie",
        a(Ctx, N, N, N, N),
        R,
        SKB_SOCK | SK_SKB | SOCK_OPS | SOCK_ADDR,
    ),
    proto(
        47,
        "bpf_get_socket_uid",
        a(Ctx, N, N, N, N),
        U32,
        SKB_SOCK | SK_SKB,
    ),
    proto(48, "bpf_set_hash", a(Ctx, Scalar, N, N, N), R, TC),
    proto(
        49,
        "bpf_setsockopt",
        a(Ctx, Scalar, Scalar, ReadMem, Size),
        R,
        SOCK_OPS,
    ),
    proto_pkt(
        50,
        "bpf_skb_adjust_room",
        a(Ctx, Scalar, Scalar, Scalar, N),
        R,
        TC,
    ),
    proto(
        52,
        "bpf_sk_redirect_map",
        a(Ctx, Map(MapReq::Any), Scalar, Scalar, N),
        R,
        SK_SKB,
    ),
    proto(
        53,
        "bpf_sock_map_update",
        a(Ctx, Map(MapReq::Any), MapKey, Scalar, N),
        R,
        SOCK_OPS,
    ),
    proto_pkt(54, "bpf_xdp_adjust_meta", a(Ctx, Scalar, N, N, N), R, XDP),
    proto(
        55,
        "bpf_perf_event_read_value",
        a(Map(MapReq::PerfEventArray), Scalar, WriteMem, Size, N),
        R,
        TRACING,
    ),
    proto(
        56,
        "bpf_perf_prog_read_value",
        a(Ctx, WriteMem, Size, N, N),
        R,
        PERF_EVENT,
    ),
    proto(
        57,
        "bpf_getsockopt",
        a(Ctx, Scalar, Scalar, WriteMem, Size),
        R,
        SOCK_OPS,
    ),
    proto(
        58,
        "bpf_override_return",
        a(Ctx, Scalar, N, N, N),
        R,
        KPROBE,
    ),
    proto(
        59,
        "bpf_sock_ops_cb_flags_set",
        a(Ctx, Scalar, N, N, N),
        R,
        SOCK_OPS,
    ),
    proto(
        60,
        "bpf_msg_redirect_map",
        a(Ctx, Map(MapReq::Any), Scalar, Scalar, N),
        R,
        SK_MSG,
    ),
    proto(
        61,
        "bpf_msg_apply_bytes",
        a(Ctx, Scalar, N, N, N),
        R,
        SK_MSG,
    ),
    proto(62, "bpf_msg_cork_bytes", a(Ctx, Scalar, N, N, N), R, SK_MSG),
    proto_pkt(
        63,
        "bpf_msg_pull_data",
        a(Ctx, Scalar, Scalar, Scalar, N),
        R,
        SK_MSG,
    ),
    proto(64, "bpf_bind", a(Ctx, ReadMem, Size, N, N), R, SOCK_ADDR),
    proto_pkt(65, "bpf_xdp_adjust_tail", a(Ctx, Scalar, N, N, N), R, XDP),
    proto(
        66,
        "bpf_skb_get_xfrm_state",
        a(Ctx, Scalar, WriteMem, Size, Scalar),
        R,
        TC,
    ),
    proto(
        67,
        "bpf_get_stack",
        a(Ctx, WriteMem, Size, Scalar, N),
        R,
        TRACING,
    ),
    proto(
        68,
        "bpf_skb_load_bytes_relative",
        a(Ctx, Scalar, WriteMem, Size, Scalar),
        R,
        SKB_SOCK | REUSEPORT,
    ),
    proto(
        69,
        "bpf_fib_lookup",
        a(Ctx, UpdateMem, Size, Scalar, N),
        R,
        TC | XDP,
    ),
    proto(
        70,
        "bpf_sock_hash_update",
        a(Ctx, Map(MapReq::Any), MapKey, Scalar, N),
        R,
        SOCK_OPS,
    ),
    proto(
        71,
        "bpf_msg_redirect_hash",
        a(Ctx, Map(MapReq::Any), MapKey, Scalar, N),
        R,
        SK_MSG,
    ),
    proto(
        72,
        "bpf_sk_redirect_hash",
        a(Ctx, Map(MapReq::Any), MapKey, Scalar, N),
        R,
        SK_SKB,
    ),
    proto(77, "bpf_rc_repeat", a(Ctx, N, N, N, N), R, LIRC),
    proto(
        78,
        "bpf_rc_keydown",
        a(Ctx, Scalar, Scalar, Scalar, N),
        R,
        LIRC,
    ),
    proto(79, "bpf_skb_cgroup_id", a(Ctx, N, N, N, N), R, SKB_CGROUP),
    proto(80, "bpf_get_current_cgroup_id", NONE, R, CURRENT),
    proto(
        82,
        "bpf_sk_select_reuseport",
        a(Ctx, Map(MapReq::Any), MapKey, Scalar, N),
        R,
        REUSEPORT,
    ),
    proto(
        83,
        "bpf_skb_ancestor_cgroup_id",
        a(Ctx, Scalar, N, N, N),
        R,
        SKB_CGROUP,
    ),
    proto(
        87,
        "bpf_map_push_elem",
        a(DATA, MapValue, Scalar, N, N),
        R,
        BASE,
    ),
    // bpf_map_pop_elem and bpf_map_peek_elem (88, 89) fill their value buffer only for queue
    // and stack maps; on other maps they fail without writing it, so offering them needs a map
    // requirement for those two Linux map types, which `MapReq` cannot express yet.
    proto(
        92,
        "bpf_rc_pointer_rel",
        a(Ctx, Scalar, Scalar, N, N),
        R,
        LIRC,
    ),
    // The kernel's prototype takes initialised memory (ARG_PTR_TO_MEM) for the name buffer.
    proto(
        101,
        "bpf_sysctl_get_name",
        a(Ctx, UpdateMem, Size, Scalar, N),
        R,
        SYSCTL,
    ),
    proto(
        102,
        "bpf_sysctl_get_current_value",
        a(Ctx, WriteMem, Size, N, N),
        R,
        SYSCTL,
    ),
    proto(
        103,
        "bpf_sysctl_get_new_value",
        a(Ctx, WriteMem, Size, N, N),
        R,
        SYSCTL,
    ),
    proto(
        104,
        "bpf_sysctl_set_new_value",
        a(Ctx, ReadMem, Size, N, N),
        R,
        SYSCTL,
    ),
    proto(109, "bpf_send_signal", a(Scalar, N, N, N, N), R, TRACING),
    proto(
        112,
        "bpf_probe_read_user",
        a(WriteMem, SizeOrZero, Anything, N, N),
        R,
        TRACING,
    ),
    proto(
        113,
        "bpf_probe_read_kernel",
        a(WriteMem, SizeOrZero, Anything, N, N),
        R,
        TRACING,
    ),
    proto(
        114,
        "bpf_probe_read_user_str",
        a(WriteMem, SizeOrZero, Anything, N, N),
        R,
        TRACING,
    ),
    proto(
        115,
        "bpf_probe_read_kernel_str",
        a(WriteMem, SizeOrZero, Anything, N, N),
        R,
        TRACING,
    ),
    proto(118, "bpf_jiffies64", NONE, R, BASE),
    proto(
        117,
        "bpf_send_signal_thread",
        a(Scalar, N, N, N, N),
        R,
        TRACING,
    ),
    proto(
        120,
        "bpf_get_ns_current_pid_tgid",
        a(Scalar, Scalar, WriteMem, Size, N),
        R,
        TRACING,
    ),
    proto(
        123,
        "bpf_get_current_ancestor_cgroup_id",
        a(Scalar, N, N, N, N),
        R,
        CURRENT,
    ),
    proto(125, "bpf_ktime_get_boot_ns", NONE, R, BASE),
    proto(
        130,
        "bpf_ringbuf_output",
        a(Map(MapReq::RingBuf), ReadMem, SizeOrZero, Scalar, N),
        R,
        BASE,
    ),
    proto(
        131,
        "bpf_ringbuf_reserve",
        a(Map(MapReq::RingBuf), Scalar, Scalar, N, N),
        AllocOrNull,
        BASE,
    ),
    proto(
        132,
        "bpf_ringbuf_submit",
        a(AllocMem, Scalar, N, N, N),
        Void,
        BASE,
    ),
    proto(
        133,
        "bpf_ringbuf_discard",
        a(AllocMem, Scalar, N, N, N),
        Void,
        BASE,
    ),
    proto(
        134,
        "bpf_ringbuf_query",
        a(Map(MapReq::RingBuf), Scalar, N, N, N),
        R,
        BASE,
    ),
    proto(135, "bpf_csum_level", a(Ctx, Scalar, N, N, N), R, TC),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::linux::program_types::PROGRAM_TYPES;

    /// UAPI helper names by id (`__BPF_FUNC_MAPPER` in include/uapi/linux/bpf.h), up to the
    /// ring buffer helpers.
    const UAPI: &[&str] = &[
        "unspec",
        "map_lookup_elem",
        "map_update_elem",
        "map_delete_elem",
        "probe_read",
        "ktime_get_ns",
        "trace_printk",
        "get_prandom_u32",
        "get_smp_processor_id",
        "skb_store_bytes",
        "l3_csum_replace",
        "l4_csum_replace",
        "tail_call",
        "clone_redirect",
        "get_current_pid_tgid",
        "get_current_uid_gid",
        "get_current_comm",
        "get_cgroup_classid",
        "skb_vlan_push",
        "skb_vlan_pop",
        "skb_get_tunnel_key",
        "skb_set_tunnel_key",
        "perf_event_read",
        "redirect",
        "get_route_realm",
        "perf_event_output",
        "skb_load_bytes",
        "get_stackid",
        "csum_diff",
        "skb_get_tunnel_opt",
        "skb_set_tunnel_opt",
        "skb_change_proto",
        "skb_change_type",
        "skb_under_cgroup",
        "get_hash_recalc",
        "get_current_task",
        "probe_write_user",
        "current_task_under_cgroup",
        "skb_change_tail",
        "skb_pull_data",
        "csum_update",
        "set_hash_invalid",
        "get_numa_node_id",
        "skb_change_head",
        "xdp_adjust_head",
        "probe_read_str",
        "get_socket_cookie",
        "get_socket_uid",
        "set_hash",
        "setsockopt",
        "skb_adjust_room",
        "redirect_map",
        "sk_redirect_map",
        "sock_map_update",
        "xdp_adjust_meta",
        "perf_event_read_value",
        "perf_prog_read_value",
        "getsockopt",
        "override_return",
        "sock_ops_cb_flags_set",
        "msg_redirect_map",
        "msg_apply_bytes",
        "msg_cork_bytes",
        "msg_pull_data",
        "bind",
        "xdp_adjust_tail",
        "skb_get_xfrm_state",
        "get_stack",
        "skb_load_bytes_relative",
        "fib_lookup",
        "sock_hash_update",
        "msg_redirect_hash",
        "sk_redirect_hash",
        "lwt_push_encap",
        "lwt_seg6_store_bytes",
        "lwt_seg6_adjust_srh",
        "lwt_seg6_action",
        "rc_repeat",
        "rc_keydown",
        "skb_cgroup_id",
        "get_current_cgroup_id",
        "get_local_storage",
        "sk_select_reuseport",
        "skb_ancestor_cgroup_id",
        "sk_lookup_tcp",
        "sk_lookup_udp",
        "sk_release",
        "map_push_elem",
        "map_pop_elem",
        "map_peek_elem",
        "msg_push_data",
        "msg_pop_data",
        "rc_pointer_rel",
        "spin_lock",
        "spin_unlock",
        "sk_fullsock",
        "tcp_sock",
        "skb_ecn_set_ce",
        "get_listener_sock",
        "skc_lookup_tcp",
        "tcp_check_syncookie",
        "sysctl_get_name",
        "sysctl_get_current_value",
        "sysctl_get_new_value",
        "sysctl_set_new_value",
        "strtol",
        "strtoul",
        "sk_storage_get",
        "sk_storage_delete",
        "send_signal",
        "tcp_gen_syncookie",
        "skb_output",
        "probe_read_user",
        "probe_read_kernel",
        "probe_read_user_str",
        "probe_read_kernel_str",
        "tcp_send_ack",
        "send_signal_thread",
        "jiffies64",
        "read_branch_records",
        "get_ns_current_pid_tgid",
        "xdp_output",
        "get_netns_cookie",
        "get_current_ancestor_cgroup_id",
        "sk_assign",
        "ktime_get_boot_ns",
        "seq_printf",
        "seq_write",
        "sk_cgroup_id",
        "sk_ancestor_cgroup_id",
        "ringbuf_output",
        "ringbuf_reserve",
        "ringbuf_submit",
        "ringbuf_discard",
        "ringbuf_query",
        "csum_level",
    ];

    #[test]
    fn helper_ids_and_names_follow_the_uapi() {
        for (i, h) in HELPERS.iter().enumerate() {
            let uapi = UAPI.get(h.id as usize).expect("id in the UAPI list");
            assert_eq!(h.name, alloc::format!("bpf_{uapi}"), "helper {}", h.id);
            assert!(
                HELPERS[..i].iter().all(|o| o.id != h.id),
                "helper {} listed twice",
                h.id
            );
        }
    }

    #[test]
    fn helpers_that_change_packet_data_invalidate_packet_pointers() {
        // The kernel's `bpf_helper_changes_pkt_data` list (net/core/filter.c).
        const CHANGES: &[&str] = &[
            "skb_store_bytes",
            "skb_change_head",
            "skb_change_tail",
            "skb_pull_data",
            "skb_change_proto",
            "skb_vlan_push",
            "skb_vlan_pop",
            "skb_adjust_room",
            "xdp_adjust_head",
            "xdp_adjust_meta",
            "xdp_adjust_tail",
            "l3_csum_replace",
            "l4_csum_replace",
            "clone_redirect",
            "msg_pull_data",
            "msg_push_data",
            "msg_pop_data",
            "lwt_push_encap",
            "lwt_seg6_store_bytes",
            "lwt_seg6_adjust_srh",
            "lwt_seg6_action",
        ];
        for h in HELPERS {
            if CHANGES.iter().any(|c| h.name == alloc::format!("bpf_{c}")) {
                assert!(h.changes_packet, "{} changes packet data", h.name);
            }
        }
    }

    #[test]
    fn helper_prototypes_are_well_formed() {
        let all_groups = PROGRAM_TYPES.iter().fold(0, |g, t| g | t.helper_groups);
        for h in HELPERS {
            assert!(
                h.groups & all_groups != 0,
                "{} is callable by no type",
                h.name
            );
            for (i, &arg) in h.args.iter().enumerate() {
                let next = h.args.get(i + 1).copied().unwrap_or(N);
                let prev = if i == 0 { N } else { h.args[i - 1] };
                if matches!(arg, ReadMem | WriteMem | UpdateMem) {
                    assert!(
                        matches!(next, Size | SizeOrZero),
                        "{} arg {}",
                        h.name,
                        i + 1
                    );
                }
                if matches!(arg, Size | SizeOrZero) {
                    assert!(
                        matches!(prev, ReadMem | WriteMem | UpdateMem),
                        "{} arg {}",
                        h.name,
                        i + 1
                    );
                }
                if matches!(arg, MapKey | MapValue | ArgKind::MapValueOut) {
                    assert!(
                        h.args[..i].iter().any(|a| matches!(a, Map(_))),
                        "{} arg {} needs a map argument before it",
                        h.name,
                        i + 1
                    );
                }
                if arg == N {
                    assert!(
                        h.args[i..].iter().all(|&a| a == N),
                        "{} arg {}",
                        h.name,
                        i + 1
                    );
                }
            }
        }
    }
}
