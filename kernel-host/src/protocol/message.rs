//! The typed messages: [`Op`] codes, [`Request`] and [`Reply`] with their payload encodings.
//!
//! Both borrow their byte strings and strings from the message they were decoded from (or the
//! data they are encoded from), so decoding allocates nothing. Lists are kept as their checked
//! wire bytes ([`StrList`], [`IdList`], [`ObjectList`]) and iterated in place.

use super::codec::{Reader, Writer};
use super::error::{ErrorKind, ProtocolError};
use super::types::{StrList, WireEngine, WireMapDef};
use super::{MAX_BATCH, MAX_FUNCTIONS};
use crate::object::ObjectKind;

macro_rules! ops {
    ($($(#[$doc:meta])* $name:ident = $code:literal,)*) => {
        /// The operation codes (the header's `op`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u16)]
        pub enum Op {
            $($(#[$doc])* $name = $code,)*
        }

        impl Op {
            /// The operation with code `code`.
            pub fn from_code(code: u16) -> Option<Op> {
                match code {
                    $($code => Some(Op::$name),)*
                    _ => None,
                }
            }

            /// Every operation, in code order.
            pub const ALL: &'static [Op] = &[$(Op::$name,)*];
        }
    };
}

ops! {
    /// Create a map.
    CreateMap = 1,
    /// Copy a map's value.
    MapLookup = 2,
    /// Insert or replace a map's value.
    MapUpdate = 3,
    /// Delete a key.
    MapDelete = 4,
    /// Copy and delete a value (queues and stacks: pop).
    MapLookupAndDelete = 5,
    /// The key after a key (the first key without one).
    MapNextKey = 6,
    /// Store a program (program arrays) or a map (maps of maps) by handle.
    MapUpdateWithHandle = 7,
    /// Copy (and optionally delete) up to a count of entries.
    MapLookupBatch = 8,
    /// Insert or replace a run of entries.
    MapUpdateBatch = 9,
    /// Delete a run of keys.
    MapDeleteBatch = 10,
    /// Load an ELF object: create its maps, verify and install its programs.
    LoadObject = 11,
    /// Load a signed native image.
    LoadNativeImage = 12,
    /// Attach a program to a hook: a link.
    Attach = 13,
    /// Detach a link.
    Detach = 14,
    /// Replace a link's program.
    ReplaceProgram = 15,
    /// Pin an object at a path.
    Pin = 16,
    /// Remove a pin.
    Unpin = 17,
    /// Open the object pinned at a path.
    GetPinned = 18,
    /// The pin path after a path.
    NextPinPath = 19,
    /// Open the object with an id.
    GetById = 20,
    /// The next id of a kind of object.
    NextId = 21,
    /// Describe an object.
    ObjectInfo = 22,
    /// Run a program on a packet or context (`BPF_PROG_TEST_RUN`).
    TestRun = 23,
    /// Close a handle.
    CloseHandle = 24,
    /// Wait until every running invocation has ended (`EPOCH_SYNCHRONIZE`).
    EpochSynchronize = 25,
}

impl Op {
    /// The code.
    pub fn code(self) -> u16 {
        self as u16
    }
}

/// An object kind's number on the wire: 1 program, 2 map, 3 link.
pub fn kind_code(kind: ObjectKind) -> u32 {
    match kind {
        ObjectKind::Program => 1,
        ObjectKind::Map => 2,
        ObjectKind::Link => 3,
    }
}

/// The object kind numbered `code`.
pub fn kind_from_code(code: u32) -> Option<ObjectKind> {
    match code {
        1 => Some(ObjectKind::Program),
        2 => Some(ObjectKind::Map),
        3 => Some(ObjectKind::Link),
        _ => None,
    }
}

pub(crate) fn read_kind(
    r: &mut Reader<'_>,
    field: &'static str,
) -> Result<ObjectKind, ProtocolError> {
    let code = r.u32(field)?;
    kind_from_code(code).ok_or_else(|| {
        r.malformed(
            field,
            format_args!("object kind {code} is not 1 (program), 2 (map) or 3 (link)"),
        )
    })
}

/// A request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Request<'a> {
    /// Create a map; reply [`Reply::Handle`].
    CreateMap {
        /// The definition.
        def: WireMapDef,
        /// The inner-map template of a map of maps.
        inner: Option<WireMapDef>,
        /// The map's name.
        name: &'a str,
    },
    /// Reply [`Reply::Value`].
    MapLookup {
        /// Map handle.
        map: u32,
        /// Key.
        key: &'a [u8],
    },
    /// Reply [`Reply::Done`].
    MapUpdate {
        /// Map handle.
        map: u32,
        /// Key.
        key: &'a [u8],
        /// Value (per-CPU maps: every CPU's, 8-byte aligned slices).
        value: &'a [u8],
        /// `BPF_ANY` 0, `BPF_NOEXIST` 1, `BPF_EXIST` 2.
        flags: u64,
    },
    /// Reply [`Reply::Done`].
    MapDelete {
        /// Map handle.
        map: u32,
        /// Key.
        key: &'a [u8],
    },
    /// Reply [`Reply::Value`].
    MapLookupAndDelete {
        /// Map handle.
        map: u32,
        /// Key (empty for queues and stacks).
        key: &'a [u8],
    },
    /// Reply [`Reply::Key`]; past the last key, a map error with `NO_MORE_KEYS`/`ENOENT`.
    MapNextKey {
        /// Map handle.
        map: u32,
        /// The key to go past (`None`: the first key).
        key: Option<&'a [u8]>,
    },
    /// Reply [`Reply::Done`].
    MapUpdateWithHandle {
        /// A program array or map of maps.
        map: u32,
        /// Key.
        key: &'a [u8],
        /// A program handle (program arrays) or map handle (maps of maps); 0 clears the slot
        /// (deletes the key of a hash of maps).
        value: u32,
    },
    /// Reply [`Reply::Batch`].
    MapLookupBatch {
        /// Map handle.
        map: u32,
        /// Start after this key (`None`: from the first key).
        after: Option<&'a [u8]>,
        /// Most entries to return (at most [`MAX_BATCH`]).
        max_count: u32,
        /// Delete the entries returned.
        delete: bool,
    },
    /// Reply [`Reply::Count`]; a failure's detail is the number of entries done.
    MapUpdateBatch {
        /// Map handle.
        map: u32,
        /// Entries (at most [`MAX_BATCH`]).
        count: u32,
        /// Update flags for every entry.
        flags: u64,
        /// `count` keys, back to back.
        keys: &'a [u8],
        /// `count` values, back to back.
        values: &'a [u8],
    },
    /// Reply [`Reply::Count`]; a failure's detail is the number of keys deleted.
    MapDeleteBatch {
        /// Map handle.
        map: u32,
        /// Keys (at most [`MAX_BATCH`]).
        count: u32,
        /// `count` keys, back to back.
        keys: &'a [u8],
    },
    /// Reply [`Reply::Loaded`].
    LoadObject {
        /// The ELF object's bytes.
        object: &'a [u8],
        /// The engine of every program.
        engine: WireEngine,
        /// The program type of every program, instead of the sections'.
        program_type: Option<&'a str>,
        /// Entry functions to load (empty: every program).
        functions: StrList<'a>,
    },
    /// Reply [`Reply::Loaded`]: a signed native image, checked against the context's keys.
    LoadNativeImage {
        /// The image's bytes.
        image: &'a [u8],
    },
    /// Reply [`Reply::Handle`] (a link).
    Attach {
        /// Program handle.
        program: u32,
        /// The platform's attach type number.
        attach_type: u32,
        /// The attach parameter (interface index, compartment id, ...).
        parameter: u64,
    },
    /// Reply [`Reply::Done`].
    Detach {
        /// Link handle.
        link: u32,
    },
    /// Reply [`Reply::Done`].
    ReplaceProgram {
        /// Link handle.
        link: u32,
        /// The new program's handle.
        program: u32,
    },
    /// Reply [`Reply::Done`].
    Pin {
        /// Object handle.
        handle: u32,
        /// Path.
        path: &'a str,
    },
    /// Reply [`Reply::Done`].
    Unpin {
        /// Path.
        path: &'a str,
    },
    /// Reply [`Reply::Handle`].
    GetPinned {
        /// Path.
        path: &'a str,
    },
    /// Reply [`Reply::PinPath`].
    NextPinPath {
        /// The path to go past (`None`: the first).
        after: Option<&'a str>,
    },
    /// Reply [`Reply::Handle`].
    GetById {
        /// The kind the id must be.
        kind: ObjectKind,
        /// Id.
        id: u32,
    },
    /// Reply [`Reply::Id`] (0: none left).
    NextId {
        /// Kind.
        kind: ObjectKind,
        /// The id to go past (0: the first).
        after: u32,
    },
    /// Reply [`Reply::MapInfo`], [`Reply::ProgramInfo`] or [`Reply::LinkInfo`].
    ObjectInfo {
        /// Object handle.
        handle: u32,
    },
    /// Reply [`Reply::TestRun`].
    TestRun {
        /// Program handle.
        program: u32,
        /// Runs (0 counts as 1; at most the context's limit).
        repeat: u32,
        /// The packet (empty for types without one).
        data: &'a [u8],
        /// The context structure's bytes.
        ctx: Option<&'a [u8]>,
    },
    /// Reply [`Reply::Done`].
    CloseHandle {
        /// Handle.
        handle: u32,
    },
    /// Reply [`Reply::Done`].
    EpochSynchronize,
}

impl<'a> Request<'a> {
    /// The operation.
    pub fn op(&self) -> Op {
        match self {
            Request::CreateMap { .. } => Op::CreateMap,
            Request::MapLookup { .. } => Op::MapLookup,
            Request::MapUpdate { .. } => Op::MapUpdate,
            Request::MapDelete { .. } => Op::MapDelete,
            Request::MapLookupAndDelete { .. } => Op::MapLookupAndDelete,
            Request::MapNextKey { .. } => Op::MapNextKey,
            Request::MapUpdateWithHandle { .. } => Op::MapUpdateWithHandle,
            Request::MapLookupBatch { .. } => Op::MapLookupBatch,
            Request::MapUpdateBatch { .. } => Op::MapUpdateBatch,
            Request::MapDeleteBatch { .. } => Op::MapDeleteBatch,
            Request::LoadObject { .. } => Op::LoadObject,
            Request::LoadNativeImage { .. } => Op::LoadNativeImage,
            Request::Attach { .. } => Op::Attach,
            Request::Detach { .. } => Op::Detach,
            Request::ReplaceProgram { .. } => Op::ReplaceProgram,
            Request::Pin { .. } => Op::Pin,
            Request::Unpin { .. } => Op::Unpin,
            Request::GetPinned { .. } => Op::GetPinned,
            Request::NextPinPath { .. } => Op::NextPinPath,
            Request::GetById { .. } => Op::GetById,
            Request::NextId { .. } => Op::NextId,
            Request::ObjectInfo { .. } => Op::ObjectInfo,
            Request::TestRun { .. } => Op::TestRun,
            Request::CloseHandle { .. } => Op::CloseHandle,
            Request::EpochSynchronize => Op::EpochSynchronize,
        }
    }

    /// Decodes the payload of a request for `op`; every byte must be used.
    pub fn decode(op: Op, payload: &'a [u8]) -> Result<Request<'a>, ProtocolError> {
        let mut r = Reader::new(payload, op_name(op));
        let req = match op {
            Op::CreateMap => {
                let def = WireMapDef::read(&mut r)?;
                let inner = if r.bool("has_inner")? {
                    Some(WireMapDef::read(&mut r)?)
                } else {
                    None
                };
                Request::CreateMap {
                    def,
                    inner,
                    name: r.str("name")?,
                }
            }
            Op::MapLookup => Request::MapLookup {
                map: r.u32("map")?,
                key: r.bytes("key")?,
            },
            Op::MapUpdate => Request::MapUpdate {
                map: r.u32("map")?,
                key: r.bytes("key")?,
                value: r.bytes("value")?,
                flags: r.u64("flags")?,
            },
            Op::MapDelete => Request::MapDelete {
                map: r.u32("map")?,
                key: r.bytes("key")?,
            },
            Op::MapLookupAndDelete => Request::MapLookupAndDelete {
                map: r.u32("map")?,
                key: r.bytes("key")?,
            },
            Op::MapNextKey => Request::MapNextKey {
                map: r.u32("map")?,
                key: r.opt_bytes("key")?,
            },
            Op::MapUpdateWithHandle => Request::MapUpdateWithHandle {
                map: r.u32("map")?,
                key: r.bytes("key")?,
                value: r.u32("value")?,
            },
            Op::MapLookupBatch => Request::MapLookupBatch {
                map: r.u32("map")?,
                after: r.opt_bytes("after")?,
                max_count: batch_count(&mut r, "max_count")?,
                delete: r.bool("delete")?,
            },
            Op::MapUpdateBatch => Request::MapUpdateBatch {
                map: r.u32("map")?,
                count: batch_count(&mut r, "count")?,
                flags: r.u64("flags")?,
                keys: r.bytes("keys")?,
                values: r.bytes("values")?,
            },
            Op::MapDeleteBatch => Request::MapDeleteBatch {
                map: r.u32("map")?,
                count: batch_count(&mut r, "count")?,
                keys: r.bytes("keys")?,
            },
            Op::LoadObject => {
                let engine = match r.u8("engine")? {
                    0 => WireEngine::Default,
                    1 => WireEngine::Interpreter,
                    2 => WireEngine::Jit,
                    other => {
                        return Err(r.malformed(
                            "engine",
                            format_args!(
                                "engine {other} is not 0 (default), 1 (interp) or 2 (jit)"
                            ),
                        ))
                    }
                };
                let program_type = r.opt_str("program_type")?;
                let functions = StrList::read(&mut r, "functions", MAX_FUNCTIONS)?;
                Request::LoadObject {
                    engine,
                    program_type,
                    functions,
                    object: r.bytes("object")?,
                }
            }
            Op::LoadNativeImage => Request::LoadNativeImage {
                image: r.bytes("image")?,
            },
            Op::Attach => Request::Attach {
                program: r.u32("program")?,
                attach_type: r.u32("attach_type")?,
                parameter: r.u64("parameter")?,
            },
            Op::Detach => Request::Detach {
                link: r.u32("link")?,
            },
            Op::ReplaceProgram => Request::ReplaceProgram {
                link: r.u32("link")?,
                program: r.u32("program")?,
            },
            Op::Pin => Request::Pin {
                handle: r.u32("handle")?,
                path: r.str("path")?,
            },
            Op::Unpin => Request::Unpin {
                path: r.str("path")?,
            },
            Op::GetPinned => Request::GetPinned {
                path: r.str("path")?,
            },
            Op::NextPinPath => Request::NextPinPath {
                after: r.opt_str("after")?,
            },
            Op::GetById => Request::GetById {
                kind: read_kind(&mut r, "kind")?,
                id: r.u32("id")?,
            },
            Op::NextId => Request::NextId {
                kind: read_kind(&mut r, "kind")?,
                after: r.u32("after")?,
            },
            Op::ObjectInfo => Request::ObjectInfo {
                handle: r.u32("handle")?,
            },
            Op::TestRun => Request::TestRun {
                program: r.u32("program")?,
                repeat: r.u32("repeat")?,
                data: r.bytes("data")?,
                ctx: r.opt_bytes("ctx")?,
            },
            Op::CloseHandle => Request::CloseHandle {
                handle: r.u32("handle")?,
            },
            Op::EpochSynchronize => Request::EpochSynchronize,
        };
        r.finish()?;
        Ok(req)
    }

    /// Encodes the payload (without the header).
    pub fn encode_payload(&self, w: &mut Writer<'_>) {
        match *self {
            Request::CreateMap { def, inner, name } => {
                def.write(w);
                w.bool(inner.is_some());
                if let Some(inner) = inner {
                    inner.write(w);
                }
                w.str(name);
            }
            Request::MapLookup { map, key }
            | Request::MapDelete { map, key }
            | Request::MapLookupAndDelete { map, key } => {
                w.u32(map);
                w.bytes(key);
            }
            Request::MapUpdate {
                map,
                key,
                value,
                flags,
            } => {
                w.u32(map);
                w.bytes(key);
                w.bytes(value);
                w.u64(flags);
            }
            Request::MapNextKey { map, key } => {
                w.u32(map);
                w.opt_bytes(key);
            }
            Request::MapUpdateWithHandle { map, key, value } => {
                w.u32(map);
                w.bytes(key);
                w.u32(value);
            }
            Request::MapLookupBatch {
                map,
                after,
                max_count,
                delete,
            } => {
                w.u32(map);
                w.opt_bytes(after);
                w.u32(max_count);
                w.bool(delete);
            }
            Request::MapUpdateBatch {
                map,
                count,
                flags,
                keys,
                values,
            } => {
                w.u32(map);
                w.u32(count);
                w.u64(flags);
                w.bytes(keys);
                w.bytes(values);
            }
            Request::MapDeleteBatch { map, count, keys } => {
                w.u32(map);
                w.u32(count);
                w.bytes(keys);
            }
            Request::LoadObject {
                object,
                engine,
                program_type,
                functions,
            } => {
                w.u8(engine.code());
                w.opt_str(program_type);
                functions.write(w);
                w.bytes(object);
            }
            Request::LoadNativeImage { image } => w.bytes(image),
            Request::Attach {
                program,
                attach_type,
                parameter,
            } => {
                w.u32(program);
                w.u32(attach_type);
                w.u64(parameter);
            }
            Request::Detach { link } => w.u32(link),
            Request::ReplaceProgram { link, program } => {
                w.u32(link);
                w.u32(program);
            }
            Request::Pin { handle, path } => {
                w.u32(handle);
                w.str(path);
            }
            Request::Unpin { path } | Request::GetPinned { path } => w.str(path),
            Request::NextPinPath { after } => w.opt_str(after),
            Request::GetById { kind, id } => {
                w.u32(kind_code(kind));
                w.u32(id);
            }
            Request::NextId { kind, after } => {
                w.u32(kind_code(kind));
                w.u32(after);
            }
            Request::ObjectInfo { handle } | Request::CloseHandle { handle } => w.u32(handle),
            Request::TestRun {
                program,
                repeat,
                data,
                ctx,
            } => {
                w.u32(program);
                w.u32(repeat);
                w.bytes(data);
                w.opt_bytes(ctx);
            }
            Request::EpochSynchronize => {}
        }
    }
}

fn batch_count(r: &mut Reader<'_>, field: &'static str) -> Result<u32, ProtocolError> {
    let count = r.u32(field)?;
    if count as usize > MAX_BATCH {
        return Err(ProtocolError::limit(format_args!(
            "{field} {count} is above the batch limit {MAX_BATCH}"
        )));
    }
    Ok(count)
}

/// The operation's name in messages.
pub fn op_name(op: Op) -> &'static str {
    match op {
        Op::CreateMap => "create_map",
        Op::MapLookup => "map_lookup",
        Op::MapUpdate => "map_update",
        Op::MapDelete => "map_delete",
        Op::MapLookupAndDelete => "map_lookup_and_delete",
        Op::MapNextKey => "map_next_key",
        Op::MapUpdateWithHandle => "map_update_with_handle",
        Op::MapLookupBatch => "map_lookup_batch",
        Op::MapUpdateBatch => "map_update_batch",
        Op::MapDeleteBatch => "map_delete_batch",
        Op::LoadObject => "load_object",
        Op::LoadNativeImage => "load_native_image",
        Op::Attach => "attach",
        Op::Detach => "detach",
        Op::ReplaceProgram => "replace_program",
        Op::Pin => "pin",
        Op::Unpin => "unpin",
        Op::GetPinned => "get_pinned",
        Op::NextPinPath => "next_pin_path",
        Op::GetById => "get_by_id",
        Op::NextId => "next_id",
        Op::ObjectInfo => "object_info",
        Op::TestRun => "test_run",
        Op::CloseHandle => "close_handle",
        Op::EpochSynchronize => "epoch_synchronize",
    }
}

/// An error reply's payload: kind (already in the header), result, errno, detail, message.
pub(crate) fn write_error(w: &mut Writer<'_>, e: &ProtocolError) {
    w.u32(e.ebpf_result().code());
    w.i32(e.errno());
    w.u32(e.detail());
    w.str(e.message());
}

/// Decodes an error reply's payload.
pub(crate) fn read_error(status: u32, payload: &[u8]) -> ProtocolError {
    let mut r = Reader::new(payload, "error reply");
    let kind = ErrorKind::from_code(status);
    let parts = (|| {
        let result = r.u32("ebpf_result")?;
        let errno = r.i32("errno")?;
        let detail = r.u32("detail")?;
        let message = r.bytes("message")?;
        Ok::<_, ProtocolError>((result, errno, detail, message))
    })();
    match parts {
        Ok((result, errno, detail, message)) => {
            let result = crate::error::EbpfResult::from_code(result)
                .unwrap_or(crate::error::EbpfResult::Failed);
            let text = core::str::from_utf8(message).unwrap_or("(message not UTF-8)");
            ProtocolError::from_parts(kind, result, errno, detail, text)
        }
        // A short error payload (the reply buffer held only the header): the kind alone.
        Err(_) => ProtocolError::new(kind),
    }
}
