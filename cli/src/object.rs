//! ELF objects on the command line: `ebpf sections` (programs and maps, as text or JSON) and
//! `ebpf disasm FILE.o` (disassembly with C source lines from BTF line info, like
//! `llvm-objdump -S`).

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use ebpf_loader::{LoadOptions, MapDef, MapInitTarget, MapOrigin, MapRefKind, Object, Program};
use ebpf_platform::Platform;

/// Whether `bytes` start like an ELF file.
pub fn is_elf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x7fELF")
}

/// Reads and loads the object at `path`, for `platform`; errors name the file and the loader's
/// location.
pub fn load(path: &Path, platform: &'static Platform) -> Result<Object> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Object::parse(&bytes, &LoadOptions::new(platform))
        .map_err(|e| anyhow!("{}: {e}", path.display()))
}

/// The program type's name, `unknown` when the section name implies none.
fn program_type_name(program: &Program) -> &'static str {
    program.program_type.map_or("unknown", |t| t.name)
}

fn map_name(object: &Object, index: usize) -> &str {
    object.maps().get(index).map_or("?", |m| m.name.as_str())
}

fn origin(map: &MapDef) -> &'static str {
    match map.origin {
        MapOrigin::Legacy => "legacy",
        MapOrigin::Btf => "btf",
        MapOrigin::GlobalData { .. } => "global-data",
        MapOrigin::Inner => "inner",
        _ => "other",
    }
}

/// The `ebpf sections` text: one line per program, then one per map.
pub fn sections_text(object: &Object) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "programs:");
    for p in object.programs() {
        let maps: Vec<&str> = p.maps_used().iter().map(|&m| map_name(object, m)).collect();
        let maps = if maps.is_empty() {
            "-".to_string()
        } else {
            maps.join(",")
        };
        let _ = write!(
            out,
            "  {:<24} {:<28} {:<18} {:>6} insns  maps: {maps}",
            p.section,
            p.function,
            program_type_name(p),
            p.slots()
        );
        if let Some(e) = &p.decode_error {
            let _ = write!(out, "  (does not decode: {e})");
        }
        out.push('\n');
    }
    let _ = writeln!(out, "maps:");
    for (i, m) in object.maps().iter().enumerate() {
        let _ = write!(
            out,
            "  #{i:<3} {:<24} {:<16} key {:>4} value {:>6} max_entries {:>8} flags {:#x}",
            m.name,
            m.type_name(),
            m.key_size,
            m.value_size,
            m.max_entries,
            m.flags
        );
        if m.pinning != 0 {
            let _ = write!(out, " pinning {}", m.pinning);
        }
        if let Some(inner) = &m.inner {
            let _ = write!(
                out,
                " inner({} key {} value {} max_entries {})",
                inner.type_name(),
                inner.key_size,
                inner.value_size,
                inner.max_entries
            );
        }
        if !m.initial_values.is_empty() {
            let entries: Vec<String> = m
                .initial_values
                .iter()
                .map(|i| match &i.target {
                    MapInitTarget::Map(index) => {
                        format!("{}={}", i.index, map_name(object, *index))
                    }
                    MapInitTarget::Program(name) => format!("{}={name}", i.index),
                    _ => format!("{}=?", i.index),
                })
                .collect();
            let _ = write!(out, " init {{{}}}", entries.join(", "));
        }
        let _ = writeln!(out, "  [{} in {}]", origin(m), m.section);
    }
    if let Some(license) = object.license() {
        let _ = writeln!(out, "license: {license}");
    }
    if let Some(version) = object.version() {
        let _ = writeln!(out, "version: {version:#x}");
    }
    out
}

/// The `ebpf sections --json` value: an array with one object per program.
pub fn sections_json(object: &Object) -> serde_json::Value {
    let programs = object.programs().iter().map(|p| {
        let maps: Vec<serde_json::Value> = p
            .maps_used()
            .iter()
            .map(|&m| {
                let def = &object.maps()[m];
                serde_json::json!({
                    "index": m,
                    "name": def.name,
                    "type": def.type_name(),
                    "key_size": def.key_size,
                    "value_size": def.value_size,
                    "max_entries": def.max_entries,
                })
            })
            .collect();
        serde_json::json!({
            "section": p.section,
            "function": p.function,
            "program_type": program_type_name(p),
            "attach_type": p.attach_type.map(|a| a.name),
            "attach_target": p.attach_target,
            "instructions": p.slots(),
            "maps": maps,
            "functions": p.functions.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
            "map_refs": p.map_refs.iter().map(|r| match r.kind {
                MapRefKind::Value { offset } => serde_json::json!({"pc": r.pc, "map": r.map, "offset": offset}),
                _ => serde_json::json!({"pc": r.pc, "map": r.map}),
            }).collect::<Vec<_>>(),
            "decode_error": p.decode_error.as_ref().map(|e| e.to_string()),
        })
    });
    serde_json::Value::Array(programs.collect())
}

/// The programs `section` / `function` select (all when both are `None`).
pub fn select<'a>(
    object: &'a Object,
    section: Option<&str>,
    function: Option<&str>,
) -> Result<Vec<&'a Program>> {
    let chosen: Vec<&Program> = object
        .programs()
        .iter()
        .filter(|p| section.map_or(true, |s| p.section == s))
        .filter(|p| function.map_or(true, |f| p.function == f))
        .collect();
    if chosen.is_empty() {
        let names: Vec<String> = object
            .programs()
            .iter()
            .map(|p| format!("{}/{}", p.section, p.function))
            .collect();
        bail!(
            "no program matches{}{}; programs: {}",
            section.map(|s| format!(" section {s}")).unwrap_or_default(),
            function
                .map(|f| format!(" function {f}"))
                .unwrap_or_default(),
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        );
    }
    Ok(chosen)
}

/// Disassembles `program`, with a `; source` line before each instruction that starts a new
/// source position, a `<function>:` line where each linked function starts and the map name
/// after each map reference.
pub fn disasm_program(object: &Object, program: &Program) -> Result<String> {
    if let Some(e) = &program.decode_error {
        bail!("{}/{}: {e}", program.section, program.function);
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}/{} ({}, {} instructions):",
        program.section,
        program.function,
        program_type_name(program),
        program.slots()
    );
    let listing = ebpf_isa::disasm::listing(&program.insns);
    let mut last_line: Option<(&str, u32)> = None;
    for line in &listing {
        if let Some(f) = program.functions.iter().find(|f| f.pc == line.pc) {
            let _ = writeln!(out, "<{}>:", f.name);
        }
        if let Some(info) = program.lines.iter().find(|l| l.pc == line.pc) {
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
        if let Some(label) = &line.label {
            let _ = writeln!(out, "{label}:");
        }
        let _ = write!(out, "{:>6}:  {}", line.pc, line.text);
        if let Some(r) = program.map_refs.iter().find(|r| r.pc == line.pc) {
            match r.kind {
                MapRefKind::Map => {
                    let _ = write!(out, "  ; map {}", map_name(object, r.map));
                }
                MapRefKind::Value { offset } => {
                    let _ = write!(out, "  ; {} + {offset}", map_name(object, r.map));
                }
                _ => {}
            }
        }
        out.push('\n');
    }
    Ok(out)
}
