//! `may_goto` (Linux's `BPF_JCOND`, opcode 0xe5 with `src` 0): decoding, the encodings the
//! decoder refuses (another `src`, a `dst` or `imm`, the JMP32 or BPF_X variants), the
//! assembler's syntax as LLVM 19 prints it, and the disassembler's labels.

use ebpf_isa::asm::assemble;
use ebpf_isa::disasm::disassemble;
use ebpf_isa::{decode, encode, DecodeErrorKind, Insn, Program, RawInsn, MAY_GOTO_BUDGET};

fn bytes(slots: &[RawInsn]) -> Vec<u8> {
    slots.iter().flat_map(|r| r.to_bytes()).collect()
}

#[test]
fn budget_is_linux_bpf_max_loops() {
    assert_eq!(MAY_GOTO_BUDGET, 0x80_0000);
}

#[test]
fn decodes_and_encodes_0xe5() {
    let raw = RawInsn::new(0xe5, 0, 0, -3, 0);
    assert_eq!(
        decode(&raw.to_bytes()).unwrap(),
        [Insn::MayGoto { off: -3 }]
    );
    assert_eq!(encode(&[Insn::MayGoto { off: -3 }]), raw.to_bytes());
    assert_eq!(Insn::MayGoto { off: 5 }.branch_target(10), Some(16));
}

#[test]
fn refuses_other_jcond_encodings_with_their_pc() {
    let exit = RawInsn::new(0x95, 0, 0, 0, 0);
    let cases = [
        (RawInsn::new(0xe5, 0, 1, 0, 0), "src 1"),
        (RawInsn::new(0xe5, 0, 15, 0, 0), "src 15"),
        (RawInsn::new(0xe5, 1, 0, 0, 0), "dst"),
        (RawInsn::new(0xe5, 0, 0, 0, 7), "imm"),
        (RawInsn::new(0xe6, 0, 0, 0, 0), "jmp32"),
        (RawInsn::new(0xed, 0, 0, 0, 0), "bpf_x"),
    ];
    for (bad, what) in cases {
        let e = decode(&bytes(&[exit, bad, exit])).unwrap_err();
        assert_eq!(e.index(), 1, "{what}: {e}");
        match what {
            "src 1" => assert_eq!(e.kind(), DecodeErrorKind::UnknownJcondKind { src: 1 }),
            "src 15" => assert_eq!(e.kind(), DecodeErrorKind::UnknownJcondKind { src: 15 }),
            "dst" | "imm" => assert!(
                matches!(e.kind(), DecodeErrorKind::ReservedNotZero { field, .. } if field == what),
                "{what}: {e}"
            ),
            _ => assert!(
                matches!(e.kind(), DecodeErrorKind::UnknownOpcode { .. }),
                "{what}: {e}"
            ),
        }
    }
    let e = decode(&RawInsn::new(0xe5, 0, 1, 0, 0).to_bytes()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "pc 0: jcond with unknown src 1 (only 0, may_goto, is defined)"
    );
}

#[test]
fn assembles_relative_and_label_targets() {
    let src = "mov %r0, 0\nloop:\nmay_goto done\nadd %r0, 1\nja loop\ndone:\nmay_goto +0\nexit\n";
    let insns = assemble(src).unwrap();
    assert_eq!(insns[1], Insn::MayGoto { off: 2 });
    assert_eq!(insns[4], Insn::MayGoto { off: 0 });
    assert_eq!(
        assemble("may_goto -1").unwrap(),
        [Insn::MayGoto { off: -1 }]
    );
    assert!(assemble("may_goto %r1, +1").is_err());
    assert!(assemble("may_goto +32768").is_err());
}

#[test]
fn disassembles_with_labels_and_back() {
    let insns = [Insn::MayGoto { off: 1 }, Insn::Ja { off: -2 }, Insn::Exit];
    let text = disassemble(&insns);
    assert_eq!(text, "L0:\nmay_goto L2\nja L0\nL2:\nexit\n");
    assert_eq!(assemble(&text).unwrap(), insns);
    assert_eq!(Insn::MayGoto { off: -7 }.to_string(), "may_goto -7");
}

#[test]
fn program_checks_the_target() {
    assert!(Program::from_insns([Insn::MayGoto { off: 0 }, Insn::Exit]).is_ok());
    let e = Program::from_insns([Insn::MayGoto { off: 1 }, Insn::Exit]).unwrap_err();
    assert_eq!(e.pc(), 0, "{e}");
}
