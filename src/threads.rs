//! The extra threads the engine starts on its own (large data scans,
//! parsing ahead while loading, sweeps): how many cores there are, and
//! starting one without ever failing. A thread the system refuses (a
//! process or cgroup limit) is not an error: the caller does that share of
//! the work itself.
//!
//! Work split in two for a moment (a scan's back half, a piece's lines
//! parsed ahead) goes to [`join`]'s helper, one thread kept for the whole
//! process, rather than to a new thread each time: Linux queues a new
//! thread on its parent's CPU, and here it waited there while the parent
//! worked, up to the whole length of the parent's share, with the other
//! CPU idle (measured: a thread spawned beside a 500 µs loop first ran
//! after 500 µs; yielding made the parent wait instead). A parked thread
//! wakes where it last ran, on the other CPU, within a few microseconds.

use crate::placement::Placement;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Condvar, Mutex, OnceLock, PoisonError};
use std::thread::{Scope, ScopedJoinHandle};

/// The cores this process may use (1 when unknown).
///
/// On Linux, the CPUs the process may run on (one system call). std's
/// `available_parallelism` also reads the cgroup CPU quota from /proc and
/// /sys, which took 50-80 µs here, a tenth of a first data query; a quota
/// below the CPU count only means the two halves of a scan share time.
pub(crate) fn available() -> usize {
    static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *THREADS.get_or_init(|| {
        affinity_count()
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
    })
}

#[cfg(target_os = "linux")]
fn affinity_count() -> Option<usize> {
    // SAFETY: `set` is a plain bit set that sched_getaffinity fills; its
    // size is passed along, and CPU_COUNT only reads it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        let ok = libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) == 0;
        let n = libc::CPU_COUNT(&set);
        (ok && n > 0).then_some(n as usize)
    }
}

#[cfg(not(target_os = "linux"))]
fn affinity_count() -> Option<usize> {
    None
}

/// Where the helper runs: kept off its caller's CPU before each job (see
/// `placement.rs`).
static PLACE: Placement = Placement::new();

/// Starts `f` on a scoped thread, or returns `None` if the system will not
/// start one (then `f` has not run, and the caller does its work).
pub(crate) fn spawn_scoped<'scope, T: Send + 'scope>(
    scope: &'scope Scope<'scope, '_>,
    f: impl FnOnce() -> T + Send + 'scope,
) -> Option<ScopedJoinHandle<'scope, T>> {
    #[cfg(test)]
    if REFUSED.with(std::cell::Cell::get) {
        return None;
    }
    std::thread::Builder::new().spawn_scoped(scope, f).ok()
}

/// A job for the helper, its lifetime erased (see `join`).
type Job = Box<dyn FnOnce() + Send + 'static>;

struct Helper {
    jobs: Mutex<Sender<Job>>,
    /// The process that started the helper: a child made by `fork` has
    /// the channel but not the thread, and must not wait for it.
    pid: u32,
    /// Taken while a job is on the helper: a second caller, or a job that
    /// joins again, runs both halves itself instead of waiting.
    busy: AtomicBool,
}

/// Starts the helper thread if it is not running yet, so that it is parked
/// on a CPU of its own by the time `join` needs it (a thread started by the
/// first `join` itself waited behind its caller). The log calls this once
/// it is large enough for split work.
pub(crate) fn start_helper() {
    helper();
}

fn helper() -> Option<&'static Helper> {
    static HELPER: OnceLock<Option<Helper>> = OnceLock::new();
    HELPER
        .get_or_init(|| {
            let (tx, rx) = channel::<Job>();
            std::thread::Builder::new()
                .name("tickcascade-helper".into())
                .spawn(move || {
                    PLACE.register();
                    while let Ok(job) = rx.recv() {
                        job();
                    }
                })
                .ok()?;
            Some(Helper {
                jobs: Mutex::new(tx),
                pid: std::process::id(),
                busy: AtomicBool::new(false),
            })
        })
        .as_ref()
}

/// A one-time signal: set once, waited for.
#[derive(Default)]
struct Latch {
    set: Mutex<bool>,
    cond: Condvar,
}

impl Latch {
    fn set(&self) {
        let mut set = self.set.lock().unwrap_or_else(PoisonError::into_inner);
        *set = true;
        self.cond.notify_one();
    }

    fn wait(&self) {
        let mut set = self.set.lock().unwrap_or_else(PoisonError::into_inner);
        while !*set {
            set = self.cond.wait(set).unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// Runs `a` on this thread and `b` on the helper thread at the same time,
/// and returns both results. When the helper cannot be had (the system
/// refused the thread, or it is running another caller's `b`), `b` runs
/// here after `a` (and not at all if `a` panics). A panic in either is
/// resumed here, after both ended.
pub(crate) fn join<RA, RB: Send>(
    a: impl FnOnce() -> RA,
    b: impl FnOnce() -> RB + Send,
) -> (RA, RB) {
    #[cfg(test)]
    if REFUSED.with(std::cell::Cell::get) {
        return (a(), b());
    }
    let Some(helper) = helper().filter(|h| h.pid == std::process::id()) else {
        return (a(), b());
    };
    if helper.busy.swap(true, Ordering::Acquire) {
        return (a(), b());
    }
    // `b` waits in `pending` until the helper takes it (if the job were
    // ever dropped unrun, this thread runs it); its result comes back in
    // `result`, and `done` says the helper is through with all three.
    let pending = Mutex::new(Some(b));
    let result: Mutex<Option<std::thread::Result<RB>>> = Mutex::new(None);
    // Shared, not borrowed: the helper still touches it after setting it.
    let done = std::sync::Arc::new(Latch::default());
    /// Sets `done` however the job ends, dropped unrun included.
    struct SetOnDrop(std::sync::Arc<Latch>);
    impl Drop for SetOnDrop {
        fn drop(&mut self) {
            self.0.set();
        }
    }
    let on_drop = SetOnDrop(done.clone());
    let job = {
        let (pending, result) = (&pending, &result);
        move || {
            let _on_drop = on_drop;
            let b = pending
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            if let Some(b) = b {
                let r = catch_unwind(AssertUnwindSafe(b));
                *result.lock().unwrap_or_else(PoisonError::into_inner) = Some(r);
            }
        }
    };
    let job: Box<dyn FnOnce() + Send + '_> = Box::new(job);
    // SAFETY: the job borrows `pending` and `result`, which live on this
    // frame. This function does not return or unwind before `done` is set
    // (the `Wait` guard below waits for it, also while unwinding), and
    // `done` is set only when the job has finished or been dropped, after
    // its last use of the borrows. So they outlive every use.
    let job: Job = unsafe { std::mem::transmute::<Box<dyn FnOnce() + Send + '_>, Job>(job) };
    /// Waits for the helper to be through with this call's job, and frees
    /// the helper for the next caller, whichever way `a` ends.
    struct Wait<'l>(&'l Latch, &'l AtomicBool);
    impl Drop for Wait<'_> {
        fn drop(&mut self) {
            self.0.wait();
            self.1.store(false, Ordering::Release);
        }
    }
    let wait = Wait(&done, &helper.busy);
    PLACE.away_from_caller();
    let sent = helper
        .jobs
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .send(job);
    // A send that failed hands the job back; dropping it sets `done`.
    drop(sent);
    let ra = a();
    drop(wait);
    let rb = match result.into_inner().unwrap_or_else(PoisonError::into_inner) {
        Some(Ok(rb)) => rb,
        Some(Err(panic)) => resume_unwind(panic),
        None => {
            // The helper never ran it: run it here.
            let b = pending.into_inner().unwrap_or_else(PoisonError::into_inner);
            match b {
                Some(b) => b(),
                None => unreachable!("b was taken, so its result was stored"),
            }
        }
    };
    (ra, rb)
}

#[cfg(test)]
thread_local! {
    static REFUSED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` as if the system refused every new thread (for this thread's
/// calls of [`spawn_scoped`]).
#[cfg(test)]
pub(crate) fn refusing_threads<R>(f: impl FnOnce() -> R) -> R {
    REFUSED.with(|r| r.set(true));
    let result = f();
    REFUSED.with(|r| r.set(false));
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::panic::catch_unwind;

    #[test]
    fn join_runs_both_halves_on_borrowed_data() {
        let mut data = vec![0u64; 10_000];
        let (front, back) = data.split_at_mut(5_000);
        let (a, b) = join(
            || {
                front.iter_mut().for_each(|x| *x = 1);
                front.len()
            },
            || {
                back.iter_mut().for_each(|x| *x = 2);
                back.len()
            },
        );
        assert_eq!((a, b), (5_000, 5_000));
        assert_eq!(data.iter().sum::<u64>(), 15_000);
        // Refused: both here, same answer.
        let (a, b) = refusing_threads(|| join(|| 1, || 2));
        assert_eq!((a, b), (1, 2));
    }

    #[test]
    fn a_panic_on_either_side_waits_for_the_other_and_comes_back_here() {
        // Other tests may hold the helper, and then both halves run here
        // (the back one not at all after the front panics); so: whenever
        // the back half started, it ended before the panic left `join`.
        for _ in 0..5 {
            let (started, finished) = (AtomicBool::new(false), AtomicBool::new(false));
            let r = catch_unwind(AssertUnwindSafe(|| {
                join(
                    || panic!("front"),
                    || {
                        started.store(true, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(20));
                        finished.store(true, Ordering::SeqCst);
                    },
                )
            }));
            assert!(r.is_err());
            assert_eq!(
                started.load(Ordering::SeqCst),
                finished.load(Ordering::SeqCst)
            );
        }
        let r = catch_unwind(|| join(|| 1, || -> u32 { panic!("back") }));
        assert!(r.is_err());
        // The helper survives a panicking job.
        assert_eq!(join(|| 3, || 4), (3, 4));
    }

    #[test]
    fn nested_and_concurrent_joins_all_finish() {
        let nested = join(|| join(|| 1, || 2), || join(|| 3, || 4));
        assert_eq!(nested, ((1, 2), (3, 4)));
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..8u64)
                .map(|k| {
                    s.spawn(move || {
                        (0..50u64)
                            .map(|i| join(|| i, || k).0 + join(|| 0, || i).1)
                            .sum::<u64>()
                    })
                })
                .collect();
            for h in handles {
                assert_eq!(h.join().ok(), Some(2 * (0..50).sum::<u64>()));
            }
        });
    }
}
