//! The library behind the `ebpf` command and `ebpf-conformance-plugin`: the `.data` test-vector
//! format ([`data`]), the engines ([`engine`]) and the conformance runner ([`conformance`]).

#![deny(unsafe_code)]

pub mod conformance;
pub mod data;
// The one place that runs unverified native code: the JIT on a program the checked interpreter
// ran first on the same input (`engine::run`, the conformance runner's JIT path).
#[allow(unsafe_code)]
pub mod engine;
pub mod hex;
pub mod object;
pub mod verify;
