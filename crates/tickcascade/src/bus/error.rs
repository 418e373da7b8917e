//! Why a publish failed: `PublishError`, and `HandlerError`, what a handler
//! may return.

use crate::id::EventId;
use crate::json::ser::DataError;
use std::fmt;

/// What a handler returns when it fails: any error (`?` works on any
/// `std::error::Error + Send + Sync`, and on strings through `From`).
///
/// ```
/// use tickcascade::HandlerError;
/// let e: HandlerError = "out of stock".into();
/// assert_eq!(e.to_string(), "out of stock");
/// ```
pub type HandlerError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a publish did not happen, or did not finish.
///
/// ```
/// use tickcascade::{EventBus, EventLog, PublishError};
/// let mut bus = EventBus::new(EventLog::new());
/// bus.subscribe("order.placed", |_, _| Err("out of stock".into()));
/// let err = bus.publish("order.placed", &()).unwrap_err();
/// assert!(matches!(&err, PublishError::Handler { event_type, .. } if event_type == "order.placed"));
/// assert_eq!(bus.log().len(), 1); // the event stays logged
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum PublishError {
    /// The data cannot be written as JSON (NaN, a duplicate key, ...). The
    /// event was not logged.
    Data(DataError),
    /// Handlers nested publishes deeper than
    /// [`BusConfig::max_depth`](crate::BusConfig). The event was not logged.
    DepthLimit {
        /// The type of the event that was not logged.
        event_type: String,
        /// The `max_depth` in force.
        limit: usize,
    },
    /// A handler of the event returned an error. The event, and every event
    /// published before the error, stay logged; the handlers after the
    /// failing one did not run for this event.
    Handler {
        /// The event that was being handled.
        event_id: EventId,
        /// Its type.
        event_type: String,
        /// What the handler returned (for a handler that passed on a nested
        /// publish's failure with `?`, that `PublishError`).
        source: HandlerError,
    },
    /// [`EventBus::dispatch`](crate::EventBus::dispatch) could not bring
    /// an event to the version the bus's upcasters know.
    Upcast {
        /// The event.
        event_id: EventId,
        /// Why.
        source: crate::upcast::UpcastError,
    },
}

impl fmt::Display for PublishError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PublishError::Data(e) => write!(f, "event data: {e}"),
            PublishError::DepthLimit { event_type, limit } => write!(
                f,
                "publishing {event_type:?} would nest handlers deeper than {limit} levels \
                 (raise BusConfig::max_depth if this recursion is intended)"
            ),
            PublishError::Handler {
                event_id,
                event_type,
                source,
            } => write!(
                f,
                "a handler of {event_type:?} event {event_id} failed: {source}"
            ),
            PublishError::Upcast { event_id, source } => {
                write!(f, "event {event_id} cannot be dispatched: {source}")
            }
        }
    }
}

impl std::error::Error for PublishError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PublishError::Data(e) => Some(e),
            PublishError::Handler { source, .. } => Some(source.as_ref()),
            PublishError::Upcast { source, .. } => Some(source),
            PublishError::DepthLimit { .. } => None,
        }
    }
}

impl From<DataError> for PublishError {
    fn from(e: DataError) -> Self {
        PublishError::Data(e)
    }
}
