//! Sockets as programs see them: [`SockKind`] (which view of a kernel socket a pointer has)
//! and [`SockLayout`] (the UAPI structure read through it: `struct bpf_sock`,
//! `struct bpf_tcp_sock`), with the loads the kernel allows on each field.
//!
//! Facts from the Linux UAPI header (`include/uapi/linux/bpf.h`) and the kernel's
//! `bpf_sock_is_valid_access`, `bpf_sock_common_is_valid_access` and
//! `bpf_tcp_sock_is_valid_access` (`net/core/filter.c`): socket structures are read only,
//! each load is naturally aligned and inside one field; IPv4/IPv6 addresses also allow 1- and
//! 2-byte loads of each 32-bit word, `dst_port` (16 bits) 1- and 2-byte loads and, for older
//! programs, a 4-byte load at its offset; a `sock_common` (from `skc_lookup_tcp`) does not
//! have `type`, `protocol`, `mark` and `priority`.

/// Which view of a kernel socket a pointer has (what Linux calls `PTR_TO_SOCK_COMMON`,
/// `PTR_TO_SOCKET`, `PTR_TO_TCP_SOCK`, and a BTF-typed socket).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SockKind {
    /// A socket that may be a request or time-wait socket: `struct bpf_sock` without the
    /// fields only full sockets have.
    Common,
    /// A full socket: `struct bpf_sock`.
    Full,
    /// A TCP socket: `struct bpf_tcp_sock`.
    Tcp,
    /// A kernel structure known only by its BTF type (the `skc_to_*` casts): not readable
    /// here, usable as a socket argument.
    Btf,
}

impl SockKind {
    /// The structure a program reads through such a pointer; `None` for [`SockKind::Btf`].
    pub const fn layout(self) -> Option<&'static SockLayout> {
        match self {
            SockKind::Common => Some(&SOCK_COMMON),
            SockKind::Full => Some(&SOCK),
            SockKind::Tcp => Some(&TCP_SOCK),
            SockKind::Btf => None,
        }
    }

    /// A short name for messages.
    pub const fn name(self) -> &'static str {
        match self {
            SockKind::Common => "sock_common",
            SockKind::Full => "socket",
            SockKind::Tcp => "tcp_sock",
            SockKind::Btf => "BTF-typed socket",
        }
    }
}

/// One readable field of a socket structure and the load sizes it allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SockField {
    /// The C member name (an array without its brackets).
    pub name: &'static str,
    /// Byte offset.
    pub offset: u32,
    /// Size in bytes (of the whole array for an array member).
    pub size: u32,
    /// Allowed load sizes as a bit set: bit `n` set when an `n`-byte load is allowed
    /// (1, 2, 4, 8), each naturally aligned and inside the field.
    pub loads: u8,
}

const W: u8 = 4;
const NARROW: u8 = 1 | 2 | 4;

const fn f(name: &'static str, offset: u32, size: u32, loads: u8) -> SockField {
    SockField {
        name,
        offset,
        size,
        loads,
    }
}

/// A socket structure as programs read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SockLayout {
    /// The C structure's name.
    pub name: &'static str,
    /// Size in bytes.
    pub size: u32,
    /// The fields (a field may be listed twice with different load sizes).
    pub fields: &'static [SockField],
    /// Names of [`SockLayout::fields`] this view cannot read (a `sock_common` lacks some of
    /// `bpf_sock`'s), so one structure's offsets serve both views.
    pub hidden: &'static [&'static str],
}

impl SockLayout {
    /// The field a load of `size` bytes at `offset` reads, when the kernel allows that load.
    pub fn load(&self, offset: i64, size: u32) -> Option<&'static SockField> {
        if !matches!(size, 1 | 2 | 4 | 8) || offset < 0 || offset % i64::from(size) != 0 {
            return None;
        }
        let (start, end) = (offset, offset + i64::from(size));
        self.fields.iter().find(|fl| {
            !self.hidden.contains(&fl.name)
                && fl.loads & size as u8 != 0
                && i64::from(fl.offset) <= start
                && end <= i64::from(fl.offset + fl.size)
        })
    }
}

const SOCK_FIELDS: &[SockField] = &[
    f("bound_dev_if", 0, 4, W),
    f("family", 4, 4, W),
    f("type", 8, 4, W),
    f("protocol", 12, 4, W),
    f("mark", 16, 4, W),
    f("priority", 20, 4, W),
    f("src_ip4", 24, 4, NARROW),
    f("src_ip6", 28, 16, NARROW),
    f("src_port", 44, 4, W),
    f("dst_port", 48, 2, 1 | 2),
    f("dst_port", 48, 4, W),
    f("dst_ip4", 52, 4, NARROW),
    f("dst_ip6", 56, 16, NARROW),
    f("state", 72, 4, W),
    f("rx_queue_mapping", 76, 4, W),
];

/// `struct bpf_sock` (80 bytes).
pub static SOCK: SockLayout = SockLayout {
    name: "bpf_sock",
    size: 80,
    fields: SOCK_FIELDS,
    hidden: &[],
};

/// `struct bpf_sock` through a `sock_common` pointer: without `type`, `protocol`, `mark`
/// and `priority`.
pub static SOCK_COMMON: SockLayout = SockLayout {
    name: "bpf_sock (sock_common)",
    size: 80,
    fields: SOCK_FIELDS,
    hidden: &["type", "protocol", "mark", "priority"],
};

/// `struct bpf_tcp_sock` (112 bytes): 32-bit counters, two 64-bit byte counts.
pub static TCP_SOCK: SockLayout = SockLayout {
    name: "bpf_tcp_sock",
    size: 112,
    fields: &[
        f("snd_cwnd", 0, 4, W),
        f("srtt_us", 4, 4, W),
        f("rtt_min", 8, 4, W),
        f("snd_ssthresh", 12, 4, W),
        f("rcv_nxt", 16, 4, W),
        f("snd_nxt", 20, 4, W),
        f("snd_una", 24, 4, W),
        f("mss_cache", 28, 4, W),
        f("ecn_flags", 32, 4, W),
        f("rate_delivered", 36, 4, W),
        f("rate_interval_us", 40, 4, W),
        f("packets_out", 44, 4, W),
        f("retrans_out", 48, 4, W),
        f("total_retrans", 52, 4, W),
        f("segs_in", 56, 4, W),
        f("data_segs_in", 60, 4, W),
        f("segs_out", 64, 4, W),
        f("data_segs_out", 68, 4, W),
        f("lost_out", 72, 4, W),
        f("sacked_out", 76, 4, W),
        f("bytes_received", 80, 8, 8),
        f("bytes_acked", 88, 8, 8),
        f("dsack_dups", 96, 4, W),
        f("delivered", 100, 4, W),
        f("delivered_ce", 104, 4, W),
        f("icsk_retransmits", 108, 4, W),
    ],
    hidden: &[],
};
