//! What a program runs on: a [`Context`] of its program type, with a [`Packet`] when the type
//! has one, and what an invocation reports back ([`Redirect`]).
//!
//! The host builds the context the verifier assumed: the structure's number fields are the
//! caller's ([`Context::set_fields`]), its packet pointers are always the host's, written at
//! each run for the engine that runs it. eBPF for Windows' layouts hold 8-byte pointers in the
//! structure itself; Linux's `xdp_md` and `__sk_buff` hold 32-bit ones, which the verifier
//! rewrites into loads of 8-byte slots the host keeps after the structure
//! ([`ContextLayout`]'s host context: data, data_end, data_meta).
//!
//! A packet sits in a buffer with [`HEADROOM`] bytes before it (room for
//! `bpf_xdp_adjust_head`; the first [`XDP_FRAME_SIZE`] of them stay the frame's, as in Linux)
//! and, as Linux's test runs give, room after it up to [`FRAME_END`] for
//! `bpf_xdp_adjust_tail`.

use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use ebpf_platform::{ContextLayout, ProgramType};

/// Bytes of buffer before a packet (Linux's `XDP_PACKET_HEADROOM`).
pub const HEADROOM: usize = 256;
/// Bytes at the start of the buffer a packet's head may not move into (Linux's
/// `sizeof(struct xdp_frame)`).
pub const XDP_FRAME_SIZE: usize = 40;
/// Where the room for a packet's tail ends in its buffer: Linux's test runs use a 4,096-byte
/// frame with 320 bytes of `skb_shared_info` at its end. Larger packets end their buffer.
pub const FRAME_END: usize = 4096 - 320;
/// The largest packet: 65,535 bytes (the smallest `max_packet_size` of a program type with a
/// packet, eBPF for Windows') less the headroom, so that a packet whose head moves into the
/// headroom stays within the size the verifier's proof covers for every program type (a test
/// checks this against the platform descriptions).
pub const MAX_PACKET: usize = 65535 - HEADROOM;

/// Where the host keeps the 8-byte packet pointers of a context (byte offsets).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PointerSlots {
    pub(crate) data: u32,
    pub(crate) data_end: u32,
    pub(crate) data_meta: Option<u32>,
}

/// The pointer slots and the size of the context the host passes for `layout`.
///
/// Layouts with 8-byte pointer fields use them; layouts with 32-bit ones (Linux) use the host
/// context after the structure ([`ContextLayout::host`]): data, data_end and data_meta slots
/// of 8 bytes, which the verifier's rewritten loads read.
pub(crate) fn pointer_slots(layout: &ContextLayout) -> (Option<PointerSlots>, usize) {
    let (Some(data), Some(data_end)) = (layout.data, layout.data_end) else {
        return (None, layout.host_size() as usize);
    };
    match layout.host {
        Some(host) => {
            let slots = PointerSlots {
                data: host.data,
                data_end: host.data_end,
                data_meta: Some(host.data_meta),
            };
            (Some(slots), host.size as usize)
        }
        None => {
            let slots = PointerSlots {
                data,
                data_end,
                data_meta: layout.data_meta,
            };
            (Some(slots), layout.size as usize)
        }
    }
}

/// Why a context cannot be built as asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContextError {
    kind: ContextErrorKind,
}

/// What is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContextErrorKind {
    /// The program type has no context layout.
    NoLayout {
        /// The type.
        program_type: &'static str,
    },
    /// Context bytes longer than the structure.
    FieldsTooLong {
        /// The type.
        program_type: &'static str,
        /// Bytes given.
        len: usize,
        /// The structure's size.
        size: u32,
    },
    /// The program type has no packet.
    NoPacket {
        /// The type.
        program_type: &'static str,
    },
    /// A packet above [`MAX_PACKET`] bytes.
    PacketTooLarge {
        /// Its length.
        len: usize,
    },
    /// The structure has no field of this name (or it is a pointer field, which the host sets).
    NoField {
        /// The type.
        program_type: &'static str,
        /// The name asked for.
        name: &'static str,
    },
}

impl ContextError {
    fn new(kind: ContextErrorKind) -> Self {
        ContextError { kind }
    }

    /// What is wrong.
    pub fn kind(&self) -> &ContextErrorKind {
        &self.kind
    }
}

impl fmt::Display for ContextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ContextErrorKind::NoLayout { program_type } => {
                write!(f, "program type {program_type} has no context layout")
            }
            ContextErrorKind::FieldsTooLong {
                program_type,
                len,
                size,
            } => write!(
                f,
                "{len} context bytes given, the {program_type} context has {size}"
            ),
            ContextErrorKind::NoPacket { program_type } => {
                write!(f, "{program_type} programs get no packet")
            }
            ContextErrorKind::PacketTooLarge { len } => {
                write!(f, "a packet of {len} bytes exceeds {MAX_PACKET}")
            }
            ContextErrorKind::NoField { program_type, name } => {
                write!(f, "the {program_type} context has no number field {name}")
            }
        }
    }
}

impl core::error::Error for ContextError {}

/// A packet in its buffer: `[meta, start)` is metadata, `[start, end)` the packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Packet {
    pub(crate) buf: Vec<u8>,
    pub(crate) meta: usize,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

impl Packet {
    /// A packet holding `data`, after [`HEADROOM`] bytes of headroom, without metadata.
    pub fn new(data: &[u8]) -> Result<Packet, ContextError> {
        if data.len() > MAX_PACKET {
            return Err(ContextError::new(ContextErrorKind::PacketTooLarge {
                len: data.len(),
            }));
        }
        let end = HEADROOM + data.len();
        let mut buf = vec![0u8; end.max(FRAME_END)];
        buf[HEADROOM..end].copy_from_slice(data);
        Ok(Packet {
            buf,
            meta: HEADROOM,
            start: HEADROOM,
            end,
        })
    }

    /// A read-only packet holding exactly `data`, without headroom or tail room (the
    /// application id of a bind event: no helper moves or grows it).
    pub(crate) fn exact(data: &[u8]) -> Result<Packet, ContextError> {
        if data.len() > MAX_PACKET {
            return Err(ContextError::new(ContextErrorKind::PacketTooLarge {
                len: data.len(),
            }));
        }
        Ok(Packet {
            buf: data.to_vec(),
            meta: 0,
            start: 0,
            end: data.len(),
        })
    }

    /// Puts `data` in this packet's buffer as [`Packet::new`] would in a new one: the buffer
    /// as long as a new one's, the headroom zeroed (a program may have written anywhere in it:
    /// eBPF for Windows' adjust_head reaches the buffer's start), and the bytes the previous
    /// packet left after the new one's end zeroed, so nothing of one packet reaches the next.
    fn refill(&mut self, data: &[u8]) -> Result<(), ContextError> {
        if data.len() > MAX_PACKET {
            return Err(ContextError::new(ContextErrorKind::PacketTooLarge {
                len: data.len(),
            }));
        }
        let end = HEADROOM + data.len();
        let len = end.max(FRAME_END);
        let dirty = self.end.min(len);
        if dirty > end {
            self.buf[end..dirty].fill(0);
        }
        self.buf.resize(len, 0);
        self.buf[..HEADROOM].fill(0);
        self.buf[HEADROOM..end].copy_from_slice(data);
        (self.meta, self.start, self.end) = (HEADROOM, HEADROOM, end);
        Ok(())
    }

    /// The packet's bytes.
    pub fn data(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// The metadata before the packet.
    pub fn meta(&self) -> &[u8] {
        &self.buf[self.meta..self.start]
    }

    /// Bytes of buffer before the metadata.
    pub fn headroom(&self) -> usize {
        self.meta
    }
}

/// Where a program asked its packet to go (`bpf_redirect`, `bpf_redirect_map`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Redirect {
    /// To an interface.
    Interface {
        /// Its index.
        ifindex: u32,
    },
    /// Through a map (a device map).
    Map {
        /// The map's id.
        map_id: u32,
        /// The key.
        key: u32,
        /// The interface the map held there (0 for none, with `BPF_F_BROADCAST`).
        ifindex: u32,
    },
}

/// What a hook hands the helpers of its programs for one event, beyond the context structure,
/// and what they hand back (eBPF for Windows' implicit-context helpers read the process and
/// thread of the event; `bpf_sock_addr_set_redirect_context` leaves bytes for the hook). The
/// meaning of each value is the hook family's; helpers reach it through the invocation's frame.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventData {
    /// Numbers for the helpers (a family documents which is which).
    pub values: [u64; 4],
    /// Bytes for the helpers (a network context).
    pub input: Vec<u8>,
    /// Bytes helpers left for the hook (a redirect context).
    pub output: Vec<u8>,
}

/// The context of one program type: its structure's bytes, its packet, and the outcome of the
/// last invocation on it.
#[derive(Clone, Debug)]
pub struct Context {
    pub(crate) program_type: &'static ProgramType,
    pub(crate) layout: ContextLayout,
    pub(crate) slots: Option<PointerSlots>,
    /// The structure, then the host's pointer slots when the layout has them.
    pub(crate) bytes: Vec<u8>,
    pub(crate) packet: Option<Packet>,
    pub(crate) redirect: Option<Redirect>,
    /// The event's data for the helpers, if the hook gives any.
    pub(crate) event: Option<alloc::boxed::Box<EventData>>,
}

impl Context {
    /// A zeroed context of `program_type`, with an empty packet when the type has one.
    pub fn new(program_type: &'static ProgramType) -> Result<Context, ContextError> {
        let Some(layout) = program_type.context else {
            return Err(ContextError::new(ContextErrorKind::NoLayout {
                program_type: program_type.name,
            }));
        };
        let (slots, size) = pointer_slots(&layout);
        Ok(Context {
            program_type,
            layout,
            slots,
            bytes: vec![0; size],
            packet: match slots {
                Some(_) => Some(Packet::new(&[])?),
                None => None,
            },
            redirect: None,
            event: None,
        })
    }

    /// Gives the helpers of the programs run on this context `event` (`None` removes it).
    pub fn set_event(&mut self, event: Option<EventData>) {
        self.event = event.map(alloc::boxed::Box::new);
    }

    /// The event's data, as the last invocation left it.
    pub fn event(&self) -> Option<&EventData> {
        self.event.as_deref()
    }

    /// The event's data, writable.
    pub fn event_mut(&mut self) -> Option<&mut EventData> {
        self.event.as_deref_mut()
    }

    /// The program type.
    pub fn program_type(&self) -> &'static ProgramType {
        self.program_type
    }

    /// Sets the structure's first `bytes.len()` bytes (number fields such as `ingress_ifindex`;
    /// what pointer fields are given is ignored: the host sets them, and socket pointer
    /// fields stay null).
    pub fn set_fields(&mut self, bytes: &[u8]) -> Result<(), ContextError> {
        if bytes.len() > self.layout.size as usize {
            return Err(ContextError::new(ContextErrorKind::FieldsTooLong {
                program_type: self.program_type.name,
                len: bytes.len(),
                size: self.layout.size,
            }));
        }
        self.bytes[..bytes.len()].copy_from_slice(bytes);
        // This host has no kernel sockets: a socket pointer field (`__sk_buff.sk`) is null
        // whatever the caller gave, so programs take their null path.
        for f in self.layout.fields.iter().filter(|f| f.socket.is_some()) {
            if let Some(b) = self
                .bytes
                .get_mut(f.offset as usize..(f.offset + f.size) as usize)
            {
                b.fill(0);
            }
        }
        Ok(())
    }

    /// The structure's bytes, with the pointer fields zeroed (their values are the host's
    /// addresses of the last run).
    pub fn fields(&self) -> Vec<u8> {
        let mut out = self.bytes[..self.layout.size as usize].to_vec();
        let width = self.layout.pointer_size as usize;
        for field in [
            self.layout.data,
            self.layout.data_end,
            self.layout.data_meta,
        ]
        .into_iter()
        .flatten()
        {
            let at = field as usize;
            if let Some(b) = out.get_mut(at..at + width) {
                b.fill(0);
            }
        }
        out
    }

    /// Replaces the packet with `data` (headroom restored and zeroed, no metadata), in the
    /// buffer the last packet had: no allocation while packets fit in it. The buffer is the
    /// length a new one would have, and holds nothing of the previous packet.
    pub fn set_packet(&mut self, data: &[u8]) -> Result<(), ContextError> {
        if self.slots.is_none() {
            return Err(ContextError::new(ContextErrorKind::NoPacket {
                program_type: self.program_type.name,
            }));
        }
        match &mut self.packet {
            Some(packet) => packet.refill(data)?,
            None => self.packet = Some(Packet::new(data)?),
        }
        Ok(())
    }

    /// The number field `name` of the structure (`ingress_ifindex`, `len`, ...), the
    /// field's width in bytes, little endian.
    fn number_field(&self, name: &'static str) -> Result<(usize, usize), ContextError> {
        let pointer = [
            self.layout.data,
            self.layout.data_end,
            self.layout.data_meta,
        ];
        match self.layout.field(name) {
            Some(f) if f.size <= 8 && !pointer.contains(&Some(f.offset)) && f.socket.is_none() => {
                Ok((f.offset as usize, f.size as usize))
            }
            _ => Err(ContextError::new(ContextErrorKind::NoField {
                program_type: self.program_type.name,
                name,
            })),
        }
    }

    /// Sets the 4 bytes at `at` of the structure (a hook's number field, its offset looked up
    /// once with [`Context::field_offset`]); out of range does nothing.
    pub(crate) fn set_u32_at(&mut self, at: usize, value: u32) {
        if at + 4 <= self.layout.size as usize {
            self.bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
        }
    }

    /// The offset of the 4-byte number field `name`.
    pub(crate) fn field_offset(program_type: &ProgramType, name: &str) -> Option<usize> {
        let field = program_type.context?.field(name)?;
        (field.size == 4).then_some(field.offset as usize)
    }

    /// Sets the number field `name` (at most 8 bytes wide) to the low bytes of `value`.
    pub fn set_field(&mut self, name: &'static str, value: u64) -> Result<(), ContextError> {
        let (at, size) = self.number_field(name)?;
        self.bytes[at..at + size].copy_from_slice(&value.to_le_bytes()[..size]);
        Ok(())
    }

    /// The number field `name` (at most 8 bytes wide).
    pub fn field(&self, name: &'static str) -> Result<u64, ContextError> {
        let (at, size) = self.number_field(name)?;
        let mut b = [0u8; 8];
        b[..size].copy_from_slice(&self.bytes[at..at + size]);
        Ok(u64::from_le_bytes(b))
    }

    /// The packet's bytes, writable (a hook's caller edits the packet in place).
    pub fn packet_data_mut(&mut self) -> Option<&mut [u8]> {
        self.packet.as_mut().map(|p| &mut p.buf[p.start..p.end])
    }

    /// The packet, when the type has one.
    pub fn packet(&self) -> Option<&Packet> {
        self.packet.as_ref()
    }

    /// Where the last invocation asked the packet to go, if it did.
    pub fn redirect(&self) -> Option<Redirect> {
        self.redirect
    }

    /// Bytes the host passes to the program (the structure and its pointer slots).
    pub fn size(&self) -> usize {
        self.bytes.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn linux_xdp_keeps_its_pointers_after_the_structure() {
        let xdp = ebpf_platform::LINUX.program_type("xdp").unwrap();
        let ctx = Context::new(xdp).unwrap();
        assert_eq!(ctx.size(), 48);
        let slots = ctx.slots.unwrap();
        assert_eq!(
            (slots.data, slots.data_end, slots.data_meta),
            (24, 32, Some(40))
        );
        let win = ebpf_platform::WINDOWS.program_type("xdp").unwrap();
        let ctx = Context::new(win).unwrap();
        assert_eq!(ctx.size(), 32);
        let slots = ctx.slots.unwrap();
        assert_eq!(
            (slots.data, slots.data_end, slots.data_meta),
            (0, 8, Some(16))
        );
    }

    #[test]
    fn packets_stay_within_every_program_types_proof() {
        for platform in [&ebpf_platform::LINUX, &ebpf_platform::WINDOWS] {
            for t in platform
                .program_types
                .iter()
                .filter(|t| t.max_packet_size > 0)
            {
                assert!(
                    (MAX_PACKET + HEADROOM) as u64 <= t.max_packet_size as u64,
                    "{}: {} allows packets of {} bytes only",
                    platform.name,
                    t.name,
                    t.max_packet_size
                );
            }
        }
    }

    #[test]
    fn fields_and_packets_are_checked() {
        let win = ebpf_platform::WINDOWS.program_type("xdp").unwrap();
        let mut ctx = Context::new(win).unwrap();
        ctx.set_fields(&[1; 32]).unwrap();
        assert_eq!(&ctx.fields()[..24], &[0; 24], "pointer fields read as zero");
        assert_eq!(&ctx.fields()[24..], &[1; 8]);
        assert!(ctx.set_fields(&[0; 33]).is_err());
        ctx.set_packet(&[1, 2, 3]).unwrap();
        let p = ctx.packet().unwrap();
        assert_eq!(
            (p.data(), p.meta(), p.headroom()),
            (&[1u8, 2, 3][..], &[][..], HEADROOM)
        );
        assert_eq!(p.buf.len(), FRAME_END);
        assert!(ctx.set_packet(&vec![0; MAX_PACKET + 1]).is_err());
        // The next packet reuses the buffer: its headroom zeroed, the buffer as long as a
        // new one's.
        ctx.packet.as_mut().unwrap().buf[..HEADROOM + 3].fill(7);
        ctx.set_packet(&[4, 5]).unwrap();
        let p = ctx.packet().unwrap();
        assert_eq!((p.data(), p.headroom()), (&[4u8, 5][..], HEADROOM));
        assert!(p.buf[..HEADROOM].iter().all(|&b| b == 0));
        assert_eq!(p.buf.len(), FRAME_END);
        ctx.set_packet(&vec![9; 5000]).unwrap();
        assert_eq!(ctx.packet().unwrap().buf.len(), HEADROOM + 5000);
        ctx.set_packet(&[1]).unwrap();
        let p = ctx.packet().unwrap();
        assert_eq!((p.data(), p.buf.len()), (&[1u8][..], FRAME_END));
        assert!(ctx.set_packet(&vec![0; MAX_PACKET + 1]).is_err());
        assert_eq!(
            ctx.packet().unwrap().data(),
            &[1],
            "a refused packet changes nothing"
        );
        let sock_ops = ebpf_platform::WINDOWS.program_type("sockops").unwrap();
        let mut ctx = Context::new(sock_ops).unwrap();
        assert!(ctx.packet().is_none());
        let e = ctx.set_packet(&[1]).unwrap_err();
        assert_eq!(e.to_string(), "sockops programs get no packet");
    }
}
