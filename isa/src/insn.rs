//! The typed instruction enum and its operand types.

use core::fmt;

/// A register, `r0` to `r10` (`r10` is the read-only frame pointer).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reg(u8);

impl Reg {
    /// Return value and exit code.
    pub const R0: Reg = Reg(0);
    /// First argument.
    pub const R1: Reg = Reg(1);
    /// Second argument.
    pub const R2: Reg = Reg(2);
    /// Third argument.
    pub const R3: Reg = Reg(3);
    /// Fourth argument.
    pub const R4: Reg = Reg(4);
    /// Fifth argument.
    pub const R5: Reg = Reg(5);
    /// Callee-saved.
    pub const R6: Reg = Reg(6);
    /// Callee-saved.
    pub const R7: Reg = Reg(7);
    /// Callee-saved.
    pub const R8: Reg = Reg(8);
    /// Callee-saved.
    pub const R9: Reg = Reg(9);
    /// Frame pointer (read-only).
    pub const R10: Reg = Reg(10);
    /// The frame pointer, an alias of [`Reg::R10`].
    pub const FP: Reg = Reg(10);
    /// Number of registers.
    pub const COUNT: usize = 11;

    /// `Some` for 0 to 10.
    pub const fn new(n: u8) -> Option<Reg> {
        if n <= 10 {
            Some(Reg(n))
        } else {
            None
        }
    }

    /// The register number, 0 to 10.
    pub const fn num(self) -> u8 {
        self.0
    }

    /// The register number as an index into a register file.
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Debug for Reg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "r{}", self.0)
    }
}

impl fmt::Display for Reg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "%r{}", self.0)
    }
}

/// Operation width of arithmetic and jumps: the ALU/ALU64 and JMP32/JMP classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Width {
    /// 32-bit: operands are truncated and ALU results zero-extended.
    W32,
    /// 64-bit.
    W64,
}

/// The second operand: a register or the sign-extended immediate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operand {
    /// `BPF_X`: the source register.
    Reg(Reg),
    /// `BPF_K`: the 32-bit immediate.
    Imm(i32),
}

/// Binary arithmetic operations (`dst = dst op src`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AluOp {
    /// `dst += src`
    Add,
    /// `dst -= src`
    Sub,
    /// `dst *= src`
    Mul,
    /// Unsigned `dst /= src` (0 when `src` is 0).
    Div,
    /// Signed division (offset 1, ISA v4).
    SDiv,
    /// `dst |= src`
    Or,
    /// `dst &= src`
    And,
    /// `dst <<= src` (count masked).
    Lsh,
    /// Logical `dst >>= src` (count masked).
    Rsh,
    /// Unsigned `dst %= src` (`dst` unchanged when `src` is 0).
    Mod,
    /// Signed modulo (offset 1, ISA v4), truncating like C.
    SMod,
    /// `dst ^= src`
    Xor,
    /// `dst = src`
    Mov,
    /// Arithmetic `dst >>= src` (count masked).
    Arsh,
}

impl AluOp {
    /// Every binary operation, for tests and generators.
    pub const ALL: [AluOp; 14] = [
        AluOp::Add,
        AluOp::Sub,
        AluOp::Mul,
        AluOp::Div,
        AluOp::SDiv,
        AluOp::Or,
        AluOp::And,
        AluOp::Lsh,
        AluOp::Rsh,
        AluOp::Mod,
        AluOp::SMod,
        AluOp::Xor,
        AluOp::Mov,
        AluOp::Arsh,
    ];
}

/// Source width of a sign-extending move (`movsx`, ISA v4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MovsxBits {
    /// From the low 8 bits.
    B8,
    /// From the low 16 bits.
    B16,
    /// From the low 32 bits (64-bit destination only).
    B32,
}

impl MovsxBits {
    /// 8, 16 or 32.
    pub const fn bits(self) -> u32 {
        match self {
            MovsxBits::B8 => 8,
            MovsxBits::B16 => 16,
            MovsxBits::B32 => 32,
        }
    }
}

/// Byte order conversion of `END` instructions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ByteOrder {
    /// `le16/le32/le64`: to little-endian (truncates on a little-endian machine).
    Le,
    /// `be16/be32/be64`: to big-endian.
    Be,
    /// `bswap16/32/64`: unconditional swap (ALU64 class, ISA v4).
    Swap,
}

/// Width of an `END` instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EndBits {
    /// 16 bits.
    B16,
    /// 32 bits.
    B32,
    /// 64 bits.
    B64,
}

impl EndBits {
    /// 16, 32 or 64.
    pub const fn bits(self) -> u32 {
        match self {
            EndBits::B16 => 16,
            EndBits::B32 => 32,
            EndBits::B64 => 64,
        }
    }
}

/// Conditions of conditional jumps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JmpCond {
    /// `==`
    Eq,
    /// Unsigned `>`
    Gt,
    /// Unsigned `>=`
    Ge,
    /// `dst & src != 0`
    Set,
    /// `!=`
    Ne,
    /// Signed `>`
    Sgt,
    /// Signed `>=`
    Sge,
    /// Unsigned `<`
    Lt,
    /// Unsigned `<=`
    Le,
    /// Signed `<`
    Slt,
    /// Signed `<=`
    Sle,
}

impl JmpCond {
    /// Every condition, for tests and generators.
    pub const ALL: [JmpCond; 11] = [
        JmpCond::Eq,
        JmpCond::Gt,
        JmpCond::Ge,
        JmpCond::Set,
        JmpCond::Ne,
        JmpCond::Sgt,
        JmpCond::Sge,
        JmpCond::Lt,
        JmpCond::Le,
        JmpCond::Slt,
        JmpCond::Sle,
    ];

    /// Evaluates the condition on 64-bit values (callers truncate for JMP32 and sign-extend
    /// 32-bit values for the signed conditions).
    #[inline]
    pub const fn eval64(self, a: u64, b: u64) -> bool {
        match self {
            JmpCond::Eq => a == b,
            JmpCond::Gt => a > b,
            JmpCond::Ge => a >= b,
            JmpCond::Set => a & b != 0,
            JmpCond::Ne => a != b,
            JmpCond::Sgt => (a as i64) > (b as i64),
            JmpCond::Sge => (a as i64) >= (b as i64),
            JmpCond::Lt => a < b,
            JmpCond::Le => a <= b,
            JmpCond::Slt => (a as i64) < (b as i64),
            JmpCond::Sle => (a as i64) <= (b as i64),
        }
    }

    /// Evaluates the condition on 32-bit values (JMP32 class).
    #[inline]
    pub const fn eval32(self, a: u32, b: u32) -> bool {
        match self {
            JmpCond::Eq => a == b,
            JmpCond::Gt => a > b,
            JmpCond::Ge => a >= b,
            JmpCond::Set => a & b != 0,
            JmpCond::Ne => a != b,
            JmpCond::Sgt => (a as i32) > (b as i32),
            JmpCond::Sge => (a as i32) >= (b as i32),
            JmpCond::Lt => a < b,
            JmpCond::Le => a <= b,
            JmpCond::Slt => (a as i32) < (b as i32),
            JmpCond::Sle => (a as i32) <= (b as i32),
        }
    }
}

/// Memory access sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Size {
    /// 1 byte.
    B,
    /// 2 bytes.
    H,
    /// 4 bytes.
    W,
    /// 8 bytes.
    DW,
}

impl Size {
    /// The access size in bytes.
    pub const fn bytes(self) -> usize {
        match self {
            Size::B => 1,
            Size::H => 2,
            Size::W => 4,
            Size::DW => 8,
        }
    }

    /// Every size, smallest first.
    pub const ALL: [Size; 4] = [Size::B, Size::H, Size::W, Size::DW];
}

/// Read-modify-write operations of atomic instructions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AtomicOp {
    /// `*p += src`
    Add,
    /// `*p |= src`
    Or,
    /// `*p &= src`
    And,
    /// `*p ^= src`
    Xor,
    /// Exchange: `src = xchg(*p, src)` (always fetches).
    Xchg,
    /// Compare-and-exchange: `r0 = cmpxchg(*p, r0, src)` (always writes r0).
    CmpXchg,
}

/// Targets of `CALL`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CallTarget {
    /// `src = 0`: a platform helper by id.
    Helper(i32),
    /// `src = 1`: a local (bpf-to-bpf) function, `imm` slots after the next instruction.
    Local(i32),
    /// `src = 2`: a helper (kfunc) by BTF id.
    Btf(i32),
}

/// Meaning of an `LDDW` (the `src` field of its first slot, RFC 9669 section 5.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LddwSrc {
    /// 0: `dst = (next_imm << 32) | imm`.
    Imm,
    /// 1: `dst = map_by_fd(imm)`.
    MapFd,
    /// 2: `dst = map_val(map_by_fd(imm)) + next_imm`.
    MapValue,
    /// 3: `dst = var_addr(imm)` (platform variable).
    VarAddr,
    /// 4: `dst = code_addr(imm)`.
    CodeAddr,
    /// 5: `dst = map_by_idx(imm)`.
    MapIdx,
    /// 6: `dst = map_val(map_by_idx(imm)) + next_imm`.
    MapIdxValue,
}

impl LddwSrc {
    /// The `src` field value.
    pub const fn code(self) -> u8 {
        match self {
            LddwSrc::Imm => 0,
            LddwSrc::MapFd => 1,
            LddwSrc::MapValue => 2,
            LddwSrc::VarAddr => 3,
            LddwSrc::CodeAddr => 4,
            LddwSrc::MapIdx => 5,
            LddwSrc::MapIdxValue => 6,
        }
    }

    /// The variant for a `src` field value.
    pub const fn from_code(code: u8) -> Option<LddwSrc> {
        Some(match code {
            0 => LddwSrc::Imm,
            1 => LddwSrc::MapFd,
            2 => LddwSrc::MapValue,
            3 => LddwSrc::VarAddr,
            4 => LddwSrc::CodeAddr,
            5 => LddwSrc::MapIdx,
            6 => LddwSrc::MapIdxValue,
            _ => return None,
        })
    }
}

/// The loop budget of `may_goto` per function call: Linux's `BPF_MAX_LOOPS` (8 * 1024 * 1024).
/// A frame's counter starts here; each `may_goto` that falls through takes one from it, and the
/// `may_goto` that finds it at 0 jumps, so a frame falls through at most this many times.
pub const MAY_GOTO_BUDGET: u64 = 8 * 1024 * 1024;

/// One decoded instruction. An [`Insn::Lddw`] stands for two slots; every other variant for one.
///
/// Values produced by the decoder always satisfy the invariants documented on each variant;
/// the encoder writes whatever fields it is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Insn {
    /// `dst = dst op src` (ALU or ALU64 class).
    Alu {
        /// 32-bit (ALU) or 64-bit (ALU64).
        width: Width,
        /// The operation.
        op: AluOp,
        /// Destination.
        dst: Reg,
        /// Register or immediate.
        src: Operand,
    },
    /// `dst = -dst`.
    Neg {
        /// 32-bit or 64-bit.
        width: Width,
        /// Destination.
        dst: Reg,
    },
    /// Sign-extending move (ISA v4): `dst = (s{bits}) src`. `B32` only with `W64`.
    Movsx {
        /// 32-bit (result zero-extended from 32 bits) or 64-bit.
        width: Width,
        /// Source width.
        bits: MovsxBits,
        /// Destination.
        dst: Reg,
        /// Source register.
        src: Reg,
    },
    /// Byte-order conversion of `dst`.
    End {
        /// To little-endian, to big-endian, or unconditional swap.
        order: ByteOrder,
        /// 16, 32 or 64 bits.
        bits: EndBits,
        /// Register converted in place.
        dst: Reg,
    },
    /// Unconditional jump by a 16-bit offset (`ja`, JMP class).
    Ja {
        /// Slots after the next instruction.
        off: i16,
    },
    /// Unconditional jump by a 32-bit offset (`gotol`/`ja32`, JMP32 class, ISA v4).
    Ja32 {
        /// Slots after the next instruction.
        imm: i32,
    },
    /// Conditional jump.
    Jmp {
        /// JMP32 compares the low 32 bits; JMP all 64.
        width: Width,
        /// The condition.
        cond: JmpCond,
        /// Left-hand side.
        dst: Reg,
        /// Right-hand side.
        src: Operand,
        /// Slots after the next instruction.
        off: i16,
    },
    /// `may_goto` (Linux's `BPF_JCOND` with `src` 0, JMP class): jumps when the current
    /// frame's loop budget is exhausted, otherwise spends one unit of it and falls through.
    /// Every function call starts with a budget of [`MAY_GOTO_BUDGET`] (Linux's
    /// `BPF_MAX_LOOPS`), so a loop whose only exit is a `may_goto` ends.
    MayGoto {
        /// Slots after the next instruction.
        off: i16,
    },
    /// Call a helper or a local function.
    Call(CallTarget),
    /// Call the helper whose id is in a register (not part of RFC 9669; uBPF's `callx`).
    Callx {
        /// The register holding the helper id (encoded in the `dst` field).
        reg: Reg,
    },
    /// Return from the function (or end the program) with `r0`.
    Exit,
    /// 64-bit immediate load, two slots.
    Lddw {
        /// Destination.
        dst: Reg,
        /// How the immediates are interpreted.
        src: LddwSrc,
        /// Immediate of the first slot.
        imm: i32,
        /// Immediate of the second slot.
        next_imm: i32,
    },
    /// `dst = *(size *)(src + off)`, zero-extended.
    Ldx {
        /// Access size.
        size: Size,
        /// Destination.
        dst: Reg,
        /// Base address register.
        src: Reg,
        /// Byte offset.
        off: i16,
    },
    /// `dst = *(signed size *)(src + off)`, sign-extended (ISA v4). Never `DW`.
    Ldxs {
        /// Access size: `B`, `H` or `W`.
        size: Size,
        /// Destination.
        dst: Reg,
        /// Base address register.
        src: Reg,
        /// Byte offset.
        off: i16,
    },
    /// `*(size *)(dst + off) = imm`.
    St {
        /// Access size.
        size: Size,
        /// Base address register.
        dst: Reg,
        /// Byte offset.
        off: i16,
        /// Stored value (sign-extended, then truncated to `size`).
        imm: i32,
    },
    /// `*(size *)(dst + off) = src`.
    Stx {
        /// Access size.
        size: Size,
        /// Base address register.
        dst: Reg,
        /// Value register.
        src: Reg,
        /// Byte offset.
        off: i16,
    },
    /// Atomic read-modify-write on `*(size *)(dst + off)`. `size` is `W` or `DW`.
    Atomic {
        /// `W` or `DW`.
        size: Size,
        /// The operation.
        op: AtomicOp,
        /// Whether the old value is returned in `src` (always true for xchg and cmpxchg).
        fetch: bool,
        /// Base address register.
        dst: Reg,
        /// Operand register (receives the old value when `fetch`).
        src: Reg,
        /// Byte offset.
        off: i16,
    },
    /// Legacy packet load: `r0 = ntoh(*(size *)(packet + imm))`. `size` is `B`, `H` or `W`.
    LdAbs {
        /// Access size.
        size: Size,
        /// Offset into the packet.
        imm: i32,
    },
    /// Legacy packet load: `r0 = ntoh(*(size *)(packet + src + imm))`. `size` is `B`, `H` or `W`.
    LdInd {
        /// Access size.
        size: Size,
        /// Register added to the offset.
        src: Reg,
        /// Offset into the packet.
        imm: i32,
    },
}

impl Insn {
    /// Number of 8-byte slots: 2 for `LDDW`, 1 otherwise.
    #[inline]
    pub const fn slots(&self) -> usize {
        match self {
            Insn::Lddw { .. } => 2,
            _ => 1,
        }
    }

    /// The 64-bit value of an `LDDW` with [`LddwSrc::Imm`] (`(next_imm << 32) | imm`).
    #[inline]
    pub const fn lddw_value(imm: i32, next_imm: i32) -> u64 {
        ((next_imm as u32 as u64) << 32) | (imm as u32 as u64)
    }

    /// The `(imm, next_imm)` pair of an `LDDW` loading `value`.
    pub const fn lddw_split(value: u64) -> (i32, i32) {
        (value as u32 as i32, (value >> 32) as u32 as i32)
    }

    /// The pc a jump or local call at `pc` goes to when taken, if this is one.
    pub fn branch_target(&self, pc: usize) -> Option<i64> {
        let next = pc as i64 + 1;
        match *self {
            Insn::Ja { off } | Insn::Jmp { off, .. } | Insn::MayGoto { off } => {
                Some(next + i64::from(off))
            }
            Insn::Ja32 { imm } | Insn::Call(CallTarget::Local(imm)) => Some(next + i64::from(imm)),
            _ => None,
        }
    }
}
