//! `EventBus`: publish events into the log and dispatch them to handlers.
//!
//! - `subscriptions`: patterns (Eventure's exact, `a.*`, `*.b`, `*`), the
//!   handlers, and the dispatch plan per type.
//! - `dispatch`: logging then dispatching, depth-first, the stack grown on
//!   the heap for nested publishes.
//! - `context`: [`Context`] (what a handler gets) and [`Publish`] (the bus
//!   and a context alike).
//! - `error`: [`PublishError`], [`HandlerError`].

mod context;
mod dispatch;
mod error;
mod subscriptions;

pub use context::{Context, Publish};
pub use error::{HandlerError, PublishError};
pub use subscriptions::{Handler, pattern_matches};

use crate::event::Event;
use crate::id::EventId;
use crate::log::EventLog;
use crate::upcast::Upcasters;
use dispatch::{Parts, dispatch_at, publish_at, publish_json_at};
use serde::Serialize;
use subscriptions::{Plans, Subscriptions};

/// Bus settings: `BusConfig::default()` and the setters.
///
/// ```
/// use tickcascade::{BusConfig, EventBus, EventLog};
/// let mut bus = EventBus::new(EventLog::new());
/// bus.set_config(BusConfig::default().with_max_depth(100));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BusConfig {
    /// How deeply handlers may nest publishes (a handler publishing from a
    /// handler is depth 2). The stack grows on the heap, so the limit is
    /// about runaway recursion, not about stack size. Default 1,000,000.
    pub max_depth: usize,
    /// How typed handlers (`on::<T>`) read events of an older schema
    /// version, and what [`EventBus::dispatch`] upcasts first (default:
    /// none; an old version is then a payload error).
    pub upcasters: Upcasters,
}

impl Default for BusConfig {
    fn default() -> Self {
        BusConfig {
            max_depth: 1_000_000,
            upcasters: Upcasters::new(),
        }
    }
}

impl BusConfig {
    /// Sets how deeply handlers may nest publishes.
    pub fn with_max_depth(self, max_depth: usize) -> Self {
        BusConfig { max_depth, ..self }
    }

    /// Sets the upcasters typed handlers and `dispatch` use.
    pub fn with_upcasters(self, upcasters: Upcasters) -> Self {
        BusConfig { upcasters, ..self }
    }
}

/// A handle to one registration; give it to [`EventBus::unsubscribe`].
///
/// ```
/// use tickcascade::{EventBus, EventLog};
/// let mut bus = EventBus::new(EventLog::new());
/// let s = bus.subscribe("a", |_, _| Ok(()));
/// assert!(bus.unsubscribe(s));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Subscription(u32);

/// The event bus: owns the log, the subscriptions and a shared state `S`
/// that every handler can reach through its [`Context`].
///
/// Handlers share mutable state through `S`, not through captured
/// `Rc<RefCell<..>>`: `ctx.state()` hands each handler `&mut S` in turn,
/// and nested publishes pass it down, so no locking or interior mutability
/// is needed. Handlers are `Fn` (not `FnMut`) because a handler may run
/// again, nested, while it is running (it publishes an event it handles);
/// whatever it would mutate belongs in `S`. Handlers are `Send + Sync`, so
/// the bus is `Send + Sync` when `S` is: it can move to a worker thread or
/// be an engine's resource (a handler capturing an `Rc` does not compile).
///
/// A handler returns `Result<(), HandlerError>`: `?` works on any error.
/// The first error ends the event's dispatch and comes out of the outermost
/// `publish` as [`PublishError::Handler`] (the event stays logged).
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use tickcascade::{EventBus, EventLog};
///
/// #[derive(Serialize, Deserialize)]
/// struct Attack { power: u64 }
///
/// let mut bus = EventBus::with_state(EventLog::new(), 0u32); // damage events seen
/// bus.subscribe("combat.attack", |ctx, e| {
///     let attack: Attack = e.data_as()?;
///     ctx.publish("combat.damage", &serde_json::json!({"amount": attack.power * 2}))?;
///     Ok(())
/// });
/// bus.subscribe("*.damage", |ctx, _| {
///     *ctx.state() += 1;
///     Ok(())
/// });
/// bus.publish("combat.attack", &Attack { power: 7 })?;
/// assert_eq!(*bus.state(), 1);
/// assert_eq!(bus.log().events()[1].parent_id(), Some(bus.log().events()[0].id()));
/// # Ok::<(), tickcascade::PublishError>(())
/// ```
pub struct EventBus<S = ()> {
    log: EventLog,
    state: S,
    subs: Subscriptions<S>,
    plans: Plans,
    config: BusConfig,
}

// The bus can move between threads and be shared when its state can.
const _: () = {
    const fn shareable<T: Send + Sync>() {}
    const fn bus_is_shareable<S: Send + Sync>() {
        shareable::<EventBus<S>>();
    }
    bus_is_shareable::<()>();
};

impl EventBus<()> {
    /// A bus over `log` with no shared state.
    pub fn new(log: EventLog) -> Self {
        EventBus::with_state(log, ())
    }
}

impl<S> EventBus<S> {
    /// A bus over `log` whose handlers share `state`.
    pub fn with_state(log: EventLog, state: S) -> Self {
        EventBus {
            log,
            state,
            subs: Subscriptions::new(),
            plans: Plans::default(),
            config: BusConfig::default(),
        }
    }

    /// Replaces the settings.
    pub fn set_config(&mut self, config: BusConfig) {
        self.config = config;
    }

    /// Registers `handler` for `pattern`; returns the handle that removes it.
    pub fn subscribe(
        &mut self,
        pattern: &str,
        handler: impl Fn(&mut Context<'_, S>, &Event) -> Result<(), HandlerError>
        + Send
        + Sync
        + 'static,
    ) -> Subscription {
        let h = self.subs.add(pattern, Box::new(handler));
        self.plans.clear();
        Subscription(h)
    }

    /// Removes one registration. Returns false if it was already removed.
    pub fn unsubscribe(&mut self, subscription: Subscription) -> bool {
        let removed = self.subs.remove(subscription.0);
        self.plans.clear();
        removed
    }

    /// The patterns subscribed so far, in first-subscription order, with
    /// how many handlers each has now.
    pub fn patterns(&self) -> impl Iterator<Item = (&str, usize)> {
        self.subs.patterns()
    }

    /// Logs an event with no parent at the current tick, then dispatches it.
    /// Returns the logged event, borrowed from the log as `add_event` does
    /// (nothing is cloned; `.clone()` it to keep it).
    pub fn publish<T: Serialize + ?Sized>(
        &mut self,
        event_type: &str,
        data: &T,
    ) -> Result<&Event, PublishError> {
        self.publish_with_parent(event_type, data, None)
    }

    /// Logs an event caused by `parent`, then dispatches it.
    pub fn publish_with_parent<T: Serialize + ?Sized>(
        &mut self,
        event_type: &str,
        data: &T,
        parent: Option<&EventId>,
    ) -> Result<&Event, PublishError> {
        publish_at(self.parts(), (event_type, 1), data, parent, None)
    }

    /// `publish_with_parent` at a schema version (typed events).
    pub(crate) fn publish_schema<T: Serialize + ?Sized>(
        &mut self,
        kind: (&str, u32),
        data: &T,
        parent: Option<&EventId>,
    ) -> Result<&Event, PublishError> {
        publish_at(self.parts(), kind, data, parent, None)
    }

    /// Logs an event whose data is given as JSON text (checked and written
    /// in Eventure's canonical form, as loading does; `NaN` refused), caused
    /// by `parent`, then dispatches it. For data already serialized (a
    /// schedule, a network message) without a round trip through a value.
    ///
    /// ```
    /// use tickcascade::{EventBus, EventLog};
    /// let mut bus = EventBus::new(EventLog::new());
    /// let e = bus.publish_json("shop.sold", r#"{"item":"axe","price":1.50}"#, None)?;
    /// assert_eq!(e.data_json(), r#"{"item": "axe", "price": 1.5}"#);
    /// assert!(bus.publish_json("shop.sold", "{oops", None).is_err());
    /// # Ok::<(), tickcascade::PublishError>(())
    /// ```
    pub fn publish_json(
        &mut self,
        event_type: &str,
        json: &str,
        parent: Option<&EventId>,
    ) -> Result<&Event, PublishError> {
        publish_json_at(self.parts(), event_type, json, parent)
    }

    /// Delivers an event to the handlers without logging it.
    ///
    /// With upcasters set ([`BusConfig::with_upcasters`]), the event is
    /// first brought to the newest version they know, so an old event
    /// reaches the handlers of its new type name; one they cannot bring up
    /// is [`PublishError::Upcast`] (or skipped and counted, when lenient).
    pub fn dispatch(&mut self, event: &Event) -> Result<(), PublishError> {
        let up = &self.config.upcasters;
        if !up.is_empty() {
            match up.upcast(event) {
                Ok(Some(new)) => return dispatch_at(self.parts(), &new, None),
                Ok(None) => {}
                Err(_) if up.is_lenient() => {
                    up.count_skipped();
                    return Ok(());
                }
                Err(source) => {
                    return Err(PublishError::Upcast {
                        event_id: event.id().clone(),
                        source,
                    });
                }
            }
        }
        dispatch_at(self.parts(), event, None)
    }

    fn parts(&mut self) -> Parts<'_, S> {
        Parts {
            log: &mut self.log,
            state: &mut self.state,
            subs: &self.subs,
            plans: &mut self.plans,
            depth: 1,
            max_depth: self.config.max_depth,
            upcasters: &self.config.upcasters,
        }
    }

    /// Moves the log to the next tick.
    pub fn advance_tick(&mut self) {
        self.log.advance_tick();
    }

    /// The log.
    pub fn log(&self) -> &EventLog {
        &self.log
    }

    /// The log, for appending without dispatch or attaching a writer.
    pub fn log_mut(&mut self) -> &mut EventLog {
        &mut self.log
    }

    /// The shared state.
    pub fn state(&self) -> &S {
        &self.state
    }

    /// The shared state, mutably.
    pub fn state_mut(&mut self) -> &mut S {
        &mut self.state
    }

    /// Takes the bus apart into its log and state.
    pub fn into_parts(self) -> (EventLog, S) {
        (self.log, self.state)
    }
}

impl<S> Publish<S> for EventBus<S> {
    fn publish<T: Serialize + ?Sized>(
        &mut self,
        event_type: &str,
        data: &T,
    ) -> Result<&Event, PublishError> {
        EventBus::publish(self, event_type, data)
    }

    fn publish_at_schema<T: Serialize + ?Sized>(
        &mut self,
        event_type: &str,
        schema: u32,
        data: &T,
    ) -> Result<&Event, PublishError> {
        EventBus::publish_schema(self, (event_type, schema), data, None)
    }

    fn state_mut(&mut self) -> &mut S {
        &mut self.state
    }

    fn log(&self) -> &EventLog {
        &self.log
    }
}

#[cfg(test)]
mod tests;
