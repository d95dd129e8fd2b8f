//! Our verifier against the Linux verifier on our own C programs (tests/programs, tests/verify).
//!
//! Each program is loaded with the real `bpf(BPF_PROG_LOAD)`: its maps are created with
//! `BPF_MAP_CREATE` (global data filled with its initial bytes), the loader's map indexes in
//! `LDDW` are replaced by the new map fds, and the kernel's verdict is compared with ours on the
//! `Linux` platform. Every disagreement must be listed in [`EXPLAINED`] with its reason, and
//! every listed one must still disagree, so the list stays true. Programs for eBPF for Windows
//! hooks are not applicable. Skips with a message where `bpf()` is refused.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::bpf::{self, Fd};
use ebpf_cli::verify::verify_program;
use ebpf_loader::{LoadOptions, MapDef, MapRefKind, Object, Program};
use ebpf_platform::{LINUX, WINDOWS};

/// Disagreements with the reason for each: (object, function, reason). All are programs Linux
/// accepts and we reject (precision gaps, not soundness ones), or programs Linux refuses only
/// because this test loads them without their BTF (checked with BTF in `linux_callbacks.rs`);
/// an entry that no longer disagrees is reported so it can be removed.
const EXPLAINED: &[(&str, &str, &str)] = &[
    ("loop_callback.o", "xdp_loop_callback", NO_FUNC_INFO),
    ("callbacks.o", "loop_sum", NO_FUNC_INFO),
    ("callbacks.o", "for_each_sum", NO_FUNC_INFO),
    ("callbacks.o", "for_each_reset", NO_FUNC_INFO),
    ("spin_lock.o", "locked_count", NO_MAP_BTF),
    ("spin_lock.o", "locked_total", NO_MAP_BTF),
];

/// Why Linux refuses callbacks here.
const NO_FUNC_INFO: &str = "Linux needs the program's BTF func_info for callbacks (\"missing btf \
     func_info\"); this test loads programs without BTF";
/// Why Linux refuses spin locks here.
const NO_MAP_BTF: &str = "Linux finds a value's bpf_spin_lock through the map's BTF; this test \
     creates maps without BTF";

/// The kernel's program and attach type numbers for `program` (a section implying no type is
/// a socket filter, as for our verifier); `Err` for a section of an eBPF-for-Windows-only hook.
fn kernel_types(program: &Program) -> Result<(u32, u32), String> {
    if program.program_type.is_none() && WINDOWS.section(&program.section).is_some() {
        return Err(format!("{} is an eBPF for Windows hook", program.section));
    }
    let prog_type = program
        .program_type
        .or(LINUX.default_program_type())
        .map_or(0, |t| t.number);
    Ok((prog_type, program.attach_type.map_or(0, |a| a.number)))
}

/// The name of a builtin (`memcmp`, ...) `program` calls, if it calls one.
fn builtin_called(program: &Program) -> Option<&'static str> {
    program.insns.iter().find_map(|insn| match insn {
        ebpf_isa::Insn::Call(ebpf_isa::CallTarget::Helper(imm)) => {
            let id = ebpf_platform::HelperId::from_imm(*imm);
            id.is_builtin()
                .then(|| LINUX.helper(id).map(|h| h.name))
                .flatten()
        }
        _ => None,
    })
}

/// Creates one kernel map like `map` (global data filled with its initial bytes).
fn create_map(map: &MapDef) -> Result<Fd, String> {
    let inner = match &map.inner {
        Some(inner) => Some(create_map(inner)?),
        None => None,
    };
    let fd = bpf::map_create(
        map.raw_type,
        map.key_size,
        map.value_size,
        map.max_entries,
        map.flags,
        inner.as_ref().map(|f| f.0),
    )?;
    if !map.data.is_empty() {
        let mut value = map.data.clone();
        value.resize(map.value_size as usize, 0);
        bpf::map_update(&fd, &0u32.to_ne_bytes(), &value)?;
    }
    Ok(fd)
}

/// The program's bytes with every map index replaced by the kernel map's fd.
fn relocated(program: &Program, fds: &[Fd]) -> Vec<u8> {
    let mut code = program.code.clone();
    for r in &program.map_refs {
        let fd = fds[r.map].0;
        let at = r.pc * 8;
        code[at + 4..at + 8].copy_from_slice(&fd.to_le_bytes());
        debug_assert!(matches!(r.kind, MapRefKind::Map | MapRefKind::Value { .. }));
    }
    code
}

#[test]
fn our_verdicts_match_the_linux_verifier() {
    if !bpf::available("cli/linux_verifier_diff/our_verdicts_match_the_linux_verifier") {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut objects: Vec<_> = ["tests/programs", "tests/verify"]
        .iter()
        .flat_map(|d| std::fs::read_dir(root.join(d)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "o"))
        .collect();
    objects.sort();

    let mut explained: BTreeMap<(String, String), &str> = EXPLAINED
        .iter()
        .map(|(o, f, why)| ((o.to_string(), f.to_string()), *why))
        .collect();
    let (mut agree, mut not_applicable) = (0, Vec::new());
    let mut unexplained = Vec::new();
    for path in &objects {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(path).unwrap();
        let Ok(object) = Object::parse(&bytes, &LoadOptions::default()) else {
            not_applicable.push(format!("{name}: does not load (a loader test)"));
            continue;
        };
        let fds: Result<Vec<Fd>, String> = object.maps().iter().map(create_map).collect();
        let fds = match fds {
            Ok(fds) => fds,
            Err(e) => {
                not_applicable.push(format!("{name}: {e}"));
                continue;
            }
        };
        for program in object.programs() {
            let id = format!("{name} {}", program.function);
            let (prog_type, attach) = match kernel_types(program) {
                Ok(types) => types,
                Err(e) => {
                    not_applicable.push(format!("{id}: {e}"));
                    continue;
                }
            };
            if program.decode_error.is_some() {
                not_applicable.push(format!("{id}: does not decode"));
                continue;
            }
            // A call of `memcpy` and the others, resolved here to our builtins: Linux has no
            // such helpers (libbpf fails on the undefined symbol).
            if let Some(name) = builtin_called(program) {
                not_applicable.push(format!("{id}: calls the builtin {name}, which Linux lacks"));
                continue;
            }
            let license = object.license().unwrap_or("GPL");
            let linux = bpf::prog_load(prog_type, attach, &relocated(program, &fds), license);
            let ours = verify_program(&object, program, None, false);
            let linux_ok = linux.is_ok();
            let key = (name.clone(), program.function.clone());
            match (linux_ok == ours.accepted, explained.remove(&key)) {
                (true, None) => agree += 1,
                (true, Some(why)) => {
                    agree += 1;
                    println!(
                        "  note: {id} is listed as a disagreement ({why}) but both now {}: \
                         remove it from EXPLAINED",
                        if linux_ok { "accept" } else { "reject" }
                    );
                }
                (false, Some(why)) => println!("  explained disagreement {id}: {why}"),
                (false, None) => unexplained.push(format!(
                    "{id}: linux {}, ours {}",
                    match &linux {
                        Ok(_) => "accepts".to_string(),
                        Err(e) => format!("rejects ({e})"),
                    },
                    if ours.accepted {
                        "accepts".to_string()
                    } else {
                        format!(
                            "rejects ({})",
                            ours.errors.first().map_or("", |e| e.message.as_str())
                        )
                    }
                )),
            }
        }
    }
    for n in &not_applicable {
        println!("  not applicable: {n}");
    }
    println!("linux verifier differential: {agree} programs get the same verdict");
    for (key, why) in &explained {
        unexplained.push(format!("{} {}: listed ({why}) but not found", key.0, key.1));
    }
    assert!(unexplained.is_empty(), "{unexplained:#?}");
    assert!(agree >= 10, "only {agree} programs compared");
}
