//! Why a run stopped early: [`Fault`] (a pc and a [`FaultKind`]).

use core::fmt;

use ebpf_isa::LddwSrc;

/// A run that stopped before `exit`: the slot (pc) of the instruction and what went wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    pc: usize,
    kind: FaultKind,
}

/// What stopped the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FaultKind {
    /// A load, store or atomic touched memory outside every accessible region (input memory,
    /// the live stack frames, regions granted by helpers).
    OutOfBounds {
        /// First byte of the access (the wrapped sum of base register and offset).
        addr: u64,
        /// Access size in bytes.
        size: usize,
        /// Whether the access writes (stores and atomics).
        write: bool,
    },
    /// A store or atomic to a region granted read-only.
    ReadOnly {
        /// First byte of the access.
        addr: u64,
        /// Access size in bytes.
        size: usize,
    },
    /// The instruction budget ran out (see [`Config::budget`](crate::Config::budget)).
    BudgetExhausted {
        /// The budget that was exhausted.
        budget: u64,
    },
    /// A local call would have created more than [`MAX_FRAMES`](crate::MAX_FRAMES) frames.
    CallDepthExceeded {
        /// The number of frames the call would have made live (`MAX_FRAMES + 1`).
        depth: usize,
    },
    /// The helpers do not know this id (a `call` or a `callx` whose register fits in 32 bits).
    UnknownHelper {
        /// The helper id.
        id: u32,
    },
    /// `callx` with a register value that is not a 32-bit helper id.
    BadCallxTarget {
        /// The register value.
        value: u64,
    },
    /// A helper reported a failure.
    HelperFailed {
        /// The helper id.
        id: u32,
        /// The helper's explanation.
        message: &'static str,
    },
    /// The host failed to resolve an `LDDW` with a non-immediate `src` (map fd, map value, ...).
    LddwFailed {
        /// The kind of `LDDW`.
        src: LddwSrc,
        /// Its first immediate (map fd or index, variable or code address).
        imm: i32,
        /// The host's explanation.
        message: &'static str,
    },
    /// A helper tried to grant more regions than [`Memory`](crate::Memory) can hold.
    TooManyRegions {
        /// The region capacity.
        capacity: usize,
    },
    /// Execution ran past the last slot of the program without `exit`.
    FellOffEnd,
    /// An instruction or feature this interpreter (or its host) does not provide.
    Unsupported {
        /// What is missing, e.g. `"kfunc call (BTF id)"`.
        what: &'static str,
    },
}

impl Fault {
    /// A fault of `kind` at slot `pc`.
    pub const fn new(pc: usize, kind: FaultKind) -> Self {
        Fault { pc, kind }
    }

    /// Slot of the faulting instruction (for [`FaultKind::FellOffEnd`], the slot count).
    pub const fn pc(&self) -> usize {
        self.pc
    }

    /// What went wrong.
    pub const fn kind(&self) -> FaultKind {
        self.kind
    }
}

fn rw(write: bool) -> &'static str {
    if write {
        "write"
    } else {
        "read"
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            FaultKind::OutOfBounds { addr, size, write } => write!(
                f,
                "out-of-bounds {} of {size} bytes at {addr:#x} \
                 (not in input memory, stack or a granted region)",
                rw(write)
            ),
            FaultKind::ReadOnly { addr, size } => {
                write!(
                    f,
                    "write of {size} bytes at {addr:#x} to a read-only region"
                )
            }
            FaultKind::BudgetExhausted { budget } => write!(
                f,
                "instruction budget of {budget} exhausted (endless loop? raise Config::budget)"
            ),
            FaultKind::CallDepthExceeded { depth } => write!(
                f,
                "local call would make {depth} frames live; at most {} are allowed",
                crate::MAX_FRAMES
            ),
            FaultKind::UnknownHelper { id } => write!(f, "call to unknown helper {id}"),
            FaultKind::BadCallxTarget { value } => {
                write!(f, "callx register holds {value:#x}, not a 32-bit helper id")
            }
            FaultKind::HelperFailed { id, message } => write!(f, "helper {id} failed: {message}"),
            FaultKind::LddwFailed { src, imm, message } => {
                write!(
                    f,
                    "lddw {src:?} (imm {imm}) could not be resolved: {message}"
                )
            }
            FaultKind::TooManyRegions { capacity } => {
                write!(f, "a helper granted more than {capacity} memory regions")
            }
            FaultKind::FellOffEnd => {
                write!(f, "execution ran past the last instruction (missing exit?)")
            }
            FaultKind::Unsupported { what } => write!(f, "unsupported: {what}"),
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pc {}: {}", self.pc, self.kind)
    }
}

impl core::error::Error for Fault {}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn display_names_pc_address_size_and_reason() {
        let f = Fault::new(
            12,
            FaultKind::OutOfBounds {
                addr: 0x1000,
                size: 4,
                write: true,
            },
        );
        assert_eq!(
            f.to_string(),
            "pc 12: out-of-bounds write of 4 bytes at 0x1000 \
             (not in input memory, stack or a granted region)"
        );
        let f = Fault::new(
            3,
            FaultKind::ReadOnly {
                addr: 0x20,
                size: 8,
            },
        );
        assert_eq!(
            f.to_string(),
            "pc 3: write of 8 bytes at 0x20 to a read-only region"
        );
        let f = Fault::new(0, FaultKind::UnknownHelper { id: 77 });
        assert_eq!(f.to_string(), "pc 0: call to unknown helper 77");
        assert_eq!(f.pc(), 0);
        assert_eq!(f.kind(), FaultKind::UnknownHelper { id: 77 });
    }
}
