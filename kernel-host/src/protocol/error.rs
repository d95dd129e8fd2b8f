//! [`ProtocolError`]: what an error reply carries: a [`ErrorKind`] (the header's status), eBPF
//! for Windows' `ebpf_result_t` and a Linux errno for the C library and libbpf emulation, a
//! detail number and a message.

use alloc::string::String;
use core::fmt::{self, Write};

use crate::error::{errno, EbpfResult};
use crate::image::ImageErrorKind;
use crate::invoke::{InvokeError, InvokeErrorKind};
use crate::object::{ObjectError, ObjectErrorKind};
use crate::program::{LoadError, LoadErrorKind};
use crate::MapError;

use super::MAX_ERROR_MESSAGE;

/// Why a request failed: the status code of an error reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A field has a value no request may have (a flag byte other than 0 or 1, text that is
    /// not UTF-8, trailing bytes, an unknown map or program type).
    Malformed,
    /// The message ends before a field it declares.
    Truncated,
    /// A length, count or size is beyond a documented limit.
    Limit,
    /// The operation code is unknown.
    UnknownOp,
    /// The protocol version is not this context's.
    BadVersion,
    /// No open handle has this number (never opened, or closed).
    BadHandle,
    /// The handle names another kind of object than the operation needs.
    WrongHandleKind,
    /// The reply does not fit the reply buffer; the detail is the size needed.
    ReplyTooSmall,
    /// The operation is known but not available in this build or context (reserved).
    Unsupported,
    /// A map operation failed (the map's result and errno).
    Map,
    /// An object operation failed (ids, pins, program arrays).
    Object,
    /// The object did not load: ELF, maps, verifier, JIT.
    Load,
    /// The test run failed.
    Invoke,
    /// Attaching, detaching or replacing a link failed.
    Link,
    /// A status this version does not know (from a newer peer).
    Other(u32),
}

impl ErrorKind {
    /// The status code on the wire.
    pub fn code(self) -> u32 {
        match self {
            ErrorKind::Malformed => 1,
            ErrorKind::Truncated => 2,
            ErrorKind::Limit => 3,
            ErrorKind::UnknownOp => 4,
            ErrorKind::BadVersion => 5,
            ErrorKind::BadHandle => 6,
            ErrorKind::WrongHandleKind => 7,
            ErrorKind::ReplyTooSmall => 8,
            ErrorKind::Unsupported => 9,
            ErrorKind::Map => 10,
            ErrorKind::Object => 11,
            ErrorKind::Load => 12,
            ErrorKind::Invoke => 13,
            ErrorKind::Link => 14,
            ErrorKind::Other(code) => code,
        }
    }

    /// The kind of a wire status code (0 is success, not an error).
    pub fn from_code(code: u32) -> ErrorKind {
        match code {
            1 => ErrorKind::Malformed,
            2 => ErrorKind::Truncated,
            3 => ErrorKind::Limit,
            4 => ErrorKind::UnknownOp,
            5 => ErrorKind::BadVersion,
            6 => ErrorKind::BadHandle,
            7 => ErrorKind::WrongHandleKind,
            8 => ErrorKind::ReplyTooSmall,
            9 => ErrorKind::Unsupported,
            10 => ErrorKind::Map,
            11 => ErrorKind::Object,
            12 => ErrorKind::Load,
            13 => ErrorKind::Invoke,
            14 => ErrorKind::Link,
            other => ErrorKind::Other(other),
        }
    }

    /// The `ebpf_result_t` and errno a kind reports unless the failure gives its own.
    fn default_codes(self) -> (EbpfResult, i32) {
        match self {
            ErrorKind::Malformed | ErrorKind::Truncated => {
                (EbpfResult::InvalidArgument, errno::EINVAL)
            }
            ErrorKind::Limit => (EbpfResult::InvalidArgument, errno::E2BIG),
            ErrorKind::UnknownOp | ErrorKind::BadVersion | ErrorKind::Unsupported => {
                (EbpfResult::OperationNotSupported, errno::EOPNOTSUPP)
            }
            ErrorKind::BadHandle => (EbpfResult::InvalidFd, errno::EBADF),
            ErrorKind::WrongHandleKind => (EbpfResult::InvalidObject, errno::EINVAL),
            ErrorKind::ReplyTooSmall => (EbpfResult::InsufficientBuffer, errno::ENOSPC),
            ErrorKind::Load => (EbpfResult::ProgramLoadFailed, errno::EINVAL),
            ErrorKind::Map | ErrorKind::Object | ErrorKind::Link => {
                (EbpfResult::InvalidArgument, errno::EINVAL)
            }
            ErrorKind::Invoke | ErrorKind::Other(_) => (EbpfResult::Failed, errno::EINVAL),
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            ErrorKind::Malformed => "malformed request",
            ErrorKind::Truncated => "truncated request",
            ErrorKind::Limit => "limit exceeded",
            ErrorKind::UnknownOp => "unknown operation",
            ErrorKind::BadVersion => "unsupported protocol version",
            ErrorKind::BadHandle => "bad handle",
            ErrorKind::WrongHandleKind => "wrong kind of handle",
            ErrorKind::ReplyTooSmall => "reply buffer too small",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Map => "map operation failed",
            ErrorKind::Object => "object operation failed",
            ErrorKind::Load => "load failed",
            ErrorKind::Invoke => "test run failed",
            ErrorKind::Link => "link operation failed",
            ErrorKind::Other(code) => return write!(f, "error status {code}"),
        };
        f.write_str(name)
    }
}

/// A failed request, as an error reply carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtocolError {
    kind: ErrorKind,
    result: EbpfResult,
    errno: i32,
    detail: u32,
    message: String,
}

/// Appends to a string up to [`MAX_ERROR_MESSAGE`] bytes, cutting at a character boundary.
struct Capped<'a>(&'a mut String);

impl Write for Capped<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = MAX_ERROR_MESSAGE.saturating_sub(self.0.len());
        let mut end = s.len().min(room);
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        self.0.push_str(&s[..end]);
        Ok(())
    }
}

impl ProtocolError {
    /// An error of `kind` with its default result and errno, no detail and no message.
    pub fn new(kind: ErrorKind) -> Self {
        let (result, errno) = kind.default_codes();
        ProtocolError {
            kind,
            result,
            errno,
            detail: 0,
            message: String::new(),
        }
    }

    /// An error as decoded from a reply.
    pub fn from_parts(
        kind: ErrorKind,
        result: EbpfResult,
        errno: i32,
        detail: u32,
        message: &str,
    ) -> Self {
        let mut e = ProtocolError {
            kind,
            result,
            errno,
            detail,
            message: String::new(),
        };
        let _ = Capped(&mut e.message).write_str(message);
        e
    }

    /// The same error with `message` (cut to [`MAX_ERROR_MESSAGE`] bytes).
    pub fn with_message(mut self, message: fmt::Arguments<'_>) -> Self {
        self.message.clear();
        let _ = Capped(&mut self.message).write_fmt(message);
        self
    }

    /// The same error with other codes.
    pub fn with_codes(mut self, result: EbpfResult, errno: i32) -> Self {
        self.result = result;
        self.errno = errno;
        self
    }

    /// The same error with a detail number.
    pub fn with_detail(mut self, detail: u32) -> Self {
        self.detail = detail;
        self
    }

    /// The status.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// eBPF for Windows' result code.
    pub fn ebpf_result(&self) -> EbpfResult {
        self.result
    }

    /// The Linux errno (positive).
    pub fn errno(&self) -> i32 {
        self.errno
    }

    /// A number whose meaning depends on the kind: the reply size needed for
    /// [`ErrorKind::ReplyTooSmall`], entries done before a batch failed, otherwise 0.
    pub fn detail(&self) -> u32 {
        self.detail
    }

    /// What went wrong, in words.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// A malformed-request error.
    pub(crate) fn malformed(message: fmt::Arguments<'_>) -> Self {
        ProtocolError::new(ErrorKind::Malformed).with_message(message)
    }

    /// A limit error.
    pub(crate) fn limit(message: fmt::Arguments<'_>) -> Self {
        ProtocolError::new(ErrorKind::Limit).with_message(message)
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        write!(f, " ({}, errno {})", self.result, self.errno)
    }
}

impl core::error::Error for ProtocolError {}

impl From<MapError> for ProtocolError {
    fn from(e: MapError) -> Self {
        ProtocolError::new(ErrorKind::Map)
            .with_codes(e.ebpf_result(), e.linux_errno())
            .with_message(format_args!("{e}"))
    }
}

impl From<ObjectError> for ProtocolError {
    fn from(e: ObjectError) -> Self {
        let (result, no) = match e.kind() {
            ObjectErrorKind::Map(m) => return m.clone().into(),
            ObjectErrorKind::NoSuchId { .. } => (EbpfResult::ObjectNotFound, errno::ENOENT),
            ObjectErrorKind::AlreadyPinned { .. } => (EbpfResult::AlreadyPinned, errno::EEXIST),
            ObjectErrorKind::NotPinned { .. } => (EbpfResult::NotPinned, errno::ENOENT),
            ObjectErrorKind::ForeignObject => (EbpfResult::InvalidObject, errno::EINVAL),
            _ => (EbpfResult::InvalidArgument, errno::EINVAL),
        };
        ProtocolError::new(ErrorKind::Object)
            .with_codes(result, no)
            .with_message(format_args!("{e}"))
    }
}

impl From<LoadError> for ProtocolError {
    fn from(e: LoadError) -> Self {
        let (result, no) = match e.kind() {
            LoadErrorKind::Rejected(_) => (EbpfResult::VerificationFailed, errno::EACCES),
            LoadErrorKind::Jit { .. } => (EbpfResult::JitCompilationFailed, errno::EINVAL),
            LoadErrorKind::Map(m) => (m.ebpf_result(), m.linux_errno()),
            LoadErrorKind::NoJit => (EbpfResult::OperationNotSupported, errno::EOPNOTSUPP),
            LoadErrorKind::Image(i) => match i.kind() {
                ImageErrorKind::Unsigned
                | ImageErrorKind::BadSignature
                | ImageErrorKind::UntrustedKey { .. } => (EbpfResult::AccessDenied, errno::EPERM),
                _ => (EbpfResult::InvalidObject, errno::EINVAL),
            },
            _ => (EbpfResult::ProgramLoadFailed, errno::EINVAL),
        };
        ProtocolError::new(ErrorKind::Load)
            .with_codes(result, no)
            .with_message(format_args!("{e}"))
    }
}

impl From<ebpf_loader::LoadError> for ProtocolError {
    fn from(e: ebpf_loader::LoadError) -> Self {
        ProtocolError::new(ErrorKind::Load)
            .with_codes(EbpfResult::ElfParsingFailed, errno::EINVAL)
            .with_message(format_args!("{e}"))
    }
}

impl From<InvokeError> for ProtocolError {
    fn from(e: InvokeError) -> Self {
        let (result, no) = match e.kind() {
            InvokeErrorKind::Context(_) | InvokeErrorKind::WrongContext { .. } => {
                (EbpfResult::InvalidArgument, errno::EINVAL)
            }
            InvokeErrorKind::NoEngine => (EbpfResult::OperationNotSupported, errno::EOPNOTSUPP),
            _ => (EbpfResult::Failed, errno::EFAULT),
        };
        ProtocolError::new(ErrorKind::Invoke)
            .with_codes(result, no)
            .with_message(format_args!("{e}"))
    }
}
