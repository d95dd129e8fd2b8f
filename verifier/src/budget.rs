//! [`Budget`]: the analysis' resource limits ([`Limits`]: visits, work, memory) and what it
//! has used of them.
//!
//! Work is counted in units of about one numeric constraint or stack cell handled: the
//! constraints a visit copies or derives, those of the states a join combines and the pairs
//! of variables it forms, those of the states an inclusion test compares, and
//! [`VISIT_WORK`] per visit. A visit's cost grows with the size of its state, so counting
//! visits alone bounds nothing; counting work bounds the analysis' time, 30 to 70 units a
//! microsecond however the program is built (measured on a busy two-core machine).

use alloc::format;
use alloc::string::String;
use core::cell::Cell;

use crate::error::{VerifyError, VerifyErrorKind};

/// Units of work of a visit besides the changes it makes: copying, stepping and storing a
/// state cost about as much as this many constraints.
pub(crate) const VISIT_WORK: u64 = 32;
/// Most explicit constraints in one state's zone (states are kept per instruction).
pub(crate) const MAX_CONSTRAINTS: usize = 200_000;

/// Resource limits of one analysis.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// Most instruction visits.
    pub(crate) visits: usize,
    /// Most bytes the kept states may take (an estimate kept up to date as states are
    /// replaced, checked at every visit).
    pub(crate) memory: usize,
    /// Most units of work.
    pub(crate) work: u64,
}

/// What the analysis has used of its [`Limits`].
#[derive(Debug)]
pub(crate) struct Budget {
    limits: Limits,
    visits: usize,
    /// A cell so that read-only joins and inclusion tests can count theirs.
    work: Cell<u64>,
    /// The estimated bytes the kept states take.
    bytes: usize,
}

impl Budget {
    pub(crate) fn new(limits: Limits) -> Budget {
        Budget {
            limits,
            visits: 0,
            work: Cell::new(0),
            bytes: 0,
        }
    }

    /// Adds `units` of work.
    pub(crate) fn charge(&self, units: u64) {
        self.work.set(self.work.get().saturating_add(units));
    }

    /// The work so far.
    pub(crate) fn work(&self) -> u64 {
        self.work.get()
    }

    /// Sets the estimated bytes of the kept states.
    pub(crate) fn set_bytes(&mut self, bytes: usize) {
        self.bytes = bytes;
    }

    /// States estimated at `old` bytes were replaced by states of `new` bytes.
    pub(crate) fn replace_bytes(&mut self, old: usize, new: usize) {
        self.bytes = (self.bytes + new).saturating_sub(old);
    }

    /// Counts a visit of the instruction at `pc` whose state has `constraints` numeric
    /// constraints, and fails naming the first limit it exceeds.
    pub(crate) fn visit(&mut self, pc: usize, constraints: usize) -> Result<(), VerifyError> {
        self.visits += 1;
        self.charge(VISIT_WORK);
        let fail =
            |detail: String| Err(VerifyError::new(pc, VerifyErrorKind::TooComplex { detail }));
        let limits = &self.limits;
        if self.work() > limits.work {
            return fail(format!(
                "the analysis did more than {} units of work (a unit: about one numeric \
                 constraint or stack cell of a state it copied, joined or compared)",
                limits.work
            ));
        }
        if self.visits > limits.visits {
            return fail(format!(
                "the analysis visited instructions more than {} times",
                limits.visits
            ));
        }
        if self.bytes > limits.memory {
            return fail(format!(
                "the analysis' states would take about {}, more than the limit of {}",
                human_bytes(self.bytes),
                human_bytes(limits.memory)
            ));
        }
        if constraints > MAX_CONSTRAINTS {
            return fail(format!(
                "more than {MAX_CONSTRAINTS} numeric constraints in one state"
            ));
        }
        Ok(())
    }
}

/// `bytes` in KiB or MiB (rounded up).
fn human_bytes(bytes: usize) -> String {
    if bytes >= 1 << 20 {
        format!("{} MiB", bytes.div_ceil(1 << 20))
    } else {
        format!("{} KiB", bytes.div_ceil(1 << 10))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOMY: Limits = Limits {
        visits: 1000,
        memory: 1 << 20,
        work: 1 << 20,
    };

    fn detail(r: Result<(), VerifyError>) -> String {
        match r.expect_err("over a limit").kind() {
            VerifyErrorKind::TooComplex { detail } => detail.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_visit_costs_its_fixed_work_and_charges_add_up() {
        let mut b = Budget::new(ROOMY);
        b.visit(0, 10).unwrap();
        b.charge(100);
        b.charge(5);
        assert_eq!(b.work(), VISIT_WORK + 105);
        b.visit(1, 10).unwrap();
        assert_eq!(b.work(), 2 * VISIT_WORK + 105);
    }

    #[test]
    fn work_over_the_limit_fails_the_next_visit_naming_it() {
        let mut b = Budget::new(Limits {
            work: 1000,
            ..ROOMY
        });
        b.visit(0, 10).unwrap();
        b.charge(1000);
        let d = detail(b.visit(7, 10));
        assert!(d.contains("more than 1000 units of work"), "{d}");
    }

    #[test]
    fn few_costly_visits_exceed_the_work_limit_before_the_visit_limit() {
        // The point of counting work: ten visits of states of 10,000 constraints each.
        let mut b = Budget::new(Limits {
            work: 50_000,
            ..ROOMY
        });
        let mut failed = None;
        for pc in 0..10 {
            if let Err(e) = b.visit(pc, 10_000) {
                failed = Some(e);
                break;
            }
            b.charge(10_000);
        }
        let e = failed.expect("over the work limit");
        assert_eq!(e.pc(), 5);
    }

    #[test]
    fn the_memory_estimate_follows_replaced_states() {
        let mut b = Budget::new(Limits {
            memory: 10_000,
            ..ROOMY
        });
        b.set_bytes(4000);
        b.replace_bytes(1000, 6000);
        assert_eq!(b.bytes, 9000);
        b.visit(0, 1).unwrap();
        b.replace_bytes(0, 2000);
        let d = detail(b.visit(3, 1));
        assert!(
            d.contains("about 11 KiB, more than the limit of 10 KiB"),
            "{d}"
        );
        b.replace_bytes(20_000, 0);
        assert_eq!(b.bytes, 0, "never below zero");
    }

    #[test]
    fn visits_and_constraints_have_their_own_limits() {
        let mut b = Budget::new(Limits { visits: 2, ..ROOMY });
        b.visit(0, 1).unwrap();
        b.visit(0, 1).unwrap();
        assert!(detail(b.visit(0, 1)).contains("more than 2 times"));
        let mut b = Budget::new(ROOMY);
        let d = detail(b.visit(0, MAX_CONSTRAINTS + 1));
        assert!(d.contains("numeric constraints in one state"), "{d}");
    }
}
