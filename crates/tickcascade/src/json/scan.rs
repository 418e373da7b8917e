//! An iterative JSON scanner that validates text as Python's `json.loads`
//! does and writes the value back in the canonical form `json.dumps`
//! produces (`", "` / `": "` separators, ASCII escapes, float `repr`, ints
//! verbatim, duplicate keys collapsed: last value at the first position).
//!
//! Nesting depth costs heap, never stack: containers are tracked on an
//! explicit stack, so a value nested a million levels deep scans fine.
//!
//! Size: about 920 lines without its tests: the validator and the
//! canonicalizer are one iterative state machine over the line.

use super::escape::{is_plain, push_u_escape, write_json_str_body};
use super::float::{NonFinite, write_float};
use super::top_keys::{TopKeys, TopKeysBuilder};
use std::borrow::Cow;
use std::fmt;

/// Python refuses to convert integers longer than this (`sys.int_info`).
pub(crate) const MAX_INT_DIGITS: usize = 4300;

/// What went wrong, and at which byte of the scanned text (0-based).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ScanError {
    pub offset: usize,
    pub kind: ScanErrorKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ScanErrorKind {
    UnexpectedEnd(&'static str),
    Expected(&'static str, Found),
    ControlCharInString,
    BadEscape,
    /// `NaN`, `Infinity`, `-Infinity`, or a number too large for a float.
    NonFinite(&'static str),
    IntTooLong,
    LoneSurrogate,
    TrailingData,
}

/// A printable description of the byte found where something else was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Found(pub char);

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            c if c.is_control() => write!(f, "{:?}", c),
            c => write!(f, "'{c}'"),
        }
    }
}

impl fmt::Display for ScanErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnexpectedEnd(what) => write!(f, "line ends early: expected {what}"),
            Self::Expected(what, found) => write!(f, "expected {what}, found {found}"),
            Self::ControlCharInString => f.write_str("raw control character in a string"),
            Self::BadEscape => f.write_str("invalid escape in a string"),
            Self::NonFinite(token) => write!(
                f,
                "{token} is not JSON (load with allow_nan, or --allow-nan, to accept it)"
            ),
            Self::IntTooLong => write!(f, "integer longer than {MAX_INT_DIGITS} digits"),
            Self::LoneSurrogate => f.write_str("string holds an unpaired UTF-16 surrogate"),
            Self::TrailingData => f.write_str("extra data after the JSON value"),
        }
    }
}

/// A number token: its text, and whether it is an integer (no fraction, no exponent).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Number<'a> {
    Int(&'a str),
    Float(f64),
}

/// A number read by [`Scanner::quick_number`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum QuickNumber {
    Int(i64),
    Float(f64),
}

#[derive(Clone, Copy)]
struct Frame {
    object: bool,
    /// Index into `Scanner::keys` of this object's first key.
    first_key: usize,
}

/// Reusable buffers of a scanner, so scanning many lines allocates once.
#[derive(Default)]
pub(crate) struct ScanBuffers {
    frames: Vec<Frame>,
    keys: Vec<(usize, usize)>,
}

/// Scans one line (or any slice) of JSON text.
pub(crate) struct Scanner<'a> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
    allow_nan: bool,
    frames: Vec<Frame>,
    keys: Vec<(usize, usize)>,
    saw_duplicate_key: bool,
}

type Result<T> = std::result::Result<T, ScanError>;

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Powers of ten a double holds exactly.
const EXACT_POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Reads the digits at `s[*i..]`, moving `*i` past them, and returns
/// `m` followed by them as a number (wrapping when they are many).
/// (Eight digits at a time was tried: slower here, where most numbers
/// are short.)
#[inline]
fn digit_run(s: &[u8], i: &mut usize, mut m: u64) -> u64 {
    while let Some(&d @ b'0'..=b'9') = s.get(*i) {
        m = m.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
        *i += 1;
    }
    m
}

/// `digit_run` eight bytes at a time: the digits among the next eight are
/// counted and valued in a few word operations (for numbers of more than a
/// couple of digits, such as timestamps; `digit_run` wins on short ones).
#[inline]
fn digit_run_wide(s: &[u8], i: &mut usize, mut m: u64) -> u64 {
    while let Some(chunk) = s.get(*i..*i + 8) {
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        // Each byte minus '0' (a borrow only leaves a byte that is not a
        // digit, and only reaches the bytes after it).
        let x = w.wrapping_sub(ONES * u64::from(b'0'));
        // High bit set in each byte that is not a digit (x >= 10), exact up
        // to and including the first such byte.
        let not_digit = (x.wrapping_add(ONES * 0x76) | x) & HIGHS;
        let n = (not_digit.trailing_zeros() / 8) as usize;
        if n == 0 {
            return m;
        }
        // The n digits, most significant first, moved to the top of the
        // word (zeros before them), then valued pairwise.
        let mut v = x << (8 * (8 - n));
        v = (v & 0x0f0f_0f0f_0f0f_0f0f).wrapping_mul(2561) >> 8;
        v = (v & 0x00ff_00ff_00ff_00ff).wrapping_mul(6_553_601) >> 16;
        v = (v & 0x0000_ffff_0000_ffff).wrapping_mul(42_949_672_960_001) >> 32;
        m = m.wrapping_mul(POW10_U64[n]).wrapping_add(v);
        *i += n;
        if n < 8 {
            return m;
        }
    }
    digit_run(s, i, m)
}

const POW10_U64: [u64; 9] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

/// The value of a decimal `digits` long (`m` their value, wrapped if
/// they are many) with `decimals` of them after the point, when it is
/// quick to get exactly: no exponent, at most 19 digits whose value is at
/// most 2^53, at most 22 decimals. Then the digits and the power of ten are
/// both exact doubles, and one correctly rounded division gives the
/// correctly rounded result (Clinger's fast path). Eventure's timestamps
/// all take it.
#[inline]
fn quick_float(
    negative: bool,
    m: u64,
    digits: usize,
    decimals: usize,
    exponent: bool,
) -> Option<f64> {
    if exponent || digits > 19 || m > 1 << 53 {
        return None;
    }
    let v = m as f64 / *EXACT_POW10.get(decimals)?;
    Some(if negative { -v } else { v })
}

/// The high bit of each byte of `w` (eight bytes, little-endian) that is
/// not plain in a JSON string: `"`, `\\`, below 0x20, 0x7f, or 0x80 and up.
/// Zero exactly when all eight are plain; when not, the lowest flag is at
/// the first byte needing care (flags above it may be spurious).
#[inline(always)]
pub(crate) fn plain_flags(w: u64) -> u64 {
    let quote = (w ^ (ONES * u64::from(b'"'))).wrapping_sub(ONES) & !(w ^ (ONES * u64::from(b'"')));
    let slash = (w ^ (ONES * 0x5c)).wrapping_sub(ONES) & !(w ^ (ONES * 0x5c));
    let control = w.wrapping_sub(ONES * 0x20) & !w;
    let del = (w ^ (ONES * 0x7f)).wrapping_sub(ONES) & !(w ^ (ONES * 0x7f));
    (quote | slash | control | del | w) & HIGHS
}

/// The length of the run at the start of `s` of bytes that stand for
/// themselves inside a canonical JSON string: printable ASCII other than
/// `"` and `\\` (0x20..=0x7e). Eight bytes at a time.
#[inline]
pub(crate) fn plain_run(s: &[u8]) -> usize {
    let mut i = 0;
    while let Some(chunk) = s.get(i..i + 8) {
        let flags = plain_flags(u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8])));
        if flags != 0 {
            return i + (flags.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i + s[i..]
        .iter()
        .position(|&b| !is_plain(b))
        .unwrap_or(s.len() - i)
}

/// The length of a canonical integer at the start of `s` (`-?(0|[1-9]\d*)`,
/// at most `MAX_INT_DIGITS` digits, not `-0`, not followed by a fraction or
/// an exponent), or `None`.
#[inline]
fn canonical_int(s: &[u8]) -> Option<usize> {
    let negative = s.first() == Some(&b'-');
    let digits = usize::from(negative);
    let mut i = digits;
    while s.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let n = i - digits;
    let canonical = match n {
        0 => false,
        1 => !(s[digits] == b'0' && negative), // not "-0"
        _ => s[digits] != b'0' && n <= MAX_INT_DIGITS,
    };
    (canonical && !matches!(s.get(i), Some(b'.' | b'e' | b'E'))).then_some(i)
}

/// The end of a plain string (printable ASCII, no escapes) starting at
/// `s[i]`, its closing quote included, or `None`.
#[inline(always)]
fn plain_string_end(s: &[u8], i: usize) -> Option<usize> {
    if s.get(i) != Some(&b'"') {
        return None;
    }
    let j = i + 1 + plain_run(&s[i + 1..]);
    (s.get(j) == Some(&b'"')).then_some(j + 1)
}

/// The end of a canonical value that is no container (a plain string, an
/// integer, `true`, `false`, `null`) starting at `s[i]`, or `None`.
/// Floats go the long way: their text must be Python's repr.
#[inline(always)]
fn canonical_scalar_end(s: &[u8], i: usize) -> Option<usize> {
    match *s.get(i)? {
        b'"' => plain_string_end(s, i),
        b'-' | b'0'..=b'9' => Some(i + canonical_int(&s[i..])?),
        b't' if s[i..].starts_with(b"true") => Some(i + 4),
        b'f' if s[i..].starts_with(b"false") => Some(i + 5),
        b'n' if s[i..].starts_with(b"null") => Some(i + 4),
        _ => None,
    }
}

/// A flat object (no nested container, at most eight keys) at the start of
/// `s` whose text is canonical as it is: its length and where its keys are.
/// `None` for anything else (the general check then decides). Most event
/// data has this shape, and this is the quick way through it.
#[inline]
fn flat_canonical_object(s: &[u8]) -> Option<(usize, TopKeys)> {
    const MAX_KEYS: usize = 8;
    if s.first() != Some(&b'{') {
        return None;
    }
    let mut top_keys = TopKeysBuilder::default();
    if s.get(1) == Some(&b'}') {
        return Some((2, top_keys.finish()));
    }
    let mut keys: [(u32, u32); MAX_KEYS] = [(0, 0); MAX_KEYS];
    let mut nkeys = 0;
    let mut i = 1;
    loop {
        // A key, unlike every key before it, then `": "`.
        if nkeys == MAX_KEYS {
            return None;
        }
        top_keys.key_at(i);
        let end = plain_string_end(s, i)?;
        let key = &s[i..end];
        if keys[..nkeys]
            .iter()
            .any(|&(a, b)| &s[a as usize..b as usize] == key)
        {
            return None; // a duplicate: Python keeps the last
        }
        keys[nkeys] = (i as u32, end as u32);
        nkeys += 1;
        if s.get(end..end + 2)? != b": " {
            return None;
        }
        i = canonical_scalar_end(s, end + 2)?;
        match s.get(i..i + 2) {
            Some([b',', b' ']) => i += 2,
            _ if s.get(i) == Some(&b'}') => return Some((i + 1, top_keys.finish())),
            _ => return None,
        }
    }
}

impl<'a> Scanner<'a> {
    pub(crate) fn new(text: &'a str, allow_nan: bool) -> Self {
        Scanner {
            src: text.as_bytes(),
            text,
            pos: 0,
            allow_nan,
            frames: Vec::new(),
            keys: Vec::new(),
            saw_duplicate_key: false,
        }
    }

    /// A scanner over `text` that reuses `buffers`.
    pub(crate) fn with_buffers(text: &'a str, allow_nan: bool, buffers: ScanBuffers) -> Self {
        Scanner {
            frames: buffers.frames,
            keys: buffers.keys,
            ..Scanner::new(text, allow_nan)
        }
    }

    /// Gives the buffers back for the next line.
    pub(crate) fn into_buffers(self) -> ScanBuffers {
        ScanBuffers {
            frames: self.frames,
            keys: self.keys,
        }
    }

    fn err<T>(&self, kind: ScanErrorKind) -> Result<T> {
        Err(ScanError {
            offset: self.pos,
            kind,
        })
    }

    fn found(&self) -> Found {
        Found(self.text[self.pos..].chars().next().unwrap_or('?'))
    }

    fn expected<T>(&self, what: &'static str) -> Result<T> {
        if self.pos >= self.src.len() {
            self.err(ScanErrorKind::UnexpectedEnd(what))
        } else {
            self.err(ScanErrorKind::Expected(what, self.found()))
        }
    }

    #[inline]
    pub(crate) fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.src.get(self.pos) {
            self.pos += 1;
        }
    }

    #[inline]
    pub(crate) fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    /// Skips white space, then consumes `b` or fails saying `what` was expected.
    #[inline]
    pub(crate) fn expect(&mut self, b: u8, what: &'static str) -> Result<()> {
        self.skip_ws();
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            self.expected(what)
        }
    }

    /// After the last value: only white space may follow.
    pub(crate) fn finish(&mut self) -> Result<()> {
        self.skip_ws();
        if self.pos < self.src.len() {
            return self.err(ScanErrorKind::TrailingData);
        }
        Ok(())
    }

    pub(crate) fn offset(&self) -> usize {
        self.pos
    }

    /// The whole text being scanned.
    pub(crate) fn bytes(&self) -> &'a [u8] {
        self.src
    }

    /// Moves the cursor (to re-scan a line another way).
    pub(crate) fn seek(&mut self, pos: usize) {
        self.pos = pos.min(self.src.len());
    }

    /// Consumes `literal` if the text continues with it exactly. (Of a
    /// size known when compiled, so the comparison is a few loads.)
    #[inline]
    pub(crate) fn eat<const N: usize>(&mut self, literal: &[u8; N]) -> bool {
        match self.src.get(self.pos..self.pos + N) {
            Some(next) if next == literal => {
                self.pos += N;
                true
            }
            _ => false,
        }
    }

    /// Scans a string at the cursor (after white space) and returns its
    /// decoded text, borrowed when it has no escapes.
    pub(crate) fn string(&mut self) -> Result<Cow<'a, str>> {
        self.skip_ws();
        if self.peek() != Some(b'"') {
            return self.expected("a string");
        }
        let start = self.pos + 1;
        let mut i = start + plain_run(&self.src[start..]);
        // Past the plain run: non-ASCII text is still taken as it is.
        while let Some(&b) = self.src.get(i) {
            if b == b'"' {
                self.pos = i + 1;
                return Ok(Cow::Borrowed(&self.text[start..i]));
            }
            if b == b'\\' || b < 0x20 {
                break;
            }
            i += 1;
        }
        // Slow path: escapes (or an error); canonicalize then decode.
        let mut body = String::new();
        self.string_into(&mut body)?;
        let inner = &body[1..body.len() - 1];
        match super::escape::decode_str(inner) {
            Some(s) => Ok(Cow::Owned(s)),
            None => self.err(ScanErrorKind::LoneSurrogate),
        }
    }

    /// Scans a string at the cursor (which is on the opening quote) and
    /// appends its canonical encoding, quotes included.
    fn string_into(&mut self, out: &mut String) -> Result<()> {
        debug_assert_eq!(self.peek(), Some(b'"'));
        self.pos += 1;
        out.push('"');
        loop {
            let run_start = self.pos;
            self.pos += plain_run(&self.src[run_start..]);
            out.push_str(&self.text[run_start..self.pos]);
            let Some(b) = self.peek() else {
                return self.err(ScanErrorKind::UnexpectedEnd("the closing '\"' of a string"));
            };
            match b {
                b'"' => {
                    self.pos += 1;
                    out.push('"');
                    return Ok(());
                }
                b'\\' => self.escape_into(out)?,
                0..0x20 => return self.err(ScanErrorKind::ControlCharInString),
                _ => {
                    // 0x7f or the start of a multi-byte character.
                    let c = self.text[self.pos..].chars().next().unwrap_or('\u{fffd}');
                    let mut buf = [0u8; 4];
                    write_json_str_body(out, c.encode_utf8(&mut buf));
                    self.pos += c.len_utf8();
                }
            }
        }
    }

    fn escape_into(&mut self, out: &mut String) -> Result<()> {
        let esc = self.src.get(self.pos + 1).copied();
        match esc {
            Some(b'"') => out.push_str("\\\""),
            Some(b'\\') => out.push_str("\\\\"),
            Some(b'/') => out.push('/'),
            Some(b'b') => out.push_str("\\b"),
            Some(b'f') => out.push_str("\\f"),
            Some(b'n') => out.push_str("\\n"),
            Some(b'r') => out.push_str("\\r"),
            Some(b't') => out.push_str("\\t"),
            Some(b'u') => {
                let hex = self.src.get(self.pos + 2..self.pos + 6);
                let unit = hex.and_then(|h| {
                    std::str::from_utf8(h)
                        .ok()
                        .filter(|s| s.bytes().all(|b| b.is_ascii_hexdigit()))
                        .and_then(|s| u32::from_str_radix(s, 16).ok())
                });
                let Some(unit) = unit else {
                    return self.err(ScanErrorKind::BadEscape);
                };
                match char::from_u32(unit) {
                    Some(c) if c.is_ascii() => {
                        let mut buf = [0u8; 4];
                        write_json_str_body(out, c.encode_utf8(&mut buf));
                    }
                    _ => push_u_escape(out, unit),
                }
                self.pos += 6;
                return Ok(());
            }
            _ => return self.err(ScanErrorKind::BadEscape),
        }
        self.pos += 2;
        Ok(())
    }

    /// Scans a number (or, with `allow_nan`, `NaN`/`Infinity`/`-Infinity`)
    /// at the cursor.
    pub(crate) fn number(&mut self) -> Result<Number<'a>> {
        self.skip_ws();
        if let Some(v) = self.non_finite()? {
            return Ok(Number::Float(v));
        }
        let start = self.pos;
        let s = self.src;
        let mut i = self.pos;
        let negative = s.get(i) == Some(&b'-');
        if negative {
            i += 1;
        }
        // The digits' value, kept while it is exact (see `quick_float`).
        let mut m: u64 = 0;
        let first_digit = i;
        match s.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => m = digit_run(s, &mut i, 0),
            _ => {
                self.pos = i;
                return self.expected("a JSON value");
            }
        }
        let int_end = i;
        let mut is_int = true;
        let mut decimals = 0;
        if s.get(i) == Some(&b'.') && s.get(i + 1).is_some_and(u8::is_ascii_digit) {
            is_int = false;
            i += 1;
            let frac_start = i;
            m = digit_run(s, &mut i, m);
            decimals = i - frac_start;
        }
        let mut exponent = false;
        if let Some(b'e' | b'E') = s.get(i) {
            let mut j = i + 1;
            if let Some(b'+' | b'-') = s.get(j) {
                j += 1;
            }
            if s.get(j).is_some_and(u8::is_ascii_digit) {
                is_int = false;
                exponent = true;
                while s.get(j).is_some_and(u8::is_ascii_digit) {
                    j += 1;
                }
                i = j;
            }
        }
        self.pos = i;
        let text = &self.text[start..i];
        if is_int {
            let digits = int_end - start - usize::from(negative);
            if digits > MAX_INT_DIGITS {
                self.pos = start;
                return self.err(ScanErrorKind::IntTooLong);
            }
            return Ok(Number::Int(text));
        }
        let digits = int_end - first_digit + decimals;
        let v = match quick_float(negative, m, digits, decimals, exponent) {
            Some(v) => v,
            None => text.parse().unwrap_or(f64::NAN),
        };
        if !v.is_finite() && !self.allow_nan {
            self.pos = start;
            return self.err(ScanErrorKind::NonFinite("a number too large for a float"));
        }
        Ok(Number::Float(v))
    }

    /// A number at the cursor in the plain shape Eventure writes for ticks
    /// and timestamps, `-?(0|[1-9][0-9]*)(\.[0-9]+)?` with no exponent,
    /// when its value is quick to get exactly: an integer of at most 18
    /// digits, or a decimal [`quick_float`] takes. `None` (cursor unmoved)
    /// otherwise, and [`number`](Self::number) reads it.
    #[inline]
    pub(crate) fn quick_number(&mut self) -> Option<QuickNumber> {
        let s = self.src;
        let start = self.pos;
        let negative = s.get(start) == Some(&b'-');
        let first_digit = start + usize::from(negative);
        let mut i = first_digit;
        let mut m = match s.get(i)? {
            b'0' => {
                i += 1;
                0
            }
            b'1'..=b'9' => digit_run_wide(s, &mut i, 0),
            _ => return None,
        };
        let int_digits = i - first_digit;
        let mut decimals = 0;
        if s.get(i) == Some(&b'.') {
            let frac_start = i + 1;
            i = frac_start;
            m = digit_run_wide(s, &mut i, m);
            decimals = i - frac_start;
            if decimals == 0 {
                return None;
            }
        }
        if matches!(s.get(i), Some(b'e' | b'E' | b'0'..=b'9')) {
            return None;
        }
        let number = if decimals == 0 {
            if int_digits > 18 {
                return None;
            }
            let v = m as i64;
            QuickNumber::Int(if negative { -v } else { v })
        } else {
            let v = quick_float(negative, m, int_digits + decimals, decimals, false)?;
            QuickNumber::Float(v)
        };
        self.pos = i;
        Some(number)
    }

    /// `NaN`, `Infinity` or `-Infinity` at the cursor.
    #[inline]
    fn non_finite(&mut self) -> Result<Option<f64>> {
        let rest = &self.src[self.pos..];
        match rest {
            [b'N' | b'I', ..] | [b'-', b'I', ..] => {}
            _ => return Ok(None),
        }
        let (token, v): (&'static str, f64) = if rest.starts_with(b"NaN") {
            ("NaN", f64::NAN)
        } else if rest.starts_with(b"Infinity") {
            ("Infinity", f64::INFINITY)
        } else if rest.starts_with(b"-Infinity") {
            ("-Infinity", f64::NEG_INFINITY)
        } else {
            return Ok(None);
        };
        if !self.allow_nan {
            return self.err(ScanErrorKind::NonFinite(token));
        }
        self.pos += token.len();
        Ok(Some(v))
    }

    /// The value at the cursor, when its text is already canonical (exactly
    /// what [`value_into`](Self::value_into) would write): consumed and
    /// returned as it is. `None` (cursor unmoved) for anything this quick
    /// check does not vouch for: floats, escapes, non-ASCII, objects of more
    /// than 16 keys, nesting past 32 levels, any deviation. Files written by
    /// Eventure or this crate mostly pass, and skip re-encoding.
    /// Also tells where an object's top-level keys are.
    pub(crate) fn canonical_value(&mut self) -> Option<(&'a str, TopKeys)> {
        if let Some((len, keys)) = flat_canonical_object(&self.src[self.pos..]) {
            let text = &self.text[self.pos..self.pos + len];
            self.pos += len;
            return Some((text, keys));
        }
        self.nested_canonical_value()
    }

    /// [`canonical_value`](Self::canonical_value) for any value (the flat
    /// object, the common case, is tried first on its own).
    fn nested_canonical_value(&mut self) -> Option<(&'a str, TopKeys)> {
        const MAX_DEPTH: usize = 32;
        const MAX_KEYS: usize = 16;
        let s = &self.src[self.pos..];
        let mut i = 0;
        // Open containers (true: object), and per open object the keys seen.
        let mut objects = [false; MAX_DEPTH];
        let mut depth = 0;
        let mut keys: [(u32, u32); MAX_KEYS] = [(0, 0); MAX_KEYS];
        let mut key_starts = [0u8; MAX_DEPTH];
        let mut nkeys = 0usize;
        let mut top_keys = TopKeysBuilder::default();
        // A key at `i` (of the innermost object), then `": "`: the value's start.
        let mut key = |i: usize, first: u8, nkeys: &mut usize| -> Option<usize> {
            let end = plain_string_end(s, i)?;
            let text = &s[i..end];
            let first = usize::from(first);
            if keys[first..*nkeys]
                .iter()
                .any(|&(a, b)| &s[a as usize..b as usize] == text)
                || *nkeys == MAX_KEYS
            {
                return None; // a duplicate (Python keeps the last), or too many to check
            }
            keys[*nkeys] = (i as u32, end as u32);
            *nkeys += 1;
            (s.get(end..end + 2)? == b": ").then_some(end + 2)
        };
        'value: loop {
            match *s.get(i)? {
                open @ (b'{' | b'[') => {
                    let close = if open == b'{' { b'}' } else { b']' };
                    if s.get(i + 1) == Some(&close) {
                        i += 2;
                    } else {
                        if depth == MAX_DEPTH {
                            return None;
                        }
                        objects[depth] = open == b'{';
                        key_starts[depth] = nkeys as u8;
                        depth += 1;
                        i += 1;
                        if open == b'{' {
                            if depth == 1 {
                                top_keys.key_at(i);
                            }
                            i = key(i, key_starts[depth - 1], &mut nkeys)?;
                        }
                        continue 'value;
                    }
                }
                _ => i = canonical_scalar_end(s, i)?,
            }
            // After a value: close containers, or go on to the next item.
            loop {
                if depth == 0 {
                    let text = &self.text[self.pos..self.pos + i];
                    self.pos += i;
                    return Some((text, top_keys.finish()));
                }
                let object = objects[depth - 1];
                match s.get(i) {
                    Some(b',') if s.get(i + 1) == Some(&b' ') => {
                        i += 2;
                        if object {
                            if depth == 1 {
                                top_keys.key_at(i);
                            }
                            i = key(i, key_starts[depth - 1], &mut nkeys)?;
                        }
                        continue 'value;
                    }
                    Some(b'}') if object => {}
                    Some(b']') if !object => {}
                    _ => return None,
                }
                i += 1;
                depth -= 1;
                nkeys = usize::from(key_starts[depth]);
            }
        }
    }

    /// Scans one complete value at the cursor and appends its canonical
    /// text to `out`.
    pub(crate) fn value_into(&mut self, out: &mut String) -> Result<()> {
        let out_start = out.len();
        self.frames.clear();
        self.keys.clear();
        self.saw_duplicate_key = false;
        'value: loop {
            self.skip_ws();
            match self.peek() {
                Some(b'{') => {
                    self.pos += 1;
                    out.push('{');
                    self.skip_ws();
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                        out.push('}');
                    } else {
                        self.frames.push(Frame {
                            object: true,
                            first_key: self.keys.len(),
                        });
                        self.key_into(out)?;
                        continue 'value;
                    }
                }
                Some(b'[') => {
                    self.pos += 1;
                    out.push('[');
                    self.skip_ws();
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                        out.push(']');
                    } else {
                        self.frames.push(Frame {
                            object: false,
                            first_key: 0,
                        });
                        continue 'value;
                    }
                }
                Some(b'"') => self.string_into(out)?,
                Some(b't') if self.src[self.pos..].starts_with(b"true") => {
                    self.pos += 4;
                    out.push_str("true");
                }
                Some(b'f') if self.src[self.pos..].starts_with(b"false") => {
                    self.pos += 5;
                    out.push_str("false");
                }
                Some(b'n') if self.src[self.pos..].starts_with(b"null") => {
                    self.pos += 4;
                    out.push_str("null");
                }
                _ => match self.number()? {
                    Number::Int(text) => out.push_str(if text == "-0" { "0" } else { text }),
                    Number::Float(v) => write_float(out, v, NonFinite::Json),
                },
            }
            // After a complete value: close containers or move to the next item.
            loop {
                let Some(&frame) = self.frames.last() else {
                    if self.saw_duplicate_key {
                        let deduped = super::tree::dedup_keys(&out[out_start..]);
                        out.truncate(out_start);
                        out.push_str(&deduped);
                    }
                    return Ok(());
                };
                self.skip_ws();
                match (self.peek(), frame.object) {
                    (Some(b','), true) => {
                        self.pos += 1;
                        out.push_str(", ");
                        self.key_into(out)?;
                        continue 'value;
                    }
                    (Some(b','), false) => {
                        self.pos += 1;
                        out.push_str(", ");
                        continue 'value;
                    }
                    (Some(b'}'), true) => {
                        self.pos += 1;
                        out.push('}');
                        self.check_duplicates(out, frame.first_key);
                        self.keys.truncate(frame.first_key);
                        self.frames.pop();
                    }
                    (Some(b']'), false) => {
                        self.pos += 1;
                        out.push(']');
                        self.frames.pop();
                    }
                    (_, true) => return self.expected("',' or '}' after an object member"),
                    (_, false) => return self.expected("',' or ']' after an array item"),
                }
            }
        }
    }

    /// Scans `"key":` and appends `"key": `.
    fn key_into(&mut self, out: &mut String) -> Result<()> {
        self.skip_ws();
        if self.peek() != Some(b'"') {
            return self.expected("a '\"' to start an object key");
        }
        let start = out.len();
        self.string_into(out)?;
        self.keys.push((start, out.len()));
        self.expect(b':', "':' after an object key")?;
        out.push_str(": ");
        Ok(())
    }

    fn check_duplicates(&mut self, out: &str, first_key: usize) {
        let keys = &self.keys[first_key..];
        if keys.len() < 2 || self.saw_duplicate_key {
            return;
        }
        let text = |&(a, b): &(usize, usize)| &out[a..b];
        let dup = if keys.len() <= 8 {
            keys.iter()
                .enumerate()
                .any(|(i, k)| keys[..i].iter().any(|p| text(p) == text(k)))
        } else {
            let mut sorted: Vec<&str> = keys.iter().map(text).collect();
            sorted.sort_unstable();
            sorted.windows(2).any(|w| w[0] == w[1])
        };
        self.saw_duplicate_key = dup;
    }
}

/// Canonicalizes a whole JSON text (one value, white space around it allowed).
pub(crate) fn canonicalize(text: &str, allow_nan: bool) -> Result<String> {
    let mut scanner = Scanner::new(text, allow_nan);
    let mut out = String::with_capacity(text.len());
    scanner.value_into(&mut out)?;
    scanner.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        canonicalize(s, true).unwrap_or_else(|e| panic!("{s}: {e:?}"))
    }

    /// What `canonical_value` vouches for must be what `value_into` writes,
    /// and it must stop where `value_into` stops.
    fn check_canonical_value(text: &str) -> std::result::Result<(), String> {
        let mut quick = Scanner::new(text, false);
        let Some((verbatim, keys)) = quick.canonical_value() else {
            return Ok(());
        };
        // The recorded offsets are exactly the top-level keys' (when known).
        if let Some(offsets) = keys.offsets() {
            let mut want = Vec::new();
            crate::json::tokens::for_each_key_offset(verbatim, |o| want.push(o));
            let got: Vec<usize> = offsets
                .iter()
                .take_while(|&&o| o != 0)
                .map(|&o| usize::from(o))
                .collect();
            if got != want {
                return Err(format!("{text:?}: key offsets {got:?}, expected {want:?}"));
            }
        }
        let mut slow = Scanner::new(text, false);
        let mut out = String::new();
        slow.value_into(&mut out)
            .map_err(|e| format!("{text:?}: vouched for, but value_into fails: {e:?}"))?;
        if verbatim != out || quick.offset() != slow.offset() {
            return Err(format!("{text:?}: {verbatim:?} vs {out:?}"));
        }
        Ok(())
    }

    #[test]
    fn plain_runs_stop_at_the_first_byte_needing_care() {
        for (text, want) in [
            ("", 0),
            ("abc", 3),
            ("abcdefgh", 8),
            ("abcdefghij\"", 10),
            ("ab\\cdefghijkl", 2),
            ("abcdefg\u{1}", 7),
            ("abcdefgh\u{7f}", 8),
            ("abcdefghijkl\u{e9}", 12),
            ("\u{1f}\"", 0),
            (" ~!#", 4),
        ] {
            assert_eq!(plain_run(text.as_bytes()), want, "{text:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn plain_run_agrees_with_a_byte_loop(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40)) {
            let want = bytes
                .iter()
                .position(|&b| !(0x20..0x7f).contains(&b) || b == b'"' || b == b'\\')
                .unwrap_or(bytes.len());
            proptest::prop_assert_eq!(plain_run(&bytes), want);
        }
    }

    #[test]
    fn canonical_values_are_taken_verbatim_and_others_are_not() {
        for text in [
            r#"{"i": 0, "tick": 5, "name": "hero"}"#,
            r#"[1, [], {}, {"a": [true, false, null]}]"#,
            r#"{"a": {"a": 1}, "b": 2} tail"#,
            "-12",
        ] {
            let mut sc = Scanner::new(text, false);
            assert!(sc.canonical_value().is_some(), "{text}");
            check_canonical_value(text).unwrap();
        }
        for text in [
            r#"{"a": 1, "a": 2}"#,
            r#"{"a":1}"#,
            r#"{"a": 1.5}"#,
            r#"["\u00e9"]"#,
            "-0",
            "01",
            r#"{"a": 1,"b": 2}"#,
            "[1, 2",
            "\"caf\u{e9}\"",
        ] {
            let mut sc = Scanner::new(text, false);
            assert!(sc.canonical_value().is_none(), "{text}");
            assert_eq!(sc.offset(), 0);
        }
    }

    proptest::proptest! {
        #[test]
        fn canonical_value_agrees_with_value_into(
            text in r#"[\[\]{}"a-c0-9 ,:.\-e\\]{0,40}"#,
        ) {
            check_canonical_value(&text).map_err(proptest::test_runner::TestCaseError::fail)?;
        }

        #[test]
        fn flat_objects_are_checked_as_the_general_path_checks_them(
            members in proptest::collection::vec((0usize..4, 0usize..12, 0usize..4), 0..10),
        ) {
            const KEYS: [&str; 4] = ["\"a\"", "\"b\"", "\"ab\"", "\"a\\u0062\""];
            const VALUES: [&str; 12] =
                ["0", "-0", "01", "-12", "1.5", "1e5", "\"x y\"", "true", "nul", "[]", "{}", "null"];
            const SEPARATORS: [&str; 4] = [", ", ", ", ",", " , "];
            let mut text = String::from("{");
            for (n, &(k, v, sep)) in members.iter().enumerate() {
                if n > 0 {
                    text.push_str(SEPARATORS[sep]);
                }
                text.push_str(KEYS[k]);
                text.push_str(if sep == 3 { ":" } else { ": " });
                text.push_str(VALUES[v]);
            }
            text.push('}');
            check_canonical_value(&text).map_err(proptest::test_runner::TestCaseError::fail)?;
        }

        #[test]
        fn canonical_value_agrees_on_real_shapes(
            v in proptest::collection::vec((0u8..6, 0u32..3), 0..12),
        ) {
            // Build nested canonical-looking text from a small grammar.
            let mut text = String::new();
            let mut open: Vec<char> = Vec::new();
            for (op, k) in v {
                let after_item = matches!(text.chars().last(), Some('0'..='9' | '"' | ']' | '}' | 'e'));
                if after_item && !open.is_empty() { text.push_str(", "); }
                if open.last() == Some(&'}') && (after_item || text.ends_with('{')) {
                    text.push_str(&format!("\"k{k}\": "));
                }
                match op {
                    0 => { text.push('{'); open.push('}'); }
                    1 => { text.push('['); open.push(']'); }
                    2 => text.push_str(&k.to_string()),
                    3 => text.push_str("\"s\""),
                    4 => text.push_str("true"),
                    _ => if let Some(c) = open.pop() { text.push(c) },
                }
            }
            while let Some(c) = open.pop() { text.push(c); }
            check_canonical_value(&text).map_err(proptest::test_runner::TestCaseError::fail)?;
        }
    }

    #[test]
    fn writes_python_dumps_form() {
        assert_eq!(
            canon(r#"{"a":1,"b":[1.50,2E3,-0,true,null]}"#),
            r#"{"a": 1, "b": [1.5, 2000.0, 0, true, null]}"#
        );
        assert_eq!(canon(r#" "\u00E9\/x\u0041" "#), r#""\u00e9/xA""#);
        assert_eq!(canon("\"é😀\u{7f}\""), r#""\u00e9\ud83d\ude00\u007f""#);
        assert_eq!(canon(r#""\ud800""#), r#""\ud800""#);
        assert_eq!(canon("1e400"), "Infinity");
        assert_eq!(canon("[NaN, -Infinity]"), "[NaN, -Infinity]");
        assert_eq!(canon("12345678901234567890123"), "12345678901234567890123");
    }

    #[test]
    fn collapses_duplicate_keys_like_python() {
        assert_eq!(canon(r#"{"a": 1, "b": 2, "a": 3}"#), r#"{"a": 3, "b": 2}"#);
        assert_eq!(
            canon(r#"[{"x": {"k": 1, "k": [2]}}]"#),
            r#"[{"x": {"k": [2]}}]"#
        );
    }

    #[test]
    fn rejects_what_python_rejects() {
        for bad in [
            "",
            "{",
            "[1,]",
            "01",
            "1.",
            "\"a\u{1}\"",
            r#""\x""#,
            "{\"a\" 1}",
            "[1] 2",
            "tru",
            "-",
        ] {
            assert!(canonicalize(bad, true).is_err(), "{bad:?} should fail");
        }
        assert!(matches!(
            canonicalize("NaN", false),
            Err(ScanError {
                kind: ScanErrorKind::NonFinite("NaN"),
                ..
            })
        ));
        assert!(canonicalize(&"9".repeat(MAX_INT_DIGITS + 1), false).is_err());
    }

    #[test]
    fn deep_nesting_does_not_use_the_stack() {
        let depth = 1_000_000;
        let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert_eq!(canon(&text), text);
    }

    proptest::proptest! {
        #[test]
        fn quick_decimals_parse_as_std_parses_them(
            int in "-?(0|[1-9][0-9]{0,12})",
            frac in "[0-9]{1,9}",
            wide in "[0-9]{0,12}",
        ) {
            for text in [format!("{int}.{frac}"), format!("{int}.{frac}{wide}")] {
                let want: f64 = text.parse().unwrap();
                let mut sc = Scanner::new(&text, false);
                match sc.number() {
                    Ok(Number::Float(got)) => {
                        proptest::prop_assert_eq!(got.to_bits(), want.to_bits(), "{}", text);
                    }
                    _ => proptest::prop_assert!(false, "{} did not scan as a float", text),
                }
            }
        }

        #[test]
        fn quick_numbers_agree_with_number_or_decline(
            text in "-?[0-9]{0,22}(\\.[0-9]{0,20})?([eE][0-9])?[,}x ]?",
        ) {
            let mut quick = Scanner::new(&text, false);
            let mut full = Scanner::new(&text, false);
            if let Some(q) = quick.quick_number() {
                let got = match full.number() {
                    Ok(Number::Int(t)) => QuickNumber::Int(t.parse().unwrap()),
                    Ok(Number::Float(v)) => QuickNumber::Float(v),
                    Err(e) => panic!("{text}: quick read {q:?}, number failed: {e:?}"),
                };
                match (q, got) {
                    (QuickNumber::Float(a), QuickNumber::Float(b)) => {
                        proptest::prop_assert_eq!(a.to_bits(), b.to_bits(), "{}", text);
                    }
                    (a, b) => proptest::prop_assert_eq!(a, b, "{}", text),
                }
                proptest::prop_assert_eq!(quick.offset(), full.offset(), "{}", text);
            } else {
                proptest::prop_assert_eq!(quick.offset(), 0);
            }
        }
    }

    #[test]
    fn quick_numbers_read_eventure_ticks_and_timestamps() {
        let cases = [
            ("0,", Some(QuickNumber::Int(0))),
            ("-0,", Some(QuickNumber::Int(0))),
            (
                "123456789012345678,",
                Some(QuickNumber::Int(123_456_789_012_345_678)),
            ),
            ("1234567890123456789,", None), // 19 digits: number() reads it
            (
                "1795404206.477783,",
                Some(QuickNumber::Float(1_795_404_206.477_783)),
            ),
            (
                "1795404206.47783",
                Some(QuickNumber::Float(1_795_404_206.477_83)),
            ),
            ("-2.5}", Some(QuickNumber::Float(-2.5))),
            ("01,", None),
            ("1.,", None),
            ("1e5,", None),
            ("1.5E5,", None),
            ("-,", None),
        ];
        for (text, want) in cases {
            assert_eq!(Scanner::new(text, false).quick_number(), want, "{text}");
        }
    }
}
