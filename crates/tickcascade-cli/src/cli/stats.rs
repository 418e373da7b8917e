//! `stats`: what a log holds, at a glance or as one JSON object.

use super::follow::{Change, FollowArgs, follow};
use super::{CliError, ReadArgs, input, printable};
use clap::Args;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
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
    let versions = schema_versions(log);
    if json_out {
        let value = json!({
            "events": log.len(),
            "ticks": {"first": first, "last": last, "distinct": distinct},
            "roots": roots,
            "max_depth": max_depth,
            "by_type": by_type,
            // Only types with an event above version 1: `{}` for a log
            // Eventure could have written.
            "schema_versions": versions
                .iter()
                .map(|(ty, counts)| {
                    let counts: serde_json::Map<String, serde_json::Value> = counts
                        .iter()
                        .map(|(v, n)| (v.to_string(), json!(n)))
                        .collect();
                    (ty.to_string(), serde_json::Value::Object(counts))
                })
                .collect::<serde_json::Map<_, _>>(),
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
    write_table(out, by_type.iter().map(|(ty, n)| (*ty, n.to_string())))?;
    if !versions.is_empty() {
        writeln!(out, "schema versions")?;
        write_table(
            out,
            versions.iter().map(|(ty, counts)| {
                let counts: Vec<String> = counts.iter().map(|(v, n)| format!("v{v} {n}")).collect();
                (*ty, counts.join(", "))
            }),
        )?;
    }
    Ok(())
}

/// Rows of `type  value`, types left-aligned as a terminal shows them
/// (control characters escaped).
fn write_table<'a>(
    out: &mut impl Write,
    rows: impl Iterator<Item = (&'a str, String)>,
) -> Result<(), CliError> {
    let shown: Vec<(std::borrow::Cow<'_, str>, String)> =
        rows.map(|(ty, value)| (printable(ty), value)).collect();
    let width = shown
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    for (ty, value) in &shown {
        writeln!(out, "  {ty:<width$}  {value}")?;
    }
    Ok(())
}

/// Per type that has an event above schema version 1, how many events of
/// each version, types in first-seen order and versions ascending. Empty,
/// after one pass that allocates nothing, for a log of version-1 events.
fn schema_versions(log: &EventLog) -> Vec<(&str, BTreeMap<u32, usize>)> {
    if !log.events().iter().any(|e| e.schema() > 1) {
        return Vec::new();
    }
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut found: Vec<(&str, BTreeMap<u32, usize>)> = Vec::new();
    for e in log.events() {
        let ty = e.event_type();
        let at = *index.entry(ty).or_insert_with(|| {
            found.push((ty, BTreeMap::new()));
            found.len() - 1
        });
        *found[at].1.entry(e.schema()).or_insert(0) += 1;
    }
    found.retain(|(_, counts)| counts.keys().any(|&v| v > 1));
    found
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
