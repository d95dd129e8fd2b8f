//! One description of each eBPF host, as static data: [`LINUX`] and [`WINDOWS`] (eBPF for
//! Windows), both a [`Platform`]. The loader, the verifier, the command line and an execution
//! context all read it; nothing else numbers a program type, a map type or a helper.
//!
//! A [`Platform`] holds:
//! - its [`ProgramType`]s: number, [`ContextLayout`] (named [`Field`]s, packet pointer fields,
//!   readable and writable ranges, the [`HostContext`] behind 32-bit pointer fields), helper
//!   groups, return range and [`Verdict`]s;
//! - its [`AttachType`]s and the section-name conventions ([`SectionPrefix`], matched by longest
//!   prefix in [`Platform::section`]);
//! - its helper prototypes ([`HelperProto`], by [`HelperId`]);
//! - its [`MapType`]s (number, name, [`MapKind`]) and the layouts of the legacy `maps` section
//!   record ([`MapRecord`]).
//!
//! ```
//! let section = ebpf_platform::WINDOWS.section("cgroup/connect4").unwrap();
//! assert_eq!(section.program_type.name, "sock_addr");
//! assert_eq!(section.attach_type.unwrap().number, 3);
//! let bind = ebpf_platform::WINDOWS.program_type("bind").unwrap();
//! assert_eq!(bind.context.unwrap().size, 56);
//! ```
//!
//! Windows facts come from eBPF for Windows' headers (`include/ebpf_structs.h`,
//! `include/ebpf_nethooks.h`, `libs/execution_context/ebpf_general_helpers.c`); Linux facts from
//! the UAPI header `include/uapi/linux/bpf.h`.

#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(test)]
extern crate std;

pub mod builtin;
mod context;
mod helper;
mod linux;
mod map;
mod program;
mod socket;
#[cfg(test)]
mod tests;
mod windows;

pub use builtin::BUILTIN_IDS;
pub use context::{field, named, socket_field, ContextLayout, Field, FieldRange, HostContext};
pub use helper::{ArgKind, HelperId, HelperProto, RetKind, MAX_SIZE};
pub use map::{
    InnerMap, Lookup, MapInfo, MapKind, MapKinds, MapRecord, MapReq, MapType, BPF_F_RDONLY_PROG,
    BPF_F_WRONLY_PROG,
};
pub use program::{
    AttachContext, AttachType, PathConvention, ProgramType, Section, SectionPrefix, Verdict,
};
pub use socket::{SockField, SockKind, SockLayout, SOCK, SOCK_COMMON, TCP_SOCK};

/// Linux: the UAPI program, attach and map types, libbpf's section names, the kernel's context
/// structures and helper prototypes (x86-64 for `pt_regs`).
pub static LINUX: Platform = linux::PLATFORM;

/// eBPF for Windows: the `xdp`, `bind`, `sock_addr` and `sockops` hooks, the general helpers
/// and the hooks' own, its map type numbers and `ebpf_map_definition_in_file_t`.
pub static WINDOWS: Platform = windows::PLATFORM;

/// Every platform, by name.
pub static PLATFORMS: [&Platform; 2] = [&LINUX, &WINDOWS];

/// A host's description: what its programs may be and use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Platform {
    /// Name, e.g. `"linux"`.
    pub name: &'static str,
    /// Every program type.
    pub program_types: &'static [ProgramType],
    /// Every attach type.
    pub attach_types: &'static [AttachType],
    /// The section-name conventions.
    pub sections: &'static [SectionPrefix],
    /// File-name conventions ([`Platform::program_type_for_path`]), tried before the default
    /// for sections whose name implies no type.
    pub path_conventions: &'static [PathConvention],
    /// The program type of a section whose name implies none, if the platform has such a
    /// default.
    pub default_program_type: Option<&'static str>,
    /// Every helper the platform knows (for any program type).
    pub helpers: &'static [HelperProto],
    /// Every map type.
    pub map_types: &'static [MapType],
    /// The layouts of the legacy `maps` section record, largest first: a record of some size
    /// has the first layout whose [`MapRecord::min_size`] it reaches.
    pub map_records: &'static [MapRecord],
    /// Whether pointers may only be compared with 0 and with pointers into the same region
    /// (on for both platforms). A comparison with any other number discloses address bits: 64
    /// `jset`s of `r10` against powers of two rebuild the stack address in a register, which
    /// the program may then store or return. Hosts that do not mind can turn it off with
    /// `Platform { refuse_pointer_disclosure: false, ..LINUX }`.
    pub refuse_pointer_disclosure: bool,
    /// The contexts of program types whose fields depend on the attach type
    /// ([`Platform::context_at`]).
    pub attach_contexts: &'static [AttachContext],
}

impl Platform {
    /// The platform called `name` (`linux`, `windows`).
    pub fn by_name(name: &str) -> Option<&'static Platform> {
        PLATFORMS.iter().copied().find(|p| p.name == name)
    }

    /// The program type called `name`.
    pub fn program_type(&self, name: &str) -> Option<&'static ProgramType> {
        self.program_types.iter().find(|t| t.name == name)
    }

    /// The program type numbered `number`.
    pub fn program_type_numbered(&self, number: u32) -> Option<&'static ProgramType> {
        self.program_types.iter().find(|t| t.number == number)
    }

    /// The attach type called `name`.
    pub fn attach_type(&self, name: &str) -> Option<&'static AttachType> {
        self.attach_types.iter().find(|t| t.name == name)
    }

    /// Whether the context of programs of type `prog` depends on their attach type (the
    /// platform has [`AttachContext`]s for it).
    pub fn has_attach_contexts(&self, prog: &str) -> bool {
        self.attach_contexts.iter().any(|c| c.program_type == prog)
    }

    /// The context layout programs of type `prog` see when loaded for attach type `attach`:
    /// the [`AttachContext`] listing it when the type has any, the type's own
    /// [`ProgramType::context`] when it has none or `attach` is `None`. `None` when the type
    /// has no context, or has attach contexts of which none lists `attach` (a program of that
    /// type cannot be attached there).
    ///
    /// ```
    /// use ebpf_platform::LINUX;
    /// let connect6 = LINUX.program_type("cgroup_sock_addr").unwrap();
    /// let at = |a| LINUX.context_at(connect6, a).unwrap();
    /// let user_ip6 = connect6.context.unwrap().field("user_ip6").unwrap().offset as i64;
    /// assert!(!ebpf_platform::ContextLayout::covers(at(None).readable, user_ip6, user_ip6 + 4));
    /// let v6 = at(Some("cgroup_inet6_connect"));
    /// assert!(ebpf_platform::ContextLayout::covers(v6.readable, user_ip6, user_ip6 + 4));
    /// assert!(LINUX.context_at(connect6, Some("xdp")).is_none());
    /// ```
    pub fn context_at(
        &self,
        prog: &'static ProgramType,
        attach: Option<&str>,
    ) -> Option<&'static ContextLayout> {
        let Some(attach) = attach else {
            return prog.context.as_ref();
        };
        if !self.has_attach_contexts(prog.name) {
            return prog.context.as_ref();
        }
        self.attach_contexts
            .iter()
            .find(|c| c.program_type == prog.name && c.attach_types.contains(&attach))
            .map(|c| &c.context)
    }

    /// The program type of sections whose name implies none ([`default_program_type`]).
    ///
    /// [`default_program_type`]: Platform::default_program_type
    pub fn default_program_type(&self) -> Option<&'static ProgramType> {
        self.default_program_type
            .and_then(|name| self.program_type(name))
    }

    /// What the section called `name` holds: the longest [`SectionPrefix`] it starts with
    /// gives its program and attach type, as libbpf's and eBPF for Windows' loaders do
    /// (`xdp_prog` is XDP, `socket1` a socket filter). A prefix ending in `/` takes the rest of
    /// the name as the attach target; for other prefixes, a target follows a `/`
    /// (`sk_skb/x`). `None` when no prefix matches.
    pub fn section<'a>(&self, name: &'a str) -> Option<Section<'a>> {
        let best = self
            .sections
            .iter()
            .filter(|s| name.starts_with(s.prefix))
            .fold(None, |best: Option<&SectionPrefix>, s| match best {
                Some(b) if b.prefix.len() >= s.prefix.len() => Some(b),
                _ => Some(s),
            })?;
        let rest = &name[best.prefix.len()..];
        let target = if best.prefix.ends_with('/') {
            rest
        } else {
            rest.strip_prefix('/').unwrap_or("")
        };
        Some(Section {
            program_type: self.program_type(best.program_type)?,
            attach_type: best.attach_type.and_then(|a| self.attach_type(a)),
            target: (!target.is_empty()).then_some(target),
        })
    }

    /// The program type an object's path implies for its sections whose names imply none: the
    /// first [`PathConvention`] whose prefix the file name starts with (`bpf_xdp_dsr.o` is
    /// XDP on Linux, after Cilium's names). `None` when none matches.
    ///
    /// ```
    /// let t = ebpf_platform::LINUX.program_type_for_path("cilium/bpf_lxc.o").unwrap();
    /// assert_eq!(t.name, "sched_cls");
    /// assert!(ebpf_platform::LINUX.program_type_for_path("xdp_kern.o").is_none());
    /// ```
    pub fn program_type_for_path(&self, path: &str) -> Option<&'static ProgramType> {
        let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
        self.path_conventions
            .iter()
            .find(|c| name.starts_with(c.file_prefix))
            .and_then(|c| self.program_type(c.program_type))
    }

    /// The helper with `id`, whatever the program type.
    pub fn helper(&self, id: HelperId) -> Option<&'static HelperProto> {
        self.helpers.iter().find(|h| h.id == id)
    }

    /// The builtin called `symbol` (`memcpy`, `memmove`, `memset`, `memcmp`): the prototype,
    /// with its id in [`BUILTIN_IDS`], that a call of that undefined symbol is resolved to.
    pub fn builtin(&self, symbol: &str) -> Option<&'static HelperProto> {
        self.helpers
            .iter()
            .find(|h| h.id.is_builtin() && h.name == symbol)
    }

    /// The helper with `id` if a program of type `prog` may call it.
    pub fn helper_for(&self, id: HelperId, prog: &ProgramType) -> Option<&'static HelperProto> {
        self.helpers
            .iter()
            .find(|h| h.id == id && h.groups & prog.helper_groups != 0)
    }

    /// The map type numbered `number`.
    pub fn map_type(&self, number: u32) -> Option<&'static MapType> {
        self.map_types.iter().find(|t| t.number == number)
    }

    /// The map type called `name`.
    pub fn map_type_named(&self, name: &str) -> Option<&'static MapType> {
        self.map_types.iter().find(|t| t.name == name)
    }

    /// The layout of a legacy `maps` record of `size` bytes, `None` when it is smaller than
    /// every layout.
    pub fn map_record(&self, size: usize) -> Option<&'static MapRecord> {
        self.map_records
            .iter()
            .find(|r| size >= r.min_size as usize)
    }

    /// The smallest legacy `maps` record the platform reads.
    pub fn min_map_record(&self) -> u32 {
        self.map_records
            .iter()
            .map(|r| r.min_size)
            .min()
            .unwrap_or(0)
    }
}
