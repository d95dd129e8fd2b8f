//! Program types and where programs attach: [`ProgramType`] (number, context, helpers,
//! [`Verdict`]s), [`AttachType`], and the section-name conventions ([`SectionPrefix`]) that
//! give an ELF section its [`Section`] meaning.

use crate::context::ContextLayout;

/// A named return value of a hook (`XDP_PASS`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// The C constant's name.
    pub name: &'static str,
    /// Its value.
    pub value: i64,
}

/// Shorthand for verdict tables.
pub(crate) const fn verdict(name: &'static str, value: i64) -> Verdict {
    Verdict { name, value }
}

/// A program type: which hook runs the program, so which context and helpers it gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProgramType {
    /// Name, e.g. `"xdp"`: the `BPF_PROG_TYPE_*` name in lowercase without the prefix on
    /// Linux, the program-type descriptor's name on eBPF for Windows.
    pub name: &'static str,
    /// The platform's `bpf_prog_type` number.
    pub number: u32,
    /// The context layout, `None` for a type this description knows only by number (its
    /// context depends on BTF, as for tracing and LSM programs): such programs cannot be
    /// verified.
    pub context: Option<ContextLayout>,
    /// Whether the program may write packet bytes.
    pub packet_writable: bool,
    /// Whether legacy `ldabs`/`ldind` packet loads are allowed (with the context in `r6`).
    pub legacy_packet_loads: bool,
    /// The largest packet (bytes from `data` to `data_end`) a program of this type is run on,
    /// 0 when its context has no packet. The verifier proves memory safety for packets up to
    /// this size only, and its `Verified::max_packet_size` passes it on: an execution context
    /// must refuse to run the program on a larger one.
    pub max_packet_size: u32,
    /// Helper groups (platform-defined bits) available to the type: it may call the helpers
    /// whose [`groups`](crate::HelperProto::groups) share a bit with these.
    pub helper_groups: u32,
    /// Range `r0` must be in at exit, if the hook restricts it.
    pub return_range: Option<(i64, i64)>,
    /// The hook's named return values (empty when the hook names none).
    pub verdicts: &'static [Verdict],
}

impl ProgramType {
    /// The verdict named `name`.
    pub fn verdict(&self, name: &str) -> Option<&'static Verdict> {
        self.verdicts.iter().find(|v| v.name == name)
    }
}

/// An attach type: where in its hook a program attaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttachType {
    /// The `bpf_attach_type` name in lowercase without the `BPF_` (or `BPF_ATTACH_TYPE_`)
    /// prefix: `cgroup_inet4_connect`, `xdp`, `bind`.
    pub name: &'static str,
    /// The platform's `bpf_attach_type` number.
    pub number: u32,
}

/// A section-name convention: sections starting with `prefix` hold programs of
/// `program_type`, attached as `attach_type`. A prefix ending in `/` takes an attach target
/// after it (`kprobe/sys_write`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SectionPrefix {
    /// The prefix.
    pub prefix: &'static str,
    /// The [`ProgramType::name`].
    pub program_type: &'static str,
    /// The [`AttachType::name`], when the convention implies one.
    pub attach_type: Option<&'static str>,
}

/// Shorthand for section tables.
pub(crate) const fn sec(
    prefix: &'static str,
    program_type: &'static str,
    attach_type: Option<&'static str>,
) -> SectionPrefix {
    SectionPrefix {
        prefix,
        program_type,
        attach_type,
    }
}

/// What a section name means on a platform ([`Platform::section`](crate::Platform::section)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Section<'a> {
    /// The program type of its programs.
    pub program_type: &'static ProgramType,
    /// Their attach type, when the name implies one.
    pub attach_type: Option<&'static AttachType>,
    /// What follows the convention's `/`: the probed function, the tracepoint, ...
    pub target: Option<&'a str>,
}

/// A file-name convention: objects whose file name (the last component of their path) starts
/// with `file_prefix` hold programs of `program_type` wherever their section name implies no
/// type. Cilium names sections by tail-call slot (`2/1`, `from-netdev`) and its objects by
/// hook (`bpf_xdp*.o`, `bpf_lxc*.o`); PREVAIL types the ebpf-samples corpus this way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PathConvention {
    /// The start of the file name.
    pub file_prefix: &'static str,
    /// The [`ProgramType::name`].
    pub program_type: &'static str,
}

/// The context a program type's programs see at some of its attach types, where the platform
/// exposes context fields only at some attach points (Linux: `bpf_sock_addr.user_ip6` only at
/// the IPv6 hooks, `xdp_md.egress_ifindex` only in devmap programs, `bpf_sockopt.retval` only
/// at getsockopt). A program type with such entries is verified with the layout of the attach
/// type it is loaded for (Linux's `expected_attach_type`), or with its own
/// [`ProgramType::context`] when none is given, which offers only what every attach type
/// offers (or, where the platform implies an attach type when none is given, as Linux does for
/// cgroup_sock programs, that one's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttachContext {
    /// The [`ProgramType::name`].
    pub program_type: &'static str,
    /// The [`AttachType::name`]s where programs of the type see [`context`](Self::context).
    pub attach_types: &'static [&'static str],
    /// The layout at those attach types.
    pub context: ContextLayout,
}
