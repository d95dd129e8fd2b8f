//! Program and attach types from ELF section names, following libbpf's `SEC()` conventions and
//! eBPF for Windows' (`bind`, `cgroup/connect4`, `cgroup/recv_accept4`, ...).
//!
//! Matching is by longest known prefix, as historical loaders did (`xdp_prog` is XDP,
//! `socket_filter` is a socket filter); a prefix ending in `/` carries the attach target after it
//! (`kprobe/sys_write` targets `sys_write`). Names matching nothing are [`ProgramType::Unknown`].

use alloc::string::String;
use core::fmt;

/// The program type: which hook runs the program and so which context and helpers it gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProgramType {
    /// The section name matches no known convention.
    Unknown,
    /// `socket`: socket filter.
    SocketFilter,
    /// `kprobe/`, `kretprobe/`, `uprobe/`, `uretprobe/`, `ksyscall/`.
    Kprobe,
    /// `tc`, `classifier`, `tcx/`: traffic-control classifier.
    SchedCls,
    /// `action`: traffic-control action.
    SchedAct,
    /// `tracepoint/`, `tp/`.
    Tracepoint,
    /// `xdp`.
    Xdp,
    /// `perf_event`.
    PerfEvent,
    /// `cgroup/skb`, `cgroup_skb/`.
    CgroupSkb,
    /// `cgroup/sock`, `cgroup/post_bind4`, ...
    CgroupSock,
    /// `lwt_in`.
    LwtIn,
    /// `lwt_out`.
    LwtOut,
    /// `lwt_xmit`.
    LwtXmit,
    /// `lwt_seg6local`.
    LwtSeg6local,
    /// `sockops`.
    SockOps,
    /// `sk_skb`.
    SkSkb,
    /// `cgroup/dev`.
    CgroupDevice,
    /// `sk_msg`.
    SkMsg,
    /// `raw_tracepoint/`, `raw_tp/`.
    RawTracepoint,
    /// `cgroup/connect4`, `cgroup/bind4`, `cgroup/recv_accept4` (Windows), ...
    CgroupSockAddr,
    /// `lirc_mode2`.
    LircMode2,
    /// `sk_reuseport`.
    SkReuseport,
    /// `flow_dissector`.
    FlowDissector,
    /// `cgroup/sysctl`.
    CgroupSysctl,
    /// `raw_tracepoint.w/`.
    RawTracepointWritable,
    /// `cgroup/getsockopt`, `cgroup/setsockopt`.
    CgroupSockopt,
    /// `fentry/`, `fexit/`, `fmod_ret/`, `tp_btf/`, `iter/`.
    Tracing,
    /// `struct_ops`.
    StructOps,
    /// `freplace/`.
    Extension,
    /// `lsm/`.
    Lsm,
    /// `sk_lookup`.
    SkLookup,
    /// `syscall`.
    Syscall,
    /// `netfilter`.
    Netfilter,
    /// `bind`: eBPF for Windows' bind hook.
    Bind,
}

impl ProgramType {
    /// A short lowercase name (`xdp`, `kprobe`, `cgroup_sock_addr`, `unknown`).
    pub fn name(self) -> &'static str {
        match self {
            ProgramType::Unknown => "unknown",
            ProgramType::SocketFilter => "socket_filter",
            ProgramType::Kprobe => "kprobe",
            ProgramType::SchedCls => "sched_cls",
            ProgramType::SchedAct => "sched_act",
            ProgramType::Tracepoint => "tracepoint",
            ProgramType::Xdp => "xdp",
            ProgramType::PerfEvent => "perf_event",
            ProgramType::CgroupSkb => "cgroup_skb",
            ProgramType::CgroupSock => "cgroup_sock",
            ProgramType::LwtIn => "lwt_in",
            ProgramType::LwtOut => "lwt_out",
            ProgramType::LwtXmit => "lwt_xmit",
            ProgramType::LwtSeg6local => "lwt_seg6local",
            ProgramType::SockOps => "sock_ops",
            ProgramType::SkSkb => "sk_skb",
            ProgramType::CgroupDevice => "cgroup_device",
            ProgramType::SkMsg => "sk_msg",
            ProgramType::RawTracepoint => "raw_tracepoint",
            ProgramType::CgroupSockAddr => "cgroup_sock_addr",
            ProgramType::LircMode2 => "lirc_mode2",
            ProgramType::SkReuseport => "sk_reuseport",
            ProgramType::FlowDissector => "flow_dissector",
            ProgramType::CgroupSysctl => "cgroup_sysctl",
            ProgramType::RawTracepointWritable => "raw_tracepoint_writable",
            ProgramType::CgroupSockopt => "cgroup_sockopt",
            ProgramType::Tracing => "tracing",
            ProgramType::StructOps => "struct_ops",
            ProgramType::Extension => "extension",
            ProgramType::Lsm => "lsm",
            ProgramType::SkLookup => "sk_lookup",
            ProgramType::Syscall => "syscall",
            ProgramType::Netfilter => "netfilter",
            ProgramType::Bind => "bind",
        }
    }
}

impl fmt::Display for ProgramType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where in its hook a program attaches, when the section name says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AttachType {
    /// Function entry probe (`kprobe/`, `uprobe/`).
    Probe,
    /// Function return probe (`kretprobe/`, `uretprobe/`).
    ReturnProbe,
    /// XDP.
    Xdp,
    /// XDP on a devmap entry (`xdp/devmap`).
    XdpDevmap,
    /// XDP on a cpumap entry (`xdp/cpumap`).
    XdpCpumap,
    /// tcx ingress.
    TcxIngress,
    /// tcx egress.
    TcxEgress,
    /// cgroup ingress (`cgroup_skb/ingress`).
    CgroupInetIngress,
    /// cgroup egress (`cgroup_skb/egress`).
    CgroupInetEgress,
    /// Socket creation (`cgroup/sock`, `cgroup/sock_create`).
    CgroupInetSockCreate,
    /// Socket release.
    CgroupInetSockRelease,
    /// After an IPv4 bind.
    CgroupInet4PostBind,
    /// After an IPv6 bind.
    CgroupInet6PostBind,
    /// sockops.
    CgroupSockOps,
    /// Device access.
    CgroupDevice,
    /// IPv4 bind.
    CgroupInet4Bind,
    /// IPv6 bind.
    CgroupInet6Bind,
    /// IPv4 connect.
    CgroupInet4Connect,
    /// IPv6 connect.
    CgroupInet6Connect,
    /// IPv4 receive/accept (eBPF for Windows).
    CgroupInet4RecvAccept,
    /// IPv6 receive/accept (eBPF for Windows).
    CgroupInet6RecvAccept,
    /// UDP sendmsg over IPv4.
    CgroupUdp4Sendmsg,
    /// UDP sendmsg over IPv6.
    CgroupUdp6Sendmsg,
    /// UDP recvmsg over IPv4.
    CgroupUdp4Recvmsg,
    /// UDP recvmsg over IPv6.
    CgroupUdp6Recvmsg,
    /// sysctl access.
    CgroupSysctl,
    /// getsockopt.
    CgroupGetsockopt,
    /// setsockopt.
    CgroupSetsockopt,
    /// sk_skb stream parser.
    SkSkbStreamParser,
    /// sk_skb stream verdict.
    SkSkbStreamVerdict,
    /// sk_msg verdict.
    SkMsgVerdict,
    /// Flow dissector.
    FlowDissector,
    /// BTF-enabled raw tracepoint (`tp_btf/`).
    TraceRawTp,
    /// fentry.
    TraceFentry,
    /// fexit.
    TraceFexit,
    /// fmod_ret.
    ModifyReturn,
    /// BPF iterator.
    TraceIter,
    /// LSM hook.
    LsmMac,
    /// sk_lookup.
    SkLookup,
    /// Windows bind hook.
    Bind,
}

/// What a section name says about its programs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SectionKind {
    /// The program type.
    pub program_type: ProgramType,
    /// The attach type, when the name implies one.
    pub attach_type: Option<AttachType>,
    /// What follows the convention's `/`: the probed function, the tracepoint, ...
    pub attach_target: Option<String>,
}

use AttachType as A;
use ProgramType as P;

/// `(prefix, program type, attach type)`. A prefix ending in `/` takes a target after it.
const TABLE: &[(&str, ProgramType, Option<AttachType>)] = &[
    ("socket", P::SocketFilter, None),
    ("sk_reuseport", P::SkReuseport, None),
    ("kprobe/", P::Kprobe, Some(A::Probe)),
    ("uprobe/", P::Kprobe, Some(A::Probe)),
    ("ksyscall/", P::Kprobe, Some(A::Probe)),
    ("kretprobe/", P::Kprobe, Some(A::ReturnProbe)),
    ("uretprobe/", P::Kprobe, Some(A::ReturnProbe)),
    ("kretsyscall/", P::Kprobe, Some(A::ReturnProbe)),
    ("tc", P::SchedCls, None),
    ("tcx/ingress", P::SchedCls, Some(A::TcxIngress)),
    ("tcx/egress", P::SchedCls, Some(A::TcxEgress)),
    ("classifier", P::SchedCls, None),
    ("action", P::SchedAct, None),
    ("tracepoint/", P::Tracepoint, None),
    ("tp/", P::Tracepoint, None),
    ("raw_tracepoint/", P::RawTracepoint, None),
    ("raw_tp/", P::RawTracepoint, None),
    ("raw_tracepoint.w/", P::RawTracepointWritable, None),
    ("raw_tp.w/", P::RawTracepointWritable, None),
    ("tp_btf/", P::Tracing, Some(A::TraceRawTp)),
    ("fentry/", P::Tracing, Some(A::TraceFentry)),
    ("fexit/", P::Tracing, Some(A::TraceFexit)),
    ("fmod_ret/", P::Tracing, Some(A::ModifyReturn)),
    ("iter/", P::Tracing, Some(A::TraceIter)),
    ("freplace/", P::Extension, None),
    ("lsm/", P::Lsm, Some(A::LsmMac)),
    ("struct_ops", P::StructOps, None),
    ("syscall", P::Syscall, None),
    ("xdp", P::Xdp, Some(A::Xdp)),
    ("xdp/devmap", P::Xdp, Some(A::XdpDevmap)),
    ("xdp/cpumap", P::Xdp, Some(A::XdpCpumap)),
    ("xdp.frags/devmap", P::Xdp, Some(A::XdpDevmap)),
    ("xdp.frags/cpumap", P::Xdp, Some(A::XdpCpumap)),
    ("perf_event", P::PerfEvent, None),
    ("lwt_in", P::LwtIn, None),
    ("lwt_out", P::LwtOut, None),
    ("lwt_xmit", P::LwtXmit, None),
    ("lwt_seg6local", P::LwtSeg6local, None),
    ("sockops", P::SockOps, Some(A::CgroupSockOps)),
    ("sk_skb", P::SkSkb, None),
    ("sk_skb/stream_parser", P::SkSkb, Some(A::SkSkbStreamParser)),
    (
        "sk_skb/stream_verdict",
        P::SkSkb,
        Some(A::SkSkbStreamVerdict),
    ),
    ("sk_msg", P::SkMsg, Some(A::SkMsgVerdict)),
    ("lirc_mode2", P::LircMode2, None),
    ("flow_dissector", P::FlowDissector, Some(A::FlowDissector)),
    ("sk_lookup", P::SkLookup, Some(A::SkLookup)),
    ("netfilter", P::Netfilter, None),
    (
        "cgroup_skb/ingress",
        P::CgroupSkb,
        Some(A::CgroupInetIngress),
    ),
    ("cgroup_skb/egress", P::CgroupSkb, Some(A::CgroupInetEgress)),
    ("cgroup/skb", P::CgroupSkb, None),
    ("cgroup/sock", P::CgroupSock, Some(A::CgroupInetSockCreate)),
    (
        "cgroup/sock_create",
        P::CgroupSock,
        Some(A::CgroupInetSockCreate),
    ),
    (
        "cgroup/sock_release",
        P::CgroupSock,
        Some(A::CgroupInetSockRelease),
    ),
    (
        "cgroup/post_bind4",
        P::CgroupSock,
        Some(A::CgroupInet4PostBind),
    ),
    (
        "cgroup/post_bind6",
        P::CgroupSock,
        Some(A::CgroupInet6PostBind),
    ),
    ("cgroup/dev", P::CgroupDevice, Some(A::CgroupDevice)),
    ("cgroup/bind4", P::CgroupSockAddr, Some(A::CgroupInet4Bind)),
    ("cgroup/bind6", P::CgroupSockAddr, Some(A::CgroupInet6Bind)),
    (
        "cgroup/connect4",
        P::CgroupSockAddr,
        Some(A::CgroupInet4Connect),
    ),
    (
        "cgroup/connect6",
        P::CgroupSockAddr,
        Some(A::CgroupInet6Connect),
    ),
    (
        "cgroup/recv_accept4",
        P::CgroupSockAddr,
        Some(A::CgroupInet4RecvAccept),
    ),
    (
        "cgroup/recv_accept6",
        P::CgroupSockAddr,
        Some(A::CgroupInet6RecvAccept),
    ),
    (
        "cgroup/sendmsg4",
        P::CgroupSockAddr,
        Some(A::CgroupUdp4Sendmsg),
    ),
    (
        "cgroup/sendmsg6",
        P::CgroupSockAddr,
        Some(A::CgroupUdp6Sendmsg),
    ),
    (
        "cgroup/recvmsg4",
        P::CgroupSockAddr,
        Some(A::CgroupUdp4Recvmsg),
    ),
    (
        "cgroup/recvmsg6",
        P::CgroupSockAddr,
        Some(A::CgroupUdp6Recvmsg),
    ),
    ("cgroup/sysctl", P::CgroupSysctl, Some(A::CgroupSysctl)),
    (
        "cgroup/getsockopt",
        P::CgroupSockopt,
        Some(A::CgroupGetsockopt),
    ),
    (
        "cgroup/setsockopt",
        P::CgroupSockopt,
        Some(A::CgroupSetsockopt),
    ),
    ("bind", P::Bind, Some(A::Bind)),
];

/// Classifies a section name. Exact names and `name/...` always match their entry; other
/// prefixes match the longest entry (historical sloppy matching: `xdp_prog`, `socket1`).
pub fn classify(section: &str) -> SectionKind {
    let mut best: Option<&(&str, ProgramType, Option<AttachType>)> = None;
    for entry in TABLE {
        let longer = match best {
            Some(b) => entry.0.len() > b.0.len(),
            None => true,
        };
        if section.starts_with(entry.0) && longer {
            best = Some(entry);
        }
    }
    let Some(&(prefix, program_type, attach_type)) = best else {
        return SectionKind {
            program_type: P::Unknown,
            attach_type: None,
            attach_target: None,
        };
    };
    let rest = &section[prefix.len()..];
    let target = if prefix.ends_with('/') {
        rest
    } else {
        rest.strip_prefix('/').unwrap_or("")
    };
    let attach_target = (!target.is_empty()).then(|| String::from(target));
    SectionKind {
        program_type,
        attach_type,
        attach_target,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linux_and_windows_names() {
        let k = classify("kprobe/sys_write");
        assert_eq!(k.program_type, P::Kprobe);
        assert_eq!(k.attach_type, Some(A::Probe));
        assert_eq!(k.attach_target.as_deref(), Some("sys_write"));
        assert_eq!(classify("kretprobe/x").attach_type, Some(A::ReturnProbe));
        assert_eq!(classify("xdp").program_type, P::Xdp);
        assert_eq!(classify("xdp_prog/0").program_type, P::Xdp);
        assert_eq!(classify("socket_filter").program_type, P::SocketFilter);
        assert_eq!(classify("sockops").program_type, P::SockOps);
        assert_eq!(classify("classifier").program_type, P::SchedCls);
        assert_eq!(classify("tc").program_type, P::SchedCls);
        assert_eq!(classify("cgroup/skb").program_type, P::CgroupSkb);
        assert_eq!(classify("cgroup/sock").program_type, P::CgroupSock);
        let t = classify("tracepoint/syscalls/sys_enter_open");
        assert_eq!(t.program_type, P::Tracepoint);
        assert_eq!(t.attach_target.as_deref(), Some("syscalls/sys_enter_open"));
        assert_eq!(
            classify("raw_tracepoint/sched_switch").program_type,
            P::RawTracepoint
        );
        assert_eq!(classify("bind").program_type, P::Bind);
        let c = classify("cgroup/connect4");
        assert_eq!(
            (c.program_type, c.attach_type),
            (P::CgroupSockAddr, Some(A::CgroupInet4Connect))
        );
        assert_eq!(
            classify("cgroup/recv_accept6").attach_type,
            Some(A::CgroupInet6RecvAccept)
        );
        assert_eq!(classify("perf_event").program_type, P::PerfEvent);
        assert_eq!(
            classify("sk_skb/stream_parser").attach_type,
            Some(A::SkSkbStreamParser)
        );
    }

    #[test]
    fn unknown_names_are_explicit() {
        for name in ["2/1", "from-netdev", ".text", "test", "my_section"] {
            let k = classify(name);
            assert_eq!(k.program_type, P::Unknown, "{name}");
            assert_eq!(k.program_type.name(), "unknown");
        }
    }
}
