//! The platform description hash: what a program was verified against, in a canonical byte
//! encoding hashed with SHA-256.
//!
//! A program's description is its program type (name, number, the packet and legacy-load
//! permissions, helper groups, the return range and the whole context layout: fields (and
//! their socket kinds), packet pointer fields, pointer size, host context slots, readable and
//! writable ranges) and the
//! prototype of each helper it calls (id, name, the five argument kinds, the return kind,
//! groups, whether it changes the packet). Each part is hashed on its own
//! ([`program_type_hash`], [`helper_hash`]) so a host can say which part differs; the
//! program's platform hash ([`platform_hash`]) is the hash of the parts.
//!
//! Encoding: integers little-endian (`u8`, `u32`, `i64`), booleans one byte (0 or 1), strings
//! a `u32` length then UTF-8, options a byte (0 none, 1 some) then the value, lists a `u32`
//! count then the items; every hash starts with a domain string naming what it hashes.

use ebpf_platform::{ArgKind, ContextLayout, FieldRange, HelperProto, ProgramType, RetKind};
use sha2::{Digest, Sha256};

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// The canonical encoder: writes into a running SHA-256.
struct Enc(Sha256);

impl Enc {
    fn new(domain: &str) -> Enc {
        let mut e = Enc(Sha256::new());
        e.str(domain);
        e
    }
    fn u8(&mut self, v: u8) {
        self.0.update([v]);
    }
    fn bool(&mut self, v: bool) {
        self.u8(u8::from(v));
    }
    fn u32(&mut self, v: u32) {
        self.0.update(v.to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.0.update(v.to_le_bytes());
    }
    fn str(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.0.update(s.as_bytes());
    }
    fn opt_u32(&mut self, v: Option<u32>) {
        match v {
            None => self.u8(0),
            Some(v) => {
                self.u8(1);
                self.u32(v);
            }
        }
    }
    fn ranges(&mut self, ranges: &[FieldRange]) {
        self.u32(ranges.len() as u32);
        for r in ranges {
            self.u32(r.start);
            self.u32(r.end);
        }
    }
    fn finish(self) -> Hash {
        self.0.finalize().into()
    }
}

fn context(e: &mut Enc, c: &ContextLayout) {
    e.str(c.name);
    e.u32(c.size);
    e.u32(c.fields.len() as u32);
    for f in c.fields {
        e.str(f.name);
        e.u32(f.offset);
        // A socket field: its size with the top bit set (no field is that large), then its
        // kind; number fields hash as before.
        match f.socket {
            None => e.u32(f.size),
            Some(k) => {
                e.u32(f.size | 1 << 31);
                e.str(k.name());
            }
        }
    }
    e.opt_u32(c.data);
    e.opt_u32(c.data_end);
    e.opt_u32(c.data_meta);
    e.u8(c.pointer_size);
    match c.host {
        None => e.u8(0),
        Some(h) => {
            e.u8(1);
            e.u32(h.size);
            e.u32(h.data);
            e.u32(h.data_end);
            e.u32(h.data_meta);
        }
    }
    e.ranges(c.readable);
    e.ranges(c.writable);
}

/// The hash of a program type of the platform called `platform`, with its context layout.
pub fn program_type_hash(platform: &str, t: &ProgramType) -> Hash {
    let mut e = Enc::new("ebpf-image/program-type/v1");
    e.str(platform);
    e.str(t.name);
    e.u32(t.number);
    e.bool(t.packet_writable);
    e.bool(t.legacy_packet_loads);
    e.u32(t.helper_groups);
    match t.return_range {
        None => e.u8(0),
        Some((lo, hi)) => {
            e.u8(1);
            e.i64(lo);
            e.i64(hi);
        }
    }
    match &t.context {
        None => e.u8(0),
        Some(c) => {
            e.u8(1);
            context(&mut e, c);
        }
    }
    e.finish()
}

/// The tag of an argument kind (and its map requirement).
fn arg(e: &mut Enc, a: ArgKind) {
    let tag = match a {
        ArgKind::None => 0,
        ArgKind::Anything => 1,
        ArgKind::Scalar => 2,
        ArgKind::Ctx => 3,
        ArgKind::Map(req) => {
            e.u8(4);
            e.u32(req.kinds.0);
            e.bool(req.changes);
            e.bool(req.reads);
            return;
        }
        ArgKind::MapKey => 5,
        ArgKind::MapValue => 6,
        ArgKind::MapValueOut => 7,
        ArgKind::MapValueOutOnSuccess => 8,
        ArgKind::ReadMem => 9,
        ArgKind::WriteMem => 10,
        ArgKind::UpdateMem => 11,
        ArgKind::ClobberMem => 12,
        ArgKind::Size => 13,
        ArgKind::SizeOrZero => 14,
        ArgKind::AllocMem => 15,
        ArgKind::Printed => 16,
        ArgKind::ReadMemOf(n) => {
            e.u8(40);
            e.u8(n);
            return;
        }
        ArgKind::WriteMemOf(n) => {
            e.u8(41);
            e.u8(n);
            return;
        }
        ArgKind::CtxOrNull => 17,
        ArgKind::Sock => 18,
        ArgKind::SockRelease => 19,
        ArgKind::ReadFixed(n) | ArgKind::WriteFixed(n) | ArgKind::UpdateFixed(n) => {
            e.u8(match a {
                ArgKind::ReadFixed(_) => 20,
                ArgKind::WriteFixed(_) => 21,
                _ => 22,
            });
            e.u32(n);
            return;
        }
        ArgKind::ConstStr => 23,
        ArgKind::Callback => 24,
        ArgKind::SpinLock => 25,
    };
    e.u8(tag);
}

/// The hash of a helper's prototype.
pub fn helper_hash(h: &HelperProto) -> Hash {
    let mut e = Enc::new("ebpf-image/helper/v1");
    e.u32(h.id.0);
    e.str(h.name);
    for a in h.args {
        arg(&mut e, a);
    }
    match h.ret {
        RetKind::Scalar => e.u8(0),
        RetKind::U32 => e.u8(1),
        RetKind::MapValueOrNull => e.u8(2),
        RetKind::AllocOrNull => e.u8(3),
        RetKind::Void => e.u8(4),
        RetKind::SockOrNull(k) => {
            e.u8(5);
            e.str(k.name());
        }
        RetKind::DerivedSockOrNull(k) => {
            e.u8(6);
            e.str(k.name());
        }
        RetKind::RelatedSockOrNull(k) => {
            e.u8(8);
            e.str(k.name());
        }
        RetKind::NotModelled(why) => {
            e.u8(7);
            e.str(why);
        }
        RetKind::FirstArg => e.u8(40),
        RetKind::Sign => e.u8(41),
    }
    e.u32(h.groups);
    e.bool(h.changes_packet);
    e.finish()
}

/// A program's platform hash: its program type's hash, then each helper's id and hash, in the
/// order given (images list them by id).
pub fn platform_hash(program_type: &Hash, helpers: &[(u32, Hash)]) -> Hash {
    let mut e = Enc::new("ebpf-image/platform/v1");
    e.0.update(program_type);
    e.u32(helpers.len() as u32);
    for (id, h) in helpers {
        e.u32(*id);
        e.0.update(h);
    }
    e.finish()
}

/// A hash as lowercase hex (for messages).
pub fn hex(bytes: &[u8]) -> alloc::string::String {
    use core::fmt::Write as _;
    let mut s = alloc::string::String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_argument_or_context_changes_the_hash() {
        let p = &ebpf_platform::LINUX;
        let lookup = *p.helper(ebpf_platform::HelperId(1)).unwrap();
        let mut changed = lookup;
        changed.args[1] = ArgKind::ReadMem;
        assert_ne!(helper_hash(&lookup), helper_hash(&changed));
        assert_eq!(helper_hash(&lookup), helper_hash(&{ lookup }));
        let xdp = *p.program_type("xdp").unwrap();
        let mut other = xdp;
        other.packet_writable = !xdp.packet_writable;
        assert_ne!(
            program_type_hash("linux", &xdp),
            program_type_hash("linux", &other)
        );
        assert_ne!(
            program_type_hash("linux", &xdp),
            program_type_hash("windows", &xdp)
        );
        let t = program_type_hash("linux", &xdp);
        let h = helper_hash(&lookup);
        assert_ne!(platform_hash(&t, &[(1, h)]), platform_hash(&t, &[]));
    }
}
