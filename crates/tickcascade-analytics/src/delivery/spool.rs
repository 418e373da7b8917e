//! The durable spool: an index of what happened to each message. A message's
//! key is recorded before it is sent and its outcome after (delivered, or
//! dropped and why), so after a crash or `kill -9` the next start sends
//! exactly the messages without an outcome, and can say what was dropped
//! earlier instead of calling it delivered.
//!
//! The spool never holds a message's body: bodies are rebuilt from the log
//! (the source of truth), so the project token and user data stay out of it.
//! The file is created with mode 0600.
//!
//! Format: JSON Lines, one record per line, the last record of a key wins:
//! - `{"add": KEY, "endpoint": "track"}`: about to be sent (again).
//! - `{"ack": KEY}`: delivered (2xx).
//! - `{"drop": KEY, "reason": "rejected", "detail": "status 400"}`: given up.
//!
//! Spools of the first version (`add` records carrying a `body`, and `ack`
//! for both delivered and dropped) still open; their bodies are ignored. A
//! torn last line (a crash mid-write) and unreadable lines are skipped and
//! counted. Reopening is linear in the file's size.

use super::Endpoint;
use serde::Deserialize;
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

/// How a message ended.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The collector acknowledged it (2xx).
    Delivered,
    /// Given up on: `reason` is a drop reason (`rejected`, `oversize`,
    /// `deadline`, ...), `detail` what the collector or network said.
    Dropped {
        /// The drop reason, as counted in `DeliveryStats::dropped`.
        reason: String,
        /// The last failure (`status 400`, `timeout: ...`).
        detail: String,
    },
}

/// What a spool file held when it was opened.
///
/// ```
/// use tickcascade_analytics::delivery::{Endpoint, Outcome, Spool};
/// let dir = std::env::temp_dir().join(format!("spool-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("spool.jsonl");
/// # let _ = std::fs::remove_file(&path);
/// let (mut spool, _) = Spool::open(&path)?;
/// spool.add("a", Endpoint::Track)?;
/// spool.add("b", Endpoint::Track)?;
/// spool.add("c", Endpoint::Engage)?;
/// spool.delivered("a")?;
/// spool.dropped("b", "rejected", "status 400")?;
/// spool.sync(false)?;
/// let (_, state) = Spool::open(&path)?;
/// assert_eq!(state.outcome("a"), Some(&Outcome::Delivered));
/// assert!(matches!(state.outcome("b"), Some(Outcome::Dropped { .. })));
/// assert_eq!(state.pending(), vec![("c", Endpoint::Engage)]);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct SpoolState {
    /// Per key, by a 128-bit hash of its text (no string per key in the
    /// map: a reopen of millions stays in cache as long as it can), what
    /// the spool says of it.
    entries: HashMap<u128, Entry>,
    /// Every key in the order first seen: its hash and where its text is
    /// in `text` (one buffer, appended in order).
    order: Vec<(u128, usize, usize)>,
    text: String,
    /// Lines that could not be read (a torn last line, damage), skipped.
    pub unreadable_lines: u64,
}

/// A 128-bit hash of a key: two independent 64-bit hashes with fixed
/// seeds, so equal keys agree across runs and different keys collide with
/// a probability near 2^-128.
fn key_hash(key: &str) -> u128 {
    use std::hash::BuildHasher;
    let a = foldhash::quality::FixedState::with_seed(0x7370_6f6f_6c2d_6b31).hash_one(key);
    let b = foldhash::quality::FixedState::with_seed(0x7370_6f6f_6c2d_6b32).hash_one(key);
    (u128::from(a) << 64) | u128::from(b)
}

impl SpoolState {
    /// How the message `key` ended, if it did.
    pub fn outcome(&self, key: &str) -> Option<&Outcome> {
        match self.entries.get(&key_hash(key))?.outcome.as_ref()? {
            Ended::Delivered => Some(&DELIVERED),
            Ended::Dropped(outcome) => Some(outcome),
        }
    }

    /// Messages recorded but without an outcome, in the order first added.
    pub fn pending(&self) -> Vec<(&str, Endpoint)> {
        self.order
            .iter()
            .filter_map(|&(h, start, end)| {
                let e = self.entries.get(&h)?;
                match (e.outcome.as_ref(), e.endpoint) {
                    (None, Some(endpoint)) => Some((&self.text[start..end], endpoint)),
                    _ => None,
                }
            })
            .collect()
    }

    /// Messages delivered, and messages dropped.
    pub fn counts(&self) -> (usize, usize) {
        let (mut delivered, mut dropped) = (0, 0);
        for e in self.entries.values() {
            match e.outcome {
                Some(Ended::Delivered) => delivered += 1,
                Some(Ended::Dropped(_)) => dropped += 1,
                None => {}
            }
        }
        (delivered, dropped)
    }

    fn entry(&mut self, key: &str) -> &mut Entry {
        let h = key_hash(key);
        let (order, text) = (&mut self.order, &mut self.text);
        self.entries.entry(h).or_insert_with(|| {
            let start = text.len();
            text.push_str(key);
            order.push((h, start, text.len()));
            Entry::default()
        })
    }
}

static DELIVERED: Outcome = Outcome::Delivered;

/// What the spool says of one key, kept small (a reopen may hold millions:
/// 16 bytes here, the common outcome without an allocation).
#[derive(Debug, Default)]
struct Entry {
    endpoint: Option<Endpoint>,
    outcome: Option<Ended>,
}

/// An outcome as stored: a drop's strings behind one pointer.
#[derive(Debug)]
enum Ended {
    Delivered,
    Dropped(Box<Outcome>),
}

/// One record; unknown keys (a v1 `body`) are ignored.
#[derive(Deserialize)]
struct Record {
    add: Option<String>,
    endpoint: Option<String>,
    ack: Option<String>,
    drop: Option<String>,
    reason: Option<String>,
    detail: Option<String>,
}

/// An open spool file.
pub struct Spool {
    path: PathBuf,
    out: BufWriter<File>,
}

impl Spool {
    /// Opens (or creates, mode 0600) the spool at `path` and reads what it
    /// holds.
    pub fn open(path: &Path) -> std::io::Result<(Spool, SpoolState)> {
        let mut state = SpoolState::default();
        match File::open(path) {
            // A device or FIFO as a spool holds no records (and reading
            // /dev/zero would never end).
            Ok(file) if file.metadata()?.is_file() => {
                // Sized for the file (two records of ~40 bytes per message,
                // at most 16M keys ahead): no rehashing while reading.
                let guess = (file.metadata()?.len() / 80).min(1 << 24) as usize;
                state.entries.reserve(guess);
                state.order.reserve(guess);
                read_records(BufReader::with_capacity(1 << 16, file), &mut state)?
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let file = private_append(path)?;
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

    /// Records a message about to be sent (a re-send clears its outcome).
    pub fn add(&mut self, key: &str, endpoint: Endpoint) -> std::io::Result<()> {
        let line = serde_json::json!({"add": key, "endpoint": endpoint.name()});
        writeln!(self.out, "{line}")
    }

    /// Records that a message was delivered.
    pub fn delivered(&mut self, key: &str) -> std::io::Result<()> {
        writeln!(self.out, "{}", serde_json::json!({"ack": key}))
    }

    /// Records that a message was given up on, and why.
    pub fn dropped(&mut self, key: &str, reason: &str, detail: &str) -> std::io::Result<()> {
        let line = serde_json::json!({"drop": key, "reason": reason, "detail": detail});
        writeln!(self.out, "{line}")
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

fn read_records(mut reader: impl BufRead, state: &mut SpoolState) -> std::io::Result<()> {
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        let Ok(r) = serde_json::from_slice::<Record>(&line) else {
            state.unreadable_lines += 1;
            continue;
        };
        if let Some(key) = r.add {
            match r.endpoint.as_deref().and_then(Endpoint::from_name) {
                Some(endpoint) => {
                    let entry = state.entry(&key);
                    entry.endpoint = Some(endpoint);
                    entry.outcome = None;
                }
                None => state.unreadable_lines += 1,
            }
        } else if let Some(key) = r.ack {
            state.entry(&key).outcome = Some(Ended::Delivered);
        } else if let Some(key) = r.drop {
            let outcome = Outcome::Dropped {
                reason: r.reason.unwrap_or_else(|| "unknown".into()),
                detail: r.detail.unwrap_or_default(),
            };
            state.entry(&key).outcome = Some(Ended::Dropped(Box::new(outcome)));
        } else {
            state.unreadable_lines += 1;
        }
    }
}

/// Opens `path` for appending, creating it readable by its owner only, and
/// takes away others' access to an existing one.
fn private_append(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let file = options.open(path)?;
        let meta = file.metadata()?;
        let mut perms = meta.permissions();
        if meta.is_file() && perms.mode() & 0o077 != 0 {
            perms.set_mode(perms.mode() & 0o700);
            file.set_permissions(perms)?;
        }
        Ok(file)
    }
    #[cfg(not(unix))]
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_version_spool_still_opens_with_its_bodies_ignored() {
        let v1 = concat!(
            r#"{"add": "k1", "endpoint": "track", "body": "{\"token\":\"secret\"}"}"#,
            "\n",
            r#"{"add": "k2", "endpoint": "engage", "body": "{}"}"#,
            "\n",
            r#"{"ack": "k1"}"#,
            "\n",
            r#"{"ack": "#,
        );
        let mut state = SpoolState::default();
        read_records(v1.as_bytes(), &mut state).unwrap();
        assert_eq!(state.outcome("k1"), Some(&Outcome::Delivered));
        assert_eq!(state.pending(), vec![("k2", Endpoint::Engage)]);
        assert_eq!(state.unreadable_lines, 1);
    }

    #[test]
    fn a_re_send_clears_the_outcome_and_the_last_record_wins() {
        let text = concat!(
            r#"{"add": "k", "endpoint": "track"}"#,
            "\n",
            r#"{"drop": "k", "reason": "rejected", "detail": "status 400"}"#,
            "\n",
            r#"{"add": "k", "endpoint": "track"}"#,
            "\n",
        );
        let mut state = SpoolState::default();
        read_records(text.as_bytes(), &mut state).unwrap();
        assert_eq!(state.outcome("k"), None);
        assert_eq!(state.pending(), vec![("k", Endpoint::Track)]);
    }

    /// A spool of `n` messages, every one acknowledged (the case that was
    /// quadratic), written and synced to disk.
    fn acknowledged_spool(dir: &Path, n: usize) -> PathBuf {
        let path = dir.join(format!("spool-{n}.jsonl"));
        let _ = std::fs::remove_file(&path);
        let (mut spool, _) = Spool::open(&path).unwrap();
        for k in 0..n {
            spool.add(&format!("run-{k}"), Endpoint::Track).unwrap();
        }
        for k in 0..n {
            spool.delivered(&format!("run-{k}")).unwrap();
        }
        spool.sync(true).unwrap();
        path
    }

    /// This thread's time on a CPU, in seconds (Linux: nanoseconds from
    /// schedstat), so other processes' load does not count; else `None`.
    fn thread_cpu_seconds() -> Option<f64> {
        let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
        let ns: u64 = text.split_whitespace().next()?.parse().ok()?;
        Some(ns as f64 / 1e9)
    }

    fn reopen_seconds(path: &Path, n: usize) -> f64 {
        let start = std::time::Instant::now();
        let cpu_start = thread_cpu_seconds();
        let (_, state) = Spool::open(path).unwrap();
        let took = match (cpu_start, thread_cpu_seconds()) {
            (Some(a), Some(b)) => b - a,
            _ => start.elapsed().as_secs_f64(),
        };
        assert_eq!(state.counts(), (n, 0));
        assert!(state.pending().is_empty());
        took
    }

    #[test]
    fn reopening_a_fully_acknowledged_spool_is_linear() {
        let dir = std::env::temp_dir().join(format!("spool-linear-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let small = acknowledged_spool(&dir, 100_000);
        let large = acknowledged_spool(&dir, 200_000);
        // Interleaved, best of seven each, in this thread's CPU time: a
        // busy machine slows both sizes alike.
        let (mut a, mut b) = (f64::INFINITY, f64::INFINITY);
        for _ in 0..7 {
            a = a.min(reopen_seconds(&small, 100_000));
            b = b.min(reopen_seconds(&large, 200_000));
        }
        eprintln!("reopening 100k: {a:.3} s, 200k: {b:.3} s");
        // Linear gives ~2; the quadratic reopen gave ~4.
        assert!(b / a <= 2.5, "100k: {a:.3} s, 200k: {b:.3} s");
        if let Ok(n) = std::env::var("TICKCASCADE_SPOOL_REOPEN").map(|v| v.parse::<usize>()) {
            let n = n.unwrap_or(1_000_000);
            let path = acknowledged_spool(&dir, n);
            eprintln!(
                "reopening {n} acknowledged messages: {:.3} s",
                reopen_seconds(&path, n)
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
