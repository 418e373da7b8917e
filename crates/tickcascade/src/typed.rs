//! Typed events: a Rust type that names its event type, so handlers get
//! the decoded payload and a mistyped pattern cannot happen.
//!
//! The wire format stays Eventure's: the type string and the payload as JSON
//! data (keys in struct field order). Typed handlers and string patterns,
//! wildcards included, mix freely on one bus.

use crate::bus::{Context, EventBus, HandlerError, Publish, PublishError, Subscription};
use crate::event::Event;
use crate::id::EventId;
use crate::json::ser::DataError;
use crate::log::EventLog;
use crate::upcast::Upcasters;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;

/// An event type with a typed payload (in the spirit of bevy's `Message`).
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use tickcascade::{EventBus, EventLog, TypedEvent};
///
/// #[derive(Serialize, Deserialize)]
/// struct Attack { power: u64 }
/// impl TypedEvent for Attack { const TYPE: &'static str = "combat.attack"; }
///
/// #[derive(Serialize, Deserialize)]
/// struct Damage { amount: u64 }
/// impl TypedEvent for Damage { const TYPE: &'static str = "combat.damage"; }
///
/// let mut bus = EventBus::with_state(EventLog::new(), 0u64);
/// bus.on::<Attack>(|ctx, _event, attack| {
///     ctx.emit(&Damage { amount: attack.power * 2 })?; // a child of the attack
///     Ok(())
/// });
/// bus.on::<Damage>(|ctx, _, damage| {
///     *ctx.state() += damage.amount;
///     Ok(())
/// });
/// bus.emit(&Attack { power: 7 })?;
/// assert_eq!(*bus.state(), 14);
/// assert_eq!(bus.log().events()[1].data_json(), r#"{"amount": 14}"#);
/// # Ok::<(), tickcascade::PublishError>(())
/// ```
pub trait TypedEvent: Serialize + DeserializeOwned + 'static {
    /// The event type string, as logged (`"combat.damage"`).
    const TYPE: &'static str;

    /// The schema version of this payload's shape (default 1). Events of a
    /// version above 1 are written with a `"schema"` key after Eventure's
    /// six; an old version's data reaches this type through
    /// [`Upcasters`](crate::Upcasters).
    const SCHEMA: u32 = 1;
}

/// A logged event's data that does not decode into the handler's type
/// (carried as the source of [`PublishError::Handler`]).
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use tickcascade::{EventBus, EventLog, PayloadError, PublishError, TypedEvent};
///
/// #[derive(Serialize, Deserialize)]
/// struct Heal { amount: u64 }
/// impl TypedEvent for Heal { const TYPE: &'static str = "player.heal"; }
///
/// let mut bus = EventBus::new(EventLog::new());
/// bus.on::<Heal>(|_, _, _| Ok(()));
/// let err = bus.publish("player.heal", &"lots").unwrap_err();
/// let PublishError::Handler { source, .. } = &err else { panic!("{err}") };
/// let payload = source.downcast_ref::<PayloadError>().expect("a payload error");
/// assert_eq!(payload.event_type, "player.heal");
/// assert!(payload.to_string().contains("0-"), "{payload}");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct PayloadError {
    /// The event whose data did not decode.
    pub event_id: EventId,
    /// Its type.
    pub event_type: String,
    /// The Rust type the handler wanted.
    pub wanted: &'static str,
    /// serde's message.
    pub message: String,
}

impl fmt::Display for PayloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "event {} ({:?}): data does not decode into {}: {}",
            self.event_id, self.event_type, self.wanted, self.message
        )
    }
}

impl std::error::Error for PayloadError {}

/// Decodes `event`'s data as `T`, naming the event when it cannot.
pub(crate) fn decode<T: TypedEvent>(event: &Event) -> Result<T, PayloadError> {
    let error = |message: String| PayloadError {
        event_id: event.id().clone(),
        event_type: event.event_type().to_owned(),
        wanted: std::any::type_name::<T>(),
        message,
    };
    if event.schema() != T::SCHEMA {
        return Err(error(format!(
            "its data is schema version {}, this type reads version {} (upcast it first)",
            event.schema(),
            T::SCHEMA
        )));
    }
    event.data_as::<T>().map_err(|e| error(e.to_string()))
}

/// `decode` after upcasting with `upcasters` (an event the chain cannot
/// bring to `T`'s version is an error naming why). `Ok(None)`: skipped, as
/// lenient upcasters ask (and counted by them).
pub(crate) fn decode_upcast<T: TypedEvent>(
    event: &Event,
    upcasters: &Upcasters,
) -> Result<Option<T>, PayloadError> {
    if event.schema() == T::SCHEMA {
        return decode::<T>(event).map(Some);
    }
    match upcasters.upcast(event) {
        Ok(Some(up)) => decode::<T>(&up).map(Some),
        Ok(None) => decode::<T>(event).map(Some),
        Err(_) if upcasters.is_lenient() => {
            upcasters.count_skipped();
            Ok(None)
        }
        Err(e) => Err(PayloadError {
            event_id: event.id().clone(),
            event_type: event.event_type().to_owned(),
            wanted: std::any::type_name::<T>(),
            message: e.to_string(),
        }),
    }
}

impl<S> EventBus<S> {
    /// Subscribes a handler to `T::TYPE` that gets the payload decoded as
    /// `T`. A payload that does not decode is an error out of `publish`
    /// ([`PayloadError`] as the source of [`PublishError::Handler`]).
    pub fn on<T: TypedEvent>(
        &mut self,
        handler: impl Fn(&mut Context<'_, S>, &Event, T) -> Result<(), HandlerError>
        + Send
        + Sync
        + 'static,
    ) -> Subscription {
        self.subscribe(T::TYPE, move |ctx, e| {
            match decode_upcast::<T>(e, ctx.upcasters())? {
                Some(payload) => handler(ctx, e, payload),
                None => Ok(()),
            }
        })
    }

    /// Publishes `event` as a root event of type `T::TYPE`.
    pub fn emit<T: TypedEvent>(&mut self, event: &T) -> Result<&Event, PublishError> {
        self.publish_schema((T::TYPE, T::SCHEMA), event, None)
    }
}

impl<S> Context<'_, S> {
    /// Publishes `event` as a child of the event being handled.
    pub fn emit<T: TypedEvent>(&mut self, event: &T) -> Result<&Event, PublishError> {
        self.publish_schema((T::TYPE, T::SCHEMA), event, None)
    }

    /// Publishes `event` with any parent (or none): a cascade that hangs
    /// off an earlier child, as `publish_with_parent` does for strings.
    pub fn emit_with_parent<T: TypedEvent>(
        &mut self,
        event: &T,
        parent: Option<&EventId>,
    ) -> Result<&Event, PublishError> {
        self.publish_schema((T::TYPE, T::SCHEMA), event, Some(parent))
    }
}

impl Event {
    /// The payload as `T` when this event is of type `T::TYPE` (`None` for
    /// another type): how a projection matches typed events.
    ///
    /// ```
    /// use serde::{Deserialize, Serialize};
    /// use tickcascade::{EventLog, TypedEvent};
    /// #[derive(Serialize, Deserialize, Debug, PartialEq)]
    /// struct Sold { item: String }
    /// impl TypedEvent for Sold { const TYPE: &'static str = "shop.sold"; }
    /// let mut log = EventLog::new();
    /// let e = log.add_event("shop.sold", &Sold { item: "axe".into() }, None)?.clone();
    /// assert_eq!(e.payload::<Sold>().transpose()?, Some(Sold { item: "axe".into() }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// An event of `T::TYPE` at another schema version than `T::SCHEMA` is
    /// an error: use [`payload_upcast`](Self::payload_upcast) for logs that
    /// may hold old versions.
    pub fn payload<T: TypedEvent>(&self) -> Option<Result<T, PayloadError>> {
        (self.event_type() == T::TYPE).then(|| decode::<T>(self))
    }

    /// The payload as `T` after bringing the event to the newest version
    /// `upcasters` know (a renamed type included): `None` when the upcast
    /// event is not of type `T::TYPE`, or was skipped by lenient upcasters.
    ///
    /// ```
    /// use serde::{Deserialize, Serialize};
    /// use tickcascade::{EventLog, TypedEvent, Upcasters};
    /// #[derive(Serialize, Deserialize)]
    /// struct HitV1 { damage: u32 }
    /// impl TypedEvent for HitV1 { const TYPE: &'static str = "hit"; }
    /// #[derive(Serialize, Deserialize, Debug, PartialEq)]
    /// struct Hit { amount: u32, critical: bool }
    /// impl TypedEvent for Hit { const TYPE: &'static str = "combat.hit"; const SCHEMA: u32 = 2; }
    ///
    /// let up = Upcasters::new().with_typed(|v1: HitV1| Hit { amount: v1.damage, critical: false });
    /// let mut log = EventLog::new();
    /// let old = log.add_typed(&HitV1 { damage: 4 }, None)?.clone();
    /// assert!(old.payload::<Hit>().is_none()); // another type name
    /// let hit = old.payload_upcast::<Hit>(&up).transpose()?;
    /// assert_eq!(hit, Some(Hit { amount: 4, critical: false }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn payload_upcast<T: TypedEvent>(
        &self,
        upcasters: &Upcasters,
    ) -> Option<Result<T, PayloadError>> {
        match upcasters.upcast(self) {
            Ok(Some(up)) => up.payload::<T>(),
            Ok(None) => self.payload::<T>(),
            Err(_) if upcasters.is_lenient() => {
                upcasters.count_skipped();
                None
            }
            Err(e) => Some(Err(PayloadError {
                event_id: self.id().clone(),
                event_type: self.event_type().to_owned(),
                wanted: std::any::type_name::<T>(),
                message: e.to_string(),
            })),
        }
    }
}

impl EventLog {
    /// Logs a typed event (its type name and schema version) at the
    /// current tick, caused by `parent`: `add_event` for a [`TypedEvent`].
    pub fn add_typed<T: TypedEvent>(
        &mut self,
        event: &T,
        parent: Option<&EventId>,
    ) -> Result<&Event, DataError> {
        let (position, _) = self.add_new((T::TYPE, T::SCHEMA), event, parent, None)?;
        Ok(&self.events()[position])
    }
}

/// Publishing typed events through anything that can publish.
pub trait EmitTyped<S>: Publish<S> {
    /// Publishes `event` as an event of type `T::TYPE` (a root from the bus,
    /// a child from a context).
    fn emit_typed<T: TypedEvent>(&mut self, event: &T) -> Result<&Event, PublishError> {
        self.publish_at_schema(T::TYPE, T::SCHEMA, event)
    }
}

impl<S, P: Publish<S>> EmitTyped<S> for P {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EventLog;
    use serde::Deserialize;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Moved {
        to: String,
        steps: u32,
    }
    impl TypedEvent for Moved {
        const TYPE: &'static str = "player.move";
    }

    #[test]
    fn typed_and_string_handlers_mix_in_eventure_order() {
        let mut bus = EventBus::with_state(EventLog::new(), Vec::<String>::new());
        bus.subscribe("*", |ctx, _| {
            ctx.state().push("global".into());
            Ok(())
        });
        bus.on::<Moved>(|ctx, _, m| {
            ctx.state().push(format!("typed {} {}", m.to, m.steps));
            Ok(())
        });
        bus.subscribe("player.*", |ctx, _| {
            ctx.state().push("prefix".into());
            Ok(())
        });
        bus.emit(&Moved {
            to: "hall".into(),
            steps: 3,
        })
        .unwrap();
        assert_eq!(bus.state(), &["typed hall 3", "prefix", "global"]);
        // Keys in struct field order, as Eventure's json.dumps writes a dict.
        assert_eq!(
            bus.log().events()[0].data_json(),
            r#"{"to": "hall", "steps": 3}"#
        );
    }

    #[test]
    fn a_payload_of_the_wrong_shape_is_an_error_naming_the_event() {
        let mut bus = EventBus::new(EventLog::new());
        bus.on::<Moved>(|_, _, _| Ok(()));
        let err = bus
            .publish("player.move", &serde_json::json!({"to": 5}))
            .unwrap_err();
        let text = format!(
            "{err}: {}",
            std::error::Error::source(&err)
                .map(|s| s.to_string())
                .unwrap_or_default()
        );
        assert!(text.contains("player.move"), "{text}");
        assert!(text.contains("0-"), "{text}");
        assert!(text.contains("Moved"), "{text}");
        assert_eq!(bus.log().len(), 1);
    }
}
