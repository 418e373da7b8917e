//! Python's `repr(float)`: shortest round-trip digits, plain notation for
//! decimal exponents in `-4..16`, scientific (`1e-05`, `1e+16`) otherwise.
//!
//! Rust's `Display`, ryu and serde_json all spell these differently
//! (`1e16`, `1e-5`, `10000000000000000`), so the rule is applied here by hand
//! on top of the shortest digits that `{:e}` produces.

use std::fmt::Write as _;

/// How non-finite values are spelled: in a JSON file (`NaN`, `Infinity`)
/// or in a printed view (`nan`, `inf`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum NonFinite {
    Json,
    #[cfg(test)]
    Python,
}

/// A small stack buffer for `{:e}` output (at most 24 bytes for an f64).
struct StackBuf {
    bytes: [u8; 32],
    len: usize,
}

impl std::fmt::Write for StackBuf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > self.bytes.len() {
            return Err(std::fmt::Error);
        }
        self.bytes[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Appends `repr(v)` to `out`.
pub(crate) fn write_float(out: &mut String, v: f64, non_finite: NonFinite) {
    if !v.is_finite() {
        let json = match (v.is_nan(), v > 0.0) {
            (true, _) => "NaN",
            (false, true) => "Infinity",
            (false, false) => "-Infinity",
        };
        match non_finite {
            NonFinite::Json => out.push_str(json),
            #[cfg(test)]
            NonFinite::Python => out.push_str(match json {
                "NaN" => "nan",
                "Infinity" => "inf",
                _ => "-inf",
            }),
        }
        return;
    }
    if v == 0.0 {
        out.push_str(if v.is_sign_negative() { "-0.0" } else { "0.0" });
        return;
    }
    if v.is_sign_negative() {
        out.push('-');
    }
    let mut buf = StackBuf {
        bytes: [0; 32],
        len: 0,
    };
    // `{:e}` on a finite f64 always fits in 32 bytes; a failure would leave
    // an empty buffer, which the parsing below turns into "0.0".
    let _ = write!(buf, "{:e}", v.abs());
    let text = &buf.bytes[..buf.len];
    let e_at = text.iter().position(|&b| b == b'e').unwrap_or(text.len());
    let (mantissa, exponent) = text.split_at(e_at);
    let exp: i32 = std::str::from_utf8(exponent.get(1..).unwrap_or(b"0"))
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut digits = [0u8; 24];
    let mut n = 0;
    for &b in mantissa {
        if b.is_ascii_digit() && n < digits.len() {
            digits[n] = b;
            n += 1;
        }
    }
    if n == 0 {
        out.push_str("0.0");
        return;
    }
    let digits = &digits[..n];
    let push = |out: &mut String, bytes: &[u8]| {
        for &b in bytes {
            out.push(b as char);
        }
    };
    if (-4..16).contains(&exp) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            if n <= int_len {
                push(out, digits);
                for _ in n..int_len {
                    out.push('0');
                }
                out.push_str(".0");
            } else {
                push(out, &digits[..int_len]);
                out.push('.');
                push(out, &digits[int_len..]);
            }
        } else {
            out.push_str("0.");
            for _ in 0..(-exp - 1) {
                out.push('0');
            }
            push(out, digits);
        }
    } else {
        out.push(digits[0] as char);
        if n > 1 {
            out.push('.');
            push(out, &digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let abs = exp.unsigned_abs();
        if abs < 10 {
            out.push('0');
        }
        let _ = write!(out, "{abs}");
    }
}

/// `repr(v)` as a new string (tests and cold paths).
#[cfg(test)]
pub(crate) fn float_repr(v: f64) -> String {
    let mut s = String::new();
    write_float(&mut s, v, NonFinite::Python);
    s
}

#[cfg(test)]
mod tests {
    use super::float_repr;

    #[test]
    fn matches_python_repr_at_the_boundaries() {
        let cases: &[(f64, &str)] = &[
            (1.0, "1.0"),
            (15.0, "15.0"),
            (0.1, "0.1"),
            (1e-05, "1e-05"),
            (0.0001, "0.0001"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (9999999999999998.0, "9999999999999998.0"),
            (1.2345678901234568e17, "1.2345678901234568e+17"),
            (5e-324, "5e-324"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (123456.789, "123456.789"),
            (1.5e-07, "1.5e-07"),
            (1e22, "1e+22"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (-2.5, "-2.5"),
            (1795391001.634849, "1795391001.634849"),
            (100.0, "100.0"),
            (0.00012, "0.00012"),
            (f64::NAN, "nan"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for &(v, want) in cases {
            assert_eq!(float_repr(v), want, "repr of {v:e}");
        }
    }
}
