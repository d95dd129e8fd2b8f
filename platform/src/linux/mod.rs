//! The Linux platform: program types with their context layouts (UAPI `struct xdp_md`,
//! `struct __sk_buff`, `struct pt_regs` on x86-64, ...) and verdicts, the common helper
//! prototypes by their UAPI ids, attach and map types, libbpf's section names and the legacy
//! `struct bpf_map_def` records.
//!
//! The program types live in `program_types.rs` (their contexts in `contexts.rs`), the helper
//! prototypes in `helpers.rs`, the attach types, section names, map types and map records in
//! `tables.rs`. The helper groups defined here link program types and helpers: a program type
//! may call a helper when they share a group bit.

mod attach_contexts;
mod contexts;
mod helpers;
mod helpers_more;
mod program_types;
mod tables;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_more;

use crate::Platform;

/// The Linux platform.
pub(crate) const PLATFORM: Platform = Platform {
    name: "linux",
    program_types: program_types::PROGRAM_TYPES,
    attach_types: tables::ATTACH_TYPES,
    sections: tables::SECTIONS,
    path_conventions: tables::PATH_CONVENTIONS,
    // As PREVAIL does; the type is described permissively (see program_types.rs).
    default_program_type: Some("socket_filter"),
    helpers: &ALL_HELPERS,
    map_types: tables::MAP_TYPES,
    map_records: tables::MAP_RECORDS,
    refuse_pointer_disclosure: true,
    attach_contexts: attach_contexts::ATTACH_CONTEXTS,
};

/// The helper tables joined: those of `helpers.rs`, then those of `helpers_more.rs`.
static ALL_HELPERS: [crate::HelperProto; helpers::HELPERS.len() + helpers_more::HELPERS.len()] =
    join(helpers::HELPERS, helpers_more::HELPERS);

/// `a` then `b`, as one array of `N` (their total length) prototypes.
const fn join<const N: usize>(
    a: &[crate::HelperProto],
    b: &[crate::HelperProto],
) -> [crate::HelperProto; N] {
    let mut out = [a[0]; N];
    let mut i = 0;
    while i < N {
        out[i] = if i < a.len() { a[i] } else { b[i - a.len()] };
        i += 1;
    }
    out
}

/// Helpers every program type may call.
const BASE: u32 = 1;
/// `bpf_skb_load_bytes`: every `__sk_buff` hook.
const SKB: u32 = 2;
/// tc-only helpers (packet writes, redirects).
const TC: u32 = 4;
/// XDP-only helpers.
const XDP: u32 = 8;
/// Tracing helpers (kprobe, tracepoint).
const TRACING: u32 = 16;
/// Helpers for networking hooks that emit events (`perf_event_output` with a context).
const EVENTS: u32 = 32;
/// The current task's ids (tracing and cgroup hooks).
const CURRENT: u32 = 64;
/// sock_ops helpers.
const SOCK_OPS: u32 = 128;
/// Helpers of every `__sk_buff` program that may change the packet or its metadata
/// (tc, lwt_xmit, sk_skb).
const SKB_WRITE: u32 = 256;
/// perf_event-only helpers (the counter behind the context).
const PERF_EVENT: u32 = 512;
/// sk_msg helpers.
const SK_MSG: u32 = 1 << 10;
/// sk_reuseport helpers (and the `__sk_buff` readers that also take its context).
const REUSEPORT: u32 = 1 << 11;
/// cgroup_sysctl helpers.
const SYSCTL: u32 = 1 << 12;
/// cgroup_sock_addr helpers.
const SOCK_ADDR: u32 = 1 << 13;
/// lirc_mode2 helpers (remote control decoding).
const LIRC: u32 = 1 << 14;
/// sk_skb-only helpers (socket redirects).
const SK_SKB: u32 = 1 << 15;
/// The cgroup ids of an `__sk_buff`'s socket (tc and cgroup_skb).
const SKB_CGROUP: u32 = 1 << 16;
/// kprobe-only helpers (error injection).
const KPROBE: u32 = 1 << 17;
/// The socket behind an `__sk_buff` (cookie, uid) and loads relative to its headers (socket
/// filter, tc, cgroup_skb).
const SKB_SOCK: u32 = 1 << 18;
/// lwt helpers (and the tc helpers lwt programs share).
const LWT: u32 = 1 << 19;
/// `bpf_get_netns_cookie` with a context (cgroup socket, sock_addr, sock_ops, sk_msg and
/// sockopt hooks).
const NETNS: u32 = 1 << 20;
/// The cgroup hooks' own helpers (`get_retval`, `set_retval`).
const CGROUP_HOOK: u32 = 1 << 21;
/// lwt_seg6local-only helpers (segment routing header changes).
const SEG6: u32 = 1 << 22;
/// The reference-tracked socket lookups and `bpf_sk_release` (tc, XDP, sock_addr, sk_skb
/// and cgroup_skb hooks).
const SOCK_LOOKUP: u32 = 1 << 23;
