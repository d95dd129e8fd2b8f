//! The eBPF for Windows platform: the `xdp`, `bind`, `sock_addr` and `sock_ops` hooks with
//! their context structures (`xdp_md_t`, `bind_md_t`, `bpf_sock_addr_t`, `bpf_sock_ops_t`),
//! the general helpers 1-34 and the hook helpers (ids above `0xFFFF`).

use super::ArgKind::{
    self, Anything, ClobberMem, Ctx, Map, MapKey, MapValue, MapValueOut, ReadMem, Scalar, Size,
    SizeOrZero, UpdateMem, WriteMem,
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
    proto(
        20,
        "bpf_get_current_logon_id",
        a(Ctx, N, N, N, N),
        R,
        GENERAL,
    ),
    proto(21, "bpf_is_current_admin", a(Ctx, N, N, N, N), R, GENERAL),
    // The `_s` copies write nothing when the source is larger than the destination and leave
    // the destination's bytes past the source size alone: a clobber, not an initialisation.
    proto(
        22,
        "bpf_memcpy",
        a(ClobberMem, SizeOrZero, ReadMem, SizeOrZero, N),
        R,
        GENERAL,
    ),
    proto(
        23,
        "bpf_memcmp",
        a(ReadMem, SizeOrZero, ReadMem, SizeOrZero, N),
        R,
        GENERAL,
    ),
    // The fill value is a number: a pointer's low byte would leak address bits.
    proto(
        24,
        "bpf_memset",
        a(WriteMem, SizeOrZero, Scalar, N, N),
        R,
        GENERAL,
    ),
    proto(
        25,
        "bpf_memmove",
        a(ClobberMem, SizeOrZero, ReadMem, SizeOrZero, N),
        R,
        GENERAL,
    ),
    // Implemented by the socket hooks' extensions; the prototype is general.
    proto(26, "bpf_get_socket_cookie", a(Ctx, N, N, N, N), R, GENERAL),
    proto(
        27,
        "bpf_strncpy_s",
        a(ClobberMem, SizeOrZero, ReadMem, SizeOrZero, N),
        R,
        GENERAL,
    ),
    // Appending reads the destination's string first: it must be initialised.
    proto(
        28,
        "bpf_strncat_s",
        a(UpdateMem, SizeOrZero, ReadMem, SizeOrZero, N),
        R,
        GENERAL,
    ),
    proto(
        29,
        "bpf_strnlen_s",
        a(ReadMem, SizeOrZero, N, N, N),
        R,
        GENERAL,
    ),
    proto(30, "bpf_ktime_get_boot_ms", NONE, R, GENERAL),
    proto(31, "bpf_ktime_get_ms", NONE, R, GENERAL),
    proto(
        32,
        "bpf_perf_event_output",
        a(Ctx, Map(MapReq::PerfEventArray), Scalar, ReadMem, Size),
        R,
        GENERAL,
    ),
    // The host passes the context itself, after five ignored arguments.
    proto(33, "bpf_get_current_process_start_key", NONE, R, GENERAL),
    proto(34, "bpf_get_current_thread_create_time", NONE, R, GENERAL),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn general_helpers_are_1_to_34_once_each() {
        let ids: alloc::vec::Vec<i32> = HELPERS
            .iter()
            .filter(|h| h.groups == GENERAL)
            .map(|h| h.id)
            .collect();
        assert_eq!(ids, (1..=34).collect::<alloc::vec::Vec<i32>>());
        for t in PROGRAM_TYPES {
            assert!(t.helper_groups & GENERAL != 0, "{}", t.name);
            for id in 1..=34 {
                assert!(
                    Windows.helper_for(id, t).is_some(),
                    "{} helper {id}",
                    t.name
                );
            }
        }
    }

    #[test]
    fn hook_helper_ids_are_unique_per_group_and_above_general() {
        for (i, h) in HELPERS.iter().enumerate() {
            if h.groups != GENERAL {
                assert!(h.id > 0xFFFF, "{}", h.name);
            }
            for o in &HELPERS[i + 1..] {
                assert!(
                    o.id != h.id || o.groups & h.groups == 0,
                    "{} and {} share id {}",
                    h.name,
                    o.name,
                    h.id
                );
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
                if arg.is_sized_mem() {
                    assert!(
                        matches!(next, Size | SizeOrZero),
                        "{} arg {}",
                        h.name,
                        i + 1
                    );
                }
                if matches!(arg, Size | SizeOrZero) {
                    assert!(prev.is_sized_mem(), "{} arg {}", h.name, i + 1);
                }
                if matches!(arg, MapKey | MapValue | MapValueOut) {
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
