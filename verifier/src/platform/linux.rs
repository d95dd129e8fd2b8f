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
/// `bpf_skb_load_bytes`: every `__sk_buff` hook.
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
/// perf_event-only helpers (the counter behind the context).
const PERF_EVENT: u32 = 512;
/// sk_msg helpers.
const SK_MSG: u32 = 1 << 10;
/// sk_reuseport helpers (and the `__sk_buff` readers that also take its context).
const REUSEPORT: u32 = 1 << 11;
/// cgroup_sysctl helpers.
const SYSCTL: u32 = 1 << 12;
/// cgroup_sock_addr helpers.
const SOCK_ADDR: u32 = 1 << 13;
/// lirc_mode2 helpers (remote control decoding).
const LIRC: u32 = 1 << 14;
/// sk_skb-only helpers (socket redirects).
const SK_SKB: u32 = 1 << 15;
/// The cgroup ids of an `__sk_buff`'s socket (tc and cgroup_skb).
const SKB_CGROUP: u32 = 1 << 16;
/// kprobe-only helpers (error injection).
const KPROBE: u32 = 1 << 17;
/// The socket behind an `__sk_buff` (cookie, uid) and loads relative to its headers (socket
/// filter, tc, cgroup_skb).
const SKB_SOCK: u32 = 1 << 18;
/// lwt helpers (and the tc helpers lwt programs share).
const LWT: u32 = 1 << 19;

const N: ArgKind = ArgKind::None;

/// The Linux platform.
#[derive(Clone, Copy, Debug, Default)]
pub struct Linux;

const XDP_MD: ContextLayout = ContextLayout {
    size: 24,
    data: Some(0),
    data_end: Some(4),
    data_meta: Some(8),
    pointer_size: 4,
    // data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex.
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
/// What tc programs may read: up to `napi_id`, `data_meta`, `tstamp` to `gso_segs` (the
/// kernel refuses the socket fields `family` to `local_port` to tc).
const SKB_READ: &[FieldRange] = &[field(0, 88), field(140, 144), field(152, 168)];
/// What cgroup_skb and lwt programs may read: the socket fields too, but no `data_meta` (these
/// hooks have no metadata pointer; reading it as a number would leak an address).
const SKB_READ_NO_META: &[FieldRange] = &[field(0, 140), field(152, 168)];
const TC_WRITE: &[FieldRange] = &[
    field(8, 16),    // mark, queue_mapping
    field(32, 36),   // priority
    field(44, 68),   // tc_index, cb
    field(72, 76),   // tc_classid
    field(152, 160), // tstamp
];

const TC_CTX: ContextLayout = ContextLayout {
    size: SKB_SIZE,
    data: Some(76),
    data_end: Some(80),
    data_meta: Some(140),
    pointer_size: 4,
    readable: SKB_READ,
    writable: TC_WRITE,
};

/// x86-64 `struct pt_regs`: 21 registers of 8 bytes, read-only.
const PT_REGS: ContextLayout = ContextLayout {
    size: 168,
    data: None,
    data_end: None,
    data_meta: None,
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
    data_meta: None,
    pointer_size: 8,
    readable: &[field(0, 64)],
    writable: &[],
};

/// `struct bpf_sock_ops` up to `sk` (184); `reply` (4) and `sk_txhash` (164) are writable. `sk` and the `skb_data` pointers are not readable here.
const SOCK_OPS_CTX: ContextLayout = ContextLayout {
    size: 224,
    data: None,
    data_end: None,
    data_meta: None,
    pointer_size: 8,
    readable: &[field(0, 184), field(208, 224)],
    writable: &[field(4, 8), field(164, 168)],
};

/// `struct bpf_perf_event_data`: x86-64 `pt_regs` (168), `sample_period`, `addr`.
const PERF_EVENT_CTX: ContextLayout = ContextLayout {
    size: 184,
    data: None,
    data_end: None,
    data_meta: None,
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
    data_meta: None,
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
    data_meta: None,
    pointer_size: 8,
    readable: &[field(0, 80)],
    writable: &[field(0, 4), field(16, 24)],
};

/// `__sk_buff` for cgroup_skb and the lwt hooks: direct packet access without metadata; `mark`,
/// `priority` and `cb` writable.
const SKB_NO_META_CTX: ContextLayout = ContextLayout {
    size: SKB_SIZE,
    data: Some(76),
    data_end: Some(80),
    data_meta: None,
    pointer_size: 4,
    readable: SKB_READ_NO_META,
    writable: &[field(8, 12), field(32, 36), field(48, 68)],
};

/// `__sk_buff` for sk_skb: no `mark`, `tc_classid`, `data_meta` or `tstamp`; `priority` and
/// `tc_index` writable.
const SK_SKB_CTX: ContextLayout = ContextLayout {
    size: SKB_SIZE,
    data: Some(76),
    data_end: Some(80),
    data_meta: None,
    pointer_size: 4,
    readable: &[field(0, 8), field(12, 72), field(76, 140)],
    writable: &[field(32, 36), field(44, 48)],
};

/// `struct bpf_sock_addr`: `sk` (a pointer, at 64) is not readable; the user address and port
/// and the message source address are writable.
const SOCK_ADDR_CTX: ContextLayout = ContextLayout {
    size: 72,
    data: None,
    data_end: None,
    data_meta: None,
    pointer_size: 8,
    // user_family 0, user_ip4 4, user_ip6 8..24, user_port 24, family 28, type 32,
    // protocol 36, msg_src_ip4 40, msg_src_ip6 44..60, padding to 64.
    readable: &[field(0, 60)],
    writable: &[field(4, 28), field(40, 60)],
};

/// `struct sk_msg_md`: `data`/`data_end` (8-byte pointers) delimit the message; `family` to
/// `size` readable; `sk` (at 72) is not.
const SK_MSG_CTX: ContextLayout = ContextLayout {
    size: 80,
    data: Some(0),
    data_end: Some(8),
    data_meta: None,
    pointer_size: 8,
    readable: &[field(0, 72)],
    writable: &[],
};

/// `struct sk_reuseport_md`: `data`/`data_end` (8-byte pointers), then `len`, `eth_protocol`,
/// `ip_protocol`, `bind_inany`, `hash`; `sk` and `migrating_sk` (pointers) are not readable.
const SK_REUSEPORT_CTX: ContextLayout = ContextLayout {
    size: 56,
    data: Some(0),
    data_end: Some(8),
    data_meta: None,
    pointer_size: 8,
    readable: &[field(0, 36)],
    writable: &[],
};

/// `struct bpf_sysctl`: `write`, then `file_pos` (writable).
const SYSCTL_CTX: ContextLayout = ContextLayout {
    size: 8,
    data: None,
    data_end: None,
    data_meta: None,
    pointer_size: 8,
    readable: &[field(0, 8)],
    writable: &[field(4, 8)],
};

/// `struct bpf_sockopt`: `sk` (a pointer, at 0) is not readable; `optval`/`optval_end`
/// (8-byte pointers) delimit the option value, which the program may read and write;
/// `level`, `optname`, `optlen` (setsockopt) and `retval` (getsockopt) are writable.
const SOCKOPT_CTX: ContextLayout = ContextLayout {
    size: 40,
    data: Some(8),
    data_end: Some(16),
    data_meta: None,
    pointer_size: 8,
    readable: &[field(8, 40)],
    writable: &[field(24, 40)],
};

/// `struct bpf_cgroup_dev_ctx`: `access_type`, `major`, `minor`, read-only.
const CGROUP_DEVICE_CTX: ContextLayout = ContextLayout {
    size: 12,
    data: None,
    data_end: None,
    data_meta: None,
    pointer_size: 8,
    readable: &[field(0, 12)],
    writable: &[],
};

/// lirc_mode2: the context is the `u32` sample.
const LIRC_CTX: ContextLayout = ContextLayout {
    size: 4,
    data: None,
    data_end: None,
    data_meta: None,
    pointer_size: 8,
    readable: &[field(0, 4)],
    writable: &[],
};

/// Hooks whose return value the kernel checks against `[0, 1]` (the cgroup hooks and
/// sock_ops; cgroup_skb egress also allows 2 and 3 and the bind hooks up to 3, which a type
/// without the attach type cannot tell apart, so the narrower range applies).
const ZERO_OR_ONE: Option<(i64, i64)> = Some((0, 1));

const PROGRAM_TYPES: &[ProgramType] = &[
    // Linux's own socket filters are narrower (`sk_filter_func_proto`: no redirects or packet
    // writes, no `data`/`data_end`, only `cb` writable). But a section whose name implies no
    // type is verified as a socket filter, and such objects are tc programs in practice
    // (iproute2 loads any section and the command line gives the type). So, as PREVAIL does,
    // this type admits every `__sk_buff` helper and the tc context; memory safety is proved the
    // same way whichever `__sk_buff` hook runs the program.
    ProgramType {
        name: "socket_filter",
        context: TC_CTX,
        packet_writable: true,
        legacy_packet_loads: true,
        helper_groups: BASE | SKB | SKB_SOCK | TC | SKB_CGROUP | SKB_WRITE | EVENTS,
        return_range: None,
    },
    ProgramType {
        name: "sched_cls",
        context: TC_CTX,
        packet_writable: true,
        legacy_packet_loads: true,
        helper_groups: BASE | SKB | SKB_SOCK | TC | SKB_CGROUP | EVENTS | SKB_WRITE,
        return_range: None,
    },
    ProgramType {
        name: "sched_act",
        context: TC_CTX,
        packet_writable: true,
        legacy_packet_loads: true,
        helper_groups: BASE | SKB | SKB_SOCK | TC | SKB_CGROUP | EVENTS | SKB_WRITE,
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
        helper_groups: BASE | TRACING | EVENTS | CURRENT | KPROBE,
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
        helper_groups: BASE | TRACING | EVENTS | CURRENT | PERF_EVENT,
        return_range: None,
    },
    ProgramType {
        name: "sock_ops",
        context: SOCK_OPS_CTX,
        packet_writable: false,
        legacy_packet_loads: false,
        helper_groups: BASE | SOCK_OPS,
        return_range: ZERO_OR_ONE,
    },
    ProgramType {
        name: "cgroup_sock",
        context: CGROUP_SOCK_CTX,
        packet_writable: false,
        legacy_packet_loads: false,
        helper_groups: BASE | CURRENT,
        return_range: ZERO_OR_ONE,
    },
    ProgramType {
        name: "cgroup_skb",
        context: SKB_NO_META_CTX,
        packet_writable: false,
        legacy_packet_loads: true,
        helper_groups: BASE | SKB | SKB_SOCK | CURRENT | SKB_CGROUP,
        return_range: ZERO_OR_ONE,
    },
    ProgramType {
        name: "lwt_in",
        context: SKB_NO_META_CTX,
        packet_writable: false,
        legacy_packet_loads: false,
        helper_groups: BASE | SKB | LWT | EVENTS,
        return_range: None,
    },
    ProgramType {
        name: "lwt_out",
        context: SKB_NO_META_CTX,
        packet_writable: false,
        legacy_packet_loads: false,
        helper_groups: BASE | SKB | LWT | EVENTS,
        return_range: None,
    },
    ProgramType {
        name: "lwt_xmit",
        context: SKB_NO_META_CTX,
        packet_writable: true,
        legacy_packet_loads: false,
        helper_groups: BASE | SKB | SKB_WRITE | LWT | EVENTS,
        return_range: None,
    },
    ProgramType {
        name: "sk_skb",
        context: SK_SKB_CTX,
        packet_writable: true,
        legacy_packet_loads: false,
        helper_groups: BASE | SKB | SKB_WRITE | SK_SKB,
        return_range: None,
    },
    ProgramType {
        name: "lwt_seg6local",
        context: SKB_NO_META_CTX,
        packet_writable: false,
        legacy_packet_loads: false,
        helper_groups: BASE | SKB | LWT | EVENTS,
        return_range: None,
    },
    ProgramType {
        name: "cgroup_sock_addr",
        context: SOCK_ADDR_CTX,
        packet_writable: false,
        legacy_packet_loads: false,
        helper_groups: BASE | CURRENT | SOCK_ADDR,
        return_range: ZERO_OR_ONE,
    },
    ProgramType {
        name: "sk_msg",
        context: SK_MSG_CTX,
        packet_writable: true,
        legacy_packet_loads: false,
        helper_groups: BASE | SK_MSG,
        return_range: None,
    },
    ProgramType {
        name: "sk_reuseport",
        context: SK_REUSEPORT_CTX,
        packet_writable: false,
        legacy_packet_loads: false,
        helper_groups: BASE | REUSEPORT,
        return_range: None,
    },
    ProgramType {
        name: "cgroup_sysctl",
        context: SYSCTL_CTX,
        packet_writable: false,
        legacy_packet_loads: false,
        helper_groups: BASE | CURRENT | SYSCTL,
        return_range: ZERO_OR_ONE,
    },
    ProgramType {
        name: "cgroup_sockopt",
        context: SOCKOPT_CTX,
        packet_writable: true,
        legacy_packet_loads: false,
        helper_groups: BASE | CURRENT,
        return_range: ZERO_OR_ONE,
    },
    ProgramType {
        name: "cgroup_device",
        context: CGROUP_DEVICE_CTX,
        packet_writable: false,
        legacy_packet_loads: false,
        helper_groups: BASE | CURRENT,
        return_range: ZERO_OR_ONE,
    },
    ProgramType {
        name: "lirc_mode2",
        context: LIRC_CTX,
        packet_writable: false,
        legacy_packet_loads: false,
        helper_groups: BASE | LIRC,
        return_range: None,
    },
    ProgramType {
        name: "raw_tracepoint_writable",
        context: RAW_TRACEPOINT_CTX,
        packet_writable: false,
        legacy_packet_loads: false,
        helper_groups: BASE | TRACING | EVENTS | CURRENT,
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

#[cfg(test)]
mod tests {
    use super::*;

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

    fn check(prog_type: &str, text: &str) -> Result<(), alloc::string::String> {
        let insns = ebpf_isa::asm::assemble(text).expect("assembles");
        crate::verify(&insns, &Linux, prog_type, &[])
            .map(|_| ())
            .map_err(|e| alloc::format!("{}", e[0]))
    }

    #[test]
    fn pointer_contexts_of_the_socket_hooks_delimit_their_data() {
        // sk_msg and cgroup_sockopt carry 8-byte data/data_end pointers.
        for (ty, data, end) in [("sk_msg", 0, 8), ("cgroup_sockopt", 8, 16)] {
            let body = |check: &str| {
                alloc::format!(
                    "ldxdw %r2, [%r1+{data}]\n ldxdw %r3, [%r1+{end}]\n mov %r4, %r2\n \
                     add %r4, 4\n {check}\n ldxw %r0, [%r2]\n stw [%r2], 1\n \
                     out:\n mov %r0, 1\n exit"
                )
            };
            check(ty, &body("jgt %r4, %r3, out")).unwrap();
            let err = check(ty, &body("jgt %r4, %r3, +0")).unwrap_err();
            assert!(err.contains("packet"), "{ty}: {err}");
        }
        // The socket pointer of bpf_sockopt is not readable as a number.
        assert!(check("cgroup_sockopt", "ldxdw %r0, [%r1]\n mov %r0, 1\n exit").is_err());
        // sk_reuseport's packet is read-only.
        let err = check(
            "sk_reuseport",
            "ldxdw %r2, [%r1]\n ldxdw %r3, [%r1+8]\n mov %r4, %r2\n add %r4, 4\n \
             jgt %r4, %r3, out\n stw [%r2], 1\n out:\n mov %r0, 1\n exit",
        )
        .unwrap_err();
        assert!(err.contains("packet"), "{err}");
    }

    #[test]
    fn cgroup_hooks_return_zero_or_one() {
        check("cgroup_sysctl", "mov %r0, 1\n exit").unwrap();
        assert!(check("cgroup_sysctl", "mov %r0, 2\n exit").is_err());
        assert!(check("cgroup_sock_addr", "mov %r0, -1\n exit").is_err());
        check("kprobe", "mov %r0, 2\n exit").unwrap();
    }

    #[test]
    fn section_less_skb_programs_get_the_tc_helpers() {
        // bpf_redirect(ifindex, 0) from a socket_filter, as PREVAIL allows.
        check("socket_filter", "mov %r1, 1\n mov %r2, 0\n call 23\n exit").unwrap();
        assert!(check("kprobe", "mov %r1, 1\n mov %r2, 0\n call 23\n exit").is_err());
    }

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

    #[test]
    fn context_layouts_are_consistent() {
        for t in PROGRAM_TYPES {
            let c = &t.context;
            assert!(
                PROGRAM_TYPES.iter().filter(|o| o.name == t.name).count() == 1,
                "{} listed twice",
                t.name
            );
            for r in c.readable.iter().chain(c.writable) {
                assert!(r.start < r.end && r.end <= c.size, "{}: {r:?}", t.name);
            }
            for w in c.writable {
                assert!(
                    ContextLayout::covers(c.readable, w.start.into(), w.end.into()),
                    "{}: writable {w:?} is not readable",
                    t.name
                );
            }
            for off in [c.data, c.data_end, c.data_meta].into_iter().flatten() {
                let end = i64::from(off) + i64::from(c.pointer_size);
                assert!(
                    ContextLayout::covers(c.readable, off.into(), end),
                    "{}: pointer field at {off} is not readable",
                    t.name
                );
                assert!(
                    !c.writable
                        .iter()
                        .any(|w| w.start < end as u32 && off < w.end),
                    "{}: pointer field at {off} is writable",
                    t.name
                );
            }
            assert_eq!(c.data.is_some(), c.data_end.is_some(), "{}", t.name);
            assert!(c.data_meta.is_none() || c.data.is_some(), "{}", t.name);
            assert!(!t.packet_writable || c.data.is_some(), "{}", t.name);
        }
    }
}
