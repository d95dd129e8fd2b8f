//! Linux programs verified end to end: the context layouts, return ranges and helper groups
//! of the program types as the verifier applies them.

use ebpf_verifier::LINUX;

fn check(prog_type: &str, text: &str) -> Result<(), String> {
    let insns = ebpf_isa::asm::assemble(text).expect("assembles");
    let program = ebpf_isa::Program::from_insns(insns).expect("valid");
    ebpf_verifier::verify(&program, &LINUX, prog_type, &[])
        .map(|_| ())
        .map_err(|e| format!("{}", e[0]))
}

#[test]
fn pointer_contexts_of_the_socket_hooks_delimit_their_data() {
    // sk_msg and cgroup_sockopt carry 8-byte data/data_end pointers.
    for (ty, data, end) in [("sk_msg", 0, 8), ("cgroup_sockopt", 8, 16)] {
        let body = |check: &str| {
            format!(
                "ldxdw %r2, [%r1+{data}]\n ldxdw %r3, [%r1+{end}]\n mov %r4, %r2\n \
                 add %r4, 4\n {check}\n ldxw %r0, [%r2]\n stw [%r2], 1\n \
                 out:\n mov %r0, 1\n exit"
            )
        };
        check(ty, &body("jgt %r4, %r3, out")).unwrap();
        let err = check(ty, &body("jgt %r4, %r3, +0")).unwrap_err();
        assert!(err.contains("packet"), "{ty}: {err}");
    }
    // The socket pointer of bpf_sockopt is not readable as a number.
    assert!(check("cgroup_sockopt", "ldxdw %r0, [%r1]\n mov %r0, 1\n exit").is_err());
    // sk_reuseport's packet is read-only.
    let err = check(
        "sk_reuseport",
        "ldxdw %r2, [%r1]\n ldxdw %r3, [%r1+8]\n mov %r4, %r2\n add %r4, 4\n \
         jgt %r4, %r3, out\n stw [%r2], 1\n out:\n mov %r0, 1\n exit",
    )
    .unwrap_err();
    assert!(err.contains("packet"), "{err}");
}

#[test]
fn cgroup_hooks_return_zero_or_one() {
    check("cgroup_sysctl", "mov %r0, 1\n exit").unwrap();
    assert!(check("cgroup_sysctl", "mov %r0, 2\n exit").is_err());
    assert!(check("cgroup_sock_addr", "mov %r0, -1\n exit").is_err());
    check("kprobe", "mov %r0, 2\n exit").unwrap();
}

#[test]
fn section_less_skb_programs_get_the_tc_helpers() {
    // bpf_redirect(ifindex, 0) from a socket_filter, as PREVAIL allows.
    check("socket_filter", "mov %r1, 1\n mov %r2, 0\n call 23\n exit").unwrap();
    assert!(check("kprobe", "mov %r1, 1\n mov %r2, 0\n call 23\n exit").is_err());
}

#[test]
fn types_known_only_by_number_cannot_be_verified() {
    let err = check("struct_ops", "mov %r0, 0\n exit").unwrap_err();
    assert!(err.contains("`struct_ops` has no context layout"), "{err}");
    let err = check("no_such_type", "mov %r0, 0\n exit").unwrap_err();
    assert!(err.contains("unknown program type `no_such_type`"), "{err}");
}

/// Contexts whose size depends on the attach target (tracepoint records, raw tracepoint and
/// traced-function arguments): reads up to the layout's largest size are accepted and
/// `Verified::max_context_offset` says how far the program reads, for the host to check at
/// attach.
#[test]
fn target_sized_contexts_report_the_furthest_read() {
    let furthest = |prog_type: &str, text: &str| {
        let insns = ebpf_isa::asm::assemble(text).unwrap();
        let program = ebpf_isa::Program::from_insns(insns).unwrap();
        let layout = LINUX.program_type(prog_type).unwrap().context.unwrap();
        assert!(layout.sized_by_target, "{prog_type}");
        ebpf_verifier::verify(&program, &LINUX, prog_type, &[])
            .map(|v| v.max_context_offset())
            .map_err(|e| e[0].to_string())
    };
    let read = |off: i32| format!("ldxdw %r0, [%r1+{off}]\nmov %r0, 0\nexit");
    assert_eq!(furthest("tracepoint", &read(200)), Ok(208));
    assert_eq!(furthest("raw_tracepoint", &read(88)), Ok(96));
    assert!(furthest("raw_tracepoint", &read(96)).is_err());
    assert_eq!(furthest("tracing", &read(8)), Ok(16));
    assert_eq!(furthest("lsm", &read(0)), Ok(8));
    assert_eq!(furthest("tracing", "mov %r0, 0\nexit"), Ok(0));
}
