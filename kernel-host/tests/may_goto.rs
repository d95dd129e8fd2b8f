//! `may_goto` loops (`tests/programs/may_goto.c`, clang 19): loaded, verified and run on both
//! engines, with Linux's budget of `BPF_MAX_LOOPS` (8 Mi) fall-throughs per function call.

mod common;

use common::*;
use ebpf_isa::MAY_GOTO_BUDGET;
use ebpf_kernel_host::TestRun;
use ebpf_platform::LINUX;

const OBJECT: &str = "../programs/may_goto.o";

fn run(p: &ebpf_kernel_host::Program) -> u64 {
    p.test_run(&TestRun {
        data: &[0; 64],
        ..TestRun::default()
    })
    .unwrap()
    .retval
}

#[test]
fn a_loop_bounded_by_may_goto_sums_a_map_value() {
    for engine in ENGINES {
        let (host, _) = host(&LINUX);
        let loaded = load(&host, OBJECT, engine);
        let p = loaded.program("xdp_sum_words").unwrap();
        assert_eq!(run(p), 0, "{engine:?}: n = 0");
        let mut value = vec![0u8; 4 + 64 * 4];
        let n = 40u32;
        value[..4].copy_from_slice(&n.to_ne_bytes());
        for i in 0..64u32 {
            let at = 4 + 4 * i as usize;
            value[at..at + 4].copy_from_slice(&(i * 3 + 1).to_ne_bytes());
        }
        let words = loaded.map("words").unwrap();
        words.map().update(&0u32.to_ne_bytes(), &value, 0).unwrap();
        let expected: u64 = (0..n).map(|i| u64::from(i * 3 + 1)).sum();
        assert_eq!(run(p), expected, "{engine:?}");
        // n past the array: the index check ends it after 64 words.
        value[..4].copy_from_slice(&1000u32.to_ne_bytes());
        words.map().update(&0u32.to_ne_bytes(), &value, 0).unwrap();
        assert_eq!(
            run(p),
            (0..64).map(|i| i * 3 + 1).sum::<u64>(),
            "{engine:?}"
        );
    }
}

#[test]
fn an_endless_loop_ends_after_exactly_the_budget() {
    for engine in ENGINES {
        let (host, _) = host(&LINUX);
        let loaded = load(&host, OBJECT, engine);
        let p = loaded.program("xdp_spin").unwrap();
        assert_eq!(run(p), MAY_GOTO_BUDGET, "{engine:?}");
        // Every run starts with a full budget.
        assert_eq!(run(p), MAY_GOTO_BUDGET, "{engine:?}");
        // The verifier's bound covers the budget (the interpreter runs with it as its
        // instruction budget): 3 instructions a round.
        assert!(p.instruction_bound() >= 3 * MAY_GOTO_BUDGET, "{engine:?}");
    }
}

#[test]
fn each_function_call_has_a_budget_of_its_own() {
    for engine in ENGINES {
        let (host, _) = host(&LINUX);
        let loaded = load(&host, OBJECT, engine);
        let p = loaded.program("xdp_spin_frames").unwrap();
        assert_eq!(run(p), 3 * MAY_GOTO_BUDGET, "{engine:?}");
    }
}
