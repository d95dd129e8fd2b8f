//! Linux facts checked against the UAPI header (`include/uapi/linux/bpf.h`): helper names by
//! id, the helpers that change packet data, program, attach and map type numbers, verdicts and
//! section names.

use super::helpers::HELPERS;
use crate::LINUX;

/// UAPI helper names by id (`__BPF_FUNC_MAPPER` in include/uapi/linux/bpf.h), 0-211.
pub(super) const UAPI: &[&str] = &[
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
    "skc_to_tcp6_sock",
    "skc_to_tcp_sock",
    "skc_to_tcp_timewait_sock",
    "skc_to_tcp_request_sock",
    "skc_to_udp6_sock",
    "get_task_stack",
    "load_hdr_opt",
    "store_hdr_opt",
    "reserve_hdr_opt",
    "inode_storage_get",
    "inode_storage_delete",
    "d_path",
    "copy_from_user",
    "snprintf_btf",
    "seq_printf_btf",
    "skb_cgroup_classid",
    "redirect_neigh",
    "per_cpu_ptr",
    "this_cpu_ptr",
    "redirect_peer",
    "task_storage_get",
    "task_storage_delete",
    "get_current_task_btf",
    "bprm_opts_set",
    "ktime_get_coarse_ns",
    "ima_inode_hash",
    "sock_from_file",
    "check_mtu",
    "for_each_map_elem",
    "snprintf",
    "sys_bpf",
    "btf_find_by_name_kind",
    "sys_close",
    "timer_init",
    "timer_set_callback",
    "timer_start",
    "timer_cancel",
    "get_func_ip",
    "get_attach_cookie",
    "task_pt_regs",
    "get_branch_snapshot",
    "trace_vprintk",
    "skc_to_unix_sock",
    "kallsyms_lookup_name",
    "find_vma",
    "loop",
    "strncmp",
    "get_func_arg",
    "get_func_ret",
    "get_func_arg_cnt",
    "get_retval",
    "set_retval",
    "xdp_get_buff_len",
    "xdp_load_bytes",
    "xdp_store_bytes",
    "copy_from_user_task",
    "skb_set_tstamp",
    "ima_file_hash",
    "kptr_xchg",
    "map_lookup_percpu_elem",
    "skc_to_mptcp_sock",
    "dynptr_from_mem",
    "ringbuf_reserve_dynptr",
    "ringbuf_submit_dynptr",
    "ringbuf_discard_dynptr",
    "dynptr_read",
    "dynptr_write",
    "dynptr_data",
    "tcp_raw_gen_syncookie_ipv4",
    "tcp_raw_gen_syncookie_ipv6",
    "tcp_raw_check_syncookie_ipv4",
    "tcp_raw_check_syncookie_ipv6",
    "ktime_get_tai_ns",
    "user_ringbuf_drain",
    "cgrp_storage_get",
    "cgrp_storage_delete",
];

#[test]
fn helper_ids_and_names_follow_the_uapi() {
    for (i, h) in HELPERS.iter().enumerate() {
        if h.id.is_builtin() {
            continue;
        }
        let uapi = UAPI.get(h.id.0 as usize).expect("id in the UAPI list");
        assert_eq!(h.name, std::format!("bpf_{uapi}"), "helper {}", h.id);
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
        if CHANGES.iter().any(|c| h.name == std::format!("bpf_{c}")) {
            assert!(h.changes_packet, "{} changes packet data", h.name);
        }
    }
}

#[test]
fn program_type_numbers_follow_the_uapi() {
    for (name, number) in [
        ("socket_filter", 1),
        ("kprobe", 2),
        ("sched_cls", 3),
        ("xdp", 6),
        ("cgroup_skb", 8),
        ("sock_ops", 13),
        ("cgroup_sock_addr", 18),
        ("cgroup_sockopt", 25),
        ("ext", 28),
        ("netfilter", 32),
    ] {
        assert_eq!(
            LINUX.program_type(name).map(|t| t.number),
            Some(number),
            "{name}"
        );
    }
    // Every type appears once, by name and by number.
    for t in LINUX.program_types {
        assert_eq!(LINUX.program_type(t.name), Some(t));
        assert_eq!(LINUX.program_type_numbered(t.number), Some(t));
    }
}

#[test]
fn attach_and_map_type_numbers_follow_the_uapi() {
    let attach = |name| LINUX.attach_type(name).map(|t| t.number);
    assert_eq!(attach("cgroup_inet_ingress"), Some(0));
    assert_eq!(attach("cgroup_sock_ops"), Some(3));
    assert_eq!(attach("cgroup_inet4_bind"), Some(8));
    assert_eq!(attach("cgroup_inet4_connect"), Some(10));
    assert_eq!(attach("xdp"), Some(37));
    assert_eq!(attach("tcx_ingress"), Some(46));
    for (i, t) in LINUX.attach_types.iter().enumerate() {
        assert_eq!(t.number as usize, i, "{}", t.name);
    }
    let map = |number| LINUX.map_type(number).map(|t| t.name);
    assert_eq!(map(1), Some("hash"));
    assert_eq!(map(4), Some("perf_event_array"));
    assert_eq!(map(12), Some("array_of_maps"));
    assert_eq!(map(27), Some("ringbuf"));
    assert_eq!(map(0), None);
    for (i, t) in LINUX.map_types.iter().enumerate() {
        assert_eq!(t.number as usize, i + 1, "{}", t.name);
    }
}

#[test]
fn verdicts_follow_the_uapi() {
    let value = |ty: &str, name: &str| LINUX.program_type(ty)?.verdict(name).map(|v| v.value);
    assert_eq!(value("xdp", "XDP_ABORTED"), Some(0));
    assert_eq!(value("xdp", "XDP_DROP"), Some(1));
    assert_eq!(value("xdp", "XDP_PASS"), Some(2));
    assert_eq!(value("xdp", "XDP_TX"), Some(3));
    assert_eq!(value("xdp", "XDP_REDIRECT"), Some(4));
    assert_eq!(value("sched_cls", "TC_ACT_SHOT"), Some(2));
    assert_eq!(value("sched_cls", "TC_ACT_UNSPEC"), Some(-1));
    assert_eq!(value("cgroup_skb", "ALLOW"), Some(1));
    assert_eq!(value("lwt_xmit", "BPF_LWT_REROUTE"), Some(128));
    assert_eq!(value("lwt_out", "BPF_LWT_REROUTE"), None);
    assert_eq!(value("sk_skb", "SK_PASS"), Some(1));
}

#[test]
fn section_names_follow_libbpf() {
    let k = LINUX.section("kprobe/sys_write").unwrap();
    assert_eq!(k.program_type.name, "kprobe");
    assert_eq!(k.attach_type, None);
    assert_eq!(k.target, Some("sys_write"));
    let t = LINUX.section("tracepoint/syscalls/sys_enter_open").unwrap();
    assert_eq!(t.program_type.name, "tracepoint");
    assert_eq!(t.target, Some("syscalls/sys_enter_open"));
    let c = LINUX.section("cgroup/connect4").unwrap();
    assert_eq!(c.program_type.name, "cgroup_sock_addr");
    assert_eq!(c.attach_type.map(|a| a.number), Some(10));
    for (section, ty) in [
        ("xdp", "xdp"),
        ("socket_filter", "socket_filter"),
        ("sockops", "sock_ops"),
        ("classifier", "sched_cls"),
        ("tc", "sched_cls"),
        ("cgroup/skb", "cgroup_skb"),
        ("cgroup/sock", "cgroup_sock"),
        ("raw_tracepoint/sched_switch", "raw_tracepoint"),
        ("perf_event", "perf_event"),
        ("fentry/do_exit", "tracing"),
    ] {
        assert_eq!(
            LINUX.section(section).map(|s| s.program_type.name),
            Some(ty),
            "{section}"
        );
    }
    assert_eq!(
        LINUX
            .section("sk_skb/stream_parser")
            .and_then(|s| s.attach_type)
            .map(|a| a.name),
        Some("sk_skb_stream_parser")
    );
    // eBPF for Windows' own hooks are not Linux's.
    for name in [
        "bind",
        "cgroup/recv_accept4",
        "2/1",
        "from-netdev",
        ".text",
        "test",
    ] {
        assert_eq!(LINUX.section(name), None, "{name}");
    }
}

#[test]
fn legacy_map_records_by_size() {
    assert_eq!(LINUX.map_record(20).map(|r| r.inner_map_idx), Some(None));
    assert_eq!(LINUX.map_record(28).and_then(|r| r.inner_map_idx), Some(20));
    let elf_map = LINUX.map_record(36).unwrap();
    assert_eq!(
        (elf_map.id, elf_map.pinning, elf_map.inner_id),
        (Some(20), Some(24), Some(28))
    );
    assert_eq!(LINUX.map_record(12), None);
    assert_eq!(LINUX.min_map_record(), 16);
}

#[test]
fn attach_contexts_name_known_types_and_cover_the_section_attach_types() {
    for c in LINUX.attach_contexts {
        let t = LINUX.program_type(c.program_type).expect(c.program_type);
        let base = t.context.expect(c.program_type);
        assert_eq!((c.context.name, c.context.size), (base.name, base.size));
        for a in c.attach_types {
            assert!(LINUX.attach_type(a).is_some(), "{a}");
            let n = LINUX
                .attach_contexts
                .iter()
                .filter(|o| o.program_type == c.program_type && o.attach_types.contains(a))
                .count();
            assert_eq!(n, 1, "{}: {a} listed {n} times", c.program_type);
        }
        // What a program may write it may read, at every attach type.
        for w in c.context.writable {
            assert!(
                crate::ContextLayout::covers(c.context.readable, w.start.into(), w.end.into()),
                "{}: {w:?}",
                c.program_type
            );
        }
    }
    // Every attach type a section name implies for such a type has its context.
    for s in LINUX.sections {
        let (Some(a), true) = (s.attach_type, LINUX.has_attach_contexts(s.program_type)) else {
            continue;
        };
        let t = LINUX.program_type(s.program_type).unwrap();
        assert!(LINUX.context_at(t, Some(a)).is_some(), "{}", s.prefix);
    }
}

#[test]
fn fields_exist_only_at_their_attach_types() {
    let readable = |ty: &str, attach: Option<&str>, field: &str| {
        let t = LINUX.program_type(ty).unwrap();
        let c = LINUX.context_at(t, attach).unwrap();
        let f = c.field(field).unwrap();
        crate::ContextLayout::covers(c.readable, f.offset.into(), (f.offset + f.size).into())
    };
    assert!(!readable("xdp", None, "egress_ifindex"));
    assert!(!readable("xdp", Some("xdp_cpumap"), "egress_ifindex"));
    assert!(readable("xdp", Some("xdp_devmap"), "egress_ifindex"));
    let sa = "cgroup_sock_addr";
    assert!(readable(sa, Some("cgroup_inet6_connect"), "user_ip6"));
    assert!(!readable(sa, Some("cgroup_inet4_connect"), "user_ip6"));
    assert!(!readable(sa, Some("cgroup_inet6_connect"), "user_ip4"));
    assert!(readable(sa, Some("cgroup_udp4_sendmsg"), "msg_src_ip4"));
    assert!(!readable(sa, Some("cgroup_inet4_connect"), "msg_src_ip4"));
    assert!(readable(sa, Some("cgroup_udp6_sendmsg"), "msg_src_ip6"));
    assert!(!readable(sa, None, "user_ip4"));
    assert!(readable(
        "cgroup_sock",
        Some("cgroup_inet4_post_bind"),
        "src_ip4"
    ));
    assert!(!readable("cgroup_sock", None, "src_ip4"));
    assert!(!readable(
        "cgroup_sock",
        Some("cgroup_inet6_post_bind"),
        "mark"
    ));
    assert!(readable(
        "cgroup_sockopt",
        Some("cgroup_getsockopt"),
        "retval"
    ));
    assert!(!readable(
        "cgroup_sockopt",
        Some("cgroup_setsockopt"),
        "retval"
    ));
    assert!(!readable("cgroup_skb", None, "wire_len"));
    assert!(!readable("lwt_in", None, "family"));
    let xdp = LINUX.program_type("xdp").unwrap();
    assert!(LINUX
        .context_at(xdp, Some("cgroup_inet4_connect"))
        .is_none());
}
