//! How each node is analysed, decided from the program before the fixpoint: which joins keep
//! their incoming paths apart ([`modes`]), which nodes end a zero extension
//! ([`zero_extensions`]), and the widening thresholds ([`thresholds`]).

use alloc::vec::Vec;

use ebpf_isa::{Insn, Program};

use super::{node_insn, SPLIT_CHAIN};
use crate::cfg::Cfg;

/// How a node combines the states flowing into it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Mode {
    /// One joined state.
    Joined,
    /// Distinct states, so that a conditional jump can tell the joined paths apart.
    Distinct,
}

/// The mode of each node, and the keys of chain heads: [`Mode::Distinct`] for a
/// conditional jump outside loops and the straight-line nodes before it back to (and
/// including) a join of two or more paths, at most [`SPLIT_CHAIN`] nodes apart, when the
/// jump depends on registers set before the join, and likewise the straight-line nodes back
/// from each predecessor of that join to the join before it, within the same reach; else
/// [`Mode::Joined`].
pub(super) fn modes(cfg: &Cfg, program: &Program) -> (Vec<Mode>, Vec<u16>) {
    const ALL: u16 = 0x7ff;
    let n = cfg.nodes.len();
    let outside = |m: u32| cfg.heads[m as usize].is_empty();
    let insn_at = |m: u32| node_insn(cfg, program, m);
    let bit = |r: ebpf_isa::Reg| 1u16 << r.index();
    let mut mode = alloc::vec![Mode::Joined; n];
    let mut keys = alloc::vec![0u16; n];
    for m in 0..n as u32 {
        let Insn::Jmp { dst, src, .. } = *insn_at(m) else {
            continue;
        };
        if !outside(m) {
            continue;
        }
        let Some(chain) = back_to_join(cfg, m, SPLIT_CHAIN) else {
            continue;
        };
        // The registers the jump reads, traced back to the join through the chain (a value
        // loaded from memory or returned by a call makes every register count).
        let deps = bit(dst)
            | match src {
                ebpf_isa::Operand::Reg(r) => bit(r),
                ebpf_isa::Operand::Imm(_) => 0,
            };
        let deps = trace(cfg, program, deps, &chain[1..]);
        if deps == 0 {
            continue;
        }
        let join = *chain.last().expect("the join");
        keys[join as usize] |= deps;
        for &c in &chain {
            mode[c as usize] = Mode::Distinct;
        }
        // One join further back, within the same reach: paths that met there are kept
        // apart too when they differ on what the jump reads (a value tested two joins after
        // it was set, as `r2 = x; r0 = x == k ? 0 : e; if r1 ..; if r2 == k` does).
        let left = SPLIT_CHAIN + 1 - chain.len();
        for &(p, _) in &cfg.preds[join as usize] {
            if !outside(p) {
                continue;
            }
            let Some(back) = back_to_join(cfg, p, left) else {
                continue;
            };
            let deps = trace(cfg, program, deps, &back);
            if deps == 0 || deps == ALL {
                continue;
            }
            keys[*back.last().expect("the join") as usize] |= deps;
            for &c in &back {
                mode[c as usize] = Mode::Distinct;
            }
        }
    }
    (mode, keys)
}

/// The straight-line nodes from `m` back to the first join (a node of two or more
/// predecessors), both included, outside loops and at most `reach` nodes before `m`.
fn back_to_join(cfg: &Cfg, m: u32, reach: usize) -> Option<Vec<u32>> {
    let outside = |m: u32| cfg.heads[m as usize].is_empty();
    let mut chain = alloc::vec![m];
    let mut cur = m;
    while chain.len() <= reach {
        let preds = &cfg.preds[cur as usize];
        if preds.len() >= 2 {
            return Some(chain);
        }
        let &(p, _) = preds.first()?;
        if !outside(p) {
            return None;
        }
        chain.push(p);
        cur = p;
    }
    None
}

/// The registers `deps` (bit `i` for `ri`) read after `nodes` (in backward order) traced to
/// before them: a register a node sets is replaced by those it reads (a value loaded from
/// memory or returned by a call makes every register count).
fn trace(cfg: &Cfg, program: &Program, mut deps: u16, nodes: &[u32]) -> u16 {
    const ALL: u16 = 0x7ff;
    let bit = |r: ebpf_isa::Reg| 1u16 << r.index();
    for &c in nodes {
        match *node_insn(cfg, program, c) {
            Insn::Alu { op, dst, src, .. } if deps & bit(dst) != 0 => {
                if op == ebpf_isa::AluOp::Mov {
                    deps &= !bit(dst);
                }
                if let ebpf_isa::Operand::Reg(r) = src {
                    deps |= bit(r);
                }
            }
            Insn::Movsx { dst, src, .. } if deps & bit(dst) != 0 => {
                deps = deps & !bit(dst) | bit(src);
            }
            Insn::Lddw { dst, .. } => deps &= !bit(dst),
            Insn::Ldx { dst, .. } | Insn::Ldxs { dst, .. } if deps & bit(dst) != 0 => {
                deps = ALL;
            }
            Insn::Call(_) | Insn::Callx { .. } | Insn::LdAbs { .. } | Insn::LdInd { .. }
                if deps & 0x3f != 0 =>
            {
                deps = ALL;
            }
            Insn::Atomic { .. } => deps = ALL,
            _ => {}
        }
    }
    deps
}

/// For each node, `(dst, src)` when it is `dst >>= 32` whose only predecessor is
/// `dst <<= 32` whose only predecessor is `dst = src` (all 64-bit, `src` another register):
/// after it, `dst` is the low 32 bits of `src`, unchanged since the copy.
pub(super) fn zero_extensions(
    cfg: &Cfg,
    program: &Program,
) -> Vec<Option<(ebpf_isa::Reg, ebpf_isa::Reg)>> {
    use ebpf_isa::{AluOp, Operand, Width};
    let insn_at = |m: u32| node_insn(cfg, program, m);
    let only_pred = |m: u32| match cfg.preds[m as usize][..] {
        [(p, crate::cfg::Edge::Fall)] => Some(p),
        _ => None,
    };
    (0..cfg.nodes.len() as u32)
        .map(|n| {
            let shift = |m: u32, want: AluOp| match *insn_at(m) {
                Insn::Alu {
                    op,
                    width: Width::W64,
                    dst,
                    src: Operand::Imm(32),
                } if op == want => Some(dst),
                _ => None,
            };
            let dst = shift(n, AluOp::Rsh)?;
            let l = only_pred(n)?;
            (shift(l, AluOp::Lsh)? == dst).then_some(())?;
            let m = only_pred(l)?;
            match *insn_at(m) {
                Insn::Alu {
                    op: AluOp::Mov,
                    width: Width::W64,
                    dst: d,
                    src: Operand::Reg(src),
                } if d == dst && src != dst => Some((dst, src)),
                _ => None,
            }
        })
        .collect()
}

/// Widening thresholds: the program's constants and their neighbours, and the bounds of
/// common widths, so that a widened bound stops where a guard will cut it.
pub(super) fn thresholds(insns: &[Insn]) -> Vec<i128> {
    let mut t: Vec<i128> = Vec::new();
    let mut add = |k: i128| {
        for d in [-1, 0, 1] {
            t.push(k + d);
            t.push(-k + d);
        }
    };
    for insn in insns {
        match *insn {
            Insn::Alu {
                src: ebpf_isa::Operand::Imm(k),
                ..
            }
            | Insn::Jmp {
                src: ebpf_isa::Operand::Imm(k),
                ..
            }
            | Insn::St { imm: k, .. } => add(k.into()),
            Insn::Ldx { off, .. } | Insn::Stx { off, .. } => add(off.into()),
            _ => {}
        }
    }
    for k in [0i128, 255, 512, 4096, 65535, 1 << 31, 1 << 32] {
        add(k);
    }
    t.sort_unstable();
    t.dedup();
    t
}

/// The nodes no loop head reaches (forward, over the inlined graph): the ascending iteration
/// visits each of them once, from predecessors that are final too, so its state there is
/// already the result and no descending sweep can change it.
pub(super) fn settled(cfg: &Cfg) -> Vec<bool> {
    let n = cfg.nodes.len();
    let mut succs: Vec<Vec<u32>> = alloc::vec![Vec::new(); n];
    for (m, preds) in cfg.preds.iter().enumerate() {
        for &(p, _) in preds {
            succs[p as usize].push(m as u32);
        }
    }
    let mut settled = alloc::vec![true; n];
    let mut work: Vec<u32> = (0..n as u32).filter(|&m| cfg.is_head(m)).collect();
    for &h in &work {
        settled[h as usize] = false;
    }
    while let Some(m) = work.pop() {
        for &s in &succs[m as usize] {
            if settled[s as usize] {
                settled[s as usize] = false;
                work.push(s);
            }
        }
    }
    settled
}

/// For each node whose successors are all `settled`: how many edges leave it (its states are
/// needed until each has delivered them); `u32::MAX` for the others, whose states the
/// descending sweep and the post-fixpoint check read.
pub(super) fn readers(cfg: &Cfg, settled: &[bool]) -> Vec<u32> {
    let mut out = alloc::vec![0u32; cfg.nodes.len()];
    for (m, preds) in cfg.preds.iter().enumerate() {
        for &(p, _) in preds {
            let r = &mut out[p as usize];
            *r = if settled[m] {
                r.saturating_add(1)
            } else {
                u32::MAX
            };
        }
    }
    out
}
