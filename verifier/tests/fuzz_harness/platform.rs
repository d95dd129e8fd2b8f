//! The concrete model of the platform soundness check, shared by `tests/soundness_platform.rs`
//! and the `verifier_soundness` fuzz target: Linux programs of several program and attach
//! types ([`SCENARIOS`]) with one map of every kind the platform models ([`maps`]) are run, when
//! the verifier accepts them, in the checked interpreter on the context of their attach type.
//!
//! A run must not fault, and must respect the context's fields at its attach type:
//! - the context's bytes that are not readable there hold a different poison in two runs that
//!   are otherwise the same; what the program does (`r0`, the packet, the map values, the
//!   context, the helpers called and the bytes they read) must not depend on it;
//! - the bytes that are not writable there must be unchanged after each run.
//!
//! Each helper takes only the maps of the kinds it works on and reads or writes exactly the
//! memory the real helper does: a lookup in a map whose lookups Linux refuses (socket maps,
//! program arrays, queues, ...), a push into a read-only map, a redirect through a hash map or a
//! `bpf_get_stackid` on an array fails the run, as does a context argument that is not the
//! context. A lookup in a map of maps gives an inner map (an array or a hash, by the outer
//! map), which takes lookups in turn; a successful tail call ends the run.

#![allow(dead_code)]

use ebpf_interp::{Config, FaultKind, HelperError, Helpers, Memory, Program, Vm};
use ebpf_isa::LddwSrc;
use ebpf_verifier::platform::{ContextLayout, BPF_F_RDONLY_PROG};
use ebpf_verifier::{InnerMap, MapInfo, MapKind, LINUX};

#[path = "linux_fields.rs"]
mod linux_fields;
use linux_fields::linux_fields;

/// A program type and the attach type it is loaded for.
#[derive(Clone, Copy, Debug)]
pub struct Scenario {
    pub prog_type: &'static str,
    pub attach: Option<&'static str>,
}

const fn sc(prog_type: &'static str, attach: Option<&'static str>) -> Scenario {
    Scenario { prog_type, attach }
}

/// The program and attach types the check covers.
pub const SCENARIOS: &[Scenario] = &[
    sc("xdp", None),
    sc("xdp", Some("xdp_devmap")),
    sc("xdp", Some("xdp_cpumap")),
    sc("sched_cls", None),
    sc("cgroup_skb", Some("cgroup_inet_ingress")),
    sc("lwt_xmit", None),
    sc("sk_skb", Some("sk_skb_stream_verdict")),
    sc("sk_msg", Some("sk_msg_verdict")),
    sc("sk_reuseport", None),
    sc("cgroup_sock_addr", Some("cgroup_inet4_connect")),
    sc("cgroup_sock_addr", Some("cgroup_inet6_connect")),
    sc("cgroup_sock_addr", Some("cgroup_udp4_sendmsg")),
    sc("cgroup_sock_addr", Some("cgroup_udp6_sendmsg")),
    sc("cgroup_sock_addr", Some("cgroup_udp6_recvmsg")),
    sc("cgroup_sock_addr", None),
    sc("cgroup_sock", Some("cgroup_inet_sock_create")),
    sc("cgroup_sock", Some("cgroup_inet4_post_bind")),
    sc("cgroup_sock", Some("cgroup_inet6_post_bind")),
    sc("cgroup_sockopt", Some("cgroup_getsockopt")),
    sc("cgroup_sockopt", Some("cgroup_setsockopt")),
    sc("sock_ops", None),
    sc("kprobe", None),
    sc("perf_event", None),
];

impl Scenario {
    /// The context layout at the attach type.
    pub fn context(&self) -> &'static ContextLayout {
        let t = LINUX.program_type(self.prog_type).expect("known type");
        LINUX
            .context_at(t, self.attach)
            .expect("attach type of the type")
    }

    /// Verifier options for the attach type.
    pub fn options(&self) -> ebpf_verifier::Options {
        ebpf_verifier::Options {
            attach_type: self
                .attach
                .map(|a| LINUX.attach_type(a).expect("known attach type")),
            ..ebpf_verifier::Options::default()
        }
    }
}

/// Byte `i` of the context is in one of the fields `names` of `layout`.
fn in_fields(layout: &ContextLayout, names: &[&str], i: u32) -> bool {
    names.iter().any(|n| {
        let f = layout
            .field(n)
            .unwrap_or_else(|| panic!("{} has no field {n}", layout.name));
        // Linux still takes the 4-byte loads of `bpf_sock.dst_port` that programs built
        // against its older UAPI (a `__u32`) make: the two padding bytes after it read as 0,
        // and the platform lets them be read.
        let size = if (layout.name, f.name) == ("bpf_sock", "dst_port") {
            4
        } else {
            f.size
        };
        f.offset <= i && i < f.offset + size
    })
}

/// Value size of the hash, array, read-only array and unmodelled maps, and of the inner arrays.
pub const VALUE: u32 = 16;
/// Value size of the LPM trie, devmap, queue, stack, bloom filter and inner hashes.
pub const SMALL_VALUE: u32 = 8;

/// Map fds: one map of every kind.
pub const HASH: i32 = 1;
pub const ARRAY: i32 = 2;
pub const LPM: i32 = 3;
pub const PROG_ARRAY: i32 = 4;
pub const PERF: i32 = 5;
pub const RINGBUF: i32 = 6;
pub const ARRAY_OF_MAPS: i32 = 7;
pub const HASH_OF_MAPS: i32 = 8;
pub const STACK_TRACE: i32 = 9;
pub const CGROUPS: i32 = 10;
pub const DEVMAP: i32 = 11;
pub const SOCKMAP: i32 = 12;
pub const CPUMAP: i32 = 13;
pub const XSKMAP: i32 = 14;
pub const SOCKHASH: i32 = 15;
pub const REUSEPORT: i32 = 16;
pub const QUEUE: i32 = 17;
pub const STACK: i32 = 18;
pub const BLOOM: i32 = 19;
pub const OTHER: i32 = 20;
pub const RDONLY: i32 = 21;
/// Most fds.
pub const MAPS: i32 = 21;

/// The maps, by fd (1 to [`MAPS`]).
pub fn maps() -> Vec<MapInfo> {
    let m = MapInfo::new;
    let of_maps = |fd, kind, inner_kind, value_size| MapInfo {
        inner: Some(InnerMap {
            kind: inner_kind,
            key_size: 4,
            value_size,
            max_entries: 4,
            flags: 0,
        }),
        ..MapInfo::new(fd, kind, 4, 4, 4)
    };
    vec![
        m(HASH, MapKind::Hash, 4, VALUE, 4),
        m(ARRAY, MapKind::Array, 4, VALUE, 4),
        m(LPM, MapKind::LpmTrie, 8, SMALL_VALUE, 4),
        m(PROG_ARRAY, MapKind::ProgArray, 4, 4, 4),
        m(PERF, MapKind::PerfEventArray, 4, 4, 4),
        m(RINGBUF, MapKind::RingBuf, 0, 0, 4096),
        of_maps(ARRAY_OF_MAPS, MapKind::ArrayOfMaps, MapKind::Array, VALUE),
        of_maps(
            HASH_OF_MAPS,
            MapKind::HashOfMaps,
            MapKind::Hash,
            SMALL_VALUE,
        ),
        m(STACK_TRACE, MapKind::StackTrace, 4, 64, 4),
        m(CGROUPS, MapKind::CgroupArray, 4, 4, 4),
        m(DEVMAP, MapKind::DevMap, 4, SMALL_VALUE, 4),
        m(SOCKMAP, MapKind::SockMap, 4, 8, 4),
        m(CPUMAP, MapKind::CpuMap, 4, SMALL_VALUE, 4),
        m(XSKMAP, MapKind::XskMap, 4, 4, 4),
        m(SOCKHASH, MapKind::SockHash, 4, 8, 4),
        m(REUSEPORT, MapKind::ReuseportSockArray, 4, 8, 4),
        m(QUEUE, MapKind::Queue, 0, SMALL_VALUE, 4),
        m(STACK, MapKind::Stack, 0, SMALL_VALUE, 4),
        m(BLOOM, MapKind::BloomFilter, 0, SMALL_VALUE, 4),
        m(OTHER, MapKind::Other(99), 4, VALUE, 4),
        MapInfo {
            flags: BPF_F_RDONLY_PROG,
            ..m(RDONLY, MapKind::Array, 4, VALUE, 1)
        },
    ]
}

/// The address a map's `lddw` gives (a handle: no region holds it).
pub const fn map_addr(fd: i32) -> u64 {
    0xdead_0000 + fd as u64
}

/// The inner maps' handles: the array (in the array of maps) and the hash (in the hash of
/// maps).
const INNER_ARRAY: u64 = 0xdead_1001;
const INNER_HASH: u64 = 0xdead_1002;

/// The value regions a lookup may give, in grant order.
#[derive(Clone, Copy)]
enum Val {
    Hash,
    Array,
    Lpm,
    InnerArray,
    InnerHash,
    Dev,
    Rdonly,
}

const VALS: [(Val, u32, bool); 7] = [
    (Val::Hash, VALUE, false),
    (Val::Array, VALUE, false),
    (Val::Lpm, SMALL_VALUE, false),
    (Val::InnerArray, VALUE, false),
    (Val::InnerHash, SMALL_VALUE, false),
    (Val::Dev, SMALL_VALUE, true),
    (Val::Rdonly, VALUE, true),
];

/// The helpers, on the maps above; every call and the bytes it reads go into `log`.
struct Host {
    ctx: u64,
    values: [u64; 7],
    seed: u64,
    log: Vec<u64>,
}

impl Host {
    fn next(&mut self) -> u64 {
        self.seed = self
            .seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.seed >> 33
    }

    fn read(&mut self, mem: &Memory<'_>, addr: u64, len: u64) -> Result<(), HelperError> {
        if len > 0 {
            let bytes = mem.slice(addr, len as usize)?;
            let digest = bytes.iter().fold(0xcbf29ce484222325u64, |h, &b| {
                (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
            });
            self.log.push(digest);
        }
        Ok(())
    }

    fn ctx(&self, id: u32, arg: u64) -> Result<(), HelperError> {
        if arg == self.ctx {
            Ok(())
        } else {
            Err(HelperError::failed(
                id,
                "a context argument that is not the context",
            ))
        }
    }

    /// Any other helper, by its Linux prototype: the context argument checked, the memory it
    /// reads read and the memory it writes written (with the size the next argument gives),
    /// a number returned, or null for a helper that returns a pointer (which every such helper
    /// may return). Map arguments are not checked here.
    fn by_prototype(
        &mut self,
        id: u32,
        args: [u64; 5],
        mem: &mut Memory<'_>,
    ) -> Result<u64, HelperError> {
        use ebpf_verifier::platform::{ArgKind, RetKind};
        let Some(h) = LINUX.helper(ebpf_verifier::HelperId(id)) else {
            return Err(HelperError::unknown(id));
        };
        for i in 0..5 {
            let sized = i < 4 && matches!(h.args[i + 1], ArgKind::Size | ArgKind::SizeOrZero);
            let len = if sized { args[i + 1] } else { 0 };
            match h.args[i] {
                ArgKind::Ctx => self.ctx(id, args[i])?,
                ArgKind::ReadMem => self.read(mem, args[i], len)?,
                ArgKind::WriteMem | ArgKind::UpdateMem if len > 0 => {
                    mem.slice_mut(args[i], len as usize)?.fill(0x3c);
                }
                _ => {}
            }
        }
        Ok(match h.ret {
            RetKind::Scalar => self.next(),
            RetKind::U32 => self.next() & 0xffff_ffff,
            _ => 0,
        })
    }

    /// A lookup's result: a value of `v`, or null.
    fn value_or_null(&mut self, v: Val) -> u64 {
        if self.next() & 1 == 0 {
            0
        } else {
            self.values[v as usize]
        }
    }
}

const fn is(map: u64, fd: i32) -> bool {
    map == map_addr(fd)
}

impl Helpers for Host {
    fn call(&mut self, id: u32, args: [u64; 5], mem: &mut Memory<'_>) -> Result<u64, HelperError> {
        self.log.push(u64::from(id));
        self.log.extend_from_slice(&args);
        let fail = |why| Err(HelperError::failed(id, why));
        let m = args[0];
        let key4 = |h: &mut Host, mem: &Memory<'_>, a| h.read(mem, a, 4);
        match id {
            // Lookups: plain values, a devmap's read-only value, an inner map, or nothing.
            1 => {
                let (key, v) = match m {
                    _ if is(m, HASH) => (4, Some(Val::Hash)),
                    _ if is(m, ARRAY) => (4, Some(Val::Array)),
                    _ if is(m, LPM) => (8, Some(Val::Lpm)),
                    _ if is(m, RDONLY) => (4, Some(Val::Rdonly)),
                    _ if is(m, DEVMAP) => (4, Some(Val::Dev)),
                    INNER_ARRAY => (4, Some(Val::InnerArray)),
                    INNER_HASH => (4, Some(Val::InnerHash)),
                    _ if is(m, ARRAY_OF_MAPS) || is(m, HASH_OF_MAPS) => (4, None),
                    _ => return fail("a lookup in a map whose lookups give programs nothing"),
                };
                self.read(mem, args[1], key)?;
                Ok(match v {
                    Some(v) => self.value_or_null(v),
                    None if self.next() & 1 == 0 => 0,
                    None if is(m, ARRAY_OF_MAPS) => INNER_ARRAY,
                    None => INNER_HASH,
                })
            }
            // Update and delete: writable data maps only.
            2 | 3 => {
                let (key, value) = match m {
                    _ if is(m, HASH) || is(m, ARRAY) => (4, VALUE),
                    _ if is(m, LPM) => (8, SMALL_VALUE),
                    INNER_ARRAY => (4, VALUE),
                    INNER_HASH => (4, SMALL_VALUE),
                    _ => return fail("an update or delete of a map that is not writable data"),
                };
                self.read(mem, args[1], key)?;
                if id == 2 {
                    self.read(mem, args[2], u64::from(value))?;
                }
                Ok(self.next() & 1)
            }
            // Tail calls: a program array; a success ends the run.
            12 => {
                self.ctx(id, args[0])?;
                if !is(args[1], PROG_ARRAY) {
                    return fail("a tail call through a map that is not a program array");
                }
                if self.next() & 1 == 0 {
                    Err(HelperError::stop(args[2]))
                } else {
                    Ok(-2i64 as u64)
                }
            }
            25 => {
                self.ctx(id, args[0])?;
                if !is(args[1], PERF) {
                    return fail("perf_event_output to a map that is not a perf event array");
                }
                self.read(mem, args[3], args[4])?;
                Ok(0)
            }
            27 => {
                self.ctx(id, args[0])?;
                if !is(args[1], STACK_TRACE) {
                    return fail("get_stackid on a map that is not a stack trace map");
                }
                Ok(self.next() & 3)
            }
            33 | 37 => {
                let map = if id == 33 {
                    self.ctx(id, args[0])?;
                    args[1]
                } else {
                    args[0]
                };
                if !is(map, CGROUPS) {
                    return fail("a cgroup test on a map that is not a cgroup array");
                }
                Ok(self.next() & 1)
            }
            51 => {
                if !(is(m, DEVMAP) || is(m, CPUMAP) || is(m, XSKMAP)) {
                    return fail(
                        "redirect_map through a map that is not a devmap, cpumap or xskmap",
                    );
                }
                Ok(4)
            }
            // Socket redirects (sk_skb, sk_msg): a socket map by index, a socket hash by key.
            52 | 60 | 72 | 71 => {
                self.ctx(id, args[0])?;
                let want = if id == 52 || id == 60 {
                    SOCKMAP
                } else {
                    SOCKHASH
                };
                if !is(args[1], want) {
                    return fail("a socket redirect through a map that is not its socket map");
                }
                if id == 72 || id == 71 {
                    key4(self, mem, args[2])?;
                }
                Ok(1)
            }
            82 => {
                self.ctx(id, args[0])?;
                if !(is(args[1], REUSEPORT) || is(args[1], SOCKMAP) || is(args[1], SOCKHASH)) {
                    return fail("select_reuseport from a map that holds no sockets");
                }
                key4(self, mem, args[2])?;
                Ok(0)
            }
            // Queues, stacks and bloom filters: push reads a value (not into a read-only map);
            // pop and peek (queues and stacks) write the whole value.
            87 => {
                if !(is(m, QUEUE) || is(m, STACK) || is(m, BLOOM)) {
                    return fail("push into a map that is not a queue, stack or bloom filter");
                }
                self.read(mem, args[1], u64::from(SMALL_VALUE))?;
                Ok(0)
            }
            88 | 89 => {
                if !(is(m, QUEUE) || is(m, STACK)) {
                    return fail("pop or peek of a map that is not a queue or stack");
                }
                let hit = self.next() & 1 == 0;
                let out = mem.slice_mut(args[1], SMALL_VALUE as usize)?;
                out.fill(if hit { 0x5a } else { 0 });
                Ok(if hit { 0 } else { -2i64 as u64 })
            }
            130 | 134 => {
                if !is(m, RINGBUF) {
                    return fail("a ring buffer helper on a map that is not a ring buffer");
                }
                if id == 130 {
                    self.read(mem, args[1], args[2])?;
                }
                Ok(0)
            }
            _ => self.by_prototype(id, args, mem),
        }
    }

    fn lddw(
        &mut self,
        src: LddwSrc,
        imm: i32,
        next_imm: i32,
        _: &mut Memory<'_>,
    ) -> Result<u64, HelperError> {
        match src {
            LddwSrc::MapFd if (1..=MAPS).contains(&imm) => Ok(map_addr(imm)),
            // Direct value access: the arrays' first value.
            LddwSrc::MapValue if imm == ARRAY => {
                Ok(self.values[Val::Array as usize].wrapping_add(next_imm as u32 as u64))
            }
            LddwSrc::MapValue if imm == RDONLY => {
                Ok(self.values[Val::Rdonly as usize].wrapping_add(next_imm as u32 as u64))
            }
            _ => Err(HelperError::unknown(0)),
        }
    }
}

/// What one run did: `r0` (or the tail call's code), the memory it could change, the helper
/// log.
#[derive(Debug, PartialEq, Eq)]
struct Trace {
    r0: u64,
    ctx: Vec<u8>,
    packet: Vec<u8>,
    values: Vec<Vec<u8>>,
    log: Vec<u64>,
}

fn xorshift(x: &mut u64) -> u8 {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    *x as u8
}

/// One run on a packet of `len` bytes with `poison` in the context's unreadable bytes.
fn run_once(
    prog: &Program,
    budget: u64,
    scenario: &Scenario,
    len: usize,
    seed: u64,
    poison: u8,
) -> Result<Trace, String> {
    let layout = scenario.context();
    let (readable, writable) = linux_fields(scenario);
    let meta = if layout.data_meta.is_some() {
        [0usize, 4, 8, 32][(seed % 4) as usize]
    } else {
        0
    };
    let mut x = seed | 1;
    let mut region: Vec<u8> = (0..meta + len).map(|_| xorshift(&mut x)).collect();
    let mut vals: Vec<Vec<u8>> = VALS
        .iter()
        .map(|&(_, size, _)| (0..size).map(|_| xorshift(&mut x)).collect())
        .collect();
    let size = layout.size as usize;
    let mut ctx: Vec<u8> = (0..layout.host_size()).map(|_| xorshift(&mut x)).collect();
    for (i, b) in ctx[..size].iter_mut().enumerate() {
        if !in_fields(layout, readable, i as u32) {
            *b = poison;
        }
    }
    let mut mem = Memory::without_input();
    let meta_start = mem.grant(&mut region).unwrap();
    let start = meta_start + meta as u64;
    let mut values = [0u64; 7];
    for (i, v) in vals.iter_mut().enumerate() {
        values[i] = if VALS[i].2 {
            mem.grant_readonly(v).unwrap()
        } else {
            mem.grant(v).unwrap()
        };
    }
    let pointers = [
        (layout.data, start),
        (layout.data_end, start + len as u64),
        (layout.data_meta, meta_start),
    ];
    if let Some(host) = layout.host {
        let slots = [host.data, host.data_end, host.data_meta];
        for (i, at) in slots.iter().enumerate() {
            let p = if i == 2 && layout.data_meta.is_none() {
                start
            } else {
                pointers[i].1
            };
            ctx[*at as usize..*at as usize + 8].copy_from_slice(&p.to_le_bytes());
        }
    } else {
        for (field, p) in pointers {
            if let Some(f) = field {
                ctx[f as usize..f as usize + 8].copy_from_slice(&p.to_le_bytes());
            }
        }
    }
    let before = ctx.clone();
    let r1 = mem.set_input(&mut ctx);
    let mut host = Host {
        ctx: r1,
        values,
        seed,
        log: Vec::new(),
    };
    let where_ =
        || format!("packet of {len} bytes, {meta} of metadata, seed {seed}, poison {poison:#x}");
    let r0 = match Vm::new(Config { budget }).run_in(prog, [r1, 0, 0, 0, 0], &mut mem, &mut host) {
        Ok(o) => o.r0,
        Err(f) => match f.kind() {
            FaultKind::Stopped { code, .. } => code ^ 0x7a11_ca11,
            _ => return Err(format!("{}: {f}", where_())),
        },
    };
    for (i, (a, b)) in before.iter().zip(&ctx).enumerate() {
        if a != b && !in_fields(layout, writable, i as u32) {
            return Err(format!(
                "{}: context byte {i} changed, which is not writable at this attach type",
                where_()
            ));
        }
    }
    Ok(Trace {
        r0,
        ctx: ctx[..size]
            .iter()
            .enumerate()
            .map(|(i, &b)| {
                let i = i as u32;
                if in_fields(layout, readable, i) || in_fields(layout, writable, i) {
                    b
                } else {
                    0
                }
            })
            .collect(),
        packet: region,
        values: vals,
        log: host.log,
    })
}

/// The packet lengths each accepted program runs on.
pub const LENGTHS: [usize; 8] = [0, 1, 13, 14, 15, 34, 64, 1500];

/// Runs an accepted program of `scenario` on every length, each twice with different poisons;
/// `Err` names the fault or the difference.
pub fn run_checked(
    prog: &Program,
    budget: u64,
    scenario: &Scenario,
    seed: u64,
) -> Result<(), String> {
    for (i, &len) in LENGTHS.iter().enumerate() {
        let seed = seed.wrapping_mul(31).wrapping_add(i as u64);
        let a = run_once(prog, budget, scenario, len, seed, 0x00)?;
        let b = run_once(prog, budget, scenario, len, seed, 0xa7)?;
        if a != b {
            return Err(format!(
                "packet of {len} bytes, seed {seed}: the run depends on context bytes that are not readable at this attach type (r0 {:#x} vs {:#x})",
                a.r0, b.r0
            ));
        }
    }
    Ok(())
}

/// Checks one fuzzer input: the whole 8-byte slots are the program (as for the
/// [`check`](super::check) of the same bytes), and the number of slots plus the bytes after the
/// last whole slot pick the scenario. `Err` describes an accepted program that faulted or
/// broke its context's fields.
pub fn check(data: &[u8]) -> Result<(), String> {
    let usable = data.len() / 8 * 8;
    let pick = data[usable..]
        .iter()
        .fold(usable / 8, |n, &b| n.wrapping_add(usize::from(b)));
    let scenario = &SCENARIOS[pick % SCENARIOS.len()];
    let Ok(insns) = ebpf_isa::decode(&data[..usable]) else {
        return Ok(());
    };
    if insns.len() > 512 {
        return Ok(());
    }
    let Ok(valid) = ebpf_isa::Program::from_insns(insns.as_slice()) else {
        return Ok(());
    };
    let Ok(v) = ebpf_verifier::verify_with(
        &valid,
        &LINUX,
        scenario.prog_type,
        &maps(),
        &scenario.options(),
    ) else {
        return Ok(());
    };
    let budget = v.instruction_bound();
    let prog = Program::new(v.into_runnable());
    run_checked(&prog, budget, scenario, pick as u64).map_err(|e| {
        format!(
            "accepted {} program ({:?}) faults: {e}\n{}",
            scenario.prog_type,
            scenario.attach,
            ebpf_isa::disasm::disassemble(&insns)
        )
    })
}
