//! A reader for the `.BTF.ext` section: line information and CO-RE relocations, per section.
//!
//! [`BtfExt`] keeps, for each code section named in it, the [`RawLineInfo`] and [`CoreRelo`]
//! records with byte offsets inside that section. Names and source text live in the `.BTF`
//! string table, so the caller resolves them with [`crate::Btf::string`].

use alloc::string::String;
use alloc::vec::Vec;

use crate::btf::{u32_at, Btf};
use crate::error::{bad_btf_ext, LoadError};

const MAGIC: u16 = 0xeb9f;
const LINE_INFO_SIZE: usize = 16;
const CORE_RELO_SIZE: usize = 16;

/// One line-information record: the instruction at `insn_off` bytes into its section comes from
/// `file:line:column`, whose text is at `line_off` in the string table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawLineInfo {
    /// Byte offset of the instruction in its section.
    pub insn_off: u32,
    /// String offset of the file name.
    pub file_name_off: u32,
    /// String offset of the source line text.
    pub line_off: u32,
    /// Line number.
    pub line: u32,
    /// Column number.
    pub column: u32,
}

/// One CO-RE relocation record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CoreRelo {
    /// Byte offset of the instruction in its section.
    pub insn_off: u32,
    /// Local BTF type id the access starts from.
    pub type_id: u32,
    /// String offset of the access string (`0:1:2`).
    pub access_str_off: u32,
    /// Relocation kind (0 = field byte offset, ...).
    pub kind: u32,
}

impl CoreRelo {
    /// The libbpf name of the relocation kind.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            0 => "field_byte_offset",
            1 => "field_byte_size",
            2 => "field_exists",
            3 => "field_signed",
            4 => "field_lshift_u64",
            5 => "field_rshift_u64",
            6 => "type_id_local",
            7 => "type_id_target",
            8 => "type_exists",
            9 => "type_size",
            10 => "enumval_exists",
            11 => "enumval_value",
            12 => "type_matches",
            _ => "unknown",
        }
    }
}

/// The records of one code section.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SectionExt {
    /// Section name.
    pub section: String,
    /// Line records, in the order the compiler wrote them (by offset).
    pub lines: Vec<RawLineInfo>,
    /// CO-RE relocations.
    pub core_relos: Vec<CoreRelo>,
}

/// A parsed `.BTF.ext` section.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BtfExt {
    sections: Vec<SectionExt>,
}

impl BtfExt {
    /// Parses `.BTF.ext`, naming sections through `btf`'s string table.
    pub fn parse(data: &[u8], btf: &Btf) -> Result<BtfExt, LoadError> {
        let magic = data.get(..2).map(|b| u16::from_le_bytes([b[0], b[1]]));
        if magic != Some(MAGIC) {
            return Err(bad_btf_ext("bad magic (expected 0xeb9f little-endian)"));
        }
        let word = |off| u32_at(data, off).ok_or_else(|| bad_btf_ext("truncated header"));
        let hdr_len = word(4)? as usize;
        let mut ext = BtfExt::default();
        let (line_off, line_len) = (word(16)? as usize, word(20)? as usize);
        let lines = sub(data, hdr_len, line_off, line_len, "line_info")?;
        for_each_record(lines, LINE_INFO_SIZE, btf, "line_info", |sec, rec| {
            let w = |i: usize| u32_at(rec, i * 4).unwrap_or(0);
            let line_col = w(3);
            let info = RawLineInfo {
                insn_off: w(0),
                file_name_off: w(1),
                line_off: w(2),
                line: line_col >> 10,
                column: line_col & 0x3ff,
            };
            ext.section_mut(sec).lines.push(info);
        })?;
        if hdr_len >= 32 {
            let (relo_off, relo_len) = (word(24)? as usize, word(28)? as usize);
            let relos = sub(data, hdr_len, relo_off, relo_len, "core_relo")?;
            for_each_record(relos, CORE_RELO_SIZE, btf, "core_relo", |sec, rec| {
                let w = |i: usize| u32_at(rec, i * 4).unwrap_or(0);
                let relo = CoreRelo {
                    insn_off: w(0),
                    type_id: w(1),
                    access_str_off: w(2),
                    kind: w(3),
                };
                ext.section_mut(sec).core_relos.push(relo);
            })?;
        }
        Ok(ext)
    }

    /// The records of section `name`, if it has any.
    pub fn section(&self, name: &str) -> Option<&SectionExt> {
        self.sections.iter().find(|s| s.section == name)
    }

    /// Every section with records.
    pub fn sections(&self) -> &[SectionExt] {
        &self.sections
    }

    fn section_mut(&mut self, name: &str) -> &mut SectionExt {
        let i = match self.sections.iter().position(|s| s.section == name) {
            Some(i) => i,
            None => {
                let section = String::from(name);
                self.sections.push(SectionExt {
                    section,
                    ..SectionExt::default()
                });
                self.sections.len() - 1
            }
        };
        &mut self.sections[i]
    }
}

/// The `len` bytes at `off` after the header, or an error naming `what`.
fn sub<'a>(
    data: &'a [u8],
    hdr_len: usize,
    off: usize,
    len: usize,
    what: &str,
) -> Result<&'a [u8], LoadError> {
    let start = hdr_len.checked_add(off);
    let end = start.and_then(|s| s.checked_add(len));
    match (start, end) {
        (Some(s), Some(e)) if e <= data.len() => Ok(&data[s..e]),
        _ => Err(bad_btf_ext(alloc::format!(
            "{what} lies outside the section"
        ))),
    }
}

/// Walks a `rec_size`-prefixed table of per-section record groups, calling `f` with the section
/// name and each record's first `min_size` bytes.
fn for_each_record(
    table: &[u8],
    min_size: usize,
    btf: &Btf,
    what: &str,
    mut f: impl FnMut(&str, &[u8]),
) -> Result<(), LoadError> {
    if table.is_empty() {
        return Ok(());
    }
    let truncated = || bad_btf_ext(alloc::format!("{what} table truncated"));
    let rec_size = u32_at(table, 0).ok_or_else(truncated)? as usize;
    if rec_size < min_size {
        return Err(bad_btf_ext(alloc::format!(
            "{what} record size {rec_size} < {min_size}"
        )));
    }
    let mut off = 4;
    while off < table.len() {
        let sec_name_off = u32_at(table, off).ok_or_else(truncated)?;
        let count = u32_at(table, off + 4).ok_or_else(truncated)? as usize;
        off += 8;
        let name = btf.string(sec_name_off).ok_or_else(|| {
            bad_btf_ext(alloc::format!(
                "{what}: section name offset {sec_name_off} is invalid"
            ))
        })?;
        let bytes = count.checked_mul(rec_size).ok_or_else(truncated)?;
        let end = off
            .checked_add(bytes)
            .filter(|&e| e <= table.len())
            .ok_or_else(truncated)?;
        for rec in table[off..end].chunks_exact(rec_size) {
            f(name, &rec[..min_size]);
        }
        off = end;
    }
    Ok(())
}
