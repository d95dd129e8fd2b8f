//! Loads ELF objects built by `clang -O2 -g -target bpf -c`: their programs, maps, relocations
//! and BTF line info, in `no_std` with `alloc`.
//!
//! [`Object::parse`] reads an object and returns its [`Program`]s (every function of every
//! executable section, each with the static functions it calls linked after it and every map
//! reference relocated to an index into [`Object::maps`]), its [`MapDef`]s (legacy `maps`
//! sections in the Linux or eBPF-for-Windows layout, BTF-defined `.maps`, and one-element array
//! maps for `.data`, `.rodata*` and `.bss`), its license and version. Everything that differs
//! between hosts comes from the [`Platform`](ebpf_platform::Platform) in [`LoadOptions`]: the
//! program and attach type each section name implies, the map type numbers and the legacy
//! `maps` record layout; [`Object::map_infos`] describes the maps as a verifier needs them.
//! Anything wrong is a [`LoadError`] naming the section, offset and symbol; no input makes the
//! loader panic.
//!
//! ```no_run
//! # fn demo(bytes: &[u8]) -> Result<(), ebpf_loader::LoadError> {
//! let options = ebpf_loader::LoadOptions::new(&ebpf_platform::WINDOWS);
//! let object = ebpf_loader::Object::parse(bytes, &options)?;
//! for program in object.programs() {
//!     let _ = (&program.section, program.program_type.map(|t| t.name), program.insns.len());
//! }
//! # Ok(()) }
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(any(test, feature = "std"))]
extern crate std;

extern crate alloc;

mod btf;
mod btf_ext;
mod core_relo;
mod elf;
mod error;
mod load;
mod maps;
mod program;

pub use btf::{Btf, BtfKind, BtfType, Member, SecVar};
pub use btf_ext::{BtfExt, CoreRelo, RawLineInfo, SectionExt};
pub use error::{LoadError, LoadErrorKind};
pub use load::{LoadOptions, Object};
pub use maps::{MapDef, MapInit, MapInitTarget, MapOrigin, BPF_F_RDONLY_PROG};
pub use program::{Function, LineInfo, MapRef, MapRefKind, Program};
