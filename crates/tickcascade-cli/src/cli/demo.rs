//! `demo` and `replay`: run a seeded simulation; rebuild its state from a log.

use super::{CliError, ReadArgs, input, printable};
use crate::demos::adventure::{Adventure, GameStart, GameState};
use crate::demos::trading::{BotStart, Portfolio, Trading};
use clap::{Args, ValueEnum};
use serde::Serialize;
use serde_json::json;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use tickcascade::replay::{Projection, ReplayError, Replayed, replay};
use tickcascade::sim::{DEMO_CLOCK, Pacing, Runner, Simulation};
use tickcascade::{
    EventLog, EventQuery, LiveWriter, LoadReport, SyncPolicy, TypedEvent, ViewOptions,
};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum Sim {
    Adventure,
    Trading,
}

#[derive(Args, Debug)]
pub(crate) struct DemoArgs {
    /// Which simulation.
    #[arg(value_enum)]
    sim: Sim,
    /// The seed: the same seed gives the same log, byte for byte.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// How many ticks to run.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(i64).range(0..=10_000_000))]
    ticks: i64,
    /// Write the log to FILE as it runs (the incremental writer).
    #[arg(long, value_name = "FILE")]
    save: Option<PathBuf>,
    /// Print nothing on stdout (the summary still goes to stderr).
    #[arg(long)]
    quiet: bool,
    /// Interactive: one tick's box per Enter; `c` continues to the end, `q` quits.
    #[arg(long, conflicts_with = "quiet")]
    step: bool,
    /// Revoke analytics consent: the game plays the same, analytics are
    /// dropped and counted.
    #[arg(long)]
    no_consent: bool,
    /// Pace the run at N ticks per second (wall clock), so a follower has
    /// something live to watch; the log is the same as unpaced.
    #[arg(long, value_name = "N", value_parser = ticks_per_second)]
    tps: Option<f64>,
}

/// `--tps`: a positive, finite rate.
fn ticks_per_second(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 1e6 => Ok(v),
        _ => Err(format!(
            "{s:?} is not a rate of ticks per second (0 < N <= 1000000)"
        )),
    }
}

#[derive(Args, Debug)]
pub(crate) struct ReplayArgs {
    /// Which simulation wrote the log.
    #[arg(value_enum)]
    sim: Sim,
    /// The log (JSONL), or - for stdin.
    log: PathBuf,
    /// Rebuild the state as of this tick (default: the last).
    #[arg(long, allow_negative_numbers = true)]
    tick: Option<i64>,
    /// Print {"simulation", "tick", "applied", "ignored", "state"} as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    read: ReadArgs,
}

fn summary_adventure(s: &GameState) -> String {
    format!(
        "location {}, health {}, experience {}, gold {}, inventory [{}], defeated [{}]",
        s.location,
        s.health,
        s.experience,
        s.gold,
        s.inventory.join(", "),
        s.defeated.join(", ")
    )
}

fn analytics_summary(log: &EventLog, analytics: &tickcascade_analytics::Analytics) -> String {
    let logged = EventQuery::new(log)
        .count_by_type()
        .iter()
        .filter(|(t, _)| t.starts_with("analytics.") && **t != "analytics.dropped")
        .map(|(_, n)| n)
        .sum::<usize>();
    let dropped: u64 = analytics.dropped().values().sum();
    format!("analytics: {logged} logged, {dropped} dropped")
}

fn summary_trading(p: &Portfolio) -> String {
    let holdings: Vec<String> = p.holdings.iter().map(|(s, q)| format!("{s} {q}")).collect();
    format!(
        "cash {:.2}, value {:.2}, holdings [{}], signals {}, orders filled {}",
        p.cash,
        p.value(),
        holdings.join(", "),
        p.signals,
        p.orders_filled
    )
}

/// What the user typed at a `--step` prompt.
enum Answer {
    Next,
    Continue,
    Quit,
}

fn ask() -> Answer {
    eprint!("-- Enter: next tick, c: continue, q: quit -- ");
    let mut line = String::new();
    match std::io::stdin().lock().read_line(&mut line) {
        Ok(0) | Err(_) => Answer::Continue,
        Ok(_) => match line.trim() {
            "q" | "quit" => Answer::Quit,
            "c" | "continue" => Answer::Continue,
            _ => Answer::Next,
        },
    }
}

fn run_sim<S: Simulation>(
    sim: S,
    args: &DemoArgs,
    out: &mut impl Write,
) -> Result<(EventLog, S), CliError> {
    let mut log = EventLog::with_clock(DEMO_CLOCK);
    if let Some(path) = &args.save {
        let writer = LiveWriter::create(path, SyncPolicy::FlushPerTick).map_err(|e| {
            CliError::Output(std::io::Error::new(
                e.kind(),
                format!("{}: {e}", path.display()),
            ))
        })?;
        log.attach_writer(writer);
    }
    let mut runner = Runner::with_log(sim, log);
    if let Some(rate) = args.tps {
        runner.set_pacing(Pacing::TicksPerSecond(rate));
    }
    let options = ViewOptions::default();
    if args.step {
        writeln!(out, "===== EVENT CASCADE VIEWER =====")?;
        out.flush()?;
        let mut interactive = true;
        while runner.bus().log().current_tick() < args.ticks {
            let tick = runner
                .step()
                .map_err(|e| CliError::NotFound(e.to_string()))?;
            EventQuery::new(runner.bus().log()).print_tick(&mut *out, tick, &options)?;
            out.flush()?;
            if interactive {
                match ask() {
                    Answer::Next => {}
                    Answer::Continue => interactive = false,
                    Answer::Quit => break,
                }
            }
        }
    } else {
        runner
            .run_until(args.ticks)
            .map_err(|e| CliError::NotFound(e.to_string()))?;
    }
    let (mut log, sim) = runner.into_parts();
    if let Some(Err(e)) = log.detach_writer() {
        return Err(CliError::Output(e));
    }
    if !args.quiet && !args.step {
        EventQuery::new(&log).print_event_cascade(&mut *out, &options)?;
    }
    Ok((log, sim))
}

pub(crate) fn demo(args: &DemoArgs, out: &mut impl Write) -> Result<(), CliError> {
    let (name, events, summary) = match args.sim {
        Sim::Adventure => {
            let game = Adventure::new(args.seed, Default::default()).with_consent(!args.no_consent);
            let (log, game) = run_sim(game, args, out)?;
            let summary = format!(
                "{}; {}",
                summary_adventure(&game.state),
                analytics_summary(&log, &game.analytics)
            );
            ("adventure", log.len(), summary)
        }
        Sim::Trading => {
            let bot = Trading::new(args.seed, Default::default()).with_consent(!args.no_consent);
            let (log, bot) = run_sim(bot, args, out)?;
            let summary = format!(
                "{}; {}",
                summary_trading(&bot.portfolio),
                analytics_summary(&log, &bot.analytics)
            );
            ("trading", log.len(), summary)
        }
    };
    out.flush()?;
    eprintln!(
        "{name} seed {}: {events} events in {} ticks; {summary}",
        args.seed, args.ticks
    );
    Ok(())
}

/// A replay's input: the log, where its events came from, and which
/// simulation's start event must open it.
struct ReplayInput<'a> {
    name: &'static str,
    start_type: &'static str,
    file: &'a str,
    log: &'a EventLog,
    report: &'a LoadReport,
}

fn print_state<P: Projection + Default + Serialize>(
    input: &ReplayInput<'_>,
    tick: Option<i64>,
    json_out: bool,
    describe: impl Fn(&P) -> String,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let ReplayInput {
        name,
        start_type,
        file,
        log,
        report,
    } = *input;
    match log.events().first() {
        Some(first) if first.event_type() != start_type => {
            return Err(CliError::Invalid(format!(
                "{file}:{}: the log starts with {:?}, not {start_type:?}: it was not written by the {name} simulation",
                report.line_of(0),
                printable(first.event_type()),
            )));
        }
        _ => {}
    }
    let last = log.events().iter().map(|e| e.tick()).max();
    if let (Some(t), Some(end)) = (tick, last)
        && t > end
    {
        eprintln!(
            "tickcascade: warning: {file}: --tick {t} is past the log's last tick ({end}): the state shown is the last one"
        );
    }
    let Replayed { state, stats } = replay::<P>(log, tick).map_err(|e| match e {
        ReplayError::Apply {
            position,
            event_id,
            event_type,
            source,
            ..
        } => CliError::Invalid(format!(
            "{file}:{}: event {} ({}) cannot be replayed as {name}: {}",
            report.line_of(position),
            printable(&event_id.to_string()),
            printable(&event_type),
            printable(&source.to_string()),
        )),
        other => CliError::Invalid(format!("{file}: {other}")),
    })?;
    let tick = tick.or(last);
    if json_out {
        let v = json!({
            "simulation": name,
            "tick": tick,
            "applied": stats.applied,
            "ignored": stats.ignored,
            "state": state,
        });
        writeln!(out, "{v}")?;
    } else {
        match tick {
            Some(t) => writeln!(out, "{name} at tick {t}: {}", describe(&state))?,
            None => writeln!(out, "{name}: empty log; {}", describe(&state))?,
        }
        if stats.ignored > 0 {
            writeln!(out, "ignored {} events of unknown types", stats.ignored)?;
        }
    }
    Ok(())
}

pub(crate) fn replay_cmd(args: &ReplayArgs, out: &mut impl Write) -> Result<(), CliError> {
    let (log, report, file) = input::read_with_report(&args.log, &args.read)?;
    let input = |name, start_type| ReplayInput {
        name,
        start_type,
        file: &file,
        log: &log,
        report: &report,
    };
    match args.sim {
        Sim::Adventure => print_state::<GameState>(
            &input("adventure", GameStart::TYPE),
            args.tick,
            args.json,
            summary_adventure,
            out,
        ),
        Sim::Trading => print_state::<Portfolio>(
            &input("trading", BotStart::TYPE),
            args.tick,
            args.json,
            summary_trading,
            out,
        ),
    }
}
