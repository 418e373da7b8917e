//! Upcasting: bringing an old event's data to the shape today's code
//! reads, one schema version at a time.
//!
//! A step is registered for a type name and a version, and gives the data
//! of the next version (and possibly a new type name). Steps chain: a v1
//! event goes through 1→2, then 2→3, up to the newest version the code
//! knows. The event keeps its id, tick, timestamp and parent: ids are
//! identity, and children name them.
//!
//! Steps are typed (old struct to new struct, the versions taken from each
//! struct's [`TypedEvent::SCHEMA`], checked at compile time) or, as an
//! escape hatch, on `serde_json::Value`, which refuses any data it would
//! change by reading it (integers wider than 64 bits, nesting deeper than
//! serde_json reads): those events need a typed step.

use crate::event::{Event, EventType};
use crate::json::ser::write_canonical;
use crate::log::FastMap;
use crate::typed::TypedEvent;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

type StepFn = dyn Fn(&str) -> Result<String, UpcastErrorKind> + Send + Sync;

#[derive(Clone)]
struct Step {
    to_type: Box<str>,
    to_schema: u32,
    run: Arc<StepFn>,
}

#[derive(Default)]
struct Registry {
    /// Steps by type name, with the version each reads.
    steps: FastMap<Box<str>, Vec<(u32, Step)>>,
    /// The newest version known per type name: declared, reached by a
    /// step, or read by a step (a renamed-away name knows no later one).
    newest: FastMap<Box<str>, u32>,
    lenient: bool,
    /// Events skipped by lenient users that keep no count of their own
    /// (typed handlers, `payload_upcast`).
    skipped: AtomicU64,
}

impl Clone for Registry {
    fn clone(&self) -> Self {
        Registry {
            steps: self.steps.clone(),
            newest: self.newest.clone(),
            lenient: self.lenient,
            skipped: AtomicU64::new(self.skipped.load(Ordering::Relaxed)),
        }
    }
}

/// The upcasting steps a program knows; cheap to clone (shared).
///
/// Give it to [`LoadOptions::with_upcasters`](crate::LoadOptions), return
/// it from [`Projection::upcasters`](crate::replay::Projection), set it
/// on a bus ([`EventBus::set_upcasters`](crate::EventBus)), or call
/// [`upcast`](Upcasters::upcast) or [`Event::payload_upcast`] yourself.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use tickcascade::{EventLog, TypedEvent, Upcasters};
///
/// #[derive(Serialize, Deserialize)]
/// struct MoveV1 { to: String }
/// impl TypedEvent for MoveV1 { const TYPE: &'static str = "player.move"; }
///
/// #[derive(Serialize, Deserialize, Debug, PartialEq)]
/// struct MoveV2 { room: String, steps: u32 }
/// impl TypedEvent for MoveV2 {
///     const TYPE: &'static str = "player.move";
///     const SCHEMA: u32 = 2;
/// }
///
/// let up = Upcasters::new().with_typed(|old: MoveV1| MoveV2 { room: old.to, steps: 1 });
/// let mut log = EventLog::new();
/// let old = log.add_typed(&MoveV1 { to: "hall".into() }, None)?.clone();
/// let new = up.upcast(&old)?.expect("a v1 event is upcast");
/// assert_eq!((new.schema(), new.id()), (2, old.id()));
/// assert_eq!(new.payload::<MoveV2>().unwrap()?, MoveV2 { room: "hall".into(), steps: 1 });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default)]
pub struct Upcasters(Arc<Registry>);

impl Upcasters {
    /// No steps: every event passes unchanged.
    pub fn new() -> Upcasters {
        Upcasters::default()
    }

    fn registry(&mut self) -> &mut Registry {
        Arc::make_mut(&mut self.0)
    }

    fn note_newest(&mut self, name: &str, schema: u32) {
        let newest = self.registry().newest.entry(name.into()).or_insert(schema);
        *newest = (*newest).max(schema);
    }

    fn add_step(&mut self, from: (&str, u32), to: (&str, u32), run: Arc<StepFn>) {
        self.note_newest(from.0, from.1);
        self.note_newest(to.0, to.1);
        let step = Step {
            to_type: to.0.into(),
            to_schema: to.1,
            run,
        };
        let steps = self.registry().steps.entry(from.0.into()).or_default();
        steps.retain(|(v, _)| *v != from.1);
        steps.push((from.1, step));
    }

    /// Adds the step from `Old` (its `TYPE` at its `SCHEMA`) to `New`,
    /// whose `SCHEMA` must be the next one (a compile error otherwise); the
    /// type may be renamed. Data that does not decode into `Old` is an
    /// upcast error.
    ///
    /// ```compile_fail
    /// # use serde::{Deserialize, Serialize};
    /// # use tickcascade::{TypedEvent, Upcasters};
    /// #[derive(Serialize, Deserialize)] struct V1 { a: u32 }
    /// impl TypedEvent for V1 { const TYPE: &'static str = "t"; }
    /// #[derive(Serialize, Deserialize)] struct V3 { a: u32 }
    /// impl TypedEvent for V3 { const TYPE: &'static str = "t"; const SCHEMA: u32 = 3; }
    /// // 1 → 3 skips a version: refused when compiled.
    /// let _ = Upcasters::new().with_typed(|v: V1| V3 { a: v.a });
    /// ```
    pub fn with_typed<Old: TypedEvent, New: TypedEvent>(
        mut self,
        step: impl Fn(Old) -> New + Send + Sync + 'static,
    ) -> Self {
        const {
            assert!(
                New::SCHEMA == Old::SCHEMA + 1,
                "an upcaster goes from one schema version to the next"
            );
        }
        let run = move |text: &str| -> Result<String, UpcastErrorKind> {
            let old: Old = serde_json::from_str(text).map_err(|e| {
                UpcastErrorKind::Decode(format!(
                    "does not decode into {}: {e}",
                    std::any::type_name::<Old>()
                ))
            })?;
            canonical(&step(old))
        };
        self.add_step(
            (Old::TYPE, Old::SCHEMA),
            (New::TYPE, New::SCHEMA),
            Arc::new(run),
        );
        self
    }

    /// The escape hatch: a step on the data as a `serde_json::Value`, from
    /// `from_type` at `from_schema` to `to_type` at `from_schema + 1`. Data
    /// that reading as a `Value` would change (an integer wider than 64
    /// bits, nesting deeper than serde_json's 128 levels) is refused with
    /// [`UpcastErrorKind::Unrepresentable`], never altered; an `Err` from
    /// the step is [`UpcastErrorKind::Step`].
    ///
    /// ```
    /// use serde_json::json;
    /// use tickcascade::{EventLog, Upcasters, UpcastErrorKind};
    /// let up = Upcasters::new().with_json("hit", 1, "combat.hit", |mut v| {
    ///     v["amount"] = v["damage"].take();
    ///     v.as_object_mut().ok_or("not an object")?.shift_remove("damage");
    ///     Ok(v)
    /// });
    /// let mut log = EventLog::new();
    /// let e = log.add_event("hit", &json!({"damage": 3}), None)?.clone();
    /// let new = up.upcast(&e)?.unwrap();
    /// assert_eq!((new.event_type(), new.schema(), new.data_json()), ("combat.hit", 2, r#"{"amount": 3}"#));
    /// let huge = log.add_event_json("hit", r#"{"damage": 123456789012345678901234567890}"#, None)?.clone();
    /// assert!(matches!(up.upcast(&huge).unwrap_err().kind(), UpcastErrorKind::Unrepresentable(_)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_json(
        mut self,
        from_type: &str,
        from_schema: u32,
        to_type: &str,
        step: impl Fn(serde_json::Value) -> Result<serde_json::Value, String> + Send + Sync + 'static,
    ) -> Self {
        let from_schema = from_schema.max(1);
        let run = move |text: &str| -> Result<String, UpcastErrorKind> {
            let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
                UpcastErrorKind::Unrepresentable(format!("serde_json cannot read it: {e}"))
            })?;
            if canonical(&value)? != text {
                return Err(UpcastErrorKind::Unrepresentable(
                    "reading it as a serde_json::Value would change it (a number it cannot hold \
                     exactly): write a typed step"
                        .into(),
                ));
            }
            canonical(&step(value).map_err(UpcastErrorKind::Step)?)
        };
        self.add_step(
            (from_type, from_schema),
            (to_type, from_schema.saturating_add(1)),
            Arc::new(run),
        );
        self
    }

    /// Declares `T`'s `SCHEMA` the newest version of its type, so an event
    /// of a later version is an error ([`UpcastErrorKind::Newer`]) instead
    /// of passing unchanged. Types a step reaches are declared already.
    pub fn with_current<T: TypedEvent>(mut self) -> Self {
        self.note_newest(T::TYPE, T::SCHEMA);
        self
    }

    /// [`Upcasters::with_current`] by name, for callers without a Rust type
    /// (the Python package): `schema` is the newest version of `event_type`.
    ///
    /// ```
    /// use tickcascade::Upcasters;
    /// let up = Upcasters::new().with_current_version("ping", 2);
    /// assert_eq!(up.newest("ping"), Some(2));
    /// ```
    pub fn with_current_version(mut self, event_type: &str, schema: u32) -> Self {
        self.note_newest(event_type, schema.max(1));
        self
    }

    /// Whether an event that cannot be upcast is skipped and counted (by a
    /// load, a replay, a typed handler) instead of stopping it. Off by
    /// default: such an event is an error naming it.
    pub fn with_lenient(mut self, lenient: bool) -> Self {
        self.registry().lenient = lenient;
        self
    }

    /// True when events that cannot be upcast are skipped and counted.
    pub fn is_lenient(&self) -> bool {
        self.0.lenient
    }

    /// Events that typed handlers and [`Event::payload_upcast`] skipped
    /// because lenient upcasters could not bring them up (loads and replays
    /// count theirs in their own reports).
    pub fn skipped(&self) -> u64 {
        self.0.skipped.load(Ordering::Relaxed)
    }

    pub(crate) fn count_skipped(&self) {
        self.0.skipped.fetch_add(1, Ordering::Relaxed);
    }

    /// True when no step or version is known (every event passes).
    pub fn is_empty(&self) -> bool {
        self.0.newest.is_empty()
    }

    /// The newest version of `event_type` these steps know, if any.
    pub fn newest(&self, event_type: &str) -> Option<u32> {
        self.0.newest.get(event_type).copied()
    }

    /// Runs the chain on a type name, version and canonical data text:
    /// `Ok(None)` when nothing applies (the newest version already, or a
    /// type these steps do not know).
    pub(crate) fn upcast_parts(
        &self,
        event_type: &str,
        schema: u32,
        data: &str,
    ) -> Result<Option<(Box<str>, u32, String)>, UpcastError> {
        if self.0.newest.is_empty() || !self.0.newest.contains_key(event_type) {
            return Ok(None);
        }
        let mut current: Option<(Box<str>, u32, String)> = None;
        loop {
            let (name, version, text) = match &current {
                Some((n, v, t)) => (&**n, *v, t.as_str()),
                None => (event_type, schema, data),
            };
            let fail = |kind| UpcastError {
                event_type: name.to_owned(),
                schema: version,
                kind,
            };
            let step = self
                .0
                .steps
                .get(name)
                .and_then(|steps| steps.iter().find(|(v, _)| *v == version).map(|(_, s)| s));
            let Some(step) = step else {
                return match self.newest(name) {
                    Some(newest) if version > newest => {
                        Err(fail(UpcastErrorKind::Newer { newest }))
                    }
                    Some(newest) if version < newest => Err(fail(UpcastErrorKind::NoStep)),
                    _ => Ok(current),
                };
            };
            // Steps raise the version, so the chain ends (each step once);
            // only a `with_json` step from u32::MAX could not.
            if step.to_schema <= version {
                return Err(fail(UpcastErrorKind::Step(
                    "no version follows this one".into(),
                )));
            }
            let next = (step.run)(text).map_err(fail)?;
            current = Some((step.to_type.clone(), step.to_schema, next));
        }
    }

    /// The event at the newest version these steps know (same id, tick,
    /// timestamp, parent); `Ok(None)` when it is that already or its type
    /// is one they do not know.
    pub fn upcast(&self, event: &Event) -> Result<Option<Event>, UpcastError> {
        let up = self.upcast_parts(event.event_type(), event.schema(), event.data_json())?;
        Ok(up.map(|(name, schema, text)| Event {
            kind: EventType::with_schema(&name, schema),
            data: crate::event::Data::from_canonical(&text),
            ..event.clone()
        }))
    }
}

impl fmt::Debug for Upcasters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut steps: Vec<String> = (self.0.steps.iter())
            .flat_map(|(name, steps)| {
                steps
                    .iter()
                    .map(move |(v, s)| format!("{name} v{v} -> {} v{}", s.to_type, s.to_schema))
            })
            .collect();
        steps.sort();
        f.debug_list().entries(steps).finish()
    }
}

/// Two handles are equal when they share one set of steps.
impl PartialEq for Upcasters {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Upcasters {}

fn canonical<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, UpcastErrorKind> {
    let mut out = String::new();
    write_canonical(value, &mut out).map_err(|e| UpcastErrorKind::Step(e.to_string()))?;
    Ok(out)
}

/// Why an event could not be upcast: its type and version where the chain
/// stopped, and the kind.
///
/// ```
/// use tickcascade::{EventLog, TypedEvent, Upcasters, UpcastErrorKind};
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Ping { n: u32 }
/// impl TypedEvent for Ping { const TYPE: &'static str = "ping"; }
/// let up = Upcasters::new().with_current::<Ping>();
/// let mut log = EventLog::new();
/// let future = log.add_event("ping", &(), None)?.clone().with_schema(3);
/// let err = up.upcast(&future).unwrap_err();
/// assert_eq!(err.kind(), &UpcastErrorKind::Newer { newest: 1 });
/// assert_eq!(err.to_string(), "\"ping\" schema 3 is newer than this code knows (1)");
/// # Ok::<(), tickcascade::DataError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpcastError {
    /// The type name where the chain stopped.
    pub event_type: String,
    /// The version where it stopped.
    pub schema: u32,
    kind: UpcastErrorKind,
}

impl UpcastError {
    /// What went wrong.
    pub fn kind(&self) -> &UpcastErrorKind {
        &self.kind
    }
}

/// The kinds of [`UpcastError`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UpcastErrorKind {
    /// The version is above the newest the code knows: a log written by
    /// newer code.
    Newer {
        /// The newest version known.
        newest: u32,
    },
    /// No step reads this version, though a newer one is known.
    NoStep,
    /// The data does not decode into the typed step's old struct.
    Decode(String),
    /// A `with_json` step refused data it would change by reading it.
    Unrepresentable(String),
    /// The step itself failed (or wrote data JSON cannot hold).
    Step(String),
}

impl fmt::Display for UpcastError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (t, v) = (&self.event_type, self.schema);
        match &self.kind {
            UpcastErrorKind::Newer { newest } => write!(
                f,
                "{t:?} schema {v} is newer than this code knows ({newest})"
            ),
            UpcastErrorKind::NoStep => write!(f, "{t:?} schema {v} has no upcaster to the next"),
            UpcastErrorKind::Decode(m) => write!(f, "{t:?} schema {v} upcast: data {m}"),
            UpcastErrorKind::Unrepresentable(m) => {
                write!(f, "{t:?} schema {v} upcast refused: {m}")
            }
            UpcastErrorKind::Step(m) => write!(f, "{t:?} schema {v} upcast failed: {m}"),
        }
    }
}

impl std::error::Error for UpcastError {}

#[cfg(test)]
mod tests;
