//! Map definitions: legacy `maps` sections (Linux `bpf_map_def` or eBPF for Windows layout),
//! BTF-defined maps in `.maps`, and the one-element array maps standing for global data
//! (`.data`, `.rodata*`, `.bss`).
//!
//! [`MapDef`] is one map; [`MapType`] its type with the numbering of the chosen [`MapLayout`]
//! normalised away.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use crate::btf::{u32_at, Btf, BtfKind};
use crate::elf::{Elf, Section, STT_SECTION};
use crate::error::{bad_map, LoadError};

/// Which layout the legacy `maps` section (and map type numbers) follow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum MapLayout {
    /// Linux `struct bpf_map_def` (type, key_size, value_size, max_entries, map_flags, ...) and
    /// Linux `BPF_MAP_TYPE_*` numbers.
    #[default]
    Linux,
    /// eBPF for Windows `ebpf_map_definition_in_file_t` (type, key_size, value_size,
    /// max_entries, inner_map_idx, pinning, id, inner_id) and its map type numbers.
    Windows,
}

/// Map types, independent of the platform numbering.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MapType {
    /// `BPF_MAP_TYPE_HASH`.
    Hash,
    /// `BPF_MAP_TYPE_ARRAY`.
    Array,
    /// `BPF_MAP_TYPE_PROG_ARRAY`.
    ProgArray,
    /// `BPF_MAP_TYPE_PERF_EVENT_ARRAY`.
    PerfEventArray,
    /// `BPF_MAP_TYPE_PERCPU_HASH`.
    PercpuHash,
    /// `BPF_MAP_TYPE_PERCPU_ARRAY`.
    PercpuArray,
    /// `BPF_MAP_TYPE_STACK_TRACE`.
    StackTrace,
    /// `BPF_MAP_TYPE_CGROUP_ARRAY`.
    CgroupArray,
    /// `BPF_MAP_TYPE_LRU_HASH`.
    LruHash,
    /// `BPF_MAP_TYPE_LRU_PERCPU_HASH`.
    LruPercpuHash,
    /// `BPF_MAP_TYPE_LPM_TRIE`.
    LpmTrie,
    /// `BPF_MAP_TYPE_ARRAY_OF_MAPS`.
    ArrayOfMaps,
    /// `BPF_MAP_TYPE_HASH_OF_MAPS`.
    HashOfMaps,
    /// `BPF_MAP_TYPE_DEVMAP`.
    Devmap,
    /// `BPF_MAP_TYPE_SOCKMAP`.
    Sockmap,
    /// `BPF_MAP_TYPE_CPUMAP`.
    Cpumap,
    /// `BPF_MAP_TYPE_XSKMAP`.
    Xskmap,
    /// `BPF_MAP_TYPE_SOCKHASH`.
    Sockhash,
    /// `BPF_MAP_TYPE_CGROUP_STORAGE`.
    CgroupStorage,
    /// `BPF_MAP_TYPE_REUSEPORT_SOCKARRAY`.
    ReuseportSockarray,
    /// `BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE`.
    PercpuCgroupStorage,
    /// `BPF_MAP_TYPE_QUEUE`.
    Queue,
    /// `BPF_MAP_TYPE_STACK`.
    Stack,
    /// `BPF_MAP_TYPE_SK_STORAGE`.
    SkStorage,
    /// `BPF_MAP_TYPE_DEVMAP_HASH`.
    DevmapHash,
    /// `BPF_MAP_TYPE_STRUCT_OPS`.
    StructOps,
    /// `BPF_MAP_TYPE_RINGBUF`.
    Ringbuf,
    /// `BPF_MAP_TYPE_INODE_STORAGE`.
    InodeStorage,
    /// `BPF_MAP_TYPE_TASK_STORAGE`.
    TaskStorage,
    /// `BPF_MAP_TYPE_BLOOM_FILTER`.
    BloomFilter,
    /// `BPF_MAP_TYPE_USER_RINGBUF`.
    UserRingbuf,
    /// `BPF_MAP_TYPE_CGRP_STORAGE`.
    CgrpStorage,
    /// `BPF_MAP_TYPE_ARENA`.
    Arena,
    /// A number the layout does not define (including 0, "unspecified").
    Other(u32),
}

use MapType as M;

/// Linux `BPF_MAP_TYPE_*` in numeric order from 1.
const LINUX_TYPES: [MapType; 33] = [
    M::Hash,
    M::Array,
    M::ProgArray,
    M::PerfEventArray,
    M::PercpuHash,
    M::PercpuArray,
    M::StackTrace,
    M::CgroupArray,
    M::LruHash,
    M::LruPercpuHash,
    M::LpmTrie,
    M::ArrayOfMaps,
    M::HashOfMaps,
    M::Devmap,
    M::Sockmap,
    M::Cpumap,
    M::Xskmap,
    M::Sockhash,
    M::CgroupStorage,
    M::ReuseportSockarray,
    M::PercpuCgroupStorage,
    M::Queue,
    M::Stack,
    M::SkStorage,
    M::DevmapHash,
    M::StructOps,
    M::Ringbuf,
    M::InodeStorage,
    M::TaskStorage,
    M::BloomFilter,
    M::UserRingbuf,
    M::CgrpStorage,
    M::Arena,
];

/// eBPF for Windows `BPF_MAP_TYPE_*` in numeric order from 1.
const WINDOWS_TYPES: [MapType; 13] = [
    M::Hash,
    M::Array,
    M::ProgArray,
    M::PercpuHash,
    M::PercpuArray,
    M::HashOfMaps,
    M::ArrayOfMaps,
    M::LruHash,
    M::LpmTrie,
    M::Queue,
    M::LruPercpuHash,
    M::Stack,
    M::Ringbuf,
];

impl MapType {
    /// The type numbered `raw` in `layout`'s numbering.
    pub fn from_raw(raw: u32, layout: MapLayout) -> MapType {
        let table: &[MapType] = match layout {
            MapLayout::Linux => &LINUX_TYPES,
            MapLayout::Windows => &WINDOWS_TYPES,
        };
        match raw.checked_sub(1).and_then(|i| table.get(i as usize)) {
            Some(t) => *t,
            None => MapType::Other(raw),
        }
    }

    /// The number of this type in `layout`'s numbering, if it has one.
    pub fn to_raw(self, layout: MapLayout) -> Option<u32> {
        if let MapType::Other(n) = self {
            return Some(n);
        }
        let table: &[MapType] = match layout {
            MapLayout::Linux => &LINUX_TYPES,
            MapLayout::Windows => &WINDOWS_TYPES,
        };
        table.iter().position(|t| *t == self).map(|i| i as u32 + 1)
    }

    /// The lowercase name without the `BPF_MAP_TYPE_` prefix (`hash`, `prog_array`), or
    /// `other` for [`MapType::Other`].
    pub fn name(self) -> &'static str {
        match self {
            MapType::Hash => "hash",
            MapType::Array => "array",
            MapType::ProgArray => "prog_array",
            MapType::PerfEventArray => "perf_event_array",
            MapType::PercpuHash => "percpu_hash",
            MapType::PercpuArray => "percpu_array",
            MapType::StackTrace => "stack_trace",
            MapType::CgroupArray => "cgroup_array",
            MapType::LruHash => "lru_hash",
            MapType::LruPercpuHash => "lru_percpu_hash",
            MapType::LpmTrie => "lpm_trie",
            MapType::ArrayOfMaps => "array_of_maps",
            MapType::HashOfMaps => "hash_of_maps",
            MapType::Devmap => "devmap",
            MapType::Sockmap => "sockmap",
            MapType::Cpumap => "cpumap",
            MapType::Xskmap => "xskmap",
            MapType::Sockhash => "sockhash",
            MapType::CgroupStorage => "cgroup_storage",
            MapType::ReuseportSockarray => "reuseport_sockarray",
            MapType::PercpuCgroupStorage => "percpu_cgroup_storage",
            MapType::Queue => "queue",
            MapType::Stack => "stack",
            MapType::SkStorage => "sk_storage",
            MapType::DevmapHash => "devmap_hash",
            MapType::StructOps => "struct_ops",
            MapType::Ringbuf => "ringbuf",
            MapType::InodeStorage => "inode_storage",
            MapType::TaskStorage => "task_storage",
            MapType::BloomFilter => "bloom_filter",
            MapType::UserRingbuf => "user_ringbuf",
            MapType::CgrpStorage => "cgrp_storage",
            MapType::Arena => "arena",
            MapType::Other(_) => "other",
        }
    }

    /// Whether values are maps (array or hash of maps).
    pub fn is_map_in_map(self) -> bool {
        matches!(self, MapType::ArrayOfMaps | MapType::HashOfMaps)
    }
}

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
pub const BPF_F_RDONLY_PROG: u32 = 0x80;

/// One map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapDef {
    /// Symbol name (or section name for global data).
    pub name: String,
    /// Where it was defined.
    pub origin: MapOrigin,
    /// The map type.
    pub map_type: MapType,
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
    fn empty(name: &str, origin: MapOrigin, section: &str, offset: u64) -> MapDef {
        MapDef {
            name: String::from(name),
            origin,
            map_type: MapType::Other(0),
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

/// Reads every legacy map of `sec`.
pub(crate) fn legacy_maps(
    elf: &Elf<'_>,
    sec: &Section<'_>,
    layout: MapLayout,
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
    let min = match layout {
        MapLayout::Linux => 16,
        MapLayout::Windows => 16,
    };
    if def_size < min {
        let what = alloc::format!(
            "{} bytes per map definition, expected at least {min}",
            def_size
        );
        return Err(bad_map(what).in_section(&name));
    }
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
        let field = |i: usize| u32_at(bytes, i * 4).unwrap_or(0);
        let mut def = MapDef::empty(sym.name, MapOrigin::Legacy, &name, sym.value);
        def.raw_type = field(0);
        def.map_type = MapType::from_raw(def.raw_type, layout);
        def.key_size = field(1);
        def.value_size = field(2);
        def.max_entries = field(3);
        match layout {
            MapLayout::Linux => {
                def.flags = field(4);
                if def_size >= 36 {
                    // iproute2 `struct bpf_elf_map`: ..., flags, id, pinning, inner_id, inner_idx.
                    def.id = field(5);
                    def.pinning = field(6);
                }
            }
            MapLayout::Windows => {
                def.pinning = field(5);
                def.id = field(6);
            }
        }
        out.push(Placed {
            def,
            section: sec.index,
            inner_index: None,
            inner_id: None,
        });
    }
    // Inner map templates by index, once every definition is known.
    let inner_field = match layout {
        MapLayout::Linux if def_size >= 36 => Some(8),
        MapLayout::Linux if def_size >= 24 => Some(5),
        MapLayout::Linux => None,
        MapLayout::Windows => Some(4),
    };
    if let Some(field_index) = inner_field {
        for (p, sym) in out.iter_mut().zip(&syms) {
            if p.def.map_type.is_map_in_map() {
                let bytes = sec.data.get(sym.value as usize..).unwrap_or(&[]);
                p.inner_index = u32_at(bytes, field_index * 4).map(|i| i as usize);
                if layout == MapLayout::Linux && def_size >= 36 {
                    p.inner_id = u32_at(bytes, 7 * 4).filter(|&id| id != 0);
                }
            }
        }
    }
    Ok(out)
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
    layout: MapLayout,
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
            layout,
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
    layout: MapLayout,
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
                def.map_type = MapType::from_raw(def.raw_type, layout);
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
                    layout,
                    depth + 1,
                )?;
                if def.map_type.is_map_in_map() || def.raw_type == 0 {
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
pub(crate) fn global_data_map(sec: &Section<'_>, read_only: bool, layout: MapLayout) -> Placed {
    let name = sec.display_name();
    let mut def = MapDef::empty(&name, MapOrigin::GlobalData { read_only }, &name, 0);
    def.map_type = MapType::Array;
    def.raw_type = MapType::Array.to_raw(layout).unwrap_or(2);
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
