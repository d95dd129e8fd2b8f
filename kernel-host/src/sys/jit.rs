//! Installed JIT images and their runs (feature `std`, where the JIT compiles).
//!
//! - [`Image`]: a compiled program copied into executable memory from the [`Os`]
//!   (written while writable, then made read-execute, never both), described to the JIT as an
//!   [`ebpf_jit::Placed`] image.
//! - [`JitFrame`]: what one CPU needs to run images: an [`ebpf_jit::Runner`] (the JIT's run
//!   context and stack), run with the host's dispatcher behind the JIT's `Helpers`.
//! - [`JitMem`]: the [`Mem`] of real addresses.
//!
//! Soundness rests on two crate invariants, kept by `program.rs` and `invoke.rs`:
//! an `Image` is installed only from the code of a program the verifier accepted (with its
//! map references replaced by the host's handles and global-data addresses), and a run gets a
//! context the host built for that program's verified type, whose packet pointers point into
//! the invocation's live packet buffer. Under those, every address the code and its helper
//! arguments use is one the verifier proved in bounds (the contract of
//! `ebpf_jit::Executable::run_verified`, discharged here by construction).

use std::boxed::Box;
use std::ptr::NonNull;
use std::string::String;

use ebpf_interp::{HelperError, HelperErrorKind};
use ebpf_jit::{Compiled, Placed, RunErrorKind, Runner};

use crate::helpers::{Dispatch, Mem};
use crate::os::{ExecMemory, Os, OsError, OsErrorKind};

/// A program's machine code in executable memory.
#[derive(Debug)]
pub(crate) struct Image {
    /// Owns the memory `placed` points into.
    #[allow(dead_code, reason = "kept for its ownership of the code's memory")]
    code: Box<dyn ExecMemory>,
    placed: Placed,
}

impl Image {
    /// Copies `compiled` into fresh memory from `os` and makes it read-execute. Only
    /// `program.rs` calls this, for verified programs.
    pub(crate) fn install(os: &dyn Os, compiled: &Compiled) -> Result<Image, OsError> {
        let mut code = os.alloc_exec(compiled.code().len())?;
        code.write(0, compiled.code())?;
        code.make_executable()?;
        if !code.is_executable() || code.len() < compiled.code().len() {
            return Err(OsError::new(OsErrorKind::Protect { errno: None }));
        }
        // SAFETY: `code` holds an exact copy of the compiled code, is read-execute from here
        // on (an `ExecMemory` made executable is never writable again), does not move, and is
        // owned by this `Image` next to the `Placed` pointing into it, so it outlives its runs.
        let placed = unsafe { Placed::new(compiled, code.as_ptr()) }.map_err(|_| {
            OsError::new(OsErrorKind::Unsupported {
                what: "a JIT image of another ABI version",
            })
        })?;
        Ok(Image { code, placed })
    }
}

/// The host's dispatcher as the JIT's helpers (the dispatcher's type known, so its `call` is
/// inlined here). The JIT keeps only the kind of a failure; the host's own error is kept here
/// for the fault.
struct HostHelpers<'d, D: Dispatch> {
    host: &'d mut D,
    error: Option<HelperError>,
}

impl<D: Dispatch> ebpf_jit::Helpers for HostHelpers<'_, D> {
    #[inline]
    fn call(&mut self, id: u32, args: [u64; 5]) -> Result<u64, ebpf_jit::HelperError> {
        match self.host.call(id, args, &mut JitMem) {
            Ok(r0) => Ok(r0),
            Err(e) => {
                let stop = matches!(e.kind(), HelperErrorKind::Stop { .. });
                self.error = Some(e);
                Err(if stop {
                    ebpf_jit::HelperError::Stop { code: 0 }
                } else {
                    ebpf_jit::HelperError::Failed {
                        message: String::new(),
                    }
                })
            }
        }
    }
}

/// Program memory at real addresses. The verifier proved every pointer-and-size argument a
/// helper receives in bounds of live memory (the program's stack, its context and packet, map
/// values), so the host reads and writes them as they are.
pub(crate) struct JitMem;

impl Mem for JitMem {
    fn read(&self, addr: u64, len: usize) -> Result<&[u8], HelperError> {
        if len == 0 {
            return Ok(&[]);
        }
        // SAFETY: `addr` and `len` come from a verified program's helper arguments, which the
        // verifier proved to be `len` readable bytes of live memory (see the module docs); no
        // other code writes them while the helper runs (the program is suspended in the call).
        Ok(unsafe { std::slice::from_raw_parts(addr as *const u8, len) })
    }

    fn write(&mut self, addr: u64, len: usize) -> Result<&mut [u8], HelperError> {
        if len == 0 {
            return Ok(&mut []);
        }
        // SAFETY: as in `read`, for `len` writable bytes.
        Ok(unsafe { std::slice::from_raw_parts_mut(addr as *mut u8, len) })
    }

    fn expose(
        &mut self,
        ptr: NonNull<u8>,
        _len: usize,
        _writable: bool,
        _name: &'static str,
    ) -> Result<u64, HelperError> {
        Ok(ptr.as_ptr() as u64)
    }

    fn host_ptr(&mut self, addr: u64) -> Result<NonNull<u8>, HelperError> {
        NonNull::new(addr as *mut u8).ok_or_else(|| HelperError::failed(0, "null pointer"))
    }
}

/// How a JIT run ended without a result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct JitFault {
    /// The pc of the instruction.
    pub(crate) pc: usize,
    /// The host helper's error (a stop for a Linux tail call), if a helper failed.
    pub(crate) error: Option<HelperError>,
    /// The JIT's account of the fault.
    pub(crate) kind: RunErrorKind,
}

impl JitFault {
    /// What went wrong, for the invocation's error.
    pub(crate) fn message(&self) -> String {
        use std::string::ToString;
        match self.error {
            Some(e) => e.to_string(),
            None => self.kind.to_string(),
        }
    }
}

/// One CPU's run context and stack.
#[derive(Debug, Default)]
pub(crate) struct JitFrame {
    runner: Runner,
}

impl JitFrame {
    pub(crate) fn new() -> JitFrame {
        JitFrame {
            runner: Runner::new(),
        }
    }

    /// Runs `image` with `r1` = `ctx` (a context the host built for the image's verified
    /// program, see the module docs) and `packet` as the legacy packet, helpers served by
    /// `host`. A helper's panic resumes here.
    pub(crate) fn run<D: Dispatch>(
        &mut self,
        image: &Image,
        ctx: &mut [u8],
        packet: (u64, u64),
        host: &mut D,
    ) -> Result<u64, JitStop> {
        let mut helpers = HostHelpers { host, error: None };
        // SAFETY: `image` was installed from the code of a program the verifier accepted, and
        // `ctx`, `packet` and the dispatcher's helpers are what the module docs' invariants
        // say: the obligations of `Runner::run` (those of `Executable::run_verified`).
        match unsafe { self.runner.run(&image.placed, ctx, packet, &mut helpers) } {
            Ok(r0) => Ok(r0),
            Err(e) => Err(jit_fault(&e, helpers.error.take())),
        }
    }
}

/// How a JIT run ended without a result: a helper's deliberate stop (a Linux tail call), or a
/// fault (boxed, so a run's result fits two registers).
pub(crate) enum JitStop {
    TailCall,
    Fault(Box<JitFault>),
}

/// The end of a run that stopped with `e` (kept out of the run's fast path).
#[cold]
#[inline(never)]
fn jit_fault(e: &ebpf_jit::RunError, error: Option<HelperError>) -> JitStop {
    if matches!(e.kind(), RunErrorKind::Stopped { .. }) {
        return JitStop::TailCall;
    }
    JitStop::Fault(Box::new(JitFault {
        pc: e.pc(),
        error,
        kind: e.kind().clone(),
    }))
}
