//! The benchmark workloads compute the same result on every engine (checked without timing,
//! so the normal test run guards the benchmarks), and the compile-time program is what it says.

use std::io::Write;

use ebpf_benches::{
    all_workloads, compile_program, helper_mix, kernel, linux, native, COMPILE_INSNS, HELPER_ID,
};
use ebpf_interp::{HelperError, Helpers, Memory, Program, Vm};
use ebpf_jit::{compile, Executable, JitOptions};

struct InterpHelpers;

impl Helpers for InterpHelpers {
    fn call(&mut self, id: u32, a: [u64; 5], _: &mut Memory<'_>) -> Result<u64, HelperError> {
        if id == HELPER_ID {
            Ok(helper_mix(a[0], a[1], a[2], a[3], a[4]))
        } else {
            Err(HelperError::unknown(id))
        }
    }
}

#[test]
fn every_engine_computes_the_native_result() {
    for w in all_workloads() {
        let bytes = w.bytes();
        let want = native::expected(w.name, &w.mem);
        let mut mem = w.mem.clone();
        let program = Program::from_bytes(&bytes).unwrap();
        let interp = Vm::default()
            .run(&program, &mut mem, &mut InterpHelpers)
            .unwrap();
        assert_eq!(interp.r0, want, "{}: interpreter", w.name);

        let mut exe =
            Executable::new(&compile(program.program(), &JitOptions::new()).unwrap()).unwrap();
        let mut helpers = |id: u32, a: [u64; 5]| {
            assert_eq!(id, HELPER_ID);
            Ok(helper_mix(a[0], a[1], a[2], a[3], a[4]))
        };
        // SAFETY: the workload just ran on the checked interpreter with the same memory: it
        // accesses only that memory and its stack, and ends.
        let jit = unsafe { exe.run_trusted(&mut mem, &mut helpers) };
        assert_eq!(jit, Ok(want), "{}: JIT", w.name);

        let mut rbpf_vm = rbpf::EbpfVmRaw::new(Some(&bytes)).unwrap();
        rbpf_vm.register_helper(HELPER_ID, helper_mix).unwrap();
        assert_eq!(
            rbpf_vm.execute_program(&mut mem).unwrap(),
            want,
            "{}: rbpf",
            w.name
        );
    }
}

/// Says on the real stderr (libtest captures only the `print!` family, so the line shows in a
/// normal `cargo test` run) that `what` was skipped and why.
fn skip(what: &str, missing: &str) {
    let line = format!(
        "skipped: benches/workloads/linux_versions_agree_where_bpf_is_available{what}: \
         {missing} (run as root on Linux with BPF enabled)\n"
    );
    let _ = std::io::stderr().write_all(line.as_bytes());
}

#[test]
fn linux_versions_agree_where_bpf_is_available() {
    if let Err(e) = kernel::available() {
        skip("", &format!("this machine refuses bpf(BPF_PROG_LOAD): {e}"));
        return;
    }
    for w in all_workloads() {
        let (source, comparable) = linux::xdp_source(&w);
        match linux::Loaded::load(source) {
            Ok(prog) => {
                let (retval, _) = prog.test_run(&linux::packet(&w), 1).unwrap();
                if comparable {
                    let want = native::expected(w.name, &w.mem) as u32;
                    assert_eq!(retval, want, "{}: Linux", w.name);
                }
                println!("{}: Linux accepts the XDP version", w.name);
            }
            Err(why) => skip(
                &format!(" ({})", w.name),
                &format!("Linux refused the XDP version: {why}"),
            ),
        }
    }
}

#[test]
fn compile_program_has_40000_instructions_and_compiles() {
    let insns = compile_program();
    assert_eq!(insns.len(), COMPILE_INSNS);
    let valid = ebpf_isa::Program::from_insns(insns).unwrap();
    let image = compile(&valid, &JitOptions::new()).unwrap();
    assert_eq!(image.pc_offsets().len(), COMPILE_INSNS);
    let mut exe = Executable::new(&image).unwrap();
    // SAFETY: the compile benchmark program is straight-line arithmetic with stores and loads
    // at [r10-8] only.
    let r0 = unsafe { exe.run_trusted(&mut [], &mut ebpf_jit::NoHelpers) }.unwrap();
    let program = Program::new(valid);
    let out = Vm::default()
        .run(&program, &mut [], &mut ebpf_interp::NoHelpers)
        .unwrap();
    assert_eq!(r0, out.r0);
}
