//! Text to instructions: the assembler for the bpf_conformance `-- asm` syntax.
//!
//! [`assemble`] reads one instruction per line (`mov %r0, 1`, `ldxw %r0, [%r1+4]`,
//! `jne %r1, 5, fail`, `lock fetch add32 [%r10-8], %r1`, `lddw %r0, 0x1122334455667788`) with
//! `name:` labels and `#`, `;` or `//` comments, and fails with an [`AsmError`] naming the line.
//! A helper call is `call ID` or, as the disassembler writes it with a helper table,
//! `call NAME#ID` (the id decides; the name is not checked).
//! The disassembler ([`crate::disasm`]) prints the same syntax, so its output assembles back to
//! the same instructions.
//!
//! Jump targets are labels or signed slot counts relative to the next instruction (`+3`, `-2`).
//! As in the bpf_conformance assembler, the label `exit`, unless defined, names the first `exit`
//! instruction.

mod error;
mod lex;
mod mnemonic;
mod operand;

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

pub use error::{AsmError, AsmErrorKind};

use crate::insn::{CallTarget, Insn, LddwSrc};
use lex::Tok;

/// Assembles a program. Labels may be used before they are defined.
pub fn assemble(src: &str) -> Result<Vec<Insn>, AsmError> {
    let mut insns: Vec<Insn> = Vec::new();
    // (index into insns, pc, line, label) for jumps whose target is a label.
    let mut fixups: Vec<(usize, usize, usize, String)> = Vec::new();
    // label -> (pc, line of definition)
    let mut labels: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut first_exit: Option<usize> = None;
    let mut pc = 0usize;

    for (i, text) in src.lines().enumerate() {
        let line = i + 1;
        let at = |kind| AsmError::new(line, kind);
        let toks = lex::lex(text).map_err(at)?;
        let mut rest = &toks[..];
        while let [Tok::Ident(name), Tok::Colon, tail @ ..] = rest {
            if name.starts_with('%') || operand::register(name).is_some() {
                return Err(at(AsmErrorKind::Syntax {
                    expected: "a label name that is not a register",
                    found: alloc::format!("`{name}`"),
                }));
            }
            if let Some(&(_, first_line)) = labels.get(*name) {
                let name = String::from(*name);
                return Err(at(AsmErrorKind::DuplicateLabel { name, first_line }));
            }
            labels.insert(String::from(*name), (pc, line));
            rest = tail;
        }
        if rest.is_empty() {
            continue;
        }
        let parsed = mnemonic::parse(rest).map_err(at)?;
        if parsed.insn == Insn::Exit && first_exit.is_none() {
            first_exit = Some(pc);
        }
        if let Some(label) = parsed.label {
            fixups.push((insns.len(), pc, line, label));
        }
        pc += parsed.insn.slots();
        insns.push(parsed.insn);
    }

    for (index, pc, line, label) in fixups {
        let target = match labels.get(&label) {
            Some(&(target, _)) => Some(target),
            None if label == "exit" => first_exit,
            None => None,
        };
        let Some(target) = target else {
            return Err(AsmError::new(
                line,
                AsmErrorKind::UndefinedLabel { name: label },
            ));
        };
        // Pcs count slots of a Vec, so they fit i64.
        let off = target as i64 - (pc as i64 + 1);
        if let Some(insn) = insns.get_mut(index) {
            *insn = set_offset(*insn, off).map_err(|k| AsmError::new(line, k))?;
        }
    }
    Ok(insns)
}

/// `insn` with its jump offset (or local call distance) set to `off`, if it fits the field.
fn set_offset(insn: Insn, off: i64) -> Result<Insn, AsmErrorKind> {
    let short = || {
        i16::try_from(off).map_err(|_| AsmErrorKind::JumpOutOfRange {
            offset: off,
            bits: 16,
        })
    };
    let long = || {
        i32::try_from(off).map_err(|_| AsmErrorKind::JumpOutOfRange {
            offset: off,
            bits: 32,
        })
    };
    Ok(match insn {
        Insn::Ja { .. } => Insn::Ja { off: short()? },
        Insn::MayGoto { .. } => Insn::MayGoto { off: short()? },
        Insn::Jmp {
            width,
            cond,
            dst,
            src,
            ..
        } => Insn::Jmp {
            width,
            cond,
            dst,
            src,
            off: short()?,
        },
        Insn::Ja32 { .. } => Insn::Ja32 { imm: long()? },
        Insn::Call(CallTarget::Local(_)) => Insn::Call(CallTarget::Local(long()?)),
        Insn::Lddw {
            dst,
            src: LddwSrc::CodeAddr,
            next_imm,
            ..
        } => Insn::Lddw {
            dst,
            src: LddwSrc::CodeAddr,
            imm: long()?,
            next_imm,
        },
        other => other,
    })
}

#[cfg(test)]
mod tests;
