//! The Linux helper table (UAPI ids) and the helpers the XDP hook is offered that this host
//! leaves out.

use super::{entry, maps, misc, not, packet, printk, sock, typed, Entry, NotOffered, Typed};

/// Linux helpers, by UAPI id.
pub(super) const TABLE: &[Entry] = &[
    entry(1, maps::lookup),
    entry(2, maps::update),
    entry(3, maps::delete),
    entry(5, misc::ktime_get_ns),
    entry(6, printk::trace_printk),
    entry(7, misc::get_prandom_u32),
    entry(8, misc::get_smp_processor_id),
    entry(12, misc::tail_call),
    entry(23, packet::redirect),
    entry(25, maps::perf_event_output),
    entry(28, packet::csum_diff),
    entry(42, misc::get_numa_node_id),
    entry(44, packet::xdp_adjust_head),
    entry(51, packet::redirect_map),
    entry(54, packet::xdp_adjust_meta),
    entry(65, packet::xdp_adjust_tail),
    entry(87, maps::push),
    entry(88, maps::pop),
    entry(89, maps::peek),
    entry(95, sock::no_socket),
    entry(96, sock::no_socket),
    entry(125, misc::ktime_get_boot_ns),
    entry(130, maps::ringbuf_output),
    entry(131, maps::ringbuf_reserve),
    entry(132, maps::ringbuf_submit),
    entry(133, maps::ringbuf_discard),
    entry(134, maps::ringbuf_query),
];

/// The cgroup socket-address hooks' `bpf_get_current_pid_tgid`: the process of the event the
/// embedding host hands over.
pub(super) const TYPED: &[Typed] = &[
    typed("cgroup_sock_addr", 14, sock::current_pid_tgid),
    typed("cgroup_sock_addr", 15, sock::current_uid_gid),
    typed("cgroup_sock_addr", 46, sock::socket_cookie),
];

/// Helpers Linux offers XDP and cgroup socket-address programs that this host does not
/// implement.
pub(super) const NOT_OFFERED: &[NotOffered] = &[
    not(64, "bpf_bind: the host has no socket to bind"),
    not(69, "bpf_fib_lookup: the host has no routing table"),
    not(80, "bpf_get_current_cgroup_id: the host has no cgroups"),
    not(
        123,
        "bpf_get_current_ancestor_cgroup_id: the host has no cgroups",
    ),
    not(118, "bpf_jiffies64: the host has no scheduler tick"),
    // Added with the whole UAPI table (issue 13).
    not(
        81,
        "bpf_get_local_storage: not modelled by the verifier (cgroup storage)",
    ),
    not(
        84,
        "bpf_sk_lookup_tcp: the host has no kernel sockets to look up",
    ),
    not(
        85,
        "bpf_sk_lookup_udp: the host has no kernel sockets to look up",
    ),
    not(
        86,
        "bpf_sk_release: the host has no kernel sockets to look up",
    ),
    not(
        99,
        "bpf_skc_lookup_tcp: the host has no kernel sockets to look up",
    ),
    not(100, "bpf_tcp_check_syncookie: the host has no TCP stack"),
    not(
        107,
        "bpf_sk_storage_get: not modelled by the verifier (socket storage)",
    ),
    not(
        108,
        "bpf_sk_storage_delete: not modelled by the verifier (socket storage)",
    ),
    not(110, "bpf_tcp_gen_syncookie: the host has no TCP stack"),
    not(
        116,
        "bpf_tcp_send_ack: not modelled by the verifier (BTF-typed socket)",
    ),
    not(
        122,
        "bpf_get_netns_cookie: the host has no network namespaces",
    ),
    not(136, "bpf_skc_to_tcp6_sock: the host has no kernel sockets"),
    not(137, "bpf_skc_to_tcp_sock: the host has no kernel sockets"),
    not(
        138,
        "bpf_skc_to_tcp_timewait_sock: the host has no kernel sockets",
    ),
    not(
        139,
        "bpf_skc_to_tcp_request_sock: the host has no kernel sockets",
    ),
    not(140, "bpf_skc_to_udp6_sock: the host has no kernel sockets"),
    not(149, "bpf_snprintf_btf: not modelled by the verifier (BTF)"),
    not(153, "bpf_per_cpu_ptr: not modelled by the verifier (BTF)"),
    not(154, "bpf_this_cpu_ptr: not modelled by the verifier (BTF)"),
    not(
        160,
        "bpf_ktime_get_coarse_ns: not implemented by this host yet",
    ),
    not(163, "bpf_check_mtu: the host has no interface MTUs"),
    not(165, "bpf_snprintf: not implemented by this host yet"),
    not(
        166,
        "bpf_sys_bpf: not modelled by the verifier (syscall programs)",
    ),
    not(
        167,
        "bpf_btf_find_by_name_kind: not modelled by the verifier (syscall programs)",
    ),
    not(
        168,
        "bpf_sys_close: not modelled by the verifier (syscall programs)",
    ),
    not(178, "bpf_skc_to_unix_sock: the host has no kernel sockets"),
    not(
        179,
        "bpf_kallsyms_lookup_name: not modelled by the verifier (syscall programs)",
    ),
    not(182, "bpf_strncmp: not implemented by this host yet"),
    not(
        186,
        "bpf_get_retval: the host has no cgroup hook return values",
    ),
    not(
        187,
        "bpf_set_retval: the host has no cgroup hook return values",
    ),
    not(
        188,
        "bpf_xdp_get_buff_len: not implemented by this host yet",
    ),
    not(189, "bpf_xdp_load_bytes: not implemented by this host yet"),
    not(190, "bpf_xdp_store_bytes: not implemented by this host yet"),
    not(194, "bpf_kptr_xchg: not modelled by the verifier (kptrs)"),
    not(
        195,
        "bpf_map_lookup_percpu_elem: the host has no per-CPU maps",
    ),
    not(196, "bpf_skc_to_mptcp_sock: the host has no kernel sockets"),
    not(
        197,
        "bpf_dynptr_from_mem: not modelled by the verifier (dynptrs)",
    ),
    not(
        198,
        "bpf_ringbuf_reserve_dynptr: not modelled by the verifier (dynptrs)",
    ),
    not(
        199,
        "bpf_ringbuf_submit_dynptr: not modelled by the verifier (dynptrs)",
    ),
    not(
        200,
        "bpf_ringbuf_discard_dynptr: not modelled by the verifier (dynptrs)",
    ),
    not(
        201,
        "bpf_dynptr_read: not modelled by the verifier (dynptrs)",
    ),
    not(
        202,
        "bpf_dynptr_write: not modelled by the verifier (dynptrs)",
    ),
    not(
        203,
        "bpf_dynptr_data: not modelled by the verifier (dynptrs)",
    ),
    not(
        204,
        "bpf_tcp_raw_gen_syncookie_ipv4: the host has no TCP stack",
    ),
    not(
        205,
        "bpf_tcp_raw_gen_syncookie_ipv6: the host has no TCP stack",
    ),
    not(
        206,
        "bpf_tcp_raw_check_syncookie_ipv4: the host has no TCP stack",
    ),
    not(
        207,
        "bpf_tcp_raw_check_syncookie_ipv6: the host has no TCP stack",
    ),
    not(
        208,
        "bpf_ktime_get_tai_ns: not implemented by this host yet",
    ),
    not(
        210,
        "bpf_cgrp_storage_get: not modelled by the verifier (cgroup storage)",
    ),
    not(
        211,
        "bpf_cgrp_storage_delete: not modelled by the verifier (cgroup storage)",
    ),
    // Spin locks and callbacks: verified, not run (the interpreter and the JIT cannot call
    // back into a program from a helper yet; values have no lock word without BTF).
    not(
        93,
        "bpf_spin_lock: verified only; the host does not run spin locks",
    ),
    not(
        94,
        "bpf_spin_unlock: verified only; the host does not run spin locks",
    ),
    not(
        164,
        "bpf_for_each_map_elem: verified only; the host cannot call back into a program",
    ),
    not(169, "bpf_timer_init: timers are not modelled"),
    not(170, "bpf_timer_set_callback: timers are not modelled"),
    not(171, "bpf_timer_start: timers are not modelled"),
    not(172, "bpf_timer_cancel: timers are not modelled"),
    not(
        181,
        "bpf_loop: verified only; the host cannot call back into a program",
    ),
    not(
        209,
        "bpf_user_ringbuf_drain: user ring buffers are not modelled",
    ),
];
