//! [`LoadError`]: why an object could not be loaded, and where.

use alloc::boxed::Box;
use alloc::string::String;
use core::fmt;

/// An object that could not be loaded: what is wrong ([`LoadErrorKind`]) and, when known, the
/// ELF section, the byte offset in it and the symbol involved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    /// Boxed to keep `Result<_, LoadError>` one pointer wide.
    inner: Box<Inner>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Inner {
    kind: LoadErrorKind,
    section: Option<String>,
    offset: Option<u64>,
    symbol: Option<String>,
}

/// What was wrong with an object.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoadErrorKind {
    /// The bytes are not a well-formed 64-bit ELF file (the `object` crate's message).
    MalformedElf {
        /// What the ELF parser reported.
        reason: String,
    },
    /// The ELF machine is not BPF (`EM_BPF`, 247, or 0, which older LLVM releases wrote).
    NotBpf {
        /// The `e_machine` found.
        machine: u16,
    },
    /// A big-endian object (`-target bpfeb`); only little-endian objects are supported.
    BigEndian,
    /// An instruction that does not decode.
    Decode(ebpf_isa::DecodeError),
    /// A relocation against a symbol that is not defined in the object (an `extern`).
    UnresolvedSymbol,
    /// A relocation whose type or target this loader does not handle.
    UnsupportedRelocation {
        /// What is unsupported about it.
        what: String,
    },
    /// A relocation that points outside its section or at an instruction it cannot apply to.
    BadRelocation {
        /// What is wrong with it.
        what: String,
    },
    /// An `LDDW` with a pseudo source (a map by fd or index, a map value, a variable) that no
    /// relocation resolved: the number it holds names no map of the object.
    UnrelocatedMapReference {
        /// The instruction's source field (1: map fd, 2: map value, 5: map index, ...).
        src: u8,
    },
    /// A bpf-to-bpf call whose target is not inside any function.
    BadCallTarget {
        /// Target slot in the target section.
        target: i64,
    },
    /// A map definition that cannot be read.
    BadMap {
        /// What is wrong with it.
        what: String,
    },
    /// Malformed `.BTF` data.
    BadBtf {
        /// What is wrong with it.
        what: String,
    },
    /// Malformed `.BTF.ext` data.
    BadBtfExt {
        /// What is wrong with it.
        what: String,
    },
    /// A CO-RE relocation this loader does not apply.
    UnsupportedCoreRelocation {
        /// The relocation kind (`field_byte_offset`, `type_exists`, ...).
        kind: String,
        /// The access string (`0:1:2`).
        access: String,
        /// The type name the relocation is against.
        type_name: String,
    },
    /// A `version` section that is not 4 bytes.
    BadVersion,
}

impl LoadError {
    /// An error of `kind` with no location yet.
    pub fn new(kind: LoadErrorKind) -> Self {
        let inner = Inner {
            kind,
            section: None,
            offset: None,
            symbol: None,
        };
        LoadError {
            inner: Box::new(inner),
        }
    }

    /// Sets the section name.
    pub(crate) fn in_section(mut self, section: &str) -> Self {
        if self.inner.section.is_none() {
            self.inner.section = Some(String::from(section));
        }
        self
    }

    /// Sets the byte offset inside the section.
    pub(crate) fn at(mut self, offset: u64) -> Self {
        if self.inner.offset.is_none() {
            self.inner.offset = Some(offset);
        }
        self
    }

    /// Sets the symbol name.
    pub(crate) fn symbol(mut self, symbol: &str) -> Self {
        if self.inner.symbol.is_none() && !symbol.is_empty() {
            self.inner.symbol = Some(String::from(symbol));
        }
        self
    }

    /// What was wrong.
    pub fn kind(&self) -> &LoadErrorKind {
        &self.inner.kind
    }

    /// The ELF section involved, when known.
    pub fn section(&self) -> Option<&str> {
        self.inner.section.as_deref()
    }

    /// The byte offset inside [`LoadError::section`], when known.
    pub fn offset(&self) -> Option<u64> {
        self.inner.offset
    }

    /// The instruction slot (byte offset / 8) inside the section, when an offset is known.
    pub fn pc(&self) -> Option<u64> {
        self.inner.offset.map(|o| o / 8)
    }

    /// The symbol involved, when known.
    pub fn symbol_name(&self) -> Option<&str> {
        self.inner.symbol.as_deref()
    }
}

impl fmt::Display for LoadErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadErrorKind::MalformedElf { reason } => write!(f, "malformed ELF object: {reason}"),
            LoadErrorKind::NotBpf { machine } => {
                write!(
                    f,
                    "ELF machine {machine} is not BPF (247); build with `clang -target bpf`"
                )
            }
            LoadErrorKind::BigEndian => {
                f.write_str("big-endian object; build with `-target bpf` or `bpfel`")
            }
            LoadErrorKind::Decode(e) => write!(f, "invalid instruction: {}", e.kind()),
            LoadErrorKind::UnresolvedSymbol => {
                f.write_str("relocation against a symbol that is not defined in this object")
            }
            LoadErrorKind::UnsupportedRelocation { what } => {
                write!(f, "unsupported relocation: {what}")
            }
            LoadErrorKind::BadRelocation { what } => write!(f, "bad relocation: {what}"),
            LoadErrorKind::UnrelocatedMapReference { src } => write!(
                f,
                "LDDW with source {src} (a map reference) has no relocation, so the map it names is unknown"
            ),
            LoadErrorKind::BadCallTarget { target } => {
                write!(f, "call target slot {target} is not inside any function")
            }
            LoadErrorKind::BadMap { what } => write!(f, "bad map definition: {what}"),
            LoadErrorKind::BadBtf { what } => write!(f, "bad .BTF: {what}"),
            LoadErrorKind::BadBtfExt { what } => write!(f, "bad .BTF.ext: {what}"),
            LoadErrorKind::UnsupportedCoreRelocation {
                kind,
                access,
                type_name,
            } => write!(
                f,
                "CO-RE relocation {kind} on type `{type_name}` (access {access}) is not supported"
            ),
            LoadErrorKind::BadVersion => f.write_str("the `version` section is not 4 bytes"),
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(section) = &self.inner.section {
            write!(f, "section {section}")?;
            if let Some(offset) = self.inner.offset {
                write!(f, " offset {offset:#x} (pc {})", offset / 8)?;
            }
            if let Some(symbol) = &self.inner.symbol {
                write!(f, " symbol {symbol}")?;
            }
            f.write_str(": ")?;
        } else if let Some(symbol) = &self.inner.symbol {
            write!(f, "symbol {symbol}: ")?;
        }
        write!(f, "{}", self.inner.kind)
    }
}

impl core::error::Error for LoadError {}

impl From<LoadErrorKind> for LoadError {
    fn from(kind: LoadErrorKind) -> Self {
        LoadError::new(kind)
    }
}

/// Shorthand for an error of a kind that carries one `what` string.
pub(crate) fn bad_map(what: impl Into<String>) -> LoadError {
    LoadError::new(LoadErrorKind::BadMap { what: what.into() })
}

/// Shorthand for a malformed-BTF error.
pub(crate) fn bad_btf(what: impl Into<String>) -> LoadError {
    LoadError::new(LoadErrorKind::BadBtf { what: what.into() })
}

/// Shorthand for a malformed-BTF.ext error.
pub(crate) fn bad_btf_ext(what: impl Into<String>) -> LoadError {
    LoadError::new(LoadErrorKind::BadBtfExt { what: what.into() })
}
