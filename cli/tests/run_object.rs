//! `ebpf run FILE.o`: objects run in the execution context, on both engines, with the JSON
//! keys and exit codes `--help` lists.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

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

fn json_of(o: &Output) -> Value {
    assert_eq!(o.status.code(), Some(0), "{}", stderr(o));
    serde_json::from_slice(&o.stdout).expect("one JSON document")
}

/// A file holding `bytes` in a scratch directory of this test process.
fn file(name: &str, bytes: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("ebpf-run-object-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_str().unwrap().to_string()
}

/// A UDP frame from 192.168.1.1 to port 53, 60 bytes.
fn udp_frame() -> Vec<u8> {
    let mut f = vec![0u8; 60];
    f[12..14].copy_from_slice(&[0x08, 0x00]);
    f[14] = 0x45;
    f[23] = 17;
    f[26..30].copy_from_slice(&[192, 168, 1, 1]);
    f[36..38].copy_from_slice(&53u16.to_be_bytes());
    f
}

#[test]
fn the_firewall_runs_with_its_tail_call_on_both_engines_alike() {
    let data = file("udp.bin", &udp_frame());
    let mut seen = Vec::new();
    for engine in ["interp", "jit"] {
        let o = ebpf(&[
            "-j",
            "run",
            "tests/host/xdp_firewall.o",
            "--function",
            "xdp_firewall",
            "--data",
            &data,
            "--repeat",
            "3",
            "--dump-maps",
            "--engine",
            engine,
        ]);
        let mut v = json_of(&o);
        assert!(v["duration_ns"].as_u64().is_some());
        assert_eq!(v["engine"], engine);
        v["duration_ns"] = json!(0);
        v["engine"] = json!("");
        seen.push(v);
    }
    assert_eq!(seen[0], seen[1], "the engines agree");
    let v = &seen[0];
    assert_eq!(v["section"], "xdp");
    assert_eq!(v["function"], "xdp_firewall");
    assert_eq!(v["program_type"], "xdp");
    assert_eq!(v["retval"], 2);
    assert_eq!(v["verdict"], "XDP_PASS");
    assert_eq!(v["repeat"], 3);
    assert_eq!(v["data_out"].as_str().unwrap().len(), 120);
    let maps = &v["maps"];
    assert_eq!(
        maps["per_source"],
        json!([{ "key": "c0a80101", "value": "0300000000000000" }])
    );
    assert_eq!(
        maps["udp_ports"],
        json!([{ "key": "3500", "value": "0300000000000000" }]),
        "counted by xdp_udp, reached by the tail call"
    );
    assert_eq!(maps["verdicts"][2]["value"], "0300000000000000");
    assert_eq!(maps["blocked"], json!([]));
}

#[test]
fn text_output_names_the_verdict_and_prints_what_the_program_printed() {
    let o = ebpf(&[
        "run",
        "tests/host/helpers.o",
        "--function",
        "xdp_printk",
        "--data",
        &file("zeros.bin", &[0; 60]),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "xdp/xdp_printk (xdp, jit): retval 1 (0x1) XDP_DROP"
    );
    assert!(lines[1].starts_with("1 run, "), "{text}");
    assert!(lines.contains(&"trace: len 60"), "{text}");
}

#[test]
fn windows_programs_run_with_windows_semantics() {
    let o = ebpf(&[
        "-j",
        "run",
        "--platform",
        "windows",
        "tests/host/windows_xdp.o",
        "--function",
        "win_chain",
        "--dump-maps",
        "--data",
        &file("frame14.bin", &[0; 14]),
    ]);
    let v = json_of(&o);
    assert_eq!(
        v["retval"].as_u64().unwrap() as i32,
        -27,
        "no more tail calls"
    );
    assert_eq!(v["verdict"], Value::Null);
    assert_eq!(v["maps"]["chain_runs"][0]["value"], "22000000", "34 runs");
}

#[test]
fn bad_requests_exit_2_and_rejections_1() {
    let frame = file("frame.bin", &udp_frame());
    let cases: &[(&[&str], i32, &str)] = &[
        (&["run", "tests/host/xdp_firewall.o"], 2, "2 programs match"),
        (
            &["run", "tests/host/xdp_firewall.o", "--function", "nope"],
            2,
            "no program matches",
        ),
        (
            &["run", "tests/programs/ringbuf.o"],
            2,
            "helper bpf_get_current_pid_tgid (14) has no implementation",
        ),
        (
            &[
                "run",
                "tests/host/bench.o",
                "--function",
                "xdp_empty",
                "--mem",
                "00",
            ],
            2,
            "--mem is for raw instructions",
        ),
        (
            &[
                "run",
                "tests/host/bench.o",
                "--function",
                "xdp_empty",
                "--ctx",
                &frame,
            ],
            2,
            "60 context bytes given, the xdp context has 24",
        ),
        (
            &[
                "run",
                "tests/host/bench.o",
                "--function",
                "xdp_empty",
                "--data",
                "no/such",
            ],
            2,
            "--data: cannot read no/such",
        ),
        (
            &["run", "examples/ipv4_checksum.s", "--data", &frame],
            2,
            "--data applies to ELF objects only",
        ),
        (
            &[
                "run",
                "tests/verify/map_null.o",
                "--function",
                "count_unchecked",
            ],
            1,
            "rejected by the verifier",
        ),
    ];
    for (args, code, message) in cases {
        let o = ebpf(args);
        assert_eq!(o.status.code(), Some(*code), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(message), "{args:?}: {}", stderr(&o));
    }
}
