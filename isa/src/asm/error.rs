//! The assembler's error type: [`AsmError`] (a line number and an [`AsmErrorKind`]).

use alloc::string::String;
use core::fmt;

/// Why a program could not be assembled, and on which line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsmError {
    line: usize,
    kind: AsmErrorKind,
}

/// What was wrong with a line of assembly.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AsmErrorKind {
    /// A character that starts no token (`@`, `{`, ...).
    UnexpectedChar {
        /// The character.
        ch: char,
    },
    /// The line does not have the expected shape (e.g. a label name that is a number, a stray
    /// `]`, an instruction that starts with a comma).
    Syntax {
        /// What the assembler expected.
        expected: &'static str,
        /// What it found (the offending token, or `end of line`).
        found: String,
    },
    /// The first word is not an instruction.
    UnknownMnemonic {
        /// The word found.
        name: String,
    },
    /// The instruction has too few or too many comma-separated operands.
    OperandCount {
        /// The mnemonic.
        mnemonic: String,
        /// How many operands it takes (`"2"`, `"2 or 3"`).
        expected: &'static str,
        /// How many were given.
        found: usize,
    },
    /// An operand of the wrong kind (an immediate where a register is required, ...).
    BadOperand {
        /// The mnemonic.
        mnemonic: String,
        /// 1-based operand position.
        position: usize,
        /// What the operand must be.
        expected: &'static str,
        /// The operand text found.
        found: String,
    },
    /// A register name other than `%r0`-`%r10` (or `r0`-`r10`).
    BadRegister {
        /// The name found.
        name: String,
    },
    /// A number that is not decimal or `0x` hexadecimal.
    BadNumber {
        /// The text found.
        text: String,
    },
    /// A number outside the range of its field.
    NumberOutOfRange {
        /// The number as written.
        text: String,
        /// The field (`32-bit immediate`, `16-bit offset`, ...).
        field: &'static str,
    },
    /// A jump or call to a label that is never defined.
    UndefinedLabel {
        /// The label.
        name: String,
    },
    /// A label defined twice.
    DuplicateLabel {
        /// The label.
        name: String,
        /// The line of the first definition.
        first_line: usize,
    },
    /// A jump whose distance does not fit its offset field.
    JumpOutOfRange {
        /// The distance in slots, relative to the next instruction.
        offset: i64,
        /// Width of the field: 16 (`ja`, conditional jumps) or 32 (`ja32`, `call local`).
        bits: u32,
    },
}

impl AsmError {
    /// Builds an error on `line` (1-based).
    pub fn new(line: usize, kind: AsmErrorKind) -> Self {
        AsmError { line, kind }
    }

    /// The 1-based line of the offending text.
    pub fn line(&self) -> usize {
        self.line
    }

    /// What was wrong.
    pub fn kind(&self) -> &AsmErrorKind {
        &self.kind
    }
}

impl fmt::Display for AsmErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AsmErrorKind::UnexpectedChar { ch } => write!(f, "unexpected character {ch:?}"),
            AsmErrorKind::Syntax { expected, found } => {
                write!(f, "expected {expected}, found {found}")
            }
            AsmErrorKind::UnknownMnemonic { name } => write!(f, "unknown mnemonic `{name}`"),
            AsmErrorKind::OperandCount {
                mnemonic,
                expected,
                found,
            } => write!(f, "`{mnemonic}` takes {expected} operand(s), found {found}"),
            AsmErrorKind::BadOperand {
                mnemonic,
                position,
                expected,
                found,
            } => write!(
                f,
                "operand {position} of `{mnemonic}` must be {expected}, found `{found}`"
            ),
            AsmErrorKind::BadRegister { name } => {
                write!(f, "`{name}` is not a register (%r0-%r10)")
            }
            AsmErrorKind::BadNumber { text } => {
                write!(f, "`{text}` is not a decimal or 0x-hexadecimal number")
            }
            AsmErrorKind::NumberOutOfRange { text, field } => {
                write!(f, "{text} does not fit a {field}")
            }
            AsmErrorKind::UndefinedLabel { name } => write!(f, "undefined label `{name}`"),
            AsmErrorKind::DuplicateLabel { name, first_line } => {
                write!(f, "label `{name}` already defined on line {first_line}")
            }
            AsmErrorKind::JumpOutOfRange { offset, bits } => write!(
                f,
                "jump distance {offset:+} does not fit the {bits}-bit offset field"
            ),
        }
    }
}

impl fmt::Display for AsmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.kind)
    }
}

impl core::error::Error for AsmError {}
