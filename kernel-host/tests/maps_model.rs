//! The map model test (see `model/mod.rs`) on random operation sequences; the cargo-fuzz target
//! `maps_model` runs the same model on fuzzer input.

mod model;

use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn maps_match_the_model(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Err(e) = model::run_bytes(&bytes) {
            prop_assert!(false, "{}", e);
        }
    }
}

/// Each target with a fixed sequence that fills, overflows, evicts and drains.
#[test]
fn every_target_fills_and_drains() {
    for target in 0u8..6 {
        let mut bytes = vec![target];
        for k in 0..12u8 {
            bytes.extend([0, k, k.wrapping_mul(3)]);
            bytes.extend([4, (k + 5) % 12, 0]);
        }
        for k in 0..12u8 {
            bytes.extend([6, 0, 0]);
            bytes.extend([5, k, 0]);
            bytes.extend([7, 0, 0]);
        }
        model::run_bytes(&bytes).unwrap();
    }
}
