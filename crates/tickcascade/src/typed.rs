//! Typed events: a Rust type that names its event type, so handlers get
//! the decoded payload and a mistyped pattern cannot happen.
//!
//! The wire format stays Eventure's: the type string and the payload as JSON
//! data (keys in struct field order). Typed handlers and string patterns,
//! wildcards included, mix freely on one bus.

use crate::bus::{Context, EventBus, HandlerError, Publish, PublishError, Subscription};
use crate::event::Event;
use crate::id::EventId;
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
    event.data_as::<T>().map_err(|e| PayloadError {
        event_id: event.id().clone(),
        event_type: event.event_type().to_owned(),
        wanted: std::any::type_name::<T>(),
        message: e.to_string(),
    })
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
        self.subscribe(T::TYPE, move |ctx, e| handler(ctx, e, decode::<T>(e)?))
    }

    /// Publishes `event` as a root event of type `T::TYPE`.
    pub fn emit<T: TypedEvent>(&mut self, event: &T) -> Result<&Event, PublishError> {
        self.publish(T::TYPE, event)
    }
}

impl<S> Context<'_, S> {
    /// Publishes `event` as a child of the event being handled.
    pub fn emit<T: TypedEvent>(&mut self, event: &T) -> Result<&Event, PublishError> {
        self.publish(T::TYPE, event)
    }

    /// Publishes `event` with any parent (or none): a cascade that hangs
    /// off an earlier child, as `publish_with_parent` does for strings.
    pub fn emit_with_parent<T: TypedEvent>(
        &mut self,
        event: &T,
        parent: Option<&EventId>,
    ) -> Result<&Event, PublishError> {
        self.publish_with_parent(T::TYPE, event, parent)
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
    pub fn payload<T: TypedEvent>(&self) -> Option<Result<T, PayloadError>> {
        (self.event_type() == T::TYPE).then(|| decode::<T>(self))
    }
}

/// Publishing typed events through anything that can publish.
pub trait EmitTyped<S>: Publish<S> {
    /// Publishes `event` as an event of type `T::TYPE` (a root from the bus,
    /// a child from a context).
    fn emit_typed<T: TypedEvent>(&mut self, event: &T) -> Result<&Event, PublishError> {
        self.publish(T::TYPE, event)
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
