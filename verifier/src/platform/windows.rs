//! The eBPF for Windows platform: the `xdp`, `bind`, `sock_addr` and `sock_ops` hooks with
//! their context structures (`xdp_md_t`, `bind_md_t`, `bpf_sock_addr_t`, `bpf_sock_ops_t`),
//! the general helpers 1-19 and the hook helpers (ids above `0xFFFF`).

use super::ArgKind::{
    self, Anything, Ctx, Map, MapKey, MapValue, MapValueOut, ReadMem, Scalar, Size, SizeOrZero,
};
use super::MapReq;
use super::RetKind::{self, MapValueOrNull, U32};
use super::{field, proto, proto_pkt, ContextLayout, HelperProto, Platform, ProgramType};

/// General helpers, available to every program type.
const GENERAL: u32 = 1;
/// XDP hook helpers.
const XDP: u32 = 2;
/// sock_addr hook helpers.
const SOCK_ADDR: u32 = 4;

const N: ArgKind = ArgKind::None;

/// The eBPF for Windows platform.
#[derive(Clone, Copy, Debug, Default)]
pub struct Windows;

/// `xdp_md_t`: data 0, data_end 8 (pointers), data_meta 16, ingress_ifindex 24.
const XDP_MD: ContextLayout = ContextLayout {
    size: 32,
    data: Some(0),
    data_end: Some(8),
    data_meta: None,
    pointer_size: 8,
    readable: &[field(0, 28)],
    writable: &[],
};

/// `bind_md_t`: app_id_start 0 and app_id_end 8 (a read-only byte range), process_id 16,
/// socket_address 24..40, socket_address_length 40, operation 41, protocol 42.
const BIND_MD: ContextLayout = ContextLayout {
    size: 48,
    data: Some(0),
    data_end: Some(8),
    data_meta: None,
    pointer_size: 8,
    readable: &[field(0, 43)],
    writable: &[],
};

/// `bpf_sock_addr_t`: family 0, msg_src_ip4/6 4..20, msg_src_port 20, user_ip4/6 24..40,
/// user_port 40, protocol 44, compartment_id 48, interface_luid 56. The destination address and
/// port may be rewritten.
const SOCK_ADDR_CTX: ContextLayout = ContextLayout {
    size: 64,
    data: None,
    data_end: None,
    data_meta: None,
    pointer_size: 8,
    readable: &[field(0, 22), field(24, 42), field(44, 52), field(56, 64)],
    writable: &[field(24, 42)],
};

/// `bpf_sock_ops_t`: op 0, family 4, local_ip4/6 8..24, local_port 24, remote_ip4/6 28..44,
/// remote_port 44, protocol 48, compartment_id 52, interface_luid 56.
const SOCK_OPS_CTX: ContextLayout = ContextLayout {
    size: 64,
    data: None,
    data_end: None,
    data_meta: None,
    pointer_size: 8,
    readable: &[field(0, 49), field(52, 64)],
    writable: &[],
};

const PROGRAM_TYPES: &[ProgramType] = &[
    ProgramType {
        name: "xdp",
        context: XDP_MD,
        packet_writable: true,
        legacy_packet_loads: false,
        helper_groups: GENERAL | XDP,
        return_range: None,
    },
    ProgramType {
        name: "bind",
        context: BIND_MD,
        packet_writable: false,
        legacy_packet_loads: false,
        helper_groups: GENERAL,
        return_range: None,
    },
    ProgramType {
        name: "sock_addr",
        context: SOCK_ADDR_CTX,
        packet_writable: false,
        legacy_packet_loads: false,
        helper_groups: GENERAL | SOCK_ADDR,
        return_range: None,
    },
    ProgramType {
        name: "sockops",
        context: SOCK_OPS_CTX,
        packet_writable: false,
        legacy_packet_loads: false,
        helper_groups: GENERAL,
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
        GENERAL,
    ),
    proto(
        2,
        "bpf_map_update_elem",
        a(DATA, MapKey, MapValue, Scalar, N),
        R,
        GENERAL,
    ),
    proto(
        3,
        "bpf_map_delete_elem",
        a(DATA, MapKey, N, N, N),
        R,
        GENERAL,
    ),
    proto(
        4,
        "bpf_map_lookup_and_delete_elem",
        a(DATA, MapKey, N, N, N),
        MapValueOrNull,
        GENERAL,
    ),
    proto(
        5,
        "bpf_tail_call",
        a(Ctx, Map(MapReq::ProgArray), Scalar, N, N),
        R,
        GENERAL,
    ),
    proto(6, "bpf_get_prandom_u32", NONE, U32, GENERAL),
    proto(7, "bpf_ktime_get_boot_ns", NONE, R, GENERAL),
    proto(8, "bpf_get_smp_processor_id", NONE, U32, GENERAL),
    proto(9, "bpf_ktime_get_ns", NONE, R, GENERAL),
    proto(
        10,
        "bpf_csum_diff",
        a(ReadMem, SizeOrZero, ReadMem, SizeOrZero, Scalar),
        R,
        GENERAL,
    ),
    proto(
        11,
        "bpf_ringbuf_output",
        a(Map(MapReq::RingBuf), ReadMem, Size, Scalar, N),
        R,
        GENERAL,
    ),
    proto(
        12,
        "bpf_trace_printk2",
        a(ReadMem, Size, N, N, N),
        R,
        GENERAL,
    ),
    proto(
        13,
        "bpf_trace_printk3",
        a(ReadMem, Size, Anything, N, N),
        R,
        GENERAL,
    ),
    proto(
        14,
        "bpf_trace_printk4",
        a(ReadMem, Size, Anything, Anything, N),
        R,
        GENERAL,
    ),
    proto(
        15,
        "bpf_trace_printk5",
        a(ReadMem, Size, Anything, Anything, Anything),
        R,
        GENERAL,
    ),
    proto(
        16,
        "bpf_map_push_elem",
        a(DATA, MapValue, Scalar, N, N),
        R,
        GENERAL,
    ),
    proto(
        17,
        "bpf_map_pop_elem",
        a(DATA, MapValueOut, N, N, N),
        R,
        GENERAL,
    ),
    proto(
        18,
        "bpf_map_peek_elem",
        a(DATA, MapValueOut, N, N, N),
        R,
        GENERAL,
    ),
    proto(19, "bpf_get_current_pid_tgid", NONE, R, GENERAL),
    proto_pkt(
        0x10000,
        "bpf_xdp_adjust_head",
        a(Ctx, Scalar, N, N, N),
        R,
        XDP,
    ),
    proto(
        0x10000,
        "bpf_sock_addr_get_current_pid_tgid",
        a(Ctx, N, N, N, N),
        R,
        SOCK_ADDR,
    ),
    proto(
        0x10001,
        "bpf_sock_addr_set_redirect_context",
        a(Ctx, ReadMem, Size, N, N),
        R,
        SOCK_ADDR,
    ),
];

impl Platform for Windows {
    fn name(&self) -> &'static str {
        "windows"
    }

    fn program_types(&self) -> &[ProgramType] {
        PROGRAM_TYPES
    }

    fn helpers(&self) -> &[HelperProto] {
        HELPERS
    }
}
