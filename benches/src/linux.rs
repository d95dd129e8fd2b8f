//! The Linux JIT as a reference: XDP versions of the benchmark workloads loaded with
//! `bpf(BPF_PROG_LOAD)` and timed with `BPF_PROG_TEST_RUN` (`repeat`), which reports the mean
//! run time measured inside the kernel.
//!
//! Linux's verifier demands what our engines do not: packet pointers come from the XDP context
//! (`data`, `data_end`) and every packet access sits behind a bounds check, so the XDP programs
//! carry those checks (one compare per loaded record or byte) on top of the same algorithm. The
//! helper loop calls `bpf_get_smp_processor_id` (helper 8), the cheapest helper XDP offers, in
//! place of our `helper_mix`.
//!
//! The verifier benchmark uses the lower-level wrappers here ([`Fd`], [`map_create`],
//! [`map_update`], [`prog_load`], [`verified_insns`]) through [`crate::kernel`]; the
//! execution-context benchmark uses [`RingPositions`] and [`thread_cpu_time`]. This is the
//! crate's only module with `unsafe` (the `bpf()`, `close()`, `mmap()` and `clock_gettime()`
//! system calls).

use std::ffi::CStr;

use crate::Workload;

const BPF_MAP_CREATE: libc::c_long = 0;
const BPF_MAP_LOOKUP_ELEM: libc::c_long = 1;
const BPF_MAP_UPDATE_ELEM: libc::c_long = 2;
const BPF_MAP_GET_NEXT_KEY: libc::c_long = 4;
const BPF_MAP_LOOKUP_AND_DELETE_ELEM: libc::c_long = 21;
const BPF_PROG_LOAD: libc::c_long = 5;
const BPF_PROG_TEST_RUN: libc::c_long = 10;
const BPF_OBJ_GET_INFO_BY_FD: libc::c_long = 15;
const ATTR_SIZE: usize = 144;
/// `BPF_PROG_TYPE_XDP`.
fn xdp_type() -> u32 {
    ebpf_platform::LINUX
        .program_type("xdp")
        .map_or(0, |t| t.number)
}
/// `sizeof(struct bpf_prog_info)` as of Linux 5.16 and later (232 bytes).
const PROG_INFO_SIZE: usize = 232;
/// Offset of `bpf_prog_info.verified_insns` (Linux 5.16).
const VERIFIED_INSNS_AT: usize = 216;

fn bpf(cmd: libc::c_long, attr: &mut [u8; ATTR_SIZE]) -> libc::c_long {
    // SAFETY: `attr` is a live, writable buffer of ATTR_SIZE bytes laid out as the kernel's
    // `union bpf_attr` for `cmd` (zeroed beyond the fields set); every pointer stored in it
    // refers to a buffer the caller keeps alive until this call returns.
    unsafe { libc::syscall(libc::SYS_bpf, cmd, attr.as_mut_ptr(), ATTR_SIZE) }
}

fn put(attr: &mut [u8; ATTR_SIZE], at: usize, bytes: &[u8]) {
    attr[at..at + bytes.len()].copy_from_slice(bytes);
}

/// An XDP program loaded into this machine's kernel (closed on drop, with its [`Fd`]).
#[derive(Debug)]
pub struct Loaded {
    fd: Fd,
}

impl Loaded {
    /// Loads assembly `source` as an XDP program; the verifier's last words on refusal.
    pub fn load(source: &str) -> Result<Loaded, String> {
        let insns = ebpf_isa::asm::assemble(source).map_err(|e| e.to_string())?;
        let code = ebpf_isa::encode(&insns);
        let license = c"GPL";
        // Without a log first: a long verification overflows any log buffer (ENOSPC).
        match prog_load(xdp_type(), 0, &code, license, None) {
            Ok(fd) => Ok(Loaded { fd }),
            Err(errno) => {
                let mut log = vec![0u8; 1 << 22];
                match prog_load(xdp_type(), 0, &code, license, Some((1, &mut log))) {
                    Ok(fd) => Ok(Loaded { fd }),
                    Err(_) => Err(format!("{errno}: {}", log_reason(&log))),
                }
            }
        }
    }

    /// Runs the program `repeat` times on `packet`: its 32-bit return value and the mean time
    /// of one run in nanoseconds, as the kernel measured it.
    pub fn test_run(&self, packet: &[u8], repeat: u32) -> Result<(u32, u32), String> {
        let mut attr = [0u8; ATTR_SIZE];
        put(&mut attr, 0, &(self.fd.0 as u32).to_ne_bytes());
        put(&mut attr, 8, &(packet.len() as u32).to_ne_bytes());
        put(&mut attr, 16, &(packet.as_ptr() as u64).to_ne_bytes());
        put(&mut attr, 32, &repeat.to_ne_bytes());
        if bpf(BPF_PROG_TEST_RUN, &mut attr) < 0 {
            return Err(std::io::Error::last_os_error().to_string());
        }
        let word =
            |at: usize| u32::from_ne_bytes([attr[at], attr[at + 1], attr[at + 2], attr[at + 3]]);
        Ok((word(4), word(36)))
    }
}

/// The verifier's reason: the last line before its closing statistics.
fn last_reason(log: &str) -> String {
    log.lines()
        .rev()
        .map(str::trim)
        .find(|l| {
            !l.is_empty()
                && !l.starts_with("processed ")
                && !l.starts_with("verification time")
                && !l.starts_with("stack depth")
        })
        .unwrap_or("(no verifier log)")
        .to_string()
}

/// A map or program file descriptor this process owns; closed on drop.
#[derive(Debug)]
pub struct Fd(i32);

impl Fd {
    /// The descriptor's number (what an `LDDW` map reference carries).
    pub fn raw(&self) -> i32 {
        self.0
    }
}

impl Drop for Fd {
    fn drop(&mut self) {
        // SAFETY: the descriptor was returned by bpf() to this value and is closed only here.
        unsafe { libc::close(self.0) };
    }
}

fn fd_or_error(ret: libc::c_long) -> Result<Fd, std::io::Error> {
    if ret >= 0 {
        Ok(Fd(ret as i32))
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// `BPF_MAP_CREATE` with the classic attributes (type, sizes, entries, flags, inner map).
pub fn map_create(
    map_type: u32,
    key_size: u32,
    value_size: u32,
    max_entries: u32,
    flags: u32,
    inner_map_fd: Option<&Fd>,
) -> Result<Fd, std::io::Error> {
    let mut attr = [0u8; ATTR_SIZE];
    put(&mut attr, 0, &map_type.to_ne_bytes());
    put(&mut attr, 4, &key_size.to_ne_bytes());
    put(&mut attr, 8, &value_size.to_ne_bytes());
    put(&mut attr, 12, &max_entries.to_ne_bytes());
    put(&mut attr, 16, &flags.to_ne_bytes());
    put(
        &mut attr,
        20,
        &inner_map_fd.map_or(0, |f| f.0 as u32).to_ne_bytes(),
    );
    fd_or_error(bpf(BPF_MAP_CREATE, &mut attr))
}

/// `BPF_MAP_UPDATE_ELEM`: writes `value` at `key` (`BPF_ANY`).
pub fn map_update(map: &Fd, key: &[u8], value: &[u8]) -> Result<(), std::io::Error> {
    let mut attr = [0u8; ATTR_SIZE];
    put(&mut attr, 0, &(map.0 as u32).to_ne_bytes());
    put(&mut attr, 8, &(key.as_ptr() as u64).to_ne_bytes());
    put(&mut attr, 16, &(value.as_ptr() as u64).to_ne_bytes());
    if bpf(BPF_MAP_UPDATE_ELEM, &mut attr) < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// `BPF_MAP_LOOKUP_ELEM`: the `value_size` bytes at `key` (per-CPU maps: the whole
/// per-CPU buffer, `value_size` being its size).
pub fn map_lookup(map: &Fd, key: &[u8], value_size: usize) -> Result<Vec<u8>, std::io::Error> {
    let mut value = vec![0u8; value_size];
    let mut attr = [0u8; ATTR_SIZE];
    put(&mut attr, 0, &(map.0 as u32).to_ne_bytes());
    put(&mut attr, 8, &(key.as_ptr() as u64).to_ne_bytes());
    put(&mut attr, 16, &(value.as_mut_ptr() as u64).to_ne_bytes());
    if bpf(BPF_MAP_LOOKUP_ELEM, &mut attr) < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(value)
}

/// `BPF_MAP_GET_NEXT_KEY`: the key after `key` (the first for `None`), `None` past the last.
pub fn map_next_key(
    map: &Fd,
    key: Option<&[u8]>,
    key_size: usize,
) -> Result<Option<Vec<u8>>, std::io::Error> {
    let mut next = vec![0u8; key_size];
    let mut attr = [0u8; ATTR_SIZE];
    put(&mut attr, 0, &(map.0 as u32).to_ne_bytes());
    put(
        &mut attr,
        8,
        &key.map_or(0, |k| k.as_ptr() as u64).to_ne_bytes(),
    );
    put(&mut attr, 16, &(next.as_mut_ptr() as u64).to_ne_bytes());
    if bpf(BPF_MAP_GET_NEXT_KEY, &mut attr) < 0 {
        let e = std::io::Error::last_os_error();
        return match e.raw_os_error() {
            Some(libc::ENOENT) => Ok(None),
            _ => Err(e),
        };
    }
    Ok(Some(next))
}

/// `BPF_MAP_LOOKUP_AND_DELETE_ELEM` of a queue or stack (no key): pops one value.
pub fn map_pop(map: &Fd, value_size: usize) -> Result<Vec<u8>, std::io::Error> {
    let mut value = vec![0u8; value_size];
    let mut attr = [0u8; ATTR_SIZE];
    put(&mut attr, 0, &(map.0 as u32).to_ne_bytes());
    put(&mut attr, 16, &(value.as_mut_ptr() as u64).to_ne_bytes());
    if bpf(BPF_MAP_LOOKUP_AND_DELETE_ELEM, &mut attr) < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(value)
}

/// What [`test_run`] returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestRunOut {
    /// The program's 32-bit return value.
    pub retval: u32,
    /// Mean nanoseconds per run, as the kernel measured them.
    pub duration_ns: u32,
    /// The packet afterwards.
    pub data_out: Vec<u8>,
    /// The context afterwards (as long as the context given; empty without one).
    pub ctx_out: Vec<u8>,
}

/// `BPF_PROG_TEST_RUN` of `prog` on `data` (and context bytes `ctx`), `repeat` times.
pub fn test_run(
    prog: &Fd,
    data: &[u8],
    ctx: Option<&[u8]>,
    repeat: u32,
) -> Result<TestRunOut, std::io::Error> {
    // Room for a packet that grows into the tail room.
    let mut out = vec![0u8; data.len() + 4096];
    let mut attr = [0u8; ATTR_SIZE];
    put(&mut attr, 0, &(prog.0 as u32).to_ne_bytes());
    put(&mut attr, 8, &(data.len() as u32).to_ne_bytes());
    put(&mut attr, 12, &(out.len() as u32).to_ne_bytes());
    put(&mut attr, 16, &(data.as_ptr() as u64).to_ne_bytes());
    put(&mut attr, 24, &(out.as_mut_ptr() as u64).to_ne_bytes());
    put(&mut attr, 32, &repeat.to_ne_bytes());
    let mut ctx_out = vec![0u8; ctx.map_or(0, <[u8]>::len)];
    if let Some(ctx) = ctx {
        put(&mut attr, 40, &(ctx.len() as u32).to_ne_bytes());
        put(&mut attr, 44, &(ctx_out.len() as u32).to_ne_bytes());
        put(&mut attr, 48, &(ctx.as_ptr() as u64).to_ne_bytes());
        put(&mut attr, 56, &(ctx_out.as_mut_ptr() as u64).to_ne_bytes());
    }
    if bpf(BPF_PROG_TEST_RUN, &mut attr) < 0 {
        return Err(std::io::Error::last_os_error());
    }
    let word = |at: usize| u32::from_ne_bytes([attr[at], attr[at + 1], attr[at + 2], attr[at + 3]]);
    out.truncate(word(12) as usize);
    ctx_out.truncate(word(44) as usize);
    Ok(TestRunOut {
        retval: word(4),
        duration_ns: word(36),
        data_out: out,
        ctx_out,
    })
}

/// The CPU time this thread has used (`CLOCK_THREAD_CPUTIME_ID`): like the kernel's test-run
/// timer, it leaves out the time the thread was not running (other processes' turns).
pub fn thread_cpu_time() -> std::time::Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a live, writable timespec; the clock id is a constant Linux defines.
    let ret = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if ret != 0 {
        return std::time::Duration::ZERO;
    }
    std::time::Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// A ring buffer map's position pages mapped into this process, to discard what programs
/// wrote (as a consumer that reads nothing): its consumer page (read-write) and producer page
/// (read-only), unmapped on drop.
#[derive(Debug)]
pub struct RingPositions {
    consumer: *mut libc::c_void,
    producer: *mut libc::c_void,
    page: usize,
}

impl RingPositions {
    /// Maps the position pages of ring buffer map `ring`.
    pub fn map(ring: &Fd) -> Result<RingPositions, std::io::Error> {
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(4096) as usize;
        let map = |prot, offset| {
            // SAFETY: a fresh shared mapping of the ring's fd at a page offset the kernel
            // allows for ring buffers (page 0: consumer, read-write; page 1: producer,
            // read-only); the kernel checks the fd, protection and range.
            let addr = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    page,
                    prot,
                    libc::MAP_SHARED,
                    ring.0,
                    offset as libc::off_t,
                )
            };
            if addr == libc::MAP_FAILED {
                Err(std::io::Error::last_os_error())
            } else {
                Ok(addr)
            }
        };
        let consumer = map(libc::PROT_READ | libc::PROT_WRITE, 0)?;
        let producer = match map(libc::PROT_READ, page) {
            Ok(p) => p,
            Err(e) => {
                // SAFETY: `consumer` was mapped just above with this length and is unused.
                unsafe { libc::munmap(consumer, page) };
                return Err(e);
            }
        };
        Ok(RingPositions {
            consumer,
            producer,
            page,
        })
    }

    /// Discards every committed record: the consumer position moves to the producer's.
    /// Returns the bytes discarded.
    pub fn discard(&self) -> u64 {
        use std::sync::atomic::{AtomicU64, Ordering};
        // SAFETY: both pages are mapped for the life of `self`; each starts with the kernel's
        // 8-byte-aligned position (`consumer_pos`, `producer_pos`), which the kernel reads and
        // writes atomically.
        let (consumer, producer) = unsafe {
            (
                &*(self.consumer as *const AtomicU64),
                &*(self.producer as *const AtomicU64),
            )
        };
        let end = producer.load(Ordering::Acquire);
        let start = consumer.swap(end, Ordering::Release);
        end.wrapping_sub(start)
    }
}

impl Drop for RingPositions {
    fn drop(&mut self) {
        // SAFETY: both were mapped with this length by `map` and are not used after this.
        unsafe {
            libc::munmap(self.consumer, self.page);
            libc::munmap(self.producer, self.page);
        }
    }
}

/// `BPF_PROG_LOAD` of `code` (8 bytes a slot, map fds already in its `LDDW`s): the program's
/// fd, or the errno. With `log`, the verifier writes its log at that level there (1: the
/// instructions it walked, 4: only its closing statistics).
pub fn prog_load(
    prog_type: u32,
    expected_attach_type: u32,
    code: &[u8],
    license: &CStr,
    log: Option<(u32, &mut [u8])>,
) -> Result<Fd, std::io::Error> {
    let mut attr = [0u8; ATTR_SIZE];
    put(&mut attr, 0, &prog_type.to_ne_bytes());
    put(&mut attr, 4, &((code.len() / 8) as u32).to_ne_bytes());
    put(&mut attr, 8, &(code.as_ptr() as u64).to_ne_bytes());
    put(&mut attr, 16, &(license.as_ptr() as u64).to_ne_bytes());
    if let Some((level, log)) = log {
        put(&mut attr, 24, &level.to_ne_bytes()); // log_level
        put(&mut attr, 28, &(log.len() as u32).to_ne_bytes());
        put(&mut attr, 32, &(log.as_mut_ptr() as u64).to_ne_bytes());
    }
    put(&mut attr, 68, &expected_attach_type.to_ne_bytes());
    fd_or_error(bpf(BPF_PROG_LOAD, &mut attr))
}

/// The kernel's count of instructions its verifier processed for a loaded program
/// (`bpf_prog_info.verified_insns`, Linux 5.16 and later; `None` on older kernels).
pub fn verified_insns(prog: &Fd) -> Option<u32> {
    let mut info = [0u8; PROG_INFO_SIZE];
    let mut attr = [0u8; ATTR_SIZE];
    put(&mut attr, 0, &(prog.0 as u32).to_ne_bytes());
    put(&mut attr, 4, &(PROG_INFO_SIZE as u32).to_ne_bytes());
    put(&mut attr, 8, &(info.as_mut_ptr() as u64).to_ne_bytes());
    if bpf(BPF_OBJ_GET_INFO_BY_FD, &mut attr) < 0 {
        return None;
    }
    // The kernel writes back how much of `info` it filled.
    let filled = u32::from_ne_bytes([attr[4], attr[5], attr[6], attr[7]]) as usize;
    let at = VERIFIED_INSNS_AT;
    (filled >= at + 4)
        .then(|| u32::from_ne_bytes([info[at], info[at + 1], info[at + 2], info[at + 3]]))
}

/// A log buffer's text, up to its terminating NUL.
pub fn log_text(log: &[u8]) -> String {
    let end = log.iter().position(|&b| b == 0).unwrap_or(log.len());
    String::from_utf8_lossy(&log[..end]).into_owned()
}

/// The verifier's reason for a refusal in a level-1 log: its last line before the closing
/// statistics.
pub fn log_reason(log: &[u8]) -> String {
    last_reason(&log_text(log))
}

/// XDP version of [`crate::ARITH_LOOP`] (no packet access: the same instructions).
pub const ARITH_LOOP_XDP: &str = crate::ARITH_LOOP;

/// XDP version of [`crate::BYTE_SUM`]: a bounds check against `data_end` before each byte.
pub const BYTE_SUM_XDP: &str = "
ldxw %r2, [%r1+0]
ldxw %r3, [%r1+4]
mov %r0, 0
mov %r4, 0
loop:
mov %r5, %r2
add %r5, 1
jgt %r5, %r3, done
ldxb %r6, [%r2]
add %r0, %r6
add %r2, 1
add %r4, 1
jlt %r4, 1024, loop
done:
exit
";

/// XDP version of [`crate::PARSER`]: a bounds check per 64-byte record and a record counter
/// (the verifier needs one to see that the loop ends).
pub const PARSER_XDP: &str = "
ldxw %r6, [%r1+0]
ldxw %r7, [%r1+4]
mov %r0, 0
mov %r9, 0
next:
mov %r8, %r6
add %r8, 64
jgt %r8, %r7, out
ldxh %r2, [%r6+12]
be16 %r2
jne %r2, 0x0800, not_ip
ldxb %r3, [%r6+23]
jeq %r3, 6, tcp
jeq %r3, 17, udp
add %r0, 1
ja advance
tcp:
ldxh %r4, [%r6+36]
be16 %r4
jeq %r4, 80, http
jeq %r4, 443, https
add %r0, 3
ja advance
http:
add %r0, 10
ja advance
https:
add %r0, 20
ja advance
udp:
ldxh %r4, [%r6+36]
be16 %r4
jgt %r4, 1024, high
add %r0, 5
ja advance
high:
add %r0, 7
ja advance
not_ip:
jeq %r2, 0x86dd, ipv6
add %r0, 100
ja advance
ipv6:
add %r0, 50
advance:
add %r6, 64
add %r9, 1
jlt %r9, 16, next
out:
exit
";

/// XDP version of [`crate::HELPER_LOOP`]: 1,000 calls of `bpf_get_smp_processor_id`.
pub const HELPER_LOOP_XDP: &str = "
mov %r6, 0
mov %r7, 0
loop:
mov %r1, %r6
mov %r2, %r7
call 8
add %r7, %r0
add %r6, 1
jlt %r6, 1000, loop
mov %r0, %r7
exit
";

/// The XDP source for a workload, and whether its 32-bit result must equal ours.
pub fn xdp_source(w: &Workload) -> (&'static str, bool) {
    match w.name {
        "arith_loop" => (ARITH_LOOP_XDP, true),
        "byte_sum_1k" => (BYTE_SUM_XDP, true),
        "parser" => (PARSER_XDP, true),
        _ => (HELPER_LOOP_XDP, false),
    }
}

/// The packet an XDP run gets: the workload's memory, padded to Linux's 14-byte minimum.
pub fn packet(w: &Workload) -> Vec<u8> {
    let mut p = w.mem.clone();
    if p.len() < 64 {
        p.resize(64, 0);
    }
    p
}
