//! tickcascade-analytics: product analytics as subscribers on a
//! [`tickcascade`] bus, and their delivery to a Mixpanel-style collector.
//!
//! `track`, `page`, `identify`, `alias`, `set_consent` and `reset` publish
//! `analytics.*` events (children of the event being handled), so identity,
//! sessions and consent are rebuilt from the log by replay; filters and
//! plugins (destinations) run as subscribers. [`delivery`] sends them with the
//! Cohorly SDK's retry contract. See `docs/analytics.md` and `docs/delivery.md`.
//!
//! # Features
//! - `http` (default): `delivery::HttpTransport` (ureq + rustls) and
//!   `delivery::Background`. Without it no TLS stack is compiled; implement
//!   `delivery::Transport` to send through your own client.
//!
//! # Layout
//! - `front`: [`Analytics`] (the state behind the calls), [`AnalyticsHost`],
//!   the calls (through any [`tickcascade::Publish`]), consent, drops.
//! - `identity`: [`IdSource`], [`IdentityState`] (the projection of identity
//!   and sessions).
//! - `storage`: [`IdentityStore`], [`MemoryStore`], [`FileStore`].
//! - `plugin`: [`Plugin`], [`Filter`], [`ConsoleDestination`], [`install_plugins`].
//! - [`delivery`]: messages, consumers, retries, the spool, `pump`.
//!
//! # Example
//! ```
//! use serde_json::json;
//! use tickcascade::{EventBus, EventLog};
//! use tickcascade_analytics::{self as analytics, Analytics};
//!
//! let mut bus = EventBus::with_state(EventLog::new(), Analytics::simulated(42, 60.0));
//! analytics::identify(&mut bus, "user-1", json!({"plan": "pro"}))?;
//! analytics::track(&mut bus, "level_up", json!({"level": 2}))?;
//! assert_eq!(bus.log().events().last().map(|e| e.event_type()), Some("analytics.track"));
//! # Ok::<(), tickcascade::PublishError>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod delivery;
mod front;
mod identity;
mod plugin;
mod storage;

pub use front::{
    Analytics, AnalyticsClock, AnalyticsConfig, AnalyticsContext, AnalyticsHost, LibraryInfo,
    alias, flush_dropped, identify, page, reset, set_consent, track,
};
pub use identity::{IdSource, IdentityState, consent_granted};
pub use plugin::{ConsoleDestination, Filter, Plugin, install_plugins};
pub use storage::{FileStore, IdentityStore, MemoryStore};
