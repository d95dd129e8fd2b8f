//! Shared test helpers: proptest strategies for valid instructions and programs, and the
//! location of the bpf_conformance corpus.

#![allow(dead_code)]

use std::path::PathBuf;

use ebpf_isa::{
    AluOp, AtomicOp, ByteOrder, CallTarget, EndBits, Insn, JmpCond, LddwSrc, MovsxBits, Operand,
    Reg, Size, Width,
};
use proptest::prelude::*;
use proptest::sample::{select, Index};

pub fn reg() -> impl Strategy<Value = Reg> {
    (0u8..=10).prop_map(|n| Reg::new(n).expect("0-10 are registers"))
}

pub fn width() -> impl Strategy<Value = Width> {
    prop_oneof![Just(Width::W32), Just(Width::W64)]
}

/// Small values (the common case, and the decimal form of the disassembler) and any value.
pub fn imm() -> impl Strategy<Value = i32> {
    prop_oneof![-300i32..300, any::<i32>()]
}

pub fn off() -> impl Strategy<Value = i16> {
    prop_oneof![-64i16..64, any::<i16>()]
}

pub fn operand() -> impl Strategy<Value = Operand> {
    prop_oneof![reg().prop_map(Operand::Reg), imm().prop_map(Operand::Imm)]
}

fn size_bhw() -> impl Strategy<Value = Size> {
    select(vec![Size::B, Size::H, Size::W])
}

const LDDW_SRCS: [LddwSrc; 7] = [
    LddwSrc::Imm,
    LddwSrc::MapFd,
    LddwSrc::MapValue,
    LddwSrc::VarAddr,
    LddwSrc::CodeAddr,
    LddwSrc::MapIdx,
    LddwSrc::MapIdxValue,
];

const ATOMIC_OPS: [AtomicOp; 6] = [
    AtomicOp::Add,
    AtomicOp::Or,
    AtomicOp::And,
    AtomicOp::Xor,
    AtomicOp::Xchg,
    AtomicOp::CmpXchg,
];

fn alu_like() -> impl Strategy<Value = Insn> {
    prop_oneof![
        (width(), select(AluOp::ALL.to_vec()), reg(), operand()).prop_map(
            |(width, op, dst, src)| Insn::Alu {
                width,
                op,
                dst,
                src
            }
        ),
        (width(), reg()).prop_map(|(width, dst)| Insn::Neg { width, dst }),
        (
            select(vec![
                (MovsxBits::B8, Width::W64),
                (MovsxBits::B16, Width::W64),
                (MovsxBits::B32, Width::W64),
                (MovsxBits::B8, Width::W32),
                (MovsxBits::B16, Width::W32),
            ]),
            reg(),
            reg()
        )
            .prop_map(|((bits, width), dst, src)| Insn::Movsx {
                width,
                bits,
                dst,
                src
            }),
        (
            select(vec![ByteOrder::Le, ByteOrder::Be, ByteOrder::Swap]),
            select(vec![EndBits::B16, EndBits::B32, EndBits::B64]),
            reg()
        )
            .prop_map(|(order, bits, dst)| Insn::End { order, bits, dst }),
    ]
}

fn control() -> impl Strategy<Value = Insn> {
    prop_oneof![
        off().prop_map(|off| Insn::Ja { off }),
        off().prop_map(|off| Insn::MayGoto { off }),
        imm().prop_map(|imm| Insn::Ja32 { imm }),
        (
            width(),
            select(JmpCond::ALL.to_vec()),
            reg(),
            operand(),
            off()
        )
            .prop_map(|(width, cond, dst, src, off)| Insn::Jmp {
                width,
                cond,
                dst,
                src,
                off
            }),
        imm().prop_map(|id| Insn::Call(CallTarget::Helper(id))),
        imm().prop_map(|off| Insn::Call(CallTarget::Local(off))),
        imm().prop_map(|id| Insn::Call(CallTarget::Btf(id))),
        reg().prop_map(|reg| Insn::Callx { reg }),
        Just(Insn::Exit),
    ]
}

fn memory() -> impl Strategy<Value = Insn> {
    prop_oneof![
        (
            reg(),
            select(LDDW_SRCS.to_vec()),
            any::<i32>(),
            any::<i32>()
        )
            .prop_map(|(dst, src, imm, next_imm)| {
                let next_imm = match src {
                    LddwSrc::MapFd | LddwSrc::MapIdx => 0,
                    _ => next_imm,
                };
                Insn::Lddw {
                    dst,
                    src,
                    imm,
                    next_imm,
                }
            }),
        (select(Size::ALL.to_vec()), reg(), reg(), off()).prop_map(|(size, dst, src, off)| {
            Insn::Ldx {
                size,
                dst,
                src,
                off,
            }
        }),
        (size_bhw(), reg(), reg(), off()).prop_map(|(size, dst, src, off)| Insn::Ldxs {
            size,
            dst,
            src,
            off
        }),
        (select(Size::ALL.to_vec()), reg(), off(), imm()).prop_map(|(size, dst, off, imm)| {
            Insn::St {
                size,
                dst,
                off,
                imm,
            }
        }),
        (select(Size::ALL.to_vec()), reg(), reg(), off()).prop_map(|(size, dst, src, off)| {
            Insn::Stx {
                size,
                dst,
                src,
                off,
            }
        }),
        (
            select(vec![Size::W, Size::DW]),
            select(ATOMIC_OPS.to_vec()),
            any::<bool>(),
            reg(),
            reg(),
            off()
        )
            .prop_map(|(size, op, fetch, dst, src, off)| {
                let fetch = fetch || matches!(op, AtomicOp::Xchg | AtomicOp::CmpXchg);
                Insn::Atomic {
                    size,
                    op,
                    fetch,
                    dst,
                    src,
                    off,
                }
            }),
        (size_bhw(), imm()).prop_map(|(size, imm)| Insn::LdAbs { size, imm }),
        (size_bhw(), reg(), imm()).prop_map(|(size, src, imm)| Insn::LdInd { size, src, imm }),
    ]
}

/// Any instruction the decoder can produce.
pub fn insn() -> impl Strategy<Value = Insn> {
    prop_oneof![alu_like(), control(), memory()]
}

/// Programs of valid instructions whose jumps and local calls all land on instruction starts.
pub fn program() -> impl Strategy<Value = Vec<Insn>> {
    (
        prop::collection::vec(insn(), 1..40),
        prop::collection::vec(any::<Index>(), 40),
    )
        .prop_map(|(mut insns, picks)| {
            let mut pcs = Vec::with_capacity(insns.len());
            let mut pc = 0usize;
            for insn in &insns {
                pcs.push(pc);
                pc += insn.slots();
            }
            for (i, insn) in insns.iter_mut().enumerate() {
                let target = pcs[picks[i].index(pcs.len())] as i64;
                let rel = target - (pcs[i] as i64 + 1);
                match insn {
                    Insn::Ja { off } | Insn::Jmp { off, .. } | Insn::MayGoto { off } => {
                        *off = rel as i16
                    }
                    Insn::Ja32 { imm } | Insn::Call(CallTarget::Local(imm)) => *imm = rel as i32,
                    _ => {}
                }
            }
            insns
        })
}

/// The bpf_conformance `tests/` directory, from `BPF_CONFORMANCE_DIR` or next to the repo.
pub fn conformance_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("BPF_CONFORMANCE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/bpf_conformance/tests")
        }
    };
    dir.is_dir().then_some(dir)
}
