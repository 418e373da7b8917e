//! `validate`: the strict checks, every problem reported in line order.

use super::{CliError, ReadArgs, input};
use clap::Args;
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;
use tickcascade::Loader;

#[derive(Args, Debug)]
pub(crate) struct ValidateArgs {
    /// The log (JSONL), or - for stdin.
    log: PathBuf,
    /// Print {"file", "events", "problems": [{"line", "kind", "message"}]} on stdout.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    read: ReadArgs,
}

pub(crate) fn run(args: &ValidateArgs, out: &mut impl Write) -> Result<(), CliError> {
    let input = input::open(&args.log)?;
    let name = input.name.clone();
    let mut loader = Loader::validating(&name, &args.read.options());
    input::feed(&mut loader, input)?;
    let events = loader.len();
    let (_, report, problems) = loader.finish();
    for w in &report.warnings {
        eprintln!("tickcascade: warning: {name}:{}: {}", w.line, w.message);
    }
    let message = |p: &tickcascade::LoadError| match p.column {
        Some(c) => format!("{} (column {c})", p.kind),
        None => p.kind.to_string(),
    };
    if args.json {
        let list: Vec<_> = problems
            .iter()
            .map(|p| json!({"line": p.line, "kind": p.kind.name(), "message": message(p)}))
            .collect();
        writeln!(
            out,
            "{}",
            json!({"file": name, "events": events, "problems": list})
        )?;
    } else {
        for p in &problems {
            eprintln!("{name}:{}: {}", p.line, message(p));
        }
        if problems.is_empty() {
            writeln!(out, "{name}: {events} events, no problems")?;
        } else {
            eprintln!("{name}: {events} events read, {} problems", problems.len());
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(CliError::Reported)
    }
}
