//! The hook invoke entry points' work: what a driver's hook provider calls with an event.
//!
//! - XDP: a packet arriving on an interface runs the program attached to `xdp` with that
//!   interface's index (or with 0, every interface); the packet (as the program left it) and
//!   the verdict go back. No program attached: pass.
//! - Bind: a socket's bind request runs the program attached to `bind` (compartment parameter
//!   0, or the request's); its `bind_action_t` goes back. No program attached: permit.
//!
//! The attached program is found among the context's links; the first link (lowest id) that
//! matches runs, as eBPF for Windows runs one program per XDP interface and bind hook.

use alloc::sync::Arc;

use ebpf_kernel_host::{Batch, Context, Host, Object, ObjectKind, Program};

/// eBPF for Windows' `XDP_PASS`.
pub(crate) const XDP_PASS: u32 = 1;
/// eBPF for Windows' `BIND_PERMIT_SOFT`.
pub(crate) const BIND_PERMIT: u32 = 0;

/// Why an invocation did not run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HookError {
    /// The event does not fit the context (a packet too large, a field out of range).
    BadEvent,
    /// The program faulted or ran out of its instruction bound.
    Failed,
    /// The output buffer is too small for the packet the program left.
    OutputTooSmall {
        /// The packet's length.
        need: usize,
    },
}

/// The program attached as `attach_type` for `parameter` (or for every parameter, 0).
pub(crate) fn attached(host: &Host, attach_type: &str, parameter: u64) -> Option<Arc<Program>> {
    let mut id = 0;
    while let Some(next) = host.next_id(ObjectKind::Link, id) {
        id = next;
        let Ok(Object::Link(link)) = host.object(id) else {
            continue;
        };
        let info = link.info();
        if link.attach_type().name == attach_type
            && (info.parameter == 0 || info.parameter == parameter)
        {
            return Some(link.program().clone());
        }
    }
    None
}

/// Runs `program` on `ctx` in `batch`.
fn run(batch: &mut Batch<'_>, program: &Program, ctx: &mut Context) -> Result<u64, HookError> {
    batch.invoke(program, ctx).map_err(|e| {
        crate::os::trace(&alloc::format!(
            "ebpf-driver: program {}: {e}",
            program.id()
        ));
        HookError::Failed
    })
}

/// Runs the XDP program attached for `ifindex` on `packet`; writes the packet it leaves into
/// `out` and returns `(verdict, length)`.
pub(crate) fn xdp(
    host: &Host,
    batch: &mut Batch<'_>,
    ifindex: u32,
    packet: &[u8],
    out: &mut [u8],
) -> Result<(u32, usize), HookError> {
    let Some(program) = attached(host, "xdp", u64::from(ifindex)) else {
        return copy_out(packet, out).map(|n| (XDP_PASS, n));
    };
    let mut ctx = program.new_context().map_err(|_| HookError::BadEvent)?;
    let mut fields = [0u8; 32];
    fields[24..28].copy_from_slice(&ifindex.to_le_bytes());
    ctx.set_fields(&fields).map_err(|_| HookError::BadEvent)?;
    ctx.set_packet(packet).map_err(|_| HookError::BadEvent)?;
    let verdict = run(batch, &program, &mut ctx)?;
    let data = ctx.packet().map_or(&[][..], |p| p.data());
    let n = copy_out(data, out)?;
    Ok((verdict as u32, n))
}

fn copy_out(data: &[u8], out: &mut [u8]) -> Result<usize, HookError> {
    let dst = out
        .get_mut(..data.len())
        .ok_or(HookError::OutputTooSmall { need: data.len() })?;
    dst.copy_from_slice(data);
    Ok(data.len())
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

/// Runs the bind program attached for the request's compartment; returns its action.
pub(crate) fn bind(
    host: &Host,
    batch: &mut Batch<'_>,
    request: &BindRequest<'_>,
) -> Result<u32, HookError> {
    let Some(program) = attached(host, "bind", u64::from(request.compartment)) else {
        return Ok(BIND_PERMIT);
    };
    let mut ctx = program.new_context().map_err(|_| HookError::BadEvent)?;
    // bind_md_t: app_id_start 0, app_id_end 8, process_id 16, socket_address 24 (16 bytes),
    // socket_address_length 40, operation 44, protocol 48; 56 bytes.
    let mut fields = [0u8; 56];
    fields[16..24].copy_from_slice(&request.process_id.to_le_bytes());
    fields[24..40].copy_from_slice(&request.socket_address);
    fields[40] = request.socket_address_length;
    fields[44..48].copy_from_slice(&request.operation.to_le_bytes());
    fields[48] = request.protocol;
    ctx.set_fields(&fields).map_err(|_| HookError::BadEvent)?;
    ctx.set_packet(request.app_id)
        .map_err(|_| HookError::BadEvent)?;
    let action = run(batch, &program, &mut ctx)?;
    Ok(action as u32)
}
