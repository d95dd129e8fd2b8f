//! The image's bytes: [`NativeImage`] and [`NativeProgram`], their encoding
//! ([`NativeImage::encode`]) and the length-checked decoder ([`NativeImage::decode`]), which
//! never panics and never allocates more than the bytes it was given can describe.
//!
//! Layout (docs/images.md has the full table): a 16-byte header (`EBPFNIMG`, format version
//! `u32`, body length `u32`), the body, then an optional 100-byte signature block (`SIG1`, the
//! signer's public key, the ed25519 signature of header and body).

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use super::hash::Hash;
use super::{ImageError, ImageErrorKind};
use crate::mapspec::{InitTarget, MapSpec};

/// The first 8 bytes of every image.
pub const MAGIC: [u8; 8] = *b"EBPFNIMG";
/// The format version this crate writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// Bytes of the header: magic, version, body length.
pub const HEADER_LEN: usize = 16;
/// The tag of the signature block.
pub const SIGNATURE_TAG: [u8; 4] = *b"SIG1";
/// Bytes of the signature block: tag, public key (32), signature (64).
pub const SIGNATURE_BLOCK_LEN: usize = 4 + 32 + 64;
/// Deepest nesting of inner map templates the decoder accepts.
const MAX_INNER_DEPTH: u32 = 4;

/// A native image of one object: its maps and its programs' machine code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NativeImage {
    /// The platform's name (`linux`, `windows`).
    pub platform: String,
    /// The JIT ABI version the code expects of its host (`ebpf_jit::abi::ABI_VERSION`).
    pub abi_version: u32,
    /// The object's maps, in the loader's order (what relocations and initial values number).
    pub maps: Vec<MapSpec>,
    /// The programs.
    pub programs: Vec<NativeProgram>,
}

/// One program of an image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NativeProgram {
    /// The ELF section.
    pub section: String,
    /// The entry function's name.
    pub function: String,
    /// The program type's name.
    pub program_type: String,
    /// The program type's number on the platform.
    pub program_type_number: u32,
    /// The attach type the section implies: name and number.
    pub attach_type: Option<(String, u32)>,
    /// Instructions, in 8-byte slots.
    pub instructions: u32,
    /// Most instructions one run executes (the verifier's bound).
    pub instruction_bound: u64,
    /// [`program_type_hash`](super::hash::program_type_hash) of the type it was verified as.
    pub type_hash: Hash,
    /// The helpers it calls, by id (ascending), each with its prototype's
    /// [`helper_hash`](super::hash::helper_hash).
    pub helpers: Vec<(u32, Hash)>,
    /// Indexes of the maps it uses.
    pub maps_used: Vec<u32>,
    /// Position-independent x86-64 code (`ebpf_jit::abi`'s calling convention).
    pub code: Vec<u8>,
    /// Byte offset of the entry in `code`.
    pub entry: u32,
    /// Whether the code addresses its stack (frame 0 is zeroed before each run when it does).
    pub uses_stack: bool,
    /// Where the host writes map handles and global-data addresses into `code`.
    pub relocations: Vec<Relocation>,
}

impl NativeProgram {
    /// The program's platform hash ([`super::hash::platform_hash`]).
    pub fn platform_hash(&self) -> Hash {
        super::hash::platform_hash(&self.type_hash, &self.helpers)
    }
}

/// An 8-byte immediate of the code (of a `mov r64, imm64`) that the host fills in at install.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Relocation {
    /// Byte offset of the 8 bytes in the code.
    pub offset: u32,
    /// What to write there.
    pub kind: RelocKind,
    /// The map's index.
    pub map: u32,
    /// Added to a map value's address (0 for handles).
    pub addend: u32,
}

/// What a [`Relocation`] writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RelocKind {
    /// The host's handle of the map (an `lddw` of a map).
    MapHandle,
    /// The address of the map's single value plus the addend (an `lddw` of global data).
    MapValue,
}

/// Writes little-endian fields.
struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn len(&mut self, n: usize) {
        self.u32(u32::try_from(n).unwrap_or(u32::MAX));
    }
    fn bytes(&mut self, b: &[u8]) {
        self.len(b.len());
        self.0.extend_from_slice(b);
    }
    fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
    fn map(&mut self, m: &MapSpec) {
        self.str(&m.name);
        for v in [m.raw_type, m.key_size, m.value_size, m.max_entries, m.flags] {
            self.u32(v);
        }
        self.u8(u8::from(m.global_data));
        match &m.inner {
            None => self.u8(0),
            Some(inner) => {
                self.u8(1);
                self.map(inner);
            }
        }
        self.bytes(&m.data);
        self.len(m.initial_values.len());
        for (index, target) in &m.initial_values {
            self.u32(*index);
            match target {
                InitTarget::Map(i) => {
                    self.u8(0);
                    self.u32(*i);
                }
                InitTarget::Program(name) => {
                    self.u8(1);
                    self.str(name);
                }
            }
        }
    }
    fn program(&mut self, p: &NativeProgram) {
        self.str(&p.section);
        self.str(&p.function);
        self.str(&p.program_type);
        self.u32(p.program_type_number);
        match &p.attach_type {
            None => self.u8(0),
            Some((name, number)) => {
                self.u8(1);
                self.str(name);
                self.u32(*number);
            }
        }
        self.u32(p.instructions);
        self.u64(p.instruction_bound);
        self.0.extend_from_slice(&p.type_hash);
        self.len(p.helpers.len());
        for (id, hash) in &p.helpers {
            self.u32(*id);
            self.0.extend_from_slice(hash);
        }
        self.len(p.maps_used.len());
        for m in &p.maps_used {
            self.u32(*m);
        }
        self.bytes(&p.code);
        self.u32(p.entry);
        self.u8(u8::from(p.uses_stack));
        self.len(p.relocations.len());
        for r in &p.relocations {
            self.u32(r.offset);
            self.u8(match r.kind {
                RelocKind::MapHandle => 0,
                RelocKind::MapValue => 1,
            });
            self.u32(r.map);
            self.u32(r.addend);
        }
    }
}

/// Reads little-endian fields from the body; every read checks the length first.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn truncated(&self, what: &'static str) -> ImageError {
        ImageError::at(self.pos, ImageErrorKind::Truncated { what })
    }
    fn malformed(&self, at: usize, what: &'static str) -> ImageError {
        ImageError::at(at, ImageErrorKind::Malformed { what })
    }
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], ImageError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or_else(|| self.truncated(what))?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }
    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], ImageError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }
    fn u8(&mut self, what: &'static str) -> Result<u8, ImageError> {
        Ok(self.array::<1>(what)?[0])
    }
    fn flag(&mut self, what: &'static str) -> Result<bool, ImageError> {
        let at = self.pos;
        match self.u8(what)? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(self.malformed(at, what)),
        }
    }
    fn u32(&mut self, what: &'static str) -> Result<u32, ImageError> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }
    fn u64(&mut self, what: &'static str) -> Result<u64, ImageError> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }
    fn bytes(&mut self, what: &'static str) -> Result<&'a [u8], ImageError> {
        let n = self.u32(what)?;
        self.take(n as usize, what)
    }
    fn str(&mut self, what: &'static str) -> Result<String, ImageError> {
        let at = self.pos;
        let b = self.bytes(what)?;
        core::str::from_utf8(b)
            .map(String::from)
            .map_err(|_| self.malformed(at, what))
    }
    /// A count of items of at least `min` bytes each: more than the bytes left could hold is
    /// a truncation, found before anything is allocated for them.
    fn count(&mut self, min: usize, what: &'static str) -> Result<usize, ImageError> {
        let n = self.u32(what)? as usize;
        if n.saturating_mul(min) > self.bytes.len() - self.pos {
            return Err(self.truncated(what));
        }
        Ok(n)
    }
    fn map(&mut self, depth: u32) -> Result<MapSpec, ImageError> {
        let name = self.str("a map's name")?;
        let mut v = [0u32; 5];
        for slot in &mut v {
            *slot = self.u32("a map's definition")?;
        }
        let global_data = self.flag("a map's global-data flag")?;
        let at = self.pos;
        let inner = if self.flag("a map's inner-map flag")? {
            if depth >= MAX_INNER_DEPTH {
                return Err(self.malformed(at, "inner maps nested too deep"));
            }
            Some(Box::new(self.map(depth + 1)?))
        } else {
            None
        };
        let data = self.bytes("a map's initial data")?.to_vec();
        let n = self.count(9, "a map's initial values")?;
        let mut initial_values = Vec::with_capacity(n);
        for _ in 0..n {
            let index = self.u32("an initial value's index")?;
            let at = self.pos;
            let target = match self.u8("an initial value's kind")? {
                0 => InitTarget::Map(self.u32("an initial value's map")?),
                1 => InitTarget::Program(self.str("an initial value's program")?),
                _ => return Err(self.malformed(at, "an initial value's kind")),
            };
            initial_values.push((index, target));
        }
        Ok(MapSpec {
            name,
            raw_type: v[0],
            key_size: v[1],
            value_size: v[2],
            max_entries: v[3],
            flags: v[4],
            global_data,
            inner,
            data,
            initial_values,
        })
    }
    fn program(&mut self) -> Result<NativeProgram, ImageError> {
        let section = self.str("a program's section")?;
        let function = self.str("a program's function")?;
        let program_type = self.str("a program's type")?;
        let program_type_number = self.u32("a program's type number")?;
        let attach_type = if self.flag("a program's attach-type flag")? {
            Some((
                self.str("a program's attach type")?,
                self.u32("a program's attach type number")?,
            ))
        } else {
            None
        };
        let instructions = self.u32("a program's instruction count")?;
        let instruction_bound = self.u64("a program's instruction bound")?;
        let type_hash = self.array("a program's type hash")?;
        let n = self.count(36, "a program's helpers")?;
        let mut helpers = Vec::with_capacity(n);
        for _ in 0..n {
            helpers.push((
                self.u32("a helper id")?,
                self.array("a helper's prototype hash")?,
            ));
        }
        let n = self.count(4, "a program's maps")?;
        let mut maps_used = Vec::with_capacity(n);
        for _ in 0..n {
            maps_used.push(self.u32("a program's map index")?);
        }
        let code = self.bytes("a program's code")?.to_vec();
        let entry = self.u32("a program's entry offset")?;
        let uses_stack = self.flag("a program's stack flag")?;
        let n = self.count(13, "a program's relocations")?;
        let mut relocations = Vec::with_capacity(n);
        for _ in 0..n {
            let offset = self.u32("a relocation's offset")?;
            let at = self.pos;
            let kind = match self.u8("a relocation's kind")? {
                0 => RelocKind::MapHandle,
                1 => RelocKind::MapValue,
                _ => return Err(self.malformed(at, "a relocation's kind")),
            };
            let map = self.u32("a relocation's map")?;
            let addend = self.u32("a relocation's addend")?;
            relocations.push(Relocation {
                offset,
                kind,
                map,
                addend,
            });
        }
        Ok(NativeProgram {
            section,
            function,
            program_type,
            program_type_number,
            attach_type,
            instructions,
            instruction_bound,
            type_hash,
            helpers,
            maps_used,
            code,
            entry,
            uses_stack,
            relocations,
        })
    }
}

/// The parts of an image file: header and body (what is signed), and the signature block.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Parts<'a> {
    /// Header and body.
    pub(crate) signed: &'a [u8],
    /// The body alone.
    pub(crate) body: &'a [u8],
    /// The signer's public key and the signature, when the image is signed.
    pub(crate) signature: Option<(&'a [u8; 32], &'a [u8; 64])>,
}

/// Splits `bytes` into header, body and signature block, checking magic, version and lengths.
pub(crate) fn split(bytes: &[u8]) -> Result<Parts<'_>, ImageError> {
    if bytes.len() < MAGIC.len() {
        let kind = if MAGIC.starts_with(bytes) {
            ImageErrorKind::Truncated { what: "the header" }
        } else {
            ImageErrorKind::NotAnImage
        };
        return Err(ImageError::at(0, kind));
    }
    if bytes[..8] != MAGIC {
        return Err(ImageError::at(0, ImageErrorKind::NotAnImage));
    }
    let mut r = Reader { bytes, pos: 8 };
    let version = r.u32("the header")?;
    if version != FORMAT_VERSION {
        return Err(ImageError::at(
            8,
            ImageErrorKind::UnsupportedVersion { version },
        ));
    }
    let body = r.bytes("the body")?;
    let signed = &bytes[..r.pos];
    let rest = &bytes[r.pos..];
    let signature = match rest.len() {
        0 => None,
        SIGNATURE_BLOCK_LEN if rest[..4] == SIGNATURE_TAG => {
            let key = rest[4..36].try_into().ok();
            let sig = rest[36..].try_into().ok();
            key.zip(sig)
        }
        n if n < SIGNATURE_BLOCK_LEN && SIGNATURE_TAG.starts_with(&rest[..n.min(4)]) => {
            return Err(ImageError::at(
                r.pos,
                ImageErrorKind::Truncated {
                    what: "the signature block",
                },
            ))
        }
        _ => {
            return Err(ImageError::at(
                r.pos,
                ImageErrorKind::Malformed {
                    what: "bytes after the body that are not a signature block",
                },
            ))
        }
    };
    Ok(Parts {
        signed,
        body,
        signature,
    })
}

impl NativeImage {
    /// The unsigned image file: header and body.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer(Vec::new());
        w.str(&self.platform);
        w.u32(self.abi_version);
        w.len(self.maps.len());
        for m in &self.maps {
            w.map(m);
        }
        w.len(self.programs.len());
        for p in &self.programs {
            w.program(p);
        }
        let body = w.0;
        let mut out = Vec::with_capacity(HEADER_LEN + body.len() + SIGNATURE_BLOCK_LEN);
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&u32::try_from(body.len()).unwrap_or(u32::MAX).to_le_bytes());
        out.extend_from_slice(&body);
        out
    }

    /// Reads an image file (signed or not) without checking its signature: for inspection,
    /// and for [`Host::load_image`](crate::Host::load_image) once the signature is checked.
    pub fn decode(bytes: &[u8]) -> Result<NativeImage, ImageError> {
        let parts = split(bytes)?;
        let mut r = Reader {
            bytes: parts.body,
            pos: 0,
        };
        let image = decode_body(&mut r).map_err(|e| e.shifted(HEADER_LEN))?;
        if r.pos != parts.body.len() {
            return Err(ImageError::at(
                HEADER_LEN + r.pos,
                ImageErrorKind::Malformed {
                    what: "bytes left in the body after the last program",
                },
            ));
        }
        Ok(image)
    }
}

fn decode_body(r: &mut Reader<'_>) -> Result<NativeImage, ImageError> {
    let platform = r.str("the platform name")?;
    let abi_version = r.u32("the ABI version")?;
    let n = r.count(34, "the maps")?;
    let mut maps = Vec::with_capacity(n);
    for _ in 0..n {
        maps.push(r.map(0)?);
    }
    let n = r.count(78, "the programs")?;
    let mut programs = Vec::with_capacity(n);
    for _ in 0..n {
        programs.push(r.program()?);
    }
    Ok(NativeImage {
        platform,
        abi_version,
        maps,
        programs,
    })
}
