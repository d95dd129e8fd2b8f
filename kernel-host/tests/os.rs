//! The user-mode OS services (`StdOs`) and the epoch's CPU claiming.

use std::sync::{Arc, Mutex};

use ebpf_kernel_host::os::{Os, OsErrorKind, StdOs};
use ebpf_kernel_host::Epoch;

#[test]
fn exec_memory_is_writable_then_executable_never_both() {
    let os = StdOs::new();
    let mut code = os.alloc_exec(4096).unwrap();
    assert_eq!(code.len(), 4096);
    assert!(!code.is_executable());
    code.write(0, &[0xc3]).unwrap();
    let err = code.write(4095, &[0, 0]).unwrap_err();
    assert_eq!(
        err.kind(),
        &OsErrorKind::OutOfBounds {
            offset: 4095,
            len: 2,
            size: 4096
        }
    );
    assert!(code.write(usize::MAX, &[1]).is_err());
    code.make_executable().unwrap();
    assert!(code.is_executable());
    assert_eq!(
        code.write(0, &[0x90]).unwrap_err().kind(),
        &OsErrorKind::NotWritable
    );
    assert!(!code.as_ptr().is_null());
    drop(code);
    assert!(os.alloc_exec(0).is_err());
}

#[test]
fn clocks_random_cpus_and_trace() {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    let os = StdOs::new()
        .with_cpu_count(3)
        .with_trace_sink(move |l| sink.lock().unwrap().push(l.to_string()));
    let (a, b) = (os.monotonic_ns(), os.monotonic_ns());
    assert!(b >= a && a > 0);
    assert!(
        os.boot_ns() >= a,
        "boot time includes suspend, so it is at least the monotonic time"
    );
    let mut buf = [0u8; 64];
    os.fill_random(&mut buf);
    assert!(buf.iter().any(|&b| b != 0));
    let draws: std::collections::HashSet<u32> = (0..100).map(|_| os.random_u32()).collect();
    assert!(draws.len() > 90, "random_u32 varies");
    assert_eq!(os.cpu_count(), 3);
    assert!(os.current_cpu() < 3);
    os.trace("hello 42");
    assert_eq!(*lines.lock().unwrap(), ["hello 42"]);
}

#[test]
fn a_guard_owns_its_cpu() {
    let epoch = Epoch::new(2);
    let a = epoch.enter(1);
    assert_eq!(a.cpu(), Some(1));
    // CPU 1 is taken: the next guard gets the other one.
    let b = epoch.enter(1);
    assert_eq!(b.cpu(), Some(0));
    assert!(epoch.try_enter_cpu(0).is_none());
    assert!(epoch.try_enter_cpu(7).is_none());
    let pinned = epoch.pin();
    assert_eq!(pinned.cpu(), None);
    drop(a);
    assert_eq!(epoch.try_enter_cpu(1).map(|g| g.cpu()), Some(Some(1)));
    drop((b, pinned));
    // A waiting thread gets a CPU once one is released.
    let epoch = Arc::new(Epoch::with_slots(1, 4, std::thread::yield_now));
    let held = epoch.enter(0);
    let waiter = {
        let epoch = epoch.clone();
        std::thread::spawn(move || epoch.enter(0).cpu())
    };
    std::thread::sleep(std::time::Duration::from_millis(20));
    drop(held);
    assert_eq!(waiter.join().unwrap(), Some(0));
}

#[test]
fn deferred_work_runs_after_readers_and_refresh_lets_it_progress() {
    let epoch = Epoch::new(2);
    let ran = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut reader = epoch.enter(0);
    {
        let writer = epoch.pin();
        let ran = ran.clone();
        writer.defer(move || {
            ran.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        });
        writer.retire(Box::new([0u8; 32]));
    }
    for _ in 0..4 {
        epoch.collect();
    }
    assert_eq!(
        ran.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "the reader may still see it"
    );
    assert_eq!(epoch.pending(), 2);
    // A long batch refreshes between invocations: reclamation proceeds without exiting.
    reader.refresh();
    for _ in 0..4 {
        epoch.collect();
        reader.refresh();
    }
    assert_eq!(ran.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert_eq!(epoch.pending(), 0);
    drop(reader);
    epoch.synchronize();
}
