//! Read-only global data (`tests/host/rodata.c`): the host freezes `.rodata` and gives its
//! contents to the verifier, so a program whose safety rests on a `const volatile` value loads
//! as on Linux; without them the verifier rejects it.

mod common;

use common::*;
use ebpf_kernel_host::error::errno::EPERM;
use ebpf_kernel_host::{EbpfResult, MapErrorKind, TestRun};
use ebpf_platform::LINUX;

#[test]
fn a_rodata_index_loads_and_runs_on_both_engines() {
    for engine in ENGINES {
        let (host, _) = host(&LINUX);
        let loaded = load(&host, "rodata.o", engine);
        let p = loaded.program("xdp_rodata_index").unwrap();
        let run = || {
            p.test_run(&TestRun {
                data: &[0; 64],
                ..TestRun::default()
            })
            .unwrap()
            .retval
        };
        assert_eq!(run(), 3, "{engine:?}");
        assert_eq!(run(), 6, "{engine:?}");
        let bss = loaded.map(".bss").unwrap();
        let mut v = [0u8; 64];
        bss.map().lookup(&0u32.to_ne_bytes(), &mut v).unwrap();
        let counters: Vec<u64> = v
            .chunks(8)
            .map(|c| u64::from_ne_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(counters, [0, 0, 0, 0, 0, 6, 0, 0], "{engine:?}");
        // .rodata is frozen: the user side cannot change what the verifier relied on.
        let rodata = loaded.map(".rodata").unwrap();
        assert!(rodata.map().is_frozen());
        let e = rodata
            .map()
            .update(&0u32.to_ne_bytes(), &[0u8; 16], 0)
            .expect_err("frozen");
        assert_eq!(e.kind(), &MapErrorKind::Frozen);
        assert_eq!(
            (e.linux_errno(), e.ebpf_result()),
            (EPERM, EbpfResult::AccessDenied)
        );
        let mut v = [0u8; 16];
        rodata.map().lookup(&0u32.to_ne_bytes(), &mut v).unwrap();
        assert_eq!(v[..4], 5u32.to_ne_bytes());
        // .bss is not frozen.
        assert!(!bss.map().is_frozen());
        bss.map()
            .update(&0u32.to_ne_bytes(), &[0u8; 64], 0)
            .unwrap();
    }
}

#[test]
fn without_the_rodata_contents_the_verifier_rejects_it() {
    let object = object("rodata.o", &LINUX);
    let p = object
        .programs()
        .iter()
        .find(|p| p.function == "xdp_rodata_index")
        .unwrap();
    let isa = ebpf_isa::Program::from_insns(p.insns.clone()).unwrap();
    let errors = ebpf_verifier::verify(&isa, &LINUX, "xdp", &object.map_infos())
        .expect_err("an unknown index into .bss is unsafe");
    assert!(!errors.is_empty());
}
