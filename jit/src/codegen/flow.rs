//! Control flow: jumps, helper calls through the context, bpf-to-bpf calls, exit.
//!
//! Every eBPF function (the program itself included) runs as a native function entered with
//! `call`, so `exit` is `ret`. A local call saves r6-r10 (`rbx`, `r13`-`r15`, `rbp`) on the
//! native stack and moves r10 down one 512-byte frame. Five pushes plus the return address keep
//! the native stack 16-byte aligned at every helper call.

use dynasmrt::{dynasm, DynasmApi, DynasmLabelApi};
use ebpf_isa::{CallTarget, JmpCond, Operand, Reg, Width};

use super::alu::Src;
use super::{x, Codegen};
use crate::abi::*;
use crate::error::{JitError, JitErrorKind};

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

impl Codegen {
    pub(super) fn ja(&mut self, pc: usize, off: i64) {
        let target = self.label_at(pc as i64 + 1 + off);
        dynasm!(self.ops ; .arch x64 ; jmp =>target);
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
            compare!(self, cmp, w, d, s);
        }
        match cond {
            JmpCond::Eq => dynasm!(self.ops ; .arch x64 ; je =>target),
            JmpCond::Ne | JmpCond::Set => dynasm!(self.ops ; .arch x64 ; jne =>target),
            JmpCond::Gt => dynasm!(self.ops ; .arch x64 ; ja =>target),
            JmpCond::Ge => dynasm!(self.ops ; .arch x64 ; jae =>target),
            JmpCond::Lt => dynasm!(self.ops ; .arch x64 ; jb =>target),
            JmpCond::Le => dynasm!(self.ops ; .arch x64 ; jbe =>target),
            JmpCond::Sgt => dynasm!(self.ops ; .arch x64 ; jg =>target),
            JmpCond::Sge => dynasm!(self.ops ; .arch x64 ; jge =>target),
            JmpCond::Slt => dynasm!(self.ops ; .arch x64 ; jl =>target),
            JmpCond::Sle => dynasm!(self.ops ; .arch x64 ; jle =>target),
        }
    }

    pub(super) fn call(&mut self, pc: usize, target: CallTarget) -> Result<(), JitError> {
        match target {
            CallTarget::Helper(id) => {
                // The id is the immediate as a u32, zero-extended (like the interpreter).
                if id >= 0 {
                    dynasm!(self.ops ; .arch x64 ; mov QWORD [r12 + CTX_HELPER_ID], id);
                } else {
                    dynasm!(self.ops
                        ; .arch x64
                        ; mov Rd(TMP0), id
                        ; mov QWORD [r12 + CTX_HELPER_ID], Rq(TMP0)
                    );
                }
                self.call_dispatch(pc);
            }
            CallTarget::Local(imm) => self.call_local(pc, pc as i64 + 1 + i64::from(imm)),
            CallTarget::Btf(_) => {
                let what = "call by BTF id";
                return Err(JitError::at(pc, JitErrorKind::Unsupported { what }));
            }
        }
        Ok(())
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
        dynasm!(self.ops
            ; .arch x64
            ; push rdi
            ; push rsi
            ; push rdx
            ; push rcx
            ; push r8
            ; sub rsp, 8
            ; mov r9, r12
            ; call QWORD [r12 + CTX_DISPATCH]
            ; add rsp, 8
            ; pop r8
            ; pop rcx
            ; pop rdx
            ; pop rsi
            ; pop rdi
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
            ; call =>target
            ; pop rbp
            ; pop r15
            ; pop r14
            ; pop r13
            ; pop rbx
        );
    }
}
