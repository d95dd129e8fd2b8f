//! `ebpf run FILE.o`: an object's program run in the execution context (`ebpf-kernel-host`):
//! its maps created, the program (and the programs its program arrays start with) loaded,
//! verified and installed on the chosen engine, then test-run on a packet and context bytes,
//! as `BPF_PROG_TEST_RUN` does.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::anyhow;
use ebpf_kernel_host::os::StdOs;
use ebpf_kernel_host::{Host, LoadErrorKind, LoadOptions, MapObject, TestRun};
use ebpf_loader::{Object, Program};
use serde_json::{json, Value};

use crate::engine::Engine;
use crate::hex::to_hex;
use crate::output::Failure;

/// What to run.
#[derive(Debug)]
pub struct Request<'a> {
    /// The object's file, for messages.
    pub file: &'a Path,
    /// The object.
    pub object: &'a Object,
    /// The program to run.
    pub program: &'a Program,
    /// The engine.
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

/// Loads and runs `req`'s program.
pub fn run(req: Request<'_>) -> Result<Ran, Failure> {
    let platform = req.object.platform();
    let trace = Arc::new(Mutex::new(Vec::new()));
    let sink = trace.clone();
    let os = StdOs::new().with_trace_sink(move |line| {
        if let Ok(mut lines) = sink.lock() {
            lines.push(line.to_string());
        }
    });
    let host = Host::new(Arc::new(os), platform);
    let engine = match req.engine {
        Engine::Interp => ebpf_kernel_host::Engine::Interpreter,
        Engine::Jit => ebpf_kernel_host::Engine::Jit,
    };
    let functions = [req.program.function.as_str()];
    let options = LoadOptions {
        engine,
        functions: Some(&functions),
        program_type: None,
    };
    let file = req.file.display();
    let loaded = host.load(req.object, &options).map_err(|e| {
        let error = anyhow!("{file}: {e}");
        match e.kind() {
            LoadErrorKind::Rejected(_) => Failure::failed(error),
            _ => Failure::bad_input(error),
        }
    })?;
    let program = loaded
        .program(&req.program.function)
        .ok_or_else(|| Failure::bad_input(anyhow!("{file}: the program did not load")))?;
    // The CLI reads every perf event array (`--dump-maps`), as `perf_buffer__new` would: it
    // opens their slots, without which Linux-semantics output fails with -ENOENT.
    for m in loaded.maps() {
        if let Some(perf) = m.map().as_perf_event_array() {
            perf.open_all();
        }
    }
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
    let maps = req.dump_maps.then(|| {
        loaded
            .maps()
            .iter()
            .map(|m| MapDump {
                name: m.name().to_string(),
                type_name: m.type_name(),
                entries: entries(m),
            })
            .collect()
    });
    let trace = trace.lock().map(|t| t.clone()).unwrap_or_default();
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
        value["maps"] = Value::Object(maps);
    }
    value
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
    }
    s
}
