//! The public API: run-time faults match the interpreter's,
//! blinding hides immediates, images are position independent, helpers may fail or panic.

use ebpf_isa::{asm::assemble, Insn, Program};
use ebpf_jit::{compile, Executable, HelperError, JitOptions, NoHelpers, RunErrorKind};

fn valid(insns: &[Insn]) -> Program {
    Program::from_insns(insns).unwrap()
}

/// Runs one of this file's programs.
fn run(
    exe: &mut Executable,
    mem: &mut [u8],
    helpers: &mut dyn ebpf_jit::Helpers,
) -> Result<u64, ebpf_jit::RunError> {
    // SAFETY: every program of this file is written here to access only `mem`, its stack and
    // the memory its helpers return, and to end or fault on a run-time check of the JIT's
    // (frame limit, falling off the end, unknown helper, `callx` target, legacy load bounds).
    unsafe { exe.run_trusted(mem, helpers) }
}

fn jit(source: &str) -> Executable {
    let insns = assemble(source).unwrap();
    Executable::new(&compile(&valid(&insns), &JitOptions::new()).unwrap()).unwrap()
}

#[test]
fn map_lddw_is_resolved_by_the_host_at_run_time() {
    struct Maps;
    impl ebpf_jit::Helpers for Maps {
        fn call(&mut self, _: u32, _: [u64; 5]) -> Result<u64, HelperError> {
            Err(HelperError::Unknown)
        }
        fn lddw(
            &mut self,
            src: ebpf_isa::LddwSrc,
            imm: i32,
            next: i32,
        ) -> Result<u64, HelperError> {
            match (src, imm) {
                (ebpf_isa::LddwSrc::MapValue, 3) => Ok(0x1000 + next as u64),
                _ => Err(HelperError::Failed {
                    message: format!("no map {imm}"),
                }),
            }
        }
    }
    let lddw = |imm| Insn::Lddw {
        dst: ebpf_isa::Reg::R1,
        src: ebpf_isa::LddwSrc::MapValue,
        imm,
        next_imm: 8,
    };
    // r0 and live argument registers survive the resolver call.
    let mut insns = assemble("mov %r0, 5\nmov %r2, 7").unwrap();
    insns.push(lddw(3));
    insns.extend(assemble("add %r0, %r1\nadd %r0, %r2\nexit").unwrap());
    let mut exe = Executable::new(&compile(&valid(&insns), &JitOptions::new()).unwrap()).unwrap();
    assert_eq!(run(&mut exe, &mut [], &mut Maps), Ok(5 + 0x1008 + 7));

    insns[2] = lddw(4);
    let mut exe = Executable::new(&compile(&valid(&insns), &JitOptions::new()).unwrap()).unwrap();
    let e = run(&mut exe, &mut [], &mut Maps).unwrap_err();
    assert_eq!(e.pc(), 2);
    assert_eq!(e.to_string(), "pc 2: lddw MapValue 4 failed: no map 4");
    // Without a resolver the default refuses.
    let e = run(&mut exe, &mut [], &mut NoHelpers).unwrap_err();
    assert!(matches!(e.kind(), RunErrorKind::LddwFailed { .. }), "{e}");
}

#[test]
fn kfunc_calls_fault_when_reached() {
    let mut exe = jit("mov %r0, 1\nja +1\ncall btf 7\nexit");
    assert_eq!(run(&mut exe, &mut [], &mut NoHelpers), Ok(1));
    let mut exe = jit("mov %r0, 1\ncall btf 7\nexit");
    let e = run(&mut exe, &mut [], &mut NoHelpers).unwrap_err();
    assert_eq!(e.pc(), 1);
    assert!(matches!(e.kind(), RunErrorKind::Unsupported { .. }), "{e}");
}

#[test]
fn recursion_stops_at_the_frame_limit() {
    // f: r6 += 1; call f  (depth 8 is the limit, as in the interpreter)
    let mut exe = jit("mov %r6, 0\nf:\nadd %r6, 1\ncall local f\nexit");
    let e = run(&mut exe, &mut [], &mut NoHelpers).unwrap_err();
    assert_eq!(*e.kind(), RunErrorKind::CallDepth);
    assert_eq!(e.pc(), 2);
    assert_eq!(
        e.to_string(),
        "pc 2: local call exceeds the limit of 8 frames"
    );
}

#[test]
fn seven_nested_calls_are_allowed_and_restore_callee_saved_registers() {
    let mut src = String::from("mov %r6, 100\ncall local f1\nadd %r0, %r6\nexit\n");
    for k in 1..=7 {
        src.push_str(&format!("f{k}:\nmov %r6, {k}\nstdw [%r10-8], {k}\n"));
        if k < 7 {
            src.push_str(&format!("call local f{}\n", k + 1));
        } else {
            src.push_str("mov %r0, 0\n");
        }
        src.push_str("ldxdw %r1, [%r10-8]\nadd %r0, %r1\nexit\n");
    }
    let mut exe = jit(&src);
    // 1 + 2 + ... + 7 from the frames, plus the caller's own r6.
    assert_eq!(run(&mut exe, &mut [], &mut NoHelpers), Ok(28 + 100));
}

#[test]
fn falling_off_the_end_is_a_fault() {
    let mut exe = jit("mov %r0, 1\nmov %r0, 2");
    let e = run(&mut exe, &mut [], &mut NoHelpers).unwrap_err();
    assert_eq!((e.pc(), e.kind().clone()), (2, RunErrorKind::FellOff));
}

#[test]
fn helper_failures_are_reported_with_the_id_and_pc() {
    let mut exe = jit("mov %r0, 0\ncall 9\nexit");
    let e = run(&mut exe, &mut [], &mut NoHelpers).unwrap_err();
    assert_eq!(
        (e.pc(), e.kind().clone()),
        (1, RunErrorKind::UnknownHelper { id: 9 })
    );

    let mut failing = |id: u32, _: [u64; 5]| -> Result<u64, HelperError> {
        Err(HelperError::Failed {
            message: format!("helper {id} says no"),
        })
    };
    let e = run(&mut exe, &mut [], &mut failing).unwrap_err();
    assert_eq!(e.to_string(), "pc 1: helper 9 failed: helper 9 says no");

    let mut exe = jit("lddw %r1, 0x100000005\ncallx %r1\nexit");
    let e = run(&mut exe, &mut [], &mut NoHelpers).unwrap_err();
    assert_eq!(
        (e.pc(), e.kind().clone()),
        (
            2,
            RunErrorKind::BadCallxTarget {
                value: 0x1_0000_0005
            }
        )
    );

    // Negative immediates name the helper by the immediate's 32 bits, as in the interpreter.
    let mut exe = jit("call -1\nexit");
    let e = run(&mut exe, &mut [], &mut NoHelpers).unwrap_err();
    assert_eq!(*e.kind(), RunErrorKind::UnknownHelper { id: u32::MAX });
}

#[test]
fn helpers_see_r1_to_r5_and_leave_them_intact() {
    let mut exe = jit(
        "mov %r1, 1\nmov %r2, 2\nmov %r3, 3\nmov %r4, 4\nmov %r5, 5\ncall 7\n\
         mul %r0, 1000\nadd %r0, %r1\nadd %r0, %r2\nadd %r0, %r3\nadd %r0, %r4\nadd %r0, %r5\nexit",
    );
    let mut helpers = |id: u32, a: [u64; 5]| Ok(u64::from(id) + a.iter().sum::<u64>());
    assert_eq!(run(&mut exe, &mut [], &mut helpers), Ok(22 * 1000 + 15));
}

#[test]
fn a_panicking_helper_unwinds_through_run_trusted_and_the_executable_stays_usable() {
    let mut exe = jit("mov %r1, 0\ncall 1\nexit");
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut boom = |_: u32, _: [u64; 5]| -> Result<u64, HelperError> { panic!("boom") };
        let _ = run(&mut exe, &mut [], &mut boom);
    }));
    assert!(caught.is_err());
    let mut ok = |_: u32, a: [u64; 5]| Ok(a[0] + 1);
    assert_eq!(run(&mut exe, &mut [], &mut ok), Ok(1));
}

#[test]
fn blinding_hides_immediates_and_keeps_results() {
    let src = "mov %r0, 0x41424344\nadd %r0, 0x51525354\nstw [%r10-4], 0x61626364\n\
               ldxw %r1, [%r10-4]\nxor %r0, %r1\nlddw %r2, 0x7172737475767778\nadd %r0, %r2\nexit";
    let insns = assemble(src).unwrap();
    let plain = compile(&valid(&insns), &JitOptions::new()).unwrap();
    let blinded = compile(&valid(&insns), &JitOptions::new().with_blinding(true)).unwrap();
    let contains = |code: &[u8], v: u32| code.windows(4).any(|w| w == v.to_le_bytes());
    for imm in [
        0x4142_4344u32,
        0x5152_5354,
        0x6162_6364,
        0x7576_7778,
        0x7172_7374,
    ] {
        assert!(contains(plain.code(), imm), "{imm:#x} in plain code");
        assert!(
            !contains(blinded.code(), imm),
            "{imm:#x} visible in blinded code"
        );
    }
    assert!(blinded.options().blind_constants);
    let want = ((0x4142_4344u64 + 0x5152_5354) ^ 0x6162_6364).wrapping_add(0x7172_7374_7576_7778);
    for image in [plain, blinded] {
        let mut exe = Executable::new(&image).unwrap();
        assert_eq!(run(&mut exe, &mut [], &mut NoHelpers), Ok(want));
    }
}

#[test]
fn images_are_position_independent_and_deterministic() {
    let insns = assemble("mov %r0, 0\ncall local f\nadd %r0, 1\nexit\nf:\ncall 3\nexit").unwrap();
    let a = compile(&valid(&insns), &JitOptions::new()).unwrap();
    let b = compile(&valid(&insns), &JitOptions::new()).unwrap();
    assert_eq!(a.code(), b.code(), "same program, same bytes");
    assert_eq!(a.abi_version(), ebpf_jit::abi::ABI_VERSION);
    assert_eq!(a.pc_offsets().len(), insns.len());
    // Two installations at different addresses run the same bytes.
    let mut helpers = |id: u32, _: [u64; 5]| Ok(u64::from(id) * 10);
    let mut one = Executable::new(&a).unwrap();
    let mut two = Executable::new(&b).unwrap();
    assert_eq!(run(&mut one, &mut [], &mut helpers), Ok(31));
    assert_eq!(run(&mut two, &mut [], &mut helpers), Ok(31));
}

#[test]
fn runs_start_from_a_zeroed_stack_and_report_it() {
    let mut exe = jit("ldxdw %r0, [%r10-8]\nstdw [%r10-8], 77\nexit");
    assert_eq!(run(&mut exe, &mut [], &mut NoHelpers), Ok(0));
    assert_eq!(run(&mut exe, &mut [], &mut NoHelpers), Ok(0));
    let stack = exe.stack();
    assert_eq!(&stack[stack.len() - 8..], &77u64.to_le_bytes());
}

#[test]
fn legacy_packet_loads_outside_the_packet_end_with_zero() {
    let mut exe = jit("mov %r0, 5\nldabsw 2\nexit");
    assert_eq!(
        run(&mut exe, &mut [0, 0, 1, 2, 3, 4], &mut NoHelpers),
        Ok(0x0102_0304)
    );
    assert_eq!(run(&mut exe, &mut [0, 0, 1, 2, 3], &mut NoHelpers), Ok(0));
    let mut exe = jit("mov %r1, -3\nldindb %r1, 2\nexit");
    assert_eq!(run(&mut exe, &mut [9; 4], &mut NoHelpers), Ok(0));
}

/// Linux's semantics, as in the interpreter: in a local function a failed load returns 0 to
/// the caller, which goes on with its own r6 and stack.
#[test]
fn legacy_packet_loads_outside_the_packet_return_zero_from_a_local_function() {
    let mut exe = jit(
        "mov %r6, 7\nstdw [%r10-8], 5\ncall local f\nldxdw %r1, [%r10-8]\n\
         add %r0, %r1\nadd %r0, %r6\nexit\n\
         f:\nmov %r6, 1000\nstdw [%r10-8], 1000\ncall local g\nadd %r0, 100\nexit\n\
         g:\nldabsw 2\nadd %r0, 10000\nexit",
    );
    assert_eq!(
        run(&mut exe, &mut [0, 0, 1, 2, 3, 4], &mut NoHelpers),
        Ok(0x0102_0304 + 10_000 + 100 + 5 + 7)
    );
    assert_eq!(
        run(&mut exe, &mut [0, 0, 1, 2, 3], &mut NoHelpers),
        Ok(100 + 5 + 7)
    );
}

/// As in uBPF and the interpreter: no memory, r1 = 0 (so a null test takes the same path).
#[test]
fn r1_is_zero_without_memory() {
    let mut exe = jit("mov %r0, 1\njeq %r1, 0, out\nldxb %r0, [%r1]\nout:\nexit");
    assert_eq!(run(&mut exe, &mut [], &mut NoHelpers), Ok(1));
    assert_eq!(run(&mut exe, &mut [7], &mut NoHelpers), Ok(7));
}

#[test]
fn direct_helpers_bypass_the_dispatcher() {
    struct Host {
        dispatched: Vec<u32>,
    }
    extern "sysv64" fn add_all(a: u64, b: u64, c: u64, d: u64, e: u64) -> u64 {
        a + b + c + d + e
    }
    impl ebpf_jit::Helpers for Host {
        fn call(&mut self, id: u32, args: [u64; 5]) -> Result<u64, HelperError> {
            self.dispatched.push(id);
            Ok(args[0] * 100)
        }
        fn direct(&self, id: u32) -> Option<ebpf_jit::DirectHelper> {
            (id == 4).then_some(add_all as ebpf_jit::DirectHelper)
        }
    }
    let insns = assemble(
        "mov %r1, 1\nmov %r2, 2\nmov %r3, 3\nmov %r4, 4\nmov %r5, 5\ncall 4\nmov %r6, %r0\n\
         call 6\nadd %r0, %r6\ncall 4\nadd %r0, %r1\nexit",
    )
    .unwrap();
    let image = compile(&valid(&insns), &JitOptions::new()).unwrap();
    assert_eq!(image.helper_ids(), &[4, 6]);
    let mut host = Host {
        dispatched: Vec::new(),
    };
    let mut exe = Executable::new(&image).unwrap();
    // 15 (direct) + 100 (dispatched) + 15 (direct) ... r0 = 100 + 15, then r0 = 15 + r1.
    assert_eq!(run(&mut exe, &mut [], &mut host), Ok(16));
    assert_eq!(host.dispatched, vec![6]);
}

#[test]
fn only_programs_naming_r10_need_a_zeroed_frame() {
    let no_stack = compile(
        &valid(&assemble("mov %r0, 1\nexit").unwrap()),
        &JitOptions::new(),
    )
    .unwrap();
    assert!(!no_stack.uses_stack());
    let with_stack = assemble("mov %r1, %r10\nstb [%r1-1], 7\nldxb %r0, [%r1-1]\nexit").unwrap();
    let image = compile(&valid(&with_stack), &JitOptions::new()).unwrap();
    assert!(image.uses_stack());
    let mut exe = Executable::new(&image).unwrap();
    assert_eq!(run(&mut exe, &mut [], &mut NoHelpers), Ok(7));
    assert_eq!(exe.stack()[exe.stack().len() - 1], 7);
}

#[test]
fn more_distinct_helpers_than_direct_slots_use_the_dispatcher() {
    struct Host {
        dispatched: Vec<u32>,
    }
    extern "sysv64" fn plus_one(a: u64, _: u64, _: u64, _: u64, _: u64) -> u64 {
        a + 1
    }
    impl ebpf_jit::Helpers for Host {
        fn call(&mut self, id: u32, args: [u64; 5]) -> Result<u64, HelperError> {
            self.dispatched.push(id);
            Ok(args[0] + 1)
        }
        fn direct(&self, _: u32) -> Option<ebpf_jit::DirectHelper> {
            Some(plus_one as ebpf_jit::DirectHelper)
        }
    }
    let n = ebpf_jit::abi::MAX_DIRECT_HELPERS as u32 + 4;
    let mut src = String::from("mov %r1, 0\n");
    for id in 0..n {
        src.push_str(&format!("call {}\nmov %r1, %r0\n", 100 + id));
    }
    src.push_str("exit\n");
    let mut exe = jit(&src);
    let mut host = Host {
        dispatched: Vec::new(),
    };
    assert_eq!(run(&mut exe, &mut [], &mut host), Ok(u64::from(n)));
    let beyond: Vec<u32> = (ebpf_jit::abi::MAX_DIRECT_HELPERS as u32..n)
        .map(|i| 100 + i)
        .collect();
    assert_eq!(host.dispatched, beyond);
}
