//! Why a run stopped early: [`Fault`] (a pc and a [`FaultKind`]), and where a refused memory
//! access pointed: [`AccessError`], [`Place`] and [`Area`].
//!
//! Addresses in faults are never host addresses: an access names its region and the offset in
//! it (`input+3`, `stack-8 (frame 1)`, `packet+16`), so messages and comparisons are the same
//! wherever the host allocated its buffers.

use core::fmt;

use ebpf_isa::LddwSrc;

use crate::STACK_SIZE;

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
    /// A load, store or atomic of the program was refused: outside its region, in a stack frame
    /// that is not live, at no region at all, or a write to a read-only region.
    Access {
        /// Where, how many bytes, and why.
        error: AccessError,
    },
    /// A helper asked for memory through a pointer argument that the program's regions do not
    /// hold ([`Memory::slice`](crate::Memory::slice) or
    /// [`slice_mut`](crate::Memory::slice_mut) refused it).
    HelperAccess {
        /// The helper id.
        id: u32,
        /// Where, how many bytes, and why.
        error: AccessError,
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
    /// A helper ended the run on purpose ([`HelperError::stop`](crate::HelperError::stop)):
    /// not a failure of the program (a Linux tail call; the host goes on with the next one).
    Stopped {
        /// The helper id.
        id: u32,
        /// The helper's code for the host.
        code: u64,
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
    /// A helper tried to grant a region larger than a region's window
    /// ([`REGION_WINDOW`](crate::REGION_WINDOW) bytes).
    RegionTooLarge {
        /// The length it asked for.
        len: u64,
    },
    /// Execution ran past the last slot of the program without `exit`.
    FellOffEnd,
    /// An instruction or feature this interpreter (or its host) does not provide.
    Unsupported {
        /// What is missing, e.g. `"kfunc call (BTF id)"`.
        what: &'static str,
    },
}

/// The kind of memory an address points into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Area {
    /// No region: the address lies in no region's window (0 and small numbers, for instance).
    None,
    /// The input memory (packet or context; `r1` at entry).
    Input,
    /// A stack frame: 0 is the entry frame, `k` the frame of the `k`-th nested local call.
    Stack {
        /// The frame number.
        frame: u8,
    },
    /// A region granted by the host or a helper, numbered from 0 in grant order.
    Region {
        /// The region number.
        index: u16,
    },
}

/// Where an address points: an [`Area`] and a signed offset, independent of host addresses.
///
/// The offset is from the start of the input or of a granted region, from the frame's `r10`
/// (its top) for a stack frame, and the whole address for [`Area::None`]. An address just below
/// a region (in the lower half of the window before it) is named relative to that region, with
/// a negative offset: `input-8`. Displayed as `input+3`, `stack-8 (frame 1)`, `region 2+16`, the
/// host's name for a region (`packet+16`), or `0x10` when there is no region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place {
    area: Area,
    offset: i64,
    name: Option<&'static str>,
}

/// A memory access the address space refused: where it pointed, its size, whether it wrote,
/// and why ([`AccessErrorKind`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccessError {
    at: Place,
    size: usize,
    write: bool,
    kind: AccessErrorKind,
}

/// Why an access was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AccessErrorKind {
    /// Not all bytes lie inside the region the address names (or it names none).
    OutOfBounds {
        /// Bytes the named region holds (0 for [`Area::None`]; a stack frame holds
        /// [`STACK_SIZE`](crate::STACK_SIZE) below its `r10`).
        len: u64,
    },
    /// The stack frame is not live: deeper than the current call, or no run is in progress.
    FrameNotLive,
    /// A store or atomic to a region granted read-only.
    ReadOnly,
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

impl Place {
    /// A place in `area` at `offset`, with the host's `name` for the input or a granted region.
    pub const fn new(area: Area, offset: i64, name: Option<&'static str>) -> Self {
        Place { area, offset, name }
    }

    /// The kind of memory.
    pub const fn area(&self) -> Area {
        self.area
    }

    /// The offset (see [`Place`]).
    pub const fn offset(&self) -> i64 {
        self.offset
    }

    /// The host's name for the region, if it gave one
    /// ([`Memory::set_name`](crate::Memory::set_name)).
    pub const fn name(&self) -> Option<&'static str> {
        self.name
    }

    /// Writes the region's name: the host's, or `input`, `stack`, `region N`.
    fn write_region(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.name, self.area) {
            (Some(name), _) => f.write_str(name),
            (None, Area::Input) => f.write_str("input"),
            (None, Area::Stack { frame }) => write!(f, "frame {frame}"),
            (None, Area::Region { index }) => write!(f, "region {index}"),
            (None, Area::None) => f.write_str("memory"),
        }
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.area {
            Area::None => write!(f, "{:#x}", self.offset as u64),
            Area::Stack { frame } => write!(f, "stack{:+} (frame {frame})", self.offset),
            Area::Input | Area::Region { .. } => {
                self.write_region(f)?;
                write!(f, "{:+}", self.offset)
            }
        }
    }
}

impl AccessError {
    /// An access of `size` bytes at `at` (a write if `write`), refused for `kind`.
    pub const fn new(at: Place, size: usize, write: bool, kind: AccessErrorKind) -> Self {
        AccessError {
            at,
            size,
            write,
            kind,
        }
    }

    /// Where the access pointed.
    pub const fn at(&self) -> Place {
        self.at
    }

    /// Its size in bytes.
    pub const fn size(&self) -> usize {
        self.size
    }

    /// Whether it wrote (stores, atomics, [`Memory::slice_mut`](crate::Memory::slice_mut)).
    pub const fn write(&self) -> bool {
        self.write
    }

    /// Why it was refused.
    pub const fn kind(&self) -> AccessErrorKind {
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

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (size, at) = (self.size as u64, self.at);
        match self.kind {
            AccessErrorKind::ReadOnly => {
                write!(f, "write of {size} byte{} at {at}: ", plural(size))?;
                at.write_region(f)?;
                f.write_str(" is read-only")
            }
            AccessErrorKind::FrameNotLive => write!(
                f,
                "out-of-bounds {} of {size} byte{} at {at}: the frame is not live",
                rw(self.write),
                plural(size)
            ),
            AccessErrorKind::OutOfBounds { len } => {
                write!(
                    f,
                    "out-of-bounds {} of {size} byte{} at {at}: ",
                    rw(self.write),
                    plural(size)
                )?;
                match at.area {
                    Area::None => f.write_str("no memory region there"),
                    Area::Stack { .. } => {
                        write!(f, "a frame is the {STACK_SIZE} bytes below its r10")
                    }
                    Area::Input | Area::Region { .. } => {
                        at.write_region(f)?;
                        write!(f, " has {len} byte{}", plural(len))
                    }
                }
            }
        }
    }
}

impl core::error::Error for AccessError {}

impl From<AccessError> for FaultKind {
    fn from(error: AccessError) -> Self {
        FaultKind::Access { error }
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            FaultKind::Access { error } => write!(f, "{error}"),
            FaultKind::HelperAccess { id, error } => write!(f, "helper {id}: {error}"),
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
            FaultKind::Stopped { id, code } => {
                write!(f, "helper {id} ended the run (code {code:#x})")
            }
            FaultKind::LddwFailed { src, imm, message } => {
                write!(
                    f,
                    "lddw {src:?} (imm {imm}) could not be resolved: {message}"
                )
            }
            FaultKind::TooManyRegions { capacity } => {
                write!(f, "a helper granted more than {capacity} memory regions")
            }
            FaultKind::RegionTooLarge { len } => write!(
                f,
                "a helper granted a region of {len} bytes, more than the {} a region may hold",
                crate::REGION_WINDOW
            ),
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

    fn access(area: Area, offset: i64, size: usize, write: bool, kind: AccessErrorKind) -> Fault {
        let error = AccessError::new(Place::new(area, offset, None), size, write, kind);
        Fault::new(12, FaultKind::Access { error })
    }

    #[test]
    fn places_name_region_and_offset() {
        let p = |area, offset, name| Place::new(area, offset, name).to_string();
        assert_eq!(p(Area::Input, 3, None), "input+3");
        assert_eq!(p(Area::Input, -8, None), "input-8");
        assert_eq!(p(Area::Stack { frame: 1 }, -8, None), "stack-8 (frame 1)");
        assert_eq!(p(Area::Stack { frame: 0 }, 0, None), "stack+0 (frame 0)");
        assert_eq!(p(Area::Region { index: 2 }, 16, None), "region 2+16");
        assert_eq!(
            p(Area::Region { index: 0 }, 16, Some("packet")),
            "packet+16"
        );
        assert_eq!(p(Area::Input, 4, Some("ctx")), "ctx+4");
        assert_eq!(p(Area::None, 0x10, None), "0x10");
        assert_eq!(p(Area::None, -1, None), "0xffffffffffffffff");
    }

    #[test]
    fn display_names_pc_place_size_and_reason() {
        let oob = AccessErrorKind::OutOfBounds { len: 4 };
        assert_eq!(
            access(Area::Input, 18180, 1, false, oob).to_string(),
            "pc 12: out-of-bounds read of 1 byte at input+18180: input has 4 bytes"
        );
        assert_eq!(
            access(Area::Stack { frame: 1 }, -520, 8, true, oob).to_string(),
            "pc 12: out-of-bounds write of 8 bytes at stack-520 (frame 1): \
             a frame is the 512 bytes below its r10"
        );
        assert_eq!(
            access(
                Area::Stack { frame: 2 },
                -8,
                8,
                false,
                AccessErrorKind::FrameNotLive
            )
            .to_string(),
            "pc 12: out-of-bounds read of 8 bytes at stack-8 (frame 2): the frame is not live"
        );
        assert_eq!(
            access(
                Area::None,
                0,
                8,
                false,
                AccessErrorKind::OutOfBounds { len: 0 }
            )
            .to_string(),
            "pc 12: out-of-bounds read of 8 bytes at 0x0: no memory region there"
        );
        assert_eq!(
            access(Area::Region { index: 2 }, 16, 4, false, oob).to_string(),
            "pc 12: out-of-bounds read of 4 bytes at region 2+16: region 2 has 4 bytes"
        );
        assert_eq!(
            access(Area::Input, 0, 1, true, AccessErrorKind::ReadOnly).to_string(),
            "pc 12: write of 1 byte at input+0: input is read-only"
        );
        let error = AccessError::new(
            Place::new(Area::Region { index: 0 }, 8, Some("map value")),
            8,
            true,
            AccessErrorKind::OutOfBounds { len: 8 },
        );
        assert_eq!(
            Fault::new(4, FaultKind::HelperAccess { id: 1, error }).to_string(),
            "pc 4: helper 1: out-of-bounds write of 8 bytes at map value+8: \
             map value has 8 bytes"
        );
        assert_eq!(error.at().name(), Some("map value"));
        assert_eq!((error.size(), error.write()), (8, true));
        let f = Fault::new(0, FaultKind::UnknownHelper { id: 77 });
        assert_eq!(f.to_string(), "pc 0: call to unknown helper 77");
        assert_eq!(f.pc(), 0);
        assert_eq!(f.kind(), FaultKind::UnknownHelper { id: 77 });
    }
}
