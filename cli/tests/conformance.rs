//! Runs the public bpf_conformance vectors and the project's own corpus on the interpreter.

use std::path::{Path, PathBuf};

use ebpf_cli::conformance::run_dir;
use ebpf_cli::engine::Engine;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The bpf_conformance `tests/` directory: `BPF_CONFORMANCE_DIR`, or `../shared` beside the repo.
fn conformance_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("BPF_CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/bpf_conformance/tests"));
    dir.is_dir().then_some(dir)
}

fn run_all(dir: &Path, engine: Engine) -> usize {
    let summary = run_dir(dir, engine, |name, why| eprintln!("FAIL {name}: {why}")).unwrap();
    println!("{} on {engine}: {}", dir.display(), summary.line());
    assert!(
        summary.failures.is_empty(),
        "{} failures: {:#?}",
        summary.failures.len(),
        summary.failures
    );
    summary.passed
}

#[test]
fn bpf_conformance_on_interpreter() {
    let Some(dir) = conformance_dir() else {
        println!("skipped: bpf_conformance not found (set BPF_CONFORMANCE_DIR)");
        return;
    };
    assert_eq!(run_all(&dir, Engine::Interp), 313);
}

#[test]
fn own_corpus_on_interpreter() {
    let passed = run_all(&repo_root().join("tests/corpus"), Engine::Interp);
    assert!(passed >= 80, "only {passed} corpus vectors");
}
