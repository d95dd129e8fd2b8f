//! The XDP hook, on both platforms: a packet arrives on an interface, the attached XDP
//! programs run on it and their return values become one [`XdpAction`].
//!
//! - eBPF for Windows (`xdp_md_t`: data, data_end, data_meta, ingress_ifindex; verdicts
//!   `XDP_PASS` 1, `XDP_DROP` 2, `XDP_TX` 3; `bpf_xdp_adjust_head` 65536 within the host's
//!   [`HEADROOM`](crate::context::HEADROOM)).
//! - Linux (`xdp_md`, its 32-bit pointers rewritten to the host's; `XDP_ABORTED` 0,
//!   `XDP_DROP` 1, `XDP_PASS` 2, `XDP_TX` 3, `XDP_REDIRECT` 4; `bpf_xdp_adjust_head`/`tail`/
//!   `meta`, `bpf_redirect` and `bpf_redirect_map` into a device map, reported as a
//!   [`Redirect`]).
//!
//! The attach parameter is the interface index; [`WILDCARD`](super::WILDCARD) programs run for
//! every interface, after the interface's own.
//!
//! # Several programs on one hook
//!
//! Neither eBPF for Windows nor Linux defines this (Linux attaches one XDP program per
//! interface; libxdp's dispatcher chains several). This host's rule, libxdp's default: the
//! programs run in order on the same packet (each sees the previous one's writes and head or
//! tail moves); `XDP_PASS` runs the next program; any other action ends the run and is the
//! hook's action. The action is `XDP_PASS` when every program passed or none is attached.
//! A return value that is no action of the platform is `XDP_ABORTED` on Linux (as the kernel
//! treats it) and `XDP_DROP` on Windows (which has no aborted action); `XDP_REDIRECT` without
//! a target recorded by a redirect helper is `XDP_ABORTED` (the kernel's redirect fails and
//! drops the packet).

use alloc::vec::Vec;

use super::{Capability, Flow, Hook, HookError, HookSpec};
use crate::context::{Context, ContextError, Redirect};
use crate::invoke::{Batch, InvokeError};
use crate::object::{ObjectError, ObjectErrorKind};
use crate::Host;

/// The XDP hooks this family serves.
pub(crate) const SPECS: &[HookSpec] = &[
    HookSpec {
        platform: "windows",
        attach_type: "xdp",
        program_type: "xdp",
        capability: Capability::Multi,
    },
    HookSpec {
        platform: "linux",
        attach_type: "xdp",
        program_type: "xdp",
        capability: Capability::Multi,
    },
];

/// What happens to the packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum XdpAction {
    /// Dropped as an error (Linux `XDP_ABORTED`).
    Aborted,
    /// Dropped.
    Drop,
    /// Passed up the stack.
    Pass,
    /// Sent back out of the interface it came in on.
    Tx,
    /// Sent to the [`Redirect`] target (Linux).
    Redirect,
}

impl XdpAction {
    /// The name as the platform's C headers spell it (`XDP_PASS`).
    pub fn name(self) -> &'static str {
        match self {
            XdpAction::Aborted => "XDP_ABORTED",
            XdpAction::Drop => "XDP_DROP",
            XdpAction::Pass => "XDP_PASS",
            XdpAction::Tx => "XDP_TX",
            XdpAction::Redirect => "XDP_REDIRECT",
        }
    }

    /// Whether the packet leaves the hook (passed, transmitted or redirected).
    pub fn forwards(self) -> bool {
        matches!(self, XdpAction::Pass | XdpAction::Tx | XdpAction::Redirect)
    }
}

/// The hook's result for one packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct XdpOutcome {
    /// The combined action.
    pub action: XdpAction,
    /// The return value of the program that decided (0 when none ran).
    pub retval: u64,
    /// How many programs ran.
    pub programs: usize,
    /// Where `XDP_REDIRECT` sends the packet.
    pub redirect: Option<Redirect>,
}

/// The XDP attach point of a host.
#[derive(Clone, Debug)]
pub struct XdpHook {
    hook: Hook,
    linux: bool,
    /// Where the structure holds `ingress_ifindex`.
    ifindex_at: usize,
}

impl XdpHook {
    /// The host's XDP hook.
    pub fn new(host: &Host) -> Result<XdpHook, ObjectError> {
        let hook = host.hook("xdp")?;
        let ifindex_at =
            Context::field_offset(hook.program_type(), "ingress_ifindex").ok_or_else(|| {
                ObjectError::new(ObjectErrorKind::NoHook {
                    attach_type: "xdp".into(),
                })
            })?;
        Ok(XdpHook {
            hook,
            linux: host.platform().name == "linux",
            ifindex_at,
        })
    }

    /// The underlying attach point.
    pub fn hook(&self) -> &Hook {
        &self.hook
    }

    /// A context for [`XdpHook::run`] (reuse it across packets).
    pub fn new_context(&self) -> Result<Context, ContextError> {
        self.hook.new_context()
    }

    /// The platform's action for a program's return value.
    pub fn action(&self, r0: u64) -> XdpAction {
        let r0 = r0 as u32;
        match (self.linux, r0) {
            (true, 0) => XdpAction::Aborted,
            (true, 1) | (false, 2) => XdpAction::Drop,
            (true, 2) | (false, 1) => XdpAction::Pass,
            (_, 3) => XdpAction::Tx,
            (true, 4) => XdpAction::Redirect,
            (true, _) => XdpAction::Aborted,
            (false, _) => XdpAction::Drop,
        }
    }

    /// Runs the programs attached for interface `ifindex` on the packet in `ctx` (set with
    /// [`Context::set_packet`]); the packet as the programs left it stays in `ctx`.
    pub fn run(
        &self,
        batch: &mut Batch<'_>,
        ifindex: u32,
        ctx: &mut Context,
    ) -> Result<XdpOutcome, InvokeError> {
        // Another type's context fails at the invocation.
        ctx.set_u32_at(self.ifindex_at, ifindex);
        let mut outcome = XdpOutcome {
            action: XdpAction::Pass,
            retval: 0,
            programs: 0,
            redirect: None,
        };
        outcome.programs = self
            .hook
            .run(batch, u64::from(ifindex), ctx, |_, r0, ctx| {
                let mut action = self.action(r0);
                outcome.retval = r0;
                outcome.redirect = None;
                if action == XdpAction::Redirect {
                    outcome.redirect = ctx.redirect();
                    if outcome.redirect.is_none() {
                        action = XdpAction::Aborted;
                    }
                }
                outcome.action = action;
                if action == XdpAction::Pass {
                    Flow::Continue
                } else {
                    Flow::Stop
                }
            })?;
        Ok(outcome)
    }

    /// Runs the hook once on `packet` from interface `ifindex` and replaces `packet` with
    /// what the programs left (a convenience: [`XdpHook::run`] with a reused context and a
    /// batch is the fast path).
    pub fn process(&self, ifindex: u32, packet: &mut Vec<u8>) -> Result<XdpOutcome, HookError> {
        let mut ctx = self.new_context().map_err(HookError::Context)?;
        ctx.set_packet(packet).map_err(HookError::Context)?;
        let mut batch = self.hook.batch();
        let outcome = self
            .run(&mut batch, ifindex, &mut ctx)
            .map_err(HookError::Invoke)?;
        drop(batch);
        packet.clear();
        if let Some(p) = ctx.packet() {
            packet.extend_from_slice(p.data());
        }
        Ok(outcome)
    }
}
