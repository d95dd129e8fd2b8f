//! Shared by the differential property test (`tests/differential.rs`) and the fuzz target
//! (`fuzz/fuzz_targets/jit_differential.rs`, which includes this file by path):
//!
//! - [`generate`] turns arbitrary bytes into a well-formed program: every ALU and jump form,
//!   forward branches, bounded loops, loads and stores of every width on the stack and on the
//!   input memory, atomics, legacy packet loads, helper calls (`call` and `callx`) and local
//!   calls. Generated programs always terminate, touch only their stack frames and the input
//!   memory, and never let a pointer reach a value that is compared (so the interpreter and the
//!   JIT, whose stacks live at different addresses, must agree bit for bit);
//! - [`differential`] runs a program on the reference interpreter and on the JIT (with and
//!   without constant blinding) and compares r0 or the failure, the final frame-0 stack and the
//!   final input memory.

#![allow(dead_code)]

use ebpf_isa::{
    AluOp, AtomicOp, ByteOrder, CallTarget, EndBits, Insn, JmpCond, LddwSrc, MovsxBits, Operand,
    Reg, Size, Width,
};

/// Bytes of input memory a generated program gets (r1 at entry, kept in r9).
pub const MEM_LEN: usize = 64;

/// Reads choices from the fuzzer's (or proptest's) bytes; zeros once they run out.
pub struct Bytes<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Bytes<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Bytes { data, pos: 0 }
    }

    pub fn u8(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }

    pub fn exhausted(&self) -> bool {
        self.pos >= self.data.len()
    }

    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        if n <= 256 {
            self.u8() as usize % n
        } else {
            self.u32() as usize % n
        }
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// An immediate biased toward the edge cases of RFC 9669.
    fn imm(&mut self) -> i32 {
        const EDGES: [i32; 16] = [
            0,
            1,
            -1,
            2,
            7,
            31,
            32,
            33,
            63,
            64,
            65,
            i32::MIN,
            i32::MAX,
            0xff,
            0xffff,
            -0x8000,
        ];
        match self.u8() % 4 {
            0 => self.pick(&EDGES),
            1 => i32::from(self.u8() as i8),
            _ => self.u32() as i32,
        }
    }

    fn value64(&mut self) -> u64 {
        const EDGES: [u64; 8] = [
            0,
            1,
            u64::MAX,
            i64::MIN as u64,
            i64::MAX as u64,
            0xffff_ffff,
            0x8000_0000,
            0x1_0000_0000,
        ];
        if self.u8() % 3 == 0 {
            self.pick(&EDGES)
        } else {
            u64::from(self.u32()) | (u64::from(self.u32()) << 32)
        }
    }
}

/// Registers a generated instruction may write: r0 to r7. r8 is the loop counter, r9 the
/// input-memory pointer, r10 the frame pointer.
const DATA: [Reg; 8] = [
    Reg::R0,
    Reg::R1,
    Reg::R2,
    Reg::R3,
    Reg::R4,
    Reg::R5,
    Reg::R6,
    Reg::R7,
];
/// Registers a generated instruction may read as a value (never a pointer).
const VALUES: [Reg; 9] = [
    Reg::R0,
    Reg::R1,
    Reg::R2,
    Reg::R3,
    Reg::R4,
    Reg::R5,
    Reg::R6,
    Reg::R7,
    Reg::R8,
];
const LOOP_COUNTER: Reg = Reg::R8;
const MEM_BASE: Reg = Reg::R9;

/// Helper ids: 1 mixes its arguments, 2 returns its first, 3 always fails; 99 is unknown.
pub const HELPER_MIX: u32 = 1;
pub const HELPER_ECHO: u32 = 2;
pub const HELPER_FAIL: u32 = 3;
const HELPER_UNKNOWN: u32 = 99;

/// What helper 1 computes.
pub fn mix(a: [u64; 5]) -> u64 {
    a[0].wrapping_mul(31) ^ a[1].rotate_left(7) ^ a[2] ^ (a[3] << 1) ^ a[4].wrapping_add(17)
}

/// What the host resolves a map or platform `LDDW` to (both engines); `imm` 13 is unknown.
pub fn resolve(src: LddwSrc, imm: i32, next_imm: i32) -> Option<u64> {
    (imm != 13).then(|| {
        (u64::from(src.code()) << 56)
            ^ u64::from(imm as u32).wrapping_mul(0x9e37_79b9_7f4a_7c15)
            ^ u64::from(next_imm as u32)
    })
}

/// Structured program before layout: jumps only over nested blocks, so every target is valid.
enum Item {
    Insn(Insn),
    /// `if cond goto end; body; end:`
    If {
        jump: Insn,
        body: Vec<Item>,
    },
    /// `ja end; body; end:` (dead code).
    Skip {
        wide: bool,
        body: Vec<Item>,
    },
    /// `r8 = n; head: body; r8 -= 1; if r8 != 0 goto head`.
    Loop {
        n: i32,
        body: Vec<Item>,
    },
    /// `call` of local function `k`.
    CallFn(usize),
    Exit,
}

struct Generator<'b, 'a> {
    b: &'b mut Bytes<'a>,
    functions: usize,
}

impl Generator<'_, '_> {
    fn data(&mut self) -> Reg {
        self.b.pick(&DATA)
    }

    fn value(&mut self) -> Reg {
        self.b.pick(&VALUES)
    }

    fn operand(&mut self) -> Operand {
        if self.b.u8() % 2 == 0 {
            Operand::Reg(self.value())
        } else {
            Operand::Imm(self.b.imm())
        }
    }

    fn width(&mut self) -> Width {
        if self.b.u8() % 2 == 0 {
            Width::W32
        } else {
            Width::W64
        }
    }

    /// Base register and offset of an in-bounds access of `size` bytes. Usually r10 (stack) or
    /// r9 (input memory); sometimes a pointer derived from them into one of r1-r7 (pushing the
    /// `mov`/`add` that make it), so that every x86 register serves as a base. The caller must
    /// then call [`Self::forget`] on the returned register.
    fn place(&mut self, size: Size, aligned: bool, out: &mut Vec<Item>) -> (Reg, i16, bool) {
        let n = size.bytes() as i64;
        let (base, lo, hi) = if self.b.u8() % 3 == 0 {
            (MEM_BASE, 0, MEM_LEN as i64 - n)
        } else {
            (Reg::R10, -512, -n)
        };
        let span = (hi - lo) as usize + 1;
        let mut off = lo + self.b.below(span) as i64;
        if aligned {
            off -= off.rem_euclid(n);
        }
        if self.b.u8() % 4 != 0 {
            return (base, off as i16, false);
        }
        let derived = DATA[1 + self.b.below(DATA.len() - 1)];
        let split = self.b.below(201) as i64 - 100;
        out.push(Item::Insn(Insn::Alu {
            width: Width::W64,
            op: AluOp::Mov,
            dst: derived,
            src: Operand::Reg(base),
        }));
        out.push(Item::Insn(Insn::Alu {
            width: Width::W64,
            op: AluOp::Add,
            dst: derived,
            src: Operand::Imm((off - split) as i32),
        }));
        (derived, split as i16, true)
    }

    /// Overwrites a derived pointer register so no address reaches a compared value.
    fn forget(&mut self, reg: Reg, derived: bool, out: &mut Vec<Item>) {
        if derived {
            out.push(Item::Insn(Insn::Alu {
                width: Width::W64,
                op: AluOp::Mov,
                dst: reg,
                src: Operand::Imm(self.b.imm()),
            }));
        }
    }

    /// A value register other than `base`.
    fn value_not(&mut self, base: Reg) -> Reg {
        let r = self.value();
        if r == base {
            LOOP_COUNTER
        } else {
            r
        }
    }

    /// A data register other than `base` (fetching atomics write it).
    fn data_not(&mut self, base: Reg) -> Reg {
        let r = self.data();
        if r == base {
            DATA[(base.index() + 1) % DATA.len()]
        } else {
            r
        }
    }

    fn size(&mut self) -> Size {
        self.b.pick(&Size::ALL)
    }

    /// One straight-line instruction (plus its setup for `callx`).
    fn simple(&mut self, out: &mut Vec<Item>) {
        let insn = match self.b.u8() % 24 {
            0..=7 => Insn::Alu {
                width: self.width(),
                op: self.b.pick(&AluOp::ALL),
                dst: self.data(),
                src: self.operand(),
            },
            8 => Insn::Neg {
                width: self.width(),
                dst: self.data(),
            },
            9 => {
                let width = self.width();
                let bits = match (width, self.b.u8() % 3) {
                    (_, 0) => MovsxBits::B8,
                    (Width::W64, 1) => MovsxBits::B32,
                    _ => MovsxBits::B16,
                };
                Insn::Movsx {
                    width,
                    bits,
                    dst: self.data(),
                    src: self.value(),
                }
            }
            10 => Insn::End {
                order: self
                    .b
                    .pick(&[ByteOrder::Le, ByteOrder::Be, ByteOrder::Swap]),
                bits: self.b.pick(&[EndBits::B16, EndBits::B32, EndBits::B64]),
                dst: self.data(),
            },
            11 => {
                let (imm, next_imm) = Insn::lddw_split(self.b.value64());
                let dst = self.data();
                if self.b.u8() % 4 != 0 {
                    Insn::Lddw {
                        dst,
                        src: LddwSrc::Imm,
                        imm,
                        next_imm,
                    }
                } else {
                    // Resolved by the host at run time (see `resolve`); 13 is an unknown map.
                    let src = LddwSrc::from_code(1 + self.b.below(6) as u8).unwrap();
                    let imm = if self.b.u8() % 8 == 0 { 13 } else { imm % 64 };
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
                }
            }
            12 | 13 => {
                let size = self.size();
                let (src, off, derived) = self.place(size, false, out);
                let dst = self.data();
                let insn = if size != Size::DW && self.b.u8() % 3 == 0 {
                    Insn::Ldxs {
                        size,
                        dst,
                        src,
                        off,
                    }
                } else {
                    Insn::Ldx {
                        size,
                        dst,
                        src,
                        off,
                    }
                };
                out.push(Item::Insn(insn));
                self.forget(src, derived, out);
                return;
            }
            14 => {
                let size = self.size();
                let (dst, off, derived) = self.place(size, false, out);
                out.push(Item::Insn(Insn::St {
                    size,
                    dst,
                    off,
                    imm: self.b.imm(),
                }));
                self.forget(dst, derived, out);
                return;
            }
            15 | 16 => {
                let size = self.size();
                let (dst, off, derived) = self.place(size, false, out);
                out.push(Item::Insn(Insn::Stx {
                    size,
                    dst,
                    src: self.value_not(dst),
                    off,
                }));
                self.forget(dst, derived, out);
                return;
            }
            17 | 18 => {
                let size = self.b.pick(&[Size::W, Size::DW]);
                let (dst, off, derived) = self.place(size, true, out);
                let op = self.b.pick(&[
                    AtomicOp::Add,
                    AtomicOp::Or,
                    AtomicOp::And,
                    AtomicOp::Xor,
                    AtomicOp::Xchg,
                    AtomicOp::CmpXchg,
                ]);
                let fetch =
                    matches!(op, AtomicOp::Xchg | AtomicOp::CmpXchg) || self.b.u8() % 2 == 0;
                // A fetching atomic writes `src`, so it must be a data register.
                let src = if fetch {
                    self.data_not(dst)
                } else {
                    self.value_not(dst)
                };
                out.push(Item::Insn(Insn::Atomic {
                    size,
                    op,
                    fetch,
                    dst,
                    src,
                    off,
                }));
                self.forget(dst, derived, out);
                return;
            }
            19 => {
                let size = self.b.pick(&[Size::B, Size::H, Size::W]);
                // Mostly inside the packet, sometimes beyond or negative (ends with r0 = 0).
                let imm = match self.b.u8() % 8 {
                    0 => self.b.imm(),
                    _ => self.b.below(MEM_LEN + 4) as i32 - 2,
                };
                if self.b.u8() % 2 == 0 {
                    Insn::LdAbs { size, imm }
                } else {
                    Insn::LdInd {
                        size,
                        src: self.value(),
                        imm,
                    }
                }
            }
            20 | 21 => {
                let id = match self.b.u8() % 16 {
                    0 => HELPER_FAIL,
                    1 => HELPER_UNKNOWN,
                    2..=8 => HELPER_MIX,
                    _ => HELPER_ECHO,
                };
                Insn::Call(CallTarget::Helper(id as i32))
            }
            22 => {
                let reg = self.data();
                let id = if self.b.u8() % 16 == 0 {
                    (1u64 << 32) | u64::from(HELPER_ECHO)
                } else {
                    u64::from(self.b.pick(&[HELPER_MIX, HELPER_ECHO]))
                };
                let (imm, next_imm) = Insn::lddw_split(id);
                out.push(Item::Insn(Insn::Lddw {
                    dst: reg,
                    src: LddwSrc::Imm,
                    imm,
                    next_imm,
                }));
                Insn::Callx { reg }
            }
            _ => Insn::Alu {
                width: Width::W64,
                op: AluOp::Mov,
                dst: self.data(),
                src: Operand::Imm(self.b.imm()),
            },
        };
        out.push(Item::Insn(insn));
    }

    /// A block of up to `max` items; `depth` limits nesting, `in_loop` forbids inner loops
    /// (they would share the counter), `func` is the function being generated.
    fn block(&mut self, max: usize, depth: u32, in_loop: bool, func: usize) -> Vec<Item> {
        let len = self.b.below(max + 1);
        let mut out = Vec::new();
        for _ in 0..len {
            if self.b.exhausted() {
                break;
            }
            match self.b.u8() % 16 {
                0 | 1 if depth > 0 => {
                    let width = self.width();
                    let jump = Insn::Jmp {
                        width,
                        cond: self.b.pick(&JmpCond::ALL),
                        dst: self.value(),
                        src: self.operand(),
                        off: 0,
                    };
                    let body = self.block(max / 2 + 1, depth - 1, in_loop, func);
                    out.push(Item::If { jump, body });
                }
                2 if depth > 0 && !in_loop => {
                    let n = 1 + self.b.below(6) as i32;
                    let body = self.block(max / 2 + 1, depth - 1, true, func);
                    out.push(Item::Loop { n, body });
                }
                3 if depth > 0 && self.b.u8() % 4 == 0 => {
                    let wide = self.b.u8() % 2 == 0;
                    let body = self.block(2, 0, in_loop, func);
                    out.push(Item::Skip { wide, body });
                }
                4 if func + 1 < self.functions => {
                    let callee = func + 1 + self.b.below(self.functions - func - 1);
                    out.push(Item::CallFn(callee));
                }
                5 if depth < 2 && self.b.u8() % 4 == 0 => out.push(Item::Exit),
                _ => self.simple(&mut out),
            }
        }
        out
    }
}

fn slots(items: &[Item]) -> usize {
    items
        .iter()
        .map(|item| match item {
            Item::Insn(i) => i.slots(),
            Item::If { body, .. } | Item::Skip { body, .. } => 1 + slots(body),
            Item::Loop { body, .. } => 3 + slots(body),
            Item::CallFn(_) | Item::Exit => 1,
        })
        .sum()
}

/// Lays out items at `out.len()`; local calls are recorded in `calls` as `(pc, callee)`.
fn lower(items: &[Item], out: &mut Vec<Insn>, pc: &mut usize, calls: &mut Vec<(usize, usize)>) {
    for item in items {
        match item {
            Item::Insn(i) => {
                out.push(*i);
                *pc += i.slots();
            }
            Item::If { jump, body } => {
                let mut jump = *jump;
                if let Insn::Jmp { off, .. } = &mut jump {
                    *off = slots(body) as i16;
                }
                out.push(jump);
                *pc += 1;
                lower(body, out, pc, calls);
            }
            Item::Skip { wide, body } => {
                let n = slots(body);
                out.push(if *wide {
                    Insn::Ja32 { imm: n as i32 }
                } else {
                    Insn::Ja { off: n as i16 }
                });
                *pc += 1;
                lower(body, out, pc, calls);
            }
            Item::Loop { n, body } => {
                out.push(Insn::Alu {
                    width: Width::W64,
                    op: AluOp::Mov,
                    dst: LOOP_COUNTER,
                    src: Operand::Imm(*n),
                });
                *pc += 1;
                let head = *pc;
                lower(body, out, pc, calls);
                out.push(Insn::Alu {
                    width: Width::W64,
                    op: AluOp::Sub,
                    dst: LOOP_COUNTER,
                    src: Operand::Imm(1),
                });
                *pc += 1;
                let back = head as i64 - (*pc as i64 + 1);
                out.push(Insn::Jmp {
                    width: Width::W64,
                    cond: JmpCond::Ne,
                    dst: LOOP_COUNTER,
                    src: Operand::Imm(0),
                    off: back as i16,
                });
                *pc += 1;
            }
            Item::CallFn(k) => {
                calls.push((out.len(), *k));
                out.push(Insn::Call(CallTarget::Local(0)));
                *pc += 1;
            }
            Item::Exit => {
                out.push(Insn::Exit);
                *pc += 1;
            }
        }
    }
}

/// A well-formed, terminating, memory-safe program drawn from `bytes` (see the module docs).
pub fn generate(bytes: &[u8]) -> Vec<Insn> {
    let mut b = Bytes::new(bytes);
    let functions = 1 + b.below(3);
    let mut g = Generator {
        b: &mut b,
        functions,
    };
    let mov = |dst, src| Insn::Alu {
        width: Width::W64,
        op: AluOp::Mov,
        dst,
        src,
    };
    // Keep the input pointer in r9 only; r1 starts as a plain number.
    let mut items = vec![
        Item::Insn(mov(MEM_BASE, Operand::Reg(Reg::R1))),
        Item::Insn(mov(Reg::R1, Operand::Imm(0x1234))),
    ];
    for r in DATA {
        if g.b.u8() % 2 == 0 {
            let (imm, next_imm) = Insn::lddw_split(g.b.value64());
            items.push(Item::Insn(Insn::Lddw {
                dst: r,
                src: LddwSrc::Imm,
                imm,
                next_imm,
            }));
        }
    }
    let mut bodies = vec![items];
    bodies[0].extend(g.block(24, 2, false, 0));
    for f in 1..functions {
        bodies.push(g.block(12, 2, false, f));
    }

    let mut out = Vec::new();
    let mut pc = 0;
    let mut calls = Vec::new();
    let mut starts = Vec::new();
    for body in &bodies {
        starts.push(pc);
        lower(body, &mut out, &mut pc, &mut calls);
        out.push(Insn::Exit);
        pc += 1;
    }
    // Patch local calls now that every function's start is known.
    let mut slot_of = Vec::with_capacity(out.len());
    let mut s = 0;
    for i in &out {
        slot_of.push(s);
        s += i.slots();
    }
    for (index, callee) in calls {
        let imm = starts[callee] as i64 - (slot_of[index] as i64 + 1);
        out[index] = Insn::Call(CallTarget::Local(imm as i32));
    }
    out
}

/// The initial input memory for a case (a fixed pattern, so both engines start equal).
pub fn initial_mem() -> Vec<u8> {
    (0..MEM_LEN as u32)
        .map(|i| (i.wrapping_mul(167) ^ 0x5a) as u8)
        .collect()
}

/// Interpreter helpers with the ids above.
pub struct InterpHelpers;

impl ebpf_interp::Helpers for InterpHelpers {
    fn call(
        &mut self,
        id: u32,
        args: [u64; 5],
        _mem: &mut ebpf_interp::Memory<'_>,
    ) -> Result<u64, ebpf_interp::HelperError> {
        match id {
            HELPER_MIX => Ok(mix(args)),
            HELPER_ECHO => Ok(args[0]),
            HELPER_FAIL => Err(ebpf_interp::HelperError::failed(
                id,
                "helper 3 always fails",
            )),
            _ => Err(ebpf_interp::HelperError::unknown(id)),
        }
    }

    fn lddw(
        &mut self,
        src: LddwSrc,
        imm: i32,
        next_imm: i32,
        _mem: &mut ebpf_interp::Memory<'_>,
    ) -> Result<u64, ebpf_interp::HelperError> {
        resolve(src, imm, next_imm).ok_or(ebpf_interp::HelperError::failed(0, "no such map"))
    }
}

/// JIT helpers with the same ids; with `direct`, helper 1 is also offered as a direct call.
pub struct JitHelpers {
    pub direct: bool,
}

extern "sysv64" fn mix_direct(a: u64, b: u64, c: u64, d: u64, e: u64) -> u64 {
    mix([a, b, c, d, e])
}

impl ebpf_jit::Helpers for JitHelpers {
    fn call(&mut self, id: u32, args: [u64; 5]) -> Result<u64, ebpf_jit::HelperError> {
        match id {
            HELPER_MIX => Ok(mix(args)),
            HELPER_ECHO => Ok(args[0]),
            HELPER_FAIL => Err(ebpf_jit::HelperError::Failed {
                message: "helper 3 always fails".to_string(),
            }),
            _ => Err(ebpf_jit::HelperError::Unknown),
        }
    }

    fn direct(&self, id: u32) -> Option<ebpf_jit::DirectHelper> {
        (self.direct && id == HELPER_MIX).then_some(mix_direct as ebpf_jit::DirectHelper)
    }

    fn lddw(
        &mut self,
        src: LddwSrc,
        imm: i32,
        next_imm: i32,
    ) -> Result<u64, ebpf_jit::HelperError> {
        resolve(src, imm, next_imm).ok_or(ebpf_jit::HelperError::Failed {
            message: "no such map".to_string(),
        })
    }
}

/// How a run ended, in terms both engines share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum End {
    Exit(u64),
    Fault { pc: usize, what: &'static str },
}

/// The observable result of a run: how it ended, frame 0 of the stack and the input memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observed {
    pub end: End,
    pub stack: Vec<u8>,
    pub mem: Vec<u8>,
}

pub fn run_interp(insns: &[Insn]) -> Result<Observed, String> {
    use ebpf_interp::{FaultKind, Program, Vm};
    let program = Program::from_insns(insns).map_err(|e| format!("interp rejects: {e}"))?;
    let mut vm = Vm::default();
    let mut mem = initial_mem();
    let end = match vm.run(&program, &mut mem, &mut InterpHelpers) {
        Ok(out) => End::Exit(out.r0),
        Err(f) => {
            let what = match f.kind() {
                FaultKind::UnknownHelper { .. } => "unknown helper",
                FaultKind::HelperFailed { .. } => "helper failed",
                FaultKind::BadCallxTarget { .. } => "bad callx target",
                FaultKind::CallDepthExceeded { .. } => "call depth",
                FaultKind::FellOffEnd => "fell off",
                FaultKind::LddwFailed { .. } => "lddw failed",
                _ => {
                    return Err(format!(
                        "interpreter fault outside the generator's model: {f}"
                    ))
                }
            };
            End::Fault { pc: f.pc(), what }
        }
    };
    Ok(Observed {
        end,
        stack: vm.stack().to_vec(),
        mem,
    })
}

pub fn run_jit(insns: &[Insn], blind: bool) -> Result<Observed, String> {
    use ebpf_jit::{compile, Executable, JitOptions, RunErrorKind};
    let options = JitOptions::new().with_blinding(blind);
    let program =
        ebpf_isa::Program::from_insns(insns).map_err(|e| format!("jit input invalid: {e}"))?;
    let image = compile(&program, &options).map_err(|e| format!("jit rejects: {e}"))?;
    let mut exe = Executable::new(&image).map_err(|e| format!("jit install: {e}"))?;
    let mut mem = initial_mem();
    // The blinded run also takes helper 1 through the direct table.
    let mut helpers = JitHelpers { direct: blind };
    // SAFETY: `differential` ran the program on the checked interpreter first, which returns an
    // error for any access outside the stack and the input memory; and [`generate`] only makes
    // programs that terminate and touch nothing else (the module docs).
    let end = match unsafe { exe.run_trusted(&mut mem, &mut helpers) } {
        Ok(r0) => End::Exit(r0),
        Err(e) => {
            let what = match e.kind() {
                RunErrorKind::UnknownHelper { .. } => "unknown helper",
                RunErrorKind::HelperFailed { .. } => "helper failed",
                RunErrorKind::BadCallxTarget { .. } => "bad callx target",
                RunErrorKind::CallDepth => "call depth",
                RunErrorKind::FellOff => "fell off",
                RunErrorKind::LddwFailed { .. } => "lddw failed",
                _ => return Err(format!("unexpected jit error: {e}")),
            };
            End::Fault { pc: e.pc(), what }
        }
    };
    let stack = exe.stack();
    Ok(Observed {
        end,
        stack: stack[stack.len() - 512..].to_vec(),
        mem,
    })
}

/// Runs `insns` on both engines (the JIT twice: plain with every helper through the dispatcher,
/// blinded with helper 1 called directly) and explains any difference.
pub fn differential(insns: &[Insn]) -> Result<(), String> {
    let want = run_interp(insns)?;
    for blind in [false, true] {
        let got = run_jit(insns, blind)?;
        if got != want {
            return Err(format!(
                "JIT (blinding {blind}) differs from the interpreter\n\
                 interp: {:?}\njit:    {:?}\n{}{}program:\n{}",
                want.end,
                got.end,
                diff_bytes("stack", &want.stack, &got.stack),
                diff_bytes("mem", &want.mem, &got.mem),
                ebpf_isa::disasm::disassemble(insns)
            ));
        }
    }
    Ok(())
}

fn diff_bytes(name: &str, want: &[u8], got: &[u8]) -> String {
    let mut s = String::new();
    for (i, (a, b)) in want.iter().zip(got).enumerate() {
        if a != b {
            s.push_str(&format!("{name}[{i}]: interp {a:#04x}, jit {b:#04x}\n"));
        }
    }
    s
}
