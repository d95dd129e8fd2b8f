//! The alignment of register values through instructions ([`State::align`]): what an
//! instruction does to the power of two its destination is known to be a multiple of. One
//! place decides it for every instruction, before and after its transfer function, so that no
//! register write keeps a stale alignment.

use ebpf_isa::{AluOp, AtomicOp, CallTarget, Insn, Operand, Reg, Width};

use crate::state::State;

/// The registers an instruction writes, and the alignment of the one it computes.
pub(super) struct Writes {
    /// The destination of an arithmetic instruction and its alignment.
    computed: Option<(Reg, u8)>,
    /// Registers written with unknown alignment (bit per register).
    unknown: u16,
}

const SCRATCH: u16 = 0b11_1111; // r0-r5
const CALLEE_SAVED: u16 = 0b11_1100_0000; // r6-r9
const R10: u16 = 1 << 10;

fn bit(r: Reg) -> u16 {
    1 << r.index()
}

fn trailing(v: i64) -> u8 {
    v.trailing_zeros().min(64) as u8
}

/// What `insn` writes, from the state before it.
impl Writes {
    /// Every register written with an unknown alignment (a return into the caller).
    pub(super) fn all() -> Writes {
        Writes {
            computed: None,
            unknown: SCRATCH | CALLEE_SAVED | R10,
        }
    }
}

pub(super) fn before(s: &State, insn: &Insn) -> Writes {
    let mut w = Writes {
        computed: None,
        unknown: 0,
    };
    match *insn {
        Insn::Alu {
            width,
            op,
            dst,
            src,
        } => w.computed = Some((dst, alu(s, width, op, dst, src))),
        Insn::Neg { width, dst } => w.computed = Some((dst, cap(width, s.alignment(dst)))),
        Insn::Movsx { dst, .. }
        | Insn::End { dst, .. }
        | Insn::Ldx { dst, .. }
        | Insn::Ldxs { dst, .. }
        | Insn::Lddw { dst, .. } => w.unknown = bit(dst),
        Insn::Call(CallTarget::Local(_)) => w.unknown = CALLEE_SAVED | R10,
        Insn::Call(_) | Insn::Callx { .. } | Insn::LdAbs { .. } | Insn::LdInd { .. } => {
            w.unknown = SCRATCH
        }
        // Back in the caller: r0 is the callee's; the rest are restored or clobbered.
        Insn::Exit => w.unknown = (SCRATCH & !bit(Reg::R0)) | CALLEE_SAVED | R10,
        Insn::Atomic { op, fetch, src, .. } => {
            if op == AtomicOp::CmpXchg {
                w.unknown = bit(Reg::R0);
            } else if fetch || op == AtomicOp::Xchg {
                w.unknown = bit(src);
            }
        }
        Insn::St { .. } | Insn::Stx { .. } | Insn::Jmp { .. } | Insn::Ja { .. } => {}
        Insn::Ja32 { .. } | Insn::MayGoto { .. } => {}
    }
    w
}

/// Records the writes `w` in the state after the instruction.
pub(super) fn after(s: &mut State, w: &Writes) {
    for i in 0..11 {
        if w.unknown & (1 << i) != 0 {
            s.align[i] = 0;
        }
    }
    if let Some((r, a)) = w.computed {
        s.align[r.index()] = a;
    }
}

/// A 32-bit result keeps at most 32 known low zero bits.
fn cap(width: Width, a: u8) -> u8 {
    match width {
        Width::W64 => a,
        Width::W32 => a.min(32),
    }
}

/// The alignment of `dst op src`.
fn alu(s: &State, width: Width, op: AluOp, dst: Reg, src: Operand) -> u8 {
    let b = match src {
        Operand::Reg(r) => s.alignment(r),
        Operand::Imm(k) => match width {
            Width::W64 => trailing(k.into()),
            Width::W32 => trailing((k as u32).into()),
        },
    };
    let a = s.alignment(dst);
    let bits = match width {
        Width::W64 => 64,
        Width::W32 => 32,
    };
    let r = match op {
        AluOp::Mov => b,
        AluOp::Add | AluOp::Sub | AluOp::Or | AluOp::Xor => a.min(b),
        AluOp::And => a.max(b),
        AluOp::Mul => a.saturating_add(b).min(64),
        // The count is masked to the width; a shift never removes low zero bits.
        AluOp::Lsh => {
            let count = match src {
                Operand::Imm(k) => Some(i64::from(k)),
                Operand::Reg(r) => s.interval(r).singleton(),
            };
            count.map_or(a, |k| a.saturating_add((k as u64 % bits) as u8).min(64))
        }
        _ => 0,
    };
    cap(width, r)
}
