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
use std::ptr::NonNull;
use std::sync::Arc;

/// Size of a shared chunk; texts above a quarter of it get their own.
const CHUNK_BYTES: usize = 64 * 1024;
const SHARED_MAX: usize = CHUNK_BYTES / 4;

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
    chunk: Arc<Chunk>,
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
            u32::MAX => self.chunk.own_len,
            n => n as usize,
        };
        unsafe {
            let bytes =
                std::slice::from_raw_parts(self.chunk.ptr.as_ptr().add(self.start as usize), len);
            std::str::from_utf8_unchecked(bytes)
        }
    }

    /// The chunk's address (events with the same one share a chunk).
    #[cfg(test)]
    fn chunk_addr(&self) -> usize {
        self.chunk.ptr.as_ptr() as usize
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
    /// The chunk being filled.
    chunk: Option<Arc<Chunk>>,
    /// Bytes of `chunk` written so far.
    used: usize,
}

impl DataArena {
    /// Copies `text` into the arena.
    #[inline]
    pub(crate) fn push(&mut self, text: &str) -> Data {
        self.push_utf8(text.as_bytes())
    }

    /// Copies what the serializer wrote into `buf` into the arena if it is
    /// ASCII (what the serializer writes: checking that is cheaper than
    /// checking UTF-8); `None` if it is not.
    #[inline]
    pub(crate) fn push_written(&mut self, buf: &JsonBuf) -> Option<Data> {
        let bytes = buf.bytes();
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
            Some(c) if c.cap - self.used >= n => c,
            _ => {
                self.used = 0;
                self.chunk
                    .insert(Arc::new(Chunk::with_capacity(CHUNK_BYTES)))
            }
        };
        // SAFETY: `used + n <= cap`, and bytes at and above `used` belong to
        // no handle yet (module invariant); the source is distinct UTF-8.
        unsafe {
            std::ptr::copy_nonoverlapping(text.as_ptr(), chunk.ptr.as_ptr().add(self.used), n);
        }
        let data = Data {
            chunk: Arc::clone(chunk),
            start: self.used as u32,
            len: n as u32,
        };
        self.used += n;
        data
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
            chunk: Arc::new(chunk),
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
    fn written_texts_keep_the_texts_before_them() {
        let mut arena = DataArena::default();
        let mut buf = JsonBuf::default();
        let mut kept = Vec::new();
        // Enough texts to fill several chunks, and a non-ASCII text
        // (refused: the caller takes the UTF-8 path).
        for k in 0..5_000usize {
            let text = format!("{{\"k\": \"{}\"}}", "z".repeat(k % 70));
            buf.clear();
            TextOut::push_str(&mut buf, &text);
            kept.push((arena.push_written(&buf).expect("ASCII"), text));
        }
        buf.clear();
        TextOut::push_str(&mut buf, "\"é\"");
        assert!(arena.push_written(&buf).is_none());
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
