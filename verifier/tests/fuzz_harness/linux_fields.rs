//! What Linux lets programs read and write of their context at each scenario of the platform
//! soundness check (`platform.rs`), field by field, after the kernel's `*_is_valid_access`
//! functions: written down independently of the platform description, which the check tests.

use super::Scenario;

/// What Linux lets programs of `s` read and write of their context, by field name (the
/// kernel's `*_is_valid_access` at the attach type), written down here independently of the
/// platform description so that the check catches a description that allows more: the
/// readable fields, then the writable ones.
pub(super) fn linux_fields(s: &Scenario) -> (&'static [&'static str], &'static [&'static str]) {
    const XDP: &[&str] = &[
        "data",
        "data_end",
        "data_meta",
        "ingress_ifindex",
        "rx_queue_index",
    ];
    const SKB_COMMON: &[&str] = &[
        "len",
        "pkt_type",
        "mark",
        "queue_mapping",
        "protocol",
        "vlan_present",
        "vlan_tci",
        "vlan_proto",
        "priority",
        "ingress_ifindex",
        "ifindex",
        "tc_index",
        "cb",
        "hash",
        "data",
        "data_end",
        "napi_id",
        "gso_segs",
    ];
    const SOCK_ADDR: &[&str] = &["user_family", "user_port", "family", "type", "protocol"];
    const SOCK: &[&str] = &[
        "family",
        "type",
        "protocol",
        "dst_port",
        "dst_ip4",
        "dst_ip6",
        "state",
        "rx_queue_mapping",
    ];
    const SOCK_OPS: &[&str] = &[
        "op",
        "args",
        "family",
        "remote_ip4",
        "local_ip4",
        "remote_ip6",
        "local_ip6",
        "remote_port",
        "local_port",
        "is_fullsock",
        "snd_cwnd",
        "srtt_us",
        "bpf_sock_ops_cb_flags",
        "state",
        "rtt_min",
        "snd_ssthresh",
        "rcv_nxt",
        "snd_nxt",
        "snd_una",
        "mss_cache",
        "ecn_flags",
        "rate_delivered",
        "rate_interval_us",
        "packets_out",
        "retrans_out",
        "total_retrans",
        "segs_in",
        "data_segs_in",
        "segs_out",
        "data_segs_out",
        "lost_out",
        "sacked_out",
        "sk_txhash",
        "bytes_received",
        "bytes_acked",
        "skb_len",
        "skb_tcp_flags",
        "skb_hwtstamp",
    ];
    macro_rules! cat {
        ($($a:expr),*) => {{
            const N: usize = 0 $(+ $a.len())*;
            const ALL: [&str; N] = {
                let mut out = [""; N];
                let mut n = 0;
                $(
                    let mut i = 0;
                    while i < $a.len() {
                        out[n] = $a[i];
                        n += 1;
                        i += 1;
                    }
                )*
                out
            };
            &ALL
        }};
    }
    match (s.prog_type, s.attach) {
        ("xdp", Some("xdp_devmap")) => (cat!(XDP, ["egress_ifindex"]), &[]),
        ("xdp", _) => (XDP, &[]),
        ("sched_cls", _) => (
            cat!(
                SKB_COMMON,
                ["tc_classid", "data_meta", "tstamp", "wire_len"]
            ),
            &[
                "mark",
                "queue_mapping",
                "priority",
                "tc_index",
                "cb",
                "tc_classid",
                "tstamp",
            ],
        ),
        ("cgroup_skb", _) => (
            cat!(
                SKB_COMMON,
                [
                    "family",
                    "remote_ip4",
                    "local_ip4",
                    "remote_ip6",
                    "local_ip6",
                    "remote_port",
                    "local_port",
                    "tstamp"
                ]
            ),
            &["mark", "priority", "cb", "tstamp"],
        ),
        ("lwt_xmit", _) => (SKB_COMMON, &["mark", "priority", "cb"]),
        ("sk_skb", _) => (
            &[
                "len",
                "pkt_type",
                "queue_mapping",
                "protocol",
                "vlan_present",
                "vlan_tci",
                "vlan_proto",
                "priority",
                "ingress_ifindex",
                "ifindex",
                "tc_index",
                "cb",
                "hash",
                "data",
                "data_end",
                "napi_id",
                "family",
                "remote_ip4",
                "local_ip4",
                "remote_ip6",
                "local_ip6",
                "remote_port",
                "local_port",
                "gso_segs",
            ],
            &["priority", "tc_index"],
        ),
        ("cgroup_sock_addr", Some(a)) if a.ends_with("4_sendmsg") => (
            cat!(SOCK_ADDR, ["user_ip4", "msg_src_ip4"]),
            &["user_ip4", "user_port", "msg_src_ip4"],
        ),
        ("cgroup_sock_addr", Some(a)) if a.ends_with("6_sendmsg") => (
            cat!(SOCK_ADDR, ["user_ip6", "msg_src_ip6"]),
            &["user_ip6", "user_port", "msg_src_ip6"],
        ),
        ("cgroup_sock_addr", Some(a)) if a.contains('4') => {
            (cat!(SOCK_ADDR, ["user_ip4"]), &["user_ip4", "user_port"])
        }
        ("cgroup_sock_addr", Some(a)) if a.contains('6') => {
            (cat!(SOCK_ADDR, ["user_ip6"]), &["user_ip6", "user_port"])
        }
        ("cgroup_sock_addr", _) => (SOCK_ADDR, &["user_port"]),
        ("cgroup_sock", Some("cgroup_inet4_post_bind")) => {
            (cat!(SOCK, ["src_ip4", "src_port"]), &[])
        }
        ("cgroup_sock", Some("cgroup_inet6_post_bind")) => {
            (cat!(SOCK, ["src_ip6", "src_port"]), &[])
        }
        ("cgroup_sock", _) => (
            cat!(SOCK, ["bound_dev_if", "mark", "priority"]),
            &["bound_dev_if", "mark", "priority"],
        ),
        ("cgroup_sockopt", Some("cgroup_getsockopt")) => (
            &[
                "optval",
                "optval_end",
                "level",
                "optname",
                "optlen",
                "retval",
            ],
            &["optlen", "retval"],
        ),
        ("cgroup_sockopt", _) => (
            &["optval", "optval_end", "level", "optname", "optlen"],
            &["level", "optname", "optlen"],
        ),
        ("sock_ops", _) => (SOCK_OPS, &["reply", "args", "sk_txhash"]),
        ("sk_msg", _) => (
            &[
                "data",
                "data_end",
                "family",
                "remote_ip4",
                "local_ip4",
                "remote_ip6",
                "local_ip6",
                "remote_port",
                "local_port",
                "size",
            ],
            &[],
        ),
        ("sk_reuseport", _) => (
            &[
                "data",
                "data_end",
                "len",
                "eth_protocol",
                "ip_protocol",
                "bind_inany",
                "hash",
            ],
            &[],
        ),
        ("perf_event", _) => (&["regs", "sample_period", "addr"], &[]),
        ("kprobe", _) => (
            &[
                "r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8", "ax", "cx", "dx",
                "si", "di", "orig_ax", "ip", "cs", "flags", "sp", "ss",
            ],
            &[],
        ),
        other => panic!("no Linux fields written down for {other:?}"),
    }
}
