//! `ebpf verify`: the loader's programs through the verifier, with source lines in the errors.
//!
//! [`verify_program`] joins the two crates: both read the object's platform, the program type
//! is the one its section name implies (or the platform's default), its maps are the loader's
//! [`Object::map_infos`] (the loader relocates map references to indexes, which the verifier
//! reads as map fds), and each error's pc is matched with the BTF line info of the
//! instruction.

use std::fmt::Write as _;
use std::io;
use std::time::{Duration, Instant};

use anyhow::anyhow;

use ebpf_loader::{LineInfo, MapOrigin, Object, Program};
use ebpf_verifier::{analyze_with_contents, FrozenValue, Options};
use serde_json::{json, Value};

use crate::output::{Failure, Out};

/// The program type an object's path implies when its section names do not: the platform's
/// [`program_type_for_path`](ebpf_platform::Platform::program_type_for_path) on Linux (the
/// loader's [`Object::type_programs_from_path`] applies it; `ebpf verify` does so on load).
pub fn type_hint_from_path(path: &str) -> Option<&'static str> {
    ebpf_platform::LINUX
        .program_type_for_path(path)
        .map(|t| t.name)
}

/// One failed check, located.
#[derive(Clone, Debug)]
pub struct Finding {
    /// Slot of the instruction.
    pub pc: usize,
    /// What could not be proved.
    pub message: String,
    /// The C source position of the instruction, when the object has line info.
    pub source: Option<LineInfo>,
}

/// The verdict on one program.
#[derive(Clone, Debug)]
pub struct Verdict {
    /// ELF section.
    pub section: String,
    /// Entry function.
    pub function: String,
    /// The platform's program type name.
    pub program_type: String,
    /// Whether the type came from the object's file name (its section implies none).
    pub type_from_path: bool,
    /// Whether every check was proved.
    pub accepted: bool,
    /// The failed checks, the root cause first.
    pub errors: Vec<Finding>,
    /// The abstract state before each instruction, when asked for.
    pub invariants: Vec<(usize, String)>,
    /// Most instructions one run executes, as proved (when accepted).
    pub instruction_bound: Option<u64>,
    /// Time the verification took.
    pub time: Duration,
}

/// The source line of `pc`: the last line-info entry at or before it.
pub fn source_of(program: &Program, pc: usize) -> Option<LineInfo> {
    let i = program.lines.partition_point(|l| l.pc <= pc);
    i.checked_sub(1).map(|i| program.lines[i].clone())
}

/// Verifies one program of `object` on the object's platform, as a program of type
/// `type_name`: by default the type its section name implies, else the platform's default
/// (Linux verifies such sections as socket filters, as PREVAIL does; the `linux` platform
/// describes that type permissively, with the tc context and every `__sk_buff` helper, because
/// in practice such sections hold tc programs). Without either, the verdict is a rejection that
/// says to name a type.
pub fn verify_program(
    object: &Object,
    program: &Program,
    type_name: Option<&str>,
    invariants: bool,
) -> Verdict {
    let start = Instant::now();
    let platform = object.platform();
    let type_from_path = type_name.is_none() && program.type_from_path;
    let type_name = type_name
        .or(program.program_type.map(|t| t.name))
        .or(platform.default_program_type);
    let mut verdict = Verdict {
        section: program.section.clone(),
        function: program.function.clone(),
        program_type: type_name.unwrap_or("unknown").to_string(),
        type_from_path,
        accepted: false,
        errors: Vec::new(),
        invariants: Vec::new(),
        instruction_bound: None,
        time: Duration::ZERO,
    };
    if let Some(e) = program.error() {
        let pc = e.pc().unwrap_or(0) as usize;
        verdict.errors.push(Finding {
            pc,
            message: e.to_string(),
            source: program
                .link_error
                .is_some()
                .then(|| source_of(program, pc))
                .flatten(),
        });
    } else if let Some(type_name) = type_name {
        let options = Options {
            invariants,
            // The section's attach type, when the program is verified as the section's type.
            attach_type: program
                .attach_type
                .filter(|_| program.program_type.is_some_and(|t| t.name == type_name)),
            ..Options::default()
        };
        let maps = object.map_infos();
        // `.rodata` is frozen before programs load (as libbpf does): its bytes are constants.
        let frozen: Vec<FrozenValue<'_>> = object
            .maps()
            .iter()
            .enumerate()
            .filter(|(_, m)| m.origin == MapOrigin::GlobalData { read_only: true })
            .map(|(map, m)| FrozenValue {
                map,
                bytes: &m.data,
            })
            .collect();
        let report = match ebpf_isa::Program::from_insns(program.insns.as_slice()) {
            Ok(valid) => {
                analyze_with_contents(&valid, platform, type_name, &maps, &frozen, &options)
            }
            Err(e) => ebpf_verifier::Report {
                errors: vec![e.into()],
                ..Default::default()
            },
        };
        verdict.accepted = report.errors.is_empty();
        verdict.instruction_bound = verdict.accepted.then_some(report.instruction_bound);
        verdict.errors = report
            .errors
            .iter()
            .map(|e| Finding {
                pc: e.pc(),
                message: e.to_string(),
                source: source_of(program, e.pc()),
            })
            .collect();
        verdict.invariants = report
            .invariants
            .into_iter()
            .map(|i| (i.pc, i.state))
            .collect();
    } else {
        verdict.errors.push(Finding {
            pc: 0,
            message: format!(
                "section `{}` implies no {} program type: name one with --type",
                program.section, platform.name
            ),
            source: None,
        });
    }
    verdict.time = start.elapsed();
    verdict
}

/// Human-readable lines for one verdict.
pub fn verdict_text(v: &Verdict, with_invariants: bool) -> String {
    let mut out = String::new();
    let from_path = if v.type_from_path {
        ", by the file name"
    } else {
        ""
    };
    let ms = v.time.as_secs_f64() * 1e3;
    if v.accepted {
        let _ = writeln!(
            out,
            "{}/{} ({}{from_path}): accepted in {ms:.1} ms{}",
            v.section,
            v.function,
            v.program_type,
            v.instruction_bound.map_or(String::new(), |b| format!(
                ", runs at most {b} instructions"
            ))
        );
    } else {
        let n = v.errors.len();
        let _ = writeln!(
            out,
            "{}/{} ({}{from_path}): rejected in {ms:.1} ms, {n} error{}",
            v.section,
            v.function,
            v.program_type,
            if n == 1 { "" } else { "s" }
        );
        for e in &v.errors {
            let _ = writeln!(out, "  {}", e.message);
            if let Some(s) = &e.source {
                let _ = writeln!(
                    out,
                    "    at {}:{}:{}: {}",
                    s.file,
                    s.line,
                    s.column,
                    s.text.trim()
                );
            }
        }
    }
    if with_invariants {
        for (pc, state) in &v.invariants {
            let _ = writeln!(out, "    pc {pc}: {state}");
        }
    }
    out
}

/// The JSON object for one verdict.
pub fn verdict_json(v: &Verdict, with_invariants: bool) -> Value {
    let errors: Vec<Value> = v
        .errors
        .iter()
        .map(|e| {
            let mut o = json!({ "pc": e.pc, "message": e.message });
            if let Some(s) = &e.source {
                o["source"] =
                    json!({ "file": s.file, "line": s.line, "column": s.column, "text": s.text.trim() });
            }
            o
        })
        .collect();
    let mut o = json!({
        "section": v.section,
        "function": v.function,
        "program_type": v.program_type,
        "type_from_path": v.type_from_path,
        "accepted": v.accepted,
        "errors": errors,
        "time_ms": v.time.as_secs_f64() * 1e3,
    });
    if let Some(b) = v.instruction_bound {
        o["instruction_bound"] = json!(b);
    }
    if with_invariants {
        o["invariants"] = v
            .invariants
            .iter()
            .map(|(pc, state)| json!({ "pc": pc, "state": state }))
            .collect();
    }
    o
}

/// What `ebpf verify` checks each program as.
#[derive(Debug)]
pub struct VerifyOptions<'a> {
    /// The program type of every program, instead of the one its section implies.
    pub program_type: Option<&'a str>,
    /// Print the abstract state before every instruction.
    pub invariants: bool,
}

/// Verifies `programs`, printing each verdict (or the JSON array) and a summary; a progress
/// bar on a terminal's stderr when there are many.
pub fn verify_all<W: std::io::Write>(
    object: &ebpf_loader::Object,
    programs: &[&ebpf_loader::Program],
    options: &VerifyOptions<'_>,
    out: &mut Out<W>,
) -> Result<(), Failure> {
    use std::io::IsTerminal;
    let progress = programs.len() > 4 && io::stderr().is_terminal();
    // The progress bar is a courtesy: a closed stderr only ends it.
    let bar = |text: &str| {
        let _ = io::Write::write_all(&mut io::stderr(), text.as_bytes());
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
        let verdict = verify_program(object, program, options.program_type, options.invariants);
        if progress {
            bar(&format!("\r{:78}\r", ""));
        }
        if !out.is_json() {
            out.text(&verdict_text(&verdict, options.invariants))?;
        }
        verdicts.push(verdict);
    }
    let rejected = verdicts.iter().filter(|v| !v.accepted).count();
    if out.is_json() {
        let array: Vec<_> = verdicts
            .iter()
            .map(|v| verdict_json(v, options.invariants))
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
