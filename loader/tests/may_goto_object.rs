//! A clang-19 object whose loops `may_goto` bounds (`tests/programs/may_goto.c`, LLVM's
//! `may_goto LABEL` in inline asm, opcode 0xe5) loads program by program, its `may_goto`s
//! decoded with their targets, and the static function they share linked into the program
//! that calls it.

use std::path::PathBuf;

use ebpf_isa::Insn;
use ebpf_loader::{LoadOptions, Object};
use ebpf_platform::LINUX;

#[test]
fn may_goto_object_loads_with_its_jcond_instructions() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/programs/may_goto.o");
    let bytes = std::fs::read(path).unwrap();
    let object = Object::parse(&bytes, &LoadOptions::new(&LINUX)).unwrap();
    let names: Vec<&str> = object
        .programs()
        .iter()
        .map(|p| p.function.as_str())
        .collect();
    assert_eq!(names, ["xdp_sum_words", "xdp_spin", "xdp_spin_frames"]);
    for p in object.programs() {
        assert!(
            p.decode_error.is_none(),
            "{}: {:?}",
            p.function,
            p.decode_error
        );
        let may_gotos: Vec<(usize, i64)> = p
            .iter()
            .filter(|(_, i)| matches!(i, Insn::MayGoto { .. }))
            .map(|(pc, i)| (pc, i.branch_target(pc).unwrap()))
            .collect();
        // One per loop: the spin loops exit forwards through it, past their back edge.
        let expected = if p.function == "xdp_spin_frames" {
            2
        } else {
            1
        };
        assert_eq!(may_gotos.len(), expected, "{}: {may_gotos:?}", p.function);
        for (pc, target) in may_gotos {
            assert!(
                target > pc as i64 && (target as usize) < p.slots(),
                "{}",
                p.function
            );
        }
        assert!(ebpf_isa::Program::from_insns(p.insns.as_slice()).is_ok());
    }
    let frames = &object.programs()[2];
    let functions: Vec<&str> = frames.functions.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(functions, ["xdp_spin_frames", "spin_here"]);
}
