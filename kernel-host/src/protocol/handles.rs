//! [`HandleTable`]: a context's open handles (`u32` numbers, like file descriptors) to its
//! objects. A handle keeps its object alive until it is closed.
//!
//! Handle numbers are never reused within a context (a closed handle stays invalid instead of
//! naming a later object), start at 1 (0 is never a handle), and at most
//! [`Limits::max_handles`](super::Limits::max_handles) are open at once.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;

use super::error::{ErrorKind, ProtocolError};
use crate::object::{Link, MapObject, Object, ObjectKind};
use crate::program::Program;

/// The open handles of one context.
#[derive(Debug)]
pub struct HandleTable {
    open: BTreeMap<u32, Object>,
    next: u32,
    max: usize,
}

impl HandleTable {
    /// An empty table allowing `max` open handles.
    pub fn new(max: usize) -> Self {
        HandleTable {
            open: BTreeMap::new(),
            next: 1,
            max,
        }
    }

    /// The number of open handles.
    pub fn len(&self) -> usize {
        self.open.len()
    }

    /// Whether no handle is open.
    pub fn is_empty(&self) -> bool {
        self.open.is_empty()
    }

    /// Whether one more handle can be opened.
    pub fn check_room(&self) -> Result<(), ProtocolError> {
        if self.open.len() >= self.max {
            return Err(ProtocolError::limit(format_args!(
                "{} handles are open, the limit; close some first",
                self.open.len()
            )));
        }
        if self.next == u32::MAX {
            return Err(ProtocolError::limit(format_args!(
                "every handle number of this context has been used"
            )));
        }
        Ok(())
    }

    /// Opens a handle on `object`.
    pub fn open(&mut self, object: Object) -> Result<u32, ProtocolError> {
        self.check_room()?;
        let handle = self.next;
        self.next += 1;
        self.open.insert(handle, object);
        Ok(handle)
    }

    /// The object of `handle`.
    pub fn get(&self, handle: u32) -> Result<&Object, ProtocolError> {
        self.open.get(&handle).ok_or_else(|| self.missing(handle))
    }

    fn missing(&self, handle: u32) -> ProtocolError {
        let when = if handle != 0 && handle < self.next {
            "it was closed"
        } else {
            "it was never opened"
        };
        ProtocolError::new(ErrorKind::BadHandle)
            .with_message(format_args!("handle {handle} is not open ({when})"))
    }

    fn wrong(handle: u32, want: ObjectKind, got: ObjectKind) -> ProtocolError {
        ProtocolError::new(ErrorKind::WrongHandleKind).with_message(format_args!(
            "handle {handle} is a {got}, the operation needs a {want}"
        ))
    }

    /// The map of `handle`.
    pub fn map(&self, handle: u32) -> Result<&Arc<MapObject>, ProtocolError> {
        match self.get(handle)? {
            Object::Map(m) => Ok(m),
            other => Err(Self::wrong(handle, ObjectKind::Map, other.kind())),
        }
    }

    /// The program of `handle`.
    pub fn program(&self, handle: u32) -> Result<&Arc<Program>, ProtocolError> {
        match self.get(handle)? {
            Object::Program(p) => Ok(p),
            other => Err(Self::wrong(handle, ObjectKind::Program, other.kind())),
        }
    }

    /// The link of `handle`.
    pub fn link(&self, handle: u32) -> Result<&Arc<Link>, ProtocolError> {
        match self.get(handle)? {
            Object::Link(l) => Ok(l),
            other => Err(Self::wrong(handle, ObjectKind::Link, other.kind())),
        }
    }

    /// Closes `handle`, returning its object.
    pub fn close(&mut self, handle: u32) -> Result<Object, ProtocolError> {
        self.open
            .remove(&handle)
            .ok_or_else(|| self.missing(handle))
    }

    /// Closes every handle.
    pub fn clear(&mut self) {
        self.open.clear();
    }
}
