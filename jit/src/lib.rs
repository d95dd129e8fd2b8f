//! x86-64 JIT for eBPF: typed instructions in, a position-independent machine-code image out.
//!
//! - [`compile`] turns a validated program ([`ebpf_isa::Program`]) into a [`Compiled`] image: machine
//!   code, entry offset and metadata, with no absolute address inside. Helpers are reached
//!   through a context the host passes at run time ([`abi`]), so any host can install the bytes.
//! - [`compile_verified`] does the same for an [`ebpf_verifier::Verified`] program and keeps the
//!   proof's bound on the instructions one run executes
//!   ([`Compiled::instruction_bound`]).
//! - [`Executable`] installs an image in this process (read-write, copy, then read-execute;
//!   never both) and runs it: [`Executable::run_verified`] for images of verified programs
//!   ([`Executable::from_verified`]), [`Executable::run_trusted`] for trusted and test programs;
//!   both are `unsafe fn`s whose contracts say what the caller guarantees.
//! - [`Placed`] and [`Runner`] do the same for a host that installs the image in executable
//!   memory of its own (an execution context with an OS layer): [`Placed::new`] describes the
//!   copy, and a [`Runner`] (a run context and stack, one per thread or CPU) runs any placed
//!   image with [`Runner::run`], which [`Executable`] itself is built on.
//!
//! The generated code matches the reference interpreter (`ebpf-interp`) bit for bit on every
//! value that is not an address: the JIT runs on host addresses, the interpreter on virtual
//! ones (each region in its own window), so the two agree on results, memory contents and
//! faults, and differ only in the numeric value of pointers. The differential tests in `tests/`
//! check it on random programs, which never let a pointer reach a compared or stored value.
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
//! finds a hazard). Programs from untrusted users should run only after verification
//! ([`Executable::run_verified`]), on a host with the kernel's default mitigations enabled.
//!
//! # Safety design
//!
//! All `unsafe` is in one private module (installing the code and calling it). Compiling is
//! safe. No safe function runs generated code; there are two `unsafe` run entry points:
//!
//! - [`Executable::run_trusted`] runs any compiled program. Nothing proved it safe, so its
//!   `# Safety` section makes the caller vouch that the program's accesses stay within `mem`,
//!   its stack and helper-given memory, and that it ends: trusted programs, tests and
//!   conformance vectors (which the conformance runner first runs on the checked interpreter).
//! - [`Executable::run_verified`] runs only executables compiled from a
//!   [`Verified`](ebpf_verifier::Verified) program (others get
//!   [`RunErrorKind::NotVerified`]). The verifier's proof covers the program; it does not cover
//!   the host: it assumed that r1 points at the program type's host context (its layout, with
//!   the real 64-bit packet pointers after it where the layout's fields are 32-bit), whose
//!   packet pointers point at live buffers, and that helpers behave as their prototypes say.
//!   A `Verified` records which platform and program type that was
//!   ([`Verified::platform`](ebpf_verifier::Verified::platform),
//!   [`Verified::program_type`](ebpf_verifier::Verified::program_type)), but the JIT cannot
//!   check that a host honours them, so `run_verified`'s `# Safety` section lists exactly
//!   those obligations. A fully safe `invoke` belongs to the execution context, which builds
//!   the context and implements the helpers for each program type itself, and can therefore
//!   discharge them.

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
pub use exec::{Executable, Placed, Runner};
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

/// Compiles a validated program; anything the JIT cannot translate is an error naming the pc.
///
/// The image's [`instruction_bound`](Compiled::instruction_bound) is `None`: nothing proved the
/// program safe, and only [`Executable::run_trusted`] runs it.
pub fn compile(program: &ebpf_isa::Program, options: &JitOptions) -> Result<Compiled, JitError> {
    codegen::compile(program, options)
}

/// Compiles a program the verifier accepted, in its
/// [`runnable`](ebpf_verifier::Verified::runnable) form: Linux's 32-bit context pointer loads
/// become 8-byte loads of the host context's slots, so the image runs on the program type's
/// host context ([`Verified::context_size`](ebpf_verifier::Verified::context_size) bytes). The
/// image's [`instruction_bound`](Compiled::instruction_bound) is the proof's
/// ([`Verified::instruction_bound`](ebpf_verifier::Verified::instruction_bound)), which marks it
/// as verified for [`Executable::run_verified`].
///
/// A `Verified` is only made by `ebpf_verifier::verify`, so a program the verifier rejects has
/// no way into this function.
pub fn compile_verified(
    verified: &ebpf_verifier::Verified,
    options: &JitOptions,
) -> Result<Compiled, JitError> {
    Ok(codegen::compile(verified.runnable(), options)?
        .with_instruction_bound(verified.instruction_bound()))
}
