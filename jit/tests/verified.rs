//! Verified programs through the JIT: each program is assembled, verified as an eBPF for Windows
//! `xdp` program, compiled with `compile_verified`, and run with `run_verified` on a real
//! `xdp_md_t` whose data and data_end point at real packets of 0 to 1500 bytes. The reference
//! interpreter runs the same program on a copy of the same packet (context read-only, packet
//! and map values writable, each a region of its own whose virtual address the context and the
//! map helper hold) with the verifier's instruction bound as its budget; r0, the packet bytes
//! afterwards and any map values must be identical. Programs the verifier rejects
//! never get a `Verified`, so they have no way into the verified path.

use ebpf_interp::{Config, Memory, Program, Vm};
use ebpf_isa::asm::assemble;
use ebpf_isa::LddwSrc;
use ebpf_jit::{compile, compile_verified, Executable, HelperError, JitOptions, RunErrorKind};
use ebpf_verifier::{verify, MapInfo, MapKind, Verified, WINDOWS};

const LENGTHS: [usize; 5] = [0, 14, 34, 64, 1500];

/// Ethernet, IPv4 (header length from the packet) and UDP, each checked before use: the UDP
/// destination port, 1 when the frame is not IPv4/UDP, 0 when it is too short.
const PARSE_UDP: &str = "
    ldxdw %r2, [%r1+0]
    ldxdw %r3, [%r1+8]
    mov %r0, 0
    mov %r4, %r2
    add %r4, 34
    jgt %r4, %r3, out
    mov %r0, 1
    ldxh %r5, [%r2+12]          # EtherType 0x0800, loaded little endian
    jne %r5, 8, out
    ldxb %r5, [%r2+14]
    mov %r6, %r5
    rsh %r6, 4
    jne %r6, 4, out             # IPv4
    ldxb %r6, [%r2+23]
    jne %r6, 17, out            # UDP
    and %r5, 15
    jlt %r5, 5, out
    lsh %r5, 2                  # IHL in bytes, 20 to 60
    mov %r6, %r2
    add %r6, 14
    add %r6, %r5
    mov %r7, %r6
    add %r7, 8
    jgt %r7, %r3, out
    ldxh %r0, [%r6+2]
    be16 %r0
out:
    exit
";

/// Bounces a frame: swaps the MAC addresses, and for IPv4 decrements the TTL with an RFC 1624
/// checksum update. XDP_PASS (2) when shorter than Ethernet, XDP_DROP (1) when the TTL runs
/// out, XDP_TX (3) otherwise.
const BOUNCE: &str = "
    ldxdw %r2, [%r1+0]
    ldxdw %r3, [%r1+8]
    mov %r0, 2
    mov %r4, %r2
    add %r4, 14
    jgt %r4, %r3, out
    ldxw %r5, [%r2+0]
    ldxw %r6, [%r2+6]
    stxw [%r2+0], %r6
    stxw [%r2+6], %r5
    ldxh %r5, [%r2+4]
    ldxh %r6, [%r2+10]
    stxh [%r2+4], %r6
    stxh [%r2+10], %r5
    mov %r0, 3
    ldxh %r5, [%r2+12]
    jne %r5, 8, out
    mov %r4, %r2
    add %r4, 34
    jgt %r4, %r3, out
    ldxb %r5, [%r2+22]
    jle %r5, 1, drop
    sub %r5, 1
    stxb [%r2+22], %r5
    ldxh %r6, [%r2+24]
    be16 %r6
    add %r6, 0x100
    mov %r7, %r6
    rsh %r7, 16
    add %r6, %r7
    and %r6, 0xffff
    be16 %r6
    stxh [%r2+24], %r6
    exit
drop:
    mov %r0, 1
out:
    exit
";

/// FNV-1a over the packet, at most 1500 bytes, each byte checked against data_end.
const FNV_LOOP: &str = "
    ldxdw %r2, [%r1+0]
    ldxdw %r3, [%r1+8]
    lddw %r0, 0xcbf29ce484222325
    mov %r4, 0
loop:
    mov %r5, %r2
    add %r5, %r4
    mov %r6, %r5
    add %r6, 1
    jgt %r6, %r3, out
    ldxb %r7, [%r5+0]
    xor %r0, %r7
    lddw %r8, 0x100000001b3
    mul %r0, %r8
    add %r4, 1
    jlt %r4, 1500, loop
out:
    exit
";

/// Inverts the first 100 bytes of the packet (fewer if it is shorter) by walking a packet
/// pointer; returns how many it inverted.
const INVERT_LOOP: &str = "
    ldxdw %r2, [%r1+0]
    ldxdw %r3, [%r1+8]
    mov %r0, 0
loop:
    mov %r5, %r2
    add %r5, 1
    jgt %r5, %r3, out
    ldxb %r6, [%r2+0]
    xor %r6, 0xff
    stxb [%r2+0], %r6
    mov %r2, %r5
    add %r0, 1
    jlt %r0, 100, loop
out:
    exit
";

/// Counts frames per first byte (mod 4) in an array map of four u64 counters, adding the
/// packet's length; returns the new counter.
const COUNT_IN_MAP: &str = "
    ldxdw %r2, [%r1+0]
    ldxdw %r3, [%r1+8]
    mov %r6, %r3
    sub %r6, %r2
    mov %r7, 0
    mov %r4, %r2
    add %r4, 1
    jgt %r4, %r3, key
    ldxb %r7, [%r2+0]
    and %r7, 3
key:
    stxw [%r10-4], %r7
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, miss
    ldxdw %r1, [%r0+0]
    add %r1, %r6
    stxdw [%r0+0], %r1
    mov %r0, %r1
    exit
miss:
    mov %r0, 0
    exit
";

/// The array map of [`COUNT_IN_MAP`]: fd 1, four 8-byte counters.
fn counter_map() -> [MapInfo; 1] {
    [MapInfo {
        fd: 1,
        kind: MapKind::Array,
        key_size: 4,
        value_size: 8,
        max_entries: 4,
        inner: None,
    }]
}

const MAP_HANDLE: u64 = 0x6d61_7001;

fn valid(source: &str) -> ebpf_isa::Program {
    ebpf_isa::Program::from_insns(assemble(source).unwrap()).unwrap()
}

fn verified(source: &str, maps: &[MapInfo]) -> Verified {
    verify(&valid(source), &WINDOWS, "xdp", maps).unwrap_or_else(|errors| {
        let errors: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        panic!("rejected:\n{}", errors.join("\n"))
    })
}

/// Frames of `len` bytes: an IPv4/UDP frame to port 53 (cut to `len`), the same with a
/// 24-byte IPv4 header (one option word) and TTL 1, and bytes from a generator.
fn packets(len: usize) -> Vec<Vec<u8>> {
    let mut udp = vec![0u8; len.max(64)];
    udp[..6].copy_from_slice(&[0x02, 0, 0, 0, 0, 0x01]);
    udp[6..12].copy_from_slice(&[0x02, 0, 0, 0, 0, 0x02]);
    udp[12..14].copy_from_slice(&[0x08, 0x00]);
    udp[14..34].copy_from_slice(&[
        0x45, 0, 0, 50, 0, 0, 0x40, 0, 64, 17, 0, 0, 192, 168, 0, 1, 192, 168, 0, 199,
    ]);
    udp[34..42].copy_from_slice(&[0x30, 0x39, 0, 53, 0, 30, 0, 0]);
    let checksum = !ones_complement_sum(&udp[14..34]);
    udp[24..26].copy_from_slice(&checksum.to_be_bytes());
    let mut with_option = udp.clone();
    with_option[14] = 0x46;
    with_option[22] = 1;
    with_option[38..42].copy_from_slice(&[0x30, 0x39, 0x01, 0xbb]);
    let mut seed = 0x9e37_79b9_7f4a_7c15u64 ^ len as u64;
    let random = (0..len)
        .map(|_| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 56) as u8
        })
        .collect();
    udp.truncate(len);
    with_option.truncate(len);
    vec![udp, with_option, random]
}

/// The ones' complement sum of big-endian 16-bit words (the IPv4 header checksum's).
fn ones_complement_sum(bytes: &[u8]) -> u16 {
    let mut sum: u32 = bytes
        .chunks_exact(2)
        .map(|w| u32::from(u16::from_be_bytes([w[0], w[1]])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum as u16
}

/// An eBPF for Windows `xdp_md_t` for `packet`: data, data_end, data_meta (= data), ifindex.
fn xdp_md(packet: &mut [u8]) -> [u8; 32] {
    let range = packet.as_mut_ptr_range();
    xdp_md_at(range.start as u64, range.end as u64)
}

/// An `xdp_md_t` whose packet is `start..end` (host addresses for the JIT, virtual ones for
/// the interpreter).
fn xdp_md_at(start: u64, end: u64) -> [u8; 32] {
    let mut ctx = [0u8; 32];
    ctx[0..8].copy_from_slice(&start.to_le_bytes());
    ctx[8..16].copy_from_slice(&end.to_le_bytes());
    ctx[16..24].copy_from_slice(&start.to_le_bytes());
    ctx[24..28].copy_from_slice(&7u32.to_le_bytes());
    ctx
}

/// The map of [`COUNT_IN_MAP`] for the JIT: four counters; lookups read the key the verifier
/// proved to be 4 initialised stack bytes.
struct JitMap {
    values: Box<[u64; 4]>,
}

impl ebpf_jit::Helpers for JitMap {
    fn call(&mut self, id: u32, args: [u64; 5]) -> Result<u64, HelperError> {
        if id != 1 || args[0] != MAP_HANDLE {
            return Err(HelperError::Unknown);
        }
        // SAFETY: bpf_map_lookup_elem's prototype makes r2 a pointer to key_size (4) readable
        // bytes, which the verifier proved of this program; they are on the executable's stack.
        let key = unsafe { (args[1] as *const u32).read_unaligned() };
        Ok(match self.values.get_mut(key as usize) {
            Some(value) => value as *mut u64 as u64,
            None => 0,
        })
    }

    fn lddw(&mut self, src: LddwSrc, imm: i32, _: i32) -> Result<u64, HelperError> {
        match (src, imm) {
            (LddwSrc::MapFd, 1) => Ok(MAP_HANDLE),
            _ => Err(HelperError::Unknown),
        }
    }
}

/// The same map for the interpreter: the counters are a granted region at `base`, so lookups
/// return virtual addresses inside it; the key is read through the interpreter's translation.
struct InterpMap {
    base: u64,
}

impl ebpf_interp::Helpers for InterpMap {
    fn call(
        &mut self,
        id: u32,
        args: [u64; 5],
        mem: &mut Memory<'_>,
    ) -> Result<u64, ebpf_interp::HelperError> {
        if id != 1 || args[0] != MAP_HANDLE {
            return Err(ebpf_interp::HelperError::unknown(id));
        }
        let key = u32::from_le_bytes(mem.slice(args[1], 4)?.try_into().unwrap());
        Ok(if key < 4 {
            self.base + 8 * key as u64
        } else {
            0
        })
    }

    fn lddw(
        &mut self,
        src: LddwSrc,
        imm: i32,
        _: i32,
        _: &mut Memory<'_>,
    ) -> Result<u64, ebpf_interp::HelperError> {
        match (src, imm) {
            (LddwSrc::MapFd, 1) => Ok(MAP_HANDLE),
            _ => Err(ebpf_interp::HelperError::unknown(0)),
        }
    }
}

/// What one run left behind.
#[derive(Debug, PartialEq, Eq)]
struct Run {
    r0: u64,
    packet: Vec<u8>,
    counters: [u64; 4],
}

fn run_jit(exe: &mut Executable, packet: &[u8], counters: [u64; 4]) -> Run {
    let mut packet = packet.to_vec();
    let mut ctx = xdp_md(&mut packet);
    let mut map = JitMap {
        values: Box::new(counters),
    };
    // SAFETY: the program was verified as a Windows `xdp` program with `counter_map()`. `ctx`
    // is an `xdp_md_t` (32 bytes) whose data and data_end hold the start and end of `packet`
    // (at most 1500 bytes, writable, untouched by Rust until the run returns); `JitMap` keeps
    // bpf_map_lookup_elem's prototype (null or a live, writable 8-byte value of map fd 1) and
    // resolves `lddw map_fd 1` to the handle it accepts.
    let r0 = unsafe { exe.run_verified(&mut ctx, &mut map) }.expect("verified program faulted");
    Run {
        r0,
        packet,
        counters: *map.values,
    }
}

fn run_interp(verified: &Verified, packet: &[u8], counters: [u64; 4]) -> Run {
    let program = Program::new(verified.program().clone());
    let mut packet = packet.to_vec();
    let mut values: Vec<u8> = counters.iter().flat_map(|c| c.to_le_bytes()).collect();
    let budget = verified.instruction_bound();
    let outcome = {
        // The packet and the counters are granted first, so the context can hold their
        // (virtual) addresses; then the context becomes the read-only input.
        let mut mem = Memory::without_input();
        let len = packet.len() as u64;
        let data = mem.grant(&mut packet).unwrap();
        let mut host = InterpMap {
            base: mem.grant(&mut values).unwrap(),
        };
        let ctx = xdp_md_at(data, data + len);
        let r1 = mem.set_input_readonly(&ctx);
        Vm::new(Config { budget })
            .run_in(&program, [r1, 0, 0, 0, 0], &mut mem, &mut host)
            .expect("verified program faulted in the interpreter")
    };
    assert!(outcome.executed <= budget);
    let mut counters = [0u64; 4];
    for (c, bytes) in counters.iter_mut().zip(values.chunks_exact(8)) {
        *c = u64::from_le_bytes(bytes.try_into().unwrap());
    }
    Run {
        r0: outcome.r0,
        packet,
        counters,
    }
}

/// Verifies `source`, compiles it through the verified path (with and without constant
/// blinding), and checks JIT == interpreter on every packet of every length. Returns the
/// JIT's runs by length, in [`packets`] order.
fn differential(source: &str, maps: &[MapInfo]) -> Vec<(usize, Vec<u8>, Run)> {
    let verified = verified(source, maps);
    let bound = verified.instruction_bound();
    let compiled = compile_verified(&verified, &JitOptions::new()).unwrap();
    assert_eq!(compiled.instruction_bound(), Some(bound));
    let mut plain = Executable::new(&compiled).unwrap();
    let mut blinded =
        Executable::from_verified(&verified, &JitOptions::new().with_blinding(true)).unwrap();
    assert_eq!(plain.instruction_bound(), Some(bound));
    assert_eq!(blinded.instruction_bound(), Some(bound));
    let counters = [10, 20, 30, 40];
    let mut runs = Vec::new();
    for len in LENGTHS {
        for packet in packets(len) {
            let want = run_interp(&verified, &packet, counters);
            for exe in [&mut plain, &mut blinded] {
                let got = run_jit(exe, &packet, counters);
                assert_eq!(got, want, "packet of {len} bytes: {packet:02x?}");
            }
            runs.push((len, packet, want));
        }
    }
    runs
}

#[test]
fn parses_ethernet_ipv4_udp_with_bounds_checks() {
    let runs = differential(PARSE_UDP, &[]);
    for (len, packet, run) in &runs {
        assert_eq!(&run.packet, packet, "the parser writes nothing");
        if *len < 34 {
            assert_eq!(run.r0, 0, "{len} bytes are too short");
        }
    }
    // In `packets` order: plain UDP, UDP behind an IPv4 option, random bytes.
    let r0 = |len: usize, i: usize| runs.iter().filter(|r| r.0 == len).nth(i).unwrap().2.r0;
    assert_eq!(r0(34, 0), 1, "IPv4 but no room for the UDP header");
    for len in [64, 1500] {
        assert_eq!(r0(len, 0), 53);
        assert_eq!(r0(len, 1), 443);
        assert_eq!(r0(len, 2), 1, "random bytes are not IPv4");
    }
}

#[test]
fn writes_to_the_packet() {
    let runs = differential(BOUNCE, &[]);
    for (len, packet, run) in &runs {
        if *len < 14 {
            assert_eq!((run.r0, &run.packet), (2, packet));
            continue;
        }
        assert_eq!(run.packet[..6], packet[6..12], "{len} bytes: MACs swapped");
        assert_eq!(run.packet[6..12], packet[..6]);
    }
    let udp = runs.iter().find(|r| r.0 == 64).unwrap();
    assert_eq!(udp.2.r0, 3);
    assert_eq!(udp.2.packet[22], 63, "TTL decremented");
    // The header checksum was valid before and is still valid after the update.
    assert_eq!(ones_complement_sum(&udp.1[14..34]), 0xffff);
    assert_eq!(ones_complement_sum(&udp.2.packet[14..34]), 0xffff);
    let ttl_one = runs.iter().filter(|r| r.0 == 64).nth(1).unwrap();
    assert_eq!(ttl_one.2.r0, 1, "TTL 1 is dropped");
}

#[test]
fn bounded_loop_over_packet_bytes() {
    let runs = differential(FNV_LOOP, &[]);
    for (_, packet, run) in &runs {
        let mut hash = 0xcbf2_9ce4_8422_2325u64;
        for &b in packet.iter().take(1500) {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
        assert_eq!(run.r0, hash);
    }
}

#[test]
fn bounded_loop_writing_packet_bytes() {
    for (len, packet, run) in differential(INVERT_LOOP, &[]) {
        let n = len.min(100);
        assert_eq!(run.r0, n as u64);
        let inverted: Vec<u8> = packet[..n].iter().map(|b| !b).collect();
        assert_eq!(run.packet[..n], inverted[..]);
        assert_eq!(run.packet[n..], packet[n..]);
    }
}

#[test]
fn map_helper_through_the_host() {
    for (len, packet, run) in differential(COUNT_IN_MAP, &counter_map()) {
        let key = packet.first().map_or(0, |b| b & 3) as usize;
        let mut want = [10, 20, 30, 40];
        want[key] += len as u64;
        assert_eq!(run.counters, want);
        assert_eq!(run.r0, want[key]);
    }
}

#[test]
fn instruction_bound_is_the_proofs() {
    let verified = verified(FNV_LOOP, &[]);
    let exe = Executable::from_verified(&verified, &JitOptions::new()).unwrap();
    assert_eq!(exe.instruction_bound(), Some(verified.instruction_bound()));
    // 1500 iterations of the loop body and more, far below the verifier's limit.
    let bound = verified.instruction_bound();
    assert!((1500 * 11..1_000_000).contains(&bound), "{bound}");
}

/// Programs the verifier rejects: none of them yields a `Verified`, and `Verified` has no
/// public constructor, so `compile_verified` / `Executable::from_verified` cannot be reached.
#[test]
fn rejected_programs_have_no_verified_path() {
    let rejected = [
        // Reads the EtherType without any bounds check.
        "ldxdw %r2, [%r1+0]\nldxh %r0, [%r2+12]\nexit",
        // Checks 13 bytes, reads bytes 12 and 13.
        "ldxdw %r2, [%r1+0]\nldxdw %r3, [%r1+8]\nmov %r0, 0\nmov %r4, %r2\nadd %r4, 13\n\
         jgt %r4, %r3, out\nldxh %r0, [%r2+12]\nout:\nexit",
        // Writes past the checked byte.
        "ldxdw %r2, [%r1+0]\nldxdw %r3, [%r1+8]\nmov %r0, 0\nmov %r4, %r2\nadd %r4, 1\n\
         jgt %r4, %r3, out\nstb [%r2+1], 1\nout:\nexit",
        // A loop that never ends.
        "mov %r0, 0\nloop:\nadd %r0, 1\nja loop\nexit",
        // Writes the read-only context.
        "mov %r0, 0\nstdw [%r1+0], 0\nexit",
        // Returns uninitialised r0.
        "exit",
    ];
    for source in rejected {
        let errors = verify(&valid(source), &WINDOWS, "xdp", &[]).expect_err(source);
        assert!(!errors.is_empty(), "{source}");
    }
}

#[test]
fn unverified_images_do_not_run_verified() {
    let program = valid("mov %r0, 1\nexit");
    let compiled = compile(&program, &JitOptions::new()).unwrap();
    assert_eq!(compiled.instruction_bound(), None);
    let mut exe = Executable::new(&compiled).unwrap();
    assert_eq!(exe.instruction_bound(), None);
    let mut ctx = [0u8; 32];
    // SAFETY: nothing runs: the executable is not verified, so `run_verified` refuses before
    // entering the code.
    let e = unsafe { exe.run_verified(&mut ctx, &mut ebpf_jit::NoHelpers) }.unwrap_err();
    assert_eq!(*e.kind(), RunErrorKind::NotVerified);
    assert!(e.to_string().contains("verified program"), "{e}");
    // The same program through the verifier runs.
    let verified = verify(&program, &WINDOWS, "xdp", &[]).unwrap();
    let mut exe = Executable::from_verified(&verified, &JitOptions::new()).unwrap();
    let mut packet = [0u8; 14];
    let mut ctx = xdp_md(&mut packet);
    // SAFETY: a Windows xdp context whose data/data_end point at `packet`; no helpers called.
    let r0 = unsafe { exe.run_verified(&mut ctx, &mut ebpf_jit::NoHelpers) }.unwrap();
    assert_eq!(r0, 1);
}
