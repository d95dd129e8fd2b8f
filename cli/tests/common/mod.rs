//! Shared by the CLI's integration tests: the `bpf()` commands of the Linux differential tests
//! ([`bpf`]), the external corpora's directories, and the line a test prints when it is skipped
//! for missing data or kernel support ([`skip`]).

#![allow(dead_code)]

pub mod bpf;

use std::io::Write;
use std::path::{Path, PathBuf};

/// Says that `test` (`crate/file/function`) was skipped, as
/// `skipped: <test>: <what is missing> (<how to provide it>)`, on the process' real stderr:
/// libtest captures only the `print!` family, so the line shows in a normal `cargo test` run
/// (`.ci/run` lists these lines in its summary).
pub fn skip(test: &str, missing: &str, how: &str) {
    // One write of the whole line, so that libtest's own output cannot land inside it.
    let line = format!("skipped: {test}: {missing} ({how})\n");
    let _ = std::io::stderr().write_all(line.as_bytes());
}

/// The repository's root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The bpf_conformance `tests/` directory: `BPF_CONFORMANCE_DIR`, or `../shared` beside the
/// repository. `None`, after the skip line for `test`, when it is not a directory.
pub fn conformance_dir(test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("BPF_CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/bpf_conformance/tests"));
    if dir.is_dir() {
        return Some(dir);
    }
    skip(
        test,
        &format!("no bpf_conformance vectors at {}", dir.display()),
        "set BPF_CONFORMANCE_DIR to bpf_conformance's tests/ directory",
    );
    None
}

/// The ebpf-samples corpus: `EBPF_SAMPLES_DIR`, or `../shared` beside the repository. `None`,
/// after the skip line for `test`, when it holds no `EXPECTED.tsv`.
pub fn samples_dir(test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("EBPF_SAMPLES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/ebpf-samples"));
    if dir.join("EXPECTED.tsv").is_file() {
        return Some(dir);
    }
    skip(
        test,
        &format!("no ebpf-samples corpus (EXPECTED.tsv) at {}", dir.display()),
        "set EBPF_SAMPLES_DIR to the ebpf-samples directory",
    );
    None
}
