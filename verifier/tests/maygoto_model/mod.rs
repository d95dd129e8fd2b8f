//! `may_goto` loops for the soundness generator (`tests/soundness.rs`): loops whose only exit
//! is a `may_goto` (each frame falls through at most [`ebpf_isa::MAY_GOTO_BUDGET`] of them,
//! then the `may_goto` jumps out), a counted loop a `may_goto` may also leave early, and an
//! endless loop nested in another (the inner one spends the frame's budget, so the outer one's
//! `may_goto` leaves at once). Bodies are tiny (a counter step, a packet read or a stack
//! write at an index masked to 0-7), as an accepted program runs up to 8 Mi rounds on every
//! input of the soundness runs.

use ebpf_isa::{AluOp, Insn, JmpCond, Operand, Reg, Size};
use proptest::prelude::*;

use super::{alu, reg, Item};

/// A loop body: `c` is the loop's counter, `p` a register that may hold a packet pointer.
fn body(kind: u8, c: Reg, p: Reg, k: i32) -> Vec<Item> {
    let i = Item::I;
    match kind {
        // The counter alone.
        0 => vec![i(alu(AluOp::Add, c, Operand::Imm(1)))],
        // A byte of the packet at p + (c & 7): safe only after a bounds check of p + 8.
        1 => vec![
            i(alu(AluOp::Add, c, Operand::Imm(1))),
            i(alu(AluOp::Mov, Reg::R9, Operand::Reg(c))),
            i(alu(AluOp::And, Reg::R9, Operand::Imm(7))),
            i(alu(AluOp::Add, Reg::R9, Operand::Reg(p))),
            i(Insn::Ldx {
                size: Size::B,
                dst: Reg::R5,
                src: Reg::R9,
                off: 0,
            }),
        ],
        // A stack byte at r10 - 1 - (c & 7) written with k.
        _ => vec![
            i(alu(AluOp::Add, c, Operand::Imm(1))),
            i(alu(AluOp::Mov, Reg::R9, Operand::Reg(c))),
            i(alu(AluOp::And, Reg::R9, Operand::Imm(7))),
            i(alu(AluOp::Mov, Reg::R5, Operand::Reg(Reg::R10))),
            i(alu(AluOp::Sub, Reg::R5, Operand::Reg(Reg::R9))),
            i(Insn::St {
                size: Size::B,
                dst: Reg::R5,
                off: -1,
                imm: k,
            }),
        ],
    }
}

/// `c = 0; L: may_goto out; body; goto L; out:`.
fn endless(c: Reg, body: Vec<Item>) -> Vec<Item> {
    let b = body.len();
    let mut v = vec![
        Item::I(alu(AluOp::Mov, c, Operand::Imm(0))),
        Item::MayGoto { skip: b + 1 },
    ];
    v.extend(body);
    v.push(Item::JaBack { back: b + 1 });
    v
}

/// `c = 0; L: may_goto out; body; c += 1; if c < k goto L; out:` (signed or not).
fn counted(c: Reg, body: Vec<Item>, k: i32, signed: bool) -> Vec<Item> {
    let b = body.len();
    let mut v = vec![
        Item::I(alu(AluOp::Mov, c, Operand::Imm(0))),
        Item::MayGoto { skip: b + 2 },
    ];
    v.extend(body);
    v.push(Item::I(alu(AluOp::Add, c, Operand::Imm(1))));
    v.push(Item::Back {
        cond: if signed { JmpCond::Slt } else { JmpCond::Lt },
        dst: c,
        src: Operand::Imm(k),
        back: b + 2,
    });
    v
}

/// `c = 0; d = 0; L: may_goto out; M: may_goto next; c += 1; goto M; next: d += 1;
/// goto L; out:`.
fn nested(c: Reg, d: Reg) -> Vec<Item> {
    let i = Item::I;
    vec![
        i(alu(AluOp::Mov, c, Operand::Imm(0))),
        i(alu(AluOp::Mov, d, Operand::Imm(0))),
        Item::MayGoto { skip: 5 },
        Item::MayGoto { skip: 2 },
        i(alu(AluOp::Add, c, Operand::Imm(1))),
        Item::JaBack { back: 2 },
        i(alu(AluOp::Add, d, Operand::Imm(1))),
        Item::JaBack { back: 5 },
    ]
}

/// One `may_goto` loop, its counter and body random.
pub fn may_goto_loop() -> impl Strategy<Value = Vec<Item>> {
    (reg(), reg(), 0u8..3, 1i32..8, prop::bool::ANY, 0u8..4).prop_map(
        |(c, p, kind, k, signed, shape)| match shape {
            0 | 1 => endless(c, body(kind, c, p, k)),
            2 => counted(c, body(kind, c, p, k), k, signed),
            _ => nested(c, p),
        },
    )
}
