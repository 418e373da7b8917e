//! `Loader`: lines into a log, in order, with the report and the first
//! error (or, validating, every problem); `feed_reader` streams input to it
//! in 1 MiB pieces, parsing part of each piece on a scoped thread when the
//! options allow two; `read_log`, `read_log_from` and `load_file` wrap them.

use super::compression::OpenError;
use super::error::{LoadError, LoadErrorKind, LoadReport, LoadWarning};
#[cfg(test)]
use super::line::lines;
use super::line::{LineBuffers, Parsed, parse_line};
use super::options::{LoadMode, LoadOptions};
use super::strict::StrictState;
use crate::event::Event;
use crate::id::{EventId, IdHash};
use crate::json::top_keys::TopKeys;
use crate::log::{EventLog, FastMap};
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

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
            options: options.clone(),
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
    /// stopping at the first. `options` give NaN, the line limit, and
    /// whether a torn last line is tolerated (`LoadMode::Lenient`).
    pub fn validating(source: &str, options: &LoadOptions) -> Loader {
        let tolerate_torn = options.mode == LoadMode::Lenient;
        let strict = options.clone().with_mode(LoadMode::Strict);
        Loader {
            problems: Some(Vec::new()),
            tolerate_torn,
            ..Loader::new(source, &strict)
        }
    }

    /// An error about the line being read (`line_no + 1`), before it is
    /// complete: too long, or binary. Counted as that line, always an error
    /// (never a torn line, never skipped when validating).
    pub(crate) fn refuse_unfinished(&mut self, kind: LoadErrorKind) -> Result<(), LoadError> {
        self.line_no += 1;
        self.stopped = true;
        Err(self.error("", None, kind))
    }

    /// Notes that the rest of the input, from a damaged compressed frame on,
    /// was dropped (lenient).
    fn warn_torn_frame(&mut self, e: &io::Error) {
        self.report.warnings.push(LoadWarning {
            line: self.line_no + 1,
            message: format!("dropped the rest of the input: {e}"),
        });
    }

    /// Refuses input holding a NUL byte `lines_before` lines after the
    /// last line read: binary, found as it is read.
    pub(crate) fn refuse_binary(&mut self, lines_before: usize) -> Result<(), LoadError> {
        if self.stopped {
            return Ok(());
        }
        self.line_no += lines_before;
        self.refuse_unfinished(LoadErrorKind::Binary)
    }

    /// Refuses an unfinished line already longer than the limit.
    pub(crate) fn check_unfinished(&mut self, tail_len: usize) -> Result<(), LoadError> {
        if self.stopped || tail_len <= self.options.max_line_bytes {
            return Ok(());
        }
        self.refuse_unfinished(LoadErrorKind::LineTooLong {
            limit: self.options.max_line_bytes,
        })
    }

    /// The log read so far.
    pub fn log(&self) -> &EventLog {
        &self.log
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

    /// As `fail`, for a line that does not become an event.
    fn fail_and_skip(&mut self, error: LoadError) -> Result<(), LoadError> {
        self.report.skipped_lines.push(self.line_no);
        self.fail(error)
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
        if raw.len() > self.options.max_line_bytes {
            return self.refuse_unfinished(LoadErrorKind::LineTooLong {
                limit: self.options.max_line_bytes,
            });
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
        // A torn write is the start of a JSON line: `{` first. Anything else
        // without a final newline (a binary file, text) is an error.
        let torn_ok = self.tolerate_torn
            && !terminated
            && raw.trim_ascii_start().first() == Some(&b'{')
            && memchr::memchr(0, raw).is_none();
        if self.line_no == 1 && raw.starts_with(b"\xef\xbb\xbf") {
            let e = self.error("", None, LoadErrorKind::ByteOrderMark);
            return self.fail_and_skip(e);
        }
        let line_text = || std::str::from_utf8(raw).unwrap_or("");
        let p = match parsed {
            Parsed::Blank => {
                self.report.blank_lines += 1;
                self.report.skipped_lines.push(self.line_no);
                return Ok(());
            }
            Parsed::BadUtf8 { valid_up_to } => {
                // Only a multi-byte character cut at the very end is torn.
                let cut_at_end = std::str::from_utf8(raw)
                    .err()
                    .is_some_and(|e| e.error_len().is_none());
                if torn_ok && cut_at_end {
                    self.torn("not valid UTF-8");
                    return Ok(());
                }
                let valid = std::str::from_utf8(&raw[..valid_up_to]).unwrap_or("");
                let err = self.error(valid, Some(valid.len()), LoadErrorKind::InvalidUtf8);
                return self.fail_and_skip(err);
            }
            // Binary input is an error even on a last line.
            Parsed::Bad(e) if torn_ok && !matches!(e.kind, LoadErrorKind::Binary) => {
                self.torn(&e.kind.to_string());
                return Ok(());
            }
            Parsed::Bad(e) => {
                let err = self.error(line_text(), e.offset, e.kind);
                return self.fail_and_skip(err);
            }
            Parsed::Event(p) => p,
        };
        let type_index = self.log.intern_type(&p.event_type);
        let kind = self.log.take_type(type_index, p.schema);
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
        if let Some(state) = &mut self.strict {
            for kind in state.check(&event, self.line_no) {
                let err = self.error(line_text(), None, kind);
                self.fail(err)?;
            }
        }
        self.max_tick = self.max_tick.max(p.tick);
        if let Some(up) = &self.options.upcasters {
            match up.upcast_parts(event.event_type(), event.schema(), event.data_json()) {
                Ok(None) => {}
                Ok(Some((name, schema, text))) => {
                    let type_index = self.log.intern_type(&name);
                    let event = Event {
                        kind: self.log.take_type(type_index, schema),
                        data: self.log.store_data(&text),
                        ..event
                    };
                    self.report.upcast += 1;
                    self.log.push_typed(event, type_index, TopKeys::UNKNOWN);
                    return Ok(());
                }
                Err(e) if up.is_lenient() => {
                    self.report.upcast_skipped += 1;
                    self.report.skipped_lines.push(self.line_no);
                    self.report.warnings.push(LoadWarning {
                        line: self.line_no,
                        message: format!("skipped: cannot upcast: {e}"),
                    });
                    return Ok(());
                }
                Err(e) => {
                    let err = self.error(line_text(), None, LoadErrorKind::Upcast(e));
                    return self.fail_and_skip(err);
                }
            }
        }
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
pub(super) fn feed_bytes(loader: &mut Loader, bytes: &[u8]) -> Result<(), LoadError> {
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
    reader: impl Read,
    mut progress: impl FnMut(u64),
) -> Result<(), LoadError> {
    // Compressed input (gzip, zstd) is decompressed as it streams.
    let mut reader = match super::compression::decompress(reader) {
        Ok((reader, _)) => reader,
        Err(OpenError::Unavailable(format)) => {
            return loader.refuse_unfinished(LoadErrorKind::Compressed(format.name()));
        }
        Err(OpenError::Io(e)) => return Err(loader.read_error(e)),
    };
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
        // Memory stays bounded: the unfinished line may not outgrow the limit.
        loader.check_unfinished(len - start)?;
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
                // A lenient load keeps every complete line before a torn
                // (or damaged) compressed frame and drops the rest, as it
                // drops a torn line.
                Err(e) if loader.tolerate_torn && is_damaged_frame(&e) => {
                    loader.warn_torn_frame(&e);
                    break 0;
                }
                Err(e) => return Err(loader.read_error(e)),
            }
        };
        let fresh = &buf[len..len + n];
        // Binary input stops here, not after it was buffered as one line.
        if let Some(at) = memchr::memchr(0, fresh) {
            let lines_before = memchr::memchr_iter(b'\n', &buf[..len + at]).count();
            loader.refuse_binary(lines_before)?;
        }
        len += n;
        total += n as u64;
        progress(total);
        eof = n == 0;
    }
}

fn is_damaged_frame(e: &io::Error) -> bool {
    e.get_ref()
        .is_some_and(|inner| inner.is::<super::compression::DamagedFrame>())
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
