//! Maps with eBPF for Windows' semantics, or Linux's where they differ ([`Semantics`]).
//!
//! [`Map::new`] checks a [`MapDef`] (efw-facts §3.4) and builds one of:
//!
//! | types | implementation |
//! |---|---|
//! | `array`, `percpu_array` | preallocated words, updated in place (`array`) |
//! | `prog_array`, `array_of_maps` | u32 ids (`array`) |
//! | `hash`, `percpu_hash`, `lru_hash`, `lru_percpu_hash`, `hash_of_maps` | RCU hash table (`hash`, `table`, `lru`) |
//! | `lpm_trie` | longest prefix match over the RCU table (`lpm`) |
//! | `queue`, `stack` | circular buffer under a lock (`queue`) |
//! | `ringbuf` | [`RingBuf`] |
//! | `perf_event_array` | [`PerfEventArray`] |
//!
//! Two sides:
//! - **user side** (`lookup`, `update`, `delete`, `lookup_and_delete`, `next_key`, `push`,
//!   `pop`, `peek`, `update_inner`): copies; pins the map's epoch internally. Per-CPU values
//!   are `round_up(value_size, 8) * cpus` bytes, CPU 0's slice first.
//! - **program side** (`prog_*`, for helpers): takes the invocation's [`Guard`], which must
//!   come from the map's epoch (and from [`Epoch::enter`] for per-CPU maps: the guard's CPU
//!   picks the slice). [`Map::prog_lookup`] returns a pointer to the value that stays valid
//!   until the guard is dropped, even if another thread deletes or replaces the entry; it takes
//!   no lock. A helper turns an error into its return value with
//!   [`MapError::helper_return`].
//!
//! Update flags are `update::ANY`, `update::NOEXIST` and `update::EXIST`. `max_entries` is
//! enforced for every type, including hash maps, where this is **stricter than eBPF for
//! Windows** today (its hash maps treat `max_entries` as a hint; efw-facts §3.5).
//!
//! The pointers given to programs stay valid only while the map itself is alive: a host that
//! drops a map retires it through the epoch ([`Guard::retire`]) so running programs finish first.

mod array;
mod def;
mod hash;
mod lpm;
mod lru;
mod perf;
mod queue;
pub mod ringbuf;
mod table;
pub mod types;
mod values;

use alloc::sync::Arc;
use core::ptr;

pub use def::{
    flags, update, MapDef, Semantics, MAX_ARRAY_BYTES, MAX_HASH_KEY, MAX_LPM_DATA, PAGE_SIZE,
};
pub use perf::{PerfEventArray, CURRENT_CPU, LINUX_RING_SIZE};
pub use ringbuf::RingBuf;
pub use types::MapType;

use crate::epoch::{Epoch, Guard};
use crate::error::{errno, Failure, MapError, MapErrorKind, MapOp};

/// Checks update flags: `BPF_ANY`, `BPF_NOEXIST` or `BPF_EXIST`.
pub(crate) fn check_flags(flags: u64) -> Result<(), Failure> {
    if flags > update::EXIST {
        return Err(Failure::invalid_flags(flags));
    }
    Ok(())
}

#[derive(Debug)]
enum Kind {
    Array(array::Array),
    Ids(array::IdArray),
    Hash(hash::HashMap),
    Lpm(lpm::Lpm),
    Queue(queue::Queue),
    RingBuf(RingBuf),
    Perf(PerfEventArray),
}

/// A map.
#[derive(Debug)]
pub struct Map {
    def: MapDef,
    semantics: Semantics,
    epoch: Arc<Epoch>,
    kind: Kind,
    /// Set once by [`Map::freeze`]: user-side writes are refused from then on.
    frozen: core::sync::atomic::AtomicBool,
}

/// The "operation not supported" failure of ring and perf maps' key/value operations.
fn no_key_ops() -> Failure {
    Failure::not_supported(errno::ENOTSUPP)
}

impl Map {
    /// Checks `def` and creates the map. Its memory is protected by `epoch`, whose CPU count is
    /// the map's; `seed` keys its hash function (take it from [`Os::fill_random`](crate::Os)).
    pub fn new(
        def: MapDef,
        semantics: Semantics,
        epoch: Arc<Epoch>,
        seed: u64,
    ) -> Result<Map, MapError> {
        let t = def.map_type;
        let at = |f: Failure| f.at(t, MapOp::Create);
        let cpus = epoch.cpu_count();
        def.validate(semantics, cpus).map_err(at)?;
        let (v, max) = (def.value_size, def.max_entries);
        let kind = match t {
            MapType::Array | MapType::PercpuArray => {
                Kind::Array(array::Array::new(v, max, t.is_per_cpu(), cpus, semantics).map_err(at)?)
            }
            MapType::ProgArray | MapType::ArrayOfMaps => {
                Kind::Ids(array::IdArray::new(max, semantics).map_err(at)?)
            }
            MapType::Hash
            | MapType::PercpuHash
            | MapType::LruHash
            | MapType::LruPercpuHash
            | MapType::HashOfMaps => {
                let lru = matches!(t, MapType::LruHash | MapType::LruPercpuHash);
                let map = hash::HashMap::new(epoch.clone(), v, max, t.is_per_cpu(), lru, seed);
                Kind::Hash(map.map_err(at)?)
            }
            MapType::LpmTrie => Kind::Lpm(
                lpm::Lpm::new(epoch.clone(), def.key_size, v, max, semantics, seed).map_err(at)?,
            ),
            MapType::Queue | MapType::Stack => {
                Kind::Queue(queue::Queue::new(v, max, t == MapType::Stack).map_err(at)?)
            }
            MapType::RingBuf => Kind::RingBuf(RingBuf::new(max, semantics).map_err(at)?),
            MapType::PerfEventArray => {
                Kind::Perf(PerfEventArray::new(max, cpus, semantics).map_err(at)?)
            }
        };
        Ok(Map {
            def,
            semantics,
            epoch,
            kind,
            frozen: core::sync::atomic::AtomicBool::new(false),
        })
    }

    /// The definition the map was created from.
    pub fn def(&self) -> &MapDef {
        &self.def
    }

    /// The map's type.
    pub fn map_type(&self) -> MapType {
        self.def.map_type
    }

    /// Whose rules the map follows.
    pub fn semantics(&self) -> Semantics {
        self.semantics
    }

    /// The epoch protecting the map.
    pub fn epoch(&self) -> &Arc<Epoch> {
        &self.epoch
    }

    /// The length of user-side value buffers ([`MapDef::user_value_size`]).
    pub fn user_value_size(&self) -> usize {
        self.def.user_value_size(self.epoch.cpu_count())
    }

    /// The number of entries (hash-based maps, queues and stacks); `max_entries` for arrays;
    /// unconsumed records for rings (0 for perf arrays).
    pub fn len(&self) -> usize {
        match &self.kind {
            Kind::Array(_) | Kind::Ids(_) => self.def.max_entries as usize,
            Kind::Hash(h) => h.len(),
            Kind::Lpm(l) => l.table().len(),
            Kind::Queue(q) => q.len(),
            Kind::RingBuf(r) => r.query(ringbuf::query::AVAIL_DATA) as usize,
            Kind::Perf(_) => 0,
        }
    }

    /// Whether [`Map::len`] is 0.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Freezes the map, as Linux's `BPF_MAP_FREEZE` (which libbpf applies to `.rodata` before
    /// it loads programs): from now on user-side updates, deletes, pushes and pops fail
    /// (`EPERM`; `EBPF_ACCESS_DENIED`). Programs could not write it anyway (it is
    /// `BPF_F_RDONLY_PROG`), so the verifier may take its contents as constants.
    pub fn freeze(&self) {
        self.frozen
            .store(true, core::sync::atomic::Ordering::Release);
    }

    /// Whether [`Map::freeze`] was called.
    pub fn is_frozen(&self) -> bool {
        self.frozen.load(core::sync::atomic::Ordering::Acquire)
    }

    fn check_writable(&self, op: MapOp) -> Result<(), MapError> {
        if self.is_frozen() {
            return Err(self.err(op)(Failure::new(
                MapErrorKind::Frozen,
                crate::error::EbpfResult::AccessDenied,
                errno::EPERM,
            )));
        }
        Ok(())
    }

    /// The ring buffer of a `ringbuf` map.
    pub fn as_ringbuf(&self) -> Option<&RingBuf> {
        match &self.kind {
            Kind::RingBuf(r) => Some(r),
            _ => None,
        }
    }

    /// The rings of a `perf_event_array` map.
    pub fn as_perf_event_array(&self) -> Option<&PerfEventArray> {
        match &self.kind {
            Kind::Perf(p) => Some(p),
            _ => None,
        }
    }

    fn err(&self, op: MapOp) -> impl Fn(Failure) -> MapError {
        let t = self.def.map_type;
        move |f| f.at(t, op)
    }

    fn check_key(&self, key: &[u8], op: MapOp) -> Result<(), MapError> {
        let expected = if self.def.map_type.is_keyless() && self.def.key_size == 0 {
            0
        } else {
            self.def.key_size as usize
        };
        if key.len() != expected {
            return Err(self.err(op)(Failure::invalid(MapErrorKind::KeySize {
                expected,
                got: key.len(),
            })));
        }
        Ok(())
    }

    fn check_guard(&self, guard: &Guard<'_>, op: MapOp) -> Result<(), MapError> {
        if !ptr::eq(guard.epoch(), &*self.epoch) {
            return Err(self.err(op)(Failure::invalid(MapErrorKind::ForeignGuard)));
        }
        Ok(())
    }

    fn check_len(&self, got: usize, expected: usize, op: MapOp) -> Result<(), MapError> {
        if got != expected {
            return Err(self.err(op)(Failure::invalid(MapErrorKind::ValueSize {
                expected,
                got,
            })));
        }
        Ok(())
    }
}

mod ops;
