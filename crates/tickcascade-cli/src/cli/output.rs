//! Output files that cannot destroy their input or be left half-written: an
//! output that is one of the inputs (same device and inode, so hard links,
//! symbolic links and other spellings count) is refused; a regular file is
//! written to a temporary file in the same directory and renamed over the
//! target when complete (a kill leaves the old file, or none, never half of
//! the new one); FIFOs and devices are written directly.

use super::CliError;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file being written; [`commit`](OutputFile::commit) makes it appear.
pub(crate) struct OutputFile {
    target: PathBuf,
    /// The temporary file renamed over `target` on commit (`None` when
    /// writing directly to a FIFO or device).
    temporary: Option<PathBuf>,
    out: BufWriter<File>,
}

fn failure(path: &Path, e: io::Error) -> CliError {
    CliError::Output(io::Error::new(e.kind(), format!("{}: {e}", path.display())))
}

/// True when `a` and `b` name the same existing file.
fn same_file(a: &Path, b: &Path) -> bool {
    let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        ma.dev() == mb.dev() && ma.ino() == mb.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (ma, mb);
        matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
    }
}

impl OutputFile {
    /// Opens `target` for writing, refusing it when it is one of `inputs`
    /// (`-`, standard input, is never a file here).
    pub(crate) fn create(target: &Path, inputs: &[&Path]) -> Result<OutputFile, CliError> {
        if let Some(input) = inputs
            .iter()
            .find(|i| i.as_os_str() != "-" && same_file(i, target))
        {
            return Err(CliError::Usage(format!(
                "{}: the output is the input {} (it would be overwritten); choose another output file",
                target.display(),
                input.display()
            )));
        }
        let special = std::fs::metadata(target).is_ok_and(|m| !m.is_file() && !m.is_dir());
        if special {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(target)
                .map_err(|e| failure(target, e))?;
            return Ok(OutputFile {
                target: target.to_owned(),
                temporary: None,
                out: BufWriter::new(file),
            });
        }
        let name = target
            .file_name()
            .ok_or_else(|| failure(target, io::Error::other("not a file name")))?;
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".tmp-{}", std::process::id()));
        let temporary = target.with_file_name(tmp_name);
        let file = File::create(&temporary).map_err(|e| failure(target, e))?;
        Ok(OutputFile {
            target: target.to_owned(),
            temporary: Some(temporary),
            out: BufWriter::new(file),
        })
    }

    /// Flushes, and renames the temporary file over the target.
    pub(crate) fn commit(mut self) -> Result<(), CliError> {
        self.out.flush().map_err(|e| failure(&self.target, e))?;
        if let Some(tmp) = self.temporary.take()
            && let Err(e) = std::fs::rename(&tmp, &self.target)
        {
            let _ = std::fs::remove_file(&tmp);
            return Err(failure(&self.target, e));
        }
        Ok(())
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

impl Drop for OutputFile {
    /// Not committed (an error, a panic): the temporary file goes.
    fn drop(&mut self) {
        if let Some(tmp) = &self.temporary {
            let _ = std::fs::remove_file(tmp);
        }
    }
}
