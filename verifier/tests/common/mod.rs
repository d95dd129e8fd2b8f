//! Shared by the integration tests: the `.s` case format of `tests/safe` and `tests/unsafe`.
//!
//! A case is an assembly file whose leading `;` comment lines carry settings:
//! `; type: xdp` (program type, default `xdp`), `; platform: linux|windows` (default linux),
//! `; attach: cgroup_inet6_connect` (the attach type it is loaded for, by its platform name;
//! default none),
//! `; map: fd=1 kind=hash key=4 value=8 entries=16 flags=rdonly_prog` (repeatable; kinds are
//! the Linux map type names of each [`MapKind`] (`lpm_trie`, `devmap`, `queue`, ...) or
//! `other`; flags are `rdonly_prog`, `wronly_prog` joined by `|`, or a number; a map of maps
//! gives its inner template as `inner_kind=array inner_key=4 inner_value=8 inner_entries=16
//! inner_flags=...`, kind first, the rest defaulting as for maps; `data=25640a00` gives the
//! bytes of a frozen value, in hex, as [`FrozenValue`]), and for unsafe programs
//! `; expect: CLASS` with the [`VerifyErrorKind::class`] of the first error.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use ebpf_isa::Insn;
use ebpf_verifier::platform::{BPF_F_RDONLY_PROG, BPF_F_WRONLY_PROG};
use ebpf_verifier::{FrozenValue, InnerMap, MapInfo, MapKind};

#[derive(Debug)]
pub struct Case {
    pub path: PathBuf,
    pub prog_type: String,
    pub platform: String,
    pub attach: Option<String>,
    pub maps: Vec<MapInfo>,
    /// Frozen values: map index and bytes.
    pub frozen: Vec<(usize, Vec<u8>)>,
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
        "lpm_trie" => MapKind::LpmTrie,
        "stack_trace" => MapKind::StackTrace,
        "cgroup_array" => MapKind::CgroupArray,
        "devmap" => MapKind::DevMap,
        "cpumap" => MapKind::CpuMap,
        "xskmap" => MapKind::XskMap,
        "sockmap" => MapKind::SockMap,
        "sockhash" => MapKind::SockHash,
        "reuseport_sockarray" => MapKind::ReuseportSockArray,
        "queue" => MapKind::Queue,
        "stack" => MapKind::Stack,
        "bloom_filter" => MapKind::BloomFilter,
        "other" => MapKind::Other(0),
        other => panic!("unknown map kind {other}"),
    }
}

fn map_flags(text: &str) -> u32 {
    text.split('|')
        .map(|f| match f {
            "rdonly_prog" => BPF_F_RDONLY_PROG,
            "wronly_prog" => BPF_F_WRONLY_PROG,
            n => n.parse().unwrap_or_else(|_| panic!("unknown map flag {n}")),
        })
        .fold(0, |a, b| a | b)
}

fn inner(m: &mut MapInfo) -> &mut InnerMap {
    m.inner.as_mut().expect("inner_kind= comes first")
}

fn map_info(spec: &str) -> (MapInfo, Option<Vec<u8>>) {
    let mut m = MapInfo::new(1, MapKind::Hash, 4, 8, 16);
    let mut data = None;
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
                    flags: 0,
                })
            }
            "flags" => m.flags = map_flags(v),
            "inner_flags" => inner(&mut m).flags = map_flags(v),
            "data" => {
                let bytes = (0..v.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&v[i..i + 2], 16).unwrap())
                    .collect();
                data = Some(bytes);
            }
            "inner_key" => inner(&mut m).key_size = v.parse().unwrap(),
            "inner_value" => inner(&mut m).value_size = v.parse().unwrap(),
            "inner_entries" => inner(&mut m).max_entries = v.parse().unwrap(),
            other => panic!("unknown map setting {other}"),
        }
    }
    (m, data)
}

pub fn parse(path: &Path) -> Case {
    let text = fs::read_to_string(path).unwrap();
    let mut case = Case {
        path: path.to_path_buf(),
        prog_type: "xdp".into(),
        platform: "linux".into(),
        attach: None,
        maps: Vec::new(),
        frozen: Vec::new(),
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
            "attach" => case.attach = Some(v.into()),
            "map" => {
                let (m, data) = map_info(v);
                if let Some(d) = data {
                    case.frozen.push((case.maps.len(), d));
                }
                case.maps.push(m);
            }
            "expect" => case.expect = Some(v.into()),
            _ => {}
        }
    }
    case.insns =
        ebpf_isa::asm::assemble(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    case
}

pub fn cases(dir: &str) -> Vec<Case> {
    // Through the workspace root, so that other crates' tests can include this module.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../verifier/tests")
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
    let platform = match case.platform.as_str() {
        "linux" => &ebpf_verifier::LINUX,
        "windows" => &ebpf_verifier::WINDOWS,
        other => panic!("unknown platform {other}"),
    };
    let frozen: Vec<FrozenValue<'_>> = case
        .frozen
        .iter()
        .map(|(map, bytes)| FrozenValue { map: *map, bytes })
        .collect();
    let attach_type = case.attach.as_deref().map(|a| {
        platform
            .attach_type(a)
            .unwrap_or_else(|| panic!("{}: unknown attach type {a}", case.path.display()))
    });
    ebpf_verifier::verify_with_contents(
        &program,
        platform,
        &case.prog_type,
        &case.maps,
        &frozen,
        &ebpf_verifier::Options {
            attach_type,
            ..ebpf_verifier::Options::default()
        },
    )
}
