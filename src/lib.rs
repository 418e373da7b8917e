//! tickcascade: a tick-based event-sourcing engine, compatible with
//! Eventure 0.4.4 (Python) byte for byte.
//!
//! Game and simulation loops publish events on an [`EventBus`]; each event
//! carries its tick, a deterministic id and the id of the event that caused
//! it. The [`EventLog`] is the source of truth: saved as JSON Lines, loaded
//! back, queried with [`EventQuery`] and printed as cascade trees.
//!
//! # Layout
//! - [`event`](Event): `Event`, `EventType`, `Timestamp`.
//! - [`event_set`]: `EventSet`, the events a data query matched, one bit per
//!   event of the log, and its iterators.
//! - `id`: `EventId` and Eventure's id algorithm.
//! - `arena`: event data text in shared append-only chunks (`DataArena`) and,
//!   per event, where its text and top-level keys are (`DataIndex`), for
//!   data queries that skip the events. The one module with `unsafe` code.
//! - `log`: `EventLog`, `Clock`; owns ids, timestamps and indexes.
//! - `bus`: `EventBus`, `Context`, `Subscription`; wildcard dispatch.
//! - `query`: `EventQuery`; by type, data, tick, roots, cascades.
//! - `parallel`: scoped threads for loads and data scans whose caller asked
//!   for more than one thread; a refused thread's work is done by the caller.
//! - `view`: the text viewers (`print_event_cascade` and friends).
//! - `jsonl`: load and save, load modes, `LiveWriter`.
//! - [`analytics`]: track/page/identify/alias/consent/reset as `analytics.*`
//!   events; identity, sessions, consent, filters, plugins (destinations).
//! - [`dataset`]: logs as Parquet (one row per event) for DuckDB, Polars, Spark.
//! - [`sweep`]: many seeded runs in parallel, one Hive partition per run.
//! - [`delivery`]: sending analytics (or any events) to a Mixpanel-style
//!   collector with retries, batching, a durable spool.
//! - [`export`]: cascades as Graphviz DOT, Mermaid, Chrome trace JSON and a
//!   self-contained HTML viewer.
//! - [`replay`]: `Projection`, `replay`, `Snapshots`, divergence and diff.
//! - [`sim`]: `Simulation`, `Runner`, `Schedule`, `SimRng`, and the two demo
//!   simulations (`adventure`, `trading`).
//! - [`cli`]: the `tickcascade` command line (a thin layer over the above).
//! - `json`: canonical JSON text (Python's `json.dumps` form), float
//!   `repr`, Python `str()` formatting.
//!
//! The crate starts no thread unless a call asks for one, never changes a
//! thread's CPU affinity, and reads time from `std::time::SystemTime`.
//!
//! # Example
//! ```
//! use tickcascade::{EventBus, EventLog, EventQuery, ViewOptions};
//! use serde_json::json;
//!
//! let mut bus = EventBus::new(EventLog::new());
//! bus.subscribe("combat.attack", |ctx, e| {
//!     ctx.publish("combat.damage", &json!({"amount": 15})).unwrap();
//! });
//! bus.publish("combat.attack", &json!({"attacker": "orc"}))?;
//! bus.advance_tick();
//! let mut out = Vec::new();
//! EventQuery::new(bus.log()).print_event_cascade(&mut out, &ViewOptions::default())?;
//! assert!(String::from_utf8(out)?.contains("└─ combat.damage"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(unsafe_code)]

pub mod analytics;
#[allow(unsafe_code)]
mod arena;
mod bus;
pub mod cli;
pub mod dataset;
pub mod delivery;
mod event;
pub mod event_set;
pub mod export;
mod id;
mod json;
mod jsonl;
mod log;
mod parallel;
mod query;
pub mod replay;
pub mod sim;
pub mod sweep;
mod view;

pub use bus::{BusConfig, Context, EventBus, Handler, PublishError, Subscription, pattern_matches};
pub use event::{Event, EventType, Timestamp};
pub use event_set::EventSet;
pub use id::EventId;
pub use json::ser::DataError;
pub use jsonl::{
    LiveWriter, LoadError, LoadErrorKind, LoadMode, LoadOptions, LoadReport, LoadWarning,
    SaveOptions, SyncPolicy, load_file, read_log, read_log_from, write_log,
};
pub use log::{Clock, EventLog};
pub use query::EventQuery;
pub use view::ViewOptions;
