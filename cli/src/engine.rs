//! The engines that run test vectors and `ebpf run`, behind one interface.
//!
//! The JIT has no run-time memory or loop checks: it relies on a verifier to rule out wild
//! accesses and endless loops. Until the verifier is wired in, [`run`] on [`Engine::Jit`] first
//! runs the program on the interpreter (the *pre-flight*, a stand-in for the verifier) and
//! executes the JIT only when that run stayed inside its memory and budget; the result reported
//! is always the JIT's own. Vectors that expect `out-of-bounds` or `budget` are not meaningful on
//! the JIT at all: [`skip_reason`] says so, and the conformance runner skips them.
//!
//! The interpreter gives every region its own window of virtual addresses, so the pre-flight's
//! verdict does not depend on where either engine's buffers are: an access passes only when it
//! stays inside the region its pointer came from (the input, or the current 512-byte frame),
//! which is memory the JIT owns too. It follows the interpreter's path, so a program whose
//! branches test the numeric value of a pointer (the JIT sees host addresses) may take another
//! path on the JIT; the conformance vectors and the corpus have none.

use std::fmt;

use ebpf_interp::{FaultKind, HelperError, Helpers, Memory, Program, Vm};
use ebpf_isa::Insn;

type Validated = ebpf_isa::Program;

use crate::data::{ErrorClass, Expect};

/// Which engine executes a program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Engine {
    /// The reference interpreter.
    Interp,
    /// The x86-64 JIT.
    Jit,
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Engine::Interp => "interp",
            Engine::Jit => "jit",
        })
    }
}

/// A finished run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Finished {
    /// The exit value.
    pub r0: u64,
    /// Instructions executed, when known: the interpreter counts them; for the JIT, the
    /// interpreter's pre-flight run of the same program on the same input gives the count.
    pub executed: Option<u64>,
}

/// A failed run: the message, and its engine-neutral class when it has one.
#[derive(Clone, Debug)]
pub struct RunError {
    /// The class a test vector can expect.
    pub class: Option<ErrorClass>,
    /// The full message, with its location.
    pub message: String,
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RunError {}

/// The helpers the conformance protocol defines: helper 5 returns its first argument.
#[derive(Debug, Default)]
pub struct ConformanceHelpers;

/// The helper id the conformance suite registers.
pub const ECHO_HELPER: u32 = 5;

impl Helpers for ConformanceHelpers {
    fn call(&mut self, id: u32, args: [u64; 5], _mem: &mut Memory<'_>) -> Result<u64, HelperError> {
        if id == ECHO_HELPER {
            Ok(args[0])
        } else {
            Err(HelperError::unknown(id))
        }
    }
}

fn classify(kind: &FaultKind) -> Option<ErrorClass> {
    match kind {
        FaultKind::Access { .. } | FaultKind::HelperAccess { .. } => Some(ErrorClass::OutOfBounds),
        FaultKind::CallDepthExceeded { .. } => Some(ErrorClass::CallDepth),
        FaultKind::BudgetExhausted { .. } => Some(ErrorClass::Budget),
        FaultKind::UnknownHelper { .. } => Some(ErrorClass::UnknownHelper),
        _ => None,
    }
}

/// Validates `insns` ([`ebpf_isa::Program`]; an invalid program is an
/// [`ErrorClass::InvalidProgram`] error) and runs them with the conformance conventions
/// (r1 = memory, r2 = its length, helper 5).
pub fn run(engine: Engine, insns: &[Insn], mem: &mut [u8]) -> Result<Finished, RunError> {
    let program = Validated::from_insns(insns).map_err(|e| invalid(e.to_string()))?;
    match engine {
        Engine::Interp => run_interp(&program, mem),
        Engine::Jit => run_jit(&program, mem),
    }
}

fn invalid(message: String) -> RunError {
    RunError {
        class: Some(ErrorClass::InvalidProgram),
        message,
    }
}

fn run_interp(program: &Validated, mem: &mut [u8]) -> Result<Finished, RunError> {
    let program = Program::new(program.clone());
    let mut vm = Vm::new(Default::default());
    match vm.run(&program, mem, &mut ConformanceHelpers) {
        Ok(out) => Ok(Finished {
            r0: out.r0,
            executed: Some(out.executed),
        }),
        Err(fault) => Err(RunError {
            class: classify(&fault.kind()),
            message: fault.to_string(),
        }),
    }
}

/// Why a vector expecting `expect` cannot run on `engine`, if it cannot.
pub fn skip_reason(engine: Engine, expect: &Expect) -> Option<&'static str> {
    match (engine, expect) {
        (Engine::Jit, Expect::Error(ErrorClass::OutOfBounds)) => Some(
            "expects out-of-bounds; the JIT has no run-time memory checks (the verifier \
             rejects such programs), so the access is not executed",
        ),
        (Engine::Jit, Expect::Error(ErrorClass::Budget)) => Some(
            "expects budget exhaustion; the JIT has no instruction budget (the verifier \
             bounds loops), so the endless loop is not executed",
        ),
        _ => None,
    }
}

/// The conformance helpers for the JIT: helper 5 returns its first argument.
fn jit_helpers(id: u32, args: [u64; 5]) -> Result<u64, ebpf_jit::HelperError> {
    if id == ECHO_HELPER {
        Ok(args[0])
    } else {
        Err(ebpf_jit::HelperError::Unknown)
    }
}

fn classify_jit_compile(kind: &ebpf_jit::JitErrorKind) -> Option<ErrorClass> {
    use ebpf_jit::JitErrorKind as K;
    match kind {
        K::TooLong { .. } => Some(ErrorClass::InvalidProgram),
        _ => None,
    }
}

fn classify_jit_run(kind: &ebpf_jit::RunErrorKind) -> Option<ErrorClass> {
    use ebpf_jit::RunErrorKind as K;
    match kind {
        K::UnknownHelper { .. } => Some(ErrorClass::UnknownHelper),
        K::CallDepth => Some(ErrorClass::CallDepth),
        _ => None,
    }
}

/// Whether the JIT may execute a program whose pre-flight interpreter run ended with `fault`:
/// only faults the JIT itself detects at run time qualify (no memory or budget faults).
fn jit_may_run(fault: &FaultKind) -> bool {
    matches!(
        fault,
        FaultKind::CallDepthExceeded { .. }
            | FaultKind::UnknownHelper { .. }
            | FaultKind::BadCallxTarget { .. }
            | FaultKind::HelperFailed { .. }
            | FaultKind::FellOffEnd
    )
}

fn run_jit(validated: &Validated, mem: &mut [u8]) -> Result<Finished, RunError> {
    let image =
        ebpf_jit::compile(validated, &ebpf_jit::JitOptions::new()).map_err(|e| RunError {
            class: classify_jit_compile(e.kind()),
            message: e.to_string(),
        })?;
    // Pre-flight on a copy of the memory: the JIT executes only what stays in bounds.
    let program = Program::new(validated.clone());
    let mut copy = mem.to_vec();
    // The pre-flight's count is the JIT's too (same program, input and helpers), so both
    // engines report the same `Finished`.
    let mut executed = None;
    match Vm::new(Default::default()).run(&program, &mut copy, &mut ConformanceHelpers) {
        Ok(out) => executed = Some(out.executed),
        Err(fault) if !jit_may_run(&fault.kind()) => {
            return Err(RunError {
                class: None,
                message: format!(
                    "not run on the JIT: the interpreter's pre-flight stopped with `{fault}`, and \
                     the JIT has no run-time memory or budget checks (it relies on the verifier)"
                ),
            });
        }
        Err(_) => {}
    }
    let mut exe = ebpf_jit::Executable::new(&image).map_err(|e| RunError {
        class: None,
        message: e.to_string(),
    })?;
    // SAFETY: the pre-flight above ran the same program on a copy of the same memory with the
    // same helper in the checked interpreter, which stopped neither on a memory fault nor on
    // its budget: every access of this run stays in `mem` or the stack, and the run ends (the
    // echo helper touches no memory).
    match unsafe { exe.run_trusted(mem, &mut jit_helpers) } {
        Ok(r0) => Ok(Finished { r0, executed }),
        Err(e) => Err(RunError {
            class: classify_jit_run(e.kind()),
            message: e.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asm(text: &str) -> Vec<Insn> {
        ebpf_isa::asm::assemble(text).unwrap()
    }

    /// The interpreter and the JIT's pre-flight agree on a read far past the input: it faults
    /// naming the input and the offset, whatever lies at that host address, and the JIT does
    /// not execute it.
    #[test]
    fn wild_reads_fault_by_region_on_both_engines() {
        let insns = asm("ldxb %r0, [%r1+18180]\nexit");
        let interp = run(Engine::Interp, &insns, &mut [1, 2, 3, 4]).unwrap_err();
        assert_eq!(interp.class, Some(ErrorClass::OutOfBounds));
        assert_eq!(
            interp.message,
            "pc 0: out-of-bounds read of 1 byte at input+18180: input has 4 bytes"
        );
        let jit = run(Engine::Jit, &insns, &mut [1, 2, 3, 4]).unwrap_err();
        assert!(jit.message.contains("not run on the JIT"), "{jit}");
        assert!(jit.message.contains("input+18180"), "{jit}");
    }

    /// A callee reading above its own frame (the caller's frame on the JIT's contiguous stack)
    /// is refused by the pre-flight, not run.
    #[test]
    fn cross_frame_reads_are_refused_before_the_jit() {
        let insns = asm("stdw [%r10-8], 1\ncall local f\nexit\nf:\nldxdw %r0, [%r10+8]\nexit");
        let jit = run(Engine::Jit, &insns, &mut []).unwrap_err();
        assert!(jit.message.contains("stack+8 (frame 1)"), "{jit}");
    }

    /// In-bounds programs give the same r0 on both engines; pointers are virtual on the
    /// interpreter (r1 is 0 without input, as in uBPF).
    #[test]
    fn results_agree_and_pointers_are_virtual() {
        let sum = asm("ldxb %r0, [%r1+3]\nldxb %r2, [%r10-1]\nadd %r0, %r2\nexit");
        for engine in [Engine::Interp, Engine::Jit] {
            assert_eq!(
                run(engine, &sum, &mut [0, 0, 0, 9]).unwrap().r0,
                9,
                "{engine}"
            );
        }
        let r1 = asm("mov %r0, %r1\nexit");
        assert_eq!(run(Engine::Interp, &r1, &mut []).unwrap().r0, 0);
        assert_eq!(
            run(Engine::Interp, &r1, &mut [0]).unwrap().r0,
            0x1_0000_0000
        );
    }
}
