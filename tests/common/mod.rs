//! Helpers shared by the integration tests of every crate (each crate's
//! `tests/it/main.rs` includes this file by path).
#![allow(dead_code)]

pub mod collector;

use std::path::PathBuf;

/// The scenarios `tests/fixtures/make_fixtures.py` records with Eventure
/// (`nonfinite` needs `allow_nan`; callers add it where they load with it).
pub const SCENARIOS: &[&str] = &[
    "spec_example",
    "values",
    "orphans",
    "duplicates",
    "empty",
    "chain50",
    "multi_roots",
    "cycles",
    "type_hashes",
    "bus_program",
    "game",
    "noncanonical",
];

/// A file under `tests/fixtures/`.
pub fn fixture(relative: &str) -> PathBuf {
    // Fixtures are shared by the workspace's crates: `tests/fixtures/` at
    // the repository root, two levels above each crate.
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(relative)
}

/// Reads a fixture as text.
pub fn read_fixture(relative: &str) -> String {
    let path = fixture(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Asserts `got == expected`; on failure prints where they first differ,
/// with a few lines of context from each side.
pub fn assert_same(what: &str, expected: &str, got: &str) {
    if expected == got {
        return;
    }
    let exp: Vec<&str> = expected.split_inclusive('\n').collect();
    let got_lines: Vec<&str> = got.split_inclusive('\n').collect();
    let first = exp
        .iter()
        .zip(&got_lines)
        .position(|(a, b)| a != b)
        .unwrap_or(exp.len().min(got_lines.len()));
    let from = first.saturating_sub(3);
    let mut msg = format!(
        "{what}: output differs from the expected one at line {} ({} expected lines, {} got)\n",
        first + 1,
        exp.len(),
        got_lines.len()
    );
    for (label, lines) in [("expected", &exp), ("got", &got_lines)] {
        msg.push_str(&format!("--- {label}\n"));
        for (i, line) in lines.iter().enumerate().skip(from).take(first - from + 4) {
            let mark = if i == first { ">" } else { " " };
            msg.push_str(&format!("{mark}{:5} | {:?}\n", i + 1, line));
        }
    }
    panic!("{msg}");
}
