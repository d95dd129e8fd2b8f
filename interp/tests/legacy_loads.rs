//! Legacy packet loads (`ldabs`/`ldind`) have Linux's semantics: a load outside the packet is
//! a hidden `r0 = 0; exit`, which ends the program in the entry function and returns 0 to the
//! caller (with r6-r9 and r10 restored) in a local function.

use ebpf_interp::{Config, NoHelpers, Program, Vm};
use ebpf_isa::asm::assemble;

fn run(text: &str, input: &mut [u8]) -> u64 {
    let prog = Program::from_insns(&assemble(text).unwrap()).unwrap();
    Vm::new(Config { budget: 1000 })
        .run(&prog, input, &mut NoHelpers)
        .unwrap()
        .r0
}

const NESTED: &str = "
    mov %r6, 7
    stdw [%r10-8], 5
    call local f
    ldxdw %r1, [%r10-8]
    add %r0, %r1
    add %r0, %r6
    exit
f:
    mov %r6, 1000
    stdw [%r10-8], 1000
    call local g
    add %r0, 100
    exit
g:
    ldabsw 2
    add %r0, 10000
    exit
";

#[test]
fn a_failed_load_returns_zero_from_its_function_only() {
    // Inside: g returns 0x01020304 + 10000, f adds 100, main adds its slot (5) and r6 (7).
    assert_eq!(
        run(NESTED, &mut [0, 0, 1, 2, 3, 4]),
        0x0102_0304 + 10_000 + 100 + 5 + 7
    );
    // Outside: g returns 0 to f, which goes on (+100); main's r6 and stack are its own.
    assert_eq!(run(NESTED, &mut [0, 0, 1, 2, 3]), 100 + 5 + 7);
}

#[test]
fn a_failed_load_in_the_entry_function_ends_the_program() {
    assert_eq!(
        run("mov %r0, 5\nldindb %r0, 9\nmov %r0, 3\nexit", &mut [1; 4]),
        0
    );
}
