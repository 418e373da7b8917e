//! `EventBus`: publish events into the log and dispatch them to handlers.
//!
//! Patterns follow Eventure: `a.b` (exact), `a.*` (prefix, dot kept),
//! `*.b` (suffix, dot kept), `*` (everything). For each event the handlers
//! run in four passes (exact, prefix, suffix, global), patterns in the order
//! they were first subscribed, handlers in registration order. The list for
//! each event type is worked out once and cached until the subscriptions
//! change, so dispatch never scans every pattern.
//!
//! Publishing logs the event first, then dispatches it synchronously and
//! depth-first: a handler's follow-up events are logged and fully dispatched
//! before the next handler of the parent runs, so log order equals
//! Eventure's for the same program.
//!
//! Size: over 600 lines with its unit tests (about 540 without): the bus,
//! its dispatch plan cache and `Context` are one concept.

use crate::event::Event;
use crate::id::EventId;
use crate::json::ser::DataError;
use crate::log::{EventLog, FastMap};
use serde::Serialize;
use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

/// Whether `pattern` matches `event_type` under the bus's rules: exact,
/// `a.*` (prefix, dot kept), `*.b` (suffix, dot kept), `*` (everything).
/// Any other string, `a*` or `x.*.y` included, only matches itself.
///
/// ```
/// use tickcascade::pattern_matches;
/// assert!(pattern_matches("combat.*", "combat.attack"));
/// assert!(pattern_matches("*.damage", "combat.damage"));
/// assert!(!pattern_matches("combat.*", "combat"));
/// assert!(!pattern_matches("comb*", "combat"));
/// ```
pub fn pattern_matches(pattern: &str, event_type: &str) -> bool {
    pattern == event_type
        || pattern == "*"
        || pattern
            .strip_suffix('*')
            .filter(|p| p.ends_with('.'))
            .is_some_and(|p| event_type.starts_with(p))
        || pattern
            .strip_prefix('*')
            .filter(|s| s.starts_with('.'))
            .is_some_and(|s| event_type.ends_with(s))
}

/// A handler: called with a [`Context`] (to publish follow-ups and reach
/// the shared state) and the event.
pub type Handler<S> = Box<dyn Fn(&mut Context<'_, S>, &Event)>;

/// Why a publish did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishError {
    /// The data cannot be written as JSON (NaN, a duplicate key, ...).
    Data(DataError),
    /// Handlers nested publishes deeper than [`BusConfig::max_depth`].
    /// The event was not logged.
    DepthLimit { event_type: String, limit: usize },
}

impl fmt::Display for PublishError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PublishError::Data(e) => write!(f, "event data: {e}"),
            PublishError::DepthLimit { event_type, limit } => write!(
                f,
                "publishing {event_type:?} would nest handlers deeper than {limit} levels \
                 (raise BusConfig::max_depth if this recursion is intended)"
            ),
        }
    }
}

impl std::error::Error for PublishError {}

impl From<DataError> for PublishError {
    fn from(e: DataError) -> Self {
        PublishError::Data(e)
    }
}

/// Bus settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BusConfig {
    /// How deeply handlers may nest publishes (a handler publishing from a
    /// handler is depth 2). The stack grows on the heap, so the limit is
    /// about runaway recursion, not about stack size. Default 1,000,000.
    pub max_depth: usize,
}

impl Default for BusConfig {
    fn default() -> Self {
        BusConfig {
            max_depth: 1_000_000,
        }
    }
}

/// A handle to one registration; give it to [`EventBus::unsubscribe`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Subscription(u32);

struct Pattern {
    text: Box<str>,
    handlers: Vec<u32>,
}

struct Subscriptions<S> {
    /// Patterns in the order they were first subscribed; never removed, so
    /// re-subscribing a pattern keeps its old place (as in Eventure).
    patterns: Vec<Pattern>,
    by_text: FastMap<Box<str>, u32>,
    /// Prefix and suffix patterns by their fixed part (`a.` / `.b`).
    prefixes: FastMap<Box<str>, u32>,
    suffixes: FastMap<Box<str>, u32>,
    handlers: Vec<Option<Handler<S>>>,
    /// Dispatch order per type (by the log's type index), cached until
    /// subscriptions change.
    plans: RefCell<Vec<Option<Rc<[u32]>>>>,
}

impl<S> Subscriptions<S> {
    fn new() -> Self {
        Subscriptions {
            patterns: Vec::new(),
            by_text: FastMap::default(),
            prefixes: FastMap::default(),
            suffixes: FastMap::default(),
            handlers: Vec::new(),
            plans: RefCell::new(Vec::new()),
        }
    }

    fn pattern_index(&mut self, text: &str) -> u32 {
        if let Some(&i) = self.by_text.get(text) {
            return i;
        }
        let i = self.patterns.len() as u32;
        // `x.*` is a prefix pattern, `*.x` a suffix one, `*.*` both.
        let prefix = text.strip_suffix('*').filter(|p| p.ends_with('.'));
        let suffix = text.strip_prefix('*').filter(|s| s.starts_with('.'));
        if let Some(p) = prefix {
            self.prefixes.insert(p.into(), i);
        }
        if let Some(s) = suffix {
            self.suffixes.insert(s.into(), i);
        }
        self.by_text.insert(text.into(), i);
        self.patterns.push(Pattern {
            text: text.into(),
            handlers: Vec::new(),
        });
        i
    }

    /// The handlers for `event_type` (whose index in the log's type table
    /// is `type_index`, if known), in dispatch order.
    #[inline(always)]
    fn plan(&self, event_type: &str, type_index: Option<u32>) -> Rc<[u32]> {
        if let Some(i) = type_index
            && let Some(Some(plan)) = self.plans.borrow().get(i as usize)
        {
            return plan.clone();
        }
        self.plan_missed(event_type, type_index)
    }

    /// `plan` for a type with no plan cached (or not in the log's table).
    #[cold]
    #[inline(never)]
    fn plan_missed(&self, event_type: &str, type_index: Option<u32>) -> Rc<[u32]> {
        let Some(i) = type_index.map(|i| i as usize) else {
            return self.compute_plan(event_type).into();
        };
        let plan: Rc<[u32]> = self.compute_plan(event_type).into();
        let mut plans = self.plans.borrow_mut();
        if plans.len() <= i {
            plans.resize(i + 1, None);
        }
        plans[i] = Some(plan.clone());
        plan
    }

    fn compute_plan(&self, event_type: &str) -> Vec<u32> {
        let mut keys: Vec<u32> = Vec::new();
        if let Some(&i) = self.by_text.get(event_type) {
            keys.push(i);
        }
        // Prefix patterns `p*` with `p` ending in '.', i.e. `p` is the type
        // up to and including one of its dots; likewise suffixes from a dot.
        let dots: Vec<usize> = event_type.match_indices('.').map(|(i, _)| i).collect();
        let mut prefix_hits: Vec<u32> = dots
            .iter()
            .filter_map(|&d| self.prefixes.get(&event_type[..=d]).copied())
            .collect();
        prefix_hits.sort_unstable();
        keys.extend(prefix_hits);
        let mut suffix_hits: Vec<u32> = dots
            .iter()
            .filter_map(|&d| self.suffixes.get(&event_type[d..]).copied())
            .collect();
        suffix_hits.sort_unstable();
        keys.extend(suffix_hits);
        if let Some(&i) = self.by_text.get("*") {
            keys.push(i);
        }
        keys.iter()
            .flat_map(|&k| self.patterns[k as usize].handlers.iter().copied())
            .collect()
    }

    fn changed(&mut self) {
        self.plans.get_mut().clear();
    }
}

/// What a handler gets besides the event: the log (read-only), the bus's
/// shared state, and publishing of follow-up events.
pub struct Context<'a, S> {
    log: &'a mut EventLog,
    state: &'a mut S,
    subs: &'a Subscriptions<S>,
    current: &'a Event,
    /// Where `current` is in the log, when it was logged by this bus.
    current_at: Option<usize>,
    depth: usize,
    max_depth: usize,
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
        self.publish_nested(event_type, data, Some(&parent), at)
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
        self.publish_nested(event_type, data, parent, None)
    }

    /// Publishes one level deeper; `parent_at`: where the parent is in the
    /// log, when known.
    fn publish_nested<T: Serialize + ?Sized>(
        &mut self,
        event_type: &str,
        data: &T,
        parent: Option<&EventId>,
        parent_at: Option<usize>,
    ) -> Result<&Event, PublishError> {
        publish_at(
            self.log,
            self.state,
            self.subs,
            self.depth + 1,
            self.max_depth,
            event_type,
            data,
            parent,
            parent_at,
        )
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

/// Red zone and segment size for growing the stack on the heap.
const STACK_RED_ZONE: usize = 256 * 1024;
const STACK_SEGMENT: usize = 4 * 1024 * 1024;

// Inlined into each publish call (as `add_new` is into it): the data's
// `serialize` is then inlined into the caller's code, and no result goes
// through memory (120.7M -> 96.1M instructions for the workload's publish).
#[allow(clippy::too_many_arguments)]
#[inline]
fn publish_at<'l, S, T: Serialize + ?Sized>(
    log: &'l mut EventLog,
    state: &mut S,
    subs: &Subscriptions<S>,
    depth: usize,
    max_depth: usize,
    event_type: &str,
    data: &T,
    parent: Option<&EventId>,
    parent_at: Option<usize>,
) -> Result<&'l Event, PublishError> {
    if depth > max_depth {
        return Err(PublishError::DepthLimit {
            event_type: event_type.to_owned(),
            limit: max_depth,
        });
    }
    let (position, type_index) = log.add_new(event_type, data, parent, parent_at)?;
    // A handle of its own (the log stays mutable for the handlers).
    let event = log.events()[position].clone();
    let at = Some((position, type_index));
    if depth > 1 {
        // Nested publishes recurse: the stack grows on the heap as needed.
        // A top-level publish runs on its caller's stack like any call (the
        // check cost ~20 instructions, on every event of a flat workload).
        stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || {
            dispatch_at(log, state, subs, depth, max_depth, &event, at);
        });
    } else {
        dispatch_at(log, state, subs, depth, max_depth, &event, at);
    }
    Ok(&log.events()[position])
}

fn dispatch_at<S>(
    log: &mut EventLog,
    state: &mut S,
    subs: &Subscriptions<S>,
    depth: usize,
    max_depth: usize,
    event: &Event,
    logged: Option<(usize, u32)>,
) {
    let type_index = logged
        .map(|(_, t)| t)
        .or_else(|| log.type_index(event.event_type()));
    let plan = subs.plan(event.event_type(), type_index);
    // One context for all the handlers: nothing in it changes between them
    // (built per handler, its eight words were stored again for each call).
    let mut ctx = Context {
        log,
        state,
        subs,
        current: event,
        current_at: logged.map(|(p, _)| p),
        depth,
        max_depth,
    };
    for &h in plan.iter() {
        if let Some(handler) = &subs.handlers[h as usize] {
            handler(&mut ctx, event);
        }
    }
}

/// The event bus: owns the log, the subscriptions and a shared state `S`
/// that every handler can reach through its [`Context`].
///
/// ```
/// use tickcascade::{EventBus, EventLog};
/// use serde_json::json;
///
/// let mut bus = EventBus::with_state(EventLog::new(), 0u32);
/// bus.subscribe("combat.attack", |ctx, e| {
///     let amount = e.data_as::<serde_json::Value>().unwrap()["power"].as_u64().unwrap_or(0) * 2;
///     ctx.publish("combat.damage", &json!({"amount": amount})).unwrap();
/// });
/// bus.subscribe("*.damage", |ctx, _| *ctx.state() += 1);
/// bus.publish("combat.attack", &json!({"power": 7}))?;
/// assert_eq!(*bus.state(), 1);
/// assert_eq!(bus.log().events()[1].parent_id(), Some(bus.log().events()[0].id()));
/// # Ok::<(), tickcascade::PublishError>(())
/// ```
pub struct EventBus<S = ()> {
    log: EventLog,
    state: S,
    subs: Subscriptions<S>,
    config: BusConfig,
}

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
        handler: impl Fn(&mut Context<'_, S>, &Event) + 'static,
    ) -> Subscription {
        let p = self.subs.pattern_index(pattern);
        let h = self.subs.handlers.len() as u32;
        self.subs.handlers.push(Some(Box::new(handler)));
        self.subs.patterns[p as usize].handlers.push(h);
        self.subs.changed();
        Subscription(h)
    }

    /// Removes one registration. Returns false if it was already removed.
    pub fn unsubscribe(&mut self, subscription: Subscription) -> bool {
        let Some(slot) = self.subs.handlers.get_mut(subscription.0 as usize) else {
            return false;
        };
        if slot.take().is_none() {
            return false;
        }
        for p in &mut self.subs.patterns {
            p.handlers.retain(|&h| h != subscription.0);
        }
        self.subs.changed();
        true
    }

    /// The patterns subscribed so far, in first-subscription order, with
    /// how many handlers each has now.
    pub fn patterns(&self) -> impl Iterator<Item = (&str, usize)> {
        self.subs
            .patterns
            .iter()
            .map(|p| (&*p.text, p.handlers.len()))
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
        publish_at(
            &mut self.log,
            &mut self.state,
            &self.subs,
            1,
            self.config.max_depth,
            event_type,
            data,
            parent,
            None,
        )
    }

    /// Delivers an event to the handlers without logging it.
    pub fn dispatch(&mut self, event: &Event) {
        let max = self.config.max_depth;
        dispatch_at(
            &mut self.log,
            &mut self.state,
            &self.subs,
            1,
            max,
            event,
            None,
        );
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

#[cfg(test)]
mod tests {
    use super::*;

    fn recorder(bus: &mut EventBus<Vec<String>>, pattern: &'static str) {
        bus.subscribe(pattern, move |ctx, e| {
            ctx.state().push(format!("{pattern}<-{}", e.event_type()));
        });
    }

    fn calls(subscribed: &[&'static str], published: &str) -> Vec<String> {
        let mut bus = EventBus::with_state(EventLog::new(), Vec::new());
        for p in subscribed {
            recorder(&mut bus, p);
        }
        bus.publish(published, &()).unwrap();
        bus.into_parts()
            .1
            .into_iter()
            .map(|s| s.split("<-").next().unwrap_or("").to_owned())
            .collect()
    }

    #[test]
    fn dispatch_order_matches_eventure() {
        assert_eq!(
            calls(&["a.*", "*.c", "*", "a.b.c", "a.b.*", "*.b.c"], "a.b.c"),
            ["a.b.c", "a.*", "a.b.*", "*.c", "*.b.c", "*"]
        );
        assert_eq!(calls(&["player.*", "*", "*.move"], "player"), ["*"]);
        assert_eq!(
            calls(&["player.", "player.*", "*.", "*"], "player."),
            ["player.", "player.*", "*.", "*"]
        );
        assert_eq!(calls(&["*"], "*"), ["*", "*"]);
        assert_eq!(
            calls(&["player.*", "*.*", "*"], "player.*"),
            ["player.*", "player.*", "*.*", "*"]
        );
        assert_eq!(calls(&["*.*", "*"], "*.x"), ["*.*", "*"]);
        assert_eq!(calls(&["*.*", "*"], "x.*"), ["*.*", "*"]);
        assert_eq!(calls(&["*", "x.*"], ""), ["*"]);
        assert_eq!(
            calls(&["a*", "*c", "player.*.fast"], "abc"),
            Vec::<String>::new()
        );
        assert_eq!(calls(&["a.b.*", "a.*"], "a.b.c"), ["a.b.*", "a.*"]);
    }

    #[test]
    fn handlers_publish_depth_first() {
        let mut bus = EventBus::with_state(EventLog::new(), Vec::<String>::new());
        bus.subscribe("a", |ctx, _| {
            ctx.publish("b", &()).unwrap();
            ctx.publish("c", &()).unwrap();
        });
        bus.subscribe("b", |ctx, _| {
            ctx.publish("d", &()).unwrap();
        });
        bus.subscribe("*", |ctx, e| ctx.state().push(e.event_type().to_owned()));
        bus.publish("a", &()).unwrap();
        let logged: Vec<&str> = bus.log().events().iter().map(|e| e.event_type()).collect();
        assert_eq!(logged, ["a", "b", "d", "c"]);
        assert_eq!(bus.state(), &["d", "b", "c", "a"]);
    }

    #[test]
    fn unsubscribe_keeps_the_pattern_slot() {
        let mut bus = EventBus::with_state(EventLog::new(), Vec::<&str>::new());
        let s = bus.subscribe("*.move", |ctx, _| ctx.state().push("suffix"));
        bus.subscribe("player.*", |ctx, _| ctx.state().push("prefix"));
        assert!(bus.unsubscribe(s));
        assert!(!bus.unsubscribe(s));
        bus.publish("player.move", &()).unwrap();
        bus.subscribe("*.move", |ctx, _| ctx.state().push("suffix2"));
        bus.publish("player.move", &()).unwrap();
        assert_eq!(bus.state(), &["prefix", "prefix", "suffix2"]);
    }

    #[test]
    fn depth_limit_is_an_error_not_a_crash() {
        let mut bus = EventBus::with_state(EventLog::new(), None::<PublishError>);
        bus.set_config(BusConfig { max_depth: 50 });
        bus.subscribe("loop", |ctx, _| {
            if let Err(e) = ctx.publish("loop", &()) {
                *ctx.state() = Some(e);
            }
        });
        bus.publish("loop", &()).unwrap();
        assert_eq!(bus.log().len(), 50);
        assert!(matches!(
            bus.state(),
            Some(PublishError::DepthLimit { limit: 50, .. })
        ));
    }

    #[test]
    fn a_hundred_thousand_nested_publishes_do_not_overflow() {
        let mut bus = EventBus::new(EventLog::new());
        bus.subscribe("chain", |ctx, _| {
            if ctx.depth() < 100_000 {
                ctx.publish("chain", &()).unwrap();
            }
        });
        bus.publish("chain", &()).unwrap();
        assert_eq!(bus.log().len(), 100_000);
    }

    #[test]
    fn a_panicking_handler_leaves_the_event_logged_and_the_bus_usable() {
        let mut bus = EventBus::with_state(EventLog::new(), 0);
        bus.subscribe("boom", |_, _| panic!("handler failed"));
        bus.subscribe("ok", |ctx, _| *ctx.state() += 1);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            bus.publish("boom", &()).map(|_| ())
        }));
        assert!(r.is_err());
        assert_eq!(bus.log().len(), 1);
        bus.publish("ok", &()).unwrap();
        assert_eq!((bus.log().len(), *bus.state()), (2, 1));
    }
}
