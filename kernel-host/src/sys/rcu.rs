//! [`RcuSlots`]: a fixed array of atomic owning pointers read under an epoch guard.
//!
//! Readers `load` a slot and get a plain reference that lives as long as their guard; writers
//! `replace` a slot's object with a new one and the old object is retired through the same
//! epoch, so it is freed only after every reader that could have loaded it has exited. Writers
//! of one slot must be serialised by the caller (a bucket lock); readers take no lock.
//!
//! The maps' hash buckets are `RcuSlots`; a host can use one for anything readers must see
//! replaced atomically (a hook's program, a program array's objects).

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::marker::PhantomData;
use core::ptr;

use super::deferred::Deferred;
use crate::epoch::{Epoch, Guard};
use crate::sync::{AtomicPtr, Ordering};

/// `len` atomic pointers to `T`s owned by this array and protected by one [`Epoch`]. Readers
/// call [`RcuSlots::load`] under a guard of that epoch; writers call [`RcuSlots::replace`]
/// (serialised per slot by the caller).
pub struct RcuSlots<T: Send + 'static> {
    epoch: Arc<Epoch>,
    slots: Box<[AtomicPtr<T>]>,
    /// Owns `T`s and hands out `&T` to any thread: `Sync` only when `T` is.
    _owns: PhantomData<Box<T>>,
}

impl<T: Send + 'static> core::fmt::Debug for RcuSlots<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RcuSlots")
            .field("len", &self.slots.len())
            .finish_non_exhaustive()
    }
}

impl<T: Send + 'static> RcuSlots<T> {
    /// `len` empty slots protected by `epoch`; `None` when the memory cannot be allocated.
    pub fn new(epoch: Arc<Epoch>, len: usize) -> Option<Self> {
        let mut slots = Vec::new();
        slots.try_reserve_exact(len).ok()?;
        slots.extend((0..len).map(|_| AtomicPtr::new(ptr::null_mut())));
        Some(RcuSlots {
            epoch,
            slots: slots.into_boxed_slice(),
            _owns: PhantomData,
        })
    }

    /// The number of slots.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether there are no slots.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Whether `guard` is a guard of this array's epoch (the only guards that protect it).
    pub fn accepts(&self, guard: &Guard<'_>) -> bool {
        ptr::eq(guard.epoch(), &*self.epoch)
    }

    fn check(&self, guard: &Guard<'_>) {
        // Public entry points check the guard and return an error first; this is the backstop
        // that keeps this module sound on its own.
        assert!(
            self.accepts(guard),
            "RcuSlots used with a guard of another epoch"
        );
    }

    /// The object in slot `index`, valid while both `self` and `guard` are.
    ///
    /// # Panics
    ///
    /// When `guard` belongs to another epoch, or `index` is out of range.
    pub fn load<'a>(&'a self, index: usize, guard: &'a Guard<'_>) -> Option<&'a T> {
        self.check(guard);
        let p = self.slots[index].load(Ordering::Acquire);
        // SAFETY: a non-null pointer in a slot came from `Box::into_raw` in `replace`. It is
        // freed either by `Drop` (needs `&mut self`, impossible while `'a` borrows `self`) or
        // by the epoch after `replace` unlinked it and retired it; the epoch runs that only once
        // every guard active at the retirement has been dropped, and `guard` (of this epoch,
        // checked above) was active when we loaded the pointer and outlives `'a`. The acquire
        // load pairs with the release half of the swap that published the object.
        unsafe { p.as_ref() }
    }

    /// Puts `new` (or nothing) in slot `index` and retires the previous object through `guard`'s
    /// epoch; returns the previous object, still readable while `guard` lives.
    ///
    /// # Panics
    ///
    /// When `guard` belongs to another epoch, or `index` is out of range.
    pub fn replace<'a>(
        &'a self,
        index: usize,
        new: Option<Box<T>>,
        guard: &'a Guard<'_>,
    ) -> Option<&'a T> {
        self.check(guard);
        let new = new.map_or(ptr::null_mut(), Box::into_raw);
        let old = self.slots[index].swap(new, Ordering::AcqRel);
        if old.is_null() {
            return None;
        }
        // SAFETY: `old` came from `Box::into_raw` (only `replace` stores pointers) and the swap
        // unlinked it, so this call is its only owner; ownership passes to the epoch.
        let deferred = unsafe { Deferred::from_raw_box(old) };
        guard.retire_deferred(deferred);
        // SAFETY: the epoch frees `old` only after every guard active now has been dropped;
        // `guard` is active and outlives `'a`.
        Some(unsafe { &*old })
    }
}

impl<T: Send + 'static> Drop for RcuSlots<T> {
    fn drop(&mut self) {
        for slot in self.slots.iter() {
            let p = slot.swap(ptr::null_mut(), Ordering::Acquire);
            if !p.is_null() {
                // SAFETY: `p` came from `Box::into_raw` and is still linked, so no retirement
                // owns it; `&mut self` proves no reader borrows it through `load`.
                drop(unsafe { Box::from_raw(p) });
            }
        }
    }
}
