//! eBPF for Windows' `sockops` hook over `bpf_sock_ops_t` (`netebpfext/net_ebpf_ext_sock_ops.c`,
//! facts §2.5): flow established and flow deleted events.
//!
//! - The context: `op` (`BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB` 0 for an outbound flow,
//!   `PASSIVE_ESTABLISHED_CB` 1 for an inbound one, `CONNECTION_DELETED_CB` 2), `family`
//!   (2 or 23), the local and remote addresses (network order) and ports (network order in
//!   the low 16 bits of a `u32`), `protocol`, `compartment_id` and `interface_luid`.
//! - At an established callback a program returning 0 permits the flow, anything else blocks
//!   it (the first block stops the chain); at the deleted callback results are ignored.
//! - `bpf_sock_ops_get_flow_id` returns the event's flow id, `bpf_get_current_pid_tgid` its
//!   process and thread.
//!
//! eBPF for Windows calls the deleted callback with the context it built for the flow at
//! establishment; an embedding host does the same by handing over the same
//! [`SockAddrEvent`] with [`SockOp::Deleted`].

use core::net::SocketAddr;

use super::sock::{
    check_family, put_address, put_u32, put_u64, Family, SockAddrEvent, SockHookError,
    SockHookErrorKind, AF_INET, WINDOWS_AF_INET6,
};
use super::{Capability, Flow, Hook, HookSpec};
use crate::context::{Context, ContextError};
use crate::invoke::Batch;
use crate::object::ObjectError;
use crate::Host;

const HOOK: &str = "sockops";

/// `bpf_sock_op_type_t`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SockOp {
    /// `BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB` (0): an outbound flow was established.
    ActiveEstablished,
    /// `BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB` (1): an inbound flow was established.
    PassiveEstablished,
    /// `BPF_SOCK_OPS_CONNECTION_DELETED_CB` (2): the flow ended.
    Deleted,
}

impl SockOp {
    /// The C value.
    pub fn value(self) -> u32 {
        match self {
            SockOp::ActiveEstablished => 0,
            SockOp::PassiveEstablished => 1,
            SockOp::Deleted => 2,
        }
    }
}

/// A flow event the embedding host hands to the hook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SockOpsEvent {
    /// Which callback.
    pub op: SockOp,
    /// The flow's id (`bpf_sock_ops_get_flow_id`).
    pub flow_id: u64,
    /// The flow: addresses, protocol, compartment, interface, process.
    pub flow: SockAddrEvent,
}

impl SockOpsEvent {
    /// The event `op` of flow `flow_id` from `local` to `remote`.
    pub fn new(op: SockOp, flow_id: u64, local: SocketAddr, remote: SocketAddr) -> SockOpsEvent {
        SockOpsEvent {
            op,
            flow_id,
            flow: SockAddrEvent::new(local, remote),
        }
    }
}

/// What the sockops hook decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SockOpsOutcome {
    /// Whether the flow is permitted (always at the deleted callback, and with no program).
    pub permitted: bool,
    /// How many programs ran.
    pub programs_run: usize,
}

/// `bpf_sock_ops_t` offsets.
const OP: usize = 0;
const FAMILY: usize = 4;
const LOCAL_IP: usize = 8;
const LOCAL_PORT: usize = 24;
const REMOTE_IP: usize = 28;
const REMOTE_PORT: usize = 44;
const PROTOCOL: usize = 48;
const COMPARTMENT_ID: usize = 52;
const INTERFACE_LUID: usize = 56;
const SIZE: usize = 64;

/// The `bpf_sock_ops_t` for `event`.
pub(crate) fn fields(event: &SockOpsEvent) -> Result<[u8; SIZE], SockHookError> {
    let flow = &event.flow;
    let family = Family::of(&flow.local);
    check_family(HOOK, "remote", family, &flow.remote)?;
    let mut f = [0u8; SIZE];
    put_u32(&mut f, OP, event.op.value());
    let af = match family {
        Family::V4 => AF_INET,
        Family::V6 => WINDOWS_AF_INET6,
    };
    put_u32(&mut f, FAMILY, af);
    put_address(&mut f, LOCAL_IP, LOCAL_PORT, &flow.local);
    put_address(&mut f, REMOTE_IP, REMOTE_PORT, &flow.remote);
    f[PROTOCOL] = flow.protocol;
    put_u32(&mut f, COMPARTMENT_ID, flow.compartment_id);
    put_u64(&mut f, INTERFACE_LUID, flow.interface_luid);
    Ok(f)
}

/// The sockops hook this family serves: one program per compartment and one wildcard.
pub(crate) const SPECS: &[HookSpec] = &[HookSpec {
    platform: "windows",
    attach_type: "cgroup_sock_ops",
    program_type: "sockops",
    capability: Capability::SinglePerParameter,
}];

/// eBPF for Windows' sockops attach point of a host (attach type `cgroup_sock_ops`, the
/// compartment id as the parameter).
#[derive(Clone, Debug)]
pub struct SockOpsHook {
    hook: Hook,
}

impl SockOpsHook {
    /// The host's sockops hook (an eBPF for Windows host's).
    pub fn new(host: &Host) -> Result<SockOpsHook, ObjectError> {
        Ok(SockOpsHook {
            hook: host.hook("cgroup_sock_ops")?,
        })
    }

    /// The underlying attach point.
    pub fn hook(&self) -> &Hook {
        &self.hook
    }

    /// A context for [`SockOpsHook::run`] (reuse it across events).
    pub fn new_context(&self) -> Result<Context, ContextError> {
        self.hook.new_context()
    }

    /// Runs the programs attached for the flow's compartment (then the wildcard one) on
    /// `event`, in `ctx`.
    pub fn run(
        &self,
        batch: &mut Batch<'_>,
        ctx: &mut Context,
        event: &SockOpsEvent,
    ) -> Result<SockOpsOutcome, SockHookError> {
        let fail = |kind| SockHookError::new(HOOK, kind);
        let fields = fields(event)?;
        ctx.set_fields(&fields)
            .map_err(|e| fail(SockHookErrorKind::Context(e)))?;
        event.flow.give(ctx, event.flow_id, false);
        let deleted = event.op == SockOp::Deleted;
        let mut permitted = true;
        let parameter = u64::from(event.flow.compartment_id);
        let programs_run = self
            .hook
            .run(batch, parameter, ctx, |_, r0, ctx| {
                if !deleted && r0 as u32 != 0 {
                    permitted = false;
                    return Flow::Stop;
                }
                // Read-only to programs; the next one sees the event as it came.
                ctx.bytes[..SIZE].copy_from_slice(&fields);
                Flow::Continue
            })
            .map_err(|e| fail(SockHookErrorKind::Invoke(e)))?;
        Ok(SockOpsOutcome {
            permitted,
            programs_run,
        })
    }

    /// Runs the hook once on `event` with a context and a batch of its own.
    pub fn process(&self, event: &SockOpsEvent) -> Result<SockOpsOutcome, SockHookError> {
        let mut ctx = self
            .new_context()
            .map_err(|e| SockHookError::new(HOOK, SockHookErrorKind::Context(e)))?;
        let mut batch = self.hook.batch();
        self.run(&mut batch, &mut ctx, event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sock_ops_context_layout() {
        let mut e = SockOpsEvent::new(
            SockOp::PassiveEstablished,
            99,
            "10.0.0.1:443".parse().unwrap(),
            "10.0.0.2:51000".parse().unwrap(),
        );
        e.flow.compartment_id = 3;
        let f = fields(&e).unwrap();
        assert_eq!(&f[0..4], &1u32.to_ne_bytes());
        assert_eq!(&f[4..8], &2u32.to_ne_bytes());
        assert_eq!(&f[8..12], &[10, 0, 0, 1]);
        assert_eq!(&f[24..28], &[1, 0xbb, 0, 0]);
        assert_eq!(&f[28..32], &[10, 0, 0, 2]);
        assert_eq!(&f[44..46], &51000u16.to_be_bytes());
        assert_eq!(f[48], 6);
        assert_eq!(&f[52..56], &3u32.to_ne_bytes());
        e.flow.remote = "[::1]:1".parse().unwrap();
        assert!(fields(&e).is_err());
    }
}
