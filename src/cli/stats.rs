//! `stats`: what a log holds, at a glance or as one JSON object.

use super::{CliError, ReadArgs, input};
use crate::EventQuery;
use clap::Args;
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub(crate) struct StatsArgs {
    /// The log (JSONL), or - for stdin.
    log: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    read: ReadArgs,
}

pub(crate) fn run(args: &StatsArgs, out: &mut impl Write) -> Result<(), CliError> {
    let log = input::read(&args.log, &args.read)?;
    let q = EventQuery::new(&log);
    let mut ticks: Vec<i64> = log.events().iter().map(|e| e.tick()).collect();
    ticks.sort_unstable();
    ticks.dedup();
    let (first, last) = (ticks.first().copied(), ticks.last().copied());
    let roots = q.roots(None).len();
    let max_depth = q.max_depth();
    let by_type = q.count_by_type();
    if args.json {
        let value = json!({
            "events": log.len(),
            "ticks": {"first": first, "last": last, "distinct": ticks.len()},
            "roots": roots,
            "max_depth": max_depth,
            "by_type": by_type,
        });
        writeln!(out, "{value}")?;
        return Ok(());
    }
    writeln!(out, "events     {}", log.len())?;
    match (first, last) {
        (Some(a), Some(b)) => writeln!(out, "ticks      {a}..={b} ({} distinct)", ticks.len())?,
        _ => writeln!(out, "ticks      none")?,
    }
    writeln!(out, "roots      {roots}")?;
    writeln!(out, "max depth  {max_depth}")?;
    writeln!(out, "by type")?;
    let width = by_type.keys().map(|k| k.chars().count()).max().unwrap_or(0);
    for (ty, n) in &by_type {
        writeln!(out, "  {ty:<width$}  {n}")?;
    }
    Ok(())
}
