//! Every engine on the same programs in one run: our JIT, our interpreter, rbpf 0.4's JIT and
//! interpreter, the algorithm in native Rust, and (where this kernel accepts `bpf()`) the Linux
//! JIT through `BPF_PROG_TEST_RUN`; then the compile time of a 40,000-instruction program.
//!
//! Every engine's result is checked against native Rust before anything is timed.
//!
//! `cargo bench -p ebpf-benches --bench engines -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ebpf_benches::{
    all_workloads, compile_program, helper_mix, helper_mix_direct, linux, native, HELPER_ID,
};
use ebpf_interp::{HelperError, Helpers, Memory, Program, Vm};
use ebpf_jit::{compile, Executable, JitOptions};

/// Helper 1 for our interpreter.
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

/// Helper 1 for our JIT: through the dispatcher, or (with `direct`) called directly.
struct JitHelpers {
    direct: bool,
}

impl ebpf_jit::Helpers for JitHelpers {
    fn call(&mut self, id: u32, a: [u64; 5]) -> Result<u64, ebpf_jit::HelperError> {
        if id == HELPER_ID {
            Ok(helper_mix(a[0], a[1], a[2], a[3], a[4]))
        } else {
            Err(ebpf_jit::HelperError::Unknown)
        }
    }

    fn direct(&self, id: u32) -> Option<ebpf_jit::DirectHelper> {
        (self.direct && id == HELPER_ID).then_some(helper_mix_direct as ebpf_jit::DirectHelper)
    }
}

fn engines(c: &mut Criterion) {
    let mut group = c.benchmark_group("engines");
    for w in all_workloads() {
        let bytes = w.bytes();
        let valid = ebpf_isa::Program::from_bytes(&bytes).expect("valid program");
        let expected = native::expected(w.name, &w.mem);
        let mut mem = w.mem.clone();

        let program = Program::new(valid.clone());
        let mut vm = Vm::default();
        let interp = vm
            .run(&program, &mut mem, &mut InterpHelpers)
            .expect("runs");
        assert_eq!(interp.r0, expected, "{}: our interpreter", w.name);

        let image = compile(&valid, &JitOptions::new()).expect("compiles");
        let mut exe = Executable::new(&image).expect("installs");
        let mut direct = JitHelpers { direct: true };
        let mut dispatched = JitHelpers { direct: false };
        for helpers in [&mut direct, &mut dispatched] {
            // SAFETY: the workloads access only their input memory and stack, within bounds,
            // and end: checked just above on our interpreter, which checks every access.
            let jit = unsafe { exe.run_trusted(&mut mem, helpers) }.expect("runs");
            assert_eq!(jit, expected, "{}: our JIT", w.name);
        }

        let mut rbpf_vm = rbpf::EbpfVmRaw::new(Some(&bytes)).expect("rbpf accepts the program");
        rbpf_vm
            .register_helper(HELPER_ID, helper_mix)
            .expect("registers");
        assert_eq!(
            rbpf_vm.execute_program(&mut mem).expect("rbpf runs"),
            expected,
            "{}: rbpf interpreter",
            w.name
        );
        rbpf_vm.jit_compile().expect("rbpf JIT compiles");
        // SAFETY: the workloads only read their own input memory within bounds (checked above
        // on our interpreter, which checks every access) and terminate.
        let rbpf_jit = |mem: &mut [u8]| unsafe { rbpf_vm.execute_program_jit(mem) };
        assert_eq!(rbpf_jit(&mut mem).expect("rbpf JIT runs"), expected);

        group.bench_function(format!("{}/native", w.name), |b| {
            b.iter(|| native::expected(black_box(w.name), black_box(&w.mem)))
        });
        group.bench_function(format!("{}/ours_jit", w.name), |b| {
            // SAFETY: as for the checked run above: same program, memory and helpers.
            b.iter(|| unsafe { exe.run_trusted(black_box(&mut mem), &mut direct) })
        });
        if w.name == "helper_loop" {
            group.bench_function(format!("{}/ours_jit_dispatched", w.name), |b| {
                // SAFETY: as for the checked run above: same program, memory and helpers.
                b.iter(|| unsafe { exe.run_trusted(black_box(&mut mem), &mut dispatched) })
            });
        }
        group.bench_function(format!("{}/rbpf_jit", w.name), |b| {
            b.iter(|| rbpf_jit(black_box(&mut mem)))
        });
        group.bench_function(format!("{}/ours_interp", w.name), |b| {
            b.iter(|| vm.run(&program, black_box(&mut mem), &mut InterpHelpers))
        });
        group.bench_function(format!("{}/rbpf_interp", w.name), |b| {
            b.iter(|| rbpf_vm.execute_program(black_box(&mut mem)))
        });

        let (source, comparable) = linux::xdp_source(&w);
        let packet = linux::packet(&w);
        match linux::Loaded::load(source).and_then(|p| p.test_run(&packet, 1).map(|r| (p, r))) {
            Ok((prog, (retval, _))) => {
                if comparable {
                    assert_eq!(retval, expected as u32, "{}: Linux", w.name);
                }
                group.bench_function(format!("{}/linux_jit", w.name), |b| {
                    b.iter_custom(|iters| {
                        let repeat = iters.clamp(1, u64::from(u32::MAX)) as u32;
                        let (_, mean_ns) = prog.test_run(&packet, repeat).expect("test run");
                        Duration::from_nanos(u64::from(mean_ns) * iters)
                    })
                });
            }
            Err(why) => println!("skipped {}/linux_jit: bpf() refused: {why}", w.name),
        }
    }
    group.finish();
}

/// The fixed cost of one run: `mov r0, 0; exit` on each JIT.
fn run_overhead(c: &mut Criterion) {
    let bytes = ebpf_isa::encode(&ebpf_isa::asm::assemble("mov %r0, 0\nexit").expect("assembles"));
    let valid = ebpf_isa::Program::from_bytes(&bytes).expect("valid program");
    let mut exe =
        Executable::new(&compile(&valid, &JitOptions::new()).expect("compiles")).expect("installs");
    let mut rbpf_vm = rbpf::EbpfVmRaw::new(Some(&bytes)).expect("rbpf accepts the program");
    rbpf_vm.jit_compile().expect("rbpf JIT compiles");
    let mut mem = [0u8; 8];
    let mut helpers = JitHelpers { direct: true };
    let mut group = c.benchmark_group("overhead");
    group.bench_function("empty/ours_jit", |b| {
        // SAFETY: `mov r0, 0; exit` touches no memory and ends at once.
        b.iter(|| unsafe { exe.run_trusted(black_box(&mut mem), &mut helpers) })
    });
    group.bench_function("empty/rbpf_jit", |b| {
        // SAFETY: the program touches no memory and ends at once.
        b.iter(|| unsafe { rbpf_vm.execute_program_jit(black_box(&mut mem)) })
    });
    group.finish();
}

fn compile_time(c: &mut Criterion) {
    let insns = ebpf_isa::Program::from_insns(compile_program()).expect("valid program");
    let mut group = c.benchmark_group("compile");
    group.throughput(Throughput::Elements(insns.insns().len() as u64));
    group.bench_function(format!("ours_jit/{}_insns", insns.insns().len()), |b| {
        b.iter(|| compile(black_box(&insns), &JitOptions::new()).expect("compiles"))
    });
    group.bench_function(
        format!("ours_jit_blinded/{}_insns", insns.insns().len()),
        |b| {
            b.iter(|| {
                compile(black_box(&insns), &JitOptions::new().with_blinding(true))
                    .expect("compiles")
            })
        },
    );
    group.finish();
}

criterion_group!(benches, engines, run_overhead, compile_time);
criterion_main!(benches);
