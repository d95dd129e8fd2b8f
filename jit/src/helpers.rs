//! The host side of helper calls: the [`Helpers`] trait, [`DirectHelper`], [`NoHelpers`] and
//! [`HelperError`].

use core::fmt;

use ebpf_isa::LddwSrc;

/// Functions a program can call by id (`call imm` or `callx reg`).
///
/// r1 to r5 are passed as `args` and the result becomes r0. The generated code preserves r1 to
/// r5 across the call (as the reference interpreter does; verified programs never read them).
///
/// Two ways in: every call can go through [`call`](Self::call) (a dispatcher that may fail and
/// may panic: the panic resumes in the caller of
/// [`run_trusted`](crate::Executable::run_trusted)), and a host may also hand out a
/// [`DirectHelper`] for an id, which the generated code calls like a native function, as Linux
/// calls its helpers.
pub trait Helpers {
    /// Runs helper `id`. An error ends the run with
    /// [`RunErrorKind::UnknownHelper`](crate::RunErrorKind::UnknownHelper) or
    /// [`RunErrorKind::HelperFailed`](crate::RunErrorKind::HelperFailed).
    fn call(&mut self, id: u32, args: [u64; 5]) -> Result<u64, HelperError>;

    /// Resolves an `LDDW` whose `src` is not [`LddwSrc::Imm`] (map by fd or index, map value,
    /// variable or code address) to the 64-bit value loaded, each time it executes. The default
    /// refuses, which ends the run with
    /// [`RunErrorKind::LddwFailed`](crate::RunErrorKind::LddwFailed).
    fn lddw(&mut self, src: LddwSrc, imm: i32, next_imm: i32) -> Result<u64, HelperError> {
        let _ = (src, imm, next_imm);
        Err(HelperError::Failed {
            message: "no host resolver for lddw with a map or platform source".to_string(),
        })
    }

    /// A function the code may call directly for helper `id` instead of [`call`](Self::call),
    /// asked once per run for each id the program calls with `call imm`. The default is `None`.
    fn direct(&self, id: u32) -> Option<DirectHelper> {
        let _ = id;
        None
    }
}

/// A helper the generated code calls directly: r1 to r5 in, r0 out. It cannot fail, and
/// because its ABI does not unwind, a panic inside it aborts the process.
pub type DirectHelper = extern "sysv64" fn(u64, u64, u64, u64, u64) -> u64;

impl<F: FnMut(u32, [u64; 5]) -> Result<u64, HelperError>> Helpers for F {
    fn call(&mut self, id: u32, args: [u64; 5]) -> Result<u64, HelperError> {
        self(id, args)
    }
}

/// No helpers at all: every call fails with [`HelperError::Unknown`].
#[derive(Clone, Copy, Debug, Default)]
pub struct NoHelpers;

impl Helpers for NoHelpers {
    fn call(&mut self, _id: u32, _args: [u64; 5]) -> Result<u64, HelperError> {
        Err(HelperError::Unknown)
    }
}

/// Why a helper call failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HelperError {
    /// No helper has this id.
    Unknown,
    /// The helper rejected its arguments.
    Failed {
        /// What was wrong.
        message: String,
    },
    /// Not a failure: the helper ends the run at once, with `code` for the host (a Linux tail
    /// call that succeeded). The run ends with
    /// [`RunErrorKind::Stopped`](crate::RunErrorKind::Stopped).
    Stop {
        /// What the host asked the helper to pass on.
        code: u64,
    },
}

impl fmt::Display for HelperError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HelperError::Unknown => write!(f, "no helper with this id"),
            HelperError::Failed { message } => write!(f, "{message}"),
            HelperError::Stop { code } => write!(f, "the helper ended the run (code {code:#x})"),
        }
    }
}

impl std::error::Error for HelperError {}
