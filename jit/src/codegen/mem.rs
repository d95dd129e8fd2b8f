//! Memory: loads (zero- and sign-extending), stores, atomics, legacy packet loads.
//!
//! Addresses are used as they are: the JIT, like a kernel JIT behind a verifier, does not
//! bounds-check `LDX`/`ST`/`STX`/atomics. Legacy packet loads are checked against the packet
//! length in the run context, as Linux does.

use dynasmrt::{dynasm, DynasmApi, DynasmLabelApi};
use ebpf_isa::{AtomicOp, Reg, Size};

use super::alu::Src;
use super::{x, Codegen};
use crate::abi::{CTX_PACKET, CTX_PACKET_LEN, RAX, TMP0, TMP1, TMP2};

impl Codegen {
    pub(super) fn load(&mut self, size: Size, signed: bool, dst: Reg, src: Reg, off: i16) {
        let (d, b, o) = (x(dst), x(src), i32::from(off));
        // Displacements in -128..=127 use the short disp8 form.
        macro_rules! ld {
            ($mn:ident $dr:ident, $sz:ident) => {
                if super::fits8(o) {
                    dynasm!(self.ops ; .arch x64 ; $mn $dr(d), $sz [BYTE Rq(b) + o as i8])
                } else {
                    dynasm!(self.ops ; .arch x64 ; $mn $dr(d), $sz [Rq(b) + o])
                }
            };
        }
        match (size, signed) {
            (Size::B, false) => ld!(movzx Rd, BYTE),
            (Size::H, false) => ld!(movzx Rd, WORD),
            (Size::W, false) => ld!(mov Rd, DWORD),
            (Size::DW, _) => ld!(mov Rq, QWORD),
            (Size::B, true) => ld!(movsx Rq, BYTE),
            (Size::H, true) => ld!(movsx Rq, WORD),
            (Size::W, true) => ld!(movsxd Rq, DWORD),
        }
    }

    pub(super) fn store_imm(&mut self, size: Size, dst: Reg, off: i16, imm: i32) {
        match self.src(ebpf_isa::Operand::Imm(imm)) {
            Src::R(r) => self.store(size, x(dst), off, r),
            Src::I(i) => {
                let (b, o) = (x(dst), i32::from(off));
                macro_rules! st {
                    ($sz:ident, $v:expr) => {
                        if super::fits8(o) {
                            dynasm!(self.ops ; .arch x64 ; mov $sz [BYTE Rq(b) + o as i8], $v)
                        } else {
                            dynasm!(self.ops ; .arch x64 ; mov $sz [Rq(b) + o], $v)
                        }
                    };
                }
                match size {
                    Size::B => st!(BYTE, i as i8),
                    Size::H => st!(WORD, i as i16),
                    Size::W => st!(DWORD, i),
                    Size::DW => st!(QWORD, i),
                }
            }
        }
    }

    pub(super) fn store_reg(&mut self, size: Size, dst: Reg, src: Reg, off: i16) {
        self.store(size, x(dst), off, x(src));
    }

    fn store(&mut self, size: Size, b: u8, off: i16, s: u8) {
        let o = i32::from(off);
        macro_rules! st {
            ($sz:ident, $r:ident) => {
                if super::fits8(o) {
                    dynasm!(self.ops ; .arch x64 ; mov $sz [BYTE Rq(b) + o as i8], $r(s))
                } else {
                    dynasm!(self.ops ; .arch x64 ; mov $sz [Rq(b) + o], $r(s))
                }
            };
        }
        match size {
            Size::B => st!(BYTE, Rb),
            Size::H => st!(WORD, Rw),
            Size::W => st!(DWORD, Rd),
            Size::DW => st!(QWORD, Rq),
        }
    }

    /// Atomic read-modify-write with the `lock` prefix. 32-bit forms zero-extend the value
    /// they return, and `cmpxchg` always writes r0.
    pub(super) fn atomic(
        &mut self,
        size: Size,
        op: AtomicOp,
        fetch: bool,
        dst: Reg,
        src: Reg,
        off: i16,
    ) {
        let (b, s, o) = (x(dst), x(src), i32::from(off));
        let wide = size == Size::DW;
        match (op, fetch) {
            (AtomicOp::Add | AtomicOp::Or | AtomicOp::And | AtomicOp::Xor, false) => {
                macro_rules! rmw {
                    ($mn:tt) => {
                        if wide {
                            dynasm!(self.ops ; .arch x64 ; lock $mn QWORD [Rq(b) + o], Rq(s))
                        } else {
                            dynasm!(self.ops ; .arch x64 ; lock $mn DWORD [Rq(b) + o], Rd(s))
                        }
                    };
                }
                match op {
                    AtomicOp::Add => rmw!(add),
                    AtomicOp::Or => rmw!(or),
                    AtomicOp::And => rmw!(and),
                    _ => rmw!(xor),
                }
            }
            (AtomicOp::Add, true) => {
                if wide {
                    dynasm!(self.ops ; .arch x64 ; lock xadd QWORD [Rq(b) + o], Rq(s));
                } else {
                    dynasm!(self.ops ; .arch x64 ; lock xadd DWORD [Rq(b) + o], Rd(s));
                }
            }
            (AtomicOp::Xchg, _) => {
                if wide {
                    dynasm!(self.ops ; .arch x64 ; xchg QWORD [Rq(b) + o], Rq(s));
                } else {
                    dynasm!(self.ops ; .arch x64 ; xchg DWORD [Rq(b) + o], Rd(s));
                }
            }
            (AtomicOp::CmpXchg, _) => {
                if wide {
                    dynasm!(self.ops ; .arch x64 ; lock cmpxchg QWORD [Rq(b) + o], Rq(s));
                } else {
                    // On success a 32-bit cmpxchg leaves the upper half of rax alone.
                    dynasm!(self.ops
                        ; .arch x64
                        ; lock cmpxchg DWORD [Rq(b) + o], Rd(s)
                        ; mov eax, eax
                    );
                }
            }
            (AtomicOp::Or | AtomicOp::And | AtomicOp::Xor, true) => {
                self.fetch_logic(wide, op, b, s, o)
            }
        }
    }

    /// `fetch_or`/`fetch_and`/`fetch_xor`: a `lock cmpxchg` loop. r0 (rax) is saved in `TMP1`.
    fn fetch_logic(&mut self, wide: bool, op: AtomicOp, b: u8, s: u8, o: i32) {
        // Address first: the base may be rax, which the loop clobbers.
        dynasm!(self.ops ; .arch x64 ; lea Rq(TMP2), [Rq(b) + o] ; mov Rq(TMP1), rax);
        // The operand, read before rax changes.
        let operand = if s == RAX { TMP1 } else { s };
        if wide {
            dynasm!(self.ops ; .arch x64 ; mov rax, QWORD [Rq(TMP2)]);
        } else {
            dynasm!(self.ops ; .arch x64 ; mov eax, DWORD [Rq(TMP2)]);
        }
        let again = self.ops.new_dynamic_label();
        dynasm!(self.ops ; .arch x64 ; =>again ; mov Rq(TMP0), rax);
        match (op, wide) {
            (AtomicOp::Or, true) => dynasm!(self.ops ; .arch x64 ; or Rq(TMP0), Rq(operand)),
            (AtomicOp::And, true) => dynasm!(self.ops ; .arch x64 ; and Rq(TMP0), Rq(operand)),
            (_, true) => dynasm!(self.ops ; .arch x64 ; xor Rq(TMP0), Rq(operand)),
            (AtomicOp::Or, false) => dynasm!(self.ops ; .arch x64 ; or Rd(TMP0), Rd(operand)),
            (AtomicOp::And, false) => dynasm!(self.ops ; .arch x64 ; and Rd(TMP0), Rd(operand)),
            (_, false) => dynasm!(self.ops ; .arch x64 ; xor Rd(TMP0), Rd(operand)),
        }
        if wide {
            dynasm!(self.ops ; .arch x64 ; lock cmpxchg QWORD [Rq(TMP2)], Rq(TMP0) ; jne =>again);
        } else {
            dynasm!(self.ops ; .arch x64 ; lock cmpxchg DWORD [Rq(TMP2)], Rd(TMP0) ; jne =>again);
        }
        // rax holds the old value (zero-extended for 32 bits); give it to src, r0 back.
        dynasm!(self.ops ; .arch x64 ; mov Rq(TMP0), rax ; mov rax, Rq(TMP1) ; mov Rq(s), Rq(TMP0));
    }

    /// Legacy `LD_ABS`/`LD_IND`: `r0 = ntoh(*(size *)(packet + [src +] imm))`. An access outside
    /// the packet returns 0 from the current function (an `exit` with r0 = 0: the program ends
    /// only when that is the entry function), as Linux's rewrite of the load does.
    pub(super) fn ld_packet(&mut self, size: Size, src: Option<Reg>, imm: i32) {
        let n = size.bytes() as i32;
        // Offset as a signed 64-bit value: imm + src (32-bit add, like the interpreter).
        match src {
            Some(r) => {
                let s = x(r);
                dynasm!(self.ops
                    ; .arch x64
                    ; mov Rd(TMP0), Rd(s)
                    ; add Rd(TMP0), imm
                    ; movsxd Rq(TMP0), Rd(TMP0)
                );
            }
            None => dynasm!(self.ops ; .arch x64 ; mov Rq(TMP0), imm),
        }
        let zero_exit = self.zero_exit;
        // Bounds: 0 <= off and off + n <= len (unsigned compare catches off < 0).
        dynasm!(self.ops
            ; .arch x64
            ; lea Rq(TMP1), [Rq(TMP0) + n]
            ; cmp Rq(TMP1), QWORD [r12 + CTX_PACKET_LEN]
            ; ja =>zero_exit
            ; test Rq(TMP0), Rq(TMP0)
            ; js =>zero_exit
            ; add Rq(TMP0), QWORD [r12 + CTX_PACKET]
        );
        match size {
            Size::B => dynasm!(self.ops ; .arch x64 ; movzx eax, BYTE [Rq(TMP0)]),
            Size::H => dynasm!(self.ops ; .arch x64 ; movzx eax, WORD [Rq(TMP0)] ; rol ax, 8),
            Size::W => dynasm!(self.ops ; .arch x64 ; mov eax, DWORD [Rq(TMP0)] ; bswap eax),
            Size::DW => dynasm!(self.ops ; .arch x64 ; mov rax, QWORD [Rq(TMP0)] ; bswap rax),
        }
    }
}
