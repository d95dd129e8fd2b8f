//! [`Locked`]: a value behind a spin lock on an atomic flag (the protocol dispatcher, which
//! takes `&mut self`; requests are short and IOCTLs rarely contend).

use core::cell::UnsafeCell;
use core::fmt;
use core::sync::atomic::{AtomicBool, Ordering};

/// A value only one thread uses at a time.
pub(crate) struct Locked<T> {
    busy: AtomicBool,
    value: UnsafeCell<T>,
}

// SAFETY: the value is only reached through `with`, which holds the flag: one thread at a time.
unsafe impl<T: Send> Sync for Locked<T> {}

impl<T> fmt::Debug for Locked<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Locked").finish_non_exhaustive()
    }
}

impl<T> Locked<T> {
    pub(crate) fn new(value: T) -> Self {
        Locked {
            busy: AtomicBool::new(false),
            value: UnsafeCell::new(value),
        }
    }

    /// Runs `f` on the value, holding the lock.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        while self
            .busy
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            core::hint::spin_loop();
        }
        /// Releases the lock however `f` ends (the profile aborts on panic, but a Rust driver
        /// linking the rlib may not).
        struct Release<'a>(&'a AtomicBool);
        impl Drop for Release<'_> {
            fn drop(&mut self) {
                self.0.store(false, Ordering::Release);
            }
        }
        let _release = Release(&self.busy);
        // SAFETY: the flag is held: this thread alone reaches the value until `_release` drops.
        f(unsafe { &mut *self.value.get() })
    }
}
