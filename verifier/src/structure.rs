//! Structural checks that need no abstract state, beyond what [`Program`] already proved:
//! fall-through past the end, helper ids, supported instructions, map references, local
//! functions and their call graph (no recursion, bounded depth).

use alloc::vec;
use alloc::vec::Vec;

use ebpf_isa::{CallTarget, Insn, LddwSrc, Program};
use petgraph::graph::{DiGraph, NodeIndex};

use crate::error::{VerifyError, VerifyErrorKind};
use crate::platform::{HelperId, MapInfo, MapKind, Platform, ProgramType};
use crate::MAX_FRAMES;

/// The map an `lddw` refers to, if it is a map load.
pub(crate) fn lddw_map(src: LddwSrc, imm: i32, maps: &[MapInfo]) -> Option<Option<u32>> {
    match src {
        LddwSrc::MapFd | LddwSrc::MapValue => {
            Some(maps.iter().position(|m| m.fd == imm).map(|i| i as u32))
        }
        LddwSrc::MapIdx | LddwSrc::MapIdxValue => Some(
            usize::try_from(imm)
                .ok()
                .filter(|&i| i < maps.len())
                .map(|i| i as u32),
        ),
        _ => None,
    }
}

/// The slot an `lddw` of a function address (`src = 4`) at `pc` names: like a call's target,
/// `imm` counts from the next slot. `None` for other instructions or a target outside the
/// program.
pub(crate) fn code_addr_target(program: &Program, insn: &Insn, pc: usize) -> Option<usize> {
    let Insn::Lddw {
        src: LddwSrc::CodeAddr,
        imm,
        ..
    } = *insn
    else {
        return None;
    };
    let t = pc as i64 + 1 + i64::from(imm);
    usize::try_from(t)
        .ok()
        .filter(|&t| program.insn_at(t).is_some())
}

/// Runs every structural check; errors in pc order.
pub(crate) fn check(
    program: &Program,
    platform: &Platform,
    prog: &ProgramType,
    maps: &[MapInfo],
) -> Vec<VerifyError> {
    let mut errors = Vec::new();
    for (pc, insn) in program.iter() {
        let mut err = |kind| errors.push(VerifyError::new(pc, kind));
        match *insn {
            Insn::Call(CallTarget::Helper(imm))
                if platform
                    .helper_for(HelperId::from_imm(imm), prog)
                    .is_none() =>
            {
                let id = HelperId::from_imm(imm);
                err(match platform.helper(id) {
                    Some(h) => VerifyErrorKind::HelperNotAllowed {
                        name: h.name,
                        program_type: prog.name,
                    },
                    None => VerifyErrorKind::UnknownHelper { id },
                });
            }
            Insn::Call(CallTarget::Helper(imm)) => {
                if let Some(h) = platform.helper_for(HelperId::from_imm(imm), prog) {
                    if let crate::platform::RetKind::NotModelled(why) = h.ret {
                        err(VerifyErrorKind::HelperNotModelled { name: h.name, why });
                    }
                }
            }
            Insn::Lddw {
                src: LddwSrc::CodeAddr,
                imm,
                ..
            } if code_addr_target(program, insn, pc).is_none() => {
                err(VerifyErrorKind::Callback {
                    detail: alloc::format!(
                        "function address {imm} (from the next slot) is not an instruction of the program"
                    ),
                });
            }
            Insn::Lddw {
                src: LddwSrc::CodeAddr,
                ..
            } => {}
            Insn::Call(CallTarget::Btf(_)) => err(VerifyErrorKind::Unsupported {
                what: "calls of kernel functions by BTF id",
            }),
            Insn::Callx { .. } => err(VerifyErrorKind::Unsupported {
                what: "callx (indirect helper calls)",
            }),
            Insn::Lddw { src, imm, .. } => match lddw_map(src, imm, maps) {
                Some(None) => err(VerifyErrorKind::UnknownMap { imm }),
                Some(Some(m))
                    if matches!(src, LddwSrc::MapValue | LddwSrc::MapIdxValue)
                        && maps[m as usize].kind != MapKind::Array =>
                {
                    err(VerifyErrorKind::Unsupported {
                        what: "direct value access (lddw) into a map that is not an array (only arrays, such as global data, give their values' addresses)",
                    })
                }
                Some(Some(_)) => {}
                None if src == LddwSrc::Imm => {}
                None => err(VerifyErrorKind::Unsupported {
                    what: "lddw of a platform variable or code address",
                }),
            },
            Insn::LdAbs { .. } | Insn::LdInd { .. } if !prog.legacy_packet_loads => {
                err(VerifyErrorKind::Unsupported {
                    what: "legacy packet loads (ldabs/ldind) for this program type",
                })
            }
            _ => {}
        }
    }
    let (last_pc, last) = program.iter().last().expect("a program is never empty");
    if !matches!(last, Insn::Exit | Insn::Ja { .. } | Insn::Ja32 { .. }) {
        errors.push(VerifyError::new(last_pc, VerifyErrorKind::FallsOffEnd));
    }
    if errors.is_empty() {
        if let Err(e) = check_calls(program) {
            errors.push(e);
        }
    }
    errors
}

/// Successor slots of the instruction at `pc` inside its function (calls fall through).
pub(crate) fn intra_successors(insn: &Insn, pc: usize) -> ([Option<usize>; 2], bool) {
    let next = pc + insn.slots();
    match *insn {
        Insn::Exit => ([None, None], false),
        Insn::Ja { .. } | Insn::Ja32 { .. } => {
            ([insn.branch_target(pc).map(|t| t as usize), None], false)
        }
        Insn::Jmp { .. } | Insn::MayGoto { .. } => (
            [Some(next), insn.branch_target(pc).map(|t| t as usize)],
            false,
        ),
        Insn::Call(CallTarget::Local(_)) => ([Some(next), None], true),
        _ => ([Some(next), None], false),
    }
}

/// Finds local functions, rejects recursion and call chains deeper than [`MAX_FRAMES`].
fn check_calls(program: &Program) -> Result<(), VerifyError> {
    let slots = program.slot_count();
    let mut graph: DiGraph<usize, usize> = DiGraph::new();
    let mut node_of = vec![None::<NodeIndex>; slots];
    let entry = graph.add_node(0);
    node_of[0] = Some(entry);
    let mut work = vec![0usize];
    while let Some(f) = work.pop() {
        let fnode = node_of[f].expect("function node");
        // Explore the function's body.
        let mut seen = vec![false; slots];
        let mut stack = vec![f];
        while let Some(pc) = stack.pop() {
            if seen[pc] {
                continue;
            }
            seen[pc] = true;
            let insn = program.insn_at(pc).expect("a validated target");
            let (succ, is_call) = intra_successors(insn, pc);
            // A function whose address is taken is a callback, called from this function
            // (through a helper) as far as recursion and depth go.
            let callee = if is_call {
                insn.branch_target(pc).map(|t| t as usize)
            } else {
                code_addr_target(program, insn, pc)
            };
            if let Some(t) = callee {
                let callee = match node_of[t] {
                    Some(n) => n,
                    None => {
                        let n = graph.add_node(t);
                        node_of[t] = Some(n);
                        work.push(t);
                        n
                    }
                };
                graph.add_edge(fnode, callee, pc);
            }
            stack.extend(succ.into_iter().flatten().filter(|&s| s < slots));
        }
    }
    let order = petgraph::algo::toposort(&graph, None).map_err(|cycle| {
        let function = graph[cycle.node_id()];
        // Name a call site into the cycle.
        let pc = graph
            .edges_directed(cycle.node_id(), petgraph::Direction::Incoming)
            .map(|e| *e.weight())
            .min()
            .unwrap_or(function);
        VerifyError::new(pc, VerifyErrorKind::Recursion { function })
    })?;
    // Longest chain of frames from the entry.
    let mut frames = vec![0usize; graph.node_count()];
    frames[entry.index()] = 1;
    for n in order {
        let here = frames[n.index()];
        if here == 0 {
            continue;
        }
        for e in graph.edges_directed(n, petgraph::Direction::Outgoing) {
            use petgraph::visit::EdgeRef;
            let t = e.target().index();
            frames[t] = frames[t].max(here + 1);
            if frames[t] > MAX_FRAMES {
                return Err(VerifyError::new(
                    *e.weight(),
                    VerifyErrorKind::CallDepth {
                        frames: frames[t],
                        limit: MAX_FRAMES,
                    },
                ));
            }
        }
    }
    Ok(())
}
