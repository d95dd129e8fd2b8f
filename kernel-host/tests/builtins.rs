//! The builtins (`memcpy`, `memmove`, `memset`, `memcmp` left as calls of undefined symbols,
//! `tests/host/builtins_{linux,windows}.c`) loaded, verified and run with exact results on
//! both engines and both platforms, through the public API; the object's unsafe program and
//! its call of `strlen` (no builtin) fail to load, each naming why.

mod common;

use common::*;
use ebpf_kernel_host::{Engine, Host, LoadErrorKind, LoadOptions, Loaded, TestRun};
use ebpf_platform::{Platform, LINUX, WINDOWS};

fn file(platform: &Platform) -> &'static str {
    if platform.name == "windows" {
        "builtins_windows.o"
    } else {
        "builtins_linux.o"
    }
}

fn load_one(
    host: &Host,
    function: &str,
    engine: Engine,
) -> Result<Loaded, ebpf_kernel_host::LoadError> {
    let object = object(file(host.platform()), host.platform());
    let functions = [function];
    host.load(
        &object,
        &LoadOptions {
            engine,
            functions: Some(&functions),
            ..LoadOptions::default()
        },
    )
}

/// `struct scratch`: a[64], b[64], n, fill, cmp, ret_is_dst.
const SCRATCH: usize = 64 + 64 + 4 + 4 + 8 + 8;

#[test]
fn map_copies_of_a_variable_size_give_exact_bytes() {
    for platform in [&LINUX, &WINDOWS] {
        for engine in ENGINES {
            let (host, _) = host(platform);
            let loaded = load_one(&host, "bt_map", engine).unwrap_or_else(|e| panic!("{e}"));
            let map = loaded.map("scratch").unwrap();
            for n in [0usize, 1, 10, 63, 64, 200] {
                let mut v = [0u8; SCRATCH];
                for (i, b) in v[..64].iter_mut().enumerate() {
                    *b = i as u8;
                }
                v[64..128].fill(0xff);
                v[128..132].copy_from_slice(&(n as u32).to_ne_bytes());
                v[132..136].copy_from_slice(&0x111u32.to_ne_bytes());
                map.map().update(&0u32.to_ne_bytes(), &v, 0).unwrap();
                let p = loaded.program("bt_map").unwrap();
                let out = p.test_run(&TestRun::default()).unwrap();
                let at = format!("{} {engine:?} n={n}", platform.name);
                assert_eq!(out.retval, 2, "{at}");
                let mut got = [0u8; SCRATCH];
                map.map().lookup(&0u32.to_ne_bytes(), &mut got).unwrap();
                // The program caps n at 64; memset writes the fill's low byte.
                let n = n.min(64);
                let mut a: Vec<u8> = (0..64).collect();
                a[..n].fill(0x11);
                let mut b = vec![0xffu8; 64];
                b[..n].copy_from_slice(&(0..n as u8).collect::<Vec<_>>());
                let cmp = match a.cmp(&b) {
                    std::cmp::Ordering::Less => -1i64,
                    std::cmp::Ordering::Equal => 0,
                    std::cmp::Ordering::Greater => 1,
                };
                let mut shifted = vec![b[0]];
                shifted.extend_from_slice(&b[..63]);
                assert_eq!(&got[..64], &a[..], "a, {at}");
                assert_eq!(&got[64..128], &shifted[..], "b, {at}");
                assert_eq!(
                    i64::from_ne_bytes(got[136..144].try_into().unwrap()),
                    cmp,
                    "{at}"
                );
                assert_eq!(
                    u64::from_ne_bytes(got[144..152].try_into().unwrap()),
                    1,
                    "{at}"
                );
            }
        }
    }
}

#[test]
fn stack_and_packet_copies_compare_exactly() {
    for platform in [&LINUX, &WINDOWS] {
        for engine in ENGINES {
            let (host, _) = host(platform);
            let loaded = load_one(&host, "bt_stack", engine).unwrap_or_else(|e| panic!("{e}"));
            let p = loaded.program("bt_stack").unwrap();
            let run = |data: &[u8]| {
                p.test_run(&TestRun {
                    data,
                    ..TestRun::default()
                })
                .unwrap()
                .retval
            };
            let at = format!("{} {engine:?}", platform.name);
            let mut frame = vec![0x42u8; 80];
            assert_eq!(run(&frame), 2, "equal, {at}");
            frame[63] = 0x41;
            assert_eq!(run(&frame), 0, "before, {at}");
            frame[63] = 0x43;
            assert_eq!(run(&frame), 3, "after, {at}");
            frame[0] = 0x00;
            assert_eq!(run(&frame), 0, "first byte decides, {at}");
            frame[0] = 0xf0; // unsigned bytes: 0xf0 sorts after 0x42
            assert_eq!(run(&frame), 3, "unsigned, {at}");
            assert_eq!(run(&frame[..63]), 1, "short, {at}");
        }
    }
}

#[test]
fn packet_moves_in_place() {
    for platform in [&LINUX, &WINDOWS] {
        for engine in ENGINES {
            let (host, _) = host(platform);
            let loaded = load_one(&host, "bt_packet", engine).unwrap_or_else(|e| panic!("{e}"));
            let p = loaded.program("bt_packet").unwrap();
            let frame: Vec<u8> = (0..40).collect();
            let out = p
                .test_run(&TestRun {
                    data: &frame,
                    ..TestRun::default()
                })
                .unwrap();
            let mut want = frame.clone();
            want.copy_within(0..16, 1);
            want[0] = 0xee;
            assert_eq!(out.retval, 2);
            assert_eq!(out.data_out, want, "{} {engine:?}", platform.name);
        }
    }
}

#[test]
fn unsafe_and_unresolved_programs_fail_alone() {
    for platform in [&LINUX, &WINDOWS] {
        let (host, _) = host(platform);
        let e = load_one(&host, "bt_unbounded", Engine::Interpreter).expect_err("unbounded");
        let LoadErrorKind::Rejected(errors) = e.kind() else {
            panic!("{e}");
        };
        let first = errors[0].to_string();
        assert!(
            first.contains("memcpy argument r3") && first.contains("not proved within"),
            "{first}"
        );
        let e = load_one(&host, "bt_strlen", Engine::Interpreter).expect_err("strlen");
        assert!(e.to_string().contains("strlen"), "{e}");
        // The others of the same object load.
        for f in ["bt_map", "bt_stack", "bt_packet"] {
            load_one(&host, f, Engine::Jit).unwrap_or_else(|e| panic!("{f}: {e}"));
        }
    }
}

/// `tests/programs/builtin_memcmp.c`, built with default flags: its variable-size memcmp is
/// the call clang leaves. The first byte's low 5 bits give the size compared with "aaa...".
#[test]
fn memcmp_left_by_default_flags_runs() {
    let path = object_path("../programs/builtin_memcmp.o");
    let bytes = std::fs::read(path).unwrap();
    let object = ebpf_loader::Object::parse(&bytes, &ebpf_loader::LoadOptions::default()).unwrap();
    for engine in ENGINES {
        let (host, _) = host(&LINUX);
        let options = LoadOptions {
            engine,
            ..LoadOptions::default()
        };
        let loaded = host
            .load(&object, &options)
            .unwrap_or_else(|e| panic!("{e}"));
        let p = loaded.program("xdp_prefix_match").unwrap();
        let run = |data: &[u8]| {
            p.test_run(&TestRun {
                data,
                ..TestRun::default()
            })
            .unwrap()
            .retval
        };
        let (drop, pass) = (1, 2);
        let mut frame = vec![b'a'; 40];
        assert_eq!(run(&frame), drop, "1 byte equal, {engine:?}");
        frame[0] = b'@'; // 0x40 & 31 = 0 bytes: equal
        assert_eq!(run(&frame), drop, "{engine:?}");
        frame[0] = b'b'; // 2 bytes, the first differs
        assert_eq!(run(&frame), pass, "{engine:?}");
        frame[0] = b'a' | 0x1f; // 31 bytes
        assert_eq!(run(&frame), pass, "{engine:?}");
        frame[0] = b'a'; // 1 byte: the differing second byte is not compared
        frame[1] = b'b';
        assert_eq!(run(&frame), drop, "only n bytes, {engine:?}");
        assert_eq!(run(&frame[..31]), pass, "short, {engine:?}");
    }
}
