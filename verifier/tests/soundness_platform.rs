//! Soundness of the platform model: random Linux programs of several program and attach types
//! (`fuzz_harness/platform.rs`: xdp plain, devmap and cpumap; tc; cgroup_skb; lwt; sk_skb;
//! sk_msg; sk_reuseport; sock_addr at the v4, v6 and sendmsg hooks; sock at creation and
//! post_bind; sockopt get and set; sock_ops; kprobe; perf_event) use their context's fields at offsets near each field's edges, the
//! packet, and maps of every kind the platform models through the helpers that take them
//! (lookups and direct value access, updates, push, pop and peek, tail calls, perf event
//! output, stack ids, cgroup tests, `redirect_map`, socket redirects and reuseport selection,
//! ring buffer output), with
//! the right map most of the time and any other some of the time. Every accepted one runs in
//! the concrete model, which faults on a helper given a map of a kind it does not take, and
//! checks that the run neither depends on context bytes unreadable at its attach type nor
//! changes bytes unwritable there. An accepted program that fails is a verifier bug.
//!
//! `SOUNDNESS_CASES=N` sets the number of programs (default 3000).

#[path = "fuzz_harness/platform.rs"]
mod model;

use ebpf_interp::Program;
use ebpf_isa::{AluOp, AtomicOp, CallTarget, Insn, JmpCond, LddwSrc, Operand, Reg, Size, Width};
use model::{Scenario, SCENARIOS};
use proptest::prelude::*;
use proptest::test_runner::{Config as PtConfig, TestRunner};

/// A piece of program: an instruction, or a jump forward over the next `skip` items.
#[derive(Clone, Debug)]
enum Item {
    I(Insn),
    Skip {
        cond: JmpCond,
        dst: Reg,
        imm: i32,
        skip: usize,
    },
}

use Item::I;

fn alu(op: AluOp, dst: Reg, src: Operand) -> Insn {
    Insn::Alu {
        width: Width::W64,
        op,
        dst,
        src,
    }
}

fn mov(dst: Reg, imm: i32) -> Item {
    I(alu(AluOp::Mov, dst, Operand::Imm(imm)))
}

fn mov_reg(dst: Reg, src: Reg) -> Item {
    I(alu(AluOp::Mov, dst, Operand::Reg(src)))
}

fn stack_ptr(dst: Reg, off: i32) -> [Item; 2] {
    [
        mov_reg(dst, Reg::R10),
        I(alu(AluOp::Add, dst, Operand::Imm(off))),
    ]
}

fn lddw(dst: Reg, fd: i32) -> Item {
    I(Insn::Lddw {
        dst,
        src: LddwSrc::MapFd,
        imm: fd,
        next_imm: 0,
    })
}

fn call(id: i32) -> Item {
    I(Insn::Call(CallTarget::Helper(id)))
}

fn size() -> impl Strategy<Value = Size> {
    prop::sample::select(Size::ALL.to_vec())
}

/// `r7 ^= what was loaded`, or a store, at `base + off`.
fn access(base: Reg, off: i16, size: Size, how: u8) -> Vec<Item> {
    match how {
        0 | 1 => vec![
            I(Insn::Ldx {
                size,
                dst: Reg::R2,
                src: base,
                off,
            }),
            I(alu(AluOp::Xor, Reg::R7, Operand::Reg(Reg::R2))),
        ],
        2 => vec![I(Insn::St {
            size,
            dst: base,
            off,
            imm: 0x5b,
        })],
        3 => vec![I(Insn::Stx {
            size,
            dst: base,
            src: Reg::R7,
            off,
        })],
        _ => vec![I(Insn::Atomic {
            size: if size == Size::DW { Size::DW } else { Size::W },
            op: AtomicOp::Add,
            fetch: false,
            dst: base,
            src: Reg::R7,
            off,
        })],
    }
}

/// A context access near a field of the layout.
fn ctx_access(s: &Scenario) -> impl Strategy<Value = Vec<Item>> {
    let layout = s.context();
    let fields: Vec<(u32, u32)> = layout.fields.iter().map(|f| (f.offset, f.size)).collect();
    (
        prop::sample::select(fields),
        prop::sample::select(vec![0i64, 0, 0, -1, 1, 2, 4]),
        size(),
        0u8..5,
        prop::bool::weighted(0.3),
    )
        .prop_map(|((off, fsize), delta, sz, how, whole)| {
            let size = if whole {
                match fsize {
                    1 => Size::B,
                    2 => Size::H,
                    4 => Size::W,
                    _ => Size::DW,
                }
            } else {
                sz
            };
            access(Reg::R6, (i64::from(off) + delta) as i16, size, how)
        })
}

/// A packet access after a bounds check (for layouts with a packet).
fn packet_access(s: &Scenario) -> impl Strategy<Value = Vec<Item>> {
    let layout = s.context();
    let psize = if layout.pointer_size == 4 {
        Size::W
    } else {
        Size::DW
    };
    let (data, end) = (layout.data, layout.data_end);
    (
        0i32..40,
        -2i16..40,
        size(),
        0u8..4,
        prop::bool::weighted(0.9),
    )
        .prop_map(move |(k, off, sz, how, checked)| {
            let (Some(data), Some(end)) = (data, end) else {
                return vec![];
            };
            let mut v = vec![
                I(Insn::Ldx {
                    size: psize,
                    dst: Reg::R8,
                    src: Reg::R6,
                    off: data as i16,
                }),
                I(Insn::Ldx {
                    size: psize,
                    dst: Reg::R3,
                    src: Reg::R6,
                    off: end as i16,
                }),
                mov_reg(Reg::R4, Reg::R8),
                I(alu(AluOp::Add, Reg::R4, Operand::Imm(k))),
            ];
            let body = access(Reg::R8, off, sz, how);
            if checked {
                v.push(I(Insn::Jmp {
                    width: Width::W64,
                    cond: JmpCond::Gt,
                    dst: Reg::R4,
                    src: Operand::Reg(Reg::R3),
                    off: body.len() as i16 + body.iter().filter(|i| is_lddw(i)).count() as i16,
                }));
            }
            v.extend(body);
            v
        })
}

fn is_lddw(i: &Item) -> bool {
    matches!(i, I(Insn::Lddw { .. }))
}

/// The fd an operation's own map kind has (most of the time) or any map.
fn fd_for(right: &'static [i32]) -> impl Strategy<Value = i32> {
    prop_oneof![
        6 => prop::sample::select(right.to_vec()),
        4 => 1..=model::MAPS,
    ]
}

/// The helpers of `list` that programs of `s` may call (all of them when none may, so that the
/// strategy is not empty).
fn callable(s: &Scenario, list: &[(i32, i32)]) -> Vec<(i32, i32)> {
    let t = ebpf_verifier::LINUX.program_type(s.prog_type).unwrap();
    let ok: Vec<(i32, i32)> = list
        .iter()
        .copied()
        .filter(|&(id, _)| {
            ebpf_verifier::LINUX
                .helper_for(ebpf_verifier::HelperId(id as u32), t)
                .is_some()
        })
        .collect();
    if ok.is_empty() {
        list.to_vec()
    } else {
        ok
    }
}

/// A map operation through the helper that takes the map's kind (among those the program
/// type may call).
fn map_op(s: &Scenario) -> impl Strategy<Value = Vec<Item>> {
    use model::*;
    let lookup = (
        fd_for(&[HASH, ARRAY, LPM, DEVMAP, RDONLY]),
        prop::bool::weighted(0.85),
        -2i16..20,
        size(),
        0u8..5,
    )
        .prop_map(|(fd, check, off, sz, how)| {
            let mut v = vec![lddw(Reg::R1, fd)];
            v.extend(stack_ptr(Reg::R2, -8));
            v.push(call(1));
            let body = access(Reg::R0, off, sz, how);
            if check {
                v.push(Item::Skip {
                    cond: JmpCond::Eq,
                    dst: Reg::R0,
                    imm: 0,
                    skip: body.len(),
                });
            }
            v.extend(body);
            v
        });
    let nested = (
        fd_for(&[ARRAY_OF_MAPS, HASH_OF_MAPS]),
        prop::bool::weighted(0.85),
        -2i16..20,
        size(),
        0u8..5,
    )
        .prop_map(|(fd, check, off, sz, how)| {
            let mut inner = vec![mov_reg(Reg::R1, Reg::R0)];
            inner.extend(stack_ptr(Reg::R2, -8));
            inner.push(call(1));
            let body = access(Reg::R0, off, sz, how);
            inner.push(Item::Skip {
                cond: JmpCond::Eq,
                dst: Reg::R0,
                imm: 0,
                skip: body.len(),
            });
            inner.extend(body);
            let mut v = vec![lddw(Reg::R1, fd)];
            v.extend(stack_ptr(Reg::R2, -8));
            v.push(call(1));
            if check {
                v.push(Item::Skip {
                    cond: JmpCond::Eq,
                    dst: Reg::R0,
                    imm: 0,
                    skip: inner.len(),
                });
            }
            v.extend(inner);
            v
        });
    let direct = (
        fd_for(&[ARRAY, RDONLY]),
        0i32..20,
        -2i16..20,
        size(),
        0u8..5,
    )
        .prop_map(|(fd, k, off, sz, how)| {
            let mut v = vec![I(Insn::Lddw {
                dst: Reg::R8,
                src: LddwSrc::MapValue,
                imm: fd,
                next_imm: k,
            })];
            v.extend(access(Reg::R8, off, sz, how));
            v
        });
    let update = (fd_for(&[HASH, ARRAY, LPM, RDONLY]), prop::bool::ANY).prop_map(|(fd, del)| {
        let mut v = vec![lddw(Reg::R1, fd)];
        v.extend(stack_ptr(Reg::R2, -8));
        if del {
            v.push(call(3));
        } else {
            v.extend(stack_ptr(Reg::R3, -32));
            v.push(mov(Reg::R4, 0));
            v.push(call(2));
        }
        v.push(I(alu(AluOp::Add, Reg::R7, Operand::Reg(Reg::R0))));
        v
    });
    let queue = (fd_for(&[QUEUE, STACK, BLOOM]), 0u8..3, -2i16..10, size()).prop_map(
        |(fd, op, off, sz)| {
            let mut v = vec![lddw(Reg::R1, fd)];
            if op == 0 {
                v.extend(stack_ptr(Reg::R2, -32));
                v.push(mov(Reg::R3, 0));
                v.push(call(87));
            } else {
                v.extend(stack_ptr(Reg::R2, -24));
                v.push(call(if op == 1 { 88 } else { 89 }));
                v.push(I(Insn::Ldx {
                    size: sz,
                    dst: Reg::R2,
                    src: Reg::R10,
                    off: -24 + off,
                }));
                v.push(I(alu(AluOp::Xor, Reg::R7, Operand::Reg(Reg::R2))));
            }
            v.push(I(alu(AluOp::Add, Reg::R7, Operand::Reg(Reg::R0))));
            v
        },
    );
    // Helpers that take the context first, a map second, then numbers (and the data for
    // perf event output).
    let with_ctx = (
        prop::sample::select(callable(
            s,
            &[
                (12, PROG_ARRAY),
                (25, PERF),
                (27, STACK_TRACE),
                (33, CGROUPS),
                (52, SOCKMAP),
                (72, SOCKHASH),
                (60, SOCKMAP),
                (71, SOCKHASH),
                (82, REUSEPORT),
            ],
        )),
        1..=MAPS,
        prop::bool::weighted(0.6),
        0i32..40,
    )
        .prop_map(|((id, right), any, use_right, n)| {
            let fd = if use_right { right } else { any };
            let mut v = vec![mov_reg(Reg::R1, Reg::R6), lddw(Reg::R2, fd)];
            match id {
                12 => v.push(mov(Reg::R3, n % 4)),
                25 => {
                    v.push(mov(Reg::R3, 0));
                    v.extend(stack_ptr(Reg::R4, -32));
                    v.push(mov(Reg::R5, n));
                }
                72 | 71 | 82 => {
                    v.extend(stack_ptr(Reg::R3, -8));
                    v.push(mov(Reg::R4, 0));
                }
                _ => {
                    v.push(mov(Reg::R3, 0));
                    v.push(mov(Reg::R4, 0));
                }
            }
            v.push(call(id));
            v.push(I(alu(AluOp::Add, Reg::R7, Operand::Reg(Reg::R0))));
            v
        });
    // Helpers that take a map first.
    let map_first = (
        prop::sample::select(callable(
            s,
            &[
                (37, CGROUPS),
                (51, DEVMAP),
                (51, CPUMAP),
                (51, XSKMAP),
                (130, RINGBUF),
                (134, RINGBUF),
            ],
        )),
        1..=MAPS,
        prop::bool::weighted(0.6),
        0i32..40,
    )
        .prop_map(|((id, right), any, use_right, n)| {
            let fd = if use_right { right } else { any };
            let mut v = vec![lddw(Reg::R1, fd)];
            if id == 130 {
                v.extend(stack_ptr(Reg::R2, -32));
                v.push(mov(Reg::R3, n));
                v.push(mov(Reg::R4, 0));
            } else {
                v.push(mov(Reg::R2, 0));
                v.push(mov(Reg::R3, 0));
            }
            v.push(call(id));
            v.push(I(alu(AluOp::Add, Reg::R7, Operand::Reg(Reg::R0))));
            v
        });
    prop_oneof![
        3 => lookup,
        2 => nested,
        2 => direct,
        2 => update,
        2 => queue,
        3 => with_ctx,
        2 => map_first,
    ]
}

/// Arithmetic and a branch on `r7`.
fn noise() -> impl Strategy<Value = Vec<Item>> {
    (
        prop::sample::select(vec![
            AluOp::Add,
            AluOp::And,
            AluOp::Xor,
            AluOp::Rsh,
            AluOp::Mul,
        ]),
        -3i32..70,
        1usize..3,
    )
        .prop_map(|(op, k, skip)| {
            vec![
                I(alu(op, Reg::R7, Operand::Imm(k))),
                Item::Skip {
                    cond: JmpCond::Gt,
                    dst: Reg::R7,
                    imm: k,
                    skip,
                },
            ]
        })
}

/// A program of `s`: its pieces, between a prologue that keeps the context in `r6` and
/// initialises 32 bytes of stack, and an epilogue that returns `r7 & 1`.
fn program(s: &'static Scenario) -> impl Strategy<Value = Vec<Insn>> {
    let piece = prop_oneof![
        4 => ctx_access(s),
        2 => packet_access(s),
        4 => map_op(s),
        1 => noise(),
    ];
    prop::collection::vec(piece, 1..7).prop_map(|pieces| {
        let mut items = vec![mov_reg(Reg::R6, Reg::R1), mov(Reg::R7, 0)];
        for off in [-8, -16, -24, -32] {
            items.push(I(Insn::St {
                size: Size::DW,
                dst: Reg::R10,
                off,
                imm: 0,
            }));
        }
        items.extend(pieces.into_iter().flatten());
        items.push(mov_reg(Reg::R0, Reg::R7));
        items.push(I(alu(AluOp::And, Reg::R0, Operand::Imm(1))));
        items.push(I(Insn::Exit));
        layout(&items)
    })
}

/// Resolves the forward jumps (in slots, over `lddw`s' two).
fn layout(items: &[Item]) -> Vec<Insn> {
    let mut pcs = Vec::with_capacity(items.len() + 1);
    let mut pc = 0i64;
    for it in items {
        pcs.push(pc);
        pc += match it {
            I(i) => i.slots() as i64,
            _ => 1,
        };
    }
    pcs.push(pc);
    let last = items.len() - 1;
    items
        .iter()
        .enumerate()
        .map(|(i, it)| match *it {
            I(insn) => insn,
            Item::Skip {
                cond,
                dst,
                imm,
                skip,
            } => {
                let target = (i + 1 + skip).min(last);
                Insn::Jmp {
                    width: Width::W64,
                    cond,
                    dst,
                    src: Operand::Imm(imm),
                    off: (pcs[target] - pcs[i] - 1) as i16,
                }
            }
        })
        .collect()
}

fn cases() -> u32 {
    std::env::var("SOUNDNESS_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000)
}

#[test]
fn accepted_platform_programs_never_fault_or_break_their_context() {
    let n = cases();
    let strategy = (0..SCENARIOS.len()).prop_flat_map(|i| (Just(i), program(&SCENARIOS[i])));
    let mut runner = TestRunner::new(PtConfig {
        cases: n,
        failure_persistence: None,
        ..PtConfig::default()
    });
    let accepted = std::cell::Cell::new(0u32);
    let per_scenario = std::cell::RefCell::new(vec![0u32; SCENARIOS.len()]);
    let maps = model::maps();
    let result = runner.run(&strategy, |(i, insns)| {
        let s = &SCENARIOS[i];
        let Ok(valid) = ebpf_isa::Program::from_insns(insns.as_slice()) else {
            return Ok(());
        };
        let v = match ebpf_verifier::verify_with(
            &valid,
            &ebpf_verifier::LINUX,
            s.prog_type,
            &maps,
            &s.options(),
        ) {
            Ok(v) => v,
            Err(errors) => {
                if let Some(e) = errors.iter().find(|e| e.kind().class() == "too-complex") {
                    return Err(TestCaseError::fail(format!(
                        "{e}\n{}",
                        ebpf_isa::disasm::disassemble(&insns)
                    )));
                }
                return Ok(());
            }
        };
        accepted.set(accepted.get() + 1);
        per_scenario.borrow_mut()[i] += 1;
        let budget = v.instruction_bound();
        let prog = Program::new(v.into_runnable());
        let seed = insns.len() as u64 * 7919 + i as u64;
        model::run_checked(&prog, budget, s, seed).map_err(|e| {
            TestCaseError::fail(format!(
                "accepted {} program at {:?} fails: {e}\n{}",
                s.prog_type,
                s.attach,
                ebpf_isa::disasm::disassemble(&insns)
            ))
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let accepted = accepted.get();
    eprintln!(
        "{accepted} of {n} random platform programs accepted; by scenario: {:?}",
        per_scenario.borrow()
    );
    assert!(accepted > n / 30, "only {accepted} of {n} accepted");
}
