//! [`ExecutionContext`]: the one dispatcher. It checks a request's header and payload, runs
//! the operation on its [`Host`] and handle table, and writes the reply (or an error reply).

use alloc::vec::Vec;

use super::codec::{Header, Writer};
use super::error::{ErrorKind, ProtocolError};
use super::handles::HandleTable;
use super::limits::{map_bytes, Limits};
use super::message::{op_name, Op, Request};
use super::reply::{Redirected, Reply};
use super::types::{LoadedObject, ObjectList, WireEngine, WireMapDef};
use super::{ERROR_FIXED_LEN, HEADER_LEN, VERSION};
use crate::context::Redirect;
use crate::host::Host;
use crate::image::{ImageLoadOptions, NativeImage};
use crate::invoke::TestRun;
use crate::maps::{MapDef, MapType, Semantics};
use crate::object::{Object, ObjectKind};
use crate::program::{Engine, LoadOptions, Loaded};

/// An execution context behind the protocol: a [`Host`] and the handles its client opened.
#[derive(Debug)]
pub struct ExecutionContext {
    pub(super) host: Host,
    pub(super) handles: HandleTable,
    pub(super) limits: Limits,
    /// The ed25519 public keys native images must be signed by.
    trusted_keys: Vec<[u8; 32]>,
    image_options: ImageLoadOptions,
}

impl ExecutionContext {
    /// A context on `host` with the default [`Limits`].
    pub fn new(host: Host) -> Self {
        Self::with_limits(host, Limits::default())
    }

    /// A context on `host` with `limits`.
    pub fn with_limits(host: Host, limits: Limits) -> Self {
        ExecutionContext {
            handles: HandleTable::new(limits.max_handles),
            host,
            limits,
            trusted_keys: Vec::new(),
            image_options: ImageLoadOptions::new(),
        }
    }

    /// Sets what native images must be signed by (`load_native_image` refuses every signed
    /// image until keys are given, and unsigned ones unless `options` allow them).
    pub fn set_image_policy(&mut self, trusted_keys: &[[u8; 32]], options: ImageLoadOptions) {
        self.trusted_keys = trusted_keys.to_vec();
        self.image_options = options;
    }

    /// The host.
    pub fn host(&self) -> &Host {
        &self.host
    }

    /// The limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The open handles.
    pub fn handles(&self) -> &HandleTable {
        &self.handles
    }

    /// Answers one request: writes the reply (success or error) into `reply` and returns its
    /// length. A reply buffer shorter than the 16-byte header gets nothing (0 is returned);
    /// an error reply that does not fit whole keeps its header and as much of its payload as
    /// fits (the message is cut first).
    pub fn handle(&mut self, request: &[u8], reply: &mut [u8]) -> usize {
        if reply.len() < HEADER_LEN {
            return 0;
        }
        let (head, body) = reply.split_at_mut(HEADER_LEN);
        let cap = body.len().min(self.limits.max_message);
        let body = &mut body[..cap];
        let (op, request_id, result) = match Header::read(request) {
            Ok(h) => (h.op, h.request_id, self.run(&h, request, body)),
            Err(e) => (0, 0, Err(e)),
        };
        let (length, status) = match result {
            Ok(n) => (n, 0),
            Err(e) => (write_error(body, &e), e.kind().code()),
        };
        let header = Header {
            version: VERSION,
            op,
            request_id,
            length: length as u32,
            status,
        };
        head.copy_from_slice(&header.to_bytes());
        HEADER_LEN + length
    }

    /// Checks the header, decodes and runs the request; returns the reply payload's length.
    fn run(&mut self, h: &Header, request: &[u8], body: &mut [u8]) -> Result<usize, ProtocolError> {
        let max = self.limits.max_message;
        if request.len() > max {
            return Err(ProtocolError::limit(format_args!(
                "the request is {} bytes, the limit is {max}",
                request.len()
            )));
        }
        if h.version != VERSION {
            return Err(
                ProtocolError::new(ErrorKind::BadVersion).with_message(format_args!(
                    "the request speaks protocol version {}, this context speaks {VERSION}",
                    h.version
                )),
            );
        }
        if h.status != 0 {
            return Err(ProtocolError::malformed(format_args!(
                "a request's status field must be 0, not {}",
                h.status
            )));
        }
        let payload = &request[HEADER_LEN..];
        let declared = h.length as usize;
        if declared > max {
            return Err(ProtocolError::limit(format_args!(
                "the header declares a {declared}-byte payload, the limit is {max}"
            )));
        }
        if declared > payload.len() {
            return Err(
                ProtocolError::new(ErrorKind::Truncated).with_message(format_args!(
                    "the header declares a {declared}-byte payload, {} bytes follow it",
                    payload.len()
                )),
            );
        }
        if declared < payload.len() {
            return Err(ProtocolError::malformed(format_args!(
                "{} bytes follow the {declared}-byte payload the header declares",
                payload.len() - declared
            )));
        }
        let op = Op::from_code(h.op).ok_or_else(|| {
            ProtocolError::new(ErrorKind::UnknownOp)
                .with_message(format_args!("operation code {} is not known", h.op))
        })?;
        let request = Request::decode(op, payload)?;
        let mut w = Writer::new(body);
        self.execute(&request, &mut w)?;
        if !w.fits() {
            return Err(too_small(op, w.needed(), w.capacity()));
        }
        Ok(w.written())
    }

    /// Runs a decoded request, writing its reply payload into `w`.
    pub(super) fn execute(
        &mut self,
        request: &Request<'_>,
        w: &mut Writer<'_>,
    ) -> Result<(), ProtocolError> {
        let op = request.op();
        match *request {
            Request::CreateMap { def, inner, name } => {
                need(op, w, 12)?;
                self.handles.check_room()?;
                let mut host_def = self.map_def(&def, "def")?;
                if let Some(inner) = inner {
                    host_def = host_def.with_inner(self.map_def(&inner, "inner")?);
                }
                self.check_map_memory(&[(name, &host_def)])?;
                let map = self.host.create_map(name, host_def)?;
                let id = map.id();
                let handle = self.handles.open(Object::Map(map))?;
                Reply::Handle {
                    handle,
                    kind: ObjectKind::Map,
                    id,
                }
                .encode_payload(w);
            }
            Request::MapLookup { .. }
            | Request::MapUpdate { .. }
            | Request::MapDelete { .. }
            | Request::MapLookupAndDelete { .. }
            | Request::MapNextKey { .. }
            | Request::MapUpdateWithHandle { .. }
            | Request::MapLookupBatch { .. }
            | Request::MapUpdateBatch { .. }
            | Request::MapDeleteBatch { .. } => self.map_op(request, w)?,
            Request::LoadObject {
                object,
                engine,
                program_type,
                functions,
            } => {
                let names: Vec<&str> = functions.iter().collect();
                let engine = match engine {
                    WireEngine::Default => LoadOptions::default().engine,
                    WireEngine::Interpreter => Engine::Interpreter,
                    WireEngine::Jit => Engine::Jit,
                };
                let options = LoadOptions {
                    engine,
                    functions: (!names.is_empty()).then_some(&names[..]),
                    program_type,
                };
                self.load_object(object, &options, w)?;
            }
            Request::LoadNativeImage { image } => self.load_image(image, w)?,
            Request::Attach {
                program,
                attach_type,
                parameter,
            } => {
                need(op, w, 12)?;
                self.handles.check_room()?;
                let program = self.handles.program(program)?.clone();
                let platform = self.host.platform();
                let Some(at) = platform
                    .attach_types
                    .iter()
                    .find(|t| t.number == attach_type)
                else {
                    return Err(
                        ProtocolError::new(ErrorKind::Link).with_message(format_args!(
                            "the {} platform has no attach type {attach_type}",
                            platform.name
                        )),
                    );
                };
                let link = self
                    .host
                    .attach(&program, at, parameter)
                    .map_err(link_error)?;
                let id = link.id();
                let handle = self.handles.open(Object::Link(link))?;
                Reply::Handle {
                    handle,
                    kind: ObjectKind::Link,
                    id,
                }
                .encode_payload(w);
            }
            Request::Detach { link } => {
                // The handle stays open (its info shows the link detached) until closed.
                let link = self.handles.link(link)?;
                link.detach().map_err(link_error)?;
            }
            Request::ReplaceProgram { link, program } => {
                let program = self.handles.program(program)?;
                let link = self.handles.link(link)?;
                link.replace(program).map_err(link_error)?;
            }
            Request::Pin { handle, path } => {
                let object = self.handles.get(handle)?.clone();
                self.host.pin(path, object)?;
            }
            Request::Unpin { path } => {
                self.host.unpin(path)?;
            }
            Request::GetPinned { path } => {
                need(op, w, 12)?;
                self.handles.check_room()?;
                let object = self.host.pinned(path)?;
                self.open_reply(object, w)?;
            }
            Request::NextPinPath { after } => {
                let path = self.host.next_pin(after);
                Reply::PinPath {
                    path: path.as_deref(),
                }
                .encode_payload(w);
            }
            Request::GetById { kind, id } => {
                need(op, w, 12)?;
                self.handles.check_room()?;
                let object = self.host.object(id)?;
                if object.kind() != kind {
                    return Err(ProtocolError::new(ErrorKind::Object)
                        .with_codes(
                            crate::EbpfResult::ObjectNotFound,
                            crate::error::errno::ENOENT,
                        )
                        .with_message(format_args!(
                            "id {id} is a {}, not a {kind}",
                            object.kind()
                        )));
                }
                self.open_reply(object, w)?;
            }
            Request::NextId { kind, after } => {
                let id = self.host.next_id(kind, after).unwrap_or(0);
                Reply::Id { id }.encode_payload(w);
            }
            Request::ObjectInfo { handle } => self.info(handle, w)?,
            Request::TestRun {
                program,
                repeat,
                data,
                ctx,
            } => {
                let program = self.handles.program(program)?.clone();
                if repeat > self.limits.max_repeat {
                    return Err(ProtocolError::limit(format_args!(
                        "repeat {repeat} is above the limit {}",
                        self.limits.max_repeat
                    )));
                }
                let out = program.test_run(&TestRun { data, ctx, repeat })?;
                let redirect = match out.redirect {
                    None => Redirected::None,
                    Some(Redirect::Interface { ifindex }) => Redirected::Interface { ifindex },
                    Some(Redirect::Map {
                        map_id,
                        key,
                        ifindex,
                    }) => Redirected::Map {
                        map_id,
                        key,
                        ifindex,
                    },
                };
                Reply::TestRun {
                    retval: out.retval,
                    duration_ns: out.duration_ns,
                    redirect,
                    data_out: &out.data_out,
                    ctx_out: &out.ctx_out,
                }
                .encode_payload(w);
            }
            Request::CloseHandle { handle } => {
                self.handles.close(handle)?;
            }
            Request::EpochSynchronize => self.host.synchronize(),
        }
        Ok(())
    }

    fn open_reply(&mut self, object: Object, w: &mut Writer<'_>) -> Result<(), ProtocolError> {
        let (kind, id) = (object.kind(), object.id());
        let handle = self.handles.open(object)?;
        Reply::Handle { handle, kind, id }.encode_payload(w);
        Ok(())
    }

    fn info(&self, handle: u32, w: &mut Writer<'_>) -> Result<(), ProtocolError> {
        match self.handles.get(handle)? {
            Object::Map(m) => {
                let i = self.host.map_info(m);
                Reply::MapInfo {
                    id: i.id,
                    type_number: i.type_number,
                    key_size: i.key_size,
                    value_size: i.value_size,
                    max_entries: i.max_entries,
                    flags: i.flags,
                    pinned_path_count: i.pinned_path_count,
                    type_name: i.type_name,
                    name: &i.name,
                }
                .encode_payload(w);
            }
            Object::Program(p) => {
                let i = self.host.program_info(p);
                let ids: Vec<u8> = i.map_ids.iter().flat_map(|id| id.to_le_bytes()).collect();
                Reply::ProgramInfo {
                    id: i.id,
                    type_number: i.type_number,
                    engine: match i.engine {
                        Engine::Interpreter => 1,
                        Engine::Jit => 2,
                    },
                    instructions: i.instructions as u64,
                    instruction_bound: i.instruction_bound,
                    type_name: i.type_name,
                    name: &i.name,
                    section: &i.section,
                    map_ids: super::types::IdList::from_bytes(&ids),
                }
                .encode_payload(w);
            }
            Object::Link(l) => {
                let i = l.info();
                Reply::LinkInfo {
                    id: i.id,
                    program_id: i.program_id,
                    attach_type: i.attach_type,
                    parameter: i.parameter,
                    attached: i.attached,
                }
                .encode_payload(w);
            }
        }
        Ok(())
    }

    /// The host's definition of a wire map definition.
    fn map_def(&self, def: &WireMapDef, field: &str) -> Result<MapDef, ProtocolError> {
        let t = match self.host.semantics() {
            Semantics::Windows => MapType::from_windows_id(def.map_type),
            Semantics::Linux => MapType::from_linux_id(def.map_type),
        };
        let Some(t) = t else {
            return Err(ProtocolError::malformed(format_args!(
                "{field}: map type {} is not a map type of the {} platform this host implements",
                def.map_type,
                self.host.platform().name
            )));
        };
        Ok(MapDef::new(t, def.key_size, def.value_size, def.max_entries).with_flags(def.flags))
    }

    /// Checks new maps against the per-map and total memory limits.
    pub(super) fn check_map_memory(&self, new: &[(&str, &MapDef)]) -> Result<(), ProtocolError> {
        let cpus = self.host.epoch().cpu_count();
        let mut total = self.live_map_bytes();
        for (name, def) in new {
            let bytes = map_bytes(def, cpus);
            if bytes > self.limits.max_map_bytes {
                return Err(ProtocolError::limit(format_args!(
                    "map {name:?} would take about {bytes} bytes, the limit is {}",
                    self.limits.max_map_bytes
                )));
            }
            total = total.saturating_add(bytes);
        }
        if total > self.limits.max_total_map_bytes {
            return Err(ProtocolError::limit(format_args!(
                "the host's maps would take about {total} bytes, the limit is {}",
                self.limits.max_total_map_bytes
            )));
        }
        Ok(())
    }

    /// The estimated bytes of every live map of the host.
    fn live_map_bytes(&self) -> u64 {
        let cpus = self.host.epoch().cpu_count();
        let mut total = 0u64;
        let mut at = 0;
        while let Some(id) = self.host.next_id(ObjectKind::Map, at) {
            if let Ok(Object::Map(m)) = self.host.object(id) {
                total = total.saturating_add(map_bytes(m.map().def(), cpus));
            }
            at = id;
        }
        total
    }

    fn load_object(
        &mut self,
        bytes: &[u8],
        options: &LoadOptions<'_>,
        w: &mut Writer<'_>,
    ) -> Result<(), ProtocolError> {
        let read = ebpf_loader::LoadOptions::new(self.host.platform());
        let object = ebpf_loader::Object::parse(bytes, &read)?;
        // Every map the object would create, against the memory limits, before creating any.
        let defs: Vec<(&str, MapDef)> = object
            .maps()
            .iter()
            .filter_map(|m| Some((m.name.as_str(), self.loader_map_def(m)?)))
            .collect();
        let refs: Vec<(&str, &MapDef)> = defs.iter().map(|(n, d)| (*n, d)).collect();
        self.check_map_memory(&refs)?;
        // The reply and the handles for every map and program the object could create.
        let names = object
            .maps()
            .iter()
            .map(|m| m.name.len())
            .chain(object.programs().iter().map(|p| p.function.len()));
        self.check_load_room(names, w)?;
        let loaded = self.host.load(&object, options)?;
        self.open_loaded(&loaded, w)
    }

    fn load_image(&mut self, bytes: &[u8], w: &mut Writer<'_>) -> Result<(), ProtocolError> {
        let image = NativeImage::decode(bytes).map_err(|e| {
            ProtocolError::new(ErrorKind::Load)
                .with_codes(
                    crate::EbpfResult::InvalidObject,
                    crate::error::errno::EINVAL,
                )
                .with_message(format_args!("{e}"))
        })?;
        let defs: Vec<(&str, MapDef)> = image
            .maps
            .iter()
            .filter_map(|m| {
                Some((
                    m.name.as_str(),
                    self.raw_map_def(m.raw_type, m.key_size, m.value_size, m.max_entries)?,
                ))
            })
            .collect();
        let refs: Vec<(&str, &MapDef)> = defs.iter().map(|(n, d)| (*n, d)).collect();
        self.check_map_memory(&refs)?;
        let names = image
            .maps
            .iter()
            .map(|m| m.name.len())
            .chain(image.programs.iter().map(|p| p.function.len()));
        self.check_load_room(names, w)?;
        let loaded = self
            .host
            .load_image(bytes, &self.trusted_keys, &self.image_options)?;
        self.open_loaded(&loaded, w)
    }

    /// Checks that the reply and the handle table have room for objects with these names.
    fn check_load_room(
        &self,
        names: impl Iterator<Item = usize>,
        w: &Writer<'_>,
    ) -> Result<(), ProtocolError> {
        let (mut count, mut bytes_needed) = (0usize, 4usize);
        for len in names {
            count += 1;
            bytes_needed = bytes_needed.saturating_add(16 + len);
        }
        need(Op::LoadObject, w, bytes_needed)?;
        if self.handles.len() + count > self.limits.max_handles {
            return Err(ProtocolError::limit(format_args!(
                "the object's {count} maps and programs need handles; {} of {} are open",
                self.handles.len(),
                self.limits.max_handles
            )));
        }
        Ok(())
    }

    /// Opens a handle on every map and program of a load and writes the list.
    fn open_loaded(&mut self, loaded: &Loaded, w: &mut Writer<'_>) -> Result<(), ProtocolError> {
        let mut entries = Vec::new();
        for m in loaded.maps() {
            let handle = self.handles.open(Object::Map(m.clone()))?;
            entries.push((ObjectKind::Map, handle, m.id(), m.name()));
        }
        for p in loaded.programs() {
            let handle = self.handles.open(Object::Program(p.clone()))?;
            entries.push((ObjectKind::Program, handle, p.id(), p.name()));
        }
        ObjectList::write_count(w, entries.len());
        for (kind, handle, id, name) in entries {
            let entry = LoadedObject {
                kind,
                handle,
                id,
                name,
            };
            ObjectList::write_entry(w, &entry);
        }
        Ok(())
    }

    /// The host's definition of an ELF map, for the memory estimate (`None`: a type the load
    /// will refuse anyway).
    fn loader_map_def(&self, m: &ebpf_loader::MapDef) -> Option<MapDef> {
        self.raw_map_def(m.raw_type, m.key_size, m.value_size, m.max_entries)
    }

    /// The host's definition of a map by its platform type number (Linux device maps are
    /// arrays of interface indexes here).
    fn raw_map_def(&self, raw_type: u32, key: u32, value: u32, max: u32) -> Option<MapDef> {
        const LINUX_DEVMAP: u32 = 14;
        let t = match self.host.semantics() {
            Semantics::Windows => MapType::from_windows_id(raw_type)?,
            Semantics::Linux if raw_type == LINUX_DEVMAP => MapType::Array,
            Semantics::Linux => MapType::from_linux_id(raw_type)?,
        };
        Some(MapDef::new(t, key, value, max))
    }
}

/// An attach, detach or replace failure: a [`ErrorKind::Link`] error with the object error's
/// codes.
fn link_error(e: crate::object::ObjectError) -> ProtocolError {
    let codes = ProtocolError::from(e.clone());
    let (result, errno) = match e.kind() {
        crate::object::ObjectErrorKind::Detached { .. } => {
            (crate::EbpfResult::InvalidState, crate::error::errno::EINVAL)
        }
        crate::object::ObjectErrorKind::NoHook { .. } => (
            crate::EbpfResult::OperationNotSupported,
            crate::error::errno::EOPNOTSUPP,
        ),
        crate::object::ObjectErrorKind::SingleAttach { .. } => (
            crate::EbpfResult::ObjectAlreadyExists,
            crate::error::errno::EEXIST,
        ),
        crate::object::ObjectErrorKind::HookFull { .. } => {
            (crate::EbpfResult::OutOfSpace, crate::error::errno::E2BIG)
        }
        _ => (codes.ebpf_result(), codes.errno()),
    };
    ProtocolError::new(ErrorKind::Link)
        .with_codes(result, errno)
        .with_message(format_args!("{e}"))
}

/// Fails with [`ErrorKind::ReplyTooSmall`] unless `n` more bytes fit the reply (checked before
/// an operation with lasting effects).
pub(super) fn need(op: Op, w: &Writer<'_>, n: usize) -> Result<(), ProtocolError> {
    if n > w.room() {
        return Err(too_small(op, w.needed().saturating_add(n), w.capacity()));
    }
    Ok(())
}

fn too_small(op: Op, payload: usize, capacity: usize) -> ProtocolError {
    let total = payload.saturating_add(HEADER_LEN);
    ProtocolError::new(ErrorKind::ReplyTooSmall)
        .with_detail(u32::try_from(total).unwrap_or(u32::MAX))
        .with_message(format_args!(
            "the {} reply needs {total} bytes, the buffer holds {}",
            op_name(op),
            capacity + HEADER_LEN
        ))
}

/// Writes an error payload into `body`, cutting the message to fit; returns its length.
fn write_error(body: &mut [u8], e: &ProtocolError) -> usize {
    if body.len() < ERROR_FIXED_LEN {
        return 0;
    }
    let message = e.message();
    let mut end = message.len().min(body.len() - ERROR_FIXED_LEN);
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    let cut = ProtocolError::from_parts(
        e.kind(),
        e.ebpf_result(),
        e.errno(),
        e.detail(),
        &message[..end],
    );
    let mut w = Writer::new(body);
    super::message::write_error(&mut w, &cut);
    w.written()
}
