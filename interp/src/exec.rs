//! The dispatch loop: runs a lowered slot table ([`Op`]) over an address [`Space`].
//!
//! One `match` per executed instruction, registers in a local array, the call stack in a fixed
//! array on the host stack: a run allocates nothing.

use core::ops::{BitAnd, BitOr, BitXor};

use ebpf_isa::{AtomicOp, Size, MAY_GOTO_BUDGET};

use crate::alu::{
    arsh32, arsh64, div32, div64, end, lsh32, lsh64, mod32, mod64, rsh32, rsh64, sdiv32, sdiv64,
    sext, smod32, smod64,
};
use crate::fault::{Fault, FaultKind};
use crate::helpers::Helpers;
use crate::mem::Space;
use crate::op::Op;
use crate::vm::Outcome;
use crate::MAX_FRAMES;

/// What a local call saves: where to return, and the caller's callee-saved registers.
#[derive(Clone, Copy, Default)]
struct Return {
    pc: usize,
    saved: [u64; 4],
}

/// The low 32 bits, zero-extended.
#[inline(always)]
fn lo(v: u64) -> u64 {
    v & 0xffff_ffff
}

/// Runs `ops` from slot 0 with `r1..=r5 = args` and `r10` at the top of frame 0.
pub(crate) fn execute<H: Helpers + ?Sized>(
    ops: &[Op],
    budget: u64,
    args: [u64; 5],
    space: &mut Space<'_, '_>,
    helpers: &mut H,
) -> Result<Outcome, Fault> {
    let mut reg = [0u64; 11];
    reg[1..6].copy_from_slice(&args);
    reg[10] = space.frame_top(0);
    let mut returns = [Return::default(); MAX_FRAMES];
    // The `may_goto` budget of each live frame, set when the frame is entered (Linux keeps it
    // in a hidden stack slot of the frame; here it is outside every region a program reaches).
    let mut loops = [0u64; MAX_FRAMES];
    loops[0] = MAY_GOTO_BUDGET;
    let mut depth = 0usize;
    let mut executed = 0u64;
    let mut pc = 0usize;

    macro_rules! fault {
        ($kind:expr) => {
            return Err(Fault::new(pc, $kind))
        };
    }
    macro_rules! tri {
        ($e:expr) => {
            match $e {
                Ok(v) => v,
                Err(kind) => fault!(FaultKind::from(kind)),
            }
        };
    }
    // Binary ALU operations: `$f(dst, operand)`.
    macro_rules! alu_i {
        ($d:expr, $i:expr, $f:expr) => {{
            let d = $d as usize;
            reg[d] = $f(reg[d], $i);
        }};
    }
    macro_rules! alu_r {
        ($d:expr, $s:expr, $f:expr) => {{
            let (d, s) = ($d as usize, $s as usize);
            reg[d] = $f(reg[d], reg[s]);
        }};
    }
    macro_rules! jump_if {
        ($cond:expr, $t:expr) => {
            if $cond {
                pc = $t as usize;
                continue;
            }
        };
    }
    macro_rules! addr {
        ($r:expr, $off:expr) => {
            reg[$r as usize].wrapping_add($off as i64 as u64)
        };
    }

    loop {
        let Some(op) = ops.get(pc) else {
            return Err(Fault::new(ops.len(), FaultKind::FellOffEnd));
        };
        if executed >= budget {
            fault!(FaultKind::BudgetExhausted { budget });
        }
        executed += 1;
        match *op {
            Op::Add64I(d, i) => alu_i!(d, i, u64::wrapping_add),
            Op::Add64R(d, s) => alu_r!(d, s, u64::wrapping_add),
            Op::Sub64I(d, i) => alu_i!(d, i, u64::wrapping_sub),
            Op::Sub64R(d, s) => alu_r!(d, s, u64::wrapping_sub),
            Op::Mul64I(d, i) => alu_i!(d, i, u64::wrapping_mul),
            Op::Mul64R(d, s) => alu_r!(d, s, u64::wrapping_mul),
            Op::Div64I(d, i) => alu_i!(d, i, div64),
            Op::Div64R(d, s) => alu_r!(d, s, div64),
            Op::SDiv64I(d, i) => alu_i!(d, i, sdiv64),
            Op::SDiv64R(d, s) => alu_r!(d, s, sdiv64),
            Op::Mod64I(d, i) => alu_i!(d, i, mod64),
            Op::Mod64R(d, s) => alu_r!(d, s, mod64),
            Op::SMod64I(d, i) => alu_i!(d, i, smod64),
            Op::SMod64R(d, s) => alu_r!(d, s, smod64),
            Op::Or64I(d, i) => alu_i!(d, i, |a, b| a | b),
            Op::Or64R(d, s) => alu_r!(d, s, |a, b| a | b),
            Op::And64I(d, i) => alu_i!(d, i, |a, b| a & b),
            Op::And64R(d, s) => alu_r!(d, s, |a, b| a & b),
            Op::Xor64I(d, i) => alu_i!(d, i, |a, b| a ^ b),
            Op::Xor64R(d, s) => alu_r!(d, s, |a, b| a ^ b),
            Op::Lsh64I(d, i) => alu_i!(d, i, lsh64),
            Op::Lsh64R(d, s) => alu_r!(d, s, lsh64),
            Op::Rsh64I(d, i) => alu_i!(d, i, rsh64),
            Op::Rsh64R(d, s) => alu_r!(d, s, rsh64),
            Op::Arsh64I(d, i) => alu_i!(d, i, arsh64),
            Op::Arsh64R(d, s) => alu_r!(d, s, arsh64),
            Op::Mov64I(d, i) => reg[d as usize] = i,
            Op::Mov64R(d, s) => reg[d as usize] = reg[s as usize],

            Op::Add32I(d, i) => alu_i!(d, i, |a: u64, b| lo(a.wrapping_add(b))),
            Op::Add32R(d, s) => alu_r!(d, s, |a: u64, b| lo(a.wrapping_add(b))),
            Op::Sub32I(d, i) => alu_i!(d, i, |a: u64, b| lo(a.wrapping_sub(b))),
            Op::Sub32R(d, s) => alu_r!(d, s, |a: u64, b| lo(a.wrapping_sub(b))),
            Op::Mul32I(d, i) => alu_i!(d, i, |a: u64, b| lo(a.wrapping_mul(b))),
            Op::Mul32R(d, s) => alu_r!(d, s, |a: u64, b| lo(a.wrapping_mul(b))),
            Op::Div32I(d, i) => alu_i!(d, i, div32),
            Op::Div32R(d, s) => alu_r!(d, s, div32),
            Op::SDiv32I(d, i) => alu_i!(d, i, sdiv32),
            Op::SDiv32R(d, s) => alu_r!(d, s, sdiv32),
            Op::Mod32I(d, i) => alu_i!(d, i, mod32),
            Op::Mod32R(d, s) => alu_r!(d, s, mod32),
            Op::SMod32I(d, i) => alu_i!(d, i, smod32),
            Op::SMod32R(d, s) => alu_r!(d, s, smod32),
            Op::Or32I(d, i) => alu_i!(d, i, |a, b| lo(a | b)),
            Op::Or32R(d, s) => alu_r!(d, s, |a, b| lo(a | b)),
            Op::And32I(d, i) => alu_i!(d, i, |a, b| lo(a & b)),
            Op::And32R(d, s) => alu_r!(d, s, |a, b| lo(a & b)),
            Op::Xor32I(d, i) => alu_i!(d, i, |a, b| lo(a ^ b)),
            Op::Xor32R(d, s) => alu_r!(d, s, |a, b| lo(a ^ b)),
            Op::Lsh32I(d, i) => alu_i!(d, i, lsh32),
            Op::Lsh32R(d, s) => alu_r!(d, s, lsh32),
            Op::Rsh32I(d, i) => alu_i!(d, i, rsh32),
            Op::Rsh32R(d, s) => alu_r!(d, s, rsh32),
            Op::Arsh32I(d, i) => alu_i!(d, i, arsh32),
            Op::Arsh32R(d, s) => alu_r!(d, s, arsh32),
            Op::Mov32I(d, i) => reg[d as usize] = i,
            Op::Mov32R(d, s) => reg[d as usize] = lo(reg[s as usize]),

            Op::Neg64(d) => reg[d as usize] = reg[d as usize].wrapping_neg(),
            Op::Neg32(d) => reg[d as usize] = lo(reg[d as usize].wrapping_neg()),
            Op::Movsx64(d, s, bits) => reg[d as usize] = sext(reg[s as usize], u32::from(bits)),
            Op::Movsx32(d, s, bits) => {
                reg[d as usize] = lo(sext(reg[s as usize], u32::from(bits)));
            }
            Op::End(d, order, bits) => reg[d as usize] = end(reg[d as usize], order, bits),

            Op::Ja(t) => {
                pc = t as usize;
                continue;
            }
            Op::MayGoto(t) => {
                // `depth` < MAX_FRAMES: a call past the last frame faults before entering it.
                let left = &mut loops[depth];
                if *left == 0 {
                    pc = t as usize;
                    continue;
                }
                *left -= 1;
            }
            Op::Jeq64I(d, i, t) => jump_if!(reg[d as usize] == i, t),
            Op::Jeq64R(d, s, t) => jump_if!(reg[d as usize] == reg[s as usize], t),
            Op::Jne64I(d, i, t) => jump_if!(reg[d as usize] != i, t),
            Op::Jne64R(d, s, t) => jump_if!(reg[d as usize] != reg[s as usize], t),
            Op::Jgt64I(d, i, t) => jump_if!(reg[d as usize] > i, t),
            Op::Jgt64R(d, s, t) => jump_if!(reg[d as usize] > reg[s as usize], t),
            Op::Jge64I(d, i, t) => jump_if!(reg[d as usize] >= i, t),
            Op::Jge64R(d, s, t) => jump_if!(reg[d as usize] >= reg[s as usize], t),
            Op::Jlt64I(d, i, t) => jump_if!(reg[d as usize] < i, t),
            Op::Jlt64R(d, s, t) => jump_if!(reg[d as usize] < reg[s as usize], t),
            Op::Jle64I(d, i, t) => jump_if!(reg[d as usize] <= i, t),
            Op::Jle64R(d, s, t) => jump_if!(reg[d as usize] <= reg[s as usize], t),
            Op::Jsgt64I(d, i, t) => jump_if!((reg[d as usize] as i64) > i as i64, t),
            Op::Jsgt64R(d, s, t) => jump_if!(reg[d as usize] as i64 > reg[s as usize] as i64, t),
            Op::Jsge64I(d, i, t) => jump_if!(reg[d as usize] as i64 >= i as i64, t),
            Op::Jsge64R(d, s, t) => jump_if!(reg[d as usize] as i64 >= reg[s as usize] as i64, t),
            Op::Jslt64I(d, i, t) => jump_if!((reg[d as usize] as i64) < i as i64, t),
            Op::Jslt64R(d, s, t) => jump_if!((reg[d as usize] as i64) < reg[s as usize] as i64, t),
            Op::Jsle64I(d, i, t) => jump_if!(reg[d as usize] as i64 <= i as i64, t),
            Op::Jsle64R(d, s, t) => jump_if!(reg[d as usize] as i64 <= reg[s as usize] as i64, t),
            Op::Jset64I(d, i, t) => jump_if!(reg[d as usize] & i != 0, t),
            Op::Jset64R(d, s, t) => jump_if!(reg[d as usize] & reg[s as usize] != 0, t),

            Op::Jeq32I(d, i, t) => jump_if!(reg[d as usize] as u32 == i, t),
            Op::Jeq32R(d, s, t) => jump_if!(reg[d as usize] as u32 == reg[s as usize] as u32, t),
            Op::Jne32I(d, i, t) => jump_if!(reg[d as usize] as u32 != i, t),
            Op::Jne32R(d, s, t) => jump_if!(reg[d as usize] as u32 != reg[s as usize] as u32, t),
            Op::Jgt32I(d, i, t) => jump_if!(reg[d as usize] as u32 > i, t),
            Op::Jgt32R(d, s, t) => jump_if!(reg[d as usize] as u32 > reg[s as usize] as u32, t),
            Op::Jge32I(d, i, t) => jump_if!(reg[d as usize] as u32 >= i, t),
            Op::Jge32R(d, s, t) => jump_if!(reg[d as usize] as u32 >= reg[s as usize] as u32, t),
            Op::Jlt32I(d, i, t) => jump_if!((reg[d as usize] as u32) < i, t),
            Op::Jlt32R(d, s, t) => jump_if!((reg[d as usize] as u32) < reg[s as usize] as u32, t),
            Op::Jle32I(d, i, t) => jump_if!(reg[d as usize] as u32 <= i, t),
            Op::Jle32R(d, s, t) => jump_if!(reg[d as usize] as u32 <= reg[s as usize] as u32, t),
            Op::Jsgt32I(d, i, t) => jump_if!(reg[d as usize] as i32 > i as i32, t),
            Op::Jsgt32R(d, s, t) => jump_if!(reg[d as usize] as i32 > reg[s as usize] as i32, t),
            Op::Jsge32I(d, i, t) => jump_if!(reg[d as usize] as i32 >= i as i32, t),
            Op::Jsge32R(d, s, t) => jump_if!(reg[d as usize] as i32 >= reg[s as usize] as i32, t),
            Op::Jslt32I(d, i, t) => jump_if!((reg[d as usize] as i32) < i as i32, t),
            Op::Jslt32R(d, s, t) => jump_if!((reg[d as usize] as i32) < reg[s as usize] as i32, t),
            Op::Jsle32I(d, i, t) => jump_if!(reg[d as usize] as i32 <= i as i32, t),
            Op::Jsle32R(d, s, t) => jump_if!(reg[d as usize] as i32 <= reg[s as usize] as i32, t),
            Op::Jset32I(d, i, t) => jump_if!(reg[d as usize] as u32 & i != 0, t),
            Op::Jset32R(d, s, t) => {
                jump_if!(reg[d as usize] as u32 & reg[s as usize] as u32 != 0, t)
            }

            Op::LdxB(d, s, off) => {
                reg[d as usize] = u64::from(tri!(space.load::<1>(addr!(s, off)))[0]);
            }
            Op::LdxH(d, s, off) => {
                reg[d as usize] = u64::from(u16::from_le_bytes(tri!(space.load(addr!(s, off)))));
            }
            Op::LdxW(d, s, off) => {
                reg[d as usize] = u64::from(u32::from_le_bytes(tri!(space.load(addr!(s, off)))));
            }
            Op::LdxDW(d, s, off) => {
                reg[d as usize] = u64::from_le_bytes(tri!(space.load(addr!(s, off))));
            }
            Op::LdxsB(d, s, off) => {
                reg[d as usize] = tri!(space.load::<1>(addr!(s, off)))[0] as i8 as i64 as u64;
            }
            Op::LdxsH(d, s, off) => {
                let v = i16::from_le_bytes(tri!(space.load(addr!(s, off))));
                reg[d as usize] = v as i64 as u64;
            }
            Op::LdxsW(d, s, off) => {
                let v = i32::from_le_bytes(tri!(space.load(addr!(s, off))));
                reg[d as usize] = v as i64 as u64;
            }
            Op::StB(d, off, imm) => tri!(space.store(addr!(d, off), [imm as u8])),
            Op::StH(d, off, imm) => tri!(space.store(addr!(d, off), (imm as u16).to_le_bytes())),
            Op::StW(d, off, imm) => tri!(space.store(addr!(d, off), (imm as u32).to_le_bytes())),
            Op::StDW(d, off, imm) => {
                tri!(space.store(addr!(d, off), (imm as i64 as u64).to_le_bytes()));
            }
            Op::StxB(d, s, off) => tri!(space.store(addr!(d, off), [reg[s as usize] as u8])),
            Op::StxH(d, s, off) => {
                tri!(space.store(addr!(d, off), (reg[s as usize] as u16).to_le_bytes()));
            }
            Op::StxW(d, s, off) => {
                tri!(space.store(addr!(d, off), (reg[s as usize] as u32).to_le_bytes()));
            }
            Op::StxDW(d, s, off) => {
                tri!(space.store(addr!(d, off), reg[s as usize].to_le_bytes()));
            }
            Op::Atomic32(aop, fetch, d, s, off) => {
                let (src, expected) = (reg[s as usize] as u32, reg[0] as u32);
                let old = tri!(space.update::<4>(addr!(d, off), |bytes| {
                    let new = atomic_value(aop, u32::from_le_bytes(bytes), src, expected);
                    new.to_le_bytes()
                }));
                atomic_result(&mut reg, aop, fetch, s, u64::from(u32::from_le_bytes(old)));
            }
            Op::Atomic64(aop, fetch, d, s, off) => {
                let (src, expected) = (reg[s as usize], reg[0]);
                let old = tri!(space.update::<8>(addr!(d, off), |bytes| {
                    atomic_value(aop, u64::from_le_bytes(bytes), src, expected).to_le_bytes()
                }));
                atomic_result(&mut reg, aop, fetch, s, u64::from_le_bytes(old));
            }
            Op::LdPacket(size, base, imm) => {
                // Offset: imm, plus the base register's low 32 bits, as a signed 32-bit sum.
                let off = match base {
                    Some(b) => (reg[b as usize] as u32).wrapping_add(imm as u32) as i32,
                    None => imm,
                };
                let value = if off < 0 {
                    None
                } else {
                    let off = off as u64;
                    match size {
                        Size::B => space.load_input::<1>(off).map(|b| u64::from(b[0])),
                        Size::H => space
                            .load_input(off)
                            .map(|b| u64::from(u16::from_be_bytes(b))),
                        Size::W => space
                            .load_input(off)
                            .map(|b| u64::from(u32::from_be_bytes(b))),
                        Size::DW => space.load_input(off).map(u64::from_be_bytes),
                    }
                };
                match value {
                    Some(v) => reg[0] = v,
                    // Outside the packet: the current function returns 0, as Linux's rewrite
                    // of the load (a hidden `r0 = 0; exit`) does: from the program in the
                    // entry function, to the caller in a local function.
                    None => {
                        reg[0] = 0;
                        if depth == 0 {
                            return Ok(Outcome { r0: 0, executed });
                        }
                        depth -= 1;
                        let ret = returns[depth];
                        reg[6..10].copy_from_slice(&ret.saved);
                        space.leave_frame(depth);
                        reg[10] = space.frame_top(depth);
                        pc = ret.pc;
                        continue;
                    }
                }
            }

            Op::Lddw(d, v) => {
                reg[d as usize] = v;
                pc += 2;
                continue;
            }
            Op::LddwHost(d, src, imm, next_imm) => {
                reg[d as usize] = tri!(helpers
                    .lddw(src, imm, next_imm, space.memory())
                    .map_err(|e| e.lddw_fault(src, imm)));
                pc += 2;
                continue;
            }
            // Program construction rejects jumps into the middle of an LDDW, and an LDDW skips
            // its second slot, so this is unreachable; fault rather than panic all the same.
            Op::LddwFiller => fault!(FaultKind::Unsupported {
                what: "execution of an LDDW's second slot"
            }),

            Op::Call(id) => {
                let args = [reg[1], reg[2], reg[3], reg[4], reg[5]];
                reg[0] = tri!(helpers
                    .call(id, args, space.memory())
                    .map_err(|e| e.call_fault(id)));
            }
            Op::Callx(r) => {
                let value = reg[r as usize];
                let Ok(id) = u32::try_from(value) else {
                    fault!(FaultKind::BadCallxTarget { value });
                };
                let args = [reg[1], reg[2], reg[3], reg[4], reg[5]];
                reg[0] = tri!(helpers
                    .call(id, args, space.memory())
                    .map_err(|e| e.call_fault(id)));
            }
            Op::CallBtf(_) => fault!(FaultKind::Unsupported {
                what: "kfunc call (helper by BTF id)"
            }),
            Op::CallLocal(t) => {
                if depth + 1 >= MAX_FRAMES {
                    fault!(FaultKind::CallDepthExceeded {
                        depth: MAX_FRAMES + 1
                    });
                }
                returns[depth] = Return {
                    pc: pc + 1,
                    saved: [reg[6], reg[7], reg[8], reg[9]],
                };
                depth += 1;
                loops[depth] = MAY_GOTO_BUDGET;
                space.enter_frame(depth);
                reg[10] = space.frame_top(depth);
                pc = t as usize;
                continue;
            }
            Op::Exit => {
                if depth == 0 {
                    return Ok(Outcome {
                        r0: reg[0],
                        executed,
                    });
                }
                depth -= 1;
                let ret = returns[depth];
                reg[6..10].copy_from_slice(&ret.saved);
                space.leave_frame(depth);
                reg[10] = space.frame_top(depth);
                pc = ret.pc;
                continue;
            }
        }
        pc += 1;
    }
}

/// The integer widths atomics operate on.
trait Word: Copy + Eq + BitOr<Output = Self> + BitAnd<Output = Self> + BitXor<Output = Self> {
    fn wrapping_add(self, other: Self) -> Self;
}

impl Word for u32 {
    fn wrapping_add(self, other: Self) -> Self {
        u32::wrapping_add(self, other)
    }
}

impl Word for u64 {
    fn wrapping_add(self, other: Self) -> Self {
        u64::wrapping_add(self, other)
    }
}

/// The value an atomic stores, given the old value, the source and (for cmpxchg) r0.
#[inline]
fn atomic_value<W: Word>(op: AtomicOp, old: W, src: W, expected: W) -> W {
    match op {
        AtomicOp::Add => old.wrapping_add(src),
        AtomicOp::Or => old | src,
        AtomicOp::And => old & src,
        AtomicOp::Xor => old ^ src,
        AtomicOp::Xchg => src,
        AtomicOp::CmpXchg if old == expected => src,
        AtomicOp::CmpXchg => old,
    }
}

/// Where an atomic puts the old value (zero-extended): r0 for cmpxchg, src for xchg and the
/// fetch forms, nowhere otherwise.
#[inline]
fn atomic_result(reg: &mut [u64; 11], op: AtomicOp, fetch: bool, src: u8, old: u64) {
    match op {
        AtomicOp::CmpXchg => reg[0] = old,
        AtomicOp::Xchg => reg[src as usize] = old,
        _ if fetch => reg[src as usize] = old,
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use ebpf_isa::{Insn, Operand, Reg, Width};

    use crate::{Config, FaultKind, NoHelpers, Program, Vm};

    fn run(insns: &[Insn], mem: &mut [u8]) -> Result<u64, FaultKind> {
        let program = Program::from_insns(insns).unwrap();
        Vm::new(Config::default())
            .run(&program, mem, &mut NoHelpers)
            .map(|o| o.r0)
            .map_err(|f| f.kind())
    }

    fn mov(dst: Reg, imm: i32) -> Insn {
        Insn::Alu {
            width: Width::W64,
            op: ebpf_isa::AluOp::Mov,
            dst,
            src: Operand::Imm(imm),
        }
    }

    #[test]
    fn budget_stops_an_endless_loop() {
        let program = Program::from_insns(&[Insn::Ja { off: -1 }]).unwrap();
        let mut vm = Vm::new(Config { budget: 100 });
        let fault = vm.run(&program, &mut [], &mut NoHelpers).unwrap_err();
        assert_eq!(fault.kind(), FaultKind::BudgetExhausted { budget: 100 });
        assert_eq!(fault.pc(), 0);
    }

    #[test]
    fn falling_off_the_end_is_a_fault() {
        let err = run(&[mov(Reg::R0, 1)], &mut []).unwrap_err();
        assert_eq!(err, FaultKind::FellOffEnd);
    }

    #[test]
    fn unknown_helper_is_a_fault() {
        let err = run(
            &[Insn::Call(ebpf_isa::CallTarget::Helper(77)), Insn::Exit],
            &mut [],
        );
        assert_eq!(err, Err(FaultKind::UnknownHelper { id: 77 }));
    }

    #[test]
    fn recursion_hits_the_depth_limit() {
        // f: call f
        let insns = [Insn::Call(ebpf_isa::CallTarget::Local(-1)), Insn::Exit];
        assert_eq!(
            run(&insns, &mut []),
            Err(FaultKind::CallDepthExceeded { depth: 9 })
        );
    }
}
