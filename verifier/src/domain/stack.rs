//! [`Stack`]: which stack bytes are initialised, and the values stored in cells.
//!
//! Offsets are bytes below the top of frame 0 (negative); frame `d` occupies
//! `[-FRAME_SIZE * (d + 1), -FRAME_SIZE * d)`. A [`Cell`] is a store of 1, 2, 4 or 8 bytes whose
//! value is still known: its kind and, through [`VarId::stack`](super::VarId::stack), its
//! number or offset. Invariant: every initialised byte that no pointer cell covers holds
//! (part of) a number, so reading it leaks no address.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use super::types::RegType;
use crate::lattice::Lattice;

/// Bytes of one frame.
pub const FRAME_SIZE: i32 = 512;
/// Bytes of all frames (8 frames).
pub const STACK_BYTES: usize = 4096;
const WORDS: usize = STACK_BYTES / 64;

/// A stored value whose kind is known.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Cell {
    /// 1, 2, 4 or 8 bytes (pointers: 8).
    pub size: u8,
    /// Kind of the value.
    pub ty: RegType,
}

/// The stack domain.
#[derive(Clone, PartialEq, Eq)]
pub struct Stack {
    bottom: bool,
    /// Shared between clones until one changes, like the zone's maps.
    init: Arc<[u64; WORDS]>,
    cells: Arc<BTreeMap<i32, Cell>>,
}

fn byte_index(off: i32) -> usize {
    (off + STACK_BYTES as i32) as usize
}

impl Stack {
    /// No byte initialised, no cell.
    pub fn empty() -> Stack {
        Stack {
            bottom: false,
            init: Arc::new([0; WORDS]),
            cells: Arc::new(BTreeMap::new()),
        }
    }

    fn set_init(&mut self, lo: i32, hi: i32, value: bool) {
        let lo = lo.max(-(STACK_BYTES as i32));
        let hi = hi.min(0);
        if lo >= hi {
            return;
        }
        let init = Arc::make_mut(&mut self.init);
        for off in lo..hi {
            let b = byte_index(off);
            if value {
                init[b / 64] |= 1 << (b % 64);
            } else {
                init[b / 64] &= !(1 << (b % 64));
            }
        }
    }

    /// Whether every byte of `[lo, hi)` is initialised.
    pub fn is_init(&self, lo: i32, hi: i32) -> bool {
        if lo < -(STACK_BYTES as i32) || hi > 0 {
            return false;
        }
        (lo..hi).all(|off| {
            let b = byte_index(off);
            self.init[b / 64] & (1 << (b % 64)) != 0
        })
    }

    /// Whether `self` and `other` have the same initialised bytes.
    pub fn same_init(&self, other: &Stack) -> bool {
        self.init == other.init
    }

    /// The first byte of `[lo, hi)` that may be uninitialised.
    pub fn first_uninit(&self, lo: i32, hi: i32) -> Option<i32> {
        (lo..hi).find(|&off| !self.is_init(off, off + 1))
    }

    /// The cell starting exactly at `off` with `size` bytes.
    pub fn cell(&self, off: i32, size: u8) -> Option<Cell> {
        self.cells.get(&off).copied().filter(|c| c.size == size)
    }

    /// Cells overlapping `[lo, hi)`, with their offsets.
    pub fn overlapping(&self, lo: i32, hi: i32) -> Vec<(i32, Cell)> {
        if hi <= lo {
            return Vec::new();
        }
        self.cells
            .range(lo - 8..hi)
            .filter(|(&o, c)| o + i32::from(c.size) > lo)
            .map(|(&o, &c)| (o, c))
            .collect()
    }

    /// Whether `self` and `other` are the same maps (copies of one stack).
    pub(crate) fn shares(&self, other: &Stack) -> bool {
        Arc::ptr_eq(&self.cells, &other.cells) && Arc::ptr_eq(&self.init, &other.init)
    }

    /// How many cells hold a known value.
    pub fn cell_count(&self) -> usize {
        self.cells.len()
    }

    /// The cells, by offset.
    pub fn cells(&self) -> impl Iterator<Item = (i32, Cell)> + '_ {
        self.cells.iter().map(|(&o, &c)| (o, c))
    }

    /// Removes the cells overlapping `[lo, hi)` and returns them; bytes of removed pointer cells
    /// outside `[lo, hi)` become uninitialised (or all their bytes when `maybe` is set, for
    /// writes that may or may not happen).
    fn remove_overlapping(&mut self, lo: i32, hi: i32, maybe: bool) -> Vec<(i32, Cell)> {
        let removed = self.overlapping(lo, hi);
        for &(o, c) in &removed {
            Arc::make_mut(&mut self.cells).remove(&o);
            if c.ty.is_pointer() {
                let end = o + i32::from(c.size);
                if maybe {
                    self.set_init(o, end, false);
                } else {
                    self.set_init(o, lo, false);
                    self.set_init(hi, end, false);
                }
            }
        }
        removed
    }

    /// A store of `size` bytes at `off` of a value of kind `ty` (a cell is kept when `ty` has a
    /// meaningful value). Returns the cells it replaced.
    pub fn store(&mut self, off: i32, size: u8, ty: RegType) -> Vec<(i32, Cell)> {
        let hi = off + i32::from(size);
        let removed = self.remove_overlapping(off, hi, false);
        self.set_init(off, hi, true);
        if ty.has_var() || ty.is_pointer() {
            Arc::make_mut(&mut self.cells).insert(off, Cell { size, ty });
        }
        removed
    }

    /// Bytes `[lo, hi)` are written with numbers of unknown value; bytes `[lo, definite_hi)`
    /// certainly, the rest maybe. Returns the cells it removed.
    pub fn havoc(&mut self, lo: i32, definite_hi: i32, hi: i32) -> Vec<(i32, Cell)> {
        let removed = self.remove_overlapping(lo, hi, definite_hi < hi);
        self.set_init(lo, definite_hi, true);
        removed
    }

    /// Makes `[lo, hi)` unreadable, removing the cells that overlap it.
    pub fn invalidate(&mut self, lo: i32, hi: i32) -> Vec<(i32, Cell)> {
        let removed = self.remove_overlapping(lo, hi, true);
        self.set_init(lo, hi, false);
        removed
    }

    /// Forgets everything below `off` (frames that returned). Returns the removed cells.
    pub fn drop_below(&mut self, off: i32) -> Vec<(i32, Cell)> {
        self.set_init(-(STACK_BYTES as i32), off, false);
        let removed: Vec<(i32, Cell)> = self.cells.range(..off).map(|(&o, &c)| (o, c)).collect();
        for (o, _) in &removed {
            Arc::make_mut(&mut self.cells).remove(o);
        }
        removed
    }

    /// Sets the kind of the cell at `off` (which must exist).
    pub fn set_kind(&mut self, off: i32, ty: RegType) {
        if let Some(c) = Arc::make_mut(&mut self.cells).get_mut(&off) {
            c.ty = ty;
        }
    }

    /// Replaces the kind of every cell for which `f` returns a new one.
    pub fn retype(&mut self, mut f: impl FnMut(RegType) -> Option<RegType>) {
        let changes: Vec<(i32, RegType)> = self
            .cells
            .iter()
            .filter_map(|(&o, c)| Some((o, f(c.ty)?)))
            .collect();
        if changes.is_empty() {
            return;
        }
        let cells = Arc::make_mut(&mut self.cells);
        for (o, t) in changes {
            if let Some(c) = cells.get_mut(&o) {
                c.ty = t;
            }
        }
    }
}

impl Lattice for Stack {
    fn bottom() -> Self {
        Stack {
            bottom: true,
            init: Arc::new([0; WORDS]),
            cells: Arc::new(BTreeMap::new()),
        }
    }

    fn top() -> Self {
        Stack::empty()
    }

    fn is_bottom(&self) -> bool {
        self.bottom
    }

    fn leq(&self, other: &Self) -> bool {
        if self.bottom {
            return true;
        }
        if other.bottom {
            return false;
        }
        if Arc::ptr_eq(&self.cells, &other.cells) && Arc::ptr_eq(&self.init, &other.init) {
            return true;
        }
        let init_ok = self
            .init
            .iter()
            .zip(other.init.iter())
            .all(|(a, b)| a & b == *b);
        init_ok
            && other.cells.iter().all(|(o, cb)| {
                self.cells
                    .get(o)
                    .is_some_and(|ca| ca.size == cb.size && ca.ty.leq(&cb.ty))
            })
    }

    fn join(&mut self, other: &Self) -> bool {
        if other.bottom {
            return false;
        }
        if self.bottom {
            *self = other.clone();
            return true;
        }
        if Arc::ptr_eq(&self.cells, &other.cells) && Arc::ptr_eq(&self.init, &other.init) {
            return false;
        }
        let mut changed = false;
        for (a, b) in Arc::make_mut(&mut self.init)
            .iter_mut()
            .zip(other.init.iter())
        {
            changed |= *a & *b != *a;
            *a &= *b;
        }
        let mut uninit: Vec<(i32, i32)> = Vec::new();
        let mut kept = BTreeMap::new();
        for (&o, &ca) in self.cells.iter() {
            match other.cells.get(&o) {
                Some(&cb) if cb.size == ca.size => {
                    let mut t = ca.ty;
                    t.join(&cb.ty);
                    if t.has_var() || t.is_pointer() {
                        kept.insert(
                            o,
                            Cell {
                                size: ca.size,
                                ty: t,
                            },
                        );
                    } else if ca.ty.is_pointer() || cb.ty.is_pointer() {
                        uninit.push((o, o + i32::from(ca.size)));
                    }
                }
                _ if ca.ty.is_pointer() => uninit.push((o, o + i32::from(ca.size))),
                _ => {}
            }
        }
        for (&o, &cb) in other.cells.iter() {
            let matched = kept.contains_key(&o);
            if !matched && cb.ty.is_pointer() {
                uninit.push((o, o + i32::from(cb.size)));
            }
        }
        changed |= kept != *self.cells;
        self.cells = Arc::new(kept);
        for (lo, hi) in uninit {
            changed |= (lo..hi).any(|off| self.is_init(off, off + 1));
            self.set_init(lo, hi, false);
        }
        changed
    }

    fn widen(&mut self, newer: &Self) -> bool {
        self.join(newer)
    }
}

impl fmt::Debug for Stack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.bottom {
            return f.write_str("bottom");
        }
        // Initialised ranges, then cells.
        f.write_str("init {")?;
        let mut off = -(STACK_BYTES as i32);
        let mut first = true;
        while off < 0 {
            if self.is_init(off, off + 1) {
                let start = off;
                while off < 0 && self.is_init(off, off + 1) {
                    off += 1;
                }
                if !first {
                    f.write_str(", ")?;
                }
                first = false;
                write!(f, "[{start}, {off})")?;
            } else {
                off += 1;
            }
        }
        f.write_str("} cells {")?;
        for (i, (o, c)) in self.cells.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{o}:{}={}", c.size, c.ty)?;
        }
        f.write_str("}")
    }
}
