//! A tokenizer over canonical JSON text (what `scan` and `ser` produce).
//!
//! Canonical text is trusted: it was validated when it was made, so this
//! only splits it into tokens. Separators (`, ` and `: `) are skipped; a
//! consumer that needs them tracks position itself.

/// One token of canonical JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Token<'a> {
    /// `{` (true) or `[` (false).
    Open(bool),
    /// `}` or `]`.
    Close,
    /// A string, as its escaped body without quotes.
    Str(&'a str),
    /// A number, `true`, `false`, `null`, `NaN`, `Infinity` or `-Infinity`.
    Scalar(&'a str),
}

/// Iterates the tokens of canonical JSON text.
pub(crate) struct Tokens<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Tokens<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
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
pub(crate) fn for_each_member<'a>(text: &'a str, mut f: impl FnMut(&'a str, &'a str)) {
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
pub(crate) fn member_value<'a>(text: &'a str, key_body: &str) -> Option<&'a str> {
    let mut tokens = Tokens::new(text);
    if tokens.next() != Some(Token::Open(true)) {
        return None;
    }
    loop {
        let Some(Token::Str(key)) = tokens.next() else {
            return None;
        };
        let value_start = tokens.pos;
        skip_value(&mut tokens);
        if key == key_body {
            return Some(text[value_start..tokens.pos].trim_start_matches([' ', ':']));
        }
    }
}

/// Calls `f(offset)` with the offset of each top-level key's opening quote
/// in a canonical object (for checking recorded `TopKeys`).
#[cfg(test)]
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
