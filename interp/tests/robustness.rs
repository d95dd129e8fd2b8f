//! No input makes the interpreter panic, hang or touch memory it was not given: random bytes as
//! programs, random well-formed programs (jumps and calls landing on instructions), random input
//! memory. Guard bytes around the input must survive every run, and every fault must name a slot
//! of the program.

#[path = "../../isa/tests/common/mod.rs"]
mod common;

use ebpf_interp::{
    AccessErrorKind, Area, Config, FaultKind, HelperError, Helpers, Memory, Program, Vm,
};
use proptest::prelude::*;

/// Helper 5 echoes its first argument; helper 6 grants a 16-byte writable region and returns its
/// address; everything else is unknown.
struct TestHelpers {
    scratch: Box<[u8; 16]>,
}

impl Helpers for TestHelpers {
    fn call(&mut self, id: u32, args: [u64; 5], mem: &mut Memory<'_>) -> Result<u64, HelperError> {
        match id {
            5 => Ok(args[0]),
            6 => {
                let ptr = self.scratch.as_mut_ptr();
                // SAFETY: `scratch` is owned by this helper object, which outlives the run that
                // `mem` belongs to, is not accessed by anything else during the run, and is
                // never deallocated while the run lasts.
                Ok(unsafe { mem.grant_raw(ptr, 16, true)? })
            }
            _ => Err(HelperError::unknown(id)),
        }
    }
}

const GUARD: usize = 64;
const GUARD_BYTE: u8 = 0xa5;

/// Runs `program` over `input` placed between guard bytes; checks the guards and the fault pc.
fn run_guarded(program: &Program, input: &[u8]) -> Result<(), TestCaseError> {
    let mut buf = vec![GUARD_BYTE; GUARD + input.len() + GUARD];
    buf[GUARD..GUARD + input.len()].copy_from_slice(input);
    let mut vm = Vm::new(Config { budget: 20_000 });
    let mut helpers = TestHelpers {
        scratch: Box::new([0; 16]),
    };
    let result = {
        let (_, rest) = buf.split_at_mut(GUARD);
        let (mem, _) = rest.split_at_mut(input.len());
        vm.run(program, mem, &mut helpers)
    };
    if let Err(fault) = result {
        let slots = program.slot_count();
        if fault.kind() == FaultKind::FellOffEnd {
            prop_assert_eq!(fault.pc(), slots);
        } else {
            prop_assert!(
                fault.pc() < slots,
                "fault {} outside the program ({} slots)",
                fault,
                slots
            );
        }
        prop_assert!(!fault.to_string().is_empty());
    }
    prop_assert!(
        buf[..GUARD].iter().all(|&b| b == GUARD_BYTE),
        "guard before the input was written"
    );
    prop_assert!(
        buf[GUARD + input.len()..].iter().all(|&b| b == GUARD_BYTE),
        "guard after the input was written"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..400),
        input in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        if let Ok(program) = Program::from_bytes(&bytes) {
            run_guarded(&program, &input)?;
        }
    }

    #[test]
    fn well_formed_programs_stay_in_bounds(
        insns in common::program(),
        input in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        match Program::from_insns(&insns) {
            Ok(program) => run_guarded(&program, &input)?,
            // Only instructions the encoder cannot express are refused (e.g. a jump too far).
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}

#[test]
fn helper_granted_region_is_usable() {
    // r0 = helper 6 (a 16-byte region); store 0x55 at its byte 15; read it back.
    let text = "call 6\nstb [%r0+15], 0x55\nldxb %r0, [%r0+15]\nexit";
    let insns = ebpf_isa::asm::assemble(text).unwrap();
    let program = Program::from_insns(&insns).unwrap();
    let mut helpers = TestHelpers {
        scratch: Box::new([0; 16]),
    };
    let out = Vm::default().run(&program, &mut [], &mut helpers).unwrap();
    assert_eq!(out.r0, 0x55);
    assert_eq!(helpers.scratch[15], 0x55);

    // One byte past the region faults.
    let text = "call 6\nldxb %r0, [%r0+16]\nexit";
    let program = Program::from_insns(&ebpf_isa::asm::assemble(text).unwrap()).unwrap();
    let mut helpers = TestHelpers {
        scratch: Box::new([0; 16]),
    };
    let fault = Vm::default()
        .run(&program, &mut [], &mut helpers)
        .unwrap_err();
    let FaultKind::Access { error } = fault.kind() else {
        panic!("{fault}");
    };
    assert_eq!((error.size(), error.write()), (1, false));
    assert_eq!(error.at().area(), Area::Region { index: 0 });
    assert_eq!(error.kind(), AccessErrorKind::OutOfBounds { len: 16 });
    assert_eq!(fault.pc(), 1);
    assert_eq!(
        fault.to_string(),
        "pc 1: out-of-bounds read of 1 byte at region 0+16: region 0 has 16 bytes"
    );
}

#[test]
fn read_only_input_rejects_stores() {
    let insns = ebpf_isa::asm::assemble("stb [%r1], 1\nmov %r0, 0\nexit").unwrap();
    let program = Program::from_insns(&insns).unwrap();
    let input = [0u8; 4];
    let mut memory = Memory::new_readonly(&input);
    let args = [memory.input_addr(), memory.input_len(), 0, 0, 0];
    let fault = Vm::default()
        .run_in(&program, args, &mut memory, &mut ebpf_interp::NoHelpers)
        .unwrap_err();
    assert_eq!(
        fault.to_string(),
        "pc 0: write of 1 byte at input+0: input is read-only"
    );
}
