//! [`Client`]: the typed side of the protocol. It encodes a [`Request`], passes the bytes
//! through a [`Transport`] and decodes the [`Reply`]; the daemon and the C library speak the
//! same bytes.

use alloc::vec;
use alloc::vec::Vec;

use super::codec::{Header, Writer};
use super::dispatch::ExecutionContext;
use super::error::{ErrorKind, ProtocolError};
use super::message::{read_error, Op, Request};
use super::reply::Reply;
use super::{HEADER_LEN, VERSION};

/// Carries request bytes to an execution context and its reply back.
pub trait Transport {
    /// Sends `request`, writes the reply into `reply`, returns the reply's length (0 when the
    /// transport failed or the buffer cannot hold a header).
    fn exchange(&mut self, request: &[u8], reply: &mut [u8]) -> usize;
}

impl Transport for ExecutionContext {
    fn exchange(&mut self, request: &[u8], reply: &mut [u8]) -> usize {
        self.handle(request, reply)
    }
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn exchange(&mut self, request: &[u8], reply: &mut [u8]) -> usize {
        (**self).exchange(request, reply)
    }
}

/// Encodes `request` with `request_id` as a whole message (header and payload) into `out`
/// (cleared first).
pub fn encode_request(request: &Request<'_>, request_id: u32, out: &mut Vec<u8>) {
    let mut counter = Writer::new(&mut []);
    request.encode_payload(&mut counter);
    let len = counter.needed();
    out.clear();
    out.resize(HEADER_LEN + len, 0);
    let header = Header {
        version: VERSION,
        op: request.op().code(),
        request_id,
        length: len as u32,
        status: 0,
    };
    out[..HEADER_LEN].copy_from_slice(&header.to_bytes());
    request.encode_payload(&mut Writer::new(&mut out[HEADER_LEN..]));
}

/// Decodes a whole reply message to a request for `op`: its header, and the reply or the
/// error it carries.
pub fn decode_reply(op: Op, bytes: &[u8]) -> (Option<Header>, Result<Reply<'_>, ProtocolError>) {
    let header = match Header::read(bytes) {
        Ok(h) => h,
        Err(e) => return (None, Err(e)),
    };
    let payload = &bytes[HEADER_LEN..];
    let result = if header.version != VERSION {
        Err(
            ProtocolError::new(ErrorKind::BadVersion).with_message(format_args!(
                "the reply speaks protocol version {}",
                header.version
            )),
        )
    } else if header.length as usize != payload.len() {
        Err(
            ProtocolError::new(ErrorKind::Truncated).with_message(format_args!(
                "the reply declares {} payload bytes, {} came",
                header.length,
                payload.len()
            )),
        )
    } else if header.status != 0 {
        Err(read_error(header.status, payload))
    } else {
        Reply::decode(op, payload)
    };
    (Some(header), result)
}

/// A typed client over a transport.
#[derive(Debug)]
pub struct Client<T> {
    transport: T,
    request: Vec<u8>,
    reply: Vec<u8>,
    next_id: u32,
    max_reply: usize,
}

impl<T: Transport> Client<T> {
    /// A client with a 64 KiB reply buffer that grows up to 16 MiB when a reply needs more.
    pub fn new(transport: T) -> Self {
        Self::with_reply_capacity(transport, 64 << 10)
    }

    /// A client whose reply buffer starts at `capacity` bytes (at least the header's 16).
    pub fn with_reply_capacity(transport: T, capacity: usize) -> Self {
        Client {
            transport,
            request: Vec::new(),
            reply: vec![0; capacity.max(HEADER_LEN)],
            next_id: 1,
            max_reply: 16 << 20,
        }
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The transport, mutably.
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// The client's transport, giving up the client.
    pub fn into_transport(self) -> T {
        self.transport
    }

    /// Sends `request` and decodes its reply. When the reply buffer is too small the buffer
    /// grows to the size the context asked for and the request is sent once more (operations
    /// with lasting effects check the reply's size before acting, so only a test run runs
    /// twice).
    pub fn call(&mut self, request: &Request<'_>) -> Result<Reply<'_>, ProtocolError> {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1).max(1);
        encode_request(request, id, &mut self.request);
        let mut n = self.transport.exchange(&self.request, &mut self.reply);
        if let (Some(h), Err(e)) = decode_reply(request.op(), &self.reply[..n]) {
            let wanted = e.detail() as usize;
            if h.request_id == id
                && e.kind() == ErrorKind::ReplyTooSmall
                && wanted > self.reply.len()
                && wanted <= self.max_reply
            {
                self.reply.resize(wanted, 0);
                n = self.transport.exchange(&self.request, &mut self.reply);
            }
        }
        let (header, result) = decode_reply(request.op(), &self.reply[..n]);
        let header = header.ok_or_else(|| {
            ProtocolError::new(ErrorKind::Truncated)
                .with_message(format_args!("the transport returned {n} reply bytes"))
        })?;
        if header.request_id != id || header.op != request.op().code() {
            return Err(ProtocolError::malformed(format_args!(
                "the reply answers request {} op {}, not request {id} op {}",
                header.request_id,
                header.op,
                request.op().code()
            )));
        }
        result
    }
}
