//! The verifier soundness check shared by the `verifier_soundness` fuzz target and the replay of
//! its inputs (`tests/fuzz_replay.rs`): bytes are decoded as a program; if the verifier accepts it
//! (eBPF for Windows `xdp`, with an array map and a hash map), it must run in the checked
//! interpreter without any fault on packets of boundary lengths, with map lookups that hit and
//! miss, and within the number of instructions the verifier proved it runs at most (the run's
//! budget is that bound). A program the Linux verifier accepts as `xdp` (on the host
//! context of Linux's `xdp_md`) runs the same way, with the reference-tracked socket helpers
//! modelled (`sockets_model/host.rs`: a release of a socket not held and a socket still held
//! at the end fail the run).

#![allow(dead_code)]

pub mod platform;

use ebpf_interp::{Config, HelperError, Helpers, Memory, Program, Vm};
use ebpf_isa::LddwSrc;
use ebpf_verifier::{MapInfo, MapKind, LINUX, WINDOWS};

#[path = "../sockets_model/host.rs"]
mod sockets;

const ARRAY_VALUE: usize = 16;
const HASH_VALUE: usize = 8;
const ARRAY_MAP: u64 = 0xdead_0001;
const HASH_MAP: u64 = 0xdead_0002;
const LENGTHS: [usize; 8] = [0, 1, 13, 14, 15, 34, 64, 1500];

fn maps() -> [MapInfo; 2] {
    let map = |fd, kind, value_size| MapInfo::new(fd, kind, 4, value_size, 4);
    [
        map(1, MapKind::Array, ARRAY_VALUE as u32),
        map(2, MapKind::Hash, HASH_VALUE as u32),
    ]
}

/// Map lookups return a value of the map or null (by a seed); other helpers return numbers.
struct Host {
    values: [u64; 2],
    seed: u64,
    socks: sockets::Sockets,
}

impl Helpers for Host {
    fn call(&mut self, id: u32, args: [u64; 5], mem: &mut Memory<'_>) -> Result<u64, HelperError> {
        self.seed = self
            .seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let hit = self.seed >> 63 == 1;
        if sockets::IDS.contains(&id) {
            return self.socks.call(id, args, mem, hit);
        }
        Ok(match (id, args[0]) {
            (1, ARRAY_MAP) if hit => self.values[0],
            (1, HASH_MAP) if hit => self.values[1],
            (1, _) => 0,
            _ => self.seed >> 33,
        })
    }

    fn lddw(
        &mut self,
        src: LddwSrc,
        imm: i32,
        next_imm: i32,
        _: &mut Memory<'_>,
    ) -> Result<u64, HelperError> {
        match (src, imm) {
            (LddwSrc::MapFd, 1) => Ok(ARRAY_MAP),
            (LddwSrc::MapFd, 2) => Ok(HASH_MAP),
            // Direct value access: only the array map has a value at a fixed address.
            (LddwSrc::MapValue, 1) => Ok(self.values[0].wrapping_add(next_imm as u32 as u64)),
            _ => Err(HelperError::unknown(0)),
        }
    }
}

/// One run on a packet of `len` bytes: the Windows xdp context (data, data_end, data_meta,
/// ingress_ifindex), or with `linux` the host context of Linux's `xdp_md` (24 bytes, then
/// data, data_end and data_meta as 64-bit slots), is the read-only input; the packet and the
/// two map values are writable regions, and the context and the map helper hold their virtual
/// addresses.
fn run_once(
    program: &Program,
    budget: u64,
    len: usize,
    seed: u64,
    linux: bool,
) -> Result<(), String> {
    let mut packet: Vec<u8> = (0..len).map(|i| (i as u64 ^ seed) as u8).collect();
    let mut array_value = [0x5au8; ARRAY_VALUE];
    let mut hash_value = [0xa5u8; HASH_VALUE];
    let mut mem = Memory::without_input();
    let start = mem.grant(&mut packet).map_err(|e| e.to_string())?;
    let values = [
        mem.grant(&mut array_value).map_err(|e| e.to_string())?,
        mem.grant(&mut hash_value).map_err(|e| e.to_string())?,
    ];
    let socks = [[0x5a_u8; sockets::SOCK_SIZE]; 2];
    let sock_addrs = [
        mem.grant_readonly(&socks[0]).map_err(|e| e.to_string())?,
        mem.grant_readonly(&socks[1]).map_err(|e| e.to_string())?,
    ];
    let mut ctx = [0u8; 48];
    let base = if linux { 24 } else { 0 };
    ctx[base..base + 8].copy_from_slice(&start.to_le_bytes());
    ctx[base + 8..base + 16].copy_from_slice(&(start + len as u64).to_le_bytes());
    ctx[base + 16..base + 24].copy_from_slice(&start.to_le_bytes());
    let tail = if linux { 12 } else { 24 };
    ctx[tail..tail + 4].copy_from_slice(&(seed as u32).to_le_bytes());
    let r1 = mem.set_input_readonly(&ctx[..if linux { 48 } else { 32 }]);
    let mut host = Host {
        values,
        seed,
        socks: sockets::Sockets::new(sock_addrs),
    };
    let at = format!("packet of {len} bytes, seed {seed}");
    Vm::new(Config { budget })
        .run_in(program, [r1, 0, 0, 0, 0], &mut mem, &mut host)
        .map_err(|f| format!("{at}: {f}"))?;
    match host.socks.leaked() {
        Some(leak) => Err(format!("{at}: {leak}")),
        None => Ok(()),
    }
}

/// Checks one fuzzer input: `Err` describes an accepted program that faulted.
pub fn check(data: &[u8]) -> Result<(), String> {
    let usable = data.len() / 8 * 8;
    let Ok(insns) = ebpf_isa::decode(&data[..usable]) else {
        return Ok(());
    };
    if insns.len() > 512 {
        return Ok(());
    }
    let Ok(valid) = ebpf_isa::Program::from_insns(insns.as_slice()) else {
        return Ok(());
    };
    for linux in [false, true] {
        let platform = if linux { &LINUX } else { &WINDOWS };
        let Ok(verified) = ebpf_verifier::verify(&valid, platform, "xdp", &maps()) else {
            continue;
        };
        let budget = verified.instruction_bound();
        let program = Program::new(verified.into_runnable());
        for (i, &len) in LENGTHS.iter().enumerate() {
            for seed in [i as u64, 0x9e37_79b9_7f4a_7c15 ^ i as u64] {
                run_once(&program, budget, len, seed, linux).map_err(|fault| {
                    format!(
                        "accepted {} program faults: {fault}\n{}",
                        platform.name,
                        ebpf_isa::disasm::disassemble(&insns)
                    )
                })?;
            }
        }
    }
    Ok(())
}

/// [`check`], then the platform check of [`platform::check`] on the same bytes (the first byte
/// picks a Linux program and attach type, the rest is the program, with maps of every kind):
/// what the fuzz target runs.
pub fn check_all(data: &[u8]) -> Result<(), String> {
    check(data)?;
    platform::check(data)
}
