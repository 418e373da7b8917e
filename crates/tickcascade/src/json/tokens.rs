//! A tokenizer over canonical JSON text (what `scan` and `ser` produce).
//!
//! Canonical text is trusted: it was validated when it was made, so this
//! only splits it into tokens. Separators (`, ` and `: `) are skipped; a
//! consumer that needs them tracks position itself. `member_value` finds
//! one member of an object by walking the bytes instead.

/// One token of canonical JSON (see [`crate::canonical`] for an example).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Token<'a> {
    /// `{` (true) or `[` (false).
    Open(bool),
    /// `}` or `]`.
    Close,
    /// A string, as its escaped body without quotes.
    Str(&'a str),
    /// A number, `true`, `false`, `null`, `NaN`, `Infinity` or `-Infinity`.
    Scalar(&'a str),
}

/// Iterates the tokens of canonical JSON text (text that is not canonical
/// gives tokens that mean nothing, never a panic).
///
/// ```
/// use tickcascade::canonical::{Token, Tokens};
/// let tokens: Vec<Token> = Tokens::new(r#"{"a": "b"}"#).collect();
/// assert_eq!(tokens, [Token::Open(true), Token::Str("a"), Token::Str("b"), Token::Close]);
/// ```
pub struct Tokens<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Tokens<'a> {
    /// The tokens of `text`, which should be canonical JSON.
    pub fn new(text: &'a str) -> Self {
        Tokens { text, pos: 0 }
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        let bytes = self.text.as_bytes();
        while let Some(b' ' | b',' | b':') = bytes.get(self.pos) {
            self.pos += 1;
        }
        let b = *bytes.get(self.pos)?;
        let start = self.pos;
        self.pos += 1;
        Some(match b {
            b'{' => Token::Open(true),
            b'[' => Token::Open(false),
            b'}' | b']' => Token::Close,
            b'"' => {
                let mut i = self.pos;
                while let Some(&c) = bytes.get(i) {
                    match c {
                        b'\\' => i += 2,
                        b'"' => break,
                        _ => i += 1,
                    }
                }
                let end = i.min(bytes.len());
                self.pos = (end + 1).min(bytes.len());
                Token::Str(&self.text[start + 1..end])
            }
            _ => {
                let mut i = self.pos;
                while let Some(&c) = bytes.get(i) {
                    if matches!(c, b',' | b' ' | b'}' | b']' | b':') {
                        break;
                    }
                    i += 1;
                }
                self.pos = i;
                Token::Scalar(&self.text[start..i])
            }
        })
    }
}

/// Python truthiness of a canonical value: empty containers and strings,
/// zero, `false` and `null` are false; everything else (NaN too) is true.
pub(crate) fn is_truthy(text: &str) -> bool {
    !matches!(
        text,
        "{}" | "[]" | "\"\"" | "0" | "0.0" | "-0.0" | "false" | "null"
    )
}

/// Calls `f(key_body, value_text)` for each member of a canonical object;
/// does nothing when `text` is not an object.
pub fn for_each_member<'a>(text: &'a str, mut f: impl FnMut(&'a str, &'a str)) {
    let mut tokens = Tokens::new(text);
    if tokens.next() != Some(Token::Open(true)) {
        return;
    }
    loop {
        let Some(Token::Str(key)) = tokens.next() else {
            return;
        };
        let value_start = tokens.pos;
        skip_value(&mut tokens);
        let value = text[value_start..tokens.pos].trim_start_matches([' ', ':']);
        f(key, value);
    }
}

/// The value text of the member whose key body (the key as written, without
/// quotes) is `key_body`, in a canonical object; `None` when `text` is not an
/// object or has no such member. Stops at the member (canonical objects
/// hold each key once).
///
/// Walks the bytes directly: canonical text puts every key right after `{`
/// or `, ` and its value right after `": `, so only values need skipping.
/// (Through `Tokens`, finding the first key of a three-member object took
/// ~350 instructions; `event.data_get` is Eventure's `event.data[key]`, on
/// the hot path of handlers.) Text that is not canonical gives `None`, or
/// some member, never a panic.
pub(crate) fn member_value<'a>(text: &'a str, key_body: &str) -> Option<&'a str> {
    let b = text.as_bytes();
    if b.first() != Some(&b'{') {
        return None;
    }
    let mut at = 1;
    loop {
        if b.get(at) != Some(&b'"') {
            return None;
        }
        // The key is tested where it would be before its end is searched
        // for: canonical text spells a key one way, so the body followed by
        // its closing quote is that key (its end cannot be inside an escape:
        // a body never ends on the first byte of one).
        let wanted_end = at + 1 + key_body.len();
        if b.get(wanted_end) == Some(&b'"')
            && b.get(at + 1..wanted_end)
                .is_some_and(|k| k == key_body.as_bytes())
        {
            let value_start = wanted_end + 3;
            return text.get(value_start..value_end(b, value_start)?);
        }
        let key_end = string_end(b, at + 1)?;
        let value_end = value_end(b, key_end + 3)?;
        if b.get(value_end) != Some(&b',') {
            return None;
        }
        at = value_end + 2;
    }
}

/// Where the string whose body starts at `i` ends: its closing quote.
#[inline]
fn string_end(b: &[u8], mut i: usize) -> Option<usize> {
    // A byte loop: keys and most string values are short, and a searcher's
    // setup cost more than it saved.
    loop {
        match *b.get(i)? {
            b'"' => return Some(i),
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
}

/// Where the value starting at `i` ends (one past its last byte).
#[inline]
fn value_end(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' => Some(string_end(b, i + 1)? + 1),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                match *b.get(j)? {
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    b'"' => j = string_end(b, j + 1)?,
                    _ => {}
                }
                j += 1;
            }
        }
        // A number or a name: up to the separator or the object's end.
        _ => {
            let mut j = i;
            while !matches!(*b.get(j)?, b',' | b'}' | b']') {
                j += 1;
            }
            Some(j)
        }
    }
}

/// Calls `f(offset)` with the offset of each top-level key's opening quote
/// in a canonical object (recording `TopKeys` for text given whole, and
/// checking recorded ones).
pub(crate) fn for_each_key_offset(text: &str, mut f: impl FnMut(usize)) {
    let mut tokens = Tokens::new(text);
    if tokens.next() != Some(Token::Open(true)) {
        return;
    }
    loop {
        let at = tokens.pos + text[tokens.pos..].find('"').unwrap_or(0);
        let Some(Token::Str(_)) = tokens.next() else {
            return;
        };
        f(at);
        skip_value(&mut tokens);
    }
}

/// Advances past one whole value.
fn skip_value(tokens: &mut Tokens<'_>) {
    let mut depth = 0usize;
    for t in tokens.by_ref() {
        match t {
            Token::Open(_) => depth += 1,
            Token::Close => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth == 0 {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_one_member_without_the_rest() {
        let text = r#"{"a": [1, {"b": 2}], "b": "x", "c\"d": null}"#;
        assert_eq!(member_value(text, "a"), Some(r#"[1, {"b": 2}]"#));
        assert_eq!(member_value(text, "b"), Some(r#""x""#));
        assert_eq!(member_value(text, r#"c\"d"#), Some("null"));
        assert_eq!(member_value(text, "z"), None);
        assert_eq!(member_value("[1]", "a"), None);
        assert_eq!(member_value("{}", "a"), None);
        assert_eq!(member_value(r#"{"a": "x\\\"}", "b": 1}"#, "b"), Some("1"));
        // Keys that start with the wanted one, or with an escape of it.
        assert_eq!(
            member_value(r#"{"ab": 1, "a\"": 2, "a": 3}"#, "a"),
            Some("3")
        );
        assert_eq!(member_value(r#"{"a\\\"": 1, "a\\": 2}"#, r"a\\"), Some("2"));
        assert_eq!(
            member_value(r#"{"s": "}", "t": [{"u": "]"}], "v": -1.5e-05}"#, "v"),
            Some("-1.5e-05")
        );
    }

    #[test]
    fn text_that_is_not_canonical_gives_no_member_or_some_member_but_no_panic() {
        for text in [
            "",
            "{",
            "{\"",
            "{\"a",
            "{\"a\"",
            "{\"a\": ",
            "{\"a\": [",
            "{\"a\": \"x",
            "{\"a\": 1, ",
            "{\"a\": 1,",
            "{\"\\",
            "{\"a\": {]]]}",
        ] {
            let _ = member_value(text, "a");
            let _ = member_value(text, "b");
        }
    }

    proptest::proptest! {
        #[test]
        fn finds_what_a_json_parser_finds(
            members in proptest::collection::vec(("[a-c\"\\\\é]{0,3}", json_value()), 0..5),
            key in "[a-c\"\\\\é]{0,3}",
        ) {
            let mut map = serde_json::Map::new();
            for (k, v) in members {
                map.insert(k, v);
            }
            let value = serde_json::Value::Object(map);
            let mut text = String::new();
            crate::json::ser::write_canonical(&value, &mut text).unwrap();
            let key_body = crate::json::escape::json_str_body(&key);
            let got = member_value(&text, &key_body).map(|v| serde_json::from_str::<serde_json::Value>(v).unwrap());
            proptest::prop_assert_eq!(got.as_ref(), value.get(&key));
        }
    }

    fn json_value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            // Quarters: a float serde_json reads back exactly.
            (-4_000_000i32..4_000_000).prop_map(|n| serde_json::Value::from(f64::from(n) / 4.0)),
            "[a-z\"\\\\{}\\[\\],: é]{0,6}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
                proptest::collection::btree_map("[a-c\"]{0,2}", inner, 0..3)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    #[test]
    fn splits_canonical_text() {
        let toks: Vec<_> = Tokens::new(r#"{"a\"b": [1, -2.5e-05, null], "c": {}}"#).collect();
        assert_eq!(
            toks,
            vec![
                Token::Open(true),
                Token::Str(r#"a\"b"#),
                Token::Open(false),
                Token::Scalar("1"),
                Token::Scalar("-2.5e-05"),
                Token::Scalar("null"),
                Token::Close,
                Token::Str("c"),
                Token::Open(true),
                Token::Close,
                Token::Close,
            ]
        );
    }

    #[test]
    fn walks_object_members() {
        let mut seen = Vec::new();
        for_each_member(r#"{"a": [1, {"x": 2}], "b": "s", "c": {}}"#, |k, v| {
            seen.push((k, v))
        });
        assert_eq!(
            seen,
            vec![("a", r#"[1, {"x": 2}]"#), ("b", "\"s\""), ("c", "{}")]
        );
        for_each_member("[1]", |_, _| panic!("not an object"));
    }
}
