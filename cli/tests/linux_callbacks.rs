//! Callbacks and spin locks against the Linux verifier, with the BTF Linux needs for them:
//! the object's `.BTF` loaded with `BPF_BTF_LOAD` (data section sizes filled in from the ELF
//! sections, as libbpf does), the programs' func_info (each linked function's `FUNC` type) and
//! the maps' key and value types (Linux finds a value's `bpf_spin_lock` through them). Every
//! program of tests/verify/callbacks.o, tests/verify/spin_lock.o and
//! tests/programs/loop_callback.o must get the same verdict from Linux and from us. Skips with
//! a message where `bpf()` is refused.

mod common;

use std::path::Path;

use common::bpf::{self, Fd};
use ebpf_cli::verify::verify_program;
use ebpf_loader::{Btf, BtfKind, LoadOptions, MapDef, Object, Program};
use ebpf_platform::LINUX;

/// The objects, from the repository root.
const OBJECTS: &[&str] = &[
    "tests/verify/callbacks.o",
    "tests/verify/spin_lock.o",
    "tests/programs/loop_callback.o",
];

fn u16_at(b: &[u8], at: usize) -> usize {
    u16::from_le_bytes([b[at], b[at + 1]]) as usize
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

fn u64_at(b: &[u8], at: usize) -> usize {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap()) as usize
}

/// The sections of a little-endian ELF64 object: (name, file offset, size).
fn elf_sections(elf: &[u8]) -> Vec<(String, usize, usize)> {
    let (shoff, shentsize, shnum, shstrndx) = (
        u64_at(elf, 0x28),
        u16_at(elf, 0x3a),
        u16_at(elf, 0x3c),
        u16_at(elf, 0x3e),
    );
    let header = |i: usize| shoff + i * shentsize;
    let names = u64_at(elf, header(shstrndx) + 24);
    (0..shnum)
        .map(|i| {
            let h = header(i);
            let name_at = names + u32_at(elf, h) as usize;
            let end = elf[name_at..].iter().position(|&c| c == 0).unwrap();
            let name = String::from_utf8_lossy(&elf[name_at..name_at + end]).into_owned();
            (name, u64_at(elf, h + 24), u64_at(elf, h + 32))
        })
        .collect()
}

/// The values of the object's symbols, by name.
fn symbols(elf: &[u8], sections: &[(String, usize, usize)]) -> Vec<(String, u32)> {
    let find = |n: &str| sections.iter().find(|s| s.0 == n);
    let (Some(symtab), Some(strtab)) = (find(".symtab"), find(".strtab")) else {
        return Vec::new();
    };
    (0..symtab.2 / 24)
        .map(|i| {
            let at = symtab.1 + i * 24;
            let name_at = strtab.1 + u32_at(elf, at) as usize;
            let end = elf[name_at..].iter().position(|&c| c == 0).unwrap();
            let name = String::from_utf8_lossy(&elf[name_at..name_at + end]).into_owned();
            (name, u64_at(elf, at + 8) as u32)
        })
        .collect()
}

/// The string at `off` of a BTF string table starting at `strs`.
fn btf_string(btf: &[u8], strs: usize, off: usize) -> String {
    let s = strs + off;
    let end = btf[s..].iter().position(|&c| c == 0).unwrap();
    String::from_utf8_lossy(&btf[s..s + end]).into_owned()
}

/// The object's `.BTF` with each data section's size and its variables' offsets set from the
/// ELF sections and symbols, as libbpf does (clang leaves them 0, and Linux refuses a data
/// section of size 0 or overlapping variables).
fn patched_btf(elf: &[u8]) -> Vec<u8> {
    let sections = elf_sections(elf);
    let symbols = symbols(elf, &sections);
    let (_, off, size) = sections.iter().find(|s| s.0 == ".BTF").expect(".BTF");
    let mut btf = elf[*off..off + size].to_vec();
    let hdr_len = u32_at(&btf, 4) as usize;
    let (type_off, type_len) = (u32_at(&btf, 8) as usize, u32_at(&btf, 12) as usize);
    let strs = hdr_len + u32_at(&btf, 16) as usize;
    // Where each type starts (type id i + 1 at types[i]).
    let mut types = Vec::new();
    let mut at = hdr_len + type_off;
    while at < hdr_len + type_off + type_len {
        types.push(at);
        let info = u32_at(&btf, at + 4);
        let (kind, vlen) = ((info >> 24) & 0x1f, (info & 0xffff) as usize);
        at += 12
            + match kind {
                1 | 14 | 17 => 4,
                3 => 12,
                4 | 5 | 15 | 19 => 12 * vlen,
                6 | 13 => 8 * vlen,
                _ => 0,
            };
    }
    for &at in &types {
        let info = u32_at(&btf, at + 4);
        if (info >> 24) & 0x1f != 15 {
            continue;
        }
        let name = btf_string(&btf, strs, u32_at(&btf, at) as usize);
        if let Some(sec) = sections.iter().find(|x| x.0 == name) {
            btf[at + 8..at + 12].copy_from_slice(&(sec.2 as u32).to_le_bytes());
        }
        for v in 0..(info & 0xffff) as usize {
            let entry = at + 12 + 12 * v;
            let var = u32_at(&btf, entry) as usize;
            let var_name = btf_string(&btf, strs, u32_at(&btf, types[var - 1]) as usize);
            if let Some((_, value)) = symbols.iter().find(|(n, _)| *n == var_name) {
                btf[entry + 4..entry + 8].copy_from_slice(&value.to_le_bytes());
            }
        }
    }
    btf
}

/// The id of the BTF type named `name` of a kind `want` accepts.
fn type_named(btf: &Btf, name: &str, want: impl Fn(&BtfKind) -> bool) -> Option<u32> {
    (1..btf.len() as u32 + 1).find(|&id| {
        btf.get(id)
            .is_some_and(|t| want(&t.kind) && btf.string(t.name_off) == Some(name))
    })
}

/// The key and value types of a BTF-defined map (`__type(key, ...)`, `__type(value, ...)`).
fn map_types(btf: &Btf, map: &MapDef) -> Option<(u32, u32)> {
    let var = type_named(btf, &map.name, |k| matches!(k, BtfKind::Var { .. }))?;
    let BtfKind::Var { type_id } = btf.get(var)?.kind else {
        return None;
    };
    let BtfKind::Struct { members, .. } = &btf.get(btf.resolve(type_id).ok()?)?.kind else {
        return None;
    };
    let pointee = |field: &str| {
        let m = members
            .iter()
            .find(|m| btf.string(m.name_off) == Some(field))?;
        match btf.get(m.type_id)?.kind {
            BtfKind::Ptr { type_id } => Some(type_id),
            _ => None,
        }
    };
    Some((pointee("key")?, pointee("value")?))
}

fn create_map(btf: &Btf, btf_fd: &Fd, map: &MapDef) -> Result<Fd, String> {
    match map_types(btf, map) {
        Some((key, value)) => bpf::map_create_btf(
            map.raw_type,
            map.key_size,
            map.value_size,
            map.max_entries,
            (btf_fd, key, value),
        ),
        None => bpf::map_create(
            map.raw_type,
            map.key_size,
            map.value_size,
            map.max_entries,
            map.flags,
            None,
        ),
    }
}

/// Loads `program` into Linux with its func_info: whether Linux accepts it, and why not.
fn on_linux(object: &Object, program: &Program, btf_fd: &Fd, fds: &[Fd]) -> Result<(), String> {
    let btf = object.btf().expect("the objects have BTF");
    let mut func_info = Vec::new();
    for f in &program.functions {
        let id = type_named(btf, &f.name, |k| matches!(k, BtfKind::Func { .. }))
            .ok_or_else(|| format!("no BTF FUNC for {}", f.name))?;
        func_info.push((f.pc as u32, id));
    }
    let mut code = program.code.clone();
    for r in &program.map_refs {
        code[r.pc * 8 + 4..r.pc * 8 + 8].copy_from_slice(&fds[r.map].0.to_le_bytes());
    }
    let prog_type = program
        .program_type
        .or(LINUX.default_program_type())
        .map_or(0, |t| t.number);
    let attach = program.attach_type.map_or(0, |a| a.number);
    let license = object.license().unwrap_or("GPL");
    bpf::prog_load_btf(prog_type, attach, &code, license, Some(btf_fd), &func_info).map(drop)
}

#[test]
fn linux_agrees_on_callbacks_and_spin_locks_with_btf() {
    if !bpf::available("cli/linux_callbacks/linux_agrees_on_callbacks_and_spin_locks_with_btf") {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let (mut compared, mut disagree) = (0, Vec::new());
    for name in OBJECTS {
        let bytes = std::fs::read(root.join(name)).unwrap();
        let object = Object::parse(&bytes, &LoadOptions::default()).unwrap();
        let btf_fd = match bpf::btf_load(&patched_btf(&bytes)) {
            Ok(fd) => fd,
            Err(e) => {
                eprintln!("skipped: {name}: this kernel refuses the object's BTF ({e})");
                continue;
            }
        };
        let btf = object.btf().unwrap();
        let fds: Vec<Fd> = object
            .maps()
            .iter()
            .map(|m| create_map(btf, &btf_fd, m))
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        for program in object.programs() {
            let linux = on_linux(&object, program, &btf_fd, &fds);
            let ours = verify_program(&object, program, None, false);
            println!(
                "{name} {}: linux {}, ours {}",
                program.function,
                linux
                    .as_ref()
                    .map_or_else(|e| format!("rejects ({e})"), |_| "accepts".into()),
                if ours.accepted { "accepts" } else { "rejects" }
            );
            compared += 1;
            if linux.is_ok() != ours.accepted {
                disagree.push(format!("{name} {}: {linux:?}", program.function));
            }
        }
    }
    assert!(disagree.is_empty(), "{disagree:#?}");
    assert!(
        compared >= 8 || compared == 0,
        "only {compared} programs compared"
    );
}
