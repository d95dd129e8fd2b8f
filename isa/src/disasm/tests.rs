use alloc::string::ToString;
use alloc::vec;

use super::*;
use crate::asm::assemble;
use crate::insn::{AluOp, AtomicOp, EndBits, JmpCond, MovsxBits};

#[test]
fn single_instructions() {
    let cases = [
        (
            Insn::Alu {
                width: Width::W32,
                op: AluOp::Add,
                dst: Reg::R1,
                src: Operand::Imm(-5),
            },
            "add32 %r1, -5",
        ),
        (
            Insn::Alu {
                width: Width::W64,
                op: AluOp::And,
                dst: Reg::R1,
                src: Operand::Imm(0x00ff_0000),
            },
            "and %r1, 0xff0000",
        ),
        (
            Insn::Alu {
                width: Width::W64,
                op: AluOp::Mov,
                dst: Reg::R0,
                src: Operand::Imm(i32::MIN),
            },
            "mov %r0, -0x80000000",
        ),
        (
            Insn::Alu {
                width: Width::W64,
                op: AluOp::SMod,
                dst: Reg::R0,
                src: Operand::Reg(Reg::R9),
            },
            "smod %r0, %r9",
        ),
        (
            Insn::Neg {
                width: Width::W32,
                dst: Reg::R2,
            },
            "neg32 %r2",
        ),
        (
            Insn::Movsx {
                width: Width::W64,
                bits: MovsxBits::B32,
                dst: Reg::R0,
                src: Reg::R1,
            },
            "movsx3264 %r0, %r1",
        ),
        (
            Insn::End {
                order: ByteOrder::Swap,
                bits: EndBits::B16,
                dst: Reg::R3,
            },
            "bswap16 %r3",
        ),
        (
            Insn::End {
                order: ByteOrder::Be,
                bits: EndBits::B64,
                dst: Reg::R3,
            },
            "be64 %r3",
        ),
        (Insn::Ja { off: 3 }, "ja +3"),
        (Insn::Ja { off: 0 }, "ja +0"),
        (Insn::Ja32 { imm: -2 }, "ja32 -2"),
        (Insn::MayGoto { off: 4 }, "may_goto +4"),
        (Insn::MayGoto { off: -3 }, "may_goto -3"),
        (
            Insn::Jmp {
                width: Width::W32,
                cond: JmpCond::Sle,
                dst: Reg::R1,
                src: Operand::Reg(Reg::R2),
                off: -1,
            },
            "jsle32 %r1, %r2, -1",
        ),
        (Insn::Call(CallTarget::Helper(5)), "call 5"),
        (Insn::Call(CallTarget::Local(5)), "call local +5"),
        (Insn::Call(CallTarget::Btf(77)), "call btf 77"),
        (Insn::Callx { reg: Reg::R2 }, "callx %r2"),
        (Insn::Exit, "exit"),
        (
            Insn::Lddw {
                dst: Reg::R0,
                src: LddwSrc::Imm,
                imm: 0x5566_7788,
                next_imm: 0x1122_3344,
            },
            "lddw %r0, 0x1122334455667788",
        ),
        (
            Insn::Lddw {
                dst: Reg::R1,
                src: LddwSrc::MapFd,
                imm: 3,
                next_imm: 0,
            },
            "lddw %r1, map_fd 3",
        ),
        (
            Insn::Lddw {
                dst: Reg::R1,
                src: LddwSrc::MapValue,
                imm: 3,
                next_imm: 0,
            },
            "lddw %r1, map_value 3, 0",
        ),
        (
            Insn::Lddw {
                dst: Reg::R1,
                src: LddwSrc::VarAddr,
                imm: 3,
                next_imm: 0,
            },
            "lddw %r1, var_addr 3",
        ),
        (
            Insn::Ldx {
                size: Size::B,
                dst: Reg::R0,
                src: Reg::R1,
                off: 0,
            },
            "ldxb %r0, [%r1]",
        ),
        (
            Insn::Ldxs {
                size: Size::W,
                dst: Reg::R0,
                src: Reg::R10,
                off: -8,
            },
            "ldxsw %r0, [%r10-8]",
        ),
        (
            Insn::St {
                size: Size::DW,
                dst: Reg::R1,
                off: 16,
                imm: 1,
            },
            "stdw [%r1+16], 1",
        ),
        (
            Insn::Stx {
                size: Size::H,
                dst: Reg::R1,
                src: Reg::R2,
                off: 2,
            },
            "stxh [%r1+2], %r2",
        ),
        (
            Insn::Atomic {
                size: Size::W,
                op: AtomicOp::Add,
                fetch: true,
                dst: Reg::R10,
                src: Reg::R1,
                off: -4,
            },
            "lock fetch add32 [%r10-4], %r1",
        ),
        (
            Insn::Atomic {
                size: Size::DW,
                op: AtomicOp::CmpXchg,
                fetch: true,
                dst: Reg::R10,
                src: Reg::R1,
                off: -8,
            },
            "lock cmpxchg [%r10-8], %r1",
        ),
        (
            Insn::LdAbs {
                size: Size::B,
                imm: 12,
            },
            "ldabsb 12",
        ),
        (
            Insn::LdInd {
                size: Size::H,
                src: Reg::R3,
                imm: 2,
            },
            "ldindh %r3, 2",
        ),
    ];
    for (insn, text) in cases {
        assert_eq!(insn.to_string(), text);
        assert_eq!(assemble(text).unwrap(), vec![insn], "{text}");
    }
}

#[test]
fn golden_program_with_labels() {
    let src = "\
mov %r0, 0
lddw %r1, 0x100000000
loop:
jeq %r1, 0, done
sub %r1, 1
call local double
ja loop
done:
exit
double:
add %r0, %r0
exit
";
    let prog = assemble(src).unwrap();
    let expected = "\
mov %r0, 0
lddw %r1, 0x100000000
L3:
jeq %r1, 0, L7
sub %r1, 1
call local fn_8
ja L3
L7:
exit
fn_8:
add %r0, %r0
exit
";
    assert_eq!(disassemble(&prog), expected);
    assert_eq!(assemble(expected).unwrap(), prog);

    let lines = listing(&prog);
    assert_eq!(lines.len(), prog.len());
    assert_eq!(
        lines[2],
        Line {
            pc: 3,
            label: Some("L3".into()),
            text: "jeq %r1, 0, L7".into()
        }
    );
    assert_eq!(lines[7].pc, 8);
    assert_eq!(lines[7].label.as_deref(), Some("fn_8"));
    assert_eq!(lines[0].label, None);
}

#[test]
fn targets_outside_the_program_stay_numeric() {
    let prog = vec![
        Insn::Ja { off: 6 },
        Insn::Lddw {
            dst: Reg::R0,
            src: LddwSrc::Imm,
            imm: 1,
            next_imm: 0,
        },
        Insn::Ja { off: -3 },
        Insn::Jmp {
            width: Width::W64,
            cond: JmpCond::Ne,
            dst: Reg::R0,
            src: Operand::Imm(0),
            off: -3,
        },
        Insn::Call(CallTarget::Local(-100)),
        Insn::Exit,
    ];
    // pc 0 -> 7 (past the end), pc 3 -> 1 (an lddw start), pc 4 -> 2 (inside the lddw).
    let expected = "\
ja +6
L1:
lddw %r0, 0x1
ja L1
jne %r0, 0, -3
call local -100
exit
";
    assert_eq!(disassemble(&prog), expected);
    assert_eq!(assemble(expected).unwrap(), prog);
}

#[test]
fn a_pc_both_jumped_to_and_called_gets_one_function_label() {
    let prog = vec![
        Insn::Call(CallTarget::Local(0)),
        Insn::Ja { off: -1 },
        Insn::Exit,
    ];
    assert_eq!(
        disassemble(&prog),
        "call local fn_1\nfn_1:\nja fn_1\nexit\n"
    );
}

#[test]
fn helper_calls_are_named_when_the_table_knows_them() {
    let prog = vec![
        Insn::Call(CallTarget::Helper(1)),
        Insn::Call(CallTarget::Helper(9999)),
        Insn::Call(CallTarget::Btf(1)),
        Insn::Exit,
    ];
    let names = |id: i32| (id == 1).then_some("bpf_map_lookup_elem");
    let text = disassemble_with(&prog, &names);
    assert_eq!(
        text,
        "call bpf_map_lookup_elem#1\ncall 9999\ncall btf 1\nexit\n"
    );
    // The named form assembles back to the same program; without a table, ids stay numeric.
    assert_eq!(assemble(&text).unwrap(), prog);
    assert_eq!(disassemble(&prog), "call 1\ncall 9999\ncall btf 1\nexit\n");
    assert_eq!(
        listing_with(&prog, &names)[0].text,
        "call bpf_map_lookup_elem#1"
    );
}
