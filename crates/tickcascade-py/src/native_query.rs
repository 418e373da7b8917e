//! `EventQuery`'s queries and printers over a `NativeLog`: positions for
//! the queries (Python builds events from them on demand), text for the
//! printers (byte for byte what Eventure prints).

use crate::native_log::{LoadError, NativeLog};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use tickcascade::{Event, EventId, EventQuery, LoadOptions, ViewOptions};

impl NativeLog {
    fn positions<'a>(&self, events: impl IntoIterator<Item = &'a Event>) -> Vec<usize> {
        events
            .into_iter()
            .filter_map(|e| self.log.position_of_ref(e))
            .collect()
    }

    /// An event given by position, or (an event outside this log) by its
    /// JSON line.
    fn resolve(&self, position: Option<usize>, json: Option<&str>) -> PyResult<Event> {
        if let Some(p) = position {
            return Ok(self.event(p)?.clone());
        }
        let line = json.ok_or_else(|| PyValueError::new_err("no event given"))?;
        let options = LoadOptions::default().with_allow_nan(true);
        let (one, _) = tickcascade::read_log(line.as_bytes(), "<event>", &options)
            .map_err(|e| LoadError::new_err(e.to_string()))?;
        one.events()
            .first()
            .cloned()
            .ok_or_else(|| PyValueError::new_err("no event in the line"))
    }
}

/// Positions as native-endian `u64`s in one `bytes` object: Python views
/// it with `memoryview(b).cast("Q")`, a list-like sequence of ints made
/// without an int object per position (a query matching 100,000 events
/// costs one copy, not 100,000 allocations).
fn packed<'py>(py: Python<'py>, positions: &[usize]) -> Bound<'py, PyBytes> {
    let mut bytes = Vec::with_capacity(positions.len() * 8);
    for &p in positions {
        bytes.extend_from_slice(&(p as u64).to_ne_bytes());
    }
    PyBytes::new(py, &bytes)
}

fn text(write: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> PyResult<String> {
    let mut out = Vec::new();
    write(&mut out).map_err(|e| PyValueError::new_err(e.to_string()))?;
    String::from_utf8(out).map_err(|e| PyValueError::new_err(e.to_string()))
}

#[pymethods]
impl NativeLog {
    /// Positions of the events of type `event_type` (packed).
    fn by_type<'py>(&self, py: Python<'py>, event_type: &str) -> Bound<'py, PyBytes> {
        packed(
            py,
            &self.positions(EventQuery::new(&self.log).by_type(event_type)),
        )
    }

    /// Positions of the events whose data has `key` equal (as Python's `==`)
    /// to the value given as JSON text (packed).
    fn by_data<'py>(
        &self,
        py: Python<'py>,
        key: &str,
        value_json: &str,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let q = EventQuery::new(&self.log);
        let set = q
            .by_data_json(key, value_json)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(packed(py, &self.positions(set)))
    }

    /// Positions of the events whose parent id is `id`.
    fn children(&self, id: &str) -> Vec<usize> {
        self.positions(self.log.children_of(&EventId::from(id)))
    }

    /// Eventure's `get_cascade_events` below the event (it excluded):
    /// breadth-first, each id once.
    #[pyo3(signature = (position = None, json = None))]
    fn query_cascade(&self, position: Option<usize>, json: Option<&str>) -> PyResult<Vec<usize>> {
        let root = self.resolve(position, json)?;
        let q = EventQuery::new(&self.log);
        let cascade = q.cascade(&root);
        Ok(self.positions(cascade.into_iter().skip(1)))
    }

    /// Positions of the root events (of `tick`, or all), packed.
    #[pyo3(signature = (tick = None))]
    fn roots<'py>(&self, py: Python<'py>, tick: Option<i64>) -> Bound<'py, PyBytes> {
        packed(py, &self.positions(EventQuery::new(&self.log).roots(tick)))
    }

    /// Events per type, types in first-seen order.
    fn count_by_type(&self) -> Vec<(String, usize)> {
        EventQuery::new(&self.log)
            .count_by_type()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect()
    }

    /// Eventure's `print_event_cascade`, as text.
    fn print_event_cascade(&self, py: Python<'_>, show_data: bool) -> PyResult<String> {
        let options = ViewOptions::default().with_show_data(show_data);
        py.detach(|| text(|out| EventQuery::new(&self.log).print_event_cascade(out, &options)))
    }

    /// Eventure's `print_single_cascade`, as text.
    #[pyo3(signature = (show_data, position = None, json = None))]
    fn print_single_cascade(
        &self,
        show_data: bool,
        position: Option<usize>,
        json: Option<&str>,
    ) -> PyResult<String> {
        let root = self.resolve(position, json)?;
        let options = ViewOptions::default().with_show_data(show_data);
        text(|out| EventQuery::new(&self.log).print_single_cascade(out, &root, &options))
    }

    /// Eventure's `print_event_details`, as text.
    #[pyo3(signature = (show_data, position = None, json = None))]
    fn print_event_details(
        &self,
        show_data: bool,
        position: Option<usize>,
        json: Option<&str>,
    ) -> PyResult<String> {
        let event = self.resolve(position, json)?;
        let options = ViewOptions::default().with_show_data(show_data);
        text(|out| EventQuery::new(&self.log).print_event_details(out, &event, &options))
    }
}
