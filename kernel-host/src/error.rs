//! Result codes and the map error type.
//!
//! - [`EbpfResult`]: eBPF for Windows' `ebpf_result_t` (`include/ebpf_result.h`), with its
//!   user-mode errno mapping ([`EbpfResult::errno`]).
//! - [`errno`]: the Linux errno values the Linux semantics return.
//! - [`MapError`]: a failed map operation: which map type, which operation, what went wrong
//!   ([`MapErrorKind`]), and the code each platform reports for it
//!   ([`MapError::helper_return`] is what a helper returns to the program).

use core::fmt;

use crate::maps::{MapType, Semantics};

/// eBPF for Windows' `ebpf_result_t` codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
#[allow(missing_docs)]
pub enum EbpfResult {
    Success = 0,
    VerificationFailed = 1,
    JitCompilationFailed = 2,
    ProgramLoadFailed = 3,
    InvalidFd = 4,
    InvalidObject = 5,
    InvalidArgument = 6,
    ObjectNotFound = 7,
    ObjectAlreadyExists = 8,
    FileNotFound = 9,
    AlreadyPinned = 10,
    NotPinned = 11,
    NoMemory = 12,
    ProgramTooLarge = 13,
    RpcException = 14,
    AlreadyInitialized = 15,
    ElfParsingFailed = 16,
    Failed = 17,
    OperationNotSupported = 18,
    KeyNotFound = 19,
    AccessDenied = 20,
    BlockedByPolicy = 21,
    ArithmeticOverflow = 22,
    ExtensionFailedToLoad = 23,
    InsufficientBuffer = 24,
    NoMoreKeys = 25,
    KeyAlreadyExists = 26,
    NoMoreTailCalls = 27,
    Pending = 28,
    OutOfSpace = 29,
    Canceled = 30,
    InvalidPointer = 31,
    Timeout = 32,
    StaleId = 33,
    InvalidState = 34,
}

impl EbpfResult {
    /// The numeric code.
    pub fn code(self) -> u32 {
        self as u32
    }

    /// The result with code `code`.
    pub fn from_code(code: u32) -> Option<EbpfResult> {
        use EbpfResult::*;
        const ALL: [EbpfResult; 35] = [
            Success,
            VerificationFailed,
            JitCompilationFailed,
            ProgramLoadFailed,
            InvalidFd,
            InvalidObject,
            InvalidArgument,
            ObjectNotFound,
            ObjectAlreadyExists,
            FileNotFound,
            AlreadyPinned,
            NotPinned,
            NoMemory,
            ProgramTooLarge,
            RpcException,
            AlreadyInitialized,
            ElfParsingFailed,
            Failed,
            OperationNotSupported,
            KeyNotFound,
            AccessDenied,
            BlockedByPolicy,
            ArithmeticOverflow,
            ExtensionFailedToLoad,
            InsufficientBuffer,
            NoMoreKeys,
            KeyAlreadyExists,
            NoMoreTailCalls,
            Pending,
            OutOfSpace,
            Canceled,
            InvalidPointer,
            Timeout,
            StaleId,
            InvalidState,
        ];
        ALL.get(code as usize).copied()
    }

    /// The errno eBPF for Windows' user-mode library reports for this result
    /// (`ebpf_result_to_errno`). The values are the MSVC C runtime's: the same as Linux's for
    /// ENOMEM, EINVAL, EBADF, ENOENT, EEXIST, EACCES, EFAULT, ENOSPC and EPERM; ENOTSUP is 129,
    /// ENOBUFS 119 and EOTHER 131. Success is 0.
    pub fn errno(self) -> i32 {
        use EbpfResult::*;
        match self {
            Success => 0,
            NoMemory => errno::ENOMEM,
            AlreadyInitialized | InvalidArgument | ExtensionFailedToLoad | InvalidObject => {
                errno::EINVAL
            }
            InvalidFd => errno::EBADF,
            OperationNotSupported => 129,
            InsufficientBuffer => 119,
            FileNotFound | KeyNotFound | NoMoreKeys | ObjectNotFound => errno::ENOENT,
            ObjectAlreadyExists => errno::EEXIST,
            VerificationFailed => errno::EACCES,
            InvalidPointer => errno::EFAULT,
            OutOfSpace => errno::ENOSPC,
            AccessDenied => errno::EPERM,
            _ => 131,
        }
    }
}

impl fmt::Display for EbpfResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?} ({})", self.code())
    }
}

/// Linux errno values (x86-64 and the generic table).
pub mod errno {
    /// Operation not permitted.
    pub const EPERM: i32 = 1;
    /// No such file, entry or element.
    pub const ENOENT: i32 = 2;
    /// Argument list too long (a full map on Linux).
    pub const E2BIG: i32 = 7;
    /// Bad file descriptor.
    pub const EBADF: i32 = 9;
    /// Try again (a full ring buffer on `bpf_ringbuf_output`).
    pub const EAGAIN: i32 = 11;
    /// Out of memory.
    pub const ENOMEM: i32 = 12;
    /// Permission denied.
    pub const EACCES: i32 = 13;
    /// Bad address.
    pub const EFAULT: i32 = 14;
    /// Already exists.
    pub const EEXIST: i32 = 17;
    /// Invalid argument.
    pub const EINVAL: i32 = 22;
    /// No space left (a full LPM trie or perf ring).
    pub const ENOSPC: i32 = 28;
    /// Operation not supported.
    pub const EOPNOTSUPP: i32 = 95;
    /// The kernel-internal "not supported" of `bpf()` (`ENOTSUPP`).
    pub const ENOTSUPP: i32 = 524;
}

/// A map operation, for error messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MapOp {
    /// Map creation.
    Create,
    /// Lookup (user side copy, or program-side pointer).
    Lookup,
    /// Update or insert.
    Update,
    /// Delete.
    Delete,
    /// Lookup and delete (pop for queues and stacks).
    LookupAndDelete,
    /// Next key.
    NextKey,
    /// Push (queue, stack).
    Push,
    /// Pop (queue, stack).
    Pop,
    /// Peek (queue, stack).
    Peek,
    /// Ring or perf output.
    Output,
    /// Ring reservation.
    Reserve,
    /// Ring submit or discard.
    Commit,
}

impl fmt::Display for MapOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MapOp::Create => "create",
            MapOp::Lookup => "lookup",
            MapOp::Update => "update",
            MapOp::Delete => "delete",
            MapOp::LookupAndDelete => "lookup and delete",
            MapOp::NextKey => "next key",
            MapOp::Push => "push",
            MapOp::Pop => "pop",
            MapOp::Peek => "peek",
            MapOp::Output => "output",
            MapOp::Reserve => "reserve",
            MapOp::Commit => "submit/discard",
        })
    }
}

/// What went wrong in a map operation.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MapErrorKind {
    /// The map definition breaks a creation rule.
    InvalidDefinition {
        /// The rule.
        reason: &'static str,
    },
    /// A key buffer of the wrong length.
    KeySize {
        /// The map's key size.
        expected: usize,
        /// The buffer's length.
        got: usize,
    },
    /// A value buffer of the wrong length.
    ValueSize {
        /// The length the operation needs.
        expected: usize,
        /// The buffer's length.
        got: usize,
    },
    /// No entry with this key.
    KeyNotFound,
    /// `BPF_NOEXIST` and the key exists.
    AlreadyExists,
    /// The map holds `max_entries` entries.
    Full {
        /// The map's limit.
        max_entries: u32,
    },
    /// An array index at or past `max_entries`.
    IndexOutOfRange {
        /// The index.
        index: u32,
        /// The map's size.
        max_entries: u32,
    },
    /// The key was the last one.
    NoMoreKeys,
    /// A queue or stack with no element.
    Empty,
    /// Flags this operation does not accept.
    InvalidFlags {
        /// The flags given.
        flags: u64,
    },
    /// This map type has no such operation.
    NotSupported,
    /// An inner map that differs from the template.
    InnerMapMismatch {
        /// The field that differs.
        field: &'static str,
        /// The template's value.
        expected: u64,
        /// The inner map's value.
        got: u64,
    },
    /// An LPM prefix length above the key's bits.
    PrefixTooLong {
        /// The prefix length given.
        prefix_len: u32,
        /// The longest the key allows.
        max: u32,
    },
    /// A ring record of an unusable size.
    RecordSize {
        /// The size asked for.
        size: u64,
        /// The ring's data capacity.
        capacity: u64,
    },
    /// The ring has no room for the record.
    RingFull,
    /// A pointer that is not a reserved, uncommitted record of this ring.
    NotAReservation,
    /// Memory could not be allocated.
    NoMemory,
    /// A size computation overflowed.
    ArithmeticOverflow,
    /// A guard of another epoch than the map's.
    ForeignGuard,
    /// A per-CPU operation with a guard that owns no CPU (from `Epoch::pin`).
    NoCpu,
    /// A user-side write to a frozen map (`BPF_MAP_FREEZE`; `.rodata` after program load).
    Frozen,
    /// A perf event array slot no reader has opened (Linux: no perf event in the slot).
    SlotNotOpen {
        /// The slot.
        slot: u32,
    },
    /// A per-CPU output aimed at another CPU than the current one.
    WrongCpu {
        /// The CPU asked for.
        requested: u64,
        /// The current CPU.
        current: usize,
    },
}

impl fmt::Display for MapErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use MapErrorKind::*;
        match self {
            InvalidDefinition { reason } => write!(f, "invalid definition: {reason}"),
            KeySize { expected, got } => {
                write!(f, "key is {got} bytes, the map's keys are {expected}")
            }
            ValueSize { expected, got } => {
                write!(
                    f,
                    "value buffer is {got} bytes, the operation needs {expected}"
                )
            }
            KeyNotFound => f.write_str("key not found"),
            AlreadyExists => f.write_str("key already exists (BPF_NOEXIST)"),
            Full { max_entries } => write!(f, "map is full ({max_entries} entries)"),
            IndexOutOfRange { index, max_entries } => {
                write!(
                    f,
                    "index {index} is out of range (max_entries {max_entries})"
                )
            }
            NoMoreKeys => f.write_str("no more keys"),
            Empty => f.write_str("map is empty"),
            InvalidFlags { flags } => write!(f, "invalid flags {flags:#x}"),
            NotSupported => f.write_str("not supported by this map type"),
            InnerMapMismatch {
                field,
                expected,
                got,
            } => write!(
                f,
                "inner map's {field} is {got}, the template's is {expected}"
            ),
            PrefixTooLong { prefix_len, max } => {
                write!(f, "prefix length {prefix_len} exceeds the key's {max} bits")
            }
            RecordSize { size, capacity } => write!(
                f,
                "record of {size} bytes does not fit a {capacity}-byte ring"
            ),
            RingFull => f.write_str("ring is full"),
            NotAReservation => f.write_str("pointer is not a reserved record of this ring"),
            NoMemory => f.write_str("out of memory"),
            ArithmeticOverflow => f.write_str("size overflows"),
            ForeignGuard => f.write_str("guard belongs to another epoch than the map's"),
            NoCpu => f.write_str("per-CPU operation needs a guard from Epoch::enter"),
            WrongCpu { requested, current } => {
                write!(f, "output to CPU {requested} from CPU {current}")
            }
            Frozen => f.write_str("map is frozen (read-only global data)"),
            SlotNotOpen { slot } => write!(f, "no reader has opened perf event slot {slot}"),
        }
    }
}

/// A failed map operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapError {
    map_type: MapType,
    op: MapOp,
    kind: MapErrorKind,
    result: EbpfResult,
    linux_errno: i32,
}

impl MapError {
    /// The map's type.
    pub fn map_type(&self) -> MapType {
        self.map_type
    }

    /// The operation that failed.
    pub fn op(&self) -> MapOp {
        self.op
    }

    /// What went wrong.
    pub fn kind(&self) -> &MapErrorKind {
        &self.kind
    }

    /// The `ebpf_result_t` eBPF for Windows reports.
    pub fn ebpf_result(&self) -> EbpfResult {
        self.result
    }

    /// The (positive) errno Linux reports.
    pub fn linux_errno(&self) -> i32 {
        self.linux_errno
    }

    /// The (positive) errno the user-side API reports under `semantics`.
    pub fn errno(&self, semantics: Semantics) -> i32 {
        match semantics {
            Semantics::Windows => self.result.errno(),
            Semantics::Linux => self.linux_errno,
        }
    }

    /// What a helper returns to the program under `semantics`: the negated `ebpf_result_t`
    /// (Windows) or the negated errno (Linux).
    pub fn helper_return(&self, semantics: Semantics) -> i64 {
        match semantics {
            Semantics::Windows => -i64::from(self.result.code()),
            Semantics::Linux => -i64::from(self.linux_errno),
        }
    }
}

impl fmt::Display for MapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} map: {}: {}", self.map_type, self.op, self.kind)
    }
}

impl core::error::Error for MapError {}

/// A failure inside a map implementation, before the map type and operation are attached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) kind: MapErrorKind,
    pub(crate) result: EbpfResult,
    pub(crate) errno: i32,
}

impl Failure {
    pub(crate) fn new(kind: MapErrorKind, result: EbpfResult, errno: i32) -> Self {
        Failure {
            kind,
            result,
            errno,
        }
    }

    pub(crate) fn at(self, map_type: MapType, op: MapOp) -> MapError {
        MapError {
            map_type,
            op,
            kind: self.kind,
            result: self.result,
            linux_errno: self.errno,
        }
    }

    pub(crate) fn invalid_def(reason: &'static str) -> Self {
        Self::new(
            MapErrorKind::InvalidDefinition { reason },
            EbpfResult::InvalidArgument,
            errno::EINVAL,
        )
    }

    pub(crate) fn key_not_found() -> Self {
        Self::new(
            MapErrorKind::KeyNotFound,
            EbpfResult::KeyNotFound,
            errno::ENOENT,
        )
    }

    pub(crate) fn already_exists() -> Self {
        Self::new(
            MapErrorKind::AlreadyExists,
            EbpfResult::ObjectAlreadyExists,
            errno::EEXIST,
        )
    }

    pub(crate) fn full(max_entries: u32, linux: i32) -> Self {
        Self::new(
            MapErrorKind::Full { max_entries },
            EbpfResult::OutOfSpace,
            linux,
        )
    }

    pub(crate) fn no_more_keys() -> Self {
        Self::new(
            MapErrorKind::NoMoreKeys,
            EbpfResult::NoMoreKeys,
            errno::ENOENT,
        )
    }

    pub(crate) fn empty() -> Self {
        Self::new(
            MapErrorKind::Empty,
            EbpfResult::ObjectNotFound,
            errno::ENOENT,
        )
    }

    pub(crate) fn invalid_flags(flags: u64) -> Self {
        Self::new(
            MapErrorKind::InvalidFlags { flags },
            EbpfResult::InvalidArgument,
            errno::EINVAL,
        )
    }

    pub(crate) fn not_supported(linux: i32) -> Self {
        Self::new(
            MapErrorKind::NotSupported,
            EbpfResult::InvalidArgument,
            linux,
        )
    }

    pub(crate) fn no_memory() -> Self {
        Self::new(MapErrorKind::NoMemory, EbpfResult::NoMemory, errno::ENOMEM)
    }

    pub(crate) fn invalid(kind: MapErrorKind) -> Self {
        Self::new(kind, EbpfResult::InvalidArgument, errno::EINVAL)
    }
}
