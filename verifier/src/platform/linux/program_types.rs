//! The Linux program types by name: each with its context layout, whether it may write the
//! packet or use legacy packet loads, its helper groups and the range its return value must
//! lie in.

use super::contexts::{
    CGROUP_DEVICE_CTX, CGROUP_SOCK_CTX, LIRC_CTX, PERF_EVENT_CTX, PT_REGS, RAW_TRACEPOINT_CTX,
    SKB_NO_META_CTX, SK_MSG_CTX, SK_REUSEPORT_CTX, SK_SKB_CTX, SOCKOPT_CTX, SOCK_ADDR_CTX,
    SOCK_OPS_CTX, SYSCTL_CTX, TC_CTX, TRACEPOINT_CTX, XDP_MD,
};
use super::{
    BASE, CURRENT, EVENTS, KPROBE, LIRC, LWT, PERF_EVENT, REUSEPORT, SKB, SKB_CGROUP, SKB_SOCK,
    SKB_WRITE, SK_MSG, SK_SKB, SOCK_ADDR, SOCK_OPS, SYSCTL, TC, TRACING, XDP,
};
use crate::platform::ProgramType;

/// Hooks whose return value the kernel checks against `[0, 1]` (the cgroup hooks and
/// sock_ops; cgroup_skb egress also allows 2 and 3 and the bind hooks up to 3, which a type
/// without the attach type cannot tell apart, so the narrower range applies).
const ZERO_OR_ONE: Option<(i64, i64)> = Some((0, 1));

/// The program types, by name.
pub(super) const PROGRAM_TYPES: &[ProgramType] = &[
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::ContextLayout;

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
