//! The Linux program types by name: each with its UAPI number, its context layout, whether it
//! may write the packet or use legacy packet loads, its helper groups, the range its return
//! value must lie in and its named verdicts.

use super::contexts::{
    BTF_ARGS_CTX, CGROUP_DEVICE_CTX, CGROUP_SOCK_CTX, LIRC_CTX, LWT_CTX, PERF_EVENT_CTX, PT_REGS,
    RAW_TRACEPOINT_CTX, SKB_NO_META_CTX, SK_MSG_CTX, SK_REUSEPORT_CTX, SK_SKB_CTX, SOCKOPT_CTX,
    SOCK_ADDR_CTX, SOCK_OPS_CTX, SYSCTL_CTX, TC_CTX, TRACEPOINT_CTX, XDP_MD,
};
use super::{
    BASE, CURRENT, EVENTS, KPROBE, LIRC, LWT, PERF_EVENT, REUSEPORT, SKB, SKB_CGROUP, SKB_SOCK,
    SKB_WRITE, SK_MSG, SK_SKB, SOCK_ADDR, SOCK_OPS, SYSCTL, TC, TRACING, XDP,
};
use super::{CGROUP_HOOK, NETNS, SEG6, SOCK_LOOKUP};
use crate::program::verdict;
use crate::{ProgramType, Verdict};

/// Hooks whose return value the kernel checks against `[0, 1]` (the cgroup hooks and
/// sock_ops; cgroup_skb egress also allows 2 and 3 and the bind hooks up to 3, which a type
/// without the attach type cannot tell apart, so the narrower range applies).
const ZERO_OR_ONE: Option<(i64, i64)> = Some((0, 1));

/// The largest packet of the `__sk_buff` hooks: the linear data of an skb, up to a GSO
/// packet of `GSO_MAX_SIZE` (`8 * GSO_LEGACY_MAX_SIZE` = 512 KiB since BIG TCP, Linux 5.19,
/// `include/linux/netdevice.h`); 65,535 would be the legacy limit, which such packets exceed.
const SKB_PACKET: u32 = 512 << 10;

/// The largest packet held in one page (XDP's buffer without fragments, an `sk_msg`
/// scatterlist element, a sockopt's `optval`): 64 KiB, the largest page size of the
/// architectures that run XDP.
const PAGE_PACKET: u32 = 64 << 10;

/// The program types, by name (the verifiable ones first, then those known only by number).
pub(super) const PROGRAM_TYPES: &[ProgramType] = &[
    // Linux's own socket filters are narrower (`sk_filter_func_proto`: no redirects or packet
    // writes, no `data`/`data_end`, only `cb` writable). But a section whose name implies no
    // type is verified as a socket filter, and such objects are tc programs in practice
    // (iproute2 loads any section and the command line gives the type). So, as PREVAIL does,
    // this type admits every `__sk_buff` helper and the tc context; memory safety is proved the
    // same way whichever `__sk_buff` hook runs the program.
    ProgramType {
        name: "socket_filter",
        number: 1,
        context: Some(TC_CTX),
        packet_writable: true,
        legacy_packet_loads: true,
        max_packet_size: SKB_PACKET,
        helper_groups: BASE | SKB | SKB_SOCK | TC | SKB_CGROUP | SKB_WRITE | EVENTS | SOCK_LOOKUP,
        return_range: None,
        verdicts: SOCKET_FILTER_VERDICTS,
    },
    ProgramType {
        name: "sched_cls",
        number: 3,
        context: Some(TC_CTX),
        packet_writable: true,
        legacy_packet_loads: true,
        max_packet_size: SKB_PACKET,
        helper_groups: BASE
            | SKB
            | SKB_SOCK
            | TC
            | SKB_CGROUP
            | EVENTS
            | SKB_WRITE
            | SOCK_LOOKUP
            | NETNS,
        return_range: None,
        verdicts: TC_VERDICTS,
    },
    ProgramType {
        name: "sched_act",
        number: 4,
        context: Some(TC_CTX),
        packet_writable: true,
        legacy_packet_loads: true,
        max_packet_size: SKB_PACKET,
        helper_groups: BASE
            | SKB
            | SKB_SOCK
            | TC
            | SKB_CGROUP
            | EVENTS
            | SKB_WRITE
            | SOCK_LOOKUP
            | NETNS,
        return_range: None,
        verdicts: TC_VERDICTS,
    },
    ProgramType {
        name: "xdp",
        number: 6,
        context: Some(XDP_MD),
        packet_writable: true,
        legacy_packet_loads: false,
        max_packet_size: PAGE_PACKET,
        helper_groups: BASE | XDP | EVENTS | SOCK_LOOKUP,
        return_range: None,
        verdicts: XDP_VERDICTS,
    },
    ProgramType {
        name: "kprobe",
        number: 2,
        context: Some(PT_REGS),
        packet_writable: false,
        legacy_packet_loads: false,
        max_packet_size: 0,
        helper_groups: BASE | TRACING | EVENTS | CURRENT | KPROBE,
        return_range: None,
        verdicts: &[],
    },
    ProgramType {
        name: "tracepoint",
        number: 5,
        context: Some(TRACEPOINT_CTX),
        packet_writable: false,
        legacy_packet_loads: false,
        max_packet_size: 0,
        helper_groups: BASE | TRACING | EVENTS | CURRENT,
        return_range: None,
        verdicts: &[],
    },
    ProgramType {
        name: "raw_tracepoint",
        number: 17,
        context: Some(RAW_TRACEPOINT_CTX),
        packet_writable: false,
        legacy_packet_loads: false,
        max_packet_size: 0,
        helper_groups: BASE | TRACING | EVENTS | CURRENT,
        return_range: None,
        verdicts: &[],
    },
    ProgramType {
        name: "perf_event",
        number: 7,
        context: Some(PERF_EVENT_CTX),
        packet_writable: false,
        legacy_packet_loads: false,
        max_packet_size: 0,
        helper_groups: BASE | TRACING | EVENTS | CURRENT | PERF_EVENT,
        return_range: None,
        verdicts: &[],
    },
    ProgramType {
        name: "sock_ops",
        number: 13,
        context: Some(SOCK_OPS_CTX),
        packet_writable: false,
        legacy_packet_loads: false,
        max_packet_size: 0,
        helper_groups: BASE | SOCK_OPS | NETNS,
        return_range: ZERO_OR_ONE,
        verdicts: &[],
    },
    ProgramType {
        name: "cgroup_sock",
        number: 9,
        context: Some(CGROUP_SOCK_CTX),
        packet_writable: false,
        legacy_packet_loads: false,
        max_packet_size: 0,
        helper_groups: BASE | CURRENT | NETNS | CGROUP_HOOK,
        return_range: ZERO_OR_ONE,
        verdicts: CGROUP_VERDICTS,
    },
    ProgramType {
        name: "cgroup_skb",
        number: 8,
        context: Some(SKB_NO_META_CTX),
        packet_writable: false,
        legacy_packet_loads: true,
        max_packet_size: SKB_PACKET,
        helper_groups: BASE | SKB | SKB_SOCK | CURRENT | SKB_CGROUP | SOCK_LOOKUP | CGROUP_HOOK,
        return_range: ZERO_OR_ONE,
        verdicts: CGROUP_VERDICTS,
    },
    ProgramType {
        name: "lwt_in",
        number: 10,
        context: Some(LWT_CTX),
        packet_writable: false,
        legacy_packet_loads: false,
        max_packet_size: SKB_PACKET,
        helper_groups: BASE | SKB | LWT | EVENTS,
        return_range: None,
        verdicts: LWT_REROUTE_VERDICTS,
    },
    ProgramType {
        name: "lwt_out",
        number: 11,
        context: Some(LWT_CTX),
        packet_writable: false,
        legacy_packet_loads: false,
        max_packet_size: SKB_PACKET,
        helper_groups: BASE | SKB | LWT | EVENTS,
        return_range: None,
        verdicts: LWT_VERDICTS,
    },
    ProgramType {
        name: "lwt_xmit",
        number: 12,
        context: Some(LWT_CTX),
        packet_writable: true,
        legacy_packet_loads: false,
        max_packet_size: SKB_PACKET,
        helper_groups: BASE | SKB | SKB_WRITE | LWT | EVENTS,
        return_range: None,
        verdicts: LWT_REROUTE_VERDICTS,
    },
    ProgramType {
        name: "sk_skb",
        number: 14,
        context: Some(SK_SKB_CTX),
        packet_writable: true,
        legacy_packet_loads: false,
        max_packet_size: SKB_PACKET,
        helper_groups: BASE | SKB | SKB_WRITE | SK_SKB | SOCK_LOOKUP,
        return_range: None,
        verdicts: SK_VERDICTS,
    },
    ProgramType {
        name: "lwt_seg6local",
        number: 19,
        context: Some(LWT_CTX),
        packet_writable: false,
        legacy_packet_loads: false,
        max_packet_size: SKB_PACKET,
        helper_groups: BASE | SKB | LWT | EVENTS | SEG6,
        return_range: None,
        verdicts: LWT_VERDICTS,
    },
    ProgramType {
        name: "cgroup_sock_addr",
        number: 18,
        context: Some(SOCK_ADDR_CTX),
        packet_writable: false,
        legacy_packet_loads: false,
        max_packet_size: 0,
        helper_groups: BASE | CURRENT | SOCK_ADDR | SOCK_LOOKUP | NETNS | CGROUP_HOOK,
        return_range: ZERO_OR_ONE,
        verdicts: CGROUP_VERDICTS,
    },
    ProgramType {
        name: "sk_msg",
        number: 16,
        context: Some(SK_MSG_CTX),
        packet_writable: true,
        legacy_packet_loads: false,
        max_packet_size: PAGE_PACKET,
        helper_groups: BASE | SK_MSG | NETNS,
        return_range: None,
        verdicts: SK_VERDICTS,
    },
    ProgramType {
        name: "sk_reuseport",
        number: 21,
        context: Some(SK_REUSEPORT_CTX),
        packet_writable: false,
        legacy_packet_loads: false,
        max_packet_size: SKB_PACKET,
        helper_groups: BASE | REUSEPORT,
        return_range: None,
        verdicts: SK_VERDICTS,
    },
    ProgramType {
        name: "cgroup_sysctl",
        number: 23,
        context: Some(SYSCTL_CTX),
        packet_writable: false,
        legacy_packet_loads: false,
        max_packet_size: 0,
        helper_groups: BASE | CURRENT | SYSCTL | CGROUP_HOOK,
        return_range: ZERO_OR_ONE,
        verdicts: CGROUP_VERDICTS,
    },
    ProgramType {
        name: "cgroup_sockopt",
        number: 25,
        context: Some(SOCKOPT_CTX),
        packet_writable: true,
        legacy_packet_loads: false,
        max_packet_size: PAGE_PACKET,
        helper_groups: BASE | CURRENT | NETNS | CGROUP_HOOK,
        return_range: ZERO_OR_ONE,
        verdicts: CGROUP_VERDICTS,
    },
    ProgramType {
        name: "cgroup_device",
        number: 15,
        context: Some(CGROUP_DEVICE_CTX),
        packet_writable: false,
        legacy_packet_loads: false,
        max_packet_size: 0,
        helper_groups: BASE | CURRENT | CGROUP_HOOK,
        return_range: ZERO_OR_ONE,
        verdicts: CGROUP_VERDICTS,
    },
    ProgramType {
        name: "lirc_mode2",
        number: 20,
        context: Some(LIRC_CTX),
        packet_writable: false,
        legacy_packet_loads: false,
        max_packet_size: 0,
        helper_groups: BASE | LIRC,
        return_range: None,
        verdicts: &[],
    },
    ProgramType {
        name: "raw_tracepoint_writable",
        number: 24,
        context: Some(RAW_TRACEPOINT_CTX),
        packet_writable: false,
        legacy_packet_loads: false,
        max_packet_size: 0,
        helper_groups: BASE | TRACING | EVENTS | CURRENT,
        return_range: None,
        verdicts: &[],
    },
    // Types whose context this description does not model (BTF-described, or not yet
    // written down): known by number only.
    by_number("flow_dissector", 22, FLOW_DISSECTOR_VERDICTS),
    ProgramType {
        name: "tracing",
        number: 26,
        context: Some(BTF_ARGS_CTX),
        packet_writable: false,
        legacy_packet_loads: false,
        max_packet_size: 0,
        helper_groups: BASE | TRACING | EVENTS | CURRENT,
        return_range: None,
        verdicts: &[],
    },
    by_number("struct_ops", 27, &[]),
    by_number("ext", 28, &[]),
    ProgramType {
        name: "lsm",
        number: 29,
        context: Some(BTF_ARGS_CTX),
        packet_writable: false,
        legacy_packet_loads: false,
        max_packet_size: 0,
        helper_groups: BASE | TRACING | EVENTS | CURRENT,
        return_range: None,
        verdicts: &[],
    },
    by_number("sk_lookup", 30, SK_VERDICTS),
    by_number("syscall", 31, &[]),
    by_number("netfilter", 32, NETFILTER_VERDICTS),
];

/// A program type known by number only: no context, so it cannot be verified.
const fn by_number(name: &'static str, number: u32, verdicts: &'static [Verdict]) -> ProgramType {
    ProgramType {
        name,
        number,
        context: None,
        packet_writable: false,
        legacy_packet_loads: false,
        max_packet_size: 0,
        helper_groups: 0,
        return_range: None,
        verdicts,
    }
}

/// A socket filter returns how many bytes of the packet to keep: 0 drops it.
const SOCKET_FILTER_VERDICTS: &[Verdict] = &[verdict("DROP", 0)];

/// `enum xdp_action`.
const XDP_VERDICTS: &[Verdict] = &[
    verdict("XDP_ABORTED", 0),
    verdict("XDP_DROP", 1),
    verdict("XDP_PASS", 2),
    verdict("XDP_TX", 3),
    verdict("XDP_REDIRECT", 4),
];

/// `TC_ACT_*` (`include/uapi/linux/pkt_cls.h`).
const TC_VERDICTS: &[Verdict] = &[
    verdict("TC_ACT_UNSPEC", -1),
    verdict("TC_ACT_OK", 0),
    verdict("TC_ACT_RECLASSIFY", 1),
    verdict("TC_ACT_SHOT", 2),
    verdict("TC_ACT_PIPE", 3),
    verdict("TC_ACT_STOLEN", 4),
    verdict("TC_ACT_QUEUED", 5),
    verdict("TC_ACT_REPEAT", 6),
    verdict("TC_ACT_REDIRECT", 7),
    verdict("TC_ACT_TRAP", 8),
];

/// The cgroup hooks: 0 rejects the operation, 1 allows it (the UAPI names no constants).
const CGROUP_VERDICTS: &[Verdict] = &[verdict("REJECT", 0), verdict("ALLOW", 1)];

/// `enum bpf_ret_code` for the lwt hooks.
const LWT_VERDICTS: &[Verdict] = &[
    verdict("BPF_OK", 0),
    verdict("BPF_DROP", 2),
    verdict("BPF_REDIRECT", 7),
];

/// `enum bpf_ret_code` for lwt_in and lwt_xmit, which may also reroute.
const LWT_REROUTE_VERDICTS: &[Verdict] = &[
    verdict("BPF_OK", 0),
    verdict("BPF_DROP", 2),
    verdict("BPF_REDIRECT", 7),
    verdict("BPF_LWT_REROUTE", 128),
];

/// `enum bpf_ret_code` for the flow dissector.
const FLOW_DISSECTOR_VERDICTS: &[Verdict] = &[
    verdict("BPF_OK", 0),
    verdict("BPF_DROP", 2),
    verdict("BPF_FLOW_DISSECTOR_CONTINUE", 129),
];

/// `enum sk_action` (sk_skb, sk_msg, sk_reuseport, sk_lookup).
const SK_VERDICTS: &[Verdict] = &[verdict("SK_DROP", 0), verdict("SK_PASS", 1)];

/// Netfilter verdicts (`NF_DROP`, `NF_ACCEPT`), the only two a program may return.
const NETFILTER_VERDICTS: &[Verdict] = &[verdict("NF_DROP", 0), verdict("NF_ACCEPT", 1)];
