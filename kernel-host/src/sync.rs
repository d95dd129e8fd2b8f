//! The atomics the epoch scheme and the locks are built on: `core`'s, or `loom`'s when the crate
//! is built with `--cfg loom` so that the model checker can explore every interleaving.
//!
//! Map storage that programs write through raw pointers (values, ring data) always uses
//! `core::sync::atomic` directly: those words are not part of the modelled protocol.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{fence, AtomicBool, AtomicPtr, AtomicU64, AtomicUsize};

#[cfg(not(loom))]
pub(crate) use core::sync::atomic::{fence, AtomicBool, AtomicPtr, AtomicU64, AtomicUsize};

pub(crate) use core::sync::atomic::Ordering;

/// One step of a busy wait: a CPU pause hint, or a yield to the model checker under loom.
pub(crate) fn spin_hint() {
    #[cfg(loom)]
    loom::thread::yield_now();
    #[cfg(not(loom))]
    core::hint::spin_loop();
}

/// The default `relax` step of an [`Epoch`](crate::epoch::Epoch) that waits for a free CPU.
pub(crate) fn default_relax() {
    spin_hint();
}
