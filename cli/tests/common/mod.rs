//! Shared by the Linux differential tests.

pub mod bpf;
