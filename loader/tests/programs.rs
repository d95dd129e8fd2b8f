//! Loads each of our own C test programs (`tests/programs/*.o`, rebuilt by
//! `tests/programs/build.sh`) and checks programs, maps and relocations exactly. The expected
//! map-reference pcs are the `R_BPF_64_64` offsets `llvm-objdump -r` prints, divided by 8.

use std::path::PathBuf;

use ebpf_isa::{CallTarget, Insn, LddwSrc, Size};
use ebpf_loader::{LoadErrorKind, LoadOptions, MapInitTarget, MapOrigin, MapRefKind, Object};
use ebpf_platform::{MapKind, Platform, LINUX, WINDOWS};

fn object_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/programs")
        .join(name)
}

fn load_with(name: &str, platform: &'static Platform) -> Object {
    let bytes = std::fs::read(object_path(name)).unwrap();
    Object::parse(&bytes, &LoadOptions::new(platform)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn load(name: &str) -> Object {
    load_with(name, &LINUX)
}

/// One line per program: `section function type attach slots [functions] [map refs]` (`unknown`
/// and `-` when the section implies no program or attach type).
fn programs(object: &Object) -> Vec<String> {
    object
        .programs()
        .iter()
        .map(|p| {
            assert!(
                p.decode_error.is_none(),
                "{}: {:?}",
                p.function,
                p.decode_error
            );
            assert_eq!(p.code.len(), p.slots() * 8);
            assert_eq!(
                ebpf_isa::encode(&p.insns),
                p.code,
                "{}: insns re-encode to code",
                p.function
            );
            assert_eq!(p.iter().map(|(_, i)| i.slots()).sum::<usize>(), p.slots());
            let functions: Vec<String> = p
                .functions
                .iter()
                .map(|f| format!("{}@{}", f.name, f.pc))
                .collect();
            let refs: Vec<String> = p
                .map_refs
                .iter()
                .map(|r| match r.kind {
                    MapRefKind::Map => format!("{}:map{}", r.pc, r.map),
                    MapRefKind::Value { offset } => format!("{}:map{}+{offset}", r.pc, r.map),
                    _ => unreachable!(),
                })
                .collect();
            format!(
                "{} {} {} {} {} [{}] [{}]",
                p.section,
                p.function,
                p.program_type.map_or("unknown", |t| t.name),
                p.attach_type.map_or("-", |a| a.name),
                p.slots(),
                functions.join(" "),
                refs.join(" ")
            )
        })
        .collect()
}

/// One line per map: `name type key value max_entries flags [inner]`.
fn maps(object: &Object) -> Vec<String> {
    object
        .maps()
        .iter()
        .map(|m| {
            let inner = m.inner.as_ref().map_or(String::new(), |i| {
                format!(
                    " inner({} {} {} {})",
                    i.type_name(),
                    i.key_size,
                    i.value_size,
                    i.max_entries
                )
            });
            format!(
                "{} {} {} {} {} {:#x}{inner}",
                m.name,
                m.type_name(),
                m.key_size,
                m.value_size,
                m.max_entries,
                m.flags
            )
        })
        .collect()
}

/// Every map reference of every program really is an `LDDW` with the matching `src`.
fn check_map_ref_insns(object: &Object) {
    for p in object.programs() {
        for r in &p.map_refs {
            let insn = p.iter().find(|(pc, _)| *pc == r.pc).map(|(_, i)| *i);
            let Some(Insn::Lddw {
                src, imm, next_imm, ..
            }) = insn
            else {
                panic!("{}: pc {} is not an LDDW", p.function, r.pc)
            };
            assert_eq!(imm as usize, r.map);
            match r.kind {
                MapRefKind::Map => assert_eq!((src, next_imm), (LddwSrc::MapFd, 0)),
                MapRefKind::Value { offset } => {
                    assert_eq!((src, next_imm as u32), (LddwSrc::MapValue, offset))
                }
                _ => unreachable!(),
            }
        }
    }
}

#[test]
fn xdp_parser_with_btf_hash_map() {
    let o = load("xdp_parser.o");
    assert_eq!(
        programs(&o),
        ["xdp xdp_parse xdp xdp 38 [xdp_parse@0] [22:map0 32:map0]"]
    );
    assert_eq!(
        maps(&o),
        ["proto_count hash 4 8 256 0x1"],
        "BPF_F_NO_PREALLOC"
    );
    let m = &o.maps()[0];
    assert_eq!(m.origin, MapOrigin::Btf);
    assert_eq!(m.pinning, 1, "LIBBPF_PIN_BY_NAME");
    let btf = o.btf().unwrap();
    assert_eq!(btf.describe(m.key_type_id.unwrap()), "__u32");
    assert_eq!(btf.describe(m.value_type_id.unwrap()), "__u64");
    assert_eq!(o.license(), Some("GPL"));
    assert_eq!(o.version(), None);
    check_map_ref_insns(&o);
}

#[test]
fn legacy_maps_section_linux_layout() {
    let o = load("legacy_map.o");
    assert_eq!(
        programs(&o),
        ["socket count_packets socket_filter - 24 [count_packets@0] [6:map0 14:map1]"]
    );
    assert_eq!(
        maps(&o),
        [
            "packet_count array 4 8 4 0x0",
            "byte_count percpu_array 4 8 4 0x0"
        ]
    );
    assert!(o
        .maps()
        .iter()
        .all(|m| m.origin == MapOrigin::Legacy && m.section == "maps"));
    assert_eq!(o.maps()[1].offset, 20, "bpf_map_def is five u32s");
    assert_eq!(o.version(), Some(0x050a00));
    check_map_ref_insns(&o);
}

#[test]
fn legacy_maps_section_windows_layout() {
    let o = load_with("windows_maps.o", &WINDOWS);
    assert_eq!(
        programs(&o),
        [
            "cgroup/connect6 authorize_connect6 sock_addr cgroup_inet6_connect 12 \
             [authorize_connect6@0] [4:map0]",
            "cgroup/recv_accept4 authorize_recv_accept4 sock_addr \
             cgroup_inet4_recv_accept 12 [authorize_recv_accept4@0] [4:map2]",
        ]
    );
    assert_eq!(
        maps(&o),
        [
            "policy hash 8 4 128 0x0",
            "inner_template array 4 4 1 0x0",
            "outer array_of_maps 4 4 4 0x0 inner(array 4 4 1)",
        ]
    );
    assert_eq!(o.maps()[0].pinning, 2);
    assert_eq!(o.maps()[2].raw_type, 7);
    // What a verifier gets: fds by index, kinds from the platform, the inner template.
    let infos = o.map_infos();
    assert_eq!(
        infos.iter().map(|m| (m.fd, m.kind)).collect::<Vec<_>>(),
        [
            (0, MapKind::Hash),
            (1, MapKind::Array),
            (2, MapKind::ArrayOfMaps)
        ]
    );
    let inner = infos[2].inner.unwrap();
    assert_eq!(
        (inner.kind, inner.value_size, inner.max_entries),
        (MapKind::Array, 4, 1)
    );
    assert_eq!(o.license(), Some("MIT"));
    // The same bytes read with the Linux numbering give Linux's type 7 (stack trace).
    let linux = load("windows_maps.o");
    assert_eq!(linux.maps()[2].type_name(), "stack_trace");
    // Linux has no recv_accept hook.
    assert_eq!(linux.programs()[1].program_type, None);
}

#[test]
fn global_data_in_all_three_sections() {
    let o = load("global_data.o");
    assert_eq!(
        programs(&o),
        ["tc tc_count sched_cls - 21 [tc_count@0] [0:map0+0 6:map2+0 10:map1+0 14:map2+8]"]
    );
    assert_eq!(
        maps(&o),
        [
            ".data array 4 8 1 0x0",
            ".rodata array 4 4 1 0x80",
            ".bss array 4 16 1 0x0"
        ]
    );
    assert_eq!(o.maps()[0].data, 7u64.to_le_bytes());
    assert_eq!(o.maps()[1].data, 1000u32.to_le_bytes());
    assert!(o.maps()[2].data.is_empty(), ".bss has no file contents");
    assert_eq!(
        o.maps()[1].origin,
        MapOrigin::GlobalData { read_only: true }
    );
    assert_eq!(o.license(), Some("Dual BSD/GPL"));
    check_map_ref_insns(&o);
}

#[test]
fn rodata_constant_read_at_run_time() {
    let o = load("rodata_const.o");
    assert_eq!(
        programs(&o),
        ["xdp xdp_rodata xdp xdp 17 [xdp_rodata@0] [7:map0+0 12:map0+4]"]
    );
    assert_eq!(maps(&o), [".rodata array 4 8 1 0x80"]);
    // What the verifier is told: programs may only read it.
    let info = o.map_infos()[0];
    assert_eq!(info.flags, ebpf_platform::BPF_F_RDONLY_PROG);
    let data = &o.maps()[0].data;
    assert_eq!(data[..4], 1514u32.to_le_bytes());
    assert_eq!(data[4..], [2, 1, 2, 3]);
    // The constant is loaded from the map value, not folded into an immediate.
    let p = &o.programs()[0];
    let after = p
        .iter()
        .skip_while(|(pc, _)| *pc != 7)
        .nth(1)
        .map(|(_, i)| *i);
    assert!(
        matches!(after, Some(Insn::Ldx { size: Size::W, .. })),
        "{after:?}"
    );
    check_map_ref_insns(&o);
}

#[test]
fn static_calls_are_linked_with_relocated_offsets() {
    let o = load("bpf2bpf_static.o");
    assert_eq!(
        programs(&o),
        ["xdp xdp_static_calls xdp xdp 20 [xdp_static_calls@0 sum_squares@11 square@17] []"]
    );
    let p = &o.programs()[0];
    let calls: Vec<(usize, i64)> = p
        .iter()
        .filter_map(|(pc, i)| match i {
            Insn::Call(CallTarget::Local(_)) => Some((pc, i.branch_target(pc).unwrap())),
            _ => None,
        })
        .collect();
    assert_eq!(calls, [(3, 11), (11, 17), (14, 17)]);
    assert_eq!(p.functions[1].section, ".text");
}

#[test]
fn global_text_functions_are_programs_too() {
    let o = load("bpf2bpf_global.o");
    assert_eq!(
        programs(&o),
        [
            ".text packet_budget unknown - 11 [packet_budget@0 clamp@4] []",
            "tc tc_global_call sched_cls - 20 [tc_global_call@0 packet_budget@9 clamp@13] []",
        ]
    );
    let p = &o.programs()[1];
    let targets: Vec<i64> = p
        .iter()
        .filter(|(_, i)| matches!(i, Insn::Call(CallTarget::Local(_))))
        .map(|(pc, i)| i.branch_target(pc).unwrap())
        .collect();
    assert_eq!(targets, [9, 13]);
}

#[test]
fn function_address_for_bpf_loop_is_linked() {
    let o = load("loop_callback.o");
    assert_eq!(
        programs(&o),
        ["xdp xdp_loop_callback xdp xdp 21 [xdp_loop_callback@0 add_index@14] []"]
    );
    let p = &o.programs()[0];
    let (pc, lddw) = p
        .iter()
        .find(|(_, i)| matches!(i, Insn::Lddw { .. }))
        .unwrap();
    assert_eq!(pc, 5);
    assert!(matches!(
        lddw,
        Insn::Lddw {
            src: LddwSrc::CodeAddr,
            imm: 8,
            next_imm: 0,
            ..
        }
    ));
    // imm is relative to the next slot, as for calls: 5 + 1 + 8 = 14, add_index's pc.
    assert!(
        p.iter()
            .any(|(_, i)| *i == Insn::Call(CallTarget::Helper(181))),
        "bpf_loop"
    );
}

#[test]
fn bounded_loop_keeps_its_back_edge() {
    let o = load("bounded_loop.o");
    assert_eq!(
        programs(&o),
        ["xdp xdp_sum_bytes xdp xdp 18 [xdp_sum_bytes@0] []"]
    );
    let p = &o.programs()[0];
    let back = p
        .iter()
        .any(|(pc, i)| i.branch_target(pc).is_some_and(|t| t <= pc as i64));
    assert!(back, "the loop was unrolled");
}

#[test]
fn bind_hook_and_connect4() {
    let o = load_with("bind_hook.o", &WINDOWS);
    assert_eq!(
        programs(&o),
        ["bind authorize_bind bind bind 18 [authorize_bind@0] [7:map0]"]
    );
    assert_eq!(maps(&o), ["denied_pids hash 8 4 64 0x0"]);
    assert_eq!(o.programs()[0].program_type.map(|t| t.number), Some(2));
    // `bind` is eBPF for Windows' hook only.
    assert_eq!(load("bind_hook.o").programs()[0].program_type, None);
    let o = load("connect4.o");
    assert_eq!(
        programs(&o),
        [
            "cgroup/connect4 authorize_connect4 cgroup_sock_addr cgroup_inet4_connect 15 \
             [authorize_connect4@0] [7:map0]"
        ]
    );
    assert_eq!(maps(&o), ["blocked array 4 8 1 0x0"]);
    check_map_ref_insns(&o);
}

#[test]
fn tail_calls_through_prog_array() {
    let o = load("tail_call.o");
    assert_eq!(
        programs(&o),
        [
            "xdp/0 xdp_even xdp xdp 2 [xdp_even@0] []",
            "xdp/1 xdp_odd xdp xdp 2 [xdp_odd@0] []",
            "xdp xdp_dispatch xdp xdp 9 [xdp_dispatch@0] [4:map0]",
        ]
    );
    assert_eq!(maps(&o), ["jump_table prog_array 4 4 4 0x0"]);
    // `.values = { [0] = &xdp_even, [1] = &xdp_odd }`, from the relocations of `.maps`.
    let inits: Vec<(u32, MapInitTarget)> = o.maps()[0]
        .initial_values
        .iter()
        .map(|i| (i.index, i.target.clone()))
        .collect();
    assert_eq!(
        inits,
        [
            (0, MapInitTarget::Program("xdp_even".into())),
            (1, MapInitTarget::Program("xdp_odd".into()))
        ]
    );
    assert_eq!(o.programs()[0].attach_target.as_deref(), Some("0"));
    let p = &o.programs()[2];
    assert!(
        p.iter()
            .any(|(_, i)| *i == Insn::Call(CallTarget::Helper(12))),
        "bpf_tail_call"
    );
}

#[test]
fn ring_buffer() {
    let o = load("ringbuf.o");
    assert_eq!(
        programs(&o),
        [
            "tracepoint/syscalls/sys_enter_write trace_write tracepoint - 17 [trace_write@0] \
             [1:map0]"
        ]
    );
    assert_eq!(maps(&o), ["events ringbuf 0 0 4096 0x0"]);
    assert_eq!(
        o.programs()[0].attach_target.as_deref(),
        Some("syscalls/sys_enter_write")
    );
}

#[test]
fn map_in_map_with_btf_inner_definition() {
    let o = load("map_in_map.o");
    assert_eq!(
        programs(&o),
        ["xdp xdp_map_in_map xdp xdp 19 [xdp_map_in_map@0] [4:map1]"]
    );
    assert_eq!(
        maps(&o),
        [
            "inner_a array 4 4 8 0x0",
            "outer array_of_maps 4 4 2 0x0 inner(array 4 4 8)"
        ]
    );
    assert_eq!(o.maps()[1].inner.as_ref().unwrap().origin, MapOrigin::Inner);
    let init = &o.maps()[1].initial_values;
    assert_eq!(init.len(), 1);
    assert_eq!(
        (init[0].index, &init[0].target),
        (0, &MapInitTarget::Map(0))
    );
}

#[test]
fn atomics_decode_to_atomic_instructions() {
    let o = load("atomics.o");
    assert_eq!(
        programs(&o),
        ["xdp xdp_atomics xdp xdp 30 [xdp_atomics@0] [4:map0]"]
    );
    assert_eq!(maps(&o), ["stats array 4 48 1 0x0"]);
    let ops: Vec<String> = o.programs()[0]
        .iter()
        .filter_map(|(_, i)| match i {
            Insn::Atomic {
                size, op, fetch, ..
            } => Some(format!("{op:?}/{size:?}/{fetch}")),
            _ => None,
        })
        .collect();
    assert_eq!(
        ops,
        [
            "Add/DW/false",
            "Or/DW/false",
            "And/DW/false",
            "Xor/DW/false",
            "Xchg/DW/true",
            "CmpXchg/DW/true",
            "Add/W/true"
        ]
    );
}

#[test]
fn several_programs_in_one_section() {
    let o = load("multi_prog.o");
    assert_eq!(
        programs(&o),
        [
            "kprobe/do_sys_open probe_open_a kprobe - 13 [probe_open_a@0] [4:map0]",
            "kprobe/do_sys_open probe_open_b kprobe - 13 [probe_open_b@0] [4:map0]",
            "kretprobe/do_sys_open probe_open_ret kprobe - 2 [probe_open_ret@0] []",
        ]
    );
    assert_eq!(o.programs()[1].section_offset, 13 * 8);
    assert_eq!(
        o.programs()[0].attach_target.as_deref(),
        Some("do_sys_open")
    );
    assert_eq!(o.programs()[2].attach_type, None);
    assert_eq!(o.programs()[2].program_type.map(|t| t.name), Some("kprobe"));
    check_map_ref_insns(&o);
}

#[test]
fn string_literals_and_unknown_section() {
    let o = load("printk_unknown.o");
    assert_eq!(
        programs(&o),
        ["my_custom_hook custom unknown - 16 [custom@0] [10:map1+0]"]
    );
    assert_eq!(
        maps(&o),
        [
            ".rodata.str1.1 array 4 10 1 0x80",
            ".rodata array 4 19 1 0x80"
        ]
    );
    assert_eq!(o.programs()[0].program_type, None);
    assert_eq!(&o.maps()[1].data[..], b"literal in rodata\n\0");
}

#[test]
fn core_field_offsets_resolve_against_local_btf() {
    let o = load("core_read.o");
    assert_eq!(
        programs(&o),
        ["raw_tracepoint/task_rename core_fields raw_tracepoint - 4 [core_fields@0] []"]
    );
    let loads: Vec<(Size, i16)> = o.programs()[0]
        .iter()
        .filter_map(|(_, i)| match *i {
            Insn::Ldx { size, off, .. } => Some((size, off)),
            _ => None,
        })
        .collect();
    // t->times[1].end: 8 (two ints) + 16 (times[0]) + 8 (start) = 32; t->tgid: 4.
    assert_eq!(loads, [(Size::DW, 32), (Size::W, 4)]);
}

#[test]
fn unsupported_core_relocation_is_one_clear_error() {
    let bytes = std::fs::read(object_path("core_enum.o")).unwrap();
    let e = Object::parse(&bytes, &LoadOptions::default()).unwrap_err();
    match e.kind() {
        LoadErrorKind::UnsupportedCoreRelocation {
            kind, type_name, ..
        } => {
            assert_eq!(kind, "enumval_value");
            assert_eq!(type_name, "enum color");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(e.section(), Some("kprobe/enum_test"));
    assert_eq!(
        e.to_string(),
        "section kprobe/enum_test offset 0x0 (pc 0): CO-RE relocation enumval_value on type \
         `enum color` (access 1) is not supported"
    );
}

#[test]
fn line_info_names_file_line_column_and_text() {
    let o = load("bpf2bpf_static.o");
    let p = &o.programs()[0];
    let first = p.line_at(0).unwrap();
    assert!(first.file.ends_with("bpf2bpf_static.c"), "{}", first.file);
    assert_eq!(first.line, 17);
    assert_eq!(first.text.trim(), "int n = ctx->data_end - ctx->data;");
    assert!(first.column > 0);
    // Inside the linked `square`, lines come from square's own records.
    let sq = p.functions.iter().find(|f| f.name == "square").unwrap();
    let body = p.line_at(sq.pc + 1).unwrap();
    assert_eq!(body.text.trim(), "return x * x;");
    assert_eq!(body.line, 6);
    assert!(p.lines.windows(2).all(|w| w[0].pc < w[1].pc));
}

/// A section that implies no type takes the file name's (Cilium's `bpf_xdp*.o` convention on
/// Linux) when asked; sections that imply a type keep it.
#[test]
fn untyped_sections_take_the_type_of_the_file_name() {
    let mut object = load("bpf2bpf_global.o");
    let untyped = |o: &Object| {
        let p = o.program(Some(".text"), "packet_budget").unwrap();
        (p.program_type.map(|t| t.name), p.type_from_path)
    };
    assert_eq!(untyped(&object), (None, false));
    assert_eq!(object.type_programs_from_path("elsewhere/kern.o"), 0);
    assert_eq!(object.type_programs_from_path("cilium/bpf_xdp_dsr.o"), 1);
    assert_eq!(untyped(&object), (Some("xdp"), true));
    let tc = object.program(Some("tc"), "tc_global_call").unwrap();
    assert_eq!(
        (tc.program_type.map(|t| t.name), tc.type_from_path),
        (Some("sched_cls"), false)
    );
}

/// `__kconfig` externs become a read-only `.kconfig` map, as libbpf makes them: the kernel
/// version from the options, listed values, 0 for unlisted weak ones; the `LDDW`s of the
/// externs point into its value.
#[test]
fn kconfig_externs_are_resolved_into_a_read_only_map() {
    let bytes = std::fs::read(object_path("kconfig.o")).unwrap();
    let options = LoadOptions::new(&LINUX)
        .with_kernel_version(0x06_01_00)
        .with_kconfig(&[("LINUX_HAS_BPF_COOKIE", 1)]);
    let object = Object::parse(&bytes, &options).unwrap();
    let map = object.maps().iter().find(|m| m.name == ".kconfig").unwrap();
    assert_eq!(map.flags, ebpf_platform::BPF_F_RDONLY_PROG);
    let program = object.program(Some("xdp"), "xdp_kconfig").unwrap();
    assert!(program.link_error.is_none());
    // Each extern's LDDW is a map-value reference; its value is at that offset.
    let value_at = |off: usize, size: usize| {
        let mut b = [0u8; 8];
        b[..size].copy_from_slice(&map.data[off..off + size]);
        u64::from_le_bytes(b)
    };
    let mut seen = Vec::new();
    for insn in &program.insns {
        if let ebpf_isa::Insn::Lddw {
            src: ebpf_isa::LddwSrc::MapValue,
            next_imm,
            ..
        } = *insn
        {
            seen.push(next_imm as usize);
        }
    }
    assert_eq!(seen.len(), 3, "{:?}", program.insns);
    // In source order: LINUX_KERNEL_VERSION (4 bytes), LINUX_HAS_BPF_COOKIE (1), CONFIG_HZ (4).
    assert_eq!(value_at(seen[0], 4), 0x06_01_00);
    assert_eq!(value_at(seen[1], 1), 1);
    assert_eq!(value_at(seen[2], 4), 0);
    // With no options the weak ones are 0 and the version 0.
    let default = load("kconfig.o");
    let map = default
        .maps()
        .iter()
        .find(|m| m.name == ".kconfig")
        .unwrap();
    assert!(map.data.iter().all(|&b| b == 0));
}

/// A non-weak `CONFIG_` extern without a value fails the load naming it (as libbpf does);
/// with a value it loads.
#[test]
fn strict_kconfig_externs_need_a_value() {
    let bytes = std::fs::read(object_path("kconfig_strict.o")).unwrap();
    let err = Object::parse(&bytes, &LoadOptions::new(&LINUX)).unwrap_err();
    assert!(
        err.to_string().contains("`CONFIG_NR_CPUS` has no value"),
        "{err}"
    );
    let options = LoadOptions::new(&LINUX).with_kconfig(&[("CONFIG_NR_CPUS", 64)]);
    let object = Object::parse(&bytes, &options).unwrap();
    let map = object.maps().iter().find(|m| m.name == ".kconfig").unwrap();
    assert_eq!(&map.data[..4], &64u32.to_le_bytes());
}
