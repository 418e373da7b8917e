//! `export`: cascades as pictures (DOT, Mermaid, Chrome trace, HTML).

use super::output::OutputFile;
use super::query::parse_range;
use super::{CliError, ReadArgs, input};
use clap::{Args, ValueEnum};
use std::io::Write;
use std::ops::Bound;
use std::path::PathBuf;
use tickcascade::EventId;
use tickcascade_datasets::export::{
    ExportError, Selection, select, write_dot, write_html, write_mermaid, write_trace,
};

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum Format {
    Dot,
    Html,
    Trace,
    Mermaid,
    /// One row per event (all the logs given), for DuckDB, Polars, Spark.
    Parquet,
}

#[derive(Args, Debug)]
pub(crate) struct ExportArgs {
    /// The log (JSONL), or - for stdin; parquet takes several.
    #[arg(required = true)]
    logs: Vec<PathBuf>,
    /// dot (Graphviz), html (a self-contained viewer), trace (Perfetto / chrome://tracing), mermaid, parquet.
    #[arg(long, value_enum)]
    format: Format,
    /// Write here instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Only the cascade of this event.
    #[arg(long, value_name = "ID")]
    root: Option<String>,
    /// Only these ticks: A..B (half-open), A..=B, A.., ..B.
    #[arg(long, value_name = "RANGE", value_parser = parse_range, allow_hyphen_values = true)]
    ticks: Option<(Bound<i64>, Bound<i64>)>,
    /// Only these types (wildcards as on the bus); repeat for more.
    #[arg(long = "type", value_name = "PATTERN")]
    types: Vec<String>,
    #[command(flatten)]
    read: ReadArgs,
}

fn export_error(log: &std::path::Path, e: ExportError) -> CliError {
    match e {
        ExportError::Io(e) => CliError::Output(e),
        other => CliError::NotFound(format!("{}: {other}", log.display())),
    }
}

fn parquet(args: &ExportArgs) -> Result<(), CliError> {
    let Some(path) = &args.output else {
        return Err(CliError::Usage(
            "--format parquet needs -o FILE (Parquet is binary)".into(),
        ));
    };
    let mut logs = Vec::new();
    for p in &args.logs {
        logs.push(input::read(p, &args.read)?);
    }
    let refs: Vec<&tickcascade::EventLog> = logs.iter().collect();
    let fail =
        |e: String| CliError::Output(std::io::Error::other(format!("{}: {e}", path.display())));
    let inputs: Vec<&std::path::Path> = args.logs.iter().map(PathBuf::as_path).collect();
    let file = OutputFile::create(path, &inputs)?;
    tickcascade_datasets::write_parquet(&refs, file)
        .map_err(|e| fail(e.to_string()))?
        .commit()
}

pub(crate) fn run(args: &ExportArgs, out: &mut impl Write) -> Result<(), CliError> {
    if args.format == Format::Parquet {
        return parquet(args);
    }
    if args.logs.len() > 1 {
        return Err(CliError::Usage(
            "only --format parquet takes more than one log".into(),
        ));
    }
    let log_path = &args.logs[0];
    // Refused before reading: the input must not be the output.
    let mut file = match &args.output {
        Some(path) => Some(OutputFile::create(path, &[log_path.as_path()])?),
        None => None,
    };
    let log = input::read(log_path, &args.read)?;
    let selection = Selection::default()
        .with_root(args.root.as_deref().map(EventId::from))
        .with_ticks(args.ticks)
        .with_types(args.types.clone());
    let chosen = select(&log, &selection).map_err(|e| export_error(log_path, e))?;
    let sink: &mut dyn Write = match &mut file {
        Some(f) => f,
        None => out,
    };
    let mut sink = std::io::BufWriter::new(sink);
    match args.format {
        Format::Dot => write_dot(&log, &chosen, &mut sink)?,
        Format::Mermaid => {
            write_mermaid(&log, &chosen, &mut sink).map_err(|e| export_error(log_path, e))?
        }
        Format::Trace => {
            let report = write_trace(&log, &chosen, &mut sink)?;
            if report.data_as_text > 0 {
                eprintln!(
                    "tickcascade: note: {} events' data carried as JSON text (args.data_text), since a JSON reader would change it (integers beyond 2^53, NaN or Infinity, lone surrogates); first: {}",
                    report.data_as_text,
                    report.first_as_text.as_deref().unwrap_or("?")
                );
            }
        }
        Format::Parquet => {}
        Format::Html => {
            let title = format!("{} — tickcascade", log_path.display());
            write_html(&log, &chosen, &title, &mut sink)?;
        }
    }
    sink.flush()?;
    drop(sink);
    match file {
        Some(f) => f.commit(),
        None => Ok(()),
    }
}
