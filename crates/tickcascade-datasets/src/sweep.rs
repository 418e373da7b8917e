//! Sweeps: many seeded runs of a simulation in parallel, each written as
//! it finishes to `OUT/run=SEED/` (`log.jsonl`, `part-0.parquet`, then a
//! `_SUCCESS` marker). A run with its marker is skipped on restart; one
//! without is redone. Nothing shared sits at the dataset's root, so shards
//! (`--shard I/N`) run on different machines merge by copying directories.

use crate::to_parquet::write_parquet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use tickcascade::{EventLog, SaveOptions};

/// What to run.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SweepPlan {
    /// Seeds `start..end` (end excluded).
    pub seeds: std::ops::Range<u64>,
    /// `(i, n)`: only the seeds whose position in the range, modulo n, is i − 1.
    pub shard: Option<(u64, u64)>,
    /// Runs at once.
    pub jobs: usize,
    /// The dataset's root directory (`run=SEED/` directories go under it).
    pub out: PathBuf,
}

impl SweepPlan {
    /// Runs the `seeds` into `out`, all of them (no shard), one at a time.
    pub fn new(seeds: std::ops::Range<u64>, out: impl Into<PathBuf>) -> SweepPlan {
        SweepPlan {
            seeds,
            shard: None,
            jobs: 1,
            out: out.into(),
        }
    }

    /// Only shard `i` of `n` (1-based), for splitting a sweep across machines.
    pub fn with_shard(self, shard: Option<(u64, u64)>) -> Self {
        SweepPlan { shard, ..self }
    }

    /// Runs at once.
    pub fn with_jobs(self, jobs: usize) -> Self {
        SweepPlan { jobs, ..self }
    }

    /// The seeds this shard runs, in order.
    pub fn seeds(&self) -> Vec<u64> {
        self.seeds
            .clone()
            .enumerate()
            .filter(|(pos, _)| match self.shard {
                Some((i, n)) if n > 0 => (*pos as u64) % n == i.saturating_sub(1),
                _ => true,
            })
            .map(|(_, s)| s)
            .collect()
    }

    /// The directory of one run (a Hive partition).
    pub fn run_dir(&self, seed: u64) -> PathBuf {
        self.out.join(format!("run={seed}"))
    }
}

/// Counts so far (shared by the workers; read by a progress display).
#[derive(Debug, Default)]
pub struct SweepProgress {
    /// Runs finished so far.
    pub done: AtomicUsize,
    /// Runs skipped (already complete).
    pub skipped: AtomicUsize,
    /// Runs that failed.
    pub failed: AtomicUsize,
    /// Events written so far.
    pub events: AtomicU64,
}

/// How a sweep ended.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Runs finished.
    pub done: usize,
    /// Runs skipped (already complete).
    pub skipped: usize,
    /// Events written.
    pub events: u64,
    /// Seeds that failed, with why (their directories have no marker).
    pub failures: Vec<(u64, String)>,
}

/// Removes what a killed run left in `dir`: `log.jsonl.tmp-PID` files of
/// processes that are gone (on Linux, `/proc/PID` tells; elsewhere every one
/// but this process's) and the Parquet temporary.
fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let ours = std::process::id().to_string();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let stale = match name.strip_prefix("log.jsonl.tmp-") {
            Some(pid) if pid.bytes().all(|b| b.is_ascii_digit()) => {
                pid != ours && !Path::new("/proc").join(pid).exists()
            }
            Some(_) => false,
            None => name == ".part-0.parquet.tmp",
        };
        if stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn write_run(dir: &Path, log: &EventLog) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    remove_stale_temporaries(dir);
    // fsynced: `_SUCCESS` promises the files are whole, even after a power loss.
    log.save_to_file_with(
        dir.join("log.jsonl"),
        &SaveOptions::default().with_fsync(true),
    )
    .map_err(|e| e.to_string())?;
    let tmp = dir.join(".part-0.parquet.tmp");
    let file = std::fs::File::create(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
    let file = write_parquet(&[log], file).map_err(|e| format!("{}: {e}", tmp.display()))?;
    file.sync_all().map_err(|e| e.to_string())?;
    std::fs::rename(&tmp, dir.join("part-0.parquet")).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("_SUCCESS"), b"").map_err(|e| e.to_string())
}

/// Runs every seed of the plan not already marked done, `jobs` at a time,
/// calling `simulate(seed)` for the finished log and `tick` after each run.
pub fn run_sweep(
    plan: &SweepPlan,
    simulate: &(dyn Fn(u64) -> Result<EventLog, String> + Sync),
    tick: &(dyn Fn(&SweepProgress) + Sync),
) -> SweepReport {
    let seeds = plan.seeds();
    let next = AtomicUsize::new(0);
    let progress = SweepProgress::default();
    let failures = Mutex::new(Vec::new());
    let jobs = plan.jobs.clamp(1, seeds.len().max(1));
    let work = || {
        loop {
            let k = next.fetch_add(1, Ordering::Relaxed);
            let Some(&seed) = seeds.get(k) else {
                return;
            };
            let dir = plan.run_dir(seed);
            if dir.join("_SUCCESS").exists() {
                progress.skipped.fetch_add(1, Ordering::Relaxed);
            } else {
                match simulate(seed).and_then(|log| write_run(&dir, &log).map(|()| log.len())) {
                    Ok(n) => {
                        progress.events.fetch_add(n as u64, Ordering::Relaxed);
                        progress.done.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => {
                        progress.failed.fetch_add(1, Ordering::Relaxed);
                        if let Ok(mut f) = failures.lock() {
                            f.push((seed, e));
                        }
                    }
                }
            }
            tick(&progress);
        }
    };
    std::thread::scope(|scope| {
        // Threads the system refuses are skipped; with none at all, this
        // thread does the runs.
        let started = (0..jobs).filter(|_| spawn(scope, work).is_some()).count();
        if started == 0 {
            work();
        }
    });
    let mut failures = failures.into_inner().unwrap_or_default();
    failures.sort();
    SweepReport {
        done: progress.done.load(Ordering::Relaxed),
        skipped: progress.skipped.load(Ordering::Relaxed),
        events: progress.events.load(Ordering::Relaxed),
        failures,
    }
}

/// Starts `f` on a scoped thread, or `None` if the system will not start
/// one (then `f` has not run).
fn spawn<'scope, T: Send + 'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    f: impl FnOnce() -> T + Send + 'scope,
) -> Option<std::thread::ScopedJoinHandle<'scope, T>> {
    #[cfg(test)]
    if REFUSED.with(std::cell::Cell::get) {
        return None;
    }
    std::thread::Builder::new().spawn_scoped(scope, f).ok()
}

#[cfg(test)]
thread_local! {
    static REFUSED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` as if the system refused every new thread.
#[cfg(test)]
fn refusing_threads<R>(f: impl FnOnce() -> R) -> R {
    REFUSED.with(|r| r.set(true));
    let result = f();
    REFUSED.with(|r| r.set(false));
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sweep_without_threads_to_be_had_runs_on_the_callers() {
        let out =
            std::env::temp_dir().join(format!("tickcascade-sweep-alone-{}", std::process::id()));
        let plan = SweepPlan {
            seeds: 0..5,
            shard: None,
            jobs: 3,
            out: out.clone(),
        };
        let simulate = |seed: u64| {
            let mut log = EventLog::new();
            log.add_event("run.seed", &seed, None)
                .map_err(|e| e.to_string())?;
            Ok(log)
        };
        let report = refusing_threads(|| run_sweep(&plan, &simulate, &|_| {}));
        let _ = std::fs::remove_dir_all(&out);
        assert_eq!(
            (report.done, report.events, report.failures.len()),
            (5, 5, 0)
        );
    }
}
