//! One instruction line (mnemonic and operands) to an [`Insn`].
//!
//! Mnemonic spellings come from the disassembler's name tables, so both directions agree.

use alloc::format;
use alloc::string::{String, ToString};

use super::error::AsmErrorKind;
use super::lex::{text, Tok};
use super::operand::{register, target, Ops, Target};
use crate::disasm::names;
use crate::insn::{
    AluOp, ByteOrder, CallTarget, EndBits, Insn, JmpCond, LddwSrc, MovsxBits, Size, Width,
};

/// An instruction, with the label its jump offset still waits for.
#[derive(Debug)]
pub(super) struct Parsed {
    pub(super) insn: Insn,
    pub(super) label: Option<String>,
}

impl From<Insn> for Parsed {
    fn from(insn: Insn) -> Self {
        Parsed { insn, label: None }
    }
}

/// Parses the tokens of one instruction (labels already removed).
pub(super) fn parse(toks: &[Tok<'_>]) -> Result<Parsed, AsmErrorKind> {
    let (name, rest) = match toks {
        [Tok::Ident(name), rest @ ..] => (*name, rest),
        _ => {
            return Err(AsmErrorKind::Syntax {
                expected: "an instruction or a label",
                found: format!("`{}`", text(toks)),
            })
        }
    };
    if name == "lock" {
        return atomic(rest);
    }
    let o = Ops::new(name, rest);
    let unknown = || AsmErrorKind::UnknownMnemonic {
        name: name.to_string(),
    };
    match name {
        "exit" => o.expect(0).map(|()| Insn::Exit.into()),
        "ja" => jump(&o, 0, Insn::Ja { off: 0 }),
        "ja32" | "gotol" => jump(&o, 0, Insn::Ja32 { imm: 0 }),
        "may_goto" => jump(&o, 0, Insn::MayGoto { off: 0 }),
        "call" => call(&o),
        "callx" => {
            o.expect(1)?;
            Ok(Insn::Callx { reg: o.reg(0)? }.into())
        }
        "lddw" => lddw(&o),
        _ => memory(&o)
            .or_else(|| misc_alu(&o))
            .or_else(|| cond_jump(&o))
            .or_else(|| alu(&o))
            .unwrap_or_else(|| Err(unknown())),
    }
}

/// `(base, width)`: a `32` suffix selects 32 bits, `64` or none 64 bits.
fn width_suffix(m: &str) -> (&str, Width) {
    if let Some(base) = m.strip_suffix("32") {
        (base, Width::W32)
    } else {
        (m.strip_suffix("64").unwrap_or(m), Width::W64)
    }
}

/// The access size named by a mnemonic's tail (`b`, `h`, `w`, `dw`).
fn size(suffix: &str) -> Option<Size> {
    Size::ALL.into_iter().find(|&s| names::size(s) == suffix)
}

/// Sets the offset of a jump from its target; labels wait for [`super::assemble`].
fn with_target(insn: Insn, t: Target) -> Result<Parsed, AsmErrorKind> {
    match t {
        Target::Label(name) => Ok(Parsed {
            insn,
            label: Some(name),
        }),
        Target::Rel(off) => super::set_offset(insn, off).map(Parsed::from),
    }
}

/// A jump whose only operand `i` is its target.
fn jump(o: &Ops<'_, '_>, i: usize, insn: Insn) -> Result<Parsed, AsmErrorKind> {
    o.expect(i + 1)?;
    with_target(insn, o.target(i)?)
}

fn call(o: &Ops<'_, '_>) -> Result<Parsed, AsmErrorKind> {
    o.expect(1)?;
    let bad = || {
        o.bad(
            0,
            "a helper id, `NAME#ID`, `local TARGET`, `btf ID` or a register",
        )
    };
    let helper = |toks: &[Tok<'_>]| {
        let inner = Ops::new(o.mnemonic(), toks);
        inner.imm32(0).map_err(|e| match e {
            AsmErrorKind::BadOperand { .. } => bad(),
            e => e,
        })
    };
    match o.toks(0) {
        [Tok::Ident("local"), rest @ ..] => {
            let t = target(rest).ok_or_else(bad)??;
            with_target(Insn::Call(CallTarget::Local(0)), t)
        }
        [Tok::Ident("btf" | "runtime"), rest @ ..] => {
            Ok(Insn::Call(CallTarget::Btf(helper(rest)?)).into())
        }
        [Tok::Ident("helper"), rest @ ..] => {
            Ok(Insn::Call(CallTarget::Helper(helper(rest)?)).into())
        }
        // `call bpf_map_lookup_elem#1`, as the disassembler names helpers: the id decides, the
        // name is for the reader (the assembler knows no platform's helper table).
        [Tok::Ident(name), Tok::Hash, rest @ ..] if !name.starts_with('%') => {
            Ok(Insn::Call(CallTarget::Helper(helper(rest)?)).into())
        }
        [Tok::Ident(name)] => match register(name) {
            Some(reg) => Ok(Insn::Callx { reg: reg? }.into()),
            None => Err(bad()),
        },
        toks => Ok(Insn::Call(CallTarget::Helper(helper(toks)?)).into()),
    }
}

fn lddw(o: &Ops<'_, '_>) -> Result<Parsed, AsmErrorKind> {
    if !(2..=3).contains(&o.len()) {
        return Err(o.count_error("2 or 3"));
    }
    let dst = o.reg(0)?;
    let kind = match o.toks(1) {
        [Tok::Ident(word), _, ..] => names::LDDW_SRCS
            .into_iter()
            .find(|&k| names::lddw(k) == *word),
        _ => None,
    };
    let Some(src) = kind else {
        o.expect(2)?;
        let (imm, next_imm) = Insn::lddw_split(o.imm64(1)?);
        return Ok(Insn::Lddw {
            dst,
            src: LddwSrc::Imm,
            imm,
            next_imm,
        }
        .into());
    };
    let second_allowed = !matches!(src, LddwSrc::MapFd | LddwSrc::MapIdx);
    if o.len() == 3 && !second_allowed {
        return Err(o.count_error("2"));
    }
    // `lddw %r2, code_addr NAME`: a function's address by its label, counted from its pc + 1
    // like a local call.
    if let (LddwSrc::CodeAddr, [_, Tok::Ident(name)]) = (src, o.toks(1)) {
        if o.len() == 2 && register(name).is_none() {
            return with_target(
                Insn::Lddw {
                    dst,
                    src,
                    imm: 0,
                    next_imm: 0,
                },
                Target::Label(String::from(*name)),
            );
        }
    }
    let imm = Ops::new(o.mnemonic(), o.toks(1).get(1..).unwrap_or_default())
        .imm32(0)
        .map_err(|e| match e {
            AsmErrorKind::BadOperand { .. } => o.bad(1, "a number after the lddw kind"),
            e => e,
        })?;
    let next_imm = if o.len() == 3 { o.imm32(2)? } else { 0 };
    Ok(Insn::Lddw {
        dst,
        src,
        imm,
        next_imm,
    }
    .into())
}

/// Loads, stores and legacy packet loads (`ldx*`, `ldxs*`, `st*`, `stx*`, `ldabs*`, `ldind*`).
fn memory(o: &Ops<'_, '_>) -> Option<Result<Parsed, AsmErrorKind>> {
    let m = o.mnemonic();
    let (kind, sz) = ["ldxs", "ldx", "stx", "st", "ldabs", "ldind"]
        .into_iter()
        .find_map(|p| Some((p, size(m.strip_prefix(p)?)?)))?;
    let insn = (|| {
        Ok(match kind {
            "ldxs" if sz != Size::DW => {
                o.expect(2)?;
                let (src, off) = o.mem(1)?;
                Insn::Ldxs {
                    size: sz,
                    dst: o.reg(0)?,
                    src,
                    off,
                }
            }
            "ldx" => {
                o.expect(2)?;
                let (src, off) = o.mem(1)?;
                Insn::Ldx {
                    size: sz,
                    dst: o.reg(0)?,
                    src,
                    off,
                }
            }
            "stx" => {
                o.expect(2)?;
                let (dst, off) = o.mem(0)?;
                Insn::Stx {
                    size: sz,
                    dst,
                    src: o.reg(1)?,
                    off,
                }
            }
            "st" => {
                o.expect(2)?;
                let (dst, off) = o.mem(0)?;
                Insn::St {
                    size: sz,
                    dst,
                    off,
                    imm: o.imm32(1)?,
                }
            }
            "ldabs" if sz != Size::DW => {
                o.expect(1)?;
                Insn::LdAbs {
                    size: sz,
                    imm: o.imm32(0)?,
                }
            }
            "ldind" if sz != Size::DW => {
                o.expect(2)?;
                Insn::LdInd {
                    size: sz,
                    src: o.reg(0)?,
                    imm: o.imm32(1)?,
                }
            }
            _ => {
                return Err(AsmErrorKind::UnknownMnemonic {
                    name: m.to_string(),
                })
            }
        })
    })();
    Some(insn.map(Parsed::from))
}

/// Byte swaps (`le16`, `bswap64`, ...) and sign-extending moves (`movsx832`, ...).
fn misc_alu(o: &Ops<'_, '_>) -> Option<Result<Parsed, AsmErrorKind>> {
    let m = o.mnemonic();
    let end = [
        ("le", ByteOrder::Le),
        ("be", ByteOrder::Be),
        ("bswap", ByteOrder::Swap),
    ]
    .into_iter()
    .chain([("swap", ByteOrder::Swap)])
    .find_map(|(p, order)| {
        let bits = [EndBits::B16, EndBits::B32, EndBits::B64]
            .into_iter()
            .find(|b| m.strip_prefix(p) == Some(names::end_bits(*b)))?;
        Some((order, bits))
    });
    if let Some((order, bits)) = end {
        return Some(o.expect(1).and_then(|()| {
            Ok(Insn::End {
                order,
                bits,
                dst: o.reg(0)?,
            }
            .into())
        }));
    }
    let movsx = [
        (MovsxBits::B8, Width::W64),
        (MovsxBits::B16, Width::W64),
        (MovsxBits::B32, Width::W64),
        (MovsxBits::B8, Width::W32),
        (MovsxBits::B16, Width::W32),
    ]
    .into_iter()
    .find(|&(bits, width)| names::movsx(bits, width) == m);
    let (bits, width) = movsx?;
    Some((|| {
        o.expect(2)?;
        Ok(Insn::Movsx {
            width,
            bits,
            dst: o.reg(0)?,
            src: o.reg(1)?,
        }
        .into())
    })())
}

/// Conditional jumps: `jeq %r1, 5, TARGET`, `jne32 %r1, %r2, +3`.
fn cond_jump(o: &Ops<'_, '_>) -> Option<Result<Parsed, AsmErrorKind>> {
    let m = o.mnemonic();
    let (base, width) = match m.strip_suffix("32") {
        Some(base) => (base, Width::W32),
        None => (m, Width::W64),
    };
    let cond = JmpCond::ALL.into_iter().find(|&c| names::jmp(c) == base)?;
    Some((|| {
        o.expect(3)?;
        let insn = Insn::Jmp {
            width,
            cond,
            dst: o.reg(0)?,
            src: o.reg_or_imm(1)?,
            off: 0,
        };
        with_target(insn, o.target(2)?)
    })())
}

/// Binary arithmetic (`add`, `add32`, `add64`, ...) and `neg`.
fn alu(o: &Ops<'_, '_>) -> Option<Result<Parsed, AsmErrorKind>> {
    let (base, width) = width_suffix(o.mnemonic());
    if base == "neg" {
        return Some(o.expect(1).and_then(|()| {
            Ok(Insn::Neg {
                width,
                dst: o.reg(0)?,
            }
            .into())
        }));
    }
    let op = AluOp::ALL.into_iter().find(|&op| names::alu(op) == base)?;
    Some((|| {
        o.expect(2)?;
        Ok(Insn::Alu {
            width,
            op,
            dst: o.reg(0)?,
            src: o.reg_or_imm(1)?,
        }
        .into())
    })())
}

/// `lock [fetch] OP[32] [%rD+off], %rS`.
fn atomic(toks: &[Tok<'_>]) -> Result<Parsed, AsmErrorKind> {
    let (explicit_fetch, toks) = match toks {
        [Tok::Ident("fetch"), rest @ ..] => (true, rest),
        _ => (false, toks),
    };
    let [Tok::Ident(name), rest @ ..] = toks else {
        return Err(AsmErrorKind::Syntax {
            expected: "an atomic operation after `lock`",
            found: format!("`{}`", text(toks)),
        });
    };
    let (base, width) = width_suffix(name);
    let mnemonic = if explicit_fetch {
        format!("lock fetch {name}")
    } else {
        format!("lock {name}")
    };
    let op = names::ATOMIC_OPS
        .into_iter()
        .find(|&op| names::atomic(op) == base)
        .ok_or_else(|| AsmErrorKind::UnknownMnemonic {
            name: mnemonic.clone(),
        })?;
    let fetch = explicit_fetch || names::atomic_always_fetches(op);
    let o = Ops::new(&mnemonic, rest);
    o.expect(2)?;
    let (dst, off) = o.mem(0)?;
    let size = match width {
        Width::W32 => Size::W,
        Width::W64 => Size::DW,
    };
    Ok(Insn::Atomic {
        size,
        op,
        fetch,
        dst,
        src: o.reg(1)?,
        off,
    }
    .into())
}
