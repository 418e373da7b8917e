//! `Journal`: what a log tells of its growth, for writers that keep a copy
//! as it happens. The log knows nothing of files; the JSONL
//! [`LiveWriter`](crate::LiveWriter) is one journal, and a compressed or
//! networked writer would be another (it can end a frame at each tick).

use crate::event::Event;
use std::io;

/// Told of each event a log appends (published, added or pushed; in log
/// order) and of each tick's end. A journal cannot fail an append: it keeps
/// its first error and reports it from [`close`](Journal::close), which
/// [`EventLog::detach_journal`](crate::EventLog::detach_journal) calls.
///
/// ```
/// use tickcascade::{Event, EventLog, Journal};
///
/// #[derive(Default)]
/// struct Count { events: usize, ticks: usize }
/// impl Journal for Count {
///     fn appended(&mut self, _: &Event) { self.events += 1 }
///     fn tick_ended(&mut self, _: i64) { self.ticks += 1 }
/// }
/// let mut log = EventLog::new();
/// log.attach_journal(Box::new(Count::default()));
/// log.add_event("a", &1, None)?;
/// log.advance_tick();
/// assert!(log.detach_journal().unwrap().is_ok());
/// # Ok::<(), tickcascade::DataError>(())
/// ```
pub trait Journal: Send + Sync {
    /// `event` was appended to the log.
    fn appended(&mut self, event: &Event);

    /// The log moved past `tick` (`EventLog::advance_tick`): a place to
    /// flush or end a frame. Does nothing by default.
    fn tick_ended(&mut self, tick: i64) {
        let _ = tick;
    }

    /// The journal is detached: flush what is pending and report the first
    /// error met, if any. Succeeds by default.
    fn close(&mut self) -> io::Result<()> {
        Ok(())
    }
}
