//! Value storage: 8-byte atomic words that programs read and write through raw pointers and the
//! user side copies with relaxed atomic accesses, so no Rust reference ever races with a
//! program's plain stores. Values start on 8-byte boundaries, as Linux guarantees.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicU64, Ordering};

use crate::error::Failure;

/// `bytes` rounded up to whole words.
pub(crate) fn words_for(bytes: usize) -> usize {
    bytes.div_ceil(8)
}

/// `n` zeroed words, or `NoMemory`.
pub(crate) fn zeroed_words(n: usize) -> Result<Box<[AtomicU64]>, Failure> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| Failure::no_memory())?;
    v.extend((0..n).map(|_| AtomicU64::new(0)));
    Ok(v.into_boxed_slice())
}

/// Copies `out.len()` bytes starting at byte `offset` (a multiple of 8) of `words`.
pub(crate) fn read(words: &[AtomicU64], offset: usize, out: &mut [u8]) {
    let first = offset / 8;
    for (i, chunk) in out.chunks_mut(8).enumerate() {
        let w = words[first + i].load(Ordering::Relaxed).to_ne_bytes();
        chunk.copy_from_slice(&w[..chunk.len()]);
    }
}

/// Stores `src` at byte `offset` (a multiple of 8) of `words`; the bytes of the last word past
/// `src` (padding) become zero.
pub(crate) fn write(words: &[AtomicU64], offset: usize, src: &[u8]) {
    let first = offset / 8;
    for (i, chunk) in src.chunks(8).enumerate() {
        let mut w = [0u8; 8];
        w[..chunk.len()].copy_from_slice(chunk);
        words[first + i].store(u64::from_ne_bytes(w), Ordering::Relaxed);
    }
}

/// Zeroes `len` bytes (rounded up to words) at byte `offset` (a multiple of 8).
pub(crate) fn zero(words: &[AtomicU64], offset: usize, len: usize) {
    for w in &words[offset / 8..(offset / 8 + words_for(len))] {
        w.store(0, Ordering::Relaxed);
    }
}

/// A pointer to byte `offset` (a multiple of 8) of `words`, with provenance over the rest of
/// the slice. Programs may read and write through it (the words are interior-mutable).
pub(crate) fn ptr(words: &[AtomicU64], offset: usize) -> NonNull<u8> {
    NonNull::from(&words[offset / 8..]).cast::<u8>()
}

/// Stores the concatenation of `parts` at byte `offset` (a multiple of 8) of `words`; the bytes
/// of the last word past the data become zero.
pub(crate) fn write_parts(words: &[AtomicU64], offset: usize, parts: &[&[u8]]) {
    let mut word = offset / 8;
    let mut buf = [0u8; 8];
    let mut fill = 0;
    for &b in parts.iter().flat_map(|p| p.iter()) {
        buf[fill] = b;
        fill += 1;
        if fill == 8 {
            words[word].store(u64::from_ne_bytes(buf), Ordering::Relaxed);
            word += 1;
            fill = 0;
        }
    }
    if fill != 0 {
        buf[fill..].fill(0);
        words[word].store(u64::from_ne_bytes(buf), Ordering::Relaxed);
    }
}
