//! [`compile`] (feature `std`): an ELF object's programs verified and compiled by the JIT into
//! a [`NativeImage`], as `ebpf compile` does.
//!
//! Each program is verified as [`Host::load`](crate::Host::load) verifies it, then its `lddw`s
//! of maps and of global data become `lddw`s of placeholders (a distinct 64-bit value per
//! reference, which the JIT emits verbatim as the immediate of a `mov r64, imm64`). After
//! compiling, each placeholder is found in the code, zeroed, and recorded as a [`Relocation`]
//! the host fills in at load time; a placeholder found twice fails the compile, one found
//! nowhere was compiled away and needs none.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use ebpf_isa::{CallTarget, Insn, LddwSrc};
use ebpf_platform::HelperId;

use super::format::{NativeImage, NativeProgram, RelocKind, Relocation};
use super::hash::{helper_hash, program_type_hash};
use crate::mapspec::{InitTarget, MapSpec};
use crate::program::{LoadError, LoadErrorKind};

/// The high bits of every placeholder: outside the sign-extended 32-bit range, so the JIT
/// emits the full 8 bytes.
const PLACEHOLDER: u64 = 0xE8A5_1F00_0000_0000;

/// Which programs to compile.
#[derive(Clone, Copy, Debug, Default)]
pub struct CompileOptions<'a> {
    /// The entry functions of the programs to compile (`None`: all); those that program
    /// arrays' initial values name are compiled too.
    pub functions: Option<&'a [&'a str]>,
    /// The program type of every program, instead of the one its section implies.
    pub program_type: Option<&'a str>,
}

/// Verifies and compiles the programs of `object` into an (unsigned) image; the first program
/// that does not decode, verify or compile fails it, naming the program.
pub fn compile(
    object: &ebpf_loader::Object,
    options: &CompileOptions<'_>,
) -> Result<NativeImage, LoadError> {
    let maps: Vec<MapSpec> = object.maps().iter().map(MapSpec::from_loader).collect();
    let mut wanted: Vec<String> = match options.functions {
        Some(names) => names.iter().map(|n| n.to_string()).collect(),
        None => object
            .programs()
            .iter()
            .map(|p| p.function.clone())
            .collect(),
    };
    for name in &wanted {
        if !object.programs().iter().any(|p| &p.function == name) {
            let kind = LoadErrorKind::NoSuchFunction { name: name.clone() };
            return Err(LoadError::new("", kind));
        }
    }
    for spec in &maps {
        for (_, target) in &spec.initial_values {
            if let InitTarget::Program(name) = target {
                if !wanted.contains(name) {
                    wanted.push(name.clone());
                }
            }
        }
    }
    let programs = object
        .programs()
        .iter()
        .filter(|p| wanted.contains(&p.function))
        .map(|p| compile_program(object, p, options))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(NativeImage {
        platform: object.platform().name.to_string(),
        abi_version: ebpf_jit::abi::ABI_VERSION,
        maps,
        programs,
    })
}

fn compile_program(
    object: &ebpf_loader::Object,
    p: &ebpf_loader::Program,
    options: &CompileOptions<'_>,
) -> Result<NativeProgram, LoadError> {
    let at = alloc::format!("program {}/{}", p.section, p.function);
    let fail = |kind| LoadError::new(at.clone(), kind);
    let invalid = |message: String| fail(LoadErrorKind::Invalid { message });
    if let Some(e) = &p.decode_error {
        return Err(fail(LoadErrorKind::Decode {
            message: e.to_string(),
        }));
    }
    let platform = object.platform();
    let program_type = match options.program_type {
        Some(name) => platform.program_type(name).ok_or_else(|| {
            fail(LoadErrorKind::UnknownProgramType {
                name: name.to_string(),
            })
        })?,
        None => p
            .program_type
            .or_else(|| platform.default_program_type())
            .ok_or_else(|| fail(LoadErrorKind::NoProgramType))?,
    };
    let isa = ebpf_isa::Program::from_insns(p.insns.clone()).map_err(|e| invalid(e.to_string()))?;
    let options = ebpf_verifier::Options {
        // The section's attach type, where the context depends on it (as `load_program`).
        attach_type: p
            .attach_type
            .filter(|_| p.program_type.is_some_and(|t| t.name == program_type.name)),
        ..ebpf_verifier::Options::default()
    };
    let verified = ebpf_verifier::verify_with(
        &isa,
        platform,
        program_type.name,
        &object.map_infos(),
        &options,
    )
    .map_err(|errors| fail(LoadErrorKind::Rejected(errors)))?;
    let runnable = verified.runnable();
    // The `lddw`s of maps and map values, as placeholders; `refs[k]` is placeholder `k`'s.
    let mut refs: Vec<(RelocKind, u32, u32)> = Vec::new();
    let mut helpers: Vec<u32> = Vec::new();
    let mut insns = Vec::with_capacity(runnable.insns().len());
    for insn in runnable.insns() {
        let (dst, kind, map, addend) = match *insn {
            Insn::Lddw {
                dst,
                src: LddwSrc::MapFd,
                imm,
                ..
            } => (dst, RelocKind::MapHandle, imm, 0),
            Insn::Lddw {
                dst,
                src: LddwSrc::MapValue,
                imm,
                next_imm,
            } => (dst, RelocKind::MapValue, imm, next_imm as u32),
            Insn::Call(CallTarget::Helper(id)) => {
                helpers.push(id as u32);
                insns.push(*insn);
                continue;
            }
            other => {
                insns.push(other);
                continue;
            }
        };
        let map = u32::try_from(map)
            .ok()
            .filter(|&m| (m as usize) < object.maps().len())
            .ok_or_else(|| invalid(alloc::format!("lddw of map {map}, which does not exist")))?;
        let value = PLACEHOLDER | refs.len() as u64;
        refs.push((kind, map, addend));
        insns.push(Insn::Lddw {
            dst,
            src: LddwSrc::Imm,
            imm: value as u32 as i32,
            next_imm: (value >> 32) as u32 as i32,
        });
    }
    let code = ebpf_isa::Program::from_insns(insns).map_err(|e| invalid(e.to_string()))?;
    let compiled = ebpf_jit::compile(&code, &ebpf_jit::JitOptions::new()).map_err(|e| {
        fail(LoadErrorKind::Jit {
            message: e.to_string(),
        })
    })?;
    let mut machine = compiled.code().to_vec();
    let mut relocations = Vec::new();
    for (k, &(kind, map, addend)) in refs.iter().enumerate() {
        let pattern = (PLACEHOLDER | k as u64).to_le_bytes();
        let found: Vec<usize> = machine
            .windows(8)
            .enumerate()
            .filter(|(_, w)| *w == pattern)
            .map(|(i, _)| i)
            .collect();
        match found[..] {
            [] => {}
            [offset] => {
                machine[offset..offset + 8].fill(0);
                relocations.push(Relocation {
                    offset: offset as u32,
                    kind,
                    map,
                    addend,
                });
            }
            _ => {
                return Err(fail(LoadErrorKind::Jit {
                    message: alloc::format!(
                        "the placeholder of map reference {k} appears {} times in the code",
                        found.len()
                    ),
                }))
            }
        }
    }
    helpers.sort_unstable();
    helpers.dedup();
    let helpers = helpers
        .into_iter()
        .map(|id| {
            let proto = platform.helper(HelperId(id)).ok_or_else(|| {
                invalid(alloc::format!(
                    "helper {id} is not on the {}",
                    platform.name
                ))
            })?;
            Ok((id, helper_hash(proto)))
        })
        .collect::<Result<Vec<_>, LoadError>>()?;
    Ok(NativeProgram {
        section: p.section.clone(),
        function: p.function.clone(),
        program_type: program_type.name.to_string(),
        program_type_number: program_type.number,
        // The attach type it was verified for (the section's, for the section's own type).
        attach_type: options.attach_type.map(|a| (a.name.to_string(), a.number)),
        instructions: u32::try_from(isa.slot_count()).unwrap_or(u32::MAX),
        instruction_bound: verified.instruction_bound(),
        type_hash: program_type_hash(platform.name, program_type),
        helpers,
        maps_used: p.maps_used().into_iter().map(|m| m as u32).collect(),
        code: machine,
        entry: u32::try_from(compiled.entry_offset()).unwrap_or(u32::MAX),
        uses_stack: compiled.uses_stack(),
        relocations,
    })
}
