//! The fixpoint: Bourdoncle's recursive iteration over the weak topological order, joining
//! for the first visits of a loop head and widening after, then descending sweeps that keep
//! only a result that is still a post-fixpoint. Loop heads count their visits in a zone
//! variable, so a loop is bounded when that counter is.

mod plan;
mod settle;

use alloc::borrow::Cow;
use alloc::format;
use alloc::vec::Vec;

use ebpf_isa::{Insn, Program};

use crate::budget::{Budget, Limits};
use crate::cfg::{Cfg, Edge, WtoElem};
use crate::domain::{Interval, VarId};
use crate::error::{VerifyError, VerifyErrorKind};
use crate::lattice::Lattice;
use crate::state::{kinds_join, State};
use crate::transfer::{step, Cx, Env, Findings, LoadUse, Post};
use plan::{modes, readers, settled, thresholds, zero_extensions, Mode};

/// Loop-head visits joined before widening starts.
const WIDEN_DELAY: usize = 3;
/// Descending sweeps after the ascending phase.
const DESCENDING_SWEEPS: usize = 1;
/// Most disjuncts kept at a node analysed path-sensitively: told apart by the registers a
/// branch depends on, and where paths that give a live register different kinds meet (the
/// separate states standing for PREVAIL's sets of kinds per register).
const MAX_PARTS: usize = 4;
/// Most disjuncts kept where the incoming paths all give live registers the same kinds.
const MAX_KEY_PARTS: usize = 4;
/// Most straight-line instructions between a join and the branch that may tell its incoming
/// paths apart.
const SPLIT_CHAIN: usize = 8;
/// Most iterations a loop may be proved to run.
pub(crate) const MAX_LOOP_ITERATIONS: i128 = 1 << 20;

pub(crate) struct Fixpoint<'a, 'e> {
    cfg: &'a Cfg,
    program: &'a Program,
    env: &'a Env<'e>,
    /// The state before each node (bottom at a node with several disjuncts: see
    /// [`Fixpoint::state_at`]).
    pub(crate) pre: Vec<State>,
    /// The state after each node, when it has one (see [`Fixpoint::posts`]).
    post: Vec<Option<Post>>,
    /// How each node combines the states flowing into it.
    mode: Vec<Mode>,
    /// At the join starting a [`Mode::Distinct`] chain: the registers the branch ending it
    /// depends on (bit `i` for `ri`); incoming states that agree on them are joined.
    keys: Vec<u16>,
    /// The registers live on entry to each node.
    live: Vec<u16>,
    /// Nodes ending a zero extension `dst = src; dst <<= 32; dst >>= 32` (clang's idiom for
    /// a 32-bit loop index), with `(dst, src)`: see [`zero_extensions`].
    zext: Vec<Option<(ebpf_isa::Reg, ebpf_isa::Reg)>>,
    /// The disjuncts at a node analysed as several; empty when there is one, `pre` itself.
    pre_parts: Vec<Vec<State>>,
    /// The disjuncts after a node; empty when there is one, `post` itself.
    post_parts: Vec<Vec<Post>>,
    entry: State,
    /// The limits and what the analysis used; its memory estimate is
    /// [`Fixpoint::approx_bytes`], kept up to date as states are replaced.
    budget: Budget,
    thresholds: Vec<i128>,
    /// What the last descending sweep found, when its states are the result.
    findings: Option<Findings>,
    /// Nodes no loop head reaches (see [`settled`]): checked when the ascending iteration
    /// visits them, and left alone by the descending sweep.
    settled: Vec<bool>,
    /// While the first ascending iteration runs: what the checks of settled nodes found
    /// (their errors moved to `early_errors`, by node, to be reported in checking order).
    early: Option<Findings>,
    early_errors: Vec<Vec<VerifyError>>,
    /// Edges out of each node whose successors have not yet received its states (see
    /// [`readers`]): at 0, the states after a settled node are dropped during the first
    /// ascending iteration, and so is the state before it once stepped, which keeps the
    /// memory in use small and warm.
    readers: Vec<u32>,
    /// Settled nodes reached whose state before was dropped.
    released: Vec<bool>,
    /// Every state is kept to the end (the caller prints them).
    keep_states: bool,
    /// Loop heads bounded by `may_goto`'s budget ([`crate::maygoto`]).
    budgeted: Vec<bool>,
}

/// An upper bound on the instructions one run executes ([`Fixpoint::run_bound`]).
pub(crate) struct RunBound {
    /// The bound, `may_goto` loops counted with their budget.
    pub(crate) total: u128,
    /// The bound with each `may_goto`-bounded loop counted as one round: what the program
    /// does besides the budget it asked for, which [`Options::max_run_instructions`]
    /// limits (crate::Options).
    pub(crate) checked: u128,
    /// The loops around the node whose `checked` product is largest, outermost first, with
    /// their bounds.
    pub(crate) loops: Vec<(usize, u128)>,
}

fn counter(h: u32) -> VarId {
    VarId::loop_counter(h)
}

fn countdown(h: u32) -> VarId {
    VarId::loop_countdown(h)
}

/// Starts the counters of loop head `h` at 0.
fn reset(s: &mut State, h: u32) {
    s.num.assign_interval(counter(h), Interval::constant(0));
    s.num.assign_interval(countdown(h), Interval::constant(0));
}

impl<'a, 'e> Fixpoint<'a, 'e> {
    pub(crate) fn new(
        cfg: &'a Cfg,
        program: &'a Program,
        env: &'a Env<'e>,
        limits: Limits,
    ) -> Self {
        let n = cfg.nodes.len();
        let (mode, keys) = modes(cfg, program);
        let live = crate::liveness::live_in(cfg, program);
        let zext = zero_extensions(cfg, program);
        let mut entry = State::entry_for(env.context.data_meta.is_some(), env.prog.max_packet_size);
        if cfg.is_head(0) {
            reset(&mut entry, 0);
        }
        let mut fx = Fixpoint {
            cfg,
            program,
            env,
            pre: alloc::vec![State::bottom(); n],
            post: (0..n).map(|_| None).collect(),
            entry,
            budget: Budget::new(limits),
            findings: None,
            thresholds: thresholds(program.insns()),
            mode,
            keys,
            live,
            zext,
            pre_parts: alloc::vec![Vec::new(); n],
            post_parts: (0..n).map(|_| Vec::new()).collect(),
            readers: Vec::new(),
            released: alloc::vec![false; n],
            keep_states: false,
            settled: settled(cfg),
            early: None,
            early_errors: (0..n).map(|_| Vec::new()).collect(),
            budgeted: crate::maygoto::budget_bounded(cfg, program),
        };
        fx.readers = readers(cfg, &fx.settled);
        fx.budget.set_bytes(fx.approx_bytes());
        fx
    }

    /// The estimated bytes of the state (or disjuncts) before node `n`.
    fn pre_bytes(&self, n: usize) -> usize {
        self.pre[n].approx_bytes()
            + self.pre_parts[n]
                .iter()
                .map(State::approx_bytes)
                .sum::<usize>()
    }

    /// The estimated bytes of the states after node `n`.
    fn post_bytes(&self, n: usize) -> usize {
        let post = |p: &Post| p.fall.approx_bytes() + p.taken.approx_bytes();
        self.post[n].as_ref().map_or(0, post) + self.post_parts[n].iter().map(post).sum::<usize>()
    }

    /// Replaces the state before `n` by `s` or, when `parts` has several, by these disjuncts
    /// (`s` then bottom).
    fn set_pre(&mut self, n: u32, s: State, parts: Vec<State>) {
        let n = n as usize;
        let old = self.pre_bytes(n);
        self.pre[n] = s;
        self.pre_parts[n] = parts;
        self.budget.replace_bytes(old, self.pre_bytes(n));
    }

    /// Joins `incoming` into the state of loop head `h`, or widens it with `incoming`.
    fn grow_head(&mut self, h: u32, incoming: &State, widen: bool) {
        let hi = h as usize;
        let old = self.pre_bytes(hi);
        let mut pre = core::mem::replace(&mut self.pre[hi], State::bottom());
        let mut work = 0;
        if widen {
            pre.widen_metered(incoming, &self.thresholds, &mut work);
        } else {
            pre.join_metered(incoming, &mut work);
        }
        self.charge(work);
        self.pre[hi] = pre;
        self.budget.replace_bytes(old, self.pre_bytes(hi));
    }

    /// Adds `units` of work (see [`Budget`]).
    fn charge(&self, units: u64) {
        self.budget.charge(units);
    }

    /// `acc` joined with `s`, its work counted.
    fn join_into(&self, acc: &mut State, s: &State) {
        let mut work = 0;
        acc.join_metered(s, &mut work);
        self.charge(work);
    }

    /// Whether `a` is included in `b`, its work counted.
    fn included(&self, a: &State, b: &State) -> bool {
        self.charge((a.size() + b.size()) as u64);
        a.leq(b)
    }

    /// `s` flowing along the edge from `p` to `n`: counters of loops left are forgotten,
    /// those of a loop entered are started.
    fn along(&self, p: u32, n: u32, s: &State) -> State {
        let from = s;
        let mut s = s.clone();
        s.num.take_work();
        let (hp, hn) = (&self.cfg.heads[p as usize], &self.cfg.heads[n as usize]);
        for h in hp {
            if !hn.contains(h) {
                s.num.forget(counter(*h));
                s.num.forget(countdown(*h));
            }
        }
        if self.cfg.is_head(n) && !hp.contains(&n) {
            reset(&mut s, n);
        }
        self.charge(s.take_work(from));
        s
    }

    /// The state before `n`: the join of its disjuncts when it has several.
    pub(crate) fn state_at(&self, n: u32) -> State {
        let parts = &self.pre_parts[n as usize];
        let Some((first, rest)) = parts.split_first() else {
            return self.pre[n as usize].clone();
        };
        let mut s = first.clone();
        for q in rest {
            s.join(q);
        }
        s
    }

    /// The states after `p`: its disjuncts, or its one state (none before it is processed).
    fn posts(&self, p: u32) -> &[Post] {
        let parts = &self.post_parts[p as usize];
        if !parts.is_empty() {
            return parts;
        }
        self.post[p as usize].as_slice()
    }

    /// The disjuncts flowing into `n`, each on its own (bottoms dropped).
    fn incoming_parts(&self, n: u32) -> Vec<State> {
        let mut out = Vec::new();
        if n == 0 && !self.entry.is_bottom() {
            out.push(self.entry.clone());
        }
        for &(p, edge) in &self.cfg.preds[n as usize] {
            for post in self.posts(p) {
                if let Some(s) = self.flow(post, edge, n) {
                    out.push(self.along(p, n, &s));
                }
            }
        }
        out
    }

    /// The state that flows from `post` (a state after the source node) along `edge` into
    /// `n`, if any: a callback entered is the one the helper call's argument names; one
    /// called again gets the arguments of its first call (see [`crate::transfer::again`]).
    fn flow<'p>(&self, post: &'p Post, edge: Edge, n: u32) -> Option<Cow<'p, State>> {
        let s = match edge {
            Edge::Taken => &post.taken,
            Edge::Fall | Edge::Enter | Edge::Return => &post.fall,
            Edge::Callback { target } => {
                if post.callback != Some(target) {
                    return None;
                }
                &post.taken
            }
            Edge::Again { call } => {
                if post.fall.is_bottom() {
                    return None;
                }
                let target = self.cfg.nodes[n as usize].pc as u32;
                let firsts = self
                    .posts(call)
                    .iter()
                    .filter(|q| q.callback == Some(target))
                    .map(|q| &q.taken);
                let s = crate::transfer::again(&post.fall, firsts);
                return (!s.is_bottom()).then_some(Cow::Owned(s));
            }
        };
        (!s.is_bottom()).then_some(Cow::Borrowed(s))
    }

    /// Sets the state of `n` from its predecessors: their join, or several disjuncts, up to
    /// [`MAX_PARTS`] (all joined when there would be more). Incoming states are kept apart
    /// when joining them would lose a kind or initialised stack bytes a later check may need
    /// (see [`same_kinds`]), and, at the join starting a [`Mode::Distinct`] chain, when they
    /// differ on the registers its branch depends on. Loop heads always join.
    fn receive(&mut self, n: u32) {
        let distinct = self.mode[n as usize] == Mode::Distinct;
        let single = self.cfg.preds[n as usize].len() + usize::from(n == 0) <= 1
            && self.cfg.preds[n as usize]
                .iter()
                .all(|&(p, _)| self.post_parts[p as usize].is_empty());
        if !distinct && (single || self.cfg.is_head(n)) {
            let s = self.incoming(n);
            self.set_pre(n, s, Vec::new());
            return;
        }
        let key = if distinct { self.keys[n as usize] } else { 0 };
        let live = self.live[n as usize];
        let incoming = self.incoming_parts(n);
        // Told apart by the branch's registers and by kinds. Beyond MAX_KEY_PARTS, only
        // where kinds differ (the branch's registers as well up to MAX_PARTS); else joined.
        let mut parts = self.group(incoming, |q, s| {
            !(distinct && key == 0) && agree(q, s, key) && same_kinds(q, s, live)
        });
        if parts.len() > MAX_KEY_PARTS {
            let by_kind = self.group(parts.clone(), |q, s| same_kinds(q, s, live));
            if by_kind.len() == 1 || parts.len() > MAX_PARTS {
                parts = by_kind;
            }
        }
        if parts.len() > MAX_PARTS {
            parts = self.group(parts, |_, _| true);
        }
        match parts.len() {
            0 => self.set_pre(n, State::bottom(), Vec::new()),
            1 => {
                let s = parts.pop().expect("one part");
                self.set_pre(n, s, Vec::new());
            }
            // The disjuncts stand for the state (see `state_at`).
            _ => self.set_pre(n, State::bottom(), parts),
        }
    }

    /// Joins each state of `states` into the first group it `fits`, or starts a new group.
    fn group(&self, states: Vec<State>, fits: impl Fn(&State, &State) -> bool) -> Vec<State> {
        let mut groups: Vec<State> = Vec::new();
        for s in states {
            // Telling states apart compares their registers and stack cells.
            let cells = s.stack.cell_count();
            let found = groups.iter_mut().find(|q| {
                self.charge((11 + cells + q.stack.cell_count()) as u64);
                fits(q, &s)
            });
            if let Some(q) = found {
                self.join_into(q, &s);
            } else {
                groups.push(s);
            }
        }
        groups
    }

    /// The join of the states flowing into `n`.
    fn incoming(&self, n: u32) -> State {
        let mut acc = if n == 0 {
            self.entry.clone()
        } else {
            State::bottom()
        };
        for &(p, edge) in &self.cfg.preds[n as usize] {
            for post in self.posts(p) {
                let Some(s) = self.flow(post, edge, n) else {
                    continue;
                };
                let s = self.along(p, n, &s);
                if acc.is_bottom() {
                    acc = s;
                } else {
                    self.join_into(&mut acc, &s);
                }
            }
        }
        acc
    }

    fn process(&mut self, n: u32, findings: Option<&mut Findings>) -> Result<(), VerifyError> {
        let old = self.post_bytes(n as usize);
        self.process_parts(n, findings)?;
        self.budget.replace_bytes(old, self.post_bytes(n as usize));
        Ok(())
    }

    /// Steps the state before `n`, or each of its disjuncts.
    fn process_parts(
        &mut self,
        n: u32,
        mut findings: Option<&mut Findings>,
    ) -> Result<(), VerifyError> {
        if self.pre_parts[n as usize].is_empty() {
            self.post_parts[n as usize].clear();
            return self.process_one(n, self.pre[n as usize].clone(), findings);
        }
        let parts = core::mem::take(&mut self.pre_parts[n as usize]);
        let mut posts = Vec::with_capacity(parts.len());
        for q in &parts {
            self.process_one(n, q.clone(), findings.as_deref_mut())?;
            posts.push(self.post[n as usize].take().expect("stepped"));
        }
        // The disjuncts stand for the states after `n` (see `posts`).
        self.pre_parts[n as usize] = parts;
        self.post_parts[n as usize] = posts;
        Ok(())
    }

    /// An estimate of the heap the kept states take, in bytes: an upper one, since maps that
    /// states share (see [`Zone`](crate::domain::Zone)) count once per state.
    fn approx_bytes(&self) -> usize {
        let states = self.pre.iter().chain(self.pre_parts.iter().flatten());
        let posts = self
            .post
            .iter()
            .flatten()
            .chain(self.post_parts.iter().flatten());
        states.map(State::approx_bytes).sum::<usize>()
            + posts
                .map(|p| p.fall.approx_bytes() + p.taken.approx_bytes())
                .sum::<usize>()
    }

    /// Steps one state `s` of node `n`.
    fn process_one(
        &mut self,
        n: u32,
        mut s: State,
        findings: Option<&mut Findings>,
    ) -> Result<(), VerifyError> {
        let node = self.cfg.nodes[n as usize];
        self.budget.visit(node.pc, s.num.size())?;
        if self.cfg.is_head(n) && !s.is_bottom() {
            s.num.shift(counter(n), 1);
            s.num.shift(countdown(n), -1);
        }
        let insn = node_insn(self.cfg, self.program, n);
        let mut cx = Cx {
            env: self.env,
            pc: node.pc,
            node: n,
            findings,
        };
        s.num.take_work();
        let before = s.clone();
        let mut post = step(&mut cx, insn, s);
        self.charge(post.fall.take_work(&before) + post.taken.take_work(&before));
        if let Some((dst, src)) = self.zext[n as usize] {
            // `src` is unchanged since the copy; when it is below 2^32, `dst` equals it.
            let f = &mut post.fall;
            if !f.is_bottom()
                && f.ty(src) == crate::domain::RegType::Num
                && f.ty(dst) == crate::domain::RegType::Num
                && f.interval(src).within(0, u32::MAX.into())
            {
                f.num
                    .assign_var(VarId::reg(dst.num()), VarId::reg(src.num()), 0);
            }
        }
        self.post[n as usize] = Some(post);
        Ok(())
    }

    fn run(&mut self, elems: &[WtoElem]) -> Result<(), VerifyError> {
        for e in elems {
            match e {
                WtoElem::Vertex(v) => {
                    self.receive(*v);
                    self.visit(*v)?;
                }
                WtoElem::Component(h, body) => self.component(*h, body)?,
            }
        }
        Ok(())
    }

    fn component(&mut self, h: u32, body: &[WtoElem]) -> Result<(), VerifyError> {
        let hi = h as usize;
        let first = self.incoming(h);
        self.grow_head(h, &first, false);
        let mut round = 0usize;
        loop {
            self.process(h, None)?;
            self.run(body)?;
            round += 1;
            let incoming = self.incoming(h);
            if self.included(&incoming, &self.pre[hi]) {
                return Ok(());
            }
            self.grow_head(h, &incoming, round >= WIDEN_DELAY);
        }
    }

    /// Whether every node's state includes what flows into it.
    fn is_post_fixpoint(&self) -> bool {
        (0..self.cfg.nodes.len() as u32).all(|n| self.covered(n))
    }

    /// Whether every state flowing into `n` is included in its state (each on its own: that
    /// is what soundness needs, and it avoids building the join).
    fn covered(&self, n: u32) -> bool {
        if !self.pre_parts[n as usize].is_empty() {
            let parts = &self.pre_parts[n as usize];
            return self
                .incoming_parts(n)
                .iter()
                .all(|s| parts.iter().any(|q| self.included(s, q)));
        }
        let pre = &self.pre[n as usize];
        if n == 0 && !self.included(&self.entry, pre) {
            return false;
        }
        for (p, s) in self.cfg.preds[n as usize].iter().flat_map(|&(p, edge)| {
            self.posts(p)
                .iter()
                .filter_map(move |post| self.flow(post, edge, n).map(|s| (p, s)))
        }) {
            let s: &State = &s;
            let (hp, hn) = (&self.cfg.heads[p as usize], &self.cfg.heads[n as usize]);
            let adjust =
                hp.iter().any(|h| !hn.contains(h)) || self.cfg.is_head(n) && !hp.contains(&n);
            let ok = if adjust {
                let mut s = s.clone();
                for h in hp {
                    if !hn.contains(h) {
                        s.num.forget(counter(*h));
                        s.num.forget(countdown(*h));
                    }
                }
                if self.cfg.is_head(n) && !hp.contains(&n) {
                    reset(&mut s, n);
                }
                self.included(&s, pre)
            } else {
                self.included(s, pre)
            };
            if !ok {
                return false;
            }
        }
        true
    }

    /// Ascending iteration, then descending sweeps kept only if still a post-fixpoint (else
    /// the ascending iteration is run again rather than kept aside, which would double the
    /// memory the states take; no program of ebpf-samples needs it). The last sweep steps
    /// each node from its final state, so it also collects what [`Fixpoint::check`] would.
    /// Settled nodes (no loop head reaches them) are checked by the ascending iteration, the
    /// only one to visit them: their states are final from the start.
    pub(crate) fn solve(&mut self) -> Result<(), VerifyError> {
        let wto = self.cfg.wto.clone();
        self.early = Some(self.no_findings());
        self.run(&wto)?;
        let order = self.cfg.flat_order();
        let mut findings = self.early.take().expect("set before the run");
        for sweep in 0..DESCENDING_SWEEPS {
            let last = sweep + 1 == DESCENDING_SWEEPS;
            for &n in &order {
                if self.settled[n as usize] {
                    if last {
                        findings.errors.append(&mut self.early_errors[n as usize]);
                    }
                    continue;
                }
                self.receive(n);
                if last {
                    self.check_node(n, &mut findings)?;
                } else {
                    self.process(n, None)?;
                }
            }
        }
        // Settled nodes and their predecessors kept the ascending states.
        let unsettled = (0..self.cfg.nodes.len() as u32).filter(|&n| !self.settled[n as usize]);
        if unsettled.clone().all(|n| self.covered(n)) {
            self.findings = Some(findings);
        } else {
            let n = self.cfg.nodes.len();
            self.pre = alloc::vec![State::bottom(); n];
            self.post = (0..n).map(|_| None).collect();
            self.pre_parts = alloc::vec![Vec::new(); n];
            self.post_parts = (0..n).map(|_| Vec::new()).collect();
            self.released = alloc::vec![false; n];
            self.budget.set_bytes(self.approx_bytes());
            self.run(&wto)?;
            // The ascending result is a post-fixpoint by construction; check it all the same,
            // since everything the checker proves rests on it.
            if !self.is_post_fixpoint() {
                return Err(VerifyError::new(
                    0,
                    VerifyErrorKind::TooComplex {
                        detail: alloc::string::String::from(
                            "the analysis did not reach a fixpoint (internal error)",
                        ),
                    },
                ));
            }
        }
        Ok(())
    }

    /// Most visits of loop head `h` per entry into its loop, from its counters or, for a loop
    /// `may_goto` bounds, its budget (`None` when unbounded); and whether the budget is the
    /// bound.
    fn head_visits(&self, h: u32) -> Option<(u128, bool)> {
        if self.bounded_by_helper(h) {
            return self.callback_calls(h).map(|k| (k, false));
        }
        let num = &self.pre[h as usize].num;
        let c = num
            .interval(counter(h))
            .meet(&num.interval(countdown(h)).negate());
        // The counters count the arrivals before this visit: at most `hi` more visits.
        let counted = u128::try_from(c.hi())
            .ok()
            .filter(|_| c.hi() < MAX_LOOP_ITERATIONS)
            .map(|k| k + 1);
        match (counted, self.budgeted[h as usize]) {
            (Some(k), true) if k < crate::maygoto::BUDGET_VISITS => Some((k, false)),
            (_, true) => Some((crate::maygoto::BUDGET_VISITS, true)),
            (k, false) => k.map(|k| (k, false)),
        }
    }

    /// Whether `h` is a callback's entry that only the helper's calls reach (no jump of the
    /// callback itself): the helper bounds its visits.
    fn bounded_by_helper(&self, h: u32) -> bool {
        self.cfg.callback_call.contains_key(&h)
            && self.cfg.preds[h as usize]
                .iter()
                .all(|(_, e)| matches!(e, Edge::Callback { .. } | Edge::Again { .. }))
    }

    /// Most calls of the callback entered at `h` per call of its helper.
    fn callback_calls(&self, h: u32) -> Option<u128> {
        let call = *self.cfg.callback_call.get(&h)?;
        let pre = self.state_at(call);
        let insn = node_insn(self.cfg, self.program, call);
        let ebpf_isa::Insn::Call(ebpf_isa::CallTarget::Helper(imm)) = *insn else {
            return None;
        };
        let helper = self
            .env
            .platform
            .helper_for(crate::platform::HelperId::from_imm(imm), self.env.prog)?;
        crate::transfer::iterations(self.env.maps, &pre, helper).map(|k| k.max(1))
    }

    /// An upper bound on the instructions one run executes: each reachable node runs at most
    /// the product of the visit bounds of the loops around it. Also the node whose product is
    /// largest, with its loops (outermost first) and their bounds. `None` when a loop has no
    /// bound (already an error of [`Fixpoint::check`]).
    pub(crate) fn run_bound(&self) -> Option<RunBound> {
        let (mut total, mut checked): (u128, u128) = (0, 0);
        let mut worst: (u128, Vec<(usize, u128)>) = (0, Vec::new());
        for n in 0..self.cfg.nodes.len() {
            if self.pre[n].is_bottom() && self.pre_parts[n].is_empty() && !self.released[n] {
                continue;
            }
            let (mut product, mut own): (u128, u128) = (1, 1);
            let mut chain = Vec::new();
            for &h in &self.cfg.heads[n] {
                let (v, budget) = self.head_visits(h)?;
                product = product.saturating_mul(v);
                if !budget {
                    own = own.saturating_mul(v);
                }
                chain.push((self.cfg.nodes[h as usize].pc, v));
            }
            total = total.saturating_add(product);
            checked = checked.saturating_add(own);
            if own > worst.0 {
                worst = (own, chain);
            }
        }
        Some(RunBound {
            total,
            checked,
            loops: worst.1,
        })
    }

    /// The checking pass over the final states: every failed check, in weak topological
    /// order, then loops without a proved bound; and, for a context with a
    /// [`HostContext`](crate::platform::HostContext), how each load read memory.
    pub(crate) fn check(&mut self) -> Result<Findings, VerifyError> {
        if let Some(findings) = self.findings.take() {
            return Ok(findings);
        }
        let mut findings = self.no_findings();
        for n in self.cfg.flat_order() {
            self.check_node(n, &mut findings)?;
        }
        Ok(findings)
    }

    /// Nothing found yet.
    fn no_findings(&self) -> Findings {
        let slots = if self.env.context.host.is_some() {
            self.program.slot_count()
        } else {
            0
        };
        Findings {
            errors: Vec::new(),
            loads: alloc::vec![LoadUse::Unseen; slots],
            ctx_end: 0,
            locks: Default::default(),
        }
    }

    /// Steps node `n` from its state, adding its failed checks to `findings`, and at a loop
    /// head checks its bound. A node never reached only gets its (bottom) states after.
    fn check_node(&mut self, n: u32, findings: &mut Findings) -> Result<(), VerifyError> {
        if self.pre[n as usize].is_bottom() && self.pre_parts[n as usize].is_empty() {
            return self.process(n, None);
        }
        self.process(n, Some(findings))?;
        if self.cfg.is_head(n) && !self.bounded_by_helper(n) {
            let num = &self.pre[n as usize].num;
            let (c, d) = (num.interval(counter(n)), num.interval(countdown(n)));
            let c = c.meet(&d.negate());
            if c.hi() >= MAX_LOOP_ITERATIONS && !self.budgeted[n as usize] {
                findings.errors.push(VerifyError::new(
                    self.cfg.nodes[n as usize].pc,
                    VerifyErrorKind::UnboundedLoop {
                        head: self.cfg.nodes[n as usize].pc,
                        detail: format!("visits of the loop head in {c}"),
                    },
                ));
            }
        }
        Ok(())
    }
}

/// Whether `a` and `b` give the registers in `key` the same kinds and bounds.
fn agree(a: &State, b: &State, key: u16) -> bool {
    (0..11u8).all(|i| {
        key & (1 << i) == 0
            || a.regs[usize::from(i)] == b.regs[usize::from(i)]
                && a.num.interval(VarId::reg(i)) == b.num.interval(VarId::reg(i))
    })
}

/// Whether joining `a` and `b` loses nothing the analysis is likely to need: no live
/// register (bit `i` of `live` for `ri`) that has a kind in both becomes a value of different
/// kinds, and, where the two initialised different stack bytes, no live register tells the
/// paths apart (a stack pointer into disjoint ranges, or different constants: a buffer and the
/// size passed with it).
fn same_kinds(a: &State, b: &State, live: u16) -> bool {
    use crate::domain::RegType;
    let same_init = a.stack.same_init(&b.stack);
    // A spilled pointer whose kinds do not join would become uninitialised bytes.
    let cells_join = a.stack.cells().all(|(off, ca)| {
        let Some(cb) = b.stack.cell(off, ca.size) else {
            return true;
        };
        if ca.ty == cb.ty || !(ca.ty.is_pointer() || cb.ty.is_pointer()) {
            return true;
        }
        let v = VarId::stack(off, ca.size);
        kinds_join(ca.ty, cb.ty, || is_zero(a, v), || is_zero(b, v))
    });
    cells_join
        && (0..11u8).all(|i| {
            let (x, y) = (a.regs[usize::from(i)], b.regs[usize::from(i)]);
            if live & (1 << i) == 0 || x == RegType::Mixed || y == RegType::Mixed {
                return true;
            }
            let v = VarId::reg(i);
            if x == y {
                if same_init || !matches!(x, RegType::Num | RegType::Stack) {
                    return true;
                }
                let (p, q) = (a.num.interval(v), b.num.interval(v));
                return if x == RegType::Stack {
                    p.lo() <= q.hi() && q.lo() <= p.hi()
                } else {
                    p.singleton().is_none() || q.singleton().is_none() || p == q
                };
            }
            kinds_join(x, y, || is_zero(a, v), || is_zero(b, v))
        })
}

/// Whether `v` is the number 0 in `s`.
fn is_zero(s: &State, v: VarId) -> bool {
    s.num.interval(v).singleton() == Some(0)
}

/// The instruction of node `m`.
fn node_insn<'i>(cfg: &Cfg, program: &'i Program, m: u32) -> &'i Insn {
    program
        .insn_at(cfg.nodes[m as usize].pc)
        .expect("instruction start")
}
