//! Loops that `may_goto` bounds: Linux's `BPF_JCOND` takes its jump once the frame's budget
//! ([`MAY_GOTO_BUDGET`] falls-through per function call) is spent, so a loop each of whose
//! cycles falls through a `may_goto` of its own frame ends after at most that many rounds,
//! whatever its variables do.
//!
//! [`budget_bounded`] finds the loop heads of the inlined graph for which this holds; the
//! fixpoint accepts them without a proved counter bound and counts
//! [`MAY_GOTO_BUDGET`]` + 1` visits of the head per entry into the loop (fewer when its
//! counter proves fewer).

use alloc::vec;
use alloc::vec::Vec;

use ebpf_isa::{Insn, Program, MAY_GOTO_BUDGET};

use crate::cfg::{Cfg, Edge};

/// Most visits of a `may_goto`-bounded loop head per entry into its loop: the budget's
/// fall-throughs, one per round, and the visit that finds it spent.
pub(crate) const BUDGET_VISITS: u128 = MAY_GOTO_BUDGET as u128 + 1;

/// For each node: whether it is a loop head every cycle through which, inside its component,
/// falls through a `may_goto` of the head's frame. A cycle that leaves the head's frame
/// (returns to a caller) does not count: the next call starts a fresh budget.
pub(crate) fn budget_bounded(cfg: &Cfg, program: &Program) -> Vec<bool> {
    let n = cfg.nodes.len();
    let mut bounded = vec![false; n];
    if !program
        .insns()
        .iter()
        .any(|i| matches!(i, Insn::MayGoto { .. }))
    {
        return bounded;
    }
    let mut succs: Vec<Vec<(u32, Edge)>> = vec![Vec::new(); n];
    for (s, preds) in cfg.preds.iter().enumerate() {
        for &(p, e) in preds {
            succs[p as usize].push((s as u32, e));
        }
    }
    let mut seen = vec![u32::MAX; n];
    for h in 0..n as u32 {
        if !cfg.is_head(h) {
            continue;
        }
        let depth = cfg.nodes[h as usize].depth;
        let spends = |m: u32, e: Edge| {
            e == Edge::Fall
                && cfg.nodes[m as usize].depth == depth
                && matches!(
                    program.insn_at(cfg.nodes[m as usize].pc),
                    Some(Insn::MayGoto { .. })
                )
        };
        // Search for a cycle back to `h` that spends no budget of `h`'s frame.
        let mut free_cycle = false;
        let mut stack = vec![h];
        seen[h as usize] = h;
        'search: while let Some(m) = stack.pop() {
            for &(s, e) in &succs[m as usize] {
                if spends(m, e) || !cfg.heads[s as usize].contains(&h) {
                    continue;
                }
                if s == h || cfg.nodes[s as usize].depth < depth {
                    free_cycle = true;
                    break 'search;
                }
                if seen[s as usize] != h {
                    seen[s as usize] = h;
                    stack.push(s);
                }
            }
        }
        bounded[h as usize] = !free_cycle;
    }
    bounded
}
