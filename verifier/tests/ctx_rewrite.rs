//! Linux programs run unchanged: the loads of the 32-bit context pointer fields (`xdp_md` and
//! `__sk_buff` `data`, `data_end`, `data_meta`) become 8-byte loads of the host context's
//! slots in [`Verified::runnable`], which the interpreter runs on a host context (the Linux
//! structure, then the real pointers) with the right verdicts; an instruction that would need
//! two rewrites, or one and none, is rejected; Windows programs are left as they are; and the
//! clang-built Linux objects of `tests/host` keep no 4-byte context pointer load.

use ebpf_interp::{Config, Memory, NoHelpers, Vm};
use ebpf_isa::{Insn, Size};
use ebpf_verifier::{verify, verify_with, Options, Verified, LINUX, WINDOWS};

fn program(text: &str) -> ebpf_isa::Program {
    ebpf_isa::Program::from_insns(ebpf_isa::asm::assemble(text).expect("assembles")).expect("valid")
}

fn accept(platform: &ebpf_verifier::Platform, prog_type: &str, text: &str) -> Verified {
    verify(&program(text), platform, prog_type, &[]).unwrap_or_else(|e| {
        let e: Vec<String> = e.iter().map(|e| e.to_string()).collect();
        panic!("rejected:\n{}", e.join("\n"))
    })
}

fn first_error(
    platform: &ebpf_verifier::Platform,
    prog_type: &str,
    text: &str,
) -> ebpf_verifier::VerifyError {
    verify(&program(text), platform, prog_type, &[]).expect_err("rejected")[0].clone()
}

/// The load at `pc` of `p`: (size, dst, src, off).
fn load_at(p: &ebpf_isa::Program, pc: usize) -> (Size, u8, u8, i16) {
    match *p.insn_at(pc).unwrap() {
        Insn::Ldx {
            size,
            dst,
            src,
            off,
        } => (size, dst.num(), src.num(), off),
        ref other => panic!("pc {pc}: {other:?} is not a load"),
    }
}

/// Runs `v`'s runnable form in the interpreter on a host context of `v.context_size()` bytes:
/// `fill` writes the structure's number fields, then the packet's (virtual) start and end go
/// into the slots at `slots` (data, data_end, data_meta = data).
fn run(v: &Verified, packet: &[u8], slots: [usize; 3], fill: impl Fn(&mut [u8])) -> u64 {
    let prog = ebpf_interp::Program::new(v.runnable().clone());
    let mut packet = packet.to_vec();
    let len = packet.len() as u64;
    let mut mem = Memory::without_input();
    let data = mem.grant(&mut packet).unwrap();
    let mut ctx = vec![0u8; v.context_size() as usize];
    // The 32-bit fields get garbage: the runnable program must not read them.
    ctx[..12].fill(0xa5);
    fill(&mut ctx);
    for (slot, value) in slots.into_iter().zip([data, data + len, data]) {
        ctx[slot..slot + 8].copy_from_slice(&value.to_le_bytes());
    }
    let r1 = mem.set_input_readonly(&ctx);
    let budget = v.instruction_bound();
    let out = Vm::new(Config { budget })
        .run_in(&prog, [r1, 0, 0, 0, 0], &mut mem, &mut NoHelpers)
        .expect("a verified program runs");
    out.r0
}

/// Linux XDP, as clang emits it: 32-bit loads of data and data_end (and the ifindex). Too short
/// for Ethernet: XDP_ABORTED (0); IPv4: XDP_PASS (2) when it arrived on ifindex 7, else
/// XDP_TX (3); anything else: XDP_DROP (1).
const LINUX_XDP: &str = "
    ldxw %r2, [%r1+0]
    ldxw %r3, [%r1+4]
    ldxw %r6, [%r1+12]
    mov %r0, 0
    mov %r4, %r2
    add %r4, 14
    jgt %r4, %r3, out
    mov %r0, 1
    ldxh %r5, [%r2+12]
    jne %r5, 8, out
    mov %r0, 3
    jne %r6, 7, out
    mov %r0, 2
out:
    exit
";

const XDP_SLOTS: [usize; 3] = [24, 32, 40];

fn frame(len: usize, ethertype: [u8; 2]) -> Vec<u8> {
    let mut f: Vec<u8> = (0..len).map(|i| i as u8).collect();
    if len >= 14 {
        f[12..14].copy_from_slice(&ethertype);
    }
    f
}

#[test]
fn linux_xdp_pointer_loads_become_host_slot_loads() {
    let v = accept(&LINUX, "xdp", LINUX_XDP);
    assert_eq!(v.context_size(), 48);
    assert_eq!(v.rewritten_loads(), &[0, 1]);
    // What was verified is unchanged; the runnable form loads 8 bytes from the slots.
    assert_eq!(load_at(v.program(), 0), (Size::W, 2, 1, 0));
    assert_eq!(load_at(v.program(), 1), (Size::W, 3, 1, 4));
    assert_eq!(load_at(v.runnable(), 0), (Size::DW, 2, 1, 24));
    assert_eq!(load_at(v.runnable(), 1), (Size::DW, 3, 1, 32));
    // The number field keeps its 4-byte load; every other instruction is the same.
    assert_eq!(load_at(v.runnable(), 2), (Size::W, 6, 1, 12));
    assert_eq!(v.runnable().insns().len(), v.program().insns().len());
    for (pc, insn) in v.program().iter().skip(2) {
        assert_eq!(v.runnable().insn_at(pc), Some(insn), "pc {pc}");
    }
    let ifindex = |k: u32| move |ctx: &mut [u8]| ctx[12..16].copy_from_slice(&k.to_le_bytes());
    for len in [0, 1, 13] {
        assert_eq!(
            run(&v, &frame(len, [8, 0]), XDP_SLOTS, ifindex(7)),
            0,
            "{len} bytes"
        );
    }
    for len in [14, 60, 1500] {
        let ipv4 = frame(len, [8, 0]);
        assert_eq!(run(&v, &ipv4, XDP_SLOTS, ifindex(7)), 2, "{len} bytes");
        assert_eq!(run(&v, &ipv4, XDP_SLOTS, ifindex(3)), 3, "{len} bytes");
        assert_eq!(run(&v, &frame(len, [0x86, 0xdd]), XDP_SLOTS, ifindex(7)), 1);
    }
}

#[test]
fn data_meta_and_offset_context_bases_are_rewritten() {
    // data_meta through r1, data_end through r6 = r1 + 4: the new offset keeps the base.
    let v = accept(
        &LINUX,
        "xdp",
        "
        ldxw %r2, [%r1+0]
        ldxw %r7, [%r1+8]
        mov %r6, %r1
        add %r6, 4
        ldxw %r3, [%r6+0]
        mov %r0, %r3
        sub %r0, %r2
        mov %r4, %r2
        sub %r4, %r7
        add %r0, %r4
        exit
    ",
    );
    assert_eq!(v.rewritten_loads(), &[0, 1, 4]);
    assert_eq!(load_at(v.runnable(), 1), (Size::DW, 7, 1, 40));
    assert_eq!(load_at(v.runnable(), 4), (Size::DW, 3, 6, 28));
    // data_meta = data in `run`: the result is the packet's length.
    for len in [0, 5, 1500] {
        assert_eq!(run(&v, &vec![0; len], XDP_SLOTS, |_| {}), len as u64);
    }
}

/// Loads ctx->data on one path and a stack slot on the other with the same instruction.
const CTX_OR_STACK: &str = "
    ldxw %r4, [%r1+12]
    stdw [%r10-8], 0
    mov %r2, %r1
    jeq %r4, 0, load
    mov %r2, %r10
    add %r2, -8
load:
    ldxw %r3, [%r2+0]
    mov %r0, 2
    exit
";

/// A local function loading 4 bytes at its `r1`, called with the context and with the context
/// plus `shift`; its load is at pc 7.
fn called_twice(shift: i32) -> String {
    format!(
        "
        mov %r6, %r1
        call local f
        mov %r1, %r6
        add %r1, {shift}
        call local f
        mov %r0, 2
        exit
    f:
        ldxw %r2, [%r1+0]
        mov %r0, 0
        exit
    "
    )
}

#[test]
fn one_load_of_a_pointer_field_and_other_memory_is_rejected() {
    let e = first_error(&LINUX, "xdp", CTX_OR_STACK);
    assert_eq!(
        (e.pc(), e.kind().class()),
        (6, "ambiguous-context-load"),
        "{e}"
    );
    let text = e.to_string();
    assert!(text.contains("the context's `data` pointer"), "{text}");
    assert!(text.contains("stack bytes"), "{text}");
    // One function called with the context and with the context plus 4 (data, then
    // data_end) or plus 12 (ingress_ifindex): its load would need two different forms.
    for (shift, second) in [
        (4, "`data_end` pointer"),
        (12, "a number field of the context"),
    ] {
        let e = first_error(&LINUX, "xdp", &called_twice(shift));
        assert_eq!(
            (e.pc(), e.kind().class()),
            (7, "ambiguous-context-load"),
            "{e}"
        );
        assert!(e.to_string().contains("`data` pointer"), "{e}");
        assert!(e.to_string().contains(second), "{e}");
    }
    // Joined on one path, the two context offsets are no constant: rejected before that.
    let e = first_error(
        &LINUX,
        "xdp",
        "
        ldxw %r4, [%r1+12]
        mov %r2, %r1
        jeq %r4, 0, load
        add %r2, 4
    load:
        ldxw %r3, [%r2+0]
        mov %r0, 2
        exit
    ",
    );
    assert!(e.to_string().contains("constant offset"), "{e}");
    // The same shapes need no rewrite on Windows (8-byte pointers): no such error there.
    let windows = verify(&program(CTX_OR_STACK), &WINDOWS, "xdp", &[]);
    assert!(
        windows.as_ref().map_or_else(
            |e| e
                .iter()
                .all(|e| e.kind().class() != "ambiguous-context-load"),
            |_| true
        ),
        "{windows:?}"
    );
}

#[test]
fn stores_to_pointer_fields_stay_rejected() {
    for text in [
        "stw [%r1+0], 0\n mov %r0, 2\n exit",
        "mov %r2, 1\n stxw [%r1+4], %r2\n mov %r0, 2\n exit",
        "mov %r2, 1\n lock add [%r1+8], %r2\n mov %r0, 2\n exit",
    ] {
        let e = first_error(&LINUX, "xdp", text);
        assert_eq!(e.kind().class(), "read-only", "{text}: {e}");
    }
    let e = first_error(&LINUX, "sched_cls", "stw [%r1+76], 0\n mov %r0, 0\n exit");
    assert_eq!(e.kind().class(), "read-only", "{e}");
}

/// tc: the first packet byte plus `skb->len`, 0 for an empty packet; data_meta is read too.
const LINUX_TC: &str = "
    ldxw %r2, [%r1+76]
    ldxw %r3, [%r1+80]
    ldxw %r4, [%r1+0]
    ldxw %r5, [%r1+140]
    mov %r0, 0
    mov %r6, %r2
    add %r6, 1
    jgt %r6, %r3, out
    ldxb %r0, [%r2+0]
    add %r0, %r4
    sub %r2, %r5
    add %r0, %r2
out:
    exit
";

#[test]
fn linux_sk_buff_pointer_loads_become_host_slot_loads() {
    let v = accept(&LINUX, "sched_cls", LINUX_TC);
    assert_eq!(v.context_size(), 216);
    assert_eq!(v.rewritten_loads(), &[0, 1, 3]);
    assert_eq!(load_at(v.runnable(), 0), (Size::DW, 2, 1, 192));
    assert_eq!(load_at(v.runnable(), 1), (Size::DW, 3, 1, 200));
    assert_eq!(load_at(v.runnable(), 2), (Size::W, 4, 1, 0));
    assert_eq!(load_at(v.runnable(), 3), (Size::DW, 5, 1, 208));
    for len in [0usize, 1, 64, 1500] {
        let packet: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
        let skb_len = |ctx: &mut [u8]| ctx[0..4].copy_from_slice(&(len as u32).to_le_bytes());
        let want = packet.first().map_or(0, |&b| u64::from(b) + len as u64);
        assert_eq!(
            run(&v, &packet, [192, 200, 208], skb_len),
            want,
            "{len} bytes"
        );
    }
    // The same program as a socket filter (also `__sk_buff`); cgroup_skb has no data_meta.
    let v = accept(&LINUX, "socket_filter", LINUX_TC);
    assert_eq!(
        (v.context_size(), v.rewritten_loads()),
        (216, &[0, 1, 3][..])
    );
    // data_meta on one path, the packet on the other.
    let e = first_error(
        &LINUX,
        "sched_cls",
        "
        ldxw %r2, [%r1+76]
        ldxw %r3, [%r1+80]
        ldxw %r4, [%r1+0]
        mov %r0, 0
        mov %r5, %r2
        add %r5, 4
        jgt %r5, %r3, out
        mov %r6, %r1
        add %r6, 140
        jeq %r4, 0, load
        mov %r6, %r2
    load:
        ldxw %r7, [%r6+0]
    out:
        exit
    ",
    );
    assert_eq!(
        (e.pc(), e.kind().class()),
        (11, "ambiguous-context-load"),
        "{e}"
    );
    assert!(e.to_string().contains("`data_meta` pointer"), "{e}");
    assert!(e.to_string().contains("packet bytes"), "{e}");
}

#[test]
fn windows_and_eight_byte_layouts_are_left_alone() {
    let v = accept(
        &WINDOWS,
        "xdp",
        "ldxdw %r2, [%r1+0]\n ldxdw %r3, [%r1+8]\n mov %r0, %r3\n sub %r0, %r2\n exit",
    );
    assert_eq!(v.context_size(), 32);
    assert!(v.rewritten_loads().is_empty());
    assert_eq!(v.runnable(), v.program());
    // sk_msg_md's pointers are 8 bytes on Linux too.
    let v = accept(
        &LINUX,
        "sk_msg",
        "ldxdw %r2, [%r1+0]\n ldxdw %r3, [%r1+8]\n mov %r0, 1\n exit",
    );
    assert_eq!((v.context_size(), v.runnable()), (80, v.program()));
    // A Linux xdp program that reads no pointer: nothing rewritten, the host context all the same.
    let v = accept(&LINUX, "xdp", "ldxw %r0, [%r1+12]\n exit");
    assert_eq!((v.context_size(), v.rewritten_loads()), (48, &[][..]));
    assert_eq!(v.runnable(), v.program());
    assert_eq!(v.clone().into_runnable(), v.into_program());
}

/// `r{n}: a context pointer offset {k}` in a printed state: the context offsets in each
/// register.
fn ctx_offsets(state: &str) -> Vec<(u8, i64)> {
    state
        .split("; ")
        .filter_map(|part| {
            let (reg, rest) = part
                .strip_prefix('r')?
                .split_once(": a context pointer offset ")?;
            Some((reg.parse().ok()?, rest.trim().parse().ok()?))
        })
        .collect()
}

/// Every program of the clang-built Linux objects verifies, and its runnable form has no
/// 4-byte load of a pointer field: each load whose base the analysis knows to be the context
/// at a pointer field is an 8-byte load of that field's slot.
#[test]
fn clang_built_linux_objects_keep_no_narrow_pointer_load() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/host");
    let options = ebpf_loader::LoadOptions::new(&LINUX);
    let mut checked = 0;
    let mut rewritten = 0;
    let mut missing_helpers = Vec::new();
    for name in ["xdp_firewall.o", "maps.o", "helpers.o", "bench.o"] {
        let bytes = std::fs::read(dir.join(name)).expect("test object");
        let object = ebpf_loader::Object::parse(&bytes, &options).expect("parses");
        let maps = object.map_infos();
        for p in object.programs() {
            let id = format!("{name} {}", p.function);
            let prog_type = p.program_type.expect("typed section").name;
            let program = ebpf_isa::Program::from_insns(p.insns.clone()).expect("valid");
            let opts = Options {
                invariants: true,
                ..Options::default()
            };
            let v = match verify_with(&program, &LINUX, prog_type, &maps, &opts) {
                Ok(v) => v,
                // A helper the platform does not offer yet (queue and stack pops): not this
                // test's concern, but named.
                Err(e) if e[0].kind().class() == "unknown-helper" => {
                    missing_helpers.push(format!("{id}: {}", e[0]));
                    continue;
                }
                Err(e) => panic!("{id}: {}", e[0]),
            };
            let layout = LINUX.program_type(prog_type).unwrap().context.unwrap();
            let pointers = [layout.data, layout.data_end, layout.data_meta];
            let mut expected = Vec::new();
            for inv in v.invariants() {
                let Some(&Insn::Ldx { src, off, .. }) = program.insn_at(inv.pc) else {
                    continue;
                };
                for (reg, k) in ctx_offsets(&inv.state) {
                    let field = k + i64::from(off);
                    if reg != src.num() || !pointers.contains(&u32::try_from(field).ok()) {
                        continue;
                    }
                    let slot = layout.host_offset(field as u32).unwrap();
                    let want = (Size::DW, src.num(), i64::from(slot) - k);
                    let (size, _, s, o) = load_at(v.runnable(), inv.pc);
                    assert_eq!((size, s, i64::from(o)), want, "{id} pc {}", inv.pc);
                    expected.push(inv.pc);
                }
            }
            expected.sort_unstable();
            expected.dedup();
            assert_eq!(v.rewritten_loads(), &expected[..], "{id}");
            assert_eq!(v.context_size(), layout.host_size(), "{id}");
            rewritten += expected.len();
            checked += 1;
        }
    }
    assert_eq!(checked + missing_helpers.len(), 21);
    assert!(checked >= 20, "{missing_helpers:#?}");
    assert!(
        rewritten >= checked,
        "only {rewritten} pointer loads in {checked} programs"
    );
}
