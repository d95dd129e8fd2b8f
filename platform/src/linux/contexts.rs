//! The context layouts of the Linux program types: UAPI `struct xdp_md`, three views of
//! `struct __sk_buff`, x86-64 `struct pt_regs` and the structures of the other hooks.

use crate::{field, named, socket_field, ContextLayout, Field, FieldRange, HostContext, SockKind};

pub(super) const XDP_MD: ContextLayout = ContextLayout {
    name: "xdp_md",
    size: 24,
    fields: XDP_MD_FIELDS,
    data: Some(0),
    data_end: Some(4),
    data_meta: Some(8),
    pointer_size: 4,
    // data @24, data_end @32, data_meta @40: 48 bytes.
    host: Some(HostContext::after(24)),
    // data, data_end, data_meta, ingress_ifindex, rx_queue_index; `egress_ifindex` only in
    // devmap programs (attach_contexts.rs).
    readable: &[field(0, 20)],
    writable: &[],
    sized_by_target: false,
};

/// Size of `struct __sk_buff` (its members: `SKB_FIELDS`).
const SKB_SIZE: u32 = 192;
/// The host's `__sk_buff`, the same for every view: data @192, data_end @200, data_meta @208
/// (216 bytes).
const SKB_HOST: HostContext = HostContext::after(SKB_SIZE);
/// What tc programs may read: up to `napi_id`, `data_meta`, `tstamp` to `gso_segs`, `sk` (the
/// kernel refuses the socket fields `family` to `local_port` to tc). `sk` (168, a socket
/// pointer, see `SKB_FIELDS`) is readable at every `__sk_buff` hook, as Linux's
/// `bpf_skb_is_valid_access` allows it to all of them.
const SKB_READ: &[FieldRange] = &[
    field(0, 88),
    field(140, 144),
    field(152, 168),
    field(168, 176),
];
/// What cgroup_skb programs may read: the socket fields too, but no `data_meta` (these hooks
/// have no metadata pointer; reading it as a number would leak an address), `tc_classid` or
/// `wire_len` (Linux's `cg_skb_is_valid_access`).
const SKB_READ_NO_META: &[FieldRange] = &[
    field(0, 72),
    field(76, 140),
    field(152, 160),
    field(164, 168),
    field(168, 176),
];
/// What lwt programs may read: no `tc_classid`, socket fields, `data_meta`, `tstamp` or
/// `wire_len` (Linux's `lwt_is_valid_access`).
const LWT_READ: &[FieldRange] = &[
    field(0, 72),
    field(76, 88),
    field(164, 168),
    field(168, 176),
];
const TC_WRITE: &[FieldRange] = &[
    field(8, 16),    // mark, queue_mapping
    field(32, 36),   // priority
    field(44, 68),   // tc_index, cb
    field(72, 76),   // tc_classid
    field(152, 160), // tstamp
];

pub(super) const TC_CTX: ContextLayout = ContextLayout {
    name: "__sk_buff",
    size: SKB_SIZE,
    fields: SKB_FIELDS,
    data: Some(76),
    data_end: Some(80),
    data_meta: Some(140),
    pointer_size: 4,
    host: Some(SKB_HOST),
    readable: SKB_READ,
    writable: TC_WRITE,
    sized_by_target: false,
};

/// x86-64 `struct pt_regs`: 21 registers of 8 bytes, read-only.
pub(super) const PT_REGS: ContextLayout =
    no_packet("pt_regs", PT_REGS_FIELDS, 168, &[field(0, 168)], &[]);

/// Tracepoint records: the common header and the tracepoint's fields, whose size depends on
/// the tracepoint (its `format`): up to `PERF_MAX_TRACE_SIZE` (8,192) bytes, as Linux's
/// `tp_prog_is_valid_access` allows, the host checking the program's furthest read against
/// the record at attach.
pub(super) const TRACEPOINT_CTX: ContextLayout = ContextLayout {
    sized_by_target: true,
    ..no_packet(
        "trace_entry",
        TRACEPOINT_FIELDS,
        8192,
        &[field(0, 8192)],
        &[],
    )
};

/// `struct bpf_sock_ops` up to `sk` (184), and `sk` itself (a socket pointer, see
/// `SOCK_OPS_FIELDS`); `reply` (4) and `sk_txhash` (164) are writable. The `skb_data`
/// pointers are not readable here.
pub(super) const SOCK_OPS_CTX: ContextLayout = no_packet(
    "bpf_sock_ops",
    SOCK_OPS_FIELDS,
    224,
    &[field(0, 192), field(208, 224)],
    &[field(4, 8), field(164, 168)],
);

/// `struct bpf_perf_event_data`: x86-64 `pt_regs` (168), `sample_period`, `addr`.
pub(super) const PERF_EVENT_CTX: ContextLayout = no_packet(
    "bpf_perf_event_data",
    PERF_EVENT_FIELDS,
    184,
    &[field(0, 184)],
    &[],
);

/// `struct bpf_raw_tracepoint_args`: up to 12 (`MAX_BPF_FUNC_ARGS`) `u64` arguments; the real
/// count depends on the tracepoint, checked by the host at attach.
pub(super) const RAW_TRACEPOINT_CTX: ContextLayout = ContextLayout {
    sized_by_target: true,
    ..no_packet(
        "bpf_raw_tracepoint_args",
        RAW_TRACEPOINT_FIELDS,
        96,
        &[field(0, 96)],
        &[],
    )
};

/// BTF-typed tracing (`fentry`, `fexit`, `fmod_ret`, `tp_btf`, `iter`) and LSM programs: the
/// traced function's arguments (and `fexit`'s return value), each widened to a `u64`, up to
/// `MAX_BPF_FUNC_ARGS` (12); the real count depends on the target's BTF, checked by the host
/// at attach. Linux types pointer arguments by BTF and lets programs read through them; here
/// every argument is a number (reads through them go through `probe_read`).
pub(super) const BTF_ARGS_CTX: ContextLayout = ContextLayout {
    sized_by_target: true,
    ..no_packet(
        "u64 args[]",
        RAW_TRACEPOINT_FIELDS,
        96,
        &[field(0, 96)],
        &[],
    )
};

/// `struct bpf_sock` as cgroup_sock programs see it at socket creation and release (Linux's
/// attach type when a program is loaded without one): `bound_dev_if`, `mark` and `priority`
/// are writable; the source address and port (`src_ip4` 24, `src_ip6` 28..44, `src_port` 44)
/// exist only at post_bind (attach_contexts.rs).
pub(super) const CGROUP_SOCK_CTX: ContextLayout = no_packet(
    "bpf_sock",
    SOCK_FIELDS,
    80,
    &[field(0, 24), field(48, 80)],
    &[field(0, 4), field(16, 24)],
);

/// `__sk_buff` for cgroup_skb: direct packet access without metadata; `mark`, `priority` and
/// `cb` writable.
pub(super) const SKB_NO_META_CTX: ContextLayout = ContextLayout {
    name: "__sk_buff",
    size: SKB_SIZE,
    fields: SKB_FIELDS,
    data: Some(76),
    data_end: Some(80),
    data_meta: None,
    pointer_size: 4,
    host: Some(SKB_HOST),
    readable: SKB_READ_NO_META,
    writable: &[field(8, 12), field(32, 36), field(48, 68)],
    sized_by_target: false,
};

/// `__sk_buff` for the lwt hooks: as cgroup_skb's, without the socket fields, `tstamp` and
/// `wire_len`.
pub(super) const LWT_CTX: ContextLayout = ContextLayout {
    readable: LWT_READ,
    ..SKB_NO_META_CTX
};

/// `__sk_buff` for sk_skb: no `mark`, `tc_classid`, `data_meta` or `tstamp`; `priority` and
/// `tc_index` writable.
pub(super) const SK_SKB_CTX: ContextLayout = ContextLayout {
    name: "__sk_buff",
    size: SKB_SIZE,
    fields: SKB_FIELDS,
    data: Some(76),
    data_end: Some(80),
    data_meta: None,
    pointer_size: 4,
    host: Some(SKB_HOST),
    readable: &[field(0, 8), field(12, 72), field(76, 140), field(168, 176)],
    writable: &[field(32, 36), field(44, 48)],
    sized_by_target: false,
};

/// `struct bpf_sock_addr` without an attach type: what every attach type offers. `sk` (a
/// pointer, at 64) is not readable; `user_port` is writable. Fields: user_family 0, user_ip4 4,
/// user_ip6 8..24, user_port 24, family 28, type 32, protocol 36, msg_src_ip4 40, msg_src_ip6
/// 44..60, padding to 64. The addresses exist only at the attach types of their family, the
/// message source only at sendmsg (attach_contexts.rs; Linux requires an attach type).
pub(super) const SOCK_ADDR_CTX: ContextLayout = no_packet(
    "bpf_sock_addr",
    SOCK_ADDR_FIELDS,
    72,
    &[field(0, 4), field(24, 40)],
    &[field(24, 28)],
);

/// `struct sk_msg_md`: `data`/`data_end` (8-byte pointers) delimit the message; `family` to
/// `size` readable; `sk` (at 72) is not.
pub(super) const SK_MSG_CTX: ContextLayout = ContextLayout {
    name: "sk_msg_md",
    size: 80,
    fields: SK_MSG_FIELDS,
    data: Some(0),
    data_end: Some(8),
    data_meta: None,
    pointer_size: 8,
    host: None,
    readable: &[field(0, 72)],
    writable: &[],
    sized_by_target: false,
};

/// `struct sk_reuseport_md`: `data`/`data_end` (8-byte pointers), then `len`, `eth_protocol`,
/// `ip_protocol`, `bind_inany`, `hash`; `sk` and `migrating_sk` (pointers) are not readable.
pub(super) const SK_REUSEPORT_CTX: ContextLayout = ContextLayout {
    name: "sk_reuseport_md",
    size: 56,
    fields: SK_REUSEPORT_FIELDS,
    data: Some(0),
    data_end: Some(8),
    data_meta: None,
    pointer_size: 8,
    host: None,
    readable: &[field(0, 36)],
    writable: &[],
    sized_by_target: false,
};

/// `struct bpf_sysctl`: `write`, then `file_pos` (writable).
pub(super) const SYSCTL_CTX: ContextLayout = no_packet(
    "bpf_sysctl",
    SYSCTL_FIELDS,
    8,
    &[field(0, 8)],
    &[field(4, 8)],
);

/// `struct bpf_sockopt` without an attach type: what both attach types offer. `sk` (a pointer,
/// at 0) is not readable; `optval`/`optval_end` (8-byte pointers) delimit the option value,
/// which the program may read and write; `optlen` is writable. `retval` exists only at
/// getsockopt, `level` and `optname` are writable only at setsockopt (attach_contexts.rs;
/// Linux requires an attach type).
pub(super) const SOCKOPT_CTX: ContextLayout = ContextLayout {
    name: "bpf_sockopt",
    size: 40,
    fields: SOCKOPT_FIELDS,
    data: Some(8),
    data_end: Some(16),
    data_meta: None,
    pointer_size: 8,
    host: None,
    readable: &[field(8, 36)],
    writable: &[field(32, 36)],
    sized_by_target: false,
};

/// `struct bpf_cgroup_dev_ctx`: `access_type`, `major`, `minor`, read-only.
pub(super) const CGROUP_DEVICE_CTX: ContextLayout = no_packet(
    "bpf_cgroup_dev_ctx",
    CGROUP_DEV_FIELDS,
    12,
    &[field(0, 12)],
    &[],
);

/// lirc_mode2: the context is the `u32` sample.
pub(super) const LIRC_CTX: ContextLayout = no_packet("u32", LIRC_FIELDS, 4, &[field(0, 4)], &[]);

/// A context without packet pointers: the structure `name` of `size` bytes with `fields`, of
/// which `readable` may be read and `writable` written.
const fn no_packet(
    name: &'static str,
    fields: &'static [Field],
    size: u32,
    readable: &'static [FieldRange],
    writable: &'static [FieldRange],
) -> ContextLayout {
    ContextLayout {
        name,
        size,
        fields,
        data: None,
        data_end: None,
        data_meta: None,
        pointer_size: 8,
        host: None,
        readable,
        writable,
        sized_by_target: false,
    }
}

// Field lists, from the UAPI header (`include/uapi/linux/bpf.h`).

const XDP_MD_FIELDS: &[Field] = &[
    named("data", 0, 4),
    named("data_end", 4, 4),
    named("data_meta", 8, 4),
    named("ingress_ifindex", 12, 4),
    named("rx_queue_index", 16, 4),
    named("egress_ifindex", 20, 4),
];

const SKB_FIELDS: &[Field] = &[
    named("len", 0, 4),
    named("pkt_type", 4, 4),
    named("mark", 8, 4),
    named("queue_mapping", 12, 4),
    named("protocol", 16, 4),
    named("vlan_present", 20, 4),
    named("vlan_tci", 24, 4),
    named("vlan_proto", 28, 4),
    named("priority", 32, 4),
    named("ingress_ifindex", 36, 4),
    named("ifindex", 40, 4),
    named("tc_index", 44, 4),
    named("cb", 48, 20),
    named("hash", 68, 4),
    named("tc_classid", 72, 4),
    named("data", 76, 4),
    named("data_end", 80, 4),
    named("napi_id", 84, 4),
    named("family", 88, 4),
    named("remote_ip4", 92, 4),
    named("local_ip4", 96, 4),
    named("remote_ip6", 100, 16),
    named("local_ip6", 116, 16),
    named("remote_port", 132, 4),
    named("local_port", 136, 4),
    named("data_meta", 140, 4),
    named("flow_keys", 144, 8),
    named("tstamp", 152, 8),
    named("wire_len", 160, 4),
    named("gso_segs", 164, 4),
    // `PTR_TO_SOCK_COMMON_OR_NULL` in Linux: may be a request or time-wait socket.
    socket_field("sk", 168, SockKind::Common),
    named("gso_size", 176, 4),
    named("tstamp_type", 180, 1),
    named("hwtstamp", 184, 8),
];

const SOCK_OPS_FIELDS: &[Field] = &[
    named("op", 0, 4),
    named("args", 4, 16),
    named("reply", 4, 4),
    named("replylong", 4, 16),
    named("family", 20, 4),
    named("remote_ip4", 24, 4),
    named("local_ip4", 28, 4),
    named("remote_ip6", 32, 16),
    named("local_ip6", 48, 16),
    named("remote_port", 64, 4),
    named("local_port", 68, 4),
    named("is_fullsock", 72, 4),
    named("snd_cwnd", 76, 4),
    named("srtt_us", 80, 4),
    named("bpf_sock_ops_cb_flags", 84, 4),
    named("state", 88, 4),
    named("rtt_min", 92, 4),
    named("snd_ssthresh", 96, 4),
    named("rcv_nxt", 100, 4),
    named("snd_nxt", 104, 4),
    named("snd_una", 108, 4),
    named("mss_cache", 112, 4),
    named("ecn_flags", 116, 4),
    named("rate_delivered", 120, 4),
    named("rate_interval_us", 124, 4),
    named("packets_out", 128, 4),
    named("retrans_out", 132, 4),
    named("total_retrans", 136, 4),
    named("segs_in", 140, 4),
    named("data_segs_in", 144, 4),
    named("segs_out", 148, 4),
    named("data_segs_out", 152, 4),
    named("lost_out", 156, 4),
    named("sacked_out", 160, 4),
    named("sk_txhash", 164, 4),
    named("bytes_received", 168, 8),
    named("bytes_acked", 176, 8),
    // `PTR_TO_SOCKET_OR_NULL` in Linux: a full socket.
    socket_field("sk", 184, SockKind::Full),
    named("skb_data", 192, 8),
    named("skb_data_end", 200, 8),
    named("skb_len", 208, 4),
    named("skb_tcp_flags", 212, 4),
    named("skb_hwtstamp", 216, 8),
];

const PERF_EVENT_FIELDS: &[Field] = &[
    named("regs", 0, 168),
    named("sample_period", 168, 8),
    named("addr", 176, 8),
];

const SOCK_FIELDS: &[Field] = &[
    named("bound_dev_if", 0, 4),
    named("family", 4, 4),
    named("type", 8, 4),
    named("protocol", 12, 4),
    named("mark", 16, 4),
    named("priority", 20, 4),
    named("src_ip4", 24, 4),
    named("src_ip6", 28, 16),
    named("src_port", 44, 4),
    named("dst_port", 48, 2),
    named("dst_ip4", 52, 4),
    named("dst_ip6", 56, 16),
    named("state", 72, 4),
    named("rx_queue_mapping", 76, 4),
];

const SOCK_ADDR_FIELDS: &[Field] = &[
    named("user_family", 0, 4),
    named("user_ip4", 4, 4),
    named("user_ip6", 8, 16),
    named("user_port", 24, 4),
    named("family", 28, 4),
    named("type", 32, 4),
    named("protocol", 36, 4),
    named("msg_src_ip4", 40, 4),
    named("msg_src_ip6", 44, 16),
    named("sk", 64, 8),
];

const SK_MSG_FIELDS: &[Field] = &[
    named("data", 0, 8),
    named("data_end", 8, 8),
    named("family", 16, 4),
    named("remote_ip4", 20, 4),
    named("local_ip4", 24, 4),
    named("remote_ip6", 28, 16),
    named("local_ip6", 44, 16),
    named("remote_port", 60, 4),
    named("local_port", 64, 4),
    named("size", 68, 4),
    named("sk", 72, 8),
];

const SK_REUSEPORT_FIELDS: &[Field] = &[
    named("data", 0, 8),
    named("data_end", 8, 8),
    named("len", 16, 4),
    named("eth_protocol", 20, 4),
    named("ip_protocol", 24, 4),
    named("bind_inany", 28, 4),
    named("hash", 32, 4),
    named("sk", 40, 8),
    named("migrating_sk", 48, 8),
];

const SYSCTL_FIELDS: &[Field] = &[named("write", 0, 4), named("file_pos", 4, 4)];

const SOCKOPT_FIELDS: &[Field] = &[
    named("sk", 0, 8),
    named("optval", 8, 8),
    named("optval_end", 16, 8),
    named("level", 24, 4),
    named("optname", 28, 4),
    named("optlen", 32, 4),
    named("retval", 36, 4),
];

const CGROUP_DEV_FIELDS: &[Field] = &[
    named("access_type", 0, 4),
    named("major", 4, 4),
    named("minor", 8, 4),
];

/// x86-64 `struct pt_regs` (`arch/x86/include/uapi/asm/ptrace.h`).
const PT_REGS_FIELDS: &[Field] = &[
    named("r15", 0, 8),
    named("r14", 8, 8),
    named("r13", 16, 8),
    named("r12", 24, 8),
    named("bp", 32, 8),
    named("bx", 40, 8),
    named("r11", 48, 8),
    named("r10", 56, 8),
    named("r9", 64, 8),
    named("r8", 72, 8),
    named("ax", 80, 8),
    named("cx", 88, 8),
    named("dx", 96, 8),
    named("si", 104, 8),
    named("di", 112, 8),
    named("orig_ax", 120, 8),
    named("ip", 128, 8),
    named("cs", 136, 8),
    named("flags", 144, 8),
    named("sp", 152, 8),
    named("ss", 160, 8),
];

/// `struct trace_entry`, the header every tracepoint record starts with.
const TRACEPOINT_FIELDS: &[Field] = &[
    named("common_type", 0, 2),
    named("common_flags", 2, 1),
    named("common_preempt_count", 3, 1),
    named("common_pid", 4, 4),
];

/// `struct bpf_raw_tracepoint_args`: `__u64 args[0]`, as many as the tracepoint has.
const RAW_TRACEPOINT_FIELDS: &[Field] = &[named("args", 0, 96)];

/// lirc_mode2's context: one `u32` sample.
const LIRC_FIELDS: &[Field] = &[named("sample", 0, 4)];
