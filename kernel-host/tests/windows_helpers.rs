//! eBPF for Windows general helpers 19-21, 26, 33-35 (`tests/host/windows_helpers.c`) on both
//! engines: exact results from an `Os` with a fixed task and from `StdOs`, and load failures
//! for the two helpers eBPF for Windows leaves to program-type overrides.

mod common;

use std::sync::Arc;

use common::*;
use ebpf_kernel_host::os::{ExecMemory, OsError, StdOs, Task};
use ebpf_kernel_host::{Engine, Host, LoadErrorKind, LoadOptions, Loaded, Os, TestRun};
use ebpf_platform::WINDOWS;

/// `StdOs` with a fixed [`Task`].
#[derive(Debug)]
struct FixedTask(StdOs, Task);

impl Os for FixedTask {
    fn alloc_exec(&self, len: usize) -> Result<Box<dyn ExecMemory>, OsError> {
        self.0.alloc_exec(len)
    }
    fn monotonic_ns(&self) -> u64 {
        self.0.monotonic_ns()
    }
    fn boot_ns(&self) -> u64 {
        self.0.boot_ns()
    }
    fn fill_random(&self, buf: &mut [u8]) {
        self.0.fill_random(buf)
    }
    fn current_cpu(&self) -> usize {
        self.0.current_cpu()
    }
    fn cpu_count(&self) -> usize {
        self.0.cpu_count()
    }
    fn trace(&self, line: &str) {
        self.0.trace(line)
    }
    fn current_task(&self) -> Task {
        self.1
    }
}

const TASK: Task = Task {
    process_id: 0x1234,
    thread_id: 0x5678_9abc,
    logon_id: 0x3e7,
    process_start_key: 0x0001_0000_0000_0042,
    thread_create_time: 133_000_000_000_000_000,
};

fn load_one(
    host: &Host,
    function: &str,
    engine: Engine,
) -> Result<Loaded, ebpf_kernel_host::LoadError> {
    let object = object("windows_helpers.o", &WINDOWS);
    let functions = [function];
    host.load(
        &object,
        &LoadOptions {
            engine,
            functions: Some(&functions),
            ..LoadOptions::default()
        },
    )
}

/// Runs `win_task` and returns the six words it stored.
fn task_words(host: &Host, engine: Engine) -> [u64; 6] {
    let loaded = load_one(host, "win_task", engine).unwrap_or_else(|e| panic!("{e}"));
    let p = loaded.program("win_task").unwrap();
    let out = p
        .test_run(&TestRun {
            data: &[0; 64],
            ..TestRun::default()
        })
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.retval, 1, "{engine:?}");
    let mut v = [0u8; 48];
    loaded
        .map("task")
        .unwrap()
        .map()
        .lookup(&0u32.to_ne_bytes(), &mut v)
        .unwrap();
    std::array::from_fn(|i| u64::from_ne_bytes(v[i * 8..i * 8 + 8].try_into().unwrap()))
}

#[test]
fn task_helpers_report_the_os_task_exactly() {
    for engine in ENGINES {
        let host = Host::new(Arc::new(FixedTask(StdOs::new(), TASK)), &WINDOWS);
        let got = task_words(&host, engine);
        assert_eq!(
            got,
            [
                0x1234_5678_9abc,        // pid_tgid: pid << 32 | tid
                0x3e7,                   // logon id
                -1i64 as u64,            // is_admin: eBPF for Windows' core answers -1
                0x0001_0000_0000_0042,   // process start key
                133_000_000_000_000_000, // thread create time
                1,                       // (int32) is_admin == -1
            ],
            "{engine:?}"
        );
    }
    // Outside any process every value is 0 (and is_admin still -1).
    let host = Host::new(Arc::new(FixedTask(StdOs::new(), Task::NONE)), &WINDOWS);
    assert_eq!(
        task_words(&host, Engine::Jit),
        [0, 0, -1i64 as u64, 0, 0, 1]
    );
}

#[cfg(target_os = "linux")]
#[test]
fn std_os_reports_this_process_and_thread() {
    let (host, _) = host(&WINDOWS);
    let got = task_words(&host, Engine::Interpreter);
    // SAFETY: gettid takes no arguments and cannot fail.
    let tid = unsafe { libc::gettid() } as u64;
    assert_eq!(got[0], u64::from(std::process::id()) << 32 | tid);
    let session = std::fs::read_to_string("/proc/self/sessionid")
        .ok()
        .and_then(|s| s.trim().parse::<u32>().ok())
        .filter(|&s| s != u32::MAX)
        .map_or(0, u64::from);
    assert_eq!(got[1], session);
    assert_eq!(got[2], -1i64 as u64);
    // The start key holds the process id in its low 22 bits and the start time above.
    assert_eq!(
        got[3] & 0x3f_ffff,
        u64::from(std::process::id()) & 0x3f_ffff
    );
    assert!(got[3] >> 22 > 0);
    // The thread was created after boot and before now, as a FILETIME.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let filetime = |unix_ns: u128| (unix_ns / 100) as i64 + 116_444_736_000_000_000;
    let boot_ns = std::fs::read_to_string("/proc/uptime")
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse::<f64>()
        .unwrap();
    let booted = now.as_nanos() - (boot_ns * 1e9) as u128;
    let created = got[4] as i64;
    assert!(created >= filetime(booted) - 10_000_000, "{created}");
    assert!(
        created <= filetime(now.as_nanos()) + 10_000_000,
        "{created}"
    );
    // Both engines agree, and a second run of this thread gives the same values.
    assert_eq!(task_words(&host, Engine::Jit), got);
}

#[test]
fn helpers_without_a_core_implementation_fail_to_load() {
    let (host, _) = host(&WINDOWS);
    for (function, id, name) in [
        ("win_cookie", 26, "bpf_get_socket_cookie"),
        ("win_redirect_map", 35, "bpf_redirect_map"),
    ] {
        let e = load_one(&host, function, Engine::Interpreter).expect_err(function);
        match e.kind() {
            LoadErrorKind::MissingHelper {
                id: got, name: n, ..
            } => {
                assert_eq!((*got, *n), (id, Some(name)), "{e}");
            }
            other => panic!("{function}: {other:?}"),
        }
        assert!(e.to_string().contains(name), "{e}");
    }
}
