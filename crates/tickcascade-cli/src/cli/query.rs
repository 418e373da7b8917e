//! `query`: select events; repeats of one flag are OR, different flags AND;
//! output in log order.

use super::follow::{Change, FollowArgs, follow};
use super::{CliError, ReadArgs, input, printable};
use clap::{Args, ValueEnum};
use std::collections::HashSet;
use std::io::Write;
use std::ops::Bound;
use std::path::PathBuf;
use tickcascade::DataFilter;
use tickcascade::{Event, EventId, EventQuery, pattern_matches};

#[derive(Args, Debug)]
pub(crate) struct QueryArgs {
    /// The log (JSONL), or - for stdin.
    log: PathBuf,
    /// Event type, in the bus's wildcard syntax (`a.b`, `a.*`, `*.b`, `*`).
    #[arg(long = "type", value_name = "PATTERN")]
    types: Vec<String>,
    /// A top-level data key and value; VALUE is JSON if it parses, else a string.
    #[arg(long = "data", value_name = "KEY=VALUE", value_parser = parse_data)]
    data: Vec<(String, String)>,
    /// Only events at this tick.
    #[arg(long, conflicts_with = "ticks", allow_negative_numbers = true)]
    tick: Option<i64>,
    /// Only events in this tick range: A..B (half-open), A..=B, A.., ..B.
    #[arg(long, value_name = "RANGE", value_parser = parse_range, allow_hyphen_values = true)]
    ticks: Option<(Bound<i64>, Bound<i64>)>,
    /// Only root events (Eventure's get_root_events).
    #[arg(long)]
    roots: bool,
    /// Only the cascade of this event (it included).
    #[arg(long, value_name = "ID")]
    cascade_of: Option<String>,
    /// Output: the log's own lines, a table, or ids.
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    format: Format,
    #[command(flatten)]
    read: ReadArgs,
    /// Print matching events as they are written (jsonl or ids; not with
    /// --roots or --cascade-of, which need the whole log).
    #[command(flatten)]
    follow: FollowArgs,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    Jsonl,
    Table,
    Ids,
}

fn parse_data(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("{s:?} is not KEY=VALUE"))
}

fn parse_bound(s: &str) -> Result<i64, String> {
    s.parse()
        .map_err(|_| format!("{s:?} is not a tick (an integer)"))
}

/// `A..B`, `A..=B`, `A..`, `..B`, `..=B`, as Rust ranges read.
pub(crate) fn parse_range(s: &str) -> Result<(Bound<i64>, Bound<i64>), String> {
    let (a, b) = s
        .split_once("..")
        .ok_or_else(|| format!("{s:?} is not a range like 3..7 or 3..=7"))?;
    let start = if a.is_empty() {
        Bound::Unbounded
    } else {
        Bound::Included(parse_bound(a)?)
    };
    let end = match b.strip_prefix('=') {
        Some("") => return Err(format!("{s:?}: an inclusive range needs an end")),
        Some(e) => Bound::Included(parse_bound(e)?),
        None if b.is_empty() => Bound::Unbounded,
        None => Bound::Excluded(parse_bound(b)?),
    };
    Ok((start, end))
}

/// The filters that look at one event alone (type, data, tick).
fn event_matches(args: &QueryArgs, filters: &[DataFilter], e: &Event) -> bool {
    (args.types.is_empty()
        || args
            .types
            .iter()
            .any(|p| pattern_matches(p, e.event_type())))
        && (filters.is_empty() || filters.iter().any(|f| f.matches(e)))
        && args.tick.is_none_or(|t| e.tick() == t)
        && args
            .ticks
            .is_none_or(|r| std::ops::RangeBounds::contains(&r, &e.tick()))
}

/// `query --follow`: each matching event's line (or id) as it is written.
fn query_following(args: &QueryArgs, out: &mut impl Write) -> Result<(), CliError> {
    if args.roots || args.cascade_of.is_some() || matches!(args.format, Format::Table) {
        return Err(CliError::Usage(
            "--follow prints events as they arrive: it takes --type, --data, --tick, --ticks and --format jsonl or ids, not --roots, --cascade-of or --format table".into(),
        ));
    }
    let filters: Vec<DataFilter> = args
        .data
        .iter()
        .map(|(k, v)| DataFilter::from_cli(k, v))
        .collect();
    let mut printed = 0usize;
    follow(&args.log, &args.read, &args.follow, |log, change| {
        if matches!(change, Change::Restarted) {
            printed = 0;
        }
        for e in &log.events()[printed.min(log.len())..] {
            if event_matches(args, &filters, e) {
                match args.format {
                    Format::Ids => writeln!(out, "{}", printable(&e.id().to_string()))?,
                    _ => writeln!(out, "{}", e.to_json())?,
                }
            }
        }
        printed = log.len();
        out.flush()?;
        Ok(())
    })
}

pub(crate) fn run(args: &QueryArgs, out: &mut impl Write) -> Result<(), CliError> {
    if args.follow.follow {
        return query_following(args, out);
    }
    let log = input::read(&args.log, &args.read)?;
    let q = EventQuery::new(&log);
    let base = |e: &Event| e as *const Event as usize;
    let roots: Option<HashSet<usize>> = args
        .roots
        .then(|| q.roots(None).into_iter().map(base).collect());
    let cascade: Option<HashSet<usize>> = match &args.cascade_of {
        None => None,
        Some(id) => {
            let root = log
                .event_by_id(&EventId::from(id.as_str()))
                .ok_or_else(|| {
                    CliError::NotFound(format!(
                        "{}: no event has the id {id:?}",
                        args.log.display()
                    ))
                })?;
            Some(q.cascade(root).into_iter().map(base).collect())
        }
    };
    let filters: Vec<DataFilter> = args
        .data
        .iter()
        .map(|(k, v)| DataFilter::from_cli(k, v))
        .collect();
    let selected = log.events().iter().filter(|e| {
        event_matches(args, &filters, e)
            && roots.as_ref().is_none_or(|set| set.contains(&base(e)))
            && cascade.as_ref().is_none_or(|set| set.contains(&base(e)))
    });
    match args.format {
        Format::Jsonl => {
            let mut line = String::new();
            for e in selected {
                line.clear();
                e.push_json(&mut line);
                line.push('\n');
                out.write_all(line.as_bytes())?;
            }
        }
        Format::Ids => {
            for e in selected {
                writeln!(out, "{}", printable(&e.id().to_string()))?;
            }
        }
        Format::Table => {
            let rows: Vec<[String; 4]> = selected
                .map(|e| {
                    // Control characters in the log's text are escaped: a
                    // table is for a terminal.
                    [
                        e.tick().to_string(),
                        printable(&e.id().to_string()).into_owned(),
                        printable(e.event_type()).into_owned(),
                        e.parent_id().map_or_else(
                            || "-".to_owned(),
                            |p| printable(&p.to_string()).into_owned(),
                        ),
                    ]
                })
                .collect();
            let header = ["TICK", "ID", "TYPE", "PARENT"].map(str::to_owned);
            let mut widths = [0usize; 4];
            for row in std::iter::once(&header).chain(&rows) {
                for (w, cell) in widths.iter_mut().zip(row) {
                    *w = (*w).max(cell.chars().count());
                }
            }
            for row in std::iter::once(&header).chain(&rows) {
                let line = format!(
                    "{:>w0$}  {:<w1$}  {:<w2$}  {}",
                    row[0],
                    row[1],
                    row[2],
                    row[3],
                    w0 = widths[0],
                    w1 = widths[1],
                    w2 = widths[2]
                );
                writeln!(out, "{}", line.trim_end())?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_read_as_rust_ranges() {
        use Bound::*;
        assert_eq!(parse_range("3..7"), Ok((Included(3), Excluded(7))));
        assert_eq!(parse_range("3..=7"), Ok((Included(3), Included(7))));
        assert_eq!(parse_range("-2.."), Ok((Included(-2), Unbounded)));
        assert_eq!(parse_range("..=4"), Ok((Unbounded, Included(4))));
        for bad in ["3", "a..b", "3..=", "1...2", "..x"] {
            assert!(parse_range(bad).is_err(), "{bad}");
        }
    }
}
