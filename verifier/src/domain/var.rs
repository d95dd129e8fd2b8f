//! [`VarId`]: the numeric variables of the relational domain.

use core::fmt;

/// A numeric variable of the [`Zone`](super::Zone): the value (for numbers) or the offset (for
/// pointers) of a register, a stack cell or a saved register, the packet size, or a loop
/// counter.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VarId(u32);

const REG_BASE: u32 = 1;
const PACKET_SIZE: u32 = 12;
const PACKET_META: u32 = 13;
const LOCK_HELD: u32 = 14;
const LOCK_AT: u32 = 15;
const SAVED_BASE: u32 = 16;
const LOOP_BASE: u32 = 0x1000;
const STACK_BASE: u32 = 0x0100_0000;

impl VarId {
    /// The constant 0 that bounds are expressed against (never assigned).
    pub const ZERO: VarId = VarId(0);
    /// The largest id (for range queries).
    pub(crate) const MAX: VarId = VarId(u32::MAX);
    /// The packet size in bytes (`data_end - data`).
    pub const PACKET_SIZE: VarId = VarId(PACKET_SIZE);
    /// Offset of the packet metadata from the packet start (`data_meta - data`, at most 0):
    /// packet bytes from this offset on may be accessed.
    pub const PACKET_META: VarId = VarId(PACKET_META);

    /// Whether a spin lock is held: 0 (no) or 1 (yes); a range after paths that differ.
    pub const LOCK_HELD: VarId = VarId(LOCK_HELD);
    /// Which spin lock is held, when one is: its map's index times 2^16 plus its offset in
    /// the map value.
    pub const LOCK_AT: VarId = VarId(LOCK_AT);

    /// The number of the variable (its order).
    pub(crate) const fn index(self) -> u32 {
        self.0
    }

    /// The value or offset of register `r` (0-10).
    pub const fn reg(r: u8) -> VarId {
        VarId(REG_BASE + r as u32)
    }

    /// Callee-saved register `6 + i` of the caller at call depth `depth`.
    pub const fn saved(depth: u8, i: u8) -> VarId {
        VarId(SAVED_BASE + depth as u32 * 4 + i as u32)
    }

    /// The visit counter of loop head `node`.
    pub const fn loop_counter(node: u32) -> VarId {
        VarId(LOOP_BASE + 2 * node)
    }

    /// The negated visit counter of loop head `node` (it relates to counters that count down,
    /// which a difference bound cannot relate to the counter itself).
    pub const fn loop_countdown(node: u32) -> VarId {
        VarId(LOOP_BASE + 2 * node + 1)
    }

    /// The stack cell of `size` (1, 2, 4 or 8) bytes at `offset` below the top of frame 0.
    pub fn stack(offset: i32, size: u8) -> VarId {
        debug_assert!(offset < 0 && offset >= -(super::STACK_BYTES as i32));
        let log = size.trailing_zeros();
        VarId(STACK_BASE + ((-offset) as u32) * 4 + log)
    }
}

impl fmt::Debug for VarId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for VarId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        match v {
            0 => f.write_str("0"),
            PACKET_SIZE => f.write_str("packet_size"),
            PACKET_META => f.write_str("packet_meta"),
            LOCK_HELD => f.write_str("lock_held"),
            LOCK_AT => f.write_str("lock_at"),
            _ if (REG_BASE..REG_BASE + 11).contains(&v) => write!(f, "r{}", v - REG_BASE),
            _ if (SAVED_BASE..SAVED_BASE + 32).contains(&v) => {
                let i = v - SAVED_BASE;
                write!(f, "saved{}.r{}", i / 4, 6 + i % 4)
            }
            _ if (LOOP_BASE..STACK_BASE).contains(&v) => {
                let i = v - LOOP_BASE;
                let sign = if i % 2 == 0 { "" } else { "-" };
                write!(f, "{sign}loop_count@{}", i / 2)
            }
            _ => {
                let i = v - STACK_BASE;
                write!(f, "stack[{}:{}]", -((i / 4) as i64), 1u32 << (i % 4))
            }
        }
    }
}

/// What a [`VarId`] stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VarKind {
    /// [`VarId::ZERO`].
    Zero,
    /// A register.
    Reg(u8),
    /// [`VarId::PACKET_SIZE`] (and the other variables of the whole program:
    /// [`VarId::PACKET_META`], [`VarId::LOCK_HELD`], [`VarId::LOCK_AT`]).
    PacketSize,
    /// A saved callee-saved register: (depth, index 0-3 for r6-r9).
    Saved(u8, u8),
    /// A loop counter of the given node.
    Loop(u32),
    /// A stack cell: (offset, size).
    Stack(i32, u8),
}

impl VarId {
    /// What the variable stands for.
    pub fn kind(self) -> VarKind {
        let v = self.0;
        match v {
            0 => VarKind::Zero,
            PACKET_SIZE | PACKET_META | LOCK_HELD | LOCK_AT => VarKind::PacketSize,
            _ if (REG_BASE..REG_BASE + 11).contains(&v) => VarKind::Reg((v - REG_BASE) as u8),
            _ if (SAVED_BASE..SAVED_BASE + 32).contains(&v) => {
                let i = v - SAVED_BASE;
                VarKind::Saved((i / 4) as u8, (i % 4) as u8)
            }
            _ if (LOOP_BASE..STACK_BASE).contains(&v) => VarKind::Loop((v - LOOP_BASE) / 2),
            _ => {
                let i = v - STACK_BASE;
                VarKind::Stack(-((i / 4) as i32), 1u8 << (i % 4))
            }
        }
    }
}
