//! [`Compiled`]: a position-independent machine-code image and its metadata.

use crate::abi::ABI_VERSION;
use crate::JitOptions;

/// The output of the compiler: x86-64 machine code with no absolute address in it.
///
/// The image can be copied to any address and entered at [`entry_offset`](Self::entry_offset)
/// with the calling convention described in [`abi`](crate::abi). [`Executable`](crate::Executable)
/// installs it for this process; another host (a kernel-side component, a separate process) can
/// install [`code`](Self::code) itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Compiled {
    code: Vec<u8>,
    entry: usize,
    pc_offsets: Vec<(u32, u32)>,
    helper_ids: Vec<u32>,
    uses_stack: bool,
    options: JitOptions,
    abi_version: u32,
    /// Set by [`compile_verified`](crate::compile_verified): the verifier's bound.
    instruction_bound: Option<u64>,
}

impl Compiled {
    pub(crate) fn new(
        code: Vec<u8>,
        entry: usize,
        pc_offsets: Vec<(u32, u32)>,
        helper_ids: Vec<u32>,
        uses_stack: bool,
        options: JitOptions,
    ) -> Self {
        Compiled {
            code,
            entry,
            pc_offsets,
            helper_ids,
            uses_stack,
            options,
            abi_version: ABI_VERSION,
            instruction_bound: None,
        }
    }

    /// Marks the image as compiled from a verified program whose runs execute at most `bound`
    /// instructions.
    pub(crate) fn with_instruction_bound(mut self, bound: u64) -> Self {
        self.instruction_bound = Some(bound);
        self
    }

    /// The machine code.
    pub fn code(&self) -> &[u8] {
        &self.code
    }

    /// Byte offset of the entry trampoline in [`code`](Self::code).
    pub fn entry_offset(&self) -> usize {
        self.entry
    }

    /// `(pc, code offset)` of every instruction, in program order (for debuggers, profilers
    /// and the golden tests).
    pub fn pc_offsets(&self) -> &[(u32, u32)] {
        &self.pc_offsets
    }

    /// The distinct helper ids of the program's `call imm` instructions, in order of first use:
    /// the host's table at [`CTX_DIRECT_HELPERS`](crate::abi::CTX_DIRECT_HELPERS) has one entry
    /// per id, in this order.
    pub fn helper_ids(&self) -> &[u32] {
        &self.helper_ids
    }

    /// Whether the program names r10 at all. When it does not, it cannot address its stack, and
    /// a host may skip zeroing frame 0 before each run.
    pub fn uses_stack(&self) -> bool {
        self.uses_stack
    }

    /// The options the image was compiled with.
    pub fn options(&self) -> &JitOptions {
        &self.options
    }

    /// `Some(n)` when the image was compiled by [`compile_verified`](crate::compile_verified)
    /// from an [`ebpf_verifier::Verified`] program: the verifier proved that one run executes at
    /// most `n` instructions (each `lddw` once, a helper call as one). `None` for images of
    /// [`compile`](crate::compile), whose programs nobody checked.
    ///
    /// A `Compiled` cannot be built from bytes or edited, so `Some` can only come from a
    /// `Verified`, which only the verifier creates.
    pub fn instruction_bound(&self) -> Option<u64> {
        self.instruction_bound
    }

    /// The [`abi::ABI_VERSION`](crate::abi::ABI_VERSION) the code expects of its host.
    pub fn abi_version(&self) -> u32 {
        self.abi_version
    }
}
