//! `DataIndex`: per event, where its data text is and where the text's
//! top-level keys start, in a few bytes, so data queries scan it instead
//! of the 80-byte events.
//!
//! A log's events mostly get their data texts from its own `DataArena`,
//! which writes them one after another into each chunk. So the index keeps
//! runs: a run starts at the address of one event's text, and every later
//! event whose text starts exactly where the previous one in the run ended
//! joins it, recording only its length (two bytes). A text anywhere else
//! starts a new run; a text too long for two bytes is marked as outside
//! (the query reads that event itself). A scan then walks the texts in
//! memory order and touches six bytes of index per event.
//!
//! Invariant (what makes the `unsafe` code here sound): every address kept
//! is the start of the text of a `Data` handle held by an event of the log
//! that owns this index, and that log is append-only, so the text lives and
//! stays unchanged as long as the index does. By construction, an event in
//! a run has its text at the run's address plus the lengths of the events
//! of the run before it.

use super::data::Data;
use crate::json::top_keys::TopKeys;
use std::ops::Range;

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
mod tests {
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
