//! Delivery wired into a simulation `Runner` in one call: the outbox
//! subscriber, a buffered consumer, and a bounded `pump` from the after-tick
//! hook. The core knows nothing of it: [`DeliverAnalytics`] is an extension
//! trait on `Runner`, implemented here.

use super::consumer::{
    BufferedConfig, BufferedConsumer, DeliveryClock, DeliveryStats, SystemClock, seeded_jitter,
};
use super::message::{EventMapper, MappedEvents};
use super::transport::Transport;
use super::{pump, subscribe};
use std::sync::{Arc, Mutex, PoisonError};
use tickcascade::sim::{Flow, Runner, Simulation};

/// What to deliver where: a collector URL and a project token, the rest
/// defaulted (the run id, at most 8 requests per tick, the buffered
/// contract's defaults) and changeable with the setters.
///
/// ```no_run
/// use tickcascade::sim::Runner;
/// use tickcascade_analytics::delivery::{DeliverAnalytics, RunnerDelivery};
/// # fn demo<S: tickcascade::sim::Simulation>(mut runner: Runner<S>) -> Result<(), Box<dyn std::error::Error>> {
/// let delivery = runner.deliver_analytics(RunnerDelivery::new("http://127.0.0.1:8080", "token"));
/// runner.run_for(100)?;
/// let totals = delivery.finish(5.0); // flush what is left, for at most 5 s
/// println!("sent {}, dropped {:?}", totals.sent, totals.dropped);
/// # Ok(()) }
/// ```
pub struct RunnerDelivery<T> {
    url: String,
    token: String,
    run_id: String,
    transport: T,
    requests_per_tick: usize,
    config: BufferedConfig,
}

#[cfg(feature = "http")]
impl RunnerDelivery<super::HttpTransport> {
    /// Delivery to `url` (the collector's base URL) with `token`, over HTTP
    /// with a 2-second timeout per request.
    pub fn new(url: &str, token: &str) -> Self {
        RunnerDelivery::with_transport(
            url,
            token,
            super::HttpTransport::new(std::time::Duration::from_secs(2)),
        )
    }
}

impl<T: Transport> RunnerDelivery<T> {
    /// Delivery to `url` with `token` through any transport.
    pub fn with_transport(url: &str, token: &str, transport: T) -> Self {
        RunnerDelivery {
            url: url.to_owned(),
            token: token.to_owned(),
            run_id: "run".to_owned(),
            transport,
            requests_per_tick: 8,
            config: BufferedConfig::default(),
        }
    }

    /// Sets the run id that insert ids are derived from (default `run`;
    /// give each run its own so the collector deduplicates retries only).
    pub fn run_id(self, run_id: &str) -> Self {
        RunnerDelivery {
            run_id: run_id.to_owned(),
            ..self
        }
    }

    /// Sets the most requests made after each tick (default 8).
    pub fn requests_per_tick(self, n: usize) -> Self {
        RunnerDelivery {
            requests_per_tick: n,
            ..self
        }
    }

    /// Sets the batching and retry settings.
    pub fn config(self, config: BufferedConfig) -> Self {
        RunnerDelivery { config, ..self }
    }
}

/// The running delivery: its totals so far, and `finish` to flush the rest.
pub struct DeliveryHandle<T: Transport> {
    consumer: Arc<Mutex<BufferedConsumer<T, SystemClock>>>,
    totals: Arc<Mutex<DeliveryStats>>,
}

impl<T: Transport> DeliveryHandle<T> {
    /// What was sent, retried and dropped so far.
    pub fn totals(&self) -> DeliveryStats {
        self.totals
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Flushes what is still queued (retrying for at most `deadline_secs`
    /// seconds; what is left then is dropped as `deadline`) and returns
    /// the run's totals.
    pub fn finish(self, deadline_secs: f64) -> DeliveryStats {
        let mut consumer = self.consumer.lock().unwrap_or_else(PoisonError::into_inner);
        let before = consumer.stats().clone();
        let clock = SystemClock;
        let end = clock.now() + deadline_secs.max(0.0);
        while !consumer.flush() {
            let now = clock.now();
            if now >= end {
                break;
            }
            let wait = consumer
                .next_attempt_at()
                .map_or(0.05, |at| (at - now).max(0.01));
            clock.sleep(wait.min(end - now));
        }
        if consumer.queued() > 0 {
            consumer.abandon("deadline");
        }
        let after = consumer.stats().clone();
        let mut totals = self.totals.lock().unwrap_or_else(PoisonError::into_inner);
        totals.sent += after.sent - before.sent;
        totals.retried += after.retried - before.retried;
        for (reason, n) in &after.dropped {
            let was = before.dropped.get(reason).copied().unwrap_or(0);
            *totals.dropped.entry(reason.clone()).or_default() += n - was;
        }
        totals.clone()
    }
}

/// Delivers a runner's analytics: subscribes the mapper, and pumps after
/// every tick (the after-tick hook is taken: set your own first and call
/// `pump` from it instead if you need both). Nothing enters the log.
pub trait DeliverAnalytics {
    /// Starts delivering this runner's `analytics.*` events.
    fn deliver_analytics<T: Transport + Send + 'static>(
        &mut self,
        delivery: RunnerDelivery<T>,
    ) -> DeliveryHandle<T>;
}

impl<S: Simulation> DeliverAnalytics for Runner<S> {
    fn deliver_analytics<T: Transport + Send + 'static>(
        &mut self,
        delivery: RunnerDelivery<T>,
    ) -> DeliveryHandle<T> {
        let outbox = subscribe(
            self.bus_mut(),
            EventMapper::new(&delivery.token, &delivery.run_id, MappedEvents::Analytics),
        );
        let consumer = Arc::new(Mutex::new(BufferedConsumer::new(
            &delivery.url,
            delivery.transport,
            SystemClock,
            seeded_jitter(0x5eed),
            BufferedConfig {
                auto_flush: false,
                ..delivery.config
            },
        )));
        let totals = Arc::new(Mutex::new(DeliveryStats::default()));
        let (hook_consumer, hook_totals) = (Arc::clone(&consumer), Arc::clone(&totals));
        let n = delivery.requests_per_tick;
        self.set_after_tick(move |_bus, _tick| {
            let mut consumer = hook_consumer.lock().unwrap_or_else(PoisonError::into_inner);
            let report = pump(&outbox, &mut consumer, n);
            let mut totals = hook_totals.lock().unwrap_or_else(PoisonError::into_inner);
            totals.sent += report.sent;
            totals.retried += report.retried;
            for (reason, k) in report.dropped {
                *totals.dropped.entry(reason).or_default() += k;
            }
            Flow::Continue
        });
        DeliveryHandle { consumer, totals }
    }
}
