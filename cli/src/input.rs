//! Program files on the command line, told apart by their content, not their name: an ELF
//! object (`\x7fELF`), raw instruction bytes (anything holding a NUL byte: every instruction
//! stream does, text never does) or assembly text.

use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use ebpf_isa::Insn;

/// What a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An ELF object (clang `-target bpf` output).
    Elf,
    /// Raw 8-byte instructions.
    Raw,
    /// Assembly text.
    Text,
}

/// The kind of `bytes`.
pub fn kind(bytes: &[u8]) -> Kind {
    if crate::object::is_elf(bytes) {
        Kind::Elf
    } else if bytes.contains(&0) {
        Kind::Raw
    } else {
        Kind::Text
    }
}

/// Reads the file at `path`.
pub fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Whether the file at `path` is an ELF object (unreadable files are not: the caller's
/// non-ELF path reports them).
pub fn is_elf_file(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && kind(&magic) == Kind::Elf
}

/// The program in `path` for `ebpf COMMAND` (`run`, `disasm`): raw bytes decoded or text
/// assembled. An ELF object, or a file without instructions, is an error saying what to do.
pub fn program(path: &Path, command: &str) -> Result<Vec<Insn>> {
    let bytes = read(path)?;
    let shown = path.display();
    let insns = match kind(&bytes) {
        Kind::Elf => bail!(
            "{shown} is an ELF object, and `ebpf {command}` takes raw instruction bytes or \
             assembly text (running objects is not supported yet): try `ebpf verify {shown}`, \
             `ebpf disasm {shown}` or `ebpf sections {shown}`"
        ),
        Kind::Raw => ebpf_isa::decode(&bytes).map_err(|e| anyhow!("{shown}: {e}"))?,
        Kind::Text => assemble(path, &bytes)?,
    };
    non_empty(path, insns)
}

/// The assembly text in `path`, assembled, for `ebpf asm`: an ELF object, raw bytes or a file
/// without instructions is an error saying what to do.
pub fn assembly(path: &Path) -> Result<Vec<Insn>> {
    let bytes = read(path)?;
    let shown = path.display();
    let insns = match kind(&bytes) {
        Kind::Elf => bail!(
            "{shown} is an ELF object, not assembly text; `ebpf disasm {shown}` prints its \
             programs as text"
        ),
        Kind::Raw => bail!(
            "{shown} holds binary data (raw instructions?), not assembly text; `ebpf disasm \
             {shown}` prints raw instructions as text"
        ),
        Kind::Text => assemble(path, &bytes)?,
    };
    non_empty(path, insns)
}

fn assemble(path: &Path, bytes: &[u8]) -> Result<Vec<Insn>> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| anyhow!("{}: not UTF-8 text: {e}", path.display()))?;
    ebpf_isa::asm::assemble(text).map_err(|e| anyhow!("{}: {e}", path.display()))
}

fn non_empty(path: &Path, insns: Vec<Insn>) -> Result<Vec<Insn>> {
    if insns.is_empty() {
        bail!("{}: the program is empty (no instructions)", path.display());
    }
    Ok(insns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_come_from_the_content() {
        assert_eq!(kind(b"\x7fELF\x02\x01\x01\0"), Kind::Elf);
        assert_eq!(kind(&[0x95, 0, 0, 0, 0, 0, 0, 0]), Kind::Raw);
        assert_eq!(kind(b"mov %r0, 1\nexit\n"), Kind::Text);
        assert_eq!(kind(b""), Kind::Text);
    }
}
