//! Cross-checks the loader's decoding against `llvm-objdump-19 -d` on our C test programs and
//! the shared corpus: every program instruction starts where LLVM's does, its bytes (outside
//! relocated fields) are LLVM's bytes, and LLVM's text names the same kind of instruction and
//! the same jump offset. Skipped with a message when llvm-objdump-19 is not installed.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use ebpf_isa::{CallTarget, Insn, LddwSrc};
use ebpf_loader::{LoadOptions, Object};

/// `(section, byte offset) -> (raw bytes, text)` for every instruction LLVM prints.
type Listing = HashMap<(String, u64), (Vec<u8>, String)>;

fn objdump(path: &Path) -> Option<Listing> {
    let out = Command::new("llvm-objdump-19")
        .arg("-d")
        .arg(path)
        .output()
        .ok()?;
    assert!(
        out.status.success(),
        "llvm-objdump-19 failed on {}",
        path.display()
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let mut listing = Listing::new();
    let mut section = String::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("Disassembly of section ") {
            section = rest.trim_end_matches(':').to_string();
            continue;
        }
        // "      17:\t85 10 00 00 ff ff ff ff\tcall -0x1"
        let mut parts = line.splitn(3, '\t');
        let (Some(pc), Some(bytes), Some(asm)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let Ok(pc) = pc.trim().trim_end_matches(':').parse::<u64>() else {
            continue;
        };
        let bytes: Option<Vec<u8>> = bytes
            .split_whitespace()
            .map(|b| u8::from_str_radix(b, 16).ok())
            .collect();
        let Some(bytes) = bytes else { continue };
        listing.insert((section.clone(), pc * 8), (bytes, asm.trim().to_string()));
    }
    Some(listing)
}

/// Whether LLVM's text `asm` names the same kind of instruction as `insn`.
fn same_kind(insn: &Insn, asm: &str) -> bool {
    match insn {
        Insn::Lddw { .. } => asm.ends_with(" ll"),
        Insn::Call(_) | Insn::Callx { .. } => asm.starts_with("call"),
        Insn::Exit => asm == "exit",
        Insn::Ja { .. } | Insn::Ja32 { .. } => asm.starts_with("goto") || asm.starts_with("gotol"),
        Insn::Jmp { .. } => asm.starts_with("if "),
        Insn::Atomic { .. } => {
            asm.contains("lock") || asm.contains("atomic") || asm.contains("xchg")
        }
        Insn::Ldx { .. } | Insn::Ldxs { .. } => asm.contains(" = *(") || asm.contains("= *(s"),
        Insn::St { .. } | Insn::Stx { .. } => asm.starts_with("*("),
        Insn::LdAbs { .. } | Insn::LdInd { .. } => asm.contains("skb"),
        Insn::End { .. } => asm.contains("be") || asm.contains("le") || asm.contains("bswap"),
        _ => !asm.starts_with("call") && !asm.starts_with("if ") && asm != "exit",
    }
}

/// The jump offset LLVM prints (`goto +0x3 <...>`, `if r1 > r2 goto -0x5 <...>`).
fn llvm_jump_offset(asm: &str) -> Option<i64> {
    let after = asm.split("goto ").nth(1)?;
    let num = after.split_whitespace().next()?;
    let (neg, hex) = match num.strip_prefix('-') {
        Some(h) => (true, h),
        None => (false, num.trim_start_matches('+')),
    };
    let v = i64::from_str_radix(hex.trim_start_matches("0x"), 16).ok()?;
    Some(if neg { -v } else { v })
}

/// Checks every program of `path`; returns how many instructions were compared.
fn check_object(path: &Path, listing: &Listing) -> usize {
    let bytes = std::fs::read(path).unwrap();
    let Ok(object) = Object::parse(&bytes, &LoadOptions::default()) else {
        return 0;
    };
    let mut compared = 0;
    for p in object.programs() {
        if p.decode_error.is_some() {
            continue;
        }
        let relocated: Vec<usize> = p.map_refs.iter().map(|r| r.pc).collect();
        for (pc, insn) in p.iter() {
            let f = p.function_at(pc).unwrap();
            let off = f.section_offset + (pc - f.pc) as u64 * 8;
            let key = (f.section.clone(), off);
            let Some((raw, asm)) = listing.get(&key) else {
                panic!(
                    "{}: {}+{off:#x}: LLVM has no instruction here",
                    path.display(),
                    f.section
                )
            };
            let what = format!("{}: {} pc {pc} ({asm})", path.display(), p.function);
            assert_eq!(raw.len(), insn.slots() * 8, "{what}: length");
            assert!(same_kind(insn, asm), "{what}: we decoded {insn:?}");
            let ours = &p.code[pc * 8..(pc + insn.slots()) * 8];
            let local_call = matches!(insn, Insn::Call(CallTarget::Local(_)));
            let func_addr = matches!(
                insn,
                Insn::Lddw {
                    src: LddwSrc::CodeAddr,
                    ..
                }
            );
            // A call of an undefined `memcpy` (and the others) the loader made a builtin call.
            let builtin = matches!(insn, Insn::Call(CallTarget::Helper(imm))
                if ebpf_platform::HelperId::from_imm(*imm).is_builtin());
            if relocated.contains(&pc) || func_addr || builtin {
                assert_eq!(ours[0], raw[0], "{what}: opcode");
            } else if local_call {
                assert_eq!(ours[..4], raw[..4], "{what}: call fields");
            } else {
                assert_eq!(ours, &raw[..], "{what}: bytes");
                if let Insn::Ja { off } | Insn::Jmp { off, .. } = insn {
                    assert_eq!(
                        llvm_jump_offset(asm),
                        Some(i64::from(*off)),
                        "{what}: offset"
                    );
                }
            }
            compared += 1;
        }
    }
    compared
}

fn objects_in(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            objects_in(&path, out);
        } else if path.extension().is_some_and(|e| e == "o") {
            out.push(path);
        }
    }
}

/// Says on the real stderr (libtest captures only the `print!` family, so the line shows in a
/// normal `cargo test` run) that the test, or the `part` of it, was skipped.
fn skip(part: &str, missing: &str, how: &str) {
    let line = format!(
        "skipped: loader/objdump/decoded_instructions_match_llvm_objdump{part}: {missing} ({how})\n"
    );
    let _ = std::io::stderr().write_all(line.as_bytes());
}

#[test]
fn decoded_instructions_match_llvm_objdump() {
    if Command::new("llvm-objdump-19")
        .arg("--version")
        .output()
        .is_err()
    {
        skip(
            "",
            "llvm-objdump-19 not installed",
            "apt-get install llvm-19",
        );
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut objects = Vec::new();
    objects_in(&root.join("../tests/programs"), &mut objects);
    let ours = objects.len();
    let samples = std::env::var_os("EBPF_SAMPLES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../../shared/ebpf-samples"));
    if samples.is_dir() {
        objects_in(&samples, &mut objects);
    } else {
        skip(
            " (ebpf-samples part)",
            &format!("no ebpf-samples corpus at {}", samples.display()),
            "set EBPF_SAMPLES_DIR to the ebpf-samples directory",
        );
    }
    let mut total = 0;
    for (i, path) in objects.iter().enumerate() {
        let Some(listing) = objdump(path) else {
            continue;
        };
        let n = check_object(path, &listing);
        // core_enum.o and kconfig_strict.o (a CONFIG_ extern without a value) must not load.
        let must_fail = path.ends_with("core_enum.o") || path.ends_with("kconfig_strict.o");
        if i < ours && !must_fail {
            assert!(n > 0, "{}: nothing compared", path.display());
        }
        total += n;
    }
    println!(
        "{} objects, {total} instructions agree with llvm-objdump-19",
        objects.len()
    );
}
