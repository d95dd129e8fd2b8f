//! The interpreter's side of helper calls: [`InterpMem`], the [`Mem`] of virtual addresses
//! (checked by [`ebpf_interp::Memory`]), and [`InterpHelpers`], the interpreter's
//! [`Helpers`] serving the host's [`Dispatch`].

use core::ptr::NonNull;

use ebpf_interp::{HelperError, Helpers, Memory};
use ebpf_isa::LddwSrc;

use crate::helpers::{Dispatch, Mem};

/// Program memory of an interpreter run.
pub(crate) struct InterpMem<'r, 'a> {
    mem: &'r mut Memory<'a>,
}

impl Mem for InterpMem<'_, '_> {
    fn read(&self, addr: u64, len: usize) -> Result<&[u8], HelperError> {
        Ok(self.mem.slice(addr, len)?)
    }

    fn write(&mut self, addr: u64, len: usize) -> Result<&mut [u8], HelperError> {
        Ok(self.mem.slice_mut(addr, len)?)
    }

    fn expose(
        &mut self,
        ptr: NonNull<u8>,
        len: usize,
        writable: bool,
        name: &'static str,
    ) -> Result<u64, HelperError> {
        // SAFETY: the host exposes only memory that stays allocated until the invocation ends:
        // map values (valid until the invocation's epoch guard drops, which is after this
        // `Memory`, created and dropped inside the invocation, is gone) and ring-buffer records
        // (ring storage lives as long as the map, which the running program holds). The
        // program's accesses go through this `Memory` alone; other CPUs may touch the same
        // map value at the same time, which eBPF programs accept (values are words the user
        // side reads atomically).
        let addr = unsafe { self.mem.grant_raw(ptr.as_ptr(), len, writable)? };
        self.mem.set_name(addr, name);
        Ok(addr)
    }

    fn host_ptr(&mut self, addr: u64) -> Result<NonNull<u8>, HelperError> {
        let bytes = self.mem.slice_mut(addr, 1)?;
        Ok(NonNull::from(&mut bytes[0]))
    }
}

/// The interpreter's helpers: the host's dispatcher with virtual addresses.
pub(crate) struct InterpHelpers<'d> {
    pub(crate) dispatch: &'d mut dyn Dispatch,
}

impl Helpers for InterpHelpers<'_> {
    fn call(&mut self, id: u32, args: [u64; 5], mem: &mut Memory<'_>) -> Result<u64, HelperError> {
        self.dispatch.call(id, args, &mut InterpMem { mem })
    }

    fn lddw(
        &mut self,
        src: LddwSrc,
        imm: i32,
        next_imm: i32,
        mem: &mut Memory<'_>,
    ) -> Result<u64, HelperError> {
        if src != LddwSrc::MapValue {
            return Err(HelperError::unsupported("lddw of this kind"));
        }
        let Some((ptr, len)) = u32::try_from(imm)
            .ok()
            .and_then(|m| self.dispatch.global_data(m))
        else {
            return Err(HelperError::failed(0, "no global data map with this index"));
        };
        let base = InterpMem { mem }.expose(ptr, len, true, "global data")?;
        Ok(base.wrapping_add(next_imm as u32 as u64))
    }
}
