//! Property tests: encode/decode are inverse on valid instructions and on every byte string
//! the decoder accepts; the decoder and the assembler never panic; the disassembler's text
//! assembles back to the same program.

mod common;

use ebpf_isa::asm::assemble;
use ebpf_isa::disasm::disassemble;
use ebpf_isa::{decode, encode, Decoder, Insn, RawInsn};
use proptest::prelude::*;
use proptest::sample::select;

/// A slot with fields drawn near the valid encodings: any opcode or one an instruction uses,
/// registers mostly in range, offsets and immediates often the special values decoding tests.
fn raw_slot() -> impl Strategy<Value = RawInsn> {
    let opcode = prop_oneof![
        any::<u8>(),
        common::insn().prop_map(|i| i.to_raw().0.opcode)
    ];
    let reg = prop_oneof![4 => 0u8..=10, 1 => 0u8..16];
    let off = prop_oneof![Just(0i16), select(vec![1i16, 8, 16, 32, -1]), any::<i16>()];
    let imm = prop_oneof![
        Just(0i32),
        select(vec![
            1i32, 16, 32, 64, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe0, 0xe1, 0xf0, 0xf1
        ]),
        any::<i32>()
    ];
    (opcode, reg.clone(), reg, off, imm)
        .prop_map(|(opcode, dst, src, off, imm)| RawInsn::new(opcode, dst, src, off, imm))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn decode_inverts_encode(insn in common::insn()) {
        let bytes = encode(&[insn]);
        prop_assert_eq!(bytes.len(), 8 * insn.slots());
        prop_assert_eq!(decode(&bytes), Ok(vec![insn]));
        let (first, second) = insn.to_raw();
        prop_assert_eq!(Insn::from_raw(0, first, second), Ok(insn));
        let mut buf = [0u8; 16];
        prop_assert_eq!(insn.write_to(&mut buf), Some(bytes.len()));
        prop_assert_eq!(&buf[..bytes.len()], &bytes[..]);
    }

    #[test]
    fn accepted_slots_encode_back_to_themselves(first in raw_slot(), second in raw_slot()) {
        if let Ok(insn) = Insn::from_raw(3, first, Some(second)) {
            let (a, b) = insn.to_raw();
            prop_assert_eq!(a, first);
            if insn.slots() == 2 {
                prop_assert_eq!(b, Some(second));
            } else {
                prop_assert_eq!(b, None);
            }
        }
    }

    #[test]
    fn display_assembles_back(insn in common::insn()) {
        let text = insn.to_string();
        prop_assert_eq!(assemble(&text).map_err(|e| e.to_string()), Ok(vec![insn]), "{}", text);
    }

    #[test]
    fn single_insn_decode_errors_name_slot_zero(first in raw_slot(), second in raw_slot()) {
        if let Err(e) = Insn::from_raw(0, first, Some(second)) {
            prop_assert_eq!(e.index(), 0);
            prop_assert!(!e.to_string().is_empty());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn decode_never_panics_and_accepted_bytes_round_trip(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(insns) = decode(&bytes) {
            prop_assert_eq!(encode(&insns), bytes.clone());
        }
        let mut last_pc = None;
        for item in Decoder::new(&bytes) {
            match item {
                Ok((pc, _)) => {
                    prop_assert!(last_pc.is_none_or(|last| pc > last));
                    last_pc = Some(pc);
                }
                Err(e) => prop_assert!(e.index() <= bytes.len() / 8),
            }
        }
    }

    #[test]
    fn near_valid_programs_round_trip_through_bytes(slots in prop::collection::vec(raw_slot(), 0..12)) {
        let bytes: Vec<u8> = slots.iter().flat_map(|s| s.to_bytes()).collect();
        match decode(&bytes) {
            Ok(insns) => prop_assert_eq!(encode(&insns), bytes),
            Err(e) => prop_assert!(e.index() < slots.len()),
        }
    }

    #[test]
    fn disassembly_assembles_back(prog in common::program()) {
        let text = disassemble(&prog);
        prop_assert_eq!(assemble(&text).map_err(|e| e.to_string()), Ok(prog.clone()), "{}", text);
        prop_assert_eq!(decode(&encode(&prog)), Ok(prog));
    }

    #[test]
    fn assemble_never_panics_on_any_string(src in ".{0,80}") {
        let _ = assemble(&src);
    }

    #[test]
    fn assemble_never_panics_on_token_soup(
        lines in prop::collection::vec(
            (prop::collection::vec(select(TOKENS.to_vec()), 0..8), select(vec![" ", "", ", "])),
            0..6,
        )
    ) {
        let src: String = lines
            .iter()
            .map(|(toks, sep)| toks.join(sep))
            .collect::<Vec<_>>()
            .join("\n");
        if let Err(e) = assemble(&src) {
            prop_assert!(e.line() >= 1 && e.line() <= lines.len().max(1), "{}", e);
        }
    }
}

const TOKENS: &[&str] = &[
    "mov",
    "mov32",
    "add64",
    "neg",
    "le16",
    "bswap64",
    "movsx3264",
    "ja",
    "ja32",
    "jeq",
    "jne32",
    "call",
    "callx",
    "exit",
    "lddw",
    "ldxw",
    "ldxsb",
    "stdw",
    "stxh",
    "lock",
    "fetch",
    "xchg32",
    "cmpxchg",
    "ldabsw",
    "ldindb",
    "local",
    "btf",
    "map_value",
    "map_fd",
    "%r0",
    "%r10",
    "%r11",
    "r3",
    "%",
    "[",
    "]",
    "[%r1+4]",
    "[%r1-",
    "+",
    "-",
    ",",
    ":",
    "L1",
    "L1:",
    "exit:",
    "0",
    "-1",
    "0x",
    "0xffffffff",
    "0x1ffffffff",
    "99999999999999999999",
    "+32768",
    "-0x8000",
    "#",
    ";",
    "//",
];
