//! Region-isolated memory: the regions a program may touch ([`Memory`]), the frame stacks owned
//! by the VM ([`Stack`]), and the run's view of both ([`Space`]).
//!
//! Programs never see host addresses: every region lives in its own window of
//! [`REGION_WINDOW`] virtual addresses (the layout is in [`Memory`]'s docs). An access is
//! translated by the window number (the address's high 32 bits, one table index) and must fit
//! inside that window's region: a pointer reaches only its own region, whatever offset it
//! carries, so results and faults do not depend on where the host allocated.
//!
//! This is the crate's only module with `unsafe`. The pointer an access uses is derived from the
//! region's own pointer (never from the program's integer) after the bounds check, so every
//! access stays inside memory the caller lent for the run.

use alloc::boxed::Box;
use alloc::vec;
use core::fmt;
use core::marker::PhantomData;
use core::ptr;
#[cfg(target_has_atomic = "32")]
use core::sync::atomic::Ordering::SeqCst;

use crate::fault::{AccessError, AccessErrorKind, Area, Place};
use crate::helpers::{HelperError, HelperErrorKind};
use crate::{MAX_FRAMES, STACK_SIZE};

/// How many regions the host and helpers may grant in one [`Memory`] of its own; a host that
/// needs more lends it a [`RegionTable`] ([`Memory::with_table`]).
pub const MAX_REGIONS: usize = 16;

/// Most regions a [`RegionTable`] adds (region numbers stay below `u16::MAX`).
pub const MAX_TABLE_REGIONS: usize = u16::MAX as usize - MAX_REGIONS;

/// Bytes of virtual address space per region (4 GiB): the most a region can hold, and the
/// distance between two regions' base addresses.
pub const REGION_WINDOW: u64 = 1 << WINDOW_BITS;

const WINDOW_BITS: u32 = 32;
const INPUT_SLOT: usize = 1;
const FRAME_SLOT: usize = 2;
const REGION_SLOT: usize = FRAME_SLOT + MAX_FRAMES;
const SLOTS: usize = REGION_SLOT + MAX_REGIONS;

/// `bytes` as an array of `M` bytes, cut or zero-filled (callers convert between equal sizes).
fn resize<const N: usize, const M: usize>(bytes: [u8; N]) -> [u8; M] {
    let mut out = [0u8; M];
    let n = N.min(M);
    out[..n].copy_from_slice(&bytes[..n]);
    out
}

/// Base address of window `slot`.
const fn base(slot: usize) -> u64 {
    (slot as u64) << WINDOW_BITS
}

/// One accessible range of host memory, in its window.
#[derive(Clone, Copy)]
struct Region {
    ptr: *mut u8,
    /// Bytes accessible from `ptr`; 0 for an empty window (no region, a frame not live).
    len: u64,
    writable: bool,
}

impl Region {
    const EMPTY: Region = Region {
        ptr: ptr::NonNull::<u8>::dangling().as_ptr(),
        len: 0,
        writable: false,
    };

    /// Offset of `addr` in the region if the window is this region's and all `size` bytes from
    /// `addr` are inside.
    #[inline(always)]
    fn offset(&self, addr: u64, size: u64) -> Option<u64> {
        let off = addr & (REGION_WINDOW - 1);
        (size <= self.len && off <= self.len - size).then_some(off)
    }
}

/// The memory a run may access besides its stack: the input memory (packet or context) and up
/// to [`MAX_REGIONS`] regions granted by the host before the run or by helpers during it (more
/// with a [`RegionTable`]).
///
/// Every region, and every stack frame, lives in its own window of [`REGION_WINDOW`] (4 GiB)
/// virtual addresses, and registers hold `window base + offset`:
///
/// | window | base address     | region                                          |
/// |--------|------------------|-------------------------------------------------|
/// | 0      | `0`              | none (null and small numbers)                   |
/// | 1      | `0x1_0000_0000`  | the input (`r1` at entry when it is not empty)  |
/// | 2 to 9 | `0x2_0000_0000`  | stack frames 0 to 7, `r10` = base + 512         |
/// | 10 ..  | `0xa_0000_0000`  | granted regions 0 to [`capacity`](Self::capacity) - 1 |
///
/// An access must lie wholly inside the region of the window its address is in, so a pointer
/// reaches only its own region whatever offset it carries, and results and faults are the same
/// wherever the host allocated. Faults name the region and offset ([`Place`]).
///
/// The host grants a region and gets its virtual address back, which is what it hands the
/// program (in a context field, in `r0` of a helper). Helpers receive virtual addresses in their
/// arguments and turn them into host slices with [`slice`](Self::slice) and
/// [`slice_mut`](Self::slice_mut), which check bounds like a load or store does; while a run is
/// in progress these reach the run's live stack frames too.
///
/// Fixed capacity: granting allocates nothing ([`MAX_REGIONS`], plus a lent [`RegionTable`]'s).
pub struct Memory<'a> {
    /// Window `i`'s region: 0 empty, 1 the input, then the frames (attached by a run), then the
    /// first [`MAX_REGIONS`] granted regions.
    slots: [Region; SLOTS],
    /// The host's names for the input and the granted regions.
    names: [Option<&'static str>; SLOTS],
    /// Granted regions, in and beyond `slots`.
    granted: usize,
    /// Windows from `SLOTS` on: the granted regions past [`MAX_REGIONS`].
    table: Option<&'a mut RegionTable>,
    /// Where legacy packet loads read, as a program address and a length (`None`: the input).
    legacy: Option<(u64, u64)>,
    _borrow: PhantomData<&'a mut [u8]>,
}

/// Room for more granted regions than a [`Memory`] holds itself: a host that grants many (a
/// program that looks up many map values) allocates a table once and lends it to each run's
/// memory ([`Memory::with_table`]), so runs still allocate nothing.
///
/// What a previous `Memory` left in the table is never reachable from the next: only the
/// regions granted through the current `Memory` are.
pub struct RegionTable {
    regions: Box<[Region]>,
    names: Box<[Option<&'static str>]>,
}

impl RegionTable {
    /// A table of `capacity` regions (at most [`MAX_TABLE_REGIONS`]).
    pub fn new(capacity: usize) -> RegionTable {
        let capacity = capacity.min(MAX_TABLE_REGIONS);
        RegionTable {
            regions: vec![Region::EMPTY; capacity].into_boxed_slice(),
            names: vec![None; capacity].into_boxed_slice(),
        }
    }

    /// The number of regions it adds.
    pub fn capacity(&self) -> usize {
        self.regions.len()
    }
}

// SAFETY: the raw pointers a table holds are reachable only through the `Memory` that borrows
// the table mutably (and only those that `Memory` granted itself); a table moved or shared
// between threads without a `Memory` gives access to nothing but its capacity.
unsafe impl Send for RegionTable {}
// SAFETY: as above: `&RegionTable` only reads the capacity.
unsafe impl Sync for RegionTable {}

impl fmt::Debug for RegionTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegionTable")
            .field("capacity", &self.regions.len())
            .finish()
    }
}

impl fmt::Debug for Memory<'_> {
    /// Lengths and names only: host addresses are never shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Memory")
            .field("input_len", &self.slots[INPUT_SLOT].len)
            .field("granted", &Granted(self))
            .finish()
    }
}

/// The granted regions of a [`Memory`] as `(name, len)` pairs, for `Debug`.
struct Granted<'m, 'a>(&'m Memory<'a>);

impl fmt::Debug for Granted<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        let slots = REGION_SLOT..REGION_SLOT + m.granted;
        f.debug_list()
            .entries(slots.map(|s| (m.name(s), m.region(s).map_or(0, |r| r.len))))
            .finish()
    }
}

impl Default for Memory<'_> {
    fn default() -> Self {
        Self::without_input()
    }
}

impl<'a> Memory<'a> {
    /// Memory whose input region is `input`, readable and writable (may be empty).
    pub fn new(input: &'a mut [u8]) -> Memory<'a> {
        let mut memory = Self::without_input();
        memory.set_input(input);
        memory
    }

    /// Memory whose input region is `input`, read-only (stores to it fault).
    pub fn new_readonly(input: &'a [u8]) -> Memory<'a> {
        let mut memory = Self::without_input();
        memory.set_input_readonly(input);
        memory
    }

    /// Memory with no input (`r1` is 0 in [`Vm::run`](crate::Vm::run)) and no regions yet.
    ///
    /// For a context that holds pointers, grant the regions it points to first, then build the
    /// context from their addresses and [`set_input`](Self::set_input) it.
    pub fn without_input() -> Memory<'a> {
        Memory {
            slots: [Region::EMPTY; SLOTS],
            names: [None; SLOTS],
            granted: 0,
            table: None,
            legacy: None,
            _borrow: PhantomData,
        }
    }

    /// Memory with no input that may grant [`MAX_REGIONS`] regions plus the table's capacity;
    /// the table is borrowed for as long as the memory lives.
    pub fn with_table(table: &'a mut RegionTable) -> Memory<'a> {
        let mut memory = Self::without_input();
        memory.table = Some(table);
        memory
    }

    /// Most regions this memory may grant.
    pub fn capacity(&self) -> usize {
        MAX_REGIONS + self.table.as_ref().map_or(0, |t| t.capacity())
    }

    /// The region of window `slot`, if the window exists (an empty region when nothing is
    /// there).
    #[inline(always)]
    fn region(&self, slot: usize) -> Option<&Region> {
        if slot < SLOTS {
            return Some(&self.slots[slot]);
        }
        let k = slot - SLOTS;
        if k < self.granted.saturating_sub(MAX_REGIONS) {
            self.table.as_ref().map(|t| &t.regions[k])
        } else {
            None
        }
    }

    /// The host's name of window `slot`.
    fn name(&self, slot: usize) -> Option<&'static str> {
        if slot < SLOTS {
            return self.names[slot];
        }
        let k = slot - SLOTS;
        if k < self.granted.saturating_sub(MAX_REGIONS) {
            self.table.as_ref().and_then(|t| t.names[k])
        } else {
            None
        }
    }

    /// Makes legacy packet loads (`ldabs`, `ldind`) read the `len` bytes at the program address
    /// `addr` (inside a region of this memory: a granted packet) instead of the input region,
    /// for hooks whose context is a structure and whose packet is elsewhere (`__sk_buff`).
    pub fn set_legacy_packet(&mut self, addr: u64, len: u64) {
        self.legacy = Some((addr, len));
    }

    /// Makes `input` the input region, readable and writable, and returns its address
    /// ([`input_addr`](Self::input_addr)). At most [`REGION_WINDOW`] bytes are mapped.
    pub fn set_input(&mut self, input: &'a mut [u8]) -> u64 {
        self.slots[INPUT_SLOT] = Self::input_region(input.as_mut_ptr(), input.len(), true);
        self.input_addr()
    }

    /// Makes `input` the input region, read-only, and returns its address.
    pub fn set_input_readonly(&mut self, input: &'a [u8]) -> u64 {
        let ptr = input.as_ptr().cast_mut();
        self.slots[INPUT_SLOT] = Self::input_region(ptr, input.len(), false);
        self.input_addr()
    }

    fn input_region(ptr: *mut u8, len: usize, writable: bool) -> Region {
        let len = (len as u64).min(REGION_WINDOW);
        Region { ptr, len, writable }
    }

    /// Address of the input region (what `r1` holds in [`Vm::run`](crate::Vm::run)): 0 when
    /// the input is empty, `0x1_0000_0000` otherwise.
    pub fn input_addr(&self) -> u64 {
        if self.slots[INPUT_SLOT].len == 0 {
            0
        } else {
            base(INPUT_SLOT)
        }
    }

    /// Length of the input region in bytes.
    pub fn input_len(&self) -> u64 {
        self.slots[INPUT_SLOT].len
    }

    /// Number of granted regions.
    pub fn granted_count(&self) -> usize {
        self.granted
    }

    /// Lets the program read and write `region` for the rest of the run; returns its address.
    pub fn grant(&mut self, region: &'a mut [u8]) -> Result<u64, HelperError> {
        self.push(region.as_mut_ptr(), region.len(), true)
    }

    /// Lets the program read `region` (stores to it fault); returns its address.
    pub fn grant_readonly(&mut self, region: &'a [u8]) -> Result<u64, HelperError> {
        self.push(region.as_ptr().cast_mut(), region.len(), false)
    }

    /// Grants `len` bytes at `ptr` (read-only unless `writable`) for hosts whose memory is not
    /// borrowed for `'a` (map storage, a helper's buffers); returns the region's address.
    /// Granting the same `ptr`, `len` and `writable` again returns the same address without
    /// using another region, so a helper may grant a map value on every lookup.
    ///
    /// # Safety
    ///
    /// For as long as this `Memory` is used (by runs, [`slice`](Self::slice) and
    /// [`slice_mut`](Self::slice_mut)), `ptr..ptr + len` must be valid for reads (and for
    /// writes if `writable`), must not be accessed through any other reference or pointer
    /// except through this `Memory`, and must not be deallocated. Memory that runs on several
    /// threads share (a map value granted to each) may also be accessed by those runs: their
    /// atomic instructions on naturally aligned 4- and 8-byte words are atomic (see
    /// `Space::update`), as are the host's own atomic accesses to those words.
    pub unsafe fn grant_raw(
        &mut self,
        ptr: *mut u8,
        len: usize,
        writable: bool,
    ) -> Result<u64, HelperError> {
        self.push(ptr, len, writable)
    }

    fn push(&mut self, ptr: *mut u8, len: usize, writable: bool) -> Result<u64, HelperError> {
        let len = len as u64;
        if len > REGION_WINDOW {
            return Err(HelperError::new(HelperErrorKind::RegionTooLarge { len }));
        }
        let slots = REGION_SLOT..REGION_SLOT + self.granted;
        // Newest first: a helper granting the same value again usually granted it lately.
        if let Some(slot) = slots.clone().rev().find(|&s| {
            self.region(s)
                .is_some_and(|r| r.ptr == ptr && r.len == len && r.writable == writable)
        }) {
            return Ok(base(slot));
        }
        if self.granted == self.capacity() {
            let capacity = self.capacity();
            return Err(HelperError::new(HelperErrorKind::RegionsFull { capacity }));
        }
        let slot = slots.end;
        let region = Region { ptr, len, writable };
        if slot < SLOTS {
            self.slots[slot] = region;
            self.names[slot] = None;
        } else if let Some(table) = self.table.as_mut() {
            table.regions[slot - SLOTS] = region;
            table.names[slot - SLOTS] = None;
        }
        self.granted += 1;
        Ok(base(slot))
    }

    /// Gives the input or granted region that `addr` points into a name for fault messages
    /// (`packet+16` instead of `region 0+16`). Returns whether `addr` named such a region.
    pub fn set_name(&mut self, addr: u64, name: &'static str) -> bool {
        let slot = (addr >> WINDOW_BITS) as usize;
        let named = slot == INPUT_SLOT || (REGION_SLOT..REGION_SLOT + self.granted).contains(&slot);
        if named {
            if slot < SLOTS {
                self.names[slot] = Some(name);
            } else if let Some(table) = self.table.as_mut() {
                table.names[slot - SLOTS] = Some(name);
            }
        }
        named
    }

    /// Where `addr` points, for messages: region and offset, never a host address.
    pub fn place(&self, addr: u64) -> Place {
        let mut slot = addr >> WINDOW_BITS;
        let mut offset = (addr & (REGION_WINDOW - 1)) as i64;
        let own_len = usize::try_from(slot)
            .ok()
            .and_then(|s| self.region(s))
            .map_or(0, |r| r.len);
        // Beyond its region, the upper half of a window is named after the region above it.
        if offset as u64 >= own_len && offset >= (REGION_WINDOW / 2) as i64 {
            slot += 1;
            offset -= REGION_WINDOW as i64;
        }
        let Ok(slot) = usize::try_from(slot) else {
            return Place::new(Area::None, addr as i64, None);
        };
        let name = self.name(slot);
        if slot == INPUT_SLOT {
            Place::new(Area::Input, offset, name)
        } else if (FRAME_SLOT..REGION_SLOT).contains(&slot) {
            let frame = (slot - FRAME_SLOT) as u8;
            Place::new(Area::Stack { frame }, offset - STACK_SIZE as i64, None)
        } else if (REGION_SLOT..REGION_SLOT + self.granted).contains(&slot) {
            let index = (slot - REGION_SLOT) as u16;
            Place::new(Area::Region { index }, offset, name)
        } else {
            Place::new(Area::None, addr as i64, None)
        }
    }

    /// The host bytes behind `len` bytes at virtual address `addr`, checked as a load is
    /// (`len` 0 gives an empty slice whatever `addr` is).
    pub fn slice(&self, addr: u64, len: usize) -> Result<&[u8], AccessError> {
        if len == 0 {
            return Ok(&[]);
        }
        let p = self.translate(addr, len as u64, false)?;
        // SAFETY: `translate` returned a pointer derived from a region's pointer with all `len`
        // bytes inside that region, valid for reads while this `Memory` is borrowed (input and
        // safe grants are borrowed for `'a`, raw grants are guaranteed by their granter, stack
        // frames are attached only while the run that borrows them lasts). Writes go through
        // `&mut self` only, so none happens while the returned slice lives.
        Ok(unsafe { core::slice::from_raw_parts(p, len) })
    }

    /// The host bytes behind `len` bytes at virtual address `addr`, for writing, checked as a
    /// store is (`len` 0 gives an empty slice).
    pub fn slice_mut(&mut self, addr: u64, len: usize) -> Result<&mut [u8], AccessError> {
        if len == 0 {
            return Ok(&mut []);
        }
        let p = self.translate(addr, len as u64, true)?;
        // SAFETY: as in `slice`, and `translate` with `write` only returns pointers into
        // writable regions; `&mut self` is borrowed for the slice's lifetime, so no other
        // access through this `Memory` overlaps it.
        Ok(unsafe { core::slice::from_raw_parts_mut(p, len) })
    }

    /// A pointer to `size` accessible bytes at `addr`, or why there is none.
    #[inline(always)]
    fn translate(&self, addr: u64, size: u64, write: bool) -> Result<*mut u8, AccessError> {
        if let Some(region) = self.region((addr >> WINDOW_BITS) as usize) {
            if let Some(off) = region.offset(addr, size) {
                if region.writable || !write {
                    return Ok(region.ptr.wrapping_add(off as usize));
                }
            }
        }
        Err(self.refuse(addr, size, write))
    }

    /// Why an access of `size` bytes at `addr` is refused.
    #[cold]
    #[inline(never)]
    fn refuse(&self, addr: u64, size: u64, write: bool) -> AccessError {
        let at = self.place(addr);
        let own = self.region((addr >> WINDOW_BITS) as usize);
        let kind = match at.area() {
            Area::Stack { frame } if self.slots[FRAME_SLOT + frame as usize].len == 0 => {
                AccessErrorKind::FrameNotLive
            }
            _ if write && own.is_some_and(|r| r.offset(addr, size).is_some()) => {
                AccessErrorKind::ReadOnly
            }
            Area::Input => AccessErrorKind::OutOfBounds {
                len: self.slots[INPUT_SLOT].len,
            },
            Area::Region { index } => AccessErrorKind::OutOfBounds {
                len: self
                    .region(REGION_SLOT + index as usize)
                    .map_or(0, |r| r.len),
            },
            Area::Stack { .. } => AccessErrorKind::OutOfBounds {
                len: STACK_SIZE as u64,
            },
            _ => AccessErrorKind::OutOfBounds { len: 0 },
        };
        AccessError::new(at, size as usize, write, kind)
    }
}

/// The frame stacks of a VM: `MAX_FRAMES` frames of `STACK_SIZE` bytes, allocated once. Frame
/// `k` is the `k`-th block.
#[derive(Debug)]
pub(crate) struct Stack {
    /// `u64`s so that 8-byte accesses at aligned offsets from r10 are aligned in memory.
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
        let words = &self.words[..WORDS_PER_FRAME];
        // SAFETY: `words` is a live, initialised `[u64]` of `STACK_SIZE / 8` elements borrowed
        // for the lifetime of the returned slice; every byte pattern is a valid `u8` and `u8`
        // has alignment 1, so viewing it as `STACK_SIZE` bytes is sound.
        unsafe { core::slice::from_raw_parts(words.as_ptr().cast::<u8>(), STACK_SIZE) }
    }
}

/// The address space of one run: the [`Memory`] with the VM's stack frames attached.
///
/// The frames' windows point into the stack only while the `Space` lives: dropping it (at the
/// end of the run, or when a helper panics) empties them again, so the `Memory` never keeps a
/// pointer to a stack it no longer borrows.
pub(crate) struct Space<'r, 'a> {
    /// Base of the whole stack buffer; every frame pointer is derived from it.
    stack_base: *mut u8,
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
            mem,
            _stack: PhantomData,
        };
        space.enter_frame(0);
        space
    }

    /// The `r10` value of frame `depth` (one past its top byte).
    pub(crate) fn frame_top(&self, depth: usize) -> u64 {
        base(FRAME_SLOT + depth) + STACK_SIZE as u64
    }

    /// Frame `depth`'s window, live.
    fn frame(&self, depth: usize) -> Region {
        Region {
            ptr: self.stack_base.wrapping_add(depth * STACK_SIZE),
            len: STACK_SIZE as u64,
            writable: true,
        }
    }

    /// Makes frame `depth` live and zeroes it (frames below stay live). `depth < MAX_FRAMES`.
    pub(crate) fn enter_frame(&mut self, depth: usize) {
        let depth = depth.min(MAX_FRAMES - 1);
        let frame = self.frame(depth);
        self.mem.slots[FRAME_SLOT + depth] = frame;
        // SAFETY: `(depth + 1) * STACK_SIZE <= MAX_FRAMES * STACK_SIZE`, the size of the buffer
        // behind `stack_base`, which this `Space` borrows mutably for the run; no reference to
        // it is live while the run executes.
        unsafe { ptr::write_bytes(frame.ptr, 0, STACK_SIZE) };
    }

    /// Returns to frame `depth`: frame `depth + 1` is no longer live. `depth < MAX_FRAMES - 1`.
    pub(crate) fn leave_frame(&mut self, depth: usize) {
        let depth = depth.min(MAX_FRAMES - 2);
        self.mem.slots[FRAME_SLOT + depth + 1] = Region::EMPTY;
        // Re-attached in case a helper replaced the whole `Memory` meanwhile.
        self.mem.slots[FRAME_SLOT + depth] = self.frame(depth);
    }

    /// The memory helpers see (with the live frames attached).
    pub(crate) fn memory(&mut self) -> &mut Memory<'a> {
        self.mem
    }

    /// Reads `N` bytes at `addr`.
    #[inline(always)]
    pub(crate) fn load<const N: usize>(&self, addr: u64) -> Result<[u8; N], AccessError> {
        let p = self.mem.translate(addr, N as u64, false)?;
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
    ) -> Result<(), AccessError> {
        let p = self.mem.translate(addr, N as u64, true)?;
        // SAFETY: as in `load`, and `translate` with `write = true` only returns pointers into
        // writable regions (a mutably borrowed slice, the VM's stack, or a writable raw grant).
        unsafe { ptr::write_unaligned(p.cast::<[u8; N]>(), bytes) };
        Ok(())
    }

    /// Read-modify-write of `N` bytes at `addr`: stores `f(old)` and returns `old`. A naturally
    /// aligned 4- or 8-byte word is updated atomically (a compare-and-swap loop, so `f` may be
    /// called more than once): memory a host shares between runs on several threads, such as
    /// a map value, counts every `lock` add. Other sizes and misaligned words are read and
    /// written plainly.
    #[inline]
    pub(crate) fn update<const N: usize>(
        &mut self,
        addr: u64,
        f: impl Fn([u8; N]) -> [u8; N],
    ) -> Result<[u8; N], AccessError> {
        let p = self.mem.translate(addr, N as u64, true)?;
        #[cfg(target_has_atomic = "64")]
        if N == 8 && p.align_offset(8) == 0 {
            // SAFETY: `p` points to 8 readable and writable bytes of one region (as in `store`),
            // aligned for `AtomicU64`; a host that shares them between threads accesses them
            // atomically too (or not during the run).
            let word = unsafe { core::sync::atomic::AtomicU64::from_ptr(p.cast::<u64>()) };
            let old = word.fetch_update(SeqCst, SeqCst, |old| {
                Some(u64::from_ne_bytes(resize(f(resize(old.to_ne_bytes())))))
            });
            return Ok(resize(old.unwrap_or_else(|old| old).to_ne_bytes()));
        }
        #[cfg(target_has_atomic = "32")]
        if N == 4 && p.align_offset(4) == 0 {
            // SAFETY: as above, for 4 bytes aligned for `AtomicU32`.
            let word = unsafe { core::sync::atomic::AtomicU32::from_ptr(p.cast::<u32>()) };
            let old = word.fetch_update(SeqCst, SeqCst, |old| {
                Some(u32::from_ne_bytes(resize(f(resize(old.to_ne_bytes())))))
            });
            return Ok(resize(old.unwrap_or_else(|old| old).to_ne_bytes()));
        }
        let p = p.cast::<[u8; N]>();
        // SAFETY: as in `store`: `p` points to `N` readable and writable bytes of one region.
        unsafe {
            let old = ptr::read_unaligned(p);
            ptr::write_unaligned(p, f(old));
            Ok(old)
        }
    }

    /// Reads `N` bytes at offset `off` of the input region (legacy packet loads).
    #[inline]
    pub(crate) fn load_input<const N: usize>(&self, off: u64) -> Option<[u8; N]> {
        let n = N as u64;
        if let Some((addr, len)) = self.mem.legacy {
            if n > len || off > len - n {
                return None;
            }
            return self.load::<N>(addr.wrapping_add(off)).ok();
        }
        let input = &self.mem.slots[INPUT_SLOT];
        if n > input.len || off > input.len - n {
            return None;
        }
        let p = input.ptr.wrapping_add(off as usize);
        // SAFETY: all `N` bytes from `p` are inside the input region (checked above), which is
        // valid for reads for the run.
        Some(unsafe { ptr::read_unaligned(p.cast::<[u8; N]>()) })
    }
}

impl Drop for Space<'_, '_> {
    /// Detaches the frames: the `Memory` outlives the run, the stack borrow does not.
    fn drop(&mut self) {
        for slot in &mut self.mem.slots[FRAME_SLOT..REGION_SLOT] {
            *slot = Region::EMPTY;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fault::AccessErrorKind as K;
    use alloc::string::ToString;

    fn oob(area: Area, offset: i64, size: usize, write: bool, len: u64) -> AccessError {
        let at = Place::new(area, offset, None);
        AccessError::new(at, size, write, K::OutOfBounds { len })
    }

    #[test]
    fn frames_have_windows_of_their_own() {
        let mut stack = Stack::new();
        let mut input = [1u8, 2, 3, 4];
        let mut mem = Memory::new(&mut input);
        let mut space = Space::new(&mut stack, &mut mem);
        let top0 = space.frame_top(0);
        assert_eq!(top0, 0x2_0000_0200);
        space.store::<8>(top0 - 8, 7u64.to_ne_bytes()).unwrap();
        let frame0 = Area::Stack { frame: 0 };
        assert_eq!(space.load::<1>(top0), Err(oob(frame0, 0, 1, false, 512)));
        assert_eq!(
            space.load::<1>(top0 - 513),
            Err(oob(frame0, -513, 1, false, 512))
        );
        let top1 = space.frame_top(1);
        let frame1 = Area::Stack { frame: 1 };
        let not_live = AccessError::new(Place::new(frame1, -4, None), 4, false, K::FrameNotLive);
        assert_eq!(space.load::<4>(top1 - 4), Err(not_live));
        space.enter_frame(1);
        space.store::<4>(top1 - 4, [9; 4]).unwrap();
        assert_eq!(space.load::<8>(top0 - 8).unwrap(), 7u64.to_ne_bytes());
        assert_eq!(
            space.load::<8>(top1 + 8),
            Err(oob(frame1, 8, 8, false, 512)),
            "frame 1 cannot reach frame 0 through its own r10"
        );
        space.leave_frame(0);
        assert_eq!(space.load::<4>(top1 - 4), Err(not_live));
        let a = space.memory().input_addr();
        assert_eq!(a, 0x1_0000_0000);
        assert_eq!(space.load::<2>(a + 2).unwrap(), [3, 4]);
        assert_eq!(
            space.load::<2>(a + 3),
            Err(oob(Area::Input, 3, 2, false, 4))
        );
        assert_eq!(
            space.load::<1>(a.wrapping_sub(8)),
            Err(oob(Area::Input, -8, 1, false, 4))
        );
        assert_eq!(space.load_input::<4>(0), Some([1, 2, 3, 4]));
        assert_eq!(space.load_input::<4>(1), None);
        assert_eq!(space.load_input::<1>(u64::MAX), None);
        drop(space);
        assert_eq!(&stack.frame0()[STACK_SIZE - 8..], &7u64.to_ne_bytes());
        // Once the run is over, no window reaches the stack.
        let gone = AccessError::new(Place::new(frame0, -8, None), 8, false, K::FrameNotLive);
        assert_eq!(mem.slice(top0 - 8, 8), Err(gone));
    }

    #[test]
    fn read_only_regions_reject_writes() {
        static TABLE: [u8; 4] = [5, 6, 7, 8];
        let mut stack = Stack::new();
        let mut mem = Memory::new(&mut []);
        let a = mem.grant_readonly(&TABLE).unwrap();
        assert_eq!(a, 0xa_0000_0000);
        assert!(mem.set_name(a + 2, "table"));
        let mut space = Space::new(&mut stack, &mut mem);
        assert_eq!(space.load::<1>(a + 3).unwrap(), [8]);
        let at = Place::new(Area::Region { index: 0 }, 0, Some("table"));
        let ro = AccessError::new(at, 1, true, K::ReadOnly);
        assert_eq!(space.store::<1>(a, [0]), Err(ro));
        assert_eq!(space.update::<1>(a, |b| b), Err(ro));
        assert_eq!(
            ro.to_string(),
            "write of 1 byte at table+0: table is read-only"
        );
        let past = Place::new(Area::Region { index: 0 }, 4, Some("table"));
        let want = AccessError::new(past, 1, true, K::OutOfBounds { len: 4 });
        assert_eq!(
            space.store::<1>(a + 4, [0]),
            Err(want),
            "past the end is out of bounds"
        );
    }

    #[test]
    fn grants_are_counted_deduplicated_and_limited() {
        static B: [u8; 32] = [0; 32];
        let mut mem = Memory::new(&mut []);
        assert_eq!(mem.input_addr(), 0, "no input, no address");
        for i in 0..MAX_REGIONS {
            let addr = mem.grant_readonly(&B[..i]).unwrap();
            assert_eq!(addr, base(REGION_SLOT + i));
        }
        assert_eq!(mem.granted_count(), MAX_REGIONS);
        let again = mem.grant_readonly(&B[..3]).unwrap();
        assert_eq!(
            again,
            base(REGION_SLOT + 3),
            "same region, same address, no new slot"
        );
        let full = mem.grant_readonly(&B).unwrap_err();
        assert_eq!(
            full.kind(),
            HelperErrorKind::RegionsFull {
                capacity: MAX_REGIONS
            }
        );
        let mut mem = Memory::without_input();
        let huge = mem.push(ptr::null_mut(), REGION_WINDOW as usize + 1, false);
        assert_eq!(
            huge.unwrap_err().kind(),
            HelperErrorKind::RegionTooLarge {
                len: REGION_WINDOW + 1
            }
        );
        assert_eq!(mem.granted_count(), 0);
        assert_eq!(
            alloc::format!("{:?}", Memory::new_readonly(&B[..4])),
            "Memory { input_len: 4, granted: [] }"
        );
    }

    #[test]
    fn a_lent_table_adds_regions_and_forgets_old_ones() {
        static B: [u8; 64] = [7; 64];
        let mut table = RegionTable::new(32);
        let mut mem = Memory::with_table(&mut table);
        assert_eq!(mem.capacity(), MAX_REGIONS + 32);
        let mut addrs = alloc::vec::Vec::new();
        for i in 0..MAX_REGIONS + 32 {
            addrs.push(mem.grant_readonly(&B[..i + 1]).unwrap());
        }
        let last = *addrs.last().unwrap();
        assert_eq!(last, base(REGION_SLOT + MAX_REGIONS + 31));
        assert!(mem.set_name(last, "value"));
        assert_eq!(mem.slice(last + 47, 1).unwrap(), &[7]);
        assert_eq!(
            mem.place(last + 3).to_string(),
            "value+3",
            "names live in the table"
        );
        assert_eq!(
            mem.grant_readonly(&B[..20]).unwrap(),
            addrs[19],
            "deduplicated across the table"
        );
        assert!(matches!(
            mem.grant_readonly(&B[1..]).unwrap_err().kind(),
            HelperErrorKind::RegionsFull { capacity } if capacity == MAX_REGIONS + 32
        ));
        assert!(mem.slice(last, 1).is_ok());
        // A new memory with the same table reaches none of the old regions.
        let mem = Memory::with_table(&mut table);
        assert!(mem.slice(last, 1).is_err());
        assert!(mem.slice(addrs[MAX_REGIONS], 1).is_err());
        assert_eq!(alloc::format!("{table:?}"), "RegionTable { capacity: 32 }");
    }

    #[test]
    fn slices_translate_virtual_addresses() {
        let mut input = [0u8; 8];
        let mut value = [0u8; 16];
        let mut mem = Memory::without_input();
        let v = mem.grant(&mut value).unwrap();
        let i = mem.set_input(&mut input);
        mem.slice_mut(v + 12, 4)
            .unwrap()
            .copy_from_slice(&[1, 2, 3, 4]);
        assert_eq!(mem.slice(v + 12, 4).unwrap(), &[1, 2, 3, 4]);
        assert_eq!(mem.slice(i + 8, 0).unwrap(), &[] as &[u8]);
        assert_eq!(
            mem.slice(v + 13, 4),
            Err(oob(Area::Region { index: 0 }, 13, 4, false, 16))
        );
        assert_eq!(mem.slice(0, 1), Err(oob(Area::None, 0, 1, false, 0)));
        assert_eq!(
            mem.slice(u64::MAX, 1),
            Err(oob(Area::None, -1, 1, false, 0))
        );
        assert_eq!(
            mem.slice(i + 7, usize::MAX).map(|_| ()).unwrap_err().size(),
            usize::MAX
        );
        assert!(!mem.set_name(0x5_0000_0000, "nothing"));
        let _ = mem;
        assert_eq!(value[12..], [1, 2, 3, 4]);
    }

    #[test]
    fn region_offset_handles_every_edge() {
        let r = Region {
            ptr: ptr::null_mut(),
            len: REGION_WINDOW,
            writable: true,
        };
        assert_eq!(
            r.offset(base(3) + REGION_WINDOW - 4, 4),
            Some(REGION_WINDOW - 4)
        );
        assert_eq!(r.offset(base(3) + REGION_WINDOW - 4, 5), None);
        let tiny = Region {
            ptr: ptr::null_mut(),
            len: 2,
            writable: true,
        };
        assert_eq!(tiny.offset(base(1) + 1, 1), Some(1));
        assert_eq!(tiny.offset(base(1), 4), None);
        assert_eq!(tiny.offset(base(1) + 1, u64::MAX), None);
        assert_eq!(Region::EMPTY.offset(base(1), 1), None);
        assert_eq!(Region::EMPTY.offset(base(1), 0), Some(0));
    }
}
