//! The map operations of the dispatcher: element operations, the handle-valued stores of
//! program arrays and maps of maps, and batches.
//!
//! Program arrays and maps of maps hold objects, not bytes: an update through
//! [`Request::MapUpdate`] takes the program's (or inner map's) id as its 4-byte value and
//! stores the object itself (0 clears), as [`Request::MapUpdateWithHandle`] does by handle;
//! deletes clear the slot.

use alloc::vec;
use alloc::vec::Vec;

use super::codec::Writer;
use super::dispatch::{need, ExecutionContext};
use super::error::ProtocolError;
use super::message::{Op, Request};
use super::reply::Reply;
use crate::error::{EbpfResult, MapErrorKind};
use crate::maps::MapType;
use crate::object::{MapObject, Object};
use crate::MapError;

/// What a store puts in an object-holding map.
enum Stored<'a> {
    Program(&'a alloc::sync::Arc<crate::Program>),
    Map(&'a alloc::sync::Arc<MapObject>),
    Nothing,
}

/// Whether a map error means "no such key" or "no more keys" (the end of an iteration).
fn is_end(e: &MapError) -> bool {
    matches!(
        e.kind(),
        MapErrorKind::NoMoreKeys | MapErrorKind::KeyNotFound
    ) || e.ebpf_result() == EbpfResult::NoMoreKeys
}

fn index_of(key: &[u8]) -> Result<u32, ProtocolError> {
    match *key {
        [a, b, c, d] => Ok(u32::from_ne_bytes([a, b, c, d])),
        _ => Err(ProtocolError::malformed(format_args!(
            "a program array's key is a 4-byte index, not {} bytes",
            key.len()
        ))),
    }
}

impl ExecutionContext {
    pub(super) fn map_op(
        &mut self,
        request: &Request<'_>,
        w: &mut Writer<'_>,
    ) -> Result<(), ProtocolError> {
        match *request {
            Request::MapLookup { map, key } => {
                let map = self.handles.map(map)?;
                let n = map.map().user_value_size();
                w.u32(n as u32);
                if let Some(out) = w.reserve(n) {
                    map.map().lookup(key, out)?;
                }
            }
            Request::MapUpdate {
                map,
                key,
                value,
                flags,
            } => {
                let map = self.handles.map(map)?.clone();
                self.update(&map, key, value, flags)?;
            }
            Request::MapDelete { map, key } => {
                let map = self.handles.map(map)?.clone();
                self.delete(&map, key)?;
            }
            Request::MapLookupAndDelete { map, key } => {
                let map = self.handles.map(map)?;
                let n = map.map().user_value_size();
                need(Op::MapLookupAndDelete, w, 4 + n)?;
                w.u32(n as u32);
                if let Some(out) = w.reserve(n) {
                    map.map().lookup_and_delete(key, out)?;
                }
            }
            Request::MapNextKey { map, key } => {
                let map = self.handles.map(map)?;
                let n = map.map().def().key_size as usize;
                w.u32(n as u32);
                if let Some(out) = w.reserve(n) {
                    map.map().next_key(key, out)?;
                }
            }
            Request::MapUpdateWithHandle { map, key, value } => {
                let target = self.handles.map(map)?.clone();
                let stored = if value == 0 {
                    Stored::Nothing
                } else {
                    match self.handles.get(value)? {
                        Object::Program(p) => Stored::Program(p),
                        Object::Map(m) => Stored::Map(m),
                        Object::Link(_) => {
                            return Err(ProtocolError::new(super::ErrorKind::WrongHandleKind)
                                .with_message(format_args!(
                                    "handle {value} is a link; a map stores programs or maps"
                                )))
                        }
                    }
                };
                store(&target, key, stored)?;
            }
            Request::MapLookupBatch {
                map,
                after,
                max_count,
                delete,
            } => {
                let map = self.handles.map(map)?.clone();
                lookup_batch(&map, after, max_count, delete, w)?;
            }
            Request::MapUpdateBatch {
                map,
                count,
                flags,
                keys,
                values,
            } => {
                let map = self.handles.map(map)?.clone();
                let ks = map.map().def().key_size as usize;
                let vs = map.map().user_value_size();
                check_run("keys", keys.len(), count, ks)?;
                check_run("values", values.len(), count, vs)?;
                for i in 0..count as usize {
                    let (k, v) = (&keys[i * ks..][..ks], &values[i * vs..][..vs]);
                    self.update(&map, k, v, flags)
                        .map_err(|e| e.with_detail(i as u32))?;
                }
                Reply::Count { count }.encode_payload(w);
            }
            Request::MapDeleteBatch { map, count, keys } => {
                let map = self.handles.map(map)?.clone();
                let ks = map.map().def().key_size as usize;
                check_run("keys", keys.len(), count, ks)?;
                for i in 0..count as usize {
                    self.delete(&map, &keys[i * ks..][..ks])
                        .map_err(|e| e.with_detail(i as u32))?;
                }
                Reply::Count { count }.encode_payload(w);
            }
            _ => {}
        }
        Ok(())
    }

    /// An update; program arrays and maps of maps take an object id as the value.
    fn update(
        &self,
        map: &MapObject,
        key: &[u8],
        value: &[u8],
        flags: u64,
    ) -> Result<(), ProtocolError> {
        let t = map.map().map_type();
        if t != MapType::ProgArray && !t.is_map_of_maps() {
            map.map().update(key, value, flags)?;
            return Ok(());
        }
        let id = match *value {
            [a, b, c, d] => u32::from_ne_bytes([a, b, c, d]),
            _ => {
                return Err(ProtocolError::malformed(format_args!(
                    "a {} value is a 4-byte object id, not {} bytes",
                    t.name(),
                    value.len()
                )))
            }
        };
        if flags > crate::maps::update::EXIST {
            return Err(ProtocolError::malformed(format_args!(
                "update flags {flags} are not BPF_ANY, BPF_NOEXIST or BPF_EXIST"
            )));
        }
        if id == 0 {
            return store(map, key, Stored::Nothing);
        }
        match self.host.object(id)? {
            Object::Program(p) => store(map, key, Stored::Program(&p)),
            Object::Map(m) => store(map, key, Stored::Map(&m)),
            Object::Link(_) => Err(ProtocolError::malformed(format_args!(
                "id {id} is a link; a {} stores {}",
                t.name(),
                if t == MapType::ProgArray {
                    "programs"
                } else {
                    "maps"
                }
            ))),
        }
    }

    /// A delete; program arrays and maps of maps clear the slot.
    fn delete(&self, map: &MapObject, key: &[u8]) -> Result<(), ProtocolError> {
        let t = map.map().map_type();
        if t == MapType::ProgArray || t.is_map_of_maps() {
            return store(map, key, Stored::Nothing);
        }
        map.map().delete(key)?;
        Ok(())
    }
}

/// Stores an object (or clears the slot) in a program array or map of maps.
fn store(map: &MapObject, key: &[u8], stored: Stored<'_>) -> Result<(), ProtocolError> {
    let t = map.map().map_type();
    match (t, stored) {
        (MapType::ProgArray, Stored::Program(p)) => map.set_program(index_of(key)?, Some(p))?,
        (MapType::ProgArray, Stored::Nothing) => map.set_program(index_of(key)?, None)?,
        (_, Stored::Map(m)) if t.is_map_of_maps() => map.set_inner(key, Some(m))?,
        (_, Stored::Nothing) if t.is_map_of_maps() => map.set_inner(key, None)?,
        (MapType::ProgArray, Stored::Map(_)) => {
            return Err(ProtocolError::malformed(format_args!(
                "a program array stores programs, not maps"
            )))
        }
        (_, Stored::Program(_)) if t.is_map_of_maps() => {
            return Err(ProtocolError::malformed(format_args!(
                "a {} stores maps, not programs",
                t.name()
            )))
        }
        _ => {
            return Err(ProtocolError::malformed(format_args!(
                "a {} map stores bytes, not objects: use map_update",
                t.name()
            )))
        }
    }
    Ok(())
}

/// Checks that a run of `count` items of `size` bytes is `len` bytes long.
fn check_run(field: &str, len: usize, count: u32, size: usize) -> Result<(), ProtocolError> {
    let expected = (count as usize).saturating_mul(size);
    if len != expected {
        return Err(ProtocolError::malformed(format_args!(
            "{field}: {len} bytes given, {count} entries of {size} bytes are {expected}"
        )));
    }
    Ok(())
}

/// Copies (and deletes, with `delete`) up to `max_count` entries after `after`, as many as the
/// reply buffer holds; `more` tells whether entries are left.
fn lookup_batch(
    map: &MapObject,
    after: Option<&[u8]>,
    max_count: u32,
    delete: bool,
    w: &mut Writer<'_>,
) -> Result<(), ProtocolError> {
    let ks = map.map().def().key_size as usize;
    let vs = map.map().user_value_size();
    // count, more, and the two lengths.
    const FIXED: usize = 13;
    let per = ks + vs;
    let room = w.room().saturating_sub(FIXED);
    let limit = room
        .checked_div(per)
        .unwrap_or(usize::MAX)
        .min(max_count as usize);
    let mut probe = vec![0u8; ks];
    if limit == 0 {
        // Not even one entry fits: say so if there is one.
        let more = match map.map().next_key(after, &mut probe) {
            Ok(()) => true,
            Err(e) if is_end(&e) => false,
            Err(e) => return Err(e.into()),
        };
        if more && max_count > 0 {
            need(Op::MapLookupBatch, w, FIXED + per)?;
        }
        Reply::Batch {
            count: 0,
            more,
            keys: &[],
            values: &[],
        }
        .encode_payload(w);
        return Ok(());
    }
    let mut keys: Vec<u8> = Vec::with_capacity(limit * ks);
    let mut values: Vec<u8> = Vec::with_capacity(limit * vs);
    let mut value = vec![0u8; vs];
    let mut cursor: Option<Vec<u8>> = after.map(<[u8]>::to_vec);
    let (mut count, mut more) = (0usize, false);
    // Entries deleted while the batch runs are skipped; a bound on the steps keeps a map
    // changing under the batch from holding it forever.
    let mut steps = 0usize;
    loop {
        steps += 1;
        if steps > 2 * limit + super::MAX_BATCH {
            more = true;
            break;
        }
        match map.map().next_key(cursor.as_deref(), &mut probe) {
            Ok(()) => {}
            Err(e) if is_end(&e) => break,
            Err(e) => return Err(e.into()),
        }
        if count == limit {
            more = true;
            break;
        }
        let got = if delete {
            map.map().lookup_and_delete(&probe, &mut value)
        } else {
            map.map().lookup(&probe, &mut value)
        };
        match got {
            Ok(()) => {
                keys.extend_from_slice(&probe);
                values.extend_from_slice(&value);
                count += 1;
            }
            // Deleted since it was listed: go past it.
            Err(e) if is_end(&e) => {}
            Err(e) => return Err(ProtocolError::from(e).with_detail(count as u32)),
        }
        cursor = Some(probe.clone());
    }
    Reply::Batch {
        count: count as u32,
        more,
        keys: &keys,
        values: &values,
    }
    .encode_payload(w);
    Ok(())
}
