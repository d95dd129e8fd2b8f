//! The wire forms of a request's and a reply's compound fields: map definitions, engines, and
//! lists kept as their checked bytes ([`StrList`], [`IdList`], [`ObjectList`]).

use super::codec::{len_u32, Reader, Writer};
use super::error::ProtocolError;
use super::message::{kind_code, read_kind};
use crate::object::ObjectKind;

/// A map definition on the wire (type numbers are the host platform's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WireMapDef {
    /// The platform's map type number.
    pub map_type: u32,
    /// Key size.
    pub key_size: u32,
    /// Value size.
    pub value_size: u32,
    /// Entry limit.
    pub max_entries: u32,
    /// Map flags.
    pub flags: u32,
}

impl WireMapDef {
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, ProtocolError> {
        Ok(WireMapDef {
            map_type: r.u32("map_type")?,
            key_size: r.u32("key_size")?,
            value_size: r.u32("value_size")?,
            max_entries: r.u32("max_entries")?,
            flags: r.u32("flags")?,
        })
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) {
        for v in [
            self.map_type,
            self.key_size,
            self.value_size,
            self.max_entries,
            self.flags,
        ] {
            w.u32(v);
        }
    }
}

/// A checked list of strings: a u32 count, then each string (u32 length, UTF-8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StrList<'a> {
    count: u32,
    bytes: &'a [u8],
}

impl<'a> StrList<'a> {
    /// The empty list.
    pub const EMPTY: StrList<'static> = StrList {
        count: 0,
        bytes: &[],
    };

    pub(crate) fn read(
        r: &mut Reader<'a>,
        field: &'static str,
        max: usize,
    ) -> Result<Self, ProtocolError> {
        let count = r.u32(field)?;
        if count as usize > max {
            return Err(ProtocolError::limit(format_args!(
                "{field}: {count} entries, the limit is {max}"
            )));
        }
        let start = r.clone();
        for _ in 0..count {
            r.str(field)?;
        }
        let used = start.remaining() - r.remaining();
        let mut again = start;
        Ok(StrList {
            count,
            bytes: again.take(used, field)?,
        })
    }

    /// Encodes `items` as a list into `w`.
    pub fn write_items(w: &mut Writer<'_>, items: &[&str]) {
        w.u32(len_u32(items.len()));
        for s in items {
            w.str(s);
        }
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) {
        w.u32(self.count);
        w.raw(self.bytes);
    }

    /// The number of strings.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The strings.
    pub fn iter(&self) -> impl Iterator<Item = &'a str> + 'a {
        let mut r = Reader::new(self.bytes, "list");
        (0..self.count).map_while(move |_| r.str("item").ok())
    }
}

/// A checked list of u32 ids (little-endian, 4 bytes each).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdList<'a> {
    bytes: &'a [u8],
}

impl<'a> IdList<'a> {
    /// A list over `bytes` (a multiple of 4 long; a trailing partial id is ignored).
    pub fn from_bytes(bytes: &'a [u8]) -> Self {
        IdList { bytes }
    }

    /// The ids.
    pub fn iter(&self) -> impl Iterator<Item = u32> + 'a {
        self.bytes
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }
}

/// One object a load created: its kind, handle, id and name (map name or entry function).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadedObject<'a> {
    /// Map or program.
    pub kind: ObjectKind,
    /// The handle opened for it.
    pub handle: u32,
    /// Its id.
    pub id: u32,
    /// Its name.
    pub name: &'a str,
}

/// A checked list of [`LoadedObject`]s: a u32 count, then each as kind u32, handle u32, id u32,
/// name string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ObjectList<'a> {
    count: u32,
    bytes: &'a [u8],
}

impl<'a> ObjectList<'a> {
    fn read_one(r: &mut Reader<'a>) -> Result<LoadedObject<'a>, ProtocolError> {
        Ok(LoadedObject {
            kind: read_kind(r, "kind")?,
            handle: r.u32("handle")?,
            id: r.u32("id")?,
            name: r.str("name")?,
        })
    }

    pub(crate) fn read(r: &mut Reader<'a>) -> Result<Self, ProtocolError> {
        let count = r.u32("objects")?;
        let start = r.clone();
        for _ in 0..count {
            Self::read_one(r)?;
        }
        let used = start.remaining() - r.remaining();
        let mut again = start;
        Ok(ObjectList {
            count,
            bytes: again.take(used, "objects")?,
        })
    }

    /// Encodes one entry (after the count, which [`ObjectList::write_count`] writes).
    pub fn write_entry(w: &mut Writer<'_>, o: &LoadedObject<'_>) {
        w.u32(kind_code(o.kind));
        w.u32(o.handle);
        w.u32(o.id);
        w.str(o.name);
    }

    /// Encodes the count that precedes the entries.
    pub fn write_count(w: &mut Writer<'_>, count: usize) {
        w.u32(len_u32(count));
    }

    /// The number of objects.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The objects.
    pub fn iter(&self) -> impl Iterator<Item = LoadedObject<'a>> + 'a {
        let mut r = Reader::new(self.bytes, "objects");
        (0..self.count).map_while(move |_| Self::read_one(&mut r).ok())
    }

    /// The object called `name`.
    pub fn find(&self, name: &str) -> Option<LoadedObject<'a>> {
        self.iter().find(|o| o.name == name)
    }
}

/// Which engine a load asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WireEngine {
    /// The host's default (the JIT where built, else the interpreter).
    Default,
    /// The interpreter.
    Interpreter,
    /// The JIT.
    Jit,
}

impl WireEngine {
    pub(crate) fn code(self) -> u8 {
        match self {
            WireEngine::Default => 0,
            WireEngine::Interpreter => 1,
            WireEngine::Jit => 2,
        }
    }
}
