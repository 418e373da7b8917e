//! Python data to JSON text, as `json.dumps` writes it, without calling
//! back into Python for the common cases (dicts, lists, tuples, strings,
//! 64-bit integers, finite floats, booleans, None). Anything else (big
//! integers, NaN, strings with lone surrogates, non-string keys other than
//! integers, objects json cannot encode, deep nesting) is left to Python's
//! own `json.dumps`, so its results and its errors are Eventure's. The
//! engine then checks and canonicalizes the text (float spellings, `\u`
//! escapes) as it does for a loaded line.

use std::fmt::Write as _;

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

/// The deepest nesting written here; deeper data goes to `json.dumps`.
const MAX_DEPTH: usize = 200;

/// Not handled here: ask `json.dumps`.
pub(crate) struct Unsupported;

fn push_str(out: &mut String, s: &str) {
    out.push('"');
    if !s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        // Nothing to escape (the common case): one copy.
        out.push_str(s);
    } else {
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if (c as u32) < 0x20 => {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                }
                c => out.push(c),
            }
        }
    }
    out.push('"');
}

/// Writes `obj` as JSON text into `out`.
pub(crate) fn write_json(
    obj: &Bound<'_, PyAny>,
    out: &mut String,
    depth: usize,
) -> Result<(), Unsupported> {
    if depth > MAX_DEPTH {
        return Err(Unsupported);
    }
    if obj.is_none() {
        out.push_str("null");
    } else if let Ok(b) = obj.cast::<PyBool>() {
        out.push_str(if b.is_true() { "true" } else { "false" });
    } else if let Ok(s) = obj.cast::<PyString>() {
        push_str(out, s.to_str().map_err(|_| Unsupported)?);
    } else if obj.is_instance_of::<PyInt>() {
        let v: i64 = obj.extract().map_err(|_| Unsupported)?;
        out.push_str(itoa::Buffer::new().format(v));
    } else if let Ok(f) = obj.cast::<PyFloat>() {
        let v = f.value();
        if !v.is_finite() {
            return Err(Unsupported);
        }
        let _ = write!(out, "{v:?}");
    } else if let Ok(d) = obj.cast::<PyDict>() {
        out.push('{');
        for (k, (key, value)) in d.iter().enumerate() {
            if k > 0 {
                out.push_str(", ");
            }
            if let Ok(s) = key.cast::<PyString>() {
                push_str(out, s.to_str().map_err(|_| Unsupported)?);
            } else if key.is_instance_of::<PyInt>() && !key.is_instance_of::<PyBool>() {
                let v: i64 = key.extract().map_err(|_| Unsupported)?;
                push_str(out, itoa::Buffer::new().format(v));
            } else {
                return Err(Unsupported);
            }
            out.push_str(": ");
            write_json(&value, out, depth + 1)?;
        }
        out.push('}');
    } else if let Ok(l) = obj.cast::<PyList>() {
        write_array(l.iter(), out, depth)?;
    } else if let Ok(t) = obj.cast::<PyTuple>() {
        write_array(t.iter(), out, depth)?;
    } else {
        return Err(Unsupported);
    }
    Ok(())
}

/// A list's or tuple's items as a JSON array.
fn write_array<'py>(
    items: impl Iterator<Item = Bound<'py, PyAny>>,
    out: &mut String,
    depth: usize,
) -> Result<(), Unsupported> {
    out.push('[');
    for (k, item) in items.enumerate() {
        if k > 0 {
            out.push_str(", ");
        }
        write_json(&item, out, depth + 1)?;
    }
    out.push(']');
    Ok(())
}

/// Writes `obj` as JSON text into `out` (cleared first): here when
/// possible, else by Python's `json.dumps` (whose exceptions propagate).
pub(crate) fn dumps_into(obj: &Bound<'_, PyAny>, out: &mut String) -> PyResult<()> {
    out.clear();
    if write_json(obj, out, 0).is_ok() {
        return Ok(());
    }
    out.clear();
    let json = obj.py().import("json")?;
    let text = json.call_method1("dumps", (obj,))?;
    out.push_str(text.cast::<pyo3::types::PyString>()?.to_str()?);
    Ok(())
}
