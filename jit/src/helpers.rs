//! The host side of helper calls: the [`Helpers`] trait, [`NoHelpers`] and [`HelperError`].

use core::fmt;

/// Functions a program can call by id (`call imm` or `callx reg`).
///
/// r1 to r5 are passed as `args` and the result becomes r0. The generated code preserves r1 to
/// r5 across the call (as the reference interpreter does; verified programs never read them).
pub trait Helpers {
    /// Runs helper `id`. An error ends the run with
    /// [`RunErrorKind::UnknownHelper`](crate::RunErrorKind::UnknownHelper) or
    /// [`RunErrorKind::HelperFailed`](crate::RunErrorKind::HelperFailed).
    fn call(&mut self, id: u32, args: [u64; 5]) -> Result<u64, HelperError>;
}

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
}

impl fmt::Display for HelperError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HelperError::Unknown => write!(f, "no helper with this id"),
            HelperError::Failed { message } => write!(f, "{message}"),
        }
    }
}

impl std::error::Error for HelperError {}
