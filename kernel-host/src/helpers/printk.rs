//! `bpf_trace_printk`: a format string and up to three numbers, written as one line to the
//! [`Os`](crate::Os) trace sink.
//!
//! - Linux (6, `(fmt, fmt_size, a, b, c)`): `fmt_size` bytes ending in a NUL; conversions
//!   `%d %i %u %x %X %c %p` with the flags `0 + - space`, a width and the `l`/`ll` length
//!   modifiers, and `%%`; at most three (`%s` and the other `%p` forms read kernel memory and
//!   are refused here). Returns the length of the formatted text, newline included; `-EINVAL`
//!   for a bad format.
//! - eBPF for Windows (12 to 15: two to five arguments, `(fmt, fmt_size, ...)`): `fmt_size` in
//!   `[2, 511]`; only `%d %i %u %x` with `l`/`ll` and `%%`, exactly as many as the arguments;
//!   one trailing newline is dropped. Returns the bytes written, or -1.

use ebpf_interp::HelperError;

use super::Call;
use crate::error::errno;

/// The longest line written.
const LINE: usize = 512;

/// A fixed buffer that formatted text goes to (output past its end is dropped).
struct Line {
    buf: [u8; LINE],
    len: usize,
}

impl Line {
    fn new() -> Self {
        Line {
            buf: [0; LINE],
            len: 0,
        }
    }

    fn push(&mut self, b: u8) {
        if self.len < LINE {
            self.buf[self.len] = b;
            self.len += 1;
        }
    }

    fn text(&self) -> &str {
        core::str::from_utf8(&self.buf[..self.len]).unwrap_or("<invalid UTF-8>")
    }
}

/// One conversion's options.
#[derive(Default)]
struct Spec {
    left: bool,
    zero: bool,
    plus: bool,
    space: bool,
    width: usize,
    long: bool,
}

/// Writes `digits` (most significant first) with `sign` as `spec` pads them.
fn pad(out: &mut Line, spec: &Spec, sign: Option<u8>, prefix: &[u8], digits: &[u8]) {
    let body = digits.len() + prefix.len() + usize::from(sign.is_some());
    let fill = spec.width.saturating_sub(body);
    if !spec.left && !spec.zero {
        (0..fill).for_each(|_| out.push(b' '));
    }
    if let Some(s) = sign {
        out.push(s);
    }
    prefix.iter().for_each(|&b| out.push(b));
    if !spec.left && spec.zero {
        (0..fill).for_each(|_| out.push(b'0'));
    }
    digits.iter().for_each(|&b| out.push(b));
    if spec.left {
        (0..fill).for_each(|_| out.push(b' '));
    }
}

/// `value` in `base` (lowercase or uppercase letters), most significant digit first.
fn digits(mut value: u64, base: u64, upper: bool, buf: &mut [u8; 24]) -> &[u8] {
    let table: &[u8; 16] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = table[(value % base) as usize];
        value /= base;
        if value == 0 {
            break;
        }
    }
    &buf[at..]
}

/// Formats one numeric conversion `conv` of `arg`.
fn convert(out: &mut Line, spec: &Spec, conv: u8, arg: u64) {
    let mut buf = [0u8; 24];
    match conv {
        b'd' | b'i' => {
            let v = if spec.long {
                arg as i64
            } else {
                i64::from(arg as i32)
            };
            let sign = if v < 0 {
                Some(b'-')
            } else if spec.plus {
                Some(b'+')
            } else if spec.space {
                Some(b' ')
            } else {
                None
            };
            pad(
                out,
                spec,
                sign,
                b"",
                digits(v.unsigned_abs(), 10, false, &mut buf),
            );
        }
        b'u' | b'x' | b'X' => {
            let v = if spec.long {
                arg
            } else {
                u64::from(arg as u32)
            };
            let (base, upper) = match conv {
                b'u' => (10, false),
                b'x' => (16, false),
                _ => (16, true),
            };
            pad(out, spec, None, b"", digits(v, base, upper, &mut buf));
        }
        b'p' => pad(out, spec, None, b"0x", digits(arg, 16, false, &mut buf)),
        _ => pad(out, spec, None, b"", &[arg as u8]),
    }
}

/// Which platform's rules.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Rules {
    Linux,
    Windows,
}

/// Formats `fmt` with `args` into `out`; `None` when the format breaks `rules` or does not
/// use exactly the arguments given (Windows) or uses more than given (Linux).
fn format(fmt: &[u8], args: &[u64], rules: Rules, out: &mut Line) -> Option<()> {
    let mut used = 0;
    let mut i = 0;
    while i < fmt.len() {
        let b = fmt[i];
        i += 1;
        if b != b'%' {
            if rules == Rules::Linux && !(b.is_ascii_graphic() || b.is_ascii_whitespace()) {
                return None;
            }
            out.push(b);
            continue;
        }
        if fmt.get(i) == Some(&b'%') {
            out.push(b'%');
            i += 1;
            continue;
        }
        let mut spec = Spec::default();
        if rules == Rules::Linux {
            while let Some(&f) = fmt.get(i) {
                match f {
                    b'-' => spec.left = true,
                    b'0' => spec.zero = true,
                    b'+' => spec.plus = true,
                    b' ' => spec.space = true,
                    _ => break,
                }
                i += 1;
            }
            while let Some(d) = fmt.get(i).filter(|d| d.is_ascii_digit()) {
                spec.width = (spec.width * 10 + usize::from(d - b'0')).min(LINE);
                i += 1;
            }
        }
        let mut longs = 0;
        while fmt.get(i) == Some(&b'l') && longs < 2 {
            longs += 1;
            i += 1;
        }
        spec.long = longs > 0;
        let conv = *fmt.get(i)?;
        i += 1;
        let allowed: &[u8] = match rules {
            Rules::Linux if longs == 0 => b"diuxXcp",
            Rules::Linux => b"diuxX",
            Rules::Windows => b"diux",
        };
        if !allowed.contains(&conv) {
            return None;
        }
        let arg = *args.get(used)?;
        used += 1;
        convert(out, &spec, conv, arg);
    }
    (rules == Rules::Linux || used == args.len()).then_some(())
}

/// The format string: `size` bytes at `addr`, the last of them a NUL (not part of the text).
fn format_string<'m>(
    c: &'m Call<'_, '_>,
    addr: u64,
    size: u64,
) -> Result<Option<&'m [u8]>, HelperError> {
    let Ok(size) = usize::try_from(size) else {
        return Ok(None);
    };
    if size == 0 {
        return Ok(None);
    }
    let bytes = c.mem.read(addr, size)?;
    Ok(match bytes.split_last() {
        Some((0, text)) => Some(&text[..text.iter().position(|&b| b == 0).unwrap_or(text.len())]),
        _ => None,
    })
}

/// Linux `bpf_trace_printk(fmt, fmt_size, a, b, c)`.
pub(super) fn trace_printk(c: &mut Call<'_, '_>, a: [u64; 5]) -> Result<u64, HelperError> {
    let mut line = Line::new();
    let ok = match format_string(c, a[0], a[1])? {
        Some(fmt) => format(fmt, &a[2..5], Rules::Linux, &mut line).is_some(),
        None => false,
    };
    if !ok {
        return Ok((-i64::from(errno::EINVAL)) as u64);
    }
    let written = line.len;
    let text = line.text();
    c.frame
        .shared
        .os
        .trace(text.strip_suffix('\n').unwrap_or(text));
    Ok(written as u64)
}

/// eBPF for Windows' `bpf_trace_printk2` to `5` with `extra` numeric arguments.
fn trace_printk_windows(
    c: &mut Call<'_, '_>,
    a: [u64; 5],
    extra: usize,
) -> Result<u64, HelperError> {
    const FAIL: u64 = -1i64 as u64;
    if !(2..=511).contains(&a[1]) {
        return Ok(FAIL);
    }
    let mut line = Line::new();
    let ok = match format_string(c, a[0], a[1])? {
        Some(fmt) => {
            let fmt = fmt.strip_suffix(b"\n").unwrap_or(fmt);
            format(fmt, &a[2..2 + extra], Rules::Windows, &mut line).is_some()
        }
        None => false,
    };
    if !ok {
        return Ok(FAIL);
    }
    c.frame.shared.os.trace(line.text());
    Ok(line.len as u64)
}

/// `bpf_trace_printk2` (12).
pub(super) fn trace_printk2(c: &mut Call<'_, '_>, a: [u64; 5]) -> Result<u64, HelperError> {
    trace_printk_windows(c, a, 0)
}

/// `bpf_trace_printk3` (13).
pub(super) fn trace_printk3(c: &mut Call<'_, '_>, a: [u64; 5]) -> Result<u64, HelperError> {
    trace_printk_windows(c, a, 1)
}

/// `bpf_trace_printk4` (14).
pub(super) fn trace_printk4(c: &mut Call<'_, '_>, a: [u64; 5]) -> Result<u64, HelperError> {
    trace_printk_windows(c, a, 2)
}

/// `bpf_trace_printk5` (15).
pub(super) fn trace_printk5(c: &mut Call<'_, '_>, a: [u64; 5]) -> Result<u64, HelperError> {
    trace_printk_windows(c, a, 3)
}

#[cfg(test)]
mod tests {
    use super::{format, Line, Rules};

    fn linux(fmt: &str, args: &[u64]) -> Option<alloc::string::String> {
        let mut line = Line::new();
        format(fmt.as_bytes(), args, Rules::Linux, &mut line)?;
        Some(line.text().into())
    }

    fn windows(fmt: &str, args: &[u64]) -> Option<alloc::string::String> {
        let mut line = Line::new();
        format(fmt.as_bytes(), args, Rules::Windows, &mut line)?;
        Some(line.text().into())
    }

    #[test]
    fn linux_conversions() {
        assert_eq!(linux("len %d\n", &[60, 0, 0]).unwrap(), "len 60\n");
        assert_eq!(
            linux("%d %u", &[u64::MAX, u64::MAX, 0]).unwrap(),
            "-1 4294967295"
        );
        assert_eq!(linux("%lld %llx", &[u64::MAX, 255, 0]).unwrap(), "-1 ff");
        assert_eq!(
            linux("[%5d|%-4x|%04X]", &[42, 10, 171]).unwrap(),
            "[   42|a   |00AB]"
        );
        assert_eq!(
            linux("%c%c %p 100%%", &[104, 105, 4096]).unwrap(),
            "hi 0x1000 100%"
        );
        assert_eq!(linux("%+d", &[7, 0, 0]).unwrap(), "+7");
        assert_eq!(linux("%s", &[0, 0, 0]), None, "strings are refused");
        assert_eq!(linux("%d%d%d%d", &[1, 2, 3]), None, "at most three");
        assert_eq!(linux("%", &[0, 0, 0]), None);
        assert_eq!(linux("\x01", &[0, 0, 0]), None, "control characters");
    }

    #[test]
    fn windows_rules() {
        assert_eq!(windows("x=%d y=%lu", &[1, 2]).unwrap(), "x=1 y=2");
        assert_eq!(windows("%x", &[255]).unwrap(), "ff");
        assert_eq!(windows("%d", &[]), None, "a conversion without argument");
        assert_eq!(
            windows("none", &[1]),
            None,
            "an argument without conversion"
        );
        assert_eq!(windows("%5d", &[1]), None, "no widths");
        assert_eq!(windows("%c", &[1]), None, "only d i u x");
        assert_eq!(windows("100%%", &[]).unwrap(), "100%");
    }
}
