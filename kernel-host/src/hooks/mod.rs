//! Hooks: the attach points that turn an event into program invocations and a verdict.
//!
//! A hook (one per attach type of the host's platform) holds the programs attached to it, in
//! attach order, with their attach parameters. The event's source (a NIC driver, a socket
//! layer, an embedding host) builds a [`Context`] for the hook's program type and calls
//! [`Hook::run`]; the hook runs its programs on it and the hook family's own rules turn their
//! return values into a verdict.
//!
//! # The framework
//!
//! - [`HookSpec`]: what a hook family declares for each attach type it serves: the platform,
//!   the attach type's name, the program type it takes and its [`Capability`]. Each family's
//!   file has a `SPECS` table; [`spec`] looks an attach type up in all of them.
//! - [`Host::attach`](crate::Host::attach)`(program, attach_type, parameter)` attaches a program
//!   and returns a [`Link`]: [`Link::detach`], [`Link::replace`] (atomic: an invocation runs the
//!   old program or the new one), [`Link::info`]. Dropping the last handle of a link detaches
//!   it (as closing a Linux `bpf_link`); a pinned link stays attached.
//! - [`Host::hook`](crate::Host::hook)`(attach_type)` gives the attach point: a [`Hook`] whose
//!   [`Hook::run`]`(batch, parameter, ctx, each)` invokes the programs for one event and calls
//!   `each(program, r0, ctx)` after each one; `each` returns [`Flow::Stop`] to end the run early.
//!   The families wrap it into typed calls ([`xdp::XdpHook`], [`skb::SkbHook`]).
//!
//! # Rules every hook keeps
//!
//! - **Attach parameter**: a `u64` (the interface index for XDP and tc, the compartment id for
//!   socket hooks); [`WILDCARD`] (0, eBPF for Windows' `UNSPECIFIED_COMPARTMENT_ID`, and never
//!   a valid interface index) matches every event. An event with parameter `p` runs the
//!   programs attached with `p`, in attach order, then the wildcard ones, in attach order
//!   (eBPF for Windows runs compartment-specific programs before wildcard ones).
//! - **Capacity**: at most [`MAX_PROGRAMS`] programs run for one event: attaching is refused
//!   when the programs attached with that parameter plus the wildcard ones would exceed 16
//!   (for a wildcard attach, with the parameter that has the most).
//! - **[`Capability`]**: a [`Capability::Single`] hook takes one program in all; a
//!   [`Capability::SinglePerParameter`] hook one per parameter and one wildcard; a second is
//!   refused ([`ObjectErrorKind::SingleAttach`]).
//! - **Program type**: a hook takes programs of its spec's program type only.
//! - **Attach type**: where the program type's context depends on the attach type
//!   ([`Platform::has_attach_contexts`]), a program verified for an attach type (its section's)
//!   attaches only at that attach type's hook ([`ObjectErrorKind::WrongAttachType`]), as Linux
//!   checks `expected_attach_type`; one verified for none attaches at any hook of its type.
//! - **Concurrency**: attach, detach and replace may run while other threads invoke. The hook
//!   publishes a new immutable program list through an [`RcuSlots`]; an invocation loads the
//!   list once under its batch's epoch guard and runs exactly that list, so it sees the old
//!   list or the new one, never a mix. A replaced list (and the programs only it held) is
//!   retired through the epoch: nothing an invocation uses is freed before it ends.
//! - **No programs**: [`Hook::run`] returns 0 programs run; the family applies its default
//!   verdict (eBPF for Windows' hooks permit).
//!
//! # Writing a family
//!
//! A family file declares `pub(crate) const SPECS: &[HookSpec]` (listed in [`spec`]'s table
//! here) and a typed wrapper that builds the context from its event, calls [`Hook::run`] with
//! its stop rule and folds the return values into its verdict type. Data the family's helpers
//! need beyond the context structure (a process id for an implicit-context helper, a network
//! context, a redirect context they leave behind) travels in the context's
//! [`EventData`](crate::context::EventData) ([`Context::set_event`]); a helper reads it as
//! `call.frame.event` and can tell the program type by `call.program.program_type()`.

pub mod bind;
pub mod skb;
pub mod sock;
pub mod sock_addr;
pub mod sock_ops;
pub mod xdp;

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use ebpf_platform::{AttachType, Platform, ProgramType};

use crate::context::{Context, ContextError};
use crate::epoch::Epoch;
use crate::host::Shared;
use crate::invoke::{Batch, InvokeError};
use crate::object::{ObjectError, ObjectErrorKind};
use crate::program::Program;
use crate::sys::lock::SpinLock;
use crate::sys::rcu::RcuSlots;

pub use crate::object::{Link, LinkInfo};

/// The attach parameter that matches every event.
pub const WILDCARD: u64 = 0;

/// The most programs one event runs on a hook (eBPF for Windows'
/// `NET_EBPF_EXT_MAX_CLIENTS_PER_HOOK_MULTI_ATTACH`).
pub const MAX_PROGRAMS: usize = 16;

/// How many programs a hook takes (eBPF for Windows' hook attach capabilities).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Capability {
    /// Up to [`MAX_PROGRAMS`] per event, specific and wildcard.
    Multi,
    /// One program in all.
    Single,
    /// One program per attach parameter, and one wildcard.
    SinglePerParameter,
}

/// What a hook family declares for one attach type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HookSpec {
    /// The platform's name (`linux`, `windows`).
    pub platform: &'static str,
    /// The attach type's name ([`AttachType::name`]).
    pub attach_type: &'static str,
    /// The program type the hook runs ([`ProgramType::name`]).
    pub program_type: &'static str,
    /// How many programs it takes.
    pub capability: Capability,
}

/// The spec tables of every family.
const FAMILIES: &[&[HookSpec]] = &[
    xdp::SPECS,
    skb::SPECS,
    bind::SPECS,
    sock_addr::SPECS,
    sock_ops::SPECS,
];

/// The spec of `attach_type` on `platform`, if a family serves it.
pub fn spec(platform: &Platform, attach_type: &str) -> Option<&'static HookSpec> {
    FAMILIES
        .iter()
        .flat_map(|f| f.iter())
        .find(|s| s.platform == platform.name && s.attach_type == attach_type)
}

/// The attach types of `platform` this host has hooks for.
pub fn attach_types(platform: &Platform) -> impl Iterator<Item = &'static str> + '_ {
    FAMILIES
        .iter()
        .flat_map(|f| f.iter())
        .filter(move |s| s.platform == platform.name)
        .map(|s| s.attach_type)
}

/// Whether a run goes on after a program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Run the next program.
    Continue,
    /// End the run here.
    Stop,
}

/// One attached program in a published list.
#[derive(Debug)]
struct Attached {
    parameter: u64,
    program: Arc<Program>,
}

/// The programs of a hook as one invocation sees them, in attach order (immutable once
/// published).
#[derive(Debug)]
struct ProgramList {
    entries: Vec<Attached>,
}

/// An attach point's state, shared by the host's registry, its links and [`Hook`] handles.
pub(crate) struct HookState {
    spec: &'static HookSpec,
    attach_type: &'static AttachType,
    program_type: &'static ProgramType,
    epoch: Arc<Epoch>,
    /// Slot 0: the published list (`None` when no program is attached).
    published: RcuSlots<ProgramList>,
    /// The writers' copy: (link, parameter, program) in attach order. Its lock serialises
    /// writers (`RcuSlots`' rule).
    writer: SpinLock<Vec<(u32, u64, Arc<Program>)>>,
}

impl fmt::Debug for HookState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HookState")
            .field("attach_type", &self.attach_type.name)
            .field("program_type", &self.program_type.name)
            .finish_non_exhaustive()
    }
}

impl HookState {
    /// The hook of `attach_type` for the host behind `shared`.
    pub(crate) fn new(shared: &Shared, attach_type: &str) -> Result<HookState, ObjectError> {
        let no_hook = || {
            ObjectError::new(ObjectErrorKind::NoHook {
                attach_type: alloc::string::String::from(attach_type),
            })
        };
        let spec = spec(shared.platform, attach_type).ok_or_else(no_hook)?;
        let at = shared.platform.attach_type(spec.attach_type);
        let at = at.or_else(|| extra_attach_type(spec.attach_type));
        let program_type = shared.platform.program_type(spec.program_type);
        let (Some(at), Some(program_type)) = (at, program_type) else {
            return Err(no_hook());
        };
        let published = RcuSlots::new(shared.epoch.clone(), 1)
            .ok_or_else(|| ObjectError::new(ObjectErrorKind::NoMemory))?;
        Ok(HookState {
            spec,
            attach_type: at,
            program_type,
            epoch: shared.epoch.clone(),
            published,
            writer: SpinLock::new(Vec::new()),
        })
    }

    pub(crate) fn attach_type(&self) -> &'static AttachType {
        self.attach_type
    }

    /// Checks `program` may run here: its program type is the hook's, and where that type's
    /// context depends on the attach type, it was verified for this hook's attach type or for
    /// none (the type's common context, valid at every hook of the type).
    fn check_type(&self, program: &Program) -> Result<(), ObjectError> {
        if !core::ptr::eq(program.program_type(), self.program_type) {
            return Err(ObjectError::new(ObjectErrorKind::WrongProgramType {
                attach_type: self.attach_type.name,
                expected: self.program_type.name,
                got: program.program_type().name,
            }));
        }
        let platform = program.shared.platform;
        match program.attach_type() {
            Some(verified_for)
                if verified_for != self.attach_type.name
                    && platform.has_attach_contexts(self.program_type.name) =>
            {
                Err(ObjectError::new(ObjectErrorKind::WrongAttachType {
                    attach_type: self.attach_type.name,
                    verified_for,
                }))
            }
            _ => Ok(()),
        }
    }

    /// Adds `program` as link `link` with `parameter`, after the capacity and capability checks.
    pub(crate) fn attach(
        &self,
        link: u32,
        parameter: u64,
        program: &Arc<Program>,
    ) -> Result<(), ObjectError> {
        self.check_type(program)?;
        let mut entries = self.writer.lock();
        let count = |p: u64| entries.iter().filter(|e| e.1 == p).count();
        let wildcards = count(WILDCARD);
        let single = match self.spec.capability {
            Capability::Multi => false,
            Capability::Single => !entries.is_empty(),
            Capability::SinglePerParameter => count(parameter) > 0,
        };
        if single {
            return Err(ObjectError::new(ObjectErrorKind::SingleAttach {
                attach_type: self.attach_type.name,
                parameter,
            }));
        }
        let busiest = if parameter == WILDCARD {
            let specific = entries.iter().filter(|e| e.1 != WILDCARD);
            specific.map(|e| count(e.1)).max().unwrap_or(0) + wildcards
        } else {
            count(parameter) + wildcards
        };
        if busiest >= MAX_PROGRAMS {
            return Err(ObjectError::new(ObjectErrorKind::HookFull {
                attach_type: self.attach_type.name,
                limit: MAX_PROGRAMS,
            }));
        }
        entries.push((link, parameter, program.clone()));
        self.publish(&entries);
        Ok(())
    }

    /// Removes link `link`; false when it is not attached.
    pub(crate) fn detach(&self, link: u32) -> bool {
        let mut entries = self.writer.lock();
        let Some(at) = entries.iter().position(|e| e.0 == link) else {
            return false;
        };
        entries.remove(at);
        self.publish(&entries);
        true
    }

    /// Puts `program` in place of link `link`'s program; false when it is not attached.
    pub(crate) fn replace(&self, link: u32, program: &Arc<Program>) -> Result<bool, ObjectError> {
        self.check_type(program)?;
        let mut entries = self.writer.lock();
        let Some(entry) = entries.iter_mut().find(|e| e.0 == link) else {
            return Ok(false);
        };
        entry.2 = program.clone();
        self.publish(&entries);
        Ok(true)
    }

    /// Publishes a new list built from the writers' copy; the old one is retired.
    fn publish(&self, entries: &[(u32, u64, Arc<Program>)]) {
        let list = (!entries.is_empty()).then(|| {
            Box::new(ProgramList {
                entries: entries
                    .iter()
                    .map(|(_, parameter, program)| Attached {
                        parameter: *parameter,
                        program: program.clone(),
                    })
                    .collect(),
            })
        });
        let guard = self.epoch.pin();
        self.published.replace(0, list, &guard);
    }

    /// The links attached, in attach order: (link id, parameter, program id).
    fn links(&self) -> Vec<(u32, u64, u32)> {
        let entries = self.writer.lock();
        entries.iter().map(|e| (e.0, e.1, e.2.id())).collect()
    }
}

/// Attach points some platforms attach without a `bpf_attach_type`: Linux socket filters
/// (`setsockopt(SO_ATTACH_BPF)`) are named `socket_filter` here, with number `u32::MAX`.
fn extra_attach_type(name: &str) -> Option<&'static AttachType> {
    (name == skb::SOCKET_FILTER.name).then_some(&skb::SOCKET_FILTER)
}

/// An attach point of a host (a cheap handle: clone it freely).
#[derive(Clone)]
pub struct Hook {
    shared: Arc<Shared>,
    state: Arc<HookState>,
}

impl fmt::Debug for Hook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hook")
            .field("attach_type", &self.state.attach_type.name)
            .finish_non_exhaustive()
    }
}

impl Hook {
    pub(crate) fn new(shared: Arc<Shared>, state: Arc<HookState>) -> Hook {
        Hook { shared, state }
    }

    /// The attach type.
    pub fn attach_type(&self) -> &'static AttachType {
        self.state.attach_type
    }

    /// The program type it runs.
    pub fn program_type(&self) -> &'static ProgramType {
        self.state.program_type
    }

    /// Its spec.
    pub fn spec(&self) -> &'static HookSpec {
        self.state.spec
    }

    /// The links attached now, in attach order: (link id, attach parameter, program id).
    pub fn links(&self) -> Vec<(u32, u64, u32)> {
        self.state.links()
    }

    /// A fresh context of the hook's program type.
    pub fn new_context(&self) -> Result<Context, crate::ContextError> {
        Context::new(self.state.program_type)
    }

    /// Enters the epoch for a batch of runs on this hook's host.
    pub fn batch(&self) -> Batch<'_> {
        Batch::new(&self.shared)
    }

    /// Runs the programs attached for an event with `parameter` on `ctx`: first those attached
    /// with `parameter` (unless it is [`WILDCARD`]), then the wildcard ones, each in attach
    /// order, all from the one program list published when the run began. After each program
    /// `each(program, r0, ctx)` decides whether the run goes on. Returns how many programs ran.
    ///
    /// `batch` must be a batch of this hook's host; `ctx` of its program type.
    pub fn run(
        &self,
        batch: &mut Batch<'_>,
        parameter: u64,
        ctx: &mut Context,
        mut each: impl FnMut(&Program, u64, &mut Context) -> Flow,
    ) -> Result<usize, InvokeError> {
        let mut runner = batch.runner();
        let guard = runner.guard();
        let Some(list) = self.state.published.load(0, guard) else {
            return Ok(0);
        };
        let mut ran = 0;
        let specific = list
            .entries
            .iter()
            .filter(|e| parameter != WILDCARD && e.parameter == parameter);
        let wildcard = list.entries.iter().filter(|e| e.parameter == WILDCARD);
        for entry in specific.chain(wildcard) {
            let r0 = runner.invoke(&entry.program, ctx)?;
            ran += 1;
            if each(&entry.program, r0, ctx) == Flow::Stop {
                break;
            }
        }
        Ok(ran)
    }
}

/// Why a family's run failed (the context could not be built, or an invocation failed).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HookError {
    /// The context could not be built.
    Context(ContextError),
    /// A program's invocation failed.
    Invoke(InvokeError),
}

impl core::fmt::Display for HookError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            HookError::Context(e) => write!(f, "building the context: {e}"),
            HookError::Invoke(e) => write!(f, "{e}"),
        }
    }
}

impl core::error::Error for HookError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_name_real_attach_and_program_types() {
        for platform in ebpf_platform::PLATFORMS {
            for name in attach_types(platform) {
                let s = spec(platform, name).unwrap();
                let known = platform
                    .attach_type(name)
                    .or_else(|| extra_attach_type(name));
                assert!(known.is_some(), "{}: {name}", platform.name);
                assert!(platform.program_type(s.program_type).is_some(), "{name}");
            }
        }
        assert!(spec(&ebpf_platform::WINDOWS, "xdp").is_some());
        assert!(spec(&ebpf_platform::LINUX, "cgroup_sysctl").is_none());
    }
}
