//! Publishing and dispatching: log the event first, then run its handlers
//! synchronously and depth-first (a handler's follow-up events are logged
//! and fully dispatched before the next handler of the parent runs, so the
//! log order equals Eventure's for the same program).

use super::Context;
use super::error::PublishError;
use super::subscriptions::{Plans, Subscriptions};
use crate::event::Event;
use crate::id::EventId;
use crate::json::ser::DataError;
use crate::log::EventLog;
use crate::upcast::Upcasters;
use serde::Serialize;

/// Red zone and segment size for growing the stack on the heap.
const STACK_RED_ZONE: usize = 256 * 1024;
const STACK_SEGMENT: usize = 4 * 1024 * 1024;

/// Everything a publish needs besides the event: the bus's parts, borrowed.
pub(super) struct Parts<'a, S> {
    pub(super) log: &'a mut EventLog,
    pub(super) state: &'a mut S,
    pub(super) subs: &'a Subscriptions<S>,
    pub(super) plans: &'a mut Plans,
    pub(super) depth: usize,
    pub(super) max_depth: usize,
    pub(super) upcasters: &'a Upcasters,
}

/// Logs the event at `parts.depth`, then dispatches it. `parent_at`: where
/// the parent is in the log, when the caller knows (checked by the log).
#[inline]
pub(super) fn publish_at<'l, S, T: Serialize + ?Sized>(
    parts: Parts<'l, S>,
    kind: (&str, u32),
    data: &T,
    parent: Option<&EventId>,
    parent_at: Option<usize>,
) -> Result<&'l Event, PublishError> {
    publish_with(parts, kind.0, |log| {
        log.add_new(kind, data, parent, parent_at)
    })
}

/// `publish_at` for data given as JSON text (canonicalized, not
/// round-tripped through serde).
pub(super) fn publish_json_at<'l, S>(
    parts: Parts<'l, S>,
    event_type: &str,
    json: &str,
    parent: Option<&EventId>,
) -> Result<&'l Event, PublishError> {
    publish_with(parts, event_type, |log| {
        log.add_new_json((event_type, 1), json, parent, None)
    })
}

/// Checks the depth, logs the event with `add`, then dispatches it.
#[inline]
fn publish_with<'l, S>(
    parts: Parts<'l, S>,
    event_type: &str,
    add: impl FnOnce(&mut EventLog) -> Result<(usize, u32), DataError>,
) -> Result<&'l Event, PublishError> {
    if parts.depth > parts.max_depth {
        return Err(PublishError::DepthLimit {
            event_type: event_type.to_owned(),
            limit: parts.max_depth,
        });
    }
    let (position, type_index) = add(&mut *parts.log)?;
    // A handle of its own (the log stays mutable for the handlers).
    let event = parts.log.events()[position].clone();
    let at = Some((position, type_index));
    let Parts {
        log,
        state,
        subs,
        plans,
        depth,
        max_depth,
        upcasters,
    } = parts;
    let parts = Parts {
        log: &mut *log,
        state,
        subs,
        plans,
        depth,
        max_depth,
        upcasters,
    };
    let result = if depth > 1 {
        // Nested publishes recurse: the stack grows on the heap as needed.
        // A top-level publish runs on its caller's stack like any call.
        stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || {
            dispatch_at(parts, &event, at)
        })
    } else {
        dispatch_at(parts, &event, at)
    };
    result?;
    Ok(&log.events()[position])
}

/// Runs the handlers of `event` in dispatch order; the first error ends it.
/// `logged`: the event's position and type index when this bus logged it.
pub(super) fn dispatch_at<S>(
    parts: Parts<'_, S>,
    event: &Event,
    logged: Option<(usize, u32)>,
) -> Result<(), PublishError> {
    let type_index = logged
        .map(|(_, t)| t)
        .or_else(|| parts.log.type_index(event.event_type()));
    let plan = parts.plans.plan(parts.subs, event.event_type(), type_index);
    let subs = parts.subs;
    let mut ctx = Context {
        log: parts.log,
        state: parts.state,
        subs,
        plans: parts.plans,
        current: event,
        current_at: logged.map(|(p, _)| p),
        depth: parts.depth,
        max_depth: parts.max_depth,
        upcasters: parts.upcasters,
    };
    for h in plan {
        if let Some(handler) = subs.handler(h) {
            handler(&mut ctx, event).map_err(|source| PublishError::Handler {
                event_id: event.id().clone(),
                event_type: event.event_type().to_owned(),
                source,
            })?;
        }
    }
    Ok(())
}
