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
  Files are told apart by their content, not their name: an ELF object (\\x7fELF), a native
  image (EBPFNIMG, from `ebpf compile`), raw instruction bytes, or assembly text.

Exit codes:
  0  success: the program ran, every conformance vector passed, every program verified;
     also when the reader of the output goes away early (`ebpf verify x.o | head -1`)
  1  the program faulted, a conformance vector failed, or the verifier rejected a program
  2  bad input or usage: an unreadable file, an assembly or decode error, an empty program,
     an ELF object where a program is expected, an object that does not load, no program
     matching --section/--function, an unknown --type, a directory without .data files, a
     native image refused (unsigned, changed after signing, signed by another key, for another
     platform or platform description), bad arguments";

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
    /// `decode_error`, `link_error`; a map has `index`, `name`, `type`, `key_size`, `value_size`,
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
    /// Run a program. An ELF object's program runs in the execution context: its maps are
    /// created, the program (and those its program arrays start with) loaded, verified and
    /// installed on the engine, then run once, or N times with --repeat, on --data as the
    /// packet and --ctx as the context bytes; prints the return value with the hook's verdict
    /// name, the mean time per run, the packet afterwards and, with --dump-maps, the maps.
    /// Raw instruction bytes or assembly text run on the interpreter (or the JIT) with --mem as
    /// input, printing r0 and the instructions executed.
    ///
    /// With --pcap, an XDP program runs on every packet of a pcap or pcapng capture (the
    /// packet as its data, its interface as ingress_ifindex: pcapng interface id + 1, 1 for
    /// pcap), --repeat times over; prints the verdict counts and packets per second, and writes
    /// the packets it passed or transmitted (first pass), as it left them, to --out.
    ///
    /// With --json, for an object: `section`, `function`, `program_type`, `engine`, `retval`,
    /// `verdict`, `repeat`, `duration_ns` (mean per run), `data_out` (hex), `trace` (lines
    /// the program printed) and, with --dump-maps, `maps` (name → [{`key`, `value`}] in hex;
    /// ring buffers list records with empty keys, perf event arrays by CPU). For raw
    /// instructions: `{"r0", "r0_signed", "instructions_executed"}`, the same on both engines.
    /// With --pcap: `packets`, `verdicts` (name → count), `duration_ns` (in all), `pps` and,
    /// with --dump-maps, `maps`.
    ///
    /// A native image (`ebpf compile`) runs like an object, on its native code, once its
    /// signature (by a --pubkey key) and its platform hash are checked.
    #[command(after_help = exit_codes!(
        "  0  the program ran (whatever it returned); with --pcap, also when the capture's last",
        "     packet is cut short (left out, with a warning)",
        "  1  the verifier rejected the program, or the run faulted (raw input with --jit: or",
        "     the pre-flight found an access the JIT cannot check)",
        "  2  unreadable file, an object that does not load (an unsupported map type, a",
        "     helper without implementation), no program or several matching",
        "     --section/--function, a decode or assembly error, an empty or invalid program,",
        "     bad --mem, --data or --ctx, object options given for raw input; with --pcap: a",
        "     capture that cannot be read, a malformed one, a program that is not XDP, a packet",
        "     too large, an --out that cannot be written; an image",
        "     that is unsigned (with --pubkey), tampered with, signed by another key, or",
        "     compiled against another platform description (platform hash mismatch)",
    ))]
    Run {
        /// An ELF object, raw 8-byte instructions or assembly text (any file name).
        file: PathBuf,
        /// Raw input: input memory as hex bytes; the program gets r1 = its address, r2 = its
        /// length.
        #[arg(long, default_value = "")]
        mem: String,
        /// Same as --engine jit (raw input: after an interpreter pre-flight, as the JIT has no
        /// run-time memory checks: r0 is the JIT's, the count the pre-flight's).
        #[arg(long)]
        jit: bool,
        /// The engine (default: jit for objects, interp for raw input).
        #[arg(long, value_enum)]
        engine: Option<Engine>,
        /// Object: the program's ELF section.
        #[arg(long)]
        section: Option<String>,
        /// Object: the program's entry function.
        #[arg(long)]
        function: Option<String>,
        #[command(flatten)]
        platform: PlatformArg,
        /// Object: the packet, raw bytes (an XDP or socket program's data).
        #[arg(long, value_name = "FILE")]
        data: Option<PathBuf>,
        /// Object: the context structure's bytes (number fields such as ingress_ifindex; the
        /// host sets the packet pointers).
        #[arg(long, value_name = "FILE")]
        ctx: Option<PathBuf>,
        /// Object (XDP): run on every packet of this pcap or pcapng capture.
        #[arg(long, value_name = "FILE", conflicts_with_all = ["data", "ctx"])]
        pcap: Option<PathBuf>,
        /// With --pcap: write the packets passed or transmitted, in the capture's format.
        #[arg(long, value_name = "FILE", requires = "pcap")]
        out: Option<PathBuf>,
        /// Object: how many times to run (on the same context, as BPF_PROG_TEST_RUN); with
        /// --pcap, passes over the whole capture.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
        repeat: u32,
        /// Object: print the maps' contents after the runs.
        #[arg(long)]
        dump_maps: bool,
        /// Native image: a public key (a KEY.pub of `ebpf keygen`) whose signature is
        /// trusted; repeatable. Without one, only unsigned images run.
        #[arg(long, value_name = "KEY.pub")]
        pubkey: Vec<PathBuf>,
    },
    /// Make an ed25519 key pair for signing native images: the secret key goes to KEY
    /// (readable by its owner only), the public key to KEY.pub.
    ///
    /// With --json: `{"secret_key", "public_key"}` (the files) and `public` (hex).
    #[command(after_help = exit_codes!(
        "  0  written",
        "  2  a file exists (without --force) or cannot be written",
    ))]
    Keygen {
        /// The secret key file (the public key goes to this path with .pub appended).
        #[arg(short, long, value_name = "KEY")]
        output: PathBuf,
        /// Overwrite existing key files.
        #[arg(long)]
        force: bool,
    },
    /// Compile a clang-built ELF object into a native image: each program verified, compiled to
    /// position-independent x86-64 by the JIT, and written with the object's maps, the helpers
    /// it calls, its program and attach type, instruction bound and the hash of the platform
    /// description it was verified against; signed with --key. `ebpf run FILE.ebpf` runs it
    /// (docs/images.md).
    ///
    /// With --json: `output`, `bytes`, `platform`, `signed`, `public_key`, `maps` and
    /// `programs` [{`section`, `function`, `program_type`, `attach_type`, `instructions`,
    /// `instruction_bound`, `code_bytes`, `relocations`, `helpers`, `platform_hash`}].
    #[command(after_help = exit_codes!(
        "  0  written",
        "  1  the verifier rejected a program",
        "  2  unreadable file, an object that does not load, an unknown --function or --type,",
        "     a bad key file, or the output cannot be written",
    ))]
    Compile {
        /// The ELF object.
        file: PathBuf,
        /// The image file to write.
        #[arg(short, long, value_name = "FILE.ebpf")]
        output: PathBuf,
        /// The secret key (from `ebpf keygen`) to sign the image with.
        #[arg(long, value_name = "KEY")]
        key: Option<PathBuf>,
        #[command(flatten)]
        platform: PlatformArg,
        /// Only the program whose entry function is this (repeatable; programs that program
        /// arrays start with are compiled too). Default: every program.
        #[arg(long)]
        function: Vec<String>,
        /// Compile every program as this program type instead of the one its section implies.
        #[arg(long = "type", value_name = "TYPE")]
        program_type: Option<String>,
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
            let options = verifier::VerifyOptions {
                program_type: program_type.as_deref(),
                invariants,
            };
            verifier::verify_all(&object, &programs, &options, out)
        }
        Command::Run {
            file,
            mem,
            jit,
            engine,
            section,
            function,
            platform,
            data,
            ctx,
            pcap,
            out: out_file,
            repeat,
            dump_maps,
            pubkey,
        } => {
            let engine = if jit { Some(Engine::Jit) } else { engine };
            if ebpf_cli::image::is_image_file(&file) {
                let request = ebpf_cli::image::ImageRun {
                    section,
                    function,
                    engine,
                    platform: platform.platform.or(platform.layout),
                    data,
                    ctx,
                    repeat,
                    dump_maps,
                    pubkey,
                    mem,
                };
                return ebpf_cli::image::run(&file, request, out);
            }
            if !pubkey.is_empty() {
                return Err(Failure::bad_input(anyhow!(
                    "{}: --pubkey applies to native images only",
                    file.display()
                )));
            }
            if input::is_elf_file(&file) {
                if !mem.is_empty() {
                    return Err(Failure::bad_input(anyhow!(
                        "{}: --mem is for raw instructions; an object's program takes --data \
                         and --ctx",
                        file.display()
                    )));
                }
                let object = object::load(&file, platform.get()?).map_err(Failure::bad_input)?;
                if let Some(pcap) = &pcap {
                    let program = select_one(&object, &file, &section, &function)?;
                    return ebpf_cli::replay::run(
                        ebpf_cli::replay::Request {
                            file: &file,
                            object: &object,
                            program,
                            engine: engine.unwrap_or(Engine::Jit),
                            pcap,
                            out: out_file.as_deref(),
                            repeat,
                            dump_maps,
                        },
                        out,
                    );
                }
                let request = ObjectRun {
                    section,
                    function,
                    engine: engine.unwrap_or(Engine::Jit),
                    data,
                    ctx,
                    repeat,
                    dump_maps,
                };
                run_object(&file, &object, request, out)
            } else {
                let object_only = [
                    (section.is_some(), "--section"),
                    (function.is_some(), "--function"),
                    (
                        platform.platform.is_some() || platform.layout.is_some(),
                        "--platform",
                    ),
                    (data.is_some(), "--data"),
                    (ctx.is_some(), "--ctx"),
                    (pcap.is_some(), "--pcap"),
                    (repeat != 1, "--repeat"),
                    (dump_maps, "--dump-maps"),
                ];
                if let Some((_, flag)) = object_only.iter().find(|(given, _)| *given) {
                    return Err(Failure::bad_input(anyhow!(
                        "{}: {flag} applies to ELF objects only",
                        file.display()
                    )));
                }
                run(&file, &mem, engine.unwrap_or(Engine::Interp), out)
            }
        }
        Command::Conformance { dir, engine } => conformance(&dir, engine, out),
        Command::Keygen { output, force } => ebpf_cli::image::keygen_command(&output, force, out),
        Command::Compile {
            file,
            output,
            key,
            platform,
            function,
            program_type,
        } => {
            let platform = platform.get()?;
            if let Some(name) = &program_type {
                check_program_type(platform, name)?;
            }
            let object = object::load(&file, platform).map_err(Failure::bad_input)?;
            let request = ebpf_cli::image::CompileRequest {
                output,
                key,
                functions: function,
                program_type,
            };
            ebpf_cli::image::compile(&file, &object, request, out)
        }
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

/// What `ebpf run FILE.o` was asked for.
struct ObjectRun {
    section: Option<String>,
    function: Option<String>,
    engine: Engine,
    data: Option<PathBuf>,
    ctx: Option<PathBuf>,
    repeat: u32,
    dump_maps: bool,
}

/// The one program of `object` that `section` and `function` select; none or several is bad
/// input.
fn select_one<'a>(
    object: &'a ebpf_loader::Object,
    file: &Path,
    section: &Option<String>,
    function: &Option<String>,
) -> Result<&'a ebpf_loader::Program, Failure> {
    let programs = select(object, file, section.as_deref(), function.as_deref())?;
    let [program] = programs[..] else {
        let names: Vec<String> = programs
            .iter()
            .map(|p| format!("{}/{}", p.section, p.function))
            .collect();
        return Err(Failure::bad_input(anyhow!(
            "{}: {} programs match, choose one with --section/--function: {}",
            file.display(),
            names.len(),
            names.join(", ")
        )));
    };
    Ok(program)
}

fn run_object<W: Write>(
    file: &Path,
    object: &ebpf_loader::Object,
    request: ObjectRun,
    out: &mut Out<W>,
) -> Result<(), Failure> {
    let program = select_one(object, file, &request.section, &request.function)?;
    let read = |path: &Option<PathBuf>, what: &str| -> Result<Option<Vec<u8>>, Failure> {
        path.as_ref()
            .map(|p| {
                std::fs::read(p)
                    .with_context(|| format!("{what}: cannot read {}", p.display()))
                    .map_err(Failure::bad_input)
            })
            .transpose()
    };
    let ran = ebpf_cli::invoke::run(ebpf_cli::invoke::Request {
        file,
        source: ebpf_cli::invoke::Source::Object { object, program },
        engine: request.engine,
        data: read(&request.data, "--data")?.unwrap_or_default(),
        ctx: read(&request.ctx, "--ctx")?,
        repeat: request.repeat,
        dump_maps: request.dump_maps,
    })?;
    out.either(
        || ebpf_cli::invoke::json(&ran),
        || ebpf_cli::invoke::text(&ran),
    )
}

fn run<W: Write>(file: &Path, mem: &str, engine: Engine, out: &mut Out<W>) -> Result<(), Failure> {
    let insns = input::program(file, "run").map_err(Failure::bad_input)?;
    let mut mem = hex::parse_bytes(mem)
        .context("--mem")
        .map_err(Failure::bad_input)?;
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
