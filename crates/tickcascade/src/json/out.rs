//! `JsonBuf`: the buffer the serializer writes canonical text into.
//!
//! A `String` with the few appends canonical JSON needs (fixed pieces,
//! decimal integers through `itoa`, field names, quoted strings). What it
//! holds is always whole `&str` pieces, so it is text at every step.

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

/// A growable text buffer for canonical JSON.
#[derive(Default)]
pub(crate) struct JsonBuf {
    text: String,
}

impl JsonBuf {
    pub(crate) fn clear(&mut self) {
        self.text.clear();
    }

    pub(crate) fn len(&self) -> usize {
        self.text.len()
    }

    /// Forgets everything from `len` on (a length this buffer reported).
    pub(crate) fn truncate(&mut self, len: usize) {
        if self.text.is_char_boundary(len) {
            self.text.truncate(len);
        }
    }

    /// The text written so far (always text: kept an `Option` for callers
    /// that treated it as fallible).
    pub(crate) fn as_str(&self) -> Option<&str> {
        Some(&self.text)
    }

    /// The bytes written so far.
    #[inline]
    pub(crate) fn bytes(&self) -> &[u8] {
        self.text.as_bytes()
    }

    /// The bytes written in `start..end` (for comparing keys).
    pub(crate) fn slice(&self, start: usize, end: usize) -> &[u8] {
        let b = self.text.as_bytes();
        &b[start.min(b.len())..end.min(b.len())]
    }

    /// Appends a piece known at compile time (`", "`, `"null"`, ...): ASCII.
    #[inline]
    pub(crate) fn push_ascii<const N: usize>(&mut self, piece: &[u8; N]) {
        for &b in piece {
            self.push_byte(b);
        }
    }

    /// Appends one ASCII byte (anything else is written as U+FFFD).
    #[inline]
    pub(crate) fn push_byte(&mut self, b: u8) {
        self.text.push(if b.is_ascii() {
            char::from(b)
        } else {
            '\u{fffd}'
        });
    }

    /// Appends `v` in decimal.
    #[inline]
    pub(crate) fn push_u64(&mut self, v: u64) {
        self.text.push_str(itoa::Buffer::new().format(v));
    }

    /// Appends a struct field's name and separators: `, "NAME": `, or
    /// `"NAME": ` for the first field.
    #[inline]
    pub(crate) fn push_field(&mut self, name: &str, first: bool) {
        if !first {
            self.text.push_str(", ");
        }
        self.push_json_str(name);
        self.text.push_str(": ");
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
        self.text.push_str(s);
    }

    #[inline]
    fn push(&mut self, c: char) {
        self.text.push(c);
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
