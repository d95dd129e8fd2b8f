//! What the loader produces for one program: [`Program`], its [`MapRef`]s, its [`LineInfo`] and
//! the [`Function`]s linked into it.
//!
//! Positions (`pc`) are in 8-byte instruction slots from the start of the program, as in the
//! kernel and in [`ebpf_isa::Decoder`]: an `LDDW` takes two slots, so a pc is not an index into
//! [`Program::insns`]; [`Program::iter`] pairs each instruction with its pc.

use alloc::string::String;
use alloc::vec::Vec;

use ebpf_isa::Insn;
use ebpf_platform::{AttachType, ProgramType};

use crate::error::LoadError;

/// One program, fully relocated: map references hold map indexes ([`crate::Object::maps`]) and
/// the static functions it calls are appended after it, with their call offsets fixed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Program {
    /// The ELF section the program's entry function lives in.
    pub section: String,
    /// The entry function's symbol name, or the section name when the section has no function
    /// symbols (old objects: the whole section is one program).
    pub function: String,
    /// The program type the section name implies on the object's platform
    /// ([`Platform::section`](ebpf_platform::Platform::section)), or the file name when the
    /// section implies none and the caller asked ([`Program::type_from_path`]); `None`
    /// otherwise.
    pub program_type: Option<&'static ProgramType>,
    /// Whether [`Program::program_type`] comes from the object's file name
    /// ([`Object::type_programs_from_path`](crate::Object::type_programs_from_path)) rather than
    /// the section name.
    pub type_from_path: bool,
    /// The attach type the section name implies, if any.
    pub attach_type: Option<&'static AttachType>,
    /// What follows the convention's `/` (`sys_write` in `kprobe/sys_write`), if anything.
    pub attach_target: Option<String>,
    /// Byte offset of the entry function in its section.
    pub section_offset: u64,
    /// The instructions, in order; `LDDW` is one element for two slots. Empty when some
    /// instruction does not decode ([`Program::decode_error`]).
    pub insns: Vec<Insn>,
    /// The same instructions as bytes (8 per slot), as a kernel would receive them.
    pub code: Vec<u8>,
    /// The entry function (at pc 0) and every function linked after it.
    pub functions: Vec<Function>,
    /// Source positions from `.BTF.ext`, sorted by pc, one per instruction that starts a new
    /// source position (empty when the object has no line info).
    pub lines: Vec<LineInfo>,
    /// Every `LDDW` that refers to a map, in pc order.
    pub map_refs: Vec<MapRef>,
    /// Why [`Program::insns`] is empty: an instruction that is not valid RFC 9669. The program
    /// is still listed (with its [`Program::code`]) so that tools can show it; a verifier must
    /// reject it.
    pub decode_error: Option<LoadError>,
    /// A call of a function no section of the object defines (an `extern`, a kfunc), or a map
    /// reference (`LDDW` with a pseudo source) no relocation resolved: the first the program
    /// reaches. The program cannot run and a verifier must reject it; the object's other
    /// programs are unaffected.
    pub link_error: Option<LoadError>,
}

/// A function linked into a program.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Function {
    /// Symbol name (the section name for a section without function symbols).
    pub name: String,
    /// The section it comes from.
    pub section: String,
    /// Its byte offset in that section.
    pub section_offset: u64,
    /// The pc of its first instruction in the program.
    pub pc: usize,
    /// Its length in slots.
    pub slots: usize,
}

/// The source position of the instruction at `pc`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LineInfo {
    /// The instruction's pc.
    pub pc: usize,
    /// Source file, as the compiler recorded it.
    pub file: String,
    /// 1-based line number.
    pub line: u32,
    /// Column (0 when unknown).
    pub column: u32,
    /// The text of the source line, when the object carries it (clang's `-g` does).
    pub text: String,
}

/// A reference from an `LDDW` to a map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MapRef {
    /// pc of the `LDDW`.
    pub pc: usize,
    /// Index of the map in [`crate::Object::maps`].
    pub map: usize,
    /// Whether it loads the map or an address inside its value.
    pub kind: MapRefKind,
}

/// What an `LDDW` map reference loads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MapRefKind {
    /// The map itself (`src = 1`, a map index in `imm`).
    Map,
    /// The address `offset` bytes into the map's single value (`src = 2`): global data.
    Value {
        /// Byte offset in the value (`next_imm`).
        offset: u32,
    },
}

impl Program {
    /// Why the program cannot be verified or run, if something in the object already says so:
    /// [`decode_error`](Self::decode_error), else [`link_error`](Self::link_error).
    pub fn error(&self) -> Option<&LoadError> {
        self.decode_error.as_ref().or(self.link_error.as_ref())
    }

    /// Each instruction with its pc.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &Insn)> + '_ {
        let mut pc = 0;
        self.insns.iter().map(move |insn| {
            let at = pc;
            pc += insn.slots();
            (at, insn)
        })
    }

    /// Number of 8-byte slots.
    pub fn slots(&self) -> usize {
        self.code.len() / 8
    }

    /// The indexes of the maps the program refers to, sorted, without duplicates.
    pub fn maps_used(&self) -> Vec<usize> {
        let mut maps: Vec<usize> = self.map_refs.iter().map(|r| r.map).collect();
        maps.sort_unstable();
        maps.dedup();
        maps
    }

    /// The source position in effect at `pc`: the last [`LineInfo`] at or before it within the
    /// same function.
    pub fn line_at(&self, pc: usize) -> Option<&LineInfo> {
        let func_start = self.function_at(pc).map_or(0, |f| f.pc);
        let i = self.lines.partition_point(|l| l.pc <= pc);
        let line = self.lines.get(i.checked_sub(1)?)?;
        (line.pc >= func_start).then_some(line)
    }

    /// The function containing `pc`.
    pub fn function_at(&self, pc: usize) -> Option<&Function> {
        self.functions
            .iter()
            .find(|f| f.pc <= pc && pc < f.pc + f.slots)
    }
}
