//! The control-flow graph with local calls inlined per call site ([`Cfg`]), and its weak
//! topological order ([`WtoElem`]) computed by recursive strongly-connected-component
//! decomposition (Bourdoncle): every cycle passes through the head of a component, where the
//! fixpoint widens.
//!
//! A helper that calls back into the program (`bpf_loop`, `bpf_for_each_map_elem`: its
//! prototype has an [`ArgKind::Callback`](crate::platform::ArgKind)) is, at its call site, a
//! loop around the callback inlined as a function: the call falls through to the next
//! instruction (the callback never called) and enters the callback ([`Edge::Callback`], one
//! edge per function whose address the program takes; the analysis follows the one the
//! argument names), whose exits both return after the call and enter it again
//! ([`Edge::Again`]).

use alloc::vec;
use alloc::vec::Vec;

use ebpf_isa::{CallTarget, Insn, Program};
use hashbrown::HashMap;
use petgraph::graph::DiGraph;

use crate::error::{VerifyError, VerifyErrorKind};
use crate::structure::code_addr_target;
use crate::MAX_FRAMES;

/// Most nodes of the inlined graph before the analysis gives up.
pub(crate) const MAX_NODES: usize = 200_000;

/// How control reaches a successor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Edge {
    /// The next instruction (or any non-branching successor).
    Fall,
    /// A jump taken.
    Taken,
    /// Entry of a local function.
    Enter,
    /// Return from a local function to the instruction after the call.
    Return,
    /// From a helper call to the entry of the callback at slot `target`, followed when the
    /// callback argument is that function.
    Callback {
        /// Slot of the callback's first instruction.
        target: u32,
    },
    /// From a callback's exit to its entry: the helper calls it again, with the arguments
    /// the helper call at node `call` gave it.
    Again {
        /// The node of the helper call.
        call: u32,
    },
}

/// One instruction in one call context.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Node {
    /// Slot of the instruction.
    pub(crate) pc: usize,
    /// Call depth (0 for the entry function).
    pub(crate) depth: u8,
    /// Whether the innermost frame is a callback's (called by a helper).
    pub(crate) callback: bool,
}

/// An element of a weak topological order.
#[derive(Clone, Debug)]
pub(crate) enum WtoElem {
    /// A node outside any cycle at this level.
    Vertex(u32),
    /// A component: its head, then the rest in order.
    Component(u32, Vec<WtoElem>),
}

/// The inlined control-flow graph.
#[derive(Debug)]
pub(crate) struct Cfg {
    pub(crate) nodes: Vec<Node>,
    pub(crate) preds: Vec<Vec<(u32, Edge)>>,
    pub(crate) wto: Vec<WtoElem>,
    /// Heads of the components containing each node, outermost first (a head includes itself).
    pub(crate) heads: Vec<Vec<u32>>,
    /// For the entry node of each callback context, the node of the helper call.
    pub(crate) callback_call: HashMap<u32, u32>,
    /// (helper call node, function) for the functions a callback-taking helper call may not
    /// enter, since they are running already (they would be called recursively).
    pub(crate) recursive_callbacks: Vec<(u32, usize)>,
}

impl Cfg {
    /// Builds the graph from the entry; `program` passed the structural checks;
    /// `calls_back(imm)` says whether the helper `imm` takes a callback.
    pub(crate) fn build(
        program: &Program,
        calls_back: &dyn Fn(i32) -> bool,
    ) -> Result<Cfg, VerifyError> {
        // Contexts: (parent context, call pc, entry pc) -> id.
        let mut ctx_ids: HashMap<(u32, usize, usize), u32> = HashMap::new();
        let mut ctx_info: Vec<Frame> = vec![Frame {
            parent: None,
            call_pc: 0,
            call_node: 0,
            entry: 0,
            callback_entry: None,
        }];
        let mut recursive_callbacks: Vec<(u32, usize)> = Vec::new();
        // Functions whose address the program takes: the possible callbacks.
        let mut funcs: Vec<usize> = program
            .iter()
            .filter_map(|(pc, insn)| code_addr_target(program, insn, pc))
            .collect();
        funcs.sort_unstable();
        funcs.dedup();
        let mut callback_call: HashMap<u32, u32> = HashMap::new();
        let mut ids: HashMap<(u32, usize), u32> = HashMap::new();
        let mut nodes: Vec<Node> = Vec::new();
        let mut keys: Vec<(u32, usize)> = Vec::new();
        let mut succs: Vec<Vec<(u32, Edge)>> = Vec::new();
        let mut work: Vec<u32> = Vec::new();

        let mut intern = |key: (u32, usize),
                          depth: u8,
                          nodes: &mut Vec<Node>,
                          keys: &mut Vec<(u32, usize)>,
                          succs: &mut Vec<Vec<(u32, Edge)>>,
                          work: &mut Vec<u32>|
         -> Result<u32, VerifyError> {
            if let Some(&id) = ids.get(&key) {
                return Ok(id);
            }
            if nodes.len() >= MAX_NODES {
                return Err(VerifyError::new(
                    key.1,
                    VerifyErrorKind::TooComplex {
                        detail: alloc::format!(
                            "more than {MAX_NODES} instructions after inlining local calls"
                        ),
                    },
                ));
            }
            let id = nodes.len() as u32;
            ids.insert(key, id);
            nodes.push(Node {
                pc: key.1,
                depth,
                callback: false,
            });
            keys.push(key);
            succs.push(Vec::new());
            work.push(id);
            Ok(id)
        };

        intern((0, 0), 0, &mut nodes, &mut keys, &mut succs, &mut work)?;
        while let Some(id) = work.pop() {
            let (ctx, pc) = keys[id as usize];
            let depth = nodes[id as usize].depth;
            let insn = program.insn_at(pc).expect("instruction start");
            let next = pc + insn.slots();
            let target = insn.branch_target(pc).map(|t| t as usize);
            let mut out: Vec<((u32, usize), u8, Edge)> = Vec::new();
            match *insn {
                Insn::Exit => {
                    let f = &ctx_info[ctx as usize];
                    if let Some(p) = f.parent {
                        out.push(((p, f.call_pc + 1), depth - 1, Edge::Return));
                    }
                    if let Some(entry) = f.callback_entry {
                        let call = f.call_node;
                        out.push(((ctx, entry), depth, Edge::Again { call }));
                    }
                }
                Insn::Ja { .. } | Insn::Ja32 { .. } => {
                    out.push(((ctx, target.expect("jump")), depth, Edge::Taken))
                }
                Insn::Jmp { .. } | Insn::MayGoto { .. } => {
                    out.push(((ctx, next), depth, Edge::Fall));
                    out.push(((ctx, target.expect("jump")), depth, Edge::Taken));
                }
                Insn::Call(CallTarget::Local(_)) => {
                    let t = target.expect("call");
                    // The structural checks bound local calls; a callback's frame (which they
                    // count from the function taking its address) may add one.
                    if usize::from(depth) + 2 > MAX_FRAMES {
                        return Err(VerifyError::new(
                            pc,
                            VerifyErrorKind::CallDepth {
                                frames: usize::from(depth) + 2,
                                limit: MAX_FRAMES,
                            },
                        ));
                    }
                    let child = *ctx_ids.entry((ctx, pc, t)).or_insert_with(|| {
                        ctx_info.push(Frame {
                            parent: Some(ctx),
                            call_pc: pc,
                            call_node: id,
                            entry: t,
                            callback_entry: None,
                        });
                        (ctx_info.len() - 1) as u32
                    });
                    out.push(((child, t), depth + 1, Edge::Enter));
                }
                Insn::Call(CallTarget::Helper(imm)) if calls_back(imm) => {
                    out.push(((ctx, next), depth, Edge::Fall));
                    if !funcs.is_empty() && usize::from(depth) + 2 > MAX_FRAMES {
                        return Err(VerifyError::new(
                            pc,
                            VerifyErrorKind::CallDepth {
                                frames: usize::from(depth) + 2,
                                limit: MAX_FRAMES,
                            },
                        ));
                    }
                    for &t in &funcs {
                        // A function already running in this chain of frames would be
                        // called recursively: no edge, and a call naming it is an error.
                        let mut frame = Some(ctx);
                        let mut running = false;
                        while let Some(f) = frame {
                            running |= ctx_info[f as usize].entry == t;
                            frame = ctx_info[f as usize].parent;
                        }
                        if running {
                            recursive_callbacks.push((id, t));
                            continue;
                        }
                        let child = *ctx_ids.entry((ctx, pc, t)).or_insert_with(|| {
                            ctx_info.push(Frame {
                                parent: Some(ctx),
                                call_pc: pc,
                                call_node: id,
                                entry: t,
                                callback_entry: Some(t),
                            });
                            (ctx_info.len() - 1) as u32
                        });
                        out.push(((child, t), depth + 1, Edge::Callback { target: t as u32 }));
                    }
                }
                Insn::LdAbs { .. } | Insn::LdInd { .. } => {
                    out.push(((ctx, next), depth, Edge::Fall));
                    // A load outside the packet returns 0 from a local function (Linux's
                    // hidden `exit`); in the entry function it ends the program.
                    let f = &ctx_info[ctx as usize];
                    if f.callback_entry.is_some() {
                        return Err(VerifyError::new(
                            pc,
                            VerifyErrorKind::Callback {
                                detail: alloc::string::String::from(
                                    "legacy packet loads (ldabs/ldind) inside a callback are not supported",
                                ),
                            },
                        ));
                    }
                    if let Some(p) = f.parent {
                        out.push(((p, f.call_pc + 1), depth - 1, Edge::Taken));
                    }
                }
                _ => out.push(((ctx, next), depth, Edge::Fall)),
            }
            for (key, d, edge) in out {
                let s = intern(key, d, &mut nodes, &mut keys, &mut succs, &mut work)?;
                succs[id as usize].push((s, edge));
                if let Edge::Callback { .. } = edge {
                    callback_call.insert(s, id);
                }
            }
        }
        for (node, &(ctx, _)) in nodes.iter_mut().zip(&keys) {
            node.callback = ctx_info[ctx as usize].callback_entry.is_some();
        }
        let mut preds = vec![Vec::new(); nodes.len()];
        for (p, ss) in succs.iter().enumerate() {
            for &(s, e) in ss {
                preds[s as usize].push((p as u32, e));
            }
        }
        let mut heads = vec![Vec::new(); nodes.len()];
        let all: Vec<u32> = (0..nodes.len() as u32).collect();
        let wto = decompose(&all, &succs, &preds, &mut heads, &mut Vec::new(), None);
        Ok(Cfg {
            nodes,
            preds,
            wto,
            heads,
            callback_call,
            recursive_callbacks,
        })
    }

    /// The nodes in weak topological order, flattened.
    pub(crate) fn flat_order(&self) -> Vec<u32> {
        fn walk(elems: &[WtoElem], out: &mut Vec<u32>) {
            for e in elems {
                match e {
                    WtoElem::Vertex(v) => out.push(*v),
                    WtoElem::Component(h, body) => {
                        out.push(*h);
                        walk(body, out);
                    }
                }
            }
        }
        let mut out = Vec::with_capacity(self.nodes.len());
        walk(&self.wto, &mut out);
        out
    }

    /// Whether node `h` is a component head.
    pub(crate) fn is_head(&self, h: u32) -> bool {
        self.heads[h as usize].last() == Some(&h)
    }
}

/// A call context: the caller's context, the call and its node, the function's entry slot,
/// and, for a callback's context, the callback's entry slot.
struct Frame {
    parent: Option<u32>,
    call_pc: usize,
    call_node: u32,
    entry: usize,
    callback_entry: Option<usize>,
}

/// Weak topological order of the subgraph on `set` (edges into `removed_head` ignored).
fn decompose(
    set: &[u32],
    succs: &[Vec<(u32, Edge)>],
    preds: &[Vec<(u32, Edge)>],
    heads: &mut [Vec<u32>],
    enclosing: &mut Vec<u32>,
    removed_head: Option<u32>,
) -> Vec<WtoElem> {
    let mut local: HashMap<u32, petgraph::graph::NodeIndex> = HashMap::new();
    let mut g: DiGraph<u32, ()> = DiGraph::with_capacity(set.len(), set.len());
    for &n in set {
        local.insert(n, g.add_node(n));
    }
    let mut self_loop = hashbrown::HashSet::new();
    for &n in set {
        for &(s, _) in &succs[n as usize] {
            if Some(s) == removed_head {
                continue;
            }
            if let Some(&t) = local.get(&s) {
                if s == n {
                    self_loop.insert(n);
                }
                g.add_edge(local[&n], t, ());
            }
        }
    }
    let mut sccs = petgraph::algo::tarjan_scc(&g);
    sccs.reverse(); // topological order
    let mut out = Vec::new();
    for scc in sccs {
        let members: Vec<u32> = scc.iter().map(|&i| g[i]).collect();
        if members.len() == 1 && !self_loop.contains(&members[0]) {
            let v = members[0];
            heads[v as usize] = enclosing.clone();
            out.push(WtoElem::Vertex(v));
            continue;
        }
        let member_set: hashbrown::HashSet<u32> = members.iter().copied().collect();
        // The head: a member entered from outside the component (smallest id for
        // determinism), or the smallest member.
        let mut head = None;
        for &m in &members {
            let entered = m == 0
                || preds[m as usize]
                    .iter()
                    .any(|&(p, _)| !member_set.contains(&p));
            if entered && head.is_none_or(|h| m < h) {
                head = Some(m);
            }
        }
        let head = head.unwrap_or_else(|| *members.iter().min().expect("non-empty"));
        enclosing.push(head);
        heads[head as usize] = enclosing.clone();
        let rest: Vec<u32> = {
            let mut r: Vec<u32> = members.iter().copied().filter(|&m| m != head).collect();
            r.sort_unstable();
            r
        };
        let body = decompose(&rest, succs, preds, heads, enclosing, Some(head));
        enclosing.pop();
        out.push(WtoElem::Component(head, body));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ebpf_isa::{JmpCond, Operand, Reg, Width};
    use proptest::prelude::*;

    /// Every edge that goes backwards in the order targets a head whose component holds the
    /// source, and every node appears exactly once: the weak topological order is valid.
    fn check_wto(cfg: &Cfg) {
        let order = cfg.flat_order();
        let mut pos = vec![usize::MAX; cfg.nodes.len()];
        for (i, &n) in order.iter().enumerate() {
            assert_eq!(pos[n as usize], usize::MAX, "node {n} twice");
            pos[n as usize] = i;
        }
        assert!(pos.iter().all(|&p| p != usize::MAX), "a node is missing");
        for (v, preds) in cfg.preds.iter().enumerate() {
            for &(u, _) in preds {
                if pos[v] <= pos[u as usize] {
                    assert!(cfg.is_head(v as u32), "back edge {u} -> {v} to a non-head");
                    assert!(
                        cfg.heads[u as usize].contains(&(v as u32)),
                        "back edge {u} -> {v} from outside the component"
                    );
                }
            }
        }
    }

    fn program(jumps: &[(bool, i16)]) -> Program {
        let n = jumps.len() as i16 + 1;
        let mut insns: Vec<Insn> = jumps
            .iter()
            .enumerate()
            .map(|(i, &(cond, t))| {
                // A target anywhere in the program, as an offset from the next slot.
                let off = t.rem_euclid(n) - i as i16 - 1;
                if cond {
                    Insn::Jmp {
                        width: Width::W64,
                        cond: JmpCond::Eq,
                        dst: Reg::R0,
                        src: Operand::Imm(0),
                        off,
                    }
                } else {
                    Insn::Ja { off }
                }
            })
            .collect();
        insns.push(Insn::Exit);
        Program::from_insns(insns).unwrap()
    }

    proptest! {
        #[test]
        fn weak_topological_order_is_valid(jumps in prop::collection::vec((any::<bool>(), any::<i16>()), 1..30)) {
            let cfg = Cfg::build(&program(&jumps), &|_| false).unwrap();
            check_wto(&cfg);
        }
    }

    #[test]
    fn nested_loops_have_nested_heads() {
        // 0: ja +0 (to 1); 1: jeq -> 1 (self loop); 2: jeq -> 0; 3: exit
        let cfg = Cfg::build(&program(&[(false, 1), (true, 1), (true, 0)]), &|_| false).unwrap();
        check_wto(&cfg);
        let by_pc = |pc: usize| cfg.nodes.iter().position(|n| n.pc == pc).unwrap() as u32;
        assert!(cfg.is_head(by_pc(0)) && cfg.is_head(by_pc(1)));
        assert_eq!(cfg.heads[by_pc(1) as usize], [by_pc(0), by_pc(1)]);
        assert!(!cfg.is_head(by_pc(3)));
    }
}
