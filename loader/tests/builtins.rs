//! Calls of `memcpy`, `memmove`, `memset` and `memcmp` that clang leaves as undefined symbols
//! become helper calls of the platform's builtins (ids in `BUILTIN_IDS`); any other undefined
//! function still fails only the program that calls it.

use std::path::PathBuf;

use ebpf_isa::{CallTarget, Insn};
use ebpf_loader::{LoadErrorKind, LoadOptions, Object, Program};
use ebpf_platform::{Platform, BUILTIN_IDS, LINUX, WINDOWS};

fn read(dir: &str, name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests")
        .join(dir)
        .join(name);
    std::fs::read(path).unwrap()
}

/// The helper calls of `p`, by name on `platform`.
fn helper_calls(p: &Program, platform: &Platform) -> Vec<&'static str> {
    p.insns
        .iter()
        .filter_map(|i| match i {
            Insn::Call(CallTarget::Helper(imm)) => {
                let id = ebpf_platform::HelperId::from_imm(*imm);
                Some(platform.helper(id).map_or("?", |h| h.name))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn builtin_calls_are_resolved_on_both_platforms() {
    for (platform, file) in [
        (&LINUX, "builtins_linux.o"),
        (&WINDOWS, "builtins_windows.o"),
    ] {
        let object = Object::parse(&read("host", file), &LoadOptions::new(platform)).unwrap();
        let expect: [(&str, &[&str]); 4] = [
            (
                "bt_map",
                &[
                    "bpf_map_lookup_elem",
                    "memcpy",
                    "memset",
                    "memcmp",
                    "memmove",
                ],
            ),
            ("bt_stack", &["memset", "memcpy", "memcmp"]),
            ("bt_packet", &["memmove", "memset"]),
            ("bt_unbounded", &["bpf_map_lookup_elem", "memcpy"]),
        ];
        for (function, calls) in expect {
            let p = object.program(None, function).unwrap();
            assert_eq!(p.error(), None, "{function}");
            assert_eq!(
                helper_calls(p, platform),
                calls,
                "{} {function}",
                platform.name
            );
            // No local call is left behind: the builtins are helpers.
            assert!(
                !p.insns
                    .iter()
                    .any(|i| matches!(i, Insn::Call(CallTarget::Local(_)))),
                "{function}"
            );
        }
        for p in object.programs() {
            for i in &p.insns {
                if let Insn::Call(CallTarget::Helper(imm)) = i {
                    let id = *imm as u32;
                    assert!(id < 0x1_0000 || BUILTIN_IDS.contains(&id), "{id:#x}");
                }
            }
        }
        // strlen is no builtin: that program alone fails, naming it.
        let p = object.program(None, "bt_strlen").unwrap();
        let e = p.link_error.as_ref().expect("strlen is unresolved");
        assert_eq!(*e.kind(), LoadErrorKind::UnresolvedSymbol);
        assert_eq!(e.symbol_name(), Some("strlen"));
        assert_eq!(e.section(), Some("xdp"));
    }
}

/// With default flags clang-19 leaves a memcmp of a variable size as a call of `memcmp`.
#[test]
fn memcmp_with_default_flags_is_resolved() {
    let object = Object::parse(
        &read("programs", "builtin_memcmp.o"),
        &LoadOptions::default(),
    )
    .unwrap();
    let p = object.program(None, "xdp_prefix_match").unwrap();
    assert_eq!(p.error(), None);
    assert_eq!(helper_calls(p, &LINUX), ["memcmp"]);
}

/// A kfunc-style call (`src = 2`) of an undefined `memmove` is not a builtin call: the program
/// fails, naming the symbol.
#[test]
fn only_plain_calls_become_builtins() {
    let bytes = read("host", "builtins_linux.o");
    let link_error = |b: &[u8]| {
        let o = Object::parse(b, &LoadOptions::default()).unwrap();
        o.program(None, "bt_packet").unwrap().link_error.clone()
    };
    assert_eq!(link_error(&bytes), None);
    // The unrelocated calls clang writes, `85 10 00 00 ff ff ff ff`: the one whose change
    // reaches bt_packet is its memmove.
    let call = [0x85u8, 0x10, 0, 0, 0xff, 0xff, 0xff, 0xff];
    let kfunc = (0..bytes.len() - 8)
        .filter(|&i| bytes[i..i + 8] == call)
        .map(|i| {
            let mut b = bytes.clone();
            b[i + 1] = 0x20;
            b
        })
        .find(|b| link_error(b).is_some())
        .expect("bt_packet's call in the object");
    let e = link_error(&kfunc).unwrap();
    assert_eq!(*e.kind(), LoadErrorKind::UnresolvedSymbol);
    assert_eq!(e.symbol_name(), Some("memmove"));
}
