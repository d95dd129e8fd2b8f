//! Epoch-based reclamation: memory that readers may still see is freed only after they exit.
//!
//! An [`Epoch`] has one reader slot per virtual CPU plus a pool of slots for user-side
//! operations. [`Epoch::enter`] claims a CPU slot *exclusively* (the [`Guard`] is the CPU until
//! it is dropped, as a kernel invocation runs with preemption disabled), so per-CPU map data
//! needs no atomics; [`Epoch::pin`] claims a user slot and has no CPU. A guard records the
//! global epoch it saw; writers unlink an object, then [`Guard::retire`] it: the object is
//! stamped with the global epoch and freed once the global epoch is two ahead of the stamp.
//! The global epoch advances only when every active slot has seen its current value, so two
//! advances after a retirement prove that every reader active at the retirement has exited.
//!
//! The protocol is the classic three-epoch scheme (Fraser; crossbeam-epoch uses the same
//! fences): a reader stores its epoch then issues a `SeqCst` fence before reading shared
//! pointers; an advancer issues a `SeqCst` fence before scanning the slots; a retirer issues a
//! `SeqCst` fence after unlinking and before reading the stamp. `tests/loom.rs` model-checks it.
//!
//! Batching: a guard is the batch. Enter once, run many invocations, drop the guard (eBPF for
//! Windows' `batch_begin` / `batch_invoke` / `batch_end`). [`Guard::refresh`] lets a long batch
//! let reclamation progress between invocations.
//!
//! Reclamation runs on the exit path (after the slot is released) every [`COLLECT_EVERY`]
//! exits of a slot, every 16 exits while more than [`COLLECT_THRESHOLD`] objects wait, and on
//! [`Epoch::collect`] and [`Epoch::synchronize`]; never inside `retire`, where the caller may
//! hold a writer lock. The exit path never waits for the list of retired objects: when a
//! retirer or another collector holds it, that exit skips its turn. Retired objects are kept
//! in the order of their stamps, so a reclamation looks only at the ones it frees (and at one
//! more). Freed objects' destructors run outside any guard, as eBPF for Windows runs its epoch
//! work items.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::marker::PhantomData;

use crate::sync::{fence, AtomicU64, AtomicUsize, Ordering};
use crate::sys::deferred::Deferred;
use crate::sys::lock::{SpinGuard, SpinLock};

/// A slot's state when no reader holds it.
const FREE: u64 = 0;

/// A slot's state for a reader that saw global epoch `e`: the epoch shifted left, low bit set.
const fn active(e: u64) -> u64 {
    (e << 1) | 1
}

/// How many exits of one slot between two reclamation attempts on the exit path.
pub const COLLECT_EVERY: u64 = 128;

/// How many pending retired objects make the exit path try to reclaim more often.
pub const COLLECT_THRESHOLD: usize = 1024;

/// The number of user-side slots [`Epoch::new`] adds to the CPU slots.
pub const DEFAULT_USER_SLOTS: usize = 64;

/// One reader slot, alone on its cache line.
#[repr(align(64))]
#[derive(Debug)]
struct Slot {
    state: AtomicU64,
    exits: AtomicU64,
}

impl Slot {
    fn new() -> Self {
        Slot {
            state: AtomicU64::new(FREE),
            exits: AtomicU64::new(0),
        }
    }
}

/// Retired objects and the epoch at which each was retired, oldest first (stamps never
/// decrease from front to back: each is read under the lock that orders the pushes).
struct Garbage {
    items: VecDeque<(u64, Deferred)>,
}

/// An epoch domain: reader slots, the global epoch and the retired objects.
pub struct Epoch {
    global: AtomicU64,
    /// `cpu_count` CPU slots, then the user slots.
    slots: Box<[Slot]>,
    cpu_count: usize,
    next_user: AtomicUsize,
    pending: AtomicUsize,
    garbage: SpinLock<Garbage>,
    relax: fn(),
}

impl core::fmt::Debug for Epoch {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Epoch")
            .field("global", &self.global.load(Ordering::Relaxed))
            .field("cpu_count", &self.cpu_count)
            .field("user_slots", &(self.slots.len() - self.cpu_count))
            .field("pending", &self.pending.load(Ordering::Relaxed))
            .finish()
    }
}

impl Epoch {
    /// A domain with `cpu_count` CPUs (at least 1) and [`DEFAULT_USER_SLOTS`] user slots; waits
    /// for a free slot by spinning.
    pub fn new(cpu_count: usize) -> Self {
        Self::with_slots(cpu_count, DEFAULT_USER_SLOTS, crate::sync::default_relax)
    }

    /// A domain with `cpu_count` CPUs, `user_slots` user slots (each at least 1), and `relax`
    /// called while waiting for a free slot or for readers to exit (a user-mode host passes
    /// `std::thread::yield_now`).
    pub fn with_slots(cpu_count: usize, user_slots: usize, relax: fn()) -> Self {
        let cpu_count = cpu_count.max(1);
        let total = cpu_count + user_slots.max(1);
        Epoch {
            global: AtomicU64::new(1),
            slots: (0..total).map(|_| Slot::new()).collect(),
            cpu_count,
            next_user: AtomicUsize::new(0),
            pending: AtomicUsize::new(0),
            garbage: SpinLock::new(Garbage {
                items: VecDeque::new(),
            }),
            relax,
        }
    }

    /// The number of virtual CPUs (CPU slots).
    pub fn cpu_count(&self) -> usize {
        self.cpu_count
    }

    /// The global epoch (for diagnostics and tests).
    pub fn current(&self) -> u64 {
        self.global.load(Ordering::Relaxed)
    }

    /// Retired objects not yet freed.
    pub fn pending(&self) -> usize {
        self.pending.load(Ordering::Relaxed)
    }

    /// Enters the epoch on a virtual CPU, starting the search at `cpu_hint` (modulo the CPU
    /// count): the guard holds that CPU exclusively until dropped. Waits while every CPU is
    /// taken. Do not call it while this thread already holds a guard of this epoch on every
    /// CPU (a thread needs one guard at a time; nest by passing the guard down).
    pub fn enter(&self, cpu_hint: usize) -> Guard<'_> {
        let start = cpu_hint % self.cpu_count;
        loop {
            for k in 0..self.cpu_count {
                let index = (start + k) % self.cpu_count;
                if let Some(guard) = self.try_claim(index) {
                    return guard;
                }
            }
            (self.relax)();
        }
    }

    /// Enters on exactly CPU `cpu` if it is free; `None` if it is taken or out of range.
    pub fn try_enter_cpu(&self, cpu: usize) -> Option<Guard<'_>> {
        if cpu >= self.cpu_count {
            return None;
        }
        self.try_claim(cpu)
    }

    /// Enters the epoch for a user-side operation: no CPU. Waits while every user slot is taken.
    pub fn pin(&self) -> Guard<'_> {
        let users = self.slots.len() - self.cpu_count;
        loop {
            let start = self.next_user.fetch_add(1, Ordering::Relaxed);
            for k in 0..users {
                let index = self.cpu_count + (start + k) % users;
                if let Some(guard) = self.try_claim(index) {
                    return guard;
                }
            }
            (self.relax)();
        }
    }

    fn try_claim(&self, index: usize) -> Option<Guard<'_>> {
        let slot = &self.slots[index];
        // A cheap test before the CAS (skipped under loom, where a relaxed load may keep
        // returning an old value and turn the wait for a free slot into an endless path).
        #[cfg(not(loom))]
        if slot.state.load(Ordering::Relaxed) != FREE {
            return None;
        }
        let e = self.global.load(Ordering::Relaxed);
        slot.state
            .compare_exchange(FREE, active(e), Ordering::SeqCst, Ordering::Relaxed)
            .ok()?;
        // Orders the slot's publication before every shared-pointer read of this reader.
        fence(Ordering::SeqCst);
        Some(Guard {
            epoch: self,
            slot: index,
            _not_send: PhantomData,
        })
    }

    fn exit(&self, index: usize) {
        let slot = &self.slots[index];
        slot.state.store(FREE, Ordering::Release);
        // The slot's exit counter is touched only by its holder.
        let exits = slot.exits.load(Ordering::Relaxed).wrapping_add(1);
        slot.exits.store(exits, Ordering::Relaxed);
        let pending = self.pending.load(Ordering::Relaxed);
        let due = exits % COLLECT_EVERY == 0 && pending > 0;
        let crowded = exits % 16 == 0 && pending >= COLLECT_THRESHOLD;
        if due || crowded {
            // An invocation's exit does not wait for a retirer (which may be allocating) or
            // for another collector: whoever holds the list now will free it, or a later exit.
            self.try_advance();
            if let Some(garbage) = self.garbage.try_lock() {
                self.free_ready(garbage);
            }
        }
    }

    /// Advances the global epoch if every active slot has seen it; returns the global epoch.
    fn try_advance(&self) -> u64 {
        let e = self.global.load(Ordering::Relaxed);
        fence(Ordering::SeqCst);
        for slot in self.slots.iter() {
            let s = slot.state.load(Ordering::Relaxed);
            if s & 1 == 1 && s >> 1 != e {
                return e;
            }
        }
        // Pairs with the release stores of exiting readers: their reads happen before anything
        // freed on the strength of this advance.
        fence(Ordering::Acquire);
        match self
            .global
            .compare_exchange(e, e + 1, Ordering::Release, Ordering::Relaxed)
        {
            Ok(_) => e + 1,
            Err(now) => now,
        }
    }

    /// Tries to advance the epoch and frees every retired object whose readers have all exited.
    /// Returns how many objects this call freed.
    pub fn collect(&self) -> usize {
        self.try_advance();
        self.free_ready(self.garbage.lock())
    }

    /// Frees the retired objects whose readers have all exited; `garbage` is the held list.
    fn free_ready(&self, mut garbage: SpinGuard<'_, Garbage>) -> usize {
        let global = self.global.load(Ordering::Acquire);
        // The stamps grow from front to back: the ready objects are a prefix.
        let freed = garbage
            .items
            .iter()
            .take_while(|(stamp, _)| global >= stamp + 2)
            .count();
        if freed == 0 {
            return 0;
        }
        let ready: Vec<(u64, Deferred)> = garbage.items.drain(..freed).collect();
        drop(garbage);
        self.pending.fetch_sub(freed, Ordering::Relaxed);
        // Destructors run here, outside the lock and outside any guard.
        drop(ready);
        freed
    }

    /// Frees what no reader can still see, without waiting: advances the epoch as far as the
    /// active readers let it (twice at most, enough for everything retired before the call
    /// when no reader is active) and frees the ready objects, unless another thread holds
    /// the list of retired objects. Returns how many objects this call freed.
    pub(crate) fn try_reclaim(&self) -> usize {
        if self.pending.load(Ordering::Relaxed) == 0 {
            return 0;
        }
        self.try_advance();
        self.try_advance();
        self.garbage.try_lock().map_or(0, |g| self.free_ready(g))
    }

    /// Waits until every reader active at the call has exited, then frees everything retired
    /// before the call (objects a concurrent `collect` took are freed by that call). Must not be
    /// called while this thread holds a guard of this epoch: it would wait for itself.
    pub fn synchronize(&self) {
        let target = self.global.load(Ordering::SeqCst) + 2;
        while self.try_advance() < target {
            (self.relax)();
        }
        self.collect();
    }

    fn retire(&self, item: Deferred) {
        // Orders the caller's unlinking before the stamp: a reader that can still reach the
        // object entered no later than this epoch.
        fence(Ordering::SeqCst);
        let mut garbage = self.garbage.lock();
        // Read under the lock, so stamps never decrease along the list (a later read only
        // delays the object's reclamation).
        let stamp = self.global.load(Ordering::Relaxed);
        garbage.items.push_back((stamp, item));
        // Counted before a collector can take it, so the count never drops below zero.
        self.pending.fetch_add(1, Ordering::Relaxed);
        drop(garbage);
    }
}

/// A reader inside the epoch: objects it loaded stay allocated until it is dropped. A guard
/// from [`Epoch::enter`] also owns a virtual CPU ([`Guard::cpu`]).
pub struct Guard<'e> {
    epoch: &'e Epoch,
    slot: usize,
    /// Guards stay on the thread that entered, as an invocation stays on its CPU.
    _not_send: PhantomData<*const ()>,
}

impl core::fmt::Debug for Guard<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Guard")
            .field("cpu", &self.cpu())
            .field(
                "epoch",
                &(self.epoch.slots[self.slot].state.load(Ordering::Relaxed) >> 1),
            )
            .finish()
    }
}

impl<'e> Guard<'e> {
    /// The epoch domain this guard belongs to.
    pub fn epoch(&self) -> &'e Epoch {
        self.epoch
    }

    /// The virtual CPU this guard owns; `None` for a user-side [`Epoch::pin`] guard.
    pub fn cpu(&self) -> Option<usize> {
        (self.slot < self.epoch.cpu_count).then_some(self.slot)
    }

    /// Drops `value` once every reader that is active now has exited. The caller must already
    /// have made `value` unreachable for new readers.
    pub fn retire<T: Send + 'static>(&self, value: Box<T>) {
        self.epoch.retire(Deferred::boxed(value));
    }

    /// Calls `f` once every reader that is active now has exited.
    pub fn defer<F: FnOnce() + Send + 'static>(&self, f: F) {
        self.epoch.retire(Deferred::call(f));
    }

    pub(crate) fn retire_deferred(&self, item: Deferred) {
        self.epoch.retire(item);
    }

    /// Re-enters at the current global epoch without giving up the slot (or the CPU), so a
    /// long batch does not hold reclamation back. `&mut self` proves no reference obtained
    /// under this guard is still borrowed; raw pointers obtained from it must not be used
    /// after this call.
    pub fn refresh(&mut self) {
        let slot = &self.epoch.slots[self.slot];
        let e = self.epoch.global.load(Ordering::Relaxed);
        slot.state.store(active(e), Ordering::Release);
        fence(Ordering::SeqCst);
    }
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        self.epoch.exit(self.slot);
    }
}
