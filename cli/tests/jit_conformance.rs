//! The JIT on the public bpf_conformance vectors (through the runner and through the
//! `ebpf-conformance-plugin --engine jit` binary), on the project's own corpus (which must match
//! the interpreter vector by vector), and `ebpf run --jit`.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::{conformance_dir, repo_root};
use ebpf_cli::conformance::{data_files, run_case, run_dir, Verdict};
use ebpf_cli::data::{Expect, ProgramText, TestCase};
use ebpf_cli::engine::{self, Engine};

#[test]
fn bpf_conformance_on_jit() {
    let Some(dir) = conformance_dir("cli/jit_conformance/bpf_conformance_on_jit") else {
        return;
    };
    let summary = run_dir(&dir, Engine::Jit, |name, why| {
        eprintln!("FAIL {name}: {why}")
    })
    .unwrap();
    println!("{} on jit: {}", dir.display(), summary.line());
    assert!(summary.failures.is_empty(), "{:#?}", summary.failures);
    assert!(summary.skipped.is_empty(), "{:#?}", summary.skipped);
    assert_eq!(summary.passed, 313);
}

/// The plugin protocol end to end: program hex on stdin, memory hex as argument, r0 in hex on
/// stdout, for every vector that expects a result.
#[test]
fn bpf_conformance_through_the_plugin_on_jit() {
    let Some(dir) =
        conformance_dir("cli/jit_conformance/bpf_conformance_through_the_plugin_on_jit")
    else {
        return;
    };
    let mut checked = 0;
    for path in data_files(&dir).unwrap() {
        let case = TestCase::load(&path).unwrap();
        let (Ok(ProgramText::Insns(insns)), Expect::Result(want)) = (case.program(), &case.expect)
        else {
            continue;
        };
        let program_hex: String = ebpf_isa::encode(&insns)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let mem_hex: String = case.mem.iter().map(|b| format!("{b:02x}")).collect();
        let mut child = Command::new(env!("CARGO_BIN_EXE_ebpf-conformance-plugin"))
            .args([mem_hex.as_str(), "--engine", "jit"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("runs the plugin");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(program_hex.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}: {}",
            case.name,
            String::from_utf8_lossy(&out.stderr)
        );
        let got = u64::from_str_radix(stdout.trim(), 16).unwrap();
        assert_eq!(got, *want, "{}", case.name);
        checked += 1;
    }
    println!("{checked} vectors through the plugin on jit");
    assert!(checked > 250, "only {checked} vectors checked");
}

/// Every corpus vector: skipped on the JIT exactly when it expects an error the JIT cannot
/// detect (printed with the reason), otherwise passing and equal to the interpreter's outcome.
#[test]
fn own_corpus_on_jit_matches_interpreter() {
    let dir = repo_root().join("tests/corpus");
    let (mut passed, mut skipped) = (0, 0);
    for path in data_files(&dir).unwrap() {
        let case = TestCase::load(&path).unwrap();
        match run_case(&case, Engine::Jit) {
            Verdict::Pass => passed += 1,
            Verdict::Skip(why) => {
                println!("SKIP {} on jit: {why}", case.name);
                assert!(engine::skip_reason(Engine::Jit, &case.expect).is_some());
                skipped += 1;
                continue;
            }
            Verdict::Fail(why) => panic!("{} on jit: {why}", case.name),
        }
        // Same r0 or same error class as the interpreter.
        let Ok(ProgramText::Insns(insns)) = case.program() else {
            continue;
        };
        let interp = engine::run(Engine::Interp, &insns, &mut case.mem.clone());
        let jit = engine::run(Engine::Jit, &insns, &mut case.mem.clone());
        match (interp, jit) {
            (Ok(a), Ok(b)) => assert_eq!(a.r0, b.r0, "{}", case.name),
            (Err(a), Err(b)) => assert_eq!(a.class, b.class, "{}: {a} / {b}", case.name),
            (a, b) => panic!("{}: interpreter {a:?}, jit {b:?}", case.name),
        }
    }
    println!("own corpus on jit: {passed} passed, {skipped} skipped");
    assert!(passed >= 50, "only {passed} corpus vectors ran on the JIT");
}

/// `run --jit` prints exactly what `run` prints, as text and as JSON.
#[test]
fn ebpf_run_with_jit_prints_what_run_prints() {
    let example = repo_root().join("examples/ipv4_checksum.s");
    let header = "45 00 00 73 00 00 40 00 40 11 b8 61 c0 a8 00 01 c0 a8 00 c7";
    let run = |extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_ebpf"))
            .args(["run", example.to_str().unwrap(), "--mem", header])
            .args(extra)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let interp = run(&[]);
    assert!(
        interp.starts_with("r0 = 0x0 (0)\ninstructions executed: "),
        "{interp}"
    );
    assert_eq!(run(&["--jit"]), interp);
    let json = run(&["--json"]);
    assert_eq!(run(&["--jit", "--json"]), json);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["r0"], 0);
    assert!(
        value["instructions_executed"].as_u64().unwrap() > 0,
        "{json}"
    );
}

/// A wild access is refused before the JIT executes it, with a message saying why.
#[test]
fn jit_refuses_what_the_preflight_finds_out_of_bounds() {
    let insns = ebpf_isa::asm::assemble("mov %r1, 0\nldxdw %r0, [%r1]\nexit\n").unwrap();
    let err = engine::run(Engine::Jit, &insns, &mut []).unwrap_err();
    assert!(err.message.contains("not run on the JIT"), "{err}");
    assert!(err.message.contains("out-of-bounds"), "{err}");
}
