//! The durable spool: each message is appended (with its key) before it is
//! sent and acknowledged after a 2xx (or a final drop), so after a crash or
//! `kill -9` the next start sends exactly the unacknowledged ones again.
//!
//! Format: JSON Lines, `{"add": KEY, "endpoint": "track", "body": "…"}` and
//! `{"ack": KEY}`. A torn last line (a crash mid-write) is ignored.

use super::Endpoint;
use indexmap::IndexMap;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// What a spool file held when it was opened.
#[derive(Debug, Default)]
pub struct SpoolState {
    /// Keys acknowledged (sent, or dropped for good).
    pub acked: HashSet<String>,
    /// Added but not acknowledged, in the order added.
    pub pending: IndexMap<String, (Endpoint, String)>,
}

/// An open spool file.
pub struct Spool {
    path: PathBuf,
    out: BufWriter<File>,
}

impl Spool {
    /// Opens (or creates) the spool at `path` and reads what it holds.
    pub fn open(path: &Path) -> std::io::Result<(Spool, SpoolState)> {
        let mut state = SpoolState::default();
        match std::fs::read_to_string(path) {
            Ok(text) => {
                for line in text.lines() {
                    let Ok(v) = serde_json::from_str::<Value>(line) else {
                        continue; // a torn last line
                    };
                    if let Some(key) = v.get("ack").and_then(Value::as_str) {
                        state.pending.shift_remove(key);
                        state.acked.insert(key.to_owned());
                    } else if let (Some(key), Some(endpoint), Some(body)) = (
                        v.get("add").and_then(Value::as_str),
                        v.get("endpoint")
                            .and_then(Value::as_str)
                            .and_then(Endpoint::from_name),
                        v.get("body").and_then(Value::as_str),
                    ) && !state.acked.contains(key)
                    {
                        state
                            .pending
                            .insert(key.to_owned(), (endpoint, body.to_owned()));
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok((
            Spool {
                path: path.to_owned(),
                out: BufWriter::new(file),
            },
            state,
        ))
    }

    /// The spool's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records a message before it is sent.
    pub fn add(&mut self, key: &str, endpoint: Endpoint, body: &str) -> std::io::Result<()> {
        let line = json!({"add": key, "endpoint": endpoint.name(), "body": body});
        writeln!(self.out, "{line}")
    }

    /// Records that a message is done with (sent, or dropped for good).
    pub fn ack(&mut self, key: &str) -> std::io::Result<()> {
        writeln!(self.out, "{}", json!({"ack": key}))
    }

    /// Pushes what was written to the OS (enough to survive `kill -9`);
    /// `durable` also fsyncs (to survive power loss).
    pub fn sync(&mut self, durable: bool) -> std::io::Result<()> {
        self.out.flush()?;
        if durable {
            self.out.get_ref().sync_data()?;
        }
        Ok(())
    }
}
