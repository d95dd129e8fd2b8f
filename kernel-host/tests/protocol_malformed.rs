//! The protocol on malformed input: every truncation of valid requests, bad versions,
//! operations and lengths, malformed fields, stale and unknown handles, reply buffers too
//! small, and the limits that bound what a request can cost.

mod common;
#[path = "common/wire.rs"]
mod wire;

use common::*;
use ebpf_kernel_host::protocol::{
    decode_reply, encode_request, Client, ErrorKind, ExecutionContext, Header, Limits, Op,
    ProtocolError, Reply, Request, StrList, WireEngine, WireMapDef, HEADER_LEN, MAX_BATCH,
    MAX_STRING, VERSION,
};
use ebpf_kernel_host::{EbpfResult, ObjectKind};
use ebpf_platform::LINUX;
use wire::*;

/// Encodes `request` and checks that every strict prefix of it (as sent, and with the header's
/// length fixed to the shorter payload) gets an error reply.
fn every_truncation_fails(ctx: &mut ExecutionContext, request: &Request<'_>) {
    let mut bytes = Vec::new();
    encode_request(request, 5, &mut bytes);
    let mut reply = vec![0u8; 4096];
    for len in 0..bytes.len() {
        let mut cut = bytes[..len].to_vec();
        for fix in [false, true] {
            if fix && len >= HEADER_LEN {
                cut[8..12].copy_from_slice(&((len - HEADER_LEN) as u32).to_le_bytes());
            }
            let n = ctx.handle(&cut, &mut reply);
            let (header, result) = decode_reply(request.op(), &reply[..n]);
            let header = header.expect("an error reply has a header");
            let e = result.expect_err("a truncated request fails");
            assert!(
                matches!(e.kind(), ErrorKind::Truncated | ErrorKind::Malformed),
                "{:?} cut to {len}: {e}",
                request.op()
            );
            if len >= HEADER_LEN {
                assert_eq!(header.request_id, 5);
            }
        }
    }
}

#[test]
fn every_truncation_of_valid_requests_fails() {
    let mut ctx = context();
    let map = create(&mut ctx, HASH, 4, 8, 8, "m");
    let object = std::fs::read(object_path("maps.o")).unwrap();
    let functions = ["xdp_hash"];
    let mut list = Vec::new();
    {
        let mut w = ebpf_kernel_host::protocol::Writer::new(&mut []);
        StrList::write_items(&mut w, &functions);
        list.resize(w.needed(), 0);
        StrList::write_items(
            &mut ebpf_kernel_host::protocol::Writer::new(&mut list),
            &functions,
        );
    }
    let requests = [
        Request::CreateMap {
            def: WireMapDef {
                map_type: HASH,
                key_size: 4,
                value_size: 8,
                max_entries: 8,
                flags: 0,
            },
            inner: Some(WireMapDef {
                map_type: ARRAY,
                key_size: 4,
                value_size: 4,
                max_entries: 1,
                flags: 0,
            }),
            name: "name",
        },
        Request::MapUpdate {
            map,
            key: &k32(1),
            value: &v64(2),
            flags: 0,
        },
        Request::MapNextKey {
            map,
            key: Some(&k32(1)),
        },
        Request::MapLookupBatch {
            map,
            after: None,
            max_count: 3,
            delete: false,
        },
        Request::TestRun {
            program: 1,
            repeat: 1,
            data: &[1, 2, 3],
            ctx: Some(&[0; 4]),
        },
        Request::Pin {
            handle: map,
            path: "/p",
        },
        Request::NextId {
            kind: ObjectKind::Map,
            after: 0,
        },
        Request::EpochSynchronize,
    ];
    for r in &requests {
        every_truncation_fails(&mut ctx, r);
    }
    // A load request: every cut of its header and fields (the ELF bytes are one field).
    let load_request = Request::LoadObject {
        object: &object[..64],
        engine: WireEngine::Interpreter,
        program_type: Some("xdp"),
        functions: decode_list(&list),
    };
    every_truncation_fails(&mut ctx, &load_request);
    assert_eq!(ctx.handles().len(), 1, "no failed request opened a handle");
}

/// A raw request: header fields and payload.
fn raw(version: u16, op: u16, length: u32, status: u32, payload: &[u8]) -> Vec<u8> {
    let mut out = Header {
        version,
        op,
        request_id: 9,
        length,
        status,
    }
    .to_bytes()
    .to_vec();
    out.extend_from_slice(payload);
    out
}

fn raw_error(ctx: &mut ExecutionContext, request: &[u8]) -> ProtocolError {
    let mut reply = vec![0u8; 1024];
    let n = ctx.handle(request, &mut reply);
    let (_, result) = decode_reply(Op::EpochSynchronize, &reply[..n]);
    let e = result.expect_err("an error reply");
    assert!(!e.message().is_empty());
    e
}

#[test]
fn bad_headers_get_error_replies() {
    let mut ctx = context();
    let sync = Op::EpochSynchronize.code();
    let e = raw_error(&mut ctx, &raw(2, sync, 0, 0, &[]));
    assert_eq!(e.kind(), ErrorKind::BadVersion);
    assert!(e.message().contains("version 2"), "{e}");
    let e = raw_error(&mut ctx, &raw(VERSION, 999, 0, 0, &[]));
    assert_eq!(e.kind(), ErrorKind::UnknownOp);
    assert_eq!(
        raw_error(&mut ctx, &raw(VERSION, 0, 0, 0, &[])).kind(),
        ErrorKind::UnknownOp
    );
    let e = raw_error(&mut ctx, &raw(VERSION, sync, u32::MAX, 0, &[]));
    assert_eq!(e.kind(), ErrorKind::Limit, "{e}");
    let e = raw_error(&mut ctx, &raw(VERSION, sync, 100, 0, &[0; 10]));
    assert_eq!(e.kind(), ErrorKind::Truncated);
    let e = raw_error(&mut ctx, &raw(VERSION, sync, 0, 0, &[0; 3]));
    assert_eq!(e.kind(), ErrorKind::Malformed, "trailing bytes");
    let e = raw_error(&mut ctx, &raw(VERSION, sync, 0, 7, &[]));
    assert_eq!(e.kind(), ErrorKind::Malformed, "a request's status is 0");
    let e = raw_error(&mut ctx, &[1, 0, 25]);
    assert_eq!(e.kind(), ErrorKind::Truncated);
    // A request above the size limit, whatever its header says.
    let mut small = ExecutionContext::with_limits(
        host(&LINUX).0,
        Limits {
            max_message: 64,
            ..Limits::default()
        },
    );
    let e = raw_error(&mut small, &raw(VERSION, sync, 100, 0, &[0; 100]));
    assert_eq!(e.kind(), ErrorKind::Limit);
    // Malformed fields: a flag byte, UTF-8, a string too long, an unknown kind or map type.
    let create = Op::CreateMap.code();
    let mut p = Vec::new();
    for v in [HASH, 4, 8, 8, 0] {
        p.extend_from_slice(&v.to_le_bytes());
    }
    let with = |tail: &[u8]| {
        let mut q = p.clone();
        q.extend_from_slice(tail);
        raw(VERSION, create, q.len() as u32, 0, &q)
    };
    assert_eq!(
        raw_error(&mut ctx, &with(&[2, 0, 0, 0, 0])).kind(),
        ErrorKind::Malformed
    );
    assert_eq!(
        raw_error(&mut ctx, &with(&[0, 2, 0, 0, 0, 0xff, 0xfe])).kind(),
        ErrorKind::Malformed
    );
    let mut long = vec![0u8];
    long.extend_from_slice(&(MAX_STRING as u32 + 1).to_le_bytes());
    long.extend(std::iter::repeat_n(b'a', MAX_STRING + 1));
    assert_eq!(raw_error(&mut ctx, &with(&long)).kind(), ErrorKind::Limit);
    let next_id = raw(VERSION, Op::NextId.code(), 8, 0, &[9, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(raw_error(&mut ctx, &next_id).kind(), ErrorKind::Malformed);
    let mut unknown = Vec::new();
    for v in [4000u32, 4, 8, 8, 0] {
        unknown.extend_from_slice(&v.to_le_bytes());
    }
    unknown.extend_from_slice(&[0, 0, 0, 0, 0]);
    let e = raw_error(
        &mut ctx,
        &raw(VERSION, create, unknown.len() as u32, 0, &unknown),
    );
    assert_eq!(e.kind(), ErrorKind::Malformed);
    assert!(e.message().contains("4000"), "{e}");
    assert_eq!(ctx.handles().len(), 0);
}

#[test]
fn stale_and_unknown_handles_are_refused() {
    let mut ctx = context();
    let map = create(&mut ctx, ARRAY, 4, 8, 2, "a");
    done(&mut ctx, &Request::CloseHandle { handle: map });
    let e = fails(
        &mut ctx,
        &Request::CloseHandle { handle: map },
        ErrorKind::BadHandle,
    );
    assert!(e.message().contains("closed"), "{e}");
    for handle in [0, 99, u32::MAX] {
        let e = fails(
            &mut ctx,
            &Request::ObjectInfo { handle },
            ErrorKind::BadHandle,
        );
        assert!(e.message().contains("never opened"), "{e}");
    }
    // The map ended with its last handle: its id is gone.
    ok(
        &mut ctx,
        &Request::NextId {
            kind: ObjectKind::Map,
            after: 0,
        },
        |r| assert_eq!(r, Reply::Id { id: 0 }),
    );
    // A new handle never reuses the closed number.
    let again = create(&mut ctx, ARRAY, 4, 8, 2, "b");
    assert_ne!(again, map);
}

#[test]
fn small_reply_buffers_get_an_error_and_lose_nothing() {
    let mut ctx = context();
    let map = create(&mut ctx, HASH, 4, 64, 8, "wide");
    update(&mut ctx, map, &k32(1), &[7u8; 64]);
    let read = Request::MapLookup { map, key: &k32(1) };
    let full = exchange(&mut ctx, &read, 4096).len();
    assert_eq!(full, HEADER_LEN + 4 + 64);
    for cap in 0..full {
        let bytes = exchange(&mut ctx, &read, cap);
        if cap < HEADER_LEN {
            assert!(bytes.is_empty(), "no room for a header: nothing written");
            continue;
        }
        assert!(bytes.len() <= cap);
        let (header, result) = decode_reply(Op::MapLookup, &bytes);
        assert_eq!(header.unwrap().status, ErrorKind::ReplyTooSmall.code());
        let e = result.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ReplyTooSmall);
        if cap >= HEADER_LEN + 16 {
            assert_eq!(e.detail() as usize, full, "the size needed");
            assert_eq!(e.ebpf_result(), EbpfResult::InsufficientBuffer);
        }
    }
    // Operations with lasting effects check first: nothing is created or deleted.
    let def = WireMapDef {
        map_type: ARRAY,
        key_size: 4,
        value_size: 4,
        max_entries: 1,
        flags: 0,
    };
    let create = Request::CreateMap {
        def,
        inner: None,
        name: "x",
    };
    let before = ctx.handles().len();
    let bytes = exchange(&mut ctx, &create, HEADER_LEN + 8);
    assert_eq!(
        decode_reply(Op::CreateMap, &bytes).1.unwrap_err().kind(),
        ErrorKind::ReplyTooSmall
    );
    assert_eq!(ctx.handles().len(), before);
    let take = Request::MapLookupAndDelete { map, key: &k32(1) };
    let bytes = exchange(&mut ctx, &take, HEADER_LEN + 40);
    assert!(decode_reply(Op::MapLookupAndDelete, &bytes).1.is_err());
    assert_eq!(
        lookup(&mut ctx, map, &k32(1)).unwrap(),
        [7u8; 64],
        "still there"
    );
    // A batch returns what fits, and says more are left.
    update(&mut ctx, map, &k32(2), &[8u8; 64]);
    let batch = Request::MapLookupBatch {
        map,
        after: None,
        max_count: 10,
        delete: true,
    };
    let bytes = exchange(&mut ctx, &batch, HEADER_LEN + 13 + 68 + 10);
    match decode_reply(Op::MapLookupBatch, &bytes).1.unwrap() {
        Reply::Batch { count, more, .. } => assert_eq!((count, more), (1, true)),
        other => panic!("{other:?}"),
    }
    // The client grows its buffer when told.
    let (left, value) = if lookup(&mut ctx, map, &k32(1)).is_ok() {
        (1, [7u8; 64])
    } else {
        (2, [8u8; 64])
    };
    assert!(
        lookup(&mut ctx, map, &k32(3 - left)).is_err(),
        "the entry returned was deleted"
    );
    let mut client = Client::with_reply_capacity(ctx, HEADER_LEN + 20);
    let reply = client.call(&Request::MapLookup {
        map,
        key: &k32(left),
    });
    assert_eq!(reply.unwrap(), Reply::Value { value: &value });
}

#[test]
fn limits_bound_what_a_request_can_cost() {
    let limits = Limits {
        max_handles: 3,
        max_map_bytes: 1 << 20,
        max_total_map_bytes: 3 << 19,
        max_repeat: 10,
        ..Limits::default()
    };
    let mut ctx = ExecutionContext::with_limits(host(&LINUX).0, limits);
    let huge = Request::CreateMap {
        def: WireMapDef {
            map_type: ARRAY,
            key_size: 4,
            value_size: 1024,
            max_entries: u32::MAX,
            flags: 0,
        },
        inner: None,
        name: "huge",
    };
    let e = fails(&mut ctx, &huge, ErrorKind::Limit);
    assert!(e.message().contains("huge"), "{e}");
    // Found by the protocol_dispatch fuzz target: the memory estimate of a hash map with the
    // largest key, value and entry count overflowed u64 (a panic with overflow checks, a
    // wrapped small estimate without them).
    let widest = Request::CreateMap {
        def: WireMapDef {
            map_type: HASH,
            key_size: u32::MAX,
            value_size: u32::MAX,
            max_entries: u32::MAX,
            flags: 0,
        },
        inner: None,
        name: "widest",
    };
    fails(&mut ctx, &widest, ErrorKind::Limit);
    let half = Request::CreateMap {
        def: WireMapDef {
            map_type: ARRAY,
            key_size: 4,
            value_size: 1024,
            max_entries: 800,
            flags: 0,
        },
        inner: None,
        name: "half",
    };
    opened(&mut ctx, &half);
    fails(&mut ctx, &half, ErrorKind::Limit); // 1.6 MB in all, above 1.5 MiB
    create(&mut ctx, HASH, 4, 8, 4, "h1");
    create(&mut ctx, HASH, 4, 8, 4, "h2");
    let e = fails(&mut ctx, &half, ErrorKind::Limit);
    assert!(e.message().contains("handles"), "{e}");
    // An object whose maps and programs need more handles than are left.
    let object = std::fs::read(object_path("maps.o")).unwrap();
    fails(
        &mut ctx,
        &Request::LoadObject {
            object: &object,
            engine: WireEngine::Interpreter,
            program_type: None,
            functions: StrList::EMPTY,
        },
        ErrorKind::Limit,
    );
    fails(
        &mut ctx,
        &Request::MapLookupBatch {
            map: 1,
            after: None,
            max_count: MAX_BATCH as u32 + 1,
            delete: false,
        },
        ErrorKind::Limit,
    );
}
