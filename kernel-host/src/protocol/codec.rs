//! The wire primitives: a length-checked little-endian [`Reader`] over a borrowed message and a
//! [`Writer`] into a caller's fixed buffer, and the message [`Header`].
//!
//! Nothing here allocates: byte strings and strings are borrowed from the message, and every
//! length is checked against the bytes left (and, for strings, [`MAX_STRING`](super::MAX_STRING))
//! before it is used.

use super::error::{ErrorKind, ProtocolError};
use super::{HEADER_LEN, MAX_STRING};

/// A cursor over a message's bytes; every read checks the bytes left.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    /// What is being read, for error messages.
    what: &'static str,
}

impl<'a> Reader<'a> {
    /// A reader over `bytes`; `what` names the message in errors.
    pub fn new(bytes: &'a [u8], what: &'static str) -> Self {
        Reader { bytes, at: 0, what }
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }

    fn truncated(&self, field: &'static str, need: usize) -> ProtocolError {
        ProtocolError::new(ErrorKind::Truncated).with_message(format_args!(
            "{}: field {field} at byte {} needs {need} bytes, {} left",
            self.what,
            self.at,
            self.remaining()
        ))
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], ProtocolError> {
        if n > self.remaining() {
            return Err(self.truncated(field, n));
        }
        let out = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(out)
    }

    fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], ProtocolError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, field)?);
        Ok(out)
    }

    /// A byte.
    pub fn u8(&mut self, field: &'static str) -> Result<u8, ProtocolError> {
        Ok(self.array::<1>(field)?[0])
    }

    /// A little-endian u16.
    pub fn u16(&mut self, field: &'static str) -> Result<u16, ProtocolError> {
        Ok(u16::from_le_bytes(self.array(field)?))
    }

    /// A little-endian u32.
    pub fn u32(&mut self, field: &'static str) -> Result<u32, ProtocolError> {
        Ok(u32::from_le_bytes(self.array(field)?))
    }

    /// A little-endian i32.
    pub fn i32(&mut self, field: &'static str) -> Result<i32, ProtocolError> {
        Ok(i32::from_le_bytes(self.array(field)?))
    }

    /// A little-endian u64.
    pub fn u64(&mut self, field: &'static str) -> Result<u64, ProtocolError> {
        Ok(u64::from_le_bytes(self.array(field)?))
    }

    /// A boolean byte: 0 or 1, anything else is malformed.
    pub fn bool(&mut self, field: &'static str) -> Result<bool, ProtocolError> {
        match self.u8(field)? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(self.malformed(field, format_args!("flag byte {other} is not 0 or 1"))),
        }
    }

    /// A byte string: a u32 length, then the bytes (borrowed).
    pub fn bytes(&mut self, field: &'static str) -> Result<&'a [u8], ProtocolError> {
        let len = self.u32(field)? as usize;
        self.take(len, field)
    }

    /// An optional byte string: a presence byte (0 or 1), then a byte string if 1.
    pub fn opt_bytes(&mut self, field: &'static str) -> Result<Option<&'a [u8]>, ProtocolError> {
        if self.bool(field)? {
            self.bytes(field).map(Some)
        } else {
            Ok(None)
        }
    }

    /// A UTF-8 string of at most [`MAX_STRING`] bytes: a u32 length, then the bytes.
    pub fn str(&mut self, field: &'static str) -> Result<&'a str, ProtocolError> {
        let len = self.u32(field)? as usize;
        if len > MAX_STRING {
            return Err(
                ProtocolError::new(ErrorKind::Limit).with_message(format_args!(
                    "{}: field {field} is {len} bytes long, the limit is {MAX_STRING}",
                    self.what
                )),
            );
        }
        let bytes = self.take(len, field)?;
        core::str::from_utf8(bytes)
            .map_err(|e| self.malformed(field, format_args!("not UTF-8 ({e})")))
    }

    /// An optional string: a presence byte, then a string if 1.
    pub fn opt_str(&mut self, field: &'static str) -> Result<Option<&'a str>, ProtocolError> {
        if self.bool(field)? {
            self.str(field).map(Some)
        } else {
            Ok(None)
        }
    }

    /// A malformed-field error naming the message, the field and the offset.
    pub fn malformed(&self, field: &'static str, why: core::fmt::Arguments<'_>) -> ProtocolError {
        ProtocolError::new(ErrorKind::Malformed).with_message(format_args!(
            "{}: field {field} before byte {}: {why}",
            self.what, self.at
        ))
    }

    /// Checks that every byte was read.
    pub fn finish(&self) -> Result<(), ProtocolError> {
        if self.remaining() != 0 {
            return Err(
                ProtocolError::new(ErrorKind::Malformed).with_message(format_args!(
                    "{}: {} trailing bytes after the last field (byte {})",
                    self.what,
                    self.remaining(),
                    self.at
                )),
            );
        }
        Ok(())
    }
}

/// A cursor writing into a fixed buffer; a write that does not fit sets the overflow flag and
/// counts the bytes it would have needed, so the caller learns the size to ask for.
#[derive(Debug)]
pub struct Writer<'a> {
    buf: &'a mut [u8],
    at: usize,
    needed: usize,
}

impl<'a> Writer<'a> {
    /// A writer at the start of `buf`.
    pub fn new(buf: &'a mut [u8]) -> Self {
        Writer {
            buf,
            at: 0,
            needed: 0,
        }
    }

    /// Whether every write so far fitted.
    pub fn fits(&self) -> bool {
        self.needed <= self.buf.len()
    }

    /// Bytes the writes so far needed.
    pub fn needed(&self) -> usize {
        self.needed
    }

    /// The buffer's length.
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// Bytes left in the buffer.
    pub fn room(&self) -> usize {
        self.buf.len().saturating_sub(self.needed)
    }

    /// Bytes written (equal to [`needed`](Writer::needed) while everything fits).
    pub fn written(&self) -> usize {
        self.at
    }

    /// Appends `bytes` (raw, without a length).
    pub fn raw(&mut self, bytes: &[u8]) {
        self.needed = self.needed.saturating_add(bytes.len());
        if self.needed <= self.buf.len() {
            self.buf[self.at..self.at + bytes.len()].copy_from_slice(bytes);
            self.at += bytes.len();
        }
    }

    /// Reserves `n` zeroed bytes and returns them to be filled in place (`None` when they do
    /// not fit; the need is counted either way).
    pub fn reserve(&mut self, n: usize) -> Option<&mut [u8]> {
        self.needed = self.needed.saturating_add(n);
        if self.needed > self.buf.len() {
            return None;
        }
        let out = &mut self.buf[self.at..self.at + n];
        out.fill(0);
        self.at += n;
        Some(out)
    }

    /// A byte.
    pub fn u8(&mut self, v: u8) {
        self.raw(&[v]);
    }

    /// A little-endian u16.
    pub fn u16(&mut self, v: u16) {
        self.raw(&v.to_le_bytes());
    }

    /// A little-endian u32.
    pub fn u32(&mut self, v: u32) {
        self.raw(&v.to_le_bytes());
    }

    /// A little-endian i32.
    pub fn i32(&mut self, v: i32) {
        self.raw(&v.to_le_bytes());
    }

    /// A little-endian u64.
    pub fn u64(&mut self, v: u64) {
        self.raw(&v.to_le_bytes());
    }

    /// A boolean byte.
    pub fn bool(&mut self, v: bool) {
        self.u8(u8::from(v));
    }

    /// A byte string: u32 length, bytes.
    pub fn bytes(&mut self, v: &[u8]) {
        self.u32(len_u32(v.len()));
        self.raw(v);
    }

    /// An optional byte string.
    pub fn opt_bytes(&mut self, v: Option<&[u8]>) {
        self.bool(v.is_some());
        if let Some(v) = v {
            self.bytes(v);
        }
    }

    /// A string: u32 length, UTF-8 bytes.
    pub fn str(&mut self, v: &str) {
        self.bytes(v.as_bytes());
    }

    /// An optional string.
    pub fn opt_str(&mut self, v: Option<&str>) {
        self.opt_bytes(v.map(str::as_bytes));
    }

    /// Overwrites 4 bytes at `at` (inside what was written) with `v`.
    pub fn patch_u32(&mut self, at: usize, v: u32) {
        if at + 4 <= self.at {
            self.buf[at..at + 4].copy_from_slice(&v.to_le_bytes());
        }
    }
}

/// A length as the wire's u32 (lengths beyond u32 cannot occur: messages are capped far below).
pub(crate) fn len_u32(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

/// The 16-byte header every request and reply starts with.
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 2 | protocol version ([`VERSION`](super::VERSION)) |
/// | 2 | 2 | operation code ([`Op`](super::Op)) |
/// | 4 | 4 | request id (chosen by the client, echoed in the reply) |
/// | 8 | 4 | payload length (bytes after the header) |
/// | 12 | 4 | status: 0 in requests; in replies 0 for success, else the [`ErrorKind`] code |
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Protocol version.
    pub version: u16,
    /// Operation code.
    pub op: u16,
    /// Request id.
    pub request_id: u32,
    /// Payload length.
    pub length: u32,
    /// Status (0: success or a request).
    pub status: u32,
}

impl Header {
    /// Reads a header (the first [`HEADER_LEN`] bytes of `bytes`).
    pub fn read(bytes: &[u8]) -> Result<Header, ProtocolError> {
        let mut r = Reader::new(bytes, "header");
        if bytes.len() < HEADER_LEN {
            return Err(
                ProtocolError::new(ErrorKind::Truncated).with_message(format_args!(
                    "the message is {} bytes, shorter than the {HEADER_LEN}-byte header",
                    bytes.len()
                )),
            );
        }
        Ok(Header {
            version: r.u16("version")?,
            op: r.u16("op")?,
            request_id: r.u32("request_id")?,
            length: r.u32("length")?,
            status: r.u32("status")?,
        })
    }

    /// Writes the header.
    pub fn write(&self, w: &mut Writer<'_>) {
        w.u16(self.version);
        w.u16(self.op);
        w.u32(self.request_id);
        w.u32(self.length);
        w.u32(self.status);
    }

    /// The header as bytes.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        self.write(&mut Writer::new(&mut out));
        out
    }
}
