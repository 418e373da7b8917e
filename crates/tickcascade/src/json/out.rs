//! `JsonBuf`: the buffer the serializer writes canonical text into.
//!
//! A byte vector with the few appends canonical JSON needs (fixed ASCII
//! pieces, decimal integers through `itoa`, field names, quoted strings).
//! Every write is a whole `&str` or ASCII, so what it holds is text; reading
//! it back as `&str` is checked, not trusted.

pub(crate) use super::text_out::TextOut;

/// A growable text buffer for canonical JSON.
#[derive(Default)]
pub(crate) struct JsonBuf {
    bytes: Vec<u8>,
}

impl JsonBuf {
    pub(crate) fn clear(&mut self) {
        self.bytes.clear();
    }

    pub(crate) fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Forgets everything from `len` on (a length this buffer reported).
    pub(crate) fn truncate(&mut self, len: usize) {
        self.bytes.truncate(len);
    }

    /// The text written so far. Every write is a whole `&str` or ASCII, so
    /// this cannot fail; if it ever did, the caller gets `None`, not a panic.
    pub(crate) fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.bytes).ok()
    }

    /// The bytes written so far.
    #[inline]
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The bytes written in `start..end` (for comparing keys).
    pub(crate) fn slice(&self, start: usize, end: usize) -> &[u8] {
        let n = self.bytes.len();
        &self.bytes[start.min(n)..end.min(n)]
    }

    /// Appends a piece known at compile time (`", "`, `"null"`, ...): ASCII.
    #[inline]
    pub(crate) fn push_ascii<const N: usize>(&mut self, piece: &[u8; N]) {
        debug_assert!(piece.is_ascii());
        self.bytes.extend_from_slice(piece);
    }

    /// Appends one ASCII byte.
    #[inline]
    pub(crate) fn push_byte(&mut self, b: u8) {
        debug_assert!(b.is_ascii());
        self.bytes.push(b);
    }

    /// Appends `v` in decimal.
    #[inline]
    pub(crate) fn push_u64(&mut self, v: u64) {
        self.bytes
            .extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
    }

    /// Appends a struct field's name and separators: `, "NAME": `, or
    /// `"NAME": ` for the first field.
    #[inline]
    pub(crate) fn push_field(&mut self, name: &str, first: bool) {
        if !first {
            self.bytes.extend_from_slice(b", ");
        }
        self.push_json_str(name);
        self.bytes.extend_from_slice(b": ");
    }

    /// Appends `s` as a quoted JSON string, escaped as Python writes it.
    #[inline]
    pub(crate) fn push_json_str(&mut self, s: &str) {
        super::escape::write_json_str(self, s);
    }
}

impl TextOut for JsonBuf {
    #[inline]
    fn push_str(&mut self, s: &str) {
        self.bytes.extend_from_slice(s.as_bytes());
    }

    #[inline]
    fn push(&mut self, c: char) {
        if c.is_ascii() {
            self.bytes.push(c as u8);
        } else {
            let mut utf8 = [0; 4];
            self.push_str(c.encode_utf8(&mut utf8));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_appends_keep_the_text() {
        let mut buf = JsonBuf::default();
        let mut expected = String::new();
        for i in 0..500u64 {
            buf.push_ascii(b", ");
            buf.push_u64(i * 7);
            buf.push_json_str("k\u{e9}y\"");
            buf.push_field("plain", i % 2 == 0);
            TextOut::push(&mut buf, 'ü');
            let sep = if i % 2 == 0 { "" } else { ", " };
            expected.push_str(&format!(", {}\"k\\u00e9y\\\"\"{sep}\"plain\": ü", i * 7));
        }
        assert_eq!(buf.as_str(), Some(expected.as_str()));
        buf.truncate(3);
        assert_eq!(buf.as_str(), Some(", 0"));
        buf.clear();
        assert_eq!((buf.len(), buf.as_str()), (0, Some("")));
    }
}
