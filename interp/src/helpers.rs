//! The host side of a run: [`Helpers`] (helper calls by id, non-immediate `LDDW`s),
//! [`NoHelpers`], and [`HelperError`].

use core::fmt;

use ebpf_isa::LddwSrc;

use crate::fault::{AccessError, FaultKind};
use crate::mem::Memory;

/// Helper functions and `LDDW` resolution, implemented by the host.
///
/// Pointers cross this boundary as the program's virtual addresses, never host addresses:
/// `call` receives `r1..=r5` as the program set them, turns pointer arguments into host bytes
/// with [`Memory::slice`] / [`Memory::slice_mut`] (checked like the program's own accesses; `?`
/// turns a refusal into a fault naming the helper), and returns memory by granting it
/// ([`Memory::grant_raw`] and friends) and returning the address the grant gave.
///
/// The interpreter leaves `r1..=r5` unchanged after a helper call (the ISA says they are
/// clobbered; a verified program never reads them, and leaving them is deterministic).
///
/// ```
/// use ebpf_interp::{HelperError, Helpers, Memory};
///
/// /// Helper 1 (`bpf_map_lookup_elem` of a 4-entry array of u64): the key is 4 bytes at the
/// /// address in r2; the result is the value's address, or 0.
/// struct Array {
///     values: Box<[u64; 4]>,
/// }
///
/// impl Helpers for Array {
///     fn call(&mut self, id: u32, args: [u64; 5], mem: &mut Memory<'_>) -> Result<u64, HelperError> {
///         if id != 1 {
///             return Err(HelperError::unknown(id));
///         }
///         let key = u32::from_le_bytes(mem.slice(args[1], 4)?.try_into().unwrap());
///         let Some(value) = self.values.get_mut(key as usize) else {
///             return Ok(0);
///         };
///         // SAFETY: the value lives in a box this helper owns, which outlives the run and is
///         // touched by nothing else while it lasts.
///         let addr = unsafe { mem.grant_raw((value as *mut u64).cast(), 8, true)? };
///         mem.set_name(addr, "map value");
///         Ok(addr)
///     }
/// }
/// ```
pub trait Helpers {
    /// Called for `call id` and `callx reg`. `mem` translates pointer arguments and lets the
    /// helper grant regions (e.g. a map value whose address it returns) that later loads and
    /// stores of this run may use.
    fn call(&mut self, id: u32, args: [u64; 5], mem: &mut Memory<'_>) -> Result<u64, HelperError>;

    /// Resolves an `LDDW` whose `src` is not [`LddwSrc::Imm`] (map by fd, map value, variable
    /// address, ...). An address it returns is a virtual one, of a region granted in `mem`.
    /// The default refuses with [`HelperErrorKind::Unsupported`].
    fn lddw(
        &mut self,
        src: LddwSrc,
        imm: i32,
        next_imm: i32,
        mem: &mut Memory<'_>,
    ) -> Result<u64, HelperError> {
        let _ = (src, imm, next_imm, mem);
        Err(HelperError::unsupported(
            "lddw with a map or platform source (no host resolver)",
        ))
    }
}

impl<H: Helpers + ?Sized> Helpers for &mut H {
    fn call(&mut self, id: u32, args: [u64; 5], mem: &mut Memory<'_>) -> Result<u64, HelperError> {
        (**self).call(id, args, mem)
    }

    fn lddw(
        &mut self,
        src: LddwSrc,
        imm: i32,
        next_imm: i32,
        mem: &mut Memory<'_>,
    ) -> Result<u64, HelperError> {
        (**self).lddw(src, imm, next_imm, mem)
    }
}

/// A host with no helpers: every call faults with [`FaultKind::UnknownHelper`].
#[derive(Clone, Copy, Debug, Default)]
pub struct NoHelpers;

impl Helpers for NoHelpers {
    fn call(&mut self, id: u32, _: [u64; 5], _: &mut Memory<'_>) -> Result<u64, HelperError> {
        Err(HelperError::unknown(id))
    }
}

/// A failed helper call or `LDDW` resolution. It ends the run with a [`Fault`](crate::Fault).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HelperError {
    kind: HelperErrorKind,
}

/// Why a helper failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HelperErrorKind {
    /// No helper with this id.
    Unknown {
        /// The helper id.
        id: u32,
    },
    /// The helper ran and failed.
    Failed {
        /// The helper id.
        id: u32,
        /// What went wrong.
        message: &'static str,
    },
    /// The host does not provide this feature.
    Unsupported {
        /// What is missing.
        what: &'static str,
    },
    /// [`Memory`] has no room for another granted region.
    RegionsFull {
        /// The region capacity.
        capacity: usize,
    },
    /// A region to grant is larger than [`REGION_WINDOW`](crate::REGION_WINDOW).
    RegionTooLarge {
        /// Its length.
        len: u64,
    },
    /// A pointer argument the program's regions do not hold ([`Memory::slice`] refused it).
    Access {
        /// Where, how many bytes, and why.
        error: AccessError,
    },
    /// Not a failure: the helper ends the run at once, with `code` for the host (a Linux tail
    /// call that succeeded: the host goes on with the next program). The run ends with
    /// [`FaultKind::Stopped`].
    Stop {
        /// What the host asked the helper to pass on.
        code: u64,
    },
}

impl HelperError {
    /// An error of `kind`.
    pub const fn new(kind: HelperErrorKind) -> Self {
        HelperError { kind }
    }

    /// No helper with id `id`.
    pub const fn unknown(id: u32) -> Self {
        Self::new(HelperErrorKind::Unknown { id })
    }

    /// Helper `id` failed with `message`.
    pub const fn failed(id: u32, message: &'static str) -> Self {
        Self::new(HelperErrorKind::Failed { id, message })
    }

    /// The host does not provide `what`.
    pub const fn unsupported(what: &'static str) -> Self {
        Self::new(HelperErrorKind::Unsupported { what })
    }

    /// End the run at once with [`FaultKind::Stopped`] carrying `code` (see
    /// [`HelperErrorKind::Stop`]).
    pub const fn stop(code: u64) -> Self {
        Self::new(HelperErrorKind::Stop { code })
    }

    /// What went wrong.
    pub const fn kind(&self) -> HelperErrorKind {
        self.kind
    }

    /// The fault a failed `call` becomes (`id` is the id at the call site).
    pub(crate) fn call_fault(self, id: u32) -> FaultKind {
        match self.kind {
            HelperErrorKind::Unknown { .. } => FaultKind::UnknownHelper { id },
            HelperErrorKind::Failed { message, .. } => FaultKind::HelperFailed { id, message },
            HelperErrorKind::Unsupported { what } => FaultKind::Unsupported { what },
            HelperErrorKind::RegionsFull { capacity } => FaultKind::TooManyRegions { capacity },
            HelperErrorKind::RegionTooLarge { len } => FaultKind::RegionTooLarge { len },
            HelperErrorKind::Access { error } => FaultKind::HelperAccess { id, error },
            HelperErrorKind::Stop { code } => FaultKind::Stopped { id, code },
        }
    }

    /// The fault a failed `LDDW` resolution becomes.
    pub(crate) fn lddw_fault(self, src: LddwSrc, imm: i32) -> FaultKind {
        match self.kind {
            HelperErrorKind::Unknown { .. } => FaultKind::LddwFailed {
                src,
                imm,
                message: "unknown map or object",
            },
            HelperErrorKind::Failed { message, .. } => FaultKind::LddwFailed { src, imm, message },
            HelperErrorKind::Unsupported { what } => FaultKind::Unsupported { what },
            HelperErrorKind::RegionsFull { capacity } => FaultKind::TooManyRegions { capacity },
            HelperErrorKind::RegionTooLarge { len } => FaultKind::RegionTooLarge { len },
            // An lddw resolver has no pointer arguments; a refusal is its own failure.
            HelperErrorKind::Access { .. } => FaultKind::LddwFailed {
                src,
                imm,
                message: "the resolver's memory access was refused",
            },
            HelperErrorKind::Stop { .. } => FaultKind::LddwFailed {
                src,
                imm,
                message: "an lddw resolver cannot end the run",
            },
        }
    }
}

impl fmt::Display for HelperError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            HelperErrorKind::Unknown { id } => write!(f, "unknown helper {id}"),
            HelperErrorKind::Failed { id, message } => write!(f, "helper {id} failed: {message}"),
            HelperErrorKind::Unsupported { what } => write!(f, "unsupported: {what}"),
            HelperErrorKind::RegionsFull { capacity } => {
                write!(f, "all {capacity} granted-region slots are in use")
            }
            HelperErrorKind::RegionTooLarge { len } => write!(
                f,
                "a region of {len} bytes is larger than the {} a region may hold",
                crate::REGION_WINDOW
            ),
            HelperErrorKind::Access { error } => write!(f, "{error}"),
            HelperErrorKind::Stop { code } => {
                write!(f, "the helper ended the run (code {code:#x})")
            }
        }
    }
}

impl core::error::Error for HelperError {}

impl From<AccessError> for HelperError {
    fn from(error: AccessError) -> Self {
        HelperError::new(HelperErrorKind::Access { error })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn errors_map_to_faults_with_the_call_site_id() {
        assert_eq!(
            HelperError::unknown(9).call_fault(9),
            FaultKind::UnknownHelper { id: 9 }
        );
        assert_eq!(
            HelperError::failed(1, "no such key").call_fault(1),
            FaultKind::HelperFailed {
                id: 1,
                message: "no such key"
            }
        );
        assert_eq!(
            HelperError::failed(1, "x").to_string(),
            "helper 1 failed: x"
        );
        assert_eq!(
            HelperError::failed(0, "bad fd").lddw_fault(LddwSrc::MapFd, 3),
            FaultKind::LddwFailed {
                src: LddwSrc::MapFd,
                imm: 3,
                message: "bad fd"
            }
        );
    }

    #[test]
    fn default_lddw_is_unsupported() {
        let e = NoHelpers
            .lddw(LddwSrc::MapFd, 1, 0, &mut Memory::without_input())
            .unwrap_err();
        assert!(matches!(e.kind(), HelperErrorKind::Unsupported { .. }));
    }
}
