//! `JsonBuf`: the buffer the serializer writes canonical text into.
//!
//! Publishing writes a few short pieces per event (`{`, a key, `": "`, a
//! number, ...). Through `String` each piece pays a capacity check and, for
//! anything not known at compile time, a call to `memcpy`. `JsonBuf` keeps
//! its bytes zero-filled ahead of the write position, so a piece is one
//! bounds check and a copy the compiler can inline, and the short strings
//! that keys and names are get checked and copied in one pass. All safe
//! code: what it holds is always whole `&str` pieces or ASCII, so reading
//! it back as `&str` is checked once, not trusted.

/// Where escaping and float formatting write: a `String` or a `JsonBuf`.
pub(crate) trait TextOut {
    fn push_str(&mut self, s: &str);
    fn push(&mut self, c: char);
}

impl TextOut for String {
    #[inline]
    fn push_str(&mut self, s: &str) {
        String::push_str(self, s);
    }
    #[inline]
    fn push(&mut self, c: char) {
        String::push(self, c);
    }
}

use super::scan::plain_flags;

/// A growable text buffer with cheap small appends.
#[derive(Default)]
pub(crate) struct JsonBuf {
    /// Written bytes, then what earlier writes left there (zeros where
    /// nothing was written yet): `clear` only resets `len`.
    bytes: Vec<u8>,
    len: usize,
    /// Struct field names met lately, spelled as written (see `push_field`).
    fields: [FieldSpelling; FIELD_SLOTS],
}

/// Entries in `JsonBuf::fields`: 16 sets of two ways. (Direct-mapped, two
/// names of the reference workload shared a slot and evicted each other on
/// every event: 50,000 slow spellings in 125,000 events.)
const FIELD_SLOTS: usize = 32;

/// A field name (by address and length) and its spelling `, "NAME": `,
/// zero-padded; `spelled` is 0 for an empty slot.
#[derive(Clone, Copy, Default)]
struct FieldSpelling {
    addr: usize,
    len: usize,
    bytes: [u8; 32],
    spelled: usize,
}

/// The longest spelling a slot holds (names of up to 18 bytes), copied whole.
const SPELLING_COPY: usize = 24;

/// `0..1000` in decimal: the digits in the low bytes (first digit lowest),
/// their count in the top byte.
static SMALL_DECIMALS: [u32; 1000] = small_decimals();

const fn small_decimals() -> [u32; 1000] {
    let mut table = [0u32; 1000];
    let mut v = 0;
    while v < 1000 {
        let n = 1 + (v >= 10) as u32 + (v >= 100) as u32;
        let digits = (b'0' as u32 + v / 100)
            | ((b'0' as u32 + v / 10 % 10) << 8)
            | ((b'0' as u32 + v % 10) << 16);
        table[v as usize] = (digits >> (8 * (3 - n))) | (n << 24);
        v += 1;
    }
    table
}

impl JsonBuf {
    pub(crate) fn clear(&mut self) {
        self.len = 0;
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Forgets everything from `len` on.
    pub(crate) fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    /// The text written so far. Every write is a whole `&str` or ASCII, so
    /// this cannot fail; if it ever did, the caller gets `None`, not a panic.
    pub(crate) fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.bytes[..self.len]).ok()
    }

    /// The bytes written so far.
    #[inline]
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// The written bytes followed by whatever the buffer holds past them
    /// (for copies of a fixed size: see `DataArena::push_written`); starts
    /// with `bytes()`.
    #[inline]
    pub(crate) fn padded(&self) -> &[u8] {
        &self.bytes
    }

    /// The bytes written in `range` (for comparing keys).
    pub(crate) fn slice(&self, start: usize, end: usize) -> &[u8] {
        &self.bytes[start.min(self.len)..end.min(self.len)]
    }

    /// `n` writable bytes at the write position.
    #[inline(always)]
    fn room(&mut self, n: usize) -> &mut [u8] {
        if self.bytes.len() - self.len < n {
            self.grow(n);
        }
        &mut self.bytes[self.len..self.len + n]
    }

    #[cold]
    fn grow(&mut self, n: usize) {
        let want = (self.len + n).max(2 * self.bytes.len()).max(256);
        self.bytes.resize(want, 0);
    }

    /// Appends a piece known at compile time (`", "`, `"null"`, ...).
    #[inline(always)]
    pub(crate) fn push_ascii<const N: usize>(&mut self, piece: &[u8; N]) {
        self.room(N).copy_from_slice(piece);
        self.len += N;
    }

    #[inline(always)]
    pub(crate) fn push_byte(&mut self, b: u8) {
        debug_assert!(b.is_ascii());
        self.room(1)[0] = b;
        self.len += 1;
    }

    /// Appends `v` in decimal. Below 1000 (most numbers in event data)
    /// from a table: one load gives the digits and their count, stored as
    /// four bytes (past the digits land zeros and the count byte, which the
    /// next write covers or `len` leaves out).
    #[inline(always)]
    pub(crate) fn push_u64(&mut self, v: u64) {
        let Some(&entry) = SMALL_DECIMALS.get(v as usize) else {
            return self.push_u64_long(v);
        };
        if let Some(room) = self.room(4).first_chunk_mut::<4>() {
            *room = entry.to_le_bytes();
            self.len += (entry >> 24) as usize;
        }
    }

    #[inline(never)]
    fn push_u64_long(&mut self, v: u64) {
        self.push_short(itoa::Buffer::new().format(v).as_bytes());
    }

    /// Appends bytes that are whole characters, inlining the copy when
    /// there are at most 16 of them.
    #[inline(always)]
    fn push_short(&mut self, b: &[u8]) {
        let n = b.len();
        copy_short(self.room(n), b);
        self.len += n;
    }

    /// Appends a struct field's name and separators: `, "NAME": `, or
    /// `"NAME": ` for the first field. Names live as long as the program
    /// (serde hands them out as `&'static str`), so the bytes at an address
    /// never change: a name met before costs one comparison and a fixed
    /// 24-byte copy, where checking and quoting it again took ~50
    /// instructions. Names that need escaping, or are longer than 18
    /// bytes, are written the general way each time.
    #[inline]
    pub(crate) fn push_field(&mut self, name: &'static str, first: bool) {
        let (addr, len) = (name.as_ptr() as usize, name.len());
        let set = (((addr ^ len) as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 60) as usize * 2;
        if self.bytes.len() - self.len < SPELLING_COPY {
            self.grow(SPELLING_COPY);
        }
        for slot in [set, set + 1] {
            // Fields borrowed one by one: a copy of the slot would go through
            // the stack, and reading it back stalls (store forwarding).
            let f = &self.fields[slot];
            if f.addr == addr && f.len == len && f.spelled > 0 {
                let skip = if first { 2 } else { 0 };
                // A fixed-size copy (no branch on the length): the spelling
                // is zero-padded, so what lands past its end is zeros.
                if let (Some(dst), Some(src)) = (
                    self.bytes
                        .get_mut(self.len..)
                        .and_then(|b| b.first_chunk_mut::<SPELLING_COPY>()),
                    f.bytes
                        .get(skip..)
                        .and_then(|b| b.first_chunk::<SPELLING_COPY>()),
                ) {
                    *dst = *src;
                    self.len += f.spelled - skip;
                    return;
                }
            }
        }
        self.push_field_slow(name, first, set);
    }

    /// Writes the name the general way and, when it can be, keeps its
    /// spelling in the first way of `set`, the one there before moving to
    /// the second (the older of the two leaves).
    #[inline(never)]
    fn push_field_slow(&mut self, name: &'static str, first: bool, set: usize) {
        if !first {
            self.push_ascii(b", ");
        }
        let start = self.len;
        self.push_json_str(name);
        self.push_ascii(b": ");
        let spelled = self.len - start;
        // Escaping always lengthens a name: this one was written as it is.
        if spelled == name.len() + 4 && spelled + 2 <= SPELLING_COPY {
            let mut bytes = [0u8; 32];
            bytes[..2].copy_from_slice(b", ");
            bytes[2..2 + spelled].copy_from_slice(&self.bytes[start..self.len]);
            self.fields[set + 1] = self.fields[set];
            self.fields[set] = FieldSpelling {
                addr: name.as_ptr() as usize,
                len: name.len(),
                bytes,
                spelled: spelled + 2,
            };
        }
    }

    /// Appends `s` as a quoted JSON string, escaped as Python writes it.
    #[inline]
    pub(crate) fn push_json_str(&mut self, s: &str) {
        let b = s.as_bytes();
        let n = b.len();
        if n <= 16 {
            // Check a word (or two overlapping ones) for bytes needing care
            // and copy them, without a loop or a call.
            // (Words are put together in registers: storing bytes and
            // loading them back as a word stalls the pipeline.)
            let flags = if let (Some(h), Some(t)) = (b.first_chunk::<8>(), b.last_chunk::<8>()) {
                // Each word on its own: OR-ing bytes could hide a quote.
                plain_flags(u64::from_le_bytes(*h)) | plain_flags(u64::from_le_bytes(*t))
            } else if let (Some(h), Some(t)) = (b.first_chunk::<4>(), b.last_chunk::<4>()) {
                plain_flags(
                    u64::from(u32::from_le_bytes(*h)) | u64::from(u32::from_le_bytes(*t)) << 32,
                )
            } else if n > 0 {
                // Three bytes (repeats for shorter strings), padded with spaces.
                plain_flags(
                    u64::from(b[0])
                        | u64::from(b[n / 2]) << 8
                        | u64::from(b[n - 1]) << 16
                        | 0x2020_2020_2000_0000,
                )
            } else {
                0
            };
            let plain = flags == 0;
            if plain {
                let room = self.room(n + 2);
                room[0] = b'"';
                copy_short(&mut room[1..=n], b);
                room[n + 1] = b'"';
                self.len += n + 2;
                return;
            }
        }
        super::escape::write_json_str(self, s);
    }
}

/// `dst.copy_from_slice(src)` for slices of equal length, without a call
/// to `memcpy` up to 16 bytes: two overlapping loads and stores.
#[inline(always)]
fn copy_short(dst: &mut [u8], src: &[u8]) {
    let n = src.len();
    debug_assert_eq!(n, dst.len(), "copy_short needs slices of one length");
    if n != dst.len() {
        return;
    }
    if n > 16 {
        dst.copy_from_slice(src);
    } else if let (Some(h), Some(t)) = (src.first_chunk::<8>(), src.last_chunk::<8>()) {
        if let Some(d) = dst.first_chunk_mut::<8>() {
            *d = *h;
        }
        if let Some(d) = dst.last_chunk_mut::<8>() {
            *d = *t;
        }
    } else if let (Some(h), Some(t)) = (src.first_chunk::<4>(), src.last_chunk::<4>()) {
        if let Some(d) = dst.first_chunk_mut::<4>() {
            *d = *h;
        }
        if let Some(d) = dst.last_chunk_mut::<4>() {
            *d = *t;
        }
    } else if n > 0 {
        dst[0] = src[0];
        dst[n / 2] = src[n / 2];
        dst[n - 1] = src[n - 1];
    }
}

impl TextOut for JsonBuf {
    #[inline]
    fn push_str(&mut self, s: &str) {
        self.push_short(s.as_bytes());
    }

    #[inline]
    fn push(&mut self, c: char) {
        let mut utf8 = [0; 4];
        TextOut::push_str(self, c.encode_utf8(&mut utf8));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_appends_and_growth_keep_the_text() {
        let mut buf = JsonBuf::default();
        let mut expected = String::new();
        for i in 0..500u64 {
            buf.push_ascii(b", ");
            buf.push_u64(i * 7);
            buf.push_json_str("k\u{e9}y\"");
            buf.push_json_str("plain");
            TextOut::push(&mut buf, 'ü');
            expected.push_str(&format!(", {}\"k\\u00e9y\\\"\"\"plain\"ü", i * 7));
        }
        assert_eq!(buf.as_str(), Some(expected.as_str()));
        buf.truncate(3);
        assert_eq!(buf.as_str(), Some(", 0"));
        buf.clear();
        assert_eq!((buf.len(), buf.as_str()), (0, Some("")));
    }

    #[test]
    fn strings_take_the_same_escapes_on_both_paths() {
        for s in [
            "",
            "a",
            "tab\there",
            "\u{1f600}",
            "\\",
            &"x".repeat(17),
            "sixteen_bytes_ok",
            "seven\u{7f}",
            "1234\n678",
            "Dh00A\"0A00A",
            "ab\"",
            "\"",
            "a\\b",
        ] {
            let mut buf = JsonBuf::default();
            buf.push_json_str(s);
            let mut reference = String::new();
            crate::json::escape::write_json_str(&mut reference, s);
            assert_eq!(buf.as_str(), Some(reference.as_str()), "{s:?}");
        }
    }

    #[test]
    fn field_names_are_written_alike_from_the_cache_and_without_it() {
        // Plain, escaped, long (not cached) and empty names; each written
        // many times, first and not first, so cached slots are reused and
        // names sharing a slot evict each other.
        const NAMES: [&str; 8] = [
            "i",
            "tick",
            "name",
            "amount",
            "ü",
            "a\"b",
            "a_name_longer_than_eighteen_bytes",
            "",
        ];
        let mut buf = JsonBuf::default();
        let mut expected = String::new();
        for round in 0..50 {
            for (k, name) in NAMES.iter().enumerate() {
                let first = (round + k) % 3 == 0;
                buf.push_field(name, first);
                buf.push_u64(k as u64);
                if !first {
                    expected.push_str(", ");
                }
                crate::json::escape::write_json_str(&mut expected, name);
                expected.push_str(&format!(": {k}"));
            }
        }
        assert_eq!(buf.as_str(), Some(expected.as_str()));
        let cached = buf.fields.iter().filter(|f| f.spelled > 0).count();
        assert!((1..=5).contains(&cached), "{cached} slots used");
    }

    #[test]
    fn more_names_than_slots_evict_each_other_and_are_still_written_right() {
        let names: Vec<&'static str> = (0..100)
            .map(|k| &*Box::leak(format!("f{k}").into_boxed_str()))
            .collect();
        let mut buf = JsonBuf::default();
        let mut expected = String::new();
        for round in 0..3 {
            for (k, name) in names.iter().enumerate() {
                // Runs of one name, and names in a changing order.
                let name = names[(k * (round + 1)) % names.len()].max(name);
                buf.push_field(name, k == 0);
                if k != 0 {
                    expected.push_str(", ");
                }
                expected.push_str(&format!("\"{name}\": "));
            }
        }
        assert_eq!(buf.as_str(), Some(expected.as_str()));
        for f in buf.fields.iter().filter(|f| f.spelled > 0) {
            let name = names
                .iter()
                .find(|n| (n.as_ptr() as usize, n.len()) == (f.addr, f.len))
                .expect("a slot holds one of the names");
            assert_eq!(&f.bytes[..f.spelled], format!(", \"{name}\": ").as_bytes());
        }
    }

    proptest::proptest! {
        #[test]
        fn any_number_is_written_as_itoa_writes_it(v in proptest::prop_oneof![0u64..2000, proptest::prelude::any::<u64>()]) {
            let mut buf = JsonBuf::default();
            buf.push_ascii(b"[");
            buf.push_u64(v);
            buf.push_ascii(b"]");
            let expected = format!("[{v}]");
            proptest::prop_assert_eq!(buf.as_str(), Some(expected.as_str()));
        }

        #[test]
        fn any_string_is_written_as_escape_writes_it(s in "[ -~\u{0}-\u{1f}\u{7f}\u{e9}\u{1f600}]{0,40}") {
            let mut buf = JsonBuf::default();
            buf.push_ascii(b"x");
            buf.push_json_str(&s);
            let mut reference = String::from("x");
            crate::json::escape::write_json_str(&mut reference, &s);
            proptest::prop_assert_eq!(buf.as_str(), Some(reference.as_str()));
        }
    }
}
