//! [`Reply`]: the success payload of each operation, and its encoding.

use super::codec::{Reader, Writer};
use super::error::ProtocolError;
use super::message::{kind_code, kind_from_code, op_name, Op};
use super::types::{IdList, ObjectList};
use crate::object::ObjectKind;

/// Where a test run's program sent its packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Redirected {
    /// It did not redirect.
    None,
    /// To an interface.
    Interface {
        /// Its index.
        ifindex: u32,
    },
    /// Through a device map.
    Map {
        /// The map's id.
        map_id: u32,
        /// The key.
        key: u32,
        /// The interface the map held there.
        ifindex: u32,
    },
}

/// A successful reply. Which variant answers which request is fixed by the operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reply<'a> {
    /// Nothing to return.
    Done,
    /// A handle opened on an object.
    Handle {
        /// The handle.
        handle: u32,
        /// The object's kind.
        kind: ObjectKind,
        /// The object's id.
        id: u32,
    },
    /// A value.
    Value {
        /// The bytes.
        value: &'a [u8],
    },
    /// A key.
    Key {
        /// The bytes.
        key: &'a [u8],
    },
    /// Entries of a batch lookup.
    Batch {
        /// Entries returned.
        count: u32,
        /// Whether entries are left after the last one returned.
        more: bool,
        /// `count` keys back to back (the last is where the next batch starts after).
        keys: &'a [u8],
        /// `count` values back to back.
        values: &'a [u8],
    },
    /// Entries a batch update or delete did.
    Count {
        /// The number.
        count: u32,
    },
    /// The maps and programs a load created, each with a handle.
    Loaded {
        /// Maps first, then programs.
        objects: ObjectList<'a>,
    },
    /// A pin path.
    PinPath {
        /// The path (`None`: no more paths).
        path: Option<&'a str>,
    },
    /// An id (0: none).
    Id {
        /// The id.
        id: u32,
    },
    /// A map's description.
    MapInfo {
        /// Id.
        id: u32,
        /// The platform's type number.
        type_number: u32,
        /// Key size.
        key_size: u32,
        /// Value size.
        value_size: u32,
        /// Entry limit.
        max_entries: u32,
        /// Flags.
        flags: u32,
        /// Paths it is pinned at.
        pinned_path_count: u32,
        /// The type's name.
        type_name: &'a str,
        /// The map's name.
        name: &'a str,
    },
    /// A program's description.
    ProgramInfo {
        /// Id.
        id: u32,
        /// The platform's program type number.
        type_number: u32,
        /// Engine: 1 interpreter, 2 JIT.
        engine: u8,
        /// Instructions (8-byte slots).
        instructions: u64,
        /// Most instructions one run executes.
        instruction_bound: u64,
        /// The type's name.
        type_name: &'a str,
        /// The entry function.
        name: &'a str,
        /// The ELF section.
        section: &'a str,
        /// The ids of the maps it uses.
        map_ids: IdList<'a>,
    },
    /// A link's description.
    LinkInfo {
        /// Id.
        id: u32,
        /// The program's id.
        program_id: u32,
        /// The attach type's number.
        attach_type: u32,
        /// The attach parameter.
        parameter: u64,
        /// Whether it is still attached.
        attached: bool,
    },
    /// A test run's outcome.
    TestRun {
        /// The last run's return value.
        retval: u64,
        /// Mean nanoseconds per run.
        duration_ns: u64,
        /// Where the packet was redirected.
        redirect: Redirected,
        /// The packet afterwards.
        data_out: &'a [u8],
        /// The context structure afterwards.
        ctx_out: &'a [u8],
    },
}

impl<'a> Reply<'a> {
    /// Encodes the payload (without the header).
    pub fn encode_payload(&self, w: &mut Writer<'_>) {
        if let Some(kind) = info_kind(self) {
            w.u32(kind_code(kind));
        }
        match *self {
            Reply::Done => {}
            Reply::Handle { handle, kind, id } => {
                w.u32(handle);
                w.u32(kind_code(kind));
                w.u32(id);
            }
            Reply::Value { value } => w.bytes(value),
            Reply::Key { key } => w.bytes(key),
            Reply::Batch {
                count,
                more,
                keys,
                values,
            } => {
                w.u32(count);
                w.bool(more);
                w.bytes(keys);
                w.bytes(values);
            }
            Reply::Count { count } => w.u32(count),
            Reply::Loaded { objects } => {
                ObjectList::write_count(w, objects.len());
                for o in objects.iter() {
                    ObjectList::write_entry(w, &o);
                }
            }
            Reply::PinPath { path } => w.opt_str(path),
            Reply::Id { id } => w.u32(id),
            Reply::MapInfo {
                id,
                type_number,
                key_size,
                value_size,
                max_entries,
                flags,
                pinned_path_count,
                type_name,
                name,
            } => {
                for v in [
                    id,
                    type_number,
                    key_size,
                    value_size,
                    max_entries,
                    flags,
                    pinned_path_count,
                ] {
                    w.u32(v);
                }
                w.str(type_name);
                w.str(name);
            }
            Reply::ProgramInfo {
                id,
                type_number,
                engine,
                instructions,
                instruction_bound,
                type_name,
                name,
                section,
                map_ids,
            } => {
                w.u32(id);
                w.u32(type_number);
                w.u8(engine);
                w.u64(instructions);
                w.u64(instruction_bound);
                w.str(type_name);
                w.str(name);
                w.str(section);
                w.bytes(map_ids.as_bytes());
            }
            Reply::LinkInfo {
                id,
                program_id,
                attach_type,
                parameter,
                attached,
            } => {
                w.u32(id);
                w.u32(program_id);
                w.u32(attach_type);
                w.u64(parameter);
                w.bool(attached);
            }
            Reply::TestRun {
                retval,
                duration_ns,
                redirect,
                data_out,
                ctx_out,
            } => {
                w.u64(retval);
                w.u64(duration_ns);
                let (kind, ifindex, map_id, key) = match redirect {
                    Redirected::None => (0, 0, 0, 0),
                    Redirected::Interface { ifindex } => (1, ifindex, 0, 0),
                    Redirected::Map {
                        map_id,
                        key,
                        ifindex,
                    } => (2, ifindex, map_id, key),
                };
                for v in [kind, ifindex, map_id, key] {
                    w.u32(v);
                }
                w.bytes(data_out);
                w.bytes(ctx_out);
            }
        }
    }

    /// Decodes the success payload of a reply to `op`.
    pub fn decode(op: Op, payload: &'a [u8]) -> Result<Reply<'a>, ProtocolError> {
        let mut r = Reader::new(payload, op_name(op));
        let reply = match op {
            Op::MapUpdate
            | Op::MapDelete
            | Op::MapUpdateWithHandle
            | Op::Detach
            | Op::ReplaceProgram
            | Op::Pin
            | Op::Unpin
            | Op::CloseHandle
            | Op::EpochSynchronize => Reply::Done,
            Op::CreateMap | Op::Attach | Op::GetPinned | Op::GetById => {
                let handle = r.u32("handle")?;
                let code = r.u32("kind")?;
                let kind = kind_from_code(code)
                    .ok_or_else(|| r.malformed("kind", format_args!("object kind {code}")))?;
                Reply::Handle {
                    handle,
                    kind,
                    id: r.u32("id")?,
                }
            }
            Op::MapLookup | Op::MapLookupAndDelete => Reply::Value {
                value: r.bytes("value")?,
            },
            Op::MapNextKey => Reply::Key {
                key: r.bytes("key")?,
            },
            Op::MapLookupBatch => Reply::Batch {
                count: r.u32("count")?,
                more: r.bool("more")?,
                keys: r.bytes("keys")?,
                values: r.bytes("values")?,
            },
            Op::MapUpdateBatch | Op::MapDeleteBatch => Reply::Count {
                count: r.u32("count")?,
            },
            Op::LoadObject | Op::LoadNativeImage => Reply::Loaded {
                objects: ObjectList::read(&mut r)?,
            },
            Op::NextPinPath => Reply::PinPath {
                path: r.opt_str("path")?,
            },
            Op::NextId => Reply::Id { id: r.u32("id")? },
            Op::ObjectInfo => return decode_info(&mut r),
            Op::TestRun => {
                let retval = r.u64("retval")?;
                let duration_ns = r.u64("duration_ns")?;
                let kind = r.u32("redirect")?;
                let (ifindex, map_id, key) = (r.u32("ifindex")?, r.u32("map_id")?, r.u32("key")?);
                let redirect = match kind {
                    0 => Redirected::None,
                    1 => Redirected::Interface { ifindex },
                    2 => Redirected::Map {
                        map_id,
                        key,
                        ifindex,
                    },
                    other => {
                        return Err(r.malformed("redirect", format_args!("redirect kind {other}")))
                    }
                };
                Reply::TestRun {
                    retval,
                    duration_ns,
                    redirect,
                    data_out: r.bytes("data_out")?,
                    ctx_out: r.bytes("ctx_out")?,
                }
            }
        };
        r.finish()?;
        Ok(reply)
    }
}

/// Object info replies start with the object's kind (u32), then its fields.
fn decode_info<'a>(r: &mut Reader<'a>) -> Result<Reply<'a>, ProtocolError> {
    let code = r.u32("kind")?;
    let reply = match kind_from_code(code) {
        Some(ObjectKind::Map) => Reply::MapInfo {
            id: r.u32("id")?,
            type_number: r.u32("type_number")?,
            key_size: r.u32("key_size")?,
            value_size: r.u32("value_size")?,
            max_entries: r.u32("max_entries")?,
            flags: r.u32("flags")?,
            pinned_path_count: r.u32("pinned_path_count")?,
            type_name: r.str("type_name")?,
            name: r.str("name")?,
        },
        Some(ObjectKind::Program) => {
            let id = r.u32("id")?;
            let type_number = r.u32("type_number")?;
            let engine = r.u8("engine")?;
            let instructions = r.u64("instructions")?;
            let instruction_bound = r.u64("instruction_bound")?;
            let type_name = r.str("type_name")?;
            let name = r.str("name")?;
            let section = r.str("section")?;
            let ids = r.bytes("map_ids")?;
            if ids.len() % 4 != 0 {
                return Err(r.malformed(
                    "map_ids",
                    format_args!("{} bytes is not a whole number of ids", ids.len()),
                ));
            }
            Reply::ProgramInfo {
                id,
                type_number,
                engine,
                instructions,
                instruction_bound,
                type_name,
                name,
                section,
                map_ids: IdList::from_bytes(ids),
            }
        }
        Some(ObjectKind::Link) => Reply::LinkInfo {
            id: r.u32("id")?,
            program_id: r.u32("program_id")?,
            attach_type: r.u32("attach_type")?,
            parameter: r.u64("parameter")?,
            attached: r.bool("attached")?,
        },
        None => return Err(r.malformed("kind", format_args!("object kind {code}"))),
    };
    r.finish()?;
    Ok(reply)
}

/// The kind prefix of an object info reply.
pub(crate) fn info_kind(reply: &Reply<'_>) -> Option<ObjectKind> {
    match reply {
        Reply::MapInfo { .. } => Some(ObjectKind::Map),
        Reply::ProgramInfo { .. } => Some(ObjectKind::Program),
        Reply::LinkInfo { .. } => Some(ObjectKind::Link),
        _ => None,
    }
}
