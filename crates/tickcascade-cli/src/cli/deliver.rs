//! `deliver`: backfill a saved log to a collector, with the retry contract,
//! an optional spool to resume after a crash, and a deadline.

use super::{CliError, ReadArgs, input};
use clap::Args;
use serde_json::json;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;
use tickcascade_analytics::delivery::{
    BufferedConfig, BufferedConsumer, DeliveryClock, EventMapper, HttpTransport, MAX_BATCH,
    MappedEvents, Outgoing, Spool, SystemClock, Transport, run_id_of, seeded_jitter,
};

#[derive(Args, Debug)]
pub(crate) struct DeliverArgs {
    /// The log (JSONL), or - for stdin.
    log: PathBuf,
    /// The collector's base URL (requests go to URL/track, /engage, /alias).
    #[arg(long, value_name = "URL")]
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
    /// Record messages here before sending and acknowledge them after; a re-run resumes.
    #[arg(long, value_name = "FILE")]
    spool: Option<PathBuf>,
    /// Give up on what is still queued after this many seconds (counted as dropped).
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

/// A number of seconds: finite, not negative, at most a day.
fn seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=86_400.0).contains(&v) => Ok(v),
        _ => Err(format!("{s:?} is not a number of seconds from 0 to 86400")),
    }
}

pub(crate) fn run(args: &DeliverArgs, out: &mut impl Write) -> Result<(), CliError> {
    let log = input::read(&args.log, &args.read)?;
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
    let mut skipped: std::collections::BTreeMap<String, u64> = Default::default();
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
    let transport = HttpTransport::new(Duration::from_secs_f64(args.timeout.max(0.001)));
    let config = BufferedConfig::default()
        .with_max_size(args.batch as usize)
        .with_max_queue_size(usize::MAX / 2)
        .with_auto_flush(false);
    let clock = SystemClock;
    let mut consumer = BufferedConsumer::new(
        &args.to,
        transport,
        clock,
        seeded_jitter(clock.now().to_bits()),
        config,
    );
    let mut resumed = 0;
    if let Some(path) = &args.spool {
        let (spool, state) = Spool::open(path).map_err(|e| {
            CliError::Output(std::io::Error::new(
                e.kind(),
                format!("{}: {e}", path.display()),
            ))
        })?;
        consumer.set_spool(spool);
        messages.retain(|m| {
            let done = m.key.as_ref().is_some_and(|k| state.acked.contains(k));
            resumed += usize::from(done);
            !done
        });
    }
    let total = messages.len();
    for m in messages {
        consumer.send(m.endpoint, m.key.as_deref(), m.body);
    }
    deliver_all(&mut consumer, args.deadline, total);
    let stats = consumer.stats();
    let mut dropped = stats.dropped.clone();
    for (k, v) in skipped {
        *dropped.entry(k).or_default() += v;
    }
    let dropped_total: u64 = dropped.values().sum();
    if args.json {
        writeln!(
            out,
            "{}",
            json!({"sent": stats.sent, "retried": stats.retried, "dropped": dropped, "already_acknowledged": resumed, "run_id": run_id})
        )?;
    } else {
        let reasons: Vec<String> = dropped.iter().map(|(k, v)| format!("{k} {v}")).collect();
        eprintln!(
            "delivered {} of {total} messages to {} ({} retries; dropped {dropped_total}{}{})",
            stats.sent,
            args.to,
            stats.retried,
            if reasons.is_empty() {
                String::new()
            } else {
                format!(": {}", reasons.join(", "))
            },
            if resumed > 0 {
                format!("; {resumed} already acknowledged in the spool")
            } else {
                String::new()
            },
        );
        for e in &stats.errors {
            eprintln!("tickcascade: {e}");
        }
    }
    if dropped_total > 0 {
        Err(CliError::Reported)
    } else {
        Ok(())
    }
}

/// Flushes until everything is delivered or the deadline passes, sleeping
/// through backoff windows; a progress line on a terminal.
fn deliver_all<T: Transport>(
    consumer: &mut BufferedConsumer<T, SystemClock>,
    deadline_secs: f64,
    total: usize,
) {
    let clock = SystemClock;
    let deadline = clock.now() + deadline_secs.max(0.0);
    let show = std::io::stderr().is_terminal() && total > 1000;
    loop {
        let drained = consumer.flush();
        if show {
            eprint!("\r{} / {total} sent", consumer.stats().sent);
        }
        if drained {
            break;
        }
        let now = clock.now();
        if now >= deadline {
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
