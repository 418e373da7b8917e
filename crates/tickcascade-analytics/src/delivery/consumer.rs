//! The consumers and the retry contract (the Cohorly SDK's, plus what it
//! lacks): backoff windows per endpoint, the batch size growing back after a
//! 413, every drop counted by reason, bounded work per `pump`, an injectable
//! clock, sleep and jitter, and an optional durable spool.

use super::Endpoint;
use super::spool::Spool;
use super::transport::Transport;
use std::cell::Cell;
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;
use tickcascade::sim::SimRng;

/// The shortest wait a `Retry-After` can impose: a server cannot turn the
/// backoff off (`Retry-After: 0` would mean a request loop).
pub const MIN_RETRY_AFTER: f64 = 2.0;

/// Backoff settings (the seed's defaults).
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (synchronous consumer). Default 4.
    pub retry_limit: u32,
    /// First delay, seconds; doubles per consecutive failure. Default 2.
    pub base_delay: f64,
    /// Largest delay (also the cap on `Retry-After`). Default 600.
    pub max_delay: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            retry_limit: 4,
            base_delay: 2.0,
            max_delay: 600.0,
        }
    }
}

impl RetryPolicy {
    /// The delay before the next attempt after `failures` consecutive
    /// failures: a valid `Retry-After` wins, clamped to
    /// [[`MIN_RETRY_AFTER`], `max_delay`]; else base × 2^(failures-1),
    /// capped, times (1 + jitter) with jitter in ±0.2, capped.
    ///
    /// ```
    /// use tickcascade_analytics::delivery::RetryPolicy;
    /// let p = RetryPolicy::default();
    /// assert_eq!(p.delay(1, Some(0.0), 0.0), 2.0);
    /// assert_eq!(p.delay(1, Some(1e9), 0.0), 600.0);
    /// assert_eq!(p.delay(3, None, 0.0), 8.0);
    /// ```
    pub fn delay(&self, failures: u32, retry_after: Option<f64>, jitter: f64) -> f64 {
        if let Some(r) = retry_after.filter(|r| !r.is_nan()) {
            return r.clamp(MIN_RETRY_AFTER, self.max_delay.max(MIN_RETRY_AFTER));
        }
        let exponent = failures.saturating_sub(1).min(60) as i32;
        let delay = (self.base_delay * 2f64.powi(exponent)).min(self.max_delay);
        (delay * (1.0 + jitter.clamp(-0.2, 0.2))).min(self.max_delay)
    }
}

/// Time for the consumers: real, or driven by a test or a simulation.
pub trait DeliveryClock {
    /// Seconds (any epoch).
    fn now(&self) -> f64;
    /// Waits `secs` seconds.
    fn sleep(&self, secs: f64);
}

/// The system clock and real sleeping.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl DeliveryClock for SystemClock {
    fn now(&self) -> f64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64())
    }
    fn sleep(&self, secs: f64) {
        if secs > 0.0 && secs.is_finite() {
            std::thread::sleep(std::time::Duration::from_secs_f64(secs.min(3600.0)));
        }
    }
}

/// A clock that only moves when told to (sleeping moves it): deterministic
/// tests and simulations.
#[derive(Clone, Debug, Default)]
pub struct ManualClock(Rc<Cell<f64>>);

impl ManualClock {
    /// A clock reading `start` seconds until advanced.
    pub fn new(start: f64) -> ManualClock {
        ManualClock(Rc::new(Cell::new(start)))
    }
    /// Moves the clock forward by `secs` seconds.
    pub fn advance(&self, secs: f64) {
        self.0.set(self.0.get() + secs);
    }
}

impl DeliveryClock for ManualClock {
    fn now(&self) -> f64 {
        self.0.get()
    }
    fn sleep(&self, secs: f64) {
        self.advance(secs.max(0.0));
    }
}

/// A source of jitter in ±0.2.
pub type Jitter = Box<dyn FnMut() -> f64>;

/// Jitter from a seeded generator (reproducible) or the time.
pub fn seeded_jitter(seed: u64) -> Jitter {
    let mut rng = SimRng::new(seed);
    Box::new(move || (rng.unit() - 0.5) * 0.4)
}

/// A collector that answered a POST with a redirect: nothing more goes to
/// that endpoint (a redirected POST is never followed, retried or counted
/// as dropped); its messages stay unacknowledged for a re-run with the
/// right URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redirect {
    /// The URL that answered.
    pub url: String,
    /// Its status (301, 302, 307, 308, ...).
    pub status: u16,
    /// Its `Location` header ("" when it sent none).
    pub location: String,
    /// Messages left unsent on that endpoint.
    pub unsent: u64,
}

/// What delivery did: sent, retried, and dropped by reason.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeliveryStats {
    /// Messages the collector acknowledged (2xx).
    pub sent: u64,
    /// Attempts that failed and will be (or were) tried again.
    pub retried: u64,
    /// Messages given up on, by reason: `rejected` (400 or another 4xx),
    /// `oversize` (413 on a single message), `queue_full`, `retries_exhausted`,
    /// `deadline`, `consent`, `unmappable`.
    pub dropped: BTreeMap<String, u64>,
    /// The last few error messages, newest last.
    pub errors: Vec<String>,
    /// The last failure per endpoint path (`/track`: `status 503`,
    /// `timeout: ...`): what a `deadline` or `retries_exhausted` drop was
    /// waiting out.
    pub last_failure: BTreeMap<String, String>,
    /// Endpoints stopped by a redirect.
    pub redirects: Vec<Redirect>,
    /// Spool writes that failed (a full disk): the spool no longer tells
    /// the truth, so a command must fail.
    pub spool_errors: Vec<String>,
}

impl DeliveryStats {
    pub(crate) fn drop(&mut self, reason: &str, n: u64, error: Option<String>) {
        if n > 0 {
            *self.dropped.entry(reason.to_owned()).or_default() += n;
        }
        if let Some(e) = error {
            self.errors.push(e);
            if self.errors.len() > 20 {
                self.errors.remove(0);
            }
        }
    }

    /// All dropped messages.
    pub fn dropped_total(&self) -> u64 {
        self.dropped.values().sum()
    }

    /// The difference since `earlier` (for reports from `pump`).
    pub fn since(&self, earlier: &DeliveryStats) -> DeliveryStats {
        let mut dropped = BTreeMap::new();
        for (k, v) in &self.dropped {
            let d = v - earlier.dropped.get(k).copied().unwrap_or(0);
            if d > 0 {
                dropped.insert(k.clone(), d);
            }
        }
        DeliveryStats {
            sent: self.sent - earlier.sent,
            retried: self.retried - earlier.retried,
            dropped,
            errors: self
                .errors
                .iter()
                .skip(earlier.errors.len().min(self.errors.len()))
                .cloned()
                .collect(),
            last_failure: self.last_failure.clone(),
            redirects: self.redirects[earlier.redirects.len().min(self.redirects.len())..].to_vec(),
            spool_errors: self.spool_errors
                [earlier.spool_errors.len().min(self.spool_errors.len())..]
                .to_vec(),
        }
    }
}

/// Sends each message at once, retrying 429, 5xx and network errors up to
/// `retry_limit` times with backoff; other statuses fail at once.
pub struct SyncConsumer<T: Transport, C: DeliveryClock> {
    base_url: String,
    transport: T,
    clock: C,
    jitter: Jitter,
    /// Retries, backoff and deadline.
    pub policy: RetryPolicy,
    stats: DeliveryStats,
}

impl<T: Transport, C: DeliveryClock> SyncConsumer<T, C> {
    /// A consumer that posts to `base_url` through `transport`, timed by `clock`.
    pub fn new(base_url: &str, transport: T, clock: C, jitter: Jitter) -> Self {
        SyncConsumer {
            base_url: base_url.trim_end_matches('/').to_owned(),
            transport,
            clock,
            jitter,
            policy: RetryPolicy::default(),
            stats: DeliveryStats::default(),
        }
    }

    /// Sends one message; `Err` says why it was dropped.
    pub fn send(&mut self, endpoint: Endpoint, message: &str) -> Result<(), String> {
        let url = format!("{}{}", self.base_url, endpoint.path());
        let mut failures = 0;
        loop {
            let r = self.transport.post(&url, message);
            if r.ok() {
                self.stats.sent += 1;
                return Ok(());
            }
            if r.is_redirect() {
                let location = r.location.clone().unwrap_or_default();
                self.stats.redirects.push(Redirect {
                    url: url.clone(),
                    status: r.status.unwrap_or(0),
                    location: location.clone(),
                    unsent: 1,
                });
                return Err(format!(
                    "POST {url} was redirected ({}) to {location:?}: not followed; send to that URL instead",
                    r.describe()
                ));
            }
            self.stats
                .last_failure
                .insert(endpoint.path().to_owned(), r.describe());
            if r.retryable() && failures < self.policy.retry_limit {
                failures += 1;
                self.stats.retried += 1;
                let delay = self.policy.delay(failures, r.retry_after, (self.jitter)());
                self.clock.sleep(delay);
                continue;
            }
            let reason = if r.retryable() {
                "retries_exhausted"
            } else {
                "rejected"
            };
            let error = format!(
                "POST {url} failed ({}): {}",
                r.describe(),
                r.body.chars().take(200).collect::<String>()
            );
            self.stats.drop(reason, 1, Some(error.clone()));
            return Err(error);
        }
    }

    /// What was sent, retried and dropped so far.
    pub fn stats(&self) -> &DeliveryStats {
        &self.stats
    }
}

/// Settings of the buffered consumer.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct BufferedConfig {
    /// Messages per batch (default 50; at most 500, the server's limit).
    pub max_size: usize,
    /// Messages kept per endpoint; beyond it the oldest is dropped (default 1000).
    pub max_queue_size: usize,
    /// Flush an endpoint as soon as its buffer is full (the seed's behaviour).
    /// Off for game loops, which call `pump` instead and never block.
    pub auto_flush: bool,
    /// Retries, backoff and deadline.
    pub policy: RetryPolicy,
}

impl BufferedConfig {
    /// Sets the messages per batch.
    pub fn with_max_size(self, max_size: usize) -> Self {
        BufferedConfig { max_size, ..self }
    }

    /// Sets the messages kept per endpoint.
    pub fn with_max_queue_size(self, max_queue_size: usize) -> Self {
        BufferedConfig {
            max_queue_size,
            ..self
        }
    }

    /// Sets whether a full buffer is flushed at once.
    pub fn with_auto_flush(self, auto_flush: bool) -> Self {
        BufferedConfig { auto_flush, ..self }
    }

    /// Sets the retries, backoff and deadline.
    pub fn with_policy(self, policy: RetryPolicy) -> Self {
        BufferedConfig { policy, ..self }
    }
}

impl Default for BufferedConfig {
    fn default() -> Self {
        BufferedConfig {
            max_size: 50,
            max_queue_size: 1000,
            auto_flush: true,
            policy: RetryPolicy::default(),
        }
    }
}

/// Hard cap on a batch: the collector's limit.
pub const MAX_BATCH: usize = 500;

struct Queued {
    key: Option<String>,
    body: String,
}

/// One endpoint's queue and backoff window.
struct Lane {
    endpoint: Endpoint,
    queue: VecDeque<Queued>,
    next_attempt_at: f64,
    failures: u32,
    batch: usize,
    /// The last failed attempt, described.
    last_failure: Option<String>,
    /// Stopped by a redirect (status, location): nothing more is sent.
    halted: Option<(u16, String)>,
}

/// Buffers messages per endpoint and sends them in batches, with the retry
/// contract applied per endpoint.
pub struct BufferedConsumer<T: Transport, C: DeliveryClock> {
    base_url: String,
    transport: T,
    clock: C,
    jitter: Jitter,
    config: BufferedConfig,
    lanes: Vec<Lane>,
    stats: DeliveryStats,
    spool: Option<Spool>,
    next_lane: usize,
    /// No request starts at or after this time, and none outlives it.
    deadline: Option<f64>,
}

impl<T: Transport, C: DeliveryClock> BufferedConsumer<T, C> {
    /// A consumer that batches for `base_url`, posting through `transport`, timed by `clock`.
    pub fn new(
        base_url: &str,
        transport: T,
        clock: C,
        jitter: Jitter,
        config: BufferedConfig,
    ) -> Self {
        let max = config.max_size.clamp(1, MAX_BATCH);
        let config = BufferedConfig {
            max_size: max,
            max_queue_size: config.max_queue_size.max(1),
            ..config
        };
        BufferedConsumer {
            base_url: base_url.trim_end_matches('/').to_owned(),
            transport,
            clock,
            jitter,
            lanes: Endpoint::ALL
                .iter()
                .map(|&endpoint| Lane {
                    endpoint,
                    queue: VecDeque::new(),
                    next_attempt_at: f64::NEG_INFINITY,
                    failures: 0,
                    batch: max,
                    last_failure: None,
                    halted: None,
                })
                .collect(),
            config,
            stats: DeliveryStats::default(),
            spool: None,
            next_lane: 0,
            deadline: None,
        }
    }

    /// Bounds all further work by `at` (seconds on the consumer's clock):
    /// no request starts after it, and each request is given only the time
    /// left ([`Transport::post_within`]). `None` removes the bound.
    pub fn set_deadline(&mut self, at: Option<f64>) {
        self.deadline = at.filter(|t| !t.is_nan());
    }

    /// True when nothing is left to try: every endpoint is empty or
    /// stopped by a redirect.
    pub fn settled(&self) -> bool {
        self.lanes
            .iter()
            .all(|l| l.queue.is_empty() || l.halted.is_some())
    }

    /// Records every message's key in `spool` before it is sent, and its
    /// outcome (delivered, or dropped and why) after.
    pub fn set_spool(&mut self, spool: Spool) {
        self.spool = Some(spool);
    }

    /// What was sent, retried and dropped so far.
    pub fn stats(&self) -> &DeliveryStats {
        &self.stats
    }

    /// Messages waiting, all endpoints.
    pub fn queued(&self) -> usize {
        self.lanes.iter().map(|l| l.queue.len()).sum()
    }

    fn spool_write(&mut self, f: impl FnOnce(&mut Spool) -> std::io::Result<()>) {
        if let Some(s) = &mut self.spool
            && let Err(e) = f(s)
        {
            let error = format!("spool {}: {e}", s.path().display());
            if self.stats.spool_errors.len() < 20 {
                self.stats.spool_errors.push(error);
            }
        }
    }

    /// Buffers one message (`key` identifies it in the spool). May flush
    /// that endpoint when `auto_flush` is on and its buffer is full.
    pub fn send(&mut self, endpoint: Endpoint, key: Option<&str>, message: String) {
        if let Some(k) = key {
            self.spool_write(|s| s.add(k, endpoint));
        }
        let i = endpoint.index();
        self.lanes[i].queue.push_back(Queued {
            key: key.map(str::to_owned),
            body: message,
        });
        while self.lanes[i].queue.len() > self.config.max_queue_size {
            if let Some(old) = self.lanes[i].queue.pop_front() {
                self.stats.drop("queue_full", 1, None);
                if let Some(k) = old.key {
                    self.spool_write(|s| s.dropped(&k, "queue_full", "the queue was full"));
                }
            }
        }
        if self.config.auto_flush && self.lanes[i].queue.len() >= self.config.max_size {
            self.flush_lane(i, usize::MAX);
        }
    }

    /// Tries to drain every endpoint; true when nothing is left to try
    /// afterwards ([`settled`](Self::settled)), false while a backoff
    /// window is open or delivery fails.
    pub fn flush(&mut self) -> bool {
        for i in 0..self.lanes.len() {
            self.flush_lane(i, usize::MAX);
        }
        self.spool_write(|s| s.sync(false));
        self.settled()
    }

    /// Does at most `max_requests` HTTP requests (endpoints take turns),
    /// skipping endpoints inside a backoff window; returns what happened.
    pub fn pump(&mut self, max_requests: usize) -> DeliveryStats {
        let before = self.stats.clone();
        let mut budget = max_requests;
        let n = self.lanes.len();
        let mut idle_rounds = 0;
        while budget > 0 && idle_rounds < n {
            let i = self.next_lane % n;
            self.next_lane = (self.next_lane + 1) % n;
            let used = self.flush_lane(i, 1);
            if used == 0 {
                idle_rounds += 1;
            } else {
                idle_rounds = 0;
                budget -= used;
            }
        }
        self.spool_write(|s| s.sync(false));
        self.stats.since(&before)
    }

    /// When the earliest backoff window closes (None when nothing waits).
    pub fn next_attempt_at(&self) -> Option<f64> {
        self.lanes
            .iter()
            .filter(|l| !l.queue.is_empty() && l.halted.is_none())
            .map(|l| l.next_attempt_at)
            .min_by(f64::total_cmp)
    }

    /// Gives up on everything still queued, counting it under `reason`
    /// (recorded in the spool with each endpoint's last failure). Endpoints
    /// stopped by a redirect keep their messages unacknowledged: they are
    /// reported in [`DeliveryStats::redirects`], not dropped.
    pub fn abandon(&mut self, reason: &str) {
        for i in 0..self.lanes.len() {
            let lane = &mut self.lanes[i];
            if let Some((status, location)) = lane.halted.clone() {
                let unsent = lane.queue.len() as u64;
                let url = format!("{}{}", self.base_url, lane.endpoint.path());
                lane.queue.clear();
                self.stats.redirects.push(Redirect {
                    url,
                    status,
                    location,
                    unsent,
                });
                continue;
            }
            let n = lane.queue.len();
            let detail = lane
                .last_failure
                .clone()
                .unwrap_or_else(|| "never attempted".into());
            if n > 0 {
                self.stats
                    .last_failure
                    .insert(lane.endpoint.path().to_owned(), detail.clone());
            }
            self.finish(i, n, Some((reason, &detail)));
            self.stats.drop(reason, n as u64, None);
        }
        self.spool_write(|s| s.sync(false));
    }

    fn register_failure(&mut self, i: usize, retry_after: Option<f64>, fixed: Option<f64>) {
        let now = self.clock.now();
        let lane = &mut self.lanes[i];
        lane.failures += 1;
        let delay = fixed.unwrap_or_else(|| {
            self.config
                .policy
                .delay(lane.failures, retry_after, (self.jitter)())
        });
        lane.next_attempt_at = now + delay;
    }

    /// Takes `n` messages off lane `i`, recording their outcome: delivered
    /// (`None`) or dropped (reason, detail).
    fn finish(&mut self, i: usize, n: usize, dropped: Option<(&str, &str)>) {
        for _ in 0..n {
            if let Some(q) = self.lanes[i].queue.pop_front()
                && let Some(k) = q.key
            {
                self.spool_write(|s| match dropped {
                    None => s.delivered(&k),
                    Some((reason, detail)) => s.dropped(&k, reason, detail),
                });
            }
        }
    }

    /// Sends from one lane; returns the number of requests made.
    fn flush_lane(&mut self, i: usize, max_requests: usize) -> usize {
        let mut requests = 0;
        let url = format!("{}{}", self.base_url, self.lanes[i].endpoint.path());
        while !self.lanes[i].queue.is_empty()
            && requests < max_requests
            && self.lanes[i].halted.is_none()
        {
            let now = self.clock.now();
            if now < self.lanes[i].next_attempt_at {
                break; // inside this endpoint's backoff window
            }
            let left = match self.deadline {
                Some(at) if now >= at => break,
                Some(at) => Some(std::time::Duration::from_secs_f64((at - now).min(86_400.0))),
                None => None,
            };
            let lane = &self.lanes[i];
            let single = lane.endpoint == Endpoint::Alias;
            let n = if single {
                1
            } else {
                lane.queue.len().min(lane.batch.max(1))
            };
            let payload = if single {
                lane.queue[0].body.clone()
            } else {
                let mut p = String::from("[");
                for (k, q) in lane.queue.iter().take(n).enumerate() {
                    if k > 0 {
                        p.push(',');
                    }
                    p.push_str(&q.body);
                }
                p.push(']');
                p
            };
            // What is about to be sent, and what was acknowledged, reaches
            // the OS before the request: a kill -9 loses neither.
            self.spool_write(|s| s.sync(false));
            let r = match left {
                Some(left) => self.transport.post_within(&url, &payload, left),
                None => self.transport.post(&url, &payload),
            };
            requests += 1;
            if r.ok() {
                self.finish(i, n, None);
                self.stats.sent += n as u64;
                let lane = &mut self.lanes[i];
                lane.failures = 0;
                lane.next_attempt_at = f64::NEG_INFINITY;
                // Grow back towards the configured size after a 413.
                lane.batch = (lane.batch * 2).min(self.config.max_size);
                continue;
            }
            if r.is_redirect() {
                let location = r.location.clone().unwrap_or_default();
                self.stats.errors.push(format!(
                    "POST {url} answered {} with Location {location:?}: a redirected POST is not followed; nothing more is sent to this endpoint and its messages stay unacknowledged",
                    r.describe()
                ));
                self.lanes[i].halted = Some((r.status.unwrap_or(0), location));
                break;
            }
            let failure = r.describe();
            self.stats
                .last_failure
                .insert(self.lanes[i].endpoint.path().to_owned(), failure.clone());
            self.lanes[i].last_failure = Some(failure.clone());
            if r.retryable() {
                self.stats.retried += 1;
                self.register_failure(i, r.retry_after, None);
                break;
            }
            match r.status {
                Some(401) => {
                    self.stats.retried += 1;
                    let max = self.config.policy.max_delay;
                    self.stats
                        .errors
                        .push(format!("POST {url}: 401 unauthorized; backing off {max} s"));
                    self.register_failure(i, None, Some(max));
                    break;
                }
                Some(413) if n > 1 => {
                    self.lanes[i].batch = (n / 2).max(1);
                }
                Some(413) => {
                    self.finish(i, 1, Some(("oversize", &failure)));
                    self.stats.drop(
                        "oversize",
                        1,
                        Some(format!(
                            "POST {url}: a message exceeds the collector's size limit; dropped"
                        )),
                    );
                }
                _ => {
                    self.finish(i, n, Some(("rejected", &failure)));
                    let error = format!(
                        "POST {url} rejected {n} messages ({failure}): {}",
                        r.body.chars().take(200).collect::<String>()
                    );
                    self.stats.drop("rejected", n as u64, Some(error));
                }
            }
        }
        requests
    }
}
