//! One line of a log file, parsed without any log state (so lines can be
//! parsed ahead, on another thread): `parse_line` validates it as Python's
//! `json.loads` would and canonicalizes its data as `json.dumps` would.

use super::error::LoadErrorKind;
use crate::event::Timestamp;
use crate::id::EventId;
use crate::json::scan::{Number, QuickNumber, ScanBuffers, ScanError, ScanErrorKind, Scanner};
use crate::json::top_keys::TopKeys;
use std::borrow::Cow;

/// A line-level failure before the line number is attached.
pub(super) struct LineError {
    /// Byte offset in the line, when known.
    pub(super) offset: Option<usize>,
    pub(super) kind: LoadErrorKind,
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

/// The kind of JSON value starting at the scanner, `None` when no JSON
/// value starts there (`+1`, `'x'`): a syntax error, not a wrong type.
pub(super) fn describe_value(s: &Scanner<'_>) -> Option<&'static str> {
    match s.peek()? {
        b'"' => Some("a string"),
        b'{' => Some("an object"),
        b'[' => Some("an array"),
        b't' | b'f' => Some("a boolean"),
        b'n' => Some("null"),
        b'-' | b'0'..=b'9' | b'N' | b'I' => Some("a number"),
        _ => None,
    }
}

/// Buffers reused from line to line.
#[derive(Default)]
pub(super) struct LineBuffers {
    pub(super) scan: ScanBuffers,
    pub(super) data: String,
    pub(super) scratch: String,
}

/// Parses `"tick"`, `"timestamp"`, … of one line.
pub(super) struct LineParser<'a, 'b> {
    pub(super) scanner: Scanner<'a>,
    pub(super) data: &'b mut String,
    pub(super) scratch: &'b mut String,
}

/// The fields of one line, before it becomes an `Event`.
pub(super) struct Fields<'a> {
    pub(super) tick: Option<i64>,
    pub(super) timestamp: Option<Timestamp>,
    pub(super) event_type: Option<Cow<'a, str>>,
    pub(super) has_data: bool,
    /// The data's text on the line itself, when it is canonical as it is
    /// (else the canonical text is in the line buffers' `data`).
    pub(super) verbatim_data: Option<&'a str>,
    /// Where the data's top-level keys are, when the quick path saw them.
    pub(super) data_keys: TopKeys,
    pub(super) id: Option<Option<EventId>>,
    pub(super) parent: Option<Option<EventId>>,
    /// The `"schema"` key's version, when the line has one.
    pub(super) schema: Option<u32>,
}

impl<'a> LineParser<'a, '_> {
    pub(super) fn wrong(&self, field: &'static str, expected: &'static str) -> LineError {
        let offset = Some(self.scanner.offset());
        let kind = match describe_value(&self.scanner) {
            Some(found) => LoadErrorKind::WrongType {
                field,
                expected,
                found: found.to_owned(),
            },
            None => LoadErrorKind::Syntax(match self.scanner.peek() {
                Some(c) => format!("expected a JSON value, found {:?}", char::from(c)),
                None => "expected a JSON value, found the end of the line".to_owned(),
            }),
        };
        LineError { offset, kind }
    }

    pub(super) fn id_or_null(&mut self, field: &'static str) -> Result<Option<EventId>, LineError> {
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
    pub(super) fn parse_canonical(&mut self) -> Option<Fields<'a>> {
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
        let schema = if sc.eat(b", \"schema\": ") {
            match sc.quick_number()? {
                QuickNumber::Int(v) => Some(u32::try_from(v).ok().filter(|&v| v >= 1)?),
                QuickNumber::Float(_) => return None,
            }
        } else {
            None
        };
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
            schema,
        })
    }

    pub(super) fn parse(&mut self) -> Result<Fields<'a>, LineError> {
        // A line in Eventure's layout holds no NUL byte (strings are
        // checked for control characters), so only other lines look.
        if let Some(fields) = self.parse_canonical() {
            return Ok(fields);
        }
        self.parse_general()
    }

    /// Any line: each member read by its key, errors reported.
    pub(super) fn parse_general(&mut self) -> Result<Fields<'a>, LineError> {
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
            schema: None,
        };
        self.scanner
            .expect(b'{', "'{' (each line must be one JSON object)")?;
        self.scanner.skip_ws();
        let mut first = true;
        let mut pending: Vec<(String, LineError)> = Vec::new();
        loop {
            self.scanner.skip_ws();
            if self.scanner.peek() == Some(b'}') && first {
                break;
            }
            first = false;
            let key = self.scanner.string()?;
            self.scanner.expect(b':', "':' after an object key")?;
            self.scanner.skip_ws();
            let value_at = self.scanner.offset();
            let member = self.member(&key, &mut f);
            // Python keeps the last value of a repeated key: a value of the
            // wrong type counts only if no later value replaces it.
            match member {
                Ok(()) => pending.retain(|(k, _)| *k != *key),
                Err(e) if matches!(e.kind, LoadErrorKind::WrongType { .. }) => {
                    self.scanner.seek(value_at);
                    self.scratch.clear();
                    self.scanner.value_into(self.scratch)?;
                    pending.retain(|(k, _)| *k != *key);
                    pending.push((key.to_string(), e));
                }
                Err(e) => return Err(e),
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
        if let Some((_, e)) = pending.into_iter().next() {
            return Err(e);
        }
        Ok(f)
    }

    /// One top-level member's value, into `f`.
    fn member(&mut self, key: &str, f: &mut Fields<'a>) -> Result<(), LineError> {
        {
            match key {
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
                "schema" => {
                    let at = self.scanner.offset();
                    if !matches!(self.scanner.peek(), Some(b'-' | b'0'..=b'9')) {
                        return Err(self.wrong("schema", SCHEMA_RANGE));
                    }
                    let found = match self.scanner.number()? {
                        Number::Int(text) => match text.parse::<u32>() {
                            Ok(v) if v >= 1 => {
                                f.schema = Some(v);
                                return Ok(());
                            }
                            _ => text.to_owned(),
                        },
                        Number::Float(v) => format!("the float {v}"),
                    };
                    return Err(LineError {
                        offset: Some(at),
                        kind: LoadErrorKind::WrongType {
                            field: "schema",
                            expected: SCHEMA_RANGE,
                            found,
                        },
                    });
                }
                "event_id" => f.id = Some(self.id_or_null("event_id")?),
                "parent_id" => f.parent = Some(self.id_or_null("parent_id")?),
                _ => {
                    self.scratch.clear();
                    self.scanner.value_into(self.scratch)?;
                }
            }
        }
        Ok(())
    }
}

/// What a `"schema"` value must be.
const SCHEMA_RANGE: &str = "an integer from 1 to 4294967295";

pub(super) fn missing(name: &'static str) -> LineError {
    LineError {
        offset: None,
        kind: LoadErrorKind::MissingField(name),
    }
}

/// Python's `str.isspace()` over a whole line (such lines are skipped).
pub(super) fn is_blank(line: &str) -> bool {
    line.chars().all(|c| {
        matches!(c, '\t'..='\r' | '\u{1c}'..=' ' | '\u{85}' | '\u{a0}' | '\u{1680}'
            | '\u{2000}'..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}')
    })
}

/// Splits on `\n`, `\r\n` and lone `\r`: (line, ends with a newline).
#[cfg(test)]
pub(super) fn lines(bytes: &[u8]) -> impl Iterator<Item = (&[u8], bool)> {
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

/// One line, parsed but not yet in a log: the part of loading that needs
/// no log state (so it can be done ahead, on another thread).
pub(super) enum Parsed<'a> {
    Blank,
    BadUtf8 { valid_up_to: usize },
    Bad(LineError),
    Event(ParsedEvent<'a>),
}

pub(super) struct ParsedEvent<'a> {
    pub(super) tick: i64,
    pub(super) timestamp: Timestamp,
    pub(super) event_type: Cow<'a, str>,
    pub(super) id: Option<EventId>,
    pub(super) parent: Option<EventId>,
    pub(super) verbatim_data: Option<&'a str>,
    pub(super) data_keys: TopKeys,
    /// The data's schema version (1 when the line has no `"schema"` key).
    pub(super) schema: u32,
}

/// Parses one line; its data's canonical text is on the line as it is
/// (`verbatim_data`) or left in `buffers.data`.
pub(super) fn parse_line<'a>(
    raw: &'a [u8],
    allow_nan: bool,
    buffers: &mut LineBuffers,
) -> Parsed<'a> {
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
            schema: f.schema.unwrap_or(1),
        })
    });
    buffers.scan = parser.scanner.into_buffers();
    match parsed {
        Ok(p) => Parsed::Event(p),
        Err(e) => Parsed::Bad(e),
    }
}
