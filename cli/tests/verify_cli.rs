//! `ebpf verify` end to end on the committed objects of tests/verify (built by its build.sh):
//! verdicts, source lines in the messages, the JSON keys, filters and exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn ebpf(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ebpf"))
        .args(args)
        .output()
        .expect("runs the ebpf binary")
}

fn object(name: &str) -> String {
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/verify")
        .join(name);
    path.to_str().unwrap().to_string()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn safe_program_is_accepted_and_exit_0() {
    let o = ebpf(&[
        "verify",
        &object("xdp_packet.o"),
        "--function",
        "eth_type_checked",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    let out = text(&o.stdout);
    assert!(
        out.contains("xdp/eth_type_checked (xdp): accepted"),
        "{out}"
    );
    assert!(out.contains("1 program: 1 accepted, 0 rejected"), "{out}");
}

#[test]
fn off_by_one_packet_read_is_rejected_with_its_source_line() {
    let o = ebpf(&[
        "verify",
        &object("xdp_packet.o"),
        "--function",
        "eth_type_off_by_one",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o.stdout);
    assert!(out.contains("eth_type_off_by_one (xdp): rejected"), "{out}");
    assert!(out.contains("packet access out of bounds"), "{out}");
    assert!(
        out.contains("packet_size"),
        "the message names the analysis terms: {out}"
    );
    assert!(
        out.contains("xdp_packet.c:27:"),
        "the message names the source line: {out}"
    );
    assert!(
        out.contains("eth->h_proto"),
        "the message quotes the source: {out}"
    );
}

#[test]
fn missing_null_check_is_rejected() {
    let o = ebpf(&["verify", &object("map_null.o")]);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o.stdout);
    assert!(out.contains("count_checked (xdp): accepted"), "{out}");
    assert!(out.contains("count_unchecked (xdp): rejected"), "{out}");
    assert!(out.contains("may be null"), "{out}");
    assert!(out.contains("2 programs: 1 accepted, 1 rejected"), "{out}");
}

#[test]
fn json_has_the_contract_keys() {
    let o = ebpf(&["verify", &object("map_null.o"), "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("stdout is JSON");
    let programs = v.as_array().expect("a JSON array");
    assert_eq!(programs.len(), 2);
    for p in programs {
        for key in ["section", "function", "accepted", "errors", "time_ms"] {
            assert!(p.get(key).is_some(), "missing {key} in {p}");
        }
    }
    let bad = programs
        .iter()
        .find(|p| p["function"] == "count_unchecked")
        .unwrap();
    assert_eq!(bad["accepted"], false);
    let first = &bad["errors"][0];
    assert!(
        first["pc"].is_u64() && first["message"].is_string(),
        "{first}"
    );
    assert_eq!(first["source"]["line"], 29, "{first}");
    let good = programs
        .iter()
        .find(|p| p["function"] == "count_checked")
        .unwrap();
    assert_eq!(good["accepted"], true);
    assert_eq!(good["errors"].as_array().unwrap().len(), 0);
    // No loops: the bound is at most the program's length.
    let bound = good["instruction_bound"]
        .as_u64()
        .expect("a bound when accepted");
    assert!(bound > 0 && bound < 100, "{good}");
    assert!(bad.get("instruction_bound").is_none(), "{bad}");
}

#[test]
fn invariants_are_printed_on_request() {
    let o = ebpf(&[
        "verify",
        &object("xdp_packet.o"),
        "--function",
        "eth_type_checked",
        "--invariants",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let out = text(&o.stdout);
    assert!(out.contains("pc 0:"), "{out}");
    assert!(
        out.lines()
            .filter(|l| l.trim_start().starts_with("pc "))
            .count()
            >= 5,
        "{out}"
    );
}

#[test]
fn unloadable_object_and_unknown_function_exit_2() {
    let dir = std::env::temp_dir().join(format!("ebpf-verify-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let junk = dir.join("junk.o");
    std::fs::write(&junk, b"\x7fELF this is not really an object").unwrap();
    let o = ebpf(&["verify", junk.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("junk.o"), "{err}");

    let o = ebpf(&[
        "verify",
        &object("map_null.o"),
        "--function",
        "no_such_function",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("no_such_function"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn map_in_map_lookup_is_accepted_with_the_inner_template() {
    // The loader's inner map template reaches the verifier: the outer lookup gives an inner
    // array map, whose 4-byte values the program reads.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/programs/map_in_map.o");
    let o = ebpf(&["verify", path.to_str().unwrap()]);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}{}", text(&o.stderr));
    assert!(out.contains("xdp/xdp_map_in_map (xdp): accepted"), "{out}");
}

/// A section that implies no type is typed by the file name where the platform has a
/// convention (Cilium's `bpf_xdp*.o`), and the verdict says so: no `--type` needed.
#[test]
fn untyped_sections_are_typed_by_the_file_name_and_say_so() {
    let dir = std::env::temp_dir().join(format!("ebpf-verify-path-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let copy = dir.join("bpf_xdp_copy.o");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/programs/bpf2bpf_global.o"),
        &copy,
    )
    .unwrap();
    let o = ebpf(&[
        "verify",
        copy.to_str().unwrap(),
        "--function",
        "packet_budget",
    ]);
    let out = text(&o.stdout);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        out.contains(".text/packet_budget (xdp, by the file name):"),
        "{out}"
    );
}

#[test]
fn callbacks_are_verified_as_functions() {
    let o = ebpf(&["verify", &object("callbacks.o")]);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o.stdout);
    for accepted in ["loop_sum", "for_each_sum", "for_each_reset"] {
        assert!(
            out.contains(&format!("{accepted} (xdp): accepted")),
            "{out}"
        );
    }
    assert!(out.contains("loop_bad_return (xdp): rejected"), "{out}");
    assert!(out.contains("it must return 0 or 1"), "{out}");
    assert!(
        out.contains("callbacks.c:76:"),
        "the source line of `return 2`: {out}"
    );
}

#[test]
fn spin_locks_must_be_released() {
    let o = ebpf(&["verify", &object("spin_lock.o")]);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o.stdout);
    assert!(out.contains("locked_count (sched_cls): accepted"), "{out}");
    assert!(out.contains("locked_total (sched_cls): accepted"), "{out}");
    assert!(
        out.contains("unlock_missing (sched_cls): rejected"),
        "{out}"
    );
    assert!(out.contains("exits while a spin lock may be held"), "{out}");
}

#[test]
fn the_socket_of_a_packet_is_read_but_not_released() {
    let o = ebpf(&["verify", &object("skb_sk.o")]);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o.stdout);
    assert!(out.contains("skb_sk_state (sched_cls): accepted"), "{out}");
    assert!(
        out.contains("skb_sk_release (sched_cls): rejected"),
        "{out}"
    );
    assert!(
        out.contains("skb_sk.c:36:"),
        "the line of bpf_sk_release: {out}"
    );
}
