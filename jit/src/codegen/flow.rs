//! Control flow: jumps, helper calls through the context, bpf-to-bpf calls, exit.
//!
//! Every eBPF function (the program itself included) runs as a native function entered with
//! `call`, so `exit` is `ret`. A local call saves r6-r10 (`rbx`, `r13`-`r15`, `rbp`) on the
//! native stack and moves r10 down one 512-byte frame. Five pushes plus the return address keep
//! the native stack 16-byte aligned at every helper call.
//!
//! In a program with a `may_goto`, each call (the entry's too) also reserves 16 bytes below
//! the return address whose lower 8 hold the callee's `may_goto` budget, set to
//! [`MAY_GOTO_BUDGET`] before the call: the function finds it at `[rsp + 8]` at every
//! instruction boundary (where `rsp` is always the entry `rsp`, as `exit` is a plain `ret`).
//! The eBPF stack is elsewhere (the host's frames), so no program reaches the counter: Linux's
//! hidden 8-byte slot below the program's frame, one per call frame, as in the interpreter.

use dynasmrt::{dynasm, DynamicLabel, DynasmApi, DynasmLabelApi};
use ebpf_isa::{CallTarget, JmpCond, LddwSrc, Operand, Reg, Width, MAY_GOTO_BUDGET};

use super::alu::Src;
use super::{x, Codegen};
use crate::abi::*;
use crate::error::JitError;

/// Emits `cmp`/`test` of `dst` with the operand in either width.
macro_rules! compare {
    ($cg:expr, $mn:tt, $w:expr, $d:expr, $s:expr) => {
        match ($w, $s) {
            (Width::W64, Src::R(s)) => dynasm!($cg.ops ; .arch x64 ; $mn Rq($d), Rq(s)),
            (Width::W64, Src::I(i)) => dynasm!($cg.ops ; .arch x64 ; $mn Rq($d), i),
            (Width::W32, Src::R(s)) => dynasm!($cg.ops ; .arch x64 ; $mn Rd($d), Rd(s)),
            (Width::W32, Src::I(i)) => dynasm!($cg.ops ; .arch x64 ; $mn Rd($d), i),
        }
    };
}

/// What a call site saved of r1-r5 (see [`Codegen::save_args`]).
struct Saved {
    pushed: Vec<u8>,
    reloaded: Vec<u8>,
    pad: bool,
}

impl Codegen {
    /// Whether a 2-byte jump emitted now reaches `target`: only for labels already defined
    /// (backward jumps), whose distance is known.
    fn short_reaches(&self, target: DynamicLabel) -> bool {
        match self.ops.labels().resolve_dynamic(target) {
            Ok(at) => {
                let distance = at.0 as i64 - (self.ops.offset().0 as i64 + 2);
                (-128..=127).contains(&distance)
            }
            Err(_) => false,
        }
    }

    pub(super) fn ja(&mut self, pc: usize, off: i64) {
        let target = self.label_at(pc as i64 + 1 + off);
        if self.short_reaches(target) {
            dynasm!(self.ops ; .arch x64 ; jmp BYTE =>target);
        } else {
            dynasm!(self.ops ; .arch x64 ; jmp =>target);
        }
    }

    /// Reserves the 16 bytes of a call's `may_goto` budget, the budget in the lower 8 (the
    /// callee's `[rsp + 8]`); the caller adds 16 to `rsp` after the call.
    pub(super) fn push_budget(&mut self) {
        // 8 Mi fits the sign-extended 32-bit immediate.
        let budget = MAY_GOTO_BUDGET as i32;
        dynasm!(self.ops
            ; .arch x64
            ; sub rsp, 16
            ; mov QWORD [rsp], budget
        );
    }

    /// `may_goto`: jumps when the frame's budget is 0, else takes one from it.
    pub(super) fn may_goto(&mut self, pc: usize, off: i64) {
        let target = self.label_at(pc as i64 + 1 + off);
        dynasm!(self.ops ; .arch x64 ; cmp QWORD [rsp + 8], 0);
        if self.short_reaches(target) {
            dynasm!(self.ops ; .arch x64 ; je BYTE =>target);
        } else {
            dynasm!(self.ops ; .arch x64 ; je =>target);
        }
        dynasm!(self.ops ; .arch x64 ; sub QWORD [rsp + 8], 1);
    }

    pub(super) fn jmp(
        &mut self,
        pc: usize,
        w: Width,
        cond: JmpCond,
        dst: Reg,
        src: Operand,
        off: i16,
    ) {
        let target = self.label_at(pc as i64 + 1 + i64::from(off));
        let d = x(dst);
        let s = self.src(src);
        if cond == JmpCond::Set {
            compare!(self, test, w, d, s);
        } else {
            match s {
                // dynasm picks the imm32 form of `cmp`; emit `cmp r, imm8` (83 /7 ib) by hand.
                Src::I(i) if super::fits8(i) => self.cmp_imm8(w, d, i as i8),
                _ => super::alu::binop!(self, cmp, w, d, s),
            }
        }
        let short = self.short_reaches(target);
        macro_rules! jcc {
            ($mn:ident) => {
                if short {
                    dynasm!(self.ops ; .arch x64 ; $mn BYTE =>target)
                } else {
                    dynasm!(self.ops ; .arch x64 ; $mn =>target)
                }
            };
        }
        match cond {
            JmpCond::Eq => jcc!(je),
            JmpCond::Ne | JmpCond::Set => jcc!(jne),
            JmpCond::Gt => jcc!(ja),
            JmpCond::Ge => jcc!(jae),
            JmpCond::Lt => jcc!(jb),
            JmpCond::Le => jcc!(jbe),
            JmpCond::Sgt => jcc!(jg),
            JmpCond::Sge => jcc!(jge),
            JmpCond::Slt => jcc!(jl),
            JmpCond::Sle => jcc!(jle),
        }
    }

    /// `cmp r64/r32, imm8`: REX (W for 64 bits, B for r8-r15), 0x83, ModRM /7, the byte.
    fn cmp_imm8(&mut self, w: Width, reg: u8, imm: i8) {
        let rex = 0x40 | if w == Width::W64 { 0x08 } else { 0 } | (reg >> 3);
        if rex != 0x40 {
            self.ops.push(rex);
        }
        self.ops.extend([0x83, 0xf8 | (reg & 7), imm as u8]);
    }

    pub(super) fn call(&mut self, pc: usize, target: CallTarget) -> Result<(), JitError> {
        match target {
            CallTarget::Helper(id) => self.call_helper(pc, id),
            CallTarget::Local(imm) => self.call_local(pc, pc as i64 + 1 + i64::from(imm)),
            CallTarget::Btf(_) => {
                // As in the interpreter: a run that reaches it faults (kfuncs need a host that
                // resolves BTF ids, which no host provides yet).
                let stub = self.stub(pc, FAULT_UNSUPPORTED);
                dynasm!(self.ops ; .arch x64 ; jmp =>stub);
            }
        }
        Ok(())
    }

    /// `call imm`: through the host's direct table when it has an entry for this id, else
    /// through the dispatcher.
    fn call_helper(&mut self, pc: usize, id: i32) {
        let id = id as u32;
        let next = self.helper_ids.len();
        let slot = *self.helper_slot.entry(id).or_insert(next);
        if slot == next {
            self.helper_ids.push(id);
        }
        let slow = self.ops.new_dynamic_label();
        let done = self.ops.new_dynamic_label();
        if slot >= MAX_DIRECT_HELPERS {
            // No table entry: always the dispatcher.
            dynasm!(self.ops ; .arch x64 ; jmp =>slow ; =>done);
            self.slow_calls.push(super::SlowCall { slow, done, pc, id });
            return;
        }
        let entry = CTX_DIRECT_HELPERS + (slot * 8) as i32;
        dynasm!(self.ops
            ; .arch x64
            ; mov Rq(TMP0), QWORD [r12 + entry]
            ; test Rq(TMP0), Rq(TMP0)
            ; jz =>slow
        );
        let saved = self.save_args(pc);
        dynasm!(self.ops ; .arch x64 ; call Rq(TMP0));
        self.restore_args(saved);
        dynasm!(self.ops ; .arch x64 ; =>done);
        // The dispatcher path is out of line, after the program, so the direct path falls
        // through.
        self.slow_calls.push(super::SlowCall { slow, done, pc, id });
    }

    /// The out-of-line dispatcher path of a `call imm` (see [`Self::call_helper`]).
    pub(super) fn emit_slow_call(&mut self, call: super::SlowCall) {
        let super::SlowCall { slow, done, pc, id } = call;
        dynasm!(self.ops
            ; .arch x64
            ; =>slow
            // The id is the immediate as a u32, zero-extended (like the interpreter).
            ; mov Rd(TMP0), id as i32
            ; mov QWORD [r12 + CTX_HELPER_ID], Rq(TMP0)
        );
        self.call_dispatch(pc);
        dynasm!(self.ops ; .arch x64 ; jmp =>done);
    }

    /// Saves the argument registers (r1-r5) still read after the call at `pc`: pushes those the
    /// program writes somewhere, keeping the native stack 16-byte aligned for the call; those it
    /// never writes still hold their initial values and are reloaded from the context instead.
    /// Returns what [`Self::restore_args`] undoes.
    fn save_args(&mut self, pc: usize) -> Saved {
        self.save_args_and(pc, None)
    }

    /// [`Self::save_args`], also pushing `extra` (an x86 register) first.
    fn save_args_and(&mut self, pc: usize, extra: Option<u8>) -> Saved {
        let live = self.args_live[pc];
        let (mut pushed, mut reloaded) = (Vec::new(), Vec::new());
        for r in 1..=5u8 {
            if live & (1 << r) == 0 {
                continue;
            }
            if self.args_written & (1 << r) != 0 {
                pushed.push(REG_MAP[r as usize]);
            } else {
                reloaded.push(r);
            }
        }
        if let Some(x) = extra {
            pushed.insert(0, x);
        }
        for &r in &pushed {
            dynasm!(self.ops ; .arch x64 ; push Rq(r));
        }
        let pad = pushed.len() % 2 == 1;
        if pad {
            dynasm!(self.ops ; .arch x64 ; sub rsp, 8);
        }
        Saved {
            pushed,
            reloaded,
            pad,
        }
    }

    fn restore_args(&mut self, saved: Saved) {
        if saved.pad {
            dynasm!(self.ops ; .arch x64 ; add rsp, 8);
        }
        for &r in saved.pushed.iter().rev() {
            dynasm!(self.ops ; .arch x64 ; pop Rq(r));
        }
        for &r in &saved.reloaded {
            let at = CTX_ARGS + 8 * (i32::from(r) - 1);
            dynasm!(self.ops ; .arch x64 ; mov Rq(REG_MAP[r as usize]), QWORD [r12 + at]);
        }
    }

    /// An `LDDW` with a map or platform source: the host's resolver computes the value at run
    /// time. Only `dst` changes: r0 (the return register) and live r1-r5 are kept.
    pub(super) fn lddw_host(&mut self, pc: usize, dst: Reg, src: LddwSrc, imm: i32, next: i32) {
        let keep_r0 = dst != Reg::R0;
        let saved = self.save_args_and(pc, keep_r0.then_some(RAX));
        let fault = self.stub(pc, 0);
        dynasm!(self.ops
            ; .arch x64
            ; mov edi, i32::from(src.code())
            ; mov rsi, imm
            ; mov rdx, next
            ; mov rcx, r12
            ; call QWORD [r12 + CTX_RESOLVE_LDDW]
            ; mov Rq(TMP0), rax
        );
        self.restore_args(saved);
        dynasm!(self.ops
            ; .arch x64
            ; mov Rq(x(dst)), Rq(TMP0)
            ; cmp DWORD [r12 + CTX_FAULT_KIND], 0
            ; jne =>fault
        );
    }

    /// `callx reg`: the helper id is the register's value (the dispatcher faults when it does
    /// not fit in 32 bits).
    pub(super) fn callx(&mut self, pc: usize, reg: Reg) {
        let r = x(reg);
        dynasm!(self.ops ; .arch x64 ; mov QWORD [r12 + CTX_HELPER_ID], Rq(r));
        self.call_dispatch(pc);
    }

    /// Calls the dispatcher with r1-r5 already in the System V argument registers and the
    /// context as sixth argument. r1-r5 are preserved across the call, as in the interpreter.
    fn call_dispatch(&mut self, pc: usize) {
        let fault = self.stub(pc, 0);
        let saved = self.save_args(pc);
        dynasm!(self.ops
            ; .arch x64
            ; mov r9, r12
            ; call QWORD [r12 + CTX_DISPATCH]
        );
        self.restore_args(saved);
        dynasm!(self.ops
            ; .arch x64
            ; cmp DWORD [r12 + CTX_FAULT_KIND], 0
            ; jne =>fault
        );
    }

    /// bpf-to-bpf call: faults when the caller already uses the last frame; the callee's frame
    /// is zeroed on entry, as in the interpreter.
    fn call_local(&mut self, pc: usize, target: i64) {
        let target = self.label_at(target);
        let depth = self.stub(pc, FAULT_CALL_DEPTH);
        let frame = STACK_SIZE as i32;
        dynasm!(self.ops
            ; .arch x64
            ; cmp rbp, QWORD [r12 + CTX_MIN_CALL_FP]
            ; jb =>depth
            ; push rbx
            ; push r13
            ; push r14
            ; push r15
            ; push rbp
            ; sub rbp, frame
            ; call ->zero_frame
        );
        if self.may_goto {
            self.push_budget();
        }
        dynasm!(self.ops
            ; .arch x64
            ; call =>target
        );
        if self.may_goto {
            dynasm!(self.ops ; .arch x64 ; add rsp, 16);
        }
        dynasm!(self.ops
            ; .arch x64
            ; pop rbp
            ; pop r15
            ; pop r14
            ; pop r13
            ; pop rbx
        );
    }
}
