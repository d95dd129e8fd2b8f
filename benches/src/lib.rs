//! Shared benchmark programs (see `benches/`).
