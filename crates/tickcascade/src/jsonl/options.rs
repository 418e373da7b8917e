//! Load settings: how strictly lines are checked, NaN, threads, upcasting.

use crate::upcast::Upcasters;

/// How strictly a log is read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LoadMode {
    /// What Eventure accepts (duplicate ids, unknown or later parents,
    /// ticks out of order), except NaN/Infinity unless `allow_nan`.
    #[default]
    Default,
    /// Also rejects duplicate ids, a tick lower than the previous line's, a
    /// parent id that does not appear on an earlier line, and an id whose
    /// tick part disagrees with the event's tick.
    Strict,
    /// As `Default`, but a last line that does not parse and has no final
    /// newline (a torn write) is dropped with a warning.
    Lenient,
}

/// Load settings: `LoadOptions::default()` and the setters below.
///
/// ```
/// use tickcascade::{LoadMode, LoadOptions};
/// let opts = LoadOptions::default().with_mode(LoadMode::Lenient).with_allow_nan(true).with_threads(2);
/// assert_ne!(opts, LoadOptions::default());
/// assert_eq!(LoadOptions::default().threads, 1);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoadOptions {
    /// How strictly lines are checked (default: as Eventure).
    pub mode: LoadMode,
    /// Accept `NaN`, `Infinity`, `-Infinity` (and numbers that overflow to
    /// infinity), keeping them and re-saving them as Eventure writes them.
    pub allow_nan: bool,
    /// Threads a load may use, the caller's included (default 1: none is
    /// started). With 2 or more, large inputs are parsed partly on a scoped
    /// thread that has ended when the load returns; the log, the report and
    /// the first error are the same whatever the count.
    pub threads: usize,
    /// The longest line read, in bytes (default [`MAX_LINE_BYTES`], 256
    /// MiB). A longer line is an error that names it, so memory stays
    /// bounded on hostile input (`/dev/zero`, a file without newlines).
    /// Eventure has no such limit: a deliberate difference.
    pub max_line_bytes: usize,
    /// Upcasters applied to every event as it is loaded (default: none;
    /// the log then holds each event as written). An event they cannot
    /// bring up is an error naming its line, or, when they are lenient,
    /// a skipped line counted in [`LoadReport::upcast_skipped`](crate::LoadReport).
    pub upcasters: Option<Upcasters>,
}

/// The default longest line: 256 MiB.
pub const MAX_LINE_BYTES: usize = 256 << 20;

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            mode: LoadMode::Default,
            allow_nan: false,
            threads: 1,
            max_line_bytes: MAX_LINE_BYTES,
            upcasters: None,
        }
    }
}

impl LoadOptions {
    /// Sets how strictly lines are checked.
    pub fn with_mode(self, mode: LoadMode) -> Self {
        LoadOptions { mode, ..self }
    }

    /// Sets whether `NaN` and the infinities are accepted.
    pub fn with_allow_nan(self, allow_nan: bool) -> Self {
        LoadOptions { allow_nan, ..self }
    }

    /// Sets how many threads the load may use (0 and 1: the caller's only).
    pub fn with_threads(self, threads: usize) -> Self {
        LoadOptions { threads, ..self }
    }

    /// Sets the upcasters applied to events as they are loaded.
    pub fn with_upcasters(self, upcasters: Upcasters) -> Self {
        LoadOptions {
            upcasters: Some(upcasters),
            ..self
        }
    }

    /// Sets the longest line read, in bytes (at least 1).
    pub fn with_max_line_bytes(self, max_line_bytes: usize) -> Self {
        LoadOptions {
            max_line_bytes: max_line_bytes.max(1),
            ..self
        }
    }
}
