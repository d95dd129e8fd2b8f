//! The Linux platform: program types with their context layouts (UAPI `struct xdp_md`,
//! `struct __sk_buff`, `struct pt_regs` on x86-64) and the common helper prototypes, by their
//! UAPI ids.

use super::ArgKind::{
    self, AllocMem, Anything, Ctx, Map, MapKey, MapValue, ReadMem, Scalar, Size, SizeOrZero,
    UpdateMem, WriteMem,
};
use super::MapReq;
use super::RetKind::{self, AllocOrNull, MapValueOrNull, Void, U32};
use super::{
    field, proto, proto_pkt, ContextLayout, FieldRange, HelperProto, Platform, ProgramType,
};

/// Helpers every program type may call.
const BASE: u32 = 1;
/// `__sk_buff` readers (socket filter and tc).
const SKB: u32 = 2;
/// tc-only helpers (packet writes, redirects).
const TC: u32 = 4;
/// XDP-only helpers.
const XDP: u32 = 8;
/// Tracing helpers (kprobe, tracepoint).
const TRACING: u32 = 16;
/// Helpers for networking hooks that emit events (`perf_event_output` with a context).
const EVENTS: u32 = 32;
/// The current task's ids (tracing and cgroup hooks).
const CURRENT: u32 = 64;
/// sock_ops helpers.
const SOCK_OPS: u32 = 128;
/// Helpers of every `__sk_buff` program that may change the packet or its metadata
/// (tc, lwt_xmit, sk_skb).
const SKB_WRITE: u32 = 256;

const N: ArgKind = ArgKind::None;

/// The Linux platform.
#[derive(Clone, Copy, Debug, Default)]
pub struct Linux;

const XDP_MD: ContextLayout = ContextLayout {
    size: 24,
    data: Some(0),
    data_end: Some(4),
    pointer_size: 4,
    // data, data_end, data_meta (read as a number), ingress_ifindex, rx_queue_index,
    // egress_ifindex.
    readable: &[field(0, 24)],
    writable: &[],
};

// struct __sk_buff: len 0, pkt_type 4, mark 8, queue_mapping 12, protocol 16, vlan_present 20,
// vlan_tci 24, vlan_proto 28, priority 32, ingress_ifindex 36, ifindex 40, tc_index 44,
// cb[5] 48..68, hash 68, tc_classid 72, data 76, data_end 80, napi_id 84, family 88,
// remote_ip4 92, local_ip4 96, remote_ip6 100..116, local_ip6 116..132, remote_port 132,
// local_port 136, data_meta 140, flow_keys 144, tstamp 152, wire_len 160, gso_segs 164,
// sk 168, gso_size 176, tstamp_type 180, hwtstamp 184; size 192.
const SKB_SIZE: u32 = 192;
const SKB_READ_NO_PACKET: &[FieldRange] = &[field(0, 76), field(84, 144), field(152, 168)];
const SKB_READ: &[FieldRange] = &[field(0, 144), field(152, 168)];
const SOCKET_FILTER_WRITE: &[FieldRange] = &[field(48, 68)];
const TC_WRITE: &[FieldRange] = &[
    field(8, 16),    // mark, queue_mapping
    field(32, 36),   // priority
    field(44, 68),   // tc_index, cb
    field(72, 76),   // tc_classid
    field(152, 160), // tstamp
];

const SOCKET_FILTER_CTX: ContextLayout = ContextLayout {
    size: SKB_SIZE,
    data: None,
    data_end: None,
    pointer_size: 4,
    readable: SKB_READ_NO_PACKET,
    writable: SOCKET_FILTER_WRITE,
};

const TC_CTX: ContextLayout = ContextLayout {
    size: SKB_SIZE,
    data: Some(76),
    data_end: Some(80),
    pointer_size: 4,
    readable: SKB_READ,
    writable: TC_WRITE,
};

/// x86-64 `struct pt_regs`: 21 registers of 8 bytes, read-only.
const PT_REGS: ContextLayout = ContextLayout {
    size: 168,
    data: None,
    data_end: None,
    pointer_size: 8,
    readable: &[field(0, 168)],
    writable: &[],
};

/// Tracepoint records: the common header and up to 7 fields of 8 bytes. The real size depends
/// on the tracepoint's format, which a loader can supply later; until then reads past 64 bytes
/// are rejected.
const TRACEPOINT_CTX: ContextLayout = ContextLayout {
    size: 64,
    data: None,
    data_end: None,
    pointer_size: 8,
    readable: &[field(0, 64)],
    writable: &[],
};

/// `struct bpf_sock_ops` up to `sk` (184); `reply`/`replylong` (4..20) and `sk_txhash` (164)
/// are writable. `sk` and the `skb_data` pointers are not readable here.
const SOCK_OPS_CTX: ContextLayout = ContextLayout {
    size: 224,
    data: None,
    data_end: None,
    pointer_size: 8,
    readable: &[field(0, 184), field(208, 224)],
    writable: &[field(4, 20), field(164, 168)],
};

/// `struct bpf_perf_event_data`: x86-64 `pt_regs` (168), `sample_period`, `addr`.
const PERF_EVENT_CTX: ContextLayout = ContextLayout {
    size: 184,
    data: None,
    data_end: None,
    pointer_size: 8,
    readable: &[field(0, 184)],
    writable: &[],
};

/// `struct bpf_raw_tracepoint_args`: up to 12 `u64` arguments (the real count depends on the
/// tracepoint, which a loader can supply later).
const RAW_TRACEPOINT_CTX: ContextLayout = ContextLayout {
    size: 96,
    data: None,
    data_end: None,
    pointer_size: 8,
    readable: &[field(0, 96)],
    writable: &[],
};

/// `struct bpf_sock` as cgroup_sock programs see it: `bound_dev_if`, `mark` and `priority`
/// are writable.
const CGROUP_SOCK_CTX: ContextLayout = ContextLayout {
    size: 80,
    data: None,
    data_end: None,
    pointer_size: 8,
    readable: &[field(0, 80)],
    writable: &[field(0, 4), field(16, 24)],
};

/// `__sk_buff` for cgroup_skb and lwt_in/lwt_out: direct packet reads, `mark`, `priority` and
/// `cb` writable.
const SKB_READ_ONLY_PACKET_CTX: ContextLayout = ContextLayout {
    size: SKB_SIZE,
    data: Some(76),
    data_end: Some(80),
    pointer_size: 4,
    readable: SKB_READ,
    writable: &[field(8, 12), field(32, 36), field(48, 68)],
};

const PROGRAM_TYPES: &[ProgramType] = &[
    ProgramType {
        name: "socket_filter",
        context: SOCKET_FILTER_CTX,
        packet_writable: false,
        legacy_packet_loads: true,
        helper_groups: BASE | SKB,
        return_range: None,
    },
    ProgramType {
        name: "sched_cls",
        context: TC_CTX,
        packet_writable: true,
        legacy_packet_loads: true,
        helper_groups: BASE | SKB | TC | EVENTS | SKB_WRITE,
        return_range: None,
    },
    ProgramType {
        name: "sched_act",
        context: TC_CTX,
        packet_writable: true,
        legacy_packet_loads: true,
        helper_groups: BASE | SKB | TC | EVENTS | SKB_WRITE,
        return_range: None,
    },
    ProgramType {
        name: "xdp",
        context: XDP_MD,
        packet_writable: true,
        legacy_packet_loads: false,
        helper_groups: BASE | XDP | EVENTS,
        return_range: None,
    },
    ProgramType {
        name: "kprobe",
        context: PT_REGS,
        packet_writable: false,
        legacy_packet_loads: false,
        helper_groups: BASE | TRACING | EVENTS | CURRENT,
        return_range: None,
    },
    ProgramType {
        name: "tracepoint",
        context: TRACEPOINT_CTX,
        packet_writable: false,
        legacy_packet_loads: false,
        helper_groups: BASE | TRACING | EVENTS | CURRENT,
        return_range: None,
    },
    ProgramType {
        name: "raw_tracepoint",
        context: RAW_TRACEPOINT_CTX,
        packet_writable: false,
        legacy_packet_loads: false,
        helper_groups: BASE | TRACING | EVENTS | CURRENT,
        return_range: None,
    },
    ProgramType {
        name: "perf_event",
        context: PERF_EVENT_CTX,
        packet_writable: false,
        legacy_packet_loads: false,
        helper_groups: BASE | TRACING | EVENTS | CURRENT,
        return_range: None,
    },
    ProgramType {
        name: "sock_ops",
        context: SOCK_OPS_CTX,
        packet_writable: false,
        legacy_packet_loads: false,
        helper_groups: BASE | SOCK_OPS,
        return_range: None,
    },
    ProgramType {
        name: "cgroup_sock",
        context: CGROUP_SOCK_CTX,
        packet_writable: false,
        legacy_packet_loads: false,
        helper_groups: BASE | CURRENT,
        return_range: None,
    },
    ProgramType {
        name: "cgroup_skb",
        context: SKB_READ_ONLY_PACKET_CTX,
        packet_writable: false,
        legacy_packet_loads: true,
        helper_groups: BASE | SKB | CURRENT,
        return_range: None,
    },
    ProgramType {
        name: "lwt_in",
        context: SKB_READ_ONLY_PACKET_CTX,
        packet_writable: false,
        legacy_packet_loads: false,
        helper_groups: BASE | SKB,
        return_range: None,
    },
    ProgramType {
        name: "lwt_out",
        context: SKB_READ_ONLY_PACKET_CTX,
        packet_writable: false,
        legacy_packet_loads: false,
        helper_groups: BASE | SKB,
        return_range: None,
    },
    ProgramType {
        name: "lwt_xmit",
        context: TC_CTX,
        packet_writable: true,
        legacy_packet_loads: false,
        helper_groups: BASE | SKB | SKB_WRITE,
        return_range: None,
    },
    ProgramType {
        name: "sk_skb",
        context: TC_CTX,
        packet_writable: true,
        legacy_packet_loads: false,
        helper_groups: BASE | SKB | SKB_WRITE,
        return_range: None,
    },
];

const fn a(a1: ArgKind, a2: ArgKind, a3: ArgKind, a4: ArgKind, a5: ArgKind) -> [ArgKind; 5] {
    [a1, a2, a3, a4, a5]
}

const NONE: [ArgKind; 5] = [N; 5];
const DATA: ArgKind = Map(MapReq::Data);
const R: RetKind = RetKind::Scalar;

const HELPERS: &[HelperProto] = &[
    proto(
        1,
        "bpf_map_lookup_elem",
        a(DATA, MapKey, N, N, N),
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
    proto(
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
    proto(17, "bpf_get_cgroup_classid", a(Ctx, N, N, N, N), R, TC),
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
    proto(24, "bpf_get_route_realm", a(Ctx, N, N, N, N), R, TC),
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
        SKB,
    ),
    proto(
        28,
        "bpf_csum_diff",
        a(ReadMem, SizeOrZero, ReadMem, SizeOrZero, Scalar),
        R,
        TC | XDP,
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
        TC,
    ),
    proto(34, "bpf_get_hash_recalc", a(Ctx, N, N, N, N), R, SKB_WRITE),
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
        SKB_WRITE,
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
        SKB | SOCK_OPS,
    ),
    proto(47, "bpf_get_socket_uid", a(Ctx, N, N, N, N), U32, SKB),
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
        TRACING,
    ),
    proto(
        59,
        "bpf_sock_ops_cb_flags_set",
        a(Ctx, Scalar, N, N, N),
        R,
        SOCK_OPS,
    ),
    proto_pkt(65, "bpf_xdp_adjust_tail", a(Ctx, Scalar, N, N, N), R, XDP),
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
        SKB,
    ),
    proto(
        69,
        "bpf_fib_lookup",
        a(Ctx, UpdateMem, Size, Scalar, N),
        R,
        TC | XDP,
    ),
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
];

impl Platform for Linux {
    fn name(&self) -> &'static str {
        "linux"
    }

    fn program_types(&self) -> &[ProgramType] {
        PROGRAM_TYPES
    }

    fn helpers(&self) -> &[HelperProto] {
        HELPERS
    }
}
