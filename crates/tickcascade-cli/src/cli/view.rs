//! `cascade` and `show`: Eventure's viewers on a saved log.

use super::{CliError, ReadArgs, input};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use tickcascade::{EventId, EventQuery, ViewOptions};

#[derive(Args, Debug)]
pub(crate) struct CascadeArgs {
    /// The log (JSONL), or - for stdin.
    log: PathBuf,
    /// Leave out event data (Eventure's show_data=False).
    #[arg(long)]
    no_data: bool,
    /// Print only the cascade of this event (Eventure's print_single_cascade).
    #[arg(long, value_name = "ID")]
    root: Option<String>,
    #[command(flatten)]
    read: ReadArgs,
}

#[derive(Args, Debug)]
pub(crate) struct ShowArgs {
    /// The log (JSONL), or - for stdin.
    log: PathBuf,
    /// The event id (the first event holding it is shown).
    id: String,
    /// Leave out event data.
    #[arg(long)]
    no_data: bool,
    #[command(flatten)]
    read: ReadArgs,
}

fn unknown(log: &std::path::Path, id: &str) -> CliError {
    CliError::NotFound(format!("{}: no event has the id {id:?}", log.display()))
}

pub(crate) fn cascade(args: &CascadeArgs, out: &mut impl Write) -> Result<(), CliError> {
    let log = input::read(&args.log, &args.read)?;
    let q = EventQuery::new(&log);
    let options = ViewOptions::default().with_show_data(!args.no_data);
    match &args.root {
        None => q.print_event_cascade(out, &options)?,
        Some(id) => {
            let root = log
                .event_by_id(&EventId::from(id.as_str()))
                .ok_or_else(|| unknown(&args.log, id))?;
            q.print_single_cascade(out, root, &options)?;
        }
    }
    Ok(())
}

pub(crate) fn show(args: &ShowArgs, out: &mut impl Write) -> Result<(), CliError> {
    let log = input::read(&args.log, &args.read)?;
    let event = log
        .event_by_id(&EventId::from(args.id.as_str()))
        .ok_or_else(|| unknown(&args.log, &args.id))?;
    let options = ViewOptions::default().with_show_data(!args.no_data);
    EventQuery::new(&log).print_event_details(out, event, &options)?;
    Ok(())
}
