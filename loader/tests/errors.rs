//! Objects that must not load fail with a `LoadError` naming what and where; no input panics:
//! truncated and corrupted objects, a wrong machine, an unresolved symbol, an unsupported
//! relocation.

use std::path::PathBuf;

use ebpf_loader::{LoadErrorKind, LoadOptions, Object};

fn read(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/programs")
        .join(name);
    std::fs::read(path).unwrap()
}

fn parse(bytes: &[u8]) -> Result<Object, ebpf_loader::LoadError> {
    Object::parse(bytes, &LoadOptions::default())
}

#[test]
fn not_elf_and_truncated_header() {
    for bytes in [&b""[..], b"\x7fELF", b"not an object at all", &[0u8; 64]] {
        let e = parse(bytes).unwrap_err();
        assert!(
            matches!(e.kind(), LoadErrorKind::MalformedElf { .. }),
            "{e}"
        );
        assert!(e.to_string().starts_with("malformed ELF object: "), "{e}");
    }
}

#[test]
fn wrong_machine() {
    let mut bytes = read("xdp_parser.o");
    bytes[18..20].copy_from_slice(&62u16.to_le_bytes()); // EM_X86_64
    let e = parse(&bytes).unwrap_err();
    assert_eq!(*e.kind(), LoadErrorKind::NotBpf { machine: 62 });
    assert_eq!(
        e.to_string(),
        "ELF machine 62 is not BPF (247); build with `clang -target bpf`"
    );
}

#[test]
fn big_endian_is_refused() {
    let mut bytes = read("xdp_parser.o");
    bytes[5] = 2; // ELFDATA2MSB
    let e = parse(&bytes).unwrap_err();
    assert!(
        matches!(
            e.kind(),
            LoadErrorKind::BigEndian | LoadErrorKind::NotBpf { .. }
        ),
        "{e}"
    );
}

#[test]
fn unresolved_symbol_names_section_offset_and_symbol() {
    let e = parse(&read("extern_call.o")).unwrap_err();
    assert_eq!(*e.kind(), LoadErrorKind::UnresolvedSymbol);
    assert_eq!(e.section(), Some("xdp"));
    assert_eq!(e.offset(), Some(8));
    assert_eq!(e.symbol_name(), Some("not_defined_anywhere"));
    assert_eq!(
        e.to_string(),
        "section xdp offset 0x8 (pc 1) symbol not_defined_anywhere: relocation against a symbol \
         that is not defined in this object"
    );
}

/// The index of the 16-byte `Elf64_Rel` whose offset is `r_offset` and type is `r_type`.
fn find_rel(bytes: &[u8], r_offset: u64, r_type: u32) -> usize {
    let mut want = r_offset.to_le_bytes().to_vec();
    want.extend_from_slice(&r_type.to_le_bytes());
    bytes
        .windows(12)
        .position(|w| w == want.as_slice())
        .expect("relocation entry")
}

#[test]
fn unsupported_relocation_type() {
    let mut bytes = read("legacy_map.o");
    // `.relsocket`: R_BPF_64_64 at 0x30 against packet_count; make it R_BPF_64_ABS64 (2).
    let at = find_rel(&bytes, 0x30, 1);
    bytes[at + 8..at + 12].copy_from_slice(&2u32.to_le_bytes());
    let e = parse(&bytes).unwrap_err();
    assert!(
        matches!(e.kind(), LoadErrorKind::UnsupportedRelocation { .. }),
        "{e}"
    );
    assert_eq!(
        e.to_string(),
        "section socket offset 0x30 (pc 6) symbol packet_count: unsupported relocation: \
         relocation type 2 on an LDDW"
    );
}

#[test]
fn relocation_on_an_instruction_that_takes_none() {
    let mut bytes = read("legacy_map.o");
    // Point the relocation at slot 1 (not an LDDW or call).
    let at = find_rel(&bytes, 0x30, 1);
    bytes[at..at + 8].copy_from_slice(&8u64.to_le_bytes());
    let e = parse(&bytes).unwrap_err();
    assert!(
        matches!(e.kind(), LoadErrorKind::UnsupportedRelocation { .. }),
        "{e}"
    );
    assert_eq!((e.section(), e.offset()), (Some("socket"), Some(8)));
    // And at an offset inside an instruction.
    bytes[at..at + 8].copy_from_slice(&3u64.to_le_bytes());
    let e = parse(&bytes).unwrap_err();
    assert!(
        matches!(e.kind(), LoadErrorKind::BadRelocation { .. }),
        "{e}"
    );
}

#[test]
fn every_truncation_fails_cleanly() {
    for name in ["bpf2bpf_static.o", "legacy_map.o", "map_in_map.o"] {
        let bytes = read(name);
        for len in 0..bytes.len() {
            // Must not panic; most prefixes lose the section table and are malformed.
            if let Err(e) = parse(&bytes[..len]) {
                assert!(!e.to_string().is_empty());
            }
        }
        parse(&bytes).unwrap();
    }
}

#[test]
fn single_byte_corruptions_never_panic() {
    let bytes = read("global_data.o");
    for i in 0..bytes.len() {
        for value in [0x00, 0xff, 0x80, 0x07] {
            let mut corrupt = bytes.clone();
            corrupt[i] = value;
            for platform in ebpf_platform::PLATFORMS {
                let _ = Object::parse(&corrupt, &LoadOptions::new(platform));
            }
        }
    }
}
