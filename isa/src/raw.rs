//! The 8-byte wire format of one instruction slot.

/// One instruction slot as it sits in memory (little-endian, as clang emits for `-target bpf`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RawInsn {
    /// Class, source/mode, size/operation.
    pub opcode: u8,
    /// Destination register field (low nibble of byte 1).
    pub dst: u8,
    /// Source register field (high nibble of byte 1).
    pub src: u8,
    /// Signed 16-bit offset.
    pub off: i16,
    /// Signed 32-bit immediate.
    pub imm: i32,
}

impl RawInsn {
    /// Builds a slot from its fields.
    pub const fn new(opcode: u8, dst: u8, src: u8, off: i16, imm: i32) -> Self {
        RawInsn {
            opcode,
            dst,
            src,
            off,
            imm,
        }
    }

    /// Reads a slot from its 8 bytes.
    pub const fn from_bytes(b: [u8; 8]) -> Self {
        RawInsn {
            opcode: b[0],
            dst: b[1] & 0x0f,
            src: b[1] >> 4,
            off: i16::from_le_bytes([b[2], b[3]]),
            imm: i32::from_le_bytes([b[4], b[5], b[6], b[7]]),
        }
    }

    /// Writes the slot as 8 bytes. Register fields are truncated to their 4 bits.
    pub const fn to_bytes(self) -> [u8; 8] {
        let off = self.off.to_le_bytes();
        let imm = self.imm.to_le_bytes();
        [
            self.opcode,
            (self.dst & 0x0f) | (self.src << 4),
            off[0],
            off[1],
            imm[0],
            imm[1],
            imm[2],
            imm[3],
        ]
    }

    /// The slot as the `u64` that the conformance `-- raw` sections write.
    pub const fn to_u64(self) -> u64 {
        u64::from_le_bytes(self.to_bytes())
    }

    /// A slot from a `u64` in the `-- raw` convention.
    pub const fn from_u64(v: u64) -> Self {
        Self::from_bytes(v.to_le_bytes())
    }

    /// The instruction class (low three bits of the opcode).
    pub const fn class(self) -> u8 {
        self.opcode & 0x07
    }
}
