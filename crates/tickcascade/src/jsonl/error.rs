//! What a load reports: warnings, the report, and errors with kinds a
//! caller can match, each naming the source, the line and the column.

use std::fmt;
use std::io;

/// Something a load noticed but did not fail on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadWarning {
    /// The 1-based line it is about.
    pub line: usize,
    /// What was noticed, in a sentence.
    pub message: String,
}

/// What a load read besides the events.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// Lines that were empty or white space only (skipped, as Eventure does).
    pub blank_lines: usize,
    /// What was noticed and let pass, in line order.
    pub warnings: Vec<LoadWarning>,
    /// Lines (from 1) that did not become events (blank, or skipped as a
    /// problem when validating), ascending: what [`LoadReport::line_of`]
    /// needs, and no more (a clean file keeps this empty).
    pub skipped_lines: Vec<usize>,
    /// Events the load's upcasters brought to a newer schema version.
    pub upcast: usize,
    /// Events lenient upcasters could not bring up, skipped (each also a
    /// warning and a skipped line).
    pub upcast_skipped: usize,
}

impl LoadReport {
    /// The line (from 1) the event at `position` in the loaded log came
    /// from: errors found after loading (a replay that refuses an event)
    /// can then name the line.
    ///
    /// ```
    /// use tickcascade::{LoadOptions, read_log_from};
    /// let text = "\n{\"tick\": 0, \"timestamp\": 1.0, \"type\": \"a\", \"data\": {}}\n\n{\"tick\": 0, \"timestamp\": 1.0, \"type\": \"b\", \"data\": {}}\n";
    /// let (log, report) = read_log_from(text.as_bytes(), "t.jsonl", &LoadOptions::default())?;
    /// assert_eq!(log.len(), 2);
    /// assert_eq!((report.line_of(0), report.line_of(1)), (2, 4));
    /// # Ok::<(), tickcascade::LoadError>(())
    /// ```
    pub fn line_of(&self, position: usize) -> usize {
        let mut line = position + 1;
        for &skipped in &self.skipped_lines {
            if skipped <= line {
                line += 1;
            } else {
                break;
            }
        }
        line
    }
}

/// What is wrong with the input.
#[derive(Debug)]
#[non_exhaustive]
pub enum LoadErrorKind {
    /// The file could not be read.
    Io(io::Error),
    /// The line is not valid UTF-8.
    InvalidUtf8,
    /// The input holds NUL bytes: not a text file.
    Binary,
    /// The input is compressed (`gzip`, `zstd`) and this build lacks the
    /// feature that reads it.
    Compressed(&'static str),
    /// A line longer than the load's `max_line_bytes`.
    LineTooLong {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The file starts with a byte order mark (Eventure rejects it too).
    ByteOrderMark,
    /// The line is not a JSON object Eventure could read.
    Syntax(String),
    /// `NaN`, `Infinity` or an overflowing number, without `allow_nan`.
    NonFinite(String),
    /// A required key is absent.
    MissingField(&'static str),
    /// A key holds the wrong kind of value.
    WrongType {
        /// The key.
        field: &'static str,
        /// What Eventure accepts there.
        expected: &'static str,
        /// What the line holds (a JSON kind).
        found: String,
    },
    /// Strict: an id already held by an earlier line.
    DuplicateId {
        /// The repeated id.
        id: String,
        /// Where it was first held.
        first_line: usize,
    },
    /// Strict: a tick lower than the previous event's.
    TickBackwards {
        /// This line's tick.
        tick: i64,
        /// The previous event's, higher.
        previous: i64,
    },
    /// Strict: a parent id that no earlier line holds.
    UnknownParent(String),
    /// Strict: `{tick}-…` in the id disagrees with the tick.
    IdTickMismatch {
        /// The id.
        id: String,
        /// The event's tick.
        tick: i64,
    },
    /// The load's upcasters could not bring the event to the newest
    /// version they know (a newer version than the code knows, or a step
    /// that failed).
    Upcast(crate::upcast::UpcastError),
}

/// A load failure: where (source, line, column) and what.
#[derive(Debug)]
pub struct LoadError {
    /// The file name, or `<stdin>`.
    pub source: String,
    /// 1-based line; 0 when the error is about the whole input.
    pub line: usize,
    /// 1-based column (in characters) when known.
    pub column: Option<usize>,
    /// What is wrong.
    pub kind: LoadErrorKind,
}

impl fmt::Display for LoadErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "cannot read: {e}"),
            Self::InvalidUtf8 => f.write_str("not valid UTF-8 (is this a log file?)"),
            Self::Binary => {
                f.write_str("holds a NUL byte: this looks like a binary file, not a JSONL log")
            }
            Self::Compressed(format) => write!(
                f,
                "this is a {format}-compressed log, and this build reads no {format}: enable the tickcascade crate's `{format}` feature (the command line has it), or decompress it first"
            ),
            Self::LineTooLong { limit } => write!(
                f,
                "the line is longer than {limit} bytes (raise the limit with --max-line-bytes, or LoadOptions::with_max_line_bytes)"
            ),
            Self::ByteOrderMark => f.write_str(
                "starts with a UTF-8 byte order mark, which JSON Lines do not allow (remove it)",
            ),
            Self::Syntax(msg) | Self::NonFinite(msg) => f.write_str(msg),
            Self::MissingField(name) => write!(f, "missing field \"{name}\""),
            Self::WrongType {
                field,
                expected,
                found,
            } => write!(f, "\"{field}\" must be {expected}, found {found}"),
            Self::DuplicateId { id, first_line } => {
                write!(f, "duplicate event id {id:?} (first on line {first_line})")
            }
            Self::TickBackwards { tick, previous } => {
                write!(
                    f,
                    "tick {tick} is lower than the previous event's tick {previous}"
                )
            }
            Self::UnknownParent(id) => {
                write!(f, "parent id {id:?} does not appear on an earlier line")
            }
            Self::IdTickMismatch { id, tick } => {
                write!(f, "event id {id:?} does not start with its tick {tick}")
            }
            Self::Upcast(e) => write!(f, "cannot upcast: {e}"),
        }
    }
}

impl LoadErrorKind {
    /// A short stable name for the kind of problem (`validate --json`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Io(_) => "io",
            Self::InvalidUtf8 => "invalid_utf8",
            Self::Binary => "binary",
            Self::Compressed(_) => "compressed",
            Self::LineTooLong { .. } => "line_too_long",
            Self::ByteOrderMark => "byte_order_mark",
            Self::Syntax(_) => "syntax",
            Self::NonFinite(_) => "non_finite",
            Self::MissingField(_) => "missing_field",
            Self::WrongType { .. } => "wrong_type",
            Self::DuplicateId { .. } => "duplicate_id",
            Self::TickBackwards { .. } => "tick_backwards",
            Self::UnknownParent(_) => "unknown_parent",
            Self::IdTickMismatch { .. } => "id_tick_mismatch",
            Self::Upcast(_) => "upcast",
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if let Some(c) = self.column {
                write!(f, ":{c}")?;
            }
        }
        write!(f, ": {}", self.kind)
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            LoadErrorKind::Io(e) => Some(e),
            LoadErrorKind::Upcast(e) => Some(e),
            _ => None,
        }
    }
}
