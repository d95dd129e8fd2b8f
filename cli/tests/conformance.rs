//! Runs the public bpf_conformance vectors and the project's own corpus on the interpreter.

mod common;

use std::path::Path;

use common::{conformance_dir, repo_root};
use ebpf_cli::conformance::run_dir;
use ebpf_cli::engine::Engine;

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
    let Some(dir) = conformance_dir("cli/conformance/bpf_conformance_on_interpreter") else {
        return;
    };
    assert_eq!(run_all(&dir, Engine::Interp), 313);
}

#[test]
fn own_corpus_on_interpreter() {
    let passed = run_all(&repo_root().join("tests/corpus"), Engine::Interp);
    assert!(passed >= 80, "only {passed} corpus vectors");
}
