//! JSON string encoding as Python's `json.dumps` writes it (`ensure_ascii`):
//! pure ASCII output, lowercase `\uXXXX`, UTF-16 surrogate pairs for astral
//! characters, and the decoding of such strings back into characters.

use super::text_out::TextOut;
use std::borrow::Cow;

const HEX: &[u8; 16] = b"0123456789abcdef";

/// True for bytes that are written as they are inside a JSON string.
#[inline]
pub(crate) fn is_plain(b: u8) -> bool {
    (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\'
}

/// Appends `\uXXXX` for one UTF-16 code unit.
#[inline]
pub(crate) fn push_u_escape<W: TextOut + ?Sized>(out: &mut W, unit: u32) {
    out.push_str("\\u");
    for shift in [12, 8, 4, 0] {
        out.push(HEX[((unit >> shift) & 0xf) as usize] as char);
    }
}

/// Appends the escape for one character that is not plain.
#[inline]
fn push_escaped_char<W: TextOut + ?Sized>(out: &mut W, c: char) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        c if (c as u32) < 0x10000 => push_u_escape(out, c as u32),
        c => {
            let v = c as u32 - 0x10000;
            push_u_escape(out, 0xd800 + (v >> 10));
            push_u_escape(out, 0xdc00 + (v & 0x3ff));
        }
    }
}

/// Appends `s` as a quoted JSON string, escaped as Python writes it.
#[inline]
pub(crate) fn write_json_str<W: TextOut + ?Sized>(out: &mut W, s: &str) {
    // Short plain strings (keys, names) are the common case: one copy.
    if s.len() <= 32 && s.bytes().all(is_plain) {
        out.push('"');
        out.push_str(s);
        out.push('"');
        return;
    }
    out.push('"');
    write_json_str_body(out, s);
    out.push('"');
}

/// The escaped body of `s` (no quotes), as canonical text spells it (a
/// key looked up in canonical data, say); borrowed when nothing needs escaping.
pub(crate) fn json_str_body(s: &str) -> Cow<'_, str> {
    if s.bytes().all(is_plain) {
        return Cow::Borrowed(s);
    }
    let mut body = String::with_capacity(s.len() + 8);
    write_json_str_body(&mut body, s);
    Cow::Owned(body)
}

/// Appends the escaped body of `s` (no quotes).
pub(crate) fn write_json_str_body<W: TextOut + ?Sized>(out: &mut W, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if is_plain(bytes[i]) {
            i += 1;
            continue;
        }
        out.push_str(&s[start..i]);
        // `i` is at a char boundary: every byte before it was plain ASCII.
        let c = s[i..].chars().next().unwrap_or('\u{fffd}');
        push_escaped_char(out, c);
        i += c.len_utf8();
        start = i;
    }
    out.push_str(&s[start..]);
}

/// One decoded piece of a JSON string: a character, or a UTF-16 surrogate
/// that has no partner (JSON allows `"\ud800"`; Rust strings cannot hold it).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Unit {
    Char(char),
    LoneSurrogate(u16),
}

fn hex4(b: &[u8]) -> Option<u32> {
    if b.len() < 4 {
        return None;
    }
    let mut v = 0u32;
    for &d in &b[..4] {
        v = v * 16 + (d as char).to_digit(16)?;
    }
    Some(v)
}

/// Decodes the body of a JSON string (between the quotes, escapes already
/// validated) and feeds each unit to `f`. Invalid sequences decode as U+FFFD.
pub(crate) fn decode_units(body: &str, mut f: impl FnMut(Unit)) {
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            let c = body[i..].chars().next().unwrap_or('\u{fffd}');
            f(Unit::Char(c));
            i += c.len_utf8();
            continue;
        }
        let esc = bytes.get(i + 1).copied().unwrap_or(b'?');
        i += 2;
        let simple = match esc {
            b'"' => Some('"'),
            b'\\' => Some('\\'),
            b'/' => Some('/'),
            b'b' => Some('\u{8}'),
            b'f' => Some('\u{c}'),
            b'n' => Some('\n'),
            b'r' => Some('\r'),
            b't' => Some('\t'),
            _ => None,
        };
        if let Some(c) = simple {
            f(Unit::Char(c));
            continue;
        }
        let Some(unit) = hex4(&bytes[i.min(bytes.len())..]) else {
            f(Unit::Char('\u{fffd}'));
            continue;
        };
        i += 4;
        if (0xd800..0xdc00).contains(&unit)
            && bytes.get(i) == Some(&b'\\')
            && bytes.get(i + 1) == Some(&b'u')
            && let Some(low) = hex4(&bytes[(i + 2).min(bytes.len())..])
            && (0xdc00..0xe000).contains(&low)
        {
            let c = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
            f(Unit::Char(char::from_u32(c).unwrap_or('\u{fffd}')));
            i += 6;
            continue;
        }
        match char::from_u32(unit) {
            Some(c) => f(Unit::Char(c)),
            None => f(Unit::LoneSurrogate(unit as u16)),
        }
    }
}

/// Decodes a JSON string body into a Rust string; `None` when it holds a
/// lone surrogate, which a Rust string cannot represent.
pub(crate) fn decode_str(body: &str) -> Option<String> {
    if !body.as_bytes().contains(&b'\\') {
        return Some(body.to_owned());
    }
    let mut s = String::with_capacity(body.len());
    let mut ok = true;
    decode_units(body, |u| match u {
        Unit::Char(c) => s.push(c),
        Unit::LoneSurrogate(_) => ok = false,
    });
    ok.then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_bodies_are_borrowed_unless_they_need_escaping() {
        assert!(matches!(json_str_body("name"), Cow::Borrowed("name")));
        let escaped = json_str_body("c\"d\u{e9}");
        assert!(matches!(escaped, Cow::Owned(_)));
        assert_eq!(escaped, "c\\\"d\\u00e9");
    }

    fn enc(s: &str) -> String {
        let mut out = String::new();
        write_json_str(&mut out, s);
        out
    }

    #[test]
    fn escapes_like_python_ensure_ascii() {
        assert_eq!(enc("plain/text"), r#""plain/text""#);
        assert_eq!(enc("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(enc("\n\r\t\u{8}\u{c}"), r#""\n\r\t\b\f""#);
        assert_eq!(enc("\u{1}\u{7f}"), r#""\u0001\u007f""#);
        assert_eq!(enc("é“"), r#""\u00e9\u201c""#);
        assert_eq!(enc("😀"), r#""\ud83d\ude00""#);
    }

    #[test]
    fn decodes_what_it_encodes_and_keeps_lone_surrogates_apart() {
        for s in ["", "abc", "é😀\n\"\\", "\u{7f}\u{1}"] {
            let e = enc(s);
            assert_eq!(decode_str(&e[1..e.len() - 1]).as_deref(), Some(s));
        }
        let mut units = Vec::new();
        decode_units(r"a\ud800b", |u| units.push(u));
        assert_eq!(
            units,
            vec![
                Unit::Char('a'),
                Unit::LoneSurrogate(0xd800),
                Unit::Char('b')
            ]
        );
        assert_eq!(decode_str(r"\udc00"), None);
    }
}
