//! The eBPF for Windows platform: the `xdp`, `bind`, `sock_addr` and `sockops` hooks with
//! their context structures (`xdp_md_t`, `bind_md_t`, `bpf_sock_addr_t`, `bpf_sock_ops_t`) and
//! verdicts, the general helpers 1-35 and the hook helpers (ids from 0x10000, in
//! `helpers.rs`), attach and map type numbers, the section names the extensions register and
//! the `maps` section record `ebpf_map_definition_in_file_t`.
//!
//! Sources (eBPF for Windows): `include/ebpf_structs.h` (program, attach and map type numbers,
//! helper ids, the map record), `include/ebpf_nethooks.h` (the socket hooks' contexts and
//! verdicts), `tests/include/xdp_hooks.h` (`xdp_md_t`), `netebpfext/net_ebpf_ext_program_info.h`
//! (section names, context descriptors).

mod helpers;
#[cfg(test)]
mod tests;

use crate::context::{field, named};
use crate::map::map_type;
use crate::program::{sec, verdict};
use crate::{
    AttachType, ContextLayout, Field, MapKind, MapRecord, MapType, Platform, ProgramType,
    SectionPrefix, Verdict,
};

/// The eBPF for Windows platform.
pub(crate) const PLATFORM: Platform = Platform {
    name: "windows",
    program_types: PROGRAM_TYPES,
    attach_types: ATTACH_TYPES,
    sections: SECTIONS,
    path_conventions: &[],
    // A section no extension registered has no type: the caller names one.
    default_program_type: None,
    helpers: helpers::HELPERS,
    map_types: MAP_TYPES,
    map_records: MAP_RECORDS,
    refuse_pointer_disclosure: true,
    attach_contexts: &[],
};

/// General helpers, available to every program type.
const GENERAL: u32 = 1;
/// XDP hook helpers.
const XDP: u32 = 2;
/// sock_addr hook helpers.
const SOCK_ADDR: u32 = 4;
/// sock_ops hook helpers.
const SOCK_OPS: u32 = 8;

/// `xdp_md_t` (sizeof 32): the packet pointers `data` and `data_end` and the metadata pointer
/// `data_meta`, 8 bytes each (the context descriptor: data 0, end 8, meta 16), then
/// `ingress_ifindex`.
const XDP_MD: ContextLayout = ContextLayout {
    name: "xdp_md_t",
    size: 32,
    fields: &[
        named("data", 0, 8),
        named("data_end", 8, 8),
        named("data_meta", 16, 8),
        named("ingress_ifindex", 24, 4),
    ],
    data: Some(0),
    data_end: Some(8),
    data_meta: Some(16),
    pointer_size: 8,
    host: None,
    readable: &[field(0, 28)],
    writable: &[],
    sized_by_target: false,
};

/// `bind_md_t` (sizeof 56): `app_id_start`/`app_id_end` delimit the application id (the
/// descriptor's data and end, so read-only packet bytes to the program), then the process,
/// the address (rewritable for a redirect), its length, the operation and the protocol.
const BIND_MD: ContextLayout = ContextLayout {
    name: "bind_md_t",
    size: 56,
    fields: &[
        named("app_id_start", 0, 8),
        named("app_id_end", 8, 8),
        named("process_id", 16, 8),
        named("socket_address", 24, 16),
        named("socket_address_length", 40, 1),
        named("operation", 44, 4),
        named("protocol", 48, 1),
    ],
    data: Some(0),
    data_end: Some(8),
    data_meta: None,
    pointer_size: 8,
    host: None,
    readable: &[field(0, 41), field(44, 49)],
    writable: &[field(24, 40)],
    sized_by_target: false,
};

/// `bpf_sock_addr_t` (sizeof 64, no packet). The destination address and port (`user_*`) may
/// be rewritten: at the connect layers that is a redirect.
const SOCK_ADDR_CTX: ContextLayout = ContextLayout {
    name: "bpf_sock_addr_t",
    size: 64,
    fields: &[
        named("family", 0, 4),
        named("msg_src_ip4", 4, 4),
        named("msg_src_ip6", 4, 16),
        named("msg_src_port", 20, 2),
        named("user_ip4", 24, 4),
        named("user_ip6", 24, 16),
        named("user_port", 40, 2),
        named("protocol", 44, 4),
        named("compartment_id", 48, 4),
        named("interface_luid", 56, 8),
    ],
    data: None,
    data_end: None,
    data_meta: None,
    pointer_size: 8,
    host: None,
    readable: &[field(0, 22), field(24, 42), field(44, 52), field(56, 64)],
    writable: &[field(24, 42)],
    sized_by_target: false,
};

/// `bpf_sock_ops_t` (sizeof 64, no packet), read-only.
const SOCK_OPS_CTX: ContextLayout = ContextLayout {
    name: "bpf_sock_ops_t",
    size: 64,
    fields: SOCK_OPS_FIELDS,
    data: None,
    data_end: None,
    data_meta: None,
    pointer_size: 8,
    host: None,
    readable: &[field(0, 49), field(52, 64)],
    writable: &[],
    sized_by_target: false,
};

const SOCK_OPS_FIELDS: &[Field] = &[
    named("op", 0, 4),
    named("family", 4, 4),
    named("local_ip4", 8, 4),
    named("local_ip6", 8, 16),
    named("local_port", 24, 4),
    named("remote_ip4", 28, 4),
    named("remote_ip6", 28, 16),
    named("remote_port", 44, 4),
    named("protocol", 48, 1),
    named("compartment_id", 52, 4),
    named("interface_luid", 56, 8),
];

/// `xdp_action_t`: no ABORTED or REDIRECT, and other values than Linux's.
const XDP_VERDICTS: &[Verdict] = &[
    verdict("XDP_PASS", 1),
    verdict("XDP_DROP", 2),
    verdict("XDP_TX", 3),
];

/// `bind_action_t` (`BIND_PERMIT` is the older name of `BIND_PERMIT_SOFT`); any other value
/// blocks.
const BIND_VERDICTS: &[Verdict] = &[
    verdict("BIND_PERMIT_SOFT", 0),
    verdict("BIND_PERMIT", 0),
    verdict("BIND_DENY", 1),
    verdict("BIND_REDIRECT", 2),
    verdict("BIND_PERMIT_HARD", 3),
];

/// `ebpf_sock_addr_verdict_t`; any other value rejects.
const SOCK_ADDR_VERDICTS: &[Verdict] = &[
    verdict("BPF_SOCK_ADDR_VERDICT_REJECT", 0),
    verdict("BPF_SOCK_ADDR_VERDICT_PROCEED_SOFT", 1),
    verdict("BPF_SOCK_ADDR_VERDICT_PROCEED_HARD", 2),
];

/// The largest packet (xdp's frame, bind's application id) a host runs a program on: 65,535
/// bytes, the largest IPv4 datagram and UNICODE_STRING (a choice of this description: eBPF
/// for Windows states no limit).
const MAX_PACKET: u32 = 0xffff;

/// `enum bpf_prog_type` numbers, with the program-type descriptors' names.
const PROGRAM_TYPES: &[ProgramType] = &[
    ProgramType {
        name: "xdp",
        number: 1,
        context: Some(XDP_MD),
        packet_writable: true,
        legacy_packet_loads: false,
        max_packet_size: MAX_PACKET,
        helper_groups: GENERAL | XDP,
        return_range: None,
        verdicts: XDP_VERDICTS,
    },
    ProgramType {
        name: "bind",
        number: 2,
        context: Some(BIND_MD),
        packet_writable: false,
        legacy_packet_loads: false,
        max_packet_size: MAX_PACKET,
        helper_groups: GENERAL,
        return_range: None,
        verdicts: BIND_VERDICTS,
    },
    ProgramType {
        name: "sock_addr",
        number: 3,
        context: Some(SOCK_ADDR_CTX),
        packet_writable: false,
        legacy_packet_loads: false,
        max_packet_size: 0,
        helper_groups: GENERAL | SOCK_ADDR,
        return_range: None,
        verdicts: SOCK_ADDR_VERDICTS,
    },
    // At flow establishment 0 permits and anything else blocks; the header names no values.
    ProgramType {
        name: "sockops",
        number: 4,
        context: Some(SOCK_OPS_CTX),
        packet_writable: false,
        legacy_packet_loads: false,
        max_packet_size: 0,
        helper_groups: GENERAL | SOCK_OPS,
        return_range: None,
        verdicts: &[],
    },
];

const fn at(name: &'static str, number: u32) -> AttachType {
    AttachType { name, number }
}

/// `enum bpf_attach_type` (9 was `BPF_XDP_TEST`, removed).
const ATTACH_TYPES: &[AttachType] = &[
    at("xdp", 1),
    at("bind", 2),
    at("cgroup_inet4_connect", 3),
    at("cgroup_inet6_connect", 4),
    at("cgroup_inet4_recv_accept", 5),
    at("cgroup_inet6_recv_accept", 6),
    at("cgroup_sock_ops", 7),
    at("sample", 8),
    at("netevent", 10),
    at("process", 11),
    at("cgroup_inet4_connect_authorization", 12),
    at("cgroup_inet6_connect_authorization", 13),
    at("cgroup_inet4_bind", 14),
    at("cgroup_inet6_bind", 15),
    at("cgroup_inet4_listen", 16),
    at("cgroup_inet6_listen", 17),
];

/// The section names the extensions register (netebpfext; `xdp` by xdp-for-windows), matched
/// by longest prefix.
const SECTIONS: &[SectionPrefix] = &[
    sec("bind", "bind", Some("bind")),
    sec("cgroup/connect4", "sock_addr", Some("cgroup_inet4_connect")),
    sec("cgroup/connect6", "sock_addr", Some("cgroup_inet6_connect")),
    sec(
        "cgroup/recv_accept4",
        "sock_addr",
        Some("cgroup_inet4_recv_accept"),
    ),
    sec(
        "cgroup/recv_accept6",
        "sock_addr",
        Some("cgroup_inet6_recv_accept"),
    ),
    sec(
        "cgroup/connect_authorization4",
        "sock_addr",
        Some("cgroup_inet4_connect_authorization"),
    ),
    sec(
        "cgroup/connect_authorization6",
        "sock_addr",
        Some("cgroup_inet6_connect_authorization"),
    ),
    sec("cgroup/bind4", "sock_addr", Some("cgroup_inet4_bind")),
    sec("cgroup/bind6", "sock_addr", Some("cgroup_inet6_bind")),
    sec("cgroup/listen4", "sock_addr", Some("cgroup_inet4_listen")),
    sec("cgroup/listen6", "sock_addr", Some("cgroup_inet6_listen")),
    sec("sockops", "sockops", Some("cgroup_sock_ops")),
    sec("xdp", "xdp", Some("xdp")),
];

/// `enum bpf_map_type`. 15 and 16 are custom maps an extension provides on a hash table.
const MAP_TYPES: &[MapType] = &[
    map_type(1, "hash", Some(MapKind::Hash)),
    map_type(2, "array", Some(MapKind::Array)),
    map_type(3, "prog_array", Some(MapKind::ProgArray)),
    map_type(4, "percpu_hash", Some(MapKind::Hash)),
    map_type(5, "percpu_array", Some(MapKind::Array)),
    map_type(6, "hash_of_maps", Some(MapKind::HashOfMaps)),
    map_type(7, "array_of_maps", Some(MapKind::ArrayOfMaps)),
    map_type(8, "lru_hash", Some(MapKind::Hash)),
    map_type(9, "lpm_trie", Some(MapKind::LpmTrie)),
    map_type(10, "queue", Some(MapKind::Queue)),
    map_type(11, "lru_percpu_hash", Some(MapKind::Hash)),
    map_type(12, "stack", Some(MapKind::Stack)),
    map_type(13, "ringbuf", Some(MapKind::RingBuf)),
    map_type(14, "perf_event_array", Some(MapKind::PerfEventArray)),
    // A custom map of the sample extension: its provider may change the value size and
    // forbid programs' updates, so the verifier does not model it.
    map_type(15, "sample_hash_map", None),
    // A custom map of xdp-for-windows, for bpf_redirect_map.
    map_type(16, "xskmap", Some(MapKind::XskMap)),
];

/// `ebpf_map_definition_in_file_t`: 32 bytes of `u32` (type, key_size, value_size,
/// max_entries, inner_map_idx, pinning, id, inner_id); shorter records are read as far as
/// they go.
const MAP_RECORDS: &[MapRecord] = &[MapRecord {
    name: "ebpf_map_definition_in_file_t",
    min_size: 16,
    flags: None,
    inner_map_idx: Some(16),
    pinning: Some(20),
    id: Some(24),
    inner_id: Some(28),
}];
