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
    let mut chunks = out.chunks_exact_mut(8);
    let mut i = first;
    for chunk in &mut chunks {
        chunk.copy_from_slice(&words[i].load(Ordering::Relaxed).to_ne_bytes());
        i += 1;
    }
    let rest = chunks.into_remainder();
    if !rest.is_empty() {
        let w = words[i].load(Ordering::Relaxed).to_ne_bytes();
        for (o, b) in rest.iter_mut().zip(w) {
            *o = b;
        }
    }
}

/// `bytes` (at most 8) as the low bytes of a word, the rest zero.
fn partial_word(bytes: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    for (o, &b) in w.iter_mut().zip(bytes) {
        *o = b;
    }
    u64::from_ne_bytes(w)
}

/// Stores `src` at byte `offset` (a multiple of 8) of `words`; the bytes of the last word past
/// `src` (padding) become zero.
pub(crate) fn write(words: &[AtomicU64], offset: usize, src: &[u8]) {
    write_parts(words, offset, &[src]);
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
/// of the last word past the data become zero. Whole words are stored as words; bytes are
/// gathered only where a part ends inside a word.
pub(crate) fn write_parts(words: &[AtomicU64], offset: usize, parts: &[&[u8]]) {
    let mut word = offset / 8;
    let mut buf = [0u8; 8];
    let mut fill = 0;
    for &part in parts {
        let mut part = part;
        // Complete a word a previous part left partial.
        while fill != 0 {
            let Some((&b, rest)) = part.split_first() else {
                break;
            };
            buf[fill] = b;
            fill += 1;
            part = rest;
            if fill == 8 {
                words[word].store(u64::from_ne_bytes(buf), Ordering::Relaxed);
                word += 1;
                fill = 0;
            }
        }
        let mut chunks = part.chunks_exact(8);
        for chunk in &mut chunks {
            words[word].store(partial_word(chunk), Ordering::Relaxed);
            word += 1;
        }
        // Fewer than 8 bytes left, into an empty (or, for an empty part, unchanged) buffer.
        for &b in chunks.remainder() {
            buf[fill] = b;
            fill += 1;
        }
    }
    if fill != 0 {
        buf[fill..].fill(0);
        words[word].store(u64::from_ne_bytes(buf), Ordering::Relaxed);
    }
}
