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

#[cfg(test)]
mod tests {
    use super::*;

    /// A `.BTF` with: 1 int (4 bytes), 2 long (8 bytes), 3 long[2], 4 struct s { int a; int b;
    /// long c[2]; }.
    fn btf() -> Btf {
        let strings = b"\0int\0long\0s\0a\0b\0c\0";
        let types: &[u32] = &[
            1,
            1 << 24,
            4,
            0x20, // 1: int
            5,
            1 << 24,
            8,
            0x40, // 2: long
            0,
            3 << 24,
            0,
            2,
            1,
            2, // 3: long[2]
            10,
            (4 << 24) | 3,
            24,
            12,
            1,
            0,
            14,
            1,
            32,
            16,
            3,
            64, // 4: struct s
        ];
        let mut out = Vec::new();
        out.extend_from_slice(&0xeb9fu16.to_le_bytes());
        out.extend_from_slice(&[1, 0]);
        let type_len = (types.len() * 4) as u32;
        for w in [24, 0, type_len, type_len, strings.len() as u32] {
            out.extend_from_slice(&w.to_le_bytes());
        }
        for w in types {
            out.extend_from_slice(&w.to_le_bytes());
        }
        out.extend_from_slice(strings);
        Btf::parse(&out).unwrap()
    }

    #[test]
    fn walks_members_and_array_elements() {
        let btf = btf();
        assert_eq!(
            walk(&btf, 4, "0:2:1"),
            Ok((16, 8)),
            "c at byte 8, c[1] at 16"
        );
        assert_eq!(walk(&btf, 4, "0:1"), Ok((4, 4)));
        assert_eq!(
            walk(&btf, 4, "1"),
            Ok((24, 24)),
            "index 1 of a pointer to struct s"
        );
        assert!(walk(&btf, 4, "0:3")
            .unwrap_err()
            .contains("has no member 3"));
        assert!(walk(&btf, 4, "0:2:2")
            .unwrap_err()
            .contains("past the array"));
        assert!(walk(&btf, 4, "0:x")
            .unwrap_err()
            .contains("bad access string"));
        assert!(walk(&btf, 1, "0:0").unwrap_err().contains("has no fields"));
    }

    #[test]
    fn patches_only_instructions_that_take_a_value() {
        // ldxdw r1, [r2+0]; mov r0, 0; ja +0
        let mut code = [
            0x79, 0x21, 0, 0, 0, 0, 0, 0, //
            0xb7, 0x00, 0, 0, 0, 0, 0, 0, //
            0x05, 0x00, 0, 0, 0, 0, 0, 0,
        ];
        patch(&mut code, 0, 24).unwrap();
        assert_eq!(code[2..4], 24i16.to_le_bytes());
        patch(&mut code, 8, 7).unwrap();
        assert_eq!(code[12..16], 7i32.to_le_bytes());
        assert!(patch(&mut code, 16, 1).unwrap_err().contains("cannot take"));
        assert!(patch(&mut code, 0, 1 << 20)
            .unwrap_err()
            .contains("overflows off"));
        assert!(patch(&mut code, 3, 1).is_err());
        assert!(patch(&mut code, 24, 1).is_err());
    }

    #[test]
    fn unsupported_kinds_name_the_relocation() {
        let btf = btf();
        let relo = CoreRelo {
            insn_off: 8,
            type_id: 4,
            access_str_off: 0,
            kind: 4,
        };
        let mut code = [0u8; 16];
        let e = apply(&btf, &relo, &mut code).unwrap_err();
        assert_eq!(
            alloc::format!("{e}"),
            "CO-RE relocation field_lshift_u64 on type `struct s` (access ) is not supported"
        );
        assert_eq!(e.offset(), Some(8));
    }
}
