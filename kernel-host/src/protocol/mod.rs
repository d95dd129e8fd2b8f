//! The protocol: every operation on an execution context as a versioned request/reply message,
//! one encoding, one dispatcher ([`ExecutionContext::handle`]) and a typed client ([`Client`]).
//! The in-process API, a daemon's socket and a driver's IOCTL carry the same bytes (eBPF for
//! Windows' `ebpf_protocol.h` operations; efw-facts §7.5). The wire format is documented
//! with tables of every operation in `docs/protocol.md`.
//!
//! - [`Request`] / [`Reply`]: the typed messages, borrowing their bytes; [`Op`]: the codes.
//! - [`ExecutionContext`]: a [`Host`](crate::Host) and a [`HandleTable`] (u32 handles to
//!   objects, like file descriptors); [`ExecutionContext::handle`] answers one request.
//! - [`Client`]: encodes a [`Request`], passes the bytes through a [`Transport`] (an
//!   `ExecutionContext` in process, a socket, an IOCTL) and decodes the [`Reply`].
//! - [`ProtocolError`]: an error reply: an [`ErrorKind`] (the header's status), eBPF for
//!   Windows' `ebpf_result_t`, a Linux errno, a detail number and a message.
//!
//! # Encoding
//!
//! Every message is a 16-byte [`Header`] (version, operation, request id, payload length,
//! status) and a payload of fixed-width little-endian integers, byte strings (u32 length, then
//! the bytes), strings (the same, UTF-8, at most [`MAX_STRING`] bytes) and presence bytes (0 or
//! 1) before optional fields. The payload must be used to its last byte.
//!
//! The codec is hand-written (`codec`, about 300 lines) rather than postcard with serde
//! derives, for three reasons:
//! - the peers include C code written the way a kernel driver is (the driver simulation, the
//!   C library's users, a Windows IOCTL caller): fixed-width little-endian fields with
//!   explicit lengths are written by hand in C in a few lines, while postcard's varints and
//!   serde's enum and sequence model would have to be re-implemented there;
//! - decoding allocates nothing at all: byte strings, strings and lists borrow the request
//!   (serde's owned `Vec`/`String` decoding allocates as the input declares, up to serde's
//!   cautious pre-allocation cap, before the bytes are seen);
//! - every length is checked against the bytes left and a documented limit at the one place
//!   it is read, which the fuzz target `protocol_dispatch` exercises.
//!
//! # Limits
//!
//! A request never makes the context allocate without bound: requests are at most
//! [`Limits::max_message`] bytes; strings [`MAX_STRING`]; lists of entry functions
//! [`MAX_FUNCTIONS`]; batches [`MAX_BATCH`] entries; open handles [`Limits::max_handles`];
//! test runs [`Limits::max_repeat`] repetitions; a map's estimated memory
//! [`Limits::max_map_bytes`] and all live maps' together [`Limits::max_total_map_bytes`]
//! (checked for the maps of an ELF object too, before anything is created). What a reply
//! returns is bounded by the reply buffer: the context allocates at most that much for it.
//!
//! # Errors
//!
//! A request that cannot be answered gets an error reply, never a panic: malformed, truncated,
//! oversized, unknown-operation and wrong-version requests, stale or wrong-kind handles, and
//! reply buffers too small (the detail is the size needed). An operation with lasting effects
//! (creating an object, opening a handle, deleting entries it returns) first checks that its
//! reply fits, so a too-small buffer never loses a handle. Reply buffers shorter than the
//! header get nothing (`handle` returns 0).

mod client;
mod codec;
mod dispatch;
mod error;
mod handles;
mod limits;
mod maps;
mod message;
mod reply;
mod types;

pub use client::{decode_reply, encode_request, Client, Transport};
pub use codec::{Header, Reader, Writer};
pub use dispatch::ExecutionContext;
pub use error::{ErrorKind, ProtocolError};
pub use handles::HandleTable;
pub use limits::{map_bytes, Limits};
pub use message::{kind_code, kind_from_code, op_name, Op, Request};
pub use reply::{Redirected, Reply};
pub use types::{IdList, LoadedObject, ObjectList, StrList, WireEngine, WireMapDef};

/// The protocol version this crate speaks.
pub const VERSION: u16 = 1;

/// Bytes of the header of every request and reply.
pub const HEADER_LEN: usize = 16;

/// Longest string (map name, pin path, program type, function name), in bytes.
pub const MAX_STRING: usize = 256;

/// Most entry functions one load may name.
pub const MAX_FUNCTIONS: usize = 64;

/// Most entries of one batch request.
pub const MAX_BATCH: usize = 4096;

/// Longest error message in a reply, in bytes.
pub const MAX_ERROR_MESSAGE: usize = 512;

/// Bytes of an error reply's fixed fields after the header (result, errno, detail, message
/// length).
pub const ERROR_FIXED_LEN: usize = 16;
