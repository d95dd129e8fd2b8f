//! [`Host`]: the execution context of one platform: its OS services, epoch, helper table,
//! objects (programs, maps, links by id, pins) and each CPU's invocation scratch.
//!
//! ```
//! use std::sync::Arc;
//! use ebpf_kernel_host::{os::StdOs, Host};
//!
//! let host = Host::new(Arc::new(StdOs::new()), &ebpf_platform::LINUX);
//! let def = ebpf_kernel_host::maps::MapDef::new(ebpf_kernel_host::maps::MapType::Hash, 4, 8, 16);
//! let map = host.create_map("counts", def).unwrap();
//! map.map().update(&1u32.to_ne_bytes(), &7u64.to_ne_bytes(), 0).unwrap();
//! assert_eq!(host.next_id(ebpf_kernel_host::ObjectKind::Map, 0), Some(map.id()));
//! ```

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;
use core::fmt;

use ebpf_platform::{AttachType, Platform};

use crate::epoch::Epoch;
use crate::helpers::HelperTable;
use crate::hooks::{Hook, HookState};
use crate::image::ImageLoadOptions;
use crate::invoke::{Batch, Scratch};
use crate::maps::{Map, MapDef, Semantics};
use crate::object::{
    Link, MapInfo, MapObject, Object, ObjectError, ObjectErrorKind, ObjectKind, Registry,
};
use crate::os::Os;
use crate::program::{LoadError, LoadOptions, Loaded, Program, ProgramInfo};
use crate::sys::lock::SpinLock;
use crate::sys::percpu::PerCpu;

/// What the host's objects share.
pub(crate) struct Shared {
    pub(crate) os: Arc<dyn Os>,
    pub(crate) epoch: Arc<Epoch>,
    pub(crate) platform: &'static Platform,
    pub(crate) semantics: Semantics,
    pub(crate) helpers: HelperTable,
    pub(crate) registry: Registry,
    pub(crate) scratch: PerCpu<Scratch>,
    /// The hooks made so far, by attach type name.
    pub(crate) hooks: SpinLock<BTreeMap<&'static str, Arc<HookState>>>,
}

impl Shared {
    pub(crate) fn epoch(&self) -> &Epoch {
        &self.epoch
    }
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("platform", &self.platform.name)
            .field("cpus", &self.epoch.cpu_count())
            .finish_non_exhaustive()
    }
}

/// An execution context for programs of one platform.
///
/// Dropping a handle (as dropping a [`Program`]) frees what the epoch holds that no running
/// invocation can still see: programs replaced in program arrays hold their host, so the
/// host's memory is given back once its last handles are dropped while nothing runs, without
/// a call to [`Host::synchronize`].
#[derive(Clone, Debug)]
pub struct Host {
    shared: Arc<Shared>,
}

impl Drop for Host {
    fn drop(&mut self) {
        self.shared.epoch.try_reclaim();
    }
}

impl Host {
    /// A host on `os` for programs of `platform` (eBPF for Windows' semantics for `windows`,
    /// Linux's otherwise), with one virtual CPU per CPU of `os`.
    pub fn new(os: Arc<dyn Os>, platform: &'static Platform) -> Host {
        let cpus = os.cpu_count().max(1);
        let semantics = if platform.name == "windows" {
            Semantics::Windows
        } else {
            Semantics::Linux
        };
        Host {
            shared: Arc::new(Shared {
                epoch: Arc::new(Epoch::new(cpus)),
                platform,
                semantics,
                helpers: HelperTable::new(platform),
                registry: Registry::new(),
                scratch: PerCpu::new(cpus, |_| Scratch::new()),
                hooks: SpinLock::new(BTreeMap::new()),
                os,
            }),
        }
    }

    /// The platform.
    pub fn platform(&self) -> &'static Platform {
        self.shared.platform
    }

    /// Whose map and helper semantics apply.
    pub fn semantics(&self) -> Semantics {
        self.shared.semantics
    }

    /// The OS services.
    pub fn os(&self) -> &Arc<dyn Os> {
        &self.shared.os
    }

    /// The epoch protecting the host's maps and programs.
    pub fn epoch(&self) -> &Arc<Epoch> {
        &self.shared.epoch
    }

    /// Creates the maps of `object` and loads its programs (see [`program`](crate::program)).
    pub fn load(
        &self,
        object: &ebpf_loader::Object,
        options: &LoadOptions<'_>,
    ) -> Result<Loaded, LoadError> {
        crate::program::load(&self.shared, object, options)
    }

    /// Loads a native image (an object compiled ahead of time, see [`crate::image`]) without
    /// the verifier or the JIT: checks its signature against `trusted_keys` (ed25519 public
    /// keys; an unsigned image only with [`ImageLoadOptions::allow_unsigned`]) and each
    /// program's platform hash against this host's platform, creates its maps, installs its
    /// code in executable memory from the [`Os`] and fills its program arrays. Refusals are
    /// [`LoadErrorKind::Image`](crate::LoadErrorKind::Image) errors naming the cause.
    pub fn load_image(
        &self,
        bytes: &[u8],
        trusted_keys: &[[u8; 32]],
        options: &ImageLoadOptions,
    ) -> Result<Loaded, LoadError> {
        crate::image::load::load_image(&self.shared, bytes, trusted_keys, options)
    }

    /// Creates a map.
    pub fn create_map(&self, name: &str, def: MapDef) -> Result<Arc<MapObject>, ObjectError> {
        let number = match self.shared.semantics {
            Semantics::Windows => def.map_type.windows_id(),
            Semantics::Linux => def.map_type.linux_id(),
        };
        let mut seed = [0u8; 8];
        self.shared.os.fill_random(&mut seed);
        let map = Map::new(
            def,
            self.shared.semantics,
            self.shared.epoch.clone(),
            u64::from_ne_bytes(seed),
        )?;
        let id = self.shared.registry.allocate_id();
        let map = Arc::new(MapObject::new(id, String::from(name), number, map, false)?);
        self.shared.registry.register(&Object::Map(map.clone()));
        Ok(map)
    }

    /// Attaches `program` to the hook of `attach_type` with `parameter` (an interface index,
    /// a compartment id; [`WILDCARD`](crate::hooks::WILDCARD) for every event): the link keeps
    /// it attached until detached or dropped (see [`hooks`](crate::hooks) for the rules).
    pub fn attach(
        &self,
        program: &Arc<Program>,
        attach_type: &'static AttachType,
        parameter: u64,
    ) -> Result<Arc<Link>, ObjectError> {
        if !core::ptr::eq(program.shared(), &*self.shared) {
            return Err(ObjectError::new(ObjectErrorKind::ForeignObject));
        }
        let hook = self.hook_state(attach_type.name)?;
        let id = self.shared.registry.allocate_id();
        let link = Arc::new(Link::attach(id, program, hook, parameter)?);
        self.shared.registry.register(&Object::Link(link.clone()));
        Ok(link)
    }

    /// The attach point of `attach_type` (an [`AttachType::name`]), made on first use.
    pub fn hook(&self, attach_type: &str) -> Result<Hook, ObjectError> {
        let state = self.hook_state(attach_type)?;
        Ok(Hook::new(self.shared.clone(), state))
    }

    fn hook_state(&self, attach_type: &str) -> Result<Arc<HookState>, ObjectError> {
        let mut hooks = self.shared.hooks.lock();
        if let Some(h) = hooks.get(attach_type) {
            return Ok(h.clone());
        }
        let state = Arc::new(HookState::new(&self.shared, attach_type)?);
        hooks.insert(state.attach_type().name, state.clone());
        Ok(state)
    }

    /// The live object with `id`.
    pub fn object(&self, id: u32) -> Result<Object, ObjectError> {
        self.shared
            .registry
            .get(id)
            .ok_or_else(|| ObjectError::new(ObjectErrorKind::NoSuchId { id }))
    }

    /// The smallest id above `after` of a live object of `kind` (`bpf_*_get_next_id`).
    pub fn next_id(&self, kind: ObjectKind, after: u32) -> Option<u32> {
        self.shared.registry.next_id(kind, after)
    }

    /// Pins `object` at `path`, keeping it alive until unpinned.
    pub fn pin(&self, path: &str, object: Object) -> Result<(), ObjectError> {
        self.shared.registry.pin(path, object)
    }

    /// The object pinned at `path`.
    pub fn pinned(&self, path: &str) -> Result<Object, ObjectError> {
        self.shared.registry.pinned(path).ok_or_else(|| {
            ObjectError::new(ObjectErrorKind::NotPinned {
                path: String::from(path),
            })
        })
    }

    /// Removes the pin at `path`; returns the object that was pinned.
    pub fn unpin(&self, path: &str) -> Result<Object, ObjectError> {
        self.shared.registry.unpin(path)
    }

    /// The first pin path after `after` (the first of all for `None`).
    pub fn next_pin(&self, after: Option<&str>) -> Option<String> {
        self.shared.registry.next_pin(after)
    }

    /// A map's description, with its pin count.
    pub fn map_info(&self, map: &MapObject) -> MapInfo {
        let mut info = map.info();
        info.pinned_path_count = self.shared.registry.pin_paths(map.id()).len() as u32;
        info
    }

    /// A program's description.
    pub fn program_info(&self, program: &Program) -> ProgramInfo {
        program.info()
    }

    /// Enters the epoch on a virtual CPU for a batch of invocations.
    pub fn batch(&self) -> Batch<'_> {
        Batch::new(&self.shared)
    }

    /// Waits until every invocation running now has ended and frees what they could still see.
    pub fn synchronize(&self) {
        self.shared.epoch.synchronize();
    }
}
