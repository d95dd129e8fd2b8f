//! Reference-tracked sockets for the soundness test: a generator of socket snippets (a
//! lookup with a tuple on the stack, maybe null-checked, a field read, a `skc_to_tcp_sock`
//! cast, zero, one or two releases) and the host's model of the helpers (`host.rs`). Reads
//! through a released socket are not caught by the model (the object stays readable); the
//! verifier's catalogue covers them.

use ebpf_isa::{AluOp, CallTarget, Insn, JmpCond, Operand, Reg, Size};
use proptest::prelude::*;

use super::{alu, Item};

mod host;
pub use host::{Sockets, IDS, SOCK_SIZE};

fn call(id: i32) -> Item {
    Item::I(Insn::Call(CallTarget::Helper(id)))
}

fn mov(dst: Reg, src: Reg) -> Item {
    Item::I(alu(AluOp::Mov, dst, Operand::Reg(src)))
}

fn movi(dst: Reg, imm: i32) -> Item {
    Item::I(alu(AluOp::Mov, dst, Operand::Imm(imm)))
}

/// A socket snippet; the socket stays in `r9` (no other snippet writes it).
pub fn snippet() -> impl Strategy<Value = Vec<Item>> {
    (
        prop::sample::select(vec![84, 85, 99]),
        prop::bool::weighted(0.9),
        prop::sample::select(vec![12, 12, 36, 8, 40]),
        prop::bool::weighted(0.85),
        prop::option::weighted(
            0.7,
            (
                prop::sample::select(vec![Size::W, Size::W, Size::H, Size::B, Size::DW]),
                prop::sample::select(vec![0i16, 4, 8, 44, 48, 49, 50, 72, 76, 78, 80]),
            ),
        ),
        prop::option::weighted(0.3, (prop::bool::weighted(0.8), prop::bool::weighted(0.2))),
        prop::sample::select(vec![1u8, 1, 1, 1, 1, 1, 0, 2]),
    )
        .prop_map(|(helper, init, size, checked, read, cast, releases)| {
            let mut head = Vec::new();
            if init {
                head.push(Item::I(Insn::St {
                    size: Size::DW,
                    dst: Reg::R10,
                    off: -16,
                    imm: 0,
                }));
                head.push(Item::I(Insn::St {
                    size: Size::W,
                    dst: Reg::R10,
                    off: -8,
                    imm: 0,
                }));
            }
            head.extend([
                mov(Reg::R1, Reg::R6),
                mov(Reg::R2, Reg::R10),
                Item::I(alu(AluOp::Add, Reg::R2, Operand::Imm(-16))),
                movi(Reg::R3, size),
                movi(Reg::R4, -1),
                movi(Reg::R5, 0),
                call(helper),
                mov(Reg::R9, Reg::R0),
            ]);
            let mut body = Vec::new();
            if let Some((size, off)) = read {
                body.push(Item::I(Insn::Ldx {
                    size,
                    dst: Reg::R2,
                    src: Reg::R9,
                    off,
                }));
            }
            if let Some((cast_checked, release_cast)) = cast {
                body.extend([mov(Reg::R1, Reg::R9), call(137)]);
                if cast_checked {
                    let mut then = Vec::new();
                    if release_cast {
                        then.extend([mov(Reg::R1, Reg::R0), call(86)]);
                    }
                    body.push(Item::Fwd {
                        cond: JmpCond::Eq,
                        width: ebpf_isa::Width::W64,
                        dst: Reg::R0,
                        src: Operand::Imm(0),
                        skip: then.len(),
                    });
                    body.extend(then);
                }
            }
            for _ in 0..releases {
                body.extend([mov(Reg::R1, Reg::R9), call(86)]);
            }
            if checked {
                head.push(Item::Fwd {
                    cond: JmpCond::Eq,
                    width: ebpf_isa::Width::W64,
                    dst: Reg::R9,
                    src: Operand::Imm(0),
                    skip: body.len(),
                });
            }
            head.extend(body);
            head
        })
}
