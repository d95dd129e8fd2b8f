//! `ebpf-conformance-plugin`: the bpf_conformance plugin protocol.
//!
//! `ebpf-conformance-plugin [MEM_HEX] [--engine interp|jit]` reads the program as hex text on
//! standard input, runs it with r1 = the memory, r2 = its length and helper 5 = "return the
//! first argument", prints r0 in hex and exits 0; on any failure it prints the error to stderr
//! and exits 1.

#![forbid(unsafe_code)]

use std::io::{Read, Write};
use std::process::ExitCode;

use anyhow::{anyhow, Context, Result};
use clap::Parser;
use ebpf_cli::engine::{self, Engine};
use ebpf_cli::hex;

/// Runs one eBPF program for the bpf_conformance test runner.
#[derive(Parser, Debug)]
#[command(name = "ebpf-conformance-plugin", version, about)]
struct Args {
    /// Input memory as hex (absent when empty).
    memory: Option<String>,
    /// The engine that runs the program.
    #[arg(long, value_enum, default_value_t = Engine::Interp)]
    engine: Engine,
}

fn main() -> ExitCode {
    let args = Args::parse();
    // A runner that stops reading gets no panic: the result is dropped.
    match run(&args) {
        Ok(r0) => {
            let _ = writeln!(std::io::stdout(), "{r0:x}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<u64> {
    let mut mem =
        hex::parse_bytes(args.memory.as_deref().unwrap_or("")).context("memory argument")?;
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .context("cannot read the program from stdin")?;
    let bytes = hex::parse_bytes(&text).context("program on stdin")?;
    let insns = ebpf_isa::decode(&bytes).map_err(|e| anyhow!("{e}"))?;
    let done = engine::run(args.engine, &insns, &mut mem)?;
    Ok(done.r0)
}
