//! Loader programs in this machine's kernel: the Linux verifier as a second verifier for the
//! verifier benchmark.
//!
//! [`Maps`] creates an object's maps with `BPF_MAP_CREATE` (global data filled with its initial
//! bytes) and [`Prepared`] is one program ready for `BPF_PROG_LOAD`: the kernel program type and
//! expected attach type its section (or a type hint) implies, and its code with every loader map
//! index replaced by the kernel map's fd. [`Prepared::time_load`] measures the wall time of the
//! load call alone, which runs the kernel's verifier and then its JIT (which cannot be turned off
//! on kernels built with `CONFIG_BPF_JIT_ALWAYS_ON`); [`Prepared::verification_time`] reads the
//! verifier's own clock from its statistics log, without the JIT.

use std::ffi::CString;
use std::time::{Duration, Instant};

use ebpf_loader::{MapDef, Object, Program};
use ebpf_platform::{MapKind, ProgramType, LINUX};

use crate::linux::{self, Fd};

/// Whether this process may load programs: `Err` with the kernel's refusal (not root, no
/// `CONFIG_BPF_SYSCALL`, `kernel.unprivileged_bpf_disabled`) when it may not.
pub fn available() -> Result<(), String> {
    // mov r0, 0; exit
    let probe = [0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0];
    let license = CString::new("GPL").unwrap_or_default();
    linux::prog_load(1, 0, &probe, &license, None)
        .map(drop)
        .map_err(|e| e.to_string())
}

/// An object's maps as kernel maps, by loader index; a map the kernel refused keeps its error.
#[derive(Debug)]
pub struct Maps {
    fds: Vec<Result<Fd, String>>,
}

impl Maps {
    /// Creates every map of `object`.
    pub fn create(object: &Object) -> Maps {
        Maps {
            fds: object.maps().iter().map(create_map).collect(),
        }
    }

    /// The kernel map of loader index `index`, if the kernel created it.
    pub fn fd(&self, index: usize) -> Option<&Fd> {
        self.fds.get(index)?.as_ref().ok()
    }
}

/// Creates one kernel map like `map`: global data filled with its initial bytes, a perf event
/// array without a size sized by the CPU count (as libbpf does).
fn create_map(map: &MapDef) -> Result<Fd, String> {
    let inner = match &map.inner {
        Some(inner) => Some(create_map(inner)?),
        None => None,
    };
    let mut max_entries = map.max_entries;
    if max_entries == 0 && map.kind() == MapKind::PerfEventArray {
        max_entries = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
    }
    let fd = linux::map_create(
        map.raw_type,
        map.key_size,
        map.value_size,
        max_entries,
        map.flags,
        inner.as_ref(),
    )
    .map_err(|e| format!("map {} (type {}): {e}", map.name, map.raw_type))?;
    if !map.data.is_empty() {
        let mut value = map.data.clone();
        value.resize(map.value_size as usize, 0);
        linux::map_update(&fd, &0u32.to_ne_bytes(), &value)
            .map_err(|e| format!("map {} initial data: {e}", map.name))?;
    }
    Ok(fd)
}

/// One program ready for `BPF_PROG_LOAD`.
#[derive(Debug)]
pub struct Prepared {
    prog_type: u32,
    attach_type: u32,
    code: Vec<u8>,
    license: CString,
}

/// A successful load: the wall time of the `BPF_PROG_LOAD` call and the kernel's count of
/// instructions its verifier processed.
#[derive(Clone, Copy, Debug)]
pub struct Load {
    /// Wall time of the call (verifier and JIT).
    pub time: Duration,
    /// `bpf_prog_info.verified_insns`, when the kernel reports it.
    pub verified_insns: Option<u32>,
}

impl Prepared {
    /// `program` of `object` for the kernel, as type `as_type` of the Linux platform (default:
    /// what its section implies, else a socket filter), with the attach type its section
    /// implies; `Err` says why it cannot be loaded (an object loaded for another platform, a
    /// map the kernel refused, an instruction that does not decode).
    pub fn new(
        object: &Object,
        program: &Program,
        maps: &Maps,
        as_type: Option<&'static ProgramType>,
    ) -> Result<Prepared, String> {
        if object.platform().name != LINUX.name {
            return Err(format!("a {} object", object.platform().name));
        }
        let Some(t) = as_type
            .or(program.program_type)
            .or(LINUX.default_program_type())
        else {
            return Err("no Linux program type".into());
        };
        let (prog_type, attach_type) = (t.number, program.attach_type.map_or(0, |a| a.number));
        if program.error().is_some() {
            return Err("does not decode".into());
        }
        let mut code = program.code.clone();
        for r in &program.map_refs {
            let fd = match maps.fds.get(r.map) {
                Some(Ok(fd)) => fd.raw(),
                Some(Err(e)) => return Err(e.clone()),
                None => return Err(format!("map index {} out of range", r.map)),
            };
            let at = r.pc * 8;
            code[at + 4..at + 8].copy_from_slice(&fd.to_le_bytes());
        }
        let license = CString::new(object.license().unwrap_or("GPL")).unwrap_or_default();
        Ok(Prepared {
            prog_type,
            attach_type,
            code,
            license,
        })
    }

    /// Loads the program once and unloads it: the load's time and `verified_insns`, or the
    /// errno and the verifier's reason (from a second load with a log).
    pub fn load(&self) -> Result<Load, String> {
        let start = Instant::now();
        let loaded = self.load_with(None);
        let time = start.elapsed();
        match loaded {
            Ok(fd) => Ok(Load {
                time,
                verified_insns: linux::verified_insns(&fd),
            }),
            Err(errno) => {
                let mut log = vec![0u8; 1 << 24];
                let reason = match self.load_with(Some((1, &mut log))) {
                    Ok(_) => "accepted when loaded with a log".to_string(),
                    Err(_) => linux::log_reason(&log),
                };
                Err(format!("{errno}: {reason}"))
            }
        }
    }

    /// Loads the program and keeps it: its fd, or the errno and the verifier's reason.
    pub fn load_fd(&self) -> Result<Fd, String> {
        self.load_with(None).map_err(|errno| {
            let mut log = vec![0u8; 1 << 24];
            match self.load_with(Some((1, &mut log))) {
                Ok(_) => format!("{errno}"),
                Err(_) => format!("{errno}: {}", linux::log_reason(&log)),
            }
        })
    }

    /// The wall time of one `BPF_PROG_LOAD` call (the program is unloaded after, untimed).
    pub fn time_load(&self) -> Result<Duration, std::io::Error> {
        let start = Instant::now();
        let fd = self.load_with(None);
        let time = start.elapsed();
        fd.map(|_| time)
    }

    /// The kernel verifier's own measure of its work on one load: the `verification time`
    /// its statistics log (level 4) reports, in whole microseconds, which excludes the JIT and
    /// the rest of the load. `None` when the load fails or the log does not say.
    pub fn verification_time(&self) -> Option<Duration> {
        let mut log = vec![0u8; 4096];
        self.load_with(Some((4, &mut log))).ok()?;
        let text = linux::log_text(&log);
        let usec = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("verification time "))?
            .split_whitespace()
            .next()?
            .parse::<u64>()
            .ok()?;
        Some(Duration::from_micros(usec))
    }

    fn load_with(&self, log: Option<(u32, &mut [u8])>) -> Result<Fd, std::io::Error> {
        linux::prog_load(
            self.prog_type,
            self.attach_type,
            &self.code,
            &self.license,
            log,
        )
    }
}
