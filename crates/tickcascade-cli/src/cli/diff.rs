//! `diff`: the first tick where two logs differ, and the events that do.

use super::{CliError, ReadArgs, input, printable};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use tickcascade::replay::first_difference;
use tickcascade::{Event, EventLog, EventQuery, ViewOptions};

#[derive(Args, Debug)]
pub(crate) struct DiffArgs {
    /// The first log.
    a: PathBuf,
    /// The second log.
    b: PathBuf,
    /// Do not compare timestamps.
    #[arg(long)]
    ignore_time: bool,
    #[command(flatten)]
    read: ReadArgs,
}

fn side(
    out: &mut impl Write,
    label: &str,
    path: &std::path::Path,
    log: &EventLog,
    e: Option<&Event>,
) -> Result<(), CliError> {
    match e {
        None => writeln!(
            out,
            "{label} {}: no event here",
            printable(&path.display().to_string())
        )?,
        Some(e) => {
            writeln!(
                out,
                "{label} {}: {} {} (tick {})",
                printable(&path.display().to_string()),
                printable(e.event_type()),
                printable(&e.id().to_string()),
                e.tick()
            )?;
            writeln!(out, "{}", e.to_json())?;
            let q = EventQuery::new(log);
            let root = tickcascade::replay::cascade_root(log, log.event_by_id(e.id()).unwrap_or(e));
            if root.id() != e.id() {
                writeln!(
                    out,
                    "caused by {} {} (tick {})",
                    printable(root.event_type()),
                    printable(&root.id().to_string()),
                    root.tick()
                )?;
            }
            q.print_single_cascade(&mut *out, e, &ViewOptions::default())?;
        }
    }
    Ok(())
}

pub(crate) fn run(args: &DiffArgs, out: &mut impl Write) -> Result<(), CliError> {
    if args.a.as_os_str() == "-" && args.b.as_os_str() == "-" {
        return Err(CliError::Usage(
            "diff - -: standard input can be read only once; give at least one file".into(),
        ));
    }
    let a = input::read(&args.a, &args.read)?;
    let b = input::read(&args.b, &args.read)?;
    match first_difference(&a, &b, args.ignore_time) {
        None => {
            writeln!(out, "equal: {} events", a.len())?;
            Ok(())
        }
        Some(d) => {
            writeln!(out, "logs differ at tick {}", d.tick)?;
            side(out, "---", &args.a, &a, d.recorded.as_ref())?;
            side(out, "+++", &args.b, &b, d.rerun.as_ref())?;
            out.flush()?;
            Err(CliError::Reported)
        }
    }
}
