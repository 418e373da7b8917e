//! The append-only arena of event data: the one module of the crate with
//! `unsafe` code (the crate root has `#![deny(unsafe_code)]` and allows it
//! here only).
//!
//! - `data`: [`DataArena`] copies each event's canonical JSON text to the end
//!   of a shared 64 KiB chunk and hands out [`Data`] handles (chunk, offset,
//!   length). Invariant: the bytes of a chunk below its write offset are
//!   written once, before any handle to them exists, and never again; the
//!   only writer is the arena that owns the chunk's write offset.
//! - `index`: [`DataIndex`], per event the length of its data text and its
//!   top-level key offsets, with the texts that follow each other in memory
//!   grouped in runs, so a data query scans texts in memory order without
//!   touching the events. Invariant: every address kept is the start of the
//!   text of a `Data` handle held by an event of the append-only log that
//!   owns the index.
//!
//! Every `unsafe` block states the invariant it rests on; the proptest in
//! `tests` drives random appends and reads through both.

mod data;
mod index;

pub(crate) use data::{Data, DataArena};
pub(crate) use index::{DataIndex, Spelling};

#[cfg(test)]
mod tests;
