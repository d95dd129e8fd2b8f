//! `ebpf run FILE.o --pcap IN`: an XDP program run on every packet of a capture
//! ([`replay`]), as a NIC's receive path would run it: the packet's bytes as its data, the
//! interface it arrived on as `ingress_ifindex`, one context reused from packet to packet
//! inside one epoch batch. Counts the verdicts by the names the platform's C headers give them,
//! times the runs, and keeps the packets the program passed or transmitted as it left them.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::Instant;

use anyhow::{anyhow, Context as _};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use ebpf_kernel_host::{Context, ContextError, Host, InvokeError, Program};
use serde_json::{json, Value};

use crate::capture::Capture;
use crate::engine::Engine;
use crate::invoke::MapDump;
use crate::output::{Failure, Out};

/// The program type `--pcap` runs.
pub const XDP: &str = "xdp";

/// The verdicts whose packets go on (to `--out`): received or sent back out.
const KEPT_VERDICTS: [&str; 2] = ["XDP_PASS", "XDP_TX"];

/// Packets between two calls of the progress callback.
pub const PROGRESS_EVERY: u64 = 16_384;

/// How to replay a capture.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// How many times to run the whole capture (0 counts as 1).
    pub repeat: u32,
    /// Whether to keep the packets passed or transmitted in the first pass.
    pub keep: bool,
}

/// A finished replay.
#[derive(Debug)]
pub struct Replayed {
    /// Packets run (the capture's times the repeat count).
    pub packets: u64,
    /// Each verdict name of the program type (in the platform's order) with its count, then
    /// any value without a name, by its decimal value.
    pub verdicts: Vec<(String, u64)>,
    /// Nanoseconds the runs took in all (wall time, the packet copies included).
    pub duration_ns: u64,
    /// With [`Options::keep`], per packet of the capture: its bytes after the first pass if
    /// the program passed or transmitted it.
    pub output: Vec<Option<Vec<u8>>>,
}

impl Replayed {
    /// Packets per second (0 when no time passed).
    pub fn pps(&self) -> u64 {
        if self.duration_ns == 0 {
            return 0;
        }
        (self.packets as f64 * 1e9 / self.duration_ns as f64).round() as u64
    }

    /// How many packets the output holds.
    pub fn kept(&self) -> usize {
        self.output.iter().filter(|o| o.is_some()).count()
    }
}

/// Why a replay stopped.
#[derive(Debug)]
pub struct ReplayError {
    kind: ReplayErrorKind,
}

/// What went wrong.
#[derive(Debug)]
#[non_exhaustive]
pub enum ReplayErrorKind {
    /// The program is not an XDP program.
    NotXdp {
        /// Its type.
        program_type: &'static str,
    },
    /// A packet could not be given to the program (too large).
    Packet {
        /// Its number (from 1).
        packet: usize,
        /// Its record's offset in the file.
        offset: usize,
        /// Why.
        error: ContextError,
    },
    /// The program failed on a packet.
    Run {
        /// Its number (from 1).
        packet: usize,
        /// Its record's offset in the file.
        offset: usize,
        /// Why.
        error: InvokeError,
    },
}

impl ReplayError {
    /// What went wrong.
    pub fn kind(&self) -> &ReplayErrorKind {
        &self.kind
    }

    /// Whether the input is at fault (a non-XDP program, an oversized packet) rather than the
    /// run.
    pub fn is_bad_input(&self) -> bool {
        !matches!(self.kind, ReplayErrorKind::Run { .. })
    }
}

impl fmt::Display for ReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ReplayErrorKind::NotXdp { program_type } => write!(
                f,
                "--pcap runs XDP programs; this is a {program_type} program"
            ),
            ReplayErrorKind::Packet {
                packet,
                offset,
                error,
            } => write!(f, "packet {packet} (at byte {offset}): {error}"),
            ReplayErrorKind::Run {
                packet,
                offset,
                error,
            } => write!(f, "packet {packet} (at byte {offset}): {error}"),
        }
    }
}

impl std::error::Error for ReplayError {}

/// Whether `program` can run on captured packets.
pub fn check_xdp(program: &Program) -> Result<(), ReplayError> {
    let program_type = program.program_type().name;
    if program_type == XDP {
        Ok(())
    } else {
        Err(ReplayError {
            kind: ReplayErrorKind::NotXdp { program_type },
        })
    }
}

/// Counts of the program type's verdicts, and of values without a name.
struct Tally {
    names: Vec<(&'static str, i64)>,
    counts: Vec<u64>,
    kept: Vec<bool>,
    other: BTreeMap<u64, u64>,
}

impl Tally {
    fn new(program: &Program) -> Tally {
        let verdicts = program.program_type().verdicts;
        Tally {
            names: verdicts.iter().map(|v| (v.name, v.value)).collect(),
            counts: vec![0; verdicts.len()],
            kept: verdicts
                .iter()
                .map(|v| KEPT_VERDICTS.contains(&v.name))
                .collect(),
            other: BTreeMap::new(),
        }
    }

    /// Counts `r0`; whether its packet goes on.
    #[inline]
    fn count(&mut self, r0: u64) -> bool {
        // A 32-bit program's negative verdict arrives zero-extended.
        let (wide, narrow) = (r0 as i64, i64::from(r0 as i32));
        for (i, &(_, value)) in self.names.iter().enumerate() {
            if value == wide || value == narrow {
                self.counts[i] += 1;
                return self.kept[i];
            }
        }
        *self.other.entry(r0).or_default() += 1;
        false
    }

    fn into_verdicts(self) -> Vec<(String, u64)> {
        let named = self.names.iter().map(|(n, _)| n.to_string());
        named
            .zip(self.counts)
            .chain(self.other.into_iter().map(|(v, n)| (v.to_string(), n)))
            .collect()
    }
}

/// Runs `program` (an XDP program of `host`) on every packet of `capture`, `options.repeat`
/// times over; `progress` is called with the packets run so far every [`PROGRESS_EVERY`]
/// packets.
pub fn replay(
    host: &Host,
    program: &Program,
    capture: &Capture<'_>,
    options: Options,
    mut progress: impl FnMut(u64),
) -> Result<Replayed, ReplayError> {
    check_xdp(program)?;
    let packet_error = |i: usize, error| ReplayError {
        kind: ReplayErrorKind::Packet {
            packet: i + 1,
            offset: capture.packets().get(i).map_or(0, |p| p.offset),
            error,
        },
    };
    let mut ctx: Context = program.new_context().map_err(|e| packet_error(0, e))?;
    let layout = program.program_type().context;
    let size = layout.map_or(0, |l| l.size as usize);
    let ifindex_at = layout
        .and_then(|l| l.fields.iter().find(|f| f.name == "ingress_ifindex"))
        .map(|f| f.offset as usize);
    let mut fields = vec![0u8; size];
    let mut ifindex = None;

    let mut tally = Tally::new(program);
    let mut output = Vec::new();
    let mut batch = host.batch();
    let mut done = 0u64;
    let start = Instant::now();
    for pass in 0..options.repeat.max(1) {
        let keep = options.keep && pass == 0;
        for (i, packet) in capture.packets().iter().enumerate() {
            if ifindex != Some(packet.ifindex) {
                if let Some(slot) = ifindex_at.and_then(|at| fields.get_mut(at..at + 4)) {
                    slot.copy_from_slice(&packet.ifindex.to_ne_bytes());
                    ctx.set_fields(&fields).map_err(|e| packet_error(i, e))?;
                }
                ifindex = Some(packet.ifindex);
            }
            ctx.set_packet(packet.data())
                .map_err(|e| packet_error(i, e))?;
            let r0 = batch
                .invoke(program, &mut ctx)
                .map_err(|error| ReplayError {
                    kind: ReplayErrorKind::Run {
                        packet: i + 1,
                        offset: packet.offset,
                        error,
                    },
                })?;
            let goes_on = tally.count(r0);
            if keep {
                output.push(
                    goes_on.then(|| ctx.packet().map_or_else(Vec::new, |p| p.data().to_vec())),
                );
            }
            done += 1;
            if done % PROGRESS_EVERY == 0 {
                progress(done);
            }
        }
    }
    let duration_ns = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
    drop(batch);
    Ok(Replayed {
        packets: done,
        verdicts: tally.into_verdicts(),
        duration_ns,
        output,
    })
}

/// The replay as JSON: `packets`, `verdicts` (name → count), `duration_ns` (in all), `pps`,
/// and `maps` when given.
pub fn json(replayed: &Replayed, maps: Option<&[MapDump]>) -> Value {
    let verdicts: serde_json::Map<String, Value> = replayed
        .verdicts
        .iter()
        .map(|(name, n)| (name.clone(), json!(n)))
        .collect();
    let mut value = json!({
        "packets": replayed.packets,
        "verdicts": verdicts,
        "duration_ns": replayed.duration_ns,
        "pps": replayed.pps(),
    });
    if let Some(maps) = maps {
        value["maps"] = crate::invoke::maps_json(maps);
    }
    value
}

/// The replay as text: a header line, a line per verdict, the rate.
pub fn text(title: &str, replayed: &Replayed) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{title}");
    let width = replayed
        .verdicts
        .iter()
        .map(|(n, _)| n.len())
        .max()
        .unwrap_or(0);
    for (name, n) in &replayed.verdicts {
        let _ = writeln!(s, "  {name:<width$}  {n}");
    }
    let per_packet = replayed
        .duration_ns
        .checked_div(replayed.packets)
        .unwrap_or(0);
    let _ = writeln!(
        s,
        "{} packets in {:.3} ms: {} packets/s ({per_packet} ns per packet)",
        replayed.packets,
        replayed.duration_ns as f64 / 1e6,
        replayed.pps()
    );
    s
}

/// What `ebpf run FILE.o --pcap IN` was asked for.
#[derive(Debug)]
pub struct Request<'a> {
    /// The object's file, for messages.
    pub file: &'a Path,
    /// The object.
    pub object: &'a ebpf_loader::Object,
    /// The program to run.
    pub program: &'a ebpf_loader::Program,
    /// The engine.
    pub engine: Engine,
    /// The capture.
    pub pcap: &'a Path,
    /// Where to write the packets passed or transmitted.
    pub out: Option<&'a Path>,
    /// Passes over the capture.
    pub repeat: u32,
    /// Whether to list the maps' contents afterwards.
    pub dump_maps: bool,
}

/// Captures of at least this many packet runs get a progress bar (on a terminal).
const PROGRESS_FROM: u64 = 100_000;

/// `ebpf run FILE.o --pcap IN`: reads the capture, loads the program, replays the capture,
/// writes `--out` and prints the result. A capture that cannot be read or written, an object
/// that does not load, a program that is not XDP and a packet too large are bad input (exit 2);
/// a rejected program or a failed run fails (exit 1). A last packet cut short by the end of
/// the file is left out with a warning on stderr.
pub fn run<W: Write>(req: Request<'_>, out: &mut Out<W>) -> Result<(), Failure> {
    if let Some(t) = req.program.program_type.filter(|t| t.name != XDP) {
        let error = ReplayError {
            kind: ReplayErrorKind::NotXdp {
                program_type: t.name,
            },
        };
        return Err(Failure::bad_input(anyhow!(
            "{}: {error}",
            req.file.display()
        )));
    }
    let pcap = req.pcap.display();
    let bytes = std::fs::read(req.pcap)
        .with_context(|| format!("--pcap: cannot read {pcap}"))
        .map_err(Failure::bad_input)?;
    let capture = Capture::parse(&bytes).map_err(|e| Failure::bad_input(anyhow!("{pcap}: {e}")))?;
    if let Some(cut) = capture.truncated() {
        eprintln!("warning: {pcap}: {cut}");
    }
    for link in capture.other_links() {
        eprintln!(
            "warning: {pcap}: packets captured on link type {link:?}, not Ethernet, are given \
             to the program as they are"
        );
    }
    let source = crate::invoke::Source::Object {
        object: req.object,
        program: req.program,
    };
    let ready = crate::invoke::load(req.file, &source, req.engine)?;
    check_xdp(&ready.program)
        .map_err(|e| Failure::bad_input(anyhow!("{}: {e}", req.file.display())))?;

    let repeat = req.repeat.max(1);
    let total = capture.packets().len() as u64 * u64::from(repeat);
    let bar = (!out.is_json() && total >= PROGRESS_FROM && std::io::stderr().is_terminal())
        .then(|| progress_bar(total));
    let options = Options {
        repeat,
        keep: req.out.is_some(),
    };
    let replayed = replay(&ready.host, &ready.program, &capture, options, |n| {
        if let Some(bar) = &bar {
            bar.set_position(n);
        }
    });
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let replayed = replayed.map_err(|e| {
        let error = anyhow!("{pcap}: {e}");
        if e.is_bad_input() {
            Failure::bad_input(error)
        } else {
            Failure::failed(error)
        }
    })?;
    if let Some(path) = req.out {
        write_capture(&capture, &replayed, path)?;
    }
    let maps = req.dump_maps.then(|| ready.dump_maps());
    out.either(
        || json(&replayed, maps.as_deref()),
        || {
            let program = &ready.program;
            let title = format!(
                "{}/{} ({}, {}): {pcap} ({}, {} packets{})",
                program.section(),
                program.name(),
                program.program_type().name,
                program.engine().name(),
                capture.format().name(),
                capture.packets().len(),
                if repeat == 1 {
                    String::new()
                } else {
                    format!(", {repeat} times")
                }
            );
            let mut s = text(&title, &replayed);
            if let Some(path) = req.out {
                let _ = writeln!(s, "wrote {} packets to {}", replayed.kept(), path.display());
            }
            if let Some(maps) = &maps {
                s.push_str(&crate::invoke::maps_text(maps));
            }
            s
        },
    )
}

fn progress_bar(total: u64) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {human_pos}/{human_len} packets ({eta} left)")
    {
        bar.set_style(style);
    }
    bar
}

fn write_capture(capture: &Capture<'_>, replayed: &Replayed, path: &Path) -> Result<(), Failure> {
    let cannot = |e: &dyn fmt::Display| {
        Failure::bad_input(anyhow!("--out: cannot write {}: {e}", path.display()))
    };
    let file = std::fs::File::create(path).map_err(|e| cannot(&e))?;
    let mut writer = std::io::BufWriter::new(file);
    capture
        .write(&mut writer, &replayed.output)
        .map_err(|e| cannot(&e))?;
    writer.flush().map_err(|e| cannot(&e))
}
