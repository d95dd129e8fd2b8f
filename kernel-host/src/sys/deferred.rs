//! [`Deferred`]: a type-erased "drop this box" or "call this closure", kept by the epoch until
//! no reader can still see what it frees.

use alloc::boxed::Box;

/// An owned heap object (or closure) and the function that disposes of it. Running it (or
/// dropping it) disposes of the object exactly once.
pub(crate) struct Deferred {
    ptr: *mut (),
    run: unsafe fn(*mut ()),
}

impl core::fmt::Debug for Deferred {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Deferred").field("ptr", &self.ptr).finish()
    }
}

// SAFETY: a `Deferred` is built only from `T: Send` boxes and `F: Send` closures, and it owns
// them; moving it to another thread moves only `Send` data.
unsafe impl Send for Deferred {}

/// Drops the `Box<T>` behind `ptr`.
///
/// # Safety
///
/// `ptr` came from `Box::<T>::into_raw` and nothing else owns it.
unsafe fn drop_box<T>(ptr: *mut ()) {
    // SAFETY: guaranteed by the caller (the constructors of `Deferred`).
    drop(unsafe { Box::from_raw(ptr.cast::<T>()) });
}

/// Calls the `Box<F>` behind `ptr` once.
///
/// # Safety
///
/// `ptr` came from `Box::<F>::into_raw` and nothing else owns it.
unsafe fn call_box<F: FnOnce()>(ptr: *mut ()) {
    // SAFETY: guaranteed by the caller (`Deferred::call`).
    let f = unsafe { Box::from_raw(ptr.cast::<F>()) };
    f();
}

impl Deferred {
    /// Drops `value` when run.
    pub(crate) fn boxed<T: Send + 'static>(value: Box<T>) -> Self {
        Deferred {
            ptr: Box::into_raw(value).cast(),
            run: drop_box::<T>,
        }
    }

    /// Calls `f` when run.
    pub(crate) fn call<F: FnOnce() + Send + 'static>(f: F) -> Self {
        Deferred {
            ptr: Box::into_raw(Box::new(f)).cast(),
            run: call_box::<F>,
        }
    }

    /// Drops the box behind `ptr` when run.
    ///
    /// # Safety
    ///
    /// `ptr` came from `Box::<T>::into_raw`, and the caller gives up ownership of it: nothing
    /// else frees it.
    pub(super) unsafe fn from_raw_box<T: Send + 'static>(ptr: *mut T) -> Self {
        Deferred {
            ptr: ptr.cast(),
            run: drop_box::<T>,
        }
    }
}

impl Drop for Deferred {
    fn drop(&mut self) {
        // SAFETY: `ptr` and `run` were paired by a constructor (the box's type is the one `run`
        // was instantiated with), and `drop` runs once, so the object is disposed of once.
        unsafe { (self.run)(self.ptr) }
    }
}
