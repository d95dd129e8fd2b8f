//! `ebpf keygen`, `ebpf compile` and `ebpf run FILE.ebpf`: key files, images that run as their
//! objects do, and exit code 2 naming the cause for a wrong key, a missing signature, a
//! changed byte and a platform hash mismatch.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ebpf_kernel_host::image::{self, NativeImage};
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

/// A fresh scratch directory for one test.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ebpf-images-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A UDP frame from 192.168.1.1 to port 53, 60 bytes.
fn udp_frame(dir: &Path) -> PathBuf {
    let mut f = vec![0u8; 60];
    f[12..14].copy_from_slice(&[0x08, 0x00]);
    f[14] = 0x45;
    f[23] = 17;
    f[26..30].copy_from_slice(&[192, 168, 1, 1]);
    f[36..38].copy_from_slice(&53u16.to_be_bytes());
    let path = dir.join("udp.bin");
    std::fs::write(&path, f).unwrap();
    path
}

/// Makes key pair `name` in `dir`; returns the secret key's path.
fn keygen(dir: &Path, name: &str) -> PathBuf {
    let key = dir.join(name);
    let v = json_of(&ebpf(&["-j", "keygen", "-o", s(&key)]));
    assert_eq!(v["public_key"], format!("{}.pub", key.display()));
    key
}

#[test]
fn keygen_writes_a_pair_and_keeps_existing_files() {
    let dir = scratch("keygen");
    let key = keygen(&dir, "k");
    let secret = ebpf_cli::image::read_secret(&key).unwrap();
    let public = ebpf_cli::image::read_public(&dir.join("k.pub")).unwrap();
    assert_eq!(image::public_key(&secret), public);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&key).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "the secret key is the owner's only");
    let again = ebpf(&["keygen", "-o", s(&key)]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("exists; pass --force"),
        "{}",
        stderr(&again)
    );
    assert_eq!(ebpf_cli::image::read_secret(&key).unwrap(), secret, "kept");
    json_of(&ebpf(&["-j", "keygen", "-o", s(&key), "--force"]));
    assert_ne!(ebpf_cli::image::read_secret(&key).unwrap(), secret);
    let wrong = ebpf_cli::image::read_public(&key).unwrap_err().to_string();
    assert!(wrong.contains("not a ebpf-ed25519-public-key"), "{wrong}");
}

#[test]
fn a_compiled_image_runs_as_its_object_does() {
    let dir = scratch("roundtrip");
    let key = keygen(&dir, "k");
    let public = format!("{}.pub", key.display());
    let data = udp_frame(&dir);
    for (object, function) in [
        ("tests/host/xdp_firewall.o", "xdp_firewall"),
        ("tests/host/tail_calls.o", "chain"),
        ("tests/host/maps.o", "xdp_hash"),
    ] {
        let out = dir.join("image.ebpf");
        let v = json_of(&ebpf(&[
            "-j",
            "compile",
            object,
            "-o",
            s(&out),
            "--key",
            s(&key),
        ]));
        assert_eq!(v["signed"], true);
        assert_eq!(v["platform"], "linux");
        assert!(v["programs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["function"] == function));
        let run = |file: &str, extra: &[&str]| {
            let mut args = vec![
                "-j",
                "run",
                file,
                "--function",
                function,
                "--data",
                s(&data),
                "--repeat",
                "2",
                "--dump-maps",
            ];
            args.extend(extra);
            let mut v = json_of(&ebpf(&args));
            v["duration_ns"] = json!(0);
            v
        };
        let from_image = run(s(&out), &["--pubkey", &public]);
        assert_eq!(from_image, run(object, &["--engine", "jit"]), "{object}");
        assert_eq!(from_image["engine"], "jit");
    }
}

/// Runs `image` with `args`; asserts exit 2 and an error containing `cause`.
fn refused(image: &Path, args: &[&str], cause: &str) {
    let mut all = vec!["run", s(image), "--function", "chain"];
    all.extend(args);
    let o = ebpf(&all);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains(cause), "{cause}: {}", stderr(&o));
}

#[test]
fn wrong_keys_missing_signatures_changed_bytes_and_platforms_exit_2() {
    let dir = scratch("refused");
    let key = keygen(&dir, "k");
    let other = keygen(&dir, "other");
    let public = format!("{}.pub", key.display());
    let other_public = format!("{}.pub", other.display());
    let signed = dir.join("signed.ebpf");
    let unsigned = dir.join("unsigned.ebpf");
    let object = "tests/host/tail_calls.o";
    json_of(&ebpf(&[
        "-j",
        "compile",
        object,
        "-o",
        s(&signed),
        "--key",
        s(&key),
    ]));
    let v = json_of(&ebpf(&["-j", "compile", object, "-o", s(&unsigned)]));
    assert_eq!(v["signed"], false);
    // Both run with the right trust.
    json_of(&ebpf(&[
        "-j",
        "run",
        s(&signed),
        "--function",
        "chain",
        "--pubkey",
        &public,
    ]));
    json_of(&ebpf(&["-j", "run", s(&unsigned), "--function", "chain"]));
    let both = [
        "--pubkey",
        other_public.as_str(),
        "--pubkey",
        public.as_str(),
    ];
    json_of(&ebpf(
        &[&["-j", "run", s(&signed), "--function", "chain"][..], &both].concat(),
    ));

    refused(
        &signed,
        &["--pubkey", &other_public],
        "not among the 1 trusted key",
    );
    refused(&signed, &[], "pass the signer's public key with --pubkey");
    refused(&unsigned, &["--pubkey", &public], "the image is unsigned");
    let mut bytes = std::fs::read(&signed).unwrap();
    bytes[300] ^= 0x10;
    let tampered = dir.join("tampered.ebpf");
    std::fs::write(&tampered, &bytes).unwrap();
    refused(
        &tampered,
        &["--pubkey", &public],
        "changed after it was signed",
    );
    refused(
        &signed,
        &["--pubkey", &public, "--platform", "windows"],
        "for the linux platform",
    );
    refused(
        &signed,
        &["--pubkey", &public, "--engine", "interp"],
        "machine code",
    );

    // An image whose helper prototype hash differs from the host's, signed by the trusted key:
    // the signature is good, the platform hash is not.
    let mut image = NativeImage::decode(&std::fs::read(&unsigned).unwrap()).unwrap();
    image.programs[0].helpers[0].1[0] ^= 1;
    let secret = ebpf_cli::image::read_secret(&key).unwrap();
    let changed = dir.join("changed.ebpf");
    std::fs::write(&changed, image::sign(&image.encode(), &secret).unwrap()).unwrap();
    refused(
        &changed,
        &["--pubkey", &public],
        "platform hash mismatch: helper bpf_map_lookup_elem (1)'s prototype differs",
    );
    let o = ebpf(&[
        "-j",
        "run",
        s(&changed),
        "--function",
        "chain",
        "--pubkey",
        &public,
    ]);
    assert_eq!(o.status.code(), Some(2));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["error"]
        .as_str()
        .unwrap()
        .contains("platform hash mismatch"));

    // Truncated and non-image files are bad input too.
    let cut = dir.join("cut.ebpf");
    std::fs::write(&cut, &std::fs::read(&signed).unwrap()[..500]).unwrap();
    refused(&cut, &["--pubkey", &public], "truncated image");
}

#[test]
fn compile_reports_rejections_and_bad_keys() {
    let dir = scratch("compile");
    let out = dir.join("x.ebpf");
    let o = ebpf(&["compile", "tests/verify/xdp_packet.o", "-o", s(&out)]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "a rejected program: {}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("rejected by the verifier"),
        "{}",
        stderr(&o)
    );
    let o = ebpf(&[
        "compile",
        "tests/verify/xdp_packet.o",
        "-o",
        s(&out),
        "--function",
        "eth_type_checked",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let bad_key = dir.join("bad.key");
    std::fs::write(&bad_key, "hello").unwrap();
    let o = ebpf(&[
        "compile",
        "tests/host/tail_calls.o",
        "-o",
        s(&out),
        "--key",
        s(&bad_key),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is not a key file"), "{}", stderr(&o));
}
