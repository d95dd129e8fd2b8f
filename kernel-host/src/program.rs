//! Loading an object into the host, and the loaded [`Program`].
//!
//! [`Host::load`](crate::Host::load) takes the loader's output and:
//! 1. creates the object's maps (BTF `.maps`, legacy `maps`, global data `.data`/`.rodata`/
//!    `.bss` with their initial contents) with the host's semantics, and fills maps of maps
//!    from their initial values;
//! 2. for each program asked for (and each program a program array's initial values name):
//!    checks that every helper it calls has an implementation (a missing one fails the load,
//!    naming it), verifies it with the object's maps, replaces its map references by the
//!    host's map handles (and, for the JIT, global data references by their addresses), and
//!    installs it on its [`Engine`]: the interpreter, or the JIT's image in executable memory
//!    from the [`Os`](crate::Os);
//! 3. fills program arrays from their initial values.

use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;
use core::ptr::NonNull;

use ebpf_isa::{CallTarget, Insn, LddwSrc};
use ebpf_loader::{MapInitTarget, MapOrigin};
use ebpf_platform::{HelperId, ProgramType};
use ebpf_verifier::VerifyError;

use crate::error::MapError;
use crate::helpers::MAP_HANDLE;
use crate::host::Shared;
use crate::maps::MapType;
use crate::mapspec::MapSpec;
use crate::object::{MapObject, Object, ObjectError};
use crate::os::OsError;

/// What runs a program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Engine {
    /// The checked interpreter (`ebpf-interp`).
    Interpreter,
    /// The x86-64 JIT (`ebpf-jit`, feature `std`), installed in executable memory.
    Jit,
}

impl Engine {
    /// `interp` or `jit`.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Interpreter => "interp",
            Engine::Jit => "jit",
        }
    }
}

/// How to load an object.
#[derive(Clone, Copy, Debug)]
pub struct LoadOptions<'a> {
    /// The engine of every program loaded.
    pub engine: Engine,
    /// The entry functions of the programs to load (`None`: all); the programs that program
    /// arrays' initial values name are loaded too.
    pub functions: Option<&'a [&'a str]>,
    /// The program type of every program, instead of the one its section implies.
    pub program_type: Option<&'a str>,
}

impl Default for LoadOptions<'_> {
    /// Every program, on the JIT where it is built, else the interpreter.
    fn default() -> Self {
        LoadOptions {
            engine: if cfg!(feature = "std") {
                Engine::Jit
            } else {
                Engine::Interpreter
            },
            functions: None,
            program_type: None,
        }
    }
}

/// Why a load failed: where (a map or a program) and what.
#[derive(Clone, Debug)]
pub struct LoadError {
    at: String,
    kind: LoadErrorKind,
}

/// What went wrong.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum LoadErrorKind {
    /// The object was loaded for another platform than the host's.
    PlatformMismatch {
        /// The object's platform.
        object: &'static str,
        /// The host's.
        host: &'static str,
    },
    /// A map type this host does not implement.
    UnsupportedMapType {
        /// The platform's number.
        number: u32,
        /// Its name.
        name: &'static str,
    },
    /// The map could not be created or filled.
    Map(MapError),
    /// An object operation failed (storing an initial value).
    Object(ObjectError),
    /// An initial value the host cannot store.
    InitialValue {
        /// Why.
        reason: String,
    },
    /// No entry function has this name.
    NoSuchFunction {
        /// The name.
        name: String,
    },
    /// The section implies no program type and none was given.
    NoProgramType,
    /// The platform has no program type of this name.
    UnknownProgramType {
        /// The name.
        name: String,
    },
    /// An instruction does not decode (the loader's message).
    Decode {
        /// What the loader said.
        message: String,
    },
    /// The program calls a helper this host does not implement.
    MissingHelper {
        /// The call's pc.
        pc: usize,
        /// The helper id.
        id: u32,
        /// Its name on the platform, if it has one.
        name: Option<&'static str>,
    },
    /// The instructions do not form a valid program.
    Invalid {
        /// Why.
        message: String,
    },
    /// The verifier rejected the program (the root cause first).
    Rejected(Vec<VerifyError>),
    /// The JIT could not compile it.
    Jit {
        /// Why.
        message: String,
    },
    /// The JIT is not in this build (feature `std`).
    NoJit,
    /// Executable memory could not be had.
    Os(OsError),
    /// A native image was refused ([`Host::load_image`](crate::Host::load_image)).
    Image(crate::image::ImageError),
}

impl LoadError {
    pub(crate) fn new(at: impl Into<String>, kind: LoadErrorKind) -> Self {
        LoadError {
            at: at.into(),
            kind,
        }
    }

    /// The map or program it concerns (`map counts`, `program xdp/xdp_pass`; empty for the
    /// object).
    pub fn at(&self) -> &str {
        &self.at
    }

    /// What went wrong.
    pub fn kind(&self) -> &LoadErrorKind {
        &self.kind
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.at.is_empty() {
            write!(f, "{}: ", self.at)?;
        }
        match &self.kind {
            LoadErrorKind::PlatformMismatch { object, host } => write!(
                f,
                "the object was read for the {object} platform, the host is {host}"
            ),
            LoadErrorKind::UnsupportedMapType { number, name } => {
                write!(
                    f,
                    "map type {name} ({number}) is not supported by this host"
                )
            }
            LoadErrorKind::Map(e) => write!(f, "{e}"),
            LoadErrorKind::Object(e) => write!(f, "{e}"),
            LoadErrorKind::InitialValue { reason } => write!(f, "initial value: {reason}"),
            LoadErrorKind::NoSuchFunction { name } => {
                write!(f, "the object has no program with entry function {name}")
            }
            LoadErrorKind::NoProgramType => {
                f.write_str("the section name implies no program type; name one")
            }
            LoadErrorKind::UnknownProgramType { name } => {
                write!(f, "the platform has no program type {name}")
            }
            LoadErrorKind::Decode { message } => write!(f, "{message}"),
            LoadErrorKind::MissingHelper { pc, id, name } => match name {
                Some(name) => write!(
                    f,
                    "pc {pc}: helper {name} ({id}) has no implementation in this host"
                ),
                None => write!(f, "pc {pc}: unknown helper {id}"),
            },
            LoadErrorKind::Invalid { message } => write!(f, "invalid program: {message}"),
            LoadErrorKind::Rejected(errors) => {
                write!(f, "rejected by the verifier")?;
                if let Some(e) = errors.first() {
                    write!(f, ": {e}")?;
                }
                if errors.len() > 1 {
                    write!(f, " (and {} more)", errors.len() - 1)?;
                }
                Ok(())
            }
            LoadErrorKind::Jit { message } => write!(f, "JIT compilation failed: {message}"),
            LoadErrorKind::NoJit => f.write_str("the JIT is not in this build"),
            LoadErrorKind::Os(e) => write!(f, "{e}"),
            LoadErrorKind::Image(e) => write!(f, "{e}"),
        }
    }
}

impl core::error::Error for LoadError {}

/// The code a program runs.
#[derive(Debug)]
pub(crate) enum Installed {
    Interp(ebpf_interp::Program),
    #[cfg(target_arch = "x86_64")]
    Jit(crate::sys::jit::Image),
}

/// A loaded, verified program.
pub struct Program {
    pub(crate) id: u32,
    pub(crate) function: String,
    pub(crate) section: String,
    pub(crate) program_type: &'static ProgramType,
    /// The attach type it was verified for ([`ebpf_verifier::Verified::attach_type`]).
    pub(crate) attach_type: Option<&'static str>,
    pub(crate) shared: Arc<Shared>,
    /// The object's maps, by the loader's index (what map handles number).
    pub(crate) maps: Vec<Arc<MapObject>>,
    /// The ids of the maps the program uses.
    pub(crate) used_maps: Vec<u32>,
    /// Global-data values by map index: (address, length) of arrays' single values.
    pub(crate) globals: Vec<Option<(usize, usize)>>,
    pub(crate) installed: Installed,
    pub(crate) engine: Engine,
    pub(crate) instructions: usize,
    pub(crate) instruction_bound: u64,
}

impl fmt::Debug for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Program")
            .field("id", &self.id)
            .field("section", &self.section)
            .field("function", &self.function)
            .field("program_type", &self.program_type.name)
            .field("engine", &self.engine)
            .finish_non_exhaustive()
    }
}

impl Drop for Program {
    fn drop(&mut self) {
        // A program replaced in a program array is retired through the epoch, and holds the
        // host that holds the epoch: unless something reclaims it after the last handles go,
        // they keep each other alive. Free what no reader can still see, without waiting.
        self.shared.epoch().try_reclaim();
    }
}

/// What [`Program::info`] reports (eBPF for Windows' `struct bpf_prog_info`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramInfo {
    /// Id.
    pub id: u32,
    /// The platform's program type number.
    pub type_number: u32,
    /// The program type's name.
    pub type_name: &'static str,
    /// The entry function's name.
    pub name: String,
    /// The ELF section.
    pub section: String,
    /// Ids of the maps it uses.
    pub map_ids: Vec<u32>,
    /// Its engine.
    pub engine: Engine,
    /// Instructions, in 8-byte slots.
    pub instructions: usize,
    /// Most instructions one run executes (the verifier's bound).
    pub instruction_bound: u64,
}

impl Program {
    /// The program's id.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The entry function's name.
    pub fn name(&self) -> &str {
        &self.function
    }

    /// The ELF section.
    pub fn section(&self) -> &str {
        &self.section
    }

    /// The program type it was verified as.
    pub fn program_type(&self) -> &'static ProgramType {
        self.program_type
    }

    /// The attach type it was verified for (its section's), if any: where its program type's
    /// context depends on the attach type, the program attaches only at hooks of this one.
    pub fn attach_type(&self) -> Option<&'static str> {
        self.attach_type
    }

    /// Its engine.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The maps it can reach by handle (the object's, by the loader's index).
    pub fn maps(&self) -> &[Arc<MapObject>] {
        &self.maps
    }

    /// Most instructions one run executes.
    pub fn instruction_bound(&self) -> u64 {
        self.instruction_bound
    }

    /// The program's description.
    pub fn info(&self) -> ProgramInfo {
        ProgramInfo {
            id: self.id,
            type_number: self.program_type.number,
            type_name: self.program_type.name,
            name: self.function.clone(),
            section: self.section.clone(),
            map_ids: self.used_maps.clone(),
            engine: self.engine,
            instructions: self.instructions,
            instruction_bound: self.instruction_bound,
        }
    }

    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }

    pub(crate) fn installed(&self) -> &Installed {
        &self.installed
    }

    /// The value of global-data map `index`: its address and length.
    pub(crate) fn global_data(&self, index: u32) -> Option<(NonNull<u8>, usize)> {
        let (addr, len) = (*self.globals.get(index as usize)?)?;
        Some((NonNull::new(addr as *mut u8)?, len))
    }
}

/// What [`Host::load`](crate::Host::load) made of an object.
#[derive(Debug)]
pub struct Loaded {
    pub(crate) maps: Vec<Arc<MapObject>>,
    pub(crate) programs: Vec<Arc<Program>>,
}

impl Loaded {
    /// The object's maps, by the loader's index.
    pub fn maps(&self) -> &[Arc<MapObject>] {
        &self.maps
    }

    /// The map called `name`.
    pub fn map(&self, name: &str) -> Option<&Arc<MapObject>> {
        self.maps.iter().find(|m| m.name() == name)
    }

    /// The programs loaded, in the object's order.
    pub fn programs(&self) -> &[Arc<Program>] {
        &self.programs
    }

    /// The program whose entry function is `function`.
    pub fn program(&self, function: &str) -> Option<&Arc<Program>> {
        self.programs.iter().find(|p| p.name() == function)
    }
}

/// Loads `object` into the host behind `shared`.
pub(crate) fn load(
    shared: &Arc<Shared>,
    object: &ebpf_loader::Object,
    options: &LoadOptions<'_>,
) -> Result<Loaded, LoadError> {
    if object.platform().name != shared.platform.name {
        return Err(LoadError::new(
            "",
            LoadErrorKind::PlatformMismatch {
                object: object.platform().name,
                host: shared.platform.name,
            },
        ));
    }
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
            return Err(LoadError::new(
                "",
                LoadErrorKind::NoSuchFunction { name: name.clone() },
            ));
        }
    }
    for def in object.maps() {
        for init in &def.initial_values {
            if let MapInitTarget::Program(name) = &init.target {
                if !wanted.contains(name) {
                    wanted.push(name.clone());
                }
            }
        }
    }
    let specs: Vec<MapSpec> = object.maps().iter().map(MapSpec::from_loader).collect();
    let maps = crate::mapspec::create_maps(shared, &specs)?;
    let mut programs = Vec::new();
    for p in object.programs() {
        if wanted.contains(&p.function) {
            let program = Arc::new(load_program(shared, object, &maps, p, options)?);
            shared.registry.register(&Object::Program(program.clone()));
            programs.push(program);
        }
    }
    crate::mapspec::fill_program_arrays(&specs, &maps, &programs)?;
    Ok(Loaded { maps, programs })
}

/// The helper ids a program calls, with their pcs.
fn helper_calls(p: &ebpf_loader::Program) -> impl Iterator<Item = (usize, u32)> + '_ {
    p.iter().filter_map(|(pc, insn)| match insn {
        Insn::Call(CallTarget::Helper(imm)) => Some((pc, *imm as u32)),
        _ => None,
    })
}

/// `lddw`s of maps become `lddw`s of the host's handles; with `globals`, `lddw`s of map
/// values become `lddw`s of their addresses.
fn resolve_maps(
    insns: &[Insn],
    maps: usize,
    globals: Option<&[Option<(usize, usize)>]>,
) -> Result<Vec<Insn>, String> {
    let imm = |v: u64| (v as u32 as i32, (v >> 32) as u32 as i32);
    insns
        .iter()
        .map(|insn| match *insn {
            Insn::Lddw {
                dst,
                src: LddwSrc::MapFd,
                imm: index,
                ..
            } => {
                if index < 0 || index as usize >= maps {
                    return Err(alloc::format!("lddw of map {index}, which does not exist"));
                }
                let (imm, next_imm) = imm(MAP_HANDLE | index as u64);
                Ok(Insn::Lddw {
                    dst,
                    src: LddwSrc::Imm,
                    imm,
                    next_imm,
                })
            }
            Insn::Lddw {
                dst,
                src: LddwSrc::MapValue,
                imm: index,
                next_imm: offset,
            } if globals.is_some() => {
                let value = globals
                    .and_then(|g| g.get(index as usize).copied().flatten())
                    .ok_or_else(|| alloc::format!("lddw of the value of map {index}, no array"))?;
                let (imm, next_imm) = imm(value.0 as u64 + u64::from(offset as u32));
                Ok(Insn::Lddw {
                    dst,
                    src: LddwSrc::Imm,
                    imm,
                    next_imm,
                })
            }
            other => Ok(other),
        })
        .collect()
}

/// The single value of each array map (what `lddw`s of map values address).
pub(crate) fn global_values(
    shared: &Shared,
    maps: &[Arc<MapObject>],
) -> Vec<Option<(usize, usize)>> {
    let guard = shared.epoch.pin();
    maps.iter()
        .map(|m| {
            let def = m.map().def();
            if def.map_type != MapType::Array {
                return None;
            }
            let ptr = m.map().prog_lookup(&guard, &0u32.to_ne_bytes()).ok()?;
            Some((ptr.as_ptr() as usize, def.value_size as usize))
        })
        .collect()
}

fn load_program(
    shared: &Arc<Shared>,
    object: &ebpf_loader::Object,
    maps: &[Arc<MapObject>],
    p: &ebpf_loader::Program,
    options: &LoadOptions<'_>,
) -> Result<Program, LoadError> {
    let at = alloc::format!("program {}/{}", p.section, p.function);
    let fail = |kind| LoadError::new(at.clone(), kind);
    if let Some(e) = &p.decode_error {
        return Err(fail(LoadErrorKind::Decode {
            message: e.to_string(),
        }));
    }
    let platform = shared.platform;
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
    for (pc, id) in helper_calls(p) {
        if shared.helpers.get_for(id, program_type).is_none() {
            let name = platform.helper(HelperId(id)).map(|h| h.name);
            return Err(fail(LoadErrorKind::MissingHelper { pc, id, name }));
        }
    }
    let isa = ebpf_isa::Program::from_insns(p.insns.clone()).map_err(|e| {
        fail(LoadErrorKind::Invalid {
            message: e.to_string(),
        })
    })?;
    // Frozen `.rodata` holds what the object's section held (the map was created and frozen
    // by this load, nothing wrote it in between).
    let frozen: Vec<ebpf_verifier::FrozenValue<'_>> = object
        .maps()
        .iter()
        .enumerate()
        .filter(|(_, def)| {
            crate::mapspec::frozen_global(
                shared,
                matches!(def.origin, MapOrigin::GlobalData { .. }),
                def.flags,
            )
        })
        .map(|(map, def)| ebpf_verifier::FrozenValue {
            map,
            bytes: &def.data,
        })
        .collect();
    let verified = ebpf_verifier::verify_with_contents(
        &isa,
        platform,
        program_type.name,
        &object.map_infos(),
        &frozen,
        &ebpf_verifier::Options {
            // The section's attach type, where its context depends on it (the section's own
            // program type only: another type given by the caller has no attach type).
            attach_type: p
                .attach_type
                .filter(|_| p.program_type.is_some_and(|t| t.name == program_type.name)),
            ..ebpf_verifier::Options::default()
        },
    )
    .map_err(|errors| fail(LoadErrorKind::Rejected(errors)))?;
    // The program as it runs: Linux's 32-bit context pointer loads read the host's slots.
    let runnable = verified.runnable();
    let (_, context_size) = program_type
        .context
        .as_ref()
        .map_or((None, 0), crate::context::pointer_slots);
    if context_size != verified.context_size() as usize {
        return Err(fail(LoadErrorKind::Invalid {
            message: alloc::format!(
                "the verifier assumed a {}-byte context, the host builds {context_size}",
                verified.context_size()
            ),
        }));
    }
    let globals = global_values(shared, maps);
    let invalid = |message| fail(LoadErrorKind::Invalid { message });
    let installed = match options.engine {
        Engine::Interpreter => {
            let insns = resolve_maps(runnable.insns(), maps.len(), None).map_err(invalid)?;
            let code = ebpf_isa::Program::from_insns(insns).map_err(|e| invalid(e.to_string()))?;
            Installed::Interp(ebpf_interp::Program::new(code))
        }
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        Engine::Jit => {
            let insns =
                resolve_maps(runnable.insns(), maps.len(), Some(&globals)).map_err(invalid)?;
            let code = ebpf_isa::Program::from_insns(insns).map_err(|e| invalid(e.to_string()))?;
            let compiled = ebpf_jit::compile(&code, &ebpf_jit::JitOptions::new()).map_err(|e| {
                fail(LoadErrorKind::Jit {
                    message: e.to_string(),
                })
            })?;
            let image = crate::sys::jit::Image::install(&*shared.os, &compiled)
                .map_err(|e| fail(LoadErrorKind::Os(e)))?;
            Installed::Jit(image)
        }
        #[cfg(not(all(feature = "std", target_arch = "x86_64")))]
        Engine::Jit => return Err(fail(LoadErrorKind::NoJit)),
    };
    let used_maps = p
        .maps_used()
        .into_iter()
        .filter_map(|i| maps.get(i).map(|m| m.id()))
        .collect();
    let id = shared.registry.allocate_id();
    Ok(Program {
        id,
        function: p.function.clone(),
        section: p.section.clone(),
        program_type,
        attach_type: verified.attach_type(),
        shared: shared.clone(),
        maps: maps.to_vec(),
        used_maps,
        globals,
        installed,
        engine: options.engine,
        instructions: isa.slot_count(),
        instruction_bound: verified.instruction_bound(),
    })
}
