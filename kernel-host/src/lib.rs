//! The eBPF execution context's foundation: OS services, epochs and maps (`no_std` + `alloc`).
//!
//! - [`os::Os`]: what the context needs from below (executable memory, clocks, randomness,
//!   CPUs, tracing); [`os::StdOs`] implements it in user mode (feature `std`).
//! - [`epoch::Epoch`]: epoch-based reclamation. [`Epoch::enter`](epoch::Epoch::enter) claims a
//!   virtual CPU for an invocation (or a batch of them); memory retired by writers is freed once
//!   every reader that could see it has exited. [`RcuSlots`] are atomic pointers read under
//!   a guard and replaced by writers, the old value retired through the epoch.
//! - [`maps`]: every map type of eBPF for Windows with its semantics, or Linux's where they
//!   differ ([`maps::Semantics`]); concurrent, with lock-free program-side lookups.
//! - [`error`]: `ebpf_result_t` codes, errno values and the map error type.
//!
//! The execution context on top of them:
//!
//! - [`Host`]: one platform's execution context: objects ([`Program`], [`MapObject`],
//!   [`Link`] with ids from one counter, pins, info queries; [`object`]), program load from the
//!   loader's output through the verifier onto an [`Engine`] ([`program`]), the helper table
//!   ([`helpers`]), and invocation ([`Batch`], [`Program::invoke`], [`Program::test_run`],
//!   tail calls; [`invoke`]) on a [`Context`] the host builds for the program's type
//!   ([`context`]).
//! - [`hooks`]: attach points per attach type ([`Host::attach`] returns a [`Link`],
//!   [`Host::hook`] the [`Hook`] an event source runs), with the XDP, socket filter and tc
//!   families.
//!
//! - [`image`]: signed native images (the bpf2c equivalent): an object verified and compiled
//!   ahead of time ([`image::compile`], feature `std`), loaded by [`Host::load_image`] after
//!   its signature and platform hash are checked, without the verifier or the JIT.
//!
//! `unsafe` code lives in one private module (`sys`) that exports safe types; the rest of the
//! crate denies it.
//!
//! # Model checking
//!
//! The epoch protocol is model-checked with loom:
//!
//! ```text
//! RUSTFLAGS="--cfg loom" cargo test -p ebpf-kernel-host --release --test loom
//! ```
//!
//! Without `--cfg loom` that test file compiles to nothing and loom is not built.

#![no_std]
#![deny(unsafe_code)]

#[cfg(any(test, feature = "std"))]
extern crate std;

extern crate alloc;

mod abi;
pub mod context;
pub mod epoch;
pub mod error;
pub mod helpers;
pub mod hooks;
mod host;
pub mod image;
pub mod invoke;
pub mod maps;
pub mod mapspec;
pub mod object;
pub mod os;
pub mod program;
pub mod protocol;
mod sync;
#[allow(unsafe_code)]
mod sys;

pub use context::{Context, ContextError, ContextErrorKind, EventData, Packet, Redirect};
pub use epoch::{Epoch, Guard};
pub use error::{EbpfResult, MapError, MapErrorKind};
pub use hooks::{Flow, Hook, HookSpec};
pub use host::Host;
pub use image::{ImageError, ImageErrorKind, ImageLoadOptions};
pub use invoke::{Batch, InvokeError, InvokeErrorKind, TestRun, TestRunOutput};
pub use object::{Link, LinkInfo, MapObject, Object, ObjectError, ObjectErrorKind, ObjectKind};
pub use os::Os;
pub use program::{Engine, LoadError, LoadErrorKind, LoadOptions, Loaded, Program, ProgramInfo};
pub use sys::rcu::RcuSlots;
