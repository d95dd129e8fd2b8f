//! The execution context's test objects (`tests/host/*.o`) are real Linux programs: the
//! kernel's verifier accepts every one of them with its maps created (so the differential
//! tests can run them on `BPF_PROG_TEST_RUN`). Skips with a message where `bpf()` is refused.

use std::io::Write;
use std::path::Path;

use ebpf_benches::kernel::{self, Maps, Prepared};
use ebpf_loader::{LoadOptions, Object};

#[test]
fn linux_accepts_every_host_test_program() {
    if let Err(e) = kernel::available() {
        // On the real stderr: libtest captures only the `print!` family, so the line shows in a
        // normal `cargo test` run.
        let line = format!(
            "skipped: benches/host_objects/linux_accepts_every_host_test_program: this machine \
             refuses bpf(BPF_PROG_LOAD): {e} (run as root on Linux with BPF enabled)\n"
        );
        let _ = std::io::stderr().write_all(line.as_bytes());
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/host");
    let mut failures = Vec::new();
    let mut loaded = 0;
    for name in [
        "xdp_firewall.o",
        "maps.o",
        "helpers.o",
        "bench.o",
        "bench_maps.o",
    ] {
        let bytes = std::fs::read(dir.join(name)).expect("test object");
        let object = Object::parse(&bytes, &LoadOptions::default()).expect("parses");
        let maps = Maps::create(&object);
        for program in object.programs() {
            match Prepared::new(&object, program, &maps, None).and_then(|p| p.load()) {
                Ok(_) => loaded += 1,
                Err(e) => failures.push(format!("{name} {}: {e}", program.function)),
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(loaded, 31);
}
