//! The optional background thread: it owns a buffered consumer and does the
//! network work, so a game loop only queues messages and collects reports.
//! Reports come back through [`Background::pump`], on the caller's thread;
//! neither the thread nor `pump` touches the bus or its log.

use super::consumer::{
    BufferedConfig, BufferedConsumer, DeliveryClock, DeliveryStats, SystemClock, seeded_jitter,
};
use super::http::HttpTransport;
use super::{Outbox, Outgoing};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::thread::JoinHandle;
use std::time::Duration;

enum Command {
    Send(Outgoing),
    /// Flush until drained or the deadline (seconds from now), then stop.
    Finish(f64),
}

/// A delivery thread.
pub struct Background {
    commands: Sender<Command>,
    reports: Receiver<DeliveryStats>,
    thread: Option<JoinHandle<DeliveryStats>>,
}

impl Background {
    /// Starts a thread delivering to `base_url`; each request may take `timeout`.
    /// Fails only when the system will not start a thread.
    pub fn spawn(
        base_url: &str,
        config: BufferedConfig,
        timeout: Duration,
    ) -> std::io::Result<Background> {
        let (commands, inbox) = channel::<Command>();
        let (report_tx, reports) = channel();
        let url = base_url.to_owned();
        let thread = std::thread::Builder::new()
            .name("tickcascade-delivery".into())
            .spawn(move || {
                let clock = SystemClock;
                let config = BufferedConfig {
                    auto_flush: false,
                    ..config
                };
                let mut consumer = BufferedConsumer::new(
                    &url,
                    HttpTransport::new(timeout),
                    clock,
                    seeded_jitter(clock.now().to_bits()),
                    config,
                );
                loop {
                    match inbox.recv_timeout(Duration::from_millis(50)) {
                        Ok(Command::Send(m)) => consumer.send(m.endpoint, m.key.as_deref(), m.body),
                        Ok(Command::Finish(deadline)) => {
                            let end = clock.now() + deadline;
                            while !consumer.flush() && clock.now() < end {
                                let wake = consumer.next_attempt_at().unwrap_or(end).min(end);
                                clock.sleep((wake - clock.now()).max(0.01));
                            }
                            if consumer.queued() > 0 {
                                consumer.abandon("deadline");
                            }
                            return consumer.stats().clone();
                        }
                        Err(RecvTimeoutError::Timeout) => {}
                        Err(RecvTimeoutError::Disconnected) => return consumer.stats().clone(),
                    }
                    let report = consumer.pump(8);
                    if (report.sent > 0 || !report.dropped.is_empty())
                        && report_tx.send(report).is_err()
                    {
                        return consumer.stats().clone();
                    }
                }
            })?;
        Ok(Background {
            commands,
            reports,
            thread: Some(thread),
        })
    }

    /// Queues a message for the thread (never blocks on the network).
    pub fn submit(&self, message: Outgoing) {
        let _ = self.commands.send(Command::Send(message));
    }

    /// From the loop: hands the outbox to the thread and returns what the
    /// thread reported since the last call (nothing is published).
    pub fn pump(&self, outbox: &Outbox) -> DeliveryStats {
        let mut total = DeliveryStats::default();
        for m in outbox.0.lock().unwrap_or_else(|p| p.into_inner()).drain(..) {
            match m {
                Ok(o) => self.submit(o),
                Err(reason) => total.drop(reason, 1, None),
            }
        }
        while let Ok(r) = self.reports.try_recv() {
            total.sent += r.sent;
            total.retried += r.retried;
            for (k, v) in r.dropped {
                *total.dropped.entry(k).or_default() += v;
            }
        }
        total
    }

    /// Flushes what is queued (giving up after `deadline_secs`, counted as
    /// `deadline`) and stops the thread; returns its whole-run figures.
    pub fn finish(mut self, deadline_secs: f64) -> DeliveryStats {
        let _ = self.commands.send(Command::Finish(deadline_secs));
        self.thread
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default()
    }
}
