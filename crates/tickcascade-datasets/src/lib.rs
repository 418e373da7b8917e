//! tickcascade-datasets: [`tickcascade`] logs as pictures and datasets.
//!
//! Cascades drawn as Graphviz DOT, Mermaid, Chrome/Perfetto trace JSON and a
//! self-contained HTML viewer ([`export`]); logs as Parquet, one row per event
//! ([`write_parquet`]); and sweeps, many seeded runs of a simulation into a
//! Hive-partitioned dataset ([`sweep`]). See `docs/export.md` and
//! `docs/datasets.md`.
//!
//! # Layout
//! - [`export`]: `Selection`, `select`, `write_dot`, `write_mermaid`,
//!   `write_trace`, `write_html` (the viewer's CSS and JavaScript are in
//!   `src/export/viewer_*.html`, embedded at build time).
//! - `to_parquet`: [`write_parquet`], [`DatasetError`].
//! - [`sweep`]: `SweepPlan`, `run_sweep` (scoped threads pulling seeds).
//!
//! # Example
//! ```
//! use tickcascade::EventLog;
//! use tickcascade_datasets::export::{Selection, select, write_dot};
//!
//! let mut log = EventLog::new();
//! let root = log.add_event("combat.attack", &serde_json::json!({}), None)?.id().clone();
//! log.add_event("combat.damage", &serde_json::json!({"amount": 3}), Some(&root))?;
//! let picked = select(&log, &Selection::default())?;
//! let mut dot = Vec::new();
//! write_dot(&log, &picked, &mut dot)?;
//! assert!(String::from_utf8(dot)?.starts_with("digraph"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod export;
pub mod sweep;
mod to_parquet;

pub use to_parquet::{DatasetError, ROW_GROUP, write_parquet};
