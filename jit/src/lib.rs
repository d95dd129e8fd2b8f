//! x86-64 JIT for eBPF: typed instructions in, a position-independent machine-code image out.
//!
//! - [`compile`] turns a program (`&[ebpf_isa::Insn]`) into a [`Compiled`] image: machine
//!   code, entry offset and metadata, with no absolute address inside. Helpers are reached
//!   through a context the host passes at run time ([`abi`]), so any host can install the bytes.
//! - [`Executable`] installs an image in this process (read-write, copy, then read-execute;
//!   never both) and runs it with [`Executable::run_trusted`].
//!
//! The generated code matches the reference interpreter (`ebpf-interp`) bit for bit; the
//! differential tests in `tests/` check it on random programs.
//!
//! # Hardening
//!
//! **Constant blinding** ([`JitOptions::blind_constants`], off by default): every immediate
//! operand the program chooses (ALU, jump and store immediates, `LDDW` values) is emitted XORed
//! with a fresh random key and un-XORed at run time, so a program cannot plant chosen byte
//! sequences (JIT-spraying gadgets) in executable memory. Memory offsets (16 bits) and helper ids
//! are not blinded, as in Linux; shifts by a constant and division by the constants 0 and -1
//! become register forms or emit no immediate at all.
//!
//! **Speculative execution.** The JIT itself adds no Spectre barriers. The stance is that of
//! Linux: speculative-execution safety is the verifier's job, not the code generator's. Spectre
//! v1 (bounds-check bypass) is addressed by verifying memory accesses statically, so verified
//! code has no run-time bounds checks to bypass (the only run-time check, on legacy packet
//! loads, compares against a length the program cannot control). Spectre v2 (branch target
//! injection) does not apply to the code's own branches: all of them are direct, and the only
//! indirect call goes to the host's helper dispatcher, which is ordinary host code under the
//! host's own mitigations (retpolines or IBRS). Speculative store bypass (v4) on stack slots
//! is the verifier's concern too (Linux inserts `lfence`-equivalents only where its verifier
//! finds a hazard). Programs from untrusted users should run only after verification, on a
//! host with the kernel's default mitigations enabled; until the verifier lands, run only
//! trusted programs ([`Executable::run_trusted`]).
//!
//! # Safety design
//!
//! All `unsafe` is in one private module (installing the code and calling it). Compiling and
//! running are safe functions. Until the verifier exists the run entry point is named
//! `run_trusted`: it is memory-safe only for programs whose accesses stay within `mem` and the
//! stack. When the verifier lands, a `Verified` program type will compile to an executable
//! with a plain `run`.

#![warn(missing_docs)]
#![deny(unsafe_code)]

pub mod abi;
#[allow(clippy::useless_conversion)] // dynasm! converts register numbers with `.into()`.
mod codegen;
mod error;
#[allow(unsafe_code)]
mod exec;
mod helpers;
mod image;

pub use error::{JitError, JitErrorKind, RunError, RunErrorKind};
pub use exec::Executable;
pub use helpers::{DirectHelper, HelperError, Helpers, NoHelpers};
pub use image::Compiled;

/// Compiler settings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct JitOptions {
    /// Emit every immediate XORed with a random key (see the crate docs). Off by default.
    pub blind_constants: bool,
}

impl JitOptions {
    /// The defaults: no blinding.
    pub fn new() -> Self {
        Self::default()
    }

    /// Turns constant blinding on or off.
    pub fn with_blinding(mut self, on: bool) -> Self {
        self.blind_constants = on;
        self
    }
}

/// Compiles a program. Jump and call targets are checked; anything the JIT cannot translate
/// is an error naming the pc.
pub fn compile(insns: &[ebpf_isa::Insn], options: &JitOptions) -> Result<Compiled, JitError> {
    codegen::compile(insns, options)
}
