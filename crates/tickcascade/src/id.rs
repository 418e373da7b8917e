//! Event ids: `{tick}-{HASH}-{seq}` exactly as Eventure makes them.
//!
//! `HASH` is the MD5 of the type's UTF-8 bytes, written as lowercase hex,
//! with the digits removed, the first four letters kept and upper-cased; it
//! may be shorter than four letters (even empty: `0--1`). Ids of that shape
//! are stored as numbers and formatted on output; any other id text (a file
//! may hold `evt_123`) is kept verbatim.

use md5::{Digest, Md5};
use std::fmt;
use std::sync::Arc;

/// The letters part of a generated id: up to four of `A`–`F`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) struct IdHash {
    bytes: [u8; 4],
    len: u8,
}

impl IdHash {
    /// Eventure's type hash of `event_type`.
    pub(crate) fn of_type(event_type: &str) -> IdHash {
        let digest = Md5::digest(event_type.as_bytes());
        let mut hash = IdHash {
            bytes: [0; 4],
            len: 0,
        };
        for byte in digest.iter() {
            for nibble in [byte >> 4, byte & 0xf] {
                if nibble >= 10 && hash.len < 4 {
                    hash.bytes[hash.len as usize] = b'A' + (nibble - 10);
                    hash.len += 1;
                }
            }
        }
        hash
    }

    #[cfg(test)]
    fn parse(s: &str) -> Option<IdHash> {
        if s.len() > 4 || !s.bytes().all(|b| (b'A'..=b'F').contains(&b)) {
            return None;
        }
        let mut bytes = [0; 4];
        bytes[..s.len()].copy_from_slice(s.as_bytes());
        Some(IdHash {
            bytes,
            len: s.len() as u8,
        })
    }

    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII letters A-F are ever stored.
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("")
    }
}

/// An id: the parts of a generated one, or any other text.
#[derive(Clone, PartialEq, Eq, Debug)]
enum Repr {
    /// `{tick}-{hash}-{seq}`, in the one spelling that formats back to itself,
    /// when tick and seq fit in 32 bits (16 bytes in all).
    Parts { hash: IdHash, tick: i32, seq: u32 },
    /// Any other id text (behind a thin pointer, so the enum stays 16 bytes).
    Text(Arc<Box<str>>),
}

impl Repr {
    #[inline]
    fn parts(tick: i32, hash: IdHash, seq: u32) -> Repr {
        Repr::Parts { hash, tick, seq }
    }
}

const _: () = assert!(std::mem::size_of::<Repr>() == 16);

impl std::hash::Hash for Repr {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match self {
            Repr::Parts { tick, seq, hash } => {
                let letters = u32::from_le_bytes(hash.bytes) ^ (u32::from(hash.len) << 28);
                let word = (u64::from(*tick as u32) << 32 | u64::from(*seq))
                    ^ u64::from(letters).rotate_left(21);
                state.write_u64(word);
            }
            Repr::Text(t) => {
                state.write(t.as_bytes());
                state.write_u8(0xff);
            }
        }
    }
}

/// The id of an event.
///
/// ```
/// use tickcascade::EventId;
/// let id = EventId::from("3-ADFA-12");
/// assert_eq!(id.to_string(), "3-ADFA-12");
/// assert_eq!(EventId::from("evt_123").to_string(), "evt_123");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct EventId(Repr);

const _: () = assert!(std::mem::size_of::<EventId>() == 16);
const _: () = assert!(std::mem::size_of::<Option<EventId>>() == 16);

impl EventId {
    #[inline(always)]
    pub(crate) fn generated(tick: i64, hash: IdHash, seq: u64) -> EventId {
        match (i32::try_from(tick), u32::try_from(seq)) {
            (Ok(tick), Ok(seq)) => EventId(Repr::parts(tick, hash, seq)),
            _ => EventId::generated_as_text(tick, hash, seq),
        }
    }

    /// `generated` for a tick or sequence number too wide for the parts.
    #[cold]
    #[inline(never)]
    fn generated_as_text(tick: i64, hash: IdHash, seq: u64) -> EventId {
        EventId(Repr::Text(Arc::new(
            format!("{tick}-{}-{seq}", hash.as_str()).into(),
        )))
    }

    /// A JSON string at the start of `b` (on its opening quote) holding an
    /// id of the generated shape that is stored as numbers: the id and the
    /// length of the string, quotes included. `None` for any other string,
    /// which the caller reads the general way.
    #[inline]
    pub(crate) fn from_quoted(b: &[u8]) -> Option<(EventId, usize)> {
        let body = b.strip_prefix(b"\"")?;
        let ((tick, hash, seq), end) = parse_wide_prefix(body)?;
        if body.get(end) != Some(&b'"') {
            return None;
        }
        let repr = Repr::parts(i32::try_from(tick).ok()?, hash, u32::try_from(seq).ok()?);
        Some((EventId(repr), end + 2))
    }

    /// The `(tick, hash, seq)` of an id of the generated shape.
    pub(crate) fn parts(&self) -> Option<(i64, IdHash, u64)> {
        match &self.0 {
            Repr::Parts { tick, seq, hash } => Some((i64::from(*tick), *hash, u64::from(*seq))),
            Repr::Text(t) => parse_wide(t),
        }
    }

    /// True for the empty id, which Eventure treats as "no parent".
    pub fn is_empty(&self) -> bool {
        matches!(&self.0, Repr::Text(t) if t.is_empty())
    }

    /// Appends the id's text to `out` (what `to_string` gives, without a
    /// new allocation).
    pub fn push_to(&self, out: &mut String) {
        match &self.0 {
            Repr::Parts { tick, seq, hash } => {
                let mut buf = itoa::Buffer::new();
                out.push_str(buf.format(*tick));
                out.push('-');
                out.push_str(hash.as_str());
                out.push('-');
                out.push_str(buf.format(*seq));
            }
            Repr::Text(t) => out.push_str(t),
        }
    }

    /// Appends the id as a JSON string.
    pub(crate) fn push_json(&self, out: &mut String) {
        match &self.0 {
            Repr::Parts { .. } => {
                out.push('"');
                self.push_to(out);
                out.push('"');
            }
            Repr::Text(t) => crate::json::escape::write_json_str(out, t),
        }
    }
}

/// Canonical decimal digits at `b[*i..]` (no leading zero unless the
/// number is 0) that fit in a u64; moves `i` past them.
#[inline(always)]
fn digits(b: &[u8], i: &mut usize) -> Option<u64> {
    let start = *i;
    let mut v = 0u64;
    while let Some(d) = b.get(*i).map(|c| c.wrapping_sub(b'0')).filter(|&d| d <= 9) {
        v = v.wrapping_mul(10).wrapping_add(u64::from(d));
        *i += 1;
    }
    let n = *i - start;
    let canonical = n == 1 || (n > 1 && b[start] != b'0');
    // Up to 19 digits cannot overflow; 20 may (compare with u64::MAX).
    let fits = n < 20 || (n == 20 && &b[start..*i] <= b"18446744073709551615".as_slice());
    (canonical && fits).then_some(v)
}

/// `(tick, hash, seq)` of text of the generated shape, at full width:
/// `-?DIGITS-LETTERS-DIGITS`, numbers canonical (no `-0`, no leading zeros),
/// up to four letters `A`-`F`. One pass over the bytes.
fn parse_wide(s: &str) -> Option<(i64, IdHash, u64)> {
    let b = s.as_bytes();
    parse_wide_prefix(b).and_then(|(parts, end)| (end == b.len()).then_some(parts))
}

/// [`parse_wide`] of the longest prefix of `b` of that shape: the parts and
/// where they end.
#[inline]
fn parse_wide_prefix(b: &[u8]) -> Option<((i64, IdHash, u64), usize)> {
    let negative = b.first() == Some(&b'-');
    let mut i = usize::from(negative);
    // Magnitudes up to 2^63 (i64::MIN's) are representable.
    let magnitude = digits(b, &mut i).filter(|&v| v <= 1 << 63)?;
    let tick = if negative {
        if magnitude == 0 {
            return None; // "-0"
        }
        (magnitude as i64).wrapping_neg()
    } else {
        i64::try_from(magnitude).ok()?
    };
    if b.get(i) != Some(&b'-') {
        return None;
    }
    i += 1;
    let mut letters = [0u8; 4];
    let mut n = 0;
    while let Some(&c @ b'A'..=b'F') = b.get(i + n) {
        *letters.get_mut(n)? = c; // a fifth letter: not an id of this shape
        n += 1;
    }
    let hash = IdHash {
        bytes: letters,
        len: n as u8,
    };
    i += n;
    if b.get(i) != Some(&b'-') {
        return None;
    }
    i += 1;
    let seq = digits(b, &mut i)?;
    Some(((tick, hash, seq), i))
}

fn parse_parts(s: &str) -> Option<Repr> {
    let (tick, hash, seq) = parse_wide(s)?;
    Some(Repr::parts(
        i32::try_from(tick).ok()?,
        hash,
        u32::try_from(seq).ok()?,
    ))
}

impl From<&str> for EventId {
    fn from(s: &str) -> EventId {
        EventId(parse_parts(s).unwrap_or_else(|| Repr::Text(Arc::new(s.into()))))
    }
}

impl From<String> for EventId {
    fn from(s: String) -> EventId {
        EventId::from(s.as_str())
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Parts { tick, seq, hash } => {
                // Through itoa, not `write!`: ids are formatted once per
                // event on some paths (the Python package's `add`).
                let mut buf = itoa::Buffer::new();
                f.write_str(buf.format(*tick))?;
                f.write_str("-")?;
                f.write_str(hash.as_str())?;
                f.write_str("-")?;
                f.write_str(buf.format(*seq))
            }
            Repr::Text(t) => f.write_str(t),
        }
    }
}

impl PartialEq<str> for EventId {
    fn eq(&self, other: &str) -> bool {
        match &self.0 {
            Repr::Text(t) => ***t == *other,
            Repr::Parts { .. } => parse_parts(other).is_some_and(|r| r == self.0),
        }
    }
}

impl PartialEq<&str> for EventId {
    fn eq(&self, other: &&str) -> bool {
        self == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_hashes_match_eventure() {
        let cases = [
            ("player.move", "ECBC"),
            ("combat.attack", "ADFA"),
            ("combat.damage", "EBEB"),
            ("market.update", "EFBA"),
            ("item.pickup", "EDDD"),
            ("", "DDCD"),
            ("ü.événement", "BDCC"),
            ("t15101", "BCC"),
            ("t22212", "FD"),
            ("t60483", "C"),
            ("t5597545", ""),
        ];
        for (ty, want) in cases {
            assert_eq!(IdHash::of_type(ty).as_str(), want, "{ty}");
        }
    }

    #[test]
    fn ids_of_the_generated_shape_are_numbers_and_print_back() {
        for s in [
            "0-ECBC-1",
            "-1-CCBC-1",
            "0--1",
            "12-C-3",
            "9223372036854775807-ABCD-18446744073709551615",
        ] {
            let id = EventId::from(s);
            assert!(id.parts().is_some(), "{s}");
            assert_eq!(id.to_string(), s);
            assert!(id == *s);
        }
        for s in [
            "",
            "evt_123",
            "0-ZZZZ-9",
            "01-ABCD-1",
            "-0-A-1",
            "1-ABCDE-1",
            "1-AB-01",
            "1-AB-",
            "1-ab-1",
            "x-A-1",
        ] {
            let id = EventId::from(s);
            assert!(id.parts().is_none(), "{s}");
            assert_eq!(id.to_string(), s);
        }
        assert_ne!(EventId::from("1-A-1"), EventId::from("1-A-2"));
        for s in [
            "9223372036854775808-A-1",
            "-9223372036854775809-A-1",
            "1-A-18446744073709551616",
        ] {
            assert!(parse_wide(s).is_none(), "{s}");
        }
        assert_eq!(
            parse_wide("-9223372036854775808-A-1").map(|p| p.0),
            Some(i64::MIN)
        );
    }

    /// The straightforward reading of the shape, to check the one-pass parser against.
    fn parse_wide_by_pieces(s: &str) -> Option<(i64, IdHash, u64)> {
        fn parse_int(s: &str, allow_minus: bool) -> Option<&str> {
            let digits = if allow_minus {
                s.strip_prefix('-').unwrap_or(s)
            } else {
                s
            };
            let canonical = !digits.is_empty()
                && digits.bytes().all(|b| b.is_ascii_digit())
                && (digits == "0" || !digits.starts_with('0'))
                && s != "-0";
            canonical.then_some(s)
        }
        let body_start = usize::from(s.starts_with('-'));
        let first_dash = body_start + s[body_start..].find('-')?;
        let tick: i64 = parse_int(&s[..first_dash], true)?.parse().ok()?;
        let rest = &s[first_dash + 1..];
        let second_dash = rest.find('-')?;
        let hash = IdHash::parse(&rest[..second_dash])?;
        let seq: u64 = parse_int(&rest[second_dash + 1..], false)?.parse().ok()?;
        Some((tick, hash, seq))
    }

    proptest::proptest! {
        #[test]
        fn one_pass_parsing_agrees_with_the_pieces(s in "-?[0-9]{0,21}-?[A-G]{0,5}-?[0-9]{0,21}[-x]?") {
            proptest::prop_assert_eq!(parse_wide(&s), parse_wide_by_pieces(&s));
        }

        #[test]
        fn quoted_ids_read_as_their_text_reads(s in "-?[0-9]{0,12}-?[A-G]{0,5}-?[0-9]{0,12}[-x\\\\]?") {
            let quoted = format!("\"{s}\", ");
            let from_text = EventId::from(s.as_str());
            match EventId::from_quoted(quoted.as_bytes()) {
                Some((id, len)) => {
                    proptest::prop_assert_eq!(len, s.len() + 2);
                    let parts = matches!(id.0, Repr::Parts { .. });
                    proptest::prop_assert!(parts, "{} not stored as numbers", s);
                    proptest::prop_assert_eq!(id, from_text);
                }
                None => {
                    let text = matches!(from_text.0, Repr::Text(_));
                    proptest::prop_assert!(text, "{} declined but stored as numbers", s);
                }
            }
        }
    }
}
