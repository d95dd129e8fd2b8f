//! The object model: programs, maps and links with `u32` ids from one counter, shared through
//! `Arc` handles, pinned by path, enumerated by next id and described by info queries (what
//! eBPF for Windows' `GET_NEXT_*_ID`, `GET_*_HANDLE_BY_ID`, `UPDATE_PINNING` and
//! `GET_OBJECT_INFO` operations and libbpf's `bpf_*_get_next_id`, `bpf_obj_get_info_by_fd`
//! offer).
//!
//! - [`Object`]: one of [`Program`], [`MapObject`], [`Link`], by handle.
//! - [`MapObject`]: a [`Map`] with its id, name and platform type number; program arrays also
//!   hold their programs (read by tail calls under the epoch, without a lock) and maps of maps
//!   hold their inner maps alive.
//! - [`Link`]: a program attached to a hook (with an attach parameter, such as an interface
//!   index); see [`hooks`](crate::hooks).
//! - [`ObjectError`]: a failed object operation.
//!
//! Objects live as long as a handle, a pin, a program using them (maps) or a map holding
//! them (programs in a program array, inner maps) does; ids are never reused. A program in a
//! program array that it uses itself keeps itself alive until the slot is cleared
//! ([`MapObject::set_program`] with `None`), as in Linux until the array's last user handle
//! closes.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::fmt;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use ebpf_platform::{AttachType, ProgramType};

use crate::epoch::Guard;
use crate::error::MapError;
use crate::hooks::HookState;
use crate::maps::{update, Map, MapType};
use crate::program::Program;
use crate::sys::lock::SpinLock;
use crate::sys::rcu::RcuSlots;

/// The kinds of objects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// A loaded program.
    Program,
    /// A map.
    Map,
    /// A program attached to a hook.
    Link,
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ObjectKind::Program => "program",
            ObjectKind::Map => "map",
            ObjectKind::Link => "link",
        })
    }
}

/// A handle to an object of the host.
#[derive(Clone, Debug)]
pub enum Object {
    /// A program.
    Program(Arc<Program>),
    /// A map.
    Map(Arc<MapObject>),
    /// A link.
    Link(Arc<Link>),
}

impl Object {
    /// The object's id.
    pub fn id(&self) -> u32 {
        match self {
            Object::Program(p) => p.id(),
            Object::Map(m) => m.id(),
            Object::Link(l) => l.id(),
        }
    }

    /// The object's kind.
    pub fn kind(&self) -> ObjectKind {
        match self {
            Object::Program(_) => ObjectKind::Program,
            Object::Map(_) => ObjectKind::Map,
            Object::Link(_) => ObjectKind::Link,
        }
    }

    fn downgrade(&self) -> WeakObject {
        match self {
            Object::Program(p) => WeakObject::Program(Arc::downgrade(p)),
            Object::Map(m) => WeakObject::Map(Arc::downgrade(m)),
            Object::Link(l) => WeakObject::Link(Arc::downgrade(l)),
        }
    }
}

/// A registry entry: objects are owned by their handles, not by the registry.
#[derive(Debug)]
enum WeakObject {
    Program(Weak<Program>),
    Map(Weak<MapObject>),
    Link(Weak<Link>),
}

impl WeakObject {
    fn upgrade(&self) -> Option<Object> {
        match self {
            WeakObject::Program(p) => p.upgrade().map(Object::Program),
            WeakObject::Map(m) => m.upgrade().map(Object::Map),
            WeakObject::Link(l) => l.upgrade().map(Object::Link),
        }
    }

    fn kind(&self) -> ObjectKind {
        match self {
            WeakObject::Program(_) => ObjectKind::Program,
            WeakObject::Map(_) => ObjectKind::Map,
            WeakObject::Link(_) => ObjectKind::Link,
        }
    }
}

/// Why an object operation failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectError {
    kind: ObjectErrorKind,
}

/// What went wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ObjectErrorKind {
    /// No live object has this id.
    NoSuchId {
        /// The id.
        id: u32,
    },
    /// Something is already pinned at this path.
    AlreadyPinned {
        /// The path.
        path: String,
    },
    /// Nothing is pinned at this path.
    NotPinned {
        /// The path.
        path: String,
    },
    /// A pin path must not be empty.
    EmptyPath,
    /// The operation needs another kind of map.
    WrongMapType {
        /// The operation.
        op: &'static str,
        /// The map's type.
        map_type: MapType,
    },
    /// A program array holds programs of one type only.
    ProgramTypeMismatch {
        /// The array's program type.
        expected: &'static str,
        /// The program's.
        got: &'static str,
    },
    /// The object belongs to another host.
    ForeignObject,
    /// The map refused the operation.
    Map(MapError),
    /// The host has no hook for this attach type.
    NoHook {
        /// The attach type's name.
        attach_type: String,
    },
    /// The hook runs programs of another type.
    WrongProgramType {
        /// The attach type.
        attach_type: &'static str,
        /// The hook's program type.
        expected: &'static str,
        /// The program's.
        got: &'static str,
    },
    /// A single-attach hook already has a program (for this parameter).
    SingleAttach {
        /// The attach type.
        attach_type: &'static str,
        /// The attach parameter.
        parameter: u64,
    },
    /// The hook would run more programs for one event than it may.
    HookFull {
        /// The attach type.
        attach_type: &'static str,
        /// The most programs per event.
        limit: usize,
    },
    /// The link is no longer attached.
    Detached {
        /// The link's id.
        link: u32,
    },
    /// Memory could not be had.
    NoMemory,
    /// The program was verified for another attach type, and its program type's context
    /// depends on the attach type (Linux's `expected_attach_type` check).
    WrongAttachType {
        /// The hook's attach type.
        attach_type: &'static str,
        /// The attach type the program was verified for.
        verified_for: &'static str,
    },
}

impl ObjectError {
    /// An error of `kind`.
    pub fn new(kind: ObjectErrorKind) -> Self {
        ObjectError { kind }
    }

    /// What went wrong.
    pub fn kind(&self) -> &ObjectErrorKind {
        &self.kind
    }
}

impl From<MapError> for ObjectError {
    fn from(e: MapError) -> Self {
        ObjectError::new(ObjectErrorKind::Map(e))
    }
}

impl fmt::Display for ObjectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ObjectErrorKind::NoSuchId { id } => write!(f, "no object with id {id}"),
            ObjectErrorKind::AlreadyPinned { path } => write!(f, "{path:?} is already pinned"),
            ObjectErrorKind::NotPinned { path } => write!(f, "nothing is pinned at {path:?}"),
            ObjectErrorKind::EmptyPath => f.write_str("a pin path must not be empty"),
            ObjectErrorKind::WrongMapType { op, map_type } => {
                write!(f, "{op} needs another map type than {map_type}")
            }
            ObjectErrorKind::ProgramTypeMismatch { expected, got } => write!(
                f,
                "the program array holds {expected} programs, this one is {got}"
            ),
            ObjectErrorKind::ForeignObject => f.write_str("the object belongs to another host"),
            ObjectErrorKind::Map(e) => write!(f, "{e}"),
            ObjectErrorKind::NoHook { attach_type } => {
                write!(f, "the host has no hook for attach type {attach_type}")
            }
            ObjectErrorKind::WrongProgramType {
                attach_type,
                expected,
                got,
            } => write!(
                f,
                "the {attach_type} hook runs {expected} programs, this one is {got}"
            ),
            ObjectErrorKind::SingleAttach {
                attach_type,
                parameter,
            } => write!(
                f,
                "the {attach_type} hook already has its one program for parameter {parameter}"
            ),
            ObjectErrorKind::HookFull { attach_type, limit } => write!(
                f,
                "the {attach_type} hook would run more than {limit} programs for one event"
            ),
            ObjectErrorKind::Detached { link } => write!(f, "link {link} is detached"),
            ObjectErrorKind::NoMemory => f.write_str("out of memory"),
            ObjectErrorKind::WrongAttachType {
                attach_type,
                verified_for,
            } => write!(
                f,
                "the program was verified for attach type {verified_for}, whose context differs \
                 from the {attach_type} hook's: it cannot be attached there"
            ),
        }
    }
}

impl core::error::Error for ObjectError {}

/// Ids, the live objects by id, and the pins.
#[derive(Debug)]
pub(crate) struct Registry {
    next_id: AtomicU32,
    objects: SpinLock<BTreeMap<u32, WeakObject>>,
    pins: SpinLock<BTreeMap<String, Object>>,
}

impl Registry {
    pub(crate) fn new() -> Self {
        Registry {
            next_id: AtomicU32::new(1),
            objects: SpinLock::new(BTreeMap::new()),
            pins: SpinLock::new(BTreeMap::new()),
        }
    }

    /// A fresh id (ids start at 1; 0 is eBPF for Windows' `EBPF_ID_NONE`).
    pub(crate) fn allocate_id(&self) -> u32 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Lists `object` under its id.
    pub(crate) fn register(&self, object: &Object) {
        let weak = object.downgrade();
        self.objects.lock().insert(object.id(), weak);
    }

    /// The live object with `id`.
    pub(crate) fn get(&self, id: u32) -> Option<Object> {
        let mut objects = self.objects.lock();
        let found = objects.get(&id)?.upgrade();
        if found.is_none() {
            objects.remove(&id);
        }
        found
    }

    /// The smallest id above `after` of a live object of `kind`.
    pub(crate) fn next_id(&self, kind: ObjectKind, after: u32) -> Option<u32> {
        let mut objects = self.objects.lock();
        let mut dead = Vec::new();
        let mut found = None;
        for (&id, weak) in objects.range(after.saturating_add(1)..) {
            if weak.kind() != kind {
                continue;
            }
            if weak.upgrade().is_some() {
                found = Some(id);
                break;
            }
            dead.push(id);
        }
        for id in dead {
            objects.remove(&id);
        }
        found
    }

    pub(crate) fn pin(&self, path: &str, object: Object) -> Result<(), ObjectError> {
        if path.is_empty() {
            return Err(ObjectError::new(ObjectErrorKind::EmptyPath));
        }
        let mut pins = self.pins.lock();
        if pins.contains_key(path) {
            return Err(ObjectError::new(ObjectErrorKind::AlreadyPinned {
                path: String::from(path),
            }));
        }
        pins.insert(String::from(path), object);
        Ok(())
    }

    pub(crate) fn pinned(&self, path: &str) -> Option<Object> {
        self.pins.lock().get(path).cloned()
    }

    pub(crate) fn unpin(&self, path: &str) -> Result<Object, ObjectError> {
        let removed = self.pins.lock().remove(path);
        removed.ok_or_else(|| {
            ObjectError::new(ObjectErrorKind::NotPinned {
                path: String::from(path),
            })
        })
    }

    /// The paths `object_id` is pinned at.
    pub(crate) fn pin_paths(&self, object_id: u32) -> Vec<String> {
        let pins = self.pins.lock();
        pins.iter()
            .filter(|(_, o)| o.id() == object_id)
            .map(|(p, _)| p.clone())
            .collect()
    }

    /// The pin paths in order, after `after` (all for `None`).
    pub(crate) fn next_pin(&self, after: Option<&str>) -> Option<String> {
        let pins = self.pins.lock();
        match after {
            None => pins.keys().next().cloned(),
            Some(a) => pins
                .range::<str, _>((core::ops::Bound::Excluded(a), core::ops::Bound::Unbounded))
                .next()
                .map(|(k, _)| k.clone()),
        }
    }
}

/// A map of the host: a [`Map`] with its id, name and platform type.
pub struct MapObject {
    id: u32,
    name: String,
    type_number: u32,
    map: Map,
    /// Linux `devmap`: kept as an array of interface indexes where 0 is an empty slot.
    devmap: bool,
    /// A program array's programs, by index, read by tail calls under the epoch.
    programs: Option<RcuSlots<Arc<Program>>>,
    /// The program type a program array is bound to (by its first program).
    program_type: SpinLock<Option<&'static ProgramType>>,
    /// A map of maps' inner maps, by key, kept alive while stored.
    inner: SpinLock<BTreeMap<Vec<u8>, Arc<MapObject>>>,
    /// Serialises the writers of a program array (the id array and the slots in step).
    writer: SpinLock<()>,
}

impl fmt::Debug for MapObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MapObject")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("type", &self.map.map_type())
            .finish_non_exhaustive()
    }
}

/// What [`MapObject::info`] reports (eBPF for Windows' `struct bpf_map_info`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapInfo {
    /// Id.
    pub id: u32,
    /// The platform's map type number.
    pub type_number: u32,
    /// The map type's name.
    pub type_name: &'static str,
    /// Name.
    pub name: String,
    /// Key size in bytes.
    pub key_size: u32,
    /// Value size in bytes.
    pub value_size: u32,
    /// Entry limit.
    pub max_entries: u32,
    /// Map flags.
    pub flags: u32,
    /// Number of paths it is pinned at (filled in by [`Host::map_info`](crate::Host)).
    pub pinned_path_count: u32,
}

impl MapObject {
    pub(crate) fn new(
        id: u32,
        name: String,
        type_number: u32,
        map: Map,
        devmap: bool,
    ) -> Result<MapObject, ObjectError> {
        let programs = if map.map_type() == MapType::ProgArray {
            let slots = RcuSlots::new(map.epoch().clone(), map.def().max_entries as usize);
            Some(slots.ok_or_else(|| ObjectError::new(ObjectErrorKind::Map(no_memory(&map))))?)
        } else {
            None
        };
        Ok(MapObject {
            id,
            name,
            type_number,
            map,
            devmap,
            programs,
            program_type: SpinLock::new(None),
            inner: SpinLock::new(BTreeMap::new()),
            writer: SpinLock::new(()),
        })
    }

    /// The map's id.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The map's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The map.
    pub fn map(&self) -> &Map {
        &self.map
    }

    /// The platform's number of its type.
    pub fn type_number(&self) -> u32 {
        self.type_number
    }

    /// The type's name (`devmap` for Linux device maps, which this host keeps as arrays of
    /// interface indexes).
    pub fn type_name(&self) -> &'static str {
        if self.devmap {
            "devmap"
        } else {
            self.map.map_type().name()
        }
    }

    /// Whether this is a Linux `devmap`.
    pub fn is_devmap(&self) -> bool {
        self.devmap
    }

    /// The map's description.
    pub fn info(&self) -> MapInfo {
        let def = self.map.def();
        MapInfo {
            id: self.id,
            type_number: self.type_number,
            type_name: self.type_name(),
            name: self.name.clone(),
            key_size: def.key_size,
            value_size: def.value_size,
            max_entries: def.max_entries,
            flags: def.flags,
            pinned_path_count: 0,
        }
    }

    /// Calls `f(key, value)` for each entry as the user side sees it (program ids in program
    /// arrays, map ids in maps of maps); empty slots of a device map are skipped.
    pub fn for_each(&self, mut f: impl FnMut(&[u8], &[u8])) {
        let devmap = self.devmap;
        self.map.for_each(|k, v| {
            if !(devmap && v.iter().all(|&b| b == 0)) {
                f(k, v)
            }
        });
    }

    /// Stores `program` in slot `index` of a program array (`None` clears it). The first
    /// program stored fixes the array's program type; a program of another type is refused.
    pub fn set_program(
        &self,
        index: u32,
        program: Option<&Arc<Program>>,
    ) -> Result<(), ObjectError> {
        let Some(slots) = &self.programs else {
            return Err(self.wrong_type("storing a program"));
        };
        if let Some(p) = program {
            if !core::ptr::eq(p.shared().epoch(), &**self.map.epoch()) {
                return Err(ObjectError::new(ObjectErrorKind::ForeignObject));
            }
            let mut bound = self.program_type.lock();
            match *bound {
                Some(t) if !core::ptr::eq(t, p.program_type()) => {
                    return Err(ObjectError::new(ObjectErrorKind::ProgramTypeMismatch {
                        expected: t.name,
                        got: p.program_type().name,
                    }));
                }
                _ => *bound = Some(p.program_type()),
            }
        }
        let id = program.map_or(0, |p| p.id());
        // Writers of one slot must be serialised (RcuSlots' rule).
        let _writer = self.writer.lock();
        self.map
            .update(&index.to_ne_bytes(), &id.to_ne_bytes(), update::ANY)?;
        let guard = self.map.epoch().pin();
        slots.replace(index as usize, program.map(|p| Box::new(p.clone())), &guard);
        Ok(())
    }

    /// The program in slot `index` of a program array, valid while `guard` is.
    pub(crate) fn program_at<'a>(
        &'a self,
        index: u32,
        guard: &'a Guard<'_>,
    ) -> Option<&'a Program> {
        let slots = self.programs.as_ref()?;
        if index as usize >= slots.len() {
            return None;
        }
        slots.load(index as usize, guard).map(|p| &**p)
    }

    /// Stores `inner` under `key` in a map of maps (`None` deletes the key, or clears an array
    /// slot); `inner` must match the template.
    pub fn set_inner(&self, key: &[u8], inner: Option<&Arc<MapObject>>) -> Result<(), ObjectError> {
        if !self.map.map_type().is_map_of_maps() {
            return Err(self.wrong_type("storing a map"));
        }
        let mut refs = self.inner.lock();
        match inner {
            Some(m) => {
                self.map.update_inner(key, m.id, m.map.def(), update::ANY)?;
                refs.insert(key.to_vec(), m.clone());
            }
            None => {
                if self.map.map_type() == MapType::ArrayOfMaps {
                    let template = self.map.def().inner.as_deref();
                    let def = template.ok_or_else(|| self.wrong_type("clearing a slot"))?;
                    self.map.update_inner(key, 0, def, update::ANY)?;
                } else {
                    self.map.delete(key)?;
                }
                refs.remove(key);
            }
        }
        Ok(())
    }

    /// The inner map stored under `key` in a map of maps (the user side's view).
    pub fn inner_map(&self, key: &[u8]) -> Option<Arc<MapObject>> {
        self.inner.lock().get(key).cloned()
    }

    fn wrong_type(&self, op: &'static str) -> ObjectError {
        ObjectError::new(ObjectErrorKind::WrongMapType {
            op,
            map_type: self.map.map_type(),
        })
    }
}

fn no_memory(map: &Map) -> MapError {
    // A failed allocation of the slots is reported as the map's own creation failure would be.
    crate::error::Failure::no_memory().at(map.map_type(), crate::error::MapOp::Create)
}

/// A program attached to a hook (see [`hooks`](crate::hooks)): detach it, replace its program
/// atomically, or drop its last handle to detach it.
pub struct Link {
    id: u32,
    program: SpinLock<Arc<Program>>,
    attach_type: &'static AttachType,
    parameter: u64,
    hook: Arc<HookState>,
    attached: AtomicBool,
}

impl fmt::Debug for Link {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Link")
            .field("id", &self.id)
            .field("attach_type", &self.attach_type.name)
            .field("parameter", &self.parameter)
            .field("attached", &self.is_attached())
            .finish_non_exhaustive()
    }
}

/// What [`Link::info`] reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkInfo {
    /// Id.
    pub id: u32,
    /// The attached program's id.
    pub program_id: u32,
    /// The attach type's number.
    pub attach_type: u32,
    /// The attach parameter (interface index, compartment id, ...; 0 for the wildcard).
    pub parameter: u64,
    /// Whether the link is still attached.
    pub attached: bool,
}

impl Link {
    /// Attaches `program` to `hook` as link `id`.
    pub(crate) fn attach(
        id: u32,
        program: &Arc<Program>,
        hook: Arc<HookState>,
        parameter: u64,
    ) -> Result<Link, ObjectError> {
        hook.attach(id, parameter, program)?;
        Ok(Link {
            id,
            program: SpinLock::new(program.clone()),
            attach_type: hook.attach_type(),
            parameter,
            hook,
            attached: AtomicBool::new(true),
        })
    }

    /// The link's id.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The attached program (the last one, once detached).
    pub fn program(&self) -> Arc<Program> {
        self.program.lock().clone()
    }

    /// Where it is attached.
    pub fn attach_type(&self) -> &'static AttachType {
        self.attach_type
    }

    /// The attach parameter.
    pub fn parameter(&self) -> u64 {
        self.parameter
    }

    /// Whether the link is still attached.
    pub fn is_attached(&self) -> bool {
        self.attached.load(Ordering::Acquire)
    }

    /// Detaches the program: events that begin after this call do not run it; runs that
    /// began before may still finish with it (it stays allocated until they end).
    pub fn detach(&self) -> Result<(), ObjectError> {
        let program = self.program.lock();
        if !self.attached.swap(false, Ordering::AcqRel) || !self.hook.detach(self.id) {
            return Err(ObjectError::new(ObjectErrorKind::Detached {
                link: self.id,
            }));
        }
        let epoch = program.shared().epoch.clone();
        drop(program);
        epoch.try_reclaim();
        Ok(())
    }

    /// Puts `program` in place of the link's program, atomically: each event runs either the
    /// old program or the new one, in the link's place in the attach order. Returns the old
    /// program.
    pub fn replace(&self, program: &Arc<Program>) -> Result<Arc<Program>, ObjectError> {
        let mut current = self.program.lock();
        if !core::ptr::eq(program.shared(), current.shared()) {
            return Err(ObjectError::new(ObjectErrorKind::ForeignObject));
        }
        if !self.is_attached() || !self.hook.replace(self.id, program)? {
            return Err(ObjectError::new(ObjectErrorKind::Detached {
                link: self.id,
            }));
        }
        Ok(core::mem::replace(&mut *current, program.clone()))
    }

    /// The link's description.
    pub fn info(&self) -> LinkInfo {
        LinkInfo {
            id: self.id,
            program_id: self.program.lock().id(),
            attach_type: self.attach_type.number,
            parameter: self.parameter,
            attached: self.is_attached(),
        }
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        // Dropping the last handle detaches, as closing a Linux bpf_link does.
        let _ = self.detach();
    }
}
