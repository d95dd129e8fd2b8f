//! Operands of one instruction: registers, immediates, memory references and jump targets.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::error::AsmErrorKind;
use super::lex::{magnitude, text, Tok};
use crate::insn::{Operand, Reg};

/// Where a jump or local call goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Target {
    /// Slots relative to the next instruction, as encoded.
    Rel(i64),
    /// A label, resolved once every line has been read.
    Label(String),
}

/// The comma-separated operands of one instruction, with the mnemonic for error messages.
pub(super) struct Ops<'t, 'a> {
    mnemonic: &'t str,
    ops: Vec<&'t [Tok<'a>]>,
}

/// A register name: `Some(Ok)` for `%r0`-`%r10` / `r0`-`r10`, `Some(Err)` for a name that
/// looks like a register but is not one (`%r11`, `%sp`), `None` for any other word.
pub(super) fn register(name: &str) -> Option<Result<Reg, AsmErrorKind>> {
    let (digits, sigil) = match name.strip_prefix('%') {
        Some(rest) => (rest.strip_prefix('r'), true),
        None => (name.strip_prefix('r'), false),
    };
    let number = digits.filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
    match number {
        Some(d) => {
            let reg = d.parse::<u8>().ok().and_then(Reg::new);
            Some(reg.ok_or_else(|| AsmErrorKind::BadRegister {
                name: name.to_string(),
            }))
        }
        None if sigil => Some(Err(AsmErrorKind::BadRegister {
            name: name.to_string(),
        })),
        None => None,
    }
}

/// A signed literal (`5`, `-0x10`, `+3`), or `None` when the tokens are not one.
fn signed(toks: &[Tok<'_>]) -> Option<Result<i128, AsmErrorKind>> {
    let (negative, digits) = match toks {
        [Tok::Num(d)] | [Tok::Plus, Tok::Num(d)] => (false, d),
        [Tok::Minus, Tok::Num(d)] => (true, d),
        _ => return None,
    };
    Some(magnitude(digits).map(|m| {
        if negative {
            -i128::from(m)
        } else {
            i128::from(m)
        }
    }))
}

/// `value` if it lies in `min..=max`, else an out-of-range error naming `field`.
fn in_range(
    toks: &[Tok<'_>],
    value: i128,
    min: i128,
    max: i128,
    field: &'static str,
) -> Result<i128, AsmErrorKind> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(AsmErrorKind::NumberOutOfRange {
            text: text(toks),
            field,
        })
    }
}

impl<'t, 'a> Ops<'t, 'a> {
    /// Splits `toks` (everything after the mnemonic) at commas.
    pub(super) fn new(mnemonic: &'t str, toks: &'t [Tok<'a>]) -> Self {
        let ops = if toks.is_empty() {
            Vec::new()
        } else {
            toks.split(|t| *t == Tok::Comma).collect()
        };
        Ops { mnemonic, ops }
    }

    /// The mnemonic, for error messages.
    pub(super) fn mnemonic(&self) -> &str {
        self.mnemonic
    }

    /// Number of operands.
    pub(super) fn len(&self) -> usize {
        self.ops.len()
    }

    /// Fails unless there are exactly `n` operands.
    pub(super) fn expect(&self, n: usize) -> Result<(), AsmErrorKind> {
        const NAMES: [&str; 4] = ["no", "1", "2", "3"];
        if self.ops.len() == n {
            Ok(())
        } else {
            Err(self.count_error(NAMES.get(n).copied().unwrap_or("more")))
        }
    }

    /// The wrong-operand-count error, with `expected` spelled out.
    pub(super) fn count_error(&self, expected: &'static str) -> AsmErrorKind {
        AsmErrorKind::OperandCount {
            mnemonic: self.mnemonic.to_string(),
            expected,
            found: self.ops.len(),
        }
    }

    /// The tokens of operand `i` (0-based); empty past the end.
    pub(super) fn toks(&self, i: usize) -> &'t [Tok<'a>] {
        self.ops.get(i).copied().unwrap_or_default()
    }

    /// The bad-operand error for operand `i` (0-based).
    pub(super) fn bad(&self, i: usize, expected: &'static str) -> AsmErrorKind {
        AsmErrorKind::BadOperand {
            mnemonic: self.mnemonic.to_string(),
            position: i + 1,
            expected,
            found: text(self.toks(i)),
        }
    }

    /// Operand `i` as a register.
    pub(super) fn reg(&self, i: usize) -> Result<Reg, AsmErrorKind> {
        match self.toks(i) {
            [Tok::Ident(name)] => register(name).unwrap_or_else(|| Err(self.bad(i, "a register"))),
            _ => Err(self.bad(i, "a register")),
        }
    }

    /// Operand `i` as a number in `min..=max`.
    fn number(
        &self,
        i: usize,
        min: i128,
        max: i128,
        field: &'static str,
    ) -> Result<i128, AsmErrorKind> {
        let toks = self.toks(i);
        let value = signed(toks).ok_or_else(|| self.bad(i, "a number"))??;
        in_range(toks, value, min, max, field)
    }

    /// Operand `i` as a 32-bit immediate; `0x80000000..=0xffffffff` wrap to negative values.
    pub(super) fn imm32(&self, i: usize) -> Result<i32, AsmErrorKind> {
        let v = self.number(i, i32::MIN.into(), u32::MAX.into(), "32-bit immediate")?;
        Ok(v as u32 as i32)
    }

    /// Operand `i` as a 64-bit value (any `i64` or `u64`).
    pub(super) fn imm64(&self, i: usize) -> Result<u64, AsmErrorKind> {
        let v = self.number(i, i64::MIN.into(), u64::MAX.into(), "64-bit immediate")?;
        Ok(v as u64)
    }

    /// Operand `i` as a register or a 32-bit immediate.
    pub(super) fn reg_or_imm(&self, i: usize) -> Result<Operand, AsmErrorKind> {
        match self.toks(i) {
            [Tok::Ident(_)] => self.reg(i).map(Operand::Reg),
            toks if signed(toks).is_some() => self.imm32(i).map(Operand::Imm),
            _ => Err(self.bad(i, "a register or an immediate")),
        }
    }

    /// Operand `i` as a memory reference `[%rN]`, `[%rN+off]` or `[%rN-off]`.
    pub(super) fn mem(&self, i: usize) -> Result<(Reg, i16), AsmErrorKind> {
        const WHAT: &str = "a memory reference like [%r1+8]";
        let [Tok::LBracket, Tok::Ident(name), rest @ .., Tok::RBracket] = self.toks(i) else {
            return Err(self.bad(i, WHAT));
        };
        let base = register(name).unwrap_or_else(|| Err(self.bad(i, WHAT)))?;
        if rest.is_empty() {
            return Ok((base, 0));
        }
        if !matches!(rest, [Tok::Plus | Tok::Minus, Tok::Num(_)]) {
            return Err(self.bad(i, WHAT));
        }
        let value = signed(rest).ok_or_else(|| self.bad(i, WHAT))??;
        let off = in_range(
            rest,
            value,
            i16::MIN.into(),
            i16::MAX.into(),
            "16-bit offset",
        )?;
        Ok((base, off as i16))
    }

    /// Operand `i` as a jump target: a label or a signed slot count (`+3`, `-2`).
    pub(super) fn target(&self, i: usize) -> Result<Target, AsmErrorKind> {
        target(self.toks(i)).ok_or_else(|| self.bad(i, "a label or a relative offset like +3"))?
    }
}

/// Parses a jump target from its tokens.
pub(super) fn target(toks: &[Tok<'_>]) -> Option<Result<Target, AsmErrorKind>> {
    match toks {
        [Tok::Ident(name)] if !name.starts_with('%') => Some(Ok(Target::Label(name.to_string()))),
        _ => signed(toks).map(|r| {
            // An i128 from a u64 magnitude always fits i64 after the range check below.
            r.and_then(|v| in_range(toks, v, i64::MIN.into(), i64::MAX.into(), "jump offset"))
                .map(|v| Target::Rel(v as i64))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::super::lex::lex;
    use super::*;

    fn ops_of(line: &str, f: impl FnOnce(&Ops<'_, '_>)) {
        let toks = lex(line).unwrap();
        f(&Ops::new("test", &toks));
    }

    #[test]
    fn registers() {
        assert_eq!(register("%r10"), Some(Ok(Reg::R10)));
        assert_eq!(register("r3"), Some(Ok(Reg::R3)));
        assert!(matches!(
            register("%r11"),
            Some(Err(AsmErrorKind::BadRegister { .. }))
        ));
        assert!(matches!(
            register("%sp"),
            Some(Err(AsmErrorKind::BadRegister { .. }))
        ));
        assert!(matches!(
            register("r300"),
            Some(Err(AsmErrorKind::BadRegister { .. }))
        ));
        assert_eq!(register("rx"), None);
        assert_eq!(register("fail"), None);
    }

    #[test]
    fn immediates_accept_i32_and_u32_range() {
        ops_of("0xffffffff, -0x80000000, 0x100000000, -2147483649", |o| {
            assert_eq!(o.imm32(0), Ok(-1));
            assert_eq!(o.imm32(1), Ok(i32::MIN));
            assert!(matches!(
                o.imm32(2),
                Err(AsmErrorKind::NumberOutOfRange { .. })
            ));
            assert!(matches!(
                o.imm32(3),
                Err(AsmErrorKind::NumberOutOfRange { .. })
            ));
        });
        ops_of("-1, 0xffffffffffffffff, -0x8000000000000001", |o| {
            assert_eq!(o.imm64(0), Ok(u64::MAX));
            assert_eq!(o.imm64(1), Ok(u64::MAX));
            assert!(o.imm64(2).is_err());
        });
    }

    #[test]
    fn memory_references() {
        ops_of(
            "[%r1], [%r1+4], [%r10-0x10], [%r1+32768], [4], [%r1+%r2]",
            |o| {
                assert_eq!(o.mem(0), Ok((Reg::R1, 0)));
                assert_eq!(o.mem(1), Ok((Reg::R1, 4)));
                assert_eq!(o.mem(2), Ok((Reg::R10, -16)));
                assert!(matches!(
                    o.mem(3),
                    Err(AsmErrorKind::NumberOutOfRange { .. })
                ));
                assert!(matches!(
                    o.mem(4),
                    Err(AsmErrorKind::BadOperand { position: 5, .. })
                ));
                assert!(matches!(o.mem(5), Err(AsmErrorKind::BadOperand { .. })));
            },
        );
    }

    #[test]
    fn targets() {
        ops_of("+3, -2, fail, %r1", |o| {
            assert_eq!(o.target(0), Ok(Target::Rel(3)));
            assert_eq!(o.target(1), Ok(Target::Rel(-2)));
            assert_eq!(o.target(2), Ok(Target::Label("fail".into())));
            assert!(o.target(3).is_err());
        });
    }
}
