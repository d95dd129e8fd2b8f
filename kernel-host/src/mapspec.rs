//! [`MapSpec`]: what the host needs to create one map of a loaded object, whether the object
//! came from the loader (an ELF file) or from a native image ([`crate::image`]), and the
//! creation itself: the maps with the host's semantics, global data's initial contents, and
//! maps of maps filled from their initial values.

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;

use ebpf_loader::{MapInitTarget, MapOrigin};

use crate::host::Shared;
use crate::maps::{Map, MapDef, MapType, Semantics};
use crate::object::{MapObject, Object};
use crate::program::{LoadError, LoadErrorKind};

/// One map of an object, as the host creates it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapSpec {
    /// The map's name (the symbol, or the section for global data).
    pub name: String,
    /// The platform's map type number, as written in the object.
    pub raw_type: u32,
    /// Key size in bytes.
    pub key_size: u32,
    /// Value size in bytes.
    pub value_size: u32,
    /// Most entries.
    pub max_entries: u32,
    /// Map flags (Linux `BPF_F_*` numbering).
    pub flags: u32,
    /// Whether it stands for a global data section (`.data`, `.rodata`, `.bss`).
    pub global_data: bool,
    /// The inner map template of a map of maps.
    pub inner: Option<Box<MapSpec>>,
    /// Global data's initial value (shorter than `value_size`: zero-filled; empty: none).
    pub data: Vec<u8>,
    /// Initial entries of a program array or map of maps, by index.
    pub initial_values: Vec<(u32, InitTarget)>,
}

/// What an initial entry of a map holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InitTarget {
    /// The object's map with this index.
    Map(u32),
    /// The program whose entry function has this name.
    Program(String),
}

impl MapSpec {
    /// The spec of a loader map.
    pub fn from_loader(def: &ebpf_loader::MapDef) -> MapSpec {
        MapSpec {
            name: def.name.clone(),
            raw_type: def.raw_type,
            key_size: def.key_size,
            value_size: def.value_size,
            max_entries: def.max_entries,
            flags: def.flags,
            global_data: matches!(def.origin, MapOrigin::GlobalData { .. }),
            inner: def
                .inner
                .as_deref()
                .map(|i| Box::new(MapSpec::from_loader(i))),
            data: def.data.clone(),
            initial_values: def
                .initial_values
                .iter()
                .filter_map(|init| {
                    let target = match &init.target {
                        MapInitTarget::Map(i) => InitTarget::Map(u32::try_from(*i).ok()?),
                        MapInitTarget::Program(name) => InitTarget::Program(name.clone()),
                        _ => return None,
                    };
                    Some((init.index, target))
                })
                .collect(),
        }
    }
}

/// The host's map type for the platform's number, and whether it is a Linux device map.
fn map_type(shared: &Shared, spec: &MapSpec) -> Result<(MapType, bool), LoadErrorKind> {
    let platform_type = shared.platform.map_type(spec.raw_type);
    let name = platform_type.map_or("other", |t| t.name);
    let unsupported = || LoadErrorKind::UnsupportedMapType {
        number: spec.raw_type,
        name,
    };
    let number = spec.raw_type;
    match shared.semantics {
        Semantics::Windows => MapType::from_windows_id(number)
            .map(|t| (t, false))
            .ok_or_else(unsupported),
        Semantics::Linux if name == "devmap" => Ok((MapType::Array, true)),
        Semantics::Linux => MapType::from_linux_id(number)
            .map(|t| (t, false))
            .ok_or_else(unsupported),
    }
}

/// The host's definition of a map.
fn map_def(shared: &Shared, spec: &MapSpec) -> Result<(MapDef, bool), LoadErrorKind> {
    let (t, devmap) = map_type(shared, spec)?;
    let mut flags = spec.flags;
    let mut max_entries = spec.max_entries;
    if shared.semantics == Semantics::Windows {
        // eBPF for Windows takes no map flags; the loader marks `.rodata` read-only for Linux.
        if spec.global_data {
            flags = 0;
        }
    } else if t == MapType::PerfEventArray && max_entries == 0 {
        // As libbpf: one slot per CPU.
        max_entries = shared.epoch.cpu_count() as u32;
    }
    let mut out = MapDef::new(t, spec.key_size, spec.value_size, max_entries).with_flags(flags);
    if let Some(inner) = spec.inner.as_deref().filter(|_| t.is_map_of_maps()) {
        out = out.with_inner(map_def(shared, inner)?.0);
    }
    Ok((out, devmap))
}

/// Creates the maps of `specs` and stores their initial contents (maps of maps too; program
/// arrays are filled by the caller once the programs are loaded).
pub(crate) fn create_maps(
    shared: &Arc<Shared>,
    specs: &[MapSpec],
) -> Result<Vec<Arc<MapObject>>, LoadError> {
    let mut maps = Vec::new();
    for spec in specs {
        let at = || alloc::format!("map {}", spec.name);
        let (host_def, devmap) = map_def(shared, spec).map_err(|k| LoadError::new(at(), k))?;
        let mut seed = [0u8; 8];
        shared.os.fill_random(&mut seed);
        let map = Map::new(
            host_def,
            shared.semantics,
            shared.epoch.clone(),
            u64::from_ne_bytes(seed),
        )
        .map_err(|e| LoadError::new(at(), LoadErrorKind::Map(e)))?;
        let id = shared.registry.allocate_id();
        let object = MapObject::new(id, spec.name.clone(), spec.raw_type, map, devmap)
            .map_err(|e| LoadError::new(at(), LoadErrorKind::Object(e)))?;
        let object = Arc::new(object);
        shared.registry.register(&Object::Map(object.clone()));
        if !spec.data.is_empty() {
            let mut value = alloc::vec![0u8; spec.value_size as usize];
            let n = spec.data.len().min(value.len());
            value[..n].copy_from_slice(&spec.data[..n]);
            object
                .map()
                .update(&0u32.to_ne_bytes(), &value, crate::maps::update::ANY)
                .map_err(|e| LoadError::new(at(), LoadErrorKind::Map(e)))?;
        }
        if frozen_global(shared, spec.global_data, spec.flags) {
            object.map().freeze();
        }
        maps.push(object);
    }
    for (spec, outer) in specs.iter().zip(&maps) {
        for (index, target) in &spec.initial_values {
            let InitTarget::Map(inner) = target else {
                continue;
            };
            let at = || alloc::format!("map {}", spec.name);
            let inner = maps.get(*inner as usize).ok_or_else(|| {
                let reason = "names a map the object does not have".to_string();
                LoadError::new(at(), LoadErrorKind::InitialValue { reason })
            })?;
            let key = key_of(spec, *index).map_err(|k| LoadError::new(at(), k))?;
            outer
                .set_inner(&key, Some(inner))
                .map_err(|e| LoadError::new(at(), LoadErrorKind::Object(e)))?;
        }
    }
    Ok(maps)
}

/// Whether a map (global data or not, with its flags) is read-only global data that the host
/// freezes once filled and whose contents the verifier may take as constants: `.rodata` under
/// Linux semantics, as libbpf freezes it before it loads programs (eBPF for Windows has no
/// freezing).
pub(crate) fn frozen_global(shared: &Shared, global_data: bool, flags: u32) -> bool {
    shared.semantics == Semantics::Linux
        && global_data
        && flags & crate::maps::flags::RDONLY_PROG != 0
}

/// Fills the program arrays of `specs` from their initial values, with `programs` (what was
/// loaded).
pub(crate) fn fill_program_arrays(
    specs: &[MapSpec],
    maps: &[Arc<MapObject>],
    programs: &[Arc<crate::Program>],
) -> Result<(), LoadError> {
    for (spec, outer) in specs.iter().zip(maps) {
        for (index, target) in &spec.initial_values {
            let InitTarget::Program(name) = target else {
                continue;
            };
            let at = || alloc::format!("map {}", spec.name);
            let Some(program) = programs.iter().find(|p| p.name() == name.as_str()) else {
                let reason = alloc::format!("names program {name}, which did not load");
                return Err(LoadError::new(at(), LoadErrorKind::InitialValue { reason }));
            };
            outer
                .set_program(*index, Some(program))
                .map_err(|e| LoadError::new(at(), LoadErrorKind::Object(e)))?;
        }
    }
    Ok(())
}

/// The key of initial value `index` of a map with 4-byte keys.
fn key_of(spec: &MapSpec, index: u32) -> Result<Vec<u8>, LoadErrorKind> {
    if spec.key_size != 4 {
        return Err(LoadErrorKind::InitialValue {
            reason: alloc::format!("keys of {} bytes cannot be indexes", spec.key_size),
        });
    }
    Ok(index.to_ne_bytes().to_vec())
}
