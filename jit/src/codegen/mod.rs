//! Translation of typed instructions into x86-64 machine code with dynasmrt.
//!
//! [`compile`] walks the program once. Each eBPF register lives in a fixed x86 register
//! ([`REG_MAP`]); `r12` holds the run context, `r9` to `r11` are scratch. The layout of the
//! emitted image is: entry trampoline, the program's instructions in order, then out-of-line
//! fault stubs. All branches are rip-relative and helpers are called through the context, so the
//! bytes can run at any address.
//!
//! The instruction classes live in submodules: [`alu`] (arithmetic), [`mem`] (loads, stores,
//! atomics, legacy packet loads) and [`flow`] (jumps, calls, exit).

mod alu;
mod flow;
mod live;
mod mem;

use dynasmrt::x64::X64Relocation;
use dynasmrt::{dynasm, DynamicLabel, DynasmApi, DynasmLabelApi, VecAssembler};
use ebpf_isa::{Insn, Program, Reg};

use crate::abi::*;
use crate::error::{JitError, JitErrorKind};
use crate::image::Compiled;
use crate::JitOptions;

pub(crate) type Asm = VecAssembler<X64Relocation>;

/// A fault raised out of line: which fault, and at which pc.
struct Stub {
    label: DynamicLabel,
    pc: usize,
    kind: u32,
}

/// The out-of-line dispatcher path of one `call imm` site.
pub(crate) struct SlowCall {
    slow: DynamicLabel,
    done: DynamicLabel,
    pc: usize,
    id: u32,
}

/// Per-compilation state.
pub(crate) struct Codegen {
    ops: Asm,
    /// Label of the instruction starting at each slot (`None` for second halves of `LDDW`).
    labels: Vec<Option<DynamicLabel>>,
    stubs: Vec<Stub>,
    /// Unwinds the native stack after `ctx.fault_kind` was set and returns.
    fault_exit: DynamicLabel,
    /// Returns 0 from the current function, as an `exit` with r0 = 0 (out-of-bounds legacy
    /// packet load: Linux's semantics, which end the program only in the entry function).
    zero_exit: DynamicLabel,
    blinder: Option<Blinder>,
    /// Distinct helper ids of `call imm`, in order of first use (slots of the direct table).
    helper_ids: Vec<u32>,
    helper_slot: std::collections::HashMap<u32, usize>,
    /// Per slot, which of r1-r5 may be read after the instruction ([`live`]).
    args_live: Vec<u8>,
    /// Which of r1-r5 the program ever writes (the others are reloaded after calls).
    args_written: u8,
    slow_calls: Vec<SlowCall>,
    /// Whether the program has a `may_goto`: then every function call keeps its budget on
    /// the native stack ([`flow`]).
    may_goto: bool,
}

/// Whether `v` fits a sign-extended 8-bit immediate or displacement.
#[inline]
pub(crate) fn fits8(v: i32) -> bool {
    (-128..=127).contains(&v)
}

/// Maps an eBPF register to its x86 register number.
#[inline]
pub(crate) fn x(r: Reg) -> u8 {
    REG_MAP[r.index()]
}

/// Compiles a validated program into an image.
pub(crate) fn compile(program: &Program, options: &JitOptions) -> Result<Compiled, JitError> {
    let insns = program.insns();
    let slots = program.slot_count();
    // Jump displacements and the image's pc table are 32-bit.
    if slots > i32::MAX as usize {
        return Err(JitError::new(JitErrorKind::TooLong { slots }));
    }
    let mut ops = Asm::new_with_capacity(0, insns.len() * 12 + 256, 0, 0, insns.len(), 0, 0);
    let mut labels = vec![None; slots];
    for (pc, _) in program.iter() {
        labels[pc] = Some(ops.new_dynamic_label());
    }
    let fault_exit = ops.new_dynamic_label();
    let zero_exit = ops.new_dynamic_label();
    let blinder = options.blind_constants.then(Blinder::new);
    let mut cg = Codegen {
        ops,
        labels,
        stubs: Vec::new(),
        fault_exit,
        zero_exit,
        blinder,
        helper_ids: Vec::new(),
        helper_slot: std::collections::HashMap::new(),
        args_live: live::args_live_after(program),
        args_written: live::args_written(insns),
        slow_calls: Vec::new(),
        may_goto: insns.iter().any(|i| matches!(i, Insn::MayGoto { .. })),
    };

    let entry = cg.ops.offset().0;
    cg.prologue();
    let mut pc_offsets = Vec::with_capacity(insns.len());
    // Loop heads (targets of backward jumps) start on a 16-byte boundary.
    let mut loop_head = vec![false; slots];
    for (pc, insn) in program.iter() {
        if !matches!(insn, Insn::Call(_)) {
            if let Some(t) = insn.branch_target(pc).filter(|&t| t <= pc as i64) {
                loop_head[t as usize] = true;
            }
        }
    }
    for (pc, insn) in program.iter() {
        let label = cg.labels[pc].expect("instruction start has a label");
        if loop_head[pc] {
            dynasm!(cg.ops ; .arch x64 ; .align 16);
        }
        dynasm!(cg.ops ; .arch x64 ; =>label);
        pc_offsets.push((pc as u32, cg.ops.offset().0 as u32));
        cg.insn(pc, insn)?;
    }
    // Running past the last instruction is a fault, as in the interpreter.
    let fell = cg.stub(slots, FAULT_FELL_OFF);
    dynasm!(cg.ops ; .arch x64 ; jmp =>fell);
    for call in std::mem::take(&mut cg.slow_calls) {
        cg.emit_slow_call(call);
    }
    cg.emit_stubs();
    cg.emit_zero_frame();
    // `finalize` consumes the assembler; keep what the image needs.
    let helper_ids = std::mem::take(&mut cg.helper_ids);
    let code = cg.ops.finalize().map_err(|e| {
        JitError::new(JitErrorKind::Assembler {
            message: e.to_string(),
        })
    })?;
    let uses_stack = insns.iter().any(mentions_r10);
    Ok(Compiled::new(
        code, entry, pc_offsets, helper_ids, uses_stack, *options,
    ))
}

/// Whether an instruction names r10. A program where none does cannot reach its stack (the
/// frame pointer is the only source of stack addresses), so its runs need no zeroed frame.
fn mentions_r10(insn: &Insn) -> bool {
    let regs = insn.regs();
    regs.uses.union(regs.defs).contains(Reg::R10)
}

impl Codegen {
    /// Entry trampoline: saves the host's callee-saved registers, loads the initial eBPF
    /// registers from the context, calls the program's first instruction as a function (so
    /// every `exit` is a plain `ret`), and returns r0.
    fn prologue(&mut self) {
        let body = self.labels[0].expect("pc 0 has a label");
        let fault_exit = self.fault_exit;
        let zero_exit = self.zero_exit;
        dynasm!(self.ops
            ; .arch x64
            ; push rbp
            ; push rbx
            ; push r12
            ; push r13
            ; push r14
            ; push r15
            ; mov r12, rdi
            ; mov [r12 + CTX_SAVED_RSP], rsp
            ; mov rdi, [r12 + CTX_ARGS]
            ; mov rsi, [r12 + CTX_ARGS + 8]
            ; mov rdx, [r12 + CTX_ARGS + 16]
            ; mov rcx, [r12 + CTX_ARGS + 24]
            ; mov r8, [r12 + CTX_ARGS + 32]
            ; mov rbp, [r12 + CTX_STACK_TOP]
            ; xor eax, eax
            ; xor ebx, ebx
            ; xor r13d, r13d
            ; xor r14d, r14d
            ; xor r15d, r15d
        );
        if self.may_goto {
            self.push_budget();
        }
        dynasm!(self.ops
            ; .arch x64
            ; call =>body
        );
        if self.may_goto {
            dynasm!(self.ops ; .arch x64 ; add rsp, 16);
        }
        dynasm!(self.ops
            ; .arch x64
            ; ->done:
            ; pop r15
            ; pop r14
            ; pop r13
            ; pop r12
            ; pop rbx
            ; pop rbp
            ; ret
            ; =>zero_exit
            ; xor eax, eax
            ; ret
            ; =>fault_exit
            ; mov rsp, [r12 + CTX_SAVED_RSP]
            ; xor eax, eax
            ; jmp ->done
        );
    }

    /// A new out-of-line fault stub for `pc`; returns the label to jump to.
    fn stub(&mut self, pc: usize, kind: u32) -> DynamicLabel {
        let label = self.ops.new_dynamic_label();
        self.stubs.push(Stub { label, pc, kind });
        label
    }

    fn emit_stubs(&mut self) {
        let fault_exit = self.fault_exit;
        for stub in std::mem::take(&mut self.stubs) {
            let (label, pc, kind) = (stub.label, stub.pc as i32, stub.kind as i32);
            dynasm!(self.ops ; .arch x64 ; =>label ; mov DWORD [r12 + CTX_FAULT_PC], pc);
            if kind != 0 {
                dynasm!(self.ops ; .arch x64 ; mov DWORD [r12 + CTX_FAULT_KIND], kind);
            }
            dynasm!(self.ops ; .arch x64 ; jmp =>fault_exit);
        }
    }

    /// `->zero_frame`: zeroes the 512 bytes below `rbp` (a callee's fresh frame).
    fn emit_zero_frame(&mut self) {
        dynasm!(self.ops ; .arch x64 ; ->zero_frame: ; xorps xmm0, xmm0);
        for k in 1..=(STACK_SIZE as i32 / 16) {
            dynasm!(self.ops ; .arch x64 ; movups [rbp - 16 * k], xmm0);
        }
        dynasm!(self.ops ; .arch x64 ; ret);
    }

    fn insn(&mut self, pc: usize, insn: &Insn) -> Result<(), JitError> {
        match *insn {
            Insn::Alu {
                width,
                op,
                dst,
                src,
            } => self.alu(width, op, dst, src),
            Insn::Neg { width, dst } => self.neg(width, dst),
            Insn::Movsx {
                width,
                bits,
                dst,
                src,
            } => self.movsx(width, bits, dst, src),
            Insn::End { order, bits, dst } => self.end(order, bits, dst),
            Insn::Lddw {
                dst,
                src,
                imm,
                next_imm,
            } => {
                if src != ebpf_isa::LddwSrc::Imm {
                    self.lddw_host(pc, dst, src, imm, next_imm);
                    return Ok(());
                }
                self.mov_imm64(x(dst), Insn::lddw_value(imm, next_imm));
            }
            Insn::Ldx {
                size,
                dst,
                src,
                off,
            } => self.load(size, false, dst, src, off),
            Insn::Ldxs {
                size,
                dst,
                src,
                off,
            } => self.load(size, true, dst, src, off),
            Insn::St {
                size,
                dst,
                off,
                imm,
            } => self.store_imm(size, dst, off, imm),
            Insn::Stx {
                size,
                dst,
                src,
                off,
            } => self.store_reg(size, dst, src, off),
            Insn::Atomic {
                size,
                op,
                fetch,
                dst,
                src,
                off,
            } => self.atomic(size, op, fetch, dst, src, off),
            Insn::LdAbs { size, imm } => self.ld_packet(size, None, imm),
            Insn::LdInd { size, src, imm } => self.ld_packet(size, Some(src), imm),
            Insn::Ja { off } => self.ja(pc, i64::from(off)),
            Insn::Ja32 { imm } => self.ja(pc, i64::from(imm)),
            Insn::MayGoto { off } => self.may_goto(pc, i64::from(off)),
            Insn::Jmp {
                width,
                cond,
                dst,
                src,
                off,
            } => self.jmp(pc, width, cond, dst, src, off),
            Insn::Call(target) => self.call(pc, target)?,
            Insn::Callx { reg } => self.callx(pc, reg),
            Insn::Exit => dynasm!(self.ops ; .arch x64 ; ret),
        }
        Ok(())
    }

    /// The label of the instruction at `pc` (checked by [`check_insn`]).
    fn label_at(&self, pc: i64) -> DynamicLabel {
        self.labels[pc as usize].expect("target checked before emission")
    }

    /// `reg = value` in the shortest encoding (blinded when enabled).
    fn mov_imm64(&mut self, reg: u8, value: u64) {
        if let Some(key) = self.blinder.as_mut().map(Blinder::next) {
            let masked = (value ^ key) as i64;
            dynasm!(self.ops
                ; .arch x64
                ; mov Rq(reg), QWORD masked
                ; mov Rq(TMP1), QWORD key as i64
                ; xor Rq(reg), Rq(TMP1)
            );
        } else if value <= u64::from(u32::MAX) {
            dynasm!(self.ops ; .arch x64 ; mov Rd(reg), value as i32);
        } else if value as i64 >= i64::from(i32::MIN) && value as i64 <= i64::from(i32::MAX) {
            dynasm!(self.ops ; .arch x64 ; mov Rq(reg), value as i32);
        } else {
            dynasm!(self.ops ; .arch x64 ; mov Rq(reg), QWORD value as i64);
        }
    }

    /// With blinding on, loads the sign-extended `imm` into `TMP0` through an XOR with a
    /// random key and returns `Some(TMP0)`, so the immediate never appears in the code.
    fn blinded(&mut self, imm: i32) -> Option<u8> {
        let key = self.blinder.as_mut()?.next() as u32 as i32;
        dynasm!(self.ops
            ; .arch x64
            ; mov Rq(TMP0), imm ^ key
            ; xor Rq(TMP0), key
        );
        Some(TMP0)
    }
}

/// Source of random keys for constant blinding (xorshift seeded from the std hasher's
/// per-process random keys; unpredictability to an attacker is what matters, not quality).
struct Blinder {
    state: u64,
}

impl Blinder {
    fn new() -> Self {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_usize(&h as *const _ as usize);
        Blinder {
            state: h.finish() | 1,
        }
    }

    fn next(&mut self) -> u64 {
        let mut s = self.state;
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        self.state = s;
        s
    }
}
