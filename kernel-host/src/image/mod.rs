//! Signed native images, the equivalent of eBPF for Windows' bpf2c drivers: an object's
//! programs verified and compiled ahead of time, loaded by a host without the loader, the
//! verifier or the JIT.
//!
//! - [`NativeImage`] ([`format`]): one object's maps ([`MapSpec`](crate::mapspec::MapSpec):
//!   definitions, global data, initial values of program arrays and maps of maps) and
//!   programs ([`NativeProgram`]: position-independent x86-64 code from the JIT with its
//!   [`Relocation`]s, the helper ids it calls, program and attach type, instruction bound,
//!   section and function), encoded little-endian and length-checked, decoded without panics
//!   on any bytes.
//! - [`hash`]: the platform description each program was verified against (its program type
//!   with the context layout, the prototypes of the helpers it calls) in a canonical encoding,
//!   hashed with SHA-256.
//! - [`sign`](mod@sign): ed25519 signatures over header and body.
//! - `build` (feature `std`): [`compile`] verifies and compiles an ELF object into an image.
//! - [`Host::load_image`](crate::Host::load_image) checks the signature against the keys it is
//!   given and each program's platform hash against its own platform, creates the maps,
//!   copies the code to executable memory from the [`Os`](crate::Os), writes the relocations
//!   and fills program arrays. This needs neither feature `std` nor `ebpf-jit`: a `no_std`
//!   host runs images on x86-64 (elsewhere they are checked, then refused with
//!   [`LoadErrorKind::NoJit`](crate::LoadErrorKind::NoJit)).
//!
//! The format is documented in `docs/images.md`.

use core::fmt;

#[cfg(feature = "std")]
mod build;
pub mod format;
pub mod hash;
pub(crate) mod load;
pub mod sign;

#[cfg(feature = "std")]
pub use build::{compile, CompileOptions};
pub use format::{NativeImage, NativeProgram, RelocKind, Relocation};
pub use sign::{check_signature, public_key, sign, Signer};

/// How [`Host::load_image`](crate::Host::load_image) treats an image.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImageLoadOptions {
    /// Accept an image without a signature (a signed image must still be signed by a trusted
    /// key). Off by default.
    pub allow_unsigned: bool,
}

impl ImageLoadOptions {
    /// Signatures required.
    pub fn new() -> Self {
        Self::default()
    }

    /// Accepts unsigned images too.
    pub fn allowing_unsigned(mut self, allow: bool) -> Self {
        self.allow_unsigned = allow;
        self
    }
}

/// Why an image was refused: where (a byte offset in the file, when it is about the bytes)
/// and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageError {
    offset: Option<usize>,
    kind: ImageErrorKind,
}

/// What is wrong with an image.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ImageErrorKind {
    /// The bytes do not start with the image magic.
    NotAnImage,
    /// A format version this host does not read.
    UnsupportedVersion {
        /// The image's.
        version: u32,
    },
    /// The bytes end inside a field.
    Truncated {
        /// The field.
        what: &'static str,
    },
    /// A field holds a value no image has.
    Malformed {
        /// The field, or what is wrong.
        what: &'static str,
    },
    /// The image has no signature and signatures are required.
    Unsigned,
    /// The signature does not match the bytes: the image was changed after signing.
    BadSignature,
    /// A valid signature by a key the host was not told to trust.
    UntrustedKey {
        /// The signer's public key.
        key: [u8; 32],
        /// How many keys the host trusts.
        trusted: usize,
    },
    /// Signing an image that already has a signature.
    AlreadySigned,
    /// The image is for another platform than the host's.
    PlatformMismatch {
        /// The image's platform.
        image: alloc::string::String,
        /// The host's.
        host: &'static str,
    },
    /// The host's description of the program's platform differs from the one it was verified
    /// against.
    PlatformChanged {
        /// What differs (a helper's prototype, the program type and context).
        what: alloc::string::String,
    },
    /// The code expects another JIT ABI than this host's.
    AbiMismatch {
        /// The image's.
        image: u32,
        /// The host's.
        host: u32,
    },
    /// A helper the program calls has no implementation in this host.
    MissingHelper {
        /// Its id.
        id: u32,
        /// Its name on the platform.
        name: &'static str,
    },
    /// A relocation, an entry offset or a map index points outside what the image holds.
    BadReference {
        /// What.
        what: alloc::string::String,
    },
}

impl ImageError {
    /// An error of `kind`, not about one byte offset.
    pub fn new(kind: ImageErrorKind) -> Self {
        ImageError { offset: None, kind }
    }

    pub(crate) fn at(offset: usize, kind: ImageErrorKind) -> Self {
        ImageError {
            offset: Some(offset),
            kind,
        }
    }

    /// The offset moved by `by` (from the body's start to the file's).
    pub(crate) fn shifted(mut self, by: usize) -> Self {
        self.offset = self.offset.map(|o| o + by);
        self
    }

    /// The byte offset in the file, when the error is about the bytes.
    pub fn offset(&self) -> Option<usize> {
        self.offset
    }

    /// What is wrong.
    pub fn kind(&self) -> &ImageErrorKind {
        &self.kind
    }
}

impl fmt::Display for ImageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(offset) = self.offset {
            write!(f, "image byte {offset}: ")?;
        }
        match &self.kind {
            ImageErrorKind::NotAnImage => f.write_str("not a native image (no EBPFNIMG magic)"),
            ImageErrorKind::UnsupportedVersion { version } => write!(
                f,
                "image format version {version} is not supported (this host reads {})",
                format::FORMAT_VERSION
            ),
            ImageErrorKind::Truncated { what } => write!(f, "truncated image: {what} is cut off"),
            ImageErrorKind::Malformed { what } => write!(f, "malformed image: {what}"),
            ImageErrorKind::Unsigned => {
                f.write_str("the image is unsigned, and a signature by a trusted key is required")
            }
            ImageErrorKind::BadSignature => f.write_str(
                "bad signature: the image was changed after it was signed (or the signature is \
                 corrupt)",
            ),
            ImageErrorKind::UntrustedKey { key, trusted } => write!(
                f,
                "the image is signed by key {}, which is not among the {trusted} trusted key{}",
                hash::hex(key),
                if *trusted == 1 { "" } else { "s" }
            ),
            ImageErrorKind::AlreadySigned => f.write_str("the image is already signed"),
            ImageErrorKind::PlatformMismatch { image, host } => write!(
                f,
                "the image is for the {image} platform, the host is {host}"
            ),
            ImageErrorKind::PlatformChanged { what } => write!(
                f,
                "platform hash mismatch: {what} differs from the description the program was \
                 verified against"
            ),
            ImageErrorKind::AbiMismatch { image, host } => write!(
                f,
                "the code was compiled for JIT ABI {image}, the host runs ABI {host}"
            ),
            ImageErrorKind::MissingHelper { id, name } => {
                write!(f, "helper {name} ({id}) has no implementation in this host")
            }
            ImageErrorKind::BadReference { what } => write!(f, "bad reference: {what}"),
        }
    }
}

impl core::error::Error for ImageError {}
