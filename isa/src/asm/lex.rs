//! Splits one line of assembly into tokens and parses number literals.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use super::error::AsmErrorKind;

/// One token of a line. Signs are separate tokens so that `[%r1-4]` and `-4` lex alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Tok<'a> {
    /// A word: mnemonic, register, label or keyword (`%r1`, `ldxw`, `fail`, `map_fd`).
    Ident(&'a str),
    /// A number literal without its sign (`5`, `0x10`).
    Num(&'a str),
    /// `,`
    Comma,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `:`
    Colon,
    /// `#` between a helper's name and its id (`call bpf_map_lookup_elem#1`); anywhere else
    /// `#` starts a comment.
    Hash,
}

impl Tok<'_> {
    fn is_word(self) -> bool {
        matches!(self, Tok::Ident(_) | Tok::Num(_))
    }
}

impl fmt::Display for Tok<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Ident(s) | Tok::Num(s) => f.write_str(s),
            Tok::Comma => f.write_str(","),
            Tok::LBracket => f.write_str("["),
            Tok::RBracket => f.write_str("]"),
            Tok::Plus => f.write_str("+"),
            Tok::Minus => f.write_str("-"),
            Tok::Colon => f.write_str(":"),
            Tok::Hash => f.write_str("#"),
        }
    }
}

/// The tokens as text, for error messages (`[%r1+4]`, `map_value 3`).
pub(super) fn text(toks: &[Tok<'_>]) -> String {
    let mut out = String::new();
    let mut prev: Option<Tok<'_>> = None;
    for &t in toks {
        if prev.is_some_and(|p| p.is_word() && t.is_word()) {
            out.push(' ');
        }
        out.push_str(&t.to_string());
        prev = Some(t);
    }
    out
}

/// The line without its comment (`#`, `;` or `//` to the end of the line). A `#` joining a
/// name and a number (`bpf_map_lookup_elem#1`, as the disassembler names helpers) is not a
/// comment.
fn strip_comment(line: &str) -> &str {
    let mut end = line.len();
    for pat in [";", "//"] {
        if let Some(i) = line.find(pat) {
            end = end.min(i);
        }
    }
    if let Some((i, _)) = line
        .char_indices()
        .find(|&(i, c)| c == '#' && !joins_name_and_id(line, i))
    {
        end = end.min(i);
    }
    line.get(..end).unwrap_or(line)
}

/// Whether the `#` at byte `at` of `line` sits between a name (a word starting with a letter
/// or `_`) and a digit, with no space on either side.
fn joins_name_and_id(line: &str, at: usize) -> bool {
    let before = line.get(..at).unwrap_or_default();
    let after = line.get(at + 1..).unwrap_or_default();
    let word_start = before
        .char_indices()
        .rev()
        .take_while(|&(_, c)| ident_continue(c))
        .last()
        .map(|(i, _)| i);
    let starts_like_a_name = word_start
        .and_then(|i| before.get(i..))
        .and_then(|w| w.chars().next())
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    starts_like_a_name && after.starts_with(|c: char| c.is_ascii_digit())
}

fn ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || matches!(c, '_' | '.' | '%' | '$')
}

fn ident_continue(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '$')
}

/// Splits `line` into tokens, dropping whitespace and the comment.
pub(super) fn lex(line: &str) -> Result<Vec<Tok<'_>>, AsmErrorKind> {
    let line = strip_comment(line);
    let mut toks = Vec::new();
    let mut chars = line.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        let tok = match c {
            c if c.is_whitespace() => continue,
            ',' => Tok::Comma,
            '[' => Tok::LBracket,
            ']' => Tok::RBracket,
            '+' => Tok::Plus,
            '-' => Tok::Minus,
            ':' => Tok::Colon,
            '#' => Tok::Hash,
            c if ident_start(c) || c.is_ascii_digit() => {
                let mut end = start + c.len_utf8();
                while let Some(&(i, n)) = chars.peek() {
                    if !ident_continue(n) {
                        break;
                    }
                    end = i + n.len_utf8();
                    chars.next();
                }
                let word = line.get(start..end).unwrap_or_default();
                if c.is_ascii_digit() {
                    Tok::Num(word)
                } else {
                    Tok::Ident(word)
                }
            }
            ch => return Err(AsmErrorKind::UnexpectedChar { ch }),
        };
        toks.push(tok);
    }
    Ok(toks)
}

/// The value of an unsigned literal: decimal digits or `0x` followed by hex digits.
pub(super) fn magnitude(text: &str) -> Result<u64, AsmErrorKind> {
    let bad = || AsmErrorKind::BadNumber {
        text: text.to_string(),
    };
    let (digits, radix) = match text.get(..2) {
        Some("0x" | "0X") => (text.get(2..).unwrap_or_default(), 16),
        _ => (text, 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(bad());
    }
    u64::from_str_radix(digits, radix).map_err(|_| AsmErrorKind::NumberOutOfRange {
        text: text.to_string(),
        field: "64-bit value",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexes_memory_operand_and_comment() {
        let toks = lex("ldxw %r0, [%r1-4] # load").unwrap();
        assert_eq!(
            toks,
            [
                Tok::Ident("ldxw"),
                Tok::Ident("%r0"),
                Tok::Comma,
                Tok::LBracket,
                Tok::Ident("%r1"),
                Tok::Minus,
                Tok::Num("4"),
                Tok::RBracket,
            ]
        );
        assert_eq!(text(&toks[3..]), "[%r1-4]");
    }

    #[test]
    fn all_comment_styles_end_the_line() {
        assert!(lex("# x").unwrap().is_empty());
        assert_eq!(lex("exit ; x").unwrap(), [Tok::Ident("exit")]);
        assert_eq!(lex("exit // x").unwrap(), [Tok::Ident("exit")]);
    }

    #[test]
    fn hash_between_a_name_and_a_number_is_a_token() {
        assert_eq!(
            lex("call bpf_map_lookup_elem#1 # comment").unwrap(),
            [
                Tok::Ident("call"),
                Tok::Ident("bpf_map_lookup_elem"),
                Tok::Hash,
                Tok::Num("1"),
            ]
        );
        // A comment after a space, after a number or before a non-digit stays a comment.
        assert_eq!(lex("exit #1").unwrap(), [Tok::Ident("exit")]);
        assert_eq!(lex("mov %r0, 1#1").unwrap().len(), 4);
        assert_eq!(lex("exit#x").unwrap(), [Tok::Ident("exit")]);
        assert!(lex("#1").unwrap().is_empty());
    }

    #[test]
    fn rejects_stray_characters() {
        assert_eq!(
            lex("mov %r0, @1"),
            Err(AsmErrorKind::UnexpectedChar { ch: '@' })
        );
        assert_eq!(lex("exit é"), Err(AsmErrorKind::UnexpectedChar { ch: 'é' }));
    }

    #[test]
    fn parses_magnitudes() {
        assert_eq!(magnitude("0x10"), Ok(16));
        assert_eq!(magnitude("0XfF"), Ok(255));
        assert_eq!(magnitude("18446744073709551615"), Ok(u64::MAX));
        assert!(matches!(
            magnitude("18446744073709551616"),
            Err(AsmErrorKind::NumberOutOfRange { .. })
        ));
        for bad in ["0x", "0x+5", "12ab", "0b1", "1_000"] {
            assert!(
                matches!(magnitude(bad), Err(AsmErrorKind::BadNumber { .. })),
                "{bad}"
            );
        }
    }
}
