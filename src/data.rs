//! Event data text, stored in shared append-only chunks.
//!
//! Every event's data is canonical JSON text (the bytes Eventure writes for
//! it). A log does not allocate it event by event: its [`DataArena`] copies
//! each text to the end of a 64 KiB chunk, and the event keeps a handle
//! (the chunk, an offset and a length). That saves an allocation per event,
//! keeps the data of consecutive events next to each other in memory (the
//! data queries scan it), and costs no more memory than the text itself.
//!
//! Invariant (what makes the `unsafe` code here sound): the bytes of a
//! chunk below its write offset are written once, before any handle to them
//! exists, and never again; the only writer is the arena that owns the
//! chunk's write offset, and it writes only above it.

use crate::json::out::JsonBuf;
use crate::shared::{Shared, Stock};
use std::ptr::NonNull;

/// Size of a shared chunk; texts above a quarter of it get their own.
const CHUNK_BYTES: usize = 64 * 1024;
const SHARED_MAX: usize = CHUNK_BYTES / 4;
/// Texts up to this long are copied as one block by `push_written`.
const PADDED: usize = 64;

/// One allocation of data text.
struct Chunk {
    ptr: NonNull<u8>,
    cap: usize,
    /// The text length of a chunk of its own (handles say `u32::MAX`).
    own_len: usize,
}

// SAFETY: a chunk is plain bytes. Shared access only reads ranges that are
// never written again (see the module invariant); the single writer holds
// the `DataArena`, which needs `&mut` to write.
unsafe impl Send for Chunk {}
unsafe impl Sync for Chunk {}

impl Chunk {
    fn with_capacity(cap: usize) -> Chunk {
        let mut bytes = std::mem::ManuallyDrop::new(Vec::<u8>::with_capacity(cap));
        let cap = bytes.capacity();
        let ptr = NonNull::new(bytes.as_mut_ptr()).unwrap_or(NonNull::dangling());
        Chunk {
            ptr,
            cap,
            own_len: 0,
        }
    }
}

impl Drop for Chunk {
    fn drop(&mut self) {
        // SAFETY: ptr and cap come from a Vec<u8> that was never freed; its
        // length is irrelevant for u8 (no destructors).
        unsafe { drop(Vec::from_raw_parts(self.ptr.as_ptr(), 0, self.cap)) }
    }
}

/// An event's data: canonical JSON text in a shared chunk.
#[derive(Clone)]
pub(crate) struct Data {
    chunk: Shared<Chunk>,
    start: u32,
    len: u32,
}

impl Data {
    /// Data in a chunk of its own.
    pub(crate) fn from_canonical(text: &str) -> Data {
        let mut arena = DataArena::default();
        arena.push_own(text.as_bytes())
    }

    pub(crate) fn as_str(&self) -> &str {
        // SAFETY: `start..start + len` lies inside the chunk, was written
        // with the bytes of a `&str` before this handle was made, and is
        // never written again (module invariant).
        let len = match self.len {
            u32::MAX => self.chunk.get().own_len,
            n => n as usize,
        };
        unsafe {
            let bytes = std::slice::from_raw_parts(
                self.chunk.get().ptr.as_ptr().add(self.start as usize),
                len,
            );
            std::str::from_utf8_unchecked(bytes)
        }
    }

    /// The chunk's address (events with the same one share a chunk).
    #[cfg(test)]
    fn chunk_addr(&self) -> usize {
        self.chunk.get().ptr.as_ptr() as usize
    }
}

impl PartialEq for Data {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Data {}

impl std::fmt::Debug for Data {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

/// Appends data texts to shared chunks and hands out [`Data`] handles.
#[derive(Default)]
pub(crate) struct DataArena {
    /// The chunk being filled; its stock hands each text's handle out
    /// without an atomic operation (`shared.rs`).
    chunk: Option<Stock<Chunk>>,
    /// Bytes of `chunk` written so far.
    used: usize,
    /// The next chunks, allocated ahead and populated on another thread
    /// (`prefault.rs`), once the log asks for that; used last first.
    spares: Vec<Chunk>,
}

/// Chunks kept ready ahead: a prefault window of 4,096 events of the usual
/// ~36 bytes of data takes two or three.
const SPARES: usize = 3;

/// True when no byte of `block` has its top bit set (whole words at a time).
#[inline(always)]
fn is_ascii_block(block: &[u8; PADDED]) -> bool {
    let word = |i: usize| u64::from_le_bytes(*block[i..].first_chunk::<8>().unwrap_or(&[0x80; 8]));
    let any = (0..PADDED).step_by(8).fold(0, |acc, i| acc | word(i));
    any & 0x8080_8080_8080_8080 == 0
}

impl DataArena {
    /// Copies `text` into the arena.
    #[inline]
    pub(crate) fn push(&mut self, text: &str) -> Data {
        self.push_utf8(text.as_bytes())
    }

    /// Copies what the serializer wrote into `buf` into the arena if it is
    /// ASCII (what the serializer writes: checking that is cheaper than
    /// checking UTF-8); `None` if it is not. A short text is copied as one
    /// fixed-size block from the buffer (the text, then whatever follows it
    /// there), not through `memcpy` with its length (a call and ~20
    /// instructions per event). What is copied past the text lands where
    /// the next text will be written.
    #[inline]
    pub(crate) fn push_written(&mut self, buf: &JsonBuf) -> Option<Data> {
        let bytes = buf.bytes();
        let n = bytes.len();
        // `padded` starts with `bytes` (JsonBuf's contract).
        let block = buf.padded().first_chunk::<PADDED>();
        if let (Some(block), Some(chunk)) = (block, &mut self.chunk)
            && n <= PADDED
            && chunk.get().cap - self.used >= PADDED
            // The whole block ASCII, so the text is (what follows the text
            // in the buffer is old ASCII output too, nearly always; if not,
            // the exact check below decides).
            && is_ascii_block(block)
        {
            // SAFETY: `used + PADDED <= cap`, and bytes at and above `used`
            // belong to no handle yet (module invariant); the source is a
            // distinct buffer whose first n bytes are the ASCII text kept.
            unsafe {
                chunk
                    .get()
                    .ptr
                    .as_ptr()
                    .add(self.used)
                    .cast::<[u8; PADDED]>()
                    .write_unaligned(*block);
            }
            let data = Data {
                chunk: chunk.take(),
                start: self.used as u32,
                len: n as u32,
            };
            self.used += n;
            return Some(data);
        }
        bytes.is_ascii().then(|| self.push_utf8(bytes))
    }

    /// Copies `text`, which is UTF-8 (the callers above check it), into
    /// the arena.
    #[inline]
    fn push_utf8(&mut self, text: &[u8]) -> Data {
        let n = text.len();
        if n > SHARED_MAX {
            return self.push_own(text);
        }
        let chunk = match &mut self.chunk {
            Some(c) if c.get().cap - self.used >= n => c,
            _ => {
                self.used = 0;
                let next = self.next_chunk();
                self.chunk.insert(Stock::new(Shared::new(next)))
            }
        };
        // SAFETY: `used + n <= cap`, and bytes at and above `used` belong to
        // no handle yet (module invariant); the source is distinct UTF-8.
        unsafe {
            std::ptr::copy_nonoverlapping(
                text.as_ptr(),
                chunk.get().ptr.as_ptr().add(self.used),
                n,
            );
        }
        let data = Data {
            chunk: chunk.take(),
            start: self.used as u32,
            len: n as u32,
        };
        self.used += n;
        data
    }

    /// A fresh shared chunk: a spare one when there is one.
    #[cold]
    fn next_chunk(&mut self) -> Chunk {
        self.spares
            .pop()
            .unwrap_or_else(|| Chunk::with_capacity(CHUNK_BYTES))
    }

    /// Tops up the chunks kept ready ahead, adding their pages to `request`.
    pub(crate) fn prefault_ahead(&mut self, request: &mut crate::prefault::Request) {
        while self.spares.len() < SPARES {
            let chunk = Chunk::with_capacity(CHUNK_BYTES);
            request.range(chunk.ptr.as_ptr(), chunk.cap);
            self.spares.insert(0, chunk);
        }
    }

    /// `text` in a chunk of exactly its size (large texts: a shared chunk
    /// would waste its tail).
    fn push_own(&mut self, text: &[u8]) -> Data {
        let n = text.len();
        let mut chunk = Chunk::with_capacity(n);
        chunk.own_len = n;
        // SAFETY: the chunk was just allocated with room for n bytes.
        unsafe { std::ptr::copy_nonoverlapping(text.as_ptr(), chunk.ptr.as_ptr(), n) }
        Data {
            chunk: Shared::new(chunk),
            start: 0,
            len: u32::MAX,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::out::TextOut;

    #[test]
    fn written_texts_copied_as_blocks_keep_the_texts_before_them() {
        let mut arena = DataArena::default();
        let mut buf = JsonBuf::default();
        let mut kept = Vec::new();
        // Lengths around the block size, enough to fill several chunks, and
        // a non-ASCII text (refused: the caller takes the UTF-8 path).
        for k in 0..5_000usize {
            let text = format!("{{\"k\": \"{}\"}}", "z".repeat(k % 70));
            buf.clear();
            TextOut::push_str(&mut buf, &text);
            kept.push((arena.push_written(&buf).expect("ASCII"), text));
        }
        buf.clear();
        TextOut::push_str(&mut buf, "\"é\"");
        assert!(arena.push_written(&buf).is_none());
        // Non-ASCII bytes left in the buffer past a short ASCII text: the
        // block check fails, the exact one keeps the text.
        buf.clear();
        TextOut::push_str(&mut buf, "1");
        let one = arena.push_written(&buf).expect("ASCII");
        assert_eq!(one.as_str(), "1");
        assert!(kept.iter().all(|(d, t)| d.as_str() == t));
        assert!(
            kept.first().map(|(d, _)| d.chunk_addr()) != kept.last().map(|(d, _)| d.chunk_addr())
        );
    }

    #[test]
    fn a_block_is_ascii_unless_some_byte_has_its_top_bit_set() {
        let mut block = [b'a'; PADDED];
        assert!(is_ascii_block(&block));
        for i in 0..PADDED {
            block[i] = 0x80;
            assert!(!is_ascii_block(&block), "{i}");
            block[i] = 0x7f;
            assert!(is_ascii_block(&block), "{i}");
        }
    }

    #[test]
    fn texts_share_chunks_and_read_back() {
        let mut arena = DataArena::default();
        let a = arena.push("{\"a\": 1}");
        let b = arena.push("[]");
        assert_eq!((a.as_str(), b.as_str()), ("{\"a\": 1}", "[]"));
        assert_eq!(a.chunk_addr(), b.chunk_addr());
    }

    #[test]
    fn a_full_chunk_starts_another_and_old_handles_stay_valid() {
        let mut arena = DataArena::default();
        let text = "x".repeat(SHARED_MAX);
        let handles: Vec<Data> = (0..9).map(|_| arena.push(&text)).collect();
        assert!(handles.iter().all(|d| d.as_str() == text));
        assert_ne!(handles[0].chunk_addr(), handles[8].chunk_addr());
        drop(arena);
        assert_eq!(handles[3].as_str().len(), SHARED_MAX);
    }

    #[test]
    fn large_and_empty_texts_get_their_own_chunk() {
        let mut arena = DataArena::default();
        let big = "y".repeat(SHARED_MAX + 1);
        let d = arena.push(&big);
        assert_eq!(d.as_str(), big);
        assert_eq!(arena.push("").as_str(), "");
        assert_eq!(Data::from_canonical("null").as_str(), "null");
    }
}
