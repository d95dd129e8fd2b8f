//! Differential test of the interpreter against Linux: the same programs are loaded with
//! `bpf(BPF_PROG_LOAD)` as socket filters and run with `BPF_PROG_TEST_RUN`; r0 must agree.
//!
//! Each program runs as a subprogram of a small wrapper that zeroes r1-r5, calls it, and returns
//! either r0's low or its high 32 bits (the kernel reports a 32-bit return value), so both
//! engines see the same registers and the full 64-bit result is compared. Programs that need
//! input memory, helpers or legacy packet loads are not applicable; programs the Linux verifier
//! refuses (division by an immediate zero, more than 512 bytes of stack across frames, ...) are
//! counted and skipped. Skips with a message when this machine refuses `bpf()` (not root, or
//! `bpf()` not available).

use std::path::{Path, PathBuf};

use ebpf_cli::data::{Expect, ProgramText, TestCase};
use ebpf_interp::{Config, NoHelpers, Program, Vm};
use ebpf_isa::{AluOp, CallTarget, Insn, LddwSrc, Operand, Reg, Width};
use proptest::prelude::*;
use proptest::test_runner::{Config as PropConfig, TestRunner};

mod common;

use common::bpf;

/// Why Linux could not give an answer for a program.
enum NoAnswer {
    Refused(String),
    Failed(String),
}

fn mov(dst: Reg, imm: i32) -> Insn {
    Insn::Alu {
        width: Width::W64,
        op: AluOp::Mov,
        dst,
        src: Operand::Imm(imm),
    }
}

/// `prog` as a subprogram of a wrapper that zeroes r1-r5 and returns r0's low (`high = false`)
/// or high 32 bits.
fn wrapped(prog: &[Insn], high: bool) -> Vec<u8> {
    let mut insns: Vec<Insn> = [Reg::R1, Reg::R2, Reg::R3, Reg::R4, Reg::R5]
        .map(|r| mov(r, 0))
        .into();
    insns.push(Insn::Call(CallTarget::Local(2)));
    let shift = if high { 32 } else { 0 };
    insns.push(Insn::Alu {
        width: Width::W64,
        op: AluOp::Rsh,
        dst: Reg::R0,
        src: Operand::Imm(shift),
    });
    insns.push(Insn::Exit);
    insns.extend_from_slice(prog);
    ebpf_isa::encode(&insns)
}

/// r0 of `prog` on Linux, from two runs (low and high halves).
fn on_linux(prog: &[Insn]) -> Result<u64, NoAnswer> {
    let mut halves = [0u32; 2];
    for (i, high) in [false, true].into_iter().enumerate() {
        let fd = bpf::prog_load(bpf::SOCKET_FILTER, 0, &wrapped(prog, high), "GPL")
            .map_err(NoAnswer::Refused)?;
        halves[i] = bpf::test_run(&fd).map_err(NoAnswer::Failed)?;
    }
    Ok(u64::from(halves[1]) << 32 | u64::from(halves[0]))
}

/// r0 of `prog` on our interpreter with r1-r5 = 0 and no memory.
fn on_interp(prog: &[Insn]) -> Result<u64, String> {
    let program = Program::from_insns(prog).map_err(|e| e.to_string())?;
    Vm::new(Config::default())
        .run_with_args(&program, [0; 5], &mut [], &mut NoHelpers)
        .map(|o| o.r0)
        .map_err(|f| f.to_string())
}

/// Whether the kernel can run `prog` the way the interpreter does without memory or helpers.
fn applicable(prog: &[Insn]) -> bool {
    prog.iter().all(|i| match i {
        Insn::Call(CallTarget::Local(_)) => true,
        Insn::Call(_) | Insn::Callx { .. } | Insn::LdAbs { .. } | Insn::LdInd { .. } => false,
        Insn::Lddw { src, .. } => *src == LddwSrc::Imm,
        _ => true,
    })
}

#[derive(Default)]
struct Tally {
    equal: usize,
    refused: Vec<String>,
    not_applicable: usize,
    mismatches: Vec<String>,
}

fn compare_dir(dir: &Path, tally: &mut Tally) {
    for path in ebpf_cli::conformance::data_files(dir).unwrap() {
        let case = TestCase::load(&path).unwrap();
        let Ok(ProgramText::Insns(prog)) = case.program() else {
            continue;
        };
        if !case.mem.is_empty() || matches!(case.expect, Expect::Error(_)) || !applicable(&prog) {
            tally.not_applicable += 1;
            continue;
        }
        match (on_linux(&prog), on_interp(&prog)) {
            (Ok(theirs), Ok(ours)) if theirs == ours => tally.equal += 1,
            (Ok(theirs), ours) => tally.mismatches.push(format!(
                "{}: linux r0 = {theirs:#x}, ours {ours:x?}",
                case.name
            )),
            (Err(NoAnswer::Refused(why)), _) => tally.refused.push(format!("{}: {why}", case.name)),
            (Err(NoAnswer::Failed(e)), _) => tally
                .mismatches
                .push(format!("{}: test run failed: {e}", case.name)),
        }
    }
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn test_vectors_agree_with_linux() {
    if !bpf::available("cli/linux_diff/test_vectors_agree_with_linux") {
        return;
    }
    let mut dirs = vec![repo().join("tests/corpus")];
    if let Some(shared) = common::conformance_dir(
        "cli/linux_diff/test_vectors_agree_with_linux (bpf_conformance part)",
    ) {
        dirs.push(shared);
    }
    let mut tally = Tally::default();
    for dir in &dirs {
        compare_dir(dir, &mut tally);
    }
    println!(
        "linux differential: {} equal, {} refused by the Linux verifier, {} not applicable",
        tally.equal,
        tally.refused.len(),
        tally.not_applicable
    );
    for why in &tally.refused {
        println!("  refused by Linux: {why}");
    }
    assert!(tally.mismatches.is_empty(), "{:#?}", tally.mismatches);
    assert!(tally.equal >= 40, "only {} vectors compared", tally.equal);
}

/// Straight-line ALU code over initialised registers with forward jumps: every ALU form of
/// both widths (division and shifts by registers included), movsx, byte swaps, and jumps.
fn alu_program() -> impl Strategy<Value = Vec<Insn>> {
    let reg = (0u8..10).prop_map(|n| Reg::new(n).unwrap());
    let ops = proptest::sample::select(vec![
        AluOp::Add,
        AluOp::Sub,
        AluOp::Mul,
        AluOp::Div,
        AluOp::SDiv,
        AluOp::Or,
        AluOp::And,
        AluOp::Lsh,
        AluOp::Rsh,
        AluOp::Mod,
        AluOp::SMod,
        AluOp::Xor,
        AluOp::Mov,
        AluOp::Arsh,
    ]);
    let width = prop_oneof![Just(Width::W32), Just(Width::W64)];
    let special =
        proptest::sample::select(vec![0i32, 1, -1, 31, 32, 63, i32::MIN, i32::MAX, 0x8000]);
    let imm = prop_oneof![special, any::<i32>()];
    let step = (any::<u8>(), width, ops, reg.clone(), reg, imm, 1u8..4);
    (
        prop::collection::vec(any::<i64>(), 10),
        prop::collection::vec(step, 1..40),
    )
        .prop_map(|(init, steps)| {
            let mut insns: Vec<Insn> = (0..10)
                .map(|r| Insn::Lddw {
                    dst: Reg::new(r as u8).unwrap(),
                    src: LddwSrc::Imm,
                    imm: init[r] as i32,
                    next_imm: (init[r] >> 32) as i32,
                })
                .collect();
            let n = steps.len();
            for (i, (kind, width, op, dst, src, imm, skip)) in steps.into_iter().enumerate() {
                let insn = match kind % 8 {
                    // Immediate shifts must be in range for Linux; division by an immediate 0 too.
                    0..=2 => {
                        let imm = match op {
                            AluOp::Lsh | AluOp::Rsh | AluOp::Arsh => {
                                imm.rem_euclid(if width == Width::W32 { 32 } else { 64 })
                            }
                            AluOp::Div | AluOp::SDiv | AluOp::Mod | AluOp::SMod if imm == 0 => 7,
                            _ => imm,
                        };
                        Insn::Alu {
                            width,
                            op,
                            dst,
                            src: Operand::Imm(imm),
                        }
                    }
                    3..=5 => Insn::Alu {
                        width,
                        op,
                        dst,
                        src: Operand::Reg(src),
                    },
                    6 => ebpf_isa::asm::assemble(&format!(
                        "{} %r{}",
                        ["be16", "be32", "be64", "bswap16", "le32", "bswap64"]
                            [imm.rem_euclid(6) as usize],
                        dst.num()
                    ))
                    .unwrap()[0],
                    _ if i + 1 < n => {
                        let cond = [
                            "jeq", "jne", "jgt", "jge", "jlt", "jle", "jsgt", "jsge", "jslt",
                            "jsle", "jset",
                        ][imm.rem_euclid(11) as usize];
                        let w = if kind & 0x80 != 0 { "32" } else { "" };
                        let skip = skip.min((n - i - 1) as u8);
                        ebpf_isa::asm::assemble(&format!(
                            "{cond}{w} %r{}, %r{}, +{skip}",
                            dst.num(),
                            src.num()
                        ))
                        .unwrap()[0]
                    }
                    _ => Insn::Neg { width, dst },
                };
                insns.push(insn);
            }
            insns.push(Insn::Exit);
            insns
        })
}

#[test]
fn random_alu_programs_agree_with_linux() {
    if !bpf::available("cli/linux_diff/random_alu_programs_agree_with_linux") {
        return;
    }
    let mut runner = TestRunner::new(PropConfig {
        cases: 400,
        failure_persistence: None,
        ..PropConfig::default()
    });
    let refused = std::cell::Cell::new(0usize);
    let compared = std::cell::Cell::new(0usize);
    runner
        .run(&alu_program(), |prog| {
            let ours = on_interp(&prog).map_err(TestCaseError::fail)?;
            match on_linux(&prog) {
                Ok(theirs) => {
                    compared.set(compared.get() + 1);
                    prop_assert_eq!(
                        theirs,
                        ours,
                        "program:\n{}",
                        ebpf_isa::disasm::disassemble(&prog)
                    );
                }
                Err(NoAnswer::Refused(_)) => refused.set(refused.get() + 1),
                Err(NoAnswer::Failed(e)) => return Err(TestCaseError::fail(e)),
            }
            Ok(())
        })
        .unwrap();
    let (compared, refused) = (compared.get(), refused.get());
    println!("random ALU programs: {compared} equal to Linux, {refused} refused by its verifier");
    assert!(
        compared >= 300,
        "only {compared} of 400 programs were accepted by Linux"
    );
}
