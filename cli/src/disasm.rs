//! `ebpf disasm`: programs as text or JSON, helper calls named from the platform's helper table
//! (`call bpf_map_lookup_elem#1`, as bpftool prints them). For an ELF object's programs, the C
//! source lines from BTF line info come before the instructions they compiled to (like
//! `llvm-objdump -S`), with a `<function>:` line where each linked function starts and the map
//! name after each map reference.

use std::fmt::Write as _;

use anyhow::{bail, Result};
use ebpf_isa::disasm::{listing_with, Line};
use ebpf_isa::Insn;
use ebpf_loader::{LineInfo, MapRefKind, Object, Program};
use serde_json::{json, Value};

use ebpf_platform::{HelperId, Platform};

/// The name of helper `id` on `platform`. The one place that reads helper names for the
/// command line.
pub fn helper_name(platform: &Platform, id: i32) -> Option<&'static str> {
    platform.helper(HelperId::from_imm(id)).map(|h| h.name)
}

/// The listing of `insns` with helper names of `platform`.
fn listing(insns: &[Insn], platform: &Platform) -> Vec<Line> {
    listing_with(insns, &|id| helper_name(platform, id))
}

/// Raw instructions as text: labels for jump targets, one instruction per line (the syntax
/// `ebpf asm` reads).
pub fn raw_text(insns: &[Insn], platform: &Platform) -> String {
    let mut out = String::new();
    for line in listing(insns, platform) {
        if let Some(label) = &line.label {
            let _ = writeln!(out, "{label}:");
        }
        let _ = writeln!(out, "{}", line.text);
    }
    out
}

/// Raw instructions as JSON: `{"instructions": [{"pc", "text", "label"?}]}`.
pub fn raw_json(insns: &[Insn], platform: &Platform) -> Value {
    let lines: Vec<Value> = listing(insns, platform)
        .iter()
        .map(|line| line_json(line, None, None, None))
        .collect();
    json!({ "instructions": lines })
}

/// What is known about one instruction of an object's program.
struct Annotated<'a> {
    line: Line,
    /// The linked function starting here.
    function: Option<&'a str>,
    /// The source position recorded at this pc.
    source: Option<&'a LineInfo>,
    /// The map this `LDDW` refers to, and the offset into its value.
    map: Option<(&'a str, Option<i64>)>,
}

fn annotate<'a>(
    object: &'a Object,
    program: &'a Program,
    platform: &Platform,
) -> Result<Vec<Annotated<'a>>> {
    if let Some(e) = &program.decode_error {
        bail!("{}/{}: {e}", program.section, program.function);
    }
    Ok(listing(&program.insns, platform)
        .into_iter()
        .map(|line| {
            let pc = line.pc;
            let map = program.map_refs.iter().find(|r| r.pc == pc).and_then(|r| {
                let name = crate::object::map_name(object, r.map);
                match r.kind {
                    MapRefKind::Map => Some((name, None)),
                    MapRefKind::Value { offset } => Some((name, Some(i64::from(offset)))),
                    _ => None,
                }
            });
            Annotated {
                function: program
                    .functions
                    .iter()
                    .find(|f| f.pc == pc)
                    .map(|f| f.name.as_str()),
                source: program.lines.iter().find(|l| l.pc == pc),
                map,
                line,
            }
        })
        .collect())
}

/// One program of `object` as text: a header line, then the annotated instructions.
pub fn program_text(object: &Object, program: &Program, platform: &Platform) -> Result<String> {
    let lines = annotate(object, program, platform)?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}/{} ({}, {} instructions):",
        program.section,
        program.function,
        crate::object::program_type_name(program),
        program.slots()
    );
    let mut last_line: Option<(&str, u32)> = None;
    for a in &lines {
        if let Some(f) = a.function {
            let _ = writeln!(out, "<{f}>:");
        }
        if let Some(info) = a.source {
            let key = (info.file.as_str(), info.line);
            if last_line != Some(key) {
                if info.text.is_empty() {
                    let _ = writeln!(out, "; {}:{}", info.file, info.line);
                } else {
                    let _ = writeln!(out, "; {}", info.text.trim_end());
                }
                last_line = Some(key);
            }
        }
        if let Some(label) = &a.line.label {
            let _ = writeln!(out, "{label}:");
        }
        let _ = write!(out, "{:>6}:  {}", a.line.pc, a.line.text);
        match a.map {
            Some((name, None)) => {
                let _ = write!(out, "  ; map {name}");
            }
            Some((name, Some(offset))) => {
                let _ = write!(out, "  ; {name} + {offset}");
            }
            None => {}
        }
        out.push('\n');
    }
    Ok(out)
}

/// One program of `object` as JSON: `section`, `function`, `program_type`, `instructions`
/// (the count in 8-byte slots) and `insns`, one object per instruction (`pc`, `text`, and when
/// they apply `label`, `function`, `source` {`file`, `line`, `column`, `text`}, `map`
/// {`name`, `offset`}).
pub fn program_json(object: &Object, program: &Program, platform: &Platform) -> Result<Value> {
    let lines: Vec<Value> = annotate(object, program, platform)?
        .iter()
        .map(|a| line_json(&a.line, a.function, a.source, a.map))
        .collect();
    Ok(json!({
        "section": program.section,
        "function": program.function,
        "program_type": crate::object::program_type_name(program),
        "instructions": program.slots(),
        "insns": lines,
    }))
}

fn line_json(
    line: &Line,
    function: Option<&str>,
    source: Option<&LineInfo>,
    map: Option<(&str, Option<i64>)>,
) -> Value {
    let mut o = json!({ "pc": line.pc, "text": line.text });
    if let Some(label) = &line.label {
        o["label"] = json!(label);
    }
    if let Some(f) = function {
        o["function"] = json!(f);
    }
    if let Some(s) = source {
        o["source"] = json!({
            "file": s.file,
            "line": s.line,
            "column": s.column,
            "text": s.text.trim(),
        });
    }
    if let Some((name, offset)) = map {
        o["map"] = match offset {
            Some(offset) => json!({ "name": name, "offset": offset }),
            None => json!({ "name": name }),
        };
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers_are_named_per_platform() {
        assert_eq!(
            helper_name(&ebpf_platform::LINUX, 1),
            Some("bpf_map_lookup_elem")
        );
        assert_eq!(helper_name(&ebpf_platform::LINUX, 1_000_000), None);
        let insns = ebpf_isa::asm::assemble("call 1\ncall 1000000\nexit\n").unwrap();
        assert_eq!(
            raw_text(&insns, &ebpf_platform::LINUX),
            "call bpf_map_lookup_elem#1\ncall 1000000\nexit\n"
        );
        assert_eq!(
            raw_json(&insns, &ebpf_platform::LINUX)["instructions"][0]["text"],
            "call bpf_map_lookup_elem#1"
        );
    }
}
