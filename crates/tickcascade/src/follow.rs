//! Following a live log: a [`Follower`] reads what a writer (a
//! `LiveWriter`, or anything) appends to a JSONL file, event by event,
//! gzip or zstd compressed too (recognized by the first bytes; a `LiveWriter`
//! ends a frame at each flush, and an unfinished frame waits like a torn
//! line). A torn last line waits until its newline arrives; a file that shrinks or
//! is replaced by another is reported, and followed from its start. It
//! never busy-waits: [`Follower::wait`] sleeps between looks, and stops
//! when asked (a flag another thread or a signal handler sets) or when the
//! file has not grown for a while.

use crate::jsonl::{Compression, LoadError, LoadErrorKind, LoadOptions, Loader};
use crate::jsonl::{OpenError, PushDecoder};
use crate::log::EventLog;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// What a look at the file found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Followed {
    /// New complete events were appended (see [`Follower::log`]).
    Grew,
    /// Nothing new (a torn last line may be waiting for its newline).
    Unchanged,
    /// The file is shorter than what was read: it was truncated. The log
    /// read so far is kept; reading starts again at the file's start into
    /// a new log.
    Truncated,
    /// The path now names another file (rotated, replaced): followed from
    /// its start into a new log.
    Replaced,
    /// [`Follower::wait`]: the stop flag was set.
    Stopped,
    /// [`Follower::wait`]: no growth for the idle time.
    Idle,
}

/// Settings of a follower.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct FollowOptions {
    /// How the lines are read (mode, NaN, line limit).
    pub load: LoadOptions,
    /// Time between looks at a file that did not grow (default 50 ms).
    pub poll_interval: Duration,
}

impl Default for FollowOptions {
    fn default() -> Self {
        FollowOptions {
            load: LoadOptions::default(),
            poll_interval: Duration::from_millis(50),
        }
    }
}

impl FollowOptions {
    /// Sets how lines are read.
    pub fn with_load(self, load: LoadOptions) -> Self {
        FollowOptions { load, ..self }
    }

    /// Sets the time between looks (at least 1 ms).
    pub fn with_poll_interval(self, poll_interval: Duration) -> Self {
        FollowOptions {
            poll_interval: poll_interval.max(Duration::from_millis(1)),
            ..self
        }
    }
}

/// Follows a JSONL log file as it is written.
///
/// ```
/// use std::io::Write;
/// use tickcascade::{Followed, Follower, FollowOptions};
/// let path = std::env::temp_dir().join(format!("follow-doc-{}.jsonl", std::process::id()));
/// let mut file = std::fs::File::create(&path)?;
/// let mut follower = Follower::open(&path, FollowOptions::default())?;
/// assert_eq!(follower.poll()?, Followed::Unchanged);
/// file.write_all(br#"{"tick": 0, "timestamp": 1.0, "type": "a", "data": {}}"#)?;
/// assert_eq!(follower.poll()?, Followed::Unchanged); // a torn line waits
/// file.write_all(b"\n")?;
/// assert_eq!(follower.poll()?, Followed::Grew);
/// assert_eq!(follower.log().len(), 1);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Follower {
    path: PathBuf,
    name: String,
    options: FollowOptions,
    file: File,
    identity: Option<(u64, u64)>,
    /// Bytes of the file consumed (complete lines, and the pending tail).
    offset: u64,
    /// The unfinished last line, waiting for its newline.
    pending: Vec<u8>,
    loader: Loader,
    /// Whether the file's first bytes were looked at for a compression.
    sniffed: bool,
    /// The decoder of a compressed file.
    decoder: Option<PushDecoder>,
    /// Decoded bytes not yet split into lines.
    decoded: Vec<u8>,
}

/// Device and inode, where the platform has them.
fn identity_of(meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

impl Follower {
    /// Starts following `path` from its beginning.
    pub fn open(path: impl AsRef<Path>, options: FollowOptions) -> Result<Follower, LoadError> {
        let path = path.as_ref().to_owned();
        let name = path.display().to_string();
        let loader = Loader::new(&name, &options.load);
        let file = File::open(&path).map_err(|e| loader.read_error(e))?;
        let identity = file.metadata().ok().as_ref().and_then(identity_of);
        Ok(Follower {
            path,
            name,
            options,
            file,
            identity,
            offset: 0,
            pending: Vec::new(),
            loader,
            sniffed: false,
            decoder: None,
            decoded: Vec::new(),
        })
    }

    /// The events read so far (of the current file, after a truncation or
    /// replacement).
    pub fn log(&self) -> &EventLog {
        self.loader.log()
    }

    /// Stops following; the log read so far.
    pub fn into_log(self) -> EventLog {
        self.loader.finish().0
    }

    fn restart(&mut self, file: File) {
        self.identity = file.metadata().ok().as_ref().and_then(identity_of);
        self.file = file;
        self.offset = 0;
        self.pending.clear();
        self.loader = Loader::new(&self.name, &self.options.load);
        self.sniffed = false;
        self.decoder = None;
        self.decoded.clear();
    }

    /// One look: reads what was appended and turns complete lines into
    /// events (a line that does not parse is an error naming it).
    pub fn poll(&mut self) -> Result<Followed, LoadError> {
        // Replaced: the path names another file now.
        if let Ok(meta) = std::fs::metadata(&self.path) {
            let now = identity_of(&meta);
            if now.is_some() && now != self.identity {
                let file = File::open(&self.path).map_err(|e| self.loader.read_error(e))?;
                self.restart(file);
                self.read_new()?;
                return Ok(Followed::Replaced);
            }
        }
        let len = self
            .file
            .metadata()
            .map_err(|e| self.loader.read_error(e))?
            .len();
        if len < self.offset {
            let file = File::open(&self.path).map_err(|e| self.loader.read_error(e))?;
            self.restart(file);
            self.read_new()?;
            return Ok(Followed::Truncated);
        }
        let before = self.loader.len();
        self.read_new()?;
        Ok(if self.loader.len() > before {
            Followed::Grew
        } else {
            Followed::Unchanged
        })
    }

    fn read_new(&mut self) -> Result<(), LoadError> {
        self.file
            .seek(SeekFrom::Start(self.offset))
            .map_err(|e| self.loader.read_error(e))?;
        let mut chunk = vec![0u8; 256 * 1024];
        loop {
            let n = match self.file.read(&mut chunk) {
                Ok(0) => return Ok(()),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.loader.read_error(e)),
            };
            let raw = &chunk[..n];
            if !self.sniffed {
                // A first read shorter than a magic number that could be
                // one waits for more bytes (it is read again next time).
                let could_be_magic = [&[0x1f, 0x8b][..], &[0x28, 0xb5, 0x2f, 0xfd][..]]
                    .iter()
                    .any(|m| raw.len() < m.len() && m.starts_with(raw));
                if could_be_magic {
                    return Ok(());
                }
                self.sniffed = true;
                match PushDecoder::new(Compression::sniff(raw)) {
                    Ok(decoder) => self.decoder = decoder,
                    Err(OpenError::Unavailable(kind)) => {
                        return self
                            .loader
                            .refuse_unfinished(LoadErrorKind::Compressed(kind.name()));
                    }
                    Err(OpenError::Io(e)) => return Err(self.loader.read_error(e)),
                }
            }
            self.offset += n as u64;
            match &mut self.decoder {
                None => self.split_lines(raw)?,
                Some(decoder) => {
                    let mut decoded = std::mem::take(&mut self.decoded);
                    let pushed = decoder.push(raw, &mut decoded);
                    let split = self.split_lines(&decoded);
                    decoded.clear();
                    self.decoded = decoded;
                    pushed.map_err(|e| self.loader.read_error(e))?;
                    split?;
                }
            }
        }
    }

    /// Turns the complete lines of `bytes` (after the pending tail) into
    /// events; keeps the unfinished rest pending.
    fn split_lines(&mut self, bytes: &[u8]) -> Result<(), LoadError> {
        let mut rest = bytes;
        while let Some(i) = memchr::memchr(b'\n', rest) {
            self.pending.extend_from_slice(&rest[..i]);
            let mut line = std::mem::take(&mut self.pending);
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            self.loader.line(&line, true)?;
            line.clear();
            self.pending = line;
            rest = &rest[i + 1..];
        }
        self.pending.extend_from_slice(rest);
        if self.pending.len() > self.options.load.max_line_bytes {
            let line = std::mem::take(&mut self.pending);
            return self.loader.line(&line, false);
        }
        Ok(())
    }

    /// Looks until something happens: new events, a truncation or a
    /// replacement; `stop` set ([`Followed::Stopped`]); or no growth for
    /// `idle` ([`Followed::Idle`]; `None` waits for ever). Sleeps
    /// `poll_interval` between looks.
    pub fn wait(
        &mut self,
        stop: &AtomicBool,
        idle: Option<Duration>,
    ) -> Result<Followed, LoadError> {
        let since = Instant::now();
        loop {
            if stop.load(Ordering::Relaxed) {
                return Ok(Followed::Stopped);
            }
            match self.poll()? {
                Followed::Unchanged => {}
                other => return Ok(other),
            }
            if idle.is_some_and(|idle| since.elapsed() >= idle) {
                return Ok(Followed::Idle);
            }
            std::thread::sleep(self.options.poll_interval);
        }
    }
}
