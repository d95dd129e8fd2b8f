//! RFC 9669 eBPF instructions (ISA v1-v4), decoded once into a typed enum.
//!
//! The main types are [`Insn`], the typed instruction every engine matches on, and
//! [`RawInsn`], the 8-byte wire format. [`Decoder`] walks raw bytes without allocating;
//! with the `alloc` feature, [`decode`], [`encode`], the assembler ([`asm::assemble`]) and the
//! disassembler ([`disasm::disassemble`]) work on whole programs, and [`Program`] is a validated
//! instruction sequence, the input of every engine and of the verifier. [`Insn::regs`] tells the
//! registers each instruction reads and writes.
//!
//! Program counters count 8-byte slots, as in the wire format: an `LDDW` takes two slots and jump
//! offsets are in slots.

#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(any(test, feature = "std"))]
extern crate std;

#[cfg(feature = "alloc")]
extern crate alloc;

#[cfg(feature = "alloc")]
pub mod asm;
mod decode;
#[cfg(feature = "alloc")]
pub mod disasm;
mod encode;
mod insn;
pub mod opcode;
#[cfg(feature = "alloc")]
mod program;
mod raw;
mod regs;

#[cfg(feature = "alloc")]
pub use decode::decode;
pub use decode::{DecodeError, DecodeErrorKind, Decoder};
#[cfg(feature = "alloc")]
pub use encode::encode;
pub use insn::{
    AluOp, AtomicOp, ByteOrder, CallTarget, EndBits, Insn, JmpCond, LddwSrc, MovsxBits, Operand,
    Reg, Size, Width, MAY_GOTO_BUDGET,
};
#[cfg(feature = "alloc")]
pub use program::{Program, ProgramError, ProgramErrorKind};
pub use raw::RawInsn;
pub use regs::{RegAccess, RegSet};

/// Size in bytes of one instruction slot.
pub const INSN_SIZE: usize = 8;
