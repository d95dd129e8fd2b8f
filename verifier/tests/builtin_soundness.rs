//! Soundness of the builtins (`memcpy`, `memmove`, `memset`, `memcmp` by their reserved helper
//! ids): random calls with their buffers on the stack, in a map value (writable or read-only
//! for programs), in the packet (after a bounds check of a random length, or none) or at the
//! context, at offsets around each region's edges, with constant or masked variable sizes and
//! number or pointer fill bytes, sometimes read through the returned pointer. Every accepted
//! program runs in the checked interpreter on packets of many lengths with a host implementing
//! the builtins exactly; a fault (a copy out of bounds, a write to a read-only value) is a
//! verifier bug.
//!
//! The platform is eBPF for Windows `xdp` (its context holds real 8-byte packet pointers).

use ebpf_interp::{Config, HelperError, Helpers, Memory, Program, Vm};
use ebpf_isa::{AluOp, CallTarget, Insn, JmpCond, LddwSrc, Operand, Reg, Size, Width};
use ebpf_verifier::platform::{BPF_F_RDONLY_PROG, BUILTIN_IDS};
use ebpf_verifier::{MapInfo, MapKind, WINDOWS};
use proptest::prelude::*;
use proptest::test_runner::{Config as PtConfig, TestRunner};

const VALUE: u32 = 24;
const MAP_RW: u64 = 0xdead_0001;
const MAP_RO: u64 = 0xdead_0002;

fn maps() -> [MapInfo; 2] {
    [
        MapInfo::new(1, MapKind::Array, 4, VALUE, 1),
        MapInfo {
            flags: BPF_F_RDONLY_PROG,
            ..MapInfo::new(2, MapKind::Array, 4, VALUE, 1)
        },
    ]
}

/// An instruction, or an exit of the program (`r0 = 0`) when a condition holds.
#[derive(Clone, Debug)]
enum Item {
    I(Insn),
    ExitIf(JmpCond, Reg, Operand),
}

fn mov(dst: Reg, src: Operand) -> Item {
    Item::I(Insn::Alu {
        width: Width::W64,
        op: AluOp::Mov,
        dst,
        src,
    })
}

fn alu(op: AluOp, dst: Reg, imm: i32) -> Item {
    Item::I(Insn::Alu {
        width: Width::W64,
        op,
        dst,
        src: Operand::Imm(imm),
    })
}

/// `dst` = a pointer into one region, at an offset near its edges: the stack (r10, mostly),
/// the map value (r9), the packet start (r7) or, rarely, the context (r6).
fn pointer(dst: Reg) -> impl Strategy<Value = Vec<Item>> {
    let at =
        move |base: Reg, off: i32| vec![mov(dst, Operand::Reg(base)), alu(AluOp::Add, dst, off)];
    prop_oneof![
        4 => (-84i32..4).prop_map(move |off| at(Reg::R10, off)),
        3 => (-3i32..VALUE as i32 + 3).prop_map(move |off| at(Reg::R9, off)),
        3 => (-2i32..42).prop_map(move |off| at(Reg::R7, off)),
        1 => (-4i32..36).prop_map(move |off| at(Reg::R6, off)),
    ]
}

/// r3 = a constant size, or a number of the context (random) masked and shifted.
fn size() -> impl Strategy<Value = Vec<Item>> {
    prop_oneof![
        (0i32..26).prop_map(|n| vec![mov(Reg::R3, Operand::Imm(n))]),
        (0usize..5, 0i32..5).prop_map(|(m, k)| vec![
            Item::I(Insn::Ldx {
                size: Size::W,
                dst: Reg::R3,
                src: Reg::R6,
                off: 24,
            }),
            alu(AluOp::And, Reg::R3, [3, 7, 15, 31, 63][m]),
            alu(AluOp::Add, Reg::R3, k),
        ]),
    ]
}

/// One builtin call, then perhaps a read through its result.
fn call() -> impl Strategy<Value = Vec<Item>> {
    (
        0u32..4,
        pointer(Reg::R1),
        pointer(Reg::R2),
        size(),
        0u8..4,
        any::<bool>(),
    )
        .prop_map(|(which, dst, src, size, fill, read_result)| {
            let mut v = dst;
            if which == 2 {
                // memset's fill: a number, or a pointer
                v.push(if fill == 0 {
                    mov(Reg::R2, Operand::Reg(Reg::R10))
                } else {
                    mov(Reg::R2, Operand::Imm(0x5a))
                });
            } else {
                v.extend(src);
            }
            v.extend(size);
            v.push(Item::I(Insn::Call(CallTarget::Helper(
                (BUILTIN_IDS.start + which) as i32,
            ))));
            if read_result && which != 3 {
                v.push(Item::I(Insn::Ldx {
                    size: Size::B,
                    dst: Reg::R0,
                    src: Reg::R0,
                    off: 0,
                }));
            }
            v
        })
}

/// A program: the packet bounds (checked for a random length or not), a lookup in the writable
/// or the read-only map (null-checked), some initialised stack, 1-4 builtin calls, and perhaps
/// a read of the stack they may have initialised.
fn program() -> impl Strategy<Value = Vec<Insn>> {
    (
        prop::option::of(0i32..40),
        prop::bool::weighted(0.2),
        prop::collection::vec(-11i32..0, 4..14),
        prop::collection::vec(call(), 1..3),
        prop::option::of(-10i32..0),
    )
        .prop_map(|(check, read_only, inits, calls, read)| {
            let mut items = vec![
                mov(Reg::R6, Operand::Reg(Reg::R1)),
                Item::I(Insn::Ldx {
                    size: Size::DW,
                    dst: Reg::R7,
                    src: Reg::R6,
                    off: 0,
                }),
                Item::I(Insn::Ldx {
                    size: Size::DW,
                    dst: Reg::R8,
                    src: Reg::R6,
                    off: 8,
                }),
            ];
            if let Some(len) = check {
                items.push(mov(Reg::R2, Operand::Reg(Reg::R7)));
                items.push(alu(AluOp::Add, Reg::R2, len));
                items.push(Item::ExitIf(JmpCond::Gt, Reg::R2, Operand::Reg(Reg::R8)));
            }
            items.push(mov(Reg::R1, Operand::Imm(0)));
            items.push(Item::I(Insn::Stx {
                size: Size::W,
                dst: Reg::R10,
                src: Reg::R1,
                off: -4,
            }));
            items.push(Item::I(Insn::Lddw {
                dst: Reg::R1,
                src: LddwSrc::MapFd,
                imm: if read_only { 2 } else { 1 },
                next_imm: 0,
            }));
            items.push(mov(Reg::R2, Operand::Reg(Reg::R10)));
            items.push(alu(AluOp::Add, Reg::R2, -4));
            items.push(Item::I(Insn::Call(CallTarget::Helper(1))));
            items.push(Item::ExitIf(JmpCond::Eq, Reg::R0, Operand::Imm(0)));
            items.push(mov(Reg::R9, Operand::Reg(Reg::R0)));
            for slot in inits {
                items.push(Item::I(Insn::Stx {
                    size: Size::DW,
                    dst: Reg::R10,
                    src: Reg::R7,
                    off: (slot * 8) as i16,
                }));
            }
            for c in calls {
                items.extend(c);
            }
            if let Some(slot) = read {
                items.push(Item::I(Insn::Ldx {
                    size: Size::DW,
                    dst: Reg::R0,
                    src: Reg::R10,
                    off: (slot * 8) as i16,
                }));
            }
            layout(&items)
        })
}

/// Lays the items out, followed by `r0 = 0; exit`, the target of every [`Item::ExitIf`].
fn layout(items: &[Item]) -> Vec<Insn> {
    let slots: Vec<i64> = items
        .iter()
        .map(|it| match it {
            Item::I(i) => i.slots() as i64,
            Item::ExitIf(..) => 1,
        })
        .collect();
    let end: i64 = slots.iter().sum();
    let mut pc = 0;
    let mut out = Vec::new();
    for (it, n) in items.iter().zip(&slots) {
        out.push(match it {
            Item::I(i) => *i,
            Item::ExitIf(cond, dst, src) => Insn::Jmp {
                width: Width::W64,
                cond: *cond,
                dst: *dst,
                src: *src,
                off: (end - pc - 1) as i16,
            },
        });
        pc += n;
    }
    out.push(Insn::Alu {
        width: Width::W64,
        op: AluOp::Mov,
        dst: Reg::R0,
        src: Operand::Imm(0),
    });
    out.push(Insn::Exit);
    out
}

/// Lookups hit the one value of each map; the builtins as `ebpf-kernel-host` runs them.
struct Host {
    values: [u64; 2],
}

impl Helpers for Host {
    fn call(&mut self, id: u32, a: [u64; 5], mem: &mut Memory<'_>) -> Result<u64, HelperError> {
        match id {
            1 => {
                mem.slice(a[1], 4)?;
                match a[0] {
                    MAP_RW => Ok(self.values[0]),
                    MAP_RO => Ok(self.values[1]),
                    _ => Err(HelperError::failed(1, "not a map")),
                }
            }
            _ if BUILTIN_IDS.contains(&id) => {
                let n = a[2] as usize;
                match id - BUILTIN_IDS.start {
                    0 | 1 => {
                        let bytes = mem.slice(a[1], n)?.to_vec();
                        mem.slice_mut(a[0], n)?.copy_from_slice(&bytes);
                        Ok(a[0])
                    }
                    2 => {
                        mem.slice_mut(a[0], n)?.fill(a[1] as u8);
                        Ok(a[0])
                    }
                    _ => {
                        let x = mem.slice(a[0], n)?.to_vec();
                        let y = mem.slice(a[1], n)?;
                        Ok(x.as_slice().cmp(y) as i64 as u64)
                    }
                }
            }
            _ => Err(HelperError::unknown(id)),
        }
    }

    fn lddw(
        &mut self,
        src: LddwSrc,
        imm: i32,
        _: i32,
        _: &mut Memory<'_>,
    ) -> Result<u64, HelperError> {
        match (src, imm) {
            (LddwSrc::MapFd, 1) => Ok(MAP_RW),
            (LddwSrc::MapFd, 2) => Ok(MAP_RO),
            _ => Err(HelperError::unknown(0)),
        }
    }
}

/// Runs `prog` on a packet of `len` bytes; the error names the fault.
fn run_once(prog: &Program, budget: u64, len: usize, seed: u64) -> Result<(), String> {
    let mut packet = vec![0x11u8; len];
    let mut rw = vec![0x22u8; VALUE as usize];
    let ro = vec![0x33u8; VALUE as usize];
    let mut mem = Memory::without_input();
    let start = mem.grant(&mut packet).unwrap();
    let values = [
        mem.grant(&mut rw).unwrap(),
        mem.grant_readonly(&ro).unwrap(),
    ];
    let mut ctx = [0u8; 32];
    ctx[..8].copy_from_slice(&start.to_le_bytes());
    ctx[8..16].copy_from_slice(&(start + len as u64).to_le_bytes());
    ctx[16..24].copy_from_slice(&start.to_le_bytes());
    ctx[24..28].copy_from_slice(&(seed as u32).wrapping_mul(0x9e37_79b9).to_le_bytes());
    let r1 = mem.set_input_readonly(&ctx);
    let mut host = Host { values };
    Vm::new(Config { budget })
        .run_in(prog, [r1, 0, 0, 0, 0], &mut mem, &mut host)
        .map(|_| ())
        .map_err(|f| format!("packet of {len} bytes, seed {seed}: {f}"))
}

#[test]
fn accepted_builtin_programs_never_fault() {
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
    let result = runner.run(&program(), |insns| {
        let valid = ebpf_isa::Program::from_insns(insns.as_slice()).expect("valid program");
        let Ok(v) = ebpf_verifier::verify(&valid, &WINDOWS, "xdp", &maps()) else {
            return Ok(());
        };
        accepted.set(accepted.get() + 1);
        let budget = v.instruction_bound();
        let prog = Program::new(v.into_runnable());
        for len in [0usize, 1, 8, 15, 16, 17, 39, 40, 64] {
            for seed in 0..4 {
                if let Err(e) = run_once(&prog, budget, len, seed) {
                    let text = ebpf_isa::disasm::disassemble(&insns);
                    return Err(TestCaseError::fail(format!(
                        "accepted program faults: {e}\n{text}"
                    )));
                }
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    eprintln!(
        "{} of {cases} random builtin programs accepted",
        accepted.get()
    );
    assert!(
        accepted.get() > cases / 40,
        "only {} of {cases} accepted",
        accepted.get()
    );
}
