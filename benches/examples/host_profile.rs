//! Runs one benchmarked program of `ebpf_benches::host` many times in one batch, for a
//! profiler: `valgrind --tool=callgrind --collect-atstart=no
//! --toggle-collect='*Batch*invoke*' target/release/examples/host_profile bench.o xdp_empty jit
//! 100000` counts the instructions of the invocations alone (divide by the runs).
//!
//! Arguments: object (`bench.o`, `bench_maps.o`), function, engine (`jit` or `interp`), runs.

use std::hint::black_box;

use ebpf_benches::host;
use ebpf_kernel_host::Engine;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [object, function, engine, runs] = &args[..] else {
        eprintln!("usage: host_profile OBJECT FUNCTION jit|interp RUNS");
        std::process::exit(2);
    };
    let engine = match engine.as_str() {
        "interp" => Engine::Interpreter,
        _ => Engine::Jit,
    };
    let runs: u64 = runs.parse().expect("a number of runs");
    let (host, loaded) = host::load_host(object, engine).expect("loads");
    let p = loaded.program(function).expect("program");
    let mut ctx = host::frame_context(p).expect("context");
    let want = host::expected(function).map(u64::from);
    let mut batch = host.batch();
    let mut last = 0;
    for _ in 0..runs {
        last = black_box(batch.invoke(p, black_box(&mut ctx)).expect("runs"));
    }
    assert_eq!(Some(last), want, "{function}");
    println!("{function} on {engine:?}: {runs} runs, r0 {last}");
}
