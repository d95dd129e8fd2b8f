//! The `.data` test-vector format shared by bpf_conformance and the project's own corpus.
//!
//! A file is a sequence of `-- name` sections: `asm` (assembler text), `raw` (u64 words, replaces
//! `asm`), `mem` (input bytes in hex), `result` (expected r0) or `error` (an expected failure class,
//! see [`ErrorClass`]). Lines starting with `#` outside `asm` are comments; unknown sections
//! (`-- c`, ...) are ignored.

use std::fmt;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use ebpf_isa::{Insn, RawInsn};

use crate::hex;

/// Engine-neutral failure classes a test vector may expect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorClass {
    /// A load, store or atomic outside the granted memory.
    OutOfBounds,
    /// Too many nested bpf-to-bpf calls.
    CallDepth,
    /// The instruction budget ran out.
    Budget,
    /// A call of a helper the runner does not provide.
    UnknownHelper,
    /// Rejected before running (bad jump target, empty program, ...).
    InvalidProgram,
}

impl ErrorClass {
    /// Every class with its keyword.
    pub const ALL: [(ErrorClass, &'static str); 5] = [
        (ErrorClass::OutOfBounds, "out-of-bounds"),
        (ErrorClass::CallDepth, "call-depth"),
        (ErrorClass::Budget, "budget"),
        (ErrorClass::UnknownHelper, "unknown-helper"),
        (ErrorClass::InvalidProgram, "invalid-program"),
    ];

    /// The keyword written in `-- error` sections.
    pub fn keyword(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(c, _)| *c == self)
            .map_or("?", |(_, k)| k)
    }

    /// The class for a keyword.
    pub fn from_keyword(word: &str) -> Option<ErrorClass> {
        Self::ALL.iter().find(|(_, k)| *k == word).map(|(c, _)| *c)
    }
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

/// What a test vector expects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    /// The program exits with this r0.
    Result(u64),
    /// The program fails in this way.
    Error(ErrorClass),
}

/// One parsed test vector.
#[derive(Clone, Debug)]
pub struct TestCase {
    /// The file name without directory.
    pub name: String,
    /// The `-- asm` text, if any.
    pub asm: Option<String>,
    /// The `-- raw` words, if any (they take precedence over `asm`).
    pub raw: Option<Vec<u64>>,
    /// Input memory.
    pub mem: Vec<u8>,
    /// Expected outcome.
    pub expect: Expect,
}

impl TestCase {
    /// Reads and parses a `.data` file.
    pub fn load(path: &Path) -> Result<TestCase> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let name = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        Self::parse(&name, &text).with_context(|| path.display().to_string())
    }

    /// Parses the text of a `.data` file.
    pub fn parse(name: &str, text: &str) -> Result<TestCase> {
        let mut sections: Vec<(String, usize, String)> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if let Some(header) = line.strip_prefix("--") {
                sections.push((header.trim().to_string(), i + 1, String::new()));
            } else if let Some((_, _, body)) = sections.last_mut() {
                body.push_str(line);
                body.push('\n');
            }
        }
        let mut case = TestCase {
            name: name.to_string(),
            asm: None,
            raw: None,
            mem: Vec::new(),
            expect: Expect::Result(0),
        };
        let mut expect = None;
        for (header, line, body) in sections {
            let data = strip_comments(&body);
            let at = || format!("section `-- {header}` at line {line}");
            match header.as_str() {
                "asm" => case.asm = Some(body),
                "raw" => {
                    let words = data
                        .split_whitespace()
                        .map(hex::parse_u64)
                        .collect::<Result<Vec<_>>>()
                        .with_context(at)?;
                    case.raw = Some(words);
                }
                "mem" => case.mem = hex::parse_bytes(&data).with_context(at)?,
                "result" => {
                    let value = data
                        .split_whitespace()
                        .next()
                        .ok_or_else(|| anyhow!("empty"));
                    expect = Some(Expect::Result(hex::parse_u64(value.with_context(at)?)?));
                }
                "error" => {
                    let word = data.split_whitespace().next().unwrap_or("");
                    let class = ErrorClass::from_keyword(word).ok_or_else(|| {
                        let known: Vec<_> = ErrorClass::ALL.iter().map(|(_, k)| *k).collect();
                        anyhow!(
                            "{}: unknown error class `{word}` (one of {})",
                            at(),
                            known.join(", ")
                        )
                    })?;
                    expect = Some(Expect::Error(class));
                }
                _ => {}
            }
        }
        if case.asm.is_none() && case.raw.is_none() {
            bail!("no `-- asm` or `-- raw` section");
        }
        case.expect = expect.ok_or_else(|| anyhow!("no `-- result` or `-- error` section"))?;
        Ok(case)
    }

    /// The program as typed instructions: `-- raw` decoded, else `-- asm` assembled.
    ///
    /// An `Err` here means the vector itself is malformed; decode failures of `-- raw` are
    /// returned as [`ProgramText::Invalid`] so that `invalid-program` vectors can expect them.
    pub fn program(&self) -> Result<ProgramText> {
        if let Some(words) = &self.raw {
            let bytes: Vec<u8> = words
                .iter()
                .flat_map(|w| RawInsn::from_u64(*w).to_bytes())
                .collect();
            return Ok(match ebpf_isa::decode(&bytes) {
                Ok(insns) => ProgramText::Insns(insns),
                Err(e) => ProgramText::Invalid(e.to_string()),
            });
        }
        let asm = self.asm.as_deref().unwrap_or("");
        let insns = ebpf_isa::asm::assemble(asm).map_err(|e| anyhow!("-- asm: {e}"))?;
        Ok(ProgramText::Insns(insns))
    }
}

/// A test vector's program after decoding or assembly.
#[derive(Clone, Debug)]
pub enum ProgramText {
    /// Typed instructions.
    Insns(Vec<Insn>),
    /// Raw words that do not decode (the reason).
    Invalid(String),
}

fn strip_comments(body: &str) -> String {
    body.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_result_mem_and_raw() {
        let text =
            "# c\n-- asm\nmov %r0, %r2\nexit\n-- mem\n00 01\n02\n-- raw\n0x00000000000000b7\n\
                    0x0000000000000095\n-- result\n0xFF  \n-- c\nint x;\n";
        let case = TestCase::parse("t.data", text).unwrap();
        assert_eq!(case.mem, vec![0, 1, 2]);
        assert_eq!(case.raw.as_deref(), Some(&[0xb7u64, 0x95][..]));
        assert_eq!(case.expect, Expect::Result(0xff));
    }

    #[test]
    fn parses_error_class() {
        let case = TestCase::parse("t", "-- asm\nexit\n-- error\n# why\nbudget\n").unwrap();
        assert_eq!(case.expect, Expect::Error(ErrorClass::Budget));
        let bad = TestCase::parse("t", "-- asm\nexit\n-- error\nexploded\n").unwrap_err();
        assert!(
            format!("{bad:#}").contains("unknown error class `exploded`"),
            "{bad:#}"
        );
    }

    #[test]
    fn missing_sections_are_errors() {
        assert!(TestCase::parse("t", "-- asm\nexit\n").is_err());
        assert!(TestCase::parse("t", "-- result\n0x1\n").is_err());
    }
}
