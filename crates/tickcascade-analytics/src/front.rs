//! Product analytics as subscribers on the bus: `track`, `page`,
//! `identify`, `alias`, `set_consent`, `reset`. Every consented call is an
//! `analytics.*` event in the log (a child of the event being handled when
//! called from a handler), so it is replayable, queryable and printable;
//! destinations are plugins subscribed to `analytics.*`.
//!
//! The [`Analytics`] front lives in the bus's state (reach it through
//! [`AnalyticsHost`]); the free functions take a [`Publish`](tickcascade::Publish) (a handler's
//! `Context`, or the `EventBus` itself) so that the event is published where
//! the call is made.

use crate::identity::{IdSource, IdentityState};
use crate::plugin::{self, Filter, Plugin};
use crate::storage::{IdentityStore, MemoryStore};
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use tickcascade::replay::Projection;
use tickcascade::{Event, EventBus, Publish, PublishError};

/// Where analytics time comes from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AnalyticsClock {
    /// Simulated time: `epoch_secs + tick * seconds_per_tick`.
    Ticks {
        /// Tick 0's time, in seconds since the epoch.
        epoch_secs: f64,
        /// Seconds per tick.
        seconds_per_tick: f64,
    },
    /// The wall clock (seconds since the Unix epoch).
    Wall,
}

/// The library that sent a message.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LibraryInfo {
    /// The library's name (`tickcascade`).
    pub name: String,
    /// The library's version.
    pub version: String,
}

/// The `context` of every message. In deterministic runs it holds only what
/// is the same on every machine (no hostname).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AnalyticsContext {
    /// The library that made the message.
    pub library: LibraryInfo,
    /// The environment (`simulation`, `production`, ...).
    pub env: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The host, when it may be sent (off by default).
    pub hostname: Option<String>,
}

impl AnalyticsContext {
    /// Library and environment only: the same on every machine.
    pub fn deterministic(env: &str) -> AnalyticsContext {
        AnalyticsContext {
            library: LibraryInfo {
                name: "tickcascade".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            env: env.into(),
            hostname: None,
        }
    }

    /// With this machine's host name (from `HOSTNAME` or `/etc/hostname`).
    pub fn detect(env: &str) -> AnalyticsContext {
        let hostname = std::env::var("HOSTNAME")
            .ok()
            .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty());
        AnalyticsContext {
            hostname,
            ..AnalyticsContext::deterministic(env)
        }
    }
}

/// Settings of the analytics front.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct AnalyticsConfig {
    /// A session ends after this many seconds without a logged call (a gap
    /// of exactly this keeps it). Default 1800 (30 minutes).
    pub session_timeout_secs: f64,
    /// How message timestamps are made.
    pub clock: AnalyticsClock,
    /// The `context` every message carries.
    pub context: AnalyticsContext,
    /// Consent when nothing was stored (default: `analytics` granted).
    pub default_consent: Map<String, Value>,
}

impl AnalyticsConfig {
    /// For simulations: one tick is `seconds_per_tick` seconds from 2026-01-01,
    /// deterministic context, consent granted.
    pub fn simulated(seconds_per_tick: f64) -> AnalyticsConfig {
        AnalyticsConfig {
            session_timeout_secs: 1800.0,
            clock: AnalyticsClock::Ticks {
                epoch_secs: 1_767_225_600.0,
                seconds_per_tick,
            },
            context: AnalyticsContext::deterministic("simulation"),
            default_consent: default_consent(),
        }
    }

    /// For live use: the wall clock and this machine's context.
    pub fn live(env: &str) -> AnalyticsConfig {
        AnalyticsConfig {
            session_timeout_secs: 1800.0,
            clock: AnalyticsClock::Wall,
            context: AnalyticsContext::detect(env),
            default_consent: default_consent(),
        }
    }
}

fn default_consent() -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("analytics".into(), Value::Bool(true));
    m
}

/// The analytics front: identity, session, consent, filters, plugins, and
/// the counts of what was dropped.
pub struct Analytics {
    state: IdentityState,
    config: AnalyticsConfig,
    ids: IdSource,
    store: Box<dyn IdentityStore>,
    filters: Vec<(String, Filter)>,
    pub(crate) plugins: Vec<plugin::Slot>,
    /// Drops since the last `analytics.dropped` event, by reason.
    pending_drops: BTreeMap<String, u64>,
    /// Drops over the whole run, by reason.
    dropped: BTreeMap<String, u64>,
    /// What went wrong that did not stop anything (storage, plugins).
    warnings: Vec<String>,
}

impl std::fmt::Debug for Analytics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analytics")
            .field("state", &self.state)
            .field("dropped", &self.dropped)
            .finish_non_exhaustive()
    }
}

/// A bus state that holds an [`Analytics`].
pub trait AnalyticsHost {
    /// The analytics front inside the state.
    fn analytics(&mut self) -> &mut Analytics;
}

impl AnalyticsHost for Analytics {
    fn analytics(&mut self) -> &mut Analytics {
        self
    }
}

impl Analytics {
    /// A front that keeps identity in `store` (loaded now: a missing file
    /// starts fresh with the default consent; one that cannot be read starts
    /// fresh with every consent revoked, with a warning: consent fails
    /// closed, the user grants it again).
    pub fn new(
        config: AnalyticsConfig,
        mut ids: IdSource,
        mut store: Box<dyn IdentityStore>,
    ) -> Analytics {
        let mut warnings = Vec::new();
        let state = match store.load() {
            Ok(Some(state)) => state,
            Ok(None) => IdentityState {
                anonymous_id: ids.uuid_v4(),
                consent: config.default_consent.clone(),
                ..IdentityState::default()
            },
            Err(why) => {
                warnings.push(format!(
                    "{why}; starting a new identity with consent revoked until granted again"
                ));
                let mut revoked: Map<String, Value> = config
                    .default_consent
                    .keys()
                    .map(|k| (k.clone(), Value::Bool(false)))
                    .collect();
                revoked.insert("analytics".into(), Value::Bool(false));
                IdentityState {
                    anonymous_id: ids.uuid_v4(),
                    consent: revoked,
                    ..IdentityState::default()
                }
            }
        };
        Analytics {
            state,
            config,
            ids,
            store,
            filters: Vec::new(),
            plugins: Vec::new(),
            pending_drops: BTreeMap::new(),
            dropped: BTreeMap::new(),
            warnings,
        }
    }

    /// A reproducible in-memory front for simulations (seeded ids).
    pub fn simulated(seed: u64, seconds_per_tick: f64) -> Analytics {
        Analytics::new(
            AnalyticsConfig::simulated(seconds_per_tick),
            IdSource::seeded(seed),
            Box::new(MemoryStore::default()),
        )
    }

    /// The identity, session and consent now.
    pub fn state(&self) -> &IdentityState {
        &self.state
    }

    /// Adds a filter; a filter returning `Some(reason)` drops the message.
    pub fn add_filter(&mut self, name: &str, filter: Filter) {
        self.filters.push((name.to_owned(), filter));
    }

    /// Adds a plugin (a destination); install the plugins on the bus with
    /// [`install_plugins`](crate::install_plugins).
    pub fn add_plugin(&mut self, plugin: Box<dyn Plugin>) {
        self.plugins.push(plugin::Slot::new(plugin));
    }

    /// Drops over the whole run, by reason (`consent`, `filter:NAME:REASON`).
    pub fn dropped(&self) -> &BTreeMap<String, u64> {
        &self.dropped
    }

    /// Storage and plugin problems, each reported once.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Plugin failures, by plugin name.
    pub fn plugin_failures(&self) -> BTreeMap<String, u64> {
        self.plugins
            .iter()
            .map(|p| (p.plugin.name().to_owned(), p.failures))
            .collect()
    }

    pub(crate) fn warn(&mut self, message: String) {
        if !self.warnings.contains(&message) {
            self.warnings.push(message);
        }
    }

    fn now(&self, tick: i64) -> f64 {
        match self.config.clock {
            AnalyticsClock::Ticks {
                epoch_secs,
                seconds_per_tick,
            } => epoch_secs + tick as f64 * seconds_per_tick,
            AnalyticsClock::Wall => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0.0, |d| d.as_micros() as f64 / 1e6),
        }
    }

    fn drop_message(&mut self, reason: String) {
        *self.pending_drops.entry(reason.clone()).or_default() += 1;
        *self.dropped.entry(reason).or_default() += 1;
    }

    /// Builds the message of a call on a copy of the state; commits the copy
    /// only if the message is logged (consented and not filtered).
    fn prepare(
        &mut self,
        kind: &str,
        tick: i64,
        fields: &[(&str, Value)],
        change: impl FnOnce(&mut IdentityState, &mut IdSource),
    ) -> Option<Value> {
        if !self.state.consents("analytics") {
            self.drop_message("consent".into());
            return None;
        }
        let now = self.now(tick);
        let mut next = self.state.clone();
        let mut ids = self.ids.clone();
        change(&mut next, &mut ids);
        // What could not be stored and read back is refused here, before it
        // enters the state (and before a later consent change depends on
        // saving it).
        let too_deep = fields.iter().map(|(_, v)| v).chain(next.traits.values());
        if too_deep
            .into_iter()
            .any(|v| nested_deeper_than(v, MAX_NESTING))
        {
            self.drop_message("too_deep".into());
            return None;
        }
        next.touch(now, self.config.session_timeout_secs, &mut ids);
        let message = with_fields(
            json!({
                "type": kind,
                "user_id": next.user_id,
                "anonymous_id": next.anonymous_id,
                "session_id": next.session_id,
                "timestamp": now,
                "context": self.config.context,
                "traits": next.traits,
                "consent": next.consent,
            }),
            fields,
        );
        for (name, filter) in &self.filters {
            if let Some(reason) = filter(&message) {
                self.drop_message(format!("filter:{name}:{reason}"));
                return None;
            }
        }
        self.state = next;
        self.ids = ids;
        self.persist();
        Some(message)
    }

    fn persist(&mut self) {
        if let Err(e) = self.store.save(&self.state) {
            self.warn(format!("cannot save the identity: {e}"));
        }
    }
}

/// How deep a call's properties and traits may nest: the identity file
/// (state, traits, value) must stay within what serde_json reads back (128).
pub const MAX_NESTING: usize = 100;

/// True when `v` nests arrays or objects more than `limit` levels deep
/// (iterative: no recursion on input depth).
fn nested_deeper_than(v: &Value, limit: usize) -> bool {
    let mut stack = vec![(v, 0usize)];
    while let Some((v, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match v {
            Value::Array(items) => Box::new(items.iter()),
            Value::Object(m) => Box::new(m.values()),
            _ => continue,
        };
        if depth + 1 > limit {
            return true;
        }
        stack.extend(children.map(|c| (c, depth + 1)));
    }
    false
}

fn with_fields(mut message: Value, fields: &[(&str, Value)]) -> Value {
    if let Value::Object(m) = &mut message {
        // Name and properties first, as readers expect them.
        let mut out = Map::new();
        out.insert("type".into(), m.shift_remove("type").unwrap_or(Value::Null));
        for (k, v) in fields {
            out.insert((*k).to_owned(), v.clone());
        }
        out.extend(std::mem::take(m));
        return Value::Object(out);
    }
    message
}

fn call<S: AnalyticsHost, P: Publish<S>>(
    p: &mut P,
    event_type: &str,
    kind: &str,
    fields: &[(&str, Value)],
    change: impl FnOnce(&mut IdentityState, &mut IdSource),
) -> Result<Option<Event>, PublishError> {
    let tick = p.log().current_tick();
    match p
        .state_mut()
        .analytics()
        .prepare(kind, tick, fields, change)
    {
        Some(message) => p.publish(event_type, &message).map(|e| Some(e.clone())),
        None => Ok(None),
    }
}

/// Tracks an action. Returns the logged event, or `None` when dropped.
pub fn track<S: AnalyticsHost>(
    p: &mut impl Publish<S>,
    name: &str,
    properties: Value,
) -> Result<Option<Event>, PublishError> {
    call(
        p,
        "analytics.track",
        "track",
        &[("name", json!(name)), ("properties", properties)],
        |_, _| {},
    )
}

/// Records a page (or screen, or area) view.
pub fn page<S: AnalyticsHost>(
    p: &mut impl Publish<S>,
    name: &str,
    properties: Value,
) -> Result<Option<Event>, PublishError> {
    call(
        p,
        "analytics.page",
        "page",
        &[("name", json!(name)), ("properties", properties)],
        |_, _| {},
    )
}

/// Sets the user id and merges `traits` into the known traits.
pub fn identify<S: AnalyticsHost>(
    p: &mut impl Publish<S>,
    user_id: &str,
    traits: Value,
) -> Result<Option<Event>, PublishError> {
    let t = traits.clone();
    call(
        p,
        "analytics.identify",
        "identify",
        &[("name", json!("identify")), ("properties", traits)],
        move |s, _| {
            s.user_id = Some(user_id.to_owned());
            if let Value::Object(m) = t {
                s.traits.extend(m);
            }
        },
    )
}

/// Links a new user id to the current one.
pub fn alias<S: AnalyticsHost>(
    p: &mut impl Publish<S>,
    new_id: &str,
) -> Result<Option<Event>, PublishError> {
    let previous = {
        let s = p.state_mut().analytics().state();
        s.user_id.clone().unwrap_or_else(|| s.anonymous_id.clone())
    };
    call(
        p,
        "analytics.alias",
        "alias",
        &[("name", json!("alias")), ("previous_id", json!(previous))],
        move |s, _| {
            s.user_id = Some(new_id.to_owned());
        },
    )
}

/// Logout: a new anonymous id and a new session; user id and traits cleared.
pub fn reset<S: AnalyticsHost>(p: &mut impl Publish<S>) -> Result<Option<Event>, PublishError> {
    call(
        p,
        "analytics.reset",
        "reset",
        &[("name", json!("reset"))],
        |s, ids| {
            s.anonymous_id = ids.uuid_v4();
            s.user_id = None;
            s.traits.clear();
            s.session_id.clear();
            s.last_activity = None;
        },
    )
}

/// Changes consent (merged into the current flags). The change itself is
/// always logged, with the flags only (no personal data), so replay knows
/// what was consented; with `analytics: false` later calls are dropped.
pub fn set_consent<S: AnalyticsHost>(
    p: &mut impl Publish<S>,
    consent: Map<String, Value>,
) -> Result<Event, PublishError> {
    let flags = {
        let a = p.state_mut().analytics();
        a.state.consent.extend(consent);
        a.persist();
        a.state.consent.clone()
    };
    p.publish(
        "analytics.consent",
        &json!({"type": "consent", "consent": flags}),
    )
    .cloned()
}

/// Publishes one `analytics.dropped` event with the drops since the last one
/// (counts by reason, no personal data), if there were any.
pub fn flush_dropped<S: AnalyticsHost>(
    bus: &mut EventBus<S>,
) -> Result<Option<Event>, PublishError> {
    let tick = bus.log().current_tick();
    let pending = std::mem::take(&mut bus.state_mut().analytics().pending_drops);
    if pending.is_empty() {
        return Ok(None);
    }
    let count: u64 = pending.values().sum();
    bus.publish(
        "analytics.dropped",
        &json!({"tick": tick, "count": count, "reasons": pending}),
    )
    .map(|e| Some(e.clone()))
}

impl Projection for IdentityState {
    fn apply(&mut self, e: &Event) -> Result<bool, tickcascade::HandlerError> {
        if !e.event_type().starts_with("analytics.") {
            return Ok(false);
        }
        let Ok(Value::Object(m)) = e.data_as::<Value>() else {
            return Ok(true);
        };
        let text = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_owned);
        match e.event_type() {
            "analytics.consent" => {
                if let Some(Value::Object(c)) = m.get("consent") {
                    self.consent = c.clone();
                }
            }
            "analytics.dropped" => {}
            _ => {
                if let Some(a) = text("anonymous_id") {
                    self.anonymous_id = a;
                }
                self.user_id = text("user_id");
                if let Some(s) = text("session_id") {
                    self.session_id = s;
                }
                self.last_activity = m.get("timestamp").and_then(Value::as_f64);
                if let Some(Value::Object(t)) = m.get("traits") {
                    self.traits = t.clone();
                }
                if let Some(Value::Object(c)) = m.get("consent") {
                    self.consent = c.clone();
                }
            }
        }
        Ok(true)
    }
}
