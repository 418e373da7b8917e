//! `stats`: what a log holds, at a glance or as one JSON object.

use super::follow::{Change, FollowArgs, follow};
use super::{CliError, ReadArgs, input, printable};
use clap::Args;
use serde_json::json;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use tickcascade::{EventLog, EventQuery};

#[derive(Args, Debug)]
pub(crate) struct StatsArgs {
    /// The log (JSONL), or - for stdin.
    log: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    read: ReadArgs,
    #[command(flatten)]
    follow: FollowArgs,
}

pub(crate) fn run(args: &StatsArgs, out: &mut impl Write) -> Result<(), CliError> {
    if args.follow.follow {
        // On a terminal the figures refresh as the log grows (at most
        // twice a second); elsewhere they are printed once, at the end.
        let terminal = std::io::stdout().is_terminal();
        let mut shown = std::time::Instant::now() - std::time::Duration::from_secs(1);
        return follow(&args.log, &args.read, &args.follow, |log, change| {
            let ended = matches!(change, Change::Ended);
            if terminal && (ended || shown.elapsed().as_millis() >= 500) {
                write!(out, "\x1b[H\x1b[2J")?;
                print_stats(log, args.json, out)?;
                out.flush()?;
                shown = std::time::Instant::now();
            } else if ended {
                print_stats(log, args.json, out)?;
            }
            Ok(())
        });
    }
    let log = input::read(&args.log, &args.read)?;
    print_stats(&log, args.json, out)
}

fn print_stats(log: &EventLog, json_out: bool, out: &mut impl Write) -> Result<(), CliError> {
    let q = EventQuery::new(log);
    let (first, last, distinct) = tick_range(log);
    let roots = q.root_count();
    let max_depth = q.max_depth();
    let by_type = q.count_by_type();
    if json_out {
        let value = json!({
            "events": log.len(),
            "ticks": {"first": first, "last": last, "distinct": distinct},
            "roots": roots,
            "max_depth": max_depth,
            "by_type": by_type,
        });
        writeln!(out, "{value}")?;
        return Ok(());
    }
    writeln!(out, "events     {}", log.len())?;
    match (first, last) {
        (Some(a), Some(b)) => writeln!(out, "ticks      {a}..={b} ({distinct} distinct)")?,
        _ => writeln!(out, "ticks      none")?,
    }
    writeln!(out, "roots      {roots}")?;
    writeln!(out, "max depth  {max_depth}")?;
    writeln!(out, "by type")?;
    // Types as a terminal can show them: control characters escaped.
    let shown: Vec<(std::borrow::Cow<'_, str>, _)> =
        by_type.iter().map(|(ty, n)| (printable(ty), n)).collect();
    let width = shown
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    for (ty, n) in &shown {
        writeln!(out, "  {ty:<width$}  {n}")?;
    }
    Ok(())
}

/// Lowest and highest tick and how many distinct ticks, in one pass when
/// ticks are in order (no per-event copy: stats runs on the largest logs).
fn tick_range(log: &tickcascade::EventLog) -> (Option<i64>, Option<i64>, usize) {
    let events = log.events();
    if log.ticks_ordered() {
        let distinct = events
            .iter()
            .zip(events.iter().skip(1))
            .filter(|(a, b)| a.tick() != b.tick())
            .count()
            + usize::from(!events.is_empty());
        return (
            events.first().map(|e| e.tick()),
            events.last().map(|e| e.tick()),
            distinct,
        );
    }
    let mut ticks: Vec<i64> = events.iter().map(|e| e.tick()).collect();
    ticks.sort_unstable();
    ticks.dedup();
    (ticks.first().copied(), ticks.last().copied(), ticks.len())
}
