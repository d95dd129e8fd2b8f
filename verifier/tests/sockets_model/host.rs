//! The host's model of the reference-tracked socket helpers, shared by the soundness test
//! (`sockets_model`) and the fuzz harness: a lookup returns one of two read-only 80-byte
//! socket objects (`struct bpf_sock`) or null and the model keeps the references held; a run
//! fails on a release of a socket not held (a double release, a release of something else),
//! on a cast of a socket not held (a use after release), and, through [`Sockets::leaked`],
//! when it ends with a socket still held (a leak).

use ebpf_interp::{HelperError, Memory};

/// Size of a socket object (`struct bpf_sock`).
pub const SOCK_SIZE: usize = 80;

/// The helpers the model implements: `sk_lookup_tcp`, `sk_lookup_udp`, `sk_release`,
/// `skc_lookup_tcp`, `skc_to_tcp_sock`.
pub const IDS: [u32; 5] = [84, 85, 86, 99, 137];

/// The sockets of one run.
pub struct Sockets {
    addrs: [u64; 2],
    held: Vec<u64>,
}

impl Sockets {
    /// Sockets at the two granted read-only objects `addrs`.
    pub fn new(addrs: [u64; 2]) -> Sockets {
        Sockets {
            addrs,
            held: Vec::new(),
        }
    }

    /// One call of helper `id` (one of [`IDS`]); `hit` tells whether a lookup or a cast finds
    /// something.
    pub fn call(
        &mut self,
        id: u32,
        args: [u64; 5],
        mem: &mut Memory<'_>,
        hit: bool,
    ) -> Result<u64, HelperError> {
        match id {
            84 | 85 | 99 => {
                mem.slice(args[1], args[2] as usize)?;
                if !hit {
                    return Ok(0);
                }
                let a = self.addrs[self.held.len() % 2];
                self.held.push(a);
                Ok(a)
            }
            86 => {
                let Some(i) = self.held.iter().position(|&a| a == args[0]) else {
                    return Err(HelperError::failed(id, "release of a socket not held"));
                };
                self.held.remove(i);
                Ok(0)
            }
            137 => {
                if !self.held.contains(&args[0]) {
                    return Err(HelperError::failed(id, "cast of a socket not held"));
                }
                Ok(if hit { args[0] } else { 0 })
            }
            _ => Err(HelperError::unknown(id)),
        }
    }

    /// Why the run's end is wrong: a socket still held.
    pub fn leaked(&self) -> Option<String> {
        (!self.held.is_empty()).then(|| format!("{} socket(s) never released", self.held.len()))
    }
}
