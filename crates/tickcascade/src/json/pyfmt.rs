//! Python's `str()` of a JSON value, as Eventure's printers show data:
//! top-level strings raw, `True`/`False`/`None`, float `repr`, and inside
//! containers every string `repr`'d with Python's quoting and escaping
//! (`['crit', "it's"]`, `{'src': 'orc', 'ok': True}`, `'\xa0'`).

use super::escape::{Unit, decode_units};
use super::printable::NON_PRINTABLE;
use super::tokens::{Token, Tokens};

/// Python's `str.isprintable()` for one code point.
fn is_printable(c: u32) -> bool {
    if c < 0x80 {
        return (0x20..0x7f).contains(&c);
    }
    NON_PRINTABLE
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_err()
}

fn push_hex(out: &mut String, prefix: &str, v: u32, width: usize) {
    out.push_str(prefix);
    let s = format!("{v:0width$x}");
    out.push_str(&s);
}

/// Appends Python's `repr()` of a string given as an escaped JSON body.
fn push_str_repr(out: &mut String, body: &str) {
    let mut has_single = false;
    let mut has_double = false;
    decode_units(body, |u| {
        if let Unit::Char(c) = u {
            has_single |= c == '\'';
            has_double |= c == '"';
        }
    });
    let quote = if has_single && !has_double { '"' } else { '\'' };
    out.push(quote);
    decode_units(body, |u| match u {
        Unit::Char(c) if c == quote || c == '\\' => {
            out.push('\\');
            out.push(c);
        }
        Unit::Char('\t') => out.push_str("\\t"),
        Unit::Char('\n') => out.push_str("\\n"),
        Unit::Char('\r') => out.push_str("\\r"),
        Unit::Char(c) if is_printable(c as u32) => out.push(c),
        Unit::Char(c) => {
            let v = c as u32;
            if v < 0x100 {
                push_hex(out, "\\x", v, 2);
            } else if v < 0x10000 {
                push_hex(out, "\\u", v, 4);
            } else {
                push_hex(out, "\\U", v, 8);
            }
        }
        Unit::LoneSurrogate(v) => push_hex(out, "\\u", u32::from(v), 4),
    });
    out.push(quote);
}

/// Appends a string body decoded to raw text (`str()` of a string). A lone
/// surrogate, which no UTF-8 output can carry, becomes U+FFFD.
pub fn push_raw_str(out: &mut String, body: &str) {
    if !body.contains('\\') {
        out.push_str(body);
        return;
    }
    decode_units(body, |u| match u {
        Unit::Char(c) => out.push(c),
        Unit::LoneSurrogate(_) => out.push('\u{fffd}'),
    });
}

fn push_scalar_repr(out: &mut String, s: &str) {
    out.push_str(match s {
        "true" => "True",
        "false" => "False",
        "null" => "None",
        "NaN" => "nan",
        "Infinity" => "inf",
        "-Infinity" => "-inf",
        other => other,
    });
}

/// Appends Python's `str()` of a canonical JSON value.
pub fn push_py_str(out: &mut String, text: &str) {
    if let Some(body) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        push_raw_str(out, body);
        return;
    }
    // (is_object, items written so far; in objects keys and values both count)
    let mut stack: Vec<(bool, usize)> = Vec::new();
    for token in Tokens::new(text) {
        if !matches!(token, Token::Close)
            && let Some((object, n)) = stack.last_mut()
        {
            match (*object, *n) {
                (_, 0) => {}
                (true, k) if k % 2 == 1 => out.push_str(": "),
                _ => out.push_str(", "),
            }
            *n += 1;
        }
        match token {
            Token::Open(object) => {
                out.push(if object { '{' } else { '[' });
                stack.push((object, 0));
            }
            Token::Close => {
                if let Some((object, _)) = stack.pop() {
                    out.push(if object { '}' } else { ']' });
                }
            }
            Token::Str(body) => push_str_repr(out, body),
            Token::Scalar(s) => push_scalar_repr(out, s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn py_str(text: &str) -> String {
        let mut s = String::new();
        push_py_str(&mut s, text);
        s
    }

    #[test]
    fn formats_like_python_str() {
        assert_eq!(py_str(r#""it's""#), "it's");
        assert_eq!(py_str(r#"["crit", "it's"]"#), r#"['crit', "it's"]"#);
        assert_eq!(
            py_str(r#"{"src": "orc", "ok": true, "x": null}"#),
            "{'src': 'orc', 'ok': True, 'x': None}"
        );
        assert_eq!(py_str("1e-05"), "1e-05");
        assert_eq!(py_str("[NaN, -Infinity, false]"), "[nan, -inf, False]");
        assert_eq!(
            py_str(r#"[["a", 1], {"b": null}]"#),
            "[['a', 1], {'b': None}]"
        );
        assert_eq!(py_str("[{}, []]"), "[{}, []]");
    }

    #[test]
    fn quotes_and_escapes_like_python_repr() {
        let cases = [
            (r#""a'b""#, r#""a'b""#),
            (r#""a\"b""#, r#"'a"b'"#),
            (r#""a'b\"c""#, r#"'a\'b"c'"#),
            (r#""back\\slash""#, r#"'back\\slash'"#),
            (r#""\u0001""#, r#"'\x01'"#),
            (r#""\u007f""#, r#"'\x7f'"#),
            (r#""\u00a0""#, r#"'\xa0'"#),
            (r#""\u00ad""#, r#"'\xad'"#),
            (r#""\u200b""#, r#"'\u200b'"#),
            (r#""\u2028""#, r#"'\u2028'"#),
            (r#""\u00e9""#, "'é'"),
            (r#""\ud83d\ude00""#, "'😀'"),
            (r#""""#, "''"),
            (r#""\t\n\r""#, r#"'\t\n\r'"#),
            (r#""\ud800""#, r#"'\ud800'"#),
            (r#""\udb40\udc01""#, r#"'\U000e0001'"#),
        ];
        for (json, want) in cases {
            assert_eq!(py_str(&format!("[{json}]")), format!("[{want}]"), "{json}");
        }
    }
}
