//! Arithmetic: `ALU`/`ALU64` operations, negation, sign-extending moves, byte swaps.
//!
//! 32-bit operations use the 32-bit x86 forms, which zero the upper half of the destination
//! exactly as RFC 9669 requires. Division never traps: a zero divisor and `INT_MIN / -1` are
//! tested before `div`/`idiv`.

use dynasmrt::{dynasm, DynasmApi, DynasmLabelApi};
use ebpf_isa::{AluOp, ByteOrder, EndBits, MovsxBits, Operand, Reg, Width};

use super::{x, Codegen};
use crate::abi::{RAX, RCX, TMP0, TMP1, TMP2};

/// An operand after register mapping and blinding.
#[derive(Clone, Copy)]
pub(super) enum Src {
    R(u8),
    I(i32),
}

/// Emits a two-operand x86 instruction that has register and imm32 forms, in either width.
/// Immediates in `-128..=127` use the short sign-extended imm8 form.
macro_rules! binop {
    ($cg:expr, $mn:tt, $w:expr, $d:expr, $s:expr) => {
        match ($w, $s) {
            (Width::W64, Src::R(s)) => dynasm!($cg.ops ; .arch x64 ; $mn Rq($d), Rq(s)),
            (Width::W64, Src::I(i)) if super::fits8(i) => {
                dynasm!($cg.ops ; .arch x64 ; $mn Rq($d), BYTE i as _)
            }
            (Width::W64, Src::I(i)) => dynasm!($cg.ops ; .arch x64 ; $mn Rq($d), i),
            (Width::W32, Src::R(s)) => dynasm!($cg.ops ; .arch x64 ; $mn Rd($d), Rd(s)),
            (Width::W32, Src::I(i)) if super::fits8(i) => {
                dynasm!($cg.ops ; .arch x64 ; $mn Rd($d), BYTE i as _)
            }
            (Width::W32, Src::I(i)) => dynasm!($cg.ops ; .arch x64 ; $mn Rd($d), i),
        }
    };
}
pub(super) use binop;

impl Codegen {
    /// Maps an operand, routing immediates through the blinder when it is on.
    pub(super) fn src(&mut self, src: Operand) -> Src {
        match src {
            Operand::Reg(r) => Src::R(x(r)),
            Operand::Imm(i) => match self.blinded(i) {
                Some(r) => Src::R(r),
                None => Src::I(i),
            },
        }
    }

    pub(super) fn alu(&mut self, w: Width, op: AluOp, dst: Reg, src: Operand) {
        let d = x(dst);
        // Shifts and divisions with an immediate are specialised before blinding.
        match (op, src) {
            (AluOp::Lsh | AluOp::Rsh | AluOp::Arsh, Operand::Imm(i)) if self.blinder.is_none() => {
                return self.shift_imm(w, op, d, i);
            }
            (AluOp::Div | AluOp::Mod | AluOp::SDiv | AluOp::SMod, Operand::Imm(i)) => {
                if let Some(done) = self.div_const(w, op, d, i) {
                    return done;
                }
            }
            _ => {}
        }
        let s = self.src(src);
        match op {
            AluOp::Add => binop!(self, add, w, d, s),
            AluOp::Sub => binop!(self, sub, w, d, s),
            AluOp::Or => binop!(self, or, w, d, s),
            AluOp::And => binop!(self, and, w, d, s),
            AluOp::Xor => binop!(self, xor, w, d, s),
            AluOp::Mov => match (w, s) {
                // Flags are never live across eBPF instructions: zero with `xor`.
                (_, Src::I(0)) => dynasm!(self.ops ; .arch x64 ; xor Rd(d), Rd(d)),
                // A non-negative immediate zero-extends to its sign extension: the short form.
                (Width::W64, Src::I(i)) if i < 0 => dynasm!(self.ops ; .arch x64 ; mov Rq(d), i),
                (_, Src::I(i)) => dynasm!(self.ops ; .arch x64 ; mov Rd(d), i),
                (Width::W64, Src::R(r)) => dynasm!(self.ops ; .arch x64 ; mov Rq(d), Rq(r)),
                (Width::W32, Src::R(r)) => dynasm!(self.ops ; .arch x64 ; mov Rd(d), Rd(r)),
            },
            AluOp::Mul => match (w, s) {
                (Width::W64, Src::R(r)) => dynasm!(self.ops ; .arch x64 ; imul Rq(d), Rq(r)),
                (Width::W64, Src::I(i)) if super::fits8(i) => {
                    dynasm!(self.ops ; .arch x64 ; imul Rq(d), Rq(d), BYTE i as i8)
                }
                (Width::W64, Src::I(i)) => dynasm!(self.ops ; .arch x64 ; imul Rq(d), Rq(d), i),
                (Width::W32, Src::R(r)) => dynasm!(self.ops ; .arch x64 ; imul Rd(d), Rd(r)),
                (Width::W32, Src::I(i)) if super::fits8(i) => {
                    dynasm!(self.ops ; .arch x64 ; imul Rd(d), Rd(d), BYTE i as i8)
                }
                (Width::W32, Src::I(i)) => dynasm!(self.ops ; .arch x64 ; imul Rd(d), Rd(d), i),
            },
            AluOp::Lsh | AluOp::Rsh | AluOp::Arsh => self.shift_reg(w, op, d, s),
            AluOp::Div | AluOp::Mod | AluOp::SDiv | AluOp::SMod => self.div(w, op, d, s),
        }
    }

    /// Shift by a constant: the count is masked like the interpreter does.
    fn shift_imm(&mut self, w: Width, op: AluOp, d: u8, imm: i32) {
        let n = match w {
            Width::W64 => (imm & 63) as i8,
            Width::W32 => (imm & 31) as i8,
        };
        match (w, op) {
            (Width::W64, AluOp::Lsh) => dynasm!(self.ops ; .arch x64 ; shl Rq(d), n),
            (Width::W64, AluOp::Rsh) => dynasm!(self.ops ; .arch x64 ; shr Rq(d), n),
            (Width::W64, _) => dynasm!(self.ops ; .arch x64 ; sar Rq(d), n),
            (Width::W32, AluOp::Lsh) => dynasm!(self.ops ; .arch x64 ; shl Rd(d), n),
            (Width::W32, AluOp::Rsh) => dynasm!(self.ops ; .arch x64 ; shr Rd(d), n),
            (Width::W32, _) => dynasm!(self.ops ; .arch x64 ; sar Rd(d), n),
        }
    }

    /// Shift by a register: x86 takes the count in `cl` (eBPF r4) and masks it to 5 or 6 bits,
    /// which is exactly the eBPF rule.
    fn shift_reg(&mut self, w: Width, op: AluOp, d: u8, s: Src) {
        let s = match s {
            Src::R(r) => r,
            Src::I(i) => {
                dynasm!(self.ops ; .arch x64 ; mov Rd(TMP0), i);
                TMP0
            }
        };
        // The register actually shifted: rcx itself is shifted in a copy.
        let target = if d == RCX { TMP1 } else { d };
        if s != RCX {
            dynasm!(self.ops ; .arch x64 ; mov Rq(TMP2), rcx);
            if d == RCX {
                dynasm!(self.ops ; .arch x64 ; mov Rq(TMP1), rcx);
            }
            dynasm!(self.ops ; .arch x64 ; mov rcx, Rq(s));
        } else if d == RCX {
            dynasm!(self.ops ; .arch x64 ; mov Rq(TMP1), rcx);
        }
        match (w, op) {
            (Width::W64, AluOp::Lsh) => dynasm!(self.ops ; .arch x64 ; shl Rq(target), cl),
            (Width::W64, AluOp::Rsh) => dynasm!(self.ops ; .arch x64 ; shr Rq(target), cl),
            (Width::W64, _) => dynasm!(self.ops ; .arch x64 ; sar Rq(target), cl),
            (Width::W32, AluOp::Lsh) => dynasm!(self.ops ; .arch x64 ; shl Rd(target), cl),
            (Width::W32, AluOp::Rsh) => dynasm!(self.ops ; .arch x64 ; shr Rd(target), cl),
            (Width::W32, _) => dynasm!(self.ops ; .arch x64 ; sar Rd(target), cl),
        }
        if d == RCX {
            dynasm!(self.ops ; .arch x64 ; mov rcx, Rq(TMP1));
        } else if s != RCX {
            dynasm!(self.ops ; .arch x64 ; mov rcx, Rq(TMP2));
        }
    }

    /// Division by a constant whose result needs no `div`: 0, and -1 for signed operations.
    /// Returns `None` when the general path is needed.
    fn div_const(&mut self, w: Width, op: AluOp, d: u8, imm: i32) -> Option<()> {
        let zero_ext = |cg: &mut Self| {
            if w == Width::W32 {
                dynasm!(cg.ops ; .arch x64 ; mov Rd(d), Rd(d));
            }
        };
        match (op, imm) {
            // x / 0 = 0
            (AluOp::Div | AluOp::SDiv, 0) => dynasm!(self.ops ; .arch x64 ; xor Rd(d), Rd(d)),
            // x % 0 = x (truncated to 32 bits for the 32-bit forms)
            (AluOp::Mod | AluOp::SMod, 0) => zero_ext(self),
            // x / -1 = -x without the overflow trap; x % -1 = 0
            (AluOp::SDiv, -1) => match w {
                Width::W64 => dynasm!(self.ops ; .arch x64 ; neg Rq(d)),
                Width::W32 => dynasm!(self.ops ; .arch x64 ; neg Rd(d)),
            },
            (AluOp::SMod, -1) => dynasm!(self.ops ; .arch x64 ; xor Rd(d), Rd(d)),
            _ => return None,
        }
        Some(())
    }

    /// General division: the divisor goes to `TMP0`, `rax`/`rdx` (eBPF r0/r3) are saved in
    /// `TMP1`/`TMP2` around `div`, zero and -1 divisors branch to the defined results.
    fn div(&mut self, w: Width, op: AluOp, d: u8, s: Src) {
        let signed = matches!(op, AluOp::SDiv | AluOp::SMod);
        let modulo = matches!(op, AluOp::Mod | AluOp::SMod);
        match (w, s) {
            (Width::W64, Src::R(r)) => dynasm!(self.ops ; .arch x64 ; mov Rq(TMP0), Rq(r)),
            (Width::W64, Src::I(i)) => dynasm!(self.ops ; .arch x64 ; mov Rq(TMP0), i),
            (Width::W32, Src::R(r)) => dynasm!(self.ops ; .arch x64 ; mov Rd(TMP0), Rd(r)),
            (Width::W32, Src::I(i)) => dynasm!(self.ops ; .arch x64 ; mov Rd(TMP0), i),
        }
        let zero = self.ops.new_dynamic_label();
        let minus_one = self.ops.new_dynamic_label();
        let done = self.ops.new_dynamic_label();
        dynasm!(self.ops ; .arch x64 ; test Rq(TMP0), Rq(TMP0) ; jz =>zero);
        if signed {
            match w {
                Width::W64 => dynasm!(self.ops ; .arch x64 ; cmp Rq(TMP0), -1 ; je =>minus_one),
                Width::W32 => dynasm!(self.ops ; .arch x64 ; cmp Rd(TMP0), -1 ; je =>minus_one),
            }
        }
        dynasm!(self.ops ; .arch x64 ; mov Rq(TMP1), rax ; mov Rq(TMP2), rdx);
        if d != RAX {
            dynasm!(self.ops ; .arch x64 ; mov rax, Rq(d));
        }
        match (w, signed) {
            (Width::W64, false) => dynasm!(self.ops ; .arch x64 ; xor edx, edx ; div Rq(TMP0)),
            (Width::W64, true) => dynasm!(self.ops ; .arch x64 ; cqo ; idiv Rq(TMP0)),
            (Width::W32, false) => dynasm!(self.ops ; .arch x64 ; xor edx, edx ; div Rd(TMP0)),
            (Width::W32, true) => dynasm!(self.ops ; .arch x64 ; cdq ; idiv Rd(TMP0)),
        }
        // Result to TMP0 (32-bit results are already zero-extended by the 32-bit div).
        if modulo {
            dynasm!(self.ops ; .arch x64 ; mov Rq(TMP0), rdx);
        } else {
            dynasm!(self.ops ; .arch x64 ; mov Rq(TMP0), rax);
        }
        dynasm!(self.ops ; .arch x64 ; mov rax, Rq(TMP1) ; mov rdx, Rq(TMP2));
        dynasm!(self.ops ; .arch x64 ; mov Rq(d), Rq(TMP0) ; jmp =>done);
        // Divisor -1 (signed only): quotient is -x (wrapping), remainder 0.
        dynasm!(self.ops ; .arch x64 ; =>minus_one);
        if signed {
            match (w, modulo) {
                (_, true) => dynasm!(self.ops ; .arch x64 ; xor Rd(d), Rd(d)),
                (Width::W64, false) => dynasm!(self.ops ; .arch x64 ; neg Rq(d)),
                (Width::W32, false) => dynasm!(self.ops ; .arch x64 ; neg Rd(d)),
            }
            dynasm!(self.ops ; .arch x64 ; jmp =>done);
        }
        // Divisor 0: quotient 0, remainder the dividend (32-bit forms zero-extend it).
        dynasm!(self.ops ; .arch x64 ; =>zero);
        match (w, modulo) {
            (_, false) => dynasm!(self.ops ; .arch x64 ; xor Rd(d), Rd(d)),
            (Width::W32, true) => dynasm!(self.ops ; .arch x64 ; mov Rd(d), Rd(d)),
            (Width::W64, true) => {}
        }
        dynasm!(self.ops ; .arch x64 ; =>done);
    }

    pub(super) fn neg(&mut self, w: Width, dst: Reg) {
        let d = x(dst);
        match w {
            Width::W64 => dynasm!(self.ops ; .arch x64 ; neg Rq(d)),
            Width::W32 => dynasm!(self.ops ; .arch x64 ; neg Rd(d)),
        }
    }

    pub(super) fn movsx(&mut self, w: Width, bits: MovsxBits, dst: Reg, src: Reg) {
        let (d, s) = (x(dst), x(src));
        match (w, bits) {
            (Width::W64, MovsxBits::B8) => dynasm!(self.ops ; .arch x64 ; movsx Rq(d), Rb(s)),
            (Width::W64, MovsxBits::B16) => dynasm!(self.ops ; .arch x64 ; movsx Rq(d), Rw(s)),
            (Width::W64, MovsxBits::B32) => dynasm!(self.ops ; .arch x64 ; movsxd Rq(d), Rd(s)),
            (Width::W32, MovsxBits::B8) => dynasm!(self.ops ; .arch x64 ; movsx Rd(d), Rb(s)),
            (Width::W32, MovsxBits::B16) => dynasm!(self.ops ; .arch x64 ; movsx Rd(d), Rw(s)),
            // Not produced by the decoder; a 32-bit move keeps the low half.
            (Width::W32, MovsxBits::B32) => dynasm!(self.ops ; .arch x64 ; mov Rd(d), Rd(s)),
        }
    }

    pub(super) fn end(&mut self, order: ByteOrder, bits: EndBits, dst: Reg) {
        let d = x(dst);
        match (order, bits) {
            (ByteOrder::Le, EndBits::B16) => dynasm!(self.ops ; .arch x64 ; movzx Rd(d), Rw(d)),
            (ByteOrder::Le, EndBits::B32) => dynasm!(self.ops ; .arch x64 ; mov Rd(d), Rd(d)),
            (ByteOrder::Le, EndBits::B64) => {}
            (_, EndBits::B16) => dynasm!(self.ops ; .arch x64 ; bswap Rd(d) ; shr Rd(d), 16),
            (_, EndBits::B32) => dynasm!(self.ops ; .arch x64 ; bswap Rd(d)),
            (_, EndBits::B64) => dynasm!(self.ops ; .arch x64 ; bswap Rq(d)),
        }
    }
}
