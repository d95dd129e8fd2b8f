//! Linux socket filters and tc classifiers over a `__sk_buff` built from an Ethernet frame.
//!
//! The host fills the `__sk_buff` fields a kernel would for the frame: `len`, `protocol` (the
//! frame's EtherType as the kernel's `__be16`), `pkt_type` (host, broadcast or multicast by the
//! destination address), `ifindex` and `ingress_ifindex`, `wire_len`, and the caller's
//! [`SkbMeta`] (`mark`, `priority`, `queue_mapping`, `hash`, `tstamp`); `cb` and the rest start
//! at zero. `data`/`data_end` (and `data_meta`, equal to `data`: no metadata) are the host's
//! pointers, which the verifier's rewrite of the 32-bit fields reads.
//!
//! - **Socket filters** (attach type `socket_filter`, which Linux attaches by
//!   `setsockopt(SO_ATTACH_BPF)` rather than by `bpf_attach_type`; parameter: a socket id of
//!   the caller's choosing): the program sees the frame from its network header, as an
//!   `AF_INET` socket and `BPF_PROG_TEST_RUN` do (`len` excludes the Ethernet header); one
//!   program per socket ([`Capability::SinglePerParameter`]), and the socket's own program
//!   runs instead of the wildcard one. The result is how many bytes to keep: 0 drops the
//!   packet, a value below the length trims it (`sk_filter_trim_cap`).
//! - **tc** (`tcx_ingress`, `tcx_egress`; parameter: the interface index): `sched_cls`
//!   programs see the whole frame. Several programs run in attach order while they return
//!   `TCX_NEXT` (-1); the first other value ends the run; `TC_ACT_OK` 0, `TC_ACT_SHOT` 2 and
//!   `TC_ACT_REDIRECT` 7 are the hook's action, any other value is `TCX_NEXT` (Linux's
//!   `tcx_run` and `tcx_action_code`). No program, or all `TCX_NEXT`: [`TcAction::Next`].

use super::{Capability, Flow, Hook, HookError, HookSpec, WILDCARD};
use crate::context::{Context, ContextError, Redirect};
use crate::invoke::Batch;
use crate::object::ObjectError;
use crate::Host;
use ebpf_platform::AttachType;

/// The attach point of Linux socket filters, which have no `bpf_attach_type`.
pub static SOCKET_FILTER: AttachType = AttachType {
    name: "socket_filter",
    number: u32::MAX,
};

/// The hooks this family serves.
pub(crate) const SPECS: &[HookSpec] = &[
    HookSpec {
        platform: "linux",
        attach_type: "socket_filter",
        program_type: "socket_filter",
        capability: Capability::SinglePerParameter,
    },
    HookSpec {
        platform: "linux",
        attach_type: "tcx_ingress",
        program_type: "sched_cls",
        capability: Capability::Multi,
    },
    HookSpec {
        platform: "linux",
        attach_type: "tcx_egress",
        program_type: "sched_cls",
        capability: Capability::Multi,
    },
];

/// Ethernet header length.
const ETH_HLEN: usize = 14;

/// What the caller knows about a frame beyond its bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SkbMeta {
    /// `mark`.
    pub mark: u32,
    /// `priority`.
    pub priority: u32,
    /// `queue_mapping`.
    pub queue_mapping: u32,
    /// `hash`.
    pub hash: u32,
    /// `tstamp`.
    pub tstamp: u64,
}

/// `PACKET_HOST`, `PACKET_BROADCAST`, `PACKET_MULTICAST`.
fn pkt_type(frame: &[u8]) -> u64 {
    match frame.get(..6) {
        Some(d) if d.iter().all(|&b| b == 0xff) => 1,
        Some(d) if d[0] & 1 == 1 => 2,
        _ => 0,
    }
}

/// Fills `ctx`'s `__sk_buff` for `frame` from `ifindex`; the packet is the frame from byte
/// `from` on.
fn fill(
    ctx: &mut Context,
    frame: &[u8],
    from: usize,
    ifindex: u32,
    meta: &SkbMeta,
) -> Result<(), ContextError> {
    let data = frame.get(from..).unwrap_or(&[]);
    ctx.set_packet(data)?;
    // Every field from the previous packet is reset (the `cb` scratch and what programs wrote).
    ctx.set_fields(&[0; 192])?;
    let protocol = match frame.get(12..14) {
        Some(p) => u64::from(u16::from_ne_bytes([p[0], p[1]])),
        None => 0,
    };
    let len = data.len() as u64;
    for (name, value) in [
        ("len", len),
        ("pkt_type", pkt_type(frame)),
        ("mark", u64::from(meta.mark)),
        ("queue_mapping", u64::from(meta.queue_mapping)),
        ("protocol", protocol),
        ("priority", u64::from(meta.priority)),
        ("ingress_ifindex", u64::from(ifindex)),
        ("ifindex", u64::from(ifindex)),
        ("hash", u64::from(meta.hash)),
        ("tstamp", meta.tstamp),
        ("wire_len", len),
    ] {
        ctx.set_field(name, value)?;
    }
    Ok(())
}

/// What a socket filter decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SocketOutcome {
    /// Bytes of the packet (from its network header) the socket keeps; 0: dropped.
    pub keep: u32,
    /// The program's return value (0 when none ran: no filter keeps everything).
    pub retval: u64,
    /// Whether a program ran.
    pub filtered: bool,
}

/// tc's action for a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TcAction {
    /// `TCX_NEXT` / `TC_ACT_UNSPEC` (-1): no program decided.
    Next,
    /// `TC_ACT_OK` (0).
    Pass,
    /// `TC_ACT_SHOT` (2).
    Drop,
    /// `TC_ACT_REDIRECT` (7).
    Redirect,
}

impl TcAction {
    /// The name as Linux's headers spell it.
    pub fn name(self) -> &'static str {
        match self {
            TcAction::Next => "TCX_NEXT",
            TcAction::Pass => "TC_ACT_OK",
            TcAction::Drop => "TC_ACT_SHOT",
            TcAction::Redirect => "TC_ACT_REDIRECT",
        }
    }

    /// Linux's `tcx_action_code` of a return value.
    pub fn of(r0: u64) -> TcAction {
        match r0 as u32 as i32 {
            0 => TcAction::Pass,
            2 => TcAction::Drop,
            7 => TcAction::Redirect,
            _ => TcAction::Next,
        }
    }
}

/// tc's result for a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcOutcome {
    /// The combined action.
    pub action: TcAction,
    /// The deciding program's return value (the last one's when none decided; 0 for none).
    pub retval: u64,
    /// How many programs ran.
    pub programs: usize,
    /// Where `TC_ACT_REDIRECT` sends the frame (from `bpf_redirect`).
    pub redirect: Option<Redirect>,
}

/// A socket-filter or tc attach point of a (Linux) host.
#[derive(Clone, Debug)]
pub struct SkbHook {
    hook: Hook,
}

impl SkbHook {
    /// The host's socket-filter hook.
    pub fn socket_filter(host: &Host) -> Result<SkbHook, ObjectError> {
        Ok(SkbHook {
            hook: host.hook(SOCKET_FILTER.name)?,
        })
    }

    /// The host's tc hook, ingress or egress.
    pub fn tc(host: &Host, ingress: bool) -> Result<SkbHook, ObjectError> {
        let name = if ingress { "tcx_ingress" } else { "tcx_egress" };
        Ok(SkbHook {
            hook: host.hook(name)?,
        })
    }

    /// The underlying attach point.
    pub fn hook(&self) -> &Hook {
        &self.hook
    }

    /// A context to reuse across frames.
    pub fn new_context(&self) -> Result<Context, ContextError> {
        self.hook.new_context()
    }

    /// Runs the socket `socket`'s filter (or the wildcard one) on `frame`, an Ethernet frame
    /// that arrived on `ifindex`; the packet as the program left it stays in `ctx`.
    pub fn filter(
        &self,
        batch: &mut Batch<'_>,
        socket: u64,
        ifindex: u32,
        frame: &[u8],
        meta: &SkbMeta,
        ctx: &mut Context,
    ) -> Result<SocketOutcome, HookError> {
        fill(ctx, frame, ETH_HLEN.min(frame.len()), ifindex, meta).map_err(HookError::Context)?;
        let len = frame.len().saturating_sub(ETH_HLEN) as u32;
        let mut out = SocketOutcome {
            keep: len,
            retval: 0,
            filtered: false,
        };
        self.hook
            .run(batch, socket, ctx, |_, r0, _| {
                out.retval = r0;
                out.filtered = true;
                out.keep = (r0 as u32).min(len);
                Flow::Stop
            })
            .map_err(HookError::Invoke)?;
        Ok(out)
    }

    /// Runs the tc programs attached for `ifindex` (then the wildcard ones) on `frame`; the
    /// frame as the programs left it stays in `ctx`.
    pub fn classify(
        &self,
        batch: &mut Batch<'_>,
        ifindex: u32,
        frame: &[u8],
        meta: &SkbMeta,
        ctx: &mut Context,
    ) -> Result<TcOutcome, HookError> {
        fill(ctx, frame, 0, ifindex, meta).map_err(HookError::Context)?;
        let mut out = TcOutcome {
            action: TcAction::Next,
            retval: 0,
            programs: 0,
            redirect: None,
        };
        let parameter = if ifindex == 0 {
            WILDCARD
        } else {
            u64::from(ifindex)
        };
        out.programs = self
            .hook
            .run(batch, parameter, ctx, |_, r0, ctx| {
                out.retval = r0;
                if r0 as u32 as i32 == -1 {
                    return Flow::Continue;
                }
                out.action = TcAction::of(r0);
                if out.action == TcAction::Redirect {
                    out.redirect = ctx.redirect();
                }
                Flow::Stop
            })
            .map_err(HookError::Invoke)?;
        Ok(out)
    }
}
