//! `deliver`: backfill a saved log to a collector, with the retry contract,
//! an optional spool to resume after a crash, and a deadline.

use super::{CliError, ReadArgs, input};
use clap::Args;
use serde_json::json;
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;
use tickcascade_analytics::delivery::{
    BufferedConfig, BufferedConsumer, DeliveryClock, EventMapper, HttpTransport, MAX_BATCH,
    MappedEvents, Outcome, Outgoing, Spool, SpoolState, SystemClock, Transport, run_id_of,
    seeded_jitter,
};

#[derive(Args, Debug)]
pub(crate) struct DeliverArgs {
    /// The log (JSONL), or - for stdin.
    log: PathBuf,
    /// The collector's base URL, http(s) (requests go to URL/track, /engage, /alias).
    #[arg(long, value_name = "URL", value_parser = collector_url)]
    to: String,
    /// The project token (else the TICKCASCADE_TOKEN environment variable).
    #[arg(
        long,
        env = "TICKCASCADE_TOKEN",
        hide_env_values = true,
        default_value = ""
    )]
    token: String,
    /// The run id in `$insert_id`s (default: the first event's run_id, else a hash of the log).
    #[arg(long)]
    run_id: Option<String>,
    /// Send any events of these types (wildcards) to /track, instead of the analytics events.
    #[arg(long = "match", value_name = "PATTERN")]
    patterns: Vec<String>,
    /// With --match: the data key holding the distinct id.
    #[arg(long, default_value = "distinct_id")]
    distinct_id_key: String,
    /// With --match: the distinct id when the data has none.
    #[arg(long, default_value = "simulation")]
    distinct_id: String,
    /// Messages per request (at most 500).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=MAX_BATCH as u64))]
    batch: u64,
    /// Record each message's key here before sending and its outcome after; a re-run resumes.
    #[arg(long, value_name = "FILE")]
    spool: Option<PathBuf>,
    /// With --spool: send again the messages an earlier run dropped (rejected, oversize, deadline...).
    #[arg(long, requires = "spool")]
    resend_dropped: bool,
    /// Give up on what is still queued after this many seconds, requests in flight included (counted as dropped).
    #[arg(long, default_value_t = 300.0, value_parser = seconds)]
    deadline: f64,
    /// Seconds each request may take.
    #[arg(long, default_value_t = 10.0, value_parser = seconds)]
    timeout: f64,
    /// Print the request bodies instead of sending them.
    #[arg(long)]
    dry_run: bool,
    /// Print the summary as one JSON object on stdout.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    read: ReadArgs,
}

/// The paths requests go to, which the base URL must not already end with.
const ENDPOINT_PATHS: [&str; 3] = ["/track", "/engage", "/alias"];

/// `--to`: an http(s) URL with a host, not already ending in an endpoint.
fn collector_url(s: &str) -> Result<String, String> {
    let rest = s
        .strip_prefix("http://")
        .or_else(|| s.strip_prefix("https://"))
        .ok_or_else(|| format!("{s:?} is not an http:// or https:// URL; pass the collector's base URL, e.g. https://api.example.com"))?;
    let scheme = &s[..s.len() - rest.len()];
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "{s:?} is not a valid URL: it needs a host and no spaces"
        ));
    }
    let after_host = &rest[host.len()..];
    let path = &after_host[..after_host.find(['?', '#']).unwrap_or(after_host.len())];
    let trimmed = path.trim_end_matches('/');
    if let Some(p) = ENDPOINT_PATHS.iter().find(|p| trimmed.ends_with(**p)) {
        let base = format!("{scheme}{host}{}", &trimmed[..trimmed.len() - p.len()]);
        return Err(format!(
            "{s:?} already ends in {p}; pass the base URL ({base:?}): requests go to BASE/track, /engage and /alias"
        ));
    }
    Ok(s.to_owned())
}

/// A number of seconds: finite, not negative, at most a day.
fn seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=86_400.0).contains(&v) => Ok(v),
        _ => Err(format!("{s:?} is not a number of seconds from 0 to 86400")),
    }
}

pub(crate) fn run(args: &DeliverArgs, out: &mut impl Write) -> Result<(), CliError> {
    let log = input::read(&args.log, &args.read)?;
    if args.token.is_empty() && !args.dry_run {
        eprintln!(
            "tickcascade: warning: no project token (--token or TICKCASCADE_TOKEN): the collector may reject every message"
        );
    }
    let run_id = args.run_id.clone().unwrap_or_else(|| run_id_of(&log));
    let selection = if args.patterns.is_empty() {
        MappedEvents::Analytics
    } else {
        MappedEvents::Matching {
            patterns: args.patterns.clone(),
            distinct_id_key: args.distinct_id_key.clone(),
            distinct_id: args.distinct_id.clone(),
        }
    };
    let mut mapper = EventMapper::new(&args.token, &run_id, selection);
    let mut messages: Vec<Outgoing> = Vec::new();
    let mut skipped: BTreeMap<String, u64> = BTreeMap::new();
    for e in log.events() {
        match mapper.map(e) {
            Some(Ok(m)) => messages.push(m),
            Some(Err(reason)) => *skipped.entry(reason.to_owned()).or_default() += 1,
            None => {}
        }
    }
    if args.dry_run {
        for m in &messages {
            writeln!(out, "POST {} {}", m.endpoint.path(), m.body)?;
        }
        return Ok(());
    }
    let clock = SystemClock;
    let started = clock.now();
    let transport = HttpTransport::new(Duration::from_secs_f64(args.timeout.max(0.001)));
    let config = BufferedConfig::default()
        .with_max_size(args.batch as usize)
        .with_max_queue_size(usize::MAX / 2)
        .with_auto_flush(false);
    let mut consumer = BufferedConsumer::new(
        &args.to,
        transport,
        clock,
        seeded_jitter(started.to_bits()),
        config,
    );
    let mut earlier = Earlier::default();
    if let Some(path) = &args.spool {
        let (spool, state) = Spool::open(path).map_err(|e| {
            CliError::Output(std::io::Error::new(
                e.kind(),
                format!("{}: {e}", path.display()),
            ))
        })?;
        if state.unreadable_lines > 0 {
            eprintln!(
                "tickcascade: warning: {}: {} unreadable spool lines skipped (a torn last line, or damage)",
                path.display(),
                state.unreadable_lines
            );
        }
        consumer.set_spool(spool);
        messages.retain(|m| earlier.keep(m, &state, args.resend_dropped));
    }
    let total = messages.len();
    for m in messages {
        consumer.send(m.endpoint, m.key.as_deref(), m.body);
    }
    deliver_all(&mut consumer, started + args.deadline, total);
    let stats = consumer.stats();
    let mut dropped = stats.dropped.clone();
    for (k, v) in skipped {
        *dropped.entry(k).or_default() += v;
    }
    let dropped_total: u64 = dropped.values().sum();
    let unsent: u64 = stats.redirects.iter().map(|r| r.unsent).sum();
    if args.json {
        let redirects: Vec<_> = stats
            .redirects
            .iter()
            .map(|r| json!({"url": r.url, "status": r.status, "location": r.location, "unsent": r.unsent}))
            .collect();
        writeln!(
            out,
            "{}",
            json!({
                "sent": stats.sent,
                "retried": stats.retried,
                "dropped": dropped,
                "last_failure": stats.last_failure,
                "already_acknowledged": earlier.delivered,
                "dropped_earlier": earlier.dropped,
                "redirects": redirects,
                "spool_errors": stats.spool_errors,
                "run_id": run_id,
            })
        )?;
    } else {
        let reasons: Vec<String> = dropped
            .iter()
            .map(|(k, v)| match (k.as_str(), stats.last_failure.len()) {
                ("deadline" | "retries_exhausted", 1..) => {
                    let last: Vec<String> = stats
                        .last_failure
                        .iter()
                        .map(|(path, what)| format!("{path}: {what}"))
                        .collect();
                    format!("{k} {v} (last failure {})", last.join("; "))
                }
                _ => format!("{k} {v}"),
            })
            .collect();
        eprintln!(
            "delivered {} of {total} messages to {} ({} retries; dropped {dropped_total}{}){}",
            stats.sent,
            args.to,
            stats.retried,
            if reasons.is_empty() {
                String::new()
            } else {
                format!(": {}", reasons.join(", "))
            },
            earlier.describe(),
        );
        for e in &stats.errors {
            eprintln!("tickcascade: {}", e.escape_debug());
        }
    }
    for r in &stats.redirects {
        eprintln!(
            "tickcascade: {} answered {} with Location {:?}: redirects are not followed for POST; {} messages were left unsent and unacknowledged: re-run with --to {}",
            r.url,
            r.status,
            r.location.escape_debug().to_string(),
            r.unsent,
            base_of(&r.location),
        );
    }
    for e in &stats.spool_errors {
        eprintln!("tickcascade: {e}: the spool is incomplete; a re-run may send messages twice");
    }
    // Messages an earlier run dropped are still undelivered: not a success.
    let undelivered_earlier = !earlier.dropped.is_empty();
    if dropped_total > 0 || unsent > 0 || undelivered_earlier || !stats.spool_errors.is_empty() {
        Err(CliError::Reported)
    } else {
        Ok(())
    }
}

/// What an earlier run with the same spool did.
#[derive(Default)]
struct Earlier {
    delivered: u64,
    dropped: BTreeMap<String, u64>,
}

impl Earlier {
    /// Whether to send `m` now, counting what the spool says of it.
    fn keep(&mut self, m: &Outgoing, state: &SpoolState, resend_dropped: bool) -> bool {
        let Some(key) = &m.key else { return true };
        match state.outcome(key) {
            Some(Outcome::Delivered) => {
                self.delivered += 1;
                false
            }
            Some(Outcome::Dropped { reason, .. }) if !resend_dropped => {
                *self.dropped.entry(reason.clone()).or_default() += 1;
                false
            }
            _ => true,
        }
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.delivered > 0 {
            parts.push(format!("{} delivered earlier", self.delivered));
        }
        if !self.dropped.is_empty() {
            let n: u64 = self.dropped.values().sum();
            let why: Vec<String> = self
                .dropped
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            parts.push(format!(
                "{n} dropped earlier ({}; --resend-dropped sends them again)",
                why.join(", ")
            ));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("; {}", parts.join("; "))
        }
    }
}

/// The base URL to pass as `--to` for a redirect's `Location`.
fn base_of(location: &str) -> String {
    let trimmed = location.trim_end_matches('/');
    ENDPOINT_PATHS
        .iter()
        .find_map(|p| trimmed.strip_suffix(p))
        .unwrap_or(trimmed)
        .to_owned()
}

/// Flushes until everything is delivered or the deadline (seconds on the
/// system clock) passes, sleeping through backoff windows; requests never
/// outlive the deadline. A progress line on a terminal.
fn deliver_all<T: Transport>(
    consumer: &mut BufferedConsumer<T, SystemClock>,
    deadline: f64,
    total: usize,
) {
    let clock = SystemClock;
    consumer.set_deadline(Some(deadline));
    let show = std::io::stderr().is_terminal() && total > 1000;
    loop {
        let settled = consumer.flush();
        if show {
            eprint!("\r{} / {total} sent", consumer.stats().sent);
        }
        let now = clock.now();
        if settled || now >= deadline {
            consumer.abandon("deadline");
            break;
        }
        let wake = consumer
            .next_attempt_at()
            .unwrap_or(now)
            .max(now + 0.001)
            .min(deadline);
        clock.sleep(wake - now);
    }
    if show {
        eprint!("\r\x1b[K");
    }
}
