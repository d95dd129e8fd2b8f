//! Which registers each node of the inlined graph may read before writing them again
//! (backward liveness). Only a heuristic uses it — whether keeping the paths that meet at a
//! join apart is worth it — so it needs no precision: treating a dead register as live only
//! costs time.

use alloc::vec;
use alloc::vec::Vec;

use ebpf_isa::{Program, RegSet};

use crate::cfg::Cfg;

/// What an instruction reads and kills ([`Insn::regs`](ebpf_isa::Insn::regs)): a register the
/// calling convention clobbers cannot be read by a valid program, so it is dead.
fn uses_kills(program: &Program, pc: usize) -> (u16, u16) {
    match program.insn_at(pc) {
        Some(insn) => {
            let regs = insn.regs();
            (regs.uses.bits(), regs.defs.union(regs.clobbers).bits())
        }
        None => (RegSet::ALL.bits(), 0),
    }
}

/// The registers live on entry to each node of `cfg`.
pub(crate) fn live_in(cfg: &Cfg, program: &Program) -> Vec<u16> {
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
        .map(|node| uses_kills(program, node.pc))
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
