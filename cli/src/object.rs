//! ELF objects on the command line: loading, choosing programs, and `ebpf sections` (programs,
//! maps and license, as text or JSON); `ebpf disasm FILE.o` is in [`crate::disasm`].

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use ebpf_loader::{LoadOptions, MapDef, MapInitTarget, MapOrigin, MapRefKind, Object, Program};
use ebpf_platform::Platform;

/// Whether `bytes` start like an ELF file.
pub fn is_elf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x7fELF")
}

/// Reads and loads the object at `path`, for `platform`, typing the programs whose sections
/// imply no type by the file name where the platform has a convention for it (Cilium's
/// `bpf_xdp*.o`); errors name the file and the loader's location.
pub fn load(path: &Path, platform: &'static Platform) -> Result<Object> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut object = Object::parse(&bytes, &LoadOptions::new(platform))
        .map_err(|e| anyhow!("{}: {e}", path.display()))?;
    object.type_programs_from_path(&path.to_string_lossy());
    Ok(object)
}

/// The program type's name, `unknown` when the section name implies none.
pub(crate) fn program_type_name(program: &Program) -> &'static str {
    program.program_type.map_or("unknown", |t| t.name)
}

/// The name of map `index` of `object` (`?` when there is none).
pub(crate) fn map_name(object: &Object, index: usize) -> &str {
    object.maps().get(index).map_or("?", |m| m.name.as_str())
}

fn origin(map: &MapDef) -> &'static str {
    match map.origin {
        MapOrigin::Legacy => "legacy",
        MapOrigin::Btf => "btf",
        MapOrigin::GlobalData { .. } => "global_data",
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
        } else if let Some(e) = &p.link_error {
            let _ = write!(out, "  (cannot be linked: {e})");
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

/// The JSON object of one map: `index`, `name`, `type`, `key_size`, `value_size`,
/// `max_entries`, `flags`, `pinning`, `origin`, `section`, `inner` (a map-in-map's template),
/// `initial_values` ([{`index`, `map` or `program`}]).
fn map_json(object: &Object, index: usize, m: &MapDef) -> serde_json::Value {
    let inner = m.inner.as_ref().map(|i| {
        serde_json::json!({
            "type": i.type_name(),
            "key_size": i.key_size,
            "value_size": i.value_size,
            "max_entries": i.max_entries,
            "flags": i.flags,
        })
    });
    let initial_values: Vec<serde_json::Value> = m
        .initial_values
        .iter()
        .map(|i| match &i.target {
            MapInitTarget::Map(map) => {
                serde_json::json!({ "index": i.index, "map": map_name(object, *map) })
            }
            MapInitTarget::Program(name) => {
                serde_json::json!({ "index": i.index, "program": name })
            }
            _ => serde_json::json!({ "index": i.index }),
        })
        .collect();
    serde_json::json!({
        "index": index,
        "name": m.name,
        "type": m.type_name(),
        "key_size": m.key_size,
        "value_size": m.value_size,
        "max_entries": m.max_entries,
        "flags": m.flags,
        "pinning": m.pinning,
        "origin": origin(m),
        "section": m.section,
        "inner": inner,
        "initial_values": initial_values,
    })
}

/// The `ebpf sections` JSON value: `{"programs": [...], "maps": [...], "license", "version"}`.
/// A program has `section`, `function`, `program_type`, `attach_type`, `attach_target`,
/// `instructions` (in 8-byte slots), `maps` (the maps it uses: `index`, `name`, `type`,
/// `key_size`, `value_size`, `max_entries`, `flags`), `functions`, `map_refs` ({`pc`, `map`,
/// `offset`}), `decode_error` and `link_error`; a map is described at [`map_json`]. Every name is snake_case.
pub fn sections_json(object: &Object) -> serde_json::Value {
    let programs: Vec<serde_json::Value> = object.programs().iter().map(|p| {
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
                    "flags": def.flags,
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
            "link_error": p.link_error.as_ref().map(|e| e.to_string()),
        })
    }).collect();
    let maps: Vec<serde_json::Value> = object
        .maps()
        .iter()
        .enumerate()
        .map(|(i, m)| map_json(object, i, m))
        .collect();
    serde_json::json!({
        "programs": programs,
        "maps": maps,
        "license": object.license(),
        "version": object.version(),
    })
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
        .filter(|p| section.is_none_or(|s| p.section == s))
        .filter(|p| function.is_none_or(|f| p.function == f))
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
