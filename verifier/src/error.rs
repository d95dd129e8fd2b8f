//! [`VerifyError`]: why a program was rejected, at which pc.

use alloc::string::String;
use core::fmt;

use ebpf_isa::{ProgramError, ProgramErrorKind, Reg};
use ebpf_platform::HelperId;

/// A rejected program: the slot (pc) of the instruction and what could not be proved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyError {
    pc: usize,
    kind: VerifyErrorKind,
}

/// Memory regions named in errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Region {
    /// The program context.
    Context,
    /// The stack.
    Stack,
    /// The packet.
    Packet,
    /// A map value (or helper-allocated memory).
    MapValue,
    /// A map itself (its entries, changed or read by helpers).
    Map,
    /// A socket structure (`bpf_sock`, `bpf_tcp_sock`).
    Socket,
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Region::Context => "context",
            Region::Stack => "stack",
            Region::Packet => "packet",
            Region::MapValue => "map value",
            Region::Map => "map",
            Region::Socket => "socket",
        })
    }
}

/// What is wrong with a program.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyErrorKind {
    /// The instructions do not make a valid [`Program`](ebpf_isa::Program) (no encoding, a
    /// jump outside the program or into an `lddw`, a write to `r10`, ...): what
    /// [`ProgramError`] says, for tools that report both in one format.
    Invalid(ProgramErrorKind),
    /// The program type is not one the platform knows.
    UnknownProgramType {
        /// The name given.
        name: String,
    },
    /// The platform knows the program type only by number: without a context layout, its
    /// programs cannot be verified.
    UnverifiableProgramType {
        /// The type's name.
        name: &'static str,
    },
    /// The last instruction can fall through past the end of the program.
    FallsOffEnd,
    /// A local function calls itself, directly or through others.
    Recursion {
        /// Entry pc of the function called again.
        function: usize,
    },
    /// Local calls nest deeper than the frame limit.
    CallDepth {
        /// Frames the call chain needs.
        frames: usize,
        /// The limit.
        limit: usize,
    },
    /// The platform has no helper with this id.
    UnknownHelper {
        /// The id.
        id: HelperId,
    },
    /// The helper exists but this program type may not call it.
    HelperNotAllowed {
        /// Helper name.
        name: &'static str,
        /// Program type.
        program_type: &'static str,
    },
    /// An instruction the verifier does not support (e.g. `callx`, kfuncs).
    Unsupported {
        /// What.
        what: &'static str,
    },
    /// An `lddw` refers to a map that was not given.
    UnknownMap {
        /// The fd or index.
        imm: i32,
    },
    /// A register is read before it is written (on some path).
    UninitialisedRegister {
        /// The register.
        reg: Reg,
    },
    /// Stack bytes are read before they are written (on some path).
    UninitialisedStack {
        /// First byte (offset from the frame top) that may be uninitialised.
        offset: i64,
        /// What reads it.
        detail: String,
    },
    /// A value of the wrong kind is used (a number as a pointer, a map as memory, ...).
    TypeMismatch {
        /// The register.
        reg: Reg,
        /// What was needed.
        expected: &'static str,
        /// What it may be.
        found: &'static str,
    },
    /// A memory access may leave its region.
    OutOfBounds {
        /// The region.
        region: Region,
        /// The condition that was not proved, in the analysis' terms.
        condition: String,
    },
    /// A map value pointer is used before a null check.
    PossiblyNull {
        /// The register.
        reg: Reg,
    },
    /// A store to memory the program may not write.
    ReadOnly {
        /// The region.
        region: Region,
        /// Details (the field range).
        detail: String,
    },
    /// A read of memory the program may only write (a map write-only for programs).
    WriteOnly {
        /// The region.
        region: Region,
        /// Details (which access, which map).
        detail: String,
    },
    /// An access whose address is not a multiple of its size where it must be (atomics).
    Misaligned {
        /// The access and its possible offsets.
        detail: String,
    },
    /// A pointer would escape: stored where the host or user space can read it, or returned.
    PointerLeak {
        /// Where it would go.
        detail: String,
    },
    /// A comparison that would disclose address bits: a pointer compared with a number other
    /// than 0, with a pointer into another region, or in 32 bits
    /// ([`Platform::refuse_pointer_disclosure`](crate::Platform#structfield.refuse_pointer_disclosure)).
    PointerComparison {
        /// The comparison and what its operands may be.
        detail: String,
    },
    /// A resource acquired from a helper (a ring buffer reservation) may not be released
    /// before the program ends.
    ReferenceLeak {
        /// Which resource.
        detail: String,
    },
    /// Arithmetic that pointers do not allow.
    PointerArithmetic {
        /// The register.
        reg: Reg,
        /// Why.
        detail: &'static str,
    },
    /// A helper argument does not match the prototype.
    HelperArgument {
        /// Helper name.
        helper: &'static str,
        /// Argument register (1-5).
        arg: u8,
        /// What is wrong.
        detail: String,
    },
    /// A loop whose number of iterations the analysis cannot bound.
    UnboundedLoop {
        /// The loop head's pc.
        head: usize,
        /// The analysis' bound on visits of the head.
        detail: String,
    },
    /// Every loop is bounded, but together they may run more instructions than allowed.
    RunTooLong {
        /// The bound on executed instructions the analysis proved.
        bound: u128,
        /// The limit ([`Options::max_run_instructions`](crate::Options)).
        limit: u64,
        /// The loops around the instruction that runs most, outermost first.
        detail: String,
    },
    /// One load instruction reads a 32-bit context pointer field on one path and something
    /// else (another field, another region) on another. Such loads are rewritten into 8-byte
    /// loads of the host's pointers, which cannot serve both (Linux: "same insn cannot be used
    /// with different pointers").
    AmbiguousContextLoad {
        /// What it reads on the first path seen (`the context's `data` pointer`, `stack bytes`).
        first: String,
        /// What it reads on another.
        second: String,
    },
    /// `r0` at exit is not a number in the allowed range.
    BadReturn {
        /// What `r0` may be.
        detail: String,
    },
    /// The analysis exceeded a resource limit.
    TooComplex {
        /// Which limit.
        detail: String,
    },
    /// The platform lists the helper but the verifier does not model it: every call is
    /// rejected.
    HelperNotModelled {
        /// Helper name.
        name: &'static str,
        /// Why it is not modelled.
        why: &'static str,
    },
    /// A callback (`bpf_loop`, `bpf_for_each_map_elem`) used wrongly: a bad function address,
    /// a return value out of range, an unsupported instruction inside it.
    Callback {
        /// What is wrong.
        detail: String,
    },
    /// A spin lock rule broken: a second lock, an unlock of a lock not held, a helper call,
    /// local call or exit with a lock held.
    SpinLock {
        /// What is wrong.
        detail: String,
    },
    /// The program type's context depends on the attach type, and programs of the type cannot
    /// be attached at the one given ([`Options::attach_type`](crate::Options::attach_type)).
    AttachTypeMismatch {
        /// The program type.
        program_type: &'static str,
        /// The attach type given.
        attach_type: &'static str,
    },
}

impl VerifyErrorKind {
    /// A short class name, stable for tests and catalogues (e.g. `"out-of-bounds"`).
    pub fn class(&self) -> &'static str {
        use VerifyErrorKind::*;
        match self {
            Invalid(kind) => kind.class(),
            UnknownProgramType { .. } => "unknown-program-type",
            UnverifiableProgramType { .. } => "unverifiable-program-type",
            FallsOffEnd => "falls-off-end",
            Recursion { .. } => "recursion",
            CallDepth { .. } => "call-depth",
            UnknownHelper { .. } => "unknown-helper",
            HelperNotAllowed { .. } => "helper-not-allowed",
            Unsupported { .. } => "unsupported",
            UnknownMap { .. } => "unknown-map",
            UninitialisedRegister { .. } => "uninit-register",
            UninitialisedStack { .. } => "uninit-stack",
            TypeMismatch { .. } => "type-mismatch",
            OutOfBounds { .. } => "out-of-bounds",
            PossiblyNull { .. } => "null",
            ReadOnly { .. } => "read-only",
            WriteOnly { .. } => "write-only",
            Misaligned { .. } => "misaligned",
            PointerLeak { .. } => "pointer-leak",
            PointerComparison { .. } => "pointer-comparison",
            ReferenceLeak { .. } => "reference-leak",
            PointerArithmetic { .. } => "pointer-arithmetic",
            HelperArgument { .. } => "helper-argument",
            UnboundedLoop { .. } => "unbounded-loop",
            RunTooLong { .. } => "run-too-long",
            AmbiguousContextLoad { .. } => "ambiguous-context-load",
            BadReturn { .. } => "bad-return",
            TooComplex { .. } => "too-complex",
            HelperNotModelled { .. } => "helper-not-modelled",
            Callback { .. } => "callback",
            SpinLock { .. } => "spin-lock",
            AttachTypeMismatch { .. } => "attach-type-mismatch",
        }
    }
}

impl VerifyError {
    /// An error at `pc`.
    pub fn new(pc: usize, kind: VerifyErrorKind) -> VerifyError {
        VerifyError { pc, kind }
    }

    /// Slot of the instruction (0 for whole-program errors).
    pub fn pc(&self) -> usize {
        self.pc
    }

    /// What is wrong.
    pub fn kind(&self) -> &VerifyErrorKind {
        &self.kind
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use VerifyErrorKind::*;
        write!(f, "pc {}: ", self.pc)?;
        match &self.kind {
            Invalid(kind) => write!(f, "{kind}"),
            UnknownProgramType { name } => {
                write!(f, "unknown program type `{name}` for this platform")
            }
            UnverifiableProgramType { name } => write!(
                f,
                "program type `{name}` has no context layout on this platform: its programs \
                 cannot be verified"
            ),
            FallsOffEnd => f.write_str("execution can fall through past the last instruction"),
            Recursion { function } => {
                write!(f, "recursive call: the function at pc {function} can call itself")
            }
            CallDepth { frames, limit } => write!(
                f,
                "local calls nest {frames} frames deep, more than the limit of {limit}"
            ),
            UnknownHelper { id } => write!(f, "unknown helper {id} for this platform"),
            HelperNotAllowed { name, program_type } => write!(
                f,
                "helper {name} may not be called by {program_type} programs"
            ),
            Unsupported { what } => write!(f, "unsupported: {what}"),
            UnknownMap { imm } => write!(f, "lddw refers to unknown map {imm}"),
            UninitialisedRegister { reg } => {
                write!(f, "read of uninitialised r{} (on some path)", reg.num())
            }
            UninitialisedStack { offset, detail } => write!(
                f,
                "{detail} reads stack byte at r10{offset:+} before it is initialised (on some path)"
            ),
            TypeMismatch {
                reg,
                expected,
                found,
            } => write!(f, "r{} must be {expected} but may be {found}", reg.num()),
            OutOfBounds { region, condition } => {
                write!(f, "{region} access out of bounds: {condition}")
            }
            PossiblyNull { reg } => write!(
                f,
                "r{} may be null: compare it with 0 before using it",
                reg.num()
            ),
            ReadOnly { region, detail } => write!(f, "write to read-only {region}: {detail}"),
            WriteOnly { region, detail } => write!(f, "read of write-only {region}: {detail}"),
            Misaligned { detail } => write!(f, "misaligned access: {detail}"),
            PointerLeak { detail } => write!(f, "pointer leak: {detail}"),
            PointerComparison { detail } => write!(
                f,
                "pointer comparison would disclose its address: {detail} (a pointer may be \
                 compared only with 0 and, in 64 bits, with a pointer into the same region)"
            ),
            ReferenceLeak { detail } => write!(f, "resource leak: {detail}"),
            PointerArithmetic { reg, detail } => {
                write!(f, "invalid arithmetic on pointer r{}: {detail}", reg.num())
            }
            HelperArgument {
                helper,
                arg,
                detail,
            } => write!(f, "{helper} argument r{arg}: {detail}"),
            UnboundedLoop { head, detail } => write!(
                f,
                "loop at pc {head} may not terminate: no bound on its iterations was proved ({detail})"
            ),
            RunTooLong {
                bound,
                limit,
                detail,
            } => write!(
                f,
                "the program may run {bound} instructions, more than the limit of {limit}: {detail}"
            ),
            AmbiguousContextLoad { first, second } => write!(
                f,
                "the same load reads {first} on one path and {second} on another: loads of the \
                 context's 32-bit pointer fields become 8-byte loads of the host's pointers, so \
                 one instruction cannot do both (load each with its own instruction)"
            ),
            BadReturn { detail } => write!(f, "bad exit value: {detail}"),
            TooComplex { detail } => write!(f, "program too complex to verify: {detail}"),
            HelperNotModelled { name, why } => write!(
                f,
                "helper {name} is not supported by this verifier: {why}"
            ),
            Callback { detail } => write!(f, "callback: {detail}"),
            SpinLock { detail } => write!(f, "spin lock: {detail}"),
            AttachTypeMismatch {
                program_type,
                attach_type,
            } => write!(
                f,
                "{program_type} programs cannot be attached as {attach_type}: the platform \
                 describes their context at other attach types only"
            ),
        }
    }
}

impl core::error::Error for VerifyError {}

impl From<ProgramError> for VerifyError {
    fn from(e: ProgramError) -> VerifyError {
        VerifyError::new(e.pc(), VerifyErrorKind::Invalid(e.kind()))
    }
}
