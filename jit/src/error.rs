//! Errors of compiling ([`JitError`]) and of running ([`RunError`]) a program.

use core::fmt;

/// Why a program could not be compiled or installed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JitError {
    kind: JitErrorKind,
}

/// What went wrong while compiling or installing.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JitErrorKind {
    /// More slots than the JIT can address.
    TooLong {
        /// The slot count.
        slots: usize,
    },
    /// The assembler rejected the generated code (a bug in the JIT).
    Assembler {
        /// The assembler's message.
        message: String,
    },
    /// Executable memory could not be mapped or protected.
    Memory {
        /// The operating system's message.
        message: String,
    },
    /// The image was built for another ABI version.
    AbiMismatch {
        /// The image's version.
        found: u32,
    },
}

impl JitError {
    pub(crate) fn new(kind: JitErrorKind) -> Self {
        JitError { kind }
    }

    /// What went wrong.
    pub fn kind(&self) -> &JitErrorKind {
        &self.kind
    }
}

impl fmt::Display for JitErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JitErrorKind::TooLong { slots } => {
                write!(f, "program has {slots} slots, more than {}", i32::MAX)
            }
            JitErrorKind::Assembler { message } => {
                write!(f, "internal assembler error: {message}")
            }
            JitErrorKind::Memory { message } => {
                write!(f, "cannot set up executable memory: {message}")
            }
            JitErrorKind::AbiMismatch { found } => write!(
                f,
                "image was compiled for JIT ABI {found}, this host runs ABI {}",
                crate::abi::ABI_VERSION
            ),
        }
    }
}

impl fmt::Display for JitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)
    }
}

impl std::error::Error for JitError {}

/// Why a run ended without a result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunError {
    pc: usize,
    kind: RunErrorKind,
}

/// What ended a run early.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RunErrorKind {
    /// `call` or `callx` of an id the host's [`Helpers`](crate::Helpers) do not know.
    UnknownHelper {
        /// The helper id.
        id: u32,
    },
    /// A helper ended the run on purpose ([`HelperError::Stop`](crate::HelperError::Stop)): not a
    /// failure of the program (a Linux tail call; the host goes on with the next one).
    Stopped {
        /// The helper id.
        id: u32,
        /// The helper's code for the host.
        code: u64,
    },
    /// A helper returned an error.
    HelperFailed {
        /// The helper id.
        id: u32,
        /// What the helper said.
        message: String,
    },
    /// `callx` with a register value that is not a 32-bit helper id.
    BadCallxTarget {
        /// The register value.
        value: u64,
    },
    /// A local call would need more than [`MAX_FRAMES`](crate::abi::MAX_FRAMES) frames.
    CallDepth,
    /// Execution ran past the last instruction.
    FellOff,
    /// The host could not resolve an `LDDW` with a map or platform source.
    LddwFailed {
        /// The kind of `LDDW`.
        src: ebpf_isa::LddwSrc,
        /// Its first immediate (map fd or index, variable or code address).
        imm: i32,
        /// The host's explanation.
        message: String,
    },
    /// An instruction the JIT does not run (a call of a helper by BTF id).
    Unsupported {
        /// What is missing.
        what: &'static str,
    },
    /// [`Executable::run_verified`](crate::Executable::run_verified) on an executable that was
    /// not compiled from a verified program (nothing ran; the pc is 0).
    NotVerified,
}

impl RunError {
    pub(crate) fn new(pc: usize, kind: RunErrorKind) -> Self {
        RunError { pc, kind }
    }

    /// The pc of the instruction that failed.
    pub fn pc(&self) -> usize {
        self.pc
    }

    /// What failed.
    pub fn kind(&self) -> &RunErrorKind {
        &self.kind
    }
}

impl fmt::Display for RunErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunErrorKind::UnknownHelper { id } => write!(f, "call of unknown helper {id}"),
            RunErrorKind::HelperFailed { id, message } => {
                write!(f, "helper {id} failed: {message}")
            }
            RunErrorKind::Stopped { id, code } => {
                write!(f, "helper {id} ended the run (code {code:#x})")
            }
            RunErrorKind::BadCallxTarget { value } => {
                write!(f, "callx target {value:#x} is not a 32-bit helper id")
            }
            RunErrorKind::CallDepth => write!(
                f,
                "local call exceeds the limit of {} frames",
                crate::abi::MAX_FRAMES
            ),
            RunErrorKind::FellOff => write!(f, "execution ran past the last instruction"),
            RunErrorKind::LddwFailed { src, imm, message } => {
                write!(f, "lddw {src:?} {imm} failed: {message}")
            }
            RunErrorKind::Unsupported { what } => write!(f, "{what} is not supported"),
            RunErrorKind::NotVerified => write!(
                f,
                "run_verified needs an executable of a verified program \
                 (build it with Executable::from_verified or compile_verified)"
            ),
        }
    }
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pc {}: {}", self.pc, self.kind)
    }
}

impl std::error::Error for RunError {}
