//! Soundness: random programs biased toward boundary cases (bounds checks off by a few bytes,
//! offsets at region edges, missing null checks, small loops) are verified, and every accepted
//! one runs in the checked interpreter on many inputs (packets of 0-1500 bytes, map lookups
//! that hit or miss, lookups in maps of maps, random context fields). An accepted program that
//! faults is a verifier bug. The maps include one read-only for programs (its values are
//! read-only regions), a queue and a map type the verifier does not model, and the host's
//! helpers fail on a map of a kind they do not take: map kind and flag checks are exercised.
//!
//! The platform is eBPF for Windows `xdp`, whose context holds real 8-byte packet pointers
//! (`data`, `data_end`, and `data_meta` with 0-32 bytes of metadata), so the interpreter can run
//! it as is: the context is the read-only input, the packet and map values are writable
//! regions, each in its own window of the interpreter's virtual addresses (an access past one
//! never lands in another), and the context holds their virtual addresses.

use ebpf_interp::{Config, HelperError, Helpers, Memory, Program, Vm};
use ebpf_isa::{AluOp, CallTarget, Insn, JmpCond, LddwSrc, Operand, Reg, Size, Width};
use ebpf_verifier::platform::BPF_F_RDONLY_PROG;
use ebpf_verifier::{InnerMap, MapInfo, MapKind, WINDOWS};
use proptest::prelude::*;
use proptest::test_runner::{Config as PtConfig, TestRunner};

mod maygoto_model;
mod sockets_model;

const VALUE_SIZE: u32 = 16;

/// Value size of map 2 (map 1's is [`VALUE_SIZE`]).
const VALUE_SIZE_2: u32 = 8;

/// Maps 1 and 2 hold values; maps 3 and 4 are maps of maps whose inner maps are like map 2
/// and map 1 (a lookup in them finds map 2 or map 1, or nothing).
fn maps() -> [MapInfo; 7] {
    let of_maps = |fd, kind, inner_kind, value_size| MapInfo {
        inner: Some(InnerMap {
            kind: inner_kind,
            key_size: 4,
            value_size,
            max_entries: 4,
            flags: 0,
        }),
        ..MapInfo::new(fd, kind, 4, 4, 4)
    };
    [
        MapInfo::new(1, MapKind::Array, 4, VALUE_SIZE, 4),
        MapInfo::new(2, MapKind::Hash, 4, VALUE_SIZE_2, 4),
        of_maps(3, MapKind::ArrayOfMaps, MapKind::Hash, VALUE_SIZE_2),
        of_maps(4, MapKind::HashOfMaps, MapKind::Array, VALUE_SIZE),
        MapInfo {
            flags: BPF_F_RDONLY_PROG,
            ..MapInfo::new(5, MapKind::Array, 4, VALUE_SIZE, 1)
        },
        MapInfo::new(6, MapKind::Queue, 0, QUEUE_VALUE, 4),
        MapInfo::new(7, MapKind::Other(99), 4, VALUE_SIZE, 4),
    ]
}

/// Value size of the queue (map 6).
const QUEUE_VALUE: u32 = 8;

/// A map operation on map 1, 2, 5 (read-only), 6 (queue) or 7 (unmodelled), or on one of two
/// of them (joined paths): a lookup and an access of the value, an update, a push, a pop or a
/// peek into a stack buffer and a read of it.
fn map_ops() -> impl Strategy<Value = Vec<Item>> {
    let fd = || prop::sample::select(vec![1, 2, 5, 5, 6, 7]);
    (
        fd(),
        prop::option::weighted(0.3, (fd(), reg())),
        0u8..5,
        prop::bool::weighted(0.8),
        size(),
        -2i16..20,
        prop::bool::ANY,
        reg(),
    )
        .prop_map(|(fd, other, op, check, sz, off, write, d)| {
            let lddw = |fd| {
                Item::I(Insn::Lddw {
                    dst: Reg::R1,
                    src: LddwSrc::MapFd,
                    imm: fd,
                    next_imm: 0,
                })
            };
            let stack = |off| {
                [
                    Item::I(alu(AluOp::Mov, Reg::R2, Operand::Reg(Reg::R10))),
                    Item::I(alu(AluOp::Add, Reg::R2, Operand::Imm(off))),
                ]
            };
            let mut v = vec![
                Item::I(Insn::St {
                    size: Size::W,
                    dst: Reg::R10,
                    off: -4,
                    imm: 0,
                }),
                Item::I(Insn::St {
                    size: Size::DW,
                    dst: Reg::R10,
                    off: -24,
                    imm: 3,
                }),
                lddw(fd),
            ];
            if let Some((fd2, sel)) = other {
                v.push(Item::Fwd {
                    cond: JmpCond::Eq,
                    width: Width::W64,
                    dst: sel,
                    src: Operand::Imm(0),
                    skip: 1,
                });
                v.push(lddw(fd2));
            }
            let call = |id| Item::I(Insn::Call(CallTarget::Helper(id)));
            match op {
                // lookup, maybe null-checked, then a load or store
                0 => {
                    v.extend(stack(-4));
                    v.push(call(1));
                    if check {
                        v.push(Item::Fwd {
                            cond: JmpCond::Eq,
                            width: Width::W64,
                            dst: Reg::R0,
                            src: Operand::Imm(0),
                            skip: 1,
                        });
                    }
                    v.push(Item::I(if write {
                        Insn::St {
                            size: sz,
                            dst: Reg::R0,
                            off,
                            imm: 1,
                        }
                    } else {
                        Insn::Ldx {
                            size: sz,
                            dst: d,
                            src: Reg::R0,
                            off,
                        }
                    }));
                }
                // update: key at r10 - 4, value at r10 - 24
                1 => {
                    v.extend(stack(-4));
                    v.push(Item::I(alu(AluOp::Mov, Reg::R3, Operand::Reg(Reg::R10))));
                    v.push(Item::I(alu(AluOp::Add, Reg::R3, Operand::Imm(-24))));
                    v.push(Item::I(alu(AluOp::Mov, Reg::R4, Operand::Imm(0))));
                    v.push(call(2));
                }
                // push of r10 - 24
                2 => {
                    v.extend(stack(-24));
                    v.push(Item::I(alu(AluOp::Mov, Reg::R3, Operand::Imm(0))));
                    v.push(call(16));
                }
                // pop or peek into r10 - 16, then a read of it
                _ => {
                    v.extend(stack(-16));
                    v.push(call(if op == 3 { 17 } else { 18 }));
                    v.push(Item::I(Insn::Ldx {
                        size: sz,
                        dst: d,
                        src: Reg::R10,
                        off: -16,
                    }));
                }
            }
            v
        })
}

/// A generated piece of program; jumps are resolved after layout.
#[derive(Clone, Debug)]
enum Item {
    I(Insn),
    /// Conditional jump forward over `skip` items.
    Fwd {
        cond: JmpCond,
        width: Width,
        dst: Reg,
        src: Operand,
        skip: usize,
    },
    /// `call local` of the program's one subprogram.
    CallF,
    /// Backward jump to the item `back` items earlier (a loop latch).
    Back {
        cond: JmpCond,
        dst: Reg,
        src: Operand,
        back: usize,
    },
    /// `may_goto` forward over `skip` items (taken once the frame's budget is spent).
    MayGoto {
        skip: usize,
    },
    /// `ja` back to the item `back` items earlier (the latch of a loop only `may_goto` ends).
    JaBack {
        back: usize,
    },
}

fn reg() -> impl Strategy<Value = Reg> {
    prop::sample::select(vec![
        Reg::R0,
        Reg::R2,
        Reg::R3,
        Reg::R4,
        Reg::R5,
        Reg::R7,
        Reg::R8,
    ])
}

fn small() -> impl Strategy<Value = i32> {
    prop_oneof![
        4 => -2i32..=70,
        1 => prop::sample::select(vec![-1, -8, -512, -513, 255, 256, 1500, 1501, i32::MAX, i32::MIN]),
    ]
}

fn size() -> impl Strategy<Value = Size> {
    prop::sample::select(Size::ALL.to_vec())
}

fn alu(op: AluOp, dst: Reg, src: Operand) -> Insn {
    Insn::Alu {
        width: Width::W64,
        op,
        dst,
        src,
    }
}

/// A lookup in map 3, map 4 or one of them (by a random context byte), maybe null-checked; a
/// lookup in the inner map found, maybe null-checked; a value access.
fn map_of_maps_lookup() -> impl Strategy<Value = Vec<Item>> {
    (
        reg(),
        prop::bool::weighted(0.8),
        prop::bool::weighted(0.8),
        size(),
        -2i16..20,
        0u8..3,
    )
        .prop_map(|(d, check_outer, check_inner, sz, off, which)| {
            let lddw = |fd| {
                Item::I(Insn::Lddw {
                    dst: Reg::R1,
                    src: LddwSrc::MapFd,
                    imm: fd,
                    next_imm: 0,
                })
            };
            let lookup = || {
                [
                    Item::I(alu(AluOp::Mov, Reg::R2, Operand::Reg(Reg::R10))),
                    Item::I(alu(AluOp::Add, Reg::R2, Operand::Imm(-4))),
                    Item::I(Insn::Call(CallTarget::Helper(1))),
                ]
            };
            let null_check = |skip| Item::Fwd {
                cond: JmpCond::Eq,
                width: Width::W64,
                dst: Reg::R0,
                src: Operand::Imm(0),
                skip,
            };
            let mut v = vec![
                Item::I(Insn::St {
                    size: Size::W,
                    dst: Reg::R10,
                    off: -4,
                    imm: 0,
                }),
                lddw(if which == 1 { 4 } else { 3 }),
            ];
            if which == 2 {
                v.extend([
                    Item::I(Insn::Ldx {
                        size: Size::B,
                        dst: Reg::R2,
                        src: Reg::R6,
                        off: 24,
                    }),
                    Item::Fwd {
                        cond: JmpCond::Set,
                        width: Width::W64,
                        dst: Reg::R2,
                        src: Operand::Imm(1),
                        skip: 1,
                    },
                    lddw(4),
                ]);
            }
            v.extend(lookup());
            let mut inner = vec![Item::I(alu(AluOp::Mov, Reg::R1, Operand::Reg(Reg::R0)))];
            inner.extend(lookup());
            if check_inner {
                inner.push(null_check(1));
            }
            inner.push(Item::I(Insn::Ldx {
                size: sz,
                dst: d,
                src: Reg::R0,
                off,
            }));
            if check_outer {
                v.push(null_check(inner.len()));
            }
            v.extend(inner);
            v
        })
}

/// Snippets, each a few items.
fn snippet() -> impl Strategy<Value = Vec<Item>> {
    prop_oneof![
        // mov / alu with an immediate or a register
        (reg(), small()).prop_map(|(d, k)| vec![Item::I(alu(AluOp::Mov, d, Operand::Imm(k)))]),
        (
            prop::sample::select(AluOp::ALL.to_vec()),
            prop::bool::ANY,
            reg(),
            reg(),
            small()
        )
            .prop_map(|(op, w32, d, s, k)| {
                let src = if k % 3 == 0 {
                    Operand::Reg(s)
                } else {
                    Operand::Imm(k)
                };
                vec![Item::I(Insn::Alu {
                    width: if w32 { Width::W32 } else { Width::W64 },
                    op,
                    dst: d,
                    src,
                })]
            }),
        // packet pointers from the context: data, data_end, data_meta
        (reg(), 0i16..3).prop_map(|(d, field)| vec![Item::I(Insn::Ldx {
            size: Size::DW,
            dst: d,
            src: Reg::R6,
            off: field * 8,
        })]),
        // bounds check: t = p + k; if t > end skip
        (reg(), reg(), reg(), small(), 1usize..4, prop::bool::ANY).prop_map(
            |(t, p, e, k, skip, ge)| vec![
                Item::I(alu(AluOp::Mov, t, Operand::Reg(p))),
                Item::I(alu(AluOp::Add, t, Operand::Imm(k))),
                Item::Fwd {
                    cond: if ge { JmpCond::Ge } else { JmpCond::Gt },
                    width: Width::W64,
                    dst: t,
                    src: Operand::Reg(e),
                    skip
                },
            ]
        ),
        // a metadata access: m = data_meta; t = m + k; if t > data skip; access m + off
        (reg(), size(), -2i16..10, 0i32..12, prop::bool::ANY).prop_map(
            |(d, sz, off, k, write)| vec![
                Item::I(Insn::Ldx {
                    size: Size::DW,
                    dst: Reg::R4,
                    src: Reg::R6,
                    off: 16
                }),
                Item::I(Insn::Ldx {
                    size: Size::DW,
                    dst: Reg::R5,
                    src: Reg::R6,
                    off: 0
                }),
                Item::I(alu(AluOp::Mov, Reg::R7, Operand::Reg(Reg::R4))),
                Item::I(alu(AluOp::Add, Reg::R7, Operand::Imm(k))),
                Item::Fwd {
                    cond: JmpCond::Gt,
                    width: Width::W64,
                    dst: Reg::R7,
                    src: Operand::Reg(Reg::R5),
                    skip: 1
                },
                Item::I(if write {
                    Insn::St {
                        size: sz,
                        dst: Reg::R4,
                        off,
                        imm: 1,
                    }
                } else {
                    Insn::Ldx {
                        size: sz,
                        dst: d,
                        src: Reg::R4,
                        off,
                    }
                }),
            ]
        ),
        // loads and stores through any register
        (size(), reg(), reg(), small()).prop_map(|(sz, d, b, off)| vec![Item::I(Insn::Ldx {
            size: sz,
            dst: d,
            src: b,
            off: off as i16
        })]),
        (size(), reg(), reg(), small()).prop_map(|(sz, b, s, off)| vec![Item::I(Insn::Stx {
            size: sz,
            dst: b,
            src: s,
            off: off as i16
        })]),
        // stack accesses near the frame edges
        (size(), reg(), -530i16..4).prop_map(|(sz, s, off)| vec![Item::I(Insn::Stx {
            size: sz,
            dst: Reg::R10,
            src: s,
            off
        })]),
        (size(), reg(), -530i16..4).prop_map(|(sz, d, off)| vec![Item::I(Insn::Ldx {
            size: sz,
            dst: d,
            src: Reg::R10,
            off
        })]),
        (size(), -530i16..4, small()).prop_map(|(sz, off, k)| vec![Item::I(Insn::St {
            size: sz,
            dst: Reg::R10,
            off,
            imm: k
        })]),
        // context reads
        (size(), reg(), 0i16..40).prop_map(|(sz, d, off)| vec![Item::I(Insn::Ldx {
            size: sz,
            dst: d,
            src: Reg::R6,
            off
        })]),
        // a map lookup in map 1, map 2 or one of them (by a register), maybe null-checked,
        // then a value access
        (
            reg(),
            prop::bool::ANY,
            size(),
            -2i16..20,
            prop::bool::ANY,
            0u8..3,
            reg()
        )
            .prop_map(|(d, check, sz, off, write, which, sel)| {
                let lddw = |fd| {
                    Item::I(Insn::Lddw {
                        dst: Reg::R1,
                        src: LddwSrc::MapFd,
                        imm: fd,
                        next_imm: 0,
                    })
                };
                let mut v = vec![
                    Item::I(Insn::St {
                        size: Size::W,
                        dst: Reg::R10,
                        off: -4,
                        imm: 0,
                    }),
                    lddw(if which == 1 { 2 } else { 1 }),
                ];
                if which == 2 {
                    v.push(Item::Fwd {
                        cond: JmpCond::Eq,
                        width: Width::W64,
                        dst: sel,
                        src: Operand::Imm(0),
                        skip: 1,
                    });
                    v.push(lddw(2));
                }
                v.extend([
                    Item::I(alu(AluOp::Mov, Reg::R2, Operand::Reg(Reg::R10))),
                    Item::I(alu(AluOp::Add, Reg::R2, Operand::Imm(-4))),
                    Item::I(Insn::Call(CallTarget::Helper(1))),
                ]);
                if check {
                    v.push(Item::Fwd {
                        cond: JmpCond::Eq,
                        width: Width::W64,
                        dst: Reg::R0,
                        src: Operand::Imm(0),
                        skip: 1,
                    });
                }
                v.push(Item::I(if write {
                    Insn::Stx {
                        size: sz,
                        dst: Reg::R0,
                        src: Reg::R10,
                        off,
                    }
                } else {
                    Insn::Ldx {
                        size: sz,
                        dst: d,
                        src: Reg::R0,
                        off,
                    }
                }));
                v
            }),
        // a lookup in a map of maps, then in the inner map found
        map_of_maps_lookup(),
        // a forward conditional jump on numbers
        (
            prop::sample::select(JmpCond::ALL.to_vec()),
            prop::bool::ANY,
            reg(),
            small(),
            1usize..4
        )
            .prop_map(|(cond, w32, d, k, skip)| vec![Item::Fwd {
                cond,
                width: if w32 { Width::W32 } else { Width::W64 },
                dst: d,
                src: Operand::Imm(k),
                skip
            }]),
        // a small counted loop around a packet read: c = 0; L: t = p + c; ... ; c += 1; if c < k goto L
        (reg(), reg(), 1i32..8, prop::bool::ANY).prop_map(|(c, p, k, signed)| vec![
            Item::I(alu(AluOp::Mov, c, Operand::Imm(0))),
            Item::I(alu(AluOp::Mov, Reg::R9, Operand::Reg(p))),
            Item::I(alu(AluOp::Add, Reg::R9, Operand::Reg(c))),
            Item::I(Insn::Ldx {
                size: Size::B,
                dst: Reg::R5,
                src: Reg::R9,
                off: 0
            }),
            Item::I(alu(AluOp::Add, c, Operand::Imm(1))),
            Item::Back {
                cond: if signed { JmpCond::Slt } else { JmpCond::Lt },
                dst: c,
                src: Operand::Imm(k),
                back: 4
            },
        ]),
        // pointer arithmetic with a register
        (reg(), reg()).prop_map(|(d, s)| vec![Item::I(alu(AluOp::Add, d, Operand::Reg(s)))]),
        // stack pointers, spills and fills
        (reg(), -40i32..8).prop_map(|(d, k)| vec![
            Item::I(alu(AluOp::Mov, d, Operand::Reg(Reg::R10))),
            Item::I(alu(AluOp::Add, d, Operand::Imm(k))),
        ]),
        (reg(), reg(), -24i16..0).prop_map(|(a, b, off)| vec![
            Item::I(Insn::Stx {
                size: Size::DW,
                dst: Reg::R10,
                src: a,
                off
            }),
            Item::I(Insn::Ldx {
                size: Size::DW,
                dst: b,
                src: Reg::R10,
                off
            }),
        ]),
        // register comparisons, 64 and 32 bits
        (
            prop::sample::select(JmpCond::ALL.to_vec()),
            prop::bool::ANY,
            reg(),
            reg(),
            1usize..4
        )
            .prop_map(|(cond, w32, d, r, skip)| vec![Item::Fwd {
                cond,
                width: if w32 { Width::W32 } else { Width::W64 },
                dst: d,
                src: Operand::Reg(r),
                skip
            }]),
        // a call of the subprogram with two register arguments
        (reg(), reg()).prop_map(|(a, b)| vec![
            Item::I(alu(AluOp::Mov, Reg::R1, Operand::Reg(a))),
            Item::I(alu(AluOp::Mov, Reg::R2, Operand::Reg(b))),
            Item::CallF,
        ]),
        // an early exit
        Just(vec![
            Item::I(alu(AluOp::Mov, Reg::R0, Operand::Imm(1))),
            Item::I(Insn::Exit)
        ]),
    ]
}

/// Bodies of the subprogram: `r1` and `r2` are its arguments.
fn subprogram(kind: u8) -> Vec<Item> {
    let i = Item::I;
    match kind {
        // A checked 4-byte read: r1 + 4 <= r2.
        0 => vec![
            i(alu(AluOp::Mov, Reg::R0, Operand::Reg(Reg::R1))),
            i(alu(AluOp::Add, Reg::R0, Operand::Imm(4))),
            Item::Fwd {
                cond: JmpCond::Gt,
                width: Width::W64,
                dst: Reg::R0,
                src: Operand::Reg(Reg::R2),
                skip: 2,
            },
            i(Insn::Ldx {
                size: Size::W,
                dst: Reg::R0,
                src: Reg::R1,
                off: 0,
            }),
            i(Insn::Exit),
            i(alu(AluOp::Mov, Reg::R0, Operand::Imm(0))),
            i(Insn::Exit),
        ],
        // A write through r1, then r1 returned.
        1 => vec![
            i(Insn::St {
                size: Size::DW,
                dst: Reg::R1,
                off: 0,
                imm: 7,
            }),
            i(alu(AluOp::Mov, Reg::R0, Operand::Reg(Reg::R1))),
            i(Insn::Exit),
        ],
        // A spill in the callee's own frame, and a read through r1.
        _ => vec![
            i(Insn::Stx {
                size: Size::DW,
                dst: Reg::R10,
                src: Reg::R1,
                off: -8,
            }),
            i(Insn::Ldx {
                size: Size::DW,
                dst: Reg::R3,
                src: Reg::R10,
                off: -8,
            }),
            i(Insn::Ldx {
                size: Size::B,
                dst: Reg::R0,
                src: Reg::R3,
                off: 0,
            }),
            i(Insn::Exit),
        ],
    }
}

fn program() -> impl Strategy<Value = Vec<Insn>> {
    program_of(snippet())
}

/// Programs of 1-9 pieces drawn from `snippets`, then a subprogram.
fn program_of(snippets: impl Strategy<Value = Vec<Item>>) -> impl Strategy<Value = Vec<Insn>> {
    (prop::collection::vec(snippets, 1..10), 0u8..3).prop_map(|(snips, sub)| {
        let mut items = vec![
            Item::I(alu(AluOp::Mov, Reg::R6, Operand::Reg(Reg::R1))),
            Item::I(Insn::Ldx {
                size: Size::DW,
                dst: Reg::R2,
                src: Reg::R1,
                off: 0,
            }),
            Item::I(Insn::Ldx {
                size: Size::DW,
                dst: Reg::R3,
                src: Reg::R1,
                off: 8,
            }),
        ];
        for s in snips {
            items.extend(s);
        }
        items.push(Item::I(alu(AluOp::Mov, Reg::R0, Operand::Imm(0))));
        items.push(Item::I(Insn::Exit));
        let main_end = items.len();
        items.extend(subprogram(sub));
        layout(&items, main_end)
    })
}

/// Resolves jumps: item index -> pc, offsets in slots.
fn layout(items: &[Item], main_end: usize) -> Vec<Insn> {
    let mut pcs = Vec::with_capacity(items.len() + 1);
    let mut pc = 0i64;
    for it in items {
        pcs.push(pc);
        pc += match it {
            Item::I(i) => i.slots() as i64,
            _ => 1,
        };
    }
    pcs.push(pc);
    let last = items.len() - 1;
    // Jumps stay in their function: the main part ends with its exit at main_end - 1.
    let end_of = |i: usize| if i < main_end { main_end - 1 } else { last };
    items
        .iter()
        .enumerate()
        .map(|(i, it)| match *it {
            Item::I(insn) => insn,
            Item::Fwd {
                cond,
                width,
                dst,
                src,
                skip,
            } => {
                let target = (i + 1 + skip).min(end_of(i));
                Insn::Jmp {
                    width,
                    cond,
                    dst,
                    src,
                    off: (pcs[target] - pcs[i] - 1) as i16,
                }
            }
            Item::CallF => Insn::Call(CallTarget::Local((pcs[main_end] - pcs[i] - 1) as i32)),
            Item::MayGoto { skip } => {
                let target = (i + 1 + skip).min(end_of(i));
                Insn::MayGoto {
                    off: (pcs[target] - pcs[i] - 1) as i16,
                }
            }
            Item::JaBack { back } => Insn::Ja {
                off: (pcs[i.saturating_sub(back)] - pcs[i] - 1) as i16,
            },
            Item::Back {
                cond,
                dst,
                src,
                back,
            } => {
                let target = i.saturating_sub(back);
                Insn::Jmp {
                    width: Width::W64,
                    cond,
                    dst,
                    src,
                    off: (pcs[target] - pcs[i] - 1) as i16,
                }
            }
        })
        .collect()
}

/// Map lookups: hit (a value region) or miss, by a seed. Each helper takes only the maps of
/// the kinds it works on (a host's map of another kind would misbehave): anything else fails
/// the run.
struct Host {
    values: [u64; 3],
    seed: u64,
    socks: sockets_model::Sockets,
}

impl Helpers for Host {
    fn call(&mut self, id: u32, args: [u64; 5], mem: &mut Memory<'_>) -> Result<u64, HelperError> {
        self.seed = self
            .seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let hit = self.seed >> 63 != 0;
        match (id, args[0]) {
            // Map 1's values are 16 bytes, map 2's 8, map 5's 16 (read-only): a lookup returns
            // a value of its map, or null; in map 3 it finds map 2 (or nothing), in map 4 map 1.
            (1, MAP_ADDR_1 | MAP_ADDR_2 | MAP_ADDR_5) => {
                mem.slice(args[1], 4)?;
                Ok(match (hit, args[0]) {
                    (false, _) => 0,
                    (_, MAP_ADDR_1) => self.values[0],
                    (_, MAP_ADDR_2) => self.values[1],
                    _ => self.values[2],
                })
            }
            (1, MAP_ADDR_3) => Ok(if hit { MAP_ADDR_2 } else { 0 }),
            (1, MAP_ADDR_4) => Ok(if hit { MAP_ADDR_1 } else { 0 }),
            // Updates of the writable value maps read the key and the value.
            (2, MAP_ADDR_1 | MAP_ADDR_2) => {
                let size = if args[0] == MAP_ADDR_1 {
                    VALUE_SIZE
                } else {
                    VALUE_SIZE_2
                };
                mem.slice(args[1], 4)?;
                mem.slice(args[2], size as usize)?;
                Ok(0)
            }
            // The queue: push reads a value; pop and peek write one when not empty.
            (16, MAP_ADDR_6) => {
                mem.slice(args[1], QUEUE_VALUE as usize)?;
                Ok(0)
            }
            (17 | 18, MAP_ADDR_6) => {
                let out = mem.slice_mut(args[1], QUEUE_VALUE as usize)?;
                if hit {
                    out.fill(0x5a);
                    Ok(0)
                } else {
                    Ok(-2i64 as u64)
                }
            }
            (1 | 2 | 16 | 17 | 18, _) => Err(HelperError::failed(id, "a map of the wrong kind")),
            (id, _) if sockets_model::IDS.contains(&id) => self.socks.call(id, args, mem, hit),
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
            (LddwSrc::MapFd, 1) => Ok(MAP_ADDR_1),
            (LddwSrc::MapFd, 2) => Ok(MAP_ADDR_2),
            (LddwSrc::MapFd, 3) => Ok(MAP_ADDR_3),
            (LddwSrc::MapFd, 4) => Ok(MAP_ADDR_4),
            (LddwSrc::MapFd, 5) => Ok(MAP_ADDR_5),
            (LddwSrc::MapFd, 6) => Ok(MAP_ADDR_6),
            (LddwSrc::MapFd, 7) => Ok(MAP_ADDR_7),
            _ => Err(HelperError::unknown(0)),
        }
    }
}

const MAP_ADDR_1: u64 = 0xdead_0001;
const MAP_ADDR_2: u64 = 0xdead_0002;
const MAP_ADDR_3: u64 = 0xdead_0003;
const MAP_ADDR_4: u64 = 0xdead_0004;
const MAP_ADDR_5: u64 = 0xdead_0005;
const MAP_ADDR_6: u64 = 0xdead_0006;
const MAP_ADDR_7: u64 = 0xdead_0007;

/// Runs `prog` on one input; the error names the fault. The packet has 0, 4, 8 or 32 bytes of
/// metadata before it (by seed), inside the same region. The context is eBPF for Windows'
/// `xdp_md_t`, or with `linux` the host context of Linux's `xdp_md` (the 24-byte structure,
/// its 32-bit pointer fields garbage, then data, data_end and data_meta as 64-bit slots).
fn run_once(
    prog: &Program,
    budget: u64,
    packet_len: usize,
    seed: u64,
    linux: bool,
) -> Result<(), String> {
    let meta = [0usize, 4, 8, 32][(seed % 4) as usize];
    let mut region = vec![0u8; meta + packet_len];
    let mut v0 = vec![0u8; VALUE_SIZE as usize];
    let mut v1 = vec![0u8; VALUE_SIZE_2 as usize];
    let mut v2 = vec![0u8; VALUE_SIZE as usize];
    let mut x = seed | 1;
    for b in region
        .iter_mut()
        .chain(v0.iter_mut())
        .chain(v1.iter_mut())
        .chain(v2.iter_mut())
    {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    let mut mem = Memory::without_input();
    let meta_start = mem.grant(&mut region).unwrap();
    let start = meta_start + meta as u64;
    let values = [
        mem.grant(&mut v0).unwrap(),
        mem.grant(&mut v1).unwrap(),
        mem.grant_readonly(&v2).unwrap(),
    ];
    let pointers = [start, start + packet_len as u64, meta_start];
    let mut ctx = [0u8; 48];
    if linux {
        ctx[..24].copy_from_slice(&x.to_le_bytes().repeat(3));
        for (i, p) in pointers.iter().enumerate() {
            ctx[24 + 8 * i..32 + 8 * i].copy_from_slice(&p.to_le_bytes());
        }
    } else {
        for (i, p) in pointers.iter().enumerate() {
            ctx[8 * i..8 + 8 * i].copy_from_slice(&p.to_le_bytes());
        }
        ctx[24..28].copy_from_slice(&(x as u32).to_le_bytes());
    }
    let ctx = &ctx[..if linux { 48 } else { 32 }];
    let r1 = mem.set_input_readonly(ctx);
    let socks = [[0x5a_u8; sockets_model::SOCK_SIZE]; 2];
    let sock_addrs = [
        mem.grant_readonly(&socks[0]).unwrap(),
        mem.grant_readonly(&socks[1]).unwrap(),
    ];
    let mut host = Host {
        values,
        seed,
        socks: sockets_model::Sockets::new(sock_addrs),
    };
    let mut vm = Vm::new(Config { budget });
    let at = format!("packet of {packet_len} bytes, {meta} of metadata, seed {seed}");
    vm.run_in(prog, [r1, 0, 0, 0, 0], &mut mem, &mut host)
        .map_err(|f| format!("{at}: {f}"))?;
    match host.socks.leaked() {
        Some(leak) => Err(format!("{at}: {leak}")),
        None => Ok(()),
    }
}

fn cases() -> u32 {
    std::env::var("SOUNDNESS_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4000)
}

const LENGTHS: [usize; 14] = [0, 1, 7, 8, 13, 14, 15, 16, 20, 34, 64, 65, 100, 1500];

#[test]
fn accepted_programs_never_fault() {
    // SOUNDNESS_CASES=N for a longer run.
    let accepted = run_accepted(program(), cases());
    // The generator must exercise the accepting side too.
    eprintln!("{accepted} of {} random programs accepted", cases());
    assert!(
        accepted > cases() / 20,
        "only {accepted} of {} random programs accepted",
        cases()
    );
}

/// [`accepted_programs_never_fault`] for programs where half the pieces are map operations on
/// maps of every kind the generator has (a read-only array, a queue, an unmodelled type).
#[test]
fn accepted_map_operation_programs_never_fault() {
    let n = cases() / 2;
    let accepted = run_accepted(program_of(prop_oneof![map_ops(), snippet()]), n);
    eprintln!("{accepted} of {n} random programs with map operations accepted");
    assert!(
        accepted > n / 40,
        "only {accepted} of {n} random programs accepted"
    );
}

/// [`accepted_programs_never_fault`] for the same programs as Linux builds them: their
/// 32-bit context pointer loads run rewritten, on the host context.
#[test]
fn accepted_linux_programs_never_fault() {
    let n = cases() / 2;
    let (accepted, rewritten) = run_accepted_on(program().prop_map(linux_flavour), n, true);
    eprintln!("{accepted} of {n} random Linux programs accepted, {rewritten} rewritten");
    assert!(accepted > n / 20, "only {accepted} of {n} accepted");
    assert!(
        rewritten > accepted / 2,
        "only {rewritten} of {accepted} rewritten"
    );
}

/// [`accepted_programs_never_fault`] for programs with `may_goto` loops (about one piece in
/// four, at least one a program; most only a `may_goto` ends, so an accepted one runs 8 Mi
/// rounds on every input: few cases and inputs).
#[test]
fn accepted_may_goto_programs_never_fault() {
    let n = cases() / 100;
    let programs = program_of(prop_oneof![
        3 => snippet(),
        1 => maygoto_model::may_goto_loop()
    ]);
    let programs = programs.prop_filter("a may_goto", |p| {
        p.iter().any(|i| matches!(i, Insn::MayGoto { .. }))
    });
    // Three inputs each (an 8 Mi-round loop takes 30-200 ms in the interpreter).
    let inputs = [(0, 1), (15, 2), (1500, 3)];
    let (accepted, _) = run_accepted_with(programs, n, false, &inputs);
    eprintln!("{accepted} of {n} random programs with may_goto loops accepted");
    assert!(accepted > 0, "none of {n} accepted");
}

/// [`accepted_programs_never_fault`] for programs where half the pieces are lookups in maps
/// of maps (rare among all snippets, and mostly unreachable or rejected for other reasons).
#[test]
fn accepted_map_of_maps_programs_never_fault() {
    let n = cases() / 2;
    let accepted = run_accepted(program_of(prop_oneof![map_of_maps_lookup(), snippet()]), n);
    eprintln!("{accepted} of {n} random programs with maps of maps accepted");
    // About 6% are (value accesses at random offsets are often out of bounds).
    assert!(
        accepted > n / 40,
        "only {accepted} of {n} random programs accepted"
    );
}

/// [`accepted_programs_never_fault`] for Linux XDP programs where half the pieces look a
/// socket up and (maybe) release it: the host fails a run on a release of a socket not held,
/// a cast of a released socket, and a socket still held at the end.
#[test]
fn accepted_socket_programs_never_fault() {
    let n = cases() / 2;
    let lookup = |i: &Insn| matches!(i, Insn::Call(CallTarget::Helper(84 | 85 | 99)));
    let programs = program_of(prop_oneof![sockets_model::snippet(), snippet()])
        .prop_filter("a socket lookup", move |p| p.iter().any(lookup));
    let (accepted, _) = run_accepted_on(programs.prop_map(linux_flavour), n, true);
    eprintln!("{accepted} of {n} random Linux programs with sockets accepted");
    assert!(accepted > n / 40, "only {accepted} of {n} accepted");
}

/// The programs as Linux builds them: the 8-byte loads of `xdp_md_t`'s pointers through `r1`
/// or `r6` (data 0, data_end 8, data_meta 16) become 4-byte loads of Linux `xdp_md`'s (0, 4,
/// 8), which the verifier rewrites back into 8-byte loads of the host context.
fn linux_flavour(insns: Vec<Insn>) -> Vec<Insn> {
    insns
        .into_iter()
        .map(|insn| match insn {
            Insn::Ldx {
                size: Size::DW,
                dst,
                src: src @ (Reg::R1 | Reg::R6),
                off: off @ (0 | 8 | 16),
            } => Insn::Ldx {
                size: Size::W,
                dst,
                src,
                off: off / 2,
            },
            other => other,
        })
        .collect()
}

/// Verifies `cases` programs from `programs` as Windows XDP programs and runs every accepted
/// one on many inputs; panics on a fault. Returns how many were accepted.
fn run_accepted(programs: impl Strategy<Value = Vec<Insn>>, cases: u32) -> u32 {
    run_accepted_on(programs, cases, false).0
}

/// [`run_accepted`], as Linux XDP programs (run in their rewritten form on the host context)
/// with `linux`. Returns how many were accepted, and how many of those had loads rewritten.
fn run_accepted_on(
    programs: impl Strategy<Value = Vec<Insn>>,
    cases: u32,
    linux: bool,
) -> (u32, u32) {
    let inputs: Vec<(usize, u64)> = LENGTHS
        .iter()
        .enumerate()
        .flat_map(|(i, &len)| (0..4u64).map(move |seed| (len, seed * 31 + i as u64)))
        .collect();
    run_accepted_with(programs, cases, linux, &inputs)
}

/// [`run_accepted_on`], each accepted program run on `inputs`: (packet length, seed).
fn run_accepted_with(
    programs: impl Strategy<Value = Vec<Insn>>,
    cases: u32,
    linux: bool,
    inputs: &[(usize, u64)],
) -> (u32, u32) {
    let platform = if linux {
        &ebpf_verifier::LINUX
    } else {
        &WINDOWS
    };
    let rewritten = std::cell::Cell::new(0u32);
    let mut runner = TestRunner::new(PtConfig {
        cases,
        failure_persistence: None,
        ..PtConfig::default()
    });
    let accepted = std::cell::Cell::new(0u32);
    let result = runner.run(&programs, |insns| {
        let Ok(valid) = ebpf_isa::Program::from_insns(insns.as_slice()) else {
            return Ok(());
        };
        let v = match ebpf_verifier::verify(&valid, platform, "xdp", &maps()) {
            Ok(v) => v,
            Err(errors) => {
                if let Some(e) = errors.iter().find(|e| e.kind().class() == "too-complex") {
                    let text = ebpf_isa::disasm::disassemble(&insns);
                    return Err(TestCaseError::fail(format!("{e}\n{text}")));
                }
                return Ok(());
            }
        };
        // The run's budget: the most instructions the verifier proved a run executes.
        let budget = v.instruction_bound();
        accepted.set(accepted.get() + 1);
        if !v.rewritten_loads().is_empty() {
            rewritten.set(rewritten.get() + 1);
        }
        let prog = Program::new(v.into_runnable());
        for &(len, seed) in inputs {
            if let Err(e) = run_once(&prog, budget, len, seed, linux) {
                let text = ebpf_isa::disasm::disassemble(&insns);
                return Err(TestCaseError::fail(format!(
                    "accepted program faults: {e}\n{text}"
                )));
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    (accepted.get(), rewritten.get())
}

/// Random instructions (each slot decoded on its own, undecodable slots dropped): the
/// verifier answers without panicking, whatever the program.
#[test]
fn verifier_never_panics_on_random_instructions() {
    let mut runner = TestRunner::new(PtConfig {
        cases: 3000,
        failure_persistence: None,
        ..PtConfig::default()
    });
    let slots = prop::collection::vec((any::<u8>(), any::<u8>(), -8i16..8, small()), 1..24);
    runner
        .run(&slots, |slots| {
            let mut insns = Vec::new();
            for (op, regs, off, imm) in slots {
                let mut raw = [0u8; 16];
                raw[0] = op;
                raw[1] = regs & 0x3f;
                raw[2..4].copy_from_slice(&off.to_le_bytes());
                raw[4..8].copy_from_slice(&imm.to_le_bytes());
                if let Ok(mut d) = ebpf_isa::decode(&raw) {
                    insns.push(d.remove(0));
                } else if let Ok(d) = ebpf_isa::decode(&raw[..8]) {
                    insns.extend(d);
                }
            }
            insns.push(Insn::Exit);
            let Ok(valid) = ebpf_isa::Program::from_insns(insns) else {
                return Ok(());
            };
            for platform in [&WINDOWS, &ebpf_verifier::LINUX] {
                for ty in ["xdp", "sched_cls", "kprobe", "bind", "sock_addr"] {
                    let _ = ebpf_verifier::verify(&valid, platform, ty, &maps());
                }
            }
            Ok(())
        })
        .unwrap();
}
