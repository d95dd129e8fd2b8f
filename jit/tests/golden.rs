//! Golden tests: the x86-64 code of a handful of representative programs, disassembled with
//! iced-x86 and kept under `tests/golden/*.txt`, so that any change to code generation shows up
//! in review. Regenerate with `UPDATE_GOLDEN=1 cargo test -p ebpf-jit --test golden` (or
//! `BLESS=1`) and read the diff.

use std::fmt::Write as _;
use std::path::PathBuf;

use ebpf_jit::{compile, JitOptions};
use iced_x86::{Decoder, DecoderOptions, Formatter, IntelFormatter};

/// Name and assembly source of each golden program.
const PROGRAMS: &[(&str, &str)] = &[
    (
        "alu",
        "# 64- and 32-bit arithmetic, shifts by register (count in r4 = rcx), division edge cases
mov %r0, %r1
add %r0, 7
mul32 %r0, %r2
lsh %r0, %r4
arsh32 %r3, %r4
div %r0, %r2
mod32 %r3, 0
sdiv %r0, -1
smod %r2, %r3
neg32 %r0
be16 %r0
movsx864 %r5, %r0
exit",
    ),
    (
        "byte_sum",
        "# sum of the bytes of the input (r1 = memory, r2 = length)
mov %r0, 0
jeq %r2, 0, done
loop:
ldxb %r3, [%r1]
add %r0, %r3
add %r1, 1
sub %r2, 1
jne %r2, 0, loop
done:
exit",
    ),
    (
        "calls",
        "# a helper call, a local call with its own frame, and callx
stxdw [%r10-8], %r1
mov %r1, 5
call 1
call local f
mov %r3, 2
callx %r3
exit
f:
stw [%r10-4], 42
ldxw %r0, [%r10-4]
exit",
    ),
    (
        "atomics",
        "# lock-prefixed read-modify-write on the stack, fetch forms and cmpxchg
stdw [%r10-8], 10
mov %r1, 3
lock add [%r10-8], %r1
lock fetch or32 [%r10-8], %r1
lock xchg [%r10-8], %r1
mov %r0, 3
lock cmpxchg32 [%r10-8], %r1
ldxdw %r0, [%r10-8]
exit",
    ),
    (
        "packet",
        "# legacy packet loads, checked against the packet length in the run context
ldabsh 12
mov %r6, %r0
ldindb %r6, 2
exit",
    ),
];

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// The listing: the eBPF source, then each x86 instruction with its offset, instruction
/// starts marked with their eBPF pc.
fn listing(source: &str) -> String {
    let insns = ebpf_isa::asm::assemble(source).expect("golden program assembles");
    let program = ebpf_isa::Program::from_insns(insns).expect("golden program is valid");
    let image = compile(&program, &JitOptions::new()).expect("golden program compiles");
    let mut out = String::new();
    for line in source.lines() {
        writeln!(out, "; {line}").unwrap();
    }
    writeln!(out, "; entry at {:#x}", image.entry_offset()).unwrap();
    let mut decoder = Decoder::with_ip(64, image.code(), 0, DecoderOptions::NONE);
    let mut formatter = IntelFormatter::new();
    let mut text = String::new();
    let pcs = image.pc_offsets();
    while decoder.can_decode() {
        let insn = decoder.decode();
        let offset = insn.ip() as u32;
        for (pc, _) in pcs.iter().filter(|(_, o)| *o == offset) {
            writeln!(out, "pc{pc}:").unwrap();
        }
        text.clear();
        formatter.format(&insn, &mut text);
        writeln!(out, "  {offset:04x}  {text}").unwrap();
    }
    out
}

#[test]
fn golden_disassembly() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some() || std::env::var_os("BLESS").is_some();
    let mut stale = Vec::new();
    for (name, source) in PROGRAMS {
        let got = listing(source);
        let path = golden_dir().join(format!("{name}.txt"));
        if update {
            std::fs::write(&path, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_default();
        if want != got {
            stale.push(format!("{}:\n{got}", path.display()));
        }
    }
    assert!(
        stale.is_empty(),
        "codegen changed; review and regenerate with UPDATE_GOLDEN=1:\n{}",
        stale.join("\n")
    );
}

/// The golden programs also run and agree with what they compute.
#[test]
fn golden_programs_run() {
    use ebpf_jit::Executable;
    let run = |source: &str, mem: &mut [u8]| {
        let insns = ebpf_isa::asm::assemble(source).unwrap();
        let program = ebpf_isa::Program::from_insns(insns).unwrap();
        let image = compile(&program, &JitOptions::new()).unwrap();
        let mut helpers = |id: u32, a: [u64; 5]| Ok(u64::from(id) * 100 + a[0]);
        let mut exe = Executable::new(&image).unwrap();
        // SAFETY: the golden programs (this file) access only `mem` and their stack, with
        // bounds their sources check, and end.
        unsafe { exe.run_trusted(mem, &mut helpers) }.unwrap()
    };
    let source = |name: &str| PROGRAMS.iter().find(|(n, _)| *n == name).unwrap().1;
    let mut bytes: Vec<u8> = (1..=200).collect();
    assert_eq!(
        run(source("byte_sum"), &mut bytes),
        (1..=200u64).sum::<u64>()
    );
    assert_eq!(run(source("calls"), &mut []), 205);
    assert_eq!(run(source("atomics"), &mut []), 13);
    let mut packet = [0u8; 16];
    packet[12] = 0;
    packet[13] = 4;
    packet[6] = 0xab;
    assert_eq!(run(source("packet"), &mut packet), 0xab);
}
