//! The `ebpf` command end to end: assemble, disassemble, run, conformance; exit codes and
//! one-line errors with locations.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn ebpf(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ebpf"))
        .args(args)
        .output()
        .expect("runs the ebpf binary")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A scratch directory unique to one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ebpf-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const IPV4_HEADER: &str = "45 00 00 73 00 00 40 00 40 11 b8 61 c0 a8 00 01 c0 a8 00 c7";

#[test]
fn bundled_example_runs() {
    let example = repo().join("examples/ipv4_checksum.s");
    let o = ebpf(&["run", example.to_str().unwrap(), "--mem", IPV4_HEADER]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("r0 = 0x0 (0)"), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("instructions executed: "),
        "{}",
        stdout(&o)
    );

    // A corrupted checksum gives a non-zero r0.
    let bad = IPV4_HEADER.replace("b8 61", "b8 62");
    let o = ebpf(&["run", example.to_str().unwrap(), "--mem", &bad]);
    assert!(o.status.success());
    assert!(!stdout(&o).contains("r0 = 0x0 (0)"), "{}", stdout(&o));
}

#[test]
fn asm_then_disasm_then_run_round_trips() {
    let dir = scratch("roundtrip");
    let src = dir.join("p.s");
    std::fs::write(
        &src,
        "mov %r0, 0\nloop:\nadd %r0, 3\njlt %r0, 30, loop\nexit\n",
    )
    .unwrap();
    let bin = dir.join("p.bin");
    let o = ebpf(&["asm", src.to_str().unwrap(), "-o", bin.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read(&bin).unwrap().len(), 4 * 8);

    let o = ebpf(&["disasm", bin.to_str().unwrap()]);
    assert!(o.status.success());
    let text = stdout(&o);
    assert!(text.contains("add %r0, 3"), "{text}");
    // The backward jump gets a label, and the text assembles to the same bytes.
    let again = dir.join("again.s");
    std::fs::write(&again, &text).unwrap();
    let bin2 = dir.join("again.bin");
    assert!(
        ebpf(&["asm", again.to_str().unwrap(), "-o", bin2.to_str().unwrap()])
            .status
            .success()
    );
    assert_eq!(std::fs::read(&bin).unwrap(), std::fs::read(&bin2).unwrap());

    let o = ebpf(&["run", bin.to_str().unwrap()]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("r0 = 0x1e (30)"), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("instructions executed: 22"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn errors_are_one_line_with_location_and_exit_2() {
    let dir = scratch("errors");
    let bad = dir.join("bad.s");
    std::fs::write(&bad, "mov %r0, 1\nfrobnicate %r1\nexit\n").unwrap();
    let o = ebpf(&["run", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("line 2") && err.contains("frobnicate"),
        "{err}"
    );

    let odd = dir.join("odd.bin");
    std::fs::write(&odd, [0x95u8, 0, 0, 0, 0, 0, 0, 0, 0xb7]).unwrap();
    let o = ebpf(&["disasm", odd.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a multiple of 8"), "{}", stderr(&o));

    let unknown = dir.join("unknown.bin");
    std::fs::write(&unknown, [0xffu8, 0, 0, 0, 0, 0, 0, 0]).unwrap();
    let o = ebpf(&["run", unknown.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("pc 0"), "{}", stderr(&o));

    let o = ebpf(&["run", dir.join("missing.s").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("missing.s"), "{}", stderr(&o));

    let ok = dir.join("ok.s");
    std::fs::write(&ok, "mov %r0, 0\nexit\n").unwrap();
    let o = ebpf(&["run", ok.to_str().unwrap(), "--mem", "0g"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--mem"), "{}", stderr(&o));
}

#[test]
fn faults_exit_1_naming_the_pc() {
    let dir = scratch("faults");
    let oob = dir.join("oob.s");
    std::fs::write(&oob, "mov %r0, 0\nldxw %r0, [%r1+2]\nexit\n").unwrap();
    let o = ebpf(&["run", oob.to_str().unwrap(), "--mem", "01 02 03 04"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("pc 1") && err.contains("out-of-bounds"),
        "{err}"
    );
    // In bounds with a longer input.
    let o = ebpf(&["run", oob.to_str().unwrap(), "--mem", "01 02 03 04 05 06"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("r0 = 0x6050403"), "{}", stdout(&o));
}

#[test]
fn conformance_command_counts_and_exit_codes() {
    let dir = scratch("conformance");
    std::fs::write(
        dir.join("pass.data"),
        "-- asm\nmov %r0, 2\nexit\n-- result\n0x2\n",
    )
    .unwrap();
    let o = ebpf(&["conformance", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("1 passed, 0 failed"), "{}", stdout(&o));

    std::fs::write(
        dir.join("fail.data"),
        "-- asm\nmov %r0, 2\nexit\n-- result\n0x3\n",
    )
    .unwrap();
    let o = ebpf(&["conformance", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("fail.data") && out.contains("1 passed, 1 failed"),
        "{out}"
    );
}

#[test]
fn help_documents_exit_codes() {
    let o = ebpf(&["--help"]);
    assert!(o.status.success());
    let help = stdout(&o);
    for needle in ["Exit codes", "asm", "disasm", "run", "conformance"] {
        assert!(help.contains(needle), "--help lacks {needle}: {help}");
    }
}
