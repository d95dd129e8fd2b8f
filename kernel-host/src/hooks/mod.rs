//! Hooks: the attach points that build a context from an event, run the attached programs
//! and turn their results into a verdict.
//!
//! The socket hooks: [`bind`] (eBPF for Windows' `bind_md_t`), [`sock_addr`] (eBPF for
//! Windows' `bpf_sock_addr_t` and Linux's `bpf_sock_addr`), [`sock_ops`] (`bpf_sock_ops_t`),
//! with the events and errors they share in [`sock`].

pub mod bind;
pub mod sock;
pub mod sock_addr;
pub mod sock_ops;
