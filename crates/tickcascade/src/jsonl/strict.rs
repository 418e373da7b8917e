//! The strict mode's checks: ids unique, parents known and earlier, ticks
//! in order, id tick parts that agree with the event's tick.

use super::error::LoadErrorKind;
use crate::event::Event;
use crate::id::EventId;
use crate::log::FastMap;

/// State for the strict checks.
#[derive(Default)]
pub(super) struct StrictState {
    pub(super) line_of_id: FastMap<EventId, usize>,
    pub(super) previous_tick: Option<i64>,
}

impl StrictState {
    /// Every strict problem of the event on `line`, in a fixed order
    /// (duplicate id, tick backwards, unknown parent, id/tick mismatch).
    /// The line is recorded whatever it holds (its id, if new, and its
    /// tick), so a problem on one line never makes the next look wrong.
    pub(super) fn check(&mut self, e: &Event, line: usize) -> Vec<LoadErrorKind> {
        let mut problems = Vec::new();
        if let Some(&first_line) = self.line_of_id.get(e.id()) {
            problems.push(LoadErrorKind::DuplicateId {
                id: e.id().to_string(),
                first_line,
            });
        }
        if let Some(previous) = self.previous_tick.filter(|&p| e.tick() < p) {
            problems.push(LoadErrorKind::TickBackwards {
                tick: e.tick(),
                previous,
            });
        }
        if let Some(p) = e.parent_id()
            && !self.line_of_id.contains_key(p)
        {
            problems.push(LoadErrorKind::UnknownParent(p.to_string()));
        }
        if let Some((tick, _, _)) = e.id().parts()
            && tick != e.tick()
        {
            problems.push(LoadErrorKind::IdTickMismatch {
                id: e.id().to_string(),
                tick: e.tick(),
            });
        }
        self.line_of_id.entry(e.id().clone()).or_insert(line);
        self.previous_tick = Some(e.tick());
        problems
    }
}
