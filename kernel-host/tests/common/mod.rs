//! Shared by the integration tests: maps on their own (an epoch, map constructors, error
//! expectations), and hosts with a captured trace, the test objects, packets.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use ebpf_kernel_host::maps::{Map, MapDef, MapType, Semantics};
use ebpf_kernel_host::os::StdOs;
use ebpf_kernel_host::{EbpfResult, Epoch, MapError, MapErrorKind};
use ebpf_kernel_host::{Engine, Host, LoadOptions, Loaded, MapObject};
use ebpf_loader::{LoadOptions as ReadOptions, Object};
use ebpf_platform::Platform;

pub const CPUS: usize = 4;

pub fn epoch(cpus: usize) -> Arc<Epoch> {
    Arc::new(Epoch::with_slots(cpus, 16, std::thread::yield_now))
}

pub fn map_on(epoch: &Arc<Epoch>, def: MapDef, sem: Semantics) -> Map {
    Map::new(def, sem, epoch.clone(), 0x1234_5678).expect("map creation")
}

pub fn map(t: MapType, key: u32, value: u32, max: u32, sem: Semantics) -> Map {
    map_on(&epoch(CPUS), MapDef::new(t, key, value, max), sem)
}

pub fn k32(k: u32) -> [u8; 4] {
    k.to_ne_bytes()
}

pub fn v64(v: u64) -> [u8; 8] {
    v.to_ne_bytes()
}

pub fn get64(m: &Map, key: &[u8]) -> Result<u64, MapError> {
    let mut out = [0u8; 8];
    m.lookup(key, &mut out)?;
    Ok(u64::from_ne_bytes(out))
}

/// Asserts the error's Windows result, Linux errno and kind.
#[track_caller]
pub fn expect_err(
    r: Result<impl std::fmt::Debug, MapError>,
    result: EbpfResult,
    errno: i32,
    kind: MapErrorKind,
) {
    let e = r.expect_err("operation should fail");
    assert_eq!(e.kind(), &kind, "kind of {e}");
    assert_eq!(e.ebpf_result(), result, "ebpf_result of {e}");
    assert_eq!(e.linux_errno(), errno, "linux errno of {e}");
}

/// Asserts the code the map's own semantics report (helper return value).
#[track_caller]
pub fn expect_code(r: Result<impl std::fmt::Debug, MapError>, sem: Semantics, code: i64) {
    let e = r.expect_err("operation should fail");
    assert_eq!(e.helper_return(sem), code, "{e}");
}

/// Both engines, interpreter first.
pub const ENGINES: [Engine; 2] = [Engine::Interpreter, Engine::Jit];

/// A host of `platform` with 2 virtual CPUs whose trace lines are kept.
pub fn host(platform: &'static Platform) -> (Host, Arc<Mutex<Vec<String>>>) {
    host_with_cpus(platform, 2)
}

/// A host of `platform` with `cpus` virtual CPUs whose trace lines are kept.
pub fn host_with_cpus(platform: &'static Platform, cpus: usize) -> (Host, Arc<Mutex<Vec<String>>>) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    let os = StdOs::new()
        .with_cpu_count(cpus)
        .with_trace_sink(move |l| sink.lock().unwrap().push(l.to_string()));
    (Host::new(Arc::new(os), platform), lines)
}

/// The path of `tests/host/<name>`.
pub fn object_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/host")
        .join(name)
}

/// `tests/host/<name>` read for `platform`.
pub fn object(name: &str, platform: &'static Platform) -> Object {
    let bytes = std::fs::read(object_path(name)).expect("test object");
    Object::parse(&bytes, &ReadOptions::new(platform)).expect("object loads")
}

/// Every program of `tests/host/<name>` loaded on `engine`.
pub fn load(host: &Host, name: &str, engine: Engine) -> Loaded {
    let object = object(name, host.platform());
    let options = LoadOptions {
        engine,
        ..LoadOptions::default()
    };
    host.load(&object, &options)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A map's entries as the user side sees them, sorted by key.
pub fn entries(map: &MapObject) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    map.for_each(|k, v| out.push((k.to_vec(), v.to_vec())));
    out.sort();
    out
}

/// A `u64` map value.
pub fn u64_at(map: &MapObject, key: &[u8]) -> u64 {
    let mut v = [0u8; 8];
    map.map().lookup(key, &mut v).expect("key present");
    u64::from_ne_bytes(v)
}

/// A `u32` map value.
pub fn u32_at(map: &MapObject, key: &[u8]) -> u32 {
    let mut v = [0u8; 4];
    map.map().lookup(key, &mut v).expect("key present");
    u32::from_ne_bytes(v)
}

/// An Ethernet frame with an IPv4 header from `src` with `protocol` and, for UDP, a UDP header
/// to `port`; `len` bytes in all (at least 42), the rest counting up from 0.
pub fn ipv4(src: [u8; 4], protocol: u8, port: u16, len: usize) -> Vec<u8> {
    let mut f = vec![0u8; len.max(42)];
    f[..6].copy_from_slice(&[0x02, 0, 0, 0, 0, 1]);
    f[6..12].copy_from_slice(&[0x02, 0, 0, 0, 0, 2]);
    f[12..14].copy_from_slice(&0x0800u16.to_be_bytes());
    let ip = &mut f[14..34];
    ip[0] = 0x45;
    ip[2..4].copy_from_slice(&((len - 14) as u16).to_be_bytes());
    ip[8] = 64;
    ip[9] = protocol;
    ip[12..16].copy_from_slice(&src);
    ip[16..20].copy_from_slice(&[10, 9, 9, 9]);
    let sum = ip_checksum(&f[14..34]);
    f[24..26].copy_from_slice(&sum.to_be_bytes());
    f[36..38].copy_from_slice(&port.to_be_bytes());
    for (i, b) in f.iter_mut().enumerate().skip(42) {
        *b = i as u8;
    }
    f
}

/// The IPv4 header checksum of `header` (its checksum field zero).
pub fn ip_checksum(header: &[u8]) -> u16 {
    let mut sum: u32 = header
        .chunks(2)
        .map(|w| u32::from(u16::from_be_bytes([w[0], w[1]])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// `frame` (Ethernet + IPv4) wrapped IP-in-IP as tests/host/hooks_encap.h does: the Ethernet
/// header, an outer IPv4 header 10.0.0.1 -> 10.0.0.2 (protocol 4, TTL 64, DF), the inner packet.
pub fn encapsulated(frame: &[u8]) -> Vec<u8> {
    let inner_len = u16::from_be_bytes([frame[16], frame[17]]);
    let mut outer = [0u8; 20];
    outer[0] = 0x45;
    outer[2..4].copy_from_slice(&(inner_len + 20).to_be_bytes());
    outer[6] = 0x40;
    outer[8] = 64;
    outer[9] = 4;
    outer[12..16].copy_from_slice(&[10, 0, 0, 1]);
    outer[16..20].copy_from_slice(&[10, 0, 0, 2]);
    let sum = ip_checksum(&outer);
    outer[10..12].copy_from_slice(&sum.to_be_bytes());
    let mut out = frame[..14].to_vec();
    out.extend_from_slice(&outer);
    out.extend_from_slice(&frame[14..]);
    out
}
