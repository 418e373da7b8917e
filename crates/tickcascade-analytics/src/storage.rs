//! Where identity is kept between runs: in memory, or in a JSON file written
//! atomically (temporary file, fsync, rename). A missing file starts fresh;
//! a corrupt or unreadable one starts fresh with a warning saying why.

use crate::identity::IdentityState;
use std::io::Write;
use std::path::PathBuf;

/// A place to keep the identity state.
pub trait IdentityStore {
    /// The stored state, `None` when there is none. A store that cannot read
    /// what it holds returns `None` and says why in `warnings`.
    fn load(&mut self, warnings: &mut Vec<String>) -> Option<IdentityState>;
    /// Stores the state; errors are returned, never swallowed.
    fn save(&mut self, state: &IdentityState) -> std::io::Result<()>;
}

/// Keeps the state in memory (the demos use it, so runs stay reproducible).
#[derive(Clone, Debug, Default)]
pub struct MemoryStore {
    /// The state saved last (`None` before the first save).
    pub state: Option<IdentityState>,
}

impl IdentityStore for MemoryStore {
    fn load(&mut self, _warnings: &mut Vec<String>) -> Option<IdentityState> {
        self.state.clone()
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
/// let mut warnings = Vec::new();
/// assert!(store.load(&mut warnings).is_none() && warnings.is_empty()); // missing: fresh
/// store.save(&IdentityState { anonymous_id: "a".into(), ..Default::default() })?;
/// assert_eq!(store.load(&mut warnings).unwrap().anonymous_id, "a");
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
    fn load(&mut self, warnings: &mut Vec<String>) -> Option<IdentityState> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(e) => {
                warnings.push(format!(
                    "{}: cannot read the identity file ({e}); starting fresh",
                    self.path.display()
                ));
                return None;
            }
        };
        match serde_json::from_str(&text) {
            Ok(state) => Some(state),
            Err(e) => {
                warnings.push(format!(
                    "{}: the identity file is corrupt ({e}); starting fresh",
                    self.path.display()
                ));
                None
            }
        }
    }

    fn save(&mut self, state: &IdentityState) -> std::io::Result<()> {
        let text = serde_json::to_string(state).map_err(std::io::Error::other)?;
        let mut tmp_name = self
            .path
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        tmp_name.push(format!(".tmp-{}", std::process::id()));
        let tmp = self.path.with_file_name(tmp_name);
        let result = std::fs::File::create(&tmp).and_then(|mut f| {
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
