//! `cascade` and `show`: Eventure's viewers on a saved log.

use super::follow::{Change, FollowArgs, follow};
use super::{CliError, ReadArgs, input};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use tickcascade::{EventId, EventQuery, ViewOptions};

#[derive(Args, Debug)]
pub(crate) struct CascadeArgs {
    /// The log (JSONL), or - for stdin.
    log: PathBuf,
    /// Leave out event data (Eventure's show_data=False).
    #[arg(long)]
    no_data: bool,
    /// Print only the cascade of this event (Eventure's print_single_cascade).
    #[arg(long, value_name = "ID")]
    root: Option<String>,
    /// Show control characters from the log's text as \xNN (line breaks
    /// stay): Eventure prints them raw, and so does this viewer by default.
    #[arg(long)]
    escape_control: bool,
    #[command(flatten)]
    read: ReadArgs,
    /// Print each tick's box once the tick is complete (a later tick's
    /// event arrived), and the last one when the writer stops.
    #[command(flatten)]
    follow: FollowArgs,
}

#[derive(Args, Debug)]
pub(crate) struct ShowArgs {
    /// The log (JSONL), or - for stdin.
    log: PathBuf,
    /// The event id (the first event holding it is shown).
    id: String,
    /// Leave out event data.
    #[arg(long)]
    no_data: bool,
    /// Show control characters from the log's text as \xNN (line breaks stay).
    #[arg(long)]
    escape_control: bool,
    #[command(flatten)]
    read: ReadArgs,
}

fn unknown(log: &std::path::Path, id: &str) -> CliError {
    CliError::NotFound(format!("{}: no event has the id {id:?}", log.display()))
}

pub(crate) fn cascade(args: &CascadeArgs, out: &mut impl Write) -> Result<(), CliError> {
    if args.follow.follow {
        if args.root.is_some() {
            return Err(CliError::Usage(
                "--follow prints every tick; drop --root".into(),
            ));
        }
        let mut escaped = ControlEscaper::new(&mut *out);
        let out: &mut dyn Write = if args.escape_control {
            &mut escaped
        } else {
            out
        };
        return cascade_following(args, out);
    }
    let log = input::read(&args.log, &args.read)?;
    let mut escaped = ControlEscaper::new(&mut *out);
    let out: &mut dyn Write = if args.escape_control {
        &mut escaped
    } else {
        out
    };
    let q = EventQuery::new(&log);
    let options = ViewOptions::default().with_show_data(!args.no_data);
    match &args.root {
        None => q.print_event_cascade(&mut *out, &options)?,
        Some(id) => {
            let root = log
                .event_by_id(&EventId::from(id.as_str()))
                .ok_or_else(|| unknown(&args.log, id))?;
            q.print_single_cascade(&mut *out, root, &options)?;
        }
    }
    out.flush()?;
    Ok(())
}

pub(crate) fn show(args: &ShowArgs, out: &mut impl Write) -> Result<(), CliError> {
    let log = input::read(&args.log, &args.read)?;
    let event = log
        .event_by_id(&EventId::from(args.id.as_str()))
        .ok_or_else(|| unknown(&args.log, &args.id))?;
    let options = ViewOptions::default().with_show_data(!args.no_data);
    if args.escape_control {
        let mut escaped = ControlEscaper::new(&mut *out);
        EventQuery::new(&log).print_event_details(&mut escaped, event, &options)?;
        escaped.flush()?;
    } else {
        EventQuery::new(&log).print_event_details(out, event, &options)?;
    }
    Ok(())
}

/// `cascade --follow`: the viewer's title, then each tick's box once a
/// later tick's event shows the tick is complete, and the last tick's when
/// the writer stops. A box shows the children written by then: a trigger
/// line for a child in a later tick appears only if that child was written
/// before the box was printed.
fn cascade_following(args: &CascadeArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let options = ViewOptions::default().with_show_data(!args.no_data);
    writeln!(out, "===== EVENT CASCADE VIEWER =====")?;
    out.flush()?;
    let mut ticks: Vec<i64> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut printed = 0usize;
    let mut scanned = 0usize;
    follow(&args.log, &args.read, &args.follow, |log, change| {
        let ended = matches!(change, Change::Ended);
        if matches!(change, Change::Restarted) {
            (ticks, printed, scanned) = (Vec::new(), 0, 0);
            seen.clear();
        }
        for e in &log.events()[scanned..] {
            if seen.insert(e.tick()) {
                ticks.push(e.tick());
            }
        }
        scanned = log.len();
        // Every tick but the newest is complete; at the end, all are.
        let complete = if ended {
            ticks.len()
        } else {
            ticks.len().saturating_sub(1)
        };
        let q = EventQuery::new(log);
        for &tick in &ticks[printed.min(complete)..complete] {
            q.print_tick(&mut *out, tick, &options)?;
        }
        printed = printed.max(complete);
        if ended && log.is_empty() {
            writeln!(out, "\n<No events in log>")?;
        }
        out.flush()?;
        Ok(())
    })
}

/// A writer that shows control characters (C0 but the line feed, DEL, and
/// C1, which UTF-8 spells `C2 80`..`C2 9F`) as `\xNN`, passing the rest
/// through byte for byte.
struct ControlEscaper<W: Write> {
    inner: W,
    /// A `C2` byte at the end of the last write: a C1 character may follow.
    pending_c2: bool,
}

impl<W: Write> ControlEscaper<W> {
    fn new(inner: W) -> Self {
        ControlEscaper {
            inner,
            pending_c2: false,
        }
    }
}

impl<W: Write> Write for ControlEscaper<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut out = Vec::with_capacity(buf.len() + 16);
        for &b in buf {
            if self.pending_c2 {
                self.pending_c2 = false;
                if (0x80..=0x9f).contains(&b) {
                    out.extend_from_slice(format!("\\x{b:02x}").as_bytes());
                    continue;
                }
                out.push(0xc2);
            }
            match b {
                b'\n' => out.push(b),
                0x00..=0x1f | 0x7f => out.extend_from_slice(format!("\\x{b:02x}").as_bytes()),
                0xc2 => self.pending_c2 = true,
                _ => out.push(b),
            }
        }
        self.inner.write_all(&out)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if std::mem::take(&mut self.pending_c2) {
            self.inner.write_all(&[0xc2])?;
        }
        self.inner.flush()
    }
}
