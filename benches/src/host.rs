//! The execution-context benchmark's setup, shared by `benches/host.rs` and its test
//! (`tests/host_bench.rs`): the objects (`tests/host/bench.o`, `tests/host/bench_maps.o`), the
//! 1 KiB UDP frame every run gets, the maps filled the same way in `ebpf-kernel-host` and in
//! this machine's kernel, and each program's expected result.
//!
//! Maps of `bench_maps.o`: `hash`, `array` and `lru` hold keys 0..1,023 (value = key, [`KEY`]
//! written last so that an LRU map evicting early keeps it), `lpm_1k` and `lpm_1m` hold 1,024
//! and 1,048,576 distinct /24 prefixes ([`lpm_prefixes`]), one of them covering the address
//! the programs look up. `bench.o`'s `table` holds keys 0..63.

use std::path::Path;
use std::sync::Arc;

use ebpf_kernel_host::os::StdOs;
use ebpf_kernel_host::{Context, Engine, Host, LoadOptions, Loaded, Program};
use ebpf_loader::Object;
use ebpf_platform::LINUX;

use crate::kernel::{Maps, Prepared};
use crate::linux::{self, Fd, RingPositions};

/// The object of the five whole XDP programs.
pub const WHOLE_OBJECT: &str = "bench.o";
/// The object of the one-operation programs.
pub const OPS_OBJECT: &str = "bench_maps.o";
/// Bytes of the frame every run gets.
pub const FRAME_LEN: usize = 1024;
/// Entries of the hash, array and LRU maps and of the small LPM trie.
pub const ENTRIES: u32 = 1024;
/// Prefixes of the large LPM trie.
pub const LPM_LARGE: u32 = 1 << 20;
/// The key the map programs look up and update.
pub const KEY: u32 = 517;
/// The /24 prefix covering the address the LPM programs look up (10.20.30.77).
pub const LPM_TARGET: [u8; 3] = [10, 20, 30];
/// Its value: what the LPM programs return.
pub const LPM_VALUE: u32 = 4660;
/// Bytes of one ring-buffer output (`bench_maps.c`'s `record`, 50 times 0x0123456789abcdef;
/// a record takes 8 more).
pub const RING_RECORD: usize = 400;
/// Keys 0..HASH64_KEYS of `bench.o`'s `table`.
pub const HASH64_KEYS: u32 = 64;

/// The five whole programs of `bench.o`, in the order.
pub const WHOLE: [&str; 5] = [
    "xdp_empty",
    "xdp_parse",
    "xdp_byte_sum",
    "xdp_hash64",
    "xdp_arith",
];

/// The programs of `bench_maps.o` timed, each doing one operation (`op_none`: none, the
/// baseline the others' costs are taken against).
pub const OPS: [&str; 9] = [
    "op_none",
    "op_hash_lookup",
    "op_hash_update",
    "op_array_lookup",
    "op_lru_lookup",
    "op_lpm_1k_lookup",
    "op_lpm_1m_lookup",
    "op_tail_call",
    "op_ringbuf_output",
];

/// An Ethernet / IPv4 / UDP frame of [`FRAME_LEN`] bytes to port 53, its payload counting up
/// from byte 42.
pub fn udp_frame() -> Vec<u8> {
    let mut f: Vec<u8> = (0..FRAME_LEN).map(|i| i as u8).collect();
    f[..12].copy_from_slice(&[2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2]);
    f[12..14].copy_from_slice(&0x0800u16.to_be_bytes());
    let ip = &mut f[14..34];
    ip.fill(0);
    ip[0] = 0x45;
    ip[2..4].copy_from_slice(&((FRAME_LEN - 14) as u16).to_be_bytes());
    ip[8] = 64;
    ip[9] = 17;
    ip[12..16].copy_from_slice(&[192, 168, 1, 1]);
    ip[16..20].copy_from_slice(&[10, 20, 30, 77]);
    let udp = &mut f[34..42];
    udp.fill(0);
    udp[0..2].copy_from_slice(&4000u16.to_be_bytes());
    udp[2..4].copy_from_slice(&53u16.to_be_bytes());
    udp[4..6].copy_from_slice(&((FRAME_LEN - 34) as u16).to_be_bytes());
    f
}

/// What `function` returns on [`udp_frame`] with the maps filled (its 32-bit result).
pub fn expected(function: &str) -> Option<u32> {
    let frame = udp_frame();
    Some(match function {
        "xdp_empty" | "xdp_parse" | "op_none" => 2,
        "xdp_byte_sum" => {
            let sum: u32 = frame[42..].iter().map(|&b| u32::from(b)).sum();
            (sum & 0xffff) + 3
        }
        "xdp_hash64" => HASH64_KEYS,
        "xdp_arith" => {
            let mut x = FRAME_LEN as u64;
            for _ in 0..4096 {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                x ^= x >> 29;
            }
            (x & 0x7fff_ffff) as u32
        }
        "op_hash_lookup" | "op_array_lookup" | "op_lru_lookup" => KEY,
        "op_lpm_1k_lookup" | "op_lpm_1m_lookup" => LPM_VALUE,
        "op_hash_update" | "op_tail_call" | "op_ringbuf_output" => 3,
        _ => return None,
    })
}

/// `tests/host/<name>` read for Linux.
pub fn object(name: &str) -> Result<Object, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/host")
        .join(name);
    let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    Object::parse(&bytes, &ebpf_loader::LoadOptions::new(&LINUX))
        .map_err(|e| format!("{name}: {e}"))
}

/// `n` distinct /24 prefixes as LPM keys (prefix length, then the address) with their values:
/// [`LPM_TARGET`] with [`LPM_VALUE`] last, the others spread over the address space (an odd
/// multiplier permutes the 24-bit prefixes).
pub fn lpm_prefixes(n: u32) -> impl Iterator<Item = ([u8; 8], u32)> {
    let target = u32::from_be_bytes([0, LPM_TARGET[0], LPM_TARGET[1], LPM_TARGET[2]]);
    let key = |p: u32| {
        let [_, a, b, c] = p.to_be_bytes();
        let mut k = [0u8; 8];
        k[..4].copy_from_slice(&24u32.to_ne_bytes());
        k[4..].copy_from_slice(&[a, b, c, 0]);
        k
    };
    (0u32..)
        .map(|i| (i, i.wrapping_mul(0x9E37_79B1) & 0x00ff_ffff))
        .filter(move |&(_, p)| p != target)
        .take(n.saturating_sub(1) as usize)
        .map(move |(i, p)| (key(p), 100 + i))
        .chain(std::iter::once((key(target), LPM_VALUE)))
}

/// Calls `put(map, key, value)` for every entry the maps of object `name` start with.
pub fn fill(
    name: &str,
    mut put: impl FnMut(&str, &[u8], &[u8]) -> Result<(), String>,
) -> Result<(), String> {
    if name == WHOLE_OBJECT {
        for k in 0..HASH64_KEYS {
            put("table", &k.to_ne_bytes(), &u64::from(k).to_ne_bytes())?;
        }
        return Ok(());
    }
    for map in ["hash", "array", "lru"] {
        for k in (0..ENTRIES).filter(|&k| k != KEY).chain([KEY]) {
            put(map, &k.to_ne_bytes(), &u64::from(k).to_ne_bytes())?;
        }
    }
    for (map, n) in [("lpm_1k", ENTRIES), ("lpm_1m", LPM_LARGE)] {
        for (k, v) in lpm_prefixes(n) {
            put(map, &k, &v.to_ne_bytes())?;
        }
    }
    Ok(())
}

/// Object `name` loaded into a fresh Linux host (one virtual CPU per CPU) on `engine`, its
/// maps filled ([`fill`]).
pub fn load_host(name: &str, engine: Engine) -> Result<(Host, Loaded), String> {
    let host = Host::new(Arc::new(StdOs::new()), &LINUX);
    let options = LoadOptions {
        engine,
        ..LoadOptions::default()
    };
    let loaded = host
        .load(&object(name)?, &options)
        .map_err(|e| format!("{name}: {e}"))?;
    fill(name, |map, k, v| {
        let m = loaded.map(map).ok_or_else(|| format!("no map {map}"))?;
        m.map()
            .update(k, v, 0)
            .map_err(|e| format!("{map} update: {e}"))
    })?;
    Ok((host, loaded))
}

/// A context for `program` holding [`udp_frame`].
pub fn frame_context(program: &Program) -> Result<Context, String> {
    let mut ctx = program.new_context().map_err(|e| e.to_string())?;
    ctx.set_packet(&udp_frame()).map_err(|e| e.to_string())?;
    Ok(ctx)
}

/// An object loaded into this machine's kernel: its maps (filled as [`fill`] says, program
/// array slot 0 set to `tail_target` where the object has one) and programs.
#[derive(Debug)]
pub struct KernelObject {
    object: Object,
    maps: Maps,
    programs: Vec<(String, Fd)>,
}

impl KernelObject {
    /// Loads every program of `tests/host/<name>`; `Err` with the kernel's refusal.
    pub fn load(name: &str) -> Result<KernelObject, String> {
        let object = object(name)?;
        let maps = Maps::create(&object);
        let mut programs = Vec::new();
        for p in object.programs() {
            let fd = Prepared::new(&object, p, &maps, None)
                .and_then(|prepared| prepared.load_fd())
                .map_err(|e| format!("{name} {}: {e}", p.function))?;
            programs.push((p.function.clone(), fd));
        }
        let loaded = KernelObject {
            object,
            maps,
            programs,
        };
        fill(name, |map, k, v| {
            linux::map_update(loaded.map(map)?, k, v).map_err(|e| format!("{map} update: {e}"))
        })?;
        if let (Ok(jump), Some(target)) = (loaded.map("jump"), loaded.program("tail_target")) {
            linux::map_update(jump, &0u32.to_ne_bytes(), &target.raw().to_ne_bytes())
                .map_err(|e| format!("jump update: {e}"))?;
        }
        Ok(loaded)
    }

    /// The kernel map called `name`.
    pub fn map(&self, name: &str) -> Result<&Fd, String> {
        let index = self
            .object
            .maps()
            .iter()
            .position(|m| m.name == name)
            .ok_or_else(|| format!("no map {name}"))?;
        self.maps
            .fd(index)
            .ok_or_else(|| format!("the kernel refused map {name}"))
    }

    /// The program whose entry function is `function`.
    pub fn program(&self, function: &str) -> Option<&Fd> {
        self.programs
            .iter()
            .find(|(f, _)| f == function)
            .map(|(_, fd)| fd)
    }

    /// The position pages of ring buffer map `name`, to discard its records.
    pub fn ring(&self, name: &str) -> Result<RingPositions, String> {
        RingPositions::map(self.map(name)?).map_err(|e| format!("mmap of {name}: {e}"))
    }
}
