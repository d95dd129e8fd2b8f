//! The Linux helper table (UAPI ids) and the helpers the XDP hook is offered that this host
//! leaves out.

use super::{entry, maps, misc, not, packet, printk, sock, typed, Entry, NotOffered, Typed};

/// Linux helpers, by UAPI id.
pub(super) const TABLE: &[Entry] = &[
    entry(1, maps::lookup),
    entry(2, maps::update),
    entry(3, maps::delete),
    entry(5, misc::ktime_get_ns),
    entry(6, printk::trace_printk),
    entry(7, misc::get_prandom_u32),
    entry(8, misc::get_smp_processor_id),
    entry(12, misc::tail_call),
    entry(23, packet::redirect),
    entry(25, maps::perf_event_output),
    entry(28, packet::csum_diff),
    entry(42, misc::get_numa_node_id),
    entry(44, packet::xdp_adjust_head),
    entry(51, packet::redirect_map),
    entry(54, packet::xdp_adjust_meta),
    entry(65, packet::xdp_adjust_tail),
    entry(87, maps::push),
    entry(88, maps::pop),
    entry(89, maps::peek),
    entry(125, misc::ktime_get_boot_ns),
    entry(130, maps::ringbuf_output),
    entry(131, maps::ringbuf_reserve),
    entry(132, maps::ringbuf_submit),
    entry(133, maps::ringbuf_discard),
    entry(134, maps::ringbuf_query),
];

/// The cgroup socket-address hooks' `bpf_get_current_pid_tgid`: the process of the event the
/// embedding host hands over.
pub(super) const TYPED: &[Typed] = &[
    typed("cgroup_sock_addr", 14, sock::current_pid_tgid),
    typed("cgroup_sock_addr", 15, sock::current_uid_gid),
    typed("cgroup_sock_addr", 46, sock::socket_cookie),
];

/// Helpers Linux offers XDP and cgroup socket-address programs that this host does not
/// implement.
pub(super) const NOT_OFFERED: &[NotOffered] = &[
    not(64, "bpf_bind: the host has no socket to bind"),
    not(69, "bpf_fib_lookup: the host has no routing table"),
    not(80, "bpf_get_current_cgroup_id: the host has no cgroups"),
    not(
        123,
        "bpf_get_current_ancestor_cgroup_id: the host has no cgroups",
    ),
    not(118, "bpf_jiffies64: the host has no scheduler tick"),
    // Spin locks and callbacks: verified, not run (the interpreter and the JIT cannot call
    // back into a program from a helper yet; values have no lock word without BTF).
    not(
        93,
        "bpf_spin_lock: verified only; the host does not run spin locks",
    ),
    not(
        94,
        "bpf_spin_unlock: verified only; the host does not run spin locks",
    ),
    not(
        164,
        "bpf_for_each_map_elem: verified only; the host cannot call back into a program",
    ),
    not(169, "bpf_timer_init: timers are not modelled"),
    not(170, "bpf_timer_set_callback: timers are not modelled"),
    not(171, "bpf_timer_start: timers are not modelled"),
    not(172, "bpf_timer_cancel: timers are not modelled"),
    not(
        181,
        "bpf_loop: verified only; the host cannot call back into a program",
    ),
    not(
        209,
        "bpf_user_ringbuf_drain: user ring buffers are not modelled",
    ),
];
