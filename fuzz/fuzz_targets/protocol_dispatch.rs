//! Feeds arbitrary message sequences to one protocol `ExecutionContext` whose host already holds
//! a loaded XDP object (tests/host/xdp_firewall.o: a hash, an LPM trie, an array, a program
//! array and two programs), opened as handles 1 to 7, so map, program-array, test-run, pin and
//! info paths are reachable. Checks that no request panics, that every reply fits its buffer
//! and has a well-formed header answering the request, and that every success reply decodes
//! with the client's decoder (the dispatcher and the client agree on every encoding).
//!
//! Input: a sequence of chunks `[mode u8][len u16 LE][len bytes]`. Mode bit 0 clear: the bytes
//! are a whole message, sent as is. Bit 0 set: the first 2 bytes are the operation and the rest
//! the payload, sent behind a valid header. Bits 1..4 pick the reply buffer's size.
//!
//! Run with `cargo +nightly fuzz run protocol_dispatch`.

#![no_main]

use std::sync::{Arc, Mutex, OnceLock};

use ebpf_kernel_host::os::StdOs;
use ebpf_kernel_host::protocol::{
    decode_reply, ExecutionContext, Header, Limits, Op, Request, HEADER_LEN, VERSION,
};
use ebpf_kernel_host::{Engine, Host, LoadOptions, Loaded, ObjectKind};
use libfuzzer_sys::fuzz_target;

const REPLY_SIZES: [usize; 16] = [
    0, 8, 16, 20, 28, 32, 40, 64, 100, 256, 512, 1024, 4096, 16384, 65536, 1 << 20,
];

struct Seed {
    host: Host,
    // Keeps the object's maps and programs alive between inputs.
    loaded: Loaded,
}

fn seed() -> &'static Seed {
    static SEED: OnceLock<Seed> = OnceLock::new();
    SEED.get_or_init(|| {
        let os = StdOs::new().with_cpu_count(2).with_trace_sink(|_| {});
        let host = Host::new(Arc::new(os), &ebpf_platform::LINUX);
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/host/xdp_firewall.o");
        let bytes = std::fs::read(path).expect("tests/host/xdp_firewall.o");
        let read = ebpf_loader::LoadOptions::new(&ebpf_platform::LINUX);
        let object = ebpf_loader::Object::parse(&bytes, &read).expect("object");
        let options = LoadOptions {
            engine: Engine::Interpreter,
            ..LoadOptions::default()
        };
        let loaded = host.load(&object, &options).expect("load");
        Seed { host, loaded }
    })
}

/// A fresh context on the shared host with the seed's objects open as handles 1, 2, ...
fn context() -> ExecutionContext {
    let seed = seed();
    let limits = Limits {
        max_handles: 64,
        max_repeat: 16,
        max_map_bytes: 1 << 20,
        max_total_map_bytes: 8 << 20,
        ..Limits::default()
    };
    let mut ctx = ExecutionContext::with_limits(seed.host.clone(), limits);
    let ids = seed
        .loaded
        .maps()
        .iter()
        .map(|m| (ObjectKind::Map, m.id()))
        .chain(
            seed.loaded
                .programs()
                .iter()
                .map(|p| (ObjectKind::Program, p.id())),
        );
    let mut request = Vec::new();
    let mut reply = [0u8; 64];
    for (kind, id) in ids {
        ebpf_kernel_host::protocol::encode_request(
            &Request::GetById { kind, id },
            0,
            &mut request,
        );
        ctx.handle(&request, &mut reply);
    }
    ctx
}

fn check(request: &[u8], reply: &[u8], cap: usize) {
    assert!(reply.len() <= cap, "reply longer than its buffer");
    if cap < HEADER_LEN {
        assert!(reply.is_empty());
        return;
    }
    let header = Header::read(reply).expect("a reply header");
    assert_eq!(header.version, VERSION);
    assert_eq!(header.length as usize, reply.len() - HEADER_LEN);
    if let Ok(asked) = Header::read(request) {
        assert_eq!((header.op, header.request_id), (asked.op, asked.request_id));
    }
    if header.status == 0 {
        let op = Op::from_code(header.op).expect("a success answers a known operation");
        let (_, decoded) = decode_reply(op, reply);
        if let Err(e) = decoded {
            panic!("the client cannot decode a {op:?} success reply: {e}");
        }
    }
}

/// The reply buffer, allocated once (a fresh megabyte per input would dominate the run).
static REPLY: Mutex<Vec<u8>> = Mutex::new(Vec::new());

fuzz_target!(|data: &[u8]| {
    let mut ctx = context();
    let mut reply = REPLY.lock().unwrap_or_else(|e| e.into_inner());
    reply.resize(1 << 20, 0);
    let mut message = Vec::new();
    let mut rest = data;
    while rest.len() >= 3 {
        let mode = rest[0];
        let len = usize::from(u16::from_le_bytes([rest[1], rest[2]])).min(rest.len() - 3);
        let body = &rest[3..3 + len];
        rest = &rest[3 + len..];
        message.clear();
        if mode & 1 == 0 {
            message.extend_from_slice(body);
        } else {
            let (op, payload) = match body {
                [a, b, payload @ ..] => (u16::from_le_bytes([*a, *b]), payload),
                _ => (0, body),
            };
            let header = Header {
                version: VERSION,
                op,
                request_id: 7,
                length: payload.len() as u32,
                status: 0,
            };
            message.extend_from_slice(&header.to_bytes());
            message.extend_from_slice(payload);
        }
        let cap = REPLY_SIZES[usize::from(mode >> 1) & 15];
        let n = ctx.handle(&message, &mut reply[..cap]);
        check(&message, &reply[..n], cap);
    }
    drop(ctx);
    // Pins outlive the context: remove them so that inputs do not pile objects up.
    let host = &seed().host;
    while let Some(path) = host.next_pin(None) {
        let _ = host.unpin(&path);
    }
});
