//! `ebpf run FILE.o --pcap`: XDP programs run on every packet of pcap and pcapng captures this
//! test writes, on both engines, with the verdict counts, the `--out` packets (byte for byte,
//! with their timestamps and interfaces), the maps and the errors for broken captures checked.
//!
//! `tests/host/xdp_pcap.o` picks each frame's fate by the byte after its Ethernet header (see
//! its source), so the expected verdicts and output bytes are computed here per frame.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use ebpf_cli::capture::Capture;
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapReader, PcapWriter};
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionBlock;
use pcap_file::pcapng::{Block, PcapNgReader, PcapNgWriter};
use pcap_file::{DataLink, Endianness, TsResolution};
use serde_json::{json, Value};

const PROGRAM: &str = "tests/host/xdp_pcap.o";
const VERDICTS: [&str; 5] = [
    "XDP_ABORTED",
    "XDP_DROP",
    "XDP_PASS",
    "XDP_TX",
    "XDP_REDIRECT",
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn ebpf(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ebpf"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("runs the ebpf binary")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json_of(o: &Output) -> Value {
    assert_eq!(o.status.code(), Some(0), "{}", stderr(o));
    serde_json::from_slice(&o.stdout).expect("one JSON document")
}

/// A path in this test process' scratch directory.
fn scratch(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("ebpf-pcap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name).to_str().unwrap().to_string()
}

fn file(name: &str, bytes: &[u8]) -> String {
    let path = scratch(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// A frame of `len` bytes with distinct Ethernet addresses, ethertype 0x88b5 (local
/// experimental) and `action` after the header; the rest counts up.
fn frame(action: u8, len: usize) -> Vec<u8> {
    let mut f: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
    f[..6].copy_from_slice(&[2, 0, 0, 0, 0, 1]);
    f[6..12].copy_from_slice(&[2, 0, 0, 0, 0, 2]);
    f[12..14].copy_from_slice(&[0x88, 0xb5]);
    f[14] = action;
    f
}

/// The frames both captures hold: every action, a frame too short, long frames.
fn frames() -> Vec<Vec<u8>> {
    let mut list: Vec<Vec<u8>> = (0..=6).map(|a| frame(a, 60)).collect();
    list.push(frame(9, 64));
    list.push(frame(0, 60)[..15].to_vec());
    list.push(frame(0, 1000));
    list.push(frame(3, 1500));
    list.push(frame(2, 200));
    list
}

/// What xdp_pcap does to `f` arriving on `ifindex`: its verdict name and, when it passes or
/// is transmitted, its bytes afterwards.
fn expected(f: &[u8], ifindex: u32) -> (String, Option<Vec<u8>>) {
    if f.len() < 16 {
        return ("XDP_DROP".into(), None);
    }
    let mut out = f.to_vec();
    match f[14] {
        0 => {
            out[15] = ifindex as u8;
            ("XDP_PASS".into(), Some(out))
        }
        1 => ("XDP_DROP".into(), None),
        2 => {
            out[..6].copy_from_slice(&f[6..12]);
            out[6..12].copy_from_slice(&f[..6]);
            ("XDP_TX".into(), Some(out))
        }
        3 => {
            let mut pushed = vec![0xde, 0xad, 0xbe, 0xef];
            pushed.extend_from_slice(f);
            ("XDP_PASS".into(), Some(pushed))
        }
        4 => ("XDP_PASS".into(), Some(f[14..].to_vec())),
        5 => ("XDP_REDIRECT".into(), None),
        6 => ("XDP_ABORTED".into(), None),
        _ => ("7".into(), None),
    }
}

/// The verdict counts `frames` on `ifindexes` give, `times` over, as the JSON object.
fn expected_verdicts(frames: &[Vec<u8>], ifindexes: &[u32], times: u64) -> Value {
    let mut counts: BTreeMap<String, u64> = VERDICTS.iter().map(|v| (v.to_string(), 0)).collect();
    for (f, &ifindex) in frames.iter().zip(ifindexes) {
        *counts.entry(expected(f, ifindex).0).or_default() += times;
    }
    json!(counts)
}

fn timestamp(i: usize) -> Duration {
    Duration::new(1_700_000_000 + i as u64, (i as u32 + 1) * 1000)
}

/// A pcap capture of `frames` (microsecond timestamps, big endian).
fn pcap(frames: &[Vec<u8>]) -> Vec<u8> {
    let header = PcapHeader {
        snaplen: 65535,
        datalink: DataLink::ETHERNET,
        ts_resolution: TsResolution::MicroSecond,
        endianness: Endianness::Big,
        ..PcapHeader::default()
    };
    let mut w = PcapWriter::with_header(Vec::new(), header).unwrap();
    for (i, f) in frames.iter().enumerate() {
        w.write_packet(&PcapPacket::new(timestamp(i), f.len() as u32 + 4, f))
            .unwrap();
    }
    w.into_writer()
}

/// The interface id of frame `i` in the pcapng capture.
fn interface(i: usize) -> u32 {
    (i % 3) as u32
}

/// A pcapng capture of `frames` on three Ethernet interfaces, frame i on [`interface`] i.
fn pcapng(frames: &[Vec<u8>]) -> Vec<u8> {
    let mut w = PcapNgWriter::with_endianness(Vec::new(), Endianness::Little).unwrap();
    for _ in 0..3 {
        w.write_pcapng_block(InterfaceDescriptionBlock::new(DataLink::ETHERNET, 0))
            .unwrap();
    }
    for (i, f) in frames.iter().enumerate() {
        w.write_pcapng_block(EnhancedPacketBlock {
            interface_id: interface(i),
            timestamp: timestamp(i),
            original_len: f.len() as u32,
            data: Cow::Borrowed(f),
            options: vec![],
        })
        .unwrap();
    }
    w.into_inner()
}

/// The packets of a pcap file: (timestamp, original length, bytes).
fn read_pcap(bytes: &[u8]) -> Vec<(Duration, u32, Vec<u8>)> {
    let mut r = PcapReader::new(bytes).unwrap();
    let mut out = Vec::new();
    while let Some(p) = r.next_packet() {
        let p = p.unwrap();
        out.push((p.timestamp, p.orig_len, p.data.into_owned()));
    }
    out
}

/// The packets of a pcapng file: (interface id, timestamp, bytes), and how many interfaces.
fn read_pcapng(bytes: &[u8]) -> (Vec<(u32, Duration, Vec<u8>)>, usize) {
    let mut r = PcapNgReader::new(bytes).unwrap();
    let mut out = Vec::new();
    while let Some(block) = r.next_block() {
        if let Block::EnhancedPacket(p) = block.unwrap() {
            out.push((p.interface_id, p.timestamp, p.data.into_owned()));
        }
    }
    (out, r.interfaces().len())
}

fn run_json(capture: &str, engine: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "-j",
        "run",
        PROGRAM,
        "--function",
        "xdp_pcap",
        "--engine",
        engine,
        "--pcap",
        capture,
    ];
    args.extend_from_slice(extra);
    json_of(&ebpf(&args))
}

/// A map's entries from `--dump-maps` JSON as (key, value) numbers (little endian).
fn map_numbers(value: &Value, map: &str) -> BTreeMap<u64, u64> {
    let number = |hex: &Value| {
        let hex = hex.as_str().unwrap();
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        bytes
            .iter()
            .rev()
            .fold(0u64, |n, &b| (n << 8) | u64::from(b))
    };
    value["maps"][map]
        .as_array()
        .unwrap_or_else(|| panic!("map {map} in {value}"))
        .iter()
        .map(|e| (number(&e["key"]), number(&e["value"])))
        .filter(|(_, v)| *v != 0)
        .collect()
}

#[test]
fn a_pcap_capture_runs_on_both_engines_with_exact_verdicts_and_output() {
    let frames = frames();
    let input = file("all.pcap", &pcap(&frames));
    let ifindexes = vec![1; frames.len()];
    for engine in ["jit", "interp"] {
        let out = scratch(&format!("all-{engine}.out.pcap"));
        let v = run_json(&input, engine, &["--out", &out, "--dump-maps"]);
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["duration_ns", "maps", "packets", "pps", "verdicts"],
            "{v}"
        );
        assert_eq!(v["packets"], frames.len(), "{engine}");
        assert_eq!(
            v["verdicts"],
            expected_verdicts(&frames, &ifindexes, 1),
            "{engine}"
        );
        assert!(v["duration_ns"].as_u64().unwrap() > 0);
        assert!(v["pps"].as_u64().unwrap() > 0);
        let per_ifindex = map_numbers(&v, "per_ifindex");
        assert_eq!(per_ifindex, BTreeMap::from([(1, frames.len() as u64)]));

        let written = read_pcap(&std::fs::read(&out).unwrap());
        let want: Vec<(Duration, u32, Vec<u8>)> = frames
            .iter()
            .enumerate()
            .filter_map(|(i, f)| {
                let bytes = expected(f, 1).1?;
                // The 4 bytes the capture left out stay left out.
                let orig = bytes.len() as u32 + 4;
                Some((timestamp(i), orig, bytes))
            })
            .collect();
        assert_eq!(written.len(), want.len(), "{engine}");
        assert_eq!(written, want, "{engine}: --out packets");
    }
}

#[test]
fn a_pcapng_capture_gives_each_packet_its_interface() {
    let frames = frames();
    let input = file("all.pcapng", &pcapng(&frames));
    let ifindexes: Vec<u32> = (0..frames.len()).map(|i| interface(i) + 1).collect();
    for engine in ["jit", "interp"] {
        let out = scratch(&format!("all-{engine}.out.pcapng"));
        let v = run_json(&input, engine, &["--out", &out, "--dump-maps"]);
        assert_eq!(v["packets"], frames.len());
        assert_eq!(v["verdicts"], expected_verdicts(&frames, &ifindexes, 1));
        let mut per_ifindex = BTreeMap::new();
        for &ifindex in &ifindexes {
            *per_ifindex.entry(u64::from(ifindex)).or_default() += 1;
        }
        assert_eq!(map_numbers(&v, "per_ifindex"), per_ifindex, "{engine}");

        let (written, interfaces) = read_pcapng(&std::fs::read(&out).unwrap());
        assert_eq!(interfaces, 3, "the interfaces are copied");
        let want: Vec<(u32, Duration, Vec<u8>)> = frames
            .iter()
            .enumerate()
            .filter_map(|(i, f)| {
                let bytes = expected(f, ifindexes[i]).1?;
                Some((interface(i), timestamp(i), bytes))
            })
            .collect();
        assert_eq!(written, want, "{engine}: --out packets");
    }
}

#[test]
fn repeat_runs_the_capture_again_and_out_keeps_the_first_pass() {
    let frames = frames();
    let input = file("repeat.pcapng", &pcapng(&frames));
    let out = scratch("repeat.out.pcapng");
    let ifindexes: Vec<u32> = (0..frames.len()).map(|i| interface(i) + 1).collect();
    let v = run_json(&input, "jit", &["--repeat", "3", "--out", &out]);
    assert_eq!(v["packets"], 3 * frames.len());
    assert_eq!(v["verdicts"], expected_verdicts(&frames, &ifindexes, 3));
    assert!(v.get("maps").is_none(), "maps only with --dump-maps");
    let kept = frames
        .iter()
        .zip(&ifindexes)
        .filter(|(f, &i)| expected(f, i).1.is_some())
        .count();
    assert_eq!(read_pcapng(&std::fs::read(&out).unwrap()).0.len(), kept);
}

#[test]
fn text_output_lists_every_verdict_and_the_rate() {
    let frames = frames();
    let input = file("text.pcap", &pcap(&frames));
    let out = scratch("text.out.pcap");
    for engine in ["jit", "interp"] {
        let o = ebpf(&[
            "run",
            PROGRAM,
            "--function",
            "xdp_pcap",
            "--engine",
            engine,
            "--pcap",
            &input,
            "--out",
            &out,
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let text = stdout(&o);
        assert!(
            text.starts_with(&format!(
                "xdp/xdp_pcap (xdp, {engine}): {input} (pcap, {} packets)\n",
                frames.len()
            )),
            "{text}"
        );
        let want = expected_verdicts(&frames, &vec![1; frames.len()], 1);
        for (name, n) in want.as_object().unwrap() {
            assert!(
                text.contains(&format!("  {name:<12}  {n}\n")),
                "{name} {n} in {text}"
            );
        }
        assert!(
            text.contains(&format!("{} packets in ", frames.len())) && text.contains("packets/s"),
            "{text}"
        );
        let kept = frames.iter().filter(|f| expected(f, 1).1.is_some()).count();
        assert!(
            text.contains(&format!("wrote {kept} packets to {out}\n")),
            "{text}"
        );
        assert!(stderr(&o).is_empty(), "no progress bar off a terminal");
    }
}

/// Builds UDP, TCP and ARP frames for the firewall.
fn ip_frame(protocol: u8, src: [u8; 4], dport: u16, len: usize) -> Vec<u8> {
    let mut f = vec![0u8; len];
    f[12..14].copy_from_slice(&[0x08, 0x00]);
    f[14] = 0x45;
    f[23] = protocol;
    f[26..30].copy_from_slice(&src);
    f[36..38].copy_from_slice(&dport.to_be_bytes());
    f
}

#[test]
fn the_firewall_passes_and_drops_a_capture_and_counts_it_in_its_maps() {
    let mut arp = vec![0u8; 42];
    arp[12..14].copy_from_slice(&[0x08, 0x06]);
    let frames = vec![
        ip_frame(17, [10, 0, 0, 1], 53, 60),
        ip_frame(17, [10, 0, 0, 2], 53, 1024),
        ip_frame(6, [10, 0, 0, 1], 80, 60),
        arp,
        vec![0u8; 10],
        ip_frame(17, [10, 0, 0, 3], 123, 90),
        ip_frame(6, [10, 0, 0, 1], 80, 60)[..20].to_vec(),
    ];
    let input = file("firewall.pcapng", &pcapng(&frames));
    for engine in ["jit", "interp"] {
        let out = scratch(&format!("firewall-{engine}.pcapng"));
        let o = ebpf(&[
            "-j",
            "run",
            "tests/host/xdp_firewall.o",
            "--function",
            "xdp_firewall",
            "--engine",
            engine,
            "--pcap",
            &input,
            "--out",
            &out,
            "--dump-maps",
        ]);
        let v = json_of(&o);
        assert_eq!(
            v["verdicts"],
            json!({"XDP_ABORTED": 0, "XDP_DROP": 2, "XDP_PASS": 5, "XDP_TX": 0, "XDP_REDIRECT": 0}),
            "{engine}"
        );
        assert_eq!(
            map_numbers(&v, "verdicts"),
            BTreeMap::from([(1, 2), (2, 5)])
        );
        assert_eq!(
            map_numbers(&v, "udp_ports"),
            BTreeMap::from([(53, 2), (123, 1)])
        );
        let (written, _) = read_pcapng(&std::fs::read(&out).unwrap());
        let passed: Vec<&Vec<u8>> = written.iter().map(|(_, _, b)| b).collect();
        let want: Vec<&Vec<u8>> = [0, 1, 2, 3, 5].iter().map(|&i| &frames[i]).collect();
        assert_eq!(passed, want, "{engine}: unchanged");
    }
}

#[test]
fn windows_programs_count_by_the_windows_verdict_names() {
    let frames = vec![
        ip_frame(17, [10, 0, 0, 1], 53, 60),
        ip_frame(6, [10, 0, 0, 2], 80, 60),
        vec![0u8; 10],
    ];
    let input = file("windows.pcap", &pcap(&frames));
    let out = scratch("windows.out.pcap");
    for engine in ["jit", "interp"] {
        let v = json_of(&ebpf(&[
            "-j",
            "run",
            "tests/host/windows_xdp.o",
            "--platform",
            "windows",
            "--function",
            "win_firewall",
            "--engine",
            engine,
            "--pcap",
            &input,
            "--out",
            &out,
        ]));
        assert_eq!(
            v["verdicts"],
            json!({"XDP_PASS": 2, "XDP_DROP": 1, "XDP_TX": 0}),
            "{engine}"
        );
        let written: Vec<Vec<u8>> = read_pcap(&std::fs::read(&out).unwrap())
            .into_iter()
            .map(|(_, _, b)| b)
            .collect();
        assert_eq!(written, frames[..2], "{engine}");
    }
}

/// Runs xdp_pcap on `capture`; returns the output.
fn run_on(capture: &str, json: bool) -> Output {
    let mut args = vec!["run", PROGRAM, "--function", "xdp_pcap", "--pcap", capture];
    if json {
        args.insert(0, "-j");
    }
    ebpf(&args)
}

fn assert_fails(o: &Output, code: i32, needles: &[&str]) {
    assert_eq!(o.status.code(), Some(code), "{}", stderr(o));
    let message = stderr(o);
    for needle in needles {
        assert!(message.contains(needle), "`{needle}` in {message}");
    }
}

#[test]
fn broken_captures_are_bad_input_naming_the_packet() {
    let frames = frames();
    let good = pcap(&frames);

    let garbage = file("garbage.pcap", b"GET / HTTP/1.1\r\nHost: example\r\n\r\n");
    assert_fails(
        &run_on(&garbage, false),
        2,
        &["not a pcap or pcapng capture", "0x47455420"],
    );
    let o = run_on(&garbage, true);
    assert_eq!(o.status.code(), Some(2));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["error"].as_str().unwrap().contains("not a pcap"), "{v}");

    let mut version = good.clone();
    version[4..6].copy_from_slice(&9u16.to_be_bytes());
    let version = file("version.pcap", &version);
    assert_fails(
        &run_on(&version, false),
        2,
        &["malformed file header", "pcap version 9.4"],
    );

    let short_header = file("header.pcap", &good[..10]);
    assert_fails(
        &run_on(&short_header, false),
        2,
        &["malformed file header", "cut short"],
    );

    // Packet 2's captured length is absurd: its record starts after the 24-byte header and
    // packet 1's 16-byte record header and 60 bytes.
    let mut length = good.clone();
    length[100 + 8..100 + 12].copy_from_slice(&0x7fff_0000u32.to_be_bytes());
    let length = file("length.pcap", &length);
    assert_fails(
        &run_on(&length, false),
        2,
        &["packet 2 (at byte 100)", "captured length 2147418112"],
    );

    // pcapng: packet 3's block length is not a multiple of 4.
    let good_ng = pcapng(&frames);
    let offset = {
        // The section header, three interface blocks, then packets of 60-byte frames in
        // 92-byte blocks (32 bytes of block fields around the frame).
        let shb = u32::from_le_bytes(good_ng[4..8].try_into().unwrap()) as usize;
        let idb = u32::from_le_bytes(good_ng[shb + 4..shb + 8].try_into().unwrap()) as usize;
        shb + 3 * idb + 2 * 92
    };
    let mut broken = good_ng.clone();
    broken[offset + 4..offset + 8].copy_from_slice(&93u32.to_le_bytes());
    let broken = file("broken.pcapng", &broken);
    assert_fails(
        &run_on(&broken, false),
        2,
        &[&format!("packet 3 (at byte {offset})"), "block"],
    );
}

#[test]
fn a_truncated_last_packet_is_reported_and_left_out() {
    let frames = frames();
    for (name, bytes) in [("cut.pcap", pcap(&frames)), ("cut.pcapng", pcapng(&frames))] {
        let cut = file(name, &bytes[..bytes.len() - 10]);
        let o = run_on(&cut, true);
        let v = json_of(&o);
        assert_eq!(v["packets"], frames.len() - 1, "{name}");
        let warning = stderr(&o);
        assert!(
            warning.starts_with("warning: ")
                && warning.contains(&format!("packet {} (at byte", frames.len()))
                && warning.contains("cut short"),
            "{name}: {warning}"
        );
    }
}

#[test]
fn an_empty_capture_runs_no_packet() {
    let empty = pcap(&[]);
    let input = file("empty.pcap", &empty);
    let out = scratch("empty.out.pcap");
    let v = run_json(&input, "jit", &["--out", &out]);
    assert_eq!(v["packets"], 0);
    assert_eq!(v["pps"], 0);
    assert_eq!(v["verdicts"], expected_verdicts(&[], &[], 1));
    assert_eq!(std::fs::read(&out).unwrap(), empty, "the header alone");
}

#[test]
fn every_cut_and_every_flipped_byte_gives_a_capture_or_an_error_never_a_panic() {
    let frames = frames();
    for bytes in [pcap(&frames), pcapng(&frames)] {
        for len in 0..bytes.len() {
            match Capture::parse(&bytes[..len]) {
                Ok(c) => assert!(c.packets().len() < frames.len() || len == bytes.len()),
                Err(e) => assert!(!e.to_string().is_empty()),
            }
        }
        for at in 0..bytes.len() {
            let mut flipped = bytes.clone();
            flipped[at] ^= 0xff;
            if let Ok(c) = Capture::parse(&flipped) {
                let mut out = Vec::new();
                let keep: Vec<Option<Vec<u8>>> = c
                    .packets()
                    .iter()
                    .map(|p| Some(p.data().to_vec()))
                    .collect();
                // Writing what was read may fail (an option now invalid), but never panics.
                let _ = c.write(&mut out, &keep);
            }
        }
    }
}

#[test]
fn pcap_refuses_programs_that_are_not_xdp_and_conflicting_flags() {
    let input = file("flags.pcap", &pcap(&frames()));
    let o = ebpf(&["run", PROGRAM, "--function", "tc_pass", "--pcap", &input]);
    assert_fails(
        &o,
        2,
        &["--pcap runs XDP programs; this is a sched_cls program"],
    );
    let data = file("data.bin", &frame(0, 60));
    let o = ebpf(&["run", PROGRAM, "--pcap", &input, "--data", &data]);
    assert_fails(&o, 2, &["--data"]);
    let o = ebpf(&["run", PROGRAM, "--out", "x.pcap"]);
    assert_fails(&o, 2, &["--pcap"]);
    let o = ebpf(&["run", "tests/host/xdp_pcap.c", "--pcap", &input]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let missing = scratch("missing.pcap");
    let o = ebpf(&["run", PROGRAM, "--function", "xdp_pcap", "--pcap", &missing]);
    assert_fails(&o, 2, &["--pcap: cannot read"]);
}
