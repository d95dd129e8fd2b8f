//! Linux-built programs through the verified JIT path: their 32-bit loads of `xdp_md` and
//! `__sk_buff` pointer fields are compiled in the verifier's rewritten form
//! ([`Verified::runnable`]), so they run on a host context (the Linux structure, then the real
//! 64-bit pointers) whose packet lies anywhere in memory. Each program runs on packets of
//! several lengths through `run_verified` and through the reference interpreter (packet
//! granted, the host context holding its virtual addresses); r0 and the packet afterwards
//! must be identical. The programs: hand-written ones as clang emits them, and the
//! helper-free programs of the clang-built `tests/host/bench.o`.

use ebpf_interp::{Config, Memory, Vm};
use ebpf_jit::{compile, compile_verified, Executable, JitOptions};
use ebpf_verifier::{verify, Verified, LINUX};

const LENGTHS: [usize; 6] = [0, 13, 14, 42, 64, 1500];

/// XDP: parses Ethernet and IPv4 through 32-bit `data`/`data_end` loads; for IPv4 swaps the
/// MAC addresses and returns XDP_TX (3), otherwise XDP_PASS (2); XDP_ABORTED (0) when too
/// short. `data_meta` is read and must equal `data` (the host sets no metadata).
const XDP_SWAP: &str = "
    ldxw %r2, [%r1+0]
    ldxw %r3, [%r1+4]
    ldxw %r7, [%r1+8]
    mov %r0, 0
    mov %r4, %r2
    add %r4, 14
    jgt %r4, %r3, out
    mov %r0, 2
    ldxh %r5, [%r2+12]
    jne %r5, 8, out
    jne %r7, %r2, out
    ldxw %r5, [%r2+0]
    ldxw %r6, [%r2+6]
    stxw [%r2+0], %r6
    stxw [%r2+6], %r5
    ldxh %r5, [%r2+4]
    ldxh %r6, [%r2+10]
    stxh [%r2+4], %r6
    stxh [%r2+10], %r5
    mov %r0, 3
out:
    exit
";

/// tc: the last packet byte plus `skb->len` (at 0), -1 for an empty packet.
const TC_LAST_BYTE: &str = "
    ldxw %r2, [%r1+76]
    ldxw %r3, [%r1+80]
    ldxw %r4, [%r1+0]
    mov %r0, -1
    mov %r5, %r2
    add %r5, 1
    jgt %r5, %r3, out
    mov %r5, %r3
    add %r5, -1
    ldxb %r0, [%r5+0]
    add %r0, %r4
out:
    exit
";

/// Where the host context keeps data, data_end and data_meta, and its size.
struct Host {
    slots: [usize; 3],
    size: usize,
}

fn host_of(v: &Verified) -> Host {
    let layout = LINUX
        .program_type(v.program_type())
        .unwrap()
        .context
        .unwrap();
    let h = layout
        .host
        .expect("a Linux layout with 32-bit pointers has a host context");
    assert_eq!(v.context_size(), h.size);
    Host {
        slots: [h.data as usize, h.data_end as usize, h.data_meta as usize],
        size: h.size as usize,
    }
}

/// The host context for a packet at `start..end`: `skb->len`/ifindex-style number fields at
/// 0..4 and 12..16, the 32-bit pointer fields garbage, the slots the addresses.
fn host_context(host: &Host, start: u64, end: u64) -> Vec<u8> {
    let mut ctx = vec![0u8; host.size];
    ctx[0..4].copy_from_slice(&((end - start) as u32).to_le_bytes());
    ctx[4..12].fill(0x5a);
    ctx[12..16].copy_from_slice(&7u32.to_le_bytes());
    for (slot, value) in host.slots.into_iter().zip([start, end, start]) {
        ctx[slot..slot + 8].copy_from_slice(&value.to_le_bytes());
    }
    ctx
}

fn run_jit(exe: &mut Executable, host: &Host, packet: &[u8]) -> (u64, Vec<u8>) {
    let mut packet = packet.to_vec();
    let range = packet.as_mut_ptr_range();
    let mut ctx = host_context(host, range.start as u64, range.end as u64);
    // SAFETY: the program was verified as a Linux program of the type `host` was made for and
    // calls no helper; `ctx` is that type's host context (`context_size` bytes) whose data,
    // data_end and data_meta slots hold the start, end and start of `packet` (at most 1500
    // bytes, writable, untouched by Rust until the run returns); its other fields are numbers.
    let r0 = unsafe { exe.run_verified(&mut ctx, &mut ebpf_jit::NoHelpers) }.expect("runs");
    (r0, packet)
}

fn run_interp(v: &Verified, host: &Host, packet: &[u8]) -> (u64, Vec<u8>) {
    let program = ebpf_interp::Program::new(v.runnable().clone());
    let mut packet = packet.to_vec();
    let len = packet.len() as u64;
    let r0 = {
        let mut mem = Memory::without_input();
        let data = mem.grant(&mut packet).unwrap();
        let ctx = host_context(host, data, data + len);
        let r1 = mem.set_input_readonly(&ctx);
        let budget = v.instruction_bound();
        Vm::new(Config { budget })
            .run_in(
                &program,
                [r1, 0, 0, 0, 0],
                &mut mem,
                &mut ebpf_interp::NoHelpers,
            )
            .expect("a verified program runs in the interpreter")
            .r0
    };
    (r0, packet)
}

fn frames(len: usize) -> Vec<Vec<u8>> {
    let mut ipv4: Vec<u8> = (0..len).map(|i| (i * 13 + 1) as u8).collect();
    // EtherType IPv4, header length 5 words, protocol UDP, destination port 53, as far as
    // the frame reaches.
    for (at, byte) in [
        (12, 0x08),
        (13, 0x00),
        (14, 0x45),
        (23, 17),
        (36, 0),
        (37, 53),
    ] {
        if at < len {
            ipv4[at] = byte;
        }
    }
    let other: Vec<u8> = (0..len).map(|i| (i * 7 + 200) as u8).collect();
    vec![ipv4, other]
}

/// JIT (plain and blinded) == interpreter on every frame; returns the runs.
fn differential(v: &Verified) -> Vec<(Vec<u8>, u64, Vec<u8>)> {
    let host = host_of(v);
    assert!(!v.rewritten_loads().is_empty(), "nothing was rewritten");
    // The verified path compiles the rewritten program, not the one that was verified.
    let compiled = compile_verified(v, &JitOptions::new()).unwrap();
    assert_eq!(
        compiled.code(),
        compile(v.runnable(), &JitOptions::new()).unwrap().code()
    );
    assert_ne!(v.runnable(), v.program());
    let mut plain = Executable::new(&compiled).unwrap();
    let mut blinded = Executable::from_verified(v, &JitOptions::new().with_blinding(true)).unwrap();
    let mut runs = Vec::new();
    for len in LENGTHS {
        for packet in frames(len) {
            let want = run_interp(v, &host, &packet);
            for exe in [&mut plain, &mut blinded] {
                assert_eq!(run_jit(exe, &host, &packet), want, "{len} bytes");
            }
            runs.push((packet, want.0, want.1));
        }
    }
    runs
}

fn verified(prog_type: &str, program: &ebpf_isa::Program) -> Verified {
    verify(program, &LINUX, prog_type, &[]).unwrap_or_else(|e| panic!("rejected: {}", e[0]))
}

fn assembled(text: &str) -> ebpf_isa::Program {
    ebpf_isa::Program::from_insns(ebpf_isa::asm::assemble(text).unwrap()).unwrap()
}

#[test]
fn linux_xdp_runs_on_the_host_context() {
    let v = verified("xdp", &assembled(XDP_SWAP));
    assert_eq!(v.rewritten_loads(), &[0, 1, 2]);
    for (packet, r0, after) in differential(&v) {
        let ipv4 = packet.len() >= 14 && packet[12..14] == [8, 0];
        match (packet.len() < 14, ipv4) {
            (true, _) => assert_eq!((r0, &after), (0, &packet)),
            (false, false) => assert_eq!((r0, &after), (2, &packet)),
            (false, true) => {
                assert_eq!(r0, 3);
                assert_eq!((&after[..6], &after[6..12]), (&packet[6..12], &packet[..6]));
                assert_eq!(after[12..], packet[12..]);
            }
        }
    }
}

#[test]
fn linux_tc_runs_on_the_host_sk_buff() {
    let v = verified("sched_cls", &assembled(TC_LAST_BYTE));
    assert_eq!(v.context_size(), 216);
    for (packet, r0, _) in differential(&v) {
        let want = packet
            .last()
            .map_or(u64::MAX, |&b| u64::from(b) + packet.len() as u64);
        assert_eq!(r0, want, "{} bytes", packet.len());
    }
}

/// The helper-free programs of the clang-built benchmark object, unchanged from Linux.
#[test]
fn clang_built_linux_programs_run_unchanged() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/host/bench.o");
    let bytes = std::fs::read(path).expect("tests/host/bench.o");
    let object =
        ebpf_loader::Object::parse(&bytes, &ebpf_loader::LoadOptions::new(&LINUX)).unwrap();
    for name in ["xdp_parse", "xdp_byte_sum", "xdp_arith"] {
        let p = object.program(None, name).expect(name);
        let program = ebpf_isa::Program::from_insns(p.insns.clone()).unwrap();
        let v = verified("xdp", &program);
        for (packet, r0, after) in differential(&v) {
            assert_eq!(after, packet, "{name} writes nothing");
            let want = match name {
                "xdp_parse" => {
                    let udp53 = packet.len() >= 42
                        && packet[12..14] == [8, 0]
                        && packet[14] == 0x45
                        && packet[23] == 17
                        && packet[36..38] == [0, 53];
                    if udp53 {
                        2
                    } else {
                        1
                    }
                }
                "xdp_byte_sum" => {
                    let sum: u32 = packet
                        .iter()
                        .skip(42)
                        .take(1024)
                        .map(|&b| u32::from(b))
                        .sum();
                    u64::from(sum & 0xffff) + 3
                }
                _ => {
                    let mut x = packet.len() as u64;
                    for _ in 0..4096 {
                        x = x
                            .wrapping_mul(6364136223846793005)
                            .wrapping_add(1442695040888963407);
                        x ^= x >> 29;
                    }
                    x & 0x7fff_ffff
                }
            };
            assert_eq!(r0, want, "{name} on {} bytes", packet.len());
        }
    }
}
