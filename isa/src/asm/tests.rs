use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use super::*;
use crate::insn::{
    AluOp, AtomicOp, ByteOrder, EndBits, JmpCond, LddwSrc, MovsxBits, Operand, Reg, Size, Width,
};

fn one(src: &str) -> Insn {
    let insns = assemble(src).unwrap_or_else(|e| panic!("{src}: {e}"));
    assert_eq!(insns.len(), 1, "{src}");
    insns[0]
}

fn err(src: &str) -> AsmError {
    assemble(src).expect_err(src)
}

#[test]
fn alu_forms_and_aliases() {
    let add = |width, src| Insn::Alu {
        width,
        op: AluOp::Add,
        dst: Reg::R1,
        src,
    };
    assert_eq!(one("add %r1, %r2"), add(Width::W64, Operand::Reg(Reg::R2)));
    assert_eq!(one("add64 r1, r2"), add(Width::W64, Operand::Reg(Reg::R2)));
    assert_eq!(one("add32 %r1, -5"), add(Width::W32, Operand::Imm(-5)));
    assert_eq!(one("add32 %r1, +0x10"), add(Width::W32, Operand::Imm(16)));
    assert_eq!(
        one("add %r1, 0xffffffff"),
        add(Width::W64, Operand::Imm(-1))
    );
    let sdiv = Insn::Alu {
        width: Width::W32,
        op: AluOp::SDiv,
        dst: Reg::R0,
        src: Operand::Imm(3),
    };
    assert_eq!(one("sdiv32 %r0, 3"), sdiv);
    assert_eq!(
        one("neg %r3"),
        Insn::Neg {
            width: Width::W64,
            dst: Reg::R3
        }
    );
    assert_eq!(
        one("neg64 %r3"),
        Insn::Neg {
            width: Width::W64,
            dst: Reg::R3
        }
    );
    assert_eq!(
        one("neg32 %r3"),
        Insn::Neg {
            width: Width::W32,
            dst: Reg::R3
        }
    );
    let movsx = Insn::Movsx {
        width: Width::W32,
        bits: MovsxBits::B16,
        dst: Reg::R0,
        src: Reg::R1,
    };
    assert_eq!(one("movsx1632 %r0, %r1"), movsx);
}

#[test]
fn byte_order_aliases() {
    let end = |order, bits| Insn::End {
        order,
        bits,
        dst: Reg::R2,
    };
    assert_eq!(one("le16 %r2"), end(ByteOrder::Le, EndBits::B16));
    assert_eq!(one("be64 %r2"), end(ByteOrder::Be, EndBits::B64));
    assert_eq!(one("bswap32 %r2"), end(ByteOrder::Swap, EndBits::B32));
    assert_eq!(one("swap32 %r2"), end(ByteOrder::Swap, EndBits::B32));
}

#[test]
fn memory_instructions() {
    assert_eq!(
        one("ldxdw %r0, [%r1+8]"),
        Insn::Ldx {
            size: Size::DW,
            dst: Reg::R0,
            src: Reg::R1,
            off: 8
        }
    );
    assert_eq!(
        one("ldxsh %r0, [%r1-2]"),
        Insn::Ldxs {
            size: Size::H,
            dst: Reg::R0,
            src: Reg::R1,
            off: -2
        }
    );
    assert_eq!(
        one("stb [%r10-1], 0x7f"),
        Insn::St {
            size: Size::B,
            dst: Reg::R10,
            off: -1,
            imm: 127
        }
    );
    assert_eq!(
        one("stxw [%r1], %r2"),
        Insn::Stx {
            size: Size::W,
            dst: Reg::R1,
            src: Reg::R2,
            off: 0
        }
    );
    assert_eq!(
        one("ldabsh 12"),
        Insn::LdAbs {
            size: Size::H,
            imm: 12
        }
    );
    assert_eq!(
        one("ldindw %r3, -4"),
        Insn::LdInd {
            size: Size::W,
            src: Reg::R3,
            imm: -4
        }
    );
    assert!(matches!(
        err("ldxsdw %r0, [%r1]").kind(),
        AsmErrorKind::UnknownMnemonic { .. }
    ));
    assert!(matches!(
        err("ldabsdw 1").kind(),
        AsmErrorKind::UnknownMnemonic { .. }
    ));
}

#[test]
fn atomics() {
    let atomic = |size, op, fetch| Insn::Atomic {
        size,
        op,
        fetch,
        dst: Reg::R10,
        src: Reg::R1,
        off: -8,
    };
    assert_eq!(
        one("lock add [%r10-8], %r1"),
        atomic(Size::DW, AtomicOp::Add, false)
    );
    assert_eq!(
        one("lock add32 [%r10-8], %r1"),
        atomic(Size::W, AtomicOp::Add, false)
    );
    assert_eq!(
        one("lock fetch xor [%r10-8], %r1"),
        atomic(Size::DW, AtomicOp::Xor, true)
    );
    assert_eq!(
        one("lock xchg32 [%r10-8], %r1"),
        atomic(Size::W, AtomicOp::Xchg, true)
    );
    assert_eq!(
        one("lock fetch cmpxchg [%r10-8], %r1"),
        atomic(Size::DW, AtomicOp::CmpXchg, true)
    );
    let e = err("lock nand [%r10-8], %r1");
    assert_eq!(e.to_string(), "line 1: unknown mnemonic `lock nand`");
    assert!(matches!(err("lock").kind(), AsmErrorKind::Syntax { .. }));
}

#[test]
fn lddw_kinds() {
    let lddw = |src, imm, next_imm| Insn::Lddw {
        dst: Reg::R1,
        src,
        imm,
        next_imm,
    };
    assert_eq!(
        one("lddw %r1, 0x1122334455667788"),
        lddw(LddwSrc::Imm, 0x5566_7788, 0x1122_3344)
    );
    assert_eq!(one("lddw %r1, -1"), lddw(LddwSrc::Imm, -1, -1));
    assert_eq!(one("lddw %r1, map_fd 3"), lddw(LddwSrc::MapFd, 3, 0));
    assert_eq!(
        one("lddw %r1, map_value 3, 16"),
        lddw(LddwSrc::MapValue, 3, 16)
    );
    assert_eq!(one("lddw %r1, var_addr 3"), lddw(LddwSrc::VarAddr, 3, 0));
    assert_eq!(one("lddw %r1, code_addr 3"), lddw(LddwSrc::CodeAddr, 3, 0));
    assert_eq!(one("lddw %r1, map_idx 3"), lddw(LddwSrc::MapIdx, 3, 0));
    assert_eq!(
        one("lddw %r1, map_idx_value 3, -4"),
        lddw(LddwSrc::MapIdxValue, 3, -4)
    );
    assert!(matches!(
        err("lddw %r1, map_fd 3, 4").kind(),
        AsmErrorKind::OperandCount { .. }
    ));
    assert!(matches!(
        err("lddw %r1, map_fd x").kind(),
        AsmErrorKind::BadOperand { .. }
    ));
    assert!(matches!(
        err("lddw %r1, 1, 2").kind(),
        AsmErrorKind::OperandCount { .. }
    ));
}

#[test]
fn calls() {
    assert_eq!(one("call 5"), Insn::Call(CallTarget::Helper(5)));
    assert_eq!(one("call helper 5"), Insn::Call(CallTarget::Helper(5)));
    assert_eq!(
        one("call bpf_map_lookup_elem#1"),
        Insn::Call(CallTarget::Helper(1))
    );
    assert!(matches!(
        err("call bpf_map_lookup_elem#").kind(),
        AsmErrorKind::BadOperand { .. }
    ));
    assert_eq!(one("call btf 123"), Insn::Call(CallTarget::Btf(123)));
    assert_eq!(one("call local +5"), Insn::Call(CallTarget::Local(5)));
    assert_eq!(one("call %r2"), Insn::Callx { reg: Reg::R2 });
    assert_eq!(one("callx %r2"), Insn::Callx { reg: Reg::R2 });
    assert!(matches!(
        err("call nowhere").kind(),
        AsmErrorKind::BadOperand { .. }
    ));
    assert!(matches!(
        err("call %r12").kind(),
        AsmErrorKind::BadRegister { .. }
    ));
}

#[test]
fn labels_resolve_forward_and_backward() {
    let src =
        "start: mov %r0, 0\nlddw %r1, 1\njeq %r0, 0, end\nja start\ncall local start\nend:\nexit\n";
    let insns = assemble(src).unwrap();
    let Insn::Jmp {
        off,
        cond: JmpCond::Eq,
        ..
    } = insns[2]
    else {
        panic!("{:?}", insns[2])
    };
    assert_eq!(off, 2); // jeq at pc 3, end at pc 6
    assert_eq!(insns[3], Insn::Ja { off: -5 });
    assert_eq!(insns[4], Insn::Call(CallTarget::Local(-6)));
}

#[test]
fn exit_names_the_first_exit_unless_defined() {
    let insns = assemble("jne %r0, 0, exit\nmov %r0, 1\nexit\nexit").unwrap();
    assert!(matches!(insns[0], Insn::Jmp { off: 1, .. }));
    let insns = assemble("ja exit\nexit\nexit:\nexit").unwrap();
    assert_eq!(insns[0], Insn::Ja { off: 1 });
    let e = err("mov %r0, 1\nja exit");
    assert_eq!(e.line(), 2);
    assert_eq!(
        e.kind(),
        &AsmErrorKind::UndefinedLabel {
            name: "exit".into()
        }
    );
}

#[test]
fn errors_name_the_line() {
    let e = err("mov %r0, 1\n\n# c\nfoo %r1");
    assert_eq!(e.line(), 4);
    assert_eq!(e.to_string(), "line 4: unknown mnemonic `foo`");
    let e = err("exit\nadd %r1");
    assert_eq!(e.line(), 2);
    assert_eq!(
        e.kind(),
        &AsmErrorKind::OperandCount {
            mnemonic: "add".into(),
            expected: "2",
            found: 1
        }
    );
    assert!(matches!(
        err("mov %r11, 1").kind(),
        AsmErrorKind::BadRegister { .. }
    ));
    assert!(matches!(
        err("mov 1, %r1").kind(),
        AsmErrorKind::BadOperand { position: 1, .. }
    ));
    assert!(matches!(
        err("mov %r1, 0x100000000").kind(),
        AsmErrorKind::NumberOutOfRange { .. }
    ));
    assert!(matches!(
        err("mov %r1, 12ab").kind(),
        AsmErrorKind::BadNumber { .. }
    ));
    assert!(matches!(
        err("ja nowhere").kind(),
        AsmErrorKind::UndefinedLabel { .. }
    ));
    let e = err("a:\nexit\na: exit");
    assert_eq!(e.line(), 3);
    assert_eq!(
        e.kind(),
        &AsmErrorKind::DuplicateLabel {
            name: "a".into(),
            first_line: 1
        }
    );
    assert!(matches!(err("1: exit").kind(), AsmErrorKind::Syntax { .. }));
    assert!(matches!(
        err("%r1: exit").kind(),
        AsmErrorKind::Syntax { .. }
    ));
    assert!(matches!(
        err("exit 1").kind(),
        AsmErrorKind::OperandCount { .. }
    ));
}

#[test]
fn jump_offsets_must_fit_their_field() {
    assert_eq!(one("ja +32767"), Insn::Ja { off: 32767 });
    assert_eq!(
        err("ja +32768").kind(),
        &AsmErrorKind::JumpOutOfRange {
            offset: 32768,
            bits: 16
        }
    );
    assert!(matches!(
        err("jeq %r1, 0, -32769").kind(),
        AsmErrorKind::JumpOutOfRange { .. }
    ));
    assert_eq!(one("ja32 -0x80000000"), Insn::Ja32 { imm: i32::MIN });
    assert!(matches!(
        err("ja32 +0x80000000").kind(),
        AsmErrorKind::JumpOutOfRange { bits: 32, .. }
    ));
    assert!(matches!(
        err("call local +0x80000000").kind(),
        AsmErrorKind::JumpOutOfRange { .. }
    ));

    let mut far = String::from("ja far\n");
    far.push_str(&"exit\n".repeat(40_000));
    far.push_str("far: exit\n");
    let e = err(&far);
    assert_eq!(e.line(), 1);
    assert_eq!(
        e.kind(),
        &AsmErrorKind::JumpOutOfRange {
            offset: 40_000,
            bits: 16
        }
    );
    let ok = assemble(&far.replacen("ja far", "ja32 far", 1)).unwrap();
    assert_eq!(ok[0], Insn::Ja32 { imm: 40_000 });
}

#[test]
fn odd_input_gives_errors_not_panics() {
    let inputs: Vec<&str> = vec![
        "",
        ":",
        "::",
        "a:b:",
        "[",
        "]",
        "lock fetch",
        "lock fetch fetch",
        "mov %r1, [",
        "ldxw %r1, [%r2+]",
        "ldxw %r1, [%r2+-3]",
        "ldxw %r1, [+3]",
        "call",
        "call local",
        "call btf",
        "lddw",
        "lddw %r1,",
        "lddw %r1, map_value",
        "jeq %r1, 1,",
        "ja -",
        "ja +",
        ",,,",
        "-",
        "0x",
        "mov %r1, -",
        "mov %r1, --1",
        "mov %r1, +-1",
        "ja 99999999999999999999999",
    ];
    for src in inputs {
        let _ = assemble(src);
    }
    // Comment and blank lines alone make an empty program.
    assert_eq!(
        assemble("# nothing\n\n   ; here\n// at all").unwrap(),
        Vec::new()
    );
    assert_eq!(
        assemble("exit\r\nexit\r\n").unwrap(),
        vec![Insn::Exit, Insn::Exit]
    );
}

#[test]
fn lddw_code_addr_takes_a_label() {
    let insns = assemble("lddw %r2, code_addr cb\nexit\ncb:\nexit\n").unwrap();
    // `cb` is slot 3, counted from the lddw's pc + 1 (as Linux counts, like a call).
    let expected = Insn::Lddw {
        dst: Reg::R2,
        src: LddwSrc::CodeAddr,
        imm: 2,
        next_imm: 0,
    };
    assert_eq!(insns[0], expected);
    let err = assemble("lddw %r2, code_addr nowhere\nexit\n").unwrap_err();
    assert!(err.to_string().contains("nowhere"), "{err}");
}
