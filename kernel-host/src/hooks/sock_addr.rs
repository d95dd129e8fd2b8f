//! The socket-address hooks: eBPF for Windows' `cgroup/connect4/6`, `recv_accept4/6`,
//! `connect_authorization4/6`, `bind4/6` and `listen4/6` over `bpf_sock_addr_t`, and Linux's
//! `cgroup/connect4/6` and `cgroup/bind4/6` over `struct bpf_sock_addr`.
//!
//! **Windows** (`netebpfext/net_ebpf_ext_sock_addr.c`, facts §2.4):
//! - the context is filled per direction: at connect (and connect_authorization, also
//!   egress) `msg_src` is the local end and `user` the remote; at recv_accept `msg_src` is the
//!   remote end and `user` the local; at bind `user` is the local address and `msg_src` zero;
//!   at listen both hold the local address. `family` is `AF_INET` 2 or `AF_INET6` 23;
//!   addresses and ports are in network byte order;
//! - each program returns `BPF_SOCK_ADDR_VERDICT_REJECT` 0, `PROCEED_SOFT` 1 or
//!   `PROCEED_HARD` 2; any other value rejects. Across programs the most restrictive wins
//!   (REJECT > PROCEED_HARD > PROCEED_SOFT); a REJECT stops the chain;
//! - at connect, a program that rewrites the destination (`user_ip*`, `user_port`) redirects
//!   the connection: the chain stops and the caller gets the new address
//!   ([`SockAddrOutcome::redirect`]) and any redirect context the program set. At the other
//!   layers the context is read-only in effect: a program's writes are undone before the
//!   next program runs and never reported (eBPF for Windows restores the context at
//!   connect_authorization and ignores the writes at bind; this host does the same at
//!   recv_accept and listen);
//! - no program attached permits ([`SockAddrVerdict::ProceedSoft`], no program run).
//!
//! **Linux** (`__cgroup_bpf_run_filter_sock_addr`): the context holds the address the
//! socket call names (`user_*`: the destination at connect, the address at bind; family 2 or
//! 10), every program runs, each seeing the previous ones' rewrites; a program returning 0
//! rejects (`EPERM`), and the address the programs left is the one the call uses
//! ([`CgroupSockAddrOutcome::address`]).

use alloc::string::String;
use alloc::vec::Vec;
use core::net::SocketAddr;

use ebpf_platform::AttachType;

use super::sock::{
    check_family, get_address, put_address, put_u32, put_u64, Family, SockAddrEvent, SockHookError,
    SockHookErrorKind, AF_INET, LINUX_AF_INET6, WINDOWS_AF_INET6,
};
use super::{Capability, Flow, Hook, HookSpec};
use crate::context::{Context, ContextError};
use crate::invoke::Batch;
use crate::object::{ObjectError, ObjectErrorKind};
use crate::Host;

/// Where in a connection's life a socket-address hook runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SockAddrLayer {
    /// An outgoing connection (`cgroup/connect4/6`); a rewrite redirects it.
    Connect,
    /// An incoming connection accepted (`cgroup/recv_accept4/6`, Windows).
    RecvAccept,
    /// An outgoing connection authorized (`cgroup/connect_authorization4/6`, Windows).
    ConnectAuthorization,
    /// A bind (`cgroup/bind4/6`).
    Bind,
    /// A listen (`cgroup/listen4/6`, Windows).
    Listen,
}

impl SockAddrLayer {
    /// The layer and family of a socket-address attach type (`cgroup_inet4_connect`), by
    /// name: the names are the same on both platforms for the hooks they share.
    pub fn of(attach_type: &AttachType) -> Option<(SockAddrLayer, Family)> {
        let rest = attach_type.name.strip_prefix("cgroup_inet")?;
        let (family, layer) = match rest.split_once('_')? {
            ("4", l) => (Family::V4, l),
            ("6", l) => (Family::V6, l),
            _ => return None,
        };
        let layer = match layer {
            "connect" => SockAddrLayer::Connect,
            "recv_accept" => SockAddrLayer::RecvAccept,
            "connect_authorization" => SockAddrLayer::ConnectAuthorization,
            "bind" => SockAddrLayer::Bind,
            "listen" => SockAddrLayer::Listen,
            _ => return None,
        };
        Some((layer, family))
    }

    /// The section name of the layer's hook for `family` (`cgroup/connect4`).
    pub fn hook_name(self, family: Family) -> &'static str {
        use Family::{V4, V6};
        use SockAddrLayer::*;
        match (self, family) {
            (Connect, V4) => "cgroup/connect4",
            (Connect, V6) => "cgroup/connect6",
            (RecvAccept, V4) => "cgroup/recv_accept4",
            (RecvAccept, V6) => "cgroup/recv_accept6",
            (ConnectAuthorization, V4) => "cgroup/connect_authorization4",
            (ConnectAuthorization, V6) => "cgroup/connect_authorization6",
            (Bind, V4) => "cgroup/bind4",
            (Bind, V6) => "cgroup/bind6",
            (Listen, V4) => "cgroup/listen4",
            (Listen, V6) => "cgroup/listen6",
        }
    }
}

/// eBPF for Windows' `ebpf_sock_addr_verdict_t`, ordered from the least to the most
/// restrictive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SockAddrVerdict {
    /// `BPF_SOCK_ADDR_VERDICT_PROCEED_SOFT` (1): permit; later filters may still block.
    ProceedSoft,
    /// `BPF_SOCK_ADDR_VERDICT_PROCEED_HARD` (2): permit, and later filters may not override.
    ProceedHard,
    /// `BPF_SOCK_ADDR_VERDICT_REJECT` (0), and any value but 1 and 2.
    Reject,
}

impl SockAddrVerdict {
    /// The verdict of a program's return value (its low 32 bits, as eBPF for Windows
    /// truncates it).
    pub fn from_return(r0: u64) -> SockAddrVerdict {
        match r0 as u32 {
            1 => SockAddrVerdict::ProceedSoft,
            2 => SockAddrVerdict::ProceedHard,
            _ => SockAddrVerdict::Reject,
        }
    }

    /// The C constant's value.
    pub fn value(self) -> u32 {
        match self {
            SockAddrVerdict::Reject => 0,
            SockAddrVerdict::ProceedSoft => 1,
            SockAddrVerdict::ProceedHard => 2,
        }
    }

    /// The C constant's name.
    pub fn name(self) -> &'static str {
        match self {
            SockAddrVerdict::Reject => "BPF_SOCK_ADDR_VERDICT_REJECT",
            SockAddrVerdict::ProceedSoft => "BPF_SOCK_ADDR_VERDICT_PROCEED_SOFT",
            SockAddrVerdict::ProceedHard => "BPF_SOCK_ADDR_VERDICT_PROCEED_HARD",
        }
    }
}

/// What an eBPF for Windows socket-address hook decided for an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SockAddrOutcome {
    /// The most restrictive verdict of the programs that ran (`ProceedSoft` when none did).
    pub verdict: SockAddrVerdict,
    /// At connect: the destination a program rewrote the connection to (never with a
    /// `Reject`).
    pub redirect: Option<SocketAddr>,
    /// At connect: what the programs last passed to `bpf_sock_addr_set_redirect_context`.
    pub redirect_context: Option<Vec<u8>>,
    /// How many programs ran (a REJECT or a redirect stops the chain).
    pub programs_run: usize,
}

impl SockAddrOutcome {
    /// Whether the connection, bind or listen may go on.
    pub fn permitted(&self) -> bool {
        self.verdict != SockAddrVerdict::Reject
    }
}

/// What a Linux cgroup socket-address hook decided for an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CgroupSockAddrOutcome {
    /// Whether every program returned 1 (a 0 makes the call fail with `EPERM`).
    pub allowed: bool,
    /// The address the programs rewrote the call's address to, when they changed it.
    pub address: Option<SocketAddr>,
    /// How many programs ran (all of them).
    pub programs_run: usize,
}

/// `bpf_sock_addr_t` offsets.
mod win {
    pub(super) const SIZE: usize = 64;
    pub(super) const FAMILY: usize = 0;
    pub(super) const MSG_SRC_IP: usize = 4;
    pub(super) const MSG_SRC_PORT: usize = 20;
    pub(super) const USER_IP: usize = 24;
    pub(super) const USER_PORT: usize = 40;
    pub(super) const PROTOCOL: usize = 44;
    pub(super) const COMPARTMENT_ID: usize = 48;
    pub(super) const INTERFACE_LUID: usize = 56;
}

/// `struct bpf_sock_addr` offsets (Linux UAPI).
mod linux {
    pub(super) const SIZE: usize = 64;
    pub(super) const USER_FAMILY: usize = 0;
    pub(super) const USER_IP4: usize = 4;
    pub(super) const USER_IP6: usize = 8;
    pub(super) const USER_PORT: usize = 24;
    pub(super) const FAMILY: usize = 28;
    pub(super) const TYPE: usize = 32;
    pub(super) const PROTOCOL: usize = 36;
}

/// The `bpf_sock_addr_t` eBPF for Windows builds for `event` at `layer`.
pub(crate) fn windows_fields(
    layer: SockAddrLayer,
    family: Family,
    event: &SockAddrEvent,
) -> Result<[u8; win::SIZE], SockHookError> {
    let hook = layer.hook_name(family);
    check_family(hook, "local", family, &event.local)?;
    let (msg_src, user) = match layer {
        SockAddrLayer::Connect | SockAddrLayer::ConnectAuthorization => {
            check_family(hook, "remote", family, &event.remote)?;
            (Some(&event.local), &event.remote)
        }
        SockAddrLayer::RecvAccept => {
            check_family(hook, "remote", family, &event.remote)?;
            (Some(&event.remote), &event.local)
        }
        SockAddrLayer::Bind => (None, &event.local),
        SockAddrLayer::Listen => (Some(&event.local), &event.local),
    };
    let mut f = [0u8; win::SIZE];
    let af = match family {
        Family::V4 => AF_INET,
        Family::V6 => WINDOWS_AF_INET6,
    };
    put_u32(&mut f, win::FAMILY, af);
    if let Some(src) = msg_src {
        put_address(&mut f, win::MSG_SRC_IP, win::MSG_SRC_PORT, src);
    }
    put_address(&mut f, win::USER_IP, win::USER_PORT, user);
    put_u32(&mut f, win::PROTOCOL, u32::from(event.protocol));
    put_u32(&mut f, win::COMPARTMENT_ID, event.compartment_id);
    put_u64(&mut f, win::INTERFACE_LUID, event.interface_luid);
    Ok(f)
}

/// The `struct bpf_sock_addr` Linux builds for `event` at `layer` (connect or bind).
pub(crate) fn linux_fields(
    layer: SockAddrLayer,
    family: Family,
    event: &SockAddrEvent,
) -> Result<[u8; linux::SIZE], SockHookError> {
    let hook = layer.hook_name(family);
    let user = match layer {
        SockAddrLayer::Connect => &event.remote,
        _ => &event.local,
    };
    check_family(
        hook,
        if layer == SockAddrLayer::Connect {
            "remote"
        } else {
            "local"
        },
        family,
        user,
    )?;
    let mut f = [0u8; linux::SIZE];
    let (af, ip) = match family {
        Family::V4 => (AF_INET, linux::USER_IP4),
        Family::V6 => (LINUX_AF_INET6, linux::USER_IP6),
    };
    put_u32(&mut f, linux::USER_FAMILY, af);
    put_address(&mut f, ip, linux::USER_PORT, user);
    put_u32(&mut f, linux::FAMILY, af);
    put_u32(&mut f, linux::TYPE, event.sock_type);
    put_u32(&mut f, linux::PROTOCOL, u32::from(event.protocol));
    Ok(f)
}

/// The socket-address hooks this family serves (capabilities as `netebpfext` declares
/// them; Linux's cgroup hooks take several programs, `BPF_F_ALLOW_MULTI`).
pub(crate) const SPECS: &[HookSpec] = &[
    win("cgroup_inet4_connect", Capability::Multi),
    win("cgroup_inet6_connect", Capability::Multi),
    win("cgroup_inet4_recv_accept", Capability::SinglePerParameter),
    win("cgroup_inet6_recv_accept", Capability::SinglePerParameter),
    win("cgroup_inet4_connect_authorization", Capability::Multi),
    win("cgroup_inet6_connect_authorization", Capability::Multi),
    win("cgroup_inet4_bind", Capability::Multi),
    win("cgroup_inet6_bind", Capability::Multi),
    win("cgroup_inet4_listen", Capability::SinglePerParameter),
    win("cgroup_inet6_listen", Capability::SinglePerParameter),
    lin("cgroup_inet4_connect"),
    lin("cgroup_inet6_connect"),
    lin("cgroup_inet4_bind"),
    lin("cgroup_inet6_bind"),
];

const fn win(attach_type: &'static str, capability: Capability) -> HookSpec {
    HookSpec {
        platform: "windows",
        attach_type,
        program_type: "sock_addr",
        capability,
    }
}

const fn lin(attach_type: &'static str) -> HookSpec {
    HookSpec {
        platform: "linux",
        attach_type,
        program_type: "cgroup_sock_addr",
        capability: Capability::Multi,
    }
}

/// The hook of `attach_type` on `host` if it is a socket-address hook of `platform`.
fn sock_addr_hook(
    host: &Host,
    platform: &str,
    attach_type: &str,
) -> Result<(Hook, SockAddrLayer, Family), ObjectError> {
    let no_hook = || {
        ObjectError::new(ObjectErrorKind::NoHook {
            attach_type: String::from(attach_type),
        })
    };
    if host.platform().name != platform {
        return Err(no_hook());
    }
    let hook = host.hook(attach_type)?;
    let (layer, family) = SockAddrLayer::of(hook.attach_type()).ok_or_else(no_hook)?;
    Ok((hook, layer, family))
}

fn context_error(hook: &'static str) -> impl Fn(ContextError) -> SockHookError {
    move |e| SockHookError::new(hook, SockHookErrorKind::Context(e))
}

/// An eBPF for Windows socket-address attach point of a host (`cgroup_inet4_connect`, ...):
/// attach with the compartment id as the parameter, [`WILDCARD`](super::WILDCARD) for every
/// compartment; an event runs its compartment's programs, then the wildcard ones.
#[derive(Clone, Debug)]
pub struct SockAddrHook {
    hook: Hook,
    layer: SockAddrLayer,
    family: Family,
}

impl SockAddrHook {
    /// The hook of `attach_type` (`cgroup_inet4_connect`, `cgroup_inet6_recv_accept`, ...)
    /// of an eBPF for Windows host.
    pub fn new(host: &Host, attach_type: &str) -> Result<SockAddrHook, ObjectError> {
        let (hook, layer, family) = sock_addr_hook(host, "windows", attach_type)?;
        Ok(SockAddrHook {
            hook,
            layer,
            family,
        })
    }

    /// The underlying attach point.
    pub fn hook(&self) -> &Hook {
        &self.hook
    }

    /// The layer and family.
    pub fn layer(&self) -> (SockAddrLayer, Family) {
        (self.layer, self.family)
    }

    /// A context for [`SockAddrHook::run`] (reuse it across events).
    pub fn new_context(&self) -> Result<Context, ContextError> {
        self.hook.new_context()
    }

    /// Runs the programs attached for the event's compartment (then the wildcard ones) on
    /// `event`, in `ctx` (a context of this hook's).
    pub fn run(
        &self,
        batch: &mut Batch<'_>,
        ctx: &mut Context,
        event: &SockAddrEvent,
    ) -> Result<SockAddrOutcome, SockHookError> {
        let (layer, family) = (self.layer, self.family);
        let hook = layer.hook_name(family);
        let fields = windows_fields(layer, family, event)?;
        ctx.set_fields(&fields).map_err(context_error(hook))?;
        event.give(ctx, event.logon_id, layer == SockAddrLayer::Connect);
        let mut outcome = SockAddrOutcome {
            verdict: SockAddrVerdict::ProceedSoft,
            redirect: None,
            redirect_context: None,
            programs_run: 0,
        };
        let user = win::USER_IP..win::USER_PORT + 2;
        let parameter = u64::from(event.compartment_id);
        outcome.programs_run = self
            .hook
            .run(batch, parameter, ctx, |_, r0, ctx| {
                let verdict = SockAddrVerdict::from_return(r0);
                outcome.verdict = outcome.verdict.max(verdict);
                if verdict == SockAddrVerdict::Reject {
                    return Flow::Stop;
                }
                if ctx.bytes[user.clone()] != fields[user.clone()] {
                    if layer == SockAddrLayer::Connect {
                        let to = get_address(&ctx.bytes, win::USER_IP, win::USER_PORT, family);
                        outcome.redirect = Some(to);
                        return Flow::Stop;
                    }
                    ctx.bytes[..win::SIZE].copy_from_slice(&fields);
                }
                Flow::Continue
            })
            .map_err(|e| SockHookError::new(hook, SockHookErrorKind::Invoke(e)))?;
        if outcome.verdict == SockAddrVerdict::Reject {
            outcome.redirect = None;
        } else {
            outcome.redirect_context = ctx
                .event()
                .filter(|e| !e.output.is_empty())
                .map(|e| e.output.clone());
        }
        Ok(outcome)
    }

    /// Runs the hook once on `event` with a context and a batch of its own (a convenience:
    /// [`SockAddrHook::run`] with a reused context and a batch is the fast path).
    pub fn process(&self, event: &SockAddrEvent) -> Result<SockAddrOutcome, SockHookError> {
        let hook = self.layer.hook_name(self.family);
        let mut ctx = self.new_context().map_err(context_error(hook))?;
        let mut batch = self.hook.batch();
        self.run(&mut batch, &mut ctx, event)
    }
}

/// A Linux cgroup socket-address attach point of a host (`cgroup_inet4_connect`,
/// `cgroup_inet6_connect`, `cgroup_inet4_bind`, `cgroup_inet6_bind`): attach with the
/// cgroup's id (any number the embedding host gives its cgroups) as the parameter,
/// [`WILDCARD`](super::WILDCARD) for every cgroup.
#[derive(Clone, Debug)]
pub struct CgroupSockAddrHook {
    hook: Hook,
    layer: SockAddrLayer,
    family: Family,
}

impl CgroupSockAddrHook {
    /// The hook of `attach_type` of a Linux host.
    pub fn new(host: &Host, attach_type: &str) -> Result<CgroupSockAddrHook, ObjectError> {
        let (hook, layer, family) = sock_addr_hook(host, "linux", attach_type)?;
        Ok(CgroupSockAddrHook {
            hook,
            layer,
            family,
        })
    }

    /// The underlying attach point.
    pub fn hook(&self) -> &Hook {
        &self.hook
    }

    /// The layer (connect or bind) and family.
    pub fn layer(&self) -> (SockAddrLayer, Family) {
        (self.layer, self.family)
    }

    /// A context for [`CgroupSockAddrHook::run`] (reuse it across events).
    pub fn new_context(&self) -> Result<Context, ContextError> {
        self.hook.new_context()
    }

    /// Runs every program attached for `cgroup` (then the wildcard ones) on `event`, in `ctx`.
    pub fn run(
        &self,
        batch: &mut Batch<'_>,
        cgroup: u64,
        ctx: &mut Context,
        event: &SockAddrEvent,
    ) -> Result<CgroupSockAddrOutcome, SockHookError> {
        let (layer, family) = (self.layer, self.family);
        let hook = layer.hook_name(family);
        let fields = linux_fields(layer, family, event)?;
        ctx.set_fields(&fields).map_err(context_error(hook))?;
        event.give(ctx, event.uid_gid(), false);
        let ip = match family {
            Family::V4 => linux::USER_IP4,
            Family::V6 => linux::USER_IP6,
        };
        let mut allowed = true;
        let programs_run = self
            .hook
            .run(batch, cgroup, ctx, |_, r0, _| {
                if r0 & 1 == 0 {
                    allowed = false;
                }
                Flow::Continue
            })
            .map_err(|e| SockHookError::new(hook, SockHookErrorKind::Invoke(e)))?;
        let original = get_address(&fields, ip, linux::USER_PORT, family);
        let now = get_address(&ctx.bytes, ip, linux::USER_PORT, family);
        Ok(CgroupSockAddrOutcome {
            allowed,
            address: (now != original).then_some(now),
            programs_run,
        })
    }

    /// Runs the hook once on `event` for `cgroup` with a context and a batch of its own.
    pub fn process(
        &self,
        cgroup: u64,
        event: &SockAddrEvent,
    ) -> Result<CgroupSockAddrOutcome, SockHookError> {
        let hook = self.layer.hook_name(self.family);
        let mut ctx = self.new_context().map_err(context_error(hook))?;
        let mut batch = self.hook.batch();
        self.run(&mut batch, cgroup, &mut ctx, event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> SockAddrEvent {
        let mut e = SockAddrEvent::new(
            "10.0.0.1:50000".parse().unwrap(),
            "192.168.1.9:80".parse().unwrap(),
        );
        e.compartment_id = 7;
        e.interface_luid = 0x0102_0304_0506_0708;
        e
    }

    #[test]
    fn windows_contexts_are_filled_per_direction() {
        let e = event();
        let f = windows_fields(SockAddrLayer::Connect, Family::V4, &e).unwrap();
        assert_eq!(&f[0..4], &2u32.to_ne_bytes());
        assert_eq!(&f[4..8], &[10, 0, 0, 1], "msg_src is the local end");
        assert_eq!(&f[20..22], &50000u16.to_be_bytes());
        assert_eq!(&f[24..28], &[192, 168, 1, 9], "user is the remote end");
        assert_eq!(&f[40..42], &80u16.to_be_bytes());
        assert_eq!(&f[44..48], &6u32.to_ne_bytes());
        assert_eq!(&f[48..52], &7u32.to_ne_bytes());
        assert_eq!(&f[56..64], &0x0102_0304_0506_0708u64.to_ne_bytes());
        let f = windows_fields(SockAddrLayer::RecvAccept, Family::V4, &e).unwrap();
        assert_eq!(
            (&f[4..8], &f[24..28]),
            (&[192, 168, 1, 9][..], &[10, 0, 0, 1][..])
        );
        let f = windows_fields(SockAddrLayer::Bind, Family::V4, &e).unwrap();
        assert_eq!(
            (&f[4..22], &f[24..28]),
            (&[0u8; 18][..], &[10, 0, 0, 1][..])
        );
        let f = windows_fields(SockAddrLayer::Listen, Family::V4, &e).unwrap();
        assert_eq!(
            (&f[4..8], &f[24..28]),
            (&[10, 0, 0, 1][..], &[10, 0, 0, 1][..])
        );
        let mut e6 = e.clone();
        e6.local = "[fe80::1]:1000".parse().unwrap();
        e6.remote = "[2001:db8::2]:443".parse().unwrap();
        let f = windows_fields(SockAddrLayer::Connect, Family::V6, &e6).unwrap();
        assert_eq!(&f[0..4], &23u32.to_ne_bytes());
        assert_eq!(f[24], 0x20);
        assert!(windows_fields(SockAddrLayer::Connect, Family::V6, &e).is_err());
    }

    #[test]
    fn linux_contexts_hold_the_calls_address() {
        let e = event();
        let f = linux_fields(SockAddrLayer::Connect, Family::V4, &e).unwrap();
        assert_eq!(&f[0..4], &2u32.to_ne_bytes());
        assert_eq!(&f[4..8], &[192, 168, 1, 9]);
        assert_eq!(&f[24..28], &[0, 80, 0, 0]);
        assert_eq!(&f[28..32], &2u32.to_ne_bytes());
        assert_eq!(&f[32..36], &1u32.to_ne_bytes());
        assert_eq!(&f[36..40], &6u32.to_ne_bytes());
        let mut e6 = e.clone();
        e6.local = "[2001:db8::5]:8080".parse().unwrap();
        let f = linux_fields(SockAddrLayer::Bind, Family::V6, &e6).unwrap();
        assert_eq!(&f[0..4], &10u32.to_ne_bytes());
        assert_eq!(f[8], 0x20);
        assert_eq!(&f[24..26], &8080u16.to_be_bytes());
    }

    #[test]
    fn verdicts_order_and_layers_by_name() {
        use SockAddrVerdict::*;
        assert!(Reject > ProceedHard && ProceedHard > ProceedSoft);
        assert_eq!(SockAddrVerdict::from_return(7), Reject);
        assert_eq!(SockAddrVerdict::from_return(0x1_0000_0002), ProceedHard);
        let at = ebpf_platform::WINDOWS
            .attach_type("cgroup_inet6_recv_accept")
            .unwrap();
        assert_eq!(
            SockAddrLayer::of(at),
            Some((SockAddrLayer::RecvAccept, Family::V6))
        );
        let at = ebpf_platform::LINUX
            .attach_type("cgroup_inet4_bind")
            .unwrap();
        assert_eq!(
            SockAddrLayer::of(at),
            Some((SockAddrLayer::Bind, Family::V4))
        );
        let at = ebpf_platform::WINDOWS.attach_type("xdp").unwrap();
        assert_eq!(SockAddrLayer::of(at), None);
    }
}
