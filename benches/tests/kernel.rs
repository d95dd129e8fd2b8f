//! The kernel loader of the verifier benchmark on two of our own programs: one the Linux verifier
//! accepts (its `verified_insns` and clock are read back) and one it rejects (the reason comes
//! from its log). Skips with a message where `bpf()` is refused.

use std::io::Write;
use std::path::Path;

use ebpf_benches::kernel::{self, Maps, Prepared};
use ebpf_loader::{LoadOptions, Object};

fn object(path: &str) -> Object {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
    let bytes = std::fs::read(&path).expect("test object");
    Object::parse(&bytes, &LoadOptions::default()).expect("test object parses")
}

fn prepared(object: &Object, maps: &Maps, function: &str) -> Prepared {
    let program = object
        .programs()
        .iter()
        .find(|p| p.function == function)
        .expect("program in object");
    Prepared::new(object, program, maps, None).expect("loadable")
}

#[test]
fn kernel_accepts_and_rejects_with_maps_created() {
    if let Err(e) = kernel::available() {
        // On the real stderr: libtest captures only the `print!` family, so the line shows in a
        // normal `cargo test` run.
        let line = format!(
            "skipped: benches/kernel/kernel_accepts_and_rejects_with_maps_created: this machine \
             refuses bpf(BPF_PROG_LOAD): {e} (run as root on Linux with BPF enabled)\n"
        );
        let _ = std::io::stderr().write_all(line.as_bytes());
        return;
    }
    let object = object("tests/verify/map_null.o");
    let maps = Maps::create(&object);
    let load = prepared(&object, &maps, "count_checked")
        .load()
        .expect("the kernel accepts the null-checked lookup");
    assert_ne!(load.verified_insns, Some(0));
    assert!(prepared(&object, &maps, "count_checked")
        .verification_time()
        .is_some());

    let err = prepared(&object, &maps, "count_unchecked")
        .load()
        .expect_err("the kernel rejects the unchecked lookup");
    assert!(err.contains("map_value_or_null"), "{err}");
}
