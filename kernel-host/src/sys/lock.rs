//! [`SpinLock`]: mutual exclusion on an atomic flag, for `no_std` writers.
//!
//! Program-side readers of maps never take one of these: writers use them to serialise their
//! updates of one bucket, one queue or one ring's reservations.

use core::ops::{Deref, DerefMut};

use crate::sync::{spin_hint, AtomicBool, Ordering};

#[cfg(not(loom))]
use core::cell::UnsafeCell;
#[cfg(loom)]
use loom::cell::UnsafeCell;

/// The cell's raw pointer. Under loom the access is recorded for the closure only: the lock's
/// acquire/release pair is what orders the accesses, and loom checks that pair.
fn cell_ptr<T>(cell: &UnsafeCell<T>) -> *mut T {
    #[cfg(loom)]
    return cell.with_mut(|p| p);
    #[cfg(not(loom))]
    return cell.get();
}

/// A test-and-test-and-set spin lock holding a `T`.
pub(crate) struct SpinLock<T> {
    locked: AtomicBool,
    value: UnsafeCell<T>,
}

impl<T: core::fmt::Debug> core::fmt::Debug for SpinLock<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SpinLock")
            .field("locked", &self.locked.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

// SAFETY: the lock hands the value to one thread at a time (acquire on lock, release on
// unlock), so sharing the lock only ever moves the `T` between threads: `T: Send` suffices,
// as for `std::sync::Mutex`.
unsafe impl<T: Send> Sync for SpinLock<T> {}
// SAFETY: the lock owns its `T`; sending the lock sends the `T`.
unsafe impl<T: Send> Send for SpinLock<T> {}

impl<T> SpinLock<T> {
    /// An unlocked lock holding `value`.
    pub(crate) fn new(value: T) -> Self {
        SpinLock {
            locked: AtomicBool::new(false),
            value: UnsafeCell::new(value),
        }
    }

    /// Waits until the lock is free and takes it.
    pub(crate) fn lock(&self) -> SpinGuard<'_, T> {
        loop {
            if self
                .locked
                .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
            {
                return SpinGuard { lock: self };
            }
            // Test before retrying, so waiters spin on a shared cache line. (Under loom a relaxed
            // load may keep returning the old value; retry the CAS, which reads the latest.)
            #[cfg(not(loom))]
            while self.locked.load(Ordering::Relaxed) {
                spin_hint();
            }
            #[cfg(loom)]
            spin_hint();
        }
    }
}

impl<T> SpinLock<T> {
    /// Takes the lock if it is free, without waiting.
    pub(crate) fn try_lock(&self) -> Option<SpinGuard<'_, T>> {
        self.locked
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .ok()
            .map(|_| SpinGuard { lock: self })
    }
}

/// The lock, held; unlocks on drop.
pub(crate) struct SpinGuard<'a, T> {
    lock: &'a SpinLock<T>,
}

impl<T> Deref for SpinGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard exists only while `locked` is held by it (set by the swap in
        // `lock`, cleared in `drop`), so no other reference to the value is alive.
        unsafe { &*cell_ptr(&self.lock.value) }
    }
}

impl<T> DerefMut for SpinGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this the only reference through the guard.
        unsafe { &mut *cell_ptr(&self.lock.value) }
    }
}

impl<T> Drop for SpinGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.locked.store(false, Ordering::Release);
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::SpinLock;
    use loom::sync::Arc;

    #[test]
    fn two_lockers() {
        loom::model(|| {
            let lock = Arc::new(SpinLock::new(0u32));
            let l2 = lock.clone();
            let t = loom::thread::spawn(move || {
                *l2.lock() += 1;
            });
            *lock.lock() += 1;
            t.join().unwrap();
            assert_eq!(*lock.lock(), 2);
        });
    }
}
