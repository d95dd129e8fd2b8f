//! The context layouts of the Linux program types: UAPI `struct xdp_md`, three views of
//! `struct __sk_buff`, x86-64 `struct pt_regs` and the structures of the other hooks.

use crate::platform::{field, ContextLayout, FieldRange};

pub(super) const XDP_MD: ContextLayout = ContextLayout {
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

pub(super) const TC_CTX: ContextLayout = ContextLayout {
    size: SKB_SIZE,
    data: Some(76),
    data_end: Some(80),
    data_meta: Some(140),
    pointer_size: 4,
    readable: SKB_READ,
    writable: TC_WRITE,
};

/// x86-64 `struct pt_regs`: 21 registers of 8 bytes, read-only.
pub(super) const PT_REGS: ContextLayout = no_packet(168, &[field(0, 168)], &[]);

/// Tracepoint records: the common header and up to 7 fields of 8 bytes. The real size depends
/// on the tracepoint's format, which a loader can supply later; until then reads past 64 bytes
/// are rejected.
pub(super) const TRACEPOINT_CTX: ContextLayout = no_packet(64, &[field(0, 64)], &[]);

/// `struct bpf_sock_ops` up to `sk` (184); `reply` (4) and `sk_txhash` (164) are writable. `sk`
/// and the `skb_data` pointers are not readable here.
pub(super) const SOCK_OPS_CTX: ContextLayout = no_packet(
    224,
    &[field(0, 184), field(208, 224)],
    &[field(4, 8), field(164, 168)],
);

/// `struct bpf_perf_event_data`: x86-64 `pt_regs` (168), `sample_period`, `addr`.
pub(super) const PERF_EVENT_CTX: ContextLayout = no_packet(184, &[field(0, 184)], &[]);

/// `struct bpf_raw_tracepoint_args`: up to 12 `u64` arguments (the real count depends on the
/// tracepoint, which a loader can supply later).
pub(super) const RAW_TRACEPOINT_CTX: ContextLayout = no_packet(96, &[field(0, 96)], &[]);

/// `struct bpf_sock` as cgroup_sock programs see it: `bound_dev_if`, `mark` and `priority`
/// are writable.
pub(super) const CGROUP_SOCK_CTX: ContextLayout =
    no_packet(80, &[field(0, 80)], &[field(0, 4), field(16, 24)]);

/// `__sk_buff` for cgroup_skb and the lwt hooks: direct packet access without metadata; `mark`,
/// `priority` and `cb` writable.
pub(super) const SKB_NO_META_CTX: ContextLayout = ContextLayout {
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
pub(super) const SK_SKB_CTX: ContextLayout = ContextLayout {
    size: SKB_SIZE,
    data: Some(76),
    data_end: Some(80),
    data_meta: None,
    pointer_size: 4,
    readable: &[field(0, 8), field(12, 72), field(76, 140)],
    writable: &[field(32, 36), field(44, 48)],
};

/// `struct bpf_sock_addr`: `sk` (a pointer, at 64) is not readable; the user address and port
/// and the message source address are writable. Fields: user_family 0, user_ip4 4, user_ip6
/// 8..24, user_port 24, family 28, type 32, protocol 36, msg_src_ip4 40, msg_src_ip6 44..60,
/// padding to 64.
pub(super) const SOCK_ADDR_CTX: ContextLayout =
    no_packet(72, &[field(0, 60)], &[field(4, 28), field(40, 60)]);

/// `struct sk_msg_md`: `data`/`data_end` (8-byte pointers) delimit the message; `family` to
/// `size` readable; `sk` (at 72) is not.
pub(super) const SK_MSG_CTX: ContextLayout = ContextLayout {
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
pub(super) const SK_REUSEPORT_CTX: ContextLayout = ContextLayout {
    size: 56,
    data: Some(0),
    data_end: Some(8),
    data_meta: None,
    pointer_size: 8,
    readable: &[field(0, 36)],
    writable: &[],
};

/// `struct bpf_sysctl`: `write`, then `file_pos` (writable).
pub(super) const SYSCTL_CTX: ContextLayout = no_packet(8, &[field(0, 8)], &[field(4, 8)]);

/// `struct bpf_sockopt`: `sk` (a pointer, at 0) is not readable; `optval`/`optval_end`
/// (8-byte pointers) delimit the option value, which the program may read and write;
/// `level`, `optname`, `optlen` (setsockopt) and `retval` (getsockopt) are writable.
pub(super) const SOCKOPT_CTX: ContextLayout = ContextLayout {
    size: 40,
    data: Some(8),
    data_end: Some(16),
    data_meta: None,
    pointer_size: 8,
    readable: &[field(8, 40)],
    writable: &[field(24, 40)],
};

/// `struct bpf_cgroup_dev_ctx`: `access_type`, `major`, `minor`, read-only.
pub(super) const CGROUP_DEVICE_CTX: ContextLayout = no_packet(12, &[field(0, 12)], &[]);

/// lirc_mode2: the context is the `u32` sample.
pub(super) const LIRC_CTX: ContextLayout = no_packet(4, &[field(0, 4)], &[]);

/// A context without packet pointers: `size` bytes, of which `readable` may be read and
/// `writable` written.
const fn no_packet(
    size: u32,
    readable: &'static [FieldRange],
    writable: &'static [FieldRange],
) -> ContextLayout {
    ContextLayout {
        size,
        data: None,
        data_end: None,
        data_meta: None,
        pointer_size: 8,
        readable,
        writable,
    }
}
