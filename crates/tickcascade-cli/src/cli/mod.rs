//! The `tickcascade` command line: a thin layer over the library. It parses
//! arguments, reads logs (`input`), runs one subcommand, and maps every
//! failure to a one-line message on stderr and an exit code:
//! 0 success (also when stdout is a closed pipe), 1 bad or missing input or
//! an unknown id, 2 usage errors.

mod deliver;
mod demo;
mod diff;
mod export;
mod follow;
mod input;
mod output;
mod query;
mod stats;
mod sweep;
mod validate;
mod view;

use clap::{Args, Parser, Subcommand};
use std::ffi::OsString;
use std::fmt;
use std::io::{self, Write};
use std::process::ExitCode;

/// View, inspect, validate and query tick-based event logs (Eventure JSONL).
#[derive(Parser, Debug)]
#[command(name = "tickcascade", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print the cascade viewer (Eventure's print_event_cascade).
    Cascade(view::CascadeArgs),
    /// Print the details of one event (Eventure's print_event_details).
    Show(view::ShowArgs),
    /// Summarize a log: events, ticks, roots, depth, counts by type.
    Stats(stats::StatsArgs),
    /// Check a log strictly and report every problem.
    Validate(validate::ValidateArgs),
    /// Select events by type, data, tick, roots or cascade.
    Query(query::QueryArgs),
    /// Run a seeded simulation and print its cascade viewer.
    Demo(demo::DemoArgs),
    /// Rebuild a simulation's state at a tick from its log.
    Replay(demo::ReplayArgs),
    /// Find the first tick where two logs differ (exit 1 if they do).
    Diff(diff::DiffArgs),
    /// Send a saved log's analytics (or matching) events to a collector.
    Deliver(deliver::DeliverArgs),
    /// Draw cascades (DOT, Mermaid, Chrome trace, HTML) or write Parquet.
    Export(export::ExportArgs),
    /// Run a demo for many seeds in parallel into a Parquet dataset.
    Sweep(sweep::SweepArgs),
}

/// How every subcommand reads its log.
#[derive(Args, Debug, Clone, Copy)]
pub(crate) struct ReadArgs {
    /// Also reject duplicate ids, ticks going backwards, unknown parents and
    /// ids whose tick part disagrees with the tick.
    #[arg(long, conflicts_with = "lenient")]
    strict: bool,
    /// Drop a torn last line (no final newline, does not parse) with a warning.
    #[arg(long)]
    lenient: bool,
    /// Accept NaN, Infinity and -Infinity (and keep them).
    #[arg(long)]
    allow_nan: bool,
    /// The longest line read, in bytes (a longer one is an error naming it).
    #[arg(long, value_name = "BYTES", default_value_t = tickcascade::MAX_LINE_BYTES, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    max_line_bytes: usize,
}

/// Text from a log made safe for a terminal: control characters (C0, DEL,
/// C1: what could move the cursor, ring, or retitle the window) as `\xNN`,
/// everything else as it is.
pub(crate) fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.push_str(&format!("\\x{:02x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// True when standard stream `fd` (0, 1, 2) was not open when the process
/// started (EBADF). Rust's runtime then opens `/dev/null` in its place,
/// read-write, so the stream would read as empty and swallow writes; a
/// shell's `< /dev/null` or `> /dev/null` opens it read-only or write-only.
/// Linux tells which through `/proc/self/fdinfo`; elsewhere streams are
/// taken as open.
pub(crate) fn is_closed(fd: u8) -> bool {
    let Ok(target) = std::fs::read_link(format!("/proc/self/fd/{fd}")) else {
        return false;
    };
    if target != std::path::Path::new("/dev/null") {
        return false;
    }
    let Ok(info) = std::fs::read_to_string(format!("/proc/self/fdinfo/{fd}")) else {
        return false;
    };
    info.lines()
        .find_map(|l| l.strip_prefix("flags:"))
        .and_then(|f| u32::from_str_radix(f.trim(), 8).ok())
        .is_some_and(|flags| flags & 0o3 == 0o2)
}

/// Standard output, refusing to write when its descriptor is closed
/// (instead of discarding everything with exit 0).
struct StdoutSink<W: Write> {
    closed: bool,
    inner: W,
}

impl<W: Write> Write for StdoutSink<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.closed && !buf.is_empty() {
            return Err(io::Error::other("standard output is closed"));
        }
        self.inner.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A failure the CLI reports; each maps to an exit code.
#[derive(Debug)]
pub(crate) enum CliError {
    /// Bad, missing or unreadable input.
    Load(tickcascade::LoadError),
    /// Input is fine but names something absent (an unknown id).
    NotFound(String),
    /// Input that reads as a log but not as what the command needs (a
    /// replay's event that does not decode): the message names file and line.
    Invalid(String),
    /// Arguments that cannot work together (exit 2, as clap's own).
    Usage(String),
    /// Problems were found and already reported (validate).
    Reported,
    /// Writing the output failed.
    Output(io::Error),
}

impl From<tickcascade::LoadError> for CliError {
    fn from(e: tickcascade::LoadError) -> Self {
        CliError::Load(e)
    }
}

impl From<io::Error> for CliError {
    fn from(e: io::Error) -> Self {
        CliError::Output(e)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Load(e) => write!(f, "{e}"),
            CliError::NotFound(msg) | CliError::Invalid(msg) | CliError::Usage(msg) => {
                f.write_str(msg)
            }
            CliError::Reported => Ok(()),
            CliError::Output(e) => write!(f, "cannot write output: {e}"),
        }
    }
}

/// Runs the command line; `args` includes the program name.
pub fn main<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version print to stdout and succeed.
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let stdout = io::stdout();
    let sink = StdoutSink {
        closed: is_closed(1),
        inner: stdout.lock(),
    };
    let mut out = io::BufWriter::with_capacity(64 * 1024, sink);
    let result = match cli.command {
        Command::Cascade(a) => view::cascade(&a, &mut out),
        Command::Show(a) => view::show(&a, &mut out),
        Command::Stats(a) => stats::run(&a, &mut out),
        Command::Validate(a) => validate::run(&a, &mut out),
        Command::Query(a) => query::run(&a, &mut out),
        Command::Demo(a) => demo::demo(&a, &mut out),
        Command::Replay(a) => demo::replay_cmd(&a, &mut out),
        Command::Diff(a) => diff::run(&a, &mut out),
        Command::Deliver(a) => deliver::run(&a, &mut out),
        Command::Export(a) => export::run(&a, &mut out),
        Command::Sweep(a) => sweep::run(&a, &mut out),
    }
    .and_then(|()| out.flush().map_err(CliError::Output));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(CliError::Reported) => ExitCode::from(1),
        Err(CliError::Usage(msg)) => {
            eprintln!("tickcascade: {msg}");
            ExitCode::from(2)
        }
        Err(e) => {
            // Dropping `out` would try to flush into a failed stream again.
            std::mem::forget(out);
            eprintln!("tickcascade: {e}");
            ExitCode::from(1)
        }
    }
}
