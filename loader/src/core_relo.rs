//! CO-RE ("compile once, run everywhere") relocations from `.BTF.ext`.
//!
//! A host outside Linux has no kernel BTF to relocate against, so the target types are the
//! object's own: each relocation's access string is walked through the local BTF, the value
//! (field offset, size, existence, type size or id) is computed and written into the
//! instruction, after checking that the instruction is one a CO-RE relocation may patch. This
//! catches malformed access strings and relocations on the wrong instruction. Kinds that need a
//! real target (bitfield shifts, signedness, enum values) fail with
//! [`LoadErrorKind::UnsupportedCoreRelocation`] naming the relocation.

use alloc::string::String;
use alloc::vec::Vec;

use crate::btf::{Btf, BtfKind};
use crate::btf_ext::CoreRelo;
use crate::error::{LoadError, LoadErrorKind};

/// Deepest access string accepted.
const MAX_ACCESS: usize = 64;

/// Applies `relo` to the instruction bytes `code` of one section.
pub(crate) fn apply(btf: &Btf, relo: &CoreRelo, code: &mut [u8]) -> Result<(), LoadError> {
    let access = btf.string(relo.access_str_off).unwrap_or("");
    let unsupported = || {
        LoadError::new(LoadErrorKind::UnsupportedCoreRelocation {
            kind: String::from(relo.kind_name()),
            access: String::from(access),
            type_name: btf.describe(relo.type_id),
        })
        .at(u64::from(relo.insn_off))
    };
    let bad = |what: String| {
        LoadError::new(LoadErrorKind::BadRelocation {
            what: alloc::format!("CO-RE {} (access {access}): {what}", relo.kind_name()),
        })
        .at(u64::from(relo.insn_off))
    };
    let value: u64 = match relo.kind {
        // field_byte_offset, field_byte_size, field_exists
        0..=2 => {
            let (offset, size) = walk(btf, relo.type_id, access).map_err(bad)?;
            match relo.kind {
                0 => offset,
                1 => size,
                _ => 1,
            }
        }
        // type_id_local, type_id_target: the local type is the target type.
        6 | 7 => u64::from(relo.type_id),
        // type_exists, type_matches
        8 | 12 => 1,
        // type_size
        9 => btf
            .size_of(relo.type_id)
            .map_err(|e| bad(alloc::format!("{e}")))?,
        _ => return Err(unsupported()),
    };
    patch(code, relo.insn_off as usize, value).map_err(bad)
}

/// Walks access string `access` (`0:1:2`) from type `type_id`: returns the byte offset and
/// byte size of the field it names.
fn walk(btf: &Btf, type_id: u32, access: &str) -> Result<(u64, u64), String> {
    let err = |e: LoadError| alloc::format!("{e}");
    let indexes: Vec<u64> = access
        .split(':')
        .map(|s| {
            s.parse::<u64>()
                .map_err(|_| alloc::format!("bad access string `{access}`"))
        })
        .collect::<Result<_, _>>()?;
    if indexes.is_empty() || indexes.len() > MAX_ACCESS {
        return Err(alloc::format!("bad access string `{access}`"));
    }
    let mut ty = type_id;
    let base_size = btf.size_of(ty).map_err(err)?;
    let mut offset = indexes[0]
        .checked_mul(base_size)
        .ok_or_else(|| String::from("offset overflows"))?;
    for &index in &indexes[1..] {
        let id = btf.resolve(ty).map_err(err)?;
        match btf.get(id).map(|t| &t.kind) {
            Some(BtfKind::Struct { members, .. }) => {
                let m = usize::try_from(index).ok().and_then(|i| members.get(i));
                let m =
                    m.ok_or_else(|| alloc::format!("{} has no member {index}", btf.describe(id)))?;
                if m.offset % 8 != 0 {
                    return Err(alloc::format!(
                        "member {index} of {} is a bitfield",
                        btf.describe(id)
                    ));
                }
                offset += u64::from(m.offset / 8);
                ty = m.type_id;
            }
            Some(BtfKind::Array { elem, nelems }) => {
                if index >= u64::from(*nelems) && *nelems != 0 {
                    return Err(alloc::format!(
                        "index {index} past the array's {nelems} elements"
                    ));
                }
                let elem_size = btf.size_of(*elem).map_err(err)?;
                offset = index
                    .checked_mul(elem_size)
                    .and_then(|o| o.checked_add(offset))
                    .ok_or_else(|| String::from("offset overflows"))?;
                ty = *elem;
            }
            _ => {
                return Err(alloc::format!(
                    "{} has no fields to index",
                    btf.describe(id)
                ))
            }
        }
    }
    Ok((offset, btf.size_of(ty).map_err(err)?))
}

/// Writes `value` into the instruction at byte `at`: the offset of a memory access, the
/// immediate of an ALU instruction, or both immediates of an `LDDW`.
fn patch(code: &mut [u8], at: usize, value: u64) -> Result<(), String> {
    let slot = at
        .checked_add(8)
        .and_then(|end| code.get_mut(at..end))
        .filter(|_| at % 8 == 0)
        .ok_or_else(|| String::from("instruction offset outside the section"))?;
    let opcode = slot[0];
    let class = opcode & 7;
    let imm32 = || i32::try_from(value).map_err(|_| alloc::format!("value {value} overflows imm"));
    match class {
        // LDX, ST, STX with MEM mode: the offset field.
        1..=3 if opcode & 0xe0 == 0x60 => {
            let off =
                i16::try_from(value).map_err(|_| alloc::format!("value {value} overflows off"))?;
            slot[2..4].copy_from_slice(&off.to_le_bytes());
        }
        // ALU / ALU64 with an immediate operand.
        4 | 7 if opcode & 0x08 == 0 => slot[4..8].copy_from_slice(&imm32()?.to_le_bytes()),
        0 if opcode == 0x18 => {
            let next = code
                .get_mut(at + 8..at + 16)
                .ok_or_else(|| String::from("LDDW truncated"))?;
            next[4..8].copy_from_slice(&((value >> 32) as u32).to_le_bytes());
            code[at + 4..at + 8].copy_from_slice(&(value as u32).to_le_bytes());
        }
        _ => {
            return Err(alloc::format!(
                "opcode {opcode:#04x} cannot take a CO-RE value"
            ))
        }
    }
    Ok(())
}
