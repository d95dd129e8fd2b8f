//! `ebpf sections` and `ebpf disasm FILE.o`, run as the built binary on our C test programs.

use std::path::PathBuf;
use std::process::{Command, Output};

fn program(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/programs")
        .join(name)
}

fn ebpf(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ebpf"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

#[test]
fn sections_text_lists_programs_and_maps() {
    let path = program("global_data.o");
    let out = ebpf(&["sections", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let program_line = text.lines().find(|l| l.contains("tc_count")).unwrap();
    let fields: Vec<&str> = program_line.split_whitespace().collect();
    assert_eq!(
        fields,
        [
            "tc",
            "tc_count",
            "sched_cls",
            "21",
            "insns",
            "maps:",
            ".data,.rodata,.bss"
        ]
    );
    assert!(text.contains("#1   .rodata"), "{text}");
    assert!(text.contains("flags 0x80"), "{text}");
    assert!(text.contains("license: Dual BSD/GPL"), "{text}");
}

#[test]
fn sections_json_has_one_object_per_program_and_map() {
    let path = program("tail_call.o");
    let out = ebpf(&["sections", path.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let value: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let programs = value["programs"].as_array().unwrap();
    let summary: Vec<(String, String, String, u64)> = programs
        .iter()
        .map(|p| {
            (
                p["section"].as_str().unwrap().to_string(),
                p["function"].as_str().unwrap().to_string(),
                p["program_type"].as_str().unwrap().to_string(),
                p["instructions"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected = [
        ("xdp/0", "xdp_even", "xdp", 2),
        ("xdp/1", "xdp_odd", "xdp", 2),
        ("xdp", "xdp_dispatch", "xdp", 9),
    ];
    let expected: Vec<(String, String, String, u64)> = expected
        .iter()
        .map(|(s, f, t, n)| (s.to_string(), f.to_string(), t.to_string(), *n))
        .collect();
    assert_eq!(summary, expected);
    assert_eq!(programs[2]["maps"][0]["name"], "jump_table");
    assert_eq!(programs[2]["maps"][0]["type"], "prog_array");
    assert_eq!(programs[2]["map_refs"][0]["pc"], 4);
    let map = &value["maps"][0];
    assert_eq!(map["name"], "jump_table");
    assert_eq!(map["type"], "prog_array");
    assert_eq!(map["max_entries"], 4);
    assert_eq!(map["initial_values"][0]["program"], "xdp_even");
    assert!(value["license"].is_string(), "{value}");
}

#[test]
fn sections_for_the_windows_platform() {
    let path = program("windows_maps.o");
    let path = path.to_str().unwrap();
    let out = ebpf(&["sections", path, "--platform", "windows", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    let value: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(value["programs"][0]["program_type"], "sock_addr");
    assert_eq!(value["programs"][0]["attach_type"], "cgroup_inet6_connect");
    assert_eq!(
        value["programs"][1]["attach_type"],
        "cgroup_inet4_recv_accept"
    );
    // Windows numbers map types differently: 7 is an array of maps, not Linux's stack trace.
    assert_eq!(value["programs"][1]["maps"][0]["type"], "array_of_maps");
    let linux = ebpf(&["sections", path]);
    assert!(stdout(&linux).contains("stack_trace"), "{}", stdout(&linux));
}

#[test]
fn layout_is_a_deprecated_alias_of_platform() {
    let path = program("windows_maps.o");
    let path = path.to_str().unwrap();
    let out = ebpf(&["sections", path, "--layout", "windows"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("array_of_maps"), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("--layout is deprecated"),
        "{}",
        stderr(&out)
    );
    assert!(!ebpf(&["--help"]).stdout.is_empty());
    let help = stdout(&ebpf(&["sections", "--help"]));
    assert!(
        help.contains("--platform") && !help.contains("--layout"),
        "{help}"
    );
    let out = ebpf(&["verify", path, "--layout", "windows", "--platform", "linux"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("contradicts"), "{}", stderr(&out));
}

#[test]
fn unloadable_object_exits_2_with_one_line() {
    for (file, needle) in [
        (program("extern_call.o"), "symbol not_defined_anywhere"),
        (program("core_enum.o"), "CO-RE relocation enumval_value"),
        (program("common.h"), "malformed ELF object"),
        (program("does_not_exist.o"), "cannot read"),
    ] {
        for json in [false, true] {
            let mut args = vec!["sections", file.to_str().unwrap()];
            if json {
                args.push("--json");
            }
            let out = ebpf(&args);
            assert_eq!(out.status.code(), Some(2), "{}", file.display());
            if json {
                // bpftool's convention: the error as JSON on stdout, nothing on stderr.
                let value: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
                let err = value["error"].as_str().unwrap();
                assert!(err.contains(needle), "{err}");
                assert!(stderr(&out).is_empty(), "{}", stderr(&out));
            } else {
                let err = stderr(&out);
                assert_eq!(err.lines().count(), 1, "{err}");
                assert!(err.contains(needle), "{err}");
                assert!(stdout(&out).is_empty());
            }
        }
    }
}

#[test]
fn disasm_interleaves_source_lines() {
    let path = program("bpf2bpf_static.o");
    let out = ebpf(&["disasm", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "xdp/xdp_static_calls (xdp, 20 instructions):");
    assert_eq!(lines[1], "<xdp_static_calls>:");
    assert_eq!(lines[2], ";     int n = ctx->data_end - ctx->data;");
    assert_eq!(lines[3].trim(), "0:  ldxw %r2, [%r1]");
    assert!(text.contains("call local fn_11"), "{text}");
    assert!(text.contains("<square>:\n"), "{text}");
    assert!(text.contains(";     return x * x;\n"), "{text}");
}

#[test]
fn disasm_selects_section_and_function() {
    let path = program("multi_prog.o");
    let out = ebpf(&[
        "disasm",
        path.to_str().unwrap(),
        "--function",
        "probe_open_b",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("kprobe/do_sys_open/probe_open_b (kprobe, 13 instructions):"),
        "{text}"
    );
    assert!(!text.contains("probe_open_a"), "{text}");
    assert!(text.contains("; map calls"), "{text}");
    let out = ebpf(&[
        "disasm",
        path.to_str().unwrap(),
        "--section",
        "kprobe/do_sys_open",
    ]);
    let text = stdout(&out);
    assert_eq!(text.matches("instructions):").count(), 2, "{text}");
    let out = ebpf(&["disasm", path.to_str().unwrap(), "--function", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("no program matches function nope"), "{err}");
    assert!(err.contains("kprobe/do_sys_open/probe_open_a"), "{err}");
}

#[test]
fn disasm_global_data_names_the_map() {
    let path = program("global_data.o");
    let out = ebpf(&["disasm", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("lddw %r1, map_value 2, 8  ; .bss + 8"),
        "{text}"
    );
}

#[test]
fn section_filter_on_a_non_elf_file_is_bad_input() {
    let path = program("common.h");
    let out = ebpf(&["disasm", path.to_str().unwrap(), "--section", "xdp"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("apply to ELF objects only"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn undecodable_program_is_listed_but_not_disassembled() {
    // xdp_parser.o with its first instruction's opcode replaced by an undefined one (0xff).
    let mut bytes = std::fs::read(program("xdp_parser.o")).unwrap();
    let object = ebpf_loader::Object::parse(&bytes, &ebpf_loader::LoadOptions::default()).unwrap();
    let first = &object.programs()[0].code[..16];
    let at = bytes.windows(16).position(|w| w == first).unwrap();
    bytes[at] = 0xff;
    let dir = std::env::temp_dir().join(format!("ebpf-loader-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad_opcode.o");
    std::fs::write(&path, &bytes).unwrap();

    let out = ebpf(&["sections", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("(does not decode: section xdp offset 0x0 (pc 0) symbol xdp_parse: invalid instruction: unknown opcode 0xff)"),
        "{text}"
    );
    let out = ebpf(&["sections", path.to_str().unwrap(), "--json"]);
    let value: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(value["programs"][0]["decode_error"]
        .as_str()
        .unwrap()
        .contains("unknown opcode 0xff"));
    let out = ebpf(&["disasm", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("xdp/xdp_parse: section xdp offset 0x0"),
        "{}",
        stderr(&out)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
