//! The reusable machine: [`Vm`] (owns the frame stacks), its [`Config`], and the [`Outcome`] of
//! a run.

use crate::exec::execute;
use crate::fault::Fault;
use crate::helpers::Helpers;
use crate::mem::{Memory, Space, Stack};
use crate::program::Program;

/// Default instruction budget of a run.
pub const DEFAULT_BUDGET: u64 = 1_000_000;

/// Run settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// Most instructions one run may execute (an `LDDW` counts once); one more faults with
    /// [`FaultKind::BudgetExhausted`](crate::FaultKind::BudgetExhausted).
    pub budget: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            budget: DEFAULT_BUDGET,
        }
    }
}

/// A finished run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The value of `r0` at the final `exit` (0 after an out-of-bounds legacy packet load).
    pub r0: u64,
    /// Instructions executed, the final `exit` included.
    pub executed: u64,
}

/// An interpreter: the stacks of all frames, allocated once, and the configuration.
///
/// Runs do not allocate. Each run zeroes frame 0 at its start and each callee frame when it is
/// entered.
#[derive(Debug)]
pub struct Vm {
    config: Config,
    stack: Stack,
}

impl Default for Vm {
    fn default() -> Self {
        Vm::new(Config::default())
    }
}

impl Vm {
    /// A VM with `config`.
    pub fn new(config: Config) -> Vm {
        Vm {
            config,
            stack: Stack::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> Config {
        self.config
    }

    /// Replaces the configuration for later runs.
    pub fn set_config(&mut self, config: Config) {
        self.config = config;
    }

    /// Runs `prog` with the conformance convention: `mem` is the input region, `r1` = its
    /// address (0 when `mem` is empty, as uBPF does), `r2` = its length, `r10` = top of the
    /// stack, other registers 0.
    pub fn run<H: Helpers + ?Sized>(
        &mut self,
        prog: &Program,
        mem: &mut [u8],
        helpers: &mut H,
    ) -> Result<Outcome, Fault> {
        let mut memory = Memory::new(mem);
        let args = [memory.input_addr(), memory.input_len(), 0, 0, 0];
        self.run_in(prog, args, &mut memory, helpers)
    }

    /// Runs `prog` with `r1..=r5` = `args` and `mem` as the input region (may be empty).
    pub fn run_with_args<H: Helpers + ?Sized>(
        &mut self,
        prog: &Program,
        args: [u64; 5],
        mem: &mut [u8],
        helpers: &mut H,
    ) -> Result<Outcome, Fault> {
        let mut memory = Memory::new(mem);
        self.run_in(prog, args, &mut memory, helpers)
    }

    /// The general entry: `memory` holds the input region and any regions the host granted
    /// beforehand; helpers may add more, which stay in `memory` after the run. Pointers in
    /// `args` are virtual addresses ([`Memory::input_addr`], what the grants returned).
    pub fn run_in<H: Helpers + ?Sized>(
        &mut self,
        prog: &Program,
        args: [u64; 5],
        memory: &mut Memory<'_>,
        helpers: &mut H,
    ) -> Result<Outcome, Fault> {
        let mut space = Space::new(&mut self.stack, memory);
        execute(prog.ops(), self.config.budget, args, &mut space, helpers)
    }

    /// The bytes of frame 0's stack as the last run left them (for differential tests).
    pub fn stack(&self) -> &[u8] {
        self.stack.frame0()
    }
}
