//! Hex text to bytes and back, as the conformance files and plugin protocol write it.

use anyhow::{bail, Result};

/// Parses hex bytes: either whitespace-separated pairs (`00 01 ff`) or one contiguous string
/// (`0001ff`), optionally with a `0x` prefix on each token.
pub fn parse_bytes(text: &str) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    for token in text.split_whitespace() {
        let digits = token
            .strip_prefix("0x")
            .or_else(|| token.strip_prefix("0X"))
            .unwrap_or(token);
        if digits.len() % 2 != 0 {
            bail!("hex token `{token}` has an odd number of digits");
        }
        for (i, pair) in digits.as_bytes().chunks(2).enumerate() {
            let pair = core::str::from_utf8(pair).unwrap_or("??");
            match u8::from_str_radix(pair, 16) {
                Ok(b) => out.push(b),
                Err(_) => bail!(
                    "`{pair}` at position {} of `{token}` is not a hex byte",
                    2 * i
                ),
            }
        }
    }
    Ok(out)
}

/// Parses a number written in hex (`0x..`) or decimal, as a full 64-bit value
/// (negative decimals wrap to two's complement).
pub fn parse_u64(text: &str) -> Result<u64> {
    let t = text.trim();
    let parsed = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()
    } else if let Some(d) = t.strip_prefix('-') {
        d.parse::<u64>().ok().map(u64::wrapping_neg)
    } else {
        t.parse::<u64>().ok()
    };
    match parsed {
        Some(v) => Ok(v),
        None => bail!("`{t}` is not a 64-bit number"),
    }
}

/// Bytes as contiguous lowercase hex.
pub fn to_hex(bytes: &[u8]) -> String {
    use core::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_in_both_layouts() {
        assert_eq!(parse_bytes("00 01 ff").unwrap(), vec![0, 1, 255]);
        assert_eq!(parse_bytes("0001ff\n").unwrap(), vec![0, 1, 255]);
        assert_eq!(parse_bytes("").unwrap(), Vec::<u8>::new());
        assert!(parse_bytes("0g").is_err());
        assert!(parse_bytes("012").is_err());
        assert_eq!(to_hex(&[0xab, 0x01]), "ab01");
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_u64("0xFFFFFFFFFFFFFFF6  ").unwrap(), (-10i64) as u64);
        assert_eq!(parse_u64("-1").unwrap(), u64::MAX);
        assert_eq!(parse_u64("42").unwrap(), 42);
        assert!(parse_u64("0x1_0").is_err());
        assert!(parse_u64("0x10000000000000000").is_err());
    }
}
