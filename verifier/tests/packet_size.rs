//! The largest packet is the program type's ([`ProgramType::max_packet_size`]): the proof
//! assumes packets up to it and no larger, and [`Verified::max_packet_size`] passes it on to
//! the host, which must refuse larger packets.

use ebpf_isa::asm::assemble;
use ebpf_isa::Program;
use ebpf_verifier::{verify, Platform, LINUX, WINDOWS};

fn program(text: &str) -> Program {
    Program::from_insns(assemble(text).unwrap()).unwrap()
}

fn max_packet(platform: &Platform, prog_type: &str, text: &str) -> u32 {
    let verified = verify(&program(text), platform, prog_type, &[]).unwrap();
    assert_eq!(
        verified.max_packet_size(),
        platform.program_type(prog_type).unwrap().max_packet_size
    );
    verified.max_packet_size()
}

#[test]
fn verified_programs_carry_their_types_largest_packet() {
    let ret = "mov %r0, 0\nexit";
    assert_eq!(max_packet(&LINUX, "sched_cls", ret), 512 << 10);
    assert_eq!(max_packet(&LINUX, "socket_filter", ret), 512 << 10);
    assert_eq!(max_packet(&LINUX, "xdp", ret), 64 << 10);
    assert_eq!(max_packet(&LINUX, "kprobe", ret), 0);
    assert_eq!(max_packet(&WINDOWS, "xdp", ret), 0xffff);
}

/// The analysis' packet size ranges up to the type's largest packet, not 65,535.
#[test]
fn the_proof_ranges_over_packets_up_to_the_types_largest() {
    // Reads byte 70,000 after checking 70,001 bytes: possible only for tc's packets.
    let text = "ldxw %r2, [%r1+76]\nldxw %r3, [%r1+80]\nmov %r0, 0\nadd %r2, 70000\n\
                mov %r4, %r2\nadd %r4, 1\njgt %r4, %r3, out\nldxb %r0, [%r2]\nout:\nexit";
    verify(&program(text), &LINUX, "sched_cls", &[]).unwrap();
    let off_by_one = text.replace("add %r4, 1", "add %r4, 0");
    let errors = verify(&program(&off_by_one), &LINUX, "sched_cls", &[]).unwrap_err();
    let message = errors[0].to_string();
    assert!(
        message.contains("packet_size in [70000, 524288]"),
        "{message}"
    );
}
