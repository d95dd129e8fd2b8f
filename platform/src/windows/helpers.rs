//! The eBPF for Windows helper prototypes: the general helpers 1-35 (ids from
//! `include/ebpf_structs.h`, prototypes from `libs/execution_context/ebpf_general_helpers.c`)
//! and the hook helpers, numbered from 0x10000 by each extension (`include/ebpf_nethooks.h`,
//! `netebpfext/net_ebpf_ext_program_info.h`, `tests/include/xdp_hooks.h`).

use super::{GENERAL, SOCK_ADDR, SOCK_OPS, XDP};
use crate::helper::{a, proto, proto_pkt};
use crate::ArgKind::{
    self, ClobberMem, Ctx, Map, MapKey, MapValue, MapValueOutOnSuccess, ReadMem, Scalar, Size,
    SizeOrZero, UpdateMem, WriteMem,
};
use crate::RetKind::{self, MapValueOrNull, U32};
use crate::{HelperProto, MapKind, MapReq};

const N: ArgKind = ArgKind::None;
const NONE: [ArgKind; 5] = [N; 5];
/// A map whose values are plain memory, changed by the call.
const DATA_CHANGED: ArgKind = Map(MapReq::DATA.changing());
const R: RetKind = RetKind::Scalar;

/// The general helpers (1-35, every program type), then the hooks' own (from 0x10000).
pub(super) const HELPERS: &[HelperProto] = &[
    proto(
        1,
        "bpf_map_lookup_elem",
        a(Map(MapReq::LOOKUP), MapKey, N, N, N),
        MapValueOrNull,
        GENERAL,
    ),
    proto(
        2,
        "bpf_map_update_elem",
        a(DATA_CHANGED, MapKey, MapValue, Scalar, N),
        R,
        GENERAL,
    ),
    proto(
        3,
        "bpf_map_delete_elem",
        a(DATA_CHANGED, MapKey, N, N, N),
        R,
        GENERAL,
    ),
    proto(
        4,
        "bpf_map_lookup_and_delete_elem",
        a(Map(MapReq::DATA.changing()), MapKey, N, N, N),
        MapValueOrNull,
        GENERAL,
    ),
    proto(
        5,
        "bpf_tail_call",
        a(Ctx, Map(MapReq::PROG_ARRAY), Scalar, N, N),
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
        a(Map(MapReq::RING_BUF), ReadMem, Size, Scalar, N),
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
    // The printed values must be numbers (eBPF for Windows' prototypes say "anything"):
    // printing a pointer would disclose its address.
    proto(
        13,
        "bpf_trace_printk3",
        a(ReadMem, Size, Scalar, N, N),
        R,
        GENERAL,
    ),
    proto(
        14,
        "bpf_trace_printk4",
        a(ReadMem, Size, Scalar, Scalar, N),
        R,
        GENERAL,
    ),
    proto(
        15,
        "bpf_trace_printk5",
        a(ReadMem, Size, Scalar, Scalar, Scalar),
        R,
        GENERAL,
    ),
    proto(
        16,
        "bpf_map_push_elem",
        a(Map(MapReq::QUEUE_STACK.changing()), MapValue, Scalar, N, N),
        R,
        GENERAL,
    ),
    proto(
        17,
        "bpf_map_pop_elem",
        a(
            Map(MapReq::QUEUE_STACK.changing().reading()),
            MapValueOutOnSuccess,
            N,
            N,
            N,
        ),
        R,
        GENERAL,
    ),
    proto(
        18,
        "bpf_map_peek_elem",
        a(
            Map(MapReq::QUEUE_STACK.reading()),
            MapValueOutOnSuccess,
            N,
            N,
            N,
        ),
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
        // The destination pointer, which as a number would disclose its address.
        RetKind::FirstArg,
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
        a(Ctx, Map(MapReq::PERF_EVENT_ARRAY), Scalar, ReadMem, Size),
        R,
        GENERAL,
    ),
    // The host passes the context itself, after five ignored arguments.
    proto(33, "bpf_get_current_process_start_key", NONE, R, GENERAL),
    proto(34, "bpf_get_current_thread_create_time", NONE, R, GENERAL),
    // No core implementation: a program type that has it overrides it (XDP to an XSKMAP, the
    // sample type); loading a program of another type that calls it fails.
    proto(
        35,
        "bpf_redirect_map",
        a(Map(MapReq::of(&[MapKind::XskMap])), Scalar, Scalar, N, N),
        R,
        GENERAL,
    ),
    proto_pkt(
        0x10000,
        "bpf_xdp_adjust_head",
        a(Ctx, Scalar, N, N, N),
        R,
        XDP,
    ),
    // 0x10000 (`BPF_FUNC_sock_addr_get_current_pid_tgid`) is still an enum value but no
    // prototype: sock_addr overrides general helper 19 instead.
    proto(
        0x10001,
        "bpf_sock_addr_set_redirect_context",
        a(Ctx, ReadMem, Size, N, N),
        R,
        SOCK_ADDR,
    ),
    proto(
        0x10002,
        "bpf_sock_addr_get_network_context",
        a(Ctx, WriteMem, Size, N, N),
        R,
        SOCK_ADDR,
    ),
    proto(
        0x10000,
        "bpf_sock_ops_get_flow_id",
        a(Ctx, N, N, N, N),
        R,
        SOCK_OPS,
    ),
    // The C functions clang leaves undefined (`crate::builtin`): helpers 22 to 25 in C
    // argument order, with the size after both buffers.
    crate::builtin::MEMCPY,
    crate::builtin::MEMMOVE,
    crate::builtin::MEMSET,
    crate::builtin::MEMCMP,
];
