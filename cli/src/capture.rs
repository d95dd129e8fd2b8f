//! Packet captures for `ebpf run --pcap`: a pcap or pcapng file read whole into memory with
//! `pcap-file`'s slice parsers ([`Capture::parse`]), and the packets a program kept written
//! back in the same format ([`Capture::write`]), timestamps and interfaces unchanged.
//!
//! Each packet gets the interface index an XDP program reads as `ingress_ifindex`: in pcapng,
//! the packet's interface id (the index of its section's interface description block) plus
//! one, so the first interface is 1 (0 means "no interface" to Linux); in pcap, which names no
//! interface, [`PCAP_IFINDEX`].
//!
//! Packets are numbered from 1 in file order, as Wireshark numbers frames. A record that breaks
//! the format is an error naming the packet and its byte offset; a last packet cut short by
//! the end of the file is left out and reported ([`Capture::truncated`]), as tcpdump reports a
//! capture cut short.

use std::borrow::Cow;
use std::fmt;
use std::io::Write;

use pcap_file::pcap::{PcapHeader, PcapParser, PcapWriter, RawPcapPacket};
use pcap_file::pcapng::blocks::enhanced_packet::{EnhancedPacketBlock, EnhancedPacketOption};
use pcap_file::pcapng::blocks::packet::PacketBlock;
use pcap_file::pcapng::blocks::simple_packet::SimplePacketBlock;
use pcap_file::pcapng::blocks::{ENHANCED_PACKET_BLOCK, PACKET_BLOCK, SIMPLE_PACKET_BLOCK};
use pcap_file::pcapng::{Block, PcapNgParser, PcapNgWriter};
use pcap_file::{DataLink, Endianness, PcapError};

/// The `ingress_ifindex` of every packet of a pcap file (pcap names no interface).
pub const PCAP_IFINDEX: u32 = 1;

/// The largest packet record a pcap file may hold beyond its snapshot length (libpcap's
/// `MAXIMUM_SNAPLEN`): a longer one is a broken length, not a packet.
const MAXIMUM_SNAPLEN: u32 = 262_144;

/// Which file format a capture is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// libpcap's format.
    Pcap,
    /// pcapng.
    PcapNg,
}

impl Format {
    /// `pcap` or `pcapng`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Pcap => "pcap",
            Format::PcapNg => "pcapng",
        }
    }
}

/// One packet of a capture.
#[derive(Clone, Debug)]
pub struct Packet<'a> {
    data: Cow<'a, [u8]>,
    /// The interface index it arrived on.
    pub ifindex: u32,
    /// Byte offset of its record in the file.
    pub offset: usize,
    record: Record,
}

impl Packet<'_> {
    /// Its captured bytes.
    pub fn data(&self) -> &[u8] {
        &self.data
    }
}

/// Where a packet came from, to write it back.
#[derive(Clone, Copy, Debug)]
enum Record {
    /// A pcap record: its timestamp and original length.
    Pcap {
        ts_sec: u32,
        ts_frac: u32,
        orig_len: u32,
    },
    /// A pcapng packet block: its index in [`Capture::blocks`].
    Block(usize),
}

/// A capture cut short by the end of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Truncated {
    /// The number the cut packet would have had (from 1).
    pub packet: usize,
    /// Where its record starts.
    pub offset: usize,
    /// What is missing.
    pub detail: String,
}

impl fmt::Display for Truncated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "packet {} (at byte {}) is cut short by the end of the file ({}): left out",
            self.packet, self.offset, self.detail
        )
    }
}

/// Why a capture cannot be read.
#[derive(Debug)]
pub struct CaptureError {
    kind: CaptureErrorKind,
}

/// What is wrong.
#[derive(Debug)]
#[non_exhaustive]
pub enum CaptureErrorKind {
    /// Neither a pcap nor a pcapng file.
    NotACapture {
        /// The first bytes, big endian (0 when fewer than 4).
        magic: u32,
    },
    /// The file header is malformed or cut short.
    Header {
        /// What is wrong.
        detail: String,
    },
    /// A record breaks the format.
    Record {
        /// The number of the packet it holds or precedes (from 1).
        packet: usize,
        /// Where it starts.
        offset: usize,
        /// What is wrong.
        detail: String,
    },
}

impl CaptureError {
    fn new(kind: CaptureErrorKind) -> Self {
        CaptureError { kind }
    }

    fn record(packet: usize, offset: usize, detail: impl Into<String>) -> Self {
        Self::new(CaptureErrorKind::Record {
            packet,
            offset,
            detail: detail.into(),
        })
    }

    /// What is wrong.
    pub fn kind(&self) -> &CaptureErrorKind {
        &self.kind
    }
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            CaptureErrorKind::NotACapture { magic } => write!(
                f,
                "not a pcap or pcapng capture (the file starts with {magic:#010x})"
            ),
            CaptureErrorKind::Header { detail } => write!(f, "malformed file header: {detail}"),
            CaptureErrorKind::Record {
                packet,
                offset,
                detail,
            } => write!(f, "packet {packet} (at byte {offset}): {detail}"),
        }
    }
}

impl std::error::Error for CaptureError {}

/// A capture read into memory; its packets borrow the file's bytes.
#[derive(Debug)]
pub struct Capture<'a> {
    format: Format,
    /// The pcap file header.
    pcap: Option<PcapHeader>,
    /// pcapng: every block in file order.
    blocks: Vec<Block<'a>>,
    packets: Vec<Packet<'a>>,
    truncated: Option<Truncated>,
    /// Link types other than Ethernet that packets were captured on.
    links: Vec<DataLink>,
}

impl<'a> Capture<'a> {
    /// Reads a pcap or pcapng file's bytes.
    pub fn parse(bytes: &'a [u8]) -> Result<Capture<'a>, CaptureError> {
        let magic = bytes
            .get(..4)
            .map_or(0, |m| u32::from_be_bytes([m[0], m[1], m[2], m[3]]));
        match magic {
            0xA1B2_C3D4 | 0xA1B2_3C4D | 0xD4C3_B2A1 | 0x4D3C_B2A1 => parse_pcap(bytes),
            0x0A0D_0D0A => parse_pcapng(bytes),
            _ => Err(CaptureError::new(CaptureErrorKind::NotACapture { magic })),
        }
    }

    /// The file's format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The complete packets, in file order.
    pub fn packets(&self) -> &[Packet<'a>] {
        &self.packets
    }

    /// The last packet, when the end of the file cut it short (it is not in
    /// [`packets`](Self::packets)).
    pub fn truncated(&self) -> Option<&Truncated> {
        self.truncated.as_ref()
    }

    /// Link types other than Ethernet the packets were captured on (an XDP program expects
    /// Ethernet frames; the packets are given to it as they are).
    pub fn other_links(&self) -> &[DataLink] {
        &self.links
    }

    /// Writes the capture in its format with only the packets `output` gives bytes for (by
    /// packet index, from 0): their new bytes, with the timestamp, interface and options of
    /// the original (a pcapng hash option is dropped when the bytes changed); each original
    /// length grows or shrinks with the packet. pcapng blocks that are not packets are copied.
    pub fn write<W: Write>(&self, writer: W, output: &[Option<Vec<u8>>]) -> Result<(), PcapError> {
        let kept = || {
            self.packets
                .iter()
                .zip(output)
                .filter_map(|(p, out)| out.as_deref().map(|bytes| (p, bytes)))
        };
        match self.pcap {
            Some(mut header) => {
                // A program may lengthen a packet past the snapshot length.
                let longest = kept().map(|(_, b)| b.len()).max().unwrap_or(0);
                header.snaplen = header
                    .snaplen
                    .max(u32::try_from(longest).unwrap_or(u32::MAX));
                let mut w = PcapWriter::with_header(writer, header)?;
                for (packet, bytes) in kept() {
                    let Record::Pcap {
                        ts_sec,
                        ts_frac,
                        orig_len,
                    } = packet.record
                    else {
                        continue;
                    };
                    w.write_raw_packet(&RawPcapPacket {
                        ts_sec,
                        ts_frac,
                        incl_len: len32(bytes.len()),
                        orig_len: new_original(orig_len, packet.data().len(), bytes.len()),
                        data: Cow::Borrowed(bytes),
                    })?;
                }
                Ok(())
            }
            None => self.write_pcapng(writer, output),
        }
    }

    fn write_pcapng<W: Write>(
        &self,
        writer: W,
        output: &[Option<Vec<u8>>],
    ) -> Result<(), PcapError> {
        // Which packet each packet block holds.
        let mut packet_of = vec![None; self.blocks.len()];
        for (i, p) in self.packets.iter().enumerate() {
            if let Record::Block(b) = p.record {
                packet_of[b] = Some(i);
            }
        }
        let mut w: Option<PcapNgWriter<W>> = None;
        let mut writer = Some(writer);
        for (b, block) in self.blocks.iter().enumerate() {
            let block = match (block, packet_of[b]) {
                // Section lengths change with the packets left out: say "unknown".
                (Block::SectionHeader(shb), _) => {
                    let mut shb = shb.clone().into_owned();
                    shb.section_length = -1;
                    if let Some(inner) = writer.take() {
                        w = Some(PcapNgWriter::with_section_header(inner, shb)?);
                        continue;
                    }
                    Block::SectionHeader(shb)
                }
                (packet_block, Some(i)) => {
                    let Some(bytes) = output.get(i).and_then(|o| o.as_deref()) else {
                        continue;
                    };
                    repacked(packet_block, self.packets[i].data(), bytes)
                }
                (other, None) => other.clone(),
            };
            if let Some(w) = w.as_mut() {
                w.write_block(&block)?;
            }
        }
        Ok(())
    }
}

/// A packet block with new bytes.
fn repacked<'b>(block: &Block<'_>, old: &[u8], bytes: &'b [u8]) -> Block<'b> {
    let changed = old != bytes;
    match block {
        Block::EnhancedPacket(epb) => Block::EnhancedPacket(EnhancedPacketBlock {
            interface_id: epb.interface_id,
            timestamp: epb.timestamp,
            original_len: new_original(epb.original_len, old.len(), bytes.len()),
            data: Cow::Borrowed(bytes),
            options: epb
                .options
                .iter()
                .filter(|o| !(changed && matches!(o, EnhancedPacketOption::Hash(_))))
                .map(|o| o.clone().into_owned())
                .collect(),
        }),
        Block::Packet(pb) => Block::Packet(PacketBlock {
            interface_id: pb.interface_id,
            drop_count: pb.drop_count,
            timestamp: pb.timestamp,
            captured_len: len32(bytes.len()),
            original_len: new_original(pb.original_len, old.len(), bytes.len()),
            data: Cow::Borrowed(bytes),
            options: pb.options.iter().map(|o| o.clone().into_owned()).collect(),
        }),
        _ => Block::SimplePacket(SimplePacketBlock {
            original_len: len32(bytes.len()),
            data: Cow::Borrowed(bytes),
        }),
    }
}

fn len32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The original length of a packet whose captured bytes went from `old` to `new`: the bytes
/// the capture left out stay left out.
fn new_original(orig_len: u32, old: usize, new: usize) -> u32 {
    let cut = u64::from(orig_len).saturating_sub(old as u64);
    u32::try_from(new as u64 + cut).unwrap_or(u32::MAX)
}

fn u32_at(bytes: &[u8], at: usize, endianness: Endianness) -> Option<u32> {
    let b: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
    Some(match endianness {
        Endianness::Big => u32::from_be_bytes(b),
        Endianness::Little => u32::from_le_bytes(b),
    })
}

fn header_error(e: PcapError) -> CaptureError {
    let detail = match e {
        PcapError::IncompleteBuffer => "cut short by the end of the file".to_string(),
        other => other.to_string(),
    };
    CaptureError::new(CaptureErrorKind::Header { detail })
}

fn parse_pcap(bytes: &[u8]) -> Result<Capture<'_>, CaptureError> {
    let (mut rest, parser) = PcapParser::new(bytes).map_err(header_error)?;
    let header = parser.header();
    if header.version_major != 2 {
        return Err(CaptureError::new(CaptureErrorKind::Header {
            detail: format!(
                "pcap version {}.{}, only 2.x exists",
                header.version_major, header.version_minor
            ),
        }));
    }
    let mut capture = Capture {
        format: Format::Pcap,
        pcap: Some(header),
        blocks: Vec::new(),
        packets: Vec::new(),
        truncated: None,
        links: Vec::new(),
    };
    if header.datalink != DataLink::ETHERNET {
        capture.links.push(header.datalink);
    }
    let limit = header.snaplen.max(MAXIMUM_SNAPLEN);
    while !rest.is_empty() {
        let offset = bytes.len() - rest.len();
        let number = capture.packets.len() + 1;
        if let Some(incl_len) = u32_at(rest, 8, header.endianness) {
            if incl_len > limit {
                return Err(CaptureError::record(
                    number,
                    offset,
                    format!(
                        "captured length {incl_len} exceeds the snapshot length {} (and \
                         {MAXIMUM_SNAPLEN})",
                        header.snaplen
                    ),
                ));
            }
        }
        match parser.next_raw_packet(rest) {
            Ok((next, raw)) => {
                let RawPcapPacket::<'_> {
                    ts_sec,
                    ts_frac,
                    orig_len,
                    data,
                    ..
                } = raw;
                capture.packets.push(Packet {
                    data,
                    ifindex: PCAP_IFINDEX,
                    offset,
                    record: Record::Pcap {
                        ts_sec,
                        ts_frac,
                        orig_len,
                    },
                });
                rest = next;
            }
            Err(PcapError::IncompleteBuffer) => {
                let detail = match u32_at(rest, 8, header.endianness) {
                    Some(incl_len) if rest.len() >= 16 => {
                        format!("{} of its {incl_len} bytes present", rest.len() - 16)
                    }
                    _ => format!("{} of the 16-byte record header present", rest.len()),
                };
                capture.truncated = Some(Truncated {
                    packet: number,
                    offset,
                    detail,
                });
                break;
            }
            Err(e) => return Err(CaptureError::record(number, offset, e.to_string())),
        }
    }
    Ok(capture)
}

fn parse_pcapng(bytes: &[u8]) -> Result<Capture<'_>, CaptureError> {
    let (mut rest, mut parser) = PcapNgParser::new(bytes).map_err(header_error)?;
    let mut capture = Capture {
        format: Format::PcapNg,
        pcap: None,
        blocks: vec![Block::SectionHeader(parser.section().clone())],
        packets: Vec::new(),
        truncated: None,
        links: Vec::new(),
    };
    while !rest.is_empty() {
        let offset = bytes.len() - rest.len();
        let number = capture.packets.len() + 1;
        let endianness = parser.section().endianness;
        let block = match parser.next_block(rest) {
            Ok((next, block)) => {
                rest = next;
                block
            }
            Err(PcapError::IncompleteBuffer) => {
                let kind = u32_at(rest, 0, endianness);
                let is_packet = matches!(
                    kind,
                    Some(ENHANCED_PACKET_BLOCK | SIMPLE_PACKET_BLOCK | PACKET_BLOCK)
                );
                let length = u32_at(rest, 4, endianness)
                    .map_or_else(|| "its length".to_string(), |n| format!("{n} bytes"));
                let detail = format!("{} of the block's {length} present", rest.len());
                if !is_packet {
                    return Err(CaptureError::record(
                        number,
                        offset,
                        format!("the block before it is cut short: {detail}"),
                    ));
                }
                capture.truncated = Some(Truncated {
                    packet: number,
                    offset,
                    detail,
                });
                break;
            }
            Err(e) => {
                return Err(CaptureError::record(number, offset, format!("block: {e}")));
            }
        };
        let interfaces = parser.interfaces();
        let (interface, data) = match &block {
            Block::EnhancedPacket(b) => (b.interface_id, b.data.clone()),
            Block::Packet(b) => (u32::from(b.interface_id), b.data.clone()),
            Block::SimplePacket(b) => {
                // The block's data holds the padding too; the packet is the original length,
                // cut at the interface's snapshot length.
                let snaplen = interfaces.first().map_or(u32::MAX, |i| i.snaplen);
                let snaplen = if snaplen == 0 { u32::MAX } else { snaplen };
                let len = b.original_len.min(snaplen) as usize;
                (0, prefix(&b.data, len))
            }
            Block::InterfaceDescription(idb) => {
                if idb.linktype != DataLink::ETHERNET && !capture.links.contains(&idb.linktype) {
                    capture.links.push(idb.linktype);
                }
                capture.blocks.push(block);
                continue;
            }
            _ => {
                capture.blocks.push(block);
                continue;
            }
        };
        if interface as usize >= interfaces.len() {
            return Err(CaptureError::record(
                number,
                offset,
                format!(
                    "interface id {interface}, but the section describes {} interface(s)",
                    interfaces.len()
                ),
            ));
        }
        capture.packets.push(Packet {
            data,
            ifindex: interface.saturating_add(1),
            offset,
            record: Record::Block(capture.blocks.len()),
        });
        capture.blocks.push(block);
    }
    Ok(capture)
}

/// The first `len` bytes of `data` (all of them when it is shorter).
fn prefix<'a>(data: &Cow<'a, [u8]>, len: usize) -> Cow<'a, [u8]> {
    let len = len.min(data.len());
    match data {
        Cow::Borrowed(b) => Cow::Borrowed(&b[..len]),
        Cow::Owned(v) => Cow::Owned(v[..len].to_vec()),
    }
}
