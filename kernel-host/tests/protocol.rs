//! The protocol end to end: whole sessions through request and reply bytes (maps, an XDP
//! object, test runs, pins, ids, info, links on the hooks, close, synchronize), program arrays
//! by handle and id, a request built byte by byte as docs/protocol.md describes it, native
//! images, and load failures. Malformed input is in `protocol_malformed.rs`.

mod common;
#[path = "common/wire.rs"]
mod wire;

use common::*;
use ebpf_kernel_host::protocol::{
    Client, ErrorKind, ExecutionContext, Header, Redirected, Reply, Request, StrList, WireEngine,
    WireMapDef, HEADER_LEN, MAX_BATCH,
};
use ebpf_kernel_host::{EbpfResult, ObjectKind};
use ebpf_platform::LINUX;
use wire::*;

#[test]
fn map_session_through_bytes() {
    let mut ctx = context();
    let counts = create(&mut ctx, HASH, 4, 8, 64, "counts");
    for k in 1u32..=3 {
        update(&mut ctx, counts, &k32(k), &v64(u64::from(k) * 10));
    }
    assert_eq!(lookup_u64(&mut ctx, counts, &k32(2)), 20);
    let e = lookup(&mut ctx, counts, &k32(9)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Map);
    assert_eq!((e.ebpf_result(), e.errno()), (EbpfResult::KeyNotFound, 2));
    // Iterate by next key.
    let mut keys = Vec::new();
    let mut at: Option<Vec<u8>> = None;
    loop {
        let next = rpc(
            &mut ctx,
            &Request::MapNextKey {
                map: counts,
                key: at.as_deref(),
            },
            |r| match r {
                Reply::Key { key } => key.to_vec(),
                other => panic!("{other:?}"),
            },
        );
        match next {
            Ok(k) => {
                keys.push(u32::from_ne_bytes(k.clone().try_into().unwrap()));
                at = Some(k);
            }
            Err(e) => {
                assert_eq!(e.ebpf_result(), EbpfResult::NoMoreKeys, "{e}");
                break;
            }
        }
    }
    keys.sort();
    assert_eq!(keys, [1, 2, 3]);
    done(
        &mut ctx,
        &Request::MapDelete {
            map: counts,
            key: &k32(1),
        },
    );
    let value = ok(
        &mut ctx,
        &Request::MapLookupAndDelete {
            map: counts,
            key: &k32(2),
        },
        |r| match r {
            Reply::Value { value } => value.to_vec(),
            other => panic!("{other:?}"),
        },
    );
    assert_eq!(value, v64(20));
    // Batches: update 10 entries, read them back 4 at a time, then take and delete them all.
    let keys: Vec<u8> = (100u32..110).flat_map(k32).collect();
    let values: Vec<u8> = (100u64..110).flat_map(v64).collect();
    let count = ok(
        &mut ctx,
        &Request::MapUpdateBatch {
            map: counts,
            count: 10,
            flags: 0,
            keys: &keys,
            values: &values,
        },
        |r| match r {
            Reply::Count { count } => count,
            other => panic!("{other:?}"),
        },
    );
    assert_eq!(count, 10);
    let mut seen = Vec::new();
    let mut after: Option<Vec<u8>> = None;
    loop {
        let (more, last) = ok(
            &mut ctx,
            &Request::MapLookupBatch {
                map: counts,
                after: after.as_deref(),
                max_count: 4,
                delete: false,
            },
            |r| match r {
                Reply::Batch {
                    count,
                    more,
                    keys,
                    values,
                } => {
                    assert!(count <= 4);
                    assert_eq!(keys.len(), count as usize * 4);
                    for (k, v) in keys.chunks(4).zip(values.chunks(8)) {
                        let k = u32::from_ne_bytes(k.try_into().unwrap());
                        let v = u64::from_ne_bytes(v.try_into().unwrap());
                        seen.push((k, v));
                    }
                    (more, keys.chunks(4).last().map(<[u8]>::to_vec))
                }
                other => panic!("{other:?}"),
            },
        );
        if !more {
            break;
        }
        after = last;
    }
    seen.sort();
    let mut expected: Vec<(u32, u64)> = (100u32..110).map(|k| (k, u64::from(k))).collect();
    expected.insert(0, (3, 30));
    assert_eq!(seen, expected);
    let taken = ok(
        &mut ctx,
        &Request::MapLookupBatch {
            map: counts,
            after: None,
            max_count: MAX_BATCH as u32,
            delete: true,
        },
        |r| match r {
            Reply::Batch { count, more, .. } => (count, more),
            other => panic!("{other:?}"),
        },
    );
    assert_eq!(taken, (11, false));
    // Delete batch on what is left (nothing): the first key fails, detail 0 done.
    let e = fails(
        &mut ctx,
        &Request::MapDeleteBatch {
            map: counts,
            count: 1,
            keys: &k32(3),
        },
        ErrorKind::Map,
    );
    assert_eq!(e.detail(), 0);
    // An array's values, and its info.
    let array = create(&mut ctx, ARRAY, 4, 8, 4, "slots");
    update(&mut ctx, array, &k32(3), &v64(33));
    assert_eq!(lookup_u64(&mut ctx, array, &k32(3)), 33);
    ok(
        &mut ctx,
        &Request::ObjectInfo { handle: array },
        |r| match r {
            Reply::MapInfo {
                type_number,
                key_size,
                value_size,
                max_entries,
                name,
                type_name,
                ..
            } => assert_eq!(
                (
                    type_number,
                    key_size,
                    value_size,
                    max_entries,
                    name,
                    type_name
                ),
                (ARRAY, 4, 8, 4, "slots", "array")
            ),
            other => panic!("{other:?}"),
        },
    );
}

#[test]
fn object_session_through_bytes() {
    let mut ctx = context();
    let objects = load_file(&mut ctx, "xdp_firewall.o");
    let (firewall, firewall_id) = find(&objects, "xdp_firewall");
    let (blocked, _) = find(&objects, "blocked");
    let (verdicts, verdicts_id) = find(&objects, "verdicts");
    let (udp_ports, _) = find(&objects, "udp_ports");
    let (per_source, _) = find(&objects, "per_source");
    assert!(objects.iter().any(|o| o.3 == "xdp_udp"));
    // Block 10.0.0.1/32.
    let mut key = 32u32.to_ne_bytes().to_vec();
    key.extend_from_slice(&[10, 0, 0, 1]);
    update(&mut ctx, blocked, &key, &1u32.to_ne_bytes());
    let run = |ctx: &mut ExecutionContext, src: [u8; 4]| {
        let packet = ipv4(src, 17, 53, 64);
        ok(
            ctx,
            &Request::TestRun {
                program: firewall,
                repeat: 1,
                data: &packet,
                ctx: None,
            },
            |r| match r {
                Reply::TestRun {
                    retval,
                    redirect,
                    data_out,
                    ..
                } => {
                    assert_eq!(redirect, Redirected::None);
                    assert_eq!(data_out, &packet[..]);
                    retval
                }
                other => panic!("{other:?}"),
            },
        )
    };
    assert_eq!(
        run(&mut ctx, [10, 0, 0, 2]),
        2,
        "XDP_PASS through the tail call"
    );
    assert_eq!(run(&mut ctx, [10, 0, 0, 1]), 1, "XDP_DROP: blocked");
    assert_eq!(run(&mut ctx, [10, 0, 0, 2]), 2);
    assert_eq!(lookup_u64(&mut ctx, verdicts, &k32(2)), 2);
    assert_eq!(lookup_u64(&mut ctx, verdicts, &k32(1)), 1);
    assert_eq!(lookup_u64(&mut ctx, udp_ports, &53u16.to_ne_bytes()), 2);
    assert_eq!(lookup_u64(&mut ctx, per_source, &[10, 0, 0, 2]), 2);
    // Pin, open by path, info with the pin counted, next pin path.
    done(
        &mut ctx,
        &Request::Pin {
            handle: verdicts,
            path: "/fw/verdicts",
        },
    );
    let (pinned, id) = opened(
        &mut ctx,
        &Request::GetPinned {
            path: "/fw/verdicts",
        },
    );
    assert_eq!(id, verdicts_id);
    assert_ne!(pinned, verdicts);
    ok(
        &mut ctx,
        &Request::ObjectInfo { handle: pinned },
        |r| match r {
            Reply::MapInfo {
                name,
                pinned_path_count,
                ..
            } => assert_eq!((name, pinned_path_count), ("verdicts", 1)),
            other => panic!("{other:?}"),
        },
    );
    let first = ok(&mut ctx, &Request::NextPinPath { after: None }, |r| {
        format!("{r:?}")
    });
    assert!(first.contains("/fw/verdicts"), "{first}");
    ok(
        &mut ctx,
        &Request::NextPinPath {
            after: Some("/fw/verdicts"),
        },
        |r| assert_eq!(r, Reply::PinPath { path: None }),
    );
    // Program info, ids, open by id.
    ok(
        &mut ctx,
        &Request::ObjectInfo { handle: firewall },
        |r| match r {
            Reply::ProgramInfo {
                id,
                type_name,
                name,
                section,
                engine,
                map_ids,
                instruction_bound,
                ..
            } => {
                assert_eq!(
                    (id, type_name, name, section, engine),
                    (firewall_id, "xdp", "xdp_firewall", "xdp", 1)
                );
                assert!(map_ids.iter().any(|m| m == verdicts_id));
                assert!(instruction_bound > 0);
            }
            other => panic!("{other:?}"),
        },
    );
    let mut program_ids = Vec::new();
    let mut at = 0;
    loop {
        let next = ok(
            &mut ctx,
            &Request::NextId {
                kind: ObjectKind::Program,
                after: at,
            },
            |r| match r {
                Reply::Id { id } => id,
                other => panic!("{other:?}"),
            },
        );
        if next == 0 {
            break;
        }
        program_ids.push(next);
        at = next;
    }
    assert_eq!(program_ids.len(), 2);
    assert!(program_ids.contains(&firewall_id));
    let (by_id, _) = opened(
        &mut ctx,
        &Request::GetById {
            kind: ObjectKind::Program,
            id: firewall_id,
        },
    );
    fails(
        &mut ctx,
        &Request::GetById {
            kind: ObjectKind::Map,
            id: firewall_id,
        },
        ErrorKind::Object,
    );
    // Attach, describe, replace, detach: the hook runs the link's program.
    let xdp = LINUX.attach_type("xdp").unwrap().number;
    let (link, link_id) = opened(
        &mut ctx,
        &Request::Attach {
            program: by_id,
            attach_type: xdp,
            parameter: 3,
        },
    );
    let link_info = |ctx: &mut ExecutionContext| {
        ok(ctx, &Request::ObjectInfo { handle: link }, |r| match r {
            Reply::LinkInfo {
                id,
                program_id,
                attach_type,
                parameter,
                attached,
            } => {
                assert_eq!((id, attach_type, parameter), (link_id, xdp, 3));
                (program_id, attached)
            }
            other => panic!("{other:?}"),
        })
    };
    assert_eq!(link_info(&mut ctx), (firewall_id, true));
    let hook_host = ctx.host().clone();
    let hook = hook_host.hook("xdp").unwrap();
    let run_hook = |src: [u8; 4]| {
        let mut batch = hook_host.batch();
        let mut context =
            ebpf_kernel_host::Context::new(LINUX.program_type("xdp").unwrap()).unwrap();
        context.set_packet(&ipv4(src, 17, 53, 64)).unwrap();
        let mut last = None;
        hook.run(&mut batch, 3, &mut context, |_, r0, _| {
            last = Some(r0);
            ebpf_kernel_host::hooks::Flow::Continue
        })
        .unwrap();
        last
    };
    assert_eq!(
        run_hook([10, 0, 0, 1]),
        Some(1),
        "the firewall drops a blocked source"
    );
    let (udp, udp_id) = find(&objects, "xdp_udp");
    done(&mut ctx, &Request::ReplaceProgram { link, program: udp });
    assert_eq!(link_info(&mut ctx), (udp_id, true));
    assert_eq!(
        run_hook([10, 0, 0, 1]),
        Some(2),
        "xdp_udp passes everything"
    );
    done(&mut ctx, &Request::Detach { link });
    assert_eq!(link_info(&mut ctx), (udp_id, false));
    assert_eq!(run_hook([10, 0, 0, 1]), None, "no program runs");
    let e = fails(&mut ctx, &Request::Detach { link }, ErrorKind::Link);
    assert!(e.message().contains("detached"), "{e}");
    fails(
        &mut ctx,
        &Request::ReplaceProgram { link, program: udp },
        ErrorKind::Link,
    );
    done(&mut ctx, &Request::CloseHandle { handle: link });
    fails(
        &mut ctx,
        &Request::ObjectInfo { handle: link },
        ErrorKind::BadHandle,
    );
    // An XDP program on a socket hook, an attach type the platform lacks.
    let bind = LINUX.attach_type("cgroup_inet4_bind").unwrap().number;
    fails(
        &mut ctx,
        &Request::Attach {
            program: by_id,
            attach_type: bind,
            parameter: 0,
        },
        ErrorKind::Link,
    );
    fails(
        &mut ctx,
        &Request::Attach {
            program: by_id,
            attach_type: 9999,
            parameter: 0,
        },
        ErrorKind::Link,
    );
    // Close, then the handle is stale; the pinned map stays.
    done(&mut ctx, &Request::CloseHandle { handle: verdicts });
    let e = fails(
        &mut ctx,
        &Request::MapLookup {
            map: verdicts,
            key: &k32(2),
        },
        ErrorKind::BadHandle,
    );
    assert_eq!(e.ebpf_result(), EbpfResult::InvalidFd);
    assert!(e.message().contains("closed"), "{e}");
    assert_eq!(
        lookup_u64(&mut ctx, pinned, &k32(2)),
        3,
        "two test runs and a hook run"
    );
    done(
        &mut ctx,
        &Request::Unpin {
            path: "/fw/verdicts",
        },
    );
    fails(
        &mut ctx,
        &Request::GetPinned {
            path: "/fw/verdicts",
        },
        ErrorKind::Object,
    );
    done(&mut ctx, &Request::EpochSynchronize);
    // Wrong kinds of handles.
    fails(
        &mut ctx,
        &Request::TestRun {
            program: pinned,
            repeat: 1,
            data: &[],
            ctx: None,
        },
        ErrorKind::WrongHandleKind,
    );
    fails(
        &mut ctx,
        &Request::MapLookup {
            map: firewall,
            key: &k32(0),
        },
        ErrorKind::WrongHandleKind,
    );
}

#[test]
fn program_arrays_store_programs_by_handle_and_by_id() {
    let mut ctx = context();
    let objects = load_file(&mut ctx, "xdp_firewall.o");
    let (jump, _) = find(&objects, "jump");
    let (udp, udp_id) = find(&objects, "xdp_udp");
    let (firewall, _) = find(&objects, "xdp_firewall");
    let (udp_ports, _) = find(&objects, "udp_ports");
    assert_eq!(
        lookup(&mut ctx, jump, &k32(0)).unwrap(),
        udp_id.to_ne_bytes()
    );
    // Clear slot 0: UDP packets no longer reach xdp_udp.
    done(
        &mut ctx,
        &Request::MapDelete {
            map: jump,
            key: &k32(0),
        },
    );
    let packet = ipv4([10, 0, 0, 5], 17, 99, 64);
    let run = Request::TestRun {
        program: firewall,
        repeat: 3,
        data: &packet,
        ctx: None,
    };
    ok(&mut ctx, &run, |_| ());
    assert!(lookup(&mut ctx, udp_ports, &99u16.to_ne_bytes()).is_err());
    done(
        &mut ctx,
        &Request::MapUpdateWithHandle {
            map: jump,
            key: &k32(0),
            value: udp,
        },
    );
    ok(&mut ctx, &run, |_| ());
    assert_eq!(lookup_u64(&mut ctx, udp_ports, &99u16.to_ne_bytes()), 3);
    // By id through a plain update, and a map handle refused.
    update(&mut ctx, jump, &k32(1), &udp_id.to_ne_bytes());
    assert_eq!(
        lookup(&mut ctx, jump, &k32(1)).unwrap(),
        udp_id.to_ne_bytes()
    );
    fails(
        &mut ctx,
        &Request::MapUpdateWithHandle {
            map: jump,
            key: &k32(0),
            value: udp_ports,
        },
        ErrorKind::Malformed,
    );
}

#[test]
fn the_client_speaks_the_same_bytes() {
    let mut client = Client::new(context());
    let def = WireMapDef {
        map_type: HASH,
        key_size: 4,
        value_size: 8,
        max_entries: 8,
        flags: 0,
    };
    let handle = match client
        .call(&Request::CreateMap {
            def,
            inner: None,
            name: "c",
        })
        .unwrap()
    {
        Reply::Handle { handle, .. } => handle,
        other => panic!("{other:?}"),
    };
    client
        .call(&Request::MapUpdate {
            map: handle,
            key: &k32(1),
            value: &v64(5),
            flags: 0,
        })
        .unwrap();
    let reply = client
        .call(&Request::MapLookup {
            map: handle,
            key: &k32(1),
        })
        .unwrap();
    assert_eq!(reply, Reply::Value { value: &v64(5) });
    assert_eq!(client.transport().handles().len(), 1);
}

#[test]
fn a_request_built_by_hand_as_the_docs_describe() {
    // create_map (op 1): type, key size, value size, max entries, flags, no inner, name "m".
    let mut payload = Vec::new();
    for v in [HASH, 4, 8, 16, 0] {
        payload.extend_from_slice(&v.to_le_bytes());
    }
    payload.push(0);
    payload.extend_from_slice(&1u32.to_le_bytes());
    payload.push(b'm');
    let mut request = Vec::new();
    request.extend_from_slice(&1u16.to_le_bytes()); // version
    request.extend_from_slice(&1u16.to_le_bytes()); // op
    request.extend_from_slice(&0xabcdu32.to_le_bytes()); // request id
    request.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    request.extend_from_slice(&0u32.to_le_bytes()); // status
    request.extend_from_slice(&payload);
    let mut ctx = context();
    let mut reply = [0u8; 64];
    let n = ctx.handle(&request, &mut reply);
    assert_eq!(n, HEADER_LEN + 12, "handle, kind, id");
    let header = Header::read(&reply).unwrap();
    assert_eq!(
        (
            header.version,
            header.op,
            header.request_id,
            header.length,
            header.status
        ),
        (1, 1, 0xabcd, 12, 0)
    );
    let word = |i: usize| u32::from_le_bytes(reply[i..i + 4].try_into().unwrap());
    assert_eq!(
        (word(16), word(20), word(24)),
        (1, 2, 1),
        "handle 1, a map, id 1"
    );
}

#[test]
fn native_images_load_when_signed_by_a_trusted_key() {
    use ebpf_kernel_host::image::{self, CompileOptions};
    use ebpf_kernel_host::ImageLoadOptions;
    let key = [5u8; 32];
    let bytes = std::fs::read(object_path("xdp_firewall.o")).unwrap();
    let object =
        ebpf_loader::Object::parse(&bytes, &ebpf_loader::LoadOptions::new(&LINUX)).unwrap();
    let unsigned = image::compile(&object, &CompileOptions::default())
        .unwrap()
        .encode();
    let signed = image::sign(&unsigned, &key).unwrap();
    let mut ctx = context();
    // No key trusted yet: refused, nothing opened.
    let e = fails(
        &mut ctx,
        &Request::LoadNativeImage { image: &signed },
        ErrorKind::Load,
    );
    assert_eq!(e.ebpf_result(), EbpfResult::AccessDenied, "{e}");
    fails(
        &mut ctx,
        &Request::LoadNativeImage { image: &[0; 32] },
        ErrorKind::Load,
    );
    ctx.set_image_policy(&[image::public_key(&key)], ImageLoadOptions::new());
    let e = fails(
        &mut ctx,
        &Request::LoadNativeImage { image: &unsigned },
        ErrorKind::Load,
    );
    assert!(e.message().contains("unsigned"), "{e}");
    let mut tampered = signed.clone();
    let at = tampered.len() / 2;
    tampered[at] ^= 1;
    fails(
        &mut ctx,
        &Request::LoadNativeImage { image: &tampered },
        ErrorKind::Load,
    );
    assert_eq!(ctx.handles().len(), 0);
    let objects = ok(
        &mut ctx,
        &Request::LoadNativeImage { image: &signed },
        |r| match r {
            Reply::Loaded { objects } => objects
                .iter()
                .map(|o| (o.kind, o.handle, o.id, o.name.to_string()))
                .collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        },
    );
    let (firewall, _) = find(&objects, "xdp_firewall");
    let (verdicts, _) = find(&objects, "verdicts");
    let packet = ipv4([10, 0, 0, 2], 17, 53, 64);
    let retval = ok(
        &mut ctx,
        &Request::TestRun {
            program: firewall,
            repeat: 2,
            data: &packet,
            ctx: None,
        },
        |r| match r {
            Reply::TestRun { retval, .. } => retval,
            other => panic!("{other:?}"),
        },
    );
    assert_eq!(retval, 2, "XDP_PASS from the image's code");
    assert_eq!(lookup_u64(&mut ctx, verdicts, &k32(2)), 2);
}

#[test]
fn load_failures_are_error_replies() {
    let mut ctx = context();
    let garbage = Request::LoadObject {
        object: b"not an ELF object",
        engine: WireEngine::Default,
        program_type: None,
        functions: StrList::EMPTY,
    };
    let e = fails(&mut ctx, &garbage, ErrorKind::Load);
    assert_eq!(e.ebpf_result(), EbpfResult::ElfParsingFailed);
    let object = std::fs::read(object_path("maps.o")).unwrap();
    let list = {
        let mut bytes = vec![0u8; 64];
        let mut w = ebpf_kernel_host::protocol::Writer::new(&mut bytes);
        StrList::write_items(&mut w, &["no_such_function"]);
        let n = w.written();
        bytes.truncate(n);
        bytes
    };
    let e = fails(
        &mut ctx,
        &Request::LoadObject {
            object: &object,
            engine: WireEngine::Interpreter,
            program_type: None,
            functions: decode_list(&list),
        },
        ErrorKind::Load,
    );
    assert!(e.message().contains("no_such_function"), "{e}");
    assert_eq!(ctx.handles().len(), 0);
    // maps.o loads whole: its maps and programs each get a handle.
    let objects = load_file(&mut ctx, "maps.o");
    assert_eq!(ctx.handles().len(), objects.len());
    let (hash_prog, _) = find(&objects, "xdp_hash");
    let out = ok(
        &mut ctx,
        &Request::TestRun {
            program: hash_prog,
            repeat: 1,
            data: &k32(7),
            ctx: None,
        },
        |r| match r {
            Reply::TestRun { retval, .. } => retval,
            other => panic!("{other:?}"),
        },
    );
    assert_eq!(out, 1);
    fails(
        &mut ctx,
        &Request::TestRun {
            program: hash_prog,
            repeat: u32::MAX,
            data: &k32(7),
            ctx: None,
        },
        ErrorKind::Limit,
    );
}
