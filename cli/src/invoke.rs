//! `ebpf run FILE.o`: an object's program run in the execution context (`ebpf-kernel-host`):
//! its maps created, the program (and the programs its program arrays start with) loaded,
//! verified and installed on the chosen engine, then test-run on a packet and context bytes,
//! as `BPF_PROG_TEST_RUN` does. `ebpf run FILE.ebpf` does the same with a native image, loaded
//! by `Host::load_image` (signature and platform hash checked; no verifier, no JIT).

use std::fmt::Write as _;
use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::anyhow;
use ebpf_kernel_host::os::StdOs;
use ebpf_kernel_host::{
    Host, ImageLoadOptions, LoadErrorKind, LoadOptions, Loaded, MapObject, TestRun,
};
use ebpf_loader::{Object, Program};
use ebpf_platform::Platform;
use serde_json::{json, Value};

use crate::engine::Engine;
use crate::hex::to_hex;
use crate::output::Failure;

/// What to run.
#[derive(Debug)]
pub struct Request<'a> {
    /// The object's or image's file, for messages.
    pub file: &'a Path,
    /// What to load and which program to run.
    pub source: Source<'a>,
    /// The engine (objects only: an image's programs are native code).
    pub engine: Engine,
    /// The packet.
    pub data: Vec<u8>,
    /// The context structure's bytes.
    pub ctx: Option<Vec<u8>>,
    /// Runs.
    pub repeat: u32,
    /// Whether to list the maps' contents afterwards.
    pub dump_maps: bool,
}

/// Where the program comes from.
#[derive(Debug)]
pub enum Source<'a> {
    /// An ELF object, loaded and verified here.
    Object {
        /// The object.
        object: &'a Object,
        /// The program to run.
        program: &'a Program,
    },
    /// A native image file.
    Image {
        /// Its bytes.
        bytes: &'a [u8],
        /// The public keys whose signatures are trusted (none: unsigned images only).
        keys: &'a [[u8; 32]],
        /// The host's platform.
        platform: &'static Platform,
        /// The program's section, when chosen.
        section: Option<&'a str>,
        /// The program's entry function, when chosen.
        function: Option<&'a str>,
    },
}

/// One map's contents: `(key, value)` pairs (ring buffers: records with empty keys; perf event
/// arrays: records keyed by CPU).
#[derive(Debug)]
pub struct MapDump {
    /// Its name.
    pub name: String,
    /// Its type's name.
    pub type_name: &'static str,
    /// Its entries.
    pub entries: Vec<(Vec<u8>, Vec<u8>)>,
}

/// A finished run.
#[derive(Debug)]
pub struct Ran {
    /// ELF section.
    pub section: String,
    /// Entry function.
    pub function: String,
    /// Program type.
    pub program_type: &'static str,
    /// Engine name.
    pub engine: &'static str,
    /// The last run's `r0`.
    pub retval: u64,
    /// The hook's name for it, if it has one.
    pub verdict: Option<&'static str>,
    /// Runs.
    pub repeat: u32,
    /// Mean nanoseconds per run.
    pub duration_ns: u64,
    /// The packet afterwards.
    pub data_out: Vec<u8>,
    /// The maps, when asked for.
    pub maps: Option<Vec<MapDump>>,
    /// Lines the program printed (`bpf_trace_printk`).
    pub trace: Vec<String>,
}

fn entries(map: &MapObject) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    if let Some(ring) = map.map().as_ringbuf() {
        ring.consume(|r| out.push((Vec::new(), r.to_vec())));
    } else if let Some(perf) = map.map().as_perf_event_array() {
        perf.read_all(|cpu, r| out.push(((cpu as u32).to_ne_bytes().to_vec(), r.to_vec())));
    } else {
        map.for_each(|k, v| out.push((k.to_vec(), v.to_vec())));
    }
    out
}

/// An object's program loaded on its host, ready to invoke.
#[derive(Debug)]
pub struct LoadedProgram {
    /// The host it runs on.
    pub host: Host,
    /// The object's maps and programs.
    pub loaded: Loaded,
    /// The program.
    pub program: Arc<ebpf_kernel_host::Program>,
    trace: Arc<Mutex<Vec<String>>>,
}

impl LoadedProgram {
    /// The lines the program printed so far (`bpf_trace_printk`).
    pub fn trace(&self) -> Vec<String> {
        self.trace.lock().map(|t| t.clone()).unwrap_or_default()
    }

    /// The maps' contents.
    pub fn dump_maps(&self) -> Vec<MapDump> {
        self.loaded
            .maps()
            .iter()
            .map(|m| MapDump {
                name: m.name().to_string(),
                type_name: m.type_name(),
                entries: entries(m),
            })
            .collect()
    }
}

/// Loads `source`: an object's maps created and `program` (and the programs its program
/// arrays start with) loaded, verified and installed on `engine`, or a native image's maps and
/// programs installed once its signature and platform hash are checked; `file` names it in
/// messages. A rejected program fails (exit 1); an object or image that does not load is bad
/// input (exit 2).
pub fn load(file: &Path, source: &Source<'_>, engine: Engine) -> Result<LoadedProgram, Failure> {
    let platform = match source {
        Source::Object { object, .. } => object.platform(),
        Source::Image { platform, .. } => platform,
    };
    let trace = Arc::new(Mutex::new(Vec::new()));
    let sink = trace.clone();
    let os = StdOs::new().with_trace_sink(move |line| {
        if let Ok(mut lines) = sink.lock() {
            lines.push(line.to_string());
        }
    });
    let host = Host::new(Arc::new(os), platform);
    let file = file.display();
    let loaded = match source {
        Source::Object { object, program } => {
            let engine = match engine {
                Engine::Interp => ebpf_kernel_host::Engine::Interpreter,
                Engine::Jit => ebpf_kernel_host::Engine::Jit,
            };
            let functions = [program.function.as_str()];
            let options = LoadOptions {
                engine,
                functions: Some(&functions),
                program_type: None,
            };
            host.load(object, &options)
        }
        Source::Image { bytes, keys, .. } => {
            // Without keys, only unsigned images load; with keys, only images they signed.
            let options = ImageLoadOptions::new().allowing_unsigned(keys.is_empty());
            host.load_image(bytes, keys, &options)
        }
    }
    .map_err(|e| {
        let no_keys = matches!(source, Source::Image { keys, .. } if keys.is_empty());
        let untrusted = matches!(e.kind(), LoadErrorKind::Image(i)
            if matches!(i.kind(), ebpf_kernel_host::ImageErrorKind::UntrustedKey { .. }));
        let hint = if no_keys && untrusted {
            "; pass the signer's public key with --pubkey"
        } else {
            ""
        };
        let error = anyhow!("{file}: {e}{hint}");
        match e.kind() {
            LoadErrorKind::Rejected(_) => Failure::failed(error),
            _ => Failure::bad_input(error),
        }
    })?;
    let program = match source {
        Source::Object { program, .. } => loaded
            .program(&program.function)
            .cloned()
            .ok_or_else(|| Failure::bad_input(anyhow!("{file}: the program did not load")))?,
        Source::Image {
            section, function, ..
        } => {
            let chosen: Vec<_> = loaded
                .programs()
                .iter()
                .filter(|p| section.is_none_or(|s| p.section() == s))
                .filter(|p| function.is_none_or(|f| p.name() == f))
                .collect();
            let [program] = chosen[..] else {
                let names: Vec<String> = loaded
                    .programs()
                    .iter()
                    .map(|p| format!("{}/{}", p.section(), p.name()))
                    .collect();
                let what = if chosen.is_empty() {
                    "no program matches"
                } else {
                    "several programs match; choose one with --section/--function"
                };
                return Err(Failure::bad_input(anyhow!(
                    "{file}: {what}; the image holds {}",
                    names.join(", ")
                )));
            };
            program.clone()
        }
    };
    // The CLI reads every perf event array (`--dump-maps`), as `perf_buffer__new` would: it
    // opens their slots, without which Linux-semantics output fails with -ENOENT.
    for m in loaded.maps() {
        if let Some(perf) = m.map().as_perf_event_array() {
            perf.open_all();
        }
    }
    Ok(LoadedProgram {
        host,
        loaded,
        program,
        trace,
    })
}

/// Loads and runs `req`'s program.
pub fn run(req: Request<'_>) -> Result<Ran, Failure> {
    let ready = load(req.file, &req.source, req.engine)?;
    let program = &ready.program;
    let file = req.file.display();
    let out = program
        .test_run(&TestRun {
            data: &req.data,
            ctx: req.ctx.as_deref(),
            repeat: req.repeat,
        })
        .map_err(|e| match e.kind() {
            ebpf_kernel_host::InvokeErrorKind::Context(_) => {
                Failure::bad_input(anyhow!("{file}: {e}"))
            }
            _ => Failure::failed(anyhow!("{file}: {e}")),
        })?;
    let program_type = program.program_type();
    let verdict = program_type
        .verdicts
        .iter()
        .find(|v| v.value == out.retval as i64 || v.value == i64::from(out.retval as i32))
        .map(|v| v.name);
    let maps = req.dump_maps.then(|| ready.dump_maps());
    let trace = ready.trace();
    Ok(Ran {
        section: program.section().to_string(),
        function: program.name().to_string(),
        program_type: program_type.name,
        engine: program.engine().name(),
        retval: out.retval,
        verdict,
        repeat: req.repeat.max(1),
        duration_ns: out.duration_ns,
        data_out: out.data_out,
        maps,
        trace,
    })
}

/// The run as JSON: `section`, `function`, `program_type`, `engine`, `retval`, `verdict`,
/// `repeat`, `duration_ns`, `data_out` (hex), `maps` (name → `[{key, value}]` in hex, with
/// `--dump-maps`), `trace`.
pub fn json(ran: &Ran) -> Value {
    let mut value = json!({
        "section": ran.section,
        "function": ran.function,
        "program_type": ran.program_type,
        "engine": ran.engine,
        "retval": ran.retval,
        "verdict": ran.verdict,
        "repeat": ran.repeat,
        "duration_ns": ran.duration_ns,
        "data_out": to_hex(&ran.data_out),
        "trace": ran.trace,
    });
    if let Some(maps) = &ran.maps {
        value["maps"] = maps_json(maps);
    }
    value
}

/// Maps as JSON: name → `[{key, value}]` in hex.
pub fn maps_json(maps: &[MapDump]) -> Value {
    let maps: serde_json::Map<String, Value> = maps
        .iter()
        .map(|m| {
            let entries = m
                .entries
                .iter()
                .map(|(k, v)| json!({ "key": to_hex(k), "value": to_hex(v) }))
                .collect();
            (m.name.clone(), Value::Array(entries))
        })
        .collect();
    Value::Object(maps)
}

/// Maps as text: a line per map, then its entries indented.
pub fn maps_text(maps: &[MapDump]) -> String {
    let mut s = String::new();
    for m in maps {
        let _ = writeln!(
            s,
            "map {} ({}): {} entries",
            m.name,
            m.type_name,
            m.entries.len()
        );
        for (k, v) in &m.entries {
            if k.is_empty() {
                let _ = writeln!(s, "  {}", to_hex(v));
            } else {
                let _ = writeln!(s, "  {} = {}", to_hex(k), to_hex(v));
            }
        }
    }
    s
}

/// Packets up to this long are printed in hex; longer ones by length.
const SHOWN_BYTES: usize = 64;

/// The run as text.
pub fn text(ran: &Ran) -> String {
    let mut s = String::new();
    let verdict = ran.verdict.map(|v| format!(" {v}")).unwrap_or_default();
    let _ = writeln!(
        s,
        "{}/{} ({}, {}): retval {} ({:#x}){verdict}",
        ran.section, ran.function, ran.program_type, ran.engine, ran.retval as i64, ran.retval
    );
    let runs = if ran.repeat == 1 { "run" } else { "runs" };
    let _ = writeln!(s, "{} {runs}, {} ns per run", ran.repeat, ran.duration_ns);
    if ran.data_out.len() <= SHOWN_BYTES {
        let _ = writeln!(s, "data out: {}", to_hex(&ran.data_out));
    } else {
        let _ = writeln!(s, "data out: {} bytes", ran.data_out.len());
    }
    for line in &ran.trace {
        let _ = writeln!(s, "trace: {line}");
    }
    if let Some(maps) = &ran.maps {
        s.push_str(&maps_text(maps));
    }
    s
}
