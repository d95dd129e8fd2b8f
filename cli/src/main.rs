//! `ebpf`: assemble, disassemble, inspect, verify and run eBPF programs.

#![forbid(unsafe_code)]

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, Context};
use clap::{Parser, Subcommand};
use ebpf_cli::data::ErrorClass;
use ebpf_cli::engine::{self, Engine};
use ebpf_cli::output::{self, Failure, Format, Out};
use ebpf_cli::verify as verifier;
use ebpf_cli::{conformance, disasm, hex, input, object};
use ebpf_platform::Platform;
use serde_json::json;

const EXIT_CODES: &str = "\
Output:
  Results go to stdout as text, or as JSON with -j/--json (one line) or -p/--pretty
  (indented); both flags go before or after the command. Under JSON an error is printed as
  {\"error\": \"...\"} on stdout, with the same exit code; otherwise errors go to stderr.
  Files are told apart by their content, not their name: an ELF object (\\x7fELF), raw
  instruction bytes, or assembly text.

Exit codes:
  0  success: the program ran, every conformance vector passed, every program verified;
     also when the reader of the output goes away early (`ebpf verify x.o | head -1`)
  1  the program faulted, a conformance vector failed, or the verifier rejected a program
  2  bad input or usage: an unreadable file, an assembly or decode error, an empty program,
     an ELF object where a program is expected, an object that does not load, no program
     matching --section/--function, an unknown --type, a directory without .data files,
     bad arguments";

/// A command's exit codes (`ebpf CMD --help`): its own lines, then the common note.
macro_rules! exit_codes {
    ($($line:literal),* $(,)?) => {
        concat!(
            "Exit codes:\n",
            $($line, "\n",)*
            "  (0 also when the reader of the output goes away early; `ebpf --help` lists all)"
        )
    };
}

/// The eBPF runtime's command-line tool: assemble, disassemble, inspect, verify and run eBPF
/// programs, and run conformance test vectors.
#[derive(Parser, Debug)]
#[command(name = "ebpf", version, after_help = EXIT_CODES)]
struct Cli {
    /// Print results as JSON on one line; errors as {"error": "..."} on stdout.
    #[arg(short = 'j', long, global = true, display_order = 100)]
    json: bool,
    /// Print results as indented JSON (implies --json).
    #[arg(short = 'p', long, global = true, display_order = 101)]
    pretty: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Assemble a text program (conformance syntax) into raw instruction bytes.
    ///
    /// Prints nothing; with --json, `{"output", "instructions", "bytes"}` (instructions in
    /// 8-byte slots).
    #[command(after_help = exit_codes!(
        "  0  written",
        "  2  unreadable input, not text (an ELF object or raw bytes), an assembly error,",
        "     an empty program, or the output cannot be written",
    ))]
    Asm {
        /// The assembly text (any file name).
        input: PathBuf,
        /// Where to write the bytes.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Disassemble raw instruction bytes, assembly text, or the programs of an ELF object
    /// (with C source lines from its BTF line info); helper calls are named from the
    /// platform's helper table (`call bpf_map_lookup_elem#1`).
    ///
    /// With --json: for raw bytes or text `{"instructions": [{"pc", "text", "label"}]}`; for
    /// an object an array, one object per program: `section`, `function`, `program_type`,
    /// `instructions` (the count in 8-byte slots) and `insns` [{`pc`, `text`, `label`,
    /// `function`, `source` {`file`, `line`, `column`, `text`}, `map` {`name`, `offset`}}].
    #[command(after_help = exit_codes!(
        "  0  disassembled",
        "  2  unreadable file, a decode or assembly error, an empty program, an object that",
        "     does not load, no program matching --section/--function",
    ))]
    Disasm {
        /// Raw 8-byte instructions, assembly text, or a clang-built ELF object.
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
    /// List the programs (section, function, type, instruction count, maps used), the maps and
    /// the license of a clang-built ELF object.
    ///
    /// With --json: `{"programs", "maps", "license", "version"}`. A program has `section`,
    /// `function`, `program_type`, `attach_type`, `attach_target`, `instructions` (in 8-byte
    /// slots), `maps` (the maps it uses: `index`, `name`, `type`, `key_size`, `value_size`,
    /// `max_entries`, `flags`), `functions`, `map_refs` [{`pc`, `map`, `offset`}] and
    /// `decode_error`; a map has `index`, `name`, `type`, `key_size`, `value_size`,
    /// `max_entries`, `flags`, `pinning`, `origin`, `section`, `inner`, `initial_values`.
    #[command(after_help = exit_codes!(
        "  0  listed",
        "  2  unreadable file, or an object that does not load",
    ))]
    Sections {
        /// The ELF object.
        file: PathBuf,
        #[command(flatten)]
        platform: PlatformArg,
    },
    /// Run a program (raw instruction bytes or assembly text) on the interpreter, or on the
    /// JIT with --jit, and print r0 and the instructions executed.
    ///
    /// With --json: `{"r0", "r0_signed", "instructions_executed"}`, the same keys on both
    /// engines.
    #[command(after_help = exit_codes!(
        "  0  the program ran (whatever r0 is)",
        "  1  the program faulted (with --jit: or the pre-flight found an access the JIT",
        "     cannot check)",
        "  2  unreadable file, an ELF object (running objects is not supported yet), a decode",
        "     or assembly error, an empty or invalid program (a jump out of it), bad --mem",
    ))]
    Run {
        /// Raw 8-byte instructions or assembly text (any file name).
        file: PathBuf,
        /// Input memory as hex bytes; the program gets r1 = its address, r2 = its length.
        #[arg(long, default_value = "")]
        mem: String,
        /// Run on the x86-64 JIT instead of the interpreter (after an interpreter pre-flight,
        /// as the JIT has no run-time memory checks: r0 is the JIT's, the count the
        /// pre-flight's).
        #[arg(long)]
        jit: bool,
    },
    /// Run every `.data` test vector in a directory; prints each failure and `N passed, N
    /// failed`.
    ///
    /// With --json: `{"passed", "failed", "skipped", "failures": [{"file", "reason"}],
    /// "skips": [{"file", "reason"}]}`.
    #[command(after_help = exit_codes!(
        "  0  every vector passed (or was skipped on this engine)",
        "  1  a vector failed",
        "  2  the directory cannot be read or holds no .data files",
    ))]
    Conformance {
        /// Directory holding `.data` files.
        dir: PathBuf,
        /// The engine that runs the vectors.
        #[arg(long, value_enum, default_value_t = Engine::Interp)]
        engine: Engine,
    },
    /// Verify the programs of a clang-built ELF object: one line per program (accepted, or
    /// rejected with each unproved condition and its C source line), then a summary.
    ///
    /// With --json: an array, one object per program: `section`, `function`, `program_type`,
    /// `accepted`, `errors` [{`pc`, `message`, `source` {`file`, `line`, `column`, `text`}
    /// when line info exists}], `time_ms`, and `instruction_bound` (the most instructions one
    /// run executes) when accepted.
    #[command(after_help = exit_codes!(
        "  0  every program was accepted",
        "  1  a program was rejected",
        "  2  unreadable file, an object that does not load, no program matching",
        "     --section/--function, an unknown --type",
    ))]
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
                return Err(Failure::bad_input(anyhow!(
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

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    let mut out = Out::new(
        io::stdout().lock(),
        Format::from_flags(cli.json, cli.pretty),
    );
    let result = dispatch(cli.command, &mut out);
    output::finish(out, &mut io::stderr(), result)
}

/// Help, version, or a usage error from clap: printed as clap prints it (exit 0 or 2), except
/// that a usage error under `-j`/`-p` is `{"error": "..."}` on stdout. Closed streams are
/// ignored.
fn usage_error(e: &clap::Error) -> ExitCode {
    let code = u8::try_from(e.exit_code()).unwrap_or(output::EXIT_BAD_INPUT);
    if code != 0 && json_requested(std::env::args().skip(1)) {
        let text = e.to_string();
        let message = text.split("\n\n").next().unwrap_or_default();
        let message = message.strip_prefix("error: ").unwrap_or(message);
        let message: Vec<&str> = message.lines().map(str::trim).collect();
        let _ = writeln!(io::stdout(), "{}", json!({ "error": message.join(" ") }));
    } else {
        let _ = e.print();
    }
    ExitCode::from(code)
}

/// Whether the arguments ask for JSON (`-j`, `-p`, `--json`, `--pretty`, or short flags
/// together such as `-jp`), before any `--`.
fn json_requested(args: impl Iterator<Item = String>) -> bool {
    args.take_while(|a| a != "--").any(|a| match a.as_str() {
        "--json" | "--pretty" => true,
        short => {
            short.len() > 1
                && short.starts_with('-')
                && !short.starts_with("--")
                && short[1..]
                    .chars()
                    .all(|c| matches!(c, 'j' | 'p' | 'h' | 'V'))
                && short[1..].contains(['j', 'p'])
        }
    })
}

fn dispatch<W: Write>(command: Command, out: &mut Out<W>) -> Result<(), Failure> {
    match command {
        Command::Asm { input, output } => asm(&input, &output, out),
        Command::Disasm {
            file,
            section,
            function,
            platform,
        } => {
            let platform = platform.get()?;
            if input::is_elf_file(&file) {
                let object = object::load(&file, platform).map_err(Failure::bad_input)?;
                let programs = select(&object, &file, section.as_deref(), function.as_deref())?;
                disasm_object(&object, &programs, platform, out)
            } else if section.is_some() || function.is_some() {
                Err(Failure::bad_input(anyhow!(
                    "{}: --section and --function apply to ELF objects only",
                    file.display()
                )))
            } else {
                let insns = input::program(&file, "disasm").map_err(Failure::bad_input)?;
                out.either(
                    || disasm::raw_json(&insns, platform),
                    || disasm::raw_text(&insns, platform),
                )
            }
        }
        Command::Sections { file, platform } => {
            let object = object::load(&file, platform.get()?).map_err(Failure::bad_input)?;
            out.either(
                || object::sections_json(&object),
                || object::sections_text(&object),
            )
        }
        Command::Verify {
            file,
            section,
            function,
            platform,
            program_type,
            invariants,
        } => {
            let platform = platform.get()?;
            if let Some(name) = &program_type {
                check_program_type(platform, name)?;
            }
            let object = object::load(&file, platform).map_err(Failure::bad_input)?;
            let programs = select(&object, &file, section.as_deref(), function.as_deref())?;
            let options = VerifyOptions {
                program_type: program_type.as_deref(),
                invariants,
            };
            verify_all(&object, &programs, &options, out)
        }
        Command::Run { file, mem, jit } => run(&file, &mem, jit, out),
        Command::Conformance { dir, engine } => conformance(&dir, engine, out),
    }
}

fn asm<W: Write>(input: &Path, output: &Path, out: &mut Out<W>) -> Result<(), Failure> {
    let insns = input::assembly(input).map_err(Failure::bad_input)?;
    let bytes = ebpf_isa::encode(&insns);
    std::fs::write(output, &bytes)
        .with_context(|| format!("cannot write {}", output.display()))
        .map_err(Failure::bad_input)?;
    if out.is_json() {
        out.json(&json!({
            "output": output.display().to_string(),
            "instructions": bytes.len() / 8,
            "bytes": bytes.len(),
        }))?;
    }
    Ok(())
}

/// The programs of `object` that `section` and `function` select; none is bad input.
fn select<'a>(
    object: &'a ebpf_loader::Object,
    file: &Path,
    section: Option<&str>,
    function: Option<&str>,
) -> Result<Vec<&'a ebpf_loader::Program>, Failure> {
    object::select(object, section, function)
        .map_err(|e| Failure::bad_input(e.context(file.display().to_string())))
}

fn disasm_object<W: Write>(
    object: &ebpf_loader::Object,
    programs: &[&ebpf_loader::Program],
    platform: &Platform,
    out: &mut Out<W>,
) -> Result<(), Failure> {
    if out.is_json() {
        let array = programs
            .iter()
            .map(|p| disasm::program_json(object, p, platform))
            .collect::<anyhow::Result<Vec<_>>>()
            .map_err(Failure::bad_input)?;
        return out.json(&serde_json::Value::Array(array));
    }
    for (i, program) in programs.iter().enumerate() {
        if i > 0 {
            out.text("\n")?;
        }
        let text = disasm::program_text(object, program, platform).map_err(Failure::bad_input)?;
        out.text(&text)?;
    }
    Ok(())
}

fn run<W: Write>(file: &Path, mem: &str, jit: bool, out: &mut Out<W>) -> Result<(), Failure> {
    let insns = input::program(file, "run").map_err(Failure::bad_input)?;
    let mut mem = hex::parse_bytes(mem)
        .context("--mem")
        .map_err(Failure::bad_input)?;
    let engine = if jit { Engine::Jit } else { Engine::Interp };
    let done = engine::run(engine, &insns, &mut mem).map_err(|e| {
        let error = anyhow!("{}: {e}", file.display());
        if e.class == Some(ErrorClass::InvalidProgram) {
            Failure::bad_input(error)
        } else {
            Failure::failed(error)
        }
    })?;
    out.either(
        || {
            json!({
                "r0": done.r0,
                "r0_signed": done.r0 as i64,
                "instructions_executed": done.executed,
            })
        },
        || {
            let executed = done
                .executed
                .map_or_else(|| "unknown".to_string(), |n| n.to_string());
            format!(
                "r0 = {:#x} ({})\ninstructions executed: {executed}\n",
                done.r0, done.r0 as i64
            )
        },
    )
}

fn conformance<W: Write>(dir: &Path, engine: Engine, out: &mut Out<W>) -> Result<(), Failure> {
    let json = out.is_json();
    // A write that fails (a closed reader) is kept and returned once the run ends.
    let mut write_failure = None;
    let summary = conformance::run_dir(dir, engine, |name, why| {
        if !json && write_failure.is_none() {
            write_failure = out.text(&format!("FAIL {name}: {why}\n")).err();
        }
    })
    .map_err(Failure::bad_input)?;
    if let Some(failure) = write_failure {
        return Err(failure);
    }
    if summary.passed + summary.failures.len() + summary.skipped.len() == 0 {
        return Err(Failure::bad_input(anyhow!(
            "{} holds no .data files: nothing was run",
            dir.display()
        )));
    }
    let pairs = |list: &[(String, String)]| -> Vec<serde_json::Value> {
        list.iter()
            .map(|(file, reason)| json!({ "file": file, "reason": reason }))
            .collect()
    };
    out.either(
        || {
            json!({
                "passed": summary.passed,
                "failed": summary.failures.len(),
                "skipped": summary.skipped.len(),
                "failures": pairs(&summary.failures),
                "skips": pairs(&summary.skipped),
            })
        },
        || {
            let mut text = String::new();
            for (name, why) in &summary.skipped {
                text.push_str(&format!("SKIP {name}: {why}\n"));
            }
            text.push_str(&summary.line());
            text.push('\n');
            text
        },
    )?;
    if summary.failures.is_empty() {
        Ok(())
    } else {
        Err(Failure::shown(anyhow!(
            "{} vector(s) failed",
            summary.failures.len()
        )))
    }
}

/// A `--type` the platform does not have is bad input, named with the types it has.
fn check_program_type(p: &Platform, name: &str) -> Result<(), Failure> {
    if p.program_type(name).is_some() {
        return Ok(());
    }
    let known: Vec<&str> = p.program_types.iter().map(|t| t.name).collect();
    Err(Failure::bad_input(anyhow!(
        "unknown program type `{name}` for --platform {}; it has: {}",
        p.name,
        known.join(", ")
    )))
}

/// What `ebpf verify` checks each program as.
struct VerifyOptions<'a> {
    program_type: Option<&'a str>,
    invariants: bool,
}

/// Verifies `programs`, printing each verdict (or the JSON array) and a summary; a progress
/// bar on a terminal's stderr when there are many.
fn verify_all<W: Write>(
    object: &ebpf_loader::Object,
    programs: &[&ebpf_loader::Program],
    options: &VerifyOptions<'_>,
    out: &mut Out<W>,
) -> Result<(), Failure> {
    use std::io::IsTerminal;
    let progress = programs.len() > 4 && io::stderr().is_terminal();
    // The progress bar is a courtesy: a closed stderr only ends it.
    let bar = |text: &str| {
        let _ = io::stderr().write_all(text.as_bytes());
    };
    let mut verdicts = Vec::with_capacity(programs.len());
    for (i, program) in programs.iter().enumerate() {
        if progress {
            let done = 30 * i / programs.len();
            bar(&format!(
                "\r[{}{}] {i}/{} {:<40.40}",
                "#".repeat(done),
                " ".repeat(30 - done),
                programs.len(),
                program.function
            ));
        }
        let verdict =
            verifier::verify_program(object, program, options.program_type, options.invariants);
        if progress {
            bar(&format!("\r{:78}\r", ""));
        }
        if !out.is_json() {
            out.text(&verifier::verdict_text(&verdict, options.invariants))?;
        }
        verdicts.push(verdict);
    }
    let rejected = verdicts.iter().filter(|v| !v.accepted).count();
    if out.is_json() {
        let array: Vec<_> = verdicts
            .iter()
            .map(|v| verifier::verdict_json(v, options.invariants))
            .collect();
        out.json(&serde_json::Value::Array(array))?;
    } else {
        let total: f64 = verdicts.iter().map(|v| v.time.as_secs_f64()).sum();
        out.text(&format!(
            "{} program{}: {} accepted, {rejected} rejected ({:.1} ms)\n",
            verdicts.len(),
            if verdicts.len() == 1 { "" } else { "s" },
            verdicts.len() - rejected,
            total * 1e3
        ))?;
    }
    if rejected == 0 {
        Ok(())
    } else {
        Err(Failure::shown(anyhow!("{rejected} program(s) rejected")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> impl Iterator<Item = String> {
        list.iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn json_is_requested_by_any_spelling_before_double_dash() {
        assert!(json_requested(args(&["-j", "run"])));
        assert!(json_requested(args(&["run", "x", "--pretty"])));
        assert!(json_requested(args(&["-jp", "run"])));
        assert!(!json_requested(args(&["run", "--", "-j"])));
        assert!(!json_requested(args(&["asm", "x", "-o", "jp"])));
        assert!(!json_requested(args(&["asm", "-ojp"])));
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
