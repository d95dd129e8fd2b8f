//! Invoking programs: [`Batch`] (enter the epoch once, invoke many times, as eBPF for Windows'
//! `batch_begin` / `batch_invoke` / `batch_end`), the tail-call loop, and test runs
//! ([`TestRun`], as `BPF_PROG_TEST_RUN`).
//!
//! An invocation runs the program and then, while a tail call named one, the next program
//! with the same context: at most 34 programs. A successful tail call ends the caller's run at
//! once on both platforms (Linux jumps; eBPF for Windows returns 0 from the helper and the
//! caller returns, its result discarded). Each program of the chain runs on its own engine;
//! the context's packet pointers are rewritten for it.

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use ebpf_interp::{FaultKind, RegionTable, Vm};

use crate::context::{Context, ContextError, EventData, Packet, PointerSlots, Redirect};
use crate::epoch::Guard;
use crate::helpers::Dispatcher;
use crate::host::Shared;
use crate::object::MapObject;
use crate::program::{Installed, Program};
use crate::sys::percpu::Claim;

/// Regions beyond the interpreter's own 16 a run may grant (map values, records).
const REGION_TABLE: usize = 1024;

/// Runs between two refreshes of a long batch's epoch (eBPF for Windows' test-run batch size).
pub const REFRESH_EVERY: u32 = 1024;

/// What one CPU keeps for its invocations, allocated once.
#[derive(Debug)]
pub(crate) struct Scratch {
    engines: Engines,
    /// The inner maps an invocation looked up (empty between invocations).
    inner: Vec<Arc<MapObject>>,
}

/// The engines' per-CPU state.
#[derive(Debug)]
struct Engines {
    vm: Vm,
    regions: RegionTable,
    #[cfg(target_arch = "x86_64")]
    jit: crate::sys::jit::JitFrame,
}

impl Scratch {
    pub(crate) fn new() -> Scratch {
        Scratch {
            engines: Engines {
                vm: Vm::default(),
                regions: RegionTable::new(REGION_TABLE),
                #[cfg(target_arch = "x86_64")]
                jit: crate::sys::jit::JitFrame::new(),
            },
            inner: Vec::with_capacity(16),
        }
    }
}

/// The packet as the running engine addresses it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PacketFrame {
    /// The engine's address of the buffer's first byte.
    pub(crate) base: u64,
    /// The buffer's length.
    pub(crate) buf_len: usize,
    pub(crate) meta: usize,
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// Where the context holds the pointers.
    pub(crate) slots: PointerSlots,
}

impl PacketFrame {
    /// Writes the packet pointers into `ctx` (the host's context bytes).
    pub(crate) fn write_pointers(&self, ctx: &mut [u8]) {
        for (slot, offset) in [
            (Some(self.slots.data), self.start),
            (Some(self.slots.data_end), self.end),
            (self.slots.data_meta, self.meta),
        ] {
            if let Some(at) = slot.map(|s| s as usize) {
                let addr = self.base + offset as u64;
                ctx[at..at + 8].copy_from_slice(&addr.to_le_bytes());
            }
        }
    }
}

/// The state of one invocation (a chain of tail calls), shared by its helper calls.
pub(crate) struct Frame<'a> {
    pub(crate) shared: &'a Shared,
    pub(crate) guard: &'a Guard<'a>,
    /// The context's address for the running engine.
    pub(crate) ctx_addr: u64,
    pub(crate) packet: Option<PacketFrame>,
    /// The program a tail call named.
    pub(crate) next: Option<&'a Program>,
    pub(crate) tail_calls: u32,
    pub(crate) redirect: Option<Redirect>,
    /// The hook's data for this event ([`Context::set_event`]), moved in for the run.
    pub(crate) event: Option<Box<EventData>>,
    /// Inner maps looked up in maps of maps, by handle: the CPU's scratch list, borrowed
    /// (moving it out and back in cost about 3 ns per run).
    pub(crate) inner: &'a mut Vec<Arc<MapObject>>,
}

/// How one program's run ended.
pub(crate) enum Step {
    /// It returned `r0`.
    Return(u64),
    /// A tail call ended it.
    TailCall,
}

/// Why an invocation failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvokeError {
    program: u32,
    kind: InvokeErrorKind,
}

/// What went wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvokeErrorKind {
    /// The program belongs to another host.
    ForeignProgram,
    /// The context is of another program type.
    WrongContext {
        /// The program's type.
        expected: &'static str,
        /// The context's.
        got: &'static str,
    },
    /// The context could not be built.
    Context(ContextError),
    /// The run ended abnormally (a host failure: a verified program does not fault).
    Fault {
        /// The instruction's pc.
        pc: usize,
        /// What happened.
        message: String,
    },
    /// The program's engine is not available in this build.
    NoEngine,
}

impl InvokeError {
    pub(crate) fn new(program: u32, kind: InvokeErrorKind) -> Self {
        InvokeError { program, kind }
    }

    /// The id of the program that failed.
    pub fn program(&self) -> u32 {
        self.program
    }

    /// What went wrong.
    pub fn kind(&self) -> &InvokeErrorKind {
        &self.kind
    }
}

impl fmt::Display for InvokeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "program {}: ", self.program)?;
        match &self.kind {
            InvokeErrorKind::ForeignProgram => f.write_str("the program belongs to another host"),
            InvokeErrorKind::WrongContext { expected, got } => {
                write!(f, "a {got} context given to a {expected} program")
            }
            InvokeErrorKind::Context(e) => write!(f, "{e}"),
            InvokeErrorKind::Fault { pc, message } => write!(f, "pc {pc}: {message}"),
            InvokeErrorKind::NoEngine => f.write_str("its engine is not in this build"),
        }
    }
}

impl core::error::Error for InvokeError {}

/// Invocations inside one epoch guard, on one virtual CPU.
pub struct Batch<'h> {
    shared: &'h Shared,
    // Declared before the guard: the CPU's scratch is given back before the CPU.
    scratch: Claim<'h, Scratch>,
    guard: Guard<'h>,
    runs: u32,
}

impl fmt::Debug for Batch<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Batch")
            .field("cpu", &self.guard.cpu())
            .field("runs", &self.runs)
            .finish()
    }
}

impl<'h> Batch<'h> {
    /// Enters the epoch on a virtual CPU (waiting while every CPU is taken).
    pub(crate) fn new(shared: &'h Shared) -> Batch<'h> {
        let cpus = shared.epoch.cpu_count();
        let hint = shared.os.current_cpu();
        loop {
            for k in 0..cpus {
                let cpu = (hint + k) % cpus;
                let Some(guard) = shared.epoch.try_enter_cpu(cpu) else {
                    continue;
                };
                // The CPU is this guard's alone, so its scratch is free unless this thread
                // nests batches; then try another CPU.
                if let Some(scratch) = shared.scratch.claim(cpu) {
                    return Batch {
                        shared,
                        scratch,
                        guard,
                        runs: 0,
                    };
                }
            }
            // Every CPU is taken: let their holders run (a user-mode `Os` yields the thread,
            // so more threads than virtual CPUs do not spin against preempted holders).
            shared.os.relax();
        }
    }

    /// The virtual CPU the batch holds.
    pub fn cpu(&self) -> usize {
        self.guard.cpu().unwrap_or(0)
    }

    /// Lets memory retired during a long batch be reclaimed, and reclaims what no reader can
    /// still see (done every [`REFRESH_EVERY`] invocations by itself): without it, a batch
    /// that updates maps would keep every replaced entry until it ends.
    pub fn refresh(&mut self) {
        self.guard.refresh();
        if self.shared.epoch.pending() > 0 {
            self.shared.epoch.collect();
        }
    }

    /// Runs `program` (and the programs it tail-calls) on `ctx`; returns the last program's
    /// `r0`. The packet and any redirect stay in `ctx`.
    pub fn invoke(&mut self, program: &Program, ctx: &mut Context) -> Result<u64, InvokeError> {
        self.runner().invoke(program, ctx)
    }

    /// Counts one more run (refreshing the guard when one is due) and lends the guard and the
    /// CPU's scratch for it: a hook loads its program list under the guard and invokes each.
    pub(crate) fn runner(&mut self) -> Runner<'_> {
        self.runs += 1;
        if self.runs % REFRESH_EVERY == 0 {
            self.refresh();
        }
        Runner {
            shared: self.shared,
            scratch: &mut self.scratch,
            guard: &self.guard,
        }
    }
}

/// One run's borrow of a [`Batch`]: its guard, and its CPU's scratch for the invocations.
pub(crate) struct Runner<'a> {
    shared: &'a Shared,
    scratch: &'a mut Scratch,
    guard: &'a Guard<'a>,
}

impl<'a> Runner<'a> {
    /// The batch's guard: what a hook loads its program list under.
    pub(crate) fn guard(&self) -> &'a Guard<'a> {
        self.guard
    }

    /// Runs `program` (and its tail calls) on `ctx`.
    pub(crate) fn invoke(
        &mut self,
        program: &'a Program,
        ctx: &mut Context,
    ) -> Result<u64, InvokeError> {
        let shared = self.shared;
        if !core::ptr::eq(program.shared(), shared) {
            return Err(InvokeError::new(
                program.id(),
                InvokeErrorKind::ForeignProgram,
            ));
        }
        if !core::ptr::eq(ctx.program_type, program.program_type()) {
            return Err(InvokeError::new(
                program.id(),
                InvokeErrorKind::WrongContext {
                    expected: program.program_type().name,
                    got: ctx.program_type.name,
                },
            ));
        }
        let Scratch { engines, inner } = &mut *self.scratch;
        let mut frame = Frame {
            shared,
            guard: self.guard,
            ctx_addr: 0,
            packet: None,
            next: None,
            tail_calls: 0,
            redirect: None,
            event: ctx.event.take(),
            inner,
        };
        let result = run_chain(program, ctx, &mut frame, engines);
        frame.inner.clear();
        ctx.redirect = frame.redirect;
        ctx.event = frame.event.take();
        if let (Some(p), Some(packet)) = (&frame.packet, ctx.packet.as_mut()) {
            (packet.meta, packet.start, packet.end) = (p.meta, p.start, p.end);
        }
        result
    }
}

/// Runs `head` and its tail calls.
fn run_chain<'a>(
    head: &'a Program,
    ctx: &mut Context,
    frame: &mut Frame<'a>,
    engines: &mut Engines,
) -> Result<u64, InvokeError> {
    let Context {
        slots,
        bytes,
        packet,
        ..
    } = ctx;
    let mut current = head;
    loop {
        if let (Some(slots), Some(p)) = (*slots, packet.as_ref()) {
            // The bounds as the last program left them, at the next engine's base.
            let (meta, start, end) = match &frame.packet {
                Some(f) => (f.meta, f.start, f.end),
                None => (p.meta, p.start, p.end),
            };
            frame.packet = Some(PacketFrame {
                base: 0,
                buf_len: p.buf.len(),
                meta,
                start,
                end,
                slots,
            });
        }
        let step = run_one(current, bytes, packet.as_mut(), frame, engines)?;
        match (step, frame.next.take()) {
            (Step::Return(r0), None) => return Ok(r0),
            (_, Some(next)) => current = next,
            (Step::TailCall, None) => {
                return Err(InvokeError::new(
                    current.id(),
                    InvokeErrorKind::Fault {
                        pc: 0,
                        message: "a run stopped without a tail call".to_string(),
                    },
                ));
            }
        }
    }
}

/// Runs one program on its engine.
fn run_one<'a>(
    program: &'a Program,
    ctx: &mut [u8],
    packet: Option<&mut Packet>,
    frame: &mut Frame<'a>,
    engines: &mut Engines,
) -> Result<Step, InvokeError> {
    match program.installed() {
        Installed::Interp(code) => {
            let mut memory = ebpf_interp::Memory::with_table(&mut engines.regions);
            if let (Some(p), Some(f)) = (packet, frame.packet.as_mut()) {
                let base = memory
                    .grant(&mut p.buf)
                    .map_err(|e| fault(program, 0, e.to_string()))?;
                memory.set_name(base, "packet");
                f.base = base;
                f.write_pointers(ctx);
                // Legacy packet loads read the packet, not the context structure.
                memory.set_legacy_packet(base + f.start as u64, (f.end - f.start) as u64);
            }
            let ctx_addr = memory.set_input(ctx);
            memory.set_name(ctx_addr, "context");
            frame.ctx_addr = ctx_addr;
            let budget = program.instruction_bound().max(1);
            engines.vm.set_config(ebpf_interp::Config { budget });
            let mut dispatcher = Dispatcher { program, frame };
            let mut helpers = crate::sys::interp::InterpHelpers {
                dispatch: &mut dispatcher,
            };
            let args = [ctx_addr, 0, 0, 0, 0];
            match engines.vm.run_in(code, args, &mut memory, &mut helpers) {
                Ok(outcome) => Ok(Step::Return(outcome.r0)),
                Err(f) if matches!(f.kind(), FaultKind::Stopped { .. }) => Ok(Step::TailCall),
                Err(f) => Err(fault(program, f.pc(), f.kind().to_string())),
            }
        }
        #[cfg(target_arch = "x86_64")]
        Installed::Jit(image) => {
            let mut legacy = (0, 0);
            if let (Some(p), Some(f)) = (packet, frame.packet.as_mut()) {
                f.base = p.buf.as_mut_ptr() as u64;
                f.write_pointers(ctx);
                legacy = (f.base + f.start as u64, (f.end - f.start) as u64);
            }
            frame.ctx_addr = ctx.as_mut_ptr() as u64;
            let mut dispatcher = Dispatcher { program, frame };
            match engines.jit.run(image, ctx, legacy, &mut dispatcher) {
                Ok(r0) => Ok(Step::Return(r0)),
                Err(crate::sys::jit::JitStop::TailCall) => Ok(Step::TailCall),
                Err(crate::sys::jit::JitStop::Fault(f)) => Err(fault(program, f.pc, f.message())),
            }
        }
    }
}

fn fault(program: &Program, pc: usize, message: String) -> InvokeError {
    InvokeError::new(program.id(), InvokeErrorKind::Fault { pc, message })
}

/// A test run's input (`BPF_PROG_TEST_RUN`).
#[derive(Clone, Copy, Debug, Default)]
pub struct TestRun<'a> {
    /// The packet (ignored, and must be empty, for types without one).
    pub data: &'a [u8],
    /// The context structure's bytes (number fields; pointer fields are the host's).
    pub ctx: Option<&'a [u8]>,
    /// How many times to run (0 counts as 1), on the same context: a change one run makes
    /// to the packet is what the next run sees, as in Linux.
    pub repeat: u32,
}

/// A test run's output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestRunOutput {
    /// The last run's result.
    pub retval: u64,
    /// Mean nanoseconds per run.
    pub duration_ns: u64,
    /// The packet afterwards.
    pub data_out: Vec<u8>,
    /// The context structure afterwards (pointer fields zeroed).
    pub ctx_out: Vec<u8>,
    /// The last run's redirect, if any.
    pub redirect: Option<Redirect>,
}

impl Program {
    /// A fresh context of this program's type.
    pub fn new_context(&self) -> Result<Context, ContextError> {
        Context::new(self.program_type())
    }

    /// Runs the program once on `ctx` (entering the epoch for this one invocation).
    pub fn invoke(&self, ctx: &mut Context) -> Result<u64, InvokeError> {
        Batch::new(self.shared()).invoke(self, ctx)
    }

    /// Runs the program `run.repeat` times on one context built from `run`, inside one batch;
    /// returns the last result, the mean time per run and what the context holds afterwards.
    pub fn test_run(&self, run: &TestRun<'_>) -> Result<TestRunOutput, InvokeError> {
        let err = |e: ContextError| InvokeError::new(self.id(), InvokeErrorKind::Context(e));
        let mut ctx = self.new_context().map_err(err)?;
        if let Some(fields) = run.ctx {
            ctx.set_fields(fields).map_err(err)?;
        }
        // Types without a packet refuse data, and take none.
        if ctx.packet.is_some() || !run.data.is_empty() {
            ctx.set_packet(run.data).map_err(err)?;
        }
        let repeat = run.repeat.max(1);
        let os = &self.shared().os;
        let mut batch = Batch::new(self.shared());
        let start = os.monotonic_ns();
        let mut retval = 0;
        for _ in 0..repeat {
            retval = batch.invoke(self, &mut ctx)?;
        }
        let elapsed = os.monotonic_ns().saturating_sub(start);
        drop(batch);
        Ok(TestRunOutput {
            retval,
            duration_ns: elapsed / u64::from(repeat),
            data_out: ctx.packet().map_or_else(Vec::new, |p| p.data().to_vec()),
            ctx_out: ctx.fields(),
            redirect: ctx.redirect(),
        })
    }
}
