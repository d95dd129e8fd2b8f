//! Opcode field values from RFC 9669 (class, source, mode, size and operation nibbles).

/// Instruction class: non-standard load (LDDW, legacy packet loads).
pub const CLASS_LD: u8 = 0x00;
/// Instruction class: load into register.
pub const CLASS_LDX: u8 = 0x01;
/// Instruction class: store immediate.
pub const CLASS_ST: u8 = 0x02;
/// Instruction class: store register (and atomics).
pub const CLASS_STX: u8 = 0x03;
/// Instruction class: 32-bit arithmetic.
pub const CLASS_ALU: u8 = 0x04;
/// Instruction class: 64-bit jumps, calls and exit.
pub const CLASS_JMP: u8 = 0x05;
/// Instruction class: 32-bit jumps.
pub const CLASS_JMP32: u8 = 0x06;
/// Instruction class: 64-bit arithmetic.
pub const CLASS_ALU64: u8 = 0x07;

/// Source bit: operand is the immediate.
pub const SRC_K: u8 = 0x00;
/// Source bit: operand is the source register.
pub const SRC_X: u8 = 0x08;

/// Arithmetic operation codes (high nibble).
pub const ALU_ADD: u8 = 0x00;
/// Subtraction.
pub const ALU_SUB: u8 = 0x10;
/// Multiplication.
pub const ALU_MUL: u8 = 0x20;
/// Division (offset 1: signed).
pub const ALU_DIV: u8 = 0x30;
/// Bitwise or.
pub const ALU_OR: u8 = 0x40;
/// Bitwise and.
pub const ALU_AND: u8 = 0x50;
/// Left shift.
pub const ALU_LSH: u8 = 0x60;
/// Logical right shift.
pub const ALU_RSH: u8 = 0x70;
/// Negation.
pub const ALU_NEG: u8 = 0x80;
/// Modulo (offset 1: signed).
pub const ALU_MOD: u8 = 0x90;
/// Bitwise xor.
pub const ALU_XOR: u8 = 0xa0;
/// Move (offset 8/16/32: sign-extending move).
pub const ALU_MOV: u8 = 0xb0;
/// Arithmetic right shift.
pub const ALU_ARSH: u8 = 0xc0;
/// Byte swap / endianness conversion.
pub const ALU_END: u8 = 0xd0;

/// Jump codes (high nibble).
pub const JMP_JA: u8 = 0x00;
/// Jump if equal.
pub const JMP_JEQ: u8 = 0x10;
/// Jump if unsigned greater.
pub const JMP_JGT: u8 = 0x20;
/// Jump if unsigned greater or equal.
pub const JMP_JGE: u8 = 0x30;
/// Jump if `dst & src` is non-zero.
pub const JMP_JSET: u8 = 0x40;
/// Jump if not equal.
pub const JMP_JNE: u8 = 0x50;
/// Jump if signed greater.
pub const JMP_JSGT: u8 = 0x60;
/// Jump if signed greater or equal.
pub const JMP_JSGE: u8 = 0x70;
/// Function call.
pub const JMP_CALL: u8 = 0x80;
/// Return.
pub const JMP_EXIT: u8 = 0x90;
/// Jump if unsigned less.
pub const JMP_JLT: u8 = 0xa0;
/// Jump if unsigned less or equal.
pub const JMP_JLE: u8 = 0xb0;
/// Jump if signed less.
pub const JMP_JSLT: u8 = 0xc0;
/// Jump if signed less or equal.
pub const JMP_JSLE: u8 = 0xd0;

/// Linux's `BPF_JCOND` (JMP class only): with `src` 0 (`BPF_MAY_GOTO`), `may_goto`.
pub const JMP_JCOND: u8 = 0xe0;
/// The `src` field of `BPF_JCOND` that selects `may_goto`.
pub const JCOND_MAY_GOTO: u8 = 0;

/// Memory access size: word (4 bytes).
pub const SIZE_W: u8 = 0x00;
/// Half word (2 bytes).
pub const SIZE_H: u8 = 0x08;
/// Byte.
pub const SIZE_B: u8 = 0x10;
/// Double word (8 bytes).
pub const SIZE_DW: u8 = 0x18;

/// Memory mode: 64-bit immediate (LDDW).
pub const MODE_IMM: u8 = 0x00;
/// Legacy absolute packet load.
pub const MODE_ABS: u8 = 0x20;
/// Legacy indirect packet load.
pub const MODE_IND: u8 = 0x40;
/// Regular load/store.
pub const MODE_MEM: u8 = 0x60;
/// Sign-extending load.
pub const MODE_MEMSX: u8 = 0x80;
/// Atomic operation.
pub const MODE_ATOMIC: u8 = 0xc0;

/// Atomic operation flag: return the old value.
pub const ATOMIC_FETCH: i32 = 0x01;
/// Atomic add.
pub const ATOMIC_ADD: i32 = 0x00;
/// Atomic or.
pub const ATOMIC_OR: i32 = 0x40;
/// Atomic and.
pub const ATOMIC_AND: i32 = 0x50;
/// Atomic xor.
pub const ATOMIC_XOR: i32 = 0xa0;
/// Atomic exchange (always with fetch).
pub const ATOMIC_XCHG: i32 = 0xe0;
/// Atomic compare-and-exchange (always with fetch).
pub const ATOMIC_CMPXCHG: i32 = 0xf0;

/// The LDDW opcode (`BPF_LD | BPF_IMM | BPF_DW`).
pub const LDDW: u8 = CLASS_LD | MODE_IMM | SIZE_DW;
