//! `--follow` for `cascade`, `query` and `stats`: a `Follower` over a log a
//! running simulation writes, until the writer stops (no growth for
//! `--idle` seconds) or Ctrl-C.

use super::{CliError, ReadArgs};
use clap::Args;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tickcascade::{EventLog, FollowOptions, Followed, Follower};

#[derive(Args, Debug)]
pub(crate) struct FollowArgs {
    /// Follow the log as it is written (until --idle seconds without growth, or Ctrl-C).
    #[arg(long)]
    pub(crate) follow: bool,
    /// With --follow: seconds without growth after which the writer counts as stopped.
    #[arg(long, value_name = "SECONDS", default_value_t = 2.0, requires = "follow", value_parser = seconds)]
    pub(crate) idle: f64,
}

fn seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=86_400.0).contains(&v) => Ok(v),
        _ => Err(format!("{s:?} is not a number of seconds from 0 to 86400")),
    }
}

/// What changed, for the command following.
pub(crate) enum Change {
    /// New events at the end of the log.
    Grew,
    /// The file was truncated or replaced: the log starts over.
    Restarted,
    /// The writer stopped (idle, or Ctrl-C): the last call.
    Ended,
}

/// A flag set by Ctrl-C (installed once per process).
fn interrupted() -> Arc<AtomicBool> {
    static FLAG: std::sync::OnceLock<Arc<AtomicBool>> = std::sync::OnceLock::new();
    FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let set = flag.clone();
        // Without a handler (refused by the platform), Ctrl-C ends the
        // process as usual: what was printed stays printed.
        let _ = ctrlc::set_handler(move || set.store(true, Ordering::Relaxed));
        flag
    })
    .clone()
}

/// Follows `path`, calling `on` with the log after each change, and once
/// more with [`Change::Ended`] when the writer stops.
pub(crate) fn follow(
    path: &Path,
    read: &ReadArgs,
    args: &FollowArgs,
    mut on: impl FnMut(&EventLog, Change) -> Result<(), CliError>,
) -> Result<(), CliError> {
    if path.as_os_str() == "-" {
        return Err(CliError::Usage(
            "--follow needs a file, not standard input".into(),
        ));
    }
    let stop = interrupted();
    let idle = Duration::from_secs_f64(args.idle);
    let options = FollowOptions::default().with_load(read.options().with_threads(1));
    // The writer may not have created the file yet.
    let started = Instant::now();
    while !path.exists() {
        if stop.load(Ordering::Relaxed) || started.elapsed() >= idle {
            break;
        }
        std::thread::sleep(options.poll_interval);
    }
    let mut follower = Follower::open(path, options)?;
    loop {
        let change = match follower.wait(&stop, Some(idle))? {
            Followed::Grew => Change::Grew,
            Followed::Truncated | Followed::Replaced => {
                eprintln!(
                    "tickcascade: {}: the file was truncated or replaced; following it from its start",
                    path.display()
                );
                Change::Restarted
            }
            Followed::Idle | Followed::Stopped => Change::Ended,
            _ => Change::Grew,
        };
        let ended = matches!(change, Change::Ended);
        on(follower.log(), change)?;
        if ended {
            return Ok(());
        }
    }
}
