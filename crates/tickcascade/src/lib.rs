//! tickcascade: a tick-based event-sourcing engine, compatible with
//! Eventure 0.4.4 (Python) byte for byte.
//!
//! Game and simulation loops publish events on an [`EventBus`]; each event
//! carries its tick, a deterministic id and the id of the event that caused
//! it. The [`EventLog`] is the source of truth: saved as JSON Lines, loaded
//! back, queried with [`EventQuery`] and printed as cascade trees.
//!
//! A good citizen in its host process: the crate starts no thread unless a
//! call asks for one ([`LoadOptions::threads`], [`EventQuery::with_threads`]; those
//! are scoped and have ended when the call returns), never changes a
//! thread's CPU affinity, reads time from `std::time::SystemTime`, and keeps
//! its `unsafe` code in one module (`arena`).
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
//! - `journal`: `Journal`, told of each appended event and each tick's end
//!   (the JSONL `LiveWriter` is one).
//! - `bus/`: `EventBus`, `Context`, `Publish`, `Subscription`, `PublishError`;
//!   wildcard dispatch, handlers that can fail.
//! - `query`: `EventQuery` (by type, data, tick, roots, cascades) and
//!   `DataFilter`.
//! - `parallel`: scoped threads for loads and data scans whose caller asked
//!   for more than one thread; a refused thread's work is done by the caller.
//! - `view`: the text viewers (`print_event_cascade` and friends).
//! - `jsonl/`: load and save (options, errors, the line parser, strict
//!   checks, `Loader`, saving, `LiveWriter`), one file each.
//! - `follow`: `Follower`, reading a log file as a writer appends to it.
//! - [`replay`]: `Projection`, `replay`, `Snapshots`, divergence and diff.
//! - [`sim`]: `Simulation`, `Runner`, `Schedule`, `SimRng`.
//! - [`canonical`]: reading canonical JSON text (tokens, members) and Python's
//!   `str()` of it, for crates that print or export event data.
//! - `typed`: `TypedEvent` (a type that names its event type and schema
//!   version), `bus.on::<T>`, `emit`, `Event::payload::<T>`, `PayloadError`.
//! - `upcast`: `Upcasters`, the steps that bring an old schema version's
//!   data to the next (typed, or on `serde_json::Value`), `UpcastError`.
//! - `stable_hash`: a hash that never changes between machines or releases.
//! - `json`: canonical JSON text (Python's `json.dumps` form), float
//!   `repr`, Python `str()` formatting.
//!
//! # Example
//! ```
//! use tickcascade::{EventBus, EventLog, EventQuery, ViewOptions};
//! use serde_json::json;
//!
//! let mut bus = EventBus::new(EventLog::new());
//! bus.subscribe("combat.attack", |ctx, e| {
//!     ctx.publish("combat.damage", &json!({"amount": 15}))?;
//!     Ok(())
//! });
//! bus.publish("combat.attack", &json!({"attacker": "orc"}))?;
//! bus.advance_tick();
//! let mut out = Vec::new();
//! EventQuery::new(bus.log()).print_event_cascade(&mut out, &ViewOptions::default())?;
//! assert!(String::from_utf8(out)?.contains("└─ combat.damage"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(unsafe_code)]
#![warn(missing_docs)]

#[allow(unsafe_code)]
mod arena;
mod bus;
pub mod canonical;
mod event;
pub mod event_set;
mod follow;
mod id;
mod journal;
mod json;
mod jsonl;
mod log;
mod parallel;
mod query;
pub mod replay;
pub mod sim;
mod stable_hash;
mod typed;
mod upcast;
mod view;

pub use bus::{
    BusConfig, Context, EventBus, Handler, HandlerError, Publish, PublishError, Subscription,
    pattern_matches,
};
pub use event::{Event, EventType, Timestamp};
pub use event_set::EventSet;
pub use follow::{FollowOptions, Followed, Follower};
pub use id::EventId;
pub use journal::Journal;
pub use json::ser::{DataError, DataErrorKind};
pub use jsonl::{
    Compression, LiveWriter, LoadError, LoadErrorKind, LoadMode, LoadOptions, LoadReport,
    LoadWarning, Loader, MAX_LINE_BYTES, SaveOptions, SyncPolicy, feed_reader, load_file, read_log,
    read_log_from, write_log,
};
pub use log::{Clock, EventLog};
pub use query::{DataFilter, EventQuery};
pub use stable_hash::stable_hash;
pub use typed::{EmitTyped, PayloadError, TypedEvent};
pub use upcast::{UpcastError, UpcastErrorKind, Upcasters};
pub use view::ViewOptions;
