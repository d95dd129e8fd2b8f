//! Region isolation: every region has its own window of virtual addresses, so a run's results
//! and faults are the same wherever the host allocated its buffers, a pointer reaches only its
//! own region, and faults name the region and offset.

#[path = "../../isa/tests/common/mod.rs"]
mod common;

use ebpf_interp::{
    AccessError, AccessErrorKind, Area, Config, Fault, FaultKind, HelperError, Helpers, Memory,
    NoHelpers, Outcome, Place, Program, Vm,
};
use ebpf_isa::asm::assemble;
use ebpf_isa::LddwSrc;
use proptest::prelude::*;

fn program(text: &str) -> Program {
    Program::from_insns(&assemble(text).unwrap()).unwrap()
}

/// Helper 1: `bpf_map_lookup_elem` on a 4-entry array of u64 (key at the address in r2, the
/// value granted and its address returned, 0 past the end). Helper 2 writes 8 bytes of 0xee at
/// r1 (a helper writing through a pointer argument). `lddw map_value 1, off` resolves to value 0
/// plus `off`.
struct ArrayMap {
    values: Box<[u64; 4]>,
}

impl ArrayMap {
    fn new() -> Self {
        ArrayMap {
            values: Box::new([10, 20, 30, 40]),
        }
    }

    fn grant(&mut self, key: usize, mem: &mut Memory<'_>) -> Result<u64, HelperError> {
        let value: *mut u64 = &mut self.values[key];
        // SAFETY: the values live in a box this helper owns; it outlives every run it is
        // used in and nothing else touches the box while a run lasts.
        let addr = unsafe { mem.grant_raw(value.cast(), 8, true)? };
        mem.set_name(addr, "map value");
        Ok(addr)
    }
}

impl Helpers for ArrayMap {
    fn call(&mut self, id: u32, args: [u64; 5], mem: &mut Memory<'_>) -> Result<u64, HelperError> {
        match id {
            1 => {
                let key = u32::from_le_bytes(mem.slice(args[1], 4)?.try_into().unwrap());
                match key {
                    0..=3 => self.grant(key as usize, mem),
                    _ => Ok(0),
                }
            }
            2 => {
                mem.slice_mut(args[0], 8)?.fill(0xee);
                Ok(0)
            }
            _ => Err(HelperError::unknown(id)),
        }
    }

    fn lddw(
        &mut self,
        src: LddwSrc,
        imm: i32,
        next_imm: i32,
        mem: &mut Memory<'_>,
    ) -> Result<u64, HelperError> {
        match (src, imm) {
            (LddwSrc::MapValue, 1) => Ok(self.grant(0, mem)?.wrapping_add(next_imm as u64)),
            _ => Err(HelperError::unknown(0)),
        }
    }
}

/// Programs whose results would depend on host addresses if registers held them: pointers
/// returned, stored, compared and turned into numbers; accesses just outside each region.
const PROGRAMS: &[&str] = &[
    // r1 itself, r2 the length.
    "mov %r0, %r1\nexit",
    "mov %r0, %r2\nexit",
    // The stack pointer, and a pointer stored into the input and read back.
    "mov %r0, %r10\nexit",
    "stxdw [%r1], %r10\nldxdw %r0, [%r1]\nexit",
    // Pointer arithmetic as numbers: the distance from the input to the stack.
    "mov %r0, %r10\nsub %r0, %r1\nexit",
    "mov %r0, %r1\nand %r0, 0xfff\nexit",
    // Reads far past the input (on a real heap this may land in the stack frame).
    "ldxb %r0, [%r1+18180]\nexit",
    "ldxb %r0, [%r1+8]\nexit",
    "ldxw %r0, [%r1+6]\nexit",
    "ldxb %r0, [%r1-1]\nexit",
    // The stack just outside its frame, both sides.
    "ldxdw %r0, [%r10-520]\nexit",
    "stb [%r10], 1\nmov %r0, 0\nexit",
    // From the stack to the input by the distance between them on the host.
    "mov %r2, %r10\nsub %r2, 512\nldxb %r0, [%r2-18180]\nexit",
    // A map value: its address, a read, a write, and one byte past it.
    "stw [%r10-4], 2\nmov %r2, %r10\nadd %r2, -4\ncall 1\nexit",
    "stw [%r10-4], 2\nmov %r2, %r10\nadd %r2, -4\ncall 1\nldxdw %r0, [%r0]\nexit",
    "stw [%r10-4], 1\nmov %r2, %r10\nadd %r2, -4\ncall 1\nstdw [%r0], 7\nldxdw %r0, [%r0]\nexit",
    "stw [%r10-4], 3\nmov %r2, %r10\nadd %r2, -4\ncall 1\nldxb %r0, [%r0+8]\nexit",
    // A helper reading a key one byte out of the frame, a helper writing the input.
    "mov %r2, %r10\nadd %r2, -3\ncall 1\nexit",
    "call 2\nldxdw %r0, [%r1]\nexit",
    "add %r1, 1\ncall 2\nexit",
    // A map value by lddw.
    "lddw %r1, map_value 1, 4\nldxw %r0, [%r1]\nexit",
];

/// One run with the input at `input` (its bytes are `INPUT`): the outcome or fault, its text,
/// and the input afterwards.
fn run(prog: &Program, input: &mut [u8]) -> (Result<Outcome, Fault>, String, Vec<u8>) {
    let mut map = ArrayMap::new();
    let result = Vm::new(Config { budget: 1000 }).run(prog, input, &mut map);
    let text = match &result {
        Ok(out) => format!("r0 = {:#x}", out.r0),
        Err(fault) => fault.to_string(),
    };
    (result, text, input.to_vec())
}

const INPUT: [u8; 12] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

/// The input placed at `pad` bytes into buffers of assorted sizes (so also at assorted host
/// addresses and alignments).
fn placements() -> Vec<(Vec<u8>, usize)> {
    let mut out = Vec::new();
    for pad in 0..17 {
        for extra in [0usize, 1, 4096, 70_000] {
            let mut buf = vec![0xa5u8; pad + INPUT.len() + extra];
            buf[pad..pad + INPUT.len()].copy_from_slice(&INPUT);
            out.push((buf, pad));
        }
    }
    out
}

#[test]
fn results_and_faults_do_not_depend_on_host_addresses() {
    for text in PROGRAMS {
        let prog = program(text);
        let mut want = None;
        let mut addresses = std::collections::BTreeSet::new();
        for (mut buf, pad) in placements() {
            let input = &mut buf[pad..pad + INPUT.len()];
            addresses.insert(input.as_ptr() as usize);
            let got = run(&prog, input);
            match &want {
                None => want = Some(got),
                Some(want) => assert_eq!(&got, want, "{text}"),
            }
        }
        assert!(addresses.len() > 30, "the input really moved");
        let (_, text_out, _) = want.unwrap();
        assert!(!text_out.contains("0x7f"), "{text}: {text_out}");
    }
}

#[test]
fn expected_results_and_fault_texts() {
    let cases: &[(&str, &str)] = &[
        ("mov %r0, %r1\nexit", "r0 = 0x100000000"),
        ("mov %r0, %r2\nexit", "r0 = 0xc"),
        ("mov %r0, %r10\nexit", "r0 = 0x200000200"),
        ("mov %r0, %r10\nsub %r0, %r1\nexit", "r0 = 0x100000200"),
        (
            "ldxb %r0, [%r1+18180]\nexit",
            "pc 0: out-of-bounds read of 1 byte at input+18180: input has 12 bytes",
        ),
        (
            "ldxw %r0, [%r1+10]\nexit",
            "pc 0: out-of-bounds read of 4 bytes at input+10: input has 12 bytes",
        ),
        (
            "ldxb %r0, [%r1-1]\nexit",
            "pc 0: out-of-bounds read of 1 byte at input-1: input has 12 bytes",
        ),
        (
            "ldxdw %r0, [%r10-520]\nexit",
            "pc 0: out-of-bounds read of 8 bytes at stack-520 (frame 0): \
             a frame is the 512 bytes below its r10",
        ),
        (
            "stb [%r10], 1\nmov %r0, 0\nexit",
            "pc 0: out-of-bounds write of 1 byte at stack+0 (frame 0): \
             a frame is the 512 bytes below its r10",
        ),
        (
            "mov %r2, %r10\nsub %r2, 512\nldxb %r0, [%r2-18180]\nexit",
            "pc 2: out-of-bounds read of 1 byte at stack-18692 (frame 0): \
             a frame is the 512 bytes below its r10",
        ),
        (
            "stw [%r10-4], 2\nmov %r2, %r10\nadd %r2, -4\ncall 1\nexit",
            "r0 = 0xa00000000",
        ),
        (
            "stw [%r10-4], 2\nmov %r2, %r10\nadd %r2, -4\ncall 1\nldxdw %r0, [%r0]\nexit",
            "r0 = 0x1e",
        ),
        (
            "stw [%r10-4], 3\nmov %r2, %r10\nadd %r2, -4\ncall 1\nldxb %r0, [%r0+8]\nexit",
            "pc 4: out-of-bounds read of 1 byte at map value+8: map value has 8 bytes",
        ),
        (
            "mov %r2, %r10\nadd %r2, -3\ncall 1\nexit",
            "pc 2: helper 1: out-of-bounds read of 4 bytes at stack-3 (frame 0): \
             a frame is the 512 bytes below its r10",
        ),
        (
            "add %r1, 8\ncall 2\nexit",
            "pc 1: helper 2: out-of-bounds write of 8 bytes at input+8: input has 12 bytes",
        ),
        (
            "lddw %r1, map_value 1, 4\nldxw %r0, [%r1]\nexit",
            "r0 = 0x0",
        ),
        (
            "lddw %r1, map_value 1, 6\nldxw %r0, [%r1]\nexit",
            "pc 2: out-of-bounds read of 4 bytes at map value+6: map value has 8 bytes",
        ),
        (
            "mov %r1, 0\nldxdw %r0, [%r1+16]\nexit",
            "pc 1: out-of-bounds read of 8 bytes at 0x10: no memory region there",
        ),
    ];
    for (text, want) in cases {
        let mut input = INPUT;
        let (_, got, _) = run(&program(text), &mut input);
        assert_eq!(&got, want, "{text}");
    }
}

#[test]
fn the_issue_example_faults_with_a_structured_place() {
    // `ldxb r0, [r1+18180]` with 4 bytes of input memory.
    let prog = program("ldxb %r0, [%r1+18180]\nexit");
    let fault = Vm::default()
        .run(&prog, &mut [1, 2, 3, 4], &mut NoHelpers)
        .unwrap_err();
    let error = AccessError::new(
        Place::new(Area::Input, 18180, None),
        1,
        false,
        AccessErrorKind::OutOfBounds { len: 4 },
    );
    assert_eq!(fault, Fault::new(0, FaultKind::Access { error }));
}

#[test]
fn r1_is_zero_without_input() {
    let prog = program("mov %r0, %r1\nlsh %r0, 8\nor %r0, %r2\nexit");
    let r0 = |input: &mut [u8]| Vm::default().run(&prog, input, &mut NoHelpers).unwrap().r0;
    assert_eq!(r0(&mut []), 0);
    assert_eq!(r0(&mut [0; 3]), (0x1_0000_0000 << 8) | 3);
    assert_eq!(Memory::new(&mut []).input_addr(), 0);
}

#[test]
fn stack_frames_are_isolated_and_named() {
    // The callee reads above its own r10, where the caller's frame would be on a real stack.
    let above = "stdw [%r10-8], 1\ncall local f\nexit\nf:\nldxdw %r0, [%r10+8]\nexit";
    // The callee returns its r10; the caller reads the dead frame through it.
    let dead = "call local f\nldxdw %r0, [%r0-8]\nexit\nf:\nmov %r0, %r10\nexit";
    // The caller passes a pointer into its own frame; the callee writes through it.
    let shared = "mov %r1, %r10\ncall local f\nldxdw %r0, [%r10-8]\nexit\n\
                  f:\nstdw [%r1-8], 99\nmov %r0, 0\nexit";
    let outcome = |text: &str| match Vm::default().run(&program(text), &mut [], &mut NoHelpers) {
        Ok(out) => format!("r0 = {}", out.r0),
        Err(fault) => fault.to_string(),
    };
    assert_eq!(
        outcome(above),
        "pc 3: out-of-bounds read of 8 bytes at stack+8 (frame 1): \
         a frame is the 512 bytes below its r10"
    );
    assert_eq!(
        outcome(dead),
        "pc 1: out-of-bounds read of 8 bytes at stack-8 (frame 1): the frame is not live"
    );
    assert_eq!(outcome(shared), "r0 = 99");
}

#[test]
fn context_pointers_are_virtual() {
    // An xdp-like context: data and data_end (8 bytes each) point at a packet region.
    let text = "ldxdw %r2, [%r1+0]\nldxdw %r3, [%r1+8]\nmov %r0, %r3\nsub %r0, %r2\n\
                ldxb %r4, [%r2+2]\nadd %r0, %r4\nexit";
    let prog = program(text);
    let mut packet = [0u8, 0, 100, 0, 0];
    let mut mem = Memory::without_input();
    let data = mem.grant(&mut packet).unwrap();
    assert!(mem.set_name(data, "packet"));
    let mut ctx = [0u8; 16];
    ctx[..8].copy_from_slice(&data.to_le_bytes());
    ctx[8..].copy_from_slice(&(data + 5).to_le_bytes());
    let r1 = mem.set_input_readonly(&ctx);
    let out = Vm::default()
        .run_in(&prog, [r1, 0, 0, 0, 0], &mut mem, &mut NoHelpers)
        .unwrap();
    assert_eq!(out.r0, 105);
    // One byte past data_end faults with the region's name.
    let prog = program("ldxdw %r2, [%r1+8]\nldxb %r0, [%r2]\nexit");
    let fault = Vm::default()
        .run_in(&prog, [r1, 0, 0, 0, 0], &mut mem, &mut NoHelpers)
        .unwrap_err();
    assert_eq!(
        fault.to_string(),
        "pc 1: out-of-bounds read of 1 byte at packet+5: packet has 5 bytes"
    );
    assert_eq!(mem.place(data + 2).to_string(), "packet+2");
    assert_eq!(mem.slice(data + 2, 1).unwrap(), &[100]);
}

#[test]
fn repeated_lookups_reuse_the_region() {
    // 100 lookups of the same key grant one region, not 100.
    let text = "mov %r6, 100\nstw [%r10-4], 1\nloop:\nmov %r2, %r10\nadd %r2, -4\ncall 1\n\
                ldxdw %r7, [%r0]\nadd %r7, 1\nstxdw [%r0], %r7\nsub %r6, 1\njne %r6, 0, loop\n\
                mov %r0, %r7\nexit";
    let mut map = ArrayMap::new();
    let mut mem = Memory::without_input();
    let out = Vm::default()
        .run_in(&program(text), [0; 5], &mut mem, &mut map)
        .unwrap();
    assert_eq!(out.r0, 120);
    assert_eq!(map.values[1], 120);
    assert_eq!(mem.granted_count(), 1);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// Random well-formed programs: the same outcome, fault and input bytes with the input at
    /// two different host addresses.
    #[test]
    fn random_programs_are_deterministic(
        insns in common::program(),
        pads in (0usize..64, 0usize..64),
        extra in 0usize..5000,
    ) {
        let Ok(prog) = Program::from_insns(&insns) else {
            return Ok(());
        };
        let mut a = vec![0x11u8; pads.0 + INPUT.len()];
        let mut b = vec![0x22u8; pads.1 + INPUT.len() + extra];
        a[pads.0..].copy_from_slice(&INPUT);
        b[pads.1..pads.1 + INPUT.len()].copy_from_slice(&INPUT);
        let ra = run(&prog, &mut a[pads.0..]);
        let rb = run(&prog, &mut b[pads.1..pads.1 + INPUT.len()]);
        prop_assert_eq!(ra, rb);
    }
}
