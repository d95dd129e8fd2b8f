//! Settled nodes, which no loop head reaches: the first ascending iteration visits each once
//! in its final state, so it checks them then ([`Fixpoint::visit`]) and drops their states
//! as soon as their successors have read them ([`Fixpoint::release`]).

use alloc::vec::Vec;

use super::Fixpoint;
use crate::error::VerifyError;
use crate::lattice::Lattice;
use crate::state::State;

impl Fixpoint<'_, '_> {
    /// Keeps every state to the end, for [`Fixpoint::state_at`] of every node.
    pub(crate) fn keep_states(&mut self) {
        self.keep_states = true;
    }

    /// After settled node `v` was stepped in the first ascending iteration: drops the states
    /// no one will read again (see [`Fixpoint::readers`]).
    pub(super) fn release(&mut self, v: u32) {
        let cfg = self.cfg;
        for &(p, _) in &cfg.preds[v as usize] {
            let r = &mut self.readers[p as usize];
            if *r != u32::MAX {
                *r -= 1;
                if *r == 0 {
                    self.drop_posts(p);
                }
            }
        }
        let vi = v as usize;
        let old = self.pre_bytes(vi);
        self.released[vi] = !(self.pre[vi].is_bottom() && self.pre_parts[vi].is_empty());
        self.pre[vi] = State::bottom();
        self.pre_parts[vi] = Vec::new();
        self.budget.replace_bytes(old, self.pre_bytes(vi));
        if self.readers[vi] == 0 {
            self.drop_posts(v);
        }
    }

    /// Drops the states after `p`.
    pub(super) fn drop_posts(&mut self, p: u32) {
        let pi = p as usize;
        let old = self.post_bytes(pi);
        self.post[pi] = None;
        self.post_parts[pi] = Vec::new();
        self.budget.replace_bytes(old, self.post_bytes(pi));
    }

    /// Steps vertex `v` outside any loop; a settled one that is reached is checked too.
    pub(super) fn visit(&mut self, v: u32) -> Result<(), VerifyError> {
        let vi = v as usize;
        let reached = !(self.pre[vi].is_bottom() && self.pre_parts[vi].is_empty());
        match self.early.take() {
            Some(mut f) if self.settled[vi] && reached => {
                let before = f.errors.len();
                self.process(v, Some(&mut f))?;
                self.early_errors[vi] = f.errors.split_off(before);
                self.early = Some(f);
            }
            early => {
                self.early = early;
                self.process(v, None)?;
            }
        }
        // A callback's helper call keeps its state: the run bound reads the number of calls
        // from it after the fixpoint.
        let calls_back = self.cfg.callback_call.values().any(|&c| c == v);
        if self.early.is_some() && self.settled[vi] && !self.keep_states && !calls_back {
            self.release(v);
        }
        Ok(())
    }
}
