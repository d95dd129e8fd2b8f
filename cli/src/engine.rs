//! The engines that run test vectors and `ebpf run`, behind one interface.

use std::fmt;

use ebpf_interp::{FaultKind, HelperError, Helpers, Memory, Program, Vm};
use ebpf_isa::Insn;

use crate::data::ErrorClass;

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
    /// Instructions executed, when the engine counts them.
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
        FaultKind::OutOfBounds { .. } | FaultKind::ReadOnly { .. } => Some(ErrorClass::OutOfBounds),
        FaultKind::CallDepthExceeded { .. } => Some(ErrorClass::CallDepth),
        FaultKind::BudgetExhausted { .. } => Some(ErrorClass::Budget),
        FaultKind::UnknownHelper { .. } => Some(ErrorClass::UnknownHelper),
        _ => None,
    }
}

/// Runs `insns` with the conformance conventions (r1 = memory, r2 = its length, helper 5).
pub fn run(engine: Engine, insns: &[Insn], mem: &mut [u8]) -> Result<Finished, RunError> {
    match engine {
        Engine::Interp => run_interp(insns, mem),
        Engine::Jit => run_jit(insns, mem),
    }
}

fn invalid(message: String) -> RunError {
    RunError {
        class: Some(ErrorClass::InvalidProgram),
        message,
    }
}

fn run_interp(insns: &[Insn], mem: &mut [u8]) -> Result<Finished, RunError> {
    let program = Program::from_insns(insns).map_err(|e| invalid(e.to_string()))?;
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

fn run_jit(_insns: &[Insn], _mem: &mut [u8]) -> Result<Finished, RunError> {
    Err(RunError {
        class: None,
        message: "the jit engine is not available yet; use --engine interp".to_string(),
    })
}
