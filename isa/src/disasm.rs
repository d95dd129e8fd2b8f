//! Instructions to text, in the syntax [`crate::asm::assemble`] reads.
//!
//! `Display` for [`Insn`] prints one instruction with numeric relative targets (`ja +3`,
//! `call local -5`); [`disassemble`] prints a whole program with a label on every jump target
//! (`L7:`) and local function (`fn_7:`), named after the target pc; [`listing`] gives the same
//! as [`Line`]s for tools that interleave other text. [`disassemble_with`] and [`listing_with`]
//! also name helper calls from a platform's helper table (`call bpf_map_lookup_elem#1`, as
//! bpftool prints them; the assembler reads that form back).

pub(crate) mod names;

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::{self, Display};

use crate::insn::{ByteOrder, CallTarget, Insn, LddwSrc, Operand, Reg, Size, Width};

/// One instruction of a [`listing`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The instruction's pc (in 8-byte slots).
    pub pc: usize,
    /// The label defined at this pc, when something jumps or calls here (`L7`, `fn_7`).
    pub label: Option<String>,
    /// The instruction, with labels for targets inside the program.
    pub text: String,
}

/// The program with labels for jump and call targets, one instruction per line.
pub fn disassemble(insns: &[Insn]) -> String {
    disassemble_with(insns, &|_| None)
}

/// [`disassemble`], naming each helper call that `helper_name` knows (`call name#id`).
pub fn disassemble_with<'n>(
    insns: &[Insn],
    helper_name: &dyn Fn(i32) -> Option<&'n str>,
) -> String {
    let mut out = String::new();
    for line in listing_with(insns, helper_name) {
        if let Some(label) = &line.label {
            out.push_str(label);
            out.push_str(":\n");
        }
        out.push_str(&line.text);
        out.push('\n');
    }
    out
}

/// The program as lines, with labels named after target pcs (`L7` for jumps, `fn_7` for local
/// calls). Targets outside the program, or inside an `LDDW`, keep the numeric form.
pub fn listing(insns: &[Insn]) -> Vec<Line> {
    listing_with(insns, &|_| None)
}

/// [`listing`], naming each helper call that `helper_name` knows (`call name#id`); calls of
/// helpers it does not know keep the numeric form (`call 9999`).
pub fn listing_with<'n>(insns: &[Insn], helper_name: &dyn Fn(i32) -> Option<&'n str>) -> Vec<Line> {
    let mut pcs = Vec::with_capacity(insns.len());
    let mut pc = 0usize;
    for insn in insns {
        pcs.push(pc);
        pc += insn.slots();
    }
    let start_of = |target: Option<i64>| {
        let t = usize::try_from(target?).ok()?;
        pcs.binary_search(&t).ok().map(|_| t)
    };
    // target pc -> is a local call target
    let mut targets: BTreeMap<usize, bool> = BTreeMap::new();
    for (insn, &pc) in insns.iter().zip(&pcs) {
        if let Some(t) = start_of(insn.branch_target(pc)) {
            let is_call = matches!(insn, Insn::Call(CallTarget::Local(_)));
            *targets.entry(t).or_default() |= is_call;
        }
    }
    let name = |pc: usize| match targets.get(&pc) {
        Some(true) => Some(format!("fn_{pc}")),
        Some(false) => Some(format!("L{pc}")),
        None => None,
    };
    insns
        .iter()
        .zip(&pcs)
        .map(|(insn, &pc)| {
            let target = start_of(insn.branch_target(pc)).and_then(name);
            let helper = match insn {
                Insn::Call(CallTarget::Helper(id)) => helper_name(*id),
                _ => None,
            };
            let text = format!(
                "{}",
                Text {
                    insn,
                    target: target.as_deref(),
                    helper,
                }
            );
            Line {
                pc,
                label: name(pc),
                text,
            }
        })
        .collect()
}

impl Display for Insn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Text {
            insn: self,
            target: None,
            helper: None,
        }
        .fmt(f)
    }
}

/// An instruction with an optional label for its target and name for its helper.
struct Text<'a> {
    insn: &'a Insn,
    target: Option<&'a str>,
    helper: Option<&'a str>,
}

/// An immediate: decimal up to 0xffff in magnitude, signed hex beyond.
struct Imm(i64);

impl Display for Imm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        if v.unsigned_abs() <= 0xffff {
            write!(f, "{v}")
        } else if v < 0 {
            write!(f, "-{:#x}", v.unsigned_abs())
        } else {
            write!(f, "{v:#x}")
        }
    }
}

/// A memory reference `[%rN+off]`.
struct Mem(Reg, i16);

impl Display for Mem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            0 => write!(f, "[{}]", self.0),
            off => write!(f, "[{}{:+}]", self.0, off),
        }
    }
}

struct Src(Operand);

impl Display for Src {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Operand::Reg(r) => r.fmt(f),
            Operand::Imm(v) => Imm(v.into()).fmt(f),
        }
    }
}

fn w32(width: Width) -> &'static str {
    match width {
        Width::W32 => "32",
        Width::W64 => "",
    }
}

impl Text<'_> {
    fn target(&self, f: &mut fmt::Formatter<'_>, off: i64) -> fmt::Result {
        match self.target {
            Some(label) => f.write_str(label),
            None => write!(f, "{off:+}"),
        }
    }
}

impl Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self.insn {
            Insn::Alu {
                width,
                op,
                dst,
                src,
            } => {
                write!(f, "{}{} {dst}, {}", names::alu(op), w32(width), Src(src))
            }
            Insn::Neg { width, dst } => write!(f, "neg{} {dst}", w32(width)),
            Insn::Movsx {
                width,
                bits,
                dst,
                src,
            } => {
                write!(f, "{} {dst}, {src}", names::movsx(bits, width))
            }
            Insn::End { order, bits, dst } => {
                let name = match order {
                    ByteOrder::Le => "le",
                    ByteOrder::Be => "be",
                    ByteOrder::Swap => "bswap",
                };
                write!(f, "{name}{} {dst}", names::end_bits(bits))
            }
            Insn::Ja { off } => {
                f.write_str("ja ")?;
                self.target(f, off.into())
            }
            Insn::Ja32 { imm } => {
                f.write_str("ja32 ")?;
                self.target(f, imm.into())
            }
            Insn::MayGoto { off } => {
                f.write_str("may_goto ")?;
                self.target(f, off.into())
            }
            Insn::Jmp {
                width,
                cond,
                dst,
                src,
                off,
            } => {
                write!(
                    f,
                    "{}{} {dst}, {}, ",
                    names::jmp(cond),
                    w32(width),
                    Src(src)
                )?;
                self.target(f, off.into())
            }
            Insn::Call(CallTarget::Helper(id)) => match self.helper {
                Some(name) => write!(f, "call {name}#{id}"),
                None => write!(f, "call {id}"),
            },
            Insn::Call(CallTarget::Local(imm)) => {
                f.write_str("call local ")?;
                self.target(f, imm.into())
            }
            Insn::Call(CallTarget::Btf(id)) => write!(f, "call btf {id}"),
            Insn::Callx { reg } => write!(f, "callx {reg}"),
            Insn::Exit => f.write_str("exit"),
            Insn::Lddw {
                dst,
                src: LddwSrc::Imm,
                imm,
                next_imm,
            } => {
                write!(f, "lddw {dst}, {:#x}", Insn::lddw_value(imm, next_imm))
            }
            Insn::Lddw {
                dst,
                src,
                imm,
                next_imm,
            } => {
                write!(f, "lddw {dst}, {} {}", names::lddw(src), Imm(imm.into()))?;
                if next_imm != 0 || matches!(src, LddwSrc::MapValue | LddwSrc::MapIdxValue) {
                    write!(f, ", {}", Imm(next_imm.into()))?;
                }
                Ok(())
            }
            Insn::Ldx {
                size,
                dst,
                src,
                off,
            } => {
                write!(f, "ldx{} {dst}, {}", names::size(size), Mem(src, off))
            }
            Insn::Ldxs {
                size,
                dst,
                src,
                off,
            } => {
                write!(f, "ldxs{} {dst}, {}", names::size(size), Mem(src, off))
            }
            Insn::St {
                size,
                dst,
                off,
                imm,
            } => {
                write!(
                    f,
                    "st{} {}, {}",
                    names::size(size),
                    Mem(dst, off),
                    Imm(imm.into())
                )
            }
            Insn::Stx {
                size,
                dst,
                src,
                off,
            } => {
                write!(f, "stx{} {}, {src}", names::size(size), Mem(dst, off))
            }
            Insn::Atomic {
                size,
                op,
                fetch,
                dst,
                src,
                off,
            } => {
                f.write_str("lock ")?;
                if fetch && !names::atomic_always_fetches(op) {
                    f.write_str("fetch ")?;
                }
                let suffix = match size {
                    Size::DW => "",
                    Size::W => "32",
                    Size::H => "16",
                    Size::B => "8",
                };
                write!(f, "{}{suffix} {}, {src}", names::atomic(op), Mem(dst, off))
            }
            Insn::LdAbs { size, imm } => {
                write!(f, "ldabs{} {}", names::size(size), Imm(imm.into()))
            }
            Insn::LdInd { size, src, imm } => {
                write!(f, "ldind{} {src}, {}", names::size(size), Imm(imm.into()))
            }
        }
    }
}

#[cfg(test)]
mod tests;
