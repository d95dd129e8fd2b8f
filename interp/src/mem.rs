//! Checked memory: the regions a program may touch ([`Memory`]), the frame stacks owned by the
//! VM ([`Stack`]), and the address translation every load, store and atomic goes through
//! ([`Space`]).
//!
//! This is the crate's only module with `unsafe`. Programs compute real host addresses; an access
//! is carried out only after [`Space::translate`] has found a region that contains all of its
//! bytes, and the pointer used is derived from that region's own pointer (never from the
//! program's integer), so every access stays inside memory the caller lent for the run.

use alloc::boxed::Box;
use alloc::vec;
use core::marker::PhantomData;
use core::ptr;

use crate::fault::FaultKind;
use crate::helpers::{HelperError, HelperErrorKind};
use crate::{MAX_FRAMES, STACK_SIZE};

/// How many regions helpers (or the host, before a run) may grant in one [`Memory`].
pub const MAX_REGIONS: usize = 16;

/// One accessible range of host memory.
#[derive(Clone, Copy, Debug)]
struct Region {
    /// Address of the first byte (`ptr as u64`).
    start: u64,
    len: u64,
    ptr: *mut u8,
    writable: bool,
}

impl Region {
    const EMPTY: Region = Region {
        start: 0,
        len: 0,
        ptr: ptr::NonNull::<u8>::dangling().as_ptr(),
        writable: false,
    };

    fn new(ptr: *mut u8, len: usize, writable: bool) -> Region {
        Region {
            start: ptr as usize as u64,
            len: len as u64,
            ptr,
            writable,
        }
    }

    /// Offset of `addr` in the region if all `size` bytes from it are inside.
    #[inline(always)]
    fn offset(&self, addr: u64, size: usize) -> Option<u64> {
        let off = addr.wrapping_sub(self.start);
        let size = size as u64;
        if self.len >= size && off <= self.len - size {
            Some(off)
        } else {
            None
        }
    }
}

/// The memory a run may access besides its stack: the input memory (packet or context) and up to
/// [`MAX_REGIONS`] regions granted by the host or by helpers during the run.
#[derive(Debug)]
pub struct Memory<'a> {
    input: Region,
    granted: [Region; MAX_REGIONS],
    count: usize,
    _borrow: PhantomData<&'a mut [u8]>,
}

impl<'a> Memory<'a> {
    /// Memory whose input region is `input` (readable and writable; may be empty).
    pub fn new(input: &'a mut [u8]) -> Memory<'a> {
        Self::with_input(Region::new(input.as_mut_ptr(), input.len(), true))
    }

    /// Memory whose input region is `input`, read-only (stores to it fault).
    pub fn new_readonly(input: &'a [u8]) -> Memory<'a> {
        Self::with_input(Region::new(input.as_ptr().cast_mut(), input.len(), false))
    }

    fn with_input(input: Region) -> Memory<'a> {
        Memory {
            input,
            granted: [Region::EMPTY; MAX_REGIONS],
            count: 0,
            _borrow: PhantomData,
        }
    }

    /// Address of the input region (what `r1` holds in [`Vm::run`](crate::Vm::run)).
    pub fn input_addr(&self) -> u64 {
        self.input.start
    }

    /// Length of the input region in bytes.
    pub fn input_len(&self) -> usize {
        self.input.len as usize
    }

    /// Number of granted regions.
    pub fn granted_count(&self) -> usize {
        self.count
    }

    /// Lets the program read and write `region` for the rest of the run.
    pub fn grant(&mut self, region: &'a mut [u8]) -> Result<(), HelperError> {
        self.push(Region::new(region.as_mut_ptr(), region.len(), true))
    }

    /// Lets the program read `region` for the rest of the run; stores to it fault.
    pub fn grant_readonly(&mut self, region: &'a [u8]) -> Result<(), HelperError> {
        self.push(Region::new(region.as_ptr().cast_mut(), region.len(), false))
    }

    /// Grants `len` bytes at `ptr` (read-only unless `writable`) for hosts whose memory is not
    /// borrowed for `'a` (map storage, for instance).
    ///
    /// # Safety
    ///
    /// For as long as this `Memory` is used by a run, `ptr..ptr + len` must be valid for reads
    /// (and for writes if `writable`), must not be accessed through any other reference or
    /// pointer, except by the interpreter through this grant, and must not be deallocated.
    pub unsafe fn grant_raw(
        &mut self,
        ptr: *mut u8,
        len: usize,
        writable: bool,
    ) -> Result<(), HelperError> {
        self.push(Region::new(ptr, len, writable))
    }

    fn push(&mut self, region: Region) -> Result<(), HelperError> {
        let slot = self.granted.get_mut(self.count).ok_or(HelperError::new(
            HelperErrorKind::RegionsFull {
                capacity: MAX_REGIONS,
            },
        ))?;
        *slot = region;
        self.count += 1;
        Ok(())
    }
}

/// The frame stacks of a VM: `MAX_FRAMES` frames of `STACK_SIZE` bytes, allocated once.
///
/// Frame 0 sits at the top (highest addresses), frame `i` right below frame `i - 1`, so the live
/// frames of a run always form one contiguous range ending at the top.
#[derive(Debug)]
pub(crate) struct Stack {
    /// `u64`s so that frame tops (the `r10` values) are 8-byte aligned.
    words: Box<[u64]>,
}

const WORDS_PER_FRAME: usize = STACK_SIZE / 8;

impl Stack {
    pub(crate) fn new() -> Stack {
        Stack {
            words: vec![0u64; WORDS_PER_FRAME * MAX_FRAMES].into_boxed_slice(),
        }
    }

    /// The bytes of frame 0.
    pub(crate) fn frame0(&self) -> &[u8] {
        let words = &self.words[WORDS_PER_FRAME * (MAX_FRAMES - 1)..];
        // SAFETY: `words` is a live, initialised `[u64]` of `STACK_SIZE / 8` elements borrowed
        // for the lifetime of the returned slice; every byte pattern is a valid `u8` and `u8`
        // has alignment 1, so viewing it as `STACK_SIZE` bytes is sound.
        unsafe { core::slice::from_raw_parts(words.as_ptr().cast::<u8>(), STACK_SIZE) }
    }
}

/// The address space of one run: the live stack frames, then the input, then granted regions.
#[derive(Debug)]
pub(crate) struct Space<'r, 'a> {
    /// Base of the whole stack buffer; every stack pointer is derived from it.
    stack_base: *mut u8,
    /// The live frames: `[live.start, top)`.
    live: Region,
    mem: &'r mut Memory<'a>,
    /// The stack buffer is mutably borrowed for the run.
    _stack: PhantomData<&'r mut [u64]>,
}

impl<'r, 'a> Space<'r, 'a> {
    /// Starts a run with frame 0 live and zeroed.
    pub(crate) fn new(stack: &'r mut Stack, mem: &'r mut Memory<'a>) -> Space<'r, 'a> {
        let stack_base = stack.words.as_mut_ptr().cast::<u8>();
        let mut space = Space {
            stack_base,
            live: Region::EMPTY,
            mem,
            _stack: PhantomData,
        };
        space.enter_frame(0);
        space
    }

    /// The `r10` value of frame `depth` (its top).
    pub(crate) fn frame_top(&self, depth: usize) -> u64 {
        self.live.start + self.live.len - (depth as u64) * STACK_SIZE as u64
    }

    /// Makes frames `0..=depth` live and zeroes frame `depth`. `depth < MAX_FRAMES`.
    pub(crate) fn enter_frame(&mut self, depth: usize) {
        let depth = depth.min(MAX_FRAMES - 1);
        let lo = (MAX_FRAMES - 1 - depth) * STACK_SIZE;
        let live_ptr = self.stack_base.wrapping_add(lo);
        self.live = Region::new(live_ptr, (depth + 1) * STACK_SIZE, true);
        // SAFETY: `lo + STACK_SIZE <= MAX_FRAMES * STACK_SIZE`, the size of the buffer behind
        // `stack_base`, which this `Space` borrows mutably for the run; no reference to it is
        // live while the run executes.
        unsafe { ptr::write_bytes(live_ptr, 0, STACK_SIZE) };
    }

    /// Makes frames `0..=depth` live (after a return). `depth < MAX_FRAMES`.
    pub(crate) fn leave_frame(&mut self, depth: usize) {
        let depth = depth.min(MAX_FRAMES - 1);
        let lo = (MAX_FRAMES - 1 - depth) * STACK_SIZE;
        self.live = Region::new(
            self.stack_base.wrapping_add(lo),
            (depth + 1) * STACK_SIZE,
            true,
        );
    }

    /// The regions helpers may add to.
    pub(crate) fn memory(&mut self) -> &mut Memory<'a> {
        self.mem
    }

    /// A pointer to `size` accessible bytes at `addr`, or why there is none.
    #[inline(always)]
    fn translate(&self, addr: u64, size: usize, write: bool) -> Result<*mut u8, FaultKind> {
        if let Some(off) = self.live.offset(addr, size) {
            return Ok(self.live.ptr.wrapping_add(off as usize));
        }
        let input = &self.mem.input;
        if let Some(off) = input.offset(addr, size) {
            if input.writable || !write {
                return Ok(input.ptr.wrapping_add(off as usize));
            }
        }
        self.translate_granted(addr, size, write)
    }

    #[cold]
    #[inline(never)]
    fn translate_granted(&self, addr: u64, size: usize, write: bool) -> Result<*mut u8, FaultKind> {
        let mut read_only = self.mem.input.offset(addr, size).is_some();
        for region in &self.mem.granted[..self.mem.count] {
            if let Some(off) = region.offset(addr, size) {
                if region.writable || !write {
                    return Ok(region.ptr.wrapping_add(off as usize));
                }
                read_only = true;
            }
        }
        Err(if read_only {
            FaultKind::ReadOnly { addr, size }
        } else {
            FaultKind::OutOfBounds { addr, size, write }
        })
    }

    /// Reads `N` bytes at `addr`.
    #[inline(always)]
    pub(crate) fn load<const N: usize>(&self, addr: u64) -> Result<[u8; N], FaultKind> {
        let p = self.translate(addr, N, false)?;
        // SAFETY: `translate` returned a pointer derived from a region's pointer with all `N`
        // bytes inside that region, which is valid for reads for the run (the stack buffer is
        // borrowed by this `Space`, the input and safe grants are borrowed for `'a`, raw grants
        // are guaranteed by the host). `read_unaligned` has no alignment requirement.
        Ok(unsafe { ptr::read_unaligned(p.cast::<[u8; N]>()) })
    }

    /// Writes `N` bytes at `addr`.
    #[inline(always)]
    pub(crate) fn store<const N: usize>(
        &mut self,
        addr: u64,
        bytes: [u8; N],
    ) -> Result<(), FaultKind> {
        let p = self.translate(addr, N, true)?;
        // SAFETY: as in `load`, and `translate` with `write = true` only returns pointers into
        // writable regions (a mutably borrowed slice, the VM's stack, or a writable raw grant).
        unsafe { ptr::write_unaligned(p.cast::<[u8; N]>(), bytes) };
        Ok(())
    }

    /// Read-modify-write of `N` bytes at `addr`: stores `f(old)` and returns `old`.
    #[inline]
    pub(crate) fn update<const N: usize>(
        &mut self,
        addr: u64,
        f: impl FnOnce([u8; N]) -> [u8; N],
    ) -> Result<[u8; N], FaultKind> {
        let p = self.translate(addr, N, true)?.cast::<[u8; N]>();
        // SAFETY: as in `store`: `p` points to `N` readable and writable bytes of one region.
        // The run is single-threaded; the host promises no concurrent access (see `grant_raw`).
        unsafe {
            let old = ptr::read_unaligned(p);
            ptr::write_unaligned(p, f(old));
            Ok(old)
        }
    }

    /// Reads `N` bytes at offset `off` of the input region (legacy packet loads).
    #[inline]
    pub(crate) fn load_input<const N: usize>(&self, off: u64) -> Option<[u8; N]> {
        let input = &self.mem.input;
        let addr = input.start.wrapping_add(off);
        if off > input.len {
            return None;
        }
        let off = input.offset(addr, N)?;
        let p = input.ptr.wrapping_add(off as usize);
        // SAFETY: `offset` checked that all `N` bytes from `p` are inside the input region,
        // which is valid for reads for the run.
        Some(unsafe { ptr::read_unaligned(p.cast::<[u8; N]>()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_contiguous_and_end_at_the_top() {
        let mut stack = Stack::new();
        let mut input = [1u8, 2, 3, 4];
        let mut mem = Memory::new(&mut input);
        let mut space = Space::new(&mut stack, &mut mem);
        let top0 = space.frame_top(0);
        assert_eq!(top0 % 8, 0);
        space.store::<8>(top0 - 8, 7u64.to_ne_bytes()).unwrap();
        assert!(space.load::<1>(top0).is_err(), "the top itself is outside");
        assert!(
            space.load::<1>(top0 - 513).is_err(),
            "frame 1 is not live yet"
        );
        space.enter_frame(1);
        let top1 = space.frame_top(1);
        assert_eq!(top1, top0 - STACK_SIZE as u64);
        assert_eq!(space.load::<8>(top0 - 8).unwrap(), 7u64.to_ne_bytes());
        space.store::<4>(top1 - 4, [9; 4]).unwrap();
        space.leave_frame(0);
        assert_eq!(
            space.load::<4>(top1 - 4),
            Err(FaultKind::OutOfBounds {
                addr: top1 - 4,
                size: 4,
                write: false
            })
        );
        let a = space.memory().input_addr();
        assert_eq!(space.load::<2>(a + 2).unwrap(), [3, 4]);
        assert!(space.load::<2>(a + 3).is_err(), "straddles the end");
        assert_eq!(space.load_input::<4>(0), Some([1, 2, 3, 4]));
        assert_eq!(space.load_input::<4>(1), None);
        assert_eq!(space.load_input::<1>(u64::MAX), None);
        let _ = space;
        assert_eq!(&stack.frame0()[STACK_SIZE - 8..], &7u64.to_ne_bytes());
    }

    #[test]
    fn read_only_regions_reject_writes() {
        static TABLE: [u8; 4] = [5, 6, 7, 8];
        let mut stack = Stack::new();
        let mut mem = Memory::new(&mut []);
        mem.grant_readonly(&TABLE).unwrap();
        let mut space = Space::new(&mut stack, &mut mem);
        let a = TABLE.as_ptr() as u64;
        assert_eq!(space.load::<1>(a + 3).unwrap(), [8]);
        assert_eq!(
            space.store::<1>(a, [0]),
            Err(FaultKind::ReadOnly { addr: a, size: 1 })
        );
        assert_eq!(
            space.update::<1>(a, |b| b),
            Err(FaultKind::ReadOnly { addr: a, size: 1 })
        );
    }

    #[test]
    fn region_capacity_is_enforced() {
        static B: [u8; 1] = [0];
        let mut mem = Memory::new(&mut []);
        for _ in 0..MAX_REGIONS {
            mem.grant_readonly(&B).unwrap();
        }
        let e = mem.grant_readonly(&B).unwrap_err();
        assert_eq!(
            e.kind(),
            HelperErrorKind::RegionsFull {
                capacity: MAX_REGIONS
            }
        );
        assert_eq!(mem.granted_count(), MAX_REGIONS);
    }

    #[test]
    fn region_offset_handles_wrapping_and_tiny_regions() {
        let r = Region {
            start: u64::MAX - 3,
            len: 4,
            ptr: ptr::null_mut(),
            writable: true,
        };
        assert_eq!(r.offset(u64::MAX - 3, 4), Some(0));
        assert_eq!(r.offset(u64::MAX, 1), Some(3));
        assert_eq!(r.offset(u64::MAX, 2), None);
        assert_eq!(r.offset(0, 1), None);
        let tiny = Region {
            start: 100,
            len: 2,
            ptr: ptr::null_mut(),
            writable: true,
        };
        assert_eq!(tiny.offset(100, 4), None);
        assert_eq!(tiny.offset(101, 1), Some(1));
    }
}
