//! The append-only arena of event data: the one module, and the one file,
//! of the crate with `unsafe` code (the crate root has
//! `#![deny(unsafe_code)]` and allows it here only).
//!
//! - Data: [`DataArena`] copies each event's canonical JSON text to the end
//!   of a shared 64 KiB chunk and hands out [`Data`] handles (chunk, offset,
//!   length). Invariant: the bytes of a chunk below its write offset are
//!   written once, before any handle to them exists, and never again; the
//!   only writer is the arena that owns the chunk's write offset.
//! - Index: [`DataIndex`], per event the length of its data text and its
//!   top-level key offsets, with the texts that follow each other in memory
//!   grouped in runs, so a data query scans texts in memory order without
//!   touching the events. Invariant: every address kept is the start of the
//!   text of a `Data` handle held by an event of the append-only log that
//!   owns the index.
//!
//! Every `unsafe` block states the invariant it rests on; the proptest in
//! `tests` drives random appends and reads through both.
//!
//! Size: about 430 lines without its unit tests: the chunks, the handles
//! and the index that reads through them share one invariant, so their
//! `unsafe` code is kept together where it can be audited at once.

use crate::json::out::JsonBuf;
use crate::json::top_keys::TopKeys;
use std::ops::Range;
use std::ptr::NonNull;
use std::sync::Arc;

// ---- data: chunks, handles, the arena ----
//
// Event data text, stored in shared append-only chunks.
//
// Every event's data is canonical JSON text (the bytes Eventure writes for
// it). A log does not allocate it event by event: its [`DataArena`] copies
// each text to the end of a 64 KiB chunk, and the event keeps a handle
// (the chunk, an offset and a length). That saves an allocation per event,
// keeps the data of consecutive events next to each other in memory (the
// data queries scan it), and costs no more memory than the text itself.
//
// Invariant (what makes the `unsafe` code here sound): the bytes of a
// chunk below its write offset are written once, before any handle to them
// exists, and never again; the only writer is the arena that owns the
// chunk's write offset, and it writes only above it.
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
mod data_tests {
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

// ---- index: where each event's text and keys are ----
//
// `DataIndex`: per event, where its data text is and where the text's
// top-level keys start, in a few bytes, so data queries scan it instead
// of the 80-byte events.
//
// A log's events mostly get their data texts from its own `DataArena`,
// which writes them one after another into each chunk. So the index keeps
// runs: a run starts at the address of one event's text, and every later
// event whose text starts exactly where the previous one in the run ended
// joins it, recording only its length (two bytes). A text anywhere else
// starts a new run; a text too long for two bytes is marked as outside
// (the query reads that event itself). A scan then walks the texts in
// memory order and touches six bytes of index per event.
//
// Invariant (what makes the `unsafe` code here sound): every address kept
// is the start of the text of a `Data` handle held by an event of the log
// that owns this index, and that log is append-only, so the text lives and
// stays unchanged as long as the index does. By construction, an event in
// a run has its text at the run's address plus the lengths of the events
// of the run before it.
/// The length of a text that is not in a run.
const OUTSIDE: u16 = u16::MAX;

/// The text of `len` bytes at `addr`.
///
/// # Safety
/// `addr..addr + len` is the data text of one of the log's events (the
/// module invariant says which addresses are).
unsafe fn text_at<'a>(addr: usize, len: u16) -> &'a str {
    // SAFETY: the caller's promise; data texts are UTF-8.
    unsafe {
        let bytes = std::slice::from_raw_parts(addr as *const u8, usize::from(len));
        std::str::from_utf8_unchecked(bytes)
    }
}

#[derive(Clone, Copy)]
struct Run {
    /// The first event of the run.
    position: usize,
    /// The address of its text.
    addr: usize,
}

/// Where each event's data text and top-level keys are (see the module docs).
#[derive(Default)]
pub(crate) struct DataIndex {
    top_keys: Vec<TopKeys>,
    lens: Vec<u16>,
    runs: Vec<Run>,
    /// Where the last run's next text would start.
    next_addr: usize,
}

impl DataIndex {
    /// Records the next event's data and key offsets.
    #[inline]
    pub(crate) fn push(&mut self, data: &Data, keys: TopKeys) {
        let text = data.as_str();
        let addr = text.as_ptr() as usize;
        let len = match u16::try_from(text.len()) {
            Ok(len) if len != OUTSIDE => len,
            _ => OUTSIDE,
        };
        if len != OUTSIDE {
            if addr != self.next_addr || self.runs.is_empty() {
                self.runs.push(Run {
                    position: self.lens.len(),
                    addr,
                });
            }
            self.next_addr = addr + usize::from(len);
        }
        self.lens.push(len);
        self.top_keys.push(keys);
    }

    /// Room for `n` more events.
    pub(crate) fn reserve(&mut self, n: usize) {
        self.lens.reserve(n);
        self.top_keys.reserve(n);
    }

    /// Where the top-level keys of the data of the event at `position` are.
    #[cfg(test)]
    pub(crate) fn top_keys(&self, position: usize) -> TopKeys {
        self.top_keys
            .get(position)
            .copied()
            .unwrap_or(TopKeys::UNKNOWN)
    }

    /// Calls `f(position, text, keys)` for each event in `positions`, in
    /// order, with its data text when the index knows where it is (`None`:
    /// read it from the event).
    pub(crate) fn scan(
        &self,
        positions: Range<usize>,
        mut f: impl FnMut(usize, Option<&str>, TopKeys),
    ) {
        self.segments(positions, |first, mut addr, lens, keys| {
            for (i, (&len, &keys)) in (first..).zip(lens.iter().zip(keys)) {
                if len == OUTSIDE {
                    f(i, None, keys);
                    continue;
                }
                // SAFETY: by the module invariant, `addr..addr + len` is the
                // text of the data of event `i`, a live, unchanging `&str`.
                f(i, Some(unsafe { text_at(addr, len) }), keys);
                addr += usize::from(len);
            }
        });
    }

    /// `scan` made for the usual data query, a top-level member whose whole
    /// canonical spelling (`"KEY": "VALUE"`, a string value) is `spelling`:
    /// `hit(i, found)` for each event of `positions`, where `found` says,
    /// for an in-run text with known key offsets, whether it is an object
    /// with `spelling` at one of them, and for any other event what
    /// `other(i, text, keys)` says (`text` as in `scan`).
    ///
    /// Why a comparison at a key offset decides: keys are unique in
    /// canonical text, a string ends at its first unescaped quote and the
    /// spelling ends with the wanted string's, so a value that starts with
    /// the wanted string is it. An offset past the last place the spelling
    /// fits is compared there instead, which cannot match: an object's text
    /// ends with `}`, the spelling with `"`. Unused offsets are 0, where an
    /// object's `{` cannot start the spelling's `"`.
    pub(crate) fn scan_spelling(
        &self,
        positions: Range<usize>,
        spelling: &Spelling,
        mut other: impl FnMut(usize, Option<&str>, TopKeys) -> bool,
        mut hit: impl FnMut(usize, bool),
    ) {
        let (m, head, tail) = (spelling.len, spelling.head, spelling.tail);
        self.segments(positions, |first, mut addr, lens, keys| {
            for (i, (&len, &keys)) in (first..).zip(lens.iter().zip(keys)) {
                if len == OUTSIDE {
                    hit(i, other(i, None, keys));
                    continue;
                }
                let n = usize::from(len);
                match keys.offsets() {
                    Some(offsets) if n >= m => {
                        let last = addr + (n - m);
                        // SAFETY: by the module invariant `addr..addr + n` is
                        // the text of event i, live and unchanging; each read
                        // is of 8 bytes from `p` or from `p + m - 8`, with `p`
                        // in `addr..=last`, so it ends by `addr + n`.
                        let word = |p: usize| unsafe { (p as *const u64).read_unaligned() };
                        let found = offsets.iter().fold(false, |found, &o| {
                            let p = (addr + usize::from(o)).min(last);
                            found | ((word(p) == head) & (word(p + m - 8) == tail))
                        });
                        // SAFETY: as above; n >= m >= 8.
                        let object = unsafe { *(addr as *const u8) } == b'{';
                        hit(i, found & object);
                    }
                    Some(_) => hit(i, false), // shorter than the spelling
                    // SAFETY: as in `scan`.
                    None => hit(i, other(i, Some(unsafe { text_at(addr, len) }), keys)),
                }
                addr += n;
            }
        });
    }

    /// Calls `f(first, addr, lens, keys)` for each stretch of `positions`
    /// within one run: `first` is the stretch's first position, `addr` the
    /// address of its first in-run text, `lens` and `keys` its entries.
    fn segments(
        &self,
        positions: Range<usize>,
        mut f: impl FnMut(usize, usize, &[u16], &[TopKeys]),
    ) {
        let end = positions.end.min(self.lens.len());
        let mut at = positions.start;
        if at >= end {
            return;
        }
        // The run holding `at`, and the address of `at`'s text in it.
        let mut run = self.runs.partition_point(|r| r.position <= at);
        let mut addr = match run.checked_sub(1).map(|r| self.runs[r]) {
            Some(r) => r.addr + self.run_bytes(r.position..at),
            None => 0, // no run starts at or before `at`: all outside so far
        };
        while at < end {
            // Up to the next run's start, texts follow each other.
            let stop = self.runs.get(run).map_or(end, |r| r.position.min(end));
            let lens = self.lens.get(at..stop).unwrap_or_default();
            let keys = self.top_keys.get(at..stop).unwrap_or_default();
            f(at, addr, lens, keys);
            at = stop;
            if let Some(r) = self.runs.get(run) {
                addr = r.addr;
                run += 1;
            }
        }
    }

    /// The bytes of the texts of the in-run events in `positions`.
    fn run_bytes(&self, positions: Range<usize>) -> usize {
        self.lens[positions]
            .iter()
            .filter(|&&len| len != OUTSIDE)
            .map(|&len| usize::from(len))
            .sum()
    }
}

/// A byte string of 8 to 16 bytes as its first and last eight bytes (which
/// overlap when it is shorter than 16), for comparisons in two loads.
pub(crate) struct Spelling {
    head: u64,
    tail: u64,
    len: usize,
}

impl Spelling {
    pub(crate) fn new(bytes: &[u8]) -> Option<Spelling> {
        let word = |b: &[u8]| b.first_chunk::<8>().map(|w| u64::from_le_bytes(*w));
        let len = bytes.len();
        if len > 16 {
            return None;
        }
        Some(Spelling {
            head: word(bytes)?,
            tail: word(&bytes[len.checked_sub(8)?..])?,
            len,
        })
    }

    /// Whether these bytes are at `text[at..]`.
    #[inline(always)]
    pub(crate) fn starts_at(&self, text: &[u8], at: usize) -> bool {
        let word = |b: Option<&[u8; 8]>| b.map(|w| u64::from_le_bytes(*w));
        match text.get(at..at + self.len) {
            Some(t) => {
                (word(t.first_chunk::<8>()) == Some(self.head))
                    & (word(t.last_chunk::<8>()) == Some(self.tail))
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod index_tests {
    use super::*;
    use crate::arena::DataArena;

    fn texts_seen(index: &DataIndex, range: Range<usize>) -> Vec<Option<String>> {
        let mut seen = Vec::new();
        index.scan(range, |_, text, _| seen.push(text.map(str::to_owned)));
        seen
    }

    #[test]
    fn scans_find_each_text_across_runs_and_outside_ones() {
        let mut arena = DataArena::default();
        let mut other = DataArena::default();
        let mut index = DataIndex::default();
        let mut datas: Vec<Data> = Vec::new();
        let big = format!("\"{}\"", "x".repeat(70_000));
        for i in 0..5000 {
            let text = format!("{{\"i\": {i}}}");
            let data = match i % 500 {
                7 => other.push(&text),          // elsewhere: a new run
                8 => Data::from_canonical(&big), // too long: outside
                9 => datas[i - 2].clone(),       // a text seen before: a new run
                _ => arena.push(&text),
            };
            index.push(&data, TopKeys::UNKNOWN);
            datas.push(data);
        }
        let want: Vec<Option<String>> = datas
            .iter()
            .map(|d| (d.as_str().len() < 65_535).then(|| d.as_str().to_owned()))
            .collect();
        assert_eq!(texts_seen(&index, 0..5000), want);
        for start in [1, 7, 8, 9, 10, 2499, 2500, 2507, 4999] {
            assert_eq!(
                texts_seen(&index, start..5000),
                want[start..],
                "from {start}"
            );
        }
        let reversed = std::ops::Range {
            start: 100,
            end: 90,
        };
        assert_eq!(texts_seen(&index, reversed), Vec::<Option<String>>::new());
        assert_eq!(texts_seen(&index, 4990..6000), want[4990..]);
    }
}

#[cfg(test)]
mod tests;
