//! Helpers shared by the map tests.

#![allow(dead_code)]

use std::sync::Arc;

use ebpf_kernel_host::maps::{Map, MapDef, MapType, Semantics};
use ebpf_kernel_host::{EbpfResult, Epoch, MapError, MapErrorKind};

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
