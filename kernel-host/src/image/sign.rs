//! Ed25519 signatures of images (`ed25519-dalek`, `no_std`): [`sign`] appends the signature
//! block, [`check_signature`] checks it against the keys a host trusts.

use alloc::vec::Vec;

use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};

use super::format::{split, SIGNATURE_TAG};
use super::{ImageError, ImageErrorKind};

/// Who signed an image that passed [`check_signature`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signer {
    /// Nobody: an unsigned image, accepted because the caller allowed those.
    Unsigned,
    /// The trusted key with this public half.
    Key([u8; 32]),
}

/// The public key of the secret key `secret` (an ed25519 seed).
pub fn public_key(secret: &[u8; 32]) -> [u8; 32] {
    SigningKey::from_bytes(secret).verifying_key().to_bytes()
}

/// The signed image file: `unsigned` (an image file without a signature block) followed by
/// the block holding `secret`'s public key and the signature of everything before it.
pub fn sign(unsigned: &[u8], secret: &[u8; 32]) -> Result<Vec<u8>, ImageError> {
    let parts = split(unsigned)?;
    if parts.signature.is_some() {
        return Err(ImageError::new(ImageErrorKind::AlreadySigned));
    }
    let key = SigningKey::from_bytes(secret);
    let signature = key.sign(parts.signed);
    let mut out = Vec::with_capacity(unsigned.len() + 100);
    out.extend_from_slice(unsigned);
    out.extend_from_slice(&SIGNATURE_TAG);
    out.extend_from_slice(key.verifying_key().as_bytes());
    out.extend_from_slice(&signature.to_bytes());
    Ok(out)
}

/// Checks the image file `bytes`: a signed image must carry a valid signature (else
/// [`ImageErrorKind::BadSignature`]: a byte was changed after signing) by one of `trusted`
/// (else [`ImageErrorKind::UntrustedKey`]); an unsigned one is refused
/// ([`ImageErrorKind::Unsigned`]) unless `allow_unsigned`.
pub fn check_signature(
    bytes: &[u8],
    trusted: &[[u8; 32]],
    allow_unsigned: bool,
) -> Result<Signer, ImageError> {
    let parts = split(bytes)?;
    let Some((key, signature)) = parts.signature else {
        return if allow_unsigned {
            Ok(Signer::Unsigned)
        } else {
            Err(ImageError::new(ImageErrorKind::Unsigned))
        };
    };
    let bad = || ImageError::new(ImageErrorKind::BadSignature);
    let verifying = VerifyingKey::from_bytes(key).map_err(|_| bad())?;
    verifying
        .verify_strict(parts.signed, &Signature::from_bytes(signature))
        .map_err(|_| bad())?;
    if !trusted.contains(key) {
        return Err(ImageError::new(ImageErrorKind::UntrustedKey {
            key: *key,
            trusted: trusted.len(),
        }));
    }
    Ok(Signer::Key(*key))
}
