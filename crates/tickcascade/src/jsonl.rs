//! The log file: JSON Lines exactly as Eventure writes and reads them.
//!
//! Saving writes each event's canonical line. Loading reads the whole input,
//! splits it on universal newlines (`\n`, `\r\n`, `\r`), skips blank lines,
//! and parses each line with one scanner that validates it as Python's
//! `json.loads` would and canonicalizes the data as `json.dumps` would, so a
//! file Eventure wrote re-saves byte for byte. Every error names the source,
//! the 1-based line and the column.

use crate::event::{Event, Timestamp};
use crate::id::{EventId, IdHash};
use crate::json::scan::{Number, QuickNumber, ScanBuffers, ScanError, ScanErrorKind, Scanner};
use crate::json::top_keys::TopKeys;
use crate::log::{EventLog, FastMap};
use std::borrow::Cow;
use std::fmt;
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::Path;

/// How strictly a log is read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LoadMode {
    /// What Eventure accepts (duplicate ids, unknown or later parents,
    /// ticks out of order), except NaN/Infinity unless `allow_nan`.
    #[default]
    Default,
    /// Also rejects duplicate ids, a tick lower than the previous line's, a
    /// parent id that does not appear on an earlier line, and an id whose
    /// tick part disagrees with the event's tick.
    Strict,
    /// As `Default`, but a last line that does not parse and has no final
    /// newline (a torn write) is dropped with a warning.
    Lenient,
}

/// Load settings: `LoadOptions::default()` and the setters below.
///
/// ```
/// use tickcascade::{LoadMode, LoadOptions};
/// let opts = LoadOptions::default().mode(LoadMode::Lenient).allow_nan(true).threads(2);
/// assert_ne!(opts, LoadOptions::default());
/// assert_eq!(LoadOptions::default().threads, 1);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoadOptions {
    pub mode: LoadMode,
    /// Accept `NaN`, `Infinity`, `-Infinity` (and numbers that overflow to
    /// infinity), keeping them and re-saving them as Eventure writes them.
    pub allow_nan: bool,
    /// Threads a load may use, the caller's included (default 1: none is
    /// started). With 2 or more, large inputs are parsed partly on a scoped
    /// thread that has ended when the load returns; the log, the report and
    /// the first error are the same whatever the count.
    pub threads: usize,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            mode: LoadMode::Default,
            allow_nan: false,
            threads: 1,
        }
    }
}

impl LoadOptions {
    /// Sets how strictly lines are checked.
    pub fn mode(self, mode: LoadMode) -> Self {
        LoadOptions { mode, ..self }
    }

    /// Sets whether `NaN` and the infinities are accepted.
    pub fn allow_nan(self, allow_nan: bool) -> Self {
        LoadOptions { allow_nan, ..self }
    }

    /// Sets how many threads the load may use (0 and 1: the caller's only).
    pub fn threads(self, threads: usize) -> Self {
        LoadOptions { threads, ..self }
    }
}

/// Something a load noticed but did not fail on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadWarning {
    pub line: usize,
    pub message: String,
}

/// What a load read besides the events.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// Lines that were empty or white space only (skipped, as Eventure does).
    pub blank_lines: usize,
    pub warnings: Vec<LoadWarning>,
}

/// What is wrong with the input.
#[derive(Debug)]
pub enum LoadErrorKind {
    /// The file could not be read.
    Io(io::Error),
    /// The line is not valid UTF-8.
    InvalidUtf8,
    /// The input holds NUL bytes: not a text file.
    Binary,
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
        field: &'static str,
        expected: &'static str,
        found: String,
    },
    /// Strict: an id already held by an earlier line.
    DuplicateId { id: String, first_line: usize },
    /// Strict: a tick lower than the previous event's.
    TickBackwards { tick: i64, previous: i64 },
    /// Strict: a parent id that no earlier line holds.
    UnknownParent(String),
    /// Strict: `{tick}-…` in the id disagrees with the tick.
    IdTickMismatch { id: String, tick: i64 },
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
            Self::ByteOrderMark => "byte_order_mark",
            Self::Syntax(_) => "syntax",
            Self::NonFinite(_) => "non_finite",
            Self::MissingField(_) => "missing_field",
            Self::WrongType { .. } => "wrong_type",
            Self::DuplicateId { .. } => "duplicate_id",
            Self::TickBackwards { .. } => "tick_backwards",
            Self::UnknownParent(_) => "unknown_parent",
            Self::IdTickMismatch { .. } => "id_tick_mismatch",
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
            _ => None,
        }
    }
}

/// A line-level failure before the line number is attached.
struct LineError {
    /// Byte offset in the line, when known.
    offset: Option<usize>,
    kind: LoadErrorKind,
}

impl From<ScanError> for LineError {
    fn from(e: ScanError) -> Self {
        let kind = match e.kind {
            ScanErrorKind::NonFinite(_) => LoadErrorKind::NonFinite(e.kind.to_string()),
            _ => LoadErrorKind::Syntax(e.kind.to_string()),
        };
        LineError {
            offset: Some(e.offset),
            kind,
        }
    }
}

fn describe_value(s: &Scanner<'_>) -> &'static str {
    match s.peek() {
        Some(b'"') => "a string",
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}

/// Buffers reused from line to line.
#[derive(Default)]
struct LineBuffers {
    scan: ScanBuffers,
    data: String,
    scratch: String,
}

/// Parses `"tick"`, `"timestamp"`, … of one line.
struct LineParser<'a, 'b> {
    scanner: Scanner<'a>,
    data: &'b mut String,
    scratch: &'b mut String,
}

/// The fields of one line, before it becomes an `Event`.
struct Fields<'a> {
    tick: Option<i64>,
    timestamp: Option<Timestamp>,
    event_type: Option<Cow<'a, str>>,
    has_data: bool,
    /// The data's text on the line itself, when it is canonical as it is
    /// (else the canonical text is in the line buffers' `data`).
    verbatim_data: Option<&'a str>,
    /// Where the data's top-level keys are, when the quick path saw them.
    data_keys: TopKeys,
    id: Option<Option<EventId>>,
    parent: Option<Option<EventId>>,
}

impl<'a> LineParser<'a, '_> {
    fn wrong(&self, field: &'static str, expected: &'static str) -> LineError {
        LineError {
            offset: Some(self.scanner.offset()),
            kind: LoadErrorKind::WrongType {
                field,
                expected,
                found: describe_value(&self.scanner).to_owned(),
            },
        }
    }

    fn id_or_null(&mut self, field: &'static str) -> Result<Option<EventId>, LineError> {
        self.scanner.skip_ws();
        match self.scanner.peek() {
            Some(b'"') => Ok(Some(EventId::from(&*self.scanner.string()?))),
            Some(b'n') => {
                self.scratch.clear();
                self.scanner.value_into(self.scratch)?;
                Ok(None)
            }
            _ => Err(self.wrong(field, "a string or null")),
        }
    }

    /// The line exactly as Eventure writes it (keys in order, `", "` and
    /// `": "`): read by position. `None` on any deviation, and `parse` reads
    /// it the general way (and reports errors properly).
    fn parse_canonical(&mut self) -> Option<Fields<'a>> {
        let sc = &mut self.scanner;
        if !sc.eat(b"{\"tick\": ") {
            return None;
        }
        let tick = match sc.quick_number()? {
            QuickNumber::Int(v) => v,
            QuickNumber::Float(_) => return None,
        };
        if !sc.eat(b", \"timestamp\": ") {
            return None;
        }
        let timestamp = match sc.quick_number()? {
            QuickNumber::Int(v) => Timestamp::from_int(v),
            QuickNumber::Float(v) => Timestamp::from_secs(v),
        };
        if !sc.eat(b", \"type\": ") || sc.peek() != Some(b'"') {
            return None;
        }
        let event_type = sc.string().ok()?;
        if !sc.eat(b", \"data\": ") {
            return None;
        }
        let (verbatim_data, data_keys) = match sc.canonical_value() {
            Some((text, keys)) => (Some(text), keys),
            None => {
                self.data.clear();
                sc.value_into(self.data).ok()?;
                (None, TopKeys::UNKNOWN)
            }
        };
        let id_or_null = |sc: &mut Scanner<'a>| -> Option<Option<EventId>> {
            if sc.eat(b"null") {
                Some(None)
            } else if let Some((id, len)) = EventId::from_quoted(&sc.bytes()[sc.offset()..]) {
                sc.seek(sc.offset() + len);
                Some(Some(id))
            } else if sc.peek() == Some(b'"') {
                sc.string().ok().map(|text| Some(EventId::from(&*text)))
            } else {
                None
            }
        };
        if !sc.eat(b", \"event_id\": ") {
            return None;
        }
        let id = id_or_null(sc)?;
        if !sc.eat(b", \"parent_id\": ") {
            return None;
        }
        let parent = id_or_null(sc)?;
        if !sc.eat(b"}") || sc.finish().is_err() {
            return None;
        }
        Some(Fields {
            tick: Some(tick),
            timestamp: Some(timestamp),
            event_type: Some(event_type),
            has_data: true,
            verbatim_data,
            data_keys,
            id: Some(id),
            parent: Some(parent),
        })
    }

    fn parse(&mut self) -> Result<Fields<'a>, LineError> {
        // A line in Eventure's layout holds no NUL byte (strings are
        // checked for control characters), so only other lines look.
        if let Some(fields) = self.parse_canonical() {
            return Ok(fields);
        }
        self.parse_general()
    }

    /// Any line: each member read by its key, errors reported.
    fn parse_general(&mut self) -> Result<Fields<'a>, LineError> {
        if let Some(at) = memchr::memchr(0, self.scanner.bytes()) {
            return Err(LineError {
                offset: Some(at),
                kind: LoadErrorKind::Binary,
            });
        }
        self.scanner.seek(0);
        self.data.clear();
        let mut f = Fields {
            tick: None,
            timestamp: None,
            event_type: None,
            has_data: false,
            verbatim_data: None,
            data_keys: TopKeys::UNKNOWN,
            id: None,
            parent: None,
        };
        self.scanner
            .expect(b'{', "'{' (each line must be one JSON object)")?;
        self.scanner.skip_ws();
        let mut first = true;
        loop {
            self.scanner.skip_ws();
            if self.scanner.peek() == Some(b'}') && first {
                break;
            }
            first = false;
            let key = self.scanner.string()?;
            self.scanner.expect(b':', "':' after an object key")?;
            self.scanner.skip_ws();
            match &*key {
                "tick" => {
                    let at = self.scanner.offset();
                    if !matches!(self.scanner.peek(), Some(b'-' | b'0'..=b'9')) {
                        return Err(self.wrong("tick", "an integer"));
                    }
                    match self.scanner.number()? {
                        Number::Int(text) => {
                            f.tick = Some(text.parse().map_err(|_| LineError {
                                offset: Some(at),
                                kind: LoadErrorKind::WrongType {
                                    field: "tick",
                                    expected: "an integer in the 64-bit range",
                                    found: text.to_owned(),
                                },
                            })?);
                        }
                        Number::Float(v) => {
                            return Err(LineError {
                                offset: Some(at),
                                kind: LoadErrorKind::WrongType {
                                    field: "tick",
                                    expected: "an integer",
                                    found: format!("the float {v}"),
                                },
                            });
                        }
                    }
                }
                "timestamp" => {
                    if !matches!(self.scanner.peek(), Some(b'-' | b'0'..=b'9' | b'N' | b'I')) {
                        return Err(self.wrong("timestamp", "a number"));
                    }
                    f.timestamp = Some(match self.scanner.number()? {
                        Number::Int(text) => match text.parse::<i64>() {
                            Ok(v) => Timestamp::from_int(v),
                            Err(_) => Timestamp::from_big_int(text),
                        },
                        Number::Float(v) => Timestamp::from_secs(v),
                    });
                }
                "type" => {
                    if self.scanner.peek() != Some(b'"') {
                        return Err(self.wrong("type", "a string"));
                    }
                    f.event_type = Some(self.scanner.string()?);
                }
                "data" => {
                    self.data.clear();
                    self.scanner.value_into(self.data)?;
                    f.has_data = true;
                }
                "event_id" => f.id = Some(self.id_or_null("event_id")?),
                "parent_id" => f.parent = Some(self.id_or_null("parent_id")?),
                _ => {
                    self.scratch.clear();
                    self.scanner.value_into(self.scratch)?;
                }
            }
            self.scanner.skip_ws();
            match self.scanner.peek() {
                Some(b',') => {
                    self.scanner.expect(b',', "','")?;
                }
                Some(b'}') => break,
                _ => {
                    self.scanner
                        .expect(b'}', "',' or '}' after an object member")?;
                }
            }
        }
        self.scanner.expect(b'}', "'}'")?;
        self.scanner.finish()?;
        Ok(f)
    }
}

fn missing(name: &'static str) -> LineError {
    LineError {
        offset: None,
        kind: LoadErrorKind::MissingField(name),
    }
}

/// Python's `str.isspace()` over a whole line (such lines are skipped).
fn is_blank(line: &str) -> bool {
    line.chars().all(|c| {
        matches!(c, '\t'..='\r' | '\u{1c}'..=' ' | '\u{85}' | '\u{a0}' | '\u{1680}'
            | '\u{2000}'..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}')
    })
}

/// Splits on `\n`, `\r\n` and lone `\r`: (line, ends with a newline).
#[cfg(test)]
fn lines(bytes: &[u8]) -> impl Iterator<Item = (&[u8], bool)> {
    let mut rest = bytes;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        match memchr::memchr2(b'\n', b'\r', rest) {
            Some(i) => {
                let line = &rest[..i];
                let skip = if rest[i] == b'\r' && rest.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                rest = &rest[i + skip..];
                Some((line, true))
            }
            None => {
                let line = rest;
                rest = &[];
                Some((line, false))
            }
        }
    })
}

/// State for the strict checks.
#[derive(Default)]
struct StrictState {
    line_of_id: FastMap<EventId, usize>,
    previous_tick: Option<i64>,
}

impl StrictState {
    fn check(&mut self, e: &Event, line: usize) -> Result<(), LoadErrorKind> {
        if let Some(&first_line) = self.line_of_id.get(e.id()) {
            return Err(LoadErrorKind::DuplicateId {
                id: e.id().to_string(),
                first_line,
            });
        }
        if let Some(previous) = self.previous_tick.filter(|&p| e.tick() < p) {
            return Err(LoadErrorKind::TickBackwards {
                tick: e.tick(),
                previous,
            });
        }
        if let Some(p) = e.parent_id()
            && !self.line_of_id.contains_key(p)
        {
            return Err(LoadErrorKind::UnknownParent(p.to_string()));
        }
        if let Some((tick, _, _)) = e.id().parts()
            && tick != e.tick()
        {
            return Err(LoadErrorKind::IdTickMismatch {
                id: e.id().to_string(),
                tick: e.tick(),
            });
        }
        self.line_of_id.insert(e.id().clone(), line);
        self.previous_tick = Some(e.tick());
        Ok(())
    }
}

/// One line, parsed but not yet in a log: the part of loading that needs
/// no log state (so it can be done ahead, on another thread).
enum Parsed<'a> {
    Blank,
    BadUtf8 { valid_up_to: usize },
    Bad(LineError),
    Event(ParsedEvent<'a>),
}

struct ParsedEvent<'a> {
    tick: i64,
    timestamp: Timestamp,
    event_type: Cow<'a, str>,
    id: Option<EventId>,
    parent: Option<EventId>,
    verbatim_data: Option<&'a str>,
    data_keys: TopKeys,
}

/// Parses one line; its data's canonical text is on the line as it is
/// (`verbatim_data`) or left in `buffers.data`.
fn parse_line<'a>(raw: &'a [u8], allow_nan: bool, buffers: &mut LineBuffers) -> Parsed<'a> {
    let text = match std::str::from_utf8(raw) {
        Ok(t) => t,
        Err(e) => {
            return Parsed::BadUtf8 {
                valid_up_to: e.valid_up_to(),
            };
        }
    };
    if is_blank(text) {
        return Parsed::Blank;
    }
    let mut parser = LineParser {
        scanner: Scanner::with_buffers(text, allow_nan, std::mem::take(&mut buffers.scan)),
        data: &mut buffers.data,
        scratch: &mut buffers.scratch,
    };
    let parsed = parser.parse().and_then(|f| {
        let tick = f.tick.ok_or_else(|| missing("tick"))?;
        let timestamp = f.timestamp.ok_or_else(|| missing("timestamp"))?;
        let event_type = f.event_type.ok_or_else(|| missing("type"))?;
        if !f.has_data {
            return Err(missing("data"));
        }
        Ok(ParsedEvent {
            tick,
            timestamp,
            event_type,
            id: f.id.flatten(),
            parent: f.parent.flatten(),
            verbatim_data: f.verbatim_data,
            data_keys: f.data_keys,
        })
    });
    buffers.scan = parser.scanner.into_buffers();
    match parsed {
        Ok(p) => Parsed::Event(p),
        Err(e) => Parsed::Bad(e),
    }
}

/// Below this many lines in a piece of input, a second thread costs more
/// than it saves.
const PARSE_AHEAD_MIN_LINES: usize = 2048;

/// Lines parsed on a second thread, waiting to be appended in order.
struct ParsedAhead<'a> {
    /// Each line, and where its data's canonical text is in `data` when it
    /// is not on the line as it is.
    lines: Vec<(Parsed<'a>, Option<std::ops::Range<usize>>)>,
    data: String,
}

impl<'a> ParsedAhead<'a> {
    fn parse(text: &'a [u8], spans: &[(usize, usize)], allow_nan: bool) -> ParsedAhead<'a> {
        let mut buffers = LineBuffers::default();
        let mut data = String::new();
        let lines = spans
            .iter()
            .map(|&(start, end)| {
                let parsed = parse_line(&text[start..end], allow_nan, &mut buffers);
                let range = match &parsed {
                    Parsed::Event(p) if p.verbatim_data.is_none() => {
                        let at = data.len();
                        data.push_str(&buffers.data);
                        Some(at..data.len())
                    }
                    _ => None,
                };
                (parsed, range)
            })
            .collect();
        ParsedAhead { lines, data }
    }
}

/// Turns lines into a log, one line at a time (so input can stream): what
/// [`load_file`] and [`read_log_from`] use, for callers that feed input
/// themselves (a progress bar, a validator that collects every problem).
///
/// ```
/// use tickcascade::{LoadOptions, Loader};
/// let mut loader = Loader::new("game.jsonl", &LoadOptions::default());
/// loader.line(br#"{"tick": 0, "timestamp": 1.0, "type": "a", "data": {}}"#, true)?;
/// assert_eq!(loader.len(), 1);
/// let (log, report, problems) = loader.finish();
/// assert_eq!((log.len(), report.blank_lines, problems.len()), (1, 0, 0));
/// # Ok::<(), tickcascade::LoadError>(())
/// ```
pub struct Loader {
    source: String,
    options: LoadOptions,
    log: EventLog,
    report: LoadReport,
    buffers: LineBuffers,
    fresh_counters: FastMap<(i64, IdHash), u64>,
    strict: Option<StrictState>,
    max_tick: i64,
    line_no: usize,
    /// When set, bad lines are recorded here and skipped instead of failing.
    problems: Option<Vec<LoadError>>,
    /// Drop a torn last line instead of failing (lenient).
    tolerate_torn: bool,
    /// A torn last line was dropped: later input is ignored.
    stopped: bool,
}

impl Loader {
    /// A loader for input named `source` (errors name it).
    pub fn new(source: &str, options: &LoadOptions) -> Loader {
        Loader {
            source: source.to_owned(),
            options: *options,
            log: EventLog::new(),
            report: LoadReport::default(),
            buffers: LineBuffers::default(),
            fresh_counters: FastMap::default(),
            strict: (options.mode == LoadMode::Strict).then(StrictState::default),
            max_tick: 0,
            line_no: 0,
            problems: None,
            tolerate_torn: options.mode == LoadMode::Lenient,
            stopped: false,
        }
    }

    /// Validation: strict checks, every problem recorded instead of
    /// stopping at the first; a torn last line is tolerated only if asked.
    pub fn validating(source: &str, allow_nan: bool, tolerate_torn: bool) -> Loader {
        let options = LoadOptions::default()
            .mode(LoadMode::Strict)
            .allow_nan(allow_nan);
        Loader {
            problems: Some(Vec::new()),
            tolerate_torn,
            ..Loader::new(source, &options)
        }
    }

    /// Events read so far.
    pub fn len(&self) -> usize {
        self.log.len()
    }

    fn error(&self, text: &str, offset: Option<usize>, kind: LoadErrorKind) -> LoadError {
        LoadError {
            source: self.source.clone(),
            line: self.line_no,
            column: offset.map(|o| text.get(..o).map_or(o, |t| t.chars().count()) + 1),
            kind,
        }
    }

    fn fail(&mut self, error: LoadError) -> Result<(), LoadError> {
        match &mut self.problems {
            Some(list) => {
                list.push(error);
                Ok(())
            }
            None => Err(error),
        }
    }

    fn torn(&mut self, why: &str) {
        self.report.warnings.push(LoadWarning {
            line: self.line_no,
            message: format!("dropped a torn last line (no final newline): {why}"),
        });
        self.stopped = true;
    }

    /// One physical line, without its line break; `terminated` says whether
    /// a line break followed it.
    pub fn line(&mut self, raw: &[u8], terminated: bool) -> Result<(), LoadError> {
        if self.stopped {
            return Ok(());
        }
        let parsed = parse_line(raw, self.options.allow_nan, &mut self.buffers);
        let data = std::mem::take(&mut self.buffers.data);
        let result = self.accept(raw, parsed, &data, terminated);
        self.buffers.data = data;
        result
    }

    /// Complete lines of one piece of input, in order: `spans` are their
    /// byte ranges in `text`. Many lines are split in two: the helper thread
    /// (`parallel::join`, when the options allow two threads) parses the back three fifths (parsing needs no log
    /// state) while this one parses and appends the front two fifths, then
    /// appends the back's results (this side also appends, so it takes
    /// fewer lines: 2/5 measured 3-4% faster than halves). Lines are
    /// numbered, checked and appended in input order either way, so the
    /// log, the report and the first error are the same.
    pub(crate) fn lines(&mut self, text: &[u8], spans: &[(usize, usize)]) -> Result<(), LoadError> {
        if spans.len() < PARSE_AHEAD_MIN_LINES || self.options.threads < 2 {
            for &(start, end) in spans {
                self.line(&text[start..end], true)?;
            }
            return Ok(());
        }
        let (front, back) = spans.split_at(spans.len() * 2 / 5);
        let allow_nan = self.options.allow_nan;
        let (front_done, ahead) = crate::parallel::join(
            self.options.threads,
            || {
                front
                    .iter()
                    .try_for_each(|&(start, end)| self.line(&text[start..end], true))
            },
            || ParsedAhead::parse(text, back, allow_nan),
        );
        front_done?;
        for (&(start, end), (parsed, data)) in back.iter().zip(ahead.lines) {
            if self.stopped {
                break;
            }
            let data = data.map_or("", |range| &ahead.data[range]);
            self.accept(&text[start..end], parsed, data, true)?;
        }
        Ok(())
    }

    /// The part of loading a line that needs the log: numbering, errors,
    /// ids without text, strict checks, appending.
    fn accept(
        &mut self,
        raw: &[u8],
        parsed: Parsed<'_>,
        data: &str,
        terminated: bool,
    ) -> Result<(), LoadError> {
        self.line_no += 1;
        let torn_ok = self.tolerate_torn && !terminated;
        if self.line_no == 1 && raw.starts_with(b"\xef\xbb\xbf") {
            let e = self.error("", None, LoadErrorKind::ByteOrderMark);
            return self.fail(e);
        }
        let line_text = || std::str::from_utf8(raw).unwrap_or("");
        let p = match parsed {
            Parsed::Blank => {
                self.report.blank_lines += 1;
                return Ok(());
            }
            Parsed::BadUtf8 { valid_up_to } => {
                if torn_ok {
                    self.torn("not valid UTF-8");
                    return Ok(());
                }
                let valid = std::str::from_utf8(&raw[..valid_up_to]).unwrap_or("");
                let err = self.error(valid, Some(valid.len()), LoadErrorKind::InvalidUtf8);
                return self.fail(err);
            }
            // Binary input is an error even on a last line.
            Parsed::Bad(e) if torn_ok && !matches!(e.kind, LoadErrorKind::Binary) => {
                self.torn(&e.kind.to_string());
                return Ok(());
            }
            Parsed::Bad(e) => {
                let err = self.error(line_text(), e.offset, e.kind);
                return self.fail(err);
            }
            Parsed::Event(p) => p,
        };
        let type_index = self.log.intern_type(&p.event_type);
        let kind = self.log.take_type(type_index);
        let id = match p.id {
            Some(id) => id,
            None => {
                // As a fresh Eventure process would number it.
                let next = self
                    .fresh_counters
                    .entry((p.tick, kind.hash()))
                    .or_insert(1);
                let seq = *next;
                *next += 1;
                EventId::generated(p.tick, kind.hash(), seq)
            }
        };
        let event = Event {
            tick: p.tick,
            timestamp: p.timestamp,
            kind,
            data: self.log.store_data(p.verbatim_data.unwrap_or(data)),
            id,
            parent: p.parent,
        };
        if let Some(state) = &mut self.strict
            && let Err(kind) = state.check(&event, self.line_no)
        {
            let err = self.error(line_text(), None, kind);
            self.fail(err)?;
        }
        self.max_tick = self.max_tick.max(p.tick);
        self.log.push_typed(event, type_index, p.data_keys);
        Ok(())
    }

    /// True when no event was read yet.
    pub fn is_empty(&self) -> bool {
        self.log.is_empty()
    }

    /// The log, what was noticed, and (when collecting) the problems.
    pub fn finish(mut self) -> (EventLog, LoadReport, Vec<LoadError>) {
        self.log.set_current_tick(self.max_tick);
        (self.log, self.report, self.problems.unwrap_or_default())
    }

    /// An I/O error while reading this loader's input, as a `LoadError`.
    pub fn read_error(&self, e: io::Error) -> LoadError {
        LoadError {
            source: self.source.clone(),
            line: 0,
            column: None,
            kind: LoadErrorKind::Io(e),
        }
    }
}

/// Feeds `bytes` to the loader line by line (the reference the tests hold
/// `feed_reader`'s pieces and second thread to).
#[cfg(test)]
fn feed_bytes(loader: &mut Loader, bytes: &[u8]) -> Result<(), LoadError> {
    for (raw, terminated) in lines(bytes) {
        loader.line(raw, terminated)?;
    }
    Ok(())
}

/// Feeds a stream to the loader in chunks, calling `progress` with the
/// bytes read so far; memory holds one chunk plus the log.
///
/// ```
/// use tickcascade::{LoadOptions, Loader, feed_reader};
/// let input = b"{\"tick\": 0, \"timestamp\": 1, \"type\": \"a\", \"data\": null}\n";
/// let mut loader = Loader::new("mem", &LoadOptions::default());
/// let mut read = 0;
/// feed_reader(&mut loader, &input[..], |n| read = n)?;
/// assert_eq!((loader.len(), read), (1, input.len() as u64));
/// # Ok::<(), tickcascade::LoadError>(())
/// ```
pub fn feed_reader(
    loader: &mut Loader,
    mut reader: impl Read,
    mut progress: impl FnMut(u64),
) -> Result<(), LoadError> {
    // Pieces large enough for parsing ahead on a second thread to pay for
    // starting it (see `Loader::lines`).
    const CHUNK: usize = 1 << 20;
    // Zeroed once, then reused: the unfinished line moves to the front and
    // the next read fills the rest (the buffer doubles for longer lines).
    let mut buf: Vec<u8> = vec![0; CHUNK];
    let mut len = 0;
    let mut start = 0;
    let mut eof = false;
    let mut total = 0u64;
    let mut spans = Vec::new();
    loop {
        let data = &buf[..len];
        spans.clear();
        while let Some(i) = memchr::memchr2(b'\n', b'\r', &data[start..]) {
            let at = start + i;
            if data[at] == b'\r' && at + 1 == len && !eof {
                break; // a \r\n may straddle the chunk boundary
            }
            let skip = if data[at] == b'\r' && data.get(at + 1) == Some(&b'\n') {
                2
            } else {
                1
            };
            spans.push((start, at));
            start = at + skip;
        }
        loader.lines(data, &spans)?;
        if eof {
            if start < len {
                loader.line(&data[start..], false)?;
            }
            return Ok(());
        }
        buf.copy_within(start..len, 0);
        len -= start;
        start = 0;
        if len == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
        let n = loop {
            match reader.read(&mut buf[len..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(loader.read_error(e)),
            }
        };
        len += n;
        total += n as u64;
        progress(total);
        eof = n == 0;
    }
}

/// Reads a log from bytes. `source` names the input in messages.
pub fn read_log(
    bytes: &[u8],
    source: &str,
    options: &LoadOptions,
) -> Result<(EventLog, LoadReport), LoadError> {
    let mut loader = Loader::new(source, options);
    feed_reader(&mut loader, bytes, |_| {})?;
    let (log, report, _) = loader.finish();
    Ok((log, report))
}

/// Reads a log from any stream, in chunks (see [`read_log`]).
pub fn read_log_from(
    reader: impl Read,
    source: &str,
    options: &LoadOptions,
) -> Result<(EventLog, LoadReport), LoadError> {
    let mut loader = Loader::new(source, options);
    feed_reader(&mut loader, reader, |_| {})?;
    let (log, report, _) = loader.finish();
    Ok((log, report))
}

/// Reads a log file, streaming it (see [`read_log`]).
pub fn load_file(path: &Path, options: &LoadOptions) -> Result<(EventLog, LoadReport), LoadError> {
    let source = path.display().to_string();
    let file = File::open(path).map_err(|e| LoadError {
        source: source.clone(),
        line: 0,
        column: None,
        kind: LoadErrorKind::Io(e),
    })?;
    read_log_from(file, &source, options)
}

/// Writes every event as one line, in log order.
pub fn write_log<W: Write>(log: &EventLog, sink: W) -> io::Result<()> {
    let mut sink = sink;
    let mut buf = String::with_capacity(128 * 1024);
    for e in log.events() {
        e.push_json(&mut buf);
        buf.push('\n');
        if buf.len() >= 120 * 1024 {
            sink.write_all(buf.as_bytes())?;
            buf.clear();
        }
    }
    sink.write_all(buf.as_bytes())?;
    sink.flush()
}

impl EventLog {
    /// Loads a file Eventure (or this crate) wrote, in the default mode.
    pub fn load_from_file(path: impl AsRef<Path>) -> Result<EventLog, LoadError> {
        load_file(path.as_ref(), &LoadOptions::default()).map(|(log, _)| log)
    }

    /// Saves as JSONL. The file is written beside its final name and renamed
    /// over it, so readers never see half a file (no fsync: see
    /// [`save_to_file_with`](Self::save_to_file_with)).
    pub fn save_to_file(&self, path: impl AsRef<Path>) -> io::Result<()> {
        self.save_to_file_with(path, &SaveOptions::default())
    }

    /// Saves as JSONL with `options` (e.g. fsync before the rename, so the
    /// file also survives a power loss).
    pub fn save_to_file_with(
        &self,
        path: impl AsRef<Path>,
        options: &SaveOptions,
    ) -> io::Result<()> {
        let path = path.as_ref();
        let with_path = |e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", path.display()));
        let mut tmp_name = path
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        tmp_name.push(format!(".tmp-{}", std::process::id()));
        let tmp = path.with_file_name(tmp_name);
        let result = File::create(&tmp).and_then(|mut f| {
            // `write_log` hands over 120 KiB at a time: no second buffer
            // (a `BufWriter` here copied every byte once more).
            write_log(self, &mut f)?;
            if options.fsync { f.sync_all() } else { Ok(()) }
        });
        if let Err(e) = result.and_then(|()| std::fs::rename(&tmp, path)) {
            let _ = std::fs::remove_file(&tmp);
            return Err(with_path(e));
        }
        Ok(())
    }
}

/// How [`EventLog::save_to_file_with`] saves.
///
/// ```
/// use tickcascade::{EventLog, SaveOptions};
/// let dir = std::env::temp_dir().join(format!("tc-save-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// EventLog::new().save_to_file_with(dir.join("log.jsonl"), &SaveOptions { fsync: true })?;
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SaveOptions {
    /// fsync the file before renaming it over the target (durable across a
    /// power loss or OS crash, at the disk's speed). Off by default, as in
    /// Eventure: the rename alone already keeps a crashed process from
    /// leaving half a file.
    pub fsync: bool,
}

/// When a live writer makes its lines durable.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SyncPolicy {
    /// Flush to the OS at the end of every tick (default).
    #[default]
    FlushPerTick,
    /// Flush and `fsync` at the end of every tick.
    FsyncPerTick,
}

enum Target {
    File(BufWriter<File>),
    Stream(BufWriter<Box<dyn Write + Send + Sync>>),
}

/// Appends each event to a file as it is logged (attach it with
/// [`EventLog::attach_writer`]). A process killed mid-run leaves at most a
/// torn last line, which [`LoadMode::Lenient`] drops. Write errors are kept
/// and reported by [`EventLog::detach_writer`]; nothing fails silently.
///
/// ```
/// use tickcascade::{EventLog, LiveWriter};
/// let mut log = EventLog::new();
/// log.attach_writer(LiveWriter::to_stream(Box::new(std::io::sink())));
/// log.add_event("a", &(), None)?;
/// log.advance_tick();
/// assert!(log.detach_writer().unwrap().is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct LiveWriter {
    target: Target,
    sync: SyncPolicy,
    line: String,
    error: Option<io::Error>,
}

impl LiveWriter {
    /// Creates (or truncates) `path`.
    pub fn create(path: impl AsRef<Path>, sync: SyncPolicy) -> io::Result<LiveWriter> {
        let file = File::create(path)?;
        Ok(LiveWriter {
            target: Target::File(BufWriter::with_capacity(64 * 1024, file)),
            sync,
            line: String::new(),
            error: None,
        })
    }

    /// Writes to any stream (flushed per tick; nothing to fsync).
    pub fn to_stream(stream: Box<dyn Write + Send + Sync>) -> LiveWriter {
        LiveWriter {
            target: Target::Stream(BufWriter::with_capacity(64 * 1024, stream)),
            sync: SyncPolicy::FlushPerTick,
            line: String::new(),
            error: None,
        }
    }

    fn writer(&mut self) -> &mut dyn Write {
        match &mut self.target {
            Target::File(w) => w,
            Target::Stream(w) => w,
        }
    }

    pub(crate) fn append(&mut self, e: &Event) {
        if self.error.is_some() {
            return;
        }
        let mut line = std::mem::take(&mut self.line);
        line.clear();
        e.push_json(&mut line);
        line.push('\n');
        if let Err(err) = self.writer().write_all(line.as_bytes()) {
            self.error = Some(err);
        }
        self.line = line;
    }

    pub(crate) fn end_tick(&mut self) {
        if self.error.is_some() {
            return;
        }
        let result = self
            .writer()
            .flush()
            .and_then(|()| match (&self.target, self.sync) {
                (Target::File(w), SyncPolicy::FsyncPerTick) => w.get_ref().sync_data(),
                _ => Ok(()),
            });
        if let Err(err) = result {
            self.error = Some(err);
        }
    }

    pub(crate) fn finish(mut self) -> io::Result<()> {
        self.end_tick();
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str, options: &LoadOptions) -> Result<EventLog, LoadError> {
        read_log(text.as_bytes(), "t.jsonl", options).map(|(log, _)| log)
    }

    /// 6,000 lines in Eventure's layout (one piece of input, so the back three fifths
    /// are parsed on the helper thread), with `odd` lines put in at positions
    /// (at seq 100 of a tick, no parent names it).
    fn many_lines(odd: &[(usize, &str)]) -> String {
        let mut text = String::new();
        for i in 0..6000usize {
            if let Some((_, line)) = odd.iter().find(|(at, _)| *at == i) {
                text.push_str(line);
                text.push('\n');
                continue;
            }
            let tick = i / 100;
            let parent = if i % 7 == 3 && i % 100 > 0 {
                format!("\"{tick}-ADFA-{}\"", i % 100)
            } else {
                "null".to_owned()
            };
            text.push_str(&format!(
                "{{\"tick\": {tick}, \"timestamp\": 1700000000.{i}, \"type\": \"combat.attack\", \
                 \"data\": {{\"i\": {i}, \"nested\": [{{\"x\": 1.5}}]}}, \
                 \"event_id\": \"{tick}-ADFA-{}\", \"parent_id\": {parent}}}\n",
                i % 100 + 1
            ));
        }
        text
    }

    #[test]
    fn loading_on_two_threads_gives_what_loading_line_by_line_gives() {
        let odd = [
            (99, ""),
            (3999, "   "),
            (
                4499,
                r#"{"type": "x", "tick": 45, "timestamp": 1, "data": {"b": 1, "a": [2]}}"#,
            ),
            (
                4999,
                r#"{"tick": 50, "timestamp": 2, "type": "y", "data": "\u00e9", "event_id": "e", "parent_id": null}"#,
            ),
        ];
        let text = many_lines(&odd);
        for options in [
            LoadOptions::default(),
            LoadOptions::default().mode(LoadMode::Strict),
        ] {
            let mut sequential = Loader::new("t.jsonl", &options);
            feed_bytes(&mut sequential, text.as_bytes()).unwrap();
            let (one, one_report, _) = sequential.finish();
            let two_threads = options.threads(2);
            let (two, two_report) =
                read_log_from(text.as_bytes(), "t.jsonl", &two_threads).unwrap();
            // And as when the system refuses the second thread.
            let (alone, alone_report) = crate::parallel::refusing_threads(|| {
                read_log_from(text.as_bytes(), "t.jsonl", &two_threads).unwrap()
            });
            assert_eq!(resave(&one), resave(&two));
            assert_eq!(resave(&alone), resave(&two));
            assert_eq!((one_report.blank_lines, &one_report), (2, &two_report));
            assert_eq!(alone_report, two_report);
            assert_eq!(one.len(), 5998);
        }
    }

    #[test]
    fn errors_found_on_the_second_thread_name_the_same_line() {
        let text = many_lines(&[(
            4321,
            r#"{"tick": 43, "timestamp": 1, "type": "x", "data": {"a": 1,}}"#,
        )]);
        let options = LoadOptions::default();
        let one = read_log(text.as_bytes(), "t.jsonl", &options)
            .map(|_| ())
            .unwrap_err();
        let two = read_log_from(text.as_bytes(), "t.jsonl", &options.threads(2))
            .map(|_| ())
            .unwrap_err();
        assert_eq!(one.to_string(), two.to_string());
        assert!(one.to_string().starts_with("t.jsonl:4322:"), "{one}");
        // Validation reads on and lists every problem, in line order.
        let text = many_lines(&[(100, "{"), (3500, "[]"), (5999, "{\"tick\": 1}")]);
        let mut loader = Loader::validating("t.jsonl", false, false);
        feed_reader(&mut loader, text.as_bytes(), |_| {}).unwrap();
        let (_, _, problems) = loader.finish();
        let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
        let mut sequential = Loader::validating("t.jsonl", false, false);
        feed_bytes(&mut sequential, text.as_bytes()).unwrap();
        let (_, _, expected) = sequential.finish();
        let expected: Vec<String> = expected.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            problems.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
            expected
        );
        assert!(
            [101, 3501, 6000].iter().all(|l| lines.contains(l)),
            "{lines:?}"
        );
    }

    /// What a line's fields say, for comparing the two ways of reading it.
    fn fields_summary(f: &Fields<'_>, data: &str) -> String {
        format!(
            "{:?} {:?} {:?} {} {:?} {:?}",
            f.tick,
            f.timestamp.as_ref().map(Timestamp::to_string),
            f.event_type,
            f.verbatim_data.unwrap_or(data),
            f.id.as_ref()
                .map(|id| id.as_ref().map(|i| (i.to_string(), i.parts()))),
            f.parent
                .as_ref()
                .map(|id| id.as_ref().map(|i| (i.to_string(), i.parts()))),
        )
    }

    proptest::proptest! {
        #[test]
        fn the_quick_reading_of_a_line_agrees_with_the_general_one(
            pieces in (0usize..11, 0usize..13, 0usize..5, 0usize..13, 0usize..9, 0usize..9),
        ) {
            const TICKS: [&str; 11] = ["0", "7", "-3", "01", "1.0", "1e2", "-0",
                "99999999999999999999", "123456789012345678", "1234567890123456789", "2147483648"];
            const STAMPS: [&str; 13] = ["1795404206.477783", "1.5", "10", "-0.0", "1e-05",
                "1.0E5", "0.1", "12345678901234567890.5", "1.23456789012345678901234", "NaN",
                "0", "00.5", "5."];
            const TYPES: [&str; 5] = ["\"combat.attack\"", "\"a\\u00e9\"", "\"\"",
                "\"x\\\"y\"", "\"\u{e9}\""];
            const DATA: [&str; 13] = ["{\"i\": 1, \"tick\": 0, \"name\": \"hero\"}", "{}",
                "[]", "{\"a\": 1.5}", "{\"a\": {\"b\": [1, 2]}}", "{\"a\": 1, \"a\": 2}",
                "\"s\"", "-0", "{\"k\": -0}", "{\"k\": \"\\u00e9\"}", "{\"k\":1}",
                "{\"a\": true, \"b\": null, \"c\": false}", "{\"a\": 01}"];
            const IDS: [&str; 9] = ["\"0-ECBC-1\"", "null", "\"evt_1\"", "\"0-ECBC-01\"",
                "\"3000000000-A-1\"", "\"0-ABCDE-1\"", "\"-1--2\"", "\"0-ECBC-\\u0031\"", "\"\""];
            let (t, ts, ty, d, id, p) = pieces;
            let line = format!(
                "{{\"tick\": {}, \"timestamp\": {}, \"type\": {}, \"data\": {}, \"event_id\": {}, \"parent_id\": {}}}",
                TICKS[t], STAMPS[ts], TYPES[ty], DATA[d], IDS[id], IDS[p]
            );
            let (mut data, mut scratch) = (String::new(), String::new());
            let mut quick = LineParser {
                scanner: Scanner::new(&line, false),
                data: &mut data,
                scratch: &mut scratch,
            };
            let Some(fields) = quick.parse_canonical() else {
                return Ok(()); // declined: the general reading decides alone
            };
            let quick_says = fields_summary(&fields, &data);
            let (mut data, mut scratch) = (String::new(), String::new());
            let mut general = LineParser {
                scanner: Scanner::new(&line, false),
                data: &mut data,
                scratch: &mut scratch,
            };
            match general.parse_general() {
                Ok(fields) => proptest::prop_assert_eq!(quick_says, fields_summary(&fields, &data), "{}", line),
                Err(e) => proptest::prop_assert!(false, "{}: quick read it, general says {:?}", line, e.kind),
            }
        }
    }

    fn resave(log: &EventLog) -> String {
        let mut out = Vec::new();
        write_log(log, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn eventure_lines_resave_byte_for_byte() {
        let text = concat!(
            r#"{"tick": 0, "timestamp": 1795391001.634849, "type": "combat.damage", "data": {"amount": 15.0, "tags": ["crit", "it's"]}, "event_id": "0-EBEB-1", "parent_id": "0-ADFA-1"}"#,
            "\n",
            r#"{"tick": 3, "timestamp": 10, "type": "\u00e9", "data": [1e-05, 1e+16, 12345678901234567890123], "event_id": "evt_1", "parent_id": null}"#,
            "\n"
        );
        let log = load(text, &LoadOptions::default()).unwrap();
        assert_eq!(resave(&log), text);
        assert_eq!(log.current_tick(), 3);
    }

    #[test]
    fn non_canonical_input_is_saved_as_python_would() {
        let text = "{\"data\":{\"b\":1,\"b\":2.50},\"type\":\"é\",\"timestamp\":1E2,\"tick\":1,\"extra\":[1]}\r\n";
        let log = load(text, &LoadOptions::default()).unwrap();
        assert_eq!(
            resave(&log),
            "{\"tick\": 1, \"timestamp\": 100.0, \"type\": \"\\u00e9\", \"data\": {\"b\": 2.5}, \"event_id\": \"1-DDCD-1\", \"parent_id\": null}\n"
        );
    }

    #[test]
    fn errors_name_the_line_and_what_is_wrong() {
        let good = r#"{"tick": 0, "timestamp": 1.0, "type": "a", "data": {}}"#;
        let cases = [
            (
                format!("{good}\n{{\"tick\": 0}}\n"),
                "t.jsonl:2: missing field \"timestamp\"",
            ),
            (
                format!("{good}\n[1]\n"),
                "t.jsonl:2:1: expected '{' (each line must be one JSON object), found '['",
            ),
            (format!("\n\n{good} x\n"), "t.jsonl:3:"),
            (
                r#"{"tick": 1.5, "timestamp": 1, "type": "a", "data": {}}"#.to_owned(),
                "\"tick\" must be an integer",
            ),
            (
                r#"{"tick": 1, "timestamp": NaN, "type": "a", "data": {}}"#.to_owned(),
                "allow_nan",
            ),
            (
                r#"{"tick": 1, "timestamp": 1, "type": 5, "data": {}}"#.to_owned(),
                "\"type\" must be a string, found a number",
            ),
        ];
        for (text, want) in cases {
            let err = load(&text, &LoadOptions::default())
                .unwrap_err()
                .to_string();
            assert!(err.contains(want), "{err:?} should contain {want:?}");
        }
    }

    #[test]
    fn lenient_drops_only_a_torn_last_line() {
        let good = r#"{"tick": 0, "timestamp": 1.0, "type": "a", "data": {}}"#;
        let torn = format!("{good}\n{{\"tick\": 0, \"time");
        let lenient = LoadOptions::default().mode(LoadMode::Lenient);
        let (log, report) = read_log(torn.as_bytes(), "t", &lenient).unwrap();
        assert_eq!(
            (log.len(), report.warnings.len(), report.warnings[0].line),
            (1, 1, 2)
        );
        assert!(load(&torn, &LoadOptions::default()).is_err());
        assert!(load(&format!("{{bad\n{good}"), &lenient).is_err());
        assert_eq!(load(good, &LoadOptions::default()).unwrap().len(), 1);
    }

    #[test]
    fn strict_reports_what_default_accepts() {
        let line = |tick: i64, id: &str, parent: &str| {
            format!(
                r#"{{"tick": {tick}, "timestamp": 1.0, "type": "a", "data": {{}}, "event_id": "{id}", "parent_id": {parent}}}"#
            )
        };
        let strict = LoadOptions::default().mode(LoadMode::Strict);
        let cases = [
            (
                format!(
                    "{}\n{}\n",
                    line(0, "0-A-1", "null"),
                    line(0, "0-A-1", "null")
                ),
                "duplicate event id",
            ),
            (
                format!(
                    "{}\n{}\n",
                    line(1, "1-A-1", "null"),
                    line(0, "0-A-1", "null")
                ),
                "lower than",
            ),
            (
                format!("{}\n", line(0, "0-A-1", "\"0-A-9\"")),
                "does not appear on an earlier line",
            ),
            (
                format!("{}\n", line(2, "0-A-1", "null")),
                "does not start with its tick",
            ),
        ];
        for (text, want) in cases {
            assert!(load(&text, &LoadOptions::default()).is_ok());
            let err = load(&text, &strict).unwrap_err().to_string();
            assert!(err.contains(want), "{err}");
        }
    }
}
