//! Native image parsing on arbitrary bytes: the decoder and the signature check return errors,
//! never panic, and whatever decodes re-encodes to the same header and body.
#![no_main]

use ebpf_kernel_host::image::{self, NativeImage};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let trusted = [image::public_key(&[7; 32])];
    let _ = image::check_signature(data, &trusted, true);
    if let Ok(decoded) = NativeImage::decode(data) {
        let encoded = decoded.encode();
        assert_eq!(&data[..encoded.len()], &encoded[..], "decode then encode is the identity");
    }
});
