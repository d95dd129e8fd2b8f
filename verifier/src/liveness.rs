//! Which registers each node of the inlined graph may read before writing them again
//! (backward liveness). Only a heuristic uses it — whether keeping the paths that meet at a
//! join apart is worth it — so it needs no precision: treating a dead register as live only
//! costs time.

use alloc::vec;
use alloc::vec::Vec;

use ebpf_isa::{AtomicOp, CallTarget, Insn, Operand, Reg};

use crate::cfg::Cfg;
use crate::structure::Layout;

/// Bit `i` for `ri`.
fn bit(r: Reg) -> u16 {
    1 << r.index()
}

/// r1-r5, the argument registers.
const ARGS: u16 = 0b11_1110;
/// r0-r5, the registers a helper call overwrites.
const CLOBBERED: u16 = 0b11_1111;

/// The registers `insn` reads, and those it writes (a register both read and written counts as
/// read: liveness adds the uses after removing the writes).
fn uses_defs(insn: &Insn) -> (u16, u16) {
    let reg = |o: Operand| match o {
        Operand::Reg(r) => bit(r),
        Operand::Imm(_) => 0,
    };
    match *insn {
        Insn::Alu { op, dst, src, .. } => {
            if op == ebpf_isa::AluOp::Mov {
                (reg(src), bit(dst))
            } else {
                (bit(dst) | reg(src), 0)
            }
        }
        Insn::Neg { dst, .. } | Insn::End { dst, .. } => (bit(dst), 0),
        Insn::Movsx { dst, src, .. } => (bit(src), bit(dst)),
        Insn::Ja { .. } | Insn::Ja32 { .. } => (0, 0),
        Insn::Jmp { dst, src, .. } => (bit(dst) | reg(src), 0),
        Insn::Call(CallTarget::Local(_)) => (ARGS, 0),
        Insn::Call(_) => (ARGS, CLOBBERED),
        Insn::Callx { reg } => (ARGS | bit(reg), CLOBBERED),
        Insn::Exit => (bit(Reg::R0), 0),
        Insn::Lddw { dst, .. } => (0, bit(dst)),
        Insn::Ldx { dst, src, .. } | Insn::Ldxs { dst, src, .. } => {
            (bit(src), bit(dst) & !bit(src))
        }
        Insn::St { dst, .. } => (bit(dst), 0),
        Insn::Stx { dst, src, .. } => (bit(dst) | bit(src), 0),
        Insn::Atomic { dst, src, op, .. } => {
            let r0 = if op == AtomicOp::CmpXchg {
                bit(Reg::R0)
            } else {
                0
            };
            (bit(dst) | bit(src) | r0, 0)
        }
        Insn::LdAbs { .. } => (bit(Reg::R6), CLOBBERED),
        Insn::LdInd { src, .. } => (bit(Reg::R6) | bit(src), CLOBBERED),
    }
}

/// The registers live on entry to each node of `cfg`.
pub(crate) fn live_in(cfg: &Cfg, insns: &[Insn], layout: &Layout) -> Vec<u16> {
    let n = cfg.nodes.len();
    let mut succs: Vec<Vec<u32>> = vec![Vec::new(); n];
    for (m, preds) in cfg.preds.iter().enumerate() {
        for &(p, _) in preds {
            succs[p as usize].push(m as u32);
        }
    }
    let ud: Vec<(u16, u16)> = cfg
        .nodes
        .iter()
        .map(
            |node| match layout.at_slot.get(node.pc).copied().flatten() {
                Some(i) => uses_defs(&insns[i]),
                None => (0x7ff, 0),
            },
        )
        .collect();
    let mut live = vec![0u16; n];
    let mut queued = vec![true; n];
    let mut work: Vec<u32> = (0..n as u32).collect();
    while let Some(m) = work.pop() {
        queued[m as usize] = false;
        let out = succs[m as usize]
            .iter()
            .fold(0u16, |acc, &s| acc | live[s as usize]);
        let (uses, defs) = ud[m as usize];
        let new = uses | (out & !defs);
        if new != live[m as usize] {
            live[m as usize] = new;
            for &(p, _) in &cfg.preds[m as usize] {
                if !queued[p as usize] {
                    queued[p as usize] = true;
                    work.push(p);
                }
            }
        }
    }
    live
}
