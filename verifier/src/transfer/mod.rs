//! Transfer functions: what each instruction does to a [`State`], checking on the way what
//! must hold before it (each failed check is reported, then assumed, so that one cause gives
//! one error).
//!
//! Split by instruction class: [`alu`], [`jmp`], [`mem`], [`call`]; [`align`] keeps the
//! alignment of register values for all of them.

mod align;
mod alu;
mod builtin;
mod call;
mod callback;
mod jmp;
mod lock;
mod mem;
mod printf;
mod refs;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use ebpf_isa::{Insn, LddwSrc, Reg};

use crate::domain::{Interval, RegType, VarId};
use crate::error::{VerifyError, VerifyErrorKind};
use crate::lattice::Lattice;
use crate::platform::{
    ContextLayout, HelperId, MapInfo, Platform, ProgramType, BPF_F_RDONLY_PROG, BPF_F_WRONLY_PROG,
};
use crate::state::{var, State};
use crate::structure::lddw_map;

use crate::FrozenValue;
pub(crate) use callback::{again, calls_back, iterations};
pub(crate) use lock::lock_word_accesses;

/// What the analysis of one program knows besides the state.
pub(crate) struct Env<'a> {
    /// Slot of each node of the inlined graph.
    pub(crate) node_pcs: alloc::vec::Vec<usize>,
    /// Whether each node's innermost frame is a callback's (see [`callback`]).
    pub(crate) in_callback: alloc::vec::Vec<bool>,
    /// (helper call node, function) for callbacks that would be called recursively.
    pub(crate) recursive_callbacks: alloc::vec::Vec<(u32, usize)>,
    pub(crate) platform: &'a Platform,
    pub(crate) prog: &'a ProgramType,
    /// The program type's context (at the attach type, when it depends on it).
    pub(crate) context: &'a ContextLayout,
    /// The attach type the program is verified for, if given.
    pub(crate) attach: Option<&'static str>,
    pub(crate) maps: &'a [MapInfo],
    /// The values of frozen read-only maps.
    pub(crate) frozen: &'a [FrozenValue<'a>],
}

/// How the load at one pc read memory on every path of the checking pass, for the rewrite of
/// context pointer-field loads (kept only for layouts with a
/// [`HostContext`](crate::platform::HostContext)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LoadUse {
    /// No checked load seen.
    Unseen,
    /// A load of the context's pointer field `field`, to become an 8-byte load at `off` from
    /// the same base register.
    CtxPointer { field: &'static str, off: i16 },
    /// Any other load: what it read, for messages.
    Other(&'static str),
    /// Uses that cannot share one instruction, already reported.
    Conflict,
}

impl LoadUse {
    fn describe(self) -> String {
        match self {
            LoadUse::CtxPointer { field, .. } => format!("the context's `{field}` pointer"),
            LoadUse::Other(what) => String::from(what),
            LoadUse::Unseen | LoadUse::Conflict => String::from("nothing"),
        }
    }
}

/// What the checking pass records: failed checks, and each load's [`LoadUse`] by pc (empty
/// when the context has no pointer fields to rewrite).
pub(crate) struct Findings {
    pub(crate) errors: Vec<VerifyError>,
    pub(crate) loads: Vec<LoadUse>,
    /// The end of the furthest context bytes the program accesses directly.
    pub(crate) ctx_end: u32,
    /// The spin locks and the map value bytes the program accesses (see [`lock`]).
    pub(crate) locks: lock::LockUses,
}

/// One instruction's context: where it is, and where findings go (none while the fixpoint
/// iterates; the final pass records them).
pub(crate) struct Cx<'a, 'e> {
    pub(crate) env: &'a Env<'e>,
    pub(crate) pc: usize,
    pub(crate) node: u32,
    pub(crate) findings: Option<&'a mut Findings>,
}

impl Cx<'_, '_> {
    /// The slot of node `n`.
    pub(crate) fn pc_of_node(&self, n: u32) -> usize {
        self.env.node_pcs.get(n as usize).copied().unwrap_or(0)
    }

    /// Records a failed check.
    pub(crate) fn fail(&mut self, kind: VerifyErrorKind) {
        if let Some(f) = self.findings.as_deref_mut() {
            f.errors.push(VerifyError::new(self.pc, kind));
        }
    }

    /// Records a direct access to the context up to byte `end` (exclusive).
    pub(crate) fn note_ctx_end(&mut self, end: i64) {
        if let Some(f) = self.findings.as_deref_mut() {
            f.ctx_end = f.ctx_end.max(u32::try_from(end).unwrap_or(0));
        }
    }

    /// Records how this pc's load read memory on the current path; a context pointer-field
    /// load that another path makes read anything else is an error, since the rewritten
    /// instruction can serve only one of them.
    pub(crate) fn note_load(&mut self, now: LoadUse) {
        let pc = self.pc;
        let Some(f) = self.findings.as_deref_mut() else {
            return;
        };
        let Some(seen) = f.loads.get_mut(pc) else {
            return;
        };
        match (*seen, now) {
            (LoadUse::Unseen, _) => *seen = now,
            (LoadUse::Conflict, _) | (LoadUse::Other(_), LoadUse::Other(_)) => {}
            (a, b) if a == b => {}
            (a, b) => {
                *seen = LoadUse::Conflict;
                f.errors.push(VerifyError::new(
                    pc,
                    VerifyErrorKind::AmbiguousContextLoad {
                        first: a.describe(),
                        second: b.describe(),
                    },
                ));
            }
        }
    }

    /// Checks that `r` is initialised; if not, reports it and assumes an unknown number.
    pub(crate) fn require_init(&mut self, s: &mut State, r: Reg) -> bool {
        if s.ty(r) == RegType::Uninit {
            self.fail(VerifyErrorKind::UninitialisedRegister { reg: r });
            s.set(r, RegType::Num, Interval::TOP);
            return false;
        }
        true
    }

    /// Checks that `r` is a number; if not, reports it and assumes an unknown number.
    pub(crate) fn require_num(&mut self, s: &mut State, r: Reg, expected: &'static str) -> bool {
        if !self.require_init(s, r) {
            return false;
        }
        let t = s.ty(r);
        if t != RegType::Num {
            self.fail(VerifyErrorKind::TypeMismatch {
                reg: r,
                expected,
                found: t.describe(),
            });
            s.set(r, RegType::Num, Interval::TOP);
            return false;
        }
        true
    }
}

/// States after an instruction: `fall` for the next instruction (or a callee's entry, or the
/// caller after a return), `taken` for a jump's target.
#[derive(Clone)]
pub(crate) struct Post {
    pub(crate) fall: State,
    pub(crate) taken: State,
    /// After a helper call that calls back into the program: the callback's slot, whose
    /// first state is `taken`.
    pub(crate) callback: Option<u32>,
}

/// Applies `insn` to `s`.
pub(crate) fn step(cx: &mut Cx<'_, '_>, insn: &Insn, mut s: State) -> Post {
    if s.is_bottom() {
        return Post {
            fall: State::bottom(),
            taken: State::bottom(),
            callback: None,
        };
    }
    let mut taken = State::bottom();
    let mut callback = None;
    let writes = align::before(&s, insn);
    match *insn {
        Insn::Alu {
            width,
            op,
            dst,
            src,
        } => alu::alu(cx, &mut s, width, op, dst, src),
        Insn::Neg { width, dst } => alu::neg(cx, &mut s, width, dst),
        Insn::Movsx {
            width,
            bits,
            dst,
            src,
        } => alu::movsx(cx, &mut s, width, bits, dst, src),
        Insn::End { order, bits, dst } => alu::end(cx, &mut s, order, bits, dst),
        Insn::Ja { .. } | Insn::Ja32 { .. } => {
            taken = s;
            s = State::bottom();
        }
        // Either way, whatever the registers: the budget is not part of the state.
        Insn::MayGoto { .. } => taken = s.clone(),
        Insn::Jmp {
            width,
            cond,
            dst,
            src,
            ..
        } => {
            let (f, t) = jmp::jump(cx, s, width, cond, dst, src);
            s = f;
            taken = t;
        }
        Insn::Call(ebpf_isa::CallTarget::Helper(imm)) => {
            let id = HelperId::from_imm(imm);
            let h = cx.env.platform.helper_for(id, cx.env.prog);
            if let Some((pc, first)) = h.and_then(|h| callback::entry(cx, &s, h)) {
                taken = first;
                callback = Some(pc);
            }
            call::helper(cx, &mut s, id)
        }
        Insn::Call(ebpf_isa::CallTarget::Local(_)) => {
            lock::before(cx, &s, "a local function is called");
            call::enter(&mut s)
        }
        Insn::Call(ebpf_isa::CallTarget::Btf(_)) | Insn::Callx { .. } => {
            // Rejected by the structural checks.
            s = State::bottom();
        }
        Insn::Exit => {
            lock::before(cx, &s, "the function exits");
            s = if cx.env.in_callback.get(cx.node as usize) == Some(&true) {
                callback::exit(cx, s)
            } else {
                call::exit(cx, s)
            }
        }
        Insn::Lddw {
            dst,
            src,
            imm,
            next_imm,
        } => lddw(cx, &mut s, dst, src, imm, next_imm),
        Insn::Ldx {
            size,
            dst,
            src,
            off,
        } => mem::load(cx, &mut s, size, dst, src, off, false),
        Insn::Ldxs {
            size,
            dst,
            src,
            off,
        } => mem::load(cx, &mut s, size, dst, src, off, true),
        Insn::St {
            size,
            dst,
            off,
            imm,
        } => mem::store(cx, &mut s, size, dst, off, mem::Value::Imm(imm)),
        Insn::Stx {
            size,
            dst,
            src,
            off,
        } => mem::store(cx, &mut s, size, dst, off, mem::Value::Reg(src)),
        Insn::Atomic {
            size,
            op,
            fetch,
            dst,
            src,
            off,
        } => mem::atomic(cx, &mut s, size, op, fetch, dst, src, off),
        Insn::LdAbs { size, .. } => {
            lock::before(cx, &s, "a legacy packet load (which may exit)");
            taken = mem::legacy_load(cx, &mut s, size, None)
        }
        Insn::LdInd { size, src, .. } => {
            lock::before(cx, &s, "a legacy packet load (which may exit)");
            taken = mem::legacy_load(cx, &mut s, size, Some(src))
        }
    }
    s.check_bottom();
    taken.check_bottom();
    if !s.is_bottom() {
        align::after(&mut s, &writes);
    }
    if matches!(insn, Insn::LdAbs { .. } | Insn::LdInd { .. }) && !taken.is_bottom() {
        // The caller after the failed load's hidden return.
        align::after(&mut taken, &align::Writes::all());
    }
    Post {
        fall: s,
        taken,
        callback,
    }
}

/// What programs may not do with a map of `flags` ([`RegType::DENY_WRITE`],
/// [`RegType::DENY_READ`]).
pub(crate) fn deny_of(flags: u32) -> u8 {
    let mut deny = 0;
    if flags & BPF_F_RDONLY_PROG != 0 {
        deny |= RegType::DENY_WRITE;
    }
    if flags & BPF_F_WRONLY_PROG != 0 {
        deny |= RegType::DENY_READ;
    }
    deny
}

fn lddw(cx: &mut Cx<'_, '_>, s: &mut State, dst: Reg, src: LddwSrc, imm: i32, next_imm: i32) {
    if src == LddwSrc::Imm {
        let v = Insn::lddw_value(imm, next_imm) as i64;
        s.set(dst, RegType::Num, Interval::constant(v));
        return;
    }
    if src == LddwSrc::CodeAddr {
        // Checked by the structural checks to name an instruction.
        let pc = cx.pc as i64 + 1 + i64::from(imm);
        s.set(dst, RegType::Func { pc: pc as u32 }, Interval::TOP);
        return;
    }
    let Some(Some(map)) = lddw_map(src, imm, cx.env.maps) else {
        // Rejected by the structural checks.
        s.set(dst, RegType::Mixed, Interval::TOP);
        return;
    };
    match src {
        LddwSrc::MapFd | LddwSrc::MapIdx => {
            let m = cx.env.maps[map as usize];
            let ty = RegType::MapPtr {
                map,
                key_max: m.key_size,
                value_min: m.value_size,
                value_max: m.value_size,
                kinds: m.kind.bit(),
                deny: deny_of(m.flags),
            };
            s.set(dst, ty, Interval::TOP);
            s.num.forget(VarId::reg(dst.num()));
        }
        _ => {
            let m = cx.env.maps[map as usize];
            let ty = RegType::MapValue {
                size: m.value_size,
                alloc: 0,
                deny: deny_of(m.flags),
                map,
            };
            s.set(dst, ty, Interval::constant(next_imm.into()));
        }
    }
    let _ = var(dst);
}
