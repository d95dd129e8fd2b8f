//! A differential model of the maps: random operations applied to a real map and to a simple
//! std model (BTreeMap, Vec, VecDeque) must give the same results. Shared by the proptest
//! (`tests/maps_model.rs`) and the cargo-fuzz target (`fuzz/fuzz_targets/maps_model.rs`),
//! which both feed it raw bytes.

#![allow(dead_code)]

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use ebpf_kernel_host::maps::{Map, MapDef, MapType, Semantics};
use ebpf_kernel_host::{Epoch, MapError, MapErrorKind};

const MAX: usize = 8;

/// The map under test.
#[derive(Clone, Copy, Debug)]
pub enum Target {
    Hash,
    Array,
    Lru,
    Lpm,
    Queue,
    Stack,
}

/// One operation, decoded from three bytes.
#[derive(Clone, Copy, Debug)]
pub enum Op {
    Update { key: u8, value: u8, flags: u8 },
    Delete { key: u8 },
    Lookup { key: u8 },
    ProgLookup { key: u8 },
    LookupAndDelete { key: u8 },
    Walk,
    Pop,
    Peek,
}

/// Decodes a target and a list of operations from fuzz bytes.
pub fn decode(bytes: &[u8]) -> (Target, Vec<Op>) {
    let target = match bytes.first().copied().unwrap_or(0) % 6 {
        0 => Target::Hash,
        1 => Target::Array,
        2 => Target::Lru,
        3 => Target::Lpm,
        4 => Target::Queue,
        _ => Target::Stack,
    };
    let ops = bytes
        .get(1..)
        .unwrap_or(&[])
        .chunks_exact(3)
        .map(|c| {
            let (key, value, flags) = (c[1] % 12, c[2], c[1] / 12 % 4);
            match c[0] % 8 {
                0 | 1 => Op::Update { key, value, flags },
                2 => Op::Delete { key },
                3 => Op::Lookup { key },
                4 => Op::ProgLookup { key },
                5 => Op::LookupAndDelete { key },
                6 => Op::Walk,
                _ if c[0] % 16 < 12 => Op::Pop,
                _ => Op::Peek,
            }
        })
        .collect();
    (target, ops)
}

/// The kind of an outcome: a value, success, or an error kind.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Out {
    Ok,
    Value(u64),
    Keys(Vec<Vec<u8>>),
    Err(MapErrorKind),
}

fn from(r: Result<(), MapError>) -> Out {
    match r {
        Ok(()) => Out::Ok,
        Err(e) => Out::Err(e.kind().clone()),
    }
}

fn value_of(r: Result<(), MapError>, buf: &[u8]) -> Out {
    match r {
        Ok(()) => Out::Value(u64::from_ne_bytes(buf[..8].try_into().unwrap())),
        Err(e) => Out::Err(e.kind().clone()),
    }
}

/// The key bytes of model key `k` for `target`.
fn key_bytes(target: Target, k: u8) -> Vec<u8> {
    match target {
        Target::Lpm => {
            // Prefix lengths 0, 8, 16, 24, 32 over a few addresses.
            let len = u32::from(k % 5) * 8;
            let ip = [10, k / 5, k, 1];
            [len.to_ne_bytes().to_vec(), ip.to_vec()].concat()
        }
        Target::Queue | Target::Stack => Vec::new(),
        _ => u32::from(k).to_ne_bytes().to_vec(),
    }
}

fn lpm_parts(key: &[u8]) -> (u32, u32) {
    let len = u32::from_ne_bytes(key[..4].try_into().unwrap());
    let ip = u32::from_be_bytes(key[4..8].try_into().unwrap());
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    (len, ip & mask)
}

/// The std model of every target.
#[derive(Default)]
struct Model {
    /// Hash, Array (index → value), LPM ((len, masked ip) → value).
    map: BTreeMap<Vec<u8>, u64>,
    /// LRU recency, least recent first.
    recency: Vec<Vec<u8>>,
    queue: VecDeque<u64>,
}

fn check_flags(flags: u8) -> Option<Out> {
    (flags > 2).then(|| {
        Out::Err(MapErrorKind::InvalidFlags {
            flags: u64::from(flags),
        })
    })
}

impl Model {
    fn touch(&mut self, key: &[u8]) {
        if let Some(i) = self.recency.iter().position(|k| k == key) {
            let k = self.recency.remove(i);
            self.recency.push(k);
        }
    }

    fn hash_update(&mut self, target: Target, key: Vec<u8>, value: u64, flags: u8) -> Out {
        if let Some(e) = check_flags(flags) {
            return e;
        }
        let exists = self.map.contains_key(&key);
        match (exists, flags) {
            (true, 1) => return Out::Err(MapErrorKind::AlreadyExists),
            (false, 2) => return Out::Err(MapErrorKind::KeyNotFound),
            _ => {}
        }
        if !exists && self.map.len() == MAX {
            if !matches!(target, Target::Lru) {
                return Out::Err(MapErrorKind::Full {
                    max_entries: MAX as u32,
                });
            }
            let oldest = self.recency.remove(0);
            self.map.remove(&oldest);
        }
        self.map.insert(key.clone(), value);
        self.recency.retain(|k| *k != key);
        self.recency.push(key);
        Out::Ok
    }

    fn apply(&mut self, target: Target, op: Op) -> Out {
        let key = |k: u8| key_bytes(target, k);
        let lpm_key = |k: u8| {
            let (len, ip) = lpm_parts(&key_bytes(target, k));
            [len.to_ne_bytes(), ip.to_be_bytes()].concat()
        };
        match (target, op) {
            (Target::Queue | Target::Stack, Op::Update { value, flags, .. }) => {
                if flags != 0 && flags != 2 {
                    return Out::Err(MapErrorKind::InvalidFlags {
                        flags: u64::from(flags),
                    });
                }
                if self.queue.len() == MAX {
                    if flags != 2 {
                        return Out::Err(MapErrorKind::Full {
                            max_entries: MAX as u32,
                        });
                    }
                    self.queue.pop_front();
                }
                self.queue.push_back(u64::from(value));
                Out::Ok
            }
            (
                Target::Queue | Target::Stack,
                Op::Pop
                | Op::Peek
                | Op::LookupAndDelete { .. }
                | Op::Lookup { .. }
                | Op::ProgLookup { .. },
            ) => {
                let lifo = matches!(target, Target::Stack);
                let remove = matches!(op, Op::Pop | Op::LookupAndDelete { .. });
                let got = if lifo {
                    self.queue.back()
                } else {
                    self.queue.front()
                };
                let Some(&v) = got else {
                    return Out::Err(MapErrorKind::Empty);
                };
                if remove {
                    if lifo {
                        self.queue.pop_back();
                    } else {
                        self.queue.pop_front();
                    }
                }
                Out::Value(v)
            }
            (Target::Queue | Target::Stack, _) => Out::Err(MapErrorKind::NotSupported),
            (Target::Array, op) => {
                let idx = |k: u8| u32::from(k);
                let oob = |k: u8| MapErrorKind::IndexOutOfRange {
                    index: u32::from(k),
                    max_entries: MAX as u32,
                };
                match op {
                    Op::Update { key, value, flags } => {
                        if let Some(e) = check_flags(flags) {
                            return e;
                        }
                        if idx(key) as usize >= MAX {
                            return Out::Err(oob(key));
                        }
                        if flags == 1 {
                            return Out::Err(MapErrorKind::AlreadyExists);
                        }
                        self.map.insert(vec![key], u64::from(value));
                        Out::Ok
                    }
                    Op::Delete { key } if idx(key) as usize >= MAX => Out::Err(oob(key)),
                    Op::Delete { key } => {
                        self.map.remove(&vec![key]);
                        Out::Ok
                    }
                    Op::Lookup { key } | Op::ProgLookup { key } if idx(key) as usize >= MAX => {
                        Out::Err(oob(key))
                    }
                    Op::Lookup { key } | Op::ProgLookup { key } => {
                        Out::Value(self.map.get(&vec![key]).copied().unwrap_or(0))
                    }
                    Op::LookupAndDelete { .. } | Op::Pop | Op::Peek => {
                        Out::Err(MapErrorKind::NotSupported)
                    }
                    Op::Walk => {
                        Out::Keys((0..MAX as u32).map(|i| i.to_ne_bytes().to_vec()).collect())
                    }
                }
            }
            (
                Target::Lpm,
                Op::Update {
                    key: k,
                    value,
                    flags,
                },
            ) => self.hash_update(target, lpm_key(k), u64::from(value), flags),
            (Target::Lpm, Op::Delete { key: k }) => match self.map.remove(&lpm_key(k)) {
                Some(_) => Out::Ok,
                None => Out::Err(MapErrorKind::KeyNotFound),
            },
            (Target::Lpm, Op::Lookup { key: k } | Op::ProgLookup { key: k }) => {
                let query_len = lpm_parts(&key(k)).0;
                let q = u32::from_be_bytes(key(k)[4..8].try_into().unwrap());
                let best = self
                    .map
                    .iter()
                    .filter(|(mk, _)| {
                        let (len, mip) = lpm_parts(mk);
                        let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
                        len <= query_len && q & mask == mip
                    })
                    .max_by_key(|(mk, _)| lpm_parts(mk).0);
                match best {
                    Some((_, v)) => Out::Value(*v),
                    None => Out::Err(MapErrorKind::KeyNotFound),
                }
            }
            (Target::Lpm, Op::LookupAndDelete { .. } | Op::Pop | Op::Peek) => {
                Out::Err(MapErrorKind::NotSupported)
            }
            (
                _,
                Op::Update {
                    key: k,
                    value,
                    flags,
                },
            ) => self.hash_update(target, key(k), u64::from(value), flags),
            (_, Op::Delete { key: k }) => match self.map.remove(&key(k)) {
                Some(_) => {
                    self.recency.retain(|r| *r != key(k));
                    Out::Ok
                }
                None => Out::Err(MapErrorKind::KeyNotFound),
            },
            (_, Op::Lookup { key: k }) => self
                .map
                .get(&key(k))
                .map_or(Out::Err(MapErrorKind::KeyNotFound), |v| Out::Value(*v)),
            (_, Op::ProgLookup { key: k }) => {
                let out = self
                    .map
                    .get(&key(k))
                    .map_or(Out::Err(MapErrorKind::KeyNotFound), |v| Out::Value(*v));
                self.touch(&key(k));
                out
            }
            (_, Op::LookupAndDelete { key: k }) => match self.map.remove(&key(k)) {
                Some(v) => {
                    self.recency.retain(|r| *r != key(k));
                    Out::Value(v)
                }
                None => Out::Err(MapErrorKind::KeyNotFound),
            },
            (_, Op::Walk) => Out::Keys(self.map.keys().cloned().collect()),
            (_, Op::Pop | Op::Peek) => Out::Err(MapErrorKind::NotSupported),
        }
    }
}

fn real_map(target: Target, epoch: &Arc<Epoch>) -> Map {
    let def = match target {
        Target::Hash => MapDef::new(MapType::Hash, 4, 8, MAX as u32),
        Target::Array => MapDef::new(MapType::Array, 4, 8, MAX as u32),
        Target::Lru => MapDef::new(MapType::LruHash, 4, 8, MAX as u32),
        Target::Lpm => MapDef::new(MapType::LpmTrie, 8, 8, MAX as u32),
        Target::Queue => MapDef::new(MapType::Queue, 0, 8, MAX as u32),
        Target::Stack => MapDef::new(MapType::Stack, 0, 8, MAX as u32),
    };
    Map::new(def, Semantics::Windows, epoch.clone(), 42).expect("model map")
}

/// Every key of `map`, sorted, by walking `next_key`.
fn walk(map: &Map) -> Out {
    let mut keys = Vec::new();
    let mut next = vec![0u8; map.def().key_size as usize];
    let mut prev: Option<Vec<u8>> = None;
    loop {
        match map.next_key(prev.as_deref(), &mut next) {
            Ok(()) => {
                if keys.len() > 4 * MAX {
                    return Out::Err(MapErrorKind::NotSupported);
                }
                keys.push(next.clone());
                prev = Some(next.clone());
            }
            Err(e) if e.kind() == &MapErrorKind::NoMoreKeys => break,
            Err(e) => return Out::Err(e.kind().clone()),
        }
    }
    keys.sort();
    Out::Keys(keys)
}

fn apply_real(target: Target, map: &Map, op: Op) -> Out {
    let key = |k: u8| key_bytes(target, k);
    let mut buf = [0u8; 8];
    match op {
        Op::Update {
            key: k,
            value,
            flags,
        } => from(map.update(&key(k), &u64::from(value).to_ne_bytes(), u64::from(flags))),
        Op::Delete { key: k } => from(map.delete(&key(k))),
        Op::Lookup { key: k } => {
            let r = map.lookup(&key(k), &mut buf);
            value_of(r, &buf)
        }
        Op::ProgLookup { .. } if matches!(target, Target::Queue | Target::Stack) => {
            let r = map.peek(&mut buf);
            value_of(r, &buf)
        }
        Op::ProgLookup { key: k } => {
            let guard = map.epoch().enter(0);
            match map.prog_lookup(&guard, &key(k)) {
                // SAFETY: the value pointer is valid while `guard` lives; values are 8 bytes.
                Ok(p) => Out::Value(unsafe { p.as_ptr().cast::<u64>().read() }),
                Err(e) => Out::Err(e.kind().clone()),
            }
        }
        Op::LookupAndDelete { key: k } => {
            let r = map.lookup_and_delete(&key(k), &mut buf);
            value_of(r, &buf)
        }
        Op::Walk if matches!(target, Target::Queue | Target::Stack) => {
            from(map.next_key(None, &mut []))
        }
        // The model keeps LPM keys masked, as the map stores them.
        Op::Walk => walk(map),
        Op::Pop => value_of(map.pop(&mut buf), &buf),
        Op::Peek => value_of(map.peek(&mut buf), &buf),
    }
}

/// Applies the operations in `bytes` to a real map and to the model; the first difference is
/// an error naming the operation.
pub fn run_bytes(bytes: &[u8]) -> Result<(), String> {
    let (target, ops) = decode(bytes);
    let epoch = Arc::new(Epoch::with_slots(2, 4, std::thread::yield_now));
    let map = real_map(target, &epoch);
    let mut model = Model::default();
    for (i, op) in ops.iter().enumerate() {
        let want = model.apply(target, *op);
        let got = apply_real(target, &map, *op);
        if want != got {
            return Err(format!(
                "{target:?} op {i} {op:?}: model {want:?}, map {got:?}"
            ));
        }
    }
    drop(map);
    epoch.synchronize();
    Ok(())
}
