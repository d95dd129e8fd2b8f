//! Applies random operations to a hash, array, LRU, LPM, queue or stack map and to a simple std
//! model, and compares every result (the model is shared with kernel-host's proptest).
//! Run with `cargo +nightly fuzz run maps_model`.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../kernel-host/tests/model/mod.rs"]
mod model;

fuzz_target!(|data: &[u8]| {
    if let Err(difference) = model::run_bytes(data) {
        panic!("{difference}");
    }
});
