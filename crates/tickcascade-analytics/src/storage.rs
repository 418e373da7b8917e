//! Where identity is kept between runs: in memory, or in a JSON file written
//! atomically (temporary file with mode 0600, fsync, rename). A missing file
//! starts fresh; a corrupt or unreadable one is an error the front turns
//! into a fresh identity with consent revoked (fail closed), saying why. A
//! store refuses at save what it could not load back.

use crate::identity::IdentityState;
use std::io::Write;
use std::path::PathBuf;

/// A place to keep the identity state.
pub trait IdentityStore {
    /// The stored state: `Ok(None)` when there is none yet, `Err(why)` when
    /// something is stored but cannot be read (the front then revokes
    /// consent rather than assume it).
    fn load(&mut self) -> Result<Option<IdentityState>, String>;
    /// Stores the state; errors are returned, never swallowed. A state
    /// that `load` could not read back is refused, not written.
    fn save(&mut self, state: &IdentityState) -> std::io::Result<()>;
}

/// Keeps the state in memory (the demos use it, so runs stay reproducible).
#[derive(Clone, Debug, Default)]
pub struct MemoryStore {
    /// The state saved last (`None` before the first save).
    pub state: Option<IdentityState>,
}

impl IdentityStore for MemoryStore {
    fn load(&mut self) -> Result<Option<IdentityState>, String> {
        Ok(self.state.clone())
    }

    fn save(&mut self, state: &IdentityState) -> std::io::Result<()> {
        self.state = Some(state.clone());
        Ok(())
    }
}

/// Keeps the state in a JSON file.
///
/// ```
/// use tickcascade_analytics::{FileStore, IdentityStore, IdentityState};
/// let path = std::env::temp_dir().join(format!("tc-doc-identity-{}.json", std::process::id()));
/// let mut store = FileStore::new(&path);
/// assert_eq!(store.load(), Ok(None)); // missing: fresh
/// store.save(&IdentityState { anonymous_id: "a".into(), ..Default::default() })?;
/// assert_eq!(store.load().unwrap().unwrap().anonymous_id, "a");
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct FileStore {
    path: PathBuf,
}

impl FileStore {
    /// A store in the file at `path` (created on the first save).
    pub fn new(path: impl Into<PathBuf>) -> FileStore {
        FileStore { path: path.into() }
    }
}

impl IdentityStore for FileStore {
    fn load(&mut self) -> Result<Option<IdentityState>, String> {
        let path = self.path.display();
        let text = match std::fs::metadata(&self.path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("{path}: cannot read the identity file: {e}")),
            Ok(m) if !m.is_file() => {
                return Err(format!("{path}: the identity file is not a regular file"));
            }
            Ok(m) if m.len() > MAX_FILE_BYTES => {
                return Err(format!(
                    "{path}: the identity file is larger than {MAX_FILE_BYTES} bytes"
                ));
            }
            Ok(_) => std::fs::read_to_string(&self.path)
                .map_err(|e| format!("{path}: cannot read the identity file: {e}"))?,
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| format!("{path}: the identity file is corrupt: {e}"))
    }

    fn save(&mut self, state: &IdentityState) -> std::io::Result<()> {
        let text = serde_json::to_string(state).map_err(std::io::Error::other)?;
        if let Err(e) = serde_json::from_str::<IdentityState>(&text) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("not saved: this identity could not be read back ({e})"),
            ));
        }
        let mut tmp_name = self
            .path
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        tmp_name.push(format!(".tmp-{}", std::process::id()));
        let tmp = self.path.with_file_name(tmp_name);
        let result = create_private(&tmp).and_then(|mut f| {
            f.write_all(text.as_bytes())?;
            f.sync_all()
        });
        match result.and_then(|()| std::fs::rename(&tmp, &self.path)) {
            Ok(()) => Ok(()),
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                Err(e)
            }
        }
    }
}

/// The largest identity file read (a bigger one is refused, not loaded).
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Creates (truncating) a file only its owner can read.
fn create_private(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}
