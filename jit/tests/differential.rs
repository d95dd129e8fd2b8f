//! JIT == interpreter on random well-formed programs (see `common` for the generator), plus
//! the fuzzer inputs kept as regression tests (`tests/fuzz_inputs/`).

mod common;

use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 10_000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Every generated program gives the same r0 (or the same fault at the same pc), the same
    /// frame-0 stack and the same input memory on both engines, with and without blinding.
    #[test]
    fn jit_matches_interpreter(bytes in prop::collection::vec(any::<u8>(), 0..1536)) {
        let insns = common::generate(&bytes);
        if let Err(why) = common::differential(&insns) {
            prop_assert!(false, "{}", why);
        }
    }
}

/// The generator really produces what the test claims to cover: run it over fixed seeds and
/// count instruction kinds (guards against a generator change that silently narrows it).
#[test]
fn generator_covers_every_instruction_class() {
    use ebpf_isa::{CallTarget, Insn};
    let mut seen = [0usize; 12];
    let mut state = 0x1234_5678_9abc_def0u64;
    for _ in 0..400 {
        let bytes: Vec<u8> = (0..1200)
            .map(|_| {
                // xorshift64: deterministic, well-spread bytes.
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        for insn in common::generate(&bytes) {
            let k = match insn {
                Insn::Alu { .. } | Insn::Neg { .. } | Insn::Movsx { .. } | Insn::End { .. } => 0,
                Insn::Jmp { off, .. } if off < 0 => 1,
                Insn::Jmp { .. } => 2,
                Insn::Ja { .. } | Insn::Ja32 { .. } => 3,
                Insn::Ldx { .. } | Insn::Ldxs { .. } => 4,
                Insn::St { .. } | Insn::Stx { .. } => 5,
                Insn::Atomic { .. } => 6,
                Insn::Call(CallTarget::Helper(_)) => 7,
                Insn::Call(CallTarget::Local(_)) => 8,
                Insn::Callx { .. } => 9,
                Insn::LdAbs { .. } | Insn::LdInd { .. } => 10,
                Insn::Lddw { .. } => 11,
                _ => continue,
            };
            seen[k] += 1;
        }
    }
    assert!(
        seen.iter().all(|&n| n > 0),
        "instruction classes never generated: {seen:?}"
    );
}

/// Fuzzer inputs kept as regression tests (`tests/fuzz_inputs/`): every crash or mismatch the
/// `jit_differential` fuzz target finds is added here as `crash-<hash>` with a comment line in
/// `tests/fuzz_inputs/README` saying what broke. None has been found so far; the `corpus-*`
/// files are the largest inputs of the fuzzer's corpus after its runs, kept as fixed seeds.
#[test]
fn fuzz_inputs_still_agree() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_inputs");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some() {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name == "README" {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let insns = common::generate(&bytes);
        if let Err(why) = common::differential(&insns) {
            panic!("{name}: {why}");
        }
        checked += 1;
    }
    assert!(
        checked >= 16,
        "only {checked} fuzz inputs in {}",
        dir.display()
    );
}
