//! Loads arbitrary bytes as an ELF object, for both platforms (their map records and numbers): the loader must return a
//! `LoadError` or an object, never panic. Where it loads, every program's accessors are
//! exercised too (line lookup, maps used, disassembly-relevant pcs).
#![no_main]

use ebpf_loader::{LoadOptions, Object};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for platform in ebpf_platform::PLATFORMS {
        if let Ok(object) = Object::parse(data, &LoadOptions::new(platform)) {
            for program in object.programs() {
                let _ = program.maps_used();
                for (pc, _) in program.iter() {
                    let _ = program.line_at(pc);
                }
                assert_eq!(program.code.len() % 8, 0);
                if program.decode_error.is_none() {
                    // Decoding is strict, so the instructions re-encode to the exact bytes.
                    assert_eq!(ebpf_isa::encode(&program.insns), program.code);
                }
                for r in &program.map_refs {
                    assert!(r.map < object.maps().len());
                }
            }
        }
    }
});
