//! Soundness of the alignment the verifier proves for atomics: random arithmetic (shifts,
//! products, masks, sums, joins of paths) computes an offset; an atomic at that offset into
//! the stack is accepted only when every offset it can have is a multiple of the access size.
//! Every accepted program runs on many inputs and returns the offset, which must be aligned
//! whenever the atomic ran (the interpreter does not fault on misaligned atomics, so the test
//! checks the offset itself).

use ebpf_interp::{Config, Memory, NoHelpers, Program, Vm};
use ebpf_isa::{AluOp, AtomicOp, Insn, JmpCond, Operand, Reg, Size, Width};
use proptest::prelude::*;
use proptest::test_runner::{Config as PtConfig, TestRunner};

/// The registers the arithmetic works on; r1 is the offset.
const REGS: [Reg; 3] = [Reg::R1, Reg::R4, Reg::R5];

/// Most offset the atomic takes, from `r10 - 64`.
const SPAN: i32 = 56;

#[derive(Clone, Debug)]
enum Step {
    Op(Insn),
    /// Skip the next `n` steps when `r4 > k`.
    Skip(u8, i32),
}

fn reg() -> impl Strategy<Value = Reg> {
    prop::sample::select(REGS.to_vec())
}

fn imm() -> impl Strategy<Value = i32> {
    prop_oneof![
        3 => prop::sample::select(vec![0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, -4, -8, -16, 0x18, 0x1c, 0x38, 0x3f]),
        1 => any::<i32>(),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    let ops = prop::sample::select(vec![
        AluOp::Mov,
        AluOp::Add,
        AluOp::Sub,
        AluOp::Mul,
        AluOp::And,
        AluOp::Or,
        AluOp::Xor,
        AluOp::Lsh,
        AluOp::Rsh,
        AluOp::Div,
        AluOp::Mod,
    ]);
    prop_oneof![
        6 => (ops, prop::bool::weighted(0.2), reg(), prop::option::weighted(0.3, reg()), imm())
            .prop_map(|(op, w32, dst, src, k)| {
                let src = match (op, src) {
                    (AluOp::Lsh | AluOp::Rsh, None) => Operand::Imm(k & 7),
                    (_, Some(r)) => Operand::Reg(r),
                    (_, None) => Operand::Imm(k),
                };
                Step::Op(Insn::Alu {
                    width: if w32 { Width::W32 } else { Width::W64 },
                    op,
                    dst,
                    src,
                })
            }),
        1 => reg().prop_map(|dst| Step::Op(Insn::Neg { width: Width::W64, dst })),
        2 => (1u8..4, 0i32..200).prop_map(|(n, k)| Step::Skip(n, k)),
    ]
}

/// The program: r1, r4, r5 from context bytes, the steps, `filler` instructions that leave
/// them alone (past the reach of the fixpoint's path-sensitivity, so paths join), then an
/// atomic of `size` at `r10 - 64 + r1` when `r1 <= 56`, and `r0 = r1`.
fn program(steps: &[Step], filler: usize, size: Size) -> Vec<Insn> {
    let mut insns: Vec<Insn> = vec![Insn::Alu {
        width: Width::W64,
        op: AluOp::Mov,
        dst: Reg::R6,
        src: Operand::Reg(Reg::R1),
    }];
    for off in (-64..0).step_by(8) {
        insns.push(Insn::St {
            size: Size::DW,
            dst: Reg::R10,
            off,
            imm: 0,
        });
    }
    for (dst, size, off) in [
        (Reg::R1, Size::B, 24),
        (Reg::R4, Size::B, 25),
        (Reg::R5, Size::H, 26),
    ] {
        insns.push(Insn::Ldx {
            size,
            dst,
            src: Reg::R6,
            off,
        });
    }
    // Small offsets, so that the atomic often runs.
    insns.push(Insn::Alu {
        width: Width::W64,
        op: AluOp::And,
        dst: Reg::R1,
        src: Operand::Imm(63),
    });
    for (i, s) in steps.iter().enumerate() {
        match *s {
            Step::Op(insn) => insns.push(insn),
            Step::Skip(n, k) => {
                // Over the next n steps (each one instruction), at most to the end.
                let n = usize::from(n).min(steps.len() - i - 1);
                insns.push(Insn::Jmp {
                    width: Width::W64,
                    cond: JmpCond::Gt,
                    dst: Reg::R4,
                    src: Operand::Imm(k),
                    off: n as i16,
                });
            }
        }
    }
    for _ in 0..filler {
        insns.push(Insn::Alu {
            width: Width::W64,
            op: AluOp::Mov,
            dst: Reg::R3,
            src: Operand::Imm(0),
        });
    }
    let tail = [
        Insn::Jmp {
            width: Width::W64,
            cond: JmpCond::Gt,
            dst: Reg::R1,
            src: Operand::Imm(SPAN),
            off: 5,
        },
        Insn::Alu {
            width: Width::W64,
            op: AluOp::Mov,
            dst: Reg::R2,
            src: Operand::Reg(Reg::R10),
        },
        Insn::Alu {
            width: Width::W64,
            op: AluOp::Add,
            dst: Reg::R2,
            src: Operand::Imm(-64),
        },
        Insn::Alu {
            width: Width::W64,
            op: AluOp::Add,
            dst: Reg::R2,
            src: Operand::Reg(Reg::R1),
        },
        Insn::Alu {
            width: Width::W64,
            op: AluOp::Mov,
            dst: Reg::R3,
            src: Operand::Imm(1),
        },
        Insn::Atomic {
            size,
            op: AtomicOp::Add,
            fetch: false,
            dst: Reg::R2,
            src: Reg::R3,
            off: 0,
        },
        Insn::Alu {
            width: Width::W64,
            op: AluOp::Mov,
            dst: Reg::R0,
            src: Operand::Reg(Reg::R1),
        },
        Insn::Exit,
    ];
    insns.extend(tail);
    insns
}

#[test]
fn accepted_atomics_are_aligned() {
    let cases = std::env::var("SOUNDNESS_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let mut runner = TestRunner::new(PtConfig {
        cases,
        failure_persistence: None,
        ..PtConfig::default()
    });
    let accepted = std::cell::Cell::new(0u32);
    let reached = std::cell::Cell::new(0u32);
    let programs = (
        prop::collection::vec(step(), 1..8),
        prop::bool::ANY,
        prop::bool::ANY,
    );
    runner
        .run(&programs, |(steps, wide, join)| {
            let size = if wide { Size::DW } else { Size::W };
            let insns = program(&steps, if join { 10 } else { 0 }, size);
            let valid = ebpf_isa::Program::from_insns(insns.as_slice()).unwrap();
            let Ok(v) = ebpf_verifier::verify(&valid, &ebpf_verifier::WINDOWS, "xdp", &[]) else {
                return Ok(());
            };
            accepted.set(accepted.get() + 1);
            let prog = Program::new(v.into_runnable());
            let mut x = 0x9e37_79b9_7f4a_7c15u64;
            for _ in 0..32 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let mut ctx = [0u8; 32];
                ctx[24..32].copy_from_slice(&x.to_le_bytes());
                let mut mem = Memory::without_input();
                let r1 = mem.set_input_readonly(&ctx);
                let mut vm = Vm::new(Config { budget: 1000 });
                let out = vm
                    .run_in(&prog, [r1, 0, 0, 0, 0], &mut mem, &mut NoHelpers)
                    .map_err(|f| TestCaseError::fail(format!("{f}")))?;
                if out.r0 <= SPAN as u64 {
                    reached.set(reached.get() + 1);
                    let n = size.bytes() as u64;
                    if out.r0 % n != 0 {
                        return Err(TestCaseError::fail(format!(
                            "accepted an atomic of {n} bytes at offset {} (context {x:#x}):\n{}",
                            out.r0,
                            ebpf_isa::disasm::disassemble(&insns)
                        )));
                    }
                }
            }
            Ok(())
        })
        .unwrap();
    eprintln!(
        "{} of {cases} programs accepted, the atomic ran {} times",
        accepted.get(),
        reached.get()
    );
    assert!(
        accepted.get() > cases / 20,
        "only {} accepted",
        accepted.get()
    );
}
