//! The reference interpreter for RFC 9669 eBPF: the semantics every other engine (the JIT, the
//! verifier's abstract transfer functions) is checked against.
//!
//! - [`Program`]: a validated [`ebpf_isa::Program`] lowered to a flat slot table (built from
//!   one, or from bytes or instructions through its checks).
//! - [`Vm`]: owns the frame stacks ([`MAX_FRAMES`] frames of [`STACK_SIZE`] bytes, allocated
//!   once) and runs programs without allocating; [`Outcome`] is `r0` and the instruction count.
//! - [`Memory`]: the regions a run may touch besides its stack (the input, regions the host or a
//!   helper grants). Each region, and each stack frame, has its own window of virtual addresses
//!   ([`REGION_WINDOW`] apart): registers hold virtual addresses, a pointer reaches only its own
//!   region, and results never depend on where the host allocated. Every load, store and
//!   atomic is checked; anything else stops the run with a [`Fault`] naming the pc and the
//!   place (`input+3`, `stack-8 (frame 1)`), never a host address.
//! - [`Helpers`]: the host's helper functions by id and its resolution of map `LDDW`s; they
//!   translate pointer arguments through [`Memory::slice`] and return memory by granting it.
//!
//! Edge cases follow RFC 9669 exactly: division by zero gives 0, modulo by zero leaves the
//! dividend (zero-extended for 32 bits), `INT_MIN / -1` is `INT_MIN` and `INT_MIN % -1` is 0,
//! shift counts are masked, every 32-bit operation zero-extends its result.
//!
//! ```
//! use ebpf_interp::{NoHelpers, Program, Vm};
//! // mov r0, 7; add r0, 35; exit
//! let bytes = [
//!     0xb7, 0x00, 0, 0, 7, 0, 0, 0, //
//!     0x07, 0x00, 0, 0, 35, 0, 0, 0, //
//!     0x95, 0x00, 0, 0, 0, 0, 0, 0,
//! ];
//! let program = Program::from_bytes(&bytes).unwrap();
//! let outcome = Vm::default().run(&program, &mut [], &mut NoHelpers).unwrap();
//! assert_eq!(outcome.r0, 42);
//! ```

#![no_std]
#![deny(unsafe_code)]
#![warn(missing_docs)]

#[cfg(test)]
extern crate std;

extern crate alloc;

mod alu;
mod exec;
mod fault;
mod helpers;
#[allow(unsafe_code)]
mod mem;
mod op;
mod program;
mod vm;

pub use ebpf_isa::{ProgramError, ProgramErrorKind};
pub use fault::{AccessError, AccessErrorKind, Area, Fault, FaultKind, Place};
pub use helpers::{HelperError, HelperErrorKind, Helpers, NoHelpers};
pub use mem::{Memory, RegionTable, MAX_REGIONS, MAX_TABLE_REGIONS, REGION_WINDOW};
pub use program::Program;
pub use vm::{Config, Outcome, Vm, DEFAULT_BUDGET};

/// Bytes of stack per frame (`r10` points one past the top of the current frame).
pub const STACK_SIZE: usize = 512;

/// Most frames live at once: the entry frame and up to seven nested local calls.
pub const MAX_FRAMES: usize = 8;
