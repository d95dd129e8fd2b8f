//! Atomic instructions are atomic: runs on several threads that add to the same granted words
//! (as programs do to a shared map value) count every add, in 64 and 32 bits.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

use ebpf_interp::{Config, Memory, NoHelpers, Program, Vm};
use ebpf_isa::asm::assemble;

const THREADS: u64 = 4;
const ADDS: u64 = 200_000;

#[test]
fn atomic_adds_from_threads_count_every_add() {
    // r1: two shared 8-byte words. Each run adds 1 to the first (64 bits) and 2 to the low half
    // of the second (32 bits) ADDS times, and fetch-adds 0 to read the first back.
    let text = format!(
        "mov %r6, {ADDS}\nmov %r2, 1\nmov %r3, 2\nloop:\nlock add [%r1], %r2\n\
         lock add32 [%r1+8], %r3\nsub %r6, 1\njne %r6, 0, loop\nmov %r0, 0\n\
         lock fetch add [%r1], %r0\nexit"
    );
    let program = Arc::new(Program::from_insns(&assemble(&text).unwrap()).unwrap());
    let words = Arc::new([AtomicU64::new(0), AtomicU64::new(0)]);
    let start = Arc::new(Barrier::new(THREADS as usize));
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let (program, words, start) = (program.clone(), words.clone(), start.clone());
            thread::spawn(move || {
                let mut mem = Memory::without_input();
                // SAFETY: the words live in an `Arc` this thread holds past the run; the other
                // threads' runs reach them only through their atomic instructions.
                let addr = unsafe { mem.grant_raw(words.as_ptr() as *mut u8, 16, true) }.unwrap();
                let mut vm = Vm::new(Config { budget: 10 * ADDS });
                start.wait();
                let out = vm
                    .run_in(&program, [addr, 0, 0, 0, 0], &mut mem, &mut NoHelpers)
                    .unwrap();
                assert!(out.r0 >= ADDS, "this run's adds are in the word it read");
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(words[0].load(Ordering::SeqCst), THREADS * ADDS);
    let second = words[1].load(Ordering::SeqCst).to_ne_bytes();
    let low = u32::from_ne_bytes(second[..4].try_into().unwrap());
    assert_eq!(u64::from(low), 2 * THREADS * ADDS);
}
