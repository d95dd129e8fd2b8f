//! `ebpf verify` and `ebpf run` on the objects whose `memcpy`, `memmove`, `memset` and
//! `memcmp` calls clang left undefined (`tests/host/builtins_{linux,windows}.c`), run as the
//! built binary: the builtin programs are accepted and run, the unsafe one and the one calling
//! `strlen` are rejected alone.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}): {}",
            String::from_utf8_lossy(&o.stdout)
        )
    })
}

const OBJECTS: [(&str, &str); 2] = [
    ("linux", "tests/host/builtins_linux.o"),
    ("windows", "tests/host/builtins_windows.o"),
];

#[test]
fn verify_accepts_the_builtin_calls() {
    for (platform, file) in OBJECTS {
        let o = ebpf(&["verify", file, "--platform", platform, "-j"]);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{file}: two programs are rejected"
        );
        let verdicts = json(&o);
        let verdict = |f: &str| {
            verdicts
                .as_array()
                .unwrap()
                .iter()
                .find(|v| v["function"] == f)
                .unwrap_or_else(|| panic!("{file}: {f}"))
                .clone()
        };
        for f in ["bt_map", "bt_stack", "bt_packet"] {
            assert_eq!(verdict(f)["accepted"], true, "{file} {f}: {}", verdict(f));
        }
        let unbounded = verdict("bt_unbounded");
        assert_eq!(unbounded["accepted"], false);
        let error = &unbounded["errors"][0];
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .contains("memcpy argument r3: size"),
            "{error}"
        );
        assert!(
            error["source"].to_string().contains("builtins.h"),
            "{error}"
        );
        let strlen = verdict("bt_strlen");
        assert_eq!(strlen["accepted"], false);
        assert!(
            strlen["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("symbol strlen"),
            "{strlen}"
        );
    }
}

#[test]
fn run_gives_the_same_result_on_both_engines() {
    let dir = std::env::temp_dir().join(format!("ebpf-builtins-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let data = dir.join("packet.bin");
    let mut frame = vec![0x42u8; 64];
    frame[10] = 0x43;
    std::fs::write(&data, &frame).unwrap();
    let data = data.to_str().unwrap();
    for (platform, file) in OBJECTS {
        for engine in ["interp", "jit"] {
            let o = ebpf(&[
                "run",
                file,
                "--platform",
                platform,
                "--function",
                "bt_stack",
                "--engine",
                engine,
                "--data",
                data,
                "-j",
            ]);
            assert_eq!(o.status.code(), Some(0), "{file} {engine}");
            // The packet sorts after 64 bytes of 0x42.
            assert_eq!(json(&o)["retval"], 3, "{file} {engine}");
            let o = ebpf(&[
                "run",
                file,
                "--platform",
                platform,
                "--function",
                "bt_packet",
                "--engine",
                engine,
                "--data",
                data,
                "-j",
            ]);
            assert_eq!(o.status.code(), Some(0), "{file} {engine}");
            let out = json(&o)["data_out"].as_str().unwrap().to_string();
            // Byte 0 set to 0xee, bytes [0, 16) moved up one: byte 11 is the 0x43.
            let want: String = {
                let mut w = frame.clone();
                w.copy_within(0..16, 1);
                w[0] = 0xee;
                w.iter().map(|b| format!("{b:02x}")).collect()
            };
            assert_eq!(out, want, "{file} {engine}");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
