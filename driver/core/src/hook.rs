//! The hook invoke entry points' work: what a driver's hook provider calls with an event.
//!
//! - XDP: a packet arriving on an interface runs the programs attached to the context's `xdp`
//!   hook for that interface (and the wildcard ones) through kernel-host's
//!   [`XdpHook`]; the packet as they left it and the combined verdict go back. No program
//!   attached: pass.
//! - Bind: a socket's bind request runs the program attached to the `bind` hook (eBPF for
//!   Windows' legacy bind hook: one program, no attach parameter) through kernel-host's
//!   [`BindHook`]; its `bind_action_t` goes back (any value other than 0, 2 and 3 denies;
//!   unbinds are always permitted). No program attached: permit.
//!
//! A batch caches one context per hook, reused across its invocations.

use ebpf_kernel_host::hooks::bind::{BindEvent, BindHook, BindVerdict};
use ebpf_kernel_host::hooks::xdp::{XdpAction, XdpHook};
use ebpf_kernel_host::{Batch, Context};

/// Why an invocation did not run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HookError {
    /// The event does not fit the context (a packet too large, a field out of range).
    BadEvent,
    /// The program faulted or ran out of its instruction bound.
    Failed,
    /// The output buffer is too small for the packet the programs left.
    OutputTooSmall {
        /// The packet's length.
        need: usize,
    },
}

/// The contexts a batch reuses, one per hook.
#[derive(Debug, Default)]
pub(crate) struct Contexts {
    xdp: Option<Context>,
    bind: Option<Context>,
}

fn context(
    slot: &mut Option<Context>,
    make: impl FnOnce() -> Option<Context>,
) -> Result<&mut Context, HookError> {
    if slot.is_none() {
        *slot = Some(make().ok_or(HookError::BadEvent)?);
    }
    slot.as_mut().ok_or(HookError::BadEvent)
}

/// eBPF for Windows' `xdp_action_t` value of `action` (`XDP_PASS` 1, `XDP_DROP` 2, `XDP_TX` 3;
/// the Windows hook folds anything else into a drop).
fn xdp_code(action: XdpAction) -> u32 {
    match action {
        XdpAction::Pass => 1,
        XdpAction::Tx => 3,
        XdpAction::Drop | XdpAction::Aborted | XdpAction::Redirect => 2,
    }
}

/// Runs the XDP programs attached for `ifindex` on `packet`; writes the packet they leave into
/// `out` and returns `(verdict, length)`.
pub(crate) fn xdp(
    hook: &XdpHook,
    batch: &mut Batch<'_>,
    contexts: &mut Contexts,
    ifindex: u32,
    packet: &[u8],
    out: &mut [u8],
) -> Result<(u32, usize), HookError> {
    let ctx = context(&mut contexts.xdp, || hook.new_context().ok())?;
    ctx.set_packet(packet).map_err(|_| HookError::BadEvent)?;
    let outcome = hook.run(batch, ifindex, ctx).map_err(|e| {
        crate::os::trace(&alloc::format!("ebpf-driver: xdp: {e}"));
        HookError::Failed
    })?;
    let data = ctx.packet().map_or(&[][..], |p| p.data());
    let dst = out
        .get_mut(..data.len())
        .ok_or(HookError::OutputTooSmall { need: data.len() })?;
    dst.copy_from_slice(data);
    Ok((xdp_code(outcome.action), data.len()))
}

/// Runs the bind program for `event`; returns its `bind_action_t` (`BIND_PERMIT_SOFT` 0,
/// `BIND_DENY` 1, `BIND_REDIRECT` 2, `BIND_PERMIT_HARD` 3; unbinds are always permitted).
pub(crate) fn bind(
    hook: &BindHook,
    batch: &mut Batch<'_>,
    contexts: &mut Contexts,
    event: &BindEvent,
) -> Result<u32, HookError> {
    let ctx = context(&mut contexts.bind, || hook.new_context().ok())?;
    let outcome = hook.run(batch, ctx, event).map_err(|e| {
        crate::os::trace(&alloc::format!("ebpf-driver: bind: {e}"));
        HookError::Failed
    })?;
    Ok(match outcome.verdict {
        BindVerdict::PermitSoft => 0,
        BindVerdict::Deny => 1,
        BindVerdict::Redirect => 2,
        BindVerdict::PermitHard => 3,
    })
}
