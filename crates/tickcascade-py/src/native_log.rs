//! `NativeLog`: a `tickcascade::EventLog` owned by a Python `EventLog`.
//! Python appends with data as JSON text (`json.dumps`, so the log holds
//! exactly what Eventure would write) and reads events back by position.

use pyo3::exceptions::{PyIndexError, PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};
use pyo3::{IntoPyObjectExt, create_exception};
use tickcascade::{Clock, Event, EventId, EventLog, LoadMode, LoadOptions, Timestamp};

create_exception!(
    _native,
    LoadError,
    PyValueError,
    "A log that cannot be read: the message names the file, the line and what is wrong."
);

/// An event log in the Rust engine.
#[pyclass(module = "tickcascade._native")]
pub struct NativeLog {
    pub(crate) log: EventLog,
    /// The data's JSON text and the id's text while an event is added
    /// (kept between calls: no allocation per event).
    scratch: String,
    /// What the load that made this log reported (`None` for a new log).
    report: Option<tickcascade::LoadReport>,
}

impl NativeLog {
    pub(crate) fn event(&self, position: usize) -> PyResult<&Event> {
        self.log
            .events()
            .get(position)
            .ok_or_else(|| PyIndexError::new_err("event position out of range"))
    }
}

/// A timestamp as Python holds it: an `int` when the log wrote one, else a
/// `float` (NaN and the infinities included).
pub(crate) fn timestamp_object(py: Python<'_>, ts: &Timestamp) -> PyResult<Py<PyAny>> {
    let text = ts.to_string();
    if text.contains(['.', 'e', 'n', 'N', 'i', 'I']) {
        return ts.as_f64().into_py_any(py);
    }
    match text.parse::<i64>() {
        Ok(v) => v.into_py_any(py),
        // An integer beyond 64 bits: Python's int reads the digits.
        Err(_) => Ok(py.get_type::<pyo3::types::PyInt>().call1((text,))?.unbind()),
    }
}

fn clock_named(name: &str) -> PyResult<Clock> {
    match name {
        "system" => Ok(Clock::Wall),
        // One second per tick from 2026-01-01T00:00:00Z, a microsecond
        // between events of a tick: the same program writes the same file.
        "ticks" => Ok(tickcascade::sim::DEMO_CLOCK),
        other => Err(PyValueError::new_err(format!(
            "unknown clock {other:?}: use \"system\" or \"ticks\""
        ))),
    }
}

fn mode_named(name: &str) -> PyResult<LoadMode> {
    match name {
        "default" => Ok(LoadMode::Default),
        "strict" => Ok(LoadMode::Strict),
        "lenient" => Ok(LoadMode::Lenient),
        other => Err(PyValueError::new_err(format!(
            "unknown mode {other:?}: use \"default\", \"strict\" or \"lenient\""
        ))),
    }
}

#[pymethods]
impl NativeLog {
    /// An empty log stamped by `clock` (`"system"` or `"ticks"`).
    #[new]
    #[pyo3(signature = (clock = "system"))]
    fn new(clock: &str) -> PyResult<Self> {
        Ok(NativeLog {
            log: EventLog::with_clock(clock_named(clock)?),
            scratch: String::new(),
            report: None,
        })
    }

    fn __len__(&self) -> usize {
        self.log.len()
    }

    /// The tick new events get.
    #[getter]
    fn current_tick(&self) -> i64 {
        self.log.current_tick()
    }

    /// Sets the current tick (Eventure lets code assign `_current_tick`).
    #[setter]
    fn set_current_tick(&mut self, tick: i64) {
        self.log.set_current_tick(tick);
    }

    /// Moves to the next tick.
    fn advance_tick(&mut self) {
        self.log.advance_tick();
    }

    /// Appends an event at the current tick with a fresh id, holding `data`
    /// (what `json.dumps` would write; it raises what `json.dumps` raises,
    /// and `ValueError` for NaN). Returns (position, tick, timestamp, id).
    #[pyo3(signature = (event_type, data, parent_id = None, schema = 1))]
    fn add<'py>(
        &mut self,
        py: Python<'py>,
        event_type: &str,
        data: &Bound<'_, PyAny>,
        parent_id: Option<&str>,
        schema: u32,
    ) -> PyResult<Bound<'py, PyTuple>> {
        if schema == 0 {
            return Err(PyValueError::new_err("schema versions start at 1"));
        }
        let text = &mut self.scratch;
        crate::to_json::dumps_into(data, text)?;
        let parent = parent_id.map(EventId::from);
        let e = self
            .log
            .add_versioned_json(event_type, schema, text, parent.as_ref())
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        let (tick, timestamp) = (e.tick(), e.timestamp().as_f64());
        text.clear();
        e.id().push_to(text);
        let id = PyString::new(py, text);
        let position = self.log.len() - 1;
        (position, tick, timestamp, id).into_pyobject(py)
    }

    /// Appends an event as it is, id kept (one line of JSON, as
    /// `Event.to_json` writes it). Returns its position.
    fn push_json(&mut self, line: &str) -> PyResult<usize> {
        let options = LoadOptions::default().with_allow_nan(true);
        let (one, _) = tickcascade::read_log(line.as_bytes(), "<event>", &options)
            .map_err(|e| LoadError::new_err(e.to_string()))?;
        let Some(event) = one.events().first() else {
            return Err(PyValueError::new_err("no event in the line"));
        };
        self.log.push(event.clone());
        Ok(self.log.len() - 1)
    }

    /// (tick, timestamp, type, id, parent_id, schema) of the event at `position`.
    fn row<'py>(&self, py: Python<'py>, position: usize) -> PyResult<Bound<'py, PyTuple>> {
        let e = self.event(position)?;
        let parent = e.parent_id().map(|p| p.to_string());
        (
            e.tick(),
            timestamp_object(py, e.timestamp())?,
            e.event_type(),
            e.id().to_string(),
            parent,
            e.schema(),
        )
            .into_pyobject(py)
    }

    /// The data of the event at `position`, as JSON text.
    fn data_json(&self, position: usize) -> PyResult<&str> {
        Ok(self.event(position)?.data_json())
    }

    /// The event at `position` as one line of JSON (Eventure's `to_json`).
    fn to_json(&self, position: usize) -> PyResult<String> {
        Ok(self.event(position)?.to_json())
    }

    /// Positions of the events at `tick`, in log order.
    fn at_tick(&self, tick: i64) -> Vec<usize> {
        self.log
            .events_at_tick(tick)
            .filter_map(|e| self.log.position_of_ref(e))
            .collect()
    }

    /// The position of the first event holding `id`.
    fn by_id(&self, id: &str) -> Option<usize> {
        let e = self.log.event_by_id(&EventId::from(id))?;
        self.log.position_of_ref(e)
    }

    /// Eventure's `EventLog.get_event_cascade`: the event and every event
    /// below it, ordered by (tick, type hash, sequence).
    fn event_cascade(&self, id: &str) -> Vec<usize> {
        let Some(root) = self.by_id(id) else {
            return Vec::new();
        };
        // Every event below the root through parent ids, each once (ids
        // may repeat and form cycles, where Eventure's recursion never ends).
        let mut seen = vec![false; self.log.len()];
        seen[root] = true;
        let mut out = vec![root];
        let mut stack: Vec<EventId> = vec![EventId::from(id)];
        while let Some(parent) = stack.pop() {
            for child in self.log.children_of(&parent) {
                let Some(c) = self.log.position_of_ref(child) else {
                    continue;
                };
                if !std::mem::replace(&mut seen[c], true) {
                    out.push(c);
                    stack.push(child.id().clone());
                }
            }
        }
        let key = |p: &usize| {
            let e = &self.log.events()[*p];
            let id = e.id().to_string();
            let mut parts = id.splitn(3, '-');
            let _ = parts.next();
            let hash = parts.next().unwrap_or("").to_owned();
            let seq = parts
                .next()
                .and_then(|s| s.parse::<i64>().ok())
                .unwrap_or(0);
            (e.tick(), hash, seq)
        };
        out.sort_by_key(key);
        out
    }

    /// Writes the log as JSON Lines (temporary file, then rename).
    fn save(&self, path: &str) -> PyResult<()> {
        self.log
            .save_to_file(path)
            .map_err(|e| PyOSError::new_err(format!("{path}: {e}")))
    }

    /// Reads a log; `mode` is `"default"` (what Eventure reads), `"strict"`
    /// or `"lenient"`; `upcasters` bring old schema versions up as they
    /// are read. Errors name the file and line.
    #[staticmethod]
    #[pyo3(signature = (path, mode = "default", allow_nan = true, upcasters = None))]
    fn load(
        py: Python<'_>,
        path: &str,
        mode: &str,
        allow_nan: bool,
        upcasters: Option<PyRef<'_, crate::native_upcast::NativeUpcasters>>,
    ) -> PyResult<Self> {
        let mut options = LoadOptions::default()
            .with_mode(mode_named(mode)?)
            .with_allow_nan(allow_nan);
        if let Some(up) = upcasters {
            options = options.with_upcasters(up.inner.clone());
        }
        let path_owned = std::path::PathBuf::from(path);
        // Without the GIL; a Python step takes it back while it runs.
        let loaded = py.detach(move || tickcascade::load_file(&path_owned, &options));
        let (log, report) = loaded.map_err(|e| match e.kind {
            tickcascade::LoadErrorKind::Io(ref io) if io.kind() == std::io::ErrorKind::NotFound => {
                pyo3::exceptions::PyFileNotFoundError::new_err(e.to_string())
            }
            _ => LoadError::new_err(e.to_string()),
        })?;
        Ok(NativeLog {
            log,
            scratch: String::new(),
            report: Some(report),
        })
    }

    /// What the load reported: blank lines, warnings (`"line N: ..."`),
    /// events upcast and events skipped by lenient upcasters; `None` for a
    /// log that was not loaded.
    fn load_report<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(report) = &self.report else {
            return Ok(None);
        };
        let dict = PyDict::new(py);
        dict.set_item("blank_lines", report.blank_lines)?;
        let warnings: Vec<String> = (report.warnings.iter())
            .map(|w| format!("line {}: {}", w.line, w.message))
            .collect();
        dict.set_item("warnings", warnings)?;
        dict.set_item("upcast", report.upcast)?;
        dict.set_item("upcast_skipped", report.upcast_skipped)?;
        Ok(Some(dict))
    }
}
