//! Reading a log for a subcommand: a path or `-` for stdin, the load mode
//! from the flags, warnings on stderr, and a progress bar on stderr when it
//! is a terminal and the file is large.

use super::{CliError, ReadArgs};
use std::fs::File;
use std::io::{self, IsTerminal, Read, Write};
use std::path::Path;
use tickcascade::{EventLog, LoadError, LoadMode, LoadOptions, LoadReport};
use tickcascade::{Loader, feed_reader};

/// Files at least this large get a progress bar (on a terminal).
const PROGRESS_FROM: u64 = 64 << 20;

impl ReadArgs {
    pub(crate) fn options(&self) -> LoadOptions {
        let mode = if self.strict {
            LoadMode::Strict
        } else if self.lenient {
            LoadMode::Lenient
        } else {
            LoadMode::Default
        };
        // The command line may use two threads for large files (a library
        // caller decides for itself; the default is one).
        LoadOptions::default()
            .with_mode(mode)
            .with_allow_nan(self.allow_nan)
            .with_max_line_bytes(self.max_line_bytes)
            .with_threads(2)
    }
}

/// An opened input: its name for messages, the stream, and its size if known.
pub(crate) struct Input {
    pub name: String,
    reader: Box<dyn Read>,
    size: Option<u64>,
}

pub(crate) fn open(path: &Path) -> Result<Input, CliError> {
    if path.as_os_str() == "-" {
        if super::is_closed(0) {
            return Err(CliError::Load(LoadError {
                source: "<stdin>".into(),
                line: 0,
                column: None,
                kind: tickcascade::LoadErrorKind::Io(io::Error::other(
                    "standard input is closed (not even an empty stream)",
                )),
            }));
        }
        return Ok(Input {
            name: "<stdin>".into(),
            reader: Box::new(io::stdin().lock()),
            size: None,
        });
    }
    let name = path.display().to_string();
    let fail = |e: io::Error| {
        CliError::Load(LoadError {
            source: name.clone(),
            line: 0,
            column: None,
            kind: tickcascade::LoadErrorKind::Io(e),
        })
    };
    let meta = std::fs::metadata(path).map_err(fail)?;
    if meta.is_dir() {
        return Err(fail(io::Error::new(
            io::ErrorKind::IsADirectory,
            "is a directory, not a log file",
        )));
    }
    let file = File::open(path).map_err(fail)?;
    Ok(Input {
        name: name.clone(),
        reader: Box::new(file),
        size: Some(meta.len()),
    })
}

/// Feeds the input to `loader`, drawing a progress bar when it is worth it.
pub(crate) fn feed(loader: &mut Loader, input: Input) -> Result<(), LoadError> {
    let show = input.size.is_some_and(|s| s >= PROGRESS_FROM) && io::stderr().is_terminal();
    let total = input.size.unwrap_or(0);
    let mut last_drawn = 0u64;
    let result = feed_reader(loader, input.reader, |done| {
        if show && done - last_drawn >= (8 << 20) {
            last_drawn = done;
            let pct = done.saturating_mul(100) / total.max(1);
            let _ = write!(
                io::stderr(),
                "\r{}: {} / {} MB ({pct}%)",
                input.name,
                done >> 20,
                total >> 20
            );
        }
    });
    if show {
        let _ = write!(io::stderr(), "\r\x1b[K");
    }
    result
}

/// Reads a whole log with the subcommand's flags; prints load warnings.
pub(crate) fn read(path: &Path, args: &ReadArgs) -> Result<EventLog, CliError> {
    read_with_report(path, args).map(|(log, _, _)| log)
}

/// [`read`], also returning the load report (to map an event's position
/// back to its line) and the input's name as errors spell it.
pub(crate) fn read_with_report(
    path: &Path,
    args: &ReadArgs,
) -> Result<(EventLog, LoadReport, String), CliError> {
    let input = open(path)?;
    let name = input.name.clone();
    let mut loader = Loader::new(&name, &args.options());
    feed(&mut loader, input)?;
    let (log, report, _) = loader.finish();
    for w in &report.warnings {
        eprintln!("tickcascade: warning: {name}:{}: {}", w.line, w.message);
    }
    Ok((log, report, name))
}
