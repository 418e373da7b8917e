//! `from_value_text`: one canonical value decoded into any `Deserialize`
//! type, integers without a JSON reader.
//!
//! `Event::data_get` is Eventure's `event.data[key]`, called in handlers on
//! the publish path, and its values are mostly small integers. Through
//! `serde_json::from_str` a `u64` member cost ~150 instructions (a reader,
//! whitespace and trailing-character checks); canonical text (validated
//! when it was made) needs none of that for a plain integer. Everything
//! else goes to serde_json, method for method, so every type decodes as it
//! did; only an integer that the type refuses (`300` for a `u8`) reports
//! its error without serde_json's "at line 1 column N".

use serde::de::{self, Deserialize, Visitor};

/// Decodes the canonical value text `text`.
pub(crate) fn from_value_text<'de, T: Deserialize<'de>>(text: &'de str) -> Result<T, Error> {
    T::deserialize(Value(text))
}

type Error = serde_json::Error;

/// A canonical value's text, as a deserializer.
struct Value<'de>(&'de str);

/// A plain integer: non-negative (as serde_json hands them to visitors:
/// `visit_u64`) or negative (`visit_i64`).
enum Integer {
    Unsigned(u64),
    Negative(i64),
}

impl<'de> Value<'de> {
    /// The value as an integer, when it is one of at most 18 digits (no
    /// overflow; longer ones go to serde_json). Canonical text writes
    /// integers without a plus sign, leading zeros, fraction or exponent.
    #[inline]
    fn integer(&self) -> Option<Integer> {
        let b = self.0.as_bytes();
        let (negative, digits) = match b.split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, b),
        };
        if digits.is_empty() || digits.len() > 18 || (digits.len() > 1 && digits[0] == b'0') {
            return None;
        }
        let mut v: u64 = 0;
        for &d in digits {
            if !d.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u64::from(d - b'0');
        }
        match (negative, v) {
            // serde_json reads `-0` as the float -0.0.
            (true, 0) => None,
            (true, v) => Some(Integer::Negative(-(v as i64))),
            (false, v) => Some(Integer::Unsigned(v)),
        }
    }

    /// serde_json's reader over the text, and the check that nothing
    /// follows the value.
    fn through_json<V>(
        self,
        f: impl FnOnce(&mut serde_json::Deserializer<serde_json::de::StrRead<'de>>) -> Result<V, Error>,
    ) -> Result<V, Error> {
        let mut de = serde_json::Deserializer::from_str(self.0);
        let v = f(&mut de)?;
        de.end()?;
        Ok(v)
    }
}

/// Methods an integer can answer: visited directly when the text is one,
/// else serde_json's method of the same name.
macro_rules! integer_or_json {
    ($($method:ident)*) => {$(
        #[inline]
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.integer() {
                Some(Integer::Unsigned(v)) => visitor.visit_u64(v),
                Some(Integer::Negative(v)) => visitor.visit_i64(v),
                None => self.through_json(|de| de::Deserializer::$method(de, visitor)),
            }
        }
    )*};
}

/// Methods that serde_json answers, unchanged.
macro_rules! json {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.through_json(|de| de::Deserializer::$method(de, visitor))
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Value<'de> {
    type Error = Error;

    integer_or_json! {
        deserialize_any deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_f32 deserialize_f64
    }

    json! {
        deserialize_bool deserialize_i128 deserialize_u128 deserialize_char deserialize_str
        deserialize_string deserialize_bytes deserialize_byte_buf deserialize_option
        deserialize_unit deserialize_seq deserialize_map deserialize_identifier
        deserialize_ignored_any
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.through_json(|de| de::Deserializer::deserialize_unit_struct(de, name, visitor))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.through_json(|de| de::Deserializer::deserialize_newtype_struct(de, name, visitor))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Error> {
        self.through_json(|de| de::Deserializer::deserialize_tuple(de, len, visitor))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.through_json(|de| de::Deserializer::deserialize_tuple_struct(de, name, len, visitor))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.through_json(|de| de::Deserializer::deserialize_struct(de, name, fields, visitor))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.through_json(|de| de::Deserializer::deserialize_enum(de, name, variants, visitor))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value as Json;

    /// Decodes `text` both ways; the results agree, errors by their kind.
    fn agree<'de, T: Deserialize<'de> + PartialEq + std::fmt::Debug>(text: &'de str) {
        let ours = from_value_text::<T>(text);
        let theirs = serde_json::from_str::<T>(text);
        match (&ours, &theirs) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{text}"),
            (Err(a), Err(b)) => assert_eq!(a.classify(), b.classify(), "{text}"),
            _ => panic!("{text}: {ours:?} vs {theirs:?}"),
        }
    }

    #[test]
    fn integers_and_everything_else_decode_as_serde_json_decodes_them() {
        let texts = [
            "0",
            "-0",
            "7",
            "-7",
            "300",
            "-300",
            "65536",
            "4294967296",
            "999999999999999999",
            "-999999999999999999",
            "9999999999999999999",
            "18446744073709551616",
            "-9223372036854775809",
            "1.5",
            "-2.5e-05",
            "1e+300",
            "true",
            "null",
            "\"x\"",
            "\"\\u00e9\"",
            "[1, 2]",
            "{\"a\": 1}",
            "NaN",
            "",
        ];
        for t in texts {
            agree::<u8>(t);
            agree::<u32>(t);
            agree::<u64>(t);
            agree::<i8>(t);
            agree::<i64>(t);
            agree::<f64>(t);
            agree::<Option<u64>>(t);
            agree::<Option<i16>>(t);
            agree::<String>(t);
            agree::<bool>(t);
            agree::<Json>(t);
            agree::<Vec<u64>>(t);
            agree::<(u8, u8)>(t);
        }
        assert_eq!(from_value_text::<&str>("\"hero\"").ok(), Some("hero"));
    }

    proptest::proptest! {
        #[test]
        fn any_integer_decodes_as_serde_json_decodes_it(v in proptest::prelude::any::<i64>()) {
            let text = v.to_string();
            agree::<i64>(&text);
            agree::<u64>(&text);
            agree::<i32>(&text);
            agree::<u16>(&text);
            agree::<f64>(&text);
            agree::<Json>(&text);
        }
    }
}
