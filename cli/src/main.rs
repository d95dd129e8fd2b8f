//! `ebpf`: assemble, disassemble, run and check eBPF programs.

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, Context, Result};
use clap::{Parser, Subcommand};
use ebpf_cli::engine::{self, Engine};
use ebpf_cli::{conformance, hex};
use ebpf_isa::Insn;

const EXIT_CODES: &str = "\
Exit codes:
  0  success (the program ran; every conformance vector passed)
  1  the program faulted, or a conformance vector failed
  2  bad input: unreadable file, assembly or decode error, bad arguments";

/// The eBPF runtime's command-line tool.
#[derive(Parser, Debug)]
#[command(name = "ebpf", version, about, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Assemble a text program (conformance syntax) into raw instruction bytes.
    #[command(after_help = EXIT_CODES)]
    Asm {
        /// The assembly source.
        input: PathBuf,
        /// Where to write the bytes.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Disassemble raw instruction bytes (`.bin`) or a source file (`.s`).
    #[command(after_help = EXIT_CODES)]
    Disasm {
        /// A `.bin` file of 8-byte instructions, or a `.s` file.
        file: PathBuf,
    },
    /// Run a program on the interpreter and print r0 and the instruction count.
    #[command(after_help = EXIT_CODES)]
    Run {
        /// A `.s` (assembly) or `.bin` (raw bytes) program.
        file: PathBuf,
        /// Input memory as hex bytes; the program gets r1 = its address, r2 = its length.
        #[arg(long, default_value = "")]
        mem: String,
        /// Run on the x86-64 JIT instead of the interpreter.
        #[arg(long)]
        jit: bool,
    },
    /// Run every `.data` test vector in a directory; prints each failure and `N passed, N failed`.
    #[command(after_help = EXIT_CODES)]
    Conformance {
        /// Directory holding `.data` files.
        dir: PathBuf,
        /// The engine that runs the vectors.
        #[arg(long, value_enum, default_value_t = Engine::Interp)]
        engine: Engine,
    },
}

/// An error with the exit code it maps to.
struct Failure {
    code: u8,
    error: anyhow::Error,
}

fn bad_input(error: anyhow::Error) -> Failure {
    Failure { code: 2, error }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("error: {:#}", f.error);
            ExitCode::from(f.code)
        }
    }
}

fn dispatch(command: Command) -> Result<(), Failure> {
    match command {
        Command::Asm { input, output } => {
            let insns = load_program(&input).map_err(bad_input)?;
            std::fs::write(&output, ebpf_isa::encode(&insns))
                .with_context(|| format!("cannot write {}", output.display()))
                .map_err(bad_input)
        }
        Command::Disasm { file } => {
            let insns = load_program(&file).map_err(bad_input)?;
            print!("{}", ebpf_isa::disasm::disassemble(&insns));
            Ok(())
        }
        Command::Run { file, mem, jit } => {
            let insns = load_program(&file).map_err(bad_input)?;
            let mut mem = hex::parse_bytes(&mem).context("--mem").map_err(bad_input)?;
            let engine = if jit { Engine::Jit } else { Engine::Interp };
            let done = engine::run(engine, &insns, &mut mem).map_err(|e| Failure {
                code: 1,
                error: anyhow!("{}: {e}", file.display()),
            })?;
            println!("r0 = {:#x} ({})", done.r0, done.r0 as i64);
            if let Some(n) = done.executed {
                println!("instructions executed: {n}");
            }
            Ok(())
        }
        Command::Conformance { dir, engine } => {
            let summary = conformance::run_dir(&dir, engine, |name, why| {
                println!("FAIL {name}: {why}");
            })
            .map_err(bad_input)?;
            for (name, why) in &summary.skipped {
                println!("SKIP {name}: {why}");
            }
            println!("{}", summary.line());
            if summary.failures.is_empty() {
                Ok(())
            } else {
                Err(Failure {
                    code: 1,
                    error: anyhow!("{} vector(s) failed", summary.failures.len()),
                })
            }
        }
    }
}

/// Reads a program: `.s`/`.asm` files are assembled, anything else is decoded as raw bytes.
fn load_program(path: &Path) -> Result<Vec<Insn>> {
    let is_asm = path.extension().is_some_and(|e| e == "s" || e == "asm");
    if is_asm {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        ebpf_isa::asm::assemble(&text).map_err(|e| anyhow!("{}: {e}", path.display()))
    } else {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        ebpf_isa::decode(&bytes).map_err(|e| anyhow!("{}: {e}", path.display()))
    }
}
