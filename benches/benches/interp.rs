//! Our interpreter against rbpf's interpreter on the same programs, in one run.

use criterion::{criterion_group, criterion_main, Criterion};
use ebpf_benches::{native, workloads};
use ebpf_interp::{Config, NoHelpers, Program, Vm};

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("interp");
    for w in workloads() {
        let bytes = w.bytes();
        let program = Program::from_bytes(&bytes).expect("valid program");
        let mut vm = Vm::new(Config::default());
        let mut mem = w.mem.clone();
        let ours = vm.run(&program, &mut mem, &mut NoHelpers).expect("runs").r0;
        let rbpf_vm = rbpf::EbpfVmRaw::new(Some(&bytes)).expect("rbpf accepts the program");
        let theirs = rbpf_vm.execute_program(&mut mem).expect("rbpf runs");
        let expected = match w.name {
            "arith_loop" => native::arith_loop(),
            "byte_sum_1k" => native::byte_sum(&w.mem),
            _ => native::parser(&w.mem),
        };
        assert_eq!(
            (ours, theirs),
            (expected, expected),
            "{}: engines disagree",
            w.name
        );

        group.bench_function(format!("ours/{}", w.name), |b| {
            b.iter(|| vm.run(&program, &mut mem, &mut NoHelpers).map(|o| o.r0))
        });
        group.bench_function(format!("rbpf/{}", w.name), |b| {
            b.iter(|| rbpf_vm.execute_program(&mut mem))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
