//! A serde `Serializer` that writes any `Serialize` value straight into the
//! canonical text Python's `json.dumps` would write for it, refusing what
//! JSON cannot hold (NaN, infinities) instead of writing `null`.
//!
//! Enums follow serde_json's external tagging, so `Event::data_as` reads
//! back through serde_json what this wrote.
//!
//! Size: about 750 lines without its tests: serde's `Serializer` needs a
//! dozen trait implementations, each small, that only make sense together.

use super::float::{NonFinite, write_float};
use super::out::{JsonBuf, TextOut};
use super::top_keys::{TopKeys, TopKeysBuilder};
use serde::ser::{self, Serialize};
use std::fmt::{self, Display};

/// Why a value could not become event data, or event data could not be
/// read as asked: a kind to match and a message to show.
///
/// ```
/// use tickcascade::{DataErrorKind, EventLog};
/// let mut log = EventLog::new();
/// let err = log.add_event("hit", &f64::NAN, None).unwrap_err();
/// assert_eq!(err.kind(), &DataErrorKind::NonFinite);
/// let e = log.add_event("hit", &serde_json::json!({"amount": 3}), None)?;
/// assert_eq!(e.data_field::<u32>("amount")?, 3);
/// assert_eq!(e.data_field::<u32>("speed").unwrap_err().kind(), &DataErrorKind::MissingKey);
/// # Ok::<(), tickcascade::DataError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataError {
    kind: DataErrorKind,
    message: String,
}

/// What kind of [`DataError`] it is.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DataErrorKind {
    /// A NaN or infinite float (JSON has none; Eventure's files would hold
    /// `NaN`, which strict JSON readers refuse).
    NonFinite,
    /// A map with one key twice (after keys are written as JSON strings).
    DuplicateKey,
    /// A map key that is not a string, number, bool or unit.
    KeyType,
    /// The value's own `Serialize` implementation failed.
    Serialize,
    /// Text given as JSON is not JSON.
    NotJson,
    /// The data has no such top-level key (or is not an object).
    MissingKey,
    /// The data does not decode into the type asked for.
    Decode,
    /// Something that should not happen did; the message says what.
    Internal,
}

impl DataError {
    #[inline]
    pub(crate) fn new(kind: DataErrorKind, msg: impl Into<String>) -> Self {
        DataError {
            kind,
            message: msg.into(),
        }
    }

    /// What kind of error it is.
    pub fn kind(&self) -> &DataErrorKind {
        &self.kind
    }
}

impl Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DataError {}

impl ser::Error for DataError {
    fn custom<T: Display>(msg: T) -> Self {
        DataError::new(DataErrorKind::Serialize, msg.to_string())
    }
}

type Result<T = ()> = std::result::Result<T, DataError>;

/// Appends the canonical JSON text of `value` to `out`.
pub(crate) fn write_canonical<T: Serialize + ?Sized>(value: &T, out: &mut String) -> Result {
    write_string(value, out, false)
}

/// Appends the canonical JSON text of `value` to `buf`, telling where its
/// top-level keys are (the publishing path).
pub(crate) fn write_canonical_keyed<T: Serialize + ?Sized>(
    value: &T,
    buf: &mut JsonBuf,
) -> Result<TopKeys> {
    write_with(value, buf, false)
}

/// As `write_canonical`, but writes NaN and infinities (as `NaN`,
/// `Infinity`): for values that are compared, never for values that are logged.
pub(crate) fn write_canonical_non_finite<T: Serialize + ?Sized>(
    value: &T,
    out: &mut String,
) -> Result {
    write_string(value, out, true)
}

fn write_string<T: Serialize + ?Sized>(value: &T, out: &mut String, non_finite: bool) -> Result {
    let mut buf = JsonBuf::default();
    write_with(value, &mut buf, non_finite)?;
    out.push_str(buf.as_str().ok_or_else(not_text)?);
    Ok(())
}

/// What `JsonBuf::as_str` failing would mean (it cannot: every write is
/// text), as an error rather than a panic.
pub(crate) fn not_text() -> DataError {
    DataError::new(
        DataErrorKind::Internal,
        "internal error: serialized data is not UTF-8",
    )
}

#[inline]
fn write_with<T: Serialize + ?Sized>(
    value: &T,
    out: &mut JsonBuf,
    non_finite: bool,
) -> Result<TopKeys> {
    let start = out.len();
    let mut ser = Ser {
        out,
        keys: Vec::new(),
        non_finite,
        start,
        depth: 0,
        top_keys: TopKeysBuilder::default(),
    };
    match value.serialize(&mut ser) {
        Ok(()) => Ok(ser.top_keys.finish()),
        Err(e) => {
            ser.out.truncate(start);
            Err(e)
        }
    }
}

struct Ser<'o> {
    out: &'o mut JsonBuf,
    /// Byte ranges in `out` of the keys of the maps being written.
    keys: Vec<(usize, usize)>,
    /// Write NaN/Infinity instead of failing on them.
    non_finite: bool,
    /// Where this value's text starts in `out`.
    start: usize,
    /// Containers open (a variant's wrapping object counts with its body).
    depth: u32,
    top_keys: TopKeysBuilder,
}

impl Ser<'_> {
    /// About to write a key of the innermost open object.
    #[inline(always)]
    fn key_here(&mut self) {
        if self.depth == 1 {
            self.top_keys.key_at(self.out.len() - self.start);
        }
    }

    /// Fails on a key the map just closed wrote twice (keys from
    /// `first_key` on), then forgets them.
    #[inline(never)]
    fn check_map_keys(&mut self, first_key: usize) -> Result {
        let out = &*self.out;
        let keys = &self.keys[first_key..];
        let text = |&(a, b): &(usize, usize)| out.slice(a, b);
        let dup = if keys.len() <= 8 {
            keys.iter().enumerate().find_map(|(i, k)| {
                keys[..i]
                    .iter()
                    .any(|p| text(p) == text(k))
                    .then(|| text(k))
            })
        } else {
            let mut sorted: Vec<&[u8]> = keys.iter().map(text).collect();
            sorted.sort_unstable();
            sorted.windows(2).find(|w| w[0] == w[1]).map(|w| w[0])
        };
        if let Some(key) = dup {
            let key = String::from_utf8_lossy(key);
            return Err(DataError::new(
                DataErrorKind::DuplicateKey,
                format!("duplicate key {key} in event data"),
            ));
        }
        self.keys.truncate(first_key);
        Ok(())
    }

    /// An enum variant wraps its value in an object the key list would not
    /// describe: at the top level, record nothing.
    fn variant_object(&mut self) {
        if self.depth == 0 {
            self.top_keys.give_up();
        }
    }
}

fn push_float<W: TextOut>(out: &mut W, v: f64) -> Result {
    push_float_with(out, v, false)
}

fn push_float_with<W: TextOut>(out: &mut W, v: f64, non_finite: bool) -> Result {
    if !v.is_finite() && !non_finite {
        return Err(DataError::new(
            DataErrorKind::NonFinite,
            format!("{v} is not JSON: event data cannot hold NaN or infinite floats"),
        ));
    }
    write_float(out, v, NonFinite::Json);
    Ok(())
}

fn push_f32<W: TextOut>(out: &mut W, v: f32, non_finite: bool) -> Result {
    // The shortest digits of the f32, then Python's layout for them.
    let shortest: f64 = format!("{v:e}").parse().unwrap_or(f64::NAN);
    push_float_with(
        out,
        if v.is_finite() {
            shortest
        } else {
            f64::from(v)
        },
        non_finite,
    )
}

impl<'s, 'o> ser::Serializer for &'s mut Ser<'o> {
    type Ok = ();
    type Error = DataError;
    type SerializeSeq = Compound<'s, 'o>;
    type SerializeTuple = Compound<'s, 'o>;
    type SerializeTupleStruct = Compound<'s, 'o>;
    type SerializeTupleVariant = Compound<'s, 'o>;
    type SerializeMap = Compound<'s, 'o>;
    type SerializeStruct = Compound<'s, 'o>;
    type SerializeStructVariant = Compound<'s, 'o>;

    #[inline]
    fn serialize_bool(self, v: bool) -> Result {
        if v {
            self.out.push_ascii(b"true");
        } else {
            self.out.push_ascii(b"false");
        }
        Ok(())
    }
    #[inline]
    fn serialize_i8(self, v: i8) -> Result {
        self.serialize_i64(i64::from(v))
    }
    #[inline]
    fn serialize_i16(self, v: i16) -> Result {
        self.serialize_i64(i64::from(v))
    }
    #[inline]
    fn serialize_i32(self, v: i32) -> Result {
        self.serialize_i64(i64::from(v))
    }
    #[inline]
    fn serialize_i64(self, v: i64) -> Result {
        if v >= 0 {
            self.out.push_u64(v as u64);
        } else {
            TextOut::push_str(self.out, itoa::Buffer::new().format(v));
        }
        Ok(())
    }
    #[inline]
    fn serialize_i128(self, v: i128) -> Result {
        TextOut::push_str(self.out, itoa::Buffer::new().format(v));
        Ok(())
    }
    #[inline]
    fn serialize_u8(self, v: u8) -> Result {
        self.serialize_u64(u64::from(v))
    }
    #[inline]
    fn serialize_u16(self, v: u16) -> Result {
        self.serialize_u64(u64::from(v))
    }
    #[inline]
    fn serialize_u32(self, v: u32) -> Result {
        self.serialize_u64(u64::from(v))
    }
    #[inline(always)]
    fn serialize_u64(self, v: u64) -> Result {
        self.out.push_u64(v);
        Ok(())
    }
    #[inline]
    fn serialize_u128(self, v: u128) -> Result {
        TextOut::push_str(self.out, itoa::Buffer::new().format(v));
        Ok(())
    }
    #[inline]
    fn serialize_f32(self, v: f32) -> Result {
        push_f32(self.out, v, self.non_finite)
    }
    #[inline]
    fn serialize_f64(self, v: f64) -> Result {
        push_float_with(self.out, v, self.non_finite)
    }
    #[inline]
    fn serialize_char(self, v: char) -> Result {
        let mut buf = [0u8; 4];
        self.out.push_json_str(v.encode_utf8(&mut buf));
        Ok(())
    }
    #[inline]
    fn serialize_str(self, v: &str) -> Result {
        self.out.push_json_str(v);
        Ok(())
    }
    #[inline]
    fn serialize_bytes(self, v: &[u8]) -> Result {
        use ser::SerializeSeq;
        let mut seq = self.serialize_seq(Some(v.len()))?;
        for b in v {
            seq.serialize_element(b)?;
        }
        SerializeSeq::end(seq)
    }
    #[inline]
    fn serialize_none(self) -> Result {
        self.serialize_unit()
    }
    #[inline]
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result {
        value.serialize(self)
    }
    #[inline]
    fn serialize_unit(self) -> Result {
        self.out.push_ascii(b"null");
        Ok(())
    }
    #[inline]
    fn serialize_unit_struct(self, _name: &'static str) -> Result {
        self.serialize_unit()
    }
    #[inline]
    fn serialize_unit_variant(self, _name: &'static str, _i: u32, variant: &'static str) -> Result {
        self.serialize_str(variant)
    }
    #[inline]
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _n: &'static str,
        value: &T,
    ) -> Result {
        value.serialize(self)
    }
    #[inline]
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _i: u32,
        variant: &'static str,
        value: &T,
    ) -> Result {
        self.variant_object();
        self.out.push_byte(b'{');
        self.out.push_json_str(variant);
        self.out.push_ascii(b": ");
        self.depth += 1;
        value.serialize(&mut *self)?;
        self.depth -= 1;
        self.out.push_byte(b'}');
        Ok(())
    }
    #[inline]
    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'s, 'o>> {
        self.out.push_byte(b'[');
        Ok(Compound::new(self, Close::Array))
    }
    #[inline]
    fn serialize_tuple(self, len: usize) -> Result<Compound<'s, 'o>> {
        self.serialize_seq(Some(len))
    }
    #[inline]
    fn serialize_tuple_struct(self, _n: &'static str, len: usize) -> Result<Compound<'s, 'o>> {
        self.serialize_seq(Some(len))
    }
    #[inline]
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _i: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'s, 'o>> {
        self.variant_object();
        self.out.push_byte(b'{');
        self.out.push_json_str(variant);
        self.out.push_ascii(b": [");
        Ok(Compound::new(self, Close::ArrayInObject))
    }
    #[inline]
    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'s, 'o>> {
        self.out.push_byte(b'{');
        Ok(Compound::new(self, Close::Map))
    }
    #[inline]
    fn serialize_struct(self, _n: &'static str, _len: usize) -> Result<Compound<'s, 'o>> {
        self.out.push_byte(b'{');
        Ok(Compound::new(self, Close::Object))
    }
    #[inline]
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _i: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'s, 'o>> {
        self.variant_object();
        self.out.push_byte(b'{');
        self.out.push_json_str(variant);
        self.out.push_ascii(b": {");
        Ok(Compound::new(self, Close::ObjectInObject))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Close {
    Array,
    ArrayInObject,
    /// A map: keys come from data and may repeat, so they are checked.
    Map,
    /// A struct: field names are distinct by construction.
    Object,
    ObjectInObject,
}

struct Compound<'s, 'o> {
    ser: &'s mut Ser<'o>,
    close: Close,
    first: bool,
    first_key: usize,
}

impl<'s, 'o> Compound<'s, 'o> {
    #[inline]
    fn new(ser: &'s mut Ser<'o>, close: Close) -> Self {
        let first_key = ser.keys.len();
        ser.depth += 1;
        Compound {
            ser,
            close,
            first: true,
            first_key,
        }
    }

    #[inline]
    fn separator(&mut self) {
        if !self.first {
            self.ser.out.push_ascii(b", ");
        }
        self.first = false;
    }

    #[inline]
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.separator();
        value.serialize(&mut *self.ser)
    }

    #[inline(always)]
    fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result {
        let first = std::mem::replace(&mut self.first, false);
        let ser = &mut *self.ser;
        if ser.depth == 1 {
            // The key's opening quote comes after the separator, if any.
            let quote = ser.out.len() + if first { 0 } else { 2 };
            ser.top_keys.key_at(quote - ser.start);
        }
        ser.out.push_field(key, first);
        value.serialize(&mut *self.ser)
    }

    #[inline(always)]
    fn finish(self) -> Result {
        self.ser.depth -= 1;
        let out = &mut *self.ser.out;
        match self.close {
            Close::Array => out.push_byte(b']'),
            Close::ArrayInObject => out.push_ascii(b"]}"),
            Close::Object => out.push_byte(b'}'),
            Close::ObjectInObject => out.push_ascii(b"}}"),
            Close::Map => {
                out.push_byte(b'}');
                if self.ser.keys.len() - self.first_key < 2 {
                    self.ser.keys.truncate(self.first_key);
                } else {
                    self.ser.check_map_keys(self.first_key)?;
                }
            }
        }
        Ok(())
    }
}

impl ser::SerializeSeq for Compound<'_, '_> {
    type Ok = ();
    type Error = DataError;
    #[inline]
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.element(value)
    }
    #[inline]
    fn end(self) -> Result {
        self.finish()
    }
}

impl ser::SerializeTuple for Compound<'_, '_> {
    type Ok = ();
    type Error = DataError;
    #[inline]
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.element(value)
    }
    #[inline]
    fn end(self) -> Result {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = DataError;
    #[inline]
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.element(value)
    }
    #[inline]
    fn end(self) -> Result {
        self.finish()
    }
}

impl ser::SerializeTupleVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = DataError;
    #[inline]
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.element(value)
    }
    #[inline]
    fn end(self) -> Result {
        self.finish()
    }
}

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = DataError;
    #[inline]
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result {
        self.separator();
        self.ser.key_here();
        let start = self.ser.out.len();
        key.serialize(MapKey {
            out: &mut *self.ser.out,
        })?;
        self.ser.keys.push((start, self.ser.out.len()));
        self.ser.out.push_ascii(b": ");
        Ok(())
    }
    #[inline]
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        value.serialize(&mut *self.ser)
    }
    #[inline]
    fn end(self) -> Result {
        self.finish()
    }
}

impl ser::SerializeStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = DataError;
    // Inlined into the derived code, field by field: a call per field
    // spilled and restored six registers around ~60 instructions of work.
    #[inline(always)]
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result {
        self.field(key, value)
    }
    #[inline(always)]
    fn end(self) -> Result {
        self.finish()
    }
}

impl ser::SerializeStructVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = DataError;
    #[inline]
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result {
        self.field(key, value)
    }
    #[inline]
    fn end(self) -> Result {
        self.finish()
    }
}

/// Map keys: strings as they are; numbers, bools and None stringified the
/// way Python's `json.dumps` stringifies dict keys.
struct MapKey<'o> {
    out: &'o mut JsonBuf,
}

impl MapKey<'_> {
    fn quoted(self, text: &str) -> Result {
        self.out.push_json_str(text);
        Ok(())
    }
}

fn key_error() -> DataError {
    DataError::new(
        DataErrorKind::KeyType,
        "a map key in event data must be a string, number, bool or None",
    )
}

impl ser::Serializer for MapKey<'_> {
    type Ok = ();
    type Error = DataError;
    type SerializeSeq = ser::Impossible<(), DataError>;
    type SerializeTuple = ser::Impossible<(), DataError>;
    type SerializeTupleStruct = ser::Impossible<(), DataError>;
    type SerializeTupleVariant = ser::Impossible<(), DataError>;
    type SerializeMap = ser::Impossible<(), DataError>;
    type SerializeStruct = ser::Impossible<(), DataError>;
    type SerializeStructVariant = ser::Impossible<(), DataError>;

    #[inline]
    fn serialize_bool(self, v: bool) -> Result {
        self.quoted(if v { "true" } else { "false" })
    }
    #[inline]
    fn serialize_i8(self, v: i8) -> Result {
        self.quoted(&v.to_string())
    }
    #[inline]
    fn serialize_i16(self, v: i16) -> Result {
        self.quoted(&v.to_string())
    }
    #[inline]
    fn serialize_i32(self, v: i32) -> Result {
        self.quoted(&v.to_string())
    }
    #[inline]
    fn serialize_i64(self, v: i64) -> Result {
        self.quoted(&v.to_string())
    }
    #[inline]
    fn serialize_i128(self, v: i128) -> Result {
        self.quoted(&v.to_string())
    }
    #[inline]
    fn serialize_u8(self, v: u8) -> Result {
        self.quoted(&v.to_string())
    }
    #[inline]
    fn serialize_u16(self, v: u16) -> Result {
        self.quoted(&v.to_string())
    }
    #[inline]
    fn serialize_u32(self, v: u32) -> Result {
        self.quoted(&v.to_string())
    }
    #[inline]
    fn serialize_u64(self, v: u64) -> Result {
        self.quoted(&v.to_string())
    }
    #[inline]
    fn serialize_u128(self, v: u128) -> Result {
        self.quoted(&v.to_string())
    }
    #[inline]
    fn serialize_f32(self, v: f32) -> Result {
        let mut s = String::new();
        push_f32(&mut s, v, false)?;
        self.quoted(&s)
    }
    #[inline]
    fn serialize_f64(self, v: f64) -> Result {
        let mut s = String::new();
        push_float(&mut s, v)?;
        self.quoted(&s)
    }
    #[inline]
    fn serialize_char(self, v: char) -> Result {
        let mut buf = [0u8; 4];
        self.quoted(v.encode_utf8(&mut buf))
    }
    #[inline]
    fn serialize_str(self, v: &str) -> Result {
        self.quoted(v)
    }
    #[inline]
    fn serialize_bytes(self, _v: &[u8]) -> Result {
        Err(key_error())
    }
    #[inline]
    fn serialize_none(self) -> Result {
        self.quoted("null")
    }
    #[inline]
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result {
        value.serialize(self)
    }
    #[inline]
    fn serialize_unit(self) -> Result {
        self.quoted("null")
    }
    #[inline]
    fn serialize_unit_struct(self, _n: &'static str) -> Result {
        self.quoted("null")
    }
    #[inline]
    fn serialize_unit_variant(self, _n: &'static str, _i: u32, variant: &'static str) -> Result {
        self.quoted(variant)
    }
    #[inline]
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _n: &'static str,
        value: &T,
    ) -> Result {
        value.serialize(self)
    }
    #[inline]
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _value: &T,
    ) -> Result {
        Err(key_error())
    }
    #[inline]
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(key_error())
    }
    #[inline]
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple> {
        Err(key_error())
    }
    #[inline]
    fn serialize_tuple_struct(
        self,
        _n: &'static str,
        _l: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        Err(key_error())
    }
    #[inline]
    fn serialize_tuple_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _l: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(key_error())
    }
    #[inline]
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap> {
        Err(key_error())
    }
    #[inline]
    fn serialize_struct(self, _n: &'static str, _l: usize) -> Result<Self::SerializeStruct> {
        Err(key_error())
    }
    #[inline]
    fn serialize_struct_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _l: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(key_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    #[test]
    fn integers_are_written_in_decimal_at_every_width() {
        for v in [0u64, 9, 10, 99, 100, 999, 1000, 123_456, u64::MAX] {
            assert_eq!(canon(&v).unwrap(), v.to_string());
        }
        for v in [0i64, 7, 42, 512, -1, -10, -999, i64::MIN, i64::MAX] {
            assert_eq!(canon(&v).unwrap(), v.to_string());
        }
    }

    #[test]
    fn top_level_keys_are_recorded_and_variants_are_not() {
        let keyed = |v: &dyn erased::Value| {
            let mut buf = JsonBuf::default();
            let keys = v.write(&mut buf).unwrap();
            (buf.as_str().unwrap().to_owned(), keys)
        };
        let (out, keys) = keyed(&json!({"a": {"b": 1}, "cc": [1]}));
        assert_eq!(out, r#"{"a": {"b": 1}, "cc": [1]}"#);
        assert_eq!(keys.offsets(), Some([1, 16, 0, 0]));
        #[derive(serde::Serialize)]
        enum E {
            V { x: u8 },
        }
        let (out, keys) = keyed(&E::V { x: 1 });
        assert_eq!(
            (out.as_str(), keys),
            (r#"{"V": {"x": 1}}"#, TopKeys::UNKNOWN)
        );
        let (_, keys) = keyed(&[json!({"a": 1})]);
        assert_eq!(keys.offsets(), Some([0; 4]));
    }

    /// Lets the test above take values of different types through one closure.
    mod erased {
        use super::super::*;
        pub(super) trait Value {
            fn write(&self, buf: &mut JsonBuf) -> Result<TopKeys>;
        }
        impl<T: Serialize> Value for T {
            fn write(&self, buf: &mut JsonBuf) -> Result<TopKeys> {
                write_canonical_keyed(self, buf)
            }
        }
    }

    fn canon<T: Serialize>(v: &T) -> Result<String> {
        let mut s = String::new();
        write_canonical(v, &mut s).map(|()| s)
    }

    #[test]
    fn writes_what_python_json_dumps_writes() {
        let v =
            json!({"amount": 15.0, "tags": ["crit", "it's"], "é": null, "n": 1e-5, "big": 1e16});
        assert_eq!(
            canon(&v).unwrap(),
            r#"{"amount": 15.0, "tags": ["crit", "it's"], "\u00e9": null, "n": 1e-05, "big": 1e+16}"#
        );
        #[derive(serde::Serialize)]
        struct S {
            i: u32,
            f: f32,
            o: Option<bool>,
            e: E,
        }
        #[derive(serde::Serialize)]
        enum E {
            V(i8),
        }
        let s = S {
            i: 1,
            f: 0.1,
            o: None,
            e: E::V(-3),
        };
        assert_eq!(
            canon(&s).unwrap(),
            r#"{"i": 1, "f": 0.1, "o": null, "e": {"V": -3}}"#
        );
        let mut m = BTreeMap::new();
        m.insert(1, "a");
        m.insert(2, "b");
        assert_eq!(canon(&m).unwrap(), r#"{"1": "a", "2": "b"}"#);
    }

    #[test]
    fn refuses_non_finite_floats_and_duplicate_keys() {
        assert!(canon(&json!([1.0])).is_ok());
        assert!(canon(&vec![f64::NAN]).is_err());
        assert!(canon(&(1, f32::INFINITY)).is_err());
        let dup: Vec<(serde_json::Value, i32)> = vec![(json!(1), 1), (json!("1"), 2)];
        let as_map = DupMap(dup);
        assert!(
            canon(&as_map)
                .unwrap_err()
                .to_string()
                .contains("duplicate key")
        );
    }

    struct DupMap(Vec<(serde_json::Value, i32)>);
    impl Serialize for DupMap {
        fn serialize<S: ser::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            use ser::SerializeMap;
            let mut m = s.serialize_map(None)?;
            for (k, v) in &self.0 {
                m.serialize_entry(k, v)?;
            }
            m.end()
        }
    }
}
