//! `sweep`: run a demo simulation for many seeds in parallel into a
//! Hive-partitioned dataset (`DIR/run=SEED/`).

use super::CliError;
use super::demo::Sim;
use super::query::parse_range;
use crate::demos::adventure::Adventure;
use crate::demos::trading::Trading;
use clap::Args;
use std::io::{IsTerminal, Write};
use std::ops::Bound;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::Instant;
use tickcascade::sim::Runner;
use tickcascade_datasets::sweep::{SweepPlan, run_sweep};

#[derive(Args, Debug)]
pub(crate) struct SweepArgs {
    #[arg(value_enum)]
    sim: Sim,
    /// Seeds: A..B (half-open) or A..=B.
    #[arg(long, value_parser = seed_range)]
    seeds: std::ops::Range<u64>,
    /// Runs at once (default: the number of cores).
    #[arg(long)]
    jobs: Option<usize>,
    /// Ticks per run.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(i64).range(0..=10_000_000))]
    ticks: i64,
    /// The dataset directory.
    #[arg(long)]
    out: PathBuf,
    /// I/N: run only the seeds whose position in the range, modulo N, is I-1.
    #[arg(long, value_parser = shard)]
    shard: Option<(u64, u64)>,
}

fn seed_range(s: &str) -> Result<std::ops::Range<u64>, String> {
    let (a, b) = parse_range(s)?;
    let start = match a {
        Bound::Included(v) if v >= 0 => v as u64,
        Bound::Unbounded => 0,
        _ => return Err(format!("{s:?}: seeds are not negative")),
    };
    let end = match b {
        Bound::Excluded(v) if v >= 0 => v as u64,
        Bound::Included(v) if v >= 0 => v as u64 + 1,
        _ => return Err(format!("{s:?}: give an end, as in 0..100")),
    };
    if end < start {
        return Err(format!("{s:?}: the range is empty"));
    }
    Ok(start..end)
}

fn shard(s: &str) -> Result<(u64, u64), String> {
    let bad = || format!("{s:?} is not I/N with 1 <= I <= N");
    let (i, n) = s.split_once('/').ok_or_else(bad)?;
    let (i, n): (u64, u64) = (i.parse().map_err(|_| bad())?, n.parse().map_err(|_| bad())?);
    if i == 0 || n == 0 || i > n {
        return Err(bad());
    }
    Ok((i, n))
}

pub(crate) fn run(args: &SweepArgs, out: &mut impl Write) -> Result<(), CliError> {
    let plan = SweepPlan::new(args.seeds.clone(), args.out.clone())
        .with_shard(args.shard)
        .with_jobs(
            args.jobs
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        );
    let ticks = args.ticks;
    let simulate = |seed: u64| -> Result<tickcascade::EventLog, String> {
        match args.sim {
            Sim::Adventure => {
                let mut r = Runner::new(Adventure::new(seed, Default::default()));
                r.run_for(ticks).map_err(|e| e.to_string())?;
                Ok(r.into_parts().0)
            }
            Sim::Trading => {
                let mut r = Runner::new(Trading::new(seed, Default::default()));
                r.run_for(ticks).map_err(|e| e.to_string())?;
                Ok(r.into_parts().0)
            }
        }
    };
    let total = plan.seeds().len();
    let started = Instant::now();
    let show = std::io::stderr().is_terminal();
    let report = run_sweep(&plan, &simulate, &|p| {
        if show {
            let done = p.done.load(Ordering::Relaxed)
                + p.skipped.load(Ordering::Relaxed)
                + p.failed.load(Ordering::Relaxed);
            let events = p.events.load(Ordering::Relaxed);
            let rate = events as f64 / started.elapsed().as_secs_f64().max(1e-9);
            eprint!("\r{done}/{total} runs, {events} events, {rate:.0} events/s ");
        }
    });
    if show {
        eprint!("\r\x1b[K");
    }
    let secs = started.elapsed().as_secs_f64();
    writeln!(
        out,
        "{} runs written, {} already done, {} failed; {} events in {secs:.2} s into {}",
        report.done,
        report.skipped,
        report.failures.len(),
        report.events,
        args.out.display()
    )?;
    for (seed, why) in &report.failures {
        eprintln!("tickcascade: run {seed} failed: {why}");
    }
    if report.failures.is_empty() {
        Ok(())
    } else {
        Err(CliError::Reported)
    }
}
