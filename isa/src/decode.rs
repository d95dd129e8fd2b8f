//! Bytes to typed instructions, rejecting every encoding RFC 9669 leaves undefined.

use core::fmt;

use crate::insn::{
    AluOp, AtomicOp, ByteOrder, CallTarget, EndBits, Insn, JmpCond, LddwSrc, MovsxBits, Operand,
    Reg, Size, Width,
};
use crate::opcode::*;
use crate::raw::RawInsn;
use crate::INSN_SIZE;

/// Why an instruction could not be decoded, and at which slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeError {
    index: usize,
    kind: DecodeErrorKind,
}

/// An instruction field, as named in errors.
pub type FieldName = &'static str;

/// What was wrong with an instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The byte length is not a multiple of 8.
    OddLength {
        /// Length of the input in bytes.
        len: usize,
    },
    /// The opcode byte is not an instruction of RFC 9669 (or of this implementation).
    UnknownOpcode {
        /// The opcode byte.
        opcode: u8,
    },
    /// A field that must be zero for this opcode is not.
    ReservedNotZero {
        /// The opcode byte.
        opcode: u8,
        /// `dst`, `src`, `off`, `imm` or `next_imm`.
        field: FieldName,
        /// The value found.
        value: i32,
    },
    /// A register field names a register above r10.
    InvalidRegister {
        /// `dst` or `src`.
        field: FieldName,
        /// The register number found.
        reg: u8,
    },
    /// An `LDDW` in the last slot, with no second half.
    TruncatedLddw,
    /// The second slot of an `LDDW` is not an all-zero pseudo instruction (besides `imm`).
    BadLddwSecondSlot {
        /// The offending field of the second slot.
        field: FieldName,
        /// Its value.
        value: i32,
    },
    /// An `LDDW` whose `src` field is not 0 to 6.
    UnknownLddwSrc {
        /// The `src` field value.
        src: u8,
    },
    /// An atomic `imm` that names no operation, such as `xchg` without the fetch flag.
    BadAtomicOp {
        /// The `imm` field.
        imm: i32,
    },
    /// An `END` width other than 16, 32 or 64.
    BadEndWidth {
        /// The `imm` field.
        imm: i32,
    },
    /// An offset that selects no variant of the operation (e.g. `div` with offset 2, or a
    /// 32-bit `movsx` from 32 bits).
    BadOffset {
        /// The opcode byte.
        opcode: u8,
        /// The `off` field.
        off: i16,
    },
    /// A `CALL` whose `src` field is not 0 (helper), 1 (local) or 2 (BTF id).
    UnknownCallKind {
        /// The `src` field value.
        src: u8,
    },
    /// A `JCOND` (opcode 0xe5) whose `src` field is not 0 (`may_goto`, the only one defined).
    UnknownJcondKind {
        /// The `src` field value.
        src: u8,
    },
}

impl DecodeError {
    /// Builds an error at slot `index`.
    pub const fn new(index: usize, kind: DecodeErrorKind) -> Self {
        DecodeError { index, kind }
    }

    /// The slot (pc) of the offending instruction.
    pub const fn index(&self) -> usize {
        self.index
    }

    /// What was wrong.
    pub const fn kind(&self) -> DecodeErrorKind {
        self.kind
    }
}

impl fmt::Display for DecodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            DecodeErrorKind::OddLength { len } => {
                write!(f, "program is {len} bytes, not a multiple of 8")
            }
            DecodeErrorKind::UnknownOpcode { opcode } => write!(f, "unknown opcode {opcode:#04x}"),
            DecodeErrorKind::ReservedNotZero {
                opcode,
                field,
                value,
            } => write!(
                f,
                "opcode {opcode:#04x}: reserved field {field} must be 0, found {value:#x}"
            ),
            DecodeErrorKind::InvalidRegister { field, reg } => {
                write!(f, "{field} register r{reg} does not exist (r0-r10)")
            }
            DecodeErrorKind::TruncatedLddw => {
                write!(f, "lddw in the last slot has no second half")
            }
            DecodeErrorKind::BadLddwSecondSlot { field, value } => write!(
                f,
                "second slot of lddw must have {field} = 0, found {value:#x}"
            ),
            DecodeErrorKind::UnknownLddwSrc { src } => {
                write!(f, "lddw with unknown src {src} (0-6 are defined)")
            }
            DecodeErrorKind::BadAtomicOp { imm } => {
                write!(f, "atomic operation {imm:#x} is not defined")
            }
            DecodeErrorKind::BadEndWidth { imm } => {
                write!(f, "byte swap width {imm} is not 16, 32 or 64")
            }
            DecodeErrorKind::BadOffset { opcode, off } => {
                write!(f, "opcode {opcode:#04x}: offset {off} selects no operation")
            }
            DecodeErrorKind::UnknownCallKind { src } => {
                write!(
                    f,
                    "call with unknown src {src} (0 helper, 1 local, 2 BTF id)"
                )
            }
            DecodeErrorKind::UnknownJcondKind { src } => {
                write!(
                    f,
                    "jcond with unknown src {src} (only 0, may_goto, is defined)"
                )
            }
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pc {}: {}", self.index, self.kind)
    }
}

impl core::error::Error for DecodeError {}

/// Walks a byte slice, yielding `(pc, instruction)` pairs without allocating.
///
/// After the first error it yields nothing more.
#[derive(Clone, Debug)]
pub struct Decoder<'a> {
    bytes: &'a [u8],
    pc: usize,
    failed: bool,
}

impl<'a> Decoder<'a> {
    /// A decoder over `bytes` (whole 8-byte slots).
    pub const fn new(bytes: &'a [u8]) -> Self {
        Decoder {
            bytes,
            pc: 0,
            failed: false,
        }
    }

    fn slot(&self, pc: usize) -> Option<RawInsn> {
        let start = pc.checked_mul(INSN_SIZE)?;
        let chunk = self.bytes.get(start..start.checked_add(INSN_SIZE)?)?;
        let mut b = [0u8; INSN_SIZE];
        b.copy_from_slice(chunk);
        Some(RawInsn::from_bytes(b))
    }
}

impl Iterator for Decoder<'_> {
    type Item = Result<(usize, Insn), DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let pc = self.pc;
        if pc == 0 && self.bytes.len() % INSN_SIZE != 0 {
            self.failed = true;
            let kind = DecodeErrorKind::OddLength {
                len: self.bytes.len(),
            };
            return Some(Err(DecodeError::new(self.bytes.len() / INSN_SIZE, kind)));
        }
        let first = self.slot(pc)?;
        let result = Insn::from_raw(pc, first, self.slot(pc + 1));
        match result {
            Ok(insn) => {
                self.pc += insn.slots();
                Some(Ok((pc, insn)))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

/// Decodes a whole program. LDDW becomes one element; use [`Insn::slots`] to map back to pcs.
#[cfg(feature = "alloc")]
pub fn decode(bytes: &[u8]) -> Result<alloc::vec::Vec<Insn>, DecodeError> {
    Decoder::new(bytes)
        .map(|r| r.map(|(_, insn)| insn))
        .collect()
}

fn reg(index: usize, field: FieldName, n: u8) -> Result<Reg, DecodeError> {
    Reg::new(n).ok_or(DecodeError::new(
        index,
        DecodeErrorKind::InvalidRegister { field, reg: n },
    ))
}

fn size_of(opcode: u8) -> Size {
    match opcode & 0x18 {
        SIZE_W => Size::W,
        SIZE_H => Size::H,
        SIZE_B => Size::B,
        _ => Size::DW,
    }
}

/// Field checks for one slot, each failing with the right error kind.
struct Check {
    index: usize,
    raw: RawInsn,
}

impl Check {
    fn err(&self, kind: DecodeErrorKind) -> DecodeError {
        DecodeError::new(self.index, kind)
    }

    fn zero(&self, field: FieldName, value: i32) -> Result<(), DecodeError> {
        if value == 0 {
            Ok(())
        } else {
            let opcode = self.raw.opcode;
            Err(self.err(DecodeErrorKind::ReservedNotZero {
                opcode,
                field,
                value,
            }))
        }
    }

    fn dst_zero(&self) -> Result<(), DecodeError> {
        self.zero("dst", i32::from(self.raw.dst))
    }
    fn src_zero(&self) -> Result<(), DecodeError> {
        self.zero("src", i32::from(self.raw.src))
    }
    fn off_zero(&self) -> Result<(), DecodeError> {
        self.zero("off", i32::from(self.raw.off))
    }
    fn imm_zero(&self) -> Result<(), DecodeError> {
        self.zero("imm", self.raw.imm)
    }
    fn dst(&self) -> Result<Reg, DecodeError> {
        reg(self.index, "dst", self.raw.dst)
    }
    fn src(&self) -> Result<Reg, DecodeError> {
        reg(self.index, "src", self.raw.src)
    }
    fn unknown(&self) -> DecodeError {
        self.err(DecodeErrorKind::UnknownOpcode {
            opcode: self.raw.opcode,
        })
    }
    fn bad_off(&self) -> DecodeError {
        self.err(DecodeErrorKind::BadOffset {
            opcode: self.raw.opcode,
            off: self.raw.off,
        })
    }

    /// Register or immediate second operand, with the unused field required to be zero.
    fn operand(&self) -> Result<Operand, DecodeError> {
        if self.raw.opcode & SRC_X != 0 {
            self.imm_zero()?;
            Ok(Operand::Reg(self.src()?))
        } else {
            self.src_zero()?;
            Ok(Operand::Imm(self.raw.imm))
        }
    }
}

impl Insn {
    /// Decodes the instruction in slot `index` from its slot and, for `LDDW`, the next one.
    pub fn from_raw(
        index: usize,
        raw: RawInsn,
        next: Option<RawInsn>,
    ) -> Result<Insn, DecodeError> {
        let c = Check { index, raw };
        match raw.class() {
            CLASS_ALU => decode_alu(&c, Width::W32),
            CLASS_ALU64 => decode_alu(&c, Width::W64),
            CLASS_JMP => decode_jmp(&c, Width::W64),
            CLASS_JMP32 => decode_jmp(&c, Width::W32),
            CLASS_LD => decode_ld(&c, next),
            CLASS_LDX => decode_ldx(&c),
            CLASS_ST => decode_st(&c),
            _ => decode_stx(&c),
        }
    }
}

fn decode_alu(c: &Check, width: Width) -> Result<Insn, DecodeError> {
    let raw = c.raw;
    let code = raw.opcode & 0xf0;
    let op = match code {
        ALU_ADD => AluOp::Add,
        ALU_SUB => AluOp::Sub,
        ALU_MUL => AluOp::Mul,
        ALU_DIV => AluOp::Div,
        ALU_OR => AluOp::Or,
        ALU_AND => AluOp::And,
        ALU_LSH => AluOp::Lsh,
        ALU_RSH => AluOp::Rsh,
        ALU_MOD => AluOp::Mod,
        ALU_XOR => AluOp::Xor,
        ALU_MOV => AluOp::Mov,
        ALU_ARSH => AluOp::Arsh,
        ALU_NEG => {
            if raw.opcode & SRC_X != 0 {
                return Err(c.unknown());
            }
            c.src_zero()?;
            c.off_zero()?;
            c.imm_zero()?;
            return Ok(Insn::Neg {
                width,
                dst: c.dst()?,
            });
        }
        ALU_END => {
            let order = match (width, raw.opcode & SRC_X != 0) {
                (Width::W32, false) => ByteOrder::Le,
                (Width::W32, true) => ByteOrder::Be,
                (Width::W64, false) => ByteOrder::Swap,
                (Width::W64, true) => return Err(c.unknown()),
            };
            c.src_zero()?;
            c.off_zero()?;
            let bits = match raw.imm {
                16 => EndBits::B16,
                32 => EndBits::B32,
                64 => EndBits::B64,
                imm => return Err(c.err(DecodeErrorKind::BadEndWidth { imm })),
            };
            return Ok(Insn::End {
                order,
                bits,
                dst: c.dst()?,
            });
        }
        _ => return Err(c.unknown()),
    };
    let dst = c.dst()?;
    match (op, raw.off) {
        (_, 0) => {}
        (AluOp::Div, 1) => {
            return Ok(Insn::Alu {
                width,
                op: AluOp::SDiv,
                dst,
                src: c.operand()?,
            })
        }
        (AluOp::Mod, 1) => {
            return Ok(Insn::Alu {
                width,
                op: AluOp::SMod,
                dst,
                src: c.operand()?,
            })
        }
        (AluOp::Mov, 8 | 16 | 32) if raw.opcode & SRC_X != 0 => {
            let bits = match (raw.off, width) {
                (8, _) => MovsxBits::B8,
                (16, _) => MovsxBits::B16,
                (32, Width::W64) => MovsxBits::B32,
                _ => return Err(c.bad_off()),
            };
            c.imm_zero()?;
            return Ok(Insn::Movsx {
                width,
                bits,
                dst,
                src: c.src()?,
            });
        }
        _ => return Err(c.bad_off()),
    }
    Ok(Insn::Alu {
        width,
        op,
        dst,
        src: c.operand()?,
    })
}

fn decode_jmp(c: &Check, width: Width) -> Result<Insn, DecodeError> {
    let raw = c.raw;
    let is_x = raw.opcode & SRC_X != 0;
    let cond = match raw.opcode & 0xf0 {
        JMP_JA => {
            if is_x {
                return Err(c.unknown());
            }
            c.dst_zero()?;
            c.src_zero()?;
            return match width {
                Width::W64 => {
                    c.imm_zero()?;
                    Ok(Insn::Ja { off: raw.off })
                }
                Width::W32 => {
                    c.off_zero()?;
                    Ok(Insn::Ja32 { imm: raw.imm })
                }
            };
        }
        JMP_CALL if width == Width::W64 => {
            c.off_zero()?;
            if is_x {
                c.src_zero()?;
                c.imm_zero()?;
                return Ok(Insn::Callx { reg: c.dst()? });
            }
            c.dst_zero()?;
            let target = match raw.src {
                0 => CallTarget::Helper(raw.imm),
                1 => CallTarget::Local(raw.imm),
                2 => CallTarget::Btf(raw.imm),
                src => return Err(c.err(DecodeErrorKind::UnknownCallKind { src })),
            };
            return Ok(Insn::Call(target));
        }
        JMP_JCOND if width == Width::W64 && !is_x => {
            if raw.src != JCOND_MAY_GOTO {
                return Err(c.err(DecodeErrorKind::UnknownJcondKind { src: raw.src }));
            }
            c.dst_zero()?;
            c.imm_zero()?;
            return Ok(Insn::MayGoto { off: raw.off });
        }
        JMP_EXIT if width == Width::W64 && !is_x => {
            c.dst_zero()?;
            c.src_zero()?;
            c.off_zero()?;
            c.imm_zero()?;
            return Ok(Insn::Exit);
        }
        JMP_JEQ => JmpCond::Eq,
        JMP_JGT => JmpCond::Gt,
        JMP_JGE => JmpCond::Ge,
        JMP_JSET => JmpCond::Set,
        JMP_JNE => JmpCond::Ne,
        JMP_JSGT => JmpCond::Sgt,
        JMP_JSGE => JmpCond::Sge,
        JMP_JLT => JmpCond::Lt,
        JMP_JLE => JmpCond::Le,
        JMP_JSLT => JmpCond::Slt,
        JMP_JSLE => JmpCond::Sle,
        _ => return Err(c.unknown()),
    };
    let dst = c.dst()?;
    Ok(Insn::Jmp {
        width,
        cond,
        dst,
        src: c.operand()?,
        off: raw.off,
    })
}

fn decode_ld(c: &Check, next: Option<RawInsn>) -> Result<Insn, DecodeError> {
    let raw = c.raw;
    let size = size_of(raw.opcode);
    match raw.opcode & 0xe0 {
        MODE_IMM if size == Size::DW => {
            let src = LddwSrc::from_code(raw.src)
                .ok_or(c.err(DecodeErrorKind::UnknownLddwSrc { src: raw.src }))?;
            c.off_zero()?;
            let dst = c.dst()?;
            let next = next.ok_or(c.err(DecodeErrorKind::TruncatedLddw))?;
            let second = |field, value: i32| {
                if value == 0 {
                    Ok(())
                } else {
                    Err(c.err(DecodeErrorKind::BadLddwSecondSlot { field, value }))
                }
            };
            second("opcode", i32::from(next.opcode))?;
            second("dst", i32::from(next.dst))?;
            second("src", i32::from(next.src))?;
            second("off", i32::from(next.off))?;
            if matches!(src, LddwSrc::MapFd | LddwSrc::MapIdx) {
                second("imm", next.imm)?;
            }
            Ok(Insn::Lddw {
                dst,
                src,
                imm: raw.imm,
                next_imm: next.imm,
            })
        }
        MODE_ABS if size != Size::DW => {
            c.dst_zero()?;
            c.src_zero()?;
            c.off_zero()?;
            Ok(Insn::LdAbs { size, imm: raw.imm })
        }
        MODE_IND if size != Size::DW => {
            c.dst_zero()?;
            c.off_zero()?;
            Ok(Insn::LdInd {
                size,
                src: c.src()?,
                imm: raw.imm,
            })
        }
        _ => Err(c.unknown()),
    }
}

fn decode_ldx(c: &Check) -> Result<Insn, DecodeError> {
    let raw = c.raw;
    let size = size_of(raw.opcode);
    match raw.opcode & 0xe0 {
        MODE_MEM => {
            c.imm_zero()?;
            Ok(Insn::Ldx {
                size,
                dst: c.dst()?,
                src: c.src()?,
                off: raw.off,
            })
        }
        MODE_MEMSX if size != Size::DW => {
            c.imm_zero()?;
            Ok(Insn::Ldxs {
                size,
                dst: c.dst()?,
                src: c.src()?,
                off: raw.off,
            })
        }
        _ => Err(c.unknown()),
    }
}

fn decode_st(c: &Check) -> Result<Insn, DecodeError> {
    let raw = c.raw;
    if raw.opcode & 0xe0 != MODE_MEM {
        return Err(c.unknown());
    }
    c.src_zero()?;
    Ok(Insn::St {
        size: size_of(raw.opcode),
        dst: c.dst()?,
        off: raw.off,
        imm: raw.imm,
    })
}

fn decode_stx(c: &Check) -> Result<Insn, DecodeError> {
    let raw = c.raw;
    let size = size_of(raw.opcode);
    match raw.opcode & 0xe0 {
        MODE_MEM => {
            c.imm_zero()?;
            Ok(Insn::Stx {
                size,
                dst: c.dst()?,
                src: c.src()?,
                off: raw.off,
            })
        }
        MODE_ATOMIC if matches!(size, Size::W | Size::DW) => {
            let fetch = raw.imm & ATOMIC_FETCH != 0;
            let op = match (raw.imm & !ATOMIC_FETCH, fetch) {
                (ATOMIC_ADD, _) => AtomicOp::Add,
                (ATOMIC_OR, _) => AtomicOp::Or,
                (ATOMIC_AND, _) => AtomicOp::And,
                (ATOMIC_XOR, _) => AtomicOp::Xor,
                (ATOMIC_XCHG, true) => AtomicOp::Xchg,
                (ATOMIC_CMPXCHG, true) => AtomicOp::CmpXchg,
                _ => return Err(c.err(DecodeErrorKind::BadAtomicOp { imm: raw.imm })),
            };
            Ok(Insn::Atomic {
                size,
                op,
                fetch,
                dst: c.dst()?,
                src: c.src()?,
                off: raw.off,
            })
        }
        _ => Err(c.unknown()),
    }
}
