//! The few `bpf()` commands the Linux differential tests need: map create and update, program
//! load (with the verifier's log) and test run.

#![allow(dead_code)]

const BPF_MAP_CREATE: libc::c_long = 0;
const BPF_MAP_UPDATE_ELEM: libc::c_long = 2;
const BPF_PROG_LOAD: libc::c_long = 5;
const BPF_PROG_TEST_RUN: libc::c_long = 10;
const BPF_BTF_LOAD: libc::c_long = 18;
const BPF_MAP_FREEZE: libc::c_long = 22;
const ATTR_SIZE: usize = 144;

/// Kernel program type numbers (`enum bpf_prog_type`).
pub const SOCKET_FILTER: u32 = 1;

fn bpf(cmd: libc::c_long, attr: &mut [u8; ATTR_SIZE]) -> libc::c_long {
    // SAFETY: `attr` is a live, writable buffer of ATTR_SIZE bytes laid out as the kernel's
    // `union bpf_attr` for `cmd`; every pointer stored in it refers to a buffer the caller keeps
    // alive until this call returns.
    unsafe { libc::syscall(libc::SYS_bpf, cmd, attr.as_mut_ptr(), ATTR_SIZE) }
}

fn put(attr: &mut [u8; ATTR_SIZE], at: usize, bytes: &[u8]) {
    attr[at..at + bytes.len()].copy_from_slice(bytes);
}

fn last_error() -> String {
    std::io::Error::last_os_error().to_string()
}

/// A file descriptor this test owns; closed on drop.
#[derive(Debug)]
pub struct Fd(pub i32);

impl Drop for Fd {
    fn drop(&mut self) {
        // SAFETY: the descriptor was returned by bpf() to this test and is closed only here.
        unsafe { libc::close(self.0) };
    }
}

/// Creates a map.
pub fn map_create(
    map_type: u32,
    key_size: u32,
    value_size: u32,
    max_entries: u32,
    flags: u32,
    inner_map_fd: Option<i32>,
) -> Result<Fd, String> {
    let mut attr = [0u8; ATTR_SIZE];
    put(&mut attr, 0, &map_type.to_ne_bytes());
    put(&mut attr, 4, &key_size.to_ne_bytes());
    put(&mut attr, 8, &value_size.to_ne_bytes());
    put(&mut attr, 12, &max_entries.to_ne_bytes());
    put(&mut attr, 16, &flags.to_ne_bytes());
    put(
        &mut attr,
        20,
        &(inner_map_fd.unwrap_or(0) as u32).to_ne_bytes(),
    );
    let fd = bpf(BPF_MAP_CREATE, &mut attr);
    if fd < 0 {
        return Err(format!("map create: {}", last_error()));
    }
    Ok(Fd(fd as i32))
}

/// Writes `value` at `key`.
pub fn map_update(fd: &Fd, key: &[u8], value: &[u8]) -> Result<(), String> {
    let mut attr = [0u8; ATTR_SIZE];
    put(&mut attr, 0, &(fd.0 as u32).to_ne_bytes());
    put(&mut attr, 8, &(key.as_ptr() as u64).to_ne_bytes());
    put(&mut attr, 16, &(value.as_ptr() as u64).to_ne_bytes());
    if bpf(BPF_MAP_UPDATE_ELEM, &mut attr) < 0 {
        return Err(format!("map update: {}", last_error()));
    }
    Ok(())
}

/// Loads `code`; on refusal, the errno and the verifier's reason (the last line of its log
/// before the closing statistics).
pub fn prog_load(
    prog_type: u32,
    expected_attach_type: u32,
    code: &[u8],
    license: &str,
) -> Result<Fd, String> {
    prog_load_btf(prog_type, expected_attach_type, code, license, None, &[])
}

/// Loads BTF (`BPF_BTF_LOAD`); on refusal, the errno and the last line of the kernel's log.
pub fn btf_load(btf: &[u8]) -> Result<Fd, String> {
    let mut log = vec![0u8; 1 << 16];
    let mut attr = [0u8; ATTR_SIZE];
    put(&mut attr, 0, &(btf.as_ptr() as u64).to_ne_bytes());
    put(&mut attr, 8, &(log.as_mut_ptr() as u64).to_ne_bytes());
    put(&mut attr, 16, &(btf.len() as u32).to_ne_bytes());
    put(&mut attr, 20, &(log.len() as u32).to_ne_bytes());
    put(&mut attr, 24, &1u32.to_ne_bytes());
    let fd = bpf(BPF_BTF_LOAD, &mut attr);
    if fd >= 0 {
        return Ok(Fd(fd as i32));
    }
    let errno = last_error();
    let end = log.iter().position(|&b| b == 0).unwrap_or(log.len());
    let text = String::from_utf8_lossy(&log[..end]);
    let last = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    Err(format!("BTF load: {errno}: {last}"))
}

/// Creates a map whose key and value are BTF types `(btf fd, key type id, value type id)`.
pub fn map_create_btf(
    map_type: u32,
    key_size: u32,
    value_size: u32,
    max_entries: u32,
    btf: (&Fd, u32, u32),
) -> Result<Fd, String> {
    let mut attr = [0u8; ATTR_SIZE];
    put(&mut attr, 0, &map_type.to_ne_bytes());
    put(&mut attr, 4, &key_size.to_ne_bytes());
    put(&mut attr, 8, &value_size.to_ne_bytes());
    put(&mut attr, 12, &max_entries.to_ne_bytes());
    put(&mut attr, 48, &(btf.0 .0 as u32).to_ne_bytes());
    put(&mut attr, 52, &btf.1.to_ne_bytes());
    put(&mut attr, 56, &btf.2.to_ne_bytes());
    let fd = bpf(BPF_MAP_CREATE, &mut attr);
    if fd < 0 {
        return Err(format!("map create: {}", last_error()));
    }
    Ok(Fd(fd as i32))
}

/// [`prog_load`] with the program's BTF and its func_info records (instruction index, BTF
/// `FUNC` type id), which Linux needs for callbacks.
pub fn prog_load_btf(
    prog_type: u32,
    expected_attach_type: u32,
    code: &[u8],
    license: &str,
    btf: Option<&Fd>,
    func_info: &[(u32, u32)],
) -> Result<Fd, String> {
    let records: Vec<u8> = func_info
        .iter()
        .flat_map(|&(insn, ty)| [insn.to_ne_bytes(), ty.to_ne_bytes()].concat())
        .collect();
    let license = std::ffi::CString::new(license).unwrap_or_default();
    let mut log = vec![0u8; 1 << 20];
    let mut attr = [0u8; ATTR_SIZE];
    put(&mut attr, 0, &prog_type.to_ne_bytes());
    put(&mut attr, 4, &((code.len() / 8) as u32).to_ne_bytes());
    put(&mut attr, 8, &(code.as_ptr() as u64).to_ne_bytes());
    put(&mut attr, 16, &(license.as_ptr() as u64).to_ne_bytes());
    put(&mut attr, 24, &1u32.to_ne_bytes()); // log_level
    put(&mut attr, 28, &(log.len() as u32).to_ne_bytes());
    put(&mut attr, 32, &(log.as_mut_ptr() as u64).to_ne_bytes());
    put(&mut attr, 68, &expected_attach_type.to_ne_bytes());
    if let Some(btf) = btf {
        put(&mut attr, 72, &(btf.0 as u32).to_ne_bytes());
        put(&mut attr, 76, &8u32.to_ne_bytes()); // func_info_rec_size
        put(&mut attr, 80, &(records.as_ptr() as u64).to_ne_bytes());
        put(&mut attr, 88, &(func_info.len() as u32).to_ne_bytes());
    }
    let fd = bpf(BPF_PROG_LOAD, &mut attr);
    if fd >= 0 {
        return Ok(Fd(fd as i32));
    }
    let errno = last_error();
    let end = log.iter().position(|&b| b == 0).unwrap_or(log.len());
    let text = String::from_utf8_lossy(&log[..end]);
    let reason = text
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| {
            !l.is_empty()
                && !l.starts_with("processed ")
                && !l.starts_with("verification time")
                && !l.starts_with("stack depth")
        })
        .unwrap_or("");
    Err(format!("{errno}: {reason}"))
}

/// Runs a loaded program once on a zeroed 64-byte packet; its 32-bit return value.
pub fn test_run(fd: &Fd) -> Result<u32, String> {
    let packet = [0u8; 64];
    let mut attr = [0u8; ATTR_SIZE];
    put(&mut attr, 0, &(fd.0 as u32).to_ne_bytes());
    put(&mut attr, 8, &(packet.len() as u32).to_ne_bytes());
    put(&mut attr, 16, &(packet.as_ptr() as u64).to_ne_bytes());
    put(&mut attr, 32, &1u32.to_ne_bytes()); // repeat
    if bpf(BPF_PROG_TEST_RUN, &mut attr) < 0 {
        return Err(last_error());
    }
    Ok(u32::from_ne_bytes(attr[4..8].try_into().unwrap()))
}

/// Whether this machine lets `test` load programs; prints its skip line when it does not.
pub fn available(test: &str) -> bool {
    // mov r0, 0; exit
    let probe = [0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0];
    match prog_load(SOCKET_FILTER, 0, &probe, "GPL") {
        Ok(_) => true,
        Err(e) => {
            super::skip(
                test,
                &format!(
                    "this machine refuses bpf(BPF_PROG_LOAD): {}",
                    e.trim_end_matches([':', ' '])
                ),
                "run as root on Linux with BPF enabled",
            );
            false
        }
    }
}

/// Freezes a map: user space may no longer write it, so the kernel's verifier may read the
/// values of a map with `BPF_F_RDONLY_PROG` as constants.
pub fn map_freeze(fd: &Fd) -> Result<(), String> {
    let mut attr = [0u8; ATTR_SIZE];
    put(&mut attr, 0, &(fd.0 as u32).to_ne_bytes());
    if bpf(BPF_MAP_FREEZE, &mut attr) < 0 {
        return Err(format!("map freeze: {}", last_error()));
    }
    Ok(())
}
