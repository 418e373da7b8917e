//! `Context`: what a handler gets besides the event, and `Publish`, the one
//! trait for "something that can publish" (the bus and a context).

use super::dispatch::{Parts, publish_at};
use super::error::PublishError;
use super::subscriptions::{Plans, Subscriptions};
use crate::event::Event;
use crate::id::EventId;
use crate::log::EventLog;
use crate::upcast::Upcasters;
use serde::Serialize;

/// Something events can be published through: an [`EventBus`](crate::EventBus)
/// (root events) or a handler's [`Context`] (children of the event being
/// handled). Code that publishes, like the analytics calls, takes
/// `&mut impl Publish<S>` and works from both.
///
/// ```
/// use tickcascade::{EventBus, EventLog, Publish, PublishError};
///
/// fn greet<S>(p: &mut impl Publish<S>) -> Result<(), PublishError> {
///     p.publish("hello", &"world").map(|_| ())
/// }
/// let mut bus = EventBus::new(EventLog::new());
/// bus.subscribe("start", |ctx, _| Ok(greet(ctx)?));
/// greet(&mut bus)?;
/// bus.publish("start", &())?;
/// let kinds: Vec<_> = bus.log().events().iter().map(|e| e.event_type()).collect();
/// assert_eq!(kinds, ["hello", "start", "hello"]);
/// # Ok::<(), PublishError>(())
/// ```
pub trait Publish<S> {
    /// Logs an event and dispatches it: a root from the bus, a child of the
    /// event being handled from a context.
    fn publish<T: Serialize + ?Sized>(
        &mut self,
        event_type: &str,
        data: &T,
    ) -> Result<&Event, PublishError>;

    /// `publish` with the data declared at schema version `schema` (what
    /// typed events with a `SCHEMA` above 1 use; 1 is `publish`).
    fn publish_at_schema<T: Serialize + ?Sized>(
        &mut self,
        event_type: &str,
        schema: u32,
        data: &T,
    ) -> Result<&Event, PublishError>;

    /// The bus's shared state.
    fn state_mut(&mut self) -> &mut S;

    /// The log, as of now.
    fn log(&self) -> &EventLog;
}

/// What a handler gets besides the event: the log (read-only), the bus's
/// shared state, and publishing of follow-up events.
///
/// ```
/// use tickcascade::{EventBus, EventLog};
/// let mut bus = EventBus::with_state(EventLog::new(), 0u32);
/// bus.subscribe("a", |ctx, e| {
///     assert_eq!(ctx.event().id(), e.id());
///     *ctx.state() += 1;
///     ctx.publish("b", &())?; // a child of `a`
///     Ok(())
/// });
/// bus.publish("a", &())?;
/// assert_eq!((*bus.state(), bus.log().len()), (1, 2));
/// # Ok::<(), tickcascade::PublishError>(())
/// ```
pub struct Context<'a, S> {
    pub(super) log: &'a mut EventLog,
    pub(super) state: &'a mut S,
    pub(super) subs: &'a Subscriptions<S>,
    pub(super) plans: &'a mut Plans,
    pub(super) current: &'a Event,
    /// Where `current` is in the log, when it was logged by this bus.
    pub(super) current_at: Option<usize>,
    pub(super) depth: usize,
    pub(super) max_depth: usize,
    pub(super) upcasters: &'a Upcasters,
}

impl<S> Context<'_, S> {
    /// Publishes a child of the event being handled. Returns the logged
    /// event, borrowed from the log (keep `.id().clone()` to name it as a
    /// parent later: publishing again needs the context back).
    pub fn publish<T: Serialize + ?Sized>(
        &mut self,
        event_type: &str,
        data: &T,
    ) -> Result<&Event, PublishError> {
        let parent = self.current.id().clone();
        let at = self.current_at;
        self.publish_nested((event_type, 1), data, Some(&parent), at)
    }

    /// Publishes an event with no parent.
    pub fn publish_root<T: Serialize + ?Sized>(
        &mut self,
        event_type: &str,
        data: &T,
    ) -> Result<&Event, PublishError> {
        self.publish_with_parent(event_type, data, None)
    }

    /// Publishes an event with any parent (or none).
    pub fn publish_with_parent<T: Serialize + ?Sized>(
        &mut self,
        event_type: &str,
        data: &T,
        parent: Option<&EventId>,
    ) -> Result<&Event, PublishError> {
        self.publish_nested((event_type, 1), data, parent, None)
    }

    /// `publish_with_parent` at a schema version (typed events); `parent`
    /// `Some(None)` for no parent, `None` for the event being handled.
    pub(crate) fn publish_schema<T: Serialize + ?Sized>(
        &mut self,
        kind: (&str, u32),
        data: &T,
        parent: Option<Option<&EventId>>,
    ) -> Result<&Event, PublishError> {
        match parent {
            Some(parent) => self.publish_nested(kind, data, parent, None),
            None => {
                let parent = self.current.id().clone();
                let at = self.current_at;
                self.publish_nested(kind, data, Some(&parent), at)
            }
        }
    }

    /// Publishes one level deeper; `parent_at`: where the parent is in the
    /// log, when known.
    fn publish_nested<T: Serialize + ?Sized>(
        &mut self,
        event_type: (&str, u32),
        data: &T,
        parent: Option<&EventId>,
        parent_at: Option<usize>,
    ) -> Result<&Event, PublishError> {
        let parts = Parts {
            log: self.log,
            state: self.state,
            subs: self.subs,
            plans: self.plans,
            depth: self.depth + 1,
            max_depth: self.max_depth,
            upcasters: self.upcasters,
        };
        publish_at(parts, event_type, data, parent, parent_at)
    }

    /// The bus's upcasters ([`BusConfig::upcasters`](crate::BusConfig)).
    pub fn upcasters(&self) -> &Upcasters {
        self.upcasters
    }

    /// The event being handled.
    pub fn event(&self) -> &Event {
        self.current
    }

    /// The log, as of now (it already holds the event being handled).
    pub fn log(&self) -> &EventLog {
        self.log
    }

    /// The bus's shared state.
    pub fn state(&mut self) -> &mut S {
        self.state
    }

    /// How deeply publishes are nested here (a handler of a top-level
    /// publish runs at depth 1).
    pub fn depth(&self) -> usize {
        self.depth
    }
}

impl<S> Publish<S> for Context<'_, S> {
    fn publish<T: Serialize + ?Sized>(
        &mut self,
        event_type: &str,
        data: &T,
    ) -> Result<&Event, PublishError> {
        Context::publish(self, event_type, data)
    }

    fn publish_at_schema<T: Serialize + ?Sized>(
        &mut self,
        event_type: &str,
        schema: u32,
        data: &T,
    ) -> Result<&Event, PublishError> {
        Context::publish_schema(self, (event_type, schema), data, None)
    }

    fn state_mut(&mut self) -> &mut S {
        self.state
    }

    fn log(&self) -> &EventLog {
        self.log
    }
}
