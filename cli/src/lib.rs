//! The library behind the `ebpf` command and `ebpf-conformance-plugin`: the `.data` test-vector
//! format ([`data`]), the engines ([`engine`]), the conformance runner ([`conformance`]), ELF
//! objects ([`object`]), native images and their keys ([`image`]), running objects and images
//! in the execution context ([`invoke`]) and on packet captures ([`capture`], [`replay`]),
//! disassembly
//! ([`disasm`]), verification ([`verify`]), program files
//! told apart by content ([`input`]) and the output writer with bpftool's JSON conventions
//! ([`output`]).

#![deny(unsafe_code)]

pub mod capture;
pub mod conformance;
pub mod data;
pub mod disasm;
// The one place that runs unverified native code: the JIT on a program the checked interpreter
// ran first on the same input (`engine::run`, the conformance runner's JIT path).
#[allow(unsafe_code)]
pub mod engine;
pub mod hex;
pub mod image;
pub mod input;
pub mod invoke;
pub mod object;
pub mod output;
pub mod replay;
pub mod verify;

/// README.md's Rust examples, compiled and run as doctests of this crate, so the embedding
/// example cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
