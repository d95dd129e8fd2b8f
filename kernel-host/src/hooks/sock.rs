//! What the socket hooks share: the event an embedding host hands over for a connection
//! ([`SockAddrEvent`], also the flow of a sock_ops event), eBPF for Windows' network context
//! ([`NetworkContext`]), address family numbers, the writing of addresses into context bytes,
//! and the hooks' error ([`SockHookError`]).
//!
//! Addresses and ports go into contexts in network byte order, other numbers in the host's.

use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::context::{Context, ContextError, EventData};
use crate::invoke::InvokeError;

/// The socket hooks' use of [`EventData::values`]: `bpf_get_current_pid_tgid`'s value.
pub(crate) const PID_TGID: usize = 0;
/// The family's second number: `bpf_get_current_logon_id`'s (Windows sock_addr),
/// `bpf_get_current_uid_gid`'s (Linux) or `bpf_sock_ops_get_flow_id`'s (sockops).
pub(crate) const SECOND: usize = 1;
/// `bpf_get_socket_cookie`'s value.
pub(crate) const COOKIE: usize = 2;
/// Flags: [`FLAG_ADMIN`], [`FLAG_REDIRECT_CONTEXT`].
pub(crate) const FLAGS: usize = 3;
/// `bpf_is_current_admin` returns 1.
pub(crate) const FLAG_ADMIN: u64 = 1;
/// `bpf_sock_addr_set_redirect_context` may be called (the connect layers).
pub(crate) const FLAG_REDIRECT_CONTEXT: u64 = 2;

/// eBPF for Windows' `AF_INET` (`include/net/ip.h`), the same on Linux.
pub const AF_INET: u32 = 2;
/// eBPF for Windows' `AF_INET6` (23; Linux's is [`LINUX_AF_INET6`]).
pub const WINDOWS_AF_INET6: u32 = 23;
/// Linux's `AF_INET6`.
pub const LINUX_AF_INET6: u32 = 10;
/// `IPPROTO_TCP`.
pub const IPPROTO_TCP: u8 = 6;
/// `IPPROTO_UDP`.
pub const IPPROTO_UDP: u8 = 17;

/// An IP version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// IPv4.
    V4,
    /// IPv6.
    V6,
}

impl Family {
    /// The family of `address`.
    pub fn of(address: &SocketAddr) -> Family {
        match address {
            SocketAddr::V4(_) => Family::V4,
            SocketAddr::V6(_) => Family::V6,
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        })
    }
}

/// eBPF for Windows' `bpf_sock_addr_network_context_t` (version 1): what the sock_addr
/// programs read with `bpf_sock_addr_get_network_context`. `u32::MAX` / `u64::MAX` mean
/// "not available", as in eBPF for Windows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NetworkContext {
    /// The interface's type.
    pub interface_type: u32,
    /// The tunnel's type.
    pub tunnel_type: u32,
    /// The next hop interface's LUID.
    pub next_hop_interface_luid: u64,
    /// The sub-interface's index.
    pub sub_interface_index: u32,
}

impl NetworkContext {
    /// `BPF_SOCK_ADDR_NETWORK_CONTEXT_VERSION`.
    pub const VERSION: u32 = 1;

    /// The structure's 32 bytes: version @0, interface_type @4, tunnel_type @8,
    /// next_hop_interface_luid @16, sub_interface_index @24.
    pub fn to_bytes(&self) -> [u8; 32] {
        let mut b = [0u8; 32];
        b[0..4].copy_from_slice(&Self::VERSION.to_ne_bytes());
        b[4..8].copy_from_slice(&self.interface_type.to_ne_bytes());
        b[8..12].copy_from_slice(&self.tunnel_type.to_ne_bytes());
        b[16..24].copy_from_slice(&self.next_hop_interface_luid.to_ne_bytes());
        b[24..28].copy_from_slice(&self.sub_interface_index.to_ne_bytes());
        b
    }
}

/// A connection as a socket hook sees it: the event an embedding host hands to the
/// sock_addr hooks (connect, recv_accept, connect_authorization, bind, listen; Linux's
/// cgroup connect and bind) and, as the flow, to the sock_ops hook.
///
/// Which address is whose: `local` is this host's end, `remote` the peer's. The hooks put
/// them into the context as eBPF for Windows (or Linux) does for the layer: at connect the
/// destination is `remote`; at recv_accept, bind and listen the hook's own address is `local`.
/// Fields a platform or layer does not use are ignored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SockAddrEvent {
    /// This host's address and port.
    pub local: SocketAddr,
    /// The peer's address and port (ignored at bind and listen).
    pub remote: SocketAddr,
    /// The IP protocol (`IPPROTO_TCP` 6, `IPPROTO_UDP` 17).
    pub protocol: u8,
    /// Linux: the socket type (`SOCK_STREAM` 1, `SOCK_DGRAM` 2).
    pub sock_type: u32,
    /// Windows: the network compartment (the attach parameter programs are chosen by).
    pub compartment_id: u32,
    /// Windows: the interface's LUID.
    pub interface_luid: u64,
    /// The requesting process (`bpf_get_current_pid_tgid`'s high 32 bits).
    pub process_id: u32,
    /// The requesting thread (`bpf_get_current_pid_tgid`'s low 32 bits).
    pub thread_id: u32,
    /// Linux: the requesting user (`bpf_get_current_uid_gid`'s low 32 bits).
    pub user_id: u32,
    /// Linux: the requesting group (`bpf_get_current_uid_gid`'s high 32 bits).
    pub group_id: u32,
    /// Windows: the requesting user's logon id (`bpf_get_current_logon_id`).
    pub logon_id: u64,
    /// Windows: whether the requesting user is an administrator (`bpf_is_current_admin`).
    pub is_admin: bool,
    /// The socket's cookie (`bpf_get_socket_cookie`).
    pub socket_cookie: u64,
    /// Windows: the network context, when the layer has one
    /// (`bpf_sock_addr_get_network_context` fails without it).
    pub network_context: Option<NetworkContext>,
}

impl SockAddrEvent {
    /// An event from `local` to `remote` over TCP in compartment 1, every other field zero.
    pub fn new(local: SocketAddr, remote: SocketAddr) -> SockAddrEvent {
        SockAddrEvent {
            local,
            remote,
            protocol: IPPROTO_TCP,
            sock_type: 1,
            compartment_id: 1,
            interface_luid: 0,
            process_id: 0,
            thread_id: 0,
            user_id: 0,
            group_id: 0,
            logon_id: 0,
            is_admin: false,
            socket_cookie: 0,
            network_context: None,
        }
    }

    /// The same event from process `process_id`, thread `thread_id`.
    pub fn from_process(mut self, process_id: u32, thread_id: u32) -> SockAddrEvent {
        self.process_id = process_id;
        self.thread_id = thread_id;
        self
    }

    /// `bpf_get_current_pid_tgid`'s value.
    pub fn pid_tgid(&self) -> u64 {
        (u64::from(self.process_id) << 32) | u64::from(self.thread_id)
    }

    /// `bpf_get_current_uid_gid`'s value.
    pub fn uid_gid(&self) -> u64 {
        (u64::from(self.group_id) << 32) | u64::from(self.user_id)
    }

    /// Gives `ctx` the event's data for the helpers (reusing what `ctx` holds): `second` in
    /// the family's [`SECOND`] slot, and whether the redirect context may be set.
    pub(crate) fn give(&self, ctx: &mut Context, second: u64, redirect_context: bool) {
        let flags = if self.is_admin { FLAG_ADMIN } else { 0 }
            | if redirect_context {
                FLAG_REDIRECT_CONTEXT
            } else {
                0
            };
        let values = [self.pid_tgid(), second, self.socket_cookie, flags];
        let fill = |e: &mut EventData| {
            e.values = values;
            e.input.clear();
            if let Some(n) = &self.network_context {
                e.input.extend_from_slice(&n.to_bytes());
            }
            e.output.clear();
        };
        match ctx.event_mut() {
            Some(e) => fill(e),
            None => {
                let mut e = EventData::default();
                fill(&mut e);
                ctx.set_event(Some(e));
            }
        }
    }
}

/// Why a socket hook could not run its programs on an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SockHookError {
    hook: &'static str,
    kind: SockHookErrorKind,
}

/// What went wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SockHookErrorKind {
    /// An address of the other family than the hook's (`connect4` takes IPv4).
    WrongFamily {
        /// Which address (`local`, `remote`).
        which: &'static str,
        /// The hook's family.
        expected: Family,
        /// The address given.
        address: SocketAddr,
    },
    /// The context given is not of the hook's program type, or could not be filled.
    Context(ContextError),
    /// The bind hook's application id exceeds the largest packet.
    AppIdTooLong {
        /// Its length.
        len: usize,
    },
    /// A program's invocation failed.
    Invoke(InvokeError),
}

impl SockHookError {
    pub(crate) fn new(hook: &'static str, kind: SockHookErrorKind) -> SockHookError {
        SockHookError { hook, kind }
    }

    /// The hook (`bind`, `cgroup/connect4`, `sockops`).
    pub fn hook(&self) -> &'static str {
        self.hook
    }

    /// What went wrong.
    pub fn kind(&self) -> &SockHookErrorKind {
        &self.kind
    }
}

impl fmt::Display for SockHookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} hook: ", self.hook)?;
        match &self.kind {
            SockHookErrorKind::WrongFamily {
                which,
                expected,
                address,
            } => write!(
                f,
                "the {which} address {address} is not {expected}, as the hook's are"
            ),
            SockHookErrorKind::Context(e) => write!(f, "{e}"),
            SockHookErrorKind::AppIdTooLong { len } => write!(
                f,
                "an application id of {len} bytes exceeds {}",
                crate::context::MAX_PACKET
            ),
            SockHookErrorKind::Invoke(e) => write!(f, "{e}"),
        }
    }
}

impl core::error::Error for SockHookError {}

/// Checks that `address` is of `family`.
pub(crate) fn check_family(
    hook: &'static str,
    which: &'static str,
    family: Family,
    address: &SocketAddr,
) -> Result<(), SockHookError> {
    if Family::of(address) == family {
        return Ok(());
    }
    Err(SockHookError::new(
        hook,
        SockHookErrorKind::WrongFamily {
            which,
            expected: family,
            address: *address,
        },
    ))
}

/// Writes `address`'s IP at `ip` (4 or 16 bytes) and its port at `port` (2 bytes), both in
/// network byte order.
pub(crate) fn put_address(bytes: &mut [u8], ip: usize, port: usize, address: &SocketAddr) {
    match address.ip() {
        IpAddr::V4(a) => bytes[ip..ip + 4].copy_from_slice(&a.octets()),
        IpAddr::V6(a) => bytes[ip..ip + 16].copy_from_slice(&a.octets()),
    }
    bytes[port..port + 2].copy_from_slice(&address.port().to_be_bytes());
}

/// The address of `family` at `ip` and `port` (network byte order).
pub(crate) fn get_address(bytes: &[u8], ip: usize, port: usize, family: Family) -> SocketAddr {
    let port = u16::from_be_bytes([bytes[port], bytes[port + 1]]);
    let ip = match family {
        Family::V4 => {
            let mut o = [0u8; 4];
            o.copy_from_slice(&bytes[ip..ip + 4]);
            IpAddr::V4(Ipv4Addr::from(o))
        }
        Family::V6 => {
            let mut o = [0u8; 16];
            o.copy_from_slice(&bytes[ip..ip + 16]);
            IpAddr::V6(Ipv6Addr::from(o))
        }
    };
    SocketAddr::new(ip, port)
}

/// Writes a `u32` in host byte order at `at`.
pub(crate) fn put_u32(bytes: &mut [u8], at: usize, v: u32) {
    bytes[at..at + 4].copy_from_slice(&v.to_ne_bytes());
}

/// Writes a `u64` in host byte order at `at`.
pub(crate) fn put_u64(bytes: &mut [u8], at: usize, v: u64) {
    bytes[at..at + 8].copy_from_slice(&v.to_ne_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn addresses_round_trip_in_network_order() {
        let mut b = [0u8; 64];
        let a: SocketAddr = "10.1.2.3:8080".parse().unwrap();
        put_address(&mut b, 24, 40, &a);
        assert_eq!(&b[24..28], &[10, 1, 2, 3]);
        assert_eq!(&b[40..42], &[0x1f, 0x90]);
        assert_eq!(get_address(&b, 24, 40, Family::V4), a);
        let a6: SocketAddr = "[2001:db8::1]:443".parse().unwrap();
        put_address(&mut b, 4, 20, &a6);
        assert_eq!(get_address(&b, 4, 20, Family::V6), a6);
    }

    #[test]
    fn network_context_layout_and_errors() {
        let n = NetworkContext {
            interface_type: 6,
            tunnel_type: u32::MAX,
            next_hop_interface_luid: 0x1122,
            sub_interface_index: 3,
        };
        let b = n.to_bytes();
        assert_eq!(&b[0..4], &1u32.to_ne_bytes());
        assert_eq!(&b[8..12], &[0xff; 4]);
        assert_eq!(&b[16..24], &0x1122u64.to_ne_bytes());
        assert_eq!(&b[24..28], &3u32.to_ne_bytes());
        let v6: SocketAddr = "[::1]:1".parse().unwrap();
        let e = check_family("cgroup/connect4", "remote", Family::V4, &v6).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cgroup/connect4 hook: the remote address [::1]:1 is not IPv4, as the hook's are"
        );
    }
}
