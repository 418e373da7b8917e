//! Delivery to a Mixpanel-style collector (`POST /track`, `/engage`,
//! `/alias`) with the Cohorly SDK's retry contract, as a subscriber on the
//! bus. See docs/delivery.md.
//!
//! - [`message`](Client): message shapes, the direct client, the mapping from
//!   logged events with deduplicating `$insert_id`s.
//! - [`transport`](Transport): one POST and its outcome; `http`
//!   (`HttpTransport`, ureq with a timeout) behind the default `http` feature.
//! - [`consumer`](BufferedConsumer): synchronous and buffered consumers.
//! - [`spool`](Spool): the durable spool.
//! - [`background`](Background): the optional delivery thread.
//! - [`runner`](RunnerDelivery): delivery wired into a simulation `Runner` in
//!   one call ([`DeliverAnalytics`]).

#[cfg(feature = "http")]
mod background;
mod consumer;
#[cfg(feature = "http")]
mod http;
mod message;
mod runner;
mod spool;
mod transport;

#[cfg(feature = "http")]
pub use background::Background;
pub use consumer::{
    BufferedConfig, BufferedConsumer, DeliveryClock, DeliveryStats, Jitter, MAX_BATCH,
    MIN_RETRY_AFTER, ManualClock, Redirect, RetryPolicy, SyncConsumer, SystemClock, seeded_jitter,
};
#[cfg(feature = "http")]
pub use http::HttpTransport;
pub use message::{Client, EventMapper, MappedEvents, Outgoing, insert_id, run_id_of};
pub use runner::{DeliverAnalytics, DeliveryHandle, RunnerDelivery};
pub use spool::{Outcome, Spool, SpoolState};
pub use transport::{NetworkFailure, Response, Transport, parse_retry_after};

use std::sync::{Arc, Mutex};
use tickcascade::EventBus;

/// A collector endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `POST /track`: events.
    Track,
    /// `POST /engage`: profile (people) updates.
    Engage,
    /// `POST /alias`: identity merges.
    Alias,
}

impl Endpoint {
    /// Every endpoint, in the order reports list them.
    pub const ALL: [Endpoint; 3] = [Endpoint::Track, Endpoint::Engage, Endpoint::Alias];

    /// The URL path (`/track`, ...).
    pub fn path(self) -> &'static str {
        match self {
            Endpoint::Track => "/track",
            Endpoint::Engage => "/engage",
            Endpoint::Alias => "/alias",
        }
    }

    /// The name used in reports and the spool (`track`, ...).
    pub fn name(self) -> &'static str {
        &self.path()[1..]
    }

    /// The endpoint a name (as `name` gives it) stands for.
    pub fn from_name(name: &str) -> Option<Endpoint> {
        Endpoint::ALL.into_iter().find(|e| e.name() == name)
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// Messages the delivery subscriber mapped, waiting for `pump`.
#[derive(Clone, Default)]
pub struct Outbox(Arc<Mutex<Vec<Result<Outgoing, &'static str>>>>);

/// Subscribes a mapper to `analytics.*`: every analytics event the bus logs
/// is mapped and put in the returned outbox. Nothing is sent from the
/// handler; the loop calls [`pump`].
pub fn subscribe<S: 'static>(bus: &mut EventBus<S>, mapper: EventMapper) -> Outbox {
    let outbox = Outbox::default();
    let sink = outbox.clone();
    let mapper = Mutex::new(mapper);
    bus.subscribe("analytics.*", move |_ctx, e| {
        // A poisoned lock (a panic while mapping) still holds good data.
        let mapped = mapper.lock().unwrap_or_else(|p| p.into_inner()).map(e);
        if let Some(m) = mapped {
            sink.0.lock().unwrap_or_else(|p| p.into_inner()).push(m);
        }
        Ok(())
    });
    outbox
}

/// From the game loop: moves the outbox into the consumer and does at most
/// `max_requests` requests; returns what was sent, retried and dropped.
///
/// Nothing is published: what the network did never enters the
/// simulation's log, so a seed gives the same log byte for byte whether the
/// collector was up or not. Keep the reports where you choose (a metrics
/// line, a separate log).
pub fn pump<T: Transport, C: DeliveryClock>(
    outbox: &Outbox,
    consumer: &mut BufferedConsumer<T, C>,
    max_requests: usize,
) -> DeliveryStats {
    let mut skipped = DeliveryStats::default();
    for m in outbox.0.lock().unwrap_or_else(|p| p.into_inner()).drain(..) {
        match m {
            Ok(o) => consumer.send(o.endpoint, o.key.as_deref(), o.body),
            Err(reason) => skipped.drop(reason, 1, None),
        }
    }
    let mut report = consumer.pump(max_requests);
    for (k, v) in skipped.dropped {
        *report.dropped.entry(k).or_default() += v;
    }
    report
}
