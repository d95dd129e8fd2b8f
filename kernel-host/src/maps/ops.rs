//! The operations of [`Map`]: user side (copies) and program side (`prog_*`, under a guard).

use core::ptr::NonNull;

use super::{no_key_ops, Kind, Map, MapDef, MapType, Semantics};
use crate::epoch::Guard;
use crate::error::{errno, EbpfResult, Failure, MapError, MapErrorKind, MapOp};

/// Checks an inner map's definition against a map-of-maps template.
fn check_inner(template: &MapDef, inner: &MapDef) -> Result<(), Failure> {
    let fields = [
        (
            "type",
            u64::from(template.map_type.windows_id()),
            u64::from(inner.map_type.windows_id()),
        ),
        (
            "key_size",
            u64::from(template.key_size),
            u64::from(inner.key_size),
        ),
        (
            "value_size",
            u64::from(template.value_size),
            u64::from(inner.value_size),
        ),
        (
            "max_entries",
            u64::from(template.max_entries),
            u64::from(inner.max_entries),
        ),
    ];
    for (field, expected, got) in fields {
        if expected != got {
            return Err(Failure::new(
                MapErrorKind::InnerMapMismatch {
                    field,
                    expected,
                    got,
                },
                EbpfResult::InvalidObject,
                errno::EINVAL,
            ));
        }
    }
    Ok(())
}

impl Map {
    // ---------------------------------------------------------------- user side

    /// Copies the value of `key` into `value` ([`Map::user_value_size`] bytes). Program and
    /// map arrays and hashes of maps give the stored id; queues and stacks peek (empty key);
    /// LPM tries match the longest prefix.
    pub fn lookup(&self, key: &[u8], value: &mut [u8]) -> Result<(), MapError> {
        let op = MapOp::Lookup;
        self.check_key(key, op)?;
        let guard = self.epoch.pin();
        match &self.kind {
            Kind::Array(a) => a.lookup(key, value),
            Kind::Ids(a) => {
                self.check_len(value.len(), 4, op)?;
                a.lookup(key)
                    .map(|id| value.copy_from_slice(&id.to_ne_bytes()))
            }
            Kind::Hash(h) => h.lookup(&guard, key, value),
            Kind::Lpm(l) => l.lookup(&guard, key, value),
            Kind::Queue(q) => q.peek(value),
            Kind::RingBuf(_) | Kind::Perf(_) => Err(no_key_ops()),
        }
        .map_err(self.err(op))
    }

    /// Inserts or updates `key` as `flags` (`update::ANY`, `NOEXIST`, `EXIST`) allow; pushes
    /// on queues and stacks (empty key). Program arrays take a 4-byte program id (0 clears).
    /// Maps of maps take [`Map::update_inner`] instead.
    pub fn update(&self, key: &[u8], value: &[u8], flags: u64) -> Result<(), MapError> {
        let op = MapOp::Update;
        self.check_writable(op)?;
        self.check_key(key, op)?;
        let guard = self.epoch.pin();
        match &self.kind {
            Kind::Array(a) => a.update(key, value, flags),
            Kind::Ids(_) if self.def.map_type == MapType::ArrayOfMaps => {
                Err(Failure::not_supported(errno::EINVAL))
            }
            Kind::Ids(a) => {
                self.check_len(value.len(), 4, op)?;
                a.update(
                    key,
                    u32::from_ne_bytes([value[0], value[1], value[2], value[3]]),
                    flags,
                )
            }
            Kind::Hash(_) if self.def.map_type == MapType::HashOfMaps => {
                Err(Failure::not_supported(errno::EINVAL))
            }
            Kind::Hash(h) => h.update(&guard, key, value, flags),
            Kind::Lpm(l) => l.update(&guard, key, value, flags),
            Kind::Queue(q) => q.push(value, flags),
            Kind::RingBuf(_) | Kind::Perf(_) => Err(no_key_ops()),
        }
        .map_err(self.err(op))
    }

    /// Stores the id of an inner map (`array_of_maps`, `hash_of_maps`) after checking its
    /// definition against the template (type, key size, value size, max entries; a mismatch is
    /// `INVALID_OBJECT` / `EINVAL`). Id 0 clears an array slot.
    pub fn update_inner(
        &self,
        key: &[u8],
        inner_id: u32,
        inner: &MapDef,
        flags: u64,
    ) -> Result<(), MapError> {
        let op = MapOp::Update;
        self.check_key(key, op)?;
        let Some(template) = self.def.inner.as_deref() else {
            return Err(self.err(op)(Failure::not_supported(errno::EINVAL)));
        };
        check_inner(template, inner).map_err(self.err(op))?;
        let guard = self.epoch.pin();
        match &self.kind {
            Kind::Ids(a) => a.update(key, inner_id, flags),
            Kind::Hash(h) => h.update(&guard, key, &inner_id.to_ne_bytes(), flags),
            _ => Err(Failure::not_supported(errno::EINVAL)),
        }
        .map_err(self.err(op))
    }

    /// Deletes `key`. Arrays: Windows zeroes the element, Linux refuses (`EINVAL`).
    pub fn delete(&self, key: &[u8]) -> Result<(), MapError> {
        let op = MapOp::Delete;
        self.check_writable(op)?;
        self.check_key(key, op)?;
        let guard = self.epoch.pin();
        self.delete_with(&guard, key).map_err(self.err(op))
    }

    fn delete_with(&self, guard: &Guard<'_>, key: &[u8]) -> Result<(), Failure> {
        match &self.kind {
            Kind::Array(a) => a.delete(key),
            Kind::Ids(a) => a.delete(key),
            Kind::Hash(h) => h.delete(guard, key),
            Kind::Lpm(l) => l.delete(guard, key),
            Kind::Queue(_) => Err(Failure::not_supported(errno::EINVAL)),
            Kind::RingBuf(_) | Kind::Perf(_) => Err(no_key_ops()),
        }
    }

    /// Removes `key` and copies its value out; pops queues and stacks (empty key).
    pub fn lookup_and_delete(&self, key: &[u8], value: &mut [u8]) -> Result<(), MapError> {
        let op = MapOp::LookupAndDelete;
        self.check_writable(op)?;
        self.check_key(key, op)?;
        let guard = self.epoch.pin();
        match &self.kind {
            Kind::Hash(h) if self.def.map_type != MapType::HashOfMaps => {
                h.lookup_and_delete(&guard, key, value)
            }
            Kind::Queue(q) => q.pop(value),
            _ => Err(self.lookup_and_delete_unsupported()),
        }
        .map_err(self.err(op))
    }

    fn lookup_and_delete_unsupported(&self) -> Failure {
        match self.semantics {
            Semantics::Windows => Failure::not_supported(errno::EINVAL),
            Semantics::Linux => Failure::not_supported(errno::ENOTSUPP),
        }
    }

    /// Writes the key after `key` (the first key for `None`) into `next`
    /// (`key_size` bytes). Past the last key: `NO_MORE_KEYS` / `ENOENT`.
    pub fn next_key(&self, key: Option<&[u8]>, next: &mut [u8]) -> Result<(), MapError> {
        let op = MapOp::NextKey;
        if let Some(key) = key {
            self.check_key(key, op)?;
        }
        self.check_key(next, op)?;
        let guard = self.epoch.pin();
        match &self.kind {
            Kind::Array(a) => a.next_key(key, next),
            Kind::Ids(a) => a.next_key(key, next),
            Kind::Hash(h) => h.next_key(&guard, key, next),
            Kind::Lpm(l) => l.next_key(&guard, key, next),
            Kind::Queue(_) => Err(Failure::not_supported(errno::EINVAL)),
            Kind::RingBuf(_) | Kind::Perf(_) => Err(no_key_ops()),
        }
        .map_err(self.err(op))
    }

    /// Pushes `value` on a queue or stack (`update::EXIST` overwrites the oldest when full).
    pub fn push(&self, value: &[u8], flags: u64) -> Result<(), MapError> {
        self.check_writable(MapOp::Push)?;
        self.queue(MapOp::Push)?
            .push(value, flags)
            .map_err(self.err(MapOp::Push))
    }

    /// Pops the next element of a queue (oldest) or stack (newest) into `value`.
    pub fn pop(&self, value: &mut [u8]) -> Result<(), MapError> {
        self.check_writable(MapOp::Pop)?;
        self.queue(MapOp::Pop)?
            .pop(value)
            .map_err(self.err(MapOp::Pop))
    }

    /// Copies the next element of a queue or stack into `value` without removing it.
    pub fn peek(&self, value: &mut [u8]) -> Result<(), MapError> {
        self.queue(MapOp::Peek)?
            .peek(value)
            .map_err(self.err(MapOp::Peek))
    }

    fn queue(&self, op: MapOp) -> Result<&super::queue::Queue, MapError> {
        match &self.kind {
            Kind::Queue(q) => Ok(q),
            _ => Err(self.err(op)(Failure::not_supported(errno::EINVAL))),
        }
    }

    /// Calls `f(key, value)` for every entry with user-side values: every index of an array,
    /// the set slots of program and map arrays, every element of a queue or stack (oldest
    /// first, empty keys); nothing for rings.
    pub fn for_each(&self, f: impl FnMut(&[u8], &[u8])) {
        let guard = self.epoch.pin();
        match &self.kind {
            Kind::Array(a) => a.for_each(f),
            Kind::Ids(a) => a.for_each(f),
            Kind::Hash(h) => h.for_each(&guard, f),
            Kind::Lpm(l) => l.for_each(&guard, f),
            Kind::Queue(q) => q.for_each(f),
            Kind::RingBuf(_) | Kind::Perf(_) => {}
        }
    }

    // ---------------------------------------------------------------- program side

    /// `bpf_map_lookup_elem`: a pointer to the value of `key` (the guard's CPU slice for
    /// per-CPU maps; the stored id for maps of maps), valid until `guard` is dropped. LRU maps
    /// mark the entry used. Program arrays refuse (`INVALID_ARGUMENT` / `EOPNOTSUPP`).
    pub fn prog_lookup(&self, guard: &Guard<'_>, key: &[u8]) -> Result<NonNull<u8>, MapError> {
        let op = MapOp::Lookup;
        self.check_guard(guard, op)?;
        self.check_key(key, op)?;
        match &self.kind {
            Kind::Array(a) => a.prog_lookup(guard, key),
            Kind::Ids(_) if self.def.map_type == MapType::ProgArray => {
                Err(Failure::not_supported(errno::EOPNOTSUPP))
            }
            Kind::Ids(a) => a.ptr(key),
            Kind::Hash(h) => h.prog_lookup(guard, key),
            Kind::Lpm(l) => l.prog_lookup(guard, key),
            Kind::Queue(_) | Kind::RingBuf(_) | Kind::Perf(_) => {
                Err(Failure::not_supported(errno::EOPNOTSUPP))
            }
        }
        .map_err(self.err(op))
    }

    /// `bpf_map_update_elem` from a program: `value` is `value_size` bytes; per-CPU maps write
    /// the guard's CPU slice only.
    pub fn prog_update(
        &self,
        guard: &Guard<'_>,
        key: &[u8],
        value: &[u8],
        flags: u64,
    ) -> Result<(), MapError> {
        let op = MapOp::Update;
        self.check_guard(guard, op)?;
        self.check_key(key, op)?;
        match &self.kind {
            Kind::Array(a) => a.prog_update(guard, key, value, flags),
            Kind::Hash(h) if self.def.map_type != MapType::HashOfMaps => {
                h.prog_update(guard, key, value, flags)
            }
            Kind::Lpm(l) => l.update(guard, key, value, flags),
            Kind::Queue(q) => q.push(value, flags),
            _ => Err(Failure::not_supported(errno::EOPNOTSUPP)),
        }
        .map_err(self.err(op))
    }

    /// `bpf_map_delete_elem` from a program.
    pub fn prog_delete(&self, guard: &Guard<'_>, key: &[u8]) -> Result<(), MapError> {
        let op = MapOp::Delete;
        self.check_guard(guard, op)?;
        self.check_key(key, op)?;
        self.delete_with(guard, key).map_err(self.err(op))
    }

    /// `bpf_map_lookup_and_delete_elem` (eBPF for Windows' helper 4): unlinks `key` and returns
    /// a pointer to its value, valid until `guard` is dropped. Hash maps only.
    pub fn prog_lookup_and_delete(
        &self,
        guard: &Guard<'_>,
        key: &[u8],
    ) -> Result<NonNull<u8>, MapError> {
        let op = MapOp::LookupAndDelete;
        self.check_guard(guard, op)?;
        self.check_key(key, op)?;
        match &self.kind {
            Kind::Hash(h) if self.def.map_type != MapType::HashOfMaps => {
                h.prog_lookup_and_delete(guard, key)
            }
            _ => Err(self.lookup_and_delete_unsupported()),
        }
        .map_err(self.err(op))
    }

    /// `bpf_map_push_elem`.
    pub fn prog_push(&self, guard: &Guard<'_>, value: &[u8], flags: u64) -> Result<(), MapError> {
        self.check_guard(guard, MapOp::Push)?;
        self.push(value, flags)
    }

    /// `bpf_map_pop_elem`.
    pub fn prog_pop(&self, guard: &Guard<'_>, value: &mut [u8]) -> Result<(), MapError> {
        self.check_guard(guard, MapOp::Pop)?;
        self.pop(value)
    }

    /// `bpf_map_peek_elem`.
    pub fn prog_peek(&self, guard: &Guard<'_>, value: &mut [u8]) -> Result<(), MapError> {
        self.check_guard(guard, MapOp::Peek)?;
        self.peek(value)
    }

    /// The program id in slot `index` of a program array (a tail call's target), if set.
    pub fn program_at(&self, index: u32) -> Option<u32> {
        match &self.kind {
            Kind::Ids(a) if self.def.map_type == MapType::ProgArray => a.get(index),
            _ => None,
        }
    }

    /// The id of the inner map under `key` in a map of maps (what a helper lookup resolves
    /// to an inner map).
    pub fn inner_map_id(&self, guard: &Guard<'_>, key: &[u8]) -> Option<u32> {
        self.check_guard(guard, MapOp::Lookup).ok()?;
        self.check_key(key, MapOp::Lookup).ok()?;
        match &self.kind {
            Kind::Ids(a) if self.def.map_type == MapType::ArrayOfMaps => a.lookup(key).ok(),
            Kind::Hash(h) if self.def.map_type == MapType::HashOfMaps => h.id(guard, key),
            _ => None,
        }
    }

    fn ring(&self, op: MapOp) -> Result<&super::RingBuf, MapError> {
        self.as_ringbuf()
            .ok_or_else(|| self.err(op)(Failure::not_supported(errno::EINVAL)))
    }

    /// `bpf_ringbuf_output`.
    pub fn ringbuf_output(
        &self,
        guard: &Guard<'_>,
        data: &[u8],
        flags: u64,
    ) -> Result<(), MapError> {
        self.check_guard(guard, MapOp::Output)?;
        self.ring(MapOp::Output)?
            .output(data, flags)
            .map_err(self.err(MapOp::Output))
    }

    /// `bpf_ringbuf_reserve`: a pointer to `size` writable bytes, until submit or discard.
    pub fn ringbuf_reserve(
        &self,
        guard: &Guard<'_>,
        size: u64,
        flags: u64,
    ) -> Result<NonNull<u8>, MapError> {
        self.check_guard(guard, MapOp::Reserve)?;
        self.ring(MapOp::Reserve)?
            .reserve(size, flags)
            .map_err(self.err(MapOp::Reserve))
    }

    /// `bpf_ringbuf_submit` (or `bpf_ringbuf_discard` with `discard`) of a reservation.
    pub fn ringbuf_commit(
        &self,
        guard: &Guard<'_>,
        data: NonNull<u8>,
        discard: bool,
    ) -> Result<(), MapError> {
        self.check_guard(guard, MapOp::Commit)?;
        self.ring(MapOp::Commit)?
            .commit(data, discard)
            .map_err(self.err(MapOp::Commit))
    }

    /// `bpf_perf_event_output` of the concatenation of `parts` to the guard's CPU; `index` is
    /// the low 32 bits of the helper's flags.
    pub fn perf_event_output(
        &self,
        guard: &Guard<'_>,
        index: u32,
        parts: &[&[u8]],
    ) -> Result<(), MapError> {
        let op = MapOp::Output;
        self.check_guard(guard, op)?;
        match &self.kind {
            Kind::Perf(p) => p.output(guard, index, parts),
            _ => Err(Failure::not_supported(errno::EINVAL)),
        }
        .map_err(self.err(op))
    }
}
