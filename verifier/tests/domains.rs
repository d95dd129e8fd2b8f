//! Property tests of the abstract domains: lattice laws for every domain, and soundness of the
//! transfer functions (draw concrete values from inside the abstract values, apply the
//! concrete operation with the interpreter's semantics, check the result is inside the
//! abstract result).

use ebpf_interp::{NoHelpers, Program, Vm};
use ebpf_isa::{AluOp, Insn, LddwSrc, MovsxBits, Operand, Reg, Width};
use ebpf_verifier::domain::{Interval, RegType, Stack, VarId, Zone};
use ebpf_verifier::platform::SockKind;
use ebpf_verifier::Lattice;
use proptest::prelude::*;

#[path = "../src/domain/strategies.rs"]
mod strategies;
use strategies::{edgy, interval_with_member};

fn interval() -> impl Strategy<Value = Interval> {
    prop_oneof![
        1 => Just(Interval::BOTTOM),
        1 => Just(Interval::TOP),
        8 => interval_with_member().prop_map(|(i, _)| i),
    ]
}

fn run(insns: &[Insn]) -> u64 {
    let p = Program::from_insns(insns).expect("valid program");
    Vm::default()
        .run(&p, &mut [], &mut NoHelpers)
        .expect("no fault")
        .r0
}

fn lddw(dst: Reg, v: i64) -> Insn {
    let (imm, next_imm) = Insn::lddw_split(v as u64);
    Insn::Lddw {
        dst,
        src: LddwSrc::Imm,
        imm,
        next_imm,
    }
}

fn width() -> impl Strategy<Value = Width> {
    prop_oneof![Just(Width::W32), Just(Width::W64)]
}

/// The signed view of a register value.
fn view(r0: u64) -> i128 {
    i128::from(r0 as i64)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn interval_lattice_laws(a in interval(), b in interval(), c in interval()) {
        prop_assert!(a.leq(&a));
        prop_assert!(Interval::BOTTOM.leq(&a) && a.leq(&Interval::TOP));
        let mut j = a;
        j.join(&b);
        prop_assert!(a.leq(&j) && b.leq(&j));
        // Least: any upper bound of a and b is above the join.
        if a.leq(&c) && b.leq(&c) {
            prop_assert!(j.leq(&c));
        }
        let mut w = a;
        w.widen(&b);
        prop_assert!(a.leq(&w) && b.leq(&w));
        if a.leq(&b) && b.leq(&c) {
            prop_assert!(a.leq(&c));
        }
    }

    #[test]
    fn interval_widening_stabilises(start in interval(), steps in prop::collection::vec(interval(), 1..20)) {
        let mut w = start;
        let mut changes = 0;
        for s in &steps {
            let mut next = w;
            next.join(s);
            if w.widen(&next) {
                changes += 1;
            }
        }
        // Each bound can jump to infinity once, after the first value.
        prop_assert!(changes <= 3, "{changes} changes");
    }

    #[test]
    fn alu_transfer_is_sound(
        op in prop::sample::select(AluOp::ALL.to_vec()),
        w in width(),
        (ia, a) in interval_with_member(),
        (ib, b) in interval_with_member(),
    ) {
        let insns = [
            lddw(Reg::R1, a),
            lddw(Reg::R2, b),
            Insn::Alu { width: w, op, dst: Reg::R1, src: Operand::Reg(Reg::R2) },
            Insn::Alu { width: Width::W64, op: AluOp::Mov, dst: Reg::R0, src: Operand::Reg(Reg::R1) },
            Insn::Exit,
        ];
        let r = run(&insns);
        let abs = Interval::alu(op, w, ia, ib);
        prop_assert!(abs.contains(view(r)), "{op:?} {w:?}: {a} in {ia}, {b} in {ib} gives {} not in {abs}", r as i64);
    }

    #[test]
    fn alu_immediate_transfer_is_sound(
        op in prop::sample::select(AluOp::ALL.to_vec()),
        w in width(),
        (ia, a) in interval_with_member(),
        k in edgy().prop_map(|v| v as i32),
    ) {
        let insns = [
            lddw(Reg::R0, a),
            Insn::Alu { width: w, op, dst: Reg::R0, src: Operand::Imm(k) },
            Insn::Exit,
        ];
        let r = run(&insns);
        let abs = Interval::alu(op, w, ia, Interval::constant(k.into()));
        prop_assert!(abs.contains(view(r)), "{op:?} {w:?}: {a} in {ia}, imm {k} gives {} not in {abs}", r as i64);
    }

    #[test]
    fn neg_and_sign_extension_are_sound(
        (ia, a) in interval_with_member(),
        bits in prop::sample::select(vec![MovsxBits::B8, MovsxBits::B16, MovsxBits::B32]),
    ) {
        let neg = run(&[lddw(Reg::R0, a), Insn::Neg { width: Width::W64, dst: Reg::R0 }, Insn::Exit]);
        prop_assert!(ia.negate().contains(view(neg)));
        let neg32 = run(&[lddw(Reg::R0, a), Insn::Neg { width: Width::W32, dst: Reg::R0 }, Insn::Exit]);
        prop_assert!(ia.trunc(32).negate().trunc(32).contains(view(neg32)));
        let sx = run(&[
            lddw(Reg::R1, a),
            Insn::Movsx { width: Width::W64, bits, dst: Reg::R0, src: Reg::R1 },
            Insn::Exit,
        ]);
        prop_assert!(ia.sext(bits.bits()).contains(view(sx)));
    }
}

// ---- Zone ----

const VARS: [VarId; 4] = [VarId::reg(1), VarId::reg(2), VarId::reg(3), VarId::reg(4)];

#[derive(Clone, Debug)]
enum ZoneOp {
    Assign(usize, i64, i64),
    Copy(usize, usize, i64),
    Shift(usize, i64),
    Le(usize, usize, i64),
    Bound(usize, i64),
    Forget(usize),
    PlusInterval(usize, usize, i64, i64),
}

fn zone_op() -> impl Strategy<Value = ZoneOp> {
    let v = 0usize..4;
    prop_oneof![
        (v.clone(), edgy(), 0i64..100).prop_map(|(x, lo, w)| ZoneOp::Assign(
            x,
            lo,
            lo.saturating_add(w)
        )),
        (v.clone(), v.clone(), edgy()).prop_map(|(x, y, c)| ZoneOp::Copy(x, y, c)),
        (v.clone(), edgy()).prop_map(|(x, c)| ZoneOp::Shift(x, c)),
        (v.clone(), v.clone(), -50i64..50).prop_map(|(x, y, c)| ZoneOp::Le(x, y, c)),
        (v.clone(), edgy()).prop_map(|(x, c)| ZoneOp::Bound(x, c)),
        v.clone().prop_map(ZoneOp::Forget),
        (v.clone(), v, -20i64..20, 0i64..20).prop_map(|(x, y, lo, w)| ZoneOp::PlusInterval(
            x,
            y,
            lo,
            lo + w
        )),
    ]
}

/// Applies `ops` to a zone and to a concrete valuation kept inside it (assumptions that the
/// valuation violates are skipped). Values wrap like 64-bit registers.
fn apply(ops: &[ZoneOp], seed: &[i64; 4]) -> (Zone, [i64; 4]) {
    let mut z = Zone::top();
    let mut v = *seed;
    for (i, x) in VARS.iter().enumerate() {
        z.assign_interval(*x, Interval::constant(v[i]));
    }
    for op in ops {
        match *op {
            ZoneOp::Assign(x, lo, hi) => {
                z.assign_interval(VARS[x], Interval::new(lo.into(), hi.into()));
                v[x] = lo + (hi - lo) / 2;
            }
            ZoneOp::Copy(x, y, c) => {
                z.assign_var(VARS[x], VARS[y], c.into());
                v[x] = v[y].wrapping_add(c);
            }
            ZoneOp::Shift(x, c) => {
                z.shift(VARS[x], c.into());
                v[x] = v[x].wrapping_add(c);
            }
            ZoneOp::Le(x, y, c) => {
                if (v[x] as i128) - (v[y] as i128) <= c as i128 {
                    z.assume_le(VARS[x], VARS[y], c.into());
                }
            }
            ZoneOp::Bound(x, c) => {
                if v[x] <= c {
                    z.assume_le(VARS[x], VarId::ZERO, c.into());
                }
            }
            ZoneOp::Forget(x) => z.forget(VARS[x]),
            ZoneOp::PlusInterval(x, y, lo, hi) => {
                let d = lo + (hi - lo) / 3;
                z.assign_var_plus_interval(VARS[x], VARS[y], Interval::new(lo.into(), hi.into()));
                v[x] = v[y].wrapping_add(d);
            }
        }
    }
    (z, v)
}

fn member(z: &Zone, v: &[i64; 4]) -> bool {
    let val = |x: VarId| -> i128 {
        if x == VarId::ZERO {
            0
        } else {
            v[VARS.iter().position(|&y| y == x).unwrap()].into()
        }
    };
    !z.is_bottom() && z.constraints().all(|(a, b, c)| val(b) - val(a) <= c)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    #[test]
    fn zone_transfer_keeps_the_concrete_state(
        seed in prop::array::uniform4(edgy()),
        ops in prop::collection::vec(zone_op(), 0..12),
    ) {
        let (z, v) = apply(&ops, &seed);
        prop_assert!(member(&z, &v), "{v:?} not in {z:?}");
    }

    #[test]
    fn zone_join_and_widen_are_upper_bounds(
        s1 in prop::array::uniform4(edgy()),
        s2 in prop::array::uniform4(edgy()),
        o1 in prop::collection::vec(zone_op(), 0..10),
        o2 in prop::collection::vec(zone_op(), 0..10),
    ) {
        let (a, va) = apply(&o1, &s1);
        let (b, vb) = apply(&o2, &s2);
        let mut j = a.clone();
        j.join(&b);
        prop_assert!(a.leq(&j) && b.leq(&j));
        prop_assert!(member(&j, &va) && member(&j, &vb));
        let mut w = a.clone();
        w.widen(&j);
        prop_assert!(a.leq(&w) && j.leq(&w));
        prop_assert!(member(&w, &va) && member(&w, &vb));
        let mut t = a.clone();
        t.widen_with(&j, &[-1, 0, 1, 10, 1 << 20]);
        prop_assert!(member(&t, &va) && member(&t, &vb));
        prop_assert!(Zone::bottom().leq(&a) && a.leq(&Zone::top()));
        prop_assert!(a.leq(&a));
    }

    #[test]
    fn zone_widening_stabilises(
        seeds in prop::collection::vec(prop::array::uniform4(edgy()), 1..12),
        ops in prop::collection::vec(zone_op(), 0..6),
    ) {
        let mut w = apply(&ops, &seeds[0]).0;
        let mut changes = 0;
        for s in &seeds[1..] {
            let mut next = apply(&ops, s).0;
            next.join(&w);
            if w.widen(&next) {
                changes += 1;
            }
        }
        // Widening only removes constraints, and there are at most 20 of them over 4 variables.
        prop_assert!(changes <= 20);
    }
}

// ---- Kinds and stack ----

fn kinds() -> Vec<RegType> {
    let mut v = vec![
        RegType::Bottom,
        RegType::Num,
        RegType::Ctx,
        RegType::Stack,
        RegType::Packet,
        RegType::PacketEnd,
        RegType::MapPtr {
            map: 0,
            key_max: 4,
            value_min: 8,
            value_max: 8,
            kinds: 1,
            deny: 0,
        },
        RegType::MapPtr {
            map: 1,
            key_max: 8,
            value_min: 16,
            value_max: 16,
            kinds: 2,
            deny: RegType::DENY_WRITE,
        },
        RegType::MapPtr {
            map: RegType::MANY_MAPS,
            key_max: 8,
            value_min: 8,
            value_max: 16,
            kinds: 3,
            deny: 0,
        },
        RegType::MapPtr {
            map: RegType::MANY_MAPS,
            key_max: 8,
            value_min: 8,
            value_max: 16,
            kinds: 1 << 16 | 3,
            deny: RegType::DENY_WRITE | RegType::DENY_READ,
        },
        RegType::Mixed,
        RegType::Uninit,
    ];
    for size in [4, 8] {
        for alloc in [0, 3] {
            for (deny, map) in [
                (0, 0),
                (0, 1),
                (RegType::DENY_WRITE, RegType::MANY_MAPS),
                (RegType::DENY_READ, 0),
            ] {
                v.push(RegType::MapValue {
                    size,
                    alloc,
                    deny,
                    map,
                });
                for id in [0, 5, 6] {
                    v.push(RegType::MapValueOrNull {
                        size,
                        id,
                        alloc,
                        deny,
                        map,
                    });
                }
            }
        }
    }
    for (key_max, value_min, value_max, kinds, deny) in [
        (4, 8, 8, 1, 0),
        (8, 4, 16, 3, 0),
        (8, 4, 16, 3, RegType::DENY_WRITE),
    ] {
        for id in [0, 5, 6] {
            v.push(RegType::MapPtrOrNull {
                id,
                key_max,
                value_min,
                value_max,
                kinds,
                deny,
            });
        }
    }
    // Sockets: two views, two references, null-check ids; and a released reference.
    v.push(RegType::Released);
    for kind in [SockKind::Full, SockKind::Tcp] {
        for ref_id in [5 | RegType::SOCK_REF, 7 | RegType::SOCK_REF] {
            v.push(RegType::Sock { kind, ref_id });
            for id in [0, 5, 6] {
                v.push(RegType::SockOrNull { kind, id, ref_id });
            }
        }
    }
    v
}

#[test]
fn kind_lattice_laws_hold_exhaustively() {
    let all = kinds();
    for a in &all {
        assert!(a.leq(a));
        assert!(RegType::bottom().leq(a) && a.leq(&RegType::top()));
        for b in &all {
            let mut j = *a;
            j.join(b);
            assert!(a.leq(&j) && b.leq(&j), "{a:?} join {b:?} = {j:?}");
            let mut k = *b;
            k.join(a);
            assert_eq!(j, k, "join of {a:?} and {b:?} is not commutative");
            for c in &all {
                if a.leq(c) && b.leq(c) {
                    assert!(j.leq(c), "{a:?} join {b:?} = {j:?} is not below {c:?}");
                }
                if a.leq(b) && b.leq(c) {
                    assert!(a.leq(c), "{a:?} <= {b:?} <= {c:?}");
                }
            }
            if a.leq(b) && b.leq(a) {
                assert_eq!(a, b);
            }
        }
    }
}

fn stack_store() -> impl Strategy<Value = (i32, u8, RegType)> {
    (
        -6i32..0,
        prop::sample::select(vec![1u8, 2, 4, 8]),
        prop::sample::select(kinds()),
    )
        .prop_map(|(slot, size, ty)| {
            let ty = if ty.is_pointer() && size != 8 {
                RegType::Num
            } else {
                ty
            };
            (slot * 8 + if size == 8 { 0 } else { 2 }, size, ty)
        })
}

fn build_stack(stores: &[(i32, u8, RegType)]) -> Stack {
    let mut s = Stack::empty();
    for &(off, size, ty) in stores {
        s.store(off, size, ty);
    }
    s
}

proptest! {
    #[test]
    fn stack_lattice_laws(
        a in prop::collection::vec(stack_store(), 0..8),
        b in prop::collection::vec(stack_store(), 0..8),
    ) {
        let (a, b) = (build_stack(&a), build_stack(&b));
        prop_assert!(a.leq(&a));
        prop_assert!(Stack::bottom().leq(&a) && a.leq(&Stack::top()));
        let mut j = a.clone();
        j.join(&b);
        prop_assert!(a.leq(&j) && b.leq(&j), "{a:?} join {b:?} = {j:?}");
        // Joining again changes nothing.
        let mut jj = j.clone();
        prop_assert!(!jj.join(&b) && !jj.join(&a));
        // Initialised bytes not covered by a pointer cell are numbers on both sides: a pointer
        // byte never becomes a readable number.
        let covered = |st: &Stack, off: i32| {
            st.overlapping(off, off + 1).iter().any(|(_, c)| c.ty.is_pointer())
        };
        for off in -48..0 {
            if j.is_init(off, off + 1) && !covered(&j, off) {
                prop_assert!(!covered(&a, off) && !covered(&b, off), "byte {off}: {a:?} join {b:?} = {j:?}");
            }
        }
    }
}
