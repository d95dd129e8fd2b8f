//! Model checks of the epoch protocol with loom (every interleaving, within a preemption
//! bound). Run with:
//!
//! ```text
//! RUSTFLAGS="--cfg loom" cargo test -p ebpf-kernel-host --release --test loom
//! ```
//!
//! Without `--cfg loom` this file is empty.

#![cfg(loom)]

use std::sync::Arc;

use ebpf_kernel_host::{Epoch, RcuSlots};
use loom::cell::UnsafeCell;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;

/// A value whose destructor writes to it: loom reports a data race if a reader's read of the
/// value is not ordered before the destructor's write (that is, if memory could be freed
/// while a reader still uses it).
struct Tracked {
    value: UnsafeCell<u64>,
    drops: Arc<AtomicUsize>,
}

// SAFETY: the value is read by readers and written only by the destructor; loom checks that
// these accesses are ordered, which is the property under test.
unsafe impl Sync for Tracked {}

impl Tracked {
    fn new(value: u64, drops: &Arc<AtomicUsize>) -> Box<Self> {
        Box::new(Tracked {
            value: UnsafeCell::new(value),
            drops: drops.clone(),
        })
    }

    fn read(&self) -> u64 {
        // SAFETY: no `&mut` to the value exists outside the destructor; loom tracks the access.
        self.value.with(|p| unsafe { *p })
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        // SAFETY: `&mut self`: this is the only access; loom checks it against readers.
        self.value.with_mut(|p| unsafe { *p = 0 });
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

fn builder() -> loom::model::Builder {
    let mut b = loom::model::Builder::new();
    b.preemption_bound = Some(3);
    b.max_branches = 100_000;
    b
}

fn setup(drops: &Arc<AtomicUsize>) -> (Arc<Epoch>, Arc<RcuSlots<Tracked>>) {
    let epoch = Arc::new(Epoch::with_slots(1, 1, loom::thread::yield_now));
    let cell = Arc::new(RcuSlots::new(epoch.clone(), 1).expect("allocation"));
    {
        let guard = epoch.pin();
        assert!(cell
            .replace(0, Some(Tracked::new(1, drops)), &guard)
            .is_none());
    }
    (epoch, cell)
}

/// A reader that loaded the old value keeps reading it while a writer replaces and
/// synchronizes; the old value is freed exactly once, after the reader exits.
#[test]
fn reader_never_sees_freed_memory() {
    builder().check(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (epoch, cell) = setup(&drops);
        let reader = {
            let (epoch, cell) = (epoch.clone(), cell.clone());
            thread::spawn(move || {
                let guard = epoch.enter(0);
                let seen = cell.load(0, &guard).map(Tracked::read);
                // The value read is one of the two published, never a freed one's 0.
                assert!(matches!(seen, Some(1) | Some(2)), "read {seen:?}");
                let again = cell.load(0, &guard).map(Tracked::read);
                assert!(matches!(again, Some(1) | Some(2)), "read {again:?}");
            })
        };
        {
            let guard = epoch.pin();
            let old = cell.replace(0, Some(Tracked::new(2, &drops)), &guard);
            // The retired value is still readable under the writer's own guard.
            assert_eq!(old.map(Tracked::read), Some(1));
        }
        // A reclamation attempt while the reader may still be inside must not free the value.
        epoch.collect();
        epoch.synchronize();
        assert_eq!(
            drops.load(Ordering::SeqCst),
            1,
            "old value freed by synchronize"
        );
        reader.join().unwrap();
        drop(cell);
        assert_eq!(drops.load(Ordering::SeqCst), 2);
    });
}

/// Memory retired while a reader is inside is freed once the reader has exited, by
/// `collect` on the writer's side.
#[test]
fn reclamation_happens_after_readers_exit() {
    builder().check(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (epoch, cell) = setup(&drops);
        let reader = {
            let (epoch, cell) = (epoch.clone(), cell.clone());
            thread::spawn(move || {
                let guard = epoch.enter(0);
                let v = cell.load(0, &guard).map(Tracked::read);
                assert!(matches!(v, Some(1) | None), "read {v:?}");
            })
        };
        {
            let guard = epoch.pin();
            cell.replace(0, None, &guard);
        }
        reader.join().unwrap();
        // No reader is left: two advances and a collection free the retired value.
        epoch.collect();
        epoch.collect();
        epoch.collect();
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        assert_eq!(epoch.pending(), 0);
    });
}

/// Two writers replacing concurrently while a reader reads: every replaced value is freed
/// exactly once and never while the reader can still see it.
#[test]
fn concurrent_writers_and_a_reader() {
    builder().check(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let epoch = Arc::new(Epoch::with_slots(1, 2, loom::thread::yield_now));
        let cell = Arc::new(RcuSlots::new(epoch.clone(), 1).expect("allocation"));
        let writer = {
            let (epoch, cell, drops) = (epoch.clone(), cell.clone(), drops.clone());
            thread::spawn(move || {
                let guard = epoch.pin();
                cell.replace(0, Some(Tracked::new(7, &drops)), &guard);
                drop(guard);
                epoch.collect();
            })
        };
        let reader = {
            let (epoch, cell) = (epoch.clone(), cell.clone());
            thread::spawn(move || {
                let guard = epoch.enter(0);
                let v = cell.load(0, &guard).map(Tracked::read);
                assert!(matches!(v, None | Some(7) | Some(8)), "read {v:?}");
            })
        };
        {
            let guard = epoch.pin();
            cell.replace(0, Some(Tracked::new(8, &drops)), &guard);
        }
        epoch.collect();
        writer.join().unwrap();
        reader.join().unwrap();
        epoch.synchronize();
        assert_eq!(
            drops.load(Ordering::SeqCst),
            1,
            "one of the two values was replaced"
        );
        drop(cell);
        assert_eq!(drops.load(Ordering::SeqCst), 2);
    });
}
