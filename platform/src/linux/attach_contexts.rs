//! The Linux contexts that depend on the attach type (the program's `expected_attach_type`),
//! after the kernel's `*_is_valid_access` checks: `xdp_md.egress_ifindex` only in devmap
//! programs (`xdp_is_valid_access`); `bpf_sock_addr`'s addresses only at the attach types of
//! their family and the message source only at sendmsg (`sock_addr_is_valid_access`);
//! `bpf_sock`'s writable fields only at socket creation and release, its source address and
//! port only at post_bind (`__sock_filter_check_attach_type`); `bpf_sockopt.retval` only at
//! getsockopt, `level` and `optname` writable only at setsockopt
//! (`cg_sockopt_is_valid_access`).

use super::contexts::{CGROUP_SOCK_CTX, SOCKOPT_CTX, SOCK_ADDR_CTX, XDP_MD};
use crate::{field, AttachContext, ContextLayout};

const fn at(
    program_type: &'static str,
    attach_types: &'static [&'static str],
    context: ContextLayout,
) -> AttachContext {
    AttachContext {
        program_type,
        attach_types,
        context,
    }
}

pub(super) const ATTACH_CONTEXTS: &[AttachContext] = &[
    // xdp_md: every field up to egress_ifindex (20) in devmap programs; the others see the
    // program type's layout, without it.
    at(
        "xdp",
        &["xdp_devmap"],
        ContextLayout {
            readable: &[field(0, 24)],
            ..XDP_MD
        },
    ),
    at("xdp", &["xdp", "xdp_cpumap"], XDP_MD),
    // bpf_sock_addr at the IPv4 hooks: user_ip4 (4) readable and writable.
    at(
        "cgroup_sock_addr",
        &[
            "cgroup_inet4_bind",
            "cgroup_inet4_connect",
            "cgroup_inet4_getpeername",
            "cgroup_inet4_getsockname",
            "cgroup_udp4_recvmsg",
        ],
        ContextLayout {
            readable: &[field(0, 8), field(24, 40)],
            writable: &[field(4, 8), field(24, 28)],
            ..SOCK_ADDR_CTX
        },
    ),
    // IPv4 sendmsg: msg_src_ip4 (40) too.
    at(
        "cgroup_sock_addr",
        &["cgroup_udp4_sendmsg"],
        ContextLayout {
            readable: &[field(0, 8), field(24, 44)],
            writable: &[field(4, 8), field(24, 28), field(40, 44)],
            ..SOCK_ADDR_CTX
        },
    ),
    // The IPv6 hooks: user_ip6 (8..24).
    at(
        "cgroup_sock_addr",
        &[
            "cgroup_inet6_bind",
            "cgroup_inet6_connect",
            "cgroup_inet6_getpeername",
            "cgroup_inet6_getsockname",
            "cgroup_udp6_recvmsg",
        ],
        ContextLayout {
            readable: &[field(0, 4), field(8, 40)],
            writable: &[field(8, 28)],
            ..SOCK_ADDR_CTX
        },
    ),
    // IPv6 sendmsg: msg_src_ip6 (44..60) too.
    at(
        "cgroup_sock_addr",
        &["cgroup_udp6_sendmsg"],
        ContextLayout {
            readable: &[field(0, 4), field(8, 40), field(44, 60)],
            writable: &[field(8, 28), field(44, 60)],
            ..SOCK_ADDR_CTX
        },
    ),
    // The Unix socket hooks: neither address (theirs is reached through a kfunc).
    at(
        "cgroup_sock_addr",
        &[
            "cgroup_unix_connect",
            "cgroup_unix_sendmsg",
            "cgroup_unix_recvmsg",
            "cgroup_unix_getpeername",
            "cgroup_unix_getsockname",
        ],
        SOCK_ADDR_CTX,
    ),
    // bpf_sock at creation and release: bound_dev_if, mark, priority readable and writable,
    // no source address or port.
    at(
        "cgroup_sock",
        &["cgroup_inet_sock_create", "cgroup_inet_sock_release"],
        CGROUP_SOCK_CTX,
    ),
    // After an IPv4 bind: src_ip4 (24) and src_port (44) readable, bound_dev_if, mark and
    // priority not even readable, nothing writable.
    at(
        "cgroup_sock",
        &["cgroup_inet4_post_bind"],
        ContextLayout {
            readable: &[field(4, 16), field(24, 28), field(44, 80)],
            writable: &[],
            ..CGROUP_SOCK_CTX
        },
    ),
    // After an IPv6 bind: src_ip6 (28..44) and src_port.
    at(
        "cgroup_sock",
        &["cgroup_inet6_post_bind"],
        ContextLayout {
            readable: &[field(4, 16), field(28, 80)],
            writable: &[],
            ..CGROUP_SOCK_CTX
        },
    ),
    // bpf_sockopt at getsockopt: retval (36) readable and writable, optlen writable.
    at(
        "cgroup_sockopt",
        &["cgroup_getsockopt"],
        ContextLayout {
            readable: &[field(8, 40)],
            writable: &[field(32, 40)],
            ..SOCKOPT_CTX
        },
    ),
    // At setsockopt: level, optname and optlen writable, no retval.
    at(
        "cgroup_sockopt",
        &["cgroup_setsockopt"],
        ContextLayout {
            writable: &[field(24, 36)],
            ..SOCKOPT_CTX
        },
    ),
];
