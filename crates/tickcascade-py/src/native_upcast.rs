//! `NativeUpcasters`: the engine's `Upcasters` with steps that are Python
//! callables. A step gets an event's data as Python values (what
//! `json.loads` gives) and returns the next version's data; the engine
//! checks and stores what it returns as it checks published data.

use pyo3::prelude::*;
use tickcascade::Upcasters;

/// Upcasters whose steps are Python callables.
#[pyclass(module = "tickcascade._native")]
#[derive(Clone, Default)]
pub struct NativeUpcasters {
    pub(crate) inner: Upcasters,
}

/// A Python exception as one line: its type and message.
fn described(py: Python<'_>, e: &PyErr) -> String {
    let name = e
        .get_type(py)
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "Exception".into());
    let message = e.value(py).str().map(|s| s.to_string()).unwrap_or_default();
    if message.is_empty() {
        name
    } else {
        format!("{name}: {message}")
    }
}

/// Runs `step` on `value`, through Python's `json` module for the way in
/// and the package's writer for the way out.
fn run_step(step: &Py<PyAny>, value: serde_json::Value) -> Result<serde_json::Value, String> {
    Python::attach(|py| {
        let failed = |e: PyErr| described(py, &e);
        let json = py.import("json").map_err(failed)?;
        let data = json
            .call_method1("loads", (value.to_string(),))
            .map_err(failed)?;
        let next = step.bind(py).call1((data,)).map_err(failed)?;
        let mut text = String::new();
        crate::to_json::dumps_into(&next, &mut text).map_err(failed)?;
        serde_json::from_str(&text).map_err(|e| {
            format!(
                "the step returned data that is not JSON (NaN and the infinities are refused): {e}"
            )
        })
    })
}

impl NativeUpcasters {
    /// Applies one of the core's consuming builder calls in place.
    fn update(&mut self, change: impl FnOnce(Upcasters) -> Upcasters) {
        self.inner = change(std::mem::take(&mut self.inner));
    }
}

#[pymethods]
impl NativeUpcasters {
    /// No steps.
    #[new]
    fn new() -> Self {
        NativeUpcasters::default()
    }

    /// Adds a step from `from_type` at `from_schema` to `to_type` at
    /// `from_schema + 1`.
    fn step(&mut self, from_type: &str, from_schema: u32, to_type: &str, step: Py<PyAny>) {
        self.update(|up| {
            up.with_json(from_type, from_schema, to_type, move |value| {
                run_step(&step, value)
            })
        });
    }

    /// Declares `schema` the newest version of `event_type`.
    fn current(&mut self, event_type: &str, schema: u32) {
        self.update(|up| up.with_current_version(event_type, schema));
    }

    /// Skip and count events that cannot be upcast instead of failing.
    fn set_lenient(&mut self, lenient: bool) {
        self.update(|up| up.with_lenient(lenient));
    }

    /// Whether events that cannot be upcast are skipped.
    #[getter]
    fn lenient(&self) -> bool {
        self.inner.is_lenient()
    }

    /// The newest version of `event_type` the steps know, or `None`.
    fn newest(&self, event_type: &str) -> Option<u32> {
        self.inner.newest(event_type)
    }

    fn __repr__(&self) -> String {
        format!("{:?}", self.inner)
    }
}
