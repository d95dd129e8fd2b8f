//! `ebpf`: assemble, disassemble, run and check eBPF programs.

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, Context, Result};
use clap::{Parser, Subcommand};
use ebpf_cli::engine::{self, Engine};
use ebpf_cli::verify as verifier;
use ebpf_cli::{conformance, hex, object};
use ebpf_isa::Insn;
use ebpf_platform::Platform;

const EXIT_CODES: &str = "\
Exit codes:
  0  success (the program ran; every conformance vector passed; every program verified)
  1  the program faulted, a conformance vector failed, or the verifier rejected a program
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
    /// Disassemble raw instruction bytes (`.bin`), a source file (`.s`) or the programs of an
    /// ELF object (`.o`, with C source lines from its BTF line info).
    #[command(after_help = EXIT_CODES)]
    Disasm {
        /// A `.bin` file of 8-byte instructions, a `.s` file, or a clang-built ELF object.
        file: PathBuf,
        /// Only programs of this ELF section.
        #[arg(long)]
        section: Option<String>,
        /// Only the program whose entry function is this.
        #[arg(long)]
        function: Option<String>,
        #[command(flatten)]
        platform: PlatformArg,
    },
    /// List the programs (section, function, type, instruction count, maps used) and the maps
    /// of a clang-built ELF object.
    #[command(after_help = EXIT_CODES)]
    Sections {
        /// The ELF object.
        file: PathBuf,
        /// Print a JSON array with one object per program instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        platform: PlatformArg,
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
    /// Verify the programs of a clang-built ELF object: one line per program (accepted, or
    /// rejected with each unproved condition and its C source line), then a summary.
    #[command(after_help = EXIT_CODES)]
    Verify {
        /// The ELF object.
        file: PathBuf,
        /// Only programs of this ELF section.
        #[arg(long)]
        section: Option<String>,
        /// Only the program whose entry function is this.
        #[arg(long)]
        function: Option<String>,
        #[command(flatten)]
        platform: PlatformArg,
        /// Verify as this program type of the platform (e.g. xdp, sched_cls, bind) instead of
        /// the one the section name implies.
        #[arg(long = "type", value_name = "TYPE")]
        program_type: Option<String>,
        /// Print the abstract state before every instruction.
        #[arg(long)]
        invariants: bool,
        /// Print a JSON array, one object per program, instead of text: `section`,
        /// `function`, `program_type`, `accepted`, `errors` (`pc`, `message`, `source` when
        /// line info exists), `time_ms`, and `instruction_bound` (the most instructions one
        /// run executes) when accepted.
        #[arg(long)]
        json: bool,
    },
}

/// `--platform` (and its deprecated alias `--layout`), for the commands that read ELF objects.
#[derive(clap::Args, Debug)]
struct PlatformArg {
    /// The platform the object is for (linux, windows): its section names, map type numbers
    /// and legacy `maps` records, program types and helpers. Default: linux.
    #[arg(long, value_name = "PLATFORM", value_parser = platform_parser())]
    platform: Option<&'static Platform>,
    /// Deprecated: the old name of --platform.
    #[arg(long, hide = true, value_parser = platform_parser())]
    layout: Option<&'static Platform>,
}

/// Parses a platform name into the platform's description.
fn platform_parser() -> impl clap::builder::TypedValueParser<Value = &'static Platform> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(ebpf_platform::PLATFORMS.iter().map(|p| p.name))
        .map(|name| Platform::by_name(&name).unwrap_or(&ebpf_platform::LINUX))
}

impl PlatformArg {
    /// The chosen platform; `--layout` warns that it is deprecated, and may not contradict
    /// `--platform`.
    fn get(&self) -> Result<&'static Platform, Failure> {
        if let Some(layout) = self.layout {
            eprintln!(
                "warning: --layout is deprecated; use --platform {}",
                layout.name
            );
            if self.platform.is_some_and(|p| p.name != layout.name) {
                return Err(bad_input(anyhow!(
                    "--layout {} contradicts --platform {}",
                    layout.name,
                    self.platform.map_or("", |p| p.name)
                )));
            }
        }
        Ok(self
            .platform
            .or(self.layout)
            .unwrap_or(&ebpf_platform::LINUX))
    }
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
        Command::Disasm {
            file,
            section,
            function,
            platform,
        } if is_elf_file(&file) => {
            let object = object::load(&file, platform.get()?).map_err(bad_input)?;
            let programs = object::select(&object, section.as_deref(), function.as_deref())
                .map_err(|e| bad_input(e.context(file.display().to_string())))?;
            for (i, program) in programs.iter().enumerate() {
                if i > 0 {
                    println!();
                }
                print!(
                    "{}",
                    object::disasm_program(&object, program).map_err(bad_input)?
                );
            }
            Ok(())
        }
        Command::Sections {
            file,
            json,
            platform,
        } => {
            let object = object::load(&file, platform.get()?).map_err(bad_input)?;
            if json {
                println!("{:#}", object::sections_json(&object));
            } else {
                print!("{}", object::sections_text(&object));
            }
            Ok(())
        }
        Command::Disasm {
            file,
            section,
            function,
            ..
        } => {
            if section.is_some() || function.is_some() {
                return Err(bad_input(anyhow!(
                    "{}: --section and --function apply to ELF objects only",
                    file.display()
                )));
            }
            let insns = load_program(&file).map_err(bad_input)?;
            print!("{}", ebpf_isa::disasm::disassemble(&insns));
            Ok(())
        }
        Command::Verify {
            file,
            section,
            function,
            platform,
            program_type,
            invariants,
            json,
        } => {
            let object = object::load(&file, platform.get()?).map_err(bad_input)?;
            let programs = object::select(&object, section.as_deref(), function.as_deref())
                .map_err(|e| bad_input(e.context(file.display().to_string())))?;
            verify_all(
                &object,
                &programs,
                program_type.as_deref(),
                invariants,
                json,
            )
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

/// Whether `path` is an ELF file (by its first bytes; unreadable files are left to the
/// non-ELF path, which reports them).
fn is_elf_file(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && object::is_elf(&magic)
}

/// Verifies `programs`, printing each verdict (or the JSON array) and a summary; a progress
/// bar on a terminal's stderr when there are many.
fn verify_all(
    object: &ebpf_loader::Object,
    programs: &[&ebpf_loader::Program],
    program_type: Option<&str>,
    invariants: bool,
    json: bool,
) -> Result<(), Failure> {
    use std::io::IsTerminal;
    let progress = programs.len() > 4 && std::io::stderr().is_terminal();
    let mut verdicts = Vec::with_capacity(programs.len());
    for (i, program) in programs.iter().enumerate() {
        if progress {
            let done = 30 * i / programs.len();
            eprint!(
                "\r[{}{}] {i}/{} {:<40.40}",
                "#".repeat(done),
                " ".repeat(30 - done),
                programs.len(),
                program.function
            );
        }
        let verdict = verifier::verify_program(object, program, program_type, invariants);
        if !json {
            if progress {
                eprint!("\r{:78}\r", "");
            }
            print!("{}", verifier::verdict_text(&verdict, invariants));
        }
        verdicts.push(verdict);
    }
    if progress {
        eprint!("\r{:78}\r", "");
    }
    let rejected = verdicts.iter().filter(|v| !v.accepted).count();
    if json {
        let array: Vec<_> = verdicts
            .iter()
            .map(|v| verifier::verdict_json(v, invariants))
            .collect();
        println!("{:#}", serde_json::Value::Array(array));
    } else {
        let total: f64 = verdicts.iter().map(|v| v.time.as_secs_f64()).sum();
        println!(
            "{} programs: {} accepted, {rejected} rejected ({:.1} ms)",
            verdicts.len(),
            verdicts.len() - rejected,
            total * 1e3
        );
    }
    if rejected == 0 {
        Ok(())
    } else {
        Err(Failure {
            code: 1,
            error: anyhow!("{rejected} program(s) rejected"),
        })
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
