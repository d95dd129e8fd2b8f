//! Helpers: one table per platform, each entry a helper id (whose prototype is the platform
//! description's) and an implementation written once against `Mem`, the small memory
//! interface both engines satisfy.
//!
//! - `Mem`: reads and writes program memory by the program's addresses (the interpreter's
//!   virtual ones, checked; the JIT's real ones, trusted because the program was verified) and
//!   gives the program host memory (a map value, a ring-buffer record).
//! - `Call`: one helper call: its `Mem`, the running program (its maps by handle) and the
//!   invocation's `Frame` (guard, packet, tail-call state, redirect).
//! - `HelperTable`: the platform's table by id, from which both the interpreter's dispatcher
//!   and the JIT's call path are served (`Dispatcher`).
//! - [`implemented`] and [`not_offered`]: what each platform implements, and the helpers it
//!   deliberately does not (a program calling one fails to load, naming it).
//!
//! The implementations live in `maps.rs` (map, ring and perf helpers), `packet.rs` (XDP
//! helpers, redirects, checksums), `misc.rs` (clocks, random, tail calls, memory and string
//! helpers) and `printk.rs`; `linux.rs` and `windows.rs` are the tables, and `builtin.rs` the
//! builtins both platforms share (`memcpy`, `memmove`, `memset`, `memcmp`).

mod builtin;
mod linux;
mod maps;
mod misc;
mod packet;
mod printk;
mod sock;
mod windows;

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ops::Deref;
use core::ptr::NonNull;

use ebpf_interp::HelperError;
use ebpf_platform::{HelperId, Platform, ProgramType};

use crate::invoke::Frame;
use crate::maps::Semantics;
use crate::object::MapObject;
use crate::program::Program;

/// The high bits of a map handle: what an `lddw` of a map loads, and what helpers take as a
/// map argument. No memory lives there for either engine.
pub(crate) const MAP_HANDLE: u64 = 0xffff_8000_0000_0000;
/// The bit of a handle to an inner map (a map of maps' lookup result), numbered in the
/// invocation's [`Frame::inner`] list; other handles number the program's maps.
pub(crate) const INNER_MAP: u64 = 1 << 32;

/// Program memory as a helper sees it.
pub(crate) trait Mem {
    /// `len` readable bytes at the program's address `addr`.
    fn read(&self, addr: u64, len: usize) -> Result<&[u8], HelperError>;
    /// `len` writable bytes at the program's address `addr`.
    fn write(&mut self, addr: u64, len: usize) -> Result<&mut [u8], HelperError>;
    /// Gives the program `len` bytes at `ptr` (live until the invocation ends) and returns
    /// their address for the program.
    fn expose(
        &mut self,
        ptr: NonNull<u8>,
        len: usize,
        writable: bool,
        name: &'static str,
    ) -> Result<u64, HelperError>;
    /// The host address behind the program's address `addr` (of memory [`Mem::expose`] gave).
    fn host_ptr(&mut self, addr: u64) -> Result<NonNull<u8>, HelperError>;
}

/// An implementation: the call and `r1..=r5`, giving `r0`.
pub(crate) type HelperFn = for<'a, 'm> fn(&mut Call<'a, 'm>, [u64; 5]) -> Result<u64, HelperError>;

/// A table entry.
#[derive(Clone, Copy)]
pub(crate) struct Entry {
    pub(crate) id: u32,
    pub(crate) f: HelperFn,
}

pub(crate) const fn entry(id: u32, f: HelperFn) -> Entry {
    Entry { id, f }
}

/// A helper a platform offers to some program type but this host deliberately leaves out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotOffered {
    /// The helper id.
    pub id: u32,
    /// Why.
    pub reason: &'static str,
}

pub(crate) const fn not(id: u32, reason: &'static str) -> NotOffered {
    NotOffered { id, reason }
}

fn table_of(platform: &Platform) -> &'static [Entry] {
    match platform.name {
        "windows" => windows::TABLE,
        _ => linux::TABLE,
    }
}

/// The platform's table and the builtins (`memcpy` and the others, the same on every
/// platform).
fn entries_of(platform: &Platform) -> impl Iterator<Item = &'static Entry> {
    table_of(platform).iter().chain(builtin::ENTRIES.iter())
}

/// A helper one program type has in place of, or besides, the platform's table: a hook's own
/// helper (eBPF for Windows numbers them per hook from 0x10000) or its override of a general
/// one (`bpf_get_current_pid_tgid` with the hook's implicit context).
#[derive(Clone, Copy)]
pub(crate) struct Typed {
    pub(crate) program_type: &'static str,
    pub(crate) entry: Entry,
}

pub(crate) const fn typed(program_type: &'static str, id: u32, f: HelperFn) -> Typed {
    Typed {
        program_type,
        entry: Entry { id, f },
    }
}

fn typed_of(platform: &Platform) -> &'static [Typed] {
    match platform.name {
        "windows" => windows::TYPED,
        _ => linux::TYPED,
    }
}

/// The ids of the helpers this host implements for programs of `program_type` on `platform`:
/// the platform's table and the type's own.
pub fn implemented_for(
    platform: &Platform,
    program_type: &ProgramType,
) -> impl Iterator<Item = HelperId> {
    let name = program_type.name;
    implemented(platform).chain(
        typed_of(platform)
            .iter()
            .filter(move |t| t.program_type == name)
            .map(|t| HelperId(t.entry.id)),
    )
}

/// The ids of the helpers this host implements for `platform`.
pub fn implemented(platform: &Platform) -> impl Iterator<Item = HelperId> {
    entries_of(platform).map(|e| HelperId(e.id))
}

/// The helpers `platform` offers that this host deliberately does not implement, with why.
pub fn not_offered(platform: &Platform) -> &'static [NotOffered] {
    match platform.name {
        "windows" => windows::NOT_OFFERED,
        _ => linux::NOT_OFFERED,
    }
}

/// The program types whose helpers this host implements (every helper the platform offers
/// them is implemented or in [`not_offered`]).
pub fn supported_program_types(platform: &Platform) -> &'static [&'static str] {
    match platform.name {
        "windows" => &["xdp", "bind", "sock_addr", "sockops"],
        _ => &["xdp", "cgroup_sock_addr"],
    }
}

/// A platform's helpers by id, and the program types' own.
pub(crate) struct HelperTable {
    small: Box<[Option<HelperFn>]>,
    large: Vec<(u32, HelperFn)>,
    /// The types' own helpers, by type and id.
    typed: Vec<(&'static ProgramType, u32, HelperFn)>,
    /// Bit `id % 64` is set for the ids in `typed`: other ids skip the search.
    typed_ids: u64,
}

impl core::fmt::Debug for HelperTable {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let count = self.small.iter().flatten().count() + self.large.len();
        f.debug_struct("HelperTable")
            .field("helpers", &count)
            .finish()
    }
}

/// Ids below this are found by index.
const SMALL: usize = 256;

impl HelperTable {
    pub(crate) fn new(platform: &Platform) -> HelperTable {
        let mut small: Box<[Option<HelperFn>]> = alloc::vec![None; SMALL].into_boxed_slice();
        let mut large = Vec::new();
        for e in entries_of(platform) {
            match small.get_mut(e.id as usize) {
                Some(slot) => *slot = Some(e.f),
                None => large.push((e.id, e.f)),
            }
        }
        let mut typed = Vec::new();
        let mut typed_ids = 0u64;
        for t in typed_of(platform) {
            if let Some(program_type) = platform.program_type(t.program_type) {
                typed.push((program_type, t.entry.id, t.entry.f));
                typed_ids |= 1 << (t.entry.id % 64);
            }
        }
        HelperTable {
            small,
            large,
            typed,
            typed_ids,
        }
    }

    /// The helper `id` as a program of `program_type` calls it: the type's own, else the
    /// platform's.
    #[inline]
    pub(crate) fn get_for(&self, id: u32, program_type: &ProgramType) -> Option<HelperFn> {
        if self.typed_ids & (1 << (id % 64)) != 0 {
            let own = self
                .typed
                .iter()
                .find(|(t, i, _)| *i == id && core::ptr::eq(*t, program_type));
            if let Some((_, _, f)) = own {
                return Some(*f);
            }
        }
        self.get(id)
    }

    #[inline]
    pub(crate) fn get(&self, id: u32) -> Option<HelperFn> {
        match self.small.get(id as usize) {
            Some(f) => *f,
            None => self.large.iter().find(|(i, _)| *i == id).map(|(_, f)| *f),
        }
    }
}

/// A map a helper works on: one of the program's, or an inner map of this invocation.
pub(crate) enum MapRef<'a> {
    Program(&'a MapObject),
    Inner(Arc<MapObject>),
}

impl Deref for MapRef<'_> {
    type Target = MapObject;
    fn deref(&self) -> &MapObject {
        match self {
            MapRef::Program(m) => m,
            MapRef::Inner(m) => m,
        }
    }
}

/// One helper call.
pub(crate) struct Call<'a, 'm> {
    pub(crate) mem: &'m mut dyn Mem,
    pub(crate) program: &'a Program,
    pub(crate) frame: &'m mut Frame<'a>,
}

/// The error of a map argument that is no map handle (the verifier makes this impossible).
fn not_a_map() -> HelperError {
    HelperError::failed(0, "argument is not a map handle")
}

impl<'a> Call<'a, '_> {
    /// Whose error codes and rules apply.
    pub(crate) fn semantics(&self) -> Semantics {
        self.frame.shared.semantics
    }

    /// The map behind `handle`.
    pub(crate) fn map(&self, handle: u64) -> Result<MapRef<'a>, HelperError> {
        if handle & MAP_HANDLE != MAP_HANDLE {
            return Err(not_a_map());
        }
        let low = handle & !MAP_HANDLE;
        if low & INNER_MAP != 0 {
            let k = (low & !INNER_MAP) as usize;
            let m = self.frame.inner.get(k).ok_or_else(not_a_map)?;
            return Ok(MapRef::Inner(m.clone()));
        }
        let program: &'a Program = self.program;
        let m = program.maps().get(low as usize).ok_or_else(not_a_map)?;
        Ok(MapRef::Program(m))
    }

    /// One of the program's own maps behind `handle` (program arrays are never inner maps).
    pub(crate) fn program_map(&self, handle: u64) -> Result<&'a MapObject, HelperError> {
        match self.map(handle)? {
            MapRef::Program(m) => Ok(m),
            MapRef::Inner(_) => Err(HelperError::failed(0, "an inner map cannot be used here")),
        }
    }

    /// A handle for `inner`, valid until the invocation ends.
    pub(crate) fn inner_handle(&mut self, inner: Arc<MapObject>) -> u64 {
        let k = self.frame.inner.len() as u64;
        self.frame.inner.push(inner);
        MAP_HANDLE | INNER_MAP | k
    }

    /// A helper's error return for a failed map operation.
    pub(crate) fn map_error(&self, e: &crate::MapError) -> u64 {
        e.helper_return(self.semantics()) as u64
    }
}

/// What an engine asks of the host during a run: helper calls and global-data `lddw`s.
pub(crate) trait Dispatch {
    /// Runs helper `id`.
    fn call(&mut self, id: u32, args: [u64; 5], mem: &mut dyn Mem) -> Result<u64, HelperError>;
    /// The value of global-data map `map` (its host address and length), for an `lddw` of a
    /// map value.
    fn global_data(&self, map: u32) -> Option<(NonNull<u8>, usize)>;
}

/// The host's [`Dispatch`] for one program run.
pub(crate) struct Dispatcher<'a, 'f> {
    pub(crate) program: &'a Program,
    pub(crate) frame: &'f mut Frame<'a>,
}

impl Dispatch for Dispatcher<'_, '_> {
    #[inline]
    fn call(&mut self, id: u32, args: [u64; 5], mem: &mut dyn Mem) -> Result<u64, HelperError> {
        let helpers = &self.frame.shared.helpers;
        let Some(f) = helpers.get_for(id, self.program.program_type()) else {
            return Err(HelperError::unknown(id));
        };
        let mut call = Call {
            mem,
            program: self.program,
            frame: self.frame,
        };
        f(&mut call, args).map_err(|e| match e.kind() {
            // Name the helper in failures raised before the id was known.
            ebpf_interp::HelperErrorKind::Failed { id: 0, message } => {
                HelperError::failed(id, message)
            }
            _ => e,
        })
    }

    fn global_data(&self, map: u32) -> Option<(NonNull<u8>, usize)> {
        self.program.global_data(map)
    }
}

#[cfg(test)]
mod tests;
