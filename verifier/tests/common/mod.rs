//! Shared by the integration tests: the `.s` case format of `tests/safe` and `tests/unsafe`.
//!
//! A case is an assembly file whose leading `;` comment lines carry settings:
//! `; type: xdp` (program type, default `xdp`), `; platform: linux|windows` (default linux),
//! `; map: fd=1 kind=hash key=4 value=8 entries=16` (repeatable; a map of maps gives its inner
//! template as `inner_kind=array inner_key=4 inner_value=8 inner_entries=16`, kind first, the
//! rest defaulting as for maps), and for unsafe programs
//! `; expect: CLASS` with the [`VerifyErrorKind::class`] of the first error.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use ebpf_isa::Insn;
use ebpf_verifier::{InnerMap, MapInfo, MapKind};

#[derive(Debug)]
pub struct Case {
    pub path: PathBuf,
    pub prog_type: String,
    pub platform: String,
    pub maps: Vec<MapInfo>,
    pub expect: Option<String>,
    pub insns: Vec<Insn>,
    pub text: String,
}

fn map_kind(name: &str) -> MapKind {
    match name {
        "hash" => MapKind::Hash,
        "array" => MapKind::Array,
        "prog_array" => MapKind::ProgArray,
        "perf_event_array" => MapKind::PerfEventArray,
        "ringbuf" => MapKind::RingBuf,
        "array_of_maps" => MapKind::ArrayOfMaps,
        "hash_of_maps" => MapKind::HashOfMaps,
        other => panic!("unknown map kind {other}"),
    }
}

fn inner(m: &mut MapInfo) -> &mut InnerMap {
    m.inner.as_mut().expect("inner_kind= comes first")
}

fn map_info(spec: &str) -> MapInfo {
    let mut m = MapInfo {
        fd: 1,
        kind: MapKind::Hash,
        key_size: 4,
        value_size: 8,
        max_entries: 16,
        inner: None,
    };
    for kv in spec.split_whitespace() {
        let (k, v) = kv.split_once('=').expect("key=value");
        match k {
            "fd" => m.fd = v.parse().unwrap(),
            "key" => m.key_size = v.parse().unwrap(),
            "value" => m.value_size = v.parse().unwrap(),
            "entries" => m.max_entries = v.parse().unwrap(),
            "kind" => m.kind = map_kind(v),
            "inner_kind" => {
                m.inner = Some(InnerMap {
                    kind: map_kind(v),
                    key_size: 4,
                    value_size: 8,
                    max_entries: 16,
                })
            }
            "inner_key" => inner(&mut m).key_size = v.parse().unwrap(),
            "inner_value" => inner(&mut m).value_size = v.parse().unwrap(),
            "inner_entries" => inner(&mut m).max_entries = v.parse().unwrap(),
            other => panic!("unknown map setting {other}"),
        }
    }
    m
}

pub fn parse(path: &Path) -> Case {
    let text = fs::read_to_string(path).unwrap();
    let mut case = Case {
        path: path.to_path_buf(),
        prog_type: "xdp".into(),
        platform: "linux".into(),
        maps: Vec::new(),
        expect: None,
        insns: Vec::new(),
        text: text.clone(),
    };
    for line in text.lines() {
        let Some(rest) = line.trim().strip_prefix(';') else {
            continue;
        };
        let Some((k, v)) = rest.split_once(':') else {
            continue;
        };
        let v = v.trim();
        match k.trim() {
            "type" => case.prog_type = v.into(),
            "platform" => case.platform = v.into(),
            "map" => case.maps.push(map_info(v)),
            "expect" => case.expect = Some(v.into()),
            _ => {}
        }
    }
    case.insns =
        ebpf_isa::asm::assemble(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    case
}

pub fn cases(dir: &str) -> Vec<Case> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(dir);
    let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "s"))
        .collect();
    paths.sort();
    paths.iter().map(|p| parse(p)).collect()
}

/// Validates the case's instructions ([`ebpf_isa::Program`]; an invalid program is the
/// verifier's [`Invalid`](ebpf_verifier::VerifyErrorKind::Invalid) error) and verifies them.
pub fn verify(case: &Case) -> Result<ebpf_verifier::Verified, Vec<ebpf_verifier::VerifyError>> {
    let program =
        ebpf_isa::Program::from_insns(case.insns.as_slice()).map_err(|e| vec![e.into()])?;
    match case.platform.as_str() {
        "linux" => {
            ebpf_verifier::verify(&program, &ebpf_verifier::LINUX, &case.prog_type, &case.maps)
        }
        "windows" => ebpf_verifier::verify(
            &program,
            &ebpf_verifier::WINDOWS,
            &case.prog_type,
            &case.maps,
        ),
        other => panic!("unknown platform {other}"),
    }
}
