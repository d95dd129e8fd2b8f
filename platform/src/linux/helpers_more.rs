//! The Linux helper prototypes by UAPI id, continued (`helpers.rs` holds the first ones):
//! the socket helpers (reference-tracked lookups, their release, and the pointers derived
//! from a socket), and the rest of the UAPI up to id 211. Helpers that take or return
//! objects the verifier does not model (BTF-typed kernel pointers, dynamic pointers, storage
//! maps, `kptr_xchg`) are listed with the reason every call to them is rejected. Not here:
//! the helpers with callbacks or locks (`spin_lock`, `spin_unlock`, `for_each_map_elem`,
//! the timers, `find_vma`, `loop`, `user_ringbuf_drain`).
//!
//! Ids and names from `___BPF_FUNC_MAPPER` in the UAPI header `include/uapi/linux/bpf.h`;
//! prototypes and program types from the kernel's `bpf_func_proto`s and `*_func_proto`
//! functions (`net/core/filter.c`, `kernel/bpf/helpers.c`, `kernel/trace/bpf_trace.c`).

use super::{
    BASE, CGROUP_HOOK, LWT, NETNS, PERF_EVENT, SEG6, SKB_CGROUP, SK_MSG, SOCK_LOOKUP, SOCK_OPS,
    SYSCTL, TC, TRACING, XDP,
};
use crate::helper::{a, not_modelled, proto, proto_pkt};
use crate::ArgKind::{
    self, ConstStr, Ctx, CtxOrNull, Map, MapKey, ReadFixed, ReadMem, Scalar, Size, SizeOrZero,
    Sock, SockRelease, UpdateFixed, UpdateMem, WriteFixed, WriteMem,
};
use crate::RetKind::{self, DerivedSockOrNull, MapValueOrNull, RelatedSockOrNull, SockOrNull};
use crate::{HelperProto, MapKind, MapReq, SockKind};

const N: ArgKind = ArgKind::None;
const NONE: [ArgKind; 5] = [N; 5];
const R: RetKind = RetKind::Scalar;

/// Helpers that take BTF-typed kernel objects: the verifier has no BTF of the kernel.
const BTF: &str =
    "it takes or returns a BTF-typed kernel object, which the verifier does not model (no kernel BTF)";
/// Helpers of syscall programs.
const SYSCALL: &str =
    "only BPF_PROG_TYPE_SYSCALL programs may call it, and the verifier does not model them";
/// Dynamic pointers.
const DYNPTR: &str =
    "it takes or makes a dynamic pointer (bpf_dynptr), which the verifier does not model";
/// Local storage maps.
const STORAGE: &str =
    "its map is a local storage map keyed by a kernel object, which the verifier does not model";
/// Every socket lookup's program types.
const LOOKUP: u32 = SOCK_LOOKUP;
/// A `struct iphdr` without options, a `struct ipv6hdr`, a `struct tcphdr` without options.
const IPHDR: u32 = 20;
const IPV6HDR: u32 = 40;
const TCPHDR: u32 = 20;

/// The helper prototypes, by UAPI id.
pub(super) const HELPERS: &[HelperProto] = &[
    proto_pkt(
        73,
        "bpf_lwt_push_encap",
        a(Ctx, Scalar, ReadMem, Size, N),
        R,
        LWT,
    ),
    proto_pkt(
        74,
        "bpf_lwt_seg6_store_bytes",
        a(Ctx, Scalar, ReadMem, Size, N),
        R,
        SEG6,
    ),
    proto_pkt(
        75,
        "bpf_lwt_seg6_adjust_srh",
        a(Ctx, Scalar, Scalar, N, N),
        R,
        SEG6,
    ),
    proto_pkt(
        76,
        "bpf_lwt_seg6_action",
        a(Ctx, Scalar, ReadMem, Size, N),
        R,
        SEG6,
    ),
    not_modelled(
        81,
        "bpf_get_local_storage",
        BASE,
        "its map is a cgroup storage map, which the verifier does not model",
    ),
    proto(
        84,
        "bpf_sk_lookup_tcp",
        a(Ctx, ReadMem, Size, Scalar, Scalar),
        SockOrNull(SockKind::Full),
        LOOKUP,
    ),
    proto(
        85,
        "bpf_sk_lookup_udp",
        a(Ctx, ReadMem, Size, Scalar, Scalar),
        SockOrNull(SockKind::Full),
        LOOKUP,
    ),
    proto(86, "bpf_sk_release", a(SockRelease, N, N, N, N), R, LOOKUP),
    proto_pkt(
        90,
        "bpf_msg_push_data",
        a(Ctx, Scalar, Scalar, Scalar, N),
        R,
        SK_MSG,
    ),
    proto_pkt(
        91,
        "bpf_msg_pop_data",
        a(Ctx, Scalar, Scalar, Scalar, N),
        R,
        SK_MSG,
    ),
    proto(
        95,
        "bpf_sk_fullsock",
        a(Sock, N, N, N, N),
        DerivedSockOrNull(SockKind::Full),
        SKB_CGROUP,
    ),
    proto(
        96,
        "bpf_tcp_sock",
        a(Sock, N, N, N, N),
        DerivedSockOrNull(SockKind::Tcp),
        SKB_CGROUP,
    ),
    proto(97, "bpf_skb_ecn_set_ce", a(Ctx, N, N, N, N), R, SKB_CGROUP),
    // The listener is another socket, not a new reference: it may not be released, and it is
    // treated as unusable once the argument is released (stricter than Linux).
    proto(
        98,
        "bpf_get_listener_sock",
        a(Sock, N, N, N, N),
        RelatedSockOrNull(SockKind::Full),
        SKB_CGROUP,
    ),
    proto(
        99,
        "bpf_skc_lookup_tcp",
        a(Ctx, ReadMem, Size, Scalar, Scalar),
        SockOrNull(SockKind::Common),
        LOOKUP,
    ),
    proto(
        100,
        "bpf_tcp_check_syncookie",
        a(Sock, ReadMem, Size, ReadMem, Size),
        R,
        TC | XDP,
    ),
    // `res` is written whatever the result (Linux zeroes it on error since 6.11).
    proto(
        105,
        "bpf_strtol",
        a(ReadMem, Size, Scalar, WriteFixed(8), N),
        R,
        SYSCTL,
    ),
    proto(
        106,
        "bpf_strtoul",
        a(ReadMem, Size, Scalar, WriteFixed(8), N),
        R,
        SYSCTL,
    ),
    not_modelled(107, "bpf_sk_storage_get", BASE, STORAGE),
    not_modelled(108, "bpf_sk_storage_delete", BASE, STORAGE),
    proto(
        110,
        "bpf_tcp_gen_syncookie",
        a(Sock, ReadMem, Size, ReadMem, Size),
        R,
        TC | XDP,
    ),
    not_modelled(111, "bpf_skb_output", TRACING, BTF),
    not_modelled(116, "bpf_tcp_send_ack", BASE, BTF),
    // Linux also takes a null buffer with the size-query flag; a buffer is required here.
    proto(
        119,
        "bpf_read_branch_records",
        a(Ctx, WriteMem, SizeOrZero, Scalar, N),
        R,
        PERF_EVENT,
    ),
    not_modelled(121, "bpf_xdp_output", TRACING, BTF),
    proto(
        122,
        "bpf_get_netns_cookie",
        a(CtxOrNull, N, N, N, N),
        R,
        NETNS,
    ),
    proto(124, "bpf_sk_assign", a(Ctx, Sock, Scalar, N, N), R, TC),
    not_modelled(126, "bpf_seq_printf", TRACING, BTF),
    not_modelled(127, "bpf_seq_write", TRACING, BTF),
    proto(128, "bpf_sk_cgroup_id", a(Sock, N, N, N, N), R, SKB_CGROUP),
    proto(
        129,
        "bpf_sk_ancestor_cgroup_id",
        a(Sock, Scalar, N, N, N),
        R,
        SKB_CGROUP,
    ),
    proto(
        136,
        "bpf_skc_to_tcp6_sock",
        a(Sock, N, N, N, N),
        DerivedSockOrNull(SockKind::Btf),
        BASE,
    ),
    proto(
        137,
        "bpf_skc_to_tcp_sock",
        a(Sock, N, N, N, N),
        DerivedSockOrNull(SockKind::Btf),
        BASE,
    ),
    proto(
        138,
        "bpf_skc_to_tcp_timewait_sock",
        a(Sock, N, N, N, N),
        DerivedSockOrNull(SockKind::Btf),
        BASE,
    ),
    proto(
        139,
        "bpf_skc_to_tcp_request_sock",
        a(Sock, N, N, N, N),
        DerivedSockOrNull(SockKind::Btf),
        BASE,
    ),
    proto(
        140,
        "bpf_skc_to_udp6_sock",
        a(Sock, N, N, N, N),
        DerivedSockOrNull(SockKind::Btf),
        BASE,
    ),
    not_modelled(141, "bpf_get_task_stack", TRACING, BTF),
    // The buffer starts with the option searched for (read), then receives it.
    proto(
        142,
        "bpf_load_hdr_opt",
        a(Ctx, UpdateMem, Size, Scalar, N),
        R,
        SOCK_OPS,
    ),
    proto_pkt(
        143,
        "bpf_store_hdr_opt",
        a(Ctx, ReadMem, Size, Scalar, N),
        R,
        SOCK_OPS,
    ),
    proto(
        144,
        "bpf_reserve_hdr_opt",
        a(Ctx, Scalar, Scalar, N, N),
        R,
        SOCK_OPS,
    ),
    not_modelled(145, "bpf_inode_storage_get", TRACING, STORAGE),
    not_modelled(146, "bpf_inode_storage_delete", TRACING, STORAGE),
    not_modelled(147, "bpf_d_path", TRACING, BTF),
    // Sleepable programs only in Linux.
    proto(
        148,
        "bpf_copy_from_user",
        a(WriteMem, SizeOrZero, ArgKind::Anything, N, N),
        R,
        TRACING,
    ),
    not_modelled(149, "bpf_snprintf_btf", BASE, BTF),
    not_modelled(150, "bpf_seq_printf_btf", TRACING, BTF),
    proto(151, "bpf_skb_cgroup_classid", a(Ctx, N, N, N, N), R, TC),
    // The parameters may be null with a size of 0.
    proto(
        152,
        "bpf_redirect_neigh",
        a(Scalar, ReadMem, SizeOrZero, Scalar, N),
        R,
        TC,
    ),
    not_modelled(153, "bpf_per_cpu_ptr", BASE, BTF),
    not_modelled(154, "bpf_this_cpu_ptr", BASE, BTF),
    proto(155, "bpf_redirect_peer", a(Scalar, Scalar, N, N, N), R, TC),
    not_modelled(156, "bpf_task_storage_get", TRACING, STORAGE),
    not_modelled(157, "bpf_task_storage_delete", TRACING, STORAGE),
    not_modelled(158, "bpf_get_current_task_btf", TRACING, BTF),
    not_modelled(159, "bpf_bprm_opts_set", TRACING, BTF),
    proto(160, "bpf_ktime_get_coarse_ns", NONE, R, BASE),
    not_modelled(161, "bpf_ima_inode_hash", TRACING, BTF),
    not_modelled(162, "bpf_sock_from_file", TRACING, BTF),
    // `mtu_len` is read (the length to check) and written (the MTU).
    proto(
        163,
        "bpf_check_mtu",
        a(Ctx, Scalar, UpdateFixed(4), Scalar, Scalar),
        R,
        TC | XDP,
    ),
    // The data is an array of u64 values, one per conversion of the format.
    proto(
        165,
        "bpf_snprintf",
        a(WriteMem, SizeOrZero, ConstStr, ReadMem, SizeOrZero),
        R,
        BASE,
    ),
    not_modelled(166, "bpf_sys_bpf", BASE, SYSCALL),
    not_modelled(167, "bpf_btf_find_by_name_kind", BASE, SYSCALL),
    not_modelled(168, "bpf_sys_close", BASE, SYSCALL),
    proto(173, "bpf_get_func_ip", a(Ctx, N, N, N, N), R, TRACING),
    proto(
        174,
        "bpf_get_attach_cookie",
        a(Ctx, N, N, N, N),
        R,
        TRACING | PERF_EVENT,
    ),
    not_modelled(175, "bpf_task_pt_regs", TRACING, BTF),
    proto(
        176,
        "bpf_get_branch_snapshot",
        a(WriteMem, SizeOrZero, Scalar, N, N),
        R,
        TRACING,
    ),
    proto(
        177,
        "bpf_trace_vprintk",
        a(ReadMem, Size, ReadMem, SizeOrZero, N),
        R,
        TRACING,
    ),
    proto(
        178,
        "bpf_skc_to_unix_sock",
        a(Sock, N, N, N, N),
        DerivedSockOrNull(SockKind::Btf),
        BASE,
    ),
    not_modelled(179, "bpf_kallsyms_lookup_name", BASE, SYSCALL),
    proto(
        182,
        "bpf_strncmp",
        a(ReadMem, Size, ConstStr, N, N),
        R,
        BASE,
    ),
    proto(
        183,
        "bpf_get_func_arg",
        a(Ctx, Scalar, WriteFixed(8), N, N),
        R,
        TRACING,
    ),
    proto(
        184,
        "bpf_get_func_ret",
        a(Ctx, WriteFixed(8), N, N, N),
        R,
        TRACING,
    ),
    proto(185, "bpf_get_func_arg_cnt", a(Ctx, N, N, N, N), R, TRACING),
    proto(186, "bpf_get_retval", NONE, R, CGROUP_HOOK),
    proto(187, "bpf_set_retval", a(Scalar, N, N, N, N), R, CGROUP_HOOK),
    proto(188, "bpf_xdp_get_buff_len", a(Ctx, N, N, N, N), R, XDP),
    proto(
        189,
        "bpf_xdp_load_bytes",
        a(Ctx, Scalar, WriteMem, Size, N),
        R,
        XDP,
    ),
    proto(
        190,
        "bpf_xdp_store_bytes",
        a(Ctx, Scalar, ReadMem, Size, N),
        R,
        XDP,
    ),
    not_modelled(191, "bpf_copy_from_user_task", TRACING, BTF),
    proto(
        192,
        "bpf_skb_set_tstamp",
        a(Ctx, Scalar, Scalar, N, N),
        R,
        TC,
    ),
    not_modelled(193, "bpf_ima_file_hash", TRACING, BTF),
    not_modelled(
        194,
        "bpf_kptr_xchg",
        BASE,
        "it exchanges a referenced kernel pointer (kptr) stored in a map value, which the verifier does not model",
    ),
    // Per-CPU maps are not told apart from the others by the verifier's map kinds.
    proto(
        195,
        "bpf_map_lookup_percpu_elem",
        a(
            Map(MapReq::of(&[MapKind::Hash, MapKind::Array])),
            MapKey,
            Scalar,
            N,
            N,
        ),
        MapValueOrNull,
        BASE,
    ),
    proto(
        196,
        "bpf_skc_to_mptcp_sock",
        a(Sock, N, N, N, N),
        DerivedSockOrNull(SockKind::Btf),
        BASE,
    ),
    not_modelled(197, "bpf_dynptr_from_mem", BASE, DYNPTR),
    not_modelled(198, "bpf_ringbuf_reserve_dynptr", BASE, DYNPTR),
    not_modelled(199, "bpf_ringbuf_submit_dynptr", BASE, DYNPTR),
    not_modelled(200, "bpf_ringbuf_discard_dynptr", BASE, DYNPTR),
    not_modelled(201, "bpf_dynptr_read", BASE, DYNPTR),
    not_modelled(202, "bpf_dynptr_write", BASE, DYNPTR),
    not_modelled(203, "bpf_dynptr_data", BASE, DYNPTR),
    proto(
        204,
        "bpf_tcp_raw_gen_syncookie_ipv4",
        a(ReadFixed(IPHDR), ReadMem, Size, N, N),
        R,
        TC | XDP,
    ),
    proto(
        205,
        "bpf_tcp_raw_gen_syncookie_ipv6",
        a(ReadFixed(IPV6HDR), ReadMem, Size, N, N),
        R,
        TC | XDP,
    ),
    proto(
        206,
        "bpf_tcp_raw_check_syncookie_ipv4",
        a(ReadFixed(IPHDR), ReadFixed(TCPHDR), N, N, N),
        R,
        TC | XDP,
    ),
    proto(
        207,
        "bpf_tcp_raw_check_syncookie_ipv6",
        a(ReadFixed(IPV6HDR), ReadFixed(TCPHDR), N, N, N),
        R,
        TC | XDP,
    ),
    proto(208, "bpf_ktime_get_tai_ns", NONE, R, BASE),
    not_modelled(210, "bpf_cgrp_storage_get", BASE, STORAGE),
    not_modelled(211, "bpf_cgrp_storage_delete", BASE, STORAGE),
];
