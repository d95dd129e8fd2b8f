//! eBPF for Windows' legacy `bind` hook over `bind_md_t` (`netebpfext/net_ebpf_ext_bind.c`,
//! facts §2.3).
//!
//! - The context: the application id's bytes are the packet (`app_id_start`/`app_id_end`,
//!   read-only); then `process_id`, `socket_address` (a `SOCKADDR_IN`: family 2 in host
//!   order, port and address in network order, eight zero bytes), `socket_address_length`
//!   (16), `operation` and `protocol`. The hook sits at WFP's IPv4 resource-assignment and
//!   resource-release layers, so its addresses are IPv4 ones. eBPF for Windows passes the
//!   application id from its last `\` on (UTF-16 bytes of the image name); this host passes
//!   the bytes the embedding host gives.
//! - Verdicts: `BIND_PERMIT_SOFT` 0 and `BIND_REDIRECT` 2 permit (lower filters may still
//!   block), `BIND_PERMIT_HARD` 3 permits for good, `BIND_DENY` 1 **and any other value**
//!   deny. No program attached permits. At unbind the result is ignored: always permitted.
//! - With `BIND_REDIRECT`, the address the program wrote into `socket_address` is reported
//!   ([`BindOutcome::redirect`]); eBPF for Windows' docs note WFP does not apply it.
//! - The hook is single-attach ([`Capability::Single`]), without an attach parameter. (Were
//!   several programs run, the most restrictive verdict would win: deny > permit-hard >
//!   redirect > permit-soft, a deny ending the run.)

use alloc::vec::Vec;
use core::net::{Ipv4Addr, SocketAddrV4};

use super::sock::{put_u32, put_u64, SockHookError, SockHookErrorKind, AF_INET};
use super::{Capability, Flow, Hook, HookSpec, WILDCARD};
use crate::context::{Context, ContextError, Packet, MAX_PACKET};
use crate::invoke::Batch;
use crate::object::ObjectError;
use crate::Host;

const HOOK: &str = "bind";

/// `bind_operation_t`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BindOperation {
    /// `BIND_OPERATION_BIND` (0): a port is being assigned.
    Bind,
    /// `BIND_OPERATION_POST_BIND` (1): after the port's allocation.
    PostBind,
    /// `BIND_OPERATION_UNBIND` (2): the port is released; the verdict is ignored.
    Unbind,
}

impl BindOperation {
    /// The C value.
    pub fn value(self) -> u32 {
        match self {
            BindOperation::Bind => 0,
            BindOperation::PostBind => 1,
            BindOperation::Unbind => 2,
        }
    }
}

/// A bind (or unbind) the embedding host hands to the hook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindEvent {
    /// The application id: the program's readable packet.
    pub app_id: Vec<u8>,
    /// The binding process.
    pub process_id: u64,
    /// The address and port being bound.
    pub address: SocketAddrV4,
    /// Bind, post-bind or unbind.
    pub operation: BindOperation,
    /// The IP protocol (`IPPROTO_TCP` 6, `IPPROTO_UDP` 17).
    pub protocol: u8,
}

impl BindEvent {
    /// A TCP bind of `address` by `process_id`, with an empty application id.
    pub fn new(process_id: u64, address: SocketAddrV4) -> BindEvent {
        BindEvent {
            app_id: Vec::new(),
            process_id,
            address,
            operation: BindOperation::Bind,
            protocol: super::sock::IPPROTO_TCP,
        }
    }
}

/// `bind_action_t`, ordered from the least to the most restrictive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BindVerdict {
    /// `BIND_PERMIT_SOFT` (0, also `BIND_PERMIT`): permit; lower filters may block.
    PermitSoft,
    /// `BIND_REDIRECT` (2): permit, at the address the program wrote.
    Redirect,
    /// `BIND_PERMIT_HARD` (3): permit, and lower filters may not override.
    PermitHard,
    /// `BIND_DENY` (1), and any other value.
    Deny,
}

impl BindVerdict {
    /// The verdict of a program's return value (its low 32 bits).
    pub fn from_return(r0: u64) -> BindVerdict {
        match r0 as u32 {
            0 => BindVerdict::PermitSoft,
            2 => BindVerdict::Redirect,
            3 => BindVerdict::PermitHard,
            _ => BindVerdict::Deny,
        }
    }

    /// Whether the bind may go on.
    pub fn permits(self) -> bool {
        self != BindVerdict::Deny
    }

    /// The C constant's name.
    pub fn name(self) -> &'static str {
        match self {
            BindVerdict::PermitSoft => "BIND_PERMIT_SOFT",
            BindVerdict::Redirect => "BIND_REDIRECT",
            BindVerdict::PermitHard => "BIND_PERMIT_HARD",
            BindVerdict::Deny => "BIND_DENY",
        }
    }
}

/// What the bind hook decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindOutcome {
    /// The verdict (`PermitSoft` with no program, and always at unbind).
    pub verdict: BindVerdict,
    /// With [`BindVerdict::Redirect`], the address the program wrote, when it changed it.
    pub redirect: Option<SocketAddrV4>,
    /// How many programs ran.
    pub programs_run: usize,
}

/// `bind_md_t` offsets.
const PROCESS_ID: usize = 16;
const SOCKET_ADDRESS: usize = 24;
const SOCKET_ADDRESS_LENGTH: usize = 40;
const OPERATION: usize = 44;
const PROTOCOL: usize = 48;
const SIZE: usize = 56;
/// `sizeof(SOCKADDR_IN)`.
const SOCKADDR_IN: u8 = 16;

/// The `bind_md_t` number fields for `event` (the pointer fields are the host's).
pub(crate) fn fields(event: &BindEvent) -> [u8; SIZE] {
    let mut f = [0u8; SIZE];
    put_u64(&mut f, PROCESS_ID, event.process_id);
    let a = &mut f[SOCKET_ADDRESS..SOCKET_ADDRESS + 16];
    a[0..2].copy_from_slice(&(AF_INET as u16).to_ne_bytes());
    a[2..4].copy_from_slice(&event.address.port().to_be_bytes());
    a[4..8].copy_from_slice(&event.address.ip().octets());
    f[SOCKET_ADDRESS_LENGTH] = SOCKADDR_IN;
    put_u32(&mut f, OPERATION, event.operation.value());
    f[PROTOCOL] = event.protocol;
    f
}

/// The `SOCKADDR_IN` address in `bytes` (a `bind_md_t`).
fn address(bytes: &[u8]) -> SocketAddrV4 {
    let a = &bytes[SOCKET_ADDRESS..SOCKET_ADDRESS + 16];
    SocketAddrV4::new(
        Ipv4Addr::new(a[4], a[5], a[6], a[7]),
        u16::from_be_bytes([a[2], a[3]]),
    )
}

/// The bind hook this family serves.
pub(crate) const SPECS: &[HookSpec] = &[HookSpec {
    platform: "windows",
    attach_type: "bind",
    program_type: "bind",
    capability: Capability::Single,
}];

/// eBPF for Windows' bind attach point of a host (attach with the attach type `bind`; it
/// takes one program and no attach parameter: [`WILDCARD`]).
#[derive(Clone, Debug)]
pub struct BindHook {
    hook: Hook,
}

impl BindHook {
    /// The host's bind hook (an eBPF for Windows host's).
    pub fn new(host: &Host) -> Result<BindHook, ObjectError> {
        Ok(BindHook {
            hook: host.hook("bind")?,
        })
    }

    /// The underlying attach point.
    pub fn hook(&self) -> &Hook {
        &self.hook
    }

    /// A context for [`BindHook::run`] (reuse it across events).
    pub fn new_context(&self) -> Result<Context, ContextError> {
        self.hook.new_context()
    }

    /// Runs the attached program on `event`, in `ctx` (a context of this hook's).
    pub fn run(
        &self,
        batch: &mut Batch<'_>,
        ctx: &mut Context,
        event: &BindEvent,
    ) -> Result<BindOutcome, SockHookError> {
        let fail = |kind| SockHookError::new(HOOK, kind);
        if event.app_id.len() > MAX_PACKET {
            return Err(fail(SockHookErrorKind::AppIdTooLong {
                len: event.app_id.len(),
            }));
        }
        let fields = fields(event);
        ctx.set_fields(&fields)
            .map_err(|e| fail(SockHookErrorKind::Context(e)))?;
        match &mut ctx.packet {
            Some(p) => {
                p.buf.clear();
                p.buf.extend_from_slice(&event.app_id);
                (p.meta, p.start, p.end) = (0, 0, event.app_id.len());
            }
            None => {
                let packet = Packet::exact(&event.app_id)
                    .map_err(|e| fail(SockHookErrorKind::Context(e)))?;
                ctx.packet = Some(packet);
            }
        }
        let mut outcome = BindOutcome {
            verdict: BindVerdict::PermitSoft,
            redirect: None,
            programs_run: 0,
        };
        let unbind = event.operation == BindOperation::Unbind;
        outcome.programs_run = self
            .hook
            .run(batch, WILDCARD, ctx, |_, r0, ctx| {
                if unbind {
                    return Flow::Continue;
                }
                let verdict = BindVerdict::from_return(r0);
                if verdict == BindVerdict::Redirect {
                    let to = address(&ctx.bytes);
                    outcome.redirect = (to != event.address).then_some(to);
                }
                outcome.verdict = outcome.verdict.max(verdict);
                if verdict == BindVerdict::Deny {
                    Flow::Stop
                } else {
                    Flow::Continue
                }
            })
            .map_err(|e| fail(SockHookErrorKind::Invoke(e)))?;
        if outcome.verdict != BindVerdict::Redirect {
            outcome.redirect = None;
        }
        Ok(outcome)
    }

    /// Runs the hook once on `event` with a context and a batch of its own (a convenience:
    /// [`BindHook::run`] with a reused context and a batch is the fast path).
    pub fn process(&self, event: &BindEvent) -> Result<BindOutcome, SockHookError> {
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
    fn bind_md_holds_a_sockaddr_in() {
        let mut e = BindEvent::new(4242, "10.0.0.5:8080".parse().unwrap());
        e.operation = BindOperation::PostBind;
        e.protocol = 17;
        let f = fields(&e);
        assert_eq!(&f[16..24], &4242u64.to_ne_bytes());
        assert_eq!(
            &f[24..40],
            &[2, 0, 0x1f, 0x90, 10, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(f[40], 16);
        assert_eq!(&f[44..48], &1u32.to_ne_bytes());
        assert_eq!(f[48], 17);
        assert_eq!(address(&f), e.address);
    }

    #[test]
    fn verdict_values() {
        use BindVerdict::*;
        let got: Vec<BindVerdict> = (0..6).map(BindVerdict::from_return).collect();
        assert_eq!(got, [PermitSoft, Deny, Redirect, PermitHard, Deny, Deny]);
        assert!(Deny > PermitHard && PermitHard > Redirect && Redirect > PermitSoft);
        assert!(!Deny.permits() && Redirect.permits());
    }
}
