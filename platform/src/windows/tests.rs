//! eBPF for Windows facts checked against `reference/efw-facts.md` (which names the header
//! each comes from): context layouts, program, attach and map type numbers, verdicts, helper
//! ids and the map record.

use std::vec::Vec;

use super::GENERAL;
use crate::{ArgKind, HelperId, MapKind, RetKind, WINDOWS};

fn context(program_type: &str) -> crate::ContextLayout {
    WINDOWS.program_type(program_type).unwrap().context.unwrap()
}

fn offset(program_type: &str, field: &str) -> (u32, u32) {
    let f = context(program_type).field(field).unwrap();
    (f.offset, f.size)
}

#[test]
fn bind_md_is_56_bytes_with_operation_at_44() {
    let bind = context("bind");
    assert_eq!(bind.size, 56);
    assert_eq!(offset("bind", "process_id"), (16, 8));
    assert_eq!(offset("bind", "socket_address"), (24, 16));
    assert_eq!(offset("bind", "socket_address_length"), (40, 1));
    assert_eq!(offset("bind", "operation"), (44, 4));
    assert_eq!(offset("bind", "protocol"), (48, 1));
    // The app id is the descriptor's packet: data 0, end 8, no meta.
    assert_eq!(
        (bind.data, bind.data_end, bind.data_meta),
        (Some(0), Some(8), None)
    );
}

#[test]
fn xdp_sock_addr_and_sock_ops_contexts() {
    let xdp = context("xdp");
    assert_eq!(xdp.size, 32);
    assert_eq!(
        (xdp.data, xdp.data_end, xdp.data_meta),
        (Some(0), Some(8), Some(16))
    );
    assert_eq!(xdp.pointer_size, 8);
    assert_eq!(offset("xdp", "ingress_ifindex"), (24, 4));
    let sock_addr = context("sock_addr");
    assert_eq!(sock_addr.size, 64);
    assert_eq!(sock_addr.data, None);
    assert_eq!(offset("sock_addr", "msg_src_port"), (20, 2));
    assert_eq!(offset("sock_addr", "user_ip6"), (24, 16));
    assert_eq!(offset("sock_addr", "user_port"), (40, 2));
    assert_eq!(offset("sock_addr", "protocol"), (44, 4));
    assert_eq!(offset("sock_addr", "compartment_id"), (48, 4));
    assert_eq!(offset("sock_addr", "interface_luid"), (56, 8));
    let sock_ops = context("sockops");
    assert_eq!(sock_ops.size, 64);
    assert_eq!(offset("sockops", "local_port"), (24, 4));
    assert_eq!(offset("sockops", "remote_port"), (44, 4));
    assert_eq!(offset("sockops", "protocol"), (48, 1));
    assert_eq!(offset("sockops", "compartment_id"), (52, 4));
}

#[test]
fn program_and_attach_type_numbers() {
    let number = |name| WINDOWS.program_type(name).map(|t| t.number);
    assert_eq!(number("xdp"), Some(1));
    assert_eq!(number("bind"), Some(2));
    assert_eq!(number("sock_addr"), Some(3));
    assert_eq!(number("sockops"), Some(4));
    let attach = |name| WINDOWS.attach_type(name).map(|t| t.number);
    assert_eq!(attach("xdp"), Some(1));
    assert_eq!(attach("bind"), Some(2));
    assert_eq!(attach("cgroup_inet4_recv_accept"), Some(5));
    assert_eq!(attach("cgroup_sock_ops"), Some(7));
    assert_eq!(attach("cgroup_inet6_listen"), Some(17));
    assert!(WINDOWS.attach_types.iter().all(|t| t.number != 9));
}

#[test]
fn section_prefixes() {
    for (section, ty, attach) in [
        ("bind", "bind", 2),
        ("cgroup/connect4", "sock_addr", 3),
        ("cgroup/recv_accept6", "sock_addr", 6),
        ("cgroup/connect_authorization4", "sock_addr", 12),
        ("cgroup/listen6", "sock_addr", 17),
        ("sockops", "sockops", 7),
        ("xdp", "xdp", 1),
        // Longest prefix, as `_get_section_definition` matches.
        ("xdp_test", "xdp", 1),
        ("bind/extra", "bind", 2),
    ] {
        let s = WINDOWS.section(section).unwrap();
        assert_eq!(s.program_type.name, ty, "{section}");
        assert_eq!(s.attach_type.map(|a| a.number), Some(attach), "{section}");
    }
    // Linux-only conventions have no Windows type, and no default applies.
    for name in ["kprobe/x", "tc", "socket", "cgroup/skb"] {
        assert_eq!(WINDOWS.section(name), None, "{name}");
    }
    assert_eq!(WINDOWS.default_program_type(), None);
}

#[test]
fn verdicts() {
    let value = |ty: &str, name: &str| WINDOWS.program_type(ty)?.verdict(name).map(|v| v.value);
    assert_eq!(value("xdp", "XDP_PASS"), Some(1));
    assert_eq!(value("xdp", "XDP_DROP"), Some(2));
    assert_eq!(value("xdp", "XDP_TX"), Some(3));
    assert_eq!(value("xdp", "XDP_ABORTED"), None);
    assert_eq!(value("bind", "BIND_PERMIT_SOFT"), Some(0));
    assert_eq!(value("bind", "BIND_DENY"), Some(1));
    assert_eq!(value("bind", "BIND_REDIRECT"), Some(2));
    assert_eq!(value("bind", "BIND_PERMIT_HARD"), Some(3));
    assert_eq!(value("sock_addr", "BPF_SOCK_ADDR_VERDICT_REJECT"), Some(0));
    assert_eq!(
        value("sock_addr", "BPF_SOCK_ADDR_VERDICT_PROCEED_HARD"),
        Some(2)
    );
}

#[test]
fn map_type_numbers() {
    let expected = [
        "hash",
        "array",
        "prog_array",
        "percpu_hash",
        "percpu_array",
        "hash_of_maps",
        "array_of_maps",
        "lru_hash",
        "lpm_trie",
        "queue",
        "lru_percpu_hash",
        "stack",
        "ringbuf",
        "perf_event_array",
        "sample_hash_map",
        "xskmap",
    ];
    let names: Vec<&str> = WINDOWS.map_types.iter().map(|t| t.name).collect();
    assert_eq!(names, expected);
    for (i, t) in WINDOWS.map_types.iter().enumerate() {
        assert_eq!(t.number as usize, i + 1, "{}", t.name);
    }
    assert_eq!(
        WINDOWS.map_type(14).map(|t| t.kind),
        Some(MapKind::PerfEventArray)
    );
    assert_eq!(
        WINDOWS.map_type(7).map(|t| t.kind),
        Some(MapKind::ArrayOfMaps)
    );
    assert_eq!(WINDOWS.map_type(17), None);
}

#[test]
fn map_record_is_ebpf_map_definition_in_file() {
    let r = WINDOWS.map_record(32).unwrap();
    assert_eq!(r.name, "ebpf_map_definition_in_file_t");
    assert_eq!(
        (r.inner_map_idx, r.pinning, r.id, r.inner_id, r.flags),
        (Some(16), Some(20), Some(24), Some(28), None)
    );
}

#[test]
fn general_helpers_are_1_to_35_for_every_type() {
    let ids: Vec<u32> = WINDOWS
        .helpers
        .iter()
        .filter(|h| h.groups == GENERAL)
        .map(|h| h.id.0)
        .collect();
    assert_eq!(ids, (1..=35).collect::<Vec<u32>>());
    for t in WINDOWS.program_types {
        for id in 1..=35 {
            assert!(
                WINDOWS.helper_for(HelperId(id), t).is_some(),
                "{} helper {id}",
                t.name
            );
        }
    }
    let redirect = WINDOWS.helper(HelperId(35)).unwrap();
    assert_eq!(redirect.name, "bpf_redirect_map");
    assert!(matches!(redirect.args[0], ArgKind::Map(_)));
    assert_eq!(
        WINDOWS.helper(HelperId(22)).map(|h| h.name),
        Some("bpf_memcpy")
    );
    assert_eq!(
        WINDOWS.helper(HelperId(1)).map(|h| h.ret),
        Some(RetKind::MapValueOrNull)
    );
}

#[test]
fn hook_helpers_by_program_type() {
    let name = |ty: &str, id: u32| {
        let t = WINDOWS.program_type(ty).unwrap();
        WINDOWS.helper_for(HelperId(id), t).map(|h| h.name)
    };
    assert_eq!(name("xdp", 0x10000), Some("bpf_xdp_adjust_head"));
    assert!(
        WINDOWS
            .helper_for(HelperId(0x10000), WINDOWS.program_type("xdp").unwrap())
            .unwrap()
            .changes_packet
    );
    assert_eq!(name("sockops", 0x10000), Some("bpf_sock_ops_get_flow_id"));
    assert_eq!(name("sock_addr", 0x10000), None);
    assert_eq!(
        name("sock_addr", 0x10001),
        Some("bpf_sock_addr_set_redirect_context")
    );
    assert_eq!(
        name("sock_addr", 0x10002),
        Some("bpf_sock_addr_get_network_context")
    );
    assert_eq!(name("bind", 0x10000), None);
    assert_eq!(name("xdp", 0x10001), None);
}
