//! A reader for the `.BTF` section: the type table and the string table.
//!
//! [`Btf`] holds every type ([`BtfType`], indexed by type id, id 0 being `void`) and the strings.
//! Only what the loader needs is interpreted: sizes, struct members, arrays, pointers, variables
//! and data sections (for BTF-defined maps) and function names.

use alloc::string::String;
use alloc::vec::Vec;

use crate::error::{bad_btf, LoadError};

const BTF_MAGIC: u16 = 0xeb9f;
/// How many typedef/const/volatile links [`Btf::resolve`] follows before giving up (a cycle).
const MAX_CHAIN: usize = 64;

/// Reads a little-endian `u32` at `off`, or `None` past the end.
pub(crate) fn u32_at(data: &[u8], off: usize) -> Option<u32> {
    let b = data.get(off..off.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Reads a NUL-terminated string at `off` (lossy UTF-8), or `None` when `off` is out of range
/// or the string has no terminator.
pub(crate) fn cstr_at(data: &[u8], off: usize) -> Option<&str> {
    let rest = data.get(off..)?;
    let end = rest.iter().position(|&b| b == 0)?;
    core::str::from_utf8(&rest[..end]).ok()
}

/// A member of a struct or union.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// Offset of the name in the string table.
    pub name_off: u32,
    /// Type id.
    pub type_id: u32,
    /// Bit offset (and, with the kind flag, bitfield size in the top 8 bits).
    pub offset: u32,
}

/// A variable of a data section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecVar {
    /// Type id of the `VAR`.
    pub type_id: u32,
    /// Byte offset in the section.
    pub offset: u32,
    /// Size in bytes.
    pub size: u32,
}

/// What a BTF type is, with its kind-specific data.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BtfKind {
    /// `void` (type id 0 only).
    Void,
    /// An integer of `size` bytes.
    Int {
        /// Size in bytes.
        size: u32,
    },
    /// A pointer to `type_id`.
    Ptr {
        /// Pointee.
        type_id: u32,
    },
    /// An array.
    Array {
        /// Element type.
        elem: u32,
        /// Number of elements.
        nelems: u32,
    },
    /// A struct (`is_union` false) or union.
    Struct {
        /// Union rather than struct.
        is_union: bool,
        /// Size in bytes.
        size: u32,
        /// Members.
        members: Vec<Member>,
    },
    /// An enum of `size` bytes (`ENUM` or `ENUM64`).
    Enum {
        /// Size in bytes.
        size: u32,
    },
    /// A forward declaration.
    Fwd,
    /// `typedef`, `volatile`, `const`, `restrict` or a type tag: an alias of `type_id`.
    Modifier {
        /// The aliased type.
        type_id: u32,
    },
    /// A function; `type_id` is its `FUNC_PROTO`.
    Func {
        /// The prototype.
        type_id: u32,
    },
    /// A function prototype.
    FuncProto,
    /// A global variable of type `type_id`.
    Var {
        /// The variable's type.
        type_id: u32,
    },
    /// A data section (`.maps`, `.data`, ...) and its variables.
    DataSec {
        /// Variables in the section.
        vars: Vec<SecVar>,
    },
    /// A floating-point type of `size` bytes.
    Float {
        /// Size in bytes.
        size: u32,
    },
    /// A declaration tag.
    DeclTag,
}

/// One type: its name offset and kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BtfType {
    /// Offset of the name in the string table (0: anonymous).
    pub name_off: u32,
    /// The kind and its data.
    pub kind: BtfKind,
}

/// A parsed `.BTF` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Btf {
    types: Vec<BtfType>,
    strings: Vec<u8>,
}

impl Btf {
    /// Parses a `.BTF` section.
    pub fn parse(data: &[u8]) -> Result<Btf, LoadError> {
        let header = |off| u32_at(data, off).ok_or_else(|| bad_btf("truncated header"));
        let magic = data.get(..2).map(|b| u16::from_le_bytes([b[0], b[1]]));
        if magic != Some(BTF_MAGIC) {
            return Err(bad_btf("bad magic (expected 0xeb9f little-endian)"));
        }
        let hdr_len = header(4)? as usize;
        let (type_off, type_len) = (header(8)? as usize, header(12)? as usize);
        let (str_off, str_len) = (header(16)? as usize, header(20)? as usize);
        let slice = |off: usize, len: usize, what: &str| {
            let start = hdr_len.checked_add(off);
            let end = start.and_then(|s| s.checked_add(len));
            match (start, end) {
                (Some(s), Some(e)) if e <= data.len() => Ok(&data[s..e]),
                _ => Err(bad_btf(alloc::format!("{what} lies outside the section"))),
            }
        };
        let type_data = slice(type_off, type_len, "type table")?;
        let strings = slice(str_off, str_len, "string table")?.to_vec();
        let mut types = Vec::new();
        types.push(BtfType {
            name_off: 0,
            kind: BtfKind::Void,
        });
        let mut off = 0;
        while off < type_data.len() {
            let (ty, len) = parse_type(type_data, off)?;
            types.push(ty);
            off += len;
        }
        Ok(Btf { types, strings })
    }

    /// The type with id `id`.
    pub fn get(&self, id: u32) -> Option<&BtfType> {
        self.types.get(id as usize)
    }

    /// Number of types, including `void`.
    pub fn len(&self) -> usize {
        self.types.len()
    }

    /// Whether only `void` is present.
    pub fn is_empty(&self) -> bool {
        self.types.len() <= 1
    }

    /// The string at `off` in the string table (`None` when out of range).
    pub fn string(&self, off: u32) -> Option<&str> {
        cstr_at(&self.strings, off as usize)
    }

    /// The name of type `id` (empty when anonymous or unknown).
    pub fn name(&self, id: u32) -> &str {
        self.get(id)
            .and_then(|t| self.string(t.name_off))
            .unwrap_or("")
    }

    /// Follows typedefs and qualifiers from `id` to the underlying type id.
    pub fn resolve(&self, id: u32) -> Result<u32, LoadError> {
        let mut id = id;
        for _ in 0..MAX_CHAIN {
            match self.get(id).map(|t| &t.kind) {
                Some(BtfKind::Modifier { type_id }) => id = *type_id,
                Some(_) => return Ok(id),
                None => return Err(bad_btf(alloc::format!("type id {id} does not exist"))),
            }
        }
        Err(bad_btf(alloc::format!(
            "type id {id}: typedef chain too long or cyclic"
        )))
    }

    /// Size in bytes of type `id`.
    pub fn size_of(&self, id: u32) -> Result<u64, LoadError> {
        self.size_of_depth(id, 0)
    }

    fn size_of_depth(&self, id: u32, depth: usize) -> Result<u64, LoadError> {
        if depth > MAX_CHAIN {
            return Err(bad_btf(alloc::format!(
                "type id {id}: nesting too deep or cyclic"
            )));
        }
        let id = self.resolve(id)?;
        let ty = self.get(id).ok_or_else(|| bad_btf("missing type"))?;
        Ok(match &ty.kind {
            BtfKind::Int { size }
            | BtfKind::Struct { size, .. }
            | BtfKind::Enum { size }
            | BtfKind::Float { size } => u64::from(*size),
            BtfKind::Ptr { .. } => 8,
            BtfKind::Array { elem, nelems } => self
                .size_of_depth(*elem, depth + 1)?
                .saturating_mul(u64::from(*nelems)),
            BtfKind::Var { type_id } => self.size_of_depth(*type_id, depth + 1)?,
            other => {
                return Err(bad_btf(alloc::format!(
                    "type id {id} ({other:?}) has no size"
                )));
            }
        })
    }

    /// The data section named `name`, if any.
    pub fn datasec(&self, name: &str) -> Option<&[SecVar]> {
        self.types.iter().find_map(|t| match &t.kind {
            BtfKind::DataSec { vars } if self.string(t.name_off) == Some(name) => {
                Some(vars.as_slice())
            }
            _ => None,
        })
    }

    /// A readable name of type `id` for messages (`struct foo`, `int`, `(anon)`).
    pub fn describe(&self, id: u32) -> String {
        let name = self.name(id);
        let prefix = match self.get(id).map(|t| &t.kind) {
            Some(BtfKind::Struct {
                is_union: false, ..
            }) => "struct ",
            Some(BtfKind::Struct { is_union: true, .. }) => "union ",
            Some(BtfKind::Enum { .. }) => "enum ",
            _ => "",
        };
        if name.is_empty() {
            alloc::format!("{prefix}(anon #{id})")
        } else {
            alloc::format!("{prefix}{name}")
        }
    }
}

/// Parses the type at `off`; returns it and its encoded length.
fn parse_type(data: &[u8], off: usize) -> Result<(BtfType, usize), LoadError> {
    let word = |i: usize| {
        u32_at(data, off + i * 4)
            .ok_or_else(|| bad_btf(alloc::format!("type table truncated at byte {off}")))
    };
    let name_off = word(0)?;
    let info = word(1)?;
    let size_or_type = word(2)?;
    let vlen = (info & 0xffff) as usize;
    let kind_num = (info >> 24) & 0x1f;
    let kind_flag = info >> 31 == 1;
    let base = 12;
    let items = |each: usize| -> Result<usize, LoadError> {
        let len = base + vlen * each;
        if off + len > data.len() {
            return Err(bad_btf(alloc::format!(
                "type table truncated at byte {off}"
            )));
        }
        Ok(len)
    };
    let (kind, len) = match kind_num {
        1 => (BtfKind::Int { size: size_or_type }, items(0)? + 4),
        2 => (
            BtfKind::Ptr {
                type_id: size_or_type,
            },
            items(0)?,
        ),
        3 => {
            items(0)?;
            (
                BtfKind::Array {
                    elem: word(3)?,
                    nelems: word(5)?,
                },
                base + 12,
            )
        }
        4 | 5 => {
            let len = items(12)?;
            let mut members = Vec::with_capacity(vlen);
            for i in 0..vlen {
                let at = 3 + i * 3;
                let (name_off, type_id, offset) = (word(at)?, word(at + 1)?, word(at + 2)?);
                let offset = if kind_flag {
                    offset & 0x00ff_ffff
                } else {
                    offset
                };
                members.push(Member {
                    name_off,
                    type_id,
                    offset,
                });
            }
            (
                BtfKind::Struct {
                    is_union: kind_num == 5,
                    size: size_or_type,
                    members,
                },
                len,
            )
        }
        6 => (BtfKind::Enum { size: size_or_type }, items(8)?),
        7 => (BtfKind::Fwd, items(0)?),
        8..=11 | 18 => (
            BtfKind::Modifier {
                type_id: size_or_type,
            },
            items(0)?,
        ),
        12 => (
            BtfKind::Func {
                type_id: size_or_type,
            },
            items(0)?,
        ),
        13 => (BtfKind::FuncProto, items(8)?),
        14 => (
            BtfKind::Var {
                type_id: size_or_type,
            },
            items(0)? + 4,
        ),
        15 => {
            let len = items(12)?;
            let mut vars = Vec::with_capacity(vlen);
            for i in 0..vlen {
                let at = 3 + i * 3;
                vars.push(SecVar {
                    type_id: word(at)?,
                    offset: word(at + 1)?,
                    size: word(at + 2)?,
                });
            }
            (BtfKind::DataSec { vars }, len)
        }
        16 => (BtfKind::Float { size: size_or_type }, items(0)?),
        17 => (BtfKind::DeclTag, items(0)? + 4),
        19 => (BtfKind::Enum { size: size_or_type }, items(12)?),
        k => {
            return Err(bad_btf(alloc::format!(
                "unknown type kind {k} at byte {off}"
            )))
        }
    };
    if off + len > data.len() {
        return Err(bad_btf(alloc::format!(
            "type table truncated at byte {off}"
        )));
    }
    Ok((BtfType { name_off, kind }, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push(out: &mut Vec<u8>, words: &[u32]) {
        for w in words {
            out.extend_from_slice(&w.to_le_bytes());
        }
    }

    fn build(types: &[u32], strings: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&BTF_MAGIC.to_le_bytes());
        out.extend_from_slice(&[1, 0]);
        let type_len = (types.len() * 4) as u32;
        push(&mut out, &[24, 0, type_len, type_len, strings.len() as u32]);
        push(&mut out, types);
        out.extend_from_slice(strings);
        out
    }

    #[test]
    fn int_typedef_array_struct_sizes() {
        let strings = b"\0int\0u32\0s\0a\0";
        let types = [
            1,
            1 << 24,
            4,
            0x20, // 1: int, 4 bytes
            5,
            8 << 24,
            1, // 2: typedef u32 -> 1
            0,
            3 << 24,
            0,
            2,
            1,
            10, // 3: u32[10]
            9,
            (4 << 24) | 1,
            40,
            11,
            3,
            0, // 4: struct s { u32 a[10]; }
            0,
            2 << 24,
            4, // 5: ptr -> struct s
        ];
        let btf = Btf::parse(&build(&types, strings)).unwrap();
        assert_eq!(btf.len(), 6);
        assert_eq!(btf.size_of(2).unwrap(), 4);
        assert_eq!(btf.size_of(3).unwrap(), 40);
        assert_eq!(btf.size_of(4).unwrap(), 40);
        assert_eq!(btf.size_of(5).unwrap(), 8);
        assert_eq!(btf.resolve(2).unwrap(), 1);
        assert_eq!(btf.describe(4), "struct s");
        assert_eq!(btf.name(2), "u32");
    }

    #[test]
    fn cyclic_typedef_is_an_error_not_a_hang() {
        let types = [0, 8 << 24, 2, 0, 8 << 24, 1];
        let btf = Btf::parse(&build(&types, b"\0")).unwrap();
        assert!(btf.resolve(1).is_err());
        assert!(btf.size_of(1).is_err());
    }

    #[test]
    fn truncated_and_bad_magic_are_errors() {
        let types = [1, (4 << 24) | 3, 4];
        assert!(Btf::parse(&build(&types, b"\0x\0")).is_err());
        assert!(Btf::parse(&[0x9f, 0xeb, 1]).is_err());
        assert!(Btf::parse(b"hello world, not btf at all").is_err());
    }
}
