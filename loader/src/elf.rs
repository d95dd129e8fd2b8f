//! The ELF layer: sections, symbols and relocations of a little-endian `EM_BPF` object, read
//! with the `object` crate's low-level ELF API and copied into small owned tables.

use alloc::string::String;
use alloc::vec::Vec;

use object::elf;
use object::elf::FileHeader64;
use object::read::elf::{FileHeader, Rel, SectionHeader, Sym};
use object::Endianness;

use crate::error::{LoadError, LoadErrorKind};

const EM_BPF: u16 = 247;
/// `EM_NONE`: older LLVM releases wrote 0 into BPF objects' `e_machine`; libbpf accepts them.
const EM_NONE: u16 = 0;
pub(crate) const SHT_PROGBITS: u32 = 1;
pub(crate) const SHT_NOBITS: u32 = 8;
const SHT_REL: u32 = 9;
const SHF_EXECINSTR: u64 = 4;
pub(crate) const STT_FUNC: u8 = 2;
pub(crate) const STT_SECTION: u8 = 3;
pub(crate) const STB_LOCAL: u8 = 0;
/// `STB_WEAK`: a weak symbol (an extern that may stay undefined).
pub(crate) const STB_WEAK: u8 = 2;

/// One section header, with its name when the name is readable.
#[derive(Clone, Debug)]
pub(crate) struct Section<'a> {
    pub index: usize,
    pub name: Option<&'a str>,
    pub sh_type: u32,
    pub flags: u64,
    /// File contents (empty for `SHT_NOBITS`; empty too when the header points outside the
    /// file, which [`Section::bad_data`] records so that users of the contents can report it).
    pub data: &'a [u8],
    /// The section's contents lie outside the file.
    pub bad_data: bool,
    /// `sh_size` (for `SHT_NOBITS`, the size in memory).
    pub size: u64,
}

impl<'a> Section<'a> {
    /// An executable `SHT_PROGBITS` section with contents.
    pub fn is_code(&self) -> bool {
        self.sh_type == SHT_PROGBITS && self.flags & SHF_EXECINSTR != 0 && self.size > 0
    }

    /// The contents, or an error naming the section when they lie outside the file.
    pub fn bytes(&self) -> Result<&'a [u8], LoadError> {
        if self.bad_data {
            let reason = String::from("section contents lie outside the file");
            Err(LoadError::new(LoadErrorKind::MalformedElf { reason })
                .in_section(&self.display_name()))
        } else {
            Ok(self.data)
        }
    }

    /// The name, or `#N` for a section whose name cannot be read.
    pub fn display_name(&self) -> String {
        match self.name {
            Some(n) => String::from(n),
            None => alloc::format!("#{}", self.index),
        }
    }
}

/// One symbol table entry.
#[derive(Clone, Debug)]
pub(crate) struct Symbol<'a> {
    pub name: &'a str,
    pub value: u64,
    pub size: u64,
    pub kind: u8,
    pub bind: u8,
    /// The defining section, `None` for undefined, absolute and common symbols.
    pub section: Option<usize>,
}

/// One `SHT_REL` entry.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Reloc {
    pub offset: u64,
    pub r_type: u32,
    pub symbol: usize,
}

/// The tables of one object.
#[derive(Debug)]
pub(crate) struct Elf<'a> {
    pub sections: Vec<Section<'a>>,
    pub symbols: Vec<Symbol<'a>>,
    /// `(target section index, relocations)` for every `SHT_REL` section.
    pub relocs: Vec<(usize, Vec<Reloc>)>,
}

fn malformed(e: object::read::Error) -> LoadError {
    LoadError::new(LoadErrorKind::MalformedElf {
        reason: alloc::format!("{e}"),
    })
}

impl<'a> Elf<'a> {
    /// Reads the section, symbol and relocation tables.
    pub fn parse(data: &'a [u8]) -> Result<Elf<'a>, LoadError> {
        let header = FileHeader64::<Endianness>::parse(data).map_err(malformed)?;
        let endian = header.endian().map_err(malformed)?;
        if endian != Endianness::Little {
            return Err(LoadError::new(LoadErrorKind::BigEndian));
        }
        let machine = header.e_machine(endian).0;
        if machine != EM_BPF && machine != EM_NONE {
            return Err(LoadError::new(LoadErrorKind::NotBpf { machine }));
        }
        let table = header.sections(endian, data).map_err(malformed)?;
        let mut sections = Vec::with_capacity(table.len());
        for (index, sh) in table.iter().enumerate() {
            let name = table
                .section_name(endian, sh)
                .ok()
                .and_then(|b| core::str::from_utf8(b).ok());
            let sh_type = sh.sh_type(endian).0;
            let (data_bytes, bad_data) = if sh_type == SHT_NOBITS {
                (&[][..], false)
            } else {
                match sh.data(endian, data) {
                    Ok(d) => (d, false),
                    Err(_) => (&[][..], true),
                }
            };
            sections.push(Section {
                index,
                name,
                sh_type,
                flags: sh.sh_flags(endian).0,
                data: data_bytes,
                bad_data,
                size: sh.sh_size(endian),
            });
        }
        let symtab = table
            .symbols(endian, data, elf::SHT_SYMTAB)
            .map_err(malformed)?;
        let mut symbols = Vec::with_capacity(symtab.len());
        for sym in symtab.iter() {
            let name = symtab
                .symbol_name(endian, sym)
                .ok()
                .and_then(|b| core::str::from_utf8(b).ok())
                .unwrap_or("");
            let shndx = sym.st_shndx(endian);
            let section = shndx.index().map(usize::from);
            symbols.push(Symbol {
                name,
                value: sym.st_value(endian),
                size: sym.st_size(endian),
                kind: sym.st_type().0,
                bind: sym.st_bind().0,
                section,
            });
        }
        let mut relocs = Vec::new();
        for (index, sh) in table.iter().enumerate() {
            if sh.sh_type(endian).0 != SHT_REL {
                continue;
            }
            let target = sh.sh_info(endian) as usize;
            let name = sections[index].display_name();
            let rels = match sh.data_as_array::<elf::Rel64<Endianness>, _>(endian, data) {
                Ok(r) => r,
                // Only relocations of code matter; a broken table elsewhere is ignored.
                Err(e) if sections.get(target).is_some_and(|s| s.is_code()) => {
                    return Err(malformed(e).in_section(&name));
                }
                Err(_) => continue,
            };
            let list = rels
                .iter()
                .map(|r| Reloc {
                    offset: r.r_offset(endian),
                    r_type: r.r_type(endian).0,
                    symbol: r.r_sym(endian) as usize,
                })
                .collect();
            relocs.push((target, list));
        }
        Ok(Elf {
            sections,
            symbols,
            relocs,
        })
    }

    /// The first section named `name`.
    pub fn section_by_name(&self, name: &str) -> Option<&Section<'a>> {
        self.sections.iter().find(|s| s.name == Some(name))
    }

    /// The relocations applying to section `index`.
    pub fn relocs_for(&self, index: usize) -> impl Iterator<Item = &Reloc> + '_ {
        self.relocs
            .iter()
            .filter(move |(t, _)| *t == index)
            .flat_map(|(_, r)| r.iter())
    }
}
