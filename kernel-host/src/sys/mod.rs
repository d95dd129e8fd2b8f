//! The only module of the crate that uses `unsafe`; everything it exports is safe to call.
//!
//! - [`lock::SpinLock`]: a spin lock on an atomic flag (no_std), used by writers only.
//! - [`rcu::RcuSlots`]: atomic owning pointers whose readers hold an epoch
//!   [`Guard`](crate::epoch::Guard) and whose old values are retired through that epoch.
//! - [`deferred::Deferred`]: a type-erased drop or call, run when the epoch says it is safe.
//! - [`percpu::PerCpu`]: one value per virtual CPU, claimed by the invocation on that CPU.
//! - [`interp::InterpMem`]: helpers' view of an interpreter run's memory (granting map values).
//! - `jit` (x86-64): JIT images installed in the `Os`'s executable memory (compiled here with
//!   feature `std`, or from a native image), their runs and the helpers' view of real
//!   addresses.
//! - `std_os::StdOs` (feature `std`): the user-mode [`Os`](crate::os::Os): `mmap`'d executable
//!   memory, `clock_gettime`, `getrandom`, `sched_getcpu`.
//!
//! Every `unsafe` block carries a `// SAFETY:` comment naming the invariant and who keeps it.

pub(crate) mod deferred;
pub(crate) mod interp;
#[cfg(target_arch = "x86_64")]
pub(crate) mod jit;
pub(crate) mod lock;
pub(crate) mod percpu;
pub(crate) mod rcu;
#[cfg(feature = "std")]
pub(crate) mod std_os;
