//! Which registers an instruction reads and writes: [`RegSet`] and [`RegAccess`], from
//! [`Insn::regs`], the one description every analysis (the verifier's liveness and structural
//! checks, the JIT's argument liveness, [`Program`](crate::Program)'s frame-pointer check) uses.

use core::fmt;

use crate::insn::{AluOp, AtomicOp, CallTarget, Insn, Operand, Reg};

/// A set of registers, bit `i` for `ri`.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct RegSet(u16);

impl RegSet {
    /// No register.
    pub const EMPTY: RegSet = RegSet(0);
    /// `r1` to `r5`, the argument registers.
    pub const ARGS: RegSet = RegSet(0b11_1110);
    /// `r0`.
    pub const R0: RegSet = RegSet(1);
    /// `r0` to `r10`.
    pub const ALL: RegSet = RegSet(0x7ff);

    /// The set holding `r` alone.
    pub const fn of(r: Reg) -> RegSet {
        RegSet(1 << r.num())
    }

    /// The set from its bits (bit `i` for `ri`; bits above 10 are dropped).
    pub const fn from_bits(bits: u16) -> RegSet {
        RegSet(bits & 0x7ff)
    }

    /// Bit `i` for `ri`.
    pub const fn bits(self) -> u16 {
        self.0
    }

    /// Whether `r` is in the set.
    pub const fn contains(self, r: Reg) -> bool {
        self.0 & (1 << r.num()) != 0
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Both sets.
    pub const fn union(self, other: RegSet) -> RegSet {
        RegSet(self.0 | other.0)
    }

    /// The registers of `self` not in `other`.
    pub const fn minus(self, other: RegSet) -> RegSet {
        RegSet(self.0 & !other.0)
    }

    /// The registers in both.
    pub const fn intersect(self, other: RegSet) -> RegSet {
        RegSet(self.0 & other.0)
    }

    /// The registers, lowest first.
    pub fn iter(self) -> impl Iterator<Item = Reg> {
        (0..Reg::COUNT as u8)
            .filter(move |&n| self.0 & (1 << n) != 0)
            .filter_map(Reg::new)
    }
}

impl fmt::Debug for RegSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// The registers one instruction reads and writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RegAccess {
    /// Registers whose value the instruction reads (a helper or local call reads all of
    /// `r1`-`r5`: their number of arguments is not known here).
    pub uses: RegSet,
    /// Registers the instruction gives a value it defines: a destination, a fetching atomic's
    /// source register, `r0` for `cmpxchg`, calls and legacy packet loads.
    pub defs: RegSet,
    /// Registers whose value the calling convention leaves unspecified afterwards: `r1`-`r5`
    /// after a call or a legacy packet load. The engines here keep them unchanged, so an
    /// analysis of what a program may observe keeps them; one of what a valid program may
    /// read (the verifier) treats them as dead.
    pub clobbers: RegSet,
}

impl Insn {
    /// The registers this instruction reads and writes.
    pub fn regs(&self) -> RegAccess {
        let of = RegSet::of;
        let operand = |o: Operand| match o {
            Operand::Reg(r) => of(r),
            Operand::Imm(_) => RegSet::EMPTY,
        };
        let access = |uses: RegSet, defs: RegSet| RegAccess {
            uses,
            defs,
            clobbers: RegSet::EMPTY,
        };
        let call = |extra: RegSet| RegAccess {
            uses: RegSet::ARGS.union(extra),
            defs: RegSet::R0,
            clobbers: RegSet::ARGS,
        };
        match *self {
            Insn::Alu {
                op: AluOp::Mov,
                dst,
                src,
                ..
            } => access(operand(src), of(dst)),
            Insn::Alu { dst, src, .. } => access(of(dst).union(operand(src)), of(dst)),
            Insn::Neg { dst, .. } | Insn::End { dst, .. } => access(of(dst), of(dst)),
            Insn::Movsx { dst, src, .. } => access(of(src), of(dst)),
            Insn::Ja { .. } | Insn::Ja32 { .. } | Insn::MayGoto { .. } => RegAccess::default(),
            Insn::Jmp { dst, src, .. } => access(of(dst).union(operand(src)), RegSet::EMPTY),
            Insn::Call(CallTarget::Helper(_) | CallTarget::Local(_) | CallTarget::Btf(_)) => {
                call(RegSet::EMPTY)
            }
            Insn::Callx { reg } => call(of(reg)),
            Insn::Exit => access(RegSet::R0, RegSet::EMPTY),
            Insn::Lddw { dst, .. } => access(RegSet::EMPTY, of(dst)),
            Insn::Ldx { dst, src, .. } | Insn::Ldxs { dst, src, .. } => access(of(src), of(dst)),
            Insn::St { dst, .. } => access(of(dst), RegSet::EMPTY),
            Insn::Stx { dst, src, .. } => access(of(dst).union(of(src)), RegSet::EMPTY),
            Insn::Atomic {
                op: AtomicOp::CmpXchg,
                dst,
                src,
                ..
            } => access(of(dst).union(of(src)).union(RegSet::R0), RegSet::R0),
            Insn::Atomic {
                op,
                fetch,
                dst,
                src,
                ..
            } => {
                let defs = if fetch || op == AtomicOp::Xchg {
                    of(src)
                } else {
                    RegSet::EMPTY
                };
                access(of(dst).union(of(src)), defs)
            }
            Insn::LdAbs { .. } => RegAccess {
                uses: of(Reg::R6),
                defs: RegSet::R0,
                clobbers: RegSet::ARGS,
            },
            Insn::LdInd { src, .. } => RegAccess {
                uses: of(Reg::R6).union(of(src)),
                defs: RegSet::R0,
                clobbers: RegSet::ARGS,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::insn::{Size, Width};

    fn set(regs: &[u8]) -> RegSet {
        regs.iter().fold(RegSet::EMPTY, |s, &n| {
            s.union(RegSet::of(Reg::new(n).unwrap()))
        })
    }

    fn atomic(op: AtomicOp, fetch: bool) -> Insn {
        Insn::Atomic {
            size: Size::DW,
            op,
            fetch,
            dst: Reg::R1,
            src: Reg::R2,
            off: 0,
        }
    }

    #[test]
    fn atomics() {
        let plain = atomic(AtomicOp::Add, false).regs();
        assert_eq!((plain.uses, plain.defs), (set(&[1, 2]), RegSet::EMPTY));
        let fetch = atomic(AtomicOp::Or, true).regs();
        assert_eq!((fetch.uses, fetch.defs), (set(&[1, 2]), set(&[2])));
        let xchg = atomic(AtomicOp::Xchg, true).regs();
        assert_eq!(xchg.defs, set(&[2]));
        let cmpxchg = atomic(AtomicOp::CmpXchg, true).regs();
        assert_eq!((cmpxchg.uses, cmpxchg.defs), (set(&[0, 1, 2]), set(&[0])));
    }

    #[test]
    fn moves_define_without_reading_their_destination() {
        let mov = Insn::Alu {
            width: Width::W64,
            op: AluOp::Mov,
            dst: Reg::R3,
            src: Operand::Reg(Reg::R4),
        };
        assert_eq!((mov.regs().uses, mov.regs().defs), (set(&[4]), set(&[3])));
        let add = Insn::Alu {
            width: Width::W32,
            op: AluOp::Add,
            dst: Reg::R3,
            src: Operand::Imm(1),
        };
        assert_eq!((add.regs().uses, add.regs().defs), (set(&[3]), set(&[3])));
    }

    #[test]
    fn calls_and_packet_loads_clobber_the_arguments() {
        for insn in [
            Insn::Call(CallTarget::Helper(1)),
            Insn::Call(CallTarget::Local(0)),
            Insn::LdAbs {
                size: Size::B,
                imm: 0,
            },
        ] {
            let a = insn.regs();
            assert_eq!((a.defs, a.clobbers), (RegSet::R0, RegSet::ARGS), "{insn:?}");
        }
        let callx = Insn::Callx { reg: Reg::R7 }.regs();
        assert_eq!(callx.uses, RegSet::ARGS.union(set(&[7])));
        let ldind = Insn::LdInd {
            size: Size::W,
            src: Reg::R8,
            imm: 0,
        };
        assert_eq!(ldind.regs().uses, set(&[6, 8]));
    }

    #[test]
    fn set_operations() {
        let s = set(&[0, 3, 10]);
        assert!(s.contains(Reg::R10) && !s.contains(Reg::R1));
        assert_eq!(
            s.iter().map(Reg::num).collect::<std::vec::Vec<_>>(),
            [0, 3, 10]
        );
        assert_eq!(s.minus(set(&[3])), set(&[0, 10]));
        assert_eq!(s.intersect(RegSet::ARGS), set(&[3]));
        assert_eq!(RegSet::from_bits(0xffff), RegSet::ALL);
        assert_eq!(std::format!("{s:?}"), "{r0, r3, r10}");
    }
}
