//! The eBPF for Windows helper table (general helpers 1 to 35 and the XDP hook's), and the
//! general helpers this host leaves out.

use super::{entry, maps, misc, not, packet, printk, sock, typed, Entry, NotOffered, Typed};

/// eBPF for Windows helpers, by id.
pub(super) const TABLE: &[Entry] = &[
    entry(1, maps::lookup),
    entry(2, maps::update),
    entry(3, maps::delete),
    entry(4, maps::lookup_and_delete),
    entry(5, misc::tail_call),
    entry(6, misc::get_prandom_u32),
    entry(7, misc::ktime_get_boot_ns_100),
    entry(8, misc::get_smp_processor_id),
    entry(9, misc::ktime_get_ns_100),
    entry(10, packet::csum_diff_windows),
    entry(11, maps::ringbuf_output),
    entry(12, printk::trace_printk2),
    entry(13, printk::trace_printk3),
    entry(14, printk::trace_printk4),
    entry(15, printk::trace_printk5),
    entry(16, maps::push),
    entry(17, maps::pop),
    entry(18, maps::peek),
    entry(19, misc::get_current_pid_tgid),
    entry(20, misc::get_current_logon_id),
    entry(21, misc::is_current_admin),
    entry(22, misc::memcpy_s),
    entry(23, misc::memcmp_s),
    entry(24, misc::memset),
    entry(25, misc::memcpy_s),
    entry(27, misc::strncpy_s),
    entry(28, misc::strncat_s),
    entry(29, misc::strnlen_s),
    entry(30, misc::ktime_get_boot_ms),
    entry(31, misc::ktime_get_ms),
    entry(32, maps::perf_event_output),
    entry(33, misc::get_current_process_start_key),
    entry(34, misc::get_current_thread_create_time),
    entry(65536, packet::xdp_adjust_head_windows),
];

/// The socket hooks' helpers and overrides (`netebpfext`): `sock_addr` overrides
/// `bpf_get_current_pid_tgid` (with the hook's implicit context), `bpf_get_current_logon_id`,
/// `bpf_is_current_admin` and `bpf_get_socket_cookie` and adds the redirect-context and
/// network-context helpers; `sockops` overrides `bpf_get_current_pid_tgid` and adds
/// `bpf_sock_ops_get_flow_id` (0x10000, the id `xdp`'s `bpf_xdp_adjust_head` has).
pub(super) const TYPED: &[Typed] = &[
    typed("sock_addr", 19, sock::current_pid_tgid),
    typed("sock_addr", 20, sock::current_logon_id),
    typed("sock_addr", 21, sock::is_current_admin),
    typed("sock_addr", 26, sock::socket_cookie),
    typed("sock_addr", 0x10001, sock::set_redirect_context),
    typed("sock_addr", 0x10002, sock::get_network_context),
    typed("sockops", 19, sock::current_pid_tgid),
    typed("sockops", 0x10000, sock::sock_ops_flow_id),
];

/// General helpers with no implementation of eBPF for Windows' own (`ebpf_core.c` leaves their
/// address NULL): a program calling one loads only where its program type overrides it, and
/// of the types here only `sock_addr` does, for 26 (efw-facts §2.3, §4.2), so here, as there, such a
/// program fails to load, naming the helper.
pub(super) const NOT_OFFERED: &[NotOffered] = &[
    not(
        26,
        "bpf_get_socket_cookie: eBPF for Windows implements it only in the sock_addr hook's override",
    ),
    not(
        35,
        "bpf_redirect_map: eBPF for Windows implements it only in a program type's override (sample, XSK)",
    ),
];
