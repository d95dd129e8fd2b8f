//! The `ebpf` command as a careful tool, run as the built binary: a closed reader ends a command
//! quietly, exit codes are those `--help` lists, files are told apart by content, bpftool's
//! `-j`/`-p` work on every command, helpers are named in disassembly, and the committed objects
//! name their sources by relative path.

#![cfg(unix)]

use std::os::fd::{FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

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

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {}", stdout(o)))
}

/// A scratch directory unique to one test, holding `files`.
fn scratch(name: &str, files: &[(&str, &[u8])]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ebpf-careful-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (file, bytes) in files {
        std::fs::write(dir.join(file), bytes).unwrap();
    }
    dir
}

fn path(dir: &Path, file: &str) -> String {
    dir.join(file).to_str().unwrap().to_string()
}

/// A pipe whose read end is already closed: every write to the other end fails with EPIPE, so
/// the test does not depend on how much the pipe buffers or when a reader would quit.
fn closed_pipe() -> Stdio {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` is a writable array of two descriptors, as pipe(2) requires.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0, "pipe(2) failed");
    // SAFETY: pipe(2) just created both descriptors; nothing else owns them.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(read);
    Stdio::from(write)
}

/// Runs `ebpf args` with stdout a pipe nobody reads.
fn into_closed_pipe(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ebpf"))
        .args(args)
        .current_dir(repo())
        .stdout(closed_pipe())
        .stderr(Stdio::piped())
        .output()
        .expect("runs the ebpf binary")
}

const RAW_EXIT: [u8; 16] = [0xb7, 0, 0, 0, 7, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0];

#[test]
fn a_closed_reader_ends_every_command_quietly() {
    let dir = scratch("pipe", &[("p.bin", &RAW_EXIT)]);
    let raw = path(&dir, "p.bin");
    let out_bin = path(&dir, "out.bin");
    let commands: Vec<Vec<&str>> = vec![
        // Exits 1 with a reader: one program is rejected.
        vec!["verify", "tests/verify/xdp_packet.o"],
        vec!["verify", "-j", "tests/verify/map_null.o"],
        vec!["sections", "tests/programs/global_data.o"],
        vec!["sections", "--json", "tests/programs/tail_call.o"],
        vec!["disasm", "tests/programs/xdp_parser.o"],
        vec!["-p", "disasm", "tests/programs/multi_prog.o"],
        vec!["disasm", &raw],
        vec!["run", "examples/ipv4_checksum.s", "--mem", "45 00 00 14"],
        vec!["run", "--jit", &raw],
        vec!["conformance", "tests/corpus"],
        vec!["-j", "asm", "examples/ipv4_checksum.s", "-o", &out_bin],
        vec!["--help"],
        vec!["verify", "--help"],
        vec!["--version"],
    ];
    for args in &commands {
        let o = into_closed_pipe(args);
        let err = stderr(&o);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(o.status.code(), Some(0), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?} ends quietly: {err}");
    }
    // An error still gets its code and message when only stdout is closed.
    let o = into_closed_pipe(&["run", "does/not/exist.s"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read"), "{}", stderr(&o));
    // ... and nothing panics when stderr is closed too.
    let o = Command::new(env!("CARGO_BIN_EXE_ebpf"))
        .args(["run", "does/not/exist.s"])
        .stdout(closed_pipe())
        .stderr(closed_pipe())
        .status()
        .unwrap();
    assert_eq!(o.code(), Some(2));
}

#[test]
fn bad_input_exits_2_with_a_message() {
    let dir = scratch(
        "bad-input",
        &[
            ("empty.s", b""),
            ("comments.txt", b"# nothing here\n; nor here\n"),
            ("empty.bin", b""),
            ("jump_out.s", b"ja +5\nexit\n"),
        ],
    );
    std::fs::create_dir_all(dir.join("no_vectors")).unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["run".into(), path(&dir, "empty.s")], "empty"),
        (vec!["run".into(), path(&dir, "comments.txt")], "empty"),
        (vec!["run".into(), path(&dir, "empty.bin")], "empty"),
        (vec!["disasm".into(), path(&dir, "empty.bin")], "empty"),
        (
            vec![
                "asm".into(),
                path(&dir, "comments.txt"),
                "-o".into(),
                path(&dir, "x.bin"),
            ],
            "empty",
        ),
        (vec!["run".into(), path(&dir, "jump_out.s")], "jump"),
        (
            vec![
                "verify".into(),
                "tests/verify/xdp_packet.o".into(),
                "--type".into(),
                "bogus".into(),
            ],
            "unknown program type `bogus`",
        ),
        (
            vec!["conformance".into(), path(&dir, "no_vectors")],
            "no .data files",
        ),
        (vec!["run".into(), "--bogus-flag".into()], "--bogus-flag"),
    ];
    for (args, needle) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = ebpf(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
        assert!(stdout(&o).is_empty(), "{args:?}: {}", stdout(&o));
    }
    // An unknown --type names the types the platform has.
    let o = ebpf(&["verify", "tests/verify/xdp_packet.o", "--type", "bogus"]);
    assert!(stderr(&o).contains("xdp, "), "{}", stderr(&o));
}

#[test]
fn files_are_told_apart_by_content_not_name() {
    let dir = scratch(
        "content",
        &[
            ("prog.txt", b"mov %r0, 7\nexit\n"),
            // Raw bytes under a name that looks like assembly.
            ("raw.s", &RAW_EXIT),
        ],
    );
    let out = path(&dir, "out");
    let o = ebpf(&["asm", &path(&dir, "prog.txt"), "-o", &out]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(std::fs::read(&out).unwrap(), RAW_EXIT);

    for file in ["prog.txt", "raw.s", "out"] {
        let o = ebpf(&["run", &path(&dir, file)]);
        assert_eq!(o.status.code(), Some(0), "{file}: {}", stderr(&o));
        assert!(stdout(&o).starts_with("r0 = 0x7 (7)\n"), "{}", stdout(&o));
    }
    let o = ebpf(&["disasm", &path(&dir, "raw.s")]);
    assert_eq!(stdout(&o), "mov %r0, 7\nexit\n");

    // An ELF object runs as one in the execution context, whatever its name; with several
    // programs, one must be chosen.
    let object = path(&dir, "object.bin");
    std::fs::copy(repo().join("tests/verify/xdp_packet.o"), &object).unwrap();
    let o = ebpf(&["run", &object]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("2 programs match"), "{err}");
    assert!(err.contains("xdp/eth_type_checked"), "{err}");
    let o = ebpf(&["run", &object, "--function", "eth_type_checked"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("xdp/eth_type_checked (xdp, jit): retval"),
        "{}",
        stdout(&o)
    );
    let o = ebpf(&["disasm", &object, "--function", "eth_type_checked"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("xdp/eth_type_checked"),
        "{}",
        stdout(&o)
    );

    // `asm` wants text.
    let o = ebpf(&["asm", &object, "-o", &out]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("ELF object, not assembly text"));
    let o = ebpf(&["asm", &path(&dir, "raw.s"), "-o", &out]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not assembly text"), "{}", stderr(&o));
}

#[test]
fn json_flags_work_before_and_after_every_command() {
    let dir = scratch("json", &[("p.bin", &RAW_EXIT)]);
    let raw = path(&dir, "p.bin");
    let out_bin = path(&dir, "out.bin");
    let commands: Vec<Vec<&str>> = vec![
        vec!["asm", "examples/ipv4_checksum.s", "-o", &out_bin],
        vec!["disasm", &raw],
        vec!["disasm", "tests/verify/map_null.o"],
        vec!["sections", "tests/programs/global_data.o"],
        vec!["run", &raw],
        vec!["conformance", "tests/corpus"],
        vec![
            "verify",
            "tests/verify/xdp_packet.o",
            "--function",
            "eth_type_checked",
        ],
    ];
    for args in &commands {
        for flag in ["-j", "--json", "-p", "--pretty"] {
            for before in [true, false] {
                let mut all = args.clone();
                if before {
                    all.insert(0, flag);
                } else {
                    all.push(flag);
                }
                let o = ebpf(&all);
                assert_eq!(o.status.code(), Some(0), "{all:?}: {}", stderr(&o));
                let value = json(&o);
                assert!(value.is_object() || value.is_array(), "{all:?}");
                let lines = stdout(&o).lines().count();
                if flag.contains('p') {
                    assert!(lines > 1, "{all:?} is indented");
                } else {
                    assert_eq!(lines, 1, "{all:?} is one line");
                }
            }
        }
    }
    let o = ebpf(&["-j", "run", &raw]);
    assert_eq!(json(&o)["r0"], 7);
    let o = ebpf(&["-j", "asm", "examples/ipv4_checksum.s", "-o", &out_bin]);
    assert_eq!(json(&o)["output"], out_bin.as_str());
    let o = ebpf(&["conformance", "tests/corpus", "-j"]);
    let value = json(&o);
    assert!(value["passed"].as_u64().unwrap() > 50, "{value}");
    assert_eq!(value["failed"], 0);
}

#[test]
fn errors_under_json_are_objects_on_stdout_with_the_same_exit_code() {
    let dir = scratch("json-errors", &[("oob.s", b"ldxw %r0, [%r1+2]\nexit\n")]);
    let cases: Vec<(Vec<String>, i32, &str)> = vec![
        (
            vec!["run".into(), "no/such/file.s".into()],
            2,
            "cannot read",
        ),
        (vec!["run".into(), path(&dir, "oob.s")], 1, "out-of-bounds"),
        (
            vec!["sections".into(), "tests/programs/core_enum.o".into()],
            2,
            "enumval_value",
        ),
        (
            vec![
                "verify".into(),
                "tests/verify/xdp_packet.o".into(),
                "--type".into(),
                "bogus".into(),
            ],
            2,
            "bogus",
        ),
        (vec!["run".into(), "--bogus-flag".into()], 2, "--bogus-flag"),
        (vec!["frobnicate".into()], 2, "frobnicate"),
    ];
    for (args, code, needle) in &cases {
        for flag in ["-j", "-p"] {
            let mut all: Vec<&str> = vec![flag];
            all.extend(args.iter().map(String::as_str));
            let o = ebpf(&all);
            assert_eq!(o.status.code(), Some(*code), "{all:?}");
            let value = json(&o);
            let message = value["error"].as_str().unwrap_or_else(|| panic!("{value}"));
            assert!(message.contains(needle), "{all:?}: {message}");
            assert!(stderr(&o).is_empty(), "{all:?}: {}", stderr(&o));
        }
    }
    // A rejection is in the verdicts themselves: one document, exit 1.
    let o = ebpf(&["verify", "tests/verify/xdp_packet.o", "-j"]);
    assert_eq!(o.status.code(), Some(1));
    let verdicts = json(&o);
    assert_eq!(verdicts[1]["accepted"], false);
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    // A call of an undefined function rejects that program only, naming the symbol and line.
    let o = ebpf(&["verify", "tests/programs/extern_call.o", "-j"]);
    assert_eq!(o.status.code(), Some(1));
    let verdicts = json(&o);
    assert_eq!(verdicts[0]["function"], "xdp_extern");
    assert_eq!(verdicts[0]["accepted"], false);
    let error = &verdicts[0]["errors"][0];
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("symbol not_defined_anywhere"),
        "{error}"
    );
    assert_eq!(error["pc"], 1);
    assert!(
        error["source"].to_string().contains("extern_call.c"),
        "{error}"
    );
    assert_eq!(verdicts[1]["function"], "xdp_plain");
    assert_eq!(verdicts[1]["accepted"], true);
}

#[test]
fn disassembly_names_helpers_and_reassembles() {
    let o = ebpf(&["disasm", "tests/verify/map_null.o"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("call bpf_map_lookup_elem#1"),
        "{}",
        stdout(&o)
    );
    let o = ebpf(&["-j", "disasm", "tests/verify/map_null.o"]);
    let texts: Vec<String> = json(&o)[0]["insns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["text"].as_str().unwrap().to_string())
        .collect();
    assert!(
        texts.iter().any(|t| t == "call bpf_map_lookup_elem#1"),
        "{texts:?}"
    );

    // Raw bytes: named on the chosen platform, and the text assembles back to the same bytes.
    let dir = scratch(
        "helpers",
        &[("p.s", b"mov %r1, 2\ncall 1\ncall 999999\nexit\n")],
    );
    let bin = path(&dir, "p.bin");
    assert!(ebpf(&["asm", &path(&dir, "p.s"), "-o", &bin])
        .status
        .success());
    let o = ebpf(&["disasm", &bin]);
    let text = stdout(&o);
    assert!(text.contains("call bpf_map_lookup_elem#1\n"), "{text}");
    assert!(
        text.contains("call 999999\n"),
        "unknown ids stay numeric: {text}"
    );
    let again = path(&dir, "again.s");
    std::fs::write(&again, &text).unwrap();
    let bin2 = path(&dir, "again.bin");
    assert!(ebpf(&["asm", &again, "-o", &bin2]).status.success());
    assert_eq!(std::fs::read(&bin).unwrap(), std::fs::read(&bin2).unwrap());
    let o = ebpf(&["disasm", &bin, "--platform", "windows"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// Every key of `value`, recursively.
fn keys(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                out.push(k.clone());
                keys(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| keys(v, out)),
        _ => {}
    }
}

fn is_snake_case(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[test]
fn sections_json_lists_maps_and_license_in_snake_case() {
    let o = ebpf(&["sections", "--json", "tests/programs/global_data.o"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let value = json(&o);
    assert_eq!(value["license"], "Dual BSD/GPL");
    let maps = value["maps"].as_array().unwrap();
    let rodata = maps.iter().find(|m| m["name"] == ".rodata").unwrap();
    for key in [
        "name",
        "type",
        "key_size",
        "value_size",
        "max_entries",
        "flags",
    ] {
        assert!(!rodata[key].is_null(), "{key}: {rodata}");
    }
    assert_eq!(rodata["type"], "array");
    assert_eq!(rodata["flags"], 0x80);
    assert_eq!(rodata["origin"], "global_data");
    assert_eq!(value["programs"][0]["function"], "tc_count");

    // Keys and names are snake_case in every object of the repository.
    for dir in ["tests/programs", "tests/verify"] {
        for entry in std::fs::read_dir(repo().join(dir)).unwrap() {
            let file = entry.unwrap().path();
            if file.extension().and_then(|e| e.to_str()) != Some("o") {
                continue;
            }
            let o = ebpf(&["-j", "sections", file.to_str().unwrap()]);
            if o.status.code() != Some(0) {
                continue; // objects the loader refuses (core_enum.o)
            }
            let value = json(&o);
            let mut all = Vec::new();
            keys(&value, &mut all);
            for key in &all {
                assert!(is_snake_case(key), "{}: key {key}", file.display());
            }
            for program in value["programs"].as_array().unwrap() {
                for field in ["program_type", "attach_type"] {
                    if let Some(name) = program[field].as_str() {
                        assert!(is_snake_case(name), "{}: {field} {name}", file.display());
                    }
                }
            }
            for map in value["maps"].as_array().unwrap() {
                for field in ["type", "origin"] {
                    let name = map[field].as_str().unwrap();
                    assert!(is_snake_case(name), "{}: {field} {name}", file.display());
                }
            }
        }
    }
    let o = ebpf(&["-j", "sections", "tests/programs/connect4.o"]);
    assert_eq!(
        json(&o)["programs"][0]["attach_type"],
        "cgroup_inet4_connect"
    );
}

#[test]
fn source_lines_are_relative_to_the_repository() {
    let o = ebpf(&["verify", "tests/verify/xdp_packet.o"]);
    let text = stdout(&o);
    assert!(
        text.contains("    at tests/verify/xdp_packet.c:27:"),
        "{text}"
    );
    let o = ebpf(&["disasm", "tests/programs/bpf2bpf_static.o", "-j"]);
    let first = &json(&o)[0]["insns"][0]["source"]["file"];
    assert_eq!(first, "tests/programs/bpf2bpf_static.c");
}

/// The printable runs of at least `min` bytes in `bytes`, as `strings` finds them.
fn strings(bytes: &[u8], min: usize) -> Vec<String> {
    bytes
        .split(|b| !(0x20..0x7f).contains(b))
        .filter(|run| run.len() >= min)
        .map(|run| String::from_utf8_lossy(run).into_owned())
        .collect()
}

#[test]
fn committed_objects_hold_no_build_path() {
    let mut checked = 0;
    for dir in ["tests/programs", "tests/verify"] {
        for entry in std::fs::read_dir(repo().join(dir)).unwrap() {
            let file = entry.unwrap().path();
            if file.extension().and_then(|e| e.to_str()) != Some("o") {
                continue;
            }
            let bytes = std::fs::read(&file).unwrap();
            for s in strings(&bytes, 4) {
                // System headers are the same on every machine; nothing else may be absolute.
                let absolute = s.starts_with('/') && !s.starts_with("/usr/include");
                assert!(!absolute, "{} holds the path {s}", file.display());
            }
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} objects");
}
