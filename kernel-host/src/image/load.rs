//! [`Host::load_image`](crate::Host::load_image): a native image into the host, without the
//! loader, the verifier or the JIT.
//!
//! 1. the signature, against the trusted keys ([`super::check_signature`]);
//! 2. the bytes ([`NativeImage::decode`]), the platform's name and the JIT ABI version;
//! 3. each program: its program type and helpers on this host, their hashes against the
//!    image's ([`super::hash`]), an implementation of every helper, and every reference
//!    (entry, relocations, map indexes) inside what the image holds;
//! 4. the maps, created and filled as an object's are ([`crate::mapspec`]);
//! 5. each program's code copied to executable memory with its relocations written (map
//!    handles, global-data addresses), then the program arrays filled.

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use ebpf_platform::{HelperId, ProgramType};

use super::format::{NativeImage, NativeProgram, RelocKind};
use super::hash::{helper_hash, program_type_hash};
use super::{ImageError, ImageErrorKind, ImageLoadOptions};
use crate::host::Shared;
use crate::mapspec::{create_maps, fill_program_arrays};
use crate::object::Object;
use crate::program::{global_values, LoadError, LoadErrorKind, Loaded, Program};

/// The JIT ABI version this build's run support implements (`None` where native code does
/// not run: off x86-64).
fn host_abi() -> Option<u32> {
    cfg!(target_arch = "x86_64").then_some(crate::abi::ABI_VERSION)
}

fn image_error(at: impl Into<String>, kind: ImageErrorKind) -> LoadError {
    LoadError::new(at, LoadErrorKind::Image(ImageError::new(kind)))
}

/// Loads the image file `bytes` into the host behind `shared`.
pub(crate) fn load_image(
    shared: &Arc<Shared>,
    bytes: &[u8],
    trusted: &[[u8; 32]],
    options: &ImageLoadOptions,
) -> Result<Loaded, LoadError> {
    let wrap = |e: ImageError| LoadError::new("", LoadErrorKind::Image(e));
    super::check_signature(bytes, trusted, options.allow_unsigned).map_err(wrap)?;
    let image = NativeImage::decode(bytes).map_err(wrap)?;
    if image.platform != shared.platform.name {
        return Err(image_error(
            "",
            ImageErrorKind::PlatformMismatch {
                image: image.platform.clone(),
                host: shared.platform.name,
            },
        ));
    }
    let Some(abi) = host_abi() else {
        return Err(LoadError::new("", LoadErrorKind::NoJit));
    };
    if image.abi_version != abi {
        return Err(image_error(
            "",
            ImageErrorKind::AbiMismatch {
                image: image.abi_version,
                host: abi,
            },
        ));
    }
    let mut types = Vec::with_capacity(image.programs.len());
    for p in &image.programs {
        let at = format!("program {}/{}", p.section, p.function);
        types.push(check_program(shared, &image, p).map_err(|k| image_error(at, k))?);
    }
    let maps = create_maps(shared, &image.maps)?;
    let globals = global_values(shared, &maps);
    let mut programs = Vec::with_capacity(image.programs.len());
    for (p, program_type) in image.programs.iter().zip(types) {
        let at = format!("program {}/{}", p.section, p.function);
        let mut patches = Vec::with_capacity(p.relocations.len());
        for r in &p.relocations {
            let value = match r.kind {
                RelocKind::MapHandle => crate::helpers::MAP_HANDLE | u64::from(r.map),
                RelocKind::MapValue => {
                    let what = || format!("relocation at {} names map {}", r.offset, r.map);
                    let (addr, len) =
                        globals
                            .get(r.map as usize)
                            .copied()
                            .flatten()
                            .ok_or_else(|| {
                                let what = format!("{}, which has no single value", what());
                                image_error(at.clone(), ImageErrorKind::BadReference { what })
                            })?;
                    if r.addend as usize > len {
                        let what = format!("{} at {}, past its {len} bytes", what(), r.addend);
                        return Err(image_error(at, ImageErrorKind::BadReference { what }));
                    }
                    addr as u64 + u64::from(r.addend)
                }
            };
            patches.push((r.offset as usize, value));
        }
        let installed = install(shared, p, &patches).map_err(|k| LoadError::new(at, k))?;
        let used_maps = p
            .maps_used
            .iter()
            .filter_map(|&i| maps.get(i as usize).map(|m| m.id()))
            .collect();
        let program = Arc::new(Program {
            id: shared.registry.allocate_id(),
            function: p.function.clone(),
            section: p.section.clone(),
            program_type,
            attach_type: p
                .attach_type
                .as_ref()
                .and_then(|(name, _)| shared.platform.attach_type(name))
                .map(|a| a.name),
            shared: shared.clone(),
            maps: maps.clone(),
            used_maps,
            globals: globals.clone(),
            installed,
            engine: crate::Engine::Jit,
            instructions: p.instructions as usize,
            instruction_bound: p.instruction_bound,
        });
        shared.registry.register(&Object::Program(program.clone()));
        programs.push(program);
    }
    fill_program_arrays(&image.maps, &maps, &programs)?;
    Ok(Loaded { maps, programs })
}

#[cfg(target_arch = "x86_64")]
fn install(
    shared: &Shared,
    p: &NativeProgram,
    patches: &[(usize, u64)],
) -> Result<crate::program::Installed, LoadErrorKind> {
    let image = crate::sys::jit::Image::install_code(
        &*shared.os,
        &p.code,
        p.entry as usize,
        p.uses_stack,
        patches,
    )
    .map_err(LoadErrorKind::Os)?;
    Ok(crate::program::Installed::Jit(image))
}

#[cfg(not(target_arch = "x86_64"))]
fn install(
    _: &Shared,
    _: &NativeProgram,
    _: &[(usize, u64)],
) -> Result<crate::program::Installed, LoadErrorKind> {
    Err(LoadErrorKind::NoJit)
}

/// Checks one program against the host: its type and helpers with their hashes, helper
/// implementations, and its references into its code and the image's maps.
fn check_program(
    shared: &Shared,
    image: &NativeImage,
    p: &NativeProgram,
) -> Result<&'static ProgramType, ImageErrorKind> {
    let platform = shared.platform;
    let changed = |what: String| ImageErrorKind::PlatformChanged { what };
    let program_type = platform
        .program_type(&p.program_type)
        .filter(|t| t.number == p.program_type_number)
        .ok_or_else(|| {
            changed(format!(
                "program type {} ({}), which this host does not have,",
                p.program_type, p.program_type_number
            ))
        })?;
    if program_type_hash(platform.name, program_type) != p.type_hash {
        return Err(changed(format!(
            "program type {} (its context layout or permissions)",
            program_type.name
        )));
    }
    for &(id, hash) in &p.helpers {
        let Some(proto) = platform.helper_for(HelperId(id), program_type) else {
            return Err(changed(format!(
                "helper {id}, which {} programs cannot call on this host,",
                program_type.name
            )));
        };
        if helper_hash(proto) != hash {
            return Err(changed(format!("helper {} ({id})'s prototype", proto.name)));
        }
        if shared.helpers.get(id).is_none() {
            return Err(ImageErrorKind::MissingHelper {
                id,
                name: proto.name,
            });
        }
    }
    let bad = |what: String| ImageErrorKind::BadReference { what };
    if p.entry as usize >= p.code.len() {
        return Err(bad(format!(
            "entry offset {} outside the {}-byte code",
            p.entry,
            p.code.len()
        )));
    }
    if let Some(m) = p
        .maps_used
        .iter()
        .find(|&&m| m as usize >= image.maps.len())
    {
        return Err(bad(format!("map {m} of {} maps", image.maps.len())));
    }
    let mut end = 0usize;
    let mut sorted: Vec<_> = p.relocations.iter().collect();
    sorted.sort_by_key(|r| r.offset);
    for r in sorted {
        let start = r.offset as usize;
        if start < end || start + 8 > p.code.len() {
            return Err(bad(format!(
                "relocation at {start} overlaps another or leaves the {}-byte code",
                p.code.len()
            )));
        }
        if p.code[start..start + 8] != [0; 8] {
            return Err(bad(format!("relocation at {start}: its slot is not empty")));
        }
        if r.map as usize >= image.maps.len() {
            return Err(bad(format!(
                "relocation at {start} names map {} of {}",
                r.map,
                image.maps.len()
            )));
        }
        end = start + 8;
    }
    Ok(program_type)
}
