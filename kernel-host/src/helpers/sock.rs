//! The socket hooks' helpers: what eBPF for Windows' `sock_addr` and `sockops` program types
//! add or override (`netebpfext`), and Linux's `bpf_get_current_pid_tgid` for the cgroup
//! socket-address hooks. Each reads the implicit context the hook hands over for the event
//! (the context's `EventData`, moved into the invocation's frame; the slots are
//! `hooks::sock`'s); a program invoked without one (a test run) reads zeros, and the helpers
//! that report failure fail.

use ebpf_interp::HelperError;

use super::Call;
use crate::context::EventData;
use crate::hooks::sock::{COOKIE, FLAGS, FLAG_ADMIN, FLAG_REDIRECT_CONTEXT, PID_TGID, SECOND};

/// -1, the failure of `bpf_sock_addr_set_redirect_context` and
/// `bpf_sock_addr_get_network_context`.
const FAILED: u64 = u64::MAX;

/// Size of `bpf_sock_addr_network_context_t`.
pub(crate) const NETWORK_CONTEXT_SIZE: usize = 32;

fn state<'c>(c: &'c Call<'_, '_>) -> Option<&'c EventData> {
    c.frame.event.as_deref()
}

fn value(c: &Call<'_, '_>, slot: usize) -> u64 {
    state(c).map_or(0, |s| s.values[slot])
}

/// `bpf_get_current_pid_tgid` (Windows 19 for `sock_addr` and `sockops`, Linux 14 for
/// `cgroup_sock_addr`): the requesting process in the high 32 bits, its thread in the low 32.
pub(super) fn current_pid_tgid(c: &mut Call<'_, '_>, _: [u64; 5]) -> Result<u64, HelperError> {
    Ok(value(c, PID_TGID))
}

/// Linux's `bpf_get_current_uid_gid` (15): the requesting process's group id in the high 32
/// bits, its user id in the low 32.
pub(super) fn current_uid_gid(c: &mut Call<'_, '_>, _: [u64; 5]) -> Result<u64, HelperError> {
    Ok(value(c, SECOND))
}

/// `bpf_get_current_logon_id(ctx)` (Windows 20, `sock_addr`): the requesting user's logon id.
pub(super) fn current_logon_id(c: &mut Call<'_, '_>, _: [u64; 5]) -> Result<u64, HelperError> {
    Ok(value(c, SECOND))
}

/// `bpf_is_current_admin(ctx)` (Windows 21, `sock_addr`): 1 when the requesting user is an
/// administrator, else 0.
pub(super) fn is_current_admin(c: &mut Call<'_, '_>, _: [u64; 5]) -> Result<u64, HelperError> {
    Ok(u64::from(value(c, FLAGS) & FLAG_ADMIN != 0))
}

/// `bpf_get_socket_cookie(ctx)` (Windows 26 for `sock_addr`, Linux 46 for
/// `cgroup_sock_addr`): the socket's cookie.
pub(super) fn socket_cookie(c: &mut Call<'_, '_>, _: [u64; 5]) -> Result<u64, HelperError> {
    Ok(value(c, COOKIE))
}

/// `bpf_sock_ops_get_flow_id(ctx)` (Windows 0x10000, `sockops`): the flow's id.
pub(super) fn sock_ops_flow_id(c: &mut Call<'_, '_>, _: [u64; 5]) -> Result<u64, HelperError> {
    Ok(value(c, SECOND))
}

/// `bpf_sock_addr_set_redirect_context(ctx, data, size)` (Windows 0x10001): keeps a copy of
/// `data` for the connection's redirect; 0, or -1 outside the connect layers (and for empty
/// data, which the verifier already refuses).
pub(super) fn set_redirect_context(
    c: &mut Call<'_, '_>,
    [_, data, size, _, _]: [u64; 5],
) -> Result<u64, HelperError> {
    if value(c, FLAGS) & FLAG_REDIRECT_CONTEXT == 0 || data == 0 || size == 0 {
        return Ok(FAILED);
    }
    let len = usize::try_from(size).map_err(|_| HelperError::failed(0, "size too large"))?;
    let bytes = c.mem.read(data, len)?;
    if let Some(s) = c.frame.event.as_deref_mut() {
        s.output.clear();
        s.output.extend_from_slice(bytes);
    }
    Ok(0)
}

/// `bpf_sock_addr_get_network_context(ctx, out, size)` (Windows 0x10002): writes
/// `bpf_sock_addr_network_context_t` (32 bytes, zeros after it up to `size`); 0, or -1 when
/// the layer has no network context or `size` is smaller than the structure (`out` is then
/// zeroed).
pub(super) fn get_network_context(
    c: &mut Call<'_, '_>,
    [_, out, size, _, _]: [u64; 5],
) -> Result<u64, HelperError> {
    let len = usize::try_from(size).map_err(|_| HelperError::failed(0, "size too large"))?;
    let mut context = [0u8; NETWORK_CONTEXT_SIZE];
    let found = match state(c) {
        Some(s) if s.input.len() == NETWORK_CONTEXT_SIZE => {
            context.copy_from_slice(&s.input);
            true
        }
        _ => false,
    };
    let dst = c.mem.write(out, len)?;
    dst.fill(0);
    if found && len >= NETWORK_CONTEXT_SIZE {
        dst[..NETWORK_CONTEXT_SIZE].copy_from_slice(&context);
        return Ok(0);
    }
    Ok(FAILED)
}

/// Linux's `bpf_sk_fullsock` (95) and `bpf_tcp_sock` (96): null. This host has no kernel
/// sockets: the only socket a program may pass them is its context's `sk`, which is always
/// null here ([`Context::set_fields`](crate::Context::set_fields)), so the program's null
/// check keeps it from calling them; programs reading `skb->sk` the usual way still load.
pub(super) fn no_socket(_: &mut Call<'_, '_>, _: [u64; 5]) -> Result<u64, HelperError> {
    Ok(0)
}
