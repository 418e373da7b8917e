//! `TextOut`: where escaping and float formatting write (a `String`, or
//! the serializer's `JsonBuf`), so neither depends on the other.

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
