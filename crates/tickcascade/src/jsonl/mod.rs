//! The log file: JSON Lines exactly as Eventure writes and reads them.
//!
//! Saving writes each event's canonical line. Loading splits the input on
//! universal newlines (`\n`, `\r\n`, `\r`), skips blank lines, and parses
//! each line with one scanner that validates it as Python's `json.loads`
//! would and canonicalizes the data as `json.dumps` would, so a file
//! Eventure wrote re-saves byte for byte. Every error names the source, the
//! 1-based line and the column.
//!
//! - `compression`: `Compression` (gzip, zstd: read by magic bytes, written by
//!   file name; cargo features `gzip`, `zstd`).
//! - `options`: `LoadMode`, `LoadOptions`.
//! - `error`: `LoadError`, `LoadErrorKind`, `LoadWarning`, `LoadReport`.
//! - `line`: one line parsed without log state (`parse_line`).
//! - `strict`: the strict mode's checks.
//! - `loader`: `Loader`, `feed_reader`, `read_log`, `read_log_from`, `load_file`.
//! - `save`: `write_log`, `SaveOptions`, `EventLog::{save_to_file, load_from_file}`.
//! - `live_writer`: `LiveWriter`, `SyncPolicy` (a `Journal`).

mod compression;
mod error;
mod line;
mod live_writer;
mod loader;
mod options;
mod save;
mod strict;

pub use compression::Compression;
pub(crate) use compression::{OpenError, PushDecoder};
pub use error::{LoadError, LoadErrorKind, LoadReport, LoadWarning};
pub use live_writer::{LiveWriter, SyncPolicy};
pub use loader::{Loader, feed_reader, load_file, read_log, read_log_from};
pub use options::{LoadMode, LoadOptions, MAX_LINE_BYTES};
pub use save::{SaveOptions, write_log};

#[cfg(test)]
mod tests;
