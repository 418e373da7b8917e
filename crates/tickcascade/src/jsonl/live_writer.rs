//! `LiveWriter`: the JSONL journal, appending each event to a file or a
//! stream as the log appends it, flushed (or fsynced) at each tick's end.

use super::compression::{Compression, FrameWriter};
use crate::event::Event;
use crate::journal::Journal;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

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
    /// A file, compressed when its name ends in `.gz` or `.zst` (a frame
    /// per tick).
    File(FrameWriter<BufWriter<File>>),
    Stream(BufWriter<Box<dyn Write + Send + Sync>>),
}

/// Appends each event to a file as it is logged (attach it with
/// [`EventLog::attach_writer`](crate::EventLog::attach_writer)). A process killed mid-run leaves at most a
/// torn last line, which [`LoadMode::Lenient`](crate::LoadMode::Lenient) drops. Write errors are kept
/// and reported by [`EventLog::detach_writer`](crate::EventLog::detach_writer); nothing fails silently.
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
        let path = path.as_ref();
        let file = File::create(path)?;
        let out = FrameWriter::new(
            Compression::for_path(path),
            BufWriter::with_capacity(64 * 1024, file),
        )?;
        Ok(LiveWriter {
            target: Target::File(out),
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

    fn append(&mut self, e: &Event) {
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

    fn end_tick(&mut self) {
        if self.error.is_some() {
            return;
        }
        let ended = match &mut self.target {
            // A compressed file ends its frame: a kill loses at most the
            // tick being written.
            Target::File(w) => w.end_frame(),
            Target::Stream(w) => w.flush(),
        };
        let result = ended.and_then(|()| match (&self.target, self.sync) {
            (Target::File(w), SyncPolicy::FsyncPerTick) => match w.inner() {
                Some(inner) => inner.get_ref().sync_data(),
                None => Ok(()),
            },
            _ => Ok(()),
        });
        if let Err(err) = result {
            self.error = Some(err);
        }
    }
}

impl Journal for LiveWriter {
    fn appended(&mut self, event: &Event) {
        self.append(event);
    }

    fn tick_ended(&mut self, _tick: i64) {
        self.end_tick();
    }

    fn close(&mut self) -> io::Result<()> {
        self.end_tick();
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}
