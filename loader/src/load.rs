//! [`Object::parse`]: from ELF bytes to relocated [`Program`]s, [`MapDef`]s and metadata.
//!
//! The steps, in order: read the ELF tables; parse `.BTF` and `.BTF.ext`; collect the maps
//! (legacy `maps` sections, then `.maps`, then global data sections); for every code section,
//! split it into functions, apply its ELF relocations (map references, global data, calls) and
//! its CO-RE relocations; then build each program by appending the functions it calls and fixing
//! their call offsets, decode it, and attach line info.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec::Vec;

use ebpf_isa::LddwSrc;
use ebpf_platform::{MapInfo, Platform, LINUX};

use crate::btf::Btf;
use crate::btf_ext::{BtfExt, RawLineInfo};
use crate::elf::{Elf, Section, Symbol, STB_LOCAL, STB_WEAK, STT_FUNC};
use crate::error::{LoadError, LoadErrorKind};
use crate::maps::{self, MapDef, MapInit, MapInitTarget, Placed};
use crate::program::{Function, LineInfo, MapRef, MapRefKind, Program};

const OP_LDDW: u8 = 0x18;
const OP_CALL: u8 = 0x85;
/// `R_BPF_64_64`: the 64-bit immediate of an `LDDW`.
const R_BPF_64_64: u32 = 1;
/// `R_BPF_64_32`: the 32-bit immediate of a call.
const R_BPF_64_32: u32 = 10;

/// How to read an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoadOptions {
    /// The platform the object is for: its section names give program and attach types, its
    /// numbers map types, its records the legacy `maps` sections.
    pub platform: &'static Platform,
    /// The value of the `LINUX_KERNEL_VERSION` extern (`KERNEL_VERSION(a, b, c)`, that is
    /// `a << 16 | b << 8 | c`), as libbpf takes it from the running kernel; 0 by default.
    pub kernel_version: u32,
    /// Values of the other `__kconfig` externs by name (`CONFIG_HZ`, `LINUX_HAS_BPF_COOKIE`):
    /// numbers as they are, `y` as 1 and `m` as 2 (libbpf's tristate). An extern not listed
    /// is 0 when declared `__weak`, and an error naming it otherwise, as in libbpf.
    pub kconfig: &'static [(&'static str, u64)],
}

impl LoadOptions {
    /// Options for objects of `platform`.
    pub fn new(platform: &'static Platform) -> Self {
        LoadOptions {
            platform,
            kernel_version: 0,
            kconfig: &[],
        }
    }

    /// These options with [`LoadOptions::kernel_version`] set.
    pub fn with_kernel_version(mut self, version: u32) -> Self {
        self.kernel_version = version;
        self
    }

    /// These options with [`LoadOptions::kconfig`] set.
    pub fn with_kconfig(mut self, values: &'static [(&'static str, u64)]) -> Self {
        self.kconfig = values;
        self
    }
}

impl Default for LoadOptions {
    /// Linux objects.
    fn default() -> Self {
        LoadOptions::new(&LINUX)
    }
}

/// A loaded object: its programs, maps, license, version and BTF.
#[derive(Clone, Debug)]
pub struct Object {
    platform: &'static Platform,
    programs: Vec<Program>,
    maps: Vec<MapDef>,
    license: Option<String>,
    version: Option<u32>,
    btf: Option<Btf>,
}

impl Object {
    /// Loads the ELF object in `bytes`.
    pub fn parse(bytes: &[u8], options: &LoadOptions) -> Result<Object, LoadError> {
        Loader::new(bytes, options)?.run()
    }

    /// Types the programs whose section name implies no type by the object's file `path`, as
    /// the platform's [`Platform::program_type_for_path`] says (Cilium's `bpf_xdp*.o` hold XDP
    /// programs in sections named `2/1`), marking them [`Program::type_from_path`]. Returns how
    /// many it typed; programs typed by their section keep their type.
    pub fn type_programs_from_path(&mut self, path: &str) -> usize {
        let Some(t) = self.platform.program_type_for_path(path) else {
            return 0;
        };
        let mut typed = 0;
        for p in self
            .programs
            .iter_mut()
            .filter(|p| p.program_type.is_none())
        {
            p.program_type = Some(t);
            p.type_from_path = true;
            typed += 1;
        }
        typed
    }

    /// Every program, in section order, then by offset within the section.
    pub fn programs(&self) -> &[Program] {
        &self.programs
    }

    /// The program named `function` (in `section`, when given).
    pub fn program(&self, section: Option<&str>, function: &str) -> Option<&Program> {
        self.programs
            .iter()
            .find(|p| p.function == function && section.is_none_or(|s| s == p.section))
    }

    /// Every map; [`MapRef::map`] indexes this slice.
    pub fn maps(&self) -> &[MapDef] {
        &self.maps
    }

    /// Every map as a verifier or host needs it, by index: the `fd` of each is its index in
    /// [`Object::maps`], the number the program's relocated `lddw`s hold.
    pub fn map_infos(&self) -> Vec<MapInfo> {
        (0..self.maps.len())
            .map(|i| self.maps[i].info(i as i32))
            .collect()
    }

    /// The platform the object was loaded for.
    pub fn platform(&self) -> &'static Platform {
        self.platform
    }

    /// The `license` section's string, if present.
    pub fn license(&self) -> Option<&str> {
        self.license.as_deref()
    }

    /// The `version` section's value, if present.
    pub fn version(&self) -> Option<u32> {
        self.version
    }

    /// The object's `.BTF`, if present and well-formed.
    pub fn btf(&self) -> Option<&Btf> {
        self.btf.as_ref()
    }
}

/// A function of a code section, in slots.
#[derive(Clone, Debug)]
struct Func {
    name: String,
    start: usize,
    end: usize,
    global: bool,
    /// Named by a `STT_FUNC` symbol (false: the whole section, for old objects).
    has_symbol: bool,
}

/// A code section after relocation.
#[derive(Debug)]
struct Code {
    section: usize,
    name: String,
    bytes: Vec<u8>,
    funcs: Vec<Func>,
    /// slot of a relocated call -> (code index of the target section, target slot)
    calls: BTreeMap<usize, (usize, i64)>,
    /// slot of a call to a function no section defines -> the symbol's name
    unresolved: BTreeMap<usize, String>,
    /// slots of the `LDDW`s a relocation rewrote
    relocated: BTreeSet<usize>,
}

impl Code {
    fn func_at(&self, slot: i64) -> Option<usize> {
        let slot = usize::try_from(slot).ok()?;
        self.funcs
            .iter()
            .position(|f| f.start <= slot && slot < f.end)
    }
}

struct Loader<'a> {
    elf: Elf<'a>,
    options: LoadOptions,
    btf: Option<Btf>,
    ext: Option<BtfExt>,
    maps: Vec<Placed>,
    /// The `.kconfig` externs: name and offset in the value of map `kconfig_map`.
    externs: Vec<(String, u32)>,
    kconfig_map: usize,
}

impl<'a> Loader<'a> {
    fn new(bytes: &'a [u8], options: &LoadOptions) -> Result<Self, LoadError> {
        let elf = Elf::parse(bytes)?;
        let btf = match elf.section_by_name(".BTF") {
            Some(sec) => Some(Btf::parse(sec.bytes()?).map_err(|e| e.in_section(".BTF"))?),
            None => None,
        };
        let ext = match (elf.section_by_name(".BTF.ext"), &btf) {
            (Some(sec), Some(btf)) => {
                Some(BtfExt::parse(sec.bytes()?, btf).map_err(|e| e.in_section(".BTF.ext"))?)
            }
            _ => None,
        };
        Ok(Loader {
            elf,
            options: *options,
            btf,
            ext,
            maps: Vec::new(),
            externs: Vec::new(),
            kconfig_map: 0,
        })
    }

    /// The `.kconfig` externs (BTF `DATASEC .kconfig`) as libbpf resolves them: one read-only
    /// array map named `.kconfig` holding each extern's value at its own aligned offset,
    /// which the `LDDW`s of the externs then point into.
    fn kconfig(&mut self) -> Result<(), LoadError> {
        let Some(btf) = &self.btf else {
            return Ok(());
        };
        let Some(vars) = btf.datasec(".kconfig") else {
            return Ok(());
        };
        let mut data: Vec<u8> = Vec::new();
        let mut externs = Vec::new();
        for var in vars {
            let name = String::from(btf.name(var.type_id));
            let size = var.size.clamp(1, 8) as usize;
            let align = size.next_power_of_two().min(8);
            let at = data.len().div_ceil(align) * align;
            let listed = self.options.kconfig.iter().find(|(n, _)| *n == name);
            let value = if name == "LINUX_KERNEL_VERSION" {
                u64::from(self.options.kernel_version)
            } else if let Some((_, v)) = listed {
                *v
            } else {
                let weak = self
                    .elf
                    .symbols
                    .iter()
                    .any(|s| s.name == name && s.bind == STB_WEAK);
                if !weak {
                    let what = alloc::format!(
                        "kconfig extern `{name}` has no value (give it in LoadOptions::kconfig, \
                         or declare it __weak for 0)"
                    );
                    return Err(unsupported(what).in_section(".kconfig"));
                }
                0
            };
            data.resize(at + var.size.max(1) as usize, 0);
            data[at..at + size].copy_from_slice(&value.to_le_bytes()[..size]);
            externs.push((name, at as u32));
        }
        let platform = self.options.platform;
        let read_only = maps::MapOrigin::GlobalData { read_only: true };
        let mut def = MapDef::empty(".kconfig", read_only, ".kconfig", 0);
        def.map_type = platform.map_type_named("array");
        def.raw_type = def.map_type.map_or(0, |t| t.number);
        def.key_size = 4;
        def.value_size = u32::try_from(data.len().max(1)).unwrap_or(u32::MAX);
        def.max_entries = 1;
        def.flags = ebpf_platform::BPF_F_RDONLY_PROG;
        def.data = data;
        self.kconfig_map = self.maps.len();
        self.maps.push(Placed {
            def,
            section: usize::MAX,
            inner_index: None,
            inner_id: None,
        });
        self.externs = externs;
        Ok(())
    }

    fn run(mut self) -> Result<Object, LoadError> {
        self.collect_maps()?;
        self.map_initial_values()?;
        self.kconfig()?;
        let mut codes = Vec::new();
        for sec in self.elf.sections.iter().filter(|s| s.is_code()) {
            codes.push(self.code_section(sec)?);
        }
        for i in 0..codes.len() {
            let targets: Vec<(usize, (usize, i64))> =
                codes[i].calls.iter().map(|(k, v)| (*k, *v)).collect();
            // Relocated calls name a section; translate to the code index.
            for (slot, (sec, target)) in targets {
                let Some(ci) = codes.iter().position(|c| c.section == sec) else {
                    let err = LoadError::new(LoadErrorKind::BadCallTarget { target });
                    return Err(err.in_section(&codes[i].name).at(slot as u64 * 8));
                };
                codes[i].calls.insert(slot, (ci, target));
            }
        }
        let mut programs = Vec::new();
        for (ci, code) in codes.iter().enumerate() {
            let is_text = code.name == ".text";
            for (fi, func) in code.funcs.iter().enumerate() {
                if is_text && func.has_symbol && !func.global {
                    continue;
                }
                programs.push(self.link(&codes, ci, fi)?);
            }
        }
        let license = match self.elf.section_by_name("license") {
            Some(sec) => {
                let data = sec.bytes()?;
                let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
                Some(String::from_utf8_lossy(&data[..end]).into_owned())
            }
            None => None,
        };
        let version = match self.elf.section_by_name("version") {
            Some(sec) => {
                let d = sec.bytes()?;
                let bytes: [u8; 4] = d
                    .try_into()
                    .map_err(|_| LoadError::new(LoadErrorKind::BadVersion).in_section("version"))?;
                Some(u32::from_le_bytes(bytes))
            }
            None => None,
        };
        Ok(Object {
            platform: self.options.platform,
            programs,
            maps: self.maps.into_iter().map(|p| p.def).collect(),
            license,
            version,
            btf: self.btf,
        })
    }

    fn collect_maps(&mut self) -> Result<(), LoadError> {
        let platform = self.options.platform;
        for sec in &self.elf.sections {
            let Some(name) = sec.name else { continue };
            if maps::is_legacy_maps(name) && !sec.is_code() {
                let _ = sec.bytes()?;
                self.maps
                    .extend(maps::legacy_maps(&self.elf, sec, platform)?);
            }
        }
        maps::resolve_legacy_inner(&mut self.maps);
        for sec in &self.elf.sections {
            if sec.name == Some(".maps") {
                let _ = sec.bytes()?;
                self.maps
                    .extend(maps::btf_maps(&self.elf, self.btf.as_ref(), sec, platform)?);
            }
        }
        for sec in &self.elf.sections {
            let Some(name) = sec.name else { continue };
            if let Some(read_only) = maps::global_data_kind(name) {
                if sec.is_code() {
                    continue;
                }
                let _ = sec.bytes()?;
                self.maps
                    .push(maps::global_data_map(sec, read_only, platform));
            }
        }
        Ok(())
    }

    /// Reads the relocations of `.maps`: the initial entries of map-in-maps and prog arrays.
    fn map_initial_values(&mut self) -> Result<(), LoadError> {
        let Some(sec) = self.elf.sections.iter().find(|s| s.name == Some(".maps")) else {
            return Ok(());
        };
        let index = sec.index;
        let mut inits = Vec::new();
        for rel in self.elf.relocs_for(index) {
            let sym = self.elf.symbols.get(rel.symbol);
            let name = sym.map_or("", |s| s.name);
            let locate = |e: LoadError| e.in_section(".maps").at(rel.offset).symbol(name);
            let sym = sym.ok_or_else(|| locate(bad_reloc("symbol index out of range")))?;
            // The map whose definition holds the relocated pointer.
            let owner = self
                .maps
                .iter()
                .enumerate()
                .filter(|(_, p)| p.section == index && p.def.offset <= rel.offset)
                .max_by_key(|(_, p)| p.def.offset)
                .map(|(i, _)| i);
            let slot = owner.and_then(|i| {
                let def = &self.maps[i].def;
                let start = def.offset + u64::from(def.values_offset?);
                let delta = rel.offset.checked_sub(start)?;
                (delta % 8 == 0).then(|| (i, u32::try_from(delta / 8).ok()))
            });
            let Some((owner, Some(slot))) = slot else {
                return Err(locate(bad_reloc(
                    "relocation in `.maps` outside a `values` array",
                )));
            };
            let target_sec = sym
                .section
                .ok_or_else(|| locate(LoadError::new(LoadErrorKind::UnresolvedSymbol)))?;
            let target = if target_sec == index {
                let map = self
                    .maps
                    .iter()
                    .position(|p| p.section == index && p.def.offset == sym.value)
                    .ok_or_else(|| locate(bad_reloc("no map at the symbol's offset")))?;
                MapInitTarget::Map(map)
            } else if self
                .elf
                .sections
                .get(target_sec)
                .is_some_and(|s| s.is_code())
            {
                MapInitTarget::Program(String::from(sym.name))
            } else {
                return Err(locate(bad_reloc(
                    "`values` entry is neither a map nor a program",
                )));
            };
            inits.push((
                owner,
                MapInit {
                    index: slot,
                    target,
                },
            ));
        }
        for (owner, init) in inits {
            self.maps[owner].def.initial_values.push(init);
        }
        Ok(())
    }

    /// Splits `sec` into functions and applies its relocations.
    fn code_section(&self, sec: &Section<'a>) -> Result<Code, LoadError> {
        let name = sec.display_name();
        let mut bytes = sec.bytes()?.to_vec();
        if bytes.len() % 8 != 0 {
            let kind = LoadErrorKind::Decode(ebpf_isa::DecodeError::new(
                bytes.len() / 8,
                ebpf_isa::DecodeErrorKind::OddLength { len: bytes.len() },
            ));
            return Err(LoadError::new(kind).in_section(&name));
        }
        let slots = bytes.len() / 8;
        let funcs = self.functions(sec, &name, slots)?;
        let mut calls = BTreeMap::new();
        let mut unresolved = BTreeMap::new();
        let mut relocated = BTreeSet::new();
        for rel in self.elf.relocs_for(sec.index) {
            let at = rel.offset;
            let sym = self.elf.symbols.get(rel.symbol).ok_or_else(|| {
                let what = alloc::format!("symbol index {} out of range", rel.symbol);
                LoadError::new(LoadErrorKind::BadRelocation { what })
                    .in_section(&name)
                    .at(at)
            })?;
            let locate = |e: LoadError| e.in_section(&name).at(at).symbol(sym.name);
            let off = usize::try_from(at)
                .ok()
                .filter(|o| o % 8 == 0 && o.checked_add(8).is_some_and(|e| e <= bytes.len()))
                .ok_or_else(|| locate(bad_reloc("offset is not an instruction of the section")))?;
            let op = bytes[off];
            match op {
                OP_LDDW => {
                    relocated.insert(off / 8);
                    if let Some(target) = self
                        .reloc_lddw(&mut bytes, off, rel.r_type, sym)
                        .map_err(locate)?
                    {
                        calls.insert(off / 8, target);
                    }
                }
                // A call of a C function clang leaves undefined (`memcpy`): the platform's
                // builtin of that name, by its helper id.
                OP_CALL if sym.section.is_none() && self.builtin_call(&mut bytes, off, sym) => {}
                // A call of an extern (or a kfunc): only the programs that reach it fail.
                OP_CALL if sym.section.is_none() => {
                    unresolved.insert(off / 8, String::from(sym.name));
                }
                OP_CALL => {
                    let target = self
                        .reloc_call(&mut bytes, off, rel.r_type, sym)
                        .map_err(locate)?;
                    calls.insert(off / 8, target);
                }
                _ => {
                    let what = alloc::format!(
                        "relocation type {} on opcode {op:#04x} (only LDDW and call are relocated)",
                        rel.r_type
                    );
                    return Err(locate(LoadError::new(
                        LoadErrorKind::UnsupportedRelocation { what },
                    )));
                }
            }
        }
        if let (Some(ext), Some(btf)) = (&self.ext, &self.btf) {
            if let Some(sext) = ext.section(&name) {
                for relo in &sext.core_relos {
                    crate::core_relo::apply(btf, relo, &mut bytes)
                        .map_err(|e| e.in_section(&name))?;
                }
            }
        }
        Ok(Code {
            section: sec.index,
            name,
            bytes,
            funcs,
            calls,
            unresolved,
            relocated,
        })
    }

    /// The functions of code section `sec` (`slots` long), sorted by start.
    fn functions(
        &self,
        sec: &Section<'a>,
        name: &str,
        slots: usize,
    ) -> Result<Vec<Func>, LoadError> {
        let mut syms: Vec<&Symbol<'a>> = self
            .elf
            .symbols
            .iter()
            .filter(|s| s.section == Some(sec.index) && s.kind == STT_FUNC)
            .collect();
        syms.sort_by_key(|s| s.value);
        syms.dedup_by_key(|s| s.value);
        if syms.is_empty() {
            let name = String::from(name);
            return Ok(alloc::vec![Func {
                name,
                start: 0,
                end: slots,
                global: true,
                has_symbol: false
            }]);
        }
        let mut funcs = Vec::with_capacity(syms.len());
        for (i, sym) in syms.iter().enumerate() {
            let bad = |what: &str| {
                let what = alloc::format!("function symbol {what}");
                LoadError::new(LoadErrorKind::MalformedElf { reason: what })
                    .in_section(name)
                    .at(sym.value)
                    .symbol(sym.name)
            };
            if sym.value % 8 != 0 || sym.value >= slots as u64 * 8 {
                return Err(bad("is not at an instruction of its section"));
            }
            let start = (sym.value / 8) as usize;
            let next = syms.get(i + 1).map_or(slots, |s| (s.value / 8) as usize);
            let end = match sym.size {
                0 => next,
                size => start
                    .saturating_add((size / 8).try_into().unwrap_or(usize::MAX))
                    .min(next),
            };
            if end <= start {
                return Err(bad("has no instructions"));
            }
            let fname = if sym.name.is_empty() {
                String::from(name)
            } else {
                String::from(sym.name)
            };
            funcs.push(Func {
                name: fname,
                start,
                end,
                global: sym.bind != STB_LOCAL,
                has_symbol: true,
            });
        }
        Ok(funcs)
    }

    /// Relocates the `LDDW` at `off`: a map reference or a global data address.
    fn reloc_lddw(
        &self,
        bytes: &mut [u8],
        off: usize,
        r_type: u32,
        sym: &Symbol<'a>,
    ) -> Result<Option<(usize, i64)>, LoadError> {
        if r_type != R_BPF_64_64 {
            return Err(unsupported(alloc::format!(
                "relocation type {r_type} on an LDDW"
            )));
        }
        if off + 16 > bytes.len() {
            return Err(bad_reloc("LDDW in the last slot of its section"));
        }
        if sym.section.is_none() {
            // A `.kconfig` extern: its value in the `.kconfig` map.
            if let Some((_, at)) = self.externs.iter().find(|(n, _)| n == sym.name) {
                let index =
                    i32::try_from(self.kconfig_map).map_err(|_| bad_reloc("too many maps"))?;
                bytes[off + 1] = (bytes[off + 1] & 0x0f) | (2 << 4);
                bytes[off + 4..off + 8].copy_from_slice(&index.to_le_bytes());
                bytes[off + 12..off + 16].copy_from_slice(&at.to_le_bytes());
                return Ok(None);
            }
        }
        let sec = sym
            .section
            .ok_or_else(|| LoadError::new(LoadErrorKind::UnresolvedSymbol))?;
        let imm = i32::from_le_bytes([
            bytes[off + 4],
            bytes[off + 5],
            bytes[off + 6],
            bytes[off + 7],
        ]);
        let target = sym.value.wrapping_add(imm as i64 as u64);
        let target_sec = self
            .elf
            .sections
            .get(sec)
            .ok_or_else(|| bad_reloc("symbol's section does not exist"))?;
        let target_name = target_sec.display_name();
        let placed = self.maps.iter().position(|p| p.section == sec);
        let Some(first) = placed else {
            if target_sec.is_code() {
                // A function's address (a `bpf_loop` callback): `src = 4` with, once linked, the
                // offset of the function from the next instruction, as for a call.
                if target % 8 != 0 {
                    return Err(bad_reloc("function address is not at an instruction"));
                }
                bytes[off + 1] = (bytes[off + 1] & 0x0f) | (LddwSrc::CodeAddr.code() << 4);
                return Ok(Some((sec, (target / 8) as i64)));
            }
            let what = alloc::format!(
                "LDDW of `{target_name}`, which is not a map or global data section"
            );
            return Err(unsupported(what));
        };
        let (src, index, next_imm) = if matches!(
            self.maps[first].def.origin,
            maps::MapOrigin::GlobalData { .. }
        ) {
            if target > target_sec.size {
                return Err(bad_reloc(alloc::format!(
                    "offset {target} past the end of `{target_name}`"
                )));
            }
            (2u8, first, target as u32)
        } else {
            let index = self
                .maps
                .iter()
                .position(|p| p.section == sec && p.def.offset == target)
                .ok_or_else(|| {
                    bad_reloc(alloc::format!(
                        "no map at offset {target} of `{target_name}`"
                    ))
                })?;
            (1u8, index, 0)
        };
        let index = i32::try_from(index).map_err(|_| bad_reloc("too many maps"))?;
        bytes[off + 1] = (bytes[off + 1] & 0x0f) | (src << 4);
        bytes[off + 4..off + 8].copy_from_slice(&index.to_le_bytes());
        bytes[off + 12..off + 16].copy_from_slice(&next_imm.to_le_bytes());
        Ok(None)
    }

    /// Rewrites the call at `off` of the undefined symbol `sym` into a helper call of the
    /// platform's builtin of that name (`memcpy`, `memmove`, `memset`, `memcmp`: see
    /// `ebpf_platform::BUILTIN_IDS`), as long as it is a plain call of a function (not a
    /// kfunc's, whose `src` is 2); false, leaving it alone, for any other symbol.
    fn builtin_call(&self, bytes: &mut [u8], off: usize, sym: &Symbol<'a>) -> bool {
        let Some(b) = self.options.platform.builtin(sym.name) else {
            return false;
        };
        let Ok(imm) = i32::try_from(b.id.0) else {
            return false;
        };
        if bytes[off + 1] >> 4 > 1 {
            return false;
        }
        bytes[off + 1] &= 0x0f;
        bytes[off + 4..off + 8].copy_from_slice(&imm.to_le_bytes());
        true
    }

    /// Relocates the call at `off`: returns the target `(section index, slot)`.
    fn reloc_call(
        &self,
        bytes: &mut [u8],
        off: usize,
        r_type: u32,
        sym: &Symbol<'a>,
    ) -> Result<(usize, i64), LoadError> {
        if r_type != R_BPF_64_32 && r_type != R_BPF_64_64 {
            return Err(unsupported(alloc::format!(
                "relocation type {r_type} on a call"
            )));
        }
        let sec = sym
            .section
            .ok_or_else(|| LoadError::new(LoadErrorKind::UnresolvedSymbol))?;
        let target_sec = self
            .elf
            .sections
            .get(sec)
            .ok_or_else(|| bad_reloc("symbol's section does not exist"))?;
        if !target_sec.is_code() {
            let what = alloc::format!("call to `{}`, which is not code", target_sec.display_name());
            return Err(bad_reloc(what));
        }
        if sym.value % 8 != 0 {
            return Err(bad_reloc("call target is not at an instruction"));
        }
        let imm = i32::from_le_bytes([
            bytes[off + 4],
            bytes[off + 5],
            bytes[off + 6],
            bytes[off + 7],
        ]);
        let target = (sym.value / 8) as i64 + i64::from(imm) + 1;
        bytes[off + 1] = (bytes[off + 1] & 0x0f) | 0x10;
        Ok((sec, target))
    }

    /// Builds the program whose entry is function `fi` of code section `ci`.
    fn link(&self, codes: &[Code], ci: usize, fi: usize) -> Result<Program, LoadError> {
        let code = &codes[ci];
        let func = &code.funcs[fi];
        // Functions in image order, with their start in the image.
        let mut order: Vec<(usize, usize)> = alloc::vec![(ci, fi)];
        let mut start_of: BTreeMap<(usize, usize), usize> = BTreeMap::new();
        start_of.insert((ci, fi), 0);
        let mut len = func.end - func.start;
        // (image slot, code index, target slot) of every local call.
        let mut calls: Vec<(usize, usize, i64)> = Vec::new();
        let mut link_error = None;
        let mut i = 0;
        while let Some(&(c, f)) = order.get(i) {
            let code = &codes[c];
            let func = &code.funcs[f];
            let base = start_of[&(c, f)];
            let mut slot = func.start;
            while slot < func.end {
                let op = code.bytes[slot * 8];
                let src = code.bytes[slot * 8 + 1] >> 4;
                let local_call = op == OP_CALL && src == 1;
                let func_addr = op == OP_LDDW && src == LddwSrc::CodeAddr.code();
                if let Some(symbol) = code.unresolved.get(&slot) {
                    link_error.get_or_insert_with(|| {
                        LoadError::new(LoadErrorKind::UnresolvedSymbol)
                            .in_section(&code.name)
                            .at(slot as u64 * 8)
                            .symbol(symbol)
                    });
                } else if op == OP_LDDW
                    && !func_addr
                    && src != LddwSrc::Imm.code()
                    && !code.relocated.contains(&slot)
                {
                    // A map (or variable) reference the object does not relocate: the number
                    // in it names nothing the loader created.
                    link_error.get_or_insert_with(|| {
                        LoadError::new(LoadErrorKind::UnrelocatedMapReference { src })
                            .in_section(&code.name)
                            .at(slot as u64 * 8)
                            .symbol(&func.name)
                    });
                } else if local_call || func_addr {
                    let (tc, target) = match code.calls.get(&slot) {
                        Some(&t) => t,
                        None => {
                            let b = &code.bytes[slot * 8 + 4..slot * 8 + 8];
                            let imm = i32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                            (c, slot as i64 + 1 + i64::from(imm))
                        }
                    };
                    let tf = codes[tc].func_at(target).ok_or_else(|| {
                        LoadError::new(LoadErrorKind::BadCallTarget { target })
                            .in_section(&code.name)
                            .at(slot as u64 * 8)
                            .symbol(&func.name)
                    })?;
                    if let alloc::collections::btree_map::Entry::Vacant(e) =
                        start_of.entry((tc, tf))
                    {
                        e.insert(len);
                        order.push((tc, tf));
                        let t = &codes[tc].funcs[tf];
                        len += t.end - t.start;
                    }
                    calls.push((base + slot - func.start, tc, target));
                }
                slot += if op == OP_LDDW { 2 } else { 1 };
            }
            i += 1;
        }
        let mut image = Vec::with_capacity(len * 8);
        let mut origin: Vec<(usize, usize)> = Vec::with_capacity(len);
        let mut functions = Vec::with_capacity(order.len());
        for &(c, f) in &order {
            let t = &codes[c].funcs[f];
            functions.push(Function {
                name: t.name.clone(),
                section: codes[c].name.clone(),
                section_offset: t.start as u64 * 8,
                pc: image.len() / 8,
                slots: t.end - t.start,
            });
            image.extend_from_slice(&codes[c].bytes[t.start * 8..t.end * 8]);
            origin.extend((t.start..t.end).map(|s| (c, s)));
        }
        for (at, tc, target) in calls {
            let tf = codes[tc].func_at(target).unwrap_or(0);
            let dest = start_of[&(tc, tf)] as i64 + target - codes[tc].funcs[tf].start as i64;
            let imm = i32::try_from(dest - at as i64 - 1).map_err(|_| {
                bad_reloc("call offset overflows 32 bits").in_section(&codes[ci].name)
            })?;
            image[at * 8 + 4..at * 8 + 8].copy_from_slice(&imm.to_le_bytes());
        }
        let mut map_refs = Vec::new();
        let mut pc = 0;
        while pc < len {
            let slot = &image[pc * 8..pc * 8 + 8];
            if slot[0] != OP_LDDW {
                pc += 1;
                continue;
            }
            let imm = i32::from_le_bytes([slot[4], slot[5], slot[6], slot[7]]);
            let next_imm = image
                .get(pc * 8 + 12..pc * 8 + 16)
                .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
            let kind = match slot[1] >> 4 {
                1 => Some(MapRefKind::Map),
                2 => Some(MapRefKind::Value { offset: next_imm }),
                _ => None,
            };
            let (c, s) = origin[pc];
            if let Some(kind) = kind.filter(|_| codes[c].relocated.contains(&s)) {
                let map = usize::try_from(imm).ok().filter(|&m| m < self.maps.len());
                let map = map.ok_or_else(|| {
                    bad_reloc("LDDW map reference past the object's maps")
                        .in_section(&codes[c].name)
                        .at(s as u64 * 8)
                })?;
                map_refs.push(MapRef { pc, map, kind });
            }
            pc += 2;
        }
        let (insns, decode_error) = match ebpf_isa::decode(&image) {
            Ok(insns) => (insns, None),
            Err(e) => {
                let (c, s) = origin.get(e.index()).copied().unwrap_or((ci, func.start));
                let err = LoadError::new(LoadErrorKind::Decode(e))
                    .in_section(&codes[c].name)
                    .at(s as u64 * 8)
                    .symbol(&codes[c].funcs[codes[c].func_at(s as i64).unwrap_or(0)].name);
                (Vec::new(), Some(err))
            }
        };
        let lines = self.lines(codes, &origin);
        let kind = self.options.platform.section(&code.name);
        Ok(Program {
            section: code.name.clone(),
            function: func.name.clone(),
            program_type: kind.map(|k| k.program_type),
            type_from_path: false,
            attach_type: kind.and_then(|k| k.attach_type),
            attach_target: kind.and_then(|k| k.target).map(String::from),
            section_offset: func.start as u64 * 8,
            insns,
            code: image,
            functions,
            lines,
            map_refs,
            decode_error,
            link_error,
        })
    }

    /// Line info for an image whose slot `pc` comes from `origin[pc]` (code index, slot).
    fn lines(&self, codes: &[Code], origin: &[(usize, usize)]) -> Vec<LineInfo> {
        let (Some(ext), Some(btf)) = (&self.ext, &self.btf) else {
            return Vec::new();
        };
        let mut per_code: BTreeMap<usize, BTreeMap<u32, &RawLineInfo>> = BTreeMap::new();
        let mut out = Vec::new();
        for (pc, &(c, slot)) in origin.iter().enumerate() {
            let table = per_code.entry(c).or_insert_with(|| {
                ext.section(&codes[c].name)
                    .map(|s| s.lines.iter().map(|l| (l.insn_off, l)).collect())
                    .unwrap_or_default()
            });
            let Ok(off) = u32::try_from(slot * 8) else {
                continue;
            };
            if let Some(raw) = table.get(&off) {
                out.push(LineInfo {
                    pc,
                    file: String::from(btf.string(raw.file_name_off).unwrap_or("")),
                    line: raw.line,
                    column: raw.column,
                    text: String::from(btf.string(raw.line_off).unwrap_or("")),
                });
            }
        }
        out
    }
}

fn bad_reloc(what: impl Into<String>) -> LoadError {
    LoadError::new(LoadErrorKind::BadRelocation { what: what.into() })
}

fn unsupported(what: String) -> LoadError {
    LoadError::new(LoadErrorKind::UnsupportedRelocation { what })
}
