//! [`PerCpu`]: one value per virtual CPU, taken by the invocation that holds the CPU.
//!
//! Each slot is a try-lock: an invocation holding CPU `k` of the epoch takes slot `k` with one
//! uncontended compare-and-swap (nobody else wants it: the CPU is the invocation's) and gives it
//! back when its [`Claim`] drops. The lock, not the epoch, is what makes the access exclusive,
//! so a claim is sound whoever asks for it; the epoch only makes it uncontended.

use alloc::boxed::Box;
use core::cell::UnsafeCell;
use core::ops::{Deref, DerefMut};
use core::sync::atomic::{AtomicBool, Ordering};

/// One slot, alone on its cache line(s).
#[repr(align(64))]
struct Slot<T> {
    taken: AtomicBool,
    value: UnsafeCell<T>,
}

/// One `T` per virtual CPU.
pub(crate) struct PerCpu<T> {
    slots: Box<[Slot<T>]>,
}

// SAFETY: a slot's value is reached only through a `Claim`, which the `taken` flag grants to
// one holder at a time (acquire on claim, release on drop), so sharing a `PerCpu` only moves
// `T`s between threads: `T: Send` suffices, as for a mutex.
unsafe impl<T: Send> Sync for PerCpu<T> {}
// SAFETY: the `PerCpu` owns its values.
unsafe impl<T: Send> Send for PerCpu<T> {}

impl<T> core::fmt::Debug for PerCpu<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PerCpu")
            .field("cpus", &self.slots.len())
            .finish()
    }
}

impl<T> PerCpu<T> {
    /// `cpus` values made by `make(cpu)`.
    pub(crate) fn new(cpus: usize, mut make: impl FnMut(usize) -> T) -> Self {
        PerCpu {
            slots: (0..cpus)
                .map(|cpu| Slot {
                    taken: AtomicBool::new(false),
                    value: UnsafeCell::new(make(cpu)),
                })
                .collect(),
        }
    }

    /// The value of `cpu`, unless it is out of range or already claimed.
    pub(crate) fn claim(&self, cpu: usize) -> Option<Claim<'_, T>> {
        let slot = self.slots.get(cpu)?;
        slot.taken
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .ok()?;
        Some(Claim { slot })
    }
}

/// A claimed value; released on drop.
pub(crate) struct Claim<'p, T> {
    slot: &'p Slot<T>,
}

impl<T> Deref for Claim<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: `taken` was set by this claim's compare-and-swap and is cleared only by its
        // drop, so no other reference to the value exists while the claim lives.
        unsafe { &*self.slot.value.get() }
    }
}

impl<T> DerefMut for Claim<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this the claim's only reference.
        unsafe { &mut *self.slot.value.get() }
    }
}

impl<T> Drop for Claim<'_, T> {
    fn drop(&mut self) {
        self.slot.taken.store(false, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::PerCpu;

    #[test]
    fn a_slot_has_one_claim_at_a_time() {
        let p = PerCpu::new(2, |cpu| cpu * 10);
        let mut a = p.claim(1).unwrap();
        assert!(p.claim(1).is_none(), "taken");
        *a += 1;
        assert_eq!(*p.claim(0).unwrap(), 0);
        drop(a);
        assert_eq!(*p.claim(1).unwrap(), 11);
        assert!(p.claim(2).is_none(), "out of range");
    }
}
