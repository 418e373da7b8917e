//! tickcascade-py: the native half of the `tickcascade` Python package.
//!
//! The package (`python/tickcascade/`) gives Eventure's API (`Event`,
//! `EventBus`, `EventLog`, `EventQuery`); the log, its ids, loading, saving,
//! queries and the cascade viewer live here, in the Rust engine. Python holds
//! positions into the log and builds `Event` views on demand. See
//! `docs/python.md`.
//!
//! # Layout
//! - `native_log`: `NativeLog`, a `tickcascade::EventLog` owned by Python:
//!   appending (data as JSON text), reading an event's fields by position,
//!   saving and loading.
//! - `native_query`: the queries and printers of `EventQuery` over it,
//!   returning positions or text.
//! - `native_upcast`: `NativeUpcasters`, the engine's upcasters with
//!   Python callables as steps, for loads.
//! - `to_json`: Python data to JSON text as `json.dumps` writes it.
//!
//! # Example (Python)
//! ```python
//! from tickcascade import EventBus, EventLog, EventQuery
//! log = EventLog()
//! bus = EventBus(log)
//! bus.subscribe("combat.*", lambda e: print(e.type))
//! bus.publish("combat.attack", {"damage": 3})
//! EventQuery(log).print_event_cascade()
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod native_log;
mod native_query;
mod native_upcast;
mod to_json;

use pyo3::prelude::*;

/// The `tickcascade._native` module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<native_log::NativeLog>()?;
    m.add_class::<native_upcast::NativeUpcasters>()?;
    m.add("LoadError", m.py().get_type::<native_log::LoadError>())?;
    m.add("__engine_version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
