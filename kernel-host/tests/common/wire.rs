//! Helpers of the protocol tests: requests sent as bytes through an `ExecutionContext` and
//! their replies decoded.

#![allow(dead_code)]

use super::common::*;
use ebpf_kernel_host::protocol::{
    decode_reply, encode_request, ErrorKind, ExecutionContext, Op, ProtocolError, Reply, Request,
    StrList, WireEngine, WireMapDef, VERSION,
};
use ebpf_kernel_host::ObjectKind;
use ebpf_platform::LINUX;

pub const HASH: u32 = 1; // BPF_MAP_TYPE_HASH
pub const ARRAY: u32 = 2; // BPF_MAP_TYPE_ARRAY

pub fn context() -> ExecutionContext {
    ExecutionContext::new(host(&LINUX).0)
}

/// Sends `request` as bytes with a reply buffer of `cap` bytes; returns the reply bytes.
pub fn exchange(ctx: &mut ExecutionContext, request: &Request<'_>, cap: usize) -> Vec<u8> {
    let mut bytes = Vec::new();
    encode_request(request, 77, &mut bytes);
    let mut reply = vec![0u8; cap];
    let n = ctx.handle(&bytes, &mut reply);
    reply.truncate(n);
    reply
}

/// Sends `request` and passes the decoded reply to `f`.
pub fn rpc<R>(
    ctx: &mut ExecutionContext,
    request: &Request<'_>,
    f: impl FnOnce(Reply<'_>) -> R,
) -> Result<R, ProtocolError> {
    let bytes = exchange(ctx, request, 1 << 20);
    let (header, reply) = decode_reply(request.op(), &bytes);
    let header = header.expect("a header");
    assert_eq!(
        (header.version, header.op, header.request_id),
        (VERSION, request.op().code(), 77)
    );
    reply.map(f)
}

pub fn ok<R>(
    ctx: &mut ExecutionContext,
    request: &Request<'_>,
    f: impl FnOnce(Reply<'_>) -> R,
) -> R {
    rpc(ctx, request, f).unwrap_or_else(|e| panic!("{:?}: {e}", request.op()))
}

pub fn done(ctx: &mut ExecutionContext, request: &Request<'_>) {
    ok(ctx, request, |r| assert_eq!(r, Reply::Done));
}

pub fn fails(ctx: &mut ExecutionContext, request: &Request<'_>, kind: ErrorKind) -> ProtocolError {
    let e = rpc(ctx, request, |r| format!("{r:?}"))
        .expect_err(&format!("{:?} should fail", request.op()));
    assert_eq!(e.kind(), kind, "{e}");
    assert!(!e.message().is_empty(), "an error names its cause: {e}");
    e
}

/// Opens a handle: (handle, id).
pub fn opened(ctx: &mut ExecutionContext, request: &Request<'_>) -> (u32, u32) {
    ok(ctx, request, |r| match r {
        Reply::Handle { handle, id, .. } => (handle, id),
        other => panic!("{other:?}"),
    })
}

pub fn create(
    ctx: &mut ExecutionContext,
    t: u32,
    key: u32,
    value: u32,
    max: u32,
    name: &str,
) -> u32 {
    let def = WireMapDef {
        map_type: t,
        key_size: key,
        value_size: value,
        max_entries: max,
        flags: 0,
    };
    opened(
        ctx,
        &Request::CreateMap {
            def,
            inner: None,
            name,
        },
    )
    .0
}

pub fn lookup(ctx: &mut ExecutionContext, map: u32, key: &[u8]) -> Result<Vec<u8>, ProtocolError> {
    rpc(ctx, &Request::MapLookup { map, key }, |r| match r {
        Reply::Value { value } => value.to_vec(),
        other => panic!("{other:?}"),
    })
}

pub fn lookup_u64(ctx: &mut ExecutionContext, map: u32, key: &[u8]) -> u64 {
    let v = lookup(ctx, map, key).unwrap_or_else(|e| panic!("{e}"));
    u64::from_ne_bytes(v.try_into().expect("8 bytes"))
}

pub fn update(ctx: &mut ExecutionContext, map: u32, key: &[u8], value: &[u8]) {
    done(
        ctx,
        &Request::MapUpdate {
            map,
            key,
            value,
            flags: 0,
        },
    );
}

pub fn load_file(ctx: &mut ExecutionContext, name: &str) -> Vec<(ObjectKind, u32, u32, String)> {
    let object = std::fs::read(object_path(name)).expect("test object");
    let request = Request::LoadObject {
        object: &object,
        engine: WireEngine::Interpreter,
        program_type: None,
        functions: StrList::EMPTY,
    };
    ok(ctx, &request, |r| match r {
        Reply::Loaded { objects } => objects
            .iter()
            .map(|o| (o.kind, o.handle, o.id, o.name.to_string()))
            .collect(),
        other => panic!("{other:?}"),
    })
}

pub fn find(objects: &[(ObjectKind, u32, u32, String)], name: &str) -> (u32, u32) {
    let o = objects.iter().find(|o| o.3 == name).expect(name);
    (o.1, o.2)
}

pub fn decode_list(bytes: &[u8]) -> StrList<'_> {
    // A list is decoded as part of a load request's payload.
    let mut payload = vec![0u8, 0];
    payload.extend_from_slice(bytes);
    payload.extend_from_slice(&0u32.to_le_bytes());
    let leaked: &'static [u8] = Box::leak(payload.into_boxed_slice());
    match Request::decode(Op::LoadObject, leaked).unwrap() {
        Request::LoadObject { functions, .. } => functions,
        other => panic!("{other:?}"),
    }
}
