//! `Event`: one thing that happened at a tick, with its cause.
//!
//! Events are immutable and cheap to clone (the type, data and text ids are
//! shared behind counted pointers). Data is kept as canonical JSON text, the bytes
//! Eventure writes for it, and decoded on demand with [`Event::data_as`].

pub(crate) use crate::arena::Data;
use crate::id::{EventId, IdHash};
use crate::json::float::{NonFinite, write_float, write_micros};
use crate::json::ser::{DataError, write_canonical};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

#[derive(Debug)]
struct TypeInfo {
    name: Box<str>,
    hash: IdHash,
    /// The name as a JSON string, quotes included.
    json: Box<str>,
    /// The schema version of the data (1: Eventure's shape, no key written).
    schema: u32,
}

/// An event type name and the schema version of its data, interned: its id
/// hash and JSON spelling are worked out once, and clones share them.
///
/// ```
/// use tickcascade::EventType;
/// let t = EventType::new("combat.attack");
/// assert_eq!((t.as_str(), t.schema()), ("combat.attack", 1));
/// let v2 = EventType::with_schema("combat.attack", 2);
/// assert_ne!(t, v2);
/// ```
#[derive(Clone, Debug)]
pub struct EventType(Arc<TypeInfo>);

impl EventType {
    /// Interns nothing by itself: an `EventLog` keeps one per distinct name.
    pub fn new(name: &str) -> EventType {
        EventType::with_schema(name, 1)
    }

    /// The type at schema version `schema` (0 counts as 1: versions start
    /// at 1). The id hash is the name's alone: a new version of a type
    /// numbers its ids as the old one did.
    pub fn with_schema(name: &str, schema: u32) -> EventType {
        let mut json = String::with_capacity(name.len() + 2);
        crate::json::escape::write_json_str(&mut json, name);
        EventType(Arc::new(TypeInfo {
            name: name.into(),
            hash: IdHash::of_type(name),
            json: json.into(),
            schema: schema.max(1),
        }))
    }

    /// The schema version of this type's data (1 unless declared).
    pub fn schema(&self) -> u32 {
        self.0.schema
    }

    /// The type name.
    pub fn as_str(&self) -> &str {
        &self.0.name
    }

    pub(crate) fn hash(&self) -> IdHash {
        self.0.hash
    }

    pub(crate) fn json(&self) -> &str {
        &self.0.json
    }
}

impl PartialEq for EventType {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
            || (self.0.name == other.0.name && self.0.schema == other.0.schema)
    }
}

impl Eq for EventType {}

/// When an event happened, in seconds since the Unix epoch. Keeps the form
/// it was written in: `10` stays an integer, `15.0` a float.
///
/// ```
/// use tickcascade::Timestamp;
/// assert_eq!(Timestamp::from_secs(1e-05).to_string(), "1e-05");
/// assert_eq!(Timestamp::from_int(10).to_string(), "10");
/// ```
#[derive(Clone, Debug)]
pub struct Timestamp(TsRepr);

#[derive(Clone, Debug)]
enum TsRepr {
    Float(f64),
    /// A float made from whole microseconds: `micros / 1e6`, divided when
    /// it is read (the clocks stamp events this way; dividing on every
    /// publish cost more than the rest of the stamp).
    Micros(i64),
    Int(i64),
    /// An integer beyond i64, kept as its decimal text (and its value).
    BigInt(Arc<(Box<str>, f64)>),
}

impl Timestamp {
    /// A float timestamp.
    pub fn from_secs(secs: f64) -> Timestamp {
        Timestamp(TsRepr::Float(secs))
    }

    /// The float `micros / 1e6` (correctly rounded, as Python's
    /// `datetime.timestamp()` gives it), kept as the integer until read.
    ///
    /// ```
    /// use tickcascade::Timestamp;
    /// let t = Timestamp::from_micros(1_795_373_416_833_084);
    /// assert_eq!(t.to_string(), "1795373416.833084");
    /// assert_eq!(t, Timestamp::from_secs(1795373416.833084));
    /// ```
    pub fn from_micros(micros: i64) -> Timestamp {
        Timestamp(TsRepr::Micros(micros))
    }

    /// An integer timestamp (written without a fraction).
    pub fn from_int(secs: i64) -> Timestamp {
        Timestamp(TsRepr::Int(secs))
    }

    pub(crate) fn from_big_int(text: &str) -> Timestamp {
        let value = text.parse().unwrap_or(f64::NAN);
        Timestamp(TsRepr::BigInt(Arc::new((text.into(), value))))
    }

    /// The value as a float (what ordering uses).
    pub fn as_f64(&self) -> f64 {
        match &self.0 {
            TsRepr::Float(v) => *v,
            TsRepr::Micros(m) => *m as f64 / 1e6,
            TsRepr::BigInt(big) => big.1,
            TsRepr::Int(v) => *v as f64,
        }
    }

    /// The key the viewers sort by: the value, with `-0.0 == 0.0` as in
    /// Python; NaN sorts after everything (Python's order is undefined there).
    pub(crate) fn sort_key(&self) -> f64 {
        let v = self.as_f64();
        if v == 0.0 { 0.0 } else { v }
    }

    /// Appends the timestamp as JSON (the form it was written in).
    pub(crate) fn push_json(&self, out: &mut String) {
        match &self.0 {
            TsRepr::Float(v) => write_float(out, *v, NonFinite::Json),
            TsRepr::Micros(m) => write_micros(out, *m),
            TsRepr::Int(v) => out.push_str(itoa::Buffer::new().format(*v)),
            TsRepr::BigInt(big) => out.push_str(&big.0),
        }
    }
}

/// Equal when both are floats of one value (however they were made), or
/// both integers of one value.
impl PartialEq for Timestamp {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (TsRepr::Int(a), TsRepr::Int(b)) => a == b,
            (TsRepr::BigInt(a), TsRepr::BigInt(b)) => a == b,
            (TsRepr::Float(_) | TsRepr::Micros(_), TsRepr::Float(_) | TsRepr::Micros(_)) => {
                self.as_f64() == other.as_f64()
            }
            _ => false,
        }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        self.push_json(&mut s);
        f.write_str(&s)
    }
}

const _: () = assert!(std::mem::size_of::<Timestamp>() == 16);
const _: () = assert!(std::mem::size_of::<Event>() == 80);

/// One event: tick, timestamp, type, data, id and the id of its cause.
///
/// ```
/// use tickcascade::{EventLog, Event};
/// use serde_json::json;
/// let mut log = EventLog::new();
/// let e: Event = log.add_event("user.login", &json!({"user_id": 123}), None)?.clone();
/// assert_eq!(e.id().to_string(), "0-EFCF-1");
/// assert_eq!(e.data_as::<serde_json::Value>()?["user_id"], 123);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub(crate) tick: i64,
    pub(crate) timestamp: Timestamp,
    pub(crate) kind: EventType,
    pub(crate) data: Data,
    pub(crate) id: EventId,
    pub(crate) parent: Option<EventId>,
}

impl Event {
    /// Builds an event with an explicit id (a log generates ids itself; see
    /// [`crate::EventLog::add_event`]). Fails on data JSON cannot hold.
    pub fn new<T: Serialize + ?Sized>(
        tick: i64,
        timestamp: Timestamp,
        event_type: &str,
        data: &T,
        id: EventId,
        parent_id: Option<EventId>,
    ) -> Result<Event, DataError> {
        let mut text = String::new();
        write_canonical(data, &mut text)?;
        Ok(Event {
            tick,
            timestamp,
            kind: EventType::new(event_type),
            data: Data::from_canonical(&text),
            id,
            parent: parent_id,
        })
    }

    /// The tick the event happened in.
    pub fn tick(&self) -> i64 {
        self.tick
    }

    /// When it was logged.
    pub fn timestamp(&self) -> &Timestamp {
        &self.timestamp
    }

    /// Its type name, e.g. `combat.attack`.
    pub fn event_type(&self) -> &str {
        self.kind.as_str()
    }

    /// The schema version of its data: 1 (Eventure's events, and any line
    /// without a `"schema"` key) unless its type declared another.
    ///
    /// ```
    /// use tickcascade::{Event, EventId, Timestamp};
    /// let e = Event::new(0, Timestamp::from_int(1), "player.move", &(), EventId::from("a"), None)?;
    /// assert_eq!(e.schema(), 1);
    /// let v2 = e.with_schema(2);
    /// assert!(v2.to_json().ends_with(r#""parent_id": null, "schema": 2}"#));
    /// # Ok::<(), tickcascade::DataError>(())
    /// ```
    pub fn schema(&self) -> u32 {
        self.kind.schema()
    }

    /// The same event with its data declared at schema version `schema`
    /// (the data itself is unchanged; see [`crate::Upcasters`] to change it).
    pub fn with_schema(self, schema: u32) -> Event {
        Event {
            kind: EventType::with_schema(self.kind.as_str(), schema),
            ..self
        }
    }

    /// Its id.
    pub fn id(&self) -> &EventId {
        &self.id
    }

    /// The id of the event that caused it, if any.
    pub fn parent_id(&self) -> Option<&EventId> {
        self.parent.as_ref()
    }

    /// True when the parent id is set and not empty (Eventure's test).
    pub(crate) fn has_parent(&self) -> bool {
        self.parent.as_ref().is_some_and(|p| !p.is_empty())
    }

    /// The data as canonical JSON text.
    pub fn data_json(&self) -> &str {
        self.data.as_str()
    }

    /// Decodes the data into any `Deserialize` type.
    pub fn data_as<'de, T: Deserialize<'de>>(&'de self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.data.as_str())
    }

    /// One top-level member of the data, decoded on its own (nothing else
    /// is parsed): Eventure's `event.data[key]`. `Ok(None)` when the data
    /// is not an object or has no such key.
    ///
    /// ```
    /// use tickcascade::EventLog;
    /// use serde_json::json;
    /// let mut log = EventLog::new();
    /// let e = log.add_event("combat.attack", &json!({"target": "orc", "power": 7}), None)?;
    /// assert_eq!(e.data_get::<u64>("power")?, Some(7));
    /// assert_eq!(e.data_get::<&str>("target")?, Some("orc"));
    /// assert_eq!(e.data_get::<u64>("speed")?, None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn data_get<'de, T: Deserialize<'de>>(
        &'de self,
        key: &str,
    ) -> Result<Option<T>, serde_json::Error> {
        let key_body = crate::json::escape::json_str_body(key);
        match crate::json::tokens::member_value(self.data.as_str(), &key_body) {
            Some(value) => crate::json::de::from_value_text(value).map(Some),
            None => Ok(None),
        }
    }

    /// One top-level member of the data, decoded: the common case of
    /// [`data_get`](Self::data_get), with a missing key an error of kind
    /// [`DataErrorKind::MissingKey`](crate::DataErrorKind) and a value of the
    /// wrong shape one of kind `Decode` (both name the key).
    pub fn data_field<'de, T: Deserialize<'de>>(&'de self, key: &str) -> Result<T, DataError> {
        match self.data_get::<T>(key) {
            Ok(Some(v)) => Ok(v),
            Ok(None) => Err(DataError::new(
                crate::json::ser::DataErrorKind::MissingKey,
                format!(
                    "event {} ({:?}) has no data key {key:?}",
                    self.id,
                    self.event_type()
                ),
            )),
            Err(e) => Err(DataError::new(
                crate::json::ser::DataErrorKind::Decode,
                format!(
                    "event {} ({:?}), data key {key:?}: {e}",
                    self.id,
                    self.event_type()
                ),
            )),
        }
    }

    /// The event as one line of Eventure's JSONL (no newline).
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(96 + self.data.as_str().len());
        self.push_json(&mut out);
        out
    }

    /// Appends [`to_json`](Self::to_json)'s text to `out` (one JSONL line
    /// without its newline).
    pub fn push_json(&self, out: &mut String) {
        out.push_str("{\"tick\": ");
        out.push_str(itoa::Buffer::new().format(self.tick));
        out.push_str(", \"timestamp\": ");
        self.timestamp.push_json(out);
        out.push_str(", \"type\": ");
        out.push_str(self.kind.json());
        out.push_str(", \"data\": ");
        out.push_str(self.data.as_str());
        out.push_str(", \"event_id\": ");
        self.id.push_json(out);
        out.push_str(", \"parent_id\": ");
        match &self.parent {
            Some(p) => p.push_json(out),
            None => out.push_str("null"),
        }
        // After Eventure's six keys (Eventure ignores it when loading).
        let schema = self.kind.schema();
        if schema > 1 {
            out.push_str(", \"schema\": ");
            out.push_str(itoa::Buffer::new().format(schema));
        }
        out.push('}');
    }
}
