//! Every eBPF for Windows test program of the repository verifies on the `windows` platform:
//! the bind hook (`bind_md_t`), the sock_addr hooks (`bpf_sock_addr_t`, the legacy Windows
//! `maps` records), and the xdp, sockops and connect4 programs that call the hooks' own helpers
//! and general helper 35.

use std::path::{Path, PathBuf};

use ebpf_cli::verify::verify_program;
use ebpf_loader::{LoadOptions, Object};
use ebpf_platform::{LINUX, WINDOWS};

/// The programs written for eBPF for Windows (or, as `connect4.o`, for a hook both platforms
/// have), relative to the repository.
const WINDOWS_OBJECTS: &[&str] = &[
    "tests/programs/bind_hook.o",
    "tests/programs/connect4.o",
    "tests/programs/windows_hooks.o",
    "tests/programs/windows_maps.o",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn load(path: &Path, options: &LoadOptions) -> Object {
    let bytes = std::fs::read(path).unwrap();
    Object::parse(&bytes, options).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_windows_test_program_verifies_on_windows() {
    let mut verified = 0;
    for file in WINDOWS_OBJECTS {
        let object = load(&root().join(file), &LoadOptions::new(&WINDOWS));
        assert!(!object.programs().is_empty(), "{file}");
        for program in object.programs() {
            let v = verify_program(&object, program, None, false);
            let errors: Vec<&str> = v.errors.iter().map(|e| e.message.as_str()).collect();
            assert!(
                v.accepted,
                "{file} {}/{} ({}): {errors:#?}",
                v.section, v.function, v.program_type
            );
            verified += 1;
        }
    }
    assert_eq!(verified, 7);
}

/// The list above holds every program whose section names a hook only eBPF for Windows has.
#[test]
fn every_windows_only_hook_program_is_listed() {
    for dir in ["tests/programs", "tests/verify"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "o") {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let Ok(object) = Object::parse(&bytes, &LoadOptions::new(&WINDOWS)) else {
                continue;
            };
            let name = format!("{dir}/{}", path.file_name().unwrap().to_string_lossy());
            for p in object.programs() {
                let windows_only =
                    WINDOWS.section(&p.section).is_some() && LINUX.section(&p.section).is_none();
                assert!(
                    !windows_only || WINDOWS_OBJECTS.contains(&name.as_str()),
                    "{name} {}: a Windows hook program missing from WINDOWS_OBJECTS",
                    p.section
                );
            }
        }
    }
}

/// The same object on Linux: the Windows helper ids and context layouts do not hold there.
#[test]
fn windows_hook_programs_are_not_linux_programs() {
    let object = load(
        &root().join("tests/programs/windows_hooks.o"),
        &LoadOptions::default(),
    );
    for program in object.programs() {
        let v = verify_program(&object, program, None, false);
        assert!(!v.accepted, "{}", v.function);
    }
}
