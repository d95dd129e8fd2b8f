//! Map definitions: legacy `maps` sections (Linux `bpf_map_def` or eBPF for Windows layout),
//! BTF-defined maps in `.maps`, and the one-element array maps standing for global data
//! (`.data`, `.rodata*`, `.bss`).
//!
//! [`MapDef`] is one map, its type numbered as on the object's
//! [`Platform`](ebpf_platform::Platform) ([`MapDef::map_type`]); [`MapDef::info`] is what a
//! verifier needs to know of it.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use ebpf_platform::{InnerMap, MapInfo, MapKind, MapRecord, MapType, Platform};

use crate::btf::{u32_at, Btf, BtfKind};
use crate::elf::{Elf, Section, STT_SECTION};
use crate::error::{bad_map, LoadError};

/// Where a map definition came from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MapOrigin {
    /// A legacy `maps` section entry.
    Legacy,
    /// A BTF-defined map in `.maps`.
    Btf,
    /// A global data section (`.data`, `.rodata`, `.rodata.*`, `.bss`).
    GlobalData {
        /// `.rodata*`: the program must not write it.
        read_only: bool,
    },
    /// An inner map template of a map-in-map (not a map of its own).
    Inner,
}

/// Linux `BPF_F_RDONLY_PROG`, set on `.rodata` maps.
pub use ebpf_platform::BPF_F_RDONLY_PROG;

/// One map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapDef {
    /// Symbol name (or section name for global data).
    pub name: String,
    /// Where it was defined.
    pub origin: MapOrigin,
    /// The map type, when the platform numbers one `raw_type`.
    pub map_type: Option<&'static MapType>,
    /// The type number as written in the object.
    pub raw_type: u32,
    /// Key size in bytes.
    pub key_size: u32,
    /// Value size in bytes.
    pub value_size: u32,
    /// Maximum number of entries.
    pub max_entries: u32,
    /// Map flags (Linux `BPF_F_*`).
    pub flags: u32,
    /// Pinning mode (0 = none).
    pub pinning: u32,
    /// The Windows `id` field, or the iproute2 `id` field (0 when absent).
    pub id: u32,
    /// The inner map template of a map-in-map, when the object says.
    pub inner: Option<Box<MapDef>>,
    /// Initial contents of a global data map (shorter than `value_size` means zero-filled;
    /// empty for `.bss` and for other maps).
    pub data: Vec<u8>,
    /// The ELF section it was defined in.
    pub section: String,
    /// Byte offset of its definition (symbol) in the section.
    pub offset: u64,
    /// BTF type id of the key, for BTF-defined maps that name one.
    pub key_type_id: Option<u32>,
    /// BTF type id of the value, for BTF-defined maps that name one.
    pub value_type_id: Option<u32>,
    /// Initial entries of a BTF map-in-map or prog array (`.values = { [1] = &m }`), from the
    /// relocations of `.maps`, by index.
    pub initial_values: Vec<MapInit>,
    /// Byte offset of the `values` member in the definition struct, when it has one.
    pub(crate) values_offset: Option<u32>,
}

/// One initial entry of a map-in-map or prog array.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MapInit {
    /// The key (index in `values`).
    pub index: u32,
    /// What the entry holds.
    pub target: MapInitTarget,
}

/// What an initial map entry refers to.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MapInitTarget {
    /// The map with this index in [`crate::Object::maps`].
    Map(usize),
    /// The program whose entry function has this name.
    Program(String),
}

impl MapDef {
    /// How programs use the map ([`MapKind::Other`] with the number for a type the platform
    /// does not know).
    pub fn kind(&self) -> MapKind {
        self.map_type
            .map_or(MapKind::Other(self.raw_type), |t| t.kind)
    }

    /// The type's name (`hash`, `prog_array`), or `other` for a number the platform does not
    /// know.
    pub fn type_name(&self) -> &'static str {
        self.map_type.map_or("other", |t| t.name)
    }

    /// Whether values are maps (array or hash of maps).
    pub fn is_map_in_map(&self) -> bool {
        self.kind().is_map_of_maps()
    }

    /// What a verifier or host needs to know about the map, referred to by `fd`: its kind,
    /// sizes and flags (`.rodata` maps are read-only for programs), and for a map of maps its
    /// inner map template when the object gives one.
    pub fn info(&self, fd: i32) -> MapInfo {
        let kind = self.kind();
        MapInfo {
            fd,
            kind,
            key_size: self.key_size,
            value_size: self.value_size,
            max_entries: self.max_entries,
            flags: self.flags,
            inner: self
                .inner
                .as_deref()
                .filter(|_| kind.is_map_of_maps())
                .map(|i| InnerMap {
                    kind: i.kind(),
                    key_size: i.key_size,
                    value_size: i.value_size,
                    max_entries: i.max_entries,
                    flags: i.flags,
                }),
        }
    }

    pub(crate) fn empty(name: &str, origin: MapOrigin, section: &str, offset: u64) -> MapDef {
        MapDef {
            name: String::from(name),
            origin,
            map_type: None,
            raw_type: 0,
            key_size: 0,
            value_size: 0,
            max_entries: 0,
            flags: 0,
            pinning: 0,
            id: 0,
            inner: None,
            data: Vec::new(),
            section: String::from(section),
            offset,
            key_type_id: None,
            value_type_id: None,
            initial_values: Vec::new(),
            values_offset: None,
        }
    }
}

/// A map together with the ELF section index it lives in, for relocation lookups.
#[derive(Clone, Debug)]
pub(crate) struct Placed {
    pub def: MapDef,
    pub section: usize,
    /// A legacy map-in-map's inner map index, as written.
    pub inner_index: Option<usize>,
    /// A legacy map-in-map's inner map id (iproute2 `inner_id`: the `id` of the inner
    /// template's definition), when non-zero.
    pub inner_id: Option<u32>,
}

/// Whether `name` is a legacy map section.
pub(crate) fn is_legacy_maps(name: &str) -> bool {
    name == "maps" || name.starts_with("maps/")
}

/// Whether `name` is a global data section, and if so whether it is read-only.
pub(crate) fn global_data_kind(name: &str) -> Option<bool> {
    if name == ".rodata" || name.starts_with(".rodata.") {
        Some(true)
    } else if name == ".data"
        || name.starts_with(".data.")
        || name == ".bss"
        || name.starts_with(".bss.")
    {
        Some(false)
    } else {
        None
    }
}

/// Reads every legacy map of `sec`: records of the platform's [`MapRecord`] layout for their
/// size (the section's size over its map symbols).
pub(crate) fn legacy_maps(
    elf: &Elf<'_>,
    sec: &Section<'_>,
    platform: &'static Platform,
) -> Result<Vec<Placed>, LoadError> {
    let name = sec.display_name();
    let mut syms: Vec<_> = elf
        .symbols
        .iter()
        .filter(|s| s.section == Some(sec.index) && s.kind != STT_SECTION && !s.name.is_empty())
        .collect();
    syms.sort_by_key(|s| s.value);
    syms.dedup_by_key(|s| s.value);
    if syms.is_empty() {
        if sec.data.is_empty() {
            return Ok(Vec::new());
        }
        return Err(bad_map("maps section has no symbols naming its maps").in_section(&name));
    }
    let def_size = sec.data.len() / syms.len();
    let Some(record) = platform.map_record(def_size) else {
        let what = alloc::format!(
            "{} bytes per map definition, expected at least {} for {}",
            def_size,
            platform.min_map_record(),
            platform.name
        );
        return Err(bad_map(what).in_section(&name));
    };
    let mut out = Vec::with_capacity(syms.len());
    for sym in &syms {
        let start = sym.value as usize;
        let bytes = start
            .checked_add(def_size)
            .and_then(|end| sec.data.get(start..end))
            .ok_or_else(|| {
                bad_map("definition lies outside the section")
                    .in_section(&name)
                    .at(sym.value)
                    .symbol(sym.name)
            })?;
        out.push(legacy_map(
            bytes, record, platform, sym.name, &name, sym.value, sec.index,
        ));
    }
    Ok(out)
}

/// One legacy map from its record `bytes`, read as `record` (fields past the record's end read
/// as absent).
fn legacy_map(
    bytes: &[u8],
    record: &MapRecord,
    platform: &'static Platform,
    name: &str,
    section: &str,
    offset: u64,
    section_index: usize,
) -> Placed {
    let field = |at: Option<u32>| at.and_then(|at| u32_at(bytes, at as usize));
    let mut def = MapDef::empty(name, MapOrigin::Legacy, section, offset);
    def.raw_type = field(Some(MapRecord::TYPE)).unwrap_or(0);
    def.map_type = platform.map_type(def.raw_type);
    def.key_size = field(Some(MapRecord::KEY_SIZE)).unwrap_or(0);
    def.value_size = field(Some(MapRecord::VALUE_SIZE)).unwrap_or(0);
    def.max_entries = field(Some(MapRecord::MAX_ENTRIES)).unwrap_or(0);
    def.flags = field(record.flags).unwrap_or(0);
    def.pinning = field(record.pinning).unwrap_or(0);
    def.id = field(record.id).unwrap_or(0);
    let in_map = def.is_map_in_map();
    Placed {
        def,
        section: section_index,
        inner_index: field(record.inner_map_idx)
            .filter(|_| in_map)
            .map(|i| i as usize),
        inner_id: field(record.inner_id).filter(|&id| in_map && id != 0),
    }
}

/// Gives every legacy map-in-map of `maps` (all legacy maps, in order) the inner template its
/// inner map id names (iproute2: the map whose `id` is the outer map's `inner_id`), else its
/// inner map index; the index counts every legacy map of the object, across `maps/...`
/// sections.
pub(crate) fn resolve_legacy_inner(maps: &mut [Placed]) {
    let templates: Vec<MapDef> = maps.iter().map(|p| p.def.clone()).collect();
    for (i, p) in maps.iter_mut().enumerate() {
        let by_id = p
            .inner_id
            .and_then(|id| (0..templates.len()).find(|&j| j != i && templates[j].id == id));
        let Some(idx) = by_id.or(p.inner_index) else {
            continue;
        };
        if let Some(t) = templates.get(idx).filter(|_| idx != i) {
            let mut inner = t.clone();
            inner.origin = MapOrigin::Inner;
            p.def.inner = Some(Box::new(inner));
        }
    }
}

/// Reads the BTF-defined maps of the `.maps` section `sec`.
pub(crate) fn btf_maps(
    elf: &Elf<'_>,
    btf: Option<&Btf>,
    sec: &Section<'_>,
    platform: &'static Platform,
) -> Result<Vec<Placed>, LoadError> {
    let name = sec.display_name();
    let Some(btf) = btf else {
        return Err(bad_map("`.maps` section without `.BTF` to describe it").in_section(&name));
    };
    let Some(vars) = btf.datasec(&name) else {
        return Err(bad_map("no BTF data section describes `.maps`").in_section(&name));
    };
    let mut out = Vec::with_capacity(vars.len());
    for var in vars {
        let (var_name, type_id) = match btf.get(var.type_id).map(|t| &t.kind) {
            Some(BtfKind::Var { type_id }) => (btf.name(var.type_id), *type_id),
            _ => {
                let what = alloc::format!("BTF variable {} of `.maps` is not a VAR", var.type_id);
                return Err(bad_map(what).in_section(&name).at(u64::from(var.offset)));
            }
        };
        // clang leaves DATASEC offsets to the linker; the symbol table has the real ones.
        let offset = elf
            .symbols
            .iter()
            .find(|s| s.section == Some(sec.index) && s.name == var_name)
            .and_then(|s| u32::try_from(s.value).ok())
            .unwrap_or(var.offset);
        let def = btf_map_def(
            btf,
            type_id,
            var_name,
            MapOrigin::Btf,
            &name,
            offset,
            platform,
            0,
        )
        .map_err(|e| e.in_section(&name).at(u64::from(offset)).symbol(var_name))?;
        out.push(Placed {
            def,
            section: sec.index,
            inner_index: None,
            inner_id: None,
        });
    }
    out.sort_by_key(|p| p.def.offset);
    Ok(out)
}

/// The map defined by the struct type `type_id` (members `type`, `key`, `value`, ...).
#[allow(clippy::too_many_arguments)]
fn btf_map_def(
    btf: &Btf,
    type_id: u32,
    name: &str,
    origin: MapOrigin,
    section: &str,
    offset: u32,
    platform: &'static Platform,
    depth: usize,
) -> Result<MapDef, LoadError> {
    let sid = btf.resolve(type_id)?;
    let members = match btf.get(sid).map(|t| &t.kind) {
        Some(BtfKind::Struct {
            is_union: false,
            members,
            ..
        }) => members,
        _ => {
            return Err(bad_map(alloc::format!(
                "{} is not a struct",
                btf.describe(sid)
            )))
        }
    };
    let mut def = MapDef::empty(name, origin, section, u64::from(offset));
    for m in members {
        let member = btf.string(m.name_off).unwrap_or("");
        match member {
            "type" => {
                def.raw_type = ptr_array_len(btf, m.type_id, member)?;
                def.map_type = platform.map_type(def.raw_type);
            }
            "key_size" => def.key_size = ptr_array_len(btf, m.type_id, member)?,
            "value_size" => def.value_size = ptr_array_len(btf, m.type_id, member)?,
            "max_entries" => def.max_entries = ptr_array_len(btf, m.type_id, member)?,
            "map_flags" => def.flags = ptr_array_len(btf, m.type_id, member)?,
            "pinning" => def.pinning = ptr_array_len(btf, m.type_id, member)?,
            "id" => def.id = ptr_array_len(btf, m.type_id, member)?,
            "key" | "value" => {
                let pointee = pointee(btf, m.type_id, member)?;
                let size = btf.size_of(pointee)?;
                let size = u32::try_from(size).map_err(|_| bad_map("key or value too large"))?;
                if member == "key" {
                    (def.key_size, def.key_type_id) = (size, Some(pointee));
                } else {
                    (def.value_size, def.value_type_id) = (size, Some(pointee));
                }
            }
            "values" => {
                // `__array(values, struct inner)`: an array of pointers to the inner definition.
                let arr = btf.resolve(m.type_id)?;
                let elem = match btf.get(arr).map(|t| &t.kind) {
                    Some(BtfKind::Array { elem, .. }) => *elem,
                    _ => return Err(bad_map("`values` is not an array")),
                };
                let inner_ty = pointee(btf, elem, "values")?;
                def.values_offset = Some(m.offset / 8);
                if let Some(BtfKind::FuncProto) = btf.get(btf.resolve(inner_ty)?).map(|t| &t.kind) {
                    // A prog array's initial programs: no inner map.
                    continue;
                }
                if depth > 4 {
                    return Err(bad_map("map-in-map nesting deeper than 4"));
                }
                let inner = btf_map_def(
                    btf,
                    inner_ty,
                    "",
                    MapOrigin::Inner,
                    section,
                    offset,
                    platform,
                    depth + 1,
                )?;
                if def.is_map_in_map() || def.raw_type == 0 {
                    def.inner = Some(Box::new(inner));
                }
            }
            _ => {}
        }
    }
    if def.values_offset.is_some() && def.value_size == 0 {
        // Values of map-in-map and prog arrays are 4-byte ids.
        def.value_size = 4;
    }
    Ok(def)
}

/// `int (*name)[N]` encodes N: the member is a pointer to an array of N elements.
fn ptr_array_len(btf: &Btf, type_id: u32, member: &str) -> Result<u32, LoadError> {
    let arr = pointee(btf, type_id, member)?;
    match btf.get(btf.resolve(arr)?).map(|t| &t.kind) {
        Some(BtfKind::Array { nelems, .. }) => Ok(*nelems),
        _ => Err(bad_map(alloc::format!(
            "member `{member}` is not a pointer to an array"
        ))),
    }
}

fn pointee(btf: &Btf, type_id: u32, member: &str) -> Result<u32, LoadError> {
    match btf.get(btf.resolve(type_id)?).map(|t| &t.kind) {
        Some(BtfKind::Ptr { type_id }) => Ok(*type_id),
        _ => Err(bad_map(alloc::format!(
            "member `{member}` is not a pointer"
        ))),
    }
}

/// The one-element array map standing for global data section `sec`.
pub(crate) fn global_data_map(
    sec: &Section<'_>,
    read_only: bool,
    platform: &'static Platform,
) -> Placed {
    let name = sec.display_name();
    let mut def = MapDef::empty(&name, MapOrigin::GlobalData { read_only }, &name, 0);
    def.map_type = platform.map_type_named("array");
    def.raw_type = def.map_type.map_or(0, |t| t.number);
    def.key_size = 4;
    def.value_size = u32::try_from(sec.size).unwrap_or(u32::MAX);
    def.max_entries = 1;
    def.flags = if read_only { BPF_F_RDONLY_PROG } else { 0 };
    def.data = sec.data.to_vec();
    Placed {
        def,
        section: sec.index,
        inner_index: None,
        inner_id: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placed(name: &str, id: u32, inner_index: Option<usize>, inner_id: Option<u32>) -> Placed {
        let mut def = MapDef::empty(name, MapOrigin::Legacy, "maps", 0);
        def.id = id;
        def.value_size = id;
        Placed {
            def,
            section: 0,
            inner_index,
            inner_id,
        }
    }

    /// A record is read as its platform lays it out, and only as far as it goes.
    #[test]
    fn legacy_records_follow_the_platform() {
        use ebpf_platform::{LINUX, WINDOWS};
        // 20 bytes: type 7, key 4, value 4, max_entries 2, then 1 (Windows: inner_map_idx;
        // Linux: map_flags). Windows' pinning, id and inner_id lie past the end.
        let bytes: Vec<u8> = [7u32, 4, 4, 2, 1]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let record = WINDOWS.map_record(bytes.len()).unwrap();
        let p = legacy_map(&bytes, record, &WINDOWS, "outer", "maps", 0, 3);
        assert_eq!(p.def.type_name(), "array_of_maps");
        assert_eq!((p.inner_index, p.inner_id), (Some(1), None));
        assert_eq!((p.def.pinning, p.def.id, p.def.flags), (0, 0, 0));
        let record = LINUX.map_record(bytes.len()).unwrap();
        let p = legacy_map(&bytes, record, &LINUX, "trace", "maps", 0, 3);
        assert_eq!(p.def.type_name(), "stack_trace");
        assert_eq!((p.inner_index, p.def.flags), (None, 1));
        assert_eq!(p.def.info(5).kind, ebpf_platform::MapKind::StackTrace);
        assert_eq!(p.def.info(5).flags, 1);
        // A number the platform does not know is a map type the verifier does not model.
        let bytes: Vec<u8> = [99u32, 4, 4, 2, 0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let p = legacy_map(&bytes, record, &LINUX, "odd", "maps", 0, 3);
        assert_eq!(p.def.info(5).kind, ebpf_platform::MapKind::Other(99));
    }

    /// iproute2 names the inner template by its `id` (`inner_id`); `inner_idx` is the slot
    /// of the outer map the inner map is put in, so index 0 must not pick the first map.
    #[test]
    fn legacy_inner_template_is_found_by_id_before_index() {
        let mut maps = [
            placed("scratch", 1, None, None),
            placed("inner", 7, None, None),
            placed("outer", 2, Some(0), Some(7)),
            placed("by_index", 3, Some(1), None),
        ];
        resolve_legacy_inner(&mut maps);
        let inner = |i: usize| maps[i].def.inner.as_ref().map(|t| t.name.clone());
        assert_eq!(inner(2).as_deref(), Some("inner"));
        assert_eq!(inner(3).as_deref(), Some("inner"));
    }
}
