//! The library behind the `ebpf` command and `ebpf-conformance-plugin`: the `.data` test-vector
//! format ([`data`]), the engines ([`engine`]) and the conformance runner ([`conformance`]).

#![forbid(unsafe_code)]

pub mod conformance;
pub mod data;
pub mod engine;
pub mod hex;
pub mod object;
pub mod verify;
