//! The hook invoke entry points' work: what a driver's hook provider calls with an event.
//!
//! - XDP: a packet arriving on an interface runs the programs attached to the context's `xdp`
//!   hook for that interface (and the wildcard ones) through kernel-host's
//!   [`XdpHook`]; the packet as they left it and the combined verdict go back. No program
//!   attached: pass.
//! - Bind: a socket's bind request runs the programs attached to the `bind` hook for the
//!   request's compartment; the `bind_action_t` of the program that decided goes back
//!   (eBPF for Windows: the first action other than `BIND_PERMIT_SOFT` ends the run). No
//!   program attached: permit.
//!
//! A batch caches one context per hook, reused across its invocations.

use ebpf_kernel_host::hooks::xdp::{XdpAction, XdpHook};
use ebpf_kernel_host::{Batch, Context, Flow, Hook};

/// eBPF for Windows' `BIND_PERMIT_SOFT`.
pub(crate) const BIND_PERMIT: u32 = 0;

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
    /// The context has no such hook (its platform has none).
    NoHook,
}

/// The contexts a batch reuses, one per hook.
#[derive(Debug, Default)]
pub(crate) struct Contexts {
    xdp: Option<Context>,
    bind: Option<Context>,
}

fn context<'c>(
    slot: &'c mut Option<Context>,
    make: impl FnOnce() -> Option<Context>,
) -> Result<&'c mut Context, HookError> {
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

/// A bind request (`bind_md_t` without its app id pointers).
#[derive(Clone, Copy, Debug)]
pub(crate) struct BindRequest<'a> {
    pub(crate) app_id: &'a [u8],
    pub(crate) process_id: u64,
    pub(crate) socket_address: [u8; 16],
    pub(crate) socket_address_length: u8,
    pub(crate) operation: u32,
    pub(crate) protocol: u8,
    pub(crate) compartment: u32,
}

/// Runs the bind programs attached for the request's compartment; returns the action.
pub(crate) fn bind(
    hook: Option<&Hook>,
    batch: &mut Batch<'_>,
    contexts: &mut Contexts,
    request: &BindRequest<'_>,
) -> Result<u32, HookError> {
    let hook = hook.ok_or(HookError::NoHook)?;
    let ctx = context(&mut contexts.bind, || hook.new_context().ok())?;
    let fields: [(&'static str, u64); 4] = [
        ("process_id", request.process_id),
        ("socket_address_length", u64::from(request.socket_address_length)),
        ("operation", u64::from(request.operation)),
        ("protocol", u64::from(request.protocol)),
    ];
    for (name, value) in fields {
        ctx.set_field(name, value)
            .map_err(|_| HookError::BadEvent)?;
    }
    // socket_address: 16 bytes at offset 24 of bind_md_t, set with the fields before it.
    let mut head = [0u8; 40];
    head[16..24].copy_from_slice(&request.process_id.to_le_bytes());
    head[24..40].copy_from_slice(&request.socket_address);
    ctx.set_fields(&head).map_err(|_| HookError::BadEvent)?;
    ctx.set_packet(request.app_id)
        .map_err(|_| HookError::BadEvent)?;
    let mut action = BIND_PERMIT;
    hook.run(
        batch,
        u64::from(request.compartment),
        ctx,
        |_, r0, _| {
            action = r0 as u32;
            if action == BIND_PERMIT {
                Flow::Continue
            } else {
                Flow::Stop
            }
        },
    )
    .map_err(|e| {
        crate::os::trace(&alloc::format!("ebpf-driver: bind: {e}"));
        HookError::Failed
    })?;
    Ok(action)
}
