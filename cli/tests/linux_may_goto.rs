//! `may_goto` against Linux: the programs of `tests/programs/may_goto.c` loaded with the real
//! `bpf(BPF_PROG_LOAD)` and run with `BPF_PROG_TEST_RUN`, their results compared with ours
//! (the execution context, interpreter and JIT). The map-walk loop, which ends by itself, must
//! give the same sum. The endless loop ends on Linux too; its count is Linux's budget of
//! `BPF_MAX_LOOPS` (ours, exactly) on kernels whose JIT lacks timed `may_goto`, while x86-64
//! JITs since Linux 6.15 refill the budget in batches of 0xffff until 250 ms have passed, so
//! there only termination is compared (the count is printed). Skips with a message where
//! `bpf()` is refused.

mod common;

use std::sync::Arc;

use common::bpf::{self, Fd};
use ebpf_isa::MAY_GOTO_BUDGET;
use ebpf_kernel_host::os::StdOs;
use ebpf_kernel_host::{Engine, Host, LoadOptions as HostOptions, TestRun};
use ebpf_loader::{LoadOptions, Object};
use ebpf_platform::LINUX;

const XDP: u32 = 6;

fn object() -> Object {
    let path = common::repo_root().join("tests/programs/may_goto.o");
    Object::parse(&std::fs::read(path).unwrap(), &LoadOptions::new(&LINUX)).unwrap()
}

/// The value `xdp_sum_words` walks: n = 40, word i = 3i + 1.
fn words_value() -> Vec<u8> {
    let mut value = 40u32.to_ne_bytes().to_vec();
    for i in 0..64u32 {
        value.extend_from_slice(&(3 * i + 1).to_ne_bytes());
    }
    value
}

/// Loads `function` into the kernel with the object's maps created there (the first map
/// filled with `value`), runs it once; its return value.
fn on_linux(object: &Object, function: &str, value: &[u8]) -> Result<u32, String> {
    let program = object
        .programs()
        .iter()
        .find(|p| p.function == function)
        .unwrap();
    let mut fds = Vec::new();
    for map in object.maps() {
        let fd = bpf::map_create(
            map.raw_type,
            map.key_size,
            map.value_size,
            map.max_entries,
            map.flags,
            None,
        )?;
        bpf::map_update(&fd, &0u32.to_ne_bytes(), value)?;
        fds.push(fd);
    }
    let mut code = program.code.clone();
    for r in &program.map_refs {
        let at = r.pc * 8;
        code[at + 4..at + 8].copy_from_slice(&fds[r.map].0.to_le_bytes());
    }
    let fd: Fd = bpf::prog_load(XDP, 0, &code, "GPL")?;
    bpf::test_run(&fd)
}

/// `function` run in our execution context on `engine`, the `words` map filled with `value`.
fn ours(object: &Object, function: &str, value: &[u8], engine: Engine) -> u64 {
    let host = Host::new(Arc::new(StdOs::new()), &LINUX);
    let options = HostOptions {
        engine,
        ..HostOptions::default()
    };
    let loaded = host.load(object, &options).unwrap();
    let words = loaded.map("words").unwrap();
    words.map().update(&0u32.to_ne_bytes(), value, 0).unwrap();
    let p = loaded.program(function).unwrap();
    p.test_run(&TestRun {
        data: &[0; 64],
        ..TestRun::default()
    })
    .unwrap()
    .retval
}

#[test]
fn may_goto_programs_agree_with_linux() {
    if !bpf::available("cli/linux_may_goto/may_goto_programs_agree_with_linux") {
        return;
    }
    let object = object();
    let value = words_value();
    let linux = match on_linux(&object, "xdp_sum_words", &value) {
        Ok(r) => r,
        Err(e) => {
            common::skip(
                "cli/linux_may_goto/may_goto_programs_agree_with_linux",
                &format!("this kernel refuses may_goto: {e}"),
                "a kernel of Linux 6.9 or later",
            );
            return;
        }
    };
    let expected: u32 = (0..40).map(|i| 3 * i + 1).sum();
    assert_eq!(linux, expected);
    for engine in [Engine::Interpreter, Engine::Jit] {
        assert_eq!(
            ours(&object, "xdp_sum_words", &value, engine),
            u64::from(linux),
            "{engine:?}"
        );
    }

    let linux = on_linux(&object, "xdp_spin", &value).expect("xdp_spin loads and runs on Linux");
    let ours = ours(&object, "xdp_spin", &value, Engine::Jit);
    assert_eq!(ours, MAY_GOTO_BUDGET);
    if u64::from(linux) == MAY_GOTO_BUDGET {
        println!("linux may_goto: the endless loop ran BPF_MAX_LOOPS rounds, as ours");
    } else {
        println!(
            "linux may_goto: the endless loop ran {linux} rounds (a time-bounded budget); \
             ours ran BPF_MAX_LOOPS = {MAY_GOTO_BUDGET}"
        );
        assert!(linux > 0);
    }
}
