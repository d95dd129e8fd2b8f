//! Workloads shared by the benchmarks: each is an assembly program plus the input it runs on.
//!
//! The programs stay inside rbpf 0.4's instruction subset and do not read r2 (rbpf's raw VM does
//! not pass the memory length), so every engine runs the same bytes. [`linux`] loads XDP
//! versions of the same algorithms into this machine's kernel as the Linux JIT reference, and
//! [`compile_program`] is the 40,000-instruction program of the compile-time benchmark.
//! [`kernel`] loads the loader's programs into the kernel, the verifier benchmark's second
//! verifier. [`host`] sets up the execution-context benchmark: `tests/host` objects in
//! `ebpf-kernel-host` and in the kernel, with the same map contents.

#![deny(unsafe_code)]

pub mod host;
pub mod kernel;
#[allow(unsafe_code)]
pub mod linux;

/// A named benchmark program with the input memory it expects.
#[derive(Clone, Debug)]
pub struct Workload {
    /// Short name used in benchmark ids.
    pub name: &'static str,
    /// Assembly text (conformance syntax).
    pub asm: &'static str,
    /// Input memory.
    pub mem: Vec<u8>,
}

impl Workload {
    /// The program assembled and encoded as raw bytes.
    pub fn bytes(&self) -> Vec<u8> {
        let insns = ebpf_isa::asm::assemble(self.asm).expect("benchmark program assembles");
        ebpf_isa::encode(&insns)
    }
}

/// Iterations of [`ARITH_LOOP`].
pub const ARITH_ITERATIONS: u64 = 10_000;

/// An arithmetic loop: mixes mul, xor, shifts, add and sub over 10,000 iterations.
pub const ARITH_LOOP: &str = "
mov %r0, 0
mov %r3, 0
loop:
mov %r4, %r3
mul %r4, 3
xor %r4, 0x55
add %r0, %r4
rsh %r4, 2
sub %r0, %r4
add %r3, 1
jlt %r3, 10000, loop
exit
";

/// Sums the bytes of a 1 KiB buffer.
pub const BYTE_SUM: &str = "
mov %r0, 0
mov %r2, %r1
add %r2, 1024
loop:
ldxb %r3, [%r1]
add %r0, %r3
add %r1, 1
jlt %r1, %r2, loop
exit
";

/// A branchy packet classifier over 16 records of 64 bytes (Ethernet type, IP protocol, port).
pub const PARSER: &str = "
mov %r0, 0
mov %r6, %r1
mov %r7, %r1
add %r7, 1024
next:
ldxh %r2, [%r6+12]
be16 %r2
jne %r2, 0x0800, not_ip
ldxb %r3, [%r6+23]
jeq %r3, 6, tcp
jeq %r3, 17, udp
add %r0, 1
ja advance
tcp:
ldxh %r4, [%r6+36]
be16 %r4
jeq %r4, 80, http
jeq %r4, 443, https
add %r0, 3
ja advance
http:
add %r0, 10
ja advance
https:
add %r0, 20
ja advance
udp:
ldxh %r4, [%r6+36]
be16 %r4
jgt %r4, 1024, high
add %r0, 5
ja advance
high:
add %r0, 7
ja advance
not_ip:
jeq %r2, 0x86dd, ipv6
add %r0, 100
ja advance
ipv6:
add %r0, 50
advance:
add %r6, 64
jlt %r6, %r7, next
exit
";

/// Iterations of [`HELPER_LOOP`].
pub const HELPER_ITERATIONS: u64 = 1_000;

/// The helper id [`HELPER_LOOP`] calls.
pub const HELPER_ID: u32 = 1;

/// A helper-call-heavy loop: 1,000 calls of helper 1 ([`helper_mix`]) feeding an accumulator.
pub const HELPER_LOOP: &str = "
mov %r6, 0
mov %r7, 0
loop:
mov %r1, %r6
mov %r2, %r7
call 1
add %r7, %r0
add %r6, 1
jlt %r6, 1000, loop
mov %r0, %r7
exit
";

/// Helper 1 of [`HELPER_LOOP`], with rbpf's helper signature.
#[inline(never)]
pub fn helper_mix(a: u64, b: u64, _c: u64, _d: u64, _e: u64) -> u64 {
    mix_body(a, b)
}

#[inline(always)]
fn mix_body(a: u64, b: u64) -> u64 {
    (a ^ 0x9e37_79b9).wrapping_add(b >> 3)
}

/// [`helper_mix`] with the calling convention of a JIT direct helper (`ebpf_jit::DirectHelper`).
/// The body is the same as [`helper_mix`]'s, so both are one non-inlined function call.
pub extern "sysv64" fn helper_mix_direct(a: u64, b: u64, _c: u64, _d: u64, _e: u64) -> u64 {
    mix_body(a, b)
}

/// Instructions in [`compile_program`] (the final `exit` included).
pub const COMPILE_INSNS: usize = 40_000;

/// The compile-time benchmark's program: exactly [`COMPILE_INSNS`] instructions, blocks of ten
/// (ALU with immediates and registers, a stack store and load, a forward branch) padded with
/// `add`s up to the final `exit`.
pub fn compile_program() -> Vec<ebpf_isa::Insn> {
    let mut text = String::from("mov %r0, 0\n");
    let mut n = 1;
    let mut block = 0;
    while n + 10 < COMPILE_INSNS {
        text.push_str(&format!(
            "mov %r1, {block}\nadd %r0, %r1\nlsh %r1, 3\nxor %r0, %r1\nstxdw [%r10-8], %r0\n\
             ldxdw %r2, [%r10-8]\njeq %r2, 7, +1\nadd %r0, 1\nmul %r0, 3\nand32 %r0, 0xffffff\n"
        ));
        n += 10;
        block += 1;
    }
    while n + 1 < COMPILE_INSNS {
        text.push_str("add %r0, 1\n");
        n += 1;
    }
    text.push_str("exit\n");
    ebpf_isa::asm::assemble(&text).expect("compile benchmark program assembles")
}

/// 1 KiB of deterministic bytes.
pub fn kib_buffer() -> Vec<u8> {
    (0..1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

/// 16 records of 64 bytes with a mix of IPv4/TCP/UDP/IPv6/other headers.
pub fn packet_buffer() -> Vec<u8> {
    let mut buf = vec![0u8; 1024];
    for (i, rec) in buf.chunks_mut(64).enumerate() {
        let (ethertype, proto, port): (u16, u8, u16) = match i % 8 {
            0 => (0x0800, 6, 80),
            1 => (0x0800, 6, 443),
            2 => (0x0800, 6, 22),
            3 => (0x0800, 17, 53),
            4 => (0x0800, 17, 4789),
            5 => (0x0800, 1, 0),
            6 => (0x86dd, 0, 0),
            _ => (0x0806, 0, 0),
        };
        rec[12..14].copy_from_slice(&ethertype.to_be_bytes());
        rec[23] = proto;
        rec[36..38].copy_from_slice(&port.to_be_bytes());
    }
    buf
}

/// The three interpreter workloads (see [`all_workloads`] for the helper loop too).
pub fn workloads() -> Vec<Workload> {
    vec![
        Workload {
            name: "arith_loop",
            asm: ARITH_LOOP,
            mem: Vec::new(),
        },
        Workload {
            name: "byte_sum_1k",
            asm: BYTE_SUM,
            mem: kib_buffer(),
        },
        Workload {
            name: "parser",
            asm: PARSER,
            mem: packet_buffer(),
        },
    ]
}

/// The interpreter workloads and [`HELPER_LOOP`].
pub fn all_workloads() -> Vec<Workload> {
    let mut all = workloads();
    all.push(Workload {
        name: "helper_loop",
        asm: HELPER_LOOP,
        mem: Vec::new(),
    });
    all
}

/// The same algorithms in Rust, giving the expected results.
pub mod native {
    /// [`super::HELPER_LOOP`] in Rust (the helper is not inlined, as in the engines).
    pub fn helper_loop() -> u64 {
        let mut acc = 0u64;
        for i in 0..super::HELPER_ITERATIONS {
            acc = acc.wrapping_add(super::helper_mix(i, acc, 0, 0, 0));
        }
        acc
    }

    /// The expected r0 of workload `name` on `mem`.
    pub fn expected(name: &str, mem: &[u8]) -> u64 {
        match name {
            "arith_loop" => arith_loop(),
            "byte_sum_1k" => byte_sum(mem),
            "parser" => parser(mem),
            _ => helper_loop(),
        }
    }

    /// [`super::ARITH_LOOP`] in Rust.
    pub fn arith_loop() -> u64 {
        let mut r0 = 0u64;
        for r3 in 0..super::ARITH_ITERATIONS {
            let r4 = r3.wrapping_mul(3) ^ 0x55;
            r0 = r0.wrapping_add(r4).wrapping_sub(r4 >> 2);
        }
        r0
    }

    /// [`super::BYTE_SUM`] in Rust.
    pub fn byte_sum(mem: &[u8]) -> u64 {
        mem.iter().map(|&b| u64::from(b)).sum()
    }

    /// [`super::PARSER`] in Rust.
    pub fn parser(mem: &[u8]) -> u64 {
        let be16 = |r: &[u8], at: usize| u16::from_be_bytes([r[at], r[at + 1]]);
        mem.chunks(64)
            .map(|rec| match be16(rec, 12) {
                0x0800 => match rec[23] {
                    6 => match be16(rec, 36) {
                        80 => 10,
                        443 => 20,
                        _ => 3,
                    },
                    17 if be16(rec, 36) > 1024 => 7,
                    17 => 5,
                    _ => 1,
                },
                0x86dd => 50,
                _ => 100,
            })
            .sum()
    }
}
