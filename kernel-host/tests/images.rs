//! Signed native images: objects compiled ahead of time run in a host exactly as the objects
//! loaded there do; tampered, mis-keyed, unsigned, platform-mismatched, truncated and garbled
//! images are refused with their own error, never a panic.

mod common;

use std::sync::Arc;

use common::*;
use ebpf_kernel_host::image::{self, CompileOptions, NativeImage, RelocKind};
use ebpf_kernel_host::os::StdOs;
use ebpf_kernel_host::{
    Engine, Host, ImageErrorKind, ImageLoadOptions, LoadErrorKind, LoadOptions, Loaded, TestRun,
};
use ebpf_platform::{ArgKind, HelperProto, Platform, LINUX, WINDOWS};

const KEY_A: [u8; 32] = [7; 32];
const KEY_B: [u8; 32] = [9; 32];

fn read(path: &str, platform: &'static Platform) -> ebpf_loader::Object {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(path);
    let bytes = std::fs::read(&full).unwrap_or_else(|e| panic!("{path}: {e}"));
    ebpf_loader::Object::parse(&bytes, &ebpf_loader::LoadOptions::new(platform)).unwrap()
}

/// The unsigned image of `path`, and the same signed with `KEY_A`.
fn images(path: &str, platform: &'static Platform) -> (Vec<u8>, Vec<u8>) {
    let object = read(path, platform);
    let image = image::compile(&object, &CompileOptions::default())
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let unsigned = image.encode();
    let signed = image::sign(&unsigned, &KEY_A).unwrap();
    (unsigned, signed)
}

fn trusted() -> Vec<[u8; 32]> {
    vec![image::public_key(&KEY_B), image::public_key(&KEY_A)]
}

fn load_signed(host: &Host, bytes: &[u8]) -> Loaded {
    host.load_image(bytes, &trusted(), &ImageLoadOptions::new())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn image_error(host: &Host, bytes: &[u8], keys: &[[u8; 32]], unsigned: bool) -> ImageErrorKind {
    let options = ImageLoadOptions::new().allowing_unsigned(unsigned);
    let e = host.load_image(bytes, keys, &options).unwrap_err();
    match e.kind() {
        LoadErrorKind::Image(i) => i.kind().clone(),
        other => panic!("not an image error: {other:?} ({e})"),
    }
}

/// What a program did on each packet, and the maps afterwards (per-CPU maps, whose contents
/// depend on the CPU a run landed on, excepted).
fn behaviour(loaded: &Loaded, packets: &[Vec<u8>]) -> Vec<String> {
    let mut out = Vec::new();
    for p in loaded.programs() {
        let info = p.info();
        out.push(format!(
            "{}/{} {} insns {} bound {}",
            p.section(),
            p.name(),
            info.type_name,
            info.instructions,
            info.instruction_bound
        ));
        for data in packets {
            let run = p.test_run(&TestRun {
                data,
                ..TestRun::default()
            });
            out.push(match run {
                Ok(r) => format!("  retval {} data {:?}", r.retval, r.data_out),
                Err(e) => format!("  error {e}"),
            });
        }
    }
    for m in loaded.maps() {
        if !m.type_name().contains("percpu") {
            out.push(format!("map {} {:?}", m.name(), entries(m)));
        }
    }
    out
}

fn packets() -> Vec<Vec<u8>> {
    vec![
        ipv4([192, 168, 1, 1], 17, 53, 60),
        ipv4([10, 1, 2, 3], 17, 8080, 80),
        ipv4([192, 168, 1, 1], 6, 0, 64),
        vec![0; 14],
        vec![1; 3],
    ]
}

#[test]
fn images_run_as_the_objects_do() {
    let objects: [(&str, &'static Platform); 9] = [
        ("tests/host/xdp_firewall.o", &LINUX),
        ("tests/host/tail_calls.o", &LINUX),
        ("tests/host/maps.o", &LINUX),
        ("tests/host/bench.o", &LINUX),
        ("tests/host/bench_maps.o", &LINUX),
        ("tests/host/stress.o", &LINUX),
        ("tests/host/windows_xdp.o", &WINDOWS),
        ("tests/programs/global_data.o", &LINUX),
        ("tests/programs/rodata_const.o", &LINUX),
    ];
    for (path, platform) in objects {
        let (_, signed) = images(path, platform);
        let (from_object, _) = host(platform);
        let options = LoadOptions {
            engine: Engine::Jit,
            ..LoadOptions::default()
        };
        let object = from_object.load(&read(path, platform), &options).unwrap();
        let (from_image, _) = host(platform);
        let image = load_signed(&from_image, &signed);
        assert!(image.programs().iter().all(|p| p.engine() == Engine::Jit));
        let expected = behaviour(&object, &packets());
        assert!(
            expected.iter().any(|l| l.contains("retval")),
            "{path}: {expected:#?}"
        );
        assert_eq!(behaviour(&image, &packets()), expected, "{path}");
    }
}

#[test]
fn the_firewall_image_filters_counts_and_tail_calls() {
    let (_, signed) = images("tests/host/xdp_firewall.o", &LINUX);
    let (host, _) = host(&LINUX);
    let l = load_signed(&host, &signed);
    let mut prefix = 8u32.to_ne_bytes().to_vec();
    prefix.extend([10, 0, 0, 0]);
    l.map("blocked")
        .unwrap()
        .map()
        .update(&prefix, &1u32.to_ne_bytes(), 0)
        .unwrap();
    let p = l.program("xdp_firewall").unwrap();
    let run = |f: &[u8]| {
        p.test_run(&TestRun {
            data: f,
            ..TestRun::default()
        })
        .unwrap()
        .retval
    };
    assert_eq!(run(&ipv4([192, 168, 1, 1], 17, 53, 60)), 2, "pass");
    assert_eq!(run(&ipv4([10, 1, 2, 3], 17, 53, 60)), 1, "blocked: drop");
    let ports = entries(l.map("udp_ports").unwrap());
    assert_eq!(
        ports,
        [(53u16.to_ne_bytes().to_vec(), 1u64.to_ne_bytes().to_vec())],
        "xdp_udp ran by tail call"
    );
}

#[test]
fn map_references_and_global_data_are_relocations() {
    let (unsigned, _) = images("tests/programs/global_data.o", &LINUX);
    let image = NativeImage::decode(&unsigned).unwrap();
    let kinds: Vec<RelocKind> = image.programs[0]
        .relocations
        .iter()
        .map(|r| r.kind)
        .collect();
    assert!(kinds.contains(&RelocKind::MapValue), "{kinds:?}");
    assert_eq!(image.encode(), unsigned, "decode and encode are inverse");
    let (unsigned, _) = images("tests/host/tail_calls.o", &LINUX);
    let image = NativeImage::decode(&unsigned).unwrap();
    let chain = &image.programs[0];
    assert_eq!(chain.function, "chain");
    assert!(chain
        .relocations
        .iter()
        .all(|r| r.kind == RelocKind::MapHandle));
    assert_eq!(chain.relocations.len(), 2, "runs and chain_jump");
    assert_eq!(
        chain.helpers.iter().map(|h| h.0).collect::<Vec<_>>(),
        [1, 12],
        "lookup and tail call"
    );
}

#[test]
fn every_changed_byte_of_a_signed_image_is_refused() {
    let (_, signed) = images("tests/host/tail_calls.o", &LINUX);
    let (host, _) = host(&LINUX);
    for i in 0..signed.len() {
        let mut bytes = signed.clone();
        bytes[i] ^= 0x20;
        let kind = image_error(&host, &bytes, &trusted(), false);
        let tag = signed.len() - 100..signed.len() - 96;
        if tag.contains(&i) {
            assert!(matches!(kind, ImageErrorKind::Malformed { .. }), "byte {i}");
        } else if i >= 16 {
            assert_eq!(kind, ImageErrorKind::BadSignature, "byte {i}");
        }
    }
    let mut bytes = signed.clone();
    bytes[100] ^= 1;
    let e = host
        .load_image(&bytes, &trusted(), &ImageLoadOptions::new())
        .unwrap_err();
    assert!(e.to_string().contains("changed after it was signed"), "{e}");
}

#[test]
fn a_wrong_key_and_a_missing_signature_are_refused() {
    let (unsigned, signed) = images("tests/host/tail_calls.o", &LINUX);
    let (host, _) = host(&LINUX);
    let only_b = [image::public_key(&KEY_B)];
    assert_eq!(
        image_error(&host, &signed, &only_b, false),
        ImageErrorKind::UntrustedKey {
            key: image::public_key(&KEY_A),
            trusted: 1
        }
    );
    assert!(matches!(
        image_error(&host, &signed, &[], true),
        ImageErrorKind::UntrustedKey { trusted: 0, .. }
    ));
    assert_eq!(
        image_error(&host, &unsigned, &trusted(), false),
        ImageErrorKind::Unsigned
    );
    let options = ImageLoadOptions::new().allowing_unsigned(true);
    let l = host.load_image(&unsigned, &[], &options).unwrap();
    assert_eq!(l.programs().len(), 2);
    assert_eq!(
        image::sign(&signed, &KEY_B).unwrap_err().kind(),
        &ImageErrorKind::AlreadySigned
    );
}

/// A Linux platform whose helper 1 (`bpf_map_lookup_elem`) or program type `xdp` changed.
fn changed_linux(helper: bool) -> &'static Platform {
    let mut helpers: Vec<HelperProto> = LINUX.helpers.to_vec();
    let mut types = LINUX.program_types.to_vec();
    if helper {
        let lookup = helpers.iter_mut().find(|h| h.id.0 == 1).unwrap();
        lookup.args[1] = ArgKind::ReadMem;
    } else {
        let xdp = types.iter_mut().find(|t| t.name == "xdp").unwrap();
        xdp.packet_writable = !xdp.packet_writable;
    }
    Box::leak(Box::new(Platform {
        helpers: Box::leak(helpers.into_boxed_slice()),
        program_types: Box::leak(types.into_boxed_slice()),
        ..LINUX
    }))
}

#[test]
fn a_changed_helper_prototype_or_context_is_refused() {
    let (_, signed) = images("tests/host/tail_calls.o", &LINUX);
    let os = || Arc::new(StdOs::new());
    let host = Host::new(os(), changed_linux(true));
    let e = host
        .load_image(&signed, &trusted(), &ImageLoadOptions::new())
        .unwrap_err();
    assert!(
        matches!(e.kind(), LoadErrorKind::Image(i) if matches!(i.kind(), ImageErrorKind::PlatformChanged { .. })),
        "{e}"
    );
    assert_eq!(
        e.to_string(),
        "program xdp/chain: platform hash mismatch: helper bpf_map_lookup_elem (1)'s \
         prototype differs from the description the program was verified against"
    );
    let host = Host::new(os(), changed_linux(false));
    let e = host
        .load_image(&signed, &trusted(), &ImageLoadOptions::new())
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("program type xdp (its context layout"),
        "{e}"
    );
    let host = Host::new(os(), &WINDOWS);
    assert_eq!(
        image_error(&host, &signed, &trusted(), false),
        ImageErrorKind::PlatformMismatch {
            image: "linux".into(),
            host: "windows"
        }
    );
}

#[test]
fn every_truncation_is_an_error_not_a_panic() {
    let (unsigned, signed) = images("tests/host/xdp_firewall.o", &LINUX);
    let (host, _) = host(&LINUX);
    let options = ImageLoadOptions::new().allowing_unsigned(true);
    for len in 0..signed.len() {
        let cut = &signed[..len];
        assert!(NativeImage::decode(cut).is_err() || len == unsigned.len());
        let result = host.load_image(cut, &trusted(), &options);
        assert_eq!(result.is_ok(), len == unsigned.len(), "length {len}");
    }
    for len in 0..unsigned.len() {
        let e = NativeImage::decode(&unsigned[..len]).unwrap_err();
        assert!(
            matches!(
                e.kind(),
                ImageErrorKind::Truncated { .. } | ImageErrorKind::Malformed { .. }
            ),
            "length {len}: {e}"
        );
    }
}

#[test]
fn garbled_bodies_never_panic() {
    // Unsigned images whose body bytes are each changed in turn: the decoder and the host's
    // checks refuse or load them, without a panic.
    let (unsigned, _) = images("tests/host/tail_calls.o", &LINUX);
    let (host, _) = host(&LINUX);
    let options = ImageLoadOptions::new().allowing_unsigned(true);
    for i in 16..unsigned.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut bytes = unsigned.clone();
            bytes[i] ^= flip;
            if let Ok(image) = NativeImage::decode(&bytes) {
                // Keep code and map definitions out of this: running changed machine code is
                // what the signature prevents, and a map of 2^32 entries is a real allocation.
                let original = NativeImage::decode(&unsigned).unwrap();
                let same_code = image
                    .programs
                    .iter()
                    .zip(&original.programs)
                    .all(|(a, b)| a.code == b.code);
                if same_code && image.maps == original.maps {
                    let _ = host.load_image(&bytes, &[], &options);
                }
            }
        }
    }
}

proptest::proptest! {
    /// Random bodies behind a valid header, with or without a signature block: the decoder
    /// and the signature check return, whatever the bytes.
    #[test]
    fn random_bodies_decode_or_fail(body in proptest::collection::vec(proptest::num::u8::ANY, 0..600), sign: bool) {
        let mut bytes = b"EBPFNIMG".to_vec();
        bytes.extend(1u32.to_le_bytes());
        bytes.extend((body.len() as u32).to_le_bytes());
        bytes.extend(&body);
        if sign {
            bytes = image::sign(&bytes, &KEY_A).unwrap();
        }
        let _ = NativeImage::decode(&bytes);
        let checked = image::check_signature(&bytes, &trusted(), false);
        proptest::prop_assert_eq!(checked.is_ok(), sign);
    }
}
