//! Saving: each event's canonical line, written beside the target and
//! renamed over it.

use super::compression::{Compression, FrameWriter};
use super::error::LoadError;
use super::loader::load_file;
use super::options::LoadOptions;
use crate::log::EventLog;
use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

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
        // Compressed when the name ends in `.gz` or `.zst` (one frame).
        let result = File::create(&tmp).and_then(|f| {
            // `write_log` hands over 120 KiB at a time: no second buffer
            // (a `BufWriter` here copied every byte once more).
            let mut out = FrameWriter::new(Compression::for_path(path), f)?;
            write_log(self, &mut out)?;
            let f = out.finish()?;
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
/// EventLog::new().save_to_file_with(dir.join("log.jsonl"), &SaveOptions::default().with_fsync(true))?;
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SaveOptions {
    /// fsync the file before renaming it over the target (durable across a
    /// power loss or OS crash, at the disk's speed). Off by default, as in
    /// Eventure: the rename alone already keeps a crashed process from
    /// leaving half a file.
    pub fsync: bool,
}

impl SaveOptions {
    /// Sets whether the file is fsynced before the rename.
    pub fn with_fsync(self, fsync: bool) -> Self {
        SaveOptions { fsync }
    }
}
