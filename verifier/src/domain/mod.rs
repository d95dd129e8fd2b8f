//! The abstract domains: [`Interval`], [`Zone`] (a sparse difference-bound matrix over
//! [`VarId`]s), [`RegType`] (the region a value points into) and [`Stack`] (initialised bytes
//! and spilled values).

mod interval;
mod stack;
#[cfg(test)]
pub(crate) mod strategies;
mod types;
mod var;
mod zone;

pub use interval::Interval;
pub use stack::{Cell, Stack, FRAME_SIZE, STACK_BYTES};
pub use types::RegType;
pub use var::{VarId, VarKind};
pub use zone::Zone;
