//! Python's `repr(float)`: shortest round-trip digits, plain notation for
//! decimal exponents in `-4..16`, scientific (`1e-05`, `1e+16`) otherwise.
//!
//! Rust's `Display`, ryu and serde_json all spell these differently
//! (`1e16`, `1e-5`, `10000000000000000`), so the rule is applied here by hand
//! on top of the shortest digits that ryu produces.

use super::text_out::TextOut;

/// How non-finite values are spelled: in a JSON file (`NaN`, `Infinity`)
/// or in a printed view (`nan`, `inf`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum NonFinite {
    Json,
    #[cfg(test)]
    Python,
}

/// Appends `repr(micros / 1e6)` to `out` (the float the division gives).
///
/// Between 100 µs and 2^32 s the text is the micros' own digits: the
/// float's spacing there is below 1e-6, so the only decimal with at most
/// six fraction digits within half a spacing of the float is `micros/1e6`
/// itself, and any shorter decimal would be one of those (so the shortest
/// round trip is its digits with trailing zeros dropped); and Python
/// writes values from 1e-4 up without an exponent. Elsewhere: through the
/// float. (ryu's general search was a tenth of saving a log.)
pub(crate) fn write_micros<W: TextOut + ?Sized>(out: &mut W, micros: i64) {
    const MAX: i64 = (1 << 32) * 1_000_000;
    if !(100..MAX).contains(&micros) {
        return write_float(out, micros as f64 / 1e6, NonFinite::Json);
    }
    let (secs, frac) = (micros / 1_000_000, micros % 1_000_000);
    out.push_str(itoa::Buffer::new().format(secs));
    if frac == 0 {
        // At least one fraction digit, as Python writes `1.0`.
        return out.push_str(".0");
    }
    // The fraction's six digits without the trailing zeros.
    let (mut f, mut width) = (frac, 6);
    while f % 10 == 0 {
        f /= 10;
        width -= 1;
    }
    out.push('.');
    let mut buf = itoa::Buffer::new();
    let digits = buf.format(f);
    out.push_str("00000".get(..width - digits.len()).unwrap_or(""));
    out.push_str(digits);
}

/// Appends `repr(v)` to `out`.
pub(crate) fn write_float<W: TextOut + ?Sized>(out: &mut W, v: f64, non_finite: NonFinite) {
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
    // ryu gives the shortest round-trip digits; take them and the decimal
    // exponent out of its text, whichever notation it chose.
    let mut ryu_buf = ryu::Buffer::new();
    let ryu_text = ryu_buf.format_finite(v.abs());
    let text = ryu_text.as_bytes();
    // Fast path: plain notation that Python would also use (decimal
    // exponent in -4..16): ryu's text is Python's repr as it is.
    if !text.contains(&b'e') {
        let plain_ok = match ryu_text.strip_prefix("0.") {
            Some(frac) => frac.len() - frac.trim_start_matches('0').len() < 4,
            None => true,
        };
        if plain_ok {
            out.push_str(ryu_text);
            return;
        }
    }
    let (mantissa, exponent) = match text.iter().position(|&b| b == b'e') {
        Some(i) => (&text[..i], &text[i + 1..]),
        None => (text, &b""[..]),
    };
    let mut digits = [0u8; 24];
    let mut n = 0;
    // Position of the decimal point relative to the first digit written.
    let mut int_digits: i32 = 0;
    let mut seen_point = false;
    let mut leading = true;
    let mut leading_frac_zeros: i32 = 0;
    for &b in mantissa {
        if b == b'.' {
            seen_point = true;
            continue;
        }
        if leading && b == b'0' {
            if seen_point {
                leading_frac_zeros += 1;
            }
            continue;
        }
        leading = false;
        if !seen_point {
            int_digits += 1;
        }
        if n < digits.len() {
            digits[n] = b;
            n += 1;
        }
    }
    // Trailing zeros of an integral mantissa ("100.0") are not digits.
    while n > 1 && digits[n - 1] == b'0' {
        n -= 1;
    }
    if n == 0 {
        out.push_str("0.0");
        return;
    }
    let e_part: i32 = std::str::from_utf8(exponent)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let exp = if int_digits > 0 {
        int_digits - 1 + e_part
    } else {
        -(leading_frac_zeros + 1) + e_part
    };
    let digits = &digits[..n];
    fn push<W: TextOut + ?Sized>(out: &mut W, bytes: &[u8]) {
        for &b in bytes {
            out.push(b as char);
        }
    }
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
        out.push_str(itoa::Buffer::new().format(abs));
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
    use super::{NonFinite, write_float, write_micros};

    fn through_the_float(micros: i64) -> String {
        let mut s = String::new();
        write_float(&mut s, micros as f64 / 1e6, NonFinite::Json);
        s
    }

    fn from_micros(micros: i64) -> String {
        let mut s = String::new();
        write_micros(&mut s, micros);
        s
    }

    #[test]
    fn micros_are_written_as_their_float_at_the_edges() {
        let max = (1i64 << 32) * 1_000_000;
        for m in [
            i64::MIN,
            -1_000_000,
            -1,
            0,
            1,
            99,
            100,
            101,
            999_999,
            1_000_000,
            1_000_001,
            1_795_373_416_833_084,
            1_795_373_416_000_000,
            1_795_373_416_800_000,
            max - 1,
            max,
            max + 1,
            i64::MAX,
        ] {
            assert_eq!(from_micros(m), through_the_float(m), "{m}");
        }
    }

    proptest::proptest! {
        #[test]
        fn micros_are_written_as_their_float(
            m in proptest::prop_oneof![
                100i64..10_000_000,
                1_700_000_000_000_000i64..1_900_000_000_000_000,
                100i64..(1i64 << 32) * 1_000_000,
            ],
        ) {
            proptest::prop_assert_eq!(from_micros(m), through_the_float(m));
        }
    }

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
            // A tie between two shortest forms: Python rounds half to even.
            (f64::from_bits(14054003593548324122), "-909544472468387.2"),
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

    /// Digits and exponent as Rust's `{:e}` (also shortest) gives them.
    fn reference(v: f64) -> (String, i32) {
        let t = format!("{:e}", v.abs());
        let (m, e) = t.split_once('e').unwrap();
        (m.replace('.', ""), e.parse().unwrap())
    }

    proptest::proptest! {
        #[test]
        fn repr_round_trips_with_the_shortest_digits(bits in proptest::prelude::any::<u64>()) {
            let v = f64::from_bits(bits);
            proptest::prop_assume!(v.is_finite() && v != 0.0);
            let r = float_repr(v);
            proptest::prop_assert_eq!(r.parse::<f64>().unwrap(), v);
            let (digits, exp) = reference(v);
            let (m, e) = match r.trim_start_matches('-').split_once('e') {
                Some((m, e)) => (m.to_owned(), e.parse::<i32>().unwrap()),
                None => {
                    let t = r.trim_start_matches('-');
                    let (i, f) = t.split_once('.').unwrap();
                    let all = format!("{i}{f}");
                    let lead = all.len() - all.trim_start_matches('0').len();
                    let x = if i == "0" { -(lead as i32) } else { i.len() as i32 - 1 };
                    (all.trim_start_matches('0').trim_end_matches('0').to_owned(), x)
                }
            };
            let m = m.replace('.', "");
            let m = if m.is_empty() { "0".to_owned() } else { m };
            // As short as the shortest digits; where two such digit strings
            // are equally near (a tie), Python rounds half to even and Rust's
            // `{:e}` may not, so the digits themselves are checked by the
            // table above, not against Rust.
            proptest::prop_assert_eq!(
                (m.trim_end_matches('0').len(), e),
                (digits.trim_end_matches('0').len(), exp)
            );
            proptest::prop_assert_eq!((-4..16).contains(&exp), !r.contains('e'));
        }
    }
}
