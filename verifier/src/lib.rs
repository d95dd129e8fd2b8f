//! A static verifier for eBPF programs by abstract interpretation, after PREVAIL (Gershuni et
//! al., PLDI 2019): a program it accepts cannot fault, hang or leak a pointer on any input.
//!
//! - [`verify`] checks instructions for a program type of a [`Platform`] ([`LINUX`],
//!   [`WINDOWS`], described by the `ebpf-platform` crate, re-exported as [`platform`]) with its
//!   maps ([`MapInfo`]), returning a [`Verified`] program or the
//!   [`VerifyError`]s, each naming the pc and the condition that could not be proved.
//! - Structural checks first (jumps, fall-through, `r10` writes, helper ids, recursion, call
//!   depth), then a fixpoint over the weak topological order of the control-flow graph with
//!   local calls inlined per call site.
//! - Domains ([`domain`]): [`Interval`](domain::Interval), a sparse difference-bound matrix
//!   [`Zone`](domain::Zone) over [`VarId`](domain::VarId)s (register values and pointer
//!   offsets, stack cells, the packet size, loop counters), the kind of each value
//!   ([`RegType`](domain::RegType)) and the [`Stack`](domain::Stack); all implement
//!   [`Lattice`].
//! - Linux's 32-bit context pointer fields: an accepted program's
//!   [`runnable`](Verified::runnable) form loads the real 64-bit pointers from the layout's
//!   [`HostContext`](platform::HostContext) instead (Linux's `convert_ctx_access`), so a
//!   Linux-built program runs unchanged on a host that passes that context.

#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(any(test, feature = "std"))]
extern crate std;

extern crate alloc;

mod budget;
mod cfg;
pub mod domain;
mod error;
mod fixpoint;
mod lattice;
mod liveness;
mod maygoto;
mod state;
mod structure;
mod transfer;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use ebpf_isa::{Insn, Program};

use transfer::{Findings, LoadUse};

pub use ebpf_platform as platform;
pub use ebpf_platform::{
    HelperId, InnerMap, MapInfo, MapKind, Platform, ProgramType, LINUX, WINDOWS,
};
pub use error::{Region, VerifyError, VerifyErrorKind};
pub use lattice::Lattice;
pub use state::State;

/// Most frames live at once (the entry function and up to seven nested local calls).
pub const MAX_FRAMES: usize = 8;

/// The default [`Options::max_work`]: about half a second of analysis on a busy two-core
/// machine at its slowest rate per unit (30 units a microsecond, for programs built so that
/// their states grow with the square of their stack cells), and 3.7 times the most any
/// program of ebpf-samples takes (4.3 million, a Cilium tail call of 18,600 instruction
/// contexts).
pub const DEFAULT_MAX_WORK: u64 = 16_000_000;

/// Settings of one verification.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Keep the abstract state before every instruction in [`Verified::invariants`].
    pub invariants: bool,
    /// Most instruction visits of the fixpoint before giving up with
    /// [`VerifyErrorKind::TooComplex`].
    pub max_visits: usize,
    /// Most bytes of heap the analysis' states may take before giving up with
    /// [`VerifyErrorKind::TooComplex`]: an upper estimate (states sharing their maps count
    /// them each), kept up to date and checked at every visit. 256 MiB by default.
    pub max_memory: usize,
    /// Most units of work of the analysis before giving up with
    /// [`VerifyErrorKind::TooComplex`]. A unit is about one numeric constraint or stack cell
    /// handled: those a visit of an instruction copies or derives, those of the states a join
    /// combines or an inclusion test compares, and a fixed 32 per visit. A visit costs more
    /// the larger its state, so this limit, unlike [`max_visits`](Self::max_visits), bounds
    /// the analysis' time: [`DEFAULT_MAX_WORK`] keeps any program within about a second.
    pub max_work: u64,
    /// Most instructions one run may execute, by the bound the analysis proves from its loop
    /// bounds; more is [`VerifyErrorKind::RunTooLong`]. An accepted program's bound is
    /// [`Verified::instruction_bound`], a budget its host can enforce.
    pub max_run_instructions: u64,
    /// The attach type the program is loaded for (Linux's `expected_attach_type`, implied by
    /// libbpf's section names: `cgroup/connect6` is `cgroup_inet6_connect`). Where the
    /// platform's context depends on it ([`Platform::context_at`]), the program is verified
    /// with that attach type's layout, and a host must attach it only there; `None` verifies
    /// it with the program type's own layout (what every attach type offers).
    pub attach_type: Option<&'static platform::AttachType>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            invariants: false,
            max_visits: 1_000_000,
            max_memory: 256 << 20,
            max_work: DEFAULT_MAX_WORK,
            max_run_instructions: 1_000_000,
            attach_type: None,
        }
    }
}

/// The abstract state before one instruction in one call context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invariant {
    /// Slot of the instruction.
    pub pc: usize,
    /// Call depth of the context.
    pub depth: usize,
    /// The state, printed.
    pub state: String,
}

/// A program the verifier accepted: the [`program`](Self::program) it checked and the
/// [`runnable`](Self::runnable) form a host runs on a context of
/// [`context_size`](Self::context_size) bytes.
#[derive(Clone, Debug)]
pub struct Verified {
    program: Program,
    /// The program with its context pointer-field loads rewritten, when it has any.
    runnable: Option<Program>,
    /// Slots of the rewritten loads, in order.
    rewritten: Vec<usize>,
    context_size: u32,
    invariants: Vec<Invariant>,
    instruction_bound: u64,
    max_packet_size: u32,
    max_context_offset: u32,
    platform: &'static str,
    program_type: String,
    attach_type: Option<&'static str>,
}

impl Verified {
    /// The name of the platform it was verified for ([`Platform::name`](Platform#structfield.name)).
    pub fn platform(&self) -> &'static str {
        self.platform
    }

    /// The program type it was verified as: a host runs it only with this type's context
    /// and helpers.
    pub fn program_type(&self) -> &str {
        &self.program_type
    }

    /// The attach type it was verified for ([`Options::attach_type`]): where its context
    /// depends on the attach type, a host attaches it only there.
    pub fn attach_type(&self) -> Option<&'static str> {
        self.attach_type
    }

    /// Most instructions one run executes (counting each `lddw` once and a helper call as
    /// one): the bound the analysis proved, at most [`Options::max_run_instructions`] unless
    /// the program has loops that `may_goto` bounds: each counts its budget
    /// ([`ebpf_isa::MAY_GOTO_BUDGET`]` + 1` rounds per entry) on top of the limit, which
    /// applies to the rest (`u64::MAX` when the product overflows).
    pub fn instruction_bound(&self) -> u64 {
        self.instruction_bound
    }

    /// The largest packet (bytes from `data` to `data_end`) the proof holds for: the program
    /// type's [`max_packet_size`](platform::ProgramType::max_packet_size), 0 when its context
    /// has no packet. An execution context must refuse to run the program on a larger packet
    /// (the verifier assumed none).
    pub fn max_packet_size(&self) -> u32 {
        self.max_packet_size
    }

    /// One past the furthest context byte the program reads or writes directly (Linux's
    /// `max_ctx_offset`; 0 when it never touches the context). For a context whose size
    /// depends on the attach target ([`ContextLayout::sized_by_target`]: a tracepoint's
    /// record, a raw tracepoint's arguments, a traced function's arguments) the verifier
    /// allowed reads up to the layout's largest size; the host must refuse to attach the
    /// program where the target's context is smaller than this.
    ///
    /// [`ContextLayout::sized_by_target`]: platform::ContextLayout::sized_by_target
    pub fn max_context_offset(&self) -> u32 {
        self.max_context_offset
    }

    /// The program as it was verified.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// The instructions as they were verified (an `lddw` once).
    pub fn insns(&self) -> &[Insn] {
        self.program.insns()
    }

    /// The program a host runs: [`program`](Self::program) with every load of a 32-bit
    /// context pointer field (Linux's `xdp_md.data`, `__sk_buff.data_end`, ...) rewritten into
    /// an 8-byte load of the same register from the field's slot in the layout's
    /// [`HostContext`](platform::HostContext), as Linux's `convert_ctx_access` rewrites them
    /// into loads of the kernel's pointers. Same instructions otherwise, in the same slots, so
    /// jumps and line information still apply. Equal to `program()` when nothing needed
    /// rewriting (always on Windows, whose pointer fields are 8 bytes).
    pub fn runnable(&self) -> &Program {
        self.runnable.as_ref().unwrap_or(&self.program)
    }

    /// The slots (pcs) of the loads [`runnable`](Self::runnable) rewrote, in order.
    pub fn rewritten_loads(&self) -> &[usize] {
        &self.rewritten
    }

    /// Size in bytes of the context a host passes to [`runnable`](Self::runnable) in `r1`:
    /// the program type's [`ContextLayout::host_size`](platform::ContextLayout::host_size),
    /// the [`HostContext`](platform::HostContext) when the layout has one (48 bytes for
    /// Linux's `xdp_md`, 216 for `__sk_buff`), else the structure's size. It depends only on
    /// the program type, whether or not this program's loads were rewritten.
    pub fn context_size(&self) -> u32 {
        self.context_size
    }

    /// The states before each instruction, when [`Options::invariants`] was set.
    pub fn invariants(&self) -> &[Invariant] {
        &self.invariants
    }

    /// The program as it was verified ([`program`](Self::program)).
    pub fn into_program(self) -> Program {
        self.program
    }

    /// The program a host runs ([`runnable`](Self::runnable)).
    pub fn into_runnable(self) -> Program {
        self.runnable.unwrap_or(self.program)
    }
}

/// Verifies `program` as a program of type `prog_type` on `platform`, with `maps` (by fd for
/// `lddw` map fds, by position for map indices). Errors come in execution order; the first
/// is the root cause.
pub fn verify(
    program: &Program,
    platform: &Platform,
    prog_type: &str,
    maps: &[MapInfo],
) -> Result<Verified, Vec<VerifyError>> {
    verify_with(program, platform, prog_type, maps, &Options::default())
}

/// [`verify`] with [`Options`].
pub fn verify_with(
    program: &Program,
    platform: &Platform,
    prog_type: &str,
    maps: &[MapInfo],
    options: &Options,
) -> Result<Verified, Vec<VerifyError>> {
    verify_with_contents(program, platform, prog_type, maps, &[], options)
}

/// The value of a map that programs may only read (`BPF_F_RDONLY_PROG` in its
/// [`MapInfo::flags`]) and that nothing changes after verification (libbpf freezes `.rodata`
/// before it loads programs): the verifier may read constants from it, such as the format
/// string of a printing helper.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrozenValue<'a> {
    /// Index of the map in the maps given to the verifier.
    pub map: usize,
    /// The value's bytes from offset 0; bytes past them, up to the value size, are zeros.
    pub bytes: &'a [u8],
}

/// [`verify_with`], knowing the contents of frozen read-only maps ([`FrozenValue`]; those
/// of maps without `BPF_F_RDONLY_PROG` are ignored). The host must keep them unchanged.
pub fn verify_with_contents(
    program: &Program,
    platform: &Platform,
    prog_type: &str,
    maps: &[MapInfo],
    frozen: &[FrozenValue<'_>],
    options: &Options,
) -> Result<Verified, Vec<VerifyError>> {
    let (report, loads) = analyze_loads(program, platform, prog_type, maps, frozen, options);
    if !report.errors.is_empty() {
        return Err(report.errors);
    }
    let attach = options.attach_type.map(|a| a.name);
    let context_size = platform
        .program_type(prog_type)
        .and_then(|t| platform.context_at(t, attach))
        .map_or(0, |c| c.host_size());
    let max_packet_size = platform
        .program_type(prog_type)
        .map_or(0, |t| t.max_packet_size);
    let (runnable, rewritten) = rewrite(program, &loads).map_err(|e| alloc::vec![e])?;
    Ok(Verified {
        program: program.clone(),
        runnable,
        rewritten,
        context_size,
        invariants: report.invariants,
        instruction_bound: report.instruction_bound,
        max_packet_size,
        max_context_offset: report.max_context_offset,
        platform: platform.name,
        program_type: String::from(prog_type),
        attach_type: attach,
    })
}

/// `program` with each context pointer-field load of `loads` (by slot) made an 8-byte load
/// at its host offset, and the slots rewritten; `None` when there are none.
fn rewrite(
    program: &Program,
    loads: &[LoadUse],
) -> Result<(Option<Program>, Vec<usize>), VerifyError> {
    let mut insns = Vec::new();
    let mut rewritten = Vec::new();
    for (pc, use_) in loads.iter().enumerate() {
        let LoadUse::CtxPointer { off, .. } = *use_ else {
            continue;
        };
        let (Some(i), Some(&Insn::Ldx { dst, src, .. })) =
            (program.index_at(pc), program.insn_at(pc))
        else {
            continue;
        };
        if insns.is_empty() {
            insns = program.insns().to_vec();
        }
        insns[i] = Insn::Ldx {
            size: ebpf_isa::Size::DW,
            dst,
            src,
            off,
        };
        rewritten.push(pc);
    }
    if rewritten.is_empty() {
        return Ok((None, rewritten));
    }
    Ok((Some(Program::from_insns(insns)?), rewritten))
}

/// The full result of an analysis, accepted or not.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Failed checks in execution order, the root cause first (empty when accepted).
    pub errors: Vec<VerifyError>,
    /// The states before each instruction, when [`Options::invariants`] was set and the
    /// analysis got as far as a fixpoint.
    pub invariants: Vec<Invariant>,
    /// The bound on instructions one run executes (0 when the analysis found none).
    pub instruction_bound: u64,
    /// One past the furthest context byte the program reads or writes directly (Linux's
    /// `max_ctx_offset`), as far as the analysis got.
    pub max_context_offset: u32,
}

/// Analyses a program and reports every failed check and, on request, the invariants.
pub fn analyze(
    program: &Program,
    platform: &Platform,
    prog_type: &str,
    maps: &[MapInfo],
    options: &Options,
) -> Report {
    analyze_with_contents(program, platform, prog_type, maps, &[], options)
}

/// [`analyze`], knowing the contents of frozen read-only maps (as
/// [`verify_with_contents`]).
pub fn analyze_with_contents(
    program: &Program,
    platform: &Platform,
    prog_type: &str,
    maps: &[MapInfo],
    frozen: &[FrozenValue<'_>],
    options: &Options,
) -> Report {
    analyze_loads(program, platform, prog_type, maps, frozen, options).0
}

/// [`analyze`], and how each load read memory (by slot; empty unless the context has a
/// [`HostContext`](platform::HostContext)).
fn analyze_loads(
    program: &Program,
    platform: &Platform,
    prog_type: &str,
    maps: &[MapInfo],
    frozen: &[FrozenValue<'_>],
    options: &Options,
) -> (Report, Vec<LoadUse>) {
    let fail = |errors: Vec<VerifyError>| {
        let report = Report {
            errors,
            invariants: Vec::new(),
            instruction_bound: 0,
            max_context_offset: 0,
        };
        (report, Vec::new())
    };
    let Some(prog) = platform.program_type(prog_type) else {
        return fail(alloc::vec![VerifyError::new(
            0,
            VerifyErrorKind::UnknownProgramType {
                name: String::from(prog_type),
            },
        )]);
    };
    if prog.context.is_none() {
        return fail(alloc::vec![VerifyError::new(
            0,
            VerifyErrorKind::UnverifiableProgramType { name: prog.name },
        )]);
    }
    let attach = options.attach_type.map(|a| a.name);
    let Some(context) = platform.context_at(prog, attach) else {
        return fail(alloc::vec![VerifyError::new(
            0,
            VerifyErrorKind::AttachTypeMismatch {
                program_type: prog.name,
                attach_type: attach.unwrap_or(""),
            },
        )]);
    };
    let errors = structure::check(program, platform, prog, maps);
    if !errors.is_empty() {
        return fail(errors);
    }
    let calls_back = |imm: i32| {
        platform
            .helper_for(HelperId::from_imm(imm), prog)
            .is_some_and(transfer::calls_back)
    };
    let cfg = match cfg::Cfg::build(program, &calls_back) {
        Ok(c) => c,
        Err(e) => return fail(alloc::vec![e]),
    };
    let env = transfer::Env {
        node_pcs: cfg.nodes.iter().map(|n| n.pc).collect(),
        in_callback: cfg.nodes.iter().map(|n| n.callback).collect(),
        recursive_callbacks: cfg.recursive_callbacks.clone(),
        platform,
        prog,
        context,
        attach,
        maps,
        frozen,
    };
    let limits = budget::Limits {
        visits: options.max_visits,
        memory: options.max_memory,
        work: options.max_work,
    };
    let mut fx = fixpoint::Fixpoint::new(&cfg, program, &env, limits);
    if options.invariants {
        fx.keep_states();
    }
    if let Err(e) = fx.solve() {
        return fail(alloc::vec![e]);
    }
    let Findings {
        mut errors,
        loads,
        ctx_end,
        locks,
    } = match fx.check() {
        Ok(f) => f,
        Err(e) => return fail(alloc::vec![e]),
    };
    errors.extend(transfer::lock_word_accesses(&locks));
    let mut instruction_bound = 0;
    if let Some(fixpoint::RunBound {
        total,
        checked: bound,
        loops,
    }) = fx.run_bound()
    {
        if bound > u128::from(options.max_run_instructions) {
            let detail = if loops.is_empty() {
                String::from("no loops")
            } else {
                loops
                    .iter()
                    .map(|(pc, v)| format!("the loop at pc {pc} runs up to {v} times"))
                    .collect::<Vec<_>>()
                    .join(", within it ")
            };
            let pc = loops.last().map_or(0, |l| l.0);
            errors.push(VerifyError::new(
                pc,
                VerifyErrorKind::RunTooLong {
                    bound,
                    limit: options.max_run_instructions,
                    detail,
                },
            ));
        } else {
            // With `may_goto` loops, their budget comes on top of the limit (saturating: a
            // bound past u64 is no budget a host can tell from none).
            instruction_bound = u64::try_from(total).unwrap_or(u64::MAX);
        }
    }
    let mut seen = Vec::new();
    errors.retain(|e| {
        let key = (e.pc(), e.kind().clone());
        if seen.contains(&key) {
            false
        } else {
            seen.push(key);
            true
        }
    });
    let invariants = if options.invariants {
        cfg.nodes
            .iter()
            .enumerate()
            .map(|(n, node)| Invariant {
                pc: node.pc,
                depth: usize::from(node.depth),
                state: format!("{:?}", fx.state_at(n as u32)),
            })
            .collect()
    } else {
        Vec::new()
    };
    let report = Report {
        errors,
        invariants,
        instruction_bound,
        max_context_offset: ctx_end,
    };
    (report, loads)
}
